// The one neighbour search of the project (analysis and simulation alike): periodic cell lists in
// fractional coordinates, so square, triclinic and Lees-Edwards (tilted) boxes, 2D and 3D, share one path.
// Contract (the implementation below may be replaced by a faster one, never the signatures):
//  - rows in CSR form: the neighbours of i are indices[start[i] .. start[i+1]), sorted ascending;
//  - `vectors` holds the minimum-image separation r_j - r_i for each listed pair (dx, dy, dz interleaved);
//  - a pair is listed when |r_j - r_i| < cutoff (strictly), i != j; `half` lists each pair once (j > i);
//  - NeighborSearch.forEachNeighborhood visits the same pairs particle by particle without storing a list (squared
//    distances only; with `half` each pair once, from one of its two particles), for sums over neighbours.
//
// "Minimum image" means exactly what `minimumImage` in box.ts computes: the separation reduced along c, then b,
// then a by rounding (so |dz| <= Lz/2, then |dy| <= Ly/2, then |dx| <= Lx/2). The cell lists reproduce it
// operation for operation, so rows and vectors are bit-identical to `bruteForceNeighborList`. Consequences:
//  - each pair is judged on ONE image, minimumImage's. When the cutoff is at most half of every perpendicular
//    box width (the usual case), that image is the shortest one and the list is the true minimum-image list, for
//    any tilt (Lees-Edwards boxes beyond xy = Lx/2 included). When the cutoff exceeds half a box width, other
//    images of j closer than the cutoff are NOT listed (no pair appears twice in a row, and the separation is
//    minimumImage's even if a shorter image exists in a strongly tilted box): exactly as the brute force;
//  - on an axis with Box.periodic false no image is taken (plain differences); positions may lie anywhere;
//  - 2D ignores z entirely (separations have dz = 0);
//  - NaN or infinite positions are never within the cutoff of anything.
// Cells are parallelepipeds in fractional coordinates, at least cutoff / 2 wide perpendicular to their faces
// (cutoff wide when the box is too small for 5 of them along an axis), and each particle is compared with the
// particles of the cells within 2 (resp. 1) cells along each axis. Along a periodic axis too short for that
// (cutoff above about a third of the box width) every cell of the axis is visited once and each candidate goes
// through minimumImage's rounding: that is how a cutoff larger than half the box stays exact, at O(N^2) cost in
// the limit. Positions outside the box (LAMMPS keeps some slightly outside; unwrapped input) are wrapped into the
// grid on periodic axes; a non-periodic axis gets a grid spanning the data.
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

/**
 * Called once per particle by `forEachNeighborhood`: particle i has `count` neighbours (all of them, or with `half`
 * its share of the pairs), their indices in neighbors[0..count) and their squared minimum-image distances in
 * r2[0..count), in no particular order. Both arrays are the search's scratch: read them during the call only.
 */
export type NeighborhoodVisitor = (i: number, count: number, neighbors: Int32Array, r2: Float64Array) => void;

export interface NeighborOptions {
  cutoff: number;
  dimensions: 2 | 3;
  /** List each unordered pair once, from the smaller index (default false: both directions). */
  half?: boolean;
  /** Store separation vectors (default true). */
  withVectors?: boolean;
}

/** Relative margin on the cell width, so rounding in fractional coordinates never loses a pair at the cutoff. */
const WIDTH_MARGIN = 1e-9;
/** At most this many cells per particle (tiny cutoffs would otherwise make huge, empty grids). */
const CELLS_PER_PARTICLE = 3;
/** The fast path trusts its image bookkeeping only for coordinates within this many box widths of the origin. */
const FAST_COORD_LIMIT = 1e6;
/** Cells along an axis are at least cutoff / REACH wide when the box allows, and REACH cells on each side are visited. */
const REACH = 2;
const MAX_SPAN = 2 * REACH + 1;
// How the cells along one axis are visited from a particle's cell.
const AXIS_WRAP = 0; // periodic, >= 2 reach + 1 cells: the cell and `reach` on each side, wrapping (with an image shift)
const AXIS_ALL = 1; // periodic with fewer cells (cutoff above a third of the box), or the unused z of 2D: every cell once
const AXIS_CLIP = 2; // not periodic: the cell and its neighbours that exist

/**
 * A reusable neighbour search: holds the cell grid and scratch between calls, so repeated builds of similar size
 * (a simulator rebuilding its Verlet list every few steps) allocate only their results (`build`), or nothing at
 * all (`buildTransient`). Not re-entrant: one instance per worker or simulation. `buildNeighborList` is a thin
 * wrapper over a shared instance.
 *
 * Particles are counting-sorted by cell (stable) into structure-of-arrays copies. Then, cell by cell, each
 * particle i is compared with the runs of candidate particles in the neighbouring cells (cells adjacent along x
 * are contiguous) by a branch-free test; what it records for a candidate j is entry i of ROW j, with the
 * separation r_i - r_j computed exactly as the brute force computes it for row j. Scattering these entries into
 * CSR with i in ascending order (count, then fill) leaves every row sorted without sorting anything, and the
 * result arrays are allocated at their exact size. Two screening paths, both bit-identical to the brute force:
 *  - fast (every periodic axis holds 2 reach + 1 cells, so the cutoff is at most 2/5 of each perpendicular box
 *    width): the image of each candidate is known from its cell (and from each particle's own image count, for
 *    positions outside the box), so minimumImage's subtractions are replayed with those counts instead of
 *    rounding; whenever either computation gives a separation shorter than the cutoff, minimumImage's rounding
 *    is unambiguous and picks that same image, so the operations and results coincide. Only the sign of an
 *    exactly-zero component could differ (minimumImage may subtract -0), so a listed vector with a zero component
 *    is recomputed through minimumImage itself (rare: lattices, coincidences);
 *  - exact (a periodic axis too short for that, or coordinates beyond a million box widths): every candidate goes
 *    through minimumImage's rounding, each cell being visited once.
 */
