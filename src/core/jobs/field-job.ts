// A per-particle field as a job (the CLI's `avw field`): the registry resolves the request and the field comes from
// the index's field cache or is computed once and stored (src/core/fields). The workbench does not use this job: its
// service looks the cache up itself and sends misses to its persistent workers.
import { getField, resolveField, type FieldRequest, type FieldResult } from '../fields/field.js';
import { FIELD_PARAMS, checkParams, fieldInfo, isFieldName, isFileFieldName, CLI_NAMER } from '#shared/fields.js';
import type { JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export type { FieldResult };

export interface FieldParams extends FieldRequest {
  path: string;
  indexDir?: string;
}

function fail(message: string): never {
  throw new Error(message);
}

/** The shape of a field job's parameters, and its field parameters in the CLI's words (ranges need the trajectory). */
export function validateFieldParams(raw: unknown): FieldParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('field: "path" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('field: "indexDir" must be a directory');
  const name = p.name;
  if (!isFieldName(name) && !isFileFieldName(name)) fail(`field: unknown field ${JSON.stringify(name)}`);
  if (!Number.isInteger(p.frame) || (p.frame as number) < 0) fail('field: --frame must be a frame number (an integer >= 0)');
  if (p.ref !== undefined && (!Number.isInteger(p.ref) || (p.ref as number) < 0)) fail('field: --ref must be a frame number (an integer >= 0)');
  if (p.params !== undefined && (typeof p.params !== 'object' || p.params === null || Array.isArray(p.params))) fail('field: "params" must be an object');
  const params = checkParams(name, FIELD_PARAMS, fieldInfo(name).params, p.params as Record<string, unknown> | undefined, CLI_NAMER);
  return { path: p.path as string, indexDir: p.indexDir as string | undefined, name, frame: p.frame as number, ref: p.ref as number | undefined, params };
}

export const fieldJob: JobDefinition<FieldParams, FieldResult> = {
  kind: 'field',
  validate: validateFieldParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source, set) => {
      const r = resolveField(params, source.t.frameCount, source.t.path);
      ctx.progress(0, 1, `computing ${r.name}`);
      const result = getField(source, r, (path) => set.get(path));
      ctx.progress(1, 1);
      return result;
    });
  },
};
