// The workbench's study methods against small studies: synthetic finished runs (tests/core/study/synthetic.ts: answers
// known by construction) for opening, the runs' rows, opening a run through its shard with its tags kept equal in the
// workbench's and the study's index, collect and the ensemble figures; a tiny real study run here through `avw study
// exec` processes (progress as 'study' events, cancel, then resumed); a SLURM submission through stand-in sbatch,
// squeue and sacct on PATH (the array, the extra options, the task ids in the rows).
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexDb } from '../../src/core/index/index-db.js';
import { realOut } from '../../src/core/study/collect.js';
import { planStudy, type StudyPlan } from '../../src/core/study/plan.js';
import { loadStudy } from '../../src/core/study/study-file.js';
import { RUN_STATES } from '../../src/core/study/run-status.js';
import { STUDY_FIGURE_KINDS as CORE_STUDY_KINDS } from '../../src/core/study/study-figure.js';
import { MOMENTS } from '../../src/core/study/events.js';
import { resolveField } from '../../src/core/fields/field.js';
import { runInWorker } from '../../src/core/jobs/worker-runner.js';
import { mulberry32 } from '../../src/core/util/random.js';
import { WorkbenchService, type JobRunner } from '../../src/main/service/service.js';
import { avwArgv, defaultAvwCommand } from '../../src/main/service/studies.js';
import {
  STUDY_FIGURE_KINDS, STUDY_MOMENTS, STUDY_RUN_STATES, type ApiEvent, type JobSnapshot, type StudyProgress, type StudyRunRow,
} from '../../src/shared/api.js';
import { writeSyntheticRun } from '../core/study/synthetic.js';
import { tmpDir } from './helpers.js';

const root = tmpDir('avw-study-service-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const repo = join(import.meta.dirname, '../..');
/** The avw of this checkout from its sources (the service's default is the built CLI). */
const AVW = { command: [process.execPath, '--import', 'tsx', join(repo, 'src/cli/main.ts')] };

function makeService(name: string) {
  const jobs: string[] = [];
  const events: ApiEvent[] = [];
  const runJob: JobRunner = (kind, params, options) => {
    jobs.push(`${kind}:${(params as { op?: string }).op ?? ''}`);
    return runInWorker(kind, params, options);
  };
  const indexDir = join(root, `index-${name}`);
  const service = new WorkbenchService({ host: 'web', indexDir, appRoot: root, runJob, poolSize: 1, avw: AVW });
  service.onEvent((e) => events.push(e));
  return { service, jobs, events, indexDir };
}

function writeStudy(name: string, body: Record<string, unknown>): string {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, simulate: 'thermal', ...body }));
  return file;
}

/** Runs 0..done-1 of the study written as finished synthetic runs: particles drifting at a speed set by T and seed,
 * a detector candidate at frame 3 and a person's avalanche tag at frame 2 in every run, d2min cached at frame 3. */
function syntheticStudy(name: string, done: number): StudyPlan {
  const file = writeStudy(name, { temperatures: [0.3, 0.5], seeds: [1, 2], analyses: ['msd', 'detect'], parameters: { n: 20, rho: 0.9, every: 10, frames: 6 } });
  const plan = planStudy(loadStudy(file));
  const hash = resolveField({ name: 'd2min', frame: 1 }, 2, '').hash;
  for (const run of plan.runs.slice(0, done)) {
    writeSyntheticRun(plan, run, {
      n: 20, schedule: { kind: 'linear', every: 10, frames: 6 }, dt: 0.003,
      positions: (f, _s, out) => {
        const rnd = mulberry32(11);
        for (let i = 0; i < 20; i++) {
          out[3 * i] = -5 + 10 * rnd() + 0.02 * f * run.T! * (run.seed + (i % 3));
          out[3 * i + 1] = -5 + 10 * rnd();
          out[3 * i + 2] = 0;
        }
      },
      index: (t) => {
        t.addTag({ frame: 3, kind: 'candidate', source: 'detector', score: 5, note: 'MSD jump: frames 2..4', before: 2, after: 4 });
        t.addTag({ frame: 2, kind: 'avalanche', note: 'seen' });
        t.putField(3, 2, 'd2min', hash, Float32Array.from({ length: 20 }, (_v, i) => i * run.T!));
      },
    });
  }
  return plan;
}

