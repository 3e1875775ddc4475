// `npm run bench -- softness`: machine-learned softness and the rearranger analyses (Zhang, Ridout & Liu; issue 12).
// Targets: structure functions (27 linear radial functions, r_m = 0.4 + 0.1 m, half-width 0.1) of N = 100 000 in < 100 ms;
// one hyperplane on 15 000 rows x 27 features in < 1 s (side by side with scikit-learn's LinearSVC, the oracle's
// reference, when Debian's python3 has it); a 60-hyperplane model applied to N = 100 000 in < 100 ms. Then, when AQS
// trajectories are given (`-- --aqs RUN.gsd[,RUN2.gsd]`, made by `avw simulate aqs`), the training on them with its
// validation accuracy and the statistics of Figs. 3-9 over 100 avalanches (softness-aqs.ts).
// Configurations: the AQS system's binary mixture (radii 0.5 / 0.7, 1:1) at packing fraction 0.9 (number density 0.774),
// uniform random positions (the neighbour counts, hence the cost, of the packing).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { orthoBox, type Box } from '../../src/core/box.js';
import { NeighborSearch } from '../../src/core/neighbors.js';
import { computeStrainFields } from '../../src/core/analysis/d2min-strain.js';
import { evenCenters, permutePositions, radialFunctions, spatialOrder, structureFunctions } from '../../src/core/analysis/structure-functions.js';
import { standardization, standardizeRows, trainLinearSvm } from '../../src/core/analysis/linear-svm.js';
import { applySoftnessModel, collapseModel, hyperplaneDecisions, type Hyperplane } from '../../src/core/analysis/ml-softness.js';
import { buildSoftnessModel } from '../../src/core/analysis/softness-training.js';
import { benchArg, machine, median, rng } from './util.js';
import { aqsBench } from './softness-aqs.js';

function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

function print(label: string, ms: number, extra = ''): void {
  console.log(`  ${label.padEnd(78)} ${ms.toFixed(ms < 10 ? 2 : 1).padStart(8)} ms${extra ? `  ${extra}` : ''}   (load ${load()})`);
}

function times(fn: () => unknown, repeats: number, warmup = 2): number {
  for (let k = 0; k < warmup; k++) fn();
  const t: number[] = [];
  for (let k = 0; k < repeats; k++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
  return median(t);
}

/** n disks of the AQS mixture at packing fraction 0.9, uniform random positions; species 0 = small. */
function mixture(n: number, seed: number): { positions: Float64Array; box: Box; species: Uint8Array } {
  const area = (n * Math.PI * (0.25 + 0.49)) / 2 / 0.9;
  const L = Math.sqrt(area);
  const r = rng(seed);
  const positions = new Float64Array(3 * n), species = new Uint8Array(n);
  for (let i = 0; i < n; i++) { positions[3 * i] = r() * L; positions[3 * i + 1] = r() * L; species[i] = i % 2; }
  return { positions, box: orthoBox(L, L, 1), species };
}

const CENTERS = evenCenters(0.4, 0.1, 27);

/** A yardstick for a loaded machine: the analysis benchmark's D2min row, whose quiet figure is in the README (116 ms). */
function calibration(): void {
  const n = 100_000, L = Math.sqrt(n / 0.9);
  const r = rng(n);
  const reference = new Float64Array(3 * n), current = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = r() * L, y = r() * L;
    reference[3 * i] = x; reference[3 * i + 1] = y;
    let cx = x + 0.01 * (y - L / 2) + 0.05 * (r() - 0.5), cy = y + 0.05 * (r() - 0.5);
    cx -= Math.floor(cx / L) * L; cy -= Math.floor(cy / L) * L;
    current[3 * i] = cx; current[3 * i + 1] = cy;
  }
  const params = { reference, current, box: orthoBox(L, L, 1), dimensions: 2 as const, cutoff: 2.0 };
  console.log('\nYardstick (the same machine state)');
  print('D2min + strain family, N = 100 000 (README, quiet machine: 116 ms)', times(() => computeStrainFields(params), 7));
}

