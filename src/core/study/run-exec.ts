// One run of a study, start to finish, in the process that owns it (a local scheduler's child or a SLURM array task):
// simulate (or resume from the checkpoint), then the study's analyses, then write the run's index shard. The run writes
// only inside its own folder: the trajectory, the sidecar, status.json and index.sqlite (a copy of a working index that
// lives on a scratch disk while the run works, so that no SQLite database is ever written over a network filesystem).
//
// A finished run is never redone (its status says done and its analyses are the study's); a run whose simulation is
// complete but whose analyses changed only computes the missing ones; an interrupted run resumes from its checkpoint.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IndexDb } from '../index/index-db.js';
import { openIndexed, type IndexedTrajectory } from '../index/indexed-trajectory.js';
import { JobCancelledError, runInProcess } from '../jobs/job.js';
import { physicsParams, simulateJob, type SimulateParams, type SimulateResult } from '../jobs/simulate-job.js';
import { canonicalJson } from '../jobs/simulate-output.js';
import { toFrameSchedule } from '../sim/protocol.js';
import { momentFrame, momentReference, MOMENTS, runEvents } from './events.js';
import { DEFAULT_Q, fsSeries } from './fs-series.js';
import { potentialOf, runDetect, runField, runSeries } from './per-run.js';
import type { PlannedRun, StudyPlan } from './plan.js';
import { readRunStatus, runProcessAlive, thisHost, writeRunStatus, type RunStatusFile, type SlurmTaskInfo } from './run-status.js';
import { simulateParamsOf, type Analysis, type Study } from './study-file.js';

export interface RunProgress {
  /** 0..1 over the whole run (the simulation is most of it). */
  fraction: number;
  stage: RunStatusFile['stage'];
  message: string;
}

export interface ExecOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** A folder on a local disk for the working index (default: a hidden folder inside the run's folder). */
  scratch?: string;
  scheduler: 'local' | 'slurm';
  /** The run's name the caller expects at this id (a SLURM task checks the study did not change under it). */
  expectName?: string;
  /** The environment to read SLURM's task variables from. */
  env?: Record<string, string | undefined>;
}

export interface ExecResult {
  id: number;
  name: string;
  /** Already done before: nothing was computed. */
  skipped: boolean;
  /** The simulation continued from a checkpoint. */
  resumed: boolean;
  frames: number;
  candidates: number;
  wallSeconds: number;
  cpuSeconds: number;
}

/** The names under which a run records its finished analyses. */
export function analysisKey(a: Analysis): string {
  switch (a.kind) {
    case 'series': return a.name;
    case 'fs': return `fs:q=${a.q ?? DEFAULT_Q}`;
    case 'fields': return `fields:${a.names.join(',')}`;
    default: return a.kind;
  }
}

/** Whether a finished run's recorded analyses cover the study's. */
export function analysesCovered(s: RunStatusFile, study: Study): boolean {
  const done = new Set(s.analyses);
  return study.analyses.every((a) => done.has(analysisKey(a)));
}

/** SLURM's variables of an array task, when this process is one. */
export function slurmTaskInfo(env: Record<string, string | undefined>): SlurmTaskInfo | null {
  const arrayJobId = env.SLURM_ARRAY_JOB_ID;
  const task = env.SLURM_ARRAY_TASK_ID;
  if (!arrayJobId || task === undefined || !/^\d+$/.test(task)) return null;
  return { jobId: `${arrayJobId}_${task}`, arrayJobId, arrayTaskId: Number(task), taskJobId: env.SLURM_JOB_ID ?? '', node: env.SLURMD_NODENAME ?? thisHost() };
}

