// Sparse block LDL^T factorisation of a symmetric block matrix shifted by sigma: P (A - sigma I) P^T = L D L^T with L
// unit lower triangular in b x b blocks and D block diagonal (b x b symmetric blocks, inverted explicitly), so no pivoting
// across particles is needed and indefinite matrices factor as long as no diagonal block becomes singular. The
// inertia of D is that of A - sigma I (Sylvester's law): the number of eigenvalues of A below sigma, for free.
// Up-looking algorithm of Davis's LDL (ACM TOMS 31, 2005) generalised to blocks: the elimination tree, column counts,
// then row k of L by a sparse triangular solve along the tree. Fill-reducing ordering: ./ordering.ts (nested
// dissection). Pure (no Node, no DOM).
import { blockCsrGraph, type BlockCsr } from './block-sparse.js';
import { inversePermutation, nestedDissection } from './ordering.js';

export interface LdlSymbolic {
  readonly nb: number;
  readonly b: number;
  /** perm[k] = the original block row eliminated k-th; iperm its inverse. */
  readonly perm: Int32Array;
  readonly iperm: Int32Array;
  /** Elimination tree (parent of each permuted block column; -1 at roots). */
  readonly parent: Int32Array;
  /** Column starts of L (blocks below the diagonal), length nb + 1. */
  readonly colStart: Int32Array;
  /** Number of stored off-diagonal blocks of L. */
  readonly nnzBlocks: number;
}

export interface LdlFactor {
  readonly symbolic: LdlSymbolic;
  readonly sigma: number;
  /** Row (permuted block index) of each stored block of L, by columns. */
  readonly rows: Int32Array;
  /** b*b values per stored block of L, row-major. */
  readonly values: Float64Array;
  /** Inverse of each diagonal block of D, b*b per block row (permuted order), row-major. */
  readonly dinv: Float64Array;
  /** Inertia of A - sigma I: scalar eigenvalue counts below, at (|pivot| <= tolerance) and above zero. */
  readonly inertia: { negative: number; zero: number; positive: number };
}

/** Ordering and elimination tree of A's block pattern (A symmetric, both triangles stored). */
export function ldlSymbolic(A: BlockCsr, perm?: Int32Array): LdlSymbolic {
  const { nb, b } = A;
  const p = perm ?? nestedDissection({ n: nb, ...graphOf(A) });
  if (p.length !== nb) throw new RangeError(`ldlSymbolic: permutation of length ${p.length} for ${nb} block rows`);
  const iperm = inversePermutation(p);
  const parent = new Int32Array(nb).fill(-1);
  const flag = new Int32Array(nb);
  const lnz = new Int32Array(nb);
  const { start, cols } = A;
  for (let k = 0; k < nb; k++) {
    flag[k] = k;
    const row = p[k];
    for (let q = start[row]; q < start[row + 1]; q++) {
      let i = iperm[cols[q]];
      if (i >= k) continue;
      for (; flag[i] !== k; i = parent[i]) {
        if (parent[i] === -1) parent[i] = k;
        lnz[i]++;
        flag[i] = k;
      }
    }
  }
  const colStart = new Int32Array(nb + 1);
  for (let k = 0; k < nb; k++) colStart[k + 1] = colStart[k] + lnz[k];
  return { nb, b, perm: p, iperm, parent, colStart, nnzBlocks: colStart[nb] };
}

function graphOf(A: BlockCsr): { start: Int32Array; adj: Int32Array } {
  return blockCsrGraph(A);
}

export class SingularPivotError extends Error {
  constructor(readonly sigma: number, readonly column: number) {
    super(`LDL^T: singular diagonal block at permuted column ${column} for shift ${sigma} (try another shift)`);
  }
}

/**
 * Numeric factorisation of A - sigma I with the given symbolic analysis. A diagonal block whose smallest eigenvalue
 * magnitude is at most `pivotTolerance` (default 1e-13 times the largest diagonal entry of A, at least 1e-300) throws a
 * SingularPivotError: shift-invert callers then move sigma.
 */
