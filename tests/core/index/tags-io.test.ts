import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openIndexed, type IndexedTrajectory } from '../../../src/core/index/indexed-trajectory.js';
import {
  exportTags, exportTagsFile, importTags, importTagsFile, parseCsvRecords, parseTagsCsv, parseTagsJson, tagsToCsv,
} from '../../../src/core/index/tags-io.js';
import { countingFactory, simpleFrames, tmpDir, writeDump } from './helpers.js';

const open: IndexedTrajectory[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

function trajectory(frames = 6): { t: IndexedTrajectory; dir: string } {
  const dir = tmpDir();
  mkdirSync(join(dir, 'data'));
  const file = join(dir, 'data', 'run.dump');
  writeDump(file, simpleFrames(frames, 2, 100));
  const t = openIndexed(file, { indexDir: join(dir, 'index'), openReader: countingFactory().factory });
  open.push(t);
  return { t, dir };
}

const NOTE = 'big one, "clear"\nsecond line';

describe('CSV', () => {
  it('parses RFC 4180 records with quotes, doubled quotes, CRLF and newlines inside quotes', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n\r\n3,,z';
    expect(parseCsvRecords(text, 'f.csv')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'two\nlines', ''] },
      { line: 6, fields: ['3', '', 'z'] },
    ]);
    expect(() => parseCsvRecords('a\n"open', 'f.csv')).toThrow('f.csv, line 2: a quoted field is never closed');
    expect(() => parseCsvRecords('a\nx"y', 'f.csv')).toThrow('f.csv, line 2: a quote inside an unquoted field');
  });

  it('exports with the documented header and quoting, and round-trips', () => {
    const { t } = trajectory();
    t.addTag({ frame: 2, kind: 'avalanche', note: NOTE });
    t.addTag({ frame: 4, kind: 'candidate', source: 'detector', score: 0.875 });
    const csv = exportTags(t, 'csv');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('frame,timestep,time,kind,source,score,before,after,note,created_at,updated_at');
    expect(lines[1]).toMatch(/^2,200,,avalanche,manual,,,,"big one, ""clear""\nsecond line",\d{4}-[^,]+Z,\d{4}-[^,]+Z$/);
    expect(lines[2]).toMatch(/^4,400,,candidate,detector,0\.875,,/);
    const rows = parseTagsCsv(csv, 'tags.csv');
    expect(rows.map((r) => [r.line, r.frame, r.timestep, r.kind, r.source, r.score, r.note])).toEqual([
      [2, 2, 200, 'avalanche', 'manual', null, NOTE],
      [4, 4, 400, 'candidate', 'detector', 0.875, ''],
    ]);
  });

  it('rejects bad rows naming the file and the line', () => {
    const head = 'frame,timestep,time,kind,source,score,note,created_at,updated_at\n';
    expect(() => parseTagsCsv(head + '1,100,,avalanche,manual,,ok,,\n2,200,,boom,manual,,,,\n', 'my.csv'))
      .toThrow('my.csv, line 3: kind "boom" is not one of avalanche, uncertain, not-avalanche, candidate');
    expect(() => parseTagsCsv(head + '1.5,100,,avalanche,manual,,,,\n', 'my.csv')).toThrow('my.csv, line 2: frame "1.5" is not an integer');
    expect(() => parseTagsCsv(head + '1,100,,avalanche,robot,,,,\n', 'my.csv')).toThrow('my.csv, line 2: source "robot" is not one of manual, detector');
    expect(() => parseTagsCsv(head + '1,100,,avalanche,manual,high,,,\n', 'my.csv')).toThrow('my.csv, line 2: score "high" is not a number');
    expect(() => parseTagsCsv(head + '1,100,,avalanche,manual,,a,b,,\n', 'my.csv')).toThrow('my.csv, line 2: 10 fields; expected 9');
    expect(() => parseTagsCsv(head + '1,100,,avalanche,manual,,,yesterday,\n', 'my.csv')).toThrow('my.csv, line 2: created_at "yesterday" is not a date');
    expect(() => parseTagsCsv('frame,kind,colour\n', 'my.csv')).toThrow('my.csv, line 1: unknown column(s) "colour"');
    // A minimal file: frame and kind only.
    expect(parseTagsCsv('frame,kind\n3,uncertain\n', 'min.csv')).toMatchObject([{ line: 2, frame: 3, kind: 'uncertain', source: 'manual', score: null, note: '' }]);
  });

  it('quotes only what needs quoting', () => {
    expect(tagsToCsv([{ frame: 1, timestep: 10, time: 0.5, kind: 'avalanche', source: 'manual', score: null, before: null, after: null, note: 'plain', created_at: 'c', updated_at: 'u' }]))
      .toBe('frame,timestep,time,kind,source,score,before,after,note,created_at,updated_at\r\n1,10,0.5,avalanche,manual,,,,plain,c,u\r\n');
  });

  it('carries the event bracket through export and import, and checks it', () => {
    const { t } = trajectory();
    t.addTag({ frame: 4, kind: 'candidate', source: 'detector', score: 12.5, before: 3, after: 4 });
    const csv = exportTags(t, 'csv');
    expect(csv.split('\r\n')[1]).toMatch(/^4,400,,candidate,detector,12\.5,3,4,,/);
    const rows = parseTagsCsv(csv, 'tags.csv');
    expect([rows[0]!.before, rows[0]!.after]).toEqual([3, 4]);
    const json = exportTags(t, 'json');
    t.deleteTag(t.listTags()[0]!.id);
    importTags(t, 'tags.json', json);
    expect(t.listTags().map((g) => [g.frame, g.before, g.after])).toEqual([[4, 3, 4]]);
    const head = 'frame,kind,before,after\n';
    expect(() => parseTagsCsv(head + '4,avalanche,5,6\n', 'b.csv')).toThrow('b.csv, line 2: the bracket 5..6 does not contain frame 4');
    expect(() => parseTagsCsv(head + '4,avalanche,3,\n', 'b.csv')).toThrow('b.csv, line 2: give both before and after');
  });
});

