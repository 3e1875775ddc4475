// Shared helpers for the service and web host tests: temporary directories and generated 2D trajectories.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LammpsDumpWriter } from '../../src/core/io/lammps-dump-writer.js';
import { mulberry32 } from '../../src/core/util/random.js';

export const FIXTURES = join(import.meta.dirname, '../fixtures');
export const SMALL_2D = join(FIXTURES, 'e2e/small-2d.lammpstrj');

export function tmpDir(prefix = 'avw-main-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface GlassDumpOptions {
  /** side x side particles on a jittered square lattice of spacing 1 (box side x side). */
  side: number;
  frames: number;
  seed?: number;
  /** Random step per frame and coordinate (uniform in +-noise). */
  noise?: number;
  /** Frames at which a quarter of the particles jump by `jumpSize` in x (an avalanche). */
  jumps?: number[];
  jumpSize?: number;
  step?: number;
}

/**
 * A 2D LAMMPS dump (`id type x y z diameter`, wrapped positions, ids in order) of particles vibrating on a lattice,
 * with planted collective jumps: enough structure for every field, the MSD series and the detector.
 */
export function writeGlassDump(path: string, o: GlassDumpOptions): void {
  const rand = mulberry32(o.seed ?? 1);
  const n = o.side * o.side;
  const L = o.side;
  const noise = o.noise ?? 0.01;
  const pos = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    pos[3 * i] = (i % o.side) + 0.5 + (rand() - 0.5) * 0.2;
    pos[3 * i + 1] = Math.floor(i / o.side) + 0.5 + (rand() - 0.5) * 0.2;
  }
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
  const types = Int32Array.from({ length: n }, (_, i) => 1 + (i % 2));
  const diameter = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1.0 : 0.9));
  const writer = new LammpsDumpWriter(path, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 9 });
  const wrapped = new Float64Array(n * 3);
  try {
    for (let f = 0; f < o.frames; f++) {
      if (f > 0) {
        for (let k = 0; k < n * 3; k++) if (k % 3 !== 2) pos[k] += (rand() - 0.5) * 2 * noise;
        if (o.jumps?.includes(f)) for (let i = 0; i < n; i += 4) pos[3 * i] += o.jumpSize ?? 0.5;
      }
      for (let k = 0; k < n * 3; k++) wrapped[k] = k % 3 === 2 ? 0 : ((pos[k] % L) + L) % L;
      writer.append({
        timestep: f * (o.step ?? 100),
        box: { origin: [0, 0, -0.5], vectors: [[L, 0, 0], [0, L, 0], [0, 0, 1]], periodic: [true, true, true] },
        ids, types, positions: wrapped, properties: { diameter },
      });
    }
  } finally {
    writer.close();
  }
}
