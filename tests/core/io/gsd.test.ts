import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../../../src/core/io/file-source.js';
import { GsdFile, GsdType } from '../../../src/core/io/gsd-file.js';
import { GsdReader } from '../../../src/core/io/gsd.js';
import { GsdWriter, type GsdFrameInput } from '../../../src/core/io/gsd-writer.js';
import { TrajectoryError, type Frame, type FrameEntry, type ScanResult } from '../../../src/core/io/types.js';
import { boxFromHoomd, boxToHoomd } from '../../../src/core/box.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../../fixtures/gsd');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsd-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const tmp = (name: string): string => join(dir, name);

function scanAll(path: string, fromFrame = 0): { reader: GsdReader; entries: FrameEntry[]; result: ScanResult } {
  const reader = new GsdReader(new FileSource(path));
  const entries: FrameEntry[] = [];
  const result = reader.scan({ fromFrame, onFrames: (b, first) => {
    expect(first).toBe(fromFrame + entries.length);
    entries.push(...b);
  } });
  return { reader, entries, result };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
      throw new Error(`element ${i}: ${actual[i]} != ${expected[i]}`);
    }
  }
}

function column(a: ArrayLike<number>, m: number, c: number): number[] {
  const out: number[] = [];
  for (let i = c; i < a.length; i += m) out.push(a[i]);
  return out;
}

interface Expected {
  header: { gsd_version: number[]; application: string; schema_version: number[]; nframes: number };
  frames: {
    step: number; dimensions: number; box: number[]; N: number; types: string[]; position: number[]; typeid: number[];
    diameter: number[]; mass: number[]; charge: number[]; body: number[]; image: number[]; velocity: number[];
    orientation: number[]; moment_inertia: number[]; angmom: number[]; log: Record<string, number[]>; chunks: string[];
  }[];
}

/** Compare a frame with what gsd.hoomd read (all fallbacks applied). */
function checkAgainstPython(fr: Frame, e: Expected['frames'][number], full: boolean): void {
  expect(fr.timestep).toBe(e.step);
  expect(fr.n).toBe(e.N);
  expect(fr.dimensions).toBe(e.dimensions);
  expectClose(boxToHoomd(fr.box), e.box);
  expect(fr.typeNames).toEqual(e.types);
  expectClose(fr.positions, e.position);
  expect(Array.from(fr.types)).toEqual(e.typeid);
  expect(Array.from(fr.ids)).toEqual(Array.from({ length: e.N }, (_, i) => i + 1));
  expectClose(fr.properties.diameter, e.diameter);
  expect(fr.images).not.toBeNull();
  expect(Array.from(fr.images as Int32Array)).toEqual(e.image);
  expectClose(fr.properties.vx, column(e.velocity, 3, 0));
  expectClose(fr.properties.vy, column(e.velocity, 3, 1));
  expectClose(fr.properties.vz, column(e.velocity, 3, 2));
  expect(fr.positionsKind).toBe('wrapped');
  expect(fr.time).toBeNull();
  // unwrapped = x + ix*Lx + xy*iy*Ly + xz*iz*Lz, y + iy*Ly + yz*iz*Lz, z + iz*Lz (hoomd schema)
  const [Lx, Ly, Lz, xy, xz, yz] = e.box;
  const u = fr.unwrapped as Float64Array;
  for (let i = 0; i < e.N; i++) {
    const [x, y, z] = e.position.slice(3 * i, 3 * i + 3);
    const [ix, iy, iz] = e.image.slice(3 * i, 3 * i + 3);
    expectClose([u[3 * i], u[3 * i + 1], u[3 * i + 2]],
      [x + ix * Lx + xy * iy * Ly + xz * iz * Lz, y + iy * Ly + yz * iz * Lz, z + iz * Lz]);
  }
  if (full) {
    expectClose(fr.properties.mass, e.mass);
    expectClose(fr.properties.charge, e.charge);
    expectClose(fr.properties.body, e.body);
    for (let k = 0; k < 4; k++) expectClose(fr.properties[`orientation[${k}]`], column(e.orientation, 4, k));
    for (let k = 0; k < 3; k++) expectClose(fr.properties[`moment_inertia[${k}]`], column(e.moment_inertia, 3, k));
    for (let k = 0; k < 4; k++) expectClose(fr.properties[`angmom[${k}]`], column(e.angmom, 4, k));
  }
}

