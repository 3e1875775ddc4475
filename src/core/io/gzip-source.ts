// A gzip-compressed file as a ByteSource with random access (the zran.c approach): a sequential pass records
// checkpoints at deflate block boundaries about every CHECKPOINT_SPACING bytes of output, each with the compressed
// bit position and the preceding 32 KiB window (stored deflated); a later read decompresses only from the nearest
// checkpoint at or before the requested offset. The checkpoints travel as a compact Buffer (exportSeekIndex) that
// the trajectory index persists and hands back to the constructor, so reopening never decompresses from the start.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CompressedSource, lastAtOrBefore } from './compressed-source.js';
import { GzipDecoder, WSIZE, type InflatePoint } from './inflate.js';
import { TrajectoryError } from './types.js';

/** Uncompressed bytes between checkpoints: a random read decodes at most this much before its offset. */
export const CHECKPOINT_SPACING = 2 << 20;
const INDEX_MAGIC = 0x7a67_7761; // 'awgz' little-endian
const INDEX_VERSION = 1;

interface Checkpoint extends InflatePoint {
  /** The deflated window (kind 1), as stored in the seek index. */
  packed: Uint8Array | null;
  winLen: number;
}

export class GzipSource extends CompressedSource<GzipDecoder> {
  readonly compression = 'gzip' as const;
  protected readonly maxOvershoot = 258; // the longest deflate match
  private readonly checkpoints: Checkpoint[] = [{ kind: 0, bitPos: 0, out: 0, crc: 0, memberOut: 0, packed: null, winLen: 0 }];
  private readonly record = (d: GzipDecoder, kind: 0 | 1): void => this.maybeCheckpoint(d, kind);

  constructor(path: string, seekIndex: Buffer | null) {
    super(path);
    if (seekIndex) this.importIndex(seekIndex);
  }

  /** Number of checkpoints known (including the start of the file). */
  get checkpointCount(): number {
    return this.checkpoints.length;
  }

  exportSeekIndex(): Buffer {
    const w = this.beginIndex(INDEX_MAGIC, INDEX_VERSION, this.checkpoints.length);
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

  // ---- internals ----

  protected newDecoder(cap: number): GzipDecoder {
    return new GzipDecoder(this.readAt, this.fileSize, cap);
  }

  /** The last checkpoint at or before `offset` (the first one, at offset 0, for any offset). */
  private nearest(offset: number): Checkpoint {
    return lastAtOrBefore(this.checkpoints, offset) ?? this.checkpoints[0];
  }

  protected restartOffset(offset: number): number {
    return this.nearest(offset).out;
  }

  protected startDecoder(d: GzipDecoder, offset: number): void {
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

  private importIndex(buf: Buffer): void {
    try {
      const h = this.openIndex(buf, INDEX_MAGIC, INDEX_VERSION);
      if (!h) return;
      const { reader: r, indexedSize } = h;
      const cps: Checkpoint[] = [];
      for (let i = 0; i < h.count; i++) {
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
      if (h.complete && this.fileSize === indexedSize && h.total >= cps[cps.length - 1].out) this.total = h.total;
    } catch {
      // An unreadable index is ignored: the source rebuilds it on the next pass.
    }
  }
}
