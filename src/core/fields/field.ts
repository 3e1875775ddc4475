// A field request, resolved once by the registry's rules (reference frame, parameters with defaults, cache key),
// then looked up in the index's field cache or computed and stored. The service looks up (it is the one place that
// consults the cache for the workbench) and sends misses to its workers, which only compute and store; one-shot callers
// (the CLI's field job, figures, correlations) use getField, which does both.
import { paramsHash } from '../index/index-db.js';
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import type { Frame } from '../io/types.js';
import {
  FIELD_PARAMS, checkParams, fieldInfo, isFieldName, isFileFieldName, withDefaults, CLI_NAMER,
  type AnyFieldName, type FieldInfo, type ParamInfo, type ParamNamer, type ParamValue,
} from '#shared/fields.js';
import { existsSync } from 'node:fs';
import { fileStamp } from './softness-support.js';
import { FIELD_REGISTRY, fileFieldValues, type FieldValues } from './registry.js';
import type { TrajectoryFrames } from './frames.js';

/** A field as asked for: by name, at a frame, against a reference (pair fields only), with parameters. */
export interface FieldRequest {
  name: AnyFieldName | string;
  frame: number;
  /** The reference frame of a `pair` field (default: the previous frame); not accepted by other rules. */
  ref?: number;
  params?: Record<string, unknown>;
}

/** A request checked and resolved: the reference by the field's rule, parameters with defaults, the cache key. */
export interface ResolvedField {
  name: AnyFieldName;
  info: FieldInfo;
  frame: number;
  /** -1 when the field has no reference frame. */
  ref: number;
  /** The parameters given (checked). */
  given: Record<string, ParamValue>;
  /** Every parameter the field takes, given or default (null: worked out from the data). */
  params: Record<string, ParamValue | null>;
  /** The cache key of the values besides frame, reference and name. */
  hash: string;
  /** Whether computed values are kept in the field cache (file properties are read, not cached). */
  cached: boolean;
}

export interface FieldResult {
  name: string;
  frame: number;
  /** The reference frame used (-1 for none). */
  ref: number;
  components: number;
  ids: Int32Array;
  /** n * components values; NaN where the particle is flagged (too few neighbours, singular fit, absent in the reference). */
  values: Float32Array;
  invalidCount: number;
  cached: boolean;
  /** Parameters as used (defaults worked out: the cutoff found from g(r), softness limits, ...). */
  used: Record<string, unknown>;
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Check a request against the registry and resolve it for a trajectory of `frameCount` frames. `namer` names
 * parameters in the caller's words (`--cutoff` for the CLI, `"params.cutoff"` for the API); errors name the field,
 * the option and the allowed values.
 */
export function resolveField(request: FieldRequest, frameCount: number, path: string, namer: ParamNamer = CLI_NAMER): ResolvedField {
  const name = request.name;
  if (!isFieldName(name) && !isFileFieldName(name)) {
    fail(`unknown field "${String(name)}": one of ${Object.keys(FIELD_REGISTRY).join(', ')}, or file:PROPERTY for a per-particle property the file stores`);
  }
  const info = fieldInfo(name);
  const frame = request.frame;
  if (!Number.isInteger(frame) || frame < 0) fail(`${name}: ${namer('frame')} must be a frame number (an integer >= 0)`);
  if (frame >= frameCount) fail(`${path}: frame ${frame} does not exist (${frameCount} frames, 0..${frameCount - 1})`);
  let ref: number;
  const asked = request.ref;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 0)) fail(`${name}: ${namer('ref')} must be a frame number (an integer >= 0)`);
  switch (info.reference) {
    case 'pair':
      ref = asked ?? frame - 1;
      if (ref < 0) fail(`${name} at frame 0 needs a reference frame: frame 0 has no previous frame (give ${namer('ref')})`);
      break;
    case 'previous':
      if (asked !== undefined && asked !== frame - 1) fail(`${name} always uses the previous frame as its reference; leave out ${namer('ref')}`);
      ref = frame - 1;
      if (ref < 0) fail(`${name} needs a previous frame: frame 0 has none`);
      break;
    case 'first':
      if (asked !== undefined && asked !== 0) fail(`${name} is measured from frame 0 (Jha & Sengupta Eq. 12: IS(0)); leave out ${namer('ref')}`);
      ref = 0;
      break;
    case 'none':
      if (asked !== undefined) fail(`${name} is a property of one frame; it takes no reference (leave out ${namer('ref')})`);
      ref = -1;
      break;
  }
  if (ref >= frameCount) fail(`${path}: reference frame ${ref} does not exist (${frameCount} frames, 0..${frameCount - 1})`);
  const given = checkParams(name, FIELD_PARAMS, info.params, request.params, namer);
  const params = withDefaults(FIELD_PARAMS, info.params, given);
  return { name, info, frame, ref, given, params, hash: paramsHash(cacheKeyParams(params)), cached: isFieldName(name) };
}

/**
 * What the cached values depend on besides frame, reference and name: every parameter, "auto" where worked out, and for
 * a file parameter (a softness model, the paired inherent structures) the file's size and time as well, so that a file
 * rewritten under the same name is not answered from the cache.
 */
function cacheKeyParams(params: Record<string, ParamValue | null>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = v ?? 'auto';
    const info = (FIELD_PARAMS as Record<string, ParamInfo>)[k];
    if (info?.type === 'path' && typeof v === 'string' && existsSync(v)) out[k] = `${v}@${fileStamp(v)}`;
  }
  return out;
}

