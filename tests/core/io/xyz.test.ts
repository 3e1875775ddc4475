import { describe, expect, it } from 'vitest';
import { TrajectoryError } from '../../../src/core/io/types.js';
import { XyzReader, parseExtxyzComment, parseFloatBytes } from '../../../src/core/io/xyz.js';
import { MemorySource, scanAll } from './helpers.js';

function open(text: string, chunk = 0): XyzReader {
  return new XyzReader(new MemorySource('test.xyz', Buffer.from(text, 'utf8'), chunk));
}

const PLAIN = [
  '3',
  ' frame 0 ',
  'Ar 0.0 1.0 2.0 ',
  'Ne\t1.5\t-2.5e-1\t3.25',
  'Ar   10    20    30   ',
  '3',
  ' frame 1 ',
  'Ar 0.1 1.1 2.1',
  'Ne 1.6 -0.35 3.35',
  'Ar 10.1 20.1 30.1',
  '',
].join('\r\n');

const EXT = [
  '4',
  'Lattice="10.0 0.0 0.0 2.0 9.0 0.0 1.0 -1.5 8.0" Properties=species:S:1:pos:R:3:id:I:1:velo:R:3:charge:R:1:force:R:3:flag:L:1 pbc="T T F" Time=12.5 step=1200 IsStrange comment="a b c"',
  'O 1.0 2.0 3.0 7 0.1 0.2 0.3 -0.5 1 2 3 T',
  'H 1.5 2.5 3.5 3 1.1 1.2 1.3 0.25 4 5 6 F',
  'H 0.5 1.5 2.5 5 2.1 2.2 2.3 0.25 7 8 9 True',
  'C 9.0 8.0 7.0 1 3.1 3.2 3.3 0.0 10 11 12 false',
  '2',
  'Lattice="4 0 0 0 5 0 0 0 6" Properties=species:S:1:pos:R:3 timestep=1300',
  'C 1 2 0.5',
  'O 3 4 0.5',
  '',
].join('\n');

describe('parseFloatBytes', () => {
  it('matches Number() exactly on typical and awkward numbers', () => {
    const samples = ['0', '-0', '1', '-2.5', '3.25e-1', '1E5', '0.1', '2.33827271799', '-74.64', '1e-300', '1.7976931348623157e308',
      '123456789012345678', '0.000123456789', '.5', '5.', '+7.25', '6.02214076e23', '1.0000000000000002', '4.94e-324', '9007199254740993'];
    for (const s of samples) {
      const b = Buffer.from(`x${s}y`, 'latin1');
      expect(Object.is(parseFloatBytes(b, 1, 1 + s.length), Number(s))).toBe(true);
    }
    // random decimal strings
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 2000; k++) {
      const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 4);
      const s = rnd() < 0.5 ? v.toPrecision(1 + Math.floor(rnd() * 17)) : v.toExponential(Math.floor(rnd() * 16));
      const b = Buffer.from(s, 'latin1');
      expect(parseFloatBytes(b, 0, b.length)).toBe(Number(s));
    }
    expect(parseFloatBytes(Buffer.from('1.5d2'), 0, 5)).toBe(150); // Fortran exponent
    expect(Number.isNaN(parseFloatBytes(Buffer.from('abc'), 0, 3))).toBe(true);
    expect(Number.isNaN(parseFloatBytes(Buffer.from('1.2.3'), 0, 5))).toBe(true);
    expect(Number.isNaN(parseFloatBytes(Buffer.from('1e'), 0, 2))).toBe(true);
  });
});

describe('parseExtxyzComment', () => {
  it('handles quoted values, bare keys, brackets and spaces around =', () => {
    const kv = parseExtxyzComment('Lattice="1 0 0 0 2 0 0 0 3" IsStrange Properties=species:S:1:pos:R:3  ENERGY = -2.5 name="a \\"b\\" c" pbc=[T, T, F]');
    expect(kv.get('lattice')).toBe('1 0 0 0 2 0 0 0 3');
    expect(kv.get('isstrange')).toBe(true);
    expect(kv.get('properties')).toBe('species:S:1:pos:R:3');
    expect(kv.get('energy')).toBe('-2.5');
    expect(kv.get('name')).toBe('a "b" c');
    expect(kv.get('pbc')).toBe('[T, T, F]');
  });
});

