// The typed contract between the renderer and the backend (Electron IPC or the web host's WebSocket).
// Every request is validated on the backend side with `validateRequest` before it reaches the service.

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
}

export interface FramePayload {
  trajectoryId: number;
  frame: number;
  timestep: number;
  n: number;
  dimensions: 2 | 3;
  box: BoxJson;
  ids: Int32Array;
  types: Int32Array;
  /** n*3 absolute Cartesian positions. */
  positions: Float64Array;
  /** Per-particle diameters when the file has them (diameter, or 2*radius), else null. */
  diameters: Float64Array | null;
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
  kind: TagKind;
  source: TagSource;
  score: number | null;
  note: string;
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
  | { event: 'indexProgress'; data: { path: string; done: number; total: number; frames: number } };

export interface SessionState {
  lastFile: string | null;
  frame: number;
  field: string;
  /** Free-form layout state of the renderer (pane sizes, bracket d, colour map...), stored as given. */
  layout: Record<string, unknown>;
}

export interface SimulationRequest {
  kind: 'thermal' | 'aqs';
  /** Parameters as the `avw simulate` CLI takes them (n, rho, T, Tp, equil, tw, B, ncfg, blocks, dt, seed; aqs: n, seed, steps, deps). */
  params: Record<string, number | string | boolean>;
  /** Output file; default: a new file in the user's data directory. */
  out?: string;
}

/** Requests by method name: parameters and results. */
export interface ApiMethods {
  version: { params: Record<string, never>; result: AppVersion };
  /** Open (index if needed, in a worker; progress as 'indexProgress' events) a trajectory by absolute path. */
  openTrajectory: { params: { path: string }; result: TrajectoryInfo };
  /** Open the shipped demo trajectory (resources/demo/demo.gsd). */
  openDemo: { params: Record<string, never>; result: TrajectoryInfo };
  recentFiles: { params: Record<string, never>; result: { paths: string[] } };
  getFrame: { params: { trajectoryId: number; frame: number; unwrapped?: boolean }; result: FramePayload };
  /** A per-frame series (msd, msd_com, energy, stress_*), computed once in a worker and kept in the index. */
  getSeries: { params: { trajectoryId: number; name: string; potential?: 'wca' | 'hertz'; temperature?: number }; result: SeriesPayload };
  /** A per-particle field of (ref, frame): see FIELD_NAMES; computed in a worker, cached in the index. */
  getField: { params: { trajectoryId: number; frame: number; ref: number; name: string; cutoff?: number }; result: FieldPayload };
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
}

/** Per-particle field names, in the order the "Field" combo box lists them. */
export const FIELD_NAMES = [
  'displacement', 'd2min', 'd2min_sum', 'na', 'e_norm', 'eps_norm', 'eps_vol', 'eps_vol_abs', 'det_h', 'k', 'dev_total', 'eps_xy',
  'mobility', 'softness', 'is_displacement',
] as const;

/** Series names for the timeline. */
export const SERIES_NAMES = ['msd', 'msd_com', 'energy', 'stress_xx', 'stress_yy', 'stress_xy', 'stress_vol', 'stress_norm'] as const;

export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResult<M extends ApiMethod> = ApiMethods[M]['result'];

/** What the renderer sees: one async function per method. */
export type Api = { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiResult<M>> };

export const API_METHODS: readonly ApiMethod[] = [
  'version', 'openTrajectory', 'openDemo', 'recentFiles', 'getFrame', 'getSeries', 'getField', 'detect',
  'listTags', 'addTag', 'updateTag', 'deleteTag', 'exportTags', 'importTags', 'getSession', 'saveSession',
  'startSimulation', 'listJobs', 'cancelJob',
];

export class ApiValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiValidationError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectKeys(method: string, p: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) throw new ApiValidationError(`${method}: unexpected parameter "${k}"`);
  }
}

function nonNegativeInt(method: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31) {
    throw new ApiValidationError(`${method}: "${name}" must be a non-negative integer`);
  }
  return v;
}

/** Check a request's method and parameters; throws ApiValidationError naming what is wrong. */
export function validateRequest(method: unknown, params: unknown): { method: ApiMethod; params: ApiParams<ApiMethod> } {
  if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
    throw new ApiValidationError(`unknown method ${JSON.stringify(method)}`);
  }
  const p = params ?? {};
  if (!isObject(p)) throw new ApiValidationError(`${method}: parameters must be an object`);
  switch (method as ApiMethod) {
    case 'version':
      expectKeys(method, p, []);
      return { method: 'version', params: {} };
    case 'openTrajectory': {
      expectKeys(method, p, ['path']);
      if (typeof p.path !== 'string' || p.path.length === 0 || p.path.length > 4096 || p.path.includes('\0')) {
        throw new ApiValidationError('openTrajectory: "path" must be a non-empty file path');
      }
      return { method: 'openTrajectory', params: { path: p.path } };
    }
    case 'getFrame': {
      expectKeys(method, p, ['trajectoryId', 'frame', 'unwrapped']);
      const trajectoryId = nonNegativeInt(method, 'trajectoryId', p.trajectoryId);
      const frame = nonNegativeInt(method, 'frame', p.frame);
      if (p.unwrapped !== undefined && typeof p.unwrapped !== 'boolean') {
        throw new ApiValidationError('getFrame: "unwrapped" must be a boolean');
      }
      return { method: 'getFrame', params: { trajectoryId, frame, unwrapped: p.unwrapped === true } };
    }
  }
  throw new ApiValidationError(`unknown method ${method}`);
}
