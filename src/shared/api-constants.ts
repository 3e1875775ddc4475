// The API's lists and limits as plain data: the renderer's forms read them (tag kinds, figure kinds, formats, sizes,
// the simulation parameters) and api-params.ts builds the validation of every method from them. No schema library
// here: this file is bundled into the renderer and the preload script.

/** Limits on what a request may carry. */
export const API_LIMITS = {
  pathLength: 4096,
  noteLength: 10_000,
  /** Characters of an imported tag file. */
  importTextLength: 8 * 1024 * 1024,
  /** Serialized size of the session's layout object. */
  layoutJsonLength: 64 * 1024,
  layoutDepth: 16,
  maxId: 2 ** 31 - 1,
  /** Serialized size of a figure spec. */
  figureSpecJsonLength: 256 * 1024,
} as const;

export const TAG_KINDS = ['avalanche', 'uncertain', 'not-avalanche', 'candidate'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

/** Figure kinds, output formats, size presets and raster resolutions of the figure engine (src/core/figures: spec.ts,
 * style.ts), repeated here for the renderer, which never imports core; a test keeps the two lists equal. */
export const FIGURE_KINDS = [
  'fields', 'vectors', 'timeline', 'distribution', 'heatmap', 'scatter', 'grid', 'local_gr', 'ln_g_beta_u',
  'rearranger_strain', 'rearranger_g2', 'softness_distribution', 'softness_change', 'onset_strain', 'strain_since_start',
] as const;
export type FigureKindName = (typeof FIGURE_KINDS)[number];
export const FIGURE_FORMATS = ['pdf', 'svg', 'png', 'tiff'] as const;
export type FigureFormatName = (typeof FIGURE_FORMATS)[number];
export const FIGURE_PRESETS = ['aps-single', 'aps-double'] as const;
export type FigurePresetName = (typeof FIGURE_PRESETS)[number];
export const FIGURE_DPI_CHOICES = [300, 600, 1200] as const;
/** File name endings of figure outputs (the format is the extension's). */
export const FIGURE_EXTENSIONS = ['.pdf', '.svg', '.png', '.tif', '.tiff'] as const;
/** Part of the error an export gives when a file it would write exists and `overwrite` was not passed. */
export const FIGURE_EXISTS_MESSAGE = 'already exist';
/** Keys of a figure spec the renderer may send and of its style: the API's declaration (api-params.ts) has exactly
 * these, and the engine's normalizeSpec takes them (besides what it fills in and what a sidecar adds). */
export const FIGURE_SPEC_KEYS = [
  'version', 'kind', 'frame', 'before', 'after', 'field', 'fields', 'vector', 'series', 'potential', 'temperature', 'marks', 'xAxis',
  'coefficient', 'bins', 'family', 'reference', 'cutoff', 'params', 'range', 'preset', 'style', 'dpi',
] as const;
export const FIGURE_STYLE_KEYS = [
  'width', 'height', 'fontFamily', 'fontSize', 'colormap', 'lineWidth', 'boxOutline', 'scaleBar', 'rasterParticles', 'rasterDpi', 'logX', 'logY', 'arrowScale',
] as const;

export type ParamSpec = { type: 'int' | 'number'; min: number; max: number; minExclusive?: boolean } | { type: 'boolean' };

export const SIMULATION_KINDS = ['thermal', 'aqs'] as const;
export type SimulationKind = (typeof SIMULATION_KINDS)[number];

/** Parameters of `startSimulation` by kind, as the `avw simulate` CLI takes them. */
export const SIMULATION_PARAMS: Record<SimulationKind, Record<string, ParamSpec>> = {
  thermal: {
    n: { type: 'int', min: 2, max: 10_000_000 },
    rho: { type: 'number', min: 0, max: 100, minExclusive: true },
    T: { type: 'number', min: 0, max: 1000, minExclusive: true },
    Tp: { type: 'number', min: 0, max: 1000, minExclusive: true },
    equil: { type: 'int', min: 0, max: 1e12 },
    tw: { type: 'int', min: 0, max: 1e12 },
    B: { type: 'int', min: 1, max: 1e12 },
    ncfg: { type: 'int', min: 1, max: 52 },
    blocks: { type: 'int', min: 1, max: 1_000_000 },
    dt: { type: 'number', min: 0, max: 1, minExclusive: true },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    /** Also write the inherent structures (<out>.is.gsd, for is_displacement). */
    is: { type: 'boolean' },
  },
  aqs: {
    n: { type: 'int', min: 2, max: 10_000_000 },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    steps: { type: 'int', min: 1, max: 1e9 },
    deps: { type: 'number', min: 0, max: 1, minExclusive: true },
  },
};
