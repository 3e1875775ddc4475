// Tests of the particle figure kinds (fields, vectors, grid) on synthetic packings: true disk radii at one scale,
// periodic images clipped to the box, colours and ranges, panel letters, page bounds and text overlaps, raster option.
import { describe, it, expect } from 'vitest';
import { orthoBox, triclinicBox, type Box } from '../../../src/core/box.js';
import { mapValues, NAN_RGB, packRGBA, quantiles } from '../../../src/shared/colormaps.js';
import { boxesOverlap, textBox, type Box as PageBox } from '../../../src/core/figures/axes.js';
import { gridFigure } from '../../../src/core/figures/grid.js';
import { colourField, niceBelow, type ParticlePanel } from '../../../src/core/figures/particle-layers.js';
import { chooseArrowScale, fieldsFigure, vectorsFigure } from '../../../src/core/figures/particles.js';
import type { ArrowsItem, CirclesItem, GroupItem, ImageItem, Item, Rect, Scene, TextItem } from '../../../src/core/figures/scene.js';
import { DEFAULT_STYLE, type FigureStyle } from '../../../src/core/figures/style.js';
import { fontMeasurer } from '../../../src/core/figures/text.js';

const measure = fontMeasurer;
const style: FigureStyle = { ...DEFAULT_STYLE };

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIDE = 18;
const N = SIDE * SIDE;

/** A jittered lattice of a binary mixture (diameters 1 and 1.4) filling the box, some positions unwrapped by whole box vectors. */
function packing(box: Box, seed: number, values: (r: () => number, i: number) => number[]): ParticlePanel {
  const r = random(seed);
  const [a, b] = box.vectors;
  const positions = new Float64Array(3 * N);
  const diameters = new Float64Array(N);
  const comps = values(r, 0).length;
  const vals = new Float32Array(N * comps);
  for (let i = 0; i < N; i++) {
    const s0 = ((i % SIDE) + 0.5 + 0.3 * (r() - 0.5)) / SIDE;
    const s1 = (Math.floor(i / SIDE) + 0.5 + 0.3 * (r() - 0.5)) / SIDE;
    const k0 = i % 7 === 0 ? 1 : i % 11 === 0 ? -2 : 0;
    const k1 = i % 5 === 0 ? -1 : 0;
    positions[3 * i] = box.origin[0] + (s0 + k0) * a[0] + (s1 + k1) * b[0];
    positions[3 * i + 1] = box.origin[1] + (s0 + k0) * a[1] + (s1 + k1) * b[1];
    diameters[i] = i % 2 ? 1.4 : 1;
    vals.set(values(r, i), i * comps);
  }
  return { title: 'panel', box, positions, diameters, values: vals, components: comps };
}

const L = SIDE * 1.3;
const ortho = orthoBox(L, L * 0.8, 0, [-L / 2, -3, 0]);
const tilted = triclinicBox([2, 1, 0], L, L * 0.8, 1, 0.25 * L, 0, 0);

function scalarPanels(box: Box, field: (r: () => number, i: number) => number): ParticlePanel[] {
  return ['before (frame 141)', 'at (frame 142)', 'after (frame 143)'].map((title, k) => ({
    ...packing(box, 11 + k, (r, i) => [field(r, i)]), title,
  }));
}

const d2min = (r: () => number, i: number): number => (i % 37 === 3 ? NaN : -Math.log(1 - r()) * 0.1);
const epsVol = (r: () => number): number => (r() - 0.3) * 0.02;
const detH = (r: () => number): number => 1 + (r() - 0.2) * 0.05;

// ----- scene walking and bounding boxes

interface Leaf { item: Item; clip: PageBox | null }

function leaves(items: Item[], clip: PageBox | null = null, out: Leaf[] = []): Leaf[] {
  for (const item of items) {
    if (item.type === 'group') {
      const own = item.clip ? ('path' in item.clip ? pathBox(item.clip.path) : rectBox(item.clip)) : null;
      leaves(item.items, own && clip ? intersect(own, clip) : (own ?? clip), out);
    } else out.push({ item, clip });
  }
  return out;
}

