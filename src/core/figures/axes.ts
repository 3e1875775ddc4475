// The axes every chart kind draws: linear or log scales, outward major (and, on log axes, minor) ticks, tick
// labels that never collide, axis labels (y rotated 90°), the margins they need, data-to-page transforms and clipping.
import { packRGBA } from '#shared/colormaps.js';
import type { CirclesItem, FontFamily, GroupItem, Item, Rect, Stroke, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { linearTicks, logTicks } from './ticks.js';

/** Okabe & Ito's colour-blind-safe palette (black first), for lines that are not a sequence. */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#e69f00',
  skyBlue: '#56b4e9',
  green: '#009e73',
  yellow: '#f0e442',
  blue: '#0072b2',
  vermillion: '#d55e00',
  purple: '#cc79a7',
} as const;

export interface ChartMetrics {
  tickLength: number;
  minorTickLength: number;
  /** Gap between a tick and its label, and between tick labels and the axis label. */
  tickPad: number;
  labelPad: number;
  tickLabelSize: number;
  tickWidth: number;
  /** Width of data lines. */
  dataLineWidth: number;
}

/** Tick and label sizes in points, following matplotlib's proportions (3.5 pt ticks at 10 pt text). */
export function chartMetrics(style: FigureStyle): ChartMetrics {
  const fs = style.fontSize;
  return {
    tickLength: 0.4 * fs,
    minorTickLength: 0.22 * fs,
    tickPad: 0.3 * fs,
    labelPad: 0.4 * fs,
    tickLabelSize: Math.max(4, fs - 1),
    tickWidth: style.lineWidth,
    dataLineWidth: Math.max(0.75, 1.6 * style.lineWidth),
  };
}

/** A coordinate for a path string: at most 3 decimals, no "-0". */
export function fmt(v: number): string {
  const s = v.toFixed(3).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** The axis label with the ticks' common factor, e.g. "MSD (×10^{−3})". */
export function labelWithMultiplier(label: string, multiplier: string): string {
  if (!multiplier) return label;
  return label ? `${label} (${multiplier})` : multiplier;
}

export interface Box { x0: number; y0: number; x1: number; y1: number }

/** The page-aligned bounding box of a text item (rotation and sub/superscripts included). */
export function textBox(t: TextItem, measure: TextMeasurer, family: FontFamily): Box {
  const m = measure.measure(t.text, t.size, family, t.bold);
  const cap = measure.capHeight(t.size, family);
  const left = t.anchor === 'middle' ? -m.width / 2 : t.anchor === 'end' ? -m.width : 0;
  const base = t.baseline === 'middle' ? cap / 2 : t.baseline === 'top' ? m.ascent : t.baseline === 'bottom' ? -m.descent : 0;
  const a = ((t.rotate ?? 0) * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const dx of [left, left + m.width]) {
    for (const dy of [base - m.ascent, base + m.descent]) {
      // Counter-clockwise as seen on a y-down page.
      xs.push(t.x + dx * c + dy * s);
      ys.push(t.y - dx * s + dy * c);
    }
  }
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

export function boxesOverlap(a: Box, b: Box, gap = 0): boolean {
  return a.x0 < b.x1 + gap && b.x0 < a.x1 + gap && a.y0 < b.y1 + gap && b.y0 < a.y1 + gap;
}

/** Split a markup label at spaces outside braces into lines no wider than `maxWidth` (one word may overflow). */
export function wrapLabel(label: string, maxWidth: number, size: number, family: FontFamily, measure: TextMeasurer): string[] {
  if (!label) return [];
  if (measure.measure(label, size, family).width <= maxWidth) return [label];
  const words: string[] = [];
  let depth = 0;
  let word = '';
  for (const ch of label) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ' ' && depth === 0) {
      words.push(word);
      word = '';
    } else word += ch;
  }
  words.push(word);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (line && measure.measure(next, size, family).width > maxWidth) {
      lines.push(line);
      line = w;
    } else line = next;
  }
  lines.push(line);
  return lines;
}

export type ScaleKind = 'linear' | 'log';

export interface AxisPlan {
  kind: ScaleKind;
  min: number;
  max: number;
  /** Major ticks; a label '' is an unlabelled major tick. */
  values: number[];
  labels: string[];
  /** Minor ticks (log axes). */
  minor: number[];
  /** The axis label (markup) with the ticks' common factor appended. */
  label: string;
  /** Length of the axis in points and its direction. */
  length: number;
  orientation: 'x' | 'y';
  /** The axis label broken into lines (y labels longer than the axis). */
  labelLines: string[];
}

