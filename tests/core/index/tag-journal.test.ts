// The tags survive the index: every change is journaled beside it (and only changes that commit), and an index that
// is lost or damaged - deleted, truncated, garbage, from a newer program - is set aside and rebuilt from the
// trajectories, which get their tags back from the journal. (As processes, under kill -9 and with the CLI:
// tests/reliability/damaged-index.test.ts.)
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexDb, indexFileDamage, type Tag } from '../../../src/core/index/index-db.js';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { SCHEMA_VERSION } from '../../../src/core/index/schema.js';
import { TAG_JOURNAL_NAME, TagJournal } from '../../../src/core/index/tag-journal.js';
import { importTags } from '../../../src/core/index/tags-io.js';
import { mulberry32 } from '../../../src/core/util/random.js';
import { tmpDir, writeDump, type DumpFrame } from './helpers.js';

const root = tmpDir('avw-journal-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function frames(n: number): DumpFrame[] {
  return Array.from({ length: n }, (_, k) => ({ timestep: 100 * k, L: [10, 10, 10] as [number, number, number], x: [[0.5 + 0.01 * k, 1, 2], [3, 4, 5]] }));
}

function setup(name: string): { dir: string; indexDir: string; file: string } {
  const dir = join(root, name);
  const indexDir = join(dir, 'index');
  const file = join(dir, 'run.lammpstrj');
  mkdirSync(dir, { recursive: true });
  writeDump(file, frames(12));
  return { dir, indexDir, file };
}

/** The tags as a person sees them (ids are the index's own and change when it is rebuilt). */
const view = (tags: Tag[]) => tags.map(({ id: _id, ...t }) => t);

function tagsOf(file: string, indexDir: string): ReturnType<typeof view> {
  const t = openIndexed(file, { indexDir });
  try {
    return view(t.listTags());
  } finally {
    t.close();
  }
}

/** A few hand-made tags, including an update, a move to another frame and a delete. */
function makeTags(file: string, indexDir: string): ReturnType<typeof view> {
  const t = openIndexed(file, { indexDir });
  try {
    t.addTag({ frame: 3, kind: 'avalanche', note: 'clear jump' });
    const u = t.addTag({ frame: 5, kind: 'uncertain' });
    t.updateTag(u.id, { kind: 'not-avalanche', note: 'thermal noise' });
    const m = t.addTag({ frame: 7, kind: 'avalanche' });
    t.updateTag(m.id, { frame: 8 });
    const d = t.addTag({ frame: 9, kind: 'uncertain' });
    t.deleteTag(d.id);
    t.addTag({ frame: 4, kind: 'candidate', source: 'detector', score: 12.5, note: 'MSD jump: frames 3..5', before: 3, after: 5 });
    return view(t.listTags());
  } finally {
    t.close();
  }
}

