// Avalanche candidates from jumps of the MSD series (Jha & Sengupta Sec. III, Fig. 1a: "sudden jump in the MSD").
// d_f = MSD(f) - MSD(f-1) over the lag Δ_f = t(f) - t(f-1) (schedule S(f) = i*B + 2^j, Eq. 2); score = robust z of
// d_f - A(τ_f^α - τ_{f-1}^α) among increments at the same lag (median / MAD), the power law fitted robustly.
//
// METHOD (and why).
// 0. Input. `input: 'msd'` (default): msd[f] is the MSD of frame f from a fixed origin (the paper's Fig. 1a); increments
//    are differences of it. `input: 'steps'`: msd[f] is already the MSD between frames f-1 and f, e.g. between the
//    inherent structures of consecutive frames (series is_step_msd): the increments are the values themselves. Real MD
//    frames need this: their MSD from the origin carries a vibrational part as large as a rearrangement, and its step
//    sum_i |u_i + d_i|^2 - |u_i|^2 holds the cross term 2 u_i.d_i with the displacement u accumulated since the origin,
//    which has either sign (a particle hopping back lowers the MSD); the inherent-structure step has neither. A step
//    series has no origin to grow from, so 1b (ballistic lags), 2 (power-law background), 5 (transient) and the
//    persistence test of 6 do not apply to it (a move back between energy minima is a second event, not a vibration):
//    each step is compared with its same-lag peers only (3, 4). What it finds is a step that stands out from the
//    run's other steps at that lag, whatever its size: at lags where the inherent structures are quiet (a few MD
//    steps: same-lag MAD ~1e-8, the minimiser's tolerance) a rearrangement of one particle scores z ~ 1e3-1e5, and
//    where they rearrange continuously (the real runs of tests/fixtures/real-runs at lags >= 256 steps) a collective
//    one of 5 % of the particles scores z < 5.5. It has no notion of an avalanche's minimum size.
// 0b. Size (`minStep` > 0, step series only). The same-lag z assumes that a typical step is noise and an event an
//    outlier of it. A step between inherent structures has no noise but the minimiser's tolerance (~1e-8 on the real
//    runs): a non-zero step IS rearrangement, and where rearrangements happen at every lag (the real runs of
//    tests/fixtures/real-runs: every one of the 784 steps of the aged set is >= 4e-5) the run's median step is other
//    events, not noise. Nor does a same-lag comparison measure size: on the real log-schedule runs the median step over
//    8192 MD steps is 3-16 times that over 64 (88 % of the pairs 2048-8192 steps apart have >= 20 particles past 0.3,
//    2 % of those 1-31 apart), and each is "typical" of its lag. So with minStep the
//    steps are scored by size alone: every frame whose step is >= minStep is a candidate of its own (before = f - 1,
//    after = f, score = step / minStep >= 1, size = the step), whatever its lag and its z. minStep is the user's
//    minimum avalanche in MSD units: n particles moving a distance a carry at least n a^2 / N of it, plus the elastic
//    response of the others (on the papers' glass at N = 2000, a step is ~2e-3 + 2.1e-4 per particle moving > 0.3;
//    tests/fixtures/real-runs/README.md). A size is all a step says: it cannot tell one event of 20 particles from
//    four of 5 in the same interval, nor 20 hops from the elastic response of fewer (+-7 particles on those runs).
// 1. Increments. d_f = MSD(f) - MSD(f-1), lag Δ_f = t(f) - t(f-1), age τ_f = t(f) - t(origin) (the MSD's reference frame).
//    Only increments between two finite MSD values with Δ_f > 0 are scored. A jump is an increment far above what
//    the same lag gives elsewhere: the noise of an MSD increment depends strongly on the lag (a real glass at T = 0.2,
//    log-block schedule: ~1e-5 at a lag of 1 MD step, ~1e-2 at 8192 steps), so increments are compared only with
//    increments of (nearly) the same lag. On the log-within-block schedule S = i*B + 2^j each lag occurs once per
//    block, so the comparison pools across blocks; on a linear schedule all increments share one lag.
// 1b. Ballistic lags. Right after the origin a real MSD rises ballistically, ∝ τ² (Newtonian dynamics: slope 2 in
//    log-log up to ~30 MD steps for the LAMMPS glass at T = 0.12-0.25, then the cage). An increment over a lag that
//    short cannot hold a rearrangement (no particle gets past its neighbours), and what it measures instead, the cross
//    term 2 Σ u·v Δt / N of the displacements u since the origin with the velocities v, is dominated by a few
//    long-wavelength modes in 2D and varies by an order of magnitude from block to block: each block start of the real
//    runs drifts coherently over the lags 1..64 steps, and the same-lag MAD of ~10 blocks then makes z of 10-17 of
//    it (the only false alarms on the real T = 0.12 runs). So the lags are not scored (status `ballistic`) up to the
//    largest age at which the rise from the origin still has a local slope >= ballisticSlope (1.25, half-way between
//    diffusive and ballistic) over at least BALLISTIC_MIN_PAIRS consecutive pairs of frames. A schedule whose first
//    frames are already caged (a linear one) has no such regime, nor has a synthetic MSD without inertia.
// 2. Expected growth. MSD(t) from a fixed origin keeps growing (diffusive or sub-diffusive), so an increment at a given
//    lag is larger early than late. A power law is fitted to the INCREMENTS, d_f ≈ A(τ_f^α - τ_{f-1}^α), by least
//    absolute deviations weighted by the per-lag spread (α on [0, maxExponent = 1], α = 0 meaning no growth: after the
//    transient, an MSD from a fixed origin grows diffusively at most; on the real runs a bound of 2 let the fit chase
//    the noise of the longest lags, ±0.03 at N = 2000 in 2D, to α = 2 with A ~ 1e-11). Fitting increments,
//    not levels, matters: jumps are a few outlying increments but a persistent staircase in the levels, which a fit of
//    ln MSD vs ln τ would take for growth (and then "expect" the jumps). r_f = d_f - e_f; what remains of the trend is
//    absorbed by the running centre below.
// 3. Lag bins. Residuals are divided by Δ^β (β fitted across lags from the per-lag spread, clamped to [0, 1]) so that
//    neighbouring lags are comparable; lags with fewer than `minGroup` increments (few blocks, irregular frames) are
//    merged with the next lags until a bin has enough members. With enough blocks each lag is its own bin.
// 4. Robust z. Within a bin, members ordered by time, centre = median and scale = 1.4826 * MAD of the 2*halfWindow+1
//    nearest members (a running Hampel filter: it follows slow drifts of level and noise, one jump cannot move it);
//    z = (q - centre) / scale. Members above `minScore` are left out and the centres recomputed (`iterations` passes),
//    so several jumps at the same lag (likely: on a log-block schedule the longest lags cover most of the time) do not
//    inflate the scale. A bin whose typical scale lies below the median of its own and its two neighbouring lags' is
//    raised to it: with ~10 members per lag a MAD sometimes comes out several times too small by chance, and the noise
//    varies smoothly with the lag (this removed most false alarms on the synthetic log-block series).
// 5. Transient. While the lag is comparable with the age (Δ_f > youngRatio * τ_{f-1}: the whole first block of a
//    log-block schedule, the first two frames of a linear one), the increment measures the MSD's own rise from its
//    origin (ballistic / cage rise), which has no same-lag peer later on and would look like a huge jump, and a global
//    power law does not describe it. There the expected increment is the larger of the local power law of the previous
//    frames extrapolated in log-log (f-3 .. f-1) and the background's increment, and the noise is that of the aged
//    increments of the nearest lag (x1.25). The cage rise decelerates (exponent 2 -> ~0), so the extrapolation
//    overshoots it; the crossover from the plateau to diffusion accelerates, which the background covers; a jump on
//    the plateau stands out from both.
//    Increments without two earlier frames (the first two after the origin) are not scored. A jump during the rise
//    itself cannot be told from the rise.
// 6. Events. Runs of consecutive increments with z >= extendScore that contain one with z >= minScore become one
//    candidate: frame = the frame after the highest-scoring increment, score = that z, before = the last frame before
//    the run, after = the last frame of the run (so MSD(before) and MSD(after) bracket the whole event), size = the
//    MSD excess over the expected growth summed over the run. A candidate must persist: over the next `persistFrames`
//    frames the MSD excess over the expected growth since `before` keeps (median) at least `persistFraction` of its
//    value at `after` (an avalanche moves
//    the system to a new quiescent state, Jha & Sengupta Sec. III; the real T = 0.2 LAMMPS glass shows +0.02 bumps
//    over a few hundred steps that fall back within a thousand, which pass the z test but not this one).
// Direction 'up' (default) looks for increases only (an avalanche is irreversible); 'both' scores |z|.

