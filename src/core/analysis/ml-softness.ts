// Machine-learned softness (Zhang, Ridout & Liu Sec. II C, after Schoenholz et al. 2016): an ensemble of linear
// hyperplanes over the radial structure functions of Eq. 3; a particle's softness is the mean over the hyperplanes of
// its species of the signed decision value S_h = w_h.(G_h - mu_h)/sd_h + b_h = wRaw_h.G_h + bRaw_h.
//
// The model is plain JSON (SOFTNESS_MODEL_FORMAT): per hyperplane its radial functions (centres and half-widths), the
// standardisation (mu, sd), the weights in standardised (w, b) and raw (wRaw, bRaw) space, the training objective and
// accuracies; plus the species mode and the provenance (trajectories, frames, thresholds, software version).
//  - speciesMode 'none': one block of M structure functions over all neighbours; every hyperplane applies to every particle.
//  - speciesMode 'type': nSpecies blocks (column s * M + m sums over neighbours of species s) and each hyperplane belongs to
//    one particle species (`particleSpecies`), as the paper's "60 hyperplanes per species". Species: rearrangers.ts
//    binarySpecies (small = 0, large = 1).
// Applying: the mean of linear maps is linear, and a linear map of the structure functions is a sum over neighbours of
// one radial kernel phi_{s_i s_j}(r) = mean_h sum_m wRaw_h[s_j M + m] g_hm(r) (piecewise linear, tabulated exactly,
// structure-functions.ts RadialKernel). So S_i = mean_h bRaw_h + sum_j phi_{s_i s_j}(r_ij), one pass over the
// neighbourhoods (neighbors.ts forEachNeighborhood, no pair list) whatever the number of hyperplanes and placements.
import { type Box } from '../box.js';
import { NeighborSearch } from '../neighbors.js';
import { checkSpecies, radialFunctions, RadialKernel, structureFunctions, type RadialFunctions } from './structure-functions.js';

export const SOFTNESS_MODEL_FORMAT = 'avalanche-workbench/softness-model';

export interface Hyperplane {
  /** The particle species this hyperplane scores (speciesMode 'type'), or null (every particle). */
  particleSpecies: number | null;
  /** Radial functions: centres r_m and half-widths below (widths) and above (widthsAbove, default = widths). */
  centers: number[];
  widths: number[];
  widthsAbove?: number[];
  /** Standardisation of the training rows (population sd; sd = 0 -> 1); one entry per feature column. */
  mu: number[];
  sd: number[];
  /** Weights and intercept in standardised space. */
  w: number[];
  b: number;
  /** Raw-space weights: wRaw.G + bRaw = w.(G - mu)/sd + b. */
  wRaw: number[];
  bRaw: number;
  C: number;
  /** 0.5 (|w|^2 + b^2) + C sum max(0, 1 - y (w.z + b))^2 at the optimum. */
  objective: number;
  trainAccuracy: number;
  /** Accuracy on held-out rows (balanced classes), or null when none were held out. */
  validationAccuracy: number | null;
  /** Training rows: total, positive (rearranging) and negative. */
  nTrain: number;
  nPositive: number;
  nNegative: number;
  /** Validation rows (0 when none). */
  nValidation: number;
  /** Which training set and centre placement this hyperplane came from, and its repeat index. */
  trainingSet: number;
  placement: number;
  repeat: number;
}

export interface SoftnessProvenance {
  /** Trajectory files (as given) and the frames used from each. */
  trajectories: string[];
  frames: unknown;
  /** Labelling rule and its parameters (D2min thresholds or quantiles, D2min cutoff, windows). */
  thresholds: Record<string, unknown>;
  software: { name: string; version: string };
  created: string;
  [key: string]: unknown;
}

export interface SoftnessModel {
  format: typeof SOFTNESS_MODEL_FORMAT;
  version: 1;
  speciesMode: 'none' | 'type';
  /** Species blocks of the features (1 for 'none'). */
  nSpecies: number;
  /** How the species were assigned when the model was trained (rearrangers.ts binarySpecies rule), for the record. */
  speciesRule: string;
  /** How hyperplanes combine: the mean of the decision values w.z + b. */
  combine: 'mean-decision';
  hyperplanes: Hyperplane[];
  provenance: SoftnessProvenance;
}

/** The radial functions of a hyperplane. */
export function hyperplaneFunctions(h: Hyperplane): RadialFunctions {
  const f = radialFunctions(h.centers, h.widths);
  if (h.widthsAbove) for (let m = 0; m < f.right.length; m++) f.right[m] = h.widthsAbove[m];
  return f;
}

// ---------------------------------------------------------------------------------------------------------------------
// Validating loader

