// The workbench's Study view: a study file opened by path (validated as `avw study` does), the state of its runs,
// running it here (a 'study' job whose run processes are `avw study exec`, as `avw study run --scheduler local` starts
// them) or submitting it to SLURM, collect, opening a run as any trajectory, and the ensemble figures. What reads or
// writes much (squeue and sacct, sbatch, collect, the figures, bringing a run's shard in) runs as a 'study' job in a
// worker (src/core/jobs/study-job.ts); this thread keeps the books and pushes 'study' events.
import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { IndexDb } from '../../core/index/index-db.js';
import type { StudyJobParams, StudyJobResult } from '../../core/jobs/study-job.js';
import { runLocal, type LocalEvent } from '../../core/study/local-scheduler.js';
import { pushStudyTags, studyLinkOf, type StudyLink } from '../../core/study/open-run.js';
import { studyOverview, type RunOverview, type StudyOverview } from '../../core/study/overview.js';
import { planStudy, type StudyPlan } from '../../core/study/plan.js';
import { readRunStatus } from '../../core/study/run-status.js';
import { readSubmissions, resourcesOf } from '../../core/study/slurm.js';
import { normalizeStudyFigureSpec } from '../../core/study/study-figure.js';
import { loadStudy, StudyFileError } from '../../core/study/study-file.js';
import { chooseRuns } from '../../core/study/submit.js';
import { analysisKey } from '../../core/study/run-exec.js';
import { openError } from '../../core/io/source-util.js';
import { packageRoot } from '../../core/version.js';
import type {
  ApiEvent, ApiParams, FigureExport, StudyCollectResult, StudyFigurePreview, StudyFigureSpecRequest, StudyInfo, StudyProgress, StudyRunResult,
  StudyRunRow, TrajectoryInfo,
} from '#shared/api.js';
import type { JobRegistry, JobRunner } from './jobs.js';

/** How the workbench starts `avw` for a study's runs: the command before its subcommand, and what to add to their environment. */
export interface AvwCommand {
  command: string[];
  env?: Record<string, string>;
}

/** This installation's avw under Node: node and the built CLI (dist/cli/main.js). Electron: see src/main/electron/avw-command.ts. */
export function defaultAvwCommand(root = packageRoot()): AvwCommand {
  return { command: [process.execPath, join(root, 'dist', 'cli', 'main.js')] };
}

/** The avw command as one argument list (a SLURM job script runs it; `env K=V` in front when it needs an environment). */
export function avwArgv(avw: AvwCommand): string[] {
  const env = Object.entries(avw.env ?? {});
  return env.length ? ['env', ...env.map(([k, v]) => `${k}=${v}`), ...avw.command] : [...avw.command];
}

/** What the study service borrows from the workbench service. */
export interface StudyServiceHost {
  /** The workbench's own index (a study's runs are opened through it). */
  indexDir: string;
  runJob: JobRunner;
  /** Runs a task in the analysis queue (a bounded number of heavy jobs at once). */
  queue<T>(task: () => Promise<T>): Promise<T>;
  jobs: JobRegistry;
  emit(event: ApiEvent): void;
  /** Open a trajectory by absolute path, as openTrajectory does. */
  openTrajectory(path: string): Promise<TrajectoryInfo>;
  /** The analysis pool may hold a file as it was: it reopens it on next use. */
  forget(path: string): void;
  /** Output files of figure exports (shared with the trajectory figures: two exports never write one file). */
  claimOutput(out: string, overwrite: boolean): string[];
  releaseOutput(files: readonly string[]): void;
  avw: AvwCommand;
}

interface LocalRun {
  jobId: number;
  /** Runs of this job, for its progress. */
  ids: number[];
  /** Rows changed since the last 'study' event, and the timer of the next one. */
  changed: Set<number>;
  timer: ReturnType<typeof setTimeout> | null;
}

interface StudyEntry {
  id: number;
  file: string;
  plan: StudyPlan;
  rows: StudyRunRow[];
  notes: string[];
  local: LocalRun | null;
  /** A refresh asked for after tag changes. */
  refreshTimer: ReturnType<typeof setTimeout> | null;
}

