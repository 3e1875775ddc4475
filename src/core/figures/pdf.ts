// The PDF backend: a Scene as a one-page vector PDF with pdfkit (page = scene size in points, circles as Bézier
// paths, text runs at their exact baselines in the embedded, subsetted DejaVu fonts), deterministic for a given date.
import PDFDocument from 'pdfkit';
import type { ArrowsItem, CirclesItem, FontFamily, GroupItem, ImageItem, Item, PathItem, RectItem, Scene, Stroke, TextItem } from './scene.js';
import { encodePng } from './png.js';
import { arrowPolygons, isFiniteCircle, num, unpackColour } from './svg.js';
import { fontFace, placeText } from './text.js';

export interface PdfOptions {
  /** CreationDate/ModDate of the document (default now); the same date gives byte-identical output. */
  creationDate?: Date;
  creator?: string;
}

type Doc = PDFKit.PDFDocument;

/** Control-point distance of a quarter circle drawn as one cubic Bézier, per unit radius. */
const KAPPA = (4 * (Math.SQRT2 - 1)) / 3;
/** Flush raw content to pdfkit in pieces of about this many operators. */
const CONTENT_BATCH = 512;

function circlePath(x: number, y: number, r: number): string {
  const k = r * KAPPA;
  const [x0, x1, x2, x3, x4] = [x - r, x - k, x, x + k, x + r].map((v) => num(v));
  const [y0, y1, y2, y3, y4] = [y - r, y - k, y, y + k, y + r].map((v) => num(v));
  return `${x0} ${y2} m ${x0} ${y1} ${x1} ${y0} ${x2} ${y0} c ${x3} ${y0} ${x4} ${y1} ${x4} ${y2} c ${x4} ${y3} ${x3} ${y4} ${x2} ${y4} c ${x1} ${y4} ${x0} ${y3} ${x0} ${y2} c h`;
}

const PATH_ARITY: Record<string, number> = { M: 2, L: 2, C: 6, Q: 4, A: 7, H: 1, V: 1, Z: 0 };

/** The path with every quadratic Bézier (Q) rewritten as the equivalent cubic (C): pdfkit 0.20 writes Q as the PDF
 *  operator "v", which is a different cubic. Absolute commands only (scene.ts); other paths are returned unchanged. */
export function quadraticsAsCubics(d: string): string {
  if (!d.includes('Q') || /[a-df-z]/.test(d)) return d;
  const tokens = d.match(/[MLCQAHVZ]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g) ?? [];
  const out: string[] = [];
  let x = 0;
  let y = 0;
  let startX = 0;
  let startY = 0;
  let command = '';
  for (let i = 0; i < tokens.length;) {
    if (/[A-Z]/.test(tokens[i]!)) command = tokens[i++]!;
    if (command === 'Z') {
      out.push('Z');
      [x, y] = [startX, startY];
      command = '';
      continue;
    }
    const arity = PATH_ARITY[command];
    if (arity === undefined || i + arity > tokens.length) return d;
    const a = tokens.slice(i, i + arity).map(Number);
    i += arity;
    if (command === 'Q') {
      const [cx, cy, ex, ey] = a as [number, number, number, number];
      out.push(`C${x + (2 / 3) * (cx - x)} ${y + (2 / 3) * (cy - y)} ${ex + (2 / 3) * (cx - ex)} ${ey + (2 / 3) * (cy - ey)} ${ex} ${ey}`);
    } else out.push(`${command}${a.join(' ')}`);
    if (command === 'H') x = a[0]!;
    else if (command === 'V') y = a[0]!;
    else [x, y] = [a[arity - 2]!, a[arity - 1]!];
    if (command === 'M') {
      [startX, startY] = [x, y];
      command = 'L'; // further pairs after M are line-tos
    }
  }
  return out.join('');
}

function applyStroke(doc: Doc, stroke: Stroke): void {
  doc.lineWidth(stroke.width).strokeColor(stroke.colour);
  if (stroke.dash?.length) doc.addContent(`[${stroke.dash.map((d) => num(d, 3)).join(' ')}] 0 d`);
  if (stroke.cap) doc.lineCap(stroke.cap);
  if (stroke.join) doc.lineJoin(stroke.join);
}

const isPainted = (colour: string | undefined): colour is string => colour !== undefined && colour !== 'none';

/** Paint the current path with an optional fill and stroke (nothing when neither is visible). */
function paint(doc: Doc, fill: string | undefined, stroke: Stroke | undefined): void {
  const stroked = stroke !== undefined && isPainted(stroke.colour);
  if (stroked) applyStroke(doc, stroke);
  if (isPainted(fill) && stroked) doc.fillAndStroke(fill, stroke.colour);
  else if (isPainted(fill)) doc.fill(fill);
  else if (stroked) doc.stroke(stroke.colour);
}

/** Disks as raw path operators (pdfkit's own circle() writes 6-decimal numbers and is slow for thousands):
 *  the colour only when it changes, opacity through pdfkit's ExtGState registry. */
