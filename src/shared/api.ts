// The typed contract between the renderer and the backend (Electron IPC or the web host's WebSocket).
// Every request is validated on the backend side with `validateRequest` before it reaches the service.
import {
  FIELD_NAMES, FIELD_PARAMS, SERIES_NAMES, SERIES_PARAMS, checkParams, isFieldName, isFileFieldName, isSeriesName, fieldInfo, SERIES,
  ParamError, type AnyFieldName, type FieldParamName, type ParamValue, type SeriesParamName,
} from './fields.js';
import type { RefMode } from './reference-mode.js';

export { FIELD_NAMES, SERIES_NAMES };

export interface BoxJson {
  origin: [number, number, number];
  vectors: [[number, number, number], [number, number, number], [number, number, number]];
  periodic: [boolean, boolean, boolean];
}

export interface TrajectoryInfo {
  id: number;
  path: string;
  format: string;
  frames: number;
  particles: number;
  particlesConstant: boolean;
  dimensions: 2 | 3;
  timesteps: [number, number];
  box: BoxJson;
  /** Damage found while indexing (a truncated or corrupt frame): the frames before it are usable. */
  damage: string | null;
  /** Fields from the per-particle properties the file stores (frame 0): `file:c_pe`, `file:velocity`, ... */
  fileFields: string[];
}

export interface FramePayload {
  trajectoryId: number;
  frame: number;
  timestep: number;
  n: number;
  dimensions: 2 | 3;
  box: BoxJson;
  /** Particle ids (ascending) and types; empty when `particlesOmitted`. */
  ids: Int32Array;
  types: Int32Array;
  /** n * stride absolute Cartesian positions: Float64 x, y, z by default; with `compact`, Float32 and only the
   * frame's own dimensions (x, y for 2D): a third of the bytes. */
  positions: Float64Array | Float32Array;
  stride: 2 | 3;
  /** Per-particle diameters when the file has them (diameter, or 2*radius; Float32 with `compact`), else null. */
  diameters: Float64Array | Float32Array | null;
  /** A 64-bit digest (16 hex digits) of ids, types and diameters: frames with equal keys have equal particles. */
  particlesKey: string;
  /** The request's `particlesKey` matched: ids, types and diameters were left out (the client has them). */
  particlesOmitted: boolean;
  warnings: string[];
}

export interface AppVersion {
  app: string;
  version: string;
  host: 'electron' | 'web';
}

export type TagKind = 'avalanche' | 'uncertain' | 'not-avalanche' | 'candidate';
export type TagSource = 'manual' | 'detector';

export interface TagJson {
  id: number;
  frame: number;
  /** Timestep and time of the frame (time = step * dt when the schedule knows dt, else null). */
  timestep: number;
  /** Added by the backend: the frame's time (from the file, else step * dt), or null when unknown. */
  time?: number | null;
  kind: TagKind;
  source: TagSource;
  score: number | null;
  note: string;
  /** The event's own bracket when the tag knows it (the detector's candidates do, manual tags do not): the last
   * frame before the event and the frame where it has ended, before <= frame <= after. */
  before?: number;
  after?: number;
  createdAt: string;
  updatedAt: string;
}

export interface SeriesPayload {
  name: string;
  /** Timestep of every frame. */
  timesteps: Float64Array;
  values: Float64Array;
}

export interface FieldPayload {
  trajectoryId: number;
  name: string;
  frame: number;
  /** The reference frame used (-1 for softness). */
  ref: number;
  /** 1 for scalar fields, the dimension for vector fields (na, displacement, is_displacement). */
  components: number;
  /** n * components, particles in id order; NaN marks a flagged particle (too few neighbours, singular fit, absent). */
  values: Float32Array;
  invalidCount: number;
}

export interface Candidate {
  frame: number;
  score: number;
  before: number;
  after: number;
}

export interface JobSnapshot {
  id: number;
  kind: string;
  label: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string;
  /** For finished simulations: the trajectory written (opened by the client when it likes). */
  outputPath: string | null;
  error: string | null;
  startedAt: string;
}

