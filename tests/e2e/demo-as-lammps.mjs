// The demo run (our GSD) rewritten as a LAMMPS text dump with per-particle columns a LAMMPS user would dump beside the
// positions (velocities and a compute's per-atom value, here c_pe = the particle's distance from the box centre, a
// smooth field whose colours are easy to check), with the project's own dump writer (dist/). A new file: nothing of it
// is indexed or cached yet.
import { openReader } from '../../dist/core/io/open.js';
import { LammpsDumpWriter } from '../../dist/core/io/lammps-dump-writer.js';

/** Write the first `frames` frames of the GSD `from` to the dump `to`; returns the number of particles. */
export function writeDemoAsLammps(from, to, frames) {
  const reader = openReader(from);
  const entries = [];
  reader.scan({ onFrames: (e) => entries.push(...e) });
  const writer = new LammpsDumpWriter(to, { columns: ['id', 'type', 'x', 'y', 'z', 'ix', 'iy', 'iz', 'diameter', 'vx', 'vy', 'c_pe'], dimensions: 2, digits: 9 });
  let n = 0;
  try {
    for (let f = 0; f < Math.min(frames, entries.length); f++) {
      const fr = reader.readFrame(entries[f], f);
      n = fr.n;
      const [o, a, b] = [fr.box.origin, fr.box.vectors[0], fr.box.vectors[1]];
      const cx = o[0] + (a[0] + b[0]) / 2;
      const cy = o[1] + (a[1] + b[1]) / 2;
      const pe = new Float64Array(fr.n);
      for (let i = 0; i < fr.n; i++) pe[i] = Math.hypot(fr.positions[3 * i] - cx, fr.positions[3 * i + 1] - cy);
      writer.append({
        timestep: fr.timestep, box: fr.box, ids: fr.ids, types: fr.types, positions: fr.positions, images: fr.images ?? new Int32Array(3 * fr.n),
        properties: { diameter: fr.properties.diameter, vx: fr.properties.vx ?? new Float64Array(fr.n), vy: fr.properties.vy ?? new Float64Array(fr.n), c_pe: pe },
      });
    }
  } finally {
    writer.close();
    reader.close();
  }
  return n;
}
