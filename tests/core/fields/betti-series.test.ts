// The beta_1 series of the registry (Jha & Sengupta App. B, Figs. 1f, S5): point clouds whose H1 is known by
// construction give the known series; the series is measured on inherent structures (the trajectory itself when it is
// one, else its paired FILE.is.EXT, or the file given with `is`, the trajectory's own path meaning its frames as they
// are), stored with the trajectory measured, its three readings a family; long computations stored in chunks resume
// after a cancel; a frame that is not a minimum is recognised by its max|F|.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrajectorySet } from '../../../src/core/fields/frames.js';
import { checkMinimum, inherentSourceOf, isInherentStructureFile, notMinimumWarning } from '../../../src/core/fields/inherent.js';
import { cachedSeries, computeSeries, resolveSeries } from '../../../src/core/fields/series.js';
import { LammpsDumpWriter } from '../../../src/core/io/lammps-dump-writer.js';
import { SERIES } from '../../../src/shared/fields.js';
import { tmpDir } from '../../main/helpers.js';

const root = tmpDir('avw-betti-series-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const L = 200;
const FRAMES = 5;
const CLUSTERS = 4;

/**
 * Four clusters of four points, 40 apart (beyond alpha = 8.19: beta_0 = 4). Frame k: the first k clusters are unit
 * squares (one H1 class each, born at 1, filled at sqrt 2), the others four collinear points at spacing 1 (every cycle
 * filled as it appears: no class of positive length). So at alpha = 8.19: beta_1 (born <= alpha) = k, alive at alpha = 0,
 * cycle-closing edges = 4 x (6 - 4 + 1) = 12; at alpha = 1.2 (between 1 and sqrt 2): k, k and k.
 */
function cluster(square: boolean, cx: number, cy: number): number[][] {
  return square ? [[cx, cy], [cx + 1, cy], [cx + 1, cy + 1], [cx, cy + 1]] : [[cx, cy], [cx + 1, cy], [cx + 2, cy], [cx + 3, cy]];
}

function writeFrames(path: string, frames: number[][][], diameter = 1): void {
  const n = frames[0].length;
  const w = new LammpsDumpWriter(path, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 12 });
  try {
    frames.forEach((pts, f) => {
      const positions = new Float64Array(3 * n);
      pts.forEach(([x, y], i) => { positions[3 * i] = x; positions[3 * i + 1] = y; });
      w.append({
        timestep: 1000 * f, box: { origin: [0, 0, -0.5], vectors: [[L, 0, 0], [0, L, 0], [0, 0, 1]], periodic: [true, true, true] },
        ids: Int32Array.from({ length: n }, (_, i) => i + 1), types: new Int32Array(n).fill(1), positions,
        properties: { diameter: new Float64Array(n).fill(diameter) },
      });
    });
  } finally {
    w.close();
  }
}

const squaresFrames = Array.from({ length: FRAMES }, (_, k) => Array.from({ length: CLUSTERS }, (_c, c) => cluster(c < k, 20 + 40 * c, 50)).flat());
const linesFrames = Array.from({ length: FRAMES }, () => Array.from({ length: CLUSTERS }, (_c, c) => cluster(false, 20 + 40 * c, 50)).flat());
// The MD run (no loops at all) and its inherent structures (k squares at frame k), paired by name.
const run = join(root, 'cloud.lammpstrj');
const runIs = join(root, 'cloud.is.lammpstrj');
writeFrames(run, linesFrames);
writeFrames(runIs, squaresFrames);
// A run without inherent structures, and one whose pair has fewer frames.
const lonely = join(root, 'lonely.lammpstrj');
writeFrames(lonely, linesFrames);
const short = join(root, 'short.lammpstrj');
writeFrames(short, linesFrames);
writeFrames(join(root, 'short.is.lammpstrj'), squaresFrames.slice(0, 3));
// A square across the periodic boundary (x = L - 0.5 and 0.5): one loop with minimum-image distances, none without.
const edge = join(root, 'edge.is.lammpstrj');
writeFrames(edge, [[[L - 0.5, 50], [0.5, 50], [0.5, 51], [L - 0.5, 51]], [[L - 0.5, 50], [0.5, 50], [0.5, 51], [L - 0.5, 51]]]);