describe('GsdReader on files written by the Python gsd package', () => {
  it('reads a 2D file with frame-0 fallbacks and defaults exactly as gsd.hoomd does', () => {
    const path = join(fixtures, 'python-2d.gsd');
    const ex = JSON.parse(readFileSync(join(fixtures, 'python-2d.expected.json'), 'utf8')) as Expected;
    const { reader, entries, result } = scanAll(path);
    expect(result.damage).toBeNull();
    expect(result.frames).toBe(4);
    expect(entries.map((e) => e.timestep)).toEqual([5, 1005, 2005, 3005]);
    expect(entries.map((e) => e.n)).toEqual([12, 12, 12, 8]);
    expect(reader.file.header.version).toEqual([2, 0]);
    expect(reader.file.header.application).toBe('gsd.hoomd 2.7.0');
    expect(reader.file.header.schemaVersion).toEqual([1, 4]);
    // The fallbacks are really exercised: frames 1-3 store no typeid/diameter/box/types.
    for (let f = 0; f < 4; f++) {
      expect(reader.file.chunks(f).map((c) => c.name).sort()).toEqual(ex.frames[f].chunks);
    }
    expect(reader.file.chunks(1).map((c) => c.name)).not.toContain('particles/typeid');
    for (let f = 0; f < 4; f++) {
      const fr = reader.readFrame(entries[f], f);
      checkAgainstPython(fr, ex.frames[f], false);
      // Entry box equals the frame's (2D: z not periodic).
      expect(entries[f].box).toEqual(fr.box);
      expect(fr.box.periodic).toEqual([true, true, false]);
      const log = reader.readLog(f);
      expect(Object.keys(log).sort()).toEqual(Object.keys(ex.frames[f].log).sort());
      for (const k of Object.keys(log)) expectClose(log[k], ex.frames[f].log[k]);
    }
    // Frame 1 took typeid/diameter from frame 0; frame 3 (N differs) uses the defaults 0 and 1.
    const f1 = reader.readFrame(entries[1], 1);
    expect(Array.from(f1.types.slice(0, 4))).toEqual([0, 1, 0, 1]);
    expectClose(f1.properties.diameter.slice(0, 2), [1, 1.4]);
    const f3 = reader.readFrame(entries[3], 3);
    expect(Array.from(f3.types)).toEqual(new Array(8).fill(0));
    expect(Array.from(f3.properties.diameter)).toEqual(new Array(8).fill(1));
    expect(f3.typeNames).toEqual(['small', 'large']);
    // log/stress is missing in frame 2: frame 0's value.
    expect(Array.from(reader.readLog(2).stress)).toEqual([0, 1, 2]);
    reader.close();
  });

  it('reads a 3D triclinic file with every per-particle attribute', () => {
    const path = join(fixtures, 'python-3d.gsd');
    const ex = JSON.parse(readFileSync(join(fixtures, 'python-3d.expected.json'), 'utf8')) as Expected;
    const { reader, entries, result } = scanAll(path);
    expect(result.damage).toBeNull();
    expect(entries.map((e) => e.timestep)).toEqual([40, 41]);
    expect(ex.frames[1].chunks).toEqual(['configuration/step', 'particles/position']);
    for (let f = 0; f < 2; f++) {
      const fr = reader.readFrame(entries[f], f);
      checkAgainstPython(fr, ex.frames[f], true);
      expect(fr.dimensions).toBe(3);
      expect(fr.box.vectors).toEqual(boxFromHoomd([4, 5, 6, 0.1, 0.2, 0.3].map(Math.fround), 3).vectors);
      expect(fr.typeNames).toEqual(['A', 'B', 'C']);
    }
    reader.close();
  });
});

function frameInput(f: number, n: number, dims: 2 | 3): GsdFrameInput {
  const positions = new Float64Array(n * 3);
  const image = new Int32Array(n * 3);
  const velocity = new Float32Array(n * 3);
  const orientation = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    positions[3 * i] = Math.fround(Math.sin(i + f) * 2);
    positions[3 * i + 1] = Math.fround(Math.cos(3 * i + f) * 2);
    positions[3 * i + 2] = dims === 2 ? 0 : Math.fround(Math.sin(7 * i) * 1.5);
    image[3 * i] = (i % 3) - 1;
    image[3 * i + 1] = f - 1;
    image[3 * i + 2] = dims === 2 ? 0 : i % 2;
    velocity[3 * i] = i * 0.5;
    velocity[3 * i + 1] = -f;
    velocity[3 * i + 2] = dims === 2 ? 0 : 0.25;
    orientation[4 * i] = 1;
    orientation[4 * i + 3] = i / 8;
  }
  return {
    step: 100 * f + 3,
    box: dims === 2 ? [6, 7, 1, 0.5, 0, 0] : [6, 7, 8, 0.5, -0.25, 0.125],
    dimensions: dims,
    positions,
    typeid: Array.from({ length: n }, (_, i) => i % 2),
    types: ['small', 'large'],
    diameter: Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1.4 : 1)),
    mass: Float32Array.from({ length: n }, (_, i) => 1 + i),
    charge: Float32Array.from({ length: n }, (_, i) => (i % 2 ? -0.5 : 0.5)),
    image,
    velocity,
    orientation,
    log: { potential_energy: -1.25 * f, 'md/pressure_tensor': new Float64Array([f, 1, 2, 3, 4, 5]) },
  };
}

