// A resumable gzip/DEFLATE decoder (RFC 1951 + RFC 1952) for random access into .gz files, after zlib's
// examples/zran.c: while streaming it can report every deflate block boundary (compressed bit position,
// uncompressed offset, running CRC) so the owner can keep checkpoints with the preceding 32 KiB window, and it
// can restart decoding at such a checkpoint. Node's zlib cannot start at a bit position (no inflatePrime), hence
// this decoder. Table-driven: one lookup per literal/length code and per distance code in two-level tables (a
// 10-/8-bit root that stays in L1 cache, links for longer codes), all state in typed arrays, no allocation per symbol.
import { crc32 } from 'node:zlib';
import { DecompressError, S_DONE, StreamDecoder, type ReadAt } from './stream-decoder.js';

/** DEFLATE history size. */
export const WSIZE = 32768;
const HEADER_MARGIN = 4096; // a dynamic block header fits in fewer bytes than this
const MAX_MATCH = 258;

/** Where decoding can restart: a gzip member start (kind 0, byte aligned) or a deflate block boundary (kind 1). */
export interface InflatePoint {
  kind: 0 | 1;
  /** Absolute bit position in the compressed file (kind 0: a multiple of 8). */
  bitPos: number;
  /** Offset in the uncompressed stream. */
  out: number;
  /** CRC-32 of the current member's output so far (kind 1). */
  crc: number;
  /** Bytes of the current member's output so far (kind 1). */
  memberOut: number;
}

// ---- static tables -------------------------------------------------------------------------------------

// Table entry: (type << 24) | (value << 8) | (extra bits << 4) | code length (T_SUB links: see buildTable).
const T_LIT = 0;
const T_LEN = 1;
const T_EOB = 2;
const T_BAD = 3;
const BAD_ENTRY = T_BAD << 24;

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const LIT_INFO = new Int32Array(288);
for (let s = 0; s < 288; s++) {
  if (s < 256) LIT_INFO[s] = (T_LIT << 24) | (s << 8);
  else if (s === 256) LIT_INFO[s] = T_EOB << 24;
  else if (s < 286) LIT_INFO[s] = (T_LEN << 24) | (LEN_BASE[s - 257] << 8) | (LEN_EXTRA[s - 257] << 4);
  else LIT_INFO[s] = BAD_ENTRY;
}
const DIST_INFO = new Int32Array(32);
for (let s = 0; s < 32; s++) DIST_INFO[s] = s < 30 ? (DIST_BASE[s] << 8) | (DIST_EXTRA[s] << 4) : BAD_ENTRY;
const CL_INFO = new Int32Array(19);
for (let s = 0; s < 19; s++) CL_INFO[s] = s << 8;

const REV15 = new Uint16Array(1 << 15);
for (let i = 0; i < 1 << 15; i++) {
  let r = 0;
  for (let b = 0; b < 15; b++) if (i & (1 << b)) r |= 1 << (14 - b);
  REV15[i] = r;
}

const countScratch = new Uint16Array(16);
const nextScratch = new Uint16Array(17);
const nextScratch2 = new Uint16Array(17);

const T_SUB = 4; // a root entry linking to a second-level table: value = its offset, extra = its index bits
const LIT_ROOT = 10;
const DIST_ROOT = 8;
const TABLE_SIZE = (1 << 15) + (1 << LIT_ROOT);
const subMax = new Uint8Array(1 << LIT_ROOT);

/**
 * Build a two-level decoding table for canonical code lengths `lens[off..off+n)`: a root table indexed by the
 * next `root` bits (root = min(rootBits, longest code)); codes longer than that go through a link entry
 * (type T_SUB) to a second-level table after the root. Returns the root bit count, or -1 for an over-subscribed
 * or (disallowed) incomplete code. As in zlib's inftrees.c, an incomplete code is allowed only for a single code
 * of length 1 (and never for the code-length code); an all-zero code gives a table whose entries are invalid.
 */