export interface JumpDetectionParams {
  /** MSD per frame from a fixed reference frame (`origin`), or with `input: 'steps'` the MSD between frame f-1 and f
   * (msd[origin] unused); NaN marks a missing value. */
  msd: Float64Array;
  /** What `msd` holds (default 'msd'; see METHOD, 0). */
  input?: 'msd' | 'steps';
  /** Time (or MD step) of each frame, increasing. Only differences and ratios of ages matter, so units are free. */
  times: Float64Array;
  /** Minimum robust z-score of a candidate (default 5.5: 2e-8 false alarms per Gaussian increment in theory; in practice
   * about one per 10^3-10^4 increments, because a lag seen in ~10 blocks gives a rough scale and MSD noise has heavier
   * tails. Chosen on the planted-jump benchmark: 6 gives precision ~0.98 / recall ~0.95, 5.5 ~0.96 / ~0.96, 5 ~0.94 /
   * ~0.98). */
  minScore?: number;
  /** Neighbouring increments with at least this score join the event's bracket (default 3). */
  extendScore?: number;
  /** 'up' (default): MSD increases only; 'both': increases and decreases. */
  direction?: 'up' | 'both';
  /** Frame index of the MSD's reference frame (default 0); frames up to it are not scored. */
  origin?: number;
  /** An increment is transient ("young") when its lag exceeds this fraction of its start's age (default 0.5). */
  youngRatio?: number;
  /** Running statistics use the 2*halfWindow+1 nearest members of a bin (default 25: on a linear schedule 51 increments,
   * local enough to follow a drifting noise level, long enough for a MAD within ~15 %). */
  halfWindow?: number;
  /** Minimum members per lag bin (default 5). */
  minGroup?: number;
  /** Subtract the expected growth of a fitted power law (default) or nothing. */
  background?: 'power-law' | 'none';
  /** Passes of outlier exclusion (default 3). */
  iterations?: number;
  /** Frames after the event over which the jump must persist (default 3). */
  persistFrames?: number;
  /** Minimum retained fraction of the jump (default 0.5; 0 disables the test). An avalanche is irreversible: the MSD
   * moves to a new plateau. A bump that falls back (collective vibrations, long-wavelength phonons of a 2D sample
   * without centre-of-mass or phonon removal) is not one. */
  persistFraction?: number;
  /** Lags in the ballistic regime are not scored: those where the MSD's rise from the origin (the first frames after
   * it) grows with a local log-log slope of at least this (default 1.25; Infinity: never). See METHOD, 1b. */
  ballisticSlope?: number;
  /** Upper bound of the background exponent α (default 1: growth no faster than diffusive, see METHOD, 2). */
  maxExponent?: number;
  /** With `input: 'steps'`: score the steps by size, every step >= minStep a candidate (METHOD, 0b); 0 (default): off,
   * the same-lag z as for an MSD. In the series' units (MSD, σ²). */
  minStep?: number;
}

