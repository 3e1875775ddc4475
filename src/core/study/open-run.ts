// A study's run in the workbench. The workbench keeps its own index (the trajectories it opened, the fields it
// computed, the tags a person makes there); the study keeps its index (STUDY/index, which the ensemble analyses read,
// events "confirmed" by a person included). Opening a run brings the run's shard into both (frames, series, cached
// fields and detector candidates: nothing is scanned or computed again), and a person's tags are kept equal in both:
// on opening (the union; at one frame and source the tag changed last wins), and after every change made in the
// workbench (written through: the study's index then holds the workbench's tags of that run).
import { existsSync } from 'node:fs';
import { indexDbPath } from '../index/data-dir.js';
import { IndexDb, type Tag } from '../index/index-db.js';
import { mergeRunShard, realOut } from './collect.js';
import type { StudyPlan } from './plan.js';
import { readRunStatus } from './run-status.js';

/** The workbench's note on a trajectory that it opened as a study's run (a trajectory setting in its index). */
export const STUDY_LINK_SETTING = 'study-run';

export interface StudyLink {
  /** The study file and its index directory. */
  study: string;
  indexDir: string;
  run: number;
  name: string;
}

function tagKey(t: Pick<Tag, 'frame' | 'source'>): string {
  return `${t.frame}|${t.source}`;
}

function sameTag(a: Tag, b: Tag): boolean {
  return a.kind === b.kind && a.score === b.score && a.note === b.note && a.before === b.before && a.after === b.after && a.updatedAt === b.updatedAt;
}

/** Make the tags of trajectory `toId` in `to` those of `fromId` in `from` (kind, note, score, bracket and times); the number of changes. */
export function copyTags(from: IndexDb, fromId: number, to: IndexDb, toId: number): number {
  const source = from.listTags(fromId);
  const wanted = new Map(source.map((t) => [tagKey(t), t]));
  return to.transaction(() => {
    let changes = 0;
    const have = new Map<string, Tag>();
    for (const t of to.listTags(toId)) {
      if (wanted.has(tagKey(t))) {
        have.set(tagKey(t), t);
      } else {
        to.deleteTag(toId, t.id);
        changes++;
      }
    }
    for (const t of source) {
      const cur = have.get(tagKey(t));
      if (cur && sameTag(cur, t)) continue;
      if (cur) {
        to.updateTag(toId, cur.id, { kind: t.kind, score: t.score, note: t.note, before: t.before, after: t.after, updatedAt: t.updatedAt });
      } else {
        to.addTag(toId, {
          frame: t.frame, kind: t.kind, source: t.source, score: t.score, note: t.note, before: t.before, after: t.after, createdAt: t.createdAt, updatedAt: t.updatedAt,
        });
      }
      changes++;
    }
    return changes;
  });
}

/** Add to `a` the tags of `b` that it lacks, and take b's version of a tag at the same frame and source when b's changed later. */
export function unionTags(a: IndexDb, aId: number, b: IndexDb, bId: number): number {
  const mine = new Map(a.listTags(aId).map((t) => [tagKey(t), t]));
  return a.transaction(() => {
    let changes = 0;
    for (const t of b.listTags(bId)) {
      const cur = mine.get(tagKey(t));
      if (cur && (sameTag(cur, t) || t.updatedAt <= cur.updatedAt)) continue;
      if (cur) a.updateTag(aId, cur.id, { kind: t.kind, score: t.score, note: t.note, before: t.before, after: t.after, updatedAt: t.updatedAt });
      else a.addTag(aId, { frame: t.frame, kind: t.kind, source: t.source, score: t.score, note: t.note, before: t.before, after: t.after, createdAt: t.createdAt, updatedAt: t.updatedAt });
      changes++;
    }
    return changes;
  });
}

export interface PreparedRun {
  /** The run's trajectory (its real path: what the workbench opens). */
  path: string;
  /** Its inherent structures when the study writes them. */
  isPath: string | null;
  frames: number;
  tags: number;
}

/**
 * Bring finished run `id` into the workbench's index `workbenchIndexDir`: its shard merged into the study's index and
 * into the workbench's, the person's tags made equal in both, and the trajectory noted as this study's run (so that
 * later tag changes in the workbench reach the study's index: pushStudyTags).
 */
export function prepareStudyRun(plan: StudyPlan, id: number, workbenchIndexDir: string): PreparedRun {
  const run = plan.runs[id];
  if (!run) throw new Error(`${plan.study.file}: run ${id} does not exist (the study plans runs 0-${plan.runs.length - 1})`);
  const status = readRunStatus(run.status);
  if (status?.state !== 'done' || !existsSync(run.shard)) {
    throw new Error(`${plan.study.file}: run ${id} (${run.name}) is not done yet${status ? ` (${status.state})` : ' (not started)'}: it has no index shard to open`);
  }
  const path = realOut(run.out);
  const study = IndexDb.open({ indexDir: plan.indexDir });
  try {
    const wb = IndexDb.open({ indexDir: workbenchIndexDir });
    try {
      mergeRunShard(study, run);
      mergeRunShard(wb, run);
      const s = study.trajectoryByPath(path);
      const w = wb.trajectoryByPath(path);
      if (!s || !w) throw new Error(`${run.shard}: the shard does not index ${path}`);
      unionTags(wb, w.id, study, s.id);
      copyTags(wb, w.id, study, s.id);
      const link: StudyLink = { study: plan.study.file, indexDir: plan.indexDir, run: run.id, name: run.name };
      wb.setTrajectorySetting(w.id, STUDY_LINK_SETTING, link);
      return { path, isPath: run.isOut ? realOut(run.isOut) : null, frames: w.frameCount, tags: wb.listTags(w.id).length };
    } finally {
      wb.close();
    }
  } finally {
    study.close();
  }
}

/** The study a trajectory of the workbench's index was opened from, if any. */
export function studyLinkOf(wb: IndexDb, trajectoryId: number): StudyLink | null {
  const v = wb.trajectorySetting(trajectoryId, STUDY_LINK_SETTING) as Partial<StudyLink> | undefined;
  if (!v || typeof v.indexDir !== 'string' || typeof v.study !== 'string' || typeof v.run !== 'number' || typeof v.name !== 'string') return null;
  return { study: v.study, indexDir: v.indexDir, run: v.run, name: v.name };
}

/**
 * After a tag change in the workbench: when the trajectory is a study's run, write its tags through to the study's
 * index (which then holds exactly the workbench's tags of that run). Returns the link, or null for other trajectories
 * and when the study's index or the run in it is gone.
 */
export function pushStudyTags(wb: IndexDb, trajectoryId: number): StudyLink | null {
  const link = studyLinkOf(wb, trajectoryId);
  const rec = wb.trajectory(trajectoryId);
  if (!link || !rec || !existsSync(indexDbPath(link.indexDir))) return null;
  const study = IndexDb.open({ indexDir: link.indexDir });
  try {
    const s = study.trajectoryByPath(rec.path);
    if (!s) return null;
    copyTags(wb, trajectoryId, study, s.id);
    return link;
  } finally {
    study.close();
  }
}
