// Rearrangers (Zhang, Ridout & Liu Sec. II B): particle k rearranges between two consecutive frames when its D2min
// (Eq. 2, neighbours within R_D = 2 in the earlier frame; d2min-strain.ts) exceeds its species' threshold d_soft
// (0.0025 for small, 0.0015 for large particles by default).
//  - Species rule (`binarySpecies`): with exactly two particle types, species 0 ("small") is the type of smaller mean
//    diameter (the smaller type id when diameters are absent or equal); otherwise, with diameters that differ, a particle
//    is small when its diameter is below the midpoint (d_min + d_max) / 2; otherwise every particle is species 0.
//  - The paper's filter for the near-field statistics (`classifyPair` `single`): the pair of frames holds exactly one
//    rearranger, and no particle farther than `quietRadius` (5) from it has D2min > quietFactor * d_soft of its
//    species. The paper writes 0.01; our default is DEFAULT_QUIET_FACTOR = 0.3 (why: at the declaration).
//  - A rearrangement starts at the pair where a particle is a rearranger and was not one in the previous pair of the same
//    segment (a segment is a run of consecutive frames, e.g. one avalanche; the first pair of a segment starts every
//    rearranger in it).
// Particles whose D2min is undefined (NaN: too few neighbours, singular fit) are never rearrangers and never break the
// quiet criterion.
import { minimumImage, type Box } from '../box.js';

/** d_soft for small and large particles (the paper's values). */
export const DEFAULT_D_SOFT: readonly [number, number] = [0.0025, 0.0015];
/**
 * The far particles' limit of the single-rearranger filter, as a fraction of d_soft. The paper's 0.01 (Sec. II B) passes
 * no frame pair of an N = 4000 `avw simulate aqs` run (frames 0.15 apart, 100 avalanches: 0 of the 113 pairs with one
 * rearranger): the typical far particle is quiet (median D2min ~ 5e-6 d_soft), but the largest of the ~3900 far ones
 * lies between 0.015 and 0.86 d_soft (median 0.16), with no gap that would separate an elastic background from a second
 * event. The criterion's stated purpose is "to exclude frames with multiple rearrangements", a rearrangement being
 * D2min > d_soft; 0.3 d_soft still rejects every pair where a far particle is within a factor ~3 of rearranging, and keeps
 * 90 of the 113 pairs (0.1 keeps 27). `quietFactor: 0.01` gives the paper's literal filter.
 */
export const DEFAULT_QUIET_FACTOR = 0.3;
/** R_D: the D2min neighbourhood radius. */
export const REARRANGER_CUTOFF = 2;

export interface SpeciesAssignment {
  /** 0 = small, 1 = large (or 0 for everyone when there is one species). */
  readonly species: Uint8Array;
  readonly nSpecies: 1 | 2;
  /** Which rule decided: 'type', 'diameter' or 'single'. */
  readonly rule: 'type' | 'diameter' | 'single';
}

/** Small (0) / large (1) species of n particles from their types and / or diameters (rule in the header). */
export function binarySpecies(n: number, types?: ArrayLike<number> | null, diameters?: ArrayLike<number> | null): SpeciesAssignment {
  if (types && types.length !== n) throw new RangeError(`binarySpecies: ${types.length} types for ${n} particles`);
  if (diameters && diameters.length !== n) throw new RangeError(`binarySpecies: ${diameters.length} diameters for ${n} particles`);
  const species = new Uint8Array(n);
  if (types && n > 0) {
    const distinct = new Set<number>();
    for (let i = 0; i < n && distinct.size <= 2; i++) distinct.add(types[i]);
    if (distinct.size === 2) {
      const [ta, tb] = [...distinct].sort((a, b) => a - b);
      let small = ta;
      if (diameters) {
        let sa = 0, na = 0, sb = 0, nb = 0;
        for (let i = 0; i < n; i++) {
          if (types[i] === ta) { sa += diameters[i]; na++; } else { sb += diameters[i]; nb++; }
        }
        if (sb / nb < sa / na) small = tb;
      }
      for (let i = 0; i < n; i++) species[i] = types[i] === small ? 0 : 1;
      return { species, nSpecies: 2, rule: 'type' };
    }
  }
  if (diameters && n > 0) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const d = diameters[i];
      if (!Number.isFinite(d)) throw new RangeError(`binarySpecies: diameter[${i}] is ${d}`);
      if (d < lo) lo = d;
      if (d > hi) hi = d;
    }
    if (hi > lo) {
      const mid = 0.5 * (lo + hi);
      for (let i = 0; i < n; i++) species[i] = diameters[i] < mid ? 0 : 1;
      return { species, nSpecies: 2, rule: 'diameter' };
    }
  }
  return { species, nSpecies: 1, rule: 'single' };
}

