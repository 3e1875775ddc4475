// The Hessian of a pair-potential configuration and its low-frequency spectrum (Jha & Sengupta Eq. 6, Fig. 1e):
// H = d2U/dr_ia dr_jb from the pair blocks M = u'' nn + (u'/r)(I - nn), added at ii and jj, subtracted at ij and ji;
// lambda_smallest = (1/m) sum_{i=1..m} W(i) over the m = 30 smallest positive eigenvalues W(i) (Eq. 6).
// Soft modes as per-particle fields: participation in the lowest k modes and the lowest mode itself.
//
// Conventions (oracle README, section E): index d*i + a (x, y[, z] per particle); an eigenvalue with
// |lambda| < 1e-8 lambda_max counts as zero (translations, rattlers) and one below -1e-8 lambda_max as negative; the
// eigenvalues nearest the shift sigma = -1e-3 are computed (as eigsh(sigma=-1e-3, which='LM')) until `count` positive
// ones are found. WCA and Hertz (any PairPotential of potentials.ts), polydisperse, any box of box.ts (periodic,
// Lees-Edwards / triclinic, open axes), 2D and 3D. Pure (no Node, no DOM).
import type { Box } from '../box.js';
import type { NeighborList } from '../neighbors.js';
import { PAIR_D2UDR2, PAIR_DUDR_OVER_R, resolvePairList, type PairPotential } from '../potentials.js';
import type { BlockCsr } from '../linalg/block-sparse.js';
import { eigsNearShift, lanczosLargest } from '../linalg/eigs.js';
import { ldlSymbolic } from '../linalg/ldl.js';

export interface HessianInput {
  /** Positions n*3 (z ignored in 2D), e.g. an inherent structure. */
  positions: Float64Array;
  box: Box;
  /** Per-particle sizes of the potential (WCA diameters, Hertz radii). */
  sizes: ArrayLike<number>;
  potential: PairPotential;
  /** 2 (default) or 3. */
  dimensions?: 2 | 3;
  /** A half neighbour list with vectors for these positions (built when absent; see potentials.ts). */
  neighbors?: NeighborList;
}

/** The interacting pairs and their Hessian blocks: everything H needs, in pair order (i < j). */
export interface HessianPairs {
  /** Particles. */
  readonly n: number;
  /** Dimensions = block size. */
  readonly d: 2 | 3;
  /** The pairs (i < j) with r < rc_ij. */
  readonly pi: Int32Array;
  readonly pj: Int32Array;
  /** Symmetric M per pair: (xx, xy, yy) in 2D, (xx, xy, xz, yy, yz, zz) in 3D. */
  readonly blocks: Float64Array;
  /** Interacting neighbours of each particle (0 = rattler without contacts). */
  readonly contacts: Int32Array;
  /** Total energy U and the forces F = -grad U (n*d) of the same pass. */
  readonly energy: number;
  readonly forces: Float64Array;
  /** max_i |F_i| (0 at an exact minimum). */
  readonly maxForce: number;
}

