// Shared pieces of the benchmarks: a seeded PRNG, robust statistics, and the machine line every report prints.
import { cpus, freemem, release, totalmem } from 'node:os';
import { mulberry32 } from '../../src/core/util/random.js';

/** The seeded PRNG of the benchmarks (mulberry32). */
export const rng = mulberry32;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

/** Median wall time of `fn` over `repeats` runs after `warmup` unmeasured runs, in ms. */
export function timeMedian(fn: () => unknown, repeats = 7, warmup = 0): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'}, ${c.length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM (${(freemem() / 1024 ** 3).toFixed(0)} free), Linux ${release()}, Node ${process.version}`;
}

/**
 * The value of `--name value` or `--name=value` on the command line of a benchmark script, if any. Through
 * `npm run bench -- SUITE` only the `--name=value` form arrives (scripts/bench.mjs takes bare words for suite names).
 */
export function benchArg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0) return process.argv[i + 1];
  const joined = process.argv.find((a) => a.startsWith(`${name}=`));
  return joined === undefined ? undefined : joined.slice(name.length + 1);
}