/** CPU seconds (user + system) of this process since it started: the run's cost, start-up included. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function sidecarOf(out: string): { status?: string; parameters?: unknown } | null {
  const path = `${out}.json`;
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { status?: string; parameters?: unknown };
  } catch {
    return null;
  }
}

/** Copy a working index into a self-contained SQLite file (no WAL beside it), atomically. */
export function writeShard(workDir: string, shard: string): void {
  const tmp = `${shard}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const db = IndexDb.open({ indexDir: workDir });
  try {
    db.connection.pragma('wal_checkpoint(TRUNCATE)');
    db.connection.prepare('VACUUM INTO ?').run(tmp);
  } finally {
    db.close();
  }
  renameSync(tmp, shard);
}

/** Execute run `id` of the plan (see the module comment). */
export async function executeRun(plan: StudyPlan, id: number, options: ExecOptions): Promise<ExecResult> {
  const study = plan.study;
  const run: PlannedRun | undefined = plan.runs[id];
  if (!run) throw new Error(`${study.file}: run ${id} does not exist (the study plans runs 0-${plan.runs.length - 1})`);
  if (options.expectName !== undefined && options.expectName !== run.name) {
    throw new Error(`${study.file}: run ${id} is now ${run.name}, not ${options.expectName}: the study file changed after the runs were submitted; submit again`);
  }
  const started = performance.now();
  mkdirSync(run.dir, { recursive: true });
  const prev = readRunStatus(run.status);
  if (prev?.state === 'done' && analysesCovered(prev, study) && existsSync(run.shard)) {
    return { id, name: run.name, skipped: true, resumed: false, frames: prev.results?.frames ?? 0, candidates: prev.results?.candidates ?? 0, wallSeconds: 0, cpuSeconds: 0 };
  }
  const host = thisHost();
  if (prev?.state === 'running' && prev.host === host && prev.pid !== process.pid && runProcessAlive(prev.pid)) {
    throw new Error(`${run.dir}: run ${id} (${run.name}) is being run by process ${prev.pid} on this host`);
  }
  const now = new Date().toISOString();
  const status: RunStatusFile = {
    format: 'avalanche-workbench/study-run', version: 1,
    run: { id, name: run.name, T: run.T, seed: run.seed, runSeed: run.runSeed },
    state: 'running', stage: 'simulate', fraction: 0, message: 'starting', scheduler: options.scheduler, host, pid: process.pid,
    attempt: (prev?.attempt ?? 0) + 1, resumed: false, slurm: slurmTaskInfo(options.env ?? process.env),
    startedAt: now, updatedAt: now, finishedAt: null, analyses: [], results: null,
    cpuSeconds: 0, cpuSecondsTotal: prev?.cpuSecondsTotal ?? 0, wallSeconds: 0, error: null,
  };
  const cpuBefore = status.cpuSecondsTotal;
  let lastWrite = 0;
  const save = (force = false): void => {
    const t = performance.now();
    if (!force && t - lastWrite < 2000) return;
    lastWrite = t;
    status.updatedAt = new Date().toISOString();
    status.cpuSeconds = cpuSeconds();
    status.cpuSecondsTotal = cpuBefore + status.cpuSeconds;
    status.wallSeconds = (t - started) / 1000;
    writeRunStatus(run.status, status);
  };
  const report = (fraction: number, stage: RunStatusFile['stage'], message: string): void => {
    status.fraction = fraction;
    status.stage = stage;
    status.message = message;
    options.onProgress?.({ fraction, stage, message });
    save();
  };
  save(true);

  const work = options.scratch ? join(options.scratch, `avw-${study.name}-${run.name}-${process.pid}`) : join(run.dir, '.index-work');
  mkdirSync(work, { recursive: true });
  // A run done before (the study's analyses changed since): start from its shard, so only what is missing is computed.
  if (!existsSync(join(work, 'index.sqlite')) && existsSync(run.shard)) copyFileSync(run.shard, join(work, 'index.sqlite'));
  const signal = options.signal ?? new AbortController().signal;
  try {
    // The simulation (or what is left of it).
    const params: SimulateParams = simulateParamsOf(study, run.T, run.runSeed, run.out, work);
    const side = sidecarOf(run.out);
    if (side?.parameters !== undefined && canonicalJson(side.parameters) !== canonicalJson(physicsParams(params))) {
      throw new Error(`${run.out}.json: this run was made with other parameters than ${study.file} gives now; restore the study file, or delete ${run.dir} to run it again`);
    }
    const simWeight = 0.9;
    let sim: SimulateResult | null = null;
    if (side?.status !== 'complete') {
      const resume = existsSync(`${run.out}.checkpoint`);
      status.resumed = resume;
      report(0, 'simulate', resume ? 'resuming from the checkpoint' : 'simulating');
      sim = await runInProcess(simulateJob, { ...params, resume }, {
        signal,
        onProgress: (p) => report(p.total > 0 ? (simWeight * p.done) / p.total : 0, 'simulate', p.message),
      });
    }
    // The analyses, against the working index.
    const analyses: string[] = [];
    let frames = 0;
    let candidates = 0;
    let tags = 0;
    const t = openIndexed(run.out, { indexDir: work, signal });
    try {
      if (params.kind !== 'aqs') t.setSchedule(toFrameSchedule(params.schedule, params.dt));
      frames = t.frameCount;
      const todo = study.analyses;
      for (const [k, a] of todo.entries()) {
        if (signal.aborted) throw new JobCancelledError('study run');
        report(simWeight + ((1 - simWeight) * k) / Math.max(1, todo.length), 'analyses', analysisKey(a));
        runAnalysis(t, a, study, run, work);
        analyses.push(analysisKey(a));
      }
      candidates = t.listTags().filter((g) => g.source === 'detector').length;
      tags = t.listTags().length;
    } finally {
      t.close();
    }
    report(1, 'shard', 'writing the index shard');
    writeShard(work, run.shard);
    status.state = 'done';
    status.stage = 'done';
    status.analyses = analyses;
    status.results = { frames, candidates, tags };
    status.finishedAt = new Date().toISOString();
    status.message = sim ? `simulated ${sim.steps} steps${sim.resumed ? ' (resumed)' : ''}` : 'simulation was complete';
    save(true);
    rmSync(work, { recursive: true, force: true });
    return {
      id, name: run.name, skipped: false, resumed: status.resumed, frames, candidates, wallSeconds: status.wallSeconds, cpuSeconds: status.cpuSeconds,
    };
  } catch (e) {
    const cancelled = e instanceof JobCancelledError || signal.aborted;
    status.state = cancelled ? 'interrupted' : 'failed';
    status.error = cancelled ? 'stopped on request; a checkpoint was written' : e instanceof Error ? e.message : String(e);
    status.finishedAt = new Date().toISOString();
    save(true);
    throw cancelled && !(e instanceof JobCancelledError) ? new JobCancelledError('study run') : e;
  }
}

function runAnalysis(t: IndexedTrajectory, a: Analysis, study: Study, run: PlannedRun, work: string): void {
  switch (a.kind) {
    case 'series':
      runSeries(t, a.name, potentialOf(study.simulate));
      return;
    case 'detect':
      runDetect(t);
      return;
    case 'fs':
      fsSeries(t, a.q ?? DEFAULT_Q);
      return;
    case 'is': {
      // Index the paired inherent structures too, so they travel with the shard.
      if (!run.isOut || !existsSync(run.isOut)) throw new Error(`${run.isOut ?? `${run.out} (inherent structures)`}: missing; the simulation should have written it`);
      const is = openIndexed(run.isOut, { indexDir: work });
      try {
        is.setSchedule(t.schedule);
      } finally {
        is.close();
      }
      return;
    }
    case 'fields': {
      const events = runEvents(t.listTags(), t.frameCount);
      for (const e of events) {
        for (const m of MOMENTS) {
          const frame = momentFrame(e, m);
          const ref = momentReference(frame);
          for (const name of a.names) {
            if (ref < 0 && name !== 'softness') continue;
            runField(t, name, frame, Math.max(0, ref));
          }
        }
      }
      return;
    }
  }
}

