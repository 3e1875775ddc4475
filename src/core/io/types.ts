// The contract every trajectory reader fulfils. Readers work in two phases:
// `scan` finds frame boundaries once (cheap, no per-atom parsing where the format allows),
// `readFrame` parses one frame on demand and returns typed arrays sorted by particle id.
import type { Box } from '../box.js';

export type FormatName = 'lammps-dump' | 'xyz' | 'extxyz' | 'gsd' | 'dcd' | 'xtc';
export type Compression = 'none' | 'gzip' | 'bzip2';

/** One frame's location and header facts, found by `scan` and stored in the index. */
export interface FrameEntry {
  /** Byte offset of the frame in the (uncompressed) stream. */
  offset: number;
  /** Byte length of the frame in the (uncompressed) stream. */
  length: number;
  timestep: number;
  /** Simulation time when the file stores it (LAMMPS `ITEM: TIME`, extended XYZ `Time=`, DCD/XTC time), else null. */
  time: number | null;
  /** Number of particles in this frame. */
  n: number;
  box: import('../box.js').Box;
}

/** A parsed frame: structure of arrays, particles sorted by ascending id. */
export interface Frame {
  index: number;
  timestep: number;
  time: number | null;
  n: number;
  /** 2 when the format says so (GSD `dimensions`) or every z is equal (a flat z), else 3. */
  dimensions: 2 | 3;
  box: Box;
  /** Ascending particle ids; 1..N in file order when the file has no ids. */
  ids: Int32Array;
  /** Numeric type per particle (LAMMPS type, GSD typeid, index into `typeNames` for named types); 1 when the file has none (LAMMPS) or 0 (GSD/XYZ conventions). */
  types: Int32Array;
  /** Names of the types when the file names them (GSD `particles/types`, XYZ species), so `typeNames[types[i]]` is particle i's name. */
  typeNames: string[] | null;
  /** Absolute Cartesian positions, n*3 (x0,y0,z0,x1,...), the coordinates the file stores mapped through the box (scaled -> Cartesian; box origin not subtracted). */
  positions: Float64Array;
  /** Whether `positions` are wrapped (x / xs columns, GSD, XYZ) or unwrapped (only xu / xsu columns in the file). */
  positionsKind: 'wrapped' | 'unwrapped';
  /** Image flags, n*3, when the file stores them. */
  images: Int32Array | null;
  /** Unwrapped positions, n*3, when the frame alone determines them (unwrapped columns, or positions + image flags). */
  unwrapped: Float64Array | null;
  /** Extra per-particle scalar columns by name (LAMMPS column names as written, e.g. `vx`, `c_pe`, `diameter`, `radius`; GSD `diameter`, `mass`, `charge`, `vx`,`vy`,`vz`; multi-component XYZ properties as `name[0]`, `name[1]`, ...). */
  properties: Record<string, Float64Array>;
  /** Non-fatal remarks about this frame (e.g. a step larger than a quarter box while unwrapping). */
  warnings: string[];
}

export interface ScanProgress {
  /** Bytes of the (uncompressed) stream processed so far. */
  bytesDone: number;
  /** Compressed bytes consumed (equals bytesDone for uncompressed files). */
  fileBytesDone: number;
  /** Size of the file on disk. */
  fileBytesTotal: number;
  frames: number;
}

export interface ScanOptions {
  /** Resume scanning from this (uncompressed) offset: the `endOffset` of an earlier scan. Frames before it are not reported again. */
  fromOffset?: number;
  /** Index of the first frame that will be reported (the number of frames found by the earlier scan when resuming). */
  fromFrame?: number;
  /** Receives frame entries in batches as they are found. */
  onFrames?: (entries: FrameEntry[], firstIndex: number) => void;
  onProgress?: (p: ScanProgress) => void;
  /** Checked between chunks; a scan that sees it aborted throws an AbortError. */
  signal?: AbortSignal;
}

/** Damage found by a scan: the frames before it remain usable. */
export interface ScanDamage {
  kind: 'truncated' | 'corrupt';
  /** Byte offset in the (uncompressed) stream where the damage starts. */
  offset: number;
  /** Index of the first frame that is not usable. */
  frame: number;
  /** 1-based line number for text formats, when known. */
  line: number | null;
  /** One line naming the file, the frame, the place and what was expected. */
  message: string;
}

export interface ScanResult {
  /** Number of complete frames found in this scan (not counting frames before `fromFrame`). */
  frames: number;
  /** Offset just after the last complete frame: where an incremental scan resumes. */
  endOffset: number;
  damage: ScanDamage | null;
}

export interface TrajectoryReader {
  readonly format: FormatName;
  readonly path: string;
  /** Find frame boundaries; entries are delivered through `onFrames`. Synchronous: run it in a worker for a UI. */
  scan(options?: ScanOptions): ScanResult;
  /** Parse one frame located by `scan` (the entry may come from the persisted index). */
  readFrame(entry: FrameEntry, index: number): Frame;
  /** The seek index of a compressed source built so far (`source.exportSeekIndex()`), to persist in the trajectory index; absent or null for plain files. */
  seekIndex?(): Buffer | null;
  close(): void;
}

/** An error about a user's file: always names the file and the place. */
export class TrajectoryError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly place: { frame?: number; line?: number; offset?: number } = {},
  ) {
    super(message);
    this.name = 'TrajectoryError';
  }
}
