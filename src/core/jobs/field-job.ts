// Per-particle fields of a (reference, current) frame pair, computed in a job and cached in the index keyed by
// frame, reference frame, field and parameters, so nothing is computed twice. One computation can fill several
// fields (the whole strain family comes from one fit), and all of them are cached together.
import { existsSync } from 'node:fs';
import { paramsHash } from '../index/index-db.js';
import { openIndexed, type IndexedTrajectory } from '../index/indexed-trajectory.js';
import type { Frame } from '../io/types.js';
import { computeStrainFields, strainField, type StrainFieldName } from '../analysis/d2min-strain.js';
import { displacement, inherentStructureDisplacement, mobility } from '../analysis/displacement.js';
import { matchById } from '../analysis/reference.js';
import { secondShellCutoff, smoothedRadialDistribution } from '../analysis/rdf.js';
import { softness } from '../analysis/softness.js';
import type { JobContext, JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export const STRAIN_FIELDS = ['d2min', 'd2min_sum', 'na', 'e_norm', 'eps_norm', 'eps_vol', 'eps_vol_abs', 'det_h', 'k', 'dev_total', 'eps_xy'] as const;
export const FIELD_NAMES = [...STRAIN_FIELDS, 'displacement', 'mobility', 'softness', 'is_displacement'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Fields with one vector per particle (d components); the others are scalars. */
export const VECTOR_FIELDS: ReadonlySet<FieldName> = new Set(['na', 'displacement', 'is_displacement']);

export interface FieldParams {
  path: string;
  indexDir?: string;
  name: FieldName;
  frame: number;
  /** Reference frame (default 0; mobility always uses frame - 1; softness uses none). */
  ref?: number;
  /** Neighbourhood cutoff of the strain family; default: up to the second neighbour shell of the reference g(r). */
  cutoff?: number;
  /** Softness parameters (Appendix C). */
  delta?: number;
  rmin?: number;
  rmax?: number;
  /** The paired inherent-structure trajectory (default: FILE with .is before its extension, when it exists). */
  isPath?: string;
}

export interface FieldResult {
  name: FieldName;
  frame: number;
  /** The reference frame actually used (-1 for softness). */
  ref: number;
  components: number;
  ids: Int32Array;
  /** n * components values; NaN where the particle is flagged (too few neighbours, singular fit, absent in the reference). */
  values: Float32Array;
  invalidCount: number;
  cached: boolean;
  /** Parameters that made it (the cutoff used, softness limits, ...). */
  used: Record<string, unknown>;
}

function fail(message: string): never {
  throw new Error(message);
}

function optionalNumber(p: Record<string, unknown>, key: string, min = 0): number | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(`field: "${key}" must be a number >= ${min}`);
  return v;
}

export function validateFieldParams(raw: unknown): FieldParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('field: "path" must be a file path');
  if (!FIELD_NAMES.includes(p.name as FieldName)) fail(`field: "name" must be one of ${FIELD_NAMES.join(', ')}`);
  if (!Number.isInteger(p.frame) || (p.frame as number) < 0) fail('field: "frame" must be a frame number');
  if (p.ref !== undefined && (!Number.isInteger(p.ref) || (p.ref as number) < 0)) fail('field: "ref" must be a frame number');
  if (p.isPath !== undefined && typeof p.isPath !== 'string') fail('field: "isPath" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('field: "indexDir" must be a directory');
  const cutoff = optionalNumber(p, 'cutoff');
  if (cutoff !== undefined && cutoff <= 0) fail('field: "cutoff" must be positive');
  return {
    path: p.path as string, indexDir: p.indexDir as string | undefined, name: p.name as FieldName, frame: p.frame as number,
    ref: p.ref as number | undefined, cutoff, delta: optionalNumber(p, 'delta'), rmin: optionalNumber(p, 'rmin'), rmax: optionalNumber(p, 'rmax'),
    isPath: p.isPath as string | undefined,
  };
}

/** The paired inherent-structure file by convention: run.gsd -> run.is.gsd. */
export function defaultIsPath(path: string): string {
  const m = /^(.*?)(\.[^./]+)$/.exec(path);
  return m ? `${m[1]}.is${m[2]}` : `${path}.is`;
}

/** The reference frame a field uses for `frame` (mobility: the previous frame; softness: none). */
export function fieldReference(p: FieldParams): number {
  if (p.name === 'mobility') return p.frame - 1;
  if (p.name === 'softness') return -1;
  return p.ref ?? 0;
}

/** What the cached values depend on besides frame, reference and name. */
export function cacheParams(p: FieldParams): Record<string, unknown> {
  if ((STRAIN_FIELDS as readonly string[]).includes(p.name)) return { cutoff: p.cutoff ?? 'second-shell' };
  if (p.name === 'softness') return { delta: p.delta ?? 0.02, rmin: p.rmin ?? 'auto', rmax: p.rmax ?? 'auto' };
  if (p.name === 'is_displacement') return { is: p.isPath ?? 'default' };
  return {};
}

function toFloat32(values: Float64Array, components: number, stride: number): Float32Array {
  // Vector fields from the analyses carry 3 components per particle; keep `components` of them.
  const n = values.length / stride;
  const out = new Float32Array(n * components);
  for (let i = 0; i < n; i++) for (let c = 0; c < components; c++) out[i * components + c] = values[i * stride + c];
  return out;
}

/** The index key of a field's cached values (with frame, reference and name). */
export function fieldCacheHash(p: FieldParams): string {
  return paramsHash(cacheParams(p));
}

/** The neighbourhood "up to the second neighbour shell" from the smoothed g(r) of a frame. */
export function secondShellOf(frame: Frame): number {
  const g = smoothedRadialDistribution(frame.positions, frame.box, { dimensions: frame.dimensions, rMax: 4 });
  const shell = secondShellCutoff(g);
  if (!shell.found) fail(`cannot find the second neighbour shell in g(r) of frame ${frame.index} (${shell.reason}); pass --cutoff`);
  return shell.cutoff;
}

function computeStrainFamily(t: IndexedTrajectory, p: FieldParams, cur: Frame, ref: number, hash: (extra: Record<string, unknown>) => string): { fields: Map<FieldName, Float32Array>; cutoff: number } {
  const reference = t.readFrame(ref);
  const cutoff = p.cutoff ?? secondShellOf(reference);
  const match = matchById(reference.ids, cur.ids);
  const r = computeStrainFields({
    reference: reference.positions, current: cur.positions, box: reference.box, currentBox: cur.box,
    dimensions: cur.dimensions, cutoff, refIndex: match.identical ? undefined : match.refIndex,
  });
  const fields = new Map<FieldName, Float32Array>();
  for (const name of STRAIN_FIELDS) {
    const components = name === 'na' ? cur.dimensions : 1;
    const values = toFloat32(strainField(r, name as StrainFieldName), components, components);
    fields.set(name, values);
    t.putField(p.frame, ref, name, hash({}), values);
  }
  return { fields, cutoff };
}

/** The field of `p`; `current` may pass frame p.frame when the caller has read it already (it is read once). */
export function computeField(t: IndexedTrajectory, p: FieldParams, ctx?: JobContext, current?: Frame): FieldResult {
  const n = t.frameCount;
  if (p.frame >= n) fail(`${t.path}: frame ${p.frame} does not exist (${n} frames)`);
  const ref = fieldReference(p);
  if (p.name === 'mobility' && ref < 0) fail('mobility needs a previous frame: frame 0 has none');
  if (ref >= n) fail(`${t.path}: reference frame ${ref} does not exist (${n} frames)`);
  const base = cacheParams(p);
  const hash = (extra: Record<string, unknown>): string => paramsHash({ ...base, ...extra });
  // (fieldCacheHash(p) === hash({}): the service looks fields up with it before starting a job.)
  const frame = current?.index === p.frame ? current : t.readFrame(p.frame);
  const components = VECTOR_FIELDS.has(p.name) ? frame.dimensions : 1;
  const cachedValues = t.getField(p.frame, ref, p.name, hash({}));
  const countInvalid = (v: Float32Array): number => {
    let bad = 0;
    for (let i = 0; i < v.length; i += components) if (Number.isNaN(v[i])) bad++;
    return bad;
  };
  if (cachedValues) {
    return { name: p.name, frame: p.frame, ref, components, ids: frame.ids, values: cachedValues, invalidCount: countInvalid(cachedValues), cached: true, used: base };
  }
  ctx?.progress(0, 1, `computing ${p.name}`);
  let values: Float32Array;
  const used: Record<string, unknown> = { ...base };
  if ((STRAIN_FIELDS as readonly string[]).includes(p.name)) {
    const family = computeStrainFamily(t, p, frame, ref, hash);
    values = family.fields.get(p.name)!;
    used.cutoff = family.cutoff;
  } else if (p.name === 'displacement' || p.name === 'mobility') {
    const a = t.readFrame(ref, { unwrapped: true });
    const b = t.readFrame(p.frame, { unwrapped: true });
    const args = { currentIds: b.ids, current: b.unwrapped!, dimensions: b.dimensions };
    const r = p.name === 'displacement'
      ? displacement({ ...args, reference: a.unwrapped!, referenceIds: a.ids })
      : mobility({ ...args, previous: a.unwrapped!, previousIds: a.ids });
    values = p.name === 'displacement' ? toFloat32(r.vectors, components, 3) : toFloat32(r.magnitude, 1, 1);
    t.putField(p.frame, ref, p.name, hash({}), values);
  } else if (p.name === 'softness') {
    const r = softness(frame.positions, frame.box, { dimensions: frame.dimensions, delta: p.delta, rmin: p.rmin, rmax: p.rmax, globalC: false });
    values = toFloat32(r.softness, 1, 1);
    used.rmin = r.rmin;
    used.rmax = r.rmax;
    t.putField(p.frame, ref, p.name, hash({}), values);
  } else {
    const isPath = p.isPath ?? defaultIsPath(t.path);
    if (!existsSync(isPath)) fail(`is_displacement needs the paired inherent-structure trajectory: ${isPath} does not exist (pass its path)`);
    const is = openIndexed(isPath, { indexDir: p.indexDir });
    try {
      if (is.frameCount !== n) fail(`${isPath} has ${is.frameCount} frames but ${t.path} has ${n}: they are not paired frame for frame`);
      const a = is.readFrame(ref, { unwrapped: true });
      const b = is.readFrame(p.frame, { unwrapped: true });
      const r = inherentStructureDisplacement({ is0: a.unwrapped!, is0Ids: a.ids, isCurrent: b.unwrapped!, isCurrentIds: b.ids, dimensions: b.dimensions });
      values = toFloat32(r.vectors, components, 3);
    } finally {
      is.close();
    }
    t.putField(p.frame, ref, p.name, hash({}), values);
  }
  ctx?.progress(1, 1);
  return { name: p.name, frame: p.frame, ref, components, ids: frame.ids, values, invalidCount: countInvalid(values), cached: false, used };
}

export const fieldJob: JobDefinition<FieldParams, FieldResult> = {
  kind: 'field',
  validate: validateFieldParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (t) => computeField(t, params, ctx));
  },
};
