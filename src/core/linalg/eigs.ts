// Sparse symmetric eigensolvers (pure: no Node, no DOM).
//  - `eigsNearShift`: the nev eigenpairs of A nearest a shift sigma, by shift-invert: a (block) Lanczos process on
//    OP = (A - sigma I)^-1 (sparse block LDL^T, ./ldl.ts) with full re-orthogonalisation (each new vector is swept
//    against the last blocks, then once against the whole basis by classical Gram-Schmidt, again only if that cancelled
//    much) and thick restarts in Krylov-Schur form (Stewart 2001; Wu & Simon 2000): the basis grows to maxBasis vectors,
//    convergence is tested on the projected matrix, and at a restart the best Ritz vectors are kept. The eigenvalues of
//    OP of largest magnitude (theta = 1/(lambda - sigma)) are those of A nearest sigma, as ARPACK's eigsh(sigma, 'LM').
//    Known null vectors (translations, isolated particles) can be deflated exactly. The factor's inertia counts the
//    eigenvalues of A below sigma, and a second factorisation checks that no copy of a repeated eigenvalue was missed.
//    Chosen by measurement on the N = 2000 glass (see tests/bench/modes.ts and the report of issue 11): block size 1
//    beat 2 and 4 (97 solves vs 116 and 152), and LOBPCG preconditioned by the same factorisation (block of 32) needed
//    23 iterations and 704 solves, seven times as many, before any cost of its larger Rayleigh-Ritz problems.
//  - `lanczosLargest`: the largest eigenvalue of a symmetric operator by plain Lanczos (lambda_max for tolerances).
import { blockCsrMultiply, type BlockCsr } from './block-sparse.js';
import { symmetricEigen, tridiagonalEigenLast, tridiagonalEigenvalues } from './dense.js';
import { ldlFactor, ldlSolve, ldlSymbolic, SingularPivotError, type LdlFactor, type LdlSymbolic } from './ldl.js';
import { mulberry32 } from '../util/random.js';

export interface Deflation {
  /** Orthonormal vectors (length n each) to keep out of the search space: exact null vectors of A. */
  vectors?: Float64Array[];
  /** Scalar degrees of freedom to keep at zero (their unit vectors are eigenvectors of A, e.g. isolated particles). */
  zeroDofs?: Int32Array;
}

export interface ShiftInvertOptions {
  sigma: number;
  /** Number of eigenpairs wanted (nearest sigma). */
  nev: number;
  /**
   * Block size of the Lanczos process (default 1, the fastest measured on the N = 2000 glass; a block of p vectors
   * resolves p-fold degenerate eigenvalues at once, larger multiplicities appear through round-off).
   */
  blockSize?: number;
  /**
   * Largest basis (default max(3 nev + 4 blockSize, nev + 8 blockSize), capped by the dimension: on the N = 2000 glass
   * the 32 wanted pairs then converge without a restart, which costs fewer operations than restarting a smaller basis).
   */
  maxBasis?: number;
  /** Convergence: Ritz residual ||OP x - theta x|| <= tol |theta| (default 1e-10), or below 512 ulps of ||OP||. */
  tol?: number;
  /** Give up after this many restarts (default 300). */
  maxRestarts?: number;
  deflate?: Deflation;
  /** Seed of the random start block (default 1). */
  seed?: number;
  /** A symbolic analysis of A's pattern to reuse (from ldlSymbolic). */
  symbolic?: LdlSymbolic;
  /** Also return the eigenvectors (default true). */
  vectors?: boolean;
  /**
   * Check by inertia that no eigenvalue inside the interval spanned by the result was missed (default true): one more
   * factorisation (two when A - sigma I is indefinite); a missed copy of a repeated eigenvalue is then searched for in
   * the orthogonal complement of the found vectors.
   */
  verify?: boolean;
}