export interface AxisOptions {
  log: boolean;
  length: number;
  orientation: 'x' | 'y';
  label: string;
  style: FigureStyle;
  measure: TextMeasurer;
  /** Drop tick labels reaching more than this many points beyond the ends of the axis (stacked panels); `low` is the min end. */
  maxOverhang?: number | { low: number; high: number };
  /** Upper bound of the number of ticks asked of linearTicks. */
  maxTicks?: number;
}

/** The finite extent of several arrays (only positive values when `log`); null if there is none. */
export function finiteRange(arrays: readonly ArrayLike<number>[], log: boolean): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : null;
}

/** Widen [min, max] by `margin` of its span on each side (in log space on log axes); degenerate ranges open up. */
export function paddedRange(r: { min: number; max: number }, log: boolean, margin = 0.05): { min: number; max: number } {
  if (log) {
    let a = Math.log10(r.min);
    let b = Math.log10(r.max);
    if (b - a < 1e-9) {
      a -= 0.5;
      b += 0.5;
    }
    const d = (b - a) * margin;
    return { min: 10 ** (a - d), max: 10 ** (b + d) };
  }
  let { min, max } = r;
  if (max - min <= Math.abs(max) * 1e-12) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d;
    max += d;
  }
  const d = (max - min) * margin;
  return { min: min - d, max: max + d };
}

/** Position of v along an axis as a fraction of its length (NaN for values a log axis cannot show). */
export function fraction(a: AxisPlan, v: number): number {
  if (a.kind === 'log') {
    if (!(v > 0)) return NaN;
    return (Math.log10(v) - Math.log10(a.min)) / (Math.log10(a.max) - Math.log10(a.min));
  }
  return (v - a.min) / (a.max - a.min);
}

function labelExtent(labels: string[], o: AxisOptions): number[] {
  const size = chartMetrics(o.style).tickLabelSize;
  return labels.map((l) => {
    if (!l) return 0;
    const m = o.measure.measure(l, size, o.style.fontFamily);
    return o.orientation === 'x' ? m.width : m.ascent + m.descent;
  });
}

/** Do neighbouring tick labels keep a readable gap? */
function labelsFit(plan: AxisPlan, o: AxisOptions, gapScale = 1): boolean {
  const ext = labelExtent(plan.labels, o);
  const gap = gapScale * (o.orientation === 'x' ? 0.6 * o.style.fontSize : 0.3 * o.style.fontSize);
  let lastEnd = -Infinity;
  for (let i = 0; i < plan.values.length; i++) {
    if (!plan.labels[i]) continue;
    const c = fraction(plan, plan.values[i]!) * plan.length;
    if (c - ext[i]! / 2 < lastEnd + gap) return false;
    lastEnd = c + ext[i]! / 2;
  }
  return true;
}

function linearPlan(min: number, max: number, target: number, o: AxisOptions): AxisPlan {
  const t = linearTicks(min, max, target);
  const inside = t.values.map((v, i) => [v, t.labels[i]!] as const).filter(([v]) => v >= min - 1e-9 * (max - min) && v <= max + 1e-9 * (max - min));
  return {
    kind: 'linear', min, max, values: inside.map(([v]) => v), labels: inside.map(([, l]) => l), minor: [],
    label: labelWithMultiplier(o.label, t.multiplier), length: o.length, orientation: o.orientation, labelLines: [],
  };
}

function logPlan(min: number, max: number, o: AxisOptions): AxisPlan {
  const t = logTicks(min, max);
  const plan: AxisPlan = {
    kind: 'log', min, max, values: t.values, labels: t.labels, minor: t.minor,
    label: o.label, length: o.length, orientation: o.orientation, labelLines: [],
  };
  if (t.values.length < 2) {
    // Less than a decade: plain numbers at linear positions, shown on the log scale.
    const lin = linearTicks(min, max, 4);
    plan.values = lin.values.filter((v) => v >= min && v <= max && v > 0);
    plan.labels = plan.values.map((v) => lin.labels[lin.values.indexOf(v)]!);
    plan.label = labelWithMultiplier(o.label, lin.multiplier);
  }
  // Crowded decades: keep every second label, the rest stay as unlabelled major ticks.
  for (let every = 2; !labelsFit(plan, o) && every <= 8; every *= 2) {
    plan.labels = plan.labels.map((_, i) => (i % every === 0 ? (t.values.length >= 2 ? t.labels[i]! : plan.labels[i]!) : ''));
  }
  return plan;
}

