// The global pair correlation g(r) of one frame, and the second-shell cutoff read off it.
// g(r) = <sum_{j != i} delta(r - r_ij)> / (rho * s_d(r)), s_2 = 2 pi r, s_3 = 4 pi r^2, rho = N/V (Jha & Sengupta App. C, Eq. C1 averaged over i).
//
// Two estimators:
//  - `radialDistribution`: the histogram estimator for display (bins of width dr, pair counts over shell areas).
//  - `smoothedRadialDistribution`: the Gaussian-smoothed estimator of Eq. C1, g(r) = mean_i g_i(r) with
//    g_i(r) = 1/(s_d(r) rho) sum_{j != i} N(r; r_ij, delta), on the grid r_k = k dr, k = 1..K. This is the g(r) from
//    which softness.ts picks rmin and rmax, so both share the Gaussian kernel below.
// `secondShellCutoff` finds "the neighbourhood up to the second neighbour shell" (Jha & Sengupta Sec. IV / App. A):
// the position of the second minimum of g(r) after its first peak (rule documented at the function).
import { boxVolume, type Box } from '../box.js';
import { buildNeighborList, NeighborSearch, type NeighborList } from '../neighbors.js';

export interface RdfParams {
  /** Largest r. Default min(5, half the box's smallest width); always clamped to that half width. */
  rMax?: number;
  /** Bin width (histogram) or grid step (smoothed). Default 0.01 (histogram), 0.005 (smoothed). */
  dr?: number;
  /** 2 (default: z ignored) or 3. */
  dimensions?: 2 | 3;
  /** Density used in the normalisation: N/V (default, as the oracle and the paper) or (N-1)/V (ideal gas gives exactly 1). */
  density?: 'N' | 'N-1';
}

export interface SmoothedRdfParams extends RdfParams {
  /** Gaussian width delta of Eq. C1 (default 0.02). */
  delta?: number;
  /** Kernel truncation in units of delta (default 10: a dropped term is < exp(-50) = 2e-22 of a peak). */
  truncation?: number;
}

