// The avalanche detector on REAL MSD series: LAMMPS runs of the papers' glass (N = 2000, 2D, log-within-block schedule)
// labelled by an independent criterion, the number n03 of particles whose inherent structure moved more than 0.3 since
// the previous frame (tests/fixtures/real-runs/README.md; labels.json and quick-T0.16.json are written by make.sh there,
// the second by `make.sh --quick`). These pin what the detector does on real curves; the bench
// (`npm run bench -- analysis`, tests/bench/analysis-real.ts) prints precision and recall.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectJumps, JumpFrameStatus } from '../../../src/core/analysis/detect.js';
import { chooseMinStep, loadRealRuns, REAL_LABELS_AGED, REAL_RUN_PARTICLES, REAL_RUNS_DIR, scoreRealRun, sizeBounds, type RealRun } from '../../bench/analysis-real.js';

const series = (run: RealRun) => ({ msd: Float64Array.from(run.msd), times: Float64Array.from(run.steps) });
/** The labelled frames (n03 >= nc) inside a candidate's bracket (before, after]. */
const held = (run: RealRun, c: { before: number; after: number }, nc: number) => run.n03.slice(c.before + 1, c.after + 1).filter((n) => n >= nc);

describe('detectJumps on a small real run (make.sh --quick: T = 0.16, aged 2e4 steps, 2 blocks)', () => {
  const quick = (JSON.parse(readFileSync(join(REAL_RUNS_DIR, 'quick-T0.16.json'), 'utf8')) as { runs: RealRun[] }).runs[0];

  it('finds the large avalanche of the first block and nothing where no particle rearranged', () => {
    expect(quick.frames).toBe(30);
    expect(quick.n03[14]).toBe(282); // 282 of 2000 particles moved more than 0.3 between the IS of frames 13 and 14
    const r = detectJumps(series(quick));
    expect(r.candidates.map((c) => c.frame)).toEqual([14]);
    const c = r.candidates[0];
    expect(c.before).toBe(13);
    expect(c.after).toBe(14);
    expect(c.score).toBeGreaterThan(5.5);
    expect(held(quick, c, 20)).toEqual([282]);
    // Its MSD step is a real one: the inherent structures moved on (the IS MSD from IS(0) rose with it).
    expect(quick.isMsd[14] - quick.isMsd[13]).toBeGreaterThan(0.01);
    const s = scoreRealRun(quick, r.candidates, 20);
    expect(s.truePositives).toBe(1);
    expect(s.labelled).toBe(11);
  });
});

describe('detectJumps on the labelled real set (labels.json)', () => {
  const doc = loadRealRuns();
  if (!doc) throw new Error('tests/fixtures/real-runs/labels.json is missing (it is committed; make.sh writes it)');
  const runs = doc.runs;

  it('covers three temperatures, two seeds, both schedule variants and the reference run', () => {
    expect(doc.threshold).toBe(0.3);
    expect(new Set(runs.map((r) => r.T))).toEqual(new Set([0.12, 0.16, 0.2]));
    expect(runs.some((r) => r.split === 'held-out')).toBe(true);
    for (const r of runs) {
      expect(r.steps.length).toBe(r.frames);
      expect(r.msd.length).toBe(r.frames);
      expect(r.n03.length).toBe(r.frames);
      expect(r.frames === 150 || r.frames === 160).toBe(true); // 160: block origins S = i*B stored too
    }
  });

  it('finds the ballistic regime of every real run (the first ~60 MD steps) and scores no lag inside it', () => {
    for (const run of runs) {
      const { msd, times } = series(run);
      const r = detectJumps({ msd, times });
      expect(r.ballisticLag, run.name).toBeGreaterThanOrEqual(31);
      expect(r.ballisticLag, run.name).toBeLessThan(128);
      for (let f = 1; f < run.frames; f++) {
        if (times[f] - times[f - 1] <= r.ballisticLag) expect(r.status[f], `${run.name} frame ${f}`).toBe(JumpFrameStatus.ballistic);
      }
    }
  });

  it('raises no false alarm on any real run: every candidate holds a frame where >= 20 particles rearranged', () => {
    let candidates = 0;
    for (const run of runs) {
      for (const c of detectJumps(series(run)).candidates) {
        candidates++;
        expect(held(run, c, 20).length, `${run.name} candidate at frame ${c.frame}`).toBeGreaterThan(0);
      }
    }
    console.log(`real set: ${candidates} candidates over ${runs.length} runs`);
  });

  it('without the ballistic rule and with the old exponent bound 2, the old false alarm and the exponent at 2 come back', () => {
    const old = { ballisticSlope: Infinity, maxExponent: 2 };
    const t16 = runs.find((r) => r.name === 'T0.16-s1') as RealRun;
    const before = detectJumps({ ...series(t16), ...old });
    // Block 6 starts drifting coherently over the lags of 1..32 steps: z ~ 7 at frame 96, where no particle moved 0.3
    // (6 and 1 did in the two increments before it; no labelled frame in the bracket: a false alarm).
    const alarm = before.candidates.find((c) => c.frame === 96);
    expect(alarm).toBeDefined();
    expect(t16.n03[96]).toBe(0);
    expect(held(t16, alarm!, 20)).toEqual([]);
    expect(detectJumps(series(t16)).candidates.find((c) => c.frame === 96)).toBeUndefined();

    const origins = runs.find((r) => r.name === 'T0.16-s2') as RealRun;
    expect(detectJumps({ ...series(origins), ...old }).background?.exponent).toBe(2);
    for (const run of runs) {
      const bg = detectJumps(series(run)).background;
      if (bg) expect(bg.exponent, run.name).toBeLessThanOrEqual(1);
    }
  });
});

