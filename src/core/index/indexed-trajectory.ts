// A trajectory file together with its persistent index: open once, scan once (or only what was appended),
// then random access to frames, tags, series and cached fields. User files are only ever opened read-only.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Vec3 } from '../box.js';
import { openReader as defaultOpenReader, type OpenReaderOptions } from '../io/open.js';
import {
  TrajectoryError, type Compression, type FormatName, type Frame, type FrameEntry, type ScanDamage, type ScanProgress,
  type TrajectoryReader,
} from '../io/types.js';
import { openError } from '../io/source-util.js';
import { unwrapStep } from '../io/unwrap.js';
import {
  IndexDb, type NewTag, type SeriesRecord, type Tag, type TagPatch, type TrajectoryRecord,
} from './index-db.js';
import { deriveSchedule, validateSchedule, type FrameSchedule } from './schedule.js';
import { checkParticleSizes, diametersOf, type ParticleSizes } from './particle-sizes.js';

/** Bytes hashed at the head of the file and before the indexed end for the content fingerprint. */
export const FINGERPRINT_SPAN = 64 * 1024;
/** Field-cache name of continuity-unwrapped positions (Float64 bytes, reference frame 0). */
export const UNWRAPPED_FIELD = '__unwrapped';
const UNWRAPPED_PARAMS = 'continuity-v1';
const DEFAULT_UNWRAP_CHECKPOINT = 32;

export type ReaderFactory = (path: string, options: OpenReaderOptions) => TrajectoryReader;

/** What opening found: the index used as is, a scan resumed or extended, a re-index, a moved file, or a new file. */
export type OpenOutcome = 'unchanged' | 'resumed' | 'appended' | 'reindexed' | 'moved' | 'new';

export interface OpenIndexedOptions {
  /** Index directory (the CLI's --index-dir); else AVW_INDEX_DIR, else the platform data directory. */
  indexDir?: string;
  /** An open index to use (not closed by `close()`); else one is opened in the index directory. */
  db?: IndexDb;
  /** Field cache cap in bytes when this call opens the index (default 1 GiB). */
  fieldCacheMaxBytes?: number;
  onProgress?: (p: ScanProgress) => void;
  signal?: AbortSignal;
  /** How readers are made (default: `openReader` from io/open). */
  openReader?: ReaderFactory;
  /** Save continuity-unwrapped positions to the field cache every this many frames (default 32). */
  unwrapCheckpointEvery?: number;
}

export interface ReadFrameOptions {
  /** Fill `frame.unwrapped`, by continuity from frame 0 when the frame alone does not determine it. */
  unwrapped?: boolean;
}

