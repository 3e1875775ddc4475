// Raster outputs of the figures: a tiny PNG encoder (also used for image items), PNG and TIFF at a chosen DPI,
// rendered by resvg from the SVG backend's output with the bundled DejaVu fonts only.
import { crc32, deflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import type { Scene } from './scene.js';
import { POINTS_PER_INCH } from './style.js';
import { sceneToSvg } from './svg.js';
import { allFontFiles, FONT_FAMILY_NAME } from './text.js';

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const METRES_PER_INCH = 0.0254;

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** The pHYs chunk declaring `dpi` (as pixels per metre, rounded). */
function physChunk(dpi: number): Buffer {
  const data = Buffer.alloc(9);
  const perMetre = Math.round(dpi / METRES_PER_INCH);
  data.writeUInt32BE(perMetre, 0);
  data.writeUInt32BE(perMetre, 4);
  data[8] = 1;
  return pngChunk('pHYs', data);
}

function isOpaque(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

/** Rows with a filter byte each: per row the best of None, Sub and Up by the sum of absolute values (libpng's heuristic). */
function filterRows(pixels: Uint8Array, rowBytes: number, height: number, bytesPerPixel: number): Buffer {
  const out = Buffer.alloc((rowBytes + 1) * height);
  const candidate = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * rowBytes, (y + 1) * rowBytes);
    const above = y > 0 ? pixels.subarray((y - 1) * rowBytes, y * rowBytes) : null;
    let bestFilter = 0;
    let bestCost = rowCost(row);
    let best: Uint8Array = row;
    for (const filter of [1, 2]) {
      if (filter === 2 && !above) continue;
      for (let i = 0; i < rowBytes; i++) {
        const predictor = filter === 1 ? (i >= bytesPerPixel ? row[i - bytesPerPixel]! : 0) : above![i]!;
        candidate[i] = (row[i]! - predictor) & 255;
      }
      const cost = rowCost(candidate);
      if (cost < bestCost) {
        bestCost = cost;
        bestFilter = filter;
        best = candidate.slice();
      }
    }
    const start = y * (rowBytes + 1);
    out[start] = bestFilter;
    out.set(best, start + 1);
  }
  return out;
}

function rowCost(row: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += row[i]! < 128 ? row[i]! : 256 - row[i]!;
  return sum;
}

/** Encode RGBA pixels (rows from the top) as a PNG: RGB when fully opaque, RGBA otherwise; pHYs when `dpi` given. */
export function encodePng(rgba: Uint8Array, width: number, height: number, dpi?: number): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const opaque = isOpaque(rgba);
  const channels = opaque ? 3 : 4;
  let pixels = rgba;
  if (opaque) {
    pixels = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      pixels[j] = rgba[i]!;
      pixels[j + 1] = rgba[i + 1]!;
      pixels[j + 2] = rgba[i + 2]!;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = opaque ? 2 : 6;
  const chunks = [PNG_SIGNATURE, pngChunk('IHDR', header)];
  if (dpi) chunks.push(physChunk(dpi));
  chunks.push(pngChunk('IDAT', deflateSync(filterRows(pixels, width * channels, height, channels))), pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(chunks);
}

/** The same PNG with its pHYs chunk (if any) replaced by one declaring `dpi`, placed right after IHDR. */
export function setPngDpi(png: Buffer, dpi: number): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('setPngDpi: not a PNG');
  const parts: Buffer[] = [PNG_SIGNATURE];
  let offset = 8;
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (type !== 'pHYs') parts.push(png.subarray(offset, end));
    if (type === 'IHDR') parts.push(physChunk(dpi));
    offset = end;
  }
  return Buffer.concat(parts);
}

/** Pixel size of a scene at `dpi`. */
export function pixelWidth(scene: Scene, dpi: number): number {
  return Math.round((scene.width / POINTS_PER_INCH) * dpi);
}

function renderScene(scene: Scene, dpi: number): ReturnType<Resvg['render']> {
  if (!(dpi > 0)) throw new Error(`dpi must be positive, got ${dpi}`);
  const resvg = new Resvg(sceneToSvg(scene, { pixelated: 'attribute' }), {
    fitTo: { mode: 'width', value: pixelWidth(scene, dpi) },
    font: {
      fontFiles: allFontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY_NAME[scene.fontFamily],
      sansSerifFamily: FONT_FAMILY_NAME.sans,
      serifFamily: FONT_FAMILY_NAME.serif,
    },
    shapeRendering: 2,
    textRendering: 2,
    logLevel: 'off',
  });
  return resvg.render();
}

/** The scene as a PNG `round(width / 72 * dpi)` pixels wide that declares its DPI. */
export function sceneToPng(scene: Scene, dpi: number): Buffer {
  return setPngDpi(renderScene(scene, dpi).asPng(), dpi);
}

// ---------------------------------------------------------------------------------------------------------------
// TIFF: a baseline little-endian writer, Adobe Deflate compression with horizontal differencing, one IFD.

const TIFF_SHORT = 3;
const TIFF_LONG = 4;
const TIFF_RATIONAL = 5;
const TIFF_ASCII = 2;
const STRIP_BYTES = 1 << 18;

interface TiffEntry {
  tag: number;
  type: number;
  values: number[] | string;
}

/** Bytes of one IFD value array (ASCII strings are NUL-terminated). */
function entryBytes(entry: TiffEntry): Buffer {
  if (typeof entry.values === 'string') return Buffer.from(`${entry.values}\0`, 'latin1');
  const size = entry.type === TIFF_SHORT ? 2 : entry.type === TIFF_LONG ? 4 : 8;
  const out = Buffer.alloc(entry.values.length * size);
  entry.values.forEach((v, i) => {
    if (entry.type === TIFF_SHORT) out.writeUInt16LE(v, i * 2);
    else if (entry.type === TIFF_LONG) out.writeUInt32LE(v, i * 4);
    else {
      const denominator = Number.isInteger(v) ? 1 : 1000;
      out.writeUInt32LE(Math.round(v * denominator), i * 8);
      out.writeUInt32LE(denominator, i * 8 + 4);
    }
  });
  return out;
}

