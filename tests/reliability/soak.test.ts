// Soak: the workbench in Debian's Chromium (playwright-core) against the web host of `npm run web` (its own process,
// 127.0.0.1, the token), 10 000 frame changes with the keyboard (Right / Left across the demo and back, the Field box
// switched every 250 changes, the panes' render awaited every 10th change) and, between them, 1 000 field requests
// over the API's WebSocket (every kind of field the demo can give, random frames, references and parameters). After a
// warm-up (the first 1 000 changes and 100 requests: every code path and field kind has run, the renderer's caches are
// full, the pool's workers are up) the host and the renderer are sampled every 1 000 changes, each after a full
// garbage collection: the host's heap and RSS, its threads, pool workers, event listeners and file descriptors by kind
// (files, sockets, pipes), the page's JS heap, DOM nodes and event listeners. A leak shows as a slope: the test fits a
// line to each series over the operations and bounds it (see BOUNDS), and bounds the handles and workers exactly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from '#shared/wire.js';
import type { ApiMethod, ApiParams, ApiResult } from '#shared/api.js';
import { mulberry32 } from '../../src/core/util/random.js';
import type { HostStats } from './soak-host.js';
import { report, ROOT, tmpDir } from './util.js';

const STATIC_DIR = join(ROOT, 'out/renderer');
const BUILT = existsSync(join(STATIC_DIR, 'index.html'));
const CHROMIUM = process.env.AVW_CHROMIUM ?? '/usr/bin/chromium';
/** Under CI a missing build or browser is a failure, not a skip (`npm test` builds before it runs vitest). */
const RUN = (BUILT && existsSync(CHROMIUM)) || process.env.CI === 'true';

const FRAME_CHANGES = Number(process.env.AVW_SOAK_FRAMES ?? 10_000);
const FIELD_REQUESTS = Number(process.env.AVW_SOAK_FIELDS ?? 1_000);
const SAMPLE_EVERY = FRAME_CHANGES / 10;
const WARMUP = SAMPLE_EVERY;
/** Fields the Field box cycles through (every 250 changes). */
const SHOWN = ['displacement', 'd2min', 'mobility', 'e_norm', 'none'] as const;

/**
 * Growth allowed per 1 000 frame changes (with their 100 field requests), fitted over the samples after the warm-up.
 * A leak of what one change moves would show far above these: a frame of the demo is 256 particles (positions and
 * images, about 3 KB on the wire, more as the renderer's FrameData), a field 1 KB, so one of them kept per change is
 * 1-3 MB per 1 000 on either side, mostly in ArrayBuffers (the host's `external`, the page's backing stores), and a
 * field result kept per request is 100 KB per 1 000 and more. The host's collected heap varies by tens of KB between
 * samples, so its bounds sit at 256 KB. The page's heap also holds the code V8 keeps optimising and Chromium's own
 * bounded buffers (performance timeline entries, text shaping): a heap-snapshot diff between 600 and 6 000 changes
 * (AVW_SOAK_SNAPSHOTS=DIR writes them) found 1.2 MB more, of which 0.9 MB code and blink buffers and no object of the
 * workbench's own, levelling off after about 7 000 changes; a fitted slope of 90-170 KB per 1 000 came of that, hence
 * 512 KB there. RSS is what the allocator keeps and SQLite's page cache grows with the index (1 000 new fields): its
 * bound is looser still. Planted leaks (AVW_SOAK_PLANT_LEAK=host keeps every field the API answers, =page keeps 1 KB
 * per frame change) fail the test: host external 854 KB per 1 000, page buffers 1 009 KB per 1 000 (3 000 changes).
 */
const BOUNDS = {
  hostHeapPer1000: 256 * 1024,
  hostExternalPer1000: 256 * 1024,
  hostRssPer1000: 4 * 1024 * 1024,
  pageHeapPer1000: 512 * 1024,
  pageBuffersPer1000: 256 * 1024,
  domNodesPer1000: 20,
};

