// Persistent H1 of the Vietoris-Rips filtration of a point cloud up to a threshold, over Z/2, by a Ripser-style
// reduction (U. Bauer, "Ripser: efficient computation of Vietoris-Rips persistence barcodes", J. Appl. Comput. Topol. 5, 2021).
//
// The filtration: vertices at 0, an edge {a, b} at its length d(a, b) when d <= threshold, a triangle at its longest edge
// (the flag complex, truncated at dimension 2: that is all H1 needs). Distances are plain Euclidean, or minimum-image
// ones (box.ts's convention) when asked; both come from the one neighbour search (neighbors.ts).
//
// Order of equal values (Ripser's): edges by length, equal lengths by DEcreasing colexicographic index
// c(a < b) = b (b - 1) / 2 + a (Ripser sorts by diameter, then by decreasing combinatorial index). A triangle is
// identified by its last edge in that order and its third vertex; triangles are ordered by that edge, then by the third
// vertex decreasing (for the cofacets of one edge this is Ripser's order; between triangles of equal diameter whose last
// edges differ it follows the edges' order, where Ripser would compare the triangles' own indices). The persistence
// diagram off the diagonal does not depend on this choice (it is a property of the filtration function); only which
// zero-length pairs appear does, and every count reported below is independent of it (tests check this on a grid).
//
// The reduction (cohomology, as in Ripser):
//  - H0 by union-find over the edges in filtration order; an edge that merges two components is an H0 death and is
//    cleared from H1 (it is never a column);
//  - H1 by reducing coboundary columns: one column per remaining edge, processed in reverse filtration order; the rows
//    are triangles; the pivot of a column is its first triangle in filtration order. A pair (e, t) is the interval
//    [d(e), d(t)); a column that reduces to zero is an essential class, alive at the threshold;
//  - apparent pairs: when the "lens" of e = {a, b} (vertices k whose edges to a and to b both come before e) is not
//    empty, e and the triangle {a, b, k_max} (k_max: the lens vertex of largest input index, e's first cofacet) form
//    an apparent pair: zero persistence, settled without a column. For edges, Ripser's emergent pairs are exactly
//    these. Only edges with an empty lens are reduced (the H1 classes of positive length, the essential
//    ones, and the H0 deaths, which are cleared); when a reduction meets a triangle of an apparent pair, that apparent
//    edge's coboundary is added (as Ripser 1.2 does);
//  - implicit coboundaries: the cofacets of an edge are enumerated from the neighbour rows of its end points; nothing
//    but the neighbour graph (within the threshold) and the reduced columns' chains (lists of edges) is stored;
//  - truncated coboundaries (our addition): a column is first reduced with only its cofacets of diameter <= tau
//    (tau = 2 d(e), doubled as needed up to the threshold). While the truncated column is not zero its pivot, and
//    hence every decision of the reduction, is that of the full column (the omitted entries all come later); when it
//    becomes zero, the column is rebuilt from its chain with a larger tau. In dense packings every H1 class dies near
//    r = 2 while alpha = 8.19, so this skips most of each coboundary.
// Neighbour rows are kept in distance buckets (the lens of e = {a, b} lies within d(e) of b, so searches stop early).
//
// Coefficients: Z/2. GUDHI (the oracle) used Z/11; for planar point clouds H1 over any field gives the same barcode:
// the projection of a planar Rips complex VR_r onto its shadow S_r (the union of its edges and triangles drawn in the
// plane) is an isomorphism on fundamental groups (Chambers, de Silva, Erickson, Ghrist, "Vietoris-Rips complexes of
// planar point sets", Discrete Comput. Geom. 44, 2010), hence on H1, naturally in r. H1 of a compact planar polyhedron is
// free on the loops around its holes (bounded components of the complement), and S_r in S_s sends the loop around a
// hole U of S_r to the sum of the loops around the holes of S_s inside U: 0/1 matrices with disjoint column supports,
// whose ranks (hence the barcode) do not depend on the field. Tests compare Z/2 and Z/11 textbook reductions too.
// In 3D (and on the torus of the periodic option) this argument does not apply; torsion in H1 is possible in principle.
import type { Box } from '../box.js';
import { NeighborSearch } from '../neighbors.js';
import { mortonOrder } from '../spatial-order.js';