export class NeighborSearch {
  private readonly nc = [1, 1, 1];
  private readonly lo = [0, 0, 0];
  private readonly span = [1, 1, 1];
  private readonly axisMode = [AXIS_ALL, AXIS_ALL, AXIS_ALL];
  /** Cells visited on each side along each axis (cells are at least cutoff / reach wide). */
  private readonly reach = [1, 1, 1];
  private fast = false;
  /** Every particle's image count is 0 (all inside the box on periodic axes): image shifts are per run. */
  private allInside = false;
  /** Fractional coordinates, then (once the cells are known) image counts, 3 per particle in index order. */
  private frac = new Float64Array(0);
  private cellOf = new Int32Array(0);
  private cellStart = new Int32Array(1);
  // Per particle in cell order: index, position, image counts.
  private order = new Int32Array(0);
  private rx = new Float64Array(0);
  private ry = new Float64Array(0);
  private rz = new Float64Array(0);
  private ix = new Int32Array(0);
  private iy = new Int32Array(0);
  private iz = new Int32Array(0);
  // Screened entries: particle i contributed entries [segOff[i], segOff[i] + segLen[i]): the row j in entJ and
  // the vector r_i - r_j in entV (`dims` numbers per entry).
  private segOff = new Int32Array(0);
  private segLen = new Int32Array(0);
  private entJ = new Int32Array(0);
  private entV = new Float64Array(0);
  private cursor = new Int32Array(0);
  // Result buffers of buildTransient.
  private tStart = new Int32Array(0);
  private tIdx = new Int32Array(0);
  private tVec = new Float64Array(0);
  // One particle's neighbourhood for forEachNeighborhood: indices and squared distances.
  private nbJ = new Int32Array(0);
  private nbR2 = new Float64Array(0);
  // Runs of candidate particles for the current cell: [runStart, runEnd) in cell order, with the image shift.
  private readonly runStart = new Int32Array(2 * MAX_SPAN * MAX_SPAN);
  private readonly runEnd = new Int32Array(2 * MAX_SPAN * MAX_SPAN);
  private readonly runKx = new Int32Array(2 * MAX_SPAN * MAX_SPAN);
  private readonly runKy = new Int32Array(2 * MAX_SPAN * MAX_SPAN);
  private readonly runKz = new Int32Array(2 * MAX_SPAN * MAX_SPAN);
  private readonly segLo = new Int32Array(2);
  private readonly segHi = new Int32Array(2);
  private readonly segSh = new Int32Array(2);
  private readonly axCell = [new Int32Array(MAX_SPAN), new Int32Array(MAX_SPAN), new Int32Array(MAX_SPAN)];
  private readonly axSh = [new Int32Array(MAX_SPAN), new Int32Array(MAX_SPAN), new Int32Array(MAX_SPAN)];
  private readonly tmp = new Float64Array(3);

  /** Drop the scratch buffers (they are reallocated on the next call). */
  release(): void {
    this.frac = new Float64Array(0);
    this.cellOf = new Int32Array(0); this.cellStart = new Int32Array(1); this.order = new Int32Array(0);
    this.rx = new Float64Array(0); this.ry = new Float64Array(0); this.rz = new Float64Array(0);
    this.ix = new Int32Array(0); this.iy = new Int32Array(0); this.iz = new Int32Array(0);
    this.segOff = new Int32Array(0); this.segLen = new Int32Array(0); this.cursor = new Int32Array(0);
    this.entJ = new Int32Array(0); this.entV = new Float64Array(0);
    this.tStart = new Int32Array(0); this.tIdx = new Int32Array(0); this.tVec = new Float64Array(0);
    this.nbJ = new Int32Array(0); this.nbR2 = new Float64Array(0);
  }

  /** The same list as `buildNeighborList`, in fresh arrays (only the scratch is reused). */
  build(positions: Float64Array, box: Box, options: NeighborOptions): NeighborList {
    return this.run(positions, box, options, false);
  }

  /**
   * The same list, but `start`, `indices` and `vectors` are views of buffers owned by this instance: valid
   * until its next call (which overwrites them). No allocation once the buffers have grown to size.
   */
  buildTransient(positions: Float64Array, box: Box, options: NeighborOptions): NeighborList {
    return this.run(positions, box, options, true);
  }

  /**
   * Every particle's neighbourhood, one particle at a time, without building the list: `visit(i, count, neighbors,
   * r2)` is called exactly once for each particle i (count 0 included), in cell order, with |r_j - r_i|^2 computed
   * from the vector the list holds (dx * dx + dy * dy + dz * dz, bit for bit; the distance of a pair is the same seen
   * from either end). The neighbours are those of row i of the full list (same cutoff and dimensions), or with
   * `half` each unordered pair appears once, in the neighbourhood of one of its two particles (which one is
   * unspecified; not the half list's j > i): half the screening, for sums that add a pair's term to both ends.
   * For per-particle sums over neighbours (structure functions, radial kernels): the loop reads a few hundred bytes
   * of scratch per particle and stores nothing per pair. The visitor must not use this instance (its grid is in use).
   */
  forEachNeighborhood(
    positions: Float64Array, box: Box, options: Pick<NeighborOptions, 'cutoff' | 'dimensions' | 'half'>, visit: NeighborhoodVisitor,
  ): void {
    const n = checkInput(positions, options);
    if (n === 0) return;
    const dims = options.dimensions, cutoff = options.cutoff, half = options.half === true;
    if (dims === 2 && this.makeGrid(positions, box, cutoff, dims, n) && this.fast) {
      this.visitFast2(box, cutoff, half, visit);
      return;
    }
    // 3D, the exact path and degenerate boxes: the rows of the full (or half) list.
    const nl = this.run(positions, box, { cutoff, dimensions: dims, half, withVectors: true }, true);
    const start = nl.start, idx = nl.indices, vec = nl.vectors as Float64Array;
    let longest = 0;
    for (let i = 0; i < n; i++) longest = Math.max(longest, start[i + 1] - start[i]);
    this.reserveNeighborhood(longest);
    const nbJ = this.nbJ, nbR2 = this.nbR2;
    for (let i = 0; i < n; i++) {
      const s = start[i], count = start[i + 1] - s;
      for (let k = 0; k < count; k++) {
        const t = s + k;
        const dx = vec[3 * t], dy = vec[3 * t + 1], dz = vec[3 * t + 2];
        nbJ[k] = idx[t]; nbR2[k] = dx * dx + dy * dy + dz * dz;
      }
      visit(i, count, nbJ, nbR2);
    }
  }

