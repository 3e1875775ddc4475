// Ensemble analyses of a study on synthetic runs whose answers are known by construction:
//   - every particle moves a distance r(t) chosen so that F_s(q, t) = J0(q r) = exp(-t / tau_T) exactly, with tau_T on the
//     schedule's lags and the temperatures placed on a VFT law: tau_alpha, the fit and T_g come back exactly;
//   - fields cached at known values at tagged events: the pooled distributions hold exactly the values of the right
//     frames (the event's bracket, the moment, the person's rejections left out);
//   - the study figures are written with their spec and CSV, and the spec rebuilds the same numbers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { besselJ0 } from '../../../src/core/analysis/self-intermediate.js';
import { resolveField } from '../../../src/core/fields/field.js';
import { ensembleDistribution, ensembleSeries, ensembleTau } from '../../../src/core/study/ensemble.js';
import { planStudy, type StudyPlan } from '../../../src/core/study/plan.js';
import { buildStudyFigure, normalizeStudyFigureSpec } from '../../../src/core/study/study-figure.js';
import { loadStudy } from '../../../src/core/study/study-file.js';
import { mulberry32 } from '../../../src/core/util/random.js';
import { writeSyntheticRun } from './synthetic.js';

const work = mkdtempSync(join(tmpdir(), 'avw-ensemble-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function studyAt(name: string, temperatures: number[], seeds: number[], parameters: Record<string, unknown>, analyses: unknown[] = []): StudyPlan {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, simulate: 'thermal', temperatures, seeds, analyses, parameters: { n: 10, rho: 0.9, ...parameters } }));
  return planStudy(loadStudy(file));
}

/** r with J0(q r) = g, 0 < g <= 1, on J0's first decreasing branch (bisection on the same J0 as the analysis). */
function radiusFor(q: number, g: number): number {
  let lo = 0;
  let hi = 2.404825557695773 / q;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (besselJ0(q * mid) > g) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('ensemble tau_alpha, VFT and T_g', () => {
  const q = 2 * Math.PI;
  const dt = 0.01;
  const schedule = { kind: 'log-block' as const, B: 4096, nCfg: 12, blocks: 3, blockOrigins: true };
  const truth = { lnTau0: Math.log(0.01), A: 1.0, T0: 0.2 };
  const taus = [16, 64, 256, 1024].map((k) => k * dt);
  const temps = taus.map((tau) => Number((truth.T0 + truth.A / (Math.log(tau) - truth.lnTau0)).toFixed(6)));
  const tauOf = (T: number): number => Math.exp(truth.lnTau0 + truth.A / (T - truth.T0));

  it('finds tau_alpha where F_s = 1/e at every temperature, and T_g of the VFT law', () => {
    const plan = studyAt('vft', temps, [1, 2], { B: 4096, ncfg: 12, blocks: 3, dt }, [{ fs: { q } }]);
    const n = 200;
    for (const run of plan.runs) {
      const tau = tauOf(run.T!);
      const rnd = mulberry32(run.seed);
      const base = Float64Array.from({ length: 2 * n }, () => -8 + 16 * rnd());
      const u = Float64Array.from({ length: n }, () => 2 * Math.PI * rnd());
      const w = Float64Array.from({ length: n }, () => 2 * Math.PI * rnd());
      const per = schedule.nCfg + 1;
      writeSyntheticRun(plan, run, {
        n, schedule, dt,
        positions: (f, step, out) => {
          const block = Math.floor(f / per);
          const k = f % per;
          // Block origin i sits r(i B) from frame 0 (direction w); frame k of the block r(2^(k-1)) from its origin (direction u).
          const r0 = block === 0 ? 0 : radiusFor(q, Math.exp(-(block * schedule.B * dt) / tau));
          const r1 = k === 0 ? 0 : radiusFor(q, Math.exp(-((step - block * schedule.B) * dt) / tau));
          for (let i = 0; i < n; i++) {
            out[3 * i] = base[2 * i]! + r0 * Math.cos(w[i]!) + r1 * Math.cos(u[i]!);
            out[3 * i + 1] = base[2 * i + 1]! + r0 * Math.sin(w[i]!) + r1 * Math.sin(u[i]!);
            out[3 * i + 2] = 0;
          }
        },
      });
    }
    const r = ensembleTau(plan, q);
    expect(r.timeUnit).toBe('reduced');
    expect(r.groups.map((g) => g.T)).toEqual(temps);
    r.groups.forEach((g, k) => {
      expect(g.runs).toHaveLength(2);
      // F_s at lag t is exp(-t / tau): check the curve, then the crossing.
      // (positions are stored as float32: 1e-6 of the box, 1e-5 in F_s)
      for (let i = 0; i < g.lags.length; i++) expect(g.mean[i]!).toBeCloseTo(Math.exp(-g.time![i]! / taus[k]!), 4);
      expect(g.tau! / taus[k]!).toBeCloseTo(1, 4);
      expect(g.lnTauStderr!).toBeLessThan(1e-4);
    });
    // Lags: the 2^j of a block (averaged over the 3 blocks) and the block origins' i B.
    expect(Array.from(r.groups[0]!.lags)).toEqual([0, ...Array.from({ length: 12 }, (_v, j) => 2 ** j), 4096, 8192]);
    expect(r.vft!.T0).toBeCloseTo(truth.T0, 3);
    expect(r.vft!.A).toBeCloseTo(truth.A, 2);
    expect(r.glass!.Tg!).toBeCloseTo(truth.T0 + truth.A / (Math.log(1e6) - truth.lnTau0), 3);
    expect(r.glass!.extrapolationDecades).toBeCloseTo(Math.log10(1e6 / taus[3]!), 3);
  });
});

describe('ensemble distributions at events', () => {
  it('pools the cached field values of every event moment per temperature, leaving rejected events out', () => {
    const plan = studyAt('dist', [0.2, 0.3], [1, 2], { every: 10, frames: 10 });
    const schedule = { kind: 'linear' as const, every: 10, frames: 10 };
    const n = 4;
    const hash = resolveField({ name: 'd2min', frame: 1 }, 2, '').hash;
    const valueOf = (run: number, frame: number, i: number): number => 1000 * run + 10 * frame + i;
    for (const run of plan.runs) {
      writeSyntheticRun(plan, run, {
        n, schedule, dt: 0.003,
        positions: (_f, _s, out) => out.fill(0).forEach((_v, k) => (out[k] = k % 3 === 2 ? 0 : k)),
        index: (t) => {
          t.addTag({ frame: 5, kind: 'candidate', source: 'detector', score: 9, note: 'MSD jump: frames 4..7', before: 4, after: 7 });
          t.addTag({ frame: 2, kind: 'avalanche', note: 'mine' });
          t.addTag({ frame: 8, kind: 'not-avalanche', note: 'rejected' });
          for (let f = 1; f < 10; f++) t.putField(f, f - 1, 'd2min', hash, Float32Array.from({ length: n }, (_v, i) => valueOf(run.id, f, i)));
        },
      });
    }
    const sorted = (a: ArrayLike<number>): number[] => Array.from(a).sort((x, y) => x - y);
    const expected = (runs: number[], frames: number[]): number[] => sorted(runs.flatMap((r) => frames.flatMap((f) => [0, 1, 2, 3].map((i) => valueOf(r, f, i)))));
    const at = ensembleDistribution(plan, 'd2min', 'at');
    expect(at.groups.map((g) => [g.T, g.runs, g.events])).toEqual([[0.2, 2, 4], [0.3, 2, 4]]);
    expect(sorted(at.groups[0]!.values)).toEqual(expected([0, 1], [2, 5]));
    expect(sorted(ensembleDistribution(plan, 'd2min', 'before').groups[1]!.values)).toEqual(expected([2, 3], [1, 4]));
    expect(sorted(ensembleDistribution(plan, 'd2min', 'after').groups[1]!.values)).toEqual(expected([2, 3], [3, 7]));
    expect(sorted(ensembleDistribution(plan, 'd2min', 'at', 'confirmed').groups[0]!.values)).toEqual(expected([0, 1], [2]));
  });
});

describe('study figures', () => {
  it('writes distribution, timeline and tau figures with their spec and CSV; the spec rebuilds them', async () => {
    const plan = studyAt('figs', [0.3, 0.5], [1, 2], { every: 10, frames: 6 });
    const schedule = { kind: 'linear' as const, every: 10, frames: 6 };
    for (const run of plan.runs) {
      writeSyntheticRun(plan, run, {
        n: 50, schedule, dt: 0.003,
        positions: (f, _s, out) => {
          const rnd = mulberry32(7);
          for (let i = 0; i < 50; i++) {
            out[3 * i] = -5 + 10 * rnd() + 0.01 * f * (run.seed + i % 3) * (run.T! * 2);
            out[3 * i + 1] = -5 + 10 * rnd();
            out[3 * i + 2] = 0;
          }
        },
        index: (t) => {
          t.addTag({ frame: 3, kind: 'avalanche' });
          t.putField(3, 2, 'd2min', resolveField({ name: 'd2min', frame: 1 }, 2, '').hash, Float32Array.from({ length: 50 }, (_v, i) => i * run.T!));
        },
      });
    }
    const out = (name: string): string => join(work, name);
    const timeline = await buildStudyFigure({ kind: 'timeline', study: plan.study.file, series: 'msd' }, out('t.svg'));
    const csv = readFileSync(timeline.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('T,runs,frame,timestep,time,mean,stderr,n');
    expect(csv).toHaveLength(1 + 2 * 6);
    const e = ensembleSeries(plan, 'msd');
    expect(Number(csv[4]!.split(',')[5])).toBeCloseTo(e.groups[0]!.mean[3]!, 8);
    expect(readFileSync(timeline.path, 'utf8')).toContain('<svg');
    const dist = await buildStudyFigure({ kind: 'distribution', study: plan.study.file, field: 'displacement', moment: 'at', bins: 10 }, out('d.pdf')).catch((x: Error) => x);
    expect(dist).toBeInstanceOf(Error);
    const d = await buildStudyFigure({ kind: 'distribution', study: plan.study.file, field: 'd2min', moment: 'at', bins: 10, dpi: 300 }, out('d.png'));
    expect(d.format).toBe('png');
    const sidecar = JSON.parse(readFileSync(d.sidecar, 'utf8'));
    expect(sidecar).toMatchObject({ kind: 'distribution', field: 'd2min', moment: 'at', events: 'all', bins: 10, summary: { temperatures: [{ T: 0.3, runs: 2, events: 2 }, { T: 0.5, runs: 2, events: 2 }] } });
    const again = await buildStudyFigure(sidecar, out('d2.png'));
    expect(readFileSync(again.csv, 'utf8')).toBe(readFileSync(d.csv, 'utf8'));
    const tau = await buildStudyFigure({ kind: 'tau', study: plan.study.file }, out('tau.svg'));
    expect(tau.warnings.join(' ')).toMatch(/VFT fit needs tau_alpha at 3 temperatures/);
    expect(readFileSync(tau.csv, 'utf8').split('\n')[0]).toBe('kind,T,time,value,stderr,n');
  });

  it('refuses unknown keys and vector fields in a study figure spec', () => {
    expect(() => normalizeStudyFigureSpec({ kind: 'tau', study: 'x.json', colour: 'red' })).toThrow(/unknown key\(s\) "colour"/);
    expect(() => normalizeStudyFigureSpec({ kind: 'distribution', study: 'x.json', field: 'na' })).toThrow(/"na" is a vector field/);
    expect(() => normalizeStudyFigureSpec({ kind: 'fields', study: 'x.json' })).toThrow(/"kind" must be one of distribution, timeline, tau for a study/);
  });
});

describe('a study folder that moved', () => {
  it('collects shards written elsewhere (a cluster) into the index of the folder where it is now', async () => {
    const { renameSync, mkdirSync } = await import('node:fs');
    const plan = studyAt('moving', [0.3], [1, 2], { every: 10, frames: 4 });
    for (const run of plan.runs) {
      writeSyntheticRun(plan, run, { n: 3, schedule: { kind: 'linear', every: 10, frames: 4 }, dt: 0.003, positions: (f, _s, out) => out.forEach((_v, k) => (out[k] = k % 3 === 2 ? 0 : k + 0.01 * f)) });
    }
    const elsewhere = join(work, 'laptop');
    mkdirSync(elsewhere);
    renameSync(plan.dir, join(elsewhere, 'moving'));
    writeFileSync(join(elsewhere, 'moving.json'), readFileSync(plan.study.file));
    const moved = planStudy(loadStudy(join(elsewhere, 'moving.json')));
    const e = ensembleSeries(moved, 'msd');
    expect(e.groups[0]!.runs).toEqual([0, 1]);
    expect(e.groups[0]!.mean[3]).toBeCloseTo(2 * 0.03 * 0.03, 6); // float32 positions
  });
});
