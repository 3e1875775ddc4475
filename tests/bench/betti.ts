// `npm run bench -- betti`: beta_1 of the Vietoris-Rips filtration (Jha & Sengupta App. B; issue 11), side by side
// with GUDHI. Target: N = 2000 positions of the WCA glass at alpha = 8.19 in <= 0.5 s (GUDHI 3.7.1: 7.1 s on this
// machine; Ripser is reported near 1.6 s); N = 10 000 and N = 100 000 figures with memory.
//
// Positions: tests/fixtures/lammps-bench/start_T0.2.data (N = 2000, rho = 0.9, L = 47.14; wrapped into the box as
// betti1 does), or `--positions FILE [--frame F]` (a LAMMPS data file, or any trajectory the readers open, e.g.
// /work/shared/bench/lammps/traj_log.lammpstrj). Larger N: that frame tiled tx x ty times (N = 10 000: 5 x 1,
// N = 100 000: 10 x 5), a plain point cloud in the tiled rectangle (the same local structure, no seams since the
// frame is periodic).
// Every size runs in its own child process so that its peak RSS is its own: the first call (cold: JIT included, what a
// one-shot `avw betti` pays), then the median of `--repeats` calls (wall and process CPU time; CPU time is less
// sensitive to other load; a full GC before each, --expose-gc), the split between the neighbour graph and the
// reduction, the peak RSS after loading, after the first call and at the end, the three counts and the
// reduction's work, and the periodic option's time and counts. GUDHI (Debian's python3-gudhi through /usr/bin/python3) runs the same points once per size in
// `--gudhi-sizes` (default 2000): RipsComplex(points, max_edge_length=alpha).create_simplex_tree(max_dimension=2)
// .persistence(homology_coeff_field=11, min_persistence=0), timed inside python (complex + persistence), with its
// simplex count and peak RSS; the three counts are compared with ours.
// The periodic option is timed at the sizes in `--periodic-sizes` (default 2000,10000): there the torus's two H1
// classes are alive at alpha, and cohomology proves it by reducing their columns to zero, a sweep of a cocycle across
// the box that costs far more than the rest (growing with the box side).
// Options: --alpha A (8.19) --sizes 2000,10000,100000 --repeats R (5; 3 above N = 10 000) --gudhi-sizes LIST|none
// --periodic-sizes LIST|none --quick (N = 2000 only)
// The series (`betti1` of the registry over an inherent-structure trajectory, issue 11: "a 1000-frame IS trajectory gets
// the track in minutes, with progress and cancel"): a 100-frame run of the WCA glass at N = 2000 with its inherent
// structures (`avw simulate thermal ... --is`, made once and kept in the system's temp folder; not timed), or
// `--series-source RUN` (a run with its RUN.is.EXT, or an IS trajectory). In its own process: the series computed
// in-process (per-frame times from the progress reports, median and p95, and the total); then as the CLI's job in a worker
// (the MD run asked, its inherent structures measured), cancelled after `--series-cancel-after` frames (10): how long
// the cancel takes and how many frames the chunked store kept, and the resumed computation; then `avw series --json`
// end to end (cold: a new index, both files indexed; then warm: the index's values). GUDHI on two of its frames, the
// counts compared (`--series-gudhi-frames LIST|none`). `--series-frames F` (100), `--series-n N` (2000), `--series none` to skip.
// Run: `npm run bench -- betti [--name=value ...]` or `node --import tsx tests/bench/betti.ts [--name value ...]`,
// e.g. `npm run bench -- betti --positions=/work/shared/bench/lammps/traj_log.lammpstrj --frame=149 --sizes=2000`.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { orthoBox, type Box } from '../../src/core/box.js';
import { betti1, PAPER_ALPHA } from '../../src/core/analysis/betti.js';
import { buildRipsGraph, ripsH1 } from '../../src/core/analysis/rips-h1.js';
import { TrajectorySet } from '../../src/core/fields/frames.js';
import { defaultIsPath } from '../../src/core/fields/registry.js';
import { computeSeries, resolveSeries, type SeriesResult } from '../../src/core/fields/series.js';
import { openIndexed } from '../../src/core/index/indexed-trajectory.js';
import { runInWorker } from '../../src/core/jobs/worker-runner.js';
import { parseLammpsData } from '../../src/core/io/lammps-data.js';
import { openReader } from '../../src/core/io/open.js';
import type { FrameEntry } from '../../src/core/io/types.js';
import { wrapPositions } from '../../src/core/sim/system.js';
import { benchArg, machine, median, percentile } from './util.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DEFAULT_DATA = join(HERE, '../fixtures/lammps-bench/start_T0.2.data');
const PYTHON = '/usr/bin/python3';

