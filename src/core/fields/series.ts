// The one registry of per-frame series, and the computation of a series over a whole trajectory: computed once,
// stored in the index, extended incrementally when frames are appended (a simulation still writing). Every entry is
// the plain description of src/shared/fields.ts plus its computation over a range of frames; a family (the stress
// components, the readings of beta_1) is computed in one pass and stored together. Long computations are stored in
// chunks of a few seconds, so that a cancelled or killed computation keeps what it did and resumes from there.
// Series measured on inherent structures (`frames: 'inherent'`) run on the trajectory that holds them (inherent.ts)
// and are stored with it: a run and its FILE.is.EXT share one computation.
import { paramsHash } from '../index/index-db.js';
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import { frameDiameters } from '../io/frame-util.js';
import type { Frame } from '../io/types.js';
import { betti1 } from '../analysis/betti.js';
import { meanSquareDisplacement, msdSeries } from '../analysis/msd.js';
import { virialStress } from '../analysis/stress.js';
import { vibrationalModes } from '../analysis/hessian.js';
import { pairNeighborList, potentialByName, totalEnergy, type PotentialName } from '../potentials.js';
import {
  SERIES, SERIES_PARAMS, checkParams, withDefaults, CLI_NAMER,
  type ParamInfo, type ParamNamer, type ParamValue, type SeriesInfo, type SeriesName,
} from '#shared/fields.js';
import { existsSync } from 'node:fs';
import type { TrajectoryFrames } from './frames.js';
import { inherentFrames, inherentSourceOf } from './inherent.js';
import { JobCancelledError } from '../jobs/job.js';
import { fileStamp, frameSoftness, rearrangerParams, rearrangersOfPair } from './softness-support.js';

export interface SeriesComputation {
  source: TrajectoryFrames;
  /** Frames from..to-1 are to be computed. */
  from: number;
  to: number;
  params: Record<string, ParamValue | null>;
  /** Call once per frame before reading it: reports progress and throws when the work was cancelled. */
  step(frame: number): void;
}

/** Values of frames from..to-1 of the series asked for and of its family. */
export type SeriesValues = Partial<Record<SeriesName, Float64Array>>;

export interface SeriesSpec extends SeriesInfo {
  name: SeriesName;
  compute(c: SeriesComputation): SeriesValues;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Kinetic temperature from velocities (equal unit masses, d(N-1) degrees of freedom as LAMMPS counts them), or null. */
export function kineticTemperature(frame: Frame): number | null {
  const { vx, vy, vz } = frame.properties;
  if (!vx || !vy) return null;
  const d = frame.dimensions;
  let twoKe = 0;
  for (let i = 0; i < frame.n; i++) twoKe += vx[i] * vx[i] + vy[i] * vy[i] + (d === 3 && vz ? vz[i] * vz[i] : 0);
  const dof = d * (frame.n - 1);
  return dof > 0 ? twoKe / dof : null;
}

/** Particle sizes of a frame for a pair potential, from the diameters the file stores. */
function particleSizes(t: IndexedTrajectory, frame: Frame, potential: PotentialName): Float64Array {
  const d = frameDiameters(frame);
  if (!d) {
    fail(`${t.path}: frame ${frame.index} has no particle diameters (a diameter or radius column), which the ${potential} potential needs; `
      + 'give them once for this trajectory: --diameters FILE (rows "id diameter") or --type-diameters 1:1.0,2:1.4');
  }
  return potentialByName(potential).sizesFromDiameters(d);
}

/** MSD(f) of unwrapped positions from the reference frame (Jha & Sengupta Fig. 1a; oracle section C). Walking the frames in
 * order, it leaves unwrapping checkpoints in the index for later random access. */
function msdOf(removeCom: boolean) {
  return (c: SeriesComputation): SeriesValues => {
    const t = c.source.t;
    const ref = c.params.reference as number;
    if (ref >= t.frameCount) fail(`${t.path}: reference frame ${ref} does not exist (${t.frameCount} frames)`);
    const r = c.source.read(ref, { unwrapped: true });
    const result = msdSeries({
      reference: r.unwrapped!, referenceIds: r.ids, dimensions: r.dimensions, removeCom, startFrame: c.from, endFrame: c.to,
      frames: (f) => {
        c.step(f);
        const fr = c.source.read(f, { unwrapped: true });
        t.checkpointUnwrapped(fr);
        return { positions: fr.unwrapped!, ids: fr.ids };
      },
    });
    return { [removeCom ? 'msd_com' : 'msd']: result.values.slice(c.from, c.to) };
  };
}

function energyOf(c: SeriesComputation): SeriesValues {
  const t = c.source.t;
  const name = c.params.potential as PotentialName;
  const potential = potentialByName(name);
  const out = new Float64Array(c.to - c.from);
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    const frame = c.source.read(f);
    const sizes = particleSizes(t, frame, name);
    const neighbors = pairNeighborList(frame.positions, frame.box, sizes, potential, frame.dimensions);
    out[f - c.from] = totalEnergy(frame.positions, frame.box, sizes, potential, frame.dimensions, neighbors) / frame.n;
  }
  return { energy: out };
}

