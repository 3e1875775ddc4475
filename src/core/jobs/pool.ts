// The parent side of the analysis pool: a few persistent workers (worker threads, or Electron utility processes) that
// keep trajectories open between requests, fed from one priority queue. A request costs its computation, not a start-up.
// Priorities: what is on screen first, then compute-ahead in the direction of travel, then background work (a sweep over
// the whole trajectory), which is cancelled as a group when it is no longer wanted. Long tasks (series, detection) and
// background work never take every worker, so a request for the screen always finds one free. Identical requests
// (same key) are joined, and a joined request lifts the priority of the queued one.
import { JobCancelledError, type JobProgress } from './job.js';
import type { PoolChildMessage, PoolControlMessage, PoolTaskParams } from './pool-host.js';
import { startWorker } from './worker-start.js';

/** What the pool needs of a child, whatever carries it. */
export interface PoolChild {
  send(message: PoolControlMessage): void;
  onMessage(listener: (m: PoolChildMessage) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type SpawnPoolChild = (options: { indexDir: string }) => PoolChild;

/** Priorities (lower first). */
export const PRIORITY = { visible: 0, ahead: 1, background: 2 } as const;

export interface PoolRunOptions {
  /** PRIORITY.visible (default), .ahead or .background. */
  priority?: number;
  /** A long task (a series over every frame, detection): at most size - 1 of them run at once. */
  long?: boolean;
  /** Requests with equal keys are one task. */
  key?: string;
  /** A cancel group (a background sweep): cancelGroup drops its queued tasks. */
  group?: string;
  /** What the task stores (a field family's frame, reference and parameters): `storing(storeKey)` waits for it. */
  storeKey?: string;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

interface Task {
  id: number;
  params: PoolTaskParams;
  priority: number;
  long: boolean;
  key: string | null;
  group: string | null;
  seq: number;
  promise: Promise<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  progress: ((p: JobProgress) => void)[];
  worker: Slot | null;
  /** Only this worker may run it (runOnEach). */
  pinned: Slot | null;
  /** Answered; the worker is storing the values. */
  answered: boolean;
  storeKey: string | null;
  /** Resolved once the worker has stored what it answered (or has stopped). */
  stored: Promise<void> | null;
  markStored: (() => void) | null;
}

interface Slot {
  child: PoolChild;
  task: Task | null;
  alive: boolean;
}

export interface PoolOptions {
  indexDir: string;
  /** Workers (default 2). */
  size?: number;
  spawn?: SpawnPoolChild;
}

export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private queue: Task[] = [];
  private readonly byKey = new Map<string, Task>();
  private nextId = 1;
  private seq = 0;
  private closed = false;
  readonly size: number;
  private readonly spawn: SpawnPoolChild;

  constructor(private readonly options: PoolOptions) {
    this.size = Math.max(1, options.size ?? 2);
    this.spawn = options.spawn ?? spawnPoolWorker;
  }

  /** Start the workers now (they start on first use otherwise), so that the first request does not wait for them. */
  prestart(): void {
    while (!this.closed && this.slots.length < this.size) this.addSlot();
  }

  run<R>(params: PoolTaskParams, options: PoolRunOptions = {}): Promise<R> {
    return this.enqueue<R>(params, options, null);
  }

  /**
   * Run a task once on every worker (each worker has its own caches and compiled code to warm), background priority
   * unless given; started workers only (see prestart). Resolves with the workers' results.
   */
  runOnEach<R>(params: PoolTaskParams, options: Omit<PoolRunOptions, 'key' | 'long'> = {}): Promise<R[]> {
    const live = this.slots.filter((s) => s.alive);
    return Promise.all(live.map((slot) => this.enqueue<R>(params, { priority: PRIORITY.background, ...options }, slot)));
  }

  private enqueue<R>(params: PoolTaskParams, options: PoolRunOptions, pinned: Slot | null): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the analysis pool is closed'));
    if (options.signal?.aborted) return Promise.reject(new JobCancelledError(params.kind));
    const priority = options.priority ?? PRIORITY.visible;
    const key = options.key ?? null;
    const joined = key !== null ? this.byKey.get(key) : undefined;
    if (joined) {
      if (options.onProgress) joined.progress.push(options.onProgress);
      if (priority < joined.priority) {
        joined.priority = priority;
        this.sortQueue();
      }
      // Wanted by someone outside the group now: a group cancel must not drop it.
      if (joined.group !== options.group) joined.group = null;
      return joined.promise as Promise<R>;
    }
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<unknown>((ok, no) => {
      resolve = ok;
      reject = no;
    });
    const task: Task = {
      id: this.nextId++, params, priority, long: options.long === true, key, group: options.group ?? null, seq: this.seq++,
      promise, resolve, reject, progress: options.onProgress ? [options.onProgress] : [], worker: null, pinned, answered: false,
      storeKey: options.storeKey ?? null, stored: null, markStored: null,
    };
    if (key !== null) this.byKey.set(key, task);
    options.signal?.addEventListener('abort', () => this.cancelTask(task), { once: true });
    this.queue.push(task);
    this.sortQueue();
    this.dispatch();
    return promise as Promise<R>;
  }

  /** Drop the queued tasks of a group (they reject with JobCancelledError); returns how many. */
  cancelGroup(group: string): number {
    const dropped = this.queue.filter((t) => t.group === group);
    if (dropped.length === 0) return 0;
    this.queue = this.queue.filter((t) => t.group !== group);
    for (const t of dropped) this.settle(t, () => t.reject(new JobCancelledError(t.params.kind)));
    return dropped.length;
  }

  /** Tell every worker to drop a trajectory (its file changed). */
  forget(path: string): void {
    for (const s of this.slots) if (s.alive) s.child.send({ type: 'forget', path });
  }

  /** Resolves once the values of an answered task with this storeKey are stored; null when none is being stored. */
  storing(storeKey: string): Promise<void> | null {
    for (const s of this.slots) if (s.task?.answered && s.task.storeKey === storeKey) return s.task.stored;
    return null;
  }

  stats(): { workers: number; busy: number; queued: number } {
    return { workers: this.slots.length, busy: this.slots.filter((s) => s.task).length, queued: this.queue.length };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.queue) t.reject(new Error('the analysis pool is closed'));
    this.queue = [];
    for (const s of this.slots) {
      s.alive = false;
      if (s.task) s.task.reject(new Error('the analysis pool is closed'));
      s.child.kill();
    }
    this.slots.length = 0;
    this.byKey.clear();
  }

