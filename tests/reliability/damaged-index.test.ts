// A damaged index, as the CLI meets it: cut short (three places), a garbage header, garbage throughout, a schema
// from a newer program, and pages destroyed where only a query finds them. Each time the command still answers (the
// index is set aside, never deleted, and rebuilt from the trajectory), says so in one warning naming the index, and
// the tags - imported by hand and found by the detector - are all there, from the journal beside the index.
import { cpSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/core/index/schema.js';
import { mulberry32 } from '../../src/core/util/random.js';
import { writeGlassDump } from '../main/helpers.js';
import { avw, report, tmpDir } from './util.js';

const dir = tmpDir('avw-damagedidx-');
const file = join(dir, 'glass.lammpstrj');
const pristine = join(dir, 'index-pristine');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type TagView = { frame: number; kind: string; source: string; note: string; score: number | null };
const view = (stdout: string): TagView[] => (JSON.parse(stdout).tags as TagView[]).map(({ frame, kind, source, note, score }) => ({ frame, kind, source, note, score }));
let want: TagView[] = [];
let processes = 0;
const started = performance.now();
const modes: string[] = [];
afterAll(() => report('damaged index', { 'damage modes': modes.length, 'CLI runs': processes, 'tags lost': 0 }, started));

async function run(args: string[]) {
  processes++;
  return avw(args, { timeoutMs: 60_000 });
}

beforeAll(async () => {
  // Many frames (the frames table spans many pages) with a planted jump for the detector.
  writeGlassDump(file, { side: 12, frames: 1500, seed: 4, noise: 0.01, jumps: [700] });
  const tagsFile = join(dir, 'mine.json');
  writeFileSync(tagsFile, JSON.stringify({ tags: [
    { frame: 700, kind: 'avalanche', note: 'the big one' },
    { frame: 12, kind: 'not-avalanche', note: 'thermal' },
    { frame: 1499, kind: 'uncertain', note: 'last frame' },
  ] }));
  expect((await run(['tags', file, '--import', tagsFile, '--index-dir', pristine])).code).toBe(0);
  expect((await run(['detect', file, '--index-dir', pristine])).code).toBe(0);
  const r = await run(['tags', file, '--json', '--index-dir', pristine]);
  want = view(r.stdout);
  expect(want.filter((t) => t.source === 'detector').length).toBeGreaterThan(0);
  expect(want.filter((t) => t.source === 'manual')).toHaveLength(3);
  // Everything in the main file (no WAL), as after a clean exit.
  const db = new Database(join(pristine, 'index.sqlite'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}, 180_000);

function damaged(name: string, damage: (index: string) => void): string {
  const indexDir = join(dir, `index-${name}`);
  cpSync(pristine, indexDir, { recursive: true });
  rmSync(join(indexDir, 'index.sqlite-wal'), { force: true });
  rmSync(join(indexDir, 'index.sqlite-shm'), { force: true });
  damage(join(indexDir, 'index.sqlite'));
  modes.push(name);
  return indexDir;
}

/** The command works, one warning names the index and where it went, and the tags are all there. */
async function expectRecovered(indexDir: string, args: string[] = []): Promise<void> {
  if (args.length) {
    const r = await run([...args, '--index-dir', indexDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^avw: warning: .*index\.sqlite: the trajectory index (is damaged|could not be used) .*\n$/);
  }
  const r = await run(['tags', file, '--json', '--index-dir', indexDir]);
  expect(r.code, r.stderr).toBe(0);
  if (!args.length) expect(r.stderr).toMatch(/^avw: warning: .*index\.sqlite: the trajectory index could not be used \(.+\); it was moved to index\.sqlite\.(damaged|schema-v\d+)-\S+ and a new index is built/);
  expect(view(r.stdout)).toEqual(want);
  expect(readdirSync(indexDir).some((f) => /^index\.sqlite\.(damaged|schema-v\d+)-/.test(f))).toBe(true);
}

describe('a damaged index is rebuilt and the tags survive', () => {
  it('cut short at three places', async () => {
    const r = mulberry32(31);
    for (let k = 0; k < 3; k++) {
      const indexDir = damaged(`cut-${k}`, (f) => truncateSync(f, Math.floor(r() * statSync(f).size * 0.9)));
      await expectRecovered(indexDir);
    }
  }, 180_000);

  it('a garbage header, garbage throughout, a newer schema', async () => {
    await expectRecovered(damaged('header', (f) => {
      const b = readFileSync(f);
      b.fill(0x20, 0, 100);
      writeFileSync(f, b);
    }));
    await expectRecovered(damaged('garbage', (f) => {
      const r = mulberry32(5);
      writeFileSync(f, Buffer.from(Array.from({ length: statSync(f).size }, () => Math.floor(r() * 256))));
    }));
    await expectRecovered(damaged('newer', (f) => {
      const db = new Database(f);
      db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
      db.close();
    }));
  }, 180_000);

  it('pages destroyed where only a query finds them: the command is run again on a new index', async () => {
    const indexDir = damaged('pages', (f) => {
      const db = new Database(f, { readonly: true });
      const roots = new Set((db.prepare('SELECT rootpage FROM sqlite_master WHERE rootpage > 0').pluck().all() as number[]));
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.close();
      const b = readFileSync(f);
      const r = mulberry32(9);
      // Every page but the first (header, schema) and the tables' and indexes' root pages: opening succeeds, reading a row does not.
      for (let p = 2; p * pageSize <= b.length; p++) {
        if (roots.has(p)) continue;
        for (let i = (p - 1) * pageSize; i < p * pageSize; i++) b[i] = Math.floor(r() * 256);
      }
      writeFileSync(f, b);
    });
    await expectRecovered(indexDir, ['frame', file, '--frame', '1400', '--json']);
  }, 180_000);
});
