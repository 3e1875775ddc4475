// Rearranger pair correlation (Zhang, Ridout & Liu Sec. III B, Fig. 4): given a rearranger at the origin in frame pair p,
// the density of rearrangers at separation r in pair p + df, relative to their mean density in that pair:
//   g_2(r, df) = sum_events n(r, df) / sum_events rho_R(p + df) a(r),
// with n the rearrangers of pair p + df in the bin (the origin itself left out at df = 0, and, unless `includeSelf`, at
// every df), rho_R = (their number) / box area, a(r) the bin's area (annulus, or polar cell for the directional form).
// Uniformly placed rearrangers give g_2 = 1 (for bins inside the half box). The directional form is the time average
// g_2(r) = 1/(F + 1) sum_{df = 0..F} g_2(r, theta, df) (the paper writes 1/F sum_0^F; we average the F + 1 terms).
// Separations: the origin in the earlier frame of pair p, the other in the earlier frame of pair p + df, minimum image in
// the latter's box. Pairs never span segments (avalanches).
import { boxVolume, minimumImage, type Box } from '../box.js';
import { binCenters, cellArea, checkEdges, locate, sector, sectorCenters } from './polar-bins.js';

export interface RearrangerPair {
  /** Rearrangers of this frame pair (particle indices). */
  rearrangers: ArrayLike<number>;
  /** Positions of the pair's earlier frame (n*3) and its box. */
  positions: Float64Array;
  box: Box;
  /** Use this pair's rearrangers as origins (default true; e.g. only single-rearranger pairs). */
  origin?: boolean;
}

export interface PairCorrelationResult {
  readonly rEdges: Float64Array;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  /** Lags 0..F. */
  readonly lags: Int32Array;
  /** g_2(r, df), row-major (F + 1) x nR (NaN where no expectation). */
  readonly g2: Float64Array;
  /** Time-averaged directional g_2(r, theta), nR x nTheta. */
  readonly directional: Float64Array;
  /** Origins per lag (events with a pair p + df in the segment). */
  readonly origins: Int32Array;
  /** Rearrangers counted per (lag, radial bin). */
  readonly counts: Float64Array;
}

export class RearrangerPairCorrelation {
  private readonly edges: Float64Array;
  private readonly nR: number;
  private readonly nT: number;
  private readonly F: number;
  private readonly includeSelf: boolean;
  private readonly num: Float64Array;
  private readonly pnum: Float64Array;
  /** Sum over events of rho_R per lag: the expected count in a bin is rhoSum * its area. */
  private readonly rhoSum: Float64Array;
  private readonly org: Int32Array;
  private readonly sep = new Float64Array(3);

  constructor(rEdges: ArrayLike<number>, maxLag = 20, nTheta = 36, options: { includeSelf?: boolean } = {}) {
    this.edges = checkEdges(rEdges, 'RearrangerPairCorrelation');
    if (!Number.isInteger(maxLag) || maxLag < 0) throw new RangeError(`RearrangerPairCorrelation: maxLag must be an integer >= 0, got ${maxLag}`);
    this.nR = this.edges.length - 1;
    this.nT = nTheta;
    this.F = maxLag;
    this.includeSelf = options.includeSelf !== false;
    this.num = new Float64Array((maxLag + 1) * this.nR);
    this.pnum = new Float64Array((maxLag + 1) * this.nR * nTheta);
    this.rhoSum = new Float64Array(maxLag + 1);
    this.org = new Int32Array(maxLag + 1);
  }

  /** One segment (consecutive frame pairs of one avalanche). */
  addSegment(pairs: readonly RearrangerPair[]): void {
    const nR = this.nR, nT = this.nT;
    for (let p = 0; p < pairs.length; p++) {
      const P = pairs[p];
      if (P.origin === false) continue;
      for (let a = 0; a < P.rearrangers.length; a++) {
        const i = P.rearrangers[a];
        const x0 = P.positions[3 * i], y0 = P.positions[3 * i + 1];
        for (let df = 0; df <= this.F && p + df < pairs.length; df++) {
          const Q = pairs[p + df];
          const area = boxVolume(Q.box, 2);
          let others = 0;
          for (let c = 0; c < Q.rearrangers.length; c++) {
            const j = Q.rearrangers[c];
            if (j === i && (df === 0 || !this.includeSelf)) continue;
            others++;
          }
          this.org[df]++;
          this.rhoSum[df] += others / area;
          for (let c = 0; c < Q.rearrangers.length; c++) {
            const j = Q.rearrangers[c];
            if (j === i && (df === 0 || !this.includeSelf)) continue;
            this.sep[0] = Q.positions[3 * j] - x0; this.sep[1] = Q.positions[3 * j + 1] - y0; this.sep[2] = 0;
            minimumImage(Q.box, this.sep, 0);
            const b = locate(this.edges, Math.hypot(this.sep[0], this.sep[1]));
            if (b < 0) continue;
            this.num[df * nR + b]++;
            this.pnum[(df * nR + b) * nT + sector(Math.atan2(this.sep[1], this.sep[0]), nT)]++;
          }
        }
      }
    }
  }

  result(): PairCorrelationResult {
    const nR = this.nR, nT = this.nT, L = this.F + 1;
    const g2 = new Float64Array(L * nR);
    for (let df = 0; df < L; df++) {
      for (let b = 0; b < nR; b++) {
        const expected = this.rhoSum[df] * Math.PI * (this.edges[b + 1] ** 2 - this.edges[b] ** 2);
        g2[df * nR + b] = expected > 0 ? this.num[df * nR + b] / expected : NaN;
      }
    }
    const directional = new Float64Array(nR * nT);
    for (let b = 0; b < nR; b++) {
      const a = cellArea(this.edges[b], this.edges[b + 1], nT);
      for (let s = 0; s < nT; s++) {
        let sum = 0, m = 0;
        for (let df = 0; df < L; df++) {
          const expected = this.rhoSum[df] * a;
          if (expected > 0) { sum += this.pnum[(df * nR + b) * nT + s] / expected; m++; }
        }
        directional[b * nT + s] = m > 0 ? sum / m : NaN;
      }
    }
    return {
      rEdges: this.edges, r: binCenters(this.edges), theta: sectorCenters(nT), lags: Int32Array.from({ length: L }, (_, k) => k),
      g2, directional, origins: this.org.slice(), counts: this.num.slice(),
    };
  }
}