/** One pass over the pairs: M = (u'' - u'/r) nn + (u'/r) I per interacting pair, plus energy and forces. */
export function hessianPairs(input: HessianInput): HessianPairs {
  const d = input.dimensions ?? 2;
  const { positions, box, sizes, potential } = input;
  const nl = resolvePairList(positions, box, sizes, potential, { dimensions: d, neighbors: input.neighbors });
  const n = nl.n, vec = nl.vectors as Float64Array;
  const { start, indices } = nl;
  const tmp = new Float64Array(3);
  // Count first so the arrays have their exact size.
  let m = 0;
  for (let i = 0; i < n; i++) {
    const si = sizes[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const dx = vec[3 * k], dy = vec[3 * k + 1], dz = d === 3 ? vec[3 * k + 2] : 0;
      if (potential.pair(si, sizes[indices[k]], dx * dx + dy * dy + dz * dz, tmp)) m++;
    }
  }
  const nblk = d === 2 ? 3 : 6;
  const pi = new Int32Array(m), pj = new Int32Array(m), blocks = new Float64Array(m * nblk);
  const contacts = new Int32Array(n), forces = new Float64Array(n * d);
  let e = 0, q = 0;
  for (let i = 0; i < n; i++) {
    const si = sizes[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = indices[k];
      const dx = vec[3 * k], dy = vec[3 * k + 1], dz = d === 3 ? vec[3 * k + 2] : 0;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (!potential.pair(si, sizes[j], r2, tmp)) continue;
      e += tmp[0];
      const g = tmp[PAIR_DUDR_OVER_R], a = (tmp[PAIR_D2UDR2] - g) / r2; // M = a d d^T + g I  (d = r_j - r_i, |d|^2 = r2)
      pi[q] = i; pj[q] = j;
      contacts[i]++; contacts[j]++;
      const o = q * nblk;
      if (d === 2) {
        blocks[o] = a * dx * dx + g; blocks[o + 1] = a * dx * dy; blocks[o + 2] = a * dy * dy + g;
        forces[2 * i] += g * dx; forces[2 * i + 1] += g * dy;
        forces[2 * j] -= g * dx; forces[2 * j + 1] -= g * dy;
      } else {
        blocks[o] = a * dx * dx + g; blocks[o + 1] = a * dx * dy; blocks[o + 2] = a * dx * dz;
        blocks[o + 3] = a * dy * dy + g; blocks[o + 4] = a * dy * dz; blocks[o + 5] = a * dz * dz + g;
        forces[3 * i] += g * dx; forces[3 * i + 1] += g * dy; forces[3 * i + 2] += g * dz;
        forces[3 * j] -= g * dx; forces[3 * j + 1] -= g * dy; forces[3 * j + 2] -= g * dz;
      }
      q++;
    }
  }
  let maxForce = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < d; a++) s += forces[d * i + a] * forces[d * i + a];
    if (s > maxForce) maxForce = s;
  }
  return { n, d, pi, pj, blocks, contacts, energy: e, forces, maxForce: Math.sqrt(maxForce) };
}

/** out = H v without forming H (v, out: n*d, index d*i + a); `out` is overwritten. */
export function hessianTimes(h: HessianPairs, v: Float64Array, out: Float64Array): Float64Array {
  const { pi, pj, blocks, d } = h;
  const m = pi.length;
  if (v.length < h.n * d || out.length < h.n * d) throw new RangeError(`hessianTimes: vectors shorter than ${h.n * d}`);
  out.fill(0, 0, h.n * d);
  if (d === 2) {
    for (let q = 0; q < m; q++) {
      const i = 2 * pi[q], j = 2 * pj[q], o = 3 * q;
      const wx = v[i] - v[j], wy = v[i + 1] - v[j + 1];
      const mx = blocks[o] * wx + blocks[o + 1] * wy, my = blocks[o + 1] * wx + blocks[o + 2] * wy;
      out[i] += mx; out[i + 1] += my;
      out[j] -= mx; out[j + 1] -= my;
    }
    return out;
  }
  for (let q = 0; q < m; q++) {
    const i = 3 * pi[q], j = 3 * pj[q], o = 6 * q;
    const wx = v[i] - v[j], wy = v[i + 1] - v[j + 1], wz = v[i + 2] - v[j + 2];
    const mx = blocks[o] * wx + blocks[o + 1] * wy + blocks[o + 2] * wz;
    const my = blocks[o + 1] * wx + blocks[o + 3] * wy + blocks[o + 4] * wz;
    const mz = blocks[o + 2] * wx + blocks[o + 4] * wy + blocks[o + 5] * wz;
    out[i] += mx; out[i + 1] += my; out[i + 2] += mz;
    out[j] -= mx; out[j + 1] -= my; out[j + 2] -= mz;
  }
  return out;
}

