// Growing binary trajectories: DCD writers rewrite NSET in the header and GSD writers rewrite the index at the
// start of the file (and move it to the end when it fills) as they append frames. The index must still treat
// such a file as grown (scan only the new frames, keep series) and not as changed.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { GsdWriter } from '../../../src/core/io/gsd-writer.js';
import { tmpDir } from './helpers.js';

function setup(name: string) {
  const dir = tmpDir();
  mkdirSync(join(dir, 'data'));
  return { file: join(dir, 'data', name), indexDir: join(dir, 'index') };
}

/** A minimal CHARMM-style DCD writer (little endian, 4-byte markers, no unit cell) that updates NSET as it appends. */
class TinyDcd {
  private fd: number;
  private nset = 0;
  private pos = 0;
  constructor(path: string, private natoms: number, istart = 0, nsavc = 10) {
    this.fd = openSync(path, 'w');
    const h = Buffer.alloc(4 + 84 + 4 + 4 + 4 + 80 + 4 + 4 + 4 + 4);
    let p = 0;
    p = h.writeInt32LE(84, p);
    p += h.write('CORD', p, 'latin1');
    const ic = [0, istart, nsavc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 24];
    for (let k = 0; k < 20; k++) p = k === 9 ? h.writeFloatLE(0.005, p) : h.writeInt32LE(ic[k], p);
    p = h.writeInt32LE(84, p);
    p = h.writeInt32LE(84, p);
    p = h.writeInt32LE(1, p);
    p += h.write('tiny dcd'.padEnd(80), p, 'latin1');
    p = h.writeInt32LE(84, p);
    p = h.writeInt32LE(4, p);
    p = h.writeInt32LE(natoms, p);
    h.writeInt32LE(4, p);
    this.pos = writeSync(this.fd, h, 0, h.length, 0);
  }
  append(frames: number[][]): void {
    for (const xyz of frames) {
      const n = this.natoms;
      const b = Buffer.alloc(3 * (8 + 4 * n));
      let p = 0;
      for (let a = 0; a < 3; a++) {
        p = b.writeInt32LE(4 * n, p);
        for (let i = 0; i < n; i++) p = b.writeFloatLE(xyz[i * 3 + a], p);
        p = b.writeInt32LE(4 * n, p);
      }
      this.pos += writeSync(this.fd, b, 0, b.length, this.pos);
      this.nset++;
    }
    const ns = Buffer.alloc(4);
    ns.writeInt32LE(this.nset);
    writeSync(this.fd, ns, 0, 4, 8); // NSET in the header
  }
  close(): void {
    closeSync(this.fd);
  }
}

describe('growing binary files', () => {
  it('DCD: a header rewritten on append is not a change', () => {
    const s = setup('run.dcd');
    const w = new TinyDcd(s.file, 2);
    const frame = (f: number) => [f, 1, 2, 3, f * 0.5, 4];
    w.append([0, 1, 2].map(frame));
    const t = openIndexed(s.file, { indexDir: s.indexDir });
    expect(t.frameCount).toBe(3);
    t.putSeries('x', 'h', null, new Float64Array([0, 1, 2]));
    t.close();

    w.append([3, 4].map(frame));
    const g = openIndexed(s.file, { indexDir: s.indexDir });
    expect(g.outcome).toBe('appended');
    expect(g.frameCount).toBe(5);
    expect(Array.from(g.timesteps())).toEqual([0, 10, 20, 30, 40]);
    expect(Array.from(g.readFrame(4).positions)).toEqual([4, 1, 2, 3, 2, 4]);
    expect(g.getSeries('x', 'h')!.frameCount).toBe(3);
    g.close();
    w.close();
  });

  it('GSD: index entries written into the head and an index moved to the end are not a change', () => {
    const s = setup('run.gsd');
    const frame = (f: number) => ({ step: f * 100, box: [10, 10, 0, 0, 0, 0] as [number, number, number, number, number, number], positions: new Float64Array([f * 0.01, 1, 0, 2, 2, 0]) });
    let w = GsdWriter.create(s.file);
    for (let f = 0; f < 5; f++) w.writeFrame(frame(f));
    w.close();
    const t = openIndexed(s.file, { indexDir: s.indexDir });
    expect(t.frameCount).toBe(5);
    expect(t.dimensions).toBe(2);
    t.putSeries('x', 'h', null, new Float64Array(5));
    t.close();

    // 200 more frames: more than the 128 index entries first allocated, so the index moves to the end.
    w = GsdWriter.openAppend(s.file);
    for (let f = 5; f < 205; f++) w.writeFrame(frame(f));
    w.close();
    const g = openIndexed(s.file, { indexDir: s.indexDir });
    expect(g.outcome).toBe('appended');
    expect(g.frameCount).toBe(205);
    expect(g.getSeries('x', 'h')!.frameCount).toBe(5);
    g.close();

    w = GsdWriter.openAppend(s.file);
    for (let f = 205; f < 300; f++) w.writeFrame(frame(f));
    w.close();
    const h = openIndexed(s.file, { indexDir: s.indexDir });
    expect(h.outcome).toBe('appended');
    expect(h.frameCount).toBe(300);
    expect(h.readFrame(299).timestep).toBe(29900);
    expect(h.readFrame(299).positions[0]).toBeCloseTo(2.99, 5);
    h.close();
  });
});
