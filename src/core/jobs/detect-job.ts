// Avalanche candidates from MSD jumps, stored as detector tags that a person confirms or rejects, each with its
// event's bracket (the last frame before the jump, the frame where it has ended). Re-running the detector updates
// scores and brackets, adds new candidates and removes unconfirmed candidates it no longer finds; anything a person
// has touched (a kind other than 'candidate', or a note) is kept.
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import { JUMP_DETECTION_DEFAULTS, detectJumps, type JumpCandidate } from '../analysis/detect.js';
import type { OptionSpec } from '#shared/options.js';
import type { TrajectoryFrames } from '../fields/frames.js';
import { computeSeries, resolveSeries } from '../fields/series.js';
import type { JobContext, JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export interface DetectParams {
  path: string;
  indexDir?: string;
  /** Minimum robust z-score (default: the detector's documented default). */
  minScore?: number;
  /** Store the candidates as detector tags (default true). */
  store?: boolean;
}

export interface DetectResult {
  candidates: { frame: number; score: number; before: number; after: number; size: number }[];
  added: number;
  updated: number;
  removed: number;
}

/**
 * The detector's threshold as the command line takes it (--min-score): at least the extend score, since an event grows
 * from its strongest increment over the increments scoring >= extendScore (detect.ts, step 6).
 */
export const MIN_SCORE_OPTION = {
  type: 'number', min: JUMP_DETECTION_DEFAULTS.extendScore, max: 1000, why: `at least the detector's extend score, ${JUMP_DETECTION_DEFAULTS.extendScore}`,
} as const satisfies OptionSpec;

export function validateDetectParams(raw: unknown): DetectParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) throw new Error('detect: "path" must be a file path');
  const o = MIN_SCORE_OPTION;
  if (p.minScore !== undefined && !(typeof p.minScore === 'number' && p.minScore >= o.min && p.minScore <= o.max)) {
    throw new Error(`detect: "minScore" must be a number >= ${o.min} and <= ${o.max}, ${o.why} (got ${JSON.stringify(p.minScore)})`);
  }
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') throw new Error('detect: "indexDir" must be a directory');
  return { path: p.path, indexDir: p.indexDir as string | undefined, minScore: p.minScore as number | undefined, store: p.store !== false };
}

/**
 * Write the candidates as detector tags (kind 'candidate'), keeping whatever a person decided. One write transaction:
 * a tag a person edits in the workbench meanwhile is either seen (and kept) or edited after this commits, never lost.
 */
export function storeCandidates(t: IndexedTrajectory, candidates: readonly JumpCandidate[]): { added: number; updated: number; removed: number } {
  return t.db.transaction(() => storeCandidatesNow(t, candidates));
}

function storeCandidatesNow(t: IndexedTrajectory, candidates: readonly JumpCandidate[]): { added: number; updated: number; removed: number } {
  let added = 0, updated = 0, removed = 0;
  const detectorTags = new Map(t.listTags().filter((g) => g.source === 'detector').map((g) => [g.frame, g]));
  const found = new Set<number>();
  for (const c of candidates) {
    found.add(c.frame);
    const note = `MSD jump: frames ${c.before}..${c.after}`;
    const existing = detectorTags.get(c.frame);
    if (!existing) {
      t.addTag({ frame: c.frame, kind: 'candidate', source: 'detector', score: c.score, note, before: c.before, after: c.after });
      added++;
    } else if (existing.score !== c.score || existing.before !== c.before || existing.after !== c.after) {
      t.updateTag(existing.id, { score: c.score, before: c.before, after: c.after });
      updated++;
    }
  }
  for (const [frame, tag] of detectorTags) {
    const untouched = tag.kind === 'candidate' && (tag.note === '' || tag.note.startsWith('MSD jump:'));
    if (!found.has(frame) && untouched) {
      t.deleteTag(tag.id);
      removed++;
    }
  }
  return { added, updated, removed };
}

export function detect(source: TrajectoryFrames, p: DetectParams, ctx: JobContext): DetectResult {
  const t = source.t;
  const msd = computeSeries(source, resolveSeries({ name: 'msd' }), ctx).values;
  // Log-spaced schedules: the detector compares increments at equal time lags, so it needs the frames' times.
  const times = t.timesteps();
  const r = detectJumps({ msd, times, minScore: p.minScore });
  const counts = p.store !== false ? storeCandidates(t, r.candidates) : { added: 0, updated: 0, removed: 0 };
  return {
    candidates: r.candidates.map((c) => ({ frame: c.frame, score: c.score, before: c.before, after: c.after, size: c.size })),
    ...counts,
  };
}

export const detectJob: JobDefinition<DetectParams, DetectResult> = {
  kind: 'detect',
  validate: validateDetectParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source) => detect(source, params, ctx));
  },
};