/** Blank the tick labels that would stick out of the axis ends by more than `maxOverhang`. */
function trimOverhang(plan: AxisPlan, o: AxisOptions): void {
  if (o.maxOverhang === undefined) return;
  const { low, high } = typeof o.maxOverhang === 'number' ? { low: o.maxOverhang, high: o.maxOverhang } : o.maxOverhang;
  const ext = labelExtent(plan.labels, o);
  plan.labels = plan.labels.map((l, i) => {
    const c = fraction(plan, plan.values[i]!) * plan.length;
    return c - ext[i]! / 2 < -low || c + ext[i]! / 2 > plan.length + high ? '' : l;
  });
}

function labelledCount(plan: AxisPlan): number {
  return plan.labels.filter(Boolean).length;
}

/** Keep the labels of every second tick (even or odd multiples of the step); the others become unlabelled ticks. */
function alternateLabels(plan: AxisPlan, parity: number): AxisPlan {
  if (plan.values.length < 2) return plan;
  const step = plan.values[1]! - plan.values[0]!;
  return { ...plan, labels: plan.labels.map((l, i) => (Math.abs(Math.round(plan.values[i]! / step)) % 2 === parity ? l : '')) };
}

/** Linear ticks: the largest target up to the ideal one whose labels fit and leave two labels inside the
 *  allowed overhang; failing that denser ticks with every second one labelled; failing that the best fit. */
function bestLinearPlan(range: { min: number; max: number }, o: AxisOptions): AxisPlan {
  const per = o.orientation === 'x' ? 4.5 * o.style.fontSize : 2.6 * o.style.fontSize;
  const ideal = Math.max(2, Math.min(o.maxTicks ?? 8, Math.round(o.length / per)));
  let fallback: AxisPlan | null = null;
  // A comfortable gap between labels first; a tighter one before settling for a single label.
  for (const gapScale of [1, 0.5]) {
    const accept = (plan: AxisPlan): AxisPlan | null => {
      if (!labelsFit(plan, o, gapScale)) return null;
      trimOverhang(plan, o);
      return labelledCount(plan) >= 2 ? plan : null;
    };
    for (let target = ideal; target >= 2; target--) {
      const plan = linearPlan(range.min, range.max, target, o);
      if (!fallback && labelsFit(plan, o)) fallback = plan;
      const ok = accept({ ...plan });
      if (ok) return ok;
    }
    for (const alternate of [false, true]) {
      for (let target = ideal + 1; target <= ideal + 6; target++) {
        const plan = linearPlan(range.min, range.max, target, o);
        for (const parity of alternate ? [0, 1] : [-1]) {
          const ok = accept(parity < 0 ? { ...plan } : alternateLabels(plan, parity));
          if (ok) return ok;
        }
      }
    }
  }
  const plan = fallback ?? linearPlan(range.min, range.max, 2, o);
  trimOverhang(plan, o);
  return plan;
}

/** Ticks and labels of an axis over [min, max]: as many nice ticks as the labels leave room for. */
export function planAxis(range: { min: number; max: number }, o: AxisOptions): AxisPlan {
  let plan: AxisPlan;
  if (o.log && range.min > 0) {
    plan = logPlan(range.min, range.max, o);
    trimOverhang(plan, o);
  } else plan = bestLinearPlan(range, o);
  plan.labelLines = o.orientation === 'y' ? wrapLabel(plan.label, o.length, o.style.fontSize, o.style.fontFamily, o.measure) : plan.label ? [plan.label] : [];
  return plan;
}

export interface Axes { rect: Rect; x: AxisPlan; y: AxisPlan }

export function pageX(ax: Axes, v: number): number {
  return ax.rect.x + fraction(ax.x, v) * ax.rect.w;
}

export function pageY(ax: Axes, v: number): number {
  return ax.rect.y + (1 - fraction(ax.y, v)) * ax.rect.h;
}

export interface Margins { left: number; right: number; top: number; bottom: number }

/** Which parts of an axes frame are labelled (stacked panels sharing x drop the upper x tick labels). */
export interface AxesDecor {
  xTickLabels?: boolean;
  yTickLabels?: boolean;
  xLabel?: boolean;
  yLabel?: boolean;
}

export function maxMargins(ms: readonly Margins[]): Margins {
  return {
    left: Math.max(0, ...ms.map((m) => m.left)),
    right: Math.max(0, ...ms.map((m) => m.right)),
    top: Math.max(0, ...ms.map((m) => m.top)),
    bottom: Math.max(0, ...ms.map((m) => m.bottom)),
  };
}

function lineHeight(style: FigureStyle, measure: TextMeasurer): number {
  const m = measure.measure('Ag', style.fontSize, style.fontFamily);
  return m.ascent + m.descent;
}

