// HOOMD GSD trajectories: the `hoomd` schema (1.x, doc/schema-hoomd.rst) on the GSD file layer (gsd-file.ts): frames,
// per-particle properties and logged quantities, and the schema's defaults. A chunk missing from frame i takes its
// value from frame 0 (for per-particle chunks only when N is equal in both frames), else the schema default.
import type { ByteSource } from './byte-source.js';
import { boxFromHoomd, unwrapWithImages, type Box } from '../box.js';
import { flatZ } from './frame-util.js';
import { decodeStringRows, GsdFile, gsdToFloat64, GsdType, scalarAt, versionText, type GsdArray } from './gsd-file.js';
import {
  TrajectoryError,
  type Frame,
  type FrameEntry,
  type ScanDamage,
  type ScanOptions,
  type ScanResult,
  type TrajectoryReader,
} from './types.js';

interface FrameScalars {
  step: number;
  n: number;
  box: [number, number, number, number, number, number];
  /** From configuration/dimensions (this frame or frame 0), else null. */
  dims: 2 | 3 | null;
  offset: number;
  length: number;
}

const DEFAULT_BOX: [number, number, number, number, number, number] = [1, 1, 1, 0, 0, 0];

/** Per-particle chunks kept as `Frame.properties` (when stored), with their column names. */
const PROPERTY_CHUNKS: [string, string[]][] = [
  ['particles/mass', ['mass']],
  ['particles/charge', ['charge']],
  ['particles/body', ['body']],
  ['particles/velocity', ['vx', 'vy', 'vz']],
  ['particles/orientation', ['orientation[0]', 'orientation[1]', 'orientation[2]', 'orientation[3]']],
  ['particles/moment_inertia', ['moment_inertia[0]', 'moment_inertia[1]', 'moment_inertia[2]']],
  ['particles/angmom', ['angmom[0]', 'angmom[1]', 'angmom[2]', 'angmom[3]']],
];

/**
 * HOOMD-blue GSD trajectories (schema `hoomd` 1.x on file layer 1.0 or 2.x).
 *
 * Particle ids: GSD stores particles in tag order (tags 0..N-1) without an id chunk. Frames report
 * `ids` = tag + 1, i.e. 1..N, so every format in the workbench agrees with LAMMPS's 1-based ids.
 *
 * Missing chunks follow the schema: a chunk absent from frame i takes frame 0's value (per-particle chunks
 * only when N equals frame 0's N), else the HOOMD default (step 0, dimensions 3, box [1,1,1,0,0,0], N 0,
 * position 0, typeid 0, types ['A'], diameter 1, image 0, ...).
 *
 * `Frame.properties` always holds `diameter` (default 1) and, when the file stores them, mass, charge, body,
 * vx/vy/vz, orientation[0..3], moment_inertia[0..2], angmom[0..3] and per-particle logged quantities
 * (`log/particles/...`, one column per component as `name[k]` when M > 1).
 *
 * FrameEntry.offset/length span the frame's chunks; `timestep` is configuration/step; `time` is null.
 * Incremental scans resume by frame (`fromFrame`); `fromOffset` is not needed.
 */
export class GsdReader implements TrajectoryReader {
  readonly format = 'gsd' as const;
  readonly path: string;
  readonly file: GsdFile;
  private frame0: FrameScalars | null = null;
  private checkedSchema = false;

  constructor(private readonly source: ByteSource) {
    this.path = source.path;
    this.file = new GsdFile(source);
  }

  private refresh(): void {
    this.file.refresh();
    if (!this.checkedSchema) {
      const h = this.file.header;
      if (h.schema !== 'hoomd') {
        throw new TrajectoryError(
          `${this.path}: GSD schema "${h.schema}" (header byte 112); expected "hoomd"`, this.path, { offset: 112 });
      }
      if (h.schemaVersion[0] !== 1) {
        throw new TrajectoryError(
          `${this.path}: unsupported hoomd schema version ${versionText(h.schemaVersion)} (header byte 40); expected 1.x`,
          this.path, { offset: 40 });
      }
      this.checkedSchema = true;
    }
    this.frame0 = null;
  }

  private ensureFrames(index: number): void {
    if (!this.checkedSchema || index >= this.file.nFrames) this.refresh();
  }

  private getFrame0(): FrameScalars | null {
    if (this.frame0) return this.frame0;
    if (this.file.nFrames < 1) return null;
    this.frame0 = this.scalars(0, null);
    return this.frame0;
  }

