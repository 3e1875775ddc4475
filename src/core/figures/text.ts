// Text of the figures: the small markup (^{sup}, _{sub}, \it{..}, \bf{..}) parsed and typeset into positioned runs
// with the DejaVu fonts (advance widths with kerning from fontkit), shared by the SVG, PDF and raster backends.
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import type { FontFamily, TextItem, TextMeasurer, TextMetrics } from './scene.js';

/** One font face: the family, its style and the TrueType file that draws it. */
export interface FontFace {
  /** A stable name such as 'sans-bold-italic' (pdfkit registration, caches). */
  key: string;
  family: FontFamily;
  italic: boolean;
  bold: boolean;
  /** Absolute path of the .ttf file. */
  file: string;
}

/** A stretch of text in one face and size, placed relative to the anchor at the start of the baseline. */
export interface PositionedRun {
  text: string;
  x: number;
  /** Baseline offset from the main baseline, positive downwards (subscripts > 0, superscripts < 0). */
  dy: number;
  size: number;
  width: number;
  italic: boolean;
  bold: boolean;
  fontKey: string;
  fontFile: string;
}

export interface TextLayout extends TextMetrics {
  runs: PositionedRun[];
}

/** Markup parsed into a tree: literal text, a style change over children, or a (possibly stacked) script pair. */
export type MarkupNode =
  | { kind: 'text'; text: string }
  | { kind: 'style'; italic: boolean; bold: boolean; children: MarkupNode[] }
  | { kind: 'scripts'; sup?: MarkupNode[]; sub?: MarkupNode[] };

const SCRIPT_SCALE = 0.7;
/** Baseline shifts in ems of the parent size: superscript up, subscript down (lower still when stacked, as in TeX). */
const SUP_RAISE = 0.38;
const SUB_LOWER = 0.2;
const STACKED_SUB_LOWER = 0.25;
/** Room after an italic letter before its superscript (TeX's italic correction, in ems of the letter's size). */
const ITALIC_CORRECTION = 0.06;

const FONT_FILES: Record<FontFamily, [regular: string, italic: string, bold: string, boldItalic: string]> = {
  sans: ['DejaVuSans.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-BoldOblique.ttf'],
  serif: ['DejaVuSerif.ttf', 'DejaVuSerif-Italic.ttf', 'DejaVuSerif-Bold.ttf', 'DejaVuSerif-BoldItalic.ttf'],
};

/** The CSS family names of the faces (as the fonts call themselves) with a generic fallback. */
export const CSS_FONT_FAMILY: Record<FontFamily, string> = {
  sans: "'DejaVu Sans', sans-serif",
  serif: "'DejaVu Serif', serif",
};
export const FONT_FAMILY_NAME: Record<FontFamily, string> = { sans: 'DejaVu Sans', serif: 'DejaVu Serif' };

const requireFromHere = createRequire(import.meta.url);
const faces = new Map<string, FontFace>();
const fonts = new Map<string, fontkit.Font>();

/** The face of a family in a style; its file resolved through Node's module resolution (src, dist, Electron). */
export function fontFace(family: FontFamily, italic: boolean, bold: boolean): FontFace {
  const key = `${family}-${bold ? 'bold' : 'regular'}${italic ? '-italic' : ''}`;
  let face = faces.get(key);
  if (!face) {
    const name = FONT_FILES[family][(italic ? 1 : 0) + (bold ? 2 : 0)];
    face = { key, family, italic, bold, file: requireFromHere.resolve(`dejavu-fonts-ttf/ttf/${name}`) };
    faces.set(key, face);
  }
  return face;
}

/** Every font file the figures may use (for resvg's font database). */
export function allFontFiles(): string[] {
  const files: string[] = [];
  for (const family of ['sans', 'serif'] as const) {
    for (const bold of [false, true]) for (const italic of [false, true]) files.push(fontFace(family, italic, bold).file);
  }
  return files;
}

/** The parsed font of a face (cached). */
export function loadFont(face: Pick<FontFace, 'key' | 'file'>): fontkit.Font {
  let font = fonts.get(face.key);
  if (!font) {
    const opened = fontkit.openSync(face.file);
    if (!('unitsPerEm' in opened)) throw new Error(`${face.file} is a font collection, not a single font`);
    font = opened;
    fonts.set(face.key, font);
  }
  return font;
}

/** The font file that draws a run (for the PDF and for resvg). */
export function runFontFile(run: PositionedRun): string {
  return run.fontFile;
}

/** The parsed font of a run (for glyph outlines). */
export function runFont(run: PositionedRun): fontkit.Font {
  return loadFont({ key: run.fontKey, file: run.fontFile });
}