export interface ShiftInvertResult {
  /** The shift actually used (sigma, moved slightly if A - sigma I was singular). */
  sigma: number;
  /** Eigenvalues of A, ascending. */
  values: Float64Array;
  /** Eigenvectors (unit norm), vector k at [k*n, (k+1)*n), in the order of `values`; empty when not asked for. */
  vectors: Float64Array;
  /** Residual norms ||A x - lambda x|| of the returned pairs (unit x), per value. */
  residuals: Float64Array;
  /** Eigenvalue counts of A - sigma I from the factorisation (negative = eigenvalues of A below sigma). */
  inertia: { negative: number; zero: number; positive: number };
  /** Applications of OP (linear solves, counted per vector), restarts, block size and basis size used. */
  solves: number;
  restarts: number;
  blockSize: number;
  maxBasis: number;
  /** Stored blocks of L. */
  factorBlocks: number;
  converged: boolean;
  /** Factorisations spent on the completeness check, and eigenpairs it recovered (missing copies of repeated ones). */
  verifyFactorizations: number;
  recovered: number;
}

/** Shift-invert eigenpairs of the symmetric block matrix A nearest sigma (see the module comment). */
export function eigsNearShift(A: BlockCsr, options: ShiftInvertOptions): ShiftInvertResult {
  const n = A.nb * A.b;
  const sym = options.symbolic ?? ldlSymbolic(A);
  let sigma = options.sigma;
  let F: LdlFactor | null = null;
  for (let attempt = 0; attempt < 6 && !F; attempt++) {
    try {
      F = ldlFactor(A, sym, sigma);
    } catch (e) {
      if (!(e instanceof SingularPivotError)) throw e;
      // Move the shift by a small, growing amount away from the singular value.
      sigma = sigma - (Math.abs(sigma) + 1e-8) * 0.01 * 10 ** attempt;
    }
  }
  if (!F) throw new Error(`eigsNearShift: A - sigma I is singular at every shift tried near ${options.sigma}`);
  const factor = F;
  const work = { buf: new Float64Array(0) };
  const op = (X: Float64Array, Y: Float64Array, p: number): void => {
    if (work.buf.length < n * p) work.buf = new Float64Array(n * p);
    ldlSolve(factor, X, Y, p, work.buf);
  };
  const deflVecs = options.deflate?.vectors ?? [];
  const zeroDofs = options.deflate?.zeroDofs ?? new Int32Array(0);
  let r = krylovSchur(op, n, { ...options, sigma }, 'magnitude');
  let solves = r.applications, restarts = r.restarts, verifyFactorizations = 0, recovered = 0;
  // Completeness by inertia: a single-vector Krylov space holds one copy of a repeated eigenvalue (more only through
  // round-off), so a copy may be missing. Count the eigenvalues in the interval the result spans with Sylvester's law
  // (factorisations at its ends) and search the orthogonal complement of the found vectors for any missing ones.
  const verify = options.verify !== false;
  for (let round = 0; verify && r.converged && round < 4; round++) {
    const nFound = r.theta.length;
    if (nFound === 0 || nFound >= n - deflVecs.length - zeroDofs.length) break;
    let radius = 0;
    for (const t of r.theta) radius = Math.max(radius, Math.abs(1 / t));
    // Ends just outside the farthest found eigenvalue (relative margin well above the solver's accuracy).
    const rad = radius * (1 + 1e-7) + 1e-300;
    const hi = inertiaBelow(A, sym, sigma + rad);
    const lo = factor.inertia.negative === 0 ? 0 : inertiaBelow(A, sym, sigma - rad);
    verifyFactorizations += factor.inertia.negative === 0 ? 1 : 2;
    // The deflated directions are null vectors (eigenvalue 0): count those inside the interval.
    const deflatedInside = Math.abs(sigma) < rad ? deflVecs.length + zeroDofs.length : 0;
    const missing = hi - lo - deflatedInside - nFound;
    if (missing <= 0) break;
    const extra = krylovSchur(op, n, {
      ...options, sigma, nev: missing, seed: (options.seed ?? 1) + 101 * (round + 1),
      deflate: { zeroDofs, vectors: [...deflVecs, ...Array.from({ length: nFound }, (_, k) => r.vectors.subarray(k * n, (k + 1) * n))] },
    }, 'magnitude');
    solves += extra.applications;
    restarts += extra.restarts;
    recovered += extra.theta.length;
    const theta = new Float64Array(nFound + extra.theta.length);
    theta.set(r.theta);
    theta.set(extra.theta, nFound);
    const vecs = new Float64Array(theta.length * n);
    vecs.set(r.vectors);
    vecs.set(extra.vectors, nFound * n);
    const res = new Float64Array(theta.length);
    res.set(r.residuals);
    res.set(extra.residuals, nFound);
    r = { ...r, theta, vectors: vecs, residuals: res, converged: extra.converged };
  }
  const order = Array.from(r.theta.keys());
  const lambda = r.theta.map((t) => sigma + 1 / t);
  order.sort((a, b) => lambda[a] - lambda[b]);
  const values = new Float64Array(order.length), residuals = new Float64Array(order.length);
  const want = options.vectors !== false;
  const vectors = new Float64Array(want ? order.length * n : 0);
  const ax = new Float64Array(n);
  order.forEach((k, i) => {
    values[i] = lambda[k];
    const x = r.vectors.subarray(k * n, (k + 1) * n);
    // The true residual ||A x - lambda x|| (one product per pair).
    blockCsrMultiply(A, x, ax);
    let s = 0;
    for (let j = 0; j < n; j++) { const d = ax[j] - lambda[k] * x[j]; s += d * d; }
    residuals[i] = Math.sqrt(s);
    if (want) vectors.set(x, i * n);
  });
  return {
    sigma, values, vectors, residuals, inertia: factor.inertia, solves, restarts,
    blockSize: r.blockSize, maxBasis: r.maxBasis, factorBlocks: sym.nnzBlocks, converged: r.converged,
    verifyFactorizations, recovered,
  };
}

