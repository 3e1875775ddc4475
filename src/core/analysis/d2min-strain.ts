// Per-particle non-affine displacement (D2min) and local strain from a best-fit affine map, for one
// (reference, current) frame pair: Jha & Sengupta Eqs. 7-9, 13-14, A10-A20, A27; Zhang, Ridout & Liu Eq. 2.
//
// Neighbours of i: all j != i with |mic(X_j - X_i)| < rc in the REFERENCE frame (X reference, x current);
// dX = mic(X_j - X_i) in the reference box, dx = mic(x_j - x_i) in the current box (Lees-Edwards: each frame's own box).
// The quantities are fields of the same H, so they come out of one pass over the reference neighbour rows.
import { type Box } from '../box.js';
import { buildNeighborList, type NeighborList } from '../neighbors.js';

export interface StrainParams {
  /** Reference positions X (n_ref * 3, x,y,z interleaved, sorted by id). */
  reference: Float64Array;
  /** Current positions x (n * 3). Wrapped or unwrapped: only minimum-image separations are used. */
  current: Float64Array;
  /** The reference frame's box (neighbour search and dX). */
  box: Box;
  /** The current frame's box for dx (default `box`); differs when the box deforms, e.g. Lees-Edwards. */
  currentBox?: Box;
  dimensions: 2 | 3;
  /** Neighbour cutoff rc (strict: |dX| < rc), decided in the reference frame. */
  cutoff: number;
  /**
   * For each current particle, its index in the reference frame or -1 (matchById(refIds, curIds).refIndex).
   * Needed when the two frames do not hold the same particles. Current particles absent from the reference
   * are flagged (reason ABSENT); reference particles absent from the current frame are not neighbours.
   */
  refIndex?: Int32Array;
  /**
   * A full neighbour list of `reference` built with this cutoff and dimensions and with vectors (e.g. kept
   * across the frames of a fixed reference). Built here when omitted.
   */
  neighbors?: NeighborList;
  /** Also return the per-particle fit matrices A = sum dx dX^T and B = sum dX dX^T (default false). */
  keepMatrices?: boolean;
}

/** Why a particle has no values (`invalidReason`; 0 = valid). */
export const STRAIN_VALID = 0;
/** The particle is absent from the reference frame (refIndex -1). */
export const STRAIN_ABSENT = 1;
/** Fewer than `dimensions` neighbours. */
export const STRAIN_TOO_FEW_NEIGHBORS = 2;
/** B = sum dX dX^T is singular: det B <= 1e-12 tr(B)^d (e.g. collinear neighbours in 2D). */
export const STRAIN_SINGULAR = 3;
/** A non-finite input coordinate made the fit non-finite. */
export const STRAIN_NOT_FINITE = 4;

export interface StrainFields {
  /** Number of particles (of the current frame); every array is indexed by current particle. */
  readonly n: number;
  readonly dimensions: 2 | 3;
  readonly cutoff: number;
  /** Neighbours used for i (those present in both frames), also for invalid particles. */
  readonly nNeighbors: Int32Array;
  /** 1 = valid; 0 = no values (NaN in every float field), see `invalidReason`. */
  readonly valid: Uint8Array;
  readonly invalidReason: Uint8Array;
  readonly invalidCount: number;
  /** Best-fit deformation gradient H = A B^-1 (Eq. A10), d*d per particle, row-major: H[a][b] = dx_a/dX_b. */
  readonly h: Float64Array;
  /** D2min = (1/N_i) sum_j |dx - H dX|^2 (Eq. 9 / A11). */
  readonly d2min: Float64Array;
  /** sum_j |dx - H dX|^2 without normalisation (Falk-Langer, OVITO's convention). */
  readonly d2minSum: Float64Array;
  /** Non-affine displacement dNA = (1/N_i) sum_j (dx - H dX) (Eq. 8 / A12), d components per particle. */
  readonly na: Float64Array;
  /** ||e||: Frobenius norm of the deviatoric part e = eps - tr(eps)/d I of eps = H - I, all components (Eq. A17). */
  readonly eNorm: Float64Array;
  /** ||eps||: Frobenius norm of eps = H - I (Eq. A18). */
  readonly epsNorm: Float64Array;
  /** eps_vol = tr(eps)/d, signed (Eq. A19). */
  readonly epsVol: Float64Array;
  /** |eps_vol| (Eq. A20). */
  readonly epsVolAbs: Float64Array;
  /** det H: local area (volume) ratio A'/A (Eqs. 14, A27). */
  readonly detH: Float64Array;
  /** Zhang k = (tr J - d)/d with J = H (Eq. 2 text; equals eps_vol). */
  readonly k: Float64Array;
  /** Zhang total deviatoric strain |lambda_1 - lambda_2| of (J + J^T)/2 (3D: lambda_max - lambda_min). */
  readonly devTotal: Float64Array;
  /** Zhang eps_xy = (J_01 + J_10)/2. */
  readonly epsXY: Float64Array;
  /** A = sum dx dX^T and B = sum dX dX^T (d*d row-major) when `keepMatrices`, else null. */
  readonly a: Float64Array | null;
  readonly b: Float64Array | null;
}

