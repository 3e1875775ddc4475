// Every figure kind made from the shipped demo through the one build path (the CLI and the workbench use it), and
// checked as files: the PDF's page size is the preset's, its fonts are embedded, its particle layer is vector
// paths; the SVG parses; PNG has the DPI's pixel size; sidecar + CSV rebuild the same figure; `avw figure` works.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Document } from '@xmldom/xmldom';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFigure, companionPaths } from '../../../src/core/figures/build.js';
import { FIGURE_KINDS, type FigureKind } from '../../../src/core/figures/spec.js';
import { PRESETS } from '../../../src/core/figures/style.js';

const root = join(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'avw-fig-'));
const indexDir = join(work, 'index');
// A copy, so the paired inherent structures (demo.is.gsd) sit beside it as in the resources folder.
const demo = join(work, 'demo.gsd');
copyFileSync(join(root, 'resources/demo/demo.gsd'), demo);
copyFileSync(join(root, 'resources/demo/demo.is.gsd'), join(work, 'demo.is.gsd'));
const EVENT = 18; // a detector candidate of the demo (resources/demo/README.md)
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KIND_SPECS: Record<FigureKind, Record<string, unknown>> = {
  fields: { field: 'd2min' },
  vectors: { vector: 'na' },
  timeline: { series: ['msd', 'energy', 'stress_xy'], potential: 'wca', marks: [72, 144] },
  distribution: { field: 'd2min', style: { logY: true } },
  heatmap: { fields: ['d2min', 'e_norm', 'eps_vol', 'det_h'] },
  scatter: { fields: ['d2min', 'e_norm', 'eps_vol'] },
  grid: { fields: ['d2min', 'e_norm', 'eps_vol', 'det_h'] },
};

function specOf(kind: FigureKind, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, kind, trajectory: demo, indexDir, frame: EVENT, reference: { mode: 'previous' }, ...KIND_SPECS[kind], ...extra };
}

async function pdfDocument(bytes: Uint8Array) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs.getDocument({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise;
}

function parseSvg(text: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level: string, msg: string) => { if (level !== 'warning') errors.push(msg); } }).parseFromString(text, 'image/svg+xml');
  expect(errors).toEqual([]);
  return doc;
}

