// The colour bar of every figure kind: a vector bar of thin abutting rects (optionally with matplotlib-style
// triangular "extend" ends), a thin outline, outward ticks from linearTicks, tick labels and the label.
import { cssColourAt, type ColormapName } from '#shared/colormaps.js';
import type { Item, PathItem, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { linearTicks, type Ticks } from './ticks.js';
import { chartMetrics, labelWithMultiplier, fmt } from './axes.js';

export interface ColourBarOptions {
  colormap: ColormapName;
  /** The value range the colours span (for rdbu, symmetric about the neutral value). */
  min: number;
  max: number;
  /** Markup, e.g. fieldLabel('d2min'). */
  label: string;
  orientation: 'vertical' | 'horizontal';
  /** Points along the bar (the triangular ends included). */
  length: number;
  /** Points across the bar (default about 0.9 * style.fontSize). */
  thickness?: number;
  /** Values beyond the range exist: draw triangular ends (matplotlib "extend"). */
  extendMin?: boolean;
  extendMax?: boolean;
  style: FigureStyle;
  measure: TextMeasurer;
}

export interface ColourBarLayout {
  /** Total extent in points, including ticks, tick labels, multiplier and the label. */
  width: number;
  height: number;
  /** Offset of the bar itself inside that extent (so callers can align the bar with panels). */
  barOffset: { x: number; y: number };
  /** Items drawing the whole colour bar with its extent's top-left corner at (x, y). */
  draw(x: number, y: number): Item[];
}

/** Geometry along the bar, in points from the bar's start (the min end): where the colour ramp lies. */
interface Along {
  /** Length of the min and max triangles (0 when not extended). */
  extMin: number;
  extMax: number;
  /** The ramp between them. */
  ramp: number;
}

function alongOf(o: ColourBarOptions, thickness: number): Along {
  const ext = Math.min(0.15 * o.length, Math.max(0.05 * o.length, thickness));
  const extMin = o.extendMin ? ext : 0;
  const extMax = o.extendMax ? ext : 0;
  return { extMin, extMax, ramp: Math.max(1, o.length - extMin - extMax) };
}

/** Label extent across the bar (vertical: label height; horizontal: label width) for the tick spacing test. */
function ticksFit(t: Ticks, o: ColourBarOptions, rampLength: number, size: number): boolean {
  if (t.values.length < 2) return true;
  const span = o.max - o.min;
  const step = (Math.abs(t.values[1]! - t.values[0]!) / span) * rampLength;
  const family = o.style.fontFamily;
  if (o.orientation === 'vertical') {
    const h = Math.max(...t.labels.map((l) => { const m = o.measure.measure(l, size, family); return m.ascent + m.descent; }));
    return step >= 1.3 * h;
  }
  const w = Math.max(...t.labels.map((l) => o.measure.measure(l, size, family).width));
  return step >= w + 0.8 * o.style.fontSize;
}

/** The ticks a colour bar shows: linearTicks(min, max, target) with the largest target whose labels do not crowd. */
export function colourBarTicks(o: ColourBarOptions): Ticks {
  const thickness = o.thickness ?? 0.9 * o.style.fontSize;
  const ramp = alongOf(o, thickness).ramp;
  const size = chartMetrics(o.style).tickLabelSize;
  const perTick = o.orientation === 'vertical' ? 2.2 * o.style.fontSize : 4 * o.style.fontSize;
  for (let target = Math.max(2, Math.min(8, Math.round(ramp / perTick))); target > 2; target--) {
    const t = linearTicks(o.min, o.max, target);
    if (t.values.length >= 2 && ticksFit(t, o, ramp, size)) return t;
  }
  // Nothing fits comfortably: still label at least two values (a bar with one number cannot be read), thinning
  // the ticks to every k-th one (keeping 0 when it is a tick) until the labels stop crowding.
  for (let target = 2; target <= 6; target++) {
    const t = linearTicks(o.min, o.max, target);
    if (t.values.length < 2) continue;
    const zero = Math.max(0, t.values.indexOf(0));
    for (let k = 1; k <= 4; k++) {
      const keep = t.values.map((_, i) => (i - zero) % k === 0);
      const thin: Ticks = { values: t.values.filter((_, i) => keep[i]), labels: t.labels.filter((_, i) => keep[i]), multiplier: t.multiplier };
      if (thin.values.length >= 2 && ticksFit(thin, o, ramp, size)) return thin;
    }
  }
  return linearTicks(o.min, o.max, 2);
}

/** The bar drawn along +u (min at u = 0) and across +v; `point(u, v)` maps to the page. */
function barItems(o: ColourBarOptions, along: Along, thickness: number, point: (u: number, v: number) => [number, number]): Item[] {
  const slices = Math.max(128, Math.min(256, Math.round(along.ramp)));
  const du = along.ramp / slices;
  const items: Item[] = [];
  for (let i = 0; i < slices; i++) {
    const u0 = along.extMin + i * du;
    // Each slice runs to the end of the ramp and the next is painted over it, so the only edge inside the
    // bar is each slice's start, anti-aliased against its neighbour: no hairline gaps, no light seams.
    const u1 = along.extMin + along.ramp;
    const [ax, ay] = point(u0, 0);
    const [bx, by] = point(u1, thickness);
    items.push({ type: 'rect', x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay), fill: cssColourAt(o.colormap, (i + 0.5) / slices) });
  }
  const triangle = (uBase: number, uTip: number, t: number): PathItem => {
    const c = [point(uBase, 0), point(uTip, thickness / 2), point(uBase, thickness)];
    return { type: 'path', d: `M${c.map(([x, y]) => `${fmt(x)} ${fmt(y)}`).join(' L')} Z`, fill: cssColourAt(o.colormap, t) };
  };
  if (along.extMin > 0) items.push(triangle(along.extMin + 0.3, 0, 0));
  if (along.extMax > 0) items.push(triangle(along.extMin + along.ramp - 0.3, o.length, 1));
  return items;
}

