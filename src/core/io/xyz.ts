// Plain and extended XYZ trajectories: a count line, a comment line, then one line per particle, repeated.
// Extended XYZ (ASE / QUIP / libAtoms convention) puts key=value pairs on the comment line: `Lattice="ax ay az bx by bz
// cx cy cz"`, `Properties=species:S:1:pos:R:3:...`, `pbc="T T F"`, `Time=`, `step=`. Each frame's comment line is
// parsed on its own, so the columns and the box may change from frame to frame (and so may the particle count).
import type { Box, Vec3 } from '../box.js';
import { ChunksUntilDamage, withStreamDamage, type ByteSource } from './byte-source.js';
import { flatZ } from './frame-util.js';
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

const NL = 10, CR = 13, SP = 32, TAB = 9;

/** The most columns one Properties entry may declare (a guard against corrupt counts, not a format limit in practice). */
const MAX_COLUMN_COUNT = 1024;

/** One group of columns from `Properties=name:type:count`. */
interface Column {
  name: string;
  type: 'S' | 'R' | 'I' | 'L';
  count: number;
}

/** What the comment line says about a frame. */
interface CommentInfo {
  extended: boolean;
  box: Box;
  time: number | null;
  step: number | null;
  columns: Column[];
  /** Total number of per-particle columns (sum of the counts). */
  width: number;
}

const PLAIN_COLUMNS: Column[] = [
  { name: 'species', type: 'S', count: 1 },
  { name: 'pos', type: 'R', count: 3 },
];

/** The box of a file that has none: zero vectors, not periodic (positions are still absolute). */
function noBox(): Box {
  return { origin: [0, 0, 0], vectors: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], periodic: [false, false, false] };
}

const EXTENDED_RE = /(^|\s)(Lattice|Properties)\s*=/i;
// LAMMPS `dump xyz` writes " Atoms. Timestep: 100" as the comment line.
const LAMMPS_TIMESTEP_RE = /\bTimestep:\s*(-?\d+)/;

/**
 * Split an extended-XYZ comment line into key/value pairs. Values may be quoted ("a b c", with backslash escapes) or
 * bracketed ([...] / {...}); a key without `=value` maps to `true`. Keys are returned lower-cased.
 */
export function parseExtxyzComment(line: string): Map<string, string | true> {
  const out = new Map<string, string | true>();
  const n = line.length;
  let i = 0;
  const isWs = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  const readToken = (stopAtEquals: boolean): string => {
    const c = line[i];
    if (c === '"' || c === "'") {
      const quote = c;
      i++;
      let s = '';
      while (i < n && line[i] !== quote) {
        if (line[i] === '\\' && i + 1 < n) i++;
        s += line[i++];
      }
      i++; // closing quote (or past the end)
      return s;
    }
    if (c === '{' || c === '[') {
      const open = c, close = c === '{' ? '}' : ']';
      const start = i;
      let depth = 0;
      while (i < n) {
        const d = line[i++];
        if (d === open) depth++;
        else if (d === close && --depth === 0) break;
      }
      return line.slice(start, i);
    }
    const start = i;
    while (i < n && !isWs(line[i]) && !(stopAtEquals && line[i] === '=')) i++;
    return line.slice(start, i);
  };
  while (i < n) {
    while (i < n && isWs(line[i])) i++;
    if (i >= n) break;
    const key = readToken(true);
    let j = i;
    while (j < n && (line[j] === ' ' || line[j] === '\t')) j++;
    if (j < n && line[j] === '=') {
      i = j + 1;
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      out.set(key.toLowerCase(), i < n ? readToken(false) : '');
    } else {
      if (key === '') i++; // a lone '=' or quote: step over it
      else out.set(key.toLowerCase(), true);
    }
  }
  return out;
}

function parseBoolWord(w: string): boolean | null {
  const l = w.toLowerCase();
  if (l === 't' || l === 'true' || l === '1') return true;
  if (l === 'f' || l === 'false' || l === '0') return false;
  return null;
}