  // ---- internals ----

  private sortQueue(): void {
    this.queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  /** Work that must leave a worker free: long tasks and the background. */
  private inLane(t: Task): boolean {
    return t.long || t.priority >= PRIORITY.background;
  }

  private addSlot(): Slot {
    const slot: Slot = { child: this.spawn({ indexDir: this.options.indexDir }), task: null, alive: true };
    slot.child.onMessage((m) => this.onMessage(slot, m));
    slot.child.onExit((code) => this.onExit(slot, code));
    this.slots.push(slot);
    return slot;
  }

  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      if (!this.slots.some((s) => s.alive && s.task === null)) {
        if (this.slots.length >= this.size) return;
        this.addSlot();
      }
      // Long tasks and background work share size - 1 workers: one is always left for what is on screen. Background
      // work also waits while a short request for the screen (or compute-ahead) runs, so that request has the cores:
      // on two cores a sweep beside it made the field change at a frame 2-5x slower (`npm run bench -- ui`, cold).
      const laneBusy = this.slots.filter((s) => s.task && this.inLane(s.task)).length;
      const laneFree = this.size === 1 || laneBusy < this.size - 1;
      const urgentRunning = this.slots.some((s) => s.task && !s.task.long && s.task.priority < PRIORITY.background);
      // A task pinned to a worker (its warm-up) is outside the lane: behind a sweep that keeps the lane busy it would
      // wait for the whole sweep, and its worker would answer the user's first requests cold.
      const allowed = (t: Task): boolean => (t.pinned !== null ? !urgentRunning : !this.inLane(t) || (laneFree && !(urgentRunning && t.priority >= PRIORITY.background)));
      let started = false;
      for (const slot of this.slots) {
        if (!slot.alive || slot.task !== null) continue;
        const i = this.queue.findIndex((t) => (t.pinned === null || t.pinned === slot) && allowed(t));
        if (i < 0) continue;
        const [task] = this.queue.splice(i, 1);
        slot.task = task;
        task.worker = slot;
        slot.child.send({ type: 'task', id: task.id, task: task.params });
        started = true;
        break;
      }
      if (!started) return;
    }
  }

  /** A worker is gone: the tasks only it could run are cancelled. */
  private dropPinned(slot: Slot): void {
    const dropped = this.queue.filter((t) => t.pinned === slot);
    if (dropped.length === 0) return;
    this.queue = this.queue.filter((t) => t.pinned !== slot);
    for (const t of dropped) this.settle(t, () => t.reject(new JobCancelledError(t.params.kind)));
  }

  private onMessage(slot: Slot, m: PoolChildMessage): void {
    const task = slot.task;
    if (!task || task.id !== m.id) return;
    if (m.type === 'progress') {
      for (const p of task.progress) p(m.progress);
      return;
    }
    if (m.type === 'result' && m.storing === true) {
      // Answered, and the worker now stores the values: the worker stays taken and the key joined (a request for the same
      // values gets this answer, not a second computation) until it says they are stored.
      task.answered = true;
      task.stored = new Promise<void>((ok) => { task.markStored = ok; });
      task.resolve(m.result);
      return;
    }
    slot.task = null;
    if (m.type === 'stored') this.settle(task, () => undefined);
    else if (m.type === 'result') this.settle(task, () => task.resolve(m.result));
    else this.settle(task, () => task.reject(Object.assign(new Error(m.message), { name: m.name === 'JobCancelledError' ? m.name : 'Error' })));
    this.dispatch();
  }

  private onExit(slot: Slot, code: number | null): void {
    if (!slot.alive) return;
    slot.alive = false;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const task = slot.task;
    slot.task = null;
    if (task) this.settle(task, () => task.reject(new Error(`${task.params.kind}: the analysis worker stopped (exit code ${code})`)));
    this.dropPinned(slot);
    this.dispatch();
  }

  private cancelTask(task: Task): void {
    const q = this.queue.indexOf(task);
    if (q >= 0) {
      this.queue.splice(q, 1);
      this.settle(task, () => task.reject(new JobCancelledError(task.params.kind)));
      return;
    }
    const slot = task.worker;
    // An answered task is only storing its values: nothing to stop.
    if (slot && slot.task === task && !task.answered) {
      // Work runs synchronously in the worker: stop it by replacing the worker (its open trajectories go with it).
      slot.alive = false;
      slot.task = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      slot.child.kill();
      this.settle(task, () => task.reject(new JobCancelledError(task.params.kind)));
      this.dropPinned(slot);
      this.dispatch();
    }
  }

  private settle(task: Task, fn: () => void): void {
    if (task.key !== null && this.byKey.get(task.key) === task) this.byKey.delete(task.key);
    task.worker = null;
    task.markStored?.();
    fn();
  }
}

/** A pool worker in a worker thread (the web host, tests). */
export function spawnPoolWorker(options: { indexDir: string }): PoolChild {
  const worker = startWorker('pool-worker-entry', options);
  // An uncaught error in the thread is followed by its exit, which settles its task.
  worker.on('error', () => undefined);
  return {
    send: (m) => worker.postMessage(m),
    onMessage: (l) => worker.on('message', l),
    onExit: (l) => worker.on('exit', l),
    kill: () => void worker.terminate(),
  };
}
