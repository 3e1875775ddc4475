// GROMACS XTC trajectories: big-endian XDR frames, coordinates compressed with Frans van Hoesel's xdr3dfcoord scheme.
//
// Frame layout (libxdrfile xtc_header / xtc_coord, GROMACS xtcio.cpp):
//   int magic (1995; 2023 for GROMACS >= 2023 large-system files, whose byte count below is 64-bit), int natoms,
//   int step, float time, 9 floats box (rows are the box vectors, nm), int natoms (again), then
//   natoms <= 9: 3*natoms floats, uncompressed;
//   else: float precision, int minint[3], int maxint[3], int smallidx, int byte count (int64 for magic 2023),
//         the bit-packed bytes, padded to a multiple of 4.
// Scanning reads only these headers and skips the packed bytes. Positions and the box stay in nm (the file's units)
// and time in ps, exactly as GROMACS writes them.
//
// The decoder follows libxdrfile's xdrfile_decompress_coord_float: each particle is either a "large" integer triple
// (coordinates minus minint, packed as one mixed-radix number of `bitsize` bits, or as three fixed-width fields when a
// range exceeds 2^24) or part of a run of "small" triples encoded relative to the previous particle with the mixed
// radix magicints[smallidx]; a 1-bit flag plus 5 bits announce changes of the run length and of smallidx. The first
// small triple of a run was swapped with the preceding large one by the encoder (water molecules compress better),
// so it is emitted first. Values are integers divided by the precision, rounded to float32 like the reference.
import type { Box } from '../box.js';
import type { ByteSource } from './byte-source.js';
import { scanFrames, type ScanStep } from './forward-reader.js';
import { positionsOnlyFrame } from './frame-util.js';
import {
  TrajectoryError,
  type Frame,
  type FrameEntry,
  type ScanOptions,
  type ScanResult,
  type TrajectoryReader,
} from './types.js';

const XTC_MAGIC = 1995;
const XTC_NEW_MAGIC = 2023;

/** The mixed-radix bases of the small-integer encoding (fixed by the format). */
const MAGICINTS = new Int32Array([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 12, 16, 20, 25, 32, 40, 50, 64,
  80, 101, 128, 161, 203, 256, 322, 406, 512, 645, 812, 1024, 1290,
  1625, 2048, 2580, 3250, 4096, 5060, 6501, 8192, 10321, 13003,
  16384, 20642, 26007, 32768, 41285, 52015, 65536, 82570, 104031,
  131072, 165140, 208063, 262144, 330280, 416127, 524287, 660561,
  832255, 1048576, 1321122, 1664510, 2097152, 2642245, 3329021,
  4194304, 5284491, 6658042, 8388607, 10568983, 13316085, 16777216,
]);
const FIRSTIDX = 9;
const LASTIDX = MAGICINTS.length;

/** Bytes of the frame header up to and including the packed byte count (compressed frames, magic 1995). */
const HEAD = 92;

/** Number of bits needed to hold `size` (libxdrfile sizeofint). */
function sizeofint(size: number): number {
  let num = 1, bits = 0;
  while (size >= num && bits < 32) {
    bits++;
    num *= 2;
  }
  return bits;
}

/** Bit length of the product of three sizes, computed exactly in bytes (libxdrfile sizeofints). */
function sizeofints(sizes: Uint32Array): number {
  const bytes = new Uint32Array(32);
  let nbytes = 1;
  bytes[0] = 1;
  for (let i = 0; i < 3; i++) {
    let tmp = 0;
    let k = 0;
    for (; k < nbytes; k++) {
      tmp = bytes[k] * sizes[i] + tmp;
      bytes[k] = tmp & 0xff;
      tmp = Math.floor(tmp / 256);
    }
    while (tmp !== 0) {
      bytes[k++] = tmp & 0xff;
      tmp = Math.floor(tmp / 256);
    }
    nbytes = k;
  }
  let num = 1, bits = 0;
  const top = nbytes - 1;
  while (bytes[top] >= num) {
    bits++;
    num *= 2;
  }
  return bits + top * 8;
}

