// What happens to a rearranger around the start of its rearrangement (Zhang, Ridout & Liu Sec. III D and App. B):
//  - Fig. 8 (`YieldStrain`): for a particle that starts rearranging at frame f (its D2min first exceeds d_soft in the pair
//    f -> f+1, rearrangers.ts rearrangementStarts), rewind df frames: the local-fit shear strain its neighbourhood took
//    between f - df and f (eps~ = |l1 - l2| of J fitted between those two frames, d2min-strain.ts, R_D = 2) against its
//    softness S at f - df; mean strain per S bin, one curve per df (the paper: 50, 100, 200 frames);
//  - Fig. 9 (`StrainSinceStart`): the rearranger's own local-fit volumetric strain k and xy strain eps_xy per frame pair
//    (consecutive frames), and the same per unit time (divided by the pair's duration: frames are unevenly spaced in
//    time), against the time since its start t - t_start (t of each pair's earlier frame; t = 0 at the start); mean per
//    time bin.
// Both are binned means over samples (`BinnedMeans`), with sd / sqrt(samples) per bin.
import { checkEdges, locate } from './polar-bins.js';

export interface BinnedMeansResult {
  readonly edges: Float64Array;
  readonly x: Float64Array;
  readonly count: Float64Array;
  /** Per field: mean and sd / sqrt(count) per bin (NaN where empty / fewer than 2 samples). */
  readonly mean: Float64Array[];
  readonly sem: Float64Array[];
}

/** Means of `fields` values binned by x. */
export class BinnedMeans {
  private readonly edges: Float64Array;
  private readonly cnt: Float64Array;
  private readonly sum: Float64Array[];
  private readonly sq: Float64Array[];

  constructor(edges: ArrayLike<number>, readonly fields = 1) {
    this.edges = checkEdges(edges, 'BinnedMeans');
    const nb = this.edges.length - 1;
    this.cnt = new Float64Array(nb);
    this.sum = Array.from({ length: fields }, () => new Float64Array(nb));
    this.sq = Array.from({ length: fields }, () => new Float64Array(nb));
  }

  /** One sample at x with `fields` values (non-finite x or value: ignored). */
  add(x: number, ...values: number[]): void {
    if (values.length !== this.fields) throw new RangeError(`BinnedMeans.add: ${values.length} values for ${this.fields} fields`);
    for (const v of values) if (!Number.isFinite(v)) return;
    const b = locate(this.edges, x);
    if (b < 0) return;
    this.cnt[b]++;
    for (let q = 0; q < values.length; q++) { this.sum[q][b] += values[q]; this.sq[q][b] += values[q] * values[q]; }
  }

  result(): BinnedMeansResult {
    const nb = this.cnt.length, e = this.edges;
    const x = Float64Array.from({ length: nb }, (_, b) => 0.5 * (e[b] + e[b + 1]));
    const mean = this.sum.map((s) => s.map((v, b) => (this.cnt[b] > 0 ? v / this.cnt[b] : NaN)));
    const sem = this.sq.map((s, q) => s.map((v, b) => {
      const c = this.cnt[b];
      if (c < 2) return NaN;
      const m = mean[q][b];
      return Math.sqrt(Math.max(0, v / c - m * m) / (c - 1));
    }));
    return { edges: e, x, count: this.cnt.slice(), mean, sem };
  }
}

export interface YieldStrainResult {
  readonly lags: number[];
  /** One binned curve per lag: mean eps~ (field 0) and eps_xy (field 1) per bin of S. */
  readonly curves: BinnedMeansResult[];
  /** Raw samples per lag (S, eps~), for scatter plots and other fits. */
  readonly samples: { s: Float64Array; dev: Float64Array }[];
}

/** Fig. 8 accumulator: add(lagIndex, S at f - df, eps~ and eps_xy between f - df and f). */
export class YieldStrain {
  private readonly bins: BinnedMeans[];
  private readonly raw: { s: number[]; dev: number[] }[];

  constructor(readonly lags: number[], sEdges: ArrayLike<number>) {
    if (lags.length === 0 || !lags.every((l) => Number.isInteger(l) && l > 0)) throw new RangeError(`YieldStrain: lags must be positive integers, got ${lags.join(', ')}`);
    this.bins = lags.map(() => new BinnedMeans(sEdges, 2));
    this.raw = lags.map(() => ({ s: [], dev: [] }));
  }

  add(lagIndex: number, softness: number, dev: number, exy: number): void {
    if (!Number.isFinite(softness) || !Number.isFinite(dev) || !Number.isFinite(exy)) return;
    this.bins[lagIndex].add(softness, dev, exy);
    this.raw[lagIndex].s.push(softness); this.raw[lagIndex].dev.push(dev);
  }

  result(): YieldStrainResult {
    return {
      lags: [...this.lags], curves: this.bins.map((b) => b.result()),
      samples: this.raw.map((r) => ({ s: Float64Array.from(r.s), dev: Float64Array.from(r.dev) })),
    };
  }
}

export interface StrainSinceStartResult {
  /** Mean per-pair k (field 0) and eps_xy (field 1) per bin of t - t_start. */
  readonly perPair: BinnedMeansResult;
  /** The same divided by the pair's duration (strain rates; pairs of zero duration left out). */
  readonly rate: BinnedMeansResult;
}

/** Fig. 9 accumulator: add(t - t_start, k, eps_xy, duration of the pair) for each pair of a rearranger's segment. */
export class StrainSinceStart {
  private readonly perPair: BinnedMeans;
  private readonly rate: BinnedMeans;

  constructor(timeEdges: ArrayLike<number>) {
    this.perPair = new BinnedMeans(timeEdges, 2);
    this.rate = new BinnedMeans(timeEdges, 2);
  }

  add(sinceStart: number, k: number, exy: number, duration: number): void {
    this.perPair.add(sinceStart, k, exy);
    if (duration > 0) this.rate.add(sinceStart, k / duration, exy / duration);
  }

  result(): StrainSinceStartResult {
    return { perPair: this.perPair.result(), rate: this.rate.result() };
  }
}