function withSet<R>(fn: (set: TrajectorySet) => R): R {
  const set = new TrajectorySet({ indexDir: join(root, 'index') });
  try {
    return fn(set);
  } finally {
    set.close();
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('the betti1 series', () => {
  it('is in the registry with its parameters (alpha 8.19, periodic, is), as a family measured on inherent structures', () => {
    expect(SERIES.betti1).toMatchObject({ params: ['alpha', 'periodic', 'is'], family: 'betti', frames: 'inherent' });
    const r = resolveSeries({ name: 'betti1' });
    expect(r.params).toEqual({ alpha: 8.19, periodic: false, is: null });
    // Where the inherent structures come from is not part of the stored key (they are stored with that trajectory).
    expect(resolveSeries({ name: 'betti1', params: { is: '/x/y.gsd' } }).hash).toBe(r.hash);
    expect(resolveSeries({ name: 'betti1', params: { alpha: 2 } }).hash).not.toBe(r.hash);
    expect(() => resolveSeries({ name: 'betti1', params: { alpha: -1 } })).toThrow('betti1: --alpha must be a number > 0 and <= 10000 (got -1)');
    expect(() => resolveSeries({ name: 'betti1', params: { periodic: 'yes' } })).toThrow('betti1: --periodic must be true or false (got "yes")');
    expect(() => resolveSeries({ name: 'msd', params: { alpha: 2 } })).toThrow('msd: --alpha does not apply (it takes --reference)');
  });

  it('point clouds with known H1 give the known series: k loops in frame k; the three readings stored together', () => {
    withSet((set) => {
      const src = set.get(runIs);
      const s = computeSeries(src, resolveSeries({ name: 'betti1' }), {}, (p) => set.get(p));
      expect(Array.from(s.values)).toEqual(range(FRAMES));
      expect(s).toMatchObject({ cached: false, computedFrom: 0, measuredOn: runIs });
      expect(Array.from(s.frames)).toEqual(range(FRAMES).map((f) => 1000 * f));
      expect(Array.from(cachedSeries(src.t, resolveSeries({ name: 'betti1_alive' }))!)).toEqual(new Array(FRAMES).fill(0));
      expect(Array.from(cachedSeries(src.t, resolveSeries({ name: 'betti1_cycles' }))!)).toEqual(new Array(FRAMES).fill(12));
      const low = { alpha: 1.2 };
      expect(Array.from(computeSeries(src, resolveSeries({ name: 'betti1_alive', params: low })).values)).toEqual(range(FRAMES));
      expect(Array.from(cachedSeries(src.t, resolveSeries({ name: 'betti1', params: low }))!)).toEqual(range(FRAMES));
      expect(Array.from(cachedSeries(src.t, resolveSeries({ name: 'betti1_cycles', params: low }))!)).toEqual(range(FRAMES));
      expect(computeSeries(src, resolveSeries({ name: 'betti1_cycles', params: low })).cached).toBe(true);
    });
  });

  it("of an MD run is measured on its paired FILE.is.EXT and kept there; --is with the run's own path measures its frames", () => {
    withSet((set) => {
      const md = set.get(run);
      const r = resolveSeries({ name: 'betti1' });
      expect(cachedSeries(md.t, r)).toBeNull();
      const s = computeSeries(md, r, {}, (p) => set.get(p));
      expect(s.measuredOn).toBe(runIs);
      expect(Array.from(s.values)).toEqual(range(FRAMES));
      expect(cachedSeries(md.t, r)).toBeNull();
      expect(cachedSeries(set.get(runIs).t, r)).not.toBeNull();
      const own = resolveSeries({ name: 'betti1', params: { is: run } });
      const o = computeSeries(md, own, {}, (p) => set.get(p));
      expect(o.measuredOn).toBe(run);
      expect(Array.from(o.values)).toEqual(new Array(FRAMES).fill(0));
      // Those values live with the run now, under the same key; the default request must still not find them there.
      expect(cachedSeries(md.t, r)).toBeNull();
      expect(cachedSeries(md.t, own)).not.toBeNull();
      // A relative `is` is taken from the trajectory's folder.
      expect(computeSeries(md, resolveSeries({ name: 'betti1', params: { is: 'cloud.is.lammpstrj' } }), {}, (p) => set.get(p)).measuredOn).toBe(runIs);
    });
  });

  it('says what to do when there are no inherent structures, or they are not paired frame for frame', () => {
    withSet((set) => {
      const r = resolveSeries({ name: 'betti1' });
      const open = (p: string): ReturnType<TrajectorySet['get']> => set.get(p);
      expect(() => computeSeries(set.get(lonely), r, {}, open)).toThrow(
        `betti1 is measured on inherent structures (Jha & Sengupta Fig. 1e-f), and ${lonely} is not one: its paired ${join(root, 'lonely.is.lammpstrj')} does not exist. ` +
        `Make it with "avw minimize ${lonely} --out ${join(root, 'lonely.is.lammpstrj')}", give another with --is FILE, or --is ${lonely} to use these frames as they are`);
      expect(() => computeSeries(set.get(lonely), resolveSeries({ name: 'betti1', params: { is: 'nowhere.gsd' } }), {}, open))
        .toThrow(`betti1: the inherent-structure trajectory ${join(root, 'nowhere.gsd')} (--is) does not exist`);
      expect(() => computeSeries(set.get(short), r, {}, open)).toThrow(/short\.is\.lammpstrj has 3 frames but .*short\.lammpstrj has 5: they are not paired frame for frame/);
    });
  });

  it('with periodic: minimum-image distances close the loop across the box edge', () => {
    withSet((set) => {
      const src = set.get(edge);
      expect(Array.from(computeSeries(src, resolveSeries({ name: 'betti1' })).values)).toEqual([0, 0]);
      expect(Array.from(computeSeries(src, resolveSeries({ name: 'betti1', params: { periodic: true } })).values)).toEqual([1, 1]);
    });
  });

  it('reports progress per frame, stops on cancel keeping the frames stored so far, and resumes from there', () => {
    const copy = join(root, 'resume.is.lammpstrj');
    writeFrames(copy, squaresFrames);
    withSet((set) => {
      const src = set.get(copy);
      const r = resolveSeries({ name: 'betti1' });
      const controller = new AbortController();
      const seen: number[] = [];
      expect(() => computeSeries(src, r, {
        signal: controller.signal,
        progress: (done, total) => {
          seen.push(done);
          expect(total).toBe(FRAMES);
          if (done === 3) controller.abort();
        },
      })).toThrow('betti1: cancelled');
      expect(seen).toEqual([0, 1, 2, 3]);
      const kept = src.t.getSeries('betti1', r.hash)!.frameCount;
      // The first chunk is one frame (to measure the pace); what followed was still running when cancelled.
      expect(kept).toBeGreaterThanOrEqual(1);
      expect(kept).toBeLessThan(FRAMES);
      expect(cachedSeries(src.t, r)).toBeNull();
      const again = computeSeries(src, r);
      expect(again.computedFrom).toBe(kept);
      expect(Array.from(again.values)).toEqual(range(FRAMES));
      expect(Array.from(cachedSeries(src.t, resolveSeries({ name: 'betti1_cycles' }))!)).toEqual(new Array(FRAMES).fill(12));
    });
  });
});

describe('inherent structures', () => {
  it('are recognised by name (FILE.is.EXT) or by the sidecar avw minimize writes', () => {
    expect(isInherentStructureFile('/d/run.is.gsd')).toBe(true);
    expect(isInherentStructureFile('/d/run.is.lammpstrj.gz')).toBe(true);
    expect(isInherentStructureFile('/d/run.gsd')).toBe(false);
    const minima = join(root, 'minima.lammpstrj');
    writeFrames(minima, squaresFrames);
    expect(isInherentStructureFile(minima)).toBe(false);
    writeFileSync(`${minima}.json`, JSON.stringify({ format: 'avalanche-workbench/inherent-structures', version: 1 }));
    expect(isInherentStructureFile(minima)).toBe(true);
    expect(inherentSourceOf(minima, null)).toEqual({ path: minima, rule: 'self' });
    expect(inherentSourceOf('/d/run.gsd', null)).toEqual({ path: '/d/run.is.gsd', rule: 'paired' });
    expect(inherentSourceOf('/d/run.gsd', 'other/min.gsd')).toEqual({ path: '/d/other/min.gsd', rule: 'given' });
  });

  it("a frame that is not a minimum is named with its max|F| (WCA pair at contact: |F| = 24)", () => {
    const pair = join(root, 'pair.lammpstrj');
    writeFrames(pair, [[[50, 50], [51, 50]], [[50, 50], [52, 50]]]);
    withSet((set) => {
      const src = set.get(pair);
      const touching = src.read(0);
      const c = checkMinimum(touching, 'wca')!;
      expect(c.maxForce).toBeCloseTo(24, 10);
      expect(c.minimum).toBe(false);
      expect(notMinimumWarning(pair, touching, c, 'beta_1')).toBe(
        `${pair}: frame 0 is not an inherent structure: max|F| = 24.0 under the WCA potential (a minimum has max|F| <= 0.001; ` +
        '--potential hertz for Hertzian disks); avw minimize makes the inherent structures');
      const apart = checkMinimum(src.read(1), 'wca')!;
      expect(apart).toMatchObject({ maxForce: 0, minimum: true });
      expect(notMinimumWarning(pair, src.read(1), apart, 'beta_1')).toBeNull();
    });
  });
});
