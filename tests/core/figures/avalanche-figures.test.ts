// The rearranger figure kinds of Zhang, Ridout & Liu (Figs. 3-9) on a small AQS run made here by the simulator: a
// softness model trained on it with the paper's protocol (avw softness train --aqs), every kind built with its sidecar
// (the summary numbers in `statistics`) and its CSV (one row per plotted point), the spec's new keys checked, a model
// demanded where softness is drawn, progress reported per avalanche and cancel honoured; the CLI flags mapped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFigure, companionPaths } from '../../../src/core/figures/build.js';
import { AVALANCHE_KINDS, type AvalancheKind } from '../../../src/core/figures/avalanche-data.js';
import { normalizeSpec } from '../../../src/core/figures/spec.js';
import { figureParamsFromArgs } from '../../../src/cli/figure-command.js';
import { runInProcess } from '../../../src/core/jobs/job.js';
import { simulateJob, type SimulateResult } from '../../../src/core/jobs/simulate-job.js';
import { softnessTrainJob, type SoftnessTrainResult } from '../../../src/core/jobs/softness-train-job.js';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { aqsSegments } from '../../../src/core/analysis/avalanche-statistics.js';

const work = mkdtempSync(join(tmpdir(), 'avw-avfig-'));
const indexDir = join(work, 'index');
const run = join(work, 'shear.gsd');
const model = join(work, 'model.json');
let frames = 0;
let avalanches = 0;
let train: SoftnessTrainResult;
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  const sim = await runInProcess(simulateJob, { kind: 'aqs', out: run, n: 100, seed: 3, steps: 300, strainStep: 5e-4, indexDir }) as SimulateResult;
  expect(sim.avalancheFrames).toBeGreaterThan(0);
  const t = openIndexed(run, { indexDir });
  try {
    frames = t.frameCount;
    const shearStep: number[] = [], avalancheIndex: number[] = [];
    for (let f = 0; f < frames; f++) {
      const l = t.readLog(f)!;
      shearStep.push(l.shear_step![0]!); avalancheIndex.push(l.avalanche_index![0]!);
    }
    avalanches = aqsSegments({ shearStep, avalancheIndex }).length;
  } finally {
    t.close();
  }
  expect(avalanches).toBeGreaterThan(1);
  train = await runInProcess(softnessTrainJob, {
    path: run, indexDir, ref: 0, frame: frames - 1, labels: { kind: 'aqs', window: 5, dHard: [2e-3, 1.2e-3] }, species: 'type', hyperplanes: 3, out: model,
  }) as SoftnessTrainResult;
}, 240_000);

function specOf(kind: AvalancheKind, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1, kind, trajectory: run, indexDir, frame: 0, avalanches: 50, quietFactor: 1,
    ...(AVALANCHE_KINDS[kind] ? { params: { model } } : {}), ...extra,
  };
}

function csvRows(out: string): string[][] {
  return readFileSync(companionPaths(out).csv, 'utf8').trim().split('\n').map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '')).slice(0, 6));
}

describe('avw softness train --aqs', () => {
  it('trains on the avalanche frames (rearranging) and the minimized frames (not), per species, with validation', () => {
    expect(train.thresholds).toMatchObject({ labels: 'aqs', window: 5, dSoft: [0.0025, 0.0015], dHard: [2e-3, 1.2e-3] });
    expect(train.positives).toBeGreaterThan(0);
    expect(train.negatives).toBeGreaterThan(0);
    expect(train.hyperplanes).toHaveLength(6);
    for (const h of train.hyperplanes) {
      expect([0, 1]).toContain(h.particleSpecies);
      expect(h.validationAccuracy).not.toBeNull();
      expect(h.trainAccuracy).toBeGreaterThan(0.5);
    }
    const m = JSON.parse(readFileSync(model, 'utf8'));
    expect(m.provenance.thresholds.labels).toBe('aqs');
  });

  it('names what is wrong: a file without the AQS log, R after F', async () => {
    const { validateSoftnessTrainParams } = await import('../../../src/core/jobs/softness-train-job.js');
    expect(() => validateSoftnessTrainParams({ path: run, frame: 2, ref: 5, out: model, labels: { kind: 'aqs' } })).toThrow(/R must be before F/);
    const demo = join(import.meta.dirname, '../../../resources/demo/demo.gsd');
    await expect(runInProcess(softnessTrainJob, { path: demo, indexDir, frame: 5, ref: 0, out: join(work, 'x.json'), labels: { kind: 'aqs' } }))
      .rejects.toThrow(/frame 0 has no log\/shear_step or log\/avalanche_index; --aqs needs a run made by avw simulate aqs/);
  });
});

