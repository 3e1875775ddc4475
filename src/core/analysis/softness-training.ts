// Training softness (Zhang, Ridout & Liu Sec. II C): training sets of rearranging and non-rearranging particles, their
// structure functions (Eq. 3) in the frame before, standardisation with the training rows, one linear SVM per
// hyperplane (linear-svm.ts), and the ensemble over training sets x centre placements x repeats (x particle species).
//  - Labels, two ways: (a) D2min thresholds: rearranging = D2min > d_soft (per species) between two adjacent frames,
//    non-rearranging = D2min < d_hard over a longer window (`indicesAbove` / `indicesBelow`); (b) quantiles of the D2min of
//    one frame pair (the oracle's section G): 1 if D2min >= the positive quantile (0.9), 0 if <= the negative quantile
//    (0.5), -1 (not trained) otherwise, np.quantile's 'linear' method over the defined values (`quantileLabels`).
//  - Each hyperplane: its rows' features standardised with their own mean and population sd; the SVM; the accuracy on
//    its training rows and on held-out rows (equal numbers of each class, so chance is 0.5). Repeats of one (set,
//    placement, species) differ by the random (seeded) split into training and validation rows and, with `perClass`, by
//    the subsample (the paper: 7500 + 7500 rows, 5 hyperplanes per training set and placement, 60 per species).
import { type Box } from '../box.js';
import { NeighborSearch } from '../neighbors.js';
import { mulberry32 } from '../util/random.js';
import { accuracy, decisionValues, rawHyperplane, standardization, standardizeRows, trainLinearSvm } from './linear-svm.js';
import { SOFTNESS_MODEL_FORMAT, type Hyperplane, type SoftnessModel, type SoftnessProvenance } from './ml-softness.js';
import { radialCutoff, structureFunctions, type RadialFunctions } from './structure-functions.js';

