// Random and sequential access to a file's bytes, transparently through gzip or bzip2.
// Offsets are always in the uncompressed stream. Compressed sources build a seek index while streaming
// (gzip: inflate checkpoints with their 32 KiB window; bzip2: block bit offsets) so a later random read
// decompresses only from the nearest checkpoint, never from the start.
import type { Compression } from './types.js';

export interface Chunk {
  /** Offset of data[0] in the uncompressed stream. */
  offset: number;
  data: Buffer;
}

export interface ByteSource {
  readonly path: string;
  readonly compression: Compression;
  /** Size of the file on disk. */
  readonly fileSize: number;
  /** Uncompressed size when known (always for plain files; after a full `chunks` pass for compressed ones), else null. */
  readonly size: number | null;
  /** Sequential uncompressed bytes from `from` to the end, in chunks of about `chunkSize` bytes. Chunks may be reused buffers: copy what you keep. Reports the compressed bytes consumed through `onFileBytes`. */
  chunks(from: number, chunkSize?: number, onFileBytes?: (n: number) => void): Iterable<Chunk>;
  /** Up to `length` bytes at `offset` (fewer only at the end of the stream). */
  read(offset: number, length: number): Buffer;
  /** The seek index built so far (null for plain files), to persist in the trajectory index. */
  exportSeekIndex(): Buffer | null;
  close(): void;
}
