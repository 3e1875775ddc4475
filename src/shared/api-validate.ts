// The backend's check of every request (Electron's IPC handler and the web host call it before the service): the
// method must be one of the API's, its parameters must match the method's declaration in api-params.ts. The first
// problem is reported as one line naming the method, the parameter and what it must be.
import { safeParse } from 'valibot';
import { API_PARAMS, PLACE, isPlainObject, place } from './api-params.js';
import type { ApiMethod, ApiParams } from './api.js';

export class ApiValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiValidationError';
  }
}

/** Check a request's method and parameters; throws ApiValidationError naming what is wrong. Returns a copy holding
 * only the declared keys, normalised (defaults filled in, registry parameters as numbers). */
export function validateRequest(method: unknown, params: unknown): { method: ApiMethod; params: ApiParams<ApiMethod> } {
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(API_PARAMS, method)) {
    throw new ApiValidationError(`unknown method ${JSON.stringify(method)}`);
  }
  const m = method as ApiMethod;
  const p = params ?? {};
  if (!isPlainObject(p)) throw new ApiValidationError(`${m}: parameters must be an object`);
  const r = safeParse(API_PARAMS[m], p);
  if (!r.success) {
    const issue = r.issues[0];
    const message = issue.message.replace(PLACE, place(issue.path));
    // The registry's parameter check names the method itself.
    throw new ApiValidationError(message.startsWith(`${m}: `) ? message : `${m}: ${message}`);
  }
  return { method: m, params: r.output as ApiParams<ApiMethod> };
}
