// Softness change around a rearranger (Zhang, Ridout & Liu Sec. III C, Eq. 5, Figs. 6-7): for each frame pair with a
// single rearranger, every other particle's dS = S(after) - S(before) over the pair, binned by its separation (r, theta)
// from the rearranger in the earlier frame. Then Eq. 5,
//   dS(r, S) = c_0(r) + c_1(r) (S - <S>) + b k(r),
// with k the particle's local-fit volumetric strain of the pair (d2min-strain.ts) and <S> the mean softness:
//  - `c1Simple`: per radial bin, the slope of the least-squares line of dS on S - <S> (Fig. 7b's c_1);
//  - the joint least squares over all particle samples in `fitRange` with c_0, c_1 per radial bin and one b (the block
//    normal equations solved through the Schur complement of b): c_0(r), c_1(r), b (the paper: b ~ 207, c_1 < 0 near);
//  - the prediction c_0 + c_1 (<S>_cell - <S>) + b <k>_cell per polar cell against the measured mean (Fig. 6 red lines;
//    its angular dependence comes from k alone), with the fraction of the angular variance it explains;
//  - Fig. 7a: within r < nearRadius (1.6), mean dS per bin of S and the straight line through the samples;
//  - <dS>_R of the rearranger itself (the paper: -0.75).
import { type Box } from '../box.js';
import { fitPowerLaw, type PowerLawFit } from './continuum-strain.js';
import { binCenters, checkEdges, locate, sector, sectorCenters, separationsFrom } from './polar-bins.js';

// Sums per radial bin: n, S, k, SS, Sk, kk, y, Sy, ky, yy (y = dS).
const NS = 10;

export interface SoftnessChangeResult {
  readonly rEdges: Float64Array;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  readonly events: number;
  /** <S> used for S - <S>. */
  readonly meanS: number;
  /** Samples per radial bin and per polar cell. */
  readonly count: Float64Array;
  readonly polarCount: Float64Array;
  /** Mean dS and its sd / sqrt(samples) per radial bin (Fig. 6a-b), mean k per bin (for comparison). */
  readonly dS: Float64Array;
  readonly dSsem: Float64Array;
  readonly k: Float64Array;
  /** Mean dS per polar cell, nR x nTheta (Fig. 6c). */
  readonly dSpolar: Float64Array;
  /** Per-bin slope and intercept of dS on S - <S> without the k term (Fig. 7b's c_1). */
  readonly c1Simple: Float64Array;
  readonly c0Simple: Float64Array;
  /** Eq. 5 joint fit. */
  readonly c0: Float64Array;
  readonly c1: Float64Array;
  readonly b: number;
  /** Eq. 5 prediction per radial bin and per polar cell (means of S and k in the cell). */
  readonly predicted: Float64Array;
  readonly predictedPolar: Float64Array;
  /** Fraction of the variance of the polar means about their radial means explained by the prediction (cells with >= 20 samples). */
  readonly angularExplained: number;
  /** |c_0| and |c_1| as power laws of r over bins with r >= 1 (the paper: 0.3 r^-3.1 and 0.06 r^-3.2). */
  readonly c0PowerLaw: PowerLawFit;
  readonly c1PowerLaw: PowerLawFit;
  /** Fig. 7a: S bins, mean dS per bin, samples, and the line dS = intercept + slope (S - <S>) through the samples. */
  readonly near: { sEdges: Float64Array; s: Float64Array; dS: Float64Array; count: Float64Array; slope: number; intercept: number; samples: number };
  /** dS of the rearranger itself: mean and number of events with a defined value. */
  readonly rearrangerDS: { mean: number; count: number };
}

export interface SoftnessChangeOptions {
  nTheta?: number;
  /** S bins of Fig. 7a (default 30 bins over [-4, 4]). */
  sEdges?: ArrayLike<number>;
  /** Radius of Fig. 7a's near set (default 1.6). */
  nearRadius?: number;
}

export class SoftnessChange {
  private readonly edges: Float64Array;
  private readonly nR: number;
  private readonly nT: number;
  private readonly sums: Float64Array;
  private readonly pn: Float64Array;
  private readonly pS: Float64Array;
  private readonly pk: Float64Array;
  private readonly py: Float64Array;
  private readonly sEdges: Float64Array;
  private readonly nearR: number;
  private readonly nearN: Float64Array;
  private readonly nearY: Float64Array;
  // Near-set regression sums: n, S, SS, y, Sy.
  private readonly nearSums = new Float64Array(5);
  private dx = new Float64Array(0);
  private dy = new Float64Array(0);
  private events = 0;
  private selfSum = 0;
  private selfN = 0;

