// The timeline figure (Jha & Sengupta Fig. 1): stacked panels sharing the frame axis, MSD first, with the
// avalanche frame marked by a dashed line across all panels and a marker on each curve; tags in a lighter style.
import type { Item, Rect, Scene, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { panelLetter } from './labels.js';
import {
  axesMargins, boxesOverlap, chartMetrics, clipToRect, dots, drawAxes, emptiestCorner, finiteRange, fmt, maxMargins, OKABE_ITO,
  pagePoints, pageX, pageY, paddedRange, planAxis, polylinePath, samplePolyline, textBox, type AxisPlan, type Axes, type Box, type Margins,
} from './axes.js';

export interface TimelinePanel { label: string; values: Float64Array; logY?: boolean }
export interface TimelineMark { x: number; kind: 'event' | 'tag'; label?: string }
export interface TimelineData { x: Float64Array; xLabel: string; panels: TimelinePanel[]; marks: TimelineMark[] }

/** Series shorter than this get a marker on every point. */
const MARKER_LIMIT = 60;
const EVENT_COLOUR = OKABE_ITO.vermillion;
const TAG_COLOUR = '#8c8c8c';
const LINE_COLOUR = OKABE_ITO.blue;

/** Height of one plot rect when style.height leaves it free: one panel near the golden ratio, stacked ones flatter. */
function defaultPlotHeight(plotWidth: number, panels: number): number {
  if (panels === 1) return Math.min(0.62 * plotWidth, 190);
  return Math.max(55, Math.min(0.32 * plotWidth, 110));
}

/** How many points of a series can be drawn (both coordinates finite). */
function markerCount(xs: Float64Array, ys: Float64Array): number {
  let n = 0;
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!)) n++;
  return n;
}

/** The value of the series at x (linear interpolation between neighbouring samples; NaN outside). */
function valueAt(xs: Float64Array, ys: Float64Array, x: number): number {
  let best = -1;
  for (let i = 0; i < xs.length; i++) if (xs[i] === x) return ys[i]!;
  for (let i = 0; i + 1 < xs.length; i++) {
    const a = xs[i]!;
    const b = xs[i + 1]!;
    if ((a - x) * (b - x) < 0) {
      best = i;
      break;
    }
  }
  if (best < 0) return NaN;
  const f = (x - xs[best]!) / (xs[best + 1]! - xs[best]!);
  return ys[best]! * (1 - f) + ys[best + 1]! * f;
}

interface PanelPlan { panel: TimelinePanel; log: boolean; y: AxisPlan }

function planPanels(d: TimelineData, style: FigureStyle, measure: TextMeasurer, plotH: number, gap: number): PanelPlan[] {
  return d.panels.map((panel, i) => {
    // A log axis skips zeros (MSD at the reference frame) but a series with negative values stays linear.
    const all = finiteRange([panel.values], false);
    const useLog = (panel.logY ?? style.logY) && all !== null && all.min >= 0 && all.max > 0;
    const r = finiteRange([panel.values], useLog) ?? { min: 0, max: 1 };
    const y = planAxis(paddedRange(r, useLog), { log: useLog, length: plotH, orientation: 'y', label: panel.label, style, measure, maxOverhang: { low: i === d.panels.length - 1 ? Infinity : gap / 2, high: i === 0 ? Infinity : gap / 2 } });
    return { panel, log: useLog, y };
  });
}

function xPlan(d: TimelineData, style: FigureStyle, measure: TextMeasurer, length: number): AxisPlan {
  const r = finiteRange([d.x], style.logX) ?? { min: 0, max: 1 };
  const log = style.logX && r.min > 0;
  // Tight on long series; a margin on short ones so the end markers are not cut in half by the clip.
  const marked = d.panels.some((p) => markerCount(d.x, p.values) < MARKER_LIMIT);
  const range = r.max > r.min && !marked ? r : paddedRange(r, log, 0.03);
  return planAxis(range, { log, length, orientation: 'x', label: d.xLabel, style, measure });
}