export const JUMP_DETECTION_DEFAULTS = {
  input: 'msd',
  minScore: 5.5,
  extendScore: 3,
  direction: 'up',
  origin: 0,
  youngRatio: 0.5,
  halfWindow: 25,
  minGroup: 5,
  background: 'power-law',
  iterations: 3,
  persistFrames: 3,
  persistFraction: 0.5,
  ballisticSlope: 1.25,
  maxExponent: 1,
  minStep: 0,
} as const;

export interface JumpCandidate {
  /** The first frame after the jump (end of the highest-scoring increment). */
  readonly frame: number;
  /** Robust z-score of that increment (with minStep: the step in units of minStep, >= 1). */
  readonly score: number;
  /** Last frame before the event. */
  readonly before: number;
  /** First frame after the whole event (>= frame). */
  readonly after: number;
  /** MSD excess over the expected growth, summed over the bracket (MSD units). */
  readonly size: number;
  /** Fraction of the event's MSD excess (over the expected growth since `before`) still present, as a median, in the
   * next persistFrames frames (1 when the event ends the series). */
  readonly retained: number;
}

/** Why frame f's increment (from f-1 to f) was or was not scored. */
export const JumpFrameStatus = {
  scored: 0,
  /** Frame at or before the origin: no increment to score. */
  noIncrement: 1,
  /** MSD(f) or MSD(f-1) or a time is not finite. */
  missing: 2,
  /** t(f) <= t(f-1). */
  timeNotIncreasing: 3,
  /** Not enough peers: a transient increment without two earlier frames or an aged bin to take the noise from, or
   * fewer than minGroup aged increments in all. */
  tooFewPeers: 4,
  /** The lag lies in the ballistic regime (METHOD, 1b): an increment there measures velocities, not a rearrangement. */
  ballistic: 5,
} as const;

export interface JumpDetectionResult {
  /** Candidates sorted by frame. */
  readonly candidates: readonly JumpCandidate[];
  /** Per frame f: robust z of the increment from f-1 to f (0 where not scored). */
  readonly scores: Float64Array;
  /** Per frame f: expected MSD increment (background + running centre, or the transient prediction), NaN where not
   * scored. scores[f] = (MSD(f) - MSD(f-1) - expected[f]) / noise scale. */
  readonly expected: Float64Array;
  /** Per frame: 1 when its increment was scored. */
  readonly valid: Uint8Array;
  /** Per frame: a JumpFrameStatus code. */
  readonly status: Uint8Array;
  /** Frames after the origin whose increment could not be scored. */
  readonly invalidCount: number;
  /** The fitted background A τ^α (τ = time since the origin), or null (background 'none', no growth, too few data). */
  readonly background: { readonly amplitude: number; readonly exponent: number } | null;
  /** Exponent β of the lag normalisation (residual / Δ^β), fitted from the per-lag spread. */
  readonly lagExponent: number;
  /** Largest lag (time units) found to be ballistic (METHOD, 1b); 0 when none. */
  readonly ballisticLag: number;
  /** Parameters used (defaults filled in). */
  readonly params: Required<Omit<JumpDetectionParams, 'msd' | 'times'>>;
}

const MAD_TO_SD = 1.482602218505602;
/** Lags within this relative difference are "the same lag" (times from float steps * dt). */
const LAG_REL_TOL = 1e-6;
const MAX_BACKGROUND_POINTS = 4096;
/** Transient increments: noise of the same-lag aged increments times this, for the error of the extrapolation. */
const TRANSIENT_NOISE_FACTOR = 1.25;
/** Consecutive pairs of frames that must rise ballistically before a ballistic regime is declared (METHOD, 1b). */
const BALLISTIC_MIN_PAIRS = 4;

