// Figure sizes, fonts and colour choices: journal presets, lengths with units, and the defaults every kind uses.
import type { ColormapName } from '#shared/colormaps.js';
import type { FontFamily } from './scene.js';

export const POINTS_PER_INCH = 72;
const UNIT_POINTS: Record<string, number> = { in: 72, cm: 72 / 2.54, mm: 72 / 25.4, pt: 1 };

/** Journal presets: the width of a figure (points). APS: single column 3.375 in (8.6 cm), double 7 in (17.8 cm). */
export const PRESETS = {
  'aps-single': { width: 3.375 * 72, label: 'APS single column (3.375 in / 8.6 cm)' },
  'aps-double': { width: 7 * 72, label: 'APS double column (7 in / 17.8 cm)' },
} as const;
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Parse "7in", "8.6cm", "86mm", "240pt" (a bare number is points) into points. */
export function parseLength(text: string | number, what = 'length'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text <= 0) throw new Error(`${what}: ${text} is not a positive length`);
    return text;
  }
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(in|cm|mm|pt)?\s*$/i.exec(text);
  if (!m) throw new Error(`${what}: "${text}" is not a length (examples: 7in, 8.6cm, 86mm, 240pt)`);
  const v = Number(m[1]) * UNIT_POINTS[(m[2] ?? 'pt').toLowerCase()]!;
  if (!(v > 0) || v > 100 * 72) throw new Error(`${what}: "${text}" is outside 0..100 in`);
  return v;
}

export const DPI_CHOICES = [300, 600, 1200] as const;

export interface FigureStyle {
  /** Figure width and (optional) height in points; the height defaults to what the kind's layout needs. */
  width: number;
  height?: number;
  fontFamily: FontFamily;
  /** Base font size in points (tick labels one point smaller, panel labels the same). */
  fontSize: number;
  /** Sequential map for magnitudes; signed fields always use the diverging map centred on their neutral value. */
  colormap: Exclude<ColormapName, 'rdbu'>;
  /** Line width of axes and outlines in points. */
  lineWidth: number;
  /** Draw the periodic box outline and a scale bar on particle panels. */
  boxOutline: boolean;
  scaleBar: boolean;
  /** Draw the particle layer as an embedded image at `rasterDpi` inside the vector figure (for very large N). */
  rasterParticles: boolean;
  rasterDpi: number;
  /** Log scale on value axes where it applies (histogram counts, MSD). */
  logY: boolean;
  logX: boolean;
  /** Arrow length per unit of displacement (1 = true length in box units) for vector panels. */
  arrowScale: number;
}

export const DEFAULT_STYLE: FigureStyle = {
  width: PRESETS['aps-double'].width,
  fontFamily: 'sans',
  fontSize: 8,
  colormap: 'viridis',
  lineWidth: 0.6,
  boxOutline: true,
  scaleBar: true,
  rasterParticles: false,
  rasterDpi: 600,
  logY: false,
  logX: false,
  arrowScale: 1,
};
