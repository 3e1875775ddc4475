// The workbench's "Export figure...": previews and exports of the open trajectory as 'figure' jobs in a worker.
// The spec comes from the renderer without trajectory or index (filled in here) and is checked by the engine's own normalizeSpec.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { IndexedTrajectory } from '../../core/index/indexed-trajectory.js';
import { companionPaths } from '../../core/figures/build.js';
import type { FigureJobResult, FigureParams } from '../../core/jobs/figure-job.js';
import { normalizeSpec } from '../../core/figures/spec.js';
import { FIGURE_EXISTS_MESSAGE, type FigureExport, type FigurePreview, type FigureSpecRequest } from '#shared/api.js';
import type { JobRegistry, JobRunner } from './jobs.js';

/** What the figure service borrows from the workbench service. */
export interface FigureServiceHost {
  indexDir: string;
  runJob: JobRunner;
  /** Runs a task in the analysis queue (a bounded number of heavy jobs at once). */
  queue<T>(task: () => Promise<T>): Promise<T>;
  jobs: JobRegistry;
}

/** How long a superseded preview may take to notice its cancel before its worker is stopped. */
const PREVIEW_CANCEL_GRACE_MS = 250;

/** The figure and its two companions (fig.pdf -> fig.json, fig.csv), as the engine names them. */
function outputFiles(out: string): string[] {
  const { sidecar, csv } = companionPaths(out);
  return [out, sidecar, csv];
}

export class FigureSupersededError extends Error {
  constructor() {
    super('figure preview superseded by a newer request');
    this.name = 'FigureSupersededError';
  }
}

export class FigureService {
  /** The preview running now: a newer request cancels it. */
  private currentPreview: AbortController | null = null;
  /** Output files of exports still running (two exports never write one file). */
  private readonly writing = new Set<string>();

  constructor(private readonly host: FigureServiceHost) {}

  /** The full spec of a request on trajectory `t`: its path and the service's index filled in, checked by the engine. */
  specFor(t: IndexedTrajectory, request: FigureSpecRequest): FigureParams['spec'] {
    const spec = normalizeSpec({ ...request, trajectory: t.path, indexDir: this.host.indexDir });
    if (spec.frame >= t.frameCount) throw new Error(`figure spec: frame ${spec.frame} is out of range (the trajectory has ${t.frameCount} frames)`);
    return spec;
  }

  /** The figure as SVG; a newer preview cancels this one, which then fails with FigureSupersededError. */
  async preview(t: IndexedTrajectory, request: FigureSpecRequest): Promise<FigurePreview> {
    const spec = this.specFor(t, request);
    this.currentPreview?.abort();
    const controller = new AbortController();
    this.currentPreview = controller;
    let r: FigureJobResult;
    try {
      r = await this.host.queue(() => this.host.runJob<FigureJobResult>('figure', { spec } satisfies FigureParams, {
        signal: controller.signal, cancelGraceMs: PREVIEW_CANCEL_GRACE_MS,
      }));
    } catch (e) {
      if (controller.signal.aborted) throw new FigureSupersededError();
      throw e;
    } finally {
      if (this.currentPreview === controller) this.currentPreview = null;
    }
    if (!r.preview) throw new Error('figure: the preview job wrote a file instead of returning SVG');
    return { svg: r.svg, widthPt: r.widthPt, heightPt: r.heightPt, warnings: r.warnings };
  }

  /** Write the figure, its .json spec and its .csv data: a job in the jobs list, cancellable there. */
  async export(t: IndexedTrajectory, request: FigureSpecRequest, outPath: string, overwrite: boolean): Promise<FigureExport> {
    const spec = this.specFor(t, request);
    const out = resolve(outPath);
    const files = this.claimOutput(out, overwrite);
    try {
      const { result } = this.host.jobs.start<FigureJobResult>({
        kind: 'figure',
        label: `Figure ${basename(out)}`,
        run: ({ signal, progress }) => this.host.queue(() => this.host.runJob<FigureJobResult>('figure', { spec, out } satisfies FigureParams, { signal, onProgress: progress })),
      });
      let r: FigureJobResult;
      try {
        r = await result;
      } catch (e) {
        if (e instanceof Error && e.name === 'JobCancelledError') throw new Error(`${out}: the export was cancelled`);
        throw e;
      }
      if (r.preview) throw new Error('figure: the export job returned a preview instead of writing a file');
      return { path: r.path, format: r.format, bytes: r.bytes, sidecar: r.sidecar, csv: r.csv, warnings: r.warnings };
    } finally {
      this.releaseOutput(files);
    }
  }

  /** Reserve a figure's output files (the figure, its .json and .csv) for an export: refused when one exists (unless
   * `overwrite`) or another export is writing it. Every export of the workbench (study figures too) reserves here. */
  claimOutput(out: string, overwrite: boolean): string[] {
    const files = outputFiles(out);
    this.checkWritable(out, files, overwrite);
    for (const f of files) this.writing.add(f);
    return files;
  }

  releaseOutput(files: readonly string[]): void {
    for (const f of files) this.writing.delete(f);
  }

  private checkWritable(out: string, files: string[], overwrite: boolean): void {
    const dir = dirname(out);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such directory for the figure`);
    const busy = files.find((f) => this.writing.has(f));
    if (busy) throw new Error(`${busy} is being written by another export; wait for it to finish`);
    if (overwrite) return;
    const existing = files.filter((f) => existsSync(f));
    if (existing.length === 0) return;
    const plural = existing.length > 1;
    throw new Error(`${existing.join(', ')} ${FIGURE_EXISTS_MESSAGE}${plural ? '' : 's'}; pass overwrite to replace ${plural ? 'them' : 'it'}`);
  }
}
