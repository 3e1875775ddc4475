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
function runCandidates(run: RealRun, scored: Scored, minStep?: number): { candidates: readonly Pick<JumpCandidate, 'frame' | 'before' | 'after' | 'score'>[]; r: ReturnType<typeof detectJumps>; via: string; agree: boolean | null } {
  const times = Float64Array.from(run.steps);
  const r = scored === 'msd' ? detectJumps({ msd: Float64Array.from(run.msd), times }) : detectJumps({ msd: Float64Array.from(run.sum2), times, input: 'steps', ...(minStep !== undefined ? { minStep } : {}) });
  const dump = join(REAL_RUNS_DIR, 'generated', `${run.name}.lammpstrj`);
  const is = join(REAL_RUNS_DIR, 'generated', `${run.name}.is.gsd`);
  if (!existsSync(dump) || (scored === 'is_step_msd' && !existsSync(is))) return { candidates: r.candidates, r, via: 'stored', agree: null };
  const dir = mkdtempSync(join(tmpdir(), 'avw-real-'));
  const set = new TrajectorySet({ indexDir: dir });
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  try {
    const job = detect(set.get(dump), { path: dump, indexDir: dir, store: false, series: scored, ...(scored === 'is_step_msd' ? { is } : {}), ...(minStep !== undefined ? { minStep } : {}) }, ctx, set);
    const agree = job.candidates.length === r.candidates.length && job.candidates.every((c, k) => c.frame === r.candidates[k].frame && c.after === r.candidates[k].after);
    return { candidates: job.candidates, r, via: 'avw detect', agree };
  } finally {
    set.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Figures = { precision: number; recall: number; score: RealScore };

/**
 * The real-run table (printed): per run, then pooled per temperature, per split (tune / held-out) and over the whole set.
 * `scored`: what the detector scores, is_step_msd (what `avw detect` scores when the inherent structures exist) or msd
 * (from frame 0). `minStep`: the IS steps scored by size (`avw detect --min-step`, detect.ts METHOD 0b).
 */
export function realRunFigures(nc = 20, print = true, path = REAL_LABELS, scored: Scored = 'is_step_msd', minStep?: number): { overall: Figures; byT: Record<string, Figures>; bySplit: Record<string, Figures> } | null {
  const say = (s: string) => { if (print) console.log(s); };
  const doc = loadRealRuns(path);
  if (!doc) {
    say(`\nAvalanche detection on real runs: SKIPPED, ${path} is missing.`);
    say('  Generate it with tests/fixtures/real-runs/make.sh (needs lmp from Debian\'s lammps and python3-gsd).');
    return null;
  }
  const what = scored === 'msd' ? 'msd, the MSD of the MD frames from frame 0'
    : minStep !== undefined ? `is_step_msd by size (avw detect --min-step ${minStep.toPrecision(3)}): every frame whose IS MSD step is >= it`
      : 'is_step_msd, the MSD between the inherent structures of consecutive frames (Eq. 12 steps), by its same-lag z';
  say(`\n${path.replace(/^.*tests\//, 'tests/')}: ${doc.runs.length} runs; detector on ${what}`);
  say(`labels: n(|IS(f) - IS(f-1)| > ${doc.threshold}) >= ${nc}; a candidate is right when its (before, after] bracket holds a labelled frame;`);
  say('recall = labelled frames inside some bracket / labelled frames (episodes: runs of consecutive labelled frames).');
  const rows: { T: string; split: string; s: RealScore }[] = [];
  const aucAll = { pos: [] as number[], neg: [] as number[] };
  let missing = 0;
  for (const run of doc.runs) {
    const { candidates, r, via, agree } = runCandidates(run, scored, minStep);
    if (via === 'stored') missing++;
    if (agree === false) throw new Error(`${run.name}: the detect job and the detector on the stored series disagree (${path} is stale: rerun make.sh)`);
    const s = scoreRealRun(run, candidates, nc, r.valid, r.scores);
    rows.push({ T: run.T.toFixed(2), split: run.split, s });
    for (let f = 1; f < run.frames; f++) if (r.valid[f]) (run.n03[f] >= nc ? aucAll.pos : aucAll.neg).push(r.scores[f]);
    const auc = rocAuc(run, r.valid, r.scores, nc);
    const list = minStep !== undefined ? `${candidates.length} frames` : candidates.map((c) => `${c.frame}(z ${c.score.toFixed(1)}, n ${run.n03[c.frame]})`).join(' ') || 'none';
    say(`  ${run.name.padEnd(16)} T ${run.T.toFixed(2)} ${run.split.padEnd(8)} ${via.padEnd(10)} scored ${String(s.scored).padStart(3)}/${run.frames - 1}`
      + `  labelled ${String(s.labelled).padStart(3)} (${s.episodes} episodes)  candidates ${String(s.candidates).padStart(3)}  P ${fmt(precision(s))} R ${fmt(recall(s))}  episodes found ${s.episodesFound}`
      + `${minStep === undefined ? `  AUC of z ${fmt(auc.auc)}` : ''}${scored === 'msd' ? `  α ${r.background ? r.background.exponent.toFixed(2) : '-'}` : ''}`);
    if (minStep === undefined) say(`      candidates: ${list}`);
  }
  if (missing) say(`  (${missing} run(s) scored on the stored series: their trajectories are not in generated/; make.sh makes them, with lmp)`);
  const pool = (sel: typeof rows): Figures => { const s = sum(sel.map((x) => x.s)); return { precision: precision(s), recall: recall(s), score: s }; };
  const line = (label: string, v: Figures) => `  ${label.padEnd(18)} P ${fmt(v.precision)} (${v.score.truePositives}/${v.score.candidates})  R ${fmt(v.recall)} (${v.score.found}/${v.score.labelled})  base rate ${fmt(v.score.labelledScored / Math.max(1, v.score.scored))}`;
  const byT: Record<string, Figures> = {};
  for (const T of [...new Set(rows.map((x) => x.T))].sort()) {
    byT[T] = pool(rows.filter((x) => x.T === T));
    say(line(`T = ${T}`, byT[T]));
  }
  const bySplit: Record<string, Figures> = {};
  for (const split of ['tune', 'held-out']) {
    const sel = rows.filter((x) => x.split === split);
    if (!sel.length) continue;
    bySplit[split] = pool(sel);
    say(line(`${split} runs`, bySplit[split]));
    for (const T of [...new Set(sel.map((x) => x.T))].sort()) say(line(`  ${split}, T = ${T}`, pool(sel.filter((x) => x.T === T))));
  }
  const all = sum(rows.map((x) => x.s));
  let acc = 0;
  for (const p of aucAll.pos) for (const n of aucAll.neg) acc += p > n ? 1 : p === n ? 0.5 : 0;
  say(`  overall    P ${fmt(precision(all))} (${all.truePositives}/${all.candidates})  R ${fmt(recall(all))} (${all.found}/${all.labelled})  episodes ${all.episodesFound}/${all.episodes}`
    + `  frames ${all.scored}  base rate ${fmt(all.labelledScored / Math.max(1, all.scored))}${minStep === undefined ? `  AUC of z ${fmt(aucAll.pos.length && aucAll.neg.length ? acc / (aucAll.pos.length * aucAll.neg.length) : NaN)}` : ''}   (targets: P >= 0.9, R >= 0.8)`);
  return { overall: { precision: precision(all), recall: recall(all), score: all }, byT, bySplit };
}

/** Particles per run of the real sets (N = 2000, the papers' glass). */
export const REAL_RUN_PARTICLES = 2000;

/** Precision and recall of "step >= x" over the frames of some runs (frames f >= 1; the size rule's candidates). */
function sizeRule(runs: readonly RealRun[], nc: number, x: number): { precision: number; recall: number; flagged: number } {
  let flagged = 0, tp = 0, lab = 0;
  for (const run of runs) {
    for (let f = 1; f < run.frames; f++) {
      const l = run.n03[f] >= nc;
      if (l) lab++;
      if (run.sum2[f] >= x) { flagged++; if (l) tp++; }
    }
  }
  return { precision: flagged ? tp / flagged : 1, recall: lab ? tp / lab : 1, flagged };
}

/**
 * The size the bench gives `avw detect --min-step`, chosen on the runs marked `tune` only (never on the held-out runs it
 * is reported on): the smallest IS MSD step x at which "step >= x" reaches precision >= `targetPrecision` on the tune
 * runs, i.e. the most recall the tune runs allow at the issue's precision target. null when no x reaches it.
 */
export function chooseMinStep(runs: readonly RealRun[], nc: number, targetPrecision = 0.9): { minStep: number; precision: number; recall: number } | null {
  const tune = runs.filter((r) => r.split === 'tune');
  const xs = [...new Set(tune.flatMap((r) => r.sum2.slice(1)))].filter((x) => x > 0).sort((a, b) => a - b);
  for (const x of xs) {
    const q = sizeRule(tune, nc, x);
    if (q.precision >= targetPrecision) return { minStep: x, precision: q.precision, recall: q.recall };
  }
  return null;
}

/**
 * What no threshold on the step can beat, over all runs of a set (computed WITH the labels it is scored on: an upper
 * bound, not a result): the most recall at precision >= 0.9 and the most precision at recall >= 0.8.
 */
export function sizeBounds(runs: readonly RealRun[], nc: number): { recallAtP90: number; precisionAtR80: number } {
  const xs = [...new Set(runs.flatMap((r) => r.sum2.slice(1)))].sort((a, b) => a - b);
  let recallAtP90 = 0, precisionAtR80 = 0;
  for (const x of xs) {
    const q = sizeRule(runs, nc, x);
    if (q.precision >= 0.9) recallAtP90 = Math.max(recallAtP90, q.recall);
    if (q.recall >= 0.8) precisionAtR80 = Math.max(precisionAtR80, q.precision);
  }
  return { recallAtP90, precisionAtR80 };
}

/** The steps scored by size: --min-step chosen on the tune runs, scored on all (held-out: out of sample), and bounds. */
function sizeSection(path: string, nc: number): void {
  const doc = loadRealRuns(path);
  if (!doc) return;
  const floor = (nc * doc.threshold * doc.threshold) / REAL_RUN_PARTICLES;
  const f0 = realRunFigures(nc, false, path, 'is_step_msd', floor);
  if (f0) {
    console.log(`  by size, --min-step ${floor.toPrecision(3)} = n_c a^2 / N (${nc} particles moving a = ${doc.threshold}: the least step a labelled frame can have, so recall 1 by construction):`
      + ` P ${fmt(f0.overall.precision)} R ${fmt(f0.overall.recall)} (${f0.overall.score.candidates} candidates)`);
  }
  const chosen = chooseMinStep(doc.runs, nc);
  if (!chosen) { console.log('  by size: no --min-step reaches precision 0.9 on the tune runs'); return; }
  console.log(`  by size, --min-step chosen on the tune runs only (the least step with tune precision >= 0.9): ${chosen.minStep.toPrecision(3)}`
    + ` (tune, in sample: P ${fmt(chosen.precision)} R ${fmt(chosen.recall)})`);
  realRunFigures(nc, true, path, 'is_step_msd', chosen.minStep);
  const b = sizeBounds(doc.runs, nc);
  console.log(`  bound of ANY threshold on the step, chosen with this set's own labels (not a result): most recall at P >= 0.9: ${fmt(b.recallAtP90)}; most precision at R >= 0.8: ${fmt(b.precisionAtR80)}`);
}

/**
 * The bench section: for each label file (the aged set, linear schedule; the young set, log schedule), the table of
 * `avw detect` at n_c = 20 (or --nc N), the pooled figures at other label thresholds, the MSD-from-frame-0 detector
 * beside it, and the steps scored by size (--min-step chosen on the tune runs). --labels FILE scores one other label
 * file of the same format.
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
    sizeSection(path, ncs[0]);
  }
  if (!given) {
    // A size belongs to the glass, N and the label, not to the schedule: each set's X on the other set's held-out runs.
    const sets = files.map((p) => ({ name: p.replace(/^.*\//, ''), doc: loadRealRuns(p) }));
    for (const from of sets) {
      for (const to of sets) {
        if (from === to || !from.doc || !to.doc) continue;
        const x = chooseMinStep(from.doc.runs, ncs[0]);
        if (!x) continue;
        const q = sizeRule(to.doc.runs.filter((r) => r.split === 'held-out'), ncs[0], x.minStep);
        console.log(`\n--min-step ${x.minStep.toPrecision(3)} (chosen on the tune runs of ${from.name}) on the held-out runs of ${to.name}: P ${fmt(q.precision)} R ${fmt(q.recall)} (${q.flagged} candidates)`);
      }
    }
  }
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) realRunSection();
