import { describe, expect, it } from 'vitest';
import {
  displacement, inherentStructureDisplacement, mobility, mobilityOverFrames, type DisplacementResult,
} from '../../../src/core/analysis/displacement.js';
import { expectClose, loadOracle, tol, xyz } from '../physics-oracle.js';

describe('displacement: analytic', () => {
  const ref = xyz(loadOracle(64).inputs.frame0);

  it('zero displacement; a uniform translation gives the same vector and magnitude for every particle', () => {
    const zero = displacement({ reference: ref, current: ref.slice() });
    expect(zero.magnitude.every((m) => m === 0)).toBe(true);
    expect(zero.invalidCount).toBe(0);
    expect(zero.valid.every((v) => v === 1)).toBe(true);
    const cur = ref.slice();
    for (let i = 0; i < cur.length; i += 3) { cur[i] += 3; cur[i + 1] -= 4; cur[i + 2] += 12; }
    const d = displacement({ reference: ref, current: cur });
    for (let i = 0; i < 64; i++) {
      expect(d.vectors[3 * i]).toBeCloseTo(3, 12);
      expect(d.vectors[3 * i + 1]).toBeCloseTo(-4, 12);
      expect(d.vectors[3 * i + 2]).toBe(0); // 2D: z ignored
      expect(d.magnitude[i]).toBeCloseTo(5, 12);
    }
    const d3 = displacement({ reference: ref, current: cur, dimensions: 3 });
    expect(d3.magnitude[7]).toBeCloseTo(13, 12);
  });

  it('no minimum image: a move across the box counts in full (unwrapped positions)', () => {
    const a = new Float64Array([0.1, 0, 0]);
    const b = new Float64Array([9.9, 0, 0]);
    expect(displacement({ reference: a, current: b }).magnitude[0]).toBeCloseTo(9.8, 14);
  });

  it('matches by id; particles absent from the reference are masked (NaN values, counted)', () => {
    const ref3 = new Float64Array([0, 0, 0, 1, 0, 0, 2, 0, 0]);
    const s = displacement({
      reference: ref3, current: new Float64Array([1, 1, 0, 2, 2, 0, 5, 5, 0]),
      referenceIds: Int32Array.from([1, 2, 3]), currentIds: Int32Array.from([2, 3, 4]),
    });
    expect([...s.valid]).toEqual([1, 1, 0]);
    expect(s.invalidCount).toBe(1);
    expect([...s.magnitude.subarray(0, 2)]).toEqual([1, 2]);
    expect(Number.isNaN(s.magnitude[2]) && Number.isNaN(s.vectors[6])).toBe(true);
  });

  it('IS displacement (Eq. 12) is X_IS(j) - X_IS(0)', () => {
    const is0 = new Float64Array([0, 0, 0, 1, 1, 0]);
    const isj = new Float64Array([0.5, 0, 0, 1, 1.25, 0]);
    const u = inherentStructureDisplacement({ is0, isCurrent: isj });
    expect([...u.vectors]).toEqual([0.5, 0, 0, 0, 0.25, 0]);
    expect([...u.magnitude]).toEqual([0.5, 0.25]);
  });
});

describe.each([64, 400] as const)('mobility and displacement: oracle C, N = %i', (N) => {
  const f = loadOracle(N);
  const sec = f.sections.C_msd_mobility;
  const t = tol(sec);
  const frames = f.inputs.trajectory_unwrapped.map(xyz);

  it('mobility m_i(f) = |r_i(f) - r_i(f-1)|, reference updated every frame (Eqs. 10-11)', () => {
    const exp = sec.expected.mobility as number[][];
    for (let k = 1; k < frames.length; k++) {
      const m = mobility({ previous: frames[k - 1], current: frames[k] });
      expectClose(m.magnitude, exp[k - 1], t, `mobility frame ${k}`);
    }
    const got: DisplacementResult[] = [];
    const ids = Int32Array.from({ length: N }, (_, i) => i);
    const read = mobilityOverFrames(frames.map((positions) => ({ positions, ids })), (k, r) => { expect(k).toBe(got.length + 1); got.push(r); });
    expect(read).toBe(8);
    expectClose(got.flatMap((r) => [...r.magnitude]), exp, t, 'mobilityOverFrames');
  });

  it('pair_mobility: |frame1_unwrapped - frame0|, with the displacement vectors', () => {
    const f0 = xyz(f.inputs.frame0), f1 = xyz(f.inputs.frame1_unwrapped);
    const d = displacement({ reference: f0, current: f1 });
    expectClose(d.magnitude, sec.expected.pair_mobility, t, 'pair_mobility');
    for (const i of [0, N - 1]) {
      expect(d.vectors[3 * i]).toBe(f1[3 * i] - f0[3 * i]);
      expect(d.vectors[3 * i + 1]).toBe(f1[3 * i + 1] - f0[3 * i + 1]);
    }
  });
});
