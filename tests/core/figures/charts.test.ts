// The chart kinds on synthetic data: colour bar extent and ticks, timeline panels and event line, densities that
// integrate to one, heat-map cells and values, scatter-matrix r; for every kind all items on the page and no texts overlapping.
import { describe, expect, it } from 'vitest';
import { colourAt, type ColormapName } from '../../../src/shared/colormaps.js';
import { colourBarTicks, layoutColourBar, type ColourBarOptions } from '../../../src/core/figures/colourbar.js';
import { distributionFigure } from '../../../src/core/figures/distribution.js';
import { heatmapFigure } from '../../../src/core/figures/heatmap.js';
import { scatterMatrixFigure } from '../../../src/core/figures/scatter.js';
import type { Item, PathItem, RectItem, Scene, TextItem, TextMeasurer } from '../../../src/core/figures/scene.js';
import { DEFAULT_STYLE, PRESETS, type FigureStyle } from '../../../src/core/figures/style.js';
import { fontMeasurer } from '../../../src/core/figures/text.js';
import { linearTicks } from '../../../src/core/figures/ticks.js';
import { timelineFigure } from '../../../src/core/figures/timeline.js';
import { gaussian } from '../../../src/core/util/random.js';

const measure: TextMeasurer = fontMeasurer;
const DOUBLE: FigureStyle = { ...DEFAULT_STYLE, width: PRESETS['aps-double'].width };
const SINGLE: FigureStyle = { ...DEFAULT_STYLE, width: PRESETS['aps-single'].width };
const MINUS = '\u2212';

// ---- geometry helpers (independent of the layout code) ----

interface Box { x0: number; y0: number; x1: number; y1: number }

function union(a: Box | null, b: Box | null): Box | null {
  if (!a) return b;
  if (!b) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

function intersect(a: Box | null, b: Box): Box | null {
  if (!a) return null;
  const r = { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
  return r.x0 <= r.x1 && r.y0 <= r.y1 ? r : null;
}

/** Subpaths of an absolute M/L/Z path as point lists. */
function subpaths(d: string): [number, number][][] {
  const out: [number, number][][] = [];
  for (const m of d.matchAll(/([MLZ])([^MLZ]*)/g)) {
    const nums = m[2]!.trim().split(/[\s,]+/).filter(Boolean).map(Number);
    if (m[1] === 'M') out.push([]);
    for (let i = 0; i + 1 < nums.length; i += 2) out[out.length - 1]!.push([nums[i]!, nums[i + 1]!]);
  }
  return out;
}

/** The four page corners of a text item: anchor and baseline as in scene.ts, rotated counter-clockwise on a y-down page. */
function textCorners(t: TextItem, family: Scene['fontFamily']): [number, number][] {
  const m = measure.measure(t.text, t.size, family, t.bold);
  const left = t.anchor === 'middle' ? -m.width / 2 : t.anchor === 'end' ? -m.width : 0;
  const base = t.baseline === 'middle' ? measure.capHeight(t.size, family) / 2 : t.baseline === 'top' ? m.ascent : t.baseline === 'bottom' ? -m.descent : 0;
  const a = ((t.rotate ?? 0) * Math.PI) / 180;
  const frame: [number, number][] = [[left, base - m.ascent], [left + m.width, base - m.ascent], [left + m.width, base + m.descent], [left, base + m.descent]];
  return frame.map(([dx, dy]) => [t.x + dx * Math.cos(a) + dy * Math.sin(a), t.y - dx * Math.sin(a) + dy * Math.cos(a)]);
}

function textBounds(t: TextItem, family: Scene['fontFamily']): Box {
  const c = textCorners(t, family);
  return { x0: Math.min(...c.map((p) => p[0])), y0: Math.min(...c.map((p) => p[1])), x1: Math.max(...c.map((p) => p[0])), y1: Math.max(...c.map((p) => p[1])) };
}

/** Do two convex quads overlap by more than `eps` (separating axis test over both quads' edge normals)? */
function quadsOverlap(a: [number, number][], b: [number, number][], eps: number): boolean {
  for (const quad of [a, b]) {
    for (let i = 0; i < 4; i++) {
      const [x0, y0] = quad[i]!;
      const [x1, y1] = quad[(i + 1) % 4]!;
      const len = Math.hypot(x1 - x0, y1 - y0);
      if (len === 0) continue;
      const n = [-(y1 - y0) / len, (x1 - x0) / len] as const;
      const pa = a.map(([x, y]) => x * n[0] + y * n[1]);
      const pb = b.map(([x, y]) => x * n[0] + y * n[1]);
      if (Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)) <= eps) return false;
    }
  }
  return true;
}

