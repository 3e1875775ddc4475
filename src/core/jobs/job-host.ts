// The child side of a job, whatever carries it (a worker thread for the CLI and the web host, an Electron utility
// process for the desktop app): look the job up in the registry, run it, stream throttled progress, obey cancel,
// and answer with one result or error message. Both hosts speak this protocol through a minimal port.
import { JobCancelledError, throttledProgress, transferablesOf, type JobProgress } from './job.js';
import { loadJob } from './job-loaders.js';

export type JobHostMessage =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string; name: string };

export type JobControlMessage = { type: 'start'; kind: string; params: unknown } | { type: 'cancel' };

export interface JobPort {
  postMessage(message: JobHostMessage, transfer?: ArrayBuffer[]): void;
}

/** Run one job and report over `port`; `cancelled` is aborted when the parent asks to cancel. */
export async function serveJob(port: JobPort, kind: string, params: unknown, cancelled: AbortSignal): Promise<void> {
  try {
    const job = await loadJob(kind);
    if (!job) throw new Error(`unknown job kind "${kind}"`);
    const p = job.validate(params);
    const progress = throttledProgress((pr) => port.postMessage({ type: 'progress', progress: pr }));
    const result = await job.run(p, { signal: cancelled, progress });
    if (cancelled.aborted) throw new JobCancelledError(kind);
    port.postMessage({ type: 'result', result }, transferablesOf(result));
  } catch (e) {
    const wasCancelled = cancelled.aborted || e instanceof JobCancelledError;
    port.postMessage({
      type: 'error',
      name: wasCancelled ? 'JobCancelledError' : e instanceof Error ? e.name : 'Error',
      message: e instanceof Error ? e.message : String(e),
    });
  }
}