/** The finite-temperature virial stress, every component in one pass (Jha & Sengupta Eqs. 3-5; oracle section D). */
function stressOf(c: SeriesComputation): SeriesValues {
  const t = c.source.t;
  const name = c.params.potential as PotentialName;
  const potential = potentialByName(name);
  const count = c.to - c.from;
  const s = { xx: new Float64Array(count), yy: new Float64Array(count), xy: new Float64Array(count), vol: new Float64Array(count), norm: new Float64Array(count) };
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    const frame = c.source.read(f);
    const sizes = particleSizes(t, frame, name);
    const neighbors = pairNeighborList(frame.positions, frame.box, sizes, potential, frame.dimensions);
    const temperature = (c.params.temperature as number | null) ?? kineticTemperature(frame)
      ?? fail(`${t.path}: frame ${f} has no velocities to measure the temperature from; pass --temperature T`);
    const g = virialStress({ positions: frame.positions, box: frame.box, sizes, potential, temperature, perParticle: false, neighbors }).global;
    for (const k of ['xx', 'yy', 'xy', 'vol', 'norm'] as const) s[k][f - c.from] = g[k];
  }
  return { stress_xx: s.xx, stress_yy: s.yy, stress_xy: s.xy, stress_vol: s.vol, stress_norm: s.norm };
}

/** lambda_smallest of every frame: the mean of the m smallest positive Hessian eigenvalues (Jha & Sengupta Eq. 6). */
function lambdaMinOf(c: SeriesComputation): SeriesValues {
  const t = c.source.t;
  const name = c.params.potential as PotentialName;
  const potential = potentialByName(name);
  const count = (c.params.count as number | null) ?? 30;
  const out = new Float64Array(c.to - c.from);
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    const frame = c.source.read(f);
    const sizes = particleSizes(t, frame, name);
    const m = vibrationalModes({ positions: frame.positions, box: frame.box, sizes, potential, dimensions: frame.dimensions }, { count, vectors: false });
    out[f - c.from] = m.lambdaSmallest;
  }
  return { lambda_min: out };
}

/**
 * MSD between the inherent structures of consecutive frames, (1/N) sum_i |IS_i(f) - IS_i(f-1)|^2, 0 at frame 0: the
 * step of the IS MSD (Jha & Sengupta Eq. 12, reference moved to the previous frame). Measured on the IS trajectory.
 */
function isStepMsdOf(c: SeriesComputation): SeriesValues {
  const out = new Float64Array(c.to - c.from);
  let prev = c.from > 0 ? c.source.read(c.from - 1, { unwrapped: true }) : null;
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    const cur = c.source.read(f, { unwrapped: true });
    out[f - c.from] = prev === null ? 0 : meanSquareDisplacement({
      reference: prev.unwrapped!, referenceIds: prev.ids, current: cur.unwrapped!, currentIds: cur.ids, dimensions: cur.dimensions,
    }).msd;
    prev = cur;
  }
  return { is_step_msd: out };
}

/**
 * beta_1 of every frame (Jha & Sengupta App. B, Figs. 1f, S5: persistent H1 of the Vietoris-Rips filtration up to
 * alpha, analysis/betti.ts), its three readings in one pass: the paper's count, the classes alive at alpha, cycle edges.
 */
