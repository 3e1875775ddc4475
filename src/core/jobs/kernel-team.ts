// Worker threads for the simulation engine's kernels (src/core/sim/wasm/kernels.ts KernelTeam): the Node side of the
// engine's parallel path, injected into MdSimulation (MdOptions.team) so the engine itself stays pure.
//
// The team owns one shared WebAssembly memory; every thread (the caller and size - 1 workers) instantiates the kernels
// over it. A command (a kernel, its arguments, the range to cut into chunks) goes through a small control block in a
// SharedArrayBuffer: the caller writes it and bumps a sequence number (Atomics); then every thread, the caller too,
// takes chunks one at a time from a shared ticket (compare-and-swap on one word that holds the command's sequence
// number and the next chunk, so a late thread can never take a chunk of the next command) and stores each chunk's
// result in the chunk's slot. The command's header and arguments alternate between two slots (by the parity of the
// sequence number), so a thread still reading command s never sees command s + 1's being written; command s + 2
// can only be written once s + 1 is finished, and by then the ticket no longer matches s. Whoever is free works, so a thread the OS has put aside (a loaded machine) delays a
// command by at most the one chunk it holds. Waiting spins on Atomics.load for a while (an MD step issues a command
// every few microseconds), then sleeps in Atomics.wait, so an idle team costs no CPU.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KERNEL_NAMES, KernelMemory, type KernelExports, type KernelName, type KernelTeam, type WasmMemory } from '../sim/wasm/kernels.js';

/** Control block layout: Int32 indices, and Float64 indices for the arguments and the chunk results. */
export const CTL = {
  SEQ: 0,
  /** (seq & 0xfffff) << 12 | next chunk */
  TICKET: 1,
  /** chunks finished */
  DONE: 2,
  /** header of slot k at HEADER + 8 k: */
  HEADER: 8, CMD: 0, LO: 1, CHUNK: 2, NARGS: 3, NCHUNKS: 4,
  /** f64 index of slot k's arguments: ARGS + MAX_ARGS k; of the chunk results */
  ARGS: 16, MAX_ARGS: 24, RESULTS: 64,
  BYTES: 1 << 16,
  EXIT: -1,
} as const;

/** The most chunks of one command (12 bits of the ticket). */
export const MAX_CHUNKS = 4095;

/** How long a waiting thread spins before it sleeps (iterations of an atomic load: tens of microseconds). */
export const SPIN = 20000;

/** Take and run the chunks of command `seq` until none is left (the calling thread and the workers alike). */
export function workChunks(ctl: Int32Array, f64: Float64Array, kernels: KernelExports, seq: number, args: number[]): void {
  const tag = (seq & 0xfffff) << 12;
  const h = CTL.HEADER + 8 * (seq & 1);
  const n = ctl[h + CTL.NCHUNKS], lo = ctl[h + CTL.LO], chunk = ctl[h + CTL.CHUNK];
  const fn = kernels[KERNEL_NAMES[ctl[h + CTL.CMD]]] as (...x: number[]) => number | undefined;
  const a = args[lo], b = args[lo + 1];
  for (;;) {
    // (A thread put aside for a whole 2^20 commands must not take a chunk of a later command with the same tag.)
    if (Atomics.load(ctl, CTL.SEQ) !== seq) return;
    const cur = Atomics.load(ctl, CTL.TICKET);
    if ((cur & ~0xfff) !== tag || (cur & 0xfff) >= n) return;
    if (Atomics.compareExchange(ctl, CTL.TICKET, cur, cur + 1) !== cur) continue;
    const c = cur & 0xfff;
    args[lo] = a + c * chunk;
    args[lo + 1] = Math.min(b, a + (c + 1) * chunk);
    f64[CTL.RESULTS + c] = fn(...args) ?? 0;
    Atomics.add(ctl, CTL.DONE, 1);
    Atomics.notify(ctl, CTL.DONE);
  }
}

export interface KernelTeamOptions {
  /** Initial size of the shared memory in bytes (it grows on demand). */
  bytes?: number;
}

/** The default number of threads for a simulation of n particles: the machine's cores, 1 for tiny runs. */
export function defaultThreads(n: number): number {
  return n < 1000 ? 1 : Math.max(1, availableParallelism());
}

class WorkerTeam implements KernelTeam {
  readonly size: number;
  readonly memory: WasmMemory;
  private readonly workers: Worker[];
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly kernels: KernelExports;
  private readonly args: number[] = [];
  private seq = 0;
  private closed = false;

