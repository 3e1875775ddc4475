// A streaming bzip2 decoder with random access by block. bzip2 blocks are independent: a block starts at the
// 48-bit magic 0x314159265359 (not byte aligned), so the start bit of each block and its uncompressed offset are
// all a random read needs. Handles multi-stream files (concatenated streams, as pbzip2 and `cat a.bz2 b.bz2`
// write), checks every block CRC and every stream's combined CRC. After bzip2's decompress.c: Huffman decoding
// with a 10-bit lookup table per coding group (longer codes by canonical limits), move-to-front, the inverse
// Burrows-Wheeler transform through one Uint32Array, and the final run-length stage, resumable at any output byte.
import { DecompressError, S_DONE, StreamDecoder, type ReadAt } from './stream-decoder.js';

const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const MAX_SELECTORS = 18002;
const GROUP_SIZE = 50;
const LUT_BITS = 10;
const LUT_SIZE = 1 << LUT_BITS;
const MAX_BLOCK = 900000;
const RUN_SLACK = 256; // the run-length stage may write up to 255 bytes past the stop position

/** Where decoding can restart: the start of a bzip2 block. */
export interface Bzip2Point {
  /** Absolute bit position of the block magic in the compressed file. */
  bitPos: number;
  /** Offset of the block's first byte in the uncompressed stream. */
  out: number;
  /** The stream's combined CRC over the blocks before this one. */
  streamCrc: number;
  /** Block size level (1-9) of the stream holding the block. */
  level: number;
}

const CRC_TABLE = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  CRC_TABLE[i] = c;
}

const S_STREAM = 0; // at a stream header "BZh1".."BZh9" (byte aligned)
const S_BLOCK = 1; // at a block or end-of-stream magic
const S_OUTPUT = 2; // writing out a decoded block

/** Streams the uncompressed bytes of a bzip2 file from its start or from a block (Bzip2Point) (see StreamDecoder). */
export class Bzip2Decoder extends StreamDecoder {
  /** Called at the start of every block, before it is decoded. */
  onBlock: ((d: Bzip2Decoder, point: Bzip2Point) => void) | null = null;

  // The bit buffer `bb` is MSB first: the next bit is bit (bc - 1).
  private streamIndex = 0;
  private level = 9;
  private streamCrc = 0;
  private blockCrcWant = 0;
  private blockCrc = 0;
  private blockStart = 0; // uncompressed offset of the current block
  private blockBit = 0; // compressed bit position of the current block

  // block decoding
  private readonly tt = new Uint32Array(MAX_BLOCK);
  private nblock = 0;
  private tPos = 0;
  private remaining = 0;
  private last = -1;
  private runLen = 0;
  private readonly selectors = new Uint8Array(MAX_SELECTORS);
  private readonly lens = new Uint8Array(MAX_GROUPS * MAX_ALPHA);
  private readonly lut = new Int32Array(MAX_GROUPS * LUT_SIZE);
  private readonly limit = new Int32Array(MAX_GROUPS * (MAX_CODE_LEN + 1));
  private readonly permBase = new Int32Array(MAX_GROUPS * (MAX_CODE_LEN + 1));
  private readonly firstCode = new Int32Array(MAX_GROUPS * (MAX_CODE_LEN + 1));
  private readonly perm = new Uint16Array(MAX_GROUPS * MAX_ALPHA);
  private readonly maxLens = new Uint8Array(MAX_GROUPS);
  private readonly symToByte = new Uint8Array(256);
  private readonly mtf = new Uint8Array(256);
  private readonly counts = new Int32Array(256);
  private readonly cftab = new Int32Array(257);

  constructor(readAt: ReadAt, fileSize: number, chunkCap: number) {
    const room = Math.max(chunkCap, 1 << 16);
    super(readAt, fileSize, room + 2 * RUN_SLACK, room);
  }