describe('detectJumps on the IS MSD steps of the aged set (labels-aged.json: linear schedule, a frame every 256 steps)', () => {
  const doc = loadRealRuns(REAL_LABELS_AGED);
  if (!doc) throw new Error('tests/fixtures/real-runs/labels-aged.json is missing (it is committed; make.sh --set aged writes it)');
  const steps = (run: RealRun) => ({ msd: Float64Array.from(run.sum2), times: Float64Array.from(run.steps), input: 'steps' as const });

  it('covers two temperatures and two seeds, 197 frames 256 steps apart each', () => {
    expect(doc.runs.map((r) => r.name).sort()).toEqual(['aged-T0.16-s1', 'aged-T0.16-s2', 'aged-T0.18-s1', 'aged-T0.18-s2']);
    for (const r of doc.runs) {
      expect(r.frames).toBe(197);
      for (let f = 1; f < r.frames; f++) expect(r.steps[f] - r.steps[f - 1]).toBe(256);
    }
  });

  it('raises only true candidates, and finds few: the labelled frames are the upper tail of a continuous distribution', () => {
    let candidates = 0, labelled = 0, scored = 0;
    for (const run of doc.runs) {
      const r = detectJumps(steps(run));
      for (const c of r.candidates) {
        candidates++;
        expect(held(run, c, 20).length, `${run.name} candidate at frame ${c.frame}`).toBeGreaterThan(0);
      }
      labelled += run.n03.filter((n, f) => f >= 1 && n >= 20).length;
      scored += run.frames - 1;
    }
    // 199 of 784 frame pairs labelled (base rate 0.25); 1 candidate (aged-T0.18-s2 frame 148, 84 particles).
    expect(labelled).toBe(199);
    expect(scored).toBe(784);
    expect(candidates).toBe(1);
  });
});

describe('the IS steps scored by size on the real sets (--min-step chosen on the tune runs, scored on the held-out runs)', () => {
  const young = loadRealRuns();
  const aged = loadRealRuns(REAL_LABELS_AGED);
  if (!young || !aged) throw new Error('tests/fixtures/real-runs/labels*.json are missing (they are committed; make.sh writes them)');
  /** Precision and recall of avw detect --min-step x over some runs, by the bench's matching rule. */
  const pooled = (runs: RealRun[], minStep: number) => {
    let c = 0, tp = 0, lab = 0, found = 0;
    for (const run of runs) {
      const s = scoreRealRun(run, detectJumps({ msd: Float64Array.from(run.sum2), times: Float64Array.from(run.steps), input: 'steps', minStep }).candidates, 20);
      c += s.candidates; tp += s.truePositives; lab += s.labelled; found += s.found;
    }
    return { precision: tp / c, recall: found / lab, candidates: c };
  };
  const heldOut = (runs: RealRun[]) => runs.filter((r) => r.split === 'held-out');

  it('finds every labelled frame at n_c a^2 / N (no labelled frame can have a smaller step), at the precision of a size alone', () => {
    const floor = (20 * 0.3 * 0.3) / REAL_RUN_PARTICLES;
    const y = pooled(young.runs, floor), a = pooled(aged.runs, floor);
    expect(y.recall).toBe(1);
    expect(a.recall).toBe(1);
    expect(y.precision).toBeCloseTo(0.57, 2);
    expect(a.precision).toBeCloseTo(0.27, 2);
  });

  it('young set (log schedule): the tune runs\' size meets the targets on the held-out runs', () => {
    const chosen = chooseMinStep(young.runs, 20);
    expect(chosen).not.toBeNull();
    expect(chosen!.minStep).toBeCloseTo(0.00724, 5);
    const h = pooled(heldOut(young.runs), chosen!.minStep);
    expect(h.precision).toBeGreaterThanOrEqual(0.9); // 0.94 (201 of 214)
    expect(h.recall).toBeGreaterThanOrEqual(0.8); // 0.98 (201 of 206)
  });

  it('aged set (linear, 256 steps): no size reaches the targets, not even one read off its own labels', () => {
    const chosen = chooseMinStep(aged.runs, 20);
    expect(chosen!.minStep).toBeCloseTo(0.0095, 4);
    const h = pooled(heldOut(aged.runs), chosen!.minStep);
    expect(h.precision).toBeGreaterThanOrEqual(0.9); // 0.96
    expect(h.recall).toBeLessThan(0.4); // 0.35
    const bound = sizeBounds(aged.runs, 20);
    expect(bound.recallAtP90).toBeLessThan(0.5); // 0.43
    expect(bound.precisionAtR80).toBeLessThan(0.7); // 0.67
  });
});