describe('XyzReader: plain XYZ', () => {
  it('scans and reads frames with CRLF, tabs and trailing spaces', () => {
    const r = open(PLAIN);
    expect(r.format).toBe('xyz');
    const { entries, result } = scanAll(r);
    expect(result).toEqual({ frames: 2, endOffset: Buffer.byteLength(PLAIN), damage: null });
    expect(entries.map((e) => [e.n, e.timestep, e.time])).toEqual([[3, 0, null], [3, 1, null]]);
    expect(entries[0].offset).toBe(0);
    expect(entries[1].offset).toBe(PLAIN.indexOf('3\r\n frame 1'));
    const f = r.readFrame(entries[0], 0);
    expect(f.n).toBe(3);
    expect(Array.from(f.positions)).toEqual([0, 1, 2, 1.5, -0.25, 3.25, 10, 20, 30]);
    expect(Array.from(f.ids)).toEqual([1, 2, 3]);
    expect(f.typeNames).toEqual(['Ar', 'Ne']);
    expect(Array.from(f.types)).toEqual([0, 1, 0]);
    expect(f.box).toEqual({ origin: [0, 0, 0], vectors: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], periodic: [false, false, false] });
    expect(f.dimensions).toBe(3);
    expect(f.positionsKind).toBe('wrapped');
    expect(f.properties).toEqual({});
    const g = r.readFrame(entries[1], 1);
    expect(g.positions[4]).toBe(-0.35);
    expect(g.timestep).toBe(1);
  });

  it('gives the same entries whatever the chunk size', () => {
    const ref = scanAll(open(PLAIN)).entries;
    for (const chunk of [1, 2, 3, 7, 16]) {
      const { entries, result } = scanAll(open(PLAIN, chunk));
      expect(result.damage).toBeNull();
      expect(entries).toEqual(ref);
    }
    const extRef = scanAll(open(EXT)).entries;
    for (const chunk of [1, 5, 33]) expect(scanAll(open(EXT, chunk)).entries).toEqual(extRef);
  });

  it('reads LAMMPS dump-xyz timesteps from the comment line and flags flat frames as 2D', () => {
    const text = '2\n Atoms. Timestep: 400\n1 0.5 0.5 0\n2 1.5 0.25 0\n2\n Atoms. Timestep: 500\n1 0.6 0.5 0\n2 1.6 0.25 0\n';
    const r = open(text);
    const { entries } = scanAll(r);
    expect(entries.map((e) => e.timestep)).toEqual([400, 500]);
    const f = r.readFrame(entries[1], 1);
    expect(f.dimensions).toBe(2);
    expect(f.typeNames).toEqual(['1', '2']);
  });

  it('accepts a last line without a newline and blank lines after the last frame', () => {
    const a = scanAll(open('1\nc\nH 1 2 3'));
    expect(a.result.damage).toBeNull();
    expect(a.result.frames).toBe(1);
    expect(a.result.endOffset).toBe(11);
    const b = scanAll(open('1\nc\nH 1 2 3\n\n  \n\n'));
    expect(b.result).toEqual({ frames: 1, endOffset: 12, damage: null });
  });
});

describe('XyzReader: extended XYZ', () => {
  it('reads Lattice, pbc, Time, step, ids, velocities and extra properties', () => {
    const r = open(EXT);
    expect(r.format).toBe('extxyz');
    const { entries, result } = scanAll(r);
    expect(result.damage).toBeNull();
    expect(entries.map((e) => [e.n, e.timestep, e.time])).toEqual([[4, 1200, 12.5], [2, 1300, null]]);
    expect(entries[0].box).toEqual({ origin: [0, 0, 0], vectors: [[10, 0, 0], [2, 9, 0], [1, -1.5, 8]], periodic: [true, true, false] });
    // Lattice without pbc: periodic in all directions (ASE)
    expect(entries[1].box.periodic).toEqual([true, true, true]);

    const f = r.readFrame(entries[0], 0);
    // sorted by id: 1 (C), 3 (H), 5 (H), 7 (O)
    expect(Array.from(f.ids)).toEqual([1, 3, 5, 7]);
    expect(f.typeNames).toEqual(['O', 'H', 'C']);
    expect(Array.from(f.types)).toEqual([2, 1, 1, 0]);
    expect(Array.from(f.positions)).toEqual([9, 8, 7, 1.5, 2.5, 3.5, 0.5, 1.5, 2.5, 1, 2, 3]);
    expect(Object.keys(f.properties).sort()).toEqual(['charge', 'flag', 'force[0]', 'force[1]', 'force[2]', 'vx', 'vy', 'vz']);
    expect(Array.from(f.properties.vx)).toEqual([3.1, 1.1, 2.1, 0.1]);
    expect(Array.from(f.properties.vz)).toEqual([3.3, 1.3, 2.3, 0.3]);
    expect(Array.from(f.properties.charge)).toEqual([0, 0.25, 0.25, -0.5]);
    expect(Array.from(f.properties['force[1]'])).toEqual([11, 5, 8, 2]);
    expect(Array.from(f.properties.flag)).toEqual([0, 0, 1, 1]);
    expect(f.time).toBe(12.5);
    expect(f.timestep).toBe(1200);
    expect(f.warnings).toEqual([]);

    const g = r.readFrame(entries[1], 1);
    expect(g.n).toBe(2);
    expect(g.dimensions).toBe(2);
    expect(g.properties).toEqual({});
    expect(g.box.vectors).toEqual([[4, 0, 0], [0, 5, 0], [0, 0, 6]]);
  });

  it('places sparse unsorted ids with an argsort and reports string columns it skips', () => {
    const text = '3\nProperties=id:I:1:species:S:1:pos:R:3:tag:S:1\n100 A 1 1 1 x\n-5 B 2 2 2 y\n40 A 3 3 3 z\n';
    const r = open(text);
    const { entries } = scanAll(r);
    const f = r.readFrame(entries[0], 0);
    expect(Array.from(f.ids)).toEqual([-5, 40, 100]);
    expect(Array.from(f.positions)).toEqual([2, 2, 2, 3, 3, 3, 1, 1, 1]);
    expect(f.typeNames![f.types[0]]).toBe('B');
    expect(f.warnings[0]).toMatch(/tag/);
  });

  it('keeps the file order of duplicate ids and warns about them, like the LAMMPS reader', () => {
    const text = '4\nProperties=id:I:1:pos:R:3:q:R:1\n3 1 0 0 10\n1 2 0 0 20\n3 3 0 0 30\n1 4 0 0 40\n';
    const r = open(text);
    const { entries } = scanAll(r);
    const f = r.readFrame(entries[0], 0);
    expect(Array.from(f.ids)).toEqual([1, 1, 3, 3]);
    expect(Array.from(f.positions)).toEqual([2, 0, 0, 4, 0, 0, 1, 0, 0, 3, 0, 0]);
    expect(Array.from(f.properties.q)).toEqual([20, 40, 10, 30]);
    expect(f.warnings).toEqual(['duplicate particle ids; their file order is kept']);
  });

  it('throws a TrajectoryError naming the file, frame and line for a bad number or missing columns', () => {
    const r = open('2\nProperties=species:S:1:pos:R:3\nA 1 2 3\nB 1 x 3\n');
    const { entries } = scanAll(r);
    expect(() => r.readFrame(entries[0], 0)).toThrow(TrajectoryError);
    expect(() => r.readFrame(entries[0], 0)).toThrow(/test\.xyz: frame 0 .*particle line 2 .*position y, found "x"/);
    const s = open('2\nc\nA 1 2 3\nB 1 2\n');
    const e2 = scanAll(s).entries;
    expect(() => s.readFrame(e2[0], 0)).toThrow(/particle line 2 .*has 3 columns, expected 4/);
  });
});

