// The transport-agnostic backend: one object implementing the typed API, used by Electron's IPC glue and
// by the web host alike. It owns the trajectory index, the open trajectories and the job registry; everything
// CPU-heavy (indexing, series, fields, detection, simulations) runs as a job in a worker thread, so this
// thread keeps serving requests (figures too: see figures.ts). Events for the clients ('job', 'indexProgress') go to `onEvent` listeners.
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { resolveIndexDir } from '../../core/index/data-dir.js';
import { IndexDb, type Tag } from '../../core/index/index-db.js';
import { openIndexed, type IndexedTrajectory } from '../../core/index/indexed-trajectory.js';
import { exportTags, importTags } from '../../core/index/tags-io.js';
import { cachedField, componentsOf, countInvalid, resolveField, type ResolvedField } from '../../core/fields/field.js';
import type { PoolFieldResult } from '../../core/jobs/pool-host.js';
import { cachedSeries, resolveSeries, type SeriesResult } from '../../core/fields/series.js';
import type { DetectResult } from '../../core/jobs/detect-job.js';
import type { IndexJobResult } from '../../core/jobs/index-job.js';
import type { JobProgress } from '../../core/jobs/job.js';
import { AnalysisPool, PRIORITY, type SpawnPoolChild } from '../../core/jobs/pool.js';
import { JOBS } from '../../core/jobs/registry.js';
import { runInWorker } from '../../core/jobs/worker-runner.js';
import { fieldInfo, fileFieldNames } from '#shared/fields.js';
import { referenceFor } from '#shared/reference-mode.js';
import { openError } from '../../core/io/source-util.js';
import type {
  Api, ApiEvent, ApiMethod, ApiParams, ApiResult, FieldPayload, FramePayload, JobSnapshot, SessionState, TagJson, TrajectoryInfo,
} from '#shared/api.js';
import { AppState } from './app-state.js';
import { framePayload } from './frame-payload.js';
import { FigureService } from './figures.js';
import { JobRegistry, type JobRunner } from './jobs.js';
import { SoftnessService } from './softness.js';
import { defaultAvwCommand, StudyService, type AvwCommand } from './studies.js';
import { defaultSimulationOut, simulationJob, simulationOutput, type SimulationJobMapper } from './simulation.js';
import { appVersion, packageRoot } from '../../core/version.js';

export type { JobRunner };

export interface ServiceOptions {
  host: 'electron' | 'web';
  /** Where the index lives (defaults to AVW_INDEX_DIR or the platform data directory). */
  indexDir?: string;
  /** The application's root (resources/ lives there): the package root for the web host, app.getAppPath() in Electron. */
  appRoot?: string;
  /** How jobs run (tests may wrap it); default `runInWorker`. */
  runJob?: JobRunner;
  /** How a simulation request becomes a job (default: the 'simulate' job kind). */
  simulationJob?: SimulationJobMapper;
  /** Figure jobs running at once; default max(2, cores - 1). */
  maxAnalysisJobs?: number;
  /** Workers of the analysis pool (fields, series, detection); default: the machine's cores. */
  poolSize?: number;
  /** How a pool worker is started (default: a worker thread; Electron: a utility process). */
  spawnPoolChild?: SpawnPoolChild;
  /** Least time between two progress events of one job (default 100 ms). */
  progressIntervalMs?: number;
  /** How a study's runs start `avw` (default: this Node and the built CLI, dist/cli/main.js). */
  avw?: AvwCommand;
}

export type EventListener = (event: ApiEvent) => void;

/** Where the demo trajectory is shipped, relative to the application root. */
export const DEMO_RELATIVE_PATH = join('resources', 'demo', 'demo.gsd');
/** Trajectories kept open at once (the least recently used is closed and reopened on demand). */
const MAX_OPEN = 16;
/** How long a cancelled index job may take to stop by itself before its worker is terminated. */
const INDEX_CANCEL_GRACE_MS = 100;

export { appVersion, packageRoot };

