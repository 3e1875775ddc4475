// Avalanche detection on REAL runs: precision and recall of `avw detect` on the labelled LAMMPS runs of the papers'
// glass (tests/fixtures/real-runs: make.sh generates the runs, the inherent structures and labels.json; labels.json
// is committed, the trajectories are not). `npx tsx tests/bench/analysis-real.ts [--nc 20]` prints the tables.
//
// Labels (independent of the MSD): frame f is labelled when at least n_c particles moved more than 0.3 (mean
// diameters) between the inherent structures of frames f-1 and f (label.py; README.md there argues both numbers).
// Matching rule: a candidate is a true positive when its bracket (before, after] holds a labelled frame; a labelled
// frame is found when a candidate's bracket holds it. Precision = true-positive candidates / candidates (1 when
// there are none), recall = found labelled frames / labelled frames. Also per episode (a maximal run of consecutive
// labelled frames, found when any of its frames is), the base rate (labelled / scored frames: the precision of a
// detector that flags frames at random), and the ranking quality of the detector's score itself (ROC AUC of the
// per-frame z against the labels, 0.5 = no information).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { detectJumps, JUMP_DETECTION_DEFAULTS, type JumpCandidate } from '../../src/core/analysis/detect.js';
import { TrajectorySet } from '../../src/core/fields/frames.js';
import { detect } from '../../src/core/jobs/detect-job.js';
import { benchArg } from './util.js';

export const REAL_RUNS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/real-runs');
export const REAL_LABELS = join(REAL_RUNS_DIR, 'labels.json');

export interface RealRun {
  name: string;
  T: number;
  seed?: number;
  split: 'tune' | 'held-out';
  frames: number;
  steps: number[];
  /** What `avw detect` scores: `avw series --name msd` (frame 0 reference). */
  msd: number[];
  /** Particles whose inherent-structure displacement since the previous frame exceeds the threshold (0.3). */
  n03: number[];
  sum2: number[];
  maxd: number[];
  isMsd: number[];
  schedule?: { B: number; ncfg: number; blocks: number; origins: number };
}

export function loadRealRuns(path = REAL_LABELS): { threshold: number; runs: RealRun[] } | null {
  if (!existsSync(path)) return null;
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { format: string; threshold: number; runs: RealRun[] };
  if (doc.format !== 'avalanche-workbench/real-run-labels') throw new Error(`${path}: not a real-run label file (format "${doc.format}")`);
  return doc;
}

export interface RealScore {
  candidates: number;
  truePositives: number;
  labelled: number;
  found: number;
  episodes: number;
  episodesFound: number;
  scored: number;
  labelledScored: number;
  /** Labelled scored frames with z >= minScore (what a perfect event grouping and persistence test could reach). */
  labelledAboveThreshold: number;
}

/** Labelled frames (n03 >= nc, f >= 1) and the matching rule of the header. */
export function scoreRealRun(run: RealRun, candidates: readonly Pick<JumpCandidate, 'before' | 'after'>[], nc: number, valid?: Uint8Array, scores?: Float64Array, minScore = JUMP_DETECTION_DEFAULTS.minScore): RealScore {
  const labelled = (f: number) => f >= 1 && run.n03[f] >= nc;
  const found = new Uint8Array(run.frames);
  let tp = 0;
  for (const c of candidates) {
    let hit = false;
    for (let f = c.before + 1; f <= c.after; f++) if (labelled(f)) { hit = true; found[f] = 1; }
    if (hit) tp++;
  }
  let nLab = 0, nFound = 0, episodes = 0, episodesFound = 0, scored = 0, labelledScored = 0, above = 0;
  for (let f = 1; f < run.frames; f++) {
    if (valid?.[f]) { scored++; if (labelled(f)) { labelledScored++; if ((scores as Float64Array)[f] >= minScore) above++; } }
    if (!labelled(f)) continue;
    nLab++;
    nFound += found[f];
    if (!labelled(f - 1)) {
      episodes++;
      let g = f, any = 0;
      while (g < run.frames && labelled(g)) any |= found[g++];
      episodesFound += any;
    }
  }
  return { candidates: candidates.length, truePositives: tp, labelled: nLab, found: nFound, episodes, episodesFound, scored, labelledScored, labelledAboveThreshold: above };
}

/** ROC AUC of scores[f] (scored frames) for the labelled frames against the others; NaN when either class is empty. */
export function rocAuc(run: RealRun, valid: Uint8Array, scores: Float64Array, nc: number): { auc: number; pos: number; neg: number } {
  const pos: number[] = [], neg: number[] = [];
  for (let f = 1; f < run.frames; f++) if (valid[f]) (run.n03[f] >= nc ? pos : neg).push(scores[f]);
  if (!pos.length || !neg.length) return { auc: NaN, pos: pos.length, neg: neg.length };
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return { auc: s / (pos.length * neg.length), pos: pos.length, neg: neg.length };
}

function sum(rows: RealScore[]): RealScore {
  const out: RealScore = { candidates: 0, truePositives: 0, labelled: 0, found: 0, episodes: 0, episodesFound: 0, scored: 0, labelledScored: 0, labelledAboveThreshold: 0 };
  for (const r of rows) for (const k of Object.keys(out) as (keyof RealScore)[]) out[k] += r[k];
  return out;
}

const precision = (s: RealScore) => (s.candidates ? s.truePositives / s.candidates : 1);
const recall = (s: RealScore) => (s.labelled ? s.found / s.labelled : 1);
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : ' nan');

/**
 * The real-run table (printed), pooled by split. The candidates are those of the detect job itself (`avw detect`:
 * index, MSD series, detector) when the run's trajectory is in generated/, else of the detector on the stored MSD
 * series (the same numbers: labels.json stores `avw series --name msd`).
 */
