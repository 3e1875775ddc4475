// The field and series registry: one entry per field with its reference rule, parameters and computation; requests
// resolved by the rules (default reference = the previous frame, Jha & Sengupta Eq. 7; mobility the previous frame;
// IS displacement IS(0), Eq. 12; one-frame fields none), parameters checked in the caller's words, a family cached
// together, the strain family's default neighbourhood worked out once per trajectory, and the file's own columns as fields.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedField, computeAndStoreField, getField, resolveField } from '../../../src/core/fields/field.js';
import { TrajectorySet } from '../../../src/core/fields/frames.js';
import { FIELD_REGISTRY, defaultStrainCutoff } from '../../../src/core/fields/registry.js';
import { SERIES_REGISTRY, cachedSeries, computeSeries, resolveSeries } from '../../../src/core/fields/series.js';
import {
  FIELDS, FIELD_NAMES, SERIES, SERIES_NAMES, VECTOR_FIELD_NAMES, fieldInfo, fileFieldNames, isFileFieldName,
} from '../../../src/shared/fields.js';
import { colormapFor } from '../../../src/shared/colormaps.js';
import { fieldLabel, seriesLabel } from '../../../src/core/figures/labels.js';
import { tmpDir, writeGlassDump, FIXTURES } from '../../main/helpers.js';