  /** Restart at the beginning of the file (null) or at a block. */
  startAt(point: Bzip2Point | null): void {
    const skip = this.seekInput(point ? point.bitPos : 0);
    if (skip > 0) this.bits(skip);
    this.o = 0;
    this.validFrom = 0;
    this.chunkStart = this.chunkEnd = 0;
    if (point) {
      this.outBase = point.out;
      this.level = point.level;
      this.streamCrc = point.streamCrc;
      this.streamIndex = 1;
      this.state = S_BLOCK;
    } else {
      this.outBase = 0;
      this.streamIndex = 0;
      this.state = S_STREAM;
    }
    this.chunkOffset = this.outBase;
  }

  protected reserve(want: number): number {
    const cap = this.out.length - 2 * RUN_SLACK;
    if (cap - this.o < want) {
      this.outBase += this.o;
      this.o = 0;
      this.validFrom = 0;
    }
    return cap;
  }

  protected step(stop: number): void {
    switch (this.state) {
      case S_STREAM:
        this.streamHeader();
        break;
      case S_BLOCK:
        this.blockOrEnd();
        break;
      case S_OUTPUT:
        this.output(stop);
        break;
    }
  }

  // ---- input ----

  private need(n: number): void {
    while (this.bc < n) {
      if (this.pos >= this.inEnd && !this.eof) this.fill();
      const p = this.pos;
      this.bb = (this.bb << 8) | (p < this.inEnd ? this.inBuf[p] : 0);
      this.pos = p + 1;
      this.bc += 8;
    }
  }
  /** Up to 24 bits, MSB first. */
  private bits(n: number): number {
    if (this.bc < n) this.need(n);
    this.bc -= n;
    return (this.bb >>> this.bc) & ((1 << n) - 1);
  }
  private bits32(): number {
    return ((this.bits(16) << 16) | this.bits(16)) >>> 0;
  }

  private truncated(): DecompressError {
    return new DecompressError('truncated',
      `truncated bzip2 data: the file ends at compressed byte ${this.fileSize} inside a block or stream trailer (uncompressed bytes before the damage: ${this.offset})`,
      Math.min(this.fileSize, Math.floor(this.bitPos / 8)), this.offset);
  }
  private corrupt(what: string, inBlock = true): DecompressError {
    if (this.overrun()) return this.truncated();
    const at = Math.floor((inBlock ? this.blockBit : this.bitPos) / 8);
    const where = inBlock ? `in the block starting at compressed byte ${at}` : `at compressed byte offset ${at}`;
    return new DecompressError('corrupt', `corrupt bzip2 data ${where}: ${what}`, at, inBlock ? this.blockStart : this.offset);
  }

  // ---- stream structure ----

  private streamHeader(): void {
    if (this.streamIndex > 0 && this.bitPos >= this.endBits) {
      this.state = S_DONE;
      return;
    }
    const b0 = this.bits(8);
    if (this.streamIndex > 0 && b0 === 0) {
      // Zero padding after the last stream ends the data.
      while (this.bitPos < this.endBits) {
        if (this.bits(8) !== 0) throw this.corrupt('unexpected data after the end of the last bzip2 stream', false);
      }
      this.state = S_DONE;
      return;
    }
    const b1 = this.bits(8);
    const b2 = this.bits(8);
    const b3 = this.bits(8);
    if (this.overrun()) throw this.truncated();
    if (b0 !== 0x42 || b1 !== 0x5a || b2 !== 0x68) {
      throw this.corrupt(this.streamIndex === 0 ? 'not bzip2 data (bad magic bytes)'
        : 'unexpected data after the end of a bzip2 stream (not another bzip2 stream)', false);
    }
    if (b3 < 0x31 || b3 > 0x39) throw this.corrupt(`invalid block size level "${String.fromCharCode(b3)}" in the stream header`, false);
    this.level = b3 - 0x30;
    this.streamCrc = 0;
    this.streamIndex++;
    this.state = S_BLOCK;
  }