function groups(items: Item[], name: string, out: GroupItem[] = []): GroupItem[] {
  for (const item of items) {
    if (item.type !== 'group') continue;
    if (item.name === name) out.push(item);
    groups(item.items, name, out);
  }
  return out;
}

function ofType<T extends Item['type']>(items: Item[], type: T): Extract<Item, { type: T }>[] {
  return leaves(items).map((l) => l.item).filter((i): i is Extract<Item, { type: T }> => i.type === type);
}

function rectBox(r: Rect): PageBox {
  return { x0: r.x, y0: r.y, x1: r.x + r.w, y1: r.y + r.h };
}

function pathPoints(d: string): [number, number][] {
  const nums = (d.match(/-?\d*\.?\d+(?:e[+-]?\d+)?/gi) ?? []).map(Number);
  const pts: [number, number][] = [];
  for (let i = 0; i + 1 < nums.length; i += 2) pts.push([nums[i], nums[i + 1]]);
  return pts;
}

function pathBox(d: string): PageBox {
  return boundsOf(pathPoints(d).map(([x, y]) => ({ x0: x, y0: y, x1: x, y1: y })));
}

function boundsOf(boxes: PageBox[]): PageBox {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)), y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)), y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

function intersect(a: PageBox, b: PageBox): PageBox {
  return { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
}

/** The page area an item can paint (before clipping). */
function itemBox(item: Exclude<Item, GroupItem>, family: Scene['fontFamily']): PageBox {
  switch (item.type) {
    case 'circles': {
      const boxes: PageBox[] = [];
      for (let i = 0; i < item.cx.length; i++) boxes.push({ x0: item.cx[i] - item.r[i], y0: item.cy[i] - item.r[i], x1: item.cx[i] + item.r[i], y1: item.cy[i] + item.r[i] });
      return boundsOf(boxes);
    }
    case 'arrows': {
      const boxes: PageBox[] = [];
      const h = item.headWidth / 2;
      for (let i = 0; i < item.x0.length; i++) {
        const xs = [item.x0[i], item.x0[i] + item.dx[i]];
        const ys = [item.y0[i], item.y0[i] + item.dy[i]];
        boxes.push({ x0: Math.min(...xs) - h, y0: Math.min(...ys) - h, x1: Math.max(...xs) + h, y1: Math.max(...ys) + h });
      }
      return boundsOf(boxes);
    }
    case 'text': return textBox(item, measure, family);
    case 'path': return pathBox(item.d);
    case 'rect':
    case 'image': return rectBox(item);
  }
}

/** Every item paints inside the page, and no two text items overlap. */
function expectTidy(scene: Scene): void {
  const eps = 1e-6;
  for (const { item, clip } of leaves(scene.items)) {
    if (item.type === 'group') continue;
    let b = itemBox(item, scene.fontFamily);
    if (clip) b = intersect(b, clip);
    if (b.x1 < b.x0 || b.y1 < b.y0) continue;
    expect(b.x0, `${item.type} left`).toBeGreaterThanOrEqual(-eps);
    expect(b.y0, `${item.type} top`).toBeGreaterThanOrEqual(-eps);
    expect(b.x1, `${item.type} right`).toBeLessThanOrEqual(scene.width + eps);
    expect(b.y1, `${item.type} bottom`).toBeLessThanOrEqual(scene.height + eps);
  }
  const texts = ofType(scene.items, 'text');
  const boxes = texts.map((t) => textBox(t, measure, scene.fontFamily));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      expect(boxesOverlap(boxes[i], boxes[j]), `"${texts[i].text}" overlaps "${texts[j].text}"`).toBe(false);
    }
  }
}

