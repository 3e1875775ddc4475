// The WebAssembly kernels of the pair-force engine (kernels.wat, assembled into kernels-wasm.ts by
// scripts/build-wasm.mjs) and the memory they work in. Pure (no Node, no DOM): the module is compiled once per
// JavaScript realm (thread) from the bytes embedded in kernels-wasm.ts and instantiated over a KernelMemory.
//
// A KernelMemory is one shared WebAssembly memory (a SharedArrayBuffer: worker threads can work in it, and growing it
// leaves every typed-array view made earlier valid) with a bump allocator of 16-byte aligned typed arrays. Memories
// are pooled: creating one costs about a millisecond (address-space reservation), so an engine that is done with its
// memory `release`s it and the next engine of the thread reuses it (inherent structures of thousands of frames).
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** The exports of kernels.wat (pointers are byte addresses in the memory; see the .wat for each kernel). */
export interface KernelExports {
  wcaPairs(pos: number, own: number, nbr: number, par: number, sidx: number, ssh: number, ns: number, g: number, k0: number, k1: number, eps: number, c2: number): void;
  wcaPairsEnergy(pos: number, own: number, nbr: number, par: number, shx: number, shy: number, g: number, k0: number, k1: number, eps: number, c2: number, e0: number): number;
  hertzPairsEnergy(pos: number, own: number, nbr: number, par: number, shx: number, shy: number, g: number, k0: number, k1: number, eps: number, e0: number): number;
  gather(f: number, start: number, tstart: number, tidx: number, g: number, i0: number, i1: number, stride: number): void;
  gatherNve(f: number, start: number, tstart: number, tidx: number, g: number, i0: number, i1: number, stride: number, x: number, v: number, h: number, dt: number, next: number): number;
  gatherIsokinetic(f: number, start: number, tstart: number, tidx: number, g: number, i0: number, i1: number, stride: number, vh: number, h: number, m: number): number;
  transpose(nbr: number, m: number, count: number, tstart: number, tidx: number): void;
  kickDrift(x: number, v: number, f: number, h: number, i0: number, i1: number, stride: number, dt: number): number;
  innerRows(
    pos: number, ds: number, stride: number, i0: number, i1: number, ostart: number, onbr: number, osh: number, orc2: number, opar: number,
    start: number, mid: number, nbr: number, own: number, shx: number, shy: number, par: number, tmp: number, w0: number,
  ): number;
  innerChunk(
    pos: number, ds: number, stride: number, i0: number, i1: number, ostart: number, onbr: number, osh: number, orc2: number, opar: number,
    start: number, mid: number, nbr: number, own: number, shx: number, shy: number, par: number, tmp: number, rows: number, tmpBytes: number,
  ): number;
  compactChunk(
    i0: number, i1: number, rows: number, ostart: number, ends: number, dests: number, start: number, mid: number,
    snbr: number, sown: number, sshx: number, sshy: number, spar: number, nbr: number, own: number, shx: number, shy: number, par: number,
  ): void;
  isokineticDrift(x: number, vh: number, f: number, m: number, i0: number, i1: number, stride: number, c: number, bdt: number, unit: number, dt: number): number;
}

/** The parts of the WebAssembly JS API used here (typed locally: the core's TypeScript libs have no WebAssembly). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule { readonly __wasmModule?: never }
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The kernel exports a KernelTeam can run over shares of a range. */
export type KernelName =
  | 'wcaPairs' | 'wcaPairsEnergy' | 'hertzPairsEnergy' | 'gather' | 'gatherNve' | 'gatherIsokinetic' | 'kickDrift' | 'isokineticDrift'
  | 'innerChunk' | 'compactChunk';
export const KERNEL_NAMES: readonly KernelName[] = [
  'wcaPairs', 'wcaPairsEnergy', 'hertzPairsEnergy', 'gather', 'gatherNve', 'gatherIsokinetic', 'kickDrift', 'isokineticDrift',
  'innerChunk', 'compactChunk',
];

/**
 * Threads that run the kernels over chunks of a range in one shared memory: the engine's parallel path. Made on the
 * Node side (src/core/jobs/kernel-team.ts, worker_threads + Atomics) and injected, so this module stays pure.
 */
