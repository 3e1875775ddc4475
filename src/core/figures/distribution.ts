// The distribution figure (Jha & Sengupta Figs. 2g, 5; families over temperature Figs. 2h, 4): probability
// densities over common bins drawn as step outlines, before/at/after told apart by colour and dash, with a legend.
import { cssColourAt } from '#shared/colormaps.js';
import type { Item, Scene, Stroke, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { binCounts, binEdges } from '#shared/histogram.js';
import {
  axesMargins, chartMetrics, clipToRect, drawAxes, emptiestCorner, finiteRange, fmt, OKABE_ITO, pageX, pageY, paddedRange,
  planAxis, polylinePath, samplePolyline, type Axes, type AxisPlan,
} from './axes.js';

export type CurveRole = 'before' | 'at' | 'after' | 'family';
export interface DistributionCurve { label: string; values: Float64Array; role: CurveRole }
export interface DistributionData { xLabel: string; curves: DistributionCurve[]; bins: number; range?: { min: number; max: number } }

/** A histogram over common bins, normalised to unit area (NaN and values outside the bins dropped). */
export interface Density { edges: Float64Array; heights: Float64Array; count: number }

/** Probability density of `values` over `bins` equal bins spanning [min, max] (the last bin includes max). */
export function densityOf(values: Float64Array, bins: number, min: number, max: number): Density {
  const { counts, count } = binCounts(values, bins, min, max);
  const width = (max - min) / bins;
  const heights = counts.map((c) => (count > 0 ? c / (count * width) : 0));
  return { edges: binEdges(bins, min, max), heights, count };
}

/** Line style per role: colour and dash differ so the curves survive colour-blind eyes and greyscale print. */
function strokeOf(c: DistributionCurve, familyIndex: number, families: number, style: FigureStyle): Stroke {
  const width = chartMetrics(style).dataLineWidth;
  switch (c.role) {
    case 'before': return { colour: OKABE_ITO.blue, width, dash: [3.5, 1.8], join: 'miter', cap: 'butt' };
    case 'after': return { colour: OKABE_ITO.vermillion, width, join: 'miter', cap: 'butt' };
    case 'at': return { colour: OKABE_ITO.black, width, dash: [0.9, 1.4], join: 'round', cap: 'round' };
    case 'family': {
      // Along the sequential map, stopping short of its pale end so every curve stays visible on white.
      const t = families > 1 ? (0.85 * familyIndex) / (families - 1) : 0.3;
      return { colour: cssColourAt(style.colormap, t), width, join: 'miter', cap: 'butt' };
    }
  }
}

/** The step outline of a density in page points: horizontal tops joined by verticals; empty bins on a log axis break it. */
function stepPoints(ax: Axes, d: Density): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  const add = (px: number, py: number): void => {
    x.push(px);
    y.push(py);
  };
  const log = ax.y.kind === 'log';
  const floor = ax.rect.y + ax.rect.h;
  const base = log ? floor : pageY(ax, 0);
  let open = false;
  for (let i = 0; i < d.heights.length; i++) {
    const h = d.heights[i]!;
    const x0 = pageX(ax, d.edges[i]!);
    if (log && !(h > 0)) {
      if (open) {
        add(x0, floor);
        add(NaN, NaN);
      }
      open = false;
      continue;
    }
    const py = pageY(ax, h);
    if (!open) add(x0, base);
    add(x0, py);
    add(pageX(ax, d.edges[i + 1]!), py);
    open = true;
  }
  if (open) add(pageX(ax, d.edges[d.edges.length - 1]!), base);
  return { x, y };
}

interface Legend { width: number; height: number; draw(x: number, y: number): Item[] }

function legendOf(entries: { label: string; stroke: Stroke }[], style: FigureStyle, measure: TextMeasurer): Legend {
  const size = chartMetrics(style).tickLabelSize;
  const sample = 1.8 * style.fontSize;
  const gap = 0.4 * style.fontSize;
  const row = 1.25 * size;
  const width = sample + gap + Math.max(0, ...entries.map((e) => measure.measure(e.label, size, style.fontFamily).width));
  const height = entries.length * row;
  const draw = (x: number, y: number): Item[] => entries.flatMap((e, i) => {
    const cy = y + (i + 0.5) * row;
    return [
      { type: 'path', d: `M${fmt(x)} ${fmt(cy)} L${fmt(x + sample)} ${fmt(cy)}`, stroke: e.stroke },
      { type: 'text', x: x + sample + gap, y: cy, text: e.label, size, anchor: 'start', baseline: 'middle' },
    ] satisfies Item[];
  });
  return { width, height, draw };
}

/** The densities of the curves over common bins (the given range, or the extent of all finite values). */
export function densities(d: DistributionData): { densities: Density[]; min: number; max: number } {
  const r = d.range ?? finiteRange(d.curves.map((c) => c.values), false) ?? { min: 0, max: 1 };
  const { min, max } = r.max > r.min ? r : paddedRange(r, false);
  const bins = Math.max(1, Math.round(d.bins));
  return { densities: d.curves.map((c) => densityOf(c.values, bins, min, max)), min, max };
}

