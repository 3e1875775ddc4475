// The index survives a SIGKILL in the middle of a scan: a child process indexes a large generated dump and
// is killed mid-scan; the index must reopen cleanly with only whole batches and resume where it stopped.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../../src/core/index/index-db.js';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { FileSource } from '../../../src/core/io/file-source.js';
import { LammpsDumpReader } from '../../../src/core/io/lammps-dump.js';
import type { ScanProgress } from '../../../src/core/io/types.js';
import { tmpDir } from './helpers.js';

const FRAMES = 300_000; // two particles each: ~45 MB, several 16 MB scan batches
const ROOT = join(import.meta.dirname, '../../..');
const CHILD = join(import.meta.dirname, 'index-child.ts');
const factory = (p: string) => new LammpsDumpReader(new FileSource(p));

let dir = '';
let file = '';
let size = 0;

beforeAll(() => {
  dir = tmpDir('avw-crash-');
  file = join(dir, 'big.lammpstrj');
  const fd = openSync(file, 'w');
  let parts: string[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const x = (f % 1000) * 0.01;
    parts.push(`ITEM: TIMESTEP\n${f}\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n0 10\nITEM: ATOMS id type x y z\n1 1 ${x} 1 2\n2 1 5 ${x} 2\n`);
    if (parts.length === 10000) {
      size += writeSync(fd, parts.join(''));
      parts = [];
    }
  }
  size += writeSync(fd, parts.join(''));
  closeSync(fd);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run the child and SIGKILL it `delayMs` after its first progress report of committed frames. */
function runAndKill(indexDir: string, delayMs: number): Promise<{ signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, indexDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && /progress [1-9]/.test(out)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal || code === 0 ? resolvePromise({ signal, out }) : reject(new Error(`child exited with ${code}: ${err}`))));
  });
}

/** The index must be internally consistent: the cursor matches exactly the frames stored, contiguous from 0. */
function checkConsistent(indexDir: string): { frames: number; complete: boolean } {
  const db = IndexDb.open({ indexDir });
  try {
    expect(db.connection.pragma('integrity_check', { simple: true })).toBe('ok');
    const [t] = db.listTrajectories();
    const c = db.connection;
    const agg = c.prepare('SELECT count(*) AS n, min(idx) AS lo, max(idx) AS hi, sum(length) AS bytes, min(offset) AS first FROM frames WHERE trajectory_id = ?').get(t.id) as
      { n: number; lo: number; hi: number; bytes: number; first: number };
    expect(agg.n).toBe(t.frameCount);
    if (t.frameCount > 0) {
      expect(agg).toMatchObject({ lo: 0, hi: t.frameCount - 1, first: 0, bytes: t.endOffset });
      const last = db.frameEntry(t.id, t.frameCount - 1)!;
      expect(last.offset + last.length).toBe(t.endOffset);
      expect(last.timestep).toBe(t.frameCount - 1);
      // Every frame's timestep is its index (no frame is half-written or shifted).
      const bad = c.prepare('SELECT count(*) FROM frames WHERE trajectory_id = ? AND timestep != idx').pluck().get(t.id);
      expect(bad).toBe(0);
    }
    return { frames: t.frameCount, complete: t.complete };
  } finally {
    db.close();
  }
}

describe('crash safety', () => {
  it('reopens cleanly after SIGKILL mid-scan and resumes from the last committed batch', async () => {
    const indexDir = join(dir, 'index-kill');
    const first = await runAndKill(indexDir, 0);
    expect(first.signal).toBe('SIGKILL');
    expect(first.out).not.toMatch(/^done/m);
    const a = checkConsistent(indexDir);
    expect(a.complete).toBe(false);
    expect(a.frames).toBeGreaterThan(0);
    expect(a.frames).toBeLessThan(FRAMES);

    // Second run resumes, and is killed later (more likely inside a batch transaction).
    const second = await runAndKill(indexDir, 120);
    const b = checkConsistent(indexDir);
    if (second.signal === 'SIGKILL') expect(b.frames).toBeGreaterThanOrEqual(a.frames);

    const progress: ScanProgress[] = [];
    const t = openIndexed(file, { indexDir, openReader: factory, onProgress: (p) => progress.push(p) });
    try {
      expect(t.outcome).toBe(b.complete ? 'unchanged' : 'resumed');
      expect(t.frameCount).toBe(FRAMES);
      expect(t.complete).toBe(true);
      expect(t.damage).toBeNull();
      if (!b.complete) {
        // The resumed scan started at the committed cursor, not at the start of the file.
        expect(progress[0].bytesDone).toBeGreaterThan(0);
        expect(progress.at(-1)!.fileBytesTotal).toBe(size);
      }
      const ts = t.timesteps();
      expect(ts.length).toBe(FRAMES);
      expect(ts[FRAMES - 1]).toBe(FRAMES - 1);
      expect(t.readFrame(FRAMES - 1).timestep).toBe(FRAMES - 1);
      const x = (123_456 % 1000) * 0.01; // as the generator wrote it
      expect(Array.from(t.readFrame(123_456).positions)).toEqual([x, 1, 2, 5, x, 2]);
    } finally {
      t.close();
    }
    expect(checkConsistent(indexDir)).toEqual({ frames: FRAMES, complete: true });
  });

  it('cancels through the AbortSignal mid-scan, keeping committed batches for the next open', () => {
    const indexDir = join(dir, 'index-abort');
    const ac = new AbortController();
    const progress: ScanProgress[] = [];
    expect(() => openIndexed(file, {
      indexDir, openReader: factory, signal: ac.signal,
      onProgress: (p) => { progress.push(p); if (p.frames > 0) ac.abort(); },
    })).toThrow(/abort/i);
    expect(progress.at(-1)!.fileBytesTotal).toBe(size);
    const a = checkConsistent(indexDir);
    expect(a.complete).toBe(false);
    expect(a.frames).toBe(progress.at(-1)!.frames);
    const t = openIndexed(file, { indexDir, openReader: factory });
    expect(t.outcome).toBe('resumed');
    expect(t.frameCount).toBe(FRAMES);
    t.close();
  });
});
