// Softness models (Zhang, Ridout & Liu Sec. II C): training an ensemble over sets, placements, repeats and species;
// the JSON round trip and the validating loader; applying a model (collapsed radial kernels) against the mean of the
// hyperplanes' own decision values; the oracle's hyperplane applied through a model.
import { describe, expect, it } from 'vitest';
import { orthoBox, type Box } from '../../../src/core/box.js';
import {
  applySoftnessModel, collapseModel, hyperplaneDecisions, parseSoftnessModel, serializeSoftnessModel, type SoftnessModel,
} from '../../../src/core/analysis/ml-softness.js';
import { evenCenters, radialFunctions } from '../../../src/core/analysis/structure-functions.js';
import { buildSoftnessModel, TrainingPoolBuilder, trainEnsemble, type TrainingPool } from '../../../src/core/analysis/softness-training.js';
import { mulberry32 } from '../../../src/core/util/random.js';
import { expectClose, loadOracle, oracleBox, tol, xyz } from '../physics-oracle.js';

const PROVENANCE = {
  trajectories: ['synthetic'], frames: [0], thresholds: { rule: 'planted' }, software: { name: 'avalanche-workbench', version: 'test' },
  created: '2026-01-01T00:00:00.000Z',
};

/**
 * A planted structural signal on a jittered square lattice (spacing 1.1, checkerboard species): a random quarter of the
 * particles ("soft", label 1) are shifted 0.3 towards their right neighbour (one short and one long contact); particles
 * beside no shifted one are the "hard" rows (label 0).
 */
function plantedPool(seed: number, frames = 2): { pool: TrainingPool; cfgs: { positions: Float64Array; box: Box; species: Uint8Array }[] } {
  const r = mulberry32(seed);
  const b = new TrainingPoolBuilder();
  const cfgs = [];
  for (let f = 0; f < frames; f++) {
    const side = 20, a = 1.1, n = side * side;
    const positions = new Float64Array(3 * n), species = new Uint8Array(n);
    const soft: number[] = [], hard: number[] = [];
    for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) {
      const q = j * side + i;
      positions[3 * q] = (i + 0.3) * a + 0.05 * (r() - 0.5);
      positions[3 * q + 1] = (j + 0.3) * a + 0.05 * (r() - 0.5);
      species[q] = (i + j) % 2;
    }
    // Soft particles: pushed towards their right neighbour (a short contact and a long one); others stay put.
    for (let q = 0; q < n; q++) {
      if (r() < 0.25 && q % side < side - 1) { positions[3 * q] += 0.3; soft.push(q); } else hard.push(q);
    }
    const box = orthoBox(side * a, side * a, 1);
    const fr = b.addFrame({ positions, box, species });
    b.add(fr, soft, 1);
    b.add(fr, hard.filter((q) => !soft.includes(q - 1) && !soft.includes(q + 1)), 0);
    cfgs.push({ positions, box, species });
  }
  return { pool: b.build(), cfgs };
}

describe('softness ensemble', () => {
  const placements = [radialFunctions(evenCenters(0.6, 0.1, 20), 0.1), radialFunctions(evenCenters(0.65, 0.12, 16), 'adjacent')];
  const { pool, cfgs } = plantedPool(3);
  const { pool: pool2 } = plantedPool(4, 1);
  const hyperplanes = trainEnsemble([pool, pool2], { placements, speciesMode: 'type', nSpecies: 2, repeats: 3, seed: 5 });
  const model = buildSoftnessModel(hyperplanes, 'type', PROVENANCE, { nSpecies: 2, speciesRule: 'type' });

  it('trains sets x placements x species x repeats hyperplanes that separate the planted structure', () => {
    expect(hyperplanes.length).toBe(2 * 2 * 2 * 3);
    for (const h of hyperplanes) {
      expect(h.w.length).toBe(2 * h.centers.length);
      expect(h.validationAccuracy).not.toBeNull();
      expect(h.validationAccuracy as number).toBeGreaterThan(0.9);
      expect(h.trainAccuracy).toBeGreaterThan(0.9);
      expect(h.nPositive).toBe(h.nNegative); // balanced
      expect(h.nValidation % 2).toBe(0);
    }
    // The repeats of one (set, placement, species) differ by their split, and are reproducible from the seed.
    const again = trainEnsemble([pool, pool2], { placements, speciesMode: 'type', nSpecies: 2, repeats: 3, seed: 5 });
    expect(again.map((h) => h.b)).toEqual(hyperplanes.map((h) => h.b));
    expect(new Set(hyperplanes.filter((h) => h.trainingSet === 0 && h.placement === 0 && h.particleSpecies === 0).map((h) => h.b)).size).toBe(3);
  });

  it('applied through collapsed kernels: the mean of its hyperplanes decision values, to round-off', () => {
    const { positions, box, species } = cfgs[0];
    const S = applySoftnessModel(model, positions, box, { species });
    const sum = new Float64Array(S.length), cnt = new Float64Array(S.length);
    for (const h of model.hyperplanes) {
      const d = hyperplaneDecisions(h, model, positions, box, { species });
      for (let i = 0; i < S.length; i++) if (species[i] === h.particleSpecies) { sum[i] += d[i]; cnt[i]++; }
    }
    let worst = 0;
    for (let i = 0; i < S.length; i++) worst = Math.max(worst, Math.abs(S[i] - sum[i] / cnt[i]));
    expect(worst).toBeLessThan(1e-11);
    // And softness separates the labelled particles of the pool.
    let ok = 0;
    for (let k = 0; k < pool.label.length; k++) if (pool.frame[k] === 0 && (S[pool.particle[k]] > 0) === (pool.label[k] === 1)) ok++;
    expect(ok / pool.label.filter((_, k) => pool.frame[k] === 0).length).toBeGreaterThan(0.9);
  });

  it('the same softness from positions moved out of the box by whole box lengths (periodic images)', () => {
    const { positions, box, species } = cfgs[0];
    const S = applySoftnessModel(model, positions, box, { species });
    const moved = positions.slice();
    const L = box.vectors[0][0];
    for (let i = 0; i < moved.length / 3; i += 3) { moved[3 * i] += (i % 2 ? 1 : -2) * L; moved[3 * i + 1] -= L; }
    const T = applySoftnessModel(model, moved, box, { species });
    let worst = 0;
    for (let i = 0; i < S.length; i++) worst = Math.max(worst, Math.abs(S[i] - T[i]));
    expect(worst).toBeLessThan(1e-9);
  });

  it('survives the JSON round trip bit for bit', () => {
    const text = serializeSoftnessModel(model);
    const back = parseSoftnessModel(JSON.parse(text), 'model.json');
    expect(back).toEqual(model);
    const { positions, box, species } = cfgs[0];
    expect(applySoftnessModel(back, positions, box, { species })).toEqual(applySoftnessModel(model, positions, box, { species }));
  });

  it('a species without hyperplanes gets NaN; a model that resolves species needs them', () => {
    const only0: SoftnessModel = { ...model, hyperplanes: model.hyperplanes.filter((h) => h.particleSpecies === 0) };
    const { positions, box, species } = cfgs[0];
    const S = applySoftnessModel(only0, positions, box, { species });
    for (let i = 0; i < 20; i++) expect(Number.isNaN(S[i])).toBe(species[i] === 1);
    expect(() => applySoftnessModel(model, positions, box)).toThrow(/pass the species/);
  });
});

