// Avalanche candidates from MSD jumps, stored as detector tags that a person confirms or rejects, each with its
// event's bracket (the last frame before the jump, the frame where it has ended). Re-running the detector updates
// scores and brackets, adds new candidates and removes unconfirmed candidates it no longer finds; anything a person
// has touched (a kind other than 'candidate', or a note) is kept.
// What is scored (`series`): 'msd' (default), the MSD from frame 0 of the frames as they are; 'is_step_msd', the MSD
// between the inherent structures of consecutive frames (--is, the file itself when it is an inherent-structure
// trajectory, or the paired FILE.is.EXT: fields/inherent.ts): no vibrations, no cross term with earlier displacements
// (analysis/detect.ts, METHOD 0); 'auto', is_step_msd when the inherent structures exist, else msd. The result and
// the tags' notes say which. msd stays the default: on the labelled real runs neither meets the targets of issue 10,
// and is_step_msd raises more false alarms there (tests/fixtures/real-runs/README.md).
// `minStep` (--min-step X) scores the inherent structures' steps by size instead of by their same-lag z: every frame
// whose IS MSD step is >= X is a candidate (analysis/detect.ts, METHOD 0b); it implies series is_step_msd.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import { JUMP_DETECTION_DEFAULTS, detectJumps, type JumpCandidate } from '../analysis/detect.js';
import type { OptionSpec } from '#shared/options.js';
import type { TrajectoryFrames, TrajectorySet } from '../fields/frames.js';
import { inherentSourceOf } from '../fields/inherent.js';
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
  /** What to score: 'msd' (default), 'is_step_msd', or 'auto' (the inherent structures' steps when they exist, else the MSD). */
  series?: DetectSeriesChoice;
  /** The inherent-structure trajectory (default: the file itself when it is one, else FILE.is.EXT beside it; fields/inherent.ts). */
  is?: string;
  /** Score the IS MSD steps by size: every frame whose step is >= minStep (σ²) is a candidate (detect.ts, METHOD 0b). */
  minStep?: number;
}

export type DetectSeriesChoice = 'auto' | 'msd' | 'is_step_msd';
export const DETECT_SERIES_CHOICES: readonly DetectSeriesChoice[] = ['auto', 'msd', 'is_step_msd'];

export interface DetectResult {
  candidates: { frame: number; score: number; before: number; after: number; size: number }[];
  added: number;
  updated: number;
  removed: number;
  /** The series scored: 'is_step_msd' (MSD between consecutive inherent structures, from `isPath`) or 'msd' (from frame 0). */
  series: 'msd' | 'is_step_msd';
  /** The inherent-structure trajectory scored (is_step_msd only). */
  isPath?: string;
  /** The size the steps were scored by (--min-step), when given. */
  minStep?: number;
}

/**
 * The detector's threshold as the command line takes it (--min-score): at least the extend score, since an event grows
 * from its strongest increment over the increments scoring >= extendScore (detect.ts, step 6).
 */
export const MIN_SCORE_OPTION = {
  type: 'number', min: JUMP_DETECTION_DEFAULTS.extendScore, max: 1000, why: `at least the detector's extend score, ${JUMP_DETECTION_DEFAULTS.extendScore}`,
} as const satisfies OptionSpec;

/** --min-step: a size in MSD units (σ²), more than nothing and less than any box a trajectory here has. */
export const MIN_STEP_OPTION = {
  type: 'number', min: 0, minExclusive: true, max: 1e6, why: 'the smallest IS MSD step between consecutive frames that is an avalanche, in squared lengths',
} as const satisfies OptionSpec;

export function validateDetectParams(raw: unknown): DetectParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) throw new Error('detect: "path" must be a file path');
  const o = MIN_SCORE_OPTION;
  if (p.minScore !== undefined && !(typeof p.minScore === 'number' && p.minScore >= o.min && p.minScore <= o.max)) {
    throw new Error(`detect: "minScore" must be a number >= ${o.min} and <= ${o.max}, ${o.why} (got ${JSON.stringify(p.minScore)})`);
  }
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') throw new Error('detect: "indexDir" must be a directory');
  if (p.series !== undefined && !DETECT_SERIES_CHOICES.includes(p.series as DetectSeriesChoice)) {
    throw new Error(`detect: "series" must be ${DETECT_SERIES_CHOICES.join(', ')} (got ${JSON.stringify(p.series)})`);
  }
  if (p.is !== undefined && (typeof p.is !== 'string' || !p.is)) throw new Error('detect: "is" must be a file path (the paired inherent-structure trajectory)');
  const m = MIN_STEP_OPTION;
  if (p.minStep !== undefined && !(typeof p.minStep === 'number' && p.minStep > m.min && p.minStep <= m.max)) {
    throw new Error(`detect: "minStep" must be a number > ${m.min} and <= ${m.max}, ${m.why} (got ${JSON.stringify(p.minStep)})`);
  }
  if (p.minStep !== undefined && p.series === 'msd') {
    throw new Error('detect: "minStep" sizes the steps between inherent structures (series is_step_msd or auto), not the MSD from frame 0 (series msd)');
  }
  if (p.minStep !== undefined && p.minScore !== undefined) {
    throw new Error('detect: give "minStep" (steps scored by size) or "minScore" (scored by their same-lag z), not both');
  }
  return {
    path: p.path, indexDir: p.indexDir as string | undefined, minScore: p.minScore as number | undefined, store: p.store !== false,
    series: p.series as DetectSeriesChoice | undefined, is: p.is === undefined ? undefined : resolve(p.is as string),
    ...(p.minStep !== undefined ? { minStep: p.minStep as number } : {}),
  };
}