function structureFunctionBench(): void {
  console.log('\nStructure functions (Eq. 3), 27 centres 0.4..3.0, half-width 0.1 (target: N = 100 000 < 100 ms)');
  const f = radialFunctions(CENTERS, 0.1);
  const small = mixture(4000, 1), large = mixture(100_000, 2);
  const search = new NeighborSearch();
  print('N = 4000, no species', times(() => structureFunctions(small.positions, small.box, f, { search }), 21));
  print('N = 100 000, no species (neighbour search included)', times(() => structureFunctions(large.positions, large.box, f, { search }), 9));
  print('N = 100 000, per neighbour species (2 x 27 columns)', times(() => structureFunctions(large.positions, large.box, f, { search, species: large.species }), 9));
  // Phases: the structure functions screen the half neighbourhoods (each pair once, no list stored) and add each pair's
  // triangles to both rows; the rest of the time is those sums and writing the n x 27 output.
  print('  of which screening the half neighbourhoods, rc = 3.1 (forEachNeighborhood, empty visitor)', times(() => search.forEachNeighborhood(large.positions, large.box, { cutoff: 3.1, dimensions: 2, half: true }, () => {}), 9));
  // For comparison with the earlier pipeline (a half list in CSR from positions in spatial order, then the pair sums).
  const sorted = permutePositions(large.positions, spatialOrder(large.positions, large.box, 3.1));
  print('  the half neighbour list, rc = 3.1 (positions in spatial order; not built any more)', times(() => search.buildTransient(sorted, large.box, { cutoff: 3.1, dimensions: 2, half: true, withVectors: true }), 9));
  print('  the same list from the positions in their random order', times(() => search.buildTransient(large.positions, large.box, { cutoff: 3.1, dimensions: 2, half: true, withVectors: true }), 9));
  print('N = 100 000, Float32 output', times(() => structureFunctions(large.positions, large.box, f, { search, precision: 'float32' }), 9));
}

/** 15 000 rows of real structure functions with labels from a planted rule plus noise (a realistic, non-separable problem). */
function trainingProblem(): { z: Float64Array; y: Int8Array; x: Float64Array; d: number } {
  const cfg = mixture(15_000, 3);
  const G = structureFunctions(cfg.positions, cfg.box, radialFunctions(CENTERS, 0.1));
  const d = G.nFeatures, n = G.n;
  const s = standardization(G.values, d);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const z = standardizeRows(G.values, d, rows, s);
  const r = rng(4);
  const w = Float64Array.from({ length: d }, () => r() - 0.5);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0.2;
    for (let c = 0; c < d; c++) v += w[c] * z[i * d + c];
    y[i] = v + 1.5 * (r() - 0.5) > 0 ? 1 : -1;
  }
  return { z, y, x: G.values as Float64Array, d };
}

function sklearnAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import sklearn, numpy'], { stdio: 'ignore' }).status === 0;
}

