import { describe, expect, it } from 'vitest';
import {
  beforeAfterHistograms, chooseBins, ensembleByKey, ensembleHistogram, ensembleMean, histogram,
} from '../../../src/core/analysis/statistics.js';

// Expected values from numpy 2 (np.histogram), computed once:
//   d = [0.1, 0.5, 0.5, 0.9, 1.3, 2.0, 2.0, 3.7, 4.2, 5.0, 0.0, 7.5]
//   np.histogram(d, 'auto')            -> [6, 2, 2, 1, 1], edges [0, 1.5, 3, 4.5, 6, 7.5]
//   np.histogram(d, 'auto', density)   -> [1/3, 1/9, 1/9, 1/18, 1/18]
//   np.histogram(d, 4, range=(0, 4))   -> [5, 1, 2, 1]
//   np.histogram(d, [0, 1, 2.5, 8], density) -> [0.41666666666666669, 0.16666666666666666, 0.060606060606060608]
//   x_i = ((i*7919) % 1000)/37 + (i % 13)**2/10, i < 1000: 'auto' -> 16 bins, counts below, edges[1] 2.5469594594594596,
//   edges[-1] 40.75135135135135, density[3] 0.028269001193792272
const d = Float64Array.of(0.1, 0.5, 0.5, 0.9, 1.3, 2.0, 2.0, 3.7, 4.2, 5.0, 0.0, 7.5);

describe('histogram (numpy conventions)', () => {
  it("matches numpy.histogram with 'auto' bins, counts and density", () => {
    const h = histogram({ samples: { values: d } });
    expect(Array.from(h.edges)).toEqual([0, 1.5, 3, 4.5, 6, 7.5]);
    expect(Array.from(h.counts)).toEqual([6, 2, 2, 1, 1]);
    expect(h.inRange).toBe(12);
    expect(h.outside).toBe(0);
    expect(h.invalidCount).toBe(0);
    expect(Array.from(h.centers)).toEqual([0.75, 2.25, 3.75, 5.25, 6.75]);
    const p = histogram({ samples: { values: d }, density: true });
    const want = [1 / 3, 1 / 9, 1 / 9, 1 / 18, 1 / 18];
    p.values.forEach((v, k) => expect(v).toBeCloseTo(want[k], 15));
    // A density integrates to 1.
    let integral = 0;
    for (let k = 0; k < p.values.length; k++) integral += p.values[k] * (p.edges[k + 1] - p.edges[k]);
    expect(integral).toBeCloseTo(1, 14);
  });

  it('matches numpy with a given count and range (values outside counted apart) and with given edges', () => {
    const h = histogram({ samples: { values: d }, bins: { count: 4, range: [0, 4] } });
    expect(Array.from(h.counts)).toEqual([5, 1, 2, 1]);
    expect(h.outside).toBe(3);
    const e = histogram({ samples: { values: d }, bins: { edges: [0, 1, 2.5, 8] }, density: true });
    expect(Array.from(e.counts)).toEqual([5, 3, 4]);
    const want = [0.41666666666666669, 0.16666666666666666, 0.060606060606060608];
    e.values.forEach((v, k) => expect(v).toBeCloseTo(want[k], 15));
    // The last edge is inclusive, the others half-open.
    const edge = histogram({ samples: { values: Float64Array.of(0, 1, 2) }, bins: { edges: [0, 1, 2] } });
    expect(Array.from(edge.counts)).toEqual([1, 2]);
  });

  it("matches numpy's 'auto' rule on 1000 values", () => {
    const x = new Float64Array(1000);
    for (let i = 0; i < 1000; i++) x[i] = ((i * 7919) % 1000) / 37 + ((i % 13) ** 2) / 10;
    const h = histogram({ samples: { values: x } });
    expect(Array.from(h.counts)).toEqual([28, 45, 63, 72, 80, 91, 97, 95, 95, 97, 85, 57, 37, 27, 20, 11]);
    expect(h.edges[1]).toBe(2.5469594594594596);
    expect(h.edges[16]).toBe(40.75135135135135);
    expect(histogram({ samples: { values: x }, density: true }).values[3]).toBeCloseTo(0.028269001193792272, 16);
  });

  it('leaves out masked particles and NaN, and pools several frames', () => {
    const values = Float64Array.of(1, 2, NaN, 3, 100);
    const valid = Uint8Array.of(1, 1, 1, 1, 0);
    const h = histogram({ samples: { values, valid }, bins: { count: 2 } });
    expect(h.invalidCount).toBe(2);
    expect(h.inRange).toBe(3);
    expect(Array.from(h.edges)).toEqual([1, 2, 3]); // range from the valid values only: 100 is masked
    expect(Array.from(h.counts)).toEqual([1, 2]);
    const pooled = histogram({ samples: [{ values, valid }, { values: Float64Array.of(1.5, 2.5) }], bins: { count: 2, range: [1, 3] } });
    expect(Array.from(pooled.counts)).toEqual([2, 3]);
    expect(pooled.invalidCount).toBe(2);
    expect(() => histogram({ samples: { values, valid: new Uint8Array(2) } })).toThrow(RangeError);
  });

  it('log bins: equal in ln x, geometric centres, non-positive values outside', () => {
    const values = Float64Array.of(1e-3, 2e-3, 0.05, 0.5, 3, 0, -1);
    const h = histogram({ samples: { values }, bins: { scale: 'log', count: 3, range: [1e-3, 1] } });
    expect(h.edges[0]).toBeCloseTo(1e-3, 18);
    expect(h.edges[1]).toBeCloseTo(1e-2, 16);
    expect(h.edges[2]).toBeCloseTo(1e-1, 15);
    expect(h.edges[3]).toBeCloseTo(1, 14);
    expect(Array.from(h.counts)).toEqual([2, 1, 1]);
    expect(h.outside).toBe(3);
    expect(h.centers[0]).toBeCloseTo(Math.sqrt(1e-5), 15);
    // Range from the positive data.
    const auto = chooseBins({ scale: 'log', count: 2 }, { values });
    expect(auto[0]).toBeCloseTo(1e-3, 15);
    expect(auto[2]).toBeCloseTo(3, 12);
  });

  it('a constant field gets one bin of width 1 as numpy; an empty one does not crash', () => {
    const h = histogram({ samples: { values: Float64Array.of(2, 2, 2) } });
    expect(Array.from(h.edges)).toEqual([1.5, 2.5]);
    expect(Array.from(h.counts)).toEqual([3]);
    const e = histogram({ samples: { values: new Float64Array(0) }, density: true });
    expect(e.inRange).toBe(0);
    expect(Array.from(e.values)).toEqual([0]);
    expect(() => chooseBins({ edges: [0, 0] }, { values: d })).toThrow(RangeError);
  });
});

