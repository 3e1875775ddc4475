// The figure kinds of Zhang, Ridout & Liu's rearranger analyses (Figs. 3-9), read from a sheared trajectory: the
// avalanches of an `avw simulate aqs` run (log/shear_step, log/avalanche_index; analysis/avalanche-statistics.ts
// aqsSegments), or, for a file without that log, its frames `frame`..`after` (default: the last) as one run of
// consecutive frames. Every
// kind runs the same pass (AvalancheStatistics: D2min and the local strain of each frame pair, rearrangers with the
// single-rearranger filter, softness of every frame from the model when the kind needs it) over the first `avalanches`
// avalanches from `frame` on, with progress and cancel per avalanche, and draws its own part:
//  - rearranger_strain (Fig. 3): <|k|>, <eps~>, <|eps_xy|> against r with the c / r^2 fits (App. A, B1-B2); the
//    angle-averaged <k>(r), <eps_xy>(r) with the Eq. B4 fit; r^2 <eps_xy> and r^2 <k> against theta with the Eq. A8
//    forms A cos 4theta, B sin 2theta;
//  - rearranger_g2 (Fig. 4): g_2(r, df) for a few lags; the time-averaged directional g_2(r, theta) in radial bands;
//  - softness_distribution (Fig. 5): P(S), P(S|R); P_R(S);
//  - softness_change (Figs. 6-7, Eq. 5): <dS>(r) against the Eq. 5 prediction; c_0(r), c_1(r) and b; near-field dS
//    against S;
//  - onset_strain (Fig. 8): mean eps~ over the df frames before a rearrangement starts, against S at f - df;
//  - strain_since_start (Fig. 9): a rearranger's own k and eps_xy per frame pair and per unit time against t - t_start.
// The numbers the paper quotes (fits, counts, fractions) go into the sidecar's `statistics`.
import { aqsSegments, AvalancheStatistics, type AvalancheStatisticsResult, type SegmentFrame } from '../analysis/avalanche-statistics.js';
import { convolvedCompressionK, PAPER_ELASTIC } from '../analysis/continuum-strain.js';
import { DEFAULT_QUIET_FACTOR } from '../analysis/rearrangers.js';
import type { BinnedMeansResult } from '../analysis/rearrangement-onset.js';
import { frameSpecies, loadSoftnessModel } from '../fields/softness-support.js';
import type { TrajectoryFrames } from '../fields/frames.js';
import type { JobContext } from '../jobs/job.js';
import type { Frame } from '../io/types.js';
import { OKABE_ITO } from './axes.js';
import type { Curve, CurvePanel, RefLine } from './curves.js';
import type { FigureSpec } from './spec.js';

/** The kinds drawn from the avalanche statistics, and whether each needs a softness model. */
export const AVALANCHE_KINDS = {
  rearranger_strain: false, rearranger_g2: false, softness_distribution: true, softness_change: true, onset_strain: true, strain_since_start: false,
} as const;
export type AvalancheKind = keyof typeof AVALANCHE_KINDS;

export function isAvalancheKind(kind: string): kind is AvalancheKind {
  return Object.prototype.hasOwnProperty.call(AVALANCHE_KINDS, kind);
}

/** Avalanches used when the spec gives none (the 100-avalanche run). */
export const DEFAULT_AVALANCHES = 100;
/** Fig. 8 rewinds (frames before the start); the paper's 50-200 are longer than the avalanches of a small run. */
export const DEFAULT_ONSET_LAGS = [2, 5, 10];

/** A curve with the plain name the CSV gives it and optional per-point sample counts. */
interface Plotted { name: string; curve: Curve; count?: ArrayLike<number> }
interface Panel { name: string; panel: Omit<CurvePanel, 'curves'>; curves: Plotted[] }

export interface AvalancheFigure {
  panels: CurvePanel[];
  csv: string;
  statistics: Record<string, unknown>;
  warnings: string[];
  title: string;
}

function check(ctx: JobContext | undefined): void {
  if (ctx?.signal.aborted) throw new Error('figure: cancelled');
}

