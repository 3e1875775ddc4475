// F_s(q, t) of one run as a per-frame series kept in its index (name "fs"): frame f measured from its time origin
// (analysis/self-intermediate.ts timeOrigins: the block origin on the papers' log-block schedules, else frame 0), so
// that the replicas' and blocks' values at equal lags average into F_s(q, t) per temperature (ensemble.ts).
import { paramsHash } from '../index/index-db.js';
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import { matchById } from '../analysis/reference.js';
import { selfIntermediateScattering, timeOrigins } from '../analysis/self-intermediate.js';
import type { JobContext } from '../jobs/job.js';

export const FS_SERIES = 'fs';
/** Default wave number: 2 pi over the unit particle diameter (the cage scale, near the first peak of S(q)). */
export const DEFAULT_Q = 2 * Math.PI;

export interface FsSeries {
  q: number;
  /** F_s of every frame from its time origin. */
  values: Float64Array;
  /** The time origin (frame) of every frame. */
  origins: Int32Array;
  /** The lag of every frame in timesteps: timestep(f) - timestep(origin(f)). */
  lags: Float64Array;
  cached: boolean;
}

/** Frames per block when the run's schedule is log-block with block origins (frame k*N_cfg at S = k*B), else null. */
export function blockLengthOf(t: IndexedTrajectory): number | null {
  const s = t.schedule;
  return s.kind === 'log-block' && s.zeroFrame ? s.N_cfg : null;
}

function keyOf(q: number, blockLength: number | null): { params: Record<string, unknown>; hash: string } {
  const params = { q, origins: blockLength === null ? 'frame0' : `block:${blockLength}` };
  return { params, hash: paramsHash(params) };
}

/** The F_s series of a run at wave number q (computed once, extended when frames were appended). */
export function fsSeries(t: IndexedTrajectory, q: number, ctx?: JobContext): FsSeries {
  const n = t.frameCount;
  const blockLength = blockLengthOf(t);
  const origins = timeOrigins(n, blockLength);
  const timesteps = t.timesteps();
  const lags = Float64Array.from({ length: n }, (_v, f) => timesteps[f]! - timesteps[origins[f]!]!);
  const key = keyOf(q, blockLength);
  const cached = t.getSeries(FS_SERIES, key.hash);
  if (cached && cached.frameCount >= n) return { q, values: cached.values.subarray(0, n), origins, lags, cached: true };
  const from = cached ? cached.frameCount : 0;
  const values = new Float64Array(n - from);
  const refs = new Map<number, { positions: Float64Array; ids: Int32Array }>();
  const dims = t.dimensions;
  for (let f = from; f < n; f++) {
    if (ctx?.signal.aborted) throw new Error('cancelled');
    ctx?.progress(f - from, n - from, `F_s frame ${f}`);
    const o = origins[f]!;
    let ref = refs.get(o);
    if (!ref) {
      const r = t.readFrame(o, { unwrapped: true });
      ref = { positions: r.unwrapped!, ids: r.ids };
      // Keep frame 0 (the origin of block origins) and the current block's origin.
      for (const k of refs.keys()) if (k !== 0) refs.delete(k);
      refs.set(o, ref);
    }
    const cur = t.readFrame(f, { unwrapped: true });
    const match = matchById(ref.ids, cur.ids);
    values[f - from] = selfIntermediateScattering({
      reference: ref.positions, current: cur.unwrapped!, q, dimensions: dims, refIndex: match.identical ? undefined : match.refIndex,
    }).value;
  }
  const stored = t.putSeries(FS_SERIES, key.hash, key.params, values, from);
  return { q, values: stored.values.subarray(0, n), origins, lags, cached: false };
}
