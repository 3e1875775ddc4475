// The VFT fit and T_g: exact VFT data give back their parameters and T_g; noisy data match scipy's curve_fit (parameters,
// covariance, T_g and its propagated sigma) with and without given standard errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitVft, glassTransition, vftLnTau } from '../../../src/core/analysis/vft.js';

interface Case { absoluteSigma: boolean; T: number[]; lnTau: number[]; lnTauStderr: number[] | null; lnTau0: number; A: number; T0: number; covariance: number[]; Tg: number; sigmaTg: number }
const ref = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/study/vft-scipy.json'), 'utf8')) as { cases: Case[] };

describe('fitVft', () => {
  it('recovers exact VFT parameters and T_g = T0 + A / (ln 1e6 - ln tau0)', () => {
    const truth = { lnTau0: Math.log(0.2), A: 0.9, T0: 0.3 };
    const T = [0.42, 0.5, 0.6, 0.75, 0.9];
    const fit = fitVft(T, T.map((t) => vftLnTau(truth, t)));
    expect(fit.T0).toBeCloseTo(0.3, 7);
    expect(fit.A).toBeCloseTo(0.9, 6);
    expect(fit.lnTau0).toBeCloseTo(Math.log(0.2), 6);
    expect(fit.chi2).toBeLessThan(1e-12);
    expect(fit.D).toBeCloseTo(3, 5);
    const g = glassTransition(fit, Math.exp(vftLnTau(truth, 0.42)));
    expect(g.Tg).toBeCloseTo(0.3 + 0.9 / (Math.log(1e6) - Math.log(0.2)), 6);
    expect(g.extrapolationDecades).toBeCloseTo(Math.log10(1e6 / Math.exp(vftLnTau(truth, 0.42))), 12);
  });

  for (const c of ref.cases) {
    it(`matches scipy curve_fit (${c.absoluteSigma ? 'absolute sigma' : 'sigma from the residuals'})`, () => {
      const fit = fitVft(c.T, c.lnTau, c.lnTauStderr ?? undefined);
      expect(fit.absoluteSigma).toBe(c.absoluteSigma);
      expect(fit.lnTau0).toBeCloseTo(c.lnTau0, 6);
      expect(fit.A).toBeCloseTo(c.A, 6);
      expect(fit.T0).toBeCloseTo(c.T0, 7);
      for (let k = 0; k < 9; k++) expect(Math.abs(fit.covariance![k]! - c.covariance[k]!)).toBeLessThan(1e-5 * Math.abs(c.covariance[k]!) + 1e-10);
      const g = glassTransition(fit, Math.exp(Math.max(...c.lnTau)));
      expect(g.Tg).toBeCloseTo(c.Tg, 7);
      expect(g.sigma!).toBeCloseTo(c.sigmaTg, 6);
    });
  }

  it('refuses fewer than three temperatures and has no uncertainty from residuals with three', () => {
    expect(() => fitVft([0.5, 0.6], [1, 2])).toThrow(/at least 3/);
    const fit = fitVft([0.5, 0.6, 0.8], [3, 2, 1]);
    expect(fit.dof).toBe(0);
    expect(fit.covariance).toBeNull();
    expect(glassTransition(fit, Math.exp(3)).sigma).toBeNull();
  });
});
