// The softness pipeline on AQS trajectories made by `avw simulate aqs` (Zhang, Ridout & Liu Secs. II B-C, III):
//  1. training (unless a model is given): rearranging rows = D2min > d_soft between adjacent frames of the avalanches
//     (features of the earlier frame); non-rearranging rows = D2min < d_hard between the minimized frames of strain steps
//     k and k + W (features at step k), two training sets (W, d_hard) x 6 centre placements x 5 repeats per species =
//     60 hyperplanes per species, as the paper's ensemble (its Tables I-II are in the Supplemental Material, which we do
//     not have: the windows, d_hard and centres below are our choices). Validation rows come from the second trajectory
//     when one is given (else a 20 % split of the first), balanced; the accuracy per hyperplane is compared with the
//     paper's 0.878-0.926;
//  2. the statistics of Figs. 3-9 over the first `avalanches` avalanches of the first trajectory (AvalancheStatistics),
//     timed separately from reading the frames.
// Run through `npm run bench -- softness --aqs=RUN.gsd[,RUN2.gsd] [--avalanches=100] [--model=MODEL.json] [--out=RESULT.json]
// [--quiet-factor=0.3]`.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { openReader } from '../../src/core/io/open.js';
import { type GsdReader } from '../../src/core/io/gsd.js';
import { type FrameEntry } from '../../src/core/io/types.js';
import { type Box } from '../../src/core/box.js';
import { NeighborSearch } from '../../src/core/neighbors.js';
import { computeStrainFields } from '../../src/core/analysis/d2min-strain.js';
import { binarySpecies, DEFAULT_D_SOFT, DEFAULT_QUIET_FACTOR, type SpeciesAssignment } from '../../src/core/analysis/rearrangers.js';
import { aqsSegments, AvalancheStatistics, type SegmentFrame } from '../../src/core/analysis/avalanche-statistics.js';
import { evenCenters, radialFunctions } from '../../src/core/analysis/structure-functions.js';
import {
  buildSoftnessModel, indicesAbove, indicesBelow, TrainingPoolBuilder, trainEnsemble, type TrainingPool,
} from '../../src/core/analysis/softness-training.js';
import { applySoftnessModel, collapseModel, parseSoftnessModel, serializeSoftnessModel, type SoftnessModel } from '../../src/core/analysis/ml-softness.js';
import { rng } from './util.js';

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

interface AqsRun {
  path: string;
  reader: GsdReader;
  entries: FrameEntry[];
  step: number[];
  avalancheIndex: number[];
  time: number[];
  segments: { first: number; last: number; step: number }[];
  species: SpeciesAssignment;
}

export function openRun(path: string): AqsRun {
  const reader = openReader(path) as GsdReader;
  if (reader.format !== 'gsd') throw new Error(`${path}: expected a GSD trajectory from avw simulate aqs`);
  const entries: FrameEntry[] = [];
  reader.scan({ onFrames: (e) => entries.push(...e) });
  const step: number[] = [], avalancheIndex: number[] = [], time: number[] = [];
  for (let k = 0; k < entries.length; k++) {
    const l = reader.readLog(k);
    if (!l.shear_step || !l.avalanche_index) throw new Error(`${path}: frame ${k} has no log/shear_step or log/avalanche_index (not an avw simulate aqs run)`);
    step.push(l.shear_step[0]); avalancheIndex.push(l.avalanche_index[0]); time.push(l.relax_time?.[0] ?? k);
  }
  const f0 = reader.readFrame(entries[0], 0);
  const species = binarySpecies(f0.n, f0.types, f0.properties.diameter ?? null);
  return { path, reader, entries, step, avalancheIndex, time, segments: aqsSegments({ shearStep: step, avalancheIndex }), species };
}

function frameOf(run: AqsRun, k: number): { positions: Float64Array; box: Box } {
  const f = run.reader.readFrame(run.entries[k], k);
  return { positions: f.positions, box: f.box };
}

function d2min(a: { positions: Float64Array; box: Box }, b: { positions: Float64Array; box: Box }): Float64Array {
  return computeStrainFields({ reference: a.positions, current: b.positions, box: a.box, currentBox: b.box, dimensions: 2, cutoff: 2 }).d2min;
}