interface Sample {
  ops: number;
  fieldRequests: number;
  seconds: number;
  host: HostStats;
  pageHeap: number;
  pageBuffers: number;
  domNodes: number;
  jsListeners: number;
  cache: { frames: number; fields: number; bytes: number };
}

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** What the page functions below use of the browser (they run there; the tests' tsconfig has no DOM types). */
interface PageGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  };
  dispatchEvent(event: unknown): boolean;
  addEventListener(type: string, listener: () => void): void;
  KeyboardEvent: new (type: string, init: { key: string; bubbles: boolean; cancelable: boolean }) => unknown;
  __avwPanes: { stats(): { frames: number; fields: number; bytes: number } };
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** The host process: starts, prints its address, answers "stats" on IPC. */
class HostProcess {
  child!: ChildProcess;
  url = '';
  private waiting: ((m: unknown) => void)[] = [];

  async start(indexDir: string): Promise<void> {
    this.child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'soak-host.ts'), STATIC_DIR, indexDir], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    this.child.on('message', (m) => this.waiting.shift()?.(m));
    this.url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('the web host did not start in 60 s')), 60_000);
      let text = '';
      this.child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /Avalanche Workbench at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      this.child.once('exit', (code) => fail(new Error(`the web host exited with ${code}`)));
    });
  }

  private ask(message: string): Promise<unknown> {
    return new Promise((ok) => {
      this.waiting.push(ok);
      this.child.send(message);
    });
  }

  async stats(): Promise<HostStats> {
    return ((await this.ask('stats')) as { stats: HostStats }).stats;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    this.child.send('close');
    await exited;
    clearTimeout(t);
  }
}

/** The API over the host's WebSocket, as the renderer speaks it (binary frames, {id, method, params}). */
class ApiClient {
  private ws!: WebSocket;
  private next = 1;
  private readonly pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();

  async connect(url: string): Promise<void> {
    const u = new URL(url);
    this.ws = new WebSocket(`ws://${u.host}/api?token=${u.searchParams.get('token')}`, { headers: { Origin: `http://${u.host}` } });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data: Buffer) => {
      const m = decodeMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) as { id?: number; result?: unknown; error?: string };
      if (typeof m.id !== 'number') return; // an event
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.fail(new Error(m.error));
      else p?.ok(m.result);
    });
    await new Promise<void>((ok, fail) => {
      this.ws.once('open', () => ok());
      this.ws.once('error', fail);
    });
  }

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { ok: ok as (v: unknown) => void, fail });
      this.ws.send(encodeMessage({ id, method, params }));
    });
  }

  close(): void {
    this.ws?.close();
  }
}

