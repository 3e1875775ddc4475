// Test helper: random sparse symmetric block matrices with the structure of a Hessian (pair blocks on a random
// geometric graph: added at ii and jj, subtracted at ij and ji), so translations are exact null vectors.
import { blockCsrFromDense, type BlockCsr } from '../../../src/core/linalg/block-sparse.js';
import { mulberry32 } from '../../../src/core/util/random.js';

/** A random symmetric block matrix on a random geometric graph (points in the unit square, neighbours within r). */
/** `isolated` nodes get no pair blocks; `degree` is the mean number of neighbours. */
export function randomBlockMatrix(nb: number, b: number, seed: number, shift = 0, degree = 6, isolated: number[] = []): BlockCsr {
  const u = mulberry32(seed);
  const x = Array.from({ length: nb }, () => [u(), u()]);
  const r = Math.sqrt(degree / (Math.PI * nb));
  const n = nb * b;
  const a = new Float64Array(n * n);
  for (let i = 0; i < nb; i++) {
    for (let j = i + 1; j < nb; j++) {
      if (Math.hypot(x[i][0] - x[j][0], x[i][1] - x[j][1]) >= r || isolated.includes(i) || isolated.includes(j)) continue;
      // A positive semidefinite pair block M (like a Hessian's): added at ii, jj, subtracted at ij, ji.
      const v = Array.from({ length: b }, () => u() - 0.5);
      const s = 0.5 + u();
      for (let p = 0; p < b; p++) for (let q = 0; q < b; q++) {
        const m = s * v[p] * v[q] + (p === q ? 0.1 * u() : 0);
        a[(i * b + p) * n + i * b + q] += m; a[(j * b + p) * n + j * b + q] += m;
        a[(i * b + p) * n + j * b + q] -= m; a[(j * b + p) * n + i * b + q] -= m;
      }
    }
  }
  for (let k = 0; k < n; k++) a[k * n + k] += shift;
  // Symmetrise exactly.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) { const m = 0.5 * (a[i * n + j] + a[j * n + i]); a[i * n + j] = m; a[j * n + i] = m; }
  return blockCsrFromDense(a, nb, b);
}

