// The persistent trajectory index: one SQLite database (better-sqlite3, WAL) in the user's data directory
// holding every indexed trajectory's frames, per-frame series, the user's tags and a size-capped cache of
// per-particle fields. All methods are synchronous; every change is committed when the method returns.
//
// Several processes share one index (the workbench, `avw` commands, their job workers): WAL lets readers go on while
// one writes; every write transaction takes the write lock when it begins (BEGIN IMMEDIATE), so a transaction that
// reads and then writes never fails with "database is locked" because another process wrote in between (a deferred
// transaction cannot wait for that); a lock held by another writer is waited for (busy_timeout).
//
// The tags are also journaled beside the index (tag-journal.ts). A damaged index (not an SQLite file, truncated, its
// schema unreadable, or written by a newer program) is moved aside, never deleted, and a new one is started: the
// trajectories are indexed again as they are opened and get their tags back from the journal.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Box } from '../box.js';
import type { Compression, FormatName, FrameEntry, ScanDamage } from '../io/types.js';
import { indexDbPath } from './data-dir.js';
import type { FrameSchedule } from './schedule.js';
import { FutureSchemaError, migrate } from './schema.js';
import { TagJournal, tagJournalPath, type JournalEntry, type JournalOp, type JournalTag } from './tag-journal.js';

export const DEFAULT_FIELD_CACHE_BYTES = 1024 ** 3;
export const TAG_KINDS = ['avalanche', 'uncertain', 'not-avalanche', 'candidate'] as const;
export const TAG_SOURCES = ['manual', 'detector'] as const;
export type TagKind = (typeof TAG_KINDS)[number];
export type TagSource = (typeof TAG_SOURCES)[number];

export interface Tag {
  id: number;
  frame: number;
  kind: TagKind;
  source: TagSource;
  /** Detector score; null for manual tags unless given. */
  score: number | null;
  note: string;
  /** The event's own bracket: the last frame before it and the frame where it has ended (the detector's
   * candidates have one; null for manual tags). before <= frame <= after. */
  before: number | null;
  after: number | null;
  /** ISO 8601 (UTC). */
  createdAt: string;
  updatedAt: string;
}

export interface NewTag {
  frame: number;
  kind: TagKind;
  source?: TagSource;
  score?: number | null;
  note?: string;
  before?: number | null;
  after?: number | null;
  createdAt?: string;
  updatedAt?: string;
}

export type TagPatch = Partial<Pick<Tag, 'frame' | 'kind' | 'source' | 'score' | 'note' | 'before' | 'after' | 'updatedAt'>>;

export interface SeriesRecord {
  name: string;
  paramsHash: string;
  params: unknown;
  /** Frames covered: values[f] for f < frameCount. Smaller than the trajectory's frame count after frames were appended. */
  frameCount: number;
  values: Float64Array;
  updatedAt: string;
}

export interface TrajectoryRecord {
  id: number;
  path: string;
  format: FormatName;
  compression: Compression;
  /** File size on disk and mtime when last checked. */
  size: number;
  mtimeMs: number;
  headHash: string;
  /** The tail hash covers the (up to) 64 KiB on disk before this offset. */
  hashEnd: number;
  tailHash: string;
  fingerprint: string;
  frameCount: number;
  particleCount: number | null;
  particlesConstant: boolean;
  dimensions: 2 | 3 | null;
  schedule: FrameSchedule | null;
  scheduleSource: 'derived' | 'user';
  /** Scan cursor: (uncompressed) offset after the last committed frame. */
  endOffset: number;
  /** The last scan ran to its end (false while a scan is under way or after one was interrupted). */
  complete: boolean;
  damage: ScanDamage | null;
  createdAt: string;
  updatedAt: string;
}

/** What a new trajectory row starts from: the file's identity; everything else is filled in by its scan. */
export type NewTrajectory = Pick<TrajectoryRecord, 'path' | 'format' | 'compression' | 'size' | 'mtimeMs' | 'headHash' | 'hashEnd' | 'tailHash'>;

/** Fields of a trajectory that `updateTrajectory` may change. */
export type TrajectoryPatch = Partial<Omit<TrajectoryRecord, 'id' | 'fingerprint' | 'createdAt' | 'updatedAt'>> & { seekIndex?: Buffer | null };

export interface IndexDbOptions {
  /** Directory of the index (else AVW_INDEX_DIR, else the platform data directory). */
  indexDir?: string;
  /** Total size cap of the per-particle field cache in bytes (default 1 GiB). */
  fieldCacheMaxBytes?: number;
}

export function fingerprintOf(size: number, headHash: string, tailHash: string): string {
  return `${size}:${headHash}:${tailHash}`;
}

/** A short stable hash of analysis parameters (canonical JSON: keys sorted). */
export function paramsHash(params: unknown): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex').slice(0, 16);
}

