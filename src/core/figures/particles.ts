// Particle figure kinds: field panels before / at / after an event (disks of their true diameter coloured by a
// field, one shared colour bar) and vector panels (arrows on grey disks, with a reference arrow), as pure functions
// from data to a Scene. The layers are particle-layers.ts, the layout of rows of panels panel-layout.ts (grid.ts
// reuses both).
import { packRGBA, quantiles } from '#shared/colormaps.js';
import { chartMetrics } from './axes.js';
import { fieldLabel } from './labels.js';
import { drawPanelGrid, layoutPanelGrid, sceneOf, type ParticleRow } from './panel-layout.js';
import { colourField, NAN_PACKED, niceNearest, type ArrowStyle, type ParticlePanel } from './particle-layers.js';
import type { ArrowsItem, GroupItem, Scene, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';
import { formatScientific } from './ticks.js';

export interface FieldsFigureData { field: string; panels: ParticlePanel[]; range?: { min: number; max: number } }
export interface VectorsFigureData { vector: string; panels: ParticlePanel[] }

const VECTOR_DISK = packRGBA(218, 218, 218);
const VECTOR_DISK_EDGE = '#a6a6a6';
/** The reference arrow is drawn at least this long (points). */
const MIN_KEY_LENGTH = 6;

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