/** numpy.quantile(values, q) with the default 'linear' method (numpy's lerp, exact for the oracle's labels). */
export function quantileLinear(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileLinear: q = ${q} is outside [0, 1]`);
  const virtual = (n - 1) * q;
  const lo = Math.floor(virtual), hi = Math.min(n - 1, lo + 1);
  const t = virtual - lo;
  const a = sorted[lo], b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface QuantileLabels {
  /** 1 = positive (rearranging), 0 = negative, -1 = not trained (between the quantiles, or D2min undefined). */
  readonly labels: Int8Array;
  readonly positiveThreshold: number;
  readonly negativeThreshold: number;
}

/** Labels from the D2min quantiles of one frame pair (oracle section G; NaN values are left out and labelled -1). */
export function quantileLabels(d2min: ArrayLike<number>, positiveQuantile = 0.9, negativeQuantile = 0.5): QuantileLabels {
  if (!(negativeQuantile <= positiveQuantile)) throw new RangeError(`quantileLabels: the negative quantile ${negativeQuantile} exceeds the positive ${positiveQuantile}`);
  const vals: number[] = [];
  for (let i = 0; i < d2min.length; i++) if (Number.isFinite(d2min[i])) vals.push(d2min[i]);
  if (vals.length === 0) throw new RangeError('quantileLabels: no defined D2min value');
  const sorted = Float64Array.from(vals).sort();
  const qp = quantileLinear(sorted, positiveQuantile), qn = quantileLinear(sorted, negativeQuantile);
  const labels = new Int8Array(d2min.length).fill(-1);
  for (let i = 0; i < d2min.length; i++) {
    const x = d2min[i];
    if (!Number.isFinite(x)) continue;
    if (x >= qp) labels[i] = 1;
    else if (x <= qn) labels[i] = 0;
  }
  return { labels, positiveThreshold: qp, negativeThreshold: qn };
}

/** Particles with value > thresholds[species] (D2min above d_soft: the rearranging rows of an adjacent-frame pair). */
export function indicesAbove(values: ArrayLike<number>, species: ArrayLike<number> | null, thresholds: ArrayLike<number>): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] > thresholds[species ? species[i] : 0]) out.push(i);
  return Int32Array.from(out);
}

/** Particles with value < thresholds[species] (D2min below d_hard over a window: the non-rearranging rows). */
export function indicesBelow(values: ArrayLike<number>, species: ArrayLike<number> | null, thresholds: ArrayLike<number>): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] < thresholds[species ? species[i] : 0]) out.push(i);
  return Int32Array.from(out);
}

/** A configuration rows are taken from (the frame before the rearrangement or window). */
export interface TrainingFrame {
  positions: Float64Array;
  box: Box;
  /** Species per particle (rearrangers.ts binarySpecies), needed for speciesMode 'type'. */
  species?: Uint8Array | null;
  dimensions?: 2 | 3;
}

/** Labelled rows: (frame, particle, label 1 / 0). */
export interface TrainingPool {
  readonly frames: readonly TrainingFrame[];
  readonly frame: Int32Array;
  readonly particle: Int32Array;
  readonly label: Int8Array;
}

/** Collects rows frame by frame. */
export class TrainingPoolBuilder {
  private readonly frames: TrainingFrame[] = [];
  private readonly fr: number[] = [];
  private readonly pa: number[] = [];
  private readonly la: number[] = [];

  /** Register a configuration; returns its index for `add`. */
  addFrame(frame: TrainingFrame): number {
    if (frame.positions.length % 3 !== 0) throw new RangeError('TrainingPoolBuilder: positions must hold 3 numbers per particle');
    this.frames.push(frame);
    return this.frames.length - 1;
  }

  /** Rows of particles `particles` of frame `frame`, all with label 1 (rearranging) or 0 (not). */
  add(frame: number, particles: ArrayLike<number>, label: 0 | 1): void {
    const f = this.frames[frame];
    if (!f) throw new RangeError(`TrainingPoolBuilder: no frame ${frame}`);
    const n = f.positions.length / 3;
    for (let k = 0; k < particles.length; k++) {
      const i = particles[k];
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`TrainingPoolBuilder: particle ${i} is not in frame ${frame} (${n} particles)`);
      this.fr.push(frame); this.pa.push(i); this.la.push(label);
    }
  }

  /** Rows from 1 / 0 / -1 labels of every particle of a frame (-1 skipped), e.g. quantileLabels. */
  addLabels(frame: number, labels: ArrayLike<number>): void {
    const pos: number[] = [], neg: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 1) pos.push(i);
      else if (labels[i] === 0) neg.push(i);
    }
    // Keep particle order (as the oracle's training rows).
    const rows = [...pos.map((i) => [i, 1] as const), ...neg.map((i) => [i, 0] as const)].sort((a, b) => a[0] - b[0]);
    for (const [i, l] of rows) { this.fr.push(frame); this.pa.push(i); this.la.push(l); }
  }

  get rows(): number {
    return this.fr.length;
  }

  build(): TrainingPool {
    return { frames: [...this.frames], frame: Int32Array.from(this.fr), particle: Int32Array.from(this.pa), label: Int8Array.from(this.la) };
  }
}

export interface PoolFeatures {
  /** Row-major rows x nFeatures, in pool order. */
  readonly x: Float64Array;
  readonly nFeatures: number;
  /** Species of each row's particle (0 when the frames carry none). */
  readonly species: Uint8Array;
}

/**
 * Structure functions of every row of a pool for each placement: per frame one neighbour list (the largest cutoff),
 * shared by the placements, and each frame's structure functions computed once per placement.
 */
export function poolFeatures(
  pool: TrainingPool, placements: readonly RadialFunctions[], speciesMode: 'none' | 'type', nSpecies = 2, search = new NeighborSearch(),
): PoolFeatures[] {
  const rows = pool.frame.length;
  const ns = speciesMode === 'type' ? nSpecies : 1;
  const out = placements.map((f) => ({ x: new Float64Array(rows * ns * f.centers.length), nFeatures: ns * f.centers.length, species: new Uint8Array(rows) }));
  const cutoff = Math.max(...placements.map(radialCutoff));
  const byFrame = new Map<number, number[]>();
  for (let k = 0; k < rows; k++) {
    const f = pool.frame[k];
    const list = byFrame.get(f);
    if (list) list.push(k); else byFrame.set(f, [k]);
  }
  for (const [f, ks] of byFrame) {
    const fr = pool.frames[f];
    if (speciesMode === 'type' && !fr.species) throw new RangeError(`poolFeatures: frame ${f} has no species (speciesMode "type")`);
    const neighbors = search.buildTransient(fr.positions, fr.box, { cutoff, dimensions: fr.dimensions ?? 2, half: true, withVectors: true });
    placements.forEach((functions, p) => {
      const G = structureFunctions(fr.positions, fr.box, functions, {
        dimensions: fr.dimensions, species: speciesMode === 'type' ? fr.species : null, nSpecies: speciesMode === 'type' ? nSpecies : undefined, neighbors,
      });
      const F = out[p].nFeatures;
      for (const k of ks) {
        const i = pool.particle[k];
        out[p].x.set(G.values.subarray(i * F, (i + 1) * F), k * F);
        out[p].species[k] = fr.species ? fr.species[i] : 0;
      }
    });
  }
  return out;
}

/** The trained fields of a hyperplane (the rest, radial functions and bookkeeping, are added by the ensemble). */
export interface TrainedPlane {
  mu: Float64Array; sd: Float64Array; w: Float64Array; b: number; wRaw: Float64Array; bRaw: number;
  objective: number; trainAccuracy: number; validationAccuracy: number | null; iterations: number; converged: boolean;
  nPositive: number; nNegative: number; nValidation: number;
}

/** One hyperplane from rows `train` of x (labels 1 / 0 per row of x), validated on rows `validation` (may be empty). */
export function trainHyperplane(
  x: Float64Array, F: number, labels: ArrayLike<number>, train: ArrayLike<number>, validation: ArrayLike<number>, C = 1,
): TrainedPlane {
  const s = standardization(x, F, train);
  const z = standardizeRows(x, F, train, s);
  const y = new Int8Array(train.length);
  let nPos = 0;
  for (let k = 0; k < train.length; k++) { y[k] = labels[train[k]] === 1 ? 1 : -1; if (y[k] === 1) nPos++; }
  const r = trainLinearSvm(z, F, y, { C });
  const raw = rawHyperplane(r.w, r.b, s);
  let validationAccuracy: number | null = null;
  if (validation.length > 0) {
    const xv = new Float64Array(validation.length * F);
    const yv = new Int8Array(validation.length);
    for (let k = 0; k < validation.length; k++) {
      xv.set(x.subarray(validation[k] * F, (validation[k] + 1) * F), k * F);
      yv[k] = labels[validation[k]] === 1 ? 1 : -1;
    }
    validationAccuracy = accuracy(decisionValues(xv, F, r.w, r.b, s), yv);
  }
  return {
    mu: s.mu, sd: s.sd, w: r.w, b: r.b, wRaw: raw.wRaw, bRaw: raw.bRaw, objective: r.objective, trainAccuracy: r.trainAccuracy,
    validationAccuracy, iterations: r.iterations, converged: r.converged, nPositive: nPos, nNegative: train.length - nPos,
    nValidation: validation.length,
  };
}

export interface EnsembleOptions {
  /** Centre placements (each a set of radial functions). */
  placements: readonly RadialFunctions[];
  /** 'none' (one feature block, hyperplanes for all particles) or 'type' (per species; see ml-softness.ts). */
  speciesMode: 'none' | 'type';
  /** Species for 'type' (default 2). */
  nSpecies?: number;
  /** Hyperplanes per (training set, placement, species) (default 1). */
  repeats?: number;
  /** Training rows per class per hyperplane (default: all available after the validation split). */
  perClass?: number;
  /** Use equal numbers of each class for training (default true; false keeps every row, as the oracle). */
  balance?: boolean;
  /** Fraction of the smaller class held out per class for validation when no validation pool is given (default 0.2). */
  validationFraction?: number;
  /** SVM penalty (default 1). */
  C?: number;
  /** Seed of the splits (mulberry32; default 1). */
  seed?: number;
  /** Called after each hyperplane (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Checked between hyperplanes; an aborted signal (an AbortSignal, or anything with `aborted`) throws. */
  signal?: { readonly aborted: boolean };
}

/** Fisher-Yates shuffle in place with a seeded uniform generator. */
function shuffle(a: number[], u: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    const t = a[i]; a[i] = a[j]; a[j] = t;
  }
}

/**
 * Train the ensemble: for each training set (pool) and placement, features once; then per particle species (or all) and
 * repeat, a seeded split and one hyperplane. `validation[k]`, when given, is set k's validation pool (balanced by
 * subsampling the larger class) instead of a split of the training pool.
 */
export function trainEnsemble(sets: readonly TrainingPool[], options: EnsembleOptions, validation?: readonly (TrainingPool | null)[]): Hyperplane[] {
  const repeats = options.repeats ?? 1;
  const C = options.C ?? 1;
  const balance = options.balance !== false;
  const vf = options.validationFraction ?? 0.2;
  const ns = options.speciesMode === 'type' ? options.nSpecies ?? 2 : 1;
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`trainEnsemble: repeats must be a positive integer, got ${repeats}`);
  if (!(vf >= 0 && vf < 1)) throw new RangeError(`trainEnsemble: validationFraction must be in [0, 1), got ${vf}`);
  if (options.placements.length === 0) throw new RangeError('trainEnsemble: no centre placement');
  if (sets.length === 0) throw new RangeError('trainEnsemble: no training set');
  const search = new NeighborSearch();
  const total = sets.length * options.placements.length * ns * repeats;
  let done = 0;
  const out: Hyperplane[] = [];
  for (let k = 0; k < sets.length; k++) {
    const vpool = validation?.[k] ?? null;
    const feats = poolFeatures(sets[k], options.placements, options.speciesMode, ns, search);
    const vfeats = vpool ? poolFeatures(vpool, options.placements, options.speciesMode, ns, search) : null;
    for (let p = 0; p < options.placements.length; p++) {
      const f = options.placements[p];
      const feat = feats[p];
      const vfeat = vfeats ? vfeats[p] : null;
      // One matrix for training and validation rows: the validation pool's rows follow the training pool's.
      const nT = sets[k].label.length;
      const x = vfeat ? concat(feat.x, vfeat.x) : feat.x;
      const labels = vfeat ? Int8Array.from([...sets[k].label, ...(vpool as TrainingPool).label]) : sets[k].label;
      const species = vfeat ? Uint8Array.from([...feat.species, ...vfeat.species]) : feat.species;
      for (let s = 0; s < ns; s++) {
        const pos: number[] = [], neg: number[] = [], vpos: number[] = [], vneg: number[] = [];
        for (let r = 0; r < labels.length; r++) {
          if (options.speciesMode === 'type' && species[r] !== s) continue;
          const l = labels[r];
          if (l !== 0 && l !== 1) throw new RangeError(`trainEnsemble: training set ${k} row ${r} has label ${l}, expected 1 or 0`);
          if (r < nT) (l === 1 ? pos : neg).push(r); else (l === 1 ? vpos : vneg).push(r);
        }
        const who = `training set ${k}${options.speciesMode === 'type' ? `, species ${s}` : ''}`;
        if (pos.length === 0 || neg.length === 0) throw new RangeError(`trainEnsemble: ${who} has ${pos.length} rearranging and ${neg.length} non-rearranging rows; need both`);
        for (let rep = 0; rep < repeats; rep++) {
          if (options.signal?.aborted) throw new Error('trainEnsemble: cancelled');
          const u = mulberry32((options.seed ?? 1) * 1_000_003 + ((k * 7919 + p) * 104_729 + s * 1_299_709 + rep));
          const P = [...pos], Nn = [...neg];
          const shuffled = repeats > 1 || vf > 0 || options.perClass !== undefined || balance;
          if (shuffled) { shuffle(P, u); shuffle(Nn, u); }
          let val: number[] = [];
          if (vpool) {
            const VP = [...vpos], VN = [...vneg];
            shuffle(VP, u); shuffle(VN, u);
            const m = Math.min(VP.length, VN.length);
            val = [...VP.slice(0, m), ...VN.slice(0, m)];
          } else if (vf > 0) {
            const m = Math.floor(vf * Math.min(P.length, Nn.length));
            val = [...P.splice(0, m), ...Nn.splice(0, m)];
          }
          let tp = P, tn = Nn;
          if (balance) { const m = Math.min(P.length, Nn.length); tp = P.slice(0, m); tn = Nn.slice(0, m); }
          if (options.perClass !== undefined) { tp = tp.slice(0, options.perClass); tn = tn.slice(0, options.perClass); }
          if (tp.length === 0 || tn.length === 0) throw new RangeError(`trainEnsemble: ${who} leaves no training rows of one class after the validation split`);
          const train = [...tp, ...tn].sort((a, b) => a - b);
          const t = trainHyperplane(x, feat.nFeatures, labels, train, val, C);
          const h: Hyperplane = {
            particleSpecies: options.speciesMode === 'type' ? s : null,
            centers: Array.from(f.centers), widths: Array.from(f.left),
            mu: Array.from(t.mu), sd: Array.from(t.sd), w: Array.from(t.w), b: t.b, wRaw: Array.from(t.wRaw), bRaw: t.bRaw,
            C, objective: t.objective, trainAccuracy: t.trainAccuracy, validationAccuracy: t.validationAccuracy,
            nTrain: train.length, nPositive: t.nPositive, nNegative: t.nNegative, nValidation: t.nValidation,
            trainingSet: k, placement: p, repeat: rep,
          };
          let asym = false;
          for (let m = 0; m < f.left.length; m++) if (f.left[m] !== f.right[m]) asym = true;
          if (asym) h.widthsAbove = Array.from(f.right);
          out.push(h);
          options.onProgress?.(++done, total);
        }
      }
    }
  }
  return out;
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(a.length + b.length);
  c.set(a); c.set(b, a.length);
  return c;
}

/** A model from trained hyperplanes. */
export function buildSoftnessModel(
  hyperplanes: Hyperplane[], speciesMode: 'none' | 'type', provenance: SoftnessProvenance, options: { nSpecies?: number; speciesRule?: string } = {},
): SoftnessModel {
  return {
    format: SOFTNESS_MODEL_FORMAT, version: 1, speciesMode, nSpecies: speciesMode === 'type' ? options.nSpecies ?? 2 : 1,
    speciesRule: options.speciesRule ?? (speciesMode === 'type' ? 'binarySpecies' : 'none'), combine: 'mean-decision', hyperplanes, provenance,
  };
}
