// The common frame of analysis jobs: open the trajectory through its index (with a small set of recent frames, and
// room for the other trajectories a computation opens), run, always close everything.
import { TrajectorySet, type TrajectoryFrames } from '../fields/frames.js';
import type { JobContext } from './job.js';

export function withTrajectory<R>(params: { path: string; indexDir?: string }, ctx: JobContext, fn: (source: TrajectoryFrames, set: TrajectorySet) => R): R {
  const set = new TrajectorySet({ indexDir: params.indexDir, signal: ctx.signal });
  try {
    return fn(set.get(params.path), set);
  } finally {
    set.close();
  }
}
