// Synthetic MSD series with planted jumps, to measure the jump detector (detect.ts): precision and recall.
// MSD(τ) = M + sqrt(M M_ref) y(τ) + g(τ) x(τ), M = bg(τ) + Σ_k J_k [f >= f_k], g = 1 - e^{-τ/τc},
// bg = c(1 - e^{-τ/τc}) + A((τ + τc)^α - τc^α) (cage rise + diffusive / sub-diffusive growth, ~A τ^α for τ >> τc, linear
// at τ << τc instead of the unphysical infinite slope of τ^α at 0; x: vibrational Ornstein-Uhlenbeck noise, y: slow fluctuation of the sample
// MSD, whose size grows as sqrt(M) like the cross term 2 u.δu of displacements u with thermal increments δu, equal to a
// relative fluctuation `relative` at M_ref = bg(τ_end); both exact OU updates over the frames' uneven lags). Frames on the log-within-block schedule
// S(f) = i*B + 2^j (Jha & Sengupta Eq. 2) or a linear one; jumps are planted after the cage rise, at frames drawn
// uniformly in time (thermally activated events) or in frame index, with sizes log-uniform in units of the noise of
// that frame's increment (its lag, the MSD level before the jump): a signal-to-noise ratio. Pure and seeded.
import { scheduleTimestep, type FrameSchedule } from '../../../src/core/index/schedule.js';
import type { JumpCandidate } from '../../../src/core/analysis/detect.js';
import { mulberry32 } from '../../../src/core/util/random.js';
export { mulberry32 };

export type PlantedSchedule =
  | { kind: 'log-block'; blocks: number; B: number; nCfg: number }
  | { kind: 'linear'; frames: number; step: number };

/** Schedules the measurements use: the paper's (Sec. II: B = 1050000, N_cfg = 21), the LAMMPS reference glass run's
 * (B = 20000, N_cfg = 15, 10 blocks), the paper's with only 4 blocks (the hard case), and a linear one. */
export const PLANTED_SCHEDULES = {
  paper: { kind: 'log-block', blocks: 12, B: 1050000, nCfg: 21 },
  lammps: { kind: 'log-block', blocks: 10, B: 20000, nCfg: 15 },
  paperFewBlocks: { kind: 'log-block', blocks: 4, B: 1050000, nCfg: 21 },
  linear: { kind: 'linear', frames: 400, step: 500 },
} as const satisfies Record<string, PlantedSchedule>;

export interface PlantedJumpsParams {
  seed: number;
  schedule: PlantedSchedule;
  /** Time per MD step (default 0.003, the paper's δt). */
  dt?: number;
  /** Cage plateau c (default 0.05) and rise time τc (default 1, time units). */
  cagePlateau?: number;
  cageTime?: number;
  /** Exponent α of the growth ~A τ^α (default 0.6; 1 = diffusive). */
  exponent?: number;
  /** The growth part of the MSD at the last frame (default 0.3). */
  growth?: number;
  /** Vibrational noise: OU standard deviation (default 0.003) and correlation time (default 3). */
  vibration?: number;
  vibrationTime?: number;
  /** Slow fluctuation of the sample MSD, relative to the final background level: OU standard deviation (default 0.02)
   * and correlation time (default 100). */
  relative?: number;
  relativeTime?: number;
  /** Number of planted jumps (default 3). */
  jumps?: number;
  /** Jump sizes: signal-to-noise ratios log-uniform in [min, max] (default [8, 40]) times the local increment noise. */
  snr?: readonly [number, number];
  /** Draw jump times uniformly in time (default) or jump frames uniformly in frame index. */
  placement?: 'time' | 'frame';
  /** Minimum distance in frames between planted jumps (default 3). */
  minSeparation?: number;
}

export interface PlantedJump {
  /** First frame after the jump: MSD(frame) - MSD(frame - 1) carries it. */
  readonly frame: number;
  /** MSD step (MSD units). */
  readonly size: number;
  /** Standard deviation of the noise of this frame's increment (its lag, the MSD level before the jump). */
  readonly unit: number;
  /** size / unit: the jump's signal-to-noise ratio. */
  readonly snr: number;
}