/** The number of eigenvalues of A below tau (inertia of A - tau I), moving tau by tiny steps off a singular point. */
function inertiaBelow(A: BlockCsr, sym: LdlSymbolic, tau: number): number {
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      return ldlFactor(A, sym, tau).inertia.negative;
    } catch (e) {
      if (!(e instanceof SingularPivotError)) throw e;
      tau += (Math.abs(tau) + 1e-12) * 1e-9 * 10 ** attempt;
    }
  }
  throw new Error(`eigsNearShift: A - tau I is singular at every shift tried near ${tau}`);
}

interface KrylovResult {
  theta: Float64Array;
  vectors: Float64Array;
  residuals: Float64Array;
  applications: number;
  restarts: number;
  blockSize: number;
  maxBasis: number;
  converged: boolean;
}

const EPS = 2 ** -52;

type BlockOperator = (X: Float64Array, Y: Float64Array, p: number) => void;

/**
 * Block Krylov-Schur for a symmetric operator: the nev eigenpairs of largest |theta| ('magnitude') or largest theta
 * ('largest'). Vectors are stored contiguously (vector j at [j*n, (j+1)*n)).
 */
function krylovSchur(op: BlockOperator, n: number, o: ShiftInvertOptions, which: 'magnitude' | 'largest'): KrylovResult {
  const defl = o.deflate ?? {};
  const dvecs = defl.vectors ?? [];
  const zeroDofs = defl.zeroDofs ?? new Int32Array(0);
  const nEff = n - dvecs.length - zeroDofs.length;
  const nev = Math.min(o.nev, nEff);
  if (nev <= 0) {
    return { theta: new Float64Array(0), vectors: new Float64Array(0), residuals: new Float64Array(0), applications: 0, restarts: 0, blockSize: 0, maxBasis: 0, converged: true };
  }
  const p = Math.max(1, Math.min(o.blockSize ?? 1, nEff));
  let mMax = o.maxBasis ?? Math.max(3 * nev + 4 * p, nev + 8 * p);
  mMax = Math.min(nEff, Math.max(mMax, nev + p));
  // Whole blocks only; the basis may end with a partial last block only when it spans the whole space.
  if (mMax < nEff) mMax = Math.max(p * Math.ceil((nev + p) / p), p * Math.floor(mMax / p));
  mMax = Math.min(mMax, nEff);
  const tol = o.tol ?? 1e-10;
  const maxRestarts = o.maxRestarts ?? 300;
  const rand = mulberry32((o.seed ?? 1) >>> 0);

  const V = new Float64Array((mMax + p) * n); // basis, then the residual block
  const T = new Float64Array(mMax * mMax);
  const C = new Float64Array((mMax + p) * p);
  const Bq = new Float64Array(p * p);
  const W = new Float64Array(p * n);
  const cs = new Float64Array(mMax + p);
  let applications = 0;

  const project = (off: number): void => {
    for (const d of dvecs) axpy(-dot(d, 0, W, off, n), d, 0, W, off, n);
    for (let k = 0; k < zeroDofs.length; k++) W[off + zeroDofs[k]] = 0;
  };
  /** Modified Gram-Schmidt of W's vector at `off` against V[from:to], adding the coefficients to C[j][col]. */
  const sweep = (off: number, from: number, to: number, col: number, coef: boolean): void => {
    for (let j = from; j < to; j++) {
      const s = dot(V, j * n, W, off, n);
      if (coef) C[j * p + col] += s;
      axpy(-s, V, j * n, W, off, n);
    }
  };
  /**
   * Orthonormalise the p vectors in W against V[0:m] and among themselves, writing them to V[m:m+p] and the
   * coefficients of W = V[0:m] C + Q Bq into C and Bq. The first sweep runs over V[local:m] (the columns the
   * recurrence couples to: the last two blocks, or all after a restart), then one full sweep removes round-off, and a
   * second one runs only when that one cancelled much (Daniel-Gragg-Kaufman-Stewart). False when the space is used up.
   */
  const orthonormalizeBlock = (m: number, local: number, coef: boolean): boolean => {
    C.fill(0, 0, (m + p) * p);
    Bq.fill(0);
    for (let v = 0; v < p; v++) {
      const off = v * n;
      project(off);
      sweep(off, local, m, v, coef);
      let before = Math.sqrt(dot(W, off, W, off, n));
      for (let pass = 0; pass < 3; pass++) {
        // Classical Gram-Schmidt over the whole basis (blocked by four columns), the coefficients added to C.
        gramSchmidt4(V, n, m, W, off, cs);
        if (coef) for (let j = 0; j < m; j++) C[j * p + v] += cs[j];
        for (let u = 0; u < v; u++) {
          const s = dot(V, (m + u) * n, W, off, n);
          Bq[u * p + v] += s;
          axpy(-s, V, (m + u) * n, W, off, n);
        }
        const after = Math.sqrt(dot(W, off, W, off, n));
        const ok = after > 0.7 * before;
        before = after;
        if (ok) break;
      }
      let nr = before;
      let coupling = nr;
      let tries = 0;
      while (!(nr > 1e-12 * Math.max(Math.abs(coupling), 1e-300)) || nr === 0) {
        // Breakdown (invariant subspace): continue with a random vector orthogonal to everything, coupling 0.
        if (++tries > 5) return false;
        for (let i = 0; i < n; i++) W[off + i] = rand() - 0.5;
        project(off);
        for (let pass = 0; pass < 2; pass++) {
          sweep(off, 0, m, v, false);
          for (let u = 0; u < v; u++) axpy(-dot(V, (m + u) * n, W, off, n), V, (m + u) * n, W, off, n);
        }
        nr = Math.sqrt(dot(W, off, W, off, n));
        coupling = 0;
        if (nr > 1e-8) break;
      }
      Bq[v * p + v] = coupling;
      const inv = 1 / nr;
      const qo = (m + v) * n;
      for (let i = 0; i < n; i++) V[qo + i] = W[off + i] * inv;
    }
    return true;
  };

  // Start: a random block.
  for (let i = 0; i < p * n; i++) W[i] = rand() - 0.5;
  if (!orthonormalizeBlock(0, 0, false)) throw new Error('krylovSchur: could not build a start block');
  let m = p; // basis size; the active block is V[m-p:m]
  let restarts = 0;
  let local = 0; // first column the next expansion couples to
  T.fill(0);
  const theta = new Float64Array(nev), resid = new Float64Array(nev);
  let out: Float64Array = new Float64Array(0);
  let converged = false;
  // Rayleigh-Ritz on T[0:mm, 0:mm] with the residual block V[mm:mm+p] (coupling Bq): the residual of Ritz pair s is
  // ||Bq s[mm-p:mm]||. Wanted first ('magnitude': largest |theta|).
  const ritz = (mm: number) => {
    const Tm = new Float64Array(mm * mm);
    for (let i = 0; i < mm; i++) for (let j = 0; j < mm; j++) Tm[i * mm + j] = T[i * mMax + j];
    const { values, vectors: S } = symmetricEigen(Tm, mm);
    const idx = Array.from(values.keys());
    if (which === 'magnitude') idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
    else idx.sort((a, b) => values[b] - values[a]);
    let allConverged = true;
    const res = new Float64Array(mm);
    // Round-off floor of the residuals: a few hundred ulps of ||OP|| (the largest Ritz value).
    const floor = 512 * EPS * Math.abs(values[idx[0]]);
    for (let r = 0; r < mm; r++) {
      const k = idx[r];
      let s2 = 0;
      for (let u = 0; u < p; u++) {
        let sum = 0;
        for (let v = 0; v < p; v++) sum += Bq[u * p + v] * S[(mm - p + v) * mm + k];
        s2 += sum * sum;
      }
      res[r] = Math.sqrt(s2);
      if (r < nev && !(res[r] <= Math.max(tol * Math.abs(values[k]), floor))) allConverged = false;
    }
    return { values, S, idx, res, allConverged };
  };
  const tridiagonalConverged = (mm: number): boolean => {
    const diag = new Float64Array(mm), off = new Float64Array(mm);
    for (let i = 0; i < mm; i++) { diag[i] = T[i * mMax + i]; if (i + 1 < mm) off[i] = T[i * mMax + i + 1]; }
    const { values, last } = tridiagonalEigenLast(diag, off, mm);
    const idx = Array.from(values.keys());
    if (which === 'magnitude') idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
    else idx.sort((a, b) => values[b] - values[a]);
    const floor = 512 * EPS * Math.abs(values[idx[0]]);
    const beta = Math.abs(Bq[0]);
    for (let r = 0; r < nev; r++) {
      const k = idx[r];
      if (!(beta * Math.abs(last[k]) <= Math.max(tol * Math.abs(values[k]), floor))) return false;
    }
    return true;
  };
  // Convergence is checked at every restart and, in between, every `checkEvery` vectors once the basis holds nev + p.
  const checkEvery = Math.max(p, p * Math.ceil(Math.max(4, nev / 4) / p));
  let sinceCheck = 0;
  for (;;) {
    // Expand: OP on the active block, orthogonalise, append.
    let rr: ReturnType<typeof ritz> | null = null;
    while (true) {
      const a0 = m - p;
      op(V.subarray(a0 * n, m * n), W, p);
      applications += p;
      if (!orthonormalizeBlock(m, local, true)) break;
      local = Math.max(0, a0);
      sinceCheck += p;
      // T[0:m, a0:m] = C (and its transpose); the new block couples through Bq.
      for (let j = 0; j < m; j++) {
        for (let v = 0; v < p; v++) {
          const c = C[j * p + v];
          if (j >= a0) {
            // Diagonal block: average with the transposed entry for exact symmetry.
            const u = j - a0;
            if (u <= v) {
              const avg = u === v ? c : 0.5 * (c + C[(a0 + v) * p + u]);
              T[j * mMax + a0 + v] = avg;
              T[(a0 + v) * mMax + j] = avg;
            }
          } else {
            T[j * mMax + a0 + v] = c;
            T[(a0 + v) * mMax + j] = c;
          }
        }
      }
      if (m + p > mMax) break;
      // Before any restart with p = 1, T is tridiagonal (up to round-off in the re-orthogonalisation coefficients):
      // convergence is tested in O(m^2) after every step, and the full Rayleigh-Ritz is paid for only when it passes;
      // otherwise every `checkEvery` vectors.
      const cheap = p === 1 && restarts === 0;
      if (m >= nev + p && (cheap || sinceCheck >= checkEvery)) {
        sinceCheck = 0;
        if (!cheap || tridiagonalConverged(m)) {
          const t = ritz(m);
          if (t.allConverged) { rr = t; break; }
        }
      }
      for (let u = 0; u < p; u++) {
        for (let v = 0; v < p; v++) {
          T[(m + u) * mMax + a0 + v] = Bq[u * p + v];
          T[(a0 + v) * mMax + m + u] = Bq[u * p + v];
        }
      }
      m += p;
    }
    if (!rr) { rr = ritz(m); sinceCheck = 0; }
    const { values, S, idx, res: resAll, allConverged } = rr;
    const exhausted = m >= nEff;
    if (allConverged || exhausted || restarts >= maxRestarts) {
      converged = allConverged || exhausted;
      for (let r = 0; r < nev; r++) { theta[r] = values[idx[r]]; resid[r] = resAll[r]; }
      out = combine(V, n, m, S, idx, nev);
      break;
    }
    // Thick restart: keep the best `keep` Ritz vectors, then the residual block.
    const keep = Math.min(m - p, Math.max(nev, nev + Math.floor((mMax - nev) / 3)));
    const kept = combine(V, n, m, S, idx, keep);
    V.set(kept, 0);
    V.copyWithin(keep * n, m * n, (m + p) * n);
    T.fill(0);
    for (let r = 0; r < keep; r++) {
      const k = idx[r];
      T[r * mMax + r] = values[k];
      for (let u = 0; u < p; u++) {
        let sum = 0;
        for (let v = 0; v < p; v++) sum += Bq[u * p + v] * S[(m - p + v) * m + k];
        T[(keep + u) * mMax + r] = sum;
        T[r * mMax + keep + u] = sum;
      }
    }
    m = keep + p;
    local = 0;
    restarts++;
  }
  return { theta, vectors: out, residuals: resid, applications, restarts, blockSize: p, maxBasis: mMax, converged };
}

