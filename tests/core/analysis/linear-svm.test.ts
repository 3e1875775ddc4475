// The linear SVM of softness (Zhang, Ridout & Liu Sec. II C): the oracle's section G (labels from D2min quantiles,
// standardisation, w, b, every decision value, objective, train accuracy, raw-space plane) for N = 64 and 400, and
// analytic cases (a closed-form 1D optimum, two separable clusters, the optimality conditions).
import { describe, expect, it } from 'vitest';
import { evenCenters, radialFunctions, structureFunctions } from '../../../src/core/analysis/structure-functions.js';
import {
  accuracy, decisionValues, rawHyperplane, standardization, standardizeRows, trainLinearSvm,
} from '../../../src/core/analysis/linear-svm.js';
import { quantileLabels, TrainingPoolBuilder, trainEnsemble } from '../../../src/core/analysis/softness-training.js';
import { gaussian } from '../../../src/core/util/random.js';
import { expectClose, loadOracle, oracleBox, tol, xyz, type Tolerance } from '../physics-oracle.js';

interface SectionG {
  parameters: { centers: number[]; half_width: number; C: number; label_rule: { positive_quantile: number; negative_quantile: number; q_pos_value: number; q_neg_value: number } };
  expected: {
    labels: number[]; train_idx: number[]; mu: number[]; sd: number[]; w: number[]; b: number; w_raw: number[]; b_raw: number;
    decision: number[]; objective: number; train_accuracy: number;
  };
  tolerance: Record<string, Tolerance | string>;
}

describe('linear SVM: oracle section G', () => {
  for (const n of [64, 400] as const) {
    const f = loadOracle(n);
    const g = f.sections.G_rsf_svm as unknown as SectionG;
    const e = g.expected;
    const G = structureFunctions(xyz(f.inputs.frame0), oracleBox(f), radialFunctions(evenCenters(0.4, 0.1, 27), g.parameters.half_width));
    const d = G.nFeatures;

    it(`N = ${n}: labels from the D2min quantiles of section A are exactly the oracle's`, () => {
      const d2min = (f.sections.A_d2min_strain.expected as { D2min: number[] }).D2min;
      const q = quantileLabels(d2min, g.parameters.label_rule.positive_quantile, g.parameters.label_rule.negative_quantile);
      expect(q.positiveThreshold).toBe(g.parameters.label_rule.q_pos_value);
      expect(q.negativeThreshold).toBe(g.parameters.label_rule.q_neg_value);
      expect(Array.from(q.labels)).toEqual(e.labels);
      const rows: number[] = [];
      q.labels.forEach((l, i) => { if (l >= 0) rows.push(i); });
      expect(rows).toEqual(e.train_idx);
    });

    it(`N = ${n}: standardisation, w, b, objective, train accuracy, every decision value and the raw plane`, () => {
      const rows = e.train_idx;
      const s = standardization(G.values, d, rows);
      expectClose(s.mu, e.mu, tol(f.sections.G_rsf_svm, 'standardisation'), 'mu');
      expectClose(s.sd, e.sd, tol(f.sections.G_rsf_svm, 'standardisation'), 'sd');
      const z = standardizeRows(G.values, d, rows, s);
      const r = trainLinearSvm(z, d, rows.map((i) => e.labels[i]), { C: g.parameters.C });
      expect(r.converged).toBe(true);
      const wt = tol(f.sections.G_rsf_svm, 'svm_weights');
      expectClose(r.w, e.w, wt, 'w');
      expectClose(r.b, e.b, wt, 'b');
      expectClose(r.objective, e.objective, tol(f.sections.G_rsf_svm, 'objective'), 'objective');
      expect(r.trainAccuracy).toBe(e.train_accuracy);
      expectClose(decisionValues(G.values, d, r.w, r.b, s), e.decision, tol(f.sections.G_rsf_svm, 'decision'), 'decision');
      const raw = rawHyperplane(r.w, r.b, s);
      expectClose(raw.wRaw, e.w_raw, wt, 'w_raw');
      expectClose(raw.bRaw, e.b_raw, wt, 'b_raw');
      expectClose(decisionValues(G.values, d, raw.wRaw, raw.bRaw), e.decision, tol(f.sections.G_rsf_svm, 'decision'), 'raw decision');
    });

    it(`N = ${n}: the ensemble trainer in the oracle's mode (all labelled rows, no split) gives the same hyperplane`, () => {
      const b = new TrainingPoolBuilder();
      const fr = b.addFrame({ positions: xyz(f.inputs.frame0), box: oracleBox(f) });
      b.addLabels(fr, e.labels);
      const [h] = trainEnsemble([b.build()], {
        placements: [radialFunctions(evenCenters(0.4, 0.1, 27), 0.1)], speciesMode: 'none', balance: false, validationFraction: 0, C: 1,
      });
      const wt = tol(f.sections.G_rsf_svm, 'svm_weights');
      expectClose(h.w, e.w, wt, 'ensemble w');
      expectClose(h.b, e.b, wt, 'ensemble b');
      expectClose(h.wRaw, e.w_raw, wt, 'ensemble w_raw');
      expectClose(h.bRaw, e.b_raw, wt, 'ensemble b_raw');
      expectClose(h.objective, e.objective, tol(f.sections.G_rsf_svm, 'objective'), 'ensemble objective');
      expect(h.trainAccuracy).toBe(e.train_accuracy);
      expect(h.validationAccuracy).toBeNull();
      expect(h.nTrain).toBe(e.train_idx.length);
    });
  }
});

