// Vogel-Fulcher-Tammann fit tau_alpha(T) = tau_0 exp[A / (T - T_0)] (fragility D = A / T_0), fitted as ln tau = ln tau_0 + A/(T - T_0),
// and the glass transition T_g where tau_alpha(T_g) = 10^6 (Jha & Sengupta Sec. II): T_g = T_0 + A / (ln 10^6 - ln tau_0). Pure.
//
// The fit is weighted least squares in ln tau. For a fixed T_0 the model is linear in (ln tau_0, A), so the fit scans T_0 over
// [0, min T) and solves the linear problem at each (variable projection), then refines the best T_0 by golden section. The
// covariance of (ln tau_0, A, T_0) is (J^T W J)^-1 at the optimum: with the standard errors of ln tau given ("absolute
// sigma", as scipy's curve_fit(absolute_sigma=True)), else scaled by chi^2 / (n - 3). The uncertainty of T_g propagates it
// linearly (delta method); it grows with the distance of the extrapolation, which the result states in decades of tau.

export interface VftFit {
  lnTau0: number;
  A: number;
  T0: number;
  /** Fragility D = A / T0 (Infinity when T0 = 0). */
  D: number;
  /** Covariance of (lnTau0, A, T0), row-major 3 x 3; null when singular. */
  covariance: number[] | null;
  chi2: number;
  /** Degrees of freedom n - 3. */
  dof: number;
  /** Whether the covariance uses the given standard errors as they are (true) or scaled by the residuals (false). */
  absoluteSigma: boolean;
  /** T0 hit the lower bound 0: the data look Arrhenius; the covariance is not a reliable uncertainty then. */
  atBound: boolean;
  /** Points used. */
  n: number;
}

export interface GlassTransition {
  /** T where the fitted tau reaches tauG; null when the fit never does (ln tauG <= ln tau0 or A <= 0). */
  Tg: number | null;
  /** One standard deviation of Tg by linear propagation of the fit's covariance; null when unavailable. */
  sigma: number | null;
  tauG: number;
  /** Decades of tau between the slowest measured relaxation and tauG (how far the fit is extrapolated). */
  extrapolationDecades: number;
}

/** ln tau of the fit at temperature T (NaN at or below T0). */
export function vftLnTau(fit: Pick<VftFit, 'lnTau0' | 'A' | 'T0'>, T: number): number {
  return T > fit.T0 ? fit.lnTau0 + fit.A / (T - fit.T0) : NaN;
}

interface Linear { a: number; A: number; chi2: number }

/** Weighted linear fit y = a + A x at fixed T0. */
function linearAt(T: readonly number[], y: readonly number[], w: readonly number[], T0: number): Linear {
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < T.length; i++) {
    const x = 1 / (T[i]! - T0);
    sw += w[i]!;
    sx += w[i]! * x;
    sy += w[i]! * y[i]!;
    sxx += w[i]! * x * x;
    sxy += w[i]! * x * y[i]!;
  }
  const det = sw * sxx - sx * sx;
  const A = (sw * sxy - sx * sy) / det;
  const a = (sy - A * sx) / sw;
  let chi2 = 0;
  for (let i = 0; i < T.length; i++) {
    const r = y[i]! - a - A / (T[i]! - T0);
    chi2 += w[i]! * r * r;
  }
  return { a, A, chi2 };
}

function invert3(m: number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, k] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * k - f * h, B = -(d * k - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) return null;
  const inv = [A, -(b * k - c * h), b * f - c * e, B, a * k - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d];
  return inv.map((v) => v / det);
}

/**
 * Fit VFT to (T, ln tau) with optional standard errors of ln tau (all given: absolute weights; any missing: unit weights
 * with the covariance scaled by the residuals). Needs 3 temperatures at least (4 for an uncertainty without standard errors).
 */