/** sum of a[ao + i] * b[bo + i] over i < n (four partial sums). */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
    s2 += a[ao + i + 2] * b[bo + i + 2];
    s3 += a[ao + i + 3] * b[bo + i + 3];
  }
  for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
  return s0 + s1 + s2 + s3;
}

/**
 * One classical Gram-Schmidt sweep of w (at off) against V[0:m] (vectors of length n): c[j] = V_j . w, then
 * w -= sum_j c[j] V_j, both four columns per pass over w.
 */
function gramSchmidt4(V: Float64Array, n: number, m: number, w: Float64Array, off: number, c: Float64Array): void {
  let j = 0;
  for (; j + 3 < m; j += 4) {
    const o0 = j * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < n; i++) {
      const x = w[off + i];
      s0 += V[o0 + i] * x; s1 += V[o1 + i] * x; s2 += V[o2 + i] * x; s3 += V[o3 + i] * x;
    }
    c[j] = s0; c[j + 1] = s1; c[j + 2] = s2; c[j + 3] = s3;
  }
  for (; j < m; j++) c[j] = dot(V, j * n, w, off, n);
  j = 0;
  for (; j + 3 < m; j += 4) {
    const o0 = j * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    const c0 = c[j], c1 = c[j + 1], c2 = c[j + 2], c3 = c[j + 3];
    for (let i = 0; i < n; i++) w[off + i] -= c0 * V[o0 + i] + c1 * V[o1 + i] + c2 * V[o2 + i] + c3 * V[o3 + i];
  }
  for (; j < m; j++) axpy(-c[j], V, j * n, w, off, n);
}

