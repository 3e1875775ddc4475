// Energy minimizers over a generic objective: FIRE 2.0, Polak-Ribiere conjugate gradient and steepest descent.
// Pure (no Node, no DOM). Each minimizer moves `x` in place and returns a MinimizeResult.
//
// The objective is any differentiable function of a flat coordinate array: `energyAndForces(x, f)` returns U(x) and
// writes f = -grad U(x). It may keep internal caches (neighbour lists) keyed on the x it is given, but must not modify x.
//
// Convergence: by default max_i |F_i| < ftol, where F_i is the force on particle i (`dofsPerParticle` consecutive
// components; 1 = the largest absolute component). `criterion: 'two'` uses the Euclidean norm of the whole force vector
// instead, which is LAMMPS's default (`min_modify norm two`) and the stricter test.

export interface Objective {
  /** Degrees of freedom (length of x and f). */
  readonly n: number;
  /** U(x); writes the forces f = -grad U(x) (length n, overwritten). Must not modify x. */
  energyAndForces(x: Float64Array, f: Float64Array): number;
  /** Components per particle for the max-force criterion and the step limit (default 1). */
  readonly dofsPerParticle?: number;
}

export type ForceCriterion = 'max' | 'two';

export type StopReason =
  | 'ftol' // converged
  | 'maxIterations'
  | 'lineSearch' // CG: no acceptable step along a fresh steepest-descent direction
  | 'uphill' // FIRE: too many consecutive uphill steps (P <= 0)
  | 'stepTooSmall' // SD: the step size underflowed
  | 'nonFinite' // the objective returned NaN or infinity
  | 'stopped'; // onIteration returned false

export interface MinimizeResult {
  converged: boolean;
  reason: StopReason;
  iterations: number;
  forceEvaluations: number;
  /** U at the returned x. */
  energy: number;
  /** max_i |F_i| at the returned x (per particle, see Objective.dofsPerParticle). */
  maxForce: number;
  /** Euclidean norm of the whole force vector at the returned x. */
  forceNorm: number;
}

export interface SdResult extends MinimizeResult {
  /** Overdamped time elapsed: the sum of the accepted step sizes. */
  time: number;
}

export interface MinimizeOptions {
  /** Force tolerance (default 1e-10). */
  ftol?: number;
  /** 'max' (default): max_i |F_i| < ftol; 'two': |F| < ftol (LAMMPS norm two). */
  criterion?: ForceCriterion;
  /** Maximum number of iterations (default 100 000). */
  maxIterations?: number;
  /** Largest displacement of one particle in one iteration (LAMMPS dmax; default 0.1). */
  maxStep?: number;
  /** Called after every iteration; return false to stop (reason 'stopped'). */
  onIteration?: (iteration: number, energy: number, maxForce: number) => boolean | void;
}

export interface FireOptions extends MinimizeOptions {
  /** Initial time step (default 0.005). */
  dt?: number;
  /** Largest time step (default 10 dt). */
  dtMax?: number;
  /** Smallest time step (default 0.02 dt). */
  dtMin?: number;
  /** Steps with P > 0 before dt may grow (default 20). */
  nDelay?: number;
  /** dt growth factor (default 1.1). */
  fInc?: number;
  /** dt shrink factor on P <= 0 (default 0.5). */
  fDec?: number;
  /** Initial mixing parameter (default 0.25). */
  alpha0?: number;
  /** alpha decay factor (default 0.99). */
  fAlpha?: number;
  /** Move back half a step on P <= 0 (FIRE 2.0's inertia correction; default true). */
  halfStepBack?: boolean;
  /** Do not shrink dt during the first nDelay steps (FIRE 2.0; default true). */
  initialDelay?: boolean;
  /** Stop after this many consecutive P <= 0 steps (default 2000). */
  maxUphill?: number;
}