export function fitVft(T: readonly number[], lnTau: readonly number[], lnTauStderr?: readonly (number | null)[]): VftFit {
  const n = T.length;
  if (n !== lnTau.length) throw new RangeError(`fitVft: ${n} temperatures and ${lnTau.length} values`);
  if (n < 3) throw new RangeError(`fitVft: a VFT fit needs at least 3 temperatures with a relaxation time (got ${n})`);
  for (let i = 0; i < n; i++) {
    if (!(T[i]! > 0) || !Number.isFinite(lnTau[i]!)) throw new RangeError(`fitVft: point ${i} (T = ${T[i]}, ln tau = ${lnTau[i]}) is not a positive temperature with a finite ln tau`);
  }
  if (new Set(T).size !== n) throw new RangeError('fitVft: temperatures must differ');
  const absoluteSigma = lnTauStderr !== undefined && lnTauStderr.length === n && lnTauStderr.every((s) => s !== null && s > 0 && Number.isFinite(s));
  // A standard error of exactly 0 (identical replicas) would give one point infinite weight: absolute weights need them all positive.
  const w = absoluteSigma ? lnTauStderr!.map((s) => 1 / (s! * s!)) : T.map(() => 1);
  const Tmin = Math.min(...T);
  const hi = Tmin * (1 - 1e-9);
  // Scan T0 in [0, Tmin): denser near Tmin, where the fragile fits live.
  const steps = 600;
  let best = { T0: 0, fit: linearAt(T, lnTau, w, 0) };
  for (let s = 1; s < steps; s++) {
    const u = s / steps;
    const T0 = hi * (1 - (1 - u) * (1 - u));
    const fit = linearAt(T, lnTau, w, T0);
    if (Number.isFinite(fit.chi2) && fit.chi2 < best.fit.chi2) best = { T0, fit };
  }
  // Golden-section refinement within the neighbouring grid points.
  const grid = (u: number): number => hi * (1 - (1 - u) * (1 - u));
  const u0 = best.T0 === 0 ? 0 : 1 - Math.sqrt(1 - best.T0 / hi);
  let lo = grid(Math.max(0, u0 - 1 / steps));
  let up = grid(Math.min((steps - 1) / steps, u0 + 1 / steps));
  const phi = (Math.sqrt(5) - 1) / 2;
  const chi = (t0: number): number => linearAt(T, lnTau, w, t0).chi2;
  let c = up - phi * (up - lo), d = lo + phi * (up - lo);
  let fc = chi(c), fd = chi(d);
  for (let it = 0; it < 200 && up - lo > 1e-14 * Math.max(1, Tmin); it++) {
    if (fc < fd) {
      up = d; d = c; fd = fc; c = up - phi * (up - lo); fc = chi(c);
    } else {
      lo = c; c = d; fc = fd; d = lo + phi * (up - lo); fd = chi(d);
    }
  }
  const T0refined = (lo + up) / 2;
  const refined = linearAt(T, lnTau, w, T0refined);
  if (refined.chi2 <= best.fit.chi2) best = { T0: T0refined, fit: refined };
  const { a, A, chi2 } = best.fit;
  const T0 = best.T0;
  // Covariance from the Jacobian of ln tau = a + A/(T - T0): [1, x, A x^2].
  const M = new Array<number>(9).fill(0);
  for (let i = 0; i < n; i++) {
    const x = 1 / (T[i]! - T0);
    const J = [1, x, A * x * x];
    for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) M[3 * r + q]! += w[i]! * J[r]! * J[q]!;
  }
  let covariance = invert3(M);
  const dof = n - 3;
  if (covariance && !absoluteSigma) covariance = dof > 0 ? covariance.map((v) => (v * chi2) / dof) : null;
  return { lnTau0: a, A, T0, D: T0 > 0 ? A / T0 : Infinity, covariance, chi2, dof, absoluteSigma, atBound: T0 <= 0, n };
}

/** T_g where the fitted tau reaches tauG (default 10^6), with its propagated standard deviation. */
export function glassTransition(fit: VftFit, maxMeasuredTau: number, tauG = 1e6): GlassTransition {
  const L = Math.log(tauG);
  const extrapolationDecades = Math.log10(tauG / maxMeasuredTau);
  const gap = L - fit.lnTau0;
  if (!(gap > 0) || !(fit.A > 0)) return { Tg: null, sigma: null, tauG, extrapolationDecades };
  const Tg = fit.T0 + fit.A / gap;
  let sigma: number | null = null;
  if (fit.covariance && !fit.atBound) {
    const g = [fit.A / (gap * gap), 1 / gap, 1];
    let v = 0;
    for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) v += g[r]! * fit.covariance[3 * r + q]! * g[q]!;
    sigma = v >= 0 ? Math.sqrt(v) : null;
  }
  return { Tg, sigma, tauG, extrapolationDecades };
}
