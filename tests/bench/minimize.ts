// Energy minimization against LAMMPS, side by side on this machine (issue 3), plus AQS throughput.
// System: the LAMMPS reference start (tests/fixtures/lammps-bench: N = 2000, rho = 0.9, 2D polydisperse WCA glass at
// T = 0.2), skin 0.3, minimized to a force two-norm below 1e-10 as `lmp -in in.minimize -var style fire|cg` does
// (LAMMPS's stopping rule, `min_modify norm two`), and with our default rule max_i |F_i| < 1e-10 (inherentStructure).
// Each repeat starts from the data file (engine construction not timed), after a JIT warm-up run; figures are
// medians over repeats, wall time and process CPU time (the latter is less sensitive to other load on a shared
// machine). When `lmp` is on the PATH, LAMMPS runs in.minimize (same start) interleaved with our repeats and its time
// is the "Loop time" of the minimization.
// AQS: a seeded binary Hertzian packing (N = 256, phi = 0.9, CG), strain steps of 1e-4 without avalanche following
// (time per step), then steps with steepest-descent following (time per followed avalanche).
// Run: `node --import tsx tests/bench/minimize.ts [--repeats 5] [--no-lammps] [--quick]`, or call `bench()`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WCA } from '../../src/core/potentials.js';
import { AqsRun } from '../../src/core/sim/aqs.js';
import { inherentStructure } from '../../src/core/sim/inherent-structure.js';
import { conjugateGradient, fire, type MinimizeResult } from '../../src/core/sim/minimize.js';
import { VerletPairForces } from '../../src/core/sim/forces.js';
import { LAMMPS_BENCH_DIR, loadLammpsBench } from '../core/sim/lammps-bench.js';
import { benchArg, machine } from './util.js';

export interface MinimizeBenchOptions {
  repeats?: number;
  /** Run LAMMPS side by side when `lmp` is available (default true). */
  lammps?: boolean;
  /** AQS steps without following (default 200) and followed avalanches to time (default 3). */
  aqsSteps?: number;
  aqsAvalanches?: number;
  log?: (line: string) => void;
}

export interface MinimizerFigure {
  label: string;
  /** Median wall seconds and process-CPU seconds. */
  seconds: number;
  cpuSeconds: number;
  iterations: number;
  forceEvaluations: number;
  energyPerAtom: number;
  maxForce: number;
  forceNorm: number;
  neighborBuilds: number;
  lammps: { style: 'fire' | 'cg'; seconds: number; iterations: number; forceEvaluations: number; energyPerAtom: number } | null;
}