// ---------------------------------------------------------------------------------------------------------------
// Markup parsing

const ESCAPABLE = new Set(['_', '^', '{', '}', '\\']);

/** The index of the brace closing the one at `open`, or -1 when unbalanced (escaped braces do not count). */
function findClose(s: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The argument of ^ or _ at `i`: a braced group or a single (possibly escaped) character; null if malformed. */
function readScriptArgument(s: string, i: number, end: number): { nodes: MarkupNode[]; next: number } | null {
  if (i >= end) return null;
  const c = s[i]!;
  if (c === '{') {
    const close = findClose(s, i, end);
    return close < 0 ? null : { nodes: parseRange(s, i + 1, close), next: close + 1 };
  }
  if (c === '\\') {
    const next = s[i + 1];
    return next !== undefined && i + 1 < end && ESCAPABLE.has(next) ? { nodes: [{ kind: 'text', text: next }], next: i + 2 } : null;
  }
  if (c === '}' || c === '^' || c === '_') return null;
  const char = String.fromCodePoint(s.codePointAt(i)!);
  return { nodes: [{ kind: 'text', text: char }], next: i + char.length };
}

/** Attach a script to the node list: fills the empty slot of a script pair just before it (stacking) or starts one. */
function attachScript(out: MarkupNode[], which: 'sup' | 'sub', nodes: MarkupNode[]): void {
  const last = out[out.length - 1];
  if (last?.kind === 'scripts' && last[which] === undefined) last[which] = nodes;
  else out.push(which === 'sup' ? { kind: 'scripts', sup: nodes } : { kind: 'scripts', sub: nodes });
}

function parseRange(s: string, start: number, end: number): MarkupNode[] {
  const out: MarkupNode[] = [];
  let text = '';
  const flush = (): void => {
    if (text) out.push({ kind: 'text', text });
    text = '';
  };
  let i = start;
  while (i < end) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next !== undefined && i + 1 < end && ESCAPABLE.has(next)) {
        text += next;
        i += 2;
        continue;
      }
      const command = s.slice(i + 1, i + 4);
      if ((command === 'it{' || command === 'bf{') && i + 3 < end) {
        const close = findClose(s, i + 3, end);
        if (close >= 0) {
          flush();
          out.push({ kind: 'style', italic: command === 'it{', bold: command === 'bf{', children: parseRange(s, i + 4, close) });
          i = close + 1;
          continue;
        }
      }
    } else if (c === '^' || c === '_') {
      const argument = readScriptArgument(s, i + 1, end);
      if (argument) {
        flush();
        attachScript(out, c === '^' ? 'sup' : 'sub', argument.nodes);
        i = argument.next;
        continue;
      }
    }
    // Anything else, including malformed markup, is literal text.
    text += c;
    i++;
  }
  flush();
  return out;
}

/** Parse the markup; never throws (malformed constructs become literal text). */
export function parseMarkup(text: string): MarkupNode[] {
  return parseRange(text, 0, text.length);
}

// ---------------------------------------------------------------------------------------------------------------
// Typesetting

interface RunStyle {
  size: number;
  dy: number;
  italic: boolean;
  bold: boolean;
}

/** Typographic (OS/2) ascender and descender in ems: one consistent line box for every string. */
function verticalMetrics(font: fontkit.Font): { ascent: number; descent: number } {
  const os2 = font['OS/2'];
  return { ascent: os2.typoAscender / font.unitsPerEm, descent: -os2.typoDescender / font.unitsPerEm };
}

function advanceWidth(font: fontkit.Font, text: string, size: number): number {
  return (font.layout(text).advanceWidth / font.unitsPerEm) * size;
}

class Typesetter {
  readonly runs: PositionedRun[] = [];
  x = 0;
  ascent = 0;
  descent = 0;
  /** Whether the last thing set was italic text (a following superscript gets the italic correction). */
  private endsItalic = false;

  constructor(private readonly family: FontFamily) {}

  setNodes(nodes: MarkupNode[], style: RunStyle): void {
    for (const node of nodes) {
      if (node.kind === 'text') this.setText(node.text, style);
      else if (node.kind === 'style') this.setNodes(node.children, { ...style, italic: style.italic || node.italic, bold: style.bold || node.bold });
      else this.setScripts(node, style);
    }
  }

  /** Extend the line box for text of a face at a size and baseline shift. */
  extendBox(face: FontFace, size: number, dy: number): void {
    const m = verticalMetrics(loadFont(face));
    this.ascent = Math.max(this.ascent, m.ascent * size - dy);
    this.descent = Math.max(this.descent, m.descent * size + dy);
  }

