// Positions of a LAMMPS dump frame from whatever coordinate columns it has. LAMMPS writes four kinds per axis:
// wrapped x (Cartesian, inside the box), scaled xs (fractional, inside the box), unwrapped xu and scaled unwrapped
// xsu, in any combination a user asks `dump custom` for. Rules:
//   1. One complete triplet of one kind, in the order x > xs > xu > xsu, gives the positions (unwrapped ones for
//      xu/xsu, as LAMMPS wrote them), exactly as written (x) or mapped through the box (xs: origin + s @ [a; b; c]).
//   2. Otherwise each axis comes from an equivalent representation: xs through the box (tilt included), xu and xsu
//      wrapped into it (the fractional coordinate's floor removed along a periodic axis); positions are wrapped
//      unless the frame has unwrapped columns only.
//   3. No axis is ever filled with zeros: x and y need a column of some kind, z one when any z-like column exists
//      (a dump without any z column is a 2D dump: z = 0). A frame without one is an error naming the axis.
// Unwrapped positions come from a complete xu/xsu triplet, else from the wrapped positions and the image flags, else
// axis by axis (an axis without unwrapped column nor image flag counts when it cannot have crossed: non-periodic, or
// flat as z in a 2D run); when that fails there are none (the index then unwraps by continuity) and a warning says so.
// Pure (no Node): the box maths of LAMMPS's restricted triclinic form, r = o + H s with H's columns a, b, c.
import { scaledToCartesian, unwrapWithImages, type Box } from '../box.js';

/** The four coordinate kinds, as column-name suffixes: x, xs, xu, xsu. */
export const COORD_KINDS = ['', 's', 'u', 'su'] as const;
export type CoordKind = (typeof COORD_KINDS)[number];
const AXES = ['x', 'y', 'z'] as const;

/** The coordinate columns of one frame as the reader parsed them (particles already in their final order). */
export interface CoordColumns {
  /** Per kind (COORD_KINDS order), n*3 interleaved values of the axes in `axes[k]`, or null when the frame has no column of that kind. */
  data: (Float64Array | null)[];
  /** Per kind, a bit mask of the axes present: 1 x, 2 y, 4 z. */
  axes: number[];
  /** Image flags n*3 (0 where the axis has no column), or null. */
  images: Int32Array | null;
  /** Bit mask of the image-flag axes present (ix 1, iy 2, iz 4). */
  imageAxes: number;
}

export interface ResolvedPositions {
  positions: Float64Array;
  positionsKind: 'wrapped' | 'unwrapped';
  unwrapped: Float64Array | null;
  /** Per kind: whether its columns went into `positions` or `unwrapped` (the others stay properties). */
  used: boolean[];
  warnings: string[];
}

/** A frame whose columns cannot give positions; the message names the columns, the reader adds the file, frame and line. */
export class CoordinateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoordinateError';
  }
}

const columnName = (axis: number, k: number): string => AXES[axis] + COORD_KINDS[k];
const WRAPPED = [0, 1];
const UNWRAPPED = [2, 3];

/** Resolve positions and unwrapped positions of `n` particles from the frame's coordinate columns (see the header). */
export function resolvePositions(box: Box, n: number, cols: CoordColumns): ResolvedPositions {
  const { data, axes } = cols;
  const anyZ = axes.some((m) => (m & 4) !== 0);
  const required = anyZ ? 7 : 3;
  const used = [false, false, false, false];
  const warnings: string[] = [];
  for (let a = 0; a < 3; a++) {
    if ((required & (1 << a)) === 0 || axes.some((m) => (m & (1 << a)) !== 0)) continue;
    const present = [0, 1, 2, 3].flatMap((k) => [0, 1, 2].filter((b) => (axes[k] & (1 << b)) !== 0).map((b) => columnName(b, k)));
    throw new CoordinateError(present.length === 0
      ? 'expected coordinate columns (x y z, xs ys zs, xu yu zu or xsu ysu zsu) but the ITEM: ATOMS line has none'
      : `expected a column for the ${AXES[a]} coordinate (${[0, 1, 2, 3].map((k) => columnName(a, k)).join(', ')}) but the ITEM: ATOMS line has only ${present.join(' ')}`);
  }
  const complete = (k: number): boolean => data[k] !== null && (axes[k] & required) === required;
  const W = WRAPPED.find(complete) ?? -1;
  const U = UNWRAPPED.find(complete) ?? -1;
  const anyUnwrappedColumn = UNWRAPPED.some((k) => data[k] !== null);

  // 1. A complete triplet: positions as written (or through the box); unwrapped from the unwrapped columns (axis by
  //    axis when they are not a whole triplet) or else the image flags.
  if (W >= 0 || U >= 0) {
    let unwrapped: Float64Array | null = null;
    if (U >= 0) {
      unwrapped = toCartesian(box, data[U] as Float64Array, COORD_KINDS[U] === 'su', anyZ);
      used[U] = true;
    } else if (W >= 0 && anyUnwrappedColumn) {
      // Before the wrapped triplet is converted in place: the axis-by-axis pass reads the columns as written.
      const r = resolveAxes(box, n, cols, required, anyZ);
      if (r.unwrapped) {
        unwrapped = r.unwrapped;
        for (const k of UNWRAPPED) used[k] ||= r.used[k];
      } else warnings.push(r.unwrappedWhy);
    }
    if (W < 0) return { positions: (unwrapped as Float64Array).slice(), positionsKind: 'unwrapped', unwrapped, used, warnings };
    const positions = toCartesian(box, data[W] as Float64Array, COORD_KINDS[W] === 's', anyZ);
    used[W] = true;
    if (!unwrapped && !anyUnwrappedColumn && cols.images) {
      const missing = movingAxes(required & ~cols.imageAxes, box, positions, 3, n);
      if (missing === 0) unwrapped = unwrapWithImages(box, positions, cols.images);
      else warnings.push(noUnwrapped(AXES[Math.log2(missing & -missing)]));
    }
    return { positions, positionsKind: 'wrapped', unwrapped, used, warnings };
  }

  // 2. Axis by axis.
  const r = resolveAxes(box, n, cols, required, anyZ);
  for (let k = 0; k < 4; k++) used[k] = r.used[k];
  const onlyUnwrapped = WRAPPED.every((k) => data[k] === null);
  if (onlyUnwrapped && r.unwrapped) return { positions: r.unwrapped.slice(), positionsKind: 'unwrapped', unwrapped: r.unwrapped, used, warnings };
  if (!r.unwrapped && (anyUnwrappedColumn || cols.images)) warnings.push(r.unwrappedWhy);
  return { positions: r.wrapped, positionsKind: 'wrapped', unwrapped: r.unwrapped, used, warnings };
}

