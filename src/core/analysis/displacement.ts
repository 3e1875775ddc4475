// Displacement vectors and mobility (Jha & Sengupta Eqs. 10-12; oracle section C).
// u_i = r_i(f) - r_i(ref) from UNWRAPPED positions (no minimum image); m_i(f) = |r_i(f) - r_i(f-1)| with the reference
// updated every frame (Eqs. 10-11); IS displacement u_IS(j) = X_IS(j) - X_IS(0) on inherent-structure positions (Eq. 12).
// Particles are matched by id (matchById); a current particle absent from the reference is invalid (mask 0, values NaN).
import { matchById } from './reference.js';

export interface DisplacementFrame {
  /** Unwrapped positions n*3 (x, y, z interleaved). */
  positions: Float64Array;
  /** Particle ids, sorted ascending (omit when every frame lists the same particles in the same order). */
  ids?: Int32Array;
}

export interface DisplacementParams {
  /** Unwrapped reference positions (n_ref*3). */
  reference: Float64Array;
  /** Unwrapped current positions (n*3). */
  current: Float64Array;
  /** Give both id arrays or neither (then both frames hold the same particles in the same order). */
  referenceIds?: Int32Array;
  currentIds?: Int32Array;
  /** 2 (default: z ignored, vectors' z = 0) or 3. */
  dimensions?: 2 | 3;
}

export interface DisplacementResult {
  /** u_i = r_i - r_i(ref), 3 per current particle (z = 0 in 2D); NaN where invalid. */
  readonly vectors: Float64Array;
  /** |u_i|; NaN where invalid. */
  readonly magnitude: Float64Array;
  /** Per current particle: 1 when found in the reference. */
  readonly valid: Uint8Array;
  readonly invalidCount: number;
}

function referenceIndex(p: DisplacementParams, who: string): Int32Array | null {
  const refLen = p.reference.length / 3, curLen = p.current.length / 3;
  const a = p.referenceIds, b = p.currentIds;
  if (a && b) {
    if (a.length !== refLen || b.length !== curLen) throw new RangeError(`${who}: ids and positions differ in length`);
    const m = matchById(a, b);
    return m.identical ? null : m.refIndex;
  }
  if (a || b) throw new RangeError(`${who}: give the ids of both frames or of neither`);
  if (refLen !== curLen) throw new RangeError(`${who}: frames of ${refLen} and ${curLen} particles without ids to match them`);
  return null;
}

function compute(p: DisplacementParams, who: string): DisplacementResult {
  const ref = p.reference, cur = p.current;
  const dims = p.dimensions ?? 2;
  const refIndex = referenceIndex(p, who);
  const n = cur.length / 3;
  const vectors = new Float64Array(3 * n);
  const magnitude = new Float64Array(n);
  const valid = new Uint8Array(n);
  let invalidCount = 0;
  for (let i = 0; i < n; i++) {
    const r = refIndex ? refIndex[i] : i;
    if (r < 0) {
      vectors[3 * i] = NaN; vectors[3 * i + 1] = NaN; vectors[3 * i + 2] = NaN;
      magnitude[i] = NaN;
      invalidCount++;
      continue;
    }
    valid[i] = 1;
    const ux = cur[3 * i] - ref[3 * r], uy = cur[3 * i + 1] - ref[3 * r + 1];
    const uz = dims === 3 ? cur[3 * i + 2] - ref[3 * r + 2] : 0;
    vectors[3 * i] = ux; vectors[3 * i + 1] = uy; vectors[3 * i + 2] = uz;
    magnitude[i] = Math.sqrt(ux * ux + uy * uy + uz * uz);
  }
  return { vectors, magnitude, valid, invalidCount };
}

/** Displacement from a fixed reference frame: u_i = r_i(f) - r_i(ref), |u_i| (unwrapped positions, no minimum image). */
export function displacement(params: DisplacementParams): DisplacementResult {
  return compute(params, 'displacement');
}

export interface MobilityParams {
  /** Unwrapped positions of frame f-1 (the reference, updated every frame: Eq. 11). */
  previous: Float64Array;
  /** Unwrapped positions of frame f. */
  current: Float64Array;
  previousIds?: Int32Array;
  currentIds?: Int32Array;
  dimensions?: 2 | 3;
}

/** Mobility m_i(f) = |r_i(f) - r_i(f-1)| (Eq. 10); `magnitude` is m, `vectors` the step. */
export function mobility(params: MobilityParams): DisplacementResult {
  return compute({
    reference: params.previous, current: params.current,
    referenceIds: params.previousIds, currentIds: params.currentIds, dimensions: params.dimensions,
  }, 'mobility');
}

/**
 * Mobility along a trajectory: for each frame f >= 1 of `frames` (in order), calls onFrame(f, m(f)) with the reference
 * updated every frame (Eqs. 10-11). Frame 0 has no mobility. Returns the number of frames read.
 */
export function mobilityOverFrames(
  frames: Iterable<DisplacementFrame>, onFrame: (frame: number, result: DisplacementResult) => void, dimensions: 2 | 3 = 2,
): number {
  let prev: DisplacementFrame | null = null;
  let f = 0;
  for (const frame of frames) {
    if (prev) {
      onFrame(f, mobility({
        previous: prev.positions, current: frame.positions, previousIds: prev.ids, currentIds: frame.ids, dimensions,
      }));
    }
    prev = frame; // x_{i,0} <- x_i (Eq. 11)
    f++;
  }
  return f;
}

export interface InherentStructureDisplacementParams {
  /** Positions of the first inherent structure IS(0) (the fixed reference), unwrapped. */
  is0: Float64Array;
  /** Positions of inherent structure IS(j), unwrapped consistently with IS(0). */
  isCurrent: Float64Array;
  is0Ids?: Int32Array;
  isCurrentIds?: Int32Array;
  dimensions?: 2 | 3;
}

/** u_IS(j) = X_IS(j) - X_IS(0) (Eq. 12): the displacement between energy minima, from the paired IS trajectory. */
export function inherentStructureDisplacement(params: InherentStructureDisplacementParams): DisplacementResult {
  return compute({
    reference: params.is0, current: params.isCurrent,
    referenceIds: params.is0Ids, currentIds: params.isCurrentIds, dimensions: params.dimensions,
  }, 'inherentStructureDisplacement');
}
