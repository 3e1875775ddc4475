// Pearson and Spearman matrices among per-particle fields of one frame pair (Jha & Sengupta Figs. 8, 9); every field
// comes from the field cache or is computed once through the registry (src/core/fields).
import { correlationMatrices } from '../analysis/correlations.js';
import { getField, resolveField } from '../fields/field.js';
import { FIELD_PARAMS, checkParams, fieldInfo, isFieldName, isFileFieldName, CLI_NAMER, type AnyFieldName } from '#shared/fields.js';
import type { JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export interface CorrelateParams {
  path: string;
  indexDir?: string;
  names: AnyFieldName[];
  frame: number;
  /** Reference frame of the pair fields (default: the previous frame); fields with their own rule keep it. */
  ref?: number;
  /** Parameters of the fields (each field takes the ones that apply to it). */
  params?: Record<string, unknown>;
}

export interface CorrelateResult {
  names: string[];
  /** k x k row-major. */
  pearson: Float64Array;
  spearman: Float64Array;
  used: number;
  dropped: number;
}

function fail(message: string): never {
  throw new Error(message);
}

/** The parameters of `name` among `params` (those it takes). */
function paramsFor(name: AnyFieldName, params: Record<string, unknown> | undefined): Record<string, unknown> {
  const takes = fieldInfo(name).params as readonly string[];
  return Object.fromEntries(Object.entries(params ?? {}).filter(([k]) => takes.includes(k)));
}

export function validateCorrelateParams(raw: unknown): CorrelateParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('correlate: "path" must be a file path');
  if (!Array.isArray(p.names) || p.names.length < 2) fail('correlate: --names must list at least two fields');
  for (const n of p.names) {
    if (!isFieldName(n) && !isFileFieldName(n)) fail(`correlate: unknown field ${JSON.stringify(n)}`);
    if (fieldInfo(n).vector) fail(`correlate: "${n}" is a vector field; correlations take scalar fields`);
  }
  if (!Number.isInteger(p.frame) || (p.frame as number) < 0) fail('correlate: --frame must be a frame number (an integer >= 0)');
  if (p.ref !== undefined && (!Number.isInteger(p.ref) || (p.ref as number) < 0)) fail('correlate: --ref must be a frame number (an integer >= 0)');
  const names = p.names as AnyFieldName[];
  const params = (p.params ?? {}) as Record<string, unknown>;
  const known = new Set(names.flatMap((n) => fieldInfo(n).params as readonly string[]));
  for (const k of Object.keys(params)) if (params[k] !== undefined && !known.has(k)) fail(`correlate: --${k} does not apply to ${names.join(', ')}`);
  for (const n of names) checkParams(n, FIELD_PARAMS, fieldInfo(n).params, paramsFor(n, params), CLI_NAMER);
  return { path: p.path, indexDir: p.indexDir as string | undefined, names, frame: p.frame as number, ref: p.ref as number | undefined, params };
}

export const correlateJob: JobDefinition<CorrelateParams, CorrelateResult> = {
  kind: 'correlate',
  validate: validateCorrelateParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source, set) => {
      const fields = params.names.map((name, k) => {
        ctx.progress(k, params.names.length, name);
        const rule = fieldInfo(name).reference;
        const r = resolveField({ name, frame: params.frame, ref: rule === 'pair' ? params.ref : undefined, params: paramsFor(name, params.params) }, source.t.frameCount, source.t.path);
        const f = getField(source, r, (path) => set.get(path));
        return { name, values: Float64Array.from(f.values) };
      });
      const r = correlationMatrices({ fields });
      return { names: [...r.names], pearson: r.pearson, spearman: r.spearman, used: r.valid.reduce((a, v) => a + v, 0), dropped: r.invalidCount };
    });
  },
};