export type StrainFieldName =
  | 'd2min' | 'd2min_sum' | 'na' | 'e_norm' | 'eps_norm' | 'eps_vol' | 'eps_vol_abs' | 'det_h' | 'k' | 'dev_total' | 'eps_xy';

export const STRAIN_FIELD_NAMES: readonly StrainFieldName[] = [
  'd2min', 'd2min_sum', 'na', 'e_norm', 'eps_norm', 'eps_vol', 'eps_vol_abs', 'det_h', 'k', 'dev_total', 'eps_xy',
];

/** Components per particle of a named field ('na' is a vector of `dimensions` components, the rest scalars). */
export function strainFieldComponents(name: StrainFieldName, dimensions: 2 | 3): number {
  return name === 'na' ? dimensions : 1;
}

/** The array of a named field (NaN where `valid` is 0; 'na' interleaved with `dimensions` components). */
export function strainField(result: StrainFields, name: StrainFieldName): Float64Array {
  switch (name) {
    case 'd2min': return result.d2min;
    case 'd2min_sum': return result.d2minSum;
    case 'na': return result.na;
    case 'e_norm': return result.eNorm;
    case 'eps_norm': return result.epsNorm;
    case 'eps_vol': return result.epsVol;
    case 'eps_vol_abs': return result.epsVolAbs;
    case 'det_h': return result.detH;
    case 'k': return result.k;
    case 'dev_total': return result.devTotal;
    case 'eps_xy': return result.epsXY;
    default: throw new Error(`strainField: unknown field "${String(name)}" (known: ${STRAIN_FIELD_NAMES.join(', ')})`);
  }
}

/** Relative threshold of the singular-B test: det B <= SINGULAR_REL * tr(B)^d. */
const SINGULAR_REL = 1e-12;
/** Below this |d/L| the rounding of the minimum image is 0 (margin for d * (1/L) vs d / L). */
const WRAP_TEST = 0.49;

interface Out {
  nNeighbors: Int32Array; valid: Uint8Array; reason: Uint8Array;
  h: Float64Array; d2min: Float64Array; d2minSum: Float64Array; na: Float64Array;
  eNorm: Float64Array; epsNorm: Float64Array; epsVol: Float64Array; epsVolAbs: Float64Array; detH: Float64Array;
  k: Float64Array; devTotal: Float64Array; epsXY: Float64Array;
  a: Float64Array | null; b: Float64Array | null;
}

/** From this many particles a 2D computation runs on the particles sorted by cell (see inCellOrder). */
const CELL_ORDER_MIN = 20_000;

/** D2min, non-affine displacement and the strain family of every particle of `current` against `reference`. */
export function computeStrainFields(params: StrainParams): StrainFields {
  const n = params.current.length / 3;
  if (params.dimensions === 2 && !params.neighbors && n >= CELL_ORDER_MIN && params.reference.length === params.current.length
    && Number.isInteger(n) && params.cutoff > 0 && isIdentity(params.refIndex)) {
    return inCellOrder(params);
  }
  return strainFieldsInOrder(params);
}