describe('figures from the demo', () => {
  it.each(FIGURE_KINDS)('%s: an SVG that parses, with its sidecar and CSV', async (kind) => {
    const out = join(work, `${kind}.svg`);
    const r = await buildFigure(specOf(kind), out);
    const svg = parseSvg(readFileSync(out, 'utf8'));
    const rootEl = svg.documentElement!;
    expect(rootEl.tagName).toBe('svg');
    expect(Number(rootEl.getAttribute('viewBox')!.split(/\s+/)[2])).toBeCloseTo(PRESETS['aps-double'].width, 3);
    expect(r.widthPt).toBeCloseTo(7 * 72, 6);
    expect(r.heightPt).toBeGreaterThan(50);
    const side = JSON.parse(readFileSync(companionPaths(out).sidecar, 'utf8'));
    expect(side.kind).toBe(kind);
    expect(side.fingerprint).toMatch(/\S/);
    expect(side.software.name).toBe('Avalanche Workbench');
    if (kind === 'fields') {
      expect(side.computed.map((c: { frame: number; ref: number }) => [c.frame, c.ref])).toEqual([[17, 16], [18, 17], [19, 18]]);
      expect(side.computed[0].parameters).toHaveProperty('cutoff');
    }
    const csv = readFileSync(companionPaths(out).csv, 'utf8').trim().split('\n');
    expect(csv.length).toBeGreaterThan(2);
    if (kind === 'fields' || kind === 'vectors') {
      expect(svg.getElementsByTagName('circle').length).toBeGreaterThanOrEqual(3 * 256);
      expect(csv.length).toBe(1 + 3 * 256);
    }
    if (kind === 'grid') expect(csv.length).toBe(1 + 4 * 3 * 256);
    if (kind === 'timeline') expect(csv.length).toBe(1 + 216);
  }, 60_000);

  it('fields as a PDF: preset page size, embedded fonts only, particles as vector paths, under 1 MB', async () => {
    const out = join(work, 'fields-single.pdf');
    const r = await buildFigure(specOf('fields', { preset: 'aps-single' }), out);
    const bytes = readFileSync(out);
    expect(r.bytes).toBe(bytes.length);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const text = bytes.toString('latin1');
    expect(text).toContain('/FontFile2');
    expect(text).not.toMatch(/\/BaseFont\s*\/Helvetica/);
    const doc = await pdfDocument(new Uint8Array(bytes));
    expect(doc.numPages).toBe(1);
    const page = await doc.getPage(1);
    const [x0, y0, x1, y1] = page.view;
    expect(x1 - x0).toBeCloseTo(3.375 * 72, 3);
    expect(y1 - y0).toBeCloseTo(r.heightPt, 3);
    const ops = await page.getOperatorList();
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const paths = ops.fnArray.filter((f: number) => f === pdfjs.OPS.constructPath).length;
    const images = ops.fnArray.filter((f: number) => f === pdfjs.OPS.paintImageXObject).length;
    expect(images).toBe(0);
    expect(paths).toBeGreaterThan(0);
    const content = await page.getTextContent();
    const strings = content.items.map((i) => ('str' in i ? i.str : '')).join(' ');
    expect(strings).toContain('(a)');
    expect(strings).toContain('min');
  }, 60_000);

  it('the raster particle option puts one image per panel inside an otherwise vector PDF', async () => {
    const out = join(work, 'fields-raster.pdf');
    await buildFigure(specOf('fields', { style: { rasterParticles: true, rasterDpi: 300 } }), out);
    const doc = await pdfDocument(new Uint8Array(readFileSync(out)));
    const page = await doc.getPage(1);
    const ops = await page.getOperatorList();
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    expect(ops.fnArray.filter((f: number) => f === pdfjs.OPS.paintImageXObject).length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(out).toString('latin1')).toContain('/FontFile2');
  }, 60_000);

  it('PNG at 300 dpi: pixel size from the width and a pHYs chunk saying 300 dpi', async () => {
    const out = join(work, 'timeline.png');
    await buildFigure(specOf('timeline', { preset: 'aps-single', dpi: 300 }), out);
    const png = readFileSync(out);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(Math.round(3.375 * 300));
    const phys = png.indexOf('pHYs');
    expect(phys).toBeGreaterThan(0);
    expect(png.readUInt32BE(phys + 4)).toBe(Math.round(300 / 0.0254));
  }, 60_000);

  it('the sidecar rebuilds the same figure, byte for byte', async () => {
    for (const [kind, ext] of [['fields', 'pdf'], ['distribution', 'svg']] as const) {
      const out = join(work, `again-${kind}.${ext}`);
      await buildFigure(specOf(kind), out);
      const side = JSON.parse(readFileSync(companionPaths(out).sidecar, 'utf8'));
      const again = join(work, `again-${kind}-2.${ext}`);
      await buildFigure(side, again);
      expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
      expect(readFileSync(companionPaths(again).csv, 'utf8')).toBe(readFileSync(companionPaths(out).csv, 'utf8'));
    }
  }, 60_000);

  it('bad specs are refused with the key named', async () => {
    await expect(buildFigure(specOf('fields', { field: 'nonsense' }), join(work, 'x.pdf'))).rejects.toThrow(/"field" must be one of/);
    await expect(buildFigure(specOf('fields'), join(work, 'x.doc'))).rejects.toThrow(/unknown figure format/);
    await expect(buildFigure(specOf('fields', { colour: 'red' }), join(work, 'x.pdf'))).rejects.toThrow(/unknown key\(s\) "colour"/);
    await expect(buildFigure(specOf('fields', { style: { font: 'serif' } }), join(work, 'x.pdf'))).rejects.toThrow(/unknown style key\(s\) "font"/);
    await expect(buildFigure(specOf('fields', { frame: 100000 }), join(work, 'x.pdf'))).rejects.toThrow(/frame 100000 does not exist/);
    await expect(buildFigure(specOf('fields'), join(work, 'no-such-folder', 'x.pdf'))).rejects.toThrow(/x\.pdf: cannot write the figure: the folder .*no-such-folder does not exist/);
  });
});

describe('avw figure', () => {
  function avw(...args: string[]) {
    return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'figure', ...args], { encoding: 'utf8' });
  }
  it('makes a PDF from flags and rebuilds it from its sidecar', () => {
    const out = join(work, 'cli.pdf');
    const r = avw(demo, '--kind', 'fields', '--frame', String(EVENT), '--field', 'd2min', '--preset', 'aps-single', '--out', out, '--index-dir', indexDir, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('pdf');
    expect(j.widthPt).toBeCloseTo(243, 6);
    const again = join(work, 'cli-again.pdf');
    const r2 = avw('--spec', companionPaths(out).sidecar, '--out', again, '--json');
    expect(r2.status).toBe(0);
    expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
  }, 60_000);

  it('says what is wrong in one line and exits 2 on bad usage', () => {
    const r = avw(demo, '--kind', 'fields', '--frame', '3', '--out', join(work, 'y.pdf'), '--width', 'wide');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/style\.width: "wide" is not a length/);
    expect(avw(demo, '--frame', '3', '--out', join(work, 'y.pdf')).stderr).toMatch(/--kind is required/);
  });
});
