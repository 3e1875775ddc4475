// Undo of tag changes: each change records its inverse; undoing a deletion re-creates the tag (with a new id,
// which the older entries are re-pointed to).
import type { TagJson, TagKind } from '#shared/api.js';

export type UndoEntry =
  | { op: 'added'; tagId: number; frame: number }
  | { op: 'deleted'; tag: TagJson }
  | { op: 'updated'; tagId: number; frame: number; before: { kind: TagKind; note: string } };

/** What the undo stack needs from the backend. */
export interface TagOps {
  add(frame: number, kind: TagKind, note: string): Promise<TagJson>;
  update(tagId: number, kind: TagKind, note: string): Promise<TagJson>;
  remove(tagId: number): Promise<void>;
}

export class UndoStack {
  private entries: UndoEntry[] = [];

  constructor(private readonly limit = 200) {}

  get size(): number {
    return this.entries.length;
  }

  /** A short description of what undo would revert, or null. */
  peek(): string | null {
    const e = this.entries[this.entries.length - 1];
    if (!e) return null;
    if (e.op === 'added') return `tag of frame ${e.frame}`;
    if (e.op === 'deleted') return `removal of the tag of frame ${e.tag.frame}`;
    return `change of the tag of frame ${e.frame}`;
  }

  push(entry: UndoEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.shift();
  }

  clear(): void {
    this.entries = [];
  }

  /** Revert the last change; returns the frame it touched, or null when there is nothing to undo. */
  async undo(ops: TagOps): Promise<number | null> {
    const e = this.entries.pop();
    if (!e) return null;
    if (e.op === 'added') {
      await ops.remove(e.tagId);
      return e.frame;
    }
    if (e.op === 'updated') {
      await ops.update(e.tagId, e.before.kind, e.before.note);
      return e.frame;
    }
    const again = await ops.add(e.tag.frame, e.tag.kind, e.tag.note);
    for (const other of this.entries) {
      if (other.op !== 'deleted' && other.tagId === e.tag.id) other.tagId = again.id;
    }
    return e.tag.frame;
  }
}