const root = tmpDir('avw-registry-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const glass = join(root, 'glass.lammpstrj');
writeGlassDump(glass, { side: 12, frames: 6, jumps: [3], jumpSize: 0.6, noise: 0.004, seed: 3 });

function open(): { set: TrajectorySet; src: ReturnType<TrajectorySet['get']> } {
  const set = new TrajectorySet({ indexDir: join(root, 'index') });
  return { set, src: set.get(glass) };
}

describe('the registry', () => {
  it('has an entry with a computation for every described field and series, and nothing else', () => {
    expect(Object.keys(FIELD_REGISTRY)).toEqual(FIELD_NAMES);
    expect(Object.keys(SERIES_REGISTRY)).toEqual(SERIES_NAMES);
    for (const name of FIELD_NAMES) {
      expect(FIELD_REGISTRY[name]).toMatchObject({ ...FIELDS[name], name });
      expect(typeof FIELD_REGISTRY[name].compute).toBe('function');
    }
    for (const name of SERIES_NAMES) expect(SERIES_REGISTRY[name]).toMatchObject({ ...SERIES[name], name });
    expect(VECTOR_FIELD_NAMES).toEqual(['displacement', 'na', 'is_displacement', 'lowest_mode']);
  });

  it('gives labels and colour maps from the entries', () => {
    expect(fieldLabel('d2min')).toBe(FIELDS.d2min.label);
    expect(seriesLabel('stress_xy')).toBe(SERIES.stress_xy.label);
    expect(colormapFor('det_h')).toMatchObject({ map: 'rdbu', centre: 1 });
    expect(colormapFor('eps_vol')).toMatchObject({ map: 'rdbu', centre: 0 });
    expect(colormapFor('displacement')).toMatchObject({ map: 'viridis', magnitude: true });
    expect(colormapFor('file:c_pe')).toMatchObject({ map: 'viridis', magnitude: false });
    expect(colormapFor('file:velocity')).toMatchObject({ magnitude: true });
  });
});

describe('resolving a request', () => {
  it('takes the previous frame as the default reference of pair fields, and any frame when asked', () => {
    expect(resolveField({ name: 'd2min', frame: 4 }, 6, glass)).toMatchObject({ frame: 4, ref: 3 });
    expect(resolveField({ name: 'd2min', frame: 4, ref: 0 }, 6, glass)).toMatchObject({ ref: 0 });
    expect(resolveField({ name: 'displacement', frame: 5 }, 6, glass).ref).toBe(4);
    expect(() => resolveField({ name: 'd2min', frame: 0 }, 6, glass)).toThrow('d2min at frame 0 needs a reference frame: frame 0 has no previous frame (give --ref)');
  });

  it("keeps each field's own rule: mobility the previous frame, IS displacement IS(0), softness none", () => {
    expect(resolveField({ name: 'mobility', frame: 4 }, 6, glass).ref).toBe(3);
    expect(() => resolveField({ name: 'mobility', frame: 4, ref: 1 }, 6, glass)).toThrow(/mobility always uses the previous frame .* leave out --ref/);
    expect(resolveField({ name: 'is_displacement', frame: 4 }, 6, glass).ref).toBe(0);
    expect(() => resolveField({ name: 'is_displacement', frame: 4, ref: 3 }, 6, glass)).toThrow(/measured from frame 0 \(Jha & Sengupta Eq. 12: IS\(0\)\)/);
    expect(resolveField({ name: 'softness', frame: 4 }, 6, glass).ref).toBe(-1);
    expect(() => resolveField({ name: 'softness', frame: 4, ref: 1 }, 6, glass)).toThrow(/takes no reference/);
    expect(resolveField({ name: 'file:c_pe', frame: 2 }, 6, glass)).toMatchObject({ ref: -1, cached: false });
  });

  it("checks parameters with the option's name and its allowed values, in the caller's words", () => {
    expect(() => resolveField({ name: 'd2min', frame: 2, params: { cutoff: -1 } }, 6, glass)).toThrow('d2min: --cutoff must be a number > 0 and <= 10000 (got -1)');
    expect(() => resolveField({ name: 'd2min', frame: 2, params: { cutoff: 0 } }, 6, glass, (n) => `"params.${n}"`)).toThrow('"params.cutoff" must be a number > 0');
    expect(() => resolveField({ name: 'softness', frame: 2, params: { cutoff: 2 } }, 6, glass)).toThrow('softness: --cutoff does not apply (it takes --delta, --rmin, --rmax)');
    expect(() => resolveField({ name: 'mobility', frame: 2, params: { delta: 2 } }, 6, glass)).toThrow('mobility: --delta does not apply (it takes no parameters)');
    expect(() => resolveField({ name: 'D2min', frame: 2 }, 6, glass)).toThrow(/unknown field "D2min": one of displacement, d2min/);
    expect(() => resolveField({ name: 'd2min', frame: 6 }, 6, glass)).toThrow(/frame 6 does not exist \(6 frames, 0..5\)/);
    expect(() => resolveField({ name: 'd2min', frame: 2, ref: 9 }, 6, glass)).toThrow(/reference frame 9 does not exist/);
    expect(() => resolveSeries({ name: 'energy' })).toThrow('series energy needs the pair potential of the system: --potential wca or hertz');
    expect(() => resolveSeries({ name: 'msd', params: { reference: -2 } })).toThrow('msd: --reference must be an integer >= 0 and <= 2147483647 (got -2)');
  });

  it('keys the cache by every parameter in force, defaults included', () => {
    const a = resolveField({ name: 'd2min', frame: 2 }, 6, glass);
    const b = resolveField({ name: 'e_norm', frame: 2 }, 6, glass);
    const c = resolveField({ name: 'd2min', frame: 2, params: { cutoff: 2 } }, 6, glass);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    expect(a.params).toEqual({ cutoff: null });
  });
});

describe('computing and caching', () => {
  it('computes a family once, stores every member, and serves them from the cache', () => {
    const { set, src } = open();
    try {
      const r = resolveField({ name: 'd2min', frame: 3, params: { cutoff: 1.6 } }, src.t.frameCount, glass);
      expect(cachedField(src.t, r)).toBeNull();
      const d2 = computeAndStoreField(src, r, (p) => set.get(p));
      expect(d2).toMatchObject({ name: 'd2min', frame: 3, ref: 2, components: 1, cached: false, used: { cutoff: 1.6 } });
      for (const name of FIELD_NAMES.filter((n) => FIELDS[n].family === 'strain')) {
        const m = getField(src, resolveField({ name, frame: 3, params: { cutoff: 1.6 } }, src.t.frameCount, glass), (p) => set.get(p));
        expect(m.cached, name).toBe(true);
        expect(m.values.length).toBe(144 * (FIELDS[name].vector ? 2 : 1));
      }
    } finally {
      set.close();
    }
  });

  it('works out the strain neighbourhood once per trajectory from g(r) and keeps it in the index', () => {
    const { set, src } = open();
    try {
      const cutoff = defaultStrainCutoff(src);
      // Beyond the first shell of this lattice of spacing 1, within the g(r) range looked at.
      expect(cutoff).toBeGreaterThan(1.2);
      expect(cutoff).toBeLessThan(4);
      expect(src.t.getSeries('__second_shell', 'histogram-4-frames-v1')?.values[0]).toBe(cutoff);
      // Every frame pair uses the same neighbourhood.
      for (const frame of [1, 4]) {
        const f = getField(src, resolveField({ name: 'd2min', frame }, src.t.frameCount, glass), (p) => set.get(p));
        expect(f.used.cutoff).toBe(cutoff);
      }
    } finally {
      set.close();
    }
  });

  it("reads the file's own columns as fields: one column, or the velocities as a vector", () => {
    const file = join(FIXTURES, 'lammps/tri2d.lammpstrj');
    const set = new TrajectorySet({ indexDir: join(root, 'index') });
    try {
      const src = set.get(file);
      const props = Object.keys(src.read(0).properties);
      const names = fileFieldNames(props);
      expect(names).toContain('file:c_pe');
      expect(names).toContain('file:velocity');
      expect(names.every(isFileFieldName)).toBe(true);
      const pe = getField(src, resolveField({ name: 'file:c_pe', frame: 1 }, src.t.frameCount, file), (p) => set.get(p));
      expect(pe).toMatchObject({ components: 1, ref: -1, cached: false });
      expect(pe.values[0]).toBeCloseTo(src.read(1).properties.c_pe[0], 5);
      const v = getField(src, resolveField({ name: 'file:velocity', frame: 0 }, src.t.frameCount, file), (p) => set.get(p));
      expect(v.components).toBe(2);
      expect(v.values[0]).toBeCloseTo(-0.094105, 6);
      expect(v.values[1]).toBeCloseTo(-0.372151, 6);
      expect(fieldInfo('file:velocity').vector).toBe(true);
      expect(() => getField(src, resolveField({ name: 'file:c_ke', frame: 0 }, src.t.frameCount, file), (p) => set.get(p)))
        .toThrow(/has no per-particle property "c_ke" \(it has .*c_pe/);
    } finally {
      set.close();
    }
  });

  it('computes a series once, stores it with its family, and extends nothing when complete', () => {
    const { set, src } = open();
    try {
      const r = resolveSeries({ name: 'stress_xy', params: { potential: 'wca', temperature: 0.2 } });
      const s = computeSeries(src, r);
      expect(s).toMatchObject({ cached: false, computedFrom: 0 });
      expect(s.values.length).toBe(6);
      const xx = resolveSeries({ name: 'stress_xx', params: { potential: 'wca', temperature: 0.2 } });
      expect(cachedSeries(src.t, xx)?.length).toBe(6);
      expect(computeSeries(src, r).cached).toBe(true);
    } finally {
      set.close();
    }
  });
});
