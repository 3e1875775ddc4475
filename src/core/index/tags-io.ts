// Tags to and from CSV (RFC 4180) and JSON. Import merges into the index: a row for a frame and source that
// already has a tag updates it, any other row adds a tag. Every row is validated first (errors name the file
// and the line); then all changes are committed in one transaction.
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { checkTagKind, checkTagSource, TAG_KINDS, TAG_SOURCES, type Tag, type TagKind, type TagSource } from './index-db.js';
import type { IndexedTrajectory } from './indexed-trajectory.js';

// before / after: the event's own bracket (detector candidates); empty for manual tags. Files without them still import.
export const TAG_CSV_COLUMNS = ['frame', 'timestep', 'time', 'kind', 'source', 'score', 'before', 'after', 'note', 'created_at', 'updated_at'] as const;
type Column = (typeof TAG_CSV_COLUMNS)[number];

export type TagFileFormat = 'csv' | 'json';

/** One tag as written to a CSV/JSON file (the frame's timestep and time for reference). */
export interface TagFileRow {
  frame: number;
  timestep: number | null;
  time: number | null;
  kind: TagKind;
  source: TagSource;
  score: number | null;
  before: number | null;
  after: number | null;
  note: string;
  created_at: string;
  updated_at: string;
}

/** A validated row read from a file; `line` is where it starts (1-based). */
export interface TagImportRow {
  line: number;
  frame: number;
  timestep: number | null;
  kind: TagKind;
  source: TagSource;
  score: number | null;
  /** The bracket, when the file gives one (both or neither). */
  before: number | null;
  after: number | null;
  note: string;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface TagImportResult {
  inserted: number;
  updated: number;
  warnings: string[];
}

export class TagFileError extends Error {
  constructor(message: string, readonly file: string, readonly line: number | null) {
    super(message);
    this.name = 'TagFileError';
  }
}

// ---- export ----

function fileRows(traj: IndexedTrajectory, tags: Tag[]): TagFileRow[] {
  return tags.map((t) => {
    const e = t.frame < traj.frameCount ? traj.entry(t.frame) : null;
    return {
      frame: t.frame, timestep: e ? e.timestep : null, time: e ? e.time : null, kind: t.kind, source: t.source,
      score: t.score, before: t.before, after: t.after, note: t.note, created_at: t.createdAt, updated_at: t.updatedAt,
    };
  });
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tagsToCsv(rows: readonly TagFileRow[]): string {
  const lines = [TAG_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(TAG_CSV_COLUMNS.map((c) => {
      const v = r[c];
      return v === null ? '' : csvField(String(v));
    }).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function tagsToJson(trajectory: { path: string; fingerprint: string }, rows: readonly TagFileRow[]): string {
  // One tag per line: readable, diffable, and import errors can name the line.
  const body = rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n');
  return `{\n  "trajectory": ${JSON.stringify({ path: trajectory.path, fingerprint: trajectory.fingerprint })},\n  "tags": [\n${body}${rows.length ? '\n' : ''}  ]\n}\n`;
}

/** The trajectory's tags as CSV or JSON text. */
export function exportTags(traj: IndexedTrajectory, format: TagFileFormat): string {
  const rows = fileRows(traj, traj.listTags());
  return format === 'csv' ? tagsToCsv(rows) : tagsToJson({ path: traj.path, fingerprint: traj.fingerprint }, rows);
}

export function formatFromFileName(file: string): TagFileFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  throw new TagFileError(`${file}: cannot tell the tag file format from the extension "${ext}"; expected .csv or .json`, file, null);
}

/** Write the tags to `file` (format from the extension unless given). */
export function exportTagsFile(traj: IndexedTrajectory, file: string, format: TagFileFormat = formatFromFileName(file)): void {
  writeFileSync(file, exportTags(traj, format));
}

// ---- parsing ----

/** RFC 4180 records with the line each starts on; blank lines are skipped. */
export function parseCsvRecords(text: string, file: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const recLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const startLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new TagFileError(`${file}, line ${startLine}: a quoted field is never closed; expected a closing "`, file, startLine);
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new TagFileError(`${file}, line ${line}: unexpected text after a quoted field; expected a comma or the end of the line`, file, line);
        }
      } else {
        const s = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') throw new TagFileError(`${file}, line ${line}: a quote inside an unquoted field; quote the whole field and double the quotes ("")`, file, line);
          i++;
        }
        field = text.slice(s, i);
      }
      fields.push(field);
      if (i < n && text[i] === ',') { i++; continue; }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') { i++; line++; }
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: recLine, fields });
  }
  return out;
}

function parseIso(v: string, where: string, file: string, line: number, col: string): string | null {
  if (v === '') return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TagFileError(`${where}: ${col} "${v}" is not a date; expected ISO 8601 such as 2024-05-01T12:00:00Z`, file, line);
  return new Date(t).toISOString();
}

