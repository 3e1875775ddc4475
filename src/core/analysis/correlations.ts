// Correlations among per-particle fields (Jha & Sengupta Sec. VI, Figs. 8-9; oracle section I): Pearson
// r = Σ(x-x̄)(y-ȳ) / sqrt(Σ(x-x̄)^2 Σ(y-ȳ)^2) and Spearman ρ = Pearson of the ranks (average ranks for ties, as scipy.stats).
// List-wise deletion by default: a particle is dropped only when one of its fields is invalid (mask 0) or NaN; a field
// that is constant over the particles used has NaN correlations (scipy returns nan), its diagonal included.

export interface CorrelationField {
  readonly name: string;
  readonly values: Float64Array;
  /** 1 = valid; absent = all valid (NaN values are invalid either way). */
  readonly valid?: Uint8Array | null;
}

export interface CorrelationParams {
  fields: readonly CorrelationField[];
  /** 'listwise' (default, as the oracle and the paper): one particle set for the whole matrix, particles with any invalid
   * field dropped. 'pairwise': each pair uses the particles valid in both of its fields. */
  deletion?: 'listwise' | 'pairwise';
}

export interface CorrelationResult {
  readonly names: readonly string[];
  /** k x k, row-major: pearson[a * k + b]. */
  readonly pearson: Float64Array;
  /** k x k, row-major. */
  readonly spearman: Float64Array;
  /** Particles used per pair, k x k (all equal to `used` count with list-wise deletion). */
  readonly nUsed: Int32Array;
  /** List-wise: 1 for the particles used. Pairwise: 1 for the particles valid in every field. */
  readonly valid: Uint8Array;
  /** Particles with at least one invalid field. */
  readonly invalidCount: number;
}

/** Ranks 1..n of x[0..n) with ties given their average rank (scipy.stats.rankdata 'average'). `order` is scratch. */
export function averageRanks(x: Float64Array, n: number, out: Float64Array, order: Int32Array): void {
  for (let i = 0; i < n; i++) order[i] = i;
  const idx = order.subarray(0, n).sort((a, b) => x[a] - x[b] || a - b);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const r = 0.5 * (i + j) + 1; // average of ranks i+1 .. j+1
    for (let k = i; k <= j; k++) out[idx[k]] = r;
    i = j + 1;
  }
}

/** Pearson r of x[0..n), y[0..n) (two-pass, centred), clipped to [-1, 1]; NaN when n < 2 or either is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return NaN;
  const r = sxy / (Math.sqrt(sxx) * Math.sqrt(syy));
  return Math.max(-1, Math.min(1, r));
}

function isValid(f: CorrelationField, i: number): boolean {
  return (!f.valid || f.valid[i] === 1) && Number.isFinite(f.values[i]);
}

/** Pearson and Spearman matrices among fields (see the top of this file). */
export function correlationMatrices(params: CorrelationParams): CorrelationResult {
  const fields = params.fields;
  const k = fields.length;
  const n = k > 0 ? fields[0].values.length : 0;
  for (const f of fields) {
    if (f.values.length !== n) throw new RangeError(`correlationMatrices: field "${f.name}" has ${f.values.length} values, expected ${n}`);
    if (f.valid && f.valid.length !== n) throw new RangeError(`correlationMatrices: field "${f.name}" has a mask of ${f.valid.length}`);
  }
  const valid = new Uint8Array(n);
  let invalidCount = 0;
  for (let i = 0; i < n; i++) {
    let ok = 1;
    for (let a = 0; a < k && ok; a++) if (!isValid(fields[a], i)) ok = 0;
    valid[i] = ok;
    if (!ok) invalidCount++;
  }
  const pear = new Float64Array(k * k).fill(NaN);
  const spear = new Float64Array(k * k).fill(NaN);
  const nUsed = new Int32Array(k * k);
  const order = new Int32Array(n);

  if ((params.deletion ?? 'listwise') === 'listwise') {
    let m = 0;
    for (let i = 0; i < n; i++) if (valid[i]) m++;
    // Compacted columns and their ranks.
    const cols: Float64Array[] = [], ranks: Float64Array[] = [];
    for (let a = 0; a < k; a++) {
      const c = new Float64Array(m);
      let j = 0;
      for (let i = 0; i < n; i++) if (valid[i]) c[j++] = fields[a].values[i];
      const r = new Float64Array(m);
      averageRanks(c, m, r, order);
      cols.push(c);
      ranks.push(r);
    }
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) {
        const p = a === b ? (pearson(cols[a], cols[a], m) > 0 ? 1 : NaN) : pearson(cols[a], cols[b], m);
        const s = a === b ? (pearson(ranks[a], ranks[a], m) > 0 ? 1 : NaN) : pearson(ranks[a], ranks[b], m);
        pear[a * k + b] = pear[b * k + a] = p;
        spear[a * k + b] = spear[b * k + a] = s;
        nUsed[a * k + b] = nUsed[b * k + a] = m;
      }
    }
  } else {
    const x = new Float64Array(n), y = new Float64Array(n), rx = new Float64Array(n), ry = new Float64Array(n);
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) {
        let m = 0;
        for (let i = 0; i < n; i++) {
          if (isValid(fields[a], i) && isValid(fields[b], i)) { x[m] = fields[a].values[i]; y[m] = fields[b].values[i]; m++; }
        }
        averageRanks(x, m, rx, order);
        averageRanks(y, m, ry, order);
        let p = pearson(x, y, m), s = pearson(rx, ry, m);
        if (a === b) { p = p > 0 ? 1 : NaN; s = s > 0 ? 1 : NaN; }
        pear[a * k + b] = pear[b * k + a] = p;
        spear[a * k + b] = spear[b * k + a] = s;
        nUsed[a * k + b] = nUsed[b * k + a] = m;
      }
    }
  }
  return { names: fields.map((f) => f.name), pearson: pear, spearman: spear, nUsed, valid, invalidCount };
}

export interface ScatterParams {
  x: CorrelationField;
  y: CorrelationField;
}

export interface ScatterData {
  /** The pair's values over the particles valid in both fields (Jha & Sengupta Fig. 8). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Particle index of each point. */
  readonly index: Int32Array;
  /** Pearson and Spearman of exactly these points. */
  readonly pearson: number;
  readonly spearman: number;
  /** Particles left out (invalid or NaN in either field). */
  readonly invalidCount: number;
}

/** Scatter data for a pair of fields, a particle dropped only when one of the two is invalid or NaN. */
export function scatterPair(params: ScatterParams): ScatterData {
  const { x: fx, y: fy } = params;
  const n = fx.values.length;
  if (fy.values.length !== n) throw new RangeError(`scatterPair: ${n} and ${fy.values.length} values`);
  let m = 0;
  for (let i = 0; i < n; i++) if (isValid(fx, i) && isValid(fy, i)) m++;
  const x = new Float64Array(m), y = new Float64Array(m), index = new Int32Array(m);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(fx, i) && isValid(fy, i)) { x[j] = fx.values[i]; y[j] = fy.values[i]; index[j] = i; j++; }
  }
  const order = new Int32Array(m), rx = new Float64Array(m), ry = new Float64Array(m);
  averageRanks(x, m, rx, order);
  averageRanks(y, m, ry, order);
  return { x, y, index, pearson: pearson(x, y, m), spearman: pearson(rx, ry, m), invalidCount: n - m };
}
