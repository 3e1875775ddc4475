// A baseline little-endian TIFF writer: Adobe Deflate compression with horizontal differencing, one IFD, the DPI
// as X/YResolution. Used by raster.ts for TIFF figures.
import { deflateSync } from 'node:zlib';
import { isOpaque } from './png.js';

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
