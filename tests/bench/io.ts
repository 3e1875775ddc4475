// `npm run bench -- io`: the trajectory I/O benchmark of the foundation issue.
// Generates (once, cached in .bench/io/) a 2 GB 2D LAMMPS dump with N = 100 000 and a GSD of the same
// content, then measures: scan throughput from the page cache (reader alone, and indexing into SQLite
// through `avw index` in a child process, with its peak RSS), and median / p95 latency of 100 random frame
// reads through the index. Targets: scan >= 400 MB/s, peak RSS < 300 MB, random frame < 60 ms (dump) and
// < 10 ms (GSD).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orthoBox } from '../../src/core/box.js';
import { openIndexed } from '../../src/core/index/indexed-trajectory.js';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import { LammpsDumpWriter } from '../../src/core/io/lammps-dump-writer.js';
import { openReader } from '../../src/core/io/open.js';
import { machine, median, percentile, rng } from './util.js';

const root = join(import.meta.dirname, '../..');
const dir = join(root, '.bench/io');
const N = 100_000;
const TARGET_BYTES = 2 * 1024 ** 3;
const dumpPath = join(dir, `glass2d-N${N}.lammpstrj`);
const gsdPath = join(dir, `glass2d-N${N}.gsd`);
const gzPath = join(dir, `glass2d-N${N}-100frames.lammpstrj.gz`);
const quick = process.argv.includes('--quick');

