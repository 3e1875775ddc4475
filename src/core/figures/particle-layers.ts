// The building blocks of the particle figures (fields, vectors, grid): where a box goes on the page, the particle
// layer (disks of their true diameter wrapped into the box, with their periodic images, as circles or one raster
// image), the arrow layer, the box outline, the scale bar, and the colours of a field over a row of panels.
import type { Box } from '../box.js';
import {
  colormapFor, magnitudes, mapValues, NAN_RGB, packRGBA, rangeOf, type ColormapName,
} from '#shared/colormaps.js';
import { rasterize } from '#shared/particle-raster.js';
import { boxCorners } from '#shared/view.js';
import { chartMetrics, fmt } from './axes.js';
import { fieldLabel } from './labels.js';
import type { ArrowsItem, CirclesItem, GroupItem, ImageItem, Item, PathItem, Rect, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { formatScientific } from './ticks.js';

/** One panel's particles: a frame's box, positions, diameters and the values shown. */
export interface ParticlePanel {
  /** Markup, e.g. 'before (frame 141)'. */
  title: string;
  box: Box;
  /** n*3 absolute Cartesian positions (Frame.positions); may be unwrapped: they are wrapped into the box. */
  positions: Float64Array;
  /** n true diameters. */
  diameters: Float64Array;
  /** n*components values; NaN marks a flagged particle (drawn in NAN_RGB grey). */
  values: Float32Array | null;
  /** 1 for a scalar field; 2-3 for vectors (arrows use the first two). */
  components: number;
}

/** Where a box is drawn: page = (rect.x + (x - xmin) * scale, rect.y + (ymax - y) * scale), world y up. */
export interface PanelFrame {
  /** The bounding rectangle of the box's xy face on the page (points). */
  rect: Rect;
  /** Points per box unit, the same in every panel of a figure. */
  scale: number;
  xmin: number;
  ymax: number;
}

/** The colours of a field over the panels of one row, and the colour bar that explains them. */
export interface FieldColours {
  map: ColormapName;
  min: number;
  max: number;
  extendMin: boolean;
  extendMax: boolean;
  label: string;
  /** One packed colour per particle, per panel. */
  colours: Uint32Array[];
}

const EDGE_MAX_N = 5000;
const EDGE_COLOUR = '#333333';
/** The colour of a flagged particle (NaN value). */
export const NAN_PACKED = packRGBA(NAN_RGB[0], NAN_RGB[1], NAN_RGB[2]);
const MAX_RASTER_PIXELS = 40e6;
const NICE_MANTISSAS = [1, 2, 5];

// ---------------------------------------------------------------------------------------------------------
// Box geometry

interface Extent { xmin: number; xmax: number; ymin: number; ymax: number }

/** The bounding rectangle of a box's xy face (the parallelogram origin, +a, +a+b, +b) in box units. */
export function boxExtent(box: Box): Extent {
  const c = boxCorners(box);
  const xs = c.map((p) => p[0]);
  const ys = c.map((p) => p[1]);
  return { xmin: Math.min(...xs), xmax: Math.max(...xs), ymin: Math.min(...ys), ymax: Math.max(...ys) };
}

/** The frame drawing `box` at `scale` points per unit with its bounding rectangle's top-left at (left, top). */
export function frameFor(box: Box, left: number, top: number, scale: number): PanelFrame {
  const e = boxExtent(box);
  const rect = { x: left, y: top, w: (e.xmax - e.xmin) * scale, h: (e.ymax - e.ymin) * scale };
  return { rect, scale, xmin: e.xmin, ymax: e.ymax };
}

export function toPage(f: PanelFrame, x: number, y: number): [number, number] {
  return [f.rect.x + (x - f.xmin) * f.scale, f.rect.y + (f.ymax - y) * f.scale];
}

/** The box's parallelogram as a closed path on the page. */
export function boxPath(f: PanelFrame, box: Box): string {
  const pts = boxCorners(box).map(([x, y]) => toPage(f, x, y));
  return `M ${pts.map(([x, y]) => `${fmt(x)} ${fmt(y)}`).join(' L ')} Z`;
}

/** The 2D cell of a box: its xy edge vectors, which axes are periodic, and the distances between opposite edges. */
interface Cell {
  ox: number; oy: number; ax: number; ay: number; bx: number; by: number; det: number;
  /** Distance between the two edges parallel to b (across a), and between the two parallel to a. */
  h0: number; h1: number;
  p0: boolean; p1: boolean;
}

function cellOf(box: Box): Cell {
  const [[ax, ay], [bx, by]] = box.vectors;
  const det = ax * by - ay * bx;
  return {
    ox: box.origin[0], oy: box.origin[1], ax, ay, bx, by, det,
    h0: Math.abs(det) / Math.hypot(bx, by), h1: Math.abs(det) / Math.hypot(ax, ay),
    p0: box.periodic[0], p1: box.periodic[1],
  };
}

/** Particles wrapped into the box: world positions and fractional coordinates, finite positions only. */
interface Placed { index: Int32Array; x: Float64Array; y: Float64Array; s0: Float64Array; s1: Float64Array; count: number }

function placeInBox(panel: ParticlePanel, cell: Cell): Placed {
  const n = Math.floor(panel.positions.length / 3);
  const p: Placed = {
    index: new Int32Array(n), x: new Float64Array(n), y: new Float64Array(n),
    s0: new Float64Array(n), s1: new Float64Array(n), count: 0,
  };
  for (let i = 0; i < n; i++) {
    const dx = panel.positions[3 * i] - cell.ox;
    const dy = panel.positions[3 * i + 1] - cell.oy;
    let s0 = (dx * cell.by - dy * cell.bx) / cell.det;
    let s1 = (cell.ax * dy - cell.ay * dx) / cell.det;
    if (!Number.isFinite(s0) || !Number.isFinite(s1)) continue;
    if (cell.p0) s0 -= Math.floor(s0);
    if (cell.p1) s1 -= Math.floor(s1);
    const k = p.count++;
    p.index[k] = i;
    p.s0[k] = s0;
    p.s1[k] = s1;
    p.x[k] = cell.ox + s0 * cell.ax + s1 * cell.bx;
    p.y[k] = cell.oy + s0 * cell.ay + s1 * cell.by;
  }
  return p;
}

/**
 * The periodic images of a shape reaching `reach` box units from a point at fractional (s0, s1) that can overlap
 * the box: a shift by ±a needs the point within `reach` of the edge it crosses (measured across the slab), the same
 * for ±b, and both for the corner images. Callers clip to the box, so the few extra images at acute corners are harmless.
 */
function forEachImage(cell: Cell, s0: number, s1: number, reach: number, visit: (dx: number, dy: number) => void): void {
  const i0 = cell.p0 ? shiftsAlong(s0, cell.h0, reach) : NO_SHIFT;
  const i1 = cell.p1 ? shiftsAlong(s1, cell.h1, reach) : NO_SHIFT;
  for (const i of i0) {
    for (const j of i1) {
      if (i !== 0 || j !== 0) visit(i * cell.ax + j * cell.bx, i * cell.ay + j * cell.by);
    }
  }
}

const NO_SHIFT = [0];

function shiftsAlong(s: number, h: number, reach: number): number[] {
  const out = [0];
  if (s * h < reach) out.push(1);
  if ((1 - s) * h < reach) out.push(-1);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Layers

/** The disks of one panel (true diameters, wrapped into the box, images across periodic edges), clipped to the
 *  box, in a group named 'particles': vector circles, or one embedded image when style.rasterParticles is set.
 *  `edge`: the colour of a thin edge around each disk, or false; by default a dark grey one up to 5000 disks. */
export function particleLayer(panel: ParticlePanel, frame: PanelFrame, colours: Uint32Array, style: FigureStyle, edge?: string | false): GroupItem {
  const cell = cellOf(panel.box);
  const placed = placeInBox(panel, cell);
  const main = disksOf(panel, placed, frame, colours);
  const images = imageDisksOf(panel, placed, cell, frame, colours);
  const clip = { path: boxPath(frame, panel.box) };
  if (style.rasterParticles) {
    return { type: 'group', name: 'particles', clip, items: [rasterDisks(frame, [main, images], style.rasterDpi)] };
  }
  const edgeColour = edge ?? (placed.count <= EDGE_MAX_N ? EDGE_COLOUR : false);
  if (edgeColour) {
    const stroke = { colour: edgeColour, width: edgeWidth(main.r) };
    main.stroke = stroke;
    images.stroke = stroke;
  }
  const items: Item[] = [main];
  if (images.cx.length) items.push(images);
  return { type: 'group', name: 'particles', clip, items };
}

/** A thin edge: 6 % of the median radius, between 0.05 and 0.25 pt. */
function edgeWidth(r: Float64Array): number {
  if (!r.length) return 0.1;
  const sorted = Float64Array.from(r).sort();
  return Math.min(0.25, Math.max(0.05, 0.06 * sorted[sorted.length >> 1]));
}

function disksOf(panel: ParticlePanel, placed: Placed, frame: PanelFrame, colours: Uint32Array): CirclesItem {
  const n = placed.count;
  const c: CirclesItem = { type: 'circles', cx: new Float64Array(n), cy: new Float64Array(n), r: new Float64Array(n), fill: new Uint32Array(n) };
  for (let k = 0; k < n; k++) {
    const i = placed.index[k];
    [c.cx[k], c.cy[k]] = toPage(frame, placed.x[k], placed.y[k]);
    c.r[k] = (panel.diameters[i] / 2) * frame.scale;
    c.fill[k] = colours[i] ?? NAN_PACKED;
  }
  return c;
}

function imageDisksOf(panel: ParticlePanel, placed: Placed, cell: Cell, frame: PanelFrame, colours: Uint32Array): CirclesItem {
  const cx: number[] = [];
  const cy: number[] = [];
  const r: number[] = [];
  const fill: number[] = [];
  for (let k = 0; k < placed.count; k++) {
    const i = placed.index[k];
    const radius = panel.diameters[i] / 2;
    forEachImage(cell, placed.s0[k], placed.s1[k], radius, (dx, dy) => {
      const [px, py] = toPage(frame, placed.x[k] + dx, placed.y[k] + dy);
      cx.push(px);
      cy.push(py);
      r.push(radius * frame.scale);
      fill.push(colours[i] ?? NAN_PACKED);
    });
  }
  return { type: 'circles', cx: Float64Array.from(cx), cy: Float64Array.from(cy), r: Float64Array.from(r), fill: Uint32Array.from(fill) };
}

/** The disks rasterized at `dpi` over the frame's rectangle (the CPU rasterizer of the workbench panes). */
function rasterDisks(frame: PanelFrame, sets: CirclesItem[], dpi: number): ImageItem {
  const { rect } = frame;
  const density = Math.min(dpi / 72, Math.sqrt(MAX_RASTER_PIXELS / Math.max(1, rect.w * rect.h)));
  const width = Math.max(1, Math.ceil(rect.w * density));
  const height = Math.max(1, Math.ceil(rect.h * density));
  const n = sets.reduce((s, c) => s + c.cx.length, 0);
  const xy = new Float32Array(2 * n);
  const radii = new Float32Array(n);
  const colours = new Uint32Array(n);
  let k = 0;
  // Page points relative to the rect, in pixels; the rasterizer's world has y up, so y is negated.
  for (const c of sets) {
    for (let i = 0; i < c.cx.length; i++, k++) {
      xy[2 * k] = (c.cx[i] - rect.x) * density;
      xy[2 * k + 1] = -(c.cy[i] - rect.y) * density;
      radii[k] = c.r[i] * density;
      colours[k] = c.fill[i];
    }
  }
  const pixels = new Uint32Array(width * height);
  rasterize({ width, height, pixels }, {
    n, xy, radii, colours, view: { cx: width / 2, cy: -height / 2, scale: 1 }, cssWidth: width, cssHeight: height, resolution: 1, minRadius: 0,
  });
  return { type: 'image', ...rect, pixelWidth: width, pixelHeight: height, rgba: new Uint8Array(pixels.buffer), smooth: true };
}

export interface ArrowStyle { colour: string; width: number; headLength: number; headWidth: number }

/** Arrows from each particle (first two components, `arrowScale` box units per unit of displacement), with their
 *  images across periodic edges, clipped to the box, in a group named 'arrows'. Zero and NaN vectors draw nothing. */
export function arrowLayer(panel: ParticlePanel, frame: PanelFrame, arrowScale: number, look: ArrowStyle): GroupItem {
  const cell = cellOf(panel.box);
  const placed = placeInBox(panel, cell);
  const main = newArrows();
  const images = newArrows();
  const m = panel.components;
  const values = panel.values;
  for (let k = 0; values && k < placed.count; k++) {
    const i = placed.index[k];
    const vx = values[i * m] * arrowScale;
    const vy = (m > 1 ? values[i * m + 1] : 0) * arrowScale;
    const length = Math.hypot(vx, vy);
    if (!(length > 0) || !Number.isFinite(length)) continue;
    pushArrow(main, frame, placed.x[k], placed.y[k], vx, vy);
    forEachImage(cell, placed.s0[k], placed.s1[k], length, (dx, dy) => pushArrow(images, frame, placed.x[k] + dx, placed.y[k] + dy, vx, vy));
  }
  const items: Item[] = [packArrows(main, look)];
  if (images.x0.length) items.push(packArrows(images, look));
  return { type: 'group', name: 'arrows', clip: { path: boxPath(frame, panel.box) }, items };
}

interface ArrowList { x0: number[]; y0: number[]; dx: number[]; dy: number[] }

function newArrows(): ArrowList {
  return { x0: [], y0: [], dx: [], dy: [] };
}

function pushArrow(list: ArrowList, frame: PanelFrame, x: number, y: number, vx: number, vy: number): void {
  const [px, py] = toPage(frame, x, y);
  list.x0.push(px);
  list.y0.push(py);
  list.dx.push(vx * frame.scale);
  list.dy.push(-vy * frame.scale);
}

function packArrows(list: ArrowList, look: ArrowStyle): ArrowsItem {
  return {
    type: 'arrows', x0: Float64Array.from(list.x0), y0: Float64Array.from(list.y0), dx: Float64Array.from(list.dx), dy: Float64Array.from(list.dy),
    colour: look.colour, width: look.width, headLength: look.headLength, headWidth: look.headWidth,
  };
}

/** The box outline (the parallelogram) when style.boxOutline is set. */
export function boxOutline(frame: PanelFrame, box: Box, style: FigureStyle): PathItem {
  return { type: 'path', d: boxPath(frame, box), stroke: { colour: '#000000', width: style.lineWidth, join: 'miter' } };
}

// ---------------------------------------------------------------------------------------------------------
// Colours

/** The colours of a field over a row of panels: the map and neutral value from colormapFor, the range `range`
 *  (made symmetric about the neutral value for diverging maps) or the 1-99 % quantiles over all panels. */
export function colourField(field: string, panels: ParticlePanel[], style: FigureStyle, range?: { min: number; max: number }): FieldColours {
  const how = colormapFor(field, style.colormap);
  const scalars = panels.filter((p) => p.values).map((p) => magnitudes(p.values!, p.components));
  let r = range ? { ...range } : rangeOf(scalars, { mode: 'quantile', lo: 0.01, hi: 0.99, centre: how.centre });
  if (r && range && how.centre !== null) {
    const half = Math.max(Math.abs(range.min - how.centre), Math.abs(range.max - how.centre));
    r = { min: how.centre - half, max: how.centre + half };
  }
  r ??= how.centre !== null ? { min: how.centre - 1, max: how.centre + 1 } : { min: 0, max: 1 };
  const colours = panels.map((p) => {
    const n = p.diameters.length;
    if (!p.values) return new Uint32Array(n).fill(NAN_PACKED);
    return mapValues(p.values, { map: how.map, min: r.min, max: r.max, components: p.components });
  });
  return { map: how.map, min: r.min, max: r.max, ...exceeds(scalars, r.min, r.max), label: fieldLabel(field), colours };
}

function exceeds(arrays: Float32Array[], min: number, max: number): { extendMin: boolean; extendMax: boolean } {
  let extendMin = false;
  let extendMax = false;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < min) extendMin = true;
      else if (a[i] > max) extendMax = true;
    }
  }
  return { extendMin, extendMax };
}

