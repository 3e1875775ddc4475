// The rearranger analyses of Zhang, Ridout & Liu (Figs. 3-9) over the avalanches of a trajectory, one segment of
// consecutive frames (one avalanche: its steepest-descent frames and its minimized end) at a time, in memory:
//  - per frame pair f -> f+1: D2min and the local strain (d2min-strain.ts, R_D = 2, reference = the earlier frame),
//    rearrangers (rearrangers.ts: per-species d_soft, the single-rearranger filter);
//  - softness of every frame from a model (ml-softness.ts), when one is given;
//  - Fig. 3 strain around single rearrangers (rearranger-strain-field.ts), Fig. 4 g_2 (rearranger-pair-correlation.ts),
//    Fig. 5 P(S), P(S|R), P_R(S) (softness-distribution.ts), Figs. 6-7 dS and Eq. 5 (softness-change.ts), Figs. 8-9
//    (rearrangement-onset.ts).
// Pure: the caller reads the frames (any reader) and hands each segment over; `aqsSegments` finds the avalanches of an
// `avw simulate aqs` trajectory from its per-frame log.
import { type Box } from '../box.js';
import { computeStrainFields, type StrainFields } from './d2min-strain.js';
import { applySoftnessModel, collapseModel, type CollapsedModel, type SoftnessModel } from './ml-softness.js';
import { linearEdges, logEdges } from './polar-bins.js';
import { classifyPair, DEFAULT_D_SOFT, rearrangementStarts, REARRANGER_CUTOFF } from './rearrangers.js';
import { RearrangerPairCorrelation, type PairCorrelationResult, type RearrangerPair } from './rearranger-pair-correlation.js';
import { RearrangerStrainField, fitStrainField, type StrainFieldFits, type StrainFieldProfile } from './rearranger-strain-field.js';
import { StrainSinceStart, YieldStrain, type StrainSinceStartResult, type YieldStrainResult } from './rearrangement-onset.js';
import { SoftnessChange, type SoftnessChangeResult } from './softness-change.js';
import { SoftnessDistribution, type SoftnessDistributionResult } from './softness-distribution.js';

/** One frame of a segment: positions (n*3, same particles in the same order in every frame), its box and time. */
export interface SegmentFrame {
  positions: Float64Array;
  box: Box;
  /** Time of the frame (overdamped time since the start of the relaxation for AQS avalanche frames). */
  time: number;
}

export interface AvalancheStatisticsOptions {
  /** Species per particle (rearrangers.ts binarySpecies). */
  species: Uint8Array;
  /** d_soft per species (default 0.0025, 0.0015). */
  thresholds?: readonly number[];
  /** D2min neighbourhood R_D (default 2). */
  cutoff?: number;
  quietRadius?: number;
  quietFactor?: number;
  /** A softness model; without it the softness statistics (Figs. 5-8) are not computed. */
  model?: SoftnessModel | CollapsedModel | null;
  /** Radial bins around the rearranger (default 24 log-spaced bins from 0.8 to half the box). */
  rEdges?: ArrayLike<number>;
  nTheta?: number;
  /** g_2 lags 0..g2MaxLag (default 20, the paper's F). */
  g2MaxLag?: number;
  /** g_2 origins: every rearranger (default) or those of single-rearranger pairs. */
  g2Origins?: 'all' | 'single';
  /** Softness bins (default 40 bins over [-5, 5]). */
  sEdges?: ArrayLike<number>;
  /** Fig. 8 rewinds in frames (default [2, 5, 10]: the paper's 50-200 are longer than our short avalanches). */
  yieldLags?: number[];
  /** Fig. 9 time bins of t - t_start (default 40 bins over [-2e4, 2e4]). */
  timeEdges?: ArrayLike<number>;
  /** Milliseconds clock for the timings (default Date.now; a caller with performance.now may pass it). */
  clock?: () => number;
}

export interface SegmentSummary {
  /** Rearrangers per pair, the single rearranger (or -1) and the filter per pair. */
  readonly counts: Int32Array;
  readonly rearranger: Int32Array;
  readonly single: Uint8Array;
  /** Rearrangement starts: particle, pair index (within the segment) and time (of the pair's earlier frame). */
  readonly starts: { readonly particle: Int32Array; readonly pair: Int32Array; readonly time: Float64Array };
}

export interface AvalancheStatisticsResult {
  readonly segments: number;
  readonly pairs: number;
  readonly rearrangers: number;
  readonly singlePairs: number;
  readonly starts: number;
  readonly strainField: StrainFieldProfile;
  readonly strainFits: StrainFieldFits;
  readonly pairCorrelation: PairCorrelationResult;
  readonly softness: SoftnessDistributionResult | null;
  readonly softnessChange: SoftnessChangeResult | null;
  readonly yieldStrain: YieldStrainResult | null;
  /** Fig. 9: per time bin, k (field 0) and eps_xy (field 1) per pair and per unit time. */
  readonly strainSinceStart: StrainSinceStartResult;
  /** Milliseconds spent: strain fits (D2min), softness, and the statistics themselves. */
  readonly timings: { strain: number; softness: number; statistics: number };
}

