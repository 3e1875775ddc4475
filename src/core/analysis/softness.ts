// Structural softness from the local caging potential (Jha & Sengupta Eq. 15 and App. C, Eqs. C1, C4-C6):
// g_i(r) = 1/(2 pi r rho) sum_{j!=i} N(r; r_ij, delta), c_i = g_i - 1, beta phi_i = -2 pi rho int_rmin^rmax r c_i g_i dr, S_i = 1/|beta phi_i|.
//
// Conventions (those of the oracle, tests/fixtures/oracle/README.md section F):
//  - rho = N/V (not (N-1)/V); delta = 0.02; the integral is the composite trapezoid rule on r_k = rmin + k dr,
//    k = 0..round((rmax - rmin)/dr), dr = 0.005.
//  - rmin/rmax, unless given: the global g = mean_i g_i on r_k = k dr, k = 1..K, r_K <= min(rSearchMax, halfWidth - truncation*delta);
//    rmin = first r_k with g >= gThreshold (1e-3); rmax = first r_k after the global maximum with g <= 1.
//  - `*GlobalC`: the mean-field variant with c = g_global - 1 (g_global = mean_i g_i on the integration grid).
//  - In 3D the same definitions hold with 2 pi r -> 4 pi r^2 (shell measure).
// Truncation: a pair at distance d contributes to grid points |r_k - d| <= truncation*delta only (default 10 delta: every
// dropped term is < exp(-50) ~ 1.9e-22 times the Gaussian's peak, i.e. < ~1e-20 in g, far below the 1e-12 absolute
// tolerance; pairs with d > rmax + truncation*delta never contribute).
// A particle whose beta phi is exactly 0 (no neighbour in the window: S would be infinite) is flagged invalid (softness NaN).
import { boxVolume, type Box } from '../box.js';
import { buildNeighborList, NeighborSearch } from '../neighbors.js';
import { addGaussianOnGrid, boxHalfWidth, shellMeasure, smoothedRdfOverNeighborhoods } from './rdf.js';

export interface SoftnessParams {
  /** 2 (default) or 3. */
  dimensions?: 2 | 3;
  /** Gaussian width of Eq. C1 (default 0.02). */
  delta?: number;
  /** Integration and search grid step (default 0.005). */
  dr?: number;
  /** Lower integration limit; default from the global g (first grid point with g >= gThreshold). */
  rmin?: number;
  /** Upper integration limit; default from the global g (first grid point after its maximum with g <= 1). */
  rmax?: number;
  /** Threshold for the automatic rmin (default 1e-3). */
  gThreshold?: number;
  /** Largest r searched for the automatic limits (default 3.0; also bounded by the box half width minus the window). */
  rSearchMax?: number;
  /** Gaussian truncation in units of delta (default 10). */
  truncation?: number;
  /** Also compute the mean-field variant c = g_global - 1 (default true). */
  globalC?: boolean;
  /** Particles whose g_i on the integration grid should be returned (for inspection). */
  keepLocalG?: ArrayLike<number>;
}

