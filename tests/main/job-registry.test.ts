// The service's job registry on its own: snapshots, throttled progress events (with the latest value delivered
// after a burst), outcomes, cancel, and how many finished jobs it keeps.
import { describe, expect, it } from 'vitest';
import { JobRegistry, type JobRunContext } from '../../src/main/service/jobs.js';
import { JobCancelledError } from '../../src/core/jobs/job.js';
import type { JobSnapshot } from '../../src/shared/api.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobRegistry', () => {
  it('throttles progress events and still delivers the latest progress of a burst', async () => {
    const events: JobSnapshot[] = [];
    const reg = new JobRegistry((s) => events.push(s), { progressIntervalMs: 100 });
    let ctx!: JobRunContext;
    let finish!: (v: string) => void;
    const { job, result } = reg.start({
      kind: 'test', label: 'burst', run: (c) => { ctx = c; return new Promise<string>((ok) => { finish = ok; }); },
      outputPath: (r) => `/out/${r}`,
    });
    expect(job).toMatchObject({ id: 1, kind: 'test', label: 'burst', state: 'running', done: 0, total: 0, outputPath: null, error: null });
    expect(Date.parse(job.startedAt)).not.toBeNaN();
    expect(events.length).toBe(1);
    for (let k = 1; k <= 500; k++) ctx.progress({ done: k, total: 1000, message: `step ${k}` });
    expect(events.length).toBe(1); // the burst came within 100 ms of the start event
    await sleep(150);
    expect(events.length).toBe(2);
    expect(events[1]).toMatchObject({ state: 'running', done: 500, total: 1000, message: 'step 500' });
    finish('run.gsd');
    expect(await result).toBe('run.gsd');
    await sleep(0);
    expect(events.at(-1)).toMatchObject({ state: 'done', done: 1000, total: 1000, outputPath: '/out/run.gsd', error: null });
    expect(reg.list()).toEqual([events.at(-1)]);
    // Snapshots are copies.
    events[0].state = 'failed';
    expect(reg.get(1)!.state).toBe('done');
  });

  it('records failures and cancellations; cancel waits for the job to stop', async () => {
    const events: JobSnapshot[] = [];
    const reg = new JobRegistry((s) => events.push(s));
    const failed = reg.start({ kind: 'test', label: 'fails', run: async () => { throw new Error('no disk space left'); } });
    await expect(failed.result).rejects.toThrow('no disk space left');
    expect(reg.get(failed.job.id)).toMatchObject({ state: 'failed', error: 'no disk space left' });

    let stoppedItself = false;
    const slow = reg.start({
      kind: 'test', label: 'slow',
      run: ({ signal }) => new Promise((_ok, fail) => signal.addEventListener('abort', () => setTimeout(() => {
        stoppedItself = true;
        fail(new JobCancelledError('test'));
      }, 50))),
    });
    const snap = await reg.cancel(slow.job.id);
    // cancel() waits until the job has stopped by itself.
    expect(stoppedItself).toBe(true);
    expect(snap).toMatchObject({ state: 'cancelled', error: null });
    await expect(slow.result).rejects.toThrow(/cancelled/);
    expect(events.filter((e) => e.id === slow.job.id).map((e) => e.state)).toEqual(['running', 'cancelled']);
    await expect(reg.cancel(99)).rejects.toThrow('no job 99');
  });

  it('a job that finishes after its cancel was asked for (before it noticed) is cancelled, not done', async () => {
    const events: JobSnapshot[] = [];
    const reg = new JobRegistry((s) => events.push(s));
    const late = reg.start({
      kind: 'test', label: 'late', outputPath: () => '/out/late.gsd',
      run: ({ signal }) => new Promise<string>((ok) => signal.addEventListener('abort', () => setTimeout(() => ok('late.gsd'), 20))),
    });
    expect(await reg.cancel(late.job.id)).toMatchObject({ state: 'cancelled', outputPath: null, error: null });
    expect(await late.result).toBe('late.gsd');
    expect(events.filter((e) => e.id === late.job.id).map((e) => e.state)).toEqual(['running', 'cancelled']);
  });

  it('keeps the running jobs and only the most recent finished ones', async () => {
    const reg = new JobRegistry(() => undefined, { keepFinished: 3 });
    let release!: () => void;
    const running = reg.start({ kind: 'test', label: 'still running', run: () => new Promise<void>((ok) => { release = ok; }) });
    for (let k = 0; k < 6; k++) await reg.start({ kind: 'test', label: `quick ${k}`, run: async () => k }).result;
    await sleep(0);
    expect(reg.list().map((j) => j.label)).toEqual(['still running', 'quick 3', 'quick 4', 'quick 5']);
    release();
    await running.result;
    await sleep(0);
    expect(reg.list().map((j) => j.label)).toEqual(['still running', 'quick 4', 'quick 5']);
  });
});