describe('softness model loader', () => {
  const f = loadOracle(400);
  const g = f.sections.G_rsf_svm;
  const e = g.expected as { labels: number[]; decision: number[] };
  const b = new TrainingPoolBuilder();
  b.addLabels(b.addFrame({ positions: xyz(f.inputs.frame0), box: oracleBox(f) }), e.labels);
  const hs = trainEnsemble([b.build()], { placements: [radialFunctions(evenCenters(0.4, 0.1, 27), 0.1)], speciesMode: 'none', balance: false, validationFraction: 0 });
  const model = buildSoftnessModel(hs, 'none', PROVENANCE);
  const good = JSON.parse(serializeSoftnessModel(model)) as Record<string, unknown>;

  it("a one-hyperplane model applied to the oracle's frame gives its decision values", () => {
    const S = applySoftnessModel(parseSoftnessModel(good, 'oracle.json'), xyz(f.inputs.frame0), oracleBox(f));
    expectClose(S, e.decision, tol(g, 'decision'), 'ml_softness');
    expect(collapseModel(model).cutoff).toBeCloseTo(3.1, 12);
  });

  const broken = (edit: (m: Record<string, unknown>) => void): Record<string, unknown> => {
    const m = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    edit(m);
    return m;
  };
  const hp = (m: Record<string, unknown>): Record<string, unknown> => (m.hyperplanes as Record<string, unknown>[])[0];
  it.each([
    ['format', (m: Record<string, unknown>) => { m.format = 'x'; }, /m\.json: format: expected "avalanche-workbench\/softness-model"/],
    ['version', (m: Record<string, unknown>) => { m.version = 2; }, /version: expected 1/],
    ['speciesMode', (m: Record<string, unknown>) => { m.speciesMode = 'all'; }, /speciesMode: expected "none" or "type"/],
    ['missing w', (m: Record<string, unknown>) => { delete hp(m).w; }, /hyperplanes\[0\]\.w: expected an array of 27 finite numbers, got nothing/],
    ['short mu', (m: Record<string, unknown>) => { hp(m).mu = [1, 2]; }, /hyperplanes\[0\]\.mu: expected an array of 27 finite numbers, got an array of 2/],
    ['null in wRaw', (m: Record<string, unknown>) => { (hp(m).wRaw as unknown[])[3] = null; }, /hyperplanes\[0\]\.wRaw\[3\]: expected a finite number, got null/],
    ['zero sd', (m: Record<string, unknown>) => { (hp(m).sd as number[])[0] = 0; }, /hyperplanes\[0\]\.sd\[0\]: expected a positive number, got 0/],
    ['decreasing centres', (m: Record<string, unknown>) => { (hp(m).centers as number[])[1] = 0.1; }, /hyperplanes\[0\]\.centers\[1\]: expected increasing numbers/],
    ['inconsistent wRaw', (m: Record<string, unknown>) => { (hp(m).wRaw as number[])[20] += 1; }, /hyperplanes\[0\]\.wRaw\[20\]: expected w \/ sd = /],
    ['inconsistent bRaw', (m: Record<string, unknown>) => { hp(m).bRaw = (hp(m).bRaw as number) + 1; }, /hyperplanes\[0\]\.bRaw: expected b - wRaw\.mu = /],
    ['species with mode none', (m: Record<string, unknown>) => { hp(m).particleSpecies = 0; }, /particleSpecies: expected null with speciesMode "none"/],
    ['provenance', (m: Record<string, unknown>) => { delete (m.provenance as Record<string, unknown>).software; }, /provenance\.software: expected an object with name and version strings/],
    ['no hyperplanes', (m: Record<string, unknown>) => { m.hyperplanes = []; }, /hyperplanes: expected a non-empty array/],
  ])('names the key: %s', (_, edit, message) => {
    expect(() => parseSoftnessModel(broken(edit), 'm.json')).toThrow(message);
  });

  it('refuses something that is not an object', () => {
    expect(() => parseSoftnessModel([1, 2], 'm.json')).toThrow(/m\.json: \(top level\): expected an object, got an array of 2/);
  });
});
