// Mean strain around a rearranger at the origin (Zhang, Ridout & Liu Sec. III A, Fig. 3): for each frame pair with a
// single rearranger, every other particle's local-fit strain of that pair (Eq. 2's J: k = (tr J - 2)/2, eps~ = |l1 - l2|,
// eps_xy = (J_01 + J_10)/2; d2min-strain.ts) at its minimum-image separation (r, theta) from the rearranger, in the
// earlier frame. Three views per field: the angle average <f>(r), the angle-averaged absolute value <|f|>(r), and the
// angular map <f>(r, theta) (theta from the x = shear direction). Each mean is over particle samples pooled over events;
// `sem` is sd / sqrt(samples) (samples of one event are correlated, so it is a lower bound).
// The continuum fits of Appendices A and B (continuum-strain.ts) are `fitStrainField`.
import { type Box } from '../box.js';
import {
  fitAngularAmplitude, fitConvolvedK, fitPowerLaw, fitPrefactor, PAPER_ELASTIC, type ConvolvedFit, type PowerLawFit, type PrefactorFit,
} from './continuum-strain.js';
import { binCenters, checkEdges, locate, sector, sectorCenters, separationsFrom } from './polar-bins.js';

export const STRAIN_FIELD_NAMES = ['k', 'dev', 'exy'] as const;
export type StrainFieldKey = (typeof STRAIN_FIELD_NAMES)[number];

export interface RadialProfile {
  /** Mean of f, of |f|, and sd / sqrt(samples) of f, per radial bin (NaN where empty). */
  readonly mean: Float64Array;
  readonly meanAbs: Float64Array;
  readonly sem: Float64Array;
  /** Mean of f per (radial bin, sector), row-major nR x nTheta. */
  readonly polar: Float64Array;
}

export interface StrainFieldProfile {
  readonly rEdges: Float64Array;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  /** Frame pairs (rearrangers) added. */
  readonly events: number;
  /** Particle samples per radial bin, and per (radial bin, sector). */
  readonly count: Float64Array;
  readonly polarCount: Float64Array;
  readonly fields: Record<StrainFieldKey, RadialProfile>;
}

/** Accumulates the strain around single rearrangers (one `add` per frame pair). */
export class RearrangerStrainField {
  private readonly edges: Float64Array;
  private readonly nR: number;
  private readonly nT: number;
  private readonly cnt: Float64Array;
  private readonly pcnt: Float64Array;
  private readonly sum: Float64Array[];
  private readonly sumAbs: Float64Array[];
  private readonly sumSq: Float64Array[];
  private readonly psum: Float64Array[];
  private dx = new Float64Array(0);
  private dy = new Float64Array(0);
  private nEvents = 0;

  constructor(rEdges: ArrayLike<number>, nTheta = 36) {
    this.edges = checkEdges(rEdges, 'RearrangerStrainField');
    if (!Number.isInteger(nTheta) || nTheta < 1) throw new RangeError(`RearrangerStrainField: nTheta must be a positive integer, got ${nTheta}`);
    this.nR = this.edges.length - 1;
    this.nT = nTheta;
    this.cnt = new Float64Array(this.nR);
    this.pcnt = new Float64Array(this.nR * nTheta);
    const make = (len: number): Float64Array[] => STRAIN_FIELD_NAMES.map(() => new Float64Array(len));
    this.sum = make(this.nR); this.sumAbs = make(this.nR); this.sumSq = make(this.nR); this.psum = make(this.nR * nTheta);
  }

  /**
   * One frame pair: the rearranger `origin`, the earlier frame's positions (n*3) and box, and every particle's k, eps~ and
   * eps_xy for the pair (NaN or valid = 0: left out).
   */
  add(origin: number, positions: Float64Array, box: Box, fields: Record<StrainFieldKey, ArrayLike<number>>, valid?: ArrayLike<number> | null): void {
    const n = positions.length / 3;
    if (!(origin >= 0 && origin < n)) throw new RangeError(`RearrangerStrainField.add: origin ${origin} is not a particle (n = ${n})`);
    for (const f of STRAIN_FIELD_NAMES) if (fields[f].length !== n) throw new RangeError(`RearrangerStrainField.add: ${fields[f].length} values of ${f} for ${n} particles`);
    if (this.dx.length < n) { this.dx = new Float64Array(n); this.dy = new Float64Array(n); }
    separationsFrom(positions, box, positions[3 * origin], positions[3 * origin + 1], this.dx, this.dy, origin);
    const arrs = STRAIN_FIELD_NAMES.map((f) => fields[f]);
    for (let i = 0; i < n; i++) {
      if (i === origin || (valid && valid[i] !== 1)) continue;
      const x = this.dx[i], y = this.dy[i];
      const b = locate(this.edges, Math.sqrt(x * x + y * y));
      if (b < 0) continue;
      let ok = true;
      for (let q = 0; q < arrs.length; q++) if (!Number.isFinite(arrs[q][i])) ok = false;
      if (!ok) continue;
      const cell = b * this.nT + sector(Math.atan2(y, x), this.nT);
      this.cnt[b]++; this.pcnt[cell]++;
      for (let q = 0; q < arrs.length; q++) {
        const v = arrs[q][i];
        this.sum[q][b] += v; this.sumAbs[q][b] += Math.abs(v); this.sumSq[q][b] += v * v; this.psum[q][cell] += v;
      }
    }
    this.nEvents++;
  }

