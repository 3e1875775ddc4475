// The child side of the analysis pool (src/core/jobs/pool.ts): a persistent worker that keeps its index connection and
// the recently used trajectories open (frames in an LRU), and runs one task at a time: compute a field and store it
// (the service has already looked in the cache), compute a series, run the detector. Whatever carries it (a worker
// thread, an Electron utility process) speaks this protocol through a minimal port.
import { IndexDb } from '../index/index-db.js';
import { computeField, resolveField, warmUp, type FieldRequest, type FieldResult } from '../fields/field.js';
import { TrajectorySet } from '../fields/frames.js';
import { computeSeries, resolveSeries, type SeriesRequest, type SeriesResult } from '../fields/series.js';
import { defaultStrainCutoff } from '../fields/registry.js';
import { detect, type DetectParams, type DetectResult } from './detect-job.js';
import { throttledProgress, transferablesOf, type JobProgress } from './job.js';

/** What a pool worker can be asked to do. */
export type PoolTaskParams =
  | { kind: 'field'; path: string; request: FieldRequest }
  | { kind: 'series'; path: string; request: SeriesRequest }
  | { kind: 'detect'; path: string; minScore?: number }
  /** Work out what the fields of a trajectory share, once (the strain family's default neighbourhood), ahead of the first request. */
  | { kind: 'prepare'; path: string }
  /** Compute the fields whose first run is slow (compiled code) once, unstored, so the user's first request is fast. */
  | { kind: 'warm'; path: string };

/** A field as a pool worker answers: without the particle ids (the service has them with the frames). */
export type PoolFieldResult = Omit<FieldResult, 'ids'>;

export type PoolTaskResult<K extends PoolTaskParams['kind']> =
  K extends 'field' ? PoolFieldResult : K extends 'series' ? SeriesResult : K extends 'detect' ? DetectResult
    : K extends 'warm' ? { warmed: string[] } : { strainCutoff: number | null };

export type PoolControlMessage =
  | { type: 'task'; id: number; task: PoolTaskParams }
  /** The file changed or the trajectory was closed: drop it (it is reopened, and re-synced, on next use). */
  | { type: 'forget'; path: string };

export type PoolChildMessage =
  | { type: 'progress'; id: number; progress: JobProgress }
  /** `storing`: a field answered before its values are stored; a `stored` message follows. */
  | { type: 'result'; id: number; result: unknown; storing?: boolean }
  | { type: 'stored'; id: number }
  | { type: 'error'; id: number; message: string; name: string };

export interface PoolPort {
  postMessage(message: PoolChildMessage, transfer?: ArrayBuffer[]): void;
}

export interface PoolHostOptions {
  indexDir: string;
  /** Trajectories kept open (default 4) and recent frames kept per trajectory (default 8). */
  trajectories?: number;
  framesPerTrajectory?: number;
}

/**
 * V8 compiles typed-array code on the assumption that no ArrayBuffer has ever been detached, and throws all such code
 * away when the first one is; a pool worker transfers (detaches) every answer's buffer. Detaching one at start makes
 * what is compiled from then on (the warm-up's D2min included) stay compiled: without it the first D2min after the
 * first answer took 50-60 ms instead of 3-5 ms (N = 2000).
 */
function detachOneBuffer(): void {
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}

/** A pool worker's state: its index connection and open trajectories. `handle` serves one control message. */
export class PoolHost {
  private readonly db: IndexDb;
  private readonly set: TrajectorySet;
  private readonly warmedDimensions = new Set<number>();

  constructor(private readonly port: PoolPort, options: PoolHostOptions) {
    detachOneBuffer();
    this.db = IndexDb.open({ indexDir: options.indexDir });
    this.set = new TrajectorySet({ db: this.db, trajectories: options.trajectories ?? 4, framesPerTrajectory: options.framesPerTrajectory ?? 8 });
  }

  handle(m: PoolControlMessage): void {
    if (m.type === 'forget') {
      this.set.forget(m.path);
      return;
    }
    const { id, task } = m;
    let after: (() => void) | null = null;
    try {
      let result: unknown;
      let transfer: ArrayBuffer[] = [];
      if (task.kind === 'field') {
        // The answer goes out before the values are stored: the store is off the user's path. The answer carries a copy
        // (transferred), the family's own arrays are stored.
        const computed = this.computeField(task);
        const { ids: _ids, ...rest } = computed.result;
        const field: PoolFieldResult = { ...rest, values: rest.values.slice() };
        result = field;
        transfer = transferablesOf(field.values);
        after = computed.store;
      } else {
        // Frames, ids and timesteps stay with the worker's caches: nothing else is transferred.
        result = this.run(id, task);
      }
      this.port.postMessage({ type: 'result', id, result, storing: after !== null }, transfer);
    } catch (e) {
      // A failure may come from a trajectory whose file changed under it: reopen it next time.
      this.set.forget(task.path);
      this.port.postMessage({ type: 'error', id, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (!after) return;
    try {
      after();
    } catch (e) {
      // Not stored (the index went away or is read-only): the answer went out already; it is computed again when asked.
      console.error(`${task.path}: a computed field was not stored in the index: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.port.postMessage({ type: 'stored', id });
  }

  private computeField(task: Extract<PoolTaskParams, { kind: 'field' }>): ReturnType<typeof computeField> {
    const source = this.set.get(task.path);
    const r = resolveField(task.request, source.t.frameCount, source.t.path, (n) => `"params.${n}"`);
    return computeField(source, r, (path) => this.set.get(path));
  }

  private run(id: number, task: PoolTaskParams): unknown {
    const source = this.set.get(task.path);
    const open = (path: string): ReturnType<TrajectorySet['get']> => this.set.get(path);
    const progress = throttledProgress((p) => this.port.postMessage({ type: 'progress', id, progress: p }));
    switch (task.kind) {
      case 'field':
        throw new Error('a field task is answered by computeField');
      case 'series':
        return computeSeries(source, resolveSeries(task.request, (n) => `"params.${n}"`), { progress }, open);
      case 'prepare': {
        let strainCutoff: number | null = null;
        try {
          strainCutoff = defaultStrainCutoff(source);
        } catch {
          // No second shell in g(r): a strain field asked for later says so, with what to do.
        }
        return { strainCutoff };
      }
      case 'warm': {
        // Compiled code serves every trajectory of the same dimensionality: warm once per worker for each.
        const d = source.read(0).dimensions;
        if (this.warmedDimensions.has(d)) return { warmed: [] };
        const r = warmUp(source, open);
        if (r.warmed.length > 0) this.warmedDimensions.add(d);
        return r;
      }
      case 'detect': {
        const p: DetectParams = { path: task.path, minScore: task.minScore, store: true };
        return detect(source, p, { signal: new AbortController().signal, progress });
      }
    }
  }

  close(): void {
    this.set.close();
    this.db.close();
  }
}
