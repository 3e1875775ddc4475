// `npm run bench -- study`: studies of many runs.
//   1. The local scheduler on a 2 x 2 study of N = 2000 (thermal MD, real runs): wall time against the runs' CPU time
//      divided by the cores used (target: within 15 %; other load on the machine counts against it: the load is printed).
//   2. `collect` of 120 runs of 1000 frames (synthetic runs written with the project's GSD writer, each with its index
//      shard: frames, an MSD series, tags): target < 10 s.
//   3. The ensemble distribution figure of 120 runs (N = 2000, three events each, D2min cached in the shards: the field
//      cache warm after collect): target < 30 s.
//   0. The analyses themselves: F_s(q) of one frame pair at N = 2000 beside numpy + scipy.special.j0 (Debian's python3,
//      when installed), and the VFT fit of 10 temperatures beside scipy's curve_fit.
// Options: --skip-local, --runs K (synthetic runs, default 120). Synthetic runs are kept in .bench/study/ between runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { orthoBox } from '../../src/core/box.js';
import { selfIntermediateScattering } from '../../src/core/analysis/self-intermediate.js';
import { fitVft } from '../../src/core/analysis/vft.js';
import { collectStudy } from '../../src/core/study/collect.js';
import { runLocal } from '../../src/core/study/local-scheduler.js';
import { runField, runSeries } from '../../src/core/study/per-run.js';
import { planStudy, type StudyPlan } from '../../src/core/study/plan.js';
import { buildStudyFigure } from '../../src/core/study/study-figure.js';
import { loadStudy } from '../../src/core/study/study-file.js';
import { writeSyntheticRun } from '../core/study/synthetic.js';
import { benchArg, machine, median, rng, timeMedian } from './util.js';

const root = join(import.meta.dirname, '../..');
const base = join(root, '.bench', 'study');
const load = (): string => `load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;

function studyFile(dir: string, name: string, body: Record<string, unknown>): StudyPlan {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, simulate: 'thermal', ...body }));
  return planStudy(loadStudy(file));
}

async function localScheduler(): Promise<void> {
  const dir = join(base, 'local');
  rmSync(dir, { recursive: true, force: true });
  const plan = studyFile(dir, 'two', {
    temperatures: [0.3, 0.4], seeds: [1, 2], analyses: ['msd'],
    parameters: { n: 2000, rho: 0.9, Tp: 0.5, equil: 20000, tw: 10000, every: 1000, frames: 40 },
  });
  const k = Math.min(2, cpus().length);
  console.log(`1. local scheduler: 2 x 2 study of N = 2000 (${plan.runs.length} runs of 69 000 MD steps), --max-parallel ${k}; before: ${load()}`);
  // When runs start and end: how much of the wall time k runs were alive (the scheduler's part, whatever else loads the machine).
  const t0 = performance.now();
  const marks: [number, number][] = [];
  const r = await runLocal(plan, {
    command: [process.execPath, '--import', 'tsx', join(root, 'src/cli/main.ts')], maxParallel: k,
    onEvent: (e) => {
      if (e.type === 'start') marks.push([performance.now() - t0, 1]);
      if (e.type === 'end') marks.push([performance.now() - t0, -1]);
    },
  });
  if (r.failed.length) throw new Error(`runs failed: ${JSON.stringify(r.failed)}`);
  const wallMs = performance.now() - t0;
  let alive = 0, last = 0, busy = 0;
  for (const [t, d] of marks) {
    busy += Math.min(alive, k) * (t - last);
    last = t;
    alive += d;
  }
  const ideal = r.cpuSeconds / k;
  console.log(`   wall ${r.wallSeconds.toFixed(1)} s; CPU of the runs ${r.cpuSeconds.toFixed(1)} s; CPU / ${k} = ${ideal.toFixed(1)} s; wall / (CPU / ${k}) = ${(r.wallSeconds / ideal).toFixed(3)} (target <= 1.15); after: ${load()}`);
  console.log(`   ${k} runs alive ${(100 * busy / (k * wallMs)).toFixed(1)} % of the wall time (the scheduler keeps ${k} cores asked for; the ratio above also counts what other load takes from them)`);
  rmSync(dir, { recursive: true, force: true });
}

/** 120 runs x 1000 frames of 16 particles: a random walk, an MSD series and three tags each. */
function collectRuns(runs: number): StudyPlan {
  const dir = join(base, `collect-${runs}`);
  const plan = studyFile(dir, 'many', {
    temperatures: Array.from({ length: 10 }, (_v, i) => 0.2 + 0.05 * i), seeds: Array.from({ length: runs / 10 }, (_v, i) => i + 1), analyses: ['msd'],
    parameters: { n: 16, rho: 0.9, every: 100, frames: 1000 },
  });
  const marker = join(dir, 'made');
  if (existsSync(marker)) return plan;
  const t0 = performance.now();
  for (const run of plan.runs) {
    const r = rng(run.id + 1);
    const walk = new Float64Array(3 * 16);
    writeSyntheticRun(plan, run, {
      n: 16, schedule: { kind: 'linear', every: 100, frames: 1000 }, dt: 0.003,
      positions: (f, _s, out) => {
        for (let i = 0; i < 16; i++) {
          if (f > 0) {
            walk[3 * i] += 0.02 * (r() - 0.5);
            walk[3 * i + 1] += 0.02 * (r() - 0.5);
          }
          out[3 * i] = 10 + 20 * (i % 4) + walk[3 * i]!;
          out[3 * i + 1] = 10 + 20 * Math.floor(i / 4) + walk[3 * i + 1]!;
          out[3 * i + 2] = 0;
        }
      },
      index: (t) => {
        runSeries(t, 'msd', 'wca');
        for (const f of [200, 500, 800]) t.addTag({ frame: f, kind: 'candidate', source: 'detector', score: 5, note: `MSD jump: frames ${f - 1}..${f + 1}`, before: f - 1, after: f + 1 });
      },
    });
  }
  writeFileSync(marker, '');
  console.log(`   (made ${runs} synthetic runs in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return plan;
}