export function ldlFactor(A: BlockCsr, sym: LdlSymbolic, sigma: number, pivotTolerance?: number): LdlFactor {
  const { nb, b, perm, iperm, parent, colStart } = sym;
  if (A.nb !== nb || A.b !== b) throw new RangeError(`ldlFactor: matrix ${A.nb}x${A.b} does not match its analysis ${nb}x${b}`);
  const bb = b * b;
  const { start, cols, values: av } = A;
  let amax = 0;
  for (let i = 0; i < nb; i++) {
    for (let q = start[i]; q < start[i + 1]; q++) {
      if (cols[q] !== i) continue;
      for (let r = 0; r < b; r++) amax = Math.max(amax, Math.abs(av[q * bb + r * b + r]));
    }
  }
  const ptol = pivotTolerance ?? Math.max(1e-300, 1e-13 * Math.max(amax, Math.abs(sigma)));
  const rows = new Int32Array(sym.nnzBlocks);
  const lx = new Float64Array(sym.nnzBlocks * bb);
  const dinv = new Float64Array(nb * bb);
  const Y = new Float64Array(nb * bb);
  const flag = new Int32Array(nb);
  const pattern = new Int32Array(nb);
  const lnz = new Int32Array(nb);
  const D = new Float64Array(bb), yi = new Float64Array(bb), lki = new Float64Array(bb), work = new Float64Array(bb);
  let neg = 0, zero = 0, pos = 0;
  for (let k = 0; k < nb; k++) {
    // Scatter column k of P A P^T (rows <= k) into Y: A(i, k) = A_orig(perm[i], perm[k]) = (block of row perm[k])^T.
    let top = nb;
    flag[k] = k;
    const row = perm[k];
    for (let q = start[row]; q < start[row + 1]; q++) {
      let i = iperm[cols[q]];
      if (i > k) continue;
      const o = q * bb, y = i * bb;
      for (let r = 0; r < b; r++) for (let c = 0; c < b; c++) Y[y + r * b + c] += av[o + c * b + r];
      let len = 0;
      for (; flag[i] !== k; i = parent[i]) { pattern[len++] = i; flag[i] = k; }
      while (len > 0) pattern[--top] = pattern[--len];
    }
    const yk = k * bb;
    for (let t = 0; t < bb; t++) { D[t] = Y[yk + t]; Y[yk + t] = 0; }
    for (let r = 0; r < b; r++) D[r * b + r] -= sigma;
    if (b === 2) {
      for (; top < nb; top++) {
        const i = pattern[top], y = 4 * i;
        const y00 = Y[y], y01 = Y[y + 1], y10 = Y[y + 2], y11 = Y[y + 3];
        Y[y] = 0; Y[y + 1] = 0; Y[y + 2] = 0; Y[y + 3] = 0;
        const p0 = colStart[i], p1 = p0 + lnz[i];
        for (let pp = p0; pp < p1; pp++) {
          const o = 4 * pp, t = 4 * rows[pp];
          const l00 = lx[o], l01 = lx[o + 1], l10 = lx[o + 2], l11 = lx[o + 3];
          Y[t] -= l00 * y00 + l01 * y10;
          Y[t + 1] -= l00 * y01 + l01 * y11;
          Y[t + 2] -= l10 * y00 + l11 * y10;
          Y[t + 3] -= l10 * y01 + l11 * y11;
        }
        // L(k, i) = Y_i^T D_i^-1.
        const d = 4 * i;
        const d00 = dinv[d], d01 = dinv[d + 1], d10 = dinv[d + 2], d11 = dinv[d + 3];
        const L00 = y00 * d00 + y10 * d10, L01 = y00 * d01 + y10 * d11;
        const L10 = y01 * d00 + y11 * d10, L11 = y01 * d01 + y11 * d11;
        // D_k -= L(k, i) Y_i.
        D[0] -= L00 * y00 + L01 * y10;
        D[1] -= L00 * y01 + L01 * y11;
        D[2] -= L10 * y00 + L11 * y10;
        D[3] -= L10 * y01 + L11 * y11;
        const o = 4 * p1;
        rows[p1] = k;
        lx[o] = L00; lx[o + 1] = L01; lx[o + 2] = L10; lx[o + 3] = L11;
        lnz[i]++;
      }
    } else {
      for (; top < nb; top++) {
        const i = pattern[top], y = i * bb;
        for (let t = 0; t < bb; t++) { yi[t] = Y[y + t]; Y[y + t] = 0; }
        const p0 = colStart[i], p1 = p0 + lnz[i];
        for (let pp = p0; pp < p1; pp++) {
          const o = pp * bb, t0 = rows[pp] * bb;
          for (let r = 0; r < b; r++) {
            for (let c = 0; c < b; c++) {
              let s = 0;
              for (let t = 0; t < b; t++) s += lx[o + r * b + t] * yi[t * b + c];
              Y[t0 + r * b + c] -= s;
            }
          }
        }
        const d = i * bb;
        for (let r = 0; r < b; r++) {
          for (let c = 0; c < b; c++) {
            let s = 0;
            for (let t = 0; t < b; t++) s += yi[t * b + r] * dinv[d + t * b + c];
            lki[r * b + c] = s;
          }
        }
        for (let r = 0; r < b; r++) {
          for (let c = 0; c < b; c++) {
            let s = 0;
            for (let t = 0; t < b; t++) s += lki[r * b + t] * yi[t * b + c];
            D[r * b + c] -= s;
          }
        }
        rows[p1] = k;
        lx.set(lki, p1 * bb);
        lnz[i]++;
      }
    }
    // Symmetrise (round-off) and invert D_k; count its inertia.
    for (let r = 0; r < b; r++) for (let c = 0; c < r; c++) { const m = 0.5 * (D[r * b + c] + D[c * b + r]); D[r * b + c] = m; D[c * b + r] = m; }
    const [nNeg, nZero] = invertSymmetricBlock(D, b, dinv, k * bb, work, ptol);
    if (nZero > 0) throw new SingularPivotError(sigma, k);
    neg += nNeg;
    zero += nZero;
    pos += b - nNeg - nZero;
  }
  return { symbolic: sym, sigma, rows, values: lx, dinv, inertia: { negative: neg, zero, positive: pos } };
}