function buildTable(lens: Uint8Array, off: number, n: number, info: Int32Array, table: Int32Array, rootBits: number,
  codeLengthCode: boolean): number {
  const count = countScratch;
  count.fill(0);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const l = lens[off + i];
    count[l]++;
    if (l > max) max = l;
  }
  if (max === 0) {
    if (codeLengthCode) return -1;
    table[0] = BAD_ENTRY;
    table[1] = BAD_ENTRY;
    return 1;
  }
  count[0] = 0;
  let left = 1;
  for (let l = 1; l <= 15; l++) {
    left = (left << 1) - count[l];
    if (left < 0) return -1;
  }
  if (left > 0 && (codeLengthCode || max !== 1)) return -1;
  const root = Math.min(rootBits, max);
  const rootSize = 1 << root;
  const rootMask = rootSize - 1;
  if (left > 0) table.fill(BAD_ENTRY, 0, rootSize);
  const next = nextScratch;
  let code = 0;
  for (let l = 1; l <= 15; l++) {
    code = (code + count[l - 1]) << 1;
    next[l] = code;
  }
  if (max > root) {
    // Longest code per root prefix sizes the second-level tables.
    subMax.fill(0, 0, rootSize);
    const probe = nextScratch2;
    probe.set(next);
    for (let s = 0; s < n; s++) {
      const l = lens[off + s];
      if (l <= root) continue;
      const r = REV15[probe[l]++] >>> (15 - l);
      const p = r & rootMask;
      if (l > subMax[p]) subMax[p] = l;
    }
    let free = rootSize;
    for (let p = 0; p < rootSize; p++) {
      const m = subMax[p];
      if (m === 0) continue;
      const bits = m - root;
      table[p] = (T_SUB << 24) | (free << 8) | (bits << 4) | root;
      free += 1 << bits;
    }
  }
  for (let s = 0; s < n; s++) {
    const l = lens[off + s];
    if (l === 0) continue;
    const r = REV15[next[l]++] >>> (15 - l);
    if (l <= root) {
      const e = info[s] | l;
      const step = 1 << l;
      for (let k = r; k < rootSize; k += step) table[k] = e;
    } else {
      const link = table[r & rootMask];
      const base = (link >>> 8) & 0xffff;
      const size = 1 << ((link >>> 4) & 15);
      const e = info[s] | (l - root);
      const step = 1 << (l - root);
      for (let k = r >>> root; k < size; k += step) table[base + k] = e;
    }
  }
  return root;
}

const FIXED_LIT = new Int32Array(512);
const FIXED_DIST = new Int32Array(32);
{
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  buildTable(l, 0, 288, LIT_INFO, FIXED_LIT, 9, false);
  const d = new Uint8Array(32).fill(5);
  buildTable(d, 0, 32, DIST_INFO, FIXED_DIST, 5, false);
}

// ---- decoder -------------------------------------------------------------------------------------------

const S_MEMBER = 0; // at a gzip member header (byte aligned)
const S_BLOCK = 1; // at a deflate block header
const S_STORED = 2; // inside a stored block
const S_HUFF = 3; // inside a Huffman-coded block
const S_TRAILER = 4; // after the last block of a member

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Streams the uncompressed bytes of a (multi-member) gzip file from its start or from an InflatePoint (see StreamDecoder). */
export class GzipDecoder extends StreamDecoder {
  /** Called at every member start (kind 0) and deflate block boundary (kind 1), before it is decoded. */
  onBoundary: ((d: GzipDecoder, kind: 0 | 1) => void) | null = null;

  // The bit buffer `bb` is LSB first. `out` holds 32 KiB of history followed by room for a chunk.
  private low = 0; // back-references may not reach below this index (member start / window start)
  private crcPos = 0;
  private crcValue = 0;
  private memberStart = 0; // uncompressed offset where the current member's output starts
  private memberIndex = 0;