describe('XyzReader: damage', () => {
  it('reports a truncated last frame with its offset and line, keeping earlier frames', () => {
    const text = PLAIN + '3\r\n frame 2\r\nAr 1 2 3\r\nNe 4 5';
    const r = open(text);
    const { entries, result } = scanAll(r);
    expect(result.frames).toBe(2);
    expect(entries.length).toBe(2);
    expect(result.endOffset).toBe(Buffer.byteLength(PLAIN));
    expect(result.damage).toMatchObject({ kind: 'truncated', offset: Buffer.byteLength(PLAIN), frame: 2, line: 11 });
    expect(result.damage!.message).toMatch(/test\.xyz: frame 2 at line 11 .*truncated/);
    // the frames before it are readable
    expect(r.readFrame(entries[1], 1).positions[0]).toBe(0.1);
  });

  it('reports a non-integer count line as corrupt with its line number', () => {
    // frame 1 claims 2 particles but has 3 lines: the third is read as the next count line
    const text = '2\nc\nA 0 0 0\nB 1 1 1\n2\nc\nA 0 0 0\nB 1 1 1\nC 2 2 2\n2\nc\nA 0 0 0\nB 1 1 1\n';
    const { result } = scanAll(open(text));
    expect(result.frames).toBe(2);
    expect(result.damage).toMatchObject({ kind: 'corrupt', frame: 2, line: 9, offset: text.indexOf('C 2 2 2') });
    expect(result.damage!.message).toMatch(/expected a particle count line, found "C 2 2 2"/);
  });

  it('reports a malformed Lattice as corrupt', () => {
    const { result } = scanAll(open('1\nLattice="1 2 3"\nA 0 0 0\n'));
    expect(result.damage).toMatchObject({ kind: 'corrupt', frame: 0, line: 1 });
    expect(result.damage!.message).toMatch(/Lattice/);
  });

  it('resumes an incremental scan of a growing file', () => {
    const full = Buffer.from(PLAIN + '3\r\n frame 2\r\nAr 1 2 3\r\nNe 4 5 6\r\nAr 7 8 9\r\n');
    const partial = full.subarray(0, full.length - 12);
    const first = scanAll(new XyzReader(new MemorySource('g.xyz', partial)));
    expect(first.result.frames).toBe(2);
    expect(first.result.damage?.kind).toBe('truncated');
    const rest = scanAll(new XyzReader(new MemorySource('g.xyz', full, 4)), { fromOffset: first.result.endOffset, fromFrame: 2 });
    expect(rest.result).toEqual({ frames: 1, endOffset: full.length, damage: null });
    expect(rest.entries[0].timestep).toBe(2);
    expect(rest.entries[0].offset).toBe(first.result.endOffset);
    const r = new XyzReader(new MemorySource('g.xyz', full));
    expect(Array.from(r.readFrame(rest.entries[0], 2).positions.slice(6))).toEqual([7, 8, 9]);
  });

  it('stops when the signal is aborted and reports progress', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => open(PLAIN).scan({ signal: ac.signal })).toThrow(/abort/i);
    const seen: number[] = [];
    open(PLAIN, 8).scan({ onProgress: (p) => seen.push(p.bytesDone) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen[seen.length - 1]).toBe(Buffer.byteLength(PLAIN));
  });
});
