// The SVG backend: a Scene as a standalone SVG 1.1 document in points (true circles, one path per arrow set,
// text as <text>/<tspan> runs from text.ts or as glyph outlines), plus geometry helpers shared with the PDF backend.
import type { ArrowsItem, CirclesItem, FontFamily, GroupItem, ImageItem, Item, PathItem, RectItem, Scene, Stroke, TextItem } from './scene.js';
import { encodePng } from './png.js';
import { CSS_FONT_FAMILY, placeText, runFont, type PositionedRun } from './text.js';

export interface SvgOptions {
  /** 'text' (default): <text> elements in DejaVu; 'paths': glyph outlines, for viewers without the font. */
  textAs?: 'text' | 'paths';
  /** How unsmoothed images say so: 'css' (default) adds style="image-rendering:pixelated" for browsers to the SVG 1.1
   *  attribute optimizeSpeed; 'attribute' keeps only the attribute (resvg ignores "pixelated" and lets it win). */
  pixelated?: 'css' | 'attribute';
}

/** A number with at most `decimals` decimals and no trailing zeros (short output for thousands of circles). */
export function num(v: number, decimals = 2): string {
  const f = 10 ** decimals;
  return String(Math.round(v * f) / f);
}

/** A packed colour of colormaps.ts (bytes r, g, b, a in memory) as '#rrggbb' and an opacity in [0, 1]. */
export function unpackColour(packed: number): { hex: string; r: number; g: number; b: number; alpha: number } {
  const r = packed & 255;
  const g = (packed >>> 8) & 255;
  const b = (packed >>> 16) & 255;
  const hex = `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
  return { hex, r, g, b, alpha: (packed >>> 24) / 255 };
}

/** Whether disk i has finite centre and radius (anything else would corrupt a PDF content stream). */
export function isFiniteCircle(item: CirclesItem, i: number): boolean {
  return Number.isFinite(item.cx[i]! + item.cy[i]! + item.r[i]!);
}

/** The outline of one arrow as 7 points (x, y pairs), like matplotlib's quiver: shaft from the tail to the neck,
 *  a filled head ending at the tip. Arrows shorter than the head shrink the head (and the shaft width with it).
 *  null for a zero-length arrow. */
export function arrowPolygon(x0: number, y0: number, dx: number, dy: number, width: number, headLength: number, headWidth: number): number[] | null {
  const length = Math.hypot(dx, dy);
  if (!(length > 1e-9) || !Number.isFinite(length + x0 + y0)) return null;
  const ux = dx / length;
  const uy = dy / length;
  // Short arrows keep a visible shaft: the head takes at most 60 % of the length and shrinks with it (a lone head
  // reads as a marker, not a displacement).
  const headLen = Math.min(Math.max(headLength, 0), 0.6 * length);
  const shrink = headLength > 0 ? headLen / headLength : 1;
  const halfShaft = (width / 2) * shrink;
  const halfHead = Math.max((headWidth / 2) * shrink, halfShaft);
  const neckX = x0 + ux * (length - headLen);
  const neckY = y0 + uy * (length - headLen);
  const nx = -uy;
  const ny = ux;
  return [
    x0 + nx * halfShaft, y0 + ny * halfShaft,
    neckX + nx * halfShaft, neckY + ny * halfShaft,
    neckX + nx * halfHead, neckY + ny * halfHead,
    x0 + dx, y0 + dy,
    neckX - nx * halfHead, neckY - ny * halfHead,
    neckX - nx * halfShaft, neckY - ny * halfShaft,
    x0 - nx * halfShaft, y0 - ny * halfShaft,
  ];
}

/** Every non-degenerate arrow polygon of an item. */
export function arrowPolygons(item: ArrowsItem): number[][] {
  const polygons: number[][] = [];
  for (let i = 0; i < item.x0.length; i++) {
    const polygon = arrowPolygon(item.x0[i]!, item.y0[i]!, item.dx[i]!, item.dy[i]!, item.width, item.headLength, item.headWidth);
    if (polygon) polygons.push(polygon);
  }
  return polygons;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** Unique XML ids within one document. */
class IdRegistry {
  private readonly used = new Set<string>();

  take(wanted: string): string {
    const base = wanted.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^(?![A-Za-z_])/, '_');
    let id = base;
    for (let k = 2; this.used.has(id); k++) id = `${base}-${k}`;
    this.used.add(id);
    return id;
  }
}

function strokeAttributes(stroke: Stroke | undefined): string {
  if (!stroke || stroke.colour === 'none') return '';
  let out = ` stroke="${escapeXml(stroke.colour)}" stroke-width="${num(stroke.width, 3)}"`;
  if (stroke.dash?.length) out += ` stroke-dasharray="${stroke.dash.map((d) => num(d, 3)).join(' ')}"`;
  if (stroke.cap) out += ` stroke-linecap="${stroke.cap}"`;
  if (stroke.join) out += ` stroke-linejoin="${stroke.join}"`;
  return out;
}

function circlesSvg(item: CirclesItem): string {
  const lines = [`<g${strokeAttributes(item.stroke)}>`];
  for (let i = 0; i < item.cx.length; i++) {
    if (!isFiniteCircle(item, i)) continue;
    const { hex, alpha } = unpackColour(item.fill[i]!);
    const opacity = alpha < 1 ? ` fill-opacity="${num(alpha, 3)}"` : '';
    lines.push(`<circle cx="${num(item.cx[i]!)}" cy="${num(item.cy[i]!)}" r="${num(item.r[i]!, 3)}" fill="${hex}"${opacity}/>`);
  }
  lines.push('</g>');
  return lines.join('\n');
}

function pathSvg(item: PathItem): string {
  const opacity = item.opacity !== undefined && item.opacity < 1 ? ` opacity="${num(item.opacity, 3)}"` : '';
  return `<path d="${escapeXml(item.d)}" fill="${escapeXml(item.fill ?? 'none')}"${strokeAttributes(item.stroke)}${opacity}/>`;
}

function rectSvg(item: RectItem): string {
  return `<rect x="${num(item.x)}" y="${num(item.y)}" width="${num(item.w)}" height="${num(item.h)}" fill="${escapeXml(item.fill ?? 'none')}"${strokeAttributes(item.stroke)}/>`;
}

function arrowsSvg(item: ArrowsItem): string {
  const d = arrowPolygons(item).map((p) => {
    let s = `M${num(p[0]!)} ${num(p[1]!)}`;
    for (let k = 2; k < p.length; k += 2) s += `L${num(p[k]!)} ${num(p[k + 1]!)}`;
    return `${s}Z`;
  });
  return d.length ? `<path d="${d.join('')}" fill="${escapeXml(item.colour)}"/>` : '';
}

function imageSvg(item: ImageItem, pixelated: 'css' | 'attribute'): string {
  const png = encodePng(item.rgba, item.pixelWidth, item.pixelHeight).toString('base64');
  let rendering = '';
  if (item.smooth === false) rendering = ` image-rendering="optimizeSpeed"${pixelated === 'css' ? ' style="image-rendering:pixelated"' : ''}`;
  return `<image x="${num(item.x)}" y="${num(item.y)}" width="${num(item.w)}" height="${num(item.h)}" preserveAspectRatio="none"${rendering} xlink:href="data:image/png;base64,${png}"/>`;
}

/** The SVG path data of a run's glyph outlines with its baseline start at (x, y). */
function runOutline(run: PositionedRun, x: number, y: number): string {
  const font = runFont(run);
  const scale = run.size / font.unitsPerEm;
  const glyphs = font.layout(run.text);
  const letters = { moveTo: 'M', lineTo: 'L', quadraticCurveTo: 'Q', bezierCurveTo: 'C', closePath: 'Z' } as const;
  let d = '';
  let pen = 0;
  glyphs.glyphs.forEach((glyph, i) => {
    const position = glyphs.positions[i]!;
    const gx = x + (pen + position.xOffset) * scale;
    const gy = y - position.yOffset * scale;
    for (const command of glyph.path.commands) {
      d += letters[command.command];
      for (let k = 0; k < command.args.length; k += 2) d += `${k ? ' ' : ''}${num(gx + command.args[k]! * scale, 3)} ${num(gy - command.args[k + 1]! * scale, 3)}`;
    }
    pen += position.xAdvance;
  });
  return d;
}

function textSvg(item: TextItem, family: FontFamily, textAs: 'text' | 'paths'): string {
  const { layout, dx, dy } = placeText(item, family);
  if (!layout.runs.length) return '';
  const rotated = item.rotate !== undefined && item.rotate !== 0;
  const ox = rotated ? dx : item.x + dx;
  const oy = rotated ? dy : item.y + dy;
  const transform = rotated ? ` transform="translate(${num(item.x, 3)} ${num(item.y, 3)}) rotate(${num(-item.rotate!, 3)})"` : '';
  const colour = escapeXml(item.colour ?? '#000000');
  if (textAs === 'paths') {
    const d = layout.runs.map((run) => runOutline(run, ox + run.x, oy + run.dy)).join('');
    return `<path d="${d}" fill="${colour}"${transform}/>`;
  }
  const spans = layout.runs.map((run) => {
    const style = `${run.italic ? ' font-style="italic"' : ''}${run.bold ? ' font-weight="bold"' : ''}`;
    return `<tspan x="${num(ox + run.x, 3)}" y="${num(oy + run.dy, 3)}" font-size="${num(run.size, 3)}"${style}>${escapeXml(run.text)}</tspan>`;
  });
  return `<text xml:space="preserve" font-family="${CSS_FONT_FAMILY[family]}" fill="${colour}"${transform}>${spans.join('')}</text>`;
}

interface SvgContext {
  family: FontFamily;
  textAs: 'text' | 'paths';
  pixelated: 'css' | 'attribute';
  ids: IdRegistry;
}

function groupSvg(item: GroupItem, ctx: SvgContext): string {
  const parts: string[] = [];
  let attributes = item.name ? ` id="${ctx.ids.take(item.name)}"` : '';
  if (item.clip) {
    const clipId = ctx.ids.take(`clip-${item.name ?? 'group'}`);
    const shape = 'path' in item.clip
      ? `<path d="${escapeXml(item.clip.path)}"/>`
      : `<rect x="${num(item.clip.x)}" y="${num(item.clip.y)}" width="${num(item.clip.w)}" height="${num(item.clip.h)}"/>`;
    parts.push(`<clipPath id="${clipId}">${shape}</clipPath>`);
    attributes += ` clip-path="url(#${clipId})"`;
  }
  parts.push(`<g${attributes}>`, ...item.items.map((child) => itemSvg(child, ctx)), '</g>');
  return parts.join('\n');
}

function itemSvg(item: Item, ctx: SvgContext): string {
  switch (item.type) {
    case 'circles': return circlesSvg(item);
    case 'path': return pathSvg(item);
    case 'rect': return rectSvg(item);
    case 'arrows': return arrowsSvg(item);
    case 'text': return textSvg(item, ctx.family, ctx.textAs);
    case 'image': return imageSvg(item, ctx.pixelated);
    case 'group': return groupSvg(item, ctx);
  }
}

/** The scene as a standalone SVG 1.1 document: width/height in pt, viewBox in points. */
export function sceneToSvg(scene: Scene, options: SvgOptions = {}): string {
  const ctx: SvgContext = { family: scene.fontFamily, textAs: options.textAs ?? 'text', pixelated: options.pixelated ?? 'css', ids: new IdRegistry() };
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${num(scene.width, 3)}pt" height="${num(scene.height, 3)}pt" viewBox="0 0 ${num(scene.width, 3)} ${num(scene.height, 3)}">`,
  ];
  if (scene.title) parts.push(`<title>${escapeXml(scene.title)}</title>`);
  if (scene.description) parts.push(`<desc>${escapeXml(scene.description)}</desc>`);
  const background = scene.background ?? '#ffffff';
  if (background !== 'none') parts.push(`<rect x="0" y="0" width="${num(scene.width, 3)}" height="${num(scene.height, 3)}" fill="${escapeXml(background)}"/>`);
  for (const item of scene.items) parts.push(itemSvg(item, ctx));
  parts.push('</svg>', '');
  return parts.join('\n');
}
