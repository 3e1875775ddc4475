// LAMMPS text dump reader (`dump atom` / `dump custom`).
//
// Scan: parse each frame's short header (TIMESTEP, NUMBER OF ATOMS, BOX BOUNDS, ATOMS, optional UNITS/TIME),
// then jump to the next frame with Buffer.indexOf('ITEM: TIMESTEP') over large chunks; atom lines are never
// parsed at scan time. Only the last frame is checked for completeness (it must hold n atom lines).
// readFrame: parses the frame's bytes directly (hand-written number parser, exact for decimal inputs up to
// 15 significant digits, `Number()` on the token otherwise) into structure-of-arrays sorted by id.
import { boxFromLammpsBounds, type Box } from '../box.js';
import { ChunksUntilDamage, withStreamDamage, type ByteSource } from './byte-source.js';
import { flatZ } from './frame-util.js';
import { COORD_KINDS, CoordinateError, resolvePositions } from './lammps-coordinates.js';
import { idOrder, permute } from './sort-by-id.js';
import {
  TrajectoryError,
  type Frame,
  type FrameEntry,
  type ScanDamage,
  type ScanOptions,
  type ScanResult,
  type TrajectoryReader,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------
// Numbers

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const MAX_EXACT = 9007199254740991;

/** End (exclusive) of the token read by the last `parseDecimal` call. */
let numEnd = 0;

/**
 * Parses the decimal number starting at `p` (no leading whitespace) and ending at whitespace or `end`.
 * Accepts an optional sign, digits with an optional point, and an exponent introduced by e, E, d or D.
 * Returns NaN for anything else (nan, inf, junk); the token end is left in `numEnd`.
 * Exact (correctly rounded) for every input: when the digits form an integer below 2^53 (at least 15
 * significant digits) and the decimal exponent is within +-22 it uses one exact multiplication or division
 * (Clinger's fast path), otherwise `Number(token)`.
 */
export function parseDecimal(b: Uint8Array, p: number, end: number): number {
  const start = p;
  let c = p < end ? b[p] : 0;
  let neg = false;
  if (c === 45) {
    neg = true;
    c = ++p < end ? b[p] : 0;
  } else if (c === 43) {
    c = ++p < end ? b[p] : 0;
  }
  let mant = 0;
  let exp = 0;
  let nd = 0;
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    nd++;
    c = ++p < end ? b[p] : 0;
  }
  if (c === 46) {
    c = ++p < end ? b[p] : 0;
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      nd++;
      exp--;
      c = ++p < end ? b[p] : 0;
    }
  }
  if (nd === 0) {
    numEnd = p;
    return NaN;
  }
  let fortran = false;
  if (c === 101 || c === 69 || c === 100 || c === 68) {
    fortran = c === 100 || c === 68;
    c = ++p < end ? b[p] : 0;
    let eneg = false;
    if (c === 45) {
      eneg = true;
      c = ++p < end ? b[p] : 0;
    } else if (c === 43) {
      c = ++p < end ? b[p] : 0;
    }
    let e = 0;
    let ed = 0;
    while (c >= 48 && c <= 57) {
      if (e < 100000) e = e * 10 + (c - 48);
      ed++;
      c = ++p < end ? b[p] : 0;
    }
    if (ed === 0) {
      numEnd = p;
      return NaN;
    }
    exp += eneg ? -e : e;
  }
  numEnd = p;
  if (p < end && c !== 32 && c !== 9 && c !== 13 && c !== 10) return NaN;
  if (mant === 0) return neg ? -0 : 0;
  // Every partial sum below 2^53 was exact, so the mantissa is exact: one correctly rounded operation.
  if (mant <= MAX_EXACT && exp >= -22 && exp <= 22) {
    const v = exp >= 0 ? mant * POW10[exp] : mant / POW10[-exp];
    return neg ? -v : v;
  }
  return slowNumber(b, start, p, fortran);
}

