// `avw export`: frames of a trajectory with our per-particle fields, written as a HOOMD GSD file that OVITO, freud and
// the `gsd` Python package read: positions (wrapped, with image flags), box, types, diameters and velocities as the
// schema has them, and every field as a per-particle logged quantity `log/particles/NAME` (float32, N x components).
// Fields come from the index's cache or are computed once through the registry (src/core/fields), each with the
// reference its rule gives (pair fields: the chosen mode, the previous frame by default); a frame without a reference
// (frame 0 of a pair field) gets NaN and a warning.
import { renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { getField, resolveField } from '../fields/field.js';
import { frameDiameters } from '../io/frame-util.js';
import { GsdType } from '../io/gsd-file.js';
import { GsdWriter } from '../io/gsd-writer.js';
import type { Frame } from '../io/types.js';
import { wrapPositions } from '../sim/system.js';
import {
  FIELD_PARAMS, FILE_FIELD_PREFIX, checkParams, fieldInfo, isFieldName, isFileFieldName, CLI_NAMER, type AnyFieldName,
} from '#shared/fields.js';
import { requestReference, type RefMode } from '#shared/reference-mode.js';
import { JobCancelledError, type JobDefinition } from './job.js';
import { APPLICATION, hoomdTypes, writeHoomdFrame } from './simulate-output.js';
import { withTrajectory } from './with-trajectory.js';

export interface ExportReference {
  mode: RefMode;
  /** The fixed reference frame (mode 'fixed'). */
  frame?: number;
  /** The lag (mode 'lag'). */
  lag?: number;
}

export interface ExportParams {
  path: string;
  indexDir?: string;
  /** The GSD file to write (replaced if it exists; never the input). */
  out: string;
  fields: AnyFieldName[];
  /** Frames from..to-1 of the input (a Python slice; default: all). */
  from?: number;
  to?: number;
  /** How pair fields choose their reference (default: the previous frame); other fields keep their rule. */
  reference?: ExportReference;
  /** Parameters of the fields (each takes those that apply to it). */
  params?: Record<string, unknown>;
}

export interface ExportResult {
  out: string;
  /** Input frames written, from..to-1, as output frames 0..count-1. */
  from: number;
  to: number;
  frames: number;
  /** Particles of the first frame written. */
  n: number;
  /** Each field and the chunk that holds it. */
  fields: { name: string; chunk: string; components: number }[];
  /** Field values taken from the cache, computed now, read from the file (file:PROPERTY). */
  cached: number;
  computed: number;
  fromFile: number;
  warnings: string[];
}

/** Errors read as `avw export: MESSAGE` on the command line. */
function fail(message: string): never {
  throw new Error(message);
}

/** The chunk of a field: `log/particles/NAME` (a property of the file keeps its name, without a `log/particles/` it had). */
export function exportChunkName(field: AnyFieldName): string {
  const name = isFileFieldName(field) ? field.slice(FILE_FIELD_PREFIX.length).replace(/^log\/particles\//, '') : field;
  return `log/particles/${name}`;
}

/** The parameters of `name` among `params` (those it takes). */
function paramsFor(name: AnyFieldName, params: Record<string, unknown> | undefined): Record<string, unknown> {
  const takes = fieldInfo(name).params as readonly string[];
  return Object.fromEntries(Object.entries(params ?? {}).filter(([k]) => takes.includes(k)));
}

const frameNumber = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

export function validateExportParams(raw: unknown): ExportParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('"path" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('"indexDir" must be a directory');
  if (typeof p.out !== 'string' || !/\.gsd$/i.test(p.out)) fail(`--out must name a .gsd file (got ${JSON.stringify(p.out)})`);
  if (resolve(p.out) === resolve(p.path)) fail(`--out ${p.out} is the input trajectory; choose another file`);
  if (!Array.isArray(p.fields) || p.fields.length === 0) fail('--fields must list at least one field');
  const chunks = new Map<string, string>();
  for (const f of p.fields) {
    if (!isFieldName(f) && !isFileFieldName(f)) fail(`unknown field ${JSON.stringify(f)} in --fields`);
    const chunk = exportChunkName(f);
    if (chunks.has(chunk)) fail(`--fields lists ${chunks.get(chunk)} and ${f}, which would both be written as ${chunk}`);
    chunks.set(chunk, f);
  }
  const fields = p.fields as AnyFieldName[];
  if (p.from !== undefined && !frameNumber(p.from)) fail('--frames must be A:B with frame numbers A < B (integers >= 0)');
  if (p.to !== undefined && !frameNumber(p.to)) fail('--frames must be A:B with frame numbers A < B (integers >= 0)');
  if (p.from !== undefined && p.to !== undefined && (p.to as number) <= (p.from as number)) fail(`--frames ${String(p.from)}:${String(p.to)} is empty (B must be greater than A)`);
  let reference: ExportReference | undefined;
  if (p.reference !== undefined) {
    const r = p.reference as Record<string, unknown>;
    if (r.mode !== 'previous' && r.mode !== 'fixed' && r.mode !== 'lag') fail('--ref must be previous, fixed:R, lag:L or a frame number R');
    if (r.mode === 'fixed' && !frameNumber(r.frame)) fail('--ref fixed:R needs a frame number R (an integer >= 0)');
    if (r.mode === 'lag' && !(Number.isInteger(r.lag) && (r.lag as number) >= 1)) fail('--ref lag:L needs a lag L (an integer >= 1)');
    reference = { mode: r.mode, frame: r.frame as number | undefined, lag: r.lag as number | undefined };
  }
  const params = (p.params ?? {}) as Record<string, unknown>;
  const known = new Set(fields.flatMap((n) => fieldInfo(n).params as readonly string[]));
  for (const k of Object.keys(params)) if (params[k] !== undefined && !known.has(k)) fail(`--${k} does not apply to ${fields.join(', ')}`);
  for (const n of fields) checkParams(n, FIELD_PARAMS, fieldInfo(n).params, paramsFor(n, params), CLI_NAMER);
  return {
    path: p.path, indexDir: p.indexDir as string | undefined, out: p.out, fields,
    from: p.from as number | undefined, to: p.to as number | undefined, reference, params,
  };
}

/** "0, 1, 2 and 7 more" */
function frameList(frames: number[]): string {
  const shown = frames.slice(0, 5).join(', ');
  return frames.length > 5 ? `${shown} and ${frames.length - 5} more` : shown;
}

/** The velocities a frame stores (vx, vy[, vz]), n*3, or null. */
function velocitiesOf(frame: Frame): Float64Array | null {
  const { vx, vy, vz } = frame.properties;
  if (!vx || !vy) return null;
  const out = new Float64Array(3 * frame.n);
  for (let i = 0; i < frame.n; i++) {
    out[3 * i] = vx[i];
    out[3 * i + 1] = vy[i];
    out[3 * i + 2] = vz ? vz[i] : 0;
  }
  return out;
}

export const exportJob: JobDefinition<ExportParams, ExportResult> = {
  kind: 'export',
  validate: validateExportParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source, set) => {
      const t = source.t;
      const total = t.frameCount;
      const from = params.from ?? 0;
      const to = Math.min(params.to ?? total, total);
      if (from >= total) fail(`--frames ${from}:${params.to ?? ''} starts past the end of ${t.path} (${total} frames, 0..${total - 1})`);
      const ref = params.reference ?? { mode: 'previous' as const };
      if (ref.mode === 'fixed' && (ref.frame ?? 0) >= total) fail(`--ref fixed:${ref.frame}: ${t.path} has no frame ${ref.frame} (${total} frames, 0..${total - 1})`);
      const partial = `${params.out}.partial`;
      const missing = new Map<AnyFieldName, number[]>();
      const fields = params.fields.map((name) => ({ name, chunk: exportChunkName(name), components: 0 }));
      let cached = 0;
      let computed = 0;
      let fromFile = 0;
      let n = 0;
      const w = GsdWriter.create(partial, { application: APPLICATION });
      try {
        for (let f = from; f < to; f++) {
          if (ctx.signal.aborted) throw new JobCancelledError('export');
          ctx.progress(f - from, to - from, `frame ${f}`);
          const frame = source.read(f);
          if (f === from) n = frame.n;
          const [a, b] = frame.box.vectors;
          if (a[1] !== 0 || a[2] !== 0 || b[2] !== 0) fail(`${t.path}: frame ${f}: the box is not in HOOMD's form (a along x, b in the xy plane)`);
          for (const field of fields) {
            const info = fieldInfo(field.name);
            const components = info.vector ? frame.dimensions : 1;
            field.components ||= components;
            if (components !== field.components) fail(`${field.name}: frame ${f} has ${components} components, frame ${from} had ${field.components}`);
            const asked = requestReference(info.reference, ref.mode, f, total, ref.frame ?? 0, ref.lag ?? 1);
            let values: Float32Array;
            if (asked === null) {
              values = new Float32Array(frame.n * components).fill(NaN);
              missing.set(field.name, [...(missing.get(field.name) ?? []), f]);
            } else {
              const r = resolveField({ name: field.name, frame: f, ref: asked, params: paramsFor(field.name, params.params) }, total, t.path);
              const got = getField(source, r, (path) => set.get(path), frame);
              if (isFileFieldName(field.name)) fromFile++;
              else if (got.cached) cached++;
              else computed++;
              values = got.values;
            }
            if (values.length !== frame.n * components) fail(`${field.name}: frame ${f} gave ${values.length} values for ${frame.n} particles x ${components}`);
            w.writeChunk(field.chunk, GsdType.FLOAT, frame.n, components, values);
          }
          // Positions wrapped into the box with image flags (position + image . box = the unwrapped position).
          const positions = frame.positions.slice();
          const images = frame.images ? frame.images.slice() : new Int32Array(3 * frame.n);
          wrapPositions(positions, images, frame.box, frame.dimensions);
          const { typeid, types } = hoomdTypes(frame);
          writeHoomdFrame(w, {
            step: frame.timestep, box: frame.box, dimensions: frame.dimensions, positions, images,
            velocities: velocitiesOf(frame), diameters: frameDiameters(frame) ?? undefined, typeid, types, log: {},
          }, true);
        }
        w.close();
        renameSync(partial, params.out);
      } catch (e) {
        w.close();
        rmSync(partial, { force: true });
        throw e;
      }
      ctx.progress(to - from, to - from);
      const chosen = ref.mode === 'previous' ? 'the previous frame' : ref.mode === 'lag' ? `${ref.lag} frames earlier` : `frame ${ref.frame}`;
      const warnings = [...missing].map(([name, frames]) => {
        const wanted = fieldInfo(name).reference === 'previous' ? 'the previous frame' : chosen;
        return `${name}: no reference frame (${wanted}) for frame(s) ${frameList(frames)}; written as NaN`;
      });
      return { out: params.out, from, to, frames: to - from, n, fields, cached, computed, fromFile, warnings };
    });
  },
};