/** The JSON of `avw info`. */
export interface TrajectoryInfo {
  format: FormatName;
  frames: number;
  particles: number;
  particlesConstant: boolean;
  dimensions: 2 | 3;
  timesteps: [number, number] | null;
  box: { origin: Vec3; vectors: [Vec3, Vec3, Vec3] } | null;
  /** The damage the scan found (one line naming the file, frame and place: frames from there on are not usable), else null. As in `avw index --json` and the workbench's TrajectoryInfo. */
  damage: string | null;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Read-only access to the file's bytes on disk for fingerprints. */
class Probe {
  private fd: number;
  constructor(readonly path: string, readonly size: number) {
    this.fd = openSync(path, 'r');
  }
  bytes(start: number, end: number): Buffer {
    const s = Math.max(0, start), e = Math.min(end, this.size);
    const buf = Buffer.alloc(Math.max(0, e - s));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, s + got);
      if (n <= 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }
  /** Hash of the first 64 KiB, or of the first `limit` bytes when the file was shorter (so appends keep it). */
  headHash(limit = this.size): string {
    return sha256(this.bytes(0, Math.min(FINGERPRINT_SPAN, limit)));
  }
  /** Hash of the (up to) 64 KiB before `end`, not reaching below `floor`. */
  tailHash(end: number, floor = 0): string {
    return sha256(this.bytes(Math.max(end - FINGERPRINT_SPAN, Math.min(floor, end)), end));
  }
  compression(): Compression {
    const h = this.bytes(0, 3);
    if (h.length >= 2 && h[0] === 0x1f && h[1] === 0x8b) return 'gzip';
    if (h.length >= 3 && h.toString('latin1') === 'BZh') return 'bzip2';
    return 'none';
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * Formats whose writers rewrite bytes of the file's head when they append frames: DCD writers update NSET in the
 * header, GSD writers add index entries to the index block at the start (and move it to the end when it fills).
 * Their growth check skips the head hash, and the tail hash covers only frame data: from the first frame (DCD) or
 * the last indexed frame (GSD) on, so that an index block between frames is never hashed.
 */
const HEAD_REWRITTEN_ON_APPEND: ReadonlySet<FormatName> = new Set<FormatName>(['dcd', 'gsd']);

function tailFloor(format: FormatName, first: FrameEntry | null, last: FrameEntry | null): number {
  if (format === 'dcd') return first?.offset ?? 0;
  if (format === 'gsd') return last?.offset ?? 0;
  return 0;
}

/** The tail hash of the file now, over the region the stored tail hash of `rec` covers. */
function currentTailHash(db: IndexDb, rec: TrajectoryRecord, probe: Probe): string {
  const first = rec.frameCount > 0 ? db.frameEntry(rec.id, 0) : null;
  const last = rec.frameCount > 0 ? db.frameEntry(rec.id, rec.frameCount - 1) : null;
  return probe.tailHash(rec.hashEnd, rec.compression === 'none' ? tailFloor(rec.format, first, last) : 0);
}

function abortIfNeeded(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const e = new Error('indexing was cancelled');
    e.name = 'AbortError';
    throw e;
  }
}

/** Open a trajectory through the index (see IndexedTrajectory.open). */
export function openIndexed(path: string, options: OpenIndexedOptions = {}): IndexedTrajectory {
  return IndexedTrajectory.open(path, options);
}

export class IndexedTrajectory {
  /** What the last open/refresh did. */
  outcome: OpenOutcome;
  /** Remarks from opening: re-indexing, tags on frames that no longer exist, ... */
  readonly warnings: string[] = [];
  private rec: TrajectoryRecord;
  private readerInstance: TrajectoryReader | null;
  private timestepCache: Float64Array | null = null;
  private lastUnwrapped: { index: number; wrapped: Float64Array; unwrapped: Float64Array } | null = null;
  /** The stored particle diameters (undefined: not read yet). */
  private sizesCache: ParticleSizes | null | undefined = undefined;
  /** Frames whose unwrapped positions came from continuity (not from the file): the ones worth a checkpoint. */
  private readonly byContinuity = new WeakSet<Frame>();
  private closed = false;

  private constructor(
    readonly db: IndexDb,
    private readonly ownDb: boolean,
    rec: TrajectoryRecord,
    reader: TrajectoryReader | null,
    outcome: OpenOutcome,
    private readonly options: OpenIndexedOptions,
  ) {
    this.rec = rec;
    this.readerInstance = reader;
    this.outcome = outcome;
  }

  /**
   * Open `path` through the index: (a) unchanged file: the index as is, no scan; (b) grown file with the
   * indexed bytes unchanged: scan only what was appended; (c) changed file: drop its frames, series and cached
   * fields (tags stay) and re-index; (d) a known file moved to a new path: adopt the index; (e) new: full scan.
   */
  static open(path: string, options: OpenIndexedOptions = {}): IndexedTrajectory {
    let abs: string;
    try {
      abs = realpathSync(resolve(path));
    } catch (e) {
      throw openError(path, e);
    }
    const db = options.db ?? IndexDb.open({ indexDir: options.indexDir, fieldCacheMaxBytes: options.fieldCacheMaxBytes });
    try {
      const { rec, reader, outcome, warnings } = sync(db, abs, db.trajectoryByPath(abs), options);
      const t = new IndexedTrajectory(db, !options.db, rec, reader, outcome, options);
      if (!options.db) warnings.unshift(...db.warnings);
      if (rec.damage) warnings.push(rec.damage.message);
      t.warnings.push(...warnings, ...t.tagWarnings());
      return t;
    } catch (e) {
      if (!options.db) db.close();
      throw e;
    }
  }

