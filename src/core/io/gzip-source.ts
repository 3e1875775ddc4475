// A gzip-compressed file as a ByteSource with random access (the zran.c approach): a sequential pass records
// checkpoints at deflate block boundaries about every CHECKPOINT_SPACING bytes of output, each with the compressed
// bit position and the preceding 32 KiB window (stored deflated); a later read decompresses only from the nearest
// checkpoint at or before the requested offset. The checkpoints travel as a compact Buffer (exportSeekIndex) that
// the trajectory index persists and hands back to the constructor, so reopening never decompresses from the start.
import { closeSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ByteSource, Chunk } from './byte-source.js';
import { GzipDecoder, DecompressError, WSIZE, type InflatePoint } from './inflate.js';
import { ByteReader, ByteWriter, CompressedDataError, fileFingerprint, openReadOnly, readFully } from './source-util.js';
import { TrajectoryError } from './types.js';

/** Uncompressed bytes between checkpoints: a random read decodes at most this much before its offset. */
export const CHECKPOINT_SPACING = 2 << 20;
const READ_CHUNK = 1 << 20;
const INDEX_MAGIC = 0x7a67_7761; // 'awgz' little-endian
const INDEX_VERSION = 1;

interface Checkpoint extends InflatePoint {
  /** The deflated window (kind 1), as stored in the seek index. */
  packed: Uint8Array | null;
  winLen: number;
}

export class GzipSource implements ByteSource {
  readonly compression = 'gzip' as const;
  readonly fileSize: number;
  private fd: number;
  private readonly checkpoints: Checkpoint[] = [{ kind: 0, bitPos: 0, out: 0, crc: 0, memberOut: 0, packed: null, winLen: 0 }];
  private total: number | null = null;
  private cursor: GzipDecoder | null = null;
  private readonly record = (d: GzipDecoder, kind: 0 | 1): void => this.maybeCheckpoint(d, kind);

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

  /** Number of checkpoints known (including the start of the file). */
  get checkpointCount(): number {
    return this.checkpoints.length;
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
    const want = chunkSize > 4 * 258 ? chunkSize - 258 : chunkSize;
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
    let d: GzipDecoder;
    try {
      d = this.cursorFor(offset);
      if (d.heldFrom <= offset && offset < d.offset) {
        const b = Math.min(end, d.offset);
        result.set(d.held(offset, b), 0);
        got = b - offset;
      }
      while (got < length) {
        if (!d.next(Math.min(READ_CHUNK, end - d.offset))) break;
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
    w.u32(this.checkpoints.length);
    for (const c of this.checkpoints) {
      w.u8(c.kind);
      w.f64(c.bitPos);
      w.f64(c.out);
      w.u32(c.crc);
      w.f64(c.memberOut);
      w.u32(c.winLen);
      const p = c.packed ?? new Uint8Array(0);
      w.u32(p.length);
      w.bytes(p);
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

  private decoder(cap: number): GzipDecoder {
    return new GzipDecoder((buf, off, len, pos) => readFully(this.fd, buf, off, len, pos), this.fileSize, cap);
  }

  /** The last checkpoint at or before `offset`. */
  private nearest(offset: number): Checkpoint {
    const cps = this.checkpoints;
    let lo = 0;
    let hi = cps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cps[mid].out <= offset) lo = mid;
      else hi = mid - 1;
    }
    return cps[lo];
  }

  private startDecoder(d: GzipDecoder, offset: number): void {
    const cp = this.nearest(offset);
    let window: Uint8Array | null = null;
    if (cp.kind === 1 && cp.winLen > 0) {
      try {
        window = inflateRawSync(cp.packed ?? new Uint8Array(0));
      } catch {
        window = null;
      }
      if (!window || window.length !== cp.winLen) {
        throw new TrajectoryError(`${this.path}: the stored seek index is damaged (checkpoint at uncompressed offset ${cp.out}); rebuild the index`, this.path, { offset: cp.out });
      }
    }
    d.onBoundary = null;
    d.startAt(cp, window);
    d.onBoundary = this.record;
  }

  /** The read cursor, positioned so that decoding forward reaches `offset` with the least work. */
  private cursorFor(offset: number): GzipDecoder {
    const d = this.cursor;
    if (d && !d.failed && d.heldFrom <= offset) {
      if (offset < d.offset) return d;
      if (this.nearest(offset).out <= d.offset) return d;
    }
    const c = d ?? this.decoder(READ_CHUNK);
    this.startDecoder(c, offset);
    this.cursor = c;
    return c;
  }

  private maybeCheckpoint(d: GzipDecoder, kind: 0 | 1): void {
    const last = this.checkpoints[this.checkpoints.length - 1];
    const out = d.offset;
    if (out < last.out + CHECKPOINT_SPACING) return;
    let packed: Uint8Array | null = null;
    let winLen = 0;
    if (kind === 1) {
      const w = d.window();
      winLen = w.length;
      packed = winLen > 0 ? deflateRawSync(w, { level: 6 }) : null;
    }
    this.checkpoints.push({ kind, bitPos: d.bitPos, out, crc: kind === 1 ? d.crc : 0, memberOut: kind === 1 ? d.memberOut : 0, packed, winLen });
  }

  private noteEnd(d: GzipDecoder): void {
    if (d.done && this.total === null) this.total = d.offset;
  }

  private wrap(e: unknown): TrajectoryError {
    if (e instanceof TrajectoryError) return e;
    if (e instanceof DecompressError) {
      return new CompressedDataError(`${this.path}: ${e.message}`, this.path, e.kind, e.compressedOffset, e.uncompressedOffset);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new TrajectoryError(`${this.path}: cannot decompress the gzip data (${msg})`, this.path);
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
      const cps: Checkpoint[] = [];
      for (let i = 0; i < count; i++) {
        const kind = r.u8();
        const bitPos = r.f64();
        const out = r.f64();
        const crc = r.u32();
        const memberOut = r.f64();
        const winLen = r.u32();
        const packed = Buffer.from(r.bytes(r.u32()));
        const prev = cps[cps.length - 1];
        const ok = (kind === 0 || kind === 1) && bitPos >= 0 && bitPos <= indexedSize * 8 && out >= 0
          && (!prev || (out > prev.out && bitPos > prev.bitPos)) && memberOut <= out && winLen <= WSIZE
          && (kind === 0 ? bitPos % 8 === 0 : winLen === Math.min(WSIZE, memberOut));
        if (!ok) return;
        cps.push({ kind: kind as 0 | 1, bitPos, out, crc, memberOut, packed: kind === 1 ? packed : null, winLen });
      }
      if (cps.length === 0 || cps[0].out !== 0 || cps[0].bitPos !== 0) return;
      this.checkpoints.length = 0;
      this.checkpoints.push(...cps);
      if (complete && this.fileSize === indexedSize && total >= cps[cps.length - 1].out) this.total = total;
    } catch {
      // An unreadable index is ignored: the source rebuilds it on the next pass.
    }
  }
}
