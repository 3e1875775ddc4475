import { describe, expect, it } from 'vitest';
import { blockCsrFromDense, blockCsrToDense } from '../../../src/core/linalg/block-sparse.js';
import { symmetricEigenvalues } from '../../../src/core/linalg/dense.js';
import { blockCsrOperator, eigsNearShift, lanczosLargest } from '../../../src/core/linalg/eigs.js';
import { randomBlockMatrix } from './random-matrix.js';

describe('shift-invert block Krylov-Schur', () => {
  it.each([[1, 1], [2, 2], [4, 3]])('block size %i: the nev eigenvalues nearest sigma match the dense ones (seed %i)', (p, seed) => {
    const A = randomBlockMatrix(200, 2, seed, 0);
    const n = 400;
    const dense = symmetricEigenvalues(blockCsrToDense(A), n);
    for (const sigma of [-1e-3, 0.8]) {
      const nev = 25;
      const r = eigsNearShift(A, { sigma, nev, blockSize: p, tol: 1e-12 });
      expect(r.converged).toBe(true);
      const nearest = Array.from(dense).sort((a, b) => Math.abs(a - sigma) - Math.abs(b - sigma)).slice(0, nev).sort((a, b) => a - b);
      for (let k = 0; k < nev; k++) expect(Math.abs(r.values[k] - nearest[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(nearest[k])));
      for (let k = 0; k < nev; k++) expect(r.residuals[k]).toBeLessThan(1e-8);
      expect(r.inertia.negative).toBe(dense.filter((l) => l < r.sigma).length);
    }
  });

  it('finds every copy of a degenerate eigenvalue (multiplicity 4, block size 2)', () => {
    // Block diagonal: 4 identical 2x2 blocks [[2,1],[1,2]] (eigenvalues 1 and 3) plus a 1D chain with distinct values.
    const nb = 40, n = 2 * nb;
    const d = new Float64Array(n * n);
    for (let i = 0; i < 4; i++) { const o = 2 * i; d[o * n + o] = 2; d[(o + 1) * n + o + 1] = 2; d[o * n + o + 1] = 1; d[(o + 1) * n + o] = 1; }
    for (let k = 8; k < n; k++) {
      d[k * n + k] = 2.5 + 0.01 * k;
      if (k + 1 < n) { d[k * n + k + 1] = -0.3; d[(k + 1) * n + k] = -0.3; }
    }
    const A = blockCsrFromDense(d, nb, 2);
    const dense = symmetricEigenvalues(d, n);
    const r = eigsNearShift(A, { sigma: 0, nev: 10, blockSize: 2 });
    expect(Array.from(r.values.slice(0, 4))).toEqual([1, 1, 1, 1].map((x, k) => r.values[k] * 0 + x).map((x) => expect.closeTo(x, 12)) as unknown as number[]);
    for (let k = 0; k < 10; k++) expect(r.values[k]).toBeCloseTo(dense[k], 10);
  });

  it('the inertia check recovers copies of repeated eigenvalues that a single-vector Krylov space misses', () => {
    // Six identical uncoupled 10-block systems: every eigenvalue has multiplicity 6.
    const one = randomBlockMatrix(10, 2, 21, 0.3, 20);
    const nb = 60, n = 2 * nb, d = new Float64Array(n * n), small = blockCsrToDense(one);
    for (let c = 0; c < 6; c++) for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) d[(20 * c + i) * n + 20 * c + j] = small[i * 20 + j];
    const A = blockCsrFromDense(d, nb, 2);
    const dense = symmetricEigenvalues(d, n);
    const r = eigsNearShift(A, { sigma: 0, nev: 12, blockSize: 1 });
    expect(r.recovered).toBeGreaterThan(0);
    expect(r.values.length).toBeGreaterThanOrEqual(12);
    for (let k = 0; k < 12; k++) expect(r.values[k]).toBeCloseTo(dense[k], 10);
    const unchecked = eigsNearShift(A, { sigma: 0, nev: 12, blockSize: 1, verify: false });
    expect(unchecked.verifyFactorizations).toBe(0);
  });

  it('deflated null vectors and zeroed degrees of freedom stay out of the result', () => {
    const A = randomBlockMatrix(100, 2, 9, 0, 20, [17, 60]);
    const n = 200;
    // The pair-block construction has the translations as exact null vectors.
    const tx = new Float64Array(n), ty = new Float64Array(n);
    for (let i = 0; i < 100; i++) if (i !== 17 && i !== 60) { tx[2 * i] = 1 / Math.sqrt(98); ty[2 * i + 1] = 1 / Math.sqrt(98); }
    // Isolated nodes (no pair block) have zero rows: their degrees of freedom are exact null directions too.
    const zeroDofs: number[] = [];
    for (let i = 0; i < 100; i++) if (A.start[i + 1] - A.start[i] === 1 && A.values.subarray(4 * A.start[i], 4 * A.start[i] + 4).every((x) => x === 0)) zeroDofs.push(2 * i, 2 * i + 1);
    expect(zeroDofs.length).toBeGreaterThan(0);
    const dense = Array.from(symmetricEigenvalues(blockCsrToDense(A), n));
    const nZero = dense.filter((l) => Math.abs(l) < 1e-9).length;
    expect(nZero).toBe(2 + zeroDofs.length);
    const r = eigsNearShift(A, { sigma: -1e-3, nev: 10, deflate: { vectors: [tx, ty], zeroDofs: Int32Array.from(zeroDofs) } });
    const positive = dense.filter((l) => l > 1e-9).slice(0, 10);
    for (let k = 0; k < 10; k++) expect(r.values[k]).toBeCloseTo(positive[k], 10);
    // The eigenvectors are orthogonal to the deflated directions.
    for (let k = 0; k < 10; k++) {
      const x = r.vectors.subarray(k * n, (k + 1) * n);
      let sx = 0, sy = 0;
      for (let i = 0; i < 100; i++) { sx += x[2 * i]; sy += x[2 * i + 1]; }
      expect(Math.abs(sx) + Math.abs(sy)).toBeLessThan(1e-10);
      for (const d of zeroDofs) expect(x[d]).toBe(0);
    }
  });

  it('lambda_max by plain Lanczos', () => {
    const A = randomBlockMatrix(300, 2, 4, 0.1);
    const dense = symmetricEigenvalues(blockCsrToDense(A), 600);
    const r = lanczosLargest(blockCsrOperator(A), 600);
    expect(Math.abs(r.value - dense[599]) / dense[599]).toBeLessThan(1e-11);
  });
});