  /** Re-check the file (e.g. a simulation still writing) and index what changed; returns what was done. */
  refresh(options: Pick<OpenIndexedOptions, 'onProgress' | 'signal'> = {}): OpenOutcome {
    this.checkOpen();
    const current = this.db.trajectory(this.rec.id) ?? null;
    const merged = { ...this.options, ...options };
    // Reuse the open reader for appended frames unless the file changed under it.
    const { rec, reader, outcome, warnings } = sync(this.db, this.rec.path, current, merged, this.readerInstance);
    if (reader !== this.readerInstance) {
      this.readerInstance?.close();
      this.readerInstance = reader;
    }
    if (outcome === 'reindexed') this.lastUnwrapped = null;
    this.rec = rec;
    this.outcome = outcome;
    this.timestepCache = null;
    this.warnings.push(...warnings, ...this.tagWarnings());
    return outcome;
  }

  get id(): number { return this.rec.id; }
  get path(): string { return this.rec.path; }
  get format(): FormatName { return this.rec.format; }
  get compression(): Compression { return this.rec.compression; }
  get frameCount(): number { return this.rec.frameCount; }
  /** N of frame 0 (0 when the file has no complete frame). */
  get particleCount(): number { return this.rec.particleCount ?? 0; }
  get particlesConstant(): boolean { return this.rec.particlesConstant; }
  /** Dimensions of frame 0 as parsed (3 when the file has no complete frame). */
  get dimensions(): 2 | 3 { return this.rec.dimensions ?? 3; }
  get damage(): ScanDamage | null { return this.rec.damage; }
  get fingerprint(): string { return this.rec.fingerprint; }
  get complete(): boolean { return this.rec.complete; }
  get schedule(): FrameSchedule {
    return this.rec.schedule ?? deriveSchedule(this.timesteps());
  }

  /** Set the frame-time schedule by hand (null: back to the one derived from the timesteps). */
  setSchedule(schedule: FrameSchedule | null): void {
    this.checkOpen();
    if (schedule === null) {
      this.db.updateTrajectory(this.rec.id, { schedule: deriveSchedule(this.timesteps(), this.db.frameTimes(this.rec.id)), scheduleSource: 'derived' });
    } else {
      this.db.updateTrajectory(this.rec.id, { schedule: validateSchedule(schedule), scheduleSource: 'user' });
    }
    this.rec = this.db.trajectory(this.rec.id)!;
  }

  entry(i: number): FrameEntry {
    this.checkFrame(i);
    const e = this.db.frameEntry(this.rec.id, i);
    if (!e) throw new TrajectoryError(`${this.rec.path}: frame ${i} is missing from the index; reopen the file to re-index it`, this.rec.path, { frame: i });
    return e;
  }

  timesteps(): Float64Array {
    this.checkOpen();
    this.timestepCache ??= this.db.frameTimesteps(this.rec.id);
    return this.timestepCache;
  }

  readFrame(i: number, options: ReadFrameOptions = {}): Frame {
    const frame = this.reader().readFrame(this.entry(i), i);
    const sizes = this.particleSizes;
    if (sizes && !frame.properties.diameter && !frame.properties.radius) frame.properties.diameter = diametersOf(frame, sizes, this.rec.path);
    if (options.unwrapped && !frame.unwrapped) {
      frame.unwrapped = this.unwrapByContinuity(i, frame);
      this.byContinuity.add(frame);
    }
    return frame;
  }

  /** The per-frame log of a HOOMD GSD file (log/NAME: `avw simulate` writes shear_step, avalanche_index, relax_time, ...),
   *  or null for a format without one. */
  readLog(i: number): Record<string, Float64Array> | null {
    this.checkFrame(i);
    const r = this.reader() as TrajectoryReader & { readLog?: (frame: number) => Record<string, Float64Array> };
    return typeof r.readLog === 'function' ? r.readLog(i) : null;
  }

  info(): TrajectoryInfo {
    this.checkOpen();
    const n = this.frameCount;
    const first = n > 0 ? this.entry(0) : null;
    const last = n > 0 ? this.entry(n - 1) : null;
    return {
      format: this.format,
      frames: n,
      particles: this.particleCount,
      particlesConstant: this.particlesConstant,
      dimensions: this.dimensions,
      timesteps: first && last ? [first.timestep, last.timestep] : null,
      box: first ? { origin: first.box.origin, vectors: first.box.vectors } : null,
      damage: this.damage?.message ?? null,
    };
  }

  /**
   * Why the trajectory cannot be used at all, or null: the damage when no frame before it is complete (a file
   * whose only frame is truncated), in one line naming the file, the frame and the place.
   */
  unusable(): string | null {
    this.checkOpen();
    if (this.frameCount > 0 || !this.damage) return null;
    return `${this.damage.message}; the file has no complete frame`;
  }