/** Median of buf[0..n) (sorts that part in place). */
function medianOf(buf: Float64Array, n: number): number {
  if (n <= 32) {
    // Insertion sort: the running windows are small, and subarray().sort() costs more than the sorting itself.
    for (let i = 1; i < n; i++) {
      const v = buf[i];
      let j = i - 1;
      while (j >= 0 && buf[j] > v) { buf[j + 1] = buf[j]; j--; }
      buf[j + 1] = v;
    }
    const h = n >> 1;
    return n % 2 ? buf[h] : 0.5 * (buf[h - 1] + buf[h]);
  }
  const s = buf.subarray(0, n).sort();
  const h = n >> 1;
  return n % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** Theil-Sen slope and intercept of y against x over points whose x differ by at least minSpan; null if no pair qualifies. */
function theilSen(x: Float64Array, y: Float64Array, n: number, minSpan: number): { slope: number; intercept: number } | null {
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[j] - x[i];
      if (Math.abs(dx) >= minSpan) slopes[m++] = (y[j] - y[i]) / dx;
    }
  }
  if (m === 0) return null;
  const slope = medianOf(slopes, m);
  const res = new Float64Array(n);
  for (let i = 0; i < n; i++) res[i] = y[i] - slope * x[i];
  return { slope, intercept: medianOf(res, n) };
}

/** Weighted median of v[0..n) with weights w (order: scratch index array). */
function weightedMedian(v: Float64Array, w: Float64Array, n: number, order: Int32Array): number {
  let total = 0;
  for (let i = 0; i < n; i++) { order[i] = i; total += w[i]; }
  const idx = order.subarray(0, n).sort((a, b) => v[a] - v[b]);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += w[idx[i]];
    if (acc >= 0.5 * total) return v[idx[i]];
  }
  return v[idx[n - 1]];
}

/**
 * Robust fit of increments d ≈ A (a1^α - a0^α) over α in [0, maxExponent]: for each α, A is the L1 optimum (weighted median of
 * d/g with weights g/s), and α minimises Σ |d - A g| / s (grid of 0.05, then golden section). Returns null when α = 0
 * (no growth) fits best or A <= 0.
 */
function fitPowerLawIncrements(d: Float64Array, a0: Float64Array, a1: Float64Array, s: Float64Array, n: number, maxExponent: number): { amplitude: number; exponent: number } | null {
  const g = new Float64Array(n), ratio = new Float64Array(n), w = new Float64Array(n);
  const order = new Int32Array(n);
  let base = 0;
  for (let i = 0; i < n; i++) base += Math.abs(d[i]) / s[i];
  const evaluate = (alpha: number): { loss: number; A: number } => {
    let m = 0;
    for (let i = 0; i < n; i++) {
      g[i] = a1[i] ** alpha - a0[i] ** alpha;
      if (g[i] > 0) { ratio[m] = d[i] / g[i]; w[m] = g[i] / s[i]; m++; }
    }
    if (m === 0) return { loss: base, A: 0 };
    const A = Math.max(0, weightedMedian(ratio, w, m, order));
    let loss = 0;
    for (let i = 0; i < n; i++) loss += Math.abs(d[i] - A * g[i]) / s[i];
    return { loss, A };
  };
  let bestAlpha = 0, best = { loss: base, A: 0 };
  const steps = Math.max(1, Math.round(maxExponent / 0.05));
  for (let k = 1; k <= steps; k++) {
    const alpha = (k * maxExponent) / steps;
    const r = evaluate(alpha);
    if (r.loss < best.loss) { best = r; bestAlpha = alpha; }
  }
  if (bestAlpha === 0 || !(best.A > 0)) return null;
  let lo = Math.max(0.001, bestAlpha - 0.05), hi = Math.min(maxExponent, bestAlpha + 0.05);
  const phi = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
  let f1 = evaluate(x1), f2 = evaluate(x2);
  for (let it = 0; it < 25; it++) {
    if (f1.loss <= f2.loss) { hi = x2; x2 = x1; f2 = f1; x1 = hi - phi * (hi - lo); f1 = evaluate(x1); } else { lo = x1; x1 = x2; f1 = f2; x2 = lo + phi * (hi - lo); f2 = evaluate(x2); }
  }
  const fin = f1.loss <= f2.loss ? { a: x1, r: f1 } : { a: x2, r: f2 };
  if (fin.r.loss < best.loss && fin.r.A > 0) return { amplitude: fin.r.A, exponent: fin.a };
  return { amplitude: best.A, exponent: bestAlpha };
}

interface Bin {
  /** Frame indices of the members, increasing. */
  members: Int32Array;
  /** Lag range (for the transient pool's scale floor). */
  lnLagMin: number;
  lnLagMax: number;
}

/**
 * Running Hampel statistics over one bin, with iterative exclusion of members scoring >= minScore.
 * Writes centre[f] and scale[f] (normalised units) for each member frame f.
 */
