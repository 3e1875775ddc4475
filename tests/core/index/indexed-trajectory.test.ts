import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexDb } from '../../../src/core/index/index-db.js';
import { IndexedTrajectory, openIndexed, type OpenIndexedOptions } from '../../../src/core/index/indexed-trajectory.js';
import type { ScanOptions } from '../../../src/core/io/types.js';
import { countingFactory, dumpFrame, simpleFrames, tmpDir, writeDump, type DumpFrame } from './helpers.js';

const opened: IndexedTrajectory[] = [];
function open(path: string, options: OpenIndexedOptions): IndexedTrajectory {
  const t = openIndexed(path, options);
  opened.push(t);
  return t;
}
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
});

function facts(t: IndexedTrajectory) {
  const { format, frameCount, particleCount, particlesConstant, dimensions, damage, complete } = t;
  return { format, frameCount, particleCount, particlesConstant, dimensions, damage, complete };
}

function setup(frames: DumpFrame[], name = 'run.lammpstrj') {
  const dir = tmpDir();
  const indexDir = join(dir, 'index');
  const data = join(dir, 'data');
  mkdirSync(data);
  const file = join(data, name);
  writeDump(file, frames);
  const { factory, counts } = countingFactory();
  return { dir, indexDir, data, file, factory, counts };
}