function itemBounds(item: Item, family: Scene['fontFamily']): Box | null {
  switch (item.type) {
    case 'rect': {
      const e = (item.stroke?.width ?? 0) / 2;
      return { x0: item.x - e, y0: item.y - e, x1: item.x + item.w + e, y1: item.y + item.h + e };
    }
    case 'image': return { x0: item.x, y0: item.y, x1: item.x + item.w, y1: item.y + item.h };
    case 'path': {
      const e = (item.stroke?.width ?? 0) / 2;
      let box: Box | null = null;
      for (const sp of subpaths(item.d)) for (const [x, y] of sp) box = union(box, { x0: x - e, y0: y - e, x1: x + e, y1: y + e });
      return box;
    }
    case 'circles': {
      let box: Box | null = null;
      for (let i = 0; i < item.cx.length; i++) box = union(box, { x0: item.cx[i]! - item.r[i]!, y0: item.cy[i]! - item.r[i]!, x1: item.cx[i]! + item.r[i]!, y1: item.cy[i]! + item.r[i]! });
      return box;
    }
    case 'arrows': return null;
    case 'text': return textBounds(item, family);
    case 'group': {
      let box: Box | null = null;
      for (const c of item.items) box = union(box, itemBounds(c, family));
      if (item.clip && 'x' in item.clip) box = intersect(box, { x0: item.clip.x, y0: item.clip.y, x1: item.clip.x + item.clip.w, y1: item.clip.y + item.clip.h });
      return box;
    }
  }
}

function flatten(items: readonly Item[]): Item[] {
  return items.flatMap((i) => (i.type === 'group' ? flatten(i.items) : [i]));
}

function texts(items: readonly Item[]): TextItem[] {
  return flatten(items).filter((i): i is TextItem => i.type === 'text');
}

/** Axes frames: stroked rects without a fill. */
function frames(items: readonly Item[]): RectItem[] {
  return flatten(items).filter((i): i is RectItem => i.type === 'rect' && !i.fill && !!i.stroke);
}

