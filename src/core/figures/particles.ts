// Particle figure kinds: field panels before / at / after an event (disks of their true diameter coloured by a
// field, one shared colour bar) and vector panels (arrows on grey disks, with a reference arrow), laid out as pure
// functions from data to a Scene; also the building blocks (box frame, particle and arrow layers) grid.ts reuses.
import type { Box } from '../box.js';
import {
  colormapFor, magnitudes, mapValues, NAN_RGB, packRGBA, quantiles, rangeOf, type ColormapName,
} from '#shared/colormaps.js';
import { rasterize } from '#shared/particle-raster.js';
import { boxCorners } from '#shared/view.js';
import { chartMetrics, fmt } from './axes.js';
import { layoutColourBar, type ColourBarLayout } from './colourbar.js';
import { fieldLabel, panelLetter } from './labels.js';
import type { ArrowsItem, CirclesItem, GroupItem, ImageItem, Item, PathItem, Rect, Scene, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { formatScientific } from './ticks.js';

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

export interface FieldsFigureData { field: string; panels: ParticlePanel[]; range?: { min: number; max: number } }
export interface VectorsFigureData { vector: string; panels: ParticlePanel[] }

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

/** One row of a particle figure: its panels, their colours, and the colour bar at the right (or none). */
export interface ParticleRow {
  panels: ParticlePanel[];
  colours: Uint32Array[];
  bar: FieldColours | null;
  /** The disks' edge colour (default: particleLayer's). */
  edge?: string;
}

const EDGE_MAX_N = 5000;
const EDGE_COLOUR = '#333333';
const OUTER_MARGIN = 2;
const NAN_PACKED = packRGBA(NAN_RGB[0], NAN_RGB[1], NAN_RGB[2]);
const VECTOR_DISK = packRGBA(218, 218, 218);
const VECTOR_DISK_EDGE = '#a6a6a6';
/** The reference arrow is drawn at least this long (points). */
const MIN_KEY_LENGTH = 6;
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
// Layout of rows of panels

/** A panel title set on one or more centred lines at `size` points. */
export interface TitleFit { lines: string[]; size: number }

/** The geometry of a figure of rows of panels: frames, header baselines, colour bars and the footer's top. */
export interface PanelGrid {
  width: number;
  height: number;
  scale: number;
  frames: PanelFrame[][];
  /** Per row, the baseline of the header line nearest the boxes (letters sit on it, titles end on it). */
  headerBaselines: number[];
  /** Per column, the titles of the first row as set. */
  titles: TitleFit[];
  bars: ({ layout: ColourBarLayout; x: number; y: number } | null)[];
  footerTop: number;
}

interface GridMetrics {
  margin: number; colGap: number; barGap: number; rowGap: number; headerGap: number;
  /** Height of a header line and the part of it below the baseline. */
  lineHeight: number; descent: number;
  /** How far a title may reach past its panel's right edge (half the gap to the next panel's letter). */
  titleRoom: number;
  /** Width of the widest letter and the gap after it: a title starts right of it. */
  letterRoom: number;
}

function gridMetrics(style: FigureStyle, measure: TextMeasurer): GridMetrics {
  const f = style.fontSize;
  const letter = measure.measure('(m)', f, style.fontFamily, true);
  const text = measure.measure('(Ay)', f, style.fontFamily);
  const colGap = 0.9 * f;
  return {
    margin: OUTER_MARGIN, colGap, barGap: 0.8 * f, rowGap: 0.3 * f, headerGap: 0.35 * f,
    lineHeight: Math.max(letter.ascent + letter.descent, text.ascent + text.descent), descent: Math.max(letter.descent, text.descent),
    titleRoom: colGap / 2, letterRoom: letter.width + 0.4 * f,
  };
}

/** Set the titles over panels `widths` points wide, right of the letters, all alike: on one line at the font size
 *  when they all fit, else each on two balanced lines, shrunk (down to 70 %) when those do not fit either. */
function fitTitles(titles: string[], widths: number[], g: GridMetrics, style: FigureStyle, measure: TextMeasurer): TitleFit[] {
  const f = style.fontSize;
  const rooms = widths.map((w) => Math.max(1, w + g.titleRoom - g.letterRoom));
  const widthAt = (line: string, size: number): number => measure.measure(line, size, style.fontFamily).width;
  if (titles.every((t, c) => widthAt(t, f) <= rooms[c])) return titles.map((t) => ({ lines: t ? [t] : [], size: f }));
  const split = titles.map((t) => (t ? twoLines(t, (line) => widthAt(line, f)) : []));
  // Widths scale with the size: the size at which the widest line of every title fits its room.
  const needed = Math.min(1, ...split.map((lines, c) => (lines.length ? rooms[c] / Math.max(...lines.map((l) => widthAt(l, f))) : 1)));
  const size = Math.max(0.7 * f, f * needed);
  return split.map((lines) => ({ lines, size }));
}

/** A title broken at the space (outside markup braces, and outside parentheses when it can be) that makes its
 *  longer line shortest: "at (frame 142)" becomes "at" over "(frame 142)". Unbroken without a space. */
function twoLines(title: string, width: (line: string) => number): string[] {
  const outside: number[] = [];
  const inside: number[] = [];
  let braces = 0;
  let parens = 0;
  for (let i = 0; i < title.length; i++) {
    const ch = title[i];
    if (ch === '{' || ch === '}') braces += ch === '{' ? 1 : -1;
    else if (ch === '(' || ch === ')') parens += ch === '(' ? 1 : -1;
    else if (ch === ' ' && braces === 0) (parens === 0 ? outside : inside).push(i);
  }
  const candidates = outside.length ? outside : inside;
  let best: string[] = [title];
  let bestWidth = Infinity;
  for (const i of candidates) {
    const lines = [title.slice(0, i), title.slice(i + 1)];
    const w = Math.max(width(lines[0]), width(lines[1]));
    if (w < bestWidth) [best, bestWidth] = [lines, w];
  }
  return best;
}

/** Header height of each row above its boxes: title lines (first row) or the letter line, and the gap. */
function headerHeights(rows: ParticleRow[], titles: TitleFit[], g: GridMetrics): number[] {
  const lines = Math.max(1, ...titles.map((t) => t.lines.length));
  return rows.map((_, r) => (r === 0 ? lines : 1) * g.lineHeight + g.headerGap);
}

interface Sizing {
  colWorld: number[]; rowWorld: number[]; scale: number; bars: (ColourBarLayout | null)[];
  barWidth: number; anyBar: boolean; footer: number; headers: number[]; titles: TitleFit[];
}

/**
 * Lay out rows of panels across style.width: one scale for every panel (the widest box of each column fills its
 * column), the colour bars at the right spanning their row's height, and the height from the boxes' aspect, or the
 * boxes shrunk to fit style.height when it is given. Bar widths and title lines depend on the scale: a few passes.
 */
export function layoutPanelGrid(rows: ParticleRow[], titles: string[], footerHeight: number, style: FigureStyle, measure: TextMeasurer): PanelGrid {
  const g = gridMetrics(style, measure);
  const extents = rows.map((row) => row.panels.map((p) => boxExtent(p.box)));
  const ncol = Math.max(...rows.map((row) => row.panels.length));
  const colWorld = Array.from({ length: ncol }, (_, c) => Math.max(...extents.map((e) => (e[c] ? e[c].xmax - e[c].xmin : 0))));
  const s: Sizing = {
    colWorld, rowWorld: extents.map((e) => Math.max(...e.map((x) => x.ymax - x.ymin))), scale: 0,
    bars: rows.map(() => null), barWidth: 0, anyBar: rows.some((row) => row.bar),
    footer: footerHeight > 0 ? g.rowGap + footerHeight : 0, headers: headerHeights(rows, [], g), titles: [],
  };
  for (let pass = 0; pass < 6; pass++) {
    const before = `${s.barWidth}|${s.headers.join()}`;
    s.scale = fitScale(rows, g, s, style, ncol);
    s.titles = fitTitles(titles, titles.map((_, c) => (colWorld[c] ?? 0) * s.scale), g, style, measure);
    s.headers = headerHeights(rows, s.titles, g);
    s.bars = rows.map((row, r) => (row.bar ? barLayout(row.bar, s.rowWorld[r] * s.scale, style, measure) : null));
    s.barWidth = Math.max(s.barWidth, ...s.bars.map((b) => b?.width ?? 0));
    if (`${s.barWidth}|${s.headers.join()}` === before) break;
  }
  return placeGrid(rows, g, s, style);
}

/** Points per box unit: the columns fill the width left by the gaps and the bars; shrunk to fit style.height. */
function fitScale(rows: ParticleRow[], g: GridMetrics, s: Sizing, style: FigureStyle, ncol: number): number {
  const reserved = s.anyBar ? g.barGap + s.barWidth : 0;
  let scale = (style.width - 2 * g.margin - (ncol - 1) * g.colGap - reserved) / sum(s.colWorld);
  if (style.height) {
    const around = rows.map((_, r) => rowOverhang(s, r, s.rowWorld[r] * scale));
    const fixed = 2 * g.margin + s.footer + (rows.length - 1) * g.rowGap + sum(around);
    scale = Math.min(scale, (style.height - fixed) / sum(s.rowWorld));
  }
  if (!(scale > 0)) throw new Error(`particle figure: ${fmt(style.width)} × ${fmt(style.height ?? 0)} pt is too small for ${ncol} panels`);
  return scale;
}

/** Space a row takes above and below its boxes: the header or the colour bar's top, the bar's bottom overhang. */
function rowOverhang(s: Sizing, r: number, boxHeight: number): number {
  return rowTop(s, r) + rowBottom(s.bars[r], boxHeight);
}

function rowTop(s: Sizing, r: number): number {
  const bar = s.bars[r];
  return Math.max(s.headers[r], bar ? bar.barOffset.y : 0);
}

function rowBottom(bar: ColourBarLayout | null, boxHeight: number): number {
  return bar ? Math.max(0, bar.height - bar.barOffset.y - boxHeight) : 0;
}

function placeGrid(rows: ParticleRow[], g: GridMetrics, s: Sizing, style: FigureStyle): PanelGrid {
  const colW = s.colWorld.map((w) => w * s.scale);
  const blockWidth = sum(colW) + (colW.length - 1) * g.colGap + (s.anyBar ? g.barGap + s.barWidth : 0);
  const left = Math.max(g.margin, (style.width - blockWidth) / 2);
  const colX = colW.map((_, c) => left + sum(colW.slice(0, c)) + c * g.colGap);
  const barX = left + sum(colW) + (colW.length - 1) * g.colGap + g.barGap;
  const rowH = s.rowWorld.map((h) => h * s.scale);
  const content = 2 * g.margin + s.footer + (rows.length - 1) * g.rowGap + sum(rows.map((_, r) => rowH[r] + rowOverhang(s, r, rowH[r])));
  const height = style.height ?? content;
  let y = g.margin + Math.max(0, (height - content) / 2);
  const grid: PanelGrid = { width: style.width, height, scale: s.scale, frames: [], headerBaselines: [], titles: s.titles, bars: [], footerTop: 0 };
  rows.forEach((row, r) => {
    const bar = s.bars[r];
    const top = y + rowTop(s, r);
    grid.frames.push(row.panels.map((p, c) => centredFrame(p.box, colX[c], top, colW[c], rowH[r], s.scale)));
    grid.headerBaselines.push(top - g.headerGap - g.descent);
    grid.bars.push(bar ? { layout: bar, x: barX, y: top - bar.barOffset.y } : null);
    y = top + rowH[r] + rowBottom(bar, rowH[r]) + g.rowGap;
  });
  grid.footerTop = y;
  return grid;
}

function centredFrame(box: Box, x: number, y: number, w: number, h: number, scale: number): PanelFrame {
  const e = boxExtent(box);
  return frameFor(box, x + (w - (e.xmax - e.xmin) * scale) / 2, y + (h - (e.ymax - e.ymin) * scale) / 2, scale);
}

function barLayout(c: FieldColours, length: number, style: FigureStyle, measure: TextMeasurer): ColourBarLayout {
  return layoutColourBar({
    colormap: c.map, min: c.min, max: c.max, label: c.label, orientation: 'vertical', length,
    extendMin: c.extendMin, extendMax: c.extendMax, style, measure,
  });
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Drawing the laid-out grid

/** Panel letter (bold, at the top left above the box, on `baseline`) and the title's lines (centred over the box,
 *  kept right of the letter, the last line on `baseline`); `lineHeight` apart. */
export function panelHeader(letter: string, title: TitleFit, frame: PanelFrame, baseline: number, lineHeight: number, style: FigureStyle, measure: TextMeasurer): TextItem[] {
  const f = style.fontSize;
  const x = frame.rect.x;
  const items: TextItem[] = [{ type: 'text', x, y: baseline, text: letter, size: f, bold: true, anchor: 'start' }];
  const minLeft = x + measure.measure(letter, f, style.fontFamily, true).width + 0.4 * f;
  const centre = frame.rect.x + frame.rect.w / 2;
  title.lines.forEach((line, i) => {
    const width = measure.measure(line, title.size, style.fontFamily).width;
    const start = Math.max(minLeft, centre - width / 2);
    const y = baseline - (title.lines.length - 1 - i) * lineHeight;
    items.push({ type: 'text', x: start + width / 2, y, text: line, size: title.size, anchor: 'middle' });
  });
  return items;
}

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
function niceNearest(v: number): number {
  const below = niceBelow(v);
  const next = NICE_MANTISSAS.map((m) => m * 10 ** Math.floor(Math.log10(below))).concat(10 ** (Math.floor(Math.log10(below)) + 1)).find((x) => x > below * 1.0001)!;
  return Number((v / below < next / v ? below : next).toPrecision(6));
}

interface PanelExtras { arrows?: { scale: number; look: ArrowStyle } }

/** Every item of a laid-out grid: per panel its particles (and arrows), outline and header; the scale bar in the
 *  first panel; a colour bar per row. */
export function drawPanelGrid(rows: ParticleRow[], grid: PanelGrid, style: FigureStyle, measure: TextMeasurer, extras: PanelExtras = {}): Item[] {
  const lineHeight = gridMetrics(style, measure).lineHeight;
  const items: Item[] = [];
  let index = 0;
  rows.forEach((row, r) => {
    row.panels.forEach((panel, c) => {
      const frame = grid.frames[r][c];
      const own: Item[] = [particleLayer(panel, frame, row.colours[c], style, row.edge)];
      if (extras.arrows) own.push(arrowLayer(panel, frame, extras.arrows.scale, extras.arrows.look));
      if (style.boxOutline) own.push(boxOutline(frame, panel.box, style));
      if (style.scaleBar && index === 0) own.push(...scaleBar(frame, panel.box, style, measure));
      const title = (r === 0 ? grid.titles[c] : undefined) ?? { lines: [], size: style.fontSize };
      own.push(...panelHeader(panelLetter(index), title, frame, grid.headerBaselines[r], lineHeight, style, measure));
      items.push({ type: 'group', name: `panel-${String.fromCharCode(97 + (index % 26))}`, items: own });
      index++;
    });
    const bar = grid.bars[r];
    if (bar) items.push({ type: 'group', name: 'legend', items: bar.layout.draw(bar.x, bar.y) });
  });
  return items;
}

export function sceneOf(width: number, height: number, items: Item[], style: FigureStyle, title: string): Scene {
  return { width, height, background: '#ffffff', fontFamily: style.fontFamily, items, title };
}

// ---------------------------------------------------------------------------------------------------------
// The kinds

/** Field panels side by side (before / at / after) with one shared colour bar at the right. */
export function fieldsFigure(d: FieldsFigureData, style: FigureStyle, measure: TextMeasurer): Scene {
  if (!d.panels.length) throw new Error('fields figure: no panels');
  const colours = colourField(d.field, d.panels, style, d.range);
  const rows: ParticleRow[] = [{ panels: d.panels, colours: colours.colours, bar: colours }];
  const titles = d.panels.map((p) => p.title);
  const grid = layoutPanelGrid(rows, titles, 0, style, measure);
  return sceneOf(grid.width, grid.height, drawPanelGrid(rows, grid, style, measure), style, `${d.field} before / at / after`);
}

/** Vector panels: light grey disks (flagged particles darker), black arrows, a reference arrow below at the right. */
export function vectorsFigure(d: VectorsFigureData, style: FigureStyle, measure: TextMeasurer): Scene {
  if (!d.panels.length) throw new Error('vectors figure: no panels');
  const colours = d.panels.map(greyDisks);
  const rows: ParticleRow[] = [{ panels: d.panels, colours, bar: null, edge: VECTOR_DISK_EDGE }];
  const titles = d.panels.map((p) => p.title);
  const typical = typicalMagnitude(d.panels);
  const diameter = meanDiameter(d.panels);
  const arrowScale = chooseArrowScale(style.arrowScale, typical, diameter);
  const keyMetrics = measure.measure(referenceLabel(d.vector, 1, arrowScale), chartMetrics(style).tickLabelSize, style.fontFamily);
  const footerHeight = typical > 0 ? keyMetrics.ascent + keyMetrics.descent : 0;
  const grid = layoutPanelGrid(rows, titles, footerHeight, style, measure);
  const look = arrowLook(diameter * grid.scale);
  const items = drawPanelGrid(rows, grid, style, measure, { arrows: { scale: arrowScale, look } });
  if (typical > 0) {
    const pointsPerUnit = arrowScale * grid.scale;
    // A round magnitude near the longest arrows, long enough on the page to read.
    const magnitude = niceNearest(Math.max(typical, MIN_KEY_LENGTH / pointsPerUnit));
    const last = grid.frames[0][d.panels.length - 1].rect;
    const key = { magnitude, label: referenceLabel(d.vector, magnitude, arrowScale), right: last.x + last.w, top: grid.footerTop };
    items.push(referenceArrow(key, pointsPerUnit, look, style, measure));
  }
  return sceneOf(grid.width, grid.height, items, style, `${d.vector} displacement arrows`);
}

function greyDisks(p: ParticlePanel): Uint32Array {
  const n = p.diameters.length;
  const out = new Uint32Array(n).fill(VECTOR_DISK);
  if (!p.values) return out;
  const m = p.components;
  for (let i = 0; i < n; i++) if (Number.isNaN(p.values[i * m]) || (m > 1 && Number.isNaN(p.values[i * m + 1]))) out[i] = NAN_PACKED;
  return out;
}

/** The 99th percentile of |v| (first two components) over all panels: the "largest" arrow, robust to one outlier. */
function typicalMagnitude(panels: ParticlePanel[]): number {
  const planar = panels.filter((p) => p.values).map((p) => {
    const m = p.components;
    const n = Math.floor(p.values!.length / m);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.hypot(p.values![i * m], m > 1 ? p.values![i * m + 1] : 0);
    return out;
  });
  const q = quantiles(planar, [0.99]);
  return q && q[0] > 0 ? q[0] : 0;
}

function meanDiameter(panels: ParticlePanel[]): number {
  let s = 0;
  let n = 0;
  for (const p of panels) {
    for (let i = 0; i < p.diameters.length; i++) {
      if (Number.isFinite(p.diameters[i])) {
        s += p.diameters[i];
        n++;
      }
    }
  }
  return n ? s / n : 1;
}

/** style.arrowScale, unless it is 1 and the largest arrows would be under a radius or over three diameters long:
 *  then a round scale drawing them about 1.5 diameters long. */
export function chooseArrowScale(requested: number, typical: number, diameter: number): number {
  if (requested !== 1 || !(typical > 0)) return requested;
  if (typical >= diameter / 2 && typical <= 3 * diameter) return 1;
  return niceNearest((1.5 * diameter) / typical);
}

function referenceLabel(vector: string, magnitude: number, arrowScale: number): string {
  const scaled = arrowScale !== 1 ? ` (arrows ×${formatScientific(arrowScale)})` : '';
  return `${fieldLabel(vector)} = ${formatScientific(magnitude)}\\it{σ}${scaled}`;
}

/** Shaft about a tenth of a diameter wide (0.25-0.8 pt), heads in proportion (matplotlib quiver's look). */
function arrowLook(diameterPoints: number): ArrowStyle {
  const width = Math.min(0.8, Math.max(0.25, 0.1 * diameterPoints));
  return { colour: '#000000', width, headLength: 4 * width, headWidth: 3.5 * width };
}

interface KeySpec { magnitude: number; label: string; right: number; top: number }

/** The reference arrow ("key", as matplotlib's quiverkey) and its label, right-aligned at `right`. */
function referenceArrow(key: KeySpec, pointsPerUnit: number, look: ArrowStyle, style: FigureStyle, measure: TextMeasurer): GroupItem {
  const size = chartMetrics(style).tickLabelSize;
  const m = measure.measure(key.label, size, style.fontFamily);
  const length = key.magnitude * pointsPerUnit;
  const baseline = key.top + m.ascent;
  const arrowY = baseline - measure.capHeight(size, style.fontFamily) / 2;
  const textX = key.right - m.width;
  const x0 = textX - 0.5 * style.fontSize - length;
  const arrow: ArrowsItem = {
    type: 'arrows', x0: Float64Array.of(x0), y0: Float64Array.of(arrowY), dx: Float64Array.of(length), dy: Float64Array.of(0),
    colour: look.colour, width: look.width, headLength: look.headLength, headWidth: look.headWidth,
  };
  return { type: 'group', name: 'key', items: [arrow, { type: 'text', x: textX, y: baseline, text: key.label, size, anchor: 'start' }] };
}
