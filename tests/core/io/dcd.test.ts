import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DcdReader } from '../../../src/core/io/dcd.js';
import { FileSource } from '../../../src/core/io/file-source.js';
import { TrajectoryError } from '../../../src/core/io/types.js';
import { MemorySource, scanAll } from './helpers.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/dcd');

interface ExpectedFrame {
  timestep: number;
  time: number;
  mdanalysis_dimensions: number[] | null;
  vectors: number[][] | null;
  probe_positions: number[][];
  sum: number[];
  dimensions: 2 | 3;
}
interface Expected {
  file: string;
  natoms: number;
  nframes: number;
  header: { istart: number; nsavc: number; delta: number; is_periodic: boolean };
  probe: number[];
  frames: ExpectedFrame[];
  lammps_text_dump_probe_positions?: number[][][];
}
const EXPECTED: Record<string, Expected> = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));

const f32 = (x: number): number => Math.fround(x);

function checkAgainstExpected(r: DcdReader, name: string): void {
  const exp = EXPECTED[name];
  const { entries, result } = scanAll(r);
  expect(result.damage).toBeNull();
  expect(result.frames).toBe(exp.nframes);
  expect(result.endOffset).toBe(readFileSync(join(FIX, name)).length);
  expect(r.header.natoms).toBe(exp.natoms);
  expect(r.header.istart).toBe(exp.header.istart);
  expect(r.header.nsavc).toBe(exp.header.nsavc);
  expect(r.header.delta).toBe(exp.header.delta);
  expect(r.header.hasCell).toBe(exp.header.is_periodic);
  for (let k = 0; k < exp.nframes; k++) {
    const e = exp.frames[k];
    expect(entries[k].timestep).toBe(e.timestep);
    expect(entries[k].time).toBeCloseTo(e.time, 12);
    expect(entries[k].n).toBe(exp.natoms);
    const f = r.readFrame(entries[k], k);
    expect(f.n).toBe(exp.natoms);
    expect(f.timestep).toBe(e.timestep);
    expect(f.dimensions).toBe(e.dimensions);
    expect(f.ids[0]).toBe(1);
    expect(f.ids[exp.natoms - 1]).toBe(exp.natoms);
    expect(f.types.every((t) => t === 1)).toBe(true);
    expect(f.box).toEqual(entries[k].box);
    if (e.vectors) {
      expect(f.box.periodic).toEqual([true, true, true]);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(f.box.vectors[i][j]).toBeCloseTo(e.vectors[i][j], 9);
      expect(f.box.vectors[0][1]).toBe(0);
      expect(f.box.vectors[0][2]).toBe(0);
      expect(f.box.vectors[1][2]).toBe(0);
    } else {
      expect(f.box.periodic).toEqual([false, false, false]);
      expect(f.box.vectors).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    }
    exp.probe.forEach((atom, p) => {
      for (let d = 0; d < 3; d++) expect(f.positions[3 * atom + d]).toBe(f32(e.probe_positions[p][d]));
    });
    const sum = [0, 0, 0];
    for (let i = 0; i < f.n; i++) for (let d = 0; d < 3; d++) sum[d] += f.positions[3 * i + d];
    for (let d = 0; d < 3; d++) expect(sum[d]).toBeCloseTo(e.sum[d], 6);
  }
}

describe('DcdReader on fixtures written by MDAnalysis / in the layouts of CHARMM, LAMMPS and X-PLOR', () => {
  for (const name of Object.keys(EXPECTED)) {
    it(`${name}: ${EXPECTED[name].nframes} frames match MDAnalysis`, () => {
      const r = new DcdReader(new FileSource(join(FIX, name)));
      try {
        checkAgainstExpected(r, name);
      } finally {
        r.close();
      }
    });
  }

  it('reads MDAnalysis header details (CHARMM version, titles despite its 164-byte title record quirk)', () => {
    const r = new DcdReader(new FileSource(join(FIX, 'mda_charmm_triclinic.dcd')));
    expect(r.header.charmmVersion).toBe(24);
    expect(r.header.titles[0]).toBe('MDAnalysis fixture for Avalanche Workbench');
    expect(r.header.m).toBe(4);
    expect(r.header.little).toBe(true);
    r.close();
    const be = new DcdReader(new FileSource(join(FIX, 'charmm_be.dcd')));
    expect(be.header.little).toBe(false);
    be.close();
    const m8 = new DcdReader(new FileSource(join(FIX, 'charmm_m8.dcd')));
    expect(m8.header.m).toBe(8);
    m8.close();
    const fx = new DcdReader(new FileSource(join(FIX, 'fixed_atoms.dcd')));
    expect(fx.header.nfixed).toBe(100);
    expect(fx.header.size1).toBeLessThan(fx.header.size0);
    fx.close();
  });

  it('LAMMPS cell cosines give back the LAMMPS box (a along x, b in xy) and positions agree with the text dump', () => {
    const exp = EXPECTED['lammps_triclinic.dcd'];
    const r = new DcdReader(new FileSource(join(FIX, 'lammps_triclinic.dcd')));
    const { entries } = scanAll(r);
    expect(r.header.titles).toEqual(['Written by LAMMPS', 'REMARKS Created 01 May,2024 at 12:00']);
    // the box deforms: the x length and the xy tilt grow
    expect(entries[3].box.vectors[0][0]).toBeGreaterThan(entries[0].box.vectors[0][0]);
    for (let k = 0; k < entries.length; k++) {
      const f = r.readFrame(entries[k], k);
      exp.probe.forEach((atom, p) => {
        for (let d = 0; d < 3; d++) expect(Math.abs(f.positions[3 * atom + d] - exp.lammps_text_dump_probe_positions![k][p][d])).toBeLessThan(2e-6);
      });
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(f.box.vectors[i][j]).toBeCloseTo(exp.frames[k].vectors![i][j], 9);
    }
    r.close();
  });

  it('streams a compressed-like source in tiny chunks with the same result', () => {
    for (const name of ['mda_charmm_triclinic.dcd', 'fixed_atoms.dcd', 'charmm_m8.dcd']) {
      const data = readFileSync(join(FIX, name));
      const ref = scanAll(new DcdReader(new MemorySource(name, data))).entries;
      for (const chunk of [7, 100, 4096]) {
        const { entries, result } = scanAll(new DcdReader(new MemorySource(name, data, chunk, 'gzip')));
        expect(result.damage).toBeNull();
        expect(entries).toEqual(ref);
      }
    }
  });
});