function hex(rgb: [number, number, number]): string {
  return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** Every item on the page, and no two texts overlapping (0.05 pt slack for rounding). */
function expectTidy(scene: Scene): void {
  const eps = 0.05;
  for (const item of scene.items) {
    const b = itemBounds(item, scene.fontFamily);
    if (!b) continue;
    expect(b.x0, `${item.type} left`).toBeGreaterThanOrEqual(-eps);
    expect(b.y0, `${item.type} top`).toBeGreaterThanOrEqual(-eps);
    expect(b.x1, `${item.type} right`).toBeLessThanOrEqual(scene.width + eps);
    expect(b.y1, `${item.type} bottom`).toBeLessThanOrEqual(scene.height + eps);
  }
  const ts = texts(scene.items).map((t) => ({ t, q: textCorners(t, scene.fontFamily) }));
  for (let i = 0; i < ts.length; i++) {
    for (let j = i + 1; j < ts.length; j++) {
      expect(quadsOverlap(ts[i]!.q, ts[j]!.q, eps), `"${ts[i]!.t.text}" overlaps "${ts[j]!.t.text}"`).toBe(false);
    }
  }
}

/** The linear data -> page map of an axis, fitted through its labelled ticks (value from the label text). */
function axisMap(scene: Scene, frame: RectItem, axis: 'x' | 'y'): (v: number) => number {
  const pairs = texts(scene.items)
    .filter((t) => (axis === 'x'
      ? t.baseline === 'top' && t.anchor === 'middle' && t.y > frame.y + frame.h && t.y < frame.y + frame.h + 20 && t.x >= frame.x - 1 && t.x <= frame.x + frame.w + 1
      : t.anchor === 'end' && t.baseline === 'middle' && t.x < frame.x && t.x > frame.x - 20 && t.y >= frame.y - 1 && t.y <= frame.y + frame.h + 1))
    .map((t) => [Number(t.text.replace(MINUS, '-')), axis === 'x' ? t.x : t.y] as const)
    .filter(([v]) => Number.isFinite(v));
  expect(pairs.length).toBeGreaterThanOrEqual(2);
  const [[v0, p0], [v1, p1]] = [pairs[0]!, pairs[pairs.length - 1]!];
  const slope = (p1 - p0) / (v1 - v0);
  for (const [v, p] of pairs) expect(p).toBeCloseTo(p0 + slope * (v - v0), 2);
  return (v) => p0 + slope * (v - v0);
}

// ---- colour bar ----

describe('colour bar', () => {
  const base = (o: Partial<ColourBarOptions>): ColourBarOptions => ({
    colormap: 'viridis', min: 0, max: 2.5e-3, label: '\\it{D}^{2}_{min}', orientation: 'vertical', length: 150, style: DOUBLE, measure, ...o,
  });

  for (const orientation of ['vertical', 'horizontal'] as const) {
    for (const extend of [false, true]) {
      it(`${orientation}${extend ? ' with extend ends' : ''}: the extent holds every item; ticks are linearTicks`, () => {
        const o = base({ orientation, extendMin: extend, extendMax: extend, colormap: (extend ? 'rdbu' : 'viridis') as ColormapName, min: extend ? -1 : 0, max: extend ? 1 : 2.5e-3 });
        const bar = layoutColourBar(o);
        const [x, y] = [13, 29];
        const items = bar.draw(x, y);
        for (const item of items) {
          const b = itemBounds(item, 'sans')!;
          expect(b.x0).toBeGreaterThanOrEqual(x - 0.05);
          expect(b.y0).toBeGreaterThanOrEqual(y - 0.05);
          expect(b.x1).toBeLessThanOrEqual(x + bar.width + 0.05);
          expect(b.y1).toBeLessThanOrEqual(y + bar.height + 0.05);
        }
        // Tick labels: exactly those of linearTicks for some target, in order.
        const ticks = colourBarTicks(o);
        const matches = [2, 3, 4, 5, 6, 7, 8].some((t) => JSON.stringify(linearTicks(o.min, o.max, t).labels) === JSON.stringify(ticks.labels));
        expect(matches).toBe(true);
        const small = texts(items).filter((t) => t.size === DOUBLE.fontSize - 1).map((t) => t.text);
        expect(small).toEqual(ticks.labels);
        expect(ticks.labels.length).toBeGreaterThanOrEqual(3);
        // The label, with the ticks' multiplier, rotated on a vertical bar.
        const label = texts(items).find((t) => t.size === DOUBLE.fontSize)!;
        expect(label.text.startsWith(o.label)).toBe(true);
        if (ticks.multiplier) expect(label.text).toContain(ticks.multiplier);
        expect(label.rotate ?? 0).toBe(orientation === 'vertical' ? 90 : 0);
        // Vector slices, the map's ends at the bar's ends.
        const slices = flatten(items).filter((i): i is RectItem => i.type === 'rect' && !!i.fill);
        expect(slices.length).toBeGreaterThanOrEqual(128);
        expect(slices.length).toBeLessThanOrEqual(256);
        expect(slices[0]!.fill).toBe(hex(colourAt(o.colormap, 0.5 / slices.length)));
        expect(slices[slices.length - 1]!.fill).toBe(hex(colourAt(o.colormap, 1 - 0.5 / slices.length)));
        const triangles = flatten(items).filter((i): i is PathItem => i.type === 'path' && !!i.fill);
        expect(triangles.length).toBe(extend ? 2 : 0);
        // The bar's offset: the first (min) slice starts at the bar's min end.
        const first = slices[0]!;
        if (orientation === 'vertical') expect(first.x).toBeCloseTo(x + bar.barOffset.x, 6);
        else expect(first.y).toBeCloseTo(y + bar.barOffset.y, 6);
      });
    }
  }

  it('makes room for a label longer than a short bar', () => {
    for (const orientation of ['vertical', 'horizontal'] as const) {
      const bar = layoutColourBar(base({ orientation, length: 40, label: 'a colour bar label far longer than its bar' }));
      const items = bar.draw(0, 0);
      const box = items.map((i) => itemBounds(i, 'sans')!).reduce((a, b) => union(a, b)!);
      expect(box.x0).toBeGreaterThanOrEqual(-0.05);
      expect(box.y0).toBeGreaterThanOrEqual(-0.05);
      expect(box.x1).toBeLessThanOrEqual(bar.width + 0.05);
      expect(box.y1).toBeLessThanOrEqual(bar.height + 0.05);
      expect(orientation === 'vertical' ? bar.height : bar.width).toBeGreaterThan(100);
    }
  });

  it('places tick labels at their values along the bar', () => {
    const o = base({ min: -2, max: 2, colormap: 'rdbu' });
    const bar = layoutColourBar(o);
    const items = bar.draw(0, 0);
    const tl = texts(items).filter((t) => t.size === DOUBLE.fontSize - 1);
    const top = bar.barOffset.y;
    for (const t of tl) {
      const v = Number(t.text.replace(MINUS, '-'));
      expect(t.y).toBeCloseTo(top + o.length * (1 - (v - o.min) / (o.max - o.min)), 6);
    }
  });
});

// ---- timeline ----

describe('timeline', () => {
  const n = 120;
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const g = gaussian(3);
  const msd = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 1e-3 * i * (i >= 70 ? 5 : 1)));
  const energy = Float64Array.from({ length: n }, (_, i) => -2.7 + 1e-4 * i + 1e-4 * g());
  const stress = Float64Array.from({ length: n }, (_, i) => 0.01 * Math.sin(i / 9) - (i === 50 ? 1 : 0) * 0.02);
  const data = {
    x, xLabel: 'frame',
    panels: [{ label: 'MSD', values: msd, logY: true }, { label: '\\it{U}/\\it{N}', values: energy }, { label: '\\it{σ}_{xy}', values: stress }],
    marks: [{ x: 70, kind: 'event' as const, label: 'avalanche' }, { x: 30, kind: 'tag' as const, label: 'tag' }],
  };

  it('stacks one panel per series, the event as a dashed line at its x across all panels', () => {
    const scene = timelineFigure(data, DOUBLE, measure);
    const fr = frames(scene.items).sort((a, b) => a.y - b.y);
    expect(fr).toHaveLength(3);
    for (const f of fr) {
      expect(f.x).toBeCloseTo(fr[0]!.x, 6);
      expect(f.w).toBeCloseTo(fr[0]!.w, 6);
    }
    const px = axisMap(scene, fr[2]!, 'x');
    const dashed = flatten(scene.items).filter((i): i is PathItem => i.type === 'path' && !!i.stroke?.dash && i.stroke.colour !== '#8c8c8c');
    expect(dashed).toHaveLength(1);
    const [line] = subpaths(dashed[0]!.d);
    expect(line).toHaveLength(2);
    expect(line![0]![0]).toBeCloseTo(px(70), 2);
    expect(line![1]![0]).toBeCloseTo(px(70), 2);
    expect(line![0]![1]).toBeCloseTo(fr[0]!.y, 6);
    expect(line![1]![1]).toBeCloseTo(fr[2]!.y + fr[2]!.h, 6);
    // Panel letters and the mark labels; x tick labels only under the last panel.
    const t = texts(scene.items).map((i) => i.text);
    expect(t).toEqual(expect.arrayContaining(['(a)', '(b)', '(c)', 'avalanche', 'tag']));
    const xTickTexts = texts(scene.items).filter((i) => i.anchor === 'middle' && i.baseline === 'top' && !i.rotate);
    for (const i of xTickTexts) expect(i.y).toBeGreaterThan(fr[2]!.y + fr[2]!.h);
    expectTidy(scene);
  });

  it('drops non-positive values on log axes and keeps the curve inside its panel', () => {
    const scene = timelineFigure({ ...data, panels: [data.panels[0]!] }, { ...SINGLE, logX: true }, measure);
    const [frame] = frames(scene.items);
    const curve = flatten(scene.items).find((i): i is PathItem => i.type === 'path' && i.stroke?.colour === '#0072b2')!;
    const points = subpaths(curve.d).flat();
    // x = 0 and MSD = 0 are both at i = 0: 119 points remain.
    expect(points).toHaveLength(n - 1);
    for (const [px, py] of points) {
      expect(px).toBeGreaterThanOrEqual(frame!.x - 1e-3);
      expect(px).toBeLessThanOrEqual(frame!.x + frame!.w + 1e-3);
      expect(py).toBeGreaterThanOrEqual(frame!.y - 1e-3);
      expect(py).toBeLessThanOrEqual(frame!.y + frame!.h + 1e-3);
    }
    // Log-log: decade labels with minor ticks; a single panel has no letter.
    expect(texts(scene.items).some((i) => i.text === '10^{1}')).toBe(true);
    expect(texts(scene.items).some((i) => i.text === '(a)')).toBe(false);
    expectTidy(scene);
  });

  it('keeps a signed series on a linear axis when style.logY asks for log axes', () => {
    const scene = timelineFigure({ ...data, panels: [{ label: 'MSD', values: msd }, data.panels[2]!] }, { ...DOUBLE, logY: true }, measure);
    const fr = frames(scene.items).sort((a, b) => a.y - b.y);
    const yLabels = (f: RectItem): string[] => texts(scene.items).filter((t) => t.anchor === 'end' && t.baseline === 'middle' && t.y >= f.y - 1 && t.y <= f.y + f.h + 1).map((t) => t.text);
    expect(yLabels(fr[0]!).every((t) => t.startsWith('10^{') || t.includes('×10^{'))).toBe(true);
    expect(yLabels(fr[1]!).some((t) => t.startsWith(MINUS))).toBe(true);
    const stressMap = axisMap(scene, fr[1]!, 'y');
    expect(stressMap(0)).toBeGreaterThan(fr[1]!.y);
    expect(stressMap(0)).toBeLessThan(fr[1]!.y + fr[1]!.h);
    expectTidy(scene);
  });

  it('marks short series with dots and respects a given height', () => {
    const short = { x: Float64Array.from([1, 2, 3, 4, 5]), xLabel: 'frame', panels: [{ label: 'MSD', values: Float64Array.from([1, 2, 3, 2, 1]) }], marks: [{ x: 3, kind: 'event' as const }] };
    const scene = timelineFigure(short, { ...SINGLE, height: 150 }, measure);
    expect(scene.height).toBe(150);
    const dots = flatten(scene.items).filter((i) => i.type === 'circles');
    expect(dots.map((d) => (d.type === 'circles' ? d.cx.length : 0))).toEqual([5, 1]);
    expectTidy(scene);
  });
});