describe('rearranger figure kinds on an AQS run', () => {
  it.each(Object.keys(AVALANCHE_KINDS) as AvalancheKind[])('%s: SVG, sidecar with statistics, CSV of every plotted point', async (kind) => {
    const out = join(work, `${kind}.svg`);
    const progress: number[] = [];
    const r = await buildFigure(specOf(kind, kind === 'onset_strain' ? { lags: [1, 2] } : {}), out, { signal: new AbortController().signal, progress: (done, total) => progress.push(done / total) });
    expect(readFileSync(out, 'utf8')).toMatch(/^<\?xml|^<svg/);
    expect(progress.length).toBeGreaterThan(2);
    const side = JSON.parse(readFileSync(companionPaths(out).sidecar, 'utf8'));
    expect(side.kind).toBe(kind);
    expect(side.avalanches).toBe(50);
    expect(side.quietFactor).toBe(1);
    expect(side.statistics).toMatchObject({ avalanches: Math.min(50, avalanches), avalanchesAvailable: avalanches, aqsLog: true, quietFactor: 1, quietRadius: 5 });
    expect(side.statistics.pairs).toBeGreaterThan(side.statistics.avalanches);
    expect(side.statistics.rearrangers).toBeGreaterThan(0);
    expect(side.statistics.model).toBe(AVALANCHE_KINDS[kind] ? model : null);
    const rows = csvRows(out);
    expect(rows[0]).toEqual(['panel', 'curve', 'x', 'y', 'err', 'count']);
    // Fig. 8 draws only S bins with 3 samples or more: this small run has a handful of samples (its avalanches are a
    // few frames long, so few starts have frames before them), so its CSV may hold the header alone.
    expect(rows.length).toBeGreaterThan(kind === 'onset_strain' ? 0 : 10);
    if (kind === 'onset_strain') {
      expect(side.statistics.perLag.map((l: { lag: number; samples: number }) => l.lag)).toEqual([1, 2]);
      expect(side.statistics.perLag[0].samples).toBeGreaterThan(0);
    }
    for (const row of rows.slice(1)) {
      expect(row[0]).toMatch(/^"/);
      expect(Number.isFinite(Number(row[2]))).toBe(true);
    }
    const panels = new Set(rows.slice(1).map((row) => row[0]!.slice(1, 3)));
    expect(panels.size).toBe(kind === 'onset_strain' ? Math.min(1, rows.length - 1) : kind === 'rearranger_strain' || kind === 'softness_change' ? 3 : 2);
    expect(r.warnings.join(' ')).not.toMatch(/no AQS log/);
  }, 120_000);

  it('the numbers in the CSV are the statistics: P(S) integrates to 1 over every particle of every pair, Eq. 5 b in the sidecar', async () => {
    const out = join(work, 'dist.svg');
    await buildFigure(specOf('softness_distribution'), out);
    const rows = csvRows(out).slice(1).filter((r) => r[1] === '"P(S)"');
    const x = rows.map((r) => Number(r[2])), y = rows.map((r) => Number(r[3]));
    const dx = x[1]! - x[0]!;
    expect(y.reduce((s, v) => s + v * dx, 0)).toBeCloseTo(1, 6);
    const side = JSON.parse(readFileSync(companionPaths(out).sidecar, 'utf8'));
    expect(side.statistics.samples).toBe(100 * side.statistics.pairs);
    const change = join(work, 'change.svg');
    await buildFigure(specOf('softness_change'), change);
    const c = JSON.parse(readFileSync(companionPaths(change).sidecar, 'utf8')).statistics;
    expect(c).toHaveProperty('b');
    expect(c.paper).toMatch(/207/);
  }, 120_000);

  it('a softness kind without a model, cancel, and fewer avalanches than asked', async () => {
    await expect(buildFigure(specOf('softness_change', { params: {} }), join(work, 'y.svg'))).rejects.toThrow(/softness_change needs a softness model: --model MODEL.json/);
    const controller = new AbortController();
    await expect(buildFigure(specOf('rearranger_g2'), join(work, 'z.svg'), {
      signal: controller.signal, progress: (done) => { if (done > 0) controller.abort(); },
    })).rejects.toThrow(/cancelled/);
    const r = await buildFigure(specOf('rearranger_g2', { avalanches: 1 }), join(work, 'one.svg'));
    const side = JSON.parse(readFileSync(companionPaths(join(work, 'one.svg')).sidecar, 'utf8'));
    expect(side.statistics.avalanches).toBe(1);
    expect(r.warnings).toEqual([]);
    await expect(buildFigure(specOf('rearranger_g2', { frame: frames - 1 }), join(work, 'none.svg'))).rejects.toThrow(/no avalanche starts at or after frame/);
  }, 120_000);
});

describe('spec and flags of the rearranger kinds', () => {
  it('normalizeSpec takes avalanches, quietFactor and lags, and names a bad one', () => {
    const s = normalizeSpec({ kind: 'onset_strain', trajectory: run, frame: 0, avalanches: 7, quietFactor: 0.01, lags: [1, 3], params: { model } });
    expect(s).toMatchObject({ avalanches: 7, quietFactor: 0.01, lags: [1, 3], params: { model } });
    expect(() => normalizeSpec({ kind: 'rearranger_g2', trajectory: run, frame: 0, avalanches: 0 })).toThrow('"avalanches" must be an integer >= 1');
    expect(() => normalizeSpec({ kind: 'rearranger_g2', trajectory: run, frame: 0, quietFactor: 0 })).toThrow('"quietFactor" must be a number > 0');
    expect(() => normalizeSpec({ kind: 'onset_strain', trajectory: run, frame: 0, lags: [0] })).toThrow('"lags[0]" must be an integer >= 1');
    expect(() => normalizeSpec({ kind: 'onset_strain', trajectory: run, frame: 0, lags: [] })).toThrow('"lags" must list 1 to 8 frame counts');
  });

  it('avw figure --model --avalanches --quiet-factor --lags', () => {
    const { params } = figureParamsFromArgs([run, '--kind', 'onset_strain', '--frame', '0', '--model', model, '--avalanches', '12', '--quiet-factor', '0.1', '--lags', '2,4', '--out', join(work, 'f.svg')]);
    expect(params.spec).toMatchObject({ kind: 'onset_strain', avalanches: 12, quietFactor: 0.1, lags: [2, 4], params: { model } });
  });
});