function studyTags(plan: StudyPlan, run: number): { frame: number; kind: string; source: string }[] {
  const db = IndexDb.open({ indexDir: plan.indexDir });
  try {
    const rec = db.trajectoryByPath(realOut(plan.runs[run]!.out));
    return rec ? db.listTags(rec.id).map((t) => ({ frame: t.frame, kind: t.kind, source: t.source })) : [];
  } finally {
    db.close();
  }
}

async function until<T>(what: string, f: () => T | undefined | null | false, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the API lists agree with the study code', () => {
  it('figure kinds, moments and run states', () => {
    expect([...STUDY_FIGURE_KINDS]).toEqual([...CORE_STUDY_KINDS]);
    expect([...STUDY_MOMENTS]).toEqual([...MOMENTS]);
    expect([...STUDY_RUN_STATES]).toEqual([...RUN_STATES]);
  });

  it('the default avw is the built CLI of this checkout; an environment goes in front for job scripts', () => {
    expect(defaultAvwCommand(repo).command).toEqual([process.execPath, join(repo, 'dist/cli/main.js')]);
    expect(avwArgv({ command: ['/e/electron', '/app/dist/cli/main.js'], env: { ELECTRON_RUN_AS_NODE: '1' } }))
      .toEqual(['env', 'ELECTRON_RUN_AS_NODE=1', '/e/electron', '/app/dist/cli/main.js']);
  });
});

