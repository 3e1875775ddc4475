// Curves against r on one axes (Jha & Sengupta Fig. 10, Appendix C): the particle-level pair distribution g_i(r) for
// several Gaussian widths against the histogram g(r), and ln(g + beta u); a legend in the emptiest corner and labelled
// vertical marks (the softness integral's r_min and r_max, the potential's cutoff).
import { cssColourAt } from '#shared/colormaps.js';
import type { Item, Scene, Stroke, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import {
  axesMargins, boxesOverlap, chartMetrics, clipToRect, drawAxes, emptiestCorner, finiteRange, fmt, OKABE_ITO, pageX, paddedRange,
  pagePoints, planAxis, polylinePath, samplePolyline, textBox, type AxisPlan, type Axes, type Box,
} from './axes.js';
import { legendOf } from './distribution.js';

/**
 * How a curve is drawn: `reference` (the conventional estimate, grey and dotted), `sequence` (one of a series over a
 * parameter, coloured along the colour map in order), `particle` (one particle's curve, thin, dashed, Okabe-Ito colours).
 */
export type CurveRole = 'reference' | 'sequence' | 'particle';
export interface Curve { label: string; x: Float64Array; y: Float64Array; role: CurveRole }
export interface CurveMark { x: number; label: string }
export interface CurvesData {
  xLabel: string;
  yLabel: string;
  curves: Curve[];
  marks: CurveMark[];
  /** The x extent shown (default: that of the curves). */
  xRange?: { min: number; max: number };
  /** Start the y axis at 0 (densities such as g(r)). */
  yFromZero?: boolean;
}

const PARTICLE_COLOURS = [OKABE_ITO.vermillion, OKABE_ITO.green, OKABE_ITO.purple, OKABE_ITO.orange, OKABE_ITO.skyBlue, OKABE_ITO.black];
const MARK_COLOUR = '#555555';

function strokesOf(d: CurvesData, style: FigureStyle): Stroke[] {
  const width = chartMetrics(style).dataLineWidth;
  const sequence = d.curves.filter((c) => c.role === 'sequence').length;
  let s = 0, p = 0;
  return d.curves.map((c) => {
    switch (c.role) {
      case 'reference': return { colour: '#7f7f7f', width, dash: [1, 1.3], join: 'round', cap: 'round' };
      case 'sequence': {
        // Along the sequential map, stopping short of its pale end so every curve stays visible on white.
        const t = sequence > 1 ? (0.85 * s++) / (sequence - 1) : 0.3;
        return { colour: cssColourAt(style.colormap, t), width, join: 'round', cap: 'round' };
      }
      case 'particle': return { colour: PARTICLE_COLOURS[p++ % PARTICLE_COLOURS.length]!, width: 0.7 * width, dash: [3, 1.5], join: 'round', cap: 'butt' };
    }
  });
}

/** The y values of the curves inside the x range shown. */
function visibleY(d: CurvesData, xr: { min: number; max: number }): Float64Array[] {
  return d.curves.map((c) => c.y.map((v, i) => (c.x[i]! >= xr.min && c.x[i]! <= xr.max ? v : NaN)));
}

function layout(d: CurvesData, xr: { min: number; max: number }, yr: { min: number; max: number }, markRow: number, style: FigureStyle, measure: TextMeasurer): { ax: Axes; height: number; margins: ReturnType<typeof axesMargins> } {
  const pad = 0.3 * style.fontSize;
  const plan = (w: number, h: number): { x: AxisPlan; y: AxisPlan } => ({
    x: planAxis(xr, { log: false, length: w, orientation: 'x', label: d.xLabel, style, measure }),
    y: planAxis(yr, { log: false, length: h, orientation: 'y', label: d.yLabel, style, measure }),
  });
  let w = 0.8 * style.width;
  let h = Math.min(0.62 * w, 190);
  let p = plan(w, h);
  for (let pass = 0; pass < 2; pass++) {
    const m = axesMargins(p.x, p.y, style, measure);
    m.top = Math.max(m.top, markRow);
    w = style.width - 2 * pad - m.left - m.right;
    h = style.height ? Math.max(20, style.height - 2 * pad - m.top - m.bottom) : Math.min(0.62 * w, 190);
    p = plan(w, h);
  }
  const margins = axesMargins(p.x, p.y, style, measure);
  margins.top = Math.max(margins.top, markRow);
  const rect = { x: pad + margins.left, y: pad + margins.top, w: style.width - 2 * pad - margins.left - margins.right, h };
  return { ax: { rect, x: p.x, y: p.y }, height: style.height ?? rect.y + rect.h + margins.bottom + pad, margins };
}

/** Vertical dashed lines at the marks, labelled above the plot (a label that would collide is left out). */
function marksOf(d: CurvesData, ax: Axes, style: FigureStyle, measure: TextMeasurer): Item[] {
  const lw = chartMetrics(style).dataLineWidth;
  const size = chartMetrics(style).tickLabelSize;
  const { rect } = ax;
  const inside = d.marks.map((m) => ({ m, px: pageX(ax, m.x) })).filter(({ px }) => Number.isFinite(px) && px >= rect.x - 1e-6 && px <= rect.x + rect.w + 1e-6);
  if (inside.length === 0) return [];
  const items: Item[] = [{
    type: 'path', d: inside.map(({ px }) => `M${fmt(px)} ${fmt(rect.y)} L${fmt(px)} ${fmt(rect.y + rect.h)}`).join(' '),
    stroke: { colour: MARK_COLOUR, width: 0.6 * lw, dash: [2.5, 1.5], cap: 'butt' },
  }];
  const placed: Box[] = [];
  for (const { m, px } of inside) {
    if (!m.label) continue;
    const t: TextItem = { type: 'text', x: px, y: rect.y - 0.3 * style.fontSize, text: m.label, size, anchor: 'middle', baseline: 'bottom', colour: MARK_COLOUR };
    const b = textBox(t, measure, style.fontFamily);
    if (placed.some((q) => boxesOverlap(q, b, 0.3 * style.fontSize))) continue;
    placed.push(b);
    items.push(t);
  }
  return items;
}

/** Curves against one x axis with a legend and labelled marks. */
export function curvesFigure(d: CurvesData, style: FigureStyle, measure: TextMeasurer): Scene {
  if (d.curves.length === 0) throw new Error('curves: nothing to draw');
  const xr = d.xRange ?? finiteRange(d.curves.map((c) => c.x), false) ?? { min: 0, max: 1 };
  const ys = visibleY(d, xr);
  const yData = finiteRange(ys, false) ?? { min: 0, max: 1 };
  const strokes = strokesOf(d, style);
  const legend = legendOf(d.curves.map((c, i) => ({ label: c.label, stroke: strokes[i]! })).filter((e) => e.label), style, measure);
  const labelled = d.marks.some((m) => m.label);
  const row = labelled ? measure.measure('Ag', chartMetrics(style).tickLabelSize, style.fontFamily) : null;
  const markRow = row ? row.ascent + row.descent + 0.4 * style.fontSize : 0;
  let best: { ax: Axes; height: number; margins: ReturnType<typeof axesMargins>; corner: ReturnType<typeof emptiestCorner> } | null = null;
  // More headroom until the legend finds a corner free of data (a few tries).
  for (let attempt = 0; attempt < 4; attempt++) {
    const top = yData.max + (yData.max - yData.min) * 0.2 * attempt;
    const yr = paddedRange({ min: d.yFromZero ? Math.min(0, yData.min) : yData.min, max: top }, false, 0.04);
    if (d.yFromZero && yData.min >= 0) yr.min = 0;
    const l = layout(d, xr, yr, markRow, style, measure);
    const pts = { x: [] as number[], y: [] as number[] };
    d.curves.forEach((c, i) => {
      const p = pagePoints(l.ax, c.x, ys[i]!);
      const s = samplePolyline(p.x, p.y, 1);
      pts.x.push(...s.x);
      pts.y.push(...s.y);
    });
    const corner = emptiestCorner(l.ax.rect, legend.width, legend.height, 0.6 * style.fontSize, pts.x, pts.y);
    if (!best || corner.hits < best.corner.hits) best = { ...l, corner };
    if (corner.hits === 0) break;
  }
  const { ax, height, margins, corner } = best!;
  const lines: Item[] = d.curves.map((c, i) => {
    const p = pagePoints(ax, c.x, ys[i]!);
    return { type: 'path', d: polylinePath(p.x, p.y), stroke: strokes[i]! } satisfies Item;
  });
  const items: Item[] = [clipToRect(ax.rect, lines, 'data'), ...drawAxes(ax, margins, style, measure), ...marksOf(d, ax, style, measure)];
  if (legend.height > 0) items.push(...legend.draw(corner.x, corner.y));
  return {
    width: style.width, height, fontFamily: style.fontFamily, items,
    title: 'Curves',
    description: `${d.curves.length} curve${d.curves.length === 1 ? '' : 's'} of ${d.yLabel} against ${d.xLabel} over [${xr.min}, ${xr.max}]: ${d.curves.map((c) => c.label).join('; ')}` +
      (d.marks.length ? `; marks at ${d.marks.map((m) => `${m.label} = ${m.x}`).join(', ')}` : ''),
  };
}