/** y[yo + i] += alpha * x[xo + i] for i < n. */
function axpy(alpha: number, x: Float64Array, xo: number, y: Float64Array, yo: number, n: number): void {
  if (alpha === 0) return;
  for (let i = 0; i < n; i++) y[yo + i] += alpha * x[xo + i];
}

/**
 * The k vectors V[0:m] S[:, idx[r]] (r < k), in a new array: computed by row chunks so each chunk of V stays in cache
 * while all k outputs are formed.
 */
function combine(V: Float64Array, n: number, m: number, S: Float64Array, idx: number[], k: number): Float64Array {
  const out = new Float64Array(k * n);
  const CH = 256;
  const coef = new Float64Array(k * m);
  for (let r = 0; r < k; r++) for (let j = 0; j < m; j++) coef[r * m + j] = S[j * m + idx[r]];
  for (let i0 = 0; i0 < n; i0 += CH) {
    const len = Math.min(n, i0 + CH) - i0;
    for (let r = 0; r < k; r++) {
      const oo = r * n + i0, co = r * m;
      let j = 0;
      // Four basis vectors per pass over the output chunk.
      for (; j + 3 < m; j += 4) {
        const c0 = coef[co + j], c1 = coef[co + j + 1], c2 = coef[co + j + 2], c3 = coef[co + j + 3];
        const v0 = j * n + i0, v1 = v0 + n, v2 = v1 + n, v3 = v2 + n;
        for (let i = 0; i < len; i++) out[oo + i] += c0 * V[v0 + i] + c1 * V[v1 + i] + c2 * V[v2 + i] + c3 * V[v3 + i];
      }
      for (; j < m; j++) axpy(coef[co + j], V, j * n + i0, out, oo, len);
    }
  }
  return out;
}

