// Output of the simulation jobs: HOOMD GSD frames from the engine's state, the run's sidecar JSON, checkpoints, and
// the truncation of a trajectory to a checkpoint's frame count on resume. Node side (the engine in src/core/sim is pure).
//
// GSD frames (HOOMD schema 1.4, GsdWriter): configuration/step, dimensions, box [Lx, Ly, Lz, xy, xz, yz] (2D: Lz is the
// engine's unit depth and configuration/dimensions = 2, as HOOMD 2.x and LAMMPS write 2D systems), particles/N,
// position (wrapped into the box, box centred on the origin as HOOMD requires: p_hoomd = p - origin - (a + b + c)/2,
// z = 0 in 2D), image (so position + image . box is the unwrapped position), velocity (optional), and the constant
// per-particle data (diameter, typeid, types) in frame 0 only: the schema gives frames without them frame 0's values.
// Precision: 'float' (the schema's float32, MD trajectories) or 'double' (position, box and diameter as float64 chunks:
// inherent structures, whose whole point is the minimum to max|F| < 1e-10, which float32 coordinates or sizes, ~1e-7
// relative off, would lose; the gsd package and our reader keep the stored type). Log quantities are `log/<name>` doubles (1x1).
//
// Checkpoints: `<out>.checkpoint`, a v8-serialized object (typed arrays and doubles exactly), written to a temporary
// file, fsynced and renamed over the old one, so a kill at any moment leaves either the old or the new checkpoint.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import type { Box } from '../box.js';
import { FileSource } from '../io/file-source.js';
import { GsdFile, GsdType } from '../io/gsd-file.js';
import { GsdWriter } from '../io/gsd-writer.js';

/** The software version written into sidecars (package.json). */
export const SOFTWARE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export const APPLICATION = `avalanche-workbench ${SOFTWARE_VERSION}`;

export interface HoomdFrameData {
  step: number;
  box: Box;
  dimensions: 2 | 3;
  /** Engine positions n*3, wrapped into `box` (absolute coordinates, box origin not subtracted). */
  positions: Float64Array;
  images: Int32Array;
  velocities?: Float64Array | null;
  /** Constant per-particle data: written only when `writeStatic` (frame 0 of a file). */
  diameters?: Float64Array;
  typeid?: ArrayLike<number>;
  types?: string[];
  log: Record<string, number>;
  /** 'float' (default) or 'double' for position, box and diameter. */
  precision?: 'float' | 'double';
}

/** HOOMD's [Lx, Ly, Lz, xy, xz, yz] of an engine box (tilts dimensionless). */
export function hoomdBox(box: Box): [number, number, number, number, number, number] {
  const [a, b, c] = box.vectors;
  const Lx = a[0], Ly = b[1], Lz = c[2];
  return [Lx, Ly, Lz, Ly !== 0 ? b[0] / Ly : 0, Lz !== 0 ? c[0] / Lz : 0, Lz !== 0 ? c[1] / Lz : 0];
}

/** Largest float32 strictly below x (x a positive float32 bound). */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (f[0] >= x) u[0] -= f[0] > 0 ? 1 : -1;
  return f[0];
}

/**
 * Engine positions (wrapped into `box`) as HOOMD positions, centred on the box centre; z = 0 in 2D. In float precision,
 * a coordinate of an untilted axis that float32 rounding would put on the upper face (outside HOOMD's [-L/2, L/2)) is
 * moved to the float32 just below it.
 */
