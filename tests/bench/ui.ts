// `npm run bench -- ui`: the workbench's interactive latency in Debian's Chromium through Playwright (issue 5).
// For N = 2000 and N = 100 000 (2D glass-like GSD trajectories of 101 frames, generated once into .bench/ui/):
//  - median and p95 time from a key press (Right / Left) to the three panes drawn, over 200 frame changes with
//    the field (displacement from the previous frame) already cached by the backend: "drawn" is when the
//    renderer sets document.body.dataset.renderedFrame (all draw calls issued); "pixels" adds a 1-pixel
//    readPixels on each pane's WebGL canvas, which waits until the GPU (here SwiftShader) has finished;
//    both back to back (the next key as soon as the panes are drawn) and with a key every 100 ms;
//  - the JS heap (after a forced GC) and the resident memory of Chromium's renderer and GPU processes (from
//    /proc) before and after scrubbing 1000 frames, and the renderer's cache size.
//  - where the back-to-back time goes (medians and p95 per phase, from the renderer's avw:* performance marks and
//    the WebSocket traffic seen in the page): waiting for the frame and field, drawing, and the bytes received.
// Targets: p95 < 16 ms at N = 2000 and < 50 ms at N = 100 000; memory growth < 50 MB.
// The cold section first (what every user meets): a fresh index, a file nobody has opened, D2min (previous frame)
// chosen, then Right through every frame: key press -> three panes drawn with D2min on each first visit (targets p95
// <= 50 ms at N = 2000, <= 250 ms at N = 100 000); changing the field at a frame (<= 100 ms at N = 2000); and the time
// until the background sweep has cached D2min for every frame. On our GSD trajectories and, with --lammps=FILE, on a
// LAMMPS-written one (e.g. the papers' glass run by Debian's LAMMPS, traj_log.lammpstrj of the project's LAMMPS bench data: N = 2000, 150 frames on the log schedule).
// Needs `npm run build` first (the web host serves out/renderer). Options: --quick (N = 2000 only, fewer changes),
// --n=100000 (only the sizes listed, comma-separated), --cold-only, --warm-only, --lammps=FILE.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import { createRandomSystem } from '../../src/core/sim/setup.js';
import { machine, median, percentile, rng } from './util.js';

const root = join(import.meta.dirname, '../..');
const dir = join(root, '.bench/ui');
const FRAMES = 101;
const quick = process.argv.includes('--quick');
const CHANGES = quick ? 60 : 200;
const SCRUB = quick ? 200 : 1000;
const chromiumPath = process.env.AVW_CHROMIUM ?? '/usr/bin/chromium';
const coldOnly = process.argv.includes('--cold-only');
const warmOnly = process.argv.includes('--warm-only');
const lammpsArg = process.argv.find((a) => a.startsWith('--lammps='))?.slice('--lammps='.length);
const sizesArg = process.argv.find((a) => a.startsWith('--n='));
const SIZES = sizesArg ? sizesArg.slice(4).split(',').map(Number) : quick ? [2000] : [2000, 100_000];
if (!SIZES.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`bench ui: bad ${sizesArg}: expected --n=N[,N...]`);
  process.exit(2);
}

/** A 2D polydisperse glass-like trajectory: the simulator's random overlap-free packing at rho = 0.9 (a disordered
 *  structure whose g(r) has the shells the strain family's default neighbourhood is found from), thermal steps, and a
 *  few local vortex events. */