describe('linear SVM: analytic cases', () => {
  it('1D, n points at +1 (y = +1) and n at -1 (y = -1): b = 0 and w = 4Cn / (1 + 4Cn)', () => {
    for (const [n, C] of [[1, 1], [5, 0.3], [50, 2]] as const) {
      const z = new Float64Array(2 * n), y = new Int8Array(2 * n);
      for (let i = 0; i < n; i++) { z[i] = 1; y[i] = 1; z[n + i] = -1; y[n + i] = -1; }
      const r = trainLinearSvm(z, 1, y, { C });
      expect(r.w[0]).toBeCloseTo((4 * C * n) / (1 + 4 * C * n), 14);
      expect(Math.abs(r.b)).toBeLessThan(1e-14);
      const w = r.w[0];
      expect(r.objective).toBeCloseTo(0.5 * w * w + C * 2 * n * (1 - w) ** 2, 14);
    }
  });

  it('two separable Gaussian clusters: every row classified, the optimality conditions hold, decisions are signed distances', () => {
    const g = gaussian(7);
    const n = 400, d = 5;
    const z = new Float64Array(n * d), y = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i < n / 2 ? 1 : -1;
      for (let c = 0; c < d; c++) z[i * d + c] = 0.3 * g() + (c === 0 ? 3 * y[i] : 0);
    }
    const r = trainLinearSvm(z, d, y, { C: 1 });
    expect(r.trainAccuracy).toBe(1);
    expect(accuracy(decisionValues(z, d, r.w, r.b), y)).toBe(1);
    // Gradient of 0.5 (|w|^2 + b^2) + C sum max(0, 1 - y o)^2 vanishes at the optimum.
    const grad = [...r.w, r.b];
    for (let i = 0; i < n; i++) {
      let o = r.b;
      for (let c = 0; c < d; c++) o += r.w[c] * z[i * d + c];
      const m = 1 - y[i] * o;
      if (m > 0) { for (let c = 0; c < d; c++) grad[c] -= 2 * m * y[i] * z[i * d + c]; grad[d] -= 2 * m * y[i]; }
    }
    for (const x of grad) expect(Math.abs(x)).toBeLessThan(1e-9);
    // The plane separates along the first axis.
    expect(r.w[0]).toBeGreaterThan(5 * Math.max(...Array.from(r.w.slice(1), Math.abs)));
  });

  it('refuses bad labels and non-finite features, naming the row', () => {
    expect(() => trainLinearSvm([1, 2], 1, [1, 2])).toThrow(/label\[1\] = 2/);
    expect(() => trainLinearSvm([1, NaN], 1, [1, 0])).toThrow(/row 1 is NaN/);
    expect(() => trainLinearSvm([1, 2, 3], 2, [1, 0])).toThrow(/3 feature values for 2 rows of 2/);
  });

  it('a constant feature column gets sd = 1 (not a division by zero)', () => {
    const s = standardization([1, 5, 2, 5, 3, 5], 2);
    expect(Array.from(s.mu)).toEqual([2, 5]);
    expect(s.sd[1]).toBe(1);
    expect(s.sd[0]).toBeCloseTo(Math.sqrt(2 / 3), 15);
  });
});