describe('a study of synthetic runs', () => {
  let plan: StudyPlan;
  let s: ReturnType<typeof makeService>;
  let studyId: number;

  beforeAll(async () => {
    plan = syntheticStudy('synth', 3);
    s = makeService('synth');
    studyId = (await s.service.openStudy({ path: plan.study.file })).studyId;
  });
  afterAll(() => s.service.close());

  it('openStudy: the file as read, every run with its state and what it holds', async () => {
    const info = await s.service.openStudy({ path: plan.study.file });
    expect(info.studyId).toBe(studyId);
    expect(info).toMatchObject({
      file: plan.study.file, name: 'synth', simulate: 'thermal', temperatures: [0.3, 0.5], seeds: [1, 2], analyses: ['msd', 'detect'],
      dir: plan.dir, indexDir: plan.indexDir, done: 3, failed: 0, localJobId: null,
    });
    expect(info.fraction).toBeCloseTo(0.75, 10);
    expect(info.slurm.time).toMatch(/^\d\d:\d\d:00$/);
    expect(info.runs.map((r) => [r.id, r.name, r.T, r.seed, r.state, r.frames, r.jobId])).toEqual([
      [0, 'T0.3-s1', 0.3, 1, 'done', 6, null], [1, 'T0.3-s2', 0.3, 2, 'done', 6, null],
      [2, 'T0.5-s1', 0.5, 1, 'done', 6, null], [3, 'T0.5-s2', 0.5, 2, 'pending', null, null],
    ]);
    // Not collected yet: the counts are the status files' (the synthetic writer says 0).
    expect(info.runs[0]!.candidates).toBe(0);
  });

  it('a bad study file is one line naming it; an unknown study id is refused', async () => {
    const bad = writeStudy('bad', { temperatures: [0.3], seeds: [1], parameters: { n: 10, colour: 'red' } });
    await expect(s.service.openStudy({ path: bad })).rejects.toThrow(new RegExp(`${bad}: parameters: unknown option "colour"`));
    await expect(s.service.openStudy({ path: join(root, 'none.json') })).rejects.toThrow(/none\.json/);
    await expect(s.service.studyStatus({ studyId: 99 })).rejects.toThrow(/study 99 is not open/);
  });

  it('collectStudy: a study job merges the shards; the rows then count the candidates and tags in the study index', async () => {
    const r = await s.service.collectStudy({ studyId });
    expect(r).toMatchObject({ merged: 3, unchanged: 0, notDone: [3] });
    const job = (await s.service.listJobs()).jobs.find((j) => j.kind === 'study' && /collect/.test(j.label));
    expect(job?.state).toBe('done');
    const st = await s.service.studyStatus({ studyId });
    expect(st.runs.slice(0, 3).map((x) => [x.candidates, x.tags])).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect((await s.service.collectStudy({ studyId })).unchanged).toBe(3);
  });

  it('openStudyRun: a finished run opens with its shard (no scan), its tags kept equal with the study index', async () => {
    const info = await s.service.openStudyRun({ studyId, runId: 1 });
    expect(info.path).toBe(realOut(plan.runs[1]!.out));
    expect(info.frames).toBe(6);
    expect(s.jobs).not.toContain('index:');
    const tags = (await s.service.listTags({ trajectoryId: info.id })).tags;
    expect(tags.map((t) => [t.frame, t.kind, t.source])).toEqual([[2, 'avalanche', 'manual'], [3, 'candidate', 'detector']]);
    // Its series are computed as for any trajectory.
    const msd = await s.service.getSeries({ trajectoryId: info.id, name: 'msd' });
    expect(msd.values.length).toBe(6);

    // A person's changes in the workbench reach the study's index at once.
    const confirmed = tags.find((t) => t.source === 'detector')!;
    await s.service.updateTag({ trajectoryId: info.id, tagId: confirmed.id, kind: 'avalanche' });
    await s.service.addTag({ trajectoryId: info.id, frame: 5, kind: 'uncertain' });
    const manual = tags.find((t) => t.source === 'manual')!;
    await s.service.deleteTag({ trajectoryId: info.id, tagId: manual.id });
    expect(studyTags(plan, 1)).toEqual([{ frame: 3, kind: 'avalanche', source: 'detector' }, { frame: 5, kind: 'uncertain', source: 'manual' }]);
    // ... and the Study view hears of the new counts.
    await until('the tags count of run 1', () => s.events.some((e) => e.event === 'study' && e.data.runs.some((r) => r.id === 1 && r.tags === 2 && r.candidates === 1)));

    // A tag added to the study's index elsewhere (avw tags --index-dir STUDY/index) appears when the run is opened again.
    const db = IndexDb.open({ indexDir: plan.indexDir });
    try {
      const rec = db.trajectoryByPath(realOut(plan.runs[1]!.out))!;
      db.addTag(rec.id, { frame: 4, kind: 'not-avalanche', note: 'from the CLI' });
    } finally {
      db.close();
    }
    const again = await s.service.openStudyRun({ studyId, runId: 1 });
    expect(again.id).toBe(info.id);
    expect((await s.service.listTags({ trajectoryId: info.id })).tags.map((t) => [t.frame, t.kind])).toEqual([[3, 'avalanche'], [4, 'not-avalanche'], [5, 'uncertain']]);
    expect(studyTags(plan, 1).map((t) => t.frame)).toEqual([3, 4, 5]);
  });

  it('openStudyRun: a run that has not started has nothing to open; an unknown run is named', async () => {
    await expect(s.service.openStudyRun({ studyId, runId: 3 })).rejects.toThrow(/run 3 \(T0\.5-s2\) has not started yet/);
    await expect(s.service.openStudyRun({ studyId, runId: 9 })).rejects.toThrow(/run 9 does not exist \(the study plans runs 0-3\)/);
  });

  it('previewStudyFigure: the ensemble timeline with its temperature legend and the numbers behind it', async () => {
    const p = await s.service.previewStudyFigure({ studyId, spec: { kind: 'timeline', series: 'msd', preset: 'aps-single' } });
    expect(p.svg).toMatch(/^<svg|<\?xml/);
    expect(p.svg).toContain('T</tspan>');
    expect(p.svg).toMatch(/= 0\.3 \(2 runs\)/);
    expect(p.svg).toMatch(/= 0\.5 \(1 run\)/);
    expect(p.widthPt).toBeCloseTo(3.375 * 72, 3);
    expect(p.warnings.join(' ')).toMatch(/runs 3 are not done/);
    expect(p.summary).toMatchObject({ series: 'msd', temperatures: [{ T: 0.3, runs: [0, 1] }, { T: 0.5, runs: [2] }], missing: [3] });

    // The confirmed events of the distribution include the one confirmed in the workbench above (run 1, frame 3).
    const d = await s.service.previewStudyFigure({ studyId, spec: { kind: 'distribution', field: 'd2min', moment: 'at', events: 'confirmed', bins: 5 } });
    expect(d.summary).toMatchObject({ temperatures: [{ T: 0.3, events: 2 }, { T: 0.5, events: 1 }] });
  });

  it('previewStudyFigure: the engine checks values; exportStudyFigure writes the figure, its spec and data, and asks before replacing', async () => {
    await expect(s.service.previewStudyFigure({ studyId, spec: { kind: 'timeline', style: { fontSize: -3 } } })).rejects.toThrow(/font/i);
    const out = join(root, 'figs');
    mkdirSync(out, { recursive: true });
    const path = join(out, 'msd.pdf');
    const r = await s.service.exportStudyFigure({ studyId, spec: { kind: 'timeline', series: 'msd' }, out: path });
    expect(r).toMatchObject({ path, format: 'pdf', sidecar: join(out, 'msd.json'), csv: join(out, 'msd.csv') });
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
    expect(JSON.parse(readFileSync(r.sidecar, 'utf8'))).toMatchObject({ kind: 'timeline', series: 'msd', study: plan.study.file });
    await expect(s.service.exportStudyFigure({ studyId, spec: { kind: 'timeline' }, out: path })).rejects.toThrow(/already exist/);
    await expect(s.service.exportStudyFigure({ studyId, spec: { kind: 'timeline' }, out: path, overwrite: true })).resolves.toMatchObject({ path });
    await expect(s.service.exportStudyFigure({ studyId, spec: { kind: 'tau' }, out: join(root, 'nowhere', 'x.svg') })).rejects.toThrow(/no such directory/);
  });
});

