// Linear radial structure functions of Zhang, Ridout & Liu, Eq. 3: G_m(i) = sum_{j != i} g_m(r_ij), g_m a triangle of
// height 1 at r_m falling to 0 at r_m - left_m and r_m + right_m (Eq. 3: left_m = r_m - r_{m-1}, right_m = r_{m+1} - r_m).
//
// Conventions (the oracle's section G when every half-width is w: g_m(r) = max(0, 1 - |r - r_m| / w)):
//  - r_ij is the minimum-image distance of the one neighbour search (src/core/neighbors.ts), each pair once: its half
//    neighbourhoods (forEachNeighborhood, no pair list stored), or a given half list (option `neighbors`); a pair's
//    g_m(r_ij) is added to both rows, in float64;
//  - per neighbour species (optional): feature column s * M + m sums over the neighbours j of species s only; without
//    species there is one block of M columns;
//  - the feature matrix is row-major, n x (nSpecies * M), Float64 (default) or Float32.
// Centres need not be evenly spaced and half-widths may differ left and right; evenly spaced centres with one common
// half-width take a fast path (only the ceil(2 w / dr) triangles that can be non-zero are evaluated per pair), equal to
// the general one up to rounding (1 - |r - r_m| * (1 / w) against 1 - (r - r_m) / w).
import { type Box } from '../box.js';
import { NeighborSearch, type NeighborList, type NeighborhoodVisitor } from '../neighbors.js';

/** A placement of the radial functions: centres r_m (increasing) and half-widths below and above each centre. */
export interface RadialFunctions {
  readonly centers: Float64Array;
  readonly left: Float64Array;
  readonly right: Float64Array;
}

/** Centres r_m = r0 + m dr, m = 0..count-1 (computed as r0 + m * dr, as numpy's r0 + np.arange(M) * dr). */
export function evenCenters(r0: number, dr: number, count: number): Float64Array {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`evenCenters: count must be a positive integer, got ${count}`);
  if (!(dr > 0) || !Number.isFinite(r0) || !(r0 >= 0)) throw new RangeError(`evenCenters: need r0 >= 0 and dr > 0 (got r0 = ${r0}, dr = ${dr})`);
  const c = new Float64Array(count);
  for (let m = 0; m < count; m++) c[m] = r0 + m * dr;
  return c;
}

/**
 * Radial functions at `centers` with half-widths: one number for all (the oracle's 0.1), one per centre (symmetric), or
 * 'adjacent' (Eq. 3: from the previous centre to the next; the first and last mirror their one neighbour's spacing).
 */
export function radialFunctions(centers: ArrayLike<number>, widths: number | ArrayLike<number> | 'adjacent'): RadialFunctions {
  const M = centers.length;
  if (M < 1) throw new RangeError('radialFunctions: no centres');
  const c = Float64Array.from(centers);
  for (let m = 0; m < M; m++) {
    if (!Number.isFinite(c[m]) || c[m] < 0) throw new RangeError(`radialFunctions: centre ${m} is ${c[m]}, expected a finite number >= 0`);
    if (m > 0 && !(c[m] > c[m - 1])) throw new RangeError(`radialFunctions: centres must increase (centre ${m}: ${c[m]} after ${c[m - 1]})`);
  }
  const left = new Float64Array(M), right = new Float64Array(M);
  if (widths === 'adjacent') {
    if (M < 2) throw new RangeError("radialFunctions: 'adjacent' half-widths need at least 2 centres");
    for (let m = 0; m < M; m++) {
      left[m] = m > 0 ? c[m] - c[m - 1] : c[1] - c[0];
      right[m] = m < M - 1 ? c[m + 1] - c[m] : c[m] - c[m - 1];
    }
  } else if (typeof widths === 'number') {
    if (!(widths > 0) || !Number.isFinite(widths)) throw new RangeError(`radialFunctions: half-width must be a positive number, got ${widths}`);
    left.fill(widths); right.fill(widths);
  } else {
    if (widths.length !== M) throw new RangeError(`radialFunctions: ${widths.length} half-widths for ${M} centres`);
    for (let m = 0; m < M; m++) {
      const w = widths[m];
      if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`radialFunctions: half-width ${m} is ${w}, expected a positive number`);
      left[m] = w; right[m] = w;
    }
  }
  return { centers: c, left, right };
}

/** Largest distance at which some radial function is non-zero (the neighbour cutoff; a pair exactly there adds 0). */
export function radialCutoff(f: RadialFunctions): number {
  let rc = 0;
  for (let m = 0; m < f.centers.length; m++) rc = Math.max(rc, f.centers[m] + f.right[m]);
  return rc;
}

