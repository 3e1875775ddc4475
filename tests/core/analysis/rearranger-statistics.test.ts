// The rearranger statistics of Zhang, Ridout & Liu (Figs. 3-9, Eq. 5, Appendices A-B) on cases whose answer is known:
// g_2 of uniformly random rearrangers is 1; planted angular strain fields and their continuum fits; Eq. 5 recovered
// from softness changes built with it; P_R(S) of a planted rule; the whole pipeline on a planted rearranger sequence.
import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import {
  compressionK, convolvedCompressionK, eshelbyStrain, fitConvolvedK, fitPowerLaw, fitPrefactor,
} from '../../../src/core/analysis/continuum-strain.js';
import { binCenters, linearEdges, locate, logEdges, separationsFrom } from '../../../src/core/analysis/polar-bins.js';
import { RearrangerPairCorrelation, type RearrangerPair } from '../../../src/core/analysis/rearranger-pair-correlation.js';
import { fitStrainField, RearrangerStrainField } from '../../../src/core/analysis/rearranger-strain-field.js';
import { SoftnessChange } from '../../../src/core/analysis/softness-change.js';
import { SoftnessDistribution } from '../../../src/core/analysis/softness-distribution.js';
import { BinnedMeans } from '../../../src/core/analysis/rearrangement-onset.js';
import { AvalancheStatistics, type SegmentFrame } from '../../../src/core/analysis/avalanche-statistics.js';
import { buildSoftnessModel } from '../../../src/core/analysis/softness-training.js';
import { evenCenters } from '../../../src/core/analysis/structure-functions.js';
import { mulberry32 } from '../../../src/core/util/random.js';

function randomFrame(n: number, L: number, u: () => number): Float64Array {
  const p = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) { p[3 * i] = u() * L; p[3 * i + 1] = u() * L; }
  return p;
}

describe('g_2 (Fig. 4)', () => {
  it('uniformly random rearrangers give g_2(r, df) = 1 and a flat directional g_2', () => {
    const u = mulberry32(11);
    const n = 1000, L = 40, box = orthoBox(L, L, 1);
    const edges = logEdges(1, 19.5, 10);
    const g2 = new RearrangerPairCorrelation(edges, 4, 8);
    for (let s = 0; s < 150; s++) {
      const pairs: RearrangerPair[] = [];
      for (let p = 0; p < 6; p++) {
        const rearrangers = Array.from({ length: 3 + Math.floor(u() * 6) }, () => Math.floor(u() * n));
        pairs.push({ rearrangers: [...new Set(rearrangers)], positions: randomFrame(n, L, u), box });
      }
      g2.addSegment(pairs);
    }
    const r = g2.result();
    expect(r.g2.length).toBe(5 * 10);
    let sum = 0;
    for (let k = 0; k < r.g2.length; k++) {
      // Poisson counts: within 4 standard deviations (1/sqrt(count) relative), plus 2 % for the finite sample.
      expect(Math.abs(r.g2[k] - 1)).toBeLessThan(4 / Math.sqrt(r.counts[k]) + 0.02);
      sum += r.g2[k];
    }
    expect(Math.abs(sum / r.g2.length - 1)).toBeLessThan(0.03);
    // The largest bins hold thousands of pairs: 1 within a few per cent.
    for (let df = 0; df < 5; df++) expect(Math.abs(r.g2[df * 10 + 9] - 1)).toBeLessThan(0.06);
    let ds = 0;
    for (let c = 0; c < r.directional.length; c++) ds += r.directional[c];
    expect(Math.abs(ds / r.directional.length - 1)).toBeLessThan(0.03);
    expect(r.origins[0]).toBeGreaterThan(r.origins[4]);
  });

  it('a rearranger followed by one at a fixed offset: all the weight in that bin and sector', () => {
    const L = 30, box = orthoBox(L, L, 1), n = 4;
    const pos = new Float64Array([5, 5, 0, 8, 5, 0, 20, 20, 0, 29.5, 5, 0]);
    const g2 = new RearrangerPairCorrelation(linearEdges(0, 10, 10), 1, 4);
    g2.addSegment([{ rearrangers: [0], positions: pos, box }, { rearrangers: [1, 3], positions: pos, box, origin: false }]);
    const r = g2.result();
    expect(n).toBe(4);
    // df = 1: particle 1 at distance 3 (bin 3) and particle 3 at 5.5 through the boundary (bin 5); rho = 2 / 900.
    expect(r.counts[10 + 3]).toBe(1);
    expect(r.counts[10 + 5]).toBe(1);
    expect(r.g2[10 + 3]).toBeCloseTo(1 / ((2 / 900) * Math.PI * (16 - 9)), 12);
    expect(r.origins[0]).toBe(1);
    expect(Number.isNaN(r.g2[0])).toBe(true); // df = 0: no other rearranger, no expectation
  });
});