export interface RipsGraphOptions {
  /** Largest edge length kept (edges with d <= threshold). */
  threshold: number;
  /** 2 (z ignored) or 3. */
  dimensions: 2 | 3;
  /** Minimum-image distances in `box` (true), or plain Euclidean distances between the coordinates as given (false). */
  periodic: boolean;
}

/** Distance buckets per neighbour row. */
const BUCKETS = 32;

/**
 * The neighbour graph of a Rips filtration: every unordered pair at distance <= threshold. Vertices are numbered in a
 * spatial (Morton) order for memory locality: vertex v is point ids[v] of the input, and every tie-break uses the ids.
 * Row v is adj[rows[v * (B + 1)] .. rows[v * (B + 1) + B]) with lengths in len, grouped by distance bucket
 * b = min(B - 1, floor(d * B / threshold)) (bucket b starts at rows[v * (B + 1) + b]).
 */
export interface RipsGraph {
  readonly n: number;
  readonly threshold: number;
  /** Number of edges (unordered pairs). */
  readonly edges: number;
  /** Input index of each vertex, and the vertex of each input index. */
  readonly ids: Int32Array;
  readonly vertexOf: Int32Array;
  /** Bucket starts, n * (B + 1) + 1 entries, B = BUCKETS. */
  readonly rows: Int32Array;
  readonly adj: Int32Array;
  /** Edge lengths, parallel to adj. */
  readonly len: Float64Array;
}

/** Largest number of points: triangle keys (colex index of an edge times n plus a vertex) must stay exact doubles. */
export const RIPS_MAX_POINTS = 200_000; // also <= MORTON_MAX_POINTS (spatial-order.ts)

/** A box for plain Euclidean distances: `box`'s geometry (it only shapes the cell grid) with no periodic axis. */
function plainBox(box: Box | null): Box {
  if (!box) return { origin: [0, 0, 0], vectors: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], periodic: [false, false, false] };
  return { origin: [...box.origin], vectors: [[...box.vectors[0]], [...box.vectors[1]], [...box.vectors[2]]], periodic: [false, false, false] };
}

/**
 * The edges of the Rips filtration up to `threshold`, through the neighbour search: plain Euclidean distances between
 * the positions as given (`periodic` false; `box` may be null) or minimum-image distances in `box`.
 * Positions: n * 3 numbers (x, y, z; z ignored in 2D). Non-finite coordinates are an error.
 */