/** MSB-first bit reader over the packed bytes (the state of libxdrfile's decodebits: cnt, lastbits, lastbyte). */
class BitReader {
  cnt = 0;
  lastbits = 0;
  lastbyte = 0;
  constructor(readonly data: Uint8Array) {}

  /** The next `n` bits (0 <= n <= 32) as an unsigned number. Past the end reads zeros; callers check `overrun`. */
  bits(n: number): number {
    const mask = n >= 32 ? 0xffffffff : (1 << n) - 1;
    const data = this.data;
    let num = 0;
    let lastbits = this.lastbits, lastbyte = this.lastbyte, cnt = this.cnt;
    while (n >= 8) {
      lastbyte = ((lastbyte << 8) | data[cnt++]) & 0xffff;
      num |= (lastbyte >>> lastbits) << (n - 8);
      n -= 8;
    }
    if (n > 0) {
      if (lastbits < n) {
        lastbits += 8;
        lastbyte = ((lastbyte << 8) | data[cnt++]) & 0xffff;
      }
      lastbits -= n;
      num |= (lastbyte >>> lastbits) & ((1 << n) - 1);
    }
    this.lastbits = lastbits;
    this.lastbyte = lastbyte;
    this.cnt = cnt;
    return (num & mask) >>> 0;
  }

  get overrun(): boolean {
    return this.cnt > this.data.length;
  }
}

/**
 * Decode three integers packed as one mixed-radix number of `nbits` bits with radices (s0, s1, s2) (libxdrfile
 * decodeints; s0 is implicit): the number's bytes come least significant first, each read MSB-first from the bit
 * stream; dividing by s2 then s1 leaves the last two values as remainders. The bit reading is inlined (this is the
 * per-particle hot path). `bytes` is scratch space (32 entries).
 */
function decodeints(br: BitReader, nbits: number, s1: number, s2: number, bytes: Int32Array, out: Int32Array): void {
  const data = br.data;
  let cnt = br.cnt, lastbits = br.lastbits, lastbyte = br.lastbyte;
  let nbytes = 0;
  bytes[1] = bytes[2] = bytes[3] = 0;
  while (nbits > 8) {
    lastbyte = ((lastbyte << 8) | data[cnt++]) & 0xffff;
    bytes[nbytes++] = (lastbyte >>> lastbits) & 0xff;
    nbits -= 8;
  }
  if (nbits > 0) {
    if (lastbits < nbits) {
      lastbits += 8;
      lastbyte = ((lastbyte << 8) | data[cnt++]) & 0xffff;
    }
    lastbits -= nbits;
    bytes[nbytes++] = (lastbyte >>> lastbits) & ((1 << nbits) - 1);
  }
  br.cnt = cnt;
  br.lastbits = lastbits;
  br.lastbyte = lastbyte;
  // Each partial quotient is < 256 (num < size * 256), so the double division is exact enough for the floor.
  let num = 0;
  for (let j = nbytes - 1; j >= 0; j--) {
    num = num * 256 + bytes[j];
    const p = (num / s2) | 0;
    bytes[j] = p;
    num -= p * s2;
  }
  out[2] = num;
  num = 0;
  for (let j = nbytes - 1; j >= 0; j--) {
    num = num * 256 + bytes[j];
    const p = (num / s1) | 0;
    bytes[j] = p;
    num -= p * s1;
  }
  out[1] = num;
  out[0] = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
}

interface XtcHead {
  magic: number;
  natoms: number;
  step: number;
  time: number;
  box: Box;
  /** Bytes of the whole frame; -1 when the header is malformed (then `problem` says why). */
  length: number;
  problem: string | null;
}

