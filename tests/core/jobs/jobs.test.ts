import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { JobCancelledError, runInProcess, type JobProgress } from '../../../src/core/jobs/job.js';
import { runInWorker } from '../../../src/core/jobs/worker-runner.js';
import { JOBS } from '../../../src/core/jobs/registry.js';
import { JOB_LOADERS, loadJob } from '../../../src/core/jobs/job-loaders.js';

const indexDir = mkdtempSync(join(tmpdir(), 'avw-jobs-'));
afterAll(() => rmSync(indexDir, { recursive: true, force: true }));

describe('jobs', () => {
  it('run in a worker thread with throttled progress', async () => {
    const progress: JobProgress[] = [];
    const r = await runInWorker<{ counted: number }>('count', { n: 30, stepMs: 10 }, { onProgress: (p) => progress.push(p) });
    expect(r.counted).toBe(30);
    // About 300 ms of work at 10 updates a second: a handful of updates, the last one complete.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThan(12);
    expect(progress.at(-1)).toMatchObject({ done: 30, total: 30 });
  });

  it('cancel stops a worker job', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    await expect(runInWorker('count', { n: 1000, stepMs: 10 }, { signal: controller.signal })).rejects.toBeInstanceOf(JobCancelledError);
  });

  it('invalid parameters are refused with a clear message', async () => {
    await expect(runInWorker('count', { n: -1 })).rejects.toThrow(/"n" must be an integer/);
    await expect(runInWorker('nope', {})).rejects.toThrow(/unknown job kind "nope"/);
  });

  it('indexes a trajectory in a worker', async () => {
    const file = join(import.meta.dirname, '../../fixtures/e2e/small-2d.lammpstrj');
    const r = await runInWorker<{ frames: number; particles: number }>('index', { path: file, indexDir });
    expect(r.frames).toBe(3);
    expect(r.particles).toBe(9);
  });

  it('job hosts load each job on demand: the same kinds and definitions as the registry', async () => {
    expect(Object.keys(JOB_LOADERS).sort()).toEqual(Object.keys(JOBS).sort());
    for (const kind of Object.keys(JOBS)) expect(await loadJob(kind)).toBe(JOBS[kind]);
    expect(await loadJob('toString')).toBeUndefined();
  });

  it('the same job runs in-process', async () => {
    const r = await runInProcess(JOBS.count as never, { n: 5, stepMs: 0 });
    expect(r).toEqual({ counted: 5 });
  });
});
