// Machine-learned softness and rearrangers end to end (avw softness train, avw field --name ml_softness|rearranger,
// avw series --name ml_softness_mean|rearrangers, avw rearrangers) on a two-frame LAMMPS dump of the oracle's N = 400
// configurations (frame 0 = frame0, frame 1 = frame1): the trained hyperplane and the softness of every particle are
// the oracle's section G, the rearrangers those of section A's D2min.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LammpsDumpWriter } from '../../src/core/io/lammps-dump-writer.js';
import { expectClose, loadOracle, tol, xyz } from '../core/physics-oracle.js';
import { runAvw } from './run-avw.js';

const work = mkdtempSync(join(tmpdir(), 'avw-softness-cli-'));
const indexDir = join(work, 'index');
const file = join(work, 'oracle400.lammpstrj');
const modelPath = join(work, 'model.json');
const f = loadOracle(400);
const G = f.sections.G_rsf_svm;
const e = G.expected as { labels: number[]; w: number[]; b: number; w_raw: number[]; b_raw: number; mu: number[]; sd: number[]; decision: number[]; objective: number; train_accuracy: number };
const d2minA = (f.sections.A_d2min_strain.expected as { D2min: number[] }).D2min;
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const n = f.inputs.N, L = f.inputs.L;
  const w = new LammpsDumpWriter(file, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 17 });
  const box = { origin: [0, 0, -0.5] as [number, number, number], vectors: [[L, 0, 0], [0, L, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]], periodic: [true, true, true] as [boolean, boolean, boolean] };
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1), types = new Int32Array(n).fill(1);
  const diameter = Float64Array.from(f.inputs.diameters);
  for (const [step, positions] of [[0, f.inputs.frame0], [1, f.inputs.frame1]] as const) w.append({ timestep: step, box, ids, types, positions: xyz(positions), properties: { diameter } });
  w.close();
});

const avw = (...args: string[]) => runAvw(args, { indexDir });

