import { describe, expect, it } from 'vitest';
import { rasterize, type RasterTarget } from '../../src/shared/particle-raster.js';
import { packRGBA } from '../../src/shared/colormaps.js';

const RED = packRGBA(255, 0, 0);
const BLUE = packRGBA(0, 0, 255);
const WHITE = 0xffffffff;

function target(w: number, h: number): RasterTarget {
  return { width: w, height: h, pixels: new Uint32Array(w * h) };
}

function at(t: RasterTarget, x: number, y: number): number[] {
  const c = t.pixels[y * t.width + x];
  return [c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24];
}

describe('CPU rasterization of the panes', () => {
  it('draws a disk of its true radius where the view puts it (world y up), with a darker rim', () => {
    const t = target(100, 80);
    // World (0, 0) at the centre; 10 device pixels per unit: a disk of radius 2 (20 px) at (1, 1) is centred at (60, 30).
    const drawn = rasterize(t, {
      n: 1, xy: new Float32Array([1, 1]), radii: new Float32Array([2]), colours: new Uint32Array([RED]),
      view: { cx: 0, cy: 0, scale: 10 }, cssWidth: 100, cssHeight: 80, resolution: 1,
    });
    expect(drawn).toBe(1);
    expect(at(t, 60, 30)).toEqual([255, 0, 0, 255]);
    expect(at(t, 60, 9)).toEqual([255, 255, 255, 255]);
    expect(at(t, 81, 30)).toEqual([255, 255, 255, 255]);
    expect(at(t, 60, 12)).toEqual([255, 0, 0, 255]);
    // The rim (within 1.6 px of the edge) is the colour darkened to 60 %.
    expect(at(t, 60, 11)).toEqual([153, 0, 0, 255]);
    let inside = 0;
    for (let i = 0; i < t.pixels.length; i++) if (t.pixels[i] !== WHITE) inside++;
    expect(Math.abs(inside - Math.PI * 400)).toBeLessThan(0.05 * Math.PI * 400);
  });

  it('culls particles outside the view and honours the resolution', () => {
    const t = target(40, 40);
    const drawn = rasterize(t, {
      n: 2, xy: new Float32Array([0, 0, 100, 0]), radii: new Float32Array([1, 1]), colours: new Uint32Array([BLUE, RED]),
      view: { cx: 0, cy: 0, scale: 5 }, cssWidth: 20, cssHeight: 20, resolution: 2,
    });
    expect(drawn).toBe(1);
    expect(at(t, 20, 20)).toEqual([0, 0, 255, 255]);
  });

  it('splats sub-pixel disks as an area-weighted mean, without holes', () => {
    const t = target(20, 20);
    const n = 400;
    const xy = new Float32Array(2 * n);
    const colours = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = (i % 20) - 9.5;
      xy[2 * i + 1] = Math.floor(i / 20) - 9.5;
      colours[i] = i % 2 ? RED : BLUE;
    }
    rasterize(t, { n, xy, radii: new Float32Array(n).fill(0.6), colours, view: { cx: 0, cy: 0, scale: 1 }, cssWidth: 20, cssHeight: 20, resolution: 1 });
    for (let i = 0; i < t.pixels.length; i++) expect(t.pixels[i]).not.toBe(WHITE);
    // A pixel holding one disk of area 1.13 px takes its colour.
    const colourOf = (i: number): number => (i % 2 ? RED : BLUE);
    expect(at(t, 3, 3)).toEqual(i2rgb(colourOf(3 + (19 - 3) * 20)));
  });

  it('draws arrows along the vectors', () => {
    const t = target(50, 50);
    rasterize(t, {
      n: 1, xy: new Float32Array([0, 0]), radii: new Float32Array([0.1]), colours: new Uint32Array([RED]),
      view: { cx: 0, cy: 0, scale: 1 }, cssWidth: 50, cssHeight: 50, resolution: 1,
    }, { vectors: new Float32Array([20, 0]), components: 2, scale: 1, colour: packRGBA(0, 0, 0) });
    expect(at(t, 40, 25)).toEqual([0, 0, 0, 255]);
    expect(at(t, 35, 25)).toEqual([0, 0, 0, 255]);
    expect(at(t, 25, 10)).toEqual([255, 255, 255, 255]);
  });
});

function i2rgb(c: number): number[] {
  return [c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24];
}
