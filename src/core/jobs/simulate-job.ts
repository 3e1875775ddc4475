// The `simulate` job: thermal MD of the polydisperse WCA glass (Jha & Sengupta Sec. II, protocol.ts), plain NVE from a
// configuration, and athermal quasistatic shear of Hertzian disks (Zhang, Ridout & Liu Sec. II A, aqs.ts), written as
// HOOMD GSD trajectories (simulate-output.ts) that are valid after every frame, with a sidecar `<out>.json`, periodic
// checkpoints `<out>.checkpoint` and bit-identical resumes.
//
// Files of a run with --out run.gsd:
//   run.gsd             MD frames (float32, HOOMD schema; log/potential_energy (total U), log/kinetic_temperature,
//                       log/stress_xx, log/stress_yy, log/stress_xy (pressure-like sign, ideal-gas term rho T with the
//                       kinetic temperature: the convention of src/core/analysis/stress.ts), log/time, log/md_step)
//   run.is.gsd          (with inherent structures) the minimized frames, paired frame for frame (same steps), positions
//                       and box in float64; log/potential_energy (IS energy), log/max_force, log/iterations,
//                       log/converged, log/stress_* (T = 0)
//   run.gsd.json        sidecar: parameters, seed, software version, schedule, frame steps, timings, status
//   run.gsd.checkpoint  while running: everything to resume (removed when the run completes)
//
// Resume: the checkpoint holds MdSimulation.saveState() (or AqsRun.saveState()), the protocol position (phase, step,
// next frame), the frame counts and the timings. `resume` reopens the trajectories truncated to the checkpoint's frame
// counts and continues; because the engine's resume is bit-identical and chunking does not change the integration,
// the resumed trajectory equals an uninterrupted run's frame for frame, byte for byte.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Box } from '../box.js';
import { virialStress } from '../analysis/stress.js';
import { openIndexed } from '../index/indexed-trajectory.js';
import type { FrameSchedule } from '../index/schedule.js';
import { FileSource } from '../io/file-source.js';
import { GsdWriter } from '../io/gsd-writer.js';
import { diametersForIds, lammpsDataToSystemInit, parseDiameterFile, readLammpsData } from '../io/lammps-data.js';
import { HERTZ, WCA } from '../potentials.js';
import { AqsRun, type AqsState } from '../sim/aqs.js';
import { inherentStructure } from '../sim/inherent-structure.js';
import { MdSimulation, type MdState } from '../sim/md.js';
import {
  systemFromFrame, ThermalProtocol, toFrameSchedule, validateProductionSchedule, velocitiesAllZero,
  type ProductionSchedule, type ProtocolPosition,
} from '../sim/protocol.js';
import { Rng } from '../sim/rng.js';
import { createRandomSystem } from '../sim/setup.js';
import { assignVelocities, makeSystem, wrapPositions, type ParticleSystem } from '../sim/system.js';
import { JobCancelledError, type JobContext, type JobDefinition } from './job.js';
import {
  APPLICATION, canonicalJson, gsdFrameCount, openGsdForResume, readCheckpoint, SOFTWARE_VERSION, writeCheckpoint, writeHoomdFrame,
  writeJsonAtomic,
} from './simulate-output.js';

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
    resume: resumeFlag,
    index: p.index !== false,
  };
}

/** The parameters that must match between a checkpoint and its resume (everything that changes the output). */
export function physicsParams(p: SimulateParams): Record<string, unknown> {
  const o: Record<string, unknown> = { ...p };
  // Where the output goes and how the run is driven do not change the trajectory (the checkpoint sits next to it).
  for (const k of ['out', 'resume', 'checkpointEvery', 'indexDir', 'index', 'chunkSteps']) delete o[k];
  return o;
}