  result(): StrainFieldProfile {
    const fields = {} as Record<StrainFieldKey, RadialProfile>;
    STRAIN_FIELD_NAMES.forEach((f, q) => {
      const mean = new Float64Array(this.nR), meanAbs = new Float64Array(this.nR), sem = new Float64Array(this.nR);
      for (let b = 0; b < this.nR; b++) {
        const c = this.cnt[b];
        mean[b] = c > 0 ? this.sum[q][b] / c : NaN;
        meanAbs[b] = c > 0 ? this.sumAbs[q][b] / c : NaN;
        sem[b] = c > 1 ? Math.sqrt(Math.max(0, this.sumSq[q][b] / c - mean[b] * mean[b]) / (c - 1)) : NaN;
      }
      const polar = new Float64Array(this.nR * this.nT);
      for (let k = 0; k < polar.length; k++) polar[k] = this.pcnt[k] > 0 ? this.psum[q][k] / this.pcnt[k] : NaN;
      fields[f] = { mean, meanAbs, sem, polar };
    });
    return {
      rEdges: this.edges, r: binCenters(this.edges), theta: sectorCenters(this.nT), events: this.nEvents,
      count: this.cnt.slice(), polarCount: this.pcnt.slice(), fields,
    };
  }
}

export interface StrainFieldFits {
  /** Appendix A / B1-B2: <|k|>, <eps~> and <|eps_xy|> as c / r^2 (log-space prefactor over the far-field range). */
  readonly absK: PrefactorFit;
  readonly dev: PrefactorFit;
  readonly absExy: PrefactorFit;
  /** Free power laws of <eps~> and <|eps_xy|> (the paper: slopes ~ -2). */
  readonly devPowerLaw: PowerLawFit;
  readonly absExyPowerLaw: PowerLawFit;
  /** Eq. A8 angular forms: eps_xy = A cos 4theta / r^2, k = B sin 2theta / r^2 (A8: B / A = (nu - 1) / (1 + nu)). */
  readonly exyCos4: { amplitude: number; explained: number; points: number };
  readonly kSin2: { amplitude: number; explained: number; points: number };
  /** Eq. B4 fit of the angle-averaged k(r). */
  readonly kConvolved: ConvolvedFit;
}

/** The continuum fits of Appendices A and B over radii in `range` (default [3, half the largest edge]). */
export function fitStrainField(
  p: StrainFieldProfile, options: { range?: [number, number]; t?: number; nu?: number; DL?: number } = {},
): StrainFieldFits {
  const range = options.range ?? [3, p.rEdges[p.rEdges.length - 1]];
  const w = p.count;
  const nT = p.theta.length, nR = p.r.length;
  const rr = new Float64Array(nR * nT), tt = new Float64Array(nR * nT);
  for (let b = 0; b < nR; b++) for (let s = 0; s < nT; s++) { rr[b * nT + s] = p.r[b]; tt[b * nT + s] = p.theta[s]; }
  return {
    absK: fitPrefactor(p.r, p.fields.k.meanAbs, 2, range, w),
    dev: fitPrefactor(p.r, p.fields.dev.mean, 2, range, w),
    absExy: fitPrefactor(p.r, p.fields.exy.meanAbs, 2, range, w),
    devPowerLaw: fitPowerLaw(p.r, p.fields.dev.mean, range, w),
    absExyPowerLaw: fitPowerLaw(p.r, p.fields.exy.meanAbs, range, w),
    exyCos4: fitAngularAmplitude(rr, tt, p.fields.exy.polar, (t) => Math.cos(4 * t), 2, range, p.polarCount),
    kSin2: fitAngularAmplitude(rr, tt, p.fields.k.polar, (t) => Math.sin(2 * t), 2, range, p.polarCount),
    kConvolved: fitConvolvedK(p.r, p.fields.k.mean, {
      t: options.t ?? PAPER_ELASTIC.t, nu: options.nu ?? PAPER_ELASTIC.nu, DL: options.DL ?? PAPER_ELASTIC.DL, range: [1, range[1]], weights: w,
    }),
  };
}
