// MD engine throughput against LAMMPS, side by side on this machine (issues 3 and 13).
// System: the LAMMPS reference start (tests/fixtures/lammps-bench, or the directory given by --lammps-dir: N = 2000,
// rho = 0.9, 2D polydisperse WCA glass at T = 0.2), dt = 0.003, skin 0.3; for N = 100 000 the same configuration
// replicated 10 x 5 (ours: `replicated` below; LAMMPS: `replicate 10 5 1` after read_data). Ensembles: NVE (velocity
// Verlet) and the Brown-Clarke isokinetic thermostat at T = 0.2 (LAMMPS's thermostatted reference is `fix nvt`,
// Nose-Hoover, as in in.bench).
// Sections:
//  1. profile: where an MD step's time goes (ours, one thread, per step: the pair pass, the force gather with the
//     fused integration, the integrator's own passes, the list checks and rebuilds, with the cost of one inner-only
//     rebuild and of one with the outer list (neighbour search); the frame output), for the wasm
//     kernels and for the JS loops they replace (kernel 'js', the same numbers bit for bit);
//  2. throughput, N = 2000 and N = 100 000, and N = 100 000 again with the atoms listed in a random order (`shuffled`
//     below; LAMMPS reads the same system from a data file written in that order, start_shuffled.data): atom-steps
//     per second = N * steps / time, medians over repeats (each
//     repeat starts from the configuration; construction not timed; after a JIT warm-up), ours with 1 and 2 threads,
//     LAMMPS serial and `mpirun -np 2` (its "Loop time"), interleaved; ratios ours / LAMMPS and the parallel
//     efficiency rate(2) / (2 rate(1)). Why the random order: our engine keeps the particles in the order it is
//     given (the bench's start lists them in an order that is already local in space), while LAMMPS sorts its atoms
//     spatially at setup and every 1000 steps (`atom_modify sort`); a system made by createRandomSystem, or read from
//     a data file whose ids were given at random, is in a random order, and beyond the caches that is what a user's
//     large run meets;
//  3. whole process: `avw simulate nve --steps 20000` (the built CLI, bin/avw.js; output at steps 0 and 20000) against
//     `lmp -in in.bench -var ens nve` (wall time of the whole command), and both with a single step (start-up + exit).
// The machine is shared: every figure line carries the load average at the time (uptime's first number).
// Run: `node --import tsx tests/bench/sim.ts [--steps 20000] [--big-steps 300] [--repeats 5] [--no-lammps] [--quick]
//      [--lammps-dir DIR] [--no-big] [--no-process]`, or call `bench()`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diametersForIds, lammpsDataToSystemInit, parseDiameterFile, parseLammpsData } from '../../src/core/io/lammps-data.js';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import { writeHoomdFrame } from '../../src/core/jobs/simulate-output.js';
import { createKernelTeam, type ClosableKernelTeam } from '../../src/core/jobs/kernel-team.js';
import { emptyProfile, MdSimulation, type MdOptions, type MdProfile } from '../../src/core/sim/md.js';
import { makeSystem, type ParticleSystem } from '../../src/core/sim/system.js';
import { benchArg, machine } from './util.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/lammps-bench/', import.meta.url));

type Ensemble = 'nve' | 'isokinetic';
const LMP_STYLE: Record<Ensemble, 'nve' | 'nvt'> = { nve: 'nve', isokinetic: 'nvt' };

export interface SimBenchOptions {
  steps?: number;
  /** Steps of the N = 100 000 runs (default 300); 0 skips them. */
  bigSteps?: number;
  repeats?: number;
  /** Run LAMMPS side by side when `lmp` is available (default true). */
  lammps?: boolean;
  /** Directory with in.bench, in.settings, pair_coeffs.in, start_T0.2.data, diameters.txt (default the fixtures). */
  lammpsDir?: string;
  /** Time whole processes (default true). */
  process?: boolean;
  log?: (line: string) => void;
}

export interface ThroughputFigure {
  n: number;
  /** 'file': the start's own (spatially local) order; 'random': shuffled (both engines read the same system). */
  order: 'file' | 'random';
  ensemble: Ensemble;
  steps: number;
  /** Median atom-steps per second, ours with 1 and 2 threads. */
  ours1: number;
  ours2: number;
  /** LAMMPS serial and on 2 MPI ranks (null when not run). */
  lammps1: number | null;
  lammps2: number | null;
  /** rate(2 threads) / (2 rate(1 thread)). */
  efficiency: number;
  load: number;
}

