import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import type { ByteSource } from '../../../src/core/io/byte-source.js';
import { Bzip2Source } from '../../../src/core/io/bzip2-source.js';
import { FileSource } from '../../../src/core/io/file-source.js';
import { CHECKPOINT_SPACING, GzipSource } from '../../../src/core/io/gzip-source.js';
import { openByteSource } from '../../../src/core/io/open-source.js';
import { CompressedDataError } from '../../../src/core/io/source-util.js';
import { TrajectoryError } from '../../../src/core/io/types.js';

// seek-bzip (a dependency) serves as an independent reference for the bzip2 block table.
const seekBzip = createRequire(import.meta.url)('seek-bzip') as {
  table(input: Buffer, callback: (bitPos: number, size: number) => void, multistream?: boolean): void;
};
const FIX = fileURLToPath(new URL('../../fixtures/compressed/', import.meta.url));
const SAMPLE = readFileSync(join(FIX, 'sample.lammpstrj'));
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avw-compressed-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Deterministic LAMMPS-like text of about `bytes` bytes. */
function lammpsText(bytes: number, seed = 1): Buffer {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const parts: string[] = [];
  let total = 0;
  const n = 2000;
  const x = Float64Array.from({ length: n }, () => rnd() * 50);
  for (let step = 0; total < bytes; step++) {
    const head = `ITEM: TIMESTEP\n${step * 100}\nITEM: NUMBER OF ATOMS\n${n}\nITEM: BOX BOUNDS pp pp pp\n0 50\n0 50\n-0.5 0.5\nITEM: ATOMS id type x y z\n`;
    parts.push(head);
    total += head.length;
    for (let i = 0; i < n; i++) {
      x[i] += (rnd() - 0.5) * 0.02;
      const line = `${i + 1} ${1 + (i % 3)} ${x[i].toFixed(5)} ${(rnd() * 50).toFixed(4)} 0\n`;
      parts.push(line);
      total += line.length;
    }
  }
  return Buffer.from(parts.join(''));
}

function write(name: string, data: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

interface Collected {
  data: Buffer;
  error: unknown;
  fileBytes: number;
  chunks: number;
}

function collect(src: ByteSource, from = 0, chunkSize?: number): Collected {
  const parts: Buffer[] = [];
  let fileBytes = 0;
  let error: unknown = null;
  let expect = from;
  let chunks = 0;
  try {
    for (const c of src.chunks(from, chunkSize, (n) => (fileBytes += n))) {
      if (c.offset !== expect) throw new Error(`chunk at ${c.offset}, expected ${expect}`);
      if (chunkSize !== undefined && c.data.length > chunkSize) throw new Error(`chunk of ${c.data.length} > ${chunkSize}`);
      expect += c.data.length;
      parts.push(Buffer.from(c.data));
      chunks++;
    }
  } catch (e) {
    error = e;
  }
  return { data: Buffer.concat(parts), error, fileBytes, chunks };
}

/** A PRNG for offsets. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

function checkRandomReads(src: ByteSource, ref: Buffer, count: number, maxLen: number, seed = 3): void {
  const r = prng(seed);
  for (let i = 0; i < count; i++) {
    const off = Math.floor(r() * (ref.length + 10));
    const len = Math.floor(r() * maxLen);
    const got = src.read(off, len);
    const want = ref.subarray(Math.min(off, ref.length), Math.min(off + len, ref.length));
    if (!got.equals(want)) throw new Error(`read(${off}, ${len}) differs (got ${got.length} bytes, want ${want.length})`);
  }
}

/**
 * Damage `data` (SAMPLE compressed) one byte at a time: the first `leading` bytes in turn, then `count - leading`
 * random ones. A sequential pass over each damaged copy must end in a TrajectoryError naming the file or deliver
 * exactly SAMPLE; with `read`, a random read afterwards may only throw a TrajectoryError. Returns how many copies
 * gave an error.
 */
function flipEachByte(data: Buffer, o: { name: string; count: number; leading: number; seed: number; read: boolean; open: (path: string) => ByteSource }): number {
  const r = prng(o.seed);
  let errors = 0;
  for (let k = 0; k < o.count; k++) {
    const bad = Buffer.from(data);
    const at = k < o.leading ? k : Math.floor(r() * data.length);
    bad[at] ^= 1 + Math.floor(r() * 255);
    const path = write(o.name, bad);
    const src = o.open(path);
    const got = collect(src, 0, 16384);
    if (got.error) {
      errors++;
      expect(got.error, `byte ${at}`).toBeInstanceOf(TrajectoryError);
      expect((got.error as Error).message).toContain(path);
    } else {
      // Only bytes that do not matter (gzip: MTIME, XFL, OS, the file name) may change without an error.
      expect(got.data.equals(SAMPLE), `byte ${at}`).toBe(true);
    }
    if (o.read) {
      try {
        src.read(100_000, 10_000);
      } catch (e) {
        expect(e, `read, byte ${at}`).toBeInstanceOf(TrajectoryError);
      }
    }
    src.close();
  }
  return errors;
}

/** `header` followed by `length` random bytes (seeded) must fail as a TrajectoryError, sequentially and at random. */
function rejectsNoise(name: string, header: Buffer, length: number, seed: number, open: (path: string) => ByteSource): void {
  const noise = Buffer.alloc(length);
  const rr = prng(seed);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rr() * 256);
  const junk = write(name, Buffer.concat([header, noise]));
  const src = open(junk);
  expect(collect(src).error).toBeInstanceOf(TrajectoryError);
  expect(() => src.read(0, 1 << 20)).toThrow(TrajectoryError);
  src.close();
}

