// HOOMD GSD files, the file layer (versions 1.0 and 2.x): header, namelist, index and chunks, read-only. The `hoomd`
// schema on top of it (frames, properties, defaults) is gsd.ts; the writer gsd-writer.ts.
//
// File layer (glotzerlab/gsd doc/file-layer.rst and gsd/gsd.c), all little-endian:
//   header (256 bytes): u64 magic 0x65DF65DF65DF65DF, u64 index_location, u64 index_allocated_entries,
//     u64 namelist_location, u64 namelist_allocated_entries (namelist bytes / 64), u32 schema_version,
//     u32 gsd_version (both 0xaaaabbbb = aaaa.bbbb), char application[64], char schema[64], reserved[80].
//   index: index_allocated_entries entries of 32 bytes {u64 frame, u64 N, i64 location, u32 M, u16 id,
//     u8 type, u8 flags}; the first entry with location 0 ends the list. Frames never decrease; in 2.x the
//     whole index is sorted by (frame, id). The number of frames is (last entry's frame) + 1.
//   namelist: 1.0 (and 0.3): 64-byte NUL-padded names; 2.x: names separated by single NUL bytes.
//     The first empty name ends the list; entry.id indexes it.
//   chunk data: N*M elements of the entry's type at `location`.
// Types: 1 uint8, 2 uint16, 3 uint32, 4 uint64, 5 int8, 6 int16, 7 int32, 8 int64, 9 float, 10 double,
// 11 character (added in 2.1).
import type { ByteSource } from './byte-source.js';
import { TrajectoryError } from './types.js';

export const GSD_MAGIC_LO = 0x65df65df;
export const GSD_HEADER_SIZE = 256;
export const GSD_INDEX_ENTRY_SIZE = 32;
export const GSD_NAME_SIZE = 64;

/** GSD chunk element types (gsd.h `enum gsd_type`). */
export const GsdType = {
  UINT8: 1,
  UINT16: 2,
  UINT32: 3,
  UINT64: 4,
  INT8: 5,
  INT16: 6,
  INT32: 7,
  INT64: 8,
  FLOAT: 9,
  DOUBLE: 10,
  CHARACTER: 11,
} as const;
export type GsdTypeId = (typeof GsdType)[keyof typeof GsdType];