describe('openIndexed', () => {
  it('indexes a new file once, then reuses the index without scanning', () => {
    const s = setup(simpleFrames(5, 3, 100));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(t.outcome).toBe('new');
    expect(s.counts.scans).toBe(1);
    expect(facts(t)).toEqual({ format: 'lammps-dump', frameCount: 5, particleCount: 3, particlesConstant: true, dimensions: 2, damage: null, complete: true }) // every z equal: 2D;
    expect(Array.from(t.timesteps())).toEqual([0, 100, 200, 300, 400]);
    expect(t.schedule).toEqual({ kind: 'linear', start: 0, step: 100, dt: null });
    expect(t.info()).toEqual({
      format: 'lammps-dump', frames: 5, particles: 3, particlesConstant: true, dimensions: 2, timesteps: [0, 400],
      box: { origin: [0, 0, 0], vectors: [[10, 0, 0], [0, 10, 0], [0, 0, 10]] }, damage: null,
    });
    expect(t.fingerprint).toMatch(new RegExp(`^${statSync(s.file).size}:[0-9a-f]{64}:[0-9a-f]{64}$`));
    t.close();

    const again = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(again.outcome).toBe('unchanged');
    expect(s.counts.scans).toBe(1); // no scan at all
    expect(s.counts.opened).toBe(1); // not even a reader until a frame is read
    expect(again.id).toBe(t.id);
    expect(again.entry(3)).toMatchObject({ timestep: 300, n: 3 });
    const f = again.readFrame(3);
    expect(s.counts.opened).toBe(2);
    expect(f.timestep).toBe(300);
    expect(Array.from(f.positions.subarray(0, 3))).toEqual([0.53, 1, 2]);
    expect(() => again.readFrame(5)).toThrow(/no frame 5; the trajectory has 5 frames \(0\.\.4\)/);
  });

  it('uses the default reader (format detection) and AVW-style explicit index directory', () => {
    const s = setup(simpleFrames(3));
    const t = open(s.file, { indexDir: s.indexDir });
    expect(t.frameCount).toBe(3);
    expect(readdirSync(s.indexDir)).toContain('index.sqlite');
    expect(t.readFrame(2).timestep).toBe(200);
  });

  it('scans only the appended frames of a growing file and keeps series, fields and tags', () => {
    const frames = simpleFrames(8, 3, 10);
    const s = setup(frames.slice(0, 5));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    const end = statSync(s.file).size;
    t.putSeries('msd', 'h', { a: 1 }, new Float64Array([0, 1, 2, 3, 4]));
    t.putField(2, 0, 'd2min', 'h', new Float32Array([1, 2, 3]));
    t.addTag({ frame: 4, kind: 'avalanche' });
    t.close();

    appendFileSync(s.file, frames.slice(5).map(dumpFrame).join(''));
    const seen: ScanOptions[] = [];
    const spy: OpenIndexedOptions['openReader'] = (p, o) => {
      const r = s.factory(p, o);
      const scan = r.scan.bind(r);
      r.scan = (opts) => { seen.push({ fromOffset: opts?.fromOffset, fromFrame: opts?.fromFrame }); return scan(opts); };
      return r;
    };
    const g = open(s.file, { indexDir: s.indexDir, openReader: spy });
    expect(g.outcome).toBe('appended');
    expect(seen).toEqual([{ fromOffset: end, fromFrame: 5 }]);
    expect(g.id).toBe(t.id);
    expect(g.frameCount).toBe(8);
    expect(Array.from(g.timesteps())).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(g.entry(5).offset).toBe(end);
    expect(g.readFrame(7).timestep).toBe(70);
    // The series covers the old frames and can be extended.
    expect(g.getSeries('msd', 'h')!.frameCount).toBe(5);
    g.putSeries('msd', 'h', { a: 1 }, new Float64Array([5, 6, 7]), 5);
    expect(Array.from(g.getSeries('msd', 'h')!.values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(g.getField(2, 0, 'd2min', 'h')!)).toEqual([1, 2, 3]);
    expect(g.listTags().map((x) => x.frame)).toEqual([4]);
    expect(g.warnings).toEqual([]);
  });

  it('follows a simulation still writing: a truncated last frame is damage until it is complete; refresh() catches up', () => {
    const frames = simpleFrames(6, 4, 1);
    const text = frames.map(dumpFrame).join('');
    const cut = frames.slice(0, 4).map(dumpFrame).join('').length + dumpFrame(frames[4]).length - 20;
    const s = setup([]);
    writeFileSync(s.file, text.slice(0, cut));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(t.frameCount).toBe(4);
    expect(t.damage).toMatchObject({ kind: 'truncated', frame: 4 });
    expect(t.warnings[0]).toContain(s.file);
    t.close();
    const again = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(again.outcome).toBe('unchanged');
    expect(again.damage).toMatchObject({ kind: 'truncated', frame: 4 }); // persisted
    expect(again.warnings[0]).toMatch(/frame 4/);
    writeFileSync(s.file, text);
    expect(again.refresh()).toBe('appended');
    expect(again.frameCount).toBe(6);
    expect(again.damage).toBeNull();
    expect(again.readFrame(5).timestep).toBe(5);
    expect(again.refresh()).toBe('unchanged');
  });

  it('re-indexes a changed file, dropping frames, series and fields but keeping tags (with a warning)', () => {
    const s = setup(simpleFrames(6, 3, 10));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    t.addTag({ frame: 1, kind: 'avalanche', note: 'keep me' });
    t.addTag({ frame: 5, kind: 'candidate', source: 'detector', score: 0.5 });
    t.putSeries('e', 'h', {}, new Float64Array(6));
    t.putField(1, 0, 'f', 'h', new Float32Array(3));
    t.close();

    writeDump(s.file, simpleFrames(3, 7, 50));
    const g = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(g.outcome).toBe('reindexed');
    expect(g.id).toBe(t.id);
    expect(facts(g)).toMatchObject({ frameCount: 3, particleCount: 7 });
    expect(Array.from(g.timesteps())).toEqual([0, 50, 100]);
    expect(g.getSeries('e', 'h')).toBeNull();
    expect(g.getField(1, 0, 'f', 'h')).toBeNull();
    expect(g.listTags().map((x) => [x.frame, x.note])).toEqual([[1, 'keep me'], [5, '']]);
    expect(g.warnings.some((w) => /re-indexed \(its tags were kept\)/.test(w))).toBe(true);
    expect(g.warnings.some((w) => /tag \d+ \(candidate\) is on frame 5, which no longer exists \(the file has 3 frames\)/.test(w))).toBe(true);
  });

  it('recognises a moved file by its fingerprint and keeps its index; a copy is a new trajectory', () => {
    const s = setup(simpleFrames(4));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    t.addTag({ frame: 2, kind: 'uncertain' });
    const id = t.id;
    t.close();
    const moved = join(s.data, 'renamed.dump');
    renameSync(s.file, moved);
    const m = open(moved, { indexDir: s.indexDir, openReader: s.factory });
    expect(m.outcome).toBe('moved');
    expect(s.counts.scans).toBe(1);
    expect(m.id).toBe(id);
    expect(m.path).toBe(moved);
    expect(m.listTags().map((x) => x.kind)).toEqual(['uncertain']);
    const copy = join(s.data, 'copy.dump');
    copyFileSync(moved, copy);
    const c = open(copy, { indexDir: s.indexDir, openReader: s.factory });
    expect(c.outcome).toBe('new');
    expect(c.id).not.toBe(id);
    expect(c.listTags()).toEqual([]);
  });

  it('never writes beside the user files: a read-only directory is unchanged', () => {
    const s = setup(simpleFrames(4));
    chmodSync(s.file, 0o444);
    chmodSync(s.data, 0o555);
    const snapshot = () => readdirSync(s.data).sort().map((n) => {
      const st = statSync(join(s.data, n));
      return [n, st.size, st.mtimeMs, st.mode, createHash('sha256').update(readFileSync(join(s.data, n))).digest('hex')];
    });
    const before = snapshot();
    const dirMtime = statSync(s.data).mtimeMs;
    try {
      const t = open(s.file, { indexDir: s.indexDir });
      t.readFrame(3, { unwrapped: true });
      t.addTag({ frame: 1, kind: 'avalanche' });
      t.putSeries('x', 'h', null, new Float64Array(4));
      t.close();
      open(s.file, { indexDir: s.indexDir }).close();
      expect(snapshot()).toEqual(before);
      expect(statSync(s.data).mtimeMs).toBe(dirMtime);
      expect(readdirSync(s.indexDir)).toContain('index.sqlite');
    } finally {
      chmodSync(s.data, 0o755);
    }
  });

  it('persists corrupt-frame damage; frames before it stay usable', () => {
    const frames = simpleFrames(5, 3, 10);
    const text = frames.map(dumpFrame).join('').replace('ITEM: TIMESTEP\n30\n', 'ITEM: TIMESTEP\nthirty\n');
    const s = setup([]);
    writeFileSync(s.file, text);
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(t.frameCount).toBe(3);
    expect(t.damage).toMatchObject({ kind: 'corrupt', frame: 3 });
    expect(t.readFrame(2).timestep).toBe(20);
    t.close();
    const again = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(again.damage).toMatchObject({ kind: 'corrupt', frame: 3 });
    expect(s.counts.scans).toBe(1);
  });

  it('reports an unreadable path clearly', () => {
    const dir = tmpDir();
    expect(() => openIndexed(join(dir, 'missing.dump'), { indexDir: join(dir, 'index') })).toThrow(/missing\.dump: no such file$/);
  });

  it('cancels through the AbortSignal', () => {
    const s = setup(simpleFrames(3));
    const ac = new AbortController();
    ac.abort();
    expect(() => openIndexed(s.file, { indexDir: s.indexDir, signal: ac.signal, openReader: s.factory })).toThrow(/cancel|abort/i);
  });

  it('derives a log-block schedule and keeps a user-set schedule', () => {
    const ts = [0, 1, 2, 4, 8, 16, 17, 18, 20, 24];
    const s = setup(ts.map((timestep) => ({ timestep, L: [5, 5, 5], x: [[1, 1, 0], [2, 2, 0]], time: timestep * 0.005 })));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(t.dimensions).toBe(2);
    expect(t.schedule).toEqual({ kind: 'log-block', start: 0, B: 16, N_cfg: 5, zeroFrame: true, dt: 0.005 });
    t.setSchedule({ kind: 'explicit', dt: 0.01 });
    t.close();
    const again = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(again.schedule).toEqual({ kind: 'explicit', dt: 0.01 });
    again.setSchedule(null);
    expect(again.schedule.kind).toBe('log-block');
  });

  it('shares one IndexDb between trajectories and leaves it open', () => {
    const s = setup(simpleFrames(2));
    writeDump(join(s.data, 'b.dump'), simpleFrames(3));
    const db = IndexDb.open({ indexDir: s.indexDir });
    try {
      const a = open(s.file, { db, openReader: s.factory });
      const b = open(join(s.data, 'b.dump'), { db, openReader: s.factory });
      expect(db.listTrajectories().map((x) => x.frameCount)).toEqual([2, 3]);
      a.close();
      b.close();
      expect(db.connection.open).toBe(true);
      expect(() => a.readFrame(0)).toThrow(/closed/);
    } finally {
      db.close();
    }
  });

  it('reserves field names starting with __', () => {
    const s = setup(simpleFrames(2));
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(() => t.putField(0, 0, '__unwrapped', 'x', new Float32Array(3))).toThrow(/reserved/);
  });
});

describe('unwrapped positions by continuity', () => {
  /** A random walk of n particles in a periodic box: wrapped frames and the true unwrapped positions. */
  function walk(count: number, n: number, L: number, maxStep: number, seed = 1) {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const u = Array.from({ length: n }, () => [rnd() * L, rnd() * L, rnd() * L]);
    const truth: number[][][] = [];
    const frames: DumpFrame[] = [];
    for (let f = 0; f < count; f++) {
      if (f > 0) for (const p of u) for (let a = 0; a < 3; a++) p[a] += (rnd() * 2 - 1) * maxStep;
      truth.push(u.map((p) => p.slice()));
      frames.push({ timestep: f, L: [L, L, L], x: u.map((p) => p.map((v) => v - Math.floor(v / L) * L)) });
    }
    return { frames, truth };
  }

  it('matches the true trajectory, keeps checkpoints every k frames of a walk and resumes from a checkpoint', () => {
    const { frames, truth } = walk(20, 16, 5, 1.0);
    const s = setup(frames);
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory, unwrapCheckpointEvery: 4 });
    const f = t.readFrame(10, { unwrapped: true });
    for (let i = 0; i < 16; i++) for (let a = 0; a < 3; a++) expect(f.unwrapped![i * 3 + a]).toBeCloseTo(truth[10][i][a], 9);
    expect(f.positionsKind).toBe('wrapped');
    expect(f.warnings).toEqual([]);
    // Reading never writes to the index; a walk over the frames in order (the MSD series does it) leaves the checkpoints.
    const checkpoints = (): number[] => t.db.listFields(t.id).filter((x) => x.field === '__unwrapped').map((x) => x.frame).sort((a, b) => a - b);
    expect(checkpoints()).toEqual([]);
    for (let k = 0; k <= 10; k++) t.checkpointUnwrapped(t.readFrame(k, { unwrapped: true }));
    expect(checkpoints()).toEqual([4, 8]);
    // Sequential playback: one step from the frame before.
    const before = s.counts.reads;
    const f11 = t.readFrame(11, { unwrapped: true });
    expect(s.counts.reads - before).toBe(1);
    for (let i = 0; i < 16; i++) for (let a = 0; a < 3; a++) expect(f11.unwrapped![i * 3 + a]).toBeCloseTo(truth[11][i][a], 9);
    t.close();
    // A new session starts from the checkpoint at frame 8, not from frame 0.
    const again = open(s.file, { indexDir: s.indexDir, openReader: s.factory, unwrapCheckpointEvery: 4 });
    const r0 = s.counts.reads;
    const g = again.readFrame(11, { unwrapped: true });
    expect(s.counts.reads - r0).toBe(4); // frames 11, 8, 9, 10
    for (let i = 0; i < 16; i++) for (let a = 0; a < 3; a++) expect(g.unwrapped![i * 3 + a]).toBeCloseTo(truth[11][i][a], 9);
    // Frame 0 is its own reference.
    expect(Array.from(again.readFrame(0, { unwrapped: true }).unwrapped!)).toEqual(Array.from(again.readFrame(0).positions));
  });

  it('warns when a step exceeds a quarter of the box', () => {
    const frames: DumpFrame[] = [
      { timestep: 0, L: [10, 10, 10], x: [[1, 1, 1], [5, 5, 5]] },
      { timestep: 1, L: [10, 10, 10], x: [[4.5, 1, 1], [5, 5, 5]] },
    ];
    const s = setup(frames);
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    const f = t.readFrame(1, { unwrapped: true });
    expect(Array.from(f.unwrapped!)).toEqual([4.5, 1, 1, 5, 5, 5]);
    expect(f.warnings.join('\n')).toMatch(/particle id 1 moved 0\.350 of the box between frames 0 and 1 \(more than a quarter\)/);
  });

  it('keeps the unwrapped positions the file gives (image flags)', () => {
    const frames: DumpFrame[] = [
      { timestep: 0, L: [10, 10, 10], x: [[1, 1, 1]], image: [[0, 0, 0]] },
      { timestep: 1, L: [10, 10, 10], x: [[9, 1, 1]], image: [[2, 0, -1]] },
    ];
    const s = setup(frames);
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(Array.from(t.readFrame(1, { unwrapped: true }).unwrapped!)).toEqual([29, 1, -9]);
  });

  it('refuses to unwrap across a change in the particle count', () => {
    const frames: DumpFrame[] = [
      { timestep: 0, L: [10, 10, 10], x: [[1, 1, 1], [2, 2, 2]] },
      { timestep: 1, L: [10, 10, 10], x: [[1, 1, 1], [2, 2, 2]] },
      { timestep: 2, L: [10, 10, 10], x: [[1, 1, 1]] },
    ];
    const s = setup(frames);
    const t = open(s.file, { indexDir: s.indexDir, openReader: s.factory });
    expect(t.particlesConstant).toBe(false);
    expect(t.particleCount).toBe(2);
    expect(() => t.readFrame(2, { unwrapped: true })).toThrow(/cannot unwrap frame 2 by continuity: frame 2 has 1 particles but frame 1 has 2/);
  });
});
