// Timing of structure and softness (Jha & Sengupta Eq. 15, App. C), 2D, rho = 0.9:
//  - softness of every particle at N = 2000 (target: tens of ms at most), with automatic rmin/rmax (global g search to
//    r = 3 included) and with rmin/rmax given, neighbour search included;
//  - g(r) at N = 100 000: histogram estimator to r = 5 (dr = 0.01) and Gaussian-smoothed estimator to r = 3.
// The configuration is a jittered triangular lattice at rho = 0.9 (a dense packing's neighbour counts and a g(r) with peaks).
// Run: `node --import tsx tests/bench/analysis-softness.ts` (prints the medians), or call `bench()`.
import { pathToFileURL } from 'node:url';
import { orthoBox, type Box } from '../../src/core/box.js';
import { radialDistribution, smoothedRadialDistribution } from '../../src/core/analysis/rdf.js';
import { softness } from '../../src/core/analysis/softness.js';
import { rng, timeMedian as time } from './util.js';

/** About n particles on a triangular lattice at density 0.9, Gaussian jitter sd 0.08, wrapped into a periodic box. */
function jitteredLattice(n: number, seed: number): { positions: Float64Array; box: Box } {
  const a = Math.sqrt(2 / (Math.sqrt(3) * 0.9));
  const nx = Math.round(Math.sqrt(n * Math.sqrt(3) / 2));
  const ny = 2 * Math.round(n / nx / 2);
  const lx = nx * a, ly = ny * a * Math.sqrt(3) / 2;
  const r = rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const positions = new Float64Array(3 * nx * ny);
  let p = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      let x = (i + 0.5 * (j % 2)) * a + 0.08 * gauss();
      let y = j * a * Math.sqrt(3) / 2 + 0.08 * gauss();
      x -= Math.floor(x / lx) * lx;
      y -= Math.floor(y / ly) * ly;
      positions[p++] = x;
      positions[p++] = y;
      p++;
    }
  }
  return { positions, box: orthoBox(lx, ly, 1) };
}

export function bench(): { label: string; ms: number }[] {
  const out: { label: string; ms: number }[] = [];
  {
    const { positions, box } = jitteredLattice(2000, 7);
    const n = positions.length / 3;
    const auto = softness(positions, box);
    for (let k = 0; k < 3; k++) softness(positions, box); // warm-up (JIT)
    out.push({ label: `softness N=${n}, auto rmin/rmax (${auto.rmin.toFixed(3)}..${auto.rmax.toFixed(3)}), globalc`, ms: time(() => softness(positions, box), 21) });
    const given = { rmin: auto.rmin, rmax: auto.rmax };
    out.push({ label: `softness N=${n}, rmin/rmax given, globalc`, ms: time(() => softness(positions, box, given), 21) });
    out.push({ label: `softness N=${n}, rmin/rmax given, no globalc`, ms: time(() => softness(positions, box, { ...given, globalC: false }), 21) });
  }
  {
    const { positions, box } = jitteredLattice(100_000, 11);
    const n = positions.length / 3;
    radialDistribution(positions, box, { rMax: 5 });
    out.push({ label: `g(r) histogram N=${n}, r <= 5, dr = 0.01`, ms: time(() => radialDistribution(positions, box, { rMax: 5, dr: 0.01 }), 5) });
    smoothedRadialDistribution(positions, box, { rMax: 3 });
    out.push({ label: `g(r) Gaussian-smoothed N=${n}, r <= 3, dr = 0.005, delta = 0.02`, ms: time(() => smoothedRadialDistribution(positions, box, { rMax: 3 }), 5) });
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, ms } of bench()) console.log(`${label.padEnd(72)} ${ms.toFixed(2)} ms (median)`);
}
