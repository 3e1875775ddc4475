// The analysis pool's scheduling, with in-process children that answer when told: what is on screen first, then
// compute-ahead, then background; long tasks never take every worker; identical requests joined (and lifted);
// background groups dropped; a cancelled running task replaces its worker; a dead worker fails its task. Then one
// real worker thread computing a field.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisPool, PRIORITY, type PoolChild } from '../../../src/core/jobs/pool.js';
import type { PoolChildMessage, PoolControlMessage, PoolFieldResult, PoolTaskParams } from '../../../src/core/jobs/pool-host.js';
import { tmpDir, writeGlassDump } from '../../main/helpers.js';

/** Children that record their tasks and answer when the test says so. */
function fakeChildren() {
  const children: { sent: PoolControlMessage[]; answer(result?: unknown): void; fail(message: string): void; exit(): void; killed: boolean }[] = [];
  const spawn = (): PoolChild => {
    let onMessage: (m: PoolChildMessage) => void = () => undefined;
    let onExit: (code: number | null) => void = () => undefined;
    const c = {
      sent: [] as PoolControlMessage[],
      killed: false,
      current(): number {
        const tasks = c.sent.filter((m): m is Extract<PoolControlMessage, { type: 'task' }> => m.type === 'task');
        return tasks[tasks.length - 1].id;
      },
      answer(result: unknown = { ok: true }): void {
        onMessage({ type: 'result', id: c.current(), result });
      },
      fail(message: string): void {
        onMessage({ type: 'error', id: c.current(), name: 'Error', message });
      },
      exit(): void {
        onExit(1);
      },
    };
    children.push(c);
    return {
      send: (m) => c.sent.push(m),
      onMessage: (l) => { onMessage = l; },
      onExit: (l) => { onExit = l; },
      kill: () => { c.killed = true; },
    };
  };
  return { children, spawn };
}