function generate(n: number): string {
  const path = join(dir, `glass2d-v2-N${n}-F${FRAMES}.gsd`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  console.log(`generating ${path} (once; cached in .bench/ui) ...`);
  const r = rng(11);
  const gauss = (): number => Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
  const { system } = createRandomSystem({ n, seed: 11 });
  const L = system.box.vectors[0][0];
  const base = new Float64Array(2 * n);
  const shift = new Float64Array(2 * n);
  const pos = new Float64Array(3 * n);
  const img = new Int32Array(3 * n);
  const typeid = new Int32Array(n);
  const diameter = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    base[2 * i] = system.positions[3 * i] - system.box.origin[0] - L / 2;
    base[2 * i + 1] = system.positions[3 * i + 1] - system.box.origin[1] - L / 2;
    diameter[i] = system.diameters[i];
    typeid[i] = system.diameters[i] > 1 ? 1 : 0;
  }
  const tmp = `${path}.part`;
  const w = GsdWriter.create(tmp);
  for (let f = 0; f < FRAMES; f++) {
    if (f > 0 && f % 20 === 0) {
      // A local event: a vortex of radius ~L/8 around a random centre.
      const cx = (r() - 0.5) * L;
      const cy = (r() - 0.5) * L;
      const R2 = (L / 8) ** 2;
      for (let i = 0; i < n; i++) {
        const dx = base[2 * i] - cx;
        const dy = base[2 * i + 1] - cy;
        const amp = 0.8 * Math.exp(-(dx * dx + dy * dy) / R2);
        const d = Math.sqrt(dx * dx + dy * dy) + 1e-9;
        shift[2 * i] += (amp * -dy) / d;
        shift[2 * i + 1] += (amp * dx) / d;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 2; k++) {
        let x = base[2 * i + k] + shift[2 * i + k] + 0.04 * gauss();
        let im = 0;
        while (x >= L / 2) { x -= L; im++; }
        while (x < -L / 2) { x += L; im--; }
        pos[3 * i + k] = x;
        img[3 * i + k] = im;
      }
    }
    w.writeFrame(f === 0
      ? { step: 1000 * f, box: [L, L, 0, 0, 0, 0], dimensions: 2, positions: pos, image: img, typeid, types: ['A', 'B'], diameter }
      : { step: 1000 * f, box: [L, L, 0, 0, 0, 0], dimensions: 2, positions: pos, image: img });
  }
  w.close();
  renameSync(tmp, path);
  return path;
}

async function startHost(indexDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(root, 'dist/main/web/main.js'), '--port', '0', '--no-open', '--index-dir', indexDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('web host did not start in 30 s')), 30_000);
    let text = '';
    proc.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`web host exited with ${code}`)));
  });
  return { proc, url };
}

async function stopHost(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await new Promise((r) => proc.once('exit', r));
  clearTimeout(t);
}

// In-page code runs as functions (the page's CSP forbids evaluating strings); this file is type-checked without
// the DOM library, so the few browser objects used are typed here.
interface Gl { RGBA: number; UNSIGNED_BYTE: number; readPixels(x: number, y: number, w: number, h: number, f: number, t: number, out: Uint8Array): void }
/** One key press, phase by phase (ms from the key press), and the bytes the page received for it. */
interface Breakdown { update: number; frames: number; fields: number; range: number; draw: number; rendered: number; received: number; decode: number; bytes: number }
interface PageWindow {
  __bench: { t0: number; drawn: number[]; pixels: number[]; phases: Breakdown[] };
  __wire: { bytes: number; decode: number; last: number };
  __avwPanes: { stats(): { bytes: number } };
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelectorAll(s: string): Iterable<{ getContext(kind: string): Gl | null }>;
    createElement(tag: string): { getContext(kind: string): { getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null; getParameter(p: number): unknown; RENDERER: number } | null };
  };
  addEventListener(type: string, cb: (e: { timeStamp: number }) => void, options: { capture: boolean }): void;
  MutationObserver: new (cb: () => void) => { observe(target: unknown, options: { attributes: boolean; attributeFilter: string[] }): void };
  WebSocket: { prototype: object };
}

async function renderedFrame(page: Page, f: number, timeout = 600_000): Promise<void> {
  await page.waitForFunction((frame) => (globalThis as unknown as PageWindow).document.body.dataset.renderedFrame === String(frame), f, { timeout, polling: 'raf' });
}

async function heapMB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const h = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return h.usedSize / 1024 ** 2;
}

/** Before the app loads: count every message the client's socket handler sees (bytes, arrival time, the handler's
 * own time, which is decoding), into __wire. */
function wireProbe(): void {
  const w = globalThis as unknown as PageWindow;
  const wire = { bytes: 0, decode: 0, last: -1 };
  w.__wire = wire;
  const proto = w.WebSocket.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'onmessage')!.set!;
  Object.defineProperty(proto, 'onmessage', {
    configurable: true,
    set(this: object, handler: ((ev: { data: ArrayBuffer }) => void) | null) {
      setter.call(this, handler && ((ev: { data: ArrayBuffer }) => {
        const t = performance.now();
        handler(ev);
        wire.bytes += ev.data.byteLength;
        wire.decode += performance.now() - t;
        wire.last = t;
      }));
    },
  });
}

/** In-page instrumentation: key press (capture phase, event time stamp) -> renderedFrame set -> pixels read back,
 * with the phases of the renderer's avw:* marks and the WebSocket traffic meanwhile. */
