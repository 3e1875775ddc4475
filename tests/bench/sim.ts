// MD engine throughput against LAMMPS, side by side on this machine (issue 3).
// System: the LAMMPS reference start (tests/fixtures/lammps-bench: N = 2000, rho = 0.9, 2D polydisperse WCA glass at
// T = 0.2), dt = 0.003, skin 0.3. Ensembles: NVE (velocity Verlet) and the Brown-Clarke isokinetic thermostat at
// T = 0.2 (LAMMPS's thermostatted reference is `fix nvt`, Nose-Hoover, as in in.bench).
// Figure: atom-steps per second = N * steps / time, median over repeats; each repeat starts from the data file (a
// fresh MdSimulation; construction not timed), after a JIT warm-up run. When `lmp` is on the PATH, LAMMPS runs
// in.bench (same start, same steps) interleaved with our repeats, and its throughput is N * steps / "Loop time".
// We also report our throughput over process CPU time (user + system), which is less sensitive to other load on a
// shared 2-core machine than wall time; LAMMPS's log prints its own CPU share ("% CPU use").
// Run: `node --import tsx tests/bench/sim.ts [--steps 20000] [--repeats 5] [--no-lammps] [--quick]`, or call `bench()`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diametersForIds, lammpsDataToSystemInit, parseDiameterFile, parseLammpsData } from '../../src/core/io/lammps-data.js';
import { MdSimulation, type MdOptions } from '../../src/core/sim/md.js';
import { makeSystem, type ParticleSystem } from '../../src/core/sim/system.js';
import { benchArg, machine } from './util.js';

const FIX = fileURLToPath(new URL('../fixtures/lammps-bench/', import.meta.url));

export interface SimBenchOptions {
  steps?: number;
  repeats?: number;
  /** Run LAMMPS side by side when `lmp` is available (default true). */
  lammps?: boolean;
  log?: (line: string) => void;
}

export interface EnsembleResult {
  ensemble: 'nve' | 'isokinetic';
  /** Median atom-steps per second over wall time. */
  atomStepsPerSecond: number;
  /** Median atom-steps per second over process CPU time. */
  atomStepsPerCpuSecond: number;
  wallSeconds: number[];
  neighborBuilds: number;
  lammps: { style: 'nve' | 'nvt'; atomStepsPerSecond: number; loopSeconds: number[]; cpuUse: number[] } | null;
  /** ours / LAMMPS (wall), when LAMMPS ran. */
  ratio: number | null;
}

export interface SimBenchResult {
  n: number;
  steps: number;
  repeats: number;
  machine: string;
  results: EnsembleResult[];
}