describe('the tags journal', () => {
  it('records every committed change, and a rolled-back import not at all', () => {
    const s = setup('journal');
    const want = makeTags(s.file, s.indexDir);
    expect(want.map((t) => [t.frame, t.kind])).toEqual([[3, 'avalanche'], [4, 'candidate'], [5, 'not-avalanche'], [8, 'avalanche']]);
    const j = new TagJournal(join(s.indexDir, TAG_JOURNAL_NAME));
    const replayed = j.tagsFor(openIndexed(s.file, { indexDir: s.indexDir }).path);
    expect(replayed.map((t) => [t.frame, t.kind, t.note])).toEqual(want.map((t) => [t.frame, t.kind, t.note]));
    const before = readFileSync(j.file, 'utf8');
    const t = openIndexed(s.file, { indexDir: s.indexDir });
    try {
      // The second row names a frame the trajectory lacks: nothing of the import is written, nor journaled.
      expect(() => importTags(t, 'bad.csv', 'frame,kind\n6,avalanche\n99,avalanche\n', 'csv')).toThrow(/frame 99 does not exist/);
      // A failing change inside a transaction is not journaled either.
      expect(() => t.db.transaction(() => {
        t.addTag({ frame: 10, kind: 'avalanche' });
        throw new Error('stop');
      })).toThrow('stop');
    } finally {
      t.close();
    }
    expect(readFileSync(j.file, 'utf8')).toBe(before);
    expect(tagsOf(s.file, s.indexDir)).toEqual(want);
  });

  it('brings the tags back when the index is deleted, and the particle diameters set by hand', () => {
    const s = setup('deleted');
    const want = makeTags(s.file, s.indexDir);
    const t = openIndexed(s.file, { indexDir: s.indexDir });
    t.setParticleSizes({ kind: 'per-type', types: { 1: 1.2 } });
    t.close();
    for (const f of readdirSync(s.indexDir)) if (f.startsWith('index.sqlite')) rmSync(join(s.indexDir, f));
    expect(tagsOf(s.file, s.indexDir)).toEqual(want);
    const again = openIndexed(s.file, { indexDir: s.indexDir });
    try {
      expect(again.particleSizes).toEqual({ kind: 'per-type', types: { 1: 1.2 } });
      again.setParticleSizes(null);
    } finally {
      again.close();
    }
    rmSync(join(s.indexDir, 'index.sqlite'));
    const third = openIndexed(s.file, { indexDir: s.indexDir });
    expect(third.particleSizes).toBeNull();
    third.close();
  });

  it('follows a moved file', () => {
    const s = setup('moved');
    const want = makeTags(s.file, s.indexDir);
    const moved = join(s.dir, 'renamed.lammpstrj');
    renameSync(s.file, moved);
    expect(tagsOf(moved, s.indexDir)).toEqual(want); // the index adopts the moved file
    rmSync(join(s.indexDir, 'index.sqlite'));
    expect(tagsOf(moved, s.indexDir)).toEqual(want); // and the journal followed it
  });

  it('starts from the index when an index made before the journal has tags', () => {
    const s = setup('legacy');
    const want = makeTags(s.file, s.indexDir);
    rmSync(join(s.indexDir, TAG_JOURNAL_NAME));
    IndexDb.open({ indexDir: s.indexDir }).close();
    expect(existsSync(join(s.indexDir, TAG_JOURNAL_NAME))).toBe(true);
    rmSync(join(s.indexDir, 'index.sqlite'));
    expect(tagsOf(s.file, s.indexDir)).toEqual(want);
  });

  it('compacts a large journal, keeping the tags of trajectories the index does not hold now', () => {
    const s = setup('compact');
    mkdirSync(s.indexDir, { recursive: true });
    const j = new TagJournal(join(s.indexDir, TAG_JOURNAL_NAME));
    // Tags of a file indexed before a rebuild and not opened since: only the journal has them.
    const orphan = { frame: 1, kind: 'avalanche', source: 'manual', score: null, note: 'keep me', before: null, after: null, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };
    j.append([{ op: 'put', path: '/elsewhere/old.lammpstrj', tag: orphan }]);
    const want = makeTags(s.file, s.indexDir);
    const t = openIndexed(s.file, { indexDir: s.indexDir });
    const ops = [];
    for (let k = 0; k < 30000; k++) ops.push({ op: 'put' as const, path: t.path, tag: { ...orphan, frame: 2, note: `edit ${k}` } }, { op: 'del' as const, path: t.path, frame: 2, source: 'manual' });
    t.close();
    j.append(ops);
    expect(j.size()).toBeGreaterThan(4 << 20);
    IndexDb.open({ indexDir: s.indexDir }).close();
    expect(j.size()).toBeLessThan(4096);
    expect(j.tagsFor('/elsewhere/old.lammpstrj')).toEqual([orphan]);
    rmSync(join(s.indexDir, 'index.sqlite'));
    expect(tagsOf(s.file, s.indexDir)).toEqual(want);
  });
});

describe('a damaged index is set aside and rebuilt; the tags survive', () => {
  const damages: [string, (file: string, r: () => number) => void][] = [
    ['cut to a few bytes', (f) => truncateSync(f, 50)],
    ['cut inside its pages', (f, r) => truncateSync(f, 100 + Math.floor(r() * (statSync(f).size - 4196)))],
    ['garbage from the start', (f, r) => writeFileSync(f, Buffer.from(Array.from({ length: statSync(f).size }, () => Math.floor(r() * 256))))],
    ['a garbage header', (f) => {
      const b = readFileSync(f);
      b.fill(0x41, 0, 100);
      writeFileSync(f, b);
    }],
    ['a garbage schema page', (f) => {
      const b = readFileSync(f);
      b.fill(0x7f, 100, 4096);
      writeFileSync(f, b);
    }],
    ['written by a newer program', (f) => {
      const db = new Database(f);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
    }],
  ];

  it.each(damages)('%s', (name, damage) => {
    const s = setup(`damage-${name.replace(/\W+/g, '-')}`);
    const want = makeTags(s.file, s.indexDir);
    const file = join(s.indexDir, 'index.sqlite');
    // Checkpoint the WAL into the file so the damage hits the data, then damage it.
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    damage(file, mulberry32(name.length));
    const t = openIndexed(s.file, { indexDir: s.indexDir });
    try {
      expect(t.warnings[0]).toMatch(/index\.sqlite: the trajectory index could not be used \(.+\); it was moved to index\.sqlite\.(damaged|schema-v\d+)-\S+ and a new index is built/);
      expect(t.outcome).toBe('new');
      expect(t.frameCount).toBe(12);
      expect(view(t.listTags())).toEqual(want);
    } finally {
      t.close();
    }
    expect(indexFileDamage(file)).toBeNull();
    expect(readdirSync(s.indexDir).some((f) => /^index\.sqlite\.(damaged|schema-v\d+)-/.test(f))).toBe(true);
  });
});
