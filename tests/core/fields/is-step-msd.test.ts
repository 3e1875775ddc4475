// The is_step_msd series (the step of the inherent-structure MSD, Jha & Sengupta Eq. 12, between consecutive frames)
// and the detect job scoring it: an MD run whose inherent structures are known by construction. The IS of every frame
// is a fixed lattice except one particle that hops at a known frame (and a quarter of the particles at another), the
// MD frames are the IS plus a vibration much larger than the hop's MSD step. The IS steps are known exactly; the
// detector finds the hops on them, and finds nothing on the MSD of the MD frames, where the vibrations hide them.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrajectorySet } from '../../../src/core/fields/frames.js';
import { computeSeries, resolveSeries } from '../../../src/core/fields/series.js';
import { detect, detectInput, validateDetectParams } from '../../../src/core/jobs/detect-job.js';
import { LammpsDumpWriter } from '../../../src/core/io/lammps-dump-writer.js';
import { SERIES } from '../../../src/shared/fields.js';
import { mulberry32 } from '../analysis/planted-jumps.js';
import { tmpDir } from '../../main/helpers.js';

const root = tmpDir('avw-is-step-msd-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SIDE = 10; // 10 x 10 lattice, spacing 1.2
const N = SIDE * SIDE;
const L = SIDE * 1.2;
const FRAMES = 60;
const HOP_FRAME = 20; // particle 0 moves by 0.6 in x: IS step MSD = 0.36 / N
const BIG_FRAME = 45; // particles 0..24 move by 0.5 in y: IS step MSD = 25 * 0.25 / N
const HOP = 0.6, BIG = 0.5, BIG_COUNT = 25;

function lattice(f: number): Float64Array {
  const p = new Float64Array(3 * N);
  for (let i = 0; i < N; i++) {
    p[3 * i] = 0.6 + 1.2 * (i % SIDE);
    p[3 * i + 1] = 0.6 + 1.2 * Math.floor(i / SIDE);
    if (i === 0 && f >= HOP_FRAME) p[3 * i] += HOP;
    if (i < BIG_COUNT && f >= BIG_FRAME) p[3 * i + 1] += BIG;
  }
  return p;
}

function write(path: string, positionsOf: (f: number) => Float64Array): void {
  const w = new LammpsDumpWriter(path, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 12 });
  try {
    for (let f = 0; f < FRAMES; f++) {
      w.append({
        timestep: 100 * f, box: { origin: [0, 0, -0.5], vectors: [[L, 0, 0], [0, L, 0], [0, 0, 1]], periodic: [true, true, true] },
        ids: Int32Array.from({ length: N }, (_, i) => i + 1), types: new Int32Array(N).fill(1), positions: positionsOf(f),
        properties: { diameter: new Float64Array(N).fill(1) },
      });
    }
  } finally {
    w.close();
  }
}

// IS: the lattice with the hops, plus a minimiser's tiny scatter (1e-6: the hops' steps to 1e-6 relative); MD: IS plus a vibration of rms 0.1 per axis
// (mean square 0.02 per particle: the MSD of the MD frames scatters by ~0.004 from frame to frame, as much as the
// hop's IS step of 0.36 / 100 = 0.0036).
const rand = mulberry32(7);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const isFrames = Array.from({ length: FRAMES }, (_, f) => {
  const p = lattice(f);
  for (let i = 0; i < N; i++) { p[3 * i] += 1e-6 * gauss(); p[3 * i + 1] += 1e-6 * gauss(); }
  return p;
});
const mdFrames = isFrames.map((is) => {
  const p = Float64Array.from(is);
  for (let i = 0; i < N; i++) { p[3 * i] += 0.1 * gauss(); p[3 * i + 1] += 0.1 * gauss(); }
  return p;
});
const run = join(root, 'run.lammpstrj');
const runIs = join(root, 'run.is.lammpstrj');
const elsewhere = join(root, 'minimised-elsewhere.lammpstrj');
const lonely = join(root, 'lonely.lammpstrj');
write(run, (f) => mdFrames[f]);
write(runIs, (f) => isFrames[f]);
write(elsewhere, (f) => isFrames[f]);
write(lonely, (f) => mdFrames[f]);

function withSet<R>(fn: (set: TrajectorySet) => R): R {
  const set = new TrajectorySet({ indexDir: join(root, 'index') });
  try {
    return fn(set);
  } finally {
    set.close();
  }
}
const ctx = { signal: new AbortController().signal, progress: () => undefined };

describe('the is_step_msd series', () => {
  it('is in the registry, measured on inherent structures', () => {
    expect(SERIES.is_step_msd).toMatchObject({ params: ['is'], frames: 'inherent', family: null });
  });

  it('is (1/N) sum_i |IS_i(f) - IS_i(f-1)|^2 of the paired FILE.is.EXT, 0 at frame 0', () => {
    const r = withSet((set) => computeSeries(set.get(run), resolveSeries({ name: 'is_step_msd' }), {}, (p) => set.get(p)));
    expect(r.measuredOn).toBe(runIs);
    expect(r.values.length).toBe(FRAMES);
    expect(r.values[0]).toBe(0);
    expect(r.values[HOP_FRAME]).toBeCloseTo((HOP * HOP) / N, 6);
    expect(r.values[BIG_FRAME]).toBeCloseTo((BIG_COUNT * BIG * BIG) / N, 6);
    for (let f = 1; f < FRAMES; f++) if (f !== HOP_FRAME && f !== BIG_FRAME) expect(r.values[f], `frame ${f}`).toBeLessThan(1e-10);
  });

  it('takes the inherent structures from `is` when given (relative to the trajectory)', () => {
    const r = withSet((set) => computeSeries(set.get(lonely), resolveSeries({ name: 'is_step_msd', params: { is: 'minimised-elsewhere.lammpstrj' } }), {}, (p) => set.get(p)));
    expect(r.measuredOn).toBe(elsewhere);
    expect(r.values[HOP_FRAME]).toBeCloseTo((HOP * HOP) / N, 6);
  });
});