/** Pushed from the backend without a request (WebSocket message {event, data}; Electron channel 'avw:event'). */
export type ApiEvent =
  | { event: 'job'; data: JobSnapshot }
  | { event: 'indexProgress'; data: { jobId: number; path: string; done: number; total: number; frames: number } };

export interface SessionState {
  lastFile: string | null;
  frame: number;
  field: string;
  /** Free-form layout state of the renderer (pane sizes, bracket d, colour map...), stored as given. */
  layout: Record<string, unknown>;
}

export interface SimulationRequest {
  kind: 'thermal' | 'aqs';
  /** Parameters as the `avw simulate` CLI takes them (n, rho, T, Tp, equil, tw, B, ncfg, blocks, dt, seed, is; aqs: n, seed, steps, deps): see SIMULATION_PARAMS. */
  params: Record<string, number | string | boolean>;
  /** Output file; default: a new file in the user's data directory. */
  out?: string;
}

/** Figure kinds, output formats, size presets and raster resolutions of the figure engine (src/core/figures: spec.ts,
 * style.ts), repeated here for the renderer, which never imports core; a test keeps the two lists equal. */
export const FIGURE_KINDS = ['fields', 'vectors', 'timeline', 'distribution', 'heatmap', 'scatter', 'grid'] as const;
export type FigureKindName = (typeof FIGURE_KINDS)[number];
export const FIGURE_FORMATS = ['pdf', 'svg', 'png', 'tiff'] as const;
export type FigureFormatName = (typeof FIGURE_FORMATS)[number];
export const FIGURE_PRESETS = ['aps-single', 'aps-double'] as const;
export type FigurePresetName = (typeof FIGURE_PRESETS)[number];
export const FIGURE_DPI_CHOICES = [300, 600, 1200] as const;
/** File name endings of figure outputs (the format is the extension's). */
export const FIGURE_EXTENSIONS = ['.pdf', '.svg', '.png', '.tif', '.tiff'] as const;
/** Part of the error an export gives when a file it would write exists and `overwrite` was not passed. */
export const FIGURE_EXISTS_MESSAGE = 'already exist';

/** Style of a figure as the renderer sends it: lengths as "8.6cm", "3.375in" or points. */
export interface FigureStyleRequest {
  width?: string | number;
  height?: string | number;
  fontFamily?: 'sans' | 'serif';
  fontSize?: number;
  colormap?: 'viridis' | 'cividis' | 'magma';
  lineWidth?: number;
  boxOutline?: boolean;
  scaleBar?: boolean;
  rasterParticles?: boolean;
  rasterDpi?: number;
  logX?: boolean;
  logY?: boolean;
  arrowScale?: number;
}

/**
 * A figure spec from the renderer: the engine's FigureSpec (src/core/figures/spec.ts) without `trajectory` and
 * `indexDir`, which the service fills in from the open trajectory and its own index. Values are checked by the
 * engine's normalizeSpec in the service; validateRequest checks the shape and that every key is known.
 */
export interface FigureSpecRequest {
  version?: 1;
  kind: FigureKindName;
  frame: number;
  before?: number;
  after?: number;
  field?: string;
  fields?: string[];
  vector?: string;
  series?: string[];
  potential?: 'wca' | 'hertz';
  temperature?: number;
  marks?: number[];
  xAxis?: 'frame' | 'time';
  coefficient?: 'pearson' | 'spearman' | 'both';
  bins?: number;
  family?: { path: string; label: string; frame?: number }[];
  reference?: { mode: 'previous' | 'fixed' | 'lag'; frame?: number; lag?: number };
  cutoff?: number;
  /** Parameters of the fields shown (see FIELD_PARAMS). */
  params?: Partial<Record<FieldParamName, ParamValue>>;
  range?: { min: number; max: number };
  preset?: FigurePresetName;
  style?: FigureStyleRequest;
  dpi?: number;
}

export interface FigurePreview {
  svg: string;
  widthPt: number;
  heightPt: number;
  warnings: string[];
}

export interface FigureExport {
  /** The figure, its sidecar spec (.json) and its plotted data (.csv). */
  path: string;
  format: FigureFormatName;
  bytes: number;
  sidecar: string;
  csv: string;
  warnings: string[];
}

