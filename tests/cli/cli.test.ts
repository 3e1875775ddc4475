// The `avw` command end to end, as a user runs it: JSON shapes, exit codes, one-line errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAvw } from './run-avw.js';

const root = join(import.meta.dirname, '../..');
const fixtures = join(root, 'tests/fixtures');
const work = mkdtempSync(join(tmpdir(), 'avw-cli-'));
const indexDir = join(work, 'index');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const avw = (...args: string[]) => runAvw(args, { env: { ...process.env, AVW_INDEX_DIR: indexDir } });

const small = join(fixtures, 'e2e/small-2d.lammpstrj');

describe('avw info', () => {
  it('prints the facts of a LAMMPS dump as JSON', () => {
    const r = avw('info', small, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      format: 'lammps-dump',
      frames: 3,
      particles: 9,
      particlesConstant: true,
      dimensions: 2,
      timesteps: [0, 200],
      box: { origin: [0, 0, -0.5], vectors: [[6, 0, 0], [0, 6, 0], [0, 0, 1]] },
      damage: null,
    });
  });

  it('reads a GSD file and a gzip-compressed dump', () => {
    const gsd = JSON.parse(avw('info', join(fixtures, 'gsd/python-2d.gsd'), '--json').stdout);
    expect(gsd.format).toBe('gsd');
    expect(gsd.dimensions).toBe(2);
    expect(gsd.frames).toBe(4);
    expect(gsd.particlesConstant).toBe(false);
    const gz = JSON.parse(avw('info', join(fixtures, 'compressed/sample.lammpstrj.gz'), '--json').stdout);
    const plain = JSON.parse(avw('info', join(fixtures, 'compressed/sample.lammpstrj'), '--json').stdout);
    expect(gz).toEqual(plain);
  });

  it('writes the index only in the index directory', () => {
    expect(existsSync(join(indexDir, 'index.sqlite'))).toBe(true);
    expect(readdirSync(join(fixtures, 'e2e')).sort()).toEqual(['README.md', 'small-2d.lammpstrj']);
  });
});

describe('avw frame', () => {
  it('returns ids ascending and absolute positions', () => {
    const r = avw('frame', small, '--frame', '1', '--json');
    expect(r.status).toBe(0);
    const f = JSON.parse(r.stdout);
    expect(f.frame).toBe(1);
    expect(f.timestep).toBe(100);
    expect(f.n).toBe(9);
    expect(f.ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(f.positions).toHaveLength(9);
    // Row "6 1 0.419133 0.544278 0 1.4" of frame 0, x shifted by 0.01 per frame.
    expect(f.positions[5][0]).toBeCloseTo(0.429133, 6);
    expect(f.positions[5][1]).toBeCloseTo(0.544278, 6);
    expect(f.box).toEqual({ origin: [0, 0, -0.5], vectors: [[6, 0, 0], [0, 6, 0], [0, 0, 1]] });
  });

  it('unwraps by continuity when the file has no image flags', () => {
    const dir = mkdtempSync(join(work, 'wrap-'));
    const file = join(dir, 'wrap.lammpstrj');
    const frames = [5.9, 0.1, 0.3].map((x, k) =>
      `ITEM: TIMESTEP\n${k}\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 6\n0 6\n0 6\nITEM: ATOMS id x y z\n1 ${x} 1 1\n`);
    writeFileSync(file, frames.join(''));
    const r = avw('frame', file, '--frame', '2', '--unwrapped', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).positions[0][0]).toBeCloseTo(6.3, 12);
    const wrapped = JSON.parse(avw('frame', file, '--frame', '2', '--json').stdout);
    expect(wrapped.positions[0][0]).toBeCloseTo(0.3, 12);
  });

  it('rejects a frame out of range with one line', () => {
    const r = avw('frame', small, '--frame', '7', '--json');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--frame must be a frame of .*small-2d\.lammpstrj, 0\.\.2 \(got 7\)/);
  });
});

