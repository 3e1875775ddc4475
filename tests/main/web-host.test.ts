// The web host: requests and pushed events ('job', 'indexProgress') over one binary-framed WebSocket, to every
// connected client; malformed requests answered with an error; the token and the Origin checked.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startWebHost, type WebHost } from '../../src/main/web/server.js';
import { decodeMessage, encodeMessage } from '../../src/shared/wire.js';
import type { ApiEvent, ApiMethod, ApiParams, ApiResult, JobSnapshot } from '../../src/shared/api.js';
import { SMALL_2D, tmpDir, writeGlassDump } from './helpers.js';

const root = tmpDir('avw-web-');
let host: WebHost;

beforeAll(async () => {
  host = await startWebHost({
    port: 0, staticDir: join(root, 'static'), indexDir: join(root, 'index'), appRoot: join(root, 'app'),
    // Simulations run the diagnostic 'count' job: the events are what is tested here.
    service: { simulationJob: (_req, out) => ({ kind: 'count', params: { n: 30, stepMs: 20 }, label: `count -> ${out}` }) },
  });
});
afterAll(async () => {
  await host.close();
  rmSync(root, { recursive: true, force: true });
});

interface Client {
  ws: WebSocket;
  events: ApiEvent[];
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>;
  raw(message: unknown, id?: unknown): Promise<{ id: unknown; result?: unknown; error?: string }>;
}

async function connect(origin = `http://127.0.0.1:${host.port}`, token = host.token): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${token}`, { headers: { Origin: origin } });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  const events: ApiEvent[] = [];
  const pending = new Map<unknown, (m: { id: unknown; result?: unknown; error?: string }) => void>();
  ws.on('message', (data: Buffer, isBinary) => {
    expect(isBinary).toBe(true);
    const m = decodeMessage(new Uint8Array(data)) as { id?: unknown; event?: string; data?: unknown; result?: unknown; error?: string };
    if (typeof m.event === 'string') events.push(m as ApiEvent);
    else pending.get(m.id)?.(m as { id: unknown });
  });
  let nextId = 1;
  const raw = (message: unknown, id: unknown = (message as { id?: unknown }).id): Promise<{ id: unknown; result?: unknown; error?: string }> =>
    new Promise((ok) => {
      pending.set(id, ok);
      ws.send(typeof message === 'string' ? message : encodeMessage(message));
    });
  return {
    ws,
    events,
    raw,
    async call(method, params) {
      const id = nextId++;
      const reply = await raw({ id, method, params });
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.result as never;
    },
  };
}

async function waitFor<T>(fn: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const jobEvents = (c: Client, id?: number): JobSnapshot[] =>
  c.events.filter((e): e is { event: 'job'; data: JobSnapshot } => e.event === 'job' && (id === undefined || e.data.id === id)).map((e) => e.data);

describe('web host', () => {
  it('pushes indexProgress and job events while a trajectory is indexed, to every client', async () => {
    const a = await connect();
    const b = await connect(`http://localhost:${host.port}`);
    try {
      const path = join(root, 'glass.lammpstrj');
      writeGlassDump(path, { side: 40, frames: 30 });
      const info = await a.call('openTrajectory', { path });
      expect(info).toMatchObject({ path, frames: 30, particles: 1600, dimensions: 2 });
      for (const c of [a, b]) {
        // Another socket may deliver its events a moment after this one's reply.
        await waitFor(() => jobEvents(c).find((j) => j.kind === 'index' && j.state === 'done'), 'the index job event');
        const progress = c.events.filter((e): e is Extract<ApiEvent, { event: 'indexProgress' }> => e.event === 'indexProgress').map((e) => e.data);
        expect(progress.length).toBeGreaterThan(0);
        expect(progress.every((p) => p.path === path && p.done <= p.total)).toBe(true);
        expect(progress.at(-1)).toMatchObject({ frames: 30 });
        const jobs = jobEvents(c).filter((j) => j.kind === 'index');
        expect(jobs[0]).toMatchObject({ state: 'running', label: `Indexing ${path}` });
        expect(jobs.at(-1)).toMatchObject({ state: 'done', error: null });
      }
      // Frames cross the socket as typed arrays.
      const frame = await b.call('getFrame', { trajectoryId: info.id, frame: 29 });
      expect(frame.positions).toBeInstanceOf(Float64Array);
      expect(frame.ids).toBeInstanceOf(Int32Array);
      expect(frame.positions.length).toBe(4800);
    } finally {
      a.ws.close();
      b.ws.close();
    }
  });

  it('pushes job events for a simulation, progress throttled, until it is done', async () => {
    const a = await connect();
    const b = await connect();
    try {
      const job = await a.call('startSimulation', { kind: 'thermal', params: { n: 100 } });
      expect(job.state).toBe('running');
      const done = await waitFor(() => jobEvents(b, job.id).find((j) => j.state === 'done'), 'the job to finish');
      expect(done).toMatchObject({ done: 30, total: 30, error: null });
      expect(done.outputPath).toMatch(/simulations\/thermal-.*\.gsd$/);
      const running = jobEvents(a, job.id).filter((j) => j.state === 'running');
      expect(running.length).toBeGreaterThan(1);
      expect(running.length).toBeLessThan(12); // ~600 ms of work at about 10 updates a second
      expect((await b.call('listJobs', {})).jobs.find((j) => j.id === job.id)).toMatchObject({ state: 'done' });

      const long = await a.call('startSimulation', { kind: 'aqs', params: { n: 64 }, out: join(root, 'cancel-me.gsd') });
      const cancelled = await b.call('cancelJob', { jobId: long.id });
      // The count job of this host is short: it is cancelled, or it had already finished.
      expect(['cancelled', 'done']).toContain(cancelled.state);
      await waitFor(() => jobEvents(a, long.id).find((j) => j.state === cancelled.state), 'the cancel event');
    } finally {
      a.ws.close();
      b.ws.close();
    }
  });

  it('answers malformed requests with an error naming the problem, and keeps serving', async () => {
    const c = await connect();
    try {
      expect((await c.raw({ id: 1, method: 'getFrame', params: { trajectoryId: -1, frame: 0 } })).error).toBe('getFrame: "trajectoryId" must be a non-negative integer (0 to 2147483647)');
      expect((await c.raw({ id: 2, method: 'dropTables', params: {} })).error).toBe('unknown method "dropTables"');
      expect((await c.raw({ id: 3, method: 'addTag', params: { trajectoryId: 1, frame: 0, kind: 'avalanche', source: 'detector' } })).error)
        .toBe('addTag: unexpected parameter "source"');
      expect((await c.raw({ id: 'x', method: 'version', params: {} })).error).toBe('request id must be a number');
      expect((await c.raw(JSON.stringify({ id: 4, method: 'version' }), null)).error).toBe('requests must be binary-framed messages');
      expect((await c.call('version', {})).host).toBe('web');
      const info = await c.call('openTrajectory', { path: copy('web-small.lammpstrj') });
      expect(info.frames).toBe(3);
    } finally {
      c.ws.close();
    }
  });

  it('refuses a WebSocket without the token or from another origin', async () => {
    await expect(connect(`http://127.0.0.1:${host.port}`, 'wrong-token')).rejects.toThrow(/403/);
    await expect(connect('http://evil.example')).rejects.toThrow(/403/);
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    expect(host.server.address()).toMatchObject({ address: '127.0.0.1' });
  });
});

function copy(name: string): string {
  const p = join(root, name);
  copyFileSync(SMALL_2D, p);
  return p;
}