function slowNumber(b: Uint8Array, start: number, stop: number, fortran: boolean): number {
  const buf = b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let s = buf.toString('latin1', start, stop);
  if (fortran) s = s.replace(/[dD]/, 'e');
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/;
const INTEGER_RE = /^[+-]?\d+$/;

function decimalFromString(s: string): number {
  if (!DECIMAL_RE.test(s)) return NaN;
  const v = Number(s.replace(/[dD]/, 'e'));
  return Number.isFinite(v) ? v : NaN;
}

// ---------------------------------------------------------------------------------------------------------
// Header

export interface LammpsHeader {
  timestep: number;
  /** `ITEM: TIME` value, else null. */
  time: number | null;
  /** `ITEM: UNITS` value, else null (LAMMPS writes it in the first frame only). */
  units: string | null;
  n: number;
  box: Box;
  triclinic: boolean;
  /** Boundary flags from the BOX BOUNDS line (e.g. ['pp','pp','ff']), null when the line has none. */
  boundary: string[] | null;
  /** Column names of the ITEM: ATOMS line, as written. */
  columns: string[];
  /** Index in the parsed buffer of the first byte after the ITEM: ATOMS line. */
  dataStart: number;
  /** Lines from `start` through the ITEM: ATOMS line. */
  lines: number;
}

export type LammpsHeaderResult =
  | { status: 'ok'; header: LammpsHeader }
  /** The bytes end before the ITEM: ATOMS line is complete (only when `atEnd` is false, or a truncated file). */
  | { status: 'incomplete'; expected: string }
  /** `offset` is the index in the buffer of the offending line's start. */
  | { status: 'error'; message: string; offset: number };

/** Largest plausible header (bytes): past this without an ITEM: ATOMS line the frame is corrupt. */
const MAX_HEADER = 1 << 20;

/**
 * Parses one LAMMPS dump frame header from `buf[start..end)`: the ITEM blocks up to and including the
 * `ITEM: ATOMS` line. With `atEnd`, a last line without a newline still counts as a line.
 */
export function parseLammpsHeader(buf: Buffer, start: number, end: number, atEnd: boolean): LammpsHeaderResult {
  let pos = start;
  let lines = 0;
  let lineStart = start;
  /** The last line read had no newline (the end of the stream, with `atEnd`). */
  let unterminated = false;
  /** Reads the next line as a trimmed string; null when it is not complete in the buffer. */
  const nextLine = (): string | null => {
    if (pos >= end) return null;
    let nl = buf.indexOf(10, pos);
    if (nl < 0 || nl >= end) {
      if (!atEnd) return null;
      nl = end;
      unterminated = true;
    }
    lineStart = pos;
    const s = buf.toString('latin1', pos, nl).trim();
    pos = nl + 1;
    lines++;
    return s;
  };
  const incomplete = (expected: string) => ({ status: 'incomplete' as const, expected });
  // A bad last line without its newline is most likely cut short: report the header as incomplete.
  const err = (message: string): LammpsHeaderResult =>
    unterminated ? incomplete(`a complete line in place of the cut line "${clip(buf.toString('latin1', lineStart, end).trim())}"`) : { status: 'error', message, offset: lineStart };

  let timestep: number | null = null;
  let time: number | null = null;
  let units: string | null = null;
  let n: number | null = null;
  let box: Box | null = null;
  let triclinic = false;
  let boundary: string[] | null = null;
  for (;;) {
    if (pos - start > MAX_HEADER) return err('expected an "ITEM: ATOMS" line within 1 MB of the frame start');
    const line = nextLine();
    if (line === null) return incomplete(timestep === null ? '"ITEM: TIMESTEP"' : '"ITEM: ATOMS"');
    if (line === '') continue;
    if (!line.startsWith('ITEM:')) {
      return err(`expected an "ITEM:" line (TIMESTEP, NUMBER OF ATOMS, BOX BOUNDS or ATOMS) but found "${clip(line)}"`);
    }
    const item = line.slice(5).trim();
    if (item === 'TIMESTEP') {
      if (timestep !== null) return err('found a second "ITEM: TIMESTEP" before "ITEM: ATOMS"');
      const v = nextLine();
      if (v === null) return incomplete('the timestep value');
      if (!INTEGER_RE.test(v)) return err(`expected an integer timestep but found "${clip(v)}"`);
      timestep = Number(v);
    } else if (item === 'NUMBER OF ATOMS') {
      const v = nextLine();
      if (v === null) return incomplete('the number of atoms');
      if (!INTEGER_RE.test(v) || Number(v) < 0 || Number(v) > 0x7fffffff) {
        return err(`expected a non-negative integer number of atoms but found "${clip(v)}"`);
      }
      n = Number(v);
    } else if (item === 'TIME') {
      const v = nextLine();
      if (v === null) return incomplete('the time value');
      time = decimalFromString(v);
      if (Number.isNaN(time)) return err(`expected a finite number for ITEM: TIME but found "${clip(v)}"`);
    } else if (item === 'UNITS') {
      const v = nextLine();
      if (v === null) return incomplete('the units value');
      units = v;
    } else if (item.startsWith('BOX BOUNDS')) {
      const words = item.slice(10).trim().split(/\s+/).filter((w) => w !== '');
      if (words.includes('abc') || words.includes('origin')) {
        return err('general triclinic boxes ("BOX BOUNDS abc origin") are not supported; expected "BOX BOUNDS [xy xz yz] [flags]"');
      }
      const flags = words.filter((w) => w !== 'xy' && w !== 'xz' && w !== 'yz');
      let tiltHeader = words.includes('xy');
      if (flags.length !== 0 && flags.length !== 3) return err(`expected three boundary flags (e.g. "pp pp pp") but found "${clip(item)}"`);
      for (const f of flags) {
        if (!/^[pfsm]{1,2}$/.test(f)) return err(`expected boundary flags made of p, f, s, m (e.g. "pp pp ff") but found "${f}"`);
      }
      boundary = flags.length === 3 ? flags : null;
      const bounds: [number, number][] = [];
      const tilt: number[] = [];
      for (let axis = 0; axis < 3; axis++) {
        const v = nextLine();
        if (v === null) return incomplete(`box bounds line ${axis + 1} of 3`);
        const parts = v.split(/\s+/);
        const nums = parts.map(decimalFromString);
        if ((parts.length !== 2 && parts.length !== 3) || nums.some((x) => Number.isNaN(x))) {
          return err(`expected ${tiltHeader ? 'three' : 'two'} finite numbers (${['xlo xhi', 'ylo yhi', 'zlo zhi'][axis]}${tiltHeader ? ' ' + ['xy', 'xz', 'yz'][axis] : ''}) on box bounds line ${axis + 1} but found "${clip(v)}"`);
        }
        if (parts.length === 2 && tiltHeader) return err(`expected a tilt factor (${['xy', 'xz', 'yz'][axis]}) as the third number on box bounds line ${axis + 1}`);
        if (parts.length === 3 && !tiltHeader && axis > 0) return err(`expected two numbers on box bounds line ${axis + 1} but found three`);
        if (parts.length === 3) tiltHeader = true; // three numbers without "xy xz yz" on the header line: still tilt
        bounds.push([nums[0], nums[1]]);
        if (parts.length === 3) tilt.push(nums[2]);
      }
      triclinic = tiltHeader;
      const periodic: [boolean, boolean, boolean] = boundary
        ? [boundary[0] === 'pp', boundary[1] === 'pp', boundary[2] === 'pp']
        : [true, true, true];
      box = boxFromLammpsBounds(
        bounds as [[number, number], [number, number], [number, number]],
        triclinic ? (tilt as [number, number, number]) : null,
        periodic,
      );
    } else if (item === 'ATOMS' || item.startsWith('ATOMS ') || item.startsWith('ATOMS\t')) {
      if (timestep === null) return err('expected "ITEM: TIMESTEP" before "ITEM: ATOMS"');
      if (n === null) return err('expected "ITEM: NUMBER OF ATOMS" before "ITEM: ATOMS"');
      if (box === null) return err('expected "ITEM: BOX BOUNDS" before "ITEM: ATOMS"');
      const columns = item.slice(5).trim().split(/\s+/).filter((w) => w !== '');
      if (columns.length === 0) return err('expected column names after "ITEM: ATOMS"');
      // A header line that is the last line of the stream and lacks its newline is only complete at the end.
      return {
        status: 'ok',
        header: { timestep, time, units, n, box, triclinic, boundary, columns, dataStart: Math.min(pos, end), lines },
      };
    } else {
      return err(`expected ITEM: TIMESTEP, NUMBER OF ATOMS, BOX BOUNDS, ATOMS, TIME or UNITS but found "${clip(line)}"`);
    }
  }
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

// ---------------------------------------------------------------------------------------------------------
// Columns

const K_FLOAT = 0; // into a Float64Array at row*stride+off
const K_INT = 1; // into an Int32Array at row*stride+off (integer check)
const K_ELEMENT = 2; // a name

interface ColumnPlan {
  kind: Int8Array;
  stride: Int32Array;
  off: Int32Array;
  farr: (Float64Array | null)[];
  iarr: (Int32Array | null)[];
  ids: Int32Array | null;
  types: Int32Array | null;
  element: Int32Array | null;
  /** Coordinate columns per kind (x, xs, xu, xsu: COORD_KINDS order), n*3, and the axes each has (bit mask). */
  coords: (Float64Array | null)[];
  coordAxes: number[];
  images: Int32Array | null;
  /** Bit mask of the image-flag columns present (ix 1, iy 2, iz 4). */
  imageAxes: number;
  properties: Record<string, Float64Array>;
  /** What each column holds, for messages. */
  expect: string[];
}

const AXES = ['x', 'y', 'z'];
/** Coordinate column names, index 4 * kind + axis (kind in COORD_KINDS order: x, xs, xu, xsu). */
const COORD_COLUMNS = COORD_KINDS.flatMap((k) => [...AXES.map((a) => a + k), '']);

function planColumns(columns: string[], n: number): ColumnPlan {
  const has = new Set(columns);
  // Every coordinate column is parsed into its kind's n*3 array; lammps-coordinates.ts decides which give the positions.
  const coords = COORD_KINDS.map((k) => (AXES.some((a) => has.has(a + k)) ? new Float64Array(n * 3) : null));
  const nc = columns.length;
  const plan: ColumnPlan = {
    kind: new Int8Array(nc),
    stride: new Int32Array(nc),
    off: new Int32Array(nc),
    farr: new Array<Float64Array | null>(nc).fill(null),
    iarr: new Array<Int32Array | null>(nc).fill(null),
    ids: null,
    types: null,
    element: null,
    coords,
    coordAxes: [0, 0, 0, 0],
    images: has.has('ix') || has.has('iy') || has.has('iz') ? new Int32Array(n * 3) : null,
    imageAxes: 0,
    properties: {},
    expect: [],
  };
  const seen = new Set<string>();
  for (let c = 0; c < nc; c++) {
    const name = columns[c];
    const dup = seen.has(name);
    seen.add(name);
    let axis = -1;
    if (!dup && name === 'id') {
      plan.ids = new Int32Array(n);
      plan.kind[c] = K_INT;
      plan.iarr[c] = plan.ids;
      plan.stride[c] = 1;
      plan.expect.push('an integer id (column "id")');
      continue;
    }
    if (!dup && name === 'type') {
      plan.types = new Int32Array(n);
      plan.kind[c] = K_INT;
      plan.iarr[c] = plan.types;
      plan.stride[c] = 1;
      plan.expect.push('an integer type (column "type")');
      continue;
    }
    if (!dup && name === 'element') {
      plan.element = new Int32Array(n);
      plan.kind[c] = K_ELEMENT;
      plan.expect.push('an element name (column "element")');
      continue;
    }
    const coord = dup ? -1 : COORD_COLUMNS.indexOf(name);
    if (coord >= 0) {
      const k = coord >> 2, a = coord & 3;
      plan.kind[c] = K_FLOAT;
      plan.farr[c] = plan.coords[k];
      plan.stride[c] = 3;
      plan.off[c] = a;
      plan.coordAxes[k] |= 1 << a;
      plan.expect.push(`a number (column "${name}")`);
      continue;
    }
    if (!dup && (axis = ['ix', 'iy', 'iz'].indexOf(name)) >= 0) {
      plan.kind[c] = K_INT;
      plan.iarr[c] = plan.images;
      plan.stride[c] = 3;
      plan.off[c] = axis;
      plan.imageAxes |= 1 << axis;
      plan.expect.push(`an integer image flag (column "${name}")`);
      continue;
    }
    const arr = new Float64Array(n);
    plan.properties[name] = arr; // a duplicated name keeps the last column
    plan.kind[c] = K_FLOAT;
    plan.farr[c] = arr;
    plan.stride[c] = 1;
    plan.expect.push(`a number (column "${name}")`);
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------
// Reader

const ITEM_PAT = Buffer.from('ITEM:');
const SCAN_CHUNK = 16 << 20;
/** Bytes kept before the search position when a new chunk is appended (the line-start check looks one byte back). */
const OVERLAP = 64;

function isBlank(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

export class LammpsDumpReader implements TrajectoryReader {
  readonly format = 'lammps-dump' as const;
  /** `ITEM: UNITS` of the file, once a scan or a read has seen it. */
  units: string | null = null;
  private lineCache = new Map<number, number>();

  constructor(private readonly source: ByteSource) {}

  get path(): string {
    return this.source.path;
  }

  /** The compressed source's seek index, persisted by the trajectory index (null for plain files). */
  seekIndex(): Buffer | null {
    return this.source.exportSeekIndex();
  }

  close(): void {
    this.source.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // scan

  scan(options: ScanOptions = {}): ScanResult {
    const src = this.source;
    const from = options.fromOffset ?? 0;
    const firstIndex = options.fromFrame ?? 0;
    const { onFrames, onProgress, signal } = options;
    signal?.throwIfAborted();

    let fileBytesDone = 0;
    const stream = new ChunksUntilDamage(src, from, SCAN_CHUNK, (k) => (fileBytesDone += k));
    const iter = stream[Symbol.iterator]();
    let work = Buffer.allocUnsafe(0);
    let buf = work;
    let bufOff = from;
    let eof = false;

    let frameIndex = firstIndex;
    let batch: FrameEntry[] = [];
    let batchFirst = firstIndex;
    const flush = () => {
      if (batch.length > 0) {
        onFrames?.(batch, batchFirst);
        batch = [];
      }
      batchFirst = frameIndex;
    };
    /** Appends the next chunk, keeping the bytes from absolute offset `keepAbs`. False at the end of the stream. */
    const pull = (keepAbs: number): boolean => {
      signal?.throwIfAborted();
      const r = iter.next();
      if (r.done) {
        eof = true;
        return false;
      }
      const data = r.value.data;
      const keepFrom = keepAbs - bufOff;
      const keepLen = buf.length - keepFrom;
      const need = keepLen + data.length;
      if (work.length < need) {
        const grown = Buffer.allocUnsafe(Math.max(need, SCAN_CHUNK + OVERLAP + 65536));
        buf.copy(grown, 0, keepFrom, buf.length);
        work = grown;
      } else if (keepLen > 0) {
        work.copyWithin(0, keepFrom, buf.length); // buf is work[0, buf.length)
      }
      data.copy(work, keepLen);
      buf = work.subarray(0, need);
      bufOff = keepAbs;
      flush();
      onProgress?.({ bytesDone: bufOff + buf.length, fileBytesDone, fileBytesTotal: src.fileSize, frames: frameIndex - firstIndex });
      return true;
    };

    let damage: Omit<ScanDamage, 'line' | 'message'> & { lineAt: number; what: string } | null = null;
    let endOffset = from;
    let frameStart = from;
    let inHeader = true;
    let header: LammpsHeader | null = null;
    let dataStart = 0;
    let searchFrom = 0;

    pull(from);
    for (;;) {
      if (inHeader) {
        const rel = frameStart - bufOff;
        const r = parseLammpsHeader(buf, rel, buf.length, eof);
        if (r.status === 'incomplete') {
          if (!eof && buf.length - rel <= MAX_HEADER + 4096) {
            pull(frameStart);
            continue;
          }
          if (!eof) {
            damage = {
              kind: 'corrupt', offset: frameStart, frame: frameIndex, lineAt: frameStart,
              what: 'expected a frame header ending with an "ITEM: ATOMS" line within 1 MB of the frame start',
            };
            break;
          }
          if (isBlank(buf, rel, buf.length)) {
            endOffset = bufOff + buf.length;
            break;
          }
          damage = {
            kind: 'truncated', offset: frameStart, frame: frameIndex, lineAt: frameStart,
            what: `the file ends (at byte ${bufOff + buf.length}) inside the frame header: expected ${r.expected}`,
          };
          break;
        }
        if (r.status === 'error') {
          damage = { kind: 'corrupt', offset: frameStart, frame: frameIndex, lineAt: bufOff + r.offset, what: r.message };
          break;
        }
        header = r.header;
        if (header.units !== null) this.units = header.units;
        dataStart = bufOff + header.dataStart;
        searchFrom = dataStart;
        inHeader = false;
      }
      const h = header as LammpsHeader;
      // The next frame starts at the first "ITEM:" at a line start after the atom lines (ITEM: TIME / UNITS
      // come before ITEM: TIMESTEP); atom lines never contain it, so only this search touches their bytes.
      let p = buf.indexOf(ITEM_PAT, searchFrom - bufOff);
      while (p >= 0 && !(bufOff + p === dataStart || (p > 0 && buf[p - 1] === 10))) p = buf.indexOf(ITEM_PAT, p + 1);
      if (p < 0) {
        if (!eof) {
          searchFrom = Math.max(dataStart, bufOff + buf.length - ITEM_PAT.length + 1);
          pull(Math.max(bufOff, searchFrom - OVERLAP));
          continue;
        }
        break; // the last frame: checked below, after the chunk iterator is closed
      }
      const nextStart = bufOff + p;
      // Cheap sanity check: every atom line needs at least two bytes per column.
      const room = nextStart - dataStart;
      if (room < h.n * h.columns.length * 2) {
        damage = {
          kind: 'corrupt', offset: frameStart, frame: frameIndex, lineAt: nextStart,
          what: `the next "ITEM:" line comes after only ${room} bytes, too few for the ${h.n} atom lines of ${h.columns.length} columns announced by the header`,
        };
        break;
      }
      batch.push({ offset: frameStart, length: nextStart - frameStart, timestep: h.timestep, time: h.time, n: h.n, box: h.box });
      frameIndex++;
      frameStart = nextStart;
      endOffset = nextStart;
      inHeader = true;
    }
    const streamEnd = bufOff + buf.length;
    iter.return?.();

    if (!damage && !inHeader && header) {
      // The last frame: it must hold n newline-terminated atom lines, then only blank space.
      const h = header;
      const check = new LastFrameCheck(h.n);
      if (dataStart >= bufOff) check.feed(buf, dataStart - bufOff, buf.length, bufOff);
      else {
        for (const chunk of new ChunksUntilDamage(src, dataStart, 4 << 20)) {
          check.feed(chunk.data, 0, chunk.data.length, chunk.offset);
          if (check.done) break;
        }
      }
      if (check.lines === h.n - 1 && check.partial && streamEnd - check.partialAt < 65536) {
        // A last line without its newline (some writers omit the final one): complete if it has every column.
        const text = src.read(check.partialAt, streamEnd - check.partialAt).toString('latin1').trim();
        if (!text.startsWith('ITEM:') && text.split(/\s+/).length === h.columns.length) check.lines++;
      }
      if (check.lines < h.n) {
        damage = {
          kind: 'truncated', offset: frameStart, frame: frameIndex, lineAt: frameStart,
          what: `expected ${h.n} atom lines but the file ends (at byte ${streamEnd}) after ${check.lines}${check.partial ? ' and part of another' : ''}`,
        };
      } else {
        const junk = check.junkAt;
        const frameEnd = junk >= 0 ? junk : streamEnd;
        batch.push({ offset: frameStart, length: frameEnd - frameStart, timestep: h.timestep, time: h.time, n: h.n, box: h.box });
        frameIndex++;
        endOffset = frameEnd;
        if (junk >= 0) {
          const head = src.read(junk, 16);
          const headText = head.toString('latin1');
          // The start of a next frame ("ITEM:...", or a cut "IT" at the very end) means truncation.
          const isItem = headText.startsWith('ITEM:') || (junk + head.length === streamEnd && 'ITEM:'.startsWith(headText.trimEnd()));
          damage = isItem
            ? { kind: 'truncated', offset: junk, frame: frameIndex, lineAt: junk, what: `the file ends (at byte ${streamEnd}) inside the frame header` }
            : { kind: 'corrupt', offset: junk, frame: frameIndex, lineAt: junk, what: `expected "ITEM: TIMESTEP" (or the end of the file) after the ${h.n} atom lines of the previous frame but found "${clip(head.toString('latin1').split(/\r?\n/)[0])}"` };
        }
      }
    }
    if (damage) endOffset = damage.offset;
    flush();

    let fullDamage: ScanDamage | null = null;
    if (damage) {
      const line = this.lineOf(damage.lineAt);
      fullDamage = {
        kind: damage.kind,
        offset: damage.offset,
        frame: damage.frame,
        line,
        message: `${src.path}: frame ${damage.frame} (line ${line}, byte ${damage.lineAt}): ${damage.kind === 'truncated' ? 'truncated: ' : ''}${damage.what}`,
      };
    }
    onProgress?.({ bytesDone: streamEnd, fileBytesDone, fileBytesTotal: src.fileSize, frames: frameIndex - firstIndex });
    return withStreamDamage({ frames: frameIndex - firstIndex, endOffset, damage: fullDamage }, stream.damage, this.path, firstIndex);
  }

  /** 1-based line number of the line holding byte `offset` (counts newlines, from the nearest offset counted before; for messages only). */
  lineOf(offset: number): number {
    const cached = this.lineCache.get(offset);
    if (cached !== undefined) return cached;
    let from = 0;
    let lines = 1;
    for (const [o, l] of this.lineCache) {
      if (o <= offset && o > from) {
        from = o;
        lines = l;
      }
    }
    if (offset > from) {
      for (const { offset: o, data } of new ChunksUntilDamage(this.source, from, Math.min(8 << 20, Math.max(65536, offset - from)))) {
        const lim = Math.min(data.length, offset - o);
        for (let i = 0; i < lim; i++) if (data[i] === 10) lines++;
        if (o + data.length >= offset) break;
      }
    }
    if (this.lineCache.size >= 256) this.lineCache.delete(this.lineCache.keys().next().value as number);
    this.lineCache.set(offset, lines);
    return lines;
  }

  // -------------------------------------------------------------------------------------------------------
  // readFrame

  readFrame(entry: FrameEntry, index: number): Frame {
    const path = this.source.path;
    const buf = this.source.read(entry.offset, entry.length);
    if (buf.length < entry.length) {
      throw new TrajectoryError(
        `${path}: frame ${index} (byte ${entry.offset}): expected ${entry.length} bytes but the file ends after ${buf.length}; it has changed since it was scanned`,
        path, { frame: index, offset: entry.offset },
      );
    }
    const r = parseLammpsHeader(buf, 0, buf.length, true);
    if (r.status !== 'ok') {
      const at = r.status === 'error' ? entry.offset + r.offset : entry.offset;
      const line = this.lineOf(at);
      const what = r.status === 'error' ? r.message : `the frame ends inside its header: expected ${r.expected}`;
      throw new TrajectoryError(`${path}: frame ${index} (line ${line}, byte ${at}): ${what}`, path, { frame: index, line, offset: at });
    }
    const h = r.header;
    if (h.units !== null) this.units = h.units;
    const n = h.n;
    const plan = planColumns(h.columns, n);
    const names = this.parseAtoms(buf, h, plan, entry, index);

    const warnings: string[] = [];
    const box = h.box;
    // Ids and types.
    let ids = plan.ids;
    if (!ids) {
      ids = new Int32Array(n);
      for (let i = 0; i < n; i++) ids[i] = i + 1;
    }
    let types = plan.types;
    let typeNames: string[] | null = null;
    if (plan.element) {
      const el = plan.element;
      if (types) {
        const byType: string[] = [];
        let consistent = true;
        for (let i = 0; i < n && consistent; i++) {
          const t = types[i];
          if (t < 0 || t > 1 << 16) consistent = false;
          else if (byType[t] === undefined) byType[t] = names[el[i]];
          else if (byType[t] !== names[el[i]]) consistent = false;
        }
        if (consistent) typeNames = Array.from(byType, (s) => s ?? '');
        else warnings.push('the "element" column does not map one-to-one onto "type"; typeNames left empty');
      } else {
        types = el;
        typeNames = names;
      }
    }
    if (!types) types = new Int32Array(n).fill(1);

    // Sort by id (before resolving positions, so that every coordinate array is in the final order).
    let images = plan.images;
    const coords = plan.coords;
    const properties = plan.properties;
    const perm = idOrder(ids, warnings);
    if (perm) {
      ids = permute(ids, perm, 1);
      types = permute(types, perm, 1);
      for (let k = 0; k < coords.length; k++) if (coords[k]) coords[k] = permute(coords[k] as Float64Array, perm, 3);
      if (images) images = permute(images, perm, 3);
      for (const k of Object.keys(properties)) properties[k] = permute(properties[k], perm, 1);
    }

    // Positions (and unwrapped positions) from the coordinate columns; the columns not used stay properties.
    let resolved;
    try {
      resolved = resolvePositions(box, n, { data: coords, axes: plan.coordAxes, images, imageAxes: plan.imageAxes });
    } catch (e) {
      if (!(e instanceof CoordinateError)) throw e;
      const at = entry.offset + buf.lastIndexOf(10, h.dataStart - 2) + 1;
      const line = this.lineOf(at);
      throw new TrajectoryError(`${path}: frame ${index}, line ${line} (byte ${at}, the ITEM: ATOMS line): ${e.message}`, path, { frame: index, line, offset: at });
    }
    const { positions, positionsKind, unwrapped } = resolved;
    warnings.push(...resolved.warnings);
    for (let k = 0; k < coords.length; k++) {
      const d = coords[k];
      if (!d || resolved.used[k]) continue;
      for (let a = 0; a < 3; a++) {
        if ((plan.coordAxes[k] & (1 << a)) === 0) continue;
        const col = new Float64Array(n);
        for (let i = 0; i < n; i++) col[i] = d[3 * i + a];
        properties[AXES[a] + COORD_KINDS[k]] = col;
      }
    }

    return {
      index,
      timestep: h.timestep,
      time: h.time,
      n,
      dimensions: flatZ(positions) ? 2 : 3,
      box,
      ids,
      types,
      typeNames,
      positions,
      positionsKind,
      images,
      unwrapped,
      properties,
      warnings,
    };
  }

  /** Parses the atom lines into the plan's arrays; returns element names (indices in plan.element). */
  private parseAtoms(buf: Buffer, h: LammpsHeader, plan: ColumnPlan, entry: FrameEntry, index: number): string[] {
    const n = h.n;
    const nc = h.columns.length;
    const end = buf.length;
    const kind = plan.kind;
    const stride = plan.stride;
    const off = plan.off;
    const farr = plan.farr;
    const iarr = plan.iarr;
    const names: string[] = [];
    const nameBytes: Buffer[] = [];
    let p = h.dataStart;
    let row = 0;
    while (row < n) {
      const lineStart = p;
      // Out-of-range reads give undefined, which ends every byte loop below; `p >= end` marks the end.
      let b = buf[p];
      while (b === 32 || b === 9 || b === 13) b = buf[++p];
      if (b === 10) {
        p++; // blank line
        continue;
      }
      if (p >= end) this.atomError(buf, entry, index, lineStart, `expected ${n} atom lines but the frame ends after ${row}`);
      for (let c = 0; c < nc; c++) {
        while (b === 32 || b === 9 || b === 13) b = buf[++p];
        if (b === 10 || p >= end) this.atomError(buf, entry, index, lineStart, `expected ${plan.expect[c]} as column ${c + 1} of ${nc} but the line ends`);
        const k = kind[c];
        if (k !== K_ELEMENT) {
          // Fast path: [-]digits[.digits] then a separator, exact while the digits stay below 2^53.
          const t0 = p;
          let neg = false;
          if (b === 45) {
            neg = true;
            b = buf[++p];
          }
          let m = 0;
          let nd = 0;
          while (b >= 48 && b <= 57) {
            m = m * 10 + (b - 48);
            nd++;
            b = buf[++p];
          }
          let fd = 0;
          if (b === 46) {
            b = buf[++p];
            while (b >= 48 && b <= 57) {
              m = m * 10 + (b - 48);
              fd++;
              b = buf[++p];
            }
          }
          let v: number;
          const sep = b === 32 || b === 10 || b === 9 || b === 13 || p >= end;
          if (sep && nd + fd > 0 && fd <= 22 && m <= MAX_EXACT) {
            v = fd === 0 ? m : m / POW10[fd];
            if (neg) v = -v;
          } else if (sep && nd + fd > 0) {
            v = slowNumber(buf, t0, p, false); // a plain decimal with too many digits for the exact fast path
          } else {
            v = parseDecimal(buf, t0, end);
            p = numEnd;
            b = buf[p];
          }
          if (k === K_FLOAT) {
            if (v !== v) this.badToken(buf, entry, index, lineStart, t0, plan.expect[c], c, nc);
            (farr[c] as Float64Array)[row * stride[c] + off[c]] = v;
          } else {
            if ((v | 0) !== v) this.badToken(buf, entry, index, lineStart, t0, plan.expect[c], c, nc);
            (iarr[c] as Int32Array)[row * stride[c] + off[c]] = v;
          }
        } else {
          const s = p;
          while (p < end && buf[p] > 32) p++;
          b = buf[p];
          let id = -1;
          for (let j = 0; j < nameBytes.length; j++) {
            const nb = nameBytes[j];
            if (nb.length === p - s && buf.compare(nb, 0, nb.length, s, p) === 0) {
              id = j;
              break;
            }
          }
          if (id < 0) {
            id = names.length;
            nameBytes.push(Buffer.from(buf.subarray(s, p)));
            names.push(buf.toString('utf8', s, p));
          }
          (plan.element as Int32Array)[row] = id;
        }
      }
      while (b === 32 || b === 9 || b === 13) b = buf[++p];
      if (b !== 10 && p < end) this.atomError(buf, entry, index, lineStart, `expected ${nc} columns (${h.columns.join(' ')}) but the line has more`);
      p++;
      row++;
    }
    // After the atom lines only blank space may follow in the frame.
    if (!isBlank(buf, Math.min(p, end), end)) {
      let q = p;
      while (q < end && (buf[q] === 32 || buf[q] === 9 || buf[q] === 13 || buf[q] === 10)) q++;
      const ls = buf.lastIndexOf(10, q - 1) + 1;
      this.atomError(buf, entry, index, ls, `expected ${n} atom lines (as "ITEM: NUMBER OF ATOMS" says) followed by the next frame, but found another line`);
    }
    return names;
  }

  private badToken(buf: Buffer, entry: FrameEntry, index: number, lineStart: number, p: number, expect: string, c: number, nc: number): never {
    let q = p;
    while (q < buf.length && buf[q] > 32) q++;
    const tok = buf.toString('latin1', p, q);
    this.atomError(buf, entry, index, lineStart, `expected ${expect} as column ${c + 1} of ${nc} but found "${clip(tok)}"`);
  }

  private atomError(buf: Buffer, entry: FrameEntry, index: number, lineStart: number, what: string): never {
    const path = this.source.path;
    const at = entry.offset + lineStart;
    const line = this.lineOf(at);
    let le = buf.indexOf(10, lineStart);
    if (le < 0) le = buf.length;
    const text = buf.toString('latin1', lineStart, le).trim();
    throw new TrajectoryError(
      `${path}: frame ${index}, line ${line} (byte ${at}): ${what}${text ? ` (line: "${clip(text)}")` : ''}`,
      path, { frame: index, line, offset: at },
    );
  }
}

/** Checks the atom section of the last frame: n non-blank newline-terminated lines, then only blank space. */
class LastFrameCheck {
  lines = 0;
  /** A non-blank line is open (not yet terminated). */
  partial = false;
  /** Absolute offset where the open line starts, or -1. */
  partialAt = -1;
  /** Absolute offset of the first non-blank line after the n atom lines, or -1. */
  junkAt = -1;
  done = false;
  /** Start of the current line once the n atom lines are complete. */
  private lineStartAbs = -1;

  constructor(private readonly n: number) {}

  feed(b: Buffer, from: number, to: number, base: number): void {
    let i = from;
    if (this.lines >= this.n && this.lineStartAbs < 0) this.lineStartAbs = base + i;
    while (i < to && !this.done) {
      if (this.lines < this.n) {
        if (!this.partial) {
          const c = b[i];
          if (c === 32 || c === 9 || c === 13 || c === 10) {
            i++;
            continue;
          }
          this.partial = true;
        }
        const nl = b.indexOf(10, i);
        if (nl < 0 || nl >= to) {
          if (this.partialAt < 0) this.partialAt = base + i;
          i = to;
        } else {
          this.partial = false;
          this.partialAt = -1;
          this.lines++;
          i = nl + 1;
          if (this.lines === this.n) this.lineStartAbs = base + i;
        }
      } else {
        const c = b[i];
        if (c === 10) this.lineStartAbs = base + i + 1;
        else if (c !== 32 && c !== 9 && c !== 13) {
          this.junkAt = this.lineStartAbs;
          this.done = true;
        }
        i++;
      }
    }
  }
}
