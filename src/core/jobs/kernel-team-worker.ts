// One worker of a kernel team (kernel-team.ts): instantiates the kernels over the team's shared memory, then takes
// chunks of each command until told to exit. It never returns to its event loop while the team lives.
import { parentPort, workerData } from 'node:worker_threads';
import { KernelMemory, type KernelExports, type WasmMemory } from '../sim/wasm/kernels.js';
import { CTL, SPIN, workChunks } from './kernel-team.js';

const { memory, control } = workerData as { memory: WasmMemory; control: SharedArrayBuffer };
const kernels: KernelExports = new KernelMemory(0, memory).kernels;
const ctl = new Int32Array(control);
const f64 = new Float64Array(control);
parentPort!.postMessage('ready');

let seen = 0;
const args: number[] = [];
for (;;) {
  let seq: number;
  let spins = 0;
  while ((seq = Atomics.load(ctl, CTL.SEQ)) === seen) {
    if (++spins > SPIN) {
      Atomics.wait(ctl, CTL.SEQ, seen, 50);
      spins = 0;
    }
  }
  seen = seq;
  const h = CTL.HEADER + 8 * (seq & 1), at = CTL.ARGS + CTL.MAX_ARGS * (seq & 1);
  if (ctl[h + CTL.CMD] === CTL.EXIT) break;
  const nargs = ctl[h + CTL.NARGS];
  args.length = nargs;
  for (let i = 0; i < nargs; i++) args[i] = f64[at + i];
  workChunks(ctl, f64, kernels, seq, args);
}
process.exit(0);
