// The tags' journal: an append-only JSON-lines file beside the trajectory index. Tags (and a trajectory's settings, such as
// the particle diameters given for a file that stores none) are the only data in the index a person made by hand
// (everything else is recomputed from the trajectories), so every change to them is also written here, inside the same SQLite write transaction (so the appends of several processes are serialised by the index's
// write lock, and a change rolled back is never journaled). When the index is lost or rebuilt (damaged, deleted, from
// a newer program), a trajectory indexed again gets its tags back from the journal.
//
// One line per change, keyed by the trajectory's absolute path and the tag's (frame, source), as the index keys them:
//   {"op":"put","path":P,"tag":{frame,kind,source,score,note,before,after,createdAt,updatedAt}}
//   {"op":"del","path":P,"frame":F,"source":S}       a tag removed (or moved to another frame)
//   {"op":"setting","path":P,"name":N,"value":V}    a trajectory's setting (V null: forgotten)
//   {"op":"drop","path":P}                           the trajectory and its tags removed from the index
//   {"op":"move","from":P,"to":Q}                    the file was moved (the index adopted it under its new path)
// Each append is one write() of whole lines to a file opened for appending, then fsync, then close (the file is
// reopened every time, so a compaction's rename is seen by every process). A torn last line (a full disk) is skipped.
// The lines are written just before the transaction commits: a process killed between the two leaves in the journal
// the one change it had not acknowledged yet (never fewer changes than the index; the next compaction realigns them).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const TAG_JOURNAL_NAME = 'tags-journal.jsonl';

export interface JournalTag {
  frame: number;
  kind: string;
  source: string;
  score: number | null;
  note: string;
  before: number | null;
  after: number | null;
  createdAt: string;
  updatedAt: string;
}

export type JournalOp =
  | { op: 'put'; path: string; tag: JournalTag }
  | { op: 'del'; path: string; frame: number; source: string }
  | { op: 'setting'; path: string; name: string; value: unknown }
  | { op: 'drop'; path: string }
  | { op: 'move'; from: string; to: string };

/** What the journal holds for one trajectory: its tags by "frame/source" and its settings by name. */
export interface JournalEntry {
  tags: Map<string, JournalTag>;
  settings: Map<string, unknown>;
}

/** The journal beside an index file (`<dir>/index.sqlite` -> `<dir>/tags-journal.jsonl`). */
export function tagJournalPath(indexFile: string): string {
  return join(dirname(indexFile), TAG_JOURNAL_NAME);
}

const key = (frame: number, source: string): string => `${frame}/${source}`;

export class TagJournal {
  constructor(readonly file: string) {}

  exists(): boolean {
    return existsSync(this.file);
  }

  /** Bytes in the journal (0 when there is none). */
  size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /** Append changes (one write of whole lines, synced to disk). */
  append(ops: readonly JournalOp[]): void {
    if (ops.length === 0) return;
    const text = ops.map((o) => JSON.stringify(o)).join('\n') + '\n';
    const fd = openSync(this.file, 'a');
    try {
      const buf = Buffer.from(text, 'utf8');
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Every trajectory's tags and settings as the journal has them, by path. */
  replay(): Map<string, JournalEntry> {
    const out = new Map<string, JournalEntry>();
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return out;
    }
    const entry = (path: string): JournalEntry => {
      let e = out.get(path);
      if (!e) out.set(path, (e = { tags: new Map(), settings: new Map() }));
      return e;
    };
    for (const line of text.split('\n')) {
      if (!line) continue;
      let o: JournalOp;
      try {
        o = JSON.parse(line) as JournalOp;
      } catch {
        continue; // a torn line
      }
      if (o.op === 'put' && o.tag) entry(o.path).tags.set(key(o.tag.frame, o.tag.source), o.tag);
      else if (o.op === 'del') out.get(o.path)?.tags.delete(key(o.frame, o.source));
      else if (o.op === 'setting') {
        if (o.value === null) out.get(o.path)?.settings.delete(o.name);
        else entry(o.path).settings.set(o.name, o.value);
      } else if (o.op === 'drop') out.delete(o.path);
      else if (o.op === 'move') {
        const e = out.get(o.from);
        out.delete(o.from);
        if (e) out.set(o.to, e);
        else out.delete(o.to);
      }
    }
    return out;
  }

  /** The tags the journal holds for one trajectory, by frame then source. */
  tagsFor(path: string): JournalTag[] {
    const e = this.replay().get(path);
    if (!e) return [];
    return [...e.tags.values()].sort((a, b) => a.frame - b.frame || a.source.localeCompare(b.source));
  }

  /** Rewrite the journal as one line per tag and setting (temporary file, fsync, rename: a kill leaves the old or the new one). */
  rewrite(entries: Map<string, JournalEntry>): void {
    const lines: string[] = [];
    for (const [path, e] of entries) {
      for (const tag of e.tags.values()) lines.push(JSON.stringify({ op: 'put', path, tag } satisfies JournalOp));
      for (const [name, value] of e.settings) lines.push(JSON.stringify({ op: 'setting', path, name, value } satisfies JournalOp));
    }
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      const buf = Buffer.from(lines.length ? lines.join('\n') + '\n' : '', 'utf8');
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