/** Parse `Properties=` into columns; throws a plain Error with the reason. */
function parseProperties(spec: string): Column[] {
  const parts = spec.split(':');
  if (parts.length % 3 !== 0 || parts.length === 0) {
    throw new Error(`Properties="${spec}" is not a list of name:type:count triples`);
  }
  const cols: Column[] = [];
  for (let k = 0; k < parts.length; k += 3) {
    const name = parts[k];
    const type = parts[k + 1].toUpperCase();
    const count = Number(parts[k + 2]);
    if (!name || (type !== 'S' && type !== 'R' && type !== 'I' && type !== 'L') || !Number.isInteger(count) || count < 1 || count > MAX_COLUMN_COUNT) {
      throw new Error(`Properties="${spec}": bad column "${parts[k]}:${parts[k + 1]}:${parts[k + 2]}" (expected name:S|R|I|L:count)`);
    }
    cols.push({ name, type, count });
  }
  return cols;
}

/** Everything the comment line tells; throws a plain Error (caller adds file/frame/line) for malformed values. */
function parseComment(line: string, propsCache: Map<string, Column[]>): CommentInfo {
  const info: CommentInfo = { extended: false, box: noBox(), time: null, step: null, columns: PLAIN_COLUMNS, width: 4 };
  if (!line.includes('=')) {
    const m = LAMMPS_TIMESTEP_RE.exec(line);
    if (m) info.step = Number(m[1]);
    return info;
  }
  const kv = parseExtxyzComment(line);
  info.extended = kv.has('lattice') || kv.has('properties');
  const lattice = kv.get('lattice');
  if (lattice !== undefined) {
    const nums = typeof lattice === 'string' ? lattice.split(/[\s,[\]{}]+/).filter((s) => s !== '').map(Number) : [];
    if (nums.length !== 9 || nums.some((x) => !Number.isFinite(x))) {
      throw new Error(`Lattice="${lattice === true ? '' : lattice}" does not hold 9 numbers (three lattice vectors)`);
    }
    // Rows are the lattice vectors exactly as written. A general triclinic cell (a not along x, b not in the xy plane)
    // is kept as given, not rotated into LAMMPS's restricted form, so positions stay consistent with the vectors.
    info.box.vectors = [
      [nums[0], nums[1], nums[2]],
      [nums[3], nums[4], nums[5]],
      [nums[6], nums[7], nums[8]],
    ];
    // ASE: a Lattice without pbc means periodic along all three vectors.
    info.box.periodic = [true, true, true];
    const pbc = kv.get('pbc');
    if (pbc !== undefined) {
      const words = typeof pbc === 'string' ? pbc.split(/[\s,[\]{}]+/).filter((s) => s !== '') : [];
      const flags = words.map(parseBoolWord);
      if (flags.length !== 3 || flags.some((f) => f === null)) {
        throw new Error(`pbc="${pbc === true ? '' : pbc}" is not three of T/F`);
      }
      info.box.periodic = flags as [boolean, boolean, boolean];
    }
  }
  const props = kv.get('properties');
  if (props !== undefined) {
    if (props === true) throw new Error('Properties has no value');
    let cols = propsCache.get(props);
    if (!cols) {
      cols = parseProperties(props);
      propsCache.set(props, cols);
    }
    info.columns = cols;
    info.width = cols.reduce((s, c) => s + c.count, 0);
  }
  const time = kv.get('time');
  if (typeof time === 'string') {
    const t = Number(time);
    if (time.trim() !== '' && Number.isFinite(t)) info.time = t;
  }
  for (const key of ['step', 'timestep']) {
    const s = kv.get(key);
    if (typeof s === 'string' && /^\s*[-+]?\d+\s*$/.test(s)) {
      info.step = Number(s);
      break;
    }
  }
  if (info.step === null) {
    const m = LAMMPS_TIMESTEP_RE.exec(line);
    if (m) info.step = Number(m[1]);
  }
  return info;
}

// ---------------------------------------------------------------------------------------------------------------------
// Number parsing straight from bytes (no string per token on the common path).

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22];