export class AvalancheStatistics {
  private readonly o: AvalancheStatisticsOptions;
  private readonly model: CollapsedModel | null;
  private strainField: RearrangerStrainField | null = null;
  private g2: RearrangerPairCorrelation | null = null;
  private change: SoftnessChange | null = null;
  private readonly dist: SoftnessDistribution | null;
  private readonly yieldStrain: YieldStrain | null;
  private readonly sinceStart: StrainSinceStart;
  private nSeg = 0;
  private nPairs = 0;
  private nRearr = 0;
  private nSingle = 0;
  private nStarts = 0;
  private readonly t = { strain: 0, softness: 0, statistics: 0 };
  private readonly now: () => number;

  constructor(options: AvalancheStatisticsOptions) {
    this.o = options;
    this.now = options.clock ?? Date.now;
    this.model = options.model ? ('kernels' in options.model ? options.model : collapseModel(options.model)) : null;
    const sEdges = options.sEdges ?? linearEdges(-5, 5, 40);
    this.dist = this.model ? new SoftnessDistribution(sEdges) : null;
    this.yieldStrain = this.model ? new YieldStrain(options.yieldLags ?? [2, 5, 10], sEdges) : null;
    this.sinceStart = new StrainSinceStart(options.timeEdges ?? linearEdges(-2e4, 2e4, 40));
  }

  private ensureBins(box: Box): void {
    if (this.strainField) return;
    const half = 0.5 * Math.min(box.vectors[0][0], box.vectors[1][1]);
    const edges = this.o.rEdges ?? logEdges(0.8, half, 24);
    const nT = this.o.nTheta ?? 36;
    this.strainField = new RearrangerStrainField(edges, nT);
    this.g2 = new RearrangerPairCorrelation(edges, this.o.g2MaxLag ?? 20, nT);
    this.change = this.model ? new SoftnessChange(edges, { nTheta: nT }) : null;
  }

  /** One segment of consecutive frames (at least 2). */
  addSegment(frames: readonly SegmentFrame[]): SegmentSummary {
    if (frames.length < 2) {
      return { counts: new Int32Array(0), rearranger: new Int32Array(0), single: new Uint8Array(0), starts: { particle: new Int32Array(0), pair: new Int32Array(0), time: new Float64Array(0) } };
    }
    const n = frames[0].positions.length / 3;
    const species = this.o.species;
    if (species.length !== n) throw new RangeError(`AvalancheStatistics: ${species.length} species for ${n} particles`);
    for (let f = 1; f < frames.length; f++) {
      if (frames[f].positions.length !== 3 * n) throw new RangeError(`AvalancheStatistics: frame ${f} of the segment has ${frames[f].positions.length / 3} particles, frame 0 ${n}`);
    }
    this.ensureBins(frames[0].box);
    const cutoff = this.o.cutoff ?? REARRANGER_CUTOFF;
    const thresholds = this.o.thresholds ?? DEFAULT_D_SOFT;
    const P = frames.length - 1;
    const strain = (a: number, b: number): StrainFields => computeStrainFields({
      reference: frames[a].positions, current: frames[b].positions, box: frames[a].box, currentBox: frames[b].box, dimensions: 2, cutoff,
    });
    // Softness of every frame.
    let soft: Float64Array[] | null = null;
    if (this.model) {
      const t0 = this.now();
      soft = frames.map((fr) => applySoftnessModel(this.model as CollapsedModel, fr.positions, fr.box, { species }));
      this.t.softness += this.now() - t0;
    }
    const pairs: StrainFields[] = [];
    const flags: Uint8Array[] = [];
    const counts = new Int32Array(P), rearranger = new Int32Array(P), single = new Uint8Array(P);
    const g2pairs: RearrangerPair[] = [];
    for (let p = 0; p < P; p++) {
      let t0 = this.now();
      const sf = strain(p, p + 1);
      this.t.strain += this.now() - t0;
      t0 = this.now();
      pairs.push(sf);
      const c = classifyPair(sf.d2min, species, frames[p].positions, frames[p].box, {
        thresholds, quietRadius: this.o.quietRadius, quietFactor: this.o.quietFactor,
      });
      flags.push(c.flags);
      counts[p] = c.count; rearranger[p] = c.rearranger; single[p] = c.single ? 1 : 0;
      this.nRearr += c.count;
      const list: number[] = [];
      for (let i = 0; i < n; i++) if (c.flags[i]) list.push(i);
      g2pairs.push({ rearrangers: list, positions: frames[p].positions, box: frames[p].box, origin: this.o.g2Origins === 'single' ? c.single : true });
      if (soft && this.dist) this.dist.add(soft[p], c.flags);
      if (c.single) {
        this.nSingle++;
        const fields = { k: sf.k, dev: sf.devTotal, exy: sf.epsXY };
        (this.strainField as RearrangerStrainField).add(c.rearranger, frames[p].positions, frames[p].box, fields, sf.valid);
      }
      this.t.statistics += this.now() - t0;
    }
    let t0 = this.now();
    (this.g2 as RearrangerPairCorrelation).addSegment(g2pairs);
    const starts = rearrangementStarts(flags);
    this.nStarts += starts.particle.length;
    // Fig. 9: the rearranger's own per-pair strain against the time since its start.
    for (let s = 0; s < starts.particle.length; s++) {
      const i = starts.particle[s], ps = starts.pair[s];
      for (let q = 0; q < P; q++) {
        this.sinceStart.add(frames[q].time - frames[ps].time, pairs[q].k[i], pairs[q].epsXY[i], frames[q + 1].time - frames[q].time);
      }
    }
    this.t.statistics += this.now() - t0;
    if (soft && this.change && this.yieldStrain) {
      t0 = this.now();
      // Figs. 6-7 need <S>; the samples are kept per segment and added after the distribution has seen the segment.
      for (let p = 0; p < P; p++) {
        if (!single[p]) continue;
        this.change.add(rearranger[p], frames[p].positions, frames[p].box, soft[p], soft[p + 1], pairs[p].k, pairs[p].valid);
      }
      this.t.statistics += this.now() - t0;
      // Fig. 8: strain between f - df and f for each start at pair f, softness at f - df.
      const lags = this.yieldStrain.lags;
      const cache = new Map<number, StrainFields>();
      for (let s = 0; s < starts.particle.length; s++) {
        const i = starts.particle[s], f = starts.pair[s];
        for (let li = 0; li < lags.length; li++) {
          const f0 = f - lags[li];
          if (f0 < 0) continue;
          const key = f0 * 100_003 + f;
          let sf = cache.get(key);
          if (!sf) {
            const t1 = this.now();
            sf = strain(f0, f);
            this.t.strain += this.now() - t1;
            cache.set(key, sf);
          }
          this.yieldStrain.add(li, soft[f0][i], sf.devTotal[i], sf.epsXY[i]);
        }
      }
    }
    this.nSeg++;
    this.nPairs += P;
    return { counts, rearranger, single, starts: { ...starts, time: Float64Array.from(starts.pair, (p) => frames[p].time) } };
  }