export interface PoolSpec { window: number; dHard: number[] }

/**
 * Rows of one run: every rearranger of every avalanche pair (positives), and non-rearranging rows from `negFrames`
 * minimized frames spread over the run (up to `negPerFrame` each, at random).
 */
export function buildPool(run: AqsRun, spec: PoolSpec, negFrames: number, negPerFrame: number, seed: number): { pool: TrainingPool; pos: number; neg: number } {
  const b = new TrainingPoolBuilder();
  const sp = run.species.species;
  let pos = 0, neg = 0;
  for (const s of run.segments) {
    let prev = frameOf(run, s.first);
    for (let k = s.first + 1; k <= s.last; k++) {
      const cur = frameOf(run, k);
      const rows = indicesAbove(d2min(prev, cur), sp, DEFAULT_D_SOFT);
      if (rows.length > 0) {
        const f = b.addFrame({ positions: prev.positions, box: prev.box, species: sp });
        b.add(f, rows, 1);
        pos += rows.length;
      }
      prev = cur;
    }
  }
  // Minimized frames by strain step.
  const byStep = new Map<number, number>();
  for (let k = 0; k < run.entries.length; k++) if (run.avalancheIndex[k] === -1) byStep.set(run.step[k], k);
  const steps = [...byStep.keys()].filter((st) => byStep.has(st + spec.window)).sort((x, y) => x - y);
  const u = rng(seed);
  const every = Math.max(1, Math.floor(steps.length / negFrames));
  for (let q = 0; q < steps.length; q += every) {
    const a = frameOf(run, byStep.get(steps[q]) as number), c = frameOf(run, byStep.get(steps[q] + spec.window) as number);
    const below = Array.from(indicesBelow(d2min(a, c), sp, spec.dHard));
    for (let i = below.length - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); [below[i], below[j]] = [below[j], below[i]]; }
    const take = below.slice(0, negPerFrame);
    if (take.length === 0) continue;
    const f = b.addFrame({ positions: a.positions, box: a.box, species: sp });
    b.add(f, take, 0);
    neg += take.length;
  }
  return { pool: b.build(), pos, neg };
}

function range(xs: number[]): string {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return 'n/a';
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  return `${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)} (mean ${mean.toFixed(3)}, ${v.length} hyperplanes)`;
}

