// Writes HOOMD GSD files (file layer 2.0, schema `hoomd` 1.4): the simulator's native output, readable by
// the Python `gsd` package (gsd.hoomd), HOOMD-blue, OVITO and freud.
//
// Layout as gsd.c writes it: a 256-byte header, an index of 32-byte entries (initially 128 at byte 256), a
// namelist (initially 1024 bytes, names separated by NUL), then chunk data appended at the end of the file.
// When the index or namelist fills up, a larger copy is written at the end of the file and the header is
// updated to point at it.
//
// Crash and concurrent-reader safety: chunk data is written first, then new names, then the frame's index
// entries (sorted by name id, as file layer 2.x requires) in one write. Index entries are written only for
// completed frames, so after every `endFrame()` (and therefore every `writeFrame()`) the file on disk is a
// valid GSD file of the frames written so far; a reader in another process can open it while it grows.
// `flush()` additionally asks the OS to sync the file to disk.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import {
  GSD_HEADER_SIZE,
  GSD_INDEX_ENTRY_SIZE,
  GSD_MAGIC_LO,
  GSD_NAME_SIZE,
  GSD_TYPE_SIZE,
  GsdType,
  type GsdTypeId,
} from './gsd-file.js';

const INITIAL_INDEX_ENTRIES = 128;
const INITIAL_NAMELIST_BYTES = 1024;
const FILE_VERSION = (2 << 16) | 0; // file layer 2.0
const TWO32 = 4294967296;

export interface GsdWriterOptions {
  /** Generating application name in the header (at most 63 bytes), default 'avalanche-workbench'. */
  application?: string;
  /** Schema name, default 'hoomd'. */
  schema?: string;
  /** Schema version, default [1, 4]. */
  schemaVersion?: [number, number];
}

type Vec6 = [number, number, number, number, number, number];

/** One HOOMD frame. Per-particle arrays are in tag order (particle id - 1). */
export interface GsdFrameInput {
  step: number;
  /** [Lx, Ly, Lz, xy, xz, yz], tilts dimensionless (HOOMD convention). */
  box: Vec6 | number[];
  /** Default: 2 when Lz = 0, else 3 (as gsd.hoomd). */
  dimensions?: 2 | 3;
  /** n*3 Cartesian positions, box centred on the origin. */
  positions: Float32Array | Float64Array;
  /** n type ids (indices into `types`). */
  typeid?: ArrayLike<number>;
  /** Type names (default in readers: ['A']). */
  types?: string[];
  diameter?: ArrayLike<number>;
  mass?: ArrayLike<number>;
  charge?: ArrayLike<number>;
  body?: ArrayLike<number>;
  /** n*3 image flags. */
  image?: ArrayLike<number>;
  /** n*3 velocities. */
  velocity?: ArrayLike<number>;
  /** n*4 quaternions (r, ax, ay, az). */
  orientation?: ArrayLike<number>;
  /** n*3. */
  moment_inertia?: ArrayLike<number>;
  /** n*4. */
  angmom?: ArrayLike<number>;
  /** Logged quantities, written as `log/<key>` double chunks (a number as 1x1, an array as Nx1). */
  log?: Record<string, number | Float64Array>;
}

interface PendingEntry {
  N: number;
  M: number;
  location: number;
  id: number;
  type: number;
}