function svmBench(): void {
  console.log('\nLinear SVM, one hyperplane, 15 000 rows x 27 features, C = 1 (target: < 1 s)');
  const { z, y, d } = trainingProblem();
  let res = trainLinearSvm(z, d, y);
  const ms = times(() => { res = trainLinearSvm(z, d, y); }, 7, 1);
  print(`ours (Newton, generalised Hessian): ${res.iterations} iterations, |grad| ${res.gradient.toExponential(1)}`, ms, `train accuracy ${res.trainAccuracy.toFixed(4)}`);
  if (!sklearnAvailable()) { console.log('  scikit-learn: skipped (no /usr/bin/python3 with sklearn)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'avw-bench-svm-'));
  try {
    writeFileSync(join(dir, 'z.bin'), Buffer.from(z.buffer));
    writeFileSync(join(dir, 'y.bin'), Buffer.from(y.buffer));
    const script = `
import numpy as np, time, json
from sklearn.svm import LinearSVC
z = np.fromfile('${dir}/z.bin', dtype=np.float64).reshape(-1, ${d}); y = np.fromfile('${dir}/y.bin', dtype=np.int8)
ts = []
for k in range(5):
    m = LinearSVC(C=1.0, loss='squared_hinge', penalty='l2', dual=False, intercept_scaling=1, tol=1e-8, max_iter=100000)
    t0 = time.perf_counter(); m.fit(z, y); ts.append(time.perf_counter() - t0)
json.dump({'ms': sorted(ts)[2] * 1000, 'w': m.coef_[0].tolist(), 'b': float(m.intercept_[0])}, open('${dir}/out.json', 'w'))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) { console.log('  scikit-learn: failed'); return; }
    const sk = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { ms: number; w: number[]; b: number };
    let diff = Math.abs(sk.b - res.b);
    for (let c = 0; c < d; c++) diff = Math.max(diff, Math.abs(sk.w[c] - res.w[c]));
    print('scikit-learn LinearSVC(dual=False, tol=1e-8) (liblinear trust-region Newton)', sk.ms, `max |w, b difference| ${diff.toExponential(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 60 hyperplanes per species (speciesMode 'type', 2 x 27 features): 6 placements x 10, weights drawn at random. */
function syntheticModel() {
  const r = rng(5);
  const hyperplanes: Hyperplane[] = [];
  for (let s = 0; s < 2; s++) {
    for (let p = 0; p < 6; p++) {
      const centers = Array.from(evenCenters(0.4 + 0.02 * p, 0.1, 27));
      for (let rep = 0; rep < 10; rep++) {
        const F = 54;
        const mu = Array.from({ length: F }, () => r()), sd = Array.from({ length: F }, () => 0.5 + r());
        const w = Array.from({ length: F }, () => r() - 0.5), b = r() - 0.5;
        const wRaw = w.map((x, c) => x / sd[c]);
        const bRaw = b - wRaw.reduce((a, x, c) => a + x * mu[c], 0);
        hyperplanes.push({
          particleSpecies: s, centers, widths: centers.map(() => 0.1), mu, sd, w, b, wRaw, bRaw, C: 1, objective: 0, trainAccuracy: 0.5,
          validationAccuracy: null, nTrain: 0, nPositive: 0, nNegative: 0, nValidation: 0, trainingSet: 0, placement: p, repeat: rep,
        });
      }
    }
  }
  return buildSoftnessModel(hyperplanes, 'type', {
    trajectories: [], frames: [], thresholds: {}, software: { name: 'avalanche-workbench', version: 'bench' }, created: new Date().toISOString(),
  });
}

function applyBench(): void {
  console.log('\nApplying a model: 60 hyperplanes per species, 6 centre placements, 2 x 27 features (target: N = 100 000 < 100 ms)');
  const model = syntheticModel();
  const cfg = mixture(100_000, 6);
  const search = new NeighborSearch();
  const collapsed = collapseModel(model);
  let S = applySoftnessModel(collapsed, cfg.positions, cfg.box, { species: cfg.species, search });
  print('collapse the 120 hyperplanes into radial kernels', times(() => collapseModel(model), 9));
  print('apply, N = 100 000 (neighbour search included)', times(() => { S = applySoftnessModel(collapsed, cfg.positions, cfg.box, { species: cfg.species, search }); }, 9));
  print(`  of which screening the half neighbourhoods, rc = ${collapsed.cutoff} (forEachNeighborhood, empty visitor)`, times(() => search.forEachNeighborhood(cfg.positions, cfg.box, { cutoff: collapsed.cutoff, dimensions: 2, half: true }, () => {}), 9));
  // Check against the hyperplane-by-hyperplane mean on a smaller configuration (same model).
  const small = mixture(4000, 7);
  const fast = applySoftnessModel(collapsed, small.positions, small.box, { species: small.species });
  const sum = new Float64Array(4000), cnt = new Float64Array(4000);
  const t0 = performance.now();
  for (const h of model.hyperplanes) {
    const dcs = hyperplaneDecisions(h, model, small.positions, small.box, { species: small.species });
    for (let i = 0; i < 4000; i++) if (small.species[i] === h.particleSpecies) { sum[i] += dcs[i]; cnt[i]++; }
  }
  const slow = performance.now() - t0;
  let diff = 0;
  for (let i = 0; i < 4000; i++) diff = Math.max(diff, Math.abs(sum[i] / cnt[i] - fast[i]));
  print('N = 4000, hyperplane by hyperplane (120 structure-function passes), for reference', slow, `max |difference| from the kernels ${diff.toExponential(2)}`);
  void S;
}

console.log('Avalanche Workbench softness benchmark (Zhang, Ridout & Liu; issue 12)');
console.log(`machine: ${machine()}`);
console.log(`load average at start: ${load()} (figures are medians; re-measure on a quiet machine)`);
calibration();
structureFunctionBench();
svmBench();
applyBench();
/** `--name=value` (npm run bench passes only arguments that start with '-') or `--name value`. */
function opt(name: string): string | undefined {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : benchArg(`--${name}`);
}
const aqs = opt('aqs');
if (aqs) {
  aqsBench(aqs.split(','), {
    avalanches: Number(opt('avalanches') ?? 100), model: opt('model'), out: opt('out'),
    quietFactor: opt('quiet-factor') !== undefined ? Number(opt('quiet-factor')) : undefined,
  });
}
else console.log('\nAQS training and statistics: skipped (pass -- --aqs RUN.gsd[,RUN2.gsd] made by `avw simulate aqs`)');