/** Bytes per element by type id (0 = invalid type). */
export const GSD_TYPE_SIZE: readonly number[] = [0, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 1];
const TYPE_NAMES = ['?', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float', 'double', 'char'];

export type GsdArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;

export interface GsdHeader {
  /** File layer version [major, minor]. */
  version: [number, number];
  application: string;
  schema: string;
  schemaVersion: [number, number];
  indexLocation: number;
  indexAllocatedEntries: number;
  namelistLocation: number;
  /** Size of the namelist block in 64-byte units. */
  namelistAllocatedEntries: number;
}

/** One index entry, resolved to its chunk name. */
export interface GsdChunkInfo {
  name: string;
  frame: number;
  /** Rows. */
  N: number;
  /** Columns. */
  M: number;
  type: number;
  typeName: string;
  location: number;
  /** N * M * sizeof(type). */
  byteLength: number;
}

/** Damage found while reading the index: frames before `frame` are complete and usable. */
export interface GsdIndexDamage {
  kind: 'truncated' | 'corrupt';
  frame: number;
  offset: number;
  message: string;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO32 = 4294967296;
const INDEX_BLOCK_ENTRIES = 32768;
const WINDOW_BYTES = 65536;

function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO32;
}

function cString(buf: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  return buf.toString('utf8', start, e);
}

/** A version as text: [2, 1] -> '2.1'. */
export function versionText(v: [number, number]): string {
  return `${v[0]}.${v[1]}`;
}

/**
 * The GSD file layer, read-only: header, namelist and index, chunks listed by frame and read as typed arrays.
 * `refresh()` (called lazily) re-reads the header and continues parsing the index where it stopped, so a
 * file that another process is still writing can be followed. Frames whose index entries are invalid (data
 * past the end of the file, unknown names or types) and all later frames are left out and reported in `damage`.
 */
export class GsdFile {
  readonly path: string;
  private hdr: GsdHeader | null = null;
  private nameList: string[] = [];
  private nameIds = new Map<string, number>();
  // Index entries of complete frames, structure of arrays.
  private count = 0;
  private cap = 0;
  private eFrame = new Float64Array(0);
  private eN = new Float64Array(0);
  private eLoc = new Float64Array(0);
  private eM = new Uint32Array(0);
  private eId = new Uint16Array(0);
  private eType = new Uint8Array(0);
  /** frameStart[f]..frameStart[f+1] are the entries of frame f (length nFrames + 1). */
  private frameStart: number[] = [0];
  private frames = 0;
  private firstEntryKey = '';
  private knownSize = 0;
  private dmg: GsdIndexDamage | null = null;
  /** The namelist block extends past the end of the file. */
  private namesCut = false;
  // Small-read window (scalars of consecutive frames are close together in the file).
  private winStart = 0;
  private winBuf: Buffer | null = null;

  constructor(private readonly source: ByteSource) {
    this.path = source.path;
  }

  get header(): GsdHeader {
    if (!this.hdr) this.refresh();
    return this.hdr as GsdHeader;
  }

  /** Number of complete frames found by the last `refresh()`. */
  get nFrames(): number {
    if (!this.hdr) this.refresh();
    return this.frames;
  }

  /** Damage found by the last `refresh()`, else null. */
  get damage(): GsdIndexDamage | null {
    return this.dmg;
  }

  /** All chunk names in the namelist, in id order. */
  get names(): readonly string[] {
    if (!this.hdr) this.refresh();
    return this.nameList;
  }

  /** Names in the namelist that start with `prefix`. */
  findMatchingChunkNames(prefix: string): string[] {
    return this.names.filter((n) => n.startsWith(prefix));
  }

  /** Re-read the header, namelist and (incrementally) the index. Throws TrajectoryError when the header is not GSD. */
  refresh(): void {
    this.winBuf = null;
    const size = this.streamSize();
    this.knownSize = size;
    const head = this.source.read(0, GSD_HEADER_SIZE);
    if (head.length < GSD_HEADER_SIZE) {
      throw new TrajectoryError(
        `${this.path}: not a GSD file: ${head.length} bytes, shorter than the 256-byte GSD header (at byte 0)`,
        this.path, { offset: 0 });
    }
    if (head.readUInt32LE(0) !== GSD_MAGIC_LO || head.readUInt32LE(4) !== GSD_MAGIC_LO) {
      throw new TrajectoryError(
        `${this.path}: not a GSD file: bytes 0-7 are ${head.subarray(0, 8).toString('hex')}, expected the GSD magic number 0x65DF65DF65DF65DF`,
        this.path, { offset: 0 });
    }
    const gv = head.readUInt32LE(44);
    const sv = head.readUInt32LE(40);
    const version: [number, number] = [gv >>> 16, gv & 0xffff];
    const okVersion = (gv >= 0x10000 && gv < 0x30000) || gv === 3;
    if (!okVersion) {
      throw new TrajectoryError(
        `${this.path}: unsupported GSD file layer version ${versionText(version)} (header byte 44); this reader supports 1.0 and 2.x`,
        this.path, { offset: 44 });
    }
    const h: GsdHeader = {
      version,
      application: cString(head, 48, 112),
      schema: cString(head, 112, 176),
      schemaVersion: [sv >>> 16, sv & 0xffff],
      indexLocation: u64(head, 8),
      indexAllocatedEntries: u64(head, 16),
      namelistLocation: u64(head, 24),
      namelistAllocatedEntries: u64(head, 32),
    };
    const LIMIT = 2 ** 52;
    if (h.indexLocation < GSD_HEADER_SIZE || h.indexAllocatedEntries < 1 || h.indexAllocatedEntries > 2 ** 40
      || h.indexLocation + h.indexAllocatedEntries * GSD_INDEX_ENTRY_SIZE > LIMIT) {
      throw new TrajectoryError(
        `${this.path}: corrupt GSD header: index at byte ${h.indexLocation} with ${h.indexAllocatedEntries} entries (header bytes 8-23); expected an index after the 256-byte header`,
        this.path, { offset: 8 });
    }
    if (h.namelistLocation < GSD_HEADER_SIZE || h.namelistAllocatedEntries < 1 || h.namelistAllocatedEntries > 2 ** 24
      || h.namelistLocation > LIMIT) {
      throw new TrajectoryError(
        `${this.path}: corrupt GSD header: namelist at byte ${h.namelistLocation} with ${h.namelistAllocatedEntries} 64-byte blocks (header bytes 24-39); expected a namelist after the 256-byte header`,
        this.path, { offset: 24 });
    }
    const prev = this.hdr;
    this.hdr = h;
    this.readNames(h);

    // Continue the index parse where it stopped, unless the index moved or the file was rewritten.
    let resume = prev !== null && prev.indexLocation === h.indexLocation && prev.version[0] === h.version[0] && this.frames > 0;
    if (resume) {
      const first = this.source.read(h.indexLocation, GSD_INDEX_ENTRY_SIZE);
      if (first.length < GSD_INDEX_ENTRY_SIZE || first.toString('hex') !== this.firstEntryKey) resume = false;
    }
    if (resume) {
      // Re-parse the last frame too: a writer that appends index entries chunk by chunk may have added to it.
      const last = this.frames - 1;
      this.count = this.frameStart[last];
      this.frameStart.length = last + 1;
      this.frames = last;
    } else {
      this.count = 0;
      this.frameStart = [0];
      this.frames = 0;
    }
    this.parseIndex(h, size);
    if (this.count > 0) {
      const first = this.source.read(h.indexLocation, GSD_INDEX_ENTRY_SIZE);
      this.firstEntryKey = first.toString('hex');
    } else {
      this.firstEntryKey = '';
    }
  }

  private streamSize(): number {
    let size = this.source.size;
    if (size === null) {
      // Compressed stream: one pass learns the uncompressed size.
      for (const chunk of this.source.chunks(0)) void chunk;
      size = this.source.size ?? 0;
    }
    return size;
  }

  /** Whether the stream has at least `end` bytes (probes past a stale size: the file may be growing). */
  private hasBytes(end: number): boolean {
    if (end <= this.knownSize) return true;
    if (!Number.isFinite(end) || end > 2 ** 52) return false;
    const probe = this.source.read(end - 1, 1);
    if (probe.length === 1) {
      this.knownSize = end;
      return true;
    }
    return false;
  }

  private readNames(h: GsdHeader): void {
    const bytes = h.namelistAllocatedEntries * GSD_NAME_SIZE;
    // Never ask for more than the file holds (a corrupt header may claim a huge block).
    const avail = this.hasBytes(h.namelistLocation + bytes) ? bytes : Math.max(0, this.knownSize - h.namelistLocation);
    const buf = this.source.read(h.namelistLocation, avail);
    this.namesCut = buf.length < bytes;
    const names: string[] = [];
    const v1 = h.version[0] < 2;
    let p = 0;
    while (p < buf.length && buf[p] !== 0) {
      if (v1) {
        if (p + GSD_NAME_SIZE > buf.length) break; // cut by the end of the file
        names.push(cString(buf, p, p + GSD_NAME_SIZE));
        p += GSD_NAME_SIZE;
      } else {
        let e = p;
        while (e < buf.length && buf[e] !== 0) e++;
        if (e >= buf.length) break; // unterminated: cut by the end of the file
        names.push(buf.toString('utf8', p, e));
        p = e + 1;
      }
      if (names.length >= 65535) break;
    }
    this.nameList = names;
    this.nameIds = new Map();
    for (let i = 0; i < names.length; i++) if (!this.nameIds.has(names[i])) this.nameIds.set(names[i], i);
  }

  private grow(min: number): void {
    let cap = Math.max(64, this.cap * 2);
    while (cap < min) cap *= 2;
    const f = new Float64Array(cap); f.set(this.eFrame.subarray(0, this.count)); this.eFrame = f;
    const n = new Float64Array(cap); n.set(this.eN.subarray(0, this.count)); this.eN = n;
    const l = new Float64Array(cap); l.set(this.eLoc.subarray(0, this.count)); this.eLoc = l;
    const m = new Uint32Array(cap); m.set(this.eM.subarray(0, this.count)); this.eM = m;
    const id = new Uint16Array(cap); id.set(this.eId.subarray(0, this.count)); this.eId = id;
    const t = new Uint8Array(cap); t.set(this.eType.subarray(0, this.count)); this.eType = t;
    this.cap = cap;
  }

  private parseIndex(h: GsdHeader, size: number): void {
    this.dmg = null;
    const alloc = h.indexAllocatedEntries;
    let i = this.count;
    let curFrame = this.frames - 1; // frame of the last parsed entry (-1: none)
    let terminated = false;
    let bad: GsdIndexDamage | null = null;
    const nNames = this.nameList.length;
    outer: while (i < alloc) {
      const want = Math.min(alloc - i, INDEX_BLOCK_ENTRIES);
      const at = h.indexLocation + i * GSD_INDEX_ENTRY_SIZE;
      const buf = this.source.read(at, want * GSD_INDEX_ENTRY_SIZE);
      const got = Math.floor(buf.length / GSD_INDEX_ENTRY_SIZE);
      for (let k = 0; k < got; k++) {
        const p = k * GSD_INDEX_ENTRY_SIZE;
        const loc = u64(buf, p + 16);
        if (loc === 0) {
          terminated = true;
          break outer;
        }
        const frame = u64(buf, p);
        const N = u64(buf, p + 8);
        const M = buf.readUInt32LE(p + 24);
        const id = buf.readUInt16LE(p + 28);
        const type = buf[p + 30];
        const flags = buf[p + 31];
        const entryOffset = at + p;
        const where = `index entry ${i + k} at byte ${entryOffset}`;
        const tsize = type < GSD_TYPE_SIZE.length ? GSD_TYPE_SIZE[type] : 0;
        // The first frame that is not complete when this entry is bad.
        const badFrame = curFrame < 0 ? 0 : frame === curFrame ? curFrame : curFrame + 1;
        if (frame < curFrame || frame >= alloc) {
          bad = { kind: 'corrupt', frame: Math.max(curFrame, 0), offset: entryOffset,
            message: `${this.path}: corrupt GSD index: ${where} has frame ${frame}; expected frames in increasing order, from ${Math.max(curFrame, 0)}` };
          break outer;
        }
        if (tsize === 0 || flags !== 0) {
          bad = { kind: 'corrupt', frame: badFrame, offset: entryOffset,
            message: `${this.path}: corrupt GSD index in frame ${frame}: ${where} has type ${type} and flags ${flags}; expected a type 1-11 and flags 0` };
          break outer;
        }
        if (id >= nNames) {
          bad = { kind: this.namesCut ? 'truncated' : 'corrupt', frame: badFrame, offset: entryOffset,
            message: `${this.path}: ${this.namesCut ? 'GSD file truncated' : 'corrupt GSD index'} in frame ${frame}: ${where} names chunk id ${id}, but the namelist (at byte ${h.namelistLocation}) has ${nNames} names` };
          break outer;
        }
        const bytes = N * M * tsize;
        if (loc < GSD_HEADER_SIZE || !this.hasBytes(loc + bytes)) {
          const truncated = loc >= GSD_HEADER_SIZE;
          bad = { kind: truncated ? 'truncated' : 'corrupt', frame: badFrame, offset: truncated ? Math.min(loc, Math.max(size, this.knownSize)) : entryOffset,
            message: truncated
              ? `${this.path}: GSD file truncated in frame ${frame}: chunk "${this.nameList[id]}" (${where}) needs bytes ${loc}-${loc + bytes}, but the file ends at byte ${Math.max(size, this.knownSize)}`
              : `${this.path}: corrupt GSD index in frame ${frame}: ${where} points at byte ${loc}, inside the header` };
          break outer;
        }
        if (this.count >= this.cap) this.grow(this.count + 1);
        const c = this.count;
        if (frame > curFrame) {
          for (let g = curFrame + 1; g <= frame; g++) this.frameStart[g] = c;
          curFrame = frame;
        }
        this.eFrame[c] = frame;
        this.eN[c] = N;
        this.eLoc[c] = loc;
        this.eM[c] = M;
        this.eId[c] = id;
        this.eType[c] = type;
        this.count = c + 1;
      }
      i += got;
      if (got < want) break; // the index block is cut by the end of the file
    }
    let nFrames = curFrame + 1;
    if (bad) {
      nFrames = Math.min(nFrames, bad.frame);
      this.dmg = bad;
    } else if (!terminated && i < alloc) {
      // Index cut by the end of the file: the last frame seen may be incomplete.
      const f = Math.max(curFrame, 0);
      nFrames = Math.max(0, curFrame);
      this.dmg = { kind: 'truncated', frame: f, offset: h.indexLocation + i * GSD_INDEX_ENTRY_SIZE,
        message: `${this.path}: GSD file truncated: the index (${alloc} entries from byte ${h.indexLocation}) ends at byte ${h.indexLocation + i * GSD_INDEX_ENTRY_SIZE} in frame ${f}` };
    }
    if (!this.dmg && h.version[0] < 2 && this.lastFrameLooksPartial(nFrames)) {
      // gsd 1.x writers copy the in-memory index, including entries of the frame being written, when the
      // index grows in the middle of a frame. Such a frame holds a strict prefix of the previous frames' chunks
      // (1.0 indexes keep write order); leave it out until it is complete.
      const f = nFrames - 1;
      this.dmg = { kind: 'truncated', frame: f, offset: this.eLoc[this.frameStart[f]],
        message: `${this.path}: GSD frame ${f} looks incomplete (still being written?): it has only the first ${this.frameStart[f + 1] - this.frameStart[f]} of the previous frame's chunks` };
      nFrames = f;
    }
    // Keep only entries of complete frames.
    this.frames = nFrames;
    this.frameStart.length = nFrames + 1;
    this.count = nFrames === curFrame + 1 ? this.count : this.frameStart[nFrames] ?? this.count;
    this.frameStart[nFrames] = this.count;
  }

  /**
   * Whether the last of `nFrames` (>= 3) frames holds a strict prefix of the previous frame's chunk ids while the
   * two frames before it hold the same ids (a steady writer). Called while the last frame's entries end the list.
   */
  private lastFrameLooksPartial(nFrames: number): boolean {
    if (nFrames < 3) return false;
    const a = this.frameStart[nFrames - 3];
    const b = this.frameStart[nFrames - 2];
    const c = this.frameStart[nFrames - 1];
    const end = this.count;
    const nPrev = c - b;
    const nLast = end - c;
    if (b - a !== nPrev || nLast >= nPrev || nLast === 0) return false;
    for (let k = 0; k < nPrev; k++) if (this.eId[a + k] !== this.eId[b + k]) return false;
    for (let k = 0; k < nLast; k++) if (this.eId[b + k] !== this.eId[c + k]) return false;
    return true;
  }

  /** Index entries (global indices) of frame f: [start, end). */
  frameRange(frame: number): [number, number] {
    if (frame < 0 || frame >= this.nFrames) return [0, 0];
    return [this.frameStart[frame], this.frameStart[frame + 1]];
  }

  /** Global index of the entry named `name` in `frame`, or -1. */
  findEntry(frame: number, name: string): number {
    const id = this.nameIds.get(name);
    if (id === undefined) return -1;
    const [a, b] = this.frameRange(frame);
    for (let i = a; i < b; i++) if (this.eId[i] === id) return i;
    return -1;
  }

  entryInfo(i: number): GsdChunkInfo {
    const type = this.eType[i];
    return {
      name: this.nameList[this.eId[i]],
      frame: this.eFrame[i],
      N: this.eN[i],
      M: this.eM[i],
      type,
      typeName: TYPE_NAMES[type] ?? '?',
      location: this.eLoc[i],
      byteLength: this.eN[i] * this.eM[i] * GSD_TYPE_SIZE[type],
    };
  }

  entryName(i: number): string { return this.nameList[this.eId[i]]; }
  entryRows(i: number): number { return this.eN[i]; }
  entryCols(i: number): number { return this.eM[i]; }
  entryType(i: number): number { return this.eType[i]; }
  entryLocation(i: number): number { return this.eLoc[i]; }
  entryByteLength(i: number): number { return this.eN[i] * this.eM[i] * GSD_TYPE_SIZE[this.eType[i]]; }

  /** The chunks of one frame, in index order. */
  chunks(frame: number): GsdChunkInfo[] {
    const [a, b] = this.frameRange(frame);
    const out: GsdChunkInfo[] = [];
    for (let i = a; i < b; i++) out.push(this.entryInfo(i));
    return out;
  }

  /** Whether chunk `name` is present in `frame`. */
  chunkExists(frame: number, name: string): boolean {
    return this.findEntry(frame, name) >= 0;
  }

  /** Read chunk `name` of `frame` as a typed array of N*M elements (row-major), or null when absent. */
  readChunk(frame: number, name: string): GsdArray | null {
    const i = this.findEntry(frame, name);
    return i < 0 ? null : this.readEntry(i);
  }

  /** The raw bytes of entry i (a fresh read; small chunks come from a read window). */
  entryBytes(i: number): Buffer {
    const loc = this.eLoc[i];
    const len = this.entryByteLength(i);
    let buf: Buffer;
    if (len <= 4096) {
      buf = this.readSmall(loc, len);
    } else {
      buf = this.source.read(loc, len);
    }
    if (buf.length < len) {
      throw new TrajectoryError(
        `${this.path}: GSD file truncated in frame ${this.eFrame[i]}: chunk "${this.entryName(i)}" needs bytes ${loc}-${loc + len}, but only ${buf.length} bytes could be read`,
        this.path, { frame: this.eFrame[i], offset: loc });
    }
    return buf;
  }

  private readSmall(loc: number, len: number): Buffer {
    const w = this.winBuf;
    if (w && loc >= this.winStart && loc + len <= this.winStart + w.length) {
      return w.subarray(loc - this.winStart, loc - this.winStart + len);
    }
    const buf = this.source.read(loc, Math.max(len, WINDOW_BYTES));
    // Copy: the source may reuse its buffers.
    this.winBuf = Buffer.from(buf);
    this.winStart = loc;
    return this.winBuf.subarray(0, Math.min(len, this.winBuf.length));
  }

  /** Read entry i as a typed array (elements in file order). */
  readEntry(i: number): GsdArray {
    const type = this.eType[i];
    const count = this.eN[i] * this.eM[i];
    const size = GSD_TYPE_SIZE[type];
    const raw = this.entryBytes(i);
    return toTypedArray(raw, type, count, size);
  }

  /** First element of entry i as a number (for 1x1 scalars such as step and N). */
  readScalar(i: number): number {
    const type = this.eType[i];
    if (this.eN[i] * this.eM[i] < 1) return NaN;
    const b = this.entryBytes(i);
    return scalarAt(b, type, 0);
  }

  close(): void {
    this.winBuf = null;
  }
}

/** Element k of raw chunk bytes of GSD `type` as a number (64-bit integers rounded to doubles). */
export function scalarAt(b: Buffer, type: number, k: number): number {
  switch (type) {
    case 1: case 11: return b[k];
    case 2: return b.readUInt16LE(k * 2);
    case 3: return b.readUInt32LE(k * 4);
    case 4: return b.readUInt32LE(k * 8) + b.readUInt32LE(k * 8 + 4) * TWO32;
    case 5: return b.readInt8(k);
    case 6: return b.readInt16LE(k * 2);
    case 7: return b.readInt32LE(k * 4);
    case 8: return b.readInt32LE(k * 8 + 4) * TWO32 + b.readUInt32LE(k * 8);
    case 9: return b.readFloatLE(k * 4);
    case 10: return b.readDoubleLE(k * 8);
    default: return NaN;
  }
}

/** A typed array over the bytes (a view when aligned on a little-endian machine, else a copy). */
function toTypedArray(raw: Buffer, type: number, count: number, size: number): GsdArray {
  let ab: ArrayBuffer;
  let off: number;
  if (LITTLE_ENDIAN && raw.byteOffset % size === 0) {
    ab = raw.buffer as ArrayBuffer;
    off = raw.byteOffset;
  } else {
    const copy = new Uint8Array(count * size);
    copy.set(raw.subarray(0, count * size));
    if (!LITTLE_ENDIAN && size > 1) {
      for (let p = 0; p < copy.length; p += size) copy.subarray(p, p + size).reverse();
    }
    ab = copy.buffer;
    off = 0;
  }
  switch (type) {
    case 1: case 11: return new Uint8Array(ab, off, count);
    case 2: return new Uint16Array(ab, off, count);
    case 3: return new Uint32Array(ab, off, count);
    case 4: return new BigUint64Array(ab, off, count);
    case 5: return new Int8Array(ab, off, count);
    case 6: return new Int16Array(ab, off, count);
    case 7: return new Int32Array(ab, off, count);
    case 8: return new BigInt64Array(ab, off, count);
    case 9: return new Float32Array(ab, off, count);
    case 10: return new Float64Array(ab, off, count);
    default: throw new Error(`invalid GSD type ${type}`);
  }
}

/** Copy any GSD array into a Float64Array. */
export function gsdToFloat64(a: GsdArray): Float64Array {
  if (a instanceof BigUint64Array || a instanceof BigInt64Array) {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
    return out;
  }
  const out = new Float64Array(a.length);
  out.set(a);
  return out;
}

/** Decode a char matrix (NT rows of M bytes, NUL-padded UTF-8) into strings. */
export function decodeStringRows(bytes: Uint8Array | Int8Array, rows: number, cols: number): string[] {
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, rows * cols);
  const out: string[] = [];
  const dec = new TextDecoder('utf-8');
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    let e = s;
    while (e < s + cols && u8[e] !== 0) e++;
    out.push(dec.decode(u8.subarray(s, e)));
  }
  return out;
}
