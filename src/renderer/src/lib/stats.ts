// Statistics for the field panel, on typed arrays: histograms over a shared range (the shared implementation),
// and Pearson / Spearman correlation over the particles where both fields are finite.

export { histograms, type Histogram } from '#shared/histogram.js';

/** Indices where every array is finite. */
function commonFinite(arrays: readonly Float32Array[]): Int32Array {
  const n = Math.min(...arrays.map((a) => a.length));
  const keep = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (const a of arrays) {
      if (!Number.isFinite(a[i])) {
        ok = false;
        break;
      }
    }
    if (ok) keep[m++] = i;
  }
  return keep.subarray(0, m);
}

function pearsonOf(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Ranks 1..n with ties given their average rank. */
export function ranks(v: Float64Array): Float64Array {
  const n = v.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

export interface Correlations { pearson: number[][]; spearman: number[][]; n: number }

/** Pearson and Spearman matrices of k per-particle fields over the particles where all are finite. */
export function correlations(arrays: readonly Float32Array[]): Correlations {
  const keep = commonFinite(arrays);
  const cols = arrays.map((a) => {
    const c = new Float64Array(keep.length);
    for (let i = 0; i < keep.length; i++) c[i] = a[keep[i]];
    return c;
  });
  const rk = cols.map(ranks);
  const k = arrays.length;
  const pearson = Array.from({ length: k }, () => new Array<number>(k).fill(1));
  const spearman = Array.from({ length: k }, () => new Array<number>(k).fill(1));
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      pearson[a][b] = pearson[b][a] = pearsonOf(cols[a], cols[b]);
      spearman[a][b] = spearman[b][a] = pearsonOf(rk[a], rk[b]);
    }
  }
  return { pearson, spearman, n: keep.length };
}
