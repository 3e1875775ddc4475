// The "Export figure" dialog's rules, pure (no DOM, no Vue): its choices pre-filled from the workbench, the figure
// spec they make (the engine's FigureSpec without trajectory or index), the default output path and the size read-out.
import { fieldInfo, isFieldName, isFileFieldName, isSeriesName } from '#shared/fields.js';
import {
  type FigureFormatName, type FigureKindName, type FigurePresetName, type FigureSpecRequest,
  type FigureStyleRequest, type TagJson,
} from '#shared/api.js';
import type { RefMode } from './navigation.js';

/** What the dialog takes from the workbench when it opens. */
export interface WorkbenchSnapshot {
  trajectoryPath: string;
  frame: number;
  /** Before / at / after frames of the panes (null outside the trajectory). */
  paneFrames: readonly (number | null)[];
  /** The field panel's field ('none' when no field is shown). */
  field: string;
  refMode: RefMode;
  fixedRef: number;
  lag: number;
  cutoff: number | null;
  colormap: string;
  rangeMode: 'minmax' | 'quantile' | 'manual';
  manualMin: number;
  manualMax: number;
  arrowScale: number;
  tags: readonly TagJson[];
  /** The timeline: the series beside MSD ('' for none), its potential and temperature, axes. */
  secondSeries: string;
  potential: '' | 'wca' | 'hertz';
  temperature: number | null;
  xAxis: 'frame' | 'time';
  logX: boolean;
  logY: boolean;
  logHistogram: boolean;
  /** The softness model loaded in the Softness panel (null: none). */
  modelPath: string | null;
}

export type SizeChoice = FigurePresetName | 'custom';

/** The dialog's choices. */
export interface FigureChoices {
  kind: FigureKindName;
  frame: number;
  before: number | null;
  after: number | null;
  /** fields, distribution. */
  field: string;
  /** vectors: which displacement the arrows show. */
  vector: string;
  /** grid (rows), heatmap and scatter (the fields correlated). */
  fields: string[];
  /** timeline: mark the avalanche tags besides the event frame. */
  markTags: boolean;
  size: SizeChoice;
  /** Custom size: lengths as "8.6cm", "3.375in"; an empty height lets the layout choose. */
  width: string;
  height: string;
  fontFamily: 'sans' | 'serif';
  fontSize: number;
  format: FigureFormatName;
  dpi: number;
  rasterParticles: boolean;
}

/** Kinds that draw particles (before / at / after panels). */
export const PARTICLE_KINDS: readonly FigureKindName[] = ['fields', 'vectors', 'grid'];
export const RASTER_FORMATS: readonly FigureFormatName[] = ['png', 'tiff'];
const SEQUENTIAL_MAPS = ['viridis', 'cividis', 'magma'] as const;
const DEFAULT_FIELDS = ['d2min', 'e_norm', 'eps_vol', 'det_h'];
const ROWS = 4;

function isKnownField(name: string): boolean {
  return isFieldName(name) || isFileFieldName(name);
}

export function isVectorField(name: string): boolean {
  return isKnownField(name) && fieldInfo(name as Parameters<typeof fieldInfo>[0]).vector;
}

/** The field a fields or distribution figure starts from: the shown one, or D²min when none is shown. */
function currentField(snapshot: WorkbenchSnapshot): string {
  return isKnownField(snapshot.field) ? snapshot.field : 'd2min';
}

/** Rows of a grid, or fields of a heatmap / scatter matrix (scalar fields only): the current field first. */
export function defaultFields(kind: FigureKindName, field: string): string[] {
  const scalarOnly = kind === 'heatmap' || kind === 'scatter';
  const first = isKnownField(field) && !(scalarOnly && isVectorField(field)) ? [field] : [];
  return [...first, ...DEFAULT_FIELDS.filter((f) => f !== field)].slice(0, ROWS);
}

export function initialChoices(snapshot: WorkbenchSnapshot): FigureChoices {
  const field = currentField(snapshot);
  return {
    kind: 'fields',
    frame: snapshot.frame,
    before: snapshot.paneFrames[0] ?? null,
    after: snapshot.paneFrames[2] ?? null,
    field,
    vector: isVectorField(snapshot.field) ? snapshot.field : 'na',
    fields: defaultFields('fields', field),
    markTags: true,
    size: 'aps-double',
    width: '7in',
    height: '',
    fontFamily: 'sans',
    fontSize: 8,
    format: 'pdf',
    dpi: 600,
    rasterParticles: false,
  };
}

/** Frames of the trajectory's avalanche tags (manual, or confirmed detector candidates), ascending. */
export function avalancheFrames(tags: readonly TagJson[]): number[] {
  return [...new Set(tags.filter((t) => t.kind === 'avalanche').map((t) => t.frame))].sort((a, b) => a - b);
}

function referenceOf(s: WorkbenchSnapshot): NonNullable<FigureSpecRequest['reference']> {
  if (s.refMode === 'fixed') return { mode: 'fixed', frame: s.fixedRef };
  if (s.refMode === 'lag') return { mode: 'lag', lag: s.lag };
  return { mode: 'previous' };
}