function canonicalJson(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'null';
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  const o = x as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

function nowIso(): string {
  return new Date().toISOString();
}

/** A typed view of a blob; copies when the blob's bytes are not aligned for the element type. */
function blobAs<T extends Float32Array | Float64Array>(buf: Buffer, Ctor: { new (b: ArrayBuffer, o: number, l: number): T; BYTES_PER_ELEMENT: number }): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  const count = Math.floor(buf.byteLength / size);
  if (buf.byteOffset % size === 0) return new Ctor(buf.buffer as ArrayBuffer, buf.byteOffset, count);
  const copy = new ArrayBuffer(count * size);
  new Uint8Array(copy).set(buf.subarray(0, count * size));
  return new Ctor(copy, 0, count);
}

function bytesOf(a: Float32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

interface TrajectoryRow {
  id: number; path: string; format: string; compression: string; size: number; mtime_ms: number;
  head_hash: string; hash_end: number; tail_hash: string; fingerprint: string; frame_count: number;
  particle_count: number | null; particles_constant: number; dimensions: number | null; schedule: string | null;
  schedule_source: string; end_offset: number; complete: number; damage: string | null; created_at: string; updated_at: string;
}

interface TagRow {
  id: number; frame: number; kind: string; source: string; score: number | null; note: string; before_frame: number | null; after_frame: number | null;
  created_at: string; updated_at: string;
}

const TAG_COLUMNS = 'id, frame, kind, source, score, note, before_frame, after_frame, created_at, updated_at';

const TRAJECTORY_COLUMNS = `id, path, format, compression, size, mtime_ms, head_hash, hash_end, tail_hash, fingerprint, frame_count,
  particle_count, particles_constant, dimensions, schedule, schedule_source, end_offset, complete, damage, created_at, updated_at`;

function toRecord(r: TrajectoryRow): TrajectoryRecord {
  return {
    id: r.id, path: r.path, format: r.format as FormatName, compression: r.compression as Compression,
    size: r.size, mtimeMs: r.mtime_ms, headHash: r.head_hash, hashEnd: r.hash_end, tailHash: r.tail_hash,
    fingerprint: r.fingerprint, frameCount: r.frame_count, particleCount: r.particle_count,
    particlesConstant: r.particles_constant !== 0, dimensions: r.dimensions === null ? null : (r.dimensions as 2 | 3),
    schedule: r.schedule ? (JSON.parse(r.schedule) as FrameSchedule) : null,
    scheduleSource: r.schedule_source === 'user' ? 'user' : 'derived',
    endOffset: r.end_offset, complete: r.complete !== 0, damage: r.damage ? (JSON.parse(r.damage) as ScanDamage) : null,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toTag(r: TagRow): Tag {
  return {
    id: r.id, frame: r.frame, kind: r.kind as TagKind, source: r.source as TagSource, score: r.score,
    note: r.note, before: r.before_frame, after: r.after_frame, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** Column and value for each patchable trajectory field. */
const PATCH_COLUMNS: Record<keyof TrajectoryPatch, [string, (v: never) => unknown]> = {
  path: ['path', (v: string) => v],
  format: ['format', (v: string) => v],
  compression: ['compression', (v: string) => v],
  size: ['size', (v: number) => v],
  mtimeMs: ['mtime_ms', (v: number) => v],
  headHash: ['head_hash', (v: string) => v],
  hashEnd: ['hash_end', (v: number) => v],
  tailHash: ['tail_hash', (v: string) => v],
  frameCount: ['frame_count', (v: number) => v],
  particleCount: ['particle_count', (v: number | null) => v],
  particlesConstant: ['particles_constant', (v: boolean) => (v ? 1 : 0)],
  dimensions: ['dimensions', (v: number | null) => v],
  schedule: ['schedule', (v: FrameSchedule | null) => (v ? JSON.stringify(v) : null)],
  scheduleSource: ['schedule_source', (v: string) => v],
  endOffset: ['end_offset', (v: number) => v],
  complete: ['complete', (v: boolean) => (v ? 1 : 0)],
  damage: ['damage', (v: ScanDamage | null) => (v ? JSON.stringify(v) : null)],
  seekIndex: ['seek_index', (v: Buffer | null) => v],
};

/** The journal's record of a tag. */
function journalTag(t: Tag): JournalTag {
  return {
    frame: t.frame, kind: t.kind, source: t.source, score: t.score, note: t.note, before: t.before, after: t.after,
    createdAt: t.createdAt, updatedAt: t.updatedAt,
  };
}

/** Journal a tag file above this size is compacted (rewritten as the tags it holds) when an index opens. */
const JOURNAL_COMPACT_BYTES = 4 << 20;

/**
 * Why an index file cannot be a healthy SQLite database, from its first 100 bytes and its size (cheap: no page is
 * read), or null. A file SQLite has not written yet (empty) is healthy.
 */
export function indexFileDamage(file: string): string | null {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return null;
  }
  if (size === 0) return null;
  const head = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let got = 0;
  try {
    got = readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (got < 100) return `it is ${size} bytes long, shorter than an SQLite header`;
  if (head.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 'it is not an SQLite database (no SQLite header)';
  const ps = head.readUInt16BE(16);
  const pageSize = ps === 1 ? 65536 : ps;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `its header gives an impossible page size (${ps})`;
  // The page count in the header is valid when its "version valid for" matches the change counter.
  const pages = head.readUInt32BE(28);
  if (head.readUInt32BE(24) === head.readUInt32BE(92) && pages > 0 && size < pages * pageSize) {
    return `it is truncated: ${size} bytes, but its header counts ${pages} pages of ${pageSize} bytes`;
  }
  return null;
}

/** SQLite's answer for a damaged database file (better-sqlite3 error codes), or a schema from a newer program. */
export function isIndexDamage(e: unknown): boolean {
  if (e instanceof FutureSchemaError || e instanceof IndexDamageError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return true;
  // Across a worker boundary only the message survives.
  return e instanceof Error && /database disk image is malformed|file is not a database|the trajectory index is damaged/.test(e.message);
}

export class IndexDamageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexDamageError';
  }
}

/**
 * Move a damaged index (and its WAL) aside, next to it, as `<file>.damaged-<time>` (or `.schema-v<N>-<time>` for an
 * index of a newer program); returns the new name, or null when the file is no longer the one found damaged (`ino`:
 * another process has already moved it and started a new index).
 */
export function quarantineIndex(file: string, reason: 'damaged' | `schema-v${number}`, ino?: number): string | null {
  try {
    if (ino !== undefined && statSync(file).ino !== ino) return null;
  } catch {
    return null;
  }
  const aside = `${file}.${reason}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  for (const ext of ['-wal', '-shm']) {
    if (!existsSync(file + ext)) continue;
    if (ext === '-wal') renameSync(file + ext, aside + ext);
    else rmSync(file + ext, { force: true });
  }
  return aside;
}

export function checkTagKind(kind: unknown): kind is TagKind {
  return typeof kind === 'string' && (TAG_KINDS as readonly string[]).includes(kind);
}

export function checkTagSource(source: unknown): source is TagSource {
  return typeof source === 'string' && (TAG_SOURCES as readonly string[]).includes(source);
}

export class IndexDb {
  readonly file: string;
  /** Total size cap of the field cache in bytes; enforced on every insert. */
  fieldCacheMaxBytes: number;
  /** What opening did that the user should know: a damaged index moved aside and started anew. */
  readonly warnings: string[] = [];
  /** The tags' journal beside the index (null for an in-memory index). */
  readonly journal: TagJournal | null;
  private db!: Database.Database;
  private st!: ReturnType<IndexDb['prepare']>;
  private patchStatements = new Map<string, Database.Statement>();
  /** Journal records of the write transaction under way, appended when it is about to commit. */
  private pendingJournal: JournalOp[] = [];
  private txDepth = 0;

  /** Open (creating and migrating as needed) the index in `indexDir`, else AVW_INDEX_DIR, else the platform data directory. */
  static open(options: IndexDbOptions = {}): IndexDb {
    return new IndexDb(indexDbPath(options.indexDir), options);
  }

  constructor(file: string, options: Omit<IndexDbOptions, 'indexDir'> = {}) {
    this.file = file;
    this.fieldCacheMaxBytes = options.fieldCacheMaxBytes ?? DEFAULT_FIELD_CACHE_BYTES;
    this.journal = file === ':memory:' ? null : new TagJournal(tagJournalPath(file));
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    try {
      this.connect();
    } catch (e) {
      if (file === ':memory:' || !isIndexDamage(e)) throw e;
      const reason = e instanceof FutureSchemaError ? `schema-v${e.version}` as const : 'damaged';
      const aside = quarantineIndex(file, reason);
      const why = e instanceof FutureSchemaError ? `it was written by a newer Avalanche Workbench (schema version ${e.version})` : (e as Error).message.replace(/^.*?: /, '');
      this.warnings.push(
        `${file}: the trajectory index could not be used (${why}); ${aside ? `it was moved to ${basename(aside)} and ` : ''}a new index is built ` +
        `as the trajectories are opened again; their tags come back from ${basename(this.journal!.file)}`);
      this.connect();
    }
    if (this.journal) this.maintainJournal();
  }

  /** Open the database, check that it is a healthy index (cheaply: header, schema, tables' root pages) and migrate it. */
  private connect(): void {
    const file = this.file;
    if (file !== ':memory:') {
      const damage = indexFileDamage(file);
      if (damage) throw new IndexDamageError(`${file}: the trajectory index is damaged: ${damage}`);
    }
    this.db = new Database(file);
    try {
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db, undefined, file);
      for (const table of ['trajectories', 'frames', 'series', 'tags', 'field_cache', 'app_state']) {
        this.db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get();
      }
      this.st = this.prepare();
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  /**
   * Keep the journal a faithful copy of the tags: started from the index's tags when there is none (an index made
   * before the journal existed), compacted when it has grown large (the index's tags for its trajectories, the
   * journal's own for trajectories not indexed now, such as those of a rebuilt index not opened again yet).
   */
  private maintainJournal(): void {
    const j = this.journal as TagJournal;
    if (j.exists() ? j.size() < JOURNAL_COMPACT_BYTES : (this.db.prepare("SELECT (SELECT count(*) FROM tags) + (SELECT count(*) FROM app_state WHERE key LIKE 'trajectory:%')").pluck().get() as number) === 0) return;
    this.transaction(() => {
      const out = j.exists() ? j.replay() : new Map<string, JournalEntry>();
      for (const t of this.listTrajectories()) {
        const settings = new Map<string, unknown>();
        for (const r of this.db.prepare('SELECT key, value FROM app_state WHERE key LIKE ?').all(`trajectory:${t.id}:%`) as { key: string; value: string }[]) {
          settings.set(r.key.slice(`trajectory:${t.id}:`.length), JSON.parse(r.value));
        }
        out.set(t.path, { tags: new Map(this.listTags(t.id).map((g) => [`${g.frame}/${g.source}`, journalTag(g)])), settings });
      }
      j.rewrite(out);
    });
  }

  private prepare() {
    const db = this.db;
    return {
      byPath: db.prepare(`SELECT ${TRAJECTORY_COLUMNS} FROM trajectories WHERE path = ?`),
      byId: db.prepare(`SELECT ${TRAJECTORY_COLUMNS} FROM trajectories WHERE id = ?`),
      byContent: db.prepare(`SELECT ${TRAJECTORY_COLUMNS} FROM trajectories WHERE size = ? AND head_hash = ? ORDER BY id`),
      all: db.prepare(`SELECT ${TRAJECTORY_COLUMNS} FROM trajectories ORDER BY id`),
      insertTrajectory: db.prepare(`INSERT INTO trajectories (path, format, compression, size, mtime_ms, head_hash, hash_end, tail_hash,
        fingerprint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      fingerprint: db.prepare(`UPDATE trajectories SET fingerprint = size || ':' || head_hash || ':' || tail_hash WHERE id = ?`),
      seekIndex: db.prepare('SELECT seek_index FROM trajectories WHERE id = ?').pluck(),
      deleteTrajectory: db.prepare('DELETE FROM trajectories WHERE id = ?'),
      insertFrame: db.prepare(`INSERT OR REPLACE INTO frames (trajectory_id, idx, offset, length, timestep, time, n,
        ox, oy, oz, ax, ay, az, bx, by, bz, cx, cy, cz, periodic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      cursor: db.prepare(`UPDATE trajectories SET frame_count = ?, end_offset = ?, particles_constant = ?, particle_count = coalesce(particle_count, ?),
        hash_end = ?, tail_hash = ?, complete = 0, updated_at = ? WHERE id = ?`),
      frame: db.prepare(`SELECT offset, length, timestep, time, n, ox, oy, oz, ax, ay, az, bx, by, bz, cx, cy, cz, periodic
        FROM frames WHERE trajectory_id = ? AND idx = ?`).raw(),
      timesteps: db.prepare('SELECT timestep FROM frames WHERE trajectory_id = ? ORDER BY idx').pluck(),
      times: db.prepare('SELECT time FROM frames WHERE trajectory_id = ? ORDER BY idx').pluck(),
      frameRows: db.prepare('SELECT count(*) FROM frames WHERE trajectory_id = ?').pluck(),
      truncateFrames: db.prepare('DELETE FROM frames WHERE trajectory_id = ? AND idx >= ?'),
      deleteFrames: db.prepare('DELETE FROM frames WHERE trajectory_id = ?'),
      deleteSeries: db.prepare('DELETE FROM series WHERE trajectory_id = ?'),
      deleteFields: db.prepare('DELETE FROM field_cache WHERE trajectory_id = ?'),
      tags: db.prepare(`SELECT ${TAG_COLUMNS} FROM tags WHERE trajectory_id = ? ORDER BY frame, source, id`),
      tag: db.prepare(`SELECT ${TAG_COLUMNS} FROM tags WHERE trajectory_id = ? AND id = ?`),
      tagAt: db.prepare(`SELECT ${TAG_COLUMNS} FROM tags WHERE trajectory_id = ? AND frame = ? AND source = ?`),
      insertTag: db.prepare(`INSERT INTO tags (trajectory_id, frame, kind, source, score, note, before_frame, after_frame, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateTag: db.prepare(`UPDATE tags SET frame = ?, kind = ?, source = ?, score = ?, note = ?, before_frame = ?, after_frame = ?, updated_at = ?
        WHERE trajectory_id = ? AND id = ?`),
      deleteTag: db.prepare('DELETE FROM tags WHERE trajectory_id = ? AND id = ?'),
      series: db.prepare('SELECT name, params_hash, params, frame_count, updated_at, "values" FROM series WHERE trajectory_id = ? AND name = ? AND params_hash = ?'),
      seriesList: db.prepare('SELECT name, params_hash, params, frame_count, updated_at FROM series WHERE trajectory_id = ? ORDER BY name, params_hash'),
      putSeries: db.prepare(`INSERT OR REPLACE INTO series (trajectory_id, name, params_hash, params, frame_count, updated_at, "values")
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      deleteSeriesOne: db.prepare('DELETE FROM series WHERE trajectory_id = ? AND name = ? AND params_hash = ?'),
      field: db.prepare(`SELECT rowid, n, data FROM field_cache WHERE trajectory_id = ? AND frame = ? AND ref_frame = ? AND field = ? AND params_hash = ?`),
      touchField: db.prepare('UPDATE field_cache SET last_used = ? WHERE rowid = ?'),
      maxUsed: db.prepare('SELECT max(last_used) FROM field_cache').pluck(),
      cacheTotal: db.prepare('SELECT total(byte_size) FROM field_cache').pluck(),
      oldestFields: db.prepare('SELECT rowid, byte_size FROM field_cache ORDER BY last_used LIMIT 256').raw(),
      deleteFieldRow: db.prepare('DELETE FROM field_cache WHERE rowid = ?'),
      deleteFieldKey: db.prepare('DELETE FROM field_cache WHERE trajectory_id = ? AND frame = ? AND ref_frame = ? AND field = ? AND params_hash = ?'),
      insertField: db.prepare(`INSERT INTO field_cache (trajectory_id, frame, ref_frame, field, params_hash, n, byte_size, last_used, data)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      fieldKeys: db.prepare('SELECT frame, ref_frame, field, params_hash, n, byte_size FROM field_cache WHERE trajectory_id = ? ORDER BY last_used'),
      fieldFrames: db.prepare('SELECT frame, ref_frame FROM field_cache WHERE trajectory_id = ? AND field = ? AND params_hash = ?'),
      getSetting: db.prepare('SELECT value FROM app_state WHERE key = ?').pluck(),
      putSetting: db.prepare('INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at'),
      deleteSetting: db.prepare('DELETE FROM app_state WHERE key = ?'),
    };
  }

  // ---- per-trajectory settings a person made (particle diameters, ...): kept when the file is re-indexed, like tags ----

  /** A trajectory's setting as stored (JSON), or undefined. */
  trajectorySetting(id: number, name: string): unknown {
    const text = this.st.getSetting.get(`trajectory:${id}:${name}`) as string | undefined;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  /** Store (or, with null, forget) a trajectory's setting; committed at once, and journaled with the tags (made by hand too). */
  setTrajectorySetting(id: number, name: string, value: unknown): void {
    const key = `trajectory:${id}:${name}`;
    this.transaction(() => {
      if (value === null) this.st.deleteSetting.run(key);
      else this.st.putSetting.run(key, JSON.stringify(value), new Date().toISOString());
      const path = this.journal ? this.trajectory(id)?.path : undefined;
      if (path !== undefined) this.journalOp({ op: 'setting', path, name, value: value ?? null });
    });
  }

  /**
   * Run `fn` in one write transaction, taking the write lock at once (BEGIN IMMEDIATE); nested calls are savepoints
   * of the outer one. The tags' journal records of the transaction are appended just before it commits.
   */
  transaction<T>(fn: () => T): T {
    const outer = this.txDepth === 0;
    const run = this.db.transaction(() => {
      const mark = this.pendingJournal.length;
      this.txDepth++;
      try {
        const r = fn();
        if (outer) this.flushJournal();
        return r;
      } catch (e) {
        this.pendingJournal.length = mark;
        throw e;
      } finally {
        this.txDepth--;
      }
    });
    return outer ? run.immediate() : run();
  }

  private journalOp(op: JournalOp): void {
    if (this.journal) this.pendingJournal.push(op);
  }

  private flushJournal(): void {
    const ops = this.pendingJournal;
    this.pendingJournal = [];
    this.journal?.append(ops);
  }

  /** The underlying connection, for tests and maintenance. */
  get connection(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- trajectories ----

  trajectoryByPath(path: string): TrajectoryRecord | null {
    const r = this.st.byPath.get(path) as TrajectoryRow | undefined;
    return r ? toRecord(r) : null;
  }

  trajectory(id: number): TrajectoryRecord | null {
    const r = this.st.byId.get(id) as TrajectoryRow | undefined;
    return r ? toRecord(r) : null;
  }

  /** Trajectories whose file had this size and head hash (candidates for a moved file). */
  trajectoriesByContent(size: number, headHash: string): TrajectoryRecord[] {
    return (this.st.byContent.all(size, headHash) as TrajectoryRow[]).map(toRecord);
  }

  listTrajectories(): TrajectoryRecord[] {
    return (this.st.all.all() as TrajectoryRow[]).map(toRecord);
  }

  /** A new trajectory row; the tags and settings the journal holds for its path (an index rebuilt or deleted since) come back with it. */
  createTrajectory(t: NewTrajectory): TrajectoryRecord {
    const now = nowIso();
    return this.transaction(() => {
      const info = this.st.insertTrajectory.run(t.path, t.format, t.compression, t.size, t.mtimeMs, t.headHash, t.hashEnd, t.tailHash,
        fingerprintOf(t.size, t.headHash, t.tailHash), now, now);
      const id = Number(info.lastInsertRowid);
      const kept = this.journal?.replay().get(t.path);
      for (const g of kept?.tags.values() ?? []) {
        this.st.insertTag.run(id, g.frame, g.kind, g.source, g.score, g.note, g.before, g.after, g.createdAt, g.updatedAt);
      }
      for (const [name, value] of kept?.settings ?? []) this.st.putSetting.run(`trajectory:${id}:${name}`, JSON.stringify(value), now);
      return this.trajectory(id)!;
    });
  }

  updateTrajectory(id: number, patch: TrajectoryPatch): void {
    const keys = (Object.keys(patch) as (keyof TrajectoryPatch)[]).filter((k) => patch[k] !== undefined && PATCH_COLUMNS[k]);
    if (keys.length === 0) return;
    const sig = keys.join(',');
    let stmt = this.patchStatements.get(sig);
    if (!stmt) {
      stmt = this.db.prepare(`UPDATE trajectories SET ${keys.map((k) => `${PATCH_COLUMNS[k][0]} = ?`).join(', ')}, updated_at = ? WHERE id = ?`);
      this.patchStatements.set(sig, stmt);
    }
    const values = keys.map((k) => (PATCH_COLUMNS[k][1] as (v: unknown) => unknown)(patch[k]));
    this.transaction(() => {
      if (patch.path !== undefined) {
        const from = this.trajectory(id)?.path;
        if (from !== undefined && from !== patch.path) this.journalOp({ op: 'move', from, to: patch.path });
      }
      stmt.run(...values, nowIso(), id);
      if (keys.some((k) => k === 'size' || k === 'headHash' || k === 'tailHash')) this.st.fingerprint.run(id);
    });
  }

  seekIndex(id: number): Buffer | null {
    return (this.st.seekIndex.get(id) as Buffer | null | undefined) ?? null;
  }

  /** Forget a trajectory's contents (frames, series, field cache, scan cursor) but keep its tags: the user's work. */
  resetContent(id: number): void {
    this.transaction(() => {
      this.st.deleteFrames.run(id);
      this.st.deleteSeries.run(id);
      this.st.deleteFields.run(id);
      this.updateTrajectory(id, {
        frameCount: 0, endOffset: 0, complete: false, damage: null, particleCount: null, dimensions: null,
        particlesConstant: true, seekIndex: null,
      });
      this.db.prepare(`UPDATE trajectories SET schedule = NULL WHERE id = ? AND schedule_source = 'derived'`).run(id);
    });
  }

  /** Remove a trajectory with everything attached to it, tags included. */
  deleteTrajectory(id: number): void {
    this.transaction(() => {
      const path = this.trajectory(id)?.path;
      this.st.deleteTrajectory.run(id);
      if (path !== undefined) this.journalOp({ op: 'drop', path });
    });
  }

  // ---- frames ----

  /**
   * Store one batch of scanned frames and advance the scan cursor in the same transaction, so an index
   * killed mid-scan holds exactly the frames of the batches committed before.
   */
  appendFrames(
    id: number, entries: readonly FrameEntry[], firstIndex: number,
    cursor: { endOffset: number; particlesConstant: boolean; hashEnd: number; tailHash: string },
  ): void {
    const ins = this.st.insertFrame;
    this.transaction(() => {
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k];
        const { origin: o, vectors: [a, b, c], periodic: p } = e.box;
        ins.run(id, firstIndex + k, e.offset, e.length, e.timestep, e.time, e.n, o[0], o[1], o[2],
          a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2], (p[0] ? 1 : 0) | (p[1] ? 2 : 0) | (p[2] ? 4 : 0));
      }
      this.st.cursor.run(firstIndex + entries.length, cursor.endOffset, cursor.particlesConstant ? 1 : 0,
        entries.length > 0 && firstIndex === 0 ? entries[0].n : null, cursor.hashEnd, cursor.tailHash, nowIso(), id);
      this.st.fingerprint.run(id);
    });
  }

  /** Drop frames from index `count` on (leftovers beyond a scan's end). */
  truncateFrames(id: number, count: number): void {
    this.st.truncateFrames.run(id, count);
  }

  frameEntry(id: number, index: number): FrameEntry | null {
    const r = this.st.frame.get(id, index) as number[] | undefined;
    if (!r) return null;
    const box: Box = {
      origin: [r[5], r[6], r[7]],
      vectors: [[r[8], r[9], r[10]], [r[11], r[12], r[13]], [r[14], r[15], r[16]]],
      periodic: [(r[17] & 1) !== 0, (r[17] & 2) !== 0, (r[17] & 4) !== 0],
    };
    return { offset: r[0], length: r[1], timestep: r[2], time: r[3], n: r[4], box };
  }

  frameTimesteps(id: number): Float64Array {
    const out: number[] = this.st.timesteps.all(id) as number[];
    return Float64Array.from(out);
  }

  /** Frame times (NaN where a frame has none), or null when no frame has a time. */
  frameTimes(id: number): Float64Array | null {
    const raw = this.st.times.all(id) as (number | null)[];
    if (raw.every((t) => t === null)) return null;
    return Float64Array.from(raw, (t) => (t === null ? NaN : t));
  }

  /** Number of frame rows stored (equals the trajectory's frameCount in a consistent index). */
  frameRowCount(id: number): number {
    return this.st.frameRows.get(id) as number;
  }

  // ---- tags ----

  listTags(id: number): Tag[] {
    return (this.st.tags.all(id) as TagRow[]).map(toTag);
  }

  tag(id: number, tagId: number): Tag | null {
    const r = this.st.tag.get(id, tagId) as TagRow | undefined;
    return r ? toTag(r) : null;
  }

  tagAt(id: number, frame: number, source: TagSource): Tag | null {
    const r = this.st.tagAt.get(id, frame, source) as TagRow | undefined;
    return r ? toTag(r) : null;
  }

  addTag(id: number, t: NewTag): Tag {
    const source = t.source ?? 'manual';
    const before = t.before ?? null;
    const after = t.after ?? null;
    validateTagFields(t.frame, t.kind, source, t.score ?? null, t.note ?? '');
    validateBracket(t.frame, before, after);
    return this.transaction(() => {
      const existing = this.tagAt(id, t.frame, source);
      if (existing) {
        throw new Error(`frame ${t.frame} already has a ${source} tag (id ${existing.id}, ${existing.kind}); update that tag instead of adding another`);
      }
      const now = nowIso();
      const info = this.st.insertTag.run(id, t.frame, t.kind, source, t.score ?? null, t.note ?? '', before, after, t.createdAt ?? now, t.updatedAt ?? t.createdAt ?? now);
      const tag = this.tag(id, Number(info.lastInsertRowid))!;
      this.journalPut(id, tag);
      return tag;
    });
  }

  updateTag(id: number, tagId: number, patch: TagPatch): Tag {
    return this.transaction(() => {
      const cur = this.tag(id, tagId);
      if (!cur) throw new Error(`no tag with id ${tagId} on this trajectory`);
      const next = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Tag;
      // A tag moved to another frame without a new bracket no longer knows its event's.
      if (next.frame !== cur.frame && patch.before === undefined && patch.after === undefined) next.before = next.after = null;
      validateTagFields(next.frame, next.kind, next.source, next.score, next.note);
      validateBracket(next.frame, next.before, next.after);
      if (next.frame !== cur.frame || next.source !== cur.source) {
        const clash = this.tagAt(id, next.frame, next.source);
        if (clash && clash.id !== tagId) throw new Error(`frame ${next.frame} already has a ${next.source} tag (id ${clash.id}, ${clash.kind})`);
        this.journalDel(id, cur);
      }
      this.st.updateTag.run(next.frame, next.kind, next.source, next.score, next.note, next.before, next.after, patch.updatedAt ?? nowIso(), id, tagId);
      const tag = this.tag(id, tagId)!;
      this.journalPut(id, tag);
      return tag;
    });
  }

  deleteTag(id: number, tagId: number): void {
    this.transaction(() => {
      const cur = this.tag(id, tagId);
      const info = this.st.deleteTag.run(id, tagId);
      if (info.changes === 0 || !cur) throw new Error(`no tag with id ${tagId} on this trajectory`);
      this.journalDel(id, cur);
    });
  }

  private journalPut(id: number, tag: Tag): void {
    const path = this.journal ? this.trajectory(id)?.path : undefined;
    if (path !== undefined) this.journalOp({ op: 'put', path, tag: journalTag(tag) });
  }

  private journalDel(id: number, tag: Tag): void {
    const path = this.journal ? this.trajectory(id)?.path : undefined;
    if (path !== undefined) this.journalOp({ op: 'del', path, frame: tag.frame, source: tag.source });
  }

  // ---- series ----

  getSeries(id: number, name: string, paramsHashValue: string): SeriesRecord | null {
    const r = this.st.series.get(id, name, paramsHashValue) as
      { name: string; params_hash: string; params: string; frame_count: number; updated_at: string; values: Buffer } | undefined;
    if (!r) return null;
    return {
      name: r.name, paramsHash: r.params_hash, params: JSON.parse(r.params), frameCount: r.frame_count,
      values: blobAs(r.values, Float64Array), updatedAt: r.updated_at,
    };
  }

  listSeries(id: number): Omit<SeriesRecord, 'values'>[] {
    return (this.st.seriesList.all(id) as { name: string; params_hash: string; params: string; frame_count: number; updated_at: string }[])
      .map((r) => ({ name: r.name, paramsHash: r.params_hash, params: JSON.parse(r.params), frameCount: r.frame_count, updatedAt: r.updated_at }));
  }

  /**
   * Store a series' values for frames fromFrame .. fromFrame + values.length - 1 (fromFrame 0 replaces the
   * series; a later fromFrame extends the stored one, which must already cover frames before it).
   */
  putSeries(id: number, name: string, paramsHashValue: string, params: unknown, values: Float64Array, fromFrame = 0): SeriesRecord {
    return this.transaction(() => {
      let all = values;
      if (fromFrame > 0) {
        const cur = this.getSeries(id, name, paramsHashValue);
        if (!cur || cur.frameCount < fromFrame) {
          throw new Error(`series ${name} (${paramsHashValue}) covers ${cur ? cur.frameCount : 0} frames; cannot extend it from frame ${fromFrame}`);
        }
        all = new Float64Array(fromFrame + values.length);
        all.set(cur.values.subarray(0, fromFrame));
        all.set(values, fromFrame);
      }
      this.st.putSeries.run(id, name, paramsHashValue, JSON.stringify(params ?? null), all.length, nowIso(), bytesOf(all));
      return this.getSeries(id, name, paramsHashValue)!;
    });
  }

  deleteSeries(id: number, name: string, paramsHashValue: string): void {
    this.st.deleteSeriesOne.run(id, name, paramsHashValue);
  }

  // ---- per-particle field cache ----

  /** Cached field bytes (marking them used), or null. */
  getFieldBytes(id: number, frame: number, ref: number, field: string, paramsHashValue: string): { n: number; data: Buffer } | null {
    const r = this.st.field.get(id, frame, ref, field, paramsHashValue) as { rowid: number; n: number; data: Buffer } | undefined;
    if (!r) return null;
    this.st.touchField.run(this.nextUse(), r.rowid);
    return { n: r.n, data: r.data };
  }

  getField(id: number, frame: number, ref: number, field: string, paramsHashValue: string): Float32Array | null {
    const r = this.getFieldBytes(id, frame, ref, field, paramsHashValue);
    return r ? blobAs(r.data, Float32Array) : null;
  }

  /**
   * Cache a field, evicting the least recently used entries until the cache fits its cap.
   * Returns false (storing nothing) when the field alone is larger than the cap.
   */
  putFieldBytes(id: number, frame: number, ref: number, field: string, paramsHashValue: string, n: number, data: Buffer): boolean {
    const size = data.byteLength;
    const cap = this.fieldCacheMaxBytes;
    const run = this.db.transaction(() => {
      this.st.deleteFieldKey.run(id, frame, ref, field, paramsHashValue);
      if (size > cap) return false;
      this.evictFields(cap - size);
      this.st.insertField.run(id, frame, ref, field, paramsHashValue, n, size, this.nextUse(), data);
      return true;
    });
    return run.immediate();
  }

  putField(id: number, frame: number, ref: number, field: string, paramsHashValue: string, values: Float32Array, n = values.length): boolean {
    return this.putFieldBytes(id, frame, ref, field, paramsHashValue, n, bytesOf(values));
  }

  /** Evict the least recently used fields until the cache holds at most `budget` bytes; returns the bytes freed. */
  private evictFields(budget: number): number {
    let total = this.st.cacheTotal.get() as number;
    const before = total;
    while (total > budget) {
      const victims = this.st.oldestFields.all() as [number, number][];
      if (victims.length === 0) break;
      for (const [rowid, bytes] of victims) {
        this.st.deleteFieldRow.run(rowid);
        total -= bytes;
        if (total <= budget) break;
      }
    }
    return before - total;
  }

  /** Bring the field cache within its cap (after fields were added in bulk, e.g. merged from index shards); returns the bytes freed. */
  trimFieldCache(): number {
    return this.transaction(() => this.evictFields(this.fieldCacheMaxBytes));
  }

  /** Total bytes held by the field cache (all trajectories). */
  fieldCacheBytes(): number {
    return this.st.cacheTotal.get() as number;
  }

  /** The cached fields of a trajectory, least recently used first. */
  listFields(id: number): { frame: number; refFrame: number; field: string; paramsHash: string; n: number; byteSize: number }[] {
    return (this.st.fieldKeys.all(id) as { frame: number; ref_frame: number; field: string; params_hash: string; n: number; byte_size: number }[])
      .map((r) => ({ frame: r.frame, refFrame: r.ref_frame, field: r.field, paramsHash: r.params_hash, n: r.n, byteSize: r.byte_size }));
  }

  /** The (frame, reference) pairs for which one field with one parameter hash is cached (from a covering index). */
  cachedFieldFrames(id: number, field: string, paramsHash: string): { frame: number; refFrame: number }[] {
    return (this.st.fieldFrames.all(id, field, paramsHash) as { frame: number; ref_frame: number }[]).map((r) => ({ frame: r.frame, refFrame: r.ref_frame }));
  }

  /** A use stamp: milliseconds since the epoch, strictly increasing across the cache. */
  private nextUse(): number {
    const max = (this.st.maxUsed.get() as number | null) ?? 0;
    return Math.max(Date.now(), max + 1);
  }
}

/** A bracket is both frames or neither, with before <= frame <= after. */
function validateBracket(frame: number, before: unknown, after: unknown): void {
  if (before === null && after === null) return;
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (!ok(before) || !ok(after) || before > frame || after < frame) {
    throw new Error(`a tag's bracket must be two frames with before <= frame <= after; got ${JSON.stringify(before)} <= ${frame} <= ${JSON.stringify(after)}`);
  }
}

function validateTagFields(frame: unknown, kind: unknown, source: unknown, score: unknown, note: unknown): void {
  if (!Number.isInteger(frame) || (frame as number) < 0) throw new Error(`tag frame must be a non-negative integer, got ${JSON.stringify(frame)}`);
  if (!checkTagKind(kind)) throw new Error(`tag kind must be one of ${TAG_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
  if (!checkTagSource(source)) throw new Error(`tag source must be one of ${TAG_SOURCES.join(', ')}; got ${JSON.stringify(source)}`);
  if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) throw new Error(`tag score must be a finite number or null; got ${JSON.stringify(score)}`);
  if (typeof note !== 'string') throw new Error(`tag note must be text; got ${JSON.stringify(note)}`);
}