function fail(source: string, key: string, expected: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : Array.isArray(got) ? `an array of ${got.length}` : JSON.stringify(got)?.slice(0, 40) ?? String(got);
  throw new Error(`${source}: ${key}: expected ${expected}, got ${shown}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(o: Record<string, unknown>, key: string, path: string, source: string, opts: { positive?: boolean; nullable?: boolean } = {}): number {
  const v = o[key];
  if (opts.nullable && v === null) return NaN;
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.positive && !(v > 0))) {
    fail(source, `${path}${key}`, opts.positive ? 'a positive number' : opts.nullable ? 'a finite number or null' : 'a finite number', v);
  }
  return v;
}

function numArray(o: Record<string, unknown>, key: string, path: string, source: string, length: number | null, positive = false): number[] {
  const v = o[key];
  const kind = positive ? 'positive' : 'finite';
  const what = length === null ? `a non-empty array of ${kind} numbers` : `an array of ${length} ${kind} numbers`;
  if (!Array.isArray(v) || (length !== null && v.length !== length) || v.length === 0) fail(source, `${path}${key}`, what, v);
  for (let k = 0; k < v.length; k++) {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x) || (positive && !(x > 0))) fail(source, `${path}${key}[${k}]`, positive ? 'a positive number' : 'a finite number', x);
  }
  return v as number[];
}

function int(o: Record<string, unknown>, key: string, path: string, source: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(source, `${path}${key}`, `an integer >= ${min}`, v);
  return v;
}

/** Check and return a softness model parsed from JSON; errors name the source and the key. */
export function parseSoftnessModel(json: unknown, source = 'softness model'): SoftnessModel {
  if (!isObject(json)) fail(source, '(top level)', 'an object', json);
  if (json.format !== SOFTNESS_MODEL_FORMAT) fail(source, 'format', `"${SOFTNESS_MODEL_FORMAT}"`, json.format);
  if (json.version !== 1) fail(source, 'version', '1', json.version);
  const mode = json.speciesMode;
  if (mode !== 'none' && mode !== 'type') fail(source, 'speciesMode', '"none" or "type"', mode);
  const nSpecies = int(json, 'nSpecies', '', source, 1);
  if (mode === 'none' && nSpecies !== 1) fail(source, 'nSpecies', '1 with speciesMode "none"', nSpecies);
  if (json.combine !== 'mean-decision') fail(source, 'combine', '"mean-decision"', json.combine);
  if (typeof json.speciesRule !== 'string') fail(source, 'speciesRule', 'a string', json.speciesRule);
  if (!isObject(json.provenance)) fail(source, 'provenance', 'an object', json.provenance);
  const prov = json.provenance;
  if (!Array.isArray(prov.trajectories) || !prov.trajectories.every((t) => typeof t === 'string')) fail(source, 'provenance.trajectories', 'an array of strings', prov.trajectories);
  if (!isObject(prov.thresholds)) fail(source, 'provenance.thresholds', 'an object', prov.thresholds);
  if (!isObject(prov.software) || typeof prov.software.name !== 'string' || typeof prov.software.version !== 'string') {
    fail(source, 'provenance.software', 'an object with name and version strings', prov.software);
  }
  if (typeof prov.created !== 'string') fail(source, 'provenance.created', 'a string (ISO date)', prov.created);
  if (!Array.isArray(json.hyperplanes) || json.hyperplanes.length === 0) fail(source, 'hyperplanes', 'a non-empty array', json.hyperplanes);
  json.hyperplanes.forEach((h: unknown, k: number) => {
    const p = `hyperplanes[${k}].`;
    if (!isObject(h)) fail(source, `hyperplanes[${k}]`, 'an object', h);
    const centers = numArray(h, 'centers', p, source, null);
    const M = centers.length;
    for (let m = 0; m < M; m++) {
      if (!(centers[m] >= 0) || (m > 0 && !(centers[m] > centers[m - 1]))) fail(source, `${p}centers[${m}]`, 'increasing numbers >= 0', centers[m]);
    }
    numArray(h, 'widths', p, source, M, true);
    if (h.widthsAbove !== undefined) numArray(h, 'widthsAbove', p, source, M, true);
    const F = nSpecies * M;
    for (const key of ['mu', 'w', 'wRaw']) numArray(h, key, p, source, F);
    numArray(h, 'sd', p, source, F, true);
    num(h, 'b', p, source); num(h, 'bRaw', p, source); num(h, 'C', p, source, { positive: true }); num(h, 'objective', p, source);
    const acc = num(h, 'trainAccuracy', p, source);
    if (acc < 0 || acc > 1) fail(source, `${p}trainAccuracy`, 'a number in [0, 1]', acc);
    const va = num(h, 'validationAccuracy', p, source, { nullable: true });
    if (va < 0 || va > 1) fail(source, `${p}validationAccuracy`, 'a number in [0, 1] or null', va);
    for (const key of ['nTrain', 'nPositive', 'nNegative', 'nValidation', 'trainingSet', 'placement', 'repeat']) int(h, key, p, source, 0);
    if (mode === 'type') {
      const s = h.particleSpecies;
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= nSpecies) fail(source, `${p}particleSpecies`, `an integer in 0..${nSpecies - 1}`, s);
    } else if (h.particleSpecies !== null) {
      fail(source, `${p}particleSpecies`, 'null with speciesMode "none"', h.particleSpecies);
    }
    // The raw weights must describe the same plane as (w, b, mu, sd): wRaw = w / sd, bRaw = b - sum wRaw mu.
    const w = h.w as number[], sd = h.sd as number[], mu = h.mu as number[], wRaw = h.wRaw as number[];
    let bRaw = h.b as number, scale = Math.abs(h.b as number);
    for (let c = 0; c < F; c++) {
      const wr = w[c] / sd[c];
      if (Math.abs(wr - wRaw[c]) > 1e-9 * Math.max(1, Math.abs(wr))) fail(source, `${p}wRaw[${c}]`, `w / sd = ${wr}`, wRaw[c]);
      bRaw -= wr * mu[c];
      scale += Math.abs(wr * mu[c]);
    }
    if (Math.abs(bRaw - (h.bRaw as number)) > 1e-9 * Math.max(1, scale)) fail(source, `${p}bRaw`, `b - wRaw.mu = ${bRaw}`, h.bRaw);
  });
  return json as unknown as SoftnessModel;
}

/** The model as JSON text (doubles round-trip exactly). */
export function serializeSoftnessModel(model: SoftnessModel): string {
  return `${JSON.stringify(model, null, 1)}\n`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Applying a model

export interface ApplyOptions {
  dimensions?: 2 | 3;
  /** Species per particle (required for speciesMode 'type'; ignored for 'none'). */
  species?: ArrayLike<number> | null;
  /** A reusable neighbour search (its transient buffers are overwritten). */
  search?: NeighborSearch;
}

/** The collapsed ensemble: per particle species a bias and a kernel per neighbour species (null: no hyperplane). */
export interface CollapsedModel {
  readonly nSpecies: number;
  readonly bias: Float64Array;
  /** kernels[s * nSpecies + t]: particle species s, neighbour species t. */
  readonly kernels: (RadialKernel | null)[];
  readonly cutoff: number;
}

/** Collapse the hyperplanes of a model into radial kernels (see the header). */
export function collapseModel(model: SoftnessModel): CollapsedModel {
  const ns = model.speciesMode === 'type' ? model.nSpecies : 1;
  const bias = new Float64Array(ns).fill(NaN);
  const kernels: (RadialKernel | null)[] = new Array(ns * ns).fill(null);
  let cutoff = 0;
  for (let s = 0; s < ns; s++) {
    const hs = model.hyperplanes.filter((h) => model.speciesMode === 'none' || h.particleSpecies === s);
    if (hs.length === 0) continue;
    let b = 0;
    for (const h of hs) b += h.bRaw;
    bias[s] = b / hs.length;
    for (let t = 0; t < ns; t++) {
      const terms = hs.map((h) => {
        const M = h.centers.length;
        const coef = h.wRaw.slice(t * M, (t + 1) * M).map((x) => x / hs.length);
        return { functions: hyperplaneFunctions(h), coef };
      });
      const k = RadialKernel.sum(terms);
      kernels[s * ns + t] = k;
      cutoff = Math.max(cutoff, k.cutoff);
    }
  }
  return { nSpecies: ns, bias, kernels, cutoff };
}

/**
 * The kernels of a collapsed model on one common set of knots, for the neighbour loop: the union KN of every kernel's
 * knots (a piecewise-linear function is unchanged by extra knots; its value there is interpolated, exact up to
 * rounding), and for kernel u = s_i * nSpecies + s_j its values KV[u * L + q] and slopes SL[u * L + q] on interval q
 * (all 0 for a null kernel). One interval search per pair then serves both ends of the pair, whatever their species.
 * The interval of r is found from a bucket table (width 1 / inv from KN[0]) and a short forward walk.
 */
interface FlatKernels {
  L: number; KN: Float64Array; KV: Float64Array; SL: Float64Array; BS: Int32Array; lo: number; hi: number; inv: number;
}

function flattenKernels(kernels: readonly (RadialKernel | null)[]): FlatKernels {
  const all: number[] = [];
  for (const k of kernels) if (k) all.push(...k.knots);
  all.sort((a, b) => a - b);
  const knots: number[] = [];
  for (const x of all) if (knots.length === 0 || x > knots[knots.length - 1]) knots.push(x);
  if (knots.length < 2) knots.push(knots.length ? knots[0] + 1 : 1); // no kernel at all: an empty support
  const L = knots.length, U = kernels.length;
  const KN = Float64Array.from(knots), KV = new Float64Array(U * L), SL = new Float64Array(U * L);
  kernels.forEach((k, u) => {
    if (!k) return;
    for (let q = 0; q < L; q++) KV[u * L + q] = k.at(KN[q]);
    for (let q = 0; q + 1 < L; q++) SL[u * L + q] = (KV[u * L + q + 1] - KV[u * L + q]) / (KN[q + 1] - KN[q]);
  });
  const lo = KN[0], hi = KN[L - 1];
  const B = 8 * L, inv = B / (hi - lo);
  const BS = new Int32Array(B + 1);
  for (let b = 0, q = 0; b <= B; b++) {
    const r = lo + b / inv;
    while (q < L - 2 && KN[q + 1] <= r) q++;
    BS[b] = q;
  }
  return { L, KN, KV, SL, BS, lo, hi, inv };
}

/** The flat tables of each collapsed model applied so far (a model applied to every frame of a run is flattened once). */
const flatCache = new WeakMap<CollapsedModel, FlatKernels>();

/** Softness of every particle of a configuration (NaN for a species the model has no hyperplane for). */
export function applySoftnessModel(model: SoftnessModel | CollapsedModel, positions: Float64Array, box: Box, options: ApplyOptions = {}): Float64Array {
  const c = 'kernels' in model ? model : collapseModel(model);
  if (positions.length % 3 !== 0) throw new RangeError(`applySoftnessModel: positions must hold 3 numbers per particle, got ${positions.length}`);
  const n = positions.length / 3;
  const ns = c.nSpecies;
  let sp: Uint8Array | null = null;
  if (ns > 1) {
    if (!options.species) throw new RangeError('applySoftnessModel: the model resolves species (speciesMode "type"); pass the species of every particle');
    checkSpecies(options.species, n, ns, 'applySoftnessModel');
    if (ns > 256) throw new RangeError(`applySoftnessModel: at most 256 species, got ${ns}`);
    sp = Uint8Array.from(options.species);
  }
  // One pass over the pairs, each screened once (forEachNeighborhood's half neighbourhoods, no pair list): a pair adds
  // phi_{s_i s_j}(r) to i and phi_{s_j s_i}(r) to j; S_i = bias(s_i) + that sum, in float64.
  const out = new Float64Array(n);
  let flat = flatCache.get(c);
  if (!flat) { flat = flattenKernels(c.kernels); flatCache.set(c, flat); }
  const { L, KN, KV, SL, BS, lo, hi, inv } = flat;
  const visit = (i: number, count: number, nb: Int32Array, r2: Float64Array): void => {
    const si = sp === null ? 0 : sp[i];
    const rowI = si * ns * L, colI = si * L;
    let acc = 0;
    for (let k = 0; k < count; k++) {
      const r = Math.sqrt(r2[k]);
      if (!(r > lo && r < hi)) continue;
      let q = BS[Math.floor((r - lo) * inv)];
      while (KN[q + 1] < r) q++;
      const d = r - KN[q], j = nb[k];
      const sj = sp === null ? 0 : sp[j];
      const uij = rowI + sj * L + q, uji = sj * ns * L + colI + q;
      acc += KV[uij] + SL[uij] * d;
      out[j] += KV[uji] + SL[uji] * d;
    }
    out[i] += acc;
  };
  (options.search ?? new NeighborSearch()).forEachNeighborhood(positions, box, { cutoff: c.cutoff, dimensions: options.dimensions ?? 2, half: true }, visit);
  const bias = c.bias;
  for (let i = 0; i < n; i++) out[i] += bias[sp === null ? 0 : sp[i]];
  return out;
}

/** Decision values of one hyperplane for every particle, from its own structure functions (for checks and accuracies). */
export function hyperplaneDecisions(
  h: Hyperplane, model: Pick<SoftnessModel, 'speciesMode' | 'nSpecies'>, positions: Float64Array, box: Box, options: ApplyOptions = {},
): Float64Array {
  const species = model.speciesMode === 'type' ? options.species : null;
  if (model.speciesMode === 'type' && !species) throw new RangeError('hyperplaneDecisions: the model resolves species; pass them');
  const G = structureFunctions(positions, box, hyperplaneFunctions(h), {
    dimensions: options.dimensions, species, nSpecies: model.speciesMode === 'type' ? model.nSpecies : undefined, search: options.search,
  });
  const F = G.nFeatures, n = G.n, x = G.values;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = h.bRaw;
    for (let c = 0; c < F; c++) v += h.wRaw[c] * x[i * F + c];
    out[i] = v;
  }
  return out;
}

