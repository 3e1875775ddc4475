// Test helpers shared by the reader tests: an in-memory ByteSource and a scan that collects every entry.
import { expect } from 'vitest';
import type { ByteSource, Chunk } from '../../../src/core/io/byte-source.js';
import type { Compression, FrameEntry, ScanOptions, ScanResult, TrajectoryReader } from '../../../src/core/io/types.js';

/**
 * An in-memory ByteSource; `chunk` forces tiny chunks from one reused buffer (as the contract allows), and
 * `compression` != 'none' makes readers stream through `chunks` (the size is then unknown, as for a compressed file).
 */
export class MemorySource implements ByteSource {
  readonly fileSize: number;
  constructor(readonly path: string, private readonly data: Buffer, private readonly chunk = 0, readonly compression: Compression = 'none') {
    this.fileSize = data.length;
  }
  get size(): number | null {
    return this.compression === 'none' ? this.data.length : null;
  }
  *chunks(from: number, chunkSize = 8 << 20, onFileBytes?: (n: number) => void): Iterable<Chunk> {
    const cs = this.chunk || chunkSize;
    const buf = Buffer.alloc(cs);
    for (let p = from; p < this.data.length; p += cs) {
      const n = this.data.copy(buf, 0, p, Math.min(p + cs, this.data.length));
      onFileBytes?.(n);
      yield { offset: p, data: buf.subarray(0, n) };
    }
  }
  read(offset: number, length: number): Buffer {
    return Buffer.from(this.data.subarray(offset, offset + length));
  }
  exportSeekIndex(): null {
    return null;
  }
  close(): void {}
}

/** Scan with `opts`, collecting every entry; checks that each batch's first index follows the ones before it. */
export function scanAll(r: TrajectoryReader, opts: ScanOptions = {}): { entries: FrameEntry[]; result: ScanResult } {
  const entries: FrameEntry[] = [];
  const result = r.scan({
    ...opts,
    onFrames: (e, first) => {
      expect(first).toBe((opts.fromFrame ?? 0) + entries.length);
      entries.push(...e);
    },
  });
  return { entries, result };
}
