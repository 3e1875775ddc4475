// `avw study collect`: merge the finished runs' index shards into the study's index (STUDY/index/index.sqlite), so the
// workbench and the ensemble analyses open every run with its series, tags and cached fields from one index.
// Incremental: a shard unchanged since the last collect is skipped.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IndexDb } from '../index/index-db.js';
import { mergeShard, type ShardMerge } from '../index/merge.js';
import type { PlannedRun, StudyPlan } from './plan.js';
import { readRunStatus } from './run-status.js';

export interface CollectedRun {
  id: number;
  name: string;
  T: number | null;
  seed: number;
  out: string;
  frames: number;
  /** Detector candidates and all tags of the run in the study's index. */
  candidates: number;
  tags: number;
  /** Names of the series kept for the run. */
  series: string[];
}

export interface CollectResult {
  study: string;
  /** The study's index directory. */
  index: string;
  /** Shards merged now, and shards unchanged since the last collect. */
  merged: number;
  unchanged: number;
  /** Runs that are not done (no shard to merge yet). */
  notDone: number[];
  runs: CollectedRun[];
  seconds: number;
}

export function realOut(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Merge one run's shard into an index (the study's, or the workbench's when it opens the run). A study folder may
 * have moved since its runs ran (copied from a cluster): the run's files are taken from its folder here. */
export function mergeRunShard(db: IndexDb, run: PlannedRun, force = false): ShardMerge {
  const here = realOut(run.dir);
  const mapPath = (p: string): string => (basename(dirname(p)) === run.name ? join(here, basename(p)) : p);
  return mergeShard(db, run.shard, { force, mapPath });
}

export function collectStudy(plan: StudyPlan, options: { force?: boolean; onProgress?: (done: number, total: number) => void } = {}): CollectResult {
  const started = performance.now();
  const db = IndexDb.open({ indexDir: plan.indexDir });
  try {
    let merged = 0;
    let unchanged = 0;
    const notDone: number[] = [];
    const runs: CollectedRun[] = [];
    for (const run of plan.runs) {
      options.onProgress?.(run.id, plan.runs.length);
      const s = readRunStatus(run.status);
      if (s?.state !== 'done' || !existsSync(run.shard)) {
        notDone.push(run.id);
        continue;
      }
      const m = mergeRunShard(db, run, options.force);
      if (m.skipped) unchanged++;
      else merged++;
      const rec = db.trajectoryByPath(realOut(run.out));
      if (!rec) throw new Error(`${run.shard}: the shard does not index ${run.out}`);
      const tags = db.listTags(rec.id);
      runs.push({
        id: run.id, name: run.name, T: run.T, seed: run.seed, out: run.out, frames: rec.frameCount,
        candidates: tags.filter((t) => t.source === 'detector').length, tags: tags.length,
        series: [...new Set(db.listSeries(rec.id).map((x) => x.name))],
      });
    }
    db.trimFieldCache();
    options.onProgress?.(plan.runs.length, plan.runs.length);
    return { study: plan.study.name, index: plan.indexDir, merged, unchanged, notDone, runs, seconds: (performance.now() - started) / 1000 };
  } finally {
    db.close();
  }
}
