// Avalanche detection on REAL runs: precision and recall of `avw detect` on the labelled LAMMPS runs of the papers'
// glass (tests/fixtures/real-runs: make.sh generates the runs, the inherent structures and the label files
// labels-aged.json and labels.json; those are committed, the trajectories are not).
// `npx tsx tests/bench/analysis-real.ts [--nc 20] [--labels FILE]` prints the tables.
//
// What is scored: what `avw detect` scores, the IS MSD step (is_step_msd) when the inherent structures exist, and
// beside it the MSD of the MD frames from frame 0 (--series msd). Labels: frame f is labelled when at least n_c
// particles moved more than 0.3 (mean diameters) between the inherent structures of frames f-1 and f (label.py;
// README.md there argues both numbers). The labels and is_step_msd both come from the IS displacements, but the
// labels count particles past a hop length per frame, while the detector only sees the mean square over all particles
// and flags a frame when it stands out from the same-lag frames of its run, without any size threshold.
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
import { benchArg, machine } from './util.js';

export const REAL_RUNS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/real-runs');
export const REAL_LABELS = join(REAL_RUNS_DIR, 'labels.json');
/** The aged set (make.sh --set aged): linear schedule, a frame every 2048 steps. */
export const REAL_LABELS_AGED = join(REAL_RUNS_DIR, 'labels-aged.json');

