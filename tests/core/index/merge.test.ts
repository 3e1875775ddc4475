// Merging index shards (a study's runs) into one index: frames, series, tags and cached fields arrive under the target's
// own ids; an unchanged shard is skipped; a person's tags in the target survive a re-merge; new content replaces old.
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexDb } from '../../../src/core/index/index-db.js';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { mergeShard } from '../../../src/core/index/merge.js';
import { writeShard } from '../../../src/core/study/run-exec.js';
import { tmpDir, writeDump } from './helpers.js';

function trajectory(path: string, shift: number): void {
  writeDump(path, [0, 1, 2, 3].map((k) => ({ timestep: 10 * k, L: [10, 10, 10], x: [[1 + shift * k, 1, 0], [5, 5 + 0.1 * k, 0], [8, 2, 0]] })));
}

/** A shard like a study run writes: the trajectory indexed, a series, a detector tag and a cached field, copied to one file. */
function makeShard(dir: string, traj: string, shard: string, series: number[]): void {
  const work = join(dir, 'work');
  const t = openIndexed(traj, { indexDir: work });
  try {
    t.putSeries('msd', 'h1', { reference: 0 }, Float64Array.from(series));
    if (!t.listTags().some((g) => g.frame === 2)) t.addTag({ frame: 2, kind: 'candidate', source: 'detector', score: 5, note: 'MSD jump: frames 1..3', before: 1, after: 3 });
    t.putField(2, 1, 'd2min', 'p1', Float32Array.of(0.5, 0.25, 0.125));
  } finally {
    t.close();
  }
  writeShard(work, shard);
}

describe('mergeShard', () => {
  it('copies every trajectory with its frames, series, tags and fields, and skips a shard merged unchanged', () => {
    const dir = tmpDir('avw-merge-');
    const traj = join(dir, 'run.lammpstrj');
    trajectory(traj, 0.1);
    const shard = join(dir, 'shard.sqlite');
    makeShard(dir, traj, shard, [0, 1, 2, 3]);
    const target = IndexDb.open({ indexDir: join(dir, 'study') });
    try {
      // Something already in the target keeps its id and data.
      const other = join(dir, 'other.lammpstrj');
      trajectory(other, 0.3);
      openIndexed(other, { db: target }).close();
      const m = mergeShard(target, shard);
      expect(m).toMatchObject({ skipped: false, trajectories: 1, frames: 4, series: 1, tags: 1, fields: 1 });
      const t = openIndexed(traj, { db: target });
      try {
        expect(t.outcome).toBe('unchanged');
        expect(t.frameCount).toBe(4);
        expect(Array.from(t.getSeries('msd', 'h1')!.values)).toEqual([0, 1, 2, 3]);
        expect(t.listTags()).toMatchObject([{ frame: 2, kind: 'candidate', source: 'detector', before: 1, after: 3 }]);
        expect(Array.from(t.getField(2, 1, 'd2min', 'p1')!)).toEqual([0.5, 0.25, 0.125]);
        expect(Array.from(t.readFrame(3).positions.subarray(0, 2))).toEqual([1.3, 1]);
      } finally {
        t.close();
      }
      expect(target.listTrajectories()).toHaveLength(2);
      expect(mergeShard(target, shard)).toMatchObject({ skipped: true, trajectories: 0, paths: [t.path] });
    } finally {
      target.close();
    }
  });

  it("keeps a person's tags and decisions through a re-merge, and replaces computed data when the content changed", () => {
    const dir = tmpDir('avw-merge-');
    const traj = join(dir, 'run.lammpstrj');
    trajectory(traj, 0.1);
    const shard = join(dir, 'shard.sqlite');
    makeShard(dir, traj, shard, [0, 1, 2, 3]);
    const target = IndexDb.open({ indexDir: join(dir, 'study') });
    try {
      mergeShard(target, shard);
      const t = openIndexed(traj, { db: target });
      const candidate = t.listTags()[0]!;
      t.updateTag(candidate.id, { kind: 'avalanche' });
      t.addTag({ frame: 1, kind: 'uncertain', note: 'mine' });
      t.close();
      // Same content, a new shard file (the run's analyses ran again): series refreshed, tags kept.
      makeShard(dir, traj, shard, [0, 2, 4, 6]);
      const later = new Date(statSync(shard).mtimeMs + 5000);
      utimesSync(shard, later, later);
      expect(mergeShard(target, shard).skipped).toBe(false);
      const u = openIndexed(traj, { db: target });
      expect(Array.from(u.getSeries('msd', 'h1')!.values)).toEqual([0, 2, 4, 6]);
      expect(u.listTags().map((g) => [g.frame, g.kind, g.source])).toEqual([[1, 'uncertain', 'manual'], [2, 'avalanche', 'detector']]);
      u.close();
      // New content (the run was redone): frames and fields follow the shard; the person's tags stay.
      trajectory(traj, 0.2);
      makeShard(join(dir, 'again'), traj, shard, [0, 5, 6, 7]);
      mergeShard(target, shard);
      const v = openIndexed(traj, { db: target });
      try {
        expect(v.outcome).toBe('unchanged');
        expect(Array.from(v.readFrame(3).positions.subarray(0, 1))).toEqual([1.6]);
        expect(Array.from(v.getSeries('msd', 'h1')!.values)).toEqual([0, 5, 6, 7]);
        expect(v.listTags().map((g) => [g.frame, g.kind, g.source])).toEqual([[1, 'uncertain', 'manual'], [2, 'avalanche', 'detector']]);
      } finally {
        v.close();
      }
    } finally {
      target.close();
    }
  });

  it('refuses a file that is not an index shard, naming it', () => {
    const dir = tmpDir('avw-merge-');
    const bad = join(dir, 'bad.sqlite');
    writeFileSync(bad, 'not a database at all, just text that is long enough to look like a header.......');
    const target = IndexDb.open({ indexDir: join(dir, 'study') });
    try {
      expect(() => mergeShard(target, join(dir, 'missing.sqlite'))).toThrow(/missing\.sqlite: cannot read the index shard/);
      expect(() => mergeShard(target, bad)).toThrow(/bad\.sqlite: not an index shard \(file is not a database\)/);
    } finally {
      target.close();
    }
  });
});