export interface RdfResult {
  readonly n: number;
  /** The density used in the normalisation. */
  readonly rho: number;
  /** The r actually reached (after clamping to the box). */
  readonly rMax: number;
  /** Histogram: bin centres; smoothed: grid points k*dr, k = 1..K. */
  readonly r: Float64Array;
  readonly g: Float64Array;
  /** Number of unordered pairs that entered the estimate. */
  readonly pairs: number;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Half the smallest distance between opposite faces of the box: the largest r for which the minimum image is unique. */
export function boxHalfWidth(box: Box, dimensions: 2 | 3): number {
  const [a, b, c] = box.vectors;
  const cross = (u: readonly number[], v: readonly number[]): number[] =>
    [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const norm = (u: readonly number[]): number => Math.hypot(u[0], u[1], u[2]);
  if (dimensions === 2) {
    const area = Math.abs(a[0] * b[1] - a[1] * b[0]);
    return 0.5 * Math.min(area / Math.hypot(a[0], a[1]), area / Math.hypot(b[0], b[1]));
  }
  const vol = boxVolume(box, 3);
  return 0.5 * Math.min(vol / norm(cross(b, c)), vol / norm(cross(c, a)), vol / norm(cross(a, b)));
}

/** Shell measure s_d(r): 2 pi r in 2D, 4 pi r^2 in 3D. */
export function shellMeasure(r: number, dimensions: 2 | 3): number {
  return dimensions === 2 ? 2 * Math.PI * r : 4 * Math.PI * r * r;
}

/**
 * acc[k] += exp(-(r_k - d)^2 / (2 delta^2)) for the grid r_k = r0 + k h, k in [0, m), restricted to |r_k - d| <= halfWindow.
 * Evaluated by the exact recurrence e_{k+1} = e_k q_k, q_{k+1} = q_k c with c = exp(-h^2/delta^2): two exp per pair,
 * relative error ~ (steps^2/2) ulp (< 1e-12 for the default 81-point window).
 */
export function addGaussianOnGrid(
  acc: Float64Array, r0: number, h: number, m: number, d: number, halfWindow: number, inv2d2: number, c: number,
): void {
  let kLo = Math.ceil((d - halfWindow - r0) / h);
  let kHi = Math.floor((d + halfWindow - r0) / h);
  if (kLo < 0) kLo = 0;
  if (kHi > m - 1) kHi = m - 1;
  if (kLo > kHi) return;
  const x = r0 + kLo * h - d;
  let e = Math.exp(-x * x * inv2d2);
  let q = Math.exp(-(2 * x * h + h * h) * inv2d2);
  for (let k = kLo; k <= kHi; k++) {
    acc[k] += e;
    e *= q;
    q *= c;
  }
}

function resolveRMax(box: Box, dimensions: 2 | 3, requested: number | undefined, margin: number): number {
  const limit = boxHalfWidth(box, dimensions) - margin;
  const r = Math.min(requested ?? 5, limit);
  if (!(r > 0)) throw new RangeError(`rdf: no usable range (box half width ${boxHalfWidth(box, dimensions)} minus margin ${margin})`);
  return r;
}

function densityOf(n: number, box: Box, dimensions: 2 | 3, mode: 'N' | 'N-1' | undefined): number {
  const v = boxVolume(box, dimensions);
  if (!(v > 0)) throw new RangeError(`rdf: box has no ${dimensions}D volume`);
  return (mode === 'N-1' ? n - 1 : n) / v;
}

/** Histogram estimator: bins [b dr, (b+1) dr), g_b = 2 n_b / (N rho V_b) with V_b the shell area/volume. */
export function radialDistribution(positions: Float64Array, box: Box, params: RdfParams = {}): RdfResult {
  const dims = params.dimensions ?? 2;
  const dr = params.dr ?? 0.01;
  const n = positions.length / 3;
  const rho = densityOf(n, box, dims, params.density);
  const rMaxReq = resolveRMax(box, dims, params.rMax, 0);
  const nb = Math.max(1, Math.floor(rMaxReq / dr + 1e-9));
  const rMax = nb * dr;
  const counts = new Float64Array(nb);
  const list = buildNeighborList(positions, box, { cutoff: rMax, dimensions: dims, half: true, withVectors: true });
  const vec = list.vectors as Float64Array;
  const inv = 1 / dr;
  const m = list.indices.length;
  for (let p = 0; p < m; p++) {
    const dx = vec[3 * p], dy = vec[3 * p + 1], dz = dims === 3 ? vec[3 * p + 2] : 0;
    const b = Math.floor(Math.sqrt(dx * dx + dy * dy + dz * dz) * inv);
    if (b < nb) counts[b]++;
  }
  const r = new Float64Array(nb);
  const g = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    const lo = b * dr, hi = (b + 1) * dr;
    const shell = dims === 2 ? Math.PI * (hi * hi - lo * lo) : (4 / 3) * Math.PI * (hi * hi * hi - lo * lo * lo);
    r[b] = (b + 0.5) * dr;
    g[b] = n > 0 && rho > 0 ? (2 * counts[b]) / (n * rho * shell) : 0;
  }
  return { n, rho, rMax, r, g, pairs: m };
}

/**
 * The Gaussian-smoothed g(r) = mean_i g_i(r) (Eq. C1) on r_k = k dr, k = 1..K, r_K <= rMax, from an existing neighbour
 * list (which must hold every pair closer than rMax + truncation*delta; full or half, each unordered pair counted once).
 */
export function smoothedRdfFromNeighbors(
  list: NeighborList, rho: number, dimensions: 2 | 3, rMax: number, dr: number, delta: number, truncation: number,
): { r: Float64Array; g: Float64Array; pairs: number } {
  const n = list.n;
  const r = smoothedRdfGrid(rMax, dr);
  const kMax = r.length;
  const g = new Float64Array(kMax);
  const vec = list.vectors;
  if (!vec) throw new RangeError('smoothed rdf: the neighbour list must hold separation vectors');
  const inv2d2 = 1 / (2 * delta * delta);
  const c = Math.exp(-(dr * dr) / (delta * delta));
  const halfWindow = truncation * delta;
  const { start, indices } = list;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let p = start[i], e = start[i + 1]; p < e; p++) {
      if (indices[p] <= i) continue;
      const dx = vec[3 * p], dy = vec[3 * p + 1], dz = dimensions === 3 ? vec[3 * p + 2] : 0;
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
      pairs++;
      // Grid starts at r_1 = dr: index k holds r = (k+1) dr, i.e. r0 = dr.
      addGaussianOnGrid(g, dr, dr, kMax, d, halfWindow, inv2d2, c);
    }
  }
  normalizeSmoothedRdf(g, r, n, rho, dimensions, delta);
  return { r, g, pairs };
}

/**
 * smoothedRdfFromNeighbors over the search's half neighbourhoods (no pair list stored): the same pairs and distances,
 * summed in another order (equal to rounding).
 */
