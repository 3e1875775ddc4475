// LAMMPS text dump writer (`dump custom` layout): used by tests and benchmarks to generate dumps, and to
// export frames. Writes the header items LAMMPS writes (optional ITEM: UNITS / ITEM: TIME first), the box as
// LAMMPS does (bounding box + tilt line for triclinic boxes, %.16e), then one line per particle.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Box } from '../box.js';

/** The frame data a dump is written from (a `Frame` fits). */
export interface LammpsDumpFrameInput {
  timestep: number;
  time?: number | null;
  box: Box;
  /** Particle count; defaults to positions.length / 3. */
  n?: number;
  ids?: ArrayLike<number> | null;
  types?: ArrayLike<number> | null;
  /** For the `element` column: the name of particle i is typeNames[types[i]]. */
  typeNames?: string[] | null;
  /** Absolute Cartesian (wrapped) positions, n*3. */
  positions: ArrayLike<number>;
  /** Image flags, n*3 (ix iy iz columns; also used for xu/xsu when `unwrapped` is not given). */
  images?: ArrayLike<number> | null;
  /** Unwrapped Cartesian positions, n*3 (xu/xsu columns). */
  unwrapped?: ArrayLike<number> | null;
  /** Any other column by its exact name. */
  properties?: Record<string, ArrayLike<number>>;
}

export interface LammpsDumpWriteOptions {
  /**
   * Columns in order. Known names: id, type, element, x y z, xs ys zs, xu yu zu, xsu ysu zsu, ix iy iz;
   * anything else is taken from `properties`. Default: id type x y z.
   */
  columns?: string[];
  /** 2: every z-like column is written for z = 0 (z = 0, zs = -zlo/lz, ...). Default 3. */
  dimensions?: 2 | 3;
  /** Boundary flags after BOX BOUNDS, e.g. 'pp pp pp' (default) or 'ss ss pp'; null writes none (old LAMMPS style). */
  boundary?: string | null;
  /** Write the tilt factors (triclinic box). Default: when any tilt is non-zero. */
  triclinic?: boolean;
  /** Write `ITEM: UNITS` with this value (the writer class writes it in the first frame only, as LAMMPS does). */
  units?: string | null;
  /** Write `ITEM: TIME` when the frame has a time. Default true. */
  writeTime?: boolean;
  /** Line ending. Default '\n'. */
  lineEnding?: '\n' | '\r\n';
  /** Append a space to every atom line (as some writers do). */
  trailingSpace?: boolean;
  /** Separator between columns. Default ' '. */
  separator?: string;
  /** Significant digits for floats (like %g); default: shortest exact representation. */
  digits?: number;
  /** Fixed decimals for floats (like %.Nf); overrides `digits`. */
  decimals?: number;
  /** Order in which particles are written (indices into the input arrays); default 0..n-1. */
  order?: ArrayLike<number>;
}

const AXIS = { x: 0, y: 1, z: 2 } as const;

function fmtE16(v: number): string {
  // C's %.16e: two-digit exponent at least.
  return v.toExponential(16).replace(/e([+-])(\d)$/, 'e$10$2');
}

type ColumnWriter = (i: number) => string;

