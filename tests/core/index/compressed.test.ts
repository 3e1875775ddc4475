// Compressed trajectories: the reader's seek index is persisted with the trajectory and handed back to the
// reader on reopen, and a gzip file that grows (a new gzip member appended) is indexed incrementally.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openIndexed, type ReaderFactory } from '../../../src/core/index/indexed-trajectory.js';
import { LammpsDumpReader } from '../../../src/core/io/lammps-dump.js';
import { openByteSource } from '../../../src/core/io/open-source.js';
import type { TrajectoryReader } from '../../../src/core/io/types.js';
import { dumpFrame, simpleFrames, tmpDir } from './helpers.js';

/** A LAMMPS reader over openByteSource that exposes the source's seek index, recording what it was given. */
function gzFactory(given: (Buffer | null)[]): ReaderFactory {
  return (path, options) => {
    given.push(options.seekIndex ?? null);
    const source = openByteSource(path, options.seekIndex ?? null);
    const r = new LammpsDumpReader(source);
    const out: TrajectoryReader = {
      format: r.format, path: r.path,
      scan: (o) => r.scan(o), readFrame: (e, i) => r.readFrame(e, i), close: () => r.close(),
      seekIndex: () => source.exportSeekIndex(),
    };
    return out;
  };
}

describe('compressed trajectories', () => {
  it('persists the seek index, reuses it on reopen, and extends a growing gzip file', () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'data'));
    const file = join(dir, 'data', 'run.dump.gz');
    const frames = simpleFrames(30_000, 3, 10); // ~6 MB uncompressed: several 2 MB checkpoints
    const first = frames.slice(0, 25_000).map(dumpFrame).join('');
    writeFileSync(file, gzipSync(first));
    const indexDir = join(dir, 'index');
    const given: (Buffer | null)[] = [];

    const t = openIndexed(file, { indexDir, openReader: gzFactory(given) });
    expect(t.compression).toBe('gzip');
    expect(t.frameCount).toBe(25_000);
    const stored = t.db.seekIndex(t.id);
    expect(stored).not.toBeNull();
    expect(stored!.length).toBeGreaterThan(1000);
    t.close();

    const again = openIndexed(file, { indexDir, openReader: gzFactory(given) });
    expect(again.outcome).toBe('unchanged');
    expect(again.readFrame(24_999).timestep).toBe(249_990);
    expect(given.at(-1)!.equals(stored!)).toBe(true); // the reader got the persisted index
    again.close();

    // A second gzip member: the file grows, the bytes indexed so far are unchanged.
    appendFileSync(file, gzipSync(frames.slice(25_000).map(dumpFrame).join('')));
    const grown = openIndexed(file, { indexDir, openReader: gzFactory(given) });
    try {
      expect(grown.outcome).toBe('appended');
      expect(grown.frameCount).toBe(30_000);
      expect(grown.entry(25_000).offset).toBe(first.length);
      expect(grown.readFrame(29_999).timestep).toBe(299_990);
      expect(grown.damage).toBeNull();
    } finally {
      grown.close();
    }
  });
});