/** 120 runs of N = 2025 (jittered triangular lattice), 40 frames, three events each with D2min computed into the shard. */
function figureRuns(runs: number): StudyPlan {
  const dir = join(base, `figure-${runs}`);
  const plan = studyFile(dir, 'fig', {
    temperatures: Array.from({ length: 10 }, (_v, i) => 0.2 + 0.05 * i), seeds: Array.from({ length: runs / 10 }, (_v, i) => i + 1), analyses: ['detect', { fields: ['d2min'] }],
    parameters: { n: 2025, rho: 0.9, every: 100, frames: 40 },
  });
  const marker = join(dir, 'made');
  if (existsSync(marker)) return plan;
  const t0 = performance.now();
  const side = 45, a = 1.05;
  const lx = side * a, ly = side * a * Math.sqrt(3) / 2;
  for (const run of plan.runs) {
    const r = rng(run.id + 11);
    const amp = 0.01 + 0.1 * (run.T! - 0.2);
    writeSyntheticRun(plan, run, {
      n: side * side, schedule: { kind: 'linear', every: 100, frames: 40 }, dt: 0.003, box: orthoBox(lx, ly, 1),
      positions: (_f, _s, out) => {
        for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) {
          const k = j * side + i;
          out[3 * k] = (i + 0.5 * (j % 2) + 0.25) * a + amp * (r() - 0.5);
          out[3 * k + 1] = (j + 0.5) * a * Math.sqrt(3) / 2 + amp * (r() - 0.5);
          out[3 * k + 2] = 0;
        }
      },
      index: (t) => {
        for (const f of [10, 20, 30]) {
          t.addTag({ frame: f, kind: 'candidate', source: 'detector', score: 5, note: `MSD jump: frames ${f - 1}..${f + 1}`, before: f - 1, after: f + 1 });
          for (const m of [f - 1, f, f + 1]) runField(t, 'd2min', m, m - 1);
        }
      },
    });
  }
  writeFileSync(marker, '');
  console.log(`   (made ${runs} synthetic runs of N = 2025 with D2min at their events in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return plan;
}

function analyses(): void {
  const n = 2000;
  const r = rng(3);
  const a = Float64Array.from({ length: 3 * n }, (_v, k) => (k % 3 === 2 ? 0 : 45 * r()));
  const b = a.map((v, k) => (k % 3 === 2 ? 0 : v + 0.3 * (r() - 0.5)));
  const ours = timeMedian(() => selfIntermediateScattering({ reference: a, current: b, q: 2 * Math.PI, dimensions: 2 }), 51, 5);
  const T = [0.3, 0.33, 0.36, 0.4, 0.45, 0.5, 0.6, 0.7, 0.85, 1.0];
  const lnTau = T.map((t, i) => Math.log(0.3) + 0.7 / (t - 0.15) + 0.05 * Math.sin(i));
  const fit = timeMedian(() => fitVft(T, lnTau, T.map(() => 0.1)), 21, 2);
  const py = spawnSync('python3', ['-c', `
import timeit, numpy as np
from scipy.special import j0
from scipy.optimize import curve_fit
rng = np.random.default_rng(3)
a = 45 * rng.random((2000, 2)); b = a + 0.3 * (rng.random((2000, 2)) - 0.5)
t = min(timeit.repeat(lambda: j0(6.283185307179586 * np.linalg.norm(b - a, axis=1)).mean(), number=20, repeat=7)) / 20
T = np.array(${JSON.stringify(T)}); y = np.log(0.3) + 0.7 / (T - 0.15) + 0.05 * np.sin(np.arange(10))
f = lambda T, a, A, T0: a + A / (T - T0)
c = min(timeit.repeat(lambda: curve_fit(f, T, y, p0=(0, 1, 0.1), sigma=0.1 * np.ones(10), absolute_sigma=True, bounds=([-np.inf, 0, 0], [np.inf, np.inf, 0.3 * (1 - 1e-9)])), number=5, repeat=5)) / 5
print(t * 1e3, c * 1e3)`], { encoding: 'utf8' });
  const ref = py.status === 0 ? py.stdout.trim().split(/\s+/).map(Number) : null;
  console.log('0. analyses');
  console.log(`   F_s(q) of one frame pair, N = 2000: ${ours.toFixed(3)} ms${ref ? `; numpy + scipy.special.j0: ${ref[0]!.toFixed(3)} ms (best of 7)` : ' (python3 with scipy not found: no reference)'}`);
  console.log(`   VFT fit, 10 temperatures: ${fit.toFixed(2)} ms${ref ? `; scipy curve_fit (bounded): ${ref[1]!.toFixed(2)} ms (best of 5)` : ''}; ${load()}`);
}

console.log(`study benchmark: ${machine()}`);
console.log('   (the machine may be shared: compare the load averages printed beside each figure)');
analyses();
const runs = Number(benchArg('--runs') ?? 120);
if (!process.argv.includes('--skip-local')) await localScheduler();

console.log(`2. collect of ${runs} runs of 1000 frames`);
const cplan = collectRuns(runs);
const ctimes: number[] = [];
for (let i = 0; i < 3; i++) {
  rmSync(cplan.indexDir, { recursive: true, force: true });
  const t0 = performance.now();
  const r = collectStudy(cplan);
  ctimes.push((performance.now() - t0) / 1000);
  if (r.merged !== runs) throw new Error(`merged ${r.merged} of ${runs}`);
}
const t1 = performance.now();
const again = collectStudy(cplan);
console.log(`   ${median(ctimes).toFixed(2)} s (median of 3, from an empty study index; target < 10 s); again with nothing changed: ${((performance.now() - t1) / 1000).toFixed(2)} s (${again.unchanged} unchanged); ${load()}`);

console.log(`3. ensemble distribution figure of ${runs} runs (N = 2025, 3 events each: ${runs * 3} events at "at"), field cache warm`);
const fplan = figureRuns(runs);
collectStudy(fplan);
const out = join(base, 'fig.pdf');
const ftimes: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await buildStudyFigure({ kind: 'distribution', study: fplan.study.file, field: 'd2min', moment: 'at' }, out);
  ftimes.push((performance.now() - t0) / 1000);
}
console.log(`   PDF ${median(ftimes).toFixed(2)} s (median of 3; target < 30 s); ${load()}`);