  private reserveNeighborhood(count: number): void {
    if (this.nbJ.length >= count) return;
    const size = Math.max(count, Math.ceil(this.nbJ.length * 1.5), 256);
    this.nbJ = new Int32Array(size); this.nbR2 = new Float64Array(size);
  }

  /**
   * forEachNeighborhood on the 2D fast path: screenFast2 / screenFast2Inside's arithmetic (so the same separations,
   * hence distances, as the list), each particle's accepted candidates kept in a small buffer. Full: the runs of
   * makeRuns. Half: the particle's own cell after it, then the runs of makeHalfRuns (the cells after the own one in
   * the same row, and the rows above): of two cells within reach, exactly one is ahead of the other (every periodic
   * axis holds at least 2 reach + 1 cells on this path), so each pair is screened once.
   */
  private visitFast2(box: Box, cutoff: number, half: boolean, visit: NeighborhoodVisitor): void {
    const [a, b] = box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1];
    const rc2 = cutoff * cutoff;
    const nx = this.nc[0], ny = this.nc[1];
    const inside = this.allInside;
    const cellStart = this.cellStart, order = this.order;
    const rx = this.rx, ry = this.ry, ix = this.ix, iy = this.iy;
    const runStart = this.runStart, runEnd = this.runEnd, runKx = this.runKx, runKy = this.runKy;
    for (let cell = 0; cell < nx * ny; cell++) {
      const p0 = cellStart[cell], p1 = cellStart[cell + 1];
      if (p0 === p1) continue;
      const nr = half ? this.makeHalfRuns(cell) : this.makeRuns(cell);
      let candidates = half ? p1 - p0 : 0;
      for (let r = 0; r < nr; r++) candidates += runEnd[r] - runStart[r];
      this.reserveNeighborhood(candidates);
      const nbJ = this.nbJ, nbR2 = this.nbR2;
      for (let p = p0; p < p1; p++) {
        const xi = rx[p], yi = ry[p];
        const ixi = inside ? 0 : ix[p], iyi = inside ? 0 : iy[p]; // (not stored when every particle is inside)
        let m = 0;
        if (half) {
          // The own cell after p (no image shift).
          if (inside) {
            for (let q = p + 1; q < p1; q++) {
              const dy = yi - ry[q], dx = xi - rx[q];
              const d2 = dx * dx + dy * dy;
              nbJ[m] = q; nbR2[m] = d2;
              m += +(d2 < rc2);
            }
          } else {
            for (let q = p + 1; q < p1; q++) {
              const ky = iyi - iy[q], kx = ixi - ix[q];
              const dy = yi - ry[q] - ky * b1;
              const dx = xi - rx[q] - ky * b0 - kx * a0;
              const d2 = dx * dx + dy * dy;
              nbJ[m] = q; nbR2[m] = d2;
              m += +(d2 < rc2);
            }
          }
        }
        if (inside) {
          for (let r = 0; r < nr; r++) {
            const ky = runKy[r], kx = runKx[r];
            const kyb1 = ky * b1, kyb0 = ky * b0, kxa0 = kx * a0;
            for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
              const dy = yi - ry[q] - kyb1;
              const dx = xi - rx[q] - kyb0 - kxa0;
              const d2 = dx * dx + dy * dy;
              nbJ[m] = q; nbR2[m] = d2;
              m += +(d2 < rc2) & +(q !== p);
            }
          }
        } else {
          for (let r = 0; r < nr; r++) {
            const ixb = ixi + runKx[r], iyb = iyi + runKy[r];
            for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
              const ky = iyb - iy[q], kx = ixb - ix[q];
              const dy = yi - ry[q] - ky * b1;
              const dx = xi - rx[q] - ky * b0 - kx * a0;
              const d2 = dx * dx + dy * dy;
              nbJ[m] = q; nbR2[m] = d2;
              m += +(d2 < rc2) & +(q !== p);
            }
          }
        }
        for (let k = 0; k < m; k++) nbJ[k] = order[nbJ[k]]; // cell-order positions to particle indices
        visit(order[p], m, nbJ, nbR2);
      }
    }
  }

  /**
   * The runs for the half screening of `cell` (fast path, 2D): along x the cells after it within reach, then for the
   * rows above it within reach (y) all cells within reach along x. Returns the number of runs.
   */
  private makeHalfRuns(cell: number): number {
    const nx = this.nc[0], ny = this.nc[1];
    const cy = (cell / nx) | 0, cx = cell - cy * nx;
    const rxh = this.reach[0], ryh = this.reach[1];
    let nr = this.addRowRuns(cy * nx, 0, cx, 1, rxh, 0);
    for (let t = cy + 1; t <= cy + ryh; t++) {
      let row = t, sh = 0;
      if (t >= ny) {
        if (this.axisMode[1] !== AXIS_WRAP) break;
        row = t - ny; sh = 1;
      }
      nr = this.addRowRuns(row * nx, nr, cx, -rxh, rxh, sh);
    }
    return nr;
  }

  /** Runs for the x cells cx + from .. cx + to of the row starting at cell `base` (wrapped or clipped along x). */
  private addRowRuns(base: number, nr: number, cx: number, from: number, to: number, shiftY: number): number {
    const nx = this.nc[0];
    let lo = cx + from, hi = cx + to;
    if (this.axisMode[0] !== AXIS_WRAP) {
      if (lo < 0) lo = 0;
      if (hi > nx - 1) hi = nx - 1;
      return lo <= hi ? this.addRun(nr, base + lo, base + hi, 0, shiftY) : nr;
    }
    if (lo < 0) return this.addRun(this.addRun(nr, base + lo + nx, base + nx - 1, -1, shiftY), base, base + hi, 0, shiftY);
    if (hi >= nx) return this.addRun(this.addRun(nr, base + lo, base + nx - 1, 0, shiftY), base, base + hi - nx, 1, shiftY);
    return this.addRun(nr, base + lo, base + hi, 0, shiftY);
  }

  /** Run number nr: the particles of cells first..last (contiguous), unless empty. Returns the next run number. */
  private addRun(nr: number, first: number, last: number, shiftX: number, shiftY: number): number {
    const b = this.cellStart[first], e = this.cellStart[last + 1];
    if (b === e) return nr;
    this.runStart[nr] = b; this.runEnd[nr] = e; this.runKx[nr] = shiftX; this.runKy[nr] = shiftY; this.runKz[nr] = 0;
    return nr + 1;
  }

  private run(positions: Float64Array, box: Box, options: NeighborOptions, transient: boolean): NeighborList {
    const n = checkInput(positions, options);
    const withVectors = options.withVectors !== false, half = options.half === true;
    const dims = options.dimensions, cutoff = options.cutoff;
    if (n === 0) return { n, cutoff, start: new Int32Array(1), indices: new Int32Array(0), vectors: withVectors ? new Float64Array(0) : null };
    if (!this.makeGrid(positions, box, cutoff, dims, n)) return bruteForceNeighborList(positions, box, options);
    const m = !this.fast ? this.screenExact(positions, box, cutoff, dims, half)
      : dims === 2 ? (this.allInside ? this.screenFast2Inside(box, cutoff, half, withVectors) : this.screenFast2(box, cutoff, half))
        : this.screenFast3(box, cutoff, half);
    let start: Int32Array, indices: Int32Array, vectors: Float64Array | null;
    if (transient) {
      if (this.tStart.length < n + 1) this.tStart = new Int32Array(n + 1);
      if (this.tIdx.length < m) this.tIdx = new Int32Array(Math.ceil(m * 1.2));
      if (withVectors && this.tVec.length < 3 * m) this.tVec = new Float64Array(3 * Math.ceil(m * 1.2));
      start = this.tStart.subarray(0, n + 1);
      indices = this.tIdx.subarray(0, m);
      vectors = withVectors ? this.tVec.subarray(0, 3 * m) : null;
    } else {
      start = new Int32Array(n + 1);
      indices = new Int32Array(m);
      vectors = withVectors ? new Float64Array(3 * m) : null;
    }
    rowStarts(this.entJ, m, n, start);
    this.cursor.set(start.subarray(0, n));
    const zeros = vectors
      ? scatterWithVectors(this.segOff, this.segLen, this.entJ, this.entV, dims, n, this.cursor, indices, vectors)
      : scatter(this.segOff, this.segLen, this.entJ, n, this.cursor, indices);
    if (vectors && zeros && this.fast) this.fixZeros(positions, box, dims, start, indices, vectors);
    return { n, cutoff, start, indices, vectors };
  }

  /**
   * Fractional coordinates, the grid, image counts, and a counting sort of the particles by cell. False when
   * the box cannot be inverted (the caller then uses brute force).
   */
  private makeGrid(positions: Float64Array, box: Box, cutoff: number, dims: 2 | 3, n: number): boolean {
    // (Each loop is a separate function: V8 then optimizes it whole, not only from the middle of a first call.)
    const [a, b, c] = box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
    const ox = box.origin[0], oy = box.origin[1], oz = box.origin[2];
    // A degenerate or non-finite box goes to the brute force (which defines the result for it anyway).
    for (const v of [a0, b0, b1, c0, c1, c2, ox, oy, oz]) if (!Number.isFinite(v)) return false;
    if (a0 === 0 || b1 === 0 || (dims === 3 && c2 === 0)) return false;
    // Norms of the rows of M^-1 (M has columns a, b, c): a ball of radius rc spans rc * g_k in fractional
    // coordinate k, and 1 / g_k is the perpendicular width of the box along k.
    const g = [0, 0, 0];
    if (dims === 2) {
      g[0] = Math.hypot(1 / a0, b0 / (a0 * b1));
      g[1] = 1 / Math.abs(b1);
    } else {
      g[0] = Math.hypot(1 / a0, b0 / (a0 * b1), (b0 * c1 - b1 * c0) / (a0 * b1 * c2));
      g[1] = Math.hypot(1 / b1, c1 / (b1 * c2));
      g[2] = 1 / Math.abs(c2);
    }
    this.ensure(n);
    const frac = this.frac;
    const maxAbs = dims === 2
      ? fractional2(positions, n, ox, oy, a0, b0, b1, frac)
      : fractional3(positions, n, ox, oy, oz, a0, b0, b1, c0, c1, c2, frac);
    // Per axis: the fractional span of the grid ([0, 1) when periodic, the data's range otherwise) and its cells.
    const lo = this.lo, span = this.span;
    const nc = this.nc, mode = this.axisMode;
    const reach = this.reach;
    for (let k = 0; k < 3; k++) {
      nc[k] = 1; lo[k] = 0; span[k] = 1; reach[k] = 1;
      if (k >= dims) continue;
      if (!box.periodic[k]) dataRange(frac, n, k, lo, span);
      // Cells of width >= cutoff / REACH when the axis holds at least 2 REACH + 1 of them, else >= cutoff.
      const fine = Math.floor(REACH * span[k] / (cutoff * g[k] * (1 + WIDTH_MARGIN)));
      const coarse = Math.floor(span[k] / (cutoff * g[k] * (1 + WIDTH_MARGIN)));
      if (fine >= 2 * REACH + 1) { nc[k] = Math.min(fine, 1 << 24); reach[k] = REACH; } else nc[k] = coarse >= 1 ? coarse : 1;
    }
    // Cap the number of cells (larger cells stay correct, they only hold more candidates).
    const maxCells = Math.max(125, CELLS_PER_PARTICLE * n);
    while (nc[0] * nc[1] * nc[2] > maxCells) {
      const f = Math.min(0.999, Math.pow(maxCells / (nc[0] * nc[1] * nc[2]), 1 / dims));
      for (let k = 0; k < dims; k++) {
        nc[k] = Math.max(1, Math.floor(nc[k] * f));
        if (reach[k] > 1 && nc[k] < 2 * reach[k] + 1) { nc[k] = Math.max(1, Math.floor(nc[k] / reach[k])); reach[k] = 1; }
      }
    }
    let fast = true, minWidth = Infinity;
    for (let k = 0; k < 3; k++) {
      mode[k] = k >= dims ? AXIS_ALL : !box.periodic[k] ? AXIS_CLIP : nc[k] >= 2 * reach[k] + 1 ? AXIS_WRAP : AXIS_ALL;
      if (k < dims) {
        minWidth = Math.min(minWidth, 1 / g[k]);
        if (mode[k] === AXIS_ALL) fast = false;
      }
    }
    if (!(maxAbs + Math.abs(ox) + Math.abs(oy) + (dims === 3 ? Math.abs(oz) : 0) <= FAST_COORD_LIMIT * minWidth)) fast = false;
    this.fast = fast;

    const ncell = nc[0] * nc[1] * nc[2];
    if (this.cellStart.length < ncell + 1) this.cellStart = new Int32Array(ncell + 1);
    const cellStart = this.cellStart;
    cellStart.fill(0, 0, ncell + 1);
    this.allInside = assignCells(frac, n, dims, mode, nc, lo, span, this.cellOf, cellStart) === 0;
    prefixSum(cellStart, ncell);
    if (dims === 2 && this.allInside) fillByCell2(positions, n, this.cellOf, cellStart, this.order, this.rx, this.ry);
    else fillByCell(positions, frac, n, dims, this.cellOf, cellStart, this.order, this.rx, this.ry, this.rz, this.ix, this.iy, this.iz);
    for (let q = ncell; q > 0; q--) cellStart[q] = cellStart[q - 1];
    cellStart[0] = 0;
    return true;
  }

  /** Scratch for n particles. */
  private ensure(n: number): void {
    if (this.cellOf.length >= n) return;
    this.frac = new Float64Array(3 * n);
    this.cellOf = new Int32Array(n); this.order = new Int32Array(n);
    this.rx = new Float64Array(n); this.ry = new Float64Array(n); this.rz = new Float64Array(n);
    this.ix = new Int32Array(n); this.iy = new Int32Array(n); this.iz = new Int32Array(n);
    this.segOff = new Int32Array(n); this.segLen = new Int32Array(n); this.cursor = new Int32Array(n);
  }

  /** Room for `extra` more screened entries after the first `used` (vectors of `vd` numbers). */
  private reserveEntries(used: number, extra: number, vd: number): void {
    const need = used + extra;
    if (need > this.entJ.length) {
      const grown = new Int32Array(Math.max(need, Math.ceil(this.entJ.length * 1.5), 4096));
      grown.set(this.entJ.subarray(0, used));
      this.entJ = grown;
    }
    if (vd * this.entJ.length > this.entV.length) {
      const grown = new Float64Array(vd * this.entJ.length);
      grown.set(this.entV.subarray(0, Math.min(vd * used, this.entV.length)));
      this.entV = grown;
    }
  }

  /** The cells along axis k (y or z) visited from cell coordinate ck, with their image shifts; returns how many. */
  private axisCells(k: number, ck: number): number {
    const cells = this.axCell[k], sh = this.axSh[k], nk = this.nc[k], mode = this.axisMode[k], reach = this.reach[k];
    let m = 0;
    if (mode === AXIS_WRAP) {
      for (let t = ck - reach; t <= ck + reach; t++) {
        const w = t < 0 ? -1 : t >= nk ? 1 : 0;
        cells[m] = t - w * nk; sh[m++] = w;
      }
    } else if (mode === AXIS_ALL) {
      for (let t = 0; t < nk; t++) { cells[m] = t; sh[m++] = 0; }
    } else {
      for (let t = Math.max(0, ck - reach); t <= Math.min(nk - 1, ck + reach); t++) { cells[m] = t; sh[m++] = 0; }
    }
    return m;
  }

  /**
   * The runs of candidates for particles in `cell`: for each visited (z, y) row of cells, the visited x cells
   * as at most 2 contiguous segments (2 only where the x range wraps). Returns the number of runs.
   */
  private makeRuns(cell: number): number {
    const nx = this.nc[0], ny = this.nc[1];
    const cz = (cell / (nx * ny)) | 0, rest = cell - cz * nx * ny;
    const cy = (rest / nx) | 0, cx = rest - cy * nx;
    const segLo = this.segLo, segHi = this.segHi, segSh = this.segSh;
    const xm = this.axisMode[0], reach = this.reach[0];
    let nseg = 1;
    if (xm === AXIS_ALL) {
      segLo[0] = 0; segHi[0] = nx - 1; segSh[0] = 0;
    } else if (xm === AXIS_CLIP || (cx - reach >= 0 && cx + reach < nx)) {
      segLo[0] = Math.max(0, cx - reach); segHi[0] = Math.min(nx - 1, cx + reach); segSh[0] = 0;
    } else if (cx - reach < 0) {
      segLo[0] = 0; segHi[0] = cx + reach; segSh[0] = 0;
      segLo[1] = cx - reach + nx; segHi[1] = nx - 1; segSh[1] = -1; nseg = 2;
    } else {
      segLo[0] = cx - reach; segHi[0] = nx - 1; segSh[0] = 0;
      segLo[1] = 0; segHi[1] = cx + reach - nx; segSh[1] = 1; nseg = 2;
    }
    const my = this.axisCells(1, cy), mz = this.axisCells(2, cz);
    const ys = this.axCell[1], ysh = this.axSh[1], zs = this.axCell[2], zsh = this.axSh[2];
    const cellStart = this.cellStart;
    let nr = 0;
    for (let w = 0; w < mz; w++) {
      for (let t = 0; t < my; t++) {
        const base = (zs[w] * ny + ys[t]) * nx;
        for (let s = 0; s < nseg; s++) {
          const b = cellStart[base + segLo[s]], e = cellStart[base + segHi[s] + 1];
          if (b === e) continue;
          this.runStart[nr] = b; this.runEnd[nr] = e;
          this.runKx[nr] = segSh[s]; this.runKy[nr] = ysh[t]; this.runKz[nr] = zsh[w];
          nr++;
        }
      }
    }
    return nr;
  }

  /** minimumImage's separation r_j - r_i exactly as bruteForceNeighborList computes it, into this.tmp. */
  private exactSeparation(positions: Float64Array, box: Box, dims: 2 | 3, i: number, j: number): Float64Array {
    const d = this.tmp;
    d[0] = positions[3 * j] - positions[3 * i];
    d[1] = positions[3 * j + 1] - positions[3 * i + 1];
    d[2] = dims === 2 ? 0 : positions[3 * j + 2] - positions[3 * i + 2];
    minimumImage(box, d, 0);
    if (dims === 2) d[2] = 0;
    return d;
  }

  /**
   * The fast path replays minimumImage with known image counts; only the sign of an exactly-zero component may
   * differ from minimumImage's own result, so such entries are recomputed with it (rare: lattices, coincidences).
   */
  private fixZeros(positions: Float64Array, box: Box, dims: 2 | 3, start: Int32Array, indices: Int32Array, vectors: Float64Array): void {
    const n = start.length - 1;
    for (let j = 0; j < n; j++) {
      for (let t = start[j], e = start[j + 1]; t < e; t++) {
        if (vectors[3 * t] !== 0 && vectors[3 * t + 1] !== 0 && (dims === 2 || vectors[3 * t + 2] !== 0)) continue;
        const d = this.exactSeparation(positions, box, dims, j, indices[t]);
        vectors[3 * t] = d[0]; vectors[3 * t + 1] = d[1]; vectors[3 * t + 2] = d[2];
      }
    }
  }

  private screenFast2(box: Box, cutoff: number, half: boolean): number {
    const [a, b] = box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1];
    const rc2 = cutoff * cutoff;
    const nx = this.nc[0], ny = this.nc[1];
    const n = this.cellStart[nx * ny];
    const cellStart = this.cellStart, order = this.order, segOff = this.segOff, segLen = this.segLen;
    const rx = this.rx, ry = this.ry, ix = this.ix, iy = this.iy;
    const runStart = this.runStart, runEnd = this.runEnd, runKx = this.runKx, runKy = this.runKy;
    let m = 0;
    for (let cell = 0; cell < nx * ny; cell++) {
      const p0 = cellStart[cell], p1 = cellStart[cell + 1];
      if (p0 === p1) continue;
      const nr = this.makeRuns(cell);
      for (let p = p0; p < p1; p++) {
        if (m + n > this.entJ.length || 2 * (m + n) > this.entV.length) this.reserveEntries(m, n, 2);
        const entJ = this.entJ, entV = this.entV;
        const i = order[p];
        const xi = rx[p], yi = ry[p], ixi = ix[p], iyi = iy[p];
        const jlim = half ? i : n;
        segOff[i] = m;
        for (let r = 0; r < nr; r++) {
          // Entry i of row j is r_i - r_j: minimumImage's y step then x step, with the image counts known from
          // the cells: K = image_i + shift - image_j.
          const ixb = ixi + runKx[r], iyb = iyi + runKy[r];
          for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
            const ky = iyb - iy[q], kx = ixb - ix[q];
            const dy = yi - ry[q] - ky * b1;
            const dx = xi - rx[q] - ky * b0 - kx * a0;
            const j = order[q];
            entJ[m] = j; entV[2 * m] = dx; entV[2 * m + 1] = dy;
            m += +(dx * dx + dy * dy < rc2) & +(j < jlim) & +(j !== i);
          }
        }
        segLen[i] = m - segOff[i];
      }
    }
    return m;
  }

  /**
   * screenFast2 when every image count is 0: the replayed subtractions are constants of each run (the common
   * case, hence also a variant that does not store the vectors).
   */
  private screenFast2Inside(box: Box, cutoff: number, half: boolean, withVectors: boolean): number {
    const [a, b] = box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1];
    const rc2 = cutoff * cutoff;
    const nx = this.nc[0], ny = this.nc[1];
    const n = this.cellStart[nx * ny];
    const cellStart = this.cellStart, order = this.order, segOff = this.segOff, segLen = this.segLen;
    const rx = this.rx, ry = this.ry;
    const runStart = this.runStart, runEnd = this.runEnd, runKx = this.runKx, runKy = this.runKy;
    let m = 0;
    for (let cell = 0; cell < nx * ny; cell++) {
      const p0 = cellStart[cell], p1 = cellStart[cell + 1];
      if (p0 === p1) continue;
      const nr = this.makeRuns(cell);
      for (let p = p0; p < p1; p++) {
        if (m + n > this.entJ.length || 2 * (m + n) > this.entV.length) this.reserveEntries(m, n, 2);
        const entJ = this.entJ, entV = this.entV;
        const i = order[p];
        const xi = rx[p], yi = ry[p];
        const jlim = half ? i : n;
        segOff[i] = m;
        for (let r = 0; r < nr; r++) {
          const ky = runKy[r], kx = runKx[r];
          const kyb1 = ky * b1, kyb0 = ky * b0, kxa0 = kx * a0;
          if (withVectors) {
            for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
              const dy = yi - ry[q] - kyb1;
              const dx = xi - rx[q] - kyb0 - kxa0;
              const j = order[q];
              entJ[m] = j; entV[2 * m] = dx; entV[2 * m + 1] = dy;
              m += +(dx * dx + dy * dy < rc2) & +(j < jlim) & +(j !== i);
            }
          } else {
            for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
              const dy = yi - ry[q] - kyb1;
              const dx = xi - rx[q] - kyb0 - kxa0;
              const j = order[q];
              entJ[m] = j;
              m += +(dx * dx + dy * dy < rc2) & +(j < jlim) & +(j !== i);
            }
          }
        }
        segLen[i] = m - segOff[i];
      }
    }
    return m;
  }

  private screenFast3(box: Box, cutoff: number, half: boolean): number {
    const [a, b, c] = box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
    const rc2 = cutoff * cutoff;
    const ncell = this.nc[0] * this.nc[1] * this.nc[2];
    const n = this.cellStart[ncell];
    const cellStart = this.cellStart, order = this.order, segOff = this.segOff, segLen = this.segLen;
    const rx = this.rx, ry = this.ry, rz = this.rz, ix = this.ix, iy = this.iy, iz = this.iz;
    const runStart = this.runStart, runEnd = this.runEnd, runKx = this.runKx, runKy = this.runKy, runKz = this.runKz;
    let m = 0;
    for (let cell = 0; cell < ncell; cell++) {
      const p0 = cellStart[cell], p1 = cellStart[cell + 1];
      if (p0 === p1) continue;
      const nr = this.makeRuns(cell);
      for (let p = p0; p < p1; p++) {
        if (m + n > this.entJ.length || 3 * (m + n) > this.entV.length) this.reserveEntries(m, n, 3);
        const entJ = this.entJ, entV = this.entV;
        const i = order[p];
        const xi = rx[p], yi = ry[p], zi = rz[p], ixi = ix[p], iyi = iy[p], izi = iz[p];
        const jlim = half ? i : n;
        segOff[i] = m;
        for (let r = 0; r < nr; r++) {
          const ixb = ixi + runKx[r], iyb = iyi + runKy[r], izb = izi + runKz[r];
          for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
            const kz = izb - iz[q], ky = iyb - iy[q], kx = ixb - ix[q];
            const dz = zi - rz[q] - kz * c2;
            const dy = yi - ry[q] - kz * c1 - ky * b1;
            const dx = xi - rx[q] - kz * c0 - ky * b0 - kx * a0;
            const j = order[q];
            entJ[m] = j; entV[3 * m] = dx; entV[3 * m + 1] = dy; entV[3 * m + 2] = dz;
            m += +(dx * dx + dy * dy + dz * dz < rc2) & +(j < jlim) & +(j !== i);
          }
        }
        segLen[i] = m - segOff[i];
      }
    }
    return m;
  }

  /** Every candidate through minimumImage's rounding (cutoff above a third of the box on some periodic axis). */
  private screenExact(positions: Float64Array, box: Box, cutoff: number, dims: 2 | 3, half: boolean): number {
    const [a, b, c] = box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
    const px = box.periodic[0] && a0 !== 0, py = box.periodic[1] && b1 !== 0, pz = box.periodic[2] && c2 !== 0;
    // 2D: minimumImage's z step on dz = 0 gives k = round(0 / c2) = +-0; replayed for bit-identical zeros.
    const kz0 = pz ? Math.round(0 / c2) : 0;
    const zx = pz ? kz0 * c0 : 0, zy = pz ? kz0 * c1 : 0;
    const rc2 = cutoff * cutoff;
    const n = positions.length / 3;
    const ncell = this.nc[0] * this.nc[1] * this.nc[2];
    const cellStart = this.cellStart, order = this.order, segOff = this.segOff, segLen = this.segLen;
    const rx = this.rx, ry = this.ry, rz = this.rz;
    const runStart = this.runStart, runEnd = this.runEnd;
    let m = 0;
    for (let cell = 0; cell < ncell; cell++) {
      const p0 = cellStart[cell], p1 = cellStart[cell + 1];
      if (p0 === p1) continue;
      const nr = this.makeRuns(cell);
      for (let p = p0; p < p1; p++) {
        if (m + n > this.entJ.length || dims * (m + n) > this.entV.length) this.reserveEntries(m, n, dims);
        const entJ = this.entJ, entV = this.entV;
        const i = order[p];
        const xi = rx[p], yi = ry[p], zi = rz[p];
        const jlim = half ? i : n;
        segOff[i] = m;
        for (let r = 0; r < nr; r++) {
          for (let q = runStart[r], e = runEnd[r]; q < e; q++) {
            // Entry i of row j: r_i - r_j through minimumImage, operation for operation.
            let dx = xi - rx[q], dy = yi - ry[q], dz = 0;
            if (dims === 3) {
              dz = zi - rz[q];
              if (pz) { const k = Math.round(dz / c2); dx -= k * c0; dy -= k * c1; dz -= k * c2; }
            } else {
              dx -= zx; dy -= zy;
            }
            if (py) { const k = Math.round(dy / b1); dx -= k * b0; dy -= k * b1; }
            if (px) { const k = Math.round(dx / a0); dx -= k * a0; }
            const j = order[q];
            entJ[m] = j; entV[dims * m] = dx; entV[dims * m + 1] = dy;
            if (dims === 3) entV[3 * m + 2] = dz;
            m += +(dx * dx + dy * dy + dz * dz < rc2) & +(j < jlim) & +(j !== i);
          }
        }
        segLen[i] = m - segOff[i];
      }
    }
    return m;
  }
}

