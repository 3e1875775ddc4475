// The figure backends on a hand-built scene with every item type: SVG (parsed as XML), PDF (read back with pdf.js,
// and with poppler's pdftoppm/pdffonts when present), PNG and TIFF (decoded, DPI and pixel colours), text metrics.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { DOMParser, type Document as XmlDocument } from '@xmldom/xmldom';
import { afterAll, describe, expect, it } from 'vitest';
import { quadraticsAsCubics, sceneToPdf } from '../../../src/core/figures/pdf.js';
import { encodePng } from '../../../src/core/figures/png.js';
import { sceneToPng, sceneToTiff } from '../../../src/core/figures/raster.js';
import type { CirclesItem, Item, Scene } from '../../../src/core/figures/scene.js';
import { sceneToSvg } from '../../../src/core/figures/svg.js';
import { fontMeasurer, layoutText, parseMarkup, placeText } from '../../../src/core/figures/text.js';
import { packRGBA } from '../../../src/shared/colormaps.js';

const work = mkdtempSync(join(tmpdir(), 'avw-backends-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------
// The test scene

const RED = packRGBA(214, 39, 40);
const GREEN = packRGBA(44, 160, 44);
const BLUE = packRGBA(31, 119, 180);
const HALF_ORANGE = packRGBA(255, 127, 14, 128);

/** Six disks in a clipped 'particles' group; the last one reaches outside the clip. */
function particles(): CirclesItem {
  return {
    type: 'circles',
    cx: Float64Array.from([40, 60, 80, 100, 120, 135]),
    cy: Float64Array.from([40, 40, 40, 40, 60, 60]),
    r: Float64Array.from([8, 8, 8, 8, 10, 12]),
    fill: Uint32Array.from([RED, GREEN, BLUE, HALF_ORANGE, packRGBA(148, 103, 189, 200), packRGBA(23, 190, 207)]),
  };
}

function checkerImage(): Item {
  const rgba = new Uint8Array(4 * 4 * 4);
  for (let i = 0; i < 16; i++) rgba.set([(i % 4) * 80, Math.floor(i / 4) * 80, 128, 255], 4 * i);
  return { type: 'image', x: 220, y: 20, w: 40, h: 40, pixelWidth: 4, pixelHeight: 4, rgba, smooth: false };
}

function testScene(): Scene {
  return {
    width: 360,
    height: 200,
    fontFamily: 'sans',
    title: 'Backends & <test>',
    description: 'every item type',
    items: [
      { type: 'group', name: 'particles', clip: { x: 20, y: 20, w: 120, h: 60 }, items: [particles()] },
      { type: 'rect', x: 20, y: 20, w: 120, h: 60, stroke: { colour: '#000000', width: 0.6 } },
      { type: 'path', d: 'M20 150 L60 120 C80 100 100 160 140 130', stroke: { colour: '#1f77b4', width: 1, dash: [3, 2] } },
      { type: 'path', d: 'M150 150 L190 150 L170 120 Z', fill: '#2ca02c', opacity: 0.5 },
      {
        type: 'arrows', x0: Float64Array.from([160, 160]), y0: Float64Array.from([30, 60]), dx: Float64Array.from([40, 30]),
        dy: Float64Array.from([0, -20]), colour: '#000000', width: 1, headLength: 5, headWidth: 4,
      },
      checkerImage(),
      { type: 'text', x: 220, y: 110, text: '\\it{D}^{2}_{min} of σ_{xy}', size: 10 },
      { type: 'text', x: 220, y: 140, text: 'centred ‖\\bf{e}‖', size: 10, anchor: 'middle', baseline: 'middle' },
      { type: 'text', x: 12, y: 100, text: 'rotated \\it{ε}_{vol}', size: 9, anchor: 'middle', rotate: 90 },
      { type: 'text', x: 350, y: 190, text: 'end 10^{−3}', size: 9, anchor: 'end', baseline: 'bottom', colour: '#cc0000', bold: true },
    ],
  };
}

/** A three-panel figure: 3 x 2000 disks of random colours (deterministic), a label per panel. */
function bigScene(): Scene {
  let seed = 12345;
  const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const items: Item[] = [];
  for (let p = 0; p < 3; p++) {
    const n = 2000;
    const circles: CirclesItem = { type: 'circles', cx: new Float64Array(n), cy: new Float64Array(n), r: new Float64Array(n), fill: new Uint32Array(n) };
    for (let i = 0; i < n; i++) {
      circles.cx[i] = 10 + p * 165 + random() * 150;
      circles.cy[i] = 20 + random() * 150;
      circles.r[i] = 1.2 + random() * 0.6;
      circles.fill[i] = packRGBA(Math.floor(random() * 256), Math.floor(random() * 256), Math.floor(random() * 256));
    }
    items.push({ type: 'group', name: 'particles', clip: { x: 10 + p * 165, y: 20, w: 150, h: 150 }, items: [circles] });
    items.push({ type: 'text', x: 10 + p * 165, y: 14, text: `(${'abc'[p]}) \\it{D}^{2}_{min}`, size: 8 });
  }
  return { width: 504, height: 180, fontFamily: 'sans', items };
}

// ---------------------------------------------------------------------------------------------------------------
// Readers

function parseSvg(text: string): XmlDocument {
  const problems: string[] = [];
  const doc = new DOMParser({ onError: (level, message) => problems.push(`${level}: ${message}`) }).parseFromString(text, 'image/svg+xml');
  expect(problems).toEqual([]);
  return doc;
}

interface PngInfo {
  width: number;
  height: number;
  chunks: Map<string, Buffer>;
  /** RGBA pixels, rows from the top. */
  pixels: Uint8Array;
}

/** A small PNG reader (8-bit RGB/RGBA, all five filters), enough for our encoder and resvg's. */
function readPng(png: Buffer): PngInfo {
  const chunks = new Map<string, Buffer>();
  const idat: Buffer[] = [];
  for (let o = 8; o < png.length;) {
    const length = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + length);
    if (type === 'IDAT') idat.push(data);
    else chunks.set(type, data);
    o += 12 + length;
  }
  const ihdr = chunks.get('IHDR')!;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const channels = ihdr[9] === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      row[i] = (raw[y * (stride + 1) + 1 + i]! + predictor) & 255;
    }
    for (let x = 0; x < width; x++) {
      pixels.set([row[x * channels]!, row[x * channels + 1]!, row[x * channels + 2]!, channels === 4 ? row[x * channels + 3]! : 255], (y * width + x) * 4);
    }
    previous = row;
  }
  return { width, height, chunks, pixels };
}