describe('avw detect on inherent-structure steps', () => {
  it('scores msd by default, is_step_msd when asked (auto: when the inherent structures exist), and says which', () => {
    expect(detectInput(run, {})).toEqual({ series: 'msd' });
    expect(detectInput(run, { series: 'auto' })).toEqual({ series: 'is_step_msd', isPath: runIs });
    expect(detectInput(run, { series: 'is_step_msd' })).toEqual({ series: 'is_step_msd', isPath: runIs });
    expect(detectInput(lonely, { series: 'auto' })).toEqual({ series: 'msd' });
    expect(() => detectInput(lonely, { series: 'is_step_msd' })).toThrow(/lonely\.is\.lammpstrj.*does not exist.*avw minimize/);
    expect(() => detectInput(lonely, { series: 'auto', is: join(root, 'nowhere.gsd') })).toThrow(/nowhere\.gsd \(--is\) does not exist/);
    expect(() => validateDetectParams({ path: run, series: 'isms' })).toThrow(/"series" must be auto, msd, is_step_msd/);
  });

  it('finds both hops on the IS steps (exact frames), none on the vibrating MSD, and stores them as IS MSD tags', () => {
    withSet((set) => {
      const r = detect(set.get(run), { path: run, store: true, series: 'auto' }, ctx, set);
      expect(r.series).toBe('is_step_msd');
      expect(r.isPath).toBe(runIs);
      expect(r.candidates.map((c) => c.frame)).toEqual([HOP_FRAME, BIG_FRAME]);
      for (const c of r.candidates) { expect(c.before).toBe(c.frame - 1); expect(c.after).toBe(c.frame); }
      expect(r.added).toBe(2);
      const tags = set.get(run).t.listTags().filter((g) => g.source === 'detector');
      expect(tags.map((g) => g.note)).toEqual([`IS MSD jump: frames ${HOP_FRAME - 1}..${HOP_FRAME}`, `IS MSD jump: frames ${BIG_FRAME - 1}..${BIG_FRAME}`]);
      // Rerun on the MD MSD: the hops are below its vibrational noise, so the IS candidates are removed, none added.
      const m = detect(set.get(run), { path: run, store: true, series: 'msd' }, ctx, set);
      expect(m.series).toBe('msd');
      expect(m.candidates.map((c) => c.frame)).not.toContain(HOP_FRAME);
      expect(m.removed).toBeGreaterThanOrEqual(1);
    });
  });
});

describe('avw detect --min-step: the IS steps scored by size (detect.ts, METHOD 0b)', () => {
  const hopStep = (HOP * HOP) / N; // 0.0036
  const bigStep = (BIG_COUNT * BIG * BIG) / N; // 0.0625

  it('flags exactly the steps at least that large, each its own candidate, and says so in the tags', () => {
    withSet((set) => {
      const big = detect(set.get(run), { path: run, store: true, minStep: 0.01 }, ctx, set);
      expect(big.series).toBe('is_step_msd'); // --min-step implies the inherent structures' steps
      expect(big.minStep).toBe(0.01);
      expect(big.candidates.map((c) => c.frame)).toEqual([BIG_FRAME]);
      expect(big.candidates[0].size).toBeCloseTo(bigStep, 6);
      expect(big.candidates[0].score).toBeCloseTo(bigStep / 0.01, 4);
      expect(big.candidates[0]).toMatchObject({ before: BIG_FRAME - 1, after: BIG_FRAME });
      const tags = set.get(run).t.listTags().filter((g) => g.source === 'detector');
      expect(tags.map((g) => g.note)).toEqual([`IS MSD step: frames ${BIG_FRAME - 1}..${BIG_FRAME}`]);
      // Below the one-particle hop: both hops; between the minimiser's scatter (~1e-12) and nothing else.
      const both = detect(set.get(run), { path: run, store: true, minStep: hopStep / 2 }, ctx, set);
      expect(both.candidates.map((c) => c.frame)).toEqual([HOP_FRAME, BIG_FRAME]);
      expect(both.added).toBe(1);
      expect(detect(set.get(run), { path: run, store: false, minStep: bigStep * 1.01 }, ctx, set).candidates).toEqual([]);
    });
  });

  it('needs the inherent structures, and is not given with --series msd or --min-score', () => {
    expect(detectInput(run, { minStep: 0.01 })).toEqual({ series: 'is_step_msd', isPath: runIs });
    expect(() => detectInput(lonely, { minStep: 0.01 })).toThrow(/lonely\.is\.lammpstrj.*does not exist.*avw minimize/);
    expect(() => detectInput(lonely, { series: 'auto', minStep: 0.01 })).toThrow(/does not exist/);
    expect(() => validateDetectParams({ path: run, minStep: 0 })).toThrow(/"minStep" must be a number > 0 and <= 1000000/);
    expect(() => validateDetectParams({ path: run, minStep: 'big' })).toThrow(/"minStep" must be a number > 0/);
    expect(() => validateDetectParams({ path: run, minStep: 0.01, series: 'msd' })).toThrow(/"minStep" sizes the steps between inherent structures.*not the MSD from frame 0/);
    expect(() => validateDetectParams({ path: run, minStep: 0.01, minScore: 6 })).toThrow(/give "minStep".*or "minScore".*not both/);
    expect(validateDetectParams({ path: run, minStep: 0.01 }).minStep).toBe(0.01);
  });
});