/** Components per particle of a field in a trajectory of `dimensions`. */
export function componentsOf(r: ResolvedField, dimensions: number): number {
  return r.info.vector ? dimensions : 1;
}

export function countInvalid(values: Float32Array, components: number): number {
  let bad = 0;
  for (let i = 0; i < values.length; i += components) if (Number.isNaN(values[i])) bad++;
  return bad;
}

/** The cached values of a resolved field, or null (file properties are never cached). */
export function cachedField(t: IndexedTrajectory, r: ResolvedField): Float32Array | null {
  return r.cached ? t.getField(r.frame, r.ref, r.name, r.hash) : null;
}

/** Another trajectory for a computation (the paired inherent structures). */
export type OpenTrajectory = (path: string) => TrajectoryFrames;

/**
 * Compute a resolved field (no cache lookup) and store it with the rest of its family; `current` is frame r.frame
 * when the caller has read it already.
 */
export function computeAndStoreField(source: TrajectoryFrames, r: ResolvedField, open: OpenTrajectory, current?: Frame): FieldResult {
  const { result, store } = computeField(source, r, open, current);
  store();
  return result;
}

/**
 * Compute a resolved field (no cache lookup); `store` then keeps it with the rest of its family. A pool worker answers
 * first and stores after (at N = 100 000 the strain family's ten fields take about 30 ms to write).
 */
export function computeField(source: TrajectoryFrames, r: ResolvedField, open: OpenTrajectory, current?: Frame): { result: FieldResult; store(): void } {
  const t = source.t;
  const frame = current?.index === r.frame ? current : source.read(r.frame);
  if (current) source.remember(current);
  const components = componentsOf(r, frame.dimensions);
  if (!isFieldName(r.name)) {
    const values = fileFieldValues(frame, r.name, t.path);
    return {
      result: { name: r.name, frame: r.frame, ref: -1, components, ids: frame.ids, values, invalidCount: countInvalid(values, components), cached: false, used: {} },
      store: () => undefined,
    };
  }
  const spec = FIELD_REGISTRY[r.name];
  const out = spec.compute({ source, open, frame: r.frame, ref: r.ref, params: r.params, current: frame });
  const values = out.values[r.name] ?? fail(`${r.name}: its computation returned no values (a registry bug)`);
  return {
    result: {
      name: r.name, frame: r.frame, ref: r.ref, components, ids: frame.ids, values, invalidCount: countInvalid(values, components),
      cached: false, used: { ...r.params, ...out.used },
    },
    store: () => storeFamily(t, r, out.values),
  };
}

/** Store every field a computation yielded under the request's frame, reference and key (a family shares its parameters). */
function storeFamily(t: IndexedTrajectory, r: ResolvedField, values: FieldValues): void {
  for (const [name, v] of Object.entries(values)) if (v) t.putField(r.frame, r.ref, name, r.hash, v);
}

/** The field from the cache, or computed once and stored: for one-shot callers (CLI job, figures, correlations). */
export function getField(source: TrajectoryFrames, r: ResolvedField, open: OpenTrajectory, current?: Frame): FieldResult {
  const hit = cachedField(source.t, r);
  if (hit) {
    const frame = current?.index === r.frame ? current : source.read(r.frame);
    const components = componentsOf(r, frame.dimensions);
    return { name: r.name, frame: r.frame, ref: r.ref, components, ids: frame.ids, values: hit, invalidCount: countInvalid(hit, components), cached: true, used: { ...r.params } };
  }
  return computeAndStoreField(source, r, open, current);
}

/**
 * Fields whose first computation in a fresh worker costs several times a later one: V8 compiles their hot loops (the
 * neighbour list with vectors, the affine fit, the caging-softness histograms) only once they have run on real data.
 */
const WARM_FIELDS = ['d2min', 'softness'] as const;
/** V8 optimises a function on a background thread once it is hot: one run left the next first D2min 2-6x slower than three. */
const WARM_RUNS = 3;
const WARM_MAX_PARTICLES = 20_000;

/**
 * Compute the WARM_FIELDS once on a frame pair in the middle of the trajectory, without storing them, so that the
 * first field a user asks for runs at warm speed (N = 2000: a first D2min took 40-130 ms in a fresh worker, 8-28 ms
 * after this warm-up, 5-8 ms later on). A field the data cannot give (no second shell in g(r)) is skipped: it will say why when asked.
 */
export function warmUp(source: TrajectoryFrames, open: OpenTrajectory): { warmed: string[] } {
  const n = source.t.frameCount;
  const warmed: string[] = [];
  if (n < 2) return { warmed };
  const frame = Math.floor(n / 2);
  const current = source.read(frame);
  // Compiling costs about the same at any size, computing grows with N: above this, the warm-up would cost the worker
  // seconds (N = 100 000: D2min's g(r) and three runs) that a request for the screen then waits for.
  if (current.n > WARM_MAX_PARTICLES) return { warmed };
  for (let run = 0; run < WARM_RUNS; run++) for (const name of WARM_FIELDS) {
    const r = resolveField({ name, frame }, n, source.t.path);
    try {
      FIELD_REGISTRY[name].compute({ source, open, frame: r.frame, ref: r.ref, params: r.params, current });
      if (!warmed.includes(name)) warmed.push(name);
    } catch {
      // Not computable on this trajectory: nothing to warm.
    }
  }
  return { warmed };
}
