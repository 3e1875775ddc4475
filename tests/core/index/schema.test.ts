import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { IndexDb } from '../../../src/core/index/index-db.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../../src/core/index/schema.js';
import { tmpDir } from './helpers.js';

const V1_FIXTURE = join(import.meta.dirname, '../../fixtures/index/v1-index.sqlite');

describe('index schema', () => {
  it('creates the latest schema in WAL mode with a busy timeout', () => {
    const dir = tmpDir();
    const db = IndexDb.open({ indexDir: dir });
    try {
      expect(db.file).toBe(join(dir, 'index.sqlite'));
      expect(schemaVersion(db.connection)).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
      expect(db.connection.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.connection.pragma('busy_timeout', { simple: true })).toBe(10000);
      expect(db.connection.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = db.connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      expect(tables).toEqual(['app_state', 'field_cache', 'frames', 'series', 'tags', 'trajectories']);
    } finally {
      db.close();
    }
  });

  it('migrates a version-1 index (committed fixture) keeping its trajectories, frames, tags and series', () => {
    const dir = tmpDir();
    copyFileSync(V1_FIXTURE, join(dir, 'index.sqlite'));
    const raw = new Database(join(dir, 'index.sqlite'), { readonly: true });
    expect(schemaVersion(raw)).toBe(1);
    raw.close();

    const db = IndexDb.open({ indexDir: dir });
    try {
      expect(schemaVersion(db.connection)).toBe(SCHEMA_VERSION);
      const t = db.trajectoryByPath('/data/run1/dump.lammpstrj')!;
      expect(t).toMatchObject({ id: 1, format: 'lammps-dump', frameCount: 3, particleCount: 2, dimensions: 2, complete: true, scheduleSource: 'derived' });
      expect(t.schedule).toEqual({ kind: 'linear', start: 0, step: 100, dt: null });
      expect(Array.from(db.frameTimesteps(1))).toEqual([0, 100, 200]);
      expect(db.frameEntry(1, 2)).toEqual({
        offset: 400, length: 200, timestep: 200, time: null, n: 2,
        box: { origin: [0, 0, -0.5], vectors: [[10, 0, 0], [0, 10, 0], [0, 0, 1]], periodic: [true, true, false] },
      });
      expect(db.listTags(1).map((g) => [g.frame, g.kind, g.source, g.score, g.note])).toEqual([
        [1, 'avalanche', 'manual', null, 'big one, clear'],
        [2, 'candidate', 'detector', 0.75, ''],
      ]);
      expect(Array.from(db.getSeries(1, 'energy', 'h1')!.values)).toEqual([-1.5, -1.25, -2]);
      // The new field cache works on the migrated database.
      expect(db.putField(1, 0, 0, 'd2min', 'p', new Float32Array([1, 2]))).toBe(true);
      expect(Array.from(db.getField(1, 0, 0, 'd2min', 'p')!)).toEqual([1, 2]);
    } finally {
      db.close();
    }
  });

  it('migrates step by step from a freshly made version-1 database', () => {
    const file = join(tmpDir(), 'x.sqlite');
    const raw = new Database(file);
    expect(migrate(raw, 1)).toBe(1);
    expect(raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'field_cache'`).pluck().get()).toBe(0);
    expect(migrate(raw)).toBe(SCHEMA_VERSION);
    expect(raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'field_cache'`).pluck().get()).toBe(1);
    expect(migrate(raw)).toBe(SCHEMA_VERSION); // idempotent
    raw.close();
  });

  it('moves an index written by a newer version aside (never deletes it) and starts a new one, saying so', () => {
    const dir = tmpDir();
    const file = join(dir, 'index.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => migrate(new Database(file))).toThrow(new RegExp(`index.sqlite: the trajectory index has schema version ${SCHEMA_VERSION + 5}, newer`));
    const db = IndexDb.open({ indexDir: dir });
    try {
      expect(db.warnings).toHaveLength(1);
      expect(db.warnings[0]).toMatch(new RegExp(`index.sqlite: the trajectory index could not be used \\(it was written by a newer Avalanche Workbench \\(schema version ${SCHEMA_VERSION + 5}\\)\\); it was moved to index\\.sqlite\\.schema-v${SCHEMA_VERSION + 5}-[0-9TZ-]+ and a new index is built`));
      expect(db.connection.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const aside = readdirSync(dir).filter((f) => f.startsWith(`index.sqlite.schema-v${SCHEMA_VERSION + 5}-`) && !f.endsWith('-wal'));
      expect(aside).toHaveLength(1);
      const old = new Database(join(dir, aside[0]), { readonly: true });
      expect(old.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5);
      old.close();
    } finally {
      db.close();
    }
  });
});
