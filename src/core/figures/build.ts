// One code path from a figure spec to files, for the CLI, the workbench and tests: gather the data (data.ts), lay
// it out (the kind modules), render (svg.ts, pdf.ts, raster.ts), and write the figure with its sidecar spec (.json:
// the spec plus fingerprint, software version and output) and the plotted numbers (.csv), atomically.
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { correlationMatrices } from '../analysis/correlations.js';
import type { JobContext } from '../jobs/job.js';
import { appVersion } from '../version.js';
import { DEFAULT_AVALANCHES } from './avalanche-data.js';
import { gatherFigure, type FieldUse, type FigureData, type GatheredFigure, type SeriesUse } from './data.js';
import { distributionFigure } from './distribution.js';
import { gridFigure } from './grid.js';
import { heatmapFigure } from './heatmap.js';
import { fieldsFigure, vectorsFigure } from './particles.js';
import { sceneToPdf } from './pdf.js';
import { sceneToPng, sceneToTiff } from './raster.js';
import { scatterMatrixFigure } from './scatter.js';
import { curvesFigure } from './curves.js';
import type { Scene } from './scene.js';
import { FIGURE_FORMATS, normalizeSpec, type FigureFormat, type FigureSpec } from './spec.js';
import { sceneToSvg } from './svg.js';
import { fontMeasurer } from './text.js';
import { timelineFigure } from './timeline.js';

export const SOFTWARE_NAME = 'Avalanche Workbench';

/** The sidecar: the spec that rebuilds the figure, and what it was made from and into. */
export interface FigureSidecar extends FigureSpec {
  fingerprint: string;
  software: { name: string; version: string };
  /** ISO time the figure was first made; a rebuild keeps it (it is the PDF's creation date). */
  created: string;
  output: { path: string; format: FigureFormat; csv: string; widthPt: number; heightPt: number };
  frames: { before: number; at: number; after: number };
  /** Every field computed for the figure: frame, reference and the parameters used (e.g. the cutoff found from g(r)). */
  computed: FieldUse[];
  /** Every series shown: the trajectory measured (a run's inherent structures for beta_1) and the parameters in force. */
  measured: SeriesUse[];
  /** The numbers a statistical figure summarises (the rearranger kinds: fits, counts, the filter used). */
  statistics?: Record<string, unknown>;
}

export interface FigureResult {
  path: string;
  format: FigureFormat;
  bytes: number;
  sidecar: string;
  csv: string;
  widthPt: number;
  heightPt: number;
  warnings: string[];
}

/** The format named by a file's extension. */
export function formatOf(path: string): FigureFormat {
  const ext = extname(path).slice(1).toLowerCase();
  const format = ext === 'tif' ? 'tiff' : ext;
  if (!(FIGURE_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`${path}: unknown figure format ".${ext}" (use .pdf, .svg, .png or .tiff)`);
  }
  return format as FigureFormat;
}

function titleOf(spec: FigureSpec): string {
  const file = basename(spec.trajectory);
  switch (spec.kind) {
    case 'fields': return `${spec.field} before / at / after frame ${spec.frame} of ${file}`;
    case 'vectors': return `${spec.vector} vectors before / at / after frame ${spec.frame} of ${file}`;
    case 'grid': return `${spec.fields!.join(', ')} before / at / after frame ${spec.frame} of ${file}`;
    case 'timeline': return `${spec.series!.join(', ')} of ${file}, frame ${spec.frame} marked`;
    case 'distribution': return `distribution of ${spec.field} in ${file} around frame ${spec.frame}`;
    case 'heatmap': return `correlations among ${spec.fields!.join(', ')} at frame ${spec.frame} of ${file}`;
    case 'scatter': return `scatter matrix of ${spec.fields!.join(', ')} at frame ${spec.frame} of ${file}`;
    case 'local_gr': return `particle-level g(r) (Eq. C1) for delta = ${spec.deltas!.join(', ')} at frame ${spec.frame} of ${file}`;
    case 'ln_g_beta_u': return `ln(g + beta u) at frame ${spec.frame} of ${file}`;
    case 'rearranger_strain': case 'rearranger_g2': case 'softness_distribution': case 'softness_change': case 'onset_strain': case 'strain_since_start':
      return `${spec.kind} over ${spec.avalanches ?? DEFAULT_AVALANCHES} avalanches from frame ${spec.frame} of ${file}`;
  }
}

