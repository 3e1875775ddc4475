// Damage is reported everywhere, in every format: a file whose only frame is truncated is unusable and says so in one
// line naming the file and the frame (the CLI exits 1 with it); a file damaged after complete frames keeps them and
// carries the damage in `info()` (the JSON of `avw info`, as `avw index --json` and the workbench's TrajectoryInfo).
// Regression: such a file used to report "0 frames" with exit code 0 and no message in `avw info --json`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { openReader } from '../../../src/core/io/open.js';
import { TrajectoryError, type FrameEntry } from '../../../src/core/io/types.js';
import { rmSync } from 'node:fs';
import { tmpDir } from './helpers.js';

const fixtures = join(import.meta.dirname, '../../fixtures');
const dir = tmpDir('avw-damage-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xyzText(extended: boolean): Buffer {
  const lines: string[] = [];
  for (let f = 0; f < 3; f++) {
    lines.push('4', extended ? `Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 Time=${f}` : `frame ${f}`);
    for (let i = 0; i < 4; i++) lines.push(`A ${(i + 0.1 * f).toFixed(3)} ${(0.5 * i).toFixed(3)} 1.000`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** Uncompressed seeds: the frames are located by the format's own reader. */
const plain: Record<string, Buffer> = {
  'dump.lammpstrj': readFileSync(join(fixtures, 'e2e/small-2d.lammpstrj')),
  'frames.xyz': xyzText(false),
  'frames.extxyz': xyzText(true),
  'run.gsd': readFileSync(join(fixtures, 'gsd/python-2d.gsd')),
  'run.dcd': readFileSync(join(fixtures, 'dcd/charmm_4d.dcd')),
  'run.xtc': readFileSync(join(fixtures, 'xtc/small.xtc')),
};

function entriesOf(path: string): FrameEntry[] {
  const r = openReader(path);
  const entries: FrameEntry[] = [];
  try {
    r.scan({ onFrames: (e) => entries.push(...e) });
  } finally {
    r.close();
  }
  return entries;
}

/** Files cut inside their first frame, and inside their last frame (after complete frames), per format. */
function damagedFiles(): { name: string; only: string; later: string; frames: number }[] {
  const out: { name: string; only: string; later: string; frames: number }[] = [];
  for (const [name, bytes] of Object.entries(plain)) {
    const whole = join(dir, `whole-${name}`);
    writeFileSync(whole, bytes);
    const e = entriesOf(whole);
    expect(e.length, name).toBeGreaterThan(1);
    const only = join(dir, `only-${name}`);
    writeFileSync(only, bytes.subarray(0, e[0].offset + Math.floor(e[0].length / 2)));
    const later = join(dir, `later-${name}`);
    const last = e[e.length - 1];
    writeFileSync(later, bytes.subarray(0, last.offset + Math.floor(last.length / 2)));
    out.push({ name, only, later, frames: e.length - 1 });
  }
  // Compressed text: the content cut (a sound gzip stream of a cut dump) and the compressed stream itself cut.
  const text = plain['dump.lammpstrj'];
  const e = entriesOf(join(dir, 'whole-dump.lammpstrj'));
  const gzOnly = join(dir, 'only-content.lammpstrj.gz');
  writeFileSync(gzOnly, gzipSync(text.subarray(0, e[0].offset + Math.floor(e[0].length / 2))));
  const gzLater = join(dir, 'later-content.lammpstrj.gz');
  writeFileSync(gzLater, gzipSync(text.subarray(0, e[2].offset + 40)));
  out.push({ name: 'gzip (content cut)', only: gzOnly, later: gzLater, frames: 2 });
  const big = readFileSync(join(fixtures, 'compressed/sample.lammpstrj'));
  const gz = gzipSync(big);
  const gzStreamOnly = join(dir, 'only-stream.lammpstrj.gz');
  writeFileSync(gzStreamOnly, gz.subarray(0, 400));
  const gzStreamLater = join(dir, 'later-stream.lammpstrj.gz');
  writeFileSync(gzStreamLater, gz.subarray(0, gz.length - 2000));
  out.push({ name: 'gzip (stream cut)', only: gzStreamOnly, later: gzStreamLater, frames: -1 });
  const bz = readFileSync(join(fixtures, 'compressed/sample.lammpstrj.bz2'));
  const bzOnly = join(dir, 'only-stream.lammpstrj.bz2');
  writeFileSync(bzOnly, bz.subarray(0, 2000));
  const bzLater = join(dir, 'later-stream.lammpstrj.bz2');
  writeFileSync(bzLater, bz.subarray(0, bz.length - 100));
  out.push({ name: 'bzip2 (stream cut)', only: bzOnly, later: bzLater, frames: -1 });
  return out;
}

describe('damage is reported in every format', () => {
  const files = damagedFiles();
  const indexDir = join(dir, 'index');

  it.each(files.map((f) => [f.name, f] as const))('%s: the only frame truncated is an error naming the file and frame 0', (_name, f) => {
    let message = '';
    try {
      const t = openIndexed(f.only, { indexDir });
      try {
        expect(t.frameCount).toBe(0);
        expect(t.damage).not.toBeNull();
        expect(t.info().damage).toBe(t.damage!.message);
        message = t.unusable() ?? '';
        expect(message).toMatch(/; the file has no complete frame$/);
      } finally {
        t.close();
      }
    } catch (e) {
      // A compressed file damaged before its first decodable byte cannot even be recognised: the reader says so.
      expect(e).toBeInstanceOf(TrajectoryError);
      message = (e as Error).message;
      expect(message).toMatch(/nothing decodes before the damage, so the file holds no frame$/);
    }
    expect(message.startsWith(f.only)).toBe(true);
    expect(message).not.toContain('\n');
    expect(message).toMatch(/frame 0|truncated|ends/);
  });

  it.each(files.map((f) => [f.name, f] as const))('%s: damage after complete frames keeps them and is in info()', (_name, f) => {
    const t = openIndexed(f.later, { indexDir });
    try {
      expect(t.frameCount).toBeGreaterThan(0);
      if (f.frames >= 0) expect(t.frameCount).toBe(f.frames);
      expect(t.unusable()).toBeNull();
      const info = t.info();
      expect(info.damage).toBe(t.damage!.message);
      expect(info.damage!.startsWith(f.later)).toBe(true);
      expect(info.damage).not.toContain('\n');
      expect(t.readFrame(t.frameCount - 1).n).toBeGreaterThan(0);
    } finally {
      t.close();
    }
  });
});