export interface SimBenchResult {
  machine: string;
  repeats: number;
  profile: {
    kernel: 'wasm' | 'js'; ensemble: Ensemble; usPerStep: Record<string, number>; builds: number; outerBuilds: number; steps: number;
    /** Microseconds per inner-only rebuild and per rebuild with the outer list. */
    usPerInnerBuild: number; usPerOuterBuild: number;
  }[];
  outputMsPerFrame: number;
  throughput: ThroughputFigure[];
  process: { steps: number; ours: number; lammps: number | null; oursStartup: number; lammpsStartup: number | null; load: number } | null;
}

/** Median; the mean of the two middle values for an even count. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function load(): string {
  return `load ${loadavg()[0].toFixed(2)}`;
}

function loadStart(dir: string): { system: ParticleSystem; ntypes: number } {
  const data = parseLammpsData(readFileSync(join(dir, 'start_T0.2.data')), 'start_T0.2.data');
  const diameters = diametersForIds(parseDiameterFile(readFileSync(join(dir, 'diameters.txt')), 'diameters.txt'), data.ids);
  return { system: makeSystem(lammpsDataToSystemInit(data, diameters)), ntypes: data.ntypes };
}

/** The system repeated nx x ny times in x and y (a square 2D box from its origin), as LAMMPS `replicate nx ny 1`. */
export function replicated(s: ParticleSystem, nx: number, ny: number): ParticleSystem {
  const [a, b] = s.box.vectors;
  const copies = nx * ny, n = s.n;
  const positions = new Float64Array(3 * n * copies), velocities = new Float64Array(3 * n * copies);
  const diameters = new Float64Array(n * copies), masses = new Float64Array(n * copies);
  const ids = new Int32Array(n * copies), types = new Int32Array(n * copies);
  let maxId = 0;
  for (let i = 0; i < n; i++) maxId = Math.max(maxId, s.ids[i]);
  let c = 0;
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++, c++) {
      for (let i = 0; i < n; i++) {
        const p = 3 * (c * n + i);
        // Unwrapped, then shifted by whole cells: the replica of particle i in cell (ix, iy).
        const ux = s.positions[3 * i] + s.images[3 * i] * a[0] + s.images[3 * i + 1] * b[0];
        const uy = s.positions[3 * i + 1] + s.images[3 * i + 1] * b[1];
        positions[p] = ux + ix * a[0] + iy * b[0];
        positions[p + 1] = uy + iy * b[1];
        velocities[p] = s.velocities[3 * i];
        velocities[p + 1] = s.velocities[3 * i + 1];
        diameters[c * n + i] = s.diameters[i];
        masses[c * n + i] = s.masses[i];
        ids[c * n + i] = c * maxId + s.ids[i];
        types[c * n + i] = s.types[i];
      }
    }
  }
  const box = {
    origin: [...s.box.origin] as [number, number, number],
    vectors: [[nx * a[0], 0, 0], [ny * b[0], ny * b[1], 0], [...s.box.vectors[2]]] as [[number, number, number], [number, number, number], [number, number, number]],
    periodic: [...s.box.periodic] as [boolean, boolean, boolean],
  };
  return makeSystem({ dimensions: 2, box, positions, velocities, diameters, masses, ids, types });
}

/**
 * The system with its particles listed in a random order (a fixed-seed Fisher-Yates shuffle), ids renumbered 1..n in
 * the new order: what a randomly created system, or a data file whose ids were given at random, looks like.
 */
export function shuffled(s: ParticleSystem, seed = 12345): ParticleSystem {
  const n = s.n;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let r = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0; // LCG; the high bits pick j
    const j = Math.floor((r / 4294967296) * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const positions = new Float64Array(3 * n), velocities = new Float64Array(3 * n), images = new Int32Array(3 * n);
  const diameters = new Float64Array(n), masses = new Float64Array(n), types = new Int32Array(n), ids = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const i = perm[t];
    for (let a = 0; a < 3; a++) {
      positions[3 * t + a] = s.positions[3 * i + a];
      velocities[3 * t + a] = s.velocities[3 * i + a];
      images[3 * t + a] = s.images[3 * i + a];
    }
    diameters[t] = s.diameters[i];
    masses[t] = s.masses[i];
    types[t] = s.types[i];
    ids[t] = t + 1;
  }
  return makeSystem({ dimensions: s.dimensions, box: s.box, positions, velocities, images, diameters, masses, ids, types });
}

