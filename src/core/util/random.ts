// mulberry32: a small seeded PRNG, uniform in [0, 1), for synthetic data (tests, benchmarks, planted jumps).
// The simulator has its own generator (src/core/sim/rng.ts: xoshiro128** with Gaussian draws and a saveable state).
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller on mulberry32; the uniform is shifted off 0 so the log stays finite). */
export function gaussian(seed: number): () => number {
  const u = mulberry32(seed);
  const open = (): number => u() + 0.5 / 4294967296;
  return () => Math.sqrt(-2 * Math.log(open())) * Math.cos(2 * Math.PI * open());
}