  private blockOrEnd(): void {
    const at = this.bitPos;
    const hi = this.bits(24);
    const lo = this.bits(24);
    if (this.overrun()) throw this.truncated();
    if (hi === 0x314159 && lo === 0x265359) {
      this.blockBit = at;
      this.blockStart = this.offset;
      this.onBlock?.(this, { bitPos: at, out: this.offset, streamCrc: this.streamCrc, level: this.level });
      this.readBlock();
      this.state = S_OUTPUT;
      return;
    }
    if (hi === 0x177245 && lo === 0x385090) {
      const want = this.bits32();
      if (this.overrun()) throw this.truncated();
      if (want !== this.streamCrc >>> 0) {
        throw this.corrupt(`stream CRC mismatch (stored ${want.toString(16)}, computed ${(this.streamCrc >>> 0).toString(16)})`, false);
      }
      this.bits(this.bc & 7); // the stream ends on a byte boundary
      this.state = this.bitPos >= this.endBits ? S_DONE : S_STREAM;
      return;
    }
    this.blockBit = at;
    this.blockStart = this.offset;
    throw this.corrupt('bad block magic (expected a block header or the end-of-stream marker)');
  }

  // ---- one block ----

  private readBlock(): void {
    this.blockCrcWant = this.bits32();
    if (this.bits(1)) throw this.corrupt('randomised block (written by bzip2 before 0.9.5): not supported');
    const origPtr = this.bits(24);
    const blockMax = this.level * 100000;
    // Symbol map: which byte values occur.
    const used = this.bits(16);
    const symToByte = this.symToByte;
    let symTotal = 0;
    for (let i = 0; i < 16; i++) {
      if (used & (0x8000 >>> i)) {
        const k = this.bits(16);
        for (let j = 0; j < 16; j++) if (k & (0x8000 >>> j)) symToByte[symTotal++] = i * 16 + j;
      }
    }
    if (symTotal === 0) throw this.corrupt('empty symbol map');
    const nGroups = this.bits(3);
    if (nGroups < 2 || nGroups > MAX_GROUPS) throw this.corrupt(`invalid number of Huffman groups ${nGroups}`);
    let nSel = this.bits(15);
    if (nSel < 1) throw this.corrupt('no selectors');
    const mtf = this.mtf;
    for (let i = 0; i < nGroups; i++) mtf[i] = i;
    for (let i = 0; i < nSel; i++) {
      let j = 0;
      while (this.bits(1)) {
        j++;
        if (j >= nGroups) throw this.corrupt('invalid selector');
      }
      const v = mtf[j];
      for (let k = j; k > 0; k--) mtf[k] = mtf[k - 1];
      mtf[0] = v;
      if (i < MAX_SELECTORS) this.selectors[i] = v;
      if (this.overrun()) throw this.truncated();
    }
    if (nSel > MAX_SELECTORS) nSel = MAX_SELECTORS; // as bzip2 1.0.8: extra selectors are read and ignored
    const alphaSize = symTotal + 2;
    const lens = this.lens;
    for (let g = 0; g < nGroups; g++) {
      let len = this.bits(5);
      for (let s = 0; s < alphaSize; s++) {
        for (;;) {
          if (len < 1 || len > MAX_CODE_LEN) throw this.corrupt('invalid Huffman code length');
          if (!this.bits(1)) break;
          len += this.bits(1) ? -1 : 1;
        }
        lens[g * MAX_ALPHA + s] = len;
      }
      if (this.overrun()) throw this.truncated();
      this.buildGroup(g, alphaSize);
    }
    this.decodeSymbols(nSel, symTotal, blockMax);
    if (origPtr >= this.nblock) throw this.corrupt('the BWT origin pointer is out of range');
    // Inverse BWT: link every position to its successor.
    const tt = this.tt;
    const cftab = this.cftab;
    const counts = this.counts;
    cftab[0] = 0;
    for (let i = 0; i < 256; i++) cftab[i + 1] = cftab[i] + counts[i];
    const n = this.nblock;
    for (let i = 0; i < n; i++) {
      const b = tt[i] & 0xff;
      tt[cftab[b]++] |= i << 8;
    }
    this.tPos = tt[origPtr] >>> 8;
    this.remaining = n;
    this.last = -1;
    this.runLen = 0;
    this.blockCrc = -1;
  }