/** A LAMMPS data file (atom_style atomic, 2D: z in [-0.5, 0.5]) of a square-box system, atoms in the system's order. */
function writeLammpsData(path: string, s: ParticleSystem, ntypes: number): void {
  const typeMass = new Float64Array(ntypes).fill(NaN);
  for (let i = 0; i < s.n; i++) {
    const t = s.types[i] - 1;
    if (!(t >= 0 && t < ntypes)) throw new Error(`${path}: particle ${i} has type ${s.types[i]}, expected 1..${ntypes}`);
    if (typeMass[t] === typeMass[t] && typeMass[t] !== s.masses[i]) throw new Error(`${path}: type ${t + 1} has two masses`);
    typeMass[t] = s.masses[i];
  }
  const [a, b] = s.box.vectors, o = s.box.origin;
  if (b[0] !== 0) throw new Error(`${path}: a tilted box is not written`);
  const lines = [
    'avw bench: the start replicated, atoms in a random order', '', `${s.n} atoms`, `${ntypes} atom types`, '',
    `${o[0]} ${o[0] + a[0]} xlo xhi`, `${o[1]} ${o[1] + b[1]} ylo yhi`, '-0.5 0.5 zlo zhi', '', 'Masses', '',
  ];
  for (let t = 0; t < ntypes; t++) lines.push(`${t + 1} ${typeMass[t] === typeMass[t] ? typeMass[t] : 1}`);
  lines.push('', 'Atoms # atomic', '');
  const p = s.positions, im = s.images, v = s.velocities;
  for (let i = 0; i < s.n; i++) lines.push(`${s.ids[i]} ${s.types[i]} ${p[3 * i]} ${p[3 * i + 1]} 0 ${im[3 * i]} ${im[3 * i + 1]} 0`);
  lines.push('', 'Velocities', '');
  for (let i = 0; i < s.n; i++) lines.push(`${s.ids[i]} ${v[3 * i]} ${v[3 * i + 1]} 0`);
  writeFileSync(path, lines.join('\n') + '\n');
}

function haveLammps(): boolean {
  return spawnSync('lmp', ['-h'], { stdio: 'ignore' }).status === 0;
}

function haveMpi(): boolean {
  return spawnSync('mpirun', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** One LAMMPS run; returns the "Loop time". ranks 2 runs under mpirun. */
function runLammps(dir: string, input: string, style: 'nve' | 'nvt', steps: number, ranks: 1 | 2): number {
  const log = join(dir, `log.${style}.${ranks}`);
  const lmp = ['lmp', '-in', input, '-var', 'ens', style, '-var', 'nsteps', String(steps), '-log', log, '-screen', 'none'];
  const cmd = ranks === 1 ? lmp : ['mpirun', '--allow-run-as-root', '-np', '2', ...lmp];
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: dir });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr?.toString() ?? ''}`);
  const loop = /Loop time of ([0-9.eE+-]+) on/.exec(readFileSync(log, 'utf8'));
  if (!loop) throw new Error(`no "Loop time" in ${log}`);
  return Number(loop[1]);
}

/** Seconds of `steps` MD steps from `start` (construction not timed). */
function timeOurs(start: ParticleSystem, opts: MdOptions, steps: number): number {
  const sim = new MdSimulation(start, opts);
  const t0 = performance.now();
  sim.step(steps);
  return (performance.now() - t0) / 1000;
}

function profileRun(start: ParticleSystem, opts: MdOptions, steps: number): MdProfile {
  const sim = new MdSimulation(start, opts);
  sim.step(Math.min(2000, steps)); // warm-up
  sim.profile = emptyProfile();
  sim.step(steps);
  return sim.profile;
}

/** Milliseconds to write one frame as the simulate job does (wrapped positions, stress, energy, temperature, GSD). */
function outputMsPerFrame(start: ParticleSystem, frames: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'avw-out-bench-'));
  try {
    const sim = new MdSimulation(start, {});
    const w = GsdWriter.create(join(dir, 'o.gsd'), { application: 'bench' });
    const typeid = new Uint32Array(sim.n);
    const frame = (f: number): void => {
      const { positions, images } = sim.wrappedPositions();
      const st = sim.stress('ideal');
      writeHoomdFrame(w, {
        step: f, box: sim.box, dimensions: 2, diameters: sim.diameters, typeid, types: ['A'], positions, images, velocities: sim.velocities,
        log: { potential_energy: sim.potentialEnergy(), kinetic_temperature: sim.temperature(), stress_xx: st.xx, stress_yy: st.yy, stress_xy: st.xy },
      }, f === 0);
    };
    for (let f = 0; f < 3; f++) frame(f);
    const t0 = performance.now();
    for (let f = 3; f < 3 + frames; f++) {
      sim.step(1);
      frame(f);
    }
    const ms = (performance.now() - t0) / frames;
    w.close();
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function wall(cmd: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const t = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr?.toString() ?? ''}`);
  return t;
}

