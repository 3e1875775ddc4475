// Axis ticks and their labels for every axis and colour bar of the figures: "nice" linear steps (1, 2, 2.5, 5 x
// 10^k), decades on log axes, and labels in the text markup with a true minus sign and 10^{k} exponents.

export interface Ticks {
  /** Tick positions in data units, inside [min, max]. */
  values: number[];
  /** Labels in the markup of text.ts, one per value. */
  labels: string[];
  /** A common factor moved to the axis label (e.g. "×10^{−3}"), or ''. */
  multiplier: string;
}

const MINUS = '\u2212';

function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const k = Math.floor(Math.log10(raw));
  const base = 10 ** k;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * base >= raw * 0.999) return m * base;
  return 10 * base;
}

/** Format a number with `decimals` digits after the point, true minus sign, no "-0". */
export function formatNumber(v: number, decimals: number): string {
  let s = Math.abs(v) < 0.5 * 10 ** -decimals ? (0).toFixed(decimals) : v.toFixed(decimals);
  if (s.startsWith('-')) s = MINUS + s.slice(1);
  return s;
}

/** A value in scientific markup: 3×10^{−4}, 10^{5}; plain for 1e-3 < |v| < 1e4. */
export function formatScientific(v: number, digits = 2): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return formatNumber(Number(v.toPrecision(digits)), Math.min(decimals, 6)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  const k = Math.floor(Math.log10(a));
  const m = Number((v / 10 ** k).toPrecision(digits));
  const exp = `10^{${k < 0 ? MINUS : ''}${Math.abs(k)}}`;
  if (Math.abs(m) === 1) return (m < 0 ? MINUS : '') + exp;
  return `${formatNumber(m, Math.max(0, digits - 1)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')}×${exp}`;
}

/** About `target` nice ticks covering [min, max] (a degenerate range is widened). */
export function linearTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { values: [], labels: [], multiplier: '' };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d;
    max += d;
  }
  const step = niceStep(max - min, target);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
  // A shared power of ten when the numbers would be long (|values| >= 1e4 or all below 1e-2).
  const big = Math.max(Math.abs(min), Math.abs(max));
  let power = 0;
  if (big >= 1e4 || big < 1e-2) power = Math.floor(Math.log10(big));
  const scale = 10 ** power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step / scale) + 1e-9) + (/^(25|2\.5)/.test(String(step / 10 ** Math.floor(Math.log10(step)))) ? 1 : 0));
  const labels = values.map((v) => formatNumber(v / scale, Math.min(decimals, 8)));
  const multiplier = power === 0 ? '' : `×10^{${power < 0 ? MINUS : ''}${Math.abs(power)}}`;
  return { values, labels, multiplier };
}

/** Decade ticks on a log axis over [min, max] (both > 0): labels 10^{k}; for spans of two decades or less, 2×10^{k} and 5×10^{k} too. */
export function logTicks(min: number, max: number): Ticks & { minor: number[] } {
  if (!(min > 0) || !(max > 0)) return { values: [], labels: [], multiplier: '', minor: [] };
  if (max < min) [min, max] = [max, min];
  const k0 = Math.floor(Math.log10(min) + 1e-9);
  const k1 = Math.ceil(Math.log10(max) - 1e-9);
  const values: number[] = [];
  const labels: string[] = [];
  const minor: number[] = [];
  const few = k1 - k0 <= 2;
  const every = Math.max(1, Math.ceil((k1 - k0 + 1) / 7));
  for (let k = k0; k <= k1; k++) {
    for (let m = 1; m < 10; m++) {
      const v = Number(`${m}e${k}`);
      if (v < min * (1 - 1e-9) || v > max * (1 + 1e-9)) continue;
      if (m === 1 && (k - k0) % every === 0) {
        values.push(v);
        labels.push(`10^{${k < 0 ? MINUS : ''}${Math.abs(k)}}`);
      } else if (few && (m === 2 || m === 5)) {
        values.push(v);
        labels.push(`${m}×10^{${k < 0 ? MINUS : ''}${Math.abs(k)}}`);
      } else minor.push(v);
    }
  }
  return { values, labels, multiplier: '', minor };
}