function instrument(): void {
  const w = globalThis as unknown as PageWindow;
  const b: PageWindow['__bench'] = { t0: -1, drawn: [], pixels: [], phases: [] };
  w.__bench = b;
  const wire = w.__wire;
  w.addEventListener('keydown', (e) => {
    b.t0 = e.timeStamp;
    wire.bytes = 0;
    wire.decode = 0;
    wire.last = -1;
  }, { capture: true });
  const px = new Uint8Array(4);
  new w.MutationObserver(() => {
    if (b.t0 < 0) return;
    b.drawn.push(performance.now() - b.t0);
    for (const c of w.document.querySelectorAll('.pane-canvas canvas')) {
      const gl = c.getContext('webgl2');
      if (gl) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    }
    b.pixels.push(performance.now() - b.t0);
    // (No named inner functions: tsx would wrap them in a helper that the page does not have.)
    const at: Record<string, number> = {};
    for (const name of ['update', 'frames', 'fields', 'range', 'draw', 'rendered']) {
      const m = performance.getEntriesByName(`avw:${name}`, 'mark').filter((e) => e.startTime >= b.t0).pop();
      at[name] = m ? m.startTime - b.t0 : NaN;
    }
    b.phases.push({
      update: at.update, frames: at.frames, fields: at.fields, range: at.range, draw: at.draw, rendered: at.rendered,
      received: wire.last >= b.t0 ? wire.last - b.t0 : NaN, decode: wire.decode, bytes: wire.bytes,
    });
    b.t0 = -1;
  }).observe(w.document.body, { attributes: true, attributeFilter: ['data-rendered-frame'] });
}

/** Resident memory (MB) of the Chromium processes under ours, by type (renderer, gpu-process, ...), from /proc. */
function chromiumMemory(marker: string): Record<string, number> {
  const out: Record<string, number> = {};
  let procs: { pid: number; ppid: number; cmd: string; rss: number }[];
  try {
    procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] ?? 0) / 1024;
        return [{ pid: Number(d), ppid, cmd, rss }];
      } catch {
        return [];
      }
    });
  } catch {
    return out;
  }
  const root = procs.find((p) => p.cmd.includes(marker) && !p.cmd.includes('--type='));
  if (!root) return out;
  const mine = new Set([root.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; }
  }
  for (const p of procs) {
    if (!mine.has(p.pid)) continue;
    const type = /--type=([\w-]+)/.exec(p.cmd)?.[1] ?? 'browser';
    out[type] = (out[type] ?? 0) + p.rss;
  }
  return out;
}

const marker = `--avw-bench-ui=${process.pid}`;

interface Figures {
  n: number; drawn: number[]; pixels: number[]; phases: Breakdown[]; pacedDrawn: number[]; pacedPixels: number[]; heapBefore: number; heapAfter: number;
  rendererBefore: number; rendererAfter: number; gpuBefore: number; gpuAfter: number; cacheMB: number; warmupS: number; openS: number;
}

/** A workbench page on the host at `url` with `file` open and frame 0 drawn; the time it took, in seconds. */
async function openPage(browser: Browser, url: string, file: string, readyTimeout: number): Promise<{ page: Page; openS: number }> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.addInitScript(wireProbe);
  const t0 = performance.now();
  await page.goto(`${url}&file=${encodeURIComponent(file)}`);
  await page.waitForFunction(() => (globalThis as unknown as PageWindow).document.body.dataset.ready === 'true', null, { timeout: readyTimeout });
  await renderedFrame(page, 0);
  return { page, openS: (performance.now() - t0) / 1000 };
}