/** Threshold of each particle: thresholds[species[i]]. */
function thresholdOf(thresholds: ArrayLike<number>, s: number): number {
  const t = thresholds[s];
  if (t === undefined) throw new RangeError(`rearrangers: no threshold for species ${s} (${thresholds.length} given)`);
  return t;
}

/** 1 where d2min[i] > thresholds[species[i]] (NaN is never a rearranger). */
export function rearrangerFlags(d2min: ArrayLike<number>, species: ArrayLike<number>, thresholds: ArrayLike<number> = DEFAULT_D_SOFT): Uint8Array {
  const n = d2min.length;
  if (species.length !== n) throw new RangeError(`rearrangerFlags: ${species.length} species for ${n} D2min values`);
  for (let s = 0; s < thresholds.length; s++) {
    if (!(thresholds[s] > 0)) throw new RangeError(`rearrangerFlags: threshold ${s} is ${thresholds[s]}, expected a positive number`);
  }
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (d2min[i] > thresholdOf(thresholds, species[i])) flags[i] = 1;
  return flags;
}

export interface PairClassifyOptions {
  thresholds?: ArrayLike<number>;
  /** Distance beyond which no other particle may move (default 5). */
  quietRadius?: number;
  /** The far particles' limit as a fraction of their d_soft (default DEFAULT_QUIET_FACTOR, 0.3). */
  quietFactor?: number;
  dimensions?: 2 | 3;
}

export interface PairClassification {
  readonly flags: Uint8Array;
  readonly count: number;
  /** The rearranger when there is exactly one, else -1. */
  readonly rearranger: number;
  /** Exactly one rearranger and nothing else moving beyond quietRadius (the paper's near-field filter). */
  readonly single: boolean;
  /** Particles beyond quietRadius with D2min above quietFactor * d_soft (when there is one rearranger; else 0). */
  readonly farMovers: number;
}

/**
 * Rearrangers of one pair of consecutive frames from its D2min (reference = the earlier frame, whose positions and box
 * decide the distances of the quiet criterion).
 */
export function classifyPair(
  d2min: ArrayLike<number>, species: ArrayLike<number>, positions: Float64Array, box: Box, options: PairClassifyOptions = {},
): PairClassification {
  const thresholds = options.thresholds ?? DEFAULT_D_SOFT;
  const quietR = options.quietRadius ?? 5, factor = options.quietFactor ?? DEFAULT_QUIET_FACTOR;
  const flags = rearrangerFlags(d2min, species, thresholds);
  const n = flags.length;
  if (positions.length !== 3 * n) throw new RangeError(`classifyPair: ${positions.length / 3} positions for ${n} particles`);
  let count = 0, last = -1;
  for (let i = 0; i < n; i++) if (flags[i]) { count++; last = i; }
  if (count !== 1) return { flags, count, rearranger: -1, single: false, farMovers: 0 };
  const r2 = quietR * quietR;
  const sep = new Float64Array(3);
  const x0 = positions[3 * last], y0 = positions[3 * last + 1], z0 = positions[3 * last + 2];
  const three = options.dimensions === 3;
  let far = 0;
  for (let i = 0; i < n; i++) {
    if (i === last || !(d2min[i] > factor * thresholdOf(thresholds, species[i]))) continue;
    sep[0] = positions[3 * i] - x0; sep[1] = positions[3 * i + 1] - y0; sep[2] = three ? positions[3 * i + 2] - z0 : 0;
    minimumImage(box, sep, 0);
    if (sep[0] * sep[0] + sep[1] * sep[1] + sep[2] * sep[2] > r2) far++;
  }
  return { flags, count, rearranger: last, single: far === 0, farMovers: far };
}

export interface RearrangementStarts {
  /** Particle and pair index of each start, ordered by pair then particle. */
  readonly particle: Int32Array;
  readonly pair: Int32Array;
}

/**
 * Starts of rearrangements over a sequence of pairs: flags[p] (one Uint8Array per pair), segmentStart[p] = 1 when pair p
 * begins a new run of consecutive frames (default: only pair 0).
 */
export function rearrangementStarts(flags: readonly Uint8Array[], segmentStart?: ArrayLike<number>): RearrangementStarts {
  if (segmentStart && segmentStart.length !== flags.length) throw new RangeError(`rearrangementStarts: ${segmentStart.length} segment marks for ${flags.length} pairs`);
  const part: number[] = [], pr: number[] = [];
  for (let p = 0; p < flags.length; p++) {
    const f = flags[p];
    const fresh = p === 0 || (segmentStart ? segmentStart[p] === 1 : false);
    const prev = fresh ? null : flags[p - 1];
    if (prev && prev.length !== f.length) throw new RangeError(`rearrangementStarts: pair ${p} has ${f.length} particles, pair ${p - 1} ${prev.length}`);
    for (let i = 0; i < f.length; i++) if (f[i] && (!prev || !prev[i])) { part.push(i); pr.push(p); }
  }
  return { particle: Int32Array.from(part), pair: Int32Array.from(pr) };
}