function train(runs: AqsRun[]): SoftnessModel {
  // "Nonrearranging particles that do not rearrange over a long period": windows of 50 and 100 strain steps (a window
  // of 10 steps, d_hard = 0.01 d_soft, gave validation accuracies about 0.03 lower on these runs).
  const sets: PoolSpec[] = [
    { window: 50, dHard: DEFAULT_D_SOFT.map((d) => 0.04 * d) },
    { window: 100, dHard: DEFAULT_D_SOFT.map((d) => 0.1 * d) },
  ];
  console.log(`\nTraining on ${runs[0].path}${runs[1] ? `, validating on ${runs[1].path}` : ' (20 % held out)'} (load ${load()})`);
  const t0 = performance.now();
  const trainPools: TrainingPool[] = [], valPools: (TrainingPool | null)[] = [];
  sets.forEach((spec, k) => {
    const tp = buildPool(runs[0], spec, 60, 60, 11 + k);
    const vp = runs[1] ? buildPool(runs[1], spec, 30, 60, 21 + k) : null;
    trainPools.push(tp.pool); valPools.push(vp ? vp.pool : null);
    const bySpecies = (p: TrainingPool, label: number): string => [0, 1].map((s) => {
      let c = 0;
      for (let r = 0; r < p.label.length; r++) if (p.label[r] === label && (p.frames[p.frame[r]].species as Uint8Array)[p.particle[r]] === s) c++;
      return c;
    }).join(' small / ') + ' large';
    console.log(`  training set ${k} (window ${spec.window} steps, d_hard ${spec.dHard.map((d) => d.toExponential(1)).join(', ')}): `
      + `rearranging ${bySpecies(tp.pool, 1)}, non-rearranging ${bySpecies(tp.pool, 0)}`
      + (vp ? `; validation rearranging ${bySpecies(vp.pool, 1)}, non-rearranging ${bySpecies(vp.pool, 0)}` : ''));
  });
  const tPools = performance.now() - t0;
  const placements = [0, 1, 2, 3, 4, 5].map((p) => radialFunctions(evenCenters(0.4 + 0.02 * p, 0.1, 27), 0.1));
  const t1 = performance.now();
  const hyperplanes = trainEnsemble(trainPools, { placements, speciesMode: 'type', nSpecies: 2, repeats: 5, C: 1, seed: 1, validationFraction: 0.2 }, runs[1] ? valPools : undefined);
  const tTrain = performance.now() - t1;
  console.log(`  pools (D2min of every avalanche pair and of the windows, frames read): ${(tPools / 1000).toFixed(1)} s; ${hyperplanes.length} hyperplanes trained in ${(tTrain / 1000).toFixed(1)} s (load ${load()})`);
  for (const s of [0, 1]) {
    const hs = hyperplanes.filter((h) => h.particleSpecies === s);
    console.log(`  ${s === 0 ? 'small' : 'large'}: validation accuracy ${range(hs.map((h) => h.validationAccuracy ?? NaN))}; train accuracy ${range(hs.map((h) => h.trainAccuracy))}`);
  }
  console.log('  the paper: validation accuracy 0.878-0.926 per hyperplane (60 per species, 7500 + 7500 rows each)');
  return buildSoftnessModel(hyperplanes, 'type', {
    trajectories: runs.map((r) => r.path), frames: 'avalanche pairs (rearranging) and minimized frames (non-rearranging), every frame of each run',
    thresholds: { dSoft: [...DEFAULT_D_SOFT], cutoff: 2, sets }, software: { name: 'avalanche-workbench', version: 'bench' }, created: new Date().toISOString(),
  }, { nSpecies: 2, speciesRule: runs[0].species.rule });
}

/** Fractions of rearrangers with S > 0 and non-rearrangers with S < 0 over the avalanche pairs of a run (the paper: 90 %, 84 %). */
function separation(run: AqsRun, model: SoftnessModel, maxSegments: number): string {
  const c = collapseModel(model);
  const search = new NeighborSearch();
  let nr = 0, pr = 0, no = 0, ng = 0;
  for (const s of run.segments.slice(0, maxSegments)) {
    let prev = frameOf(run, s.first);
    for (let k = s.first + 1; k <= s.last; k++) {
      const cur = frameOf(run, k);
      const flags = indicesAbove(d2min(prev, cur), run.species.species, DEFAULT_D_SOFT);
      const S = applySoftnessModel(c, prev.positions, prev.box, { species: run.species.species, search });
      const isR = new Uint8Array(S.length);
      for (const i of flags) { isR[i] = 1; nr++; if (S[i] > 0) pr++; }
      for (let i = 0; i < S.length; i++) if (!isR[i]) { no++; if (S[i] < 0) ng++; }
      prev = cur;
    }
  }
  return `${(pr / nr * 100).toFixed(1)} % of ${nr} rearrangers have S > 0, ${(ng / no * 100).toFixed(1)} % of non-rearrangers S < 0`;
}

function fmt(x: number, d = 3): string {
  return Number.isFinite(x) ? (Math.abs(x) < 1e-2 || Math.abs(x) >= 1e4 ? x.toExponential(d - 1) : x.toFixed(d)) : 'n/a';
}