// ---------------------------------------------------------------------------------------------------------
// Scale bar

/** A scale bar of a round length (1, 2 or 5 × 10^k box units, about a quarter of the box width) with its label,
 *  at the bottom left inside the box over a white halo. */
export function scaleBar(frame: PanelFrame, box: Box, style: FigureStyle, measure: TextMeasurer): Item[] {
  const cell = cellOf(box);
  const size = chartMetrics(style).tickLabelSize;
  const length = niceBelow(0.25 * Math.hypot(cell.ax, cell.ay));
  const label = `${formatScientific(length)}\\it{σ}`;
  const m = measure.measure(label, size, style.fontFamily);
  const pad = 0.25 * style.fontSize;
  const thickness = Math.max(1, 2 * style.lineWidth);
  const barW = length * frame.scale;
  const haloW = Math.max(barW, m.width) + 2 * pad;
  const haloH = m.ascent + m.descent + thickness + 3 * pad;
  // The box's left edge leans with the tilt: start right of where it is over the halo's height.
  const lean = Math.max(0, (cell.bx / cell.by) * (haloH / frame.scale + pad / frame.scale));
  const [x0, yBottom] = toPage(frame, cell.ox + lean, cell.oy);
  const hx = x0 + pad;
  const hy = yBottom - pad - haloH;
  const cx = hx + haloW / 2;
  return [
    { type: 'path', d: rectPath(hx, hy, haloW, haloH), fill: '#ffffff', opacity: 0.8 },
    { type: 'rect', x: cx - barW / 2, y: hy + haloH - pad - thickness, w: barW, h: thickness, fill: '#000000' },
    { type: 'text', x: cx, y: hy + pad + m.ascent, text: label, size, anchor: 'middle' },
  ];
}

function rectPath(x: number, y: number, w: number, h: number): string {
  return `M ${fmt(x)} ${fmt(y)} L ${fmt(x + w)} ${fmt(y)} L ${fmt(x + w)} ${fmt(y + h)} L ${fmt(x)} ${fmt(y + h)} Z`;
}

/** The largest 1, 2 or 5 × 10^k not above v (v > 0). */
export function niceBelow(v: number): number {
  const k = Math.floor(Math.log10(v));
  let best = 10 ** k;
  for (const m of NICE_MANTISSAS) if (m * 10 ** k <= v * (1 + 1e-9)) best = m * 10 ** k;
  return Number(best.toPrecision(6));
}

/** The 1, 2 or 5 × 10^k nearest to v in ratio (v > 0). */
export function niceNearest(v: number): number {
  const below = niceBelow(v);
  const next = NICE_MANTISSAS.map((m) => m * 10 ** Math.floor(Math.log10(below))).concat(10 ** (Math.floor(Math.log10(below)) + 1)).find((x) => x > below * 1.0001)!;
  return Number((v / below < next / v ? below : next).toPrecision(6));
}