function noUnwrapped(axis: string): string {
  return `the frame has no unwrapped ${axis} coordinate (${axis}u, ${axis}su) nor image flag (i${axis}); unwrapped positions come from continuity between frames`;
}

/** One kind's values as Cartesian positions, in place: scaled ones through the box; z = 0 without z columns (2D). */
function toCartesian(box: Box, a: Float64Array, scaled: boolean, anyZ: boolean): Float64Array {
  const m = a.length;
  if (scaled) for (let i = 0; i < m; i += 3) scaledToCartesian(box, a[i], a[i + 1], anyZ ? a[i + 2] : 0, a, i);
  if (!anyZ) for (let i = 2; i < m; i += 3) a[i] = 0;
  return a;
}

/**
 * Of the axes in `mask`, those that need an image flag or an unwrapped column to be unwrapped: periodic axes along
 * which the wrapped coordinates (`values[stride * i + axis]`, or `values[i]` with stride 1) are not all equal; a flat
 * axis (z in a 2D run) has never crossed the box.
 */
function movingAxes(mask: number, box: Box, values: Float64Array, stride: 1 | 3, n: number): number {
  let out = 0;
  for (let a = 0; a < 3; a++) {
    if ((mask & (1 << a)) === 0 || !box.periodic[a]) continue;
    const off = stride === 3 ? a : 0;
    const first = values[off];
    for (let i = 1; i < n; i++) {
      if (values[stride * i + off] !== first) {
        out |= 1 << a;
        break;
      }
    }
  }
  return out;
}

interface AxisResult {
  wrapped: Float64Array;
  unwrapped: Float64Array | null;
  unwrappedWhy: string;
  used: boolean[];
}

/**
 * Axis by axis, from z down to x (r_a = o_a + H_aa s_a + sum over b > a of H_ab s_b, H_ab = vectors[b][a]): the wrapped
 * and the unwrapped fractional and Cartesian coordinates of every particle, from whichever column each axis has.
 */
