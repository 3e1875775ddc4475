import { describe, expect, it } from 'vitest';
import { blockCsrFromDense, blockCsrMultiply, blockCsrToDense } from '../../../src/core/linalg/block-sparse.js';
import { symmetricEigen, symmetricEigenvalues, tridiagonalEigenvalues } from '../../../src/core/linalg/dense.js';
import { ldlFactor, ldlSolve, ldlSymbolic, SingularPivotError } from '../../../src/core/linalg/ldl.js';
import { nestedDissection } from '../../../src/core/linalg/ordering.js';
import { mulberry32 } from '../../../src/core/util/random.js';
import { randomBlockMatrix } from './random-matrix.js';

describe('dense symmetric eigensolver', () => {
  it('diagonalises random symmetric matrices: A V = V diag(l), V orthonormal, ascending', () => {
    const u = mulberry32(5);
    for (const n of [1, 2, 3, 7, 40]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { a[i * n + j] = u() - 0.5; a[j * n + i] = a[i * n + j]; }
      const { values, vectors } = symmetricEigen(a, n);
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
      for (let k = 0; k < n; k++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[j * n + k];
          expect(Math.abs(s - values[k] * vectors[i * n + k])).toBeLessThan(1e-13);
        }
        for (let l = 0; l < n; l++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += vectors[i * n + k] * vectors[i * n + l];
          expect(Math.abs(s - (k === l ? 1 : 0))).toBeLessThan(1e-13);
        }
      }
    }
  });

  it('tridiagonal eigenvalues: the 1D Laplacian 2 - 2 cos(k pi/(n+1))', () => {
    const n = 50;
    const ev = tridiagonalEigenvalues(new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1), n);
    for (let k = 1; k <= n; k++) expect(ev[k - 1]).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 13);
  });

  it('handles repeated eigenvalues (identity, block diagonal)', () => {
    const n = 6;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = i < 3 ? 2 : 5;
    expect(Array.from(symmetricEigenvalues(a, n))).toEqual([2, 2, 2, 5, 5, 5]);
  });
});

describe('nested dissection ordering', () => {
  it('is a permutation on lattices, tori and disconnected graphs', () => {
    for (const [w, h, periodic] of [[30, 30, true], [17, 5, false], [1, 40, false]] as const) {
      const n = w * h;
      const nbrs: number[][] = Array.from({ length: n }, () => []);
      const link = (a: number, c: number): void => { if (a !== c && !nbrs[a].includes(c)) { nbrs[a].push(c); nbrs[c].push(a); } };
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (x + 1 < w || periodic) link(i, y * w + ((x + 1) % w));
        if (y + 1 < h || periodic) link(i, ((y + 1) % h) * w + x);
      }
      // Plus an isolated node set: drop all links of the last 3 nodes.
      for (let i = n - 3; i < n; i++) { for (const j of nbrs[i]) nbrs[j] = nbrs[j].filter((k) => k !== i); nbrs[i] = []; }
      const start = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) start[i + 1] = start[i] + nbrs[i].length;
      const adj = Int32Array.from(nbrs.flat());
      const perm = nestedDissection({ n, start, adj }, { leafSize: 8 });
      expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });
});

describe('block LDL^T', () => {
  it.each([[2, 60, 1], [3, 40, 2], [1, 50, 3], [2, 150, 4]])('b = %i, %i block rows: solves (A - sigma I) x = y to round-off, several right-hand sides', (b, nb, seed) => {
    const A = randomBlockMatrix(nb, b, seed, 0.05);
    const n = nb * b;
    const sym = ldlSymbolic(A);
    const ev = symmetricEigenvalues(blockCsrToDense(A), n);
    for (const sigma of [0, -1e-3, 0.37]) {
      const F = ldlFactor(A, sym, sigma);
      const u = mulberry32(seed + 10);
      const nrhs = 3;
      const x = Float64Array.from({ length: n * nrhs }, () => u() - 0.5);
      const y = new Float64Array(n * nrhs), t = new Float64Array(n);
      for (let v = 0; v < nrhs; v++) {
        blockCsrMultiply(A, x.subarray(v * n, (v + 1) * n), t);
        for (let i = 0; i < n; i++) y[v * n + i] = t[i] - sigma * x[v * n + i];
      }
      const z = ldlSolve(F, y, new Float64Array(n * nrhs), nrhs);
      let err = 0, mag = 0;
      for (let i = 0; i < n * nrhs; i++) { err = Math.max(err, Math.abs(z[i] - x[i])); mag = Math.max(mag, Math.abs(x[i])); }
      expect(err / mag).toBeLessThan(1e-9);
      // Inertia = the eigenvalue counts of the dense matrix around sigma.
      const below = ev.filter((l) => l < sigma).length;
      expect(F.inertia.negative).toBe(below);
      expect(F.inertia.positive).toBe(n - below);
    }
  });

  it('a singular shift is reported, not silently factored', () => {
    // Diagonal block matrix with eigenvalue exactly 1.
    const A = blockCsrFromDense(new Float64Array([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4]), 2, 2);
    expect(() => ldlFactor(A, ldlSymbolic(A), 1)).toThrow(SingularPivotError);
    expect(ldlFactor(A, ldlSymbolic(A), 2.5).inertia).toEqual({ negative: 2, zero: 0, positive: 2 });
  });
});