export interface CgOptions extends MinimizeOptions {
  /** Curvature condition of the line search: |phi'(a)| <= c2 |phi'(0)| (default 0.05). */
  c2?: number;
  /** Restart with the steepest-descent direction every this many iterations (default n). */
  restartEvery?: number;
  /** Largest number of evaluations per line search (default 30). */
  maxLineSearch?: number;
}

export interface SdFrameInfo {
  /** 0 for the starting configuration, then 1, 2, ... */
  index: number;
  /** Overdamped time since the start: the sum of the accepted step sizes (|dx|/|grad U| per step). */
  time: number;
  energy: number;
  /** max_i |F_i| at this frame. */
  maxForce: number;
  /** Iterations (accepted steps) so far. */
  iteration: number;
}

export interface SdOptions extends MinimizeOptions {
  /** Initial step size alpha in x += alpha F (default 0.01). */
  step?: number;
  /** Largest step size alpha (default 1e3: effectively only the displacement limit and the acceptance test bound it). */
  maxStepSize?: number;
  /**
   * Acceptance test of a step: F(x_new) . F(x) >= rho |F(x)|^2, i.e. the slope along the step is still at least rho of
   * its initial value (default 0.5: a quadratic is then followed with alpha <= |F|^2/(F.H.F), no overshoot), and the
   * energy did not rise beyond round-off.
   */
  rho?: number;
  /** Step-size growth after an accepted step (default 1.2) and shrink after a rejected one (default 0.5). */
  grow?: number;
  shrink?: number;
  /**
   * Save frames equidistant in configuration space: a frame whenever sqrt(sum (x - x_lastFrame)^2) reaches this
   * distance (steps are shortened to land on it exactly). The starting configuration is frame 0.
   */
  frameSpacing?: number;
  /** Receives each frame (x is the live array: copy what you keep). */
  onFrame?: (x: Float64Array, info: SdFrameInfo) => void;
  /**
   * Continue the frame sequence and clock of an earlier run: distances are measured from `x` (its last frame), the next
   * frame is number index + 1, the clock starts at `time`, and no frame 0 is reported.
   */
  continueFrom?: { x: Float64Array; index: number; time: number };
}

const DEFAULT_FTOL = 1e-10;
const DEFAULT_MAX_ITERATIONS = 100_000;
const DEFAULT_MAX_STEP = 0.1;

interface Norms {
  /** max_i |F_i|^2 */
  max2: number;
  /** |F|^2 */
  sum2: number;
  /** F.v, |v|^2 and max_i |v_i|^2 (FIRE only). */
  p: number;
  vv: number;
  vmax2: number;
}

/** max_i |F_i|^2 and |F|^2 over groups of `stride` components. */
function forceNorms(f: Float64Array, n: number, stride: number, out: Norms): void {
  let m = 0, s = 0;
  if (stride === 2) {
    for (let i = 0; i < n; i += 2) {
      const a = f[i], b = f[i + 1];
      const q = a * a + b * b;
      s += q;
      if (q > m) m = q;
    }
  } else if (stride === 3) {
    for (let i = 0; i < n; i += 3) {
      const a = f[i], b = f[i + 1], c = f[i + 2];
      const q = a * a + b * b + c * c;
      s += q;
      if (q > m) m = q;
    }
  } else if (stride === 1) {
    for (let i = 0; i < n; i++) {
      const q = f[i] * f[i];
      s += q;
      if (q > m) m = q;
    }
  } else {
    for (let i = 0; i < n; i += stride) {
      let q = 0;
      for (let k = 0; k < stride; k++) q += f[i + k] * f[i + k];
      s += q;
      if (q > m) m = q;
    }
  }
  out.max2 = m;
  out.sum2 = s;
}