export function toHoomdPositions(positions: Float64Array, box: Box, dimensions: 2 | 3, precision: 'float' | 'double'): Float32Array | Float64Array {
  const [a, b, c] = box.vectors;
  const o = box.origin;
  const cx = o[0] + 0.5 * (a[0] + b[0] + c[0]);
  const cy = o[1] + 0.5 * (b[1] + c[1]);
  const cz = o[2] + 0.5 * c[2];
  const n = positions.length / 3;
  const out = precision === 'double' ? new Float64Array(3 * n) : new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = 3 * i;
    out[p] = positions[p] - cx;
    out[p + 1] = positions[p + 1] - cy;
    out[p + 2] = dimensions === 2 ? 0 : positions[p + 2] - cz;
  }
  if (precision === 'float') {
    const untiltedX = b[0] === 0 && c[0] === 0;
    const untiltedY = c[1] === 0;
    const hx = 0.5 * a[0], hy = 0.5 * b[1], hz = 0.5 * c[2];
    const bx = float32Below(hx), by = float32Below(hy), bz = float32Below(hz);
    for (let i = 0; i < n; i++) {
      const p = 3 * i;
      if (untiltedX && out[p] >= hx) out[p] = bx;
      if (untiltedY && out[p + 1] >= hy) out[p + 1] = by;
      if (dimensions === 3 && out[p + 2] >= hz) out[p + 2] = bz;
    }
  }
  return out;
}

/** HOOMD's typeid and type names of a frame: its own names when it has them, else its numeric types as names ("1",
 * "2", ... for LAMMPS types), shifted so that the smallest id is 0 when types are negative. */
export function hoomdTypes(frame: { n: number; types: Int32Array; typeNames: string[] | null }): { typeid: Uint32Array; types: string[] } {
  if (frame.typeNames) return { typeid: Uint32Array.from(frame.types), types: frame.typeNames };
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < frame.n; i++) { lo = Math.min(lo, frame.types[i]); hi = Math.max(hi, frame.types[i]); }
  if (frame.n === 0) lo = hi = 0;
  const base = Math.min(lo, 0);
  return { typeid: Uint32Array.from(frame.types, (x) => x - base), types: Array.from({ length: hi - base + 1 }, (_v, k) => String(k + base)) };
}

function u64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(v % 4294967296 >>> 0, 0);
  b.writeUInt32LE(Math.floor(v / 4294967296) >>> 0, 4);
  return b;
}

/** Write one HOOMD frame (see the header); `writeStatic` adds diameter, typeid and types (frame 0). */
export function writeHoomdFrame(w: GsdWriter, d: HoomdFrameData, writeStatic: boolean): void {
  const n = d.positions.length / 3;
  const precision = d.precision ?? 'float';
  if (!Number.isInteger(d.step) || d.step < 0) throw new Error(`GSD frame: step ${d.step} is not a non-negative integer`);
  w.writeChunk('configuration/step', GsdType.UINT64, 1, 1, u64(d.step));
  w.writeChunk('configuration/dimensions', GsdType.UINT8, 1, 1, new Uint8Array([d.dimensions]));
  const box = hoomdBox(d.box);
  if (precision === 'double') w.writeChunk('configuration/box', GsdType.DOUBLE, 6, 1, Float64Array.from(box));
  else w.writeChunk('configuration/box', GsdType.FLOAT, 6, 1, Float32Array.from(box));
  w.writeChunk('particles/N', GsdType.UINT32, 1, 1, new Uint32Array([n]));
  if (writeStatic && d.types) {
    const encoded = d.types.map((t) => Buffer.from(t, 'utf8'));
    const width = Math.max(...encoded.map((b) => b.length)) + 1;
    const mat = Buffer.alloc(d.types.length * width);
    encoded.forEach((b, r) => b.copy(mat, r * width));
    w.writeChunk('particles/types', GsdType.INT8, d.types.length, width, mat);
  }
  if (n > 0) {
    if (writeStatic && d.typeid) w.writeChunk('particles/typeid', GsdType.UINT32, n, 1, Uint32Array.from(d.typeid));
    if (writeStatic && d.diameters) {
      if (precision === 'double') w.writeChunk('particles/diameter', GsdType.DOUBLE, n, 1, Float64Array.from(d.diameters));
      else w.writeChunk('particles/diameter', GsdType.FLOAT, n, 1, Float32Array.from(d.diameters));
    }
    const pos = toHoomdPositions(d.positions, d.box, d.dimensions, precision);
    w.writeChunk('particles/position', precision === 'double' ? GsdType.DOUBLE : GsdType.FLOAT, n, 3, pos);
    if (d.velocities) w.writeChunk('particles/velocity', GsdType.FLOAT, n, 3, Float32Array.from(d.velocities));
    w.writeChunk('particles/image', GsdType.INT32, n, 3, d.images);
  }
  for (const [key, value] of Object.entries(d.log)) w.writeChunk(`log/${key}`, GsdType.DOUBLE, 1, 1, new Float64Array([value]));
  w.endFrame();
}