interface Frame2D { positions: Float64Array; box: Box; source: string }

/** One frame's positions wrapped into its box (z = 0), from a LAMMPS data file or a trajectory frame. */
function loadFrame(path: string, frame: number): Frame2D {
  let positions: Float64Array, box: Box;
  if (isLammpsData(path)) {
    const data = parseLammpsData(readFileSync(path), path);
    positions = data.positions.slice();
    box = data.box;
  } else {
    const reader = openReader(path);
    try {
      const entries: FrameEntry[] = [];
      reader.scan({ onFrames: (batch) => { entries.push(...batch); } });
      if (frame < 0 || frame >= entries.length) throw new Error(`${path}: frame ${frame} requested, the file has ${entries.length} frames`);
      const f = reader.readFrame(entries[frame], frame);
      positions = f.positions.slice();
      box = f.box;
    } finally {
      reader.close();
    }
  }
  for (let i = 2; i < positions.length; i += 3) positions[i] = 0;
  wrapPositions(positions, new Int32Array(positions.length), box, 2);
  return { positions, box, source: `${path}${isLammpsData(path) ? '' : ` frame ${frame}`}` };
}

/** A LAMMPS data file (write_data's first line), as opposed to a trajectory. */
function isLammpsData(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const got = readSync(fd, head, 0, 64, 0);
    return /^LAMMPS data/.test(head.subarray(0, got).toString('latin1')) || /\.data$/i.test(path);
  } finally {
    closeSync(fd);
  }
}

/** The frame tiled tx x ty times (it is periodic, so the tiles join without seams); the tiled box as an ortho box. */
function tile(f: Frame2D, n: number): { positions: Float64Array; box: Box; tiles: [number, number] } {
  const n0 = f.positions.length / 3;
  const k = n / n0;
  if (!Number.isInteger(k)) throw new Error(`size ${n} is not a multiple of the frame's ${n0} particles`);
  let tx = Math.ceil(Math.sqrt(k));
  while (k % tx !== 0) tx++;
  const ty = k / tx;
  const [a, b] = f.box.vectors;
  if (a[1] !== 0 || b[0] !== 0) throw new Error('tiling needs an orthogonal box');
  const lx = a[0], ly = b[1], ox = f.box.origin[0], oy = f.box.origin[1];
  const positions = new Float64Array(3 * n);
  let p = 0;
  for (let u = 0; u < tx; u++) {
    for (let v = 0; v < ty; v++) {
      for (let i = 0; i < n0; i++) {
        positions[p++] = f.positions[3 * i] - ox + u * lx;
        positions[p++] = f.positions[3 * i + 1] - oy + v * ly;
        p++;
      }
    }
  }
  return { positions, box: orthoBox(tx * lx, ty * ly, 1), tiles: [tx, ty] };
}

interface ChildReport {
  n: number; tiles: [number, number]; alpha: number;
  firstMs: number; medianMs: number; medianCpuMs: number; graphMs: number; reductionMs: number;
  edges: number; bornBelowAlpha: number; aliveAtAlpha: number; cycleEdges: number; components: number;
  stats: Record<string, number>;
  periodic: { medianMs: number; edges: number; bornBelowAlpha: number; aliveAtAlpha: number; cycleEdges: number } | null;
  /** Peak RSS after loading the input, after the first call, and at the end (repeats and the periodic runs included). */
  inputRssMB: number; firstRssMB: number; peakRssMB: number; arrayBuffersMB: number; heapUsedMB: number;
}

