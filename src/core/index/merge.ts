// Merge index shards into one index: every trajectory of a shard (a study run's own index.sqlite) with its frames,
// series, tags and cached fields, in one transaction per shard. What a person decided in the target wins: manual tags
// and tags a person changed are kept; the shard's computed data (frames, series, fields) replace the target's when the
// trajectory's content changed, and are added (or refreshed) otherwise. A shard merged before and unchanged since is skipped.
import { statSync } from 'node:fs';
import { IndexDb } from './index-db.js';
import { SCHEMA_VERSION } from './schema.js';

export interface MergeCounts {
  trajectories: number;
  frames: number;
  series: number;
  tags: number;
  fields: number;
}

export interface ShardMerge extends MergeCounts {
  shard: string;
  /** Unchanged since it was last merged: nothing done. */
  skipped: boolean;
  /** The shard's trajectory paths. */
  paths: string[];
}

const SHARD_KEY = 'index-shard:';

interface ShardMark { size: number; mtimeMs: number }

function tableColumns(db: IndexDb, schema: string, table: string): string[] {
  return (db.connection.prepare(`PRAGMA ${schema}.table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface MergeOptions {
  /** Merge even when the shard is unchanged since it was last merged. */
  force?: boolean;
  /** Where each of the shard's trajectories is now (a study folder copied from a cluster): the shard's path -> this one. */
  mapPath?: (path: string) => string;
}

/** Merge one shard file into `target` (see the module comment). */
export function mergeShard(target: IndexDb, shard: string, options: MergeOptions = {}): ShardMerge {
  let st;
  try {
    st = statSync(shard);
  } catch (e) {
    throw new Error(`${shard}: cannot read the index shard (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const c = target.connection;
  const markKey = SHARD_KEY + shard;
  const mark = c.prepare('SELECT value FROM app_state WHERE key = ?').pluck().get(markKey) as string | undefined;
  const now: ShardMark = { size: st.size, mtimeMs: st.mtimeMs };
  const empty = { trajectories: 0, frames: 0, series: 0, tags: 0, fields: 0 };
  if (!options.force && mark) {
    const m = JSON.parse(mark) as ShardMark;
    if (m.size === now.size && m.mtimeMs === now.mtimeMs) {
      const paths = (c.prepare("SELECT value FROM app_state WHERE key = ?").pluck().get(`${markKey}:paths`) as string | undefined) ?? '[]';
      return { shard, skipped: true, paths: JSON.parse(paths) as string[], ...empty };
    }
  }
  let version: number;
  let attached = false;
  try {
    c.prepare('ATTACH DATABASE ? AS shard').run(shard);
    attached = true;
    version = c.pragma('shard.user_version', { simple: true }) as number;
    c.prepare('SELECT count(*) FROM shard.sqlite_master').get();
  } catch (e) {
    if (attached) c.prepare('DETACH DATABASE shard').run();
    throw new Error(`${shard}: not an index shard (${(e as Error).message})`);
  }
  if (version < SCHEMA_VERSION) {
    // A shard of an older schema is brought up to date first (it is the run's own file).
    c.prepare('DETACH DATABASE shard').run();
    new IndexDb(shard).close();
    c.prepare('ATTACH DATABASE ? AS shard').run(shard);
    version = c.pragma('shard.user_version', { simple: true }) as number;
  }
  try {
    if (version !== SCHEMA_VERSION) throw new Error(`${shard}: index shard of schema version ${version}, but this program reads ${SCHEMA_VERSION}; update the program`);
    const counts = { ...empty };
    const paths: string[] = [];
    const trajCols = tableColumns(target, 'main', 'trajectories').filter((n) => n !== 'id');
    const shardTrajCols = new Set(tableColumns(target, 'shard', 'trajectories'));
    for (const col of trajCols) if (!shardTrajCols.has(col)) throw new Error(`${shard}: the shard's trajectories table lacks column ${col}`);
    const colList = trajCols.map(q).join(', ');
    const frameCols = tableColumns(target, 'main', 'frames').filter((n) => n !== 'trajectory_id').map(q).join(', ');
    const seriesCols = tableColumns(target, 'main', 'series').filter((n) => n !== 'trajectory_id').map(q).join(', ');
    const tagCols = tableColumns(target, 'main', 'tags').filter((n) => n !== 'trajectory_id' && n !== 'id').map(q).join(', ');
    const fieldCols = tableColumns(target, 'main', 'field_cache').filter((n) => n !== 'trajectory_id').map(q).join(', ');
    const run = c.transaction(() => {
      const rows = c.prepare('SELECT id, path, fingerprint FROM shard.trajectories ORDER BY id').all() as { id: number; path: string; fingerprint: string }[];
      for (const r of rows) {
        const path = options.mapPath ? options.mapPath(r.path) : r.path;
        paths.push(path);
        const existing = c.prepare('SELECT id, fingerprint FROM main.trajectories WHERE path = ?').get(path) as { id: number; fingerprint: string } | undefined;
        let id: number;
        if (existing) {
          id = existing.id;
          if (existing.fingerprint !== r.fingerprint) {
            // New content: the target's computed data describe the old file.
            c.prepare('DELETE FROM main.frames WHERE trajectory_id = ?').run(id);
            c.prepare('DELETE FROM main.series WHERE trajectory_id = ?').run(id);
            c.prepare('DELETE FROM main.field_cache WHERE trajectory_id = ?').run(id);
            c.prepare("DELETE FROM main.tags WHERE trajectory_id = ? AND source = 'detector' AND kind = 'candidate' AND (note = '' OR note LIKE 'MSD jump:%')").run(id);
          }
          c.prepare(`UPDATE main.trajectories SET (${colList}) = (SELECT ${colList} FROM shard.trajectories WHERE id = ?) WHERE id = ?`).run(r.id, id);
        } else {
          id = Number(c.prepare(`INSERT INTO main.trajectories (${colList}) SELECT ${colList} FROM shard.trajectories WHERE id = ?`).run(r.id).lastInsertRowid);
        }
        if (path !== r.path) c.prepare('UPDATE main.trajectories SET path = ? WHERE id = ?').run(path, id);
        counts.trajectories++;
        counts.frames += c.prepare(`INSERT OR REPLACE INTO main.frames (trajectory_id, ${frameCols}) SELECT ?, ${frameCols} FROM shard.frames WHERE trajectory_id = ?`).run(id, r.id).changes;
        counts.series += c.prepare(`INSERT OR REPLACE INTO main.series (trajectory_id, ${seriesCols}) SELECT ?, ${seriesCols} FROM shard.series WHERE trajectory_id = ?`).run(id, r.id).changes;
        // Tags: the target's own (a person's decisions) win over the shard's at the same frame and source.
        counts.tags += c.prepare(`INSERT OR IGNORE INTO main.tags (trajectory_id, ${tagCols}) SELECT ?, ${tagCols} FROM shard.tags WHERE trajectory_id = ?`).run(id, r.id).changes;
        counts.fields += c.prepare(`INSERT OR REPLACE INTO main.field_cache (trajectory_id, ${fieldCols}) SELECT ?, ${fieldCols} FROM shard.field_cache WHERE trajectory_id = ?`).run(id, r.id).changes;
      }
      const put = c.prepare('INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
      const stamp = new Date().toISOString();
      put.run(markKey, JSON.stringify(now), stamp);
      put.run(`${markKey}:paths`, JSON.stringify(paths), stamp);
    });
    run.immediate();
    return { shard, skipped: false, paths, ...counts };
  } finally {
    c.prepare('DETACH DATABASE shard').run();
  }
}