/** The command resources/demo/README.md gives to build the demo (its first shell command). */
export function demoBuildCommand(root: string): string {
  let text: string;
  try {
    text = readFileSync(join(root, 'resources', 'demo', 'README.md'), 'utf8');
  } catch {
    return 'the command in resources/demo/README.md';
  }
  const block = /```[a-z]*\r?\n([\s\S]*?)```/.exec(text);
  if (block) {
    const lines = block[1].split(/\r?\n/).map((l) => l.trim().replace(/^\$\s*/, '')).filter((l) => l && !l.startsWith('#'));
    if (lines.length) return lines.join(' && ');
  }
  const inline = /`((?:npm|npx|node|avw|\.\/)[^`]*)`/.exec(text);
  return inline ? inline[1].trim() : 'the command in resources/demo/README.md';
}

/** A typed array with its own buffer (not a view into a larger one: pooled SQLite blobs, shared slabs). */
function own<T extends Float32Array | Float64Array | Int32Array>(a: T): T {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : (a.slice() as T);
}

/** How the API names a parameter in its errors. */
const API_NAMER = (name: string): string => `"params.${name}"`;

/** What one computation stores together: a family's fields (or a field alone) at a frame, reference and parameters. */
function familyKey(t: IndexedTrajectory, r: ResolvedField): string {
  return `${t.id}|${r.info.family ?? r.name}|${r.frame}|${r.ref}|${r.hash}`;
}

/** At most `limit` tasks at once; the rest wait their turn (first come, first served). */
class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((ok) => this.queue.push(ok));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

export class WorkbenchService implements Api {
  readonly indexDir: string;
  readonly appRoot: string;
  private readonly db: IndexDb;
  private readonly state: AppState;
  private readonly jobs: JobRegistry;
  private readonly runJob: JobRunner;
  private readonly mapSimulation: SimulationJobMapper;
  private readonly analysis: Limiter;
  private readonly figures: FigureService;
  private readonly softness: SoftnessService;
  private readonly studies: StudyService;
  /** Open trajectories by id, least recently used first. */
  private readonly open = new Map<number, IndexedTrajectory>();
  private readonly opening = new Map<string, Promise<TrajectoryInfo>>();
  private readonly pool: AnalysisPool;
  /** The background sweep running now (one at a time: a new one replaces it). */
  private sweep: { group: string; controller: AbortController } | null = null;
  private sweepCount = 0;
  private readonly listeners = new Set<EventListener>();
  private simulationCount = 0;
  private closed = false;

  constructor(private readonly options: ServiceOptions) {
    this.indexDir = resolveIndexDir(options.indexDir);
    this.appRoot = resolve(options.appRoot ?? packageRoot());
    this.db = IndexDb.open({ indexDir: this.indexDir });
    this.state = new AppState(this.db);
    this.runJob = options.runJob ?? runInWorker;
    this.mapSimulation = options.simulationJob ?? simulationJob;
    this.analysis = new Limiter(options.maxAnalysisJobs ?? Math.max(2, availableParallelism() - 1));
    this.jobs = new JobRegistry((data) => this.emit({ event: 'job', data }), { progressIntervalMs: options.progressIntervalMs });
    this.figures = new FigureService({ indexDir: this.indexDir, runJob: this.runJob, queue: (task) => this.analysis.run(task), jobs: this.jobs });
    this.softness = new SoftnessService({ indexDir: this.indexDir, runJob: this.runJob, queue: (task) => this.analysis.run(task), jobs: this.jobs });
    this.pool = new AnalysisPool({ indexDir: this.indexDir, size: options.poolSize ?? availableParallelism(), spawn: options.spawnPoolChild });
    this.studies = new StudyService({
      indexDir: this.indexDir, runJob: this.runJob, queue: (task) => this.analysis.run(task), jobs: this.jobs,
      emit: (event) => this.emit(event),
      openTrajectory: (path) => this.openTrajectory({ path }),
      forget: (path) => this.pool.forget(path),
      claimOutput: (out, overwrite) => this.figures.claimOutput(out, overwrite),
      releaseOutput: (files) => this.figures.releaseOutput(files),
      avw: options.avw ?? defaultAvwCommand(),
    });
  }

  // ---- events ----

  /** Listen to the events pushed to clients; returns the function that stops listening. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ApiEvent): void {
    if (this.closed) return;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A failing client must not stop the others.
      }
    }
  }

  // ---- the API ----

  async version(): Promise<ApiResult<'version'>> {
    return { app: 'Avalanche Workbench', version: appVersion(), host: this.options.host };
  }

  /** Open a trajectory: index it in a worker (a job, with 'indexProgress' events) unless the index is up to date. */
  async openTrajectory(params: ApiParams<'openTrajectory'>): Promise<TrajectoryInfo> {
    let abs: string;
    try {
      abs = realpathSync(resolve(params.path));
    } catch (e) {
      throw openError(params.path, e);
    }
    const pending = this.opening.get(abs);
    if (pending) return pending;
    const p = this.openAbsolute(abs).finally(() => this.opening.delete(abs));
    this.opening.set(abs, p);
    return p;
  }

  async openDemo(): Promise<TrajectoryInfo> {
    const path = join(this.appRoot, DEMO_RELATIVE_PATH);
    if (!existsSync(path)) throw new Error(`the demo trajectory is not built: run ${demoBuildCommand(this.appRoot)} (expected ${path})`);
    return this.openTrajectory({ path });
  }

  async recentFiles(): Promise<ApiResult<'recentFiles'>> {
    return { paths: this.state.recentFiles() };
  }

  async getFrame(params: ApiParams<'getFrame'>): Promise<FramePayload> {
    const t = this.trajectory(params.trajectoryId);
    this.checkFrame(t, params.frame);
    const f = t.readFrame(params.frame, { unwrapped: params.unwrapped === true });
    return framePayload(t.id, params.frame, f, params);
  }

  async getSeries(params: ApiParams<'getSeries'>): Promise<ApiResult<'getSeries'>> {
    const t = this.trajectory(params.trajectoryId);
    const r = resolveSeries({ name: params.name, params: params.params }, API_NAMER);
    // Already in the index for every frame: no worker needed.
    const hit = cachedSeries(t, r);
    if (hit) return { name: r.name, timesteps: t.timesteps().slice(), values: hit.slice() };
    const result = await this.pool.run<SeriesResult>({ kind: 'series', path: t.path, request: { name: r.name, params: r.given } }, {
      long: true, key: `series|${t.id}|${r.name}|${r.hash}`,
    });
    return { name: r.name, timesteps: own(result.frames), values: own(result.values) };
  }

  /** A field of a frame: from the index's cache, else computed by a pool worker (which stores it, with its family). */
  async getField(params: ApiParams<'getField'>): Promise<FieldPayload> {
    const t = this.trajectory(params.trajectoryId);
    this.checkFrame(t, params.frame);
    const r = resolveField({ name: params.name, frame: params.frame, ref: params.ref, params: params.params }, t.frameCount, t.path, API_NAMER);
    const components = componentsOf(r, t.dimensions);
    let hit = cachedField(t, r);
    // Its family may just have been computed and be on its way into the index.
    const storing = hit ? null : this.pool.storing(familyKey(t, r));
    if (storing) {
      await storing;
      hit = cachedField(t, r);
    }
    if (hit) {
      const values = own(hit);
      return { trajectoryId: t.id, name: r.name, frame: r.frame, ref: r.ref, components, values, invalidCount: countInvalid(values, components) };
    }
    const priority = params.priority === 'background' ? PRIORITY.background : params.priority === 'ahead' ? PRIORITY.ahead : PRIORITY.visible;
    const f = await this.computeField(t, r, priority);
    return { trajectoryId: t.id, name: f.name, frame: f.frame, ref: f.ref, components: f.components, values: own(f.values), invalidCount: f.invalidCount };
  }

  private computeField(t: IndexedTrajectory, r: ResolvedField, priority: number, group?: string): Promise<PoolFieldResult> {
    return this.pool.run<PoolFieldResult>({ kind: 'field', path: t.path, request: { name: r.name, frame: r.frame, ref: r.info.reference === 'pair' ? r.ref : undefined, params: r.given } }, {
      priority, group, key: `field|${t.id}|${r.name}|${r.frame}|${r.ref}|${r.hash}`, storeKey: familyKey(t, r),
    });
  }

  /**
   * Compute a field for every frame in the background (nearest to `around` first), so that scrubbing finds it cached. One
   * sweep at a time: a new one (another field, reference or parameters) cancels the one before. Resolves when the sweep
   * has finished or was replaced.
   */
  async warmFields(params: ApiParams<'warmFields'>): Promise<ApiResult<'warmFields'>> {
    const t = this.trajectory(params.trajectoryId);
    this.stopSweep();
    const group = `sweep-${++this.sweepCount}`;
    const controller = new AbortController();
    this.sweep = { group, controller };
    const info = fieldInfo(params.name as Parameters<typeof fieldInfo>[0]);
    const n = t.frameCount;
    const around = Math.min(Math.max(0, params.around ?? 0), n - 1);
    const order: number[] = [];
    for (let d = 0; order.length < n; d++) {
      if (around + d < n) order.push(around + d);
      if (d > 0 && around - d >= 0) order.push(around - d);
    }
    // What is cached already, per parameter hash (one hash for the whole sweep, in practice): from a covering index.
    const cachedByHash = new Map<string, Set<string>>();
    const isCached = (r: ResolvedField): boolean => {
      let set = cachedByHash.get(r.hash);
      if (!set) {
        set = new Set(t.db.cachedFieldFrames(t.id, r.name, r.hash).map((c) => `${c.frame}|${c.refFrame}`));
        cachedByHash.set(r.hash, set);
      }
      return set.has(`${r.frame}|${r.ref}`);
    };
    const wanted: ResolvedField[] = [];
    for (const f of order) {
      let ref: number | undefined;
      if (info.reference === 'pair') {
        const m = params.reference ?? { mode: 'previous' as const };
        ref = referenceFor(m.mode, f, m.frame ?? 0, m.lag ?? 1);
        if (ref < 0 || ref >= n) continue;
      } else if (info.reference === 'previous' && f === 0) {
        continue;
      }
      const r = resolveField({ name: params.name, frame: f, ref, params: params.params }, n, t.path, API_NAMER);
      if (!r.cached || isCached(r)) continue;
      wanted.push(r);
    }
    let computed = 0;
    let failed = 0;
    let error: string | null = null;
    const settled = await Promise.allSettled(wanted.map((r) => this.computeField(t, r, PRIORITY.background, group).then(() => {
      computed++;
    })));
    for (const s of settled) {
      if (s.status === 'fulfilled' || (s.reason instanceof Error && s.reason.name === 'JobCancelledError')) continue;
      failed++;
      error ??= s.reason instanceof Error ? s.reason.message : String(s.reason);
    }
    const cancelled = controller.signal.aborted;
    if (this.sweep?.group === group) this.sweep = null;
    return { frames: n, queued: wanted.length, computed, failed, cancelled, error };
  }

  private stopSweep(): void {
    if (!this.sweep) return;
    this.sweep.controller.abort();
    this.pool.cancelGroup(this.sweep.group);
    this.sweep = null;
  }

  async detect(params: ApiParams<'detect'>): Promise<ApiResult<'detect'>> {
    const t = this.trajectory(params.trajectoryId);
    const r = await this.pool.run<DetectResult>({ kind: 'detect', path: t.path }, { long: true, key: `detect|${t.id}` });
    this.tagsChanged(t);
    return { candidates: r.candidates.map((c) => ({ frame: c.frame, score: c.score, before: c.before, after: c.after })) };
  }

  async listTags(params: ApiParams<'listTags'>): Promise<ApiResult<'listTags'>> {
    const t = this.trajectory(params.trajectoryId);
    const dt = t.schedule.dt;
    return { tags: t.listTags().map((g) => this.tagJson(t, g, dt)) };
  }

  async addTag(params: ApiParams<'addTag'>): Promise<TagJson> {
    const t = this.trajectory(params.trajectoryId);
    this.checkFrame(t, params.frame);
    const tag = this.tagJson(t, t.addTag({ frame: params.frame, kind: params.kind, source: 'manual', note: params.note ?? '' }));
    this.tagsChanged(t);
    return tag;
  }

  async updateTag(params: ApiParams<'updateTag'>): Promise<TagJson> {
    const t = this.trajectory(params.trajectoryId);
    const patch: { kind?: Tag['kind']; note?: string } = {};
    if (params.kind !== undefined) patch.kind = params.kind;
    if (params.note !== undefined) patch.note = params.note;
    const tag = this.tagJson(t, t.updateTag(params.tagId, patch));
    this.tagsChanged(t);
    return tag;
  }

  async deleteTag(params: ApiParams<'deleteTag'>): Promise<{ deleted: true }> {
    const t = this.trajectory(params.trajectoryId);
    t.deleteTag(params.tagId);
    this.tagsChanged(t);
    return { deleted: true };
  }

  async exportTags(params: ApiParams<'exportTags'>): Promise<{ text: string }> {
    return { text: exportTags(this.trajectory(params.trajectoryId), params.format) };
  }

  async importTags(params: ApiParams<'importTags'>): Promise<ApiResult<'importTags'>> {
    const t = this.trajectory(params.trajectoryId);
    const r = importTags(t, `the imported ${params.format.toUpperCase()}`, params.text, params.format);
    this.tagsChanged(t);
    return { inserted: r.inserted, updated: r.updated, warnings: r.warnings };
  }

  async getSession(): Promise<SessionState> {
    return this.state.session();
  }

  async saveSession(params: SessionState): Promise<{ saved: true }> {
    this.state.saveSession({ lastFile: params.lastFile, frame: params.frame, field: params.field, layout: params.layout });
    return { saved: true };
  }

  /** Start a simulation job; progress comes as 'job' events, the finished job names the trajectory it wrote. */
  async startSimulation(params: ApiParams<'startSimulation'>): Promise<JobSnapshot> {
    const number = ++this.simulationCount;
    let out: string;
    if (params.out !== undefined) {
      out = resolve(params.out);
      if (existsSync(out)) throw new Error(`${out} already exists; choose a new output file (existing files are never overwritten)`);
      if (!existsSync(dirname(out))) throw new Error(`${dirname(out)}: no such directory for the simulation output`);
    } else {
      out = defaultSimulationOut(this.indexDir, params.kind, number);
      for (let k = 2; existsSync(out); k++) out = defaultSimulationOut(this.indexDir, params.kind, `${number}-${k}`);
      mkdirSync(dirname(out), { recursive: true });
    }
    const spec = this.mapSimulation(params, out, this.indexDir);
    // The job's own validation, here, so a bad parameter fails the request instead of a job.
    const definition = JOBS[spec.kind];
    if (!definition) throw new Error(`simulations are not available: no "${spec.kind}" job in this build`);
    definition.validate(spec.params);
    const { job } = this.jobs.start({
      kind: spec.kind,
      label: spec.label,
      run: ({ signal, progress }) => this.runJob(spec.kind, spec.params, { signal, onProgress: progress }),
      outputPath: (r) => simulationOutput(r, out),
    });
    return job;
  }

  async listJobs(): Promise<{ jobs: JobSnapshot[] }> {
    return { jobs: this.jobs.list() };
  }

  async cancelJob(params: ApiParams<'cancelJob'>): Promise<JobSnapshot> {
    return this.jobs.cancel(params.jobId);
  }

  /** The figure of a spec as SVG (a 'figure' job in a worker); a newer preview cancels an older one still running. */
  async previewFigure(params: ApiParams<'previewFigure'>): Promise<ApiResult<'previewFigure'>> {
    return this.figures.preview(this.trajectory(params.trajectoryId), params.spec);
  }

  /** Write a figure with its sidecar spec and CSV (a 'figure' job, listed among the jobs); existing files only with `overwrite`. */
  async exportFigure(params: ApiParams<'exportFigure'>): Promise<ApiResult<'exportFigure'>> {
    return this.figures.export(this.trajectory(params.trajectoryId), params.spec, params.out, params.overwrite === true);
  }

  /** Train a softness model on the open trajectory: a 'softness-train' job (listed, cancellable), returned at once. */
  async trainSoftness(params: ApiParams<'trainSoftness'>): Promise<JobSnapshot> {
    return this.softness.train(this.trajectory(params.trajectoryId), params);
  }

  /** A softness model file, checked, with the accuracies of its hyperplanes. */
  async loadSoftnessModel(params: ApiParams<'loadSoftnessModel'>): Promise<ApiResult<'loadSoftnessModel'>> {
    return this.softness.load(params.path);
  }

  // ---- studies (src/main/service/studies.ts) ----

  /** Read a study file and the state of every run. */
  async openStudy(params: ApiParams<'openStudy'>): Promise<ApiResult<'openStudy'>> {
    return this.studies.open(params);
  }

  async studyStatus(params: ApiParams<'studyStatus'>): Promise<ApiResult<'studyStatus'>> {
    return this.studies.status(params);
  }

  /** Run a study here (a 'study' job, progress as 'study' events) or submit it to SLURM. */
  async runStudy(params: ApiParams<'runStudy'>): Promise<ApiResult<'runStudy'>> {
    return this.studies.run(params);
  }

  async collectStudy(params: ApiParams<'collectStudy'>): Promise<ApiResult<'collectStudy'>> {
    return this.studies.collect(params);
  }

  /** Open a study's run as any trajectory (a finished one with its shard's series, fields and tags). */
  async openStudyRun(params: ApiParams<'openStudyRun'>): Promise<ApiResult<'openStudyRun'>> {
    return this.studies.openRun(params);
  }

  async previewStudyFigure(params: ApiParams<'previewStudyFigure'>): Promise<ApiResult<'previewStudyFigure'>> {
    return this.studies.preview(params);
  }

  async exportStudyFigure(params: ApiParams<'exportStudyFigure'>): Promise<ApiResult<'exportStudyFigure'>> {
    return this.studies.export(params);
  }

  /** Dispatch a validated request by name. */
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const fn = this[method] as (p: ApiParams<M>) => Promise<ApiResult<M>>;
    return fn.call(this, params);
  }

  /** What the service holds now, for the soak test (tests/reliability/soak.test.ts): pool workers, event listeners, open trajectories. */
  diagnostics(): { pool: { workers: number; busy: number; queued: number }; listeners: number; open: number } {
    return { pool: this.pool.stats(), listeners: this.listeners.size, open: this.open.size };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.studies.close();
    this.jobs.cancelAll();
    this.pool.close();
    this.listeners.clear();
    for (const t of this.open.values()) t.close();
    this.open.clear();
    this.db.close();
  }

  // ---- internals ----

  private async openAbsolute(abs: string): Promise<TrajectoryInfo> {
    this.pool.prestart();
    if (!this.indexUpToDate(abs)) {
      let indexJobId = 0;
      const { job, result } = this.jobs.start<IndexJobResult>({
        kind: 'index',
        label: `Indexing ${abs}`,
        run: async ({ signal, progress }) => {
          const r = await this.runJob<IndexJobResult>('index', { path: abs, indexDir: this.indexDir }, {
            signal,
            // The scan runs synchronously in its worker, so it sees a cancel only when it ends; what it has committed
            // is safe (the next open resumes from there), so the worker is stopped at once rather than after 2 s.
            cancelGraceMs: INDEX_CANCEL_GRACE_MS,
            onProgress: (p: JobProgress) => {
              progress(p);
              const frames = /(\d+) frames/.exec(p.message);
              this.emit({ event: 'indexProgress', data: { jobId: indexJobId, path: abs, done: p.done, total: p.total, frames: frames ? Number(frames[1]) : 0 } });
            },
          });
          progress({ done: 1, total: 1, message: `${r.frames} frames (${r.outcome})` });
          return r;
        },
      });
      indexJobId = job.id;
      // The client learns the index job's id at once (to cancel it), before the first progress of the scan.
      this.emit({ event: 'indexProgress', data: { jobId: job.id, path: abs, done: 0, total: 0, frames: this.db.trajectoryByPath(abs)?.frameCount ?? 0 } });
      const cancelled = new Error(`${abs}: opening was cancelled (indexing stopped)`);
      let r: IndexJobResult;
      try {
        r = await result;
      } catch (e) {
        if (e instanceof Error && e.name === 'JobCancelledError') throw cancelled;
        throw e;
      }
      // The scan may end just after the cancel: the index is then complete, but this open was still cancelled.
      if (this.jobs.get(job.id)?.state === 'cancelled') throw cancelled;
      this.emit({ event: 'indexProgress', data: { jobId: job.id, path: abs, done: 1, total: 1, frames: r.frames } });
      // The pool's workers may hold the file as it was: they reopen (and re-sync) it on next use.
      this.pool.forget(abs);
    }
    if (this.closed) throw new Error('the workbench service is closed');
    const t = openIndexed(abs, { db: this.db });
    const info = t.info();
    if (!info.timesteps || !info.box) {
      t.close();
      throw new Error(`${abs}: no complete frame${t.damage ? ` (${t.damage.message})` : ''}`);
    }
    this.open.get(t.id)?.close();
    this.open.delete(t.id);
    this.keepOpen(t);
    this.state.addRecentFile(t.path);
    // In the background, what the first field request would otherwise wait for (the strain neighbourhood from g(r)).
    this.pool.run({ kind: 'prepare', path: t.path }, { priority: PRIORITY.background, key: `prepare|${t.id}` }).catch(() => undefined);
    // And in every worker, the fields whose first run is slow (compiled code), so that the first one asked for is fast.
    this.pool.runOnEach({ kind: 'warm', path: t.path }).catch(() => undefined);
    const fileFields = fileFieldNames(Object.keys(t.readFrame(0).properties));
    return {
      id: t.id,
      path: t.path,
      format: info.format,
      frames: info.frames,
      particles: info.particles,
      particlesConstant: info.particlesConstant,
      dimensions: info.dimensions,
      timesteps: info.timesteps,
      box: { origin: info.box.origin, vectors: info.box.vectors, periodic: t.entry(0).box.periodic },
      damage: t.damage ? t.damage.message : null,
      fileFields,
    };
  }

  /** The index holds a complete scan of the file as it is on disk now (so opening it scans nothing). */
  private indexUpToDate(abs: string): boolean {
    const rec = this.db.trajectoryByPath(abs);
    if (!rec || !rec.complete) return false;
    try {
      const st = statSync(abs);
      return st.size === rec.size && st.mtimeMs === rec.mtimeMs;
    } catch {
      return false;
    }
  }

  private keepOpen(t: IndexedTrajectory): void {
    this.open.set(t.id, t);
    while (this.open.size > MAX_OPEN) {
      const [oldest, ot] = this.open.entries().next().value as [number, IndexedTrajectory];
      ot.close();
      this.open.delete(oldest);
    }
  }

  /** An open trajectory by id; one opened before (or by an earlier run) is reopened when its file is unchanged. */
  private trajectory(id: number): IndexedTrajectory {
    if (this.closed) throw new Error('the workbench service is closed');
    const t = this.open.get(id);
    if (t) {
      this.open.delete(id);
      this.open.set(id, t);
      return t;
    }
    const rec = this.db.trajectory(id);
    if (!rec) throw new Error(`trajectory ${id} is not open; open its file first`);
    if (!this.indexUpToDate(rec.path)) throw new Error(`trajectory ${id} (${rec.path}) is not open or changed on disk; open the file again`);
    const reopened = openIndexed(rec.path, { db: this.db });
    this.keepOpen(reopened);
    return reopened;
  }

  /** Tags of `t` changed here: a study's run gets them written through to the study's index. */
  private tagsChanged(t: IndexedTrajectory): void {
    this.studies.tagsChanged(this.db, t.id);
  }

  private checkFrame(t: IndexedTrajectory, frame: number): void {
    if (frame >= t.frameCount) throw new Error(`frame ${frame} is out of range (the trajectory has ${t.frameCount} frames)`);
  }

  private tagJson(t: IndexedTrajectory, g: Tag, dt: number | null = t.schedule.dt): TagJson {
    let timestep = -1;
    let time: number | null = null;
    if (g.frame < t.frameCount) {
      timestep = t.timesteps()[g.frame];
      time = dt !== null ? timestep * dt : t.entry(g.frame).time;
    }
    const json: TagJson = {
      id: g.id, frame: g.frame, timestep, time, kind: g.kind, source: g.source, score: g.score, note: g.note,
      createdAt: g.createdAt, updatedAt: g.updatedAt,
    };
    if (g.before !== null && g.after !== null) {
      json.before = g.before;
      json.after = g.after;
    }
    return json;
  }
}