/** Electron's IPC channels: API requests (invoke), pushed events (main -> renderer), the native Open dialog (invoke). */
export const IPC_CHANNELS = { api: 'avw:api', event: 'avw:event', chooseFile: 'avw:choose-file', chooseFigurePath: 'avw:choose-figure-path' } as const;

export interface FieldRequestParams {
  trajectoryId: number;
  frame: number;
  name: string;
  ref?: number;
  params?: Partial<Record<FieldParamName, ParamValue>>;
  priority?: 'visible' | 'ahead' | 'background';
}

export interface WarmFieldsParams {
  trajectoryId: number;
  name: string;
  /** How a pair field's reference follows the frame (default: the previous frame). */
  reference?: { mode: RefMode; frame?: number; lag?: number };
  params?: Partial<Record<FieldParamName, ParamValue>>;
  around?: number;
}

/** Requests by method name: parameters and results. */
export interface ApiMethods {
  version: { params: Record<string, never>; result: AppVersion };
  /** Open (index if needed, in a worker; progress as 'indexProgress' events) a trajectory by absolute path. */
  openTrajectory: { params: { path: string }; result: TrajectoryInfo };
  /** Open the shipped demo trajectory (resources/demo/demo.gsd). */
  openDemo: { params: Record<string, never>; result: TrajectoryInfo };
  recentFiles: { params: Record<string, never>; result: { paths: string[] } };
  /** A frame's particles. `compact`: Float32 positions in the frame's dimensions and Float32 diameters; `particlesKey`:
   * the key of particles the client already has, whose ids, types and diameters are then not sent again. */
  getFrame: { params: { trajectoryId: number; frame: number; unwrapped?: boolean; compact?: boolean; particlesKey?: string }; result: FramePayload };
  /** A per-frame series (see SERIES in fields.ts), computed once by an analysis worker and kept in the index. */
  getSeries: { params: { trajectoryId: number; name: string; params?: Partial<Record<SeriesParamName, ParamValue>> }; result: SeriesPayload };
  /** A per-particle field (see FIELDS in fields.ts, or file:PROPERTY) at `frame`; `ref` only for pair fields (default: the
   * previous frame). From the index's cache, else computed by an analysis worker and cached; `priority`: what is on
   * screen (visible, the default) before compute-ahead (ahead) before background sweeps. */
  getField: { params: FieldRequestParams; result: FieldPayload };
  /** Compute a field for every frame in the background, nearest to `around` first (one sweep at a time: a new one cancels
   * the last); resolves when the sweep has finished or was replaced. */
  warmFields: { params: WarmFieldsParams; result: { frames: number; queued: number; computed: number; failed: number; cancelled: boolean; error: string | null } };
  /** Run the MSD-jump detector; candidates are stored as detector tags. */
  detect: { params: { trajectoryId: number }; result: { candidates: Candidate[] } };
  listTags: { params: { trajectoryId: number }; result: { tags: TagJson[] } };
  addTag: { params: { trajectoryId: number; frame: number; kind: TagKind; note?: string }; result: TagJson };
  updateTag: { params: { trajectoryId: number; tagId: number; kind?: TagKind; note?: string }; result: TagJson };
  deleteTag: { params: { trajectoryId: number; tagId: number }; result: { deleted: true } };
  exportTags: { params: { trajectoryId: number; format: 'csv' | 'json' }; result: { text: string } };
  importTags: { params: { trajectoryId: number; format: 'csv' | 'json'; text: string }; result: { inserted: number; updated: number; warnings: string[] } };
  getSession: { params: Record<string, never>; result: SessionState };
  saveSession: { params: SessionState; result: { saved: true } };
  startSimulation: { params: SimulationRequest; result: JobSnapshot };
  listJobs: { params: Record<string, never>; result: { jobs: JobSnapshot[] } };
  cancelJob: { params: { jobId: number }; result: JobSnapshot };
  /** A figure of the open trajectory as SVG, made by a 'figure' job in a worker; a newer preview cancels an older one. */
  previewFigure: { params: { trajectoryId: number; spec: FigureSpecRequest }; result: FigurePreview };
  /** Write a figure (format from the extension of the absolute `out`) with its .json spec and .csv data; existing
   * files are refused unless `overwrite`. A 'figure' job in a worker, listed among the jobs. */
  exportFigure: { params: { trajectoryId: number; spec: FigureSpecRequest; out: string; overwrite?: boolean }; result: FigureExport };
}