/** The labels of the marks above the top panel (events first; a label that would collide is left out). */
function markLabels(d: TimelineData, top: Axes, style: FigureStyle, measure: TextMeasurer, pageWidth: number): TextItem[] {
  const size = chartMetrics(style).tickLabelSize;
  const placed: Box[] = [];
  const out: TextItem[] = [];
  const ordered = [...d.marks].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'event' ? -1 : 1));
  for (const mk of ordered) {
    const px = pageX(top, mk.x);
    if (!mk.label || !Number.isFinite(px) || px < top.rect.x - 0.5 || px > top.rect.x + top.rect.w + 0.5) continue;
    const w = measure.measure(mk.label, size, style.fontFamily).width;
    const x = Math.min(Math.max(px, w / 2), pageWidth - w / 2);
    const t: TextItem = { type: 'text', x, y: top.rect.y - 0.3 * style.fontSize, text: mk.label, size, anchor: 'middle', baseline: 'bottom', colour: mk.kind === 'event' ? EVENT_COLOUR : '#555555' };
    const b = textBox(t, measure, style.fontFamily);
    if (placed.some((p) => boxesOverlap(p, b, 0.3 * style.fontSize))) continue;
    placed.push(b);
    out.push(t);
  }
  return out;
}

/** Vertical lines of the marks through all panels: the event dashed and strong, tags dotted and light. */
function markLines(d: TimelineData, axes: Axes[], style: FigureStyle): Item[] {
  const top = axes[0]!.rect.y;
  const last = axes[axes.length - 1]!.rect;
  const bottom = last.y + last.h;
  const lw = chartMetrics(style).dataLineWidth;
  const lines = (kind: 'event' | 'tag'): string => d.marks
    .filter((m) => m.kind === kind)
    .map((m) => pageX(axes[0]!, m.x))
    .filter((px) => Number.isFinite(px) && px >= last.x - 1e-6 && px <= last.x + last.w + 1e-6)
    .map((px) => `M${fmt(px)} ${fmt(top)} L${fmt(px)} ${fmt(bottom)}`)
    .join(' ');
  const items: Item[] = [];
  const tags = lines('tag');
  const events = lines('event');
  if (tags) items.push({ type: 'path', d: tags, stroke: { colour: TAG_COLOUR, width: 0.6 * lw, dash: [1, 1.5], cap: 'butt' } });
  if (events) items.push({ type: 'path', d: events, stroke: { colour: EVENT_COLOUR, width: 0.8 * lw, dash: [3, 2], cap: 'butt' } });
  return items;
}

/** One panel's curve, its markers and the event markers on the curve, clipped to the plot rect. */
function panelData(d: TimelineData, ax: Axes, values: Float64Array, style: FigureStyle): Item[] {
  const lw = chartMetrics(style).dataLineWidth;
  const p = pagePoints(ax, d.x, values);
  const items: Item[] = [{ type: 'path', d: polylinePath(p.x, p.y), stroke: { colour: LINE_COLOUR, width: lw, join: 'round', cap: 'round' } }];
  const finite = [...p.x.keys()].filter((i) => Number.isFinite(p.x[i]!) && Number.isFinite(p.y[i]!));
  if (finite.length < MARKER_LIMIT && finite.length > 0) {
    items.push(dots(finite.map((i) => p.x[i]!), finite.map((i) => p.y[i]!), 0.22 * style.fontSize, LINE_COLOUR));
  }
  const ex: number[] = [];
  const ey: number[] = [];
  for (const m of d.marks) {
    if (m.kind !== 'event') continue;
    const px = pageX(ax, m.x);
    const py = pageY(ax, valueAt(d.x, values, m.x));
    if (Number.isFinite(px) && Number.isFinite(py)) {
      ex.push(px);
      ey.push(py);
    }
  }
  if (ex.length) items.push(dots(ex, ey, 0.36 * style.fontSize, EVENT_COLOUR, 1, { colour: '#000000', width: 0.5 * style.lineWidth }));
  return [clipToRect(ax.rect, items, 'data')];
}

