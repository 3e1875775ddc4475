// The workbench's figure methods (previewFigure, exportFigure) on a generated trajectory: the preview is SVG of
// the preset's width made by a 'figure' job, an export writes the figure, its .json spec and .csv, existing files
// are refused unless overwrite, bad specs and closed trajectories give clear errors, a newer preview supersedes.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURE_KINDS as CORE_KINDS, FIGURE_FORMATS as CORE_FORMATS } from '../../src/core/figures/spec.js';
import { DEFAULT_STYLE, DPI_CHOICES, PRESET_NAMES } from '../../src/core/figures/style.js';
import { JobCancelledError } from '../../src/core/jobs/job.js';
import { runInWorker } from '../../src/core/jobs/worker-runner.js';
import { WorkbenchService, type JobRunner } from '../../src/main/service/service.js';
import {
  FIGURE_DPI_CHOICES, FIGURE_FORMATS, FIGURE_KINDS, FIGURE_PRESETS, FIGURE_STYLE_KEYS, type FigureSpecRequest, type TrajectoryInfo,
} from '../../src/shared/api.js';
import { tmpDir, writeGlassDump } from './helpers.js';

const root = tmpDir('avw-figure-service-');
const glass = join(root, 'glass.lammpstrj');
const out = join(root, 'out');
const EVENT = 3;
const FIELDS_SPEC: FigureSpecRequest = { kind: 'fields', frame: EVENT, field: 'd2min', preset: 'aps-single' };

/** Kinds of the jobs the service ran; the first figure job can be held until it is cancelled. */
function recordingRunner(holdFirstFigure = false): { runJob: JobRunner; kinds: string[] } {
  const kinds: string[] = [];
  let hold = holdFirstFigure;
  const runJob: JobRunner = <R>(kind: string, params: unknown, options?: Parameters<JobRunner>[2]) => {
    kinds.push(kind);
    if (kind === 'figure' && hold) {
      hold = false;
      return new Promise<R>((_, reject) => options?.signal?.addEventListener('abort', () => reject(new JobCancelledError(kind))));
    }
    return runInWorker<R>(kind, params, options);
  };
  return { runJob, kinds };
}

function svgRoot(svg: string): Element {
  const root = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
  if (!root) throw new Error('the SVG has no root element');
  return root;
}

let service: WorkbenchService;
let kinds: string[];
let info: TrajectoryInfo;

beforeAll(async () => {
  mkdirSync(out);
  writeGlassDump(glass, { side: 8, frames: 6, jumps: [EVENT], jumpSize: 0.5, noise: 0.005, seed: 5 });
  const r = recordingRunner();
  kinds = r.kinds;
  service = new WorkbenchService({ host: 'web', indexDir: join(root, 'index'), appRoot: root, runJob: r.runJob });
  info = await service.openTrajectory({ path: glass });
});

afterAll(() => {
  service.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the figure contract mirrors the engine', () => {
  it('lists the same kinds, formats, presets, DPI choices and style keys', () => {
    expect([...FIGURE_KINDS]).toEqual([...CORE_KINDS]);
    expect([...FIGURE_FORMATS]).toEqual([...CORE_FORMATS]);
    expect([...FIGURE_PRESETS]).toEqual([...PRESET_NAMES]);
    expect([...FIGURE_DPI_CHOICES]).toEqual([...DPI_CHOICES]);
    expect([...FIGURE_STYLE_KEYS].sort()).toEqual([...Object.keys(DEFAULT_STYLE), 'height'].sort());
  });
});