function isIdentity(refIndex: Int32Array | undefined): boolean {
  if (!refIndex) return true;
  for (let i = 0; i < refIndex.length; i++) if (refIndex[i] !== i) return false;
  return true;
}

/**
 * Large 2D frames: files keep particles in id order, often unrelated to where they are, so each neighbour read is a
 * cache miss. Sorted by reference cell (about one cutoff wide), neighbours sit close in memory; the results are put
 * back in the caller's order (the same values up to the order of summation within a row).
 */
function inCellOrder(params: StrainParams): StrainFields {
  const { reference, current, box, cutoff } = params;
  const n = reference.length / 3;
  const order = cellOrder(reference, box, cutoff, n);
  const ref = new Float64Array(3 * n), cur = new Float64Array(3 * n);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    ref[3 * k] = reference[3 * i]; ref[3 * k + 1] = reference[3 * i + 1]; ref[3 * k + 2] = reference[3 * i + 2];
    cur[3 * k] = current[3 * i]; cur[3 * k + 1] = current[3 * i + 1]; cur[3 * k + 2] = current[3 * i + 2];
  }
  const r = strainFieldsInOrder({ ...params, reference: ref, current: cur, refIndex: undefined });
  const back = <T extends Float64Array | Int32Array | Uint8Array>(a: T, stride: number): T => {
    const out = new (a.constructor as new (length: number) => T)(a.length);
    for (let k = 0; k < n; k++) {
      const i = order[k];
      for (let c = 0; c < stride; c++) out[i * stride + c] = a[k * stride + c];
    }
    return out;
  };
  return {
    ...r, nNeighbors: back(r.nNeighbors, 1), valid: back(r.valid, 1), invalidReason: back(r.invalidReason, 1), h: back(r.h, 4),
    d2min: back(r.d2min, 1), d2minSum: back(r.d2minSum, 1), na: back(r.na, 2), eNorm: back(r.eNorm, 1), epsNorm: back(r.epsNorm, 1),
    epsVol: back(r.epsVol, 1), epsVolAbs: back(r.epsVolAbs, 1), detH: back(r.detH, 1), k: back(r.k, 1), devTotal: back(r.devTotal, 1),
    epsXY: back(r.epsXY, 1), a: r.a ? back(r.a, 4) : null, b: r.b ? back(r.b, 4) : null,
  };
}

/** The particles ordered by 2D cell of the box (fractional coordinates, cells about `cutoff` wide), row by row. */
function cellOrder(positions: Float64Array, box: Box, cutoff: number, n: number): Int32Array {
  const [[a0], [b0, b1]] = box.vectors;
  const [ox, oy] = box.origin;
  const nx = Math.max(1, Math.min(4096, Math.floor(Math.abs(a0) / cutoff) || 1));
  const ny = Math.max(1, Math.min(4096, Math.floor(Math.abs(b1) / cutoff) || 1));
  const cellOf = new Int32Array(n);
  const count = new Int32Array(nx * ny + 1);
  for (let i = 0; i < n; i++) {
    const s1 = (positions[3 * i + 1] - oy) / b1;
    const s0 = (positions[3 * i] - ox - s1 * b0) / a0;
    let cx = Math.floor((s0 - Math.floor(s0)) * nx), cy = Math.floor((s1 - Math.floor(s1)) * ny);
    if (!(cx >= 0 && cx < nx)) cx = 0; // NaN or infinite coordinates, and rounding at 1
    if (!(cy >= 0 && cy < ny)) cy = 0;
    const c = cy * nx + cx;
    cellOf[i] = c;
    count[c + 1]++;
  }
  for (let c = 0; c < nx * ny; c++) count[c + 1] += count[c];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[count[cellOf[i]]++] = i;
  return order;
}

