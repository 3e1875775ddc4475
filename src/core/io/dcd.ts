// DCD binary trajectories (CHARMM, NAMD, X-PLOR, LAMMPS `dump dcd`, MDAnalysis): Fortran unformatted records, each
// framed by a length marker before and after (4-byte markers, or 8-byte ones from some compilers), either endianness.
//
// Layout (following VMD's readdcd.h, which MDAnalysis and mdtraj use, and LAMMPS's dump_dcd.cpp):
//   record 1 (84 bytes): "CORD", then 20 int32 ICNTRL: [0] NSET frames, [1] ISTART first step, [2] NSAVC steps between
//     frames, [8] NAMNF fixed atoms, [9] DELTA (float32 for CHARMM; X-PLOR stores a float64 over [9..10]),
//     [10] unit cell present in every frame, [11] 4th dimension present, [19] CHARMM version (nonzero = CHARMM-style;
//     LAMMPS and MDAnalysis write 24).
//   record 2: NTITLE int32 + NTITLE 80-byte title lines.
//   record 3: NATOM int32.
//   record 4 (only when NAMNF > 0): the 1-based indices of the N - NAMNF free atoms.
//   each frame: [unit cell record: 6 float64] then X, Y, Z records of float32 [then a 4th record when flagged].
//   The first frame holds all N atoms; when NAMNF > 0 later frames hold only the free atoms (fixed atoms keep their
//   first-frame coordinates).
// The unit cell is [A, gamma, B, beta, alpha, C]: CHARMM, NAMD >= 2.5 and LAMMPS store the angles as cosines, NAMD 2.5
// and MDAnalysis's writer as degrees; like VMD we take cosines when all three lie in [-1, 1].
// Coordinates and times are in the file's units (Angstrom and AKMA time for CHARMM/NAMD; LAMMPS units for LAMMPS).
import type { Box, Vec3 } from '../box.js';
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

/** Lengths and angles (cosines, or degrees when `degrees`) -> box vectors with a along x and b in the xy plane. */
function boxFromCell(u: Float64Array): Box {
  const A = u[0], B = u[2], C = u[5];
  if (!(A > 0 && B > 0 && C > 0)) {
    return { origin: [0, 0, 0], vectors: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], periodic: [false, false, false] };
  }
  const cosines = Math.abs(u[1]) <= 1 && Math.abs(u[3]) <= 1 && Math.abs(u[4]) <= 1;
  const cosDeg = (d: number): number => (d === 90 ? 0 : Math.cos((d * Math.PI) / 180));
  const cg = cosines ? u[1] : cosDeg(u[1]);
  const cb = cosines ? u[3] : cosDeg(u[3]);
  const ca = cosines ? u[4] : cosDeg(u[4]);
  const sg = Math.sqrt(Math.max(0, 1 - cg * cg));
  const cx = C * cb;
  const cy = sg !== 0 ? (C * (ca - cb * cg)) / sg : 0;
  const cz = Math.sqrt(Math.max(0, C * C - cx * cx - cy * cy));
  const vectors: [Vec3, Vec3, Vec3] = [[A, 0, 0], [B * cg, B * sg, 0], [cx, cy, cz]];
  return { origin: [0, 0, 0], vectors, periodic: [true, true, true] };
}

interface DcdHeader {
  little: boolean;
  /** Record marker size: 4, or 8 for files from compilers with 64-bit record lengths. */
  m: 4 | 8;
  nset: number;
  istart: number;
  nsavc: number;
  delta: number;
  charmmVersion: number;
  hasCell: boolean;
  has4d: boolean;
  natoms: number;
  nfixed: number;
  /** 0-based indices of the free atoms (only when nfixed > 0). */
  free: Int32Array | null;
  titles: string[];
  /** Offset of the first frame. */
  headerSize: number;
  /** Bytes of the first frame (all atoms) and of each later one (free atoms only). */
  size0: number;
  size1: number;
}

export class DcdReader implements TrajectoryReader {
  readonly format = 'dcd' as const;
  readonly path: string;
  readonly header: DcdHeader;
  /** First-frame positions, kept for files with fixed atoms. */
  private fixedPositions: Float64Array | null = null;

  constructor(private readonly source: ByteSource) {
    this.path = source.path;
    this.header = this.readHeader();
  }

  private fail(message: string, offset: number, frame?: number): never {
    const where = frame !== undefined ? `frame ${frame}, byte ${offset}` : `header, byte ${offset}`;
    throw new TrajectoryError(`${this.path}: DCD ${where}: ${message}`, this.path, frame !== undefined ? { frame, offset } : { offset });
  }