  private buildGroup(g: number, alphaSize: number): void {
    const lens = this.lens;
    const base = g * MAX_ALPHA;
    const lb = g * (MAX_CODE_LEN + 1);
    const limit = this.limit;
    const permBase = this.permBase;
    const perm = this.perm;
    const lut = this.lut;
    const lutBase = g * LUT_SIZE;
    let minLen = 32;
    let maxLen = 0;
    for (let s = 0; s < alphaSize; s++) {
      const l = lens[base + s];
      if (l > maxLen) maxLen = l;
      if (l < minLen) minLen = l;
    }
    this.maxLens[g] = maxLen;
    lut.fill(0, lutBase, lutBase + LUT_SIZE);
    // Canonical codes (bzip2's hbAssignCodes): by length, then by symbol.
    let code = 0;
    let pp = base;
    for (let l = minLen; l <= maxLen; l++) {
      const first = code;
      permBase[lb + l] = pp - first;
      this.firstCode[lb + l] = first;
      for (let s = 0; s < alphaSize; s++) {
        if (lens[base + s] !== l) continue;
        perm[pp++] = s;
        if (l <= LUT_BITS) {
          const from = code << (LUT_BITS - l);
          const to = (code + 1) << (LUT_BITS - l);
          if (to > LUT_SIZE) throw this.corrupt('over-subscribed Huffman code');
          lut.fill((s << 5) | l, lutBase + from, lutBase + to);
        }
        code++;
      }
      limit[lb + l] = code; // codes of length l are [first, code)
      if (code > 1 << l) throw this.corrupt('over-subscribed Huffman code');
      code <<= 1;
    }
    for (let l = 1; l < minLen; l++) {
      limit[lb + l] = 0;
      this.firstCode[lb + l] = 0;
    }
  }