/** Netpbm P6 (pdftoppm's default output) as RGBA. */
function readPpm(ppm: Buffer): { width: number; height: number; pixels: Uint8Array } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.toString('latin1', 0, 64))!;
  const width = Number(header[1]);
  const height = Number(header[2]);
  const body = ppm.subarray(header[0].length);
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.set([body[3 * i]!, body[3 * i + 1]!, body[3 * i + 2]!, 255], 4 * i);
  return { width, height, pixels };
}

/** The pixel under a point of the scene (points) in an image rendered at `dpi`. */
function pixelAt(image: { width: number; pixels: Uint8Array }, xPt: number, yPt: number, dpi: number): number[] {
  const x = Math.floor((xPt / 72) * dpi);
  const y = Math.floor((yPt / 72) * dpi);
  return Array.from(image.pixels.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
}

function rgbOf(packed: number): number[] {
  return [packed & 255, (packed >>> 8) & 255, (packed >>> 16) & 255];
}

function expectColour(actual: number[], expected: number[], tolerance = 3): void {
  expected.forEach((v, k) => expect(Math.abs(actual[k]! - v), `channel ${k} of [${actual.join(', ')}] vs [${expected.join(', ')}]`).toBeLessThanOrEqual(tolerance));
}

function hasTool(name: string): boolean {
  const found = spawnSync(name, ['-v'], { encoding: 'utf8' }).error === undefined;
  if (!found && process.env.CI) throw new Error(`${name} (poppler-utils) is required in CI`);
  return found;
}

interface UtifImage {
  width: number;
  height: number;
  [tag: `t${number}`]: number[] | undefined;
}
interface Utif {
  decode(buffer: ArrayBuffer | Uint8Array): UtifImage[];
  decodeImage(buffer: ArrayBuffer | Uint8Array, image: UtifImage): void;
  toRGBA8(image: UtifImage): Uint8Array;
}
const UTIF = createRequire(import.meta.url)('utif') as Utif;

async function openPdf(bytes: Buffer) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false }).promise;
  return { pdfjs, doc };
}

/** The user-space bounding boxes of filled paths that are one move + four Béziers + close (our circles). */
function circlePaths(fnArray: number[], argsArray: unknown[][], constructPath: number, fill: number): number[][] {
  const boxes: number[][] = [];
  fnArray.forEach((fn, i) => {
    if (fn !== constructPath) return;
    const [paintOp, [data], minMax] = argsArray[i] as [number, (Float32Array | null)[], Float32Array | null];
    // DrawOPS: moveTo 0 (2 numbers), curveTo 2 (6 numbers), closePath 4.
    const isCircle = data && data.length === 32 && data[0] === 0 && [3, 10, 17, 24].every((k) => data[k] === 2) && data[31] === 4;
    if (paintOp === fill && isCircle && minMax) boxes.push(Array.from(minMax));
  });
  return boxes;
}

