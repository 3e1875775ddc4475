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

/** Requests by method name: parameters and results. */
export interface ApiMethods {
  version: { params: Record<string, never>; result: AppVersion };
  openTrajectory: { params: { path: string }; result: TrajectoryInfo };
  getFrame: { params: { trajectoryId: number; frame: number; unwrapped?: boolean }; result: FramePayload };
}

export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResult<M extends ApiMethod> = ApiMethods[M]['result'];

/** What the renderer sees: one async function per method. */
export type Api = { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiResult<M>> };

export const API_METHODS: readonly ApiMethod[] = ['version', 'openTrajectory', 'getFrame'];

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
