// The scatter matrix (Jha & Sengupta Fig. 8): k x k panels, histograms on the diagonal, vector dots off it with
// Pearson r in the emptier corner, ticks on every panel and labels only on the outer edge.
import type { Item, Rect, Scene, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { formatNumber } from './ticks.js';
import { densityOf } from './distribution.js';
import {
  axesMargins, chartMetrics, clipToRect, dots, drawAxes, emptiestCorner, finiteRange, fmt, maxMargins, OKABE_ITO, pageX, pageY,
  paddedRange, planAxis, type AxisPlan, type Axes, type Margins,
} from './axes.js';

export interface ScatterData {
  /** Markup labels of the k variables. */
  names: string[];
  /** k columns of equal length; a row missing (NaN) in one column is dropped from that column's pairs only. */
  columns: Float64Array[];
}

/** Above this many rows the dots show a deterministic subsample (r and histograms still use every row). */
export const SCATTER_LIMIT = 5000;
/** Largest panel side (points): few variables on a wide page stay readable, centred. */
const MAX_PANEL = 2.4 * 72;

/** Pearson's r over the rows where both columns are finite (NaN when fewer than two or a column is constant). */
export function pearsonPairwise(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) continue;
    n++;
    ma += (a[i]! - ma) / n;
    mb += (b[i]! - mb) / n;
  }
  if (n < 2) return NaN;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** `limit` distinct row indices of n, sorted, the same every time (a seeded partial Fisher-Yates shuffle). */