// ---------------------------------------------------------------------------------------------------------------

describe('text markup and metrics', () => {
  it('measures with the real font: longer strings are wider, scripts stack and shrink', () => {
    const a = fontMeasurer.measure('a', 10, 'sans');
    const ab = fontMeasurer.measure('ab', 10, 'sans');
    expect(ab.width).toBeGreaterThan(a.width);
    expect(a.width).toBeCloseTo((1255 / 2048) * 10, 6); // DejaVu Sans advance of "a"
    const stacked = layoutText('D^{2}_{min}', 10, 'sans');
    const flat = layoutText('D2min', 10, 'sans');
    expect(stacked.width).toBeLessThan(flat.width);
    const [base, sup, sub] = stacked.runs;
    expect(sup!.x).toBeCloseTo(sub!.x, 9);
    expect(sup!.size).toBeCloseTo(7, 9);
    expect(sup!.dy).toBeLessThan(0);
    expect(sub!.dy).toBeGreaterThan(0);
    expect(base!.text).toBe('D');
    expect(stacked.ascent).toBeGreaterThan(flat.ascent);
    expect(stacked.descent).toBeGreaterThan(flat.descent);
  });

  it('parses styles, escapes and nesting; malformed markup is literal and never throws', () => {
    const runs = layoutText('\\it{ε}_{vol} \\bf{H}', 8, 'serif').runs;
    expect(runs.map((r) => [r.text, r.italic, r.bold])).toEqual([['ε', true, false], ['vol', false, false], [' ', false, false], ['H', false, true]]);
    expect(runs[0]!.fontFile).toMatch(/DejaVuSerif-Italic\.ttf$/);
    expect(layoutText('a\\_b\\^c\\{\\}\\\\', 8, 'sans').runs.map((r) => r.text).join('')).toBe('a_b^c{}\\');
    expect(() => layoutText('a^{b', 8, 'sans')).not.toThrow();
    expect(layoutText('a^{b', 8, 'sans').runs.map((r) => r.text).join('')).toBe('a^{b');
    expect(layoutText('x}_', 8, 'sans').runs.map((r) => r.text).join('')).toBe('x}_');
    expect(parseMarkup('x^2_i')).toEqual([{ kind: 'text', text: 'x' }, { kind: 'scripts', sup: [{ kind: 'text', text: '2' }], sub: [{ kind: 'text', text: 'i' }] }]);
  });

  it('places anchors and baselines', () => {
    const item = { type: 'text' as const, x: 0, y: 0, text: 'Hello', size: 10 };
    const width = layoutText('Hello', 10, 'sans').width;
    expect(placeText({ ...item, anchor: 'end' }, 'sans').dx).toBeCloseTo(-width, 9);
    expect(placeText({ ...item, anchor: 'middle', baseline: 'middle' }, 'sans').dy).toBeCloseTo(fontMeasurer.capHeight(10, 'sans') / 2, 9);
    expect(fontMeasurer.capHeight(10, 'sans')).toBeCloseTo(7.29, 2);
  });
});

describe('SVG', () => {
  const scene = testScene();
  const svg = sceneToSvg(scene);

  it('is a standalone SVG in points with every item', () => {
    const doc = parseSvg(svg);
    const root = doc.documentElement!;
    expect(root.tagName).toBe('svg');
    expect(root.getAttribute('width')).toBe('360pt');
    expect(root.getAttribute('height')).toBe('200pt');
    expect(root.getAttribute('viewBox')).toBe('0 0 360 200');
    expect(doc.getElementsByTagName('title')[0]!.textContent).toBe('Backends & <test>');
    expect(doc.getElementsByTagName('circle').length).toBe(6);
    const group = doc.getElementById('particles')!;
    const clipId = /^url\(#(.+)\)$/.exec(group.getAttribute('clip-path')!)![1]!;
    expect(doc.getElementById(clipId)!.tagName).toBe('clipPath');
    expect(group.getElementsByTagName('circle')[3]!.getAttribute('fill-opacity')).toBe('0.502');
    const texts = Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent);
    expect(texts.join('|')).toContain('min');
    expect(doc.getElementsByTagName('image')[0]!.getAttribute('xlink:href')).toMatch(/^data:image\/png;base64,/);
    expect(doc.getElementsByTagName('tspan').length).toBeGreaterThan(8);
  });

  it('can draw text as glyph outlines', () => {
    const doc = parseSvg(sceneToSvg(scene, { textAs: 'paths' }));
    expect(doc.getElementsByTagName('text').length).toBe(0);
    expect(doc.getElementsByTagName('path').length).toBe(3 + 4);
  });
});

