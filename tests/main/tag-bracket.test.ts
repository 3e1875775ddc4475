// A tag's own bracket (the frames where its event starts and ends): the detector fills it, manual tags have none,
// confirming a candidate keeps it, the API carries it as optional before/after, and migration v4 reads it back from
// the notes of detector tags written before it existed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../src/core/index/index-db.js';
import { migrate, SCHEMA_VERSION } from '../../src/core/index/schema.js';
import type { TrajectoryInfo } from '../../src/shared/api.js';
import { WorkbenchService } from '../../src/main/service/service.js';
import { tmpDir, writeGlassDump } from './helpers.js';

const root = tmpDir('avw-bracket-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tag brackets through the service', () => {
  let service: WorkbenchService;
  let info: TrajectoryInfo;
  beforeAll(async () => {
    const path = join(root, 'glass.lammpstrj');
    writeGlassDump(path, { side: 12, frames: 40, jumps: [25], jumpSize: 0.6, noise: 0.004, seed: 3 });
    service = new WorkbenchService({ host: 'web', indexDir: join(root, 'index'), appRoot: root });
    info = await service.openTrajectory({ path });
  });
  afterAll(() => service.close());

  it('the detector stores each candidate with its bracket, and listTags returns it', async () => {
    const { candidates } = await service.detect({ trajectoryId: info.id });
    const c = candidates.find((x) => x.frame === 25)!;
    expect(c.before).toBe(24);
    expect(c.after).toBeGreaterThanOrEqual(25);
    const { tags } = await service.listTags({ trajectoryId: info.id });
    const t = tags.find((g) => g.frame === 25 && g.source === 'detector')!;
    expect(t).toMatchObject({ kind: 'candidate', before: c.before, after: c.after });
    for (const g of tags) {
      const cand = candidates.find((x) => x.frame === g.frame)!;
      expect([g.before, g.after]).toEqual([cand.before, cand.after]);
    }
  });

  it('a manual tag has no bracket; a confirmed candidate keeps its bracket, also after detecting again', async () => {
    const manual = await service.addTag({ trajectoryId: info.id, frame: 10, kind: 'uncertain' });
    expect('before' in manual || 'after' in manual).toBe(false);
    const { tags } = await service.listTags({ trajectoryId: info.id });
    const cand = tags.find((g) => g.frame === 25 && g.source === 'detector')!;
    const confirmed = await service.updateTag({ trajectoryId: info.id, tagId: cand.id, kind: 'avalanche', note: 'seen it' });
    expect(confirmed).toMatchObject({ kind: 'avalanche', note: 'seen it', before: cand.before, after: cand.after });
    await service.detect({ trajectoryId: info.id });
    const again = (await service.listTags({ trajectoryId: info.id })).tags;
    expect(again.find((g) => g.id === cand.id)).toMatchObject({ kind: 'avalanche', before: cand.before, after: cand.after });
    expect(again.find((g) => g.id === manual.id)!.before).toBeUndefined();
  });
});

describe('tag brackets in the index', () => {
  it('refuses a bracket that does not contain the tag frame, and clears it when the tag moves', () => {
    const db = IndexDb.open({ indexDir: join(root, 'index-db') });
    try {
      const id = db.createTrajectory({ path: '/data/run.lammpstrj', format: 'lammps-dump', compression: 'none', size: 1, mtimeMs: 0, headHash: 'h', hashEnd: 1, tailHash: 't' }).id;
      expect(() => db.addTag(id, { frame: 5, kind: 'candidate', source: 'detector', before: 6, after: 8 })).toThrow(/before <= frame <= after/);
      expect(() => db.addTag(id, { frame: 5, kind: 'candidate', source: 'detector', before: 4 })).toThrow(/before <= frame <= after/);
      const t = db.addTag(id, { frame: 5, kind: 'candidate', source: 'detector', before: 4, after: 7 });
      expect([t.before, t.after]).toEqual([4, 7]);
      expect(db.updateTag(id, t.id, { after: 9 })).toMatchObject({ before: 4, after: 9 });
      expect(db.updateTag(id, t.id, { frame: 20 })).toMatchObject({ frame: 20, before: null, after: null });
      expect(db.addTag(id, { frame: 5, kind: 'avalanche' })).toMatchObject({ before: null, after: null });
    } finally {
      db.close();
    }
  });

  it('migration v4 reads the bracket of older detector tags from their note', () => {
    const dir = tmpDir('avw-bracket-v3-');
    try {
      const raw = new Database(join(dir, 'index.sqlite'));
      migrate(raw, 3);
      const now = '2026-01-01T00:00:00.000Z';
      raw.prepare(`INSERT INTO trajectories (id, path, format, compression, size, mtime_ms, head_hash, hash_end, tail_hash, fingerprint, created_at, updated_at)
        VALUES (1, '/data/old.lammpstrj', 'lammps-dump', 'none', 1, 0, 'h', 1, 't', '1:h:t', ?, ?)`).run(now, now);
      const tag = raw.prepare('INSERT INTO tags (trajectory_id, frame, kind, source, score, note, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)');
      tag.run(12, 'candidate', 'detector', 4.5, 'MSD jump: frames 11..14', now, now);
      tag.run(30, 'avalanche', 'detector', 6, 'MSD jump: frames 29..30', now, now);
      tag.run(40, 'candidate', 'detector', 3, 'MSD jump: frames 45..50', now, now); // does not contain its frame
      tag.run(50, 'candidate', 'detector', 3, 'looked at it', now, now);
      tag.run(12, 'avalanche', 'manual', null, 'MSD jump: frames 11..14', now, now);
      raw.close();
      const db = IndexDb.open({ indexDir: dir });
      try {
        expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
        expect(db.listTags(1).map((g) => [g.frame, g.source, g.before, g.after])).toEqual([
          [12, 'detector', 11, 14],
          [12, 'manual', null, null],
          [30, 'detector', 29, 30],
          [40, 'detector', null, null],
          [50, 'detector', null, null],
        ]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
