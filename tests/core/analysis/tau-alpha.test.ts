// tau_alpha from F_s = 1/e: exact for curves linear in ln t (the interpolation's own form), the first crossing wins,
// no crossing gives a lower bound, and the replica jackknife reproduces the standard error of the mean of ln tau.
import { describe, expect, it } from 'vitest';
import { ONE_OVER_E, relaxationTime, replicaRelaxationTime } from '../../../src/core/analysis/tau-alpha.js';

const times = Float64Array.from({ length: 30 }, (_v, k) => (k === 0 ? 0 : 2 ** (k - 1)));
/** F(t) = a - b ln t (1 at t = 0): crosses 1/e at exp((a - 1/e)/b) exactly under linear-in-ln t interpolation. */
const logLinear = (a: number, b: number): Float64Array => times.map((t) => (t === 0 ? 1 : Math.min(1, a - b * Math.log(t))));

describe('relaxationTime', () => {
  it('finds the crossing of a curve linear in ln t exactly', () => {
    const r = relaxationTime(times, logLinear(1.2, 0.1));
    expect(r.tau).toBeCloseTo(Math.exp((1.2 - ONE_OVER_E) / 0.1), 8);
    expect(r.lowerBound).toBeNull();
  });

  it('interpolates linearly in t on the first segment (from t = 0) and returns the first crossing', () => {
    const r = relaxationTime([0, 2, 4, 8], [1, 0, 1, 0]);
    expect(r.tau).toBeCloseTo(2 * (1 - ONE_OVER_E), 12);
  });

  it('gives the last time as a lower bound when the curve never reaches 1/e', () => {
    expect(relaxationTime([0, 1, 10], [1, 0.9, 0.5])).toEqual({ tau: null, lowerBound: 10 });
  });

  it('skips NaN samples and refuses decreasing times', () => {
    expect(relaxationTime([0, 1, 2, 4], [1, NaN, 0.6, 0.2]).tau).toBeCloseTo(Math.exp(Math.log(2) + ((0.6 - ONE_OVER_E) / 0.4) * Math.log(2)), 12);
    expect(() => relaxationTime([0, 2, 1], [1, 0.5, 0.2])).toThrow(/increase/);
  });
});

describe('replicaRelaxationTime', () => {
  it('equals the standard error of the mean of ln tau for curves linear in ln t', () => {
    const a = [1.1, 1.25, 1.3, 1.18];
    const b = 0.1;
    const r = replicaRelaxationTime(times, a.map((ai) => logLinear(ai, b)));
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(r.tau).toBeCloseTo(Math.exp((mean - ONE_OVER_E) / b), 6);
    // ln tau_r = (a_r - 1/e)/b: the jackknife of a mean is the usual sd / sqrt(n).
    const ln = a.map((ai) => (ai - ONE_OVER_E) / b);
    const m = ln.reduce((s, x) => s + x, 0) / ln.length;
    const sd = Math.sqrt(ln.reduce((s, x) => s + (x - m) ** 2, 0) / (ln.length - 1));
    expect(r.lnTauStderr).toBeCloseTo(sd / Math.sqrt(ln.length), 10);
    expect(r.replicas).toBe(4);
  });

  it('has no error with one replica, or when a leave-one-out curve does not cross', () => {
    expect(replicaRelaxationTime(times, [logLinear(1.2, 0.1)]).lnTauStderr).toBeNull();
    const never = times.map(() => 1);
    const r = replicaRelaxationTime(times, [logLinear(0.8, 0.2), never]);
    expect(r.tau).not.toBeNull();
    expect(r.lnTauStderr).toBeNull();
  });
});