/**
 * The sparse Hessian as block CSR (d x d blocks, both triangles, diagonal blocks always present), rows sorted by
 * column. Scalar nonzeros: d^2 (n + 2 pairs) when no two pairs join the same particles.
 */
export function assembleHessian(h: HessianPairs): BlockCsr {
  const { n, d, pi, pj, blocks } = h;
  const m = pi.length, bb = d * d, nblk = d === 2 ? 3 : 6;
  const lower = new Int32Array(n), upper = new Int32Array(n);
  for (let q = 0; q < m; q++) { upper[pi[q]]++; lower[pj[q]]++; }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + lower[i] + 1 + upper[i];
  const cols = new Int32Array(start[n]);
  const values = new Float64Array(start[n] * bb);
  // Cursors: lower entries fill from the row start (pairs come in ascending i), upper ones after the diagonal.
  const lowCur = new Int32Array(n), upCur = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    lowCur[i] = start[i];
    cols[start[i] + lower[i]] = i;
    upCur[i] = start[i] + lower[i] + 1;
  }
  const full = new Float64Array(bb);
  for (let q = 0; q < m; q++) {
    const i = pi[q], j = pj[q], o = q * nblk;
    if (d === 2) {
      full[0] = blocks[o]; full[1] = blocks[o + 1]; full[2] = blocks[o + 1]; full[3] = blocks[o + 2];
    } else {
      full[0] = blocks[o]; full[1] = blocks[o + 1]; full[2] = blocks[o + 2];
      full[3] = blocks[o + 1]; full[4] = blocks[o + 3]; full[5] = blocks[o + 4];
      full[6] = blocks[o + 2]; full[7] = blocks[o + 4]; full[8] = blocks[o + 5];
    }
    const dii = (start[i] + lower[i]) * bb, djj = (start[j] + lower[j]) * bb;
    const ij = upCur[i]++, ji = lowCur[j]++;
    cols[ij] = j; cols[ji] = i;
    for (let t = 0; t < bb; t++) {
      values[dii + t] += full[t];
      values[djj + t] += full[t];
      values[ij * bb + t] = -full[t];
      values[ji * bb + t] = -full[t];
    }
  }
  return { nb: n, b: d, start, cols, values };
}

export interface ModesOptions {
  /** m: positive eigenvalues wanted (default 30, Eq. 6). */
  count?: number;
  /** Relative zero threshold: |lambda| < zeroTolerance * lambda_max is zero (default 1e-8). */
  zeroTolerance?: number;
  /** The shift (default -1e-3, the oracle's eigsh sigma). */
  sigma?: number;
  /** Return the eigenvectors of the `count` positive eigenvalues (default true). */
  vectors?: boolean;
  /**
   * Solver parameters (see linalg/eigs.ts): block size (default 1), relative Ritz residual tolerance on the
   * shift-inverted operator (default 1e-8: eigenvalues within ~1e-14 of a 1e-12 solve on the N = 2000 glass), basis size.
   */
  blockSize?: number;
  tol?: number;
  maxBasis?: number;
  /** Check by inertia that no eigenvalue (a copy of a repeated one) was missed (default true; see linalg/eigs.ts). */
  verify?: boolean;
}