export interface PlantedJumpsSeries {
  readonly steps: Float64Array;
  readonly times: Float64Array;
  readonly msd: Float64Array;
  /** The noise-free background bg(τ) (without jumps). */
  readonly background: Float64Array;
  /** Sorted by frame. */
  readonly jumps: readonly PlantedJump[];
}


function gaussian(rand: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) { const s = spare; spare = NaN; return s; }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
}

/** The MD steps of a schedule (log-block: S = i*B + 2^j, j = 0..nCfg-1). */
export function scheduleSteps(s: PlantedSchedule): Float64Array {
  const fs: FrameSchedule = s.kind === 'linear'
    ? { kind: 'linear', start: 0, step: s.step, dt: null }
    : { kind: 'log-block', start: 0, B: s.B, N_cfg: s.nCfg, zeroFrame: false, dt: null };
  const n = s.kind === 'linear' ? s.frames : s.blocks * s.nCfg;
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) out[f] = scheduleTimestep(fs, f) as number;
  return out;
}

/** A synthetic MSD series with planted jumps (see the top of this file). */
export function plantedJumps(p: PlantedJumpsParams): PlantedJumpsSeries {
  const dt = p.dt ?? 0.003;
  const c = p.cagePlateau ?? 0.05, tc = p.cageTime ?? 1;
  const alpha = p.exponent ?? 0.6, growth = p.growth ?? 0.3;
  const sv = p.vibration ?? 0.003, tv = p.vibrationTime ?? 3;
  const sr = p.relative ?? 0.02, tr = p.relativeTime ?? 100;
  const nJumps = p.jumps ?? 3;
  const [snrMin, snrMax] = p.snr ?? [8, 40];
  const placement = p.placement ?? 'time';
  const minSep = p.minSeparation ?? 3;
  const rand = mulberry32(p.seed);
  const normal = gaussian(rand);

  const steps = scheduleSteps(p.schedule);
  const F = steps.length;
  if (F < 3) throw new RangeError('plantedJumps: need at least 3 frames');
  const times = new Float64Array(F);
  for (let f = 0; f < F; f++) times[f] = steps[f] * dt;
  const tau = (f: number) => times[f] - times[0];
  const tauEnd = tau(F - 1);
  const A = growth / ((tauEnd + tc) ** alpha - tc ** alpha);
  const background = new Float64Array(F);
  for (let f = 0; f < F; f++) background[f] = c * (1 - Math.exp(-tau(f) / tc)) + A * ((tau(f) + tc) ** alpha - tc ** alpha);

  const refLevel = background[F - 1];
  const incrementNoise = (f: number, level: number) => {
    // Standard deviation of the noise part of MSD(f) - MSD(f-1) (both OU terms; the cage factor g ~ 1 after the rise).
    const h = times[f] - times[f - 1];
    return Math.sqrt(2 * sv * sv * (1 - Math.exp(-h / tv)) + 2 * level * refLevel * sr * sr * (1 - Math.exp(-h / tr)));
  };

  // Jump frames: after the cage rise (τ > 10 τc), at least minSep apart.
  let first = 1;
  while (first < F && tau(first - 1) <= 10 * tc) first++;
  const eligible = F - first;
  const chosen: number[] = [];
  for (let attempt = 0; chosen.length < nJumps && attempt < 1000 * (nJumps + 1) && eligible > 0; attempt++) {
    let f: number;
    if (placement === 'frame') {
      f = first + Math.floor(rand() * eligible);
    } else {
      const T = tau(first - 1) + rand() * (tauEnd - tau(first - 1));
      f = first;
      while (f < F - 1 && tau(f) < T) f++;
    }
    if (chosen.every((g) => Math.abs(g - f) >= minSep)) chosen.push(f);
  }
  chosen.sort((a, b) => a - b);
  // Sizes in units of the local increment noise (this frame's lag, the MSD level just before the jump).
  const jumps: PlantedJump[] = [];
  let stepSum = 0;
  for (const frame of chosen) {
    const snr = snrMin * (snrMax / snrMin) ** rand();
    const unit = incrementNoise(frame, background[frame - 1] + stepSum);
    jumps.push({ frame, size: snr * unit, snr, unit });
    stepSum += snr * unit;
  }

  const msd = new Float64Array(F);
  let x = 0, y = sr * normal(), steps0 = 0, k = 0;
  for (let f = 0; f < F; f++) {
    if (f > 0) {
      const h = times[f] - times[f - 1];
      const ax = Math.exp(-h / tv), ay = Math.exp(-h / tr);
      x = x * ax + sv * Math.sqrt(1 - ax * ax) * normal();
      y = y * ay + sr * Math.sqrt(1 - ay * ay) * normal();
    }
    while (k < jumps.length && jumps[k].frame === f) steps0 += jumps[k++].size;
    const g = 1 - Math.exp(-tau(f) / tc);
    const level = background[f] + steps0;
    msd[f] = f === 0 ? 0 : Math.max(0, level + Math.sqrt(level * refLevel) * y + g * x);
  }
  return { steps, times, msd, background, jumps };
}