export function buildRipsGraph(positions: Float64Array, box: Box | null, options: RipsGraphOptions): RipsGraph {
  const { threshold, dimensions, periodic } = options;
  if (positions.length % 3 !== 0) throw new RangeError(`Rips filtration: positions length ${positions.length} is not a multiple of 3`);
  if (!(threshold > 0) || !Number.isFinite(threshold)) throw new RangeError(`Rips filtration: alpha must be a positive finite number (got ${threshold})`);
  if (dimensions !== 2 && dimensions !== 3) throw new RangeError(`Rips filtration: dimensions must be 2 or 3 (got ${String(dimensions)})`);
  if (periodic && !box) throw new RangeError('Rips filtration: periodic distances need a box');
  const n = positions.length / 3;
  if (n > RIPS_MAX_POINTS) throw new RangeError(`Rips filtration: ${n} points; at most ${RIPS_MAX_POINTS} are supported`);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dimensions; a++) {
      if (!Number.isFinite(positions[3 * i + a])) {
        throw new RangeError(`Rips filtration: particle ${i} has a non-finite coordinate ${'xyz'[a]} = ${positions[3 * i + a]}`);
      }
    }
  }
  // The points in Morton order of cells of side about threshold / 2, so that neighbours have nearby numbers (the rows
  // the reduction reads together then share cache lines): the input index of each vertex.
  const ids = mortonOrder(positions, n, dimensions, threshold / 2);
  const vertexOf = new Int32Array(n);
  for (let v = 0; v < n; v++) vertexOf[ids[v]] = v;
  const pos = new Float64Array(3 * n); // the points in vertex order
  for (let v = 0; v < n; v++) {
    const i = ids[v];
    pos[3 * v] = positions[3 * i]; pos[3 * v + 1] = positions[3 * i + 1]; pos[3 * v + 2] = positions[3 * i + 2];
  }
  const search = new NeighborSearch();
  // The search lists pairs strictly closer than its cutoff; the margin keeps every pair with d <= threshold, and the
  // filter below decides membership on d itself. Minimum-image separations come from the search (vectors); plain
  // distances are the coordinates' differences (no vectors stored: 24 bytes less per pair).
  const half = search.build(pos, periodic ? (box as Box) : plainBox(box), {
    cutoff: threshold * (1 + 1e-9), dimensions, half: true, withVectors: periodic,
  });
  search.release();
  const hs = half.start, hi = half.indices, hv = half.vectors;
  const B = BUCKETS, W = B + 1, scale = B / threshold;
  const rows = new Int32Array(n * W + 1);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const xi = pos[3 * i], yi = pos[3 * i + 1], zi = dimensions === 3 ? pos[3 * i + 2] : 0;
    for (let t = hs[i]; t < hs[i + 1]; t++) {
      const j = hi[t];
      let dx, dy, dz;
      if (hv) { dx = hv[3 * t]; dy = hv[3 * t + 1]; dz = hv[3 * t + 2]; } else {
        dx = pos[3 * j] - xi; dy = pos[3 * j + 1] - yi; dz = dimensions === 3 ? pos[3 * j + 2] - zi : 0;
      }
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (d <= threshold) {
        const b = Math.min(B - 1, Math.floor(d * scale));
        rows[i * W + b + 1]++; rows[j * W + b + 1]++;
        edges++;
      }
    }
  }
  for (let s = 0; s < n * W; s++) rows[s + 1] += rows[s];
  const cursor = rows.slice(0, n * W);
  const adj = new Int32Array(2 * edges), len = new Float64Array(2 * edges);
  for (let i = 0; i < n; i++) {
    const xi = pos[3 * i], yi = pos[3 * i + 1], zi = dimensions === 3 ? pos[3 * i + 2] : 0;
    for (let t = hs[i]; t < hs[i + 1]; t++) {
      const j = hi[t];
      let dx, dy, dz;
      if (hv) { dx = hv[3 * t]; dy = hv[3 * t + 1]; dz = hv[3 * t + 2]; } else {
        dx = pos[3 * j] - xi; dy = pos[3 * j + 1] - yi; dz = dimensions === 3 ? pos[3 * j + 2] - zi : 0;
      }
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz); // as in the first pass, operation for operation
      if (!(d <= threshold)) continue;
      const b = Math.min(B - 1, Math.floor(d * scale));
      let p = cursor[i * W + b]++;
      adj[p] = j; len[p] = d;
      p = cursor[j * W + b]++;
      adj[p] = i; len[p] = d;
    }
  }
  return { n, threshold, edges, ids, vertexOf, rows, adj, len };
}

export interface RipsH1Stats {
  /** Edges settled as apparent (zero-persistence) pairs without a column. */
  apparent: number;
  /** Edges with an empty lens (H0 deaths plus the columns reduced). */
  emptyLens: number;
  /** Columns reduced (empty-lens edges that are not H0 deaths). */
  columns: number;
  /** Column additions during the reduction (reduced columns and apparent coboundaries). */
  additions: number;
  /** Times a truncated column became zero and was rebuilt with a larger tau. */
  restarts: number;
  /** Triangles pushed onto the working coboundary. */
  pushed: number;
  /** Largest number of entries the working coboundary held. */
  maxHeap: number;
}