export interface VibrationalModes {
  /** The `count` smallest positive eigenvalues, ascending (fewer only if the system has fewer). */
  eigenvalues: Float64Array;
  /** Their mean (Eq. 6); NaN when there are none. */
  lambdaSmallest: number;
  /** Eigenvalues with |lambda| < zeroTolerance lambda_max (translations, rattlers). */
  zeroModes: number;
  /** Eigenvalues below -zeroTolerance lambda_max (the configuration is not a minimum when > 0). */
  negativeModes: number;
  lambdaMax: number;
  /** Eigenvectors of `eigenvalues` (unit norm), mode k at [k*n*d, (k+1)*n*d), index d*i + a; empty if not asked. */
  vectors: Float64Array;
  /** Every eigenvalue the solver converged (nearest sigma, ascending): the positive ones plus zero and negative ones. */
  nearest: Float64Array;
  /** max_i |F_i| and U of the configuration (a minimum has max |F| ~ 0). */
  maxForce: number;
  energy: number;
  /** Particles without any interacting neighbour (2 zero modes each in 2D). */
  rattlers: number;
  /** Largest ||H x - lambda x|| over the returned pairs. */
  maxResidual: number;
  /**
   * Linear solves, restarts, stored blocks of L, the shift used, convergence, and the completeness check by inertia
   * (factorisations it used, eigenpairs it recovered).
   */
  solver: { solves: number; restarts: number; factorBlocks: number; sigma: number; converged: boolean; verifyFactorizations: number; recovered: number };
  n: number;
  dimensions: 2 | 3;
}

/**
 * The vibrational spectrum near zero: the `count` smallest positive eigenvalues of H and lambda_smallest (Eq. 6), the
 * numbers of zero and negative modes and lambda_max. Translations and the rattlers' degrees of freedom are exact null
 * vectors and are deflated (counted as zero modes) before shift-invert Lanczos; every other eigenvalue is classified
 * with the threshold zeroTolerance * lambda_max, as the oracle does.
 */
export function vibrationalModes(input: HessianInput, options: ModesOptions = {}): VibrationalModes {
  const h = hessianPairs(input);
  return modesOfPairs(h, options);
}

/** vibrationalModes from precomputed pairs (reuse them for hessianTimes or the soft-mode fields). */
export function modesOfPairs(h: HessianPairs, options: ModesOptions = {}): VibrationalModes {
  const count = options.count ?? 30;
  const zeroTol = options.zeroTolerance ?? 1e-8;
  const sigma0 = options.sigma ?? -1e-3;
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`vibrational modes: count must be an integer >= 1 (got ${count})`);
  if (!(zeroTol >= 0 && zeroTol < 1)) throw new RangeError(`vibrational modes: zeroTolerance must be in [0, 1) (got ${zeroTol})`);
  if (!Number.isFinite(sigma0)) throw new RangeError(`vibrational modes: sigma must be finite (got ${sigma0})`);
  const { n, d } = h;
  const dim = n * d;
  const H = assembleHessian(h);
  const lmax = lanczosLargest((x, y) => { hessianTimes(h, x, y); }, dim).value;
  const zeroThreshold = zeroTol * Math.abs(lmax);
  // Exact null vectors: the rattlers' degrees of freedom and the d translations of the others.
  const zeroDofs: number[] = [];
  let rattlers = 0;
  for (let i = 0; i < n; i++) {
    if (h.contacts[i] > 0) continue;
    rattlers++;
    for (let a = 0; a < d; a++) zeroDofs.push(d * i + a);
  }
  const moving = n - rattlers;
  const translations: Float64Array[] = [];
  if (moving > 0) {
    for (let a = 0; a < d; a++) {
      const t = new Float64Array(dim);
      const s = 1 / Math.sqrt(moving);
      for (let i = 0; i < n; i++) if (h.contacts[i] > 0) t[d * i + a] = s;
      translations.push(t);
    }
  }
  const knownZero = zeroDofs.length + translations.length;
  const free = dim - knownZero;
  const symbolic = ldlSymbolic(H);
  let nev = Math.min(free, count + 2);
  for (;;) {
    const r = eigsNearShift(H, {
      sigma: sigma0, nev, blockSize: options.blockSize, tol: options.tol ?? 1e-8, maxBasis: options.maxBasis,
      deflate: { vectors: translations, zeroDofs: Int32Array.from(zeroDofs) }, symbolic, vectors: options.vectors !== false,
      verify: options.verify,
    });
    const vals = r.values;
    let positive = 0;
    for (const l of vals) if (l >= zeroThreshold) positive++;
    if (positive < count && nev < free) {
      // Not a minimum (or more zero modes than the rattlers'): grow by the observed share of positive eigenvalues.
      const grow = Math.ceil(((count - positive) * vals.length) / Math.max(1, positive) * 1.2) + 2;
      nev = Math.min(free, nev + Math.max(count, grow));
      continue;
    }
    // Classify. Negative modes: the factor's inertia counts lambda < sigma; correct by the found eigenvalues between
    // sigma and -threshold (both orders of the two).
    let zero = knownZero, negative = r.inertia.negative;
    for (const l of vals) {
      if (Math.abs(l) < zeroThreshold) zero++;
      if (l < r.sigma && l > -zeroThreshold) negative--;
      else if (l >= r.sigma && l <= -zeroThreshold) negative++;
    }
    const take: number[] = [];
    for (let k = 0; k < vals.length && take.length < count; k++) if (vals[k] >= zeroThreshold) take.push(k);
    const eigenvalues = Float64Array.from(take.map((k) => vals[k]));
    const vectors = new Float64Array(options.vectors === false ? 0 : take.length * dim);
    if (options.vectors !== false) take.forEach((k, c) => vectors.set(r.vectors.subarray(k * dim, (k + 1) * dim), c * dim));
    let maxResidual = 0;
    for (const k of take) maxResidual = Math.max(maxResidual, r.residuals[k]);
    let mean = 0;
    for (const l of eigenvalues) mean += l;
    return {
      eigenvalues, lambdaSmallest: eigenvalues.length ? mean / eigenvalues.length : NaN, zeroModes: zero, negativeModes: negative,
      lambdaMax: lmax, vectors, nearest: vals, maxForce: h.maxForce, energy: h.energy, rattlers, maxResidual,
      solver: {
        solves: r.solves, restarts: r.restarts, factorBlocks: r.factorBlocks, sigma: r.sigma, converged: r.converged,
        verifyFactorizations: r.verifyFactorizations, recovered: r.recovered,
      },
      n, dimensions: d,
    };
  }
}