/** Number of complete frames in a GSD file. */
export function gsdFrameCount(path: string): number {
  const src = new FileSource(path);
  try {
    const f = new GsdFile(src);
    return f.nFrames;
  } finally {
    src.close();
  }
}

/**
 * Rewrite a GSD file keeping only its first `frames` frames (chunks copied byte for byte, same types and names), via a
 * temporary file renamed over the original. Used when a run resumes from a checkpoint older than the file's end.
 */
export function truncateGsd(path: string, frames: number): void {
  const src = new FileSource(path);
  const tmp = `${path}.truncate-tmp`;
  try {
    const f = new GsdFile(src);
    if (frames > f.nFrames) throw new Error(`${path}: cannot keep ${frames} frames, the file has ${f.nFrames}`);
    const w = GsdWriter.create(tmp, { application: f.header.application || APPLICATION });
    try {
      for (let k = 0; k < frames; k++) {
        const [a, b] = f.frameRange(k);
        for (let i = a; i < b; i++) {
          const info = f.entryInfo(i);
          w.writeChunk(info.name, info.type as (typeof GsdType)[keyof typeof GsdType], info.N, info.M, Buffer.from(f.entryBytes(i)));
        }
        w.endFrame();
      }
    } finally {
      w.close();
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    src.close();
  }
  renameSync(tmp, path);
}

/**
 * Open a trajectory to continue a checkpointed run that had written `frames` frames; an error when it holds fewer.
 * The file is first rewritten to exactly those frames, as a writer lays them out: frames written after the checkpoint
 * and the bytes of a frame interrupted half-way (which a plain append would leave in the file, unindexed) go, so
 * the resumed run's file is the uninterrupted run's, byte for byte.
 */
export function openGsdForResume(path: string, frames: number): GsdWriter {
  if (!existsSync(path)) throw new Error(`${path}: the trajectory of the checkpointed run is missing`);
  const have = gsdFrameCount(path);
  if (have < frames) throw new Error(`${path}: has ${have} frames, fewer than the checkpoint's ${frames}; cannot resume`);
  truncateGsd(path, frames);
  const w = GsdWriter.openAppend(path);
  if (w.frameCount !== frames) {
    w.close();
    throw new Error(`${path}: has ${w.frameCount} frames after truncation, expected ${frames}`);
  }
  return w;
}

function writeFileAtomic(path: string, data: Buffer | string, sync: boolean): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, done);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Write JSON atomically (temporary file + rename, not fsynced: sidecars are informative), pretty-printed. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, false);
}

export const CHECKPOINT_FORMAT = 'avalanche-workbench/sim-checkpoint';

/** Write a checkpoint atomically (v8 serialization: typed arrays and doubles exact). */
export function writeCheckpoint(path: string, value: Record<string, unknown>): void {
  writeFileAtomic(path, serialize({ format: CHECKPOINT_FORMAT, version: 1, ...value }), true);
}

/** Read a checkpoint written by `writeCheckpoint`; throws naming the file when it is not one. */
export function readCheckpoint<T>(path: string): T {
  let value: unknown;
  try {
    value = deserialize(readFileSync(path));
  } catch (e) {
    throw new Error(`${path}: not a readable checkpoint (${e instanceof Error ? e.message : String(e)})`);
  }
  const v = value as { format?: unknown; version?: unknown } | null;
  if (!v || v.format !== CHECKPOINT_FORMAT || v.version !== 1) throw new Error(`${path}: not a simulation checkpoint of this version`);
  return value as T;
}

/** Canonical JSON (sorted keys) of plain parameters, to compare a resumed run's parameters with the checkpoint's. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = norm(o[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(value));
}