/** Tag notes of the detector: "MSD jump: ..." (the MSD from frame 0), "IS MSD jump: ..." (inherent structures, same-lag
 * z) or "IS MSD step: ..." (inherent structures, a step of at least --min-step). */
const NOTE_PREFIX = { msd: 'MSD jump:', is_step_msd: 'IS MSD jump:', is_step_size: 'IS MSD step:' } as const;
type NoteKind = keyof typeof NOTE_PREFIX;

/**
 * Write the candidates as detector tags (kind 'candidate'), keeping whatever a person decided. One write transaction:
 * a tag a person edits in the workbench meanwhile is either seen (and kept) or edited after this commits, never lost.
 */
export function storeCandidates(t: IndexedTrajectory, candidates: readonly JumpCandidate[], series: NoteKind = 'msd'): { added: number; updated: number; removed: number } {
  return t.db.transaction(() => storeCandidatesNow(t, candidates, series));
}

function storeCandidatesNow(t: IndexedTrajectory, candidates: readonly JumpCandidate[], series: NoteKind): { added: number; updated: number; removed: number } {
  let added = 0, updated = 0, removed = 0;
  const detectorTags = new Map(t.listTags().filter((g) => g.source === 'detector').map((g) => [g.frame, g]));
  const found = new Set<number>();
  for (const c of candidates) {
    found.add(c.frame);
    const note = `${NOTE_PREFIX[series]} frames ${c.before}..${c.after}`;
    const existing = detectorTags.get(c.frame);
    if (!existing) {
      t.addTag({ frame: c.frame, kind: 'candidate', source: 'detector', score: c.score, note, before: c.before, after: c.after });
      added++;
    } else if (existing.score !== c.score || existing.before !== c.before || existing.after !== c.after || (isDetectorNote(existing.note) && existing.note !== note)) {
      t.updateTag(existing.id, { score: c.score, before: c.before, after: c.after, ...(isDetectorNote(existing.note) ? { note } : {}) });
      updated++;
    }
  }
  for (const [frame, tag] of detectorTags) {
    const untouched = tag.kind === 'candidate' && isDetectorNote(tag.note);
    if (!found.has(frame) && untouched) {
      t.deleteTag(tag.id);
      removed++;
    }
  }
  return { added, updated, removed };
}

/** A note the detector wrote (or none): the tag is still the detector's to update or remove. */
function isDetectorNote(note: string): boolean {
  return note === '' || Object.values(NOTE_PREFIX).some((prefix) => note.startsWith(prefix));
}

/** The series the detector scores for these parameters: the inherent structures' steps when asked for or found. */
export function detectInput(path: string, p: Pick<DetectParams, 'series' | 'is' | 'minStep'>): { series: 'msd' } | { series: 'is_step_msd'; isPath: string } {
  const choice = p.series ?? (p.minStep !== undefined ? 'is_step_msd' : 'msd');
  if (choice === 'msd') return { series: 'msd' };
  const s = inherentSourceOf(path, p.is);
  if (existsSync(s.path)) return { series: 'is_step_msd', isPath: s.path };
  if (choice === 'is_step_msd' || s.rule === 'given' || p.minStep !== undefined) {
    throw new Error(`detect: the inherent-structure trajectory ${s.path}${s.rule === 'given' ? ' (--is)' : ', paired with ' + path + ','} does not exist; make it with "avw minimize ${path} --out ${s.path}" or pass one with --is`);
  }
  return { series: 'msd' };
}

export function detect(source: TrajectoryFrames, p: DetectParams, ctx: JobContext, set?: TrajectorySet): DetectResult {
  const t = source.t;
  const input = detectInput(t.path, p);
  const open = set ? (q: string) => set.get(q) : undefined;
  const values = input.series === 'msd'
    ? computeSeries(source, resolveSeries({ name: 'msd' }), ctx).values
    : computeSeries(source, resolveSeries({ name: 'is_step_msd', params: { is: input.isPath } }), ctx, open).values;
  // Log-spaced schedules: the detector compares increments at equal time lags, so it needs the frames' times.
  const times = t.timesteps();
  const r = detectJumps({ msd: values, times, minScore: p.minScore, input: input.series === 'msd' ? 'msd' : 'steps', ...(p.minStep !== undefined ? { minStep: p.minStep } : {}) });
  const counts = p.store !== false ? storeCandidates(t, r.candidates, p.minStep !== undefined ? 'is_step_size' : input.series) : { added: 0, updated: 0, removed: 0 };
  return {
    candidates: r.candidates.map((c) => ({ frame: c.frame, score: c.score, before: c.before, after: c.after, size: c.size })),
    ...counts,
    series: input.series,
    ...(input.series === 'is_step_msd' ? { isPath: input.isPath } : {}),
    ...(p.minStep !== undefined ? { minStep: p.minStep } : {}),
  };
}

export const detectJob: JobDefinition<DetectParams, DetectResult> = {
  kind: 'detect',
  validate: validateDetectParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source, set) => detect(source, params, ctx, set));
  },
};
