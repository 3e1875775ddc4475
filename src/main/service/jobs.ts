// The service's job registry: long work (indexing, simulations) as numbered jobs with a snapshot each, pushed
// to the clients as 'job' events (state changes at once, progress throttled to about 10 a second), cancellable.
// The registry only keeps the books: the work itself runs in a worker (see WorkbenchService).
import type { JobProgress } from '../../core/jobs/job.js';
import type { WorkerJobOptions } from '../../core/jobs/worker-runner.js';
import type { JobSnapshot } from '#shared/api.js';

/** Runs a registered job kind off this thread (default: `runInWorker`, a worker thread). */
export type JobRunner = <R>(kind: string, params: unknown, options?: WorkerJobOptions) => Promise<R>;

export interface JobRunContext {
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

export interface JobSpec<R> {
  kind: string;
  label: string;
  run(ctx: JobRunContext): Promise<R>;
  /** The file a finished job produced (simulations), from its result. */
  outputPath?(result: R): string | null;
}

export interface JobRegistryOptions {
  /** Least time between two progress events of one job (default 100 ms: about 10 a second). */
  progressIntervalMs?: number;
  /** Finished jobs kept for `list()` (default 50); running jobs are always kept. */
  keepFinished?: number;
}

interface Entry {
  snapshot: JobSnapshot;
  controller: AbortController;
  /** Resolves when the job has stopped, whatever the outcome. */
  settled: Promise<void>;
  lastEmit: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** Order in which the job finished (0 while running). */
  finished: number;
}

function isCancelled(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof Error && (e.name === 'JobCancelledError' || e.name === 'AbortError'));
}

export class JobRegistry {
  private nextId = 1;
  private finishCount = 0;
  private readonly jobs = new Map<number, Entry>();
  private readonly interval: number;
  private readonly keepFinished: number;

  constructor(private readonly emit: (snapshot: JobSnapshot) => void, options: JobRegistryOptions = {}) {
    this.interval = options.progressIntervalMs ?? 100;
    this.keepFinished = options.keepFinished ?? 50;
  }

  /** Start a job; `result` settles with the job (a rejection is also reported in the job's snapshot). */
  start<R>(spec: JobSpec<R>): { job: JobSnapshot; result: Promise<R> } {
    const id = this.nextId++;
    const controller = new AbortController();
    const snapshot: JobSnapshot = {
      id, kind: spec.kind, label: spec.label, state: 'running', done: 0, total: 0, message: '',
      outputPath: null, error: null, startedAt: new Date().toISOString(),
    };
    let markSettled!: () => void;
    const entry: Entry = { snapshot, controller, settled: new Promise<void>((ok) => { markSettled = ok; }), lastEmit: 0, timer: null, finished: 0 };
    this.jobs.set(id, entry);
    this.publish(entry);

    const progress = (p: JobProgress): void => {
      if (snapshot.state !== 'running') return;
      snapshot.done = p.done;
      snapshot.total = p.total;
      snapshot.message = p.message;
      const wait = entry.lastEmit + this.interval - Date.now();
      if (wait <= 0) this.publish(entry);
      else entry.timer ??= setTimeout(() => {
        entry.timer = null;
        if (snapshot.state === 'running') this.publish(entry);
      }, wait);
    };
    const finish = (patch: Partial<JobSnapshot>): void => {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      Object.assign(snapshot, patch);
      entry.finished = ++this.finishCount;
      this.publish(entry);
      markSettled();
      this.prune();
    };

    let result: Promise<R>;
    try {
      result = spec.run({ signal: controller.signal, progress });
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      (r) => {
        // Cancelled, and finished anyway before it noticed: still the cancel the user asked for.
        if (controller.signal.aborted) {
          finish({ state: 'cancelled', message: 'cancelled' });
          return;
        }
        const outputPath = spec.outputPath?.(r) ?? null;
        const done = snapshot.total > 0 ? Math.max(snapshot.done, snapshot.total) : snapshot.done;
        finish({ state: 'done', done, outputPath, message: snapshot.message });
      },
      (e: unknown) => {
        if (isCancelled(e, controller.signal)) finish({ state: 'cancelled', message: 'cancelled' });
        else finish({ state: 'failed', error: e instanceof Error ? e.message : String(e) });
      },
    );
    // The caller may not wait for the result (simulations): its failure lives in the snapshot, not as an unhandled rejection.
    result.catch(() => undefined);
    return { job: { ...snapshot }, result };
  }

  /** Every running job and the most recently finished ones, in the order they started. */
  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((e) => ({ ...e.snapshot }));
  }

  get(id: number): JobSnapshot | null {
    const e = this.jobs.get(id);
    return e ? { ...e.snapshot } : null;
  }

  /** Cancel a running job and wait until it has stopped; a finished job is returned as it is. */
  async cancel(id: number): Promise<JobSnapshot> {
    const e = this.jobs.get(id);
    if (!e) throw new Error(`no job ${id}`);
    if (e.snapshot.state === 'running') {
      e.controller.abort();
      await e.settled;
    }
    return { ...e.snapshot };
  }

  /** Cancel everything still running (service shutdown); does not wait. */
  cancelAll(): void {
    for (const e of this.jobs.values()) if (e.snapshot.state === 'running') e.controller.abort();
  }

  private publish(entry: Entry): void {
    entry.lastEmit = Date.now();
    this.emit({ ...entry.snapshot });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((e) => e.finished > 0).sort((a, b) => a.finished - b.finished);
    for (let k = 0; k < finished.length - this.keepFinished; k++) this.jobs.delete(finished[k].snapshot.id);
  }
}