async function run(browser: Browser, n: number): Promise<Figures> {
  const file = generate(n);
  const indexDir = mkdtempSync(join(tmpdir(), 'avw-bench-ui-'));
  const { proc, url } = await startHost(indexDir);
  try {
    const t0 = performance.now();
    const { page } = await openPage(browser, url, file, 60_000);
    await page.getByRole('combobox', { name: 'Field', exact: true }).selectOption('displacement');
    await page.getByRole('combobox', { name: 'Reference frame', exact: true }).selectOption('previous');
    const openS = (performance.now() - t0) / 1000;
    // Warm-up: visit every frame once, so that the backend has every field cached.
    const t1 = performance.now();
    await page.locator('body').click({ position: { x: 3, y: 3 } });
    for (let f = 1; f < FRAMES; f++) {
      await page.keyboard.press('ArrowRight');
      await renderedFrame(page, f);
    }
    const warmupS = (performance.now() - t1) / 1000;
    const heapBefore = await heapMB(page);
    const memBefore = chromiumMemory(marker);
    await page.evaluate(instrument);
    // Frame changes back and forth across the trajectory (the renderer's cache cannot hold them all at 100 000).
    let f = FRAMES - 1;
    let dir = -1;
    let last = 0;
    const step = async (pace: number): Promise<void> => {
      if (f + dir < 0 || f + dir >= FRAMES) dir = -dir;
      f += dir;
      const wait = last + pace - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      last = performance.now();
      await page.keyboard.press(dir > 0 ? 'ArrowRight' : 'ArrowLeft');
      await renderedFrame(page, f);
      await page.waitForFunction(() => (globalThis as unknown as PageWindow).__bench.t0 < 0, null, { polling: 'raf' });
    };
    const take = (): Promise<{ drawn: number[]; pixels: number[]; phases: Breakdown[] }> => page.evaluate(() => {
      const b = (globalThis as unknown as PageWindow).__bench;
      const r = { drawn: b.drawn.slice(), pixels: b.pixels.slice(), phases: b.phases.slice() };
      b.drawn.length = 0;
      b.pixels.length = 0;
      b.phases.length = 0;
      return r;
    });
    // Back to back: the next key as soon as the panes are drawn (holding the key down, at the renderer's pace).
    for (let k = 0; k < CHANGES; k++) await step(0);
    const timings = await take();
    // Paced: a key every 100 ms (stepping through frames while watching them).
    for (let k = 0; k < CHANGES; k++) await step(100);
    const paced = await take();
    for (let k = 2 * CHANGES; k < SCRUB; k++) await step(0);
    const heapAfter = await heapMB(page);
    const memAfter = chromiumMemory(marker);
    const cache = await page.evaluate(() => (globalThis as unknown as PageWindow).__avwPanes.stats().bytes);
    await page.close();
    return {
      n, drawn: timings.drawn, pixels: timings.pixels, phases: timings.phases, pacedDrawn: paced.drawn, pacedPixels: paced.pixels, heapBefore, heapAfter,
      rendererBefore: memBefore.renderer ?? NaN, rendererAfter: memAfter.renderer ?? NaN, gpuBefore: memBefore['gpu-process'] ?? NaN, gpuAfter: memAfter['gpu-process'] ?? NaN,
      cacheMB: cache / 1024 ** 2, warmupS, openS,
    };
  } finally {
    await stopHost(proc);
    rmSync(indexDir, { recursive: true, force: true });
  }
}


interface ColdFigures {
  label: string; frames: number; openS: number; firstVisits: number[]; fieldChange: { field: string; ms: number }[]; sweepS: number; sweep: string;
}

async function fieldRendered(page: Page, frame: number, field: string, timeout = 600_000): Promise<void> {
  await page.waitForFunction(([f, name]) => {
    const d = (globalThis as unknown as PageWindow).document.body.dataset;
    return d.renderedFrame === String(f) && d.renderedField === name;
  }, [frame, field] as const, { timeout, polling: 'raf' });
}

/**
 * The first experience: a fresh index, the file opened for the first time, D2min (previous frame) chosen at frame 1,
 * then Right through every frame back to back, each a first visit (the background sweep starts with the field and
 * competes with it); then the field changed at the last frame to fields not computed yet.
 */
