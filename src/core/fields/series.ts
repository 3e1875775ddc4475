// The one registry of per-frame series, and the computation of a series over a whole trajectory: computed once,
// stored in the index, extended incrementally when frames are appended (a simulation still writing). Every entry is
// the plain description of src/shared/fields.ts plus its computation over a range of frames; a family (the stress
// components) is computed in one pass and stored together.
import { existsSync, readFileSync } from 'node:fs';
import { paramsHash } from '../index/index-db.js';
import { openIndexed, type IndexedTrajectory } from '../index/indexed-trajectory.js';
import { frameDiameters } from '../io/frame-util.js';
import type { Frame } from '../io/types.js';
import { meanSquareDisplacement, msdSeries } from '../analysis/msd.js';
import { virialStress } from '../analysis/stress.js';
import { vibrationalModes } from '../analysis/hessian.js';
import { pairNeighborList, potentialByName, totalEnergy, type PotentialName } from '../potentials.js';
import {
  SERIES, SERIES_PARAMS, checkParams, withDefaults, CLI_NAMER,
  type ParamNamer, type ParamValue, type SeriesInfo, type SeriesName,
} from '#shared/fields.js';
import { TrajectoryFrames } from './frames.js';
import { defaultIsPath } from './registry.js';

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

/** Whether `path` is an inherent-structure trajectory written by `avw minimize` or `avw simulate --is` (its sidecar says so). */
export function isInherentStructureFile(path: string): boolean {
  try {
    const side = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { format?: unknown };
    return side.format === 'avalanche-workbench/inherent-structures';
  } catch {
    return false;
  }
}

/**
 * The paired inherent-structure trajectory of `path`, or null: the file itself when it is one, else run.is.EXT
 * (registry.ts, defaultIsPath) or run.is.gsd (what `avw minimize` and `avw simulate --is` write beside any input).
 */
export function pairedIsPath(path: string): string | null {
  if (isInherentStructureFile(path)) return path;
  const m = /^(.*?)(\.[^./]+)$/.exec(path);
  for (const p of [defaultIsPath(path), `${m ? m[1] : path}.is.gsd`]) if (p !== path && existsSync(p)) return p;
  return null;
}

/**
 * MSD between the inherent structures of consecutive frames, (1/N) sum_i |IS_i(f) - IS_i(f-1)|^2, 0 at frame 0 (the MSD
 * of Jha & Sengupta Fig. 1a with the vibrations minimised away, Eq. 12 with the reference moved to the previous frame).
 */
function isStepMsdOf(c: SeriesComputation): SeriesValues {
  const t = c.source.t;
  const isPath = (c.params.is as string | null) ?? pairedIsPath(t.path)
    ?? fail(`is_step_msd needs the paired inherent-structure trajectory: neither ${defaultIsPath(t.path)} nor a .is.gsd beside ${t.path} exists (pass its path with --is)`);
  if (!existsSync(isPath)) fail(`is_step_msd: ${isPath} does not exist (the paired inherent-structure trajectory)`);
  const own = isPath === t.path;
  const isT = own ? t : openIndexed(isPath, { db: t.db });
  try {
    if (isT.frameCount !== t.frameCount) fail(`${isPath} has ${isT.frameCount} frames but ${t.path} has ${t.frameCount}: they are not paired frame for frame`);
    const src = own ? c.source : new TrajectoryFrames(isT, 2);
    const steps = t.timesteps(), isSteps = isT.timesteps();
    const out = new Float64Array(c.to - c.from);
    let prev = c.from > 0 ? src.read(c.from - 1, { unwrapped: true }) : null;
    for (let f = c.from; f < c.to; f++) {
      c.step(f);
      if (isSteps[f] !== steps[f]) fail(`${isPath}: frame ${f} is step ${isSteps[f]} but frame ${f} of ${t.path} is step ${steps[f]}: not paired frame for frame`);
      const cur = src.read(f, { unwrapped: true });
      out[f - c.from] = prev === null ? 0 : meanSquareDisplacement({
        reference: prev.unwrapped!, referenceIds: prev.ids, current: cur.unwrapped!, currentIds: cur.ids, dimensions: cur.dimensions,
      }).msd;
      prev = cur;
    }
    return { is_step_msd: out };
  } finally {
    if (!own) isT.close();
  }
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
  for (const [k, v] of Object.entries(params)) key[k] = v ?? (k === 'temperature' ? 'kinetic' : 'auto');
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
}

/** The stored values of a series when they cover every frame, else null. */
export function cachedSeries(t: IndexedTrajectory, r: ResolvedSeries): Float64Array | null {
  const rec = t.getSeries(r.name, r.hash);
  return rec && rec.frameCount >= t.frameCount ? rec.values.subarray(0, t.frameCount) : null;
}

export interface SeriesProgress {
  signal?: AbortSignal;
  progress?(done: number, total: number, message?: string): void;
}

/** Compute (or extend) a series and store it, with every series of its family that is in step with it. */
export function computeSeries(source: TrajectoryFrames, r: ResolvedSeries, ctx: SeriesProgress = {}): SeriesResult {
  const t = source.t;
  const n = t.frameCount;
  const timesteps = t.timesteps();
  const rec = t.getSeries(r.name, r.hash);
  if (rec && rec.frameCount >= n) return { name: r.name, frames: timesteps, values: rec.values.subarray(0, n), cached: true, computedFrom: n };
  const from = rec ? rec.frameCount : 0;
  const computed = r.spec.compute({
    source, from, to: n, params: r.params,
    step: (f) => {
      if (ctx.signal?.aborted) throw new Error('cancelled');
      ctx.progress?.(f - from, n - from, `frame ${f}`);
    },
  });
  ctx.progress?.(n - from, n - from);
  let mine: Float64Array | null = null;
  for (const [name, values] of Object.entries(computed) as [SeriesName, Float64Array][]) {
    const sibling = name === r.name ? r : resolveSeries({ name, params: r.given });
    // Members computed together stay in step; one with a different extent is recomputed alone when asked for.
    if (name !== r.name && (t.getSeries(name, sibling.hash)?.frameCount ?? 0) !== from) continue;
    const stored = t.putSeries(name, sibling.hash, sibling.key, values, from);
    if (name === r.name) mine = stored.values;
  }
  return { name: r.name, frames: timesteps, values: mine ?? fail(`series ${r.name}: its computation returned no values (a registry bug)`), cached: false, computedFrom: from };
}