/** Least time between two 'study' events of a local run. */
const EVENT_INTERVAL_MS = 250;
/** How long a superseded preview may take to notice its cancel before its worker is stopped. */
const PREVIEW_CANCEL_GRACE_MS = 250;

export class StudySupersededError extends Error {
  constructor() {
    super('study figure preview superseded by a newer request');
    this.name = 'FigureSupersededError';
  }
}

function rowOf(r: RunOverview): StudyRunRow {
  const message = r.state === 'failed' ? r.reason ?? 'failed' : r.state === 'pending' ? r.reason ?? '' : r.message;
  return {
    id: r.id, name: r.name, T: r.T, seed: r.seed, out: r.out, state: r.state, jobId: r.jobId, fraction: r.state === 'done' ? 1 : r.fraction,
    message, frames: r.frames, candidates: r.candidates, tags: r.tags, scheduler: r.scheduler,
  };
}

function sameRow(a: StudyRunRow | undefined, b: StudyRunRow): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export class StudyService {
  private readonly studies = new Map<number, StudyEntry>();
  private readonly byFile = new Map<string, number>();
  private nextId = 1;
  private currentPreview: AbortController | null = null;
  private closed = false;

  constructor(private readonly host: StudyServiceHost) {}

  // ---- opening and watching ----

  async open(params: ApiParams<'openStudy'>): Promise<StudyInfo> {
    let file: string;
    try {
      file = realpathSync(resolve(params.path));
    } catch (e) {
      throw openError(params.path, e);
    }
    const plan = this.load(file);
    let id = this.byFile.get(file);
    if (id === undefined) {
      id = this.nextId++;
      this.byFile.set(file, id);
      this.studies.set(id, { id, file, plan, rows: [], notes: [], local: null, refreshTimer: null });
    }
    const entry = this.studies.get(id)!;
    entry.plan = plan;
    await this.refresh(entry, false);
    const study = plan.study;
    const res = resourcesOf(plan);
    return {
      ...this.progress(entry, entry.rows),
      file, name: study.name, simulate: study.simulate, temperatures: study.temperatures, seeds: study.seeds, analyses: study.analyses.map(analysisKey),
      dir: plan.dir, indexDir: plan.indexDir, slurm: { time: res.time, mem: res.mem },
    };
  }

  async status(params: ApiParams<'studyStatus'>): Promise<StudyProgress> {
    const entry = this.entry(params.studyId);
    await this.refresh(entry, false);
    return this.progress(entry, entry.rows);
  }

  /** After a tag change in the workbench on trajectory `id`: a study's run gets its tags written to the study's index. */
  tagsChanged(db: IndexDb, trajectoryId: number): void {
    let link: StudyLink | null;
    try {
      link = pushStudyTags(db, trajectoryId);
    } catch (e) {
      // The workbench has the change; the study's index gets it with the next change or when the run is opened again.
      const l = studyLinkOf(db, trajectoryId);
      const entry = l ? this.studies.get(this.byFile.get(l.study) ?? -1) : undefined;
      if (l && entry) {
        entry.notes = [...entry.notes, `the tags of run ${l.run} (${l.name}) could not be written to ${l.indexDir}: ${e instanceof Error ? e.message : String(e)}`];
        this.host.emit({ event: 'study', data: this.progress(entry, []) });
      }
      return;
    }
    if (!link) return;
    const id = this.byFile.get(link.study);
    const entry = id === undefined ? undefined : this.studies.get(id);
    if (!entry || entry.refreshTimer) return;
    // The tag counts in the Study view follow, a moment later (several changes make one refresh).
    entry.refreshTimer = setTimeout(() => {
      entry.refreshTimer = null;
      if (!this.closed) void this.refresh(entry, true).catch(() => undefined);
    }, 300);
  }

  // ---- running ----

  async run(params: ApiParams<'runStudy'>): Promise<StudyRunResult> {
    const entry = this.entry(params.studyId);
    entry.plan = this.load(entry.file);
    const plan = entry.plan;
    if (params.scheduler === 'slurm') {
      const job = this.host.jobs.start<StudyJobResult>({
        kind: 'study',
        label: `Study ${plan.study.name}: submit to SLURM`,
        run: ({ signal, progress }) => this.host.runJob<StudyJobResult>('study', {
          op: 'submit', study: entry.file, runs: params.runs ?? null, failedOnly: params.failedOnly === true, sbatchArgs: params.sbatchArgs ?? [],
          avw: avwArgv(this.host.avw),
        } satisfies StudyJobParams, { signal, onProgress: progress }),
      });
      const r = await job.result;
      if (r.op !== 'submit') throw new Error('study: the submission job answered something else');
      await this.refresh(entry, true);
      return { scheduler: 'slurm', ...r.submit };
    }
    if (entry.local) throw new Error(`${entry.file}: this study is already running in this workbench (job ${entry.local.jobId}); cancel it first`);
    const entryPoint = this.host.avw.command.find((a) => /\.(c|m)?[jt]s$/.test(a));
    if (entryPoint && !existsSync(entryPoint)) throw new Error(`the avw command line is not built (${entryPoint} is missing): run npm run build:node`);
    await this.refresh(entry, false);
    const ids = chooseRuns(plan, entry.rows, params.runs, params.failedOnly === true);
    if (ids.length === 0) throw new Error(`${entry.file}: ${params.failedOnly ? 'no failed runs to run again' : 'no runs chosen'}`);
    const k = params.maxParallel ?? availableParallelism();
    const local: LocalRun = { jobId: 0, ids, changed: new Set(), timer: null };
    const controller = this.host.jobs.start<void>({
      kind: 'study',
      label: `Study ${plan.study.name}: ${ids.length} run${ids.length === 1 ? '' : 's'} here, ${k} at a time`,
      run: async ({ signal, progress }) => {
        const report = (message: string): void => {
          const byId = new Map(entry.rows.map((r) => [r.id, r]));
          const done = ids.reduce((a, i) => a + (byId.get(i)?.state === 'done' ? 1 : byId.get(i)?.fraction ?? 0), 0);
          progress({ done: Math.round(done * 1000) / 1000, total: ids.length, message });
        };
        try {
          const r = await runLocal(plan, {
            command: this.host.avw.command, env: { ...process.env, ...this.host.avw.env }, maxParallel: k, ids, signal,
            onEvent: (e) => report(this.onLocalEvent(entry, e)),
          });
          await this.refresh(entry, true);
          report(`${r.done.length} finished, ${r.skipped.length} done before, ${r.failed.length} failed`);
          if (r.failed.length > 0 && !r.cancelled) {
            const first = r.failed[0]!;
            throw new Error(`${r.failed.length} run(s) failed; run ${first.id} (${plan.runs[first.id]!.name}): ${first.error} (log ${plan.runs[first.id]!.log})`);
          }
        } finally {
          this.flush(entry);
          entry.local = null;
          // The job's end reaches the view with the rows as the files say.
          await this.refresh(entry, true).catch(() => undefined);
        }
      },
    });
    local.jobId = controller.job.id;
    entry.local = local;
    this.host.emit({ event: 'study', data: this.progress(entry, []) });
    return { scheduler: 'local', job: controller.job };
  }

  async collect(params: ApiParams<'collectStudy'>): Promise<StudyCollectResult> {
    const entry = this.entry(params.studyId);
    const job = this.host.jobs.start<StudyJobResult>({
      kind: 'study',
      label: `Study ${entry.plan.study.name}: collect`,
      run: ({ signal, progress }) => this.host.runJob<StudyJobResult>('study', { op: 'collect', study: entry.file } satisfies StudyJobParams, { signal, onProgress: progress }),
    });
    const r = await job.result;
    if (r.op !== 'collect') throw new Error('study: the collect job answered something else');
    await this.refresh(entry, true);
    return { merged: r.collect.merged, unchanged: r.collect.unchanged, notDone: r.collect.notDone, seconds: r.collect.seconds };
  }

  /** Open a run as any trajectory: a finished one through its shard (series, fields, tags), an unfinished one as far as it got. */
  async openRun(params: ApiParams<'openStudyRun'>): Promise<TrajectoryInfo> {
    const entry = this.entry(params.studyId);
    const run = entry.plan.runs[params.runId];
    if (!run) throw new Error(`${entry.file}: run ${params.runId} does not exist (the study plans runs 0-${entry.plan.runs.length - 1})`);
    const status = readRunStatus(run.status);
    if (status?.state !== 'done' || !existsSync(run.shard)) {
      if (!existsSync(run.out)) throw new Error(`${entry.file}: run ${run.id} (${run.name}) has not started yet: there is no trajectory to open`);
      return this.host.openTrajectory(run.out);
    }
    const r = await this.host.runJob<StudyJobResult>('study', { op: 'open-run', study: entry.file, run: run.id, indexDir: this.host.indexDir } satisfies StudyJobParams);
    if (r.op !== 'open-run') throw new Error('study: the open-run job answered something else');
    this.host.forget(r.run.path);
    if (r.run.isPath) this.host.forget(r.run.isPath);
    const info = await this.host.openTrajectory(r.run.path);
    void this.refresh(entry, true).catch(() => undefined);
    return info;
  }

  // ---- figures ----

  /** The full spec of a request: the study's file filled in, checked by the engine (its own messages). */
  private specFor(entry: StudyEntry, request: StudyFigureSpecRequest): Record<string, unknown> {
    const spec = { ...request, study: entry.file };
    normalizeStudyFigureSpec(spec);
    return spec;
  }

  async preview(params: ApiParams<'previewStudyFigure'>): Promise<StudyFigurePreview> {
    const entry = this.entry(params.studyId);
    const spec = this.specFor(entry, params.spec);
    this.currentPreview?.abort();
    const controller = new AbortController();
    this.currentPreview = controller;
    let r: StudyJobResult;
    try {
      r = await this.host.queue(() => this.host.runJob<StudyJobResult>('study', { op: 'figure', spec } satisfies StudyJobParams, {
        signal: controller.signal, cancelGraceMs: PREVIEW_CANCEL_GRACE_MS,
      }));
    } catch (e) {
      if (controller.signal.aborted) throw new StudySupersededError();
      throw e;
    } finally {
      if (this.currentPreview === controller) this.currentPreview = null;
    }
    if (r.op !== 'figure' || !('preview' in r)) throw new Error('study figure: the preview job wrote a file instead of returning SVG');
    return r.preview;
  }

  async export(params: ApiParams<'exportStudyFigure'>): Promise<FigureExport> {
    const entry = this.entry(params.studyId);
    const spec = this.specFor(entry, params.spec);
    const out = resolve(params.out);
    const files = this.host.claimOutput(out, params.overwrite === true);
    try {
      const { result } = this.host.jobs.start<StudyJobResult>({
        kind: 'figure',
        label: `Figure ${basename(out)} (study ${entry.plan.study.name})`,
        run: ({ signal, progress }) => this.host.queue(() => this.host.runJob<StudyJobResult>('study', { op: 'figure', spec, out } satisfies StudyJobParams, { signal, onProgress: progress })),
      });
      let r: StudyJobResult;
      try {
        r = await result;
      } catch (e) {
        if (e instanceof Error && e.name === 'JobCancelledError') throw new Error(`${out}: the export was cancelled`);
        throw e;
      }
      if (r.op !== 'figure' || !('figure' in r)) throw new Error('study figure: the export job returned a preview instead of writing a file');
      const f = r.figure;
      return { path: f.path, format: f.format, bytes: f.bytes, sidecar: f.sidecar, csv: f.csv, warnings: f.warnings };
    } finally {
      this.host.releaseOutput(files);
    }
  }

  close(): void {
    this.closed = true;
    this.currentPreview?.abort();
    for (const e of this.studies.values()) {
      if (e.refreshTimer) clearTimeout(e.refreshTimer);
      if (e.local?.timer) clearTimeout(e.local.timer);
    }
  }

  // ---- internals ----

  private load(file: string): StudyPlan {
    try {
      return planStudy(loadStudy(file));
    } catch (e) {
      if (e instanceof StudyFileError) throw new Error(e.message);
      throw e;
    }
  }

  private entry(studyId: number): StudyEntry {
    if (this.closed) throw new Error('the workbench service is closed');
    const e = this.studies.get(studyId);
    if (!e) throw new Error(`study ${studyId} is not open; open its file first`);
    return e;
  }

  private progress(entry: StudyEntry, runs: StudyRunRow[]): StudyProgress {
    const done = entry.rows.filter((r) => r.state === 'done').length;
    const failed = entry.rows.filter((r) => r.state === 'failed').length;
    const fraction = entry.rows.reduce((a, r) => a + (r.state === 'done' ? 1 : r.fraction), 0) / Math.max(1, entry.rows.length);
    return { studyId: entry.id, runs, done, failed, fraction, notes: entry.notes, localJobId: entry.local?.jobId ?? null };
  }

  /**
   * Read every run's state again: from the runs' files here, or in a worker when the study went to SLURM (squeue and
   * sacct are asked, which may take a while). With `announce`, the rows that changed go out as a 'study' event.
   */
  private async refresh(entry: StudyEntry, announce: boolean): Promise<void> {
    let overview: StudyOverview;
    if (readSubmissions(entry.plan).length > 0) {
      const r = await this.host.runJob<StudyJobResult>('study', { op: 'status', study: entry.file } satisfies StudyJobParams);
      if (r.op !== 'status') throw new Error('study: the status job answered something else');
      overview = r.overview;
    } else {
      overview = studyOverview(entry.plan);
    }
    const before = new Map(entry.rows.map((r) => [r.id, r]));
    const rows = overview.runs.map(rowOf);
    // A run of the local job in progress: its process reports more often than its status file is written.
    if (entry.local) {
      for (const [i, r] of rows.entries()) {
        const b = before.get(r.id);
        if (b && b.state === 'running' && r.state === 'running' && b.fraction > r.fraction) rows[i] = { ...r, fraction: b.fraction, message: b.message };
      }
    }
    const changed = rows.filter((r) => !sameRow(before.get(r.id), r));
    entry.rows = rows;
    entry.notes = overview.notes;
    if (announce && !this.closed) this.host.emit({ event: 'study', data: this.progress(entry, changed) });
  }

  /** A local run's event: update the run's row (a run that ended is read again from its files); the job's message. */
  private onLocalEvent(entry: StudyEntry, e: LocalEvent): string {
    const i = entry.rows.findIndex((r) => r.id === e.id);
    const row = entry.rows[i];
    let message = '';
    if (row) {
      switch (e.type) {
        case 'start':
          entry.rows[i] = { ...row, state: 'running', fraction: 0, message: e.resume ? 'resuming from its checkpoint' : 'starting', scheduler: 'local' };
          message = `run ${e.id} (${e.name}) ${e.resume ? 'resumes' : 'starts'}`;
          break;
        case 'progress':
          entry.rows[i] = { ...row, state: 'running', fraction: e.fraction, message: e.message };
          message = `run ${e.id} (${e.name}): ${e.message}`;
          break;
        case 'waiting':
          entry.rows[i] = { ...row, message: `waiting for its earlier process (pid ${e.pid}) to stop` };
          message = `run ${e.id} (${e.name}) waits for its earlier process`;
          break;
        case 'end':
          message = `run ${e.id} (${e.name}) ${e.state}${e.error ? `: ${e.error}` : ''}`;
          void this.refresh(entry, true).catch(() => undefined);
          return message;
      }
      entry.local?.changed.add(e.id);
    }
    this.scheduleEvent(entry, e.type === 'start');
    return message;
  }

  private scheduleEvent(entry: StudyEntry, now: boolean): void {
    const local = entry.local;
    if (!local) return;
    if (now) {
      this.flush(entry);
      return;
    }
    local.timer ??= setTimeout(() => {
      local.timer = null;
      this.flush(entry);
    }, EVENT_INTERVAL_MS);
  }

  private flush(entry: StudyEntry): void {
    const local = entry.local;
    if (!local) return;
    if (local.timer) clearTimeout(local.timer);
    local.timer = null;
    if (local.changed.size === 0 || this.closed) return;
    const runs = entry.rows.filter((r) => local.changed.has(r.id));
    local.changed.clear();
    this.host.emit({ event: 'study', data: this.progress(entry, runs) });
  }
}
