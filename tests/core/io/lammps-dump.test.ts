import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { orthoBox, scaledToCartesian, triclinicBox, type Box } from '../../../src/core/box.js';
import type { ByteSource, Chunk } from '../../../src/core/io/byte-source.js';
import { FileSource } from '../../../src/core/io/file-source.js';
import { LammpsDumpReader, parseDecimal, parseLammpsHeader } from '../../../src/core/io/lammps-dump.js';
import {
  LammpsDumpWriter,
  writeLammpsDumpFrame,
  type LammpsDumpFrameInput,
  type LammpsDumpWriteOptions,
} from '../../../src/core/io/lammps-dump-writer.js';
import { TrajectoryError, type Frame, type FrameEntry, type ScanResult } from '../../../src/core/io/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/lammps/', import.meta.url));

let dir = '';
let fileNo = 0;
const open: { close(): void }[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lammps-dump-test-'));
});
afterEach(() => {
  while (open.length) open.pop()!.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tmpFile(text: string | Buffer): string {
  const p = join(dir, `f${fileNo++}.lammpstrj`);
  writeFileSync(p, text);
  return p;
}

interface Opened {
  reader: LammpsDumpReader;
  entries: FrameEntry[];
  res: ScanResult;
  read(i: number): Frame;
}

function openSource(source: ByteSource): Opened {
  const reader = new LammpsDumpReader(source);
  open.push(reader);
  const entries: FrameEntry[] = [];
  const res = reader.scan({
    onFrames: (batch, first) => {
      expect(first).toBe(entries.length);
      entries.push(...batch);
    },
  });
  return { reader, entries, res, read: (i) => reader.readFrame(entries[i], i) };
}

const openPath = (path: string) => openSource(new FileSource(path));
const openText = (text: string | Buffer) => openPath(tmpFile(text));

/** A deterministic pseudo-random generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

/** A frame with particles uniformly in the box (2D: z = 0), ids 1..n, random types, images and properties. */
function sample(n: number, seed: number, box: Box, opts: { dims?: 2 | 3; timestep?: number; time?: number | null } = {}): LammpsDumpFrameInput & {
  positions: Float64Array; images: Int32Array; types: Int32Array; ids: Int32Array; properties: Record<string, Float64Array>;
} {
  const r = rng(seed);
  const positions = new Float64Array(3 * n);
  const images = new Int32Array(3 * n);
  const types = new Int32Array(n);
  const ids = new Int32Array(n);
  const vx = new Float64Array(n);
  const diameter = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scaledToCartesian(box, r(), r(), opts.dims === 2 ? 0.5 : r(), positions, 3 * i);
    if (opts.dims === 2) positions[3 * i + 2] = 0;
    images[3 * i] = Math.floor(r() * 5) - 2;
    images[3 * i + 1] = Math.floor(r() * 5) - 2;
    images[3 * i + 2] = opts.dims === 2 ? 0 : Math.floor(r() * 3) - 1;
    types[i] = 1 + Math.floor(r() * 3);
    ids[i] = i + 1;
    vx[i] = r() * 2 - 1;
    diameter[i] = 0.8 + 0.4 * r();
  }
  return { timestep: opts.timestep ?? 0, time: opts.time ?? null, box, positions, images, types, ids, properties: { vx, diameter } };
}

function dump(frames: LammpsDumpFrameInput[], options: LammpsDumpWriteOptions = {}): string {
  const w = new LammpsDumpWriter(null, options);
  for (const f of frames) w.append(f);
  return w.text();
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 9): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(10 ** -digits);
}

const TRI = triclinicBox([-1.5, 2, -3], 10, 8, 6, 2.5, -1.25, 0.75);
const ORTHO = orthoBox(12, 9, 7, [1, -2, 0.5]);

// ---------------------------------------------------------------------------------------------------------

