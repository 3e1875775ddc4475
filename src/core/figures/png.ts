// A small PNG encoder: RGBA pixels to a PNG (RGB when opaque; libpng's row filter heuristic) declaring a DPI, and
// the DPI of an existing PNG replaced. Used by the SVG and PDF backends (image items) and by raster.ts.
import { crc32, deflateSync } from 'node:zlib';

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

/** Whether every pixel of RGBA data is fully opaque. */
export function isOpaque(rgba: Uint8Array): boolean {
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