export function smoothedRdfOverNeighborhoods(
  positions: Float64Array, box: Box, rho: number, dimensions: 2 | 3, rMax: number, dr: number, delta: number, truncation: number,
  search: NeighborSearch = new NeighborSearch(),
): { r: Float64Array; g: Float64Array; pairs: number } {
  const n = positions.length / 3;
  const r = smoothedRdfGrid(rMax, dr);
  const kMax = r.length;
  const g = new Float64Array(kMax);
  const inv2d2 = 1 / (2 * delta * delta);
  const c = Math.exp(-(dr * dr) / (delta * delta));
  const halfWindow = truncation * delta;
  let pairs = 0;
  search.forEachNeighborhood(positions, box, { cutoff: rMax + halfWindow, dimensions, half: true }, (_i, count, _nb, r2) => {
    pairs += count;
    for (let q = 0; q < count; q++) addGaussianOnGrid(g, dr, dr, kMax, Math.sqrt(r2[q]), halfWindow, inv2d2, c);
  });
  normalizeSmoothedRdf(g, r, n, rho, dimensions, delta);
  return { r, g, pairs };
}

/** The grid r_k = k dr, k = 1..K, with K dr <= rMax. */
function smoothedRdfGrid(rMax: number, dr: number): Float64Array {
  let kMax = Math.floor(rMax / dr);
  while ((kMax + 1) * dr <= rMax) kMax++;
  while (kMax > 0 && kMax * dr > rMax) kMax--;
  const r = new Float64Array(kMax);
  for (let k = 0; k < kMax; k++) r[k] = (k + 1) * dr;
  return r;
}

/** Pair sums of Gaussians (each unordered pair once) into g(r) (Eq. C1 averaged over particles). */
function normalizeSmoothedRdf(g: Float64Array, r: Float64Array, n: number, rho: number, dimensions: 2 | 3, delta: number): void {
  if (n > 0 && rho > 0) for (let k = 0; k < g.length; k++) g[k] *= 2 / (n * rho * shellMeasure(r[k], dimensions) * SQRT_2PI * delta);
}

/** Gaussian-smoothed estimator (Eq. C1 averaged over particles) on r_k = k dr, k = 1..K. */
export function smoothedRadialDistribution(positions: Float64Array, box: Box, params: SmoothedRdfParams = {}): RdfResult {
  const dims = params.dimensions ?? 2;
  const dr = params.dr ?? 0.005;
  const delta = params.delta ?? 0.02;
  const truncation = params.truncation ?? 10;
  const n = positions.length / 3;
  const rho = densityOf(n, box, dims, params.density);
  const rMax = resolveRMax(box, dims, params.rMax, truncation * delta);
  const list = buildNeighborList(positions, box, { cutoff: rMax + truncation * delta, dimensions: dims, half: true, withVectors: true });
  const { r, g, pairs } = smoothedRdfFromNeighbors(list, rho, dims, rMax, dr, delta, truncation);
  return { n, rho, rMax: r.length ? r[r.length - 1] : 0, r, g, pairs };
}

export interface ShellCutoffParams {
  /** Standard deviation of the Gaussian smoothing, in r units. Default 0.05 * r at the maximum of g. */
  smoothing?: number;
  /** Hysteresis: an extremum counts only once the smoothed curve has moved away from it by this much (default 0.05). */
  minDepth?: number;
  /** Shell boundaries are minima with smoothed g < 1 (default true): rejects the dip of a split second peak. */
  requireBelowOne?: boolean;
  /** Smallest distance between the first and the second shell boundary (default 0.5 * r of the first peak). */
  minShellWidth?: number;
}

export interface ShellCutoffResult {
  /** False when the curve does not show two shell minima after its first peak; then `reason` says why. */
  readonly found: boolean;
  readonly reason: string;
  /** Position of the second minimum (the cutoff), refined by a parabola through the smoothed curve; NaN when !found. */
  readonly cutoff: number;
  readonly firstPeak: number;
  /** End of the first shell (NaN when not found). */
  readonly firstMinimum: number;
  readonly secondPeak: number;
  readonly secondMinimum: number;
  readonly smoothing: number;
  /** The smoothed curve on the input grid. */
  readonly smoothed: Float64Array;
}