const field = (frame: number): PoolTaskParams => ({ kind: 'field', path: '/t', request: { name: 'd2min', frame } });
const taskFrames = (sent: PoolControlMessage[]): number[] =>
  sent.flatMap((m) => (m.type === 'task' && m.task.kind === 'field' ? [m.task.request.frame] : []));
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('AnalysisPool scheduling', () => {
  it('runs what is on screen before compute-ahead before background work', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 1, spawn });
    const done: number[] = [];
    const run = (f: number, priority: number): Promise<unknown> => pool.run(field(f), { priority, key: `f${f}` }).then(() => { done.push(f); });
    const all = [run(10, PRIORITY.background), run(11, PRIORITY.background), run(2, PRIORITY.ahead), run(1, PRIORITY.visible)];
    // The first task went out at once; the rest wait in priority order.
    for (let k = 0; k < 4; k++) {
      children[0].answer();
      await tick();
    }
    await Promise.all(all);
    expect(taskFrames(children[0].sent)).toEqual([10, 1, 2, 11]);
    expect(done).toEqual([10, 1, 2, 11]);
    pool.close();
  });

  it('joins identical requests, lifting the priority of the queued one', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 1, spawn });
    const busy = pool.run(field(0), { key: 'f0' });
    const bg = pool.run(field(5), { priority: PRIORITY.background, key: 'f5', group: 'sweep' });
    const other = pool.run(field(6), { priority: PRIORITY.ahead, key: 'f6' });
    const visible = pool.run(field(5), { priority: PRIORITY.visible, key: 'f5' });
    // The sweep is replaced: its queued tasks are dropped, except the one someone on screen now waits for.
    expect(pool.cancelGroup('sweep')).toBe(0);
    for (let k = 0; k < 3; k++) {
      children[0].answer({ frame: k });
      await tick();
    }
    await Promise.all([busy, bg, other, visible]);
    expect(taskFrames(children[0].sent)).toEqual([0, 5, 6]);
    expect(await visible).toBe(await bg);
    pool.close();
  });

  it('drops the queued tasks of a cancelled background group', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 1, spawn });
    const first = pool.run(field(0), { priority: PRIORITY.background, group: 'g' });
    const rest = [1, 2, 3].map((f) => pool.run(field(f), { priority: PRIORITY.background, group: 'g' }));
    expect(pool.cancelGroup('g')).toBe(3);
    for (const r of rest) await expect(r).rejects.toThrow(/cancelled/);
    children[0].answer();
    await expect(first).resolves.toBeDefined();
    expect(pool.stats()).toMatchObject({ queued: 0, busy: 0 });
    pool.close();
  });

  it('never gives every worker to long tasks, so a visible request always finds one', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 2, spawn });
    const series = (n: number): PoolTaskParams => ({ kind: 'series', path: `/t${n}`, request: { name: 'msd' } });
    const long1 = pool.run(series(1), { long: true });
    const long2 = pool.run(series(2), { long: true });
    const visible = pool.run(field(7));
    await tick();
    expect(children).toHaveLength(2);
    const kinds = children.map((c) => c.sent.filter((m) => m.type === 'task').map((m) => (m as { task: PoolTaskParams }).task.kind));
    expect(kinds).toEqual([['series'], ['field']]);
    children[1].answer();
    await visible;
    await tick();
    // The second long task still waits: running it now would leave no worker for the screen.
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    children[0].answer();
    await tick();
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 0 });
    const runner = children.find((c) => c.sent.filter((m) => m.type === 'task').length === 2)!;
    runner.answer();
    await Promise.all([long1, long2]);
    pool.close();
  });

  it('leaves a worker free of background work for what is on screen', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 2, spawn });
    const sweep = [10, 11, 12].map((f) => pool.run(field(f), { priority: PRIORITY.background, group: 'sweep' }));
    await tick();
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 2 });
    const visible = pool.run(field(3));
    await tick();
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 2 });
    const free = children.find((c) => taskFrames(c.sent).includes(3))!;
    expect(taskFrames(free.sent)).toEqual([3]);
    free.answer();
    await visible;
    pool.cancelGroup('sweep');
    children.find((c) => taskFrames(c.sent).includes(10))!.answer();
    await Promise.allSettled(sweep);
    pool.close();
  });

  it('starts no background work while a request for the screen runs, and goes on once it is answered', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 2, spawn });
    const visible = pool.run(field(3));
    await tick();
    const sweep = [10, 11].map((f) => pool.run(field(f), { priority: PRIORITY.background, group: 'sweep' }));
    await tick();
    // A worker is idle, but the sweep waits: the visible request keeps both cores.
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 2 });
    children[0].answer();
    await visible;
    await tick();
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    for (const c of children) if (taskFrames(c.sent).includes(10)) c.answer();
    await tick();
    for (const c of children) if (taskFrames(c.sent).includes(11)) c.answer();
    await Promise.all(sweep);
    pool.close();
  });

  it('replaces a worker whose running task is cancelled, and fails the task of a worker that died', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 1, spawn });
    const controller = new AbortController();
    const running = pool.run(field(1), { signal: controller.signal });
    await tick();
    controller.abort();
    await expect(running).rejects.toThrow(/cancelled/);
    expect(children[0].killed).toBe(true);
    const next = pool.run(field(2));
    await tick();
    expect(children).toHaveLength(2);
    children[1].exit();
    await expect(next).rejects.toThrow('field: the analysis worker stopped (exit code 1)');
    const again = pool.run(field(3));
    await tick();
    children[2].fail('d2min at frame 3: something named');
    await expect(again).rejects.toThrow('d2min at frame 3: something named');
    pool.close();
  });
});

describe('AnalysisPool: answered before stored', () => {
  it('resolves a field at its answer, joins a repeat request to it while storing, and frees the worker once stored', async () => {
    const sent: PoolControlMessage[] = [];
    let onMessage: (m: PoolChildMessage) => void = () => undefined;
    const spawn = (): PoolChild => ({ send: (m) => sent.push(m), onMessage: (l) => { onMessage = l; }, onExit: () => undefined, kill: () => undefined });
    const pool = new AnalysisPool({ indexDir: '/idx', size: 1, spawn });
    const first = pool.run(field(1), { key: 'f1' });
    const other = pool.run(field(2), { key: 'f2' });
    await tick();
    onMessage({ type: 'result', id: 1, result: { answer: 1 }, storing: true });
    expect(await first).toEqual({ answer: 1 });
    // Still storing: the same values join the answer; other work waits for the worker.
    expect(await pool.run(field(1), { key: 'f1' })).toEqual({ answer: 1 });
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    onMessage({ type: 'stored', id: 1 });
    await tick();
    expect(taskFrames(sent)).toEqual([1, 2]);
    onMessage({ type: 'result', id: 2, result: { answer: 2 } });
    expect(await other).toEqual({ answer: 2 });
    pool.close();
  });
});

