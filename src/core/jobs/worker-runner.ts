// The parent side of a job: start it in a child (a worker thread here; an Electron utility process in
// src/main/electron/utility-runner.ts), relay progress, cancel (ask, then kill after a grace period), and settle
// once with the result or the error. superviseJob is the protocol; runInWorker is its worker-thread transport.
import { JobCancelledError, type JobProgress } from './job.js';
import type { JobControlMessage, JobHostMessage } from './job-host.js';
import { startWorker } from './worker-start.js';

export interface WorkerJobOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** After a cancel, how long the job may take to notice before the child is killed. */
  cancelGraceMs?: number;
}

/** What the protocol needs of a child, whatever it is. */
export interface JobChild {
  send(message: JobControlMessage): void;
  onMessage(listener: (m: JobHostMessage) => void): void;
  onExit(listener: (code: number | null) => void): void;
  onError(listener: (e: Error) => void): void;
  kill(): void;
}

/** Relay one job's messages from a started child until it settles. */
export function superviseJob<R>(kind: string, child: JobChild, options: WorkerJobOptions = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    let killTimer: ReturnType<typeof setTimeout> | null = null;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      child.send({ type: 'cancel' });
      killTimer = setTimeout(() => {
        child.kill();
        finish(() => reject(new JobCancelledError(kind)));
      }, options.cancelGraceMs ?? 2000);
    };
    if (options.signal?.aborted) {
      child.kill();
      finish(() => reject(new JobCancelledError(kind)));
      return;
    }
    options.signal?.addEventListener('abort', onAbort);
    child.onMessage((m) => {
      if (m.type === 'progress') options.onProgress?.(m.progress);
      else if (m.type === 'result') finish(() => resolve(m.result as R));
      else {
        const err = m.name === 'JobCancelledError' ? new JobCancelledError(kind) : new Error(m.message);
        finish(() => reject(err));
      }
      if (m.type !== 'progress') child.kill();
    });
    child.onError((e) => finish(() => reject(e)));
    child.onExit((code) => finish(() => reject(options.signal?.aborted ? new JobCancelledError(kind) : new Error(`${kind}: the job's process stopped (exit code ${code})`))));
  });
}

/** Run a registered job in a worker thread (the CLI and the web host); typed arrays of the result are transferred. */
export function runInWorker<R = unknown>(kind: string, params: unknown, options: WorkerJobOptions = {}): Promise<R> {
  if (options.signal?.aborted) return Promise.reject(new JobCancelledError(kind));
  const worker = startWorker('worker-entry', { kind, params });
  return superviseJob<R>(kind, {
    send: (m) => worker.postMessage(m),
    onMessage: (l) => worker.on('message', l),
    onExit: (l) => worker.on('exit', l),
    onError: (l) => worker.on('error', l),
    kill: () => void worker.terminate(),
  }, options);
}