/** Points per box unit of a panel, from its outline (the box's xy face spans its bounding width). */
function panelScale(panel: GroupItem, box: Box): number {
  const clip = panel.clip as { path: string };
  const b = pathBox(clip.path);
  const xs = [0, box.vectors[0][0], box.vectors[1][0], box.vectors[0][0] + box.vectors[1][0]];
  return (b.x1 - b.x0) / (Math.max(...xs) - Math.min(...xs));
}

/** Distance from a point to a convex polygon (0 inside). */
function distanceToPolygon(x: number, y: number, poly: [number, number][]): number {
  let pos = 0;
  let neg = 0;
  let best = Infinity;
  for (let i = 0; i < poly.length; i++) {
    const [ax, ay] = poly[i];
    const [bx, by] = poly[(i + 1) % poly.length];
    const ex = bx - ax;
    const ey = by - ay;
    const side = ex * (y - ay) - ey * (x - ax);
    if (side > 0) pos++;
    if (side < 0) neg++;
    const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
    best = Math.min(best, Math.hypot(x - ax - t * ex, y - ay - t * ey));
  }
  return pos === 0 || neg === 0 ? 0 : best;
}

function letters(scene: Scene): string[] {
  return ofType(scene.items, 'text').filter((t) => t.bold && /^\([a-z]\)$/.test(t.text)).map((t) => t.text);
}

// ----- tests