function bettiOf(c: SeriesComputation): SeriesValues {
  const count = c.to - c.from;
  const born = new Float64Array(count), alive = new Float64Array(count), cycles = new Float64Array(count);
  const alpha = c.params.alpha as number;
  const periodic = c.params.periodic === true;
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    const frame = c.source.read(f);
    const r = betti1(frame.positions, frame.box, { alpha, periodic, dimensions: frame.dimensions });
    born[f - c.from] = r.bornBelowAlpha;
    alive[f - c.from] = r.aliveAtAlpha;
    cycles[f - c.from] = r.cycleEdges;
  }
  return { betti1: born, betti1_alive: alive, betti1_cycles: cycles };
}

/** Mean machine-learned softness of every frame (Zhang, Ridout & Liu Sec. II C). */
function mlSoftnessMeanOf(c: SeriesComputation): SeriesValues {
  const out = new Float64Array(c.to - c.from);
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    const S = frameSoftness(c.source.read(f), c.params.model as string | null, 'ml_softness_mean', c.source.t.path);
    let sum = 0, n = 0;
    for (let i = 0; i < S.length; i++) if (Number.isFinite(S[i])) { sum += S[i]; n++; }
    out[f - c.from] = n > 0 ? sum / n : NaN;
  }
  return { ml_softness_mean: out };
}

/** Number of rearrangers between each frame and the previous one (NaN at frame 0; Zhang, Ridout & Liu Sec. II B). */
function rearrangersOf(c: SeriesComputation): SeriesValues {
  const p = rearrangerParams(c.params);
  const out = new Float64Array(c.to - c.from);
  for (let f = c.from; f < c.to; f++) {
    c.step(f);
    out[f - c.from] = f === 0 ? NaN : rearrangersOfPair(c.source.read(f - 1), c.source.read(f), p).count;
  }
  return { rearrangers: out };
}

const COMPUTE: { [K in SeriesName]: (c: SeriesComputation) => SeriesValues } = {
  msd: msdOf(false),
  msd_com: msdOf(true),
  energy: energyOf,
  stress_xx: stressOf,
  stress_yy: stressOf,
  stress_xy: stressOf,
  stress_vol: stressOf,
  stress_norm: stressOf,
  is_step_msd: isStepMsdOf,
  lambda_min: lambdaMinOf,
  betti1: bettiOf,
  betti1_alive: bettiOf,
  betti1_cycles: bettiOf,
  ml_softness_mean: mlSoftnessMeanOf,
  rearrangers: rearrangersOf,
};

/** Every series with its computation, by name. */
export const SERIES_REGISTRY = Object.fromEntries(
  (Object.keys(SERIES) as SeriesName[]).map((name) => [name, { ...SERIES[name], name, compute: COMPUTE[name] }]),
) as unknown as { [K in SeriesName]: SeriesSpec & { name: K } };

export interface SeriesRequest {
  name: SeriesName | string;
  params?: Record<string, unknown>;
}

export interface ResolvedSeries {
  name: SeriesName;
  spec: SeriesSpec;
  given: Record<string, ParamValue>;
  params: Record<string, ParamValue | null>;
  /** What the stored values depend on, and its hash. */
  key: Record<string, ParamValue | string>;
  hash: string;
}

/** Check a series request (parameters in the caller's words) and work out its stored key. */
export function resolveSeries(request: SeriesRequest, namer: ParamNamer = CLI_NAMER): ResolvedSeries {
  const name = request.name;
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(SERIES_REGISTRY, name)) {
    fail(`unknown series "${String(name)}": one of ${Object.keys(SERIES_REGISTRY).join(', ')}`);
  }
  const spec = SERIES_REGISTRY[name as SeriesName];
  const given = checkParams(name, SERIES_PARAMS, spec.params, request.params, namer);
  for (const k of spec.required) {
    if (given[k] === undefined) {
      const p = SERIES_PARAMS[k];
      fail(`series ${name} needs the ${p.help}: ${namer(k)} ${p.type === 'enum' ? p.values.join(' or ') : 'VALUE'}`);
    }
  }
  const params = withDefaults(SERIES_PARAMS, spec.params, given);
  const key: Record<string, ParamValue | string> = {};
  for (const [k, v] of Object.entries(params)) {
    // Where inherent structures come from is not part of the key: the values are stored with the trajectory measured.
    if (k === 'is' && spec.frames === 'inherent') continue;
    key[k] = v ?? (k === 'temperature' ? 'kinetic' : 'auto');
    // A file parameter (a softness model) keys the values with the file's size and time too: a retrained model is not stale.
    if ((SERIES_PARAMS as Record<string, ParamInfo>)[k].type === 'path' && typeof v === 'string' && existsSync(v)) key[k] = `${v}@${fileStamp(v)}`;
  }
  return { name: name as SeriesName, spec, given, params, key, hash: paramsHash(key) };
}

