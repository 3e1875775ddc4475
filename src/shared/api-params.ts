// The parameters of every API method, declared once (valibot): the types the renderer sends come from these
// declarations (api.ts imports them as types only, so neither the renderer nor the preload script bundles any of this),
// and the backend validates every request against them (api-validate.ts), keyed by method. Each error names the
// parameter and what it must be; field and series parameters are checked by the registry's checkParams (fields.ts),
// the values of a figure spec by the engine's normalizeSpec (the API checks its shape).
//
// Messages are templates: "{place}" stands for the parameter's place (`frame`, `params.cutoff`, `spec.family[0].path`),
// which is known only once an issue has reached the top; validateRequest fills it in and puts the method in front.
import * as v from 'valibot';
import {
  API_LIMITS, FIGURE_EXTENSIONS, FIGURE_KINDS, FIGURE_PRESETS, FIGURE_SPEC_KEYS, FIGURE_STYLE_KEYS, SBATCH_FLAG_OPTIONS, SBATCH_VALUE_OPTIONS,
  SIMULATION_KINDS, SIMULATION_PARAMS, SOFTNESS_LABELS, SOFTNESS_LIMITS, STUDY_EVENT_SELECTIONS, STUDY_FIGURE_KINDS, STUDY_FIGURE_SPEC_KEYS,
  STUDY_LIMITS, STUDY_MOMENTS, STUDY_SCHEDULERS, TAG_KINDS, type FigurePresetName, type ParamSpec, type SimulationKind,
} from './api-constants.js';
import {
  FIELD_NAMES, FIELD_PARAMS, SERIES, SERIES_NAMES, SERIES_PARAMS, VECTOR_FIELD_NAMES, ParamError, checkParams, fieldInfo, isFieldName, isFileFieldName,
  isSeriesName, type AnyFieldName, type FieldName, type FieldParamName, type ParamInfo, type ParamValue, type SeriesName, type SeriesParamName,
} from './fields.js';
import type { RefMode } from './reference-mode.js';

// ---- messages ----

/** Where a message names the parameter (replaced by its place in validateRequest). */
export const PLACE = '{place}';

/** `"{place}" PHRASE`: the message of a declaration. */
function must(phrase: string): string {
  return `"${PLACE}" ${phrase}`;
}

/** The same, with the value given quoted in the phrase. */
function mustQuoting(phrase: (input: unknown) => string): (issue: v.BaseIssue<unknown>) => string {
  return (issue) => `"${PLACE}" ${phrase(issue.input)}`;
}