function drawCircles(doc: Doc, item: CirclesItem): void {
  doc.save();
  const stroked = item.stroke !== undefined && isPainted(item.stroke.colour);
  if (stroked) applyStroke(doc, item.stroke!);
  const paintOp = stroked ? 'B' : 'f';
  let content: string[] = [];
  const flush = (): void => {
    if (content.length) doc.addContent(content.join('\n'));
    content = [];
  };
  let lastRgb = -1;
  let lastAlpha = 255;
  for (let i = 0; i < item.cx.length; i++) {
    if (!isFiniteCircle(item, i)) continue;
    const packed = item.fill[i]!;
    const alpha = packed >>> 24;
    if (alpha !== lastAlpha) {
      flush();
      doc.fillOpacity(alpha / 255);
      lastAlpha = alpha;
    }
    if ((packed & 0xffffff) !== lastRgb) {
      const { r, g, b } = unpackColour(packed);
      content.push(`${num(r / 255, 3)} ${num(g / 255, 3)} ${num(b / 255, 3)} rg`);
      lastRgb = packed & 0xffffff;
    }
    content.push(`${circlePath(item.cx[i]!, item.cy[i]!, item.r[i]!)} ${paintOp}`);
    if (content.length >= CONTENT_BATCH) flush();
  }
  flush();
  doc.restore();
}

function drawArrows(doc: Doc, item: ArrowsItem): void {
  const polygons = arrowPolygons(item);
  if (!polygons.length) return;
  doc.save();
  doc.fillColor(item.colour);
  const ops = polygons.map((p) => {
    let s = `${num(p[0]!)} ${num(p[1]!)} m`;
    for (let k = 2; k < p.length; k += 2) s += ` ${num(p[k]!)} ${num(p[k + 1]!)} l`;
    return `${s} h`;
  });
  doc.addContent(`${ops.join('\n')}\nf`);
  doc.restore();
}

function drawPath(doc: Doc, item: PathItem): void {
  if (!isPainted(item.fill) && !(item.stroke && isPainted(item.stroke.colour))) return;
  doc.save();
  if (item.opacity !== undefined && item.opacity < 1) doc.opacity(item.opacity);
  doc.path(quadraticsAsCubics(item.d));
  paint(doc, item.fill, item.stroke);
  doc.restore();
}

function drawRect(doc: Doc, item: RectItem): void {
  if (!isPainted(item.fill) && !(item.stroke && isPainted(item.stroke.colour))) return;
  doc.save();
  doc.rect(item.x, item.y, item.w, item.h);
  paint(doc, item.fill, item.stroke);
  doc.restore();
}

/** Each run at its baseline: pdfkit's `baseline: 'alphabetic'` puts y on the baseline (no ascender offset). */
function drawText(doc: Doc, item: TextItem, family: FontFamily): void {
  const { layout, dx, dy } = placeText(item, family);
  if (!layout.runs.length) return;
  doc.save();
  doc.translate(item.x, item.y);
  if (item.rotate) doc.rotate(-item.rotate);
  doc.fillColor(item.colour ?? '#000000');
  for (const run of layout.runs) {
    doc.font(run.fontFile).fontSize(run.size);
    doc.text(run.text, dx + run.x, dy + run.dy, { lineBreak: false, baseline: 'alphabetic' });
  }
  doc.restore();
}

function drawImage(doc: Doc, item: ImageItem): void {
  doc.image(encodePng(item.rgba, item.pixelWidth, item.pixelHeight), item.x, item.y, { width: item.w, height: item.h });
}

function drawGroup(doc: Doc, item: GroupItem, family: FontFamily): void {
  doc.save();
  if (item.clip) {
    if ('path' in item.clip) doc.path(quadraticsAsCubics(item.clip.path));
    else doc.rect(item.clip.x, item.clip.y, item.clip.w, item.clip.h);
    doc.clip();
  }
  for (const child of item.items) drawItem(doc, child, family);
  doc.restore();
}

function drawItem(doc: Doc, item: Item, family: FontFamily): void {
  switch (item.type) {
    case 'circles': return drawCircles(doc, item);
    case 'path': return drawPath(doc, item);
    case 'rect': return drawRect(doc, item);
    case 'arrows': return drawArrows(doc, item);
    case 'text': return drawText(doc, item, family);
    case 'image': return drawImage(doc, item);
    case 'group': return drawGroup(doc, item, family);
  }
}

function documentInfo(scene: Scene, options: PdfOptions): PDFKit.DocumentInfo {
  const date = options.creationDate ?? new Date();
  const info: PDFKit.DocumentInfo = { Creator: options.creator ?? 'Avalanche Workbench', Producer: 'PDFKit', CreationDate: date, ModDate: date };
  if (scene.title) info.Title = scene.title;
  if (scene.description) info.Subject = scene.description;
  return info;
}

/** The scene as a one-page PDF of exactly scene.width x scene.height points. */
export function sceneToPdf(scene: Scene, options: PdfOptions = {}): Promise<Buffer> {
  // The initial font is our own regular face, so that pdfkit never loads a standard-14 font (Helvetica).
  const doc = new PDFDocument({
    size: [scene.width, scene.height],
    margin: 0,
    compress: true,
    pdfVersion: '1.4',
    font: fontFace(scene.fontFamily, false, false).file,
    info: documentInfo(scene, options),
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const background = scene.background ?? '#ffffff';
  if (background !== 'none') doc.rect(0, 0, scene.width, scene.height).fill(background);
  for (const item of scene.items) drawItem(doc, item, scene.fontFamily);
  doc.end();
  return done;
}