/** A 2D glass-like trajectory: particles at density 0.9 doing small random steps, wrapped with image flags. */
function generate(): void {
  if (existsSync(dumpPath) && existsSync(gsdPath)) return;
  mkdirSync(dir, { recursive: true });
  console.log(`generating ${dumpPath} and ${gsdPath} (once; cached in .bench/io) ...`);
  const L = Math.sqrt(N / 0.9);
  const box = orthoBox(L, L, 1, [0, 0, -0.5]);
  const r = rng(42);
  const pos = new Float64Array(3 * N);
  const img = new Int32Array(3 * N);
  const types = new Int32Array(N);
  const ids = new Int32Array(N);
  const diameter = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    pos[3 * i] = r() * L;
    pos[3 * i + 1] = r() * L;
    ids[i] = i + 1;
    types[i] = 1 + (i % 2);
    diameter[i] = i % 2 ? 1.4 : 1.0;
  }
  const tmpDump = `${dumpPath}.part`;
  const tmpGsd = `${gsdPath}.part`;
  const dump = new LammpsDumpWriter(tmpDump, { columns: ['id', 'type', 'x', 'y', 'z', 'ix', 'iy', 'iz'], dimensions: 2, decimals: 6 });
  const gsd = GsdWriter.create(tmpGsd);
  const typeid = new Int32Array(N);
  for (let i = 0; i < N; i++) typeid[i] = types[i] - 1;
  let bytes = 0;
  let frame = 0;
  const started = performance.now();
  while (bytes < TARGET_BYTES) {
    const step = frame === 0 ? 0 : 2 ** (frame % 12) + 5000 * Math.floor(frame / 12);
    bytes += Buffer.byteLength(dump.append({ timestep: step, box, ids, types, positions: pos, images: img }));
    gsd.writeFrame({ step, box: [L, L, 1, 0, 0, 0], dimensions: 2, positions: pos, typeid, types: ['A', 'B'], diameter, image: img });
    for (let i = 0; i < N; i++) {
      for (let a = 0; a < 2; a++) {
        let x = pos[3 * i + a] + (r() - 0.5) * 0.2;
        if (x >= L) { x -= L; img[3 * i + a]++; }
        else if (x < 0) { x += L; img[3 * i + a]--; }
        pos[3 * i + a] = x;
      }
    }
    frame++;
    if (frame % 50 === 0) console.log(`  ${frame} frames, ${(bytes / 1024 ** 3).toFixed(2)} GB, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  dump.close();
  gsd.close();
  renameSync(tmpDump, dumpPath);
  renameSync(tmpGsd, gsdPath);
}

/** The first 100 frames of the dump, gzip-compressed (level 6, as `gzip` does), for compressed random access. */
function generateGzip(): void {
  if (existsSync(gzPath)) return;
  const reader = openReader(dumpPath);
  let end = 0;
  reader.scan({ onFrames: (batch, first) => { for (let k = 0; k < batch.length; k++) if (first + k === 99) end = batch[k].offset + batch[k].length; } });
  reader.close();
  const r = spawnSync('sh', ['-c', `head -c ${end} '${dumpPath}' | gzip -6 > '${gzPath}.part' && mv '${gzPath}.part' '${gzPath}'`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('gzip failed');
}

/** Read the whole file once so the scan measures parsing from the page cache, not the disk. */
function warm(path: string): void {
  spawnSync('cat', [path], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 0 });
}

function readerScan(path: string): { seconds: number; frames: number } {
  const reader = openReader(path);
  let frames = 0;
  const t0 = performance.now();
  reader.scan({ onFrames: (batch) => { frames += batch.length; } });
  const seconds = (performance.now() - t0) / 1000;
  reader.close();
  return { seconds, frames };
}

/** `avw index` in a child process: wall time and peak RSS as the CLI reports them. */
function cliIndex(path: string): { seconds: number; frames: number; rssMB: number } {
  const indexDir = mkdtempSync(join(tmpdir(), 'avw-bench-index-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'index', path, '--json', '--index-dir', indexDir], {
      env: { ...process.env, AVW_REPORT_RSS: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`avw index failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { seconds: number; frames: number };
    const rss = /avw-peak-rss-kb=(\d+)/.exec(r.stderr);
    return { seconds: out.seconds, frames: out.frames, rssMB: rss ? Number(rss[1]) / 1024 : NaN };
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}

function randomReads(path: string, count: number): { median: number; p95: number; n: number } {
  const indexDir = mkdtempSync(join(tmpdir(), 'avw-bench-reads-'));
  try {
    openIndexed(path, { indexDir }).close(); // index once, then reopen as a user would: no scan, persisted seek index
    const t = openIndexed(path, { indexDir });
    if (t.outcome !== 'unchanged') throw new Error(`reopening re-scanned the file (${t.outcome})`);
    const r = rng(7);
    const times: number[] = [];
    let n = 0;
    t.readFrame(0); // open the file, load code paths
    for (let k = 0; k < count; k++) {
      const i = Math.floor(r() * t.frameCount);
      const t0 = performance.now();
      const f = t.readFrame(i);
      times.push(performance.now() - t0);
      n = f.n;
    }
    t.close();
    return { median: median(times), p95: percentile(times, 0.95), n };
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!existsSync(join(root, 'dist/cli/main.js'))) {
    const b = spawnSync('npm', ['run', 'build:node', '--silent'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) process.exit(1);
  }
  generate();
  generateGzip();
  if (process.argv.includes('--generate-only')) return;
  console.log(`\nAvalanche Workbench I/O benchmark`);
  console.log(`machine: ${machine()}`);
  const repeats = quick ? 1 : 3;
  for (const [label, path] of [['LAMMPS dump', dumpPath], ['GSD', gsdPath], ['gzip LAMMPS dump (first 100 frames)', gzPath]] as const) {
    const size = statSync(path).size;
    console.log(`\n${label}: ${path} (${(size / 1024 ** 3).toFixed(2)} GiB, N = ${N})`);
    warm(path);
    const scans = Array.from({ length: repeats }, () => readerScan(path));
    const scanS = median(scans.map((s) => s.seconds));
    console.log(`  reader scan:        ${scans[0].frames} frames, median ${scanS.toFixed(3)} s over ${repeats} = ${(size / 1e6 / scanS).toFixed(0)} MB/s`);
    const idx = Array.from({ length: repeats }, () => cliIndex(path));
    const idxS = median(idx.map((s) => s.seconds));
    console.log(`  avw index (SQLite): median ${idxS.toFixed(3)} s = ${(size / 1e6 / idxS).toFixed(0)} MB/s; peak RSS ${Math.max(...idx.map((s) => s.rssMB)).toFixed(0)} MB (whole process)`);
    const reads = randomReads(path, 100);
    if (path === gzPath) console.log('  (a random frame decompresses from the nearest checkpoint of the persisted seek index, not from the start)');
    console.log(`  100 random frames:  median ${reads.median.toFixed(1)} ms, p95 ${reads.p95.toFixed(1)} ms (N = ${reads.n})`);
  }
  console.log('\nthroughput is file bytes per second (compressed bytes for .gz)');
  console.log('targets: scan >= 400 MB/s (text dump, page cache), peak RSS < 300 MB, random frame < 60 ms (dump), < 10 ms (GSD)');
}

main();
