// An Electron utility process of the analysis pool: the pool protocol of src/core/jobs/pool-host.ts over the parent port.
import { PoolHost, type PoolControlMessage } from '../../core/jobs/pool-host.js';

const parent = process.parentPort;
const indexDir = process.argv[process.argv.indexOf('--index-dir') + 1];
// Structured clone copies typed arrays here (utility ports transfer only MessagePorts).
const host = new PoolHost({ postMessage: (m) => parent.postMessage(m) }, { indexDir });
parent.on('message', (e: { data: PoolControlMessage }) => host.handle(e.data));
