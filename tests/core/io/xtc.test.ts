import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../../src/core/io/file-source.js';
import { TrajectoryError } from '../../../src/core/io/types.js';
import { XtcReader } from '../../../src/core/io/xtc.js';
import { MemorySource, scanAll } from './helpers.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/xtc');

interface ExpectedFrame {
  step: number;
  time: number;
  box: number[][];
  precision: number | null;
  positions: number[];
}
interface Expected {
  file: string;
  natoms: number;
  nframes: number;
  frames: ExpectedFrame[];
  same_as?: string;
}
const EXPECTED: Record<string, Expected> = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));
const expectedFor = (name: string): Expected => {
  const e = EXPECTED[name];
  return e.same_as ? EXPECTED[e.same_as] : e;
};

describe('XtcReader on fixtures written by libxdrfile (via MDAnalysis)', () => {
  for (const name of Object.keys(EXPECTED)) {
    it(`${name}: every decoded coordinate equals MDAnalysis's`, () => {
      const exp = expectedFor(name);
      const r = new XtcReader(new FileSource(join(FIX, name)));
      const { entries, result } = scanAll(r);
      expect(result).toEqual({ frames: exp.nframes, endOffset: readFileSync(join(FIX, name)).length, damage: null });
      for (let k = 0; k < exp.nframes; k++) {
        const e = exp.frames[k];
        expect(entries[k].timestep).toBe(e.step);
        expect(entries[k].time).toBe(e.time);
        expect(entries[k].n).toBe(exp.natoms);
        expect(entries[k].box).toEqual({ origin: [0, 0, 0], vectors: e.box, periodic: [true, true, true] });
        const f = r.readFrame(entries[k], k);
        expect(f.n).toBe(exp.natoms);
        expect(f.timestep).toBe(e.step);
        expect(f.time).toBe(e.time);
        expect(f.box.vectors).toEqual(e.box);
        expect(f.ids[0]).toBe(1);
        expect(f.ids[exp.natoms - 1]).toBe(exp.natoms);
        expect(f.types.every((t) => t === 1)).toBe(true);
        expect(f.typeNames).toBeNull();
        expect(f.dimensions).toBe(3);
        expect(f.positions.length).toBe(3 * exp.natoms);
        let mismatches = 0;
        for (let i = 0; i < e.positions.length; i++) if (f.positions[i] !== e.positions[i]) mismatches++;
        expect(mismatches).toBe(0);
      }
      r.close();
    });
  }

  it('the frame layouts are the ones described (uncompressed small frames, 64-bit count for magic 2023)', () => {
    const small = new XtcReader(new FileSource(join(FIX, 'small.xtc')));
    expect(scanAll(small).entries.map((e) => e.length)).toEqual([56 + 84, 56 + 84, 56 + 84]);
    small.close();
    const a = scanAll(new XtcReader(new FileSource(join(FIX, 'clusters.xtc')))).entries;
    const b = scanAll(new XtcReader(new FileSource(join(FIX, 'magic2023.xtc')))).entries;
    expect(b.map((e) => e.length)).toEqual(a.map((e) => e.length + 4));
  });

  it('streams a compressed-like source in tiny chunks with the same entries', () => {
    const data = readFileSync(join(FIX, 'clusters.xtc'));
    const ref = scanAll(new XtcReader(new MemorySource('c.xtc', data))).entries;
    for (const chunk of [3, 64, 1000]) {
      const { entries, result } = scanAll(new XtcReader(new MemorySource('c.xtc', data, chunk, 'gzip')));
      expect(result.damage).toBeNull();
      expect(entries).toEqual(ref);
    }
  });
});