describe('avw softness train', () => {
  it("trains the oracle's hyperplane from D2min quantiles of frames 0 -> 1 and structure functions of frame 0", () => {
    const r = avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--cutoff', '2', '--out', modelPath, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout) as { positives: number; negatives: number; hyperplanes: { trainAccuracy: number; validationAccuracy: number | null }[]; thresholds: Record<string, number> };
    expect(v.positives).toBe(e.labels.filter((l) => l === 1).length);
    expect(v.negatives).toBe(e.labels.filter((l) => l === 0).length);
    expect(v.hyperplanes.length).toBe(1);
    expect(v.hyperplanes[0].validationAccuracy).toBeNull();
    const p = G.parameters as { label_rule: { q_pos_value: number; q_neg_value: number } };
    expectClose(v.thresholds.positiveD2min, p.label_rule.q_pos_value, { rel: 1e-9, abs: 0 }, 'positive D2min quantile');
    const model = JSON.parse(readFileSync(modelPath, 'utf8')) as { hyperplanes: Record<string, unknown>[]; provenance: { software: { version: string }; frames: unknown } };
    const h = model.hyperplanes[0];
    const wt = tol(G, 'svm_weights');
    expectClose(h.w as number[], e.w, wt, 'w');
    expectClose(h.b as number, e.b, wt, 'b');
    expectClose(h.wRaw as number[], e.w_raw, wt, 'wRaw');
    expectClose(h.bRaw as number, e.b_raw, wt, 'bRaw');
    expectClose(h.mu as number[], e.mu, tol(G, 'standardisation'), 'mu');
    expectClose(h.sd as number[], e.sd, tol(G, 'standardisation'), 'sd');
    expectClose(h.objective as number, e.objective, tol(G, 'objective'), 'objective');
    expect(h.trainAccuracy).toBe(e.train_accuracy);
    expect(model.provenance.frames).toEqual({ frame: 1, ref: 0 });
    expect(model.provenance.software.version).toMatch(/\d+\.\d+/);
  });

  it('ml_softness of frame 0 through the model: the decision values of every particle', () => {
    const r = avw('field', file, '--frame', '0', '--name', 'ml_softness', '--model', modelPath, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout) as { ref: number; values: number[]; parameters: { model: string } };
    expect(v.ref).toBe(-1);
    expect(v.parameters.model).toBe(modelPath);
    // Field values travel as float32: within the decision tolerance (abs 1e-6 + rel 1e-5) all the same.
    expectClose(v.values, e.decision, tol(G, 'decision'), 'ml_softness');
    const s = avw('series', file, '--name', 'ml_softness_mean', '--model', modelPath, '--json');
    expect(s.status).toBe(0);
    const mean = e.decision.reduce((a, x) => a + x, 0) / e.decision.length;
    expect((JSON.parse(s.stdout) as { values: number[] }).values[0]).toBeCloseTo(mean, 5);
  });

  it('several hyperplanes: balanced draws with held-out validation; species blocks with --species type', () => {
    const out2 = join(work, 'model2.json');
    const r = avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--hyperplanes', '3', '--species', 'type', '--out', out2, '--json');
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout) as { hyperplanes: { particleSpecies: number; validationAccuracy: number; nPositive: number; nNegative: number; w: number[] }[]; speciesRule: string };
    expect(v.speciesRule).toBe('diameter');
    expect(v.hyperplanes.map((h) => h.particleSpecies)).toEqual([0, 0, 0, 1, 1, 1]);
    for (const h of v.hyperplanes) {
      expect(h.nPositive).toBe(h.nNegative);
      expect(h.validationAccuracy).toBeGreaterThanOrEqual(0);
      expect(h.w.length).toBe(54);
    }
    const s = avw('field', file, '--frame', '1', '--name', 'ml_softness', '--model', out2, '--json');
    expect(s.status).toBe(0);
    expect((JSON.parse(s.stdout) as { values: (number | null)[] }).values.every((x) => typeof x === 'number')).toBe(true);
  });

  it('refuses what it cannot use, naming the option or the key', () => {
    expect(avw('softness', 'train', file, '--frame', '1', '--out', modelPath).stderr).toMatch(/--frame F and --ref R are required/);
    expect(avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--d-soft', '0.002', '--positive-quantile', '0.8', '--out', modelPath).stderr)
      .toMatch(/by quantiles .* or by thresholds .*, not both/);
    expect(avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--d-soft', '0.002', '--out', modelPath).stderr).toMatch(/--d-soft needs --d-hard H/);
    expect(avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--window', '5', '--out', modelPath).stderr).toMatch(/--window W goes with --aqs/);
    expect(avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--aqs', '--positive-quantile', '0.8', '--out', modelPath).stderr)
      .toMatch(/--aqs labels by d_soft and d_hard/);
    expect(avw('softness', 'train', file, '--frame', '1', '--ref', '0', '--aqs', '--out', modelPath).stderr)
      .toMatch(/frame 0 has no log\/shear_step or log\/avalanche_index; --aqs needs a run made by avw simulate aqs/);
    expect(avw('softness', 'fit', file).stderr).toMatch(/avw softness: expected train/);
    expect(avw('field', file, '--frame', '0', '--name', 'ml_softness').stderr).toMatch(/ml_softness needs a softness model: --model MODEL\.json/);
    const bad = join(work, 'bad.json');
    const m = JSON.parse(readFileSync(modelPath, 'utf8')) as { hyperplanes: { w: number[] }[] };
    m.hyperplanes[0].w = m.hyperplanes[0].w.slice(3);
    writeFileSync(bad, JSON.stringify(m));
    expect(avw('field', file, '--frame', '0', '--name', 'ml_softness', '--model', bad).stderr).toMatch(/bad\.json: hyperplanes\[0\]\.w: expected an array of 27 finite numbers, got an array of 24/);
  });
});

describe('rearrangers', () => {
  // The oracle's polydisperse diameters: small below the midpoint of the smallest and largest.
  const d = f.inputs.diameters;
  const mid = 0.5 * (Math.min(...d) + Math.max(...d));
  const expected: number[] = d2minA.map((x, i) => (x !== null && x > (d[i] < mid ? 0.0025 : 0.0015) ? 1 : 0));

  it("the field: 1 where section A's D2min exceeds d_soft of the particle's species", () => {
    const r = avw('field', file, '--frame', '1', '--name', 'rearranger', '--json');
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout) as { values: number[]; ref: number; parameters: { rearrangers: number; species: string } };
    expect(v.ref).toBe(0);
    expect(v.values).toEqual(expected);
    expect(v.parameters).toMatchObject({ rd: 2, d_soft_small: 0.0025, d_soft_large: 0.0015, species: 'diameter' });
    expect(v.parameters.rearrangers).toBe(expected.reduce((a, x) => a + x, 0));
    expect(expected.reduce((a, x) => a + x, 0)).toBeGreaterThan(0);
    expect(avw('field', file, '--frame', '1', '--name', 'rearranger', '--ref', '0', '--json').status).toBe(0);
    expect(avw('field', file, '--frame', '0', '--name', 'rearranger').stderr).toMatch(/rearranger needs a previous frame/);
  });

  it('the series and avw rearrangers count the same particles', () => {
    const count = expected.reduce((a, x) => a + x, 0);
    const s = JSON.parse(avw('series', file, '--name', 'rearrangers', '--json').stdout) as { values: (number | null)[] };
    expect(s.values).toEqual([null, count]);
    const r = avw('rearrangers', file, '--json');
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout) as { pairs: { frame: number; count: number; ids: number[]; single: boolean }[]; starts: { id: number; frame: number }[]; total: number };
    expect(v.total).toBe(count);
    expect(v.pairs[0].ids).toEqual(expected.flatMap((x, i) => (x ? [i + 1] : [])));
    expect(v.pairs[0].single).toBe(count === 1);
    expect(v.starts.length).toBe(count);
    expect(avw('rearrangers', file, '--frames', '1:0').stderr).toMatch(/--frames must be A:B with frame numbers 0 <= A < B/);
  });
});