function slowFloat(b: Buffer, s: number, e: number): number {
  const str = b.toString('latin1', s, e).replace(/[dD]/, 'e');
  const l = str.toLowerCase();
  if (l === 'nan' || l === '+nan' || l === '-nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(str)) return NaN;
  return Number(str);
}

/**
 * A decimal number in b[s, e). Exact (same result as `Number`) on the fast path: at most 15 significant digits and a
 * decimal exponent within +-22, where one correctly rounded multiply or divide by an exact power of ten suffices.
 * Returns NaN (not a throw) when the bytes are not a number, so callers can report the place.
 */
export function parseFloatBytes(b: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  let c = b[i];
  if (c === 45) { neg = true; i++; } else if (c === 43) i++;
  let mant = 0, sig = 0, exp = 0;
  let any = false;
  while (i < e) {
    c = b[i];
    if (c < 48 || c > 57) break;
    if (mant !== 0 || c !== 48) sig++;
    mant = mant * 10 + (c - 48);
    any = true;
    i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e) {
      c = b[i];
      if (c < 48 || c > 57) break;
      if (mant !== 0 || c !== 48) sig++;
      mant = mant * 10 + (c - 48);
      exp--;
      any = true;
      i++;
    }
  }
  if (!any) return slowFloat(b, s, e);
  if (i < e) {
    c = b[i] | 32;
    if (c !== 101 && c !== 100) return slowFloat(b, s, e); // e/E (or Fortran d/D)
    i++;
    let eneg = false;
    if (b[i] === 45) { eneg = true; i++; } else if (b[i] === 43) i++;
    if (i >= e) return NaN;
    let ex = 0;
    while (i < e) {
      c = b[i];
      if (c < 48 || c > 57) return NaN;
      ex = ex * 10 + (c - 48);
      if (ex > 100000) return slowFloat(b, s, e);
      i++;
    }
    exp += eneg ? -ex : ex;
  }
  if (sig > 15) return slowFloat(b, s, e);
  let v: number;
  if (exp === 0 || mant === 0) v = mant;
  else if (exp < 0 && exp >= -22) v = mant / POW10[-exp];
  else if (exp > 0 && exp <= 22) v = mant * POW10[exp];
  else return slowFloat(b, s, e);
  return neg ? -v : v;
}

/** A decimal integer in b[s, e), NaN when it is not one. */
function parseIntBytes(b: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === 45) { neg = true; i++; } else if (b[i] === 43) i++;
  if (i >= e) return NaN;
  let v = 0;
  while (i < e) {
    const c = b[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
    i++;
  }
  return neg ? -v : v;
}

/** The trimmed line b[s, e) as an integer count (digits only), or -1. */
function parseCount(b: Buffer, s: number, e: number): number {
  while (s < e && (b[s] === SP || b[s] === TAB || b[s] === CR)) s++;
  while (e > s && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR)) e--;
  if (s >= e || e - s > 12) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

function isBlank(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c !== SP && c !== TAB && c !== CR && c !== NL) return false;
  }
  return true;
}