describe('JSON', () => {
  it('exports {trajectory, tags} and names the line of a bad tag', () => {
    const { t } = trajectory();
    t.addTag({ frame: 1, kind: 'uncertain', note: NOTE });
    t.addTag({ frame: 3, kind: 'avalanche' });
    const json = exportTags(t, 'json');
    const doc = JSON.parse(json);
    expect(doc.trajectory).toEqual({ path: t.path, fingerprint: t.fingerprint });
    expect(doc.tags.map((x: { frame: number; timestep: number; note: string }) => [x.frame, x.timestep, x.note])).toEqual([[1, 100, NOTE], [3, 300, '']]);
    const parsed = parseTagsJson(json, 'tags.json');
    expect(parsed.rows.map((r) => [r.line, r.frame, r.kind])).toEqual([[4, 1, 'uncertain'], [5, 3, 'avalanche']]);
    const bad = json.replace('"kind":"avalanche"', '"kind":"avalanch"');
    expect(() => parseTagsJson(bad, 'tags.json')).toThrow('tags.json, line 5 (tags[1]): kind "avalanch" is not one of');
    const multi = '{\n  "tags": [\n    {"frame": 0, "kind": "avalanche"},\n    {\n      "frame": -2,\n      "kind": "avalanche"\n    }\n  ]\n}\n';
    expect(() => parseTagsJson(multi, 'm.json')).toThrow('m.json, line 4 (tags[1]): frame is missing or negative');
    expect(() => parseTagsJson('{"tags": [', 'x.json')).toThrow(/x\.json: not valid JSON/);
    expect(() => parseTagsJson('{"labels": []}', 'x.json')).toThrow('x.json: no "tags" array');
  });
});

describe('import', () => {
  it('merges: same frame and source updates, anything else is inserted; all or nothing', () => {
    const { t, dir } = trajectory();
    const manual = t.addTag({ frame: 1, kind: 'candidate', note: 'look again' });
    t.addTag({ frame: 2, kind: 'candidate', source: 'detector', score: 0.2 });
    const csv = [
      'frame,timestep,kind,source,score,note,created_at,updated_at',
      '1,100,avalanche,manual,,"confirmed, clearly",,2030-01-02T03:04:05Z',
      '1,100,candidate,detector,0.9,,2029-12-31T00:00:00Z,',
      '5,,not-avalanche,manual,,,,',
    ].join('\n');
    const r = importTags(t, 'in.csv', csv);
    expect(r).toEqual({ inserted: 2, updated: 1, warnings: [] });
    const tags = t.listTags();
    expect(tags.map((x) => [x.frame, x.source, x.kind, x.score, x.note])).toEqual([
      [1, 'detector', 'candidate', 0.9, ''],
      [1, 'manual', 'avalanche', null, 'confirmed, clearly'],
      [2, 'detector', 'candidate', 0.2, ''],
      [5, 'manual', 'not-avalanche', null, ''],
    ]);
    const updated = tags.find((x) => x.id === manual.id)!;
    expect(updated.createdAt).toBe(manual.createdAt);
    expect(updated.updatedAt).toBe('2030-01-02T03:04:05.000Z');
    expect(tags[0].createdAt).toBe('2029-12-31T00:00:00.000Z');

    // Errors are found before anything is written.
    const before = JSON.stringify(t.listTags());
    expect(() => importTags(t, 'bad.csv', 'frame,kind,note\n0,avalanche,fine\n9,avalanche,\n'))
      .toThrow('bad.csv, line 3: frame 9 does not exist; the trajectory has 6 frames (0..5)');
    expect(() => importTags(t, 'bad.csv', 'frame,timestep,kind\n0,0,avalanche\n2,250,avalanche\n'))
      .toThrow('bad.csv, line 3: frame 2 is at timestep 200 in this trajectory but the file says 250');
    expect(() => importTags(t, 'bad.csv', 'frame,kind\n0,avalanche\n0,uncertain\n'))
      .toThrow('bad.csv, line 3: a second manual tag for frame 0 (the first is on line 2)');
    expect(JSON.stringify(t.listTags())).toBe(before);

    // Files: export and re-import is a no-op update; the format comes from the extension.
    const out = join(dir, 'tags.json');
    exportTagsFile(t, out);
    expect(readFileSync(out, 'utf8')).toContain('"fingerprint"');
    expect(importTagsFile(t, out)).toEqual({ inserted: 0, updated: 4, warnings: [] });
    expect(JSON.stringify(t.listTags())).toBe(before);
    writeFileSync(join(dir, 'tags.txt'), '');
    expect(() => importTagsFile(t, join(dir, 'tags.txt'))).toThrow(/expected \.csv or \.json/);
    expect(() => importTagsFile(t, join(dir, 'nope.csv'))).toThrow(/nope\.csv: cannot read the tag file \(ENOENT\)/);
  });

  it('imports tags exported from another copy of the trajectory, with a warning', () => {
    const a = trajectory();
    a.t.addTag({ frame: 3, kind: 'avalanche', note: 'from a' });
    const json = exportTags(a.t, 'json').replace(/"fingerprint":"[^"]+"/, '"fingerprint":"other"');
    const b = trajectory();
    const r = importTags(b.t, 'a.json', json);
    expect(r.inserted).toBe(1);
    expect(r.warnings[0]).toMatch(/different fingerprint/);
    expect(b.t.listTags()[0]).toMatchObject({ frame: 3, kind: 'avalanche', note: 'from a' });
  });
});
