// A large gzip-compressed 2D LAMMPS dump for the browser tests, written with the project's own dump writer (the
// built one in dist/): particles vibrating on a square lattice, enough frames that indexing takes a few seconds
// (the inflating dominates), so that there is time to cancel it.
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { LammpsDumpWriter } from '../../dist/core/io/lammps-dump-writer.js';

/** Write `path` (gzip) with side * side particles and `frames` frames, timesteps 0, 100, 200, ... */
export async function writeBigGzipDump(path, { side, frames }) {
  const n = side * side;
  const plain = `${path}.plain`;
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const base = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) base.set([(i % side) + 0.5, Math.floor(i / side) + 0.5, 0], 3 * i);
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1);
  const types = Int32Array.from({ length: n }, (_, i) => 1 + (i % 2));
  const diameter = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1.0 : 0.9));
  const positions = new Float64Array(3 * n);
  const writer = new LammpsDumpWriter(plain, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 7 });
  try {
    for (let f = 0; f < frames; f++) {
      for (let k = 0; k < 3 * n; k++) positions[k] = k % 3 === 2 ? 0 : base[k] + 0.1 * (rand() - 0.5);
      writer.append({
        timestep: 100 * f,
        box: { origin: [0, 0, -0.5], vectors: [[side, 0, 0], [0, side, 0], [0, 0, 1]], periodic: [true, true, true] },
        ids, types, positions, properties: { diameter },
      });
    }
  } finally {
    writer.close();
  }
  await pipeline(createReadStream(plain), createGzip({ level: 1 }), createWriteStream(path));
  rmSync(plain);
}
