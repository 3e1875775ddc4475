// Compressed trajectories end-to-end: a truncated .gz / .bz2 keeps every complete frame before the damage,
// and the damage names the file and the place.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openReader } from '../../../src/core/io/open.js';
import type { FrameEntry } from '../../../src/core/io/types.js';

const fixtures = join(import.meta.dirname, '../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'avw-ctraj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scanAll(path: string) {
  const reader = openReader(path);
  const entries: FrameEntry[] = [];
  const result = reader.scan({ onFrames: (b) => entries.push(...b) });
  return { reader, entries, result };
}

describe.each([
  ['LAMMPS dump', 'lammps/tri2d.lammpstrj'],
  ['XTC', 'xtc/clusters.xtc'],
  ['DCD', 'dcd/mda_charmm_triclinic.dcd'],
])('truncated gzip %s', (_label, file) => {
  it('keeps every complete frame and reports the damage', () => {
    const raw = readFileSync(join(fixtures, file));
    const plain = scanAll(join(fixtures, file));
    expect(plain.result.damage).toBeNull();
    const gz = gzipSync(raw);
    const path = join(dir, `${file.replace('/', '-')}.gz`);
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const { reader, entries, result } = scanAll(path);
    expect(result.damage).not.toBeNull();
    expect(result.damage!.message).toContain(path);
    expect(result.damage!.message).toMatch(/truncated/);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThan(plain.entries.length);
    // The frames before the damage are the same frames as in the intact file.
    for (let i = 0; i < entries.length; i++) {
      expect(entries[i].offset).toBe(plain.entries[i].offset);
      const a = reader.readFrame(entries[i], i);
      const b = plain.reader.readFrame(plain.entries[i], i);
      expect(Array.from(a.positions)).toEqual(Array.from(b.positions));
    }
    reader.close();
    plain.reader.close();
  });
});

it('an intact gzip dump reads like the plain file', () => {
  const raw = readFileSync(join(fixtures, 'lammps/tri2d.lammpstrj'));
  const path = join(dir, 'tri2d.lammpstrj.gz');
  writeFileSync(path, gzipSync(raw));
  const gz = scanAll(path);
  const plain = scanAll(join(fixtures, 'lammps/tri2d.lammpstrj'));
  expect(gz.result.damage).toBeNull();
  expect(gz.entries.map((e) => e.timestep)).toEqual(plain.entries.map((e) => e.timestep));
  const last = gz.entries.length - 1;
  expect(Array.from(gz.reader.readFrame(gz.entries[last], last).positions)).toEqual(
    Array.from(plain.reader.readFrame(plain.entries[last], last).positions));
});