/** y = A x for a symmetric operator (length-n vectors). */
export type LinearOperator = (x: Float64Array, y: Float64Array) => void;

export interface LanczosLargestOptions {
  /** Relative change of the largest Ritz value over 10 steps below which it is accepted (default 1e-13). */
  tol?: number;
  /** At most this many steps (default 500). */
  maxSteps?: number;
  seed?: number;
  deflate?: Deflation;
}

/**
 * The largest eigenvalue of a symmetric operator by Lanczos without re-orthogonalisation (the extreme Ritz value
 * converges first and loss of orthogonality only duplicates it). Returns the value and the steps taken.
 */
export function lanczosLargest(op: LinearOperator, n: number, options: LanczosLargestOptions = {}): { value: number; steps: number } {
  if (n === 0) return { value: 0, steps: 0 };
  const tol = options.tol ?? 1e-13, maxSteps = Math.min(options.maxSteps ?? 500, n);
  const rand = mulberry32((options.seed ?? 7) >>> 0);
  const zero = options.deflate?.zeroDofs ?? new Int32Array(0);
  let v = new Float64Array(n), vPrev = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rand() - 0.5;
  for (let k = 0; k < zero.length; k++) v[zero[k]] = 0;
  let nv = 0;
  for (let i = 0; i < n; i++) nv += v[i] * v[i];
  nv = Math.sqrt(nv);
  for (let i = 0; i < n; i++) v[i] /= nv;
  const alpha: number[] = [], beta: number[] = [];
  let last = NaN, lastCheck = 0, value = 0;
  for (let j = 0; j < maxSteps; j++) {
    op(v, w);
    let a = 0;
    for (let i = 0; i < n; i++) a += v[i] * w[i];
    const bPrev = j > 0 ? beta[j - 1] : 0;
    let bn = 0;
    for (let i = 0; i < n; i++) {
      const x = w[i] - a * v[i] - bPrev * vPrev[i];
      w[i] = x;
      bn += x * x;
    }
    bn = Math.sqrt(bn);
    alpha.push(a);
    beta.push(bn);
    const steps = j + 1;
    if (steps % 10 === 0 || bn === 0 || steps === maxSteps) {
      const ev = tridiagonalEigenvalues(alpha, beta, steps);
      value = ev[steps - 1];
      if (bn === 0 || (lastCheck > 0 && Math.abs(value - last) <= tol * Math.abs(value))) return { value, steps };
      last = value;
      lastCheck = steps;
    }
    const t = vPrev;
    vPrev = v;
    v = t;
    for (let i = 0; i < n; i++) v[i] = w[i] / bn;
  }
  return { value, steps: maxSteps };
}

/** The operator x -> A x of a block CSR matrix. */
export function blockCsrOperator(A: BlockCsr): LinearOperator {
  return (x, y) => { blockCsrMultiply(A, x, y); };
}