  private decodeSymbols(nSel: number, symTotal: number, blockMax: number): void {
    const tt = this.tt;
    const counts = this.counts;
    counts.fill(0);
    const mtf = this.mtf;
    for (let i = 0; i < 256; i++) mtf[i] = i;
    const symToByte = this.symToByte;
    const lut = this.lut;
    const limit = this.limit;
    const permBase = this.permBase;
    const perm = this.perm;
    const firstCode = this.firstCode;
    const selectors = this.selectors;
    const eob = symTotal + 1;
    const buf = this.inBuf;
    let pos = this.pos;
    let bb = this.bb;
    let bc = this.bc;
    let inSafe = this.inSafe;
    let count = 0;
    let groupLeft = 0;
    let sel = 0;
    let lutBase = 0;
    let lb = 0;
    let maxLen = 0;
    let runPos = 0;
    let run = 0;
    for (;;) {
      if (pos > inSafe) {
        if (!this.eof) {
          pos = this.refillAt(pos);
          inSafe = this.inSafe;
        } else if (this.pastEnd(pos, bc)) {
          this.pos = pos;
          this.bc = bc;
          throw this.truncated();
        }
      }
      if (groupLeft === 0) {
        if (sel >= nSel) {
          this.sync(pos, bb, bc);
          throw this.corrupt('ran out of selectors (missing end of block)');
        }
        const g = selectors[sel++];
        lutBase = g * LUT_SIZE;
        lb = g * (MAX_CODE_LEN + 1);
        maxLen = this.maxLens[g];
        groupLeft = GROUP_SIZE;
      }
      groupLeft--;
      while (bc < 24) {
        bb = (bb << 8) | buf[pos++];
        bc += 8;
      }
      let sym: number;
      const e = lut[lutBase + ((bb >>> (bc - LUT_BITS)) & (LUT_SIZE - 1))];
      if (e !== 0) {
        bc -= e & 31;
        sym = e >>> 5;
      } else {
        sym = -1;
        for (let l = LUT_BITS + 1; l <= maxLen; l++) {
          const c = (bb >>> (bc - l)) & ((1 << l) - 1);
          if (c < limit[lb + l] && c >= firstCode[lb + l]) {
            const k = permBase[lb + l] + c;
            sym = perm[k];
            bc -= l;
            break;
          }
        }
        if (sym < 0) {
          this.sync(pos, bb, bc);
          throw this.corrupt('invalid Huffman code');
        }
      }
      if (sym <= 1) {
        // RUNA / RUNB: a bijective base-2 run length of the front byte.
        if (runPos === 0) {
          runPos = 1;
          run = 0;
        }
        run += runPos << sym;
        runPos <<= 1;
        if (run > blockMax) {
          this.sync(pos, bb, bc);
          throw this.corrupt('run past the block size');
        }
        continue;
      }
      if (runPos !== 0) {
        runPos = 0;
        if (count + run > blockMax) {
          this.sync(pos, bb, bc);
          throw this.corrupt('run past the block size');
        }
        const b = symToByte[mtf[0]];
        counts[b] += run;
        const end = count + run;
        if (run < 16) while (count < end) tt[count++] = b;
        else {
          tt.fill(b, count, end);
          count = end;
        }
      }
      if (sym === eob) break;
      if (sym > eob) {
        this.sync(pos, bb, bc);
        throw this.corrupt('invalid symbol');
      }
      if (count >= blockMax) {
        this.sync(pos, bb, bc);
        throw this.corrupt('more data than the block size allows');
      }
      // Move-to-front: symbol k (2..) is the byte at position k-1.
      const idx = sym - 1;
      const v = mtf[idx];
      if (idx < 16) for (let k = idx; k > 0; k--) mtf[k] = mtf[k - 1];
      else mtf.copyWithin(1, 0, idx);
      mtf[0] = v;
      const b = symToByte[v];
      counts[b]++;
      tt[count++] = b;
    }
    this.sync(pos, bb, bc);
    if (this.overrun()) throw this.truncated();
    this.nblock = count;
  }

  private sync(pos: number, bb: number, bc: number): void {
    this.pos = pos;
    this.bb = bb;
    this.bc = bc;
  }

  /** Undo the BWT and the initial run-length stage into out until `stop` or the end of the block. */
  private output(stop: number): void {
    const out = this.out;
    const tt = this.tt;
    let o = this.o;
    const start = o;
    let tPos = this.tPos;
    let remaining = this.remaining;
    let last = this.last;
    let runLen = this.runLen;
    while (remaining > 0 && o < stop) {
      tPos = tt[tPos];
      const b = tPos & 0xff;
      tPos >>>= 8;
      remaining--;
      if (runLen === 4) {
        // After four equal bytes, a count of further copies.
        const end = o + b;
        while (o < end) out[o++] = last;
        runLen = 0;
        last = -1;
        continue;
      }
      out[o++] = b;
      if (b === last) runLen++;
      else {
        last = b;
        runLen = 1;
      }
    }
    let crc = this.blockCrc;
    for (let i = start; i < o; i++) crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ out[i]) & 0xff];
    this.blockCrc = crc;
    this.o = o;
    this.tPos = tPos;
    this.remaining = remaining;
    this.last = last;
    this.runLen = runLen;
    if (remaining === 0) {
      const got = ~crc >>> 0;
      if (got !== this.blockCrcWant) {
        throw this.corrupt(`block CRC mismatch (stored ${this.blockCrcWant.toString(16)}, computed ${got.toString(16)})`);
      }
      this.streamCrc = (((this.streamCrc << 1) | (this.streamCrc >>> 31)) ^ got) >>> 0;
      this.state = S_BLOCK;
    }
  }
}