/** A gzip member with the optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC) around raw deflate data. */
function gzipMember(data: Buffer, opts: { extra?: Buffer; name?: string; comment?: string; hcrc?: boolean; level?: number }): Buffer {
  let flg = 0;
  if (opts.hcrc) flg |= 2;
  if (opts.extra) flg |= 4;
  if (opts.name !== undefined) flg |= 8;
  if (opts.comment !== undefined) flg |= 16;
  const h: number[] = [0x1f, 0x8b, 8, flg, 1, 2, 3, 4, 0, 3];
  if (opts.extra) h.push(opts.extra.length & 255, opts.extra.length >> 8, ...opts.extra);
  if (opts.name !== undefined) h.push(...Buffer.from(opts.name, 'latin1'), 0);
  if (opts.comment !== undefined) h.push(...Buffer.from(opts.comment, 'latin1'), 0);
  if (opts.hcrc) {
    const c = crc32(Uint8Array.from(h)) & 0xffff;
    h.push(c & 255, c >> 8);
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length % 0x100000000, 4);
  return Buffer.concat([Buffer.from(h), deflateRawSync(data, { level: opts.level ?? 6 }), trailer]);
}

describe('GzipSource', () => {
  const big = lammpsText(7_000_000);

  const variants: [string, Parameters<typeof gzipSync>[1]][] = [
    ['level 0 (stored blocks)', { level: 0 }],
    ['level 1', { level: 1 }],
    ['level 6', { level: 6 }],
    ['level 9', { level: 9 }],
    ['fixed Huffman', { level: 6, strategy: constants.Z_FIXED }],
    ['Huffman only', { level: 6, strategy: constants.Z_HUFFMAN_ONLY }],
    ['RLE', { level: 6, strategy: constants.Z_RLE }],
  ];

  for (const [label, opts] of variants) {
    it(`round-trips a ${(big.length / 1e6).toFixed(0)} MB file at ${label}: sequential pass, random reads, seek index`, () => {
      const gz = gzipSync(big, opts);
      const path = write(`big-${label.replace(/\W+/g, '_')}.gz`, gz);
      const src = new GzipSource(path, null);
      expect(src.compression).toBe('gzip');
      expect(src.fileSize).toBe(gz.length);
      expect(src.size).toBeNull();
      const all = collect(src, 0, 1 << 20);
      expect(all.error).toBeNull();
      expect(all.data.equals(big)).toBe(true);
      expect(all.fileBytes).toBe(gz.length);
      expect(src.size).toBe(big.length);
      // Checkpoints about every CHECKPOINT_SPACING bytes of output (plus the start of the file).
      expect(src.checkpointCount).toBe(Math.floor(big.length / CHECKPOINT_SPACING) + 1);
      checkRandomReads(src, big, 60, 300_000);
      const idx = src.exportSeekIndex();
      src.close();

      const again = new GzipSource(path, idx);
      expect(again.size).toBe(big.length);
      expect(again.checkpointCount).toBe(Math.floor(big.length / CHECKPOINT_SPACING) + 1);
      checkRandomReads(again, big, 60, 300_000, 11);
      // A span across a checkpoint boundary, and reads at the very end.
      expect(again.read(CHECKPOINT_SPACING - 1000, 5000).equals(big.subarray(CHECKPOINT_SPACING - 1000, CHECKPOINT_SPACING + 4000))).toBe(true);
      expect(again.read(big.length - 10, 100).equals(big.subarray(big.length - 10))).toBe(true);
      expect(again.read(big.length, 100).length).toBe(0);
      expect(again.read(5, 0).length).toBe(0);
      // chunks(from) starts at the nearest checkpoint and yields exactly the tail.
      const from = 2 * CHECKPOINT_SPACING + 12345;
      const tail = collect(again, from);
      expect(tail.error).toBeNull();
      expect(tail.data.equals(big.subarray(from))).toBe(true);
      again.close();
    });
  }

  it('reads near the end with a persisted seek index without decompressing the start', () => {
    const gz = gzipSync(big, { level: 6 });
    const path = write('noscan.gz', gz);
    const src = new GzipSource(path, null);
    collect(src);
    const idx = src.exportSeekIndex();
    src.close();
    // Destroy compressed bytes well before the last checkpoint (beyond the 64 KiB the index fingerprints):
    // a source that had to decompress from the start could not get past them.
    const damaged = Buffer.from(gz);
    damaged.fill(0, 70_000, Math.floor(gz.length / 2));
    const dpath = write('noscan-damaged.gz', damaged);
    const off = big.length - 500_000;
    const withIndex = new GzipSource(dpath, idx);
    expect(withIndex.size).toBe(big.length);
    expect(withIndex.read(off, 400_000).equals(big.subarray(off, off + 400_000))).toBe(true);
    const tail = collect(withIndex, off);
    expect(tail.error).toBeNull();
    expect(tail.data.equals(big.subarray(off))).toBe(true);
    // It consumed only the compressed bytes from the last checkpoint on.
    expect(tail.fileBytes).toBeLessThan(gz.length / 3);
    withIndex.close();
    const without = new GzipSource(dpath, null);
    expect(() => without.read(off, 400_000)).toThrow(TrajectoryError);
    without.close();
  });

  it('ignores a damaged or foreign seek index and rebuilds it', () => {
    const gzA = gzipSync(big.subarray(0, 3_000_000));
    const gzB = gzipSync(big.subarray(1000, 3_001_000));
    const pa = write('a.gz', gzA);
    const pb = write('b.gz', gzB);
    const a = new GzipSource(pa, null);
    collect(a);
    const idxA = a.exportSeekIndex();
    a.close();
    for (const bad of [idxA, Buffer.from('garbage'), idxA.subarray(0, idxA.length - 7), Buffer.alloc(0)]) {
      const b = new GzipSource(pb, bad);
      expect(b.size).toBeNull();
      expect(b.checkpointCount).toBe(1);
      expect(b.read(2_500_000, 1000).equals(big.subarray(1000 + 2_500_000, 1000 + 2_501_000))).toBe(true);
      b.close();
    }
  });

  it('keeps the checkpoints of a file that grew (a new member appended) but forgets its size', () => {
    const part1 = big.subarray(0, 5_000_000);
    const part2 = big.subarray(5_000_000);
    const p = write('growing.gz', gzipSync(part1));
    const s1 = new GzipSource(p, null);
    collect(s1);
    const idx = s1.exportSeekIndex();
    const cps = s1.checkpointCount;
    s1.close();
    writeFileSync(p, Buffer.concat([gzipSync(part1), gzipSync(part2)]));
    const s2 = new GzipSource(p, idx);
    expect(s2.size).toBeNull();
    expect(s2.checkpointCount).toBe(cps);
    expect(s2.read(4_900_000, 300_000).equals(big.subarray(4_900_000, 5_200_000))).toBe(true);
    const all = collect(s2);
    expect(all.error).toBeNull();
    expect(all.data.equals(big)).toBe(true);
    expect(s2.size).toBe(big.length);
    s2.close();
  });

  it('decodes multi-member files, header fields, empty members and trailing zero padding', () => {
    const a = SAMPLE.subarray(0, 50_000);
    const b = SAMPLE.subarray(50_000, 90_000);
    const c = SAMPLE.subarray(90_000);
    const gz = Buffer.concat([
      gzipMember(a, { name: 'part-a.lammpstrj', level: 1 }),
      gzipSync(Buffer.alloc(0)),
      gzipMember(b, { extra: Buffer.from('AB\x04\x00wxyz', 'latin1'), comment: 'written by a test', hcrc: true, level: 9 }),
      gzipMember(c, { extra: Buffer.alloc(0), name: '', comment: '', hcrc: true, level: 0 }),
      Buffer.alloc(512),
    ]);
    expect(gunzipSync(gz).equals(SAMPLE)).toBe(true);
    const path = write('multi.gz', gz);
    const src = new GzipSource(path, null);
    const all = collect(src, 0, 4096);
    expect(all.error).toBeNull();
    expect(all.data.equals(SAMPLE)).toBe(true);
    expect(all.chunks).toBeGreaterThan(SAMPLE.length / 4096 - 1);
    expect(src.size).toBe(SAMPLE.length);
    // Reads across member boundaries.
    expect(src.read(49_990, 20).equals(SAMPLE.subarray(49_990, 50_010))).toBe(true);
    expect(src.read(89_000, 2_000).equals(SAMPLE.subarray(89_000, 91_000))).toBe(true);
    checkRandomReads(src, SAMPLE, 200, 30_000);
    src.close();
  });

  it('decodes the fixtures written by gzip (FNAME) and pigz (empty stored blocks)', () => {
    for (const name of ['sample.lammpstrj.gz', 'sample-pigz.lammpstrj.gz']) {
      const src = new GzipSource(join(FIX, name), null);
      const all = collect(src);
      expect(all.error).toBeNull();
      expect(all.data.equals(SAMPLE)).toBe(true);
      expect(all.fileBytes).toBe(src.fileSize);
      checkRandomReads(src, SAMPLE, 100, 20_000);
      src.close();
    }
  });

  it('reports a truncated file after yielding every byte decodable before the damage', () => {
    const data = lammpsText(600_000, 5);
    const gz = Buffer.concat([gzipSync(data.subarray(0, 300_000), { level: 6 }), gzipSync(data.subarray(300_000), { level: 0 })]);
    const cuts = [5, 12, 100, 1000, 40_000, Math.floor(gz.length / 3), gz.length - 300_010, gz.length - 300_000, gz.length - 200_000, gz.length - 9, gz.length - 4, gz.length - 1];
    for (const cut of cuts) {
      const path = write(`trunc-${cut}.gz`, gz.subarray(0, cut));
      const expected = gunzipSync(gz.subarray(0, cut), { finishFlush: constants.Z_SYNC_FLUSH });
      const src = new GzipSource(path, null);
      const got = collect(src, 0, 65536);
      expect(got.error, `cut ${cut}`).toBeInstanceOf(CompressedDataError);
      const err = got.error as CompressedDataError;
      expect(err.kind).toBe('truncated');
      expect(err.message).toContain(path);
      expect(err.message).toContain(`compressed byte ${cut}`);
      expect(data.subarray(0, got.data.length).equals(got.data), `cut ${cut}: a prefix`).toBe(true);
      expect(got.data.length, `cut ${cut}`).toBe(expected.length);
      expect(err.place.offset).toBe(got.data.length);
      expect(src.size).toBeNull();
      // read() likewise: fine before the damage, an error past it.
      if (got.data.length > 10) expect(src.read(0, got.data.length).equals(got.data)).toBe(true);
      expect(() => src.read(0, data.length + 1)).toThrow(TrajectoryError);
      src.close();
    }
  });

  it('checks CRC-32 and ISIZE at the end of every member', () => {
    const first = gzipSync(SAMPLE.subarray(0, 60_000));
    const second = gzipSync(SAMPLE.subarray(60_000));
    for (const [label, at, pattern] of [['CRC-32', second.length - 8, /CRC-32 mismatch/], ['ISIZE', second.length - 2, /length mismatch/]] as const) {
      const bad = Buffer.from(second);
      bad[at] ^= 0x40;
      const path = write(`crc-${label}.gz`, Buffer.concat([first, bad]));
      const src = new GzipSource(path, null);
      const got = collect(src);
      expect(got.data.equals(SAMPLE)).toBe(true);
      const err = got.error as CompressedDataError;
      expect(err).toBeInstanceOf(CompressedDataError);
      expect(err.kind).toBe('corrupt');
      expect(err.message).toMatch(pattern);
      expect(err.message).toContain(`compressed byte offset ${first.length + second.length}`);
      // The damage covers the second member, which starts at uncompressed offset 60000.
      expect(err.place.offset).toBe(60_000);
      src.close();
    }
  });

  it('rejects corrupt data with a TrajectoryError, never a hang or another error', () => {
    const gz = readFileSync(join(FIX, 'sample.lammpstrj.gz'));
    const open = (path: string): GzipSource => new GzipSource(path, null);
    const errors = flipEachByte(gz, { name: 'corrupt.gz', count: 120, leading: 40, seed: 99, read: true, open });
    expect(errors).toBeGreaterThan(90);
    // Random bytes after a valid-looking header.
    rejectsNoise('junk.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), 20_000, 5, open);
    // Trailing garbage after a complete member: all data, then an error.
    const tg = write('trailing.gz', Buffer.concat([gz, Buffer.from('not gzip')]));
    const s2 = new GzipSource(tg, null);
    const got = collect(s2);
    expect(got.data.equals(SAMPLE)).toBe(true);
    expect((got.error as Error).message).toMatch(/unexpected data after the end of a gzip member/);
    s2.close();
  });
});

describe('Bzip2Source', () => {
  for (const name of ['sample.lammpstrj.bz2', 'sample-pbzip2.lammpstrj.bz2']) {
    it(`decodes ${name} (bzip2/pbzip2 output): sequential pass, random reads, seek index`, () => {
      const path = join(FIX, name);
      // The reference block table: start bit and uncompressed size of every block.
      const table: { bitPos: number; out: number }[] = [];
      let out = 0;
      seekBzip.table(readFileSync(path), (bitPos, size) => {
        table.push({ bitPos, out });
        out += size;
      }, true);
      expect(out).toBe(SAMPLE.length);
      const src = new Bzip2Source(path, null);
      expect(src.compression).toBe('bzip2');
      expect(src.size).toBeNull();
      const all = collect(src, 0, 10_000);
      expect(all.error).toBeNull();
      expect(all.data.equals(SAMPLE)).toBe(true);
      expect(all.fileBytes).toBe(src.fileSize);
      expect(src.size).toBe(SAMPLE.length);
      expect(src.blockList().map((b) => ({ bitPos: b.bitPos, out: b.out }))).toEqual(table);
      expect(src.blockCount).toBe(name.includes('pbzip2') ? 3 : 2);
      checkRandomReads(src, SAMPLE, 100, 40_000);
      const idx = src.exportSeekIndex();
      src.close();
      const again = new Bzip2Source(path, idx);
      expect(again.size).toBe(SAMPLE.length);
      expect(again.blockCount).toBe(table.length);
      checkRandomReads(again, SAMPLE, 100, 40_000, 8);
      const tail = collect(again, 120_000);
      expect(tail.data.equals(SAMPLE.subarray(120_000))).toBe(true);
      again.close();
    });
  }

  it('starts at the second block with a persisted index (reads only its compressed bytes)', () => {
    const path = join(FIX, 'sample.lammpstrj.bz2');
    const src = new Bzip2Source(path, null);
    const whole = collect(src);
    expect(whole.fileBytes).toBe(src.fileSize);
    const idx = src.exportSeekIndex();
    src.close();
    const again = new Bzip2Source(path, idx);
    const tail = collect(again, 110_000);
    expect(tail.error).toBeNull();
    expect(tail.data.equals(SAMPLE.subarray(110_000))).toBe(true);
    // Only the second block's compressed bytes were consumed: the first block (about half the file) was skipped.
    expect(tail.fileBytes).toBeGreaterThan(1000);
    expect(tail.fileBytes).toBeLessThan(again.fileSize * 0.6);
    expect(again.read(105_000, 20_000).equals(SAMPLE.subarray(105_000, 125_000))).toBe(true);
    again.close();
  });

  it('decodes an empty bzip2 stream', () => {
    const src = new Bzip2Source(join(FIX, 'empty.bz2'), null);
    const all = collect(src);
    expect(all.error).toBeNull();
    expect(all.data.length).toBe(0);
    expect(src.size).toBe(0);
    expect(src.read(0, 10).length).toBe(0);
    src.close();
  });

  it('reports a truncated file after yielding the complete blocks before the damage', () => {
    const bz = readFileSync(join(FIX, 'sample-pbzip2.lammpstrj.bz2'));
    const full = new Bzip2Source(join(FIX, 'sample-pbzip2.lammpstrj.bz2'), null);
    collect(full);
    const blockOuts = [...full.blockList().map((b) => b.out), SAMPLE.length];
    full.close();
    for (const cut of [3, 4, 10, 1000, 20_000, 36_000, bz.length - 20_000, bz.length - 8, bz.length - 1]) {
      const path = write(`trunc-${cut}.bz2`, bz.subarray(0, cut));
      const src = new Bzip2Source(path, null);
      const got = collect(src, 0, 8192);
      expect(got.error, `cut ${cut}`).toBeInstanceOf(CompressedDataError);
      const err = got.error as CompressedDataError;
      expect(err.kind).toBe('truncated');
      expect(err.message).toContain(path);
      expect(err.message).toContain(`compressed byte ${cut}`);
      expect(SAMPLE.subarray(0, got.data.length).equals(got.data)).toBe(true);
      expect(blockOuts).toContain(got.data.length);
      expect(() => src.read(0, SAMPLE.length + 1)).toThrow(TrajectoryError);
      src.close();
    }
  });

  it('checks every block CRC and the stream CRC', () => {
    const bz = readFileSync(join(FIX, 'sample.lammpstrj.bz2'));
    // The first block's stored CRC follows the 4-byte stream header and the 6-byte block magic.
    const bad = Buffer.from(bz);
    bad[11] ^= 0x10;
    const src = new Bzip2Source(write('blockcrc.bz2', bad), null);
    const got = collect(src);
    const err = got.error as CompressedDataError;
    expect(err).toBeInstanceOf(CompressedDataError);
    expect(err.message).toMatch(/block CRC mismatch/);
    expect(err.message).toContain('block starting at compressed byte 4');
    expect(err.place.offset).toBe(0);
    src.close();
    // The stream CRC: the last 4 bytes before the padding of the final byte hold it (end of file here).
    const bad2 = Buffer.from(bz);
    bad2[bz.length - 2] ^= 0x01;
    const s2 = new Bzip2Source(write('streamcrc.bz2', bad2), null);
    const got2 = collect(s2);
    expect(got2.data.equals(SAMPLE)).toBe(true);
    expect((got2.error as Error).message).toMatch(/stream CRC mismatch/);
    s2.close();
  });

  it('rejects corrupt data with a TrajectoryError, never a hang or another error', () => {
    const bz = readFileSync(join(FIX, 'sample.lammpstrj.bz2'));
    const open = (path: string): Bzip2Source => new Bzip2Source(path, null);
    const errors = flipEachByte(bz, { name: 'corrupt.bz2', count: 60, leading: 12, seed: 17, read: false, open });
    expect(errors).toBeGreaterThan(55);
    rejectsNoise('junk.bz2', Buffer.from('BZh91AY&SY'), 30_000, 6, open);
  });
});

describe('openByteSource', () => {
  it('chooses the source from the magic bytes, not the extension', () => {
    const gz = openByteSource(write('looks-plain.txt', gzipSync(SAMPLE)));
    expect(gz).toBeInstanceOf(GzipSource);
    expect(gz.read(1000, 50).equals(SAMPLE.subarray(1000, 1050))).toBe(true);
    gz.close();
    const bz = openByteSource(join(FIX, 'sample.lammpstrj.bz2'));
    expect(bz).toBeInstanceOf(Bzip2Source);
    expect(bz.read(100_500, 50).equals(SAMPLE.subarray(100_500, 100_550))).toBe(true);
    bz.close();
    const plain = openByteSource(join(FIX, 'sample.lammpstrj'));
    expect(plain).toBeInstanceOf(FileSource);
    expect(plain.compression).toBe('none');
    expect(plain.size).toBe(SAMPLE.length);
    plain.close();
    for (const [name, bytes] of [['empty', ''], ['one', '\x1f'], ['bzx', 'BZhx and more'], ['bz0', 'BZh0']] as const) {
      const s = openByteSource(write(name, Buffer.from(bytes, 'latin1')));
      expect(s, name).toBeInstanceOf(FileSource);
      s.close();
    }
  });

  it('passes a persisted seek index on to the compressed source', () => {
    const p = write('idx.gz', gzipSync(SAMPLE));
    const s = openByteSource(p);
    collect(s);
    const idx = s.exportSeekIndex();
    s.close();
    expect(idx).toBeInstanceOf(Buffer);
    const again = openByteSource(p, idx);
    expect(again.size).toBe(SAMPLE.length);
    again.close();
  });

  it('gives one-line TrajectoryErrors for a missing file, a directory and an unreadable file', () => {
    const missing = join(dir, 'no-such-file.lammpstrj.gz');
    expect(() => openByteSource(missing)).toThrow(new TrajectoryError(`${missing}: no such file`, missing));
    expect(() => openByteSource(dir)).toThrow(TrajectoryError);
    expect(() => openByteSource(dir)).toThrow(/is a directory/);
    expect(() => new GzipSource(missing, null)).toThrow(/no such file/);
    expect(() => new Bzip2Source(missing, null)).toThrow(/no such file/);
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission', () => {
    const p = write('secret.gz', gzipSync(SAMPLE));
    chmodSync(p, 0o000);
    expect(() => openByteSource(p)).toThrow(/permission denied/);
    chmodSync(p, 0o644);
  });
});