function checkResumeParams(p: SimulateParams, saved: Record<string, unknown>, ckpt: string): void {
  const mine = physicsParams(p);
  if (canonicalJson(mine) === canonicalJson(saved)) return;
  const diff = new Set<string>();
  for (const k of new Set([...Object.keys(mine), ...Object.keys(saved)])) {
    if (canonicalJson(mine[k]) !== canonicalJson(saved[k])) diff.add(k);
  }
  throw new Error(`simulate: ${ckpt}: the run's parameters differ from the checkpoint's (${[...diff].join(', ')}); resume with the original parameters`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Let the event loop run (a cancel message reaches a worker only then). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

interface TypeInfo {
  typeid: Uint32Array;
  types: string[];
}

/** Wrapped copies of unwrapped/continuous positions with the image counters that undo the wrap. */
function wrapped(positions: Float64Array, box: Box, dimensions: 2 | 3, images?: Int32Array): { positions: Float64Array; images: Int32Array } {
  const pos = positions.slice();
  const img = images ? images.slice() : new Int32Array(positions.length);
  wrapPositions(pos, img, box, dimensions);
  return { positions: pos, images: img };
}

function indexSchedule(path: string, schedule: FrameSchedule, indexDir: string | undefined, warnings: string[]): void {
  try {
    const t = openIndexed(path, { indexDir });
    try {
      t.setSchedule(schedule);
    } finally {
      t.close();
    }
  } catch (e) {
    warnings.push(`could not record the schedule of ${path} in the index: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkpointPath(out: string): string {
  return `${out}.checkpoint`;
}

function sidecarPath(out: string): string {
  return `${out}.json`;
}

function describeStart(s: StartSpec): Record<string, unknown> {
  return { ...s };
}

// ---------------------------------------------------------------------------------------------------------------------
// Thermal and NVE runs

interface ThermalCheckpoint {
  kind: 'thermal' | 'nve';
  params: Record<string, unknown>;
  position: ProtocolPosition;
  md: MdState;
  frames: number;
  isFrames: number;
  typeInfo: TypeInfo;
  timings: { wallSeconds: number; mdSeconds: number; isSeconds: number };
  unconverged: number;
  startedAt: string;
}

/** Build the starting particle system and its random stream. */
function startSystem(p: ThermalParams): { system: ParticleSystem; rng: Rng; typeInfo: TypeInfo; note: string } {
  const s = p.start;
  if (s.kind === 'random') {
    const first = p.equilSteps > 0 ? p.Tp : (p.T ?? p.Tp);
    const { system, rng, overlap } = createRandomSystem({ n: s.n, density: s.density, polydispersity: s.polydispersity, temperature: first, seed: p.seed });
    return {
      system, rng, typeInfo: { typeid: new Uint32Array(system.n), types: ['A'] },
      note: `random start: ${system.n} particles, overlap removal in ${overlap.iterations} iterations (closest pair ${overlap.minRatio.toFixed(3)} sigma_ij)`,
    };
  }
  let system: ParticleSystem;
  let typeInfo: TypeInfo;
  let note: string;
  if (s.kind === 'data') {
    const src = new FileSource(s.path);
    let data;
    try {
      data = readLammpsData(src);
    } finally {
      src.close();
    }
    const table = parseDiameterFile(readFileSync(s.diameters), s.diameters);
    system = makeSystem(lammpsDataToSystemInit(data, diametersForIds(table, data.ids, s.diameters)));
    let maxType = 1;
    for (let i = 0; i < system.n; i++) maxType = Math.max(maxType, system.types[i]);
    typeInfo = { typeid: Uint32Array.from(system.types, (t) => t - 1), types: Array.from({ length: maxType }, (_v, k) => String(k + 1)) };
    note = `LAMMPS data ${s.path} (${system.n} atoms, diameters from ${s.diameters})`;
  } else {
    const t = openIndexed(s.path, { indexDir: p.indexDir });
    try {
      const k = s.frame < 0 ? t.frameCount + s.frame : s.frame;
      if (!(k >= 0 && k < t.frameCount)) throw new Error(`${s.path}: frame ${s.frame} does not exist (${t.frameCount} frames)`);
      const frame = t.readFrame(k);
      system = systemFromFrame(frame, s.path);
      const names = frame.typeNames;
      let maxType = 0;
      for (let i = 0; i < system.n; i++) maxType = Math.max(maxType, system.types[i]);
      if (names && names.length > maxType) {
        typeInfo = { typeid: Uint32Array.from(system.types), types: names.slice() };
      } else {
        let minType = Infinity;
        for (let i = 0; i < system.n; i++) minType = Math.min(minType, system.types[i]);
        const base = Number.isFinite(minType) ? Math.min(minType, 0) : 0;
        typeInfo = {
          typeid: Uint32Array.from(system.types, (x) => x - base),
          types: Array.from({ length: maxType - base + 1 }, (_v, q) => String(q + base)),
        };
      }
      note = `frame ${k} (step ${frame.timestep}) of ${s.path}`;
    } finally {
      t.close();
    }
  }
  const rng = new Rng(p.seed);
  const first = p.equilSteps > 0 ? p.Tp : p.T;
  if (first !== null && (p.kind === 'nve' ? p.T !== null : velocitiesAllZero(system.velocities))) {
    assignVelocities(system, first, rng);
    note += `, Maxwell velocities at T = ${first}`;
  }
  return { system, rng, typeInfo, note };
}

async function runThermal(p: ThermalParams, ctx: JobContext): Promise<SimulateResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const ckpt = checkpointPath(p.out);
  const sidecar = sidecarPath(p.out);
  const isOut = p.inherentStructures ? inherentStructurePath(p.out) : null;
  const protoOptions = {
    parentTemperature: p.Tp, temperature: p.T ?? 0, equilSteps: p.equilSteps, twSteps: p.twSteps, schedule: p.schedule,
    production: p.production,
  };
  let sim: MdSimulation;
  let proto: ThermalProtocol;
  let typeInfo: TypeInfo;
  let mdW: GsdWriter;
  let isW: GsdWriter | null = null;
  let prior = { wallSeconds: 0, mdSeconds: 0, isSeconds: 0 };
  let unconverged = 0;
  let startNote: string;
  let startedAt = new Date().toISOString();
  if (p.resume) {
    if (!existsSync(ckpt)) {
      throw new Error(`simulate: ${ckpt} does not exist: nothing to resume${existsSync(sidecar) ? ' (the run may be complete; see its sidecar)' : ''}`);
    }
    const c = readCheckpoint<ThermalCheckpoint>(ckpt);
    if (c.kind !== p.kind) throw new Error(`simulate: ${ckpt} is the checkpoint of a ${c.kind} run, not ${p.kind}`);
    checkResumeParams(p, c.params, ckpt);
    sim = MdSimulation.fromState(c.md);
    proto = new ThermalProtocol(protoOptions, c.position);
    typeInfo = c.typeInfo;
    prior = c.timings;
    unconverged = c.unconverged;
    startedAt = c.startedAt;
    mdW = openGsdForResume(p.out, c.frames);
    if (isOut) {
      try {
        isW = openGsdForResume(isOut, c.isFrames);
      } catch (e) {
        mdW.close();
        throw e;
      }
    }
    startNote = `resumed from ${ckpt} at frame ${c.frames}`;
  } else {
    if (existsSync(ckpt)) throw new Error(`simulate: ${ckpt} exists: pass resume (--resume) to continue that run, or delete it to start over`);
    const st = startSystem(p);
    typeInfo = st.typeInfo;
    startNote = st.note;
    sim = new MdSimulation(st.system, { dt: p.dt, skin: p.skin, rng: st.rng, integrator: 'nve' });
    proto = new ThermalProtocol(protoOptions);
    mdW = GsdWriter.create(p.out, { application: APPLICATION });
    if (isOut) isW = GsdWriter.create(isOut, { application: APPLICATION });
  }
  const n = sim.n;
  const dims = sim.dimensions;
  const frameSchedule = toFrameSchedule(p.schedule, p.dt);
  const chunk = p.chunkSteps ?? Math.min(1000, Math.max(100, Math.round(1e6 / n)));
  const stepsAtStart = proto.stepsDone;
  let mdSeconds = 0;
  let isSeconds = 0;
  const resumed = p.resume;

  const writeSidecar = (status: 'running' | 'complete' | 'cancelled'): void => {
    writeJsonAtomic(sidecar, {
      format: 'avalanche-workbench/simulation',
      version: 1,
      software: { name: 'avalanche-workbench', version: SOFTWARE_VERSION },
      kind: p.kind,
      status,
      parameters: physicsParams(p),
      seed: p.seed,
      start: { ...describeStart(p.start), note: startNote },
      system: { n, dimensions: dims, box: { origin: sim.box.origin, vectors: sim.box.vectors }, potential: 'wca', dt: p.dt, skin: p.skin },
      protocol: {
        parentTemperature: p.equilSteps > 0 ? p.Tp : null,
        equilibrationSteps: p.equilSteps,
        temperature: p.T,
        agingSteps: p.twSteps,
        production: p.production,
        thermostat: 'isokinetic (Brown & Clarke): equilibration, aging' + (p.production === 'isokinetic' ? ', production' : '; production NVE'),
        productionStartStep: proto.preProductionSteps,
        note: 'GSD configuration/step is the production step S (frame 0 at S = 0 of the production unless the schedule has no block origins); log/md_step is the MD step counted from the start of equilibration',
      },
      schedule: { production: p.schedule, index: frameSchedule, frames: proto.frameCount, steps: proto.frameSteps() },
      files: { trajectory: basename(p.out), inherentStructures: isOut ? basename(isOut) : null, checkpoint: basename(ckpt), note: 'relative to this sidecar' },
      inherentStructures: isOut ? { method: p.isMethod, ftol: p.ftol, criterion: 'max |F_i|', precision: 'float64 positions, box and diameters' } : null,
      log: {
        potential_energy: 'total potential energy U (not per particle)',
        kinetic_temperature: '2K / (dN - d)',
        stress: 'pressure-like virial stress per unit area, (N T delta_ab + W_ab) / A with the kinetic temperature (src/core/analysis/stress.ts convention); IS: T = 0',
      },
      framesWritten: mdW.frameCount,
      timings: {
        startedAt,
        updatedAt: new Date().toISOString(),
        wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000,
        mdSeconds: prior.mdSeconds + mdSeconds,
        isSeconds: prior.isSeconds + isSeconds,
      },
      unconvergedInherentStructures: unconverged,
      warnings,
    });
  };

  const saveCheckpoint = (): void => {
    mdW.flush();
    isW?.flush();
    const c: ThermalCheckpoint = {
      kind: p.kind, params: physicsParams(p), position: proto.position, md: sim.saveState(), frames: mdW.frameCount,
      isFrames: isW ? isW.frameCount : 0, typeInfo, unconverged, startedAt,
      timings: {
        wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000,
        mdSeconds: prior.mdSeconds + mdSeconds, isSeconds: prior.isSeconds + isSeconds,
      },
    };
    writeCheckpoint(ckpt, c as unknown as Record<string, unknown>);
  };

  const writeFrame = (): void => {
    const f = mdW.frameCount;
    const S = proto.frameStep(f);
    const { positions, images } = sim.wrappedPositions();
    const stress = sim.stress('ideal');
    const common = { step: S, box: sim.box, dimensions: dims, diameters: sim.diameters, typeid: typeInfo.typeid, types: typeInfo.types };
    writeHoomdFrame(mdW, {
      ...common, positions, images, velocities: p.velocities ? sim.velocities : null,
      log: {
        potential_energy: sim.potentialEnergy(), kinetic_temperature: sim.temperature(),
        stress_xx: stress.xx, stress_yy: stress.yy, stress_xy: stress.xy, time: S * p.dt, md_step: sim.timestep,
      },
    }, f === 0);
    if (isW) {
      const t0 = performance.now();
      const is = inherentStructure(positions, sim.diameters, sim.box, { method: p.isMethod, ftol: p.ftol, dimensions: dims, skin: p.skin });
      if (!is.converged) unconverged++;
      const w = wrapped(is.positions, sim.box, dims, images);
      let sxx = NaN, syy = NaN, sxy = NaN;
      if (dims === 2) {
        const s = virialStress({ positions: w.positions, box: sim.box, sizes: WCA.sizesFromDiameters(sim.diameters), potential: WCA, temperature: 0, perParticle: false }).global;
        sxx = s.xx; syy = s.yy; sxy = s.xy;
      }
      writeHoomdFrame(isW, {
        ...common, positions: w.positions, images: w.images, precision: 'double',
        log: {
          potential_energy: is.energy, max_force: is.maxForce, iterations: is.iterations, converged: is.converged ? 1 : 0,
          stress_xx: sxx, stress_yy: syy, stress_xy: sxy, time: S * p.dt, md_step: sim.timestep,
        },
      }, isW.frameCount === 0);
      isSeconds += (performance.now() - t0) / 1000;
    }
  };

  let lastMessage = 0;
  const report = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastMessage < 100) return;
    lastMessage = now;
    const done = proto.stepsDone;
    const total = proto.totalSteps;
    const stepsRun = done - stepsAtStart;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? stepsRun / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const pos = proto.position;
    const phase = pos.phase === 'equilibrate' ? `equilibrating at T_p ${p.Tp}` : pos.phase === 'age' ? 'aging' : pos.phase === 'produce' ? `frame ${pos.frame}/${proto.frameCount}` : 'done';
    ctx.progress(done, total,
      `${phase} · ${Math.round(rate)} steps/s (${(rate * n / 1e6).toFixed(1)} M atom-steps/s) · ETA ${fmtDuration(eta)} · T ${sim.temperature().toFixed(3)} · U/N ${(sim.potentialEnergy() / n).toFixed(4)}`);
  };

  let finished = false;
  try {
    writeSidecar('running');
    let indexed = resumed;
    while (!proto.done) {
      if (ctx.signal.aborted) {
        saveCheckpoint();
        writeSidecar('cancelled');
        throw new JobCancelledError('simulate');
      }
      const t0 = performance.now();
      const r = proto.advance(sim, chunk);
      mdSeconds += (performance.now() - t0) / 1000;
      if (r.frameDue) {
        writeFrame();
        proto.frameWritten();
        const frames = mdW.frameCount;
        report(true);
        if (!indexed && p.index) {
          indexSchedule(p.out, frameSchedule, p.indexDir, warnings);
          if (isOut) indexSchedule(isOut, frameSchedule, p.indexDir, warnings);
          indexed = true;
        }
        if (p.checkpointEvery > 0 && frames % p.checkpointEvery === 0 && !proto.done) {
          saveCheckpoint();
          writeSidecar('running');
        }
      }
      report();
      await yieldToEventLoop();
    }
    report(true);
    finished = true;
  } finally {
    mdW.close();
    isW?.close();
  }
  if (finished) {
    rmSync(ckpt, { force: true });
    writeSidecar('complete');
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const steps = proto.stepsDone - stepsAtStart;
  return {
    kind: p.kind, out: p.out, isOut, sidecar, n, frames: proto.frameCount, isFrames: isOut ? proto.frameCount : 0,
    steps, totalSteps: proto.totalSteps, resumed, wallSeconds, mdSeconds, isSeconds,
    atomStepsPerSecond: wallSeconds > 0 ? (n * steps) / wallSeconds : 0,
    mdAtomStepsPerSecond: mdSeconds > 0 ? (n * steps) / mdSeconds : 0,
    final: { temperature: sim.temperature(), potentialEnergy: sim.potentialEnergy() },
    unconverged, warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Athermal quasistatic shear

interface AqsCheckpoint {
  kind: 'aqs';
  params: Record<string, unknown>;
  aqs: AqsState;
  frames: number;
  drops: number;
  avalancheFrames: number;
  timings: { wallSeconds: number; mdSeconds: number; isSeconds: number };
  startedAt: string;
}

async function runAqs(p: AqsParams, ctx: JobContext): Promise<SimulateResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const ckpt = checkpointPath(p.out);
  const sidecar = sidecarPath(p.out);
  let run: AqsRun;
  let w: GsdWriter;
  let drops = 0;
  let avalancheFrames = 0;
  let prior = { wallSeconds: 0, mdSeconds: 0, isSeconds: 0 };
  let startedAt = new Date().toISOString();
  let minSeconds = 0;
  let initialNote = '';
  if (p.resume) {
    if (!existsSync(ckpt)) throw new Error(`simulate: ${ckpt} does not exist: nothing to resume`);
    const c = readCheckpoint<AqsCheckpoint>(ckpt);
    if (c.kind !== 'aqs') throw new Error(`simulate: ${ckpt} is the checkpoint of a ${String(c.kind)} run, not aqs`);
    checkResumeParams(p, c.params, ckpt);
    run = AqsRun.fromState(c.aqs);
    w = openGsdForResume(p.out, c.frames);
    drops = c.drops;
    avalancheFrames = c.avalancheFrames;
    prior = c.timings;
    startedAt = c.startedAt;
    initialNote = `resumed from ${ckpt} at strain step ${run.step}`;
  } else {
    if (existsSync(ckpt)) throw new Error(`simulate: ${ckpt} exists: pass resume (--resume) to continue that run, or delete it to start over`);
    const t0 = performance.now();
    run = AqsRun.fromRandom({
      n: p.n, seed: p.seed, packingFraction: p.packingFraction, strainStep: p.strainStep, minimizer: p.minimizer, ftol: p.ftol,
      followAvalanches: p.follow, frameSpacing: p.frameSpacing, dropCriterion: p.dropCriterion,
    });
    minSeconds += (performance.now() - t0) / 1000;
    const im = run.initialMinimization;
    initialNote = im ? `initial minimization: ${im.iterations} iterations, max|F| ${im.maxForce.toExponential(2)}${im.converged ? '' : ` (NOT converged: ${im.reason})`}` : '';
    w = GsdWriter.create(p.out, { application: APPLICATION });
  }
  const n = run.numParticles;
  const radii = run.radii;
  const diameters = radii.map((r) => 2 * r);
  const small = Math.min(...radii);
  const typeid = Uint32Array.from(radii, (r) => (r === small ? 0 : 1));
  const types = ['S', 'L'];
  const stepsAtStart = run.step;

  const frame = (positions3: Float64Array, log: Record<string, number>): void => {
    const box = run.box;
    const wp = wrapped(positions3, box, 2);
    const s = virialStress({ positions: wp.positions, box, sizes: radii, potential: HERTZ, temperature: 0, perParticle: false }).global;
    writeHoomdFrame(w, {
      step: log.shear_step, box, dimensions: 2, positions: wp.positions, images: wp.images, diameters, typeid, types,
      log: { ...log, stress_xx: s.xx, stress_yy: s.yy, stress_xy: s.xy },
    }, w.frameCount === 0);
  };

  const writeSidecar = (status: 'running' | 'complete' | 'cancelled'): void => {
    writeJsonAtomic(sidecar, {
      format: 'avalanche-workbench/simulation',
      version: 1,
      software: { name: 'avalanche-workbench', version: SOFTWARE_VERSION },
      kind: 'aqs',
      status,
      parameters: physicsParams(p),
      seed: p.seed,
      system: {
        n, dimensions: 2, radii: [0.5, 0.7], packingFraction: p.packingFraction, potential: 'hertz: u = (1 - r/(R_i + R_j))^2.5',
        box: { lx: run.box.vectors[0][0], ly: run.box.vectors[1][1] },
      },
      protocol: {
        note: 'random start minimized to a jammed state (frame 0, shear_step 0); each strain step: affine simple shear with Lees-Edwards boundaries (box tilt), then minimization; an energy drop is followed by steepest descent with frames equidistant in configuration space',
        initial: initialNote,
      },
      schedule: {
        index: { kind: 'explicit', dt: null },
        note: 'configuration/step is the strain step; avalanche frames of step k have step k and log/avalanche_index >= 0 (the regular frame of a step has -1)',
      },
      log: {
        potential_energy: 'total energy U', strain: 'applied shear strain', shear_step: 'strain step', avalanche_index: 'index of the steepest-descent frame within the avalanche (-1: the minimized state of the step)',
        relax_time: 'overdamped time since the start of the relaxation (sum of step sizes)', drop: '1 when the step was an energy drop',
        energy_change: 'energy change from the previous step (step frames)', stress: 'pressure-like virial stress per unit area at T = 0 (mechanical shear stress = -stress_xy)',
      },
      files: { trajectory: basename(p.out), checkpoint: basename(ckpt), note: 'relative to this sidecar' },
      framesWritten: w.frameCount,
      strainSteps: run.step,
      drops,
      avalancheFrames,
      timings: {
        startedAt, updatedAt: new Date().toISOString(),
        wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000, minimizationSeconds: prior.mdSeconds + minSeconds,
      },
      warnings,
    });
  };

  const saveCheckpoint = (): void => {
    w.flush();
    const c: AqsCheckpoint = {
      kind: 'aqs', params: physicsParams(p), aqs: run.saveState(), frames: w.frameCount, drops, avalancheFrames, startedAt,
      timings: { wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000, mdSeconds: prior.mdSeconds + minSeconds, isSeconds: 0 },
    };
    writeCheckpoint(ckpt, c as unknown as Record<string, unknown>);
  };

  let finished = false;
  let lastMessage = 0;
  try {
    if (w.frameCount === 0) {
      frame(run.positions(), { potential_energy: run.energy, strain: run.strain, shear_step: 0, avalanche_index: -1, relax_time: 0, drop: 0, energy_change: 0 });
    }
    writeSidecar('running');
    while (run.step < p.steps) {
      if (ctx.signal.aborted) {
        saveCheckpoint();
        writeSidecar('cancelled');
        throw new JobCancelledError('simulate');
      }
      const t0 = performance.now();
      const r = run.shearStep();
      minSeconds += (performance.now() - t0) / 1000;
      let relax = 0;
      if (r.drop) drops++;
      if (r.avalancheFrames) {
        for (const fr of r.avalancheFrames) {
          if (fr.final) {
            relax = fr.time;
            continue;
          }
          frame(fr.positions, { potential_energy: fr.energy, strain: r.strain, shear_step: r.step, avalanche_index: fr.index, relax_time: fr.time, drop: 1, energy_change: NaN });
          avalancheFrames++;
        }
      }
      if (r.step % p.every === 0 || r.drop || r.step === p.steps) {
        frame(run.positions(), { potential_energy: r.energy, strain: r.strain, shear_step: r.step, avalanche_index: -1, relax_time: relax, drop: r.drop ? 1 : 0, energy_change: r.energyChange });
      }
      if (p.checkpointEvery > 0 && r.step % p.checkpointEvery === 0 && r.step < p.steps) {
        saveCheckpoint();
        writeSidecar('running');
      }
      const now = performance.now();
      if (now - lastMessage >= 100 || run.step === p.steps) {
        lastMessage = now;
        const done = run.step - stepsAtStart;
        const elapsed = (now - started) / 1000;
        const rate = elapsed > 0 ? done / elapsed : 0;
        ctx.progress(run.step, p.steps,
          `step ${run.step}/${p.steps} · strain ${run.strain.toExponential(3)} · E ${run.energy.toExponential(4)} · ${drops} drops · ${rate.toFixed(1)} steps/s · ETA ${fmtDuration(rate > 0 ? (p.steps - run.step) / rate : NaN)}`);
      }
      await yieldToEventLoop();
    }
    finished = true;
  } finally {
    w.close();
  }
  if (finished) {
    rmSync(ckpt, { force: true });
    writeSidecar('complete');
  }
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    kind: 'aqs', out: p.out, isOut: null, sidecar, n, frames: 0, isFrames: 0, steps: run.step - stepsAtStart, totalSteps: p.steps,
    resumed: p.resume, wallSeconds, mdSeconds: minSeconds, isSeconds: 0,
    atomStepsPerSecond: wallSeconds > 0 ? (n * (run.step - stepsAtStart)) / wallSeconds : 0,
    mdAtomStepsPerSecond: minSeconds > 0 ? (n * (run.step - stepsAtStart)) / minSeconds : 0,
    final: { temperature: null, potentialEnergy: run.energy, strain: run.strain }, drops, avalancheFrames, unconverged: 0, warnings,
  };
}

export const simulateJob: JobDefinition<SimulateParams, SimulateResult> = {
  kind: 'simulate',
  validate: validateSimulateParams,
  async run(params, ctx) {
    const r = params.kind === 'aqs' ? await runAqs(params, ctx) : await runThermal(params, ctx);
    if (r.kind === 'aqs') r.frames = gsdFrameCount(r.out);
    return r;
  },
};