/** forceNorms plus P = F.v and |v|^2 in the same pass (FIRE). */
function fireStats(f: Float64Array, v: Float64Array, n: number, stride: number, out: Norms): void {
  let m = 0, s = 0, p = 0, vv = 0, vm = 0;
  if (stride === 2) {
    for (let i = 0; i < n; i += 2) {
      const a = f[i], b = f[i + 1], va = v[i], vb = v[i + 1];
      const q = a * a + b * b;
      const w = va * va + vb * vb;
      s += q;
      if (q > m) m = q;
      p += a * va + b * vb;
      vv += w;
      if (w > vm) vm = w;
    }
  } else {
    for (let i = 0; i < n; i += stride) {
      let q = 0, w = 0;
      for (let k = 0; k < stride; k++) {
        const a = f[i + k], va = v[i + k];
        q += a * a;
        p += a * va;
        w += va * va;
      }
      s += q;
      if (q > m) m = q;
      vv += w;
      if (w > vm) vm = w;
    }
  }
  out.max2 = m;
  out.sum2 = s;
  out.p = p;
  out.vv = vv;
  out.vmax2 = vm;
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

interface Common {
  n: number;
  stride: number;
  ftol2: number;
  two: boolean;
  maxIterations: number;
  maxStep: number;
  onIteration: MinimizeOptions['onIteration'];
}

function common(objective: Objective, x: Float64Array, options: MinimizeOptions): Common {
  const n = objective.n;
  if (x.length !== n) throw new RangeError(`minimize: x has ${x.length} components, the objective ${n}`);
  const stride = objective.dofsPerParticle ?? 1;
  if (!(stride >= 1) || n % stride !== 0) throw new RangeError(`minimize: ${n} components do not split into particles of ${stride}`);
  const ftol = options.ftol ?? DEFAULT_FTOL;
  if (!(ftol > 0)) throw new RangeError(`minimize: ftol must be positive (got ${ftol})`);
  return {
    n, stride, ftol2: ftol * ftol, two: options.criterion === 'two',
    maxIterations: options.maxIterations ?? DEFAULT_MAX_ITERATIONS,
    maxStep: options.maxStep ?? DEFAULT_MAX_STEP,
    onIteration: options.onIteration,
  };
}

function result(converged: boolean, reason: StopReason, iterations: number, evals: number, energy: number, norms: Norms): MinimizeResult {
  return {
    converged, reason, iterations, forceEvaluations: evals, energy,
    maxForce: Math.sqrt(norms.max2), forceNorm: Math.sqrt(norms.sum2),
  };
}

function isConverged(c: Common, norms: Norms): boolean {
  return (c.two ? norms.sum2 : norms.max2) < c.ftol2;
}

/**
 * FIRE 2.0 (Guenole et al., Comput. Mater. Sci. 175, 109584 (2020)) with the semi-implicit Euler integrator, the
 * half step back and the initial delay, as in LAMMPS `min_style fire` (unit masses): on P = F.v > 0 the velocity is
 * mixed towards the force, v <- (1 - alpha) v + alpha |v|/|F| F, and after nDelay such steps dt grows by fInc (up to
 * dtMax) and alpha decays by fAlpha; on P <= 0 dt shrinks by fDec (not below dtMin), alpha resets to alpha0, x moves back
 * by dt v / 2 and v is zeroed. The step is limited so that no particle moves further than maxStep. The defaults are
 * FIRE 2.0's; the original FIRE (Bitzek et al., PRL 97, 170201 (2006): nDelay 5, alpha0 0.1, no half step back, no
 * initial delay) is these options away, and took ~2.5 % more iterations on the WCA glass of the benchmark.
 */
export function fire(objective: Objective, x: Float64Array, options: FireOptions = {}): MinimizeResult {
  const c = common(objective, x, options);
  const { n, stride } = c;
  const dt0 = options.dt ?? 0.005;
  const dtMax = options.dtMax ?? 10 * dt0;
  const dtMin = options.dtMin ?? 0.02 * dt0;
  const nDelay = options.nDelay ?? 20;
  const fInc = options.fInc ?? 1.1;
  const fDec = options.fDec ?? 0.5;
  const alpha0 = options.alpha0 ?? 0.25;
  const fAlpha = options.fAlpha ?? 0.99;
  const halfStepBack = options.halfStepBack ?? true;
  const initialDelay = options.initialDelay ?? true;
  const maxUphill = options.maxUphill ?? 2000;
  const maxStep2 = c.maxStep * c.maxStep;

  const f = new Float64Array(n);
  const v = new Float64Array(n);
  const norms: Norms = { max2: 0, sum2: 0, p: 0, vv: 0, vmax2: 0 };
  let energy = objective.energyAndForces(x, f);
  let evals = 1;
  forceNorms(f, n, stride, norms);
  if (!Number.isFinite(energy) || !Number.isFinite(norms.sum2)) return result(false, 'nonFinite', 0, evals, energy, norms);
  if (isConverged(c, norms)) return result(true, 'ftol', 0, evals, energy, norms);

  let dt = dt0;
  let alpha = alpha0;
  let sinceNegative = 0; // steps since the last P <= 0 (LAMMPS ntimestep - last_negative)
  let uphill = 0;
  let vZero = true;
  for (let it = 1; it <= c.maxIterations; it++) {
    // P = F.v, |v|^2 and |F|^2 come from the pass after the last evaluation.
    const P = vZero ? 0 : norms.p, vv = vZero ? 0 : norms.vv;
    let scale1 = 1, scale2 = 0;
    sinceNegative++;
    if (P > 0) {
      uphill = 0;
      scale1 = 1 - alpha;
      scale2 = norms.sum2 > 1e-300 ? alpha * Math.sqrt(vv / norms.sum2) : 0;
      if (sinceNegative > nDelay) {
        dt = Math.min(dt * fInc, dtMax);
        alpha *= fAlpha;
      }
    } else {
      sinceNegative = 0;
      if (!(initialDelay && it <= nDelay)) {
        alpha = alpha0;
        if (dt * fDec >= dtMin) dt *= fDec;
      }
      if (++uphill > maxUphill) return result(false, 'uphill', it - 1, evals, energy, norms);
      if (!vZero) {
        if (halfStepBack) {
          const h = 0.5 * dt;
          for (let i = 0; i < n; i++) x[i] -= h * v[i];
          // The forces at the moved-back point (LAMMPS re-evaluates here too).
          energy = objective.energyAndForces(x, f);
          evals++;
          forceNorms(f, n, stride, norms);
        }
        v.fill(0);
        vZero = true;
      }
    }
    // Limit the step so that no particle moves further than maxStep (with v = dt F as the estimate after a reset).
    let dtv = dt;
    const vmax2 = vZero ? dt * dt * norms.max2 : norms.vmax2;
    if (dtv * dtv * vmax2 > maxStep2) dtv = c.maxStep / Math.sqrt(vmax2);
    // Semi-implicit Euler with the FIRE mixing.
    if (P > 0) {
      for (let i = 0; i < n; i++) {
        const fi = f[i];
        const vi = scale1 * (v[i] + dtv * fi) + scale2 * fi;
        v[i] = vi;
        x[i] += dtv * vi;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const vi = v[i] + dtv * f[i];
        v[i] = vi;
        x[i] += dtv * vi;
      }
    }
    vZero = false;
    energy = objective.energyAndForces(x, f);
    evals++;
    fireStats(f, v, n, stride, norms);
    if (!Number.isFinite(energy) || !Number.isFinite(norms.sum2)) return result(false, 'nonFinite', it, evals, energy, norms);
    if (isConverged(c, norms)) return result(true, 'ftol', it, evals, energy, norms);
    if (c.onIteration && c.onIteration(it, energy, Math.sqrt(norms.max2)) === false) return result(false, 'stopped', it, evals, energy, norms);
  }
  return result(false, 'maxIterations', c.maxIterations, evals, energy, norms);
}

/**
 * Nonlinear conjugate gradient, Polak-Ribiere with the PR+ reset (beta = max(0, F.(F - F_old)/|F_old|^2)), restarts
 * along the force every `restartEvery` iterations or when the direction is not downhill. The line search brackets the
 * zero of the directional derivative phi'(a) = -F(x + a d).d by secant steps (exact for a quadratic) and accepts a point
 * that satisfies the strong Wolfe conditions (energy decrease c1 = 1e-4, allowing round-off once the energy change is
 * below machine resolution, and |phi'(a)| <= c2 |phi'(0)|). The first trial step comes from the previous iteration's
 * step scaled by the ratio of slopes (Nocedal & Wright Eq. 3.60) and no particle moves further than maxStep per trial.
 */
export function conjugateGradient(objective: Objective, x: Float64Array, options: CgOptions = {}): MinimizeResult {
  const c = common(objective, x, options);
  const { n, stride } = c;
  const c1 = 1e-4;
  const c2 = options.c2 ?? 0.05;
  const restartEvery = options.restartEvery ?? n;
  const maxLs = options.maxLineSearch ?? 30;

  const f = new Float64Array(n);
  const fOld = new Float64Array(n);
  const d = new Float64Array(n);
  const norms: Norms = { max2: 0, sum2: 0, p: 0, vv: 0, vmax2: 0 };
  let energy = objective.energyAndForces(x, f);
  let evals = 1;
  forceNorms(f, n, stride, norms);
  if (!Number.isFinite(energy) || !Number.isFinite(norms.sum2)) return result(false, 'nonFinite', 0, evals, energy, norms);
  if (isConverged(c, norms)) return result(true, 'ftol', 0, evals, energy, norms);

  // d = F; phi'(0) = -F.d and max_i |d_i| come from the pass that builds d (and copies F to fOld).
  let slope0 = 0, dmax2 = 0;
  {
    const dir = setDirection(f, fOld, d, 0, n, stride);
    slope0 = dir.slope; dmax2 = dir.dmax2;
  }
  let sinceRestart = 0;
  let prevAlpha = 0; // accepted step of the previous line search and its phi'(0), for the initial step guess
  let prevSlope = 0;
  let freshDirection = true;
  for (let it = 1; it <= c.maxIterations; it++) {
    if (!(slope0 < 0)) {
      const dir = setDirection(f, fOld, d, 0, n, stride);
      slope0 = dir.slope; dmax2 = dir.dmax2;
      sinceRestart = 0;
      freshDirection = true;
    }
    const aCap = c.maxStep / Math.sqrt(dmax2);
    // Initial trial: previous accepted step scaled by the ratio of slopes; on the first step the maxStep cap.
    let a = prevAlpha > 0 ? Math.min(aCap, prevAlpha * (prevSlope / slope0)) : aCap;
    if (!(a > 0)) a = aCap;
    // Line search along d from x0 = x (trial points x0 + a d reached incrementally: x += (a - at) d).
    const e0 = energy;
    const eTol = 1e-14 * Math.max(Math.abs(e0), 1e-300) + 1e-300;
    let at = 0; // where x currently is along d
    let lo = 0, slopeLo = slope0, hi = Infinity, slopeHi = 0;
    let accepted = false;
    let bestA = 0, bestE = e0;
    for (let ls = 0; ls < maxLs; ls++) {
      const step = a - at;
      for (let i = 0; i < n; i++) x[i] += step * d[i];
      at = a;
      energy = objective.energyAndForces(x, f);
      evals++;
      if (!Number.isFinite(energy)) {
        hi = a; slopeHi = Infinity;
        a = lo + 0.1 * (a - lo);
        continue;
      }
      const slope = -dotAndNorms(f, d, n, stride, norms); // phi'(a); norms of F(x0 + a d)
      const de = energy - e0;
      const sufficient = de <= c1 * a * slope0 || Math.abs(de) <= eTol;
      if (sufficient && energy <= bestE + eTol) {
        if (energy < bestE || bestA === 0) { bestA = a; bestE = energy; }
        // Curvature condition met, or the step reached the displacement cap while still going downhill.
        if (Math.abs(slope) <= -c2 * slope0 || (slope <= 0 && a >= aCap * (1 - 1e-12))) { accepted = true; break; }
      }
      if (!sufficient || slope > 0) {
        hi = a; slopeHi = slope;
      } else {
        lo = a; slopeLo = slope;
      }
      // Next trial: secant on phi' inside the bracket (safeguarded), or extrapolation before one is found.
      let next: number;
      if (hi === Infinity) {
        next = slopeLo > slope0 ? lo - slopeLo * (lo / (slopeLo - slope0)) : 4 * lo; // secant through (0, phi'(0))
        next = Math.min(Math.max(next, 1.5 * lo), 4 * lo, aCap);
      } else if (slopeHi > 0 && Number.isFinite(slopeHi) && slopeHi > slopeLo) {
        next = lo - slopeLo * (hi - lo) / (slopeHi - slopeLo);
        const w = hi - lo;
        next = Math.min(Math.max(next, lo + 0.05 * w), hi - 0.05 * w);
      } else {
        next = 0.5 * (lo + hi);
      }
      a = next;
      if (hi !== Infinity && !(hi - lo > 1e-16 * hi)) break;
    }
    if (!accepted) {
      if (bestA === 0) {
        // No acceptable point: back to x0.
        for (let i = 0; i < n; i++) x[i] -= at * d[i];
        energy = objective.energyAndForces(x, f);
        evals++;
        forceNorms(f, n, stride, norms);
        if (freshDirection || !Number.isFinite(energy)) {
          const ok = Number.isFinite(energy) && isConverged(c, norms);
          if (!Number.isFinite(energy)) return result(false, 'nonFinite', it, evals, energy, norms);
          return result(ok, ok ? 'ftol' : 'lineSearch', it, evals, energy, norms);
        }
        // Retry along the force.
        const dir = setDirection(f, fOld, d, 0, n, stride);
        slope0 = dir.slope; dmax2 = dir.dmax2;
        sinceRestart = 0; freshDirection = true; prevAlpha = 0;
        continue;
      }
      if (at !== bestA) {
        // Back to the best point seen.
        const step = bestA - at;
        for (let i = 0; i < n; i++) x[i] += step * d[i];
        at = bestA;
        energy = objective.energyAndForces(x, f);
        evals++;
        forceNorms(f, n, stride, norms);
      }
    }
    prevAlpha = at;
    prevSlope = slope0;
    if (isConverged(c, norms)) return result(true, 'ftol', it, evals, energy, norms);
    if (c.onIteration && c.onIteration(it, energy, Math.sqrt(norms.max2)) === false) return result(false, 'stopped', it, evals, energy, norms);
    // New direction: Polak-Ribiere+ (beta = max(0, F.(F - F_old)/|F_old|^2)), restarting every restartEvery iterations.
    let num = 0, den = 0;
    for (let i = 0; i < n; i++) {
      const fi = f[i], fo = fOld[i];
      num += fi * (fi - fo);
      den += fo * fo;
    }
    let beta = den > 0 ? num / den : 0;
    if (!(beta > 0) || ++sinceRestart >= restartEvery) { beta = 0; sinceRestart = 0; }
    const dir = setDirection(f, fOld, d, beta, n, stride);
    slope0 = dir.slope; dmax2 = dir.dmax2;
    freshDirection = beta === 0;
  }
  return result(false, 'maxIterations', c.maxIterations, evals, energy, norms);
}

const direction = { slope: 0, dmax2: 0 };

/** d <- F + beta d, fOld <- F; returns phi'(0) = -F.d and max_i |d_i|^2 (one pass). */
function setDirection(f: Float64Array, fOld: Float64Array, d: Float64Array, beta: number, n: number, stride: number): typeof direction {
  let s = 0, m = 0;
  if (stride === 2) {
    for (let i = 0; i < n; i += 2) {
      const f0 = f[i], f1 = f[i + 1];
      const d0 = f0 + beta * d[i], d1 = f1 + beta * d[i + 1];
      d[i] = d0; d[i + 1] = d1;
      fOld[i] = f0; fOld[i + 1] = f1;
      s += f0 * d0 + f1 * d1;
      const q = d0 * d0 + d1 * d1;
      if (q > m) m = q;
    }
  } else {
    for (let i = 0; i < n; i += stride) {
      let q = 0;
      for (let k = 0; k < stride; k++) {
        const fi = f[i + k];
        const di = fi + beta * d[i + k];
        d[i + k] = di;
        fOld[i + k] = fi;
        s += fi * di;
        q += di * di;
      }
      if (q > m) m = q;
    }
  }
  direction.slope = -s;
  direction.dmax2 = m;
  return direction;
}

/** F.d, and the force norms into `out` (one pass). */
function dotAndNorms(f: Float64Array, d: Float64Array, n: number, stride: number, out: Norms): number {
  let s = 0, m = 0, t = 0;
  if (stride === 2) {
    for (let i = 0; i < n; i += 2) {
      const a = f[i], b = f[i + 1];
      s += a * d[i] + b * d[i + 1];
      const q = a * a + b * b;
      t += q;
      if (q > m) m = q;
    }
  } else {
    for (let i = 0; i < n; i += stride) {
      let q = 0;
      for (let k = 0; k < stride; k++) {
        const a = f[i + k];
        s += a * d[i + k];
        q += a * a;
      }
      t += q;
      if (q > m) m = q;
    }
  }
  out.max2 = m;
  out.sum2 = t;
  return s;
}

/**
 * Steepest descent x <- x + alpha F as an explicit Euler discretisation of overdamped dynamics dx/dt = F (unit
 * friction), so each accepted step advances the time by alpha = |dx|/|grad U|. The step size adapts: a step is accepted
 * when the slope along it is still at least rho of its initial value and the energy did not rise; then alpha grows by
 * `grow` (up to maxStepSize), else it shrinks by `shrink` and the step is retried. No particle moves further than maxStep
 * in one step. With frameSpacing, frames equidistant in configuration space are reported through onFrame.
 */
export function steepestDescent(objective: Objective, x: Float64Array, options: SdOptions = {}): SdResult {
  const c = common(objective, x, options);
  const { n, stride } = c;
  const rho = options.rho ?? 0.5;
  const grow = options.grow ?? 1.2;
  const shrink = options.shrink ?? 0.5;
  const alphaMax = options.maxStepSize ?? 1e3;
  const spacing = options.frameSpacing ?? 0;
  const onFrame = options.onFrame;
  if (spacing < 0 || !Number.isFinite(spacing)) throw new RangeError(`steepestDescent: frameSpacing must be >= 0 (got ${spacing})`);
  let alpha = options.step ?? 0.01;

  let xc = x; // current point (ends in x)
  let xn: Float64Array = new Float64Array(n); // trial point
  let f: Float64Array = new Float64Array(n);
  let fn: Float64Array = new Float64Array(n);
  const xFrame = spacing > 0 ? new Float64Array(n) : null;
  const norms: Norms = { max2: 0, sum2: 0, p: 0, vv: 0, vmax2: 0 };
  const trial: Norms = { max2: 0, sum2: 0, p: 0, vv: 0, vmax2: 0 };
  let energy = objective.energyAndForces(xc, f);
  let evals = 1;
  forceNorms(f, n, stride, norms);
  if (!Number.isFinite(energy) || !Number.isFinite(norms.sum2)) {
    return { ...result(false, 'nonFinite', 0, evals, energy, norms), time: options.continueFrom?.time ?? 0 };
  }
  const cont = options.continueFrom;
  let time = cont ? cont.time : 0;
  let frameIndex = cont ? cont.index + 1 : 0;
  if (xFrame) {
    if (cont) {
      if (cont.x.length !== n) throw new RangeError(`steepestDescent: continueFrom.x has ${cont.x.length} components, expected ${n}`);
      xFrame.set(cont.x);
    } else {
      xFrame.set(xc);
      onFrame?.(xc, { index: frameIndex++, time, energy, maxForce: Math.sqrt(norms.max2), iteration: 0 });
    }
  }
  const finish = (converged: boolean, reason: StopReason, it: number): SdResult => {
    if (xc !== x) x.set(xc);
    return { ...result(converged, reason, it, evals, energy, norms), time };
  };
  if (isConverged(c, norms)) return finish(true, 'ftol', 0);

  let it = 0;
  while (it < c.maxIterations) {
    // Step: alpha, limited by the displacement cap, shortened to land exactly on the next frame.
    let a = alpha;
    const capped = a * a * norms.max2 > c.maxStep * c.maxStep;
    if (capped) a = c.maxStep / Math.sqrt(norms.max2);
    let landing = false;
    if (xFrame) {
      // |x - xFrame + s F|^2 = spacing^2: q2 s^2 + 2 q1 s + (q0 - spacing^2) = 0 with q0 = |x - xF|^2, q1 = (x - xF).F.
      let q0 = 0, q1 = 0;
      for (let i = 0; i < n; i++) {
        const w = xc[i] - xFrame[i];
        q0 += w * w;
        q1 += w * f[i];
      }
      const q2 = norms.sum2;
      const cc = q0 - spacing * spacing;
      if (q2 > 0 && cc < 0) {
        const s = (-q1 + Math.sqrt(q1 * q1 - q2 * cc)) / q2;
        if (s <= a) { a = s; landing = true; }
      }
    }
    for (let i = 0; i < n; i++) xn[i] = xc[i] + a * f[i];
    const en = objective.energyAndForces(xn, fn);
    evals++;
    const slope = dot(fn, f, n);
    const eTol = 1e-14 * Math.abs(energy) + 1e-300;
    if (!(Number.isFinite(en) && slope >= rho * norms.sum2 && en <= energy + eTol)) {
      alpha = a * shrink;
      if (!(alpha * Math.sqrt(norms.max2) > 1e-300) || alpha === 0) return finish(false, 'stepTooSmall', it);
      continue;
    }
    it++;
    time += a;
    energy = en;
    let t = xc; xc = xn; xn = t;
    t = f; f = fn; fn = t;
    forceNorms(f, n, stride, trial);
    norms.max2 = trial.max2; norms.sum2 = trial.sum2;
    if (landing && xFrame) {
      xFrame.set(xc);
      onFrame?.(xc, { index: frameIndex++, time, energy, maxForce: Math.sqrt(norms.max2), iteration: it });
    }
    if (!landing && !capped) alpha = Math.min(a * grow, alphaMax);
    else if (capped) alpha = Math.max(alpha, a);
    if (isConverged(c, norms)) return finish(true, 'ftol', it);
    if (c.onIteration && c.onIteration(it, energy, Math.sqrt(norms.max2)) === false) return finish(false, 'stopped', it);
  }
  return finish(false, 'maxIterations', it);
}

export type MinimizerName = 'fire' | 'cg' | 'sd';

/** Dispatch by name (options of the chosen method apply; unknown fields are ignored). */
export function minimize(
  objective: Objective, x: Float64Array, method: MinimizerName, options: FireOptions & CgOptions & SdOptions = {},
): MinimizeResult {
  switch (method) {
    case 'fire': return fire(objective, x, options);
    case 'cg': return conjugateGradient(objective, x, options);
    case 'sd': return steepestDescent(objective, x, options);
    default: throw new RangeError(`minimize: unknown method "${method as string}" (fire, cg, sd)`);
  }
}