/** Row starts from the row of each entry. */
function rowStarts(entJ: Int32Array, m: number, n: number, start: Int32Array): void {
  start.fill(0);
  for (let t = 0; t < m; t++) start[entJ[t] + 1]++;
  for (let j = 0; j < n; j++) start[j + 1] += start[j];
}

/** Entries to CSR, i ascending (so each row comes out sorted); cursor starts at the row starts. */
function scatter(segOff: Int32Array, segLen: Int32Array, entJ: Int32Array, n: number, cursor: Int32Array, indices: Int32Array): boolean {
  for (let i = 0; i < n; i++) {
    for (let t = segOff[i], e = t + segLen[i]; t < e; t++) indices[cursor[entJ[t]]++] = i;
  }
  return false;
}

/** As scatter, with the vectors; returns whether some vector has an exactly-zero x or y (or z in 3D) component. */
function scatterWithVectors(
  segOff: Int32Array, segLen: Int32Array, entJ: Int32Array, entV: Float64Array, dims: 2 | 3, n: number,
  cursor: Int32Array, indices: Int32Array, vectors: Float64Array,
): boolean {
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    for (let t = segOff[i], e = t + segLen[i]; t < e; t++) {
      const at = cursor[entJ[t]]++;
      const dx = entV[dims * t], dy = entV[dims * t + 1], dz = dims === 3 ? entV[3 * t + 2] : 1;
      indices[at] = i;
      vectors[3 * at] = dx; vectors[3 * at + 1] = dy; vectors[3 * at + 2] = dims === 3 ? dz : 0;
      zeros |= +(dx === 0) | +(dy === 0) | +(dz === 0);
    }
  }
  return zeros !== 0;
}