describe('WorkbenchService.previewFigure', () => {
  it('returns SVG that parses, as wide as the preset, made by a figure job', async () => {
    const before = kinds.length;
    const single = await service.previewFigure({ trajectoryId: info.id, spec: FIELDS_SPEC });
    expect(kinds.slice(before)).toEqual(['figure']);
    expect(single.widthPt).toBe(243);
    expect(single.heightPt).toBeGreaterThan(40);
    expect(single.heightPt).toBeLessThan(single.widthPt);
    const svg = svgRoot(single.svg);
    expect(svg.tagName).toBe('svg');
    expect(svg.getAttribute('width')).toBe('243pt');
    expect(svg.getElementsByTagName('circle').length).toBeGreaterThanOrEqual(3 * 64);
    const double = await service.previewFigure({ trajectoryId: info.id, spec: { ...FIELDS_SPEC, preset: 'aps-double' } });
    expect(double.widthPt).toBe(504);
    expect(svgRoot(double.svg).getAttribute('width')).toBe('504pt');
    const custom = await service.previewFigure({ trajectoryId: info.id, spec: { ...FIELDS_SPEC, preset: undefined, style: { width: '8.6cm', height: '5cm' } } });
    expect(custom.widthPt).toBeCloseTo((8.6 / 2.54) * 72, 6);
    expect(custom.heightPt).toBeCloseTo((5 / 2.54) * 72, 6);
  });

  it('names a bad spec value, a frame out of range and a trajectory that is not open', async () => {
    const preview = (spec: FigureSpecRequest, trajectoryId = info.id) => service.previewFigure({ trajectoryId, spec });
    await expect(preview({ ...FIELDS_SPEC, style: { fontFamily: 'comic' as 'serif' } })).rejects.toThrow(/"style\.fontFamily" must be sans or serif/);
    await expect(preview({ ...FIELDS_SPEC, field: 'temperature' })).rejects.toThrow(/"field" must be one of displacement, d2min, .*\(got "temperature"\)/);
    await expect(preview({ ...FIELDS_SPEC, preset: 'nature' as 'aps-single' })).rejects.toThrow(/"preset" must be one of aps-single, aps-double/);
    await expect(preview({ ...FIELDS_SPEC, style: { width: '3 furlongs' } })).rejects.toThrow(/style\.width: "3 furlongs" is not a length/);
    await expect(preview({ ...FIELDS_SPEC, frame: 99 })).rejects.toThrow(/frame 99 is out of range \(the trajectory has 6 frames\)/);
    await expect(preview(FIELDS_SPEC, 9999)).rejects.toThrow(/trajectory 9999 is not open/);
  });

  it('a newer preview cancels the one still running', async () => {
    const r = recordingRunner(true);
    const s = new WorkbenchService({ host: 'web', indexDir: join(root, 'index'), appRoot: root, runJob: r.runJob });
    try {
      const t = await s.openTrajectory({ path: glass });
      const first = s.previewFigure({ trajectoryId: t.id, spec: FIELDS_SPEC });
      const second = s.previewFigure({ trajectoryId: t.id, spec: { ...FIELDS_SPEC, preset: 'aps-double' } });
      await expect(first).rejects.toThrow(/superseded by a newer request/);
      expect((await second).widthPt).toBe(504);
      expect(r.kinds.filter((k) => k === 'figure')).toHaveLength(2);
    } finally {
      s.close();
    }
  });
});

describe('WorkbenchService.exportFigure', () => {
  it('writes the PDF, its sidecar spec and its CSV, as a job in the jobs list', async () => {
    const pdf = join(out, 'fig.pdf');
    const before = kinds.length;
    const r = await service.exportFigure({ trajectoryId: info.id, spec: FIELDS_SPEC, out: pdf });
    expect(kinds.slice(before)).toEqual(['figure']);
    expect(r).toMatchObject({ path: pdf, format: 'pdf', sidecar: join(out, 'fig.json'), csv: join(out, 'fig.csv'), warnings: [] });
    expect(r.bytes).toBe(statSync(pdf).size);
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const side = JSON.parse(readFileSync(r.sidecar, 'utf8')) as Record<string, unknown>;
    expect(side).toMatchObject({ kind: 'fields', frame: EVENT, field: 'd2min', trajectory: glass, preset: 'aps-single', frames: { before: 2, at: 3, after: 4 } });
    expect((side.output as { widthPt: number }).widthPt).toBe(243);
    const csv = readFileSync(r.csv, 'utf8').trim().split('\n');
    expect(csv.length).toBe(1 + 3 * 64);
    const jobs = (await service.listJobs()).jobs.filter((j) => j.kind === 'figure');
    expect(jobs.at(-1)).toMatchObject({ kind: 'figure', label: 'Figure fig.pdf', state: 'done', outputPath: null });
  });

  it('refuses to overwrite the figure or a companion unless asked, and then replaces them', async () => {
    const svg = join(out, 'again.svg');
    const request = { trajectoryId: info.id, spec: FIELDS_SPEC, out: svg };
    await service.exportFigure(request);
    const mtime = statSync(svg).mtimeMs;
    await expect(service.exportFigure(request)).rejects.toThrow(/again\.svg, .*again\.json, .*again\.csv already exist; pass overwrite/);
    expect(statSync(svg).mtimeMs).toBe(mtime);
    const replaced = await service.exportFigure({ ...request, spec: { ...FIELDS_SPEC, preset: 'aps-double' }, overwrite: true });
    expect(replaced.format).toBe('svg');
    expect(svgRoot(readFileSync(svg, 'utf8')).getAttribute('width')).toBe('504pt');
    // A stray companion alone is refused too: the export would replace it.
    writeFileSync(join(out, 'lonely.csv'), 'mine\n');
    await expect(service.exportFigure({ ...request, out: join(out, 'lonely.png') })).rejects.toThrow(/lonely\.csv already exists; pass overwrite to replace it/);
    expect(existsSync(join(out, 'lonely.png'))).toBe(false);
  });

  it('names a missing directory, a bad spec and a trajectory that is not open', async () => {
    await expect(service.exportFigure({ trajectoryId: info.id, spec: FIELDS_SPEC, out: join(root, 'nowhere', 'fig.pdf') })).rejects.toThrow(/nowhere: no such directory/);
    await expect(service.exportFigure({ trajectoryId: info.id, spec: { ...FIELDS_SPEC, dpi: 5000 }, out: join(out, 'dpi.png') })).rejects.toThrow(/"dpi" must be an integer >= 72 and <= 2400/);
    await expect(service.exportFigure({ trajectoryId: 9999, spec: FIELDS_SPEC, out: join(out, 'x.pdf') })).rejects.toThrow(/trajectory 9999 is not open/);
    expect(existsSync(join(out, 'dpi.png'))).toBe(false);
  });
});