export interface DetectionScore {
  /** Per planted jump: 1 when a candidate's bracket holds it (empty in combined scores). */
  found: Uint8Array;
  truePositives: number;
  falsePositives: number;
  missed: number;
  precision: number;
  recall: number;
}

/**
 * Match candidates to planted jumps: a candidate finds a jump when before < jump.frame <= after (its bracket holds the
 * jump's increment); each jump is found at most once. Precision = matched candidates / candidates (1 when there are
 * none), recall = found jumps / jumps (1 when there are none).
 */
export function scoreDetection(candidates: readonly Pick<JumpCandidate, 'before' | 'after'>[], jumps: readonly { frame: number }[]): DetectionScore {
  const found = new Uint8Array(jumps.length);
  let tp = 0;
  for (const c of candidates) {
    let hit = false;
    for (let k = 0; k < jumps.length; k++) {
      if (!found[k] && c.before < jumps[k].frame && jumps[k].frame <= c.after) { found[k] = 1; hit = true; break; }
    }
    if (hit) tp++;
  }
  const nFound = found.reduce((s, v) => s + v, 0);
  return {
    found,
    truePositives: tp,
    falsePositives: candidates.length - tp,
    missed: jumps.length - nFound,
    precision: candidates.length ? tp / candidates.length : 1,
    recall: jumps.length ? nFound / jumps.length : 1,
  };
}

/** Several scores pooled (micro-average over series; each matched candidate is one found jump). */
export function combineScores(scores: readonly DetectionScore[]): DetectionScore {
  let tp = 0, fp = 0, missed = 0;
  for (const s of scores) { tp += s.truePositives; fp += s.falsePositives; missed += s.missed; }
  return {
    found: new Uint8Array(0),
    truePositives: tp,
    falsePositives: fp,
    missed,
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + missed ? tp / (tp + missed) : 1,
  };
}

export interface DetectionMeasurement {
  readonly label: string;
  readonly score: DetectionScore;
  /** Recall per SNR class: [lower bound, found, planted]. */
  readonly recallBySnr: readonly (readonly [number, number, number])[];
}

/**
 * Run a detector over planted series for every seed and pool the scores (the bench and tests share this).
 * `detector` returns the candidates for one series.
 */
export function measureDetection(
  label: string, base: Omit<PlantedJumpsParams, 'seed'>, seeds: readonly number[],
  detector: (msd: Float64Array, times: Float64Array) => readonly Pick<JumpCandidate, 'before' | 'after'>[],
  snrEdges: readonly number[] = [0, 4, 6, 8, 12, 20, 40],
): DetectionMeasurement {
  const scores: DetectionScore[] = [];
  const found = new Float64Array(snrEdges.length), planted = new Float64Array(snrEdges.length);
  for (const seed of seeds) {
    const series = plantedJumps({ ...base, seed });
    const s = scoreDetection(detector(series.msd, series.times), series.jumps);
    scores.push(s);
    series.jumps.forEach((j, k) => {
      let b = snrEdges.length - 1;
      while (b > 0 && j.snr < snrEdges[b]) b--;
      planted[b]++;
      found[b] += s.found[k];
    });
  }
  const recallBySnr: [number, number, number][] = [];
  for (let b = 0; b < snrEdges.length; b++) if (planted[b] > 0) recallBySnr.push([snrEdges[b], found[b], planted[b]]);
  return { label, score: combineScores(scores), recallBySnr };
}