/** Fractional coordinates (2D) into frac; returns the largest finite |coordinate|. */
function fractional2(
  positions: Float64Array, n: number, ox: number, oy: number, a0: number, b0: number, b1: number, frac: Float64Array,
): number {
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i], y = positions[3 * i + 1];
    const ax = Math.abs(x), ay = Math.abs(y);
    if (ax > maxAbs && ax < Infinity) maxAbs = ax;
    if (ay > maxAbs && ay < Infinity) maxAbs = ay;
    const s1 = (y - oy) / b1;
    frac[3 * i] = (x - ox - s1 * b0) / a0;
    frac[3 * i + 1] = s1;
    frac[3 * i + 2] = 0;
  }
  return maxAbs;
}

/** Fractional coordinates (3D) into frac; returns the largest finite |coordinate|. */
function fractional3(
  positions: Float64Array, n: number, ox: number, oy: number, oz: number,
  a0: number, b0: number, b1: number, c0: number, c1: number, c2: number, frac: Float64Array,
): number {
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
    const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
    if (ax > maxAbs && ax < Infinity) maxAbs = ax;
    if (ay > maxAbs && ay < Infinity) maxAbs = ay;
    if (az > maxAbs && az < Infinity) maxAbs = az;
    const s2 = (z - oz) / c2;
    const s1 = (y - oy - s2 * c1) / b1;
    frac[3 * i] = (x - ox - s1 * b0 - s2 * c0) / a0;
    frac[3 * i + 1] = s1;
    frac[3 * i + 2] = s2;
  }
  return maxAbs;
}

