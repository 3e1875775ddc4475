// Training a softness model on one frame pair of a trajectory (`avw softness train`; Zhang, Ridout & Liu Sec. II C):
// D2min between frames R and F (neighbours within --cutoff in R, d2min-strain.ts) labels the particles, either by
// quantiles (>= the positive quantile: rearranging, <= the negative one: not; the oracle's section G) or by thresholds
// (D2min > d_soft of the species: rearranging, < d_hard: not); their radial structure functions in frame R (Eq. 3) are
// the features; one hyperplane per repeat (and per species with --species type). With one hyperplane every labelled
// particle trains it (no split: the oracle's hyperplane); with more, each repeat trains on a balanced seeded draw and
// is validated on 20 % held out. The model is written as JSON (analysis/ml-softness.ts).
import { writeFileSync } from 'node:fs';
import { computeStrainFields } from '../analysis/d2min-strain.js';
import { serializeSoftnessModel } from '../analysis/ml-softness.js';
import { buildSoftnessModel, indicesAbove, indicesBelow, quantileLabels, TrainingPoolBuilder, trainEnsemble } from '../analysis/softness-training.js';
import { evenCenters, radialFunctions } from '../analysis/structure-functions.js';
import { frameSpecies } from '../fields/softness-support.js';
import type { JobDefinition } from './job.js';
import { SOFTWARE_VERSION } from './simulate-output.js';
import { withTrajectory } from './with-trajectory.js';

export type SoftnessLabels =
  | { kind: 'quantile'; positive: number; negative: number }
  | { kind: 'threshold'; dSoft: [number, number]; dHard: [number, number] };

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
  } else if (l.kind === 'quantile') {
    const q = (key: string, option: string, d: number): number => num(l, key, option, d, (x) => x > 0 && x < 1, 'a number between 0 and 1');
    labels = { kind: 'quantile', positive: q('positive', '--positive-quantile', 0.9), negative: q('negative', '--negative-quantile', 0.5) };
    if (!(labels.negative < labels.positive)) fail(`softness train: --negative-quantile ${labels.negative} must be below --positive-quantile ${labels.positive}`);
  } else {
    fail(`softness train: labels must be "quantile" or "threshold" (got ${JSON.stringify(l.kind)})`);
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

export const softnessTrainJob: JobDefinition<SoftnessTrainParams, SoftnessTrainResult> = {
  kind: 'softness-train',
  validate: validateSoftnessTrainParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source) => {
      const t = source.t;
      for (const [k, option] of [[params.frame, '--frame'], [params.ref, '--ref']] as const) {
        if (k >= t.frameCount) fail(`${t.path}: ${option} ${k} does not exist (the trajectory has ${t.frameCount} frames, 0..${t.frameCount - 1})`);
      }
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
      } else {
        labels = new Int8Array(ref.n).fill(-1);
        for (const i of indicesBelow(d2min, sp.species, params.labels.dHard)) labels[i] = 0;
        for (const i of indicesAbove(d2min, sp.species, params.labels.dSoft)) labels[i] = 1;
        thresholds = { labels: 'threshold', dSoft: params.labels.dSoft, dHard: params.labels.dHard };
      }
      thresholds = { ...thresholds, cutoff: params.cutoff };
      let positives = 0, negatives = 0;
      for (const l of labels) { if (l === 1) positives++; else if (l === 0) negatives++; }
      if (positives === 0 || negatives === 0) fail(`${t.path}: frames ${params.ref} -> ${params.frame} give ${positives} rearranging and ${negatives} non-rearranging particles; need both`);
      const b = new TrainingPoolBuilder();
      b.addLabels(b.addFrame({ positions: ref.positions, box: ref.box, species: sp.species, dimensions: ref.dimensions }), labels);
      ctx.progress(1, 3, 'training');
      const several = params.hyperplanes > 1;
      const hyperplanes = trainEnsemble([b.build()], {
        placements: [radialFunctions(evenCenters(params.r0, params.dr, params.count), params.width)], speciesMode: params.species, nSpecies: 2,
        repeats: params.hyperplanes, C: params.C, seed: params.seed, balance: several, validationFraction: several ? 0.2 : 0, signal: ctx.signal,
        onProgress: (done, total) => ctx.progress(1 + done / total, 3, `hyperplane ${done}/${total}`),
      });
      const model = buildSoftnessModel(hyperplanes, params.species, {
        trajectories: [t.path], frames: { frame: params.frame, ref: params.ref }, thresholds,
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
        out: params.out, n: ref.n, frame: params.frame, ref: params.ref, positives, negatives, thresholds, speciesRule: sp.rule,
        hyperplanes: hyperplanes.map((h) => ({
          particleSpecies: h.particleSpecies, trainAccuracy: h.trainAccuracy, validationAccuracy: h.validationAccuracy, objective: h.objective,
          nTrain: h.nTrain, nPositive: h.nPositive, nNegative: h.nNegative, nValidation: h.nValidation, w: h.w, b: h.b, wRaw: h.wRaw, bRaw: h.bRaw,
        })),
      };
    });
  },
};