/** The text of one frame (header and atom lines). */
export function writeLammpsDumpFrame(frame: LammpsDumpFrameInput, options: LammpsDumpWriteOptions = {}): string {
  const nl = options.lineEnding ?? '\n';
  const sep = options.separator ?? ' ';
  const n = frame.n ?? Math.floor(frame.positions.length / 3);
  const columns = options.columns ?? ['id', 'type', 'x', 'y', 'z'];
  const flat = options.dimensions === 2;
  const box = frame.box;
  const [a, b, c] = box.vectors;
  const [ox, oy, oz] = box.origin;
  const xy = b[0], xz = c[0], yz = c[1];
  const triclinic = options.triclinic ?? (xy !== 0 || xz !== 0 || yz !== 0);

  const fmt: (v: number) => string =
    options.decimals !== undefined
      ? ((d) => (v: number) => v.toFixed(d))(options.decimals)
      : options.digits !== undefined
        ? ((d) => (v: number) => String(Number(v.toPrecision(d))))(options.digits)
        : (v: number) => String(v);
  const int = (v: number) => String(Math.round(v));

  const pos = frame.positions;
  const unw = frame.unwrapped;
  const img = frame.images;
  const cart = (src: 'wrapped' | 'unwrapped', i: number, axis: number): number => {
    if (flat && axis === 2) return 0;
    if (src === 'wrapped') return pos[3 * i + axis];
    if (unw) return unw[3 * i + axis];
    if (!img) throw new Error('writeLammpsDumpFrame: unwrapped columns need `unwrapped` or `images`');
    const ix = img[3 * i], iy = img[3 * i + 1], iz = img[3 * i + 2];
    const p = pos[3 * i + axis];
    if (axis === 0) return p + ix * a[0] + iy * b[0] + iz * c[0];
    if (axis === 1) return p + iy * b[1] + iz * c[1];
    return p + iz * c[2];
  };
  const scaled = (src: 'wrapped' | 'unwrapped', i: number, axis: number): number => {
    const z = cart(src, i, 2);
    const s2 = c[2] !== 0 ? (z - oz) / c[2] : 0;
    if (axis === 2) return s2;
    const y = cart(src, i, 1);
    const s1 = b[1] !== 0 ? (y - oy - s2 * c[1]) / b[1] : 0;
    if (axis === 1) return s1;
    const x = cart(src, i, 0);
    return a[0] !== 0 ? (x - ox - s1 * b[0] - s2 * c[0]) / a[0] : 0;
  };

  const writers: ColumnWriter[] = columns.map((name): ColumnWriter => {
    if (name === 'id') return frame.ids ? (i) => int(frame.ids![i]) : (i) => String(i + 1);
    if (name === 'type') return frame.types ? (i) => int(frame.types![i]) : () => '1';
    if (name === 'element') {
      const names = frame.typeNames;
      const types = frame.types;
      if (!names || !types) throw new Error('writeLammpsDumpFrame: the element column needs types and typeNames');
      return (i) => names[types[i]];
    }
    const m = /^([xyz])(s|u|su)?$/.exec(name);
    if (m) {
      const axis = AXIS[m[1] as 'x' | 'y' | 'z'];
      const src = m[2] === 'u' || m[2] === 'su' ? 'unwrapped' : 'wrapped';
      return m[2] === 's' || m[2] === 'su' ? (i) => fmt(scaled(src, i, axis)) : (i) => fmt(cart(src, i, axis));
    }
    const im = /^i([xyz])$/.exec(name);
    if (im) {
      const axis = AXIS[im[1] as 'x' | 'y' | 'z'];
      if (!img) throw new Error(`writeLammpsDumpFrame: column ${name} needs images`);
      return (i) => (flat && axis === 2 ? '0' : int(img[3 * i + axis]));
    }
    const prop = frame.properties?.[name];
    if (!prop) throw new Error(`writeLammpsDumpFrame: no data for column "${name}" (not a known column and not in properties)`);
    return (i) => fmt(prop[i]);
  });

  const out: string[] = [];
  if (options.units) out.push('ITEM: UNITS', options.units);
  if ((options.writeTime ?? true) && frame.time !== undefined && frame.time !== null) out.push('ITEM: TIME', String(frame.time));
  out.push('ITEM: TIMESTEP', String(frame.timestep), 'ITEM: NUMBER OF ATOMS', String(n));
  const flags = options.boundary === undefined ? 'pp pp pp' : options.boundary;
  out.push(`ITEM: BOX BOUNDS${triclinic ? ' xy xz yz' : ''}${flags ? ' ' + flags : ''}`);
  const xlo = ox, xhi = ox + a[0], ylo = oy, yhi = oy + b[1], zlo = oz, zhi = oz + c[2];
  if (triclinic) {
    // LAMMPS writes the bounding box: xlo_bound = xlo + min(0, xy, xz, xy+xz), ... (Howto_triclinic).
    out.push(
      `${fmtE16(xlo + Math.min(0, xy, xz, xy + xz))} ${fmtE16(xhi + Math.max(0, xy, xz, xy + xz))} ${fmtE16(xy)}`,
      `${fmtE16(ylo + Math.min(0, yz))} ${fmtE16(yhi + Math.max(0, yz))} ${fmtE16(xz)}`,
      `${fmtE16(zlo)} ${fmtE16(zhi)} ${fmtE16(yz)}`,
    );
  } else {
    out.push(`${fmtE16(xlo)} ${fmtE16(xhi)}`, `${fmtE16(ylo)} ${fmtE16(yhi)}`, `${fmtE16(zlo)} ${fmtE16(zhi)}`);
  }
  out.push(`ITEM: ATOMS ${columns.join(' ')}`);
  const tail = options.trailingSpace ? ' ' : '';
  const order = options.order;
  const nc = writers.length;
  const cells: string[] = new Array<string>(nc);
  for (let j = 0; j < n; j++) {
    const i = order ? order[j] : j;
    for (let k = 0; k < nc; k++) cells[k] = writers[k](i);
    out.push(cells.join(sep) + tail);
  }
  return out.join(nl) + nl;
}

/**
 * Writes frames one after another, to a file (`path`) or into memory (`text()`). Like LAMMPS, `ITEM: UNITS`
 * (when `options.units` is set) appears in the first frame only.
 */
export class LammpsDumpWriter {
  private fd = -1;
  private parts: string[] = [];
  private frames = 0;

  constructor(path: string | null, private readonly options: LammpsDumpWriteOptions = {}) {
    if (path !== null) this.fd = openSync(path, 'w');
  }

  /** Appends one frame; returns its text. */
  append(frame: LammpsDumpFrameInput, overrides: LammpsDumpWriteOptions = {}): string {
    const opts = { ...this.options, ...overrides };
    if (this.frames > 0 && overrides.units === undefined) opts.units = null;
    const text = writeLammpsDumpFrame(frame, opts);
    this.appendText(text);
    return text;
  }

  /** Appends pre-formatted text (e.g. a frame repeated for a benchmark). */
  appendText(text: string | Buffer): void {
    if (this.fd >= 0) {
      if (typeof text === 'string') writeSync(this.fd, text);
      else writeSync(this.fd, text);
    }
    else this.parts.push(typeof text === 'string' ? text : text.toString('latin1'));
    this.frames++;
  }

  /** Everything written so far (in-memory writers). */
  text(): string {
    return this.parts.join('');
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
