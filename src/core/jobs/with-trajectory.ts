// The common frame of analysis jobs: open the trajectory through its index, run, always close.
import { openIndexed, type IndexedTrajectory } from '../index/indexed-trajectory.js';
import type { JobContext } from './job.js';

export function withTrajectory<R>(params: { path: string; indexDir?: string }, ctx: JobContext, fn: (t: IndexedTrajectory) => R): R {
  const t = openIndexed(params.path, { indexDir: params.indexDir, signal: ctx.signal });
  try {
    return fn(t);
  } finally {
    t.close();
  }
}
