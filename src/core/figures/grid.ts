// The grid figure kind (Jha & Sengupta Fig. 6): one row of particle panels per field, columns before / at / after
// with their titles once on top, one colour bar per row at the right, panel letters (a), (b), ... row-major.
import { drawPanelGrid, layoutPanelGrid, sceneOf, type ParticleRow } from './panel-layout.js';
import { colourField, type ParticlePanel } from './particle-layers.js';
import type { Scene, TextMeasurer } from './scene.js';
import type { FigureStyle } from './style.js';

export interface GridRow { field: string; panels: ParticlePanel[]; range?: { min: number; max: number } }
export interface GridFigureData { rows: GridRow[] }

/** Rows of field panels sharing one scale across style.width, each row with its own colour range and bar. */
export function gridFigure(d: GridFigureData, style: FigureStyle, measure: TextMeasurer): Scene {
  if (!d.rows.length || d.rows.some((r) => !r.panels.length)) throw new Error('grid figure: every row needs panels');
  const rows: ParticleRow[] = d.rows.map((r) => {
    const colours = colourField(r.field, r.panels, style, r.range);
    return { panels: r.panels, colours: colours.colours, bar: colours };
  });
  const titles = d.rows[0].panels.map((p) => p.title);
  const grid = layoutPanelGrid(rows, titles, 0, style, measure);
  const items = drawPanelGrid(rows, grid, style, measure);
  return sceneOf(grid.width, grid.height, items, style, `${d.rows.map((r) => r.field).join(', ')} before / at / after`);
}