export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResult<M extends ApiMethod> = ApiMethods[M]['result'];

/** What the renderer sees: one async function per method. */
export type Api = { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiResult<M>> };

export const API_METHODS: readonly ApiMethod[] = [
  'version', 'openTrajectory', 'openDemo', 'recentFiles', 'getFrame', 'getSeries', 'getField', 'warmFields', 'detect',
  'listTags', 'addTag', 'updateTag', 'deleteTag', 'exportTags', 'importTags', 'getSession', 'saveSession',
  'startSimulation', 'listJobs', 'cancelJob', 'previewFigure', 'exportFigure',
];

export class ApiValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiValidationError';
  }
}

// ---- validation: every parameter of every method, strictly (types, ranges, known names, no extra keys) ----

/** Limits on what a request may carry. */
export const API_LIMITS = {
  pathLength: 4096,
  noteLength: 10_000,
  /** Characters of an imported tag file. */
  importTextLength: 8 * 1024 * 1024,
  /** Serialized size of the session's layout object. */
  layoutJsonLength: 64 * 1024,
  layoutDepth: 16,
  maxId: 2 ** 31 - 1,
  /** Serialized size of a figure spec. */
  figureSpecJsonLength: 256 * 1024,
} as const;

export type ParamSpec = { type: 'int' | 'number'; min: number; max: number; minExclusive?: boolean } | { type: 'boolean' };

/** Parameters of `startSimulation` by kind, as the `avw simulate` CLI takes them. */
export const SIMULATION_PARAMS: Record<SimulationRequest['kind'], Record<string, ParamSpec>> = {
  thermal: {
    n: { type: 'int', min: 2, max: 10_000_000 },
    rho: { type: 'number', min: 0, max: 100, minExclusive: true },
    T: { type: 'number', min: 0, max: 1000, minExclusive: true },
    Tp: { type: 'number', min: 0, max: 1000, minExclusive: true },
    equil: { type: 'int', min: 0, max: 1e12 },
    tw: { type: 'int', min: 0, max: 1e12 },
    B: { type: 'int', min: 1, max: 1e12 },
    ncfg: { type: 'int', min: 1, max: 52 },
    blocks: { type: 'int', min: 1, max: 1_000_000 },
    dt: { type: 'number', min: 0, max: 1, minExclusive: true },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    /** Also write the inherent structures (<out>.is.gsd, for is_displacement). */
    is: { type: 'boolean' },
  },
  aqs: {
    n: { type: 'int', min: 2, max: 10_000_000 },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    steps: { type: 'int', min: 1, max: 1e9 },
    deps: { type: 'number', min: 0, max: 1, minExclusive: true },
  },
};

const TAG_KINDS: readonly TagKind[] = ['avalanche', 'uncertain', 'not-avalanche', 'candidate'];

function fail(message: string): never {
  throw new ApiValidationError(message);
}

/** A plain object: not null, not an array, not a typed array, no class instance. */
function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function expectKeys(method: string, p: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) fail(`${method}: unexpected parameter "${k}"`);
  }
}

function nonNegativeInt(method: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > API_LIMITS.maxId) {
    fail(`${method}: "${name}" must be a non-negative integer`);
  }
  return v;
}

function trajectoryIdOf(method: string, p: Record<string, unknown>): number {
  return nonNegativeInt(method, 'trajectoryId', p.trajectoryId);
}

/** An absolute file path (POSIX, a Windows drive or a UNC path), at most 4096 characters, no NUL. */
function absolutePath(method: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > API_LIMITS.pathLength || v.includes('\0')) {
    fail(`${method}: "${name}" must be a non-empty file path of at most ${API_LIMITS.pathLength} characters`);
  }
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(v)) fail(`${method}: "${name}" must be an absolute path (got ${JSON.stringify(v.slice(0, 200))})`);
  return v;
}

