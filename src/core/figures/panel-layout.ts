// The layout of particle figures: rows of panels at one scale across the page, titles set over the boxes (on one or
// two lines, shrunk when needed), a colour bar per row, and the laid-out grid drawn with its letters and layers.
import type { Box } from '../box.js';
import { fmt } from './axes.js';
import { layoutColourBar, type ColourBarLayout } from './colourbar.js';
import { panelLetter } from './labels.js';
import {
  arrowLayer, boxExtent, boxOutline, frameFor, particleLayer, scaleBar,
  type ArrowStyle, type FieldColours, type PanelFrame, type ParticlePanel,
} from './particle-layers.js';
import type { Item, Scene, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';

/** One row of a particle figure: its panels, their colours, and the colour bar at the right (or none). */
export interface ParticleRow {
  panels: ParticlePanel[];
  colours: Uint32Array[];
  bar: FieldColours | null;
  /** The disks' edge colour (default: particleLayer's). */
  edge?: string;
}

const OUTER_MARGIN = 2;

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