describe('before vs after, ensembles', () => {
  it('puts before and after on the same bins chosen from both', () => {
    const before = { values: Float64Array.of(0, 0.1, 0.2, 0.3) };
    const after = { values: Float64Array.of(0.2, 0.8, 1.0), valid: Uint8Array.of(1, 1, 1) };
    const r = beforeAfterHistograms({ before, after, bins: { count: 5 }, density: false });
    expect(Array.from(r.edges)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(Array.from(r.before.counts)).toEqual([2, 2, 0, 0, 0]);
    expect(Array.from(r.after.counts)).toEqual([0, 1, 0, 0, 2]);
    expect(Array.from(r.difference)).toEqual([-2, -1, 0, 0, 2]);
    expect(r.before.edges).toEqual(r.after.edges);
  });

  it('mean and standard error over members, NaN members left out per point', () => {
    const r = ensembleMean([Float64Array.of(1, 2, NaN), Float64Array.of(3, 2, 5), Float64Array.of(5, 2, NaN)]);
    expect(Array.from(r.mean)).toEqual([3, 2, 5]);
    expect(Array.from(r.n)).toEqual([3, 3, 1]);
    expect(r.sd[0]).toBeCloseTo(2, 15);
    expect(r.stderr[0]).toBeCloseTo(2 / Math.sqrt(3), 15);
    expect(r.stderr[1]).toBe(0);
    expect(Number.isNaN(r.stderr[2])).toBe(true);
    expect(() => ensembleMean([Float64Array.of(1), Float64Array.of(1, 2)])).toThrow(RangeError);
  });

  it('ensemble histogram on shared bins, and per-temperature groups', () => {
    const m1 = [{ values: Float64Array.of(0, 1, 2, 3) }];
    const m2 = [{ values: Float64Array.of(0, 0, 1) }, { values: Float64Array.of(3) }];
    const r = ensembleHistogram({ members: [m1, m2], bins: { count: 3 }, density: true });
    expect(Array.from(r.edges)).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.histograms[0].values)).toEqual([0.25, 0.25, 0.5]);
    expect(Array.from(r.histograms[1].values)).toEqual([0.5, 0.25, 0.25]);
    expect(Array.from(r.mean)).toEqual([0.375, 0.25, 0.375]);
    expect(r.stderr[0]).toBeCloseTo(0.125, 15);
    const byT = ensembleByKey([
      { key: 0.2, values: Float64Array.of(1, 2) },
      { key: 0.3, values: Float64Array.of(5, 5) },
      { key: 0.2, values: Float64Array.of(3, 2) },
    ]);
    expect([...byT.keys()]).toEqual([0.2, 0.3]);
    expect(Array.from(byT.get(0.2)!.mean)).toEqual([2, 2]);
    expect(byT.get(0.3)!.n[0]).toBe(1);
  });
});
