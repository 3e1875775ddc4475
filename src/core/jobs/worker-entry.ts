// The worker side of runInWorker: look the job up in the registry, run it, stream progress, obey cancel.
import { parentPort, workerData } from 'node:worker_threads';
import { JobCancelledError, throttledProgress, transferablesOf } from './job.js';
import { JOBS } from './registry.js';

const { kind, params } = workerData as { kind: string; params: unknown };
const port = parentPort!;
const controller = new AbortController();
port.on('message', (m: { type: string }) => {
  if (m.type === 'cancel') controller.abort();
});

async function main(): Promise<void> {
  const job = JOBS[kind];
  if (!job) throw new Error(`unknown job kind "${kind}"`);
  const p = job.validate(params);
  const progress = throttledProgress((pr) => port.postMessage({ type: 'progress', progress: pr }));
  const result = await job.run(p, { signal: controller.signal, progress });
  if (controller.signal.aborted) throw new JobCancelledError(kind);
  port.postMessage({ type: 'result', result }, transferablesOf(result));
}

main().catch((e: unknown) => {
  const cancelled = controller.signal.aborted || e instanceof JobCancelledError;
  port.postMessage({
    type: 'error',
    name: cancelled ? 'JobCancelledError' : e instanceof Error ? e.name : 'Error',
    message: e instanceof Error ? e.message : String(e),
  });
});