  // ---- particle diameters for files that store none (remembered in the index) ----

  /** The diameters set for this trajectory (used for frames whose file stores no diameter or radius), or null. */
  get particleSizes(): ParticleSizes | null {
    this.checkOpen();
    if (this.sizesCache === undefined) this.sizesCache = checkParticleSizes(this.db.trajectorySetting(this.rec.id, 'particleSizes'));
    return this.sizesCache;
  }

  /** Set (or, with null, forget) the diameters of this trajectory's particles; checked against frame 0 first. */
  setParticleSizes(sizes: ParticleSizes | null): void {
    this.checkOpen();
    if (sizes && this.rec.frameCount > 0) diametersOf(this.reader().readFrame(this.entry(0), 0), sizes, this.rec.path);
    this.db.setTrajectorySetting(this.rec.id, 'particleSizes', sizes);
    this.sizesCache = sizes;
  }

  // ---- tags: every change is committed at once ----

  listTags(): Tag[] { this.checkOpen(); return this.db.listTags(this.rec.id); }
  addTag(tag: NewTag): Tag { this.checkOpen(); return this.db.addTag(this.rec.id, tag); }
  updateTag(tagId: number, patch: TagPatch): Tag { this.checkOpen(); return this.db.updateTag(this.rec.id, tagId, patch); }
  deleteTag(tagId: number): void { this.checkOpen(); this.db.deleteTag(this.rec.id, tagId); }

  // ---- per-frame series ----

  getSeries(name: string, paramsHash: string): SeriesRecord | null {
    this.checkOpen();
    return this.db.getSeries(this.rec.id, name, paramsHash);
  }

  /** Store values for frames fromFrame.. (0: replace; later: extend a series after frames were appended). */
  putSeries(name: string, paramsHash: string, params: unknown, values: Float64Array, fromFrame = 0): SeriesRecord {
    this.checkOpen();
    if (fromFrame + values.length > this.frameCount) {
      throw new RangeError(`series ${name}: ${fromFrame + values.length} values for a trajectory of ${this.frameCount} frames`);
    }
    return this.db.putSeries(this.rec.id, name, paramsHash, params, values, fromFrame);
  }

  // ---- per-particle field cache ----

  getField(frame: number, ref: number, field: string, paramsHash: string): Float32Array | null {
    this.checkOpen();
    checkFieldName(field);
    return this.db.getField(this.rec.id, frame, ref, field, paramsHash);
  }

  /** Cache a per-particle field (LRU eviction keeps the cache under its cap); false when it is larger than the whole cap. */
  putField(frame: number, ref: number, field: string, paramsHash: string, values: Float32Array, n = values.length): boolean {
    this.checkOpen();
    checkFieldName(field);
    return this.db.putField(this.rec.id, frame, ref, field, paramsHash, values, n);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readerInstance?.close();
    this.readerInstance = null;
    this.lastUnwrapped = null;
    if (this.ownDb) this.db.close();
  }

