// The long options of `avw simulate KIND` (--n, --T, --B, ...) to the simulate job's parameters. One mapping for
// the command line and for study files, whose "parameters" are these options by their long names.
import { resolve } from 'node:path';

export const SIMULATE_KINDS = ['thermal', 'nve', 'aqs'] as const;
export type SimulateKind = (typeof SIMULATE_KINDS)[number];

/** Option name -> 'boolean' (a flag) or 'value' (takes a value: a number or a path). */
export const SIMULATE_OPTIONS: Readonly<Record<string, 'boolean' | 'value'>> = {
  out: 'value', seed: 'value', resume: 'boolean', 'checkpoint-every': 'value', n: 'value', rho: 'value', poly: 'value',
  T: 'value', Tp: 'value', equil: 'value', tw: 'value', B: 'value', ncfg: 'value', blocks: 'value', 'no-block-origins': 'boolean',
  every: 'value', frames: 'value', steps: 'value', dt: 'value', skin: 'value', integrator: 'value', is: 'boolean', 'is-method': 'value',
  ftol: 'value', from: 'value', frame: 'value', diameters: 'value', 'no-velocities': 'boolean', chunk: 'value',
  deps: 'value', phi: 'value', minimizer: 'value', 'no-follow': 'boolean', 'frame-spacing': 'value', drop: 'value', threads: 'value',
};

const THERMAL_ONLY = ['rho', 'poly', 'Tp', 'equil', 'tw', 'B', 'ncfg', 'blocks', 'no-block-origins', 'frames', 'integrator'];
const MD_ONLY = ['dt', 'skin', 'is', 'is-method', 'from', 'frame', 'diameters', 'no-velocities', 'chunk', 'T', 'threads'];
const AQS_ONLY = ['deps', 'phi', 'minimizer', 'no-follow', 'frame-spacing', 'drop'];

/** A wrong or missing option: the command line reports it as a usage error. */
export class SimulateOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulateOptionError';
  }
}

export type SimulateOptionValues = Record<string, string | number | boolean | undefined>;

export interface SimulateOptionContext {
  /** How paths are made absolute (default: against the working directory). */
  resolvePath?: (p: string) => string;
  /** The index directory the run records its schedule in. */
  indexDir?: string;
}

/**
 * Options (by long name; values as typed on a command line or as JSON numbers) to the simulate job's parameters, for
 * its validateSimulateParams (run where the job runs: the command line does not load the simulation modules before its
 * worker starts). Throws SimulateOptionError for an option that does not apply or is missing.
 */
export function simulateRawFromOptions(kind: string, flags: SimulateOptionValues, ctx: SimulateOptionContext = {}): Record<string, unknown> {
  if (kind !== 'thermal' && kind !== 'nve' && kind !== 'aqs') throw new SimulateOptionError('avw simulate: expected thermal, nve or aqs (avw simulate thermal|nve|aqs ...)');
  const cmd = `simulate ${kind}`;
  const abs = ctx.resolvePath ?? ((p: string) => resolve(p));
  const bad = (message: string): never => {
    throw new SimulateOptionError(`avw ${cmd}: ${message}`);
  };
  if (typeof flags.out !== 'string') bad('--out FILE is required');
  const refuse = (names: string[]): void => {
    for (const name of names) if (flags[name] !== undefined && flags[name] !== false) bad(`--${name} does not apply to ${kind} runs`);
  };
  const f = (name: string): number | undefined => {
    const v = flags[name];
    if (v === undefined) return undefined;
    const x = typeof v === 'number' ? v : Number(v);
    if (typeof v === 'boolean' || (typeof v === 'string' && v.trim() === '') || !Number.isFinite(x)) bad(`--${name} must be a number`);
    return x;
  };
  const i = (name: string): number | undefined => {
    const x = f(name);
    if (x !== undefined && !Number.isInteger(x)) bad(`--${name} must be an integer`);
    return x;
  };
  const on = (name: string): boolean => flags[name] === true;
  const common = {
    kind, out: abs(flags.out as string), seed: i('seed'), resume: on('resume'), checkpointEvery: i('checkpoint-every'), indexDir: ctx.indexDir,
  };
  let raw: Record<string, unknown>;
  if (kind === 'aqs') {
    refuse([...THERMAL_ONLY, ...MD_ONLY]);
    if (flags.n === undefined) bad('--n N is required');
    if (flags.steps === undefined) bad('--steps K (strain steps) is required');
    raw = {
      ...common, n: i('n'), steps: i('steps'), strainStep: f('deps'), every: i('every'), packingFraction: f('phi'),
      minimizer: flags.minimizer, dropCriterion: flags.drop, ftol: f('ftol'), follow: !on('no-follow'), frameSpacing: f('frame-spacing'),
    };
  } else {
    refuse(AQS_ONLY);
    let start: Record<string, unknown>;
    if (typeof flags.from === 'string') {
      if (flags.n !== undefined) bad('--n and --from exclude each other (the start file sets N)');
      start = typeof flags.diameters === 'string'
        ? { kind: 'data', path: abs(flags.from), diameters: abs(flags.diameters) }
        : { kind: 'frame', path: abs(flags.from), frame: i('frame') ?? 0 };
      if (flags.frame !== undefined && typeof flags.diameters === 'string') bad('--frame applies to a trajectory start, not to a data file');
    } else {
      if (kind === 'nve') bad('--from DATA --diameters D.txt (or --from TRAJ [--frame K]) is required');
      if (flags.n === undefined) bad('--n N is required (or --from a configuration)');
      start = { kind: 'random', n: i('n'), density: f('rho'), polydispersity: f('poly') };
    }
    const md = {
      ...common, start, T: f('T'), dt: f('dt'), skin: f('skin'), inherentStructures: on('is'), isMethod: flags['is-method'],
      ftol: f('ftol'), velocities: !on('no-velocities'), chunkSteps: i('chunk'), threads: i('threads'),
    };
    if (kind === 'nve') {
      refuse(THERMAL_ONLY);
      if (flags.steps === undefined) bad('--steps N is required');
      raw = { ...md, steps: i('steps'), every: i('every') };
    } else {
      if (flags.T === undefined) bad('--T T (the target temperature) is required');
      if (flags.steps !== undefined) bad('the production length follows from the schedule (--B/--ncfg/--blocks or --every/--frames), not --steps');
      const logBlock = flags.B !== undefined || flags.ncfg !== undefined || flags.blocks !== undefined;
      let schedule: Record<string, unknown>;
      if (logBlock) {
        if (flags.every !== undefined || flags.frames !== undefined) bad('give a log-block schedule (--B --ncfg --blocks) or a linear one (--every --frames), not both');
        schedule = { kind: 'log-block', B: i('B'), nCfg: i('ncfg'), blocks: i('blocks') ?? 1, blockOrigins: !on('no-block-origins') };
      } else {
        if (flags.every === undefined || flags.frames === undefined) bad('a schedule is required: --B B --ncfg NCFG --blocks K, or --every K --frames F');
        schedule = { kind: 'linear', every: i('every'), frames: i('frames') };
      }
      raw = { ...md, Tp: f('Tp'), equilSteps: i('equil'), twSteps: i('tw'), schedule, production: flags.integrator };
    }
  }
  return raw;
}