/** computeStrainFields on the particles in the order given. */
function strainFieldsInOrder(params: StrainParams): StrainFields {
  const { reference, current, box, dimensions: d, cutoff } = params;
  const currentBox = params.currentBox ?? box;
  if (d !== 2 && d !== 3) throw new RangeError(`computeStrainFields: dimensions must be 2 or 3, got ${String(d)}`);
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new RangeError(`computeStrainFields: cutoff must be a positive number, got ${cutoff}`);
  if (reference.length % 3 !== 0 || current.length % 3 !== 0) {
    throw new RangeError(`computeStrainFields: positions must hold 3 numbers per particle (reference ${reference.length}, current ${current.length})`);
  }
  const nRef = reference.length / 3;
  const n = current.length / 3;

  // Row of each current particle in the reference list, and current index of each reference particle.
  let rowOf: Int32Array | null = null;
  let curOf: Int32Array | null = null;
  const refIndex = params.refIndex;
  if (refIndex) {
    if (refIndex.length !== n) throw new RangeError(`computeStrainFields: refIndex has ${refIndex.length} entries for ${n} current particles`);
    let identity = nRef === n;
    for (let i = 0; i < n && identity; i++) identity = refIndex[i] === i;
    if (!identity) {
      rowOf = refIndex;
      curOf = new Int32Array(nRef).fill(-1);
      for (let i = 0; i < n; i++) {
        const r = refIndex[i];
        if (r >= nRef) throw new RangeError(`computeStrainFields: refIndex[${i}] = ${r} is outside the reference frame (${nRef} particles)`);
        if (r >= 0) curOf[r] = i;
      }
    }
  } else if (nRef !== n) {
    throw new RangeError(`computeStrainFields: the frames hold ${nRef} and ${n} particles; pass refIndex (matchById) to pair them`);
  }

  let nl = params.neighbors;
  if (nl) {
    if (nl.n !== nRef || nl.cutoff !== cutoff || (d === 3 && !nl.vectors)) {
      throw new RangeError(`computeStrainFields: \`neighbors\` must be a list of the reference positions with this cutoff${d === 3 ? ' and with vectors' : ''}`);
    }
  } else {
    // 2D works the reference separations out again from the positions (as it does the current ones): at N = 100 000
    // writing and reading them back (24 bytes per pair) cost more than the arithmetic (`npm run bench -- ui`, cold).
    nl = buildNeighborList(reference, box, { cutoff, dimensions: d, withVectors: d === 3 });
  }

  const dd = d * d;
  const keep = params.keepMatrices === true;
  const out: Out = {
    nNeighbors: new Int32Array(n), valid: new Uint8Array(n), reason: new Uint8Array(n),
    h: new Float64Array(n * dd), d2min: new Float64Array(n), d2minSum: new Float64Array(n), na: new Float64Array(n * d),
    eNorm: new Float64Array(n), epsNorm: new Float64Array(n), epsVol: new Float64Array(n), epsVolAbs: new Float64Array(n),
    detH: new Float64Array(n), k: new Float64Array(n), devTotal: new Float64Array(n), epsXY: new Float64Array(n),
    a: keep ? new Float64Array(n * dd) : null, b: keep ? new Float64Array(n * dd) : null,
  };
  let maxRow = 0;
  const start = nl.start;
  for (let r = 0; r < nRef; r++) maxRow = Math.max(maxRow, start[r + 1] - start[r]);
  const scratch = new Float64Array(2 * d * Math.max(1, maxRow));

  if (d === 2) kernel2D(nl, reference, box, current, currentBox, rowOf, curOf, out, scratch);
  else kernel3D(nl, current, currentBox, rowOf, curOf, out, scratch);

  let invalidCount = 0;
  for (let i = 0; i < n; i++) if (out.valid[i] === 0) invalidCount++;
  return {
    n, dimensions: d, cutoff, nNeighbors: out.nNeighbors, valid: out.valid, invalidReason: out.reason, invalidCount,
    h: out.h, d2min: out.d2min, d2minSum: out.d2minSum, na: out.na, eNorm: out.eNorm, epsNorm: out.epsNorm,
    epsVol: out.epsVol, epsVolAbs: out.epsVolAbs, detH: out.detH, k: out.k, devTotal: out.devTotal, epsXY: out.epsXY,
    a: out.a, b: out.b,
  };
}