describe('PDF', () => {
  const scene = testScene();

  it('has one page of the scene size, circles as paths, embedded fonts and the text', async () => {
    const bytes = await sceneToPdf(scene, { creationDate: new Date(Date.UTC(2024, 0, 1)) });
    const raw = bytes.toString('latin1');
    expect(raw).toContain('/FontFile2');
    expect(raw).not.toMatch(/\/BaseFont \/Helvetica/);
    const { pdfjs, doc } = await openPdf(bytes);
    expect(doc.numPages).toBe(1);
    const meta = await doc.getMetadata();
    expect(meta.info).toMatchObject({ Title: 'Backends & <test>', Subject: 'every item type', Creator: 'Avalanche Workbench' });
    const page = await doc.getPage(1);
    const viewport = page.getViewport({ scale: 1 });
    expect([viewport.width, viewport.height]).toEqual([360, 200]);
    const ops = await page.getOperatorList();
    const boxes = circlePaths(ops.fnArray, ops.argsArray as unknown[][], pdfjs.OPS.constructPath, pdfjs.OPS.fill);
    const circles = particles();
    expect(boxes.length).toBe(circles.cx.length);
    boxes.forEach(([x0, y0, x1, y1], i) => {
      expect((x0! + x1!) / 2).toBeCloseTo(circles.cx[i]!, 1);
      expect((y0! + y1!) / 2).toBeCloseTo(circles.cy[i]!, 1);
      expect((x1! - x0!) / 2).toBeCloseTo(circles.r[i]!, 1);
    });
    const fontNames = new Set(ops.fnArray.flatMap((fn, i) => (fn === pdfjs.OPS.setFont ? [String(ops.argsArray[i]![0])] : [])));
    expect(fontNames.size).toBe(3); // sans regular, oblique (D, ε), bold (e, "end ...")
    for (const name of fontNames) {
      const font = page.commonObjs.get(name) as { missingFile: boolean; name: string };
      expect(font.missingFile).toBe(false);
      expect(font.name).toMatch(/DejaVuSans/);
    }
    const content = await page.getTextContent();
    const text = content.items.map((item) => ('str' in item ? item.str : '')).join('');
    expect(text).toContain('min');
    expect(text).toContain('rotated');
    expect(text).toContain('σ');
  });

  it('is byte-identical for the same scene and date', async () => {
    const date = new Date(Date.UTC(2025, 5, 1, 12));
    const [a, b] = await Promise.all([sceneToPdf(scene, { creationDate: date }), sceneToPdf(scene, { creationDate: date })]);
    expect(a.equals(b)).toBe(true);
    const c = await sceneToPdf(scene, { creationDate: new Date(Date.UTC(2025, 5, 2)) });
    expect(c.equals(a)).toBe(false);
  });

  it('renders with poppler: fonts embedded, circle colours at their centres', async () => {
    if (!hasTool('pdftoppm') || !hasTool('pdffonts')) return;
    const path = join(work, 'scene.pdf');
    writeFileSync(path, await sceneToPdf(scene));
    const fonts = spawnSync('pdffonts', [path], { encoding: 'utf8' }).stdout.trim().split('\n').slice(2);
    expect(fonts.length).toBe(3);
    for (const line of fonts) expect(line.split(/\s+/).slice(-5, -4)[0]).toBe('yes'); // the "emb" column
    const rendered = spawnSync('pdftoppm', ['-r', '144', '-singlefile', path], { maxBuffer: 1 << 26 });
    const image = readPpm(rendered.stdout);
    expect(image.width).toBe(720);
    expectColour(pixelAt(image, 40, 40, 144), rgbOf(RED));
    expectColour(pixelAt(image, 80, 40, 144), rgbOf(BLUE));
    expectColour(pixelAt(image, 100, 40, 144), [255, 191, 135], 4); // half-transparent orange over white
    expectColour(pixelAt(image, 300, 20, 144), [255, 255, 255]);
  });

  it('draws quadratic Béziers as the equivalent cubics (pdfkit writes them as a different curve)', () => {
    expect(quadraticsAsCubics('M0 0 Q30 30 60 0 L60 60 Z')).toBe('M0 0C20 20 40 20 60 0L60 60Z');
    expect(quadraticsAsCubics('M0 0 10 10 Q10 40 40 40')).toBe('M0 0L10 10C10 30 20 40 40 40');
    expect(quadraticsAsCubics('M0 0 L5 5')).toBe('M0 0 L5 5');
  });

  it('skips disks with non-finite coordinates instead of corrupting the page', async () => {
    const circles = { ...particles(), cx: Float64Array.from([40, Number.NaN, 80, 100, 120, 135]) };
    const bytes = await sceneToPdf({ width: 100, height: 100, fontFamily: 'sans', items: [circles] });
    const { pdfjs, doc } = await openPdf(bytes);
    const ops = await (await doc.getPage(1)).getOperatorList();
    expect(circlePaths(ops.fnArray, ops.argsArray as unknown[][], pdfjs.OPS.constructPath, pdfjs.OPS.fill).length).toBe(5);
  });

  it('keeps a three-panel N = 2000 figure under 1 MB (its time is in npm run bench -- figures)', async () => {
    const big = bigScene();
    const pdf = await sceneToPdf(big, { creationDate: new Date(0) });
    const svg = sceneToSvg(big);
    expect(pdf.length).toBeLessThan(1024 * 1024);
    expect(svg.length).toBeLessThan(1024 * 1024);
  });
});