/** Validate one row given as column -> raw value (strings from CSV, JSON values from JSON). */
function validateRow(raw: Partial<Record<Column, unknown>>, file: string, line: number, label: string): TagImportRow {
  const where = `${file}, ${label}`;
  const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v.trim() : String(v));
  const num = (col: Column, integer: boolean): number | null => {
    const v = raw[col];
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) return null;
    const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
    if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) {
      throw new TagFileError(`${where}: ${col} ${JSON.stringify(v)} is not ${integer ? 'an integer' : 'a number'}`, file, line);
    }
    return x;
  };
  const frame = num('frame', true);
  if (frame === null || frame < 0) throw new TagFileError(`${where}: frame is missing or negative; expected a frame index (0 = first frame)`, file, line);
  const kind = text(raw.kind);
  if (!checkTagKind(kind)) throw new TagFileError(`${where}: kind "${kind}" is not one of ${TAG_KINDS.join(', ')}`, file, line);
  const sourceText = text(raw.source) || 'manual';
  if (!checkTagSource(sourceText)) throw new TagFileError(`${where}: source "${sourceText}" is not one of ${TAG_SOURCES.join(', ')}`, file, line);
  const note = raw.note === null || raw.note === undefined ? '' : typeof raw.note === 'string' ? raw.note : String(raw.note);
  const before = num('before', true);
  const after = num('after', true);
  if ((before === null) !== (after === null)) throw new TagFileError(`${where}: give both before and after (the event's bracket) or neither`, file, line);
  if (before !== null && after !== null && !(before <= frame && frame <= after)) {
    throw new TagFileError(`${where}: the bracket ${before}..${after} does not contain frame ${frame}; expected before <= frame <= after`, file, line);
  }
  return {
    line, frame, timestep: num('timestep', false), kind, source: sourceText, score: num('score', false), before, after, note,
    createdAt: parseIso(text(raw.created_at), where, file, line, 'created_at'),
    updatedAt: parseIso(text(raw.updated_at), where, file, line, 'updated_at'),
  };
}

export function parseTagsCsv(text: string, file: string): TagImportRow[] {
  const records = parseCsvRecords(text, file);
  if (records.length === 0) throw new TagFileError(`${file}: empty; expected a header line ${TAG_CSV_COLUMNS.join(',')}`, file, 1);
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !(TAG_CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) {
    throw new TagFileError(`${file}, line ${records[0].line}: unknown column(s) ${unknown.map((u) => `"${u}"`).join(', ')}; expected the header ${TAG_CSV_COLUMNS.join(',')}`, file, records[0].line);
  }
  for (const need of ['frame', 'kind'] as const) {
    if (!header.includes(need)) throw new TagFileError(`${file}, line ${records[0].line}: no "${need}" column; expected the header ${TAG_CSV_COLUMNS.join(',')}`, file, records[0].line);
  }
  const dup = header.find((h, k) => header.indexOf(h) !== k);
  if (dup) throw new TagFileError(`${file}, line ${records[0].line}: column "${dup}" appears twice`, file, records[0].line);
  const rows: TagImportRow[] = [];
  for (const rec of records.slice(1)) {
    if (rec.fields.length !== header.length) {
      throw new TagFileError(`${file}, line ${rec.line}: ${rec.fields.length} fields; expected ${header.length} as in the header (quote notes that contain commas)`, file, rec.line);
    }
    const raw: Partial<Record<Column, unknown>> = {};
    header.forEach((h, k) => { raw[h as Column] = rec.fields[k]; });
    rows.push(validateRow(raw, file, rec.line, `line ${rec.line}`));
  }
  return rows;
}

/** Line (1-based) on which each element of the top-level "tags" array starts, for error messages. */
function tagElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0, line = 1, inString = false, key = '', lastString = '', inTags = false, expectValue = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') { i++; continue; }
      if (ch === '"') { inString = false; lastString = key; }
      else key += ch;
      continue;
    }
    if (ch === '"') {
      if (inTags && depth === 2 && expectValue) { lines.push(line); expectValue = false; }
      inString = true; key = '';
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') continue;
    if (ch === ':' && depth === 1) { inTags = lastString === 'tags'; continue; }
    if (inTags && depth === 2 && expectValue && ch !== ']' && ch !== ',') { lines.push(line); expectValue = false; }
    if (ch === '{' || ch === '[') { depth++; if (inTags && depth === 2) expectValue = true; continue; }
    if (ch === '}' || ch === ']') { depth--; if (depth < 2) { if (depth === 1) inTags = false; } continue; }
    if (ch === ',' && inTags && depth === 2) expectValue = true;
  }
  return lines;
}