function boxFromMatrix(b: Buffer, at: number): Box {
  const v = (k: number): number => b.readFloatBE(at + 4 * k);
  const vectors: Box['vectors'] = [[v(0), v(1), v(2)], [v(3), v(4), v(5)], [v(6), v(7), v(8)]];
  const any = vectors.some((r) => r.some((x) => x !== 0));
  return { origin: [0, 0, 0], vectors, periodic: [any, any, any] };
}

/** Parse a frame header from `b` (at least HEAD bytes, or 56 for small frames); validates what it can. */
function parseHead(b: Buffer): XtcHead {
  const magic = b.readInt32BE(0);
  const natoms = b.readInt32BE(4);
  const head: XtcHead = { magic, natoms, step: 0, time: 0, box: null as unknown as Box, length: -1, problem: null };
  if (magic !== XTC_MAGIC && magic !== XTC_NEW_MAGIC) {
    head.problem = `expected the XTC magic number 1995 (or 2023), found ${magic}`;
    return head;
  }
  if (natoms < 0) {
    head.problem = `the particle count is ${natoms}`;
    return head;
  }
  head.step = b.readInt32BE(8);
  head.time = b.readFloatBE(12);
  if (b.length < 56) {
    head.problem = 'incomplete header';
    return head;
  }
  head.box = boxFromMatrix(b, 16);
  const n2 = b.readInt32BE(52);
  if (n2 !== natoms) {
    head.problem = `the coordinate block is for ${n2} particles, the frame header says ${natoms}`;
    return head;
  }
  if (natoms <= 9) {
    head.length = 56 + 12 * natoms;
    return head;
  }
  const need = magic === XTC_NEW_MAGIC ? HEAD + 4 : HEAD;
  if (b.length < need) {
    head.problem = 'incomplete header';
    return head;
  }
  let nbytes: number;
  if (magic === XTC_NEW_MAGIC) nbytes = b.readInt32BE(88) * 2 ** 32 + b.readUInt32BE(92);
  else nbytes = b.readInt32BE(88);
  // A packed triple never needs more than 3 * 32 bits plus the run flags; anything beyond is not a valid count.
  if (nbytes < 0 || nbytes > 16 * natoms + 64) {
    head.problem = `the packed coordinate byte count is ${nbytes} for ${natoms} particles`;
    return head;
  }
  head.length = need + Math.ceil(nbytes / 4) * 4;
  return head;
}

export class XtcReader implements TrajectoryReader {
  readonly format = 'xtc' as const;
  readonly path: string;
  // Scratch reused across frames (no per-particle or per-call allocation in the decoder).
  private readonly scratch = new Int32Array(32);
  private readonly triple = new Int32Array(3);

  constructor(private readonly source: ByteSource) {
    this.path = source.path;
    const b = source.read(0, 4);
    if (b.length === 4 && b.readInt32BE(0) !== XTC_MAGIC && b.readInt32BE(0) !== XTC_NEW_MAGIC) {
      throw new TrajectoryError(`${this.path}: byte 0: expected the XTC magic number 1995, found ${b.readInt32BE(0)} (not an XTC file?)`, this.path, { offset: 0 });
    }
  }

  scan(options: ScanOptions = {}): ScanResult {
    const path = this.path;
    const start = options.fromOffset ?? 0;
    return scanFrames(this.source, options, start, options.fromFrame ?? 0, (fr, off, k): ScanStep => {
      const hb = fr.get(off, HEAD + 4);
      if (hb.length === 0) return null;
      const truncated = (have: number, need: number): ScanStep => ({ damage: {
        kind: 'truncated', offset: off, frame: k, line: null,
        message: `${path}: XTC frame ${k} at byte ${off} is truncated: expected ${need} bytes, the file ends after ${have}`,
      } });
      if (hb.length < 56) {
        // Too short even for the header: corrupt if the magic is wrong, else truncated.
        if (hb.length >= 4 && hb.readInt32BE(0) !== XTC_MAGIC && hb.readInt32BE(0) !== XTC_NEW_MAGIC) {
          return { damage: { kind: 'corrupt', offset: off, frame: k, line: null,
            message: `${path}: XTC frame ${k} at byte ${off}: expected the XTC magic number 1995, found ${hb.readInt32BE(0)}` } };
        }
        return truncated(hb.length, 56);
      }
      const h = parseHead(hb);
      if (h.problem === 'incomplete header') return truncated(hb.length, h.magic === XTC_NEW_MAGIC ? HEAD + 4 : HEAD);
      if (h.problem !== null) {
        return { damage: { kind: 'corrupt', offset: off, frame: k, line: null, message: `${path}: XTC frame ${k} at byte ${off}: ${h.problem}` } };
      }
      if (!fr.has(off + h.length)) return truncated(fr.streamEnd - off, h.length);
      return { entry: { offset: off, length: h.length, timestep: h.step, time: h.time, n: h.natoms, box: h.box } };
    });
  }

