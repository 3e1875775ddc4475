// `npm run bench -- modes`: the vibrational analysis of issue 11 (src/core/analysis/hessian.ts, src/core/linalg).
//  - N = 2000 inherent structure of the WCA glass (the LAMMPS reference start, tests/fixtures/lammps-bench, minimized
//    with the simulator's FIRE to max |F| < 1e-10): the 30 smallest positive eigenvalues (target <= 0.2 s; scipy eigsh
//    shift-invert 0.21 s on this machine), side by side with scipy (eigsh(sigma=-1e-3, which='LM'), k from 42 up until
//    30 positive eigenvalues, as the oracle's section E) on the SAME matrix, written to a temporary file, and the largest
//    relative difference between the two sets of eigenvalues;
//  - N = 10 000: an inherent structure quenched from a random configuration (createRandomSystem, a Hertzian
//    pre-minimisation, then WCA FIRE; rho 0.9, 11 % polydispersity); N = 100 000: 2 x 5 periodic copies of it, perturbed
//    and minimized again. Both cached in the system's temporary folder between runs; time and peak memory.
// Each measurement runs in a child process (so the peak RSS is its own); figures are medians of the repeats, wall and CPU.
// Options: --repeats=R (default 5), --sizes=2000,10000,100000, --no-scipy, --scipy-max=N (largest N given to scipy,
// default 20000: its shift-invert with SuperLU took 15 s CPU at N = 10 000 here).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box } from '../../src/core/box.js';
import { assembleHessian, hessianPairs, hessianTimes, modesOfPairs, type HessianPairs } from '../../src/core/analysis/hessian.js';
import { blockCsrMultiply } from '../../src/core/linalg/block-sparse.js';
import { HERTZ, WCA } from '../../src/core/potentials.js';
import { inherentStructure } from '../../src/core/sim/inherent-structure.js';
import { createRandomSystem } from '../../src/core/sim/setup.js';
import { mulberry32 } from '../../src/core/util/random.js';
import { loadLammpsBench } from '../core/sim/lammps-bench.js';
import { benchArg, machine, median } from './util.js';

const SELF = fileURLToPath(import.meta.url);
const CACHE = join(tmpdir(), 'avw-bench-modes');
const PYTHON = '/usr/bin/python3';

interface Config { n: number; positions: Float64Array; diameters: Float64Array; box: Box; label: string }

function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** The inherent structure of size n (cached): N = 2000 from the LAMMPS reference start, else a random quench. */
function inherentConfig(n: number): Config {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `is_wca_N${n}.json`);
  if (existsSync(file)) {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { positions: number[]; diameters: number[]; box: Box; label: string };
    return { n, positions: Float64Array.from(j.positions), diameters: Float64Array.from(j.diameters), box: j.box, label: j.label };
  }
  let start: { positions: Float64Array; diameters: Float64Array; box: Box };
  let label: string;
  if (n === 2000) {
    start = loadLammpsBench();
    label = 'IS of the LAMMPS reference start (T = 0.2 glass), FIRE';
  } else if (n === 100_000) {
    // Ten periodic copies (2 x 5) of the N = 10 000 inherent structure, each particle moved by up to +-0.01, then
    // minimized again (a quench from random positions at this size diverged in the simulator's FIRE: see the report).
    const base = inherentConfig(10_000);
    const L = base.box.vectors[0][0], Ly = base.box.vectors[1][1];
    const u = mulberry32(5);
    const positions = new Float64Array(3 * n), diameters = new Float64Array(n);
    let k = 0;
    for (let tx = 0; tx < 2; tx++) for (let ty = 0; ty < 5; ty++) for (let i = 0; i < base.n; i++, k++) {
      positions[3 * k] = base.positions[3 * i] + tx * L + 0.02 * (u() - 0.5);
      positions[3 * k + 1] = base.positions[3 * i + 1] + ty * Ly + 0.02 * (u() - 0.5);
      diameters[k] = base.diameters[i];
    }
    const box: Box = { origin: [...base.box.origin], vectors: [[2 * L, 0, 0], [0, 5 * Ly, 0], [0, 0, base.box.vectors[2][2]]], periodic: [...base.box.periodic] };
    start = { positions, diameters, box };
    label = 'IS of 2 x 5 copies of the N = 10 000 IS, perturbed by +-0.01 and minimized again (WCA FIRE)';
  } else {
    // As the oracle's generator: random positions, a soft Hertzian pre-minimisation (bounded forces), then WCA.
    const { system } = createRandomSystem({ n, seed: 11 });
    const soft = inherentStructure(system.positions, system.diameters, system.box, { potential: HERTZ, ftol: 1e-6, maxIterations: 200_000 });
    start = { positions: soft.positions, diameters: system.diameters, box: system.box };
    label = 'IS quenched from a random configuration (rho 0.9, 11 % polydispersity; Hertz pre-minimisation, then WCA FIRE)';
  }
  const t0 = performance.now();
  const is = inherentStructure(start.positions, start.diameters, start.box, { maxIterations: 200_000 });
  if (!is.converged) throw new Error(`bench modes: the N = ${n} minimization did not converge (max |F| = ${is.maxForce})`);
  console.log(`  (made the N = ${n} inherent structure in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${is.iterations} FIRE iterations, max |F| ${is.maxForce.toExponential(1)}; cached in ${file})`);
  writeFileSync(file, JSON.stringify({ positions: Array.from(is.positions), diameters: Array.from(start.diameters), box: start.box, label }));
  return { n, positions: is.positions, diameters: start.diameters, box: start.box, label };
}