  constructor(rEdges: ArrayLike<number>, options: SoftnessChangeOptions = {}) {
    this.edges = checkEdges(rEdges, 'SoftnessChange');
    this.nR = this.edges.length - 1;
    this.nT = options.nTheta ?? 36;
    this.sums = new Float64Array(this.nR * NS);
    const cells = this.nR * this.nT;
    this.pn = new Float64Array(cells); this.pS = new Float64Array(cells); this.pk = new Float64Array(cells); this.py = new Float64Array(cells);
    this.sEdges = options.sEdges ? checkEdges(options.sEdges, 'SoftnessChange sEdges') : Float64Array.from({ length: 31 }, (_, q) => -4 + (8 * q) / 30);
    this.nearR = options.nearRadius ?? 1.6;
    this.nearN = new Float64Array(this.sEdges.length - 1);
    this.nearY = new Float64Array(this.sEdges.length - 1);
  }

  /**
   * One frame pair with a single rearranger `origin`: the earlier frame's positions and box, softness before and after,
   * and every particle's volumetric strain k of the pair (NaN or valid = 0: left out).
   */
  add(origin: number, positions: Float64Array, box: Box, sBefore: ArrayLike<number>, sAfter: ArrayLike<number>, k: ArrayLike<number>, valid?: ArrayLike<number> | null): void {
    const n = positions.length / 3;
    if (sBefore.length !== n || sAfter.length !== n || k.length !== n) throw new RangeError(`SoftnessChange.add: arrays of ${sBefore.length}, ${sAfter.length}, ${k.length} for ${n} particles`);
    if (!(origin >= 0 && origin < n)) throw new RangeError(`SoftnessChange.add: origin ${origin} is not a particle (n = ${n})`);
    if (this.dx.length < n) { this.dx = new Float64Array(n); this.dy = new Float64Array(n); }
    separationsFrom(positions, box, positions[3 * origin], positions[3 * origin + 1], this.dx, this.dy, origin);
    const selfDS = sAfter[origin] - sBefore[origin];
    if (Number.isFinite(selfDS)) { this.selfSum += selfDS; this.selfN++; }
    const nT = this.nT, sm = this.sums;
    for (let i = 0; i < n; i++) {
      if (i === origin || (valid && valid[i] !== 1)) continue;
      const S = sBefore[i], y = sAfter[i] - S, kk = k[i];
      if (!Number.isFinite(y) || !Number.isFinite(kk)) continue;
      const x = this.dx[i], yy = this.dy[i];
      const r = Math.sqrt(x * x + yy * yy);
      if (r < this.nearR) {
        const q = locate(this.sEdges, S);
        if (q >= 0) { this.nearN[q]++; this.nearY[q] += y; }
        const ns = this.nearSums;
        ns[0]++; ns[1] += S; ns[2] += S * S; ns[3] += y; ns[4] += S * y;
      }
      const b = locate(this.edges, r);
      if (b < 0) continue;
      const o = b * NS;
      sm[o]++; sm[o + 1] += S; sm[o + 2] += kk; sm[o + 3] += S * S; sm[o + 4] += S * kk; sm[o + 5] += kk * kk;
      sm[o + 6] += y; sm[o + 7] += S * y; sm[o + 8] += kk * y; sm[o + 9] += y * y;
      const c = b * nT + sector(Math.atan2(yy, x), nT);
      this.pn[c]++; this.pS[c] += S; this.pk[c] += kk; this.py[c] += y;
    }
    this.events++;
  }