function csvNumber(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(10))) : '';
}

function quote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Only the points with a finite y (so empty bins neither widen the axes nor fill the CSV). */
function finitePoints(p: Plotted): Plotted {
  const keep: number[] = [];
  for (let k = 0; k < p.curve.y.length; k++) if (Number.isFinite(p.curve.y[k]!)) keep.push(k);
  const pick = (a: ArrayLike<number> | null | undefined): Float64Array | undefined => (a ? Float64Array.from(keep, (k) => a[k]!) : undefined);
  return { name: p.name, curve: { ...p.curve, x: pick(p.curve.x)!, y: pick(p.curve.y)!, err: pick(p.curve.err) ?? null }, ...(p.count ? { count: pick(p.count) } : {}) };
}

/** The plotted numbers, one row per point: panel, curve, x, y, err, count. */
function panelsCsv(panels: Panel[]): string {
  const lines = ['panel,curve,x,y,err,count'];
  for (const p of panels) {
    for (const c of p.curves) {
      const { x, y, err } = c.curve;
      for (let k = 0; k < x.length; k++) {
        lines.push([quote(p.name), quote(c.name), csvNumber(x[k]!), csvNumber(y[k]!), err ? csvNumber(err[k]!) : '', c.count ? csvNumber(c.count[k]!) : ''].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

const line = (label: string, x: ArrayLike<number>, y: ArrayLike<number>, extra: Partial<Curve> = {}): Curve => ({ label, x, y, kind: 'line', ...extra });
const points = (label: string, x: ArrayLike<number>, y: ArrayLike<number>, extra: Partial<Curve> = {}): Curve => ({ label, x, y, kind: 'points', ...extra });
const FIT: Partial<Curve> = { dash: [3, 1.5], sequence: false };
const ZERO: RefLine = { orientation: 'h', value: 0 };
const COLOURS = [OKABE_ITO.blue, OKABE_ITO.vermillion, OKABE_ITO.green, OKABE_ITO.orange, OKABE_ITO.purple, OKABE_ITO.skyBlue, OKABE_ITO.black];
const DEG = 180 / Math.PI;

function round(v: number, digits = 3): number {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : NaN;
}

// ---- reading the run ----

interface RunSegments {
  segments: { first: number; last: number }[];
  times: (f: number) => number;
  aqs: boolean;
}

function segmentsOf(src: TrajectoryFrames, spec: FigureSpec, warnings: string[]): RunSegments {
  const t = src.t;
  const n = t.frameCount;
  const log0 = t.readLog(0);
  const timesteps = t.timesteps();
  if (log0 && log0.shear_step && log0.avalanche_index) {
    const shearStep = new Float64Array(n), avalancheIndex = new Float64Array(n), time = new Float64Array(n);
    for (let f = 0; f < n; f++) {
      const l = t.readLog(f)!;
      if (!l.shear_step || !l.avalanche_index) throw new Error(`${t.path}: frame ${f} has no log/shear_step or log/avalanche_index (expected an avw simulate aqs run, as frame 0)`);
      shearStep[f] = l.shear_step[0]!;
      avalancheIndex[f] = l.avalanche_index[0]!;
      time[f] = l.relax_time ? l.relax_time[0]! : f;
    }
    const segments = aqsSegments({ shearStep, avalancheIndex }).filter((s) => s.first >= spec.frame);
    if (segments.length === 0) throw new Error(`${t.path}: no avalanche starts at or after frame ${spec.frame} (${n} frames)`);
    return { segments, times: (f) => time[f]!, aqs: true };
  }
  const last = Math.min(n - 1, spec.after ?? n - 1);
  warnings.push(`${t.path}: no AQS log (log/shear_step, log/avalanche_index); frames ${spec.frame}..${last} are taken as one run of consecutive frames`);
  if (last - spec.frame < 1) throw new Error(`${t.path}: the rearranger statistics need at least two frames from frame ${spec.frame} (${n} frames)`);
  return { segments: [{ first: spec.frame, last }], times: (f) => timesteps[f]!, aqs: false };
}

/** The statistics of the spec's avalanches. */
function runStatistics(src: TrajectoryFrames, spec: FigureSpec, kind: AvalancheKind, warnings: string[], ctx?: JobContext): {
  res: AvalancheStatisticsResult; used: number; available: number; aqs: boolean; quietFactor: number; modelPath: string | null; lags: number[];
} {
  const t = src.t;
  const { segments, times, aqs } = segmentsOf(src, spec, warnings);
  const want = spec.avalanches ?? DEFAULT_AVALANCHES;
  const used = segments.slice(0, want);
  const params = spec.params ?? {};
  const modelPath = (params.model as string | null | undefined) ?? null;
  const needsModel = AVALANCHE_KINDS[kind];
  if (needsModel && !modelPath) throw new Error(`figure ${kind} needs a softness model: --model MODEL.json (made by avw softness train)`);
  const first = src.read(used[0]!.first);
  const species = frameSpecies(first);
  let model = null;
  if (needsModel) {
    const loaded = loadSoftnessModel(modelPath, `figure ${kind}`);
    if (loaded.model.speciesMode === 'type' && species.nSpecies < loaded.model.nSpecies) {
      throw new Error(`${t.path}: frame ${first.index} has one particle species, but the model ${modelPath} resolves ${loaded.model.nSpecies}`);
    }
    model = loaded.collapsed;
  }
  const quietFactor = spec.quietFactor ?? DEFAULT_QUIET_FACTOR;
  const lags = spec.lags ?? DEFAULT_ONSET_LAGS;
  const thresholds = [(params.d_soft_small as number | undefined) ?? 0.0025, (params.d_soft_large as number | undefined) ?? 0.0015];
  const stats = new AvalancheStatistics({
    species: species.species, model, thresholds, cutoff: (params.rd as number | undefined) ?? 2, quietFactor, yieldLags: lags,
    // Fig. 9: rearrangements last 10^2-10^3 in time (the paper); frame pairs of our runs last ~80-1700 (5-95 %).
    timeEdges: Float64Array.from({ length: 41 }, (_, q) => -3000 + q * 250),
  });
  const total = used.reduce((s, g) => s + g.last - g.first + 1, 0);
  let done = 0;
  used.forEach((g, k) => {
    ctx?.progress(done, total, `avalanche ${k + 1} of ${used.length} (frames ${g.first}-${g.last})`);
    check(ctx);
    const frames: SegmentFrame[] = [];
    for (let f = g.first; f <= g.last; f++) {
      const fr: Frame = src.read(f);
      if (fr.n !== first.n) throw new Error(`${t.path}: frame ${f} has ${fr.n} particles, frame ${first.index} ${first.n} (the statistics need the same particles in every frame)`);
      frames.push({ positions: fr.positions, box: fr.box, time: times(f) });
    }
    stats.addSegment(frames);
    done += frames.length;
  });
  ctx?.progress(total, total, 'statistics');
  check(ctx);
  if (used.length < want && aqs) warnings.push(`${t.path}: ${used.length} avalanches from frame ${spec.frame} on (${want} asked for)`);
  return { res: stats.result(), used: used.length, available: segments.length, aqs, quietFactor, modelPath, lags };
}

// ---- the kinds ----

function strainPanels(res: AvalancheStatisticsResult, warnings: string[]): { panels: Panel[]; statistics: Record<string, unknown> } {
  const p = res.strainField, f = res.strainFits;
  if (res.singlePairs === 0) warnings.push('no frame pair passes the single-rearranger filter: the strain panels are empty (try a larger --quiet-factor or more --avalanches)');
  const r = p.r;
  const rMax = p.rEdges[p.rEdges.length - 1]!;
  const fitR = Float64Array.from({ length: 40 }, (_, q) => 3 * Math.pow(rMax / 3, q / 39));
  const law = (c: number): Float64Array => fitR.map((x) => Math.abs(c) / (x * x));
  const a: Panel = {
    name: 'a: magnitude of the strain around a single rearranger against r, with c / r^2 fits (App. A, B1-B2)',
    panel: { xLabel: '\\it{r}', yLabel: 'strain magnitude', logX: true, logY: true },
    curves: [
      { name: '<|k|>', curve: points('⟨|\\it{k}|⟩', r, p.fields.k.meanAbs, { colour: COLOURS[0] }), count: p.count },
      { name: '<eps~>', curve: points('⟨\\it{ε}_{dev}⟩', r, p.fields.dev.mean, { colour: COLOURS[1] }), count: p.count },
      { name: '<|eps_xy|>', curve: points('⟨|\\it{ε}_{xy}|⟩', r, p.fields.exy.meanAbs, { colour: COLOURS[2] }), count: p.count },
      { name: `fit |k| = ${round(f.absK.c)} / r^2`, curve: line('', fitR, law(f.absK.c), { ...FIT, colour: COLOURS[0] }) },
      { name: `fit eps~ = ${round(f.dev.c)} / r^2`, curve: line('', fitR, law(f.dev.c), { ...FIT, colour: COLOURS[1] }) },
      { name: `fit |eps_xy| = ${round(f.absExy.c)} / r^2`, curve: line('\\it{c}/\\it{r}^{2} fits', fitR, law(f.absExy.c), { ...FIT, colour: COLOURS[2] }) },
    ],
  };
  const kc = f.kConvolved;
  const b4 = Number.isFinite(kc.alpha) ? fitR.map((x) => kc.ck * convolvedCompressionK(x, { t: PAPER_ELASTIC.t, alpha: kc.alpha, nu: PAPER_ELASTIC.nu, DL: PAPER_ELASTIC.DL })) : fitR.map(() => NaN);
  const b: Panel = {
    name: 'b: angle-averaged k and eps_xy against r (sd / sqrt(samples) as err), Eq. B4 fit of <k>',
    panel: { xLabel: '\\it{r}', yLabel: 'angle average', logX: true, logY: false, refs: [ZERO] },
    curves: [
      { name: '<k>', curve: line('⟨\\it{k}⟩', r, p.fields.k.mean, { err: p.fields.k.sem, colour: COLOURS[0] }), count: p.count },
      { name: '<eps_xy>', curve: line('⟨\\it{ε}_{xy}⟩', r, p.fields.exy.mean, { err: p.fields.exy.sem, colour: COLOURS[2] }), count: p.count },
      { name: `Eq. B4 fit of <k>: c_k = ${round(kc.ck)}, alpha = ${round(kc.alpha)}${kc.atBound ? ' (at the end of its range)' : ''}`, curve: line('Eq. B4 fit', fitR, b4, { ...FIT, colour: COLOURS[0] }) },
    ],
  };
  // Per sector, the least-squares amplitude of y = a / r^2 over the radial bins of the fit range (r >= 3) weighted by
  // their samples, a = sum c y r^-2 / sum c r^-4: what fitAngularAmplitude fits with h(theta) = 1 in each sector.
  const nT = p.theta.length, nR = r.length;
  const ang = (polar: Float64Array): { y: Float64Array; n: Float64Array } => {
    const y = new Float64Array(nT), n = new Float64Array(nT);
    for (let s = 0; s < nT; s++) {
      let num = 0, den = 0, w = 0;
      for (let q = 0; q < nR; q++) {
        const c = p.polarCount[q * nT + s]!, v = polar[q * nT + s]!;
        if (r[q]! < 3 || !(c > 0) || !Number.isFinite(v)) continue;
        const f = 1 / (r[q]! * r[q]!);
        num += c * v * f; den += c * f * f; w += c;
      }
      y[s] = den > 0 ? num / den : NaN; n[s] = w;
    }
    return { y, n };
  };
  const th = Float64Array.from(p.theta, (x) => x * DEG);
  const exy = ang(p.fields.exy.polar), kk = ang(p.fields.k.polar);
  const thFine = Float64Array.from({ length: 181 }, (_, q) => -180 + 2 * q);
  const c: Panel = {
    name: 'c: amplitude a(theta) of mean strain = a / r^2 per sector (least squares over r >= 3, weighted by samples) against theta (degrees from the shear direction), with the Eq. A8 forms',
    panel: { xLabel: '\\it{θ} (degrees)', yLabel: '\\it{a}(\\it{θ}) in ⟨strain⟩ = \\it{a}/\\it{r}^{2}', logX: false, logY: false, refs: [ZERO] },
    curves: [
      { name: 'a(theta) of <eps_xy>', curve: points('⟨\\it{ε}_{xy}⟩', th, exy.y, { colour: COLOURS[2] }), count: exy.n },
      { name: 'a(theta) of <k>', curve: points('⟨\\it{k}⟩', th, kk.y, { colour: COLOURS[0] }), count: kk.n },
      { name: `A cos 4theta, A = ${round(f.exyCos4.amplitude)}`, curve: line('\\it{A} cos 4\\it{θ}', thFine, thFine.map((x) => f.exyCos4.amplitude * Math.cos(4 * x / DEG)), { ...FIT, colour: COLOURS[2] }) },
      { name: `B sin 2theta, B = ${round(f.kSin2.amplitude)}`, curve: line('\\it{B} sin 2\\it{θ}', thFine, thFine.map((x) => f.kSin2.amplitude * Math.sin(2 * x / DEG)), { ...FIT, colour: COLOURS[0] }) },
    ],
  };
  const kPos = Array.from(p.fields.k.mean).filter((x, q) => r[q]! > 2 && Number.isFinite(x) && x > 0).length;
  const kAll = Array.from(p.fields.k.mean).filter((x, q) => r[q]! > 2 && Number.isFinite(x)).length;
  return {
    panels: [a, b, c],
    statistics: {
      absK: f.absK, dev: f.dev, absExy: f.absExy, devPowerLaw: f.devPowerLaw, absExyPowerLaw: f.absExyPowerLaw, exyCos4: f.exyCos4, kSin2: f.kSin2,
      kConvolved: f.kConvolved, kPositiveBinsBeyond2: `${kPos} of ${kAll}`,
      paper: 'eps~ = 0.03 / r^2, |eps_xy| = 1.5e-3 / r^2 (free slopes ~ -2), <k> > 0 at most r, Eq. B4 alpha = 6.1e-5',
    },
  };
}

function g2Panels(res: AvalancheStatisticsResult): { panels: Panel[]; statistics: Record<string, unknown> } {
  const g = res.pairCorrelation, nR = g.r.length, nT = g.theta.length;
  const lags = [0, 1, 2, 5, 10, 20].filter((l) => l < g.lags.length);
  const a: Panel = {
    name: 'a: g_2(r, df) against r (log-log; zeros left out)',
    panel: { xLabel: '\\it{r}', yLabel: '\\it{g}_{2}(\\it{r}, Δ\\it{f})', logX: true, logY: true, refs: [{ orientation: 'h', value: 1 }] },
    curves: lags.map((df, k) => ({
      name: `df = ${df}`, curve: line(`Δ\\it{f} = ${df}`, g.r, g.g2.slice(df * nR, (df + 1) * nR).map((v) => (v > 0 ? v : NaN)), { colour: COLOURS[k % COLOURS.length] }),
      count: g.counts.slice(df * nR, (df + 1) * nR),
    })),
  };
  const rMax = g.rEdges[g.rEdges.length - 1]!;
  const bands: [number, number][] = [[0, 3], [3, 8], [8, rMax]].filter(([lo, hi]) => hi > lo) as [number, number][];
  const th = Float64Array.from(g.theta, (x) => x * DEG);
  const b: Panel = {
    name: 'b: time-averaged directional g_2(r, theta) (lags 0..F) against theta (degrees), mean over the radial bins of each band',
    panel: { xLabel: '\\it{θ} (degrees)', yLabel: '\\it{g}_{2}(\\it{r}, \\it{θ})', logX: false, logY: true, refs: [{ orientation: 'h', value: 1 }] },
    curves: bands.map(([lo, hi], k) => {
      const y = new Float64Array(nT);
      for (let s = 0; s < nT; s++) {
        let sum = 0, m = 0;
        for (let q = 0; q < nR; q++) {
          const v = g.directional[q * nT + s]!;
          if (g.r[q]! >= lo && g.r[q]! < hi && Number.isFinite(v)) { sum += v; m++; }
        }
        y[s] = m > 0 && sum > 0 ? sum / m : NaN;
      }
      return { name: `${round(lo)} <= r < ${round(hi)}`, curve: line(`${round(lo, 2)} ≤ \\it{r} < ${round(hi, 2)}`, th, y, { colour: COLOURS[k] }) };
    }),
  };
  // Log-log slope beyond r = 5 per lag (the paper: about -3 at long lags).
  const slopes = Array.from(g.lags).map((df) => {
    let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
    for (let q = 0; q < nR; q++) {
      const v = g.g2[df * nR + q]!;
      if (g.r[q]! >= 5 && v > 0) { const X = Math.log(g.r[q]!), Y = Math.log(v); sx += X; sy += Y; sxx += X * X; sxy += X * Y; m++; }
    }
    return m > 2 ? round((m * sxy - sx * sy) / (m * sxx - sx * sx)) : null;
  });
  return { panels: [a, b], statistics: { origins: Array.from(g.origins), slopeBeyond5PerLag: slopes, paper: 'g_2 >> 1 near the origin, decaying as a power law (about r^-3) at later lags' } };
}

function distributionPanels(res: AvalancheStatisticsResult): { panels: Panel[]; statistics: Record<string, unknown> } {
  const d = res.softness!;
  const a: Panel = {
    name: 'a: softness distributions P(S) of all particles and P(S|R) of rearrangers (densities)',
    panel: { xLabel: '\\it{S}', yLabel: 'probability density', logX: false, logY: false, includeY: [0], refs: [{ orientation: 'v', value: 0 }] },
    curves: [
      { name: 'P(S)', curve: line('\\it{P}(\\it{S})', d.s, d.pS, { colour: COLOURS[0] }), count: d.countAll },
      { name: 'P(S|R)', curve: line('\\it{P}(\\it{S}|\\it{R})', d.s, d.pSR, { colour: COLOURS[1] }), count: d.countR },
    ],
  };
  const b: Panel = {
    name: 'b: P_R(S), the fraction of particles of softness S that rearrange',
    panel: { xLabel: '\\it{S}', yLabel: '\\it{P}_{R}(\\it{S})', logX: false, logY: true },
    curves: [finitePoints({ name: 'P_R(S)', curve: points('\\it{P}_{R}(\\it{S})', d.s, d.pR.map((v) => (v > 0 ? v : NaN)), { colour: COLOURS[1] }), count: d.countAll })],
  };
  const pr = Array.from(d.pR).filter((x) => x > 0);
  return {
    panels: [a, b],
    statistics: {
      samples: d.samples, rearrangers: d.rearrangers, meanS: d.meanS, meanSR: d.meanSR,
      fractionRearrangersPositive: d.fractionRearrangersPositive, fractionOthersNegative: d.fractionOthersNegative,
      pRDecades: pr.length > 1 ? Math.log10(Math.max(...pr) / Math.min(...pr)) : null,
      paper: '90 % of rearrangers S > 0, 84 % of non-rearrangers S < 0; P_R(S) rises about 4 decades, exponentially in S',
    },
  };
}

function changePanels(res: AvalancheStatisticsResult, warnings: string[]): { panels: Panel[]; statistics: Record<string, unknown> } {
  const c = res.softnessChange!;
  if (res.singlePairs === 0) warnings.push('no frame pair passes the single-rearranger filter: the softness change panels are empty (try a larger --quiet-factor or more --avalanches)');
  const a: Panel = {
    name: 'a: mean softness change <dS>(r) around a single rearranger (sd / sqrt(samples) as err) and the Eq. 5 prediction',
    panel: { xLabel: '\\it{r}', yLabel: '⟨Δ\\it{S}⟩', logX: true, logY: false, refs: [ZERO] },
    curves: [
      { name: '<dS> measured', curve: line('measured', c.r, c.dS, { err: c.dSsem, colour: COLOURS[0] }), count: c.count },
      { name: 'Eq. 5: c_0 + c_1 (<S>_bin - <S>) + b <k>_bin', curve: line('Eq. 5', c.r, c.predicted, { ...FIT, colour: COLOURS[1] }) },
    ],
  };
  const b: Panel = {
    name: `b: Eq. 5 coefficients c_0(r) and c_1(r) (joint fit, b = ${round(c.b)}); c_1 without the k term`,
    panel: { xLabel: '\\it{r}', yLabel: `coefficient (\\it{b} = ${round(c.b)})`, logX: true, logY: false, refs: [ZERO] },
    curves: [
      { name: 'c_0(r)', curve: line('\\it{c}_{0}', c.r, c.c0, { colour: COLOURS[0] }), count: c.count },
      { name: 'c_1(r)', curve: line('\\it{c}_{1}', c.r, c.c1, { colour: COLOURS[1] }), count: c.count },
      { name: 'c_1(r) without the k term', curve: line('\\it{c}_{1}, no \\it{k} term', c.r, c.c1Simple, { ...FIT, colour: COLOURS[1] }), count: c.count },
    ],
  };
  const nr = c.near;
  const sLine = Float64Array.from(nr.s);
  const near: Panel = {
    name: `c: mean dS against S within r < 1.6 of the rearranger, and the least-squares line (slope ${round(nr.slope)})`,
    panel: { xLabel: '\\it{S}', yLabel: 'Δ\\it{S} (\\it{r} < 1.6)', logX: false, logY: false, refs: [ZERO] },
    curves: [
      { name: 'mean dS per S bin', curve: points('mean', nr.s, nr.dS.map((v, q) => (nr.count[q]! >= 5 ? v : NaN)), { colour: COLOURS[0] }), count: nr.count },
      { name: `line ${round(nr.intercept)} + ${round(nr.slope)} (S - <S>)`, curve: line('fit', sLine, sLine.map((s) => nr.intercept + nr.slope * (s - c.meanS)), { ...FIT, colour: COLOURS[1] }) },
    ],
  };
  const nearC1 = Array.from(c.c1).map((v, q) => ({ r: round(c.r[q]!), c1: round(v) })).filter((e) => e.r < 2 && Number.isFinite(e.c1));
  return {
    panels: [a, b, near],
    statistics: {
      b: c.b, meanS: c.meanS, rearrangerDS: c.rearrangerDS, c1Near: nearC1, c0PowerLaw: c.c0PowerLaw, c1PowerLaw: c.c1PowerLaw,
      nearSlope: nr.slope, nearSamples: nr.samples, angularExplained: c.angularExplained,
      paper: 'b ~ 207 > 0, c_1 < 0 near the rearranger, |c_0| ~ 0.3 r^-3.1, |c_1| ~ 0.06 r^-3.2, <dS>_R = -0.75',
    },
  };
}

function onsetPanels(res: AvalancheStatisticsResult): { panels: Panel[]; statistics: Record<string, unknown> } {
  const y = res.yieldStrain!;
  const curves: Plotted[] = y.curves.map((b: BinnedMeansResult, k) => finitePoints({
    name: `df = ${y.lags[k]} frames`,
    curve: { label: `Δ\\it{f} = ${y.lags[k]}`, x: b.x, y: b.mean[0]!.map((v, q) => (b.count[q]! >= 3 ? v : NaN)), err: b.sem[0], kind: 'points', colour: COLOURS[k % COLOURS.length] },
    count: b.count,
  }));
  const slopes = y.samples.map(({ s, dev }, k) => {
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = 0; i < s.length; i++) { sx += s[i]!; sy += dev[i]!; sxx += s[i]! * s[i]!; sxy += s[i]! * dev[i]!; }
    const n = s.length;
    return { lag: y.lags[k], samples: n, meanDev: n > 0 ? sy / n : null, slope: n > 2 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : null };
  });
  return {
    panels: [{
      name: 'mean total deviatoric strain eps~ between f - df and the start f of a rearrangement, against S at f - df (sd / sqrt(samples) as err)',
      panel: { xLabel: '\\it{S} at \\it{f} − Δ\\it{f}', yLabel: '⟨\\it{ε}_{dev}⟩ to trigger', logX: false, logY: false },
      curves,
    }],
    statistics: { perLag: slopes, paper: 'the strain needed to trigger a rearrangement decreases with S' },
  };
}

function sinceStartPanels(res: AvalancheStatisticsResult): { panels: Panel[]; statistics: Record<string, unknown> } {
  const s = res.strainSinceStart;
  const mk = (b: BinnedMeansResult, which: 'per pair' | 'per unit time'): Panel => ({
    name: `${which === 'per pair' ? 'a' : 'b'}: a rearranger's own local strain ${which} against t - t_start (sd / sqrt(samples) as err)`,
    panel: { xLabel: '\\it{t} − \\it{t}_{start}', yLabel: which === 'per pair' ? 'strain per frame pair' : 'strain rate', logX: false, logY: false, refs: [ZERO, { orientation: 'v', value: 0 }] },
    curves: [
      { name: `k ${which}`, curve: line('\\it{k}', b.x, b.mean[0]!, { err: b.sem[0], colour: COLOURS[0] }), count: b.count },
      { name: `eps_xy ${which}`, curve: line('\\it{ε}_{xy}', b.x, b.mean[1]!, { err: b.sem[1], colour: COLOURS[2] }), count: b.count },
    ],
  });
  return { panels: [mk(s.perPair, 'per pair'), mk(s.rate, 'per unit time')], statistics: { samples: s.perPair.count.reduce((a, x) => a + x, 0) } };
}

const TITLES: Record<AvalancheKind, string> = {
  rearranger_strain: 'Strain around a rearranger (Zhang, Ridout & Liu Fig. 3)',
  rearranger_g2: 'Rearranger pair correlation (Fig. 4)',
  softness_distribution: 'Softness distributions (Fig. 5)',
  softness_change: 'Softness change around a rearranger (Figs. 6-7, Eq. 5)',
  onset_strain: 'Strain to trigger a rearrangement against softness (Fig. 8)',
  strain_since_start: 'Strain of a rearranger against time since its start (Fig. 9)',
};

/** Gather one avalanche figure kind. */
export function avalancheFigure(src: TrajectoryFrames, spec: FigureSpec, ctx?: JobContext): AvalancheFigure {
  const kind = spec.kind;
  if (!isAvalancheKind(kind)) throw new Error(`figure: ${kind} is not a rearranger statistics kind`);
  const warnings: string[] = [];
  const t0 = Date.now();
  const run = runStatistics(src, spec, kind, warnings, ctx);
  const res = run.res;
  const made = kind === 'rearranger_strain' ? strainPanels(res, warnings)
    : kind === 'rearranger_g2' ? g2Panels(res)
      : kind === 'softness_distribution' ? distributionPanels(res)
        : kind === 'softness_change' ? changePanels(res, warnings)
          : kind === 'onset_strain' ? onsetPanels(res)
            : sinceStartPanels(res);
  const panels: CurvePanel[] = made.panels.map((p) => ({ ...p.panel, curves: p.curves.map((c) => c.curve) }));
  return {
    panels, csv: panelsCsv(made.panels), warnings, title: TITLES[kind],
    statistics: {
      avalanches: run.used, avalanchesAvailable: run.available, aqsLog: run.aqs, pairs: res.pairs, rearrangers: res.rearrangers,
      singleRearrangerPairs: res.singlePairs, starts: res.starts, quietRadius: 5, quietFactor: run.quietFactor, model: run.modelPath,
      ...(kind === 'onset_strain' ? { lags: run.lags } : {}),
      ...made.statistics,
      seconds: { total: (Date.now() - t0) / 1000, strain: res.timings.strain / 1000, softness: res.timings.softness / 1000, statistics: res.timings.statistics / 1000 },
    },
  };
}