describe('avw index and tags', () => {
  it('indexes once, then reads the index', () => {
    const first = JSON.parse(avw('index', small, '--json').stdout);
    expect(first.frames).toBe(3);
    const second = avw('index', small);
    expect(second.stdout).toMatch(/indexed .*small-2d\.lammpstrj: 3 frames of 9 particles \(lammps-dump\)/);
  });

  it('exports and imports tags as CSV and JSON', () => {
    const csv = join(work, 'tags.csv');
    writeFileSync(csv, 'frame,kind,source,note\n1,avalanche,manual,"big jump, clear"\n2,uncertain,manual,\n');
    const imp = avw('tags', small, '--import', csv, '--json');
    expect(imp.status).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ inserted: 2, updated: 0 });
    const list = JSON.parse(avw('tags', small, '--json').stdout).tags;
    expect(list.map((t: { frame: number; kind: string }) => [t.frame, t.kind])).toEqual([[1, 'avalanche'], [2, 'uncertain']]);
    const outJson = join(work, 'tags.json');
    expect(avw('tags', small, '--export', outJson).status).toBe(0);
    const exported = JSON.parse(readFileSync(outJson, 'utf8'));
    expect(exported.tags).toHaveLength(2);
    expect(exported.tags[0].note).toBe('big jump, clear');
    // Importing the export again changes nothing new.
    expect(JSON.parse(avw('tags', small, '--import', outJson, '--json').stdout)).toMatchObject({ inserted: 0 });
  });

  it('refuses a tag file row that names a missing frame, naming file and line', () => {
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, 'frame,kind,source\n1,avalanche,manual\n99,avalanche,manual\n');
    const r = avw('tags', small, '--import', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv.*line 3/);
  });
});

describe('bad input', () => {
  it('a missing file', () => {
    const r = avw('info', join(work, 'nope.lammpstrj'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/nope\.lammpstrj: no such file$/);
  });

  it('an image is not a trajectory', () => {
    const png = join(work, 'picture.png');
    writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'));
    const r = avw('info', png);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/picture\.png: not a trajectory.*expected a LAMMPS text dump/);
  });

  it('an unknown text format', () => {
    const txt = join(work, 'notes.txt');
    writeFileSync(txt, 'hello world\nthis is not a trajectory\n');
    const r = avw('info', txt);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/notes\.txt: unknown format \(line 1 reads "hello world"\)/);
  });

  it('a truncated dump keeps its complete frames and names the byte offset', () => {
    const text = readFileSync(small, 'latin1');
    const cut = join(work, 'cut.lammpstrj');
    writeFileSync(cut, text.slice(0, text.length - 40), 'latin1');
    const r = avw('info', cut, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).frames).toBe(2);
    const idx = avw('index', cut);
    expect(idx.stdout).toMatch(/warning: .*cut\.lammpstrj: frame 2.*byte \d+/);
  });

  it('a file whose only frame is truncated: exit 1 and one line naming the file and frame 0, in every command', () => {
    const text = readFileSync(small, 'latin1');
    const only = join(work, 'only-frame-cut.lammpstrj');
    writeFileSync(only, text.slice(0, 150), 'latin1');
    for (const args of [['info'], ['info', '--json'], ['frame', '--frame', '0', '--json'], ['index', '--json']]) {
      const r = avw(args[0], only, ...args.slice(1));
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^avw ${args[0]}: ${only.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: frame 0 \\(line 1, byte 0\\): truncated: .*; the file has no complete frame$`));
    }
  });

  it('damage after complete frames: the same message in info --json and index --json, a warning from frame', () => {
    const text = readFileSync(small, 'latin1');
    const cut = join(work, 'cut-later.lammpstrj');
    writeFileSync(cut, text.slice(0, text.length - 40), 'latin1');
    const info = avw('info', cut, '--json');
    expect(info.status).toBe(0);
    const damage = JSON.parse(info.stdout).damage;
    expect(damage).toMatch(/cut-later\.lammpstrj: frame 2 \(line \d+, byte \d+\): truncated: /);
    const idx = avw('index', cut, '--json');
    expect(JSON.parse(idx.stdout).damage).toBe(damage);
    const fr = avw('frame', cut, '--frame', '1', '--json');
    expect(fr.status).toBe(0);
    expect(fr.stderr).toBe(`avw frame: warning: ${damage}\n`);
    expect(JSON.parse(fr.stdout).frame).toBe(1);
  });

  it('usage errors exit with 2', () => {
    expect(avw('frame', small).status).toBe(2);
    expect(avw('info', small, '--bogus').status).toBe(2);
    expect(avw('launch').status).toBe(2);
  });
});