function yRange(ds: Density[], log: boolean, headroom: number): { min: number; max: number } {
  const hs = ds.map((x) => x.heights);
  if (log) {
    const r = finiteRange(hs, true) ?? { min: 0.1, max: 1 };
    const p = paddedRange(r, true);
    return { min: p.min, max: p.max * 10 ** (headroom * Math.log10(p.max / p.min)) };
  }
  const top = finiteRange(hs, false)?.max ?? 1;
  return { min: 0, max: (top > 0 ? top : 1) * (1.05 + headroom) };
}

/** Probability densities before / at / after an event (or of a family of trajectories) as step outlines. */
export function distributionFigure(d: DistributionData, style: FigureStyle, measure: TextMeasurer): Scene {
  if (d.curves.length === 0) throw new Error('distribution: no curves to show');
  const { densities: ds, min, max } = densities(d);
  const families = d.curves.filter((c) => c.role === 'family').length;
  let fi = 0;
  const strokes = d.curves.map((c) => strokeOf(c, c.role === 'family' ? fi++ : 0, families, style));
  const legend = legendOf(d.curves.map((c, i) => ({ label: c.label, stroke: strokes[i]! })).filter((e) => e.label), style, measure);
  const showLegend = d.curves.length > 1 && legend.height > 0;
  const pad = 0.3 * style.fontSize;
  const yLabel = `\\it{P}(${d.xLabel})`;
  const log = style.logY;
  let best: { ax: Axes; corner: ReturnType<typeof emptiestCorner>; height: number } | null = null;
  // More headroom until the legend finds a corner free of data (three tries).
  for (let attempt = 0; attempt < 4; attempt++) {
    const ax = layoutAxes(d, ds, min, max, yLabel, log, 0.2 * attempt, style, measure, pad);
    const pts = ds.map((den) => stepPoints(ax.ax, den)).reduce((acc, p) => {
      const s = samplePolyline(p.x, p.y, 1);
      acc.x.push(...s.x);
      acc.y.push(...s.y);
      return acc;
    }, { x: [] as number[], y: [] as number[] });
    const corner = emptiestCorner(ax.ax.rect, legend.width, legend.height, 0.6 * style.fontSize, pts.x, pts.y);
    if (!best || corner.hits < best.corner.hits) best = { ax: ax.ax, corner, height: ax.height };
    if (!showLegend || corner.hits === 0) break;
  }
  const { ax, corner, height } = best!;
  const curves: Item[] = ds.map((den, i) => {
    const p = stepPoints(ax, den);
    return { type: 'path', d: polylinePath(p.x, p.y), stroke: strokes[i]! } satisfies Item;
  });
  const items: Item[] = [clipToRect(ax.rect, curves, 'data'), ...drawAxes(ax, marginsOf(ax, style, measure), style, measure)];
  if (showLegend) items.push(...legend.draw(corner.x, corner.y));
  return {
    width: style.width, height, fontFamily: style.fontFamily, items,
    title: 'Distribution',
    description: `Probability densities of ${d.xLabel} over ${ds[0]!.heights.length} bins in [${min}, ${max}]: ${d.curves.map((c, i) => `${c.label || c.role} (${ds[i]!.count} values)`).join('; ')}`,
  };
}

function marginsOf(ax: Axes, style: FigureStyle, measure: TextMeasurer): ReturnType<typeof axesMargins> {
  return axesMargins(ax.x, ax.y, style, measure);
}

function layoutAxes(d: DistributionData, ds: Density[], min: number, max: number, yLabel: string, log: boolean, headroom: number,
  style: FigureStyle, measure: TextMeasurer, pad: number): { ax: Axes; height: number } {
  const yr = yRange(ds, log, headroom);
  const plan = (w: number, h: number): { x: AxisPlan; y: AxisPlan } => ({
    x: planAxis({ min, max }, { log: false, length: w, orientation: 'x', label: d.xLabel, style, measure }),
    y: planAxis(yr, { log, length: h, orientation: 'y', label: yLabel, style, measure }),
  });
  let w = 0.8 * style.width;
  let h = Math.min(0.62 * w, 190);
  let p = plan(w, h);
  for (let pass = 0; pass < 2; pass++) {
    const m = axesMargins(p.x, p.y, style, measure);
    w = style.width - 2 * pad - m.left - m.right;
    h = style.height ? Math.max(20, style.height - 2 * pad - m.top - m.bottom) : Math.min(0.62 * w, 190);
    p = plan(w, h);
  }
  const m = axesMargins(p.x, p.y, style, measure);
  const rect = { x: pad + m.left, y: pad + m.top, w: style.width - 2 * pad - m.left - m.right, h };
  return { ax: { rect, x: p.x, y: p.y }, height: style.height ?? rect.y + rect.h + m.bottom + pad };
}