/** The room outside the plot rect that ticks, tick labels and axis labels need. */
export function axesMargins(x: AxisPlan, y: AxisPlan, style: FigureStyle, measure: TextMeasurer, decor: AxesDecor = {}): Margins {
  const m = chartMetrics(style);
  const family = style.fontFamily;
  const size = m.tickLabelSize;
  const cap = measure.capHeight(size, family);
  const xm = x.labels.map((l) => (l ? measure.measure(l, size, family) : null));
  const ym = y.labels.map((l) => (l ? measure.measure(l, size, family) : null));
  const out: Margins = { left: m.tickLength, right: 0, top: 0, bottom: m.tickLength };
  if (decor.yTickLabels !== false) {
    out.left += m.tickPad + Math.max(0, ...ym.map((t) => t?.width ?? 0));
    y.values.forEach((v, i) => {
      const t = ym[i];
      if (!t) return;
      const c = (1 - fraction(y, v)) * y.length;
      out.top = Math.max(out.top, t.ascent - cap / 2 - c);
      out.bottom = Math.max(out.bottom, c + t.descent + cap / 2 - y.length);
    });
  }
  if (decor.yLabel !== false && y.labelLines.length) out.left += m.labelPad + y.labelLines.length * lineHeight(style, measure);
  if (decor.xTickLabels !== false) {
    out.bottom += m.tickPad + Math.max(0, ...xm.map((t) => (t ? t.ascent + t.descent : 0)));
    x.values.forEach((v, i) => {
      const t = xm[i];
      if (!t) return;
      const c = fraction(x, v) * x.length;
      out.right = Math.max(out.right, c + t.width / 2 - x.length);
      out.left = Math.max(out.left, t.width / 2 - c);
    });
  }
  if (decor.xLabel !== false && x.labelLines.length) out.bottom += m.labelPad + lineHeight(style, measure);
  return out;
}

function tickPath(ax: Axes, axis: 'x' | 'y', values: readonly number[], length: number): string {
  const parts: string[] = [];
  const { rect } = ax;
  for (const v of values) {
    if (axis === 'x') {
      const px = pageX(ax, v);
      if (Number.isFinite(px)) parts.push(`M${fmt(px)} ${fmt(rect.y + rect.h)} L${fmt(px)} ${fmt(rect.y + rect.h + length)}`);
    } else {
      const py = pageY(ax, v);
      if (Number.isFinite(py)) parts.push(`M${fmt(rect.x)} ${fmt(py)} L${fmt(rect.x - length)} ${fmt(py)}`);
    }
  }
  return parts.join(' ');
}

/** The frame, outward ticks, tick labels and axis labels of one axes; `margins` places the axis labels at their outer edge. */
export function drawAxes(ax: Axes, margins: Margins, style: FigureStyle, measure: TextMeasurer, decor: AxesDecor = {}): Item[] {
  const m = chartMetrics(style);
  const { rect } = ax;
  const items: Item[] = [{ type: 'rect', x: rect.x, y: rect.y, w: rect.w, h: rect.h, stroke: { colour: '#000000', width: style.lineWidth, join: 'miter' } }];
  const major = [tickPath(ax, 'x', ax.x.values, m.tickLength), tickPath(ax, 'y', ax.y.values, m.tickLength)].filter(Boolean).join(' ');
  const minor = [tickPath(ax, 'x', ax.x.minor, m.minorTickLength), tickPath(ax, 'y', ax.y.minor, m.minorTickLength)].filter(Boolean).join(' ');
  if (major) items.push({ type: 'path', d: major, stroke: { colour: '#000000', width: m.tickWidth, cap: 'butt' } });
  if (minor) items.push({ type: 'path', d: minor, stroke: { colour: '#000000', width: 0.75 * m.tickWidth, cap: 'butt' } });
  if (decor.xTickLabels !== false) {
    ax.x.values.forEach((v, i) => {
      const text = ax.x.labels[i];
      if (text) items.push({ type: 'text', x: pageX(ax, v), y: rect.y + rect.h + m.tickLength + m.tickPad, text, size: m.tickLabelSize, anchor: 'middle', baseline: 'top' });
    });
  }
  if (decor.yTickLabels !== false) {
    ax.y.values.forEach((v, i) => {
      const text = ax.y.labels[i];
      if (text) items.push({ type: 'text', x: rect.x - m.tickLength - m.tickPad, y: pageY(ax, v), text, size: m.tickLabelSize, anchor: 'end', baseline: 'middle' });
    });
  }
  if (decor.xLabel !== false && ax.x.labelLines.length) {
    items.push({ type: 'text', x: rect.x + rect.w / 2, y: rect.y + rect.h + margins.bottom, text: ax.x.labelLines.join(' '), size: style.fontSize, anchor: 'middle', baseline: 'bottom' });
  }
  if (decor.yLabel !== false) {
    const lh = lineHeight(style, measure);
    ax.y.labelLines.forEach((line, i) => {
      items.push({ type: 'text', x: rect.x - margins.left + i * lh, y: rect.y + rect.h / 2, text: line, size: style.fontSize, anchor: 'middle', baseline: 'top', rotate: 90 });
    });
  }
  return items;
}

