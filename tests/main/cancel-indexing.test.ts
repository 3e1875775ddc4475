// Cancelling the open of a trajectory while it is indexed, on a real file slow enough to cancel (a gzip-compressed
// LAMMPS dump of 100 MB made with the project's writer; about a second to index): the open is reported as cancelled
// (the job 'cancelled', not 'failed') at once, the frames scanned so far stay in the index, opening the file again
// resumes from there and completes with every frame, and the service keeps answering while the worker indexes.
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../src/core/index/index-db.js';
import type { ApiEvent } from '../../src/shared/api.js';
import { WorkbenchService } from '../../src/main/service/service.js';
import { tmpDir, writeGlassDump } from './helpers.js';

const root = tmpDir('avw-cancel-index-');
const SIDE = 100;
const FRAMES = 300;
const big = join(root, 'big.lammpstrj.gz');

beforeAll(async () => {
  const plain = join(root, 'big.lammpstrj');
  writeGlassDump(plain, { side: SIDE, frames: FRAMES, seed: 5, noise: 0.01 });
  await pipeline(createReadStream(plain), createGzip({ level: 1 }), createWriteStream(big));
  rmSync(plain);
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** While `pending` runs, ask `call` again and again; how many answers came before it settled. */
async function answersWhile(pending: Promise<unknown>, call: () => Promise<unknown>): Promise<{ count: number }> {
  let settled = false;
  void pending.finally(() => (settled = true)).catch(() => undefined);
  let count = 0;
  while (!settled) {
    await call();
    if (!settled) count++;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { count };
}

describe('cancel while indexing', () => {
  it('reports the open as cancelled at once, keeps the frames scanned, and a second open resumes and completes while the service answers', async () => {
    const indexDir = join(root, 'index');
    const service = new WorkbenchService({ host: 'web', indexDir, appRoot: root });
    const events: ApiEvent[] = [];
    service.onEvent((e) => events.push(e));
    try {
      const progressed = (): boolean => events.some((e) => e.event === 'indexProgress' && e.data.frames > 0 && e.data.done < e.data.total);
      const opening = service.openTrajectory({ path: big });
      opening.catch(() => undefined);
      await until(progressed, 60_000, 'indexing progress');
      // Cancel as the UI does: find the running index job, cancel it.
      const job = (await service.listJobs()).jobs.find((j) => j.kind === 'index' && j.state === 'running');
      expect(job, 'the index job is still running').toBeDefined();
      const stopped = await service.cancelJob({ jobId: job!.id });
      expect(stopped).toMatchObject({ state: 'cancelled', error: null });
      await expect(opening).rejects.toThrow(`${big}: opening was cancelled (indexing stopped)`);
      expect((await service.recentFiles()).paths).toEqual([]);

      // The frames scanned before the cancel are kept, and the index knows the scan is incomplete.
      const peek = IndexDb.open({ indexDir });
      const partial = peek.trajectoryByPath(big)!;
      peek.close();
      expect(partial.complete).toBe(false);
      expect(partial.frameCount).toBeGreaterThan(0);
      expect(partial.frameCount).toBeLessThan(FRAMES);

      // Opening again resumes from the cursor and completes: every frame, in order, readable.
      const before = events.length;
      const reopening = service.openTrajectory({ path: big });
      // The worker indexes; this thread answers at once meanwhile.
      const answers = await answersWhile(reopening, () => service.listJobs());
      expect(answers.count, 'the service answered while the worker indexed').toBeGreaterThan(0);
      const info = await reopening;
      expect(info).toMatchObject({ frames: FRAMES, particles: SIDE * SIDE, dimensions: 2, damage: null, timesteps: [0, 100 * (FRAMES - 1)] });
      const last = await service.getFrame({ trajectoryId: info.id, frame: FRAMES - 1 });
      expect(last).toMatchObject({ timestep: 100 * (FRAMES - 1), n: SIDE * SIDE });
      const check = IndexDb.open({ indexDir });
      const steps = Array.from(check.frameTimesteps(info.id));
      check.close();
      expect(steps).toEqual(Array.from({ length: FRAMES }, (_, f) => 100 * f));
      const jobs = (await service.listJobs()).jobs.filter((j) => j.kind === 'index');
      expect(jobs.map((j) => [j.state, j.error])).toEqual([['cancelled', null], ['done', null]]);
      expect(jobs[1].message).toBe(`${FRAMES} frames (resumed)`);
      // Progress of the resumed scan counts the frames indexed in total, never fewer than were kept.
      const resumed = events.slice(before).filter((e) => e.event === 'indexProgress').map((e) => (e.data as { frames: number }).frames);
      expect(resumed.length).toBeGreaterThan(0);
      for (const f of resumed) expect(f).toBeGreaterThanOrEqual(partial.frameCount);
      expect((await service.recentFiles()).paths).toEqual([big]);
    } finally {
      service.close();
    }
  }, 300_000);
});