describe('PNG and TIFF', () => {
  const scene = testScene();

  it('PNG: pixel size and pHYs from the DPI, colours at known points', () => {
    const png = readPng(sceneToPng(scene, 300));
    expect(png.width).toBe(Math.round((360 / 72) * 300));
    expect(png.height).toBe(Math.round((200 / 72) * 300));
    const phys = png.chunks.get('pHYs')!;
    expect([phys.readUInt32BE(0), phys.readUInt32BE(4), phys[8]]).toEqual([11811, 11811, 1]);
    expectColour(pixelAt(png, 40, 40, 300), rgbOf(RED));
    expectColour(pixelAt(png, 60, 40, 300), rgbOf(GREEN));
    expectColour(pixelAt(png, 100, 40, 300), [255, 191, 135], 4);
    expectColour(pixelAt(png, 300, 20, 300), [255, 255, 255]);
    // The unsmoothed image keeps its 4 x 4 cells: the first cell is flat.
    expectColour(pixelAt(png, 221, 21, 300), [0, 0, 128], 0);
    expectColour(pixelAt(png, 229, 29, 300), [0, 0, 128], 0);
  });

  it('encodePng round-trips RGBA and RGB', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 9, 9, 9, 255]);
    const decoded = readPng(encodePng(rgba, 2, 2, 600));
    expect(Array.from(decoded.pixels)).toEqual(Array.from(rgba));
    expect(decoded.chunks.get('pHYs')!.readUInt32BE(0)).toBe(23622);
    const opaque = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]);
    const rgb = readPng(encodePng(opaque, 2, 1));
    expect(rgb.chunks.get('IHDR')![9]).toBe(2);
    expect(Array.from(rgb.pixels)).toEqual(Array.from(opaque));
  });

  it('TIFF: size, resolution tags and a known pixel', () => {
    const tiff = sceneToTiff(scene, 300);
    const [ifd] = UTIF.decode(tiff);
    UTIF.decodeImage(tiff, ifd!);
    expect([ifd!.width, ifd!.height]).toEqual([1500, 833]);
    expect(ifd!.t282![0]).toBeCloseTo(300, 6);
    expect(ifd!.t283![0]).toBeCloseTo(300, 6);
    expect(ifd!.t296![0]).toBe(2);
    const image = { width: ifd!.width, pixels: UTIF.toRGBA8(ifd!) };
    expectColour(pixelAt(image, 40, 40, 300), rgbOf(RED));
    expectColour(pixelAt(image, 80, 40, 300), rgbOf(BLUE));
    expectColour(pixelAt(image, 300, 20, 300), [255, 255, 255]);
  });

  it('TIFF keeps transparency (un-premultiplied) when the background is none', () => {
    const tiff = sceneToTiff({ ...scene, background: 'none' }, 72);
    const [ifd] = UTIF.decode(tiff);
    UTIF.decodeImage(tiff, ifd!);
    expect(ifd!.t277![0]).toBe(4);
    const image = { width: ifd!.width, pixels: UTIF.toRGBA8(ifd!) };
    const orange = pixelAt(image, 100, 40, 72);
    expectColour(orange, [255, 127, 14, 128], 3);
    expect(pixelAt(image, 300, 20, 72)[3]).toBe(0);
  });
});
