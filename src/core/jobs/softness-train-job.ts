// Training a softness model on one frame pair of a trajectory (`avw softness train`; Zhang, Ridout & Liu Sec. II C):
// D2min between frames R and F (neighbours within --cutoff in R, d2min-strain.ts) labels the particles, either by
// quantiles (>= the positive quantile: rearranging, <= the negative one: not; the oracle's section G) or by thresholds
// (D2min > d_soft of the species: rearranging, < d_hard: not); their radial structure functions in frame R (Eq. 3) are
// the features; one hyperplane per repeat (and per species with --species type). With one hyperplane every labelled
// particle trains it (no split: the oracle's hyperplane); with more, each repeat trains on a balanced seeded draw and
// is validated on 20 % held out. The model is written as JSON (analysis/ml-softness.ts).
// With --aqs (labels kind 'aqs'), the paper's own protocol on an `avw simulate aqs` run over frames R..F: rearranging rows
// are the particles with D2min > d_soft between adjacent frames of every avalanche (features of the earlier frame),
// non-rearranging rows those with D2min < d_hard between the minimized frames of strain steps k and k + W (features at
// step k; up to 60 particles drawn from each of up to 60 such windows spread over the range).
import { writeFileSync } from 'node:fs';
import { computeStrainFields } from '../analysis/d2min-strain.js';
import { serializeSoftnessModel } from '../analysis/ml-softness.js';
import { aqsSegments } from '../analysis/avalanche-statistics.js';
import type { SpeciesAssignment } from '../analysis/rearrangers.js';
import {
  buildSoftnessModel, indicesAbove, indicesBelow, quantileLabels, TrainingPoolBuilder, trainEnsemble, type TrainingPool,
} from '../analysis/softness-training.js';
import { mulberry32 } from '../util/random.js';
import type { Frame } from '../io/types.js';
import type { TrajectoryFrames } from '../fields/frames.js';
import { evenCenters, radialFunctions } from '../analysis/structure-functions.js';
import { frameSpecies } from '../fields/softness-support.js';
import { JobCancelledError, type JobContext, type JobDefinition } from './job.js';
import { SOFTWARE_VERSION } from './simulate-output.js';
import { withTrajectory } from './with-trajectory.js';

export type SoftnessLabels =
  | { kind: 'quantile'; positive: number; negative: number }
  | { kind: 'threshold'; dSoft: [number, number]; dHard: [number, number] }
  | { kind: 'aqs'; dSoft: [number, number]; dHard: [number, number]; window: number };

export interface SoftnessTrainParams {
  path: string;
  indexDir?: string;
  frame: number;
  ref: number;
  cutoff: number;
  labels: SoftnessLabels;
  r0: number;
  dr: number;
  count: number;
  width: number;
  species: 'none' | 'type';
  C: number;
  hyperplanes: number;
  seed: number;
  out: string;
}

export interface SoftnessTrainResult {
  out: string;
  n: number;
  frame: number;
  ref: number;
  /** Labelled particles (rearranging, not) and the thresholds used (the quantile values, or d_soft / d_hard). */
  positives: number;
  negatives: number;
  thresholds: Record<string, unknown>;
  speciesRule: string;
  hyperplanes: {
    particleSpecies: number | null; trainAccuracy: number; validationAccuracy: number | null; objective: number;
    nTrain: number; nPositive: number; nNegative: number; nValidation: number; w: number[]; b: number; wRaw: number[]; bRaw: number;
  }[];
}

function fail(message: string): never {
  throw new Error(message);
}

