// Scanning binary formats whose frames follow one another (DCD, XTC): ForwardReader walks the stream at
// non-decreasing offsets, and scanFrames is the scan loop around a format's per-frame step (batches, progress,
// abort checks, a compressed stream's damage).
import { ChunksUntilDamage, withStreamDamage, type ByteSource } from './byte-source.js';
import type { FrameEntry, ScanDamage, ScanOptions, ScanResult } from './types.js';

/**
 * Forward-only access to byte ranges at non-decreasing offsets. Plain files are read in place (`read`), so scanning
 * skips the bulk of every frame; compressed streams are walked once through `chunks`, because a random read before
 * the seek index exists would decompress from the start every time.
 */
export class ForwardReader {
  private iter: Iterator<{ offset: number; data: Buffer }> | null = null;
  private stream: ChunksUntilDamage | null = null;
  /** A compressed stream's damage, once the walk has reached it (the stream then ends there). */
  get damage(): Error | null {
    return this.stream?.damage ?? null;
  }
  private curOffset = 0;
  private cur: Buffer = Buffer.alloc(0);
  private eof = false;
  /** Compressed bytes consumed so far (plain files: the furthest offset touched). */
  fileBytesDone = 0;
  /** Furthest uncompressed offset seen. */
  bytesDone = 0;

  constructor(private readonly source: ByteSource, start: number, chunkSize = 4 << 20) {
    if (source.compression !== 'none') {
      this.stream = new ChunksUntilDamage(source, start, chunkSize, (n) => { this.fileBytesDone += n; });
      this.iter = this.stream[Symbol.iterator]();
      this.curOffset = start;
    }
    this.bytesDone = start;
  }

  private advance(): boolean {
    if (this.eof || !this.iter) return false;
    const r = this.iter.next();
    if (r.done) {
      this.eof = true;
      this.curOffset += this.cur.length;
      this.cur = Buffer.alloc(0);
      return false;
    }
    this.curOffset = r.value.offset;
    this.cur = r.value.data;
    this.bytesDone = this.curOffset + this.cur.length;
    return true;
  }

  /** Up to `len` bytes at `off` (shorter only at the end of the stream). Valid until the next call. */
  get(off: number, len: number): Buffer {
    if (!this.iter) {
      const b = this.source.read(off, len);
      this.bytesDone = Math.max(this.bytesDone, off + b.length);
      this.fileBytesDone = this.bytesDone;
      return b;
    }
    while (this.curOffset + this.cur.length <= off) if (!this.advance()) return Buffer.alloc(0);
    if (off < this.curOffset) throw new Error(`ForwardReader: offset ${off} is behind the stream position ${this.curOffset}`);
    const at = off - this.curOffset;
    if (at + len <= this.cur.length) return this.cur.subarray(at, at + len);
    const out = Buffer.allocUnsafe(len);
    let got = this.cur.copy(out, 0, at);
    while (got < len && this.advance()) got += this.cur.copy(out, got, 0, Math.min(this.cur.length, len - got));
    return got === len ? out : out.subarray(0, got);
  }

  /** Whether the stream holds at least `end` bytes (advances compressed streams up to there). */
  has(end: number): boolean {
    if (!this.iter) {
      const size = this.source.size ?? this.source.fileSize;
      if (end <= size) this.bytesDone = Math.max(this.bytesDone, end);
      this.fileBytesDone = this.bytesDone;
      return end <= size;
    }
    while (this.curOffset + this.cur.length < end) if (!this.advance()) return false;
    return true;
  }

  /** The stream's end once `has` has returned false (the offset just past the last byte). */
  get streamEnd(): number {
    if (!this.iter) return this.source.size ?? this.source.fileSize;
    return this.curOffset + this.cur.length;
  }

  close(): void {
    this.iter?.return?.();
  }
}

/** What a scan step found at its offset: a complete frame, damage (the scan stops there), or null at a clean end of file. */
export type ScanStep = { entry: FrameEntry } | { damage: ScanDamage } | null;

/** Frames per `onFrames` batch. */
const BATCH = 4096;

/**
 * The scan loop for frames stored back to back from `start` (frame `firstIndex`): `step(fr, off, k)` looks at frame
 * `k` at offset `off` through the ForwardReader; the next frame starts where its entry ends. Reports entries in
 * batches through `onFrames`, progress every 256 frames, checks `signal` (throws if aborted), and folds a compressed
 * stream's damage into the result.
 */
export function scanFrames(
  source: ByteSource,
  options: ScanOptions,
  start: number,
  firstIndex: number,
  step: (fr: ForwardReader, off: number, k: number) => ScanStep,
): ScanResult {
  const { onFrames, onProgress, signal } = options;
  signal?.throwIfAborted();
  const fr = new ForwardReader(source, start);
  let k = firstIndex;
  let batch: FrameEntry[] = [];
  let batchFirst = k;
  let damage: ScanDamage | null = null;
  let off = start;
  const flush = (): void => {
    if (batch.length) onFrames?.(batch, batchFirst);
    batch = [];
    batchFirst = k;
  };
  const progress = (): void =>
    onProgress?.({ bytesDone: fr.bytesDone, fileBytesDone: fr.fileBytesDone, fileBytesTotal: source.fileSize, frames: k - firstIndex });
  try {
    for (;;) {
      if ((k & 255) === 0) {
        signal?.throwIfAborted();
        progress();
      }
      const r = step(fr, off, k);
      if (r === null) break;
      if ('damage' in r) {
        damage = r.damage;
        break;
      }
      batch.push(r.entry);
      k++;
      off = r.entry.offset + r.entry.length;
      if (batch.length >= BATCH) flush();
    }
  } finally {
    fr.close();
  }
  flush();
  progress();
  return withStreamDamage({ frames: k - firstIndex, endOffset: off, damage }, fr.damage, source.path, firstIndex);
}