describe('continuum strain (Appendices A, B)', () => {
  it('Eq. A8: the deviatoric magnitude is isotropic and k averages to zero over angles', () => {
    const nu = 0.34;
    let kSum = 0;
    for (let q = 0; q < 360; q++) {
      const th = (q + 0.5) * (Math.PI / 180);
      const e = eshelbyStrain(2.5, th, nu);
      expect(2 * Math.hypot(e.halfDiff, e.epsXY)).toBeCloseTo(e.dev, 14);
      kSum += e.k;
    }
    expect(Math.abs(kSum)).toBeLessThan(1e-12);
  });

  it('Eq. B4: the convolution integral against a brute-force trapezoid in s', () => {
    const p = { t: 100, alpha: 6.1197e-5, nu: 0.3408, DL: 0.3533 };
    for (const r of [1, 5, 15, 30]) {
      let s = 0;
      const h = 0.05, S = 6.5 / Math.sqrt(p.alpha);
      for (let x = 0; x <= S; x += h) s += (x === 0 ? 0.5 : 1) * h * Math.exp(-p.alpha * x * x) * compressionK(r, p.t + x, p.nu, p.DL);
      expect(Math.abs(convolvedCompressionK(r, p) / s - 1)).toBeLessThan(1e-7); // the trapezoid's own error ~ 3e-8
    }
  });

  it('fits recover planted prefactors, slopes and (c_k, alpha)', () => {
    const r = Array.from(logEdges(2, 30, 20)), y = r.map((x) => 0.031 / (x * x));
    expect(fitPrefactor(r, y).c).toBeCloseTo(0.031, 14);
    expect(fitPrefactor(r, y.map((v) => -v)).c).toBeCloseTo(-0.031, 14);
    const pl = fitPowerLaw(r, r.map((x) => 0.06 * x ** -3.2));
    expect(pl.slope).toBeCloseTo(-3.2, 12);
    expect(pl.c).toBeCloseTo(0.06, 12);
    const p = { t: 100, nu: 0.3408, DL: 0.3533 };
    const k = r.map((x) => 5e-4 * convolvedCompressionK(x, { ...p, alpha: 2e-4 }));
    const f = fitConvolvedK(r, k, p);
    expect(f.alpha / 2e-4).toBeCloseTo(1, 4);
    expect(f.ck / 5e-4).toBeCloseTo(1, 4);
    expect(f.atBound).toBe(false);
    // A flat k(r) is best matched by the widest kernel: alpha runs to the end of its range, and the fit says so.
    const flat = fitConvolvedK(r, r.map(() => 1e-4), p);
    expect(flat.atBound).toBe(true);
    expect(flat.alpha).toBeCloseTo(1e-8, 12);
  });
});

describe('strain around a rearranger (Fig. 3)', () => {
  it('a planted Eshelby field comes back with its amplitudes, prefactors and r^-2 decay', () => {
    const u = mulberry32(2);
    const n = 6000, L = 80, box = orthoBox(L, L, 1);
    const edges = logEdges(2, 38, 16);
    const acc = new RearrangerStrainField(edges, 36);
    const dx = new Float64Array(n), dy = new Float64Array(n);
    const A = 2e-3, nu = 0.34;
    for (let ev = 0; ev < 20; ev++) {
      const pos = randomFrame(n, L, u);
      const o = Math.floor(u() * n);
      separationsFrom(pos, box, pos[3 * o], pos[3 * o + 1], dx, dy, o);
      const k = new Float64Array(n), dev = new Float64Array(n), exy = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (i === o) continue;
        const e = eshelbyStrain(Math.hypot(dx[i], dy[i]), Math.atan2(dy[i], dx[i]), nu);
        k[i] = A * e.k; dev[i] = A * e.dev; exy[i] = A * e.epsXY;
      }
      acc.add(o, pos, box, { k, dev, exy });
    }
    const p = acc.result();
    expect(p.events).toBe(20);
    const f = fitStrainField(p, { range: [2, 38] });
    // Bin averages of 1/r^2 and of the harmonics over a sector cost ~1 %.
    expect(f.dev.c / (A * (1 + nu) / Math.PI)).toBeCloseTo(1, 1);
    expect(f.devPowerLaw.slope).toBeCloseTo(-2, 1);
    expect(f.exyCos4.amplitude / (A * (1 + nu) / (2 * Math.PI))).toBeCloseTo(1, 1);
    expect(f.kSin2.amplitude / (A * (nu - 1) / (2 * Math.PI))).toBeCloseTo(1, 1);
    expect(f.exyCos4.explained).toBeGreaterThan(0.97);
    // The angle average of k and eps_xy vanishes, of their absolute values does not.
    for (let b = 0; b < 16; b++) {
      expect(Math.abs(p.fields.k.mean[b])).toBeLessThan(0.1 * p.fields.k.meanAbs[b]);
      expect(p.fields.exy.meanAbs[b]).toBeGreaterThan(0);
    }
  });
});