/** The k-th of the 1 000 field requests: every field kind the demo can give, random frames, references and parameters. */
function fieldRequest(k: number, r: () => number, trajectoryId: number, frames: number): ApiParams<'getField'> {
  const frame = 1 + Math.floor(r() * (frames - 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const kinds: (() => ApiParams<'getField'>)[] = [
    () => ({ trajectoryId, frame, name: 'displacement', ref: Math.floor(r() * frame) }),
    () => ({ trajectoryId, frame, name: 'd2min', params: { cutoff: pick([1.6, 2.0, 2.4]) } }),
    () => ({ trajectoryId, frame, name: pick(['na', 'e_norm', 'eps_vol', 'det_h', 'k', 'eps_xy'] as const), ref: Math.max(0, frame - 1 - Math.floor(r() * 3)) }),
    () => ({ trajectoryId, frame, name: 'mobility' }),
    () => ({ trajectoryId, frame, name: 'softness', params: { delta: pick([0.02, 0.05]) } }),
    () => ({ trajectoryId, frame, name: 'is_displacement' }),
    () => ({ trajectoryId, frame, name: 'rearranger', params: { rd: pick([1.5, 2.0]) } }),
    () => ({ trajectoryId, frame, name: 'd2min_sum', params: { cutoff: pick([1.8, 2.2]) } }),
  ];
  // Every kind in the warm-up's first requests, then at random.
  return (k < kinds.length ? kinds[k] : pick(kinds))();
}

const root = tmpDir('avw-soak-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!RUN)('soak: the workbench in a browser and the API, against the web host', () => {
  it(`${FRAME_CHANGES} frame changes and ${FIELD_REQUESTS} field requests: heap and RSS flat, no leaked workers, file handles or sockets`, async () => {
    expect(BUILT, 'the renderer is not built (out/renderer/index.html): run `npm run build` first').toBe(true);
    const started = performance.now();
    const host = new HostProcess();
    const api = new ApiClient();
    let browser: Browser | undefined;
    const samples: Sample[] = [];
    const pageErrors: string[] = [];
    try {
      await host.start(join(root, 'index'));
      const before = await host.stats();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      });
      const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
      const page: Page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const cdp: CDPSession = await context.newCDPSession(page);
      await cdp.send('Performance.enable');

      await page.goto(host.url);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.ready === 'true', null, { timeout: 60_000 });
      await page.getByRole('button', { name: 'Open demo' }).click();
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=timeline-summary]')?.getAttribute('data-detected') === 'true', null, { timeout: 180_000 });
      const frames = Number(await page.getByRole('slider', { name: 'Frame' }).getAttribute('max')) + 1;
      expect(frames).toBeGreaterThan(100);
      await api.connect(host.url);
      const { id: trajectoryId } = await api.call('openDemo', {});

      const rendered = (f: number): Promise<unknown> =>
        page.waitForFunction((want) => (globalThis as unknown as PageGlobals).document.body.dataset.renderedFrame === String(want), f, { timeout: 60_000, polling: 'raf' });
      const sample = async (ops: number, fieldRequests: number): Promise<Sample> => {
        // Quiet first: the panes drawn, nothing in flight, the pool idle.
        let h = await host.stats();
        for (let k = 0; k < 100 && (h.poolBusy > 0 || h.poolQueued > 0); k++) {
          await new Promise((r) => setTimeout(r, 50));
          h = await host.stats();
        }
        await cdp.send('HeapProfiler.collectGarbage');
        await cdp.send('HeapProfiler.collectGarbage');
        // The JS heap and the backing stores of its ArrayBuffers (the frames' and fields' typed arrays live there).
        const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
        expect(heap.backingStorageSize, 'Runtime.getHeapUsage reports backingStorageSize (Chromium 123 or later)').toBeTypeOf('number');
        const metrics = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
        const metric = (name: string): number => metrics.metrics.find((m) => m.name === name)?.value ?? NaN;
        const cache = await page.evaluate(() => (globalThis as unknown as PageGlobals).__avwPanes.stats());
        return { ops, fieldRequests, seconds: (performance.now() - started) / 1000, host: h, pageHeap: heap.usedSize, pageBuffers: heap.backingStorageSize ?? 0, domNodes: metric('Nodes'), jsListeners: metric('JSEventListeners'), cache };
      };

      if (process.env.AVW_SOAK_PLANT_LEAK === 'page') {
        // To show that the soak sees a leak: 1 KB kept per frame change.
        await page.evaluate(() => {
          const kept: Float64Array[] = [];
          (globalThis as unknown as PageGlobals).addEventListener('keydown', () => void kept.push(new Float64Array(128)));
        });
      }
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      const fieldBox = page.getByRole('combobox', { name: 'Field', exact: true });
      const r = mulberry32(10_000);
      let frame = 0, dir = 1, requests = 0, fieldErrors = 0;
      const spent = { keys: 0, renders: 0, fields: 0, switches: 0, samples: 0 };
      const timed = async <T>(what: keyof typeof spent, p: Promise<T>): Promise<T> => {
        const t0 = performance.now();
        try {
          return await p;
        } finally {
          spent[what] += performance.now() - t0;
        }
      };
      for (let op = 1; op <= FRAME_CHANGES; op++) {
        if (op % 10 === 1) {
          // Nine changes dispatched in the page as the keydown events of Right / Left, one per task (a held key's
          // pace, without a DevTools round trip for each), then the tenth as a real key press through Chromium's input
          // pipeline, whose render is awaited.
          const keys: string[] = [];
          for (let k = 0; k < 9 && op + k <= FRAME_CHANGES; k++) {
            if (frame + dir < 0 || frame + dir >= frames) dir = -dir;
            frame += dir;
            keys.push(dir > 0 ? 'ArrowRight' : 'ArrowLeft');
          }
          await timed('keys', page.evaluate(async (ks) => {
            const w = globalThis as unknown as PageGlobals;
            for (const k of ks) {
              w.dispatchEvent(new w.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
              await new Promise((r) => setTimeout(r, 0));
            }
          }, keys));
          op += keys.length - 1;
          continue;
        }
        if (frame + dir < 0 || frame + dir >= frames) dir = -dir;
        frame += dir;
        await timed('keys', page.keyboard.press(dir > 0 ? 'ArrowRight' : 'ArrowLeft'));
        if (op % 10 === 0) {
          await timed('renders', rendered(frame));
          // One field request per 10 changes, over the API, answered before the next change.
          if (requests < FIELD_REQUESTS) {
            try {
              const res = await timed('fields', api.call('getField', fieldRequest(requests, r, trajectoryId, frames)));
              expect(res.values.length).toBeGreaterThan(0);
            } catch (e) {
              fieldErrors++;
              throw e;
            }
            requests++;
          }
        }
        if (op % 250 === 0) {
          await timed('switches', (async () => {
            await fieldBox.selectOption(SHOWN[(op / 250) % SHOWN.length]);
            await page.locator('body').click({ position: { x: 5, y: 5 } });
            await rendered(frame);
          })());
        }
        if (op >= WARMUP && op % SAMPLE_EVERY === 0) {
          await rendered(frame);
          const s = await timed('samples', sample(op, requests));
          if (process.env.AVW_SOAK_SNAPSHOTS && (op === WARMUP || op === FRAME_CHANGES)) {
            // For a leak hunt: the page's heap after the warm-up and at the end (compare them in Chromium's DevTools).
            const chunks: string[] = [];
            const onChunk = (e: { chunk: string }): void => void chunks.push(e.chunk);
            cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
            await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
            cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
            writeFileSync(join(process.env.AVW_SOAK_SNAPSHOTS, `page-${op}.heapsnapshot`), chunks.join(''));
          }
          samples.push(s);
          console.log(`[soak] ${op} changes, ${requests} field requests, ${s.seconds.toFixed(0)} s: host heap ${mb(s.host.heapUsed)} MB, RSS ${mb(s.host.rss)} MB, ` +
            `fds ${s.host.fds} (sockets ${s.host.sockets}, files ${s.host.files}, pipes ${s.host.pipes}), threads ${s.host.threads}, pool ${s.host.poolWorkers}; ` +
            `page heap ${mb(s.pageHeap)} MB, buffers ${mb(s.pageBuffers)} MB, DOM nodes ${s.domNodes}, listeners ${s.jsListeners}, cache ${s.cache.frames} frames ${s.cache.fields} fields`);
        }
      }
      console.log(`[soak] seconds spent: ${Object.entries(spent).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
      expect(requests).toBe(FIELD_REQUESTS);
      expect(fieldErrors).toBe(0);
      expect(await page.evaluate(() => Number((globalThis as unknown as PageGlobals).document.body.dataset.renderedFrame))).toBe(frame);
      expect(pageErrors).toEqual([]);

      // Growth after the warm-up, as fitted slopes per 1 000 frame changes.
      const x = samples.map((s) => s.ops / 1000);
      const first = samples[0], last = samples[samples.length - 1];
      const fit = {
        hostHeap: slope(x, samples.map((s) => s.host.heapUsed)),
        hostExternal: slope(x, samples.map((s) => s.host.external)),
        hostRss: slope(x, samples.map((s) => s.host.rss)),
        pageHeap: slope(x, samples.map((s) => s.pageHeap)),
        pageBuffers: slope(x, samples.map((s) => s.pageBuffers)),
        domNodes: slope(x, samples.map((s) => s.domNodes)),
      };
      api.close();
      await browser.close();
      browser = undefined;
      // Both clients gone: the host is back to what it held before any connected (less the trajectory it keeps open
      // and the pool it started).
      let after = await host.stats();
      for (let k = 0; k < 40 && after.listeners > 0; k++) {
        await new Promise((res) => setTimeout(res, 50));
        after = await host.stats();
      }
      const minutes = (performance.now() - started) / 60_000;
      report('soak', {
        'frame changes': FRAME_CHANGES,
        'field requests': requests,
        minutes: minutes.toFixed(1),
        'host heap MB (after warm-up → end)': `${mb(first.host.heapUsed)} → ${mb(last.host.heapUsed)}`,
        'host heap slope KB/1000': (fit.hostHeap / 1024).toFixed(1),
        'host external MB': `${mb(first.host.external)} → ${mb(last.host.external)}`,
        'host external slope KB/1000': (fit.hostExternal / 1024).toFixed(1),
        'host RSS MB': `${mb(first.host.rss)} → ${mb(last.host.rss)}`,
        'host RSS slope KB/1000': (fit.hostRss / 1024).toFixed(1),
        'page heap MB': `${mb(first.pageHeap)} → ${mb(last.pageHeap)}`,
        'page heap slope KB/1000': (fit.pageHeap / 1024).toFixed(1),
        'page buffers MB': `${mb(first.pageBuffers)} → ${mb(last.pageBuffers)}`,
        'page buffers slope KB/1000': (fit.pageBuffers / 1024).toFixed(1),
        'DOM nodes': `${first.domNodes} → ${last.domNodes}`,
        'page JS listeners': `${first.jsListeners} → ${last.jsListeners}`,
        'host fds (start / after warm-up / end / clients gone)': `${before.fds} / ${first.host.fds} / ${last.host.fds} / ${after.fds}`,
        'host sockets': `${before.sockets} / ${first.host.sockets} / ${last.host.sockets} / ${after.sockets}`,
        'host threads': `${before.threads} / ${first.host.threads} / ${last.host.threads} / ${after.threads}`,
        'pool workers': `${first.host.poolWorkers} → ${last.host.poolWorkers}`,
      }, started);

      expect(fit.hostHeap, 'host heap slope per 1000 changes').toBeLessThan(BOUNDS.hostHeapPer1000);
      expect(fit.hostExternal, 'host external (buffers) slope per 1000 changes').toBeLessThan(BOUNDS.hostExternalPer1000);
      expect(fit.hostRss, 'host RSS slope per 1000 changes').toBeLessThan(BOUNDS.hostRssPer1000);
      expect(fit.pageHeap, 'page heap slope per 1000 changes').toBeLessThan(BOUNDS.pageHeapPer1000);
      expect(fit.pageBuffers, 'page array buffers slope per 1000 changes').toBeLessThan(BOUNDS.pageBuffersPer1000);
      expect(fit.domNodes, 'DOM node slope per 1000 changes').toBeLessThan(BOUNDS.domNodesPer1000);
      expect(last.jsListeners, 'page event listeners').toBeLessThanOrEqual(first.jsListeners + 20);
      for (const s of samples) {
        // No leaked handles: files, sockets and pipes as after the warm-up, threads and pool workers too.
        expect(s.host.files, `open files at ${s.ops}`).toBeLessThanOrEqual(first.host.files);
        expect(s.host.sockets, `sockets at ${s.ops}`).toBeLessThanOrEqual(first.host.sockets);
        expect(s.host.pipes, `pipes at ${s.ops}`).toBeLessThanOrEqual(first.host.pipes);
        expect(s.host.threads, `threads at ${s.ops}`).toBeLessThanOrEqual(first.host.threads);
        expect(s.host.poolWorkers, `pool workers at ${s.ops}`).toBe(first.host.poolWorkers);
        expect(s.host.listeners, `service listeners at ${s.ops}`).toBe(2);
        expect(s.host.openTrajectories).toBe(1);
      }
      // The two clients gone: their sockets and listeners are released.
      expect(after.listeners).toBe(0);
      expect(after.sockets).toBeLessThanOrEqual(before.sockets);
      expect(after.threads).toBeLessThanOrEqual(last.host.threads);
    } finally {
      api.close();
      await browser?.close();
      await host.stop();
    }
  }, 15 * 60_000);
});