const maxRssMB = (): number => process.resourceUsage().maxRSS / 1024;
/** A full collection between measurements when the child runs with --expose-gc (typed arrays are freed late otherwise). */
const collect = (): void => { (globalThis as { gc?: () => void }).gc?.(); };

/** The measurement for one size (runs in a child process). */
function child(path: string, frame: number, n: number, alpha: number, repeats: number, withPeriodic: boolean): ChildReport {
  const f = loadFrame(path, frame);
  const { positions, box, tiles } = tile(f, n);
  collect();
  const inputRssMB = maxRssMB();
  const t0 = performance.now();
  const first = betti1(positions, box, { alpha });
  const firstMs = performance.now() - t0;
  const firstRssMB = maxRssMB();
  const wall: number[] = [], cpu: number[] = [], graph: number[] = [], reduction: number[] = [];
  for (let r = 0; r < repeats; r++) {
    collect();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const res = betti1(positions, box, { alpha });
    wall.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (res.cycleEdges !== first.cycleEdges || res.bornBelowAlpha !== first.bornBelowAlpha) throw new Error('betti1 is not deterministic');
  }
  // The split, on the same (already wrapped) points: the neighbour graph, then the reduction.
  for (let r = 0; r < Math.min(3, repeats); r++) {
    collect();
    const g0 = performance.now();
    const g = buildRipsGraph(positions, null, { threshold: alpha, dimensions: 2, periodic: false });
    const g1 = performance.now();
    ripsH1(g);
    graph.push(g1 - g0);
    reduction.push(performance.now() - g1);
  }
  // The periodic option (minimum-image distances in the tiled box), for information.
  let periodic: ChildReport['periodic'] = null;
  if (withPeriodic) {
    const per: number[] = [];
    let pr = first;
    for (let r = 0; r < Math.min(3, repeats); r++) {
      collect();
      const p0 = performance.now();
      pr = betti1(positions, box, { alpha, periodic: true });
      per.push(performance.now() - p0);
    }
    periodic = { medianMs: median(per), edges: pr.edges, bornBelowAlpha: pr.bornBelowAlpha, aliveAtAlpha: pr.aliveAtAlpha, cycleEdges: pr.cycleEdges };
  }
  const mem = process.memoryUsage();
  return {
    periodic,
    n, tiles, alpha, firstMs, medianMs: median(wall), medianCpuMs: median(cpu), graphMs: median(graph), reductionMs: median(reduction),
    edges: first.edges, bornBelowAlpha: first.bornBelowAlpha, aliveAtAlpha: first.aliveAtAlpha, cycleEdges: first.cycleEdges,
    components: first.components, stats: { ...first.stats },
    inputRssMB, firstRssMB, peakRssMB: maxRssMB(), arrayBuffersMB: mem.arrayBuffers / 2 ** 20, heapUsedMB: mem.heapUsed / 2 ** 20,
  };
}

const GUDHI_SCRIPT = `
import sys, time, resource, json
import numpy as np
import gudhi
pts = np.loadtxt(sys.argv[1]).reshape(-1, 2)
alpha = float(sys.argv[2])
t0 = time.perf_counter()
st = gudhi.RipsComplex(points=pts, max_edge_length=alpha).create_simplex_tree(max_dimension=2)
t1 = time.perf_counter()
pairs = st.persistence(homology_coeff_field=11, min_persistence=0)
t2 = time.perf_counter()
h1 = [(b, d) for (dim, (b, d)) in pairs if dim == 1]
n_v = st.num_vertices()
n_e = sum(1 for (s, f) in st.get_skeleton(1) if len(s) == 2)
beta0 = sum(1 for (dim, (b, d)) in pairs if dim == 0 and d == float('inf'))
print(json.dumps({
  "complexSeconds": t1 - t0, "persistenceSeconds": t2 - t1, "simplices": st.num_simplices(),
  "bornBelowAlpha": sum(1 for (b, d) in h1 if b <= alpha and d > b),
  "aliveAtAlpha": sum(1 for (b, d) in h1 if d == float('inf')),
  "cycleEdges": n_e - n_v + beta0, "edges": n_e,
  "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
`;

