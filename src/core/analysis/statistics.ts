// Distributions of per-particle fields (Jha & Sengupta Figs. 3, 4, 7: P(x) over frames, before vs after an avalanche,
// ensemble averages over trajectories and temperatures): P(bin k) = n_k / N, density n_k / (N Δx_k); mean ± sd/sqrt(M).
// Histograms follow numpy.histogram: half-open bins [e_k, e_{k+1}) with the last one closed, density = counts / (N Δx)
// with N the count inside the range, 'auto' bins = numpy's rule. Invalid particles (mask 0) and NaN values are left out
// and counted. Pure over typed arrays; the log scale of the y axis is the UI's business (log-spaced bins are offered).

/** One field over one frame: values per particle and, optionally, its validity mask (1 = valid). */
export interface FieldSample {
  readonly values: Float64Array;
  readonly valid?: Uint8Array | null;
}

/** How to choose the bins: explicit edges, or a count and/or range (missing parts chosen from the data). */
export interface BinSpec {
  /** Explicit increasing edges (n + 1 for n bins); overrides count, range and scale. */
  edges?: ArrayLike<number>;
  /** Number of bins, or 'auto' (default: numpy's 'auto' rule, min(max(FD, sqrt/2), Sturges) width). */
  count?: number | 'auto';
  /** [lo, hi] (default: the valid data's min and max; lo == hi widens to lo - 0.5 .. hi + 0.5 as numpy). */
  range?: readonly [number, number];
  /** 'linear' (default) or 'log': bins equally spaced in ln x (values <= 0 fall outside). */
  scale?: 'linear' | 'log';
}

export interface HistogramParams {
  /** A field over a frame, or over a set of frames (pooled). */
  samples: FieldSample | readonly FieldSample[];
  bins?: BinSpec;
  /** Normalise to a probability density (integral 1 over the range), default false (counts). */
  density?: boolean;
}

export interface Histogram {
  /** Bin edges, length nBins + 1. */
  readonly edges: Float64Array;
  /** Bin centres (geometric centres for log bins). */
  readonly centers: Float64Array;
  /** Raw counts per bin. */
  readonly counts: Float64Array;
  /** counts, or the density counts / (inRange * width) when density was asked. */
  readonly values: Float64Array;
  readonly density: boolean;
  /** Valid values inside the range (the normalisation N). */
  readonly inRange: number;
  /** Valid finite values outside the range (below the first edge or above the last; <= 0 for log bins). */
  readonly outside: number;
  /** Particles left out: mask 0, or a non-finite value. */
  readonly invalidCount: number;
}

const MAX_AUTO_BINS = 100_000;

function asSamples(s: FieldSample | readonly FieldSample[]): readonly FieldSample[] {
  return Array.isArray(s) ? (s as readonly FieldSample[]) : [s as FieldSample];
}

function checkSample(s: FieldSample, who: string): void {
  if (s.valid && s.valid.length !== s.values.length) {
    throw new RangeError(`${who}: ${s.values.length} values but a mask of ${s.valid.length}`);
  }
}

/** Valid finite values of all samples, concatenated (for range and bin choice), and the count of invalid ones. */
function gatherValid(samples: readonly FieldSample[], positiveOnly: boolean): { data: Float64Array; n: number; invalid: number } {
  let total = 0;
  for (const s of samples) total += s.values.length;
  const data = new Float64Array(total);
  let n = 0, invalid = 0;
  for (const s of samples) {
    const v = s.values, m = s.valid;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if ((m && m[i] !== 1) || !Number.isFinite(x)) { invalid++; continue; }
      if (positiveOnly && !(x > 0)) continue;
      data[n++] = x;
    }
  }
  return { data, n, invalid };
}

/** numpy.percentile (linear interpolation) of sorted[0..n). */
function percentileSorted(sorted: Float64Array, n: number, p: number): number {
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos), hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** numpy's 'auto' bin count for the values x[0..n) inside [lo, hi] (x already restricted to that range). */
function autoCount(x: Float64Array, n: number, lo: number, hi: number): number {
  if (n === 0) return 1;
  const sorted = x.slice(0, n).sort();
  const ptp = sorted[n - 1] - sorted[0];
  const iqr = percentileSorted(sorted, n, 75) - percentileSorted(sorted, n, 25);
  const fd = 2 * iqr * n ** (-1 / 3);
  const sturges = ptp / (Math.log2(n) + 1);
  const sqrtBw = ptp / Math.sqrt(n);
  const width = Math.min(Math.max(fd, sqrtBw / 2), sturges);
  if (!(width > 0)) return 1;
  return Math.min(MAX_AUTO_BINS, Math.max(1, Math.ceil((hi - lo) / width)));
}

