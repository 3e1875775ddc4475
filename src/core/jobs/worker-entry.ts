// The worker-thread side of runInWorker: the job protocol of job-host.ts over the thread's parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { serveJob, type JobControlMessage } from './job-host.js';

const { kind, params } = workerData as { kind: string; params: unknown };
const port = parentPort!;
const controller = new AbortController();
port.on('message', (m: JobControlMessage) => {
  if (m.type === 'cancel') controller.abort();
});
void serveJob(port, kind, params, controller.signal);