/** Median; the mean of the two middle values for an even count (util.ts's median takes the upper one). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function loadStart(): ParticleSystem {
  const data = parseLammpsData(readFileSync(join(FIX, 'start_T0.2.data')), 'start_T0.2.data');
  const diameters = diametersForIds(parseDiameterFile(readFileSync(join(FIX, 'diameters.txt')), 'diameters.txt'), data.ids);
  return makeSystem(lammpsDataToSystemInit(data, diameters));
}

function haveLammps(): boolean {
  const r = spawnSync('lmp', ['-h'], { stdio: 'ignore' });
  return r.status === 0;
}

function runLammps(dir: string, style: 'nve' | 'nvt', steps: number): { loop: number; cpuUse: number } {
  const log = join(dir, `log.${style}`);
  const r = spawnSync('lmp', ['-in', 'in.bench', '-var', 'ens', style, '-var', 'nsteps', String(steps), '-log', log, '-screen', 'none'], { cwd: dir });
  if (r.status !== 0) throw new Error(`lmp failed (${r.status}): ${r.stderr?.toString() ?? ''}`);
  const text = readFileSync(log, 'utf8');
  const loop = /Loop time of ([0-9.eE+-]+) on/.exec(text);
  const cpu = /([0-9.]+)% CPU use/.exec(text);
  if (!loop) throw new Error(`no "Loop time" in ${log}`);
  return { loop: Number(loop[1]), cpuUse: cpu ? Number(cpu[1]) : NaN };
}

export function bench(options: SimBenchOptions = {}): SimBenchResult {
  const steps = options.steps ?? 20000;
  const repeats = options.repeats ?? 5;
  const log = options.log ?? (() => {});
  const start = loadStart();
  const n = start.n;
  const useLammps = (options.lammps ?? true) && haveLammps();
  let dir: string | null = null;
  if (useLammps) {
    dir = mkdtempSync(join(tmpdir(), 'avw-lmp-bench-'));
    for (const f of ['in.bench', 'in.settings', 'pair_coeffs.in', 'start_T0.2.data']) copyFileSync(join(FIX, f), join(dir, f));
  }
  const ens: { ensemble: 'nve' | 'isokinetic'; opts: MdOptions; lmp: 'nve' | 'nvt' }[] = [
    { ensemble: 'nve', opts: { integrator: 'nve' }, lmp: 'nve' },
    { ensemble: 'isokinetic', opts: { integrator: 'isokinetic', temperature: 0.2 }, lmp: 'nvt' },
  ];
  try {
    // JIT warm-up on throwaway runs.
    for (const e of ens) new MdSimulation(start, { ...e.opts }).step(Math.min(3000, steps));
    const wall: number[][] = ens.map(() => []);
    const cpu: number[][] = ens.map(() => []);
    const builds: number[] = ens.map(() => 0);
    const lmpLoop: number[][] = ens.map(() => []);
    const lmpCpu: number[][] = ens.map(() => []);
    for (let r = 0; r < repeats; r++) {
      ens.forEach((e, k) => {
        const sim = new MdSimulation(start, { ...e.opts });
        const b0 = sim.neighborBuilds;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        sim.step(steps);
        const t = (performance.now() - t0) / 1000;
        const c = process.cpuUsage(c0);
        wall[k].push(t);
        cpu[k].push((c.user + c.system) / 1e6);
        builds[k] = sim.neighborBuilds - b0;
        log(`ours   ${e.ensemble.padEnd(10)} repeat ${r + 1}: ${((n * steps) / t / 1e6).toFixed(2)} M atom-steps/s (wall), ${((n * steps) / ((c.user + c.system) / 1e6) / 1e6).toFixed(2)} (cpu)`);
        if (dir) {
          const l = runLammps(dir, e.lmp, steps);
          lmpLoop[k].push(l.loop);
          lmpCpu[k].push(l.cpuUse);
          log(`LAMMPS ${e.lmp.padEnd(10)} repeat ${r + 1}: ${((n * steps) / l.loop / 1e6).toFixed(2)} M atom-steps/s (${l.cpuUse}% CPU use)`);
        }
      });
    }
    const results: EnsembleResult[] = ens.map((e, k) => {
      const ours = (n * steps) / median(wall[k]);
      const lmp = dir ? (n * steps) / median(lmpLoop[k]) : null;
      return {
        ensemble: e.ensemble,
        atomStepsPerSecond: ours,
        atomStepsPerCpuSecond: (n * steps) / median(cpu[k]),
        wallSeconds: wall[k],
        neighborBuilds: builds[k],
        lammps: lmp === null ? null : { style: e.lmp, atomStepsPerSecond: lmp, loopSeconds: lmpLoop[k], cpuUse: lmpCpu[k] },
        ratio: lmp === null ? null : ours / lmp,
      };
    });
    return { n, steps, repeats, machine: machine(), results };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const res = bench({
    steps: Number(benchArg('--steps') ?? (quick ? 5000 : 20000)),
    repeats: Number(benchArg('--repeats') ?? (quick ? 3 : 5)),
    lammps: !process.argv.includes('--no-lammps'),
    log: (l) => console.log(l),
  });
  console.log(`\nN = ${res.n}, ${res.steps} steps x ${res.repeats} repeats, ${res.machine}`);
  for (const r of res.results) {
    const l = r.lammps;
    console.log(
      `${r.ensemble.padEnd(10)} ours ${(r.atomStepsPerSecond / 1e6).toFixed(2)} M atom-steps/s (cpu-time ${(r.atomStepsPerCpuSecond / 1e6).toFixed(2)}), ` +
        `${r.neighborBuilds} list builds` +
        (l ? `; LAMMPS ${l.style} ${(l.atomStepsPerSecond / 1e6).toFixed(2)} M; ours/LAMMPS = ${(r.ratio as number).toFixed(2)}` : ''),
    );
  }
}