function invalidate(out: Out, i: number, d: number, reason: number): void {
  out.valid[i] = 0;
  out.reason[i] = reason;
  const dd = d * d;
  for (let c = 0; c < dd; c++) out.h[i * dd + c] = NaN;
  for (let c = 0; c < d; c++) out.na[i * d + c] = NaN;
  out.d2min[i] = NaN; out.d2minSum[i] = NaN; out.eNorm[i] = NaN; out.epsNorm[i] = NaN; out.epsVol[i] = NaN;
  out.epsVolAbs[i] = NaN; out.detH[i] = NaN; out.k[i] = NaN; out.devTotal[i] = NaN; out.epsXY[i] = NaN;
  if (out.a && out.b) for (let c = 0; c < dd; c++) { out.a[i * dd + c] = NaN; out.b[i * dd + c] = NaN; }
}

/** 1/L for a periodic axis, 0 otherwise (then the wrap test never fires and dx is left alone). */
function inverseLength(box: Box, axis: 0 | 1 | 2): number {
  const l = box.vectors[axis][axis];
  return box.periodic[axis] && l !== 0 ? 1 / l : 0;
}

// The 2D fast path: closed-form 2x2 inverse, one sweep over each row filling A, B and a scratch copy of
// (dx, dX), a second sweep over the scratch for the residuals. Minimum image as box.ts's minimumImage (y, then x), for
// the reference separations too when the list has no vectors (then bit-identical to the list's).
function kernel2D(
  nl: NeighborList, ref: Float64Array, refBox: Box, cur: Float64Array, box: Box, rowOf: Int32Array | null, curOf: Int32Array | null,
  out: Out, s: Float64Array,
): void {
  const start = nl.start, idx = nl.indices, vec = nl.vectors;
  const ax = box.vectors[0][0], bx = box.vectors[1][0], by = box.vectors[1][1];
  const iax = inverseLength(box, 0), iby = inverseLength(box, 1);
  const rax = refBox.vectors[0][0], rbx = refBox.vectors[1][0], rby = refBox.vectors[1][1];
  const riax = inverseLength(refBox, 0), riby = inverseLength(refBox, 1);
  const { nNeighbors, valid, h, d2min, d2minSum, na, eNorm, epsNorm, epsVol, epsVolAbs, detH, k, devTotal, epsXY } = out;
  const am = out.a, bm = out.b;
  const n = nNeighbors.length;
  for (let i = 0; i < n; i++) {
    const r = rowOf === null ? i : rowOf[i];
    if (r < 0) { invalidate(out, i, 2, STRAIN_ABSENT); continue; }
    const xi = cur[3 * i], yi = cur[3 * i + 1];
    const Xi = ref[3 * r], Yi = ref[3 * r + 1];
    let a00 = 0, a01 = 0, a10 = 0, a11 = 0, b00 = 0, b01 = 0, b11 = 0;
    let m = 0;
    const e = start[r + 1];
    for (let p = start[r]; p < e; p++) {
      const jr = idx[p];
      const j = curOf === null ? jr : curOf[jr];
      if (j < 0) continue;
      let X: number, Y: number;
      if (vec !== null) {
        X = vec[3 * p]; Y = vec[3 * p + 1];
      } else {
        X = ref[3 * jr] - Xi; Y = ref[3 * jr + 1] - Yi;
        const tY = Y * riby;
        if (tY > WRAP_TEST || tY < -WRAP_TEST) { const ky = Math.round(Y / rby); X -= ky * rbx; Y -= ky * rby; }
        const tX = X * riax;
        if (tX > WRAP_TEST || tX < -WRAP_TEST) X -= Math.round(X / rax) * rax;
      }
      let dx = cur[3 * j] - xi, dy = cur[3 * j + 1] - yi;
      // Math.round is slow in V8 and wrapping is rare: reduce only when |d/L| may exceed 1/2 (exactly box.ts's result).
      const ty = dy * iby;
      if (ty > WRAP_TEST || ty < -WRAP_TEST) { const ky = Math.round(dy / by); dx -= ky * bx; dy -= ky * by; }
      const tx = dx * iax;
      if (tx > WRAP_TEST || tx < -WRAP_TEST) dx -= Math.round(dx / ax) * ax;
      const q = 4 * m;
      s[q] = dx; s[q + 1] = dy; s[q + 2] = X; s[q + 3] = Y;
      a00 += dx * X; a01 += dx * Y; a10 += dy * X; a11 += dy * Y;
      b00 += X * X; b01 += X * Y; b11 += Y * Y;
      m++;
    }
    nNeighbors[i] = m;
    if (m < 2) { invalidate(out, i, 2, STRAIN_TOO_FEW_NEIGHBORS); continue; }
    const detB = b00 * b11 - b01 * b01;
    const trB = b00 + b11;
    if (!(detB > SINGULAR_REL * trB * trB)) {
      invalidate(out, i, 2, Number.isFinite(detB) ? STRAIN_SINGULAR : STRAIN_NOT_FINITE);
      continue;
    }
    // H = A B^-1 (Eq. A10) with B^-1 = [[b11, -b01], [-b01, b00]] / det B.
    const inv = 1 / detB;
    const i00 = b11 * inv, i01 = -b01 * inv, i11 = b00 * inv;
    const h00 = a00 * i00 + a01 * i01, h01 = a00 * i01 + a01 * i11;
    const h10 = a10 * i00 + a11 * i01, h11 = a10 * i01 + a11 * i11;
    // Residuals dx - H dX: D2min (Eq. 9) and the non-affine vector (Eq. 8).
    let sum2 = 0, sx = 0, sy = 0;
    for (let q = 0; q < 4 * m; q += 4) {
      const X = s[q + 2], Y = s[q + 3];
      const rx = s[q] - (h00 * X + h01 * Y), ry = s[q + 1] - (h10 * X + h11 * Y);
      sum2 += rx * rx + ry * ry; sx += rx; sy += ry;
    }
    if (!Number.isFinite(sum2) || !Number.isFinite(h00 + h01 + h10 + h11)) { invalidate(out, i, 2, STRAIN_NOT_FINITE); continue; }
    valid[i] = 1;
    const invM = 1 / m;
    d2minSum[i] = sum2; d2min[i] = sum2 * invM;
    na[2 * i] = sx * invM; na[2 * i + 1] = sy * invM;
    h[4 * i] = h00; h[4 * i + 1] = h01; h[4 * i + 2] = h10; h[4 * i + 3] = h11;
    if (am !== null && bm !== null) {
      am[4 * i] = a00; am[4 * i + 1] = a01; am[4 * i + 2] = a10; am[4 * i + 3] = a11;
      bm[4 * i] = b00; bm[4 * i + 1] = b01; bm[4 * i + 2] = b01; bm[4 * i + 3] = b11;
    }
    // eps = H - I (Eq. 13/A14); e = eps - tr(eps)/2 I (A15-A16); norms A17, A18; eps_vol A19-A20; det H A27.
    const e00 = h00 - 1, e11 = h11 - 1;
    const vol = (e00 + e11) * 0.5;
    const dev = (e00 - e11) * 0.5;
    eNorm[i] = Math.sqrt(2 * dev * dev + h01 * h01 + h10 * h10);
    epsNorm[i] = Math.sqrt(e00 * e00 + e11 * e11 + h01 * h01 + h10 * h10);
    epsVol[i] = vol; epsVolAbs[i] = Math.abs(vol);
    detH[i] = h00 * h11 - h01 * h10;
    // Zhang et al.: k = (tr J - 2)/2, |l1 - l2| of (J + J^T)/2, eps_xy = (J01 + J10)/2.
    const sxy = (h01 + h10) * 0.5;
    k[i] = (h00 + h11 - 2) * 0.5;
    devTotal[i] = Math.sqrt((h00 - h11) * (h00 - h11) + 4 * sxy * sxy);
    epsXY[i] = sxy;
  }
}