  result(): AvalancheStatisticsResult {
    if (!this.strainField || !this.g2) throw new Error('AvalancheStatistics: no segment added');
    const t0 = this.now();
    const strainField = this.strainField.result();
    const out: AvalancheStatisticsResult = {
      segments: this.nSeg, pairs: this.nPairs, rearrangers: this.nRearr, singlePairs: this.nSingle, starts: this.nStarts,
      strainField, strainFits: fitStrainField(strainField), pairCorrelation: this.g2.result(),
      softness: this.dist ? this.dist.result() : null,
      softnessChange: this.change && this.dist ? this.change.result(this.dist.meanS) : null,
      yieldStrain: this.yieldStrain ? this.yieldStrain.result() : null,
      strainSinceStart: this.sinceStart.result(),
      timings: this.t,
    };
    this.t.statistics += this.now() - t0;
    return out;
  }
}

/** The per-frame log of an `avw simulate aqs` trajectory that `aqsSegments` needs. */
export interface AqsFrameLog {
  /** log/shear_step and log/avalanche_index of every frame (in file order). */
  shearStep: ArrayLike<number>;
  avalancheIndex: ArrayLike<number>;
}

/**
 * The avalanches of an AQS trajectory as [first, last] frame ranges (inclusive): the steepest-descent frames of a strain
 * step (avalanche_index 0, 1, ...) followed by that step's minimized frame (avalanche_index -1, same step) when present.
 */
export function aqsSegments(log: AqsFrameLog): { first: number; last: number; step: number }[] {
  const n = log.shearStep.length;
  if (log.avalancheIndex.length !== n) throw new RangeError(`aqsSegments: ${log.avalancheIndex.length} avalanche indices for ${n} shear steps`);
  const out: { first: number; last: number; step: number }[] = [];
  let f = 0;
  while (f < n) {
    if (log.avalancheIndex[f] !== 0) { f++; continue; }
    const step = log.shearStep[f];
    let g = f;
    while (g + 1 < n && log.shearStep[g + 1] === step && log.avalancheIndex[g + 1] === log.avalancheIndex[g] + 1) g++;
    if (g + 1 < n && log.shearStep[g + 1] === step && log.avalancheIndex[g + 1] === -1) g++;
    out.push({ first: f, last: g, step });
    f = g + 1;
  }
  return out;
}