export interface RipsH1Result {
  readonly n: number;
  readonly threshold: number;
  /** Edges in the complex at the threshold. */
  readonly edges: number;
  /** Connected components at the threshold (beta_0). */
  readonly components: number;
  /** H1 intervals of positive length [birth, death), sorted by birth then death; death = Infinity: alive at the threshold. */
  readonly births: Float64Array;
  readonly deaths: Float64Array;
  /** H1 pairs of zero length (death == birth), apparent or not. */
  readonly zeroLength: number;
  readonly stats: RipsH1Stats;
}

/** Colexicographic index of the edge {a, b}. */
function colex(a: number, b: number): number {
  return a < b ? b * (b - 1) / 2 + a : a * (a - 1) / 2 + b;
}

/** Diameter buckets of the working coboundary, used once it holds more than QUEUE_SWITCH entries. */
const QUEUE_BUCKETS = 4096;
const QUEUE_SWITCH = 8192;

/**
 * The working coboundary: triangles keyed (diameter ascending, key descending), key = colex(last edge) * n + third
 * vertex (input indices); equal entries cancel in pairs (Z/2), lazily, when the pivot is read. During one column's
 * reduction the pivot only moves forward and every entry pushed is at or after it, except pairs that cancel each other,
 * so a large column becomes a monotone bucket queue: the diameter range [lo, hi] of the column is cut into buckets,
 * entries of buckets beyond the current one are appended unsorted, and only the current bucket is a binary heap (an
 * essential column of a periodic box holds up to ~10^6 entries, mostly far ahead of the pivot). Small columns (all of
 * them in a dense non-periodic packing) stay one binary heap.
 */
class TriangleQueue {
  private hd = new Float64Array(1024);
  private hk = new Float64Array(1024);
  private size = 0;
  private readonly bucketD: Float64Array[] = [];
  private readonly bucketK: Float64Array[] = [];
  private readonly bucketLen = new Int32Array(QUEUE_BUCKETS);
  private readonly touched: number[] = [];
  /** The current bucket; QUEUE_BUCKETS while the column is a plain heap. */
  private cur = QUEUE_BUCKETS;
  private lo = 0;
  private scale = 0;
  private total = 0;
  max = 0;
  pivotD = 0;
  pivotK = 0;

  /** Empty the queue for a column whose entries have diameters in [lo, hi]. */
  reset(lo: number, hi: number): void {
    this.size = 0;
    for (const b of this.touched) this.bucketLen[b] = 0;
    this.touched.length = 0;
    this.cur = QUEUE_BUCKETS;
    this.lo = lo;
    this.scale = hi > lo ? QUEUE_BUCKETS / (hi - lo) : 0;
    this.total = 0;
  }

  push(d: number, k: number): void {
    if (++this.total > this.max) this.max = this.total;
    if (this.cur === QUEUE_BUCKETS) {
      this.heapPush(d, k);
      if (this.size > QUEUE_SWITCH && this.scale > 0) this.toBuckets();
      return;
    }
    const b = Math.min(QUEUE_BUCKETS - 1, Math.floor((d - this.lo) * this.scale));
    if (b <= this.cur) this.heapPush(d, k); else this.append(b, d, k);
  }

  /** Switch a large heap to buckets: the heap keeps the entries of the bucket of its first entry, the rest move out. */
  private toBuckets(): void {
    const n = this.size, hd = this.hd, hk = this.hk;
    this.cur = Math.min(QUEUE_BUCKETS - 1, Math.max(0, Math.floor((hd[0] - this.lo) * this.scale)));
    const d = hd.slice(0, n), k = hk.slice(0, n);
    this.size = 0;
    for (let t = 0; t < n; t++) {
      const b = Math.min(QUEUE_BUCKETS - 1, Math.floor((d[t] - this.lo) * this.scale));
      if (b <= this.cur) this.heapPush(d[t], k[t]); else this.append(b, d[t], k[t]);
    }
  }

