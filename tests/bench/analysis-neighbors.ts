// Neighbour-list benchmark (`npx tsx tests/bench/analysis-neighbors.ts`, or `bench()` from a runner): medians
// over repeats, after warm-up, of the cell-list search on 2D frames at number density 0.9 (uniform random
// positions in a periodic square box, the analysis and simulation case):
//  - full lists with separation vectors (analysis): N = 2000 at cutoffs 2.0 and 1.5, N = 100 000 at 2.0;
//  - half lists without vectors at N = 2000, cutoff 2^(1/6) * 1.62 + 0.3 (a WCA range plus a Verlet skin: the
//    simulator's rebuild), through buildNeighborList and through a reused NeighborSearch.buildTransient;
//  - N = 100 000 neighbourhoods at 2.0, full and half, visited without a list (forEachNeighborhood);
//  - the brute force at N = 2000 for reference.
// Aims: N = 2000 full with vectors at cutoff 2.0 well under 1 ms; N = 100 000 under 60 ms.
import { pathToFileURL } from 'node:url';
import { orthoBox, type Box } from '../../src/core/box.js';
import { bruteForceNeighborList, buildNeighborList, NeighborSearch, type NeighborOptions } from '../../src/core/neighbors.js';
import { mulberry32 as rng } from '../../src/core/util/random.js';


function frame(n: number, seed: number): { positions: Float64Array; box: Box } {
  const L = Math.sqrt(n / 0.9);
  const r = rng(seed);
  const positions = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) { positions[3 * i] = r() * L; positions[3 * i + 1] = r() * L; }
  return { positions, box: orthoBox(L, L, 1) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown, warmup: number, repeats: number): number {
  for (let k = 0; k < warmup; k++) fn();
  const ms: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

export function bench(): { label: string; ms: number }[] {
  const out: { label: string; ms: number }[] = [];
  const small = frame(2000, 1), large = frame(100_000, 2);
  const full = (cutoff: number): NeighborOptions => ({ cutoff, dimensions: 2 });
  const skinCutoff = Math.pow(2, 1 / 6) * 1.62 + 0.3;
  const halfNoVec: NeighborOptions = { cutoff: skinCutoff, dimensions: 2, half: true, withVectors: false };
  out.push({ label: 'N=2000 full+vectors rc=2.0 (buildNeighborList)', ms: time(() => buildNeighborList(small.positions, small.box, full(2)), 50, 301) });
  out.push({ label: 'N=2000 full+vectors rc=1.5 (buildNeighborList)', ms: time(() => buildNeighborList(small.positions, small.box, full(1.5)), 50, 301) });
  out.push({ label: `N=2000 half, no vectors, rc=${skinCutoff.toFixed(4)} (buildNeighborList)`, ms: time(() => buildNeighborList(small.positions, small.box, halfNoVec), 50, 301) });
  const search = new NeighborSearch();
  out.push({ label: `N=2000 half, no vectors, rc=${skinCutoff.toFixed(4)} (NeighborSearch.buildTransient)`, ms: time(() => search.buildTransient(small.positions, small.box, halfNoVec), 50, 301) });
  out.push({ label: 'N=2000 full+vectors rc=2.0 (NeighborSearch.buildTransient)', ms: time(() => search.buildTransient(small.positions, small.box, full(2)), 50, 301) });
  out.push({ label: 'N=100000 full+vectors rc=2.0 (buildNeighborList)', ms: time(() => buildNeighborList(large.positions, large.box, full(2)), 3, 15) });
  out.push({ label: 'N=100000 full+vectors rc=1.5 (buildNeighborList)', ms: time(() => buildNeighborList(large.positions, large.box, full(1.5)), 3, 15) });
  let pairs = 0;
  const count = (_i: number, c: number): void => { pairs += c; };
  out.push({ label: 'N=100000 neighbourhoods rc=2.0, full (forEachNeighborhood, no list)', ms: time(() => search.forEachNeighborhood(large.positions, large.box, full(2), count), 3, 15) });
  out.push({ label: 'N=100000 neighbourhoods rc=2.0, half (forEachNeighborhood, no list)', ms: time(() => search.forEachNeighborhood(large.positions, large.box, { ...full(2), half: true }, count), 3, 15) });
  if (!(pairs > 0)) throw new Error('forEachNeighborhood visited no pair');
  out.push({ label: 'N=2000 full+vectors rc=2.0 (brute force, reference)', ms: time(() => bruteForceNeighborList(small.positions, small.box, full(2)), 1, 5) });
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, ms } of bench()) console.log(`${label.padEnd(78)} ${ms.toFixed(3)} ms`);
}
