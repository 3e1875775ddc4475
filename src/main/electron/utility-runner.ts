// Electron's transport for jobs: each job runs in its own utility process (Chromium's process model: a crash or
// an out-of-memory there never takes the window down), speaking the protocol of src/core/jobs/job-host.ts.
import { utilityProcess } from 'electron';
import { fileURLToPath } from 'node:url';
import { JobCancelledError } from '../../core/jobs/job.js';
import type { JobHostMessage } from '../../core/jobs/job-host.js';
import { superviseJob, type WorkerJobOptions } from '../../core/jobs/worker-runner.js';

/** The utility entry is built beside the main bundle (electron.vite.config.ts). */
const ENTRY = fileURLToPath(new URL('./utility-entry.js', import.meta.url));

export function runInUtilityProcess<R = unknown>(kind: string, params: unknown, options: WorkerJobOptions = {}): Promise<R> {
  if (options.signal?.aborted) return Promise.reject(new JobCancelledError(kind));
  const child = utilityProcess.fork(ENTRY, [], { serviceName: `Avalanche Workbench ${kind} job`, stdio: 'inherit' });
  child.postMessage({ type: 'start', kind, params });
  return superviseJob<R>(kind, {
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', (m: JobHostMessage) => l(m)),
    onExit: (l) => child.on('exit', (code: number) => l(code)),
    onError: (l) => child.on('error', (type: string, location: string) => l(new Error(`${kind}: the job's process failed (${type} at ${location})`))),
    kill: () => void child.kill(),
  }, options);
}
