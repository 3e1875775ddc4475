// The workbench's own persistent state (recent files, the last session) in the index database's app_state
// table (schema v3): JSON values by key, every change committed at once.
import { existsSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import type { IndexDb } from '../../core/index/index-db.js';
import { FIELD_NAMES, type SessionState } from '#shared/api.js';

export const MAX_RECENT_FILES = 20;
const RECENT_KEY = 'recentFiles';
const SESSION_KEY = 'session';

export const DEFAULT_SESSION: SessionState = { lastFile: null, frame: 0, field: FIELD_NAMES[0], layout: {} };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class AppState {
  private readonly read: Statement<[string], string>;
  private readonly write: Statement<[string, string, string]>;

  constructor(db: IndexDb) {
    const c = db.connection;
    this.read = c.prepare<[string], string>('SELECT value FROM app_state WHERE key = ?').pluck();
    this.write = c.prepare<[string, string, string]>(
      'INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
  }

  get(key: string): unknown {
    const text = this.read.get(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: unknown): void {
    this.write.run(key, JSON.stringify(value), new Date().toISOString());
  }

  /** Recently opened files that still exist, most recent first. */
  recentFiles(): string[] {
    const stored = this.get(RECENT_KEY);
    if (!Array.isArray(stored)) return [];
    return stored.filter((p): p is string => typeof p === 'string' && existsSync(p)).slice(0, MAX_RECENT_FILES);
  }

  /** Put `path` first (once), keeping at most MAX_RECENT_FILES, and dropping files that no longer exist. */
  addRecentFile(path: string): void {
    const rest = this.recentFiles().filter((p) => p !== path);
    this.set(RECENT_KEY, [path, ...rest].slice(0, MAX_RECENT_FILES));
  }

  session(): SessionState {
    const s = this.get(SESSION_KEY);
    if (!isPlainObject(s)) return structuredClone(DEFAULT_SESSION);
    return {
      lastFile: typeof s.lastFile === 'string' ? s.lastFile : null,
      frame: typeof s.frame === 'number' && Number.isInteger(s.frame) && s.frame >= 0 ? s.frame : 0,
      field: typeof s.field === 'string' ? s.field : DEFAULT_SESSION.field,
      layout: isPlainObject(s.layout) ? s.layout : {},
    };
  }

  saveSession(session: SessionState): void {
    this.set(SESSION_KEY, session);
  }
}
