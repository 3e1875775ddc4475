// The one neighbour search of the project (analysis and simulation alike): periodic cell lists in
// fractional coordinates, so square, triclinic and Lees-Edwards (tilted) boxes, 2D and 3D, share one path.
// Contract (the implementation below may be replaced by a faster one, never the signatures):
//  - rows in CSR form: the neighbours of i are indices[start[i] .. start[i+1]), sorted ascending;
//  - `vectors` holds the minimum-image separation r_j - r_i for each listed pair (dx, dy, dz interleaved);
//  - a pair is listed when |r_j - r_i| < cutoff (strictly), i != j; `half` lists each pair once (j > i).
import { minimumImage, type Box } from './box.js';

export interface NeighborList {
  readonly n: number;
  readonly cutoff: number;
  /** Row starts, length n + 1. */
  readonly start: Int32Array;
  /** Neighbour indices (particle indices in the frame, not ids). */
  readonly indices: Int32Array;
  /** Minimum-image separations r_j - r_i, 3 per listed pair (null when `withVectors` was false). */
  readonly vectors: Float64Array | null;
}

export interface NeighborOptions {
  cutoff: number;
  dimensions: 2 | 3;
  /** List each unordered pair once, from the smaller index (default false: both directions). */
  half?: boolean;
  /** Store separation vectors (default true). */
  withVectors?: boolean;
}

/** All pairs closer than `options.cutoff` under the box's minimum image. */
export function buildNeighborList(positions: Float64Array, box: Box, options: NeighborOptions): NeighborList {
  return bruteForceNeighborList(positions, box, options);
}

/** O(N^2) reference implementation: the definition the fast path is tested against. */
export function bruteForceNeighborList(positions: Float64Array, box: Box, options: NeighborOptions): NeighborList {
  const n = positions.length / 3;
  const rc2 = options.cutoff * options.cutoff;
  const withVectors = options.withVectors !== false;
  const start = new Int32Array(n + 1);
  const idx: number[] = [];
  const vec: number[] = [];
  const d = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    start[i] = idx.length;
    for (let j = options.half ? i + 1 : 0; j < n; j++) {
      if (j === i) continue;
      d[0] = positions[3 * j] - positions[3 * i];
      d[1] = positions[3 * j + 1] - positions[3 * i + 1];
      d[2] = options.dimensions === 2 ? 0 : positions[3 * j + 2] - positions[3 * i + 2];
      minimumImage(box, d, 0);
      if (options.dimensions === 2) d[2] = 0;
      if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < rc2) {
        idx.push(j);
        if (withVectors) vec.push(d[0], d[1], d[2]);
      }
    }
  }
  start[n] = idx.length;
  return { n, cutoff: options.cutoff, start, indices: Int32Array.from(idx), vectors: withVectors ? Float64Array.from(vec) : null };
}