  private append(q: number, d: number, k: number): void {
    let len = this.bucketLen[q];
    if (len === 0) {
      this.touched.push(q);
      if (this.bucketD[q] === undefined) { this.bucketD[q] = new Float64Array(64); this.bucketK[q] = new Float64Array(64); }
    }
    if (len === this.bucketD[q].length) {
      const nd = new Float64Array(2 * len), nk = new Float64Array(2 * len);
      nd.set(this.bucketD[q]); nk.set(this.bucketK[q]);
      this.bucketD[q] = nd; this.bucketK[q] = nk;
    }
    this.bucketD[q][len] = d; this.bucketK[q][len] = k;
    this.bucketLen[q] = ++len;
  }

  private heapPush(d: number, k: number): void {
    if (this.size === this.hd.length) {
      const nd = new Float64Array(2 * this.size), nk = new Float64Array(2 * this.size);
      nd.set(this.hd); nk.set(this.hk);
      this.hd = nd; this.hk = nk;
    }
    const hd = this.hd, hk = this.hk;
    let p = this.size++;
    while (p > 0) {
      const q = (p - 1) >> 1;
      const qd = hd[q];
      if (qd < d || (qd === d && hk[q] >= k)) break;
      hd[p] = qd; hk[p] = hk[q];
      p = q;
    }
    hd[p] = d; hk[p] = k;
  }

  /** Remove the heap's top entry. */
  private heapPop(): void {
    const hd = this.hd, hk = this.hk;
    const n = --this.size;
    this.total--;
    if (n === 0) return;
    const d = hd[n], k = hk[n];
    let p = 0;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= n) break;
      if (c + 1 < n) {
        const c2 = c + 1;
        if (hd[c2] < hd[c] || (hd[c2] === hd[c] && hk[c2] > hk[c])) c = c2;
      }
      if (d < hd[c] || (d === hd[c] && k >= hk[c])) break;
      hd[p] = hd[c]; hk[p] = hk[c];
      p = c;
    }
    hd[p] = d; hk[p] = k;
  }

  /** Move to the next non-empty bucket and heap its entries; false when there is none. */
  private advance(): boolean {
    if (this.cur === QUEUE_BUCKETS) return false;
    for (let b = this.cur + 1; b < QUEUE_BUCKETS; b++) {
      const len = this.bucketLen[b];
      if (len === 0) continue;
      this.cur = b;
      const bd = this.bucketD[b], bk = this.bucketK[b];
      for (let t = 0; t < len; t++) this.heapPush(bd[t], bk[t]);
      this.bucketLen[b] = 0;
      return true;
    }
    this.cur = QUEUE_BUCKETS - 1;
    return false;
  }

  /** The first entry of odd multiplicity into pivotD/pivotK (left in the queue); false when the column is zero. */
  pivot(): boolean {
    for (;;) {
      if (this.size === 0 && !this.advance()) return false;
      const d = this.hd[0], k = this.hk[0];
      this.heapPop();
      if (this.size > 0 && this.hk[0] === k) { this.heapPop(); continue; }
      this.total++;
      this.heapPush(d, k);
      this.pivotD = d; this.pivotK = k;
      return true;
    }
  }
}

/** A chain of edges (a, b, length triples) growing during one column's reduction. */
class EdgeChain {
  v = new Float64Array(96);
  size = 0;
  clear(): void { this.size = 0; }
  add(a: number, b: number, d: number): void {
    if (this.size + 3 > this.v.length) { const g = new Float64Array(2 * this.v.length); g.set(this.v); this.v = g; }
    this.v[this.size++] = a; this.v[this.size++] = b; this.v[this.size++] = d;
  }
  /** The edges of odd multiplicity (Z/2), as a compact array of triples. */
  reduced(): Float64Array {
    const m = this.size / 3, v = this.v;
    const idx = new Int32Array(m);
    const key = new Float64Array(m);
    for (let t = 0; t < m; t++) { idx[t] = t; key[t] = colex(v[3 * t], v[3 * t + 1]); }
    idx.sort((p, q) => key[p] - key[q]);
    const out: number[] = [];
    for (let s = 0; s < m;) {
      let u = s;
      while (u < m && key[idx[u]] === key[idx[s]]) u++;
      if ((u - s) & 1) { const t = idx[s]; out.push(v[3 * t], v[3 * t + 1], v[3 * t + 2]); }
      s = u;
    }
    return Float64Array.from(out);
  }
}

