// Every figure kind made from the shipped demo through the one build path (the CLI and the workbench use it), and
// checked as files: the PDF's page size is the preset's, its fonts are embedded, its particle layer is vector
// paths; the SVG parses; PNG has the DPI's pixel size; sidecar + CSV rebuild the same figure; `avw figure` works.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Document } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betti1 } from '../../../src/core/analysis/betti.js';
import { smoothedRadialDistribution } from '../../../src/core/analysis/rdf.js';
import { buildFigure, companionPaths, sceneOf } from '../../../src/core/figures/build.js';
import { kineticTemperature } from '../../../src/core/fields/series.js';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { figureParamsFromArgs } from '../../../src/cli/figure-command.js';
import { FIGURE_KINDS, type FigureKind } from '../../../src/core/figures/spec.js';
import { PRESETS } from '../../../src/core/figures/style.js';
import { runInProcess } from '../../../src/core/jobs/job.js';
import { softnessTrainJob } from '../../../src/core/jobs/softness-train-job.js';

const root = join(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'avw-fig-'));
const indexDir = join(work, 'index');
// A copy, so the paired inherent structures (demo.is.gsd) sit beside it as in the resources folder.
const demo = join(work, 'demo.gsd');
copyFileSync(join(root, 'resources/demo/demo.gsd'), demo);
copyFileSync(join(root, 'resources/demo/demo.is.gsd'), join(work, 'demo.is.gsd'));
const EVENT = 18; // a detector candidate of the demo (resources/demo/README.md)
afterAll(() => rmSync(work, { recursive: true, force: true }));
// The rearranger kinds' softness model (Zhang, Ridout & Liu): one hyperplane trained on the demo (made in beforeAll).
const MODEL = join(work, 'model.json');
beforeAll(async () => {
  await runInProcess(softnessTrainJob, { path: demo, indexDir, frame: EVENT + 1, ref: EVENT, out: MODEL });
});

const KIND_SPECS: Record<FigureKind, Record<string, unknown>> = {
  fields: { field: 'd2min' },
  vectors: { vector: 'na' },
  timeline: { series: ['msd', 'energy', 'stress_xy'], potential: 'wca', marks: [72, 144] },
  distribution: { field: 'd2min', style: { logY: true } },
  heatmap: { fields: ['d2min', 'e_norm', 'eps_vol', 'det_h'] },
  scatter: { fields: ['d2min', 'e_norm', 'eps_vol'] },
  grid: { fields: ['d2min', 'e_norm', 'eps_vol', 'det_h'] },
  local_gr: { deltas: [0.04, 0.02], particles: [1, 100] },
  ln_g_beta_u: { particles: [1] },
  // The demo has no AQS log: its frames `frame`..`after` are one run of consecutive frames (a warning says so).
  rearranger_strain: { after: EVENT + 12 },
  rearranger_g2: { after: EVENT + 12 },
  softness_distribution: { after: EVENT + 12, params: { model: MODEL } },
  softness_change: { after: EVENT + 12, params: { model: MODEL } },
  onset_strain: { after: EVENT + 12, params: { model: MODEL }, lags: [2, 5] },
  strain_since_start: { after: EVENT + 12 },
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

/** The CSV as rows of named cells. */
function csvRows(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head!.split(',');
  // Quoted curve labels hold no commas here.
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v.replace(/^"|"$/g, '')])));
}