export interface RealRun {
  name: string;
  T: number;
  seed?: number;
  split: 'tune' | 'held-out';
  frames: number;
  steps: number[];
  /** `avw series --name msd` (frame 0 reference): what `avw detect --series msd` scores. */
  msd: number[];
  /** Particles whose inherent-structure displacement since the previous frame exceeds the threshold (0.3). */
  n03: number[];
  /** Mean square IS displacement since the previous frame (label.py): the is_step_msd series `avw detect` scores. */
  sum2: number[];
  maxd: number[];
  isMsd: number[];
  schedule?: { B: number; ncfg: number; blocks: number; origins: number } | { every: number; intervals: number };
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

type Scored = 'is_step_msd' | 'msd';

/** The candidates of `avw detect` on one run: the detect job itself when the run's trajectory (and, for is_step_msd, its
 * inherent structures) are in generated/, else the detector on the series stored in the label file (the same input:
 * `sum2` is the IS MSD step label.py computes from the same inherent structures, `msd` is `avw series --name msd`). */
function runCandidates(run: RealRun, scored: Scored): { candidates: readonly Pick<JumpCandidate, 'frame' | 'before' | 'after' | 'score'>[]; r: ReturnType<typeof detectJumps>; via: string; agree: boolean | null } {
  const times = Float64Array.from(run.steps);
  const r = scored === 'msd' ? detectJumps({ msd: Float64Array.from(run.msd), times }) : detectJumps({ msd: Float64Array.from(run.sum2), times, input: 'steps' });
  const dump = join(REAL_RUNS_DIR, 'generated', `${run.name}.lammpstrj`);
  const is = join(REAL_RUNS_DIR, 'generated', `${run.name}.is.gsd`);
  if (!existsSync(dump) || (scored === 'is_step_msd' && !existsSync(is))) return { candidates: r.candidates, r, via: 'stored', agree: null };
  const dir = mkdtempSync(join(tmpdir(), 'avw-real-'));
  const set = new TrajectorySet({ indexDir: dir });
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  try {
    const job = detect(set.get(dump), { path: dump, indexDir: dir, store: false, series: scored, ...(scored === 'is_step_msd' ? { is } : {}) }, ctx, set);
    const agree = job.candidates.length === r.candidates.length && job.candidates.every((c, k) => c.frame === r.candidates[k].frame && c.after === r.candidates[k].after);
    return { candidates: job.candidates, r, via: 'avw detect', agree };
  } finally {
    set.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The real-run table (printed): per run, then pooled per temperature and over the whole set. `scored`: what the
 * detector scores, is_step_msd (what `avw detect` scores when the inherent structures exist) or msd (from frame 0).
 */
export function realRunFigures(nc = 20, print = true, path = REAL_LABELS, scored: Scored = 'is_step_msd'): { overall: { precision: number; recall: number; score: RealScore }; byT: Record<string, { precision: number; recall: number; score: RealScore }> } | null {
  const say = (s: string) => { if (print) console.log(s); };
  const doc = loadRealRuns(path);
  if (!doc) {
    say(`\nAvalanche detection on real runs: SKIPPED, ${path} is missing.`);
    say('  Generate it with tests/fixtures/real-runs/make.sh (needs lmp from Debian\'s lammps and python3-gsd).');
    return null;
  }
  say(`\n${path.replace(/^.*tests\//, 'tests/')}: ${doc.runs.length} runs; detector on ${scored === 'is_step_msd' ? 'is_step_msd, the MSD between the inherent structures of consecutive frames (Eq. 12 steps)' : 'msd, the MSD of the MD frames from frame 0'}`);
  say(`labels: n(|IS(f) - IS(f-1)| > ${doc.threshold}) >= ${nc}; a candidate is right when its (before, after] bracket holds a labelled frame;`);
  say('recall = labelled frames inside some bracket / labelled frames (episodes: runs of consecutive labelled frames).');
  const rows: { T: string; s: RealScore }[] = [];
  const aucAll = { pos: [] as number[], neg: [] as number[] };
  let missing = 0;
  for (const run of doc.runs) {
    const { candidates, r, via, agree } = runCandidates(run, scored);
    if (via === 'stored') missing++;
    if (agree === false) throw new Error(`${run.name}: the detect job and the detector on the stored series disagree (${path} is stale: rerun make.sh)`);
    const s = scoreRealRun(run, candidates, nc, r.valid, r.scores);
    rows.push({ T: run.T.toFixed(2), s });
    for (let f = 1; f < run.frames; f++) if (r.valid[f]) (run.n03[f] >= nc ? aucAll.pos : aucAll.neg).push(r.scores[f]);
    const auc = rocAuc(run, r.valid, r.scores, nc);
    const list = candidates.map((c) => `${c.frame}(z ${c.score.toFixed(1)}, n ${run.n03[c.frame]})`).join(' ') || 'none';
    say(`  ${run.name.padEnd(16)} T ${run.T.toFixed(2)} ${run.split.padEnd(8)} ${via.padEnd(10)} scored ${String(s.scored).padStart(3)}/${run.frames - 1}`
      + `  labelled ${String(s.labelled).padStart(3)} (${s.episodes} episodes)  candidates ${String(s.candidates).padStart(3)}  P ${fmt(precision(s))} R ${fmt(recall(s))}  episodes found ${s.episodesFound}`
      + `  AUC of z ${fmt(auc.auc)}${scored === 'msd' ? `  α ${r.background ? r.background.exponent.toFixed(2) : '-'}` : ''}`);
    say(`      candidates: ${list}`);
  }
  if (missing) say(`  (${missing} run(s) scored on the stored series: their trajectories are not in generated/; make.sh makes them, with lmp)`);
  const byT: Record<string, { precision: number; recall: number; score: RealScore }> = {};
  for (const T of [...new Set(rows.map((x) => x.T))].sort()) {
    const s = sum(rows.filter((x) => x.T === T).map((x) => x.s));
    byT[T] = { precision: precision(s), recall: recall(s), score: s };
    say(`  T = ${T}   P ${fmt(precision(s))} (${s.truePositives}/${s.candidates})  R ${fmt(recall(s))} (${s.found}/${s.labelled})  base rate ${fmt(s.labelledScored / Math.max(1, s.scored))}`);
  }
  const all = sum(rows.map((x) => x.s));
  let acc = 0;
  for (const p of aucAll.pos) for (const n of aucAll.neg) acc += p > n ? 1 : p === n ? 0.5 : 0;
  say(`  overall    P ${fmt(precision(all))} (${all.truePositives}/${all.candidates})  R ${fmt(recall(all))} (${all.found}/${all.labelled})  episodes ${all.episodesFound}/${all.episodes}`
    + `  frames ${all.scored}  base rate ${fmt(all.labelledScored / Math.max(1, all.scored))}  AUC of z ${fmt(aucAll.pos.length && aucAll.neg.length ? acc / (aucAll.pos.length * aucAll.neg.length) : NaN)}   (targets: P >= 0.9, R >= 0.8)`);
  return { overall: { precision: precision(all), recall: recall(all), score: all }, byT };
}

/**
 * The bench section: for each label file (the aged set, linear schedule; the young set, log schedule), the table of
 * `avw detect` at n_c = 20 (or --nc N), the pooled figures at other label thresholds, and the MSD-from-frame-0 detector
 * beside it. --labels FILE scores one other label file of the same format.
 */
export function realRunSection(): void {
  const nc0 = benchArg('--nc');
  const ncs = nc0 !== undefined ? [Number(nc0)] : [20, 10, 50, 100];
  const given = benchArg('--labels');
  const files = given ? [given] : [REAL_LABELS_AGED, REAL_LABELS];
  console.log(`\nAvalanche detection on real LAMMPS runs of the papers' glass (N = 2000), tests/fixtures/real-runs`);
  console.log(`machine: ${machine()}`);
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const path of files) {
    if (!realRunFigures(ncs[0], true, path)) continue;
    for (const nc of ncs.slice(1)) {
      const r = realRunFigures(nc, false, path);
      if (r) console.log(`  n_c = ${String(nc).padEnd(3)}: overall P ${fmt(r.overall.precision)} R ${fmt(r.overall.recall)} (${r.overall.score.found}/${r.overall.score.labelled}); `
        + Object.entries(r.byT).map(([T, v]) => `T ${T} P ${fmt(v.precision)} R ${fmt(v.recall)}`).join(', '));
    }
    const m = realRunFigures(ncs[0], false, path, 'msd');
    if (m) console.log(`  the MSD from frame 0 instead (avw detect --series msd), n_c = ${ncs[0]}: overall P ${fmt(m.overall.precision)} (${m.overall.score.truePositives}/${m.overall.score.candidates}) R ${fmt(m.overall.recall)} (${m.overall.score.found}/${m.overall.score.labelled})`);
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) realRunSection();