  // ---- internals ----

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.rec.path}: the indexed trajectory is closed`);
  }

  private checkFrame(i: number): void {
    this.checkOpen();
    if (!Number.isInteger(i) || i < 0 || i >= this.rec.frameCount) {
      throw new TrajectoryError(
        `${this.rec.path}: no frame ${i}; the trajectory has ${this.rec.frameCount} frames (0..${this.rec.frameCount - 1})`,
        this.rec.path, { frame: i });
    }
  }

  private reader(): TrajectoryReader {
    this.checkOpen();
    this.readerInstance ??= (this.options.openReader ?? defaultOpenReader)(this.rec.path, {
      format: this.rec.format, seekIndex: this.rec.compression === 'none' ? null : this.db.seekIndex(this.rec.id),
    });
    return this.readerInstance;
  }

  private tagWarnings(): string[] {
    const out: string[] = [];
    for (const t of this.db.listTags(this.rec.id)) {
      if (t.frame >= this.rec.frameCount) {
        out.push(`${this.rec.path}: the ${t.source} tag ${t.id} (${t.kind}) is on frame ${t.frame}, which no longer exists (the file has ${this.rec.frameCount} frames); the tag is kept`);
      }
    }
    return out;
  }

  /** Unwrapped positions of frame i by continuity from frame 0, from the nearest cached point on. */
  private unwrapByContinuity(i: number, frame: Frame): Float64Array {
    const every = Math.max(1, Math.floor(this.options.unwrapCheckpointEvery ?? DEFAULT_UNWRAP_CHECKPOINT));
    const id = this.rec.id;
    const n = frame.n;
    // Start from the latest known point at or before i: a checkpoint in the field cache, the frame unwrapped
    // last (sequential playback), else frame 0.
    let start = -1;
    let prevW: Float64Array | null = null;
    let prevU: Float64Array | null = null;
    const mem = this.lastUnwrapped && this.lastUnwrapped.index <= i ? this.lastUnwrapped : null;
    for (let k = Math.floor(i / every) * every; k > 0 && !(mem && k <= mem.index); k -= every) {
      const hit = this.db.getFieldBytes(id, k, 0, UNWRAPPED_FIELD, UNWRAPPED_PARAMS);
      if (!hit) continue;
      const fk = k === i ? frame : this.reader().readFrame(this.entry(k), k);
      if (hit.n !== fk.n || hit.data.byteLength !== fk.n * 24) continue;
      start = k;
      prevW = fk.positions;
      prevU = new Float64Array(fk.n * 3);
      new Uint8Array(prevU.buffer).set(hit.data);
      break;
    }
    if (start < 0 && mem) {
      start = mem.index;
      prevW = mem.wrapped;
      prevU = mem.unwrapped.slice();
    }
    if (start < 0) {
      const f0 = i === 0 ? frame : this.reader().readFrame(this.entry(0), 0);
      start = 0;
      prevW = f0.positions;
      prevU = f0.unwrapped ? f0.unwrapped.slice() : f0.positions.slice();
    }
    let w = prevW!;
    let u = prevU!;
    const big: string[] = [];
    let bigCount = 0;
    for (let f = start + 1; f <= i; f++) {
      const fr = f === i ? frame : this.reader().readFrame(this.entry(f), f);
      if (fr.n * 3 !== w.length) {
        throw new TrajectoryError(
          `${this.rec.path}: cannot unwrap frame ${i} by continuity: frame ${f} has ${fr.n} particles but frame ${f - 1} has ${w.length / 3}; ` +
          'particles are matched by index, so the particle count must not change', this.rec.path, { frame: f });
      }
      if (fr.unwrapped) {
        u = fr.unwrapped.slice();
      } else {
        const r = unwrapStep(fr.box, w, u, fr.positions, u);
        if (r.maxStepFraction > 0.25) {
          bigCount++;
          if (big.length < 5) {
            big.push(`unwrapping by continuity: particle id ${fr.ids[r.worstParticle]} moved ${r.maxStepFraction.toFixed(3)} of the box between frames ${f - 1} and ${f} ` +
              '(more than a quarter); unwrapped positions from there on may be off by a box vector');
          }
        }
      }
      w = fr.positions;
    }
    if (n * 3 !== u.length) {
      throw new TrajectoryError(`${this.rec.path}: cannot unwrap frame ${i} by continuity: the particle count changed`, this.rec.path, { frame: i });
    }
    frame.warnings.push(...big);
    if (bigCount > big.length) frame.warnings.push(`unwrapping by continuity: ${bigCount - big.length} more steps larger than a quarter of the box`);
    this.lastUnwrapped = { index: i, wrapped: frame.positions.slice(), unwrapped: u.slice() };
    return u;
  }

  /**
   * Keep the unwrapped positions of a frame read with `unwrapped` as a checkpoint of the continuity unwrapping, when it
   * falls on a checkpoint frame (every 32 by default) and the file itself does not determine them. Reading never writes
   * to the index: a computation that walks the frames in order (the MSD series, in a worker) leaves these behind, so that
   * later random access unwraps from the nearest checkpoint instead of from frame 0.
   */
  checkpointUnwrapped(frame: Frame): void {
    this.checkOpen();
    const every = Math.max(1, Math.floor(this.options.unwrapCheckpointEvery ?? DEFAULT_UNWRAP_CHECKPOINT));
    const f = frame.index;
    const u = frame.unwrapped;
    if (f <= 0 || f % every !== 0 || !u || !this.byContinuity.has(frame)) return;
    if (this.db.getFieldBytes(this.rec.id, f, 0, UNWRAPPED_FIELD, UNWRAPPED_PARAMS)) return;
    this.db.putFieldBytes(this.rec.id, f, 0, UNWRAPPED_FIELD, UNWRAPPED_PARAMS, u.length / 3, Buffer.from(u.buffer, u.byteOffset, u.byteLength));
  }
}

function checkFieldName(field: string): void {
  if (field.startsWith('__')) throw new Error(`field names starting with "__" are reserved for the index (${field})`);
}

interface SyncResult { rec: TrajectoryRecord; reader: TrajectoryReader | null; outcome: OpenOutcome; warnings: string[] }

/** Bring the index of `abs` up to date with the file on disk. */
function sync(db: IndexDb, abs: string, known: TrajectoryRecord | null, options: OpenIndexedOptions, openReaderNow: TrajectoryReader | null = null): SyncResult {
  abortIfNeeded(options.signal);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (e) {
    throw openError(abs, e);
  }
  if (!st.isFile()) throw new TrajectoryError(`${abs}: not a regular file; expected a trajectory file`, abs);
  const make = options.openReader ?? defaultOpenReader;
  const probe = new Probe(abs, st.size);
  const warnings: string[] = [];
  try {
    let rec = known;
    if (rec) {
      if (rec.size === st.size && rec.mtimeMs === st.mtimeMs) {
        // (a) unchanged since it was indexed: nothing to do unless a scan was interrupted.
        if (rec.complete) return { rec, reader: openReaderNow, outcome: 'unchanged', warnings };
        return scanInto(db, rec, probe, st, make, options, { offset: rec.endOffset, frame: rec.frameCount }, 'resumed', warnings, null);
      }
      const plain = rec.compression === 'none';
      const headKept = (plain && HEAD_REWRITTEN_ON_APPEND.has(rec.format) && st.size >= rec.size) || probe.headHash(rec.size) === rec.headHash;
      const kept = headKept && st.size >= rec.hashEnd && currentTailHash(db, rec, probe) === rec.tailHash && (plain || rec.complete);
      if (kept) {
        if (st.size === rec.size && rec.complete) {
          // Touched but not changed.
          db.updateTrajectory(rec.id, { mtimeMs: st.mtimeMs });
          return { rec: db.trajectory(rec.id)!, reader: openReaderNow, outcome: 'unchanged', warnings };
        }
        // (b) the file grew and the indexed bytes are unchanged: a simulation still writing.
        return scanInto(db, rec, probe, st, make, options, { offset: rec.endOffset, frame: rec.frameCount },
          rec.complete ? 'appended' : 'resumed', warnings, null);
      }
      // (c) changed contents: re-index from scratch, keeping the user's tags.
      const reader = make(abs, {});
      try {
        db.transaction(() => {
          db.resetContent(rec!.id);
          db.updateTrajectory(rec!.id, {
            format: reader.format, compression: probe.compression(), size: st.size, mtimeMs: st.mtimeMs, headHash: probe.headHash(),
            hashEnd: 0, tailHash: probe.tailHash(0),
          });
        });
      } catch (e) {
        reader.close();
        throw e;
      }
      warnings.push(`${abs}: the file changed since it was indexed; it was re-indexed (its tags were kept)`);
      return scanInto(db, db.trajectory(rec.id)!, probe, st, make, options, { offset: 0, frame: 0 }, 'reindexed', warnings, reader);
    }
    // (d) a file we know under another path that no longer exists: it was moved.
    const head = probe.headHash();
    for (const c of db.trajectoriesByContent(st.size, head)) {
      if (c.path === abs || existsSync(c.path)) continue;
      if (currentTailHash(db, c, probe) !== c.tailHash) continue;
      db.updateTrajectory(c.id, { path: abs, mtimeMs: st.mtimeMs });
      rec = db.trajectory(c.id)!;
      warnings.push(`${abs}: recognised as ${c.path}, which was moved; its index and tags were kept`);
      if (rec.complete) return { rec, reader: null, outcome: 'moved', warnings };
      if (rec.compression !== 'none') {
        // An interrupted scan of a compressed file is not checked by the tail hash: start over.
        db.resetContent(rec.id);
        return scanInto(db, db.trajectory(rec.id)!, probe, st, make, options, { offset: 0, frame: 0 }, 'moved', warnings, null);
      }
      return scanInto(db, rec, probe, st, make, options, { offset: rec.endOffset, frame: rec.frameCount }, 'moved', warnings, null);
    }
    // (e) new.
    const reader = make(abs, {});
    try {
      try {
        rec = db.createTrajectory({
          path: abs, format: reader.format, compression: probe.compression(), size: st.size, mtimeMs: st.mtimeMs,
          headHash: head, hashEnd: 0, tailHash: probe.tailHash(0),
        });
      } catch (e) {
        // Another process indexed it meanwhile: continue from its cursor.
        rec = db.trajectoryByPath(abs);
        if (!rec) throw e;
      }
    } catch (e) {
      reader.close();
      throw e;
    }
    return scanInto(db, rec, probe, st, make, options, { offset: rec.endOffset, frame: rec.frameCount }, 'new', warnings, reader);
  } finally {
    probe.close();
  }
}

/** Scan from `from`, committing each batch with the cursor, then record the end of the scan. */
function scanInto(
  db: IndexDb, rec: TrajectoryRecord, probe: Probe, st: Stats, make: ReaderFactory, options: OpenIndexedOptions,
  from: { offset: number; frame: number }, outcome: OpenOutcome, warnings: string[], readerIn: TrajectoryReader | null,
): SyncResult {
  const reader = readerIn ?? make(rec.path, { format: rec.format, seekIndex: rec.compression === 'none' ? null : db.seekIndex(rec.id) });
  const plain = rec.compression === 'none';
  try {
    abortIfNeeded(options.signal);
    const e0 = from.frame > 0 ? db.frameEntry(rec.id, 0) : null;
    let n0: number | null = e0?.n ?? null;
    let first: FrameEntry | null = e0;
    let constant = from.frame > 0 ? rec.particlesConstant : true;
    const result = reader.scan({
      fromOffset: from.offset,
      fromFrame: from.frame,
      signal: options.signal,
      // A resumed scan reports the frames indexed in total, not only those of this pass.
      onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, frames: from.frame + p.frames })),
      onFrames: (entries, firstIndex) => {
        if (entries.length === 0) return;
        n0 ??= entries[0].n;
        if (firstIndex === 0) first = entries[0];
        for (let k = 0; k < entries.length; k++) if (entries[k].n !== n0) constant = false;
        const last = entries[entries.length - 1];
        const end = last.offset + last.length;
        db.appendFrames(rec.id, entries, firstIndex, {
          endOffset: end, particlesConstant: constant,
          hashEnd: plain ? end : rec.hashEnd, tailHash: plain ? probe.tailHash(end, tailFloor(rec.format, first, last)) : rec.tailHash,
        });
      },
    });
    const frameCount = from.frame + result.frames;
    const hashEnd = plain ? result.endOffset : st.size;
    const floor = plain && frameCount > 0 ? tailFloor(rec.format, db.frameEntry(rec.id, 0), db.frameEntry(rec.id, frameCount - 1)) : 0;
    db.transaction(() => {
      db.truncateFrames(rec.id, frameCount);
      db.updateTrajectory(rec.id, {
        frameCount, endOffset: result.endOffset, complete: true, damage: result.damage, particlesConstant: constant,
        seekIndex: plain ? null : (reader.seekIndex?.() ?? null),
        size: st.size, mtimeMs: st.mtimeMs, headHash: probe.headHash(), hashEnd, tailHash: probe.tailHash(hashEnd, floor),
      });
    });
    let cur = db.trajectory(rec.id)!;
    if (cur.frameCount > 0 && (cur.dimensions === null || cur.particleCount === null || from.frame === 0)) {
      // Frame 0 as parsed gives the dimensions and N.
      const f0 = reader.readFrame(db.frameEntry(rec.id, 0)!, 0);
      db.updateTrajectory(rec.id, { dimensions: f0.dimensions, particleCount: f0.n });
    }
    if (cur.scheduleSource === 'derived') {
      db.updateTrajectory(rec.id, { schedule: deriveSchedule(db.frameTimesteps(rec.id), db.frameTimes(rec.id)) });
    }
    cur = db.trajectory(rec.id)!;
    return { rec: cur, reader, outcome, warnings };
  } catch (e) {
    reader.close();
    throw e;
  }
}