describe('DcdReader damage', () => {
  const name = 'mda_charmm_triclinic.dcd';
  const data = readFileSync(join(FIX, name));

  it('reports a truncated last frame with its byte offset; frames before it stay readable', () => {
    const r0 = new DcdReader(new MemorySource(name, data));
    const { entries: all } = scanAll(r0);
    const cut = data.subarray(0, all[3].offset + 1000);
    for (const compression of ['none', 'gzip'] as const) {
      const r = new DcdReader(new MemorySource(name, cut, 512, compression));
      const { entries, result } = scanAll(r);
      expect(result.frames).toBe(3);
      expect(result.endOffset).toBe(all[3].offset);
      expect(result.damage).toMatchObject({ kind: 'truncated', offset: all[3].offset, frame: 3, line: null });
      expect(result.damage!.message).toMatch(/mda_charmm_triclinic\.dcd: DCD frame 3 at byte \d+ is truncated/);
      expect(r.readFrame(entries[2], 2).positions[0]).toBe(r0.readFrame(all[2], 2).positions[0]);
    }
    // cut exactly between frames: no damage
    const clean = scanAll(new DcdReader(new MemorySource(name, data.subarray(0, all[2].offset))));
    expect(clean.result).toEqual({ frames: 2, endOffset: all[2].offset, damage: null });
  });

  it('resumes an incremental scan where the earlier one ended', () => {
    const r0 = new DcdReader(new MemorySource(name, data.subarray(0, 9000)));
    const first = scanAll(r0);
    expect(first.result.frames).toBe(2);
    const r = new DcdReader(new MemorySource(name, data));
    const rest = scanAll(r, { fromOffset: first.result.endOffset, fromFrame: first.result.frames });
    expect(rest.result.frames).toBe(2);
    expect(rest.entries.map((e) => e.timestep)).toEqual([120, 130]);
    expect(() => r.scan({ fromOffset: first.result.endOffset + 4, fromFrame: 2 })).toThrow(TrajectoryError);
  });

  it('reports a bad record marker in the middle as corrupt, and readFrame throws a TrajectoryError', () => {
    const r0 = new DcdReader(new MemorySource(name, data));
    const { entries: all } = scanAll(r0);
    const bad = Buffer.from(data);
    bad.writeInt32LE(12345, all[2].offset); // unit cell record marker of frame 2
    const { result } = scanAll(new DcdReader(new MemorySource(name, bad)));
    expect(result.frames).toBe(2);
    expect(result.damage).toMatchObject({ kind: 'corrupt', frame: 2, offset: all[2].offset });
    expect(result.damage!.message).toMatch(/unit cell record of 48 bytes, found record markers 12345/);

    const bad2 = Buffer.from(data);
    const yMarker = all[1].offset + 56 + 4 + 4 * 300 + 4; // after the cell and the X record
    bad2.writeInt32LE(7, yMarker);
    const r = new DcdReader(new MemorySource(name, bad2));
    expect(() => r.readFrame(all[1], 1)).toThrow(TrajectoryError);
    expect(() => r.readFrame(all[1], 1)).toThrow(/frame 1, byte \d+: expected a Y coordinate record of 1200 bytes/);
  });

  it('rejects files that are not DCD with a clear error', () => {
    expect(() => new DcdReader(new MemorySource('x.dcd', Buffer.from('hello world, this is not a DCD file at all'.repeat(4))))).toThrow(
      /x\.dcd: DCD header, byte 0: expected a first record of 84 bytes starting with "CORD"/);
    expect(() => new DcdReader(new MemorySource('x.dcd', data.subarray(0, 50)))).toThrow(TrajectoryError);
    expect(() => new DcdReader(new MemorySource('x.dcd', data.subarray(0, 120)))).toThrow(/ends inside the title record/);
  });

  it('stops when the signal is aborted', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => new DcdReader(new MemorySource(name, data)).scan({ signal: ac.signal })).toThrow(/abort/i);
  });
});