function outlinePath(o: ColourBarOptions, along: Along, thickness: number, point: (u: number, v: number) => [number, number]): PathItem {
  const a = along.extMin;
  const b = along.extMin + along.ramp;
  const pts: [number, number][] = [];
  pts.push(point(a, 0), point(b, 0));
  if (along.extMax > 0) pts.push(point(o.length, thickness / 2));
  pts.push(point(b, thickness), point(a, thickness));
  if (along.extMin > 0) pts.push(point(0, thickness / 2));
  const d = `M${pts.map(([x, y]) => `${fmt(x)} ${fmt(y)}`).join(' L')} Z`;
  return { type: 'path', d, stroke: { colour: '#000000', width: o.style.lineWidth, join: 'miter' } };
}

interface Extent { width: number; height: number; barOffset: { x: number; y: number } }

function verticalLayout(o: ColourBarOptions, ticks: Ticks, thickness: number, along: Along): { extent: Extent; draw: (x: number, y: number) => Item[] } {
  const m = chartMetrics(o.style);
  const family = o.style.fontFamily;
  const label = labelWithMultiplier(o.label, ticks.multiplier);
  const lm = o.measure.measure(label, o.style.fontSize, family);
  const cap = o.measure.capHeight(m.tickLabelSize, family);
  const tm = ticks.labels.map((l) => o.measure.measure(l, m.tickLabelSize, family));
  const labelsW = Math.max(0, ...tm.map((t) => t.width));
  const overTop = Math.max(0, ...tm.map((t) => t.ascent - cap / 2));
  const overBottom = Math.max(0, ...tm.map((t) => t.descent + cap / 2));
  const labelX = thickness + m.tickLength + m.tickPad + labelsW + m.labelPad;
  const labelH = label ? lm.ascent + lm.descent : 0;
  const barTop = Math.max(overTop - along.extMax, (lm.width - o.length) / 2, 0);
  const height = Math.max(barTop + o.length + Math.max(0, overBottom - along.extMin), label ? barTop + o.length / 2 + lm.width / 2 : 0);
  const extent = { width: labelX + labelH, height, barOffset: { x: 0, y: barTop } };
  const draw = (x: number, y: number): Item[] => {
    const x0 = x;
    const y0 = y + barTop;
    // u runs upwards from the bottom (min) end of the bar, v rightwards.
    const point = (u: number, v: number): [number, number] => [x0 + v, y0 + o.length - u];
    const items: Item[] = [{ type: 'group', name: 'colourbar', items: barItems(o, along, thickness, point) }, outlinePath(o, along, thickness, point)];
    const tickPath: string[] = [];
    ticks.values.forEach((v, i) => {
      const u = along.extMin + ((v - o.min) / (o.max - o.min)) * along.ramp;
      const [px, py] = point(u, thickness);
      tickPath.push(`M${fmt(px)} ${fmt(py)} L${fmt(px + m.tickLength)} ${fmt(py)}`);
      const t: TextItem = { type: 'text', x: px + m.tickLength + m.tickPad, y: py, text: ticks.labels[i]!, size: m.tickLabelSize, anchor: 'start', baseline: 'middle' };
      items.push(t);
    });
    if (tickPath.length) items.push({ type: 'path', d: tickPath.join(' '), stroke: { colour: '#000000', width: m.tickWidth } });
    if (label) items.push({ type: 'text', x: x0 + labelX, y: y0 + o.length / 2, text: label, size: o.style.fontSize, anchor: 'middle', baseline: 'top', rotate: 90 });
    return items;
  };
  return { extent, draw };
}