describe('softness change (Eq. 5, Figs. 6-7)', () => {
  it('recovers b, c_0(r) and c_1(r) from changes built with Eq. 5, and the angular prediction explains all', () => {
    const u = mulberry32(5);
    const n = 3000, L = 60, box = orthoBox(L, L, 1);
    const edges = logEdges(1, 29, 12);
    const acc = new SoftnessChange(edges, { nTheta: 12 });
    const meanS = 0.2, b = 207;
    const c0 = (bin: number): number => 0.3 * binCenters(edges)[bin] ** -3.1;
    const c1 = (bin: number): number => -0.06 * binCenters(edges)[bin] ** -3.2;
    const dx = new Float64Array(n), dy = new Float64Array(n);
    for (let ev = 0; ev < 15; ev++) {
      const pos = randomFrame(n, L, u);
      const o = Math.floor(u() * n);
      separationsFrom(pos, box, pos[3 * o], pos[3 * o + 1], dx, dy, o);
      const s0 = new Float64Array(n), s1 = new Float64Array(n), k = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        s0[i] = meanS + 2 * (u() - 0.5);
        const r = Math.hypot(dx[i], dy[i]), th = Math.atan2(dy[i], dx[i]);
        k[i] = (5e-4 * Math.sin(2 * th)) / (r * r) + 1e-5 * (u() - 0.5);
        const bin = locate(edges, r);
        s1[i] = s0[i] + (bin >= 0 ? c0(bin) + c1(bin) * (s0[i] - meanS) : 0) + b * k[i];
      }
      s1[o] = s0[o] - 0.75;
      acc.add(o, pos, box, s0, s1, k);
    }
    const res = acc.result(meanS);
    expect(res.b).toBeCloseTo(b, 8);
    for (let bin = 0; bin < 12; bin++) {
      expect(res.c0[bin]).toBeCloseTo(c0(bin), 10);
      expect(res.c1[bin]).toBeCloseTo(c1(bin), 10);
    }
    expect(res.angularExplained).toBeCloseTo(1, 8);
    expect(res.rearrangerDS.mean).toBeCloseTo(-0.75, 14);
    expect(res.c1PowerLaw.slope).toBeCloseTo(-3.2, 1);
  });
});

describe('softness distributions (Fig. 5) and binned means (Figs. 8-9)', () => {
  it('P_R(S) of a planted rule: rearrangers are exactly the particles with S > 1', () => {
    const acc = new SoftnessDistribution(linearEdges(-2, 2, 8));
    const u = mulberry32(8);
    for (let f = 0; f < 10; f++) {
      const S = Float64Array.from({ length: 500 }, () => 4 * u() - 2);
      acc.add(S, Array.from(S, (s) => (s > 1 ? 1 : 0)));
    }
    const r = acc.result();
    expect(Array.from(r.pR)).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    expect(r.fractionRearrangersPositive).toBe(1);
    expect(r.fractionOthersNegative).toBeCloseTo(2 / 3, 1);
    let integral = 0;
    for (let k = 0; k < 8; k++) integral += r.pS[k] * 0.5;
    expect(integral).toBeCloseTo(1, 12);
  });

  it('binned means with their standard errors', () => {
    const m = new BinnedMeans([0, 1, 2], 2);
    m.add(0.5, 1, 10); m.add(0.7, 3, 30); m.add(1.5, 5, NaN); m.add(5, 1, 1);
    const r = m.result();
    expect(Array.from(r.count)).toEqual([2, 0]);
    expect(r.mean[0][0]).toBe(2);
    expect(r.mean[1][0]).toBe(20);
    expect(r.sem[0][0]).toBeCloseTo(1, 14);
  });
});

