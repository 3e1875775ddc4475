// Format detection and reader construction: the one entry point from a path to a TrajectoryReader.
import { basename } from 'node:path';
import { ChunksUntilDamage, type ByteSource } from './byte-source.js';
import { openByteSource } from './open-source.js';
import { DcdReader } from './dcd.js';
import { GsdReader } from './gsd.js';
import { LammpsDumpReader } from './lammps-dump.js';
import { XtcReader } from './xtc.js';
import { XyzReader } from './xyz.js';
import { TrajectoryError, type FormatName, type TrajectoryReader } from './types.js';

export const SUPPORTED_FORMATS_TEXT =
  'a LAMMPS text dump, an (extended) XYZ file, a HOOMD GSD file, a DCD or an XTC file (text formats optionally gzip- or bzip2-compressed)';

/** The first bytes of the stream; for a damaged compressed file, whatever decodes before the damage, and the damage. */
function readHead(source: ByteSource, n: number): { head: Buffer; damage: Error | null } {
  if (source.compression === 'none') return { head: source.read(0, n), damage: null };
  const parts: Buffer[] = [];
  let got = 0;
  const chunks = new ChunksUntilDamage(source, 0, n);
  for (const chunk of chunks) {
    parts.push(Buffer.from(chunk.data.subarray(0, n - got)));
    got += parts[parts.length - 1].length;
    if (got >= n) break;
  }
  return { head: Buffer.concat(parts), damage: chunks.damage };
}

/** Decide the format from the first bytes of the (uncompressed) stream; the extension only breaks ties. */
export function detectFormat(source: ByteSource): FormatName {
  const { head, damage } = readHead(source, 4096);
  if (head.length === 0 && damage) {
    // A compressed file damaged before its first decodable bytes: say what is wrong with it, not "empty".
    const what = damage.message.startsWith(source.path) ? damage.message : `${source.path}: ${damage.message}`;
    throw new TrajectoryError(`${what}; nothing decodes before the damage, so the file holds no frame`, source.path, { offset: 0 });
  }
  if (head.length === 0) {
    throw new TrajectoryError(`${source.path}: the file is empty; expected ${SUPPORTED_FORMATS_TEXT}`, source.path, { offset: 0 });
  }
  // GSD: 8-byte magic 0x65DF65DF65DF65DF.
  if (head.length >= 8 && head.readUInt32LE(0) === 0x65df65df && head.readUInt32LE(4) === 0x65df65df) return 'gsd';
  // XTC: big-endian int 1995 (magic), then natoms.
  if (head.length >= 4 && head.readInt32BE(0) === 1995) return 'xtc';
  // DCD: a Fortran record of 84 bytes whose payload starts with "CORD" (either endianness, 4- or 8-byte markers).
  if (head.length >= 8 && (head.readInt32LE(0) === 84 || head.readInt32BE(0) === 84) && head.toString('latin1', 4, 8) === 'CORD') return 'dcd';
  if (head.length >= 12 && (head.readBigInt64LE(0) === 84n || head.readBigInt64BE(0) === 84n) && head.toString('latin1', 8, 12) === 'CORD') return 'dcd';
  const text = head.toString('latin1');
  if (/^\s*ITEM:/.test(text)) return 'lammps-dump';
  // XYZ: first line an atom count, second line a comment (key=value pairs make it extended XYZ).
  const m = /^\s*(\d+)[ \t]*\r?\n([^\n]*)/.exec(text);
  if (m) return /(^|\s)(Lattice|Properties)\s*=/i.test(m[2]) ? 'extxyz' : 'xyz';
  // eslint-disable-next-line no-control-regex -- control bytes are exactly what marks binary data
  if (/[\x00-\x08\x0e-\x1f]/.test(text.slice(0, 512))) {
    throw new TrajectoryError(
      `${source.path}: not a trajectory (binary data that is none of the known formats); expected ${SUPPORTED_FORMATS_TEXT}`,
      source.path, { offset: 0 });
  }
  throw new TrajectoryError(
    `${source.path}: unknown format (line 1 reads "${text.split(/\r?\n/)[0].slice(0, 60)}"); expected ${SUPPORTED_FORMATS_TEXT}`,
    source.path, { line: 1 });
}

export interface OpenReaderOptions {
  /** A seek index persisted from an earlier pass over a compressed file. */
  seekIndex?: Buffer | null;
  /** Skip detection (e.g. the format is already recorded in the index). */
  format?: FormatName;
}

/** Open a trajectory file read-only and return the reader for its format. */
export function openReader(path: string, options: OpenReaderOptions = {}): TrajectoryReader {
  const source = openByteSource(path, options.seekIndex ?? null);
  try {
    const format = options.format ?? detectFormat(source);
    switch (format) {
      case 'lammps-dump': return new LammpsDumpReader(source);
      case 'xyz':
      case 'extxyz': return new XyzReader(source);
      case 'gsd': return new GsdReader(source);
      case 'dcd': return new DcdReader(source);
      case 'xtc': return new XtcReader(source);
    }
  } catch (e) {
    source.close();
    throw e;
  }
  throw new TrajectoryError(`${basename(path)}: unsupported format`, path);
}
