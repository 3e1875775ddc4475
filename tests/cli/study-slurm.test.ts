// A study through a real one-node SLURM cluster (slurm-cluster.ts): `avw study run --scheduler slurm` submits one job
// array, every run runs as its own array task (the run's status file records SLURM's task variables), `avw study status`
// follows the tasks through squeue and the runs' files, a failed task is resubmitted alone, and `avw study collect`
// gives the same numbers as the local scheduler. The daemons are stopped whatever happens. Skipped (with the reason)
// where SLURM cannot run; under CI=true a missing SLURM fails instead.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../src/core/index/index-db.js';
import { slurmAvailable, startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';
import { runAvw } from './run-avw.js';

const work = mkdtempSync(join(tmpdir(), 'avw-study-slurm-'));
let cluster: SlurmCluster | null = null;
afterAll(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

 
const avw = (env: NodeJS.ProcessEnv, ...args: string[]) => runAvw(args, { env });

const STUDY = {
  name: 'tiny', simulate: 'thermal',
  parameters: { n: 48, rho: 0.9, Tp: 0.5, equil: 1000, tw: 500, B: 2048, ncfg: 7, blocks: 2 },
  temperatures: [0.3, 0.6], seeds: [1, 2], analyses: ['msd', 'detect', 'fs'],
};

/** Everything collect put in a study's index, by run folder: frames, series values, tags. */
function collected(indexDir: string): Record<string, unknown> {
  const db = IndexDb.open({ indexDir });
  try {
    const out: Record<string, unknown> = {};
    for (const t of db.listTrajectories()) {
      const run = t.path.split('/').slice(-2, -1)[0]!;
      out[run] = {
        frames: t.frameCount,
        timesteps: Array.from(db.frameTimesteps(t.id)),
        series: db.listSeries(t.id).map((s) => [s.name, s.params, Array.from(db.getSeries(t.id, s.name, s.paramsHash)!.values)]),
        tags: db.listTags(t.id).map((g) => [g.frame, g.kind, g.source, g.score, g.before, g.after]),
      };
    }
    return out;
  } finally {
    db.close();
  }
}

const available = slurmAvailable();
if (!available.ok) {
  if (process.env.CI === 'true') {
    describe('avw study through SLURM', () => {
      it('needs SLURM and munge under CI', () => {
        throw new Error(`CI=true but the SLURM test cannot run: ${available.reason}. .ci/run installs slurm-wlm and munge.`);
      });
    });
  } else {
    console.warn(`study-slurm.test.ts: skipped: ${available.reason}`);
    describe.skip(`avw study through SLURM (skipped: ${available.reason})`, () => {
      it('runs a study as a job array', () => undefined);
    });
  }
} else {
  describe('avw study through SLURM', () => {
    it('runs every run as an array task, resubmits a failed task alone, and collects the same numbers as the local scheduler', async () => {
      const t0 = Date.now();
      cluster = await startSlurmCluster();
      const env = cluster.env;
      const dir = join(work, 'slurm');
      mkdirSync(dir);
      const file = join(dir, 'tiny.json');
      writeFileSync(file, JSON.stringify(STUDY));
      // Run 1 cannot start: a sidecar of other parameters sits in its folder (a task that fails).
      mkdirSync(join(dir, 'tiny', 'T0.3-s2'), { recursive: true });
      writeFileSync(join(dir, 'tiny', 'T0.3-s2', 'run.gsd.json'), JSON.stringify({ status: 'complete', parameters: { kind: 'thermal', seed: -1 } }));

      const sub = avw(env, 'study', 'run', file, '--scheduler', 'slurm', '--sbatch-arg=--time=00:05:00', '--json');
      expect(sub.status, sub.stderr).toBe(0);
      expect(sub.json.submitted).toEqual([0, 1, 2, 3]);
      const jobId = sub.json.jobId as string;
      const script = readFileSync(sub.json.script, 'utf8');
      expect(script).toMatch(/^#SBATCH --array=0-3$/m);
      expect(script).toMatch(/^#SBATCH --time=/m);
      expect(script).toMatch(/^#SBATCH --mem=\d+M/m);

      const waitAll = async (until: (s: { done: number; failed: number }) => boolean): Promise<{ done: number; failed: number; runs: { id: number; state: string; jobId: string }[] }> => {
        for (;;) {
          const st = avw(env, 'study', 'status', file, '--json');
          expect(st.status, st.stderr).toBe(0);
          if (until(st.json)) return st.json;
          if (Date.now() - t0 > 100_000) throw new Error(`the study did not finish in time: ${st.stdout}\n${cluster!.logs()}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      };
      const first = await waitAll((s) => s.done + s.failed === 4);
      expect(first.done, JSON.stringify(first)).toBe(3);
      expect(first.failed).toBe(1);
      expect(first.runs.map((r) => [r.id, r.state, r.jobId])).toEqual([
        [0, 'done', `${jobId}_0`], [1, 'failed', `${jobId}_1`], [2, 'done', `${jobId}_2`], [3, 'done', `${jobId}_3`],
      ]);
      // Every run ran as its own array task of that job.
      for (const id of [0, 2, 3]) {
        const name = ['T0.3-s1', 'T0.3-s2', 'T0.6-s1', 'T0.6-s2'][id]!;
        const s = JSON.parse(readFileSync(join(dir, 'tiny', name, 'status.json'), 'utf8'));
        expect(s.scheduler).toBe('slurm');
        expect(s.slurm).toMatchObject({ jobId: `${jobId}_${id}`, arrayJobId: jobId, arrayTaskId: id });
        expect(s.slurm.taskJobId).toMatch(/^\d+$/);
      }
      // The failed task alone, resubmitted once its cause is gone.
      rmSync(join(dir, 'tiny', 'T0.3-s2', 'run.gsd.json'));
      const again = avw(env, 'study', 'run', file, '--scheduler', 'slurm', '--json');
      expect(again.status, again.stderr).toBe(0);
      expect(again.json.submitted).toEqual([1]);
      const job2 = again.json.jobId as string;
      const second = await waitAll((s) => s.done + s.failed === 4);
      expect(second.done, JSON.stringify(second)).toBe(4);
      expect(second.runs[1]!.jobId).toBe(`${job2}_1`);
      expect(JSON.parse(readFileSync(join(dir, 'tiny', 'T0.3-s2', 'status.json'), 'utf8')).slurm).toMatchObject({ arrayJobId: job2, arrayTaskId: 1 });
      // Nothing left to submit.
      expect(avw(env, 'study', 'run', file, '--scheduler', 'slurm', '--json').json.submitted).toEqual([]);

      const col = avw(env, 'study', 'collect', file, '--json');
      expect(col.status, col.stderr).toBe(0);
      expect(col.json.merged).toBe(4);

      // The same study with the local scheduler, in another folder: the same numbers, bit for bit.
      const local = join(work, 'local');
      mkdirSync(local);
      copyFileSync(file, join(local, 'tiny.json'));
      const run = avw(process.env, 'study', 'run', join(local, 'tiny.json'), '--scheduler', 'local', '--max-parallel', '2', '--json');
      expect(run.status, run.stderr).toBe(0);
      expect(run.json.done).toEqual([0, 1, 2, 3]);
      expect(avw(process.env, 'study', 'collect', join(local, 'tiny.json'), '--json').status).toBe(0);
      const a = collected(join(dir, 'tiny', 'index'));
      const b = collected(join(local, 'tiny', 'index'));
      expect(Object.keys(a).sort()).toEqual(['T0.3-s1', 'T0.3-s2', 'T0.6-s1', 'T0.6-s2']);
      expect(a).toEqual(b);
      const ensembleA = avw(process.env, 'series', '--study', file, '--name', 'msd', '--by', 'T', '--json');
      const ensembleB = avw(process.env, 'series', '--study', join(local, 'tiny.json'), '--name', 'msd', '--by', 'T', '--json');
      expect(ensembleA.status, ensembleA.stderr).toBe(0);
      expect(ensembleA.json.groups).toEqual(ensembleB.json.groups);
    }, 118_000);
  });
}
