// Small dense symmetric eigenproblems (the projected matrices of the sparse eigensolver, tests): Householder
// tridiagonalisation and the implicit QL algorithm (EISPACK tred2/tql2, in the public-domain form of JAMA).
// Pure (no Node, no DOM). Matrices are square, row-major Float64Array of n*n.

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as the COLUMNS of an n*n row-major matrix: vectors[i*n + k] is component i of eigenvector k. */
  vectors: Float64Array;
}

const EPS = 2 ** -52;

/**
 * All eigenvalues and orthonormal eigenvectors of the symmetric n*n matrix `a` (row-major; only its lower triangle is
 * read). `a` is not modified. O(n^3): meant for n up to a few hundred.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length < n * n) throw new RangeError(`symmetricEigen: matrix has ${a.length} entries, expected ${n * n}`);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { V[i * n + j] = a[i * n + j]; V[j * n + i] = a[i * n + j]; }
  const d = new Float64Array(n), e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  tred2(V, d, e, n);
  tql2(V, d, e, n, true);
  return { values: d, vectors: V };
}

/** Eigenvalues only (ascending) of the symmetric n*n matrix `a` (lower triangle read). */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { V[i * n + j] = a[i * n + j]; V[j * n + i] = a[i * n + j]; }
  const d = new Float64Array(n), e = new Float64Array(n);
  if (n === 0) return d;
  tred2(V, d, e, n);
  tql2(V, d, e, n, false);
  return d;
}

/**
 * Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `diag` (length n) and off-diagonal `off`
 * (off[i] couples i and i+1, length >= n-1). O(n^2), no eigenvectors.
 */
export function tridiagonalEigenvalues(diag: ArrayLike<number>, off: ArrayLike<number>, n: number): Float64Array {
  const d = new Float64Array(n), e = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = diag[i];
  // tql2 expects e[i] = coupling of i-1 and i (e[0] unused).
  for (let i = 1; i < n; i++) e[i] = off[i - 1];
  tql2(new Float64Array(0), d, e, n, false);
  return d;
}

/**
 * Eigenvalues (ascending) of the symmetric tridiagonal matrix (diag, off as in tridiagonalEigenvalues) and the LAST
 * component of each unit eigenvector, in O(n^2): what a Lanczos convergence test needs (the Ritz residual of pair k is
 * beta * last[k]).
 */
export function tridiagonalEigenLast(diag: ArrayLike<number>, off: ArrayLike<number>, n: number): { values: Float64Array; last: Float64Array } {
  const d = new Float64Array(n), e = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = diag[i];
  for (let i = 1; i < n; i++) e[i] = off[i - 1];
  // Track one row of the eigenvector matrix: row n-1 of the identity.
  const row = new Float64Array(n);
  if (n > 0) row[n - 1] = 1;
  tql2(row, d, e, n, true, 1);
  return { values: d, last: row };
}

/** Householder reduction of the symmetric matrix V (overwritten by the orthogonal transform) to tridiagonal d, e. */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e with e[i] coupling i-1 and i), eigenvalues into d (sorted ascending); with
 * `vectors`, the rotations are applied to the columns of V (row-major n*n) and the columns are sorted with d.
 */
function tql2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean, rows = n): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  let f = 0, tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= EPS * tst1) break;
      m++;
    }
    if (m === n) m = n - 1;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`symmetric eigensolver: QL did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (vectors) {
            for (let k = 0; k < rows; k++) {
              const o = k * n;
              h = V[o + i + 1];
              V[o + i + 1] = s * V[o + i] + c * h;
              V[o + i] = c * V[o + i] - s * h;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  // Selection sort (n is small), columns along.
  for (let i = 0; i < n - 1; i++) {
    let k = i, p = d[i];
    for (let j = i + 1; j < n; j++) if (d[j] < p) { k = j; p = d[j]; }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      if (vectors) {
        for (let j = 0; j < rows; j++) {
          const t = V[j * n + i];
          V[j * n + i] = V[j * n + k];
          V[j * n + k] = t;
        }
      }
    }
  }
}