function styleOf(s: WorkbenchSnapshot, c: FigureChoices): FigureStyleRequest {
  const style: FigureStyleRequest = { fontFamily: c.fontFamily, fontSize: c.fontSize };
  if ((SEQUENTIAL_MAPS as readonly string[]).includes(s.colormap)) style.colormap = s.colormap as FigureStyleRequest['colormap'];
  if (c.size === 'custom') {
    style.width = c.width.trim();
    if (c.height.trim()) style.height = c.height.trim();
  }
  if (PARTICLE_KINDS.includes(c.kind) && c.rasterParticles) {
    style.rasterParticles = true;
    style.rasterDpi = c.dpi;
  }
  if (c.kind === 'vectors' && s.arrowScale > 0) style.arrowScale = s.arrowScale;
  if (c.kind === 'timeline') {
    style.logX = s.logX;
    style.logY = s.logY;
  }
  if (c.kind === 'distribution') style.logY = s.logHistogram;
  return style;
}

/** What the kind shows: its field(s), series or arrows. */
function contentOf(s: WorkbenchSnapshot, c: FigureChoices): Partial<FigureSpecRequest> {
  switch (c.kind) {
    case 'fields': {
      const manual = s.rangeMode === 'manual' && s.manualMax > s.manualMin;
      return manual ? { field: c.field, range: { min: s.manualMin, max: s.manualMax } } : { field: c.field };
    }
    case 'distribution':
      return { field: c.field };
    case 'vectors':
      return { vector: c.vector };
    case 'grid':
    case 'heatmap':
    case 'scatter':
      return { fields: c.fields.slice() };
    case 'timeline':
      return timelineOf(s, c);
    case 'local_gr':
    case 'ln_g_beta_u':
      return {};
    // Zhang, Ridout & Liu Figs. 3-9: the engine's defaults (100 avalanches from the frame); the softness kinds take
    // params.model, the model of the Softness panel (figureSpec adds it).
    case 'rearranger_strain':
    case 'rearranger_g2':
    case 'softness_distribution':
    case 'softness_change':
    case 'onset_strain':
    case 'strain_since_start':
      return {};
  }
}

function timelineOf(s: WorkbenchSnapshot, c: FigureChoices): Partial<FigureSpecRequest> {
  const series = ['msd'];
  if (isSeriesName(s.secondSeries) && s.secondSeries !== 'msd') series.push(s.secondSeries);
  const out: Partial<FigureSpecRequest> = { series, xAxis: s.xAxis };
  if (s.potential) out.potential = s.potential;
  if (s.temperature !== null && Number.isFinite(s.temperature) && s.temperature >= 0) out.temperature = s.temperature;
  if (c.markTags) out.marks = avalancheFrames(s.tags);
  return out;
}

/** The spec the dialog sends (previewFigure, exportFigure). */
export function figureSpec(s: WorkbenchSnapshot, c: FigureChoices): FigureSpecRequest {
  const spec: FigureSpecRequest = { version: 1, kind: c.kind, frame: c.frame, ...contentOf(s, c), reference: referenceOf(s), style: styleOf(s, c), dpi: c.dpi };
  if (c.kind !== 'timeline') {
    if (c.before !== null) spec.before = c.before;
    if (c.after !== null) spec.after = c.after;
    if (s.cutoff !== null) spec.cutoff = s.cutoff;
  }
  if (c.size !== 'custom') spec.preset = c.size;
  if (s.modelPath !== null && needsModel(c)) spec.params = { model: s.modelPath };
  return spec;
}

/** Kinds that take the softness model: Zhang, Ridout & Liu Figs. 5-8, and any figure showing ml_softness. */
const MODEL_KINDS: readonly FigureKindName[] = ['softness_distribution', 'softness_change', 'onset_strain'];
function needsModel(c: FigureChoices): boolean {
  if (MODEL_KINDS.includes(c.kind)) return true;
  if (c.kind === 'fields' || c.kind === 'distribution') return c.field === 'ml_softness';
  if (c.kind === 'grid' || c.kind === 'heatmap' || c.kind === 'scatter') return c.fields.includes('ml_softness');
  return false;
}

/** The extension a format is written with. */
export function extensionOf(format: FigureFormatName): string {
  return `.${format}`;
}

/** The format a path's extension names, or null. */
export function formatOfPath(path: string): FigureFormatName | null {
  const m = /\.(pdf|svg|png|tiff?)$/i.exec(path.trim());
  if (!m) return null;
  const ext = m[1].toLowerCase();
  return ext === 'tif' ? 'tiff' : (ext as FigureFormatName);
}

/** The path with its figure extension replaced by the format's (or the format's added). */
export function withFormat(path: string, format: FigureFormatName): string {
  const p = path.trim();
  const stem = formatOfPath(p) ? p.replace(/\.[^./\\]+$/, '') : p;
  return stem + extensionOf(format);
}

/** Next to the trajectory: <stem>-<kind>-f<frame>.<ext> (compression suffixes and the format's extension dropped). */
export function defaultFigurePath(trajectoryPath: string, kind: FigureKindName, frame: number, format: FigureFormatName): string {
  const cut = Math.max(trajectoryPath.lastIndexOf('/'), trajectoryPath.lastIndexOf('\\'));
  const dir = trajectoryPath.slice(0, cut + 1);
  const name = trajectoryPath.slice(cut + 1).replace(/\.(gz|bz2|xz)$/i, '');
  const stem = name.replace(/\.[^.]+$/, '') || name || 'figure';
  return `${dir}${stem}-${kind}-f${frame}${extensionOf(format)}`;
}

/** "7.00 in × 2.25 in" from points. */
export function sizeText(widthPt: number, heightPt: number): string {
  return `${(widthPt / 72).toFixed(2)} in × ${(heightPt / 72).toFixed(2)} in`;
}