/**
 * Inverse of the symmetric b x b block D into out[at..] and its inertia [negative, zero] (eigenvalue magnitudes <= tol
 * count as zero). b = 2 in closed form; b > 2 by symmetric Gauss-Jordan with the eigen-signs from a small Jacobi sweep.
 */
function invertSymmetricBlock(D: Float64Array, b: number, out: Float64Array, at: number, work: Float64Array, tol: number): [number, number] {
  if (b === 1) {
    const d = D[0];
    if (!(Math.abs(d) > tol)) return [0, 1];
    out[at] = 1 / d;
    return [d < 0 ? 1 : 0, 0];
  }
  if (b === 2) {
    const a = D[0], c = D[1], e = D[3];
    const tr = a + e, det = a * e - c * c;
    // Eigenvalues (tr +- sqrt(tr^2 - 4 det))/2, computed stably.
    const disc = Math.sqrt(Math.max(0, (a - e) * (a - e) + 4 * c * c));
    const big = tr >= 0 ? 0.5 * (tr + disc) : 0.5 * (tr - disc);
    const small = big !== 0 ? det / big : 0;
    let nNeg = 0, nZero = 0;
    for (const l of [big, small]) {
      if (!(Math.abs(l) > tol)) nZero++;
      else if (l < 0) nNeg++;
    }
    if (nZero > 0 || !Number.isFinite(det)) return [nNeg, Math.max(1, nZero)];
    const inv = 1 / det;
    out[at] = e * inv;
    out[at + 1] = -c * inv;
    out[at + 2] = -c * inv;
    out[at + 3] = a * inv;
    return [nNeg, 0];
  }
  // General b: eigen-decomposition by cyclic Jacobi (b is 3 in 3D), then D^-1 = V diag(1/l) V^T.
  const m = Float64Array.from(D.subarray(0, b * b));
  const v = new Float64Array(b * b);
  for (let i = 0; i < b; i++) v[i * b + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < b; p++) for (let q = p + 1; q < b; q++) off += m[p * b + q] * m[p * b + q];
    if (off === 0 || off < 1e-34 * (m[0] * m[0] + 1e-300)) break;
    for (let p = 0; p < b; p++) {
      for (let q = p + 1; q < b; q++) {
        const apq = m[p * b + q];
        if (apq === 0) continue;
        const theta = (m[q * b + q] - m[p * b + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1), sn = t * cs;
        for (let k = 0; k < b; k++) {
          const mkp = m[k * b + p], mkq = m[k * b + q];
          m[k * b + p] = cs * mkp - sn * mkq;
          m[k * b + q] = sn * mkp + cs * mkq;
        }
        for (let k = 0; k < b; k++) {
          const mpk = m[p * b + k], mqk = m[q * b + k];
          m[p * b + k] = cs * mpk - sn * mqk;
          m[q * b + k] = sn * mpk + cs * mqk;
        }
        for (let k = 0; k < b; k++) {
          const vkp = v[k * b + p], vkq = v[k * b + q];
          v[k * b + p] = cs * vkp - sn * vkq;
          v[k * b + q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  let nNeg = 0, nZero = 0;
  for (let i = 0; i < b; i++) {
    const l = m[i * b + i];
    if (!(Math.abs(l) > tol)) nZero++;
    else if (l < 0) nNeg++;
    work[i] = 1 / l;
  }
  if (nZero > 0) return [nNeg, nZero];
  for (let r = 0; r < b; r++) {
    for (let c = 0; c < b; c++) {
      let s = 0;
      for (let i = 0; i < b; i++) s += v[r * b + i] * work[i] * v[c * b + i];
      out[at + r * b + c] = s;
    }
  }
  return [nNeg, 0];
}

/**
 * Solve (A - sigma I) X = B for `nrhs` right-hand sides. B and X are scalar vectors stored one after the other
 * (vector v at [v*n, (v+1)*n), n = nb*b); X may be B. `work` (length >= n*nrhs) holds the permuted, interleaved copy.
 */
export function ldlSolve(F: LdlFactor, B: Float64Array, X: Float64Array, nrhs = 1, work?: Float64Array): Float64Array {
  const { nb, b, perm, colStart } = F.symbolic;
  const n = nb * b, bb = b * b;
  const w = work && work.length >= n * nrhs ? work : new Float64Array(n * nrhs);
  const s = nrhs; // stride of one scalar row in the interleaved layout
  // Gather: w[(k*b + r)*s + v] = B[v*n + perm[k]*b + r].
  for (let v = 0; v < nrhs; v++) {
    const off = v * n;
    for (let k = 0; k < nb; k++) {
      const src = off + perm[k] * b;
      for (let r = 0; r < b; r++) w[(k * b + r) * s + v] = B[src + r];
    }
  }
  const { rows, values: lx, dinv } = F;
  if (b === 2 && s === 1) {
    solve2(nb, colStart, rows, lx, dinv, w);
  } else if (b === 2) {
    // Forward: L y = x.
    for (let i = 0; i < nb; i++) {
      const xi = 2 * i * s;
      for (let pp = colStart[i]; pp < colStart[i + 1]; pp++) {
        const o = 4 * pp, t = 2 * rows[pp] * s;
        const l00 = lx[o], l01 = lx[o + 1], l10 = lx[o + 2], l11 = lx[o + 3];
        for (let v = 0; v < s; v++) {
          const a0 = w[xi + v], a1 = w[xi + s + v];
          w[t + v] -= l00 * a0 + l01 * a1;
          w[t + s + v] -= l10 * a0 + l11 * a1;
        }
      }
    }
    // D z = y.
    for (let i = 0; i < nb; i++) {
      const xi = 2 * i * s, d = 4 * i;
      const d00 = dinv[d], d01 = dinv[d + 1], d10 = dinv[d + 2], d11 = dinv[d + 3];
      for (let v = 0; v < s; v++) {
        const a0 = w[xi + v], a1 = w[xi + s + v];
        w[xi + v] = d00 * a0 + d01 * a1;
        w[xi + s + v] = d10 * a0 + d11 * a1;
      }
    }
    // Backward: L^T x = z.
    for (let i = nb - 1; i >= 0; i--) {
      const xi = 2 * i * s;
      for (let pp = colStart[i]; pp < colStart[i + 1]; pp++) {
        const o = 4 * pp, t = 2 * rows[pp] * s;
        const l00 = lx[o], l01 = lx[o + 1], l10 = lx[o + 2], l11 = lx[o + 3];
        for (let v = 0; v < s; v++) {
          const a0 = w[t + v], a1 = w[t + s + v];
          w[xi + v] -= l00 * a0 + l10 * a1;
          w[xi + s + v] -= l01 * a0 + l11 * a1;
        }
      }
    }
  } else {
    const tmp = new Float64Array(b);
    for (let i = 0; i < nb; i++) {
      for (let pp = colStart[i]; pp < colStart[i + 1]; pp++) {
        const o = pp * bb, t = rows[pp];
        for (let v = 0; v < s; v++) {
          for (let r = 0; r < b; r++) {
            let acc = 0;
            for (let c = 0; c < b; c++) acc += lx[o + r * b + c] * w[(i * b + c) * s + v];
            w[(t * b + r) * s + v] -= acc;
          }
        }
      }
    }
    for (let i = 0; i < nb; i++) {
      for (let v = 0; v < s; v++) {
        for (let r = 0; r < b; r++) {
          let acc = 0;
          for (let c = 0; c < b; c++) acc += dinv[i * bb + r * b + c] * w[(i * b + c) * s + v];
          tmp[r] = acc;
        }
        for (let r = 0; r < b; r++) w[(i * b + r) * s + v] = tmp[r];
      }
    }
    for (let i = nb - 1; i >= 0; i--) {
      for (let pp = colStart[i]; pp < colStart[i + 1]; pp++) {
        const o = pp * bb, t = rows[pp];
        for (let v = 0; v < s; v++) {
          for (let c = 0; c < b; c++) {
            let acc = 0;
            for (let r = 0; r < b; r++) acc += lx[o + r * b + c] * w[(t * b + r) * s + v];
            w[(i * b + c) * s + v] -= acc;
          }
        }
      }
    }
  }
  // Scatter back: X[v*n + perm[k]*b + r] = w[(k*b + r)*s + v].
  for (let v = 0; v < nrhs; v++) {
    const off = v * n;
    for (let k = 0; k < nb; k++) {
      const dst = off + perm[k] * b;
      for (let r = 0; r < b; r++) X[dst + r] = w[(k * b + r) * s + v];
    }
  }
  return X;
}

/** The three sweeps for b = 2 and one right-hand side (the shift-invert Lanczos hot loop), in place on w. */
function solve2(nb: number, colStart: Int32Array, rows: Int32Array, lx: Float64Array, dinv: Float64Array, w: Float64Array): void {
  for (let i = 0; i < nb; i++) {
    const a0 = w[2 * i], a1 = w[2 * i + 1];
    if (a0 === 0 && a1 === 0) continue;
    for (let pp = colStart[i], end = colStart[i + 1]; pp < end; pp++) {
      const o = 4 * pp, t = 2 * rows[pp];
      w[t] -= lx[o] * a0 + lx[o + 1] * a1;
      w[t + 1] -= lx[o + 2] * a0 + lx[o + 3] * a1;
    }
  }
  for (let i = 0; i < nb; i++) {
    const a0 = w[2 * i], a1 = w[2 * i + 1], d = 4 * i;
    w[2 * i] = dinv[d] * a0 + dinv[d + 1] * a1;
    w[2 * i + 1] = dinv[d + 2] * a0 + dinv[d + 3] * a1;
  }
  for (let i = nb - 1; i >= 0; i--) {
    let s0 = 0, s1 = 0;
    for (let pp = colStart[i], end = colStart[i + 1]; pp < end; pp++) {
      const o = 4 * pp, t = 2 * rows[pp];
      const a0 = w[t], a1 = w[t + 1];
      s0 += lx[o] * a0 + lx[o + 2] * a1;
      s1 += lx[o + 1] * a0 + lx[o + 3] * a1;
    }
    w[2 * i] -= s0;
    w[2 * i + 1] -= s1;
  }
}
