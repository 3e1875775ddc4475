import { describe, expect, it } from 'vitest';
import {
  COLORMAPS, COLORMAP_NAMES, NAN_RGB, colormapFor, colourAt, cssColourAt, finiteExtent, magnitudes, mapValues, packRGBA, quantiles, rangeOf,
} from '../../src/shared/colormaps.js';
import { FIELD_NAMES } from '../../src/shared/api.js';

function bytesOf(c: number): number[] {
  return [c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24];
}

/** CIE L* of an sRGB colour (D65). */
function lightness(r: number, g: number, b: number): number {
  const lin = (c: number): number => {
    const x = c / 255;
    return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

describe('colour maps', () => {
  it('hold the published matplotlib end points', () => {
    expect(cssColourAt('viridis', 0)).toBe('#440154');
    expect(cssColourAt('viridis', 1)).toBe('#fde725');
    expect(cssColourAt('viridis', 128 / 255)).toBe('#21918c');
    expect(cssColourAt('magma', 0)).toBe('#000004');
    expect(cssColourAt('magma', 1)).toBe('#fcfdbf');
    expect(cssColourAt('cividis', 0)).toBe('#00224e');
    expect(cssColourAt('cividis', 1)).toBe('#fee838');
    expect(cssColourAt('rdbu', 0)).toBe('#053061');
    expect(cssColourAt('rdbu', 1)).toBe('#67001f');
    for (const name of COLORMAP_NAMES) expect(COLORMAPS[name].lut.length).toBe(768);
  });

  it('sequential maps rise monotonically in lightness (perceptually ordered)', () => {
    for (const name of ['viridis', 'cividis', 'magma'] as const) {
      let prev = -1;
      for (let i = 0; i < 256; i++) {
        const [r, g, b] = colourAt(name, i / 255);
        const l = lightness(r, g, b);
        expect(l).toBeGreaterThan(prev - 0.3);
        prev = l;
      }
      const [r0, g0, b0] = colourAt(name, 0);
      const [r1, g1, b1] = colourAt(name, 1);
      expect(lightness(r1, g1, b1) - lightness(r0, g0, b0)).toBeGreaterThan(70);
    }
  });

  it('the diverging map is lightest at its centre and symmetric in lightness', () => {
    const lAt = (t: number): number => lightness(...colourAt('rdbu', t));
    expect(lAt(0.5)).toBeGreaterThan(95);
    for (const t of [0.1, 0.25, 0.4]) {
      expect(lAt(t)).toBeLessThan(lAt(0.5));
      expect(Math.abs(lAt(t) - lAt(1 - t))).toBeLessThan(8);
    }
  });

  it('chooses sequential maps for magnitudes and a diverging one centred on 0 or 1 for signed fields', () => {
    expect(colormapFor('d2min')).toEqual({ map: 'viridis', kind: 'sequential', centre: null, magnitude: false });
    expect(colormapFor('displacement')).toEqual({ map: 'viridis', kind: 'sequential', centre: null, magnitude: true });
    expect(colormapFor('na').magnitude).toBe(true);
    expect(colormapFor('is_displacement', 'magma')).toMatchObject({ map: 'magma', magnitude: true });
    expect(colormapFor('eps_vol')).toMatchObject({ map: 'rdbu', kind: 'diverging', centre: 0 });
    expect(colormapFor('eps_xy').centre).toBe(0);
    expect(colormapFor('softness').centre).toBe(0);
    expect(colormapFor('det_h')).toMatchObject({ map: 'rdbu', centre: 1 });
    // A diverging map cannot be chosen as the sequential one.
    expect(colormapFor('mobility', 'rdbu').map).toBe('viridis');
    for (const f of FIELD_NAMES) expect(COLORMAPS[colormapFor(f).map]).toBeDefined();
  });
});

describe('mapValues', () => {
  it('maps values through the range to packed r, g, b, a in one pass, NaN to grey, clamping outside', () => {
    const v = new Float32Array([0, 1, 0.5, Number.NaN, -3, 7]);
    const c = mapValues(v, { map: 'viridis', min: 0, max: 1 });
    expect(c.length).toBe(6);
    expect(bytesOf(c[0])).toEqual([0x44, 0x01, 0x54, 255]);
    expect(bytesOf(c[1])).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(bytesOf(c[2])).toEqual([...colourAt('viridis', 0.5), 255]);
    expect(bytesOf(c[3])).toEqual([...NAN_RGB, 255]);
    expect(c[4]).toBe(c[0]);
    expect(c[5]).toBe(c[1]);
    expect(c[0]).toBe(packRGBA(0x44, 0x01, 0x54));
  });

  it('colours vectors by their magnitude and reuses the output buffer', () => {
    const v = new Float32Array([3, 4, 0, 0, Number.NaN, 1]);
    const out = new Uint32Array(8);
    const c = mapValues(v, { map: 'magma', min: 0, max: 5, components: 2, out });
    expect(c).toBe(out);
    expect(bytesOf(c[0])).toEqual([...colourAt('magma', 1), 255]);
    expect(bytesOf(c[1])).toEqual([...colourAt('magma', 0), 255]);
    expect(bytesOf(c[2])).toEqual([...NAN_RGB, 255]);
    expect(Array.from(magnitudes(v, 2))).toEqual([5, 0, Number.NaN]);
  });

  it('centres a diverging range on the neutral value', () => {
    const detH = new Float32Array([0.9, 1.0, 1.05, Number.NaN]);
    const r = rangeOf([detH], { centre: 1 });
    expect(r!.min).toBeCloseTo(0.9, 6);
    expect(r!.max).toBeCloseTo(1.1, 6);
    const c = mapValues(detH, { map: 'rdbu', min: r!.min, max: r!.max });
    expect(bytesOf(c[1]).slice(0, 3)).toEqual(colourAt('rdbu', 0.5));
    expect(bytesOf(c[0]).slice(0, 3)).toEqual([0x05, 0x30, 0x61]);
  });

  it('colours 100 000 values in one pass into the given buffer, value by value as colourAt', () => {
    const n = 100_000;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i);
    const out = new Uint32Array(n);
    expect(mapValues(v, { map: 'viridis', min: -1, max: 1, out })).toBe(out);
    for (const i of [0, 1, 7, 12_345, n - 1]) {
      const [r, g, b] = colourAt('viridis', (v[i] + 1) / 2);
      expect(out[i]).toBe(packRGBA(r, g, b));
    }
  });
});

describe('ranges', () => {
  it('finds the finite extent over several arrays, ignoring NaN and infinities', () => {
    expect(finiteExtent([new Float32Array([2, Number.NaN, 5]), new Float32Array([-1, Infinity])])).toEqual({ min: -1, max: 5 });
    expect(finiteExtent([new Float32Array([Number.NaN])])).toBeNull();
    expect(rangeOf([new Float32Array([Number.NaN])])).toBeNull();
  });

  it('approximates quantiles within a bin of the exact ones', () => {
    let s = 1;
    const rand = (): number => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const a = new Float32Array(50_000);
    for (let i = 0; i < a.length; i++) a[i] = -Math.log(rand());
    const sorted = Array.from(a).sort((x, y) => x - y);
    const [q1, q99] = quantiles([a], [0.01, 0.99])!;
    const width = (sorted[sorted.length - 1] - sorted[0]) / 4096;
    expect(Math.abs(q1 - sorted[Math.floor(0.01 * a.length)])).toBeLessThan(2 * width);
    expect(Math.abs(q99 - sorted[Math.floor(0.99 * a.length)])).toBeLessThan(2 * width);
    const r = rangeOf([a], { mode: 'quantile', lo: 0.01, hi: 0.99 })!;
    expect(r.min).toBeCloseTo(q1, 6);
    expect(r.max).toBeCloseTo(q99, 6);
  });

  it('widens a degenerate range so that the scale stays defined', () => {
    const r = rangeOf([new Float32Array([2, 2, 2])])!;
    expect(r.min).toBeLessThan(2);
    expect(r.max).toBeGreaterThan(2);
  });
});