async function runCold(browser: Browser, file: string, label: string): Promise<ColdFigures> {
  const indexDir = mkdtempSync(join(tmpdir(), 'avw-bench-cold-'));
  const { proc, url } = await startHost(indexDir);
  try {
    const { page, openS } = await openPage(browser, url, file, 600_000);
    await page.locator('body').click({ position: { x: 3, y: 3 } });
    await page.keyboard.press('ArrowRight');
    await renderedFrame(page, 1);
    // A field change is timed in the page, from the select's change event to the panes drawn with the field (as a key
    // press is): Playwright's selectOption adds its own actionability checks, about 80 ms here even for a cached field.
    const change = (name: string, at: number): Promise<number> => page.evaluate(([n, f]) => new Promise<number>((resolve, reject) => {
      // (No named inner functions: tsx would wrap them in a helper that the page does not have.)
      interface Select { value: string; getAttribute(a: string): string | null; dispatchEvent(e: unknown): boolean }
      interface Observer { observe(target: unknown, options: { attributes: boolean }): void; disconnect(): void }
      const w = globalThis as unknown as {
        document: { querySelectorAll(s: string): Iterable<Select>; body: { dataset: Record<string, string | undefined> } };
        Event: new (type: string, init: { bubbles: boolean }) => unknown;
        MutationObserver: new (cb: (records: unknown, observer: Observer) => void) => Observer;
      };
      const select = [...w.document.querySelectorAll('select')].find((x) => x.getAttribute('aria-label') === 'Field');
      if (!select) { reject(new Error('no Field select')); return; }
      const t0 = performance.now();
      new w.MutationObserver((_records, observer) => {
        const d = w.document.body.dataset;
        if (d.renderedField !== n || d.renderedFrame !== String(f)) return;
        observer.disconnect();
        resolve(performance.now() - t0);
      }).observe(w.document.body, { attributes: true });
      select.value = n;
      select.dispatchEvent(new w.Event('change', { bubbles: true }));
    }), [name, at] as const);
    const tSweep = performance.now();
    const d2minMs = await change('d2min', 1);
    await page.evaluate(instrument);
    const last = await lastFrame(page);
    for (let f = 2; f <= last; f++) {
      await page.keyboard.press('ArrowRight');
      await fieldRendered(page, f, 'd2min');
      await page.waitForFunction(() => (globalThis as unknown as PageWindow).__bench.t0 < 0, null, { polling: 'raf' });
    }
    const firstVisits = await page.evaluate(() => (globalThis as unknown as PageWindow).__bench.drawn.slice());
    await page.waitForFunction(() => ((globalThis as unknown as PageWindow).document.body.dataset.sweep ?? '').startsWith('done'), null, { timeout: 600_000, polling: 100 });
    const sweepS = (performance.now() - tSweep) / 1000;
    const sweep = await page.evaluate(() => (globalThis as unknown as PageWindow).document.body.dataset.sweep ?? '');
    const fieldChange = [{ field: 'd2min (at frame 1, nothing cached)', ms: d2minMs }];
    for (const name of ['mobility', 'displacement', 'softness']) fieldChange.push({ field: name, ms: await change(name, last) });
    await page.close();
    return { label, frames: last + 1, openS, firstVisits, fieldChange, sweepS, sweep };
  } finally {
    await stopHost(proc);
    rmSync(indexDir, { recursive: true, force: true });
  }
}

/** The last frame number, from the frame slider's maximum. */
async function lastFrame(page: Page): Promise<number> {
  const max = await page.getByRole('slider', { name: 'Frame' }).getAttribute('max');
  return Number(max);
}

function printCold(r: ColdFigures, n: number): void {
  const target = n <= 2000 ? 50 : 250;
  const p95 = percentile(r.firstVisits, 0.95);
  console.log(`\nCOLD ${r.label}  (fresh index; open + first draw ${r.openS.toFixed(1)} s)`);
  console.log(`  first visit, key -> panes drawn with D2min (${r.firstVisits.length} frames back to back): median ${median(r.firstVisits).toFixed(1)} ms   p95 ${p95.toFixed(1)} ms   max ${Math.max(...r.firstVisits).toFixed(1)} ms   target p95 <= ${target} ms: ${p95 <= target ? 'met' : 'NOT met'}`);
  for (const c of r.fieldChange) {
    const verdict = n <= 2000 ? `   target <= 100 ms: ${c.ms <= 100 ? 'met' : 'NOT met'}` : '';
    console.log(`  field change -> panes drawn: ${c.field.padEnd(36)} ${c.ms.toFixed(1).padStart(7)} ms${verdict}`);
  }
  console.log(`  D2min cached for every frame in the background: ${r.sweepS.toFixed(1)} s after choosing it (${r.frames} frames; sweep ${r.sweep})`);
}