function resolveAxes(box: Box, n: number, cols: CoordColumns, required: number, anyZ: boolean): AxisResult {
  const { data, axes } = cols;
  const V = box.vectors;
  const o = box.origin;
  const used = [false, false, false, false];
  const rw: (Float64Array | null)[] = [null, null, null]; // wrapped Cartesian
  const sw: (Float64Array | null)[] = [null, null, null]; // wrapped fractional
  const ru: (Float64Array | null)[] = [null, null, null];
  const su: (Float64Array | null)[] = [null, null, null];
  let unwrappedWhy = '';
  const has = (k: number, a: number): boolean => data[k] !== null && (axes[k] & (1 << a)) !== 0;
  const column = (k: number, a: number): Float64Array => {
    used[k] = true;
    const d = data[k] as Float64Array;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = d[3 * i + a];
    return out;
  };
  /** sum over b > a of H_ab s_b[i], from the fractional coordinates `s` of the higher axes (null: not known). */
  const coupling = (a: number, s: (Float64Array | null)[], what: string): ((i: number) => number) | string => {
    const terms: [number, Float64Array][] = [];
    for (let b = a + 1; b < 3; b++) {
      const h = V[b][a];
      if (h === 0 || (required & (1 << b)) === 0) continue;
      const sb = s[b];
      if (!sb) return `the ${AXES[b]} axis has no ${what} coordinate (${what === 'unwrapped' ? `${AXES[b]}u, ${AXES[b]}su or ${AXES[b]} with i${AXES[b]}` : `${AXES[b]}, ${AXES[b]}s`}) and the box tilt couples it to ${AXES[a]}`;
      terms.push([h, sb]);
    }
    if (terms.length === 0) return () => 0;
    if (terms.length === 1) {
      const [[h, sb]] = terms;
      return (i) => h * sb[i];
    }
    const [[h1, s1], [h2, s2]] = terms;
    return (i) => h1 * s1[i] + h2 * s2[i];
  };
  const fail = (a: number, why: string): never => {
    throw new CoordinateError(`cannot wrap ${[2, 3].filter((k) => has(k, a)).map((k) => columnName(a, k)).join(' / ')} into the triclinic box: ${why}; add ${AXES[a]} or ${AXES[a]}s to the dump`);
  };
  const periodicFloor = (a: number, s: number): number => (box.periodic[a] ? s - Math.floor(s) : s);

  for (let a = 2; a >= 0; a--) {
    if ((required & (1 << a)) === 0) {
      // A 2D dump without any z column: z = 0, fractional z 0 for the tilt terms (2D boxes have none).
      rw[a] = new Float64Array(n);
      sw[a] = new Float64Array(n);
      ru[a] = new Float64Array(n);
      su[a] = new Float64Array(n);
      continue;
    }
    const h = V[a][a];
    const inv = h !== 0 ? 1 / h : 0;
    // Unwrapped from a column of this axis.
    if (has(2, a) || has(3, a)) {
      const cu = coupling(a, su, 'unwrapped');
      if (typeof cu === 'string') {
        if (!has(0, a) && !has(1, a)) fail(a, cu);
        unwrappedWhy ||= `no unwrapped ${AXES[a]}: ${cu}`;
      } else if (has(2, a)) {
        const r = column(2, a);
        const s = new Float64Array(n);
        for (let i = 0; i < n; i++) s[i] = (r[i] - o[a] - cu(i)) * inv;
        ru[a] = r;
        su[a] = s;
      } else {
        const s = column(3, a);
        const r = new Float64Array(n);
        for (let i = 0; i < n; i++) r[i] = o[a] + h * s[i] + cu(i);
        ru[a] = r;
        su[a] = s;
      }
    }
    // Wrapped: from x, xs, else the unwrapped coordinate wrapped into the box.
    const cw = coupling(a, sw, 'wrapped');
    if (typeof cw === 'string') fail(a, cw); // cannot happen: every higher axis has a wrapped coordinate by now
    const c = cw as (i: number) => number;
    if (has(0, a)) {
      const r = column(0, a);
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) s[i] = (r[i] - o[a] - c(i)) * inv;
      rw[a] = r;
      sw[a] = s;
    } else {
      let s: Float64Array;
      if (has(1, a)) s = column(1, a);
      else {
        const u = su[a] as Float64Array;
        s = new Float64Array(n);
        for (let i = 0; i < n; i++) s[i] = periodicFloor(a, u[i]);
      }
      const r = new Float64Array(n);
      for (let i = 0; i < n; i++) r[i] = o[a] + h * s[i] + c(i);
      rw[a] = r;
      sw[a] = s;
    }
    // Unwrapped from the wrapped coordinate: with the image flag, or unchanged when the axis cannot have crossed.
    if (!ru[a] && !unwrappedWhy) {
      const w = sw[a] as Float64Array;
      const img = cols.images && (cols.imageAxes & (1 << a)) !== 0 ? cols.images : null;
      const still = img === null && movingAxes(1 << a, box, rw[a] as Float64Array, 1, n) === 0;
      if (img || still) {
        const cu = coupling(a, su, 'unwrapped');
        if (typeof cu === 'string') unwrappedWhy = `no unwrapped ${AXES[a]}: ${cu}`;
        else {
          const s = new Float64Array(n);
          const r = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            s[i] = img ? w[i] + img[3 * i + a] : w[i];
            r[i] = o[a] + h * s[i] + cu(i);
          }
          su[a] = s;
          ru[a] = r;
        }
      } else {
        unwrappedWhy = noUnwrapped(AXES[a]);
      }
    }
  }
  const wrapped = new Float64Array(3 * n);
  for (let a = 0; a < 3; a++) {
    const r = rw[a] as Float64Array;
    for (let i = 0; i < n; i++) wrapped[3 * i + a] = r[i];
  }
  if (!anyZ) for (let i = 0; i < n; i++) wrapped[3 * i + 2] = 0;
  let unwrapped: Float64Array | null = null;
  if (ru.every((r) => r !== null) && !unwrappedWhy) {
    unwrapped = new Float64Array(3 * n);
    for (let a = 0; a < 3; a++) {
      const r = ru[a] as Float64Array;
      for (let i = 0; i < n; i++) unwrapped[3 * i + a] = r[i];
    }
    if (!anyZ) for (let i = 0; i < n; i++) unwrapped[3 * i + 2] = 0;
  }
  return { wrapped, unwrapped, unwrappedWhy: unwrappedWhy || 'no unwrapped coordinates', used };
}