  /** Read step, N, box, dimensions and the chunk span of frame f (throws TrajectoryError on bad chunks). */
  private scalars(f: number, f0: FrameScalars | null): FrameScalars {
    const file = this.file;
    const [a, b] = file.frameRange(f);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = a; i < b; i++) {
      const loc = file.entryLocation(i);
      if (loc < lo) lo = loc;
      const end = loc + file.entryByteLength(i);
      if (end > hi) hi = end;
    }
    const bad = (i: number, what: string): TrajectoryError => {
      const info = file.entryInfo(i);
      return new TrajectoryError(
        `${this.path}: frame ${f}: chunk "${info.name}" at byte ${info.location} is ${info.typeName} ${info.N}x${info.M}; expected ${what}`,
        this.path, { frame: f, offset: info.location });
    };
    let step = f0 ? f0.step : 0;
    let i = file.findEntry(f, 'configuration/step');
    if (i >= 0) {
      if (file.entryRows(i) * file.entryCols(i) < 1 || file.entryType(i) === GsdType.CHARACTER) throw bad(i, 'a uint64 1x1 step');
      step = file.readScalar(i);
      if (!Number.isFinite(step)) throw bad(i, 'a finite step');
    }
    let dims: 2 | 3 | null = f0 ? f0.dims : null;
    i = file.findEntry(f, 'configuration/dimensions');
    if (i >= 0) {
      const d = file.entryRows(i) * file.entryCols(i) >= 1 ? file.readScalar(i) : NaN;
      if (d !== 2 && d !== 3) throw bad(i, `a uint8 1x1 dimensions of 2 or 3 (found ${d})`);
      dims = d;
    }
    let box: [number, number, number, number, number, number] = f0 ? f0.box : DEFAULT_BOX;
    i = file.findEntry(f, 'configuration/box');
    if (i >= 0) {
      const cnt = file.entryRows(i) * file.entryCols(i);
      if (cnt < 3 || file.entryType(i) === GsdType.CHARACTER) throw bad(i, 'a float 6x1 box [Lx,Ly,Lz,xy,xz,yz]');
      const raw = file.entryBytes(i);
      const t = file.entryType(i);
      box = [0, 0, 0, 0, 0, 0];
      for (let k = 0; k < Math.min(6, cnt); k++) box[k] = scalarAt(raw, t, k);
    }
    let n: number | null = f0 ? f0.n : null;
    i = file.findEntry(f, 'particles/N');
    if (i >= 0) {
      if (file.entryRows(i) * file.entryCols(i) < 1 || file.entryType(i) === GsdType.CHARACTER) throw bad(i, 'a uint32 1x1 particle count');
      n = file.readScalar(i);
      if (!Number.isInteger(n) || n < 0 || n >= 2 ** 28) throw bad(i, 'a particle count from 0 to 2^28');
    }
    const p = file.findEntry(f, 'particles/position');
    if (n === null) n = p >= 0 ? file.entryRows(p) : 0;
    if (p >= 0 && (file.entryRows(p) !== n || file.entryCols(p) !== 3)) throw bad(p, `${n}x3 positions (particles/N = ${n})`);
    const offset = lo === Infinity ? 0 : lo;
    return { step, n, box, dims, offset, length: hi === -Infinity ? 0 : hi - lo };
  }

  private dimsOf(s: FrameScalars): 2 | 3 {
    // No configuration/dimensions anywhere: gsd.hoomd's rule (Lz = 0 means 2D), else 3.
    return s.dims ?? (s.box[2] === 0 ? 2 : 3);
  }

  scan(options: ScanOptions = {}): ScanResult {
    const { fromFrame = 0, onFrames, onProgress, signal } = options;
    signal?.throwIfAborted();
    this.refresh();
    const file = this.file;
    const total = file.nFrames;
    let damage: ScanDamage | null = null;
    const fileDamage = file.damage;
    let batch: FrameEntry[] = [];
    let batchStart = fromFrame;
    let endOffset = 0;
    let reported = 0;
    const flush = (): void => {
      if (batch.length > 0) {
        onFrames?.(batch, batchStart);
        batchStart += batch.length;
        batch = [];
      }
      onProgress?.({ bytesDone: endOffset, fileBytesDone: endOffset, fileBytesTotal: this.source.fileSize, frames: fromFrame + reported });
    };
    let f0: FrameScalars | null = null;
    try {
      if (total > 0) f0 = this.getFrame0();
      for (let f = 0; f < total; f++) {
        if (f < fromFrame) {
          // Frames already reported: only their end matters for endOffset.
          if (f === fromFrame - 1) {
            const [a, b] = file.frameRange(f);
            for (let i = a; i < b; i++) endOffset = Math.max(endOffset, file.entryLocation(i) + file.entryByteLength(i));
          }
          continue;
        }
        const s = f === 0 ? (f0 as FrameScalars) : this.scalars(f, f0);
        batch.push({
          offset: s.offset,
          length: s.length,
          timestep: s.step,
          time: null,
          n: s.n,
          box: boxFromHoomd(s.box, this.dimsOf(s)),
        });
        reported++;
        endOffset = Math.max(endOffset, s.offset + s.length);
        if (batch.length >= 1024) {
          flush();
          signal?.throwIfAborted();
        }
      }
    } catch (e) {
      if (!(e instanceof TrajectoryError)) throw e;
      damage = { kind: 'corrupt', offset: e.place.offset ?? 0, frame: e.place.frame ?? 0, line: null, message: e.message };
    }
    flush();
    if (!damage && fileDamage) {
      damage = { kind: fileDamage.kind, offset: fileDamage.offset, frame: fileDamage.frame, line: null, message: fileDamage.message };
    }
    return { frames: reported, endOffset, damage };
  }

  /** Global entry index of chunk `name` for frame f, falling back to frame 0 (when `sameN`). */
  private locate(f: number, name: string, sameN: boolean): number {
    const i = this.file.findEntry(f, name);
    if (i >= 0 || f === 0 || !sameN) return i;
    return this.file.findEntry(0, name);
  }

  private perParticle(f: number, i: number, n: number, m: number, what: string): GsdArray {
    const file = this.file;
    if (file.entryRows(i) !== n || file.entryCols(i) !== m || file.entryType(i) === GsdType.CHARACTER) {
      const info = file.entryInfo(i);
      throw new TrajectoryError(
        `${this.path}: frame ${f}: chunk "${info.name}" at byte ${info.location} (frame ${info.frame}) is ${info.typeName} ${info.N}x${info.M}; expected ${what} ${n}x${m}`,
        this.path, { frame: f, offset: info.location });
    }
    return file.readEntry(i);
  }

  readFrame(entry: FrameEntry, index: number): Frame {
    this.ensureFrames(index);
    const file = this.file;
    if (index < 0 || index >= file.nFrames) {
      throw new TrajectoryError(
        `${this.path}: frame ${index} is not in the file (it has ${file.nFrames} complete frames)`, this.path, { frame: index });
    }
    const f0 = this.getFrame0();
    const s = index === 0 ? (f0 as FrameScalars) : this.scalars(index, f0);
    const n = s.n;
    if (entry.n !== n) {
      throw new TrajectoryError(
        `${this.path}: frame ${index} has ${n} particles but the index recorded ${entry.n}: the file changed since it was scanned`,
        this.path, { frame: index, offset: s.offset });
    }
    const sameN = f0 !== null && f0.n === n;
    const warnings: string[] = [];

    // Positions (float32 in HOOMD files).
    const positions = new Float64Array(n * 3);
    let i = this.locate(index, 'particles/position', sameN);
    if (i >= 0 && n > 0) {
      const a = this.perParticle(index, i, n, 3, 'float positions');
      copyInto(a, positions);
    }

    // Ids: tag + 1 (1..N), see the class comment.
    const ids = new Int32Array(n);
    for (let k = 0; k < n; k++) ids[k] = k + 1;

    const types = new Int32Array(n);
    i = this.locate(index, 'particles/typeid', sameN);
    if (i >= 0 && n > 0) copyInto(this.perParticle(index, i, n, 1, 'uint32 type ids'), types);

    let typeNames: string[] = ['A'];
    i = this.locate(index, 'particles/types', true);
    if (i >= 0) {
      const a = file.readEntry(i);
      if (!(a instanceof Uint8Array || a instanceof Int8Array)) {
        const info = file.entryInfo(i);
        throw new TrajectoryError(
          `${this.path}: frame ${index}: chunk "particles/types" at byte ${info.location} is ${info.typeName}; expected int8 type names`,
          this.path, { frame: index, offset: info.location });
      }
      typeNames = decodeStringRows(a, file.entryRows(i), file.entryCols(i));
    }
    let maxType = -1;
    for (let k = 0; k < n; k++) if (types[k] > maxType) maxType = types[k];
    if (maxType >= typeNames.length) {
      warnings.push(`type id ${maxType} has no name (particles/types lists ${typeNames.length})`);
    }

    let images: Int32Array | null = null;
    i = this.locate(index, 'particles/image', sameN);
    if (i >= 0) {
      images = new Int32Array(n * 3);
      if (n > 0) copyInto(this.perParticle(index, i, n, 3, 'int32 images'), images);
    }

    let dimensions = this.dimsOf(s);
    if (s.dims === null && s.box[2] !== 0 && n > 0) {
      // No dimensions chunk at all: a flat z means a 2D system (Frame contract).
      if (flatZ(positions)) dimensions = 2;
    }
    const box: Box = boxFromHoomd(s.box, dimensions);
    const unwrapped = images ? unwrapWithImages(box, positions, images) : null;

    const properties: Record<string, Float64Array> = {};
    const diameter = new Float64Array(n);
    i = this.locate(index, 'particles/diameter', sameN);
    if (i >= 0 && n > 0) copyInto(this.perParticle(index, i, n, 1, 'float diameters'), diameter);
    else diameter.fill(1);
    properties.diameter = diameter;
    for (const [name, cols] of PROPERTY_CHUNKS) {
      i = this.locate(index, name, sameN);
      if (i < 0) continue;
      this.addColumns(properties, cols, this.perParticle(index, i, n, cols.length, name.slice(10)), n);
    }
    for (const name of file.names) {
      if (!name.startsWith('log/particles/')) continue;
      i = this.locate(index, name, sameN);
      if (i < 0 || file.entryType(i) === GsdType.CHARACTER || file.entryRows(i) !== n) continue;
      const m = file.entryCols(i);
      const cols = m === 1 ? [name] : Array.from({ length: m }, (_, k) => `${name}[${k}]`);
      this.addColumns(properties, cols, file.readEntry(i), n);
    }

    return {
      index,
      timestep: s.step,
      time: null,
      n,
      dimensions,
      box,
      ids,
      types,
      typeNames,
      positions,
      positionsKind: 'wrapped',
      images,
      unwrapped,
      properties,
      warnings,
    };
  }

  private addColumns(out: Record<string, Float64Array>, cols: string[], a: GsdArray, n: number): void {
    const m = cols.length;
    const arrays = cols.map(() => new Float64Array(n));
    const big = a instanceof BigUint64Array || a instanceof BigInt64Array;
    for (let c = 0; c < m; c++) {
      const dst = arrays[c];
      if (big) {
        for (let k = 0; k < n; k++) dst[k] = Number(a[k * m + c]);
      } else {
        const src = a as Exclude<GsdArray, BigUint64Array | BigInt64Array>;
        for (let k = 0; k < n; k++) dst[k] = src[k * m + c];
      }
    }
    for (let c = 0; c < m; c++) out[cols[c]] = arrays[c];
  }

  /**
   * Logged quantities (`log/*` chunks) of one frame, keyed by the name after `log/` (as gsd.hoomd's
   * `Frame.log`), values flattened row-major. A quantity absent from the frame takes frame 0's value, as the
   * schema says. Character (string) chunks are left out.
   */
  readLog(frame: number): Record<string, Float64Array> {
    this.ensureFrames(frame);
    const file = this.file;
    if (frame < 0 || frame >= file.nFrames) {
      throw new TrajectoryError(
        `${this.path}: frame ${frame} is not in the file (it has ${file.nFrames} complete frames)`, this.path, { frame });
    }
    const out: Record<string, Float64Array> = {};
    for (const name of file.names) {
      if (!name.startsWith('log/')) continue;
      const i = this.locate(frame, name, true);
      if (i < 0 || file.entryType(i) === GsdType.CHARACTER) continue;
      out[name.slice(4)] = gsdToFloat64(file.readEntry(i));
    }
    return out;
  }

  /** The compressed source's seek index, persisted by the trajectory index (null for plain files). */
  seekIndex(): Buffer | null {
    return this.source.exportSeekIndex();
  }

  close(): void {
    this.file.close();
    this.source.close();
  }
}

/** Copy a (non-bigint) GSD array into a Float64Array or Int32Array of the same length. */
function copyInto(a: GsdArray, out: Float64Array | Int32Array): void {
  if (a instanceof BigUint64Array || a instanceof BigInt64Array) {
    for (let k = 0; k < out.length; k++) out[k] = Number(a[k]);
    return;
  }
  out.set(a as ArrayLike<number>);
}
