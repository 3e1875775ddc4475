// The kill -9 matrix: a child process is killed with SIGKILL in the middle of indexing, of field-cache writes, of tag
// edits, of a simulation, of a minimisation and of a figure write, each at three moments drawn from a fixed seed.
// Afterwards: the index reopens clean (integrity check) and resumes; nothing half-written is ever served (a cached
// field has its length and its values, a figure file is complete or absent); no acknowledged tag edit is lost (nor
// its journal line); a simulation and a minimisation resume to the uninterrupted run's file, byte for byte.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../src/core/index/index-db.js';
import { openIndexed } from '../../src/core/index/indexed-trajectory.js';
import { TagJournal, TAG_JOURNAL_NAME } from '../../src/core/index/tag-journal.js';
import { runInProcess } from '../../src/core/jobs/job.js';
import { fieldJob, type FieldResult } from '../../src/core/jobs/field-job.js';
import { minimizeJob } from '../../src/core/jobs/minimize-job.js';
import { simulateJob } from '../../src/core/jobs/simulate-job.js';
import { gsdFrameCount } from '../../src/core/jobs/simulate-output.js';
import { mulberry32 } from '../../src/core/util/random.js';
import { writeGlassDump } from '../main/helpers.js';
import { avw, CHILD, CLI, report, runNode, tmpDir, waitUntil, type RunResult } from './util.js';

