// Synthetic study runs for tests and benchmarks: trajectories written with the project's GSD writer on a production
// schedule (positions from a function, so answers are known by construction), each run's index shard (its schedule,
// optional tags, series and cached fields) and a status file saying the run is done, as `avw study exec` leaves them.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { orthoBox, type Box } from '../../../src/core/box.js';
import { openIndexed, type IndexedTrajectory } from '../../../src/core/index/indexed-trajectory.js';
import { GsdWriter } from '../../../src/core/io/gsd-writer.js';
import { writeHoomdFrame } from '../../../src/core/jobs/simulate-output.js';
import { scheduleFrameCount, scheduleStep, toFrameSchedule, type ProductionSchedule } from '../../../src/core/sim/protocol.js';
import { analysisKey, writeShard } from '../../../src/core/study/run-exec.js';
import type { PlannedRun, StudyPlan } from '../../../src/core/study/plan.js';
import { writeRunStatus } from '../../../src/core/study/run-status.js';

export interface SyntheticRun {
  n: number;
  schedule: ProductionSchedule;
  dt: number;
  box?: Box;
  /** Unwrapped positions (n*3) of frame f at production step `step` (the box is large enough that nothing wraps). */
  positions: (f: number, step: number, out: Float64Array) => void;
  /** Extra things to put in the run's index (tags, series, cached fields). */
  index?: (t: IndexedTrajectory) => void;
}

/** Write run `run` of `plan` as a finished run (trajectory, shard, status). */
export function writeSyntheticRun(plan: StudyPlan, run: PlannedRun, s: SyntheticRun): void {
  mkdirSync(run.dir, { recursive: true });
  const box = s.box ?? orthoBox(1000, 1000, 1);
  const frames = scheduleFrameCount(s.schedule);
  const w = GsdWriter.create(run.out);
  const pos = new Float64Array(3 * s.n);
  const images = new Int32Array(3 * s.n);
  const diameters = new Float64Array(s.n).fill(1);
  try {
    for (let f = 0; f < frames; f++) {
      const step = scheduleStep(s.schedule, f);
      s.positions(f, step, pos);
      writeHoomdFrame(w, { step, box, dimensions: 2, positions: pos, images, diameters, typeid: new Uint32Array(s.n), types: ['A'], log: {} }, f === 0);
    }
  } finally {
    w.close();
  }
  const work = join(run.dir, '.index-work');
  const t = openIndexed(run.out, { indexDir: work });
  try {
    t.setSchedule(toFrameSchedule(s.schedule, s.dt));
    s.index?.(t);
  } finally {
    t.close();
  }
  writeShard(work, run.shard);
  rmSync(work, { recursive: true, force: true });
  const now = new Date().toISOString();
  writeRunStatus(run.status, {
    format: 'avalanche-workbench/study-run', version: 1, run: { id: run.id, name: run.name, T: run.T, seed: run.seed, runSeed: run.runSeed },
    state: 'done', stage: 'done', fraction: 1, message: 'synthetic', scheduler: 'local', host: 'synthetic', pid: 0, attempt: 1, resumed: false,
    slurm: null, startedAt: now, updatedAt: now, finishedAt: now, analyses: plan.study.analyses.map(analysisKey),
    results: { frames, candidates: 0, tags: 0 }, cpuSeconds: 0, cpuSecondsTotal: 0, wallSeconds: 0, error: null,
  });
}
