// The simulate job's parameters: thermal MD, plain NVE from a configuration, athermal quasistatic shear; their
// validation, the part of them that defines the physics (what a resume must match), and the result a run reports.
import { resolve } from 'node:path';
import { validateProductionSchedule, type ProductionSchedule } from '../sim/protocol.js';
import { canonicalJson } from './simulate-output.js';

export type StartSpec =
  | { kind: 'random'; n: number; density: number; polydispersity: number }
  | { kind: 'frame'; path: string; frame: number }
  | { kind: 'data'; path: string; diameters: string };

export interface ThermalParams {
  kind: 'thermal' | 'nve';
  out: string;
  seed: number;
  start: StartSpec;
  /** Target temperature (thermal); for 'nve' an optional temperature of fresh Maxwell velocities (null: keep the start's). */
  T: number | null;
  /** Parent temperature of the equilibration. */
  Tp: number;
  equilSteps: number;
  twSteps: number;
  schedule: ProductionSchedule;
  /** Production integrator. */
  production: 'isokinetic' | 'nve';
  dt: number;
  skin: number;
  /** Minimize every stored frame into <out>.is.gsd. */
  inherentStructures: boolean;
  isMethod: 'fire' | 'cg';
  ftol: number;
  /** Write per-frame velocities. */
  velocities: boolean;
  /** Checkpoint every this many frames (0: only on cancel). */
  checkpointEvery: number;
  /** Largest number of MD steps between cancel checks (default: 1e6 / N clamped to 100..1000). */
  chunkSteps: number | null;
  /**
   * Threads of the MD (kernel-team.ts; null: the machine's cores, 1 below 1000 particles). NVE trajectories are the
   * same bytes for any count, isokinetic ones for any count >= 2 (see forces.ts PairForcesOptions.team).
   */
  threads: number | null;
  resume: boolean;
  /** Record the schedule in the trajectory index (default true). */
  index: boolean;
  indexDir?: string;
}

export interface AqsParams {
  kind: 'aqs';
  out: string;
  seed: number;
  n: number;
  packingFraction: number;
  /** Number of strain steps. */
  steps: number;
  strainStep: number;
  /** Write the minimized state every this many strain steps (every drop's end state is always written). */
  every: number;
  minimizer: 'fire' | 'cg';
  ftol: number;
  follow: boolean;
  frameSpacing: number;
  /**
   * What counts as an avalanche (aqs.ts AqsOptions.dropCriterion): 'elastic' (default here) an energy below the elastic
   * prediction E - A sigma_xy d_eps, or 'energy' any decrease of the minimized energy (the paper's literal test, which
   * also flags the elastic unloading of a fresh packing's residual shear stress as drops until the stress turns).
   */
  dropCriterion: 'elastic' | 'energy';
  /** Checkpoint every this many strain steps (0: only on cancel). */
  checkpointEvery: number;
  resume: boolean;
  indexDir?: string;
}

export type SimulateParams = ThermalParams | AqsParams;

export interface SimulateResult {
  kind: SimulateParams['kind'];
  out: string;
  isOut: string | null;
  sidecar: string;
  n: number;
  frames: number;
  isFrames: number;
  /** MD steps (thermal, nve) or strain steps (aqs) done by this invocation, and in the whole run. */
  steps: number;
  totalSteps: number;
  resumed: boolean;
  /** Wall time of this invocation. */
  wallSeconds: number;
  /** Time in the MD integration (or the AQS minimizations) and in the inherent-structure minimizations. */
  mdSeconds: number;
  isSeconds: number;
  /** N * steps / wallSeconds and N * steps / mdSeconds (aqs: strain steps, the minimizations' time as mdSeconds). */
  atomStepsPerSecond: number;
  mdAtomStepsPerSecond: number;
  final: { temperature: number | null; potentialEnergy: number; strain?: number };
  /** AQS: number of energy drops and of avalanche frames written. */
  drops?: number;
  avalancheFrames?: number;
  /** Inherent structures that did not reach the tolerance. */
  unconverged: number;
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------------------------------
// Parameters

function fail(msg: string): never {
  throw new Error(`simulate: ${msg}`);
}

function num(p: Record<string, unknown>, key: string, def: number | undefined, check: (v: number) => boolean, what: string): number {
  const v = p[key] ?? def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) fail(`"${key}" must be ${what} (got ${JSON.stringify(p[key])})`);
  return v;
}