// ---- distribution ----

describe('distribution', () => {
  const g = gaussian(11);
  const values = (n: number, mean: number, sd: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : mean + sd * g()));
  const curves = [
    { label: 'before', values: values(3000, 0, 1), role: 'before' as const },
    { label: 'at', values: values(3000, 0.5, 1.3), role: 'at' as const },
    { label: 'after', values: values(3000, 1, 1.6), role: 'after' as const },
  ];

  it('draws densities that integrate to one, before and after styled apart', () => {
    const scene = distributionFigure({ xLabel: '\\it{D}^{2}_{min}', curves, bins: 30 }, DOUBLE, measure);
    const [frame] = frames(scene.items);
    const px = axisMap(scene, frame!, 'x');
    const py = axisMap(scene, frame!, 'y');
    const toX = (p: number): number => (p - px(0)) / (px(1) - px(0));
    const toY = (p: number): number => (p - py(0)) / (py(1) - py(0));
    const data = scene.items.find((i) => i.type === 'group' && i.name === 'data');
    const paths = flatten([data!]).filter((i): i is PathItem => i.type === 'path');
    expect(paths).toHaveLength(3);
    for (const p of paths) {
      let area = 0;
      for (const sp of subpaths(p.d)) {
        for (let i = 0; i + 1 < sp.length; i++) {
          if (Math.abs(sp[i]![1] - sp[i + 1]![1]) < 1e-9 && sp[i]![0] !== sp[i + 1]![0]) area += toY(sp[i]![1]) * (toX(sp[i + 1]![0]) - toX(sp[i]![0]));
        }
      }
      expect(area).toBeCloseTo(1, 2);
    }
    const [before, at, after] = paths.map((p) => p.stroke!);
    expect(before!.colour).not.toBe(after!.colour);
    expect(before!.dash?.length ?? 0).toBeGreaterThan(0);
    expect(after!.dash).toBeUndefined();
    expect(JSON.stringify(at)).not.toBe(JSON.stringify(before));
    expect(texts(scene.items).some((t) => t.text === '\\it{P}(\\it{D}^{2}_{min})')).toBe(true);
    expectTidy(scene);
  });

  it('shows families along the sequential map with a legend, and skips empty bins on a log axis', () => {
    const temps = [0.2, 0.3, 0.4, 0.5];
    const fam = temps.map((t) => ({ label: `\\it{T} = ${t.toFixed(2)}`, values: values(2000, 0, t), role: 'family' as const }));
    const scene = distributionFigure({ xLabel: '\\it{ε}_{vol}', curves: fam, bins: 60, range: { min: -3, max: 3 } }, { ...SINGLE, logY: true }, measure);
    const legend = texts(scene.items).filter((t) => t.text.startsWith('\\it{T} = '));
    expect(legend.map((t) => t.text)).toEqual(fam.map((f) => f.label));
    const data = scene.items.find((i) => i.type === 'group' && i.name === 'data')!;
    const paths = flatten([data]).filter((i): i is PathItem => i.type === 'path');
    const colours = paths.map((p) => p.stroke!.colour);
    expect(new Set(colours).size).toBe(4);
    expect(colours[0]).toBe(hex(colourAt('viridis', 0)));
    // The narrowest family leaves the outer bins empty: its outline breaks into several runs, never at P = 0.
    expect(subpaths(paths[0]!.d).length).toBeGreaterThanOrEqual(1);
    const [frame] = frames(scene.items);
    for (const [, y] of subpaths(paths[0]!.d).flat()) expect(y).toBeLessThanOrEqual(frame!.y + frame!.h + 1e-3);
    // The legend sits inside the plot and covers no curve point.
    for (const t of legend) {
      const b = textBounds(t, scene.fontFamily);
      expect(b.x0).toBeGreaterThan(frame!.x);
      expect(b.x1).toBeLessThan(frame!.x + frame!.w);
    }
    expectTidy(scene);
  });
});

