// Continuum-elastic strain around a rearrangement and the fits of Zhang, Ridout & Liu, Appendices A and B (Fig. 3):
//  - Eq. A8 (infinite time, point plastic xy-shear source of unit strength): k = (nu - 1) sin 2theta / (2 pi r^2),
//    eps_xy = (1 + nu) cos 4theta / (2 pi r^2), (eps_xx - eps_yy)/2 = -(1 + nu) sin 4theta / (2 pi r^2), hence the total
//    deviatoric strain |l1 - l2| = (1 + nu) / (pi r^2), isotropic;
//  - Eq. A9 (point compression, finite time): k_C(r, t) = (1 + nu)/2 * exp(-r^2 / (4 D_L t)) / (4 pi D_L t);
//  - Eq. B4: k(r) = c_k int_{-inf}^0 exp(-alpha t'^2) k_C(r, t - t') dt' = c_k int_0^inf exp(-alpha s^2) k_C(r, t + s) ds;
//  - the fits: |k|, eps~ and |eps_xy| as c / r^2 (Appendix A, B1-B2), the angular amplitudes of cos 4theta / r^2 and
//    sin 2theta / r^2, a free power law, and (c_k, alpha) of Eq. B4 for the angle-averaged k(r).
// The paper's constants for its Hertzian system (Appendix B): lambda + 2 mu = 0.3533 (= D_L with eta = 1), nu = 0.3408,
// frame interval t ~ 100; fitted alpha = 6.1197e-5.

export const PAPER_ELASTIC = { nu: 0.3408, DL: 0.3533, t: 100 } as const;

/** Eq. A8: strain at (r, theta) from a unit point plastic xy-shear source, infinite time. */
export function eshelbyStrain(r: number, theta: number, nu: number): { k: number; epsXY: number; halfDiff: number; dev: number } {
  const r2 = 2 * Math.PI * r * r;
  return {
    k: ((nu - 1) * Math.sin(2 * theta)) / r2,
    epsXY: ((1 + nu) * Math.cos(4 * theta)) / r2,
    halfDiff: (-(1 + nu) * Math.sin(4 * theta)) / r2,
    dev: (1 + nu) / (Math.PI * r * r),
  };
}

/** Eq. A9: volumetric strain of a point compression source at time t (nu Poisson ratio, DL = (lambda + 2 mu)/eta). */
export function compressionK(r: number, t: number, nu: number, DL: number): number {
  if (!(t > 0)) return 0;
  return ((1 + nu) / 2) * Math.exp((-r * r) / (4 * DL * t)) / (4 * Math.PI * DL * t);
}

// Gauss-Legendre nodes and weights on [-1, 1], 8 points (composite below).
const GL8_X = [-0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498, 0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363];
const GL8_W = [0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620, 0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763];

/**
 * Eq. B4 without c_k: int_0^inf exp(-alpha s^2) k_C(r, t + s) ds. Substituting s = t (e^v - 1) (ds = (t + s) dv) makes the
 * integrand smooth on every scale of alpha; v runs to ln(1 + 6.5 / (t sqrt(alpha))) (exp(-alpha s^2) < 5e-19 beyond),
 * composite 8-point Gauss-Legendre with `panels` panels (default 64).
 */
export function convolvedCompressionK(r: number, p: { t: number; alpha: number; nu: number; DL: number }, panels = 64): number {
  if (!(p.alpha > 0)) throw new RangeError(`convolvedCompressionK: alpha must be positive, got ${p.alpha}`);
  if (!(p.t > 0)) throw new RangeError(`convolvedCompressionK: t must be positive, got ${p.t}`);
  const V = Math.log1p(6.5 / (p.t * Math.sqrt(p.alpha))), h = V / panels;
  let sum = 0;
  for (let q = 0; q < panels; q++) {
    const mid = (q + 0.5) * h, half = 0.5 * h;
    for (let g = 0; g < 8; g++) {
      const v = mid + half * GL8_X[g];
      const tau = p.t * Math.exp(v), s = tau - p.t;
      sum += GL8_W[g] * half * Math.exp(-p.alpha * s * s) * compressionK(r, tau, p.nu, p.DL) * tau;
    }
  }
  return sum;
}

export interface PrefactorFit {
  /** y ~ c / r^exponent: c = exp(mean(ln|y| + exponent ln r)) with the sign of the mean of y, over the points used. */
  readonly c: number;
  readonly exponent: number;
  /** Points used (finite, non-zero y inside [rMin, rMax]). */
  readonly points: number;
}

/** Prefactor of a fixed power law y = c / r^p fitted in log space (weights: optional, e.g. counts per bin). */
export function fitPrefactor(r: ArrayLike<number>, y: ArrayLike<number>, exponent = 2, range: [number, number] = [0, Infinity], weights?: ArrayLike<number>): PrefactorFit {
  let sw = 0, s = 0, sy = 0, n = 0;
  for (let k = 0; k < r.length; k++) {
    const w = weights ? weights[k] : 1;
    if (!(r[k] >= range[0] && r[k] <= range[1]) || !Number.isFinite(y[k]) || y[k] === 0 || !(w > 0)) continue;
    s += w * (Math.log(Math.abs(y[k])) + exponent * Math.log(r[k]));
    sw += w; sy += w * y[k]; n++;
  }
  return { c: n > 0 ? Math.sign(sy || 1) * Math.exp(s / sw) : NaN, exponent, points: n };
}

export interface PowerLawFit {
  /** |y| ~ c r^slope (least squares of ln|y| on ln r). */
  readonly c: number;
  readonly slope: number;
  readonly points: number;
}

