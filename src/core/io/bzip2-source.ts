// A bzip2-compressed file as a ByteSource with random access by block: a sequential pass records the start bit
// and uncompressed offset of every block (blocks are independent), so a later read decodes only the blocks that
// hold the requested bytes. The block list travels as a compact Buffer (exportSeekIndex) that the trajectory index
// persists and hands back to the constructor. Decoding is this project's own bzip2 decoder (bunzip.ts): the
// seek-bzip package reads whole files into memory and decodes about 2.5x slower.
import { closeSync } from 'node:fs';
import type { ByteSource, Chunk } from './byte-source.js';
import { Bzip2Decoder, type Bzip2Point } from './bunzip.js';
import { DecompressError } from './inflate.js';
import { ByteReader, ByteWriter, CompressedDataError, fileFingerprint, openReadOnly, readFully } from './source-util.js';
import { TrajectoryError } from './types.js';

const READ_CHUNK = 1 << 20;
const INDEX_MAGIC = 0x7a62_7761; // 'awbz' little-endian
const INDEX_VERSION = 1;

export class Bzip2Source implements ByteSource {
  readonly compression = 'bzip2' as const;
  readonly fileSize: number;
  private fd: number;
  /** Every block seen so far, by ascending uncompressed offset. */
  private readonly blocks: Bzip2Point[] = [];
  private total: number | null = null;
  private cursor: Bzip2Decoder | null = null;
  private readonly record = (_d: Bzip2Decoder, p: Bzip2Point): void => this.noteBlock(p);

  constructor(
    readonly path: string,
    seekIndex: Buffer | null,
  ) {
    const { fd, size } = openReadOnly(path);
    this.fd = fd;
    this.fileSize = size;
    if (seekIndex) this.importIndex(seekIndex);
  }

  get size(): number | null {
    return this.total;
  }

  /** Number of blocks known. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** The blocks known so far (start bit and uncompressed offset of each). */
  blockList(): readonly Readonly<Bzip2Point>[] {
    return this.blocks.slice();
  }

  *chunks(from: number, chunkSize = 8 << 20, onFileBytes?: (n: number) => void): Iterable<Chunk> {
    this.checkOpen();
    chunkSize = Math.max(1, Math.floor(chunkSize) || 8 << 20);
    const start = Math.max(0, from || 0);
    if (this.total !== null && start >= this.total) return;
    const d = this.decoder(Math.max(chunkSize, 1 << 16));
    try {
      this.startDecoder(d, start);
    } catch (e) {
      throw this.wrap(e);
    }
    let reported = d.bytePos;
    // A decode step may overshoot its target by one match/run: ask for a little less, and split if still larger.
    const want = chunkSize > 4 * 256 ? chunkSize - 256 : chunkSize;
    for (;;) {
      let more: boolean;
      try {
        more = d.next(want);
      } catch (e) {
        throw this.wrap(e);
      }
      if (!more) break;
      const pos = d.bytePos;
      if (pos > reported) {
        onFileBytes?.(pos - reported);
        reported = pos;
      }
      const s = d.chunkOffset;
      const len = d.chunkEnd - d.chunkStart;
      if (s + len <= start) continue;
      const out = d.out;
      for (let a = Math.max(start, s) - s; a < len; a += chunkSize) {
        const n = Math.min(chunkSize, len - a);
        yield { offset: s + a, data: Buffer.from(out.buffer, out.byteOffset + d.chunkStart + a, n) };
      }
    }
    this.noteEnd(d);
  }

  read(offset: number, length: number): Buffer {
    this.checkOpen();
    if (!(length > 0) || !(offset >= 0)) return Buffer.alloc(0);
    if (this.total !== null) {
      if (offset >= this.total) return Buffer.alloc(0);
      length = Math.min(length, this.total - offset);
    }
    const end = offset + length;
    const result = Buffer.allocUnsafe(length);
    let got = 0;
    let d: Bzip2Decoder;
    try {
      d = this.cursorFor(offset);
      if (d.heldFrom <= offset && offset < d.offset) {
        const b = Math.min(end, d.offset);
        result.set(d.held(offset, b), 0);
        got = b - offset;
      }
      while (got < length) {
        if (!d.next(Math.min(READ_CHUNK, Math.max(end - d.offset, 1)))) break;
        const s = d.chunkOffset;
        const e = s + (d.chunkEnd - d.chunkStart);
        const at = offset + got;
        if (e <= at) continue;
        const a = Math.max(at, s);
        const b = Math.min(end, e);
        result.set(d.out.subarray(d.chunkStart + (a - s), d.chunkStart + (b - s)), a - offset);
        got = b - offset;
      }
    } catch (e) {
      this.cursor = null;
      throw this.wrap(e);
    }
    this.noteEnd(d);
    return got === length ? result : result.subarray(0, got);
  }

