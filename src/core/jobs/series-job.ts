// Per-frame series over a whole trajectory (MSD, potential energy, virial stress), computed once, stored in
// the index and extended incrementally when frames are appended (a simulation still writing).
import { paramsHash } from '../index/index-db.js';
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import { frameDiameters } from '../io/frame-util.js';
import type { Frame } from '../io/types.js';
import { msdSeries } from '../analysis/msd.js';
import { virialStress } from '../analysis/stress.js';
import { pairNeighborList, potentialByName, totalEnergy, type PotentialName } from '../potentials.js';
import type { JobContext, JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export const SERIES_NAMES = ['msd', 'msd_com', 'energy', 'stress_xx', 'stress_yy', 'stress_xy', 'stress_vol', 'stress_norm'] as const;
export type SeriesName = (typeof SERIES_NAMES)[number];
const STRESS_KEYS = { stress_xx: 'xx', stress_yy: 'yy', stress_xy: 'xy', stress_vol: 'vol', stress_norm: 'norm' } as const;

export interface SeriesParams {
  path: string;
  indexDir?: string;
  name: SeriesName;
  /** MSD reference frame (default 0). */
  reference?: number;
  /** Pair potential for energy and stress. */
  potential?: PotentialName;
  /** Temperature of the ideal-gas term of the stress; default: the kinetic temperature of each frame's velocities. */
  temperature?: number;
}

export interface SeriesResult {
  name: SeriesName;
  frames: Float64Array;
  values: Float64Array;
  /** Whether the values came from the index (true) or were computed now (false), and from which frame. */
  cached: boolean;
  computedFrom: number;
}

function fail(message: string): never {
  throw new Error(message);
}

export function validateSeriesParams(raw: unknown): SeriesParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('series: "path" must be a file path');
  if (!SERIES_NAMES.includes(p.name as SeriesName)) fail(`series: "name" must be one of ${SERIES_NAMES.join(', ')}`);
  if (p.reference !== undefined && !(Number.isInteger(p.reference) && (p.reference as number) >= 0)) fail('series: "reference" must be a frame number');
  if (p.potential !== undefined && p.potential !== 'wca' && p.potential !== 'hertz') fail('series: "potential" must be wca or hertz');
  if (p.temperature !== undefined && !(typeof p.temperature === 'number' && p.temperature >= 0 && Number.isFinite(p.temperature))) fail('series: "temperature" must be a non-negative number');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('series: "indexDir" must be a directory');
  return {
    path: p.path as string, indexDir: p.indexDir as string | undefined, name: p.name as SeriesName,
    reference: p.reference as number | undefined, potential: p.potential as PotentialName | undefined, temperature: p.temperature as number | undefined,
  };
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

/** The stored key of a series: what it depends on, so nothing is computed twice. */
export function seriesKey(p: SeriesParams): { name: string; params: Record<string, unknown>; hash: string } {
  const base = p.name === 'msd' || p.name === 'msd_com' ? { reference: p.reference ?? 0 }
    : p.name === 'energy' ? { potential: p.potential }
      : { potential: p.potential, temperature: p.temperature ?? 'kinetic' };
  return { name: p.name, params: base, hash: paramsHash(base) };
}

function checkAbort(ctx: JobContext): void {
  if (ctx.signal.aborted) throw new Error('cancelled');
}

function particleSizes(t: IndexedTrajectory, frame: Frame, index: number, potential: PotentialName): Float64Array {
  const d = frameDiameters(frame);
  if (!d) fail(`${t.path}: frame ${index} has no particle diameters (a diameter or radius column), which the ${potential} potential needs`);
  return potentialByName(potential).sizesFromDiameters(d);
}

/** Compute (or extend) a series; stores every series the same pass yields (all stress components at once). */
export function computeSeries(t: IndexedTrajectory, p: SeriesParams, ctx: JobContext): SeriesResult {
  const key = seriesKey(p);
  const cached = t.getSeries(key.name, key.hash);
  const n = t.frameCount;
  const timesteps = t.timesteps();
  if (cached && cached.frameCount >= n) return { name: p.name, frames: timesteps, values: cached.values.subarray(0, n), cached: true, computedFrom: n };
  const from = cached ? cached.frameCount : 0;

  if (p.name === 'msd' || p.name === 'msd_com') {
    const ref = p.reference ?? 0;
    if (ref >= n) fail(`${t.path}: reference frame ${ref} does not exist (${n} frames)`);
    const r = t.readFrame(ref, { unwrapped: true });
    const result = msdSeries({
      reference: r.unwrapped!, referenceIds: r.ids, dimensions: r.dimensions, removeCom: p.name === 'msd_com',
      startFrame: from, endFrame: n,
      previous: cached ? { values: cached.values, invalidCounts: new Int32Array(cached.frameCount) } : undefined,
      frames: (f) => {
        checkAbort(ctx);
        ctx.progress(f - from, n - from, `frame ${f}`);
        const fr = t.readFrame(f, { unwrapped: true });
        return { positions: fr.unwrapped!, ids: fr.ids };
      },
    });
    const stored = t.putSeries(key.name, key.hash, key.params, result.values.slice(from, n), from);
    return { name: p.name, frames: timesteps, values: stored.values, cached: false, computedFrom: from };
  }

  const potentialName = p.potential ?? fail(`series ${p.name}: say which pair potential the system has (--potential wca or hertz)`);
  const potential = potentialByName(potentialName);
  const count = n - from;
  const energy = new Float64Array(count);
  const stress = { xx: new Float64Array(count), yy: new Float64Array(count), xy: new Float64Array(count), vol: new Float64Array(count), norm: new Float64Array(count) };
  for (let f = from; f < n; f++) {
    checkAbort(ctx);
    ctx.progress(f - from, count, `frame ${f}`);
    const frame = t.readFrame(f);
    const sizes = particleSizes(t, frame, f, potentialName);
    const neighbors = pairNeighborList(frame.positions, frame.box, sizes, potential, frame.dimensions);
    if (p.name === 'energy') {
      energy[f - from] = totalEnergy(frame.positions, frame.box, sizes, potential, frame.dimensions, neighbors) / frame.n;
    } else {
      const temperature = p.temperature ?? kineticTemperature(frame)
        ?? fail(`${t.path}: frame ${f} has no velocities to measure the temperature from; pass --temperature T`);
      const s = virialStress({ positions: frame.positions, box: frame.box, sizes, potential, temperature, perParticle: false, neighbors }).global;
      for (const k of ['xx', 'yy', 'xy', 'vol', 'norm'] as const) stress[k][f - from] = s[k];
    }
  }
  ctx.progress(count, count);
  if (p.name === 'energy') {
    const stored = t.putSeries(key.name, key.hash, key.params, energy, from);
    return { name: p.name, frames: timesteps, values: stored.values, cached: false, computedFrom: from };
  }
  let mine: Float64Array | null = null;
  for (const [name, k] of Object.entries(STRESS_KEYS) as [SeriesName, keyof typeof stress][]) {
    const kk = seriesKey({ ...p, name });
    const prev = t.getSeries(kk.name, kk.hash);
    // Components computed together stay in step; a component with a different extent is recomputed alone next time.
    if ((prev?.frameCount ?? 0) !== from) continue;
    const stored = t.putSeries(kk.name, kk.hash, kk.params, stress[k], from);
    if (name === p.name) mine = stored.values;
  }
  return { name: p.name, frames: timesteps, values: mine ?? stress[STRESS_KEYS[p.name as keyof typeof STRESS_KEYS]], cached: false, computedFrom: from };
}

export const seriesJob: JobDefinition<SeriesParams, SeriesResult> = {
  kind: 'series',
  validate: validateSeriesParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (t) => computeSeries(t, params, ctx));
  },
};
