// The web host of the soak test (tests/reliability/soak.test.ts): `npm run web`'s server (startWebHost, the built
// renderer in out/renderer, 127.0.0.1, a token) in a process of its own, so that its heap, RSS, threads and file
// descriptors are its own and not the test runner's. It prints its address on stdout and answers "stats" on its IPC
// channel after two full garbage collections (run it with --expose-gc).
// Usage: node --expose-gc --import tsx tests/reliability/soak-host.ts STATIC_DIR INDEX_DIR
import { readdirSync, readlinkSync } from 'node:fs';
import { startWebHost } from '../../src/main/web/server.js';
import { ROOT } from './util.js';

export interface HostStats {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** Open file descriptors, all and by kind (socket, pipe, anon_inode, file). */
  fds: number;
  sockets: number;
  pipes: number;
  files: number;
  anon: number;
  /** Threads of the process (the main thread, libuv's and V8's helpers, and one per worker thread). */
  threads: number;
  poolWorkers: number;
  poolBusy: number;
  poolQueued: number;
  /** Event listeners of the service (one per connected WebSocket). */
  listeners: number;
  openTrajectories: number;
}

const [staticDir, indexDir] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) {
  console.error('soak-host: run with --expose-gc and an IPC channel');
  process.exit(2);
}

const host = await startWebHost({ port: 0, staticDir, indexDir, appRoot: ROOT });
if (process.env.AVW_SOAK_PLANT_LEAK === 'host') {
  // To show that the soak sees a leak: keep every field the API answers (1 KB of values and its object).
  const kept: unknown[] = [];
  const getField = host.service.getField.bind(host.service);
  host.service.getField = async (params) => {
    const result = await getField(params);
    kept.push(result);
    return result;
  };
}

function fdKinds(): { fds: number; sockets: number; pipes: number; files: number; anon: number } {
  const out = { fds: 0, sockets: 0, pipes: 0, files: 0, anon: 0 };
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the descriptor readdir itself used, closed already
    }
    out.fds++;
    if (target.startsWith('socket:')) out.sockets++;
    else if (target.startsWith('pipe:')) out.pipes++;
    else if (target.startsWith('anon_inode:')) out.anon++;
    else out.files++;
  }
  return out;
}

function stats(): HostStats {
  gc!();
  gc!();
  const m = process.memoryUsage();
  const d = host.service.diagnostics();
  return {
    heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss,
    ...fdKinds(), threads: readdirSync('/proc/self/task').length,
    poolWorkers: d.pool.workers, poolBusy: d.pool.busy, poolQueued: d.pool.queued, listeners: d.listeners, openTrajectories: d.open,
  };
}

process.on('message', (m: unknown) => {
  if (m === 'stats') process.send!({ stats: stats() });
  else if (m === 'close') {
    void host.close().then(() => {
      process.send!({ closed: true }, () => process.exit(0));
    });
  }
});
process.stdout.write(`Avalanche Workbench at ${host.url}\n`);