  /** The statistics with <S> = meanS (the mean softness of all particles over the frames analysed). */
  result(meanS: number, fitRange: [number, number] = [0, Infinity]): SoftnessChangeResult {
    const nR = this.nR, nT = this.nT, sm = this.sums, s0 = meanS;
    const count = new Float64Array(nR), dS = new Float64Array(nR), dSsem = new Float64Array(nR), kMean = new Float64Array(nR);
    const c1Simple = new Float64Array(nR), c0Simple = new Float64Array(nR);
    // Centred sums per bin (x = S - <S>): n, x, k, xx, xk, kk, y, xy, ky.
    const cs = new Float64Array(nR * 9);
    for (let b = 0; b < nR; b++) {
      const o = b * NS;
      const n = sm[o], S = sm[o + 1], K = sm[o + 2], SS = sm[o + 3], SK = sm[o + 4], KK = sm[o + 5], Y = sm[o + 6], SY = sm[o + 7], KY = sm[o + 8], YY = sm[o + 9];
      count[b] = n;
      dS[b] = n > 0 ? Y / n : NaN;
      dSsem[b] = n > 1 ? Math.sqrt(Math.max(0, YY / n - dS[b] * dS[b]) / (n - 1)) : NaN;
      kMean[b] = n > 0 ? K / n : NaN;
      const X = S - n * s0, XX = SS - 2 * s0 * S + n * s0 * s0, XK = SK - s0 * K, XY = SY - s0 * Y;
      cs.set([n, X, K, XX, XK, KK, Y, XY, KY], b * 9);
      const det = n * XX - X * X;
      c1Simple[b] = n > 1 && det > 0 ? (n * XY - X * Y) / det : NaN;
      c0Simple[b] = n > 1 && det > 0 ? (Y - c1Simple[b] * X) / n : NaN;
    }
    // Joint fit: per bin M_b [c0; c1] + u_b b = v_b, and sum_b u_b . [c0; c1] + (sum KK) b = sum KY.
    let num = 0, den = 0;
    const inRange = (b: number): boolean => {
      const rc = Math.sqrt(this.edges[b] * this.edges[b + 1]);
      return rc >= fitRange[0] && rc <= fitRange[1];
    };
    const solvable = (b: number): boolean => cs[b * 9] > 2 && cs[b * 9] * cs[b * 9 + 3] - cs[b * 9 + 1] ** 2 > 0;
    for (let b = 0; b < nR; b++) {
      if (!inRange(b) || !solvable(b)) continue;
      const [n, X, K, XX, XK, KK, Y, XY, KY] = cs.subarray(b * 9, b * 9 + 9);
      const det = n * XX - X * X;
      // M^-1 = [[XX, -X], [-X, n]] / det; u = [K, XK], v = [Y, XY].
      const miU0 = (XX * K - X * XK) / det, miU1 = (-X * K + n * XK) / det;
      const miV0 = (XX * Y - X * XY) / det, miV1 = (-X * Y + n * XY) / det;
      num += KY - (K * miV0 + XK * miV1);
      den += KK - (K * miU0 + XK * miU1);
    }
    const bFit = den > 0 ? num / den : NaN;
    const c0 = new Float64Array(nR).fill(NaN), c1 = new Float64Array(nR).fill(NaN), predicted = new Float64Array(nR).fill(NaN);
    for (let b = 0; b < nR; b++) {
      if (!solvable(b) || !Number.isFinite(bFit)) continue;
      const [n, X, K, XX, XK, , Y, XY] = cs.subarray(b * 9, b * 9 + 9);
      const det = n * XX - X * X;
      const r0 = Y - K * bFit, r1 = XY - XK * bFit;
      c0[b] = (XX * r0 - X * r1) / det;
      c1[b] = (-X * r0 + n * r1) / det;
      predicted[b] = c0[b] + c1[b] * (X / n) + bFit * (K / n);
    }
    const cells = nR * nT;
    const dSpolar = new Float64Array(cells), predictedPolar = new Float64Array(cells).fill(NaN);
    let ssTot = 0, ssRes = 0;
    for (let c = 0; c < cells; c++) {
      const n = this.pn[c], b = Math.floor(c / nT);
      dSpolar[c] = n > 0 ? this.py[c] / n : NaN;
      if (n > 0 && Number.isFinite(c0[b])) {
        predictedPolar[c] = c0[b] + c1[b] * (this.pS[c] / n - s0) + bFit * (this.pk[c] / n);
        if (n >= 20 && inRange(b)) {
          const d = dSpolar[c] - dS[b];
          ssTot += n * d * d;
          ssRes += n * (dSpolar[c] - predictedPolar[c]) ** 2;
        }
      }
    }
    const r = binCenters(this.edges);
    const nb = this.sEdges.length - 1;
    const nearDS = new Float64Array(nb);
    for (let q = 0; q < nb; q++) nearDS[q] = this.nearN[q] > 0 ? this.nearY[q] / this.nearN[q] : NaN;
    const [nn, nS, nSS, nY, nSY] = this.nearSums;
    const nX = nS - nn * s0, nXX = nSS - 2 * s0 * nS + nn * s0 * s0, nXY = nSY - s0 * nY;
    const nDet = nn * nXX - nX * nX;
    const slope = nn > 1 && nDet > 0 ? (nn * nXY - nX * nY) / nDet : NaN;
    const absC0 = c0.map(Math.abs), absC1 = c1.map(Math.abs);
    return {
      rEdges: this.edges, r, theta: sectorCenters(nT), events: this.events, meanS, count, polarCount: this.pn.slice(), dS, dSsem, k: kMean,
      dSpolar, c1Simple, c0Simple, c0, c1, b: bFit, predicted, predictedPolar, angularExplained: ssTot > 0 ? 1 - ssRes / ssTot : NaN,
      c0PowerLaw: fitPowerLaw(r, absC0, [1, Infinity], count), c1PowerLaw: fitPowerLaw(r, absC1, [1, Infinity], count),
      near: {
        sEdges: this.sEdges, s: Float64Array.from({ length: nb }, (_, q) => 0.5 * (this.sEdges[q] + this.sEdges[q + 1])), dS: nearDS,
        count: this.nearN.slice(), slope, intercept: nn > 1 && nDet > 0 ? (nY - slope * nX) / nn : NaN, samples: nn,
      },
      rearrangerDS: { mean: this.selfN > 0 ? this.selfSum / this.selfN : NaN, count: this.selfN },
    };
  }
}