  readFrame(entry: FrameEntry, index: number): Frame {
    const path = this.path;
    const fail = (msg: string, at: number): never => {
      throw new TrajectoryError(`${path}: XTC frame ${index} (byte ${entry.offset + at}): ${msg}`, path, { frame: index, offset: entry.offset + at });
    };
    const buf = this.source.read(entry.offset, entry.length);
    if (buf.length < entry.length) fail(`expected ${entry.length} bytes, the file has only ${buf.length} (was it truncated?)`, buf.length);
    if (buf.length < 56) fail('the frame is shorter than an XTC header', 0);
    const h = parseHead(buf);
    if (h.problem !== null) fail(h.problem, 0);
    if (h.length !== entry.length) fail(`the frame is ${h.length} bytes, the index says ${entry.length} (the file changed since it was scanned)`, 0);
    const n = h.natoms;
    const positions = new Float64Array(3 * n);
    if (n <= 9) {
      for (let i = 0; i < 3 * n; i++) positions[i] = buf.readFloatBE(56 + 4 * i);
    } else {
      this.decompress(buf, h.magic === XTC_NEW_MAGIC, n, positions, fail);
    }
    return positionsOnlyFrame(index, h.step, h.time, h.box, positions);
  }

  /** xdr3dfcoord decompression of a frame buffer into `out` (n*3, nm, float32-rounded). */
  private decompress(buf: Buffer, long: boolean, n: number, out: Float64Array, fail: (msg: string, at: number) => never): void {
    const precision = buf.readFloatBE(56);
    if (!(precision > 0) || !Number.isFinite(precision)) fail(`the precision is ${precision}`, 56);
    const minint0 = buf.readInt32BE(60), minint1 = buf.readInt32BE(64), minint2 = buf.readInt32BE(68);
    const maxint0 = buf.readInt32BE(72), maxint1 = buf.readInt32BE(76), maxint2 = buf.readInt32BE(80);
    const sizeint = new Uint32Array([maxint0 - minint0 + 1, maxint1 - minint1 + 1, maxint2 - minint2 + 1]);
    if (sizeint[0] === 0 || sizeint[1] === 0 || sizeint[2] === 0 || maxint0 < minint0 || maxint1 < minint1 || maxint2 < minint2) {
      fail(`the integer ranges [${minint0}, ${maxint0}] x [${minint1}, ${maxint1}] x [${minint2}, ${maxint2}] are empty`, 60);
    }
    let bitsize = 0;
    let b0 = 0, b1 = 0, b2 = 0;
    if ((sizeint[0] | sizeint[1] | sizeint[2]) > 0xffffff) {
      b0 = sizeofint(sizeint[0]);
      b1 = sizeofint(sizeint[1]);
      b2 = sizeofint(sizeint[2]);
    } else {
      bitsize = sizeofints(sizeint);
    }
    let smallidx = buf.readInt32BE(84);
    if (smallidx < FIRSTIDX || smallidx >= LASTIDX) fail(`smallidx is ${smallidx}, expected ${FIRSTIDX}..${LASTIDX - 1}`, 84);
    const dataAt = long ? 96 : 92;
    const nbytes = long ? buf.readInt32BE(88) * 2 ** 32 + buf.readUInt32BE(92) : buf.readInt32BE(88);
    const br = new BitReader(new Uint8Array(buf.buffer, buf.byteOffset + dataAt, nbytes));

    let smaller = (MAGICINTS[Math.max(FIRSTIDX, smallidx - 1)] / 2) | 0;
    let smallnum = (MAGICINTS[smallidx] / 2) | 0;
    let sizesmall = MAGICINTS[smallidx];
    const inv = Math.fround(1 / precision);
    const f = Math.fround;
    const scratch = this.scratch;
    const tc = this.triple;
    const s1 = sizeint[1], s2 = sizeint[2];
    const total = 3 * n;
    let o = 0; // floats written
    let i = 0; // particles decoded
    let run = 0;
    while (i < n) {
      if (bitsize === 0) {
        tc[0] = br.bits(b0);
        tc[1] = br.bits(b1);
        tc[2] = br.bits(b2);
      } else {
        decodeints(br, bitsize, s1, s2, scratch, tc);
      }
      i++;
      let p0 = tc[0] + minint0, p1 = tc[1] + minint1, p2 = tc[2] + minint2;
      const flag = br.bits(1);
      let isSmaller = 0;
      if (flag === 1) {
        run = br.bits(5);
        isSmaller = run % 3;
        run -= isSmaller;
        isSmaller--;
      }
      if (run > 0) {
        if (o + run + 3 > total) fail(`the packed coordinates hold more than ${n} particles (a run of ${run / 3} after particle ${i})`, dataAt + br.cnt);
        for (let k = 0; k < run; k += 3) {
          decodeints(br, smallidx, sizesmall, sizesmall, scratch, tc);
          i++;
          const t0 = tc[0] + p0 - smallnum, t1 = tc[1] + p1 - smallnum, t2 = tc[2] + p2 - smallnum;
          if (k === 0) {
            // The encoder swapped this particle with the preceding large one: emit it first.
            out[o++] = f(f(t0) * inv);
            out[o++] = f(f(t1) * inv);
            out[o++] = f(f(t2) * inv);
            out[o++] = f(f(p0) * inv);
            out[o++] = f(f(p1) * inv);
            out[o++] = f(f(p2) * inv);
          } else {
            out[o++] = f(f(t0) * inv);
            out[o++] = f(f(t1) * inv);
            out[o++] = f(f(t2) * inv);
          }
          p0 = t0; p1 = t1; p2 = t2;
        }
      } else {
        if (o + 3 > total) fail(`the packed coordinates hold more than ${n} particles`, dataAt + br.cnt);
        out[o++] = f(f(p0) * inv);
        out[o++] = f(f(p1) * inv);
        out[o++] = f(f(p2) * inv);
      }
      smallidx += isSmaller;
      if (isSmaller < 0) {
        smallnum = smaller;
        smaller = smallidx > FIRSTIDX ? (MAGICINTS[smallidx - 1] / 2) | 0 : 0;
      } else if (isSmaller > 0) {
        smaller = smallnum;
        smallnum = (MAGICINTS[smallidx] / 2) | 0;
      }
      if (smallidx < FIRSTIDX || smallidx >= LASTIDX) {
        fail(`the small-integer index left the table (${smallidx}) after particle ${i}: corrupt packed coordinates`, dataAt + br.cnt);
      }
      sizesmall = MAGICINTS[smallidx];
      if (br.overrun) fail(`the packed coordinates end early (${nbytes} bytes) after particle ${i} of ${n}`, dataAt + nbytes);
    }
    if (o !== total) fail(`decoded ${o / 3} particles, expected ${n}`, dataAt);
  }

  /** The compressed source's seek index, persisted by the trajectory index (null for plain files). */
  seekIndex(): Buffer | null {
    return this.source.exportSeekIndex();
  }

  close(): void {
    this.source.close();
  }
}
