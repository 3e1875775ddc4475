// Two processes on one index: the workbench service (in this process, its jobs in worker threads) edits tags and asks
// for fields while `avw detect`, `avw field` and `avw tags --import` run as processes on the same trajectory and the
// same index. Nobody sees "database is locked", and no write is lost: every tag edit the service acknowledged, every
// imported tag and every detector candidate is there at the end, in the index and in its tags journal.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../src/core/index/index-db.js';
import { TagJournal, TAG_JOURNAL_NAME } from '../../src/core/index/tag-journal.js';
import { WorkbenchService } from '../../src/main/service/service.js';
import { mulberry32 } from '../../src/core/util/random.js';
import { writeGlassDump } from '../main/helpers.js';
import { avw, report, ROOT, tmpDir, type RunResult } from './util.js';

const dir = tmpDir('avw-twoproc-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = 2;
const FRAMES = 16;

describe('the workbench and the CLI on one index', () => {
  it('no "database is locked", no lost write', async () => {
    const started = performance.now();
    const file = join(dir, 'glass.lammpstrj');
    writeGlassDump(file, { side: 30, frames: FRAMES, seed: 9, noise: 0.02, jumps: [10] });
    const indexDir = join(dir, 'index');
    const service = new WorkbenchService({ host: 'web', indexDir, appRoot: ROOT, maxAnalysisJobs: 1 });
    const runs: RunResult[] = [];
    let serviceOps = 0;
    const expected = new Map<number, string>(); // manual tags by frame: "kind: note"
    try {
      const info = await service.openTrajectory({ path: file });
      const id = info.id;
      const r = mulberry32(77);
      for (let round = 0; round < ROUNDS; round++) {
        // Imports write frames 8.. (the service edits frames 0..7): separate tags, so every write has one last writer.
        const tagsFile = join(dir, `tags-${round}.json`);
        const imported = [8, 9, 11, 12].map((frame) => ({ frame, kind: round % 2 ? 'uncertain' : 'avalanche', note: `imported in round ${round}` }));
        writeFileSync(tagsFile, JSON.stringify({ tags: imported }));
        for (const t of imported) expected.set(t.frame, `${t.kind}: ${t.note}`);
        const cli = [
          avw(['detect', file, '--json', '--index-dir', indexDir]),
          avw(['field', file, '--frame', String(3 + round), '--ref', String(2 + round), '--name', 'd2min', '--json', '--index-dir', indexDir]),
          avw(['tags', file, '--import', tagsFile, '--json', '--index-dir', indexDir]),
          avw(['field', file, '--frame', String(12 - round), '--ref', String(11 - round), '--name', 'displacement', '--json', '--index-dir', indexDir]),
        ];
        let cliDone = false;
        const all = Promise.all(cli).then((rs) => {
          cliDone = true;
          return rs;
        });
        // Meanwhile the workbench: tag edits as fast as they are answered, and fields from its own workers.
        const fields = [service.getField({ trajectoryId: id, frame: 6 + round, ref: 5 + round, name: 'd2min' })];
        while (!cliDone || serviceOps < (round + 1) * 40) {
          const frame = Math.floor(r() * 8);
          const { tags } = await service.listTags({ trajectoryId: id });
          const mine = tags.find((g) => g.frame === frame && g.source === 'manual');
          const kind = (['avalanche', 'uncertain', 'not-avalanche'] as const)[Math.floor(r() * 3)];
          const note = `service edit ${serviceOps}`;
          if (mine && r() < 0.25) {
            await service.deleteTag({ trajectoryId: id, tagId: mine.id });
            expected.delete(frame);
          } else if (mine) {
            await service.updateTag({ trajectoryId: id, tagId: mine.id, kind, note });
            expected.set(frame, `${kind}: ${note}`);
          } else {
            await service.addTag({ trajectoryId: id, frame, kind, note });
            expected.set(frame, `${kind}: ${note}`);
          }
          serviceOps++;
          // Let the event loop run (the children's output and exits, the workers' results), as between two clicks.
          await new Promise((res) => setImmediate(res));
          if (serviceOps % 15 === 0) fields.push(service.getField({ trajectoryId: id, frame: 1 + (serviceOps % (FRAMES - 1)), ref: serviceOps % (FRAMES - 1), name: 'displacement' }));
        }
        runs.push(...await all);
        for (const f of await Promise.all(fields)) expect(f.values.length).toBeGreaterThan(0);
      }
      for (const run of runs) {
        expect(run.stderr).not.toMatch(/locked|busy/i);
        expect(run.code, run.stderr).toBe(0);
      }
      const detected = runs.filter((x) => x.stdout.includes('"candidates"')).map((x) => JSON.parse(x.stdout) as { candidates: { frame: number }[] });
      const { tags } = await service.listTags({ trajectoryId: id });
      const manual = new Map(tags.filter((g) => g.source === 'manual').map((g) => [g.frame, `${g.kind}: ${g.note}`]));
      expect(manual).toEqual(expected);
      const detector = tags.filter((g) => g.source === 'detector').map((g) => g.frame).sort((a, b) => a - b);
      expect(detector).toEqual(detected.at(-1)!.candidates.map((c) => c.frame).sort((a, b) => a - b));
      expect(detector.length).toBeGreaterThan(0);
      // The journal agrees with the index.
      const journal = new TagJournal(join(indexDir, TAG_JOURNAL_NAME)).tagsFor(info.path);
      expect(journal.map((g) => `${g.frame} ${g.source} ${g.kind} ${g.note}`).sort()).toEqual(tags.map((g) => `${g.frame} ${g.source} ${g.kind} ${g.note}`).sort());
    } finally {
      service.close();
    }
    const db = IndexDb.open({ indexDir });
    try {
      expect(db.connection.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    report('two processes on one index', { 'CLI processes': runs.length, 'service tag edits': serviceOps, 'locked errors': 0, 'lost writes': 0 }, started);
  }, 300_000);
});