/** The range of fractional coordinate k over the finite values, widened to contain [0, 1]: lo[k], span[k]. */
function dataRange(frac: Float64Array, n: number, k: number, lo: number[], span: number[]): void {
  let mn = 0, mx = 1;
  for (let i = 0; i < n; i++) {
    const s = frac[3 * i + k];
    if (s - s !== 0) continue; // NaN or infinite: clamped into an edge cell, never within the cutoff
    if (s < mn) mn = s; else if (s > mx) mx = s;
  }
  lo[k] = mn; span[k] = mx - mn;
}

/** Each particle's cell (x fastest) and the per-cell counts (in cellStart[c + 1]); frac becomes image counts. */
function assignCells(
  frac: Float64Array, n: number, dims: 2 | 3, mode: number[], nc: number[], lo: number[], span: number[],
  cellOf: Int32Array, cellStart: Int32Array,
): number {
  let outside = 0;
  for (let i = 0; i < n; i++) {
    let cell = 0;
    for (let k = dims - 1; k >= 0; k--) {
      let s = frac[3 * i + k];
      let image = 0;
      if (mode[k] === AXIS_CLIP) {
        s = (s - lo[k]) / span[k];
      } else {
        const f = Math.floor(s);
        if (f - f === 0) image = f; // finite
        s -= f;
      }
      outside |= image;
      frac[3 * i + k] = image; // the fractional coordinate is not needed any more
      let ck = Math.floor(s * nc[k]);
      if (!(ck >= 0)) ck = 0; // also NaN and infinite positions: they never match anything
      else if (ck >= nc[k]) ck = nc[k] - 1;
      cell = cell * nc[k] + ck;
    }
    cellOf[i] = cell;
    cellStart[cell + 1]++;
  }
  return outside;
}