// ---- heat map ----

describe('heat map', () => {
  const names = ['\\it{D}^{2}_{min}', '‖\\bf{e}‖', '\\it{ε}_{vol}'];
  const pearson = Float64Array.from([1, 0.53, -0.12, 0.53, 1, 0.25, -0.12, 0.25, 1]);
  const spearman = Float64Array.from([1, 0.48, -0.2, 0.48, 1, NaN, -0.2, NaN, 1]);

  for (const style of [DOUBLE, SINGLE]) {
    it(`colours k*k vector cells by rdbu and prints their values (${style.width} pt)`, () => {
      const scene = heatmapFigure({ names, matrices: [{ title: 'Pearson', values: pearson }, { title: 'Spearman', values: spearman }] }, style, measure);
      const groups = scene.items.filter((i) => i.type === 'group' && i.name === 'heatmap');
      expect(groups).toHaveLength(2);
      [pearson, spearman].forEach((m, gi) => {
        const cells = flatten([groups[gi]!]).filter((i): i is RectItem => i.type === 'rect');
        expect(cells).toHaveLength(9);
        cells.forEach((c, q) => {
          const v = m[q]!;
          expect(c.fill).toBe(Number.isFinite(v) ? hex(colourAt('rdbu', (v + 1) / 2)) : '#969696');
        });
      });
      // Cell values carry their own colour; the colour bar's tick labels do not.
      const values = texts(scene.items).filter((t) => t.colour && /^−?\d\.\d\d$/.test(t.text));
      expect(values.map((t) => t.text)).toEqual([
        '1.00', '0.53', '−0.12', '0.53', '1.00', '0.25', '−0.12', '0.25', '1.00',
        '1.00', '0.48', '−0.20', '0.48', '1.00', '−0.20', '1.00',
      ]);
      // White on the dark diagonal, black on the pale cells.
      expect(values[0]!.colour).toBe('#ffffff');
      expect(values[2]!.colour).toBe('#000000');
      // Names: three row names for the first matrix, three column names under each matrix side by side.
      const nameTexts = texts(scene.items).filter((t) => names.includes(t.text));
      expect(nameTexts.length).toBeGreaterThanOrEqual(9);
      expect(texts(scene.items).some((t) => t.text.startsWith('correlation') && t.rotate === 90)).toBe(true);
      expectTidy(scene);
    });
  }

  it('rotates long column names rather than letting them collide', () => {
    const long = ['displacement magnitude', 'non-affine displacement', 'volumetric strain', 'local softness', 'eigenvalue k', 'det H'];
    const k = long.length;
    const m = Float64Array.from({ length: k * k }, (_, q) => (Math.floor(q / k) === q % k ? 1 : 0.1));
    const scene = heatmapFigure({ names: long, matrices: [{ title: 'Pearson', values: m }] }, SINGLE, measure);
    expect(texts(scene.items).some((t) => long.includes(t.text) && (t.rotate ?? 0) !== 0)).toBe(true);
    expectTidy(scene);
  });
});