  private setText(text: string, style: RunStyle): void {
    const face = fontFace(this.family, style.italic, style.bold);
    const font = loadFont(face);
    const last = this.runs[this.runs.length - 1];
    const continues = last && last.fontKey === face.key && last.size === style.size && last.dy === style.dy && Math.abs(last.x + last.width - this.x) < 1e-9;
    if (continues) {
      // Measure the merged run again so that kerning across the join counts.
      last.text += text;
      last.width = advanceWidth(font, last.text, last.size);
      this.x = last.x + last.width;
    } else {
      const width = advanceWidth(font, text, style.size);
      this.runs.push({ text, x: this.x, dy: style.dy, size: style.size, width, italic: style.italic, bold: style.bold, fontKey: face.key, fontFile: face.file });
      this.x += width;
    }
    this.extendBox(face, style.size, style.dy);
    this.endsItalic = style.italic && text.trim().length > 0;
  }

  /** A superscript and/or subscript at the same x (stacked like TeX when both are present). */
  private setScripts(node: { sup?: MarkupNode[]; sub?: MarkupNode[] }, style: RunStyle): void {
    const start = this.x;
    const italicCorrection = this.endsItalic ? ITALIC_CORRECTION * style.size : 0;
    const scriptStyle = (dy: number): RunStyle => ({ ...style, size: style.size * SCRIPT_SCALE, dy: style.dy + dy * style.size });
    let end = start;
    if (node.sup) {
      this.x = start + italicCorrection;
      this.setNodes(node.sup, scriptStyle(-SUP_RAISE));
      end = Math.max(end, this.x);
    }
    if (node.sub) {
      this.x = start;
      this.setNodes(node.sub, scriptStyle(node.sup ? STACKED_SUB_LOWER : SUB_LOWER));
      end = Math.max(end, this.x);
    }
    this.x = end;
    this.endsItalic = false;
  }
}

const layoutCache = new Map<string, TextLayout>();
const LAYOUT_CACHE_LIMIT = 4096;

/** Typeset markup at `size` points: its width, line box (typographic ascent/descent including scripts) and runs. */
export function layoutText(text: string, size: number, family: FontFamily, bold = false): TextLayout {
  const cacheKey = `${family}|${bold ? 1 : 0}|${size}|${text}`;
  const cached = layoutCache.get(cacheKey);
  if (cached) return cached;
  const setter = new Typesetter(family);
  setter.extendBox(fontFace(family, false, bold), size, 0);
  setter.setNodes(parseMarkup(text), { size, dy: 0, italic: false, bold });
  const layout: TextLayout = { width: setter.x, ascent: setter.ascent, descent: setter.descent, runs: setter.runs };
  if (layoutCache.size >= LAYOUT_CACHE_LIMIT) layoutCache.clear();
  layoutCache.set(cacheKey, layout);
  return layout;
}

/** Capital height of a family's regular face at `size` (from the outline of "H"). */
export function capHeight(size: number, family: FontFamily): number {
  const font = loadFont(fontFace(family, false, false));
  return (font.glyphForCodePoint(0x48).bbox.maxY / font.unitsPerEm) * size;
}

/** The TextMeasurer of scene.ts, backed by layoutText (cached). */
export const fontMeasurer: TextMeasurer = {
  measure(text, size, family, bold): TextMetrics {
    const { width, ascent, descent } = layoutText(text, size, family, bold);
    return { width, ascent, descent };
  },
  capHeight,
};

/** A text item typeset and placed: runs start at (dx + run.x, dy + run.dy) in the item's frame, which has its
 *  origin at (item.x, item.y) and is rotated by item.rotate (counter-clockwise on the page). Both backends use this. */
export interface PlacedText {
  layout: TextLayout;
  dx: number;
  dy: number;
}

/** Where the runs of a text item go relative to its anchor point (the same for SVG and PDF). */
export function placeText(item: TextItem, family: FontFamily): PlacedText {
  const layout = layoutText(item.text, item.size, family, item.bold);
  return { layout, ...textAnchorOffset(item, layout, family) };
}

/** Offset of the baseline start from the anchor point for the item's anchor and baseline choices. */
export function textAnchorOffset(item: Pick<TextItem, 'anchor' | 'baseline' | 'size'>, metrics: TextMetrics, family: FontFamily): { dx: number; dy: number } {
  const dx = item.anchor === 'middle' ? -metrics.width / 2 : item.anchor === 'end' ? -metrics.width : 0;
  let dy = 0;
  if (item.baseline === 'middle') dy = capHeight(item.size, family) / 2;
  else if (item.baseline === 'top') dy = metrics.ascent;
  else if (item.baseline === 'bottom') dy = -metrics.descent;
  return { dx, dy };
}
