// `npm run bench -- analysis`: the analysis benchmarks of issue 4, with their targets.
//  - D2min and strain family for one frame pair: N = 2000 < 1.5 ms, N = 100 000 < 150 ms (neighbour search included);
//  - the MSD series over 1000 frames of N = 2000 from a GSD file, end to end (index, read, unwrap, MSD): < 1 s;
//  - softness at N = 2000; neighbour lists; stress and energy; the detector's precision and recall on planted jumps and
//    on the labelled real LAMMPS runs of tests/fixtures/real-runs (analysis-real.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import { TrajectorySet } from '../../src/core/fields/frames.js';
import { computeSeries, resolveSeries } from '../../src/core/fields/series.js';
import { bench as benchStrain } from './analysis-strain.js';
import { bench as benchSeries } from './analysis-series.js';
import { bench as benchSoftness } from './analysis-softness.js';
import { bench as benchNeighbors } from './analysis-neighbors.js';
import { detectionFigures } from './analysis-detect.js';
import { realRunSection } from './analysis-real.js';
import { machine, rng } from './util.js';

function print(title: string, rows: { label: string; ms: number }[]): void {
  console.log(`\n${title}`);
  for (const r of rows) console.log(`  ${r.label.padEnd(64)} ${r.ms.toFixed(r.ms < 10 ? 3 : 1).padStart(9)} ms`);
}

/** 1000 frames of N = 2000 (a random walk at rho = 0.9 with image flags) written as GSD, then the MSD series from scratch. */
function msdPipeline(): { label: string; ms: number }[] {
  const dir = mkdtempSync(join(tmpdir(), 'avw-bench-msd-'));
  try {
    const n = 2000, frames = 1000, L = Math.sqrt(n / 0.9);
    const r = rng(3);
    const pos = new Float64Array(3 * n), img = new Int32Array(3 * n);
    for (let i = 0; i < n; i++) { pos[3 * i] = r() * L; pos[3 * i + 1] = r() * L; }
    const path = join(dir, 'walk.gsd');
    const w = GsdWriter.create(path);
    for (let f = 0; f < frames; f++) {
      w.writeFrame({ step: f, box: [L, L, 1, 0, 0, 0], dimensions: 2, positions: pos, image: img });
      for (let i = 0; i < n; i++) for (let a = 0; a < 2; a++) {
        let x = pos[3 * i + a] + (r() - 0.5) * 0.1;
        if (x >= L) { x -= L; img[3 * i + a]++; } else if (x < 0) { x += L; img[3 * i + a]--; }
        pos[3 * i + a] = x;
      }
    }
    w.close();
    const t0 = performance.now();
    const set = new TrajectorySet({ indexDir: join(dir, 'index') });
    const src = set.get(path);
    const s = computeSeries(src, resolveSeries({ name: 'msd' }));
    const total = performance.now() - t0;
    if (s.values.length !== frames) throw new Error('MSD series has the wrong length');
    const t1 = performance.now();
    computeSeries(src, resolveSeries({ name: 'msd' }));
    const again = performance.now() - t1;
    set.close();
    return [
      { label: `MSD series, 1000 frames N = 2000 GSD, from scratch (index + read + MSD)`, ms: total },
      { label: `same, second request (read from the index)`, ms: again },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('Avalanche Workbench analysis benchmark');
console.log(`machine: ${machine()}`);
print('D2min and strain family, one frame pair (targets: 1.5 ms at N = 2000, 150 ms at N = 100 000)', benchStrain());
print('MSD series end to end (target: < 1000 ms)', msdPipeline());
print('Series kernels', benchSeries());
print('Softness and g(r)', benchSoftness());
print('Neighbour lists', benchNeighbors());
console.log('\nAvalanche detection on synthetic MSD series with planted jumps (200 seeds per row)');
detectionFigures(200, true);
realRunSection();