/** Edges with an empty lens (candidates for H0 deaths and H1 columns), in the order the scan met them. */
interface Candidates { a: Int32Array; b: Int32Array; d: Float64Array; count: number; apparent: number }

/**
 * Every edge {i < j}: apparent (some vertex k has both edges to i and j before {i, j}) or a candidate. Row i is stamped
 * (mark/pos), then the lens of each {i, j} is searched in j's row, nearest first, up to d(i, j).
 */
function scanLenses(graph: RipsGraph, mark: Int32Array, pos: Int32Array, firstStamp: number): Candidates {
  const { n, rows, adj, len, threshold, ids } = graph;
  const B = BUCKETS, W = B + 1, scale = B / threshold;
  let ca = new Int32Array(Math.max(16, n)), cb = new Int32Array(Math.max(16, n)), cd = new Float64Array(Math.max(16, n));
  let count = 0, apparent = 0;
  for (let i = 0; i < n; i++) {
    const r0 = rows[i * W], r1 = rows[i * W + B];
    const m = firstStamp + i;
    for (let t = r0; t < r1; t++) { const k = adj[t]; mark[k] = m; pos[k] = t; }
    for (let t = r0; t < r1; t++) {
      const j = adj[t];
      if (j < i) continue;
      const L = len[t];
      let found = false;
      const u1 = rows[j * W + Math.min(B - 1, Math.floor(L * scale)) + 1];
      for (let u = rows[j * W]; u < u1; u++) {
        const djk = len[u];
        if (djk > L) continue;
        const k = adj[u];
        if (mark[k] !== m) continue;
        const dik = len[pos[k]];
        if (dik > L) continue;
        if (djk === L || dik === L) {
          // Equal lengths: the earlier edge has the larger colexicographic index.
          const ce = colex(ids[i], ids[j]);
          if (djk === L && !(colex(ids[j], ids[k]) > ce)) continue;
          if (dik === L && !(colex(ids[i], ids[k]) > ce)) continue;
        }
        found = true;
        break;
      }
      if (found) { apparent++; continue; }
      if (count === ca.length) {
        const g = 2 * count;
        const na = new Int32Array(g), nb = new Int32Array(g), nd = new Float64Array(g);
        na.set(ca); nb.set(cb); nd.set(cd);
        ca = na; cb = nb; cd = nd;
      }
      ca[count] = i; cb[count] = j; cd[count] = L; count++;
    }
  }
  return { a: ca, b: cb, d: cd, count, apparent };
}

/** The column reduction of step 3: implicit, truncated coboundaries, the pivot table and the reduced chains. */
class Reducer {
  readonly heap = new TriangleQueue();
  /** Triangle key -> slot of the reduced column that has it as pivot. */
  readonly pivotOf = new Map<number, number>();
  /** Per slot: the edges (a, b, d triples) whose coboundaries sum to the reduced column. */
  readonly chains: Float64Array[] = [];
  pushed = 0;
  private stamp: number;
  private readonly n: number;
  private readonly ids: Int32Array;
  private readonly vertexOf: Int32Array;
  private readonly rows: Int32Array;
  private readonly adj: Int32Array;
  private readonly len: Float64Array;
  private readonly scale: number;

  constructor(graph: RipsGraph, private readonly mark: Int32Array, private readonly pos: Int32Array, firstStamp: number) {
    this.n = graph.n; this.ids = graph.ids; this.vertexOf = graph.vertexOf; this.rows = graph.rows; this.adj = graph.adj; this.len = graph.len;
    this.scale = BUCKETS / graph.threshold;
    this.stamp = firstStamp;
  }

  private nextStamp(): number {
    if (this.stamp >= 0x7ffffffe) { this.mark.fill(-1); this.stamp = 0; }
    return ++this.stamp;
  }

