import { describe, expect, it } from 'vitest';
import type { Api, FramePayload } from '../../src/shared/api.js';
import { correlations, histograms, ranks } from '../../src/renderer/src/lib/stats.js';
import { DataCache, LruPromiseCache, toFieldData, toFrameData } from '../../src/renderer/src/lib/data-cache.js';
import { formatDuration, formatValue, baseName } from '../../src/renderer/src/lib/format.js';

describe('field statistics', () => {
  it('bins several arrays over one range, skipping NaN', () => {
    const h = histograms([new Float32Array([0, 1, 2, 3, Number.NaN]), new Float32Array([4, 4])], 4)!;
    expect(Array.from(h.edges)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(h.counts[0])).toEqual([1, 1, 1, 1]);
    expect(Array.from(h.counts[1])).toEqual([0, 0, 0, 2]);
    expect(histograms([new Float32Array([Number.NaN])], 4)).toBeNull();
  });

  it('ranks with ties averaged', () => {
    expect(Array.from(ranks(new Float64Array([10, 20, 20, 5])))).toEqual([2, 3.5, 3.5, 1]);
  });

  it('gives Pearson and Spearman matrices over the particles where all fields are finite', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, Number.NaN]);
    const y = new Float32Array([2, 4, 6, 8, 10, 0]);
    const z = new Float32Array([1, 8, 27, 64, 125, 1]);
    const w = new Float32Array([5, 4, 3, 2, 1, 0]);
    const c = correlations([x, y, z, w]);
    expect(c.n).toBe(5);
    expect(c.pearson[0][1]).toBeCloseTo(1, 12);
    expect(c.spearman[0][2]).toBeCloseTo(1, 12);
    expect(c.pearson[0][2]).toBeLessThan(0.99);
    expect(c.pearson[0][2]).toBeCloseTo(0.9431, 3);
    expect(c.spearman[0][3]).toBeCloseTo(-1, 12);
    expect(c.pearson[2][0]).toBe(c.pearson[0][2]);
  });
});

describe('frames and fields for the GPU', () => {
  it('turns a frame into xy and radii (0.5 without diameters)', () => {
    const p: FramePayload = {
      trajectoryId: 1, frame: 3, timestep: 30, n: 2, dimensions: 2,
      box: { origin: [0, 0, 0], vectors: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], periodic: [true, true, true] },
      ids: new Int32Array([1, 2]), types: new Int32Array([0, 1]), positions: new Float64Array([1, 2, 0, 3, 4, 0]), stride: 3, diameters: null,
      particlesKey: '0123456789abcdef', particlesOmitted: false, warnings: [],
    };
    const f = toFrameData(p);
    expect(Array.from(f.xy)).toEqual([1, 2, 3, 4]);
    expect(Array.from(f.radii)).toEqual([0.5, 0.5]);
    const g = toFrameData({ ...p, diameters: new Float64Array([1.4, 0]) });
    expect(Array.from(g.radii)).toEqual([Math.fround(0.7), 0.5]);
  });

  it('keeps the magnitude of vector fields as their scalar', () => {
    const f = toFieldData({ trajectoryId: 1, name: 'displacement', frame: 2, ref: 1, components: 2, values: new Float32Array([3, 4, 0, 1]), invalidCount: 0 });
    expect(Array.from(f.scalar)).toEqual([5, 1]);
    const s = toFieldData({ trajectoryId: 1, name: 'd2min', frame: 2, ref: 1, components: 1, values: new Float32Array([7]), invalidCount: 0 });
    expect(s.scalar).toBe(s.values);
  });
});

describe('the LRU cache of loads', () => {
  it('deduplicates loads, evicts by bytes and by count, and forgets failures', async () => {
    const c = new LruPromiseCache<number>(10, 3, (v) => v);
    let loads = 0;
    const load = (v: number) => () => {
      loads++;
      return Promise.resolve(v);
    };
    await Promise.all([c.get('a', load(4)), c.get('a', load(4))]);
    expect(loads).toBe(1);
    await c.get('b', load(4));
    await c.get('a', load(4));
    await c.get('c', load(4));
    expect(c.has('b')).toBe(false);
    expect(c.has('a') && c.has('c')).toBe(true);
    expect(c.bytes).toBe(8);
    await expect(c.get('bad', () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    await Promise.resolve();
    expect(c.has('bad')).toBe(false);
    for (const k of ['x', 'y', 'z']) await c.get(k, load(1));
    expect(c.size).toBe(3);
  });

  it('asks the backend once per frame and field and counts requests in flight', async () => {
    const calls: string[] = [];
    const api = {
      getFrame: async (p: { frame: number }) => {
        calls.push(`frame ${p.frame}`);
        return {
          trajectoryId: 1, frame: p.frame, timestep: p.frame, n: 1, dimensions: 2, box: { origin: [0, 0, 0], vectors: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], periodic: [true, true, true] },
          ids: new Int32Array([1]), types: new Int32Array([0]), positions: new Float64Array([0.5, 0.5, 0]), stride: 3, diameters: null,
          particlesKey: '0123456789abcdef', particlesOmitted: false, warnings: [],
        };
      },
      getField: async (p: { frame: number; ref: number; name: string; params?: { cutoff?: number } }) => {
        calls.push(`field ${p.name} ${p.frame}/${p.ref} ${p.params?.cutoff ?? '-'}`);
        return { trajectoryId: 1, name: p.name, frame: p.frame, ref: p.ref, components: 1, values: new Float32Array([1]), invalidCount: 0 };
      },
    } as unknown as Api;
    const cache = new DataCache(api);
    const a = cache.frame(1, 4);
    expect(cache.inFlight).toBe(1);
    await Promise.all([a, cache.frame(1, 4)]);
    expect(cache.inFlight).toBe(0);
    await cache.field({ trajectoryId: 1, frame: 4, ref: 3, name: 'd2min' });
    await cache.field({ trajectoryId: 1, frame: 4, ref: 3, name: 'd2min' });
    await cache.field({ trajectoryId: 1, frame: 4, ref: 3, name: 'd2min', params: { cutoff: 2 } });
    expect(calls).toEqual(['frame 4', 'field d2min 4/3 -', 'field d2min 4/3 2']);
    expect(cache.hasFrame(1, 4)).toBe(true);
    expect(cache.stats().frames).toBe(1);
  });
});

describe('labels', () => {
  it('formats values, durations and file names', () => {
    expect(formatValue(0.012345)).toBe('0.0123');
    expect(formatValue(123456)).toBe('1.23e5');
    expect(formatValue(0.00001234)).toBe('1.23e-5');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(baseName('/a/b/run.gsd')).toBe('run.gsd');
    expect(baseName('C:\\x\\y.dcd')).toBe('y.dcd');
  });
});
