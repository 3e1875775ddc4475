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

/**
 * Chunks that end, instead of throwing, where a compressed stream is damaged (truncated or corrupt): a
 * scanner sees the decodable prefix as the end of the stream, reports its incomplete last frame as damage,
 * and keeps every frame before it. `damage` holds the stream's own error once the iteration has ended.
 */
export class ChunksUntilDamage implements Iterable<Chunk> {
  damage: Error | null = null;

  constructor(
    private readonly source: ByteSource,
    private readonly from: number,
    private readonly chunkSize?: number,
    private readonly onFileBytes?: (n: number) => void,
  ) {}

  *[Symbol.iterator](): Iterator<Chunk> {
    const it = this.source.chunks(this.from, this.chunkSize, this.onFileBytes)[Symbol.iterator]();
    try {
      for (;;) {
        let r: IteratorResult<Chunk>;
        try {
          r = it.next();
        } catch (e) {
          // Only a compressed stream's data error ends the stream quietly; anything else (I/O) propagates.
          if (this.source.compression === 'none' || !(e instanceof Error) || e.name !== 'TrajectoryError') throw e;
          this.damage = e;
          return;
        }
        if (r.done) return;
        yield r.value;
      }
    } finally {
      it.return?.();
    }
  }
}

/** Fold a compressed stream's damage into a scan result (the frames found before it stay usable). */
export function withStreamDamage(
  result: import('./types.js').ScanResult,
  streamDamage: Error | null,
  path: string,
  firstFrame: number,
): import('./types.js').ScanResult {
  if (!streamDamage) return result;
  const place = (streamDamage as { place?: { offset?: number } }).place;
  const kind = (streamDamage as { kind?: string }).kind === 'corrupt' ? 'corrupt' : 'truncated';
  if (result.damage) {
    return { ...result, damage: { ...result.damage, message: `${result.damage.message} (${streamDamage.message})` } };
  }
  return {
    ...result,
    damage: {
      kind,
      offset: place?.offset ?? result.endOffset,
      frame: firstFrame + result.frames,
      line: null,
      message: streamDamage.message.startsWith(path) ? streamDamage.message : `${path}: ${streamDamage.message}`,
    },
  };
}