describe('fields figure', () => {
  const panels = scalarPanels(ortho, d2min);
  const scene = fieldsFigure({ field: 'd2min', panels }, style, measure);
  const layers = groups(scene.items, 'particles');

  it('draws three panels of n disks at their true radius and one scale, the box filling each panel', () => {
    expect(scene.width).toBeCloseTo(style.width, 6);
    expect(layers).toHaveLength(3);
    const scales = layers.map((g, k) => panelScale(g, panels[k].box));
    // (The outline's coordinates are rounded to 0.001 pt.)
    for (const s of scales) expect(s).toBeCloseTo(scales[0], 3);
    const radii = layers.map((g) => (g.items[0] as CirclesItem).r);
    const scale = radii[0][0] / (panels[0].diameters[0] / 2);
    expect(scale).toBeCloseTo(scales[0], 3);
    layers.forEach((g, k) => {
      const main = g.items[0] as CirclesItem;
      expect(main.type).toBe('circles');
      expect(main.cx.length).toBe(N);
      for (let i = 0; i < N; i++) expect(main.r[i]).toBeCloseTo((panels[k].diameters[i] / 2) * scale, 9);
      // The panel's page aspect is the box's.
      const b = pathBox((g.clip as { path: string }).path);
      expect((b.y1 - b.y0) / (b.x1 - b.x0)).toBeCloseTo(0.8, 4);
    });
    // Three panels plus a colour bar span most of the width: the boxes are large.
    expect(3 * scales[0] * L).toBeGreaterThan(0.75 * style.width);
  });

  it('wraps positions into the box and draws the periodic images of boundary disks, clipped to the box', () => {
    const g = layers[0];
    const main = g.items[0] as CirclesItem;
    const images = g.items[1] as CirclesItem;
    const poly = pathPoints((g.clip as { path: string }).path);
    for (let i = 0; i < N; i++) expect(distanceToPolygon(main.cx[i], main.cy[i], poly)).toBe(0);
    // Expected images in an orthogonal box: one per edge the disk crosses, and the corner ones.
    const s = panelScale(g, ortho);
    let expected = 0;
    const x0 = Math.min(...poly.map((p) => p[0]));
    const x1 = Math.max(...poly.map((p) => p[0]));
    const y0 = Math.min(...poly.map((p) => p[1]));
    const y1 = Math.max(...poly.map((p) => p[1]));
    for (let i = 0; i < N; i++) {
      const r = main.r[i];
      const nx = 1 + (main.cx[i] - x0 < r ? 1 : 0) + (x1 - main.cx[i] < r ? 1 : 0);
      const ny = 1 + (main.cy[i] - y0 < r ? 1 : 0) + (y1 - main.cy[i] < r ? 1 : 0);
      expected += nx * ny - 1;
    }
    expect(expected).toBeGreaterThan(20);
    expect(images.cx.length).toBe(expected);
    // Each image lies outside the box, within a radius of an edge (or of a corner, diagonally), cut by the clip.
    for (let i = 0; i < images.cx.length; i++) {
      expect(distanceToPolygon(images.cx[i], images.cy[i], poly)).toBeGreaterThan(0);
      expect(distanceToPolygon(images.cx[i], images.cy[i], poly)).toBeLessThan(images.r[i] * Math.SQRT2 + 1e-9);
    }
    expect(s).toBeGreaterThan(0);
  });

  it('colours each disk as mapValues over the 1-99 % quantiles of all panels, NaN in grey', () => {
    const arrays = panels.map((p) => p.values!);
    const [lo, hi] = quantiles(arrays, [0.01, 0.99])!;
    const c = colourField('d2min', panels, style);
    expect(c.map).toBe('viridis');
    expect(c.min).toBeCloseTo(lo, 12);
    expect(c.max).toBeCloseTo(hi, 12);
    expect(c.extendMin).toBe(true);
    expect(c.extendMax).toBe(true);
    layers.forEach((g, k) => {
      const fill = (g.items[0] as CirclesItem).fill;
      const want = mapValues(panels[k].values!, { map: 'viridis', min: lo, max: hi });
      expect(Array.from(fill)).toEqual(Array.from(want));
    });
    const grey = packRGBA(NAN_RGB[0], NAN_RGB[1], NAN_RGB[2]);
    expect((layers[0].items[0] as CirclesItem).fill[3]).toBe(grey);
    expect((layers[0].items[0] as CirclesItem).fill[4]).not.toBe(grey);
    // The colour bar shows that range: its tick labels are those of the range.
    const bar = groups(scene.items, 'legend');
    expect(bar).toHaveLength(1);
    const ticks = ofType(bar[0].items, 'text').map((t) => Number(t.text)).filter((v) => Number.isFinite(v));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const v of ticks) {
      expect(v).toBeGreaterThanOrEqual(lo);
      expect(v).toBeLessThanOrEqual(hi);
    }
    expect(Math.max(...ticks) - Math.min(...ticks)).toBeGreaterThan(0.5 * (hi - lo));
  });

  it('centres signed fields on their neutral value with the diverging map', () => {
    const det = colourField('det_h', scalarPanels(ortho, detH), style);
    expect(det.map).toBe('rdbu');
    expect((det.min + det.max) / 2).toBeCloseTo(1, 12);
    const vol = colourField('eps_vol', scalarPanels(ortho, epsVol), style);
    expect(vol.map).toBe('rdbu');
    expect(vol.min).toBeCloseTo(-vol.max, 12);
    expect(vol.max).toBeGreaterThan(0.012);
    // An explicit range is kept for sequential maps, made symmetric for diverging ones.
    expect(colourField('d2min', panels, style, { min: 0, max: 0.5 })).toMatchObject({ min: 0, max: 0.5, extendMin: false, extendMax: true });
    expect(colourField('det_h', panels, style, { min: 0.9, max: 1.3 })).toMatchObject({ min: expect.closeTo(0.7, 12), max: 1.3 });
  });

  it('labels the panels (a), (b), (c) in order, with their titles, and keeps everything on the page', () => {
    expect(letters(scene)).toEqual(['(a)', '(b)', '(c)']);
    const texts = ofType(scene.items, 'text');
    const letterX = texts.filter((t) => t.bold).map((t) => t.x);
    expect(letterX).toEqual([...letterX].sort((a, b) => a - b));
    expect(texts.map((t) => t.text)).toEqual(expect.arrayContaining(['before (frame 141)', 'at (frame 142)', 'after (frame 143)', '5\\it{σ}']));
    expectTidy(scene);
  });

  it('fits a narrow column and a given height with everything on the page', () => {
    const narrow = fieldsFigure({ field: 'eps_vol', panels: scalarPanels(ortho, epsVol) }, { ...style, width: 243 }, measure);
    expectTidy(narrow);
    const short = fieldsFigure({ field: 'd2min', panels }, { ...style, height: 120 }, measure);
    expect(short.height).toBe(120);
    expectTidy(short);
  });

  it('draws the particle layer as one embedded image when asked, and no circles', () => {
    const raster = fieldsFigure({ field: 'd2min', panels }, { ...style, rasterParticles: true, rasterDpi: 150 }, measure);
    const rl = groups(raster.items, 'particles');
    expect(rl).toHaveLength(3);
    expect(ofType(raster.items, 'circles')).toHaveLength(0);
    const image = rl[0].items[0] as ImageItem;
    expect(image.type).toBe('image');
    expect(image.pixelWidth).toBe(Math.ceil((image.w * 150) / 72));
    expect(image.rgba.length).toBe(image.pixelWidth * image.pixelHeight * 4);
    // The disk of the first particle shows its colour at its centre.
    const disk = layers[0].items[0] as CirclesItem;
    const px = Math.floor(((disk.cx[0] - image.x) * 150) / 72);
    const py = Math.floor(((disk.cy[0] - image.y) * 150) / 72);
    const o = 4 * (py * image.pixelWidth + px);
    const f = disk.fill[0];
    expect(Array.from(image.rgba.subarray(o, o + 3))).toEqual([f & 255, (f >>> 8) & 255, (f >>> 16) & 255]);
  });
});