/** Evenly spaced centres with one common symmetric half-width: the fast path's parameters, or null. */
function uniformLayout(f: RadialFunctions): { r0: number; dr: number; w: number } | null {
  const M = f.centers.length;
  const w = f.left[0];
  for (let m = 0; m < M; m++) if (f.left[m] !== w || f.right[m] !== w) return null;
  if (M === 1) return { r0: f.centers[0], dr: 2 * w, w };
  const r0 = f.centers[0], dr = (f.centers[M - 1] - r0) / (M - 1);
  for (let m = 0; m < M; m++) if (Math.abs(f.centers[m] - (r0 + m * dr)) > 1e-9 * Math.max(1, Math.abs(f.centers[m]))) return null;
  return { r0, dr, w };
}

/**
 * A permutation of the particles by cell (cells about `cellWidth` wide in the box's fractional coordinates, rows in
 * serpentine order): order[k] is the particle at sorted position k. Pair loops over a list built from positions in this
 * order touch nearby memory (on a random ordering of 100 000 particles the neighbour search and the per-pair sums run
 * 2-3x slower from cache misses). Only a visiting order: results do not depend on it beyond rounding.
 */
export function spatialOrder(positions: Float64Array, box: Box, cellWidth: number, dimensions: 2 | 3 = 2): Int32Array {
  const n = positions.length / 3;
  const [[ax], [bx, by], [cx, cy, cz]] = box.vectors;
  const [ox, oy, oz] = box.origin;
  const three = dimensions === 3 && cz !== 0;
  const nx = Math.max(1, Math.floor(Math.abs(ax) / cellWidth)), ny = Math.max(1, Math.floor(Math.abs(by) / cellWidth));
  const nz = three ? Math.max(1, Math.floor(Math.abs(cz) / cellWidth)) : 1;
  const cells = nx * ny * nz;
  const cell = new Int32Array(n);
  const count = new Int32Array(cells + 1);
  const frac = (v: number): number => v - Math.floor(v);
  for (let i = 0; i < n; i++) {
    const z = three ? (positions[3 * i + 2] - oz) / cz : 0;
    const y = by !== 0 ? (positions[3 * i + 1] - oy - z * cy) / by : 0;
    const x = ax !== 0 ? (positions[3 * i] - ox - y * bx - z * cx) / ax : 0;
    let kx = Math.floor(frac(x) * nx), ky = Math.floor(frac(y) * ny), kz = three ? Math.floor(frac(z) * nz) : 0;
    if (!(kx >= 0 && kx < nx)) kx = 0;
    if (!(ky >= 0 && ky < ny)) ky = 0;
    if (!(kz >= 0 && kz < nz)) kz = 0;
    const row = kz * ny + ky;
    const c = row * nx + (row % 2 === 1 ? nx - 1 - kx : kx);
    cell[i] = c;
    count[c + 1]++;
  }
  for (let c = 0; c < cells; c++) count[c + 1] += count[c];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[count[cell[i]]++] = i;
  return order;
}

/** positions[order[k]] at row k (n*3). */
export function permutePositions(positions: Float64Array, order: Int32Array): Float64Array {
  const out = new Float64Array(positions.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    out[3 * k] = positions[3 * i]; out[3 * k + 1] = positions[3 * i + 1]; out[3 * k + 2] = positions[3 * i + 2];
  }
  return out;
}

export interface StructureFunctionOptions {
  dimensions?: 2 | 3;
  /** Species per particle (0..nSpecies-1) for neighbour-resolved blocks; omit for one block over all neighbours. */
  species?: ArrayLike<number> | null;
  /** Number of species blocks (default: max(species) + 1, or 1 without species). */
  nSpecies?: number;
  /** 'float64' (default) or 'float32' output. */
  precision?: 'float64' | 'float32';
  /**
   * A half list (each pair once) with vectors of these positions and a cutoff >= radialCutoff; when omitted, the rows
   * are summed over the neighbourhoods of the search (no list is built).
   */
  neighbors?: NeighborList;
  /** A reusable search (its scratch is overwritten); a fresh one is used when omitted. */
  search?: NeighborSearch;
}

export interface StructureFunctionMatrix {
  readonly n: number;
  /** Radial functions per species block (M). */
  readonly m: number;
  readonly nSpecies: number;
  /** Columns per particle: nSpecies * M; column s * M + m. */
  readonly nFeatures: number;
  /** Row-major n x nFeatures. */
  readonly values: Float64Array | Float32Array;
}