export function parseTagsJson(text: string, file: string): { rows: TagImportRow[]; trajectory: { path?: string; fingerprint?: string } | null } {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new TagFileError(`${file}: not valid JSON (${(e as Error).message}); expected {"trajectory": {...}, "tags": [...]}`, file, null);
  }
  const tags = Array.isArray(doc) ? doc : (doc as { tags?: unknown } | null)?.tags;
  if (!Array.isArray(tags)) throw new TagFileError(`${file}: no "tags" array; expected {"trajectory": {...}, "tags": [...]}`, file, null);
  const lines = Array.isArray(doc) ? [] : tagElementLines(text);
  const rows = tags.map((t, k) => {
    const line = lines[k] ?? 0;
    const label = line ? `line ${line} (tags[${k}])` : `tags[${k}]`;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new TagFileError(`${file}, ${label}: expected an object with frame, kind, source, ...`, file, line || null);
    const unknown = Object.keys(t).filter((c) => !(TAG_CSV_COLUMNS as readonly string[]).includes(c));
    if (unknown.length) throw new TagFileError(`${file}, ${label}: unknown field(s) ${unknown.join(', ')}; expected ${TAG_CSV_COLUMNS.join(', ')}`, file, line || null);
    return validateRow(t as Partial<Record<Column, unknown>>, file, line, label);
  });
  const tr = Array.isArray(doc) ? null : (doc as { trajectory?: { path?: string; fingerprint?: string } }).trajectory ?? null;
  return { rows, trajectory: tr && typeof tr === 'object' ? tr : null };
}

// ---- import ----

/**
 * Merge tags from CSV or JSON text into the trajectory: same frame and source -> update, else insert.
 * Rows are checked against the trajectory (the frame must exist; a timestep, when given, must match the frame's)
 * before anything is written; all changes are committed together.
 */
export function importTags(traj: IndexedTrajectory, file: string, text: string, format: TagFileFormat = formatFromFileName(file)): TagImportResult {
  const warnings: string[] = [];
  let rows: TagImportRow[];
  if (format === 'csv') {
    rows = parseTagsCsv(text, file);
  } else {
    const parsed = parseTagsJson(text, file);
    rows = parsed.rows;
    if (parsed.trajectory?.fingerprint && parsed.trajectory.fingerprint !== traj.fingerprint) {
      warnings.push(`${file}: the tags were exported from ${parsed.trajectory.path ?? 'another file'} with a different fingerprint; the frames and timesteps were checked and match`);
    }
  }
  const where = (r: TagImportRow) => (r.line ? `${file}, line ${r.line}` : file);
  const seen = new Map<string, number>();
  for (const r of rows) {
    if (r.frame >= traj.frameCount || (r.after !== null && r.after >= traj.frameCount)) {
      const f = r.frame >= traj.frameCount ? r.frame : r.after;
      throw new TagFileError(`${where(r)}: frame ${f} does not exist; the trajectory has ${traj.frameCount} frames (0..${traj.frameCount - 1})`, file, r.line || null);
    }
    if (r.timestep !== null) {
      const ts = traj.entry(r.frame).timestep;
      if (ts !== r.timestep) {
        throw new TagFileError(`${where(r)}: frame ${r.frame} is at timestep ${ts} in this trajectory but the file says ${r.timestep}; are these tags for another trajectory?`, file, r.line || null);
      }
    }
    const key = `${r.frame}/${r.source}`;
    const prev = seen.get(key);
    if (prev !== undefined) throw new TagFileError(`${where(r)}: a second ${r.source} tag for frame ${r.frame} (the first is on line ${prev})`, file, r.line || null);
    seen.set(key, r.line);
  }
  let inserted = 0, updated = 0;
  traj.db.transaction(() => {
    for (const r of rows) {
      const existing = traj.db.tagAt(traj.id, r.frame, r.source);
      if (existing) {
        const bracket = r.before !== null ? { before: r.before, after: r.after } : {};
        traj.updateTag(existing.id, { kind: r.kind, score: r.score, note: r.note, ...bracket, updatedAt: r.updatedAt ?? undefined });
        updated++;
      } else {
        traj.addTag({ frame: r.frame, kind: r.kind, source: r.source, score: r.score, note: r.note, before: r.before, after: r.after, createdAt: r.createdAt ?? undefined, updatedAt: r.updatedAt ?? undefined });
        inserted++;
      }
    }
  });
  return { inserted, updated, warnings };
}

/** Read a CSV or JSON tag file (format from the extension unless given) and merge it. */
export function importTagsFile(traj: IndexedTrajectory, file: string, format: TagFileFormat = formatFromFileName(file)): TagImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TagFileError(`${file}: cannot read the tag file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file, null);
  }
  return importTags(traj, file, text, format);
}
