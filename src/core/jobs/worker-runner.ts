// Runs a registered job in a worker thread: progress events (throttled in the worker), cancel, and the
// result's typed arrays transferred, not copied. Used by the CLI and the web host.
import { Worker } from 'node:worker_threads';
import { JobCancelledError, type JobProgress } from './job.js';

export interface WorkerJobOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** After a cancel, how long the job may take to notice before the thread is terminated. */
  cancelGraceMs?: number;
}

type WorkerMessage =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; name: string };

function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker-entry.js', here), { workerData });
  // From the TypeScript sources (tests, tsx): register tsx's loader inside the thread, then load the entry.
  const entry = new URL('./worker-entry.ts', here).href;
  const boot = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(entry)}); })()`;
  return new Worker(boot, { eval: true, workerData });
}

export function runInWorker<R = unknown>(kind: string, params: unknown, options: WorkerJobOptions = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new JobCancelledError(kind));
      return;
    }
    const worker = startWorker({ kind, params });
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
      worker.postMessage({ type: 'cancel' });
      killTimer = setTimeout(() => {
        void worker.terminate();
        finish(() => reject(new JobCancelledError(kind)));
      }, options.cancelGraceMs ?? 2000);
    };
    options.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') options.onProgress?.(m.progress);
      else if (m.type === 'result') finish(() => resolve(m.result as R));
      else if (m.type === 'error') {
        const err = m.name === 'JobCancelledError' ? new JobCancelledError(kind) : new Error(m.message);
        finish(() => reject(err));
      }
      if (m.type !== 'progress') void worker.terminate();
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(options.signal?.aborted ? new JobCancelledError(kind) : new Error(`${kind}: the worker stopped (exit code ${code})`))));
  });
}