/** Lay out gathered data as the spec's figure. */
export function layoutFigure(spec: FigureSpec, data: FigureData): Scene {
  const style = spec.style;
  const m = fontMeasurer;
  switch (data.kind) {
    case 'fields': return fieldsFigure({ field: data.field, panels: data.panels, range: data.range }, style, m);
    case 'vectors': return vectorsFigure({ vector: data.vector, panels: data.panels }, style, m);
    case 'grid': return gridFigure({ rows: data.rows }, style, m);
    case 'timeline':
      return timelineFigure({ x: data.x, xLabel: data.xLabel, panels: data.panels.map((p) => ({ label: p.label, values: p.values })), marks: data.marks }, style, m);
    case 'distribution':
      return distributionFigure({ xLabel: data.xLabel, curves: data.curves.map((c) => ({ label: c.label, values: c.values, role: c.role })), bins: data.bins, range: spec.range }, style, m);
    case 'heatmap': {
      const r = correlationMatrices({ fields: data.names.map((name, k) => ({ name, values: data.columns[k]! })) });
      const which = spec.coefficient ?? 'both';
      const matrices = [];
      if (which !== 'spearman') matrices.push({ title: 'Pearson', values: r.pearson });
      if (which !== 'pearson') matrices.push({ title: 'Spearman', values: r.spearman });
      return heatmapFigure({ names: data.labels, matrices }, style, m);
    }
    case 'scatter':
      return scatterMatrixFigure({ names: data.labels, columns: data.columns }, style, m);
    case 'curves':
      return curvesFigure([data.panel], style, m, spec.kind === 'local_gr' ? 'Particle-level g(r)' : 'ln(g + beta u)');
    case 'panels':
      return curvesFigure(data.panels, style, m, data.title);
  }
}

/** Gather and lay out: the scene of a spec, with what was gathered. */
export function sceneOf(rawSpec: unknown, ctx?: JobContext): { spec: FigureSpec; scene: Scene; gathered: GatheredFigure } {
  const spec = normalizeSpec(rawSpec);
  const gathered = gatherFigure(spec, ctx);
  const scene = layoutFigure(spec, gathered.data);
  scene.title = titleOf(spec);
  scene.description = `${scene.description ? `${scene.description} ` : ''}Made by ${SOFTWARE_NAME} ${appVersion()} from ${spec.trajectory} (fingerprint ${gathered.fingerprint}).`;
  return { spec, scene, gathered };
}

/** The figure as an SVG string (the workbench's preview). */
export function previewFigure(rawSpec: unknown, ctx?: JobContext): { svg: string; widthPt: number; heightPt: number; warnings: string[] } {
  const { scene, gathered } = sceneOf(rawSpec, ctx);
  return { svg: sceneToSvg(scene), widthPt: scene.width, heightPt: scene.height, warnings: gathered.warnings };
}

/** Render a scene in a format. */
export async function renderScene(scene: Scene, format: FigureFormat, dpi: number, created: Date): Promise<Buffer> {
  switch (format) {
    case 'svg': return Buffer.from(sceneToSvg(scene), 'utf8');
    case 'pdf': return sceneToPdf(scene, { creationDate: created, creator: `${SOFTWARE_NAME} ${appVersion()}` });
    case 'png': return sceneToPng(scene, dpi);
    case 'tiff': return sceneToTiff(scene, dpi);
  }
}

export function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    throw new Error(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The sidecar and CSV paths of a figure file: fig.pdf -> fig.json, fig.csv. */
export function companionPaths(out: string): { sidecar: string; csv: string } {
  const stem = out.slice(0, out.length - extname(out).length);
  return { sidecar: `${stem}.json`, csv: `${stem}.csv` };
}

/** Make the figure of a spec into `out` (format from the extension), with its sidecar and CSV. */
export async function buildFigure(rawSpec: unknown, out: string, ctx?: JobContext): Promise<FigureResult> {
  const format = formatOf(out);
  const folder = dirname(out);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${out}: cannot write the figure: the folder ${folder} does not exist`);
  const { spec, scene, gathered } = sceneOf(rawSpec, ctx);
  const createdText = typeof (rawSpec as { created?: unknown }).created === 'string' ? (rawSpec as { created: string }).created : new Date().toISOString();
  const created = Number.isNaN(Date.parse(createdText)) ? new Date() : new Date(createdText);
  ctx?.progress(0, 1, `writing ${format}`);
  const bytes = await renderScene(scene, format, spec.dpi, created);
  const { sidecar, csv } = companionPaths(out);
  const side: FigureSidecar = {
    ...spec,
    fingerprint: gathered.fingerprint,
    software: { name: SOFTWARE_NAME, version: appVersion() },
    created: created.toISOString(),
    output: { path: out, format, csv, widthPt: round3(scene.width), heightPt: round3(scene.height) },
    frames: gathered.frames,
    computed: gathered.fields,
    measured: gathered.series,
    ...(gathered.statistics ? { statistics: gathered.statistics } : {}),
  };
  writeAtomic(out, bytes);
  writeAtomic(csv, gathered.csv);
  writeAtomic(sidecar, JSON.stringify(side, null, 2) + '\n');
  ctx?.progress(1, 1, 'done');
  return { path: out, format, bytes: bytes.length, sidecar, csv, widthPt: scene.width, heightPt: scene.height, warnings: gathered.warnings };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