/** Check a species array: integers in 0..nSpecies-1, one per particle. Returns nSpecies. */
export function checkSpecies(species: ArrayLike<number>, n: number, nSpecies: number | undefined, who: string): number {
  if (species.length !== n) throw new RangeError(`${who}: ${species.length} species for ${n} particles`);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const s = species[i];
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`${who}: species[${i}] = ${s}, expected an integer >= 0`);
    if (s > max) max = s;
  }
  const ns = nSpecies ?? max + 1;
  if (!Number.isInteger(ns) || ns < 1) throw new RangeError(`${who}: nSpecies must be a positive integer, got ${ns}`);
  if (max >= ns) throw new RangeError(`${who}: species ${max} found but nSpecies = ${ns}`);
  return ns;
}

/** The structure functions G_m(i) of every particle (Eq. 3), positions n*3 interleaved. */
export function structureFunctions(
  positions: Float64Array, box: Box, functions: RadialFunctions, options: StructureFunctionOptions = {},
): StructureFunctionMatrix {
  const dims = options.dimensions ?? 2;
  if (positions.length % 3 !== 0) throw new RangeError(`structureFunctions: positions must hold 3 numbers per particle, got ${positions.length}`);
  const n = positions.length / 3;
  const M = functions.centers.length;
  const species = options.species ?? null;
  const nSpecies = species ? checkSpecies(species, n, options.nSpecies, 'structureFunctions') : 1;
  const F = nSpecies * M;
  const cutoff = radialCutoff(functions);
  const nl = options.neighbors;
  const sp = species ? Int32Array.from(species) : null;
  const layout = uniformLayout(functions);
  const f32 = options.precision === 'float32';
  if (nl) {
    if (nl.n !== n || !nl.vectors || nl.cutoff < cutoff) {
      throw new RangeError(`structureFunctions: 'neighbors' must be a half list of these ${n} positions with vectors and cutoff >= ${cutoff}`);
    }
    const acc = new Float64Array(n * F);
    if (layout) accumulateUniform(nl, functions.centers, layout.r0, layout.dr, layout.w, sp, M, F, acc);
    else accumulateGeneral(nl, functions, sp, M, F, acc);
    return { n, m: M, nSpecies, nFeatures: F, values: f32 ? Float32Array.from(acc) : acc };
  }
  // One pass over the pairs, each screened once (the search's half neighbourhoods; no pair list is stored): a pair adds
  // g_m(r) to row i at the block of j's species and to row j at the block of i's, in float64 (a float64 scratch for a
  // Float32 output, rounded once at the end).
  const values = f32 ? new Float32Array(n * F) : new Float64Array(n * F);
  const acc = values instanceof Float64Array ? values : new Float64Array(n * F);
  let visit: NeighborhoodVisitor;
  if (layout) {
    // Uniform layout: the centres that can be non-zero at r are the integers m in the open interval (x - W, x + W),
    // x = (r - r0) / dr, W = w / dr: at most K = ceil(2W) of them from floor(x - W) + 1 (one that gives t <= 0 adds
    // nothing).
    const c = functions.centers, invDr = 1 / layout.dr, W = layout.w * invDr, invW = 1 / layout.w, r0 = layout.r0;
    const K = Math.max(1, Math.ceil(2 * W));
    visit = K === 2
      ? (i, count, nb, r2) => pairsUniform2(acc, i, count, nb, r2, sp, c, r0, invDr, W, invW, M, F)
      : (i, count, nb, r2) => pairsUniform(acc, i, count, nb, r2, sp, c, r0, invDr, W, invW, K, M, F);
  } else {
    visit = (i, count, nb, r2) => pairsGeneral(acc, i, count, nb, r2, sp, functions, M, F);
  }
  (options.search ?? new NeighborSearch()).forEachNeighborhood(positions, box, { cutoff, dimensions: dims, half: true }, visit);
  if (acc !== values) values.set(acc);
  return { n, m: M, nSpecies, nFeatures: F, values };
}