interface ChildResult {
  wall: number[]; cpu: number[]; stages: Record<string, number>; maxRssMB: number; baselineRssMB: number; heapMB: number;
  eigenvalues: number[]; lambdaSmallest: number; zeroModes: number; negativeModes: number; lambdaMax: number;
  solves: number; restarts: number; factorBlocks: number; maxResidual: number; pairs: number;
  products: { assemble: number; csr: number; pairs: number }; verifyFactorizations: number;
}

/** Child: time vibrationalModes on the cached configuration, print JSON. */
function child(n: number, repeats: number, matrixFile: string | undefined): void {
  const baselineRssMB = process.resourceUsage().maxRSS / 1024;
  const c = inherentConfig(n);
  const input = { positions: c.positions, box: c.box, sizes: c.diameters, potential: WCA };
  const wall: number[] = [], cpu: number[] = [];
  let last: ReturnType<typeof modesOfPairs> | null = null;
  let pairs: HessianPairs | null = null;
  const stageTimes: Record<string, number[]> = { pairs: [], modes: [] };
  let heap = 0;
  for (let r = 0; r < repeats + 1; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    pairs = hessianPairs(input);
    const t1 = performance.now();
    last = modesOfPairs(pairs);
    const t2 = performance.now();
    const cu = process.cpuUsage(c0);
    heap = Math.max(heap, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
    if (r === 0 && repeats > 1) continue; // JIT warm-up
    wall.push(t2 - t0);
    cpu.push((cu.user + cu.system) / 1000);
    stageTimes.pairs.push(t1 - t0);
    stageTimes.modes.push(t2 - t1);
  }
  const m = last!;
  // H v: matrix-free over the pairs versus the assembled block CSR (assembly timed separately), 50 products each.
  const hp = pairs!, dim = 2 * hp.n;
  const v = Float64Array.from({ length: dim }, (_, i) => Math.sin(i)), y = new Float64Array(dim);
  const tA = performance.now();
  const Hcsr = assembleHessian(hp);
  const tB = performance.now();
  for (let k = 0; k < 50; k++) blockCsrMultiply(Hcsr, v, y);
  const tC = performance.now();
  for (let k = 0; k < 50; k++) hessianTimes(hp, v, y);
  const tD = performance.now();
  const products = { assemble: tB - tA, csr: (tC - tB) / 50, pairs: (tD - tC) / 50 };
  if (matrixFile) {
    // The scalar COO of H for scipy: int32 rows, int32 cols, float64 values.
    const H = assembleHessian(pairs!);
    const nnz = H.cols.length * 4;
    const rows = new Int32Array(nnz), cols = new Int32Array(nnz), vals = new Float64Array(nnz);
    let k = 0;
    for (let i = 0; i < H.nb; i++) for (let q = H.start[i]; q < H.start[i + 1]; q++) {
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) { rows[k] = 2 * i + a; cols[k] = 2 * H.cols[q] + b; vals[k] = H.values[4 * q + 2 * a + b]; k++; }
    }
    writeFileSync(matrixFile, Buffer.concat([Buffer.from(new Int32Array([2 * H.nb, nnz]).buffer), Buffer.from(rows.buffer), Buffer.from(cols.buffer), Buffer.from(vals.buffer)]));
  }
  const out: ChildResult = {
    wall, cpu, stages: { pairs: median(stageTimes.pairs), modes: median(stageTimes.modes) },
    maxRssMB: process.resourceUsage().maxRSS / 1024, baselineRssMB, heapMB: heap / 2 ** 20,
    eigenvalues: Array.from(m.eigenvalues), lambdaSmallest: m.lambdaSmallest, zeroModes: m.zeroModes, negativeModes: m.negativeModes,
    lambdaMax: m.lambdaMax, solves: m.solver.solves, restarts: m.solver.restarts, factorBlocks: m.solver.factorBlocks,
    maxResidual: m.maxResidual, pairs: pairs!.pi.length, products,
    verifyFactorizations: m.solver.verifyFactorizations,
  };
  process.stdout.write(`@@RESULT ${JSON.stringify(out)}\n`);
}