const isInt = (min: number) => (v: number) => Number.isInteger(v) && v >= min;
const positive = (v: number) => v > 0;

/** Output path of the inherent structures of a run written to `out`. */
export function inherentStructurePath(out: string): string {
  return out.endsWith('.gsd') ? `${out.slice(0, -4)}.is.gsd` : `${out}.is.gsd`;
}

export function validateSimulateParams(raw: unknown): SimulateParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  const kind = p.kind;
  if (kind !== 'thermal' && kind !== 'nve' && kind !== 'aqs') fail('"kind" must be thermal, nve or aqs');
  if (typeof p.out !== 'string' || !p.out) fail('"out" must be a file path');
  const out = resolve(p.out);
  const seed = num(p, 'seed', 1, (v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31, 'an integer seed');
  const resumeFlag = p.resume === true;
  const checkpointDefault = kind === 'aqs' ? 50 : 10;
  const checkpointEvery = num(p, 'checkpointEvery', checkpointDefault, isInt(0), 'a non-negative integer');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('"indexDir" must be a directory');
  const indexDir = p.indexDir as string | undefined;
  if (kind === 'aqs') {
    const minimizer = p.minimizer ?? 'cg';
    if (minimizer !== 'cg' && minimizer !== 'fire') fail('"minimizer" must be cg or fire');
    const dropCriterion = p.dropCriterion ?? 'elastic';
    if (dropCriterion !== 'elastic' && dropCriterion !== 'energy') fail('"dropCriterion" must be elastic or energy');
    return {
      kind, out, seed, resume: resumeFlag, checkpointEvery, indexDir,
      n: num(p, 'n', undefined, isInt(2), 'an integer >= 2'),
      packingFraction: num(p, 'packingFraction', 0.9, (v) => v > 0 && v < 2, 'a packing fraction in (0, 2)'),
      steps: num(p, 'steps', undefined, isInt(1), 'a positive integer'),
      strainStep: num(p, 'strainStep', 1e-4, (v) => v !== 0, 'a nonzero number'),
      every: num(p, 'every', 1, isInt(1), 'a positive integer'),
      minimizer, dropCriterion,
      ftol: num(p, 'ftol', 1e-10, positive, 'a positive number'),
      follow: p.follow !== false,
      frameSpacing: num(p, 'frameSpacing', 0.15, positive, 'a positive number'),
    };
  }
  // Start.
  const s = (p.start ?? { kind: 'random' }) as Record<string, unknown>;
  let start: StartSpec;
  if (s.kind === 'random') {
    start = {
      kind: 'random',
      n: num(s, 'n', undefined, isInt(2), 'an integer >= 2 (start.n)'),
      density: num(s, 'density', 0.9, positive, 'a positive density (start.density)'),
      polydispersity: num(s, 'polydispersity', 0.11, (v) => v >= 0 && v < 1 / 3, 'a polydispersity in [0, 1/3)'),
    };
  } else if (s.kind === 'frame') {
    if (typeof s.path !== 'string' || !s.path) fail('"start.path" must be a trajectory file');
    start = { kind: 'frame', path: resolve(s.path), frame: num(s, 'frame', 0, (v) => Number.isInteger(v), 'a frame number (negative: from the end)') };
  } else if (s.kind === 'data') {
    if (typeof s.path !== 'string' || !s.path) fail('"start.path" must be a LAMMPS data file');
    if (typeof s.diameters !== 'string' || !s.diameters) fail('"start.diameters" must be a per-id diameter file (a LAMMPS data start needs one)');
    start = { kind: 'data', path: resolve(s.path), diameters: resolve(s.diameters) };
  } else {
    fail('"start.kind" must be random, frame or data');
  }
  if (kind === 'nve' && start.kind === 'random') fail('an NVE run starts from a configuration: give a data file (with diameters) or a trajectory frame');
  let schedule: ProductionSchedule;
  const sch = p.schedule as Record<string, unknown> | undefined;
  try {
    if (kind === 'nve' && !sch) {
      const steps = num(p, 'steps', undefined, isInt(1), 'a positive integer');
      const every = num(p, 'every', Math.max(1, Math.floor(steps / 100)), isInt(1), 'a positive integer');
      schedule = { kind: 'linear', every, frames: Math.floor(steps / every) + 1 };
    } else {
      if (!sch || typeof sch !== 'object') fail('"schedule" must be {kind: "log-block", B, nCfg, blocks} or {kind: "linear", every, frames}');
      schedule = validateProductionSchedule(sch as unknown as ProductionSchedule);
    }
  } catch (e) {
    if (e instanceof RangeError) fail(e.message);
    throw e;
  }
  const T = kind === 'thermal'
    ? num(p, 'T', undefined, positive, 'a positive temperature')
    : (p.T === undefined || p.T === null ? null : num(p, 'T', undefined, positive, 'a positive temperature'));
  const production = p.production ?? (kind === 'nve' ? 'nve' : 'isokinetic');
  if (production !== 'isokinetic' && production !== 'nve') fail('"production" must be isokinetic or nve');
  if (kind === 'nve' && production !== 'nve') fail('an nve run integrates NVE ("production" must be nve)');
  // Conjugate gradient by default, as Jha & Sengupta make their inherent structures; FIRE on request.
  const isMethod = p.isMethod ?? 'cg';
  if (isMethod !== 'fire' && isMethod !== 'cg') fail('"isMethod" must be fire or cg');
  const equilSteps = kind === 'nve' ? num(p, 'equilSteps', 0, (v) => v === 0, '0 for an nve run') : num(p, 'equilSteps', 0, isInt(0), 'a non-negative integer');
  const twSteps = kind === 'nve' ? num(p, 'twSteps', 0, (v) => v === 0, '0 for an nve run') : num(p, 'twSteps', 0, isInt(0), 'a non-negative integer');
  return {
    kind, out, seed, start, T, schedule, production, isMethod, equilSteps, twSteps, checkpointEvery, indexDir,
    Tp: num(p, 'Tp', 0.5, positive, 'a positive temperature'),
    dt: num(p, 'dt', 0.003, positive, 'a positive time step'),
    skin: num(p, 'skin', 0.3, positive, 'a positive Verlet skin'),
    inherentStructures: p.inherentStructures === true,
    ftol: num(p, 'ftol', 1e-10, positive, 'a positive force tolerance'),
    velocities: p.velocities !== false,
    chunkSteps: p.chunkSteps === undefined || p.chunkSteps === null ? null : num(p, 'chunkSteps', undefined, isInt(1), 'a positive integer'),
    threads: p.threads === undefined || p.threads === null ? null : num(p, 'threads', undefined, (v) => isInt(1)(v) && v <= 256, 'an integer from 1 to 256'),
    resume: resumeFlag,
    index: p.index !== false,
  };
}

/** The parameters that must match between a checkpoint and its resume (everything that changes the output). */
export function physicsParams(p: SimulateParams): Record<string, unknown> {
  const o: Record<string, unknown> = { ...p };
  // Where the output goes and how the run is driven do not change the trajectory (the checkpoint sits next to it).
  for (const k of ['out', 'resume', 'checkpointEvery', 'indexDir', 'index', 'chunkSteps', 'threads']) delete o[k];
  return o;
}

export function checkResumeParams(p: SimulateParams, saved: Record<string, unknown>, ckpt: string): void {
  const mine = physicsParams(p);
  if (canonicalJson(mine) === canonicalJson(saved)) return;
  const diff = new Set<string>();
  for (const k of new Set([...Object.keys(mine), ...Object.keys(saved)])) {
    if (canonicalJson(mine[k]) !== canonicalJson(saved[k])) diff.add(k);
  }
  throw new Error(`simulate: ${ckpt}: the run's parameters differ from the checkpoint's (${[...diff].join(', ')}); resume with the original parameters`);
}
