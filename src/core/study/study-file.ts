// The study file: many runs of one simulation protocol at many temperatures and seeds, and what to analyse on
// every run. JSON, validated here; an unknown key is refused with its name and the file's.
//
//   {"name": "glass", "simulate": "thermal",
//    "parameters": {"n": 2000, "rho": 0.9, "Tp": 0.5, "equil": 100000, "tw": 300000, "B": 1050000, "ncfg": 21, "blocks": 4, "is": true},
//    "temperatures": [0.2, 0.25, 0.3], "seeds": [1, 2, 3], "analyses": ["msd", "detect"]}
//
// "parameters" are the long options of `avw simulate KIND` (the study sets --T, --seed, --out and the index itself);
// "seeds" lists replica seeds, or "replicas": K stands for seeds 1..K; "analyses" is what every run computes after its
// simulation (series, detection, F_s, fields at events); "slurm" optionally gives the job's resources.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FIELD_NAMES, SERIES_NAMES, VECTOR_FIELDS, type FieldName, type SeriesName } from './per-run.js';
import { SIMULATE_KINDS, SIMULATE_OPTIONS, simulateMessageInOptionWords, simulateRawFromOptions, type SimulateKind } from '../jobs/simulate-options.js';
import { validateSimulateParams, type SimulateParams } from '../jobs/simulate-job.js';

/** Analyses a run can do after its simulation. */
export type Analysis =
  | { kind: 'series'; name: SeriesName }
  | { kind: 'detect' }
  /** Inherent structures: the simulation writes the paired run.is.gsd (same as the parameter "is": true). */
  | { kind: 'is' }
  /** The self-intermediate scattering function F_s(q, t) per frame (src/core/analysis/self-intermediate.ts). */
  | { kind: 'fs'; q: number | null }
  /** Fields before / at / after every detected or tagged event, kept in the run's field cache. */
  | { kind: 'fields'; names: FieldName[] };

export interface SlurmResources {
  /** Wall time limit as SLURM takes it (minutes, or [D-]HH:MM:SS); default derived from the study. */
  time?: string;
  /** Memory per task (e.g. 800M, 2G); default derived from the study. */
  mem?: string;
  partition?: string;
  account?: string;
  /** More #SBATCH options, one per entry ("--qos=short"). */
  options?: string[];
  /** Shell lines run before avw in every task (module load nodejs, ...). */
  setup?: string[];
  /** The avw command on the cluster (default: this installation's node and avw, by absolute path). */
  avw?: string;
}

export interface Study {
  /** Absolute path of the study file. */
  file: string;
  name: string;
  simulate: SimulateKind;
  /** The simulate options by long name, as given. */
  parameters: Record<string, string | number | boolean>;
  /** Temperatures in the file's order; [null] for runs without a temperature (aqs). */
  temperatures: (number | null)[];
  seeds: number[];
  analyses: Analysis[];
  slurm: SlurmResources;
}

export const STUDY_KEYS = ['name', 'simulate', 'parameters', 'temperatures', 'seeds', 'replicas', 'analyses', 'slurm'] as const;
const SLURM_KEYS = ['time', 'mem', 'partition', 'account', 'options', 'setup', 'avw'] as const;
/** Options the study sets itself for every run. */
const SET_BY_STUDY: Record<string, string> = {
  T: 'the temperatures', seed: 'the seeds', out: 'the planner (each run writes its own folder)', resume: 'the scheduler (an interrupted run resumes by itself)',
  'index-dir': 'the study (each run writes its own index shard)', json: 'the study', help: 'the study',
};
/** Analysis names a study may list (besides the series names). */
export const ANALYSIS_NAMES = ['detect', 'is', 'fs', ...SERIES_NAMES] as const;

export class StudyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyFileError';
  }
}

function known(keys: readonly string[]): string {
  return keys.join(', ');
}