/** Free power law |y| = c r^slope over [rMin, rMax] (log-log least squares, optional weights). */
export function fitPowerLaw(r: ArrayLike<number>, y: ArrayLike<number>, range: [number, number] = [0, Infinity], weights?: ArrayLike<number>): PowerLawFit {
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
  for (let k = 0; k < r.length; k++) {
    const w = weights ? weights[k] : 1;
    if (!(r[k] >= range[0] && r[k] <= range[1] && r[k] > 0) || !Number.isFinite(y[k]) || y[k] === 0 || !(w > 0)) continue;
    const X = Math.log(r[k]), Y = Math.log(Math.abs(y[k]));
    sw += w; sx += w * X; sy += w * Y; sxx += w * X * X; sxy += w * X * Y; n++;
  }
  if (n < 2) return { c: NaN, slope: NaN, points: n };
  const slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
  return { c: Math.exp((sy - slope * sx) / sw), slope, points: n };
}

/**
 * Amplitude A of y(r, theta) = A h(theta) / r^p over polar bins (least squares weighted by `weights`, e.g. counts):
 * A = sum w y f / sum w f^2 with f = h(theta) / r^p. Returns A and the fraction of the weighted variance explained.
 */
export function fitAngularAmplitude(
  r: ArrayLike<number>, theta: ArrayLike<number>, y: ArrayLike<number>, harmonic: (theta: number) => number, exponent = 2,
  range: [number, number] = [0, Infinity], weights?: ArrayLike<number>,
): { amplitude: number; explained: number; points: number } {
  let syf = 0, sff = 0, syy = 0, n = 0;
  for (let k = 0; k < r.length; k++) {
    const w = weights ? weights[k] : 1;
    if (!(r[k] >= range[0] && r[k] <= range[1] && r[k] > 0) || !Number.isFinite(y[k]) || !(w > 0)) continue;
    const f = harmonic(theta[k]) / Math.pow(r[k], exponent);
    syf += w * y[k] * f; sff += w * f * f; syy += w * y[k] * y[k]; n++;
  }
  const A = sff > 0 ? syf / sff : NaN;
  return { amplitude: A, explained: syy > 0 ? (A * syf) / syy : NaN, points: n };
}

export interface ConvolvedFit {
  readonly ck: number;
  readonly alpha: number;
  /** Sum of squared residuals at the optimum. */
  readonly residual: number;
  readonly points: number;
  /** alpha ended at an end of alphaRange: the data do not constrain it (e.g. <k>(r) too noisy or of the wrong sign). */
  readonly atBound: boolean;
}

/**
 * Fit of the angle-averaged k(r) by Eq. B4: c_k linear for each alpha, alpha by golden-section search on ln alpha in
 * `alphaRange` (default [1e-8, 1e-1]); t, nu, DL given (default the paper's).
 */
export function fitConvolvedK(
  r: ArrayLike<number>, k: ArrayLike<number>, options: { t?: number; nu?: number; DL?: number; alphaRange?: [number, number]; range?: [number, number]; weights?: ArrayLike<number> } = {},
): ConvolvedFit {
  const t = options.t ?? PAPER_ELASTIC.t, nu = options.nu ?? PAPER_ELASTIC.nu, DL = options.DL ?? PAPER_ELASTIC.DL;
  const [lo, hi] = options.range ?? [0, Infinity];
  const rs: number[] = [], ys: number[] = [], ws: number[] = [];
  for (let q = 0; q < r.length; q++) {
    const w = options.weights ? options.weights[q] : 1;
    if (r[q] >= lo && r[q] <= hi && Number.isFinite(k[q]) && w > 0) { rs.push(r[q]); ys.push(k[q]); ws.push(w); }
  }
  if (rs.length < 2) return { ck: NaN, alpha: NaN, residual: NaN, points: rs.length, atBound: false };
  const evaluate = (lnAlpha: number): { ck: number; res: number } => {
    const alpha = Math.exp(lnAlpha);
    const g = rs.map((x) => convolvedCompressionK(x, { t, alpha, nu, DL }, 32));
    let syg = 0, sgg = 0;
    for (let q = 0; q < g.length; q++) { syg += ws[q] * ys[q] * g[q]; sgg += ws[q] * g[q] * g[q]; }
    const ck = sgg > 0 ? syg / sgg : 0;
    let res = 0;
    for (let q = 0; q < g.length; q++) { const d = ys[q] - ck * g[q]; res += ws[q] * d * d; }
    return { ck, res };
  };
  const [aLo, aHi] = options.alphaRange ?? [1e-8, 1e-1];
  // A coarse scan first (the residual need not be unimodal over decades), then golden section around the best point.
  const steps = 40;
  let best = 0, bestRes = Infinity;
  const la = Math.log(aLo), lb = Math.log(aHi);
  for (let s = 0; s <= steps; s++) {
    const x = la + ((lb - la) * s) / steps;
    const e = evaluate(x);
    if (e.res < bestRes) { bestRes = e.res; best = x; }
  }
  const dx = (lb - la) / steps;
  let a = Math.max(la, best - dx), b = Math.min(lb, best + dx);
  const gr = (Math.sqrt(5) - 1) / 2;
  let c = b - gr * (b - a), d = a + gr * (b - a);
  let fc = evaluate(c).res, fd = evaluate(d).res;
  for (let it = 0; it < 60 && b - a > 1e-9; it++) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - gr * (b - a); fc = evaluate(c).res; } else { a = c; c = d; fc = fd; d = a + gr * (b - a); fd = evaluate(d).res; }
  }
  const x = 0.5 * (a + b);
  const e = evaluate(x);
  const atBound = x - la < 1e-6 * (lb - la) || lb - x < 1e-6 * (lb - la);
  return { ck: e.ck, alpha: Math.exp(x), residual: e.res, points: rs.length, atBound };
}