function oneOf<T extends string>(method: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(`${method}: "${name}" must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function optionalNote(method: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > API_LIMITS.noteLength) fail(`${method}: "note" must be a string of at most ${API_LIMITS.noteLength} characters`);
  return v;
}

function finiteNumber(method: string, name: string, v: unknown, min: number, max: number, minExclusive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (minExclusive && v === min)) {
    fail(`${method}: "${name}" must be a number ${minExclusive ? '>' : '>='} ${min} and <= ${max}`);
  }
  return v;
}

function noParams(method: string, p: Record<string, unknown>): Record<string, never> {
  expectKeys(method, p, []);
  return {};
}

/** JSON-like data only (null, booleans, finite numbers, strings, arrays, plain objects), bounded in depth. */
function checkJsonValue(method: string, root: string, v: unknown, depth: number, where: string): void {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${method}: ${where} must be a finite number`);
    return;
  }
  if (depth >= API_LIMITS.layoutDepth) fail(`${method}: "${root}" is nested deeper than ${API_LIMITS.layoutDepth} levels`);
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJsonValue(method, root, x, depth + 1, `${where}[${i}]`));
    return;
  }
  if (!isObject(v)) fail(`${method}: ${where} must be JSON data (null, boolean, number, string, array or plain object)`);
  for (const [k, x] of Object.entries(v)) checkJsonValue(method, root, x, depth + 1, `${where}.${k}`);
}

function simulationRequest(p: Record<string, unknown>): SimulationRequest {
  const method = 'startSimulation';
  expectKeys(method, p, ['kind', 'params', 'out']);
  const kind = oneOf(method, 'kind', p.kind, ['thermal', 'aqs'] as const);
  const raw = p.params ?? {};
  if (!isObject(raw)) fail(`${method}: "params" must be an object of simulation parameters`);
  const specs = SIMULATION_PARAMS[kind];
  const params: Record<string, number | boolean> = {};
  for (const [name, v] of Object.entries(raw)) {
    if (!Object.prototype.hasOwnProperty.call(specs, name)) {
      fail(`${method}: unknown ${kind} parameter "${name}"; expected ${Object.keys(specs).join(', ')}`);
    }
    const spec = specs[name];
    if (spec.type === 'boolean') {
      if (typeof v !== 'boolean') fail(`${method}: "params.${name}" must be true or false`);
      params[name] = v;
      continue;
    }
    const x = finiteNumber(method, `params.${name}`, v, spec.min, spec.max, spec.minExclusive);
    if (spec.type === 'int' && !Number.isInteger(x)) fail(`${method}: "params.${name}" must be an integer`);
    params[name] = x;
  }
  const out = p.out === undefined ? undefined : absolutePath(method, 'out', p.out);
  return out === undefined ? { kind, params } : { kind, params, out };
}

/** Keys of a figure spec the renderer may send (FigureSpecRequest), and of its nested objects. */
export const FIGURE_SPEC_KEYS = [
  'version', 'kind', 'frame', 'before', 'after', 'field', 'fields', 'vector', 'series', 'potential', 'temperature', 'marks', 'xAxis',
  'coefficient', 'bins', 'family', 'reference', 'cutoff', 'params', 'range', 'preset', 'style', 'dpi',
] as const;
export const FIGURE_STYLE_KEYS = [
  'width', 'height', 'fontFamily', 'fontSize', 'colormap', 'lineWidth', 'boxOutline', 'scaleBar', 'rasterParticles', 'rasterDpi', 'logX', 'logY', 'arrowScale',
] as const;
const FIGURE_NESTED_KEYS: Record<string, readonly string[]> = {
  style: FIGURE_STYLE_KEYS,
  reference: ['mode', 'frame', 'lag'],
  range: ['min', 'max'],
};
/** Filled in by the service from the open trajectory and its own index, never taken from a request. */
const FIGURE_FILLED_KEYS = ['trajectory', 'indexDir'] as const;

function knownSpecKeys(method: string, where: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(`${method}: unknown figure spec key "${where}${k}"; expected one of ${allowed.join(', ')}`);
  }
}