  /** Stamp the neighbours of a within distance tau (mark/pos); returns the stamp. */
  private stampRow(a: number, tau: number): number {
    const { rows, adj, len, mark, pos } = this;
    const W = BUCKETS + 1;
    const m = this.nextStamp();
    for (let t = rows[a * W], t1 = rows[a * W + Math.min(BUCKETS - 1, Math.floor(tau * this.scale)) + 1]; t < t1; t++) {
      if (len[t] <= tau) { const k = adj[t]; mark[k] = m; pos[k] = t; }
    }
    return m;
  }

  /** The cofacets of {a, b} (length dab) with diameter <= tau, pushed onto the heap (keys in input indices). */
  pushCoboundary(a: number, b: number, dab: number, tau: number): void {
    const m = this.stampRow(a, tau);
    const { rows, adj, len, mark, pos, heap, n, ids } = this;
    const W = BUCKETS + 1;
    const ia = ids[a], ib = ids[b];
    const cab = colex(ia, ib);
    let pushed = 0;
    for (let u = rows[b * W], u1 = rows[b * W + Math.min(BUCKETS - 1, Math.floor(tau * this.scale)) + 1]; u < u1; u++) {
      const dbk = len[u];
      if (dbk > tau) continue;
      const k = adj[u];
      if (mark[k] !== m) continue;
      const dak = len[pos[k]];
      // The triangle's last edge: the longest, equal lengths going to the smaller colexicographic index.
      const ik = ids[k];
      let md = dab, mc = cab, opp = ik;
      if (dak >= md) {
        const c = colex(ia, ik);
        if (dak > md || c < mc) { md = dak; mc = c; opp = ib; }
      }
      if (dbk >= md) {
        const c = colex(ib, ik);
        if (dbk > md || c < mc) { md = dbk; mc = c; opp = ia; }
      }
      heap.push(md, mc * n + opp);
      pushed++;
    }
    this.pushed += pushed;
  }

  /**
   * The edge {a, b} (vertices, as a * n + b) forming an apparent pair with the triangle (key, diameter D), or -1: the
   * triangle's last edge when its third vertex is that edge's lens vertex of largest input index.
   */
  apparentFacet(key: number, D: number): number {
    const n = this.n;
    const c = Math.floor(key / n), k = key - c * n;
    // Decode the colexicographic index c = B (B - 1) / 2 + A of the edge (input indices A < B).
    let B = Math.floor((1 + Math.sqrt(1 + 8 * c)) / 2);
    while (B * (B - 1) / 2 > c) B--;
    while ((B + 1) * B / 2 <= c) B++;
    const A = c - B * (B - 1) / 2;
    const a = this.vertexOf[A], b = this.vertexOf[B];
    const m = this.stampRow(a, D);
    const { rows, adj, len, mark, pos, ids } = this;
    const W = BUCKETS + 1;
    for (let u = rows[b * W], u1 = rows[b * W + Math.min(BUCKETS - 1, Math.floor(D * this.scale)) + 1]; u < u1; u++) {
      const dbk = len[u];
      if (dbk > D) continue;
      const v = adj[u], iv = ids[v];
      if (iv <= k || mark[v] !== m) continue;
      const dak = len[pos[v]];
      if (dak === D && !(colex(A, iv) > c)) continue;
      if (dbk === D && !(colex(B, iv) > c)) continue;
      return -1; // a lens vertex above k: the triangle is not the edge's first cofacet
    }
    return a * n + b;
  }
}

/**
 * Persistent H1 (and beta_0) of the Rips filtration of `graph` (see the header for the order, the reduction and the
 * coefficients).
 */
