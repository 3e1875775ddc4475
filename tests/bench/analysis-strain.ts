// Timing of the D2min / strain family for one (reference, current) frame pair, 2D, rho = 0.9, rc = 2.0:
// targets N = 2000 < 1.5 ms and N = 100 000 < 150 ms for the whole family including the neighbour search.
// Run: `node --import tsx tests/bench/analysis-strain.ts` (prints the medians), or call `bench()`.
import { pathToFileURL } from 'node:url';
import { orthoBox } from '../../src/core/box.js';
import { buildNeighborList } from '../../src/core/neighbors.js';
import { computeStrainFields } from '../../src/core/analysis/d2min-strain.js';
import { rng, timeMedian as time } from './util.js';

/** Uniform random reference at rho = 0.9 (about 11 neighbours within rc = 2) and a sheared, jiggled current frame, wrapped. */
function framePair(n: number): { L: number; reference: Float64Array; current: Float64Array } {
  const L = Math.sqrt(n / 0.9);
  const r = rng(n);
  const reference = new Float64Array(3 * n), current = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const x = r() * L, y = r() * L;
    reference[3 * i] = x; reference[3 * i + 1] = y;
    let cx = x + 0.01 * (y - L / 2) + 0.05 * (r() - 0.5), cy = y + 0.05 * (r() - 0.5);
    cx -= Math.floor(cx / L) * L; cy -= Math.floor(cy / L) * L;
    current[3 * i] = cx; current[3 * i + 1] = cy;
  }
  return { L, reference, current };
}

export function bench(): { label: string; ms: number }[] {
  const out: { label: string; ms: number }[] = [];
  for (const [n, repeats] of [[2000, 300], [100_000, 15]] as const) {
    const { L, reference, current } = framePair(n);
    const box = orthoBox(L, L, 1);
    const params = { reference, current, box, dimensions: 2 as const, cutoff: 2.0 };
    const neighbors = buildNeighborList(reference, box, { cutoff: 2.0, dimensions: 2, withVectors: true });
    for (let k = 0; k < 5; k++) computeStrainFields(params); // warm-up (JIT)
    out.push({ label: `strain family N=${n} (neighbour search included)`, ms: time(() => computeStrainFields(params), repeats) });
    out.push({ label: `strain family N=${n} (prebuilt reference neighbour list)`, ms: time(() => computeStrainFields({ ...params, neighbors }), repeats) });
    out.push({
      label: `  of which neighbour list N=${n} (${(neighbors.indices.length / n).toFixed(1)} per particle)`,
      ms: time(() => buildNeighborList(reference, box, { cutoff: 2.0, dimensions: 2, withVectors: true }), repeats),
    });
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, ms } of bench()) console.log(`${label.padEnd(64)} ${ms.toFixed(3)} ms (median)`);
}
