// Timing of the per-frame series observables, 2D, rho = 0.9, N = 2000 (frames generated in memory, no file reading):
//  - MSD series over 1000 frames (raw, COM-removed, with ids); the whole pipeline with GSD reading targets < 1 s,
//    so this pure part must stay far below that;
//  - mobility over the same 1000 frames;
//  - virial stress, total energy and forces for one frame (WCA, polydisperse), with and without the neighbour search.
// Run: `node --import tsx tests/bench/analysis-series.ts` (prints the medians), or call `bench()`.
import { pathToFileURL } from 'node:url';
import { orthoBox } from '../../src/core/box.js';
import { mobilityOverFrames } from '../../src/core/analysis/displacement.js';
import { msdSeries } from '../../src/core/analysis/msd.js';
import { virialStress } from '../../src/core/analysis/stress.js';
import { forces, HERTZ, pairNeighborList, totalEnergy, WCA } from '../../src/core/potentials.js';
import { rng, timeMedian as time } from './util.js';

/** A random-walk trajectory of unwrapped positions: `frames` arrays of n*3. */
function trajectory(n: number, frames: number, L: number): Float64Array[] {
  const r = rng(7);
  const out: Float64Array[] = [];
  let p = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) { p[3 * i] = r() * L; p[3 * i + 1] = r() * L; }
  for (let f = 0; f < frames; f++) {
    out.push(p);
    const q = p.slice();
    for (let i = 0; i < 3 * n; i += 3) { q[i] += 0.1 * (r() - 0.5); q[i + 1] += 0.1 * (r() - 0.5); }
    p = q;
  }
  return out;
}

export function bench(): { label: string; ms: number }[] {
  const out: { label: string; ms: number }[] = [];
  const n = 2000, F = 1000;
  const L = Math.sqrt(n / 0.9);
  const frames = trajectory(n, F, L);
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
  const withIds = frames.map((positions) => ({ positions, ids: ids.slice() })); // distinct id arrays, as a reader returns
  const reference = frames[0];
  for (let k = 0; k < 3; k++) msdSeries({ reference, frames }); // warm-up (JIT)
  out.push({ label: `MSD series N=${n}, ${F} frames`, ms: time(() => msdSeries({ reference, frames }), 15) });
  out.push({ label: `MSD series N=${n}, ${F} frames, COM removed`, ms: time(() => msdSeries({ reference, frames, removeCom: true }), 15) });
  out.push({
    label: `MSD series N=${n}, ${F} frames, matched by id`,
    ms: time(() => msdSeries({ reference, referenceIds: ids, frames: withIds }), 15),
  });
  out.push({
    label: `mobility N=${n}, ${F} frames (vectors + magnitudes)`,
    ms: time(() => mobilityOverFrames(withIds, () => {}), 5),
  });

  // One configuration: uniform random at rho = 0.9, diameters from P(s) ~ s^-3 on [0.73, 1.62].
  const r = rng(11);
  const pos = frames[F - 1].slice();
  for (let i = 0; i < 3 * n; i++) pos[i] -= Math.floor(pos[i] / L) * L; // wrapped into the box
  const diam = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = 0.73, b = 1.62, u = r(); // inverse CDF of s^-3 on [a, b]
    diam[i] = 1 / Math.sqrt(1 / (a * a) - u * (1 / (a * a) - 1 / (b * b)));
  }
  const radii = HERTZ.sizesFromDiameters(diam);
  const box = orthoBox(L, L, 1);
  const nl = pairNeighborList(pos, box, diam, WCA, 2);
  const F3 = new Float64Array(3 * n);
  for (let k = 0; k < 5; k++) virialStress({ positions: pos, box, sizes: diam, potential: WCA, temperature: 0.2, neighbors: nl });
  out.push({
    label: `virial stress WCA N=${n} (global + per particle, neighbour search included)`,
    ms: time(() => virialStress({ positions: pos, box, sizes: diam, potential: WCA, temperature: 0.2 }), 30),
  });
  out.push({
    label: `virial stress WCA N=${n} (prebuilt neighbour list)`,
    ms: time(() => virialStress({ positions: pos, box, sizes: diam, potential: WCA, temperature: 0.2, neighbors: nl }), 200),
  });
  out.push({
    label: `virial stress Hertz N=${n} (prebuilt neighbour list)`,
    ms: time(() => virialStress({ positions: pos, box, sizes: radii, potential: HERTZ, temperature: 0.2, neighbors: nl }), 200),
  });
  out.push({ label: `total energy WCA N=${n} (prebuilt neighbour list)`, ms: time(() => totalEnergy(pos, box, diam, WCA, 2, nl), 200) });
  out.push({ label: `forces WCA N=${n} (prebuilt neighbour list)`, ms: time(() => forces(pos, box, diam, WCA, F3, 2, nl), 200) });
  out.push({
    label: `  of which half neighbour list N=${n} (${(nl.indices.length / n).toFixed(1)} pairs per particle)`,
    ms: time(() => pairNeighborList(pos, box, diam, WCA, 2), 30),
  });
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, ms } of bench()) console.log(`${label.padEnd(80)} ${ms.toFixed(3)} ms (median)`);
}