function num(p: Record<string, unknown>, key: string, option: string, dflt: number, ok: (x: number) => boolean, what: string): number {
  const v = p[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(`softness train: ${option} must be ${what} (got ${JSON.stringify(v)})`);
  return v;
}

function pairOf(v: unknown, option: string): [number, number] {
  const a = Array.isArray(v) ? v : [v];
  if (a.length < 1 || a.length > 2 || !a.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
    fail(`softness train: ${option} must be one positive number or two (small,large) (got ${JSON.stringify(v)})`);
  }
  return [a[0] as number, (a[1] ?? a[0]) as number];
}

export function validateSoftnessTrainParams(raw: unknown): SoftnessTrainParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('softness train: "path" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('softness train: "indexDir" must be a directory');
  if (typeof p.out !== 'string' || !p.out) fail('softness train: --out MODEL.json is required');
  const int = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (!int(p.frame)) fail('softness train: --frame F must be a frame number (an integer >= 0)');
  if (!int(p.ref)) fail('softness train: --ref R must be a frame number (an integer >= 0)');
  if (p.frame === p.ref) fail('softness train: --frame and --ref must differ (D2min between two frames labels the particles)');
  const l = (p.labels ?? { kind: 'quantile' }) as Record<string, unknown>;
  let labels: SoftnessLabels;
  if (l.kind === 'threshold') {
    if (l.dHard === undefined) fail('softness train: --d-soft needs --d-hard H (D2min below it: not rearranging)');
    labels = { kind: 'threshold', dSoft: pairOf(l.dSoft ?? [0.0025, 0.0015], '--d-soft'), dHard: pairOf(l.dHard, '--d-hard') };
  } else if (l.kind === 'aqs') {
    const dSoft = pairOf(l.dSoft ?? [0.0025, 0.0015], '--d-soft');
    labels = {
      kind: 'aqs', dSoft, dHard: l.dHard === undefined ? [0.04 * dSoft[0], 0.04 * dSoft[1]] : pairOf(l.dHard, '--d-hard'),
      window: num(l, 'window', '--window', 50, (x) => Number.isInteger(x) && x >= 1, 'a whole number of strain steps >= 1'),
    };
    if (!((p.ref as number) < (p.frame as number))) fail('softness train: --aqs trains on the frames --ref R to --frame F; R must be before F');
  } else if (l.kind === 'quantile') {
    const q = (key: string, option: string, d: number): number => num(l, key, option, d, (x) => x > 0 && x < 1, 'a number between 0 and 1');
    labels = { kind: 'quantile', positive: q('positive', '--positive-quantile', 0.9), negative: q('negative', '--negative-quantile', 0.5) };
    if (!(labels.negative < labels.positive)) fail(`softness train: --negative-quantile ${labels.negative} must be below --positive-quantile ${labels.positive}`);
  } else {
    fail(`softness train: labels must be "quantile", "threshold" or "aqs" (got ${JSON.stringify(l.kind)})`);
  }
  const species = p.species ?? 'none';
  if (species !== 'none' && species !== 'type') fail(`softness train: --species must be none or type (got ${JSON.stringify(species)})`);
  const positive = (x: number): boolean => x > 0;
  const count = num(p, 'count', '--count', 27, (x) => Number.isInteger(x) && x >= 1 && x <= 1000, 'an integer from 1 to 1000');
  const hyperplanes = num(p, 'hyperplanes', '--hyperplanes', 1, (x) => Number.isInteger(x) && x >= 1 && x <= 1000, 'an integer from 1 to 1000');
  return {
    path: p.path, indexDir: p.indexDir as string | undefined, frame: p.frame as number, ref: p.ref as number, out: p.out,
    cutoff: num(p, 'cutoff', '--cutoff', 2, positive, 'a positive number'), labels,
    r0: num(p, 'r0', '--r0', 0.4, (x) => x >= 0, 'a number >= 0'), dr: num(p, 'dr', '--dr', 0.1, positive, 'a positive number'), count,
    width: num(p, 'width', '--width', 0.1, positive, 'a positive number'), species: species as 'none' | 'type',
    C: num(p, 'C', '--C', 1, positive, 'a positive number'), hyperplanes, seed: num(p, 'seed', '--seed', 1, (x) => Number.isInteger(x), 'an integer'),
  };
}

/** Train the ensemble on the pools, write the model, and report it. */
function trainAndWrite(
  path: string, params: SoftnessTrainParams, pools: TrainingPool[], sp: SpeciesAssignment, thresholds: Record<string, unknown>, frames: unknown,
  positives: number, negatives: number, n: number, ctx: JobContext,
): SoftnessTrainResult {
  const several = params.hyperplanes > 1;
  const hyperplanes = trainEnsemble(pools, {
    placements: [radialFunctions(evenCenters(params.r0, params.dr, params.count), params.width)], speciesMode: params.species, nSpecies: 2,
    repeats: params.hyperplanes, C: params.C, seed: params.seed, balance: several, validationFraction: several ? 0.2 : 0, signal: ctx.signal,
    onProgress: (done, total) => ctx.progress(1 + done / total, 3, `hyperplane ${done}/${total}`),
  });
  const model = buildSoftnessModel(hyperplanes, params.species, {
    trajectories: [path], frames, thresholds,
    structureFunctions: { r0: params.r0, dr: params.dr, count: params.count, width: params.width },
    software: { name: 'avalanche-workbench', version: SOFTWARE_VERSION }, created: new Date().toISOString(),
  }, { nSpecies: 2, speciesRule: sp.rule });
  try {
    writeFileSync(params.out, serializeSoftnessModel(model));
  } catch (e) {
    fail(`${params.out}: cannot write the model: ${(e as Error).message}`);
  }
  ctx.progress(3, 3);
  return {
    out: params.out, n, frame: params.frame, ref: params.ref, positives, negatives, thresholds, speciesRule: sp.rule,
    hyperplanes: hyperplanes.map((h) => ({
      particleSpecies: h.particleSpecies, trainAccuracy: h.trainAccuracy, validationAccuracy: h.validationAccuracy, objective: h.objective,
      nTrain: h.nTrain, nPositive: h.nPositive, nNegative: h.nNegative, nValidation: h.nValidation, w: h.w, b: h.b, wRaw: h.wRaw, bRaw: h.bRaw,
    })),
  };
}

/** Windows of non-rearranging rows drawn (spread over the range) and rows drawn from each. */
const AQS_NEGATIVE_WINDOWS = 60;
const AQS_NEGATIVES_PER_WINDOW = 60;

/** The paper's training rows from the avalanches and minimized frames of an AQS run (frames ref..frame; header). */
function trainOnAqsRun(source: TrajectoryFrames, params: SoftnessTrainParams, labels: Extract<SoftnessLabels, { kind: 'aqs' }>, ctx: JobContext): SoftnessTrainResult {
  const t = source.t;
  const a = params.ref, z = params.frame;
  const shearStep = new Float64Array(z - a + 1), avalancheIndex = new Float64Array(z - a + 1);
  for (let f = a; f <= z; f++) {
    const l = t.readLog(f);
    if (!l || !l.shear_step || !l.avalanche_index) fail(`${t.path}: frame ${f} has no log/shear_step or log/avalanche_index; --aqs needs a run made by avw simulate aqs`);
    shearStep[f - a] = l.shear_step[0]!; avalancheIndex[f - a] = l.avalanche_index[0]!;
  }
  const first = source.read(a);
  const sp = frameSpecies(first);
  if (params.species === 'type' && sp.nSpecies < 2) fail(`${t.path}: --species type needs two particle types or sizes; frame ${a} has one`);
  const d2min = (p: Frame, q: Frame): Float64Array => {
    if (p.n !== q.n) fail(`${t.path}: frames ${p.index} and ${q.index} do not hold the same particles`);
    return computeStrainFields({ reference: p.positions, current: q.positions, box: p.box, currentBox: q.box, dimensions: p.dimensions, cutoff: params.cutoff }).d2min;
  };
  const b = new TrainingPoolBuilder();
  const segments = aqsSegments({ shearStep, avalancheIndex });
  const minimized = new Map<number, number>();
  for (let k = 0; k < shearStep.length; k++) if (avalancheIndex[k] === -1) minimized.set(shearStep[k]!, a + k);
  const steps = [...minimized.keys()].filter((st) => minimized.has(st + labels.window)).sort((x, y) => x - y);
  const pairs = segments.reduce((s, g) => s + g.last - g.first, 0);
  const every = Math.max(1, Math.floor(steps.length / AQS_NEGATIVE_WINDOWS));
  const windows = Math.ceil(steps.length / every);
  const work = pairs + windows;
  let done = 0, positives = 0, negatives = 0, pairsWith = 0;
  for (const g of segments) {
    let prev = source.read(a + g.first);
    for (let k = g.first + 1; k <= g.last; k++) {
      if (ctx.signal.aborted) throw new JobCancelledError('softness-train');
      ctx.progress(done++ / work, 3, `avalanche frames ${a + k - 1} -> ${a + k}`);
      const cur = source.read(a + k);
      const rows = indicesAbove(d2min(prev, cur), sp.species, labels.dSoft);
      if (rows.length > 0) {
        b.add(b.addFrame({ positions: prev.positions, box: prev.box, species: sp.species, dimensions: prev.dimensions }), rows, 1);
        positives += rows.length; pairsWith++;
      }
      prev = cur;
    }
  }
  const u = mulberry32(params.seed);
  for (let q = 0; q < steps.length; q += every) {
    if (ctx.signal.aborted) throw new JobCancelledError('softness-train');
    ctx.progress(done++ / work, 3, `window from strain step ${steps[q]}`);
    const p0 = source.read(minimized.get(steps[q]!)!), p1 = source.read(minimized.get(steps[q]! + labels.window)!);
    const below = Array.from(indicesBelow(d2min(p0, p1), sp.species, labels.dHard));
    for (let i = below.length - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); const x = below[i]!; below[i] = below[j]!; below[j] = x; }
    const take = below.slice(0, AQS_NEGATIVES_PER_WINDOW).sort((x, y) => x - y);
    if (take.length === 0) continue;
    b.add(b.addFrame({ positions: p0.positions, box: p0.box, species: sp.species, dimensions: p0.dimensions }), take, 0);
    negatives += take.length;
  }
  if (positives === 0 || negatives === 0) {
    fail(`${t.path}: frames ${a}..${z} give ${positives} rearranging rows (${segments.length} avalanches) and ${negatives} non-rearranging rows (${steps.length} windows of ${labels.window} strain steps); need both`);
  }
  const thresholds = {
    labels: 'aqs', dSoft: labels.dSoft, dHard: labels.dHard, window: labels.window, cutoff: params.cutoff, avalanches: segments.length,
    avalanchePairsWithRearrangers: pairsWith, negativeWindows: Math.ceil(steps.length / every), negativesPerWindow: AQS_NEGATIVES_PER_WINDOW,
  };
  ctx.progress(1, 3, 'training');
  return trainAndWrite(t.path, params, [b.build()], sp, thresholds, { from: a, to: z, rearranging: 'adjacent avalanche frames', nonRearranging: `minimized frames ${labels.window} strain steps apart` }, positives, negatives, first.n, ctx);
}