describe('tilted boxes', () => {
  const panels = scalarPanels(tilted, d2min);
  const scene = fieldsFigure({ field: 'd2min', panels }, style, measure);
  const layers = groups(scene.items, 'particles');

  it('draws the parallelogram with every disk inside it and every image it needs', () => {
    expect(layers).toHaveLength(3);
    const g = layers[1];
    const poly = pathPoints((g.clip as { path: string }).path);
    expect(poly).toHaveLength(4);
    // The top edge is shifted right by the tilt (y down on the page).
    const s = (g.items[0] as CirclesItem).r[0] / 0.5;
    expect(poly[3][0] - poly[0][0]).toBeCloseTo(0.25 * L * s, 2);
    const main = g.items[0] as CirclesItem;
    const images = g.items[1] as CirclesItem;
    for (let i = 0; i < N; i++) expect(distanceToPolygon(main.cx[i], main.cy[i], poly)).toBe(0);
    // Every lattice image of a disk that overlaps the box is drawn.
    const [ax, bx, by] = [L * s, 0.25 * L * s, -0.8 * L * s];
    const have = new Set<string>();
    for (let i = 0; i < images.cx.length; i++) have.add(`${images.cx[i].toFixed(3)},${images.cy[i].toFixed(3)}`);
    let needed = 0;
    for (let k = 0; k < N; k++) {
      for (const i of [-1, 0, 1]) {
        for (const j of [-1, 0, 1]) {
          if (i === 0 && j === 0) continue;
          const x = main.cx[k] + i * ax + j * bx;
          const y = main.cy[k] + j * by;
          if (distanceToPolygon(x, y, poly) >= main.r[k]) continue;
          needed++;
          expect(have.has(`${x.toFixed(3)},${y.toFixed(3)}`)).toBe(true);
        }
      }
    }
    expect(needed).toBeGreaterThan(20);
    expectTidy(scene);
  });
});

