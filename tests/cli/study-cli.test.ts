// `avw study` on this machine: the local scheduler killed with SIGKILL mid-study resumes without redoing a finished run
// and continues the interrupted one from its checkpoint to exactly the uninterrupted trajectory; status and collect
// in their JSON shapes; the ensemble series is the replicas' mean; bad study files are one-line errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../src/core/io/file-source.js';
import { GsdFile } from '../../src/core/io/gsd-file.js';
import { runInProcess } from '../../src/core/jobs/job.js';
import { simulateJob } from '../../src/core/jobs/simulate-job.js';
import { gsdFrameCount } from '../../src/core/jobs/simulate-output.js';
import { planStudy } from '../../src/core/study/plan.js';
import { loadStudy, simulateParamsOf } from '../../src/core/study/study-file.js';
import { AVW as CLI, runAvw } from './run-avw.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'avw-study-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

 
const avw = (...args: string[]) => runAvw(args);

function sameFrames(a: string, b: string): number {
  const sa = new FileSource(a), sb = new FileSource(b);
  try {
    const A = new GsdFile(sa), B = new GsdFile(sb);
    expect(B.nFrames).toBe(A.nFrames);
    for (let f = 0; f < A.nFrames; f++) {
      for (const name of A.chunks(f).map((c) => c.name)) {
        const x = Buffer.from(A.entryBytes(A.findEntry(f, name)));
        const y = Buffer.from(B.entryBytes(B.findEntry(f, name)));
        if (!x.equals(y)) throw new Error(`${b}: frame ${f} chunk ${name} differs from ${a}`);
      }
    }
    return A.nFrames;
  } finally {
    sa.close();
    sb.close();
  }
}

describe('avw study (local scheduler)', () => {
  it('resumes after kill -9: a finished run is never redone, an interrupted one continues from its checkpoint', async () => {
    const dir = join(work, 'kill');
    mkdirSync(dir);
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({
      name: 'k', simulate: 'thermal', temperatures: [0.4], seeds: [1, 2], analyses: ['msd'],
      parameters: { n: 100, rho: 0.9, Tp: 0.5, equil: 2000, tw: 500, every: 1500, frames: 80, 'checkpoint-every': 10 },
    }));
    const plan = planStudy(loadStudy(file));
    const [r0, r1] = plan.runs;
    const child = spawn(process.execPath, [...CLI, 'study', 'run', file, '--max-parallel', '1'], { cwd: root, stdio: 'ignore' });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    const t0 = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (child.exitCode !== null) throw new Error('the study finished before it could be killed');
      if (Date.now() - t0 > 80_000) throw new Error('run 1 never got a checkpoint');
      if (!existsSync(`${r1!.out}.checkpoint`)) continue;
      let frames = 0;
      try { frames = gsdFrameCount(r1!.out); } catch { continue; }
      if (frames >= 15 && frames < 70) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    const done0 = JSON.parse(readFileSync(r0!.status, 'utf8'));
    expect(done0.state).toBe('done');
    const mtime0 = statSync(r0!.out).mtimeMs;
    // The orphaned run notices its scheduler is gone, writes a checkpoint and stops.
    for (let i = 0; ; i++) {
      const s = JSON.parse(readFileSync(r1!.status, 'utf8'));
      if (s.state === 'interrupted') break;
      if (i > 200) throw new Error(`run 1 did not stop after its scheduler was killed: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const mid = avw('study', 'status', file, '--json');
    expect(mid.json).toEqual({
      study: 'k', done: 1, failed: 1,
      runs: [
        { id: 0, T: 0.4, seed: 1, out: r0!.out, state: 'done', jobId: null },
        { id: 1, T: 0.4, seed: 2, out: r1!.out, state: 'failed', jobId: null },
      ],
    });

    const again = avw('study', 'run', file, '--json');
    expect(again.status, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ study: 'k', scheduler: 'local', done: [1], skipped: [0], failed: [], cancelled: false });
    expect(statSync(r0!.out).mtimeMs).toBe(mtime0);
    expect(JSON.parse(readFileSync(r0!.status, 'utf8')).attempt).toBe(1);
    const s1 = JSON.parse(readFileSync(r1!.status, 'utf8'));
    expect(s1).toMatchObject({ state: 'done', attempt: 2, resumed: true });
    // The resumed run's trajectory is the uninterrupted one, frame by frame, chunk by chunk.
    const ref = join(work, 'reference.gsd');
    await runInProcess(simulateJob, { ...simulateParamsOf(plan.study, r1!.T, r1!.runSeed, ref), index: false });
    expect(sameFrames(ref, r1!.out)).toBe(80);
    expect(avw('study', 'status', file, '--json').json).toMatchObject({ done: 2, failed: 0 });
  }, 120_000);

  it('collects the shards and averages a series over the replicas per temperature', () => {
    const dir = join(work, 'ens');
    mkdirSync(dir);
    const file = join(dir, 'e.json');
    writeFileSync(file, JSON.stringify({
      name: 'e', simulate: 'thermal', temperatures: [0.3, 0.5], replicas: 2, analyses: ['msd', 'detect'],
      parameters: { n: 40, rho: 0.9, equil: 500, tw: 200, B: 1024, ncfg: 6, blocks: 2 },
    }));
    const run = avw('study', 'run', file, '--max-parallel', '2', '--json');
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.done).toEqual([0, 1, 2, 3]);
    const col = avw('study', 'collect', file, '--json');
    expect(col.status, col.stderr).toBe(0);
    expect(col.json).toMatchObject({ study: 'e', merged: 4, unchanged: 0, notDone: [] });
    expect(col.json.runs.map((r: { series: string[] }) => r.series)).toEqual([['msd'], ['msd'], ['msd'], ['msd']]);
    expect(avw('study', 'collect', file, '--json').json).toMatchObject({ merged: 0, unchanged: 4 });
    const ens = avw('series', '--study', file, '--name', 'msd', '--by', 'T', '--json');
    expect(ens.status, ens.stderr).toBe(0);
    expect(ens.json.groups.map((g: { T: number; runs: number[] }) => [g.T, g.runs])).toEqual([[0.3, [0, 1]], [0.5, [2, 3]]]);
    // The group's mean and standard error are those of the runs' own series (read through the study's index).
    const plan = planStudy(loadStudy(file));
    const per = [0, 1].map((i) => avw('series', plan.runs[i]!.out, '--name', 'msd', '--index-dir', plan.indexDir, '--json').json.values as number[]);
    const g = ens.json.groups[0];
    expect(g.time[3]).toBeCloseTo(g.timesteps[3] * 0.003, 12);
    for (let f = 0; f < per[0]!.length; f++) {
      const [a, b] = [per[0]![f]!, per[1]![f]!];
      expect(g.mean[f]).toBeCloseTo((a + b) / 2, 14);
      if (f > 0) expect(g.stderr[f]).toBeCloseTo(Math.abs(a - b) / 2, 14);
      expect(g.n[f]).toBe(2);
    }
  }, 120_000);

  it('refuses bad study files and options in one line', () => {
    const file = join(work, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'b', simulate: 'thermal', temperatures: [0.3], seeds: [1], parameters: { n: 10, every: 10, frames: 2 }, analysis: ['msd'] }));
    const r = avw('study', 'run', file);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file}: unknown key "analysis"`);
    const u = avw('study', 'run', file, '--scheduler', 'pbs');
    expect(u.status).toBe(2);
    expect(avw('study', 'frobnicate', file).stderr).toMatch(/avw study: expected one of run, status, collect/);
  });
});