describe('a tiny study run here', () => {
  it('runs its runs as avw study exec processes, K at a time, with progress per run; cancel stops them, a second run resumes', async () => {
    const file = writeStudy('tiny', {
      temperatures: [0.4, 0.5], seeds: [1, 2], analyses: ['msd'],
      parameters: { n: 64, rho: 0.9, Tp: 0.5, equil: 480000, tw: 100, every: 100, frames: 20 },
    });
    const plan = planStudy(loadStudy(file));
    const s = makeService('tiny');
    try {
      const info = await s.service.openStudy({ path: file });
      expect(info.runs.every((r) => r.state === 'pending')).toBe(true);
      const started = await s.service.runStudy({ studyId: info.studyId, scheduler: 'local', maxParallel: 2, runs: [0, 1] });
      if (started.scheduler !== 'local') throw new Error('expected a local run');
      expect(started.job).toMatchObject({ kind: 'study', state: 'running' });
      await expect(s.service.runStudy({ studyId: info.studyId, scheduler: 'local' })).rejects.toThrow(/already running in this workbench/);
      const jobId = started.job.id;
      const finished = await until('the study job', () => s.events.find((e): e is { event: 'job'; data: JobSnapshot } => e.event === 'job' && e.data.id === jobId && e.data.state !== 'running'));
      expect(finished.data.state, finished.data.error ?? '').toBe('done');
      const studyEvents = s.events.filter((e): e is { event: 'study'; data: StudyProgress } => e.event === 'study').map((e) => e.data);
      const rows: StudyRunRow[] = studyEvents.flatMap((d) => d.runs);
      // Each run was seen running part way, then done; the job's id travelled with the events.
      for (const id of [0, 1]) {
        expect(rows.some((r) => r.id === id && r.state === 'running' && r.fraction > 0 && r.fraction < 1)).toBe(true);
        expect(rows.filter((r) => r.id === id).at(-1)).toMatchObject({ state: 'done', frames: 20, scheduler: 'local', fraction: 1 });
      }
      expect(studyEvents.some((d) => d.localJobId === jobId)).toBe(true);
      expect(studyEvents.at(-1)).toMatchObject({ done: 2, localJobId: null });
      expect(studyEvents.at(-1)!.fraction).toBeCloseTo(0.5, 10);
      expect(readFileSync(plan.runs[0]!.log, 'utf8')).toMatch(/avw study run: run 0/);

      // Cancel: the runs stop with a checkpoint (interrupted = failed until run again), the job says cancelled.
      const second = await s.service.runStudy({ studyId: info.studyId, scheduler: 'local', maxParallel: 2 });
      if (second.scheduler !== 'local') throw new Error('expected a local run');
      // Both runs under way (past their start-up, so that each has its SIGTERM handler and writes a checkpoint).
      const underWay = (id: number): boolean => s.events.some((e) => e.event === 'study' && e.data.runs.some((r) => r.id === id && r.state === 'running' && r.fraction > 0.05));
      await until('runs 2 and 3 running', () => underWay(2) && underWay(3));
      const cancelled = await s.service.cancelJob({ jobId: second.job.id });
      expect(cancelled.state).toBe('cancelled');
      const st = await s.service.studyStatus({ studyId: info.studyId });
      expect(st.localJobId).toBeNull();
      expect(st.runs.slice(0, 2).map((r) => r.state)).toEqual(['done', 'done']);
      expect(st.runs.slice(2).some((r) => r.state === 'failed' && /interrupted/.test(r.message)), JSON.stringify(st.runs.slice(2))).toBe(true);

      // Run the failed ones again: they resume from their checkpoints; finished runs are never redone.
      const doneBefore = readFileSync(plan.runs[0]!.status, 'utf8');
      const third = await s.service.runStudy({ studyId: info.studyId, scheduler: 'local', failedOnly: true });
      if (third.scheduler !== 'local') throw new Error('expected a local run');
      const end = await until('the third job', () => s.events.find((e): e is { event: 'job'; data: JobSnapshot } => e.event === 'job' && e.data.id === third.job.id && e.data.state !== 'running'));
      expect(end.data.state, end.data.error ?? '').toBe('done');
      const last = await s.service.studyStatus({ studyId: info.studyId });
      expect(last.runs.map((r) => r.state)).toEqual(['done', 'done', 'done', 'done']);
      expect(readFileSync(plan.runs[0]!.status, 'utf8')).toBe(doneBefore);
      // The interrupted runs continued their simulations from the checkpoints (their own status files say so; the
      // transient "resuming" progress message may fall between two status events).
      const resumed = plan.runs.slice(2).map((r) => (JSON.parse(readFileSync(r.status, 'utf8')) as { resumed: boolean; attempt: number }));
      expect(resumed.some((r) => r.resumed && r.attempt === 2)).toBe(true);
      await expect(s.service.runStudy({ studyId: info.studyId, scheduler: 'local', failedOnly: true })).rejects.toThrow(/no failed runs/);
    } finally {
      s.service.close();
    }
  }, 240_000);
});