/** Edges from a spec and the valid data (the data matter only for what the spec leaves open). */
export function chooseBins(spec: BinSpec, samples: FieldSample | readonly FieldSample[]): Float64Array {
  if (spec.edges) {
    const e = Float64Array.from(spec.edges);
    if (e.length < 2) throw new RangeError('chooseBins: need at least 2 edges');
    for (let k = 1; k < e.length; k++) {
      if (!(e[k] > e[k - 1])) throw new RangeError(`chooseBins: edges must increase (edge ${k}: ${e[k]} after ${e[k - 1]})`);
    }
    return e;
  }
  const list = asSamples(samples);
  list.forEach((s) => checkSample(s, 'chooseBins'));
  const log = spec.scale === 'log';
  const { data, n } = gatherValid(list, log);
  let lo: number, hi: number;
  if (spec.range) {
    [lo, hi] = spec.range;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) throw new RangeError(`chooseBins: bad range [${lo}, ${hi}]`);
    if (log && !(lo > 0)) throw new RangeError('chooseBins: a log scale needs a positive range');
  } else if (n === 0) {
    [lo, hi] = log ? [0.1, 10] : [0, 1];
  } else {
    lo = Infinity; hi = -Infinity;
    for (let i = 0; i < n; i++) { const x = data[i]; if (x < lo) lo = x; if (x > hi) hi = x; }
  }
  // Work in ln x for log bins.
  let a = log ? Math.log(lo) : lo, b = log ? Math.log(hi) : hi;
  if (a === b) { a -= 0.5; b += 0.5; }
  let count: number;
  if (typeof spec.count === 'number') {
    if (!Number.isInteger(spec.count) || spec.count < 1) throw new RangeError(`chooseBins: count ${spec.count} is not a positive integer`);
    count = spec.count;
  } else {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const x = log ? Math.log(data[i]) : data[i];
      if (x >= a && x <= b) data[m++] = x;
    }
    count = autoCount(data, m, a, b);
  }
  const edges = new Float64Array(count + 1);
  const step = (b - a) / count;
  for (let k = 0; k <= count; k++) edges[k] = k * step + a; // numpy.linspace, operation for operation
  edges[count] = b;
  if (log) {
    for (let k = 0; k <= count; k++) edges[k] = Math.exp(edges[k]);
    if (lo < hi) { edges[0] = lo; edges[count] = hi; } // exp(ln x) need not give x back
  }
  return edges;
}

/** Bin index of x for these edges (numpy's rule: [e_k, e_{k+1}), last bin closed), or -1 outside. */
function makeLocator(edges: Float64Array, log: boolean): (x: number) => number {
  const n = edges.length - 1;
  const first = edges[0], last = edges[n];
  let uniform = true;
  const a = log ? Math.log(first) : first, b = log ? Math.log(last) : last;
  for (let k = 1; k < n && uniform; k++) {
    const expected = a + ((b - a) * k) / n;
    const actual = log ? Math.log(edges[k]) : edges[k];
    if (Math.abs(actual - expected) > 1e-12 * Math.max(1, Math.abs(b - a), Math.abs(expected))) uniform = false;
  }
  const fix = (x: number, k: number): number => {
    if (k >= n) k = n - 1;
    if (k < 0) k = 0;
    // Correct the rounding of the direct computation against the stored edges, as numpy does.
    if (x < edges[k]) k--;
    else if (k + 1 < n && x >= edges[k + 1]) k++;
    return k;
  };
  if (uniform) {
    const scale = n / (b - a);
    return (x) => {
      if (!(x >= first && x <= last)) return -1;
      const t = log ? Math.log(x) : x;
      return fix(x, Math.floor((t - a) * scale));
    };
  }
  return (x) => {
    if (!(x >= first && x <= last)) return -1;
    let lo = 0, hi = n; // edges[lo] <= x < edges[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x >= edges[mid]) lo = mid; else hi = mid;
    }
    return lo;
  };
}

/** Histogram of a field over one frame or a set of frames, invalid particles left out. */
export function histogram(params: HistogramParams): Histogram {
  const list = asSamples(params.samples);
  list.forEach((s) => checkSample(s, 'histogram'));
  const spec = params.bins ?? {};
  const log = !spec.edges && spec.scale === 'log';
  const edges = chooseBins(spec, list);
  const logEdges = log || (spec.edges !== undefined && spec.scale === 'log');
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  const locate = makeLocator(edges, logEdges);
  let inRange = 0, outside = 0, invalid = 0;
  for (const s of list) {
    const v = s.values, m = s.valid;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if ((m && m[i] !== 1) || !Number.isFinite(x)) { invalid++; continue; }
      const k = locate(x);
      if (k < 0) { outside++; continue; }
      counts[k]++;
      inRange++;
    }
  }
  const density = params.density === true;
  const values = new Float64Array(nb);
  for (let k = 0; k < nb; k++) values[k] = density ? (inRange > 0 ? counts[k] / (inRange * (edges[k + 1] - edges[k])) : 0) : counts[k];
  const centers = new Float64Array(nb);
  for (let k = 0; k < nb; k++) centers[k] = logEdges ? Math.sqrt(edges[k] * edges[k + 1]) : 0.5 * (edges[k] + edges[k + 1]);
  return { edges, centers, counts, values, density, inRange, outside, invalidCount: invalid };
}

export interface BeforeAfterParams {
  before: FieldSample | readonly FieldSample[];
  after: FieldSample | readonly FieldSample[];
  /** Bins shared by both (chosen from the union of both data sets where the spec leaves them open). */
  bins?: BinSpec;
  density?: boolean;
}