  private lastBlock = false;
  private storedLeft = 0;
  private lt: Int32Array = FIXED_LIT;
  private dt: Int32Array = FIXED_DIST;
  private lmask = 511;
  private dmask = 31;
  private readonly litTable = new Int32Array(TABLE_SIZE);
  private readonly distTable = new Int32Array(TABLE_SIZE);
  private readonly clTable = new Int32Array(1 << 7);
  private readonly lens = new Uint8Array(320);

  constructor(readAt: ReadAt, fileSize: number, chunkCap: number) {
    const room = Math.max(chunkCap, 1 << 16);
    super(readAt, fileSize, WSIZE + room + 2 * MAX_MATCH, room);
  }

  /** CRC-32 of the current member's output up to `offset`. */
  get crc(): number {
    this.updateCrc();
    return this.crcValue;
  }
  get memberOut(): number {
    return this.offset - this.memberStart;
  }
  /** The up to 32 KiB of the current member's output before `offset`: the window a checkpoint needs. */
  window(): Uint8Array {
    return this.out.subarray(Math.max(this.low, this.o - WSIZE), this.o);
  }

  /** Restart at the beginning of the file (point null) or at a checkpoint (with its window for kind 1). */
  startAt(point: InflatePoint | null, window: Uint8Array | null): void {
    const p: InflatePoint = point ?? { kind: 0, bitPos: 0, out: 0, crc: 0, memberOut: 0 };
    const skip = this.seekInput(p.bitPos);
    if (skip) {
      this.need(8);
      this.drop(skip);
    }
    this.chunkStart = this.chunkEnd = 0;
    if (p.kind === 0) {
      this.o = 0;
      this.low = 0;
      this.validFrom = 0;
      this.outBase = p.out;
      this.crcPos = 0;
      this.crcValue = 0;
      this.memberStart = p.out;
      this.memberIndex = p.out > 0 || p.bitPos > 0 ? 1 : 0;
      this.state = S_MEMBER;
    } else {
      const w = window ?? new Uint8Array(0);
      if (w.length > WSIZE || w.length > p.memberOut) throw new Error('bad checkpoint window');
      this.out.set(w, WSIZE - w.length);
      this.o = WSIZE;
      this.low = WSIZE - w.length;
      this.validFrom = this.low;
      this.outBase = p.out - WSIZE;
      this.crcPos = WSIZE;
      this.crcValue = p.crc;
      this.memberStart = p.out - p.memberOut;
      this.memberIndex = 1;
      this.state = S_BLOCK;
    }
    this.chunkOffset = this.offset;
  }

  protected reserve(want: number): number {
    if (this.out.length - MAX_MATCH - this.o < want) this.slide();
    return this.out.length - MAX_MATCH;
  }

  protected step(stop: number): void {
    switch (this.state) {
      case S_MEMBER:
        this.memberHeader();
        break;
      case S_BLOCK:
        this.blockHeader();
        break;
      case S_STORED:
        this.stored(stop);
        break;
      case S_HUFF:
        this.huff(stop);
        break;
      case S_TRAILER:
        this.trailer();
        break;
    }
  }

  // ---- buffers ----

  private slide(): void {
    this.updateCrc();
    const from = Math.max(this.low, this.o - WSIZE);
    this.out.copyWithin(0, from, this.o);
    this.o -= from;
    this.low -= from;
    this.validFrom = Math.max(0, this.validFrom - from);
    this.crcPos -= from;
    this.outBase += from;
  }

  private updateCrc(): void {
    if (this.crcPos < this.o) {
      this.crcValue = crc32(this.out.subarray(this.crcPos, this.o), this.crcValue);
      this.crcPos = this.o;
    }
  }

