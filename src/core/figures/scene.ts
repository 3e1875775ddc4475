// The figure scene: what every figure kind builds and every backend (SVG, PDF, PNG/TIFF) draws. Units are
// points (1/72 inch), origin at the top-left corner of the page, y pointing down, as in SVG and PDF-via-pdfkit.
// Kinds lay out pure data into a Scene (no I/O); backends never decide layout.

/** A colour as CSS hex '#rrggbb' (or 'none'). */
export type Colour = string;

export interface Stroke {
  colour: Colour;
  /** Line width in points. */
  width: number;
  /** Dash pattern in points. */
  dash?: number[];
  cap?: 'butt' | 'round' | 'square';
  join?: 'miter' | 'round' | 'bevel';
}

export interface Rect { x: number; y: number; w: number; h: number }

/** Many disks in one item (the particle layer): centres and radii in points, one packed colour each
 *  (bytes r, g, b, a in memory, as src/shared/colormaps.ts packRGBA). Backends draw true circles. */
export interface CirclesItem {
  type: 'circles';
  cx: Float64Array;
  cy: Float64Array;
  r: Float64Array;
  fill: Uint32Array;
  stroke?: Stroke;
}

/** An SVG-syntax path with absolute commands only (M, L, C, Q, A, Z), coordinates in points. */
export interface PathItem {
  type: 'path';
  d: string;
  fill?: Colour;
  stroke?: Stroke;
  opacity?: number;
}

export interface RectItem extends Rect {
  type: 'rect';
  fill?: Colour;
  stroke?: Stroke;
}

/** Many arrows of one style: tails (x0, y0) and vectors (dx, dy) in points; head sizes in points. */
export interface ArrowsItem {
  type: 'arrows';
  x0: Float64Array;
  y0: Float64Array;
  dx: Float64Array;
  dy: Float64Array;
  colour: Colour;
  /** Shaft width in points. */
  width: number;
  headLength: number;
  headWidth: number;
}

/** Text in the small markup of text.ts: `^{..}` superscript, `_{..}` subscript (one character without braces),
 *  `\it{..}` italic, `\bf{..}` bold; a superscript directly followed by a subscript (or the reverse) is stacked.
 *  Unicode otherwise (Greek, ‖, ², −). (x, y) is the anchor point. */
export interface TextItem {
  type: 'text';
  x: number;
  y: number;
  text: string;
  /** Font size in points. */
  size: number;
  anchor?: 'start' | 'middle' | 'end';
  /** Which part of the text box sits at y: the baseline (default), the middle of the capital height, the top or the bottom. */
  baseline?: 'alphabetic' | 'middle' | 'top' | 'bottom';
  /** Rotation in degrees about (x, y) as seen on the page, counter-clockwise positive: 90 reads bottom to top (a y-axis label). */
  rotate?: number;
  colour?: Colour;
  bold?: boolean;
}

/** A raster layer inside a vector figure (explicit option for very large N): RGBA pixels stretched over the rect. */
export interface ImageItem extends Rect {
  type: 'image';
  pixelWidth: number;
  pixelHeight: number;
  /** pixelWidth * pixelHeight * 4 bytes, r, g, b, a, rows from the top. */
  rgba: Uint8Array;
  /** Interpolate when scaled (true for photos and particles; false for heat maps). */
  smooth?: boolean;
}

export interface GroupItem {
  type: 'group';
  /** A name that backends keep (SVG id / PDF marked content is not needed): 'particles', 'colourbar', ... */
  name?: string;
  clip?: Rect | { path: string };
  items: Item[];
}

export type Item = CirclesItem | PathItem | RectItem | ArrowsItem | TextItem | ImageItem | GroupItem;

export interface Scene {
  width: number;
  height: number;
  /** Page background ('none' for transparent; default white). */
  background?: Colour;
  /** Font family of every text item. */
  fontFamily: FontFamily;
  items: Item[];
  /** Document metadata (PDF Info, SVG <title>/<desc>). */
  title?: string;
  description?: string;
}

export type FontFamily = 'sans' | 'serif';

/** What layout needs from fonts: the extent of a markup string at a size (points). */
export interface TextMetrics {
  width: number;
  /** Above the baseline (positive) and below it (positive), including sub/superscripts. */
  ascent: number;
  descent: number;
}

export interface TextMeasurer {
  measure(text: string, size: number, family: FontFamily, bold?: boolean): TextMetrics;
  /** Capital height of the font at `size` (for vertical centring). */
  capHeight(size: number, family: FontFamily): number;
}