interface GudhiReport {
  complexSeconds: number; persistenceSeconds: number; simplices: number;
  bornBelowAlpha: number; aliveAtAlpha: number; cycleEdges: number; edges: number; peakRssMB: number;
}

function haveGudhi(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import gudhi, numpy'], { stdio: 'ignore' }).status === 0;
}

function runGudhi(positions: Float64Array, alpha: number): GudhiReport {
  const dir = mkdtempSync(join(tmpdir(), 'avw-bench-betti-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < positions.length; i += 3) lines.push(`${positions[i].toPrecision(17)} ${positions[i + 1].toPrecision(17)}`);
    writeFileSync(join(dir, 'points.txt'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'rips.py'), GUDHI_SCRIPT);
    const r = spawnSync(PYTHON, [join(dir, 'rips.py'), join(dir, 'points.txt'), String(alpha)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`GUDHI run failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as GudhiReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the series over an inherent-structure trajectory ----

const ROOT = join(HERE, '../..');
const CLI = join(ROOT, 'src/cli/main.ts');

/** A run of the WCA glass with its inherent structures (made once per size and length, kept in the temp folder). */
function seriesRun(n: number, frames: number): { run: string; made: boolean; seconds: number } {
  const dir = join(tmpdir(), `avw-bench-betti-series-N${n}-F${frames}`);
  const run = join(dir, 'run.gsd');
  if (existsSync(`${run}.json`) && JSON.parse(readFileSync(`${run}.json`, 'utf8')).status === 'complete' && existsSync(defaultIsPath(run))) {
    return { run, made: false, seconds: 0 };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'simulate', 'thermal', '--n', String(n), '--rho', '0.9', '--T', '0.23', '--Tp', '0.5',
    '--equil', '2000', '--tw', '1000', '--every', '200', '--frames', String(frames), '--seed', '1', '--is', '--out', run, '--index-dir', join(dir, 'index'), '--json'],
  { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`making the inherent-structure run failed (${r.status}): ${r.stderr}`);
  return { run, made: true, seconds: (performance.now() - t0) / 1000 };
}

interface SeriesChildReport {
  frames: number; n: number; measuredOn: string;
  inProcessSeconds: number; perFrameMedianMs: number; perFrameP95Ms: number; progressReports: number;
  cancelAfter: number; cancelMs: number; cancelError: string; keptFrames: number; resumeSeconds: number; resumedFrom: number; resumedSame: boolean;
  values: number[];
}

/** The series measurements (runs in a child process). */
async function seriesChild(run: string, alpha: number, cancelAfter: number): Promise<SeriesChildReport> {
  const work = mkdtempSync(join(tmpdir(), 'avw-bench-betti-series-'));
  try {
    // 1. In-process: per-frame times from the progress reports.
    const set = new TrajectorySet({ indexDir: join(work, 'a') });
    const r = resolveSeries({ name: 'betti1', params: { alpha } });
    const stamps: number[] = [];
    let result: SeriesResult;
    let n = 0;
    const t0 = performance.now();
    try {
      const src = set.get(run);
      n = src.t.particleCount;
      result = computeSeries(src, r, { progress: (done, total) => { if (done < total) stamps.push(performance.now()); } }, (p) => set.get(p));
    } finally {
      set.close();
    }
    const inProcessSeconds = (performance.now() - t0) / 1000;
    stamps.push(performance.now());
    const per = stamps.slice(1).map((t, i) => t - stamps[i]!);
    // 2. As a job in a worker (what avw series runs), cancelled after some frames; then resumed.
    const controller = new AbortController();
    const job = { path: run, indexDir: join(work, 'b'), name: 'betti1', params: { alpha } };
    let abortedAt = 0;
    let cancelError = '';
    try {
      await runInWorker<SeriesResult>('series', job, {
        signal: controller.signal,
        onProgress: (p) => { if (p.done >= cancelAfter && !controller.signal.aborted) { abortedAt = performance.now(); controller.abort(); } },
      });
      cancelError = 'finished before the cancel';
    } catch (e) {
      cancelError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const cancelMs = performance.now() - abortedAt;
    const is = openIndexed(result.measuredOn, { indexDir: join(work, 'b') });
    const keptFrames = is.getSeries('betti1', r.hash)?.frameCount ?? 0;
    is.close();
    const t1 = performance.now();
    const resumed = await runInWorker<SeriesResult>('series', job);
    const resumeSeconds = (performance.now() - t1) / 1000;
    const values = Array.from(result.values);
    return {
      frames: values.length, n, measuredOn: result.measuredOn, inProcessSeconds, perFrameMedianMs: median(per), perFrameP95Ms: percentile(per, 0.95), progressReports: per.length,
      cancelAfter, cancelMs, cancelError, keptFrames, resumeSeconds, resumedFrom: resumed.computedFrom,
      resumedSame: Array.from(resumed.values).every((v, i) => v === values[i]), values,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runCliSeries(run: string, indexDir: string, alpha: number): { seconds: number; values: number[]; measuredOn: string; peakRssMB: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'series', run, '--name', 'betti1', '--alpha', String(alpha), '--json', '--index-dir', indexDir],
    { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, AVW_REPORT_RSS: '1' } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`avw series failed (${r.status}): ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { values: number[]; measuredOn: string };
  const rss = /avw-peak-rss-kb=(\d+)/.exec(r.stderr);
  return { seconds, values: j.values, measuredOn: j.measuredOn, peakRssMB: rss ? Number(rss[1]) / 1024 : NaN };
}

async function seriesSection(alpha: number, load: () => string): Promise<void> {
  const frames = Number(benchArg('--series-frames') ?? 100);
  const n = Number(benchArg('--series-n') ?? 2000);
  const cancelAfter = Number(benchArg('--series-cancel-after') ?? 10);
  const given = benchArg('--series-source');
  console.log(`betti1 series over an inherent-structure trajectory (alpha = ${alpha})`);
  let run: string;
  if (given) {
    run = given;
    console.log(`  trajectory: ${run} (given)`);
  } else {
    const made = seriesRun(n, frames);
    run = made.run;
    console.log(`  trajectory: ${run} (N = ${n}, ${frames} frames of the WCA glass at T = 0.23 with --is; ${made.made ? `made now in ${made.seconds.toFixed(0)} s, not timed below` : 'made by an earlier run'})`);
  }
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--series-child', run, '--alpha', String(alpha), '--series-cancel-after', String(cancelAfter)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) { console.log(`  failed (${r.status}): ${r.stderr}`); process.exitCode = 1; return; }
  const c = JSON.parse(r.stdout.trim().split('\n').pop() as string) as SeriesChildReport;
  console.log(`  measured on ${c.measuredOn}: N = ${c.n}, ${c.frames} frames; beta_1 from ${Math.min(...c.values)} to ${Math.max(...c.values)}`);
  console.log(`  in-process (indexing both files included): ${c.inProcessSeconds.toFixed(1)} s, ${(c.frames / c.inProcessSeconds).toFixed(1)} frames/s; ` +
    `per frame median ${c.perFrameMedianMs.toFixed(0)} ms, p95 ${c.perFrameP95Ms.toFixed(0)} ms (${c.progressReports} progress reports); ` +
    `1000 frames at this pace: ${((1000 * c.perFrameMedianMs) / 60_000).toFixed(1)} min`);
  console.log(`  cancel (the job in a worker, after ${c.cancelAfter} frames): stopped ${c.cancelMs.toFixed(0)} ms after the request (${c.cancelError}); ` +
    `${c.keptFrames} frames kept in the index; resumed from frame ${c.resumedFrom} in ${c.resumeSeconds.toFixed(1)} s, ${c.resumedSame ? 'same values' : 'DIFFERENT values'}`);
  if (!c.resumedSame) process.exitCode = 1;
  const idx = mkdtempSync(join(tmpdir(), 'avw-bench-betti-cli-'));
  try {
    const cold = runCliSeries(run, idx, alpha);
    const warm = runCliSeries(run, idx, alpha);
    const same = cold.values.every((v, i) => v === c.values[i]) && warm.values.every((v, i) => v === c.values[i]);
    console.log(`  avw series --name betti1 --json: cold ${cold.seconds.toFixed(1)} s (a new index: both files indexed, the worker started; peak RSS ${cold.peakRssMB.toFixed(0)} MB), ` +
      `warm ${warm.seconds.toFixed(1)} s (from the index); ${same ? 'same values' : 'DIFFERENT values'}`);
    if (!same) process.exitCode = 1;
  } finally {
    rmSync(idx, { recursive: true, force: true });
  }
  const gudhiFrames = benchArg('--series-gudhi-frames') === 'none' ? [] : list(benchArg('--series-gudhi-frames'), [0, c.frames - 1]);
  if (gudhiFrames.length === 0) console.log('  GUDHI: not run (--series-gudhi-frames none)');
  else if (haveGudhi()) {
    for (const f of gudhiFrames) {
      const fr = loadFrame(c.measuredOn, f);
      const g = runGudhi(fr.positions, alpha);
      const ours = c.values[f];
      console.log(`  GUDHI on frame ${f}: bornBelowAlpha = ${g.bornBelowAlpha} (ours ${ours}: ${g.bornBelowAlpha === ours ? 'same' : 'DIFFERENT'}), ` +
        `${(g.complexSeconds + g.persistenceSeconds).toFixed(2)} s for the frame`);
      if (g.bornBelowAlpha !== ours) process.exitCode = 1;
    }
  } else {
    console.log(`  GUDHI: skipped (${PYTHON} with gudhi and numpy not available)`);
  }
  console.log(`  load average ${load()}\n`);
}

function list(arg: string | undefined, fallback: number[]): number[] {
  if (arg === undefined) return fallback;
  if (arg === 'none') return [];
  return arg.split(',').map((s) => Number(s.trim()));
}

async function main(): Promise<void> {
  const path = benchArg('--positions') ?? DEFAULT_DATA;
  const frame = Number(benchArg('--frame') ?? 0);
  const alpha = Number(benchArg('--alpha') ?? PAPER_ALPHA);
  const quick = process.argv.includes('--quick');

  const seriesChildRun = benchArg('--series-child');
  if (seriesChildRun !== undefined) {
    const cancelAfter = Number(benchArg('--series-cancel-after') ?? 10);
    process.stdout.write(JSON.stringify(await seriesChild(seriesChildRun, alpha, cancelAfter)) + '\n');
    return;
  }

  const childN = benchArg('--child');
  if (childN !== undefined) {
    const n = Number(childN);
    const repeats = Number(benchArg('--repeats') ?? (n > 10_000 ? 3 : 5));
    process.stdout.write(JSON.stringify(child(path, frame, n, alpha, repeats, process.argv.includes('--with-periodic'))) + '\n');
    return;
  }

  const sizes = list(benchArg('--sizes'), quick ? [2000] : [2000, 10_000, 100_000]);
  const gudhiSizes = list(benchArg('--gudhi-sizes'), [2000]);
  const periodicSizes = list(benchArg('--periodic-sizes'), [2000, 10_000]);
  const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log('Avalanche Workbench beta_1 benchmark (Vietoris-Rips H1, App. B)');
  console.log(`machine: ${machine()}; load average ${load()}`);
  const base = loadFrame(path, frame);
  console.log(`positions: ${base.source}, N = ${base.positions.length / 3}, wrapped; alpha = ${alpha}; plain Euclidean distances`);
  console.log('target: N = 2000 at alpha = 8.19 <= 500 ms (GUDHI 3.7.1 measured 7.1 s here; Ripser reported ~1.6 s)\n');
  const gudhiOk = gudhiSizes.length > 0 && haveGudhi();
  if (gudhiSizes.length > 0 && !gudhiOk) console.log(`GUDHI: skipped (${PYTHON} with gudhi and numpy not available)\n`);

  for (const n of sizes) {
    const args = ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(n), '--positions', path, '--frame', String(frame), '--alpha', String(alpha)];
    const rep = benchArg('--repeats');
    if (rep) args.push('--repeats', rep);
    if (periodicSizes.includes(n)) args.push('--with-periodic');
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) { console.log(`N = ${n}: failed (${r.status}): ${r.stderr}`); process.exitCode = 1; continue; }
    const c = JSON.parse(r.stdout.trim().split('\n').pop() as string) as ChildReport;
    console.log(`N = ${c.n} (${c.tiles[0]} x ${c.tiles[1]} tiles), alpha = ${c.alpha}: E = ${c.edges}, beta_0 = ${c.components}`);
    console.log(`  counts: bornBelowAlpha = ${c.bornBelowAlpha}, aliveAtAlpha = ${c.aliveAtAlpha}, cycleEdges = ${c.cycleEdges}`);
    console.log(`  time: first call ${c.firstMs.toFixed(0)} ms; median ${c.medianMs.toFixed(0)} ms wall, ${c.medianCpuMs.toFixed(0)} ms CPU` +
      ` (graph ${c.graphMs.toFixed(0)} ms + reduction ${c.reductionMs.toFixed(0)} ms)${c.n === 2000 ? `; target 500 ms: ${c.medianMs <= 500 ? 'met' : 'NOT met'}` : ''}`);
    const s = c.stats;
    console.log(`  work: ${s.apparent} apparent pairs, ${s.emptyLens} empty-lens edges, ${s.columns} columns, ${s.additions} additions, ${s.restarts} restarts, ${s.pushed} triangles pushed (heap <= ${s.maxHeap})`);
    const p = c.periodic;
    if (p) {
      console.log(`  periodic (minimum image in the ${c.tiles[0]} x ${c.tiles[1]} box): median ${p.medianMs.toFixed(0)} ms; E = ${p.edges}, ` +
        `bornBelowAlpha = ${p.bornBelowAlpha}, aliveAtAlpha = ${p.aliveAtAlpha} (the torus's 2), cycleEdges = ${p.cycleEdges}`);
    } else {
      console.log('  periodic: not run at this size (--periodic-sizes; the two classes of the torus stay alive, and proving it sweeps a cocycle across the whole box)');
    }
    console.log(`  memory (peak RSS of the process): ${c.inputRssMB.toFixed(0)} MB with the input loaded, ${c.firstRssMB.toFixed(0)} MB after the first call ` +
      `(+${(c.firstRssMB - c.inputRssMB).toFixed(0)} MB), ${c.peakRssMB.toFixed(0)} MB at the end; then heap ${c.heapUsedMB.toFixed(0)} MB, array buffers ${c.arrayBuffersMB.toFixed(0)} MB`);
    console.log(`  load average ${load()}`);
    if (gudhiOk && gudhiSizes.includes(n)) {
      const g = runGudhi(tile(base, n).positions, alpha);
      const same = g.bornBelowAlpha === c.bornBelowAlpha && g.aliveAtAlpha === c.aliveAtAlpha && g.cycleEdges === c.cycleEdges && g.edges === c.edges;
      console.log(`  GUDHI (Z/11, one run): ${(g.complexSeconds + g.persistenceSeconds).toFixed(2)} s (complex ${g.complexSeconds.toFixed(2)} s + persistence ${g.persistenceSeconds.toFixed(2)} s), ` +
        `${g.simplices} simplices, peak RSS ${g.peakRssMB.toFixed(0)} MB`);
      console.log(`  GUDHI counts: bornBelowAlpha = ${g.bornBelowAlpha}, aliveAtAlpha = ${g.aliveAtAlpha}, cycleEdges = ${g.cycleEdges}, E = ${g.edges}: ${same ? 'same as ours' : 'DIFFERENT'}`);
      if (!same) process.exitCode = 1;
      console.log(`  speed-up over GUDHI: ${((g.complexSeconds + g.persistenceSeconds) * 1000 / c.medianMs).toFixed(1)}x (median), ${((g.complexSeconds + g.persistenceSeconds) * 1000 / c.firstMs).toFixed(1)}x (first call); load average ${load()}`);
    }
    console.log('');
  }
  if (benchArg('--series') !== 'none') await seriesSection(alpha, load);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