function horizontalLayout(o: ColourBarOptions, ticks: Ticks, thickness: number, along: Along): { extent: Extent; draw: (x: number, y: number) => Item[] } {
  const m = chartMetrics(o.style);
  const family = o.style.fontFamily;
  const label = labelWithMultiplier(o.label, ticks.multiplier);
  const lm = o.measure.measure(label, o.style.fontSize, family);
  const tm = ticks.labels.map((l) => o.measure.measure(l, m.tickLabelSize, family));
  const labelsH = Math.max(0, ...tm.map((t) => t.ascent + t.descent));
  const fraction = (v: number): number => along.extMin + ((v - o.min) / (o.max - o.min)) * along.ramp;
  let overLeft = 0;
  let overRight = 0;
  ticks.values.forEach((v, i) => {
    const u = fraction(v);
    overLeft = Math.max(overLeft, tm[i]!.width / 2 - u);
    overRight = Math.max(overRight, u + tm[i]!.width / 2 - o.length);
  });
  const barLeft = Math.max(overLeft, label ? (lm.width - o.length) / 2 : 0, 0);
  const width = Math.max(barLeft + o.length + overRight, label ? barLeft + o.length / 2 + lm.width / 2 : 0);
  const labelY = thickness + m.tickLength + m.tickPad + labelsH + m.labelPad;
  const height = label ? labelY + lm.ascent + lm.descent : labelY - m.labelPad;
  const extent = { width, height, barOffset: { x: barLeft, y: 0 } };
  const draw = (x: number, y: number): Item[] => {
    const x0 = x + barLeft;
    const y0 = y;
    const point = (u: number, v: number): [number, number] => [x0 + u, y0 + v];
    const items: Item[] = [{ type: 'group', name: 'colourbar', items: barItems(o, along, thickness, point) }, outlinePath(o, along, thickness, point)];
    const tickPath: string[] = [];
    ticks.values.forEach((v, i) => {
      const [px, py] = point(fraction(v), thickness);
      tickPath.push(`M${fmt(px)} ${fmt(py)} L${fmt(px)} ${fmt(py + m.tickLength)}`);
      items.push({ type: 'text', x: px, y: py + m.tickLength + m.tickPad, text: ticks.labels[i]!, size: m.tickLabelSize, anchor: 'middle', baseline: 'top' });
    });
    if (tickPath.length) items.push({ type: 'path', d: tickPath.join(' '), stroke: { colour: '#000000', width: m.tickWidth } });
    if (label) items.push({ type: 'text', x: x0 + o.length / 2, y: y0 + labelY, text: label, size: o.style.fontSize, anchor: 'middle', baseline: 'top' });
    return items;
  };
  return { extent, draw };
}

/** Lay out a colour bar: its extent, where the bar sits inside it, and a function drawing it anywhere. */
export function layoutColourBar(o: ColourBarOptions): ColourBarLayout {
  if (!(o.max > o.min)) throw new Error(`colour bar: range [${o.min}, ${o.max}] is empty`);
  const thickness = o.thickness ?? 0.9 * o.style.fontSize;
  const along = alongOf(o, thickness);
  const ticks = colourBarTicks(o);
  const { extent, draw } = o.orientation === 'vertical' ? verticalLayout(o, ticks, thickness, along) : horizontalLayout(o, ticks, thickness, along);
  // Half the outline's width all round, so the stroke stays inside the extent too.
  const e = o.style.lineWidth / 2;
  return {
    width: extent.width + 2 * e,
    height: extent.height + 2 * e,
    barOffset: { x: extent.barOffset.x + e, y: extent.barOffset.y + e },
    draw: (x, y) => draw(x + e, y + e),
  };
}