export function realRunFigures(nc = 20, print = true, path = REAL_LABELS): { bySplit: Record<string, { precision: number; recall: number; score: RealScore }> } | null {
  const say = (s: string) => { if (print) console.log(s); };
  const doc = loadRealRuns(path);
  if (!doc) {
    say(`\nAvalanche detection on real runs: SKIPPED, ${path} is missing.`);
    say('  Generate it with tests/fixtures/real-runs/make.sh (LAMMPS, python3-gsd; about 25 min on 2 busy cores).');
    return null;
  }
  say(`\nAvalanche detection on real LAMMPS runs of the papers' glass (N = 2000, log-within-block schedule), ${path}`);
  say(`labels: n(|IS(f) - IS(f-1)| > ${doc.threshold}) >= ${nc}; a candidate is right when its (before, after] bracket holds a labelled frame;`);
  say('recall = labelled frames inside some bracket / labelled frames (episodes: runs of consecutive labelled frames).');
  say(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const scoresBySplit: Record<string, RealScore[]> = {};
  const aucBySplit: Record<string, { pos: number[]; neg: number[] }> = {};
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  for (const run of doc.runs) {
    const msd = Float64Array.from(run.msd), times = Float64Array.from(run.steps);
    const r = detectJumps({ msd, times });
    let candidates: readonly Pick<JumpCandidate, 'frame' | 'before' | 'after' | 'score'>[] = r.candidates;
    let via = 'stored MSD';
    const dump = join(REAL_RUNS_DIR, 'generated', `${run.name}.lammpstrj`);
    if (existsSync(dump)) {
      const dir = mkdtempSync(join(tmpdir(), 'avw-real-'));
      const set = new TrajectorySet({ indexDir: dir });
      try {
        candidates = detect(set.get(dump), { path: dump, indexDir: dir, store: false }, ctx).candidates;
        via = 'avw detect';
      } finally {
        set.close();
        rmSync(dir, { recursive: true, force: true });
      }
      const same = candidates.length === r.candidates.length && candidates.every((c, k) => c.frame === r.candidates[k].frame && c.after === r.candidates[k].after);
      if (!same) throw new Error(`${run.name}: the detect job and the detector on the stored MSD disagree (labels.json is stale: rerun make.sh)`);
    }
    const s = scoreRealRun(run, candidates, nc, r.valid, r.scores);
    (scoresBySplit[run.split] ??= []).push(s);
    const a = (aucBySplit[run.split] ??= { pos: [], neg: [] });
    for (let f = 1; f < run.frames; f++) if (r.valid[f]) (run.n03[f] >= nc ? a.pos : a.neg).push(r.scores[f]);
    const auc = rocAuc(run, r.valid, r.scores, nc);
    const list = candidates.map((c) => `${c.frame}(z ${c.score.toFixed(1)}, n ${run.n03[c.frame]})`).join(' ') || 'none';
    say(`  ${run.name.padEnd(16)} T ${run.T.toFixed(2)} ${run.split.padEnd(8)} ${via.padEnd(10)} scored ${String(s.scored).padStart(3)}/${run.frames - 1}`
      + `  labelled ${String(s.labelled).padStart(3)} (${s.episodes} episodes)  P ${fmt(precision(s))} R ${fmt(recall(s))}  episodes found ${s.episodesFound}`
      + `  z>=${JUMP_DETECTION_DEFAULTS.minScore} on ${s.labelledAboveThreshold}/${s.labelledScored} labelled  AUC ${fmt(auc.auc)}`
      + `  α ${r.background ? r.background.exponent.toFixed(2) : '-'}  ballistic lags <= ${r.ballisticLag}`);
    say(`      candidates: ${list}`);
  }
  const bySplit: Record<string, { precision: number; recall: number; score: RealScore }> = {};
  for (const [split, rows] of Object.entries(scoresBySplit)) {
    const s = sum(rows);
    const a = aucBySplit[split];
    let acc = 0;
    for (const p of a.pos) for (const n of a.neg) acc += p > n ? 1 : p === n ? 0.5 : 0;
    bySplit[split] = { precision: precision(s), recall: recall(s), score: s };
    say(`  pooled ${split.padEnd(9)} P ${fmt(precision(s))} (${s.truePositives}/${s.candidates})  R ${fmt(recall(s))} (${s.found}/${s.labelled})`
      + `  episodes ${s.episodesFound}/${s.episodes}  base rate ${fmt(s.labelledScored / Math.max(1, s.scored))}`
      + `  labelled frames with z >= ${JUMP_DETECTION_DEFAULTS.minScore}: ${s.labelledAboveThreshold}/${s.labelledScored}  AUC ${fmt(a.pos.length && a.neg.length ? acc / (a.pos.length * a.neg.length) : NaN)}`);
  }
  return { bySplit };
}

/** The bench section: the table at n_c = 20 (or --nc N), then the pooled figures at other label thresholds.
 * --labels FILE scores another label file of the same format. */
export function realRunSection(): void {
  const i = process.argv.indexOf('--nc');
  const ncs = i >= 0 ? [Number(process.argv[i + 1])] : [20, 10, 50, 100];
  const path = benchArg('--labels') ?? REAL_LABELS;
  if (!realRunFigures(ncs[0], true, path)) return;
  for (const nc of ncs.slice(1)) {
    const r = realRunFigures(nc, false, path);
    if (r) console.log(`  n_c = ${String(nc).padEnd(3)}: ` + Object.entries(r.bySplit).map(([k, v]) => `${k} P ${fmt(v.precision)} R ${fmt(v.recall)} (${v.score.found}/${v.score.labelled})`).join(', '));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) realRunSection();
