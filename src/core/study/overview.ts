// A study at a glance (the workbench's Study view): every run's state and progress (status.ts: the runs' own files,
// squeue / sacct for SLURM), and what it holds: frames, detector candidates and tags, from the study's index when the
// run has been collected there (a person's tags included), else from the run's own status file.
import { existsSync } from 'node:fs';
import { indexDbPath } from '../index/data-dir.js';
import { IndexDb } from '../index/index-db.js';
import { realOut } from './collect.js';
import type { StudyPlan } from './plan.js';
import { readRunStatus } from './run-status.js';
import type { CommandRunner } from './slurm.js';
import { studyStatus, type RunDetail } from './status.js';

export interface RunOverview extends RunDetail {
  /** Every tag of the run (detector candidates and a person's), or null before the run has produced any. */
  tags: number | null;
}

export interface StudyOverview {
  runs: RunOverview[];
  done: number;
  failed: number;
  /** Of the whole study, 0..1 (finished runs count 1). */
  fraction: number;
  /** Sources that could not be asked (squeue missing, accounting disabled, ...). */
  notes: string[];
}

export function studyOverview(plan: StudyPlan, options: { runner?: CommandRunner } = {}): StudyOverview {
  const s = studyStatus(plan, options);
  const counts = new Map<number, { frames: number; candidates: number; tags: number }>();
  if (existsSync(indexDbPath(plan.indexDir))) {
    const db = IndexDb.open({ indexDir: plan.indexDir });
    try {
      for (const run of plan.runs) {
        const rec = db.trajectoryByPath(realOut(run.out));
        if (!rec) continue;
        const tags = db.listTags(rec.id);
        counts.set(run.id, { frames: rec.frameCount, candidates: tags.filter((t) => t.source === 'detector').length, tags: tags.length });
      }
    } finally {
      db.close();
    }
  }
  const runs = s.runs.map((r): RunOverview => {
    const c = counts.get(r.id);
    if (c) return { ...r, frames: c.frames, candidates: c.candidates, tags: c.tags };
    return { ...r, tags: readRunStatus(plan.runs[r.id]!.status)?.results?.tags ?? null };
  });
  const fraction = runs.reduce((a, r) => a + (r.state === 'done' ? 1 : r.fraction), 0) / Math.max(1, runs.length);
  return { runs, done: s.json.done, failed: s.json.failed, fraction, notes: s.notes };
}