describe('GsdWriter -> GsdReader round trip', () => {
  for (const dims of [2, 3] as const) {
    it(`round-trips every field (${dims}D, tilted box)`, () => {
      const path = tmp(`rt${dims}.gsd`);
      const w = GsdWriter.create(path);
      const n = 9;
      for (let f = 0; f < 3; f++) w.writeFrame(frameInput(f, n, dims));
      w.flush();
      w.close();
      const { reader, entries, result } = scanAll(path);
      expect(result.damage).toBeNull();
      expect(result.frames).toBe(3);
      const h = reader.file.header;
      expect(h.version).toEqual([2, 0]);
      expect(h.application).toBe('avalanche-workbench');
      expect(h.schema).toBe('hoomd');
      expect(h.schemaVersion).toEqual([1, 4]);
      for (let f = 0; f < 3; f++) {
        const input = frameInput(f, n, dims);
        const e = entries[f];
        expect(e.timestep).toBe(100 * f + 3);
        expect(e.n).toBe(n);
        expect(e.time).toBeNull();
        // The entry spans the frame's chunks.
        const chunks = reader.file.chunks(f);
        expect(e.offset).toBe(Math.min(...chunks.map((c) => c.location)));
        expect(e.offset + e.length).toBe(Math.max(...chunks.map((c) => c.location + c.byteLength)));
        const fr = reader.readFrame(e, f);
        expect(fr.index).toBe(f);
        expect(fr.dimensions).toBe(dims);
        expectClose(boxToHoomd(fr.box), input.box);
        expect(fr.box.periodic).toEqual([true, true, dims === 3]);
        expect(fr.box.origin[0]).toBeCloseTo(-(6 + 0.5 * 7 + (dims === 3 ? -0.25 * 8 : 0)) / 2, 6);
        expect(Array.from(fr.positions)).toEqual(Array.from(input.positions));
        expect(Array.from(fr.ids)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(Array.from(fr.types)).toEqual(input.typeid);
        expect(fr.typeNames).toEqual(['small', 'large']);
        expect(Array.from(fr.images as Int32Array)).toEqual(Array.from(input.image as Int32Array));
        expectClose(fr.unwrapped as Float64Array, Array.from(input.positions).map((x, k) => {
          const i = Math.floor(k / 3), c = k % 3;
          const [Lx, Ly, Lz, xy, xz, yz] = input.box;
          const [ix, iy, iz] = Array.from((input.image as Int32Array).slice(3 * i, 3 * i + 3));
          return x + [ix * Lx + xy * iy * Ly + xz * iz * Lz, iy * Ly + yz * iz * Lz, iz * Lz][c];
        }));
        expectClose(fr.properties.diameter, input.diameter as Float32Array);
        expectClose(fr.properties.mass, input.mass as Float32Array);
        expectClose(fr.properties.charge, input.charge as Float32Array);
        expectClose(fr.properties.vx, column(input.velocity as Float32Array, 3, 0));
        expectClose(fr.properties.vy, column(input.velocity as Float32Array, 3, 1));
        expectClose(fr.properties.vz, column(input.velocity as Float32Array, 3, 2));
        for (let k = 0; k < 4; k++) expectClose(fr.properties[`orientation[${k}]`], column(input.orientation as Float32Array, 4, k));
        const log = reader.readLog(f);
        expect(Array.from(log.potential_energy)).toEqual([-1.25 * f]);
        expect(Array.from(log['md/pressure_tensor'])).toEqual([f, 1, 2, 3, 4, 5]);
      }
      reader.close();
    });
  }

  it('takes chunks missing from a frame from frame 0, else the HOOMD defaults', () => {
    const path = tmp('fallback.gsd');
    const w = GsdWriter.create(path);
    const chunk = (name: string, type: Parameters<GsdWriter['writeChunk']>[1], N: number, M: number, data: ArrayBufferView): void =>
      w.writeChunk(name, type, N, M, data);
    // Frame 0: everything.
    chunk('configuration/step', GsdType.UINT64, 1, 1, new BigUint64Array([10n]));
    chunk('configuration/dimensions', GsdType.UINT8, 1, 1, new Uint8Array([2]));
    chunk('configuration/box', GsdType.FLOAT, 6, 1, new Float32Array([4, 4, 1, 0.25, 0, 0]));
    chunk('particles/N', GsdType.UINT32, 1, 1, new Uint32Array([3]));
    chunk('particles/types', GsdType.INT8, 2, 2, new Int8Array([80, 0, 81, 0])); // 'P', 'Q'
    chunk('particles/typeid', GsdType.UINT32, 3, 1, new Uint32Array([1, 0, 1]));
    chunk('particles/diameter', GsdType.FLOAT, 3, 1, new Float32Array([0.5, 0.75, 1.5]));
    chunk('particles/position', GsdType.FLOAT, 3, 3, new Float32Array([0, 0, 0, 1, 1, 0, -1, 0.5, 0]));
    chunk('log/energy', GsdType.DOUBLE, 1, 1, new Float64Array([-3]));
    w.endFrame();
    // Frame 1: only step and positions (typeid, diameter, box, dimensions, types, N, log from frame 0).
    chunk('configuration/step', GsdType.UINT64, 1, 1, new BigUint64Array([20n]));
    chunk('particles/position', GsdType.FLOAT, 3, 3, new Float32Array([0.5, 0, 0, 1, 1.5, 0, -1, 0, 0]));
    w.endFrame();
    // Frame 2: N changes: per-particle chunks are not taken from frame 0 (typeid 0, diameter 1).
    chunk('configuration/step', GsdType.UINT64, 1, 1, new BigUint64Array([30n]));
    chunk('particles/N', GsdType.UINT32, 1, 1, new Uint32Array([2]));
    chunk('particles/position', GsdType.FLOAT, 2, 3, new Float32Array([1, 1, 0, 2, 2, 0]));
    w.endFrame();
    // Frame 3: nothing at all but the step: frame 0's N, box, positions ...
    chunk('configuration/step', GsdType.UINT64, 1, 1, new BigUint64Array([40n]));
    w.endFrame();
    w.close();

    const { reader, entries, result } = scanAll(path);
    expect(result.damage).toBeNull();
    expect(entries.map((e) => [e.timestep, e.n])).toEqual([[10, 3], [20, 3], [30, 2], [40, 3]]);
    const f1 = reader.readFrame(entries[1], 1);
    expect(Array.from(f1.types)).toEqual([1, 0, 1]);
    expect(Array.from(f1.properties.diameter)).toEqual([0.5, 0.75, 1.5]);
    expect(f1.typeNames).toEqual(['P', 'Q']);
    expect(f1.dimensions).toBe(2);
    expect(boxToHoomd(f1.box)).toEqual([4, 4, 1, 0.25, 0, 0]);
    expect(Array.from(f1.positions)).toEqual([0.5, 0, 0, 1, 1.5, 0, -1, 0, 0]);
    expect(f1.images).toBeNull();
    expect(f1.unwrapped).toBeNull();
    expect(Array.from(reader.readLog(1).energy)).toEqual([-3]);
    const f2 = reader.readFrame(entries[2], 2);
    expect(Array.from(f2.types)).toEqual([0, 0]);
    expect(Array.from(f2.properties.diameter)).toEqual([1, 1]);
    expect(f2.typeNames).toEqual(['P', 'Q']);
    const f3 = reader.readFrame(entries[3], 3);
    expect(Array.from(f3.positions)).toEqual([0, 0, 0, 1, 1, 0, -1, 0.5, 0]);
    expect(Array.from(f3.types)).toEqual([1, 0, 1]);
    reader.close();
  });

  it('uses the HOOMD defaults when even frame 0 lacks a chunk', () => {
    const path = tmp('defaults.gsd');
    const w = GsdWriter.create(path);
    w.writeChunk('particles/N', GsdType.UINT32, 1, 1, new Uint32Array([2]));
    w.writeChunk('particles/position', GsdType.FLOAT, 2, 3, new Float32Array([0.1, 0.2, 0.3, -0.1, -0.2, -0.3]));
    w.endFrame();
    w.close();
    const { reader, entries } = scanAll(path);
    expect(entries[0].timestep).toBe(0);
    const fr = reader.readFrame(entries[0], 0);
    expect(boxToHoomd(fr.box)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(fr.dimensions).toBe(3);
    expect(fr.typeNames).toEqual(['A']);
    expect(Array.from(fr.types)).toEqual([0, 0]);
    expect(Array.from(fr.properties.diameter)).toEqual([1, 1]);
    expect(fr.properties.mass).toBeUndefined();
    reader.close();
  });

  it('grows the index and namelist past their initial blocks', () => {
    const path = tmp('big-index.gsd');
    const w = GsdWriter.create(path, { application: 'unit test' });
    const n = 4;
    for (let f = 0; f < 40; f++) {
      const input = frameInput(f, n, 2);
      // A long log name in frame 0 (namelist > 1024 bytes) and another long chunk name later.
      input.log = { ['x'.repeat(1100)]: f };
      if (f === 25) w.writeChunk('custom/' + 'y'.repeat(1500), GsdType.INT32, 1, 1, new Int32Array([f]));
      w.writeFrame(input);
    }
    w.close();
    const { reader, entries, result } = scanAll(path);
    expect(result.damage).toBeNull();
    expect(entries.length).toBe(40);
    expect(reader.file.header.application).toBe('unit test');
    expect(reader.file.header.indexAllocatedEntries).toBeGreaterThan(128);
    expect(reader.file.header.indexLocation).toBeGreaterThan(256);
    expect(entries[39].timestep).toBe(3903);
    const fr = reader.readFrame(entries[39], 39);
    expect(Array.from(fr.positions)).toEqual(Array.from(frameInput(39, n, 2).positions));
    expect(Array.from(reader.readLog(39)['x'.repeat(1100)])).toEqual([39]);
    expect(Array.from(reader.file.readChunk(25, 'custom/' + 'y'.repeat(1500)) as Int32Array)).toEqual([25]);
    reader.close();
  });

  it('appends to an existing file (simulation resume) and enforces the frame-0 rule for logs', () => {
    const path = tmp('append.gsd');
    let w = GsdWriter.create(path);
    for (let f = 0; f < 3; f++) w.writeFrame(frameInput(f, 5, 2));
    w.close();
    w = GsdWriter.openAppend(path);
    expect(w.frameCount).toBe(3);
    for (let f = 3; f < 5; f++) w.writeFrame(frameInput(f, 5, 2));
    expect(() => w.writeFrame({ ...frameInput(5, 5, 2), log: { new_quantity: 1 } })).toThrow(/frame 0/);
    w.close();
    const { reader, entries, result } = scanAll(path);
    expect(result.damage).toBeNull();
    expect(entries.map((e) => e.timestep)).toEqual([3, 103, 203, 303, 403]);
    expect(Array.from(reader.readFrame(entries[4], 4).positions)).toEqual(Array.from(frameInput(4, 5, 2).positions));
    reader.close();
    expect(() => GsdWriter.openAppend(join(fixtures, 'README.md'))).toThrow(/not a GSD file/);
  });

  it('rejects bad frame input with clear messages', () => {
    const w = GsdWriter.create(tmp('bad-input.gsd'));
    expect(() => w.writeFrame({ step: 0, box: [1, 1, 1, 0, 0, 0], positions: new Float32Array(7) })).toThrow(/multiple of 3/);
    expect(() => w.writeFrame({ step: 0, box: [1, 1, 1], positions: new Float32Array(3) })).toThrow(/box/);
    expect(() => w.writeFrame({ step: 0, box: [1, 1, 1, 0, 0, 0], positions: new Float32Array(6), typeid: [0, 2], types: ['A', 'B'] })).toThrow(/typeid\[1\]/);
    expect(() => w.writeFrame({ step: 0, box: [1, 1, 1, 0, 0, 0], positions: new Float32Array(6), diameter: [1] })).toThrow(/diameter/);
    w.close();
  });
});

describe('GsdReader on files being written, damaged or not GSD', () => {
  it('follows a growing file: complete frames only, incremental scans from fromFrame', () => {
    const path = tmp('growing.gsd');
    const w = GsdWriter.create(path);
    const reader = new GsdReader(new FileSource(path)); // opened before any frame exists
    let seen = 0;
    const scan = (): ScanResult => reader.scan({ fromFrame: seen, onFrames: (b, first) => {
      expect(first).toBe(seen);
      seen += b.length;
    } });
    expect(scan()).toMatchObject({ frames: 0, damage: null });
    for (let f = 0; f < 15; f++) {
      w.writeFrame(frameInput(f, 6, 2));
      w.flush();
      const r = scan();
      expect(r.damage).toBeNull();
      expect(r.frames).toBe(1);
      expect(seen).toBe(f + 1);
    }
    // A frame in progress: its chunk data is in the file but it is not indexed yet.
    w.writeChunk('configuration/step', GsdType.UINT64, 1, 1, new BigUint64Array([999n]));
    w.writeChunk('particles/position', GsdType.FLOAT, 6, 3, new Float32Array(18));
    const r = scan();
    expect(r).toMatchObject({ frames: 0, damage: null });
    expect(seen).toBe(15);
    const fr = reader.readFrame({ offset: 0, length: 0, timestep: 1403, time: null, n: 6, box: boxFromHoomd([6, 7, 1, 0.5, 0, 0], 2) }, 14);
    expect(fr.timestep).toBe(1403);
    w.endFrame();
    expect(scan().frames).toBe(1);
    w.close();
    reader.close();
  });

  it('reports a truncated last frame as damage; earlier frames stay usable', () => {
    const path = tmp('trunc-src.gsd');
    const w = GsdWriter.create(path);
    for (let f = 0; f < 4; f++) w.writeFrame(frameInput(f, 30, 3));
    w.close();
    // Index still at the start of the file (4 frames x 16 chunks < 128): cut into frame 3's data.
    const cut = tmp('trunc.gsd');
    copyFileSync(path, cut);
    const file = new GsdFile(new FileSource(path));
    const f3 = file.chunks(3);
    const cutAt = f3[f3.length - 1].location + 4;
    truncateSync(cut, cutAt);
    const { reader, entries, result } = scanAll(cut);
    expect(result.frames).toBe(3);
    expect(result.damage).toMatchObject({ kind: 'truncated', frame: 3, line: null });
    expect(result.damage?.message).toContain(cut);
    expect(result.damage?.message).toContain('frame 3');
    expect(Array.from(reader.readFrame(entries[2], 2).positions)).toEqual(Array.from(frameInput(2, 30, 3).positions));
    reader.close();
  });

  it('reports an index cut by the end of the file as damage', () => {
    const path = tmp('trunc-index-src.gsd');
    const w = GsdWriter.create(path);
    for (let f = 0; f < 12; f++) w.writeFrame(frameInput(f, 3, 2)); // > 128 entries: the index moves to the end
    w.close();
    const file = new GsdFile(new FileSource(path));
    const h = file.header;
    expect(h.indexLocation).toBeGreaterThan(256);
    const cut = tmp('trunc-index.gsd');
    copyFileSync(path, cut);
    // Keep 100 index entries: frames 0..(frame of entry 99) - 1 are complete.
    truncateSync(cut, h.indexLocation + 100 * 32);
    const { entries, result } = scanAll(cut);
    const complete = file.chunks(0).length; // chunks per frame
    expect(result.damage).toMatchObject({ kind: 'truncated' });
    expect(entries.length).toBe(Math.floor(100 / complete));
    expect(result.damage?.frame).toBe(Math.floor(100 / complete));
  });

  it('stops at index entries that point past the end of the file (writer still writing)', () => {
    const path = tmp('ahead.gsd');
    const w = GsdWriter.create(path);
    for (let f = 0; f < 3; f++) w.writeFrame(frameInput(f, 4, 2));
    w.close();
    // Forge an index entry for frame 3 whose data is not there yet.
    const bytes = readFileSync(path);
    const file = new GsdFile(new FileSource(path));
    const count = file.frameRange(2)[1];
    const at = 256 + count * 32;
    bytes.writeUInt32LE(3, at); // frame 3
    bytes.writeUInt32LE(4, at + 8); // N
    bytes.writeUInt32LE(bytes.length + 1000, at + 16); // location past EOF
    bytes.writeUInt32LE(3, at + 24); // M
    bytes.writeUInt16LE(0, at + 28);
    bytes[at + 30] = GsdType.FLOAT;
    writeFileSync(path, bytes);
    const { entries, result } = scanAll(path);
    expect(entries.length).toBe(3);
    expect(result.damage).toMatchObject({ kind: 'truncated', frame: 3 });
  });

  it('reports a corrupt index entry in the middle as damage', () => {
    const path = tmp('corrupt.gsd');
    const w = GsdWriter.create(path);
    for (let f = 0; f < 5; f++) w.writeFrame(frameInput(f, 4, 2));
    w.close();
    const bytes = readFileSync(path);
    const file = new GsdFile(new FileSource(path));
    const [a] = file.frameRange(2);
    bytes[256 + (a + 1) * 32 + 30] = 42; // invalid type in frame 2
    writeFileSync(path, bytes);
    const { reader, entries, result } = scanAll(path);
    expect(entries.length).toBe(2);
    expect(result.damage).toMatchObject({ kind: 'corrupt', frame: 2, offset: 256 + (a + 1) * 32 });
    expect(result.damage?.message).toMatch(/type 42/);
    expect(reader.readFrame(entries[1], 1).timestep).toBe(103);
    // A frame that is not in the file: a TrajectoryError naming the frame.
    expect(() => reader.readFrame(entries[1], 3)).toThrow(TrajectoryError);
    reader.close();
  });

  it('reports a frame whose positions disagree with particles/N as corrupt', () => {
    const path = tmp('badn.gsd');
    const w = GsdWriter.create(path);
    w.writeFrame(frameInput(0, 4, 2));
    w.writeChunk('configuration/step', GsdType.UINT64, 1, 1, new BigUint64Array([5n]));
    w.writeChunk('particles/position', GsdType.FLOAT, 3, 3, new Float32Array(9)); // 3 rows, N = 4
    w.endFrame();
    w.close();
    const { entries, result } = scanAll(path);
    expect(entries.length).toBe(1);
    expect(result.damage).toMatchObject({ kind: 'corrupt', frame: 1 });
    expect(result.damage?.message).toMatch(/particles\/position.*expected 4x3/);
  });

  it('throws a clear TrajectoryError for garbage, short files, other schemas and versions', () => {
    const garbage = tmp('garbage.gsd');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(garbage, bytes);
    const scan = (p: string): ScanResult => new GsdReader(new FileSource(p)).scan();
    expect(() => scan(garbage)).toThrow(TrajectoryError);
    expect(() => scan(garbage)).toThrow(/not a GSD file.*magic/);
    try {
      scan(garbage);
    } catch (e) {
      expect((e as TrajectoryError).path).toBe(garbage);
      expect((e as TrajectoryError).message).toContain(garbage);
      expect((e as TrajectoryError).place.offset).toBe(0);
    }
    const short = tmp('short.gsd');
    writeFileSync(short, Buffer.from([0xdf, 0x65, 0xdf, 0x65]));
    expect(() => scan(short)).toThrow(/shorter than the 256-byte GSD header/);

    const good = readFileSync(join(fixtures, 'python-3d.gsd'));
    const other = Buffer.from(good);
    other.write('other\0', 112, 'latin1');
    writeFileSync(tmp('schema.gsd'), other);
    expect(() => scan(tmp('schema.gsd'))).toThrow(/schema "other".*expected "hoomd"/);
    const v3 = Buffer.from(good);
    v3.writeUInt32LE(3 << 16, 44);
    writeFileSync(tmp('v3.gsd'), v3);
    expect(() => scan(tmp('v3.gsd'))).toThrow(/unsupported GSD file layer version 3\.0/);
    const sv = Buffer.from(good);
    sv.writeUInt32LE(2 << 16, 40);
    writeFileSync(tmp('sv.gsd'), sv);
    expect(() => scan(tmp('sv.gsd'))).toThrow(/hoomd schema version 2\.0/);
  });

  it('honours an aborted signal', () => {
    const reader = new GsdReader(new FileSource(join(fixtures, 'python-2d.gsd')));
    const ac = new AbortController();
    ac.abort();
    expect(() => reader.scan({ signal: ac.signal })).toThrow(/abort/i);
    reader.close();
  });
});

/** Build a GSD file byte by byte (independent of GsdWriter) in file layer 1.0 or 2.x. */
function buildGsd(version: [number, number], frames: { name: string; type: number; N: number; M: number; data: Buffer }[][]): Buffer {
  const names: string[] = [];
  for (const fr of frames) for (const c of fr) if (!names.includes(c.name)) names.push(c.name);
  const v1 = version[0] < 2;
  const namelist = Buffer.alloc(v1 ? 64 * 128 : 1024);
  let p = 0;
  for (const n of names) {
    namelist.write(n, p, 'utf8');
    p += v1 ? 64 : Buffer.byteLength(n) + 1;
  }
  const indexLocation = 256;
  const alloc = 128;
  const namelistLocation = indexLocation + alloc * 32;
  const data: Buffer[] = [];
  const index = Buffer.alloc(alloc * 32);
  let loc = namelistLocation + namelist.length;
  let k = 0;
  frames.forEach((fr, f) => {
    for (const c of fr) {
      const q = k++ * 32;
      index.writeUInt32LE(f, q);
      index.writeUInt32LE(c.N, q + 8);
      index.writeUInt32LE(loc, q + 16);
      index.writeUInt32LE(c.M, q + 24);
      index.writeUInt16LE(names.indexOf(c.name), q + 28);
      index[q + 30] = c.type;
      data.push(c.data);
      loc += c.data.length;
    }
  });
  const header = Buffer.alloc(256);
  header.writeUInt32LE(0x65df65df, 0);
  header.writeUInt32LE(0x65df65df, 4);
  header.writeUInt32LE(indexLocation, 8);
  header.writeUInt32LE(alloc, 16);
  header.writeUInt32LE(namelistLocation, 24);
  header.writeUInt32LE(namelist.length / 64, 32);
  header.writeUInt32LE((1 << 16) | 3, 40);
  header.writeUInt32LE((version[0] << 16) | version[1], 44);
  header.write('hand built', 48);
  header.write('hoomd', 112);
  return Buffer.concat([header, index, namelist, ...data]);
}

const f32 = (a: number[]): Buffer => Buffer.from(new Float32Array(a).buffer);
const u32 = (a: number[]): Buffer => Buffer.from(new Uint32Array(a).buffer);

describe('file layer versions', () => {
  it('reads file layer 1.0 (64-byte names, entries unsorted within a frame)', () => {
    const path = tmp('v1.gsd');
    writeFileSync(path, buildGsd([1, 0], [
      [
        { name: 'particles/position', type: GsdType.FLOAT, N: 2, M: 3, data: f32([1, 2, 0, 3, 4, 0]) },
        { name: 'configuration/step', type: GsdType.UINT64, N: 1, M: 1, data: Buffer.from(new BigUint64Array([7n]).buffer) },
        { name: 'configuration/dimensions', type: GsdType.UINT8, N: 1, M: 1, data: Buffer.from([2]) },
        { name: 'configuration/box', type: GsdType.FLOAT, N: 6, M: 1, data: f32([10, 10, 1, 0, 0, 0]) },
        { name: 'particles/N', type: GsdType.UINT32, N: 1, M: 1, data: u32([2]) },
        { name: 'particles/types', type: GsdType.UINT8, N: 1, M: 2, data: Buffer.from('R\0') },
      ],
      [
        { name: 'particles/position', type: GsdType.FLOAT, N: 2, M: 3, data: f32([1.5, 2, 0, 3, 4.5, 0]) },
        { name: 'configuration/step', type: GsdType.UINT64, N: 1, M: 1, data: Buffer.from(new BigUint64Array([8n]).buffer) },
      ],
    ]));
    const { reader, entries, result } = scanAll(path);
    expect(reader.file.header.version).toEqual([1, 0]);
    expect(result.damage).toBeNull();
    expect(entries.map((e) => e.timestep)).toEqual([7, 8]);
    const fr = reader.readFrame(entries[1], 1);
    expect(fr.dimensions).toBe(2);
    expect(fr.typeNames).toEqual(['R']);
    expect(Array.from(fr.positions)).toEqual([1.5, 2, 0, 3, 4.5, 0]);
    expect(reader.file.names).toContain('particles/types');
    reader.close();
  });

  it('leaves out a partially indexed last frame of a 1.0 file (gsd 1.x index growth mid-frame)', () => {
    const step = (s: bigint) => ({ name: 'configuration/step', type: GsdType.UINT64, N: 1, M: 1, data: Buffer.from(new BigUint64Array([s]).buffer) });
    const nChunk = { name: 'particles/N', type: GsdType.UINT32, N: 1, M: 1, data: u32([2]) };
    const pos = (x: number) => ({ name: 'particles/position', type: GsdType.FLOAT, N: 2, M: 3, data: f32([x, 0, 0, -x, 0, 0]) });
    const img = { name: 'particles/image', type: GsdType.INT32, N: 2, M: 3, data: Buffer.from(new Int32Array([1, 0, 0, -1, 0, 0]).buffer) };
    const path = tmp('v1-partial.gsd');
    writeFileSync(path, buildGsd([1, 0], [[step(0n), nChunk, pos(1), img], [step(1n), nChunk, pos(2), img], [step(2n), nChunk, pos(3)]]));
    const { entries, result } = scanAll(path);
    expect(entries.map((e) => e.timestep)).toEqual([0, 1]);
    expect(result.damage).toMatchObject({ kind: 'truncated', frame: 2 });
    expect(result.damage?.message).toMatch(/incomplete/);
    // A complete last frame (same chunks) is reported.
    writeFileSync(path, buildGsd([1, 0], [[step(0n), nChunk, pos(1), img], [step(1n), nChunk, pos(2), img], [step(2n), nChunk, pos(3), img]]));
    const again = scanAll(path);
    expect(again.entries.length).toBe(3);
    expect(again.result.damage).toBeNull();
  });

  it('reads file layer 2.1 with a character chunk (left out of readLog)', () => {
    const path = tmp('v21.gsd');
    writeFileSync(path, buildGsd([2, 1], [[
      { name: 'configuration/step', type: GsdType.UINT64, N: 1, M: 1, data: Buffer.from(new BigUint64Array([2n ** 40n]).buffer) },
      { name: 'particles/N', type: GsdType.UINT32, N: 1, M: 1, data: u32([1]) },
      { name: 'particles/position', type: GsdType.FLOAT, N: 1, M: 3, data: f32([0.25, 0.5, 0.75]) },
      { name: 'log/comment', type: GsdType.CHARACTER, N: 5, M: 1, data: Buffer.from('hello') },
      { name: 'log/value', type: GsdType.INT64, N: 2, M: 1, data: Buffer.from(new BigInt64Array([-5n, 6n]).buffer) },
    ]]));
    const { reader, entries, result } = scanAll(path);
    expect(reader.file.header.version).toEqual([2, 1]);
    expect(result.damage).toBeNull();
    expect(entries[0].timestep).toBe(2 ** 40);
    const log = reader.readLog(0);
    expect(Object.keys(log)).toEqual(['value']);
    expect(Array.from(log.value)).toEqual([-5, 6]);
    expect(Array.from(reader.file.readChunk(0, 'log/comment') as Uint8Array)).toEqual(Array.from(Buffer.from('hello')));
    expect(Array.from(reader.readFrame(entries[0], 0).positions)).toEqual([0.25, 0.5, 0.75]);
    reader.close();
  });
});