function prefixSum(a: Int32Array, count: number): void {
  for (let q = 0; q < count; q++) a[q + 1] += a[q];
}

/** Counting-sort fill in index order (stable); cellStart[c] is used as the cursor and ends at the next start. */
function fillByCell(
  positions: Float64Array, images: Float64Array, n: number, dims: 2 | 3, cellOf: Int32Array, cellStart: Int32Array,
  order: Int32Array, rx: Float64Array, ry: Float64Array, rz: Float64Array, ix: Int32Array, iy: Int32Array, iz: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const p = cellStart[cellOf[i]]++;
    order[p] = i;
    rx[p] = positions[3 * i]; ry[p] = positions[3 * i + 1];
    ix[p] = images[3 * i]; iy[p] = images[3 * i + 1];
    if (dims === 3) { rz[p] = positions[3 * i + 2]; iz[p] = images[3 * i + 2]; }
  }
}

/** fillByCell for 2D frames with every image count 0: the image counts are not stored (the 2D paths do not read them then). */
function fillByCell2(
  positions: Float64Array, n: number, cellOf: Int32Array, cellStart: Int32Array, order: Int32Array, rx: Float64Array, ry: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const p = cellStart[cellOf[i]]++;
    order[p] = i;
    rx[p] = positions[3 * i]; ry[p] = positions[3 * i + 1];
  }
}