describe('a study submitted to SLURM', () => {
  const bin = join(root, 'fake-slurm');
  const calls = join(root, 'sbatch-calls.txt');
  let savedPath: string | undefined;
  beforeAll(() => {
    // Stand-ins for SLURM's commands: sbatch records its arguments and answers a job id; squeue lists task 3 as pending.
    mkdirSync(bin, { recursive: true });
    const script = (name: string, body: string): void => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    script('sbatch', `printf '%s\\n' "$@" >> '${calls}'\necho 4242`);
    script('squeue', 'echo "4242_3|PENDING"');
    script('sacct', 'exit 0');
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
  });

  it('submits the unfinished runs as one job array with the extra sbatch options; the rows show the array task', async () => {
    const plan = syntheticStudy('cluster', 3);
    const s = makeService('cluster');
    try {
      const info = await s.service.openStudy({ path: plan.study.file });
      const r = await s.service.runStudy({ studyId: info.studyId, scheduler: 'slurm', sbatchArgs: ['--partition=short', '--hold'] });
      expect(r).toMatchObject({ scheduler: 'slurm', jobId: '4242', submitted: [3], script: join(plan.slurmDir, 'cluster.sbatch') });
      const args = readFileSync(calls, 'utf8').trim().split('\n');
      expect(args).toEqual(['--parsable', '--array=3', '--partition=short', '--hold', join(plan.slurmDir, 'cluster.sbatch')]);
      const script = readFileSync(join(plan.slurmDir, 'cluster.sbatch'), 'utf8');
      // The job runs this checkout's avw, nothing else.
      expect(script).toContain(`exec ${process.execPath} --import tsx ${join(repo, 'src/cli/main.ts')} study exec ${plan.study.file}`);
      const st = await s.service.studyStatus({ studyId: info.studyId });
      expect(st.runs[3]).toMatchObject({ state: 'pending', jobId: '4242_3', scheduler: 'slurm' });
      expect(s.jobs.filter((j) => j === 'study:status').length).toBeGreaterThan(0);
      // Nothing left to submit: said, not an error.
      const again = await s.service.runStudy({ studyId: info.studyId, scheduler: 'slurm' });
      expect(again).toMatchObject({ scheduler: 'slurm', jobId: null, submitted: [], note: expect.stringMatching(/nothing to submit/) });
      expect(existsSync(plan.runs[3]!.status)).toBe(false);
    } finally {
      s.service.close();
    }
  });
});