// The pairs (i, j) of one half neighbourhood, uniform layout with K = 2 (half-width = spacing, the usual placement).
function pairsUniform2(
  acc: Float64Array, i: number, count: number, nb: Int32Array, r2: Float64Array, sp: Int32Array | null,
  c: Float64Array, r0: number, invDr: number, W: number, invW: number, M: number, F: number,
): void {
  const rowI = i * F, si = sp === null ? 0 : sp[i] * M;
  for (let k = 0; k < count; k++) {
    const r = Math.sqrt(r2[k]);
    const m = Math.floor((r - r0) * invDr - W) + 1;
    const j = nb[k];
    const bi = sp === null ? rowI : rowI + sp[j] * M, bj = j * F + si;
    if (m >= 0 && m < M) {
      const t = 1 - Math.abs(r - c[m]) * invW;
      if (t > 0) { acc[bi + m] += t; acc[bj + m] += t; }
    }
    if (m + 1 >= 0 && m + 1 < M) {
      const t = 1 - Math.abs(r - c[m + 1]) * invW;
      if (t > 0) { acc[bi + m + 1] += t; acc[bj + m + 1] += t; }
    }
  }
}

function pairsUniform(
  acc: Float64Array, i: number, count: number, nb: Int32Array, r2: Float64Array, sp: Int32Array | null,
  c: Float64Array, r0: number, invDr: number, W: number, invW: number, K: number, M: number, F: number,
): void {
  const rowI = i * F, si = sp === null ? 0 : sp[i] * M;
  for (let k = 0; k < count; k++) {
    const r = Math.sqrt(r2[k]);
    let m = Math.floor((r - r0) * invDr - W) + 1;
    const j = nb[k];
    const bi = sp === null ? rowI : rowI + sp[j] * M, bj = j * F + si;
    for (const e = m + K; m < e; m++) {
      if (m < 0 || m >= M) continue;
      const t = 1 - Math.abs(r - c[m]) * invW;
      if (t > 0) { acc[bi + m] += t; acc[bj + m] += t; }
    }
  }
}

function pairsGeneral(
  acc: Float64Array, i: number, count: number, nb: Int32Array, r2: Float64Array, sp: Int32Array | null,
  f: RadialFunctions, M: number, F: number,
): void {
  const c = f.centers, left = f.left, right = f.right;
  const rowI = i * F, si = sp === null ? 0 : sp[i] * M;
  for (let k = 0; k < count; k++) {
    const r = Math.sqrt(r2[k]);
    const j = nb[k];
    const bi = sp === null ? rowI : rowI + sp[j] * M, bj = j * F + si;
    for (let m = 0; m < M; m++) {
      const d = r - c[m];
      const t = d < 0 ? 1 + d / left[m] : 1 - d / right[m];
      if (t > 0) { acc[bi + m] += t; acc[bj + m] += t; }
    }
  }
}

// Per pair (i < j, distance r): add g_m(r) to row i at the block of j's species and to row j at the block of i's.
function accumulateUniform(
  nl: NeighborList, c: Float64Array, r0: number, dr: number, w: number, sp: Int32Array | null, M: number, F: number, acc: Float64Array,
): void {
  const start = nl.start, idx = nl.indices, vec = nl.vectors as Float64Array;
  const invDr = 1 / dr, W = w * invDr, invW = 1 / w;
  const n = nl.n;
  for (let i = 0; i < n; i++) {
    const rowI = i * F, si = sp === null ? 0 : sp[i] * M;
    const e = start[i + 1];
    for (let p = start[i]; p < e; p++) {
      const dx = vec[3 * p], dy = vec[3 * p + 1], dz = vec[3 * p + 2];
      const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
      // Candidates: |r - r_m| < w, i.e. m in (x - W, x + W) with x = (r - r0) / dr; the test below decides (a centre
      // lost to rounding at the very edge of its triangle would add less than 1e-15).
      const x = (r - r0) * invDr;
      let lo = Math.ceil(x - W), hi = Math.floor(x + W);
      if (lo < 0) lo = 0;
      if (hi > M - 1) hi = M - 1;
      if (lo > hi) continue;
      const j = idx[p];
      const rowJ = j * F, sj = sp === null ? 0 : sp[j] * M;
      for (let m = lo; m <= hi; m++) {
        const t = 1 - Math.abs(r - c[m]) * invW;
        if (t > 0) { acc[rowI + sj + m] += t; acc[rowJ + si + m] += t; }
      }
    }
  }
}