/** Data items clipped to the plot rect. */
export function clipToRect(rect: Rect, items: Item[], name?: string): GroupItem {
  const g: GroupItem = { type: 'group', clip: { ...rect }, items };
  if (name) g.name = name;
  return g;
}

/** Page coordinates of a series (NaN where a value is missing or cannot be shown on a log axis). */
export function pagePoints(ax: Axes, xs: ArrayLike<number>, ys: ArrayLike<number>): { x: Float64Array; y: Float64Array } {
  const n = Math.min(xs.length, ys.length);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = pageX(ax, xs[i]!);
    y[i] = pageY(ax, ys[i]!);
  }
  return { x, y };
}

/** An SVG path through page points, broken where a point is missing. */
export function polylinePath(x: ArrayLike<number>, y: ArrayLike<number>): string {
  const parts: string[] = [];
  let pen = false;
  for (let i = 0; i < x.length; i++) {
    const ok = Number.isFinite(x[i]!) && Number.isFinite(y[i]!);
    if (!ok) {
      pen = false;
      continue;
    }
    parts.push(`${pen ? 'L' : 'M'}${fmt(x[i]!)} ${fmt(y[i]!)}`);
    pen = true;
  }
  return parts.join(' ');
}

/** Points every `step` points along a polyline (for counting what a legend or label would cover). */
export function samplePolyline(x: ArrayLike<number>, y: ArrayLike<number>, step: number): { x: number[]; y: number[] } {
  const out = { x: [] as number[], y: [] as number[] };
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) continue;
    out.x.push(x[i]!);
    out.y.push(y[i]!);
    const j = i + 1;
    if (j >= x.length || !Number.isFinite(x[j]!) || !Number.isFinite(y[j]!)) continue;
    const len = Math.hypot(x[j]! - x[i]!, y[j]! - y[i]!);
    for (let k = 1; k * step < len; k++) {
      out.x.push(x[i]! + ((x[j]! - x[i]!) * k * step) / len);
      out.y.push(y[i]! + ((y[j]! - y[i]!) * k * step) / len);
    }
  }
  return out;
}

export type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** The corner of `rect` where a w x h box (inset by `pad`) covers the fewest of the given page points. */
export function emptiestCorner(rect: Rect, w: number, h: number, pad: number, xs: ArrayLike<number>, ys: ArrayLike<number>,
  order: readonly Corner[] = ['top-right', 'top-left', 'bottom-right', 'bottom-left']): { corner: Corner; x: number; y: number; hits: number } {
  let best = { corner: order[0]!, x: 0, y: 0, hits: Infinity };
  for (const corner of order) {
    const x = corner.endsWith('left') ? rect.x + pad : rect.x + rect.w - pad - w;
    const y = corner.startsWith('top') ? rect.y + pad : rect.y + rect.h - pad - h;
    let hits = 0;
    for (let i = 0; i < xs.length; i++) {
      const px = xs[i]!;
      const py = ys[i]!;
      if (px >= x - pad / 2 && px <= x + w + pad / 2 && py >= y - pad / 2 && py <= y + h + pad / 2) hits++;
    }
    if (hits < best.hits) best = { corner, x, y, hits };
  }
  return best;
}

/** Relative luminance (WCAG) of a '#rrggbb' colour: picks black or white text on a fill. */
export function relativeLuminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
}

/** Black or white, whichever contrasts more with the fill. */
export function textColourOn(fill: string): string {
  const l = relativeLuminance(fill);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

/** Vector dots of one colour ('#rrggbb' with an opacity) at page points. */
export function dots(xs: readonly number[], ys: readonly number[], r: number, fill: string, opacity = 1, stroke?: Stroke): CirclesItem {
  const v = parseInt(fill.slice(1), 16);
  const packed = packRGBA((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, Math.round(255 * opacity));
  const item: CirclesItem = {
    type: 'circles', cx: Float64Array.from(xs), cy: Float64Array.from(ys), r: new Float64Array(xs.length).fill(r), fill: new Uint32Array(xs.length).fill(packed),
  };
  if (stroke) item.stroke = stroke;
  return item;
}
