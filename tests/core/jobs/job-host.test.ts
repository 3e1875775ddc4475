// The job protocol shared by the worker-thread and the Electron utility-process transports: a child that runs
// serveJob in-process stands in for a process, so the parent side (superviseJob) is tested without Electron.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { JobCancelledError, type JobProgress } from '../../../src/core/jobs/job.js';
import { serveJob, type JobControlMessage, type JobHostMessage } from '../../../src/core/jobs/job-host.js';
import { superviseJob, type JobChild } from '../../../src/core/jobs/worker-runner.js';

/** A child "process" running the job in this thread, messages delivered asynchronously as over a port. */
function inProcessChild(kind: string, params: unknown): JobChild & { killed: boolean } {
  const events = new EventEmitter();
  const cancel = new AbortController();
  const child = {
    killed: false,
    send: (m: JobControlMessage) => setImmediate(() => { if (m.type === 'cancel') cancel.abort(); }),
    onMessage: (l: (m: JobHostMessage) => void) => events.on('message', l),
    onExit: (l: (code: number | null) => void) => events.on('exit', l),
    onError: (l: (e: Error) => void) => events.on('error', l),
    kill: () => { child.killed = true; },
  };
  setImmediate(() => void serveJob({ postMessage: (m) => setImmediate(() => events.emit('message', structuredClone(m))) }, kind, params, cancel.signal));
  return child;
}

describe('job protocol (superviseJob + serveJob)', () => {
  it('relays progress and settles with the result, then stops the child', async () => {
    const progress: JobProgress[] = [];
    const child = inProcessChild('count', { n: 5, stepMs: 0 });
    const r = await superviseJob<{ counted: number }>('count', child, { onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ counted: 5 });
    expect(progress.at(-1)).toMatchObject({ done: 5, total: 5 });
    expect(child.killed).toBe(true);
  });

  it('reports a bad parameter as the job\'s own error', async () => {
    await expect(superviseJob('count', inProcessChild('count', { n: -1 }))).rejects.toThrow('count: "n" must be an integer from 0 to 1e7');
    await expect(superviseJob('nope', inProcessChild('nope', {}))).rejects.toThrow('unknown job kind "nope"');
  });

  it('cancels: the job notices and the promise rejects with JobCancelledError', async () => {
    const controller = new AbortController();
    const child = inProcessChild('count', { n: 1000, stepMs: 5 });
    const p = superviseJob('count', child, { signal: controller.signal, onProgress: (pr) => { if (pr.done >= 3) controller.abort(); } });
    await expect(p).rejects.toBeInstanceOf(JobCancelledError);
  });

  it('kills a child that ignores the cancel after the grace period', async () => {
    const events = new EventEmitter();
    let killed = false;
    const deaf: JobChild = { send: () => undefined, onMessage: (l) => events.on('message', l), onExit: (l) => events.on('exit', l), onError: (l) => events.on('error', l), kill: () => { killed = true; } };
    const controller = new AbortController();
    const p = superviseJob('count', deaf, { signal: controller.signal, cancelGraceMs: 20 });
    controller.abort();
    await expect(p).rejects.toBeInstanceOf(JobCancelledError);
    expect(killed).toBe(true);
  });

  it('a child that dies says so with its exit code', async () => {
    const events = new EventEmitter();
    const dying: JobChild = { send: () => undefined, onMessage: (l) => events.on('message', l), onExit: (l) => events.on('exit', l), onError: (l) => events.on('error', l), kill: () => undefined };
    const p = superviseJob('simulate', dying);
    events.emit('exit', 137);
    await expect(p).rejects.toThrow("simulate: the job's process stopped (exit code 137)");
  });
});
