// What the resumable decoders (inflate.ts for gzip, bunzip.ts for bzip2) share: the buffered compressed input
// (refilled from an absolute file position, zero-padded so hot loops may over-read at the end of the file), the
// output position bookkeeping, and the `next` step that delivers decoded bytes chunk by chunk, holding back an
// error until the bytes decoded before it have been delivered. Bit order, formats and restart points stay with
// each decoder.

/** Reads compressed bytes at an absolute file position; returns the count read (0 at end of file). */
export type ReadAt = (buf: Uint8Array, off: number, len: number, pos: number) => number;

/** A problem in the compressed data; the owner turns it into a TrajectoryError naming the file. */
export class DecompressError extends Error {
  constructor(
    readonly kind: 'truncated' | 'corrupt',
    message: string,
    /** Compressed byte offset where the problem was found. */
    readonly compressedOffset: number,
    /** Uncompressed bytes decoded (and delivered) before the problem. */
    readonly uncompressedOffset: number,
  ) {
    super(message);
    this.name = 'DecompressError';
  }
}

const IN_CAP = 1 << 20; // compressed bytes buffered per read
const IN_PAD = 64; // zeroed bytes after the data, so the hot loop can over-read at the end of the file
const IN_MARGIN = 16; // the hot loop refills when fewer bytes than this remain

/** The decoder state at the end of the stream (each decoder numbers its other states from 0). */
export const S_DONE = -1;

/**
 * Streams uncompressed bytes: `next(max)` decodes up to about `max` more bytes into `out[chunkStart, chunkEnd)`
 * (valid until the next call), at uncompressed offset `chunkOffset`. Errors come after the bytes decoded before
 * them have been delivered.
 */
export abstract class StreamDecoder {
  readonly out: Uint8Array;
  chunkStart = 0;
  chunkEnd = 0;
  chunkOffset = 0;

  protected readonly inBuf = new Uint8Array(IN_CAP + IN_PAD);
  protected inBase = 0; // file position of inBuf[0]
  protected inEnd = 0; // valid bytes in inBuf
  protected inSafe = 0; // the hot loop refills (or checks for the end) when pos exceeds this
  protected eof = false; // inBuf holds the end of the file
  protected readonly endBits: number;
  protected pos = 0; // next byte of inBuf to go into the bit buffer
  protected bb = 0; // bit buffer (the bit order is the decoder's)
  protected bc = 0; // bits in bb

  protected o = 0; // write position in out
  protected outBase = 0; // uncompressed offset of out[0]
  protected validFrom = 0; // out[validFrom, o) holds real output
  protected state = S_DONE;
  protected pending: unknown = null; // an error held back until the bytes before it were delivered

  /** `maxChunk`: the most bytes one `next` call decodes; `outLength`: the size of `out`, with the decoder's margins. */
  constructor(
    private readonly readAt: ReadAt,
    protected readonly fileSize: number,
    outLength: number,
    private readonly maxChunk: number,
  ) {
    this.out = new Uint8Array(outLength);
    this.endBits = fileSize * 8;
  }

  /** Uncompressed offset of the next byte to be decoded. */
  get offset(): number {
    return this.outBase + this.o;
  }
  /** Compressed bit position of the next bit to be read. */
  get bitPos(): number {
    return (this.inBase + this.pos) * 8 - this.bc;
  }
  /** Compressed bytes consumed so far (the position of the next unread byte). */
  get bytePos(): number {
    return Math.ceil(this.bitPos / 8);
  }
  get done(): boolean {
    return this.state === S_DONE && this.pending === null;
  }
  get failed(): boolean {
    return this.pending !== null;
  }
  /** Uncompressed offset of the oldest byte still held in `out`. */
  get heldFrom(): number {
    return this.outBase + this.validFrom;
  }
  /** Copy of out bytes [from, to) in uncompressed offsets; must lie within [heldFrom, offset). */
  held(from: number, to: number): Uint8Array {
    return this.out.subarray(from - this.outBase, to - this.outBase);
  }

  /**
   * Decode up to about `max` more bytes. Returns false at the end of the stream (no new bytes).
   * New bytes are out[chunkStart, chunkEnd) at uncompressed offset chunkOffset.
   */
  next(max: number): boolean {
    if (this.pending !== null) {
      const e = this.pending;
      throw e;
    }
    if (this.state === S_DONE) {
      this.chunkStart = this.chunkEnd = this.o;
      this.chunkOffset = this.offset;
      return false;
    }
    const want = Math.max(1, Math.min(max, this.maxChunk));
    const limit = this.reserve(want);
    const start = this.o;
    const stop = Math.min(start + want, limit);
    try {
      while (this.o < stop && this.state !== S_DONE) this.step(stop);
    } catch (e) {
      if (this.o === start) throw e;
      this.pending = e;
    }
    this.chunkStart = start;
    this.chunkEnd = this.o;
    this.chunkOffset = this.outBase + start;
    return this.o > start || this.state !== S_DONE || this.pending !== null;
  }

  /** Make room in `out` for `want` more bytes at `o` (moving the buffer along); returns the limit for `o`. */
  protected abstract reserve(want: number): number;
  /** Advance the state machine by one step, writing output up to (about) `stop`. */
  protected abstract step(stop: number): void;

  /** Restart the input at compressed bit `bitPos`: refills from its byte; returns the bits to skip in that byte. */
  protected seekInput(bitPos: number): number {
    this.pending = null;
    const byte = Math.floor(bitPos / 8);
    this.inBase = byte;
    this.inEnd = 0;
    this.pos = 0;
    this.eof = false;
    this.fill();
    this.bb = 0;
    this.bc = 0;
    return bitPos - byte * 8;
  }

  /** Move the unread bytes to the front of inBuf and read more. */
  protected fill(): void {
    if (this.eof) return;
    const buf = this.inBuf;
    const keep = Math.max(0, this.inEnd - this.pos);
    if (this.pos > 0) {
      buf.copyWithin(0, this.pos, this.pos + keep);
      this.inBase += this.pos;
      this.pos = 0;
    }
    let end = keep;
    const want = Math.min(IN_CAP - keep, this.fileSize - (this.inBase + keep));
    while (end - keep < want) {
      const n = this.readAt(buf, end, want - (end - keep), this.inBase + end);
      if (n <= 0) break;
      end += n;
    }
    this.inEnd = end;
    if (this.inBase + end >= this.fileSize || end - keep < want) this.eof = true;
    buf.fill(0, end, end + IN_PAD);
    this.inSafe = end - IN_MARGIN;
  }

  /** For hot loops that keep the input position in a local: refill at `pos`, return the new position (`inSafe` moves too). */
  protected refillAt(pos: number): number {
    this.pos = pos;
    this.fill();
    return this.pos;
  }

  /** Whether decoding has read bits past the end of the file (they were padding zeros). */
  protected overrun(): boolean {
    return this.pastEnd(this.pos, this.bc);
  }

  /** `overrun` for hot loops that keep the input position and bit count in locals. */
  protected pastEnd(pos: number, bc: number): boolean {
    return (this.inBase + pos) * 8 - bc > this.endBits;
  }
}