// ---- scatter matrix ----

function pearson(a: Float64Array, b: Float64Array): number {
  const rows = [...a.keys()].filter((i) => Number.isFinite(a[i]!) && Number.isFinite(b[i]!));
  const ma = rows.reduce((s, i) => s + a[i]!, 0) / rows.length;
  const mb = rows.reduce((s, i) => s + b[i]!, 0) / rows.length;
  const sab = rows.reduce((s, i) => s + (a[i]! - ma) * (b[i]! - mb), 0);
  const saa = rows.reduce((s, i) => s + (a[i]! - ma) ** 2, 0);
  const sbb = rows.reduce((s, i) => s + (b[i]! - mb) ** 2, 0);
  return sab / Math.sqrt(saa * sbb);
}

describe('scatter matrix', () => {
  const g = gaussian(5);
  const n = 400;
  const a = Float64Array.from({ length: n }, () => g());
  const b = Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? NaN : 0.7 * a[i]! + 0.5 * g()));
  const c = Float64Array.from({ length: n }, (_, i) => (i % 17 === 0 ? NaN : -0.3 * a[i]! + g()));
  const names = ['\\it{a}', '\\it{b}', '\\it{c}'];

  for (const style of [DOUBLE, SINGLE]) {
    it(`draws k*k panels with Pearson r (pairwise NaN dropped) off the diagonal (${style.width} pt)`, () => {
      const cols = [a, b, c];
      const scene = scatterMatrixFigure({ names, columns: cols }, style, measure);
      const fr = frames(scene.items);
      expect(fr).toHaveLength(9);
      const xs = [...new Set(fr.map((f) => f.x.toFixed(3)))].map(Number).sort((p, q) => p - q);
      const ys = [...new Set(fr.map((f) => f.y.toFixed(3)))].map(Number).sort((p, q) => p - q);
      expect(xs).toHaveLength(3);
      expect(ys).toHaveLength(3);
      const rTexts = texts(scene.items).filter((t) => t.text.startsWith('\\it{r} = '));
      expect(rTexts).toHaveLength(6);
      for (const t of rTexts) {
        const j = xs.findLastIndex((x) => x <= t.x + 1e-6);
        const i = ys.findLastIndex((y) => y <= t.y + 1e-6);
        expect(i).not.toBe(j);
        const r = pearson(cols[j]!, cols[i]!);
        expect(t.text).toBe(`\\it{r} = ${r.toFixed(2).replace('-', MINUS)}`);
      }
      // Names only on the outer edge: one row of x names, one column of y names.
      expect(texts(scene.items).filter((t) => names.includes(t.text))).toHaveLength(6);
      expectTidy(scene);
    });
  }

  it('subsamples above 5000 rows deterministically and says so', () => {
    const big = 12000;
    const u = Float64Array.from({ length: big }, () => g());
    const v = Float64Array.from({ length: big }, (_, i) => u[i]! + g());
    const s1 = scatterMatrixFigure({ names: ['\\it{u}', '\\it{v}'], columns: [u, v] }, SINGLE, measure);
    const s2 = scatterMatrixFigure({ names: ['\\it{u}', '\\it{v}'], columns: [u, v] }, SINGLE, measure);
    const dots = flatten(s1.items).filter((i) => i.type === 'circles');
    expect(dots).toHaveLength(2);
    for (const d of dots) expect(d.type === 'circles' && d.cx.length).toBe(5000);
    expect(JSON.stringify(flatten(s1.items).map((i) => (i.type === 'circles' ? Array.from(i.cx.slice(0, 50)) : 0)))).toBe(JSON.stringify(flatten(s2.items).map((i) => (i.type === 'circles' ? Array.from(i.cx.slice(0, 50)) : 0))));
    expect(s1.description).toContain('subsample of 5000 of the 12000 rows');
    expect(texts(s1.items).find((t) => t.text.startsWith('\\it{r}'))!.text).toBe(`\\it{r} = ${pearson(u, v).toFixed(2)}`);
    expectTidy(s1);
  });
});

describe('every kind', () => {
  it('uses the style\'s font family and page width', () => {
    const style = { ...SINGLE, fontFamily: 'serif' as const, fontSize: 9 };
    const x = Float64Array.from({ length: 50 }, (_, i) => i);
    const scenes = [
      timelineFigure({ x, xLabel: 'frame', panels: [{ label: 'MSD', values: x }], marks: [] }, style, measure),
      distributionFigure({ xLabel: 'x', curves: [{ label: 'at', values: x, role: 'at' }], bins: 10 }, style, measure),
      heatmapFigure({ names: ['a', 'b'], matrices: [{ title: 'Pearson', values: Float64Array.from([1, 0.5, 0.5, 1]) }] }, style, measure),
      scatterMatrixFigure({ names: ['a', 'b'], columns: [x, x.map((v) => v * v)] }, style, measure),
    ];
    for (const s of scenes) {
      expect(s.fontFamily).toBe('serif');
      expect(s.width).toBe(style.width);
      expect(s.height).toBeGreaterThan(50);
      expectTidy(s);
    }
  });
});