/**
 * Participation of each particle in the lowest k modes (Widmer-Cooper et al., Nat. Phys. 4, 711 (2008)):
 * p_i = (N/k) sum_{l=1..k} |e_{l,i}|^2 with unit eigenvectors, so that the mean over particles is 1 (a particle that
 * takes part like the average has p_i = 1; uniform plane waves give 1 everywhere; a mode on one particle gives N there).
 * `vectors` holds modes one after the other (n*d each, as VibrationalModes.vectors); k defaults to all of them.
 */
export function softModeParticipation(vectors: Float64Array, n: number, d: 2 | 3, k?: number): Float64Array {
  const dim = n * d;
  const avail = dim > 0 ? Math.floor(vectors.length / dim) : 0;
  const kk = Math.min(k ?? avail, avail);
  const out = new Float64Array(n);
  if (kk === 0) return out.fill(NaN);
  for (let l = 0; l < kk; l++) {
    const o = l * dim;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < d; a++) { const x = vectors[o + d * i + a]; s += x * x; }
      out[i] += s;
    }
  }
  const f = n / kk;
  for (let i = 0; i < n; i++) out[i] *= f;
  return out;
}

/**
 * The lowest non-zero mode as a per-particle vector field (n*d interleaved, unit norm over all particles), with the
 * sign fixed so that its largest-magnitude component is positive (eigenvectors are defined up to sign). NaN-filled when
 * there is no mode.
 */
export function lowestModeField(vectors: Float64Array, n: number, d: 2 | 3): Float64Array {
  const dim = n * d;
  if (vectors.length < dim || dim === 0) return new Float64Array(dim).fill(NaN);
  const out = vectors.slice(0, dim);
  let big = 0;
  for (let i = 0; i < dim; i++) if (Math.abs(out[i]) > Math.abs(big)) big = out[i];
  if (big < 0) for (let i = 0; i < dim; i++) out[i] = -out[i];
  return out;
}