export async function bench(options: SimBenchOptions = {}): Promise<SimBenchResult> {
  const steps = options.steps ?? 20000;
  const bigSteps = options.bigSteps ?? 300;
  const repeats = options.repeats ?? 5;
  const log = options.log ?? (() => {});
  const src = options.lammpsDir ?? FIX;
  const { system: start, ntypes } = loadStart(src);
  const useLammps = (options.lammps ?? true) && haveLammps();
  const useMpi = useLammps && haveMpi();
  if (!useLammps) log('LAMMPS (lmp) not found or not wanted: our figures only');
  else if (!useMpi) log('mpirun not found: LAMMPS on 2 ranks skipped');
  const dir = mkdtempSync(join(tmpdir(), 'avw-lmp-bench-'));
  for (const f of ['in.bench', 'in.settings', 'pair_coeffs.in', 'start_T0.2.data', 'diameters.txt']) copyFileSync(join(src, f), join(dir, f));
  // in.bench with the configuration replicated 10 x 5 (N = 100 000).
  const inBench = readFileSync(join(dir, 'in.bench'), 'utf8');
  if (!/^read_data.*$/m.test(inBench)) throw new Error(`${join(src, 'in.bench')}: no read_data line to replicate after`);
  writeFileSync(join(dir, 'in.bench.big'), inBench.replace(/^(read_data.*)$/m, '$1\nreplicate       10 5 1'));
  // The same N = 100 000 system with its atoms in a random order, for both engines.
  const big = bigSteps > 0 ? replicated(start, 10, 5) : null;
  const bigShuffled = big ? shuffled(big) : null;
  if (bigShuffled) {
    writeLammpsData(join(dir, 'start_shuffled.data'), bigShuffled, ntypes);
    writeFileSync(join(dir, 'in.bench.shuffled'), inBench.replace(/^read_data.*$/m, 'read_data       start_shuffled.data'));
  }
  let team: ClosableKernelTeam | null = null;
  const result: SimBenchResult = { machine: machine(), repeats, profile: [], outputMsPerFrame: NaN, throughput: [], process: null };
  try {
    team = await createKernelTeam(2);
    const ens: { e: Ensemble; opts: MdOptions }[] = [
      { e: 'nve', opts: { integrator: 'nve' } },
      { e: 'isokinetic', opts: { integrator: 'isokinetic', temperature: 0.2 } },
    ];

    // 1. Profile.
    log(`\n== profile: one thread, N = ${start.n}, microseconds per step (${load()}) ==`);
    for (const kernel of ['wasm', 'js'] as const) {
      for (const { e, opts } of ens) {
        const p = profileRun(start, { ...opts, kernel }, steps);
        const us = (x: number): number => (x / p.steps) * 1e6;
        const usPerStep = { pairs: us(p.pairs), gather: us(p.scatter), integrate: us(p.integrate), check: us(p.check), lists: us(p.lists) };
        const total = Object.values(usPerStep).reduce((s, x) => s + x, 0);
        result.profile.push({
          kernel, ensemble: e, usPerStep, builds: p.builds, outerBuilds: p.outerBuilds, steps: p.steps,
          usPerInnerBuild: ((p.lists - p.outerLists) / Math.max(1, p.builds - p.outerBuilds)) * 1e6, usPerOuterBuild: (p.outerLists / Math.max(1, p.outerBuilds)) * 1e6,
        });
        const pct = (x: number): string => `${x.toFixed(1)} (${((100 * x) / total).toFixed(0)} %)`;
        log(`${kernel.padEnd(4)} ${e.padEnd(10)} total ${total.toFixed(1)}: pair pass ${pct(usPerStep.pairs)}, ` +
          (kernel === 'wasm' ? `force gather + fused integration ${pct(usPerStep.gather)}, ` : '') +
          `integration passes ${pct(usPerStep.integrate)}, list checks ${pct(usPerStep.check)}, list rebuilds ${pct(usPerStep.lists)} ` +
          `[${p.builds} rebuilds in ${p.steps} steps, ${(((p.lists - p.outerLists) / Math.max(1, p.builds - p.outerBuilds)) * 1e6).toFixed(0)} us each; ` +
          `${p.outerBuilds} of them with the outer list (neighbour search), ${((p.outerLists / Math.max(1, p.outerBuilds)) * 1e6).toFixed(0)} us each] (${load()})`);
      }
    }
    result.outputMsPerFrame = outputMsPerFrame(start, 50);
    log(`output: ${result.outputMsPerFrame.toFixed(2)} ms per frame written (wrapped positions, stress, energy, temperature, GSD); ` +
      `${((result.outputMsPerFrame * 1000) / 20000).toFixed(2)} us per step at one frame per 20000 steps (${load()})`);

    // 2. Throughput.
    const sizes: { sys: ParticleSystem; steps: number; input: string; order: 'file' | 'random' }[] = [{ sys: start, steps, input: 'in.bench', order: 'file' }];
    if (big && bigShuffled) {
      sizes.push({ sys: big, steps: bigSteps, input: 'in.bench.big', order: 'file' });
      sizes.push({ sys: bigShuffled, steps: bigSteps, input: 'in.bench.shuffled', order: 'random' });
    }
    for (const { sys, steps: st, input, order } of sizes) {
      const n = sys.n;
      log(`\n== throughput: N = ${n}${order === 'random' ? ' (atoms in a random order)' : ''}, ${st} steps, median of ${repeats} (${load()}) ==`);
      for (const { e, opts } of ens) {
        // JIT warm-up on throwaway runs.
        timeOurs(sys, opts, Math.min(2000, st));
        timeOurs(sys, { ...opts, team }, Math.min(2000, st));
        const t1: number[] = [], t2: number[] = [], l1: number[] = [], l2: number[] = [];
        const loads: number[] = [];
        for (let r = 0; r < repeats; r++) {
          loads.push(loadavg()[0]);
          t1.push(timeOurs(sys, opts, st));
          t2.push(timeOurs(sys, { ...opts, team }, st));
          const rate = (t: number): string => ((n * st) / t / 1e6).toFixed(2);
          let line = `repeat ${r + 1} ${e.padEnd(10)} ours 1 thread ${rate(t1[r])}, 2 threads ${rate(t2[r])} M atom-steps/s`;
          if (useLammps) {
            l1.push(runLammps(dir, input, LMP_STYLE[e], st, 1));
            line += `; LAMMPS ${LMP_STYLE[e]} serial ${rate(l1[r])}`;
            if (useMpi) {
              l2.push(runLammps(dir, input, LMP_STYLE[e], st, 2));
              line += `, 2 ranks ${rate(l2[r])}`;
            }
          }
          log(`${line} (${load()})`);
        }
        const rate = (ts: number[]): number => (n * st) / median(ts);
        const fig: ThroughputFigure = {
          n, order, ensemble: e, steps: st, ours1: rate(t1), ours2: rate(t2), lammps1: l1.length ? rate(l1) : null, lammps2: l2.length ? rate(l2) : null,
          efficiency: rate(t2) / (2 * rate(t1)), load: median(loads),
        };
        result.throughput.push(fig);
      }
    }

    // 3. Whole process.
    if (options.process ?? true) {
      const cli = join(ROOT, 'bin/avw.js');
      const built = join(ROOT, 'dist/cli/main.js');
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src/core/sim/md.ts')).mtimeMs) {
        log('\n(building the CLI: npm run build:node)');
        spawnSync('npm', ['run', 'build:node', '--silent'], { cwd: ROOT, stdio: 'inherit' });
      }
      const avw = (nsteps: number): string[] => [
        process.execPath, cli, 'simulate', 'nve', '--from', 'start_T0.2.data', '--diameters', 'diameters.txt', '--steps', String(nsteps),
        '--every', String(nsteps), '--out', join(dir, 'run.gsd'), '--index-dir', join(dir, 'index'), '--threads', '1', '--json',
      ];
      const lmpCmd = (nsteps: number): string[] => ['lmp', '-in', 'in.bench', '-var', 'ens', 'nve', '-var', 'nsteps', String(nsteps), '-log', 'none', '-screen', 'none'];
      const clean = (): void => {
        for (const f of ['run.gsd', 'run.gsd.json', 'run.gsd.checkpoint']) rmSync(join(dir, f), { force: true });
      };
      log(`\n== whole process: avw simulate nve --steps ${steps} (one thread) vs lmp -in in.bench -var ens nve, median of ${repeats} (${load()}) ==`);
      const ours: number[] = [], lmp: number[] = [], ours0: number[] = [], lmp0: number[] = [];
      const loads: number[] = [];
      clean();
      wall(avw(1), dir);
      for (let r = 0; r < repeats; r++) {
        loads.push(loadavg()[0]);
        clean();
        ours.push(wall(avw(steps), dir));
        clean();
        ours0.push(wall(avw(1), dir));
        let line = `repeat ${r + 1}: avw ${ours[r].toFixed(2)} s (1 step: ${ours0[r].toFixed(2)} s)`;
        if (useLammps) {
          lmp.push(wall(lmpCmd(steps), dir));
          lmp0.push(wall(lmpCmd(1), dir));
          line += `; lmp ${lmp[r].toFixed(2)} s (1 step: ${lmp0[r].toFixed(2)} s)`;
        }
        log(`${line} (${load()})`);
      }
      result.process = {
        steps, ours: median(ours), lammps: lmp.length ? median(lmp) : null, oursStartup: median(ours0), lammpsStartup: lmp0.length ? median(lmp0) : null,
        load: median(loads),
      };
    }
    return result;
  } finally {
    await team?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSummary(res: SimBenchResult): void {
  const m = (x: number | null): string => (x === null ? '-' : (x / 1e6).toFixed(2));
  const ratio = (a: number, b: number | null): string => (b === null ? '-' : (a / b).toFixed(2));
  console.log(`\n== summary: ${res.machine}, medians of ${res.repeats} ==`);
  console.log('N         ensemble    ours 1T  ours 2T  LAMMPS 1  LAMMPS 2  ours/LAMMPS 1T  ours/LAMMPS 2T  efficiency 2T  load');
  for (const f of res.throughput) {
    console.log(
      `${(String(f.n) + (f.order === 'random' ? ' r' : '')).padEnd(9)} ${f.ensemble.padEnd(10)}  ${m(f.ours1).padStart(7)}  ${m(f.ours2).padStart(7)}  ${m(f.lammps1).padStart(8)}  ${m(f.lammps2).padStart(8)}  ` +
        `${ratio(f.ours1, f.lammps1).padStart(14)}  ${ratio(f.ours2, f.lammps2).padStart(14)}  ${(100 * f.efficiency).toFixed(0).padStart(12)} %  ${f.load.toFixed(2)}`,
    );
  }
  console.log('(M atom-steps/s; LAMMPS: nve / nvt serial and mpirun -np 2; ours: NVE / isokinetic with 1 and 2 threads; ' +
    'N ... r: the atoms in a random order)');
  const p = res.process;
  if (p) {
    console.log(`whole process, ${p.steps} steps: avw ${p.ours.toFixed(2)} s, lmp ${p.lammps === null ? '-' : p.lammps.toFixed(2)} s` +
      (p.lammps === null ? '' : ` (avw/lmp ${(p.ours / p.lammps).toFixed(2)})`) +
      `; one step (start-up, output, exit): avw ${p.oursStartup.toFixed(2)} s, lmp ${p.lammpsStartup === null ? '-' : p.lammpsStartup.toFixed(2)} s (load ${p.load.toFixed(2)})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const res = await bench({
    steps: Number(benchArg('--steps') ?? (quick ? 5000 : 20000)),
    bigSteps: process.argv.includes('--no-big') ? 0 : Number(benchArg('--big-steps') ?? (quick ? 100 : 300)),
    repeats: Number(benchArg('--repeats') ?? (quick ? 3 : 5)),
    lammps: !process.argv.includes('--no-lammps'),
    lammpsDir: benchArg('--lammps-dir'),
    process: !process.argv.includes('--no-process'),
    log: (l) => console.log(l),
  });
  printSummary(res);
}
