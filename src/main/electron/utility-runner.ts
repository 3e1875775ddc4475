// Electron's transport for jobs: each job runs in its own utility process (Chromium's process model: a crash or
// an out-of-memory there never takes the window down), speaking the protocol of src/core/jobs/job-host.ts; the
// analysis pool's workers are utility processes too (the protocol of src/core/jobs/pool-host.ts).
import { utilityProcess } from 'electron';
import { fileURLToPath } from 'node:url';
import { JobCancelledError } from '../../core/jobs/job.js';
import type { JobHostMessage } from '../../core/jobs/job-host.js';
import type { PoolChild } from '../../core/jobs/pool.js';
import type { PoolChildMessage } from '../../core/jobs/pool-host.js';
import { superviseJob, type WorkerJobOptions } from '../../core/jobs/worker-runner.js';

/** The utility entries are built beside the main bundle (electron.vite.config.ts). */
const ENTRY = fileURLToPath(new URL('./utility-entry.js', import.meta.url));
const POOL_ENTRY = fileURLToPath(new URL('./pool-utility-entry.js', import.meta.url));

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

/** A worker of the analysis pool in its own utility process (it lives as long as the pool keeps it). */
export function spawnPoolUtilityProcess(options: { indexDir: string }): PoolChild {
  const child = utilityProcess.fork(POOL_ENTRY, ['--index-dir', options.indexDir], { serviceName: 'Avalanche Workbench analysis worker', stdio: 'inherit' });
  return {
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', (m: PoolChildMessage) => l(m)),
    onExit: (l) => child.on('exit', (code: number) => l(code)),
    kill: () => void child.kill(),
  };
}
