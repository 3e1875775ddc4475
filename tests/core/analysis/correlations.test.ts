import { describe, expect, it } from 'vitest';
import { averageRanks, correlationMatrices, pearson, scatterPair } from '../../../src/core/analysis/correlations.js';
import { expectClose, loadOracle, tol } from '../physics-oracle.js';

// Expected values from scipy.stats (pearsonr, spearmanr, rankdata), computed once:
//   x = [1, 2, 2, 3, 3, 3, 7, 0.5], y = [2, 2, 1, 5, 4, 4, 9, 0], z = [5, 4, 3, 2, 1, 0, -1, -2]
const x = Float64Array.of(1, 2, 2, 3, 3, 3, 7, 0.5);
const y = Float64Array.of(2, 2, 1, 5, 4, 4, 9, 0);
const z = Float64Array.of(5, 4, 3, 2, 1, 0, -1, -2);

describe('correlations: scipy conventions', () => {
  it('average ranks for ties (rankdata "average")', () => {
    const r = new Float64Array(8);
    averageRanks(x, 8, r, new Int32Array(8));
    expect(Array.from(r)).toEqual([2, 3.5, 3.5, 6, 6, 6, 8, 1]);
    averageRanks(y, 8, r, new Int32Array(8));
    expect(Array.from(r)).toEqual([3.5, 3.5, 2, 7, 5.5, 5.5, 8, 1]);
  });

  it('Pearson and Spearman matrices equal scipy with ties', () => {
    const m = correlationMatrices({ fields: [{ name: 'x', values: x }, { name: 'y', values: y }, { name: 'z', values: z }] });
    const t = { rel: 1e-13, abs: 1e-15 };
    expectClose(m.pearson, [1, 0.9556054617441201, -0.3606550312608407, 0.9556054617441201, 1, -0.29931920907427234,
      -0.3606550312608407, -0.29931920907427234, 1], t, 'pearson');
    expectClose(m.spearman, [1, 0.9256265453136692, -0.28234145428063595, 0.9256265453136692, 1, -0.16868694244915797,
      -0.28234145428063595, -0.168686942449158, 1], t, 'spearman');
    expect(m.names).toEqual(['x', 'y', 'z']);
    expect(Array.from(m.nUsed)).toEqual(new Array(9).fill(8));
    expect(m.invalidCount).toBe(0);
  });

  it('drops a particle only when one of its fields is invalid or NaN (list-wise), or per pair', () => {
    const yNaN = y.slice(); yNaN[2] = NaN;
    const zMask = new Uint8Array(8).fill(1); zMask[5] = 0;
    const fields = [{ name: 'x', values: x }, { name: 'y', values: yNaN }, { name: 'z', values: z, valid: zMask }];
    const m = correlationMatrices({ fields });
    expect(m.invalidCount).toBe(2);
    expect(Array.from(m.valid)).toEqual([1, 1, 0, 1, 1, 0, 1, 1]);
    const t = { rel: 1e-13, abs: 1e-15 };
    // scipy on the 6 particles kept: pearson (x,y), (x,z), (y,z); spearman the same pairs.
    expectClose([m.pearson[1], m.pearson[2], m.pearson[5]], [0.9749534630870428, -0.33862466931200774, -0.23249527748763854], t, 'pearson');
    expectClose([m.spearman[1], m.spearman[2], m.spearman[5]], [0.9705882352941178, -0.11595420713048968, -0.05797710356524484], t, 'spearman');
    // Pairwise: (x, z) keeps particle 2 (only y is NaN there).
    const p = correlationMatrices({ fields, deletion: 'pairwise' });
    expect(p.nUsed[0 * 3 + 2]).toBe(7);
    expect(p.nUsed[0 * 3 + 1]).toBe(7);
    expect(p.nUsed[1 * 3 + 2]).toBe(6);
    expectClose([p.pearson[2], p.spearman[2]], [-0.35667684974866304, -0.21821789023599242], t, 'pairwise x-z');
  });

  it('a constant field has NaN correlations; scatter data keeps the particles valid in both fields', () => {
    const c = correlationMatrices({ fields: [{ name: 'x', values: x }, { name: 'c', values: new Float64Array(8).fill(3) }] });
    expect(c.pearson[0]).toBe(1);
    expect(Number.isNaN(c.pearson[1])).toBe(true);
    expect(Number.isNaN(c.pearson[3])).toBe(true);
    expect(Number.isNaN(pearson(Float64Array.of(1), Float64Array.of(2)))).toBe(true);
    const yNaN = y.slice(); yNaN[2] = NaN;
    const s = scatterPair({ x: { name: 'x', values: x }, y: { name: 'y', values: yNaN } });
    expect(Array.from(s.index)).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect(Array.from(s.x)).toEqual([1, 2, 3, 3, 3, 7, 0.5]);
    expect(s.invalidCount).toBe(1);
    expect(s.pearson).toBeCloseTo(pearson(s.x, s.y), 15);
    expect(() => correlationMatrices({ fields: [{ name: 'a', values: x }, { name: 'b', values: new Float64Array(3) }] })).toThrow(RangeError);
  });
});

describe('correlations: oracle section I_correlations', () => {
  for (const n of [64, 400] as const) {
    it(`N = ${n}: every Pearson and Spearman element within tolerance`, () => {
      const sec = loadOracle(n).sections.I_correlations as unknown as {
        parameters: { names: string[] };
        fields: Record<string, (number | null)[]>;
        expected: { names: string[]; pearson: (number | null)[][]; spearman: (number | null)[][]; n_used: number };
        tolerance: Record<string, { rel: number; abs: number }>;
      };
      const fields = sec.parameters.names.map((name) => ({
        name,
        values: Float64Array.from(sec.fields[name], (v) => (v === null ? NaN : v)),
      }));
      const m = correlationMatrices({ fields });
      expect(m.names).toEqual(sec.expected.names);
      expect(m.nUsed[0]).toBe(sec.expected.n_used);
      const t = tol(sec as never);
      expectClose(m.pearson, sec.expected.pearson, t, `N${n} pearson`);
      expectClose(m.spearman, sec.expected.spearman, t, `N${n} spearman`);
    });
  }
});