describe('vectors figure', () => {
  const panels = ['before', 'at', 'after'].map((title, k) => ({
    ...packing(ortho, 40 + k, (r, i) => (i % 29 === 0 ? [NaN, NaN] : [(r() - 0.5) * 0.04, (r() - 0.5) * 0.04])), title,
  }));
  const scene = vectorsFigure({ vector: 'na', panels }, style, measure);

  it('draws one arrow per particle with a finite vector, scaled up to be readable, and a reference arrow', () => {
    const arrowGroups = groups(scene.items, 'arrows');
    expect(arrowGroups).toHaveLength(3);
    const finite = panels[0].values!.filter((v, i) => i % 2 === 0 && Number.isFinite(v)).length;
    const main = arrowGroups[0].items[0] as ArrowsItem;
    expect(main.x0.length).toBe(finite);
    // The vectors (|v| about 0.02 σ) are far below a radius: a round scale draws them about 1.5 diameters long.
    const scale = chooseArrowScale(1, 0.028, 1.2);
    expect(scale).toBe(50);
    const s = (groups(scene.items, 'particles')[0].items[0] as CirclesItem).r[0] / 0.5;
    // Particle 0 is flagged (NaN): the first arrow is particle 1's.
    const v = panels[0].values!;
    expect(main.dx[0]).toBeCloseTo(v[2] * 50 * s, 6);
    expect(main.dy[0]).toBeCloseTo(-v[3] * 50 * s, 6);
    const key = groups(scene.items, 'key');
    expect(key).toHaveLength(1);
    const keyArrow = key[0].items[0] as ArrowsItem;
    const keyText = key[0].items[1] as TextItem;
    expect(keyText.text).toContain('×50');
    const magnitude = Number(/= ([0-9.]+)/.exec(keyText.text)![1]);
    expect(keyArrow.dx[0]).toBeCloseTo(magnitude * 50 * s, 6);
    expect(letters(scene)).toEqual(['(a)', '(b)', '(c)']);
    expectTidy(scene);
  });

  it('keeps the true length when the arrows are readable, and an explicit scale', () => {
    expect(chooseArrowScale(1, 1.5, 1.2)).toBe(1);
    expect(chooseArrowScale(1, 40, 1.2)).toBe(0.05);
    expect(chooseArrowScale(3, 0.001, 1.2)).toBe(3);
    expect(niceBelow(11.7)).toBe(10);
    expect(niceBelow(0.037)).toBe(0.02);
  });

  it('greys the disks, flagged particles darker', () => {
    const disks = groups(scene.items, 'particles')[0].items[0] as CirclesItem;
    expect(disks.fill[0]).toBe(packRGBA(NAN_RGB[0], NAN_RGB[1], NAN_RGB[2]));
    expect(disks.fill[1]).toBe(packRGBA(218, 218, 218));
  });
});

describe('grid figure', () => {
  const rows = [
    { field: 'd2min', panels: scalarPanels(ortho, d2min) },
    { field: 'e_norm', panels: scalarPanels(ortho, (r) => r() * 0.05) },
    { field: 'eps_vol', panels: scalarPanels(ortho, epsVol) },
    { field: 'det_h', panels: scalarPanels(ortho, detH) },
  ];
  const scene = gridFigure({ rows }, style, measure);

  it('lays out rows x 3 panels at one scale, one colour bar per row, letters (a)-(l) row-major', () => {
    const layers = groups(scene.items, 'particles');
    expect(layers).toHaveLength(12);
    const scales = layers.map((g) => panelScale(g, ortho));
    for (const s of scales) expect(s).toBeCloseTo(scales[0], 3);
    expect(groups(scene.items, 'legend')).toHaveLength(4);
    expect(letters(scene)).toEqual(['(a)', '(b)', '(c)', '(d)', '(e)', '(f)', '(g)', '(h)', '(i)', '(j)', '(k)', '(l)']);
    // Row-major: (d) starts the second row, under (a).
    const texts = ofType(scene.items, 'text');
    const a = texts.find((t) => t.text === '(a)')!;
    const d = texts.find((t) => t.text === '(d)')!;
    expect(d.x).toBeCloseTo(a.x, 6);
    expect(d.y).toBeGreaterThan(a.y);
    // Column titles once, on top.
    expect(texts.filter((t) => t.text === 'before (frame 141)')).toHaveLength(1);
    expectTidy(scene);
  });
});
