// Open a trajectory file read-only as a ByteSource, choosing plain, gzip or bzip2 access from the magic bytes
// (not the extension): 1f 8b -> gzip, "BZh" + '1'..'9' -> bzip2, anything else -> the plain file.
import { closeSync } from 'node:fs';
import type { ByteSource } from './byte-source.js';
import { Bzip2Source } from './bzip2-source.js';
import { FileSource } from './file-source.js';
import { GzipSource } from './gzip-source.js';
import { openError, openReadOnly, readFully } from './source-util.js';
import { TrajectoryError } from './types.js';

/**
 * Open `path` read-only. `seekIndex` is the index an earlier compressed source exported (ignored for plain files,
 * and ignored when it does not belong to this file). A missing file, a directory or a permission problem throws a
 * TrajectoryError with a one-line message.
 */
export function openByteSource(path: string, seekIndex: Buffer | null = null): ByteSource {
  const { fd, size } = openReadOnly(path);
  const head = Buffer.alloc(4);
  let n: number;
  try {
    n = readFully(fd, head, 0, Math.min(4, size), 0);
  } catch (e) {
    throw openError(path, e);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return new GzipSource(path, seekIndex);
  if (n >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3] >= 0x31 && head[3] <= 0x39) {
    return new Bzip2Source(path, seekIndex);
  }
  try {
    return new FileSource(path);
  } catch (e) {
    if (e instanceof TrajectoryError) throw e;
    throw openError(path, e);
  }
}