function checkInput(positions: Float64Array, options: NeighborOptions): number {
  if (positions.length % 3 !== 0) throw new RangeError(`neighbour list: positions length ${positions.length} is not a multiple of 3`);
  if (!(options.cutoff >= 0)) throw new RangeError(`neighbour list: cutoff must be a non-negative number (got ${options.cutoff})`);
  if (options.dimensions !== 2 && options.dimensions !== 3) throw new RangeError(`neighbour list: dimensions must be 2 or 3 (got ${String(options.dimensions)})`);
  return positions.length / 3;
}

const shared = new NeighborSearch();

/** All pairs closer than `options.cutoff` under the box's minimum image. */
export function buildNeighborList(positions: Float64Array, box: Box, options: NeighborOptions): NeighborList {
  return shared.build(positions, box, options);
}

/**
 * Largest minimum-image displacement |cur_i - ref_i| over all particles (z ignored when dimensions is 2), for
 * Verlet-skin rebuild decisions: a list built at `ref` with cutoff rc + skin still holds every pair closer than rc
 * while this stays below skin / 2. Infinity when a displacement is not finite (forces a rebuild); 0 for no particles.
 */
export function maxDisplacementSince(ref: Float64Array, cur: Float64Array, box: Box, dimensions: 2 | 3): number {
  if (ref.length !== cur.length || ref.length % 3 !== 0) {
    throw new RangeError(`maxDisplacementSince: position arrays of length ${ref.length} and ${cur.length}`);
  }
  const [a, b, c] = box.vectors;
  const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
  const px = box.periodic[0] && a0 !== 0, py = box.periodic[1] && b1 !== 0;
  const pz = dimensions === 3 && box.periodic[2] && c2 !== 0;
  let max2 = 0;
  for (let p = 0; p < ref.length; p += 3) {
    let dx = cur[p] - ref[p], dy = cur[p + 1] - ref[p + 1], dz = dimensions === 3 ? cur[p + 2] - ref[p + 2] : 0;
    if (pz) { const k = Math.round(dz / c2); dx -= k * c0; dy -= k * c1; dz -= k * c2; }
    if (py) { const k = Math.round(dy / b1); dx -= k * b0; dy -= k * b1; }
    if (px) { const k = Math.round(dx / a0); dx -= k * a0; }
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 > max2) max2 = d2;
    else if (!(d2 === d2)) return Infinity;
  }
  return Math.sqrt(max2);
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