/** The shape of a figure spec: JSON data, known keys only, a kind and a frame (values are the engine's to check). */
function figureSpec(method: string, v: unknown): FigureSpecRequest {
  if (!isObject(v)) fail(`${method}: "spec" must be an object (a figure spec)`);
  checkJsonValue(method, 'spec', v, 0, '"spec"');
  const json = JSON.stringify(v);
  if (json.length > API_LIMITS.figureSpecJsonLength) fail(`${method}: "spec" is larger than ${API_LIMITS.figureSpecJsonLength} characters as JSON`);
  for (const k of FIGURE_FILLED_KEYS) {
    if (k in v) fail(`${method}: "spec.${k}" is set by the workbench (the open trajectory and its index); leave it out`);
  }
  knownSpecKeys(method, 'spec.', v, FIGURE_SPEC_KEYS);
  for (const [key, allowed] of Object.entries(FIGURE_NESTED_KEYS)) {
    const nested = v[key];
    if (nested === undefined) continue;
    if (!isObject(nested)) fail(`${method}: "spec.${key}" must be an object`);
    knownSpecKeys(method, `spec.${key}.`, nested, allowed);
  }
  if (v.family !== undefined) {
    if (!Array.isArray(v.family)) fail(`${method}: "spec.family" must be a list of {path, label, frame}`);
    v.family.forEach((member: unknown, i) => {
      if (!isObject(member)) fail(`${method}: "spec.family[${i}]" must be an object {path, label, frame}`);
      knownSpecKeys(method, `spec.family[${i}].`, member, ['path', 'label', 'frame']);
      absolutePath(method, `spec.family[${i}].path`, member.path);
    });
  }
  oneOf(method, 'spec.kind', v.kind, FIGURE_KINDS);
  nonNegativeInt(method, 'spec.frame', v.frame);
  return JSON.parse(json) as FigureSpecRequest;
}

/** An absolute output path whose extension names a figure format. */
function figureOut(method: string, v: unknown): string {
  const out = absolutePath(method, 'out', v);
  const lower = out.toLowerCase();
  if (!FIGURE_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
    fail(`${method}: "out" must end in ${FIGURE_EXTENSIONS.join(', ')} (got ${JSON.stringify(out.slice(-200))})`);
  }
  return out;
}

/** A field name of the registry, or file:PROPERTY. */
function fieldName(method: string, v: unknown): AnyFieldName {
  if (!isFieldName(v) && !isFileFieldName(v)) fail(`${method}: "name" must be one of ${FIELD_NAMES.join(', ')}, or file:PROPERTY`);
  return v;
}

/** The registry's parameters of a field or series (checked by the registry, named "params.NAME"); undefined when none. */
function registryParams<T extends string>(
  method: string, v: unknown, table: Record<string, import('./fields.js').ParamInfo>, takes: readonly T[],
): Partial<Record<T, ParamValue>> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail(`${method}: "params" must be an object`);
  try {
    return checkParams(method, table, takes, v, (n) => `"params.${n}"`) as Partial<Record<T, ParamValue>>;
  } catch (e) {
    if (e instanceof ParamError) fail(e.message);
    throw e;
  }
}

/** A reference mode: previous frame, a fixed frame, or a lag. */
function referenceMode(method: string, v: unknown): { mode: RefMode; frame?: number; lag?: number } {
  if (!isObject(v)) fail(`${method}: "reference" must be an object {mode, frame, lag}`);
  expectKeys(method, v, ['mode', 'frame', 'lag']);
  const out: { mode: RefMode; frame?: number; lag?: number } = { mode: oneOf(method, 'reference.mode', v.mode, ['previous', 'fixed', 'lag'] as const) };
  if (v.frame !== undefined) out.frame = nonNegativeInt(method, 'reference.frame', v.frame);
  if (v.lag !== undefined) {
    out.lag = nonNegativeInt(method, 'reference.lag', v.lag);
    if (out.lag < 1) fail(`${method}: "reference.lag" must be an integer >= 1`);
  }
  if (out.mode === 'fixed' && out.frame === undefined) fail(`${method}: "reference.frame" is needed with mode "fixed"`);
  return out;
}