export function subsampleRows(n: number, limit: number): Uint32Array {
  if (n <= limit) return Uint32Array.from({ length: n }, (_, i) => i);
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  let seed = 0x9e3779b9;
  const next = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < limit; i++) {
    const j = i + Math.floor(next() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.subarray(0, limit).sort();
}

interface Grid { p: number; gap: number; margins: Margins; plans: { x: AxisPlan; y: AxisPlan }[] }

function plansFor(d: ScatterData, p: number, gap: number, style: FigureStyle, measure: TextMeasurer): { x: AxisPlan; y: AxisPlan }[] {
  return d.columns.map((c, i) => {
    const range = paddedRange(finiteRange([c], false) ?? { min: 0, max: 1 }, false);
    const common = { log: false, length: p, label: d.names[i]!, style, measure, maxOverhang: gap / 2, maxTicks: 4 };
    return { x: planAxis(range, { ...common, orientation: 'x' }), y: planAxis(range, { ...common, orientation: 'y' }) };
  });
}

/** Panel size and outer margins: the panels fill the width (or the given height), labels only outside. */
function gridOf(d: ScatterData, style: FigureStyle, measure: TextMeasurer, pad: number): Grid {
  const k = d.columns.length;
  const gap = 0.6 * style.fontSize;
  let p = (0.85 * style.width) / k;
  let plans = plansFor(d, p, gap, style, measure);
  let margins: Margins = { left: 0, right: 0, top: 0, bottom: 0 };
  for (let pass = 0; pass < 3; pass++) {
    margins = maxMargins(plans.map((pl) => axesMargins(pl.x, pl.y, style, measure)));
    const fromWidth = (style.width - 2 * pad - margins.left - margins.right - (k - 1) * gap) / k;
    const fromHeight = style.height ? (style.height - 2 * pad - margins.top - margins.bottom - (k - 1) * gap) / k : Infinity;
    p = Math.max(10, Math.min(fromWidth, fromHeight, MAX_PANEL));
    plans = plansFor(d, p, gap, style, measure);
  }
  return { p, gap, margins, plans };
}

/** The diagonal: a filled step histogram of the column, scaled to the panel height. */
function histogramItems(ax: Axes, values: Float64Array, style: FigureStyle): Item[] {
  const n = values.reduce((acc, v) => acc + (Number.isFinite(v) ? 1 : 0), 0);
  if (n === 0) return [];
  const bins = Math.min(30, Math.max(8, Math.round(Math.sqrt(n))));
  const den = densityOf(values, bins, ax.x.min, ax.x.max);
  const top = Math.max(...den.heights);
  const base = ax.rect.y + ax.rect.h;
  const yOf = (h: number): number => base - (top > 0 ? (0.9 * h) / top : 0) * ax.rect.h;
  const parts = [`M${fmt(pageX(ax, den.edges[0]!))} ${fmt(base)}`];
  den.heights.forEach((h, i) => {
    parts.push(`L${fmt(pageX(ax, den.edges[i]!))} ${fmt(yOf(h))}`, `L${fmt(pageX(ax, den.edges[i + 1]!))} ${fmt(yOf(h))}`);
  });
  parts.push(`L${fmt(pageX(ax, den.edges[bins]!))} ${fmt(base)} Z`);
  const d = parts.join(' ');
  return [
    { type: 'path', d, fill: OKABE_ITO.skyBlue, opacity: 0.55 },
    { type: 'path', d, stroke: { colour: OKABE_ITO.blue, width: 0.8 * chartMetrics(style).dataLineWidth, join: 'miter' } },
  ];
}

/** Off the diagonal: the sampled rows as dots, and r in the corner they leave emptiest. */
function scatterItems(ax: Axes, xs: Float64Array, ys: Float64Array, rows: Uint32Array, style: FigureStyle, measure: TextMeasurer): Item[] {
  const px: number[] = [];
  const py: number[] = [];
  for (const i of rows) {
    const x = pageX(ax, xs[i]!);
    const y = pageY(ax, ys[i]!);
    if (Number.isFinite(x) && Number.isFinite(y)) {
      px.push(x);
      py.push(y);
    }
  }
  const radius = Math.max(0.3, Math.min(1.2, (0.5 * ax.rect.w) / Math.sqrt(Math.max(1, px.length))));
  const opacity = Math.max(0.2, Math.min(0.9, 30 / Math.sqrt(Math.max(1, px.length))));
  const items: Item[] = [clipToRect(ax.rect, [dots(px, py, radius, OKABE_ITO.blue, opacity)], 'data')];
  const r = pearsonPairwise(xs, ys);
  if (Number.isFinite(r)) {
    const text = `\\it{r} = ${formatNumber(r, 2)}`;
    const size = Math.max(4, style.fontSize - 1.5);
    const m = measure.measure(text, size, style.fontFamily);
    const c = emptiestCorner(ax.rect, m.width, m.ascent + m.descent, 0.25 * style.fontSize, px, py);
    if (c.hits > 0) {
      // A translucent white backing keeps r readable over the dots (matplotlib's bbox with alpha).
      const e = 0.12 * size;
      const [bx, by, bw, bh] = [c.x - e, c.y - e, m.width + 2 * e, m.ascent + m.descent + 2 * e];
      items.push({ type: 'path', d: `M${fmt(bx)} ${fmt(by)} L${fmt(bx + bw)} ${fmt(by)} L${fmt(bx + bw)} ${fmt(by + bh)} L${fmt(bx)} ${fmt(by + bh)} Z`, fill: '#ffffff', opacity: 0.75 });
    }
    items.push({ type: 'text', x: c.x, y: c.y, text, size, anchor: 'start', baseline: 'top' });
  }
  return items;
}

/** A k x k scatter matrix of the columns. */
export function scatterMatrixFigure(d: ScatterData, style: FigureStyle, measure: TextMeasurer): Scene {
  const k = d.columns.length;
  if (k === 0) throw new Error('scatter matrix: no columns');
  if (d.names.length !== k) throw new Error(`scatter matrix: ${d.names.length} names for ${k} columns`);
  const n = d.columns[0]!.length;
  if (d.columns.some((c) => c.length !== n)) throw new Error('scatter matrix: columns differ in length');
  const pad = 0.3 * style.fontSize;
  const { p, gap, margins, plans } = gridOf(d, style, measure, pad);
  const rows = subsampleRows(n, SCATTER_LIMIT);
  const used = 2 * pad + margins.left + margins.right + k * p + (k - 1) * gap;
  const x0 = pad + margins.left + Math.max(0, (style.width - used) / 2);
  const y0 = pad + margins.top;
  const items: Item[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const rect: Rect = { x: x0 + j * (p + gap), y: y0 + i * (p + gap), w: p, h: p };
      const ax: Axes = { rect, x: plans[j]!.x, y: plans[i]!.y };
      if (i === j) items.push(...histogramItems(ax, d.columns[i]!, style));
      else items.push(...scatterItems(ax, d.columns[j]!, d.columns[i]!, rows, style, measure));
      const outer = { xTickLabels: i === k - 1, xLabel: i === k - 1, yTickLabels: j === 0, yLabel: j === 0 };
      items.push(...drawAxes(ax, margins, style, measure, outer));
    }
  }
  const height = style.height ?? 2 * pad + margins.top + margins.bottom + k * p + (k - 1) * gap;
  const sampled = n > SCATTER_LIMIT ? `; the dots show a deterministic subsample of ${SCATTER_LIMIT} of the ${n} rows (r and the histograms use every row)` : '';
  return {
    width: style.width, height, fontFamily: style.fontFamily, items,
    title: 'Scatter matrix',
    description: `Scatter matrix of ${k} variables over ${n} rows, Pearson r over the rows where both values exist${sampled}`,
  };
}
