// A worker thread of the analysis pool: the pool protocol of pool-host.ts over the thread's parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { PoolHost, type PoolControlMessage } from './pool-host.js';

const port = parentPort!;
const host = new PoolHost(port, workerData as { indexDir: string });
port.on('message', (m: PoolControlMessage) => host.handle(m));
