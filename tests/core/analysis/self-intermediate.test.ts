// F_s(q, t) on configurations whose answer is known by construction: a rigid shift gives J0(q d) (2D) or sinc (3D),
// isotropic Gaussian displacements give exp(-q^2 s^2 / 2) per Cartesian variance s^2, and J0 against tabulated values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { besselJ0, selfIntermediateScattering, timeOrigins } from '../../../src/core/analysis/self-intermediate.js';
import { gaussian } from '../../../src/core/util/random.js';

describe('besselJ0', () => {
  it('matches tabulated values (Abramowitz & Stegun Table 9.1) within 1e-7', () => {
    const table: [number, number][] = [[0, 1], [0.5, 0.938469807240813], [1, 0.765197686557967], [2, 0.223890779141236],
      [2.404825557695773, 0], [3, -0.260051954901933], [5, -0.177596771314338], [10, -0.245935764451348], [20, 0.167024664340583]];
    for (const [x, want] of table) {
      expect(Math.abs(besselJ0(x) - want)).toBeLessThan(1e-7);
      expect(besselJ0(-x)).toBe(besselJ0(x));
    }
  });
});

describe('selfIntermediateScattering', () => {
  const n = 500;
  const reference = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) { reference[3 * i] = i * 0.7; reference[3 * i + 1] = (i * 13) % 17; }

  it('is J0(q d) for a rigid 2D shift and sin(qd)/(qd) in 3D; 1 at zero lag', () => {
    const d = [0.3, -0.4, 0.12];
    const current = reference.map((v, k) => v + d[k % 3]!);
    const q = 6.5;
    const r2 = selfIntermediateScattering({ reference, current, q, dimensions: 2 });
    expect(r2.count).toBe(n);
    expect(r2.value).toBeCloseTo(besselJ0(q * 0.5), 12);
    const x = q * Math.hypot(0.3, -0.4, 0.12);
    expect(selfIntermediateScattering({ reference, current, q, dimensions: 3 }).value).toBeCloseTo(Math.sin(x) / x, 12);
    expect(selfIntermediateScattering({ reference, current: reference, q, dimensions: 2 }).value).toBe(1);
  });

  it('is exp(-q^2 s^2 / 2) for isotropic Gaussian displacements of variance s^2 per axis (2D)', () => {
    const m = 200_000;
    const r0 = new Float64Array(3 * m);
    const r1 = new Float64Array(3 * m);
    const g = gaussian(11);
    const s = 0.15;
    for (let i = 0; i < m; i++) { r1[3 * i] = s * g(); r1[3 * i + 1] = s * g(); }
    const q = 2 * Math.PI;
    const want = Math.exp(-(q * q * s * s) / 2);
    // Monte Carlo: the spread of J0 over the sample is below 0.5, so 5 sigma is 0.5 * 5 / sqrt(m).
    expect(Math.abs(selfIntermediateScattering({ reference: r0, current: r1, q, dimensions: 2 }).value - want)).toBeLessThan(2.5 / Math.sqrt(m));
  });

  it('matches particles through refIndex and leaves absent ones out', () => {
    const ref = Float64Array.of(0, 0, 0, 10, 0, 0);
    const cur = Float64Array.of(10.2, 0, 0, 99, 99, 0, 0, 0.1, 0);
    const r = selfIntermediateScattering({ reference: ref, current: cur, q: 3, dimensions: 2, refIndex: Int32Array.of(1, -1, 0) });
    expect(r.count).toBe(2);
    expect(r.value).toBeCloseTo((besselJ0(0.6) + besselJ0(0.3)) / 2, 12);
    expect(() => selfIntermediateScattering({ reference: ref, current: cur, q: 3, dimensions: 2 })).toThrow(/refIndex/);
  });
});

describe('F_s against scipy (reference data)', () => {
  const ref = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/study/fs-scipy.json'), 'utf8')) as
    { trajectory_unwrapped: number[][][]; cases: { q: number; fs: number[]; directAverage: number[] }[] };
  const frames = ref.trajectory_unwrapped.map((f) => Float64Array.from(f.flatMap(([x, y]) => [x!, y!, 0])));
  for (const c of ref.cases) {
    it(`matches scipy.special.j0 and the direct average over directions at q = ${c.q.toFixed(3)} (8 frames, N = 64)`, () => {
      frames.forEach((cur, f) => {
        const v = selfIntermediateScattering({ reference: frames[0]!, current: cur, q: c.q, dimensions: 2 }).value;
        // The J0 approximation's absolute error is below 5e-8.
        expect(Math.abs(v - c.fs[f]!)).toBeLessThan(1e-7);
        expect(Math.abs(v - c.directAverage[f]!)).toBeLessThan(1e-7);
      });
    });
  }
});

describe('timeOrigins', () => {
  it('pairs frames with their block origin on a log-block schedule, block origins with frame 0; else all with frame 0', () => {
    expect(Array.from(timeOrigins(9, 4))).toEqual([0, 0, 0, 0, 0, 4, 4, 4, 0]);
    expect(Array.from(timeOrigins(4, null))).toEqual([0, 0, 0, 0]);
  });
});