function scoreBin(
  members: Int32Array, q: Float64Array, floor: Float64Array, halfWindow: number, minScore: number, both: boolean,
  iterations: number, minActive: number, centre: Float64Array, scale: Float64Array, z: Float64Array, scratch: Float64Array,
): void {
  const n = members.length;
  const width = 2 * halfWindow + 1;
  let active = Int32Array.from({ length: n }, (_, k) => k);
  const isActive = new Uint8Array(n).fill(1);
  // Only members near a change of the active set need new statistics in later passes.
  const dirty = new Uint8Array(n).fill(1);
  for (let it = 0; it < iterations; it++) {
    const na = active.length;
    let p = 0; // first active position >= k
    for (let k = 0; k < n; k++) {
      while (p < na && active[p] < k) p++;
      if (!dirty[k]) continue;
      let lo: number, hi: number;
      if (na <= width) { lo = 0; hi = na; } else {
        lo = Math.min(Math.max(0, p - halfWindow), na - width);
        hi = lo + width;
      }
      const m = hi - lo;
      for (let a = lo; a < hi; a++) scratch[a - lo] = q[members[active[a]]];
      const c = medianOf(scratch, m);
      for (let a = lo; a < hi; a++) scratch[a - lo] = Math.abs(q[members[active[a]]] - c);
      const s = Math.max(MAD_TO_SD * medianOf(scratch, m), floor[members[k]]);
      const f = members[k];
      centre[f] = c;
      scale[f] = s;
      z[f] = (q[f] - c) / s;
    }
    let kept = 0;
    dirty.fill(0);
    let changed = false;
    for (let k = 0; k < n; k++) {
      const zk = z[members[k]];
      const keep = (both ? Math.abs(zk) : zk) < minScore ? 1 : 0;
      kept += keep;
      if (keep !== isActive[k]) {
        changed = true;
        if (na <= width + 2) dirty.fill(1); else dirty.fill(1, Math.max(0, k - 2 * width), Math.min(n, k + 2 * width + 1));
      }
    }
    if (!changed || kept < minActive) break;
    const next = new Int32Array(kept);
    let j = 0;
    for (let k = 0; k < n; k++) {
      const zk = z[members[k]];
      isActive[k] = (both ? Math.abs(zk) : zk) < minScore ? 1 : 0;
      if (isActive[k]) next[j++] = k;
    }
    active = next;
  }
}

