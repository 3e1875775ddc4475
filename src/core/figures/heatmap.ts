// The correlation heat map (Jha & Sengupta Fig. 9): one or two k x k matrices side by side (Pearson, Spearman),
// vector cells on the diverging map over [-1, 1] with their value printed, names on both axes, one colour bar.
import { cssColourAt, NAN_RGB } from '#shared/colormaps.js';
import type { Item, Scene, TextItem, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { formatNumber } from './ticks.js';
import { layoutColourBar } from './colourbar.js';
import { chartMetrics, textBox, textColourOn, type Box } from './axes.js';

export interface HeatmapData {
  /** Markup labels of the k variables. */
  names: string[];
  /** k*k row-major coefficients in [-1, 1] (NaN: undefined). */
  matrices: { title: string; values: Float64Array }[];
}

const NAN_COLOUR = `#${NAN_RGB.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
const BAR_LABEL = 'correlation coefficient';
/** Largest matrix side when the width would allow more (points). */
const MAX_SIDE = 3.3 * 72;

/** The fill of a coefficient: rdbu at (v + 1) / 2, grey when undefined. */
export function cellColour(v: number): string {
  return Number.isFinite(v) ? cssColourAt('rdbu', Math.max(0, Math.min(1, (v + 1) / 2))) : NAN_COLOUR;
}

/** Column labels under a matrix, as items anchored at y = 0 below a cell centre at x = 0, and how far they reach. */
interface ColumnLabels { rotate: number; size: number; boxes: Box[]; items: TextItem[] }

/** Horizontal when they fit the cells, else 45°, else 90° (shrinking the font only if even that collides). */
function columnLabels(names: string[], cell: number, style: FigureStyle, measure: TextMeasurer): ColumnLabels {
  const family = style.fontFamily;
  const gap = 0.3 * style.fontSize;
  let size = chartMetrics(style).tickLabelSize;
  const widest = (s: number): number => Math.max(...names.map((n) => measure.measure(n, s, family).width));
  const tall = (s: number): number => Math.max(...names.map((n) => { const m = measure.measure(n, s, family); return m.ascent + m.descent; }));
  let rotate = 0;
  if (widest(size) > cell - gap) rotate = tall(size) <= cell * Math.SQRT1_2 - gap ? 45 : 90;
  while (rotate === 90 && tall(size) > cell - gap && size > 4) size -= 0.5;
  const items = names.map((text) => {
    const t: TextItem = rotate === 0
      ? { type: 'text', x: 0, y: 0, text, size, anchor: 'middle', baseline: 'top' }
      : { type: 'text', x: 0, y: 0, text, size, anchor: 'end', baseline: 'middle', rotate };
    // Shift so the box's top touches y = 0 whatever the rotation.
    t.y -= textBox(t, measure, family).y0;
    return t;
  });
  return { rotate, size, boxes: items.map((t) => textBox(t, measure, family)), items };
}

/** Value texts smaller than this are left out (a 6 x 6 matrix in one APS column would need 4 pt). */
const MIN_VALUE_SIZE = 5;

/** The font size at which every value fits its cell (0: none fits at MIN_VALUE_SIZE). */
function valueSize(cell: number, style: FigureStyle, measure: TextMeasurer): number {
  for (let size = chartMetrics(style).tickLabelSize; size >= MIN_VALUE_SIZE; size -= 0.5) {
    const m = measure.measure('−0.00', size, style.fontFamily);
    if (m.width <= 0.88 * cell && m.ascent + m.descent <= 0.8 * cell) return size;
  }
  return 0;
}

function rowNameSize(cell: number, style: FigureStyle, measure: TextMeasurer): number {
  const tall = (size: number): number => {
    const m = measure.measure('Ag', size, style.fontFamily);
    return m.ascent + m.descent;
  };
  let size = chartMetrics(style).tickLabelSize;
  while (size > 4 && tall(size) > 1.05 * cell) size -= 0.5;
  return size;
}

/** Matrices side by side ('row') or one above the other ('column', when side by side leaves no room for the values). */
type Arrangement = 'row' | 'column';

interface Geometry {
  arrangement: Arrangement;
  side: number;
  cell: number;
  /** Room left of a matrix for the row names (and rotated column labels reaching left). */
  left: number;
  cols: ColumnLabels;
  /** Height of the column-label band under a matrix. */
  below: number;
  /** Distance between the origins of consecutive matrices along the arrangement. */
  pitch: number;
}

function geometry(d: HeatmapData, arrangement: Arrangement, style: FigureStyle, measure: TextMeasurer, barWidth: number, titleH: number): Geometry {
  const k = d.names.length;
  const m = d.matrices.length;
  const fs = style.fontSize;
  const pad = 0.3 * fs;
  const gapBar = 0.8 * fs;
  let side = MAX_SIDE;
  let left = 0;
  let cols = columnLabels(d.names, side / k, style, measure);
  const belowOf = (c: ColumnLabels): number => Math.max(...c.boxes.map((b) => b.y1)) + 0.3 * fs;
  const gapOf = (): number => (arrangement === 'row' ? 1.5 * fs : 0.6 * fs + titleH);
  for (let pass = 0; pass < 3; pass++) {
    const cell = side / k;
    const names = rowNameSize(cell, style, measure);
    const rowW = Math.max(...d.names.map((n) => measure.measure(n, names, style.fontFamily).width)) + 0.4 * fs;
    cols = columnLabels(d.names, cell, style, measure);
    // Rotated column labels may reach left of the first cell.
    const reach = Math.max(0, ...cols.boxes.map((b, j) => -(b.x0 + (j + 0.5) * cell)));
    left = pad + Math.max(rowW, reach);
    const across = arrangement === 'row' ? m : 1;
    side = Math.min(MAX_SIDE, (style.width - left - pad - (across - 1) * gapOf() - gapBar - barWidth) / across);
    if (style.height) {
      const down = arrangement === 'row' ? 1 : m;
      side = Math.min(side, (style.height - 2 * pad - titleH - belowOf(cols) - (down - 1) * gapOf()) / down);
    }
    side = Math.max(k * 4, side);
  }
  return { arrangement, side, cell: side / k, left, cols, below: belowOf(cols), pitch: side + gapOf() };
}

/** One matrix: k*k vector cells (abutting cells overlap slightly so no hairline shows), values and a frame. */
function matrixItems(values: Float64Array, k: number, x0: number, y0: number, cell: number, size: number, style: FigureStyle): Item[] {
  const items: Item[] = [];
  const texts: Item[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = values[i * k + j]!;
      const fill = cellColour(v);
      const over = 0.25;
      items.push({ type: 'rect', x: x0 + j * cell, y: y0 + i * cell, w: cell + (j < k - 1 ? over : 0), h: cell + (i < k - 1 ? over : 0), fill });
      if (size > 0 && Number.isFinite(v)) {
        texts.push({ type: 'text', x: x0 + (j + 0.5) * cell, y: y0 + (i + 0.5) * cell, text: formatNumber(v, 2), size, anchor: 'middle', baseline: 'middle', colour: textColourOn(fill) });
      }
    }
  }
  const frame: Item = { type: 'rect', x: x0, y: y0, w: k * cell, h: k * cell, stroke: { colour: '#000000', width: style.lineWidth } };
  return [{ type: 'group', name: 'heatmap', items }, frame, ...texts];
}

/** Correlation matrices side by side (or stacked when narrow) with one shared colour bar. */
export function heatmapFigure(d: HeatmapData, style: FigureStyle, measure: TextMeasurer): Scene {
  const k = d.names.length;
  const m = d.matrices.length;
  if (k === 0 || m === 0) throw new Error('heatmap: nothing to show');
  for (const mtx of d.matrices) if (mtx.values.length !== k * k) throw new Error(`heatmap: "${mtx.title}" has ${mtx.values.length} values, not ${k}x${k}`);
  const fs = style.fontSize;
  const pad = 0.3 * fs;
  const titleM = measure.measure('Ag', fs, style.fontFamily);
  const titleH = d.matrices.some((mtx) => mtx.title) ? titleM.ascent + titleM.descent + 0.5 * fs : 0;
  // The long label only where the bar is long enough to carry it.
  const barLabel = (length: number): string => (measure.measure(BAR_LABEL, fs, style.fontFamily).width <= length ? BAR_LABEL : 'correlation');
  const barFor = (length: number): ReturnType<typeof layoutColourBar> =>
    layoutColourBar({ colormap: 'rdbu', min: -1, max: 1, label: barLabel(length), orientation: 'vertical', length, style, measure });
  const barWidth = barFor(MAX_SIDE).width;
  let g = geometry(d, 'row', style, measure, barWidth, titleH);
  if (m > 1 && valueSize(g.cell, style, measure) === 0) {
    const stacked = geometry(d, 'column', style, measure, barWidth, titleH);
    if (stacked.cell > 1.2 * g.cell) g = stacked;
  }
  const row = g.arrangement === 'row';
  const bar = barFor(row ? g.side : (m - 1) * g.pitch + g.side);
  const top = Math.max(pad + titleH, pad + bar.barOffset.y);
  const size = valueSize(g.cell, style, measure);
  const nameSize = rowNameSize(g.cell, style, measure);
  const across = row ? m : 1;
  const used = g.left + (across - 1) * g.pitch + g.side + 0.8 * fs + bar.width + pad;
  // Centred when the matrices reach their largest size before the page width.
  const x0 = g.left + Math.max(0, (style.width - used) / 2);
  const items: Item[] = [];
  d.matrices.forEach((mtx, mi) => {
    const x = row ? x0 + mi * g.pitch : x0;
    const y = row ? top : top + mi * g.pitch;
    items.push(...matrixItems(mtx.values, k, x, y, g.cell, size, style));
    if (mtx.title) items.push({ type: 'text', x: x + g.side / 2, y: y - 0.5 * fs, text: mtx.title, size: fs, anchor: 'middle', baseline: 'bottom' });
    if (row || mi === m - 1) g.cols.items.forEach((t, j) => items.push({ ...t, x: x + (j + 0.5) * g.cell + t.x, y: y + g.side + 0.3 * fs + t.y }));
    if (!row || mi === 0) {
      d.names.forEach((text, i) => items.push({ type: 'text', x: x - 0.4 * fs, y: y + (i + 0.5) * g.cell, text, size: nameSize, anchor: 'end', baseline: 'middle' }));
    }
  });
  items.push(...bar.draw(x0 + (across - 1) * g.pitch + g.side + 0.8 * fs, top - bar.barOffset.y));
  const bottom = top + (row ? 0 : (m - 1) * g.pitch) + g.side;
  const height = style.height ?? Math.max(bottom + g.below, top - bar.barOffset.y + bar.height) + pad;
  return {
    width: style.width, height, fontFamily: style.fontFamily, items,
    title: 'Correlation heat map',
    description: `${d.matrices.map((mtx) => mtx.title).join(' and ')} correlation of ${k} variables${size > 0 ? '' : ' (cells too small to print the values)'}`,
  };
}
