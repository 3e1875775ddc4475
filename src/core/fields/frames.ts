// Open trajectories and their recently read frames, for computations that read the same frames again (a field at
// frame f reads f and f - 1; the next one f + 1 and f). A persistent worker keeps one set alive between requests; a
// one-shot job opens one and closes it at the end. Frames handed out are shared: callers must not modify them.
import { openIndexed, type IndexedTrajectory } from '../index/indexed-trajectory.js';
import type { IndexDb } from '../index/index-db.js';
import type { Frame } from '../io/types.js';

/** A least-recently-used map bounded by count. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number, private readonly onEvict?: (key: K, value: V) => void) {}
  get size(): number {
    return this.map.size;
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    const old = this.map.get(key);
    this.map.delete(key);
    if (old !== undefined && old !== value) this.onEvict?.(key, old);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const [k, v] = this.map.entries().next().value as [K, V];
      this.map.delete(k);
      this.onEvict?.(k, v);
    }
  }
  delete(key: K): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    this.map.delete(key);
    this.onEvict?.(key, v);
  }
  values(): IterableIterator<V> {
    return this.map.values();
  }
  clear(): void {
    for (const [k, v] of [...this.map]) {
      this.map.delete(k);
      this.onEvict?.(k, v);
    }
  }
}

/** A trajectory with its recent frames. */
export class TrajectoryFrames {
  private readonly frames: Lru<number, Frame>;
  constructor(readonly t: IndexedTrajectory, capacity = 8) {
    this.frames = new Lru(capacity);
  }

  /** Frame i; with `unwrapped`, its unwrapped positions too (by continuity when the file does not determine them). */
  read(i: number, options: { unwrapped?: boolean } = {}): Frame {
    const hit = this.frames.get(i);
    if (hit && (!options.unwrapped || hit.unwrapped)) return hit;
    const f = this.t.readFrame(i, { unwrapped: options.unwrapped === true });
    this.frames.set(i, f);
    return f;
  }

  /** Keep a frame the caller has read already. */
  remember(f: Frame): void {
    if (!this.frames.get(f.index)) this.frames.set(f.index, f);
  }
}

export interface TrajectorySetOptions {
  /** The index to open trajectories in (shared by all of them); else each opens its own in `indexDir`. */
  db?: IndexDb;
  indexDir?: string;
  signal?: AbortSignal;
  /** Trajectories kept open (default 4) and frames kept per trajectory (default 8). */
  trajectories?: number;
  framesPerTrajectory?: number;
}

/** Open trajectories by absolute path, least recently used closed first. */
export class TrajectorySet {
  private readonly open: Lru<string, TrajectoryFrames>;
  constructor(private readonly options: TrajectorySetOptions = {}) {
    this.open = new Lru(options.trajectories ?? 4, (_k, v) => v.t.close());
  }

  /** The trajectory at `path` (absolute), opened through the index (and brought up to date) on first use. */
  get(path: string): TrajectoryFrames {
    let s = this.open.get(path);
    if (!s) {
      const t = openIndexed(path, { db: this.options.db, indexDir: this.options.indexDir, signal: this.options.signal });
      s = new TrajectoryFrames(t, this.options.framesPerTrajectory ?? 8);
      this.open.set(path, s);
    }
    return s;
  }

  /** Adopt a trajectory the caller opened (closed with the set). */
  adopt(t: IndexedTrajectory): TrajectoryFrames {
    const s = new TrajectoryFrames(t, this.options.framesPerTrajectory ?? 8);
    this.open.set(t.path, s);
    return s;
  }

  /** Forget (and close) a trajectory, e.g. after its file changed. */
  forget(path: string): void {
    this.open.delete(path);
  }

  close(): void {
    this.open.clear();
  }
}