/**
 * The neighbourhood "up to the second neighbour shell" from g(r). Rule:
 *  1. smooth g with a Gaussian of sd `smoothing` (weights renormalised at the ends of the range);
 *  2. the first peak is the global maximum of the smoothed curve;
 *  3. walk outwards with hysteresis `minDepth`: a running minimum becomes a minimum once the curve has risen minDepth
 *     above it, a running maximum becomes a maximum once the curve has fallen minDepth below it (noise wiggles smaller
 *     than minDepth never count); a minimum is a shell boundary only if its smoothed g < 1 (requireBelowOne) and, for
 *     the second one, it lies at least minShellWidth beyond the first (a shell is about a particle diameter thick, so a
 *     noise dip on the rising edge of the second peak, or the dip of a split second peak, is not a boundary);
 *  4. the cutoff is the second shell boundary, refined to the vertex of the parabola through its three grid points.
 */
export function secondShellCutoff(rdf: { r: ArrayLike<number>; g: ArrayLike<number> }, params: ShellCutoffParams = {}): ShellCutoffResult {
  const { r, g } = rdf;
  const m = r.length;
  const minDepth = params.minDepth ?? 0.05;
  const belowOne = params.requireBelowOne !== false;
  let rawMax = 0;
  for (let k = 1; k < m; k++) if (g[k] > g[rawMax]) rawMax = k;
  const sd = params.smoothing ?? 0.05 * (m ? r[rawMax] : 0);
  const smoothed = new Float64Array(m);
  if (sd > 0) {
    const inv2 = 1 / (2 * sd * sd);
    const reach = 5 * sd;
    let lo = 0;
    for (let k = 0; k < m; k++) {
      while (r[k] - r[lo] > reach) lo++;
      let s = 0, w = 0;
      for (let q = lo; q < m && r[q] - r[k] <= reach; q++) {
        const x = r[q] - r[k];
        const wq = Math.exp(-x * x * inv2);
        s += wq * g[q];
        w += wq;
      }
      smoothed[k] = s / w;
    }
  } else {
    for (let k = 0; k < m; k++) smoothed[k] = g[k];
  }
  const fail = (reason: string, firstPeak = NaN, firstMinimum = NaN): ShellCutoffResult => ({
    found: false, reason, cutoff: NaN, firstPeak, firstMinimum, secondPeak: NaN, secondMinimum: NaN, smoothing: sd, smoothed,
  });
  if (m < 3) return fail('g(r) has fewer than 3 points');
  let peak = 0;
  for (let k = 1; k < m; k++) if (smoothed[k] > smoothed[peak]) peak = k;
  if (!(smoothed[peak] > 1)) return fail('g(r) never exceeds 1: no first peak');
  const minWidth = params.minShellWidth ?? 0.5 * r[peak];
  // Hysteresis walk from the first peak, collecting the shell boundaries.
  const minima: number[] = [];
  let descending = true;
  let ext = peak;
  for (let k = peak + 1; k < m && minima.length < 2; k++) {
    const v = smoothed[k];
    if (descending) {
      if (v < smoothed[ext]) ext = k;
      else if (v > smoothed[ext] + minDepth) {
        const deepEnough = !belowOne || smoothed[ext] < 1;
        const wideEnough = minima.length === 0 || r[ext] - r[minima[0]] >= minWidth;
        if (deepEnough && wideEnough) minima.push(ext);
        descending = false;
        ext = k;
      }
    } else {
      if (v > smoothed[ext]) ext = k;
      else if (v < smoothed[ext] - minDepth) {
        descending = true;
        ext = k;
      }
    }
  }
  const at = (k: number): number => {
    if (k <= 0 || k >= m - 1) return r[k];
    const y0 = smoothed[k - 1], y1 = smoothed[k], y2 = smoothed[k + 1];
    const den = y0 - 2 * y1 + y2;
    if (!(den !== 0)) return r[k];
    const t = Math.max(-1, Math.min(1, (0.5 * (y0 - y2)) / den));
    return t >= 0 ? r[k] + t * (r[k + 1] - r[k]) : r[k] + t * (r[k] - r[k - 1]);
  };
  const firstPeak = at(peak);
  if (minima.length === 0) return fail('no shell minimum after the first peak within the range', firstPeak);
  const firstMinimum = at(minima[0]);
  if (minima.length < 2) return fail('only one shell minimum after the first peak within the range (extend rMax)', firstPeak, firstMinimum);
  let top = minima[0];
  for (let k = minima[0] + 1; k < minima[1]; k++) if (smoothed[k] > smoothed[top]) top = k;
  const secondPeak = at(top);
  const secondMinimum = at(minima[1]);
  return { found: true, reason: '', cutoff: secondMinimum, firstPeak, firstMinimum, secondPeak, secondMinimum, smoothing: sd, smoothed };
}
