// Helpers shared by the byte sources: read-only opening with one-line errors, positional reads, the
// fingerprint that ties a persisted seek index to its file, and the error for damaged compressed data.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { TrajectoryError } from './types.js';

/**
 * Damaged compressed data. `uncompressedOffset` (also `place.offset`) is where the damage starts in the
 * uncompressed stream: for a truncated file or undecodable data, the end of what could be decoded (everything before
 * it was delivered); for a checksum mismatch, the start of the span the checksum covers (the gzip member or the
 * bzip2 block), whose bytes were delivered but cannot be trusted.
 */
export class CompressedDataError extends TrajectoryError {
  constructor(
    message: string,
    path: string,
    readonly kind: 'truncated' | 'corrupt',
    /** Byte offset in the compressed file where the damage was found. */
    readonly compressedOffset: number,
    /** Offset in the uncompressed stream where the damage starts (also `place.offset`). */
    readonly uncompressedOffset: number,
  ) {
    super(message, path, { offset: uncompressedOffset });
    this.name = 'TrajectoryError';
  }
}

/** Open a file read-only; a missing file, a directory or a permission problem becomes a TrajectoryError. */
export function openReadOnly(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new TrajectoryError(`${path}: is a directory, not a trajectory file`, path);
    if (!st.isFile()) throw new TrajectoryError(`${path}: not a regular file`, path);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    if (e instanceof TrajectoryError) throw e;
    throw openError(path, e);
  }
}

export function openError(path: string, e: unknown): TrajectoryError {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new TrajectoryError(`${path}: no such file`, path);
    case 'EACCES':
    case 'EPERM':
      return new TrajectoryError(`${path}: permission denied (cannot open the file for reading)`, path);
    case 'EISDIR':
      return new TrajectoryError(`${path}: is a directory, not a trajectory file`, path);
    case 'ENOTDIR':
      return new TrajectoryError(`${path}: no such file (a part of the path is not a directory)`, path);
    default:
      return new TrajectoryError(`${path}: cannot open the file (${code ?? (e instanceof Error ? e.message : String(e))})`, path);
  }
}

/** Read exactly up to `len` bytes at `pos` (fewer only at the end of the file). */
export function readFully(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, off + got, len - got, pos + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

const FINGERPRINT_SPAN = 65536;

/**
 * CRC-32 over the first and the last 64 KiB of the file's first `upTo` bytes: ties a seek index to the file it was
 * built from. A file that only grew since (appended data) keeps its fingerprint for the old length.
 */
export function fileFingerprint(fd: number, upTo: number): number {
  const n = Math.min(FINGERPRINT_SPAN, upTo);
  const buf = Buffer.allocUnsafe(n);
  let crc = crc32(buf.subarray(0, readFully(fd, buf, 0, n, 0)));
  const tail = Math.max(0, upTo - FINGERPRINT_SPAN);
  crc = crc32(buf.subarray(0, readFully(fd, buf, 0, n, tail)), crc);
  return crc;
}

/** Little-endian writer for the compact seek-index buffers. */
export class ByteWriter {
  private buf = Buffer.allocUnsafe(1024);
  private n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.n);
    this.n += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.n);
    this.n += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n));
  }
}

/** Reader for ByteWriter output; throws on reading past the end (callers treat that as an unusable index). */
export class ByteReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private check(k: number): void {
    if (this.pos + k > this.buf.length) throw new RangeError('seek index too short');
  }
  u8(): number {
    this.check(1);
    return this.buf[this.pos++];
  }
  u32(): number {
    this.check(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.check(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(k: number): Buffer {
    this.check(k);
    const b = this.buf.subarray(this.pos, this.pos + k);
    this.pos += k;
    return b;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
}