/** Avalanche candidates from jumps of an MSD series (see the method at the top of this file). */
export function detectJumps(params: JumpDetectionParams): JumpDetectionResult {
  const { msd, times } = params;
  const opt = {
    input: params.input ?? JUMP_DETECTION_DEFAULTS.input,
    minScore: params.minScore ?? JUMP_DETECTION_DEFAULTS.minScore,
    extendScore: params.extendScore ?? JUMP_DETECTION_DEFAULTS.extendScore,
    direction: params.direction ?? JUMP_DETECTION_DEFAULTS.direction,
    origin: params.origin ?? JUMP_DETECTION_DEFAULTS.origin,
    youngRatio: params.youngRatio ?? JUMP_DETECTION_DEFAULTS.youngRatio,
    halfWindow: params.halfWindow ?? JUMP_DETECTION_DEFAULTS.halfWindow,
    minGroup: params.minGroup ?? JUMP_DETECTION_DEFAULTS.minGroup,
    background: params.background ?? JUMP_DETECTION_DEFAULTS.background,
    iterations: params.iterations ?? JUMP_DETECTION_DEFAULTS.iterations,
    persistFrames: params.persistFrames ?? JUMP_DETECTION_DEFAULTS.persistFrames,
    persistFraction: params.persistFraction ?? JUMP_DETECTION_DEFAULTS.persistFraction,
    ballisticSlope: params.ballisticSlope ?? JUMP_DETECTION_DEFAULTS.ballisticSlope,
    maxExponent: params.maxExponent ?? JUMP_DETECTION_DEFAULTS.maxExponent,
    minStep: params.minStep ?? JUMP_DETECTION_DEFAULTS.minStep,
  };
  const F = msd.length;
  if (times.length !== F) throw new RangeError(`detectJumps: ${F} MSD values but ${times.length} times`);
  if (!(opt.minScore > 0) || !(opt.extendScore > 0) || opt.extendScore > opt.minScore) {
    throw new RangeError(`detectJumps: need 0 < extendScore (${opt.extendScore}) <= minScore (${opt.minScore})`);
  }
  if (!Number.isInteger(opt.origin) || opt.origin < 0) throw new RangeError(`detectJumps: origin ${opt.origin} is not a frame index`);
  if (!Number.isInteger(opt.halfWindow) || opt.halfWindow < 1) throw new RangeError('detectJumps: halfWindow must be an integer >= 1');
  if (!Number.isInteger(opt.minGroup) || opt.minGroup < 3) throw new RangeError('detectJumps: minGroup must be an integer >= 3');
  if (!(opt.youngRatio > 0)) throw new RangeError('detectJumps: youngRatio must be > 0');
  if (!(opt.ballisticSlope > 0)) throw new RangeError(`detectJumps: ballisticSlope ${opt.ballisticSlope} must be > 0 (Infinity: no ballistic regime)`);
  if (!(opt.maxExponent > 0 && opt.maxExponent <= 2)) throw new RangeError(`detectJumps: maxExponent ${opt.maxExponent} must be in (0, 2]`);
  if (opt.input !== 'msd' && opt.input !== 'steps') throw new RangeError(`detectJumps: input ${String(opt.input)} must be msd or steps`);
  if (!(opt.minStep >= 0 && opt.minStep < Infinity)) throw new RangeError(`detectJumps: minStep ${opt.minStep} must be a finite number >= 0`);
  if (opt.minStep > 0 && opt.input !== 'steps') throw new RangeError('detectJumps: minStep sizes a step series (input \'steps\'); an MSD from an origin has no size per frame');
  const steps = opt.input === 'steps';
  const both = opt.direction === 'both';
  const origin = opt.origin;

  const scores = new Float64Array(F);
  const expected = new Float64Array(F).fill(NaN);
  const valid = new Uint8Array(F);
  const status = new Uint8Array(F);
  const d = new Float64Array(F);
  const lag = new Float64Array(F);
  const young = new Uint8Array(F);
  const t0 = origin < F ? times[origin] : NaN;

  // 1. Increments.
  let maxAbs = 0;
  for (let f = 0; f < F; f++) if (Number.isFinite(msd[f])) maxAbs = Math.max(maxAbs, Math.abs(msd[f]));
  const usable = new Uint8Array(F);
  for (let f = 0; f < F; f++) {
    if (f <= origin) { status[f] = JumpFrameStatus.noIncrement; continue; }
    if (!Number.isFinite(msd[f]) || (!steps && !Number.isFinite(msd[f - 1])) || !Number.isFinite(times[f]) || !Number.isFinite(times[f - 1]) || !Number.isFinite(t0)) {
      status[f] = JumpFrameStatus.missing;
      continue;
    }
    lag[f] = times[f] - times[f - 1];
    if (!(lag[f] > 0)) { status[f] = JumpFrameStatus.timeNotIncreasing; continue; }
    d[f] = steps ? msd[f] : msd[f] - msd[f - 1];
    young[f] = !steps && lag[f] > opt.youngRatio * (times[f - 1] - t0) ? 1 : 0;
    usable[f] = 1;
  }

  // 1b. Ballistic regime: the first frames after the origin while the MSD rises with a log-log slope >= ballisticSlope
  // (at least BALLISTIC_MIN_PAIRS consecutive pairs, so that noise on a linear rise does not make one); increments whose
  // lag is within that time are not scored anywhere in the series.
  let ballisticLag = 0;
  if (!steps && Number.isFinite(opt.ballisticSlope)) {
    let pairs = 0, reach = 0;
    for (let f = origin + 1; f < F && usable[f] && young[f]; f++) {
      const a0 = times[f - 1] - t0, a1 = times[f] - t0;
      if (!(a0 > 0) || !(msd[f - 1] > 0)) continue; // the first increment starts at the origin itself
      if (!(msd[f] > 0) || Math.log(msd[f] / msd[f - 1]) / Math.log(a1 / a0) < opt.ballisticSlope) break;
      pairs++;
      reach = a1;
    }
    if (pairs >= BALLISTIC_MIN_PAIRS) ballisticLag = reach;
  }
  const ballistic = new Uint8Array(F);
  if (ballisticLag > 0) {
    for (let f = 0; f < F; f++) {
      if (usable[f] && lag[f] <= ballisticLag * (1 + LAG_REL_TOL)) { ballistic[f] = 1; status[f] = JumpFrameStatus.ballistic; }
    }
  }

  // 2. Lag groups of aged increments (frames sorted by lag, split where the lag changes).
  const aged: number[] = [];
  for (let f = 0; f < F; f++) if (usable[f] && !young[f] && !ballistic[f]) aged.push(f);
  aged.sort((a, b) => lag[a] - lag[b] || a - b);
  const groups: number[][] = [];
  for (const f of aged) {
    const g = groups[groups.length - 1];
    if (g && lag[f] - lag[g[0]] <= LAG_REL_TOL * lag[g[0]]) g.push(f); else groups.push([f]);
  }
  const scratch = new Float64Array(Math.max(F, 2 * opt.halfWindow + 1));
  const absFloor = 1e-9 * maxAbs + 1e-300;

  // 3. Power-law background, fitted on the aged increments (robust L1, so jumps count as outliers; α = 0 = none).
  let background: { amplitude: number; exponent: number } | null = null;
  const e = new Float64Array(F);
  if (!steps && opt.background === 'power-law' && aged.length >= opt.minGroup) {
    const groupScale = new Float64Array(F);
    for (const g of groups) {
      for (let k = 0; k < g.length; k++) scratch[k] = d[g[k]];
      const c = medianOf(scratch, g.length);
      for (let k = 0; k < g.length; k++) scratch[k] = Math.abs(d[g[k]] - c);
      const s = Math.max(MAD_TO_SD * medianOf(scratch, g.length), absFloor);
      for (const f of g) groupScale[f] = s;
    }
    const byFrame = aged.slice().sort((a, b) => a - b);
    const n = Math.min(byFrame.length, MAX_BACKGROUND_POINTS);
    const dd = new Float64Array(n), a0 = new Float64Array(n), a1 = new Float64Array(n), sc = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const f = byFrame[Math.floor((k * (byFrame.length - 1)) / Math.max(1, n - 1))];
      dd[k] = d[f];
      a0[k] = Math.max(0, times[f - 1] - t0);
      a1[k] = Math.max(0, times[f] - t0);
      sc[k] = groupScale[f];
    }
    const fit = fitPowerLawIncrements(dd, a0, a1, sc, n, opt.maxExponent);
    if (fit) {
      background = fit;
      for (let f = origin + 1; f < F; f++) {
        if (!usable[f]) continue;
        e[f] = fit.amplitude * (Math.max(0, times[f] - t0) ** fit.exponent - Math.max(0, times[f - 1] - t0) ** fit.exponent);
      }
    }
  }
  const r = new Float64Array(F);
  for (let f = 0; f < F; f++) if (usable[f]) r[f] = d[f] - e[f];

  // Lag exponent β from the per-lag spread (groups of >= 3 members); only matters where small groups share a bin.
  let beta = 0;
  {
    const gx: number[] = [], gy: number[] = [];
    for (const g of groups) {
      if (g.length < 3) continue;
      for (let k = 0; k < g.length; k++) scratch[k] = r[g[k]];
      const c = medianOf(scratch, g.length);
      for (let k = 0; k < g.length; k++) scratch[k] = Math.abs(r[g[k]] - c);
      const mad = medianOf(scratch, g.length);
      if (mad > 0) { gx.push(Math.log(lag[g[0]])); gy.push(Math.log(mad)); }
    }
    if (gx.length >= 2) {
      const fit = theilSen(Float64Array.from(gx), Float64Array.from(gy), gx.length, 1e-9);
      if (fit) beta = Math.min(1, Math.max(0, fit.slope));
    }
  }
  const norm = new Float64Array(F); // Δ^β
  const q = new Float64Array(F);
  const floor = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    if (!usable[f]) continue;
    norm[f] = beta === 0 ? 1 : lag[f] ** beta;
    q[f] = r[f] / norm[f];
    floor[f] = absFloor / norm[f];
  }
  // Merge small groups with the following lags until each bin has minGroup members.
  const bins: Bin[] = [];
  let pending: number[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    pending = pending.concat(groups[gi]);
    if (pending.length >= opt.minGroup || gi === groups.length - 1) {
      if (pending.length < opt.minGroup && bins.length > 0) {
        const last = bins.pop() as Bin;
        pending = Array.from(last.members).concat(pending);
      }
      const members = Int32Array.from(pending).sort();
      let lo = Infinity, hi = -Infinity;
      for (const f of pending) { lo = Math.min(lo, lag[f]); hi = Math.max(hi, lag[f]); }
      bins.push({ members, lnLagMin: Math.log(lo), lnLagMax: Math.log(hi) });
      pending = [];
    }
  }

  // 4a. Robust running statistics in each aged bin.
  const centre = new Float64Array(F);
  const scale = new Float64Array(F);
  const z = new Float64Array(F);
  const scored = new Uint8Array(F);
  for (const bin of bins) {
    if (bin.members.length < opt.minGroup) continue; // only when all aged increments are fewer than minGroup
    scoreBin(bin.members, q, floor, opt.halfWindow, opt.minScore, both, opt.iterations, opt.minGroup, centre, scale, z, scratch);
    for (const f of bin.members) scored[f] = 1;
  }
  // 4b. Lag smoothness: a bin whose typical scale (MSD units) is below the median of itself and its two neighbouring
  // lags is raised to it. With ~10 members a MAD now and then comes out several times too small by chance; the noise
  // of an increment varies smoothly with the lag, so a lone dip is an estimation accident, not a quiet lag.
  {
    const typical = new Float64Array(bins.length);
    for (let b = 0; b < bins.length; b++) {
      const m = bins[b].members;
      if (!scored[m[0]]) { typical[b] = NaN; continue; }
      for (let k = 0; k < m.length; k++) scratch[k] = scale[m[k]] * norm[m[k]];
      typical[b] = medianOf(scratch, m.length);
    }
    const three = new Float64Array(3);
    for (let b = 1; b + 1 < bins.length; b++) {
      if (!(typical[b - 1] > 0 && typical[b] > 0 && typical[b + 1] > 0)) continue;
      three[0] = typical[b - 1]; three[1] = typical[b]; three[2] = typical[b + 1];
      const smooth = medianOf(three, 3);
      if (smooth > typical[b]) {
        const raise = smooth / typical[b];
        for (const f of bins[b].members) { scale[f] *= raise; z[f] = (q[f] - centre[f]) / scale[f]; }
      }
    }
  }

  // 5. Transient increments: expected growth = the larger of the local power law of the previous frames (log-log
  // extrapolation of MSD over f-3 .. f-1, exponent clamped to [0, 2]) and the background's increment; noise from the
  // aged bin of the nearest lag at its earliest member (times 1.25 for the extrapolation's own noise).
  const youngMembers: number[] = [];
  for (let f = 0; f < F; f++) if (usable[f] && young[f] && !ballistic[f]) youngMembers.push(f);
  const youngCentre = new Float64Array(F);
  for (const f of youngMembers) {
    const a1 = times[f - 1] - t0;
    let k = f - 3;
    if (k <= origin || !usable[k + 1] || !usable[k + 2] || !(msd[k] > 0)) k = f - 2;
    if (k <= origin || !usable[k + 1] || !(msd[k] > 0) || !(msd[f - 1] > 0) || !(a1 > 0)) continue;
    const ak = times[k] - t0;
    if (!(ak > 0) || !(a1 > ak)) continue;
    const slope = Math.min(2, Math.max(0, Math.log(msd[f - 1] / msd[k]) / Math.log(a1 / ak)));
    const predicted = Math.max(msd[f - 1] * (((times[f] - t0) / a1) ** slope - 1), e[f]);
    let best = Infinity, s = 0;
    const ll = Math.log(lag[f]);
    for (const bin of bins) {
      const m0 = bin.members[0];
      if (!scored[m0]) continue;
      const dist = ll < bin.lnLagMin ? bin.lnLagMin - ll : ll > bin.lnLagMax ? ll - bin.lnLagMax : 0;
      if (dist < best) { best = dist; s = scale[m0] * norm[f]; } // its earliest member: the nearest time
    }
    if (!(s > 0)) continue;
    youngCentre[f] = predicted;
    scale[f] = Math.max(TRANSIENT_NOISE_FACTOR * s, absFloor);
    z[f] = (d[f] - predicted) / scale[f];
    scored[f] = 1;
  }

  let invalidCount = 0;
  for (let f = 0; f < F; f++) {
    if (scored[f]) {
      valid[f] = 1;
      scores[f] = z[f];
      expected[f] = young[f] ? youngCentre[f] : e[f] + centre[f] * norm[f];
    } else if (f > origin) {
      if (usable[f] && !ballistic[f]) status[f] = JumpFrameStatus.tooFewPeers;
      invalidCount++;
    }
  }

  // 6. Events: runs above extendScore holding a peak above minScore.
  const candidates: JumpCandidate[] = [];
  if (steps && opt.minStep > 0) {
    // 0b. Size: each step >= minStep is a candidate of its own (a step is one interval between two minima).
    for (let k = origin + 1; k < F; k++) {
      if (usable[k] && d[k] >= opt.minStep) candidates.push({ frame: k, score: d[k] / opt.minStep, before: k - 1, after: k, size: d[k], retained: 1 });
    }
    return { candidates, scores, expected, valid, status, invalidCount, background, lagExponent: beta, ballisticLag, params: opt };
  }
  const strength = (f: number) => (valid[f] ? (both ? Math.abs(scores[f]) : scores[f]) : -Infinity);
  let f = 0;
  while (f < F) {
    if (strength(f) < opt.extendScore) { f++; continue; }
    let end = f;
    while (end + 1 < F && strength(end + 1) >= opt.extendScore) end++;
    let peak = f;
    for (let k = f; k <= end; k++) if (strength(k) > strength(peak)) peak = k;
    if (strength(peak) >= opt.minScore) {
      let size = 0;
      for (let k = f; k <= end; k++) size += d[k] - expected[k];
      if (steps) {
        // A step series has no level to fall back to: a move back between minima is an event of its own (METHOD, 0).
        candidates.push({ frame: peak, score: scores[peak], before: f - 1, after: end, size, retained: 1 });
        f = end + 1;
        continue;
      }
      // Persistence: the MSD excess over the expected growth since `before`, median over the next persistFrames
      // frames, keeps >= persistFraction of the excess at `after`. Expected growth here is the aged increments' (or the
      // background's on transient frames, whose local extrapolation would already contain the jump).
      const growth = (k: number) => (!usable[k] ? 0 : young[k] || !valid[k] ? e[k] : expected[k]);
      let cum = 0;
      for (let k = f; k <= end; k++) cum += growth(k);
      const excessAfter = msd[end] - msd[f - 1] - cum;
      let m = 0;
      for (let g = end + 1; g < F && m < opt.persistFrames; g++) {
        cum += growth(g);
        if (Number.isFinite(msd[g])) scratch[m++] = msd[g] - msd[f - 1] - cum;
      }
      const ratio = m > 0 ? medianOf(scratch, m) / excessAfter : NaN;
      const retained = Number.isFinite(ratio) ? ratio : 1;
      if (opt.persistFraction <= 0 || retained >= opt.persistFraction) {
        candidates.push({ frame: peak, score: scores[peak], before: f - 1, after: end, size, retained });
      }
    }
    f = end + 1;
  }

  return {
    candidates,
    scores,
    expected,
    valid,
    status,
    invalidCount,
    background,
    lagExponent: beta,
    ballisticLag,
    params: opt,
  };
}
