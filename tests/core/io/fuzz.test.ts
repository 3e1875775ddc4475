// Fuzzing the readers with mutated files: whatever the bytes, opening, scanning and reading every frame
// either works or fails with a TrajectoryError (a clear message naming the file); never another exception,
// never a hang, never an allocation that takes the process down.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openReader } from '../../../src/core/io/open.js';
import { TrajectoryError, type FrameEntry } from '../../../src/core/io/types.js';
import { mulberry32 as rng } from '../../../src/core/util/random.js';
import { MUTATIONS as mutations } from './mutations.js';

const fixtures = join(import.meta.dirname, '../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'avw-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const xyzText = (() => {
  const lines: string[] = [];
  for (let f = 0; f < 3; f++) {
    lines.push('6', `Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3:id:I:1 Time=${f * 0.5} pbc="T T T"`);
    for (let i = 0; i < 6; i++) lines.push(`A ${(i * 0.7 + f * 0.01).toFixed(4)} ${(i * 0.3).toFixed(4)} ${(i * 0.5).toFixed(4)} ${6 - i}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
})();

const seeds: Record<string, Buffer> = {
  'lammps.lammpstrj': readFileSync(join(fixtures, 'lammps/tri2d.lammpstrj')),
  'lammps.lammpstrj.gz': gzipSync(readFileSync(join(fixtures, 'lammps/tri2d.lammpstrj'))),
  'lammps.lammpstrj.bz2': readFileSync(join(fixtures, 'compressed/sample.lammpstrj.bz2')),
  'frames.xyz': xyzText,
  'python-2d.gsd': readFileSync(join(fixtures, 'gsd/python-2d.gsd')),
  'charmm.dcd': readFileSync(join(fixtures, 'dcd/mda_charmm_triclinic.dcd')),
  'clusters.xtc': readFileSync(join(fixtures, 'xtc/clusters.xtc')),
};

function exercise(path: string): { frames: number; errors: number } {
  let errors = 0;
  let frames = 0;
  let reader;
  try {
    reader = openReader(path);
  } catch (e) {
    if (!(e instanceof TrajectoryError)) throw e;
    expect(e.message).toContain(path.split('/').pop()!);
    return { frames: 0, errors: 1 };
  }
  try {
    const entries: FrameEntry[] = [];
    try {
      reader.scan({ onFrames: (batch) => entries.push(...batch) });
    } catch (e) {
      if (!(e instanceof TrajectoryError)) throw e;
      errors++;
    }
    for (let i = 0; i < entries.length; i++) {
      try {
        const f = reader.readFrame(entries[i], i);
        expect(f.positions.length).toBe(3 * f.n);
        expect(f.ids.length).toBe(f.n);
        frames++;
      } catch (e) {
        if (!(e instanceof TrajectoryError)) throw e;
        errors++;
      }
    }
  } finally {
    reader.close();
  }
  return { frames, errors };
}

describe('readers survive mutated files', () => {
  for (const [name, seed] of Object.entries(seeds)) {
    it(`${name}: ${Object.keys(mutations).length} mutation kinds x 12 seeds`, () => {
      let cases = 0;
      for (const [kind, mutate] of Object.entries(mutations)) {
        for (let s = 0; s < 12; s++) {
          const r = rng(s * 7919 + kind.length * 31 + name.length);
          const path = join(dir, `${kind}-${s}-${name}`);
          writeFileSync(path, mutate(seed, r));
          const started = performance.now();
          try {
            exercise(path);
          } catch (e) {
            throw new Error(`${kind} seed ${s} on ${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
          }
          expect(performance.now() - started, `${kind} seed ${s} on ${name} took too long`).toBeLessThan(10_000);
          rmSync(path);
          cases++;
        }
      }
      expect(cases).toBe(Object.keys(mutations).length * 12);
    });
  }

  it('unmutated seeds read completely', () => {
    for (const [name, seed] of Object.entries(seeds)) {
      const path = join(dir, `clean-${name}`);
      writeFileSync(path, seed);
      const { frames, errors } = exercise(path);
      expect(errors, name).toBe(0);
      expect(frames, name).toBeGreaterThan(0);
    }
  });
});