const dir = tmpDir('avw-killmatrix-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KILLS_PER_OPERATION = 3;
const moments = mulberry32(20_251_207);
const tally = { runs: 0, kills: 0, finishedFirst: 0, resumed: 0, checks: 0 };
/** Per operation: SIGKILLs that landed mid-operation / child runs. */
const byOperation = new Map<string, [number, number]>();
let operation = '';
const count = (killed: number, runs: number): void => {
  const [k, r] = byOperation.get(operation) ?? [0, 0];
  byOperation.set(operation, [k + killed, r + runs]);
};
const started = performance.now();
afterAll(() => report('kill -9 matrix', {
  'child runs': tally.runs, 'SIGKILLs mid-operation': tally.kills, 'finished before the kill': tally.finishedFirst,
  'resumes': tally.resumed, 'checks after a kill': tally.checks, lost: 0,
  'kills per operation': [...byOperation].map(([op, [k, r]]) => `${op} ${k}/${r}`).join(', '),
}, started));

/**
 * Run `node --import tsx SCRIPT ARGS` and SIGKILL it `delayMs` after `armed(stdout)` first holds (or, with a poll,
 * after `poll()` first holds). Returns the run; counts whether the kill landed before the child finished.
 */
async function killDuring(script: string, args: string[], delayMs: number, trigger: { stdout?: RegExp; poll?: () => boolean }): Promise<RunResult> {
  tally.runs++;
  let armed = false;
  const arm = (child: import('node:child_process').ChildProcess): void => {
    if (armed) return;
    armed = true;
    setTimeout(() => child.kill('SIGKILL'), delayMs);
  };
  const r = await runNode(script, args, {
    timeoutMs: 120_000,
    onStdout: (text, child) => { if (trigger.stdout?.test(text)) arm(child); },
    onStart: (child) => {
      if (!trigger.poll) return;
      void waitUntil(() => child.exitCode !== null || trigger.poll!(), 'the child to start its work', 120_000).then(() => arm(child), () => undefined);
    },
  });
  if (r.timedOut) throw new Error(`${script} ${args.join(' ')}: hung (stderr: ${r.stderr})`);
  count(r.signal === 'SIGKILL' ? 1 : 0, 1);
  if (r.signal === 'SIGKILL') tally.kills++;
  else {
    tally.finishedFirst++;
    if (r.code !== 0) throw new Error(`${script} ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  }
  return r;
}

/** Complete frames in a GSD file being written (0 while it cannot be read yet). */
function framesIn(path: string): number {
  try {
    return existsSync(path) ? gsdFrameCount(path) : 0;
  } catch {
    return 0;
  }
}

/** A kill that landed after the run had finished its work (its checkpoint removed, the sidecar complete) is no mid-run kill. */
function landedAfterTheEnd(r: RunResult, out: string): boolean {
  if (!r.signal || existsSync(`${out}.checkpoint`)) return false;
  expect(JSON.parse(readFileSync(`${out}.json`, 'utf8')).status).toBe('complete');
  tally.kills--;
  tally.finishedFirst++;
  count(-1, 0);
  return true;
}

/** The index is sound: SQLite's integrity check, and every trajectory's frames contiguous and matching its cursor. */
function checkIndex(indexDir: string): void {
  const db = IndexDb.open({ indexDir });
  try {
    expect(db.warnings).toEqual([]);
    expect(db.connection.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const t of db.listTrajectories()) {
      const agg = db.connection.prepare('SELECT count(*) AS n, min(idx) AS lo, max(idx) AS hi, sum(length) AS bytes FROM frames WHERE trajectory_id = ?').get(t.id) as
        { n: number; lo: number | null; hi: number | null; bytes: number | null };
      expect(agg.n).toBe(t.frameCount);
      if (t.frameCount > 0) expect(agg).toMatchObject({ lo: 0, hi: t.frameCount - 1 });
      if (t.format === 'lammps-dump' && t.frameCount > 0) expect(agg.bytes).toBe(t.endOffset);
    }
  } finally {
    db.close();
  }
  tally.checks++;
}

describe('kill -9 matrix', () => {
  const glass = join(dir, 'glass.lammpstrj');
  const GLASS_FRAMES = 10;
  beforeAll(() => {
    writeGlassDump(glass, { side: 30, frames: GLASS_FRAMES, seed: 3, noise: 0.04, jumps: [6] });
  });

  it('while indexing: the index reopens clean with whole batches, and resumes to every frame', async () => {
    operation = 'indexing';
    const file = join(dir, 'long.lammpstrj');
    const FRAMES = 150_000; // ~20 MB of two-particle frames: two 16 MB scan batches
    const fd = openSync(file, 'w');
    for (let f0 = 0; f0 < FRAMES; f0 += 10_000) {
      let part = '';
      for (let f = f0; f < f0 + 10_000; f++) part += `ITEM: TIMESTEP\n${f}\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n0 10\nITEM: ATOMS id type x y z\n1 1 ${(f % 1000) * 0.01} 1 2\n2 1 5 5 5\n`;
      writeSync(fd, part);
    }
    closeSync(fd);
    for (let k = 0; k < KILLS_PER_OPERATION; k++) {
      const indexDir = join(dir, `index-scan-${k}`);
      await killDuring(CHILD, ['index', file, indexDir], Math.floor(moments() * 700), { stdout: /^go$/m });
      checkIndex(indexDir);
      const t = openIndexed(file, { indexDir });
      try {
        expect(t.frameCount).toBe(FRAMES);
        expect(t.damage).toBeNull();
        const ts = t.timesteps();
        expect(ts[FRAMES - 1]).toBe(FRAMES - 1);
        expect(Array.from(t.readFrame(113_457).positions)).toEqual([4.57, 1, 2, 5, 5, 5]);
        if (t.outcome === 'resumed') tally.resumed++;
      } finally {
        t.close();
      }
    }
  }, 300_000);

  it('while caching fields: every cached field has its full length and the right values', async () => {
    operation = 'field cache';
    const refDir = join(dir, 'index-fields-ref');
    const want = new Map<number, Buffer>();
    for (let f = 1; f < GLASS_FRAMES; f++) {
      const r = await runInProcess(fieldJob, { path: glass, indexDir: refDir, name: 'd2min', frame: f, ref: f - 1, params: { cutoff: 2 } }) as FieldResult;
      want.set(f, Buffer.from(Float32Array.from(r.values).buffer));
    }
    for (let k = 0; k < KILLS_PER_OPERATION; k++) {
      const indexDir = join(dir, `index-fields-${k}`);
      openIndexed(glass, { indexDir }).close();
      const r = await killDuring(CHILD, ['fields', glass, indexDir, String(GLASS_FRAMES - 1)], 150 + Math.floor(moments() * 900), { stdout: /^go$/m });
      checkIndex(indexDir);
      const acknowledged = [...r.stdout.matchAll(/^field (\d+)$/gm)].map((m) => Number(m[1]));
      const t = openIndexed(glass, { indexDir });
      try {
        const rows = t.db.listFields(t.id).filter((x) => x.field === 'd2min');
        for (const f of acknowledged) expect(rows.some((x) => x.frame === f)).toBe(true);
        for (const row of rows) {
          const cached = t.db.getFieldBytes(t.id, row.frame, row.refFrame, row.field, row.paramsHash)!;
          expect(cached.n).toBe(900);
          expect(cached.data.byteLength).toBe(900 * 4);
          expect(row.byteSize).toBe(900 * 4);
          expect(Buffer.from(cached.data).equals(want.get(row.frame)!)).toBe(true);
        }
      } finally {
        t.close();
      }
      // And the rest is computed and served as if nothing had happened.
      const last = await runInProcess(fieldJob, { path: glass, indexDir, name: 'd2min', frame: GLASS_FRAMES - 1, ref: GLASS_FRAMES - 2, params: { cutoff: 2 } }) as FieldResult;
      expect(Buffer.from(Float32Array.from(last.values).buffer).equals(want.get(GLASS_FRAMES - 1)!)).toBe(true);
    }
  }, 300_000);

  it('while editing tags: no acknowledged edit is lost, in the index or its journal', async () => {
    operation = 'tag edits';
    for (let k = 0; k < KILLS_PER_OPERATION; k++) {
      const indexDir = join(dir, `index-tags-${k}`);
      openIndexed(glass, { indexDir }).close();
      const r = await killDuring(CHILD, ['tags', glass, indexDir, String(100 + k), '3000'], 50 + Math.floor(moments() * 600), { stdout: /^go$/m });
      checkIndex(indexDir);
      // The tags every acknowledged edit leaves; the edit under way when the child was killed (begun, not
      // acknowledged) may or may not have committed, in the index and in the journal.
      type State = Map<number, string>;
      const fold = (ops: { op: string; frame: number; kind?: string; note?: string }[]): State => {
        const m: State = new Map();
        for (const op of ops) {
          if (op.op === 'delete') m.delete(op.frame);
          else m.set(op.frame, `${op.kind}: ${op.note}`);
        }
        return m;
      };
      const acked = [...r.stdout.matchAll(/^op (.*)$/gm)].map((m) => JSON.parse(m[1]));
      const begun = [...r.stdout.matchAll(/^begin (.*)$/gm)].map((m) => JSON.parse(m[1]));
      const inFlight = begun.length > acked.length ? [begun[begun.length - 1]] : [];
      const allowed = [fold(acked), fold([...acked, ...inFlight])];
      const same = (a: State, b: State) => a.size === b.size && [...a].every(([f, v]) => b.get(f) === v);
      const t = openIndexed(glass, { indexDir });
      let inIndex: State, inJournal: State;
      try {
        inIndex = new Map(t.listTags().map((g) => [g.frame, `${g.kind}: ${g.note}`]));
        inJournal = new Map(new TagJournal(join(indexDir, TAG_JOURNAL_NAME)).tagsFor(t.path).map((g) => [g.frame, `${g.kind}: ${g.note}`]));
      } finally {
        t.close();
      }
      expect(acked.length).toBeGreaterThan(0);
      expect(allowed.some((a) => same(a, inIndex)), 'the index holds every acknowledged tag edit').toBe(true);
      expect(allowed.some((a) => same(a, inJournal)), 'the journal holds every acknowledged tag edit').toBe(true);
      // The index lost: the journal brings the tags back.
      rmSync(join(indexDir, 'index.sqlite'));
      const again = openIndexed(glass, { indexDir });
      try {
        expect(same(new Map(again.listTags().map((g) => [g.frame, `${g.kind}: ${g.note}`])), inJournal)).toBe(true);
      } finally {
        again.close();
      }
      tally.checks++;
    }
  }, 300_000);

  describe('simulation and minimisation resume byte for byte', () => {
    const SIM = {
      kind: 'thermal', seed: 7, start: { kind: 'random', n: 400 }, T: 0.4, Tp: 0.5, equilSteps: 1000, twSteps: 0,
      schedule: { kind: 'linear', every: 300, frames: 24 }, checkpointEvery: 2, index: false,
    };
    const SIM_ARGS = ['simulate', 'thermal', '--n', '400', '--T', '0.4', '--Tp', '0.5', '--equil', '1000', '--tw', '0', '--every', '300', '--frames', '24', '--seed', '7', '--checkpoint-every', '2'];
    const ref = join(dir, 'ref.gsd');
    const refIs = join(dir, 'ref.is.gsd');
    // How long the uninterrupted runs take here: the kill lands within a frame's time of a frame drawn at random.
    let simMs = 0, minMs = 0;
    beforeAll(async () => {
      let t0 = performance.now();
      await runInProcess(simulateJob, { ...SIM, out: ref });
      simMs = performance.now() - t0;
      t0 = performance.now();
      await runInProcess(minimizeJob, { path: ref, out: refIs, indexDir: join(dir, 'index-min-ref') });
      minMs = performance.now() - t0;
    }, 120_000);

    it('a simulation killed at three moments resumes to the uninterrupted trajectory', async () => {
      operation = 'simulation';
      for (let k = 0; k < KILLS_PER_OPERATION; k++) {
        const out = join(dir, `sim-${k}.gsd`);
        const indexDir = join(dir, `index-sim-${k}`);
        // Once the trajectory has reached a frame drawn at random (past the first checkpoint), within a frame's time.
        const at = 3 + Math.floor(moments() * 19);
        const r = await killDuring(CLI, [...SIM_ARGS, '--out', out, '--index-dir', indexDir], Math.floor(moments() * simMs / 24), { poll: () => framesIn(out) >= at });
        if (r.signal && !landedAfterTheEnd(r, out)) {
          await runInProcess(simulateJob, { ...SIM, out, resume: true });
          tally.resumed++;
        }
        expect(readFileSync(out).equals(readFileSync(ref)), `${out} differs from ${ref}`).toBe(true);
        expect(existsSync(`${out}.checkpoint`)).toBe(false);
        tally.checks++;
      }
    }, 300_000);

    it('a minimisation killed at three moments resumes (avw minimize --resume) to the uninterrupted file', async () => {
      operation = 'minimisation';
      for (let k = 0; k < KILLS_PER_OPERATION; k++) {
        const out = join(dir, `min-${k}.is.gsd`);
        const indexDir = join(dir, `index-min-${k}`);
        const args = ['minimize', ref, '--out', out, '--index-dir', indexDir];
        const at = 1 + Math.floor(moments() * 21);
        const r = await killDuring(CLI, args, Math.floor(moments() * minMs / 24), { poll: () => framesIn(out) >= at });
        if (landedAfterTheEnd(r, out)) {
          // Nothing to resume: the file is whole (checked below).
        } else if (r.signal && k === 0) {
          // As a user does it; the other resumes run the same job in this process (no second process start-up).
          const again = await avw([...args, '--resume', '--json']);
          expect(again.stderr).toBe('');
          expect(again.code).toBe(0);
          expect(JSON.parse(again.stdout)).toMatchObject({ resumed: true, frames: 24 });
          tally.resumed++;
        } else if (r.signal) {
          await runInProcess(minimizeJob, { path: ref, out, indexDir, resume: true });
          tally.resumed++;
        }
        expect(readFileSync(out).equals(readFileSync(refIs)), `${out} differs from ${refIs}`).toBe(true);
        tally.checks++;
      }
    }, 300_000);
  });

  it('while writing a figure: the figure, its data and its spec are each complete or absent', async () => {
    operation = 'figure';
    const spec = (out: string, indexDir: string) => ['figure', glass, '--kind', 'fields', '--frame', '6', '--field', 'displacement', '--out', out, '--dpi', '300', '--index-dir', indexDir];
    const refPng = join(dir, 'fig-ref.png');
    const whole = await avw(spec(refPng, join(dir, 'index-fig-ref')));
    expect(whole.stderr).toBe('');
    expect(whole.code).toBe(0);
    const refCsv = readFileSync(join(dir, 'fig-ref.csv'));
    for (let k = 0; k < KILLS_PER_OPERATION; k++) {
      const out = join(dir, `fig-${k}.png`);
      const indexDir = join(dir, `index-fig-${k}`);
      // From half the uninterrupted run's time on: while the fields are computed and the image drawn and written.
      await killDuring(CLI, spec(out, indexDir), Math.floor(whole.ms * (0.5 + 0.5 * moments())), { poll: () => true });
      if (existsSync(out)) expect(readFileSync(out).equals(readFileSync(refPng)), `${out} is not the whole figure`).toBe(true);
      const csv = join(dir, `fig-${k}.csv`);
      if (existsSync(csv)) expect(readFileSync(csv).equals(refCsv)).toBe(true);
      const side = join(dir, `fig-${k}.json`);
      if (existsSync(side)) expect(JSON.parse(readFileSync(side, 'utf8')).output.path).toMatch(/fig-\d\.png$/);
      checkIndex(indexDir);
      tally.checks++;
    }
    // Temporary files of killed writers are the only leftovers, and never carry a figure's name.
    expect(readdirSync(dir).filter((f) => /^fig-\d\.(png|csv|json)$/.test(f)).every((f) => !f.includes('tmp'))).toBe(true);
    writeFileSync(join(dir, 'done'), '');
  }, 300_000);
});