describe('the pipeline on a planted sequence', () => {
  it('finds the planted rearrangers, the single pairs, the starts, and a quiet far field', () => {
    const side = 24, L = side, n = side * side, box = orthoBox(L, L, 1);
    const base = new Float64Array(3 * n);
    for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) {
      const q = j * side + i;
      base[3 * q] = i + 0.5 + 0.1 * Math.sin(12.9898 * q);
      base[3 * q + 1] = j + 0.5 + 0.1 * Math.cos(78.233 * q);
    }
    // Frames: particle 300 moves 0.1 (pairs 0 and 1), then particle 100 (pair 2), then nothing (pair 3).
    const frames: SegmentFrame[] = [];
    const p = Float64Array.from(base);
    frames.push({ positions: Float64Array.from(p), box, time: 0 });
    p[3 * 300] += 0.1; frames.push({ positions: Float64Array.from(p), box, time: 10 });
    p[3 * 300] += 0.1; frames.push({ positions: Float64Array.from(p), box, time: 30 });
    p[3 * 100 + 1] += 0.1; frames.push({ positions: Float64Array.from(p), box, time: 60 });
    frames.push({ positions: Float64Array.from(p), box, time: 100 });
    const species = new Uint8Array(n);
    // A trivial model (S = bias 0.5 for everyone) to exercise the softness statistics.
    const centers = Array.from(evenCenters(0.5, 0.5, 4));
    const model = buildSoftnessModel([{
      particleSpecies: null, centers, widths: centers.map(() => 0.5), mu: [0, 0, 0, 0], sd: [1, 1, 1, 1], w: [0, 0, 0, 0], b: 0.5,
      wRaw: [0, 0, 0, 0], bRaw: 0.5, C: 1, objective: 0, trainAccuracy: 1, validationAccuracy: null, nTrain: 0, nPositive: 0, nNegative: 0,
      nValidation: 0, trainingSet: 0, placement: 0, repeat: 0,
    }], 'none', { trajectories: [], frames: [], thresholds: {}, software: { name: 'avalanche-workbench', version: 'test' }, created: '' });
    const stats = new AvalancheStatistics({ species, model, yieldLags: [1, 2], timeEdges: linearEdges(-100, 100, 20) });
    const seg = stats.addSegment(frames);
    expect(Array.from(seg.counts)).toEqual([1, 1, 1, 0]);
    expect(Array.from(seg.rearranger)).toEqual([300, 300, 100, -1]);
    expect(Array.from(seg.single)).toEqual([1, 1, 1, 0]);
    expect(Array.from(seg.starts.particle)).toEqual([300, 100]);
    expect(Array.from(seg.starts.time)).toEqual([0, 30]);
    const r = stats.result();
    expect(r.pairs).toBe(4);
    expect(r.singlePairs).toBe(3);
    // Beyond the D2min range of the planted particle nothing strains.
    const sf = r.strainField;
    for (let b = 0; b < sf.r.length; b++) if (sf.r[b] > 3 && sf.count[b] > 0) expect(Math.abs(sf.fields.k.mean[b])).toBeLessThan(1e-12);
    expect(r.softness?.meanS).toBeCloseTo(0.5, 14);
    expect(r.softnessChange?.rearrangerDS.mean).toBe(0);
    // Fig. 8: particle 100 starts at pair 2 (lags 1, 2 available), particle 300 at pair 0 (none).
    expect(r.yieldStrain?.samples.map((s) => s.s.length)).toEqual([1, 1]);
    // Fig. 9: two starts x four pairs; the rates divide by the pair durations (10, 20, 30, 40).
    const f9 = r.strainSinceStart;
    expect(f9.perPair.count.reduce((a, x) => a + x, 0)).toBe(8);
    expect(f9.rate.count.reduce((a, x) => a + x, 0)).toBe(8);
    // Particle 300 (start at t = 0) in pair 1 (t = 10, 20 long): the only sample of its bin.
    const b1 = locate(f9.perPair.edges, 10);
    expect(f9.perPair.count[b1]).toBe(1);
    expect(f9.rate.mean[1][b1] * 20).toBeCloseTo(f9.perPair.mean[1][b1], 14);
  });
});
