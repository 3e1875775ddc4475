// The long options of `avw simulate KIND` (--n, --T, --B, ...) to the simulate job's parameters. One mapping for
// the command line and for study files, whose "parameters" are these options by their long names.
import { resolve } from 'node:path';
import { ParamError } from '#shared/fields.js';
import { checkOption, type OptionSpec } from '#shared/options.js';

export const SIMULATE_KINDS = ['thermal', 'nve', 'aqs'] as const;
export type SimulateKind = (typeof SIMULATE_KINDS)[number];

/** Long-lived integers (steps, seeds): at most 10^12 steps, seeds of 31 bits. */
const STEPS = (min: number): OptionSpec => ({ type: 'int', min, max: 1e12 });
const POSITIVE = (max: number): OptionSpec => ({ type: 'number', min: 0, minExclusive: true, max });
const PATH: OptionSpec = { type: 'path' };

/**
 * Option name -> 'boolean' (a flag) or what its value must be (the simulate job's checks, simulate-params.ts, and the
 * API's SIMULATION_PARAMS say the same): the command line and study files check a value here, naming the option.
 */
export const SIMULATE_OPTIONS: Readonly<Record<string, 'boolean' | OptionSpec>> = {
  out: PATH, seed: { type: 'int', min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }, resume: 'boolean', 'checkpoint-every': STEPS(0),
  n: { type: 'int', min: 2, max: 10_000_000 }, rho: POSITIVE(100), poly: { type: 'number', min: 0, max: 1 / 3, maxExclusive: true, why: 'the polydispersity, below 1/3' },
  T: POSITIVE(1000), Tp: POSITIVE(1000), equil: STEPS(0), tw: STEPS(0), B: STEPS(1), ncfg: { type: 'int', min: 1, max: 52 }, blocks: { type: 'int', min: 1, max: 1_000_000 },
  'no-block-origins': 'boolean', every: STEPS(1), frames: STEPS(1), steps: STEPS(1), dt: POSITIVE(1), skin: POSITIVE(10),
  integrator: { type: 'enum', values: ['isokinetic', 'nve'] }, is: 'boolean', 'is-method': { type: 'enum', values: ['cg', 'fire'] },
  ftol: POSITIVE(1000), from: PATH, frame: { type: 'int', min: -(2 ** 31) + 1, max: 2 ** 31 - 1, why: 'negative: from the end' }, diameters: PATH,
  'no-velocities': 'boolean', chunk: STEPS(1), deps: { type: 'number', min: -1, max: 1, why: 'the strain step, not 0' },
  phi: { type: 'number', min: 0, minExclusive: true, max: 2, maxExclusive: true }, minimizer: { type: 'enum', values: ['cg', 'fire'] },
  'no-follow': 'boolean', 'frame-spacing': POSITIVE(1000), drop: { type: 'enum', values: ['elastic', 'energy'] }, threads: { type: 'int', min: 1, max: 256 },
};

/** The simulate job's parameter keys (simulate-params.ts) by the option that sets them, for the job's messages. */
const OPTION_OF_KEY: Readonly<Record<string, string>> = {
  seed: 'seed', checkpointEvery: 'checkpoint-every', n: 'n', 'start.n': 'n', density: 'rho', 'start.density': 'rho', polydispersity: 'poly',
  T: 'T', Tp: 'Tp', equilSteps: 'equil', twSteps: 'tw', B: 'B', N_cfg: 'ncfg', nCfg: 'ncfg', blocks: 'blocks', every: 'every', frames: 'frames',
  steps: 'steps', dt: 'dt', skin: 'skin', production: 'integrator', isMethod: 'is-method', ftol: 'ftol', 'start.path': 'from', 'start.frame': 'frame',
  'start.diameters': 'diameters', chunkSteps: 'chunk', strainStep: 'deps', packingFraction: 'phi', minimizer: 'minimizer', frameSpacing: 'frame-spacing',
  dropCriterion: 'drop', threads: 'threads', out: 'out',
};

/**
 * A message of the simulate job (`simulate: "strainStep" must be a nonzero number`) in the options' words
 * (`avw simulate aqs: --deps must be a nonzero number`), for errors found where the job runs.
 */
export function simulateMessageInOptionWords(kind: string, message: string): string {
  const m = /^simulate: (?:schedule: )?"?([A-Za-z_.]+)"? (.*)$/s.exec(message);
  const option = m ? OPTION_OF_KEY[m[1]] : undefined;
  return option ? `avw simulate ${kind}: --${option} ${m![2]}` : message;
}

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
  // Every value given against its declaration: "--T must be a number > 0 and <= 1000 (got -1)".
  for (const [name, v] of Object.entries(flags)) {
    const o = SIMULATE_OPTIONS[name];
    if (v === undefined || o === undefined) continue;
    if (o === 'boolean') {
      if (typeof v !== 'boolean') bad(`--${name} is a flag (true or false), not ${JSON.stringify(v)}`);
      continue;
    }
    try {
      checkOption(`avw ${cmd}`, `--${name}`, o, v);
    } catch (e) {
      if (e instanceof ParamError) throw new SimulateOptionError(e.message);
      throw e;
    }
  }
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