/** Check a parsed study file; `file` names it in every error. */
export function parseStudy(raw: unknown, file: string): Study {
  const fail = (message: string): never => {
    throw new StudyFileError(`${file}: ${message}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('a study file is a JSON object ({"name": ..., "simulate": ..., ...})');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!(STUDY_KEYS as readonly string[]).includes(k)) fail(`unknown key "${k}" (known: ${known(STUDY_KEYS)})`);
  if (typeof r.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(r.name)) {
    fail('"name" must be a short name of letters, digits, "_", "." or "-" (it names the study\'s folder)');
  }
  const name = r.name as string;
  if (!(SIMULATE_KINDS as readonly unknown[]).includes(r.simulate)) fail(`"simulate" must be one of ${known(SIMULATE_KINDS)} (a kind of avw simulate)`);
  const simulate = r.simulate as SimulateKind;

  // Parameters: the long options of avw simulate.
  if (!r.parameters || typeof r.parameters !== 'object' || Array.isArray(r.parameters)) fail('"parameters" must be an object of avw simulate options by their long names');
  const parameters: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(r.parameters as Record<string, unknown>)) {
    if (SET_BY_STUDY[k]) fail(`parameters: "${k}" is set by ${SET_BY_STUDY[k]}; remove it`);
    const kind = SIMULATE_OPTIONS[k];
    if (!kind) fail(`parameters: unknown option "${k}" (options of avw simulate: ${known(Object.keys(SIMULATE_OPTIONS).filter((o) => !SET_BY_STUDY[o]))})`);
    if (kind === 'boolean' && typeof v !== 'boolean') fail(`parameters: "${k}" is a flag: true or false`);
    if (kind !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v)) && typeof v !== 'string') fail(`parameters: "${k}" must be a number or a text value`);
    parameters[k] = v as string | number | boolean;
  }

  // Temperatures.
  let temperatures: (number | null)[];
  if (simulate === 'aqs') {
    if (r.temperatures !== undefined) fail('"temperatures" does not apply to aqs studies (athermal shear): leave it out');
    temperatures = [null];
  } else if (simulate === 'nve' && r.temperatures === undefined) {
    temperatures = [null];
  } else {
    const ts = r.temperatures;
    if (!Array.isArray(ts) || ts.length === 0 || ts.some((t) => typeof t !== 'number' || !Number.isFinite(t) || t <= 0)) {
      fail('"temperatures" must be a non-empty list of positive numbers');
    }
    const list = ts as number[];
    const dup = list.find((t, i) => list.indexOf(t) !== i);
    if (dup !== undefined) fail(`"temperatures" lists ${dup} twice`);
    temperatures = list;
  }

  // Seeds or replicas.
  let seeds: number[] = [];
  if (r.seeds !== undefined && r.replicas !== undefined) fail('give "seeds" or "replicas", not both');
  if (r.seeds !== undefined) {
    const ss = r.seeds;
    if (!Array.isArray(ss) || ss.length === 0 || ss.some((s) => !Number.isInteger(s) || (s as number) < 0 || (s as number) >= 2 ** 31)) {
      fail('"seeds" must be a non-empty list of integers from 0 to 2^31 - 1');
    }
    seeds = ss as number[];
    const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
    if (dup !== undefined) fail(`"seeds" lists ${dup} twice`);
  } else if (r.replicas !== undefined) {
    if (!Number.isInteger(r.replicas) || (r.replicas as number) < 1 || (r.replicas as number) > 100000) fail('"replicas" must be a positive integer (seeds 1..replicas)');
    seeds = Array.from({ length: r.replicas as number }, (_v, i) => i + 1);
  } else {
    fail('give "seeds": [1, 2, ...] or "replicas": K');
  }

  // Analyses.
  const analyses: Analysis[] = [];
  if (r.analyses !== undefined && !Array.isArray(r.analyses)) fail('"analyses" must be a list (e.g. ["msd", "detect"])');
  for (const [i, a] of ((r.analyses as unknown[] | undefined) ?? []).entries()) {
    const where = `analyses[${i}]`;
    if (typeof a === 'string') {
      if (a === 'detect' || a === 'is') analyses.push({ kind: a });
      else if (a === 'fs') analyses.push({ kind: 'fs', q: null });
      else if ((SERIES_NAMES as readonly string[]).includes(a)) analyses.push({ kind: 'series', name: a as SeriesName });
      else fail(`${where}: unknown analysis "${a}" (known: ${known(ANALYSIS_NAMES)}, {"fs": {"q": Q}}, {"fields": [names]})`);
    } else if (a && typeof a === 'object' && !Array.isArray(a)) {
      const o = a as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length !== 1 || (keys[0] !== 'fs' && keys[0] !== 'fields')) fail(`${where}: unknown analysis object with key(s) ${keys.map((k) => `"${k}"`).join(', ') || 'none'} (known: "fs", "fields")`);
      if (keys[0] === 'fields') {
        const names = o.fields;
        if (!Array.isArray(names) || names.length === 0) fail(`${where}: "fields" must list field names (${known(FIELD_NAMES)})`);
        for (const n of names as unknown[]) {
          if (!(FIELD_NAMES as readonly unknown[]).includes(n)) fail(`${where}: unknown field ${JSON.stringify(n)} (known: ${known(FIELD_NAMES)})`);
          if (VECTOR_FIELDS.has(n as FieldName)) fail(`${where}: "${String(n)}" is a vector field; distributions take scalar fields`);
        }
        analyses.push({ kind: 'fields', names: names as FieldName[] });
      } else {
        const fs = o.fs;
        if (!fs || typeof fs !== 'object' || Array.isArray(fs)) fail(`${where}: "fs" must be an object like {"q": 6.9}`);
        for (const k of Object.keys(fs as object)) if (k !== 'q') fail(`${where}: fs: unknown key "${k}" (known: q)`);
        const q = (fs as { q?: unknown }).q;
        if (q !== undefined && !(typeof q === 'number' && Number.isFinite(q) && q > 0)) fail(`${where}: fs: "q" must be a positive wave number`);
        analyses.push({ kind: 'fs', q: (q as number | undefined) ?? null });
      }
    } else {
      fail(`${where}: an analysis is a name ("msd", "detect", ...) or an object ({"fields": [...]}, {"fs": {"q": Q}})`);
    }
  }
  if (simulate === 'aqs' && analyses.some((a) => a.kind === 'is')) fail('"is" (inherent structures) applies to thermal and nve runs: every aqs frame is already minimized');
  if (analyses.some((a) => a.kind === 'fields') && !analyses.some((a) => a.kind === 'detect')) {
    // Events come from the detector (or from tags a person adds later): without "detect" there are none to start with.
    fail('"fields" are computed at the events of each run: add "detect" to "analyses"');
  }
  const kinds = analyses.map((a) => (a.kind === 'series' ? a.name : a.kind));
  const twice = kinds.find((k, i) => kinds.indexOf(k) !== i);
  if (twice) fail(`analyses: "${twice}" is listed twice`);

  // SLURM resources.
  const slurm: SlurmResources = {};
  if (r.slurm !== undefined) {
    if (!r.slurm || typeof r.slurm !== 'object' || Array.isArray(r.slurm)) fail('"slurm" must be an object (time, mem, partition, account, options, setup, avw)');
    const s = r.slurm as Record<string, unknown>;
    for (const k of Object.keys(s)) if (!(SLURM_KEYS as readonly string[]).includes(k)) fail(`slurm: unknown key "${k}" (known: ${known(SLURM_KEYS)})`);
    const text = (k: 'time' | 'mem' | 'partition' | 'account' | 'avw', re: RegExp, what: string): void => {
      if (s[k] === undefined) return;
      if (typeof s[k] !== 'string' || !re.test(s[k] as string)) fail(`slurm: "${k}" must be ${what}`);
      slurm[k] = s[k] as string;
    };
    text('time', /^(\d+|(\d+-)?\d{1,2}(:\d{2}){1,2}|\d+-\d{1,2})$/, 'a SLURM time: minutes, HH:MM:SS or D-HH:MM:SS');
    text('mem', /^\d+[KMGT]?$/, 'a SLURM memory size such as 800M or 2G');
    text('partition', /^[A-Za-z0-9_.,-]+$/, 'a partition name');
    text('account', /^[A-Za-z0-9_.-]+$/, 'an account name');
    text('avw', /^[^\n]+$/, 'a command on one line');
    for (const k of ['options', 'setup'] as const) {
      if (s[k] === undefined) continue;
      if (!Array.isArray(s[k]) || (s[k] as unknown[]).some((x) => typeof x !== 'string' || x.includes('\n'))) fail(`slurm: "${k}" must be a list of one-line texts`);
      slurm[k] = s[k] as string[];
    }
    for (const o of slurm.options ?? []) if (!o.startsWith('--')) fail(`slurm: options: "${o}" is not an sbatch option (--name=value)`);
  }

  const study: Study = { file, name, simulate, parameters, temperatures, seeds, analyses, slurm };
  // Every option must make a valid run: check one now, with the job's own validation.
  simulateParamsOf(study, temperatures[0]!, seeds[0]!, resolve(file, '..', 'study-check.gsd'));
  return study;
}

/** Read and check a study file. */
export function loadStudy(path: string): Study {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudyFileError(`${file}: cannot read the study file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StudyFileError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseStudy(raw, file);
}

/** Whether the runs write inherent structures (the parameter "is", or the analysis "is"). */
export function writesInherentStructures(study: Study): boolean {
  return study.parameters.is === true || study.analyses.some((a) => a.kind === 'is');
}

/** The simulate options of one run (the study's parameters plus temperature, seed and output). */
export function simulateOptionsOf(study: Study, T: number | null, runSeed: number, out: string): Record<string, string | number | boolean> {
  const o: Record<string, string | number | boolean> = { ...study.parameters, seed: runSeed, out };
  if (T !== null) o.T = T;
  if (writesInherentStructures(study)) o.is = true;
  return o;
}

/** The validated simulate job parameters of one run. */
export function simulateParamsOf(study: Study, T: number | null, runSeed: number, out: string, indexDir?: string): SimulateParams {
  try {
    return validateSimulateParams(simulateRawFromOptions(study.simulate, simulateOptionsOf(study, T, runSeed, out), { indexDir, resolvePath: (p) => resolve(study.file, '..', p) }));
  } catch (e) {
    // In the words of the file: its parameters are avw simulate's options.
    throw new StudyFileError(`${study.file}: parameters: ${simulateMessageInOptionWords(study.simulate, e instanceof Error ? e.message : String(e))}`);
  }
}
