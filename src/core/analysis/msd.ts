// Mean square displacement against a fixed reference frame (Jha & Sengupta Fig. 1a; oracle section C).
// MSD(f) = (1/N) sum_i |r_i(f) - r_i(ref)|^2 from UNWRAPPED positions, no centre-of-mass correction by default;
// COM-corrected variant: (1/N) sum_i |u_i - <u>|^2 with u_i = r_i(f) - r_i(ref) and <u> the mean displacement (equal masses).
// Particles are matched by id (matchById); a current particle absent from the reference is invalid and left out of the mean.
// Positions must be unwrapped (e.g. box.ts unwrapWithImages): no minimum image is applied, so crossings of the box count.
import { matchById } from './reference.js';

/** A frame of unwrapped positions (n*3 interleaved) with its ids (sorted ascending), or bare positions in reference order. */
export interface MsdFrame {
  positions: Float64Array;
  ids?: Int32Array;
}
export type MsdFrameInput = Float64Array | MsdFrame;

export interface MsdParams {
  /** Unwrapped reference positions (frame 0 or a chosen frame), n_ref*3. */
  reference: Float64Array;
  /** Unwrapped current positions, n*3. */
  current: Float64Array;
  /** Ids of the reference particles (sorted). Give both id arrays or neither (then both frames list the same particles in the same order). */
  referenceIds?: Int32Array;
  currentIds?: Int32Array;
  /** 2 (default: z ignored) or 3. */
  dimensions?: 2 | 3;
  /** Subtract the mean displacement (centre-of-mass drift, equal masses) before squaring (default false). */
  removeCom?: boolean;
}

export interface MsdResult {
  /** The MSD over valid particles (COM-corrected when removeCom); NaN only when no particle is valid (count = 0). */
  readonly msd: number;
  /** Whether `msd` has the COM displacement removed. */
  readonly comRemoved: boolean;
  /** Mean displacement <u> over valid particles (x, y, z; z = 0 in 2D). */
  readonly comDisplacement: Float64Array;
  /** Per current particle: 1 when found in the reference. */
  readonly valid: Uint8Array;
  readonly invalidCount: number;
  /** Number of particles in the mean. */
  readonly count: number;
}

function framePositions(f: MsdFrameInput): Float64Array {
  return f instanceof Float64Array ? f : f.positions;
}
function frameIds(f: MsdFrameInput): Int32Array | undefined {
  return f instanceof Float64Array ? undefined : f.ids;
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The reference index of each current particle, or null when the frames correspond one to one in order.
 * Throws when ids are missing on one side only, or when frames without ids differ in size.
 */
function correspondence(
  refLen: number, curLen: number, refIds: Int32Array | undefined, curIds: Int32Array | undefined, who: string,
): Int32Array | null {
  if (refIds && curIds) {
    if (refIds.length !== refLen || curIds.length !== curLen) throw new RangeError(`${who}: ids and positions differ in length`);
    if (sameIds(refIds, curIds)) return null;
    return matchById(refIds, curIds).refIndex;
  }
  if (refIds || curIds) throw new RangeError(`${who}: give the ids of both frames or of neither`);
  if (refLen !== curLen) throw new RangeError(`${who}: frames of ${refLen} and ${curLen} particles without ids to match them`);
  return null;
}

/**
 * The MSD kernel over n current particles. refIndex null = same order. Writes the mean displacement to com[0..2],
 * the count to com[3], and returns the MSD (raw or COM-corrected). `valid`, when given, receives the mask.
 */
function msdKernel(
  ref: Float64Array, cur: Float64Array, refIndex: Int32Array | null, dims: 2 | 3, removeCom: boolean,
  com: Float64Array, valid: Uint8Array | null,
): number {
  const n = cur.length / 3;
  let sx = 0, sy = 0, sz = 0, s2 = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const r = refIndex ? refIndex[i] : i;
    if (r < 0) continue;
    if (valid) valid[i] = 1;
    const ux = cur[3 * i] - ref[3 * r], uy = cur[3 * i + 1] - ref[3 * r + 1];
    const uz = dims === 3 ? cur[3 * i + 2] - ref[3 * r + 2] : 0;
    sx += ux; sy += uy; sz += uz;
    s2 += ux * ux + uy * uy + uz * uz;
    count++;
  }
  const mx = sx / count, my = sy / count, mz = sz / count;
  com[0] = count ? mx : 0; com[1] = count ? my : 0; com[2] = count ? mz : 0; com[3] = count;
  if (count === 0) return NaN;
  if (!removeCom) return s2 / count;
  // Second pass (not mean|u|^2 - |<u>|^2, which cancels badly under a large drift).
  let c2 = 0;
  for (let i = 0; i < n; i++) {
    const r = refIndex ? refIndex[i] : i;
    if (r < 0) continue;
    const ux = cur[3 * i] - ref[3 * r] - mx, uy = cur[3 * i + 1] - ref[3 * r + 1] - my;
    const uz = dims === 3 ? cur[3 * i + 2] - ref[3 * r + 2] - mz : 0;
    c2 += ux * ux + uy * uy + uz * uz;
  }
  return c2 / count;
}