export const softnessTrainJob: JobDefinition<SoftnessTrainParams, SoftnessTrainResult> = {
  kind: 'softness-train',
  validate: validateSoftnessTrainParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source) => {
      const t = source.t;
      for (const [k, option] of [[params.frame, '--frame'], [params.ref, '--ref']] as const) {
        if (k >= t.frameCount) fail(`${t.path}: ${option} ${k} does not exist (the trajectory has ${t.frameCount} frames, 0..${t.frameCount - 1})`);
      }
      if (params.labels.kind === 'aqs') return trainOnAqsRun(source, params, params.labels, ctx);
      ctx.progress(0, 3, 'D2min');
      const ref = source.read(params.ref), cur = source.read(params.frame);
      if (ref.n !== cur.n || ref.ids.some((id, i) => id !== cur.ids[i])) fail(`${t.path}: frames ${params.ref} and ${params.frame} do not hold the same particles`);
      const d2min = computeStrainFields({
        reference: ref.positions, current: cur.positions, box: ref.box, currentBox: cur.box, dimensions: ref.dimensions, cutoff: params.cutoff,
      }).d2min;
      const sp = frameSpecies(ref);
      if (params.species === 'type' && sp.nSpecies < 2) fail(`${t.path}: --species type needs two particle types or sizes; frame ${params.ref} has one`);
      let labels: Int8Array;
      let thresholds: Record<string, unknown>;
      if (params.labels.kind === 'quantile') {
        const q = quantileLabels(d2min, params.labels.positive, params.labels.negative);
        labels = q.labels;
        thresholds = { labels: 'quantile', positiveQuantile: params.labels.positive, negativeQuantile: params.labels.negative, positiveD2min: q.positiveThreshold, negativeD2min: q.negativeThreshold };
      } else if (params.labels.kind === 'threshold') {
        labels = new Int8Array(ref.n).fill(-1);
        for (const i of indicesBelow(d2min, sp.species, params.labels.dHard)) labels[i] = 0;
        for (const i of indicesAbove(d2min, sp.species, params.labels.dSoft)) labels[i] = 1;
        thresholds = { labels: 'threshold', dSoft: params.labels.dSoft, dHard: params.labels.dHard };
      } else {
        fail('softness train: unreachable labels kind');
      }
      thresholds = { ...thresholds, cutoff: params.cutoff };
      let positives = 0, negatives = 0;
      for (const l of labels) { if (l === 1) positives++; else if (l === 0) negatives++; }
      if (positives === 0 || negatives === 0) fail(`${t.path}: frames ${params.ref} -> ${params.frame} give ${positives} rearranging and ${negatives} non-rearranging particles; need both`);
      const b = new TrainingPoolBuilder();
      b.addLabels(b.addFrame({ positions: ref.positions, box: ref.box, species: sp.species, dimensions: ref.dimensions }), labels);
      ctx.progress(1, 3, 'training');
      return trainAndWrite(t.path, params, [b.build()], sp, thresholds, { frame: params.frame, ref: params.ref }, positives, negatives, ref.n, ctx);
    });
  },
};