const SCIPY = String.raw`
import sys, json, time, resource
import numpy as np, scipy, scipy.sparse as sp
from scipy.sparse.linalg import eigsh
path, repeats = sys.argv[1], int(sys.argv[2])
head = np.fromfile(path, dtype=np.int32, count=2); n, nnz = int(head[0]), int(head[1])
rows = np.fromfile(path, dtype=np.int32, count=nnz, offset=8)
cols = np.fromfile(path, dtype=np.int32, count=nnz, offset=8 + 4 * nnz)
vals = np.fromfile(path, dtype=np.float64, count=nnz, offset=8 + 8 * nnz)
H = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
def lmax():
    return eigsh(H, k=1, which='LA', return_eigenvectors=False)[0]
def smallest(lm):
    k = 42
    while True:
        w = np.sort(eigsh(H, k=k, sigma=-1e-3, which='LM', return_eigenvectors=False))
        w[np.abs(w) < 1e-8 * lm] = 0
        pos = w[w > 0]
        if len(pos) >= 30 or k >= n - 1: return pos[:30], k
        k += 10
walls, cpus, lwalls = [], [], []
for r in range(repeats):
    t0, c0 = time.perf_counter(), time.process_time()
    lm = lmax()
    t1, c1 = time.perf_counter(), time.process_time()
    pos, k = smallest(lm)
    t2, c2 = time.perf_counter(), time.process_time()
    lwalls.append(t1 - t0); walls.append(t2 - t1); cpus.append(c2 - c1)
print(json.dumps({'wall': float(np.median(walls)), 'cpu': float(np.median(cpus)), 'lmaxWall': float(np.median(lwalls)), 'k': k,
  'eigenvalues': pos.tolist(), 'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'scipy': scipy.__version__}))
`;