  private need(n: number): void {
    while (this.bc < n) {
      const p = this.pos;
      this.bb |= (p < this.inEnd ? this.inBuf[p] : 0) << this.bc;
      this.pos = p + 1;
      this.bc += 8;
    }
  }
  private drop(n: number): void {
    this.bb >>>= n;
    this.bc -= n;
  }
  private bits(n: number): number {
    if (this.bc < n) this.need(n);
    const v = this.bb & ((1 << n) - 1);
    this.bb >>>= n;
    this.bc -= n;
    return v;
  }
  private ensureHeaderInput(): void {
    if (!this.eof && this.pos > this.inEnd - HEADER_MARGIN) this.fill();
  }
  /** One byte of a byte-aligned structure (gzip header/trailer, stored block length). */
  private byte(): number {
    if (this.bitPos + 8 > this.endBits) throw this.truncated('in a gzip header or trailer');
    if (this.bc >= 8) return this.bits(8);
    if (this.pos >= this.inEnd) this.fill();
    return this.inBuf[this.pos++];
  }

  private truncated(where: string): DecompressError {
    const at = Math.min(this.fileSize, Math.floor(this.bitPos / 8));
    return new DecompressError('truncated',
      `truncated gzip data: the file ends at compressed byte ${this.fileSize} ${where} (uncompressed bytes before the damage: ${this.offset})`,
      at, this.offset);
  }
  /** `from`: the uncompressed offset from which the output is suspect (a CRC mismatch: the member start). */
  private corrupt(what: string, from = this.offset): DecompressError {
    if (this.overrun()) return this.truncated('inside a deflate block');
    const at = Math.floor(this.bitPos / 8);
    return new DecompressError('corrupt', `corrupt gzip data at compressed byte offset ${at}: ${what}`, at, from);
  }

  // ---- gzip framing ----

  private memberHeader(): void {
    this.onBoundary?.(this, 0);
    // The member starts byte aligned (file start, or after the previous trailer).
    const first = this.byte();
    if (this.memberIndex > 0 && first === 0) {
      // Zero padding after the last member (as some tape/archive tools leave) ends the stream.
      while (this.bitPos < this.endBits) {
        if (this.byte() !== 0) throw this.corrupt('unexpected data after the end of the last gzip member');
      }
      this.state = S_DONE;
      return;
    }
    const second = this.byte();
    if (first !== 0x1f || second !== 0x8b) {
      throw this.corrupt(this.memberIndex === 0 ? 'not gzip data (bad magic bytes)'
        : 'unexpected data after the end of a gzip member (not another gzip member)');
    }
    const hdr: number[] = [first, second];
    const b = (): number => {
      const v = this.byte();
      hdr.push(v);
      return v;
    };
    const cm = b();
    if (cm !== 8) throw this.corrupt(`unknown compression method ${cm} in the gzip header (expected 8, deflate)`);
    const flg = b();
    if (flg & 0xe0) throw this.corrupt(`reserved gzip header flags set (0x${flg.toString(16)})`);
    for (let i = 0; i < 6; i++) b(); // MTIME, XFL, OS
    if (flg & FEXTRA) {
      const xlen = b() | (b() << 8);
      for (let i = 0; i < xlen; i++) b();
    }
    if (flg & FNAME) while (b() !== 0);
    if (flg & FCOMMENT) while (b() !== 0);
    if (flg & FHCRC) {
      const want = crc32(Uint8Array.from(hdr)) & 0xffff;
      const got = this.byte() | (this.byte() << 8);
      if (got !== want) throw this.corrupt('gzip header CRC mismatch');
    }
    this.updateCrc();
    this.memberStart = this.offset;
    this.low = this.o;
    this.crcPos = this.o;
    this.crcValue = 0;
    this.memberIndex++;
    this.state = S_BLOCK;
  }

