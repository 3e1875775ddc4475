// The trajectory index's SQLite schema: an ordered list of migrations, the database's `user_version`
// being the number of migrations applied. Never edit a migration that has shipped: append a new one.
import type { Database } from 'better-sqlite3';

export type Migration = (db: Database) => void;

/** Migration i (0-based) takes a database from version i to version i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  // v1: trajectories, their frames, per-frame series and the user's tags.
  (db) => {
    db.exec(`
      CREATE TABLE trajectories (
        id                 INTEGER PRIMARY KEY,
        path               TEXT    NOT NULL UNIQUE,
        format             TEXT    NOT NULL,
        compression        TEXT    NOT NULL,
        size               INTEGER NOT NULL,          -- file size on disk when last checked
        mtime_ms           REAL    NOT NULL,
        head_hash          TEXT    NOT NULL,          -- sha256 of the first 64 KiB on disk
        hash_end           INTEGER NOT NULL,          -- the tail hash covers the 64 KiB on disk before this offset
        tail_hash          TEXT    NOT NULL,
        fingerprint        TEXT    NOT NULL,          -- "size:head:tail"
        frame_count        INTEGER NOT NULL DEFAULT 0,
        particle_count     INTEGER,                   -- N of frame 0 as parsed
        particles_constant INTEGER NOT NULL DEFAULT 1,
        dimensions         INTEGER,                   -- of frame 0 as parsed
        schedule           TEXT,                      -- FrameSchedule JSON
        end_offset         INTEGER NOT NULL DEFAULT 0, -- scan cursor: (uncompressed) offset after the last committed frame
        complete           INTEGER NOT NULL DEFAULT 0, -- 1 when the last scan ran to its end
        damage             TEXT,                      -- ScanDamage JSON
        seek_index         BLOB,
        created_at         TEXT    NOT NULL,
        updated_at         TEXT    NOT NULL
      );
      CREATE INDEX trajectories_by_content ON trajectories(size, head_hash);

      CREATE TABLE frames (
        trajectory_id INTEGER NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
        idx       INTEGER NOT NULL,
        offset    INTEGER NOT NULL,
        length    INTEGER NOT NULL,
        timestep  INTEGER NOT NULL,
        time      REAL,
        n         INTEGER NOT NULL,
        ox REAL NOT NULL, oy REAL NOT NULL, oz REAL NOT NULL,
        ax REAL NOT NULL, ay REAL NOT NULL, az REAL NOT NULL,
        bx REAL NOT NULL, by REAL NOT NULL, bz REAL NOT NULL,
        cx REAL NOT NULL, cy REAL NOT NULL, cz REAL NOT NULL,
        periodic  INTEGER NOT NULL,                   -- bit 0: x, bit 1: y, bit 2: z
        PRIMARY KEY (trajectory_id, idx)
      ) WITHOUT ROWID;

      CREATE TABLE series (
        trajectory_id INTEGER NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
        name          TEXT    NOT NULL,
        params_hash   TEXT    NOT NULL,
        params        TEXT    NOT NULL,               -- JSON
        frame_count   INTEGER NOT NULL,
        updated_at    TEXT    NOT NULL,
        "values"      BLOB    NOT NULL,               -- Float64, one value per frame
        PRIMARY KEY (trajectory_id, name, params_hash)
      );

      CREATE TABLE tags (
        id            INTEGER PRIMARY KEY,
        trajectory_id INTEGER NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
        frame         INTEGER NOT NULL,
        kind          TEXT    NOT NULL CHECK (kind IN ('avalanche', 'uncertain', 'not-avalanche', 'candidate')),
        source        TEXT    NOT NULL CHECK (source IN ('manual', 'detector')),
        score         REAL,
        note          TEXT    NOT NULL DEFAULT '',
        created_at    TEXT    NOT NULL,
        updated_at    TEXT    NOT NULL,
        UNIQUE (trajectory_id, frame, source)
      );
    `);
  },
  // v2: the per-particle field cache (LRU, size-capped) and user-set frame-time schedules.
  (db) => {
    db.exec(`
      ALTER TABLE trajectories ADD COLUMN schedule_source TEXT NOT NULL DEFAULT 'derived';

      CREATE TABLE field_cache (
        trajectory_id INTEGER NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
        frame         INTEGER NOT NULL,
        ref_frame     INTEGER NOT NULL,
        field         TEXT    NOT NULL,
        params_hash   TEXT    NOT NULL,
        n             INTEGER NOT NULL,
        byte_size     INTEGER NOT NULL,
        last_used     INTEGER NOT NULL,
        data          BLOB    NOT NULL,               -- Float32 values (kept last: the other columns stay on the leaf page)
        PRIMARY KEY (trajectory_id, frame, ref_frame, field, params_hash)
      );
      -- Covering index for the LRU order and the total size.
      CREATE INDEX field_cache_lru ON field_cache(last_used, byte_size);
    `);
  },
  // v3: the workbench's own state (recent files, the last session), as JSON values by key.
  (db) => {
    db.exec(`
      CREATE TABLE app_state (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,                     -- JSON
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
  },
  // v4: a tag's own bracket (the frames where its event starts and ends), filled by the detector. Detector tags
  // written before kept it only in their note ("MSD jump: frames B..A"), which is where it is read back from.
  (db) => {
    db.exec(`
      ALTER TABLE tags ADD COLUMN before_frame INTEGER;
      ALTER TABLE tags ADD COLUMN after_frame  INTEGER;
    `);
    const rows = db.prepare("SELECT id, frame, note FROM tags WHERE source = 'detector' AND note LIKE 'MSD jump: frames %'").all() as
      { id: number; frame: number; note: string }[];
    const set = db.prepare('UPDATE tags SET before_frame = ?, after_frame = ? WHERE id = ?');
    for (const r of rows) {
      const m = /^MSD jump: frames (\d+)\.\.(\d+)/.exec(r.note);
      if (!m) continue;
      const [before, after] = [Number(m[1]), Number(m[2])];
      if (before <= r.frame && r.frame <= after) set.run(before, after, r.id);
    }
  },
  // v5: the cached frames of one field and parameters, found from a covering index (a background sweep asks at every
  // field change; scanning the cache's rows for it took 30 ms of the service's time at N = 2000, 150 frames).
  (db) => {
    db.exec('CREATE INDEX field_cache_by_field ON field_cache(trajectory_id, field, params_hash, frame, ref_frame);');
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The index was written by a newer program (its schema version is above ours). */
export class FutureSchemaError extends Error {
  constructor(readonly version: number, message: string) {
    super(message);
    this.name = 'FutureSchemaError';
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the database to `target` (default: the latest version), one transaction per migration.
 * Each migration takes the write lock first and re-reads the version, so two processes opening
 * the same index at once do not both migrate.
 */
export function migrate(db: Database, target: number = SCHEMA_VERSION, file = db.name): number {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new FutureSchemaError(current, 
      `${file}: the trajectory index has schema version ${current}, newer than this Avalanche Workbench understands ` +
      `(${SCHEMA_VERSION}); update the program, or point it at another index directory (--index-dir or AVW_INDEX_DIR)`);
  }
  for (let v = current; v < target; v++) {
    const step = db.transaction(() => {
      const now = schemaVersion(db);
      if (now !== v) return; // another process migrated meanwhile
      MIGRATIONS[v](db);
      db.pragma(`user_version = ${v + 1}`);
    });
    try {
      step.immediate();
    } catch (e) {
      throw new Error(`${file}: migrating the trajectory index from schema version ${v} to ${v + 1} failed: ${(e as Error).message}`);
    }
  }
  return schemaVersion(db);
}
