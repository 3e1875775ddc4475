// Bins around a particle at the origin, shared by the rearranger-centred statistics of Zhang, Ridout & Liu (Figs. 3, 4,
// 6): radial edges (log-spaced by default, as the papers' log-log plots) and equal angular sectors, theta = atan2(dy, dx)
// of the minimum-image separation (box.ts), measured from the shear (x) direction.
import { minimumImage, type Box } from '../box.js';

/** count log-spaced bins from lo to hi (edges lo * (hi/lo)^(k/count)). */
export function logEdges(lo: number, hi: number, count: number): Float64Array {
  if (!(lo > 0 && hi > lo) || !Number.isInteger(count) || count < 1) throw new RangeError(`logEdges: need 0 < lo < hi and a positive count (got ${lo}, ${hi}, ${count})`);
  const e = new Float64Array(count + 1);
  const a = Math.log(lo), b = Math.log(hi);
  for (let k = 0; k <= count; k++) e[k] = Math.exp(a + ((b - a) * k) / count);
  e[0] = lo; e[count] = hi;
  return e;
}

/** count equal bins from lo to hi. */
export function linearEdges(lo: number, hi: number, count: number): Float64Array {
  if (!(hi > lo) || !Number.isInteger(count) || count < 1) throw new RangeError(`linearEdges: need lo < hi and a positive count (got ${lo}, ${hi}, ${count})`);
  const e = new Float64Array(count + 1);
  for (let k = 0; k <= count; k++) e[k] = lo + ((hi - lo) * k) / count;
  e[count] = hi;
  return e;
}

/** Check that edges increase. */
export function checkEdges(edges: ArrayLike<number>, who: string): Float64Array {
  const e = Float64Array.from(edges);
  if (e.length < 2) throw new RangeError(`${who}: need at least 2 bin edges`);
  for (let k = 1; k < e.length; k++) if (!(e[k] > e[k - 1])) throw new RangeError(`${who}: bin edges must increase (edge ${k}: ${e[k]} after ${e[k - 1]})`);
  return e;
}

/** Bin k with edges[k] <= x < edges[k+1], or -1 outside [edges[0], edges[last]). */
export function locate(edges: Float64Array, x: number): number {
  const n = edges.length - 1;
  if (!(x >= edges[0] && x < edges[n])) return -1;
  let lo = 0, hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x >= edges[mid]) lo = mid; else hi = mid;
  }
  return lo;
}

/** Sector of theta in (-pi, pi] among nTheta equal sectors starting at -pi. */
export function sector(theta: number, nTheta: number): number {
  const k = Math.floor(((theta + Math.PI) / (2 * Math.PI)) * nTheta);
  return k < 0 ? 0 : k >= nTheta ? nTheta - 1 : k;
}

/** Centres of the sectors. */
export function sectorCenters(nTheta: number): Float64Array {
  const c = new Float64Array(nTheta);
  for (let k = 0; k < nTheta; k++) c[k] = -Math.PI + ((k + 0.5) * 2 * Math.PI) / nTheta;
  return c;
}

/** Geometric centres of log bins (arithmetic when an edge is 0). */
export function binCenters(edges: Float64Array): Float64Array {
  const c = new Float64Array(edges.length - 1);
  for (let k = 0; k < c.length; k++) c[k] = edges[k] > 0 ? Math.sqrt(edges[k] * edges[k + 1]) : 0.5 * (edges[k] + edges[k + 1]);
  return c;
}

/**
 * Minimum-image separations (dx, dy) of every particle from particle `origin` (positions of one frame, n*3), written
 * into dx, dy; the origin itself gets NaN. 2D (z ignored).
 */
export function separationsFrom(positions: Float64Array, box: Box, x0: number, y0: number, dx: Float64Array, dy: Float64Array, origin = -1): void {
  const n = positions.length / 3;
  const lx = box.vectors[0][0], ly = box.vectors[1][1];
  const px = box.periodic[0] && lx !== 0, py = box.periodic[1] && ly !== 0;
  const ilx = px ? 1 / lx : 0, ily = py ? 1 / ly : 0;
  const tmp = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    let x = positions[3 * i] - x0, y = positions[3 * i + 1] - y0;
    // Rounding only when needed (|d/L| may exceed 1/2); the reduction is box.ts minimumImage's (y, then x).
    if (Math.abs(y * ily) > 0.49 || Math.abs(x * ilx) > 0.49) {
      tmp[0] = x; tmp[1] = y; tmp[2] = 0;
      minimumImage(box, tmp, 0);
      x = tmp[0]; y = tmp[1];
    }
    dx[i] = x; dy[i] = y;
  }
  if (origin >= 0) { dx[origin] = NaN; dy[origin] = NaN; }
}

/** Area of the polar cell [r0, r1) x one of nTheta sectors. */
export function cellArea(r0: number, r1: number, nTheta: number): number {
  return (Math.PI * (r1 * r1 - r0 * r0)) / nTheta;
}