/** Check a request's method and parameters; throws ApiValidationError naming what is wrong. */
export function validateRequest(method: unknown, params: unknown): { method: ApiMethod; params: ApiParams<ApiMethod> } {
  if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
    throw new ApiValidationError(`unknown method ${JSON.stringify(method)}`);
  }
  const p = params ?? {};
  if (!isObject(p)) throw new ApiValidationError(`${method}: parameters must be an object`);
  const m = method as ApiMethod;
  switch (m) {
    case 'version':
    case 'openDemo':
    case 'recentFiles':
    case 'getSession':
    case 'listJobs':
      return { method: m, params: noParams(m, p) };
    case 'openTrajectory': {
      expectKeys(m, p, ['path']);
      return { method: m, params: { path: absolutePath(m, 'path', p.path) } };
    }
    case 'getFrame': {
      expectKeys(m, p, ['trajectoryId', 'frame', 'unwrapped', 'compact', 'particlesKey']);
      const trajectoryId = trajectoryIdOf(m, p);
      const frame = nonNegativeInt(m, 'frame', p.frame);
      if (p.unwrapped !== undefined && typeof p.unwrapped !== 'boolean') fail('getFrame: "unwrapped" must be a boolean');
      if (p.compact !== undefined && typeof p.compact !== 'boolean') fail('getFrame: "compact" must be a boolean');
      if (p.particlesKey !== undefined && (typeof p.particlesKey !== 'string' || !/^[0-9a-f]{16}$/.test(p.particlesKey))) {
        fail('getFrame: "particlesKey" must be 16 hexadecimal digits (a key from an earlier frame)');
      }
      const out: ApiParams<'getFrame'> = { trajectoryId, frame, unwrapped: p.unwrapped === true };
      if (p.compact !== undefined) out.compact = p.compact;
      if (p.particlesKey !== undefined) out.particlesKey = p.particlesKey;
      return { method: m, params: out };
    }
    case 'getSeries': {
      expectKeys(m, p, ['trajectoryId', 'name', 'params']);
      const trajectoryId = trajectoryIdOf(m, p);
      if (!isSeriesName(p.name)) fail(`getSeries: "name" must be one of ${SERIES_NAMES.join(', ')}`);
      const out: ApiParams<'getSeries'> = { trajectoryId, name: p.name };
      const given = registryParams(m, p.params, SERIES_PARAMS, SERIES[p.name].params);
      if (given) out.params = given;
      return { method: m, params: out };
    }
    case 'getField': {
      expectKeys(m, p, ['trajectoryId', 'frame', 'ref', 'name', 'params', 'priority']);
      const name = fieldName(m, p.name);
      const out: ApiParams<'getField'> = { trajectoryId: trajectoryIdOf(m, p), frame: nonNegativeInt(m, 'frame', p.frame), name };
      if (p.ref !== undefined) out.ref = nonNegativeInt(m, 'ref', p.ref);
      const given = registryParams(m, p.params, FIELD_PARAMS, fieldInfo(name).params);
      if (given) out.params = given;
      if (p.priority !== undefined) out.priority = oneOf(m, 'priority', p.priority, ['visible', 'ahead', 'background'] as const);
      return { method: m, params: out };
    }
    case 'warmFields': {
      expectKeys(m, p, ['trajectoryId', 'name', 'reference', 'params', 'around']);
      const name = fieldName(m, p.name);
      const out: ApiParams<'warmFields'> = { trajectoryId: trajectoryIdOf(m, p), name };
      if (p.reference !== undefined) out.reference = referenceMode(m, p.reference);
      const given = registryParams(m, p.params, FIELD_PARAMS, fieldInfo(name).params);
      if (given) out.params = given;
      if (p.around !== undefined) out.around = nonNegativeInt(m, 'around', p.around);
      return { method: m, params: out };
    }
    case 'detect':
    case 'listTags':
      expectKeys(m, p, ['trajectoryId']);
      return { method: m, params: { trajectoryId: trajectoryIdOf(m, p) } };
    case 'addTag': {
      expectKeys(m, p, ['trajectoryId', 'frame', 'kind', 'note']);
      const out: ApiParams<'addTag'> = { trajectoryId: trajectoryIdOf(m, p), frame: nonNegativeInt(m, 'frame', p.frame), kind: oneOf(m, 'kind', p.kind, TAG_KINDS) };
      const note = optionalNote(m, p.note);
      if (note !== undefined) out.note = note;
      return { method: m, params: out };
    }
    case 'updateTag': {
      expectKeys(m, p, ['trajectoryId', 'tagId', 'kind', 'note']);
      const out: ApiParams<'updateTag'> = { trajectoryId: trajectoryIdOf(m, p), tagId: nonNegativeInt(m, 'tagId', p.tagId) };
      if (p.kind !== undefined) out.kind = oneOf(m, 'kind', p.kind, TAG_KINDS);
      const note = optionalNote(m, p.note);
      if (note !== undefined) out.note = note;
      if (out.kind === undefined && out.note === undefined) fail('updateTag: give "kind", "note" or both');
      return { method: m, params: out };
    }
    case 'deleteTag':
      expectKeys(m, p, ['trajectoryId', 'tagId']);
      return { method: m, params: { trajectoryId: trajectoryIdOf(m, p), tagId: nonNegativeInt(m, 'tagId', p.tagId) } };
    case 'exportTags':
      expectKeys(m, p, ['trajectoryId', 'format']);
      return { method: m, params: { trajectoryId: trajectoryIdOf(m, p), format: oneOf(m, 'format', p.format, ['csv', 'json'] as const) } };
    case 'importTags': {
      expectKeys(m, p, ['trajectoryId', 'format', 'text']);
      const trajectoryId = trajectoryIdOf(m, p);
      const format = oneOf(m, 'format', p.format, ['csv', 'json'] as const);
      if (typeof p.text !== 'string' || p.text.length > API_LIMITS.importTextLength) {
        fail(`importTags: "text" must be the file's text, at most ${API_LIMITS.importTextLength} characters`);
      }
      return { method: m, params: { trajectoryId, format, text: p.text } };
    }
    case 'saveSession': {
      expectKeys(m, p, ['lastFile', 'frame', 'field', 'layout']);
      const lastFile = p.lastFile === null ? null : absolutePath(m, 'lastFile', p.lastFile);
      const frame = nonNegativeInt(m, 'frame', p.frame);
      if (p.field !== '' && !isFieldName(p.field) && !isFileFieldName(p.field)) {
        fail(`saveSession: "field" must be one of ${FIELD_NAMES.join(', ')}, file:PROPERTY, or "" for none`);
      }
      if (!isObject(p.layout)) fail('saveSession: "layout" must be a plain object');
      checkJsonValue(m, 'layout', p.layout, 0, '"layout"');
      const layoutJson = JSON.stringify(p.layout);
      if (layoutJson.length > API_LIMITS.layoutJsonLength) fail(`saveSession: "layout" is larger than ${API_LIMITS.layoutJsonLength} characters as JSON`);
      return { method: m, params: { lastFile, frame, field: p.field as string, layout: JSON.parse(layoutJson) as Record<string, unknown> } };
    }
    case 'startSimulation':
      return { method: m, params: simulationRequest(p) };
    case 'cancelJob':
      expectKeys(m, p, ['jobId']);
      return { method: m, params: { jobId: nonNegativeInt(m, 'jobId', p.jobId) } };
    case 'previewFigure':
      expectKeys(m, p, ['trajectoryId', 'spec']);
      return { method: m, params: { trajectoryId: trajectoryIdOf(m, p), spec: figureSpec(m, p.spec) } };
    case 'exportFigure': {
      expectKeys(m, p, ['trajectoryId', 'spec', 'out', 'overwrite']);
      const out: ApiParams<'exportFigure'> = { trajectoryId: trajectoryIdOf(m, p), spec: figureSpec(m, p.spec), out: figureOut(m, p.out) };
      if (p.overwrite !== undefined) {
        if (typeof p.overwrite !== 'boolean') fail('exportFigure: "overwrite" must be true or false');
        out.overwrite = p.overwrite;
      }
      return { method: m, params: out };
    }
  }
  throw new ApiValidationError(`unknown method ${method}`);
}