// The 3D path: same structure with 3x3 matrices (adjugate inverse); minimum image as box.ts (z, y, then x).
function kernel3D(
  nl: NeighborList, cur: Float64Array, box: Box, rowOf: Int32Array | null, curOf: Int32Array | null, out: Out, s: Float64Array,
): void {
  const start = nl.start, idx = nl.indices, vec = nl.vectors as Float64Array;
  const [[ax], [bx, by], [cx, cy, cz]] = box.vectors;
  const iax = inverseLength(box, 0), iby = inverseLength(box, 1), icz = inverseLength(box, 2);
  const A = new Float64Array(9), B = new Float64Array(9), Bi = new Float64Array(9), H = new Float64Array(9);
  const n = out.nNeighbors.length;
  for (let i = 0; i < n; i++) {
    const r = rowOf === null ? i : rowOf[i];
    if (r < 0) { invalidate(out, i, 3, STRAIN_ABSENT); continue; }
    const xi = cur[3 * i], yi = cur[3 * i + 1], zi = cur[3 * i + 2];
    A.fill(0); B.fill(0);
    let m = 0;
    const e = start[r + 1];
    for (let p = start[r]; p < e; p++) {
      const j = curOf === null ? idx[p] : curOf[idx[p]];
      if (j < 0) continue;
      const X = vec[3 * p], Y = vec[3 * p + 1], Z = vec[3 * p + 2];
      let dx = cur[3 * j] - xi, dy = cur[3 * j + 1] - yi, dz = cur[3 * j + 2] - zi;
      const tz = dz * icz;
      if (tz > WRAP_TEST || tz < -WRAP_TEST) { const kz = Math.round(dz / cz); dx -= kz * cx; dy -= kz * cy; dz -= kz * cz; }
      const ty = dy * iby;
      if (ty > WRAP_TEST || ty < -WRAP_TEST) { const ky = Math.round(dy / by); dx -= ky * bx; dy -= ky * by; }
      const tx = dx * iax;
      if (tx > WRAP_TEST || tx < -WRAP_TEST) dx -= Math.round(dx / ax) * ax;
      const q = 6 * m;
      s[q] = dx; s[q + 1] = dy; s[q + 2] = dz; s[q + 3] = X; s[q + 4] = Y; s[q + 5] = Z;
      A[0] += dx * X; A[1] += dx * Y; A[2] += dx * Z;
      A[3] += dy * X; A[4] += dy * Y; A[5] += dy * Z;
      A[6] += dz * X; A[7] += dz * Y; A[8] += dz * Z;
      B[0] += X * X; B[1] += X * Y; B[2] += X * Z; B[4] += Y * Y; B[5] += Y * Z; B[8] += Z * Z;
      m++;
    }
    B[3] = B[1]; B[6] = B[2]; B[7] = B[5];
    out.nNeighbors[i] = m;
    if (m < 3) { invalidate(out, i, 3, STRAIN_TOO_FEW_NEIGHBORS); continue; }
    // Adjugate: Bi = adj(B) / det B.
    Bi[0] = B[4] * B[8] - B[5] * B[7]; Bi[1] = B[2] * B[7] - B[1] * B[8]; Bi[2] = B[1] * B[5] - B[2] * B[4];
    Bi[3] = B[5] * B[6] - B[3] * B[8]; Bi[4] = B[0] * B[8] - B[2] * B[6]; Bi[5] = B[2] * B[3] - B[0] * B[5];
    Bi[6] = B[3] * B[7] - B[4] * B[6]; Bi[7] = B[1] * B[6] - B[0] * B[7]; Bi[8] = B[0] * B[4] - B[1] * B[3];
    const detB = B[0] * Bi[0] + B[1] * Bi[3] + B[2] * Bi[6];
    const trB = B[0] + B[4] + B[8];
    if (!(detB > SINGULAR_REL * trB * trB * trB)) {
      invalidate(out, i, 3, Number.isFinite(detB) ? STRAIN_SINGULAR : STRAIN_NOT_FINITE);
      continue;
    }
    const inv = 1 / detB;
    for (let c = 0; c < 9; c++) Bi[c] *= inv;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) H[3 * a + b] = A[3 * a] * Bi[b] + A[3 * a + 1] * Bi[3 + b] + A[3 * a + 2] * Bi[6 + b];
    }
    let sum2 = 0, sx = 0, sy = 0, sz = 0;
    for (let q = 0; q < 6 * m; q += 6) {
      const X = s[q + 3], Y = s[q + 4], Z = s[q + 5];
      const rx = s[q] - (H[0] * X + H[1] * Y + H[2] * Z);
      const ry = s[q + 1] - (H[3] * X + H[4] * Y + H[5] * Z);
      const rz = s[q + 2] - (H[6] * X + H[7] * Y + H[8] * Z);
      sum2 += rx * rx + ry * ry + rz * rz; sx += rx; sy += ry; sz += rz;
    }
    let finite = Number.isFinite(sum2);
    for (let c = 0; c < 9; c++) finite &&= Number.isFinite(H[c]);
    if (!finite) { invalidate(out, i, 3, STRAIN_NOT_FINITE); continue; }
    out.valid[i] = 1;
    const invM = 1 / m;
    out.d2minSum[i] = sum2; out.d2min[i] = sum2 * invM;
    out.na[3 * i] = sx * invM; out.na[3 * i + 1] = sy * invM; out.na[3 * i + 2] = sz * invM;
    out.h.set(H, 9 * i);
    if (out.a && out.b) { out.a.set(A, 9 * i); out.b.set(B, 9 * i); }
    const t = H[0] + H[4] + H[8] - 3;
    const vol = t / 3;
    let eps2 = 0, dev2 = 0;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const eab = H[3 * a + b] - (a === b ? 1 : 0);
        const dab = eab - (a === b ? vol : 0);
        eps2 += eab * eab; dev2 += dab * dab;
      }
    }
    out.eNorm[i] = Math.sqrt(dev2);
    out.epsNorm[i] = Math.sqrt(eps2);
    out.epsVol[i] = vol; out.epsVolAbs[i] = Math.abs(vol);
    out.detH[i] = H[0] * (H[4] * H[8] - H[5] * H[7]) - H[1] * (H[3] * H[8] - H[5] * H[6]) + H[2] * (H[3] * H[7] - H[4] * H[6]);
    out.k[i] = vol;
    out.devTotal[i] = symmetricSpread3(H);
    out.epsXY[i] = (H[1] + H[3]) * 0.5;
  }
}

