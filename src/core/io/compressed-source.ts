// What the gzip and bzip2 sources share: the file handle, sequential `chunks()` and random `read()` over a resumable
// decoder (with one read cursor kept between reads), the end-of-stream bookkeeping, error wrapping, and the header of
// the persisted seek index (which ties the index to its file). Each subclass keeps only its decoder-specific parts:
// how to make a decoder, where it can restart, and what its seek index holds.
import { closeSync } from 'node:fs';
import type { ByteSource, Chunk } from './byte-source.js';
import { ByteReader, ByteWriter, CompressedDataError, fileFingerprint, openReadOnly, readFully } from './source-util.js';
import { DecompressError, type StreamDecoder } from './stream-decoder.js';
import { TrajectoryError } from './types.js';

/** Uncompressed bytes a random read decodes per step. */
const READ_CHUNK = 1 << 20;

/** The common header of a persisted seek index, as read back by `openIndex`. */
interface IndexHeader {
  reader: ByteReader;
  /** Whether the indexing pass reached the end of the stream (then `total` is the uncompressed size). */
  complete: boolean;
  /** The file size when the index was made. */
  indexedSize: number;
  total: number;
  /** Number of restart points that follow. */
  count: number;
}

/** The last of `points` (by ascending `out`) with `out` at or before `offset`, or null when there is none. */
export function lastAtOrBefore<P extends { out: number }>(points: readonly P[], offset: number): P | null {
  if (points.length === 0 || points[0].out > offset) return null;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid].out <= offset) lo = mid;
    else hi = mid - 1;
  }
  return points[lo];
}

export abstract class CompressedSource<D extends StreamDecoder> implements ByteSource {
  abstract readonly compression: 'gzip' | 'bzip2';
  readonly fileSize: number;
  protected fd: number;
  /** The uncompressed size, once a decoder has reached the end of the stream. */
  protected total: number | null = null;
  private cursor: D | null = null;

  constructor(readonly path: string) {
    const { fd, size } = openReadOnly(path);
    this.fd = fd;
    this.fileSize = size;
  }

  get size(): number | null {
    return this.total;
  }

  // ---- decoder-specific ----

  /** How far past its target one decode step may write (one match or run). */
  protected abstract readonly maxOvershoot: number;
  /** A new decoder with room for chunks of `cap` bytes. */
  protected abstract newDecoder(cap: number): D;
  /** Position `d` at the last restart point at or before `offset` (recording new restart points as it goes). */
  protected abstract startDecoder(d: D, offset: number): void;
  /** Uncompressed offset of the last restart point at or before `offset` (0: the start of the file). */
  protected abstract restartOffset(offset: number): number;
  abstract exportSeekIndex(): Buffer;

  // ---- ByteSource ----

  *chunks(from: number, chunkSize = 8 << 20, onFileBytes?: (n: number) => void): Iterable<Chunk> {
    this.checkOpen();
    chunkSize = Math.max(1, Math.floor(chunkSize) || 8 << 20);
    const start = Math.max(0, from || 0);
    if (this.total !== null && start >= this.total) return;
    const d = this.newDecoder(Math.max(chunkSize, 1 << 16));
    try {
      this.startDecoder(d, start);
    } catch (e) {
      throw this.wrap(e);
    }
    let reported = d.bytePos;
    // A decode step may overshoot its target by one match/run: ask for a little less, and split if still larger.
    const over = this.maxOvershoot;
    const want = chunkSize > 4 * over ? chunkSize - over : chunkSize;
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
    let d: D;
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

  close(): void {
    this.cursor = null;
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  // ---- helpers for the subclasses ----

  /** Reads compressed bytes at a file position (the decoders' input). */
  protected readonly readAt = (buf: Uint8Array, off: number, len: number, pos: number): number => readFully(this.fd, buf, off, len, pos);

  /** A seek-index writer holding the common header; the subclass appends its `count` restart points. */
  protected beginIndex(magic: number, version: number, count: number): ByteWriter {
    const w = new ByteWriter();
    w.u32(magic);
    w.u8(version);
    w.u8(this.total !== null ? 1 : 0);
    w.f64(this.fileSize);
    w.u32(this.fd >= 0 ? fileFingerprint(this.fd, this.fileSize) : 0);
    w.f64(this.total ?? -1);
    w.u32(count);
    return w;
  }

  /**
   * The common header of a persisted seek index, or null when the index is of another kind or version, or does not
   * come from this file. Throws (RangeError) when the buffer is too short: callers ignore such an index.
   */
  protected openIndex(buf: Buffer, magic: number, version: number): IndexHeader | null {
    const reader = new ByteReader(buf);
    if (reader.u32() !== magic || reader.u8() !== version) return null;
    const complete = reader.u8() === 1;
    const indexedSize = reader.f64();
    const fingerprint = reader.u32();
    const total = reader.f64();
    const count = reader.u32();
    // The index must come from this file: the same bytes at its start and end, and the file may only have grown.
    if (!(indexedSize >= 0) || this.fileSize < indexedSize || fileFingerprint(this.fd, indexedSize) !== fingerprint) return null;
    return { reader, complete, indexedSize, total, count };
  }

  private checkOpen(): void {
    if (this.fd < 0) throw new TrajectoryError(`${this.path}: the file was closed`, this.path);
  }

  /** The read cursor, positioned so that decoding forward reaches `offset` with the least work. */
  private cursorFor(offset: number): D {
    const d = this.cursor;
    if (d && !d.failed && d.heldFrom <= offset) {
      if (offset < d.offset) return d;
      if (this.restartOffset(offset) <= d.offset) return d;
    }
    const c = d ?? this.newDecoder(READ_CHUNK);
    this.startDecoder(c, offset);
    this.cursor = c;
    return c;
  }

  private noteEnd(d: D): void {
    if (d.done && this.total === null) this.total = d.offset;
  }

  private wrap(e: unknown): TrajectoryError {
    if (e instanceof TrajectoryError) return e;
    if (e instanceof DecompressError) {
      return new CompressedDataError(`${this.path}: ${e.message}`, this.path, e.kind, e.compressedOffset, e.uncompressedOffset);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new TrajectoryError(`${this.path}: cannot decompress the ${this.compression} data (${msg})`, this.path);
  }
}