describe('XtcReader damage', () => {
  const data = readFileSync(join(FIX, 'clusters.xtc'));
  const all = scanAll(new XtcReader(new MemorySource('c.xtc', data))).entries;

  it('reports a truncated last frame (mid-header and mid-data) with its offset', () => {
    for (const cut of [all[3].offset + 40, all[3].offset + 200]) {
      for (const compression of ['none', 'gzip'] as const) {
        const r = new XtcReader(new MemorySource('c.xtc', data.subarray(0, cut), 50, compression));
        const { entries, result } = scanAll(r);
        expect(result.frames).toBe(3);
        expect(result.endOffset).toBe(all[3].offset);
        expect(result.damage).toMatchObject({ kind: 'truncated', offset: all[3].offset, frame: 3, line: null });
        expect(result.damage!.message).toMatch(/c\.xtc: XTC frame 3 at byte \d+ is truncated/);
        expect(r.readFrame(entries[2], 2).positions[0]).toBe(expectedFor('clusters.xtc').frames[2].positions[0]);
      }
    }
  });

  it('reports a bad magic number or an impossible byte count as corrupt', () => {
    const bad = Buffer.from(data);
    bad.writeInt32BE(1234, all[2].offset);
    const { result } = scanAll(new XtcReader(new MemorySource('c.xtc', bad)));
    expect(result.frames).toBe(2);
    expect(result.damage).toMatchObject({ kind: 'corrupt', frame: 2, offset: all[2].offset });
    expect(result.damage!.message).toMatch(/expected the XTC magic number 1995 \(or 2023\), found 1234/);

    const bad2 = Buffer.from(data);
    bad2.writeInt32BE(0x7fffffff, all[1].offset + 88);
    const r2 = scanAll(new XtcReader(new MemorySource('c.xtc', bad2))).result;
    expect(r2.damage).toMatchObject({ kind: 'corrupt', frame: 1 });
    expect(r2.damage!.message).toMatch(/byte count/);
  });

  it('resumes an incremental scan where the earlier one ended', () => {
    const first = scanAll(new XtcReader(new MemorySource('c.xtc', data.subarray(0, all[2].offset + 10))));
    expect(first.result.frames).toBe(2);
    const rest = scanAll(new XtcReader(new MemorySource('c.xtc', data)), { fromOffset: first.result.endOffset, fromFrame: 2 });
    expect(rest.result).toEqual({ frames: 2, endOffset: data.length, damage: null });
    expect(rest.entries).toEqual(all.slice(2));
  });

  it('garbage in the packed coordinates gives a TrajectoryError or values, never a hang', () => {
    const r = new XtcReader(new MemorySource('c.xtc', Buffer.from(data)));
    // smallidx out of the table
    const b1 = Buffer.from(data);
    b1.writeInt32BE(99, all[0].offset + 84);
    expect(() => new XtcReader(new MemorySource('c.xtc', b1)).readFrame(all[0], 0)).toThrow(TrajectoryError);
    expect(() => new XtcReader(new MemorySource('c.xtc', b1)).readFrame(all[0], 0)).toThrow(/c\.xtc: XTC frame 0 \(byte \d+\): smallidx is 99/);
    // random bytes in the packed data: must terminate
    let seed = 7;
    for (let trial = 0; trial < 50; trial++) {
      const b = Buffer.from(data);
      const start = all[1].offset + 92, end = all[1].offset + all[1].length;
      for (let i = start; i < end; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        if (trial % 2 === 0 || i % 13 === 0) b[i] = seed & 0xff;
      }
      try {
        const f = new XtcReader(new MemorySource('c.xtc', b)).readFrame(all[1], 1);
        expect(f.positions.length).toBe(900);
      } catch (e) {
        expect(e).toBeInstanceOf(TrajectoryError);
      }
    }
    expect(r.readFrame(all[1], 1).n).toBe(300);
  });

  it('rejects a file that is not XTC and an index entry that no longer matches', () => {
    expect(() => new XtcReader(new MemorySource('n.xtc', Buffer.from('not an xtc file')))).toThrow(/n\.xtc: byte 0: expected the XTC magic number 1995/);
    const r = new XtcReader(new MemorySource('c.xtc', data));
    expect(() => r.readFrame({ ...all[1], length: all[1].length - 4 }, 1)).toThrow(/the index says/);
  });

  it('stops when the signal is aborted', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => new XtcReader(new MemorySource('c.xtc', data)).scan({ signal: ac.signal })).toThrow(/abort/i);
  });
});