/** Strip of rows [y0, y1) as contiguous samples (RGB or RGBA, alpha un-premultiplied), differenced and deflated. */
function encodeStrip(rgba: Uint8Array, width: number, y0: number, y1: number, channels: number, premultiplied: boolean): Buffer {
  const rowBytes = width * channels;
  const strip = Buffer.alloc((y1 - y0) * rowBytes);
  for (let y = y0; y < y1; y++) {
    let o = (y - y0) * rowBytes;
    for (let x = 0, i = y * width * 4; x < width; x++, i += 4, o += channels) {
      const a = rgba[i + 3]!;
      const unmultiply = premultiplied && a > 0 && a < 255 ? 255 / a : 1;
      strip[o] = Math.min(255, Math.round(rgba[i]! * unmultiply));
      strip[o + 1] = Math.min(255, Math.round(rgba[i + 1]! * unmultiply));
      strip[o + 2] = Math.min(255, Math.round(rgba[i + 2]! * unmultiply));
      if (channels === 4) strip[o + 3] = a;
    }
    // Horizontal differencing (TIFF predictor 2), right to left so each sample still sees its original neighbour.
    const rowStart = (y - y0) * rowBytes;
    for (let k = rowBytes - 1; k >= channels; k--) strip[rowStart + k] = (strip[rowStart + k]! - strip[rowStart + k - channels]!) & 255;
  }
  return deflateSync(strip);
}

/** Encode RGBA pixels as a TIFF declaring `dpi` (RGB when opaque, else RGBA with unassociated alpha).
 *  `premultiplied` says the input colours are multiplied by alpha (resvg's pixel buffer). */
export function encodeTiff(rgba: Uint8Array, width: number, height: number, dpi: number, premultiplied = false): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodeTiff: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const channels = isOpaque(rgba) ? 3 : 4;
  const rowsPerStrip = Math.max(1, Math.floor(STRIP_BYTES / (width * channels)));
  const strips: Buffer[] = [];
  for (let y = 0; y < height; y += rowsPerStrip) strips.push(encodeStrip(rgba, width, y, Math.min(height, y + rowsPerStrip), channels, premultiplied));
  const entries: TiffEntry[] = [
    { tag: 256, type: TIFF_LONG, values: [width] },
    { tag: 257, type: TIFF_LONG, values: [height] },
    { tag: 258, type: TIFF_SHORT, values: new Array<number>(channels).fill(8) },
    { tag: 259, type: TIFF_SHORT, values: [8] },
    { tag: 262, type: TIFF_SHORT, values: [2] },
    { tag: 273, type: TIFF_LONG, values: [] },
    { tag: 277, type: TIFF_SHORT, values: [channels] },
    { tag: 278, type: TIFF_LONG, values: [rowsPerStrip] },
    { tag: 279, type: TIFF_LONG, values: strips.map((s) => s.length) },
    { tag: 282, type: TIFF_RATIONAL, values: [dpi] },
    { tag: 283, type: TIFF_RATIONAL, values: [dpi] },
    { tag: 284, type: TIFF_SHORT, values: [1] },
    { tag: 296, type: TIFF_SHORT, values: [2] },
    { tag: 305, type: TIFF_ASCII, values: 'Avalanche Workbench' },
    { tag: 317, type: TIFF_SHORT, values: [2] },
  ];
  if (channels === 4) entries.push({ tag: 338, type: TIFF_SHORT, values: [2] });
  return assembleTiff(entries, strips);
}

/** Header, strips, the IFD and the out-of-line values; fills in the strip offsets (tag 273). */
function assembleTiff(entries: TiffEntry[], strips: Buffer[]): Buffer {
  const header = Buffer.from([0x49, 0x49, 42, 0, 0, 0, 0, 0]);
  const stripOffsets: number[] = [];
  let offset = header.length;
  for (const strip of strips) {
    stripOffsets.push(offset);
    offset += strip.length;
  }
  entries.find((e) => e.tag === 273)!.values = stripOffsets;
  offset += offset & 1;
  const ifdOffset = offset;
  header.writeUInt32LE(ifdOffset, 4);
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  const extra: Buffer[] = [];
  let extraOffset = ifdOffset + ifd.length;
  entries.forEach((entry, k) => {
    const bytes = entryBytes(entry);
    const at = 2 + k * 12;
    ifd.writeUInt16LE(entry.tag, at);
    ifd.writeUInt16LE(entry.type, at + 2);
    ifd.writeUInt32LE(typeof entry.values === 'string' ? bytes.length : entry.values.length, at + 4);
    if (bytes.length <= 4) bytes.copy(ifd, at + 8);
    else {
      ifd.writeUInt32LE(extraOffset, at + 8);
      const padded = bytes.length & 1 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
      extra.push(padded);
      extraOffset += padded.length;
    }
  });
  const pad = Buffer.alloc(ifdOffset - (header.length + strips.reduce((n, s) => n + s.length, 0)));
  return Buffer.concat([header, ...strips, pad, ifd, ...extra]);
}

/** The scene as a TIFF `round(width / 72 * dpi)` pixels wide with X/YResolution = dpi per inch. */
export function sceneToTiff(scene: Scene, dpi: number): Buffer {
  const image = renderScene(scene, dpi);
  return encodeTiff(image.pixels, image.width, image.height, dpi, true);
}