/** Where the back-to-back time goes: each phase's duration (median, p95), and the bytes received per key press. */
function printBreakdown(phases: Breakdown[]): void {
  const phase = (label: string, of: (b: Breakdown) => number): string => {
    const xs = phases.map(of).filter((x) => Number.isFinite(x));
    if (xs.length === 0) return `    ${label.padEnd(44)} (not seen)`;
    return `    ${label.padEnd(44)} median ${median(xs).toFixed(1).padStart(6)} ms   p95 ${percentile(xs, 0.95).toFixed(1).padStart(6)} ms`;
  };
  const received = phases.filter((b) => b.bytes > 0);
  console.log('  back to back, phase by phase:');
  console.log(phase('key -> update starts (input, Vue)', (b) => b.update));
  console.log(phase('update -> frames ready (fetch, decode)', (b) => b.frames - b.update));
  console.log(phase('frames -> fields ready', (b) => b.fields - b.frames));
  console.log(phase('fields -> colour range', (b) => b.range - b.fields));
  console.log(phase('range -> drawn (colours, raster, GL)', (b) => b.draw - b.range));
  console.log(phase('drawn -> renderedFrame set', (b) => b.rendered - b.draw));
  console.log(phase('socket handler (decode) per key press', (b) => b.decode));
  const mb = received.map((b) => b.bytes / 1024 ** 2);
  console.log(`    received over the socket: ${received.length} of ${phases.length} key presses, median ${mb.length ? median(mb).toFixed(2) : '0'} MB, p95 ${mb.length ? percentile(mb, 0.95).toFixed(2) : '0'} MB per press`);
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist/main/web/main.js')) || !existsSync(join(root, 'out/renderer/index.html'))) {
    console.error('bench ui: build first (npm run build): the web host and the renderer bundle are needed');
    process.exit(2);
  }
  let version = 'unknown Chromium';
  try {
    version = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Reported as unknown.
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', marker],
  });
  const gl = await (async () => {
    const p = await browser.newPage();
    const s = await p.evaluate(() => {
      const gl2 = (globalThis as unknown as PageWindow).document.createElement('canvas').getContext('webgl2');
      const ext = gl2 && gl2.getExtension('WEBGL_debug_renderer_info');
      return gl2 ? String(ext ? gl2.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl2.getParameter(gl2.RENDERER)) : 'no WebGL2';
    });
    await p.close();
    return s;
  })();
  console.log(`machine: ${machine()}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`browser: ${version}, headless, --disable-gpu; WebGL: ${gl}`);
  console.log(`UI latency: key press -> three panes drawn; cold: first visits with D2min on a fresh index; warm: ${CHANGES} frame changes (Right/Left) over ${FRAMES} frames, field 'displacement' (previous frame) cached by the backend`);
  try {
    if (!warmOnly) {
      for (const n of SIZES) printCold(await runCold(browser, generate(n), `our GSD, N = ${n}, ${FRAMES} frames`), n);
      if (lammpsArg) printCold(await runCold(browser, lammpsArg, `LAMMPS-written ${lammpsArg}`), 2000);
      else console.log('\n(cold: pass --lammps=FILE to measure a LAMMPS-written trajectory too, e.g. a LAMMPS dump of the glass of the papers on the log schedule)');
    }
    for (const n of coldOnly ? [] : SIZES) {
      const r = await run(browser, n);
      const target = n <= 2000 ? 16 : 50;
      const line = (label: string, xs: number[], withTarget: boolean): string => {
        const p95 = percentile(xs, 0.95);
        const verdict = withTarget ? `   target p95 < ${target} ms: ${p95 < target ? 'met' : 'NOT met'}` : '';
        return `  ${label.padEnd(34)} median ${median(xs).toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   max ${Math.max(...xs).toFixed(1).padStart(6)} ms${verdict}`;
      };
      console.log(`\nN = ${n}  (open + first draw ${r.openS.toFixed(1)} s; warm-up over ${FRAMES} frames, fields computed: ${r.warmupS.toFixed(1)} s; particles drawn on the ${n > 20_000 ? 'CPU (raster)' : 'GPU (mesh)'})`);
      console.log(line('back to back: key -> drawn', r.drawn, true));
      console.log(line('back to back: key -> pixels ready', r.pixels, false));
      console.log(line('a key every 100 ms: key -> drawn', r.pacedDrawn, true));
      console.log(line('a key every 100 ms: key -> pixels', r.pacedPixels, false));
      printBreakdown(r.phases);
      const growth = r.heapAfter - r.heapBefore;
      console.log(`  JS heap after GC: ${r.heapBefore.toFixed(1)} MB before, ${r.heapAfter.toFixed(1)} MB after ${SCRUB} frame changes: growth ${growth.toFixed(1)} MB (target < 50 MB: ${growth < 50 ? 'met' : 'NOT met'})`);
      const rg = r.rendererAfter - r.rendererBefore;
      console.log(`  renderer process RSS: ${r.rendererBefore.toFixed(0)} MB before, ${r.rendererAfter.toFixed(0)} MB after: growth ${rg.toFixed(1)} MB (target < 50 MB: ${rg < 50 ? 'met' : 'NOT met'}); GPU process ${r.gpuBefore.toFixed(0)} -> ${r.gpuAfter.toFixed(0)} MB; frame and field cache ${r.cacheMB.toFixed(1)} MB`);
    }
  } finally {
    await browser.close();
  }
  console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work on the machine inflates the tails)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
