// A plain (uncompressed) file opened read-only: positional reads, no seek index needed.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource, Chunk } from './byte-source.js';

export class FileSource implements ByteSource {
  readonly compression = 'none' as const;
  readonly fileSize: number;
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.fileSize = fstatSync(this.fd).size;
  }

  get size(): number {
    return this.fileSize;
  }

  *chunks(from: number, chunkSize = 8 << 20, onFileBytes?: (n: number) => void): Iterable<Chunk> {
    // One reused buffer: callers copy what they keep (see ByteSource.chunks).
    const buf = Buffer.allocUnsafe(chunkSize);
    let pos = from;
    for (;;) {
      const n = readSync(this.fd, buf, 0, chunkSize, pos);
      if (n <= 0) return;
      onFileBytes?.(n);
      yield { offset: pos, data: n === chunkSize ? buf : buf.subarray(0, n) };
      pos += n;
    }
  }

  read(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, offset + got);
      if (n <= 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  exportSeekIndex(): null {
    return null;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