function countTokens(b: Buffer, s: number, e: number): number {
  let n = 0;
  let inTok = false;
  for (let i = s; i < e; i++) {
    const c = b[i];
    const ws = c === SP || c === TAB || c === CR || c === NL;
    if (!ws && !inTok) n++;
    inTok = !ws;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------------

const enum Kind { Skip, Species, Pos, Id, Real, Int, Logical }

export class XyzReader implements TrajectoryReader {
  readonly format: 'xyz' | 'extxyz';
  readonly path: string;
  private readonly propsCache = new Map<string, Column[]>();

  constructor(private readonly source: ByteSource) {
    this.path = source.path;
    // The first frame's comment line decides the format name (the same rule as format detection).
    const head = source.read(0, 65536);
    const text = head.toString('latin1');
    const m = /^\s*\d+[ \t]*\r?\n([^\n]*)/.exec(text);
    this.format = m && EXTENDED_RE.test(m[1]) ? 'extxyz' : 'xyz';
  }

  scan(options: ScanOptions = {}): ScanResult {
    const { onFrames, onProgress, signal } = options;
    const from = options.fromOffset ?? 0;
    const firstIndex = options.fromFrame ?? 0;
    const path = this.path;
    const fileBytesTotal = this.source.fileSize;
    signal?.throwIfAborted();

    // Line numbers are only known when scanning from the start of the file.
    const linesKnown = from === 0;
    let lineNo = 1; // 1-based number of the line that starts at the current position
    let frame = firstIndex;
    let batch: FrameEntry[] = [];
    let batchFirst = frame;
    let endOffset = from;
    let fileBytesDone = 0;
    let damage = null as ScanDamage | null;

    // State machine: 0 = expecting a count line, 1 = expecting the comment line, 2 = skipping particle lines.
    let state = 0;
    let frameStart = -1, frameLine = 0, n = 0, remaining = 0;
    let info = null as CommentInfo | null;
    let lineStart = from; // absolute offset of the start of the current (partial) line
    let carry: Buffer[] = []; // pieces of a count/comment line split across chunks (copied: chunks are reused)
    let carryLen = 0;
    let streamEnd = from;

    const flush = (): void => {
      if (batch.length > 0) {
        onFrames?.(batch, batchFirst);
        batch = [];
      }
      batchFirst = frame;
    };
    const where = (line: number | null, offset: number): string =>
      line !== null && linesKnown ? `line ${line} (byte ${offset})` : `byte ${offset}`;
    const finishFrame = (end: number): void => {
      batch.push({ offset: frameStart, length: end - frameStart, timestep: info!.step ?? frame, time: info!.time, n, box: info!.box });
      frame++;
      endOffset = end;
      state = 0;
      if (batch.length >= 4096) flush();
    };
    const setDamage = (kind: 'truncated' | 'corrupt', offset: number, line: number | null, message: string): void => {
      damage = { kind, offset, frame, line: linesKnown ? line : null, message };
    };

    // Handle one complete count or comment line; returns false when the scan must stop (damage).
    const onLine = (b: Buffer, s: number, e: number, absStart: number): boolean => {
      if (state === 0) {
        if (isBlank(b, s, e)) return true; // blank lines between frames (or at the end) are allowed
        const count = parseCount(b, s, e);
        if (count < 0) {
          const shown = b.toString('latin1', s, Math.min(e, s + 60)).replace(/\r$/, '');
          setDamage('corrupt', absStart, lineNo,
            `${path}: frame ${frame} at ${where(lineNo, absStart)}: expected a particle count line, found "${shown}"`);
          return false;
        }
        n = count;
        frameStart = absStart;
        frameLine = lineNo;
        state = 1;
        return true;
      }
      // state 1: the comment line
      try {
        info = parseComment(b.toString('utf8', s, e).replace(/\r$/, ''), this.propsCache);
      } catch (err) {
        setDamage('corrupt', frameStart, frameLine,
          `${path}: frame ${frame}, comment line at ${where(lineNo, absStart)}: ${(err as Error).message}`);
        return false;
      }
      if (n === 0) {
        finishFrame(absStart + (e - s) + 1);
      } else {
        remaining = n;
        state = 2;
      }
      return true;
    };

    const stream = new ChunksUntilDamage(this.source, from, undefined, (k) => { fileBytesDone += k; });
    outer: for (const chunk of stream) {
      signal?.throwIfAborted();
      const d = chunk.data;
      const base = chunk.offset;
      const len = d.length;
      streamEnd = base + len;
      let p = 0;
      while (p < len) {
        if (state === 2) {
          while (remaining > 0) {
            const nl = d.indexOf(NL, p);
            if (nl < 0) break;
            p = nl + 1;
            remaining--;
            lineNo++;
            lineStart = base + p;
          }
          if (remaining === 0) finishFrame(base + p);
          else p = len;
          continue;
        }
        const nl = d.indexOf(NL, p);
        if (nl < 0) {
          const piece = Buffer.from(d.subarray(p));
          carry.push(piece);
          carryLen += piece.length;
          p = len;
          if (state === 0 && carryLen > 4096 && !isBlank(Buffer.concat(carry), 0, carryLen)) {
            setDamage('corrupt', lineStart, lineNo,
              `${path}: frame ${frame} at ${where(lineNo, lineStart)}: expected a particle count line, found a line longer than 4096 bytes`);
            break outer;
          }
          break;
        }
        let ok: boolean;
        if (carry.length > 0) {
          carry.push(d.subarray(p, nl));
          const whole = Buffer.concat(carry);
          carry = [];
          carryLen = 0;
          ok = onLine(whole, 0, whole.length, lineStart);
        } else {
          ok = onLine(d, p, nl, lineStart);
        }
        if (!ok) break outer;
        p = nl + 1;
        lineNo++;
        lineStart = base + p;
      }
      onProgress?.({ bytesDone: streamEnd, fileBytesDone, fileBytesTotal, frames: frame - firstIndex });
    }

    if (damage === null) {
      // End of the stream: whatever is left must be blank, or a last frame whose final line has no newline.
      if (state === 0) {
        if (carryLen > 0) {
          const rest = Buffer.concat(carry);
          if (!isBlank(rest, 0, rest.length)) {
            const count = parseCount(rest, 0, rest.length);
            if (count >= 0) {
              setDamage('truncated', lineStart, lineNo,
                `${path}: frame ${frame} at ${where(lineNo, lineStart)} is truncated: the file ends after the count line (${count} particles expected)`);
            } else {
              setDamage('corrupt', lineStart, lineNo,
                `${path}: frame ${frame} at ${where(lineNo, lineStart)}: expected a particle count line, found "${rest.toString('latin1', 0, 60)}"`);
            }
          }
        }
      } else if (state === 1) {
        setDamage('truncated', frameStart, frameLine,
          `${path}: frame ${frame} at ${where(frameLine, frameStart)} is truncated: the file ends before the end of the comment line`);
      } else {
        // state 2: `remaining` particle lines missing; the last one may simply lack its newline.
        let complete = false;
        if (remaining === 1 && streamEnd > lineStart) {
          const last = this.source.read(lineStart, Math.min(streamEnd - lineStart, 1 << 20));
          complete = countTokens(last, 0, last.length) >= info!.width;
        }
        if (complete) {
          finishFrame(streamEnd);
        } else {
          const have = n - remaining;
          setDamage('truncated', frameStart, frameLine,
            `${path}: frame ${frame} at ${where(frameLine, frameStart)} is truncated: expected ${n} particle lines after the comment line, the file ends after ${have}${streamEnd > lineStart ? ' and a partial line' : ''}`);
        }
      }
    }
    flush();
    return withStreamDamage({ frames: frame - firstIndex, endOffset, damage }, stream.damage, this.path, firstIndex);
  }

  readFrame(entry: FrameEntry, index: number): Frame {
    const path = this.path;
    const buf = this.source.read(entry.offset, entry.length);
    const end = buf.length;
    const fail = (msg: string, at: number): never => {
      throw new TrajectoryError(`${path}: frame ${index} (byte ${entry.offset + at}): ${msg}`, path, { frame: index, offset: entry.offset + at });
    };
    if (end < entry.length) fail(`expected ${entry.length} bytes of the frame, the file has only ${end} (was it truncated?)`, end);

    // Count line (blank lines before it were skipped by the scan, but the entry starts at the count line).
    let p = 0;
    let nl = buf.indexOf(NL, p);
    if (nl < 0) fail('expected a count line and a comment line', 0);
    const n = parseCount(buf, p, nl);
    if (n < 0) fail(`expected a particle count line, found "${buf.toString('latin1', p, Math.min(nl, p + 60))}"`, p);
    if (n !== entry.n) fail(`the count line says ${n} particles, the index says ${entry.n} (the file changed since it was scanned)`, p);
    p = nl + 1;
    nl = buf.indexOf(NL, p);
    const commentEnd = nl < 0 ? end : nl;
    let info: CommentInfo;
    try {
      info = parseComment(buf.toString('utf8', p, commentEnd).replace(/\r$/, ''), this.propsCache);
    } catch (err) {
      return fail(`comment line: ${(err as Error).message}`, p);
    }
    p = commentEnd + 1;

    // Column plan: one entry per token of a particle line.
    const width = info.width;
    const kinds = new Uint8Array(width);
    const comps = new Uint8Array(width);
    const targets: (Float64Array | null)[] = new Array<Float64Array | null>(width).fill(null);
    const properties: Record<string, Float64Array> = {};
    const warnings: string[] = [];
    let hasPos = false, hasSpecies = false, hasIds = false;
    let t = 0;
    for (const col of info.columns) {
      const lname = col.name.toLowerCase();
      if (lname === 'pos' && col.type === 'R' && col.count === 3 && !hasPos) {
        hasPos = true;
        for (let k = 0; k < 3; k++) { kinds[t] = Kind.Pos; comps[t] = k; t++; }
        continue;
      }
      if ((lname === 'species' || lname === 'element') && col.type === 'S' && col.count === 1 && !hasSpecies) {
        hasSpecies = true;
        kinds[t++] = Kind.Species;
        continue;
      }
      if (lname === 'id' && col.type === 'I' && col.count === 1 && !hasIds) {
        hasIds = true;
        kinds[t++] = Kind.Id;
        continue;
      }
      if (col.type === 'S') {
        warnings.push(`string column "${col.name}" (${col.count} value${col.count > 1 ? 's' : ''} per particle) is not loaded`);
        t += col.count;
        continue;
      }
      const kind = col.type === 'R' ? Kind.Real : col.type === 'I' ? Kind.Int : Kind.Logical;
      const velocity = (lname === 'velo' || lname === 'vel' || lname === 'velocities') && col.count === 3;
      for (let k = 0; k < col.count; k++) {
        const name = velocity ? ['vx', 'vy', 'vz'][k] : col.count === 1 ? col.name : `${col.name}[${k}]`;
        const arr = new Float64Array(n);
        properties[name] = arr;
        kinds[t] = kind;
        targets[t] = arr;
        t++;
      }
    }
    if (!hasPos) fail(`the comment line's Properties has no pos:R:3 column ("${info.columns.map((c) => `${c.name}:${c.type}:${c.count}`).join(':')}")`, 0);

    const positions = new Float64Array(n * 3);
    const ids = new Int32Array(n);
    const types = new Int32Array(n);
    const names: string[] = [];
    const nameBytes: Buffer[] = [];
    const nameMap = new Map<string, number>();
    let lastType = -1;
    const same = (nb: Buffer, s: number, len: number): boolean => {
      if (nb.length !== len) return false;
      for (let q = 0; q < len; q++) if (nb[q] !== buf[s + q]) return false;
      return true;
    };
    const typeOf = (s: number, e: number): number => {
      const len = e - s;
      if (lastType >= 0 && same(nameBytes[lastType], s, len)) return lastType;
      if (names.length <= 32) {
        for (let k = 0; k < nameBytes.length; k++) if (same(nameBytes[k], s, len)) return (lastType = k);
      } else {
        const found = nameMap.get(buf.toString('latin1', s, e));
        if (found !== undefined) return (lastType = found);
      }
      const name = buf.toString('utf8', s, e);
      names.push(name);
      nameBytes.push(Buffer.from(buf.subarray(s, e)));
      nameMap.set(buf.toString('latin1', s, e), names.length - 1);
      return (lastType = names.length - 1);
    };

    for (let a = 0; a < n; a++) {
      const lineAt = p;
      if (p >= end) fail(`expected ${n} particle lines, found ${a}`, p);
      for (let c = 0; c < width; c++) {
        let ch = buf[p];
        while (p < end && (ch === SP || ch === TAB || ch === CR)) ch = buf[++p];
        if (p >= end || ch === NL) {
          fail(`particle line ${a + 1} (line ${a + 3} of the frame) has ${c} columns, expected ${width} (${info.columns.map((x) => `${x.name}:${x.type}:${x.count}`).join(':')})`, lineAt);
        }
        const s = p;
        while (p < end && (ch = buf[p]) !== SP && ch !== TAB && ch !== NL && ch !== CR) p++;
        switch (kinds[c]) {
          case Kind.Skip:
            break;
          case Kind.Species:
            types[a] = typeOf(s, p);
            break;
          case Kind.Pos: {
            const v = parseFloatBytes(buf, s, p);
            if (Number.isNaN(v) && !/nan/i.test(buf.toString('latin1', s, p))) {
              fail(`particle line ${a + 1} (line ${a + 3} of the frame): expected a number for position ${'xyz'[comps[c]]}, found "${buf.toString('latin1', s, Math.min(p, s + 40))}"`, s);
            }
            positions[a * 3 + comps[c]] = v;
            break;
          }
          case Kind.Id: {
            const v = parseIntBytes(buf, s, p);
            if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
              fail(`particle line ${a + 1} (line ${a + 3} of the frame): expected an integer id, found "${buf.toString('latin1', s, Math.min(p, s + 40))}"`, s);
            }
            ids[a] = v;
            break;
          }
          case Kind.Real: {
            const v = parseFloatBytes(buf, s, p);
            if (Number.isNaN(v) && !/nan/i.test(buf.toString('latin1', s, p))) {
              fail(`particle line ${a + 1} (line ${a + 3} of the frame), column ${c + 1}: expected a number, found "${buf.toString('latin1', s, Math.min(p, s + 40))}"`, s);
            }
            targets[c]![a] = v;
            break;
          }
          case Kind.Int: {
            const v = parseIntBytes(buf, s, p);
            if (Number.isNaN(v)) {
              fail(`particle line ${a + 1} (line ${a + 3} of the frame), column ${c + 1}: expected an integer, found "${buf.toString('latin1', s, Math.min(p, s + 40))}"`, s);
            }
            targets[c]![a] = v;
            break;
          }
          case Kind.Logical: {
            const ch0 = buf[s] | 32;
            if (ch0 === 116 || ch0 === 49) targets[c]![a] = 1; // t, T, True, 1
            else if (ch0 === 102 || ch0 === 48) targets[c]![a] = 0; // f, F, False, 0
            else fail(`particle line ${a + 1} (line ${a + 3} of the frame), column ${c + 1}: expected T or F, found "${buf.toString('latin1', s, Math.min(p, s + 40))}"`, s);
            break;
          }
        }
      }
      const next = buf.indexOf(NL, p);
      p = next < 0 ? end : next + 1;
    }

    let outIds = ids, outTypes = types, outPos = positions;
    if (!hasIds) {
      for (let i = 0; i < n; i++) ids[i] = i + 1;
    } else {
      const perm = idOrder(ids, warnings);
      if (perm) {
        outIds = permute(ids, perm, 1);
        outTypes = permute(types, perm, 1);
        outPos = permute(positions, perm, 3);
        for (const key of Object.keys(properties)) properties[key] = permute(properties[key], perm, 1);
      }
    }

    return {
      index,
      timestep: info.step ?? entry.timestep,
      time: info.time,
      n,
      dimensions: n > 0 && flatZ(outPos) ? 2 : 3,
      box: cloneBox(info.box),
      ids: outIds,
      types: outTypes,
      typeNames: hasSpecies ? names : null,
      positions: outPos,
      positionsKind: 'wrapped',
      images: null,
      unwrapped: null,
      properties,
      warnings,
    };
  }

  /** The compressed source's seek index, persisted by the trajectory index (null for plain files). */
  seekIndex(): Buffer | null {
    return this.source.exportSeekIndex();
  }

  close(): void {
    this.source.close();
  }
}

function cloneBox(b: Box): Box {
  return {
    origin: [...b.origin] as Vec3,
    vectors: [[...b.vectors[0]] as Vec3, [...b.vectors[1]] as Vec3, [...b.vectors[2]] as Vec3],
    periodic: [...b.periodic] as [boolean, boolean, boolean],
  };
}