export interface BeforeAfter {
  readonly edges: Float64Array;
  readonly before: Histogram;
  readonly after: Histogram;
  /** after.values - before.values per bin. */
  readonly difference: Float64Array;
}

/** Before-vs-after comparison of a field (Jha & Sengupta Fig. 3b): two histograms on shared bins. */
export function beforeAfterHistograms(params: BeforeAfterParams): BeforeAfter {
  const union = [...asSamples(params.before), ...asSamples(params.after)];
  const spec = params.bins ?? {};
  const edges = chooseBins(spec, union);
  const shared: BinSpec = { edges, scale: spec.scale };
  const before = histogram({ samples: params.before, bins: shared, density: params.density });
  const after = histogram({ samples: params.after, bins: shared, density: params.density });
  const difference = new Float64Array(edges.length - 1);
  for (let k = 0; k < difference.length; k++) difference[k] = after.values[k] - before.values[k];
  return { edges, before, after, difference };
}

export interface EnsembleResult {
  /** Mean over the members with a finite value at each point. */
  readonly mean: Float64Array;
  /** Standard error sd / sqrt(n) with the sample sd (n - 1); NaN where fewer than 2 members contribute. */
  readonly stderr: Float64Array;
  /** Sample standard deviation (n - 1) per point; NaN where n < 2. */
  readonly sd: Float64Array;
  /** Members contributing at each point. */
  readonly n: Int32Array;
}

/**
 * Mean and standard error over the members of an ensemble (trajectories, seeds) of curves or histograms sampled on the
 * same points. A member's NaN at a point leaves it out of that point (n counts the rest); a point with no member is NaN.
 * mean_k = (1/n_k) Σ_m y_mk, stderr_k = sqrt(Σ_m (y_mk - mean_k)^2 / (n_k - 1)) / sqrt(n_k).
 */
export function ensembleMean(members: readonly ArrayLike<number>[]): EnsembleResult {
  if (members.length === 0) throw new RangeError('ensembleMean: no members');
  const len = members[0].length;
  for (const m of members) if (m.length !== len) throw new RangeError(`ensembleMean: members of ${len} and ${m.length} points`);
  const mean = new Float64Array(len), sd = new Float64Array(len), stderr = new Float64Array(len);
  const n = new Int32Array(len);
  for (let k = 0; k < len; k++) {
    let s = 0, c = 0;
    for (const m of members) { const y = m[k]; if (Number.isFinite(y)) { s += y; c++; } }
    const mu = c > 0 ? s / c : NaN;
    let ss = 0;
    for (const m of members) { const y = m[k]; if (Number.isFinite(y)) ss += (y - mu) * (y - mu); }
    mean[k] = mu;
    n[k] = c;
    sd[k] = c >= 2 ? Math.sqrt(ss / (c - 1)) : NaN;
    stderr[k] = c >= 2 ? sd[k] / Math.sqrt(c) : NaN;
  }
  return { mean, stderr, sd, n };
}

export interface EnsembleHistogramParams {
  /** One entry per member (trajectory): its frames' samples. */
  members: readonly (FieldSample | readonly FieldSample[])[];
  /** Shared bins, chosen from all members' data where the spec leaves them open. */
  bins?: BinSpec;
  /** Densities (default true: members of different sizes are comparable). */
  density?: boolean;
}

export interface EnsembleHistogram extends EnsembleResult {
  readonly edges: Float64Array;
  readonly centers: Float64Array;
  /** Each member's histogram on the shared bins. */
  readonly histograms: readonly Histogram[];
}

/** Ensemble-averaged histogram (Jha & Sengupta Figs. 3a, 7a): each member histogrammed on shared bins, then mean ± stderr. */
export function ensembleHistogram(params: EnsembleHistogramParams): EnsembleHistogram {
  if (params.members.length === 0) throw new RangeError('ensembleHistogram: no members');
  const spec = params.bins ?? {};
  const all = params.members.flatMap((m) => asSamples(m));
  const edges = chooseBins(spec, all);
  const shared: BinSpec = { edges, scale: spec.scale };
  const density = params.density ?? true;
  const histograms = params.members.map((m) => histogram({ samples: m, bins: shared, density }));
  const stats = ensembleMean(histograms.map((h) => h.values));
  return { ...stats, edges, centers: histograms[0].centers, histograms };
}

/**
 * Group members by a key (temperature, density...) and average each group: the per-temperature curves of
 * Jha & Sengupta Figs. 3a and 7a. Keys keep their first-seen order.
 */
export function ensembleByKey<K>(members: readonly { key: K; values: ArrayLike<number> }[]): Map<K, EnsembleResult> {
  const groups = new Map<K, ArrayLike<number>[]>();
  for (const m of members) {
    const g = groups.get(m.key);
    if (g) g.push(m.values); else groups.set(m.key, [m.values]);
  }
  const out = new Map<K, EnsembleResult>();
  for (const [k, g] of groups) out.set(k, ensembleMean(g));
  return out;
}