function accumulateGeneral(nl: NeighborList, f: RadialFunctions, sp: Int32Array | null, M: number, F: number, acc: Float64Array): void {
  const start = nl.start, idx = nl.indices, vec = nl.vectors as Float64Array;
  const c = f.centers, left = f.left, right = f.right;
  const n = nl.n;
  for (let i = 0; i < n; i++) {
    const rowI = i * F, si = sp === null ? 0 : sp[i] * M;
    const e = start[i + 1];
    for (let p = start[i]; p < e; p++) {
      const dx = vec[3 * p], dy = vec[3 * p + 1], dz = vec[3 * p + 2];
      const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const j = idx[p];
      const rowJ = j * F, sj = sp === null ? 0 : sp[j] * M;
      for (let m = 0; m < M; m++) {
        const d = r - c[m];
        const t = d < 0 ? 1 + d / left[m] : 1 - d / right[m];
        if (t > 0) { acc[rowI + sj + m] += t; acc[rowJ + si + m] += t; }
      }
    }
  }
}

/**
 * One radial kernel phi(r) = sum_m coef_m g_m(r), tabulated exactly as the piecewise-linear function it is (knots at
 * every r_m and r_m +- half-width): the sum of several hyperplanes' structure functions weighted by their raw weights,
 * so an ensemble of linear models is applied in one pass over the pairs (ml-softness.ts).
 */
export class RadialKernel {
  /** Knots (increasing) and phi at each knot; phi is 0 below the first and above the last. */
  readonly knots: Float64Array;
  readonly values: Float64Array;
  /** For inlined lookups: the first knot interval of each bucket of width 1 / bucketInv from knots[0]. */
  readonly bucketStart: Int32Array;
  readonly bucketInv: number;

  constructor(knots: Float64Array, values: Float64Array) {
    if (knots.length !== values.length || knots.length < 2) throw new RangeError('RadialKernel: need at least 2 knots and one value per knot');
    for (let k = 1; k < knots.length; k++) if (!(knots[k] > knots[k - 1])) throw new RangeError('RadialKernel: knots must increase');
    this.knots = knots;
    this.values = values;
    // Buckets of width (last - first) / B: the knot interval containing r is at most a few steps from its bucket's start.
    const B = Math.max(1, 4 * knots.length);
    const lo = knots[0], span = knots[knots.length - 1] - lo;
    this.bucketInv = B / span;
    const bs = new Int32Array(B + 1);
    let k = 0;
    for (let b = 0; b <= B; b++) {
      const r = lo + b / this.bucketInv;
      while (k < knots.length - 2 && knots[k + 1] <= r) k++;
      bs[b] = k;
    }
    this.bucketStart = bs;
  }

  /** The kernel of coefficients coef_m on these radial functions. */
  static fromFunctions(f: RadialFunctions, coef: ArrayLike<number>): RadialKernel {
    return RadialKernel.sum([{ functions: f, coef }]);
  }

  /** The kernel sum_t sum_m coef_tm g_tm(r) of several placements (knots merged; exact up to rounding). */
  static sum(terms: readonly { functions: RadialFunctions; coef: ArrayLike<number> }[]): RadialKernel {
    const all: number[] = [];
    for (const { functions: f, coef } of terms) {
      if (coef.length !== f.centers.length) throw new RangeError(`RadialKernel: ${coef.length} coefficients for ${f.centers.length} functions`);
      for (let m = 0; m < f.centers.length; m++) all.push(f.centers[m] - f.left[m], f.centers[m], f.centers[m] + f.right[m]);
    }
    all.sort((a, b) => a - b);
    const knots: number[] = [];
    for (const x of all) if (knots.length === 0 || x > knots[knots.length - 1]) knots.push(x);
    if (knots.length < 2) throw new RangeError('RadialKernel: degenerate functions');
    const kn = Float64Array.from(knots);
    const values = new Float64Array(kn.length);
    for (let k = 0; k < kn.length; k++) {
      const r = kn[k];
      let v = 0;
      for (const { functions: f, coef } of terms) {
        for (let m = 0; m < f.centers.length; m++) {
          const d = r - f.centers[m];
          const t = d < 0 ? 1 + d / f.left[m] : 1 - d / f.right[m];
          if (t > 0) v += coef[m] * t;
        }
      }
      values[k] = v;
    }
    return new RadialKernel(kn, values);
  }

  /** Largest r with a possibly non-zero value. */
  get cutoff(): number {
    return this.knots[this.knots.length - 1];
  }

  /** phi(r), linear interpolation between the knots. */
  at(r: number): number {
    const kn = this.knots;
    const last = kn.length - 1;
    if (!(r > kn[0] && r < kn[last])) return 0;
    let k = this.bucketStart[Math.floor((r - kn[0]) * this.bucketInv)];
    while (kn[k + 1] < r) k++;
    const a = kn[k], b = kn[k + 1];
    return this.values[k] + ((this.values[k + 1] - this.values[k]) * (r - a)) / (b - a);
  }
}