  exportSeekIndex(): Buffer {
    const w = new ByteWriter();
    w.u32(INDEX_MAGIC);
    w.u8(INDEX_VERSION);
    w.u8(this.total !== null ? 1 : 0);
    w.f64(this.fileSize);
    w.u32(this.fd >= 0 ? fileFingerprint(this.fd, this.fileSize) : 0);
    w.f64(this.total ?? -1);
    w.u32(this.blocks.length);
    for (const b of this.blocks) {
      w.f64(b.bitPos);
      w.f64(b.out);
      w.u32(b.streamCrc);
      w.u8(b.level);
    }
    return w.done();
  }

  close(): void {
    this.cursor = null;
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  // ---- internals ----

  private checkOpen(): void {
    if (this.fd < 0) throw new TrajectoryError(`${this.path}: the file was closed`, this.path);
  }

  private decoder(cap: number): Bzip2Decoder {
    return new Bzip2Decoder((buf, off, len, pos) => readFully(this.fd, buf, off, len, pos), this.fileSize, cap);
  }

  /** The last block starting at or before `offset`, or null (start of the file). */
  private nearest(offset: number): Bzip2Point | null {
    const bl = this.blocks;
    if (bl.length === 0 || bl[0].out > offset) return null;
    let lo = 0;
    let hi = bl.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bl[mid].out <= offset) lo = mid;
      else hi = mid - 1;
    }
    return bl[lo];
  }

  private startDecoder(d: Bzip2Decoder, offset: number): void {
    d.onBlock = null;
    d.startAt(this.nearest(offset));
    d.onBlock = this.record;
  }

  private cursorFor(offset: number): Bzip2Decoder {
    const d = this.cursor;
    if (d && !d.failed && d.heldFrom <= offset) {
      if (offset < d.offset) return d;
      const cp = this.nearest(offset);
      if (cp === null || cp.out <= d.offset) return d;
    }
    const c = d ?? this.decoder(READ_CHUNK);
    this.startDecoder(c, offset);
    this.cursor = c;
    return c;
  }

  private noteBlock(p: Bzip2Point): void {
    const bl = this.blocks;
    if (bl.length === 0 || p.out > bl[bl.length - 1].out) bl.push(p);
  }

  private noteEnd(d: Bzip2Decoder): void {
    if (d.done && this.total === null) this.total = d.offset;
  }

  private wrap(e: unknown): TrajectoryError {
    if (e instanceof TrajectoryError) return e;
    if (e instanceof DecompressError) {
      return new CompressedDataError(`${this.path}: ${e.message}`, this.path, e.kind, e.compressedOffset, e.uncompressedOffset);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new TrajectoryError(`${this.path}: cannot decompress the bzip2 data (${msg})`, this.path);
  }

  private importIndex(buf: Buffer): void {
    try {
      const r = new ByteReader(buf);
      if (r.u32() !== INDEX_MAGIC || r.u8() !== INDEX_VERSION) return;
      const complete = r.u8() === 1;
      const indexedSize = r.f64();
      const fingerprint = r.u32();
      const total = r.f64();
      const count = r.u32();
      // The index must come from this file: the same bytes at its start and end, and the file may only have grown.
      if (!(indexedSize >= 0) || this.fileSize < indexedSize || fileFingerprint(this.fd, indexedSize) !== fingerprint) return;
      if (r.remaining !== count * 21) return;
      const blocks: Bzip2Point[] = [];
      for (let i = 0; i < count; i++) {
        const p: Bzip2Point = { bitPos: r.f64(), out: r.f64(), streamCrc: r.u32(), level: r.u8() };
        const prev = blocks[blocks.length - 1];
        const ok = p.bitPos >= 32 && p.bitPos < indexedSize * 8 && p.out >= 0 && p.level >= 1 && p.level <= 9
          && (prev ? p.out > prev.out && p.bitPos > prev.bitPos : p.out === 0);
        if (!ok) return;
        blocks.push(p);
      }
      this.blocks.push(...blocks);
      const lastOut = blocks.length ? blocks[blocks.length - 1].out : 0;
      if (complete && this.fileSize === indexedSize && total >= lastOut) this.total = total;
    } catch {
      // An unreadable index is ignored: the source rebuilds it on the next pass.
    }
  }
}