/** lambda_max - lambda_min of the symmetric part of a 3x3 row-major matrix (trigonometric eigenvalues). */
function symmetricSpread3(m: Float64Array): number {
  const s00 = m[0], s11 = m[4], s22 = m[8];
  const s01 = (m[1] + m[3]) * 0.5, s02 = (m[2] + m[6]) * 0.5, s12 = (m[5] + m[7]) * 0.5;
  const p1 = s01 * s01 + s02 * s02 + s12 * s12;
  const q = (s00 + s11 + s22) / 3;
  const p2 = (s00 - q) ** 2 + (s11 - q) ** 2 + (s22 - q) ** 2 + 2 * p1;
  if (p2 === 0) return 0;
  const p = Math.sqrt(p2 / 6);
  // det((S - qI)/p) / 2, clamped into [-1, 1].
  const c00 = (s00 - q) / p, c11 = (s11 - q) / p, c22 = (s22 - q) / p, c01 = s01 / p, c02 = s02 / p, c12 = s12 / p;
  let hr = (c00 * (c11 * c22 - c12 * c12) - c01 * (c01 * c22 - c12 * c02) + c02 * (c01 * c12 - c11 * c02)) / 2;
  hr = Math.min(1, Math.max(-1, hr));
  const phi = Math.acos(hr) / 3;
  // Largest q + 2p cos(phi), smallest q + 2p cos(phi + 2pi/3): the difference.
  return 2 * p * (Math.cos(phi) - Math.cos(phi + (2 * Math.PI) / 3));
}