export function ripsH1(graph: RipsGraph): RipsH1Result {
  const { n, threshold } = graph;
  // Stamps: mark[k] === stamp means k was seen in the row stamped last, at position pos[k].
  const mark = new Int32Array(n).fill(-1), pos = new Int32Array(n);

  // 1. Every edge: apparent, or a candidate (H0 death or H1 column).
  const cand = scanLenses(graph, mark, pos, 0);
  const nc = cand.count, candA = cand.a, candB = cand.b, candD = cand.d;
  const stats: RipsH1Stats = { apparent: cand.apparent, emptyLens: nc, columns: 0, additions: 0, restarts: 0, pushed: 0, maxHeap: 0 };

  // 2. Filtration order of the candidates (length, then colexicographic index decreasing), and H0 by union-find.
  const order = new Int32Array(nc);
  for (let q = 0; q < nc; q++) order[q] = q;
  const cx = new Float64Array(nc);
  const ids = graph.ids;
  for (let q = 0; q < nc; q++) cx[q] = colex(ids[candA[q]], ids[candB[q]]);
  order.sort((p, q) => (candD[p] - candD[q]) || (cx[q] - cx[p]));
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
  };
  const isColumn = new Uint8Array(nc);
  let merges = 0;
  for (let s = 0; s < nc; s++) {
    const q = order[s];
    const ra = find(candA[q]), rb = find(candB[q]);
    if (ra !== rb) { parent[ra] = rb; merges++; } else isColumn[q] = 1;
  }
  const components = n - merges;

  // 3. Reduce the columns in reverse filtration order.
  const red = new Reducer(graph, mark, pos, n);
  const heap = red.heap, pivotOf = red.pivotOf, chains = red.chains;
  const work = new EdgeChain();
  const births: number[] = [], deaths: number[] = [];
  let zeroLength = cand.apparent;
  for (let s = nc - 1; s >= 0; s--) {
    const q = order[s];
    if (!isColumn[q]) continue;
    stats.columns++;
    const a0 = candA[q], b0 = candB[q], d0 = candD[q];
    let tau = Math.min(threshold, 2 * d0);
    heap.reset(d0, tau);
    work.clear();
    work.add(a0, b0, d0);
    red.pushCoboundary(a0, b0, d0, tau);
    for (;;) {
      if (!heap.pivot()) {
        if (tau < threshold) {
          // Zero up to tau: the pivot, if any, lies beyond; rebuild the column from its chain with a larger tau.
          tau = Math.min(threshold, 2 * tau);
          stats.restarts++;
          heap.reset(d0, tau);
          const ch = work.reduced();
          work.clear();
          for (let t = 0; t < ch.length; t += 3) {
            work.add(ch[t], ch[t + 1], ch[t + 2]);
            red.pushCoboundary(ch[t], ch[t + 1], ch[t + 2], tau);
          }
          continue;
        }
        births.push(d0); deaths.push(Infinity);
        break;
      }
      const key = heap.pivotK;
      const slot = pivotOf.get(key);
      if (slot !== undefined) {
        const ch = chains[slot];
        for (let t = 0; t < ch.length; t += 3) {
          work.add(ch[t], ch[t + 1], ch[t + 2]);
          red.pushCoboundary(ch[t], ch[t + 1], ch[t + 2], tau);
        }
        stats.additions++;
        continue;
      }
      const f = red.apparentFacet(key, heap.pivotD);
      if (f >= 0) {
        const a = Math.floor(f / n), b = f - a * n;
        work.add(a, b, heap.pivotD);
        red.pushCoboundary(a, b, heap.pivotD, tau);
        stats.additions++;
        continue;
      }
      pivotOf.set(key, chains.length);
      chains.push(work.reduced());
      if (heap.pivotD > d0) { births.push(d0); deaths.push(heap.pivotD); } else zeroLength++;
      break;
    }
  }
  stats.maxHeap = heap.max;
  stats.pushed = red.pushed;

  const idx = births.map((_, t) => t).sort((p, q) => (births[p] - births[q]) || (deaths[p] < deaths[q] ? -1 : deaths[p] > deaths[q] ? 1 : 0));
  return {
    n, threshold, edges: graph.edges, components,
    births: Float64Array.from(idx, (t) => births[t]),
    deaths: Float64Array.from(idx, (t) => deaths[t]),
    zeroLength,
    stats,
  };
}
