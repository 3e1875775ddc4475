// Publication figures as a job (worker thread in the CLI and the hosts): with `out`, write the figure, its sidecar
// spec and CSV; without, return the SVG preview the workbench shows.
import { isAbsolute } from 'node:path';
import { buildFigure, previewFigure, type FigureResult } from '../figures/build.js';
import { normalizeSpec, type FigureSpec } from '../figures/spec.js';
import type { JobDefinition } from './job.js';

export interface FigureParams {
  spec: FigureSpec & { created?: string };
  /** Absolute output path (.pdf, .svg, .png, .tif/.tiff); absent = preview only. */
  out?: string;
}

export type FigureJobResult =
  | ({ preview: false } & FigureResult)
  | { preview: true; svg: string; widthPt: number; heightPt: number; warnings: string[] };

export function validateFigureParams(raw: unknown): FigureParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  const spec = normalizeSpec(p.spec) as FigureParams['spec'];
  const created = (p.spec as { created?: unknown } | undefined)?.created;
  if (typeof created === 'string') spec.created = created;
  if (p.out !== undefined && (typeof p.out !== 'string' || !isAbsolute(p.out))) throw new Error('figure: "out" must be an absolute file path');
  return p.out === undefined ? { spec } : { spec, out: p.out as string };
}

export const figureJob: JobDefinition<FigureParams, FigureJobResult> = {
  kind: 'figure',
  validate: validateFigureParams,
  async run(params, ctx) {
    if (params.out === undefined) return { preview: true, ...previewFigure(params.spec, ctx) };
    return { preview: false, ...(await buildFigure(params.spec, params.out, ctx)) };
  },
};