describe('the betti1 track and the Appendix C figures', () => {
  it('timeline with betti1: measured on the paired demo.is.gsd at the spec\'s alpha, the CSV holds every frame', async () => {
    const out = join(work, 'betti1.svg');
    await buildFigure(specOf('timeline', { series: ['msd', 'betti1'], params: { alpha: 2 }, marks: [] }), out);
    const side = JSON.parse(readFileSync(companionPaths(out).sidecar, 'utf8'));
    expect(side.params).toEqual({ alpha: 2 });
    expect(side.measured).toEqual([
      { series: 'msd', path: demo, parameters: { reference: 0 } },
      { series: 'betti1', path: join(work, 'demo.is.gsd'), parameters: { alpha: 2, periodic: false } },
    ]);
    const rows = csvRows(companionPaths(out).csv);
    expect(Object.keys(rows[0]!)).toEqual(['frame', 'timestep', 'msd', 'betti1', 'mark']);
    expect(rows).toHaveLength(216);
    const is = openIndexed(join(work, 'demo.is.gsd'), { indexDir });
    try {
      for (const f of [0, EVENT, 197]) {
        const fr = is.readFrame(f);
        expect(Number(rows[f]!.betti1)).toBe(betti1(fr.positions, fr.box, { alpha: 2 }).bornBelowAlpha);
      }
    } finally {
      is.close();
    }
    await expect(buildFigure(specOf('timeline', { series: ['msd', 'betti1'], params: { alpha: 0 } }), join(work, 'x.svg'))).rejects.toThrow('"params.alpha" must be a number > 0');
    await expect(buildFigure(specOf('timeline', { params: { potential: 'lj' } }), join(work, 'x.svg'))).rejects.toThrow('"params.potential" must be wca or hertz');
  }, 120_000);

  it('local_gr: the particle-averaged g_i(r) per delta against the histogram, particles on their own, r_min and r_max marked', async () => {
    const out = join(work, 'local-gr-check.svg');
    const { scene } = sceneOf(specOf('local_gr', { deltas: [0.02] }));
    const texts: string[] = [];
    const walk = (items: { type: string; text?: string; items?: unknown[] }[]): void => {
      for (const it of items) {
        if (it.type === 'text') texts.push(it.text!);
        if (it.items) walk(it.items as never);
      }
    };
    walk(scene.items as never);
    expect(texts).toContain('\\it{r}_{min}');
    expect(texts).toContain('\\it{r}_{max}');
    await buildFigure(specOf('local_gr'), out);
    const rows = csvRows(companionPaths(out).csv);
    const curves = [...new Set(rows.map((r) => r.curve))];
    expect(curves).toEqual(['g(r) histogram dr = 0.01', 'mean g_i delta = 0.04', 'mean g_i delta = 0.02', 'g_i particle 1 delta = 0.02', 'g_i particle 100 delta = 0.02']);
    const mean = rows.filter((r) => r.curve === 'mean g_i delta = 0.02');
    const frame = openIndexed(demo, { indexDir });
    try {
      const f = frame.readFrame(EVENT);
      const want = smoothedRadialDistribution(f.positions, f.box, { delta: 0.02, rMax: 3 });
      expect(mean).toHaveLength(want.r.length);
      mean.forEach((r, k) => expect(Number(r.value)).toBeCloseTo(want.g[k]!, 6));
    } finally {
      frame.close();
    }
    // No particle closer than 0.7 diameters; beyond the first shell g oscillates about 1.
    expect(Math.max(...mean.filter((r) => Number(r.r) < 0.7).map((r) => Number(r.value)))).toBeLessThan(1e-6);
    const far = mean.filter((r) => Number(r.r) >= 2).map((r) => Number(r.value));
    expect(far.reduce((a, b) => a + b, 0) / far.length).toBeGreaterThan(0.8);
    expect(far.reduce((a, b) => a + b, 0) / far.length).toBeLessThan(1.2);
    await expect(buildFigure(specOf('local_gr', { particles: [99999] }), join(work, 'x.svg'))).rejects.toThrow(/has no particle with id 99999/);
    await expect(buildFigure(specOf('local_gr', { deltas: [0] }), join(work, 'x.svg'))).rejects.toThrow('"deltas[0]" must be a number > 0 and <= 1');
  }, 60_000);

  it('ln_g_beta_u: ln(g + u/T) from the mean diameter, u of the WCA pair, T the frame\'s kinetic temperature', async () => {
    const out = join(work, 'ln-check.svg');
    await buildFigure(specOf('ln_g_beta_u'), out);
    const side = JSON.parse(readFileSync(companionPaths(out).sidecar, 'utf8'));
    expect(side.potential).toBe('wca');
    const rows = csvRows(companionPaths(out).csv).filter((r) => r.role === 'sequence');
    const t = openIndexed(demo, { indexDir });
    let T: number;
    let mean = 0;
    try {
      const f = t.readFrame(EVENT);
      T = kineticTemperature(f)!;
      const d = f.properties.diameter!;
      for (let i = 0; i < d.length; i++) mean += d[i]! / d.length;
    } finally {
      t.close();
    }
    expect(Number(rows[0]!.r)).toBeGreaterThanOrEqual(mean - 1e-9);
    expect(Number(rows[0]!.r)).toBeLessThan(mean + 0.005);
    for (const r of rows) {
      const x = Number(r.r), g = Number(r.g), bu = Number(r.beta_u);
      // WCA of two particles of the mean diameter: u = 4 (q^2 - q) + 1, q = (sigma/r)^6, zero from 2^(1/6) sigma on.
      const q = (mean / x) ** 6;
      expect(bu).toBeCloseTo(x < 2 ** (1 / 6) * mean ? (4 * (q * q - q) + 1) / T : 0, 6);
      if (g + bu >= 1e-3) expect(Number(r.value)).toBeCloseTo(Math.log(g + bu), 6);
      else expect(r.value).toBe('');
    }
    const isFile = join(work, 'demo.is.gsd');
    await expect(buildFigure({ ...specOf('ln_g_beta_u'), trajectory: isFile }, join(work, 'x.svg'))).rejects.toThrow(/has no velocities to measure the temperature of beta = 1\/T from; pass --temperature T/);
    await buildFigure({ ...specOf('ln_g_beta_u'), trajectory: isFile, temperature: 0.23 }, join(work, 'ln-is.svg'));
  }, 60_000);
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

  it('maps the series and Appendix C flags into the spec: alpha, periodic, is (absolute), delta, deltas, particles', () => {
    const { params } = figureParamsFromArgs([demo, '--kind', 'timeline', '--frame', '3', '--series', 'msd,betti1', '--alpha', '2', '--periodic', '--is', 'x.is.gsd', '--out', 'y.svg']);
    expect(params.spec.series).toEqual(['msd', 'betti1']);
    expect(params.spec.params).toEqual({ alpha: 2, periodic: true, is: join(process.cwd(), 'x.is.gsd') });
    const g = figureParamsFromArgs([demo, '--kind', 'local_gr', '--frame', '3', '--deltas', '0.05,0.02', '--particles', '4,9', '--delta', '0.03', '--out', 'y.svg']).params.spec;
    expect(g).toMatchObject({ kind: 'local_gr', deltas: [0.05, 0.02], particles: [4, 9], params: { delta: 0.03 } });
    expect(figureParamsFromArgs([demo, '--kind', 'local_gr', '--frame', '3', '--out', 'y.svg']).params.spec.deltas).toEqual([0.08, 0.04, 0.02]);
    expect(figureParamsFromArgs([demo, '--kind', 'ln_g_beta_u', '--frame', '3', '--out', 'y.svg']).params.spec.potential).toBe('wca');
    expect(() => figureParamsFromArgs([demo, '--kind', 'local_gr', '--frame', '3', '--particles', '1.5', '--out', 'y.svg'])).toThrow('avw figure: --particles must be particle ids separated by commas (got "1.5")');
  });

  it('says what is wrong in one line and exits 2 on bad usage', () => {
    const r = avw(demo, '--kind', 'fields', '--frame', '3', '--out', join(work, 'y.pdf'), '--width', 'wide');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('avw figure: --width must be a length such as 7in, 8.6cm, 86mm or 240pt (got "wide")\n');
    expect(avw(demo, '--frame', '3', '--out', join(work, 'y.pdf')).stderr).toMatch(/--kind is required/);
  });
});