export interface KernelTeam {
  /** Threads working, the calling thread included (>= 1). */
  readonly size: number;
  /** The shared memory the threads work in: an engine given this team allocates its arrays in it (one engine at a time). */
  readonly memory: WasmMemory;
  /**
   * Call kernel `name` over a range in chunks: args[lo] and args[lo + 1] hold a range [a, b), cut into chunks of
   * `chunk` (the last one shorter), which the threads take one at a time (whoever is free; the calling thread too).
   * Returns when all are done, with each chunk's return value in chunk order: what a chunk computes and returns does
   * not depend on which thread ran it, nor on the number of threads.
   */
  run(name: KernelName, args: ArrayLike<number>, lo: number, chunk: number): Float64Array;
}

const PAGE = 65536;
/** Largest memory (pages of 64 KiB): the wasm32 limit, 4 GiB. */
const MAX_PAGES = 65536;

let compiled: WasmModule | null = null;

/** The compiled kernels module (compiled on first use, synchronously: it is a few kilobytes). */
function kernelsModule(): WasmModule {
  if (!compiled) {
    compiled = new WA.Module(fromBase64(KERNELS_WASM_BASE64));
  }
  return compiled;
}

/** Bytes of a base64 string (standard alphabet, '=' padding). */
function fromBase64(b64: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const value = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) value[alphabet.charCodeAt(i)] = i;
  let len = b64.length;
  while (len > 0 && b64[len - 1] === '=') len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < len; i++) {
    const v = value[b64.charCodeAt(i)];
    if (v < 0) throw new Error(`kernels: invalid base64 at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const pool: WasmMemory[] = [];
/** The allocation top of memories handed in from outside (a team's): every KernelMemory over one memory shares it. */
const tops = new WeakMap<WasmMemory, number>();
const POOL_SIZE = 4;

export class KernelMemory {
  readonly memory: WasmMemory;
  readonly kernels: KernelExports;
  /** Next free byte. */
  private top = 16;
  /** Whether the memory was handed in (its allocation top is shared: see `tops`). */
  private readonly shared: boolean;

  /**
   * A memory of at least `bytes` bytes (it grows on demand), from the pool when one is free, or an existing shared
   * memory (a team's: engines allocate one after the other in it, never over each other; a worker thread only runs
   * kernels in it).
   */
  constructor(bytes: number, memory?: WasmMemory) {
    let mem = memory ?? null;
    if (!mem) {
      const pages = Math.max(1, Math.ceil(bytes / PAGE));
      let best = -1;
      for (let i = 0; i < pool.length; i++) if (best < 0 || pool[i].buffer.byteLength > pool[best].buffer.byteLength) best = i;
      if (best >= 0) {
        mem = pool.splice(best, 1)[0];
        const have = mem.buffer.byteLength / PAGE;
        if (have < pages) mem.grow(pages - have);
      } else {
        mem = new WA.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
      }
    }
    this.memory = mem;
    this.shared = memory !== undefined;
    this.kernels = new WA.Instance(kernelsModule(), { env: { memory: mem } }).exports as unknown as KernelExports;
  }

  /** Reserve `bytes` (16-byte aligned; the memory grows when needed; earlier views stay valid). */
  private alloc(bytes: number): number {
    const at = this.shared ? (tops.get(this.memory) ?? 16) : this.top;
    const end = at + ((bytes + 15) & ~15);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (end > MAX_PAGES * PAGE) throw new RangeError(`kernel memory: ${end} bytes exceed the 4 GiB of a WebAssembly memory`);
      this.memory.grow(Math.ceil((end - have) / PAGE));
    }
    this.top = end;
    if (this.shared) tops.set(this.memory, end);
    return at;
  }

  /** A zeroed Float64Array of `count` elements in this memory (its byteOffset is its address). */
  f64(count: number): Float64Array {
    const at = this.alloc(8 * count);
    const a = new Float64Array(this.memory.buffer, at, count);
    a.fill(0);
    return a;
  }

  /** A zeroed Int32Array of `count` elements in this memory. */
  i32(count: number): Int32Array {
    const at = this.alloc(4 * count);
    const a = new Int32Array(this.memory.buffer, at, count);
    a.fill(0);
    return a;
  }

  /** Give the memory back to the pool (the arrays allocated in it must no longer be used). */
  release(): void {
    if (pool.length < POOL_SIZE && !pool.includes(this.memory)) pool.push(this.memory);
  }
}