  private trailer(): void {
    this.drop(this.bc & 7);
    const want = this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24);
    const isize = (this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24)) >>> 0;
    this.updateCrc();
    if (this.crcValue !== want >>> 0) {
      throw this.corrupt(`CRC-32 mismatch at the end of a gzip member (stored ${(want >>> 0).toString(16)}, computed ${this.crcValue.toString(16)})`, this.memberStart);
    }
    const size = this.memberOut;
    if (isize !== size % 0x100000000) {
      throw this.corrupt(`length mismatch at the end of a gzip member (stored ${isize}, decoded ${size} mod 2^32)`, this.memberStart);
    }
    this.state = this.bitPos >= this.endBits ? S_DONE : S_MEMBER;
  }

  // ---- deflate ----

  private blockHeader(): void {
    this.onBoundary?.(this, 1);
    this.ensureHeaderInput();
    const h = this.bits(3);
    this.lastBlock = (h & 1) === 1;
    const type = h >>> 1;
    if (type === 0) {
      this.drop(this.bc & 7);
      const len = this.bits(16);
      const nlen = this.bits(16);
      if (this.overrun()) throw this.truncated('inside a deflate block header');
      if (len !== (~nlen & 0xffff)) throw this.corrupt('invalid stored block lengths');
      this.storedLeft = len;
      this.state = S_STORED;
    } else if (type === 1) {
      this.lt = FIXED_LIT;
      this.lmask = 511;
      this.dt = FIXED_DIST;
      this.dmask = 31;
      this.state = S_HUFF;
    } else if (type === 2) {
      this.dynamicHeader();
      if (this.overrun()) throw this.truncated('inside a deflate block header');
      this.state = S_HUFF;
    } else {
      throw this.corrupt('invalid deflate block type');
    }
  }

  private dynamicHeader(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw this.corrupt('too many length or distance symbols');
    const lens = this.lens;
    lens.fill(0, 0, 19);
    for (let i = 0; i < ncode; i++) lens[CL_ORDER[i]] = this.bits(3);
    const clBits = buildTable(lens, 0, 19, CL_INFO, this.clTable, 7, true);
    if (clBits < 0) throw this.corrupt('invalid code lengths set');
    const clMask = (1 << clBits) - 1;
    const n = nlen + ndist;
    let i = 0;
    while (i < n) {
      this.need(7);
      const e = this.clTable[this.bb & clMask];
      this.drop(e & 15);
      const sym = e >>> 8;
      if (sym < 16) {
        lens[i++] = sym;
        continue;
      }
      let rep: number;
      let val = 0;
      if (sym === 16) {
        if (i === 0) throw this.corrupt('invalid bit length repeat');
        val = lens[i - 1];
        rep = 3 + this.bits(2);
      } else if (sym === 17) {
        rep = 3 + this.bits(3);
      } else {
        rep = 11 + this.bits(7);
      }
      if (i + rep > n) throw this.corrupt('invalid bit length repeat');
      lens.fill(val, i, i + rep);
      i += rep;
    }
    if (lens[256] === 0) throw this.corrupt('invalid code -- missing end-of-block');
    const lb = buildTable(lens, 0, nlen, LIT_INFO, this.litTable, LIT_ROOT, false);
    if (lb < 0) throw this.corrupt('invalid literal/lengths set');
    const db = buildTable(lens, nlen, ndist, DIST_INFO, this.distTable, DIST_ROOT, false);
    if (db < 0) throw this.corrupt('invalid distances set');
    this.lt = this.litTable;
    this.lmask = (1 << lb) - 1;
    this.dt = this.distTable;
    this.dmask = (1 << db) - 1;
  }

  private stored(stop: number): void {
    const out = this.out;
    while (this.storedLeft > 0) {
      if (this.o >= stop) return;
      if (this.bc >= 8) {
        out[this.o++] = this.bb & 255;
        this.bb >>>= 8;
        this.bc -= 8;
        this.storedLeft--;
        continue;
      }
      let avail = this.inEnd - this.pos;
      if (avail <= 0) {
        if (this.eof) throw this.truncated('inside a stored deflate block');
        this.fill();
        avail = this.inEnd - this.pos;
        if (avail <= 0) throw this.truncated('inside a stored deflate block');
      }
      const n = Math.min(this.storedLeft, avail, stop - this.o);
      out.set(this.inBuf.subarray(this.pos, this.pos + n), this.o);
      this.pos += n;
      this.o += n;
      this.storedLeft -= n;
    }
    this.state = this.lastBlock ? S_TRAILER : S_BLOCK;
  }

  /** The hot loop: decode Huffman-coded symbols until the block ends or `o` reaches `stop`. */
  private huff(stop: number): void {
    const out = this.out;
    const lt = this.lt;
    const dt = this.dt;
    const lmask = this.lmask;
    const dmask = this.dmask;
    const low = this.low;
    const buf = this.inBuf;
    let pos = this.pos;
    let bb = this.bb;
    let bc = this.bc;
    let o = this.o;
    let inSafe = this.inSafe;
    let prev = o;
    for (;;) {
      if (pos > inSafe) {
        if (!this.eof) {
          pos = this.refillAt(pos);
          inSafe = this.inSafe;
        } else if (this.pastEnd(pos, bc)) {
          // The previous symbol was decoded from bits past the end of the file: drop it.
          this.pos = pos;
          this.bb = bb;
          this.bc = bc;
          this.o = prev;
          throw this.truncated('inside a deflate block');
        }
      }
      if (o >= stop) break;
      prev = o;
      if (bc < 15) {
        bb |= buf[pos++] << bc;
        bb |= buf[pos++] << (bc + 8);
        bc += 16;
      }
      let e = lt[bb & lmask];
      let n = e & 15;
      bb >>>= n;
      bc -= n;
      if (e >= 0x4000000) {
        e = lt[((e >>> 8) & 0xffff) + (bb & ((1 << ((e >>> 4) & 15)) - 1))];
        n = e & 15;
        bb >>>= n;
        bc -= n;
      }
      if (e < 0x1000000) {
        out[o++] = e >>> 8;
        if (bc >= 15 && pos <= inSafe) {
          // A second literal while the bit buffer still holds a whole code (the output has slack for it;
          // not near the end of the input, where every symbol is checked against the end of the file).
          e = lt[bb & lmask];
          if (e < 0x1000000) {
            n = e & 15;
            bb >>>= n;
            bc -= n;
            out[o++] = e >>> 8;
          }
        }
        continue;
      }
      const t = e >>> 24;
      if (t === T_LEN) {
        while (bc < 20) {
          bb |= buf[pos++] << bc;
          bc += 8;
        }
        let x = (e >>> 4) & 15;
        const len = ((e >>> 8) & 0x1ff) + (bb & ((1 << x) - 1));
        bb >>>= x;
        bc -= x;
        e = dt[bb & dmask];
        n = e & 15;
        bb >>>= n;
        bc -= n;
        if (e >= 0x4000000) {
          e = dt[((e >>> 8) & 0xffff) + (bb & ((1 << ((e >>> 4) & 15)) - 1))];
          n = e & 15;
          bb >>>= n;
          bc -= n;
        }
        if (e >= 0x1000000) {
          this.sync(pos, bb, bc, o);
          throw this.corrupt('invalid distance code');
        }
        x = (e >>> 4) & 15;
        while (bc < x) {
          bb |= buf[pos++] << bc;
          bc += 8;
        }
        const dist = ((e >>> 8) & 0x7fff) + (bb & ((1 << x) - 1));
        bb >>>= x;
        bc -= x;
        if (dist > o - low) {
          this.sync(pos, bb, bc, o);
          throw this.corrupt('invalid distance too far back');
        }
        let s = o - dist;
        const end = o + len;
        while (o < end) out[o++] = out[s++];
        continue;
      }
      if (t === T_EOB) {
        this.sync(pos, bb, bc, o);
        if (this.overrun()) {
          throw this.truncated('inside a deflate block');
        }
        this.state = this.lastBlock ? S_TRAILER : S_BLOCK;
        return;
      }
      this.sync(pos, bb, bc, o);
      throw this.corrupt('invalid literal/length code');
    }
    this.sync(pos, bb, bc, o);
  }

  private sync(pos: number, bb: number, bc: number, o: number): void {
    this.pos = pos;
    this.bb = bb;
    this.bc = bc;
    this.o = o;
  }
}
