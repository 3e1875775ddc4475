import { describe, expect, it } from 'vitest';
import type { TagJson, TagKind } from '../../src/shared/api.js';
import { UndoStack, type TagOps } from '../../src/renderer/src/lib/undo.js';

/** An in-memory backend of tags. */
function fakeBackend(): { tags: Map<number, TagJson>; ops: TagOps } {
  const tags = new Map<number, TagJson>();
  let next = 100;
  const ops: TagOps = {
    async add(frame, kind, note) {
      const t: TagJson = { id: next++, frame, timestep: frame, kind, source: 'manual', score: null, note, createdAt: '', updatedAt: '' };
      tags.set(t.id, t);
      return t;
    },
    async update(id, kind: TagKind, note) {
      const t = tags.get(id);
      if (!t) throw new Error(`no tag ${id}`);
      const u = { ...t, kind, note };
      tags.set(id, u);
      return u;
    },
    async remove(id) {
      if (!tags.delete(id)) throw new Error(`no tag ${id}`);
    },
  };
  return { tags, ops };
}

describe('undo of tag changes', () => {
  it('reverts additions, updates and deletions in reverse order', async () => {
    const { tags, ops } = fakeBackend();
    const undo = new UndoStack();
    const a = await ops.add(10, 'avalanche', '');
    undo.push({ op: 'added', tagId: a.id, frame: 10 });
    await ops.update(a.id, 'uncertain', 'hmm');
    undo.push({ op: 'updated', tagId: a.id, frame: 10, before: { kind: 'avalanche', note: '' } });
    expect(undo.peek()).toBe('change of the tag of frame 10');
    expect(await undo.undo(ops)).toBe(10);
    expect(tags.get(a.id)).toMatchObject({ kind: 'avalanche', note: '' });
    expect(await undo.undo(ops)).toBe(10);
    expect(tags.size).toBe(0);
    expect(await undo.undo(ops)).toBeNull();
  });

  it('re-creates a deleted tag and re-points older entries to its new id', async () => {
    const { tags, ops } = fakeBackend();
    const undo = new UndoStack();
    const a = await ops.add(5, 'avalanche', 'first');
    undo.push({ op: 'added', tagId: a.id, frame: 5 });
    await ops.update(a.id, 'not-avalanche', 'first');
    undo.push({ op: 'updated', tagId: a.id, frame: 5, before: { kind: 'avalanche', note: 'first' } });
    const snapshot = { ...tags.get(a.id)! };
    await ops.remove(a.id);
    undo.push({ op: 'deleted', tag: snapshot });
    expect(await undo.undo(ops)).toBe(5);
    const [again] = [...tags.values()];
    expect(again.id).not.toBe(a.id);
    expect(again).toMatchObject({ frame: 5, kind: 'not-avalanche', note: 'first' });
    await undo.undo(ops);
    expect(tags.get(again.id)?.kind).toBe('avalanche');
    await undo.undo(ops);
    expect(tags.size).toBe(0);
  });

  it('keeps at most `limit` entries', () => {
    const undo = new UndoStack(3);
    for (let i = 0; i < 5; i++) undo.push({ op: 'added', tagId: i, frame: i });
    expect(undo.size).toBe(3);
    expect(undo.peek()).toBe('tag of frame 4');
  });
});