describe('AnalysisPool.runOnEach', () => {
  it('runs one task on each worker, in the background, and cancels the share of a worker that died', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 2, spawn });
    pool.prestart();
    // Both workers busy with what is on screen: the warm-up waits, each share for its own worker.
    const visible = [pool.run(field(1)), pool.run(field(2))];
    const warm = pool.runOnEach<unknown>({ kind: 'warm', path: '/t' });
    await tick();
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 2 });
    children[1].answer();
    await tick();
    const warmSent = (c: (typeof children)[number]): number => c.sent.filter((m) => m.type === 'task' && m.task.kind === 'warm').length;
    expect(warmSent(children[1])).toBe(0); // background waits while a request for the screen still runs
    children[0].answer();
    await Promise.all(visible);
    await tick();
    // Now both shares run, each on its own worker: a warm-up is not held back by the background lane (a sweep would keep
    // it busy for seconds).
    expect(warmSent(children[0])).toBe(1);
    expect(warmSent(children[1])).toBe(1);
    children[0].answer({ warmed: ['d2min'] });
    await tick();
    children[1].exit();
    await expect(warm).rejects.toThrow('warm: the analysis worker stopped (exit code 1)');
    pool.close();
  });

  it('cancels the queued share of a worker that stops before running it', async () => {
    const { children, spawn } = fakeChildren();
    const pool = new AnalysisPool({ indexDir: '/idx', size: 2, spawn });
    pool.prestart();
    const visible = pool.run(field(1));
    await tick();
    const warm = pool.runOnEach<unknown>({ kind: 'warm', path: '/t' });
    const busy = children.findIndex((c) => taskFrames(c.sent).includes(1));
    children[busy].exit();
    await expect(visible).rejects.toThrow(/stopped/);
    await expect(warm).rejects.toThrow(/cancelled/);
    pool.close();
  });
});

describe('AnalysisPool with a worker thread', () => {
  const root = tmpDir('avw-pool-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('computes fields in a persistent worker that keeps the trajectory open between requests', async () => {
    const glass = join(root, 'glass.lammpstrj');
    writeGlassDump(glass, { side: 10, frames: 4, seed: 2 });
    const pool = new AnalysisPool({ indexDir: join(root, 'index'), size: 1 });
    try {
      const a = await pool.run<PoolFieldResult>({ kind: 'field', path: glass, request: { name: 'displacement', frame: 2 } });
      const b = await pool.run<PoolFieldResult>({ kind: 'field', path: glass, request: { name: 'd2min', frame: 3, params: { cutoff: 1.5 } } });
      expect(a).toMatchObject({ name: 'displacement', frame: 2, ref: 1, components: 2 });
      expect(a.values.length).toBe(200);
      expect(b).toMatchObject({ name: 'd2min', ref: 2, components: 1, used: { cutoff: 1.5 } });
      expect(pool.stats().workers).toBe(1);
      await expect(pool.run({ kind: 'field', path: glass, request: { name: 'mobility', frame: 0 } })).rejects.toThrow(/needs a previous frame/);
      // The warm-up computes the slow-to-compile fields once (not stored), and only once per worker.
      const fresh = join(root, 'fresh.lammpstrj');
      writeGlassDump(fresh, { side: 10, frames: 4, seed: 3 });
      expect(await pool.runOnEach({ kind: 'warm', path: fresh })).toEqual([{ warmed: ['d2min', 'softness'] }]);
      expect(await pool.runOnEach({ kind: 'warm', path: fresh })).toEqual([{ warmed: [] }]);
      const { IndexDb } = await import('../../../src/core/index/index-db.js');
      const db = IndexDb.open({ indexDir: join(root, 'index') });
      try {
        const id = db.trajectoryByPath(fresh)!.id;
        expect(db.listFields(id)).toEqual([]);
      } finally {
        db.close();
      }
    } finally {
      pool.close();
    }
  });
});
