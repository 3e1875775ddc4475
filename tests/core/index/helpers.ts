// Shared helpers for the index tests: temporary directories, small LAMMPS dumps, counting reader factories.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource } from '../../../src/core/io/file-source.js';
import { LammpsDumpReader } from '../../../src/core/io/lammps-dump.js';
import type { TrajectoryReader } from '../../../src/core/io/types.js';
import type { ReaderFactory } from '../../../src/core/index/indexed-trajectory.js';

export function tmpDir(prefix = 'avw-index-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface DumpFrame {
  timestep: number;
  /** Box edge lengths (orthogonal box at the origin unless `lo` is given). */
  L: [number, number, number];
  lo?: [number, number, number];
  /** Wrapped positions, one [x, y, z] per particle with ids 1..n. */
  x: number[][];
  /** Image flags per particle (adds ix iy iz columns). */
  image?: number[][];
  time?: number;
}

/** One frame of a LAMMPS `dump custom` (id type x y z [ix iy iz]). */
export function dumpFrame(f: DumpFrame): string {
  const lo = f.lo ?? [0, 0, 0];
  const lines = [];
  if (f.time !== undefined) lines.push('ITEM: TIME', String(f.time));
  lines.push('ITEM: TIMESTEP', String(f.timestep), 'ITEM: NUMBER OF ATOMS', String(f.x.length), 'ITEM: BOX BOUNDS pp pp pp');
  for (let a = 0; a < 3; a++) lines.push(`${lo[a]} ${lo[a] + f.L[a]}`);
  lines.push(f.image ? 'ITEM: ATOMS id type x y z ix iy iz' : 'ITEM: ATOMS id type x y z');
  f.x.forEach((p, i) => lines.push(`${i + 1} 1 ${p[0]} ${p[1]} ${p[2]}${f.image ? ` ${f.image[i].join(' ')}` : ''}`));
  return lines.join('\n') + '\n';
}

export function writeDump(path: string, frames: DumpFrame[]): void {
  writeFileSync(path, frames.map(dumpFrame).join(''));
}

/** A simple dump: `count` frames of `n` particles on a line, timesteps 0, step, 2*step, ... */
export function simpleFrames(count: number, n = 3, step = 100, L = 10): DumpFrame[] {
  const out: DumpFrame[] = [];
  for (let f = 0; f < count; f++) {
    out.push({ timestep: f * step, L: [L, L, L], x: Array.from({ length: n }, (_, i) => [(i + 0.5 + f * 0.01) % L, 1 + i * 0.1, 2]) });
  }
  return out;
}

/** A reader factory for LAMMPS dumps that counts what the index asks of it. */
export function countingFactory(): { factory: ReaderFactory; counts: { opened: number; scans: number; reads: number } } {
  const counts = { opened: 0, scans: 0, reads: 0 };
  const factory: ReaderFactory = (path) => {
    counts.opened++;
    const inner = new LammpsDumpReader(new FileSource(path));
    const wrapped: TrajectoryReader = {
      format: inner.format,
      path: inner.path,
      scan: (o) => { counts.scans++; return inner.scan(o); },
      readFrame: (e, i) => { counts.reads++; return inner.readFrame(e, i); },
      close: () => inner.close(),
    };
    return wrapped;
  };
  return { factory, counts };
}