export interface MinimizeBenchResult {
  n: number;
  repeats: number;
  machine: string;
  minimizers: MinimizerFigure[];
  aqs: { n: number; msPerStep: number; cpuMsPerStep: number; iterationsPerStep: number; msPerFollowedAvalanche: number | null; framesPerAvalanche: number | null };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function haveLammps(): boolean {
  return spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0;
}

function runLammps(dir: string, style: 'fire' | 'cg', n: number): NonNullable<MinimizerFigure['lammps']> {
  const log = join(dir, `log.${style}`);
  const r = spawnSync('lmp', ['-in', 'in.minimize', '-var', 'style', style, '-var', 'cfg', 'start_T0.2.data', '-log', log, '-screen', 'none'], { cwd: dir });
  if (r.status !== 0) throw new Error(`lmp failed (${r.status}): ${r.stderr?.toString() ?? ''}`);
  const text = readFileSync(log, 'utf8');
  const loop = /Loop time of ([0-9.eE+-]+) on/.exec(text);
  const it = /Iterations, force evaluations = (\d+) (\d+)/.exec(text);
  const en = /Energy initial, next-to-last, final =\s*\n\s*\S+\s+\S+\s+(\S+)/.exec(text);
  if (!loop || !it || !en) throw new Error(`unexpected LAMMPS log ${log}`);
  // thermo_modify norm yes: the energies are per atom already.
  void n;
  return { style, seconds: Number(loop[1]), iterations: Number(it[1]), forceEvaluations: Number(it[2]), energyPerAtom: Number(en[1]) };
}

export function bench(options: MinimizeBenchOptions = {}): MinimizeBenchResult {
  const repeats = options.repeats ?? 5;
  const log = options.log ?? (() => {});
  const cfg = loadLammpsBench();
  const n = cfg.n;
  const useLammps = (options.lammps ?? true) && haveLammps();
  let dir: string | null = null;
  if (useLammps) {
    dir = mkdtempSync(join(tmpdir(), 'avw-lmp-min-'));
    for (const f of ['in.minimize', 'in.settings', 'pair_coeffs.in', 'start_T0.2.data']) copyFileSync(join(LAMMPS_BENCH_DIR, f), join(dir, f));
  }
  type Case = { label: string; lmp: 'fire' | 'cg' | null; run: () => { r: MinimizeResult; builds: number } };
  const minimizeWith = (method: 'fire' | 'cg'): { r: MinimizeResult; builds: number } => {
    const sys = new VerletPairForces({ potential: WCA, sizes: cfg.diameters, box: cfg.box, skin: 0.3, layout: 'packed' });
    const x = sys.pack(cfg.positions);
    const r = method === 'fire'
      ? fire(sys, x, { dt: 0.003, dtMax: 0.03, criterion: 'two', ftol: 1e-10 })
      : conjugateGradient(sys, x, { criterion: 'two', ftol: 1e-10 });
    return { r, builds: sys.builds };
  };
  const cases: Case[] = [
    { label: 'FIRE |F|_2 < 1e-10', lmp: 'fire', run: () => minimizeWith('fire') },
    { label: 'CG   |F|_2 < 1e-10', lmp: 'cg', run: () => minimizeWith('cg') },
    {
      label: 'inherentStructure FIRE max|F_i| < 1e-10', lmp: null,
      run: () => {
        const is = inherentStructure(cfg.positions, cfg.diameters, cfg.box, { method: 'fire' });
        return { r: { ...is }, builds: NaN };
      },
    },
    {
      label: 'inherentStructure CG   max|F_i| < 1e-10', lmp: null,
      run: () => {
        const is = inherentStructure(cfg.positions, cfg.diameters, cfg.box, { method: 'cg' });
        return { r: { ...is }, builds: NaN };
      },
    },
  ];
  try {
    for (const c of cases) c.run(); // JIT warm-up
    const wall: number[][] = cases.map(() => []);
    const cpu: number[][] = cases.map(() => []);
    const last: { r: MinimizeResult; builds: number }[] = [];
    const lmp: (NonNullable<MinimizerFigure['lammps']>[])[] = cases.map(() => []);
    for (let rep = 0; rep < repeats; rep++) {
      cases.forEach((c, k) => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const out = c.run();
        const t = (performance.now() - t0) / 1000;
        const cu = process.cpuUsage(c0);
        wall[k].push(t);
        cpu[k].push((cu.user + cu.system) / 1e6);
        last[k] = out;
        log(`ours   ${c.label.padEnd(40)} repeat ${rep + 1}: ${t.toFixed(3)} s (cpu ${((cu.user + cu.system) / 1e6).toFixed(3)} s), ${out.r.iterations} iterations, ${out.r.forceEvaluations} evaluations`);
        if (dir && c.lmp) {
          const l = runLammps(dir, c.lmp, n);
          lmp[k].push(l);
          log(`LAMMPS ${c.lmp.padEnd(40)} repeat ${rep + 1}: ${l.seconds.toFixed(3)} s loop, ${l.iterations} iterations, ${l.forceEvaluations} evaluations`);
        }
      });
    }
    const minimizers: MinimizerFigure[] = cases.map((c, k) => {
      const r = last[k].r;
      const l = lmp[k];
      return {
        label: c.label, seconds: median(wall[k]), cpuSeconds: median(cpu[k]), iterations: r.iterations,
        forceEvaluations: r.forceEvaluations, energyPerAtom: r.energy / n, maxForce: r.maxForce, forceNorm: r.forceNorm,
        neighborBuilds: last[k].builds,
        lammps: l.length ? { ...l[0], seconds: median(l.map((q) => q.seconds)) } : null,
      };
    });

    // AQS throughput.
    const aqsN = 256;
    const run = AqsRun.fromRandom({ n: aqsN, seed: 1, strainStep: 1e-4, followAvalanches: false });
    const steps = options.aqsSteps ?? 200;
    let it = 0;
    const c0 = process.cpuUsage();
    let t0 = performance.now();
    for (let s = 0; s < steps; s++) it += run.shearStep().iterations;
    const msPerStep = (performance.now() - t0) / steps;
    const cu = process.cpuUsage(c0);
    const cpuMsPerStep = (cu.user + cu.system) / 1e3 / steps;
    log(`AQS N = ${aqsN}: ${msPerStep.toFixed(2)} ms per strain step (cpu ${cpuMsPerStep.toFixed(2)} ms; ${(it / steps).toFixed(0)} CG iterations per step)`);
    // Followed avalanches: find drops without following, replay them from their checkpoints with following.
    const wanted = options.aqsAvalanches ?? 3;
    const follow = AqsRun.fromState(run.saveState());
    let followedMs = 0, followed = 0, frames = 0;
    for (let s = 0; s < 5000 && followed < wanted; s++) {
      const state = follow.saveState();
      const r = follow.shearStep();
      if (!r.drop || -r.energyChange < 1e-5) continue;
      const replay = AqsRun.fromState({ ...state, options: { ...state.options, followAvalanches: true } });
      t0 = performance.now();
      const rr = replay.shearStep();
      followedMs += performance.now() - t0;
      frames += rr.avalancheFrames?.length ?? 0;
      followed++;
      log(`AQS followed avalanche at strain ${rr.strain.toFixed(4)}: dE = ${rr.energyChange.toExponential(2)}, ${rr.avalancheFrames?.length ?? 0} frames, ${rr.iterations} iterations`);
    }
    return {
      n, repeats, machine: machine(), minimizers,
      aqs: {
        n: aqsN, msPerStep, cpuMsPerStep, iterationsPerStep: it / steps,
        msPerFollowedAvalanche: followed ? followedMs / followed : null, framesPerAvalanche: followed ? frames / followed : null,
      },
    };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const res = bench({
    repeats: Number(benchArg('--repeats') ?? (quick ? 2 : 5)),
    lammps: !process.argv.includes('--no-lammps'),
    aqsSteps: quick ? 50 : 200,
    aqsAvalanches: quick ? 1 : 3,
    log: (l) => console.log(l),
  });
  console.log(`\nN = ${res.n} WCA glass, ${res.repeats} repeats, ${res.machine}`);
  for (const m of res.minimizers) {
    const l = m.lammps;
    console.log(
      `${m.label.padEnd(40)} ${m.seconds.toFixed(3)} s (cpu ${m.cpuSeconds.toFixed(3)} s), ${m.iterations} it, ${m.forceEvaluations} evals, ` +
        `E/N ${m.energyPerAtom.toPrecision(15)}, max|F_i| ${m.maxForce.toExponential(1)}, |F| ${m.forceNorm.toExponential(1)}` +
        (l ? `; LAMMPS ${l.style} ${l.seconds.toFixed(3)} s, ${l.iterations} it, ${l.forceEvaluations} evals, E/N ${l.energyPerAtom}; ours/LAMMPS time = ${(m.seconds / l.seconds).toFixed(2)}` : ''),
    );
  }
  const a = res.aqs;
  console.log(`AQS N = ${a.n}: ${a.msPerStep.toFixed(2)} ms/step (cpu ${a.cpuMsPerStep.toFixed(2)} ms), ${a.iterationsPerStep.toFixed(0)} iterations/step` +
    (a.msPerFollowedAvalanche !== null ? `; followed avalanche ${a.msPerFollowedAvalanche.toFixed(0)} ms, ${a.framesPerAvalanche?.toFixed(1)} frames` : ''));
}