/** Panel letters (a), (b), ... inside the emptier top corner of each panel. */
function panelLetters(d: TimelineData, axes: Axes[], style: FigureStyle, measure: TextMeasurer): Item[] {
  if (axes.length < 2) return [];
  return axes.map((ax, i) => {
    const text = panelLetter(i);
    const m = measure.measure(text, style.fontSize, style.fontFamily);
    const p = pagePoints(ax, d.x, d.panels[i]!.values);
    const s = samplePolyline(p.x, p.y, 1);
    const c = emptiestCorner(ax.rect, m.width, m.ascent + m.descent, 0.35 * style.fontSize, s.x, s.y, ['top-left', 'top-right']);
    return { type: 'text', x: c.x, y: c.y, text, size: style.fontSize, anchor: 'start', baseline: 'top' } satisfies TextItem;
  });
}

/** The timeline: n stacked panels sharing x (frame or time), MSD on top by convention of the caller. */
export function timelineFigure(d: TimelineData, style: FigureStyle, measure: TextMeasurer): Scene {
  if (d.panels.length === 0) throw new Error('timeline: no series to show');
  const n = d.panels.length;
  const fs = style.fontSize;
  const gap = n > 1 ? 0.5 * fs : 0;
  const labelRow = d.marks.some((m) => m.label) ? measure.measure('Ag', chartMetrics(style).tickLabelSize, style.fontFamily) : null;
  const markRow = labelRow ? labelRow.ascent + labelRow.descent + 0.4 * fs : 0;
  const pad = 0.3 * fs;
  // Plot heights depend on the width left by the y labels, which depend on the heights: two passes settle it.
  let plotH = defaultPlotHeight(style.width * 0.8, n);
  let panels = planPanels(d, style, measure, plotH, gap);
  let x = xPlan(d, style, measure, style.width * 0.8);
  let margins: Margins = { left: 0, right: 0, top: 0, bottom: 0 };
  for (let pass = 0; pass < 3; pass++) {
    margins = maxMargins(panels.map((p, i) => axesMargins(x, p.y, style, measure, { xTickLabels: i === n - 1, xLabel: i === n - 1 })));
    const last = axesMargins(x, panels[n - 1]!.y, style, measure);
    margins.bottom = last.bottom;
    margins.top = Math.max(margins.top, markRow);
    const plotW = style.width - margins.left - margins.right - 2 * pad;
    const fixed = margins.top + margins.bottom + 2 * pad + (n - 1) * gap;
    plotH = style.height ? Math.max(20, (style.height - fixed) / n) : defaultPlotHeight(plotW, n);
    panels = planPanels(d, style, measure, plotH, gap);
    x = xPlan(d, style, measure, plotW);
  }
  const height = style.height ?? margins.top + margins.bottom + 2 * pad + n * plotH + (n - 1) * gap;
  const plotW = style.width - margins.left - margins.right - 2 * pad;
  const axes: Axes[] = panels.map((p, i) => {
    const rect: Rect = { x: pad + margins.left, y: pad + margins.top + i * (plotH + gap), w: plotW, h: plotH };
    return { rect, x, y: p.y };
  });
  const items: Item[] = [];
  axes.forEach((ax, i) => {
    items.push(...panelData(d, ax, d.panels[i]!.values, style));
    const decor = { xTickLabels: i === n - 1, xLabel: i === n - 1 };
    items.push(...drawAxes(ax, margins, style, measure, decor));
  });
  items.push(...markLines(d, axes, style), ...markLabels(d, axes[0]!, style, measure, style.width), ...panelLetters(d, axes, style, measure));
  const events = d.marks.filter((m) => m.kind === 'event').map((m) => m.x);
  return {
    width: style.width, height, fontFamily: style.fontFamily, items,
    title: 'Timeline',
    description: `${n} panel${n > 1 ? 's' : ''} (${d.panels.map((p) => p.label).join(', ')}) against ${d.xLabel}; event${events.length === 1 ? '' : 's'} at ${events.join(', ') || 'none'}`,
  };
}
