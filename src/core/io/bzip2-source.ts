// A bzip2-compressed file as a ByteSource with random access by block: a sequential pass records the start bit
// and uncompressed offset of every block (blocks are independent), so a later read decodes only the blocks that
// hold the requested bytes. The block list travels as a compact Buffer (exportSeekIndex) that the trajectory index
// persists and hands back to the constructor. Decoding is this project's own bzip2 decoder (bunzip.ts): the
// seek-bzip package reads whole files into memory and decodes about 2.5x slower.
import { Bzip2Decoder, type Bzip2Point } from './bunzip.js';
import { CompressedSource, lastAtOrBefore } from './compressed-source.js';

const INDEX_MAGIC = 0x7a62_7761; // 'awbz' little-endian
const INDEX_VERSION = 1;

export class Bzip2Source extends CompressedSource<Bzip2Decoder> {
  readonly compression = 'bzip2' as const;
  protected readonly maxOvershoot = 256; // the final run-length stage writes up to 255 bytes past its stop
  /** Every block seen so far, by ascending uncompressed offset. */
  private readonly blocks: Bzip2Point[] = [];
  private readonly record = (_d: Bzip2Decoder, p: Bzip2Point): void => this.noteBlock(p);

  constructor(path: string, seekIndex: Buffer | null) {
    super(path);
    if (seekIndex) this.importIndex(seekIndex);
  }

  /** Number of blocks known. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** The blocks known so far (start bit and uncompressed offset of each). */
  blockList(): readonly Readonly<Bzip2Point>[] {
    return this.blocks.slice();
  }

  exportSeekIndex(): Buffer {
    const w = this.beginIndex(INDEX_MAGIC, INDEX_VERSION, this.blocks.length);
    for (const b of this.blocks) {
      w.f64(b.bitPos);
      w.f64(b.out);
      w.u32(b.streamCrc);
      w.u8(b.level);
    }
    return w.done();
  }

  // ---- internals ----

  protected newDecoder(cap: number): Bzip2Decoder {
    return new Bzip2Decoder(this.readAt, this.fileSize, cap);
  }

  /** The last block starting at or before `offset`, or null (start of the file). */
  private nearest(offset: number): Bzip2Point | null {
    return lastAtOrBefore(this.blocks, offset);
  }

  protected restartOffset(offset: number): number {
    return this.nearest(offset)?.out ?? 0;
  }

  protected startDecoder(d: Bzip2Decoder, offset: number): void {
    d.onBlock = null;
    d.startAt(this.nearest(offset));
    d.onBlock = this.record;
  }

  private noteBlock(p: Bzip2Point): void {
    const bl = this.blocks;
    if (bl.length === 0 || p.out > bl[bl.length - 1].out) bl.push(p);
  }

  private importIndex(buf: Buffer): void {
    try {
      const h = this.openIndex(buf, INDEX_MAGIC, INDEX_VERSION);
      if (!h) return;
      const { reader: r, indexedSize, count } = h;
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
      if (h.complete && this.fileSize === indexedSize && h.total >= lastOut) this.total = h.total;
    } catch {
      // An unreadable index is ignored: the source rebuilds it on the next pass.
    }
  }
}