function writeU64(buf: Buffer, at: number, v: number): void {
  buf.writeUInt32LE(v % TWO32 >>> 0, at);
  buf.writeUInt32LE(Math.floor(v / TWO32) >>> 0, at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO32;
}

export class GsdWriter {
  private fd: number;
  private fileSize: number;
  private indexLocation: number;
  private indexAllocated: number;
  private namelistLocation: number;
  /** Namelist block size in bytes (a multiple of 64). */
  private namelistBytes: number;
  private namelistUsed: number;
  private readonly nameIds = new Map<string, number>();
  private readonly names: string[] = [];
  /** Names added since the namelist was last written. */
  private newNames = 0;
  private indexCount: number;
  private frame: number;
  private pending: PendingEntry[] = [];
  /** Names of the chunks in frame 0. */
  private readonly frame0Names = new Set<string>();
  private readonly application: string;
  private readonly schema: string;
  private readonly schemaVersion: [number, number];
  private closed = false;

  private constructor(
    readonly path: string,
    fd: number,
    init: {
      fileSize: number; indexLocation: number; indexAllocated: number; namelistLocation: number; namelistBytes: number;
      names: string[]; indexCount: number; frame: number; application: string; schema: string; schemaVersion: [number, number];
    },
  ) {
    this.fd = fd;
    this.fileSize = init.fileSize;
    this.indexLocation = init.indexLocation;
    this.indexAllocated = init.indexAllocated;
    this.namelistLocation = init.namelistLocation;
    this.namelistBytes = init.namelistBytes;
    this.namelistUsed = 0;
    for (const n of init.names) {
      this.nameIds.set(n, this.names.length);
      this.names.push(n);
      this.namelistUsed += Buffer.byteLength(n, 'utf8') + 1;
    }
    this.indexCount = init.indexCount;
    this.frame = init.frame;
    this.application = init.application;
    this.schema = init.schema;
    this.schemaVersion = init.schemaVersion;
  }

  /** Create (or overwrite) a GSD file with an empty index and namelist, as gsd_create does. */
  static create(path: string, options: GsdWriterOptions = {}): GsdWriter {
    const application = options.application ?? 'avalanche-workbench';
    const schema = options.schema ?? 'hoomd';
    const schemaVersion = options.schemaVersion ?? [1, 4];
    const fd = openSync(path, 'w+');
    try {
      const indexLocation = GSD_HEADER_SIZE;
      const namelistLocation = indexLocation + INITIAL_INDEX_ENTRIES * GSD_INDEX_ENTRY_SIZE;
      const w = new GsdWriter(path, fd, {
        fileSize: namelistLocation + INITIAL_NAMELIST_BYTES,
        indexLocation, indexAllocated: INITIAL_INDEX_ENTRIES, namelistLocation, namelistBytes: INITIAL_NAMELIST_BYTES,
        names: [], indexCount: 0, frame: 0, application, schema, schemaVersion,
      });
      const init = Buffer.alloc(w.fileSize);
      w.headerBytes().copy(init, 0);
      writeAll(fd, init, 0);
      return w;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Open an existing GSD file (file layer 2.x, schema hoomd) to append frames, e.g. to resume a simulation.
   * Bytes after the last indexed chunk (a frame interrupted by a crash) are left unused.
   */
  static openAppend(path: string): GsdWriter {
    const fd = openSync(path, 'r+');
    try {
      const size = fstatSync(fd).size;
      const head = readExact(fd, 0, GSD_HEADER_SIZE);
      const fail = (what: string): never => {
        throw new Error(`${path}: cannot append: ${what}`);
      };
      if (head.length < GSD_HEADER_SIZE || head.readUInt32LE(0) !== GSD_MAGIC_LO || head.readUInt32LE(4) !== GSD_MAGIC_LO) {
        fail('not a GSD file (no GSD header)');
      }
      const gv = head.readUInt32LE(44);
      if (gv >>> 16 !== 2) fail(`GSD file layer ${gv >>> 16}.${gv & 0xffff}; only 2.x files can be appended to`);
      const schema = cString(head, 112, 176);
      if (schema !== 'hoomd') fail(`schema "${schema}", expected "hoomd"`);
      const sv = head.readUInt32LE(40);
      const indexLocation = readU64(head, 8);
      const indexAllocated = readU64(head, 16);
      const namelistLocation = readU64(head, 24);
      const namelistBytes = readU64(head, 32) * GSD_NAME_SIZE;
      if (indexLocation + indexAllocated * GSD_INDEX_ENTRY_SIZE > size || namelistLocation + namelistBytes > size) {
        fail('the index or namelist extends past the end of the file');
      }
      const nb = readExact(fd, namelistLocation, namelistBytes);
      const names: string[] = [];
      let p = 0;
      while (p < nb.length && nb[p] !== 0) {
        let e = p;
        while (e < nb.length && nb[e] !== 0) e++;
        names.push(nb.toString('utf8', p, e));
        p = e + 1;
      }
      // Count index entries (the first with location 0 ends the list) and validate them.
      let count = 0;
      let lastFrame = -1;
      const frame0: string[] = [];
      const block = 4096;
      scan: while (count < indexAllocated) {
        const want = Math.min(block, indexAllocated - count);
        const buf = readExact(fd, indexLocation + count * GSD_INDEX_ENTRY_SIZE, want * GSD_INDEX_ENTRY_SIZE);
        for (let k = 0; k < want; k++) {
          const q = k * GSD_INDEX_ENTRY_SIZE;
          const loc = readU64(buf, q + 16);
          if (loc === 0) {
            count += k;
            break scan;
          }
          const frame = readU64(buf, q);
          const bytes = readU64(buf, q + 8) * buf.readUInt32LE(q + 24) * (GSD_TYPE_SIZE[buf[q + 30]] ?? 0);
          if (frame < lastFrame || buf.readUInt16LE(q + 28) >= names.length || !(GSD_TYPE_SIZE[buf[q + 30]] > 0) || loc + bytes > size) {
            fail(`index entry ${count + k} (frame ${frame}) is invalid or points past the end of the file`);
          }
          lastFrame = frame;
          if (frame === 0) frame0.push(names[buf.readUInt16LE(q + 28)]);
        }
        count += want;
      }
      const w = new GsdWriter(path, fd, {
        fileSize: size, indexLocation, indexAllocated, namelistLocation, namelistBytes, names,
        indexCount: count, frame: lastFrame + 1,
        application: cString(head, 48, 112), schema, schemaVersion: [sv >>> 16, sv & 0xffff],
      });
      for (const name of frame0) w.frame0Names.add(name);
      // Silently keep the file's minor version (2.0 or 2.1): we write nothing 2.1-specific.
      w.fileVersion = gv;
      return w;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  private fileVersion = FILE_VERSION;

  /** Number of complete frames in the file. */
  get frameCount(): number {
    return this.frame;
  }

  private headerBytes(): Buffer {
    const h = Buffer.alloc(GSD_HEADER_SIZE);
    h.writeUInt32LE(GSD_MAGIC_LO, 0);
    h.writeUInt32LE(GSD_MAGIC_LO, 4);
    writeU64(h, 8, this.indexLocation);
    writeU64(h, 16, this.indexAllocated);
    writeU64(h, 24, this.namelistLocation);
    writeU64(h, 32, this.namelistBytes / GSD_NAME_SIZE);
    h.writeUInt32LE(((this.schemaVersion[0] << 16) | this.schemaVersion[1]) >>> 0, 40);
    h.writeUInt32LE(this.fileVersion >>> 0, 44);
    h.write(this.application.slice(0, 63), 48, 63, 'utf8');
    h.write(this.schema.slice(0, 63), 112, 63, 'utf8');
    return h;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.path}: the GSD writer is closed`);
  }

  /**
   * Low-level: write one chunk of the current frame (data now, index entry at `endFrame`).
   * `data` holds N*M elements of `type` (little-endian, as typed arrays are on all supported machines).
   */
  writeChunk(name: string, type: GsdTypeId, N: number, M: number, data: ArrayBufferView): void {
    this.checkOpen();
    const size = GSD_TYPE_SIZE[type] ?? 0;
    if (size === 0) throw new Error(`GSD chunk "${name}": invalid type ${type}`);
    if (!Number.isInteger(N) || N < 0 || !Number.isInteger(M) || M < 1 || M > 0xffffffff) {
      throw new Error(`GSD chunk "${name}": invalid size ${N}x${M}`);
    }
    const bytes = N * M * size;
    if (data.byteLength < bytes) throw new Error(`GSD chunk "${name}": ${data.byteLength} bytes of data, expected ${bytes} (${N}x${M})`);
    if (name.length === 0 || name.includes('\0')) throw new Error(`GSD chunk name "${name}" is empty or contains NUL`);
    let id = this.nameIds.get(name);
    if (id === undefined) {
      if (this.names.length >= 65535) throw new Error(`GSD namelist full: cannot add "${name}"`);
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
      this.newNames++;
    } else if (this.pending.some((e) => e.id === id)) {
      throw new Error(`GSD chunk "${name}" written twice in frame ${this.frame}`);
    }
    if (this.frame > 0 && name.startsWith('log/') && !this.frame0Names.has(name)) {
      // hoomd schema: a logged quantity present in frame i != 0 but not in frame 0 makes the file invalid.
      throw new Error(`GSD chunk "${name}": logged quantities must be present in frame 0 (hoomd schema)`);
    }
    if (this.frame === 0) this.frame0Names.add(name);
    const location = this.fileSize;
    if (bytes > 0) {
      writeAll(this.fd, Buffer.from(data.buffer, data.byteOffset, bytes), location);
      this.fileSize += bytes;
    }
    this.pending.push({ N, M, location, id, type });
  }

  /** Complete the current frame: write new names, then its index entries. */
  endFrame(): void {
    this.checkOpen();
    // A frame without chunks would not be counted by readers (frames = last indexed frame + 1).
    if (this.pending.length === 0) throw new Error(`${this.path}: endFrame without any chunk in frame ${this.frame}`);
    this.flushNames();
    const entries = this.pending.sort((a, b) => a.id - b.id);
    this.pending = [];
    const buf = Buffer.alloc(entries.length * GSD_INDEX_ENTRY_SIZE);
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      const q = k * GSD_INDEX_ENTRY_SIZE;
      writeU64(buf, q, this.frame);
      writeU64(buf, q + 8, e.N);
      writeU64(buf, q + 16, e.location);
      buf.writeUInt32LE(e.M, q + 24);
      buf.writeUInt16LE(e.id, q + 28);
      buf[q + 30] = e.type;
      buf[q + 31] = 0;
    }
    const needed = this.indexCount + entries.length;
    if (needed > this.indexAllocated) {
      this.expandIndex(needed, buf);
    } else {
      writeAll(this.fd, buf, this.indexLocation + this.indexCount * GSD_INDEX_ENTRY_SIZE);
    }
    this.indexCount = needed;
    this.frame++;
  }

  /** Write a larger index (old entries + `extra` + zeros) at the end of the file, then point the header at it. */
  private expandIndex(needed: number, extra: Buffer): void {
    let alloc = this.indexAllocated * 2;
    while (alloc <= needed) alloc *= 2;
    const newLocation = this.fileSize;
    const old = readExact(this.fd, this.indexLocation, this.indexCount * GSD_INDEX_ENTRY_SIZE);
    const block = Buffer.alloc(alloc * GSD_INDEX_ENTRY_SIZE);
    old.copy(block, 0);
    extra.copy(block, old.length);
    writeAll(this.fd, block, newLocation);
    this.fileSize += block.length;
    this.indexLocation = newLocation;
    this.indexAllocated = alloc;
    writeAll(this.fd, this.headerBytes(), 0);
  }

  private flushNames(): void {
    if (this.newNames === 0) return;
    const first = this.names.length - this.newNames;
    const added = Buffer.from(this.names.slice(first).map((n) => n + '\0').join(''), 'utf8');
    const used = this.namelistUsed + added.length;
    if (used <= this.namelistBytes - 1) {
      // Fits (keeping the block's last byte 0, as gsd requires): write the new names in place.
      writeAll(this.fd, added, this.namelistLocation + this.namelistUsed);
    } else {
      let bytes = this.namelistBytes * 2;
      while (bytes < used + 1) bytes *= 2;
      const block = Buffer.alloc(bytes);
      let p = 0;
      for (const n of this.names) p += block.write(n, p, 'utf8') + 1;
      const location = this.fileSize;
      writeAll(this.fd, block, location);
      this.fileSize += bytes;
      this.namelistLocation = location;
      this.namelistBytes = bytes;
      writeAll(this.fd, this.headerBytes(), 0);
    }
    this.namelistUsed = used;
    this.newNames = 0;
  }

  /**
   * Write one HOOMD frame (every given field, every frame) and complete it. Chunks written with `writeChunk`
   * since the last frame was completed belong to this frame too.
   */
  writeFrame(frame: GsdFrameInput): void {
    this.checkOpen();
    const pos = frame.positions;
    if (pos.length % 3 !== 0) throw new Error(`positions has ${pos.length} values, not a multiple of 3`);
    const n = pos.length / 3;
    const box = frame.box;
    if (box.length !== 6) throw new Error(`box has ${box.length} values; expected [Lx, Ly, Lz, xy, xz, yz]`);
    if (!Number.isInteger(frame.step) || frame.step < 0) throw new Error(`step ${frame.step} is not a non-negative integer`);
    const dimensions = frame.dimensions ?? (box[2] === 0 ? 2 : 3);
    if (dimensions !== 2 && dimensions !== 3) throw new Error(`dimensions ${String(dimensions)}; expected 2 or 3`);
    const check = (name: string, a: ArrayLike<number> | undefined, m: number): void => {
      if (a && a.length !== n * m) throw new Error(`${name} has ${a.length} values; expected ${n * m} (${n} particles x ${m})`);
    };
    check('typeid', frame.typeid, 1);
    check('diameter', frame.diameter, 1);
    check('mass', frame.mass, 1);
    check('charge', frame.charge, 1);
    check('body', frame.body, 1);
    check('image', frame.image, 3);
    check('velocity', frame.velocity, 3);
    check('orientation', frame.orientation, 4);
    check('moment_inertia', frame.moment_inertia, 3);
    check('angmom', frame.angmom, 4);
    const types = frame.types;
    if (types && (types.length === 0 || new Set(types).size !== types.length)) throw new Error('types must be unique, non-empty names');
    if (frame.typeid) {
      const nt = types ? types.length : 1;
      for (let i = 0; i < n; i++) {
        const t = frame.typeid[i];
        if (!(t >= 0 && t < nt) || !Number.isInteger(t)) throw new Error(`typeid[${i}] = ${t}; expected an integer below ${nt} (the number of types)`);
      }
    }

    const stepBuf = Buffer.alloc(8);
    writeU64(stepBuf, 0, frame.step);
    this.writeChunk('configuration/step', GsdType.UINT64, 1, 1, stepBuf);
    this.writeChunk('configuration/dimensions', GsdType.UINT8, 1, 1, new Uint8Array([dimensions]));
    this.writeChunk('configuration/box', GsdType.FLOAT, 6, 1, Float32Array.from(box));
    this.writeChunk('particles/N', GsdType.UINT32, 1, 1, new Uint32Array([n]));
    if (types) {
      const encoded = types.map((t) => Buffer.from(t, 'utf8'));
      const width = Math.max(...encoded.map((b) => b.length)) + 1;
      const mat = Buffer.alloc(types.length * width);
      encoded.forEach((b, r) => b.copy(mat, r * width));
      this.writeChunk('particles/types', GsdType.INT8, types.length, width, mat);
    }
    if (n > 0) {
      if (frame.typeid) this.writeChunk('particles/typeid', GsdType.UINT32, n, 1, asTyped(frame.typeid, Uint32Array));
      if (frame.mass) this.writeChunk('particles/mass', GsdType.FLOAT, n, 1, asTyped(frame.mass, Float32Array));
      if (frame.charge) this.writeChunk('particles/charge', GsdType.FLOAT, n, 1, asTyped(frame.charge, Float32Array));
      if (frame.diameter) this.writeChunk('particles/diameter', GsdType.FLOAT, n, 1, asTyped(frame.diameter, Float32Array));
      if (frame.body) this.writeChunk('particles/body', GsdType.INT32, n, 1, asTyped(frame.body, Int32Array));
      if (frame.moment_inertia) this.writeChunk('particles/moment_inertia', GsdType.FLOAT, n, 3, asTyped(frame.moment_inertia, Float32Array));
      this.writeChunk('particles/position', GsdType.FLOAT, n, 3, asTyped(pos, Float32Array));
      if (frame.orientation) this.writeChunk('particles/orientation', GsdType.FLOAT, n, 4, asTyped(frame.orientation, Float32Array));
      if (frame.velocity) this.writeChunk('particles/velocity', GsdType.FLOAT, n, 3, asTyped(frame.velocity, Float32Array));
      if (frame.angmom) this.writeChunk('particles/angmom', GsdType.FLOAT, n, 4, asTyped(frame.angmom, Float32Array));
      if (frame.image) this.writeChunk('particles/image', GsdType.INT32, n, 3, asTyped(frame.image, Int32Array));
    }
    if (frame.log) {
      for (const [key, value] of Object.entries(frame.log)) {
        const arr = typeof value === 'number' ? new Float64Array([value]) : value;
        if (arr.length === 0) continue;
        this.writeChunk(`log/${key}`, GsdType.DOUBLE, arr.length, 1, arr);
      }
    }
    this.endFrame();
  }

  /** Sync written data to disk (every completed frame is already in the file). */
  flush(): void {
    this.checkOpen();
    fsyncSync(this.fd);
  }

  /** Close the file. Chunks of an unfinished frame (no `endFrame`) are left unindexed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

function asTyped<T extends Float32Array | Uint32Array | Int32Array>(
  a: ArrayLike<number>, Ctor: { new (n: number): T; from(a: ArrayLike<number>): T },
): T {
  if (a instanceof (Ctor as unknown as typeof Float32Array)) return a as unknown as T;
  const out = new Ctor(a.length);
  if (ArrayBuffer.isView(a)) (out as unknown as Float64Array).set(a as unknown as Float64Array);
  else for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

function cString(buf: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  return buf.toString('utf8', start, e);
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    done += writeSync(fd, buf, done, buf.length - done, position + done);
  }
}

function readExact(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n <= 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}