/** MSD of one frame against the reference frame. */
export function meanSquareDisplacement(params: MsdParams): MsdResult {
  const { reference, current } = params;
  const dims = params.dimensions ?? 2;
  const removeCom = params.removeCom === true;
  const refIndex = correspondence(reference.length / 3, current.length / 3, params.referenceIds, params.currentIds, 'meanSquareDisplacement');
  const n = current.length / 3;
  const valid = new Uint8Array(n);
  const com = new Float64Array(4);
  const msd = msdKernel(reference, current, refIndex, dims, removeCom, com, valid);
  const count = com[3];
  return { msd, comRemoved: removeCom, comDisplacement: com.slice(0, 3), valid, invalidCount: n - count, count };
}

export interface MsdSeriesResult {
  /** MSD per frame, index = absolute frame number (frame of the reference gives 0). */
  readonly values: Float64Array;
  /** Per frame: current particles absent from the reference (left out of that frame's mean). */
  readonly invalidCounts: Int32Array;
}

export interface MsdSeriesParams {
  /** Unwrapped reference positions (frame 0 or a chosen frame) and their ids. */
  reference: Float64Array;
  referenceIds?: Int32Array;
  /**
   * The frames in order, starting at absolute frame `startFrame`: an iterable (array, generator) of unwrapped positions,
   * or a callback frame(f) giving frame f, or null past the last frame.
   */
  frames: Iterable<MsdFrameInput> | ((frame: number) => MsdFrameInput | null);
  /** A series computed before (same reference and options) to extend when frames are appended. */
  previous?: MsdSeriesResult;
  /** Absolute index of the first frame delivered by `frames` (default: previous.values.length, else 0). */
  startFrame?: number;
  /** With a callback: stop before this absolute frame (default: at the first null). */
  endFrame?: number;
  dimensions?: 2 | 3;
  removeCom?: boolean;
}

/**
 * MSD(f) for frames delivered one by one; with `previous`, the new values are appended after its values[0..startFrame).
 * Frames before startFrame that `previous` does not cover are NaN (with invalidCounts -1).
 */
export function msdSeries(params: MsdSeriesParams): MsdSeriesResult {
  const { reference, referenceIds, previous } = params;
  const dims = params.dimensions ?? 2;
  const removeCom = params.removeCom === true;
  const startFrame = params.startFrame ?? previous?.values.length ?? 0;
  if (!Number.isInteger(startFrame) || startFrame < 0) throw new RangeError(`msdSeries: bad startFrame ${startFrame}`);
  let values = new Float64Array(Math.max(16, 2 * startFrame));
  let invalid = new Int32Array(values.length);
  values.fill(NaN, 0, startFrame);
  invalid.fill(-1, 0, startFrame);
  if (previous) {
    const k = Math.min(startFrame, previous.values.length);
    values.set(previous.values.subarray(0, k));
    invalid.set(previous.invalidCounts.subarray(0, k));
  }
  const com = new Float64Array(4);
  let f = startFrame;
  let lastIds: Int32Array | undefined;
  let lastIndex: Int32Array | null = null;
  const push = (frame: MsdFrameInput): void => {
    const pos = framePositions(frame);
    const ids = frameIds(frame);
    let refIndex: Int32Array | null;
    if (ids && lastIds && sameIds(ids, lastIds)) refIndex = lastIndex; // same particles as the frame before: reuse the match
    else {
      refIndex = correspondence(reference.length / 3, pos.length / 3, referenceIds, ids, `msdSeries (frame ${f})`);
      lastIds = ids; lastIndex = refIndex;
    }
    if (f >= values.length) {
      const v = new Float64Array(2 * values.length); v.set(values); values = v;
      const c = new Int32Array(2 * invalid.length); c.set(invalid); invalid = c;
    }
    values[f] = msdKernel(reference, pos, refIndex, dims, removeCom, com, null);
    invalid[f] = pos.length / 3 - com[3];
    f++;
  };
  const src = params.frames;
  if (typeof src === 'function') {
    const end = params.endFrame ?? Infinity;
    while (f < end) {
      const frame = src(f);
      if (frame === null) break;
      push(frame);
    }
  } else {
    for (const frame of src) push(frame);
  }
  return { values: values.slice(0, f), invalidCounts: invalid.slice(0, f) };
}
