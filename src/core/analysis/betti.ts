// The Betti number beta_1 of one configuration (Jha & Sengupta App. B, Figs. 1f and S5): persistent H1 of the
// Vietoris-Rips filtration of the positions; beta_1 = #{H1 classes born at d_1 <= alpha} (each counted once, even if it dies before alpha).
//
// Appendix B: "every loop that is born at a distance d_1 <= alpha [is] counted once, even if it subsequently dies at a
// distance d_2 < alpha", alpha = (sigma_max1 + sigma_max2) * 3.0, "approximately 8.19 <sigma>" (the default here),
// distances Euclidean between the particles' coordinates (the wrapped ones, no periodic images), GUDHI's Rips complex.
// Three readings are reported, as the oracle's section H distinguishes them (tests/fixtures/oracle/README.md):
//  - bornBelowAlpha (the paper's count, oracle `n_h1_birth_le_alpha`): H1 intervals of positive length
//    (death > birth strictly, as GUDHI keeps them) with birth <= alpha, including those still alive at alpha;
//  - aliveAtAlpha (`betti1_at_alpha`): the classes alive at alpha, i.e. beta_1 of the complex VR_alpha;
//  - cycleEdges (`n_h1_births_including_zero_length`): E - V + beta_0, every edge that closes a cycle, zero-length
//    pairs included; independent of how equal lengths are ordered.
// With a box and without `periodic`, the positions are first wrapped into the box (LAMMPS leaves some slightly outside
// between re-neighbourings; unwrapped input would be meaningless here). `periodic` uses minimum-image distances in the
// box instead (not the paper's choice; an option).
// The reduction (Ripser-style, Z/2 coefficients, Ripser's order of equal values) is in rips-h1.ts.
import type { Box } from '../box.js';
import { wrapPositions } from '../sim/system.js';
import { buildRipsGraph, ripsH1, type RipsH1Stats } from './rips-h1.js';

/** The paper's filtration threshold, (sigma_max1 + sigma_max2) * 3.0 ~ 8.19 <sigma> (App. B). */
export const PAPER_ALPHA = 8.19;

/**
 * Appendix B's rule for alpha, (sigma_max1 + sigma_max2) * 3.0 with the two largest diameters (8.19 <sigma> for the
 * paper's system; 7.40 for tests/fixtures/lammps-bench, 9.53 for the oracle's configurations).
 */
export function alphaFromDiameters(diameters: ArrayLike<number>): number {
  let a = -Infinity, b = -Infinity;
  for (let i = 0; i < diameters.length; i++) {
    const s = diameters[i];
    if (!Number.isFinite(s) || s <= 0) throw new RangeError(`alpha from diameters: diameter ${i} is ${s}; expected a positive number`);
    if (s > a) { b = a; a = s; } else if (s > b) b = s;
  }
  if (!(b > 0)) throw new RangeError(`alpha from diameters: needs at least two diameters (got ${diameters.length})`);
  return 3 * (a + b);
}

export interface Betti1Options {
  /** Filtration threshold: edges of length <= alpha (default 8.19, the paper's). */
  alpha?: number;
  /** Minimum-image distances in the box (default false: plain Euclidean between the coordinates, as the paper). */
  periodic?: boolean;
  /** 2 (default: z ignored) or 3. */
  dimensions?: 2 | 3;
  /** Wrap the positions into the box first (default true when a box is given; no effect with `periodic`). */
  wrap?: boolean;
}

export interface Betti1Result {
  readonly alpha: number;
  readonly periodic: boolean;
  /** Number of points (vertices). */
  readonly n: number;
  /** Edges of VR_alpha. */
  readonly edges: number;
  /** beta_0 of VR_alpha. */
  readonly components: number;
  /** The paper's beta_1: H1 intervals of positive length born at <= alpha. */
  readonly bornBelowAlpha: number;
  /** beta_1 of VR_alpha: the classes alive at alpha. */
  readonly aliveAtAlpha: number;
  /** E - V + beta_0: every cycle-creating edge, zero-length pairs included. */
  readonly cycleEdges: number;
  /** The intervals of positive length, sorted by birth then death; death Infinity = alive at alpha. */
  readonly births: Float64Array;
  readonly deaths: Float64Array;
  /** Work done by the reduction (for benchmarks and diagnostics). */
  readonly stats: RipsH1Stats;
}

/**
 * beta_1 of the Rips filtration of `positions` (n * 3 numbers) up to alpha. `box` may be null for a plain point cloud
 * (positions used as given); it is needed with `periodic`.
 */
export function betti1(positions: Float64Array, box: Box | null, options: Betti1Options = {}): Betti1Result {
  const alpha = options.alpha ?? PAPER_ALPHA;
  const periodic = options.periodic ?? false;
  const dimensions = options.dimensions ?? 2;
  let points = positions;
  if (box && !periodic && options.wrap !== false) {
    points = positions.slice();
    wrapPositions(points, new Int32Array(points.length), box, dimensions);
  }
  const graph = buildRipsGraph(points, box, { threshold: alpha, dimensions, periodic });
  const h = ripsH1(graph);
  let alive = 0;
  for (let t = 0; t < h.deaths.length; t++) if (h.deaths[t] === Infinity) alive++;
  return {
    alpha, periodic, n: h.n, edges: h.edges, components: h.components,
    bornBelowAlpha: h.births.length,
    aliveAtAlpha: alive,
    cycleEdges: h.edges - h.n + h.components,
    births: h.births, deaths: h.deaths,
    stats: h.stats,
  };
}

/** The intervals as JSON pairs [birth, death or null] (null: alive at alpha), as the CLI and the oracle write them. */
export function bettiPairs(result: Pick<Betti1Result, 'births' | 'deaths'>): [number, number | null][] {
  const out: [number, number | null][] = [];
  for (let t = 0; t < result.births.length; t++) {
    out.push([result.births[t], result.deaths[t] === Infinity ? null : result.deaths[t]]);
  }
  return out;
}