/** A parameter's place in a request: `params.cutoff`, `spec.family[0].path`. */
export function place(path: readonly { key: unknown }[] | undefined): string {
  let out = '';
  for (const { key } of path ?? []) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

/** A plain object: not null, not an array, not a typed array, no class instance. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Why `x` is not JSON-like data (null, booleans, finite numbers, strings, arrays, plain objects) at most `maxDepth`
 * deep, or null when it is. `where` names the value in the message: `"layout".x`, `"spec".marks[0]`. */
function jsonProblem(root: string, x: unknown, maxDepth: number, depth = 0, where = `"${root}"`): string | null {
  if (x === null || typeof x === 'boolean' || typeof x === 'string') return null;
  if (typeof x === 'number') return Number.isFinite(x) ? null : `${where} must be a finite number`;
  if (depth >= maxDepth) return `"${root}" is nested deeper than ${maxDepth} levels`;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const problem = jsonProblem(root, x[i], maxDepth, depth + 1, `${where}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (!isPlainObject(x)) return `${where} must be JSON data (null, boolean, number, string, array or plain object)`;
  for (const [k, y] of Object.entries(x)) {
    const problem = jsonProblem(root, y, maxDepth, depth + 1, `${where}.${k}`);
    if (problem) return problem;
  }
  return null;
}

/** The check of a JSON value `root`: bounded depth and serialized size. */
function jsonData<T>(root: string, maxDepth: number, maxLength: number) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = jsonProblem(root, dataset.value, maxDepth)
      ?? (JSON.stringify(dataset.value).length > maxLength ? `"${root}" is larger than ${maxLength} characters as JSON` : null);
    if (problem) addIssue({ message: problem });
  });
}

/** A deep copy of JSON data (the request's objects are never handed on). */
function copyJson<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

// ---- building blocks ----

type Entries = v.ObjectEntries;

/** The message a declaration gives for a value of the wrong type, also used when its key is missing altogether. */
function typeMessage(schema: unknown): string {
  const s = schema as { message?: unknown; pipe?: unknown[]; wrapped?: unknown };
  const message = s.message ?? (s.pipe ? (s.pipe[0] as { message?: unknown }).message : undefined);
  if (typeof message === 'string') return message;
  // A message made from the issue (an object's): what it says of an absent value.
  if (typeof message === 'function') return String((message as (issue: object) => unknown)({ kind: 'schema', input: undefined, expected: null, received: 'undefined' }));
  return s.wrapped ? typeMessage(s.wrapped) : must('is required');
}

/** A plain object of exactly these keys. `unknownKey`: the message for another key (given its quoted name); a missing
 * key gets its declaration's own message; anything but a plain object (an array too) `"{place}" NOT_OBJECT`. */
function strict<E extends Entries>(entries: E, notObject: string, unknownKey: (key: string) => string) {
  const object = v.strictObject(entries, (issue) => {
    if (issue.expected === 'never') return unknownKey(issue.received);
    const missing = /^"(.*)"$/.exec(issue.expected ?? '');
    if (missing && issue.input === undefined && Object.prototype.hasOwnProperty.call(entries, missing[1])) return typeMessage(entries[missing[1]]);
    return must(notObject);
  });
  return v.pipe(v.custom<v.InferInput<typeof object>>(isPlainObject, must(notObject)), object);
}

/** The parameters of a method or a nested object: exactly these keys (another key is refused, naming it). */
function params<E extends Entries>(entries: E, notObject = 'must be an object') {
  return strict(entries, notObject, () => `unexpected parameter "${PLACE}"`);
}

const ID_TEXT = must(`must be a non-negative integer (0 to ${API_LIMITS.maxId})`);
const id = v.pipe(v.number(ID_TEXT), v.integer(ID_TEXT), v.minValue(0, ID_TEXT), v.maxValue(API_LIMITS.maxId, ID_TEXT));

const PATH_TEXT = must(`must be a non-empty file path of at most ${API_LIMITS.pathLength} characters`);
/** An absolute file path (POSIX, a Windows drive or a UNC path), at most 4096 characters, no NUL. */
const absolutePath = v.pipe(
  v.string(PATH_TEXT), v.minLength(1, PATH_TEXT), v.maxLength(API_LIMITS.pathLength, PATH_TEXT), v.check((s) => !s.includes('\0'), PATH_TEXT),
  v.regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, mustQuoting((s) => `must be an absolute path (got ${JSON.stringify(String(s).slice(0, 200))})`)),
);

function oneOf<const T extends readonly string[]>(values: T) {
  return v.picklist(values, must(`must be one of ${values.join(', ')}`));
}

const NOTE_TEXT = must(`must be a string of at most ${API_LIMITS.noteLength} characters`);
const note = v.pipe(v.string(NOTE_TEXT), v.maxLength(API_LIMITS.noteLength, NOTE_TEXT));
const trueOrFalse = v.boolean(must('must be true or false'));

const FIELD_NAME_TEXT = must(`must be one of ${FIELD_NAMES.join(', ')}, or file:PROPERTY`);
/** A field of the registry, or file:PROPERTY. */
const fieldName = v.pipe(v.string(FIELD_NAME_TEXT), v.check((s) => isFieldName(s) || isFileFieldName(s), FIELD_NAME_TEXT));

const SERIES_NAME_TEXT = must(`must be one of ${SERIES_NAMES.join(', ')}`);
const seriesName = v.pipe(v.string(SERIES_NAME_TEXT), v.check((s: string) => isSeriesName(s), SERIES_NAME_TEXT));

/** Field or series parameters: an object whose keys and values the registry checks (see withRegistryParams). */
function registryParams<K extends string>() {
  return v.custom<Partial<Record<K, ParamValue>>>(isPlainObject, must('must be an object'));
}

/**
 * A method's parameters with the registry's check of the field or series parameters (`"params.NAME"` in its messages,
 * which name the method): the request with its parameters checked (numbers from strings as the CLI gives them), or the
 * first problem.
 */
function withRegistryParams<S extends v.GenericSchema<unknown, { name: string; params?: Partial<Record<string, ParamValue>> }>>(
  schema: S, method: string, table: Record<string, ParamInfo>, takes: (name: string) => readonly string[],
) {
  type T = v.InferOutput<S>;
  return v.pipe(schema, v.rawTransform<T, T>(({ dataset, addIssue, NEVER }) => {
    const p = dataset.value;
    if (p.params === undefined) return p;
    try {
      return { ...p, params: checkParams(method, table, takes(p.name), p.params, (n) => `"params.${n}"`) };
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      addIssue({ message: e.message, path: [{ type: 'object', origin: 'value', input: p, key: 'params', value: p.params }] });
      return NEVER;
    }
  }));
}

const LAG_TEXT = must(`must be an integer >= 1 and <= ${API_LIMITS.maxId}`);
/** How a pair field's reference follows the frame: the previous frame, a fixed frame, or a lag. */
const referenceMode = v.pipe(
  params({
    mode: oneOf(['previous', 'fixed', 'lag'] as const satisfies readonly RefMode[]),
    frame: v.optional(id),
    lag: v.optional(v.pipe(v.number(LAG_TEXT), v.integer(LAG_TEXT), v.minValue(1, LAG_TEXT), v.maxValue(API_LIMITS.maxId, LAG_TEXT))),
  }, 'must be an object {mode, frame, lag}'),
  v.forward(v.check((r) => r.mode !== 'fixed' || r.frame !== undefined, must('is needed with mode "fixed"')), ['frame']),
);

// ---- figure specs: the shape here, the values in the engine (normalizeSpec) ----

/** A value the engine checks (normalizeSpec, in its own words): the API only types it. */
function engine<T>() {
  return v.custom<T>(() => true);
}

/** Spec keys the service fills in from the open trajectory and its own index, never taken from a request. */
const FILLED_KEYS = ['trajectory', 'indexDir'] as const;
const filled = v.optional(v.undefined(must('is set by the workbench (the open trajectory and its index); leave it out')));

/** An object of a figure spec: known keys only (the message lists them). */
function specObject<E extends Entries>(entries: E, notObject = 'must be an object') {
  const known = Object.keys(entries).filter((k) => !(FILLED_KEYS as readonly string[]).includes(k));
  return strict(entries, notObject, () => `unknown figure spec key "${PLACE}"; expected one of ${known.join(', ')}`);
}

const figureStyleEntries = {
  /** Lengths as "8.6cm", "3.375in" or points. */
  width: v.optional(engine<string | number>()),
  height: v.optional(engine<string | number>()),
  fontFamily: v.optional(engine<'sans' | 'serif'>()),
  fontSize: v.optional(engine<number>()),
  colormap: v.optional(engine<'viridis' | 'cividis' | 'magma'>()),
  lineWidth: v.optional(engine<number>()),
  boxOutline: v.optional(engine<boolean>()),
  scaleBar: v.optional(engine<boolean>()),
  rasterParticles: v.optional(engine<boolean>()),
  rasterDpi: v.optional(engine<number>()),
  logX: v.optional(engine<boolean>()),
  logY: v.optional(engine<boolean>()),
  arrowScale: v.optional(engine<number>()),
} satisfies Record<(typeof FIGURE_STYLE_KEYS)[number], v.GenericSchema>;
const figureStyle = specObject(figureStyleEntries);

/**
 * A figure spec from the renderer: the engine's FigureSpec (src/core/figures/spec.ts) without `trajectory` and
 * `indexDir`, which the service fills in. Checked here: known keys only (nested too), required keys present, a kind,
 * a frame, absolute family paths, JSON data of bounded size; every other value by the engine's normalizeSpec.
 */
const figureSpecEntries = {
  version: v.optional(engine<1>()),
  kind: oneOf(FIGURE_KINDS),
  frame: id,
  before: v.optional(engine<number>()),
  after: v.optional(engine<number>()),
  field: v.optional(engine<string>()),
  fields: v.optional(engine<string[]>()),
  vector: v.optional(engine<string>()),
  series: v.optional(engine<string[]>()),
  potential: v.optional(engine<'wca' | 'hertz'>()),
  temperature: v.optional(engine<number>()),
  marks: v.optional(engine<number[]>()),
  xAxis: v.optional(engine<'frame' | 'time'>()),
  coefficient: v.optional(engine<'pearson' | 'spearman' | 'both'>()),
  bins: v.optional(engine<number>()),
  family: v.optional(v.array(
    specObject({ path: absolutePath, label: engine<string>(), frame: v.optional(engine<number>()) }, 'must be an object {path, label, frame}'),
    must('must be a list of {path, label, frame}'),
  )),
  reference: v.optional(specObject({ mode: engine<RefMode>(), frame: v.optional(engine<number>()), lag: v.optional(engine<number>()) })),
  cutoff: v.optional(engine<number>()),
  /** Parameters of the fields shown (see FIELD_PARAMS). */
  params: v.optional(engine<Partial<Record<FieldParamName, ParamValue>>>()),
  range: v.optional(specObject({ min: engine<number>(), max: engine<number>() })),
  preset: v.optional(engine<FigurePresetName>()),
  style: v.optional(figureStyle),
  dpi: v.optional(engine<number>()),
  trajectory: filled,
  indexDir: filled,
} satisfies Record<(typeof FIGURE_SPEC_KEYS)[number] | (typeof FILLED_KEYS)[number], v.GenericSchema>;

const figureSpec = v.pipe(specObject(figureSpecEntries, 'must be an object (a figure spec)'), jsonData('spec', API_LIMITS.layoutDepth, API_LIMITS.figureSpecJsonLength), v.transform(copyJson));

/** An absolute output path whose extension names a figure format. */
const figureOut = v.pipe(
  absolutePath,
  v.check((s) => FIGURE_EXTENSIONS.some((ext) => s.toLowerCase().endsWith(ext)),
    mustQuoting((s) => `must end in ${FIGURE_EXTENSIONS.join(', ')} (got ${JSON.stringify(String(s).slice(-200))})`)),
);

// ---- simulations: the parameters of each kind from SIMULATION_PARAMS (the table the dialog shows) ----

function simulationParam(spec: ParamSpec) {
  if (spec.type === 'boolean') return v.optional(trueOrFalse);
  const range = must(`must be ${spec.type === 'int' ? 'an integer' : 'a number'} ${spec.minExclusive ? '>' : '>='} ${spec.min} and <= ${spec.max}`);
  const inRange = (x: number): boolean => x >= spec.min && x <= spec.max && !(spec.minExclusive && x === spec.min);
  return spec.type === 'int'
    ? v.optional(v.pipe(v.number(range), v.check(inRange, range), v.integer(range)))
    : v.optional(v.pipe(v.number(range), v.check(inRange, range)));
}

/** The parameters of one kind of simulation: those of SIMULATION_PARAMS[kind] only. */
function simulationParams(kind: SimulationKind) {
  const specs = SIMULATION_PARAMS[kind];
  const entries = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, simulationParam(spec)]));
  return strict(entries, 'must be an object of simulation parameters', (key) => `unknown ${kind} parameter ${key}; expected ${Object.keys(specs).join(', ')}`);
}

const SIMULATION_SCHEMAS = { thermal: simulationParams('thermal'), aqs: simulationParams('aqs') } satisfies Record<SimulationKind, unknown>;

const simulationRequest = v.pipe(
  params({
    kind: oneOf(SIMULATION_KINDS),
    /** Parameters as the `avw simulate` CLI takes them (see SIMULATION_PARAMS); checked by kind. */
    params: v.custom<Record<string, number | string | boolean>>(isPlainObject, must('must be an object of simulation parameters')),
    /** Output file; default: a new file in the user's data directory. */
    out: v.optional(absolutePath),
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const p = dataset.value;
    const r = v.safeParse(SIMULATION_SCHEMAS[p.kind], p.params);
    if (!r.success) {
      const at = { type: 'object', origin: 'value', input: p, key: 'params', value: p.params } as const;
      for (const issue of r.issues) addIssue({ message: issue.message, path: [at, ...(issue.path ?? [])] as [v.IssuePathItem, ...v.IssuePathItem[]] });
      return NEVER;
    }
    const checked = Object.fromEntries(Object.entries(r.output).filter(([, x]) => x !== undefined)) as Record<string, number | boolean>;
    return p.out === undefined ? { kind: p.kind, params: checked } : { kind: p.kind, params: checked, out: p.out };
  }),
);

// ---- softness training (Zhang, Ridout & Liu Sec. II C; the job is src/core/jobs/softness-train-job.ts) ----

function numberIn(phrase: string, ok: (x: number) => boolean) {
  const text = must(`must be ${phrase}`);
  return v.optional(v.pipe(v.number(text), v.check((x) => Number.isFinite(x) && ok(x), text)));
}
const positiveNumber = numberIn('a positive number', (x) => x > 0);
const fraction = numberIn('a number between 0 and 1', (x) => x > 0 && x < 1);
function intIn(min: number, max: number) {
  return numberIn(`an integer from ${min} to ${max}`, (x) => Number.isInteger(x) && x >= min && x <= max);
}
const PAIR_TEXT = must('must be [small, large]: two positive numbers');
/** Per-species D2min thresholds: [small, large]. */
const speciesPair = v.pipe(
  v.array(v.number(PAIR_TEXT), PAIR_TEXT), v.length(2, PAIR_TEXT), v.check((a) => a.every((x) => Number.isFinite(x) && x > 0), PAIR_TEXT),
  v.transform((a) => [a[0], a[1]] as [number, number]),
);

/** A model file to write: an absolute path ending in .json. */
const modelOut = v.pipe(
  absolutePath,
  v.check((s) => s.toLowerCase().endsWith('.json'), mustQuoting((s) => `must end in .json (got ${JSON.stringify(String(s).slice(-200))})`)),
);

const trainSoftness = v.pipe(
  params({
    trajectoryId: id,
    /** D2min between frames `ref` and `frame` labels the particles; the structure functions are those of frame `ref`. */
    frame: id,
    ref: id,
    /** Neighbourhood of the D2min fit (default 2). */
    cutoff: positiveNumber,
    /** Labels by D2min quantiles (default) or by per-species thresholds. */
    labels: v.optional(oneOf(SOFTNESS_LABELS)),
    positiveQuantile: fraction,
    negativeQuantile: fraction,
    dSoft: v.optional(speciesPair),
    dHard: v.optional(speciesPair),
    /** Structure-function centres r0, r0 + dr, ... (count of them) with half-width `width` (Eq. 3). */
    r0: numberIn('a number >= 0', (x) => x >= 0),
    dr: positiveNumber,
    count: intIn(1, SOFTNESS_LIMITS.maxCount),
    width: positiveNumber,
    species: v.optional(oneOf(['none', 'type'] as const)),
    C: positiveNumber,
    /** Hyperplanes of the ensemble (each on a balanced draw, validated on 20 % held out, when more than one). */
    hyperplanes: intIn(1, SOFTNESS_LIMITS.maxHyperplanes),
    seed: numberIn('an integer', (x) => Number.isInteger(x) && Math.abs(x) <= API_LIMITS.maxId),
    /** The model file to write (absolute, .json); an existing file only with `overwrite`. */
    out: modelOut,
    overwrite: v.optional(trueOrFalse),
  }),
  v.forward(v.check((p) => p.frame !== p.ref, must('must differ from "ref" (D2min between two frames labels the particles)')), ['frame']),
  v.forward(v.check((p) => p.labels !== 'threshold' || p.dHard !== undefined, must('is needed with labels "threshold" (D2min below it: not rearranging)')), ['dHard']),
  v.forward(v.check((p) => p.labels === 'threshold' || (p.dSoft === undefined && p.dHard === undefined), must('applies only with labels "threshold"')), ['dSoft']),
  v.forward(v.check((p) => p.labels !== 'threshold' || (p.positiveQuantile === undefined && p.negativeQuantile === undefined), must('applies only with labels "quantile"')), ['positiveQuantile']),
  v.forward(v.check((p) => (p.negativeQuantile ?? 0.5) < (p.positiveQuantile ?? 0.9), must('must be below "positiveQuantile" (default 0.9)')), ['negativeQuantile']),
);

// ---- studies: a study file by path, then its id; figure specs checked here and again by the engine ----

/** Spec keys the service fills in from the open study, never taken from a request. */
const studyFilled = v.optional(v.undefined(must('is set by the workbench (the open study); leave it out')));

function studyNumber(text: string, ok: (x: number) => boolean, integer = false) {
  const t = must(text);
  return integer ? v.pipe(v.number(t), v.integer(t), v.check(ok, t)) : v.pipe(v.number(t), v.check((x) => Number.isFinite(x) && ok(x), t));
}

const SCALAR_FIELDS = FIELD_NAMES.filter((f) => !(VECTOR_FIELD_NAMES as readonly string[]).includes(f));
const studyFigureSpecEntries = {
  version: v.optional(v.literal(1, must('must be 1'))),
  kind: oneOf(STUDY_FIGURE_KINDS),
  /** distribution: a scalar field, the moment of the events, which events, bins and range. */
  field: v.optional(v.picklist(SCALAR_FIELDS as [FieldName, ...FieldName[]], must(`must be one of ${SCALAR_FIELDS.join(', ')} (a scalar field)`))),
  moment: v.optional(oneOf(STUDY_MOMENTS)),
  events: v.optional(oneOf(STUDY_EVENT_SELECTIONS)),
  bins: v.optional(studyNumber('must be an integer from 2 to 1000', (x) => x >= 2 && x <= 1000, true)),
  range: v.optional(v.pipe(
    specObject({ min: studyNumber('must be a finite number', () => true), max: studyNumber('must be a finite number', () => true) }, 'must be an object {min, max}'),
    v.check((r) => r.max > r.min, must('needs min < max')),
  )),
  /** timeline: the series averaged per temperature. */
  series: v.optional(v.pipe(v.string(SERIES_NAME_TEXT), v.check((x: string) => isSeriesName(x), SERIES_NAME_TEXT), v.transform((x) => x as SeriesName))),
  /** tau: the wave number of F_s. */
  q: v.optional(studyNumber('must be a positive wave number (at most 1000)', (x) => x > 0 && x <= 1000)),
  style: v.optional(figureStyle),
  preset: v.optional(oneOf(FIGURE_PRESETS)),
  dpi: v.optional(studyNumber('must be an integer from 72 to 2400', (x) => x >= 72 && x <= 2400, true)),
  study: studyFilled,
} satisfies Record<(typeof STUDY_FIGURE_SPEC_KEYS)[number] | 'study', v.GenericSchema>;

const studyFigureSpec = v.pipe(
  specObject(studyFigureSpecEntries, 'must be an object (a study figure spec)'),
  jsonData('spec', API_LIMITS.layoutDepth, API_LIMITS.figureSpecJsonLength), v.transform(copyJson),
);

const SBATCH_TEXT = must(`must be an sbatch option --NAME=VALUE with NAME one of ${SBATCH_VALUE_OPTIONS.join(', ')} (VALUE of letters, digits and _.,:@%+-), or ${SBATCH_FLAG_OPTIONS.map((f) => `--${f}`).join(', ')}`);
const SBATCH_ARG = new RegExp(`^(--(${SBATCH_VALUE_OPTIONS.join('|')})=[A-Za-z0-9_.,:@%+-]{1,200}|--(${SBATCH_FLAG_OPTIONS.join('|')}))$`);
const RUNS_TEXT = must(`must be a list of run numbers (at most ${STUDY_LIMITS.runs})`);

const runStudy = v.pipe(
  params({
    studyId: id,
    scheduler: oneOf(STUDY_SCHEDULERS),
    /** local: runs at a time (default: the cores). */
    maxParallel: v.optional(studyNumber(`must be an integer from 1 to ${STUDY_LIMITS.maxParallel}`, (x) => x >= 1 && x <= STUDY_LIMITS.maxParallel, true)),
    /** The runs to consider (default: all); finished ones are never redone. */
    runs: v.optional(v.pipe(v.array(id, RUNS_TEXT), v.minLength(1, RUNS_TEXT), v.maxLength(STUDY_LIMITS.runs, RUNS_TEXT))),
    /** Only the failed runs (resubmit or run again). */
    failedOnly: v.optional(trueOrFalse),
    /** slurm: more sbatch options for this submission (a short list of harmless ones: SBATCH_VALUE_OPTIONS). */
    sbatchArgs: v.optional(v.pipe(
      v.array(v.pipe(v.string(SBATCH_TEXT), v.regex(SBATCH_ARG, SBATCH_TEXT)), must(`must be a list of sbatch options (at most ${STUDY_LIMITS.sbatchArgs})`)),
      v.maxLength(STUDY_LIMITS.sbatchArgs, must(`must be a list of sbatch options (at most ${STUDY_LIMITS.sbatchArgs})`)),
    )),
  }),
  v.forward(v.check((p) => p.scheduler === 'local' || p.maxParallel === undefined, must('applies to the local scheduler (SLURM places the tasks)')), ['maxParallel']),
  v.forward(v.check((p) => p.scheduler === 'slurm' || p.sbatchArgs === undefined, must('applies to the slurm scheduler')), ['sbatchArgs']),
);

// ---- every method ----

const none = params({});
const trajectory = params({ trajectoryId: id });
const tagFormat = oneOf(['csv', 'json'] as const);
const IMPORT_TEXT = must(`must be the file's text, at most ${API_LIMITS.importTextLength} characters`);
const SESSION_FIELD_TEXT = must(`must be one of ${FIELD_NAMES.join(', ')}, file:PROPERTY, or "" for none`);
const KEY_TEXT = must('must be 16 hexadecimal digits (a key from an earlier frame)');
const fieldTakes = (name: string): readonly string[] => fieldInfo(name as AnyFieldName).params;

/** The parameters of every method of the API (api.ts lists the methods with their results). */
export const API_PARAMS = {
  version: none,
  openTrajectory: params({ path: absolutePath }),
  openDemo: none,
  recentFiles: none,
  getFrame: params({
    trajectoryId: id,
    frame: id,
    unwrapped: v.optional(v.boolean(must('must be a boolean')), false),
    compact: v.optional(v.boolean(must('must be a boolean'))),
    particlesKey: v.optional(v.pipe(v.string(KEY_TEXT), v.regex(/^[0-9a-f]{16}$/, KEY_TEXT))),
  }),
  getSeries: withRegistryParams(
    params({ trajectoryId: id, name: seriesName, params: v.optional(registryParams<SeriesParamName>()) }),
    'getSeries', SERIES_PARAMS, (name) => (isSeriesName(name) ? SERIES[name].params : []),
  ),
  getField: withRegistryParams(
    params({
      trajectoryId: id,
      frame: id,
      name: fieldName,
      /** The reference frame of a pair field (default: the previous frame). */
      ref: v.optional(id),
      params: v.optional(registryParams<FieldParamName>()),
      priority: v.optional(oneOf(['visible', 'ahead', 'background'] as const)),
    }),
    'getField', FIELD_PARAMS, fieldTakes,
  ),
  warmFields: withRegistryParams(
    params({
      trajectoryId: id,
      name: fieldName,
      /** How a pair field's reference follows the frame (default: the previous frame). */
      reference: v.optional(referenceMode),
      params: v.optional(registryParams<FieldParamName>()),
      around: v.optional(id),
    }),
    'warmFields', FIELD_PARAMS, fieldTakes,
  ),
  detect: trajectory,
  listTags: trajectory,
  addTag: params({ trajectoryId: id, frame: id, kind: oneOf(TAG_KINDS), note: v.optional(note) }),
  updateTag: v.pipe(
    params({ trajectoryId: id, tagId: id, kind: v.optional(oneOf(TAG_KINDS)), note: v.optional(note) }),
    v.check((p) => p.kind !== undefined || p.note !== undefined, 'give "kind", "note" or both'),
  ),
  deleteTag: params({ trajectoryId: id, tagId: id }),
  exportTags: params({ trajectoryId: id, format: tagFormat }),
  importTags: params({ trajectoryId: id, format: tagFormat, text: v.pipe(v.string(IMPORT_TEXT), v.maxLength(API_LIMITS.importTextLength, IMPORT_TEXT)) }),
  getSession: none,
  saveSession: params({
    lastFile: v.nullable(absolutePath),
    frame: id,
    field: v.pipe(v.string(SESSION_FIELD_TEXT), v.check((s) => s === '' || isFieldName(s) || isFileFieldName(s), SESSION_FIELD_TEXT)),
    /** Free-form layout state of the renderer (pane sizes, bracket d, colour map...), stored as given. */
    layout: v.pipe(
      v.custom<Record<string, unknown>>(isPlainObject, must('must be a plain object')),
      jsonData('layout', API_LIMITS.layoutDepth, API_LIMITS.layoutJsonLength), v.transform(copyJson),
    ),
  }),
  startSimulation: simulationRequest,
  listJobs: none,
  cancelJob: params({ jobId: id }),
  previewFigure: params({ trajectoryId: id, spec: figureSpec }),
  exportFigure: params({ trajectoryId: id, spec: figureSpec, out: figureOut, overwrite: v.optional(trueOrFalse) }),
  trainSoftness,
  loadSoftnessModel: params({ path: absolutePath }),
  openStudy: params({ path: absolutePath }),
  studyStatus: params({ studyId: id }),
  runStudy,
  collectStudy: params({ studyId: id }),
  openStudyRun: params({ studyId: id, runId: id }),
  previewStudyFigure: params({ studyId: id, spec: studyFigureSpec }),
  exportStudyFigure: params({ studyId: id, spec: studyFigureSpec, out: figureOut, overwrite: v.optional(trueOrFalse) }),
};

export type ApiParamSchemas = typeof API_PARAMS;