  private readHeader(): DcdHeader {
    const src = this.source;
    const head = src.read(0, 104);
    if (head.length < 104) this.fail(`the file is too short for a DCD header (${head.length} bytes)`, 0);
    let little: boolean, m: 4 | 8;
    if (head.readInt32LE(0) === 84 && head.toString('latin1', 4, 8) === 'CORD') { little = true; m = 4; }
    else if (head.readInt32BE(0) === 84 && head.toString('latin1', 4, 8) === 'CORD') { little = false; m = 4; }
    else if (head.readInt32LE(0) === 84 && head.readInt32LE(4) === 0 && head.toString('latin1', 8, 12) === 'CORD') { little = true; m = 8; }
    else if (head.readInt32BE(4) === 84 && head.readInt32BE(0) === 0 && head.toString('latin1', 8, 12) === 'CORD') { little = false; m = 8; }
    else if (head.toString('latin1', 4, 8) === 'VELD' || head.toString('latin1', 8, 12) === 'VELD') {
      return this.fail('this is a velocity DCD ("VELD"), not coordinates ("CORD")', 4);
    } else {
      return this.fail('expected a first record of 84 bytes starting with "CORD" (not a DCD file?)', 0);
    }
    const i32 = (b: Buffer, at: number): number => (little ? b.readInt32LE(at) : b.readInt32BE(at));
    const marker = (b: Buffer, at: number): number =>
      m === 4 ? i32(b, at) : little ? b.readUInt32LE(at) + b.readInt32LE(at + 4) * 2 ** 32 : b.readUInt32BE(at + 4) + b.readInt32BE(at) * 2 ** 32;
    const blk = m; // start of the 84-byte record payload
    const ic = (k: number): number => i32(head, blk + 4 + 4 * k);
    const charmmVersion = ic(19);
    const charmm = charmmVersion !== 0;
    const nset = ic(0), istart = ic(1), nsavc = ic(2), nfixed = ic(8);
    const delta = charmm
      ? (little ? head.readFloatLE(blk + 40) : head.readFloatBE(blk + 40))
      : (little ? head.readDoubleLE(blk + 40) : head.readDoubleBE(blk + 40));
    const hasCell = charmm && ic(10) !== 0;
    const has4d = charmm && ic(11) === 1;
    if (marker(head, blk + 84) !== 84) this.fail(`the first record's closing marker is ${marker(head, blk + 84)}, expected 84`, blk + 84);

    // Title record. Like VMD, trust NTITLE over the record length: MDAnalysis's writer stores 3 title lines (240 bytes)
    // under a record length of 164.
    let pos = blk + 84 + m;
    const tb = src.read(pos, 2 * m + 8);
    if (tb.length < m + 4) this.fail('the file ends inside the title record', pos);
    const tlen = marker(tb, 0);
    if (tlen < 4 || (tlen - 4) % 80 !== 0) this.fail(`the title record length is ${tlen}, expected 4 + 80 * NTITLE`, pos);
    const ntitle = i32(tb, m);
    if (ntitle < 0 || ntitle > 10000) this.fail(`NTITLE is ${ntitle}`, pos + m);
    const tbytes = src.read(pos + m + 4, ntitle * 80);
    if (tbytes.length < ntitle * 80) this.fail('the file ends inside the title record', pos + m + 4);
    const titles: string[] = [];
    for (let k = 0; k < ntitle; k++) titles.push(tbytes.toString('latin1', k * 80, k * 80 + 80).replace(/[\0 ]+$/, ''));
    pos += m + 4 + ntitle * 80 + m;

    // NATOM record.
    const nb = src.read(pos, 2 * m + 4);
    if (nb.length < 2 * m + 4) this.fail('the file ends before the atom count record', pos);
    if (marker(nb, 0) !== 4 || marker(nb, m + 4) !== 4) {
      this.fail(`expected the atom count record (length 4), found record markers ${marker(nb, 0)} / ${marker(nb, m + 4)}`, pos);
    }
    const natoms = i32(nb, m);
    if (natoms < 0 || natoms > 0x7fffffff / 12) this.fail(`the atom count is ${natoms}`, pos + m);
    pos += 2 * m + 4;

    if (nfixed < 0 || nfixed > natoms) this.fail(`NAMNF (fixed atoms) is ${nfixed} with ${natoms} atoms`, blk + 4 + 32);
    let free: Int32Array | null = null;
    const nfree = natoms - nfixed;
    if (nfixed > 0) {
      if (src.size !== null && pos + 2 * m + 4 * nfree > src.size) this.fail('the file ends inside the free-atom index record', pos);
      const fb = src.read(pos, 2 * m + 4 * nfree);
      if (fb.length < 2 * m + 4 * nfree) this.fail('the file ends inside the free-atom index record', pos);
      if (marker(fb, 0) !== 4 * nfree || marker(fb, m + 4 * nfree) !== 4 * nfree) {
        this.fail(`the free-atom index record has length ${marker(fb, 0)}, expected ${4 * nfree} (${nfree} free atoms)`, pos);
      }
      free = new Int32Array(nfree);
      for (let k = 0; k < nfree; k++) {
        const idx = i32(fb, m + 4 * k) - 1;
        if (idx < 0 || idx >= natoms) this.fail(`free atom index ${idx + 1} is outside 1..${natoms}`, pos + m + 4 * k);
        free[k] = idx;
      }
      pos += 2 * m + 4 * nfree;
    }
    const cell = hasCell ? 2 * m + 48 : 0;
    const dims = has4d ? 4 : 3;
    const size0 = cell + dims * (2 * m + 4 * natoms);
    const size1 = cell + dims * (2 * m + 4 * nfree);
    return { little, m, nset, istart, nsavc, delta, charmmVersion, hasCell, has4d, natoms, nfixed, free, titles, headerSize: pos, size0, size1 };
  }