export interface SoftnessResult {
  readonly n: number;
  readonly rho: number;
  readonly delta: number;
  readonly dr: number;
  /** Integration limits used (grid points of r_k = k dr when automatic). */
  readonly rmin: number;
  readonly rmax: number;
  /** How each limit was set. */
  readonly rminSource: 'auto' | 'given';
  readonly rmaxSource: 'auto' | 'given';
  /** Position of the global maximum of the global g, or null when both limits were given (then no search is run). */
  readonly rPeak: number | null;
  /** The global g on r_k = k dr, k = 1..K (empty when both limits were given). */
  readonly globalR: Float64Array;
  readonly globalG: Float64Array;
  /** The integration grid r_k = rmin + k dr and the global g (mean of g_i) on it (empty when !globalC). */
  readonly integrationR: Float64Array;
  readonly integrationG: Float64Array;
  /** beta phi_i (Eq. C5) and S_i = 1/|beta phi_i| (Eq. C6); softness is NaN where valid[i] = 0. */
  readonly betaPhi: Float64Array;
  readonly softness: Float64Array;
  readonly valid: Uint8Array;
  readonly invalidCount: number;
  /** Valid particles with beta phi > 0 (no cage in the window; S = 1/|beta phi| is then an outlier). */
  readonly positiveCount: number;
  /** Mean-field variant (c = g_global - 1); empty arrays when !globalC. */
  readonly betaPhiGlobalC: Float64Array;
  readonly softnessGlobalC: Float64Array;
  readonly validGlobalC: Uint8Array;
  readonly invalidCountGlobalC: number;
  /** g_i on the integration grid for the particles of `keepLocalG`, row-major (count x integrationR.length). */
  readonly localG: { readonly index: Int32Array; readonly values: Float64Array };
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Softness of every particle of a frame (positions n*3 interleaved, particles in frame order). */
export function softness(positions: Float64Array, box: Box, params: SoftnessParams = {}): SoftnessResult {
  const dims = params.dimensions ?? 2;
  const delta = params.delta ?? 0.02;
  const dr = params.dr ?? 0.005;
  const truncation = params.truncation ?? 10;
  const gThreshold = params.gThreshold ?? 1e-3;
  const rSearchMax = params.rSearchMax ?? 3.0;
  const wantGlobalC = params.globalC !== false;
  const halfWindow = truncation * delta;
  const n = positions.length / 3;
  const vol = boxVolume(box, dims);
  if (!(vol > 0)) throw new RangeError(`softness: box has no ${dims}D volume`);
  if (!(delta > 0) || !(dr > 0) || !(truncation > 0)) throw new RangeError('softness: delta, dr and truncation must be positive');
  const rho = n / vol;
  const halfWidth = boxHalfWidth(box, dims);
  // Sums over each particle's neighbourhood, visited by the one search without storing a pair list.
  const search = new NeighborSearch();

  let rmin = params.rmin;
  let rmax = params.rmax;
  const auto = rmin === undefined || rmax === undefined;
  let rPeak: number | null = null;
  let globalR: Float64Array = new Float64Array(0);
  let globalG: Float64Array = new Float64Array(0);
  if (!auto && (!(rmax! > rmin!) || !(rmin! >= 0))) throw new RangeError(`softness: need 0 <= rmin < rmax (got ${rmin}, ${rmax})`);
  if (auto) {
    const searchMax = Math.min(rSearchMax, halfWidth - halfWindow);
    if (!(searchMax > dr)) throw new RangeError(`softness: box too small to search rmin/rmax (half width ${halfWidth}); pass rmin and rmax`);
    // The global g (each unordered pair once) on r_k = k dr up to the search limit.
    const glob = smoothedRdfOverNeighborhoods(positions, box, rho, dims, searchMax, dr, delta, truncation, search);
    globalR = glob.r;
    globalG = glob.g;
    const K = globalG.length;
    let kPeak = 0;
    for (let k = 1; k < K; k++) if (globalG[k] > globalG[kPeak]) kPeak = k;
    rPeak = K ? globalR[kPeak] : null;
    if (rmin === undefined) {
      let k = 0;
      while (k < K && !(globalG[k] >= gThreshold)) k++;
      if (k === K) throw new RangeError(`softness: the global g never reaches ${gThreshold} for r <= ${searchMax}; pass rmin`);
      rmin = globalR[k];
    }
    if (rmax === undefined) {
      let k = kPeak + 1;
      while (k < K && !(globalG[k] <= 1)) k++;
      if (k >= K) throw new RangeError(`softness: the global g does not come back to 1 after its maximum at r = ${rPeak} within r <= ${searchMax}; pass rmax`);
      rmax = globalR[k];
    }
    if (!(rmax > rmin) || !(rmin >= 0)) throw new RangeError(`softness: need 0 <= rmin < rmax (got ${rmin}, ${rmax})`);
  }
  // The per-particle sums need full rows, only up to rmax + the Gaussian window.
  const cutoff = (rmax as number) + halfWindow;
  if (cutoff > halfWidth) throw new RangeError(`softness: rmax + ${truncation} delta = ${cutoff} exceeds the box half width ${halfWidth}`);

  const r0 = rmin as number;
  const r1 = rmax as number;

  // Integration grid, trapezoid weights times the shell measure and the normalisation of g_i per grid point.
  const m = Math.round((r1 - r0) / dr) + 1;
  const integrationR = new Float64Array(m);
  for (let k = 0; k < m; k++) integrationR[k] = r0 + k * dr;
  const weight = new Float64Array(m); // trapezoid weight * shell measure: beta phi = -rho sum_k weight_k c_k g_k
  const norm = new Float64Array(m); // g_i(r_k) = norm_k * sum_j exp(...)
  for (let k = 0; k < m; k++) {
    const left = k > 0 ? integrationR[k] - integrationR[k - 1] : 0;
    const right = k < m - 1 ? integrationR[k + 1] - integrationR[k] : 0;
    weight[k] = 0.5 * (left + right) * shellMeasure(integrationR[k], dims);
    norm[k] = 1 / (shellMeasure(integrationR[k], dims) * rho * SQRT_2PI * delta);
  }
  const inv2d2 = 1 / (2 * delta * delta);
  const c = Math.exp(-(dr * dr) / (delta * delta));
  const dLo = r0 - halfWindow;
  const dHi = r1 + halfWindow;
  const gi = new Float64Array(m);

  // The global g on the integration grid (mean of g_i), needed before the per-particle pass of the globalc variant.
  const integrationG = new Float64Array(wantGlobalC ? m : 0);
  if (wantGlobalC) {
    search.forEachNeighborhood(positions, box, { cutoff, dimensions: dims, half: true }, (_i, count, _nb, r2) => {
      for (let q = 0; q < count; q++) {
        const d = Math.sqrt(r2[q]);
        if (d < dLo || d > dHi) continue;
        addGaussianOnGrid(integrationG, r0, dr, m, d, halfWindow, inv2d2, c);
      }
    });
    for (let k = 0; k < m; k++) integrationG[k] *= (2 * norm[k]) / n;
  }

  const keep = params.keepLocalG ?? [];
  const keepIndex = Int32Array.from(keep);
  const keepRow = new Int32Array(n).fill(-1);
  for (let q = 0; q < keepIndex.length; q++) {
    if (!(keepIndex[q] >= 0 && keepIndex[q] < n)) throw new RangeError(`softness: keepLocalG index ${keepIndex[q]} out of range`);
    keepRow[keepIndex[q]] = q;
  }
  const localValues = new Float64Array(keepIndex.length * m);

  const betaPhi = new Float64Array(n);
  const soft = new Float64Array(n);
  const valid = new Uint8Array(n);
  const betaPhiGlobalC = new Float64Array(wantGlobalC ? n : 0);
  const softGlobalC = new Float64Array(wantGlobalC ? n : 0);
  const validGlobalC = new Uint8Array(wantGlobalC ? n : 0);
  let invalidCount = 0, invalidCountGlobalC = 0, positiveCount = 0;
  search.forEachNeighborhood(positions, box, { cutoff, dimensions: dims }, (i, count, _nb, r2) => {
    gi.fill(0);
    for (let q = 0; q < count; q++) {
      const d = Math.sqrt(r2[q]);
      if (d < dLo || d > dHi) continue;
      addGaussianOnGrid(gi, r0, dr, m, d, halfWindow, inv2d2, c);
    }
    let s = 0, sg = 0;
    for (let k = 0; k < m; k++) {
      const g = gi[k] * norm[k];
      s += weight[k] * (g - 1) * g;
      if (wantGlobalC) sg += weight[k] * (integrationG[k] - 1) * g;
      gi[k] = g;
    }
    const row = keepRow[i];
    if (row >= 0) localValues.set(gi, row * m);
    const bp = s === 0 ? 0 : -rho * s;
    betaPhi[i] = bp;
    if (bp !== 0 && Number.isFinite(bp)) {
      valid[i] = 1;
      soft[i] = 1 / Math.abs(bp);
      if (bp > 0) positiveCount++;
    } else {
      soft[i] = NaN;
      invalidCount++;
    }
    if (wantGlobalC) {
      const bg = sg === 0 ? 0 : -rho * sg;
      betaPhiGlobalC[i] = bg;
      if (bg !== 0 && Number.isFinite(bg)) {
        validGlobalC[i] = 1;
        softGlobalC[i] = 1 / Math.abs(bg);
      } else {
        softGlobalC[i] = NaN;
        invalidCountGlobalC++;
      }
    }
  });
  return {
    n, rho, delta, dr, rmin: r0, rmax: r1,
    rminSource: params.rmin === undefined ? 'auto' : 'given',
    rmaxSource: params.rmax === undefined ? 'auto' : 'given',
    rPeak, globalR, globalG, integrationR, integrationG,
    betaPhi, softness: soft, valid, invalidCount, positiveCount,
    betaPhiGlobalC, softnessGlobalC: softGlobalC, validGlobalC, invalidCountGlobalC,
    localG: { index: keepIndex, values: localValues },
  };
}

function pairDistance(vec: Float64Array, p: number, dims: 2 | 3): number {
  const dx = vec[3 * p], dy = vec[3 * p + 1], dz = dims === 3 ? vec[3 * p + 2] : 0;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

export interface LocalRdfParams {
  /** 2 (default) or 3. */
  dimensions?: 2 | 3;
  /** Gaussian width of Eq. C1 (default 0.02). */
  delta?: number;
  /** Grid step (default 0.005): r_k = k dr, k = 1..K. */
  dr?: number;
  /** Largest r (default 3; at most the box half width minus the Gaussian window). */
  rMax?: number;
  /** Gaussian truncation in units of delta (default 10). */
  truncation?: number;
}

export interface LocalRdfResult {
  readonly rho: number;
  readonly delta: number;
  /** The grid r_k = k dr, k = 1..K. */
  readonly r: Float64Array;
  /** g_i(r_k) of the particles asked for, row-major (particles x r.length), in the order asked. */
  readonly g: Float64Array;
}

/**
 * The per-particle pair distribution g_i(r) of Eq. C1 (Jha & Sengupta App. C, Fig. 10a) on r_k = k dr for the particles
 * at `indices` (frame order): g_i(r) = 1/(s_d(r) rho) sum_{j != i} N(r; r_ij, delta), s_d = 2 pi r (2D) or 4 pi r^2 (3D).
 * Averaged over every particle it is smoothedRadialDistribution (rdf.ts); softness integrates it (Eqs. C4-C6).
 */
export function localPairDistribution(positions: Float64Array, box: Box, indices: ArrayLike<number>, params: LocalRdfParams = {}): LocalRdfResult {
  const dims = params.dimensions ?? 2;
  const delta = params.delta ?? 0.02;
  const dr = params.dr ?? 0.005;
  const truncation = params.truncation ?? 10;
  const n = positions.length / 3;
  const vol = boxVolume(box, dims);
  if (!(vol > 0)) throw new RangeError(`local g(r): box has no ${dims}D volume`);
  if (!(delta > 0) || !(dr > 0) || !(truncation > 0)) throw new RangeError('local g(r): delta, dr and truncation must be positive');
  const halfWindow = truncation * delta;
  const rMax = Math.min(params.rMax ?? 3, boxHalfWidth(box, dims) - halfWindow);
  if (!(rMax > dr)) throw new RangeError(`local g(r): the box (half width ${boxHalfWidth(box, dims)}) leaves no range for r`);
  for (let q = 0; q < indices.length; q++) {
    if (!(Number.isInteger(indices[q]) && indices[q] >= 0 && indices[q] < n)) throw new RangeError(`local g(r): particle index ${indices[q]} out of range (n = ${n})`);
  }
  const rho = n / vol;
  const kMax = Math.floor(rMax / dr + 1e-9);
  const r = new Float64Array(kMax);
  for (let k = 0; k < kMax; k++) r[k] = (k + 1) * dr;
  const g = new Float64Array(indices.length * kMax);
  const list = buildNeighborList(positions, box, { cutoff: rMax + halfWindow, dimensions: dims, withVectors: true });
  const vec = list.vectors as Float64Array;
  const inv2d2 = 1 / (2 * delta * delta);
  const c = Math.exp(-(dr * dr) / (delta * delta));
  const row = new Float64Array(kMax);
  for (let q = 0; q < indices.length; q++) {
    const i = indices[q];
    row.fill(0);
    for (let p = list.start[i], e = list.start[i + 1]; p < e; p++) addGaussianOnGrid(row, dr, dr, kMax, pairDistance(vec, p, dims), halfWindow, inv2d2, c);
    for (let k = 0; k < kMax; k++) g[q * kMax + k] = row[k] / (shellMeasure(r[k], dims) * rho * SQRT_2PI * delta);
  }
  return { rho, delta, r, g };
}
