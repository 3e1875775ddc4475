// Pearson and Spearman matrices among per-particle fields of one frame pair (Jha & Sengupta Figs. 8, 9); every field
// comes from the field cache or is computed once through computeField.
import { correlationMatrices } from '../analysis/correlations.js';
import type { JobDefinition } from './job.js';
import { computeField, FIELD_NAMES, VECTOR_FIELDS, type FieldName, type FieldParams } from './field-job.js';
import { withTrajectory } from './with-trajectory.js';

export interface CorrelateParams extends Omit<FieldParams, 'name'> {
  names: FieldName[];
}

export interface CorrelateResult {
  names: string[];
  /** k x k row-major. */
  pearson: Float64Array;
  spearman: Float64Array;
  used: number;
  dropped: number;
}

export function validateCorrelateParams(raw: unknown): CorrelateParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (!Array.isArray(p.names) || p.names.length < 2) throw new Error('correlate: "names" must list at least two fields');
  for (const n of p.names) {
    if (!FIELD_NAMES.includes(n as FieldName)) throw new Error(`correlate: unknown field "${String(n)}" (one of ${FIELD_NAMES.join(', ')})`);
    if (VECTOR_FIELDS.has(n as FieldName)) throw new Error(`correlate: "${String(n)}" is a vector field; correlations take scalar fields`);
  }
  if (typeof p.path !== 'string' || !p.path) throw new Error('correlate: "path" must be a file path');
  if (!Number.isInteger(p.frame) || (p.frame as number) < 0) throw new Error('correlate: "frame" must be a frame number');
  return p as unknown as CorrelateParams;
}

export const correlateJob: JobDefinition<CorrelateParams, CorrelateResult> = {
  kind: 'correlate',
  validate: validateCorrelateParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (t) => {
      const fields = params.names.map((name, k) => {
        ctx.progress(k, params.names.length, name);
        const f = computeField(t, { ...params, name });
        return { name, values: Float64Array.from(f.values) };
      });
      const r = correlationMatrices({ fields });
      return { names: [...r.names], pearson: r.pearson, spearman: r.spearman, used: r.valid.reduce((a, v) => a + v, 0), dropped: r.invalidCount };
    });
  },
};
