// `avw minimize --resume`: a minimization stopped anywhere (cancelled, or killed after or in the middle of writing a
// frame) continues from its checkpoint to the uninterrupted run's file, byte for byte. (The same under SIGKILL, as a
// process: tests/reliability/kill-matrix.test.ts.)
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobCancelledError, runInProcess } from '../../../src/core/jobs/job.js';
import { minimizeJob, type MinimizeJobResult } from '../../../src/core/jobs/minimize-job.js';
import { simulateJob } from '../../../src/core/jobs/simulate-job.js';
import { tmpDir } from '../index/helpers.js';

const dir = tmpDir('avw-minres-');
const indexDir = join(dir, 'index');
const src = join(dir, 'run.gsd');
const whole = join(dir, 'whole.is.gsd');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await runInProcess(simulateJob, {
    kind: 'thermal', out: src, seed: 4, start: { kind: 'random', n: 80 }, T: 0.3, Tp: 0.5, equilSteps: 300, twSteps: 0,
    schedule: { kind: 'linear', every: 60, frames: 7 }, index: false,
  });
  const r = await runInProcess(minimizeJob, { path: src, out: whole, indexDir }) as MinimizeJobResult;
  expect(r).toMatchObject({ frames: 7, resumed: false, unconverged: 0, method: 'cg' });
  expect(existsSync(`${whole}.checkpoint`)).toBe(false);
});

/** Run until `frames` frames are written, then cancel (the job's own context: no throttled progress, so no race). */
async function stopAfter(out: string, frames: number, extra: Record<string, unknown> = {}): Promise<void> {
  const ac = new AbortController();
  const params = minimizeJob.validate({ path: src, out, indexDir, ...extra });
  await expect(Promise.resolve(minimizeJob.run(params, {
    signal: ac.signal, progress: (done) => { if (done >= frames) ac.abort(); },
  }))).rejects.toBeInstanceOf(JobCancelledError);
}

describe('avw minimize --resume', () => {
  it('a cancelled run resumes to the uninterrupted file, byte for byte', async () => {
    const out = join(dir, 'cancelled.is.gsd');
    await stopAfter(out, 3);
    expect(existsSync(`${out}.checkpoint`)).toBe(true);
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8')).status).toBe('cancelled');
    const r = await runInProcess(minimizeJob, { path: src, out, indexDir, resume: true }) as MinimizeJobResult;
    expect(r).toMatchObject({ frames: 7, resumed: true, unconverged: 0 });
    expect(readFileSync(out).equals(readFileSync(whole))).toBe(true);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8')).status).toBe('complete');
  });

  it('frames written after the checkpoint and the bytes of a frame cut half-way are dropped and redone', async () => {
    const out = join(dir, 'late.is.gsd');
    await stopAfter(out, 2);
    const early = join(dir, 'early.checkpoint');
    copyFileSync(`${out}.checkpoint`, early);
    await runInProcess(minimizeJob, { path: src, out, indexDir, resume: true }).catch(() => undefined);
    // The process "died" with an older checkpoint on disk and half a frame at the end of the file.
    copyFileSync(early, `${out}.checkpoint`);
    appendFileSync(out, Buffer.alloc(777, 0x5a));
    await runInProcess(minimizeJob, { path: src, out, indexDir, resume: true });
    expect(readFileSync(out).equals(readFileSync(whole))).toBe(true);
  });

  it('refuses what cannot be resumed, naming the checkpoint', async () => {
    const out = join(dir, 'refused.is.gsd');
    await expect(runInProcess(minimizeJob, { path: src, out, indexDir, resume: true })).rejects.toThrow(`minimize: ${out}.checkpoint does not exist: nothing to resume`);
    await stopAfter(out, 1);
    await expect(runInProcess(minimizeJob, { path: src, out, indexDir })).rejects.toThrow(`minimize: ${out}.checkpoint exists: pass resume (--resume) to continue that run, or delete it to start over`);
    await expect(runInProcess(minimizeJob, { path: src, out, indexDir, resume: true, method: 'fire' })).rejects.toThrow(/the run's parameters differ from the checkpoint's \(method\)/);
    await runInProcess(minimizeJob, { path: src, out, indexDir, resume: true });
    expect(readFileSync(out).equals(readFileSync(whole))).toBe(true);
  });
});