  private frameOffset(k: number): number {
    const h = this.header;
    return k === 0 ? h.headerSize : h.headerSize + h.size0 + (k - 1) * h.size1;
  }

  private timestepOf(k: number): number {
    const h = this.header;
    return h.istart + k * (h.nsavc > 0 ? h.nsavc : 1);
  }

  private marker(b: Buffer, at: number): number {
    const { m, little } = this.header;
    if (m === 4) return little ? b.readInt32LE(at) : b.readInt32BE(at);
    return little ? b.readUInt32LE(at) + b.readInt32LE(at + 4) * 2 ** 32 : b.readUInt32BE(at + 4) + b.readInt32BE(at) * 2 ** 32;
  }

  private cellFrom(b: Buffer, at: number): Box {
    const u = new Float64Array(6);
    const little = this.header.little;
    for (let k = 0; k < 6; k++) u[k] = little ? b.readDoubleLE(at + 8 * k) : b.readDoubleBE(at + 8 * k);
    return boxFromCell(u);
  }

  scan(options: ScanOptions = {}): ScanResult {
    const h = this.header;
    const path = this.path;
    options.signal?.throwIfAborted();
    let first = options.fromFrame ?? 0;
    if (options.fromFrame === undefined && options.fromOffset !== undefined && options.fromOffset > h.headerSize) {
      const rel = options.fromOffset - h.headerSize - h.size0;
      first = h.size1 > 0 ? 1 + Math.round(rel / h.size1) : 1;
    }
    const start = this.frameOffset(first);
    if (options.fromOffset !== undefined && options.fromOffset !== start && !(first === 0 && options.fromOffset === 0)) {
      throw new TrajectoryError(
        `${path}: cannot resume the DCD scan at byte ${options.fromOffset} (frame ${first} starts at byte ${start}); rescan from the start`,
        path, { frame: first, offset: options.fromOffset });
    }
    const { m } = h;
    const cellLen = h.hasCell ? 2 * m + 48 : 0;
    // Frames are back to back, so `off` (where the previous frame ended) is frameOffset(k).
    return scanFrames(this.source, options, start, first, (fr, off, k): ScanStep => {
      const size = k === 0 ? h.size0 : h.size1;
      const nrec = k === 0 ? h.natoms : h.natoms - h.nfixed;
      const hb = fr.get(off, cellLen + m);
      if (hb.length === 0) return null; // clean end of file
      if (hb.length < cellLen + m) {
        return { damage: { kind: 'truncated', offset: off, frame: k, line: null,
          message: `${path}: DCD frame ${k} at byte ${off} is truncated: expected ${size} bytes, the file ends after ${hb.length}` } };
      }
      let box: Box;
      if (h.hasCell) {
        const l0 = this.marker(hb, 0), l1 = this.marker(hb, m + 48);
        if (l0 !== 48 || l1 !== 48) {
          return { damage: { kind: 'corrupt', offset: off, frame: k, line: null,
            message: `${path}: DCD frame ${k} at byte ${off}: expected a unit cell record of 48 bytes, found record markers ${l0} / ${l1}` } };
        }
        box = this.cellFrom(hb, m);
      } else {
        box = { origin: [0, 0, 0], vectors: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], periodic: [false, false, false] };
      }
      const lx = this.marker(hb, cellLen);
      if (lx !== 4 * nrec) {
        return { damage: { kind: 'corrupt', offset: off, frame: k, line: null,
          message: `${path}: DCD frame ${k} at byte ${off + cellLen}: expected an X coordinate record of ${4 * nrec} bytes (${nrec} atoms), found record marker ${lx}` } };
      }
      if (!fr.has(off + size)) {
        const have = fr.streamEnd - off;
        return { damage: { kind: 'truncated', offset: off, frame: k, line: null,
          message: `${path}: DCD frame ${k} at byte ${off} is truncated: expected ${size} bytes, the file ends after ${have}` } };
      }
      const timestep = this.timestepOf(k);
      return { entry: { offset: off, length: size, timestep, time: timestep * h.delta, n: h.natoms, box } };
    });
  }

  /**
   * Read the X, Y, Z records at `at` (each `count` float32 values) into the interleaved `out` (n*3), at particle
   * `slots[k]` for value k when given (free atoms), else at particle k.
   */
  private readXYZ(buf: Buffer, at: number, count: number, out: Float64Array, slots: Int32Array | null, index: number, frameOffset: number): void {
    const { m, little } = this.header;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    for (let d = 0; d < 3; d++) {
      const l0 = at + m <= buf.length ? this.marker(buf, at) : -1;
      const l1 = at + m + 4 * count + m <= buf.length ? this.marker(buf, at + m + 4 * count) : -1;
      if (l0 !== 4 * count || l1 !== 4 * count) {
        this.fail(`expected a ${'XYZ'[d]} coordinate record of ${4 * count} bytes (${count} atoms), found record markers ${l0} / ${l1}`, frameOffset + at, index);
      }
      at += m;
      if (slots) {
        for (let k = 0; k < count; k++) out[3 * slots[k] + d] = dv.getFloat32(at + 4 * k, little);
      } else {
        for (let k = 0, o = d; k < count; k++, o += 3) out[o] = dv.getFloat32(at + 4 * k, little);
      }
      at += 4 * count + m;
    }
  }

  /** First-frame positions (kept for files with fixed atoms, whose later frames store only the free ones). */
  private firstFramePositions(): Float64Array {
    if (!this.fixedPositions) {
      const h = this.header;
      const buf = this.source.read(h.headerSize, h.size0);
      if (buf.length < h.size0) this.fail('the first frame (which holds the fixed atoms) is truncated', h.headerSize, 0);
      const pos = new Float64Array(3 * h.natoms);
      this.readXYZ(buf, h.hasCell ? 2 * h.m + 48 : 0, h.natoms, pos, null, 0, h.headerSize);
      this.fixedPositions = pos;
    }
    return this.fixedPositions;
  }

  readFrame(entry: FrameEntry, index: number): Frame {
    const h = this.header;
    const n = h.natoms;
    const buf = this.source.read(entry.offset, entry.length);
    if (buf.length < entry.length) {
      this.fail(`expected ${entry.length} bytes, the file has only ${buf.length} (was it truncated?)`, entry.offset, index);
    }
    const first = entry.offset === h.headerSize;
    const count = first ? n : n - h.nfixed;
    if (entry.length !== (first ? h.size0 : h.size1)) {
      this.fail(`the index entry has length ${entry.length}, the header implies ${first ? h.size0 : h.size1} (the file changed since it was scanned)`, entry.offset, index);
    }
    let at = 0;
    let box: Box = entry.box;
    if (h.hasCell) {
      const l0 = this.marker(buf, 0), l1 = this.marker(buf, h.m + 48);
      if (l0 !== 48 || l1 !== 48) this.fail(`expected a unit cell record of 48 bytes, found record markers ${l0} / ${l1}`, entry.offset, index);
      box = this.cellFrom(buf, h.m);
      at = 2 * h.m + 48;
    }
    let positions: Float64Array;
    if (count === n) {
      positions = new Float64Array(3 * n);
      this.readXYZ(buf, at, n, positions, null, index, entry.offset);
    } else {
      positions = Float64Array.from(this.firstFramePositions());
      this.readXYZ(buf, at, count, positions, h.free, index, entry.offset);
    }
    return positionsOnlyFrame(index, entry.timestep, entry.time, box, positions);
  }

  /** The compressed source's seek index, persisted by the trajectory index (null for plain files). */
  seekIndex(): Buffer | null {
    return this.source.exportSeekIndex();
  }

  close(): void {
    this.source.close();
  }
}