export interface SeriesResult {
  name: SeriesName;
  /** Timestep of every frame. */
  frames: Float64Array;
  values: Float64Array;
  /** Whether the values came from the index (true) or were computed now (false), and from which frame. */
  cached: boolean;
  computedFrom: number;
  /** The trajectory whose frames were measured: the trajectory itself, or its inherent structures. */
  measuredOn: string;
}

/** The stored values of a series when they cover every frame, else null (also when they live with the paired inherent structures). */
export function cachedSeries(t: IndexedTrajectory, r: ResolvedSeries): Float64Array | null {
  if (r.spec.frames === 'inherent' && inherentSourceOf(t.path, r.params.is as string | null).path !== t.path) return null;
  const rec = t.getSeries(r.name, r.hash);
  return rec && rec.frameCount >= t.frameCount ? rec.values.subarray(0, t.frameCount) : null;
}

/** Work between two stores of a long computation: what a cancel or a killed worker can lose. */
const CHUNK_MS = 2000;

export interface SeriesProgress {
  signal?: AbortSignal;
  progress?(done: number, total: number, message?: string): void;
}

/**
 * Compute (or extend) a series and store it, with every series of its family that is in step with it. `open` opens
 * another trajectory (the paired inherent structures) in the caller's set; series measured on the trajectory's own
 * frames do not need it.
 */
export function computeSeries(
  source: TrajectoryFrames, r: ResolvedSeries, ctx: SeriesProgress = {}, open?: (path: string) => TrajectoryFrames,
): SeriesResult {
  const timesteps = source.t.timesteps();
  const on = r.spec.frames === 'inherent' ? inherentFrames(source, r.params.is as string | null, r.name, open) : source;
  const t = on.t;
  const n = t.frameCount;
  const rec = t.getSeries(r.name, r.hash);
  if (rec && rec.frameCount >= n) return { name: r.name, frames: timesteps, values: rec.values.subarray(0, n), cached: true, computedFrom: n, measuredOn: t.path };
  const from = rec ? rec.frameCount : 0;
  if (n === 0) return { name: r.name, frames: timesteps, values: new Float64Array(0), cached: false, computedFrom: 0, measuredOn: t.path };
  let mine: Float64Array | null = null;
  // Chunks sized to about CHUNK_MS each (the first is one frame, to measure), each stored when done.
  let chunk = 1;
  for (let start = from; start < n;) {
    const end = Math.min(n, start + chunk);
    const t0 = performance.now();
    const computed = r.spec.compute({
      source: on, from: start, to: end, params: r.params,
      step: (f) => {
        if (ctx.signal?.aborted) throw new JobCancelledError(r.name);
        ctx.progress?.(f - from, n - from, `frame ${f}`);
      },
    });
    for (const [name, values] of Object.entries(computed) as [SeriesName, Float64Array][]) {
      const sibling = name === r.name ? r : resolveSeries({ name, params: r.given });
      // Members computed together stay in step; one with a different extent is recomputed alone when asked for.
      if (name !== r.name && (t.getSeries(name, sibling.hash)?.frameCount ?? 0) !== start) continue;
      const stored = t.putSeries(name, sibling.hash, sibling.key, values, start);
      if (name === r.name) mine = stored.values;
    }
    const ms = performance.now() - t0;
    chunk = Math.max(1, Math.min(n, Math.round(((end - start) * CHUNK_MS) / Math.max(ms, 1))));
    start = end;
  }
  ctx.progress?.(n - from, n - from);
  return {
    name: r.name, frames: timesteps, values: mine ?? fail(`series ${r.name}: its computation returned no values (a registry bug)`),
    cached: false, computedFrom: from, measuredOn: t.path,
  };
}
