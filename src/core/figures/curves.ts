// Curves against a common x in one or more panels side by side: the ensemble figures of a study (an MSD per temperature
// with its standard-error band; F_s(q, t) per temperature; tau_alpha(T) with error bars, the VFT fit and T_g). Each curve
// is a line (with an optional +-err band) or points (with optional error bars); reference lines mark levels (1/e, 10^6)
// or values (T_g, with a band for its uncertainty). Colours run along the sequential map, as the distribution family's.
import { cssColourAt } from '#shared/colormaps.js';
import type { Item, Scene, Stroke, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { panelLetter } from './labels.js';
import {
  axesMargins, chartMetrics, clipToRect, dots, drawAxes, emptiestCorner, finiteRange, fmt, maxMargins, pageX, pageY, paddedRange,
  planAxis, polylinePath, samplePolyline, type Axes, type AxisPlan,
} from './axes.js';

export interface Curve {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Symmetric error drawn as a band around a line (line curves) or as bars (point curves). */
  err?: ArrayLike<number> | null;
  /** Asymmetric bounds (bars on point curves), e.g. tau exp(+-se) on a log axis. */
  low?: ArrayLike<number> | null;
  high?: ArrayLike<number> | null;
  kind: 'line' | 'points';
  /** Default: along the colour map by the curve's index among the panel's `sequence` curves. */
  colour?: string;
  dash?: number[];
  /** Whether the curve takes a colour from the sequence (default true). */
  sequence?: boolean;
}

export interface RefLine {
  /** 'h': y = value across the panel; 'v': x = value. */
  orientation: 'h' | 'v';
  value: number;
  label?: string;
  /** A shaded range around the line (e.g. T_g +- sigma). */
  band?: [number, number] | null;
  /** Vertical lines: the y value the label sits just above (default: the bottom of the panel). */
  labelAt?: number;
  /** Horizontal lines: the label at the left (default) or right end. */
  labelEnd?: boolean;
  colour?: string;
}

export interface CurvePanel {
  xLabel: string;
  yLabel: string;
  logX: boolean;
  logY: boolean;
  curves: Curve[];
  refs?: RefLine[];
  /** Extra values the axis ranges must include (e.g. a reference level). */
  includeX?: number[];
  includeY?: number[];
}

const REF_COLOUR = '#555555';

function colourOf(c: Curve, k: number, n: number, style: FigureStyle): string {
  if (c.colour) return c.colour;
  const t = n > 1 ? (0.85 * k) / (n - 1) : 0.3;
  return cssColourAt(style.colormap, t);
}

function rangeOf(values: ArrayLike<number>[], extra: number[] | undefined, log: boolean): { min: number; max: number } {
  const r = finiteRange([...values, Float64Array.from(extra ?? [])], log) ?? { min: log ? 0.1 : 0, max: 1 };
  return paddedRange(r, log, 0.04);
}

function plans(p: CurvePanel, w: number, h: number, style: FigureStyle, measure: TextMeasurer): { x: AxisPlan; y: AxisPlan } {
  const xs: ArrayLike<number>[] = p.curves.map((c) => c.x);
  const ys: ArrayLike<number>[] = [];
  for (const c of p.curves) {
    ys.push(c.y);
    if (c.low) ys.push(c.low);
    if (c.high) ys.push(c.high);
    if (c.err && c.kind === 'points') ys.push(Float64Array.from(c.y as ArrayLike<number>, (v, i) => v + (c.err![i] ?? 0)));
  }
  const xr = rangeOf(xs, p.includeX, p.logX);
  const yr = rangeOf(ys, p.includeY, p.logY);
  return {
    x: planAxis(xr, { log: p.logX, length: w, orientation: 'x', label: p.xLabel, style, measure }),
    y: planAxis(yr, { log: p.logY, length: h, orientation: 'y', label: p.yLabel, style, measure }),
  };
}

/** A band (filled polygon) of y +- err along a curve; broken where a point is missing. */
function bandPaths(ax: Axes, c: Curve): string[] {
  const out: string[] = [];
  let upper: [number, number][] = [];
  let lower: [number, number][] = [];
  const flush = (): void => {
    if (upper.length > 1) {
      const pts = [...upper, ...lower.reverse()];
      out.push(`${pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(x)} ${fmt(y)}`).join(' ')} Z`);
    }
    upper = [];
    lower = [];
  };
  const bottom = ax.rect.y + ax.rect.h;
  for (let i = 0; i < c.x.length; i++) {
    const x = pageX(ax, c.x[i]!);
    const y = c.y[i]!;
    const e = c.err![i]!;
    const hi = pageY(ax, y + e);
    let lo = pageY(ax, y - e);
    if (!Number.isFinite(lo) && ax.y.kind === 'log' && Number.isFinite(hi)) lo = bottom + 1;
    if (!Number.isFinite(x) || !Number.isFinite(hi) || !Number.isFinite(lo) || !Number.isFinite(e)) {
      flush();
      continue;
    }
    upper.push([x, hi]);
    lower.push([x, lo]);
  }
  flush();
  return out;
}

function curveItems(ax: Axes, c: Curve, colour: string, style: FigureStyle): Item[] {
  const lw = chartMetrics(style).dataLineWidth;
  const items: Item[] = [];
  const px = Float64Array.from({ length: c.x.length }, (_v, i) => pageX(ax, c.x[i]!));
  const py = Float64Array.from({ length: c.y.length }, (_v, i) => pageY(ax, c.y[i]!));
  if (c.kind === 'line') {
    if (c.err) for (const d of bandPaths(ax, c)) items.push({ type: 'path', d, fill: colour, opacity: 0.25 });
    const stroke: Stroke = { colour, width: lw, join: 'round', cap: 'round' };
    if (c.dash) stroke.dash = c.dash;
    items.push({ type: 'path', d: polylinePath(px, py), stroke });
    return items;
  }
  const bars: string[] = [];
  const cap = 0.25 * style.fontSize;
  for (let i = 0; i < c.x.length; i++) {
    if (!Number.isFinite(px[i]!) || !Number.isFinite(py[i]!)) continue;
    const lo = c.low ? c.low[i]! : c.err ? c.y[i]! - c.err[i]! : NaN;
    const hi = c.high ? c.high[i]! : c.err ? c.y[i]! + c.err[i]! : NaN;
    const a = pageY(ax, lo);
    const b = pageY(ax, hi);
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    bars.push(`M${fmt(px[i]!)} ${fmt(a)} L${fmt(px[i]!)} ${fmt(b)} M${fmt(px[i]! - cap / 2)} ${fmt(a)} L${fmt(px[i]! + cap / 2)} ${fmt(a)} M${fmt(px[i]! - cap / 2)} ${fmt(b)} L${fmt(px[i]! + cap / 2)} ${fmt(b)}`);
  }
  if (bars.length) items.push({ type: 'path', d: bars.join(' '), stroke: { colour, width: 0.8 * lw, cap: 'butt' } });
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < px.length; i++) if (Number.isFinite(px[i]!) && Number.isFinite(py[i]!)) {
    xs.push(px[i]!);
    ys.push(py[i]!);
  }
  items.push(dots(xs, ys, 0.3 * style.fontSize, colour, 1, { colour: '#000000', width: 0.4 * style.lineWidth }));
  return items;
}

function refItems(ax: Axes, r: RefLine, style: FigureStyle, measure: TextMeasurer): Item[] {
  const lw = chartMetrics(style).dataLineWidth;
  const colour = r.colour ?? REF_COLOUR;
  const { rect } = ax;
  const items: Item[] = [];
  const size = chartMetrics(style).tickLabelSize;
  if (r.orientation === 'h') {
    const y = pageY(ax, r.value);
    if (!Number.isFinite(y)) return [];
    items.push({ type: 'path', d: `M${fmt(rect.x)} ${fmt(y)} L${fmt(rect.x + rect.w)} ${fmt(y)}`, stroke: { colour, width: 0.7 * lw, dash: [3, 2], cap: 'butt' } });
    if (r.label) {
      const x = r.labelEnd ? rect.x + rect.w - 0.3 * style.fontSize : rect.x + 0.3 * style.fontSize;
      items.push({ type: 'text', x, y: y - 0.2 * style.fontSize, text: r.label, size, anchor: r.labelEnd ? 'end' : 'start', baseline: 'bottom', colour });
    }
  } else {
    const x = pageX(ax, r.value);
    if (!Number.isFinite(x)) return [];
    if (r.band) {
      const a = Math.max(rect.x, pageX(ax, r.band[0]));
      const b = Math.min(rect.x + rect.w, pageX(ax, r.band[1]));
      if (Number.isFinite(a) && Number.isFinite(b) && b > a) items.push({ type: 'rect', x: a, y: rect.y, w: b - a, h: rect.h, fill: '#d9d9d9' });
    }
    items.push({ type: 'path', d: `M${fmt(x)} ${fmt(rect.y)} L${fmt(x)} ${fmt(rect.y + rect.h)}`, stroke: { colour, width: 0.7 * lw, dash: [3, 2], cap: 'butt' } });
    if (r.label) {
      const w = measure.measure(r.label, size, style.fontFamily).width;
      const right = x + 0.3 * style.fontSize + w <= rect.x + rect.w;
      const at = r.labelAt !== undefined ? pageY(ax, r.labelAt) : NaN;
      const y = Number.isFinite(at) ? at - 0.2 * style.fontSize : rect.y + rect.h - 0.3 * style.fontSize;
      items.push({ type: 'text', x: right ? x + 0.3 * style.fontSize : x - 0.3 * style.fontSize, y, text: r.label, size, anchor: right ? 'start' : 'end', baseline: 'bottom', colour });
    }
  }
  return items;
}

function legendItems(ax: Axes, entries: { label: string; colour: string; kind: Curve['kind']; dash?: number[] }[], style: FigureStyle, measure: TextMeasurer, data: { x: number[]; y: number[] }): Item[] {
  if (entries.length === 0) return [];
  const size = chartMetrics(style).tickLabelSize;
  const sample = 1.6 * style.fontSize;
  const gap = 0.4 * style.fontSize;
  const row = 1.25 * size;
  const w = sample + gap + Math.max(...entries.map((e) => measure.measure(e.label, size, style.fontFamily).width));
  const h = entries.length * row;
  const corner = emptiestCorner(ax.rect, w, h, 0.5 * style.fontSize, data.x, data.y);
  const lw = chartMetrics(style).dataLineWidth;
  return entries.flatMap((e, i) => {
    const cy = corner.y + (i + 0.5) * row;
    const mark: Item = e.kind === 'line'
      ? { type: 'path', d: `M${fmt(corner.x)} ${fmt(cy)} L${fmt(corner.x + sample)} ${fmt(cy)}`, stroke: { colour: e.colour, width: lw, ...(e.dash ? { dash: e.dash } : {}) } }
      : dots([corner.x + sample / 2], [cy], 0.3 * style.fontSize, e.colour, 1, { colour: '#000000', width: 0.4 * style.lineWidth });
    return [mark, { type: 'text', x: corner.x + sample + gap, y: cy, text: e.label, size, anchor: 'start', baseline: 'middle' } satisfies Item];
  });
}

/** One row of panels (letters (a), (b), ... when more than one), each with its curves, reference lines and legend. */
export function curvesFigure(panels: CurvePanel[], style: FigureStyle, measure: TextMeasurer, title = 'Curves'): Scene {
  if (panels.length === 0) throw new Error('curves: no panel');
  const n = panels.length;
  const pad = 0.3 * style.fontSize;
  const gap = n > 1 ? 1.2 * style.fontSize : 0;
  let plotW = (0.8 * style.width) / n;
  let plotH = n === 1 ? Math.min(0.62 * plotW, 190) : Math.min(0.8 * plotW, 190);
  let ps = panels.map((p) => plans(p, plotW, plotH, style, measure));
  let margins = ps.map((p) => axesMargins(p.x, p.y, style, measure));
  for (let pass = 0; pass < 2; pass++) {
    const horizontal = margins.reduce((s, m) => s + m.left + m.right, 0);
    plotW = (style.width - 2 * pad - horizontal - (n - 1) * gap) / n;
    const common = maxMargins(margins);
    plotH = style.height ? Math.max(20, style.height - 2 * pad - common.top - common.bottom) : n === 1 ? Math.min(0.62 * plotW, 190) : Math.min(0.8 * plotW, 190);
    ps = panels.map((p) => plans(p, plotW, plotH, style, measure));
    margins = ps.map((p) => axesMargins(p.x, p.y, style, measure));
  }
  const common = maxMargins(margins);
  // Room for the panel letters above the plots.
  if (n > 1) common.top = Math.max(common.top, measure.measure('(a)', style.fontSize, style.fontFamily).ascent + 0.3 * style.fontSize);
  const items: Item[] = [];
  let x0 = pad;
  const descriptions: string[] = [];
  panels.forEach((p, k) => {
    const m = margins[k]!;
    const rect = { x: x0 + m.left, y: pad + common.top, w: plotW, h: plotH };
    x0 = rect.x + rect.w + m.right + gap;
    const ax: Axes = { rect, x: ps[k]!.x, y: ps[k]!.y };
    const seq = p.curves.filter((c) => c.sequence !== false).length;
    let si = 0;
    const colours = p.curves.map((c) => colourOf(c, c.sequence !== false ? si++ : 0, seq, style));
    const data: Item[] = [];
    for (const r of p.refs ?? []) if (r.orientation === 'v') data.push(...refItems(ax, r, style, measure));
    p.curves.forEach((c, i) => data.push(...curveItems(ax, c, colours[i]!, style)));
    for (const r of p.refs ?? []) if (r.orientation === 'h') data.push(...refItems(ax, r, style, measure));
    items.push(clipToRect(rect, data, 'data'));
    items.push(...drawAxes(ax, { ...m, bottom: common.bottom }, style, measure));
    const pts = { x: [] as number[], y: [] as number[] };
    for (const c of p.curves) {
      const s = samplePolyline(Float64Array.from({ length: c.x.length }, (_v, i) => pageX(ax, c.x[i]!)), Float64Array.from({ length: c.y.length }, (_v, i) => pageY(ax, c.y[i]!)), 1);
      pts.x.push(...s.x);
      pts.y.push(...s.y);
    }
    const entries = p.curves.map((c, i) => ({ label: c.label, colour: colours[i]!, kind: c.kind, dash: c.dash })).filter((e) => e.label);
    if (entries.length > 1 || (entries.length === 1 && p.curves.length > 1)) items.push(...legendItems(ax, entries, style, measure, pts));
    if (n > 1) items.push({ type: 'text', x: rect.x - m.left, y: pad, text: panelLetter(k), size: style.fontSize, anchor: 'start', baseline: 'top', bold: false });
    descriptions.push(`${n > 1 ? `${panelLetter(k)} ` : ''}${p.yLabel} against ${p.xLabel}: ${p.curves.map((c) => c.label || c.kind).join(', ')}`);
  });
  const height = style.height ?? pad + common.top + plotH + common.bottom + pad;
  return { width: style.width, height, fontFamily: style.fontFamily, items, title, description: descriptions.join('; ') };
}
