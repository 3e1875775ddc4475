import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openByteSource } from '../../../src/core/io/open-source.js';
import {
  diametersForIds, lammpsDataToSystemInit, parseDiameterFile, parseLammpsData, readLammpsData,
} from '../../../src/core/io/lammps-data.js';
import { TrajectoryError } from '../../../src/core/io/types.js';

const FIX = fileURLToPath(new URL('../../fixtures/lammps-bench/', import.meta.url));
const startBytes = readFileSync(join(FIX, 'start_T0.2.data'));

function expectError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TrajectoryError);
  for (const p of parts) expect((err as Error).message).toMatch(p);
}

describe('parseLammpsData: the LAMMPS reference start (write_data, 29 Sep 2021)', () => {
  const d = parseLammpsData(startBytes, 'start_T0.2.data');

  it('reads the header and the box', () => {
    expect(d.title).toMatch(/^LAMMPS data file via write_data/);
    expect(d.timestep).toBe(0);
    expect(d.natoms).toBe(2000);
    expect(d.ntypes).toBe(25);
    expect(d.triclinic).toBe(false);
    expect(d.dimensions).toBe(2);
    expect(d.atomStyle).toBe('atomic');
    expect(d.box.origin).toEqual([0, 0, -0.5]);
    expect(d.box.vectors).toEqual([[47.14045207910317, 0, 0], [0, 47.14045207910317, 0], [0, 0, 1]]);
    expect(Array.from(d.typeMasses)).toEqual(new Array(25).fill(1));
  });

  it('sorts atoms by id and keeps every digit (rows checked against the file text)', () => {
    expect(Array.from(d.ids.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(d.ids[1999]).toBe(2000);
    // The first Atoms row of the file is id 39: "39 12 1.3298473374839481 0.2531387571260792 0 0 1 0".
    const i = 38;
    expect(d.types[i]).toBe(12);
    expect(d.positions[3 * i]).toBe(1.3298473374839481);
    expect(d.positions[3 * i + 1]).toBe(0.2531387571260792);
    expect(d.positions[3 * i + 2]).toBe(0);
    expect(Array.from(d.images!.subarray(3 * i, 3 * i + 3))).toEqual([0, 1, 0]);
    // Its Velocities row: "39 0.6170367737868581 -0.3122064997452364 0".
    expect(Array.from(d.velocities!.subarray(3 * i, 3 * i + 3))).toEqual([0.6170367737868581, -0.3122064997452364, 0]);
    // Every row, parsed independently.
    const text = startBytes.toString('utf8');
    const atoms = text.split('Atoms # atomic')[1].split('Velocities')[0].trim().split('\n');
    expect(atoms).toHaveLength(2000);
    for (const line of atoms) {
      const t = line.trim().split(/\s+/);
      const k = Number(t[0]) - 1;
      expect(d.types[k]).toBe(Number(t[1]));
      expect(d.positions[3 * k]).toBe(Number(t[2]));
      expect(d.positions[3 * k + 1]).toBe(Number(t[3]));
      expect(d.images![3 * k]).toBe(Number(t[5]));
      expect(d.images![3 * k + 1]).toBe(Number(t[6]));
    }
  });

  it('reads the same through a ByteSource, plain and gzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lammps-data-'));
    try {
      const gz = join(dir, 'start.data.gz');
      writeFileSync(gz, gzipSync(startBytes));
      for (const p of [join(FIX, 'start_T0.2.data'), gz]) {
        const src = openByteSource(p);
        try {
          const e = readLammpsData(src);
          expect(e.path).toBe(p);
          expect(e.positions).toEqual(d.positions);
          expect(e.velocities).toEqual(d.velocities);
        } finally {
          src.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds simulation arrays with diameters by id', () => {
    const table = parseDiameterFile(readFileSync(join(FIX, 'diameters.txt')), 'diameters.txt');
    expect(table.ids).toHaveLength(2000);
    expect(table.diameters[0]).toBe(0.855396); // "1 0.855396"
    expect(table.diameters[3]).toBe(1.169088); // "4 1.169088"
    const diam = diametersForIds(table, d.ids);
    const init = lammpsDataToSystemInit(d, diam);
    expect(init.dimensions).toBe(2);
    expect(init.masses.every((m) => m === 1)).toBe(true);
    expect(init.box.periodic).toEqual([true, true, false]);
    // Every atom's diameter is its type's (make_data.py: 25 types of 80 atoms), mean 1 and std/mean 0.11 (to the
    // 6 decimals the diameters are rounded to).
    const byType = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const t = init.types[i];
      if (!byType.has(t)) byType.set(t, diam[i]);
      expect(diam[i]).toBe(byType.get(t));
    }
    expect(byType.size).toBe(25);
    const mean = diam.reduce((a, b) => a + b, 0) / 2000;
    const sd = Math.sqrt(diam.reduce((a, b) => a + (b - mean) ** 2, 0) / 2000);
    expect(mean).toBeCloseTo(1, 6);
    expect(sd / mean).toBeCloseTo(0.11, 5);
  });
});

describe('parseLammpsData: a triclinic 3D file written by LAMMPS (tests/fixtures/lammps-data/tri3d.data)', () => {
  const file = fileURLToPath(new URL('../../fixtures/lammps-data/tri3d.data', import.meta.url));
  const d = parseLammpsData(readFileSync(file), 'tri3d.data');

  it('reads box with tilt, masses, atoms with images, velocities; skips Pair Coeffs', () => {
    expect(d.timestep).toBe(354);
    expect(d.natoms).toBe(60);
    expect(d.ntypes).toBe(2);
    expect(d.triclinic).toBe(true);
    expect(d.dimensions).toBe(3);
    expect(d.box.origin).toEqual([0, 0, -1]);
    expect(d.box.vectors).toEqual([[6, 0, 0], [1.5, 5, 0], [-0.7, 0.9, 5]]);
    expect(Array.from(d.typeMasses)).toEqual([1, 2.5]);
    expect(Array.from(d.ids)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // "1 1 6.7653551850284925 5.122700588904411 0.8449393081938292 0 0 0"
    expect(Array.from(d.positions.subarray(0, 3))).toEqual([6.7653551850284925, 5.122700588904411, 0.8449393081938292]);
    // "30 1 5.862525155876973 0.9123651079260493 0.453683743682215 -1 0 0"
    expect(Array.from(d.positions.subarray(87, 90))).toEqual([5.862525155876973, 0.9123651079260493, 0.453683743682215]);
    expect(Array.from(d.images!.subarray(87, 90))).toEqual([-1, 0, 0]);
    // Velocities "1 0.770487813995594 0.0862231279050152 0.010554667868706659", "30 -1.3913197210105464 ...".
    expect(Array.from(d.velocities!.subarray(0, 3))).toEqual([0.770487813995594, 0.0862231279050152, 0.010554667868706659]);
    expect(d.velocities![87]).toBe(-1.3913197210105464);
    expect(d.types.filter((t) => t === 2)).toHaveLength(20);
  });
});

describe('parseLammpsData: layouts and errors', () => {
  const tri = `LAMMPS data file via write_data, version 2 Aug 2023, timestep = 1500, units = lj

3 atoms
2 atom types

-1.0 9.0 xlo xhi
0.5 8.5 ylo yhi
-2 2 zlo zhi
2.5 0.25 -0.5 xy xz yz

Masses

1 1.5
2 3 # heavy

Pair Coeffs # lj/cut

1 1.0 1.0
2 1.0 1.2

Atoms # atomic

30 2 1.0 2.0 0.5 1 -1 0
10 1 4.0 5.0 -0.5
20 1 6.5 7.5 1.25 0 0 2

Velocities

20 0.2 0.3 0.4
30 0.5 0.6 0.7
10 0.1 -0.1 0.0
`;

  it('reads a triclinic 3D file: tilt, masses with comments, a skipped section, ids out of order, missing images', () => {
    const d = parseLammpsData(tri, 'tri.data');
    expect(d.timestep).toBe(1500);
    expect(d.triclinic).toBe(true);
    expect(d.dimensions).toBe(3);
    expect(d.box.origin).toEqual([-1, 0.5, -2]);
    expect(d.box.vectors).toEqual([[10, 0, 0], [2.5, 8, 0], [0.25, -0.5, 4]]);
    expect(Array.from(d.typeMasses)).toEqual([1.5, 3]);
    expect(Array.from(d.ids)).toEqual([10, 20, 30]);
    expect(Array.from(d.types)).toEqual([1, 1, 2]);
    expect(Array.from(d.positions)).toEqual([4, 5, -0.5, 6.5, 7.5, 1.25, 1, 2, 0.5]);
    expect(Array.from(d.images!)).toEqual([0, 0, 0, 0, 0, 2, 1, -1, 0]);
    expect(Array.from(d.velocities!)).toEqual([0.1, -0.1, 0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    const init = lammpsDataToSystemInit(d, Float64Array.of(1, 1.1, 1.2));
    expect(Array.from(init.masses)).toEqual([1.5, 1.5, 3]);
  });

  it('accepts CRLF line ends and files without Velocities or image flags', () => {
    const text = 'title\r\n\r\n2 atoms\r\n1 atom types\r\n0 5 xlo xhi\r\n0 5 ylo yhi\r\n-0.5 0.5 zlo zhi\r\n\r\nAtoms\r\n\r\n2 1 1 1 0\r\n1 1 2 2 0\r\n';
    const d = parseLammpsData(text);
    expect(d.atomStyle).toBeNull();
    expect(d.images).toBeNull();
    expect(d.velocities).toBeNull();
    expect(Array.from(d.positions)).toEqual([2, 2, 0, 1, 1, 0]);
    expect(Number.isNaN(d.typeMasses[0])).toBe(true);
    expect(() => lammpsDataToSystemInit(d, Float64Array.of(1, 1))).toThrow(/no positive mass for atom type 1/);
  });

  it('throws TrajectoryError naming the file, the line and what was expected', () => {
    const lines = tri.split('\n');
    const at = (needle: string): number => lines.findIndex((l) => l.startsWith(needle)) + 1;
    expectError(() => parseLammpsData(tri.replace('4.0 5.0 -0.5', '4.0 5.x -0.5'), 'bad.data'), 'bad.data', `line ${at('10 1 4.0')}`, /number for y/);
    expectError(() => parseLammpsData(tri.replace('Atoms # atomic', 'Atoms # full'), 'f.data'), /atom_style "full" is not supported/);
    expectError(() => parseLammpsData(tri.replace('20 1 6.5 7.5 1.25 0 0 2', '20 1 6.5 7.5'), 'c.data'), /found 4 columns/);
    expectError(() => parseLammpsData(tri.replace('20 1 6.5', '20 3 6.5'), 't.data'), /atom type 3 outside 1..2/);
    expectError(() => parseLammpsData(tri.replace('30 2 1.0', '10 2 1.0'), 'dup.data'), /duplicate atom ids/);
    expectError(() => parseLammpsData(tri.slice(0, tri.indexOf('20 1 6.5')), 'trunc.data'), 'trunc.data', /section Atoms .* ends after 2 of 3 rows: file truncated/);
    expectError(() => parseLammpsData(tri.replace('3 atoms', '3 atomz'), 'h.data'), /unknown header line "3 atomz"/);
    expectError(() => parseLammpsData(tri.replace('-1.0 9.0 xlo xhi', '9 -1 xlo xhi'), 'b.data'), /hi > lo/);
    expectError(() => parseLammpsData(tri.replace('30 0.5 0.6 0.7', '31 0.5 0.6 0.7'), 'v.data'), /Velocities section lists atom/);
    expectError(() => parseLammpsData('', 'empty.data'), /empty file/);
    expectError(() => parseLammpsData('title\n\n1 atom types\n', 'n.data'), /no "<count> atoms" line/);
  });

  it('diameter files: comments, order, errors', () => {
    const t = parseDiameterFile('# id diameter\n3 1.2\n1 0.9  # small\n\n2 1.0\n', 'd.txt');
    expect(Array.from(t.ids)).toEqual([1, 2, 3]);
    expect(Array.from(t.diameters)).toEqual([0.9, 1.0, 1.2]);
    expect(Array.from(diametersForIds(t, Int32Array.of(3, 1)))).toEqual([1.2, 0.9]);
    expect(() => diametersForIds(t, Int32Array.of(4), 'd.txt')).toThrow(/d.txt: no diameter for atom id 4/);
    expectError(() => parseDiameterFile('1 0.9\n2 -1\n', 'neg.txt'), 'neg.txt', 'line 2', /positive diameter/);
    expectError(() => parseDiameterFile('1 0.9 7\n', 'cols.txt'), /expected "id diameter"/);
    expectError(() => parseDiameterFile('1 0.9\n1 1.0\n', 'dup.txt'), /duplicate ids/);
  });
});
