// Softness distributions (Zhang, Ridout & Liu Sec. III C, Fig. 5): P(S) of all particles, P(S|R) of rearrangers, and
// the probability P_R(S) = N_R(S) / N(S) that a particle of softness S is rearranging (Fig. 5b), pooled over frame pairs
// (softness in the earlier frame, rearranger flags of the pair). Densities are numpy.histogram's (statistics.ts: counts /
// (in-range total x bin width)). Also the paper's summary numbers: the fraction of rearrangers with S > 0 (90 %) and of
// non-rearrangers with S < 0 (84 %).
import { histogram } from './statistics.js';
import { checkEdges } from './polar-bins.js';

export interface SoftnessDistributionResult {
  readonly edges: Float64Array;
  readonly s: Float64Array;
  /** P(S) and P(S|R) densities. */
  readonly pS: Float64Array;
  readonly pSR: Float64Array;
  /** P_R(S) = N_R / N per bin (NaN where empty). */
  readonly pR: Float64Array;
  readonly countAll: Float64Array;
  readonly countR: Float64Array;
  /** Samples (particle x frame pair) with a finite softness, and rearrangers among them. */
  readonly samples: number;
  readonly rearrangers: number;
  /** <S> over all samples and over rearrangers. */
  readonly meanS: number;
  readonly meanSR: number;
  readonly fractionRearrangersPositive: number;
  readonly fractionOthersNegative: number;
}

export class SoftnessDistribution {
  private readonly edges: Float64Array;
  private readonly all: Float64Array;
  private readonly rr: Float64Array;
  private n = 0;
  private nR = 0;
  private sum = 0;
  private sumR = 0;
  private posR = 0;
  private negOthers = 0;
  private mask = new Uint8Array(0);

  constructor(edges: ArrayLike<number>) {
    this.edges = checkEdges(edges, 'SoftnessDistribution');
    this.all = new Float64Array(this.edges.length - 1);
    this.rr = new Float64Array(this.edges.length - 1);
  }

  /** One frame pair: softness of every particle (earlier frame) and its rearranger flags (1 = rearranger). */
  add(softness: Float64Array, rearranger: ArrayLike<number>): void {
    const n = softness.length;
    if (rearranger.length !== n) throw new RangeError(`SoftnessDistribution.add: ${rearranger.length} flags for ${n} softness values`);
    if (this.mask.length !== n) this.mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const s = softness[i];
      const r = rearranger[i] === 1 ? 1 : 0;
      this.mask[i] = r;
      if (!Number.isFinite(s)) continue;
      this.n++; this.sum += s;
      if (r) { this.nR++; this.sumR += s; if (s > 0) this.posR++; } else if (s < 0) this.negOthers++;
    }
    const bins = { edges: this.edges };
    const ha = histogram({ samples: { values: softness }, bins });
    const hr = histogram({ samples: { values: softness, valid: this.mask }, bins });
    for (let k = 0; k < this.all.length; k++) { this.all[k] += ha.counts[k]; this.rr[k] += hr.counts[k]; }
  }

  /** Mean softness of all samples so far (the <S> of Eq. 5). */
  get meanS(): number {
    return this.n > 0 ? this.sum / this.n : NaN;
  }

  result(): SoftnessDistributionResult {
    const nb = this.all.length, e = this.edges;
    let ta = 0, tr = 0;
    for (let k = 0; k < nb; k++) { ta += this.all[k]; tr += this.rr[k]; }
    const s = new Float64Array(nb), pS = new Float64Array(nb), pSR = new Float64Array(nb), pR = new Float64Array(nb);
    for (let k = 0; k < nb; k++) {
      const w = e[k + 1] - e[k];
      s[k] = 0.5 * (e[k] + e[k + 1]);
      pS[k] = ta > 0 ? this.all[k] / (ta * w) : NaN;
      pSR[k] = tr > 0 ? this.rr[k] / (tr * w) : NaN;
      pR[k] = this.all[k] > 0 ? this.rr[k] / this.all[k] : NaN;
    }
    return {
      edges: e, s, pS, pSR, pR, countAll: this.all.slice(), countR: this.rr.slice(), samples: this.n, rearrangers: this.nR,
      meanS: this.meanS, meanSR: this.nR > 0 ? this.sumR / this.nR : NaN,
      fractionRearrangersPositive: this.nR > 0 ? this.posR / this.nR : NaN,
      fractionOthersNegative: this.n - this.nR > 0 ? this.negOthers / (this.n - this.nR) : NaN,
    };
  }
}