  constructor(memory: WasmMemory, control: SharedArrayBuffer, workers: Worker[]) {
    this.memory = memory;
    this.workers = workers;
    this.size = workers.length + 1;
    this.ctl = new Int32Array(control);
    this.f64 = new Float64Array(control);
    this.kernels = new KernelMemory(0, memory).kernels;
  }

  run(name: KernelName, args: ArrayLike<number>, lo: number, chunk: number): Float64Array {
    if (this.closed) throw new Error('kernel team: closed');
    const ctl = this.ctl, f64 = this.f64;
    if (args.length > CTL.MAX_ARGS) throw new RangeError(`kernel team: ${args.length} arguments`);
    const n = Math.max(0, Math.ceil((args[lo + 1] - args[lo]) / chunk));
    if (n > MAX_CHUNKS) throw new RangeError(`kernel team: ${n} chunks (at most ${MAX_CHUNKS})`);
    const seq = ++this.seq;
    const h = CTL.HEADER + 8 * (seq & 1), at = CTL.ARGS + CTL.MAX_ARGS * (seq & 1);
    ctl[h + CTL.CMD] = KERNEL_NAMES.indexOf(name);
    ctl[h + CTL.LO] = lo;
    ctl[h + CTL.CHUNK] = chunk;
    ctl[h + CTL.NARGS] = args.length;
    ctl[h + CTL.NCHUNKS] = n;
    for (let i = 0; i < args.length; i++) f64[at + i] = args[i];
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.TICKET, (seq & 0xfffff) << 12);
    Atomics.store(ctl, CTL.SEQ, seq);
    Atomics.notify(ctl, CTL.SEQ);
    const a = this.args;
    a.length = args.length;
    for (let i = 0; i < args.length; i++) a[i] = args[i];
    workChunks(ctl, f64, this.kernels, seq, a);
    let spins = 0;
    while (Atomics.load(ctl, CTL.DONE) < n) {
      if (++spins > SPIN) {
        Atomics.wait(ctl, CTL.DONE, Atomics.load(ctl, CTL.DONE), 1);
        spins = 0;
      }
    }
    return f64.slice(CTL.RESULTS, CTL.RESULTS + n);
  }

  /** Stop the workers (the memory stays valid for the arrays made in it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const seq = ++this.seq;
    this.ctl[CTL.HEADER + 8 * (seq & 1) + CTL.CMD] = CTL.EXIT;
    Atomics.store(this.ctl, CTL.SEQ, seq);
    Atomics.notify(this.ctl, CTL.SEQ);
    // The workers were unref'd (an idle team must not keep a process alive): ref them until they have exited, or the
    // event loop could empty (and the process end) while this awaits them.
    await Promise.all(this.workers.map((w) => new Promise<void>((res) => {
      w.ref();
      w.once('exit', () => res());
      setTimeout(() => void w.terminate(), 1000).unref();
    })));
  }
}

export type ClosableKernelTeam = KernelTeam & { close(): Promise<void> };

/** A team of `threads` threads (this one and threads - 1 workers) over a new shared memory; close() it when done. */
export async function createKernelTeam(threads: number, options: KernelTeamOptions = {}): Promise<ClosableKernelTeam> {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) throw new RangeError(`threads must be an integer from 1 to 256 (got ${threads})`);
  const bytes = options.bytes ?? 1 << 20;
  const memory = new KernelMemory(bytes).memory;
  const control = new SharedArrayBuffer(CTL.BYTES);
  const workers: Worker[] = [];
  try {
    for (let t = 1; t < threads; t++) workers.push(startWorker({ memory, control }));
    await Promise.all(workers.map((w) => new Promise<void>((res, rej) => {
      w.once('message', (m: unknown) => (m === 'ready' ? res() : rej(new Error(`kernel team: unexpected message ${String(m)}`))));
      w.once('error', rej);
      w.once('exit', (code) => rej(new Error(`kernel team: a worker stopped (exit code ${code})`)));
    })));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  for (const w of workers) {
    w.removeAllListeners('message');
    w.removeAllListeners('error');
    w.removeAllListeners('exit');
    w.unref();
  }
  return new WorkerTeam(memory, control, workers);
}

function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    // dist/ (tsc): beside this file; a bundle (electron-vite): beside the entry, one folder above the chunks.
    const beside = new URL('./kernel-team-worker.js', here);
    const up = new URL('../kernel-team-worker.js', here);
    return new Worker(existsSync(fileURLToPath(beside)) || !existsSync(fileURLToPath(up)) ? beside : up, { workerData });
  }
  // From the TypeScript sources (tests, tsx): register tsx's loader inside the thread, then load the entry.
  const entry = new URL('./kernel-team-worker.ts', here).href;
  const boot = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(entry)}); })()`;
  return new Worker(boot, { eval: true, workerData });
}