describe('parseDecimal', () => {
  const parse = (s: string) => {
    const b = Buffer.from(s + ' ');
    const v = parseDecimal(b, 0, b.length);
    return v;
  };
  it('parses decimal and Fortran-like numbers exactly like Number()', () => {
    for (const s of [
      '0', '-0', '1', '-17', '3.25', '.5', '5.', '+1.5', '1e-5', '1.0E+03', '-2.59759e-06', '6.2000000000000002e+00',
      '4.7140452079103170e+01', '0.1', '0.3', '123456789012345', '1234567890123456789', '9007199254740993',
      '2.2250738585072014e-308', '1.7976931348623157e308', '4.9e-324', '1e22', '1e23', '7.7557987552', '-0.0000001',
      '0.000000000000000000000000001234',
    ]) {
      const v = parse(s);
      expect(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`).toBe(true);
    }
    expect(parse('1.5D+02')).toBe(150);
    expect(parse('-2.5d-1')).toBe(-0.25);
  });
  it('is correctly rounded for random 15-17 digit inputs', () => {
    const r = rng(99);
    for (let k = 0; k < 20000; k++) {
      const x = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      for (const s of [String(x), x.toPrecision(15), x.toExponential(16), x.toFixed(10)]) {
        expect(parse(s)).toBe(Number(s));
      }
    }
  });
  it('rejects nan, inf and junk with NaN', () => {
    for (const s of ['nan', 'NaN', 'inf', '-inf', 'Infinity', '1.2.3', '1e', '--1', '0x10', '1,5', '', '-', '.', 'abc', '1e5x']) {
      expect(Number.isNaN(parse(s)), s).toBe(true);
    }
  });
});

describe('parseLammpsHeader', () => {
  it('parses an orthogonal header with boundary flags', () => {
    const text = 'ITEM: TIMESTEP\n42\nITEM: NUMBER OF ATOMS\n3\nITEM: BOX BOUNDS pp ss ff\n0 10\n-1 1\n2.5e0 7.5\nITEM: ATOMS id type x y z\n1 1 0 0 0\n';
    const r = parseLammpsHeader(Buffer.from(text), 0, text.length, false);
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    const h = r.header;
    expect(h.timestep).toBe(42);
    expect(h.n).toBe(3);
    expect(h.time).toBeNull();
    expect(h.triclinic).toBe(false);
    expect(h.boundary).toEqual(['pp', 'ss', 'ff']);
    expect(h.box.origin).toEqual([0, -1, 2.5]);
    expect(h.box.vectors).toEqual([[10, 0, 0], [0, 2, 0], [0, 0, 5]]);
    expect(h.box.periodic).toEqual([true, false, false]);
    expect(h.columns).toEqual(['id', 'type', 'x', 'y', 'z']);
    expect(h.lines).toBe(9);
    expect(text.slice(h.dataStart)).toBe('1 1 0 0 0\n');
  });
  it('removes the tilt from triclinic bounding-box bounds', () => {
    // xy = 2, xz = -1, yz = 0.5: xlo_bound = xlo + min(0, 2, -1, 1) = xlo - 1; xhi_bound = xhi + max(0,2,-1,1) = xhi + 2.
    const text = 'ITEM: TIME\n0.5\nITEM: TIMESTEP\n7\nITEM: NUMBER OF ATOMS\n0\nITEM: BOX BOUNDS xy xz yz pp pp pp\n-1 12 2\n0 8.5 -1\n0 6 0.5\nITEM: ATOMS id x y z\n';
    const r = parseLammpsHeader(Buffer.from(text), 0, text.length, false);
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.header.time).toBe(0.5);
    expect(r.header.triclinic).toBe(true);
    expect(r.header.box.origin).toEqual([0, 0, 0]);
    expect(r.header.box.vectors).toEqual([[10, 0, 0], [2, 8, 0], [-1, 0.5, 6]]);
  });
  it('reports an incomplete header and a malformed one with the offending line', () => {
    const part = 'ITEM: TIMESTEP\n42\nITEM: NUMBER OF AT';
    expect(parseLammpsHeader(Buffer.from(part), 0, part.length, false).status).toBe('incomplete');
    const bad = 'ITEM: TIMESTEP\n42\nITEM: NUMBER OF ATOMS\nmany\n';
    const r = parseLammpsHeader(Buffer.from(bad), 0, bad.length, true);
    expect(r.status).toBe('error');
    if (r.status !== 'error') return;
    expect(r.offset).toBe(bad.indexOf('many'));
    expect(r.message).toMatch(/non-negative integer number of atoms.*"many"/);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('LammpsDumpReader: coordinates', () => {
  const f = sample(50, 1, TRI);
  const unwrappedRef = (fr: { positions: Float64Array; images: Int32Array; box: Box }) => {
    const [a, b, c] = fr.box.vectors;
    const u = new Float64Array(fr.positions.length);
    for (let i = 0; i < u.length; i += 3) {
      const [ix, iy, iz] = [fr.images[i], fr.images[i + 1], fr.images[i + 2]];
      u[i] = fr.positions[i] + ix * a[0] + iy * b[0] + iz * c[0];
      u[i + 1] = fr.positions[i + 1] + iy * b[1] + iz * c[1];
      u[i + 2] = fr.positions[i + 2] + iz * c[2];
    }
    return u;
  };

  it('x y z: Cartesian positions as written, wrapped, no unwrapped', () => {
    const o = openText(dump([f], { columns: ['id', 'type', 'x', 'y', 'z'] }));
    expect(o.res.damage).toBeNull();
    const fr = o.read(0);
    expect(fr.positionsKind).toBe('wrapped');
    expect(Array.from(fr.positions)).toEqual(Array.from(f.positions));
    expect(fr.unwrapped).toBeNull();
    expect(fr.images).toBeNull();
    expect(Array.from(fr.types)).toEqual(Array.from(f.types));
    expect(fr.dimensions).toBe(3);
    expect(fr.box.vectors[1][0]).toBeCloseTo(2.5, 12);
  });

  it('xs ys zs: scaled positions mapped through the triclinic box (origin + s @ [a;b;c])', () => {
    const o = openText(dump([f], { columns: ['id', 'type', 'xs', 'ys', 'zs'] }));
    const fr = o.read(0);
    expect(fr.positionsKind).toBe('wrapped');
    expectClose(fr.positions, f.positions, 10);
    // By hand for particle 0: s = (xs, ys, zs) from the file.
    const line = readFileSync(o.reader.path, 'latin1').split('\n')[9].split(' ').map(Number);
    const [s0, s1, s2] = line.slice(2);
    expect(fr.positions[0]).toBeCloseTo(-1.5 + 10 * s0 + 2.5 * s1 - 1.25 * s2, 12);
    expect(fr.positions[1]).toBeCloseTo(2 + 8 * s1 + 0.75 * s2, 12);
    expect(fr.positions[2]).toBeCloseTo(-3 + 6 * s2, 12);
  });

  it('xu yu zu only: positions are the unwrapped coordinates', () => {
    const o = openText(dump([f], { columns: ['id', 'type', 'xu', 'yu', 'zu'] }));
    const fr = o.read(0);
    expect(fr.positionsKind).toBe('unwrapped');
    const u = unwrappedRef(f);
    expectClose(fr.positions, u, 10);
    expectClose(fr.unwrapped!, u, 10);
    expect(fr.unwrapped).not.toBe(fr.positions);
  });

  it('xsu ysu zsu only: scaled unwrapped coordinates', () => {
    const o = openText(dump([f], { columns: ['id', 'xsu', 'ysu', 'zsu', 'type'] }));
    const fr = o.read(0);
    expect(fr.positionsKind).toBe('unwrapped');
    expectClose(fr.unwrapped!, unwrappedRef(f), 9);
  });

  it('image flags: unwrapped = x + ix*a + iy*b + iz*c', () => {
    const o = openText(dump([f], { columns: ['id', 'type', 'x', 'y', 'z', 'ix', 'iy', 'iz'] }));
    const fr = o.read(0);
    expect(Array.from(fr.images!)).toEqual(Array.from(f.images));
    expectClose(fr.unwrapped!, unwrappedRef(f), 12);
    expect(fr.positionsKind).toBe('wrapped');
  });

  it('x and xu together: positions from x, unwrapped from xu', () => {
    const o = openText(dump([f], { columns: ['id', 'x', 'y', 'z', 'xu', 'yu', 'zu', 'ix', 'iy', 'iz'] }));
    const fr = o.read(0);
    expect(Array.from(fr.positions)).toEqual(Array.from(f.positions));
    expectClose(fr.unwrapped!, unwrappedRef(f), 10);
  });

  it('any column order gives the same frame', () => {
    const cols = ['id', 'type', 'x', 'y', 'z', 'ix', 'iy', 'iz', 'vx', 'diameter'];
    const a = openText(dump([f], { columns: cols })).read(0);
    const b = openText(dump([f], { columns: ['diameter', 'iz', 'z', 'type', 'x', 'vx', 'iy', 'id', 'y', 'ix'] })).read(0);
    expect(b.positions).toEqual(a.positions);
    expect(b.images).toEqual(a.images);
    expect(b.types).toEqual(a.types);
    expect(b.ids).toEqual(a.ids);
    expect(b.properties).toEqual(a.properties);
    expect(Object.keys(b.properties).sort()).toEqual(['diameter', 'vx']);
  });
});

describe('LammpsDumpReader: columns', () => {
  it('keeps every other column as a Float64Array under its exact name', () => {
    const n = 20;
    const names = ['diameter', 'radius', 'mol', 'q', 'vx', 'c_pe', 'v_foo', 'f_bar[1]', 'quatw', 'shapex', 'c_stress[4]'];
    const f = sample(n, 2, ORTHO);
    const r = rng(3);
    f.properties = {};
    for (const name of names) f.properties[name] = Float64Array.from({ length: n }, (_, i) => (name === 'mol' ? 1 + (i % 4) : r() * 100 - 50));
    const fr = openText(dump([f], { columns: ['id', 'type', 'x', 'y', 'z', ...names] })).read(0);
    expect(Object.keys(fr.properties).sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(fr.properties[name]).toBeInstanceOf(Float64Array);
      expect(Array.from(fr.properties[name])).toEqual(Array.from(f.properties[name]));
    }
  });

  it('parses Fortran-like and long numbers in atom lines exactly like Number()', () => {
    const toks = ['1e-5', '1.0E+03', '-0', '.5', '5.', '+1.5', '1.5D+02', '0.30000000000000004', '4.7140452079103170e+01',
      '-2.59759e-06', '123456789.123456789', '1e-30', '-7', '0.1', '9007199254740993', '3.14159265358979323846'];
    const lines = toks.map((t, i) => `${i + 1} ${t} 0 0`);
    const text = `ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n${toks.length}\nITEM: BOX BOUNDS\n0 1\n0 1\n0 1\nITEM: ATOMS id x y z\n${lines.join('\n')}\n`;
    const fr = openText(text).read(0);
    toks.forEach((t, i) => expect(Object.is(fr.positions[3 * i], Number(t.replace('D', 'e'))), t).toBe(true));
  });

  it('an element column gives types and typeNames (alone, or next to type)', () => {
    const text = [
      'ITEM: TIMESTEP', '0', 'ITEM: NUMBER OF ATOMS', '4', 'ITEM: BOX BOUNDS pp pp pp', '0 5', '0 5', '0 5',
      'ITEM: ATOMS id element x y z', '1 O 0 0 0', '2 H 1 0 0', '3 H 0 1 0', '4 Na 2 2 2', '',
    ].join('\n');
    const fr = openText(text).read(0);
    expect(fr.typeNames).toEqual(['O', 'H', 'Na']);
    expect(Array.from(fr.types)).toEqual([0, 1, 1, 2]);
    const withType = text.replace('id element', 'id type element').replace(/^(\d) ([A-Z][a-z]?) /gm, (_, id: string, el: string) => `${id} ${{ O: 3, H: 1, Na: 2 }[el]} ${el} `);
    const fr2 = openText(withType).read(0);
    expect(Array.from(fr2.types)).toEqual([3, 1, 1, 2]);
    expect(fr2.typeNames).toEqual(['', 'H', 'Na', 'O']);
    for (let i = 0; i < 4; i++) expect(fr2.typeNames![fr2.types[i]]).toBe(['O', 'H', 'H', 'Na'][i]);
  });

  it('no id column: ids 1..N in file order; no type column: types all 1', () => {
    const f = sample(30, 4, ORTHO);
    const fr = openText(dump([f], { columns: ['x', 'y', 'z', 'vx'] })).read(0);
    expect(Array.from(fr.ids)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(Array.from(fr.types)).toEqual(new Array(30).fill(1));
    expect(Array.from(fr.positions)).toEqual(Array.from(f.positions));
  });

  it('sorts unsorted ids, permuting every array alike (dense ids, sparse ids, duplicates)', () => {
    const n = 40;
    const f = sample(n, 5, ORTHO);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const r = rng(6);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const cols = ['type', 'x', 'y', 'z', 'id', 'ix', 'iy', 'iz', 'vx'];
    const fr = openText(dump([f], { columns: cols, order })).read(0);
    expect(Array.from(fr.ids)).toEqual(Array.from(f.ids));
    expect(Array.from(fr.positions)).toEqual(Array.from(f.positions));
    expect(Array.from(fr.images!)).toEqual(Array.from(f.images));
    expect(Array.from(fr.types)).toEqual(Array.from(f.types));
    expect(Array.from(fr.properties.vx)).toEqual(Array.from(f.properties.vx));
    // Sparse ids (argsort path).
    const sparse = { ...f, ids: Int32Array.from({ length: n }, (_, i) => 1000 - 7 * i) };
    const fs = openText(dump([sparse], { columns: cols, order })).read(0);
    expect(Array.from(fs.ids)).toEqual(Array.from(sparse.ids).sort((a, b) => a - b));
    const k = n - 1; // id 1000 - 7*39 is the smallest
    expect(Array.from(fs.positions.subarray(0, 3))).toEqual(Array.from(f.positions.subarray(3 * k, 3 * k + 3)));
    expect(fs.properties.vx[0]).toBe(f.properties.vx[k]);
    expect(fs.warnings).toEqual([]);
    // Duplicated ids: sorted, file order kept among equals, with a warning.
    const dup = 'ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n3\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id x y z\n5 0.5 0 0\n2 0.2 0 0\n5 0.6 0 0\n';
    const fd = openText(dup).read(0);
    expect(Array.from(fd.ids)).toEqual([2, 5, 5]);
    expect(Array.from(fd.positions)).toEqual([0.2, 0, 0, 0.5, 0, 0, 0.6, 0, 0]);
    expect(fd.warnings[0]).toMatch(/duplicate/);
  });

  it('the column set and the atom count may change between frames', () => {
    const a = sample(10, 7, ORTHO, { timestep: 0 });
    const b = sample(25, 8, ORTHO, { timestep: 100 });
    const text = writeLammpsDumpFrame(a, { columns: ['id', 'type', 'x', 'y', 'z'] }) +
      writeLammpsDumpFrame(b, { columns: ['id', 'xs', 'ys', 'zs', 'vx', 'ix', 'iy', 'iz'] }) +
      writeLammpsDumpFrame({ ...a, timestep: 200 }, { columns: ['id', 'xu', 'yu', 'zu', 'diameter'] });
    const o = openText(text);
    expect(o.entries.map((e) => [e.timestep, e.n])).toEqual([[0, 10], [100, 25], [200, 10]]);
    const f0 = o.read(0), f1 = o.read(1), f2 = o.read(2);
    expect(Object.keys(f0.properties)).toEqual([]);
    expect(f0.images).toBeNull();
    expect(f1.n).toBe(25);
    expect(Object.keys(f1.properties)).toEqual(['vx']);
    expect(Array.from(f1.images!)).toEqual(Array.from(b.images));
    expectClose(f1.positions, b.positions, 10);
    expect(f2.positionsKind).toBe('unwrapped');
    expect(Object.keys(f2.properties)).toEqual(['diameter']);
  });
});

describe('LammpsDumpReader: boxes', () => {
  const frameWith = (boxLines: string) =>
    `ITEM: TIMESTEP\n5\nITEM: NUMBER OF ATOMS\n2\n${boxLines}\nITEM: ATOMS id xs ys zs\n1 0 0 0\n2 1 1 1\n`;

  it('orthogonal, with and without boundary flags; non-p flags are not periodic', () => {
    const plain = openText(frameWith('ITEM: BOX BOUNDS\n-1 1\n-2 2\n-3 3')).read(0);
    expect(plain.box.periodic).toEqual([true, true, true]);
    expect(plain.box.origin).toEqual([-1, -2, -3]);
    expect(plain.box.vectors).toEqual([[2, 0, 0], [0, 4, 0], [0, 0, 6]]);
    expect(Array.from(plain.positions)).toEqual([-1, -2, -3, 1, 2, 3]);
    expect(openText(frameWith('ITEM: BOX BOUNDS pp pp ff\n0 1\n0 1\n0 1')).read(0).box.periodic).toEqual([true, true, false]);
    expect(openText(frameWith('ITEM: BOX BOUNDS ss ss pp\n0 1\n0 1\n0 1')).read(0).box.periodic).toEqual([false, false, true]);
    expect(openText(frameWith('ITEM: BOX BOUNDS pm fs pp\n0 1\n0 1\n0 1')).read(0).box.periodic).toEqual([false, false, true]);
  });

  it('triclinic with the "xy xz yz" header, with and without flags, and with zero tilt', () => {
    // Box: origin (0,0,0), a=(10,0,0), b=(2,8,0), c=(-1,0.5,6): bounding box x: -1..12, y: 0..8.5.
    for (const header of ['ITEM: BOX BOUNDS xy xz yz pp pp pp', 'ITEM: BOX BOUNDS xy xz yz']) {
      const fr = openText(frameWith(`${header}\n-1 12 2\n0 8.5 -1\n0 6 0.5`)).read(0);
      expect(fr.box.origin).toEqual([0, 0, 0]);
      expect(fr.box.vectors).toEqual([[10, 0, 0], [2, 8, 0], [-1, 0.5, 6]]);
      expect(Array.from(fr.positions)).toEqual([0, 0, 0, 11, 8.5, 6]);
    }
    const zero = openText(frameWith('ITEM: BOX BOUNDS xy xz yz pp pp pp\n0 3 0\n0 4 0\n0 5 0')).read(0);
    expect(zero.box.vectors).toEqual([[3, 0, 0], [0, 4, 0], [0, 0, 5]]);
  });

  it('triclinic bounds with three numbers but no "xy xz yz" on the header line', () => {
    const fr = openText(frameWith('ITEM: BOX BOUNDS pp pp pp\n-1 12 2\n0 8.5 -1\n0 6 0.5')).read(0);
    expect(fr.box.vectors).toEqual([[10, 0, 0], [2, 8, 0], [-1, 0.5, 6]]);
  });

  it('writer boxes round-trip through the bounding-box convention', () => {
    const o = openText(dump([sample(3, 9, TRI)]));
    const box = o.entries[0].box;
    expectClose(box.origin, TRI.origin, 12);
    expectClose(box.vectors.flat(), TRI.vectors.flat(), 12);
    expect(o.read(0).box).toEqual(box);
  });
});

describe('LammpsDumpReader: text variants', () => {
  it('ITEM: UNITS and ITEM: TIME: entry.time, frame.time, reader.units', () => {
    const frames = [0, 1, 2].map((k) => sample(8, 10 + k, ORTHO, { timestep: 1000 * k, time: 0.1 + 2.5 * k }));
    const text = dump(frames, { units: 'metal' });
    expect(text.match(/ITEM: UNITS/g)!.length).toBe(1);
    expect(text.match(/ITEM: TIME\n/g)!.length).toBe(3);
    const o = openText(text);
    expect(o.res.damage).toBeNull();
    expect(o.entries.map((e) => e.time)).toEqual([0.1, 2.6, 5.1]);
    expect(o.entries.map((e) => e.timestep)).toEqual([0, 1000, 2000]);
    expect(o.reader.units).toBe('metal');
    // A frame starts at its first ITEM line (UNITS / TIME come before TIMESTEP).
    expect(o.entries[0].offset).toBe(0);
    expect(text.slice(o.entries[1].offset, o.entries[1].offset + 11)).toBe('ITEM: TIME\n');
    const fr = o.read(2);
    expect(fr.time).toBe(5.1);
    expect(fr.timestep).toBe(2000);
    expect(Array.from(fr.positions)).toEqual(Array.from(frames[2].positions));
  });

  it('CRLF line endings, trailing spaces and tabs read like plain LF', () => {
    const frames = [sample(12, 11, TRI), sample(12, 12, TRI, { timestep: 10 })];
    const cols = ['id', 'type', 'x', 'y', 'z', 'ix', 'iy', 'iz', 'vx'];
    const ref = openText(dump(frames, { columns: cols }));
    const variants = [
      dump(frames, { columns: cols, lineEnding: '\r\n' }),
      dump(frames, { columns: cols, trailingSpace: true }),
      dump(frames, { columns: cols, separator: '\t', lineEnding: '\r\n', trailingSpace: true }),
      dump(frames, { columns: cols, separator: ' \t  ' }).replace(/^ITEM: TIMESTEP$/gm, 'ITEM: TIMESTEP  ').replace(/^(\d+)$/gm, '$1 \t'),
    ];
    for (const text of variants) {
      const o = openText(text);
      expect(o.res.damage).toBeNull();
      expect(o.entries.map((e) => e.timestep)).toEqual([0, 10]);
      for (const i of [0, 1]) {
        const a = o.read(i), b = ref.read(i);
        expect(a.positions).toEqual(b.positions);
        expect(a.images).toEqual(b.images);
        expect(a.properties).toEqual(b.properties);
        expect(a.box).toEqual(b.box);
      }
    }
  });

  it('2D: x y without z gives z = 0 and dimensions 2; a flat z is 2D, a varying z 3D', () => {
    const f2 = sample(20, 13, orthoBox(10, 10, 1, [0, 0, -0.5]), { dims: 2 });
    const noZ = openText(dump([f2], { columns: ['id', 'type', 'x', 'y', 'ix', 'iy'] })).read(0);
    expect(noZ.dimensions).toBe(2);
    expect(Array.from(noZ.positions)).toEqual(Array.from(f2.positions));
    for (let i = 0; i < 20; i++) expect(noZ.positions[3 * i + 2]).toBe(0);
    expect(noZ.unwrapped![3]).toBe(f2.positions[3] + 10 * f2.images[3]);
    const zeroZ = openText(dump([f2], { columns: ['id', 'x', 'y', 'z'], dimensions: 2 })).read(0);
    expect(zeroZ.dimensions).toBe(2);
    const scaled2d = openText(dump([f2], { columns: ['id', 'xs', 'ys'] })).read(0);
    expect(scaled2d.dimensions).toBe(2);
    expectClose(scaled2d.positions, f2.positions, 12);
    const flat = openText('ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS\n0 1\n0 1\n0 1\nITEM: ATOMS x y z\n0.1 0.2 0.25\n0.3 0.4 0.25\n').read(0);
    expect(flat.dimensions).toBe(2);
    expect(openText(dump([sample(20, 14, ORTHO)])).read(0).dimensions).toBe(3);
  });
});

describe('LammpsDumpReader: damage and errors', () => {
  const frames = [0, 1, 2, 3].map((k) => sample(30, 20 + k, ORTHO, { timestep: 10 * k }));
  const text = dump(frames, { columns: ['id', 'type', 'x', 'y', 'z'] });
  const starts = [...text.matchAll(/^ITEM: TIMESTEP$/gm)].map((m) => m.index!);
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;

  it('a truncated last frame is reported with its offset; frames before it stay usable', () => {
    const cut = starts[3] + Math.floor((text.length - starts[3]) / 2);
    const o = openText(text.slice(0, cut));
    expect(o.entries.length).toBe(3);
    expect(o.res.frames).toBe(3);
    expect(o.res.endOffset).toBe(starts[3]);
    const d = o.res.damage!;
    expect(d.kind).toBe('truncated');
    expect(d.frame).toBe(3);
    expect(d.offset).toBe(starts[3]);
    expect(d.line).toBe(lineOf(starts[3]));
    expect(d.message).toContain(o.reader.path);
    expect(d.message).toMatch(/frame 3/);
    expect(d.message).toMatch(/expected 30 atom lines/);
    expect(Array.from(o.read(2).positions)).toEqual(Array.from(frames[2].positions));
  });

  it('a file cut inside a frame header or just after a complete frame', () => {
    const inHeader = openText(text.slice(0, starts[3] + 30));
    expect(inHeader.entries.length).toBe(3);
    expect(inHeader.res.damage!.kind).toBe('truncated');
    expect(inHeader.res.damage!.offset).toBe(starts[3]);
    const cutAfter = openText(text.slice(0, starts[3] + 3)); // "ITE"
    expect(cutAfter.entries.length).toBe(3);
    expect(cutAfter.res.damage!.kind).toBe('truncated');
    expect(cutAfter.res.damage!.frame).toBe(3);
    const whole = openText(text.slice(0, starts[3]));
    expect(whole.res.damage).toBeNull();
    expect(whole.entries.length).toBe(3);
    expect(whole.res.endOffset).toBe(starts[3]);
  });

  it('a last line without its newline is complete when it has every column', () => {
    const o = openText(text.slice(0, -1));
    expect(o.res.damage).toBeNull();
    expect(o.entries.length).toBe(4);
    expect(Array.from(o.read(3).positions)).toEqual(Array.from(frames[3].positions));
    const short = openText(text.slice(0, text.lastIndexOf(' ')));
    expect(short.res.damage!.kind).toBe('truncated');
    expect(short.entries.length).toBe(3);
  });

  it('a malformed header in the middle stops the scan with corrupt damage naming file, frame and line', () => {
    const at = text.indexOf('ITEM: NUMBER OF ATOMS', starts[2]) + 'ITEM: NUMBER OF ATOMS\n'.length;
    const bad = text.slice(0, at) + 'thirty' + text.slice(at + 2);
    const o = openText(bad);
    expect(o.entries.length).toBe(2);
    expect(o.res.endOffset).toBe(starts[2]);
    const d = o.res.damage!;
    expect(d.kind).toBe('corrupt');
    expect(d.frame).toBe(2);
    expect(d.offset).toBe(starts[2]);
    expect(d.line).toBe(lineOf(at));
    expect(d.message).toContain(o.reader.path);
    expect(d.message).toContain(`frame 2 (line ${lineOf(at)}`);
    expect(d.message).toMatch(/"thirty"/);
    // A garbled box line, and an unknown ITEM.
    const badBox = text.replace(/ITEM: BOX BOUNDS pp pp pp\n([^\n]*)\n/g, (m, l1: string, off: number) => (off > starts[1] && off < starts[2] ? `ITEM: BOX BOUNDS pp pp pp\n${l1} oops\n` : m));
    const ob = openText(badBox);
    expect(ob.res.damage!.frame).toBe(1);
    expect(ob.res.damage!.message).toMatch(/box bounds line 1/);
    const unknown = openText(text.slice(0, starts[1]) + 'ITEM: ENTRIES c_1\n' + text.slice(starts[1]));
    expect(unknown.res.damage!.kind).toBe('corrupt');
    expect(unknown.res.damage!.frame).toBe(1);
    expect(unknown.res.damage!.line).toBe(lineOf(starts[1]));
  });

  it('a middle frame far too short for its atom count is corrupt at scan time', () => {
    const lines = text.split('\n');
    const ln = lineOf(starts[1]) + 9; // index of frame 1's 2nd atom line
    lines.splice(ln, 29);
    const o = openText(lines.join('\n'));
    expect(o.entries.length).toBe(1);
    expect(o.res.damage!.kind).toBe('corrupt');
    expect(o.res.damage!.frame).toBe(1);
  });

  it('a malformed atom line throws a TrajectoryError naming file, frame, line and the expected column', () => {
    const lineNo = lineOf(starts[2]) + 9 + 4; // 5th atom line of frame 2
    const lines = text.split('\n');
    const parts = lines[lineNo - 1].split(' ');
    parts[3] = 'nan';
    lines[lineNo - 1] = parts.join(' ');
    const o = openText(lines.join('\n'));
    expect(o.res.damage).toBeNull();
    expect(o.read(1).n).toBe(30);
    let err: unknown;
    try {
      o.read(2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrajectoryError);
    const te = err as TrajectoryError;
    expect(te.message).toContain(o.reader.path);
    expect(te.message).toContain(`frame 2, line ${lineNo}`);
    expect(te.message).toMatch(/column "y"/);
    expect(te.message).toMatch(/"nan"/);
    expect(te.place).toMatchObject({ frame: 2, line: lineNo });

    const missing = lines.slice();
    missing[lineNo - 1] = parts.slice(0, 3).join(' ');
    expect(() => openText(missing.join('\n')).read(2)).toThrow(new RegExp(`frame 2, line ${lineNo}.*column "y".*line ends`));
    const extra = lines.slice();
    extra[lineNo - 1] = lines[lineNo - 1].replace('nan', '1.5') + ' 7';
    expect(() => openText(extra.join('\n')).read(2)).toThrow(/more/);
    const badId = text.split('\n');
    badId[lineNo - 1] = '2.5 ' + badId[lineNo - 1].split(' ').slice(1).join(' ');
    expect(() => openText(badId.join('\n')).read(2)).toThrow(/integer id \(column "id"\).*"2.5"/);
    const inf = text.split('\n');
    inf[lineNo - 1] = inf[lineNo - 1].replace(/ [^ ]+$/, ' inf');
    expect(() => openText(inf.join('\n')).read(2)).toThrow(new RegExp(`line ${lineNo}.*column "z".*"inf"`));
  });

  it('readFrame of a file that shrank since the scan throws', () => {
    const p = tmpFile(text);
    const o = openPath(p);
    writeFileSync(p, text.slice(0, starts[3] + 10));
    expect(() => o.read(3)).toThrow(TrajectoryError);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** A source that yields tiny chunks from one reused buffer, to exercise the scan's carry-over between chunks. */
class TinyChunkSource implements ByteSource {
  readonly compression = 'none' as const;
  private inner: FileSource;
  constructor(readonly path: string, private readonly size0: number) {
    this.inner = new FileSource(path);
  }
  get fileSize() { return this.inner.fileSize; }
  get size() { return this.inner.size; }
  *chunks(from: number, _chunkSize?: number, onFileBytes?: (n: number) => void): Iterable<Chunk> {
    const buf = Buffer.alloc(this.size0);
    for (const c of this.inner.chunks(from, 1 << 16)) {
      for (let o = 0; o < c.data.length; o += this.size0) {
        const part = c.data.subarray(o, o + this.size0);
        part.copy(buf);
        onFileBytes?.(part.length);
        yield { offset: c.offset + o, data: buf.subarray(0, part.length) };
        buf.fill(0x41); // the reader must have copied what it keeps
      }
    }
  }
  read(offset: number, length: number) { return this.inner.read(offset, length); }
  exportSeekIndex() { return null; }
  close() { this.inner.close(); }
}

describe('LammpsDumpReader: scanning', () => {
  const frames = [0, 1, 2, 3, 4].map((k) => sample(7 + 3 * k, 30 + k, TRI, { timestep: 5 * k, time: k / 4 }));
  const text = dump(frames, { units: 'lj', columns: ['id', 'type', 'x', 'y', 'z', 'ix', 'iy', 'iz'] });

  it('finds the same frames whatever the chunk size', () => {
    const path = tmpFile(text);
    const ref = openPath(path);
    expect(ref.entries.length).toBe(5);
    for (const size of [1, 2, 5, 13, 64, 333, 4096]) {
      const o = openSource(new TinyChunkSource(path, size));
      expect(o.res).toEqual(ref.res);
      expect(o.entries).toEqual(ref.entries);
      expect(o.reader.units).toBe('lj');
    }
    // Damage found across chunks too.
    const cutPath = tmpFile(text.slice(0, text.length - 20));
    const cutRef = openPath(cutPath);
    for (const size of [1, 7, 100]) {
      const o = openSource(new TinyChunkSource(cutPath, size));
      expect(o.res).toEqual(cutRef.res);
      expect(o.entries).toEqual(cutRef.entries);
    }
  });

  it('entries carry offset, length, timestep, time, n and box', () => {
    const o = openText(text);
    let off = 0;
    o.entries.forEach((e, k) => {
      expect(e.offset).toBe(off);
      off += e.length;
      expect(e.timestep).toBe(5 * k);
      expect(e.time).toBe(k / 4);
      expect(e.n).toBe(7 + 3 * k);
      expectClose(e.box.vectors.flat(), TRI.vectors.flat(), 12);
    });
    expect(off).toBe(text.length);
    expect(o.res.endOffset).toBe(text.length);
  });

  it('resumes an incremental scan of a growing file (fromOffset / fromFrame)', () => {
    const path = tmpFile('');
    // Frames start at ITEM: TIME (the first at ITEM: UNITS, offset 0).
    const starts = [...text.matchAll(/^ITEM: TIME$/gm)].map((m) => m.index!);
    starts[0] = 0;
    // Write two frames and part of the third.
    const cut = starts[2] + 40;
    appendFileSync(path, text.slice(0, cut));
    const reader = new LammpsDumpReader(new FileSource(path));
    open.push(reader);
    const all: FrameEntry[] = [];
    const collect = (b: FrameEntry[], first: number) => {
      expect(first).toBe(all.length);
      all.push(...b);
    };
    const r1 = reader.scan({ onFrames: collect });
    expect(r1.frames).toBe(2);
    expect(r1.damage!.kind).toBe('truncated');
    expect(r1.endOffset).toBe(starts[2]);
    appendFileSync(path, text.slice(cut));
    const r2 = reader.scan({ fromOffset: r1.endOffset, fromFrame: r1.frames, onFrames: collect });
    expect(r2.damage).toBeNull();
    expect(r2.frames).toBe(3);
    expect(r2.endOffset).toBe(text.length);
    expect(all).toEqual(openText(text).entries);
    expect(Array.from(reader.readFrame(all[4], 4).positions)).toEqual(Array.from(frames[4].positions));
    // Nothing new: an empty rescan.
    expect(reader.scan({ fromOffset: r2.endOffset, fromFrame: 5 })).toEqual({ frames: 0, endOffset: text.length, damage: null });
  });

  it('reports progress and honours an abort signal', () => {
    const path = tmpFile(text);
    const reader = new LammpsDumpReader(new TinyChunkSource(path, 100));
    open.push(reader);
    const seen: number[] = [];
    reader.scan({ onProgress: (p) => seen.push(p.bytesDone) });
    expect(seen.length).toBeGreaterThan(5);
    expect(seen[seen.length - 1]).toBe(text.length);
    const ac = new AbortController();
    let calls = 0;
    expect(() =>
      reader.scan({
        signal: ac.signal,
        onProgress: () => {
          if (++calls === 3) ac.abort();
        },
      }),
    ).toThrow(/abort/i);
  });

  it('a file that does not start with ITEM: is corrupt at frame 0, line 1', () => {
    const o = openText('hello\n' + text);
    expect(o.entries.length).toBe(0);
    expect(o.res.damage).toMatchObject({ kind: 'corrupt', frame: 0, line: 1, offset: 0 });
    const empty = openText('');
    expect(empty.res).toEqual({ frames: 0, endOffset: 0, damage: null });
  });
});

describe('writer -> reader round trip', () => {
  it('reproduces every array exactly with the shortest number format', () => {
    const frames = [0, 1, 2].map((k) => {
      const f = sample(200, 40 + k, TRI, { timestep: 1000 * k, time: 0.005 * 1000 * k });
      const u = new Float64Array(f.positions.length);
      for (let i = 0; i < u.length; i++) u[i] = f.positions[i] + (i % 3) * 3.5;
      return { ...f, unwrapped: u, typeNames: ['', 'A', 'B', 'C'] };
    });
    const cols = ['id', 'type', 'element', 'x', 'y', 'z', 'xu', 'yu', 'zu', 'ix', 'iy', 'iz', 'vx', 'diameter'];
    const order = Int32Array.from({ length: 200 }, (_, i) => (i * 37) % 200);
    const o = openText(dump(frames, { columns: cols, order }));
    expect(o.res).toEqual({ frames: 3, endOffset: o.entries[2].offset + o.entries[2].length, damage: null });
    frames.forEach((f, k) => {
      const fr = o.read(k);
      expect(fr.index).toBe(k);
      expect(fr.timestep).toBe(1000 * k);
      expect(fr.time).toBe(5 * k);
      expect(fr.n).toBe(200);
      expect(fr.dimensions).toBe(3);
      expect(Array.from(fr.ids)).toEqual(Array.from(f.ids));
      expect(Array.from(fr.types)).toEqual(Array.from(f.types));
      expect(fr.typeNames!.slice(1)).toEqual(['A', 'B', 'C']);
      expect(Array.from(fr.positions)).toEqual(Array.from(f.positions));
      expect(Array.from(fr.unwrapped!)).toEqual(Array.from(f.unwrapped));
      expect(Array.from(fr.images!)).toEqual(Array.from(f.images));
      expect(Array.from(fr.properties.vx)).toEqual(Array.from(f.properties.vx));
      expect(Array.from(fr.properties.diameter)).toEqual(Array.from(f.properties.diameter));
      expect(fr.warnings).toEqual([]);
    });
  });

  it('writes the LAMMPS layout (header items, %.16e bounds, digits/decimals formats)', () => {
    const f = { timestep: 3, box: orthoBox(2, 3, 4), positions: [0.5, 1.25, 2], ids: [7], properties: { q: [-1 / 3] } };
    expect(writeLammpsDumpFrame(f, { columns: ['id', 'x', 'y', 'z', 'q'], digits: 6 })).toBe(
      'ITEM: TIMESTEP\n3\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n' +
        '0.0000000000000000e+00 2.0000000000000000e+00\n0.0000000000000000e+00 3.0000000000000000e+00\n0.0000000000000000e+00 4.0000000000000000e+00\n' +
        'ITEM: ATOMS id x y z q\n7 0.5 1.25 2 -0.333333\n',
    );
    expect(writeLammpsDumpFrame(f, { columns: ['x', 'q'], decimals: 3, boundary: null, lineEnding: '\r\n' })).toMatch(
      /ITEM: BOX BOUNDS\r\n[^]*ITEM: ATOMS x q\r\n0\.500 -0\.333\r\n$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('files written by LAMMPS (tests/fixtures/lammps)', () => {
  it('tri2d.lammpstrj: 2D triclinic, UNITS/TIME, image flags, x/xu/xs/xsu columns agree', () => {
    const o = openPath(join(FIXTURES, 'tri2d.lammpstrj'));
    expect(o.res.damage).toBeNull();
    expect(o.entries.map((e) => e.timestep)).toEqual([0, 50, 100, 150, 200]);
    expect(o.entries.map((e) => e.time)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(o.entries.every((e) => e.n === 80)).toBe(true);
    expect(o.reader.units).toBe('lj');
    const box = o.entries[0].box;
    expect(box.origin).toEqual([0, 0, -6.0070285353368857e-1]);
    expect(box.vectors[0][0]).toBeCloseTo(12.014057070673772 - 2.4028114141347543, 12);
    expect(box.vectors[1]).toEqual([2.4028114141347543, 10.404478625719541, 0]);
    expect(box.vectors[2][2]).toBeCloseTo(2 * 0.60070285353368857, 14);
    const fr = o.read(4);
    expect(fr.dimensions).toBe(2);
    expect(fr.positionsKind).toBe('wrapped');
    expect(Object.keys(fr.properties).sort()).toEqual(['c_pe', 'vx', 'vy', 'xs', 'xsu', 'ys', 'ysu']);
    // Last frame, id 1: "1 1 9.4957 0.0942629 0 -1 0 0 -0.115548 0.0942629 0.985713 0.00905984 ...".
    expect(Array.from(fr.positions.subarray(0, 3))).toEqual([9.4957, 0.0942629, 0]);
    expect(Array.from(fr.images!.subarray(0, 3))).toEqual([-1, 0, 0]);
    expect(fr.unwrapped![0]).toBe(-0.115548);
    let nonZeroImages = 0;
    const [a, b] = box.vectors;
    for (let i = 0; i < 80; i++) {
      const [ix, iy] = [fr.images![3 * i], fr.images![3 * i + 1]];
      if (ix || iy) nonZeroImages++;
      // xu (as written, 6 digits) = x + ix*a + iy*b.
      expect(fr.unwrapped![3 * i]).toBeCloseTo(fr.positions[3 * i] + ix * a[0] + iy * b[0], 3);
      expect(fr.unwrapped![3 * i + 1]).toBeCloseTo(fr.positions[3 * i + 1] + iy * b[1], 3);
      // x = origin + xs*a + ys*b.
      const xs = fr.properties.xs[i], ys = fr.properties.ys[i];
      expect(fr.positions[3 * i]).toBeCloseTo(xs * a[0] + ys * b[0], 3);
      expect(fr.positions[3 * i + 1]).toBeCloseTo(ys * b[1], 3);
    }
    expect(nonZeroImages).toBeGreaterThan(3);
  });

  it('psf3d.dump: boundary p s f, element column, sorted ids', () => {
    const o = openPath(join(FIXTURES, 'psf3d.dump'));
    expect(o.res.damage).toBeNull();
    // One atom leaves through the fixed z boundary before step 40: the atom count changes.
    expect(o.entries.map((e) => [e.timestep, e.n, e.time])).toEqual([[0, 126, null], [20, 126, null], [40, 125, null]]);
    expect(o.read(2).n).toBe(125);
    const fr = o.read(0);
    expect(fr.box.periodic).toEqual([true, false, false]);
    expect(fr.box.origin).toEqual([0, -5.0387885741475218e-4, 0]);
    expect(fr.dimensions).toBe(3);
    expect(fr.typeNames).toEqual(['', 'Ar', 'Kr']);
    expect(Array.from(fr.types.subarray(0, 5))).toEqual([1, 2, 1, 2, 2]);
    expect(Array.from(fr.positions.subarray(3, 6))).toEqual([0.839798, 0.839798, 0]);
    expect(fr.properties.vx[1]).toBe(-0.168661);
    expect(Array.from(fr.ids)).toEqual(Array.from({ length: 126 }, (_, i) => i + 1));
  });
});
