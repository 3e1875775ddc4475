// `avw simulate` and `avw minimize` from the command line: JSON summaries, one-line errors, and a run killed with
// SIGKILL mid-run that resumes (--resume) to exactly the trajectory of an uninterrupted run with the same seed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../src/core/io/file-source.js';
import { GsdFile } from '../../src/core/io/gsd-file.js';
import { runInProcess } from '../../src/core/jobs/job.js';
import { simulateJob, type SimulateResult } from '../../src/core/jobs/simulate-job.js';
import { gsdFrameCount } from '../../src/core/jobs/simulate-output.js';
import { AVW as CLI, runAvw } from './run-avw.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'avw-simcli-'));
const indexDir = join(work, 'index');
afterAll(() => rmSync(work, { recursive: true, force: true }));


const avw = (...args: string[]) => runAvw(args, { indexDir });

/** Frame by frame, chunk by chunk, byte for byte. */
function sameFrames(a: string, b: string): number {
  const sa = new FileSource(a), sb = new FileSource(b);
  try {
    const A = new GsdFile(sa), B = new GsdFile(sb);
    expect(B.nFrames).toBe(A.nFrames);
    for (let f = 0; f < A.nFrames; f++) {
      const names = A.chunks(f).map((c) => c.name);
      expect(B.chunks(f).map((c) => c.name)).toEqual(names);
      for (const name of names) {
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

const THERMAL = ['simulate', 'thermal', '--n', '150', '--T', '0.4', '--Tp', '0.5', '--equil', '2000', '--tw', '1000', '--every', '800', '--frames', '40', '--seed', '7', '--is', '--checkpoint-every', '5'];
/** The same run as job parameters (the uninterrupted reference runs in this process: same engine, same bytes). */
const THERMAL_JOB = {
  kind: 'thermal', seed: 7, start: { kind: 'random', n: 150 }, T: 0.4, Tp: 0.5, equilSteps: 2000, twSteps: 1000,
  schedule: { kind: 'linear', every: 800, frames: 40 }, inherentStructures: true, checkpointEvery: 5, index: false,
};

describe('avw simulate / minimize', () => {
  it('a run killed with SIGKILL resumes with --resume to the uninterrupted trajectory, byte for byte', async () => {
    const killed = join(work, 'killed.gsd');
    const child = spawn(process.execPath, [...CLI, ...THERMAL, '--out', killed, '--index-dir', indexDir], { cwd: root, stdio: 'ignore' });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    // Kill once a checkpoint exists and the trajectory has gone past it (frames after the checkpoint are redone).
    let framesAtKill = 0;
    const started = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      if (child.exitCode !== null) throw new Error('the run finished before it could be killed');
      if (Date.now() - started > 50_000) throw new Error('no checkpoint appeared');
      if (!existsSync(`${killed}.checkpoint`) || !existsSync(killed)) continue;
      let frames = 0;
      try { frames = gsdFrameCount(killed); } catch { continue; }
      if (frames >= 12 && frames % 5 !== 0) {
        child.kill('SIGKILL');
        framesAtKill = frames;
        break;
      }
    }
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    expect(framesAtKill).toBeLessThan(40);
    expect(existsSync(`${killed}.checkpoint`)).toBe(true);
    expect(JSON.parse(readFileSync(`${killed}.json`, 'utf8')).status).toBe('running');

    const resumed = avw(...THERMAL, '--out', killed, '--resume', '--json');
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.json.resumed).toBe(true);
    expect(resumed.json.steps).toBeLessThan(resumed.json.totalSteps);

    const whole = join(work, 'whole.gsd');
    const full = await runInProcess(simulateJob, { ...THERMAL_JOB, out: whole }) as SimulateResult;
    expect(full.steps).toBe(full.totalSteps);
    expect(sameFrames(whole, killed)).toBe(40);
    expect(sameFrames(join(work, 'whole.is.gsd'), join(work, 'killed.is.gsd'))).toBe(40);
    expect(JSON.parse(readFileSync(`${killed}.json`, 'utf8')).status).toBe('complete');
  });

  it('--json summaries carry the wall time and atom-steps per second', () => {
    const out = join(work, 'small.gsd');
    const r = avw('simulate', 'thermal', '--n', '100', '--T', '0.3', '--equil', '500', '--B', '200', '--ncfg', '6', '--blocks', '2', '--out', out, '--json');
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ kind: 'thermal', n: 100, frames: 14, steps: 500 + 200 + 32, resumed: false });
    expect(r.json.wallSeconds).toBeGreaterThan(0);
    expect(r.json.atomStepsPerSecond).toBeGreaterThan(0); // its figure is measured in npm run bench -- sim
    expect(r.json.final.temperature).toBeCloseTo(0.3, 10);

    const nve = avw('simulate', 'nve', '--from', out, '--frame', '-1', '--steps', '400', '--every', '100', '--out', join(work, 'nve.gsd'), '--json');
    expect(nve.status).toBe(0);
    expect(nve.json).toMatchObject({ kind: 'nve', n: 100, frames: 5, steps: 400 });

    const m = avw('minimize', out, '--out', join(work, 'small.is.gsd'), '--json');
    expect(m.status).toBe(0);
    expect(m.json).toMatchObject({ frames: 14, n: 100, method: 'cg', unconverged: 0 });
    expect(m.json.maxForce).toBeLessThan(1e-10);
    expect(m.json.wallSeconds).toBeGreaterThan(0);
    expect(m.json.atomStepsPerSecond).toBeGreaterThan(0);

    const a = avw('simulate', 'aqs', '--n', '64', '--seed', '2', '--steps', '120', '--deps', '2e-4', '--out', join(work, 'shear.gsd'), '--json');
    expect(a.status).toBe(0);
    expect(a.json.kind).toBe('aqs');
    expect(a.json.drops).toBeGreaterThan(0);
    expect(a.json.frames).toBe(1 + 120 + a.json.avalancheFrames);
    expect(a.json.wallSeconds).toBeGreaterThan(0);
    expect(a.json.atomStepsPerSecond).toBeGreaterThan(0);
  });

  it('errors are one line', () => {
    const cases: [string[], number, RegExp][] = [
      [['simulate', 'thermal', '--n', '100', '--T', '0.3', '--every', '10', '--frames', '3'], 2, /--out FILE is required/],
      [['simulate', 'thermal', '--n', '100', '--T', '0.3', '--B', '100', '--ncfg', '9', '--out', join(work, 'e.gsd')], 2, /^avw simulate thermal: --B = 100 must exceed 2\^\(N_cfg-1\) = 256/],
      [['simulate', 'thermal', '--n', '100', '--T', '0.3', '--every', '10', '--frames', '3', '--out', join(work, 'none.gsd'), '--resume'], 1, /nothing to resume/],
      [['simulate', 'aqs', '--n', '10', '--steps', '5', '--T', '0.1', '--out', join(work, 'e.gsd')], 2, /--T does not apply to aqs runs/],
    ];
    for (const [args, status, message] of cases) {
      const r = avw(...args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