function runChild(n: number, repeats: number, matrixFile?: string): ChildResult {
  const args = ['--import', 'tsx', SELF, '--child', String(n), '--repeats', String(repeats)];
  if (matrixFile) args.push('--matrix', matrixFile);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`bench modes: child N = ${n} failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  for (const l of r.stdout.split('\n')) if (l && !l.startsWith('@@RESULT ')) console.log(l);
  if (!line) throw new Error(`bench modes: child N = ${n} printed no result`);
  return JSON.parse(line.slice(9)) as ChildResult;
}

function haveScipy(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import scipy.sparse.linalg'], { stdio: 'ignore' }).status === 0;
}

function main(): void {
  const repeats = Number(benchArg('--repeats') ?? 5);
  const sizes = (benchArg('--sizes') ?? '2000,10000,100000').split(',').map(Number);
  const scipy = !process.argv.includes('--no-scipy') && haveScipy();
  console.log('Avalanche Workbench vibrational modes benchmark (issue 11): the 30 smallest positive Hessian eigenvalues');
  console.log(`machine: ${machine()}`);
  console.log(`load average at start: ${load()} (2 cores shared: figures under load are upper bounds; CPU time is less sensitive)`);
  if (!scipy) console.log('scipy: not available (/usr/bin/python3 with scipy), side-by-side figures skipped');
  for (const n of sizes) inherentConfig(n); // make the configurations first (not timed)
  const dir = mkdtempSync(join(tmpdir(), 'avw-bench-modes-'));
  try {
    for (const n of sizes) {
      const big = n >= 50_000;
      const reps = big ? Math.min(repeats, 2) : repeats;
      const withScipy = scipy && n <= Number(benchArg('--scipy-max') ?? 20_000);
      const matrix = withScipy ? join(dir, `H${n}.bin`) : undefined;
      const ours = runChild(n, reps, matrix);
      const c = inherentConfig(n);
      console.log(`\nN = ${n} (${c.label}), ${ours.pairs} contacts, load ${load()}`);
      console.log(`  ours: ${median(ours.wall).toFixed(1)} ms wall, ${median(ours.cpu).toFixed(1)} ms CPU (median of ${ours.wall.length}; pairs ${ours.stages.pairs.toFixed(1)} ms, lambda_max + ordering + factorisation + Lanczos ${ours.stages.modes.toFixed(1)} ms)`);
      console.log(`        ${ours.solves} solves, ${ours.restarts} restarts, ${ours.factorBlocks} blocks of L (${(ours.factorBlocks / n).toFixed(1)} per particle), ${ours.verifyFactorizations} more factorisation(s) for the inertia check, max residual ${ours.maxResidual.toExponential(1)}`);
      console.log(`        H v: ${ours.products.pairs.toFixed(3)} ms matrix-free over the pairs, ${ours.products.csr.toFixed(3)} ms with the assembled block CSR (assembly ${ours.products.assemble.toFixed(1)} ms)`);
      console.log(`        peak RSS ${ours.maxRssMB.toFixed(0)} MB (Node + tsx baseline ${ours.baselineRssMB.toFixed(0)} MB), heap + array buffers ${ours.heapMB.toFixed(0)} MB`);
      console.log(`        lambda_smallest ${ours.lambdaSmallest.toPrecision(12)}, zero modes ${ours.zeroModes}, negative modes ${ours.negativeModes}, lambda_max ${ours.lambdaMax.toPrecision(10)}`);
      if (scipy && !withScipy) console.log(`  scipy: skipped above N = ${benchArg('--scipy-max') ?? 20_000} (--scipy-max=N to include it)`);
      if (withScipy && matrix) {
        const r = spawnSync(PYTHON, ['-c', SCIPY, matrix, String(reps)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 1 << 26 });
        if (r.status !== 0) {
          console.log(`  scipy: failed (${r.status}): ${r.stderr.split('\n').slice(-3).join(' ')}`);
        } else {
          const s = JSON.parse(r.stdout) as { wall: number; cpu: number; lmaxWall: number; k: number; eigenvalues: number[]; maxRssMB: number; scipy: string };
          let worst = 0;
          for (let k = 0; k < Math.min(30, s.eigenvalues.length); k++) worst = Math.max(worst, Math.abs(ours.eigenvalues[k] - s.eigenvalues[k]) / Math.abs(s.eigenvalues[k]));
          const mean = s.eigenvalues.reduce((a, b) => a + b, 0) / s.eigenvalues.length;
          console.log(`  scipy ${s.scipy} eigsh shift-invert (k = ${s.k}): ${(s.wall * 1000).toFixed(1)} ms wall, ${(s.cpu * 1000).toFixed(1)} ms CPU (+ lambda_max by eigsh 'LA': ${(s.lmaxWall * 1000).toFixed(1)} ms), peak RSS ${s.maxRssMB.toFixed(0)} MB`);
          console.log(`  agreement: max relative difference of the 30 eigenvalues ${worst.toExponential(2)}; lambda_smallest scipy ${mean.toPrecision(12)}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nload average at end: ${load()}`);
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const mi = process.argv.indexOf('--matrix');
  child(Number(process.argv[at + 1]), Number(benchArg('--repeats') ?? 5), mi >= 0 ? process.argv[mi + 1] : undefined);
} else {
  main();
}