export function aqsBench(paths: string[], options: { avalanches: number; model?: string; out?: string; quietFactor?: number }): void {
  const runs = paths.map(openRun);
  for (const r of runs) {
    console.log(`\n${r.path}: ${r.entries.length} frames, ${r.segments.length} avalanches, species by ${r.species.rule} (${r.species.nSpecies})`);
  }
  let model: SoftnessModel;
  if (options.model) {
    model = parseSoftnessModel(JSON.parse(readFileSync(options.model, 'utf8')), options.model);
    console.log(`model ${options.model}: ${model.hyperplanes.length} hyperplanes`);
  } else {
    model = train(runs);
    if (options.out) writeFileSync(`${options.out}.model.json`, serializeSoftnessModel(model));
  }
  const check = runs[1] ?? runs[0];
  console.log(`  separation on ${check.path}${runs[1] ? ' (not trained on)' : ''}: ${separation(check, model, 1e9)}`);

  const run = runs[0];
  const segs = run.segments.slice(0, options.avalanches);
  const quietFactor = options.quietFactor ?? DEFAULT_QUIET_FACTOR;
  console.log(`\nStatistics of Figs. 3-9 over ${segs.length} avalanches of ${run.path} (target: < 60 s for 100 avalanches of N = 4000; load ${load()})`);
  console.log(`  single-rearranger filter: quiet radius 5, quiet factor ${quietFactor} (the paper's 0.01 passes almost no pair at N = 4000 with frames 0.15 apart)`);
  const stats = new AvalancheStatistics({ species: run.species.species, model, quietFactor, yieldLags: [2, 5, 10], clock: () => performance.now(), timeEdges: Float64Array.from({ length: 41 }, (_, q) => -2e4 + q * 1e3) });
  let tRead = 0, frames = 0;
  const t0 = performance.now();
  for (const s of segs) {
    const t1 = performance.now();
    const seg: SegmentFrame[] = [];
    for (let k = s.first; k <= s.last; k++) { const f = frameOf(run, k); seg.push({ positions: f.positions, box: f.box, time: run.time[k] }); }
    tRead += performance.now() - t1;
    frames += seg.length;
    stats.addSegment(seg);
  }
  const res = stats.result();
  const total = performance.now() - t0;
  const t = res.timings;
  console.log(`  ${frames} frames, ${res.pairs} pairs, ${res.rearrangers} rearrangers, ${res.singlePairs} single-rearranger pairs, ${res.starts} starts`);
  console.log(`  wall ${(total / 1000).toFixed(1)} s: reading frames ${(tRead / 1000).toFixed(1)} s, D2min/strain fits ${(t.strain / 1000).toFixed(1)} s, softness ${(t.softness / 1000).toFixed(1)} s, statistics ${(t.statistics / 1000).toFixed(1)} s; computing without reading ${((total - tRead) / 1000).toFixed(1)} s (load ${load()})`);
  const f = res.strainFits;
  console.log('  Fig. 3 (strain around single rearrangers; the paper: eps~ = 0.03 / r^2, |eps_xy| = 1.5e-3 / r^2, k > 0 at most r):');
  console.log(`    eps~ = ${fmt(f.dev.c)} / r^2 (free slope ${fmt(f.devPowerLaw.slope)}), |eps_xy| = ${fmt(f.absExy.c)} / r^2 (free slope ${fmt(f.absExyPowerLaw.slope)}), |k| = ${fmt(f.absK.c)} / r^2`);
  console.log(`    eps_xy = ${fmt(f.exyCos4.amplitude)} cos 4theta / r^2 (explains ${fmt(f.exyCos4.explained)}), k = ${fmt(f.kSin2.amplitude)} sin 2theta / r^2 (explains ${fmt(f.kSin2.explained)}); Eq. B4 fit of <k>(r): c_k ${fmt(f.kConvolved.ck)}, alpha ${fmt(f.kConvolved.alpha)}${f.kConvolved.atBound ? ' (at the end of its range: not constrained)' : ''} (paper 6.1e-5)`);
  const sf = res.strainField;
  const kPos = Array.from(sf.fields.k.mean).filter((x, b) => Number.isFinite(x) && sf.r[b] > 2 && x > 0).length;
  const kAll = Array.from(sf.fields.k.mean).filter((x, b) => Number.isFinite(x) && sf.r[b] > 2).length;
  console.log(`    <k>(r) > 0 in ${kPos} of ${kAll} radial bins beyond r = 2`);
  const g = res.pairCorrelation, nR = g.r.length;
  const g2at = (df: number, rr: number): number => { let b = 0; while (b < nR - 1 && g.r[b] < rr) b++; return g.g2[df * nR + b]; };
  const lagsShown = [0, 5, 20].filter((df) => df < g.lags.length);
  console.log(`  Fig. 4 g_2(r, df): ${lagsShown.map((df) => `df=${df}: r~1.5 ${fmt(g2at(df, 1.5))}, r~5 ${fmt(g2at(df, 5))}, r~15 ${fmt(g2at(df, 15))}`).join('; ')}`);
  const tail = Array.from(g.lags).map((df) => {
    const r = Array.from(g.r), y = r.map((_, b) => g.g2[df * nR + b]);
    let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
    r.forEach((x, b) => { if (x >= 5 && y[b] > 0) { const X = Math.log(x), Y = Math.log(y[b]); sx += X; sy += Y; sxx += X * X; sxy += X * Y; m++; } });
    return m > 2 ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : NaN;
  });
  console.log(`    log-log slope of g_2 beyond r = 5 per lag (paper ~ -3): ${tail.filter((_, k) => k % 5 === 0).map((x) => fmt(x)).join(', ')}`);
  if (res.softness) {
    const p = res.softness;
    const pr = Array.from(p.pR).filter((x) => x > 0);
    console.log(`  Fig. 5: <S> ${fmt(p.meanS)}, <S>_R ${fmt(p.meanSR)}; ${fmt(100 * p.fractionRearrangersPositive, 3)} % of rearrangers S > 0, ${fmt(100 * p.fractionOthersNegative, 3)} % of others S < 0 (paper 90 %, 84 %); P_R(S) spans ${fmt(Math.log10(Math.max(...pr) / Math.min(...pr)), 2)} decades (paper ~4)`);
  }
  if (res.softnessChange) {
    const c = res.softnessChange;
    const near = Array.from(c.c1).filter((x, b) => Number.isFinite(x) && c.r[b] < 2);
    console.log(`  Figs. 6-7: <dS>_R ${fmt(c.rearrangerDS.mean)} (paper -0.75); b ${fmt(c.b)} (paper 207); c_1 at r < 2: ${near.map((x) => fmt(x)).join(', ')} (paper < 0); near-field slope (r < 1.6) ${fmt(c.near.slope)};`);
    console.log(`    |c_0| ~ r^${fmt(c.c0PowerLaw.slope)} (paper -3.1), |c_1| ~ r^${fmt(c.c1PowerLaw.slope)} (paper -3.2); angular variance explained by Eq. 5 ${fmt(c.angularExplained)}`);
  }
  if (res.yieldStrain) {
    const y = res.yieldStrain;
    const slopes = y.samples.map(({ s, dev }, k) => {
      let sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (let i = 0; i < s.length; i++) { sx += s[i]; sy += dev[i]; sxx += s[i] * s[i]; sxy += s[i] * dev[i]; }
      const n = s.length;
      return `df = ${y.lags[k]}: ${n} samples, <eps~> ${fmt(sy / n)}, d eps~/dS ${fmt((n * sxy - sx * sy) / (n * sxx - sx * sx))}`;
    });
    console.log(`  Fig. 8 (strain before a start vs S; the paper: decreasing with S): ${slopes.join('; ')}`);
  }
  const ss = res.strainSinceStart.perPair, rr = res.strainSinceStart.rate;
  const at = (t: number): string => {
    const b = ss.x.findIndex((_, q) => t >= ss.edges[q] && t < ss.edges[q + 1]);
    return b >= 0 ? `k ${fmt(ss.mean[0][b])}, eps_xy ${fmt(ss.mean[1][b])} per pair, ${fmt(rr.mean[0][b])}, ${fmt(rr.mean[1][b])} per unit time (${ss.count[b]})` : 'n/a';
  };
  console.log(`  Fig. 9 (rearranger's own strain vs t - t_start): [-1e3, 0): ${at(-500)}; [0, 1e3): ${at(500)}; [5e3, 6e3): ${at(5500)}`);
  if (options.out) {
    writeFileSync(options.out, JSON.stringify(res, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v), 1));
    console.log(`  results written to ${options.out}`);
  }
}
