import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import { IndexDb, paramsHash } from '../../../src/core/index/index-db.js';
import type { FrameEntry } from '../../../src/core/io/types.js';
import { tmpDir } from './helpers.js';

function withDb(fn: (db: IndexDb, id: number) => void, cap?: number): void {
  const db = IndexDb.open({ indexDir: tmpDir(), fieldCacheMaxBytes: cap });
  try {
    const t = db.createTrajectory({ path: '/x/a.dump', format: 'lammps-dump', compression: 'none', size: 10, mtimeMs: 1, headHash: 'h', hashEnd: 0, tailHash: 't' });
    fn(db, t.id);
  } finally {
    db.close();
  }
}

function entries(first: number, count: number): FrameEntry[] {
  return Array.from({ length: count }, (_, k) => ({
    offset: (first + k) * 100, length: 100, timestep: (first + k) * 10, time: (first + k) % 2 ? null : (first + k) * 0.5, n: 4, box: orthoBox(5, 6, 7, [1, 2, 3]),
  }));
}

describe('IndexDb', () => {
  it('stores frame batches together with the scan cursor', () => {
    withDb((db, id) => {
      db.appendFrames(id, entries(0, 3), 0, { endOffset: 300, particlesConstant: true, hashEnd: 300, tailHash: 'tt' });
      db.appendFrames(id, entries(3, 2), 3, { endOffset: 500, particlesConstant: false, hashEnd: 500, tailHash: 'uu' });
      const t = db.trajectory(id)!;
      expect(t).toMatchObject({ frameCount: 5, endOffset: 500, particlesConstant: false, particleCount: 4, hashEnd: 500, tailHash: 'uu', complete: false });
      expect(t.fingerprint).toBe('10:h:uu');
      expect(db.frameRowCount(id)).toBe(5);
      expect(db.frameEntry(id, 4)).toEqual(entries(4, 1)[0]);
      expect(Array.from(db.frameTimesteps(id))).toEqual([0, 10, 20, 30, 40]);
      expect(Array.from(db.frameTimes(id)!)).toEqual([0, NaN, 1, NaN, 2]);
      db.truncateFrames(id, 2);
      expect(db.frameRowCount(id)).toBe(2);
    });
  });

  it('adds, updates and deletes tags; one tag per frame and source', () => {
    withDb((db, id) => {
      const a = db.addTag(id, { frame: 3, kind: 'avalanche', note: 'first' });
      expect(a).toMatchObject({ frame: 3, kind: 'avalanche', source: 'manual', score: null, note: 'first' });
      expect(a.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      const d = db.addTag(id, { frame: 3, kind: 'candidate', source: 'detector', score: 0.9 });
      expect(() => db.addTag(id, { frame: 3, kind: 'uncertain' })).toThrow(/frame 3 already has a manual tag/);
      expect(() => db.addTag(id, { frame: 1, kind: 'huge' as never })).toThrow(/tag kind must be one of avalanche, uncertain, not-avalanche, candidate/);
      expect(() => db.addTag(id, { frame: -1, kind: 'avalanche' })).toThrow(/non-negative integer/);
      const u = db.updateTag(id, a.id, { kind: 'not-avalanche', note: 'on second thought' });
      expect(u).toMatchObject({ id: a.id, kind: 'not-avalanche', note: 'on second thought', createdAt: a.createdAt });
      expect(() => db.updateTag(id, d.id, { source: 'manual' })).toThrow(/already has a manual tag/);
      expect(db.listTags(id).map((t) => `${t.frame}:${t.source}:${t.kind}`)).toEqual(['3:detector:candidate', '3:manual:not-avalanche']);
      db.deleteTag(id, a.id);
      expect(db.listTags(id)).toHaveLength(1);
      expect(() => db.deleteTag(id, a.id)).toThrow(/no tag with id/);
    });
  });

  it('stores series and extends them when frames are appended', () => {
    withDb((db, id) => {
      const h = paramsHash({ rc: 2.5, kind: 'msd' });
      expect(h).toBe(paramsHash({ kind: 'msd', rc: 2.5 }));
      expect(h).not.toBe(paramsHash({ kind: 'msd', rc: 2.6 }));
      db.putSeries(id, 'msd', h, { rc: 2.5, kind: 'msd' }, new Float64Array([0, 0.5, 1.25]));
      const ext = db.putSeries(id, 'msd', h, { rc: 2.5, kind: 'msd' }, new Float64Array([2, 3.5]), 3);
      expect(ext.frameCount).toBe(5);
      const s = db.getSeries(id, 'msd', h)!;
      expect(Array.from(s.values)).toEqual([0, 0.5, 1.25, 2, 3.5]);
      expect(s.params).toEqual({ rc: 2.5, kind: 'msd' });
      expect(() => db.putSeries(id, 'msd', h, null, new Float64Array([1]), 9)).toThrow(/covers 5 frames; cannot extend it from frame 9/);
      expect(db.getSeries(id, 'msd', 'other')).toBeNull();
    });
  });

  it('caps the field cache by evicting the least recently used fields', () => {
    // 4 KiB per field, cap 10 KiB: at most two fields.
    withDb((db, id) => {
      const f = (v: number) => new Float32Array(1024).fill(v);
      expect(db.putField(id, 0, 0, 'd2min', 'p', f(0))).toBe(true);
      expect(db.putField(id, 1, 0, 'd2min', 'p', f(1))).toBe(true);
      expect(db.getField(id, 0, 0, 'd2min', 'p')![5]).toBe(0); // frame 0 is now the most recently used
      expect(db.putField(id, 2, 0, 'd2min', 'p', f(2))).toBe(true);
      expect(db.getField(id, 1, 0, 'd2min', 'p')).toBeNull(); // evicted
      expect(db.getField(id, 0, 0, 'd2min', 'p')![0]).toBe(0);
      expect(db.getField(id, 2, 0, 'd2min', 'p')![1023]).toBe(2);
      expect(db.fieldCacheBytes()).toBe(8192);
      // Replacing a field does not count it twice.
      expect(db.putField(id, 2, 0, 'd2min', 'p', f(7))).toBe(true);
      expect(db.fieldCacheBytes()).toBe(8192);
      expect(db.getField(id, 2, 0, 'd2min', 'p')![0]).toBe(7);
      // Larger than the whole cap: not stored, nothing evicted.
      expect(db.putField(id, 3, 0, 'big', 'p', new Float32Array(4096))).toBe(false);
      expect(db.fieldCacheBytes()).toBe(8192);
      expect(db.listFields(id).map((x) => x.frame).sort()).toEqual([0, 2]);
      // The frames of one field and parameter hash, from the covering index.
      expect(db.putField(id, 1, 0, 'e_norm', 'p', f(1))).toBe(true);
      expect(db.cachedFieldFrames(id, 'd2min', 'p').map((x) => [x.frame, x.refFrame]).sort()).toEqual([[2, 0]]);
      expect(db.cachedFieldFrames(id, 'e_norm', 'p')).toEqual([{ frame: 1, refFrame: 0 }]);
      expect(db.cachedFieldFrames(id, 'd2min', 'q')).toEqual([]);
      const plan = db.connection.prepare('EXPLAIN QUERY PLAN SELECT frame, ref_frame FROM field_cache WHERE trajectory_id = ? AND field = ? AND params_hash = ?').all(id, 'd2min', 'p') as { detail: string }[];
      expect(plan.map((r) => r.detail).join(' ')).toMatch(/COVERING INDEX field_cache_by_field/);
      // Deleting the trajectory removes its cache rows too.
      db.deleteTrajectory(id);
      expect(db.fieldCacheBytes()).toBe(0);
    }, 10 * 1024);
  });

  it('resets a trajectory content but keeps its tags', () => {
    withDb((db, id) => {
      db.appendFrames(id, entries(0, 3), 0, { endOffset: 300, particlesConstant: true, hashEnd: 300, tailHash: 'tt' });
      db.addTag(id, { frame: 2, kind: 'avalanche' });
      db.putSeries(id, 's', 'h', {}, new Float64Array([1, 2, 3]));
      db.putField(id, 1, 0, 'f', 'h', new Float32Array(4));
      db.resetContent(id);
      expect(db.trajectory(id)).toMatchObject({ frameCount: 0, endOffset: 0, complete: false, particleCount: null });
      expect(db.frameRowCount(id)).toBe(0);
      expect(db.getSeries(id, 's', 'h')).toBeNull();
      expect(db.getField(id, 1, 0, 'f', 'h')).toBeNull();
      expect(db.listTags(id)).toHaveLength(1);
    });
  });
});
