// The "Export figure" dialog's rules: choices pre-filled from the workbench, the spec each kind sends (accepted by the
// API's validation and by the engine's normalizeSpec), the default output path, format from extension, size read-out.
import { describe, expect, it } from 'vitest';
import { normalizeSpec } from '../../src/core/figures/spec.js';
import { FIGURE_KINDS, type FigureSpecRequest, type TagJson } from '../../src/shared/api.js';
import { validateRequest } from '../../src/shared/api-validate.js';
import {
  avalancheFrames, defaultFields, defaultFigurePath, figureSpec, formatOfPath, initialChoices, sizeText, withFormat, type FigureChoices, type WorkbenchSnapshot,
} from '../../src/renderer/src/lib/figure-spec.js';

function tag(id: number, frame: number, kind: TagJson['kind'], source: TagJson['source'] = 'manual'): TagJson {
  return { id, frame, timestep: frame * 10, kind, source, score: null, note: '', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };
}

const SNAPSHOT: WorkbenchSnapshot = {
  trajectoryPath: '/data/glass/run.lammpstrj.gz', frame: 18, paneFrames: [12, 18, 25], field: 'd2min', refMode: 'fixed', fixedRef: 5, lag: 1,
  cutoff: 2.5, colormap: 'magma', rangeMode: 'quantile', manualMin: 0, manualMax: 1, arrowScale: 3,
  tags: [tag(1, 40, 'avalanche', 'detector'), tag(2, 18, 'candidate', 'detector'), tag(3, 7, 'avalanche'), tag(4, 40, 'avalanche'), tag(5, 60, 'not-avalanche')],
  secondSeries: 'energy', potential: 'wca', temperature: 0.4, xAxis: 'time', logX: false, logY: true, logHistogram: true, modelPath: null,
};

function choose(extra: Partial<FigureChoices>, snapshot: WorkbenchSnapshot = SNAPSHOT): FigureChoices {
  return { ...initialChoices(snapshot), ...extra };
}

describe('pre-filled choices', () => {
  it('take the frame, the panes\' frames (here an event bracket) and the field; fields, PDF, APS double column', () => {
    expect(initialChoices(SNAPSHOT)).toEqual({
      kind: 'fields', frame: 18, before: 12, after: 25, field: 'd2min', vector: 'na', fields: ['d2min', 'e_norm', 'eps_vol', 'det_h'], markTags: true,
      size: 'aps-double', width: '7in', height: '', fontFamily: 'sans', fontSize: 8, format: 'pdf', dpi: 600, rasterParticles: false,
    });
  });

  it('a vector field shown becomes the arrows; no field shown means D²min; panes outside the trajectory leave the default', () => {
    const c = initialChoices({ ...SNAPSHOT, field: 'is_displacement', paneFrames: [null, 0, 1] });
    expect(c).toMatchObject({ vector: 'is_displacement', field: 'is_displacement', before: null, after: 1 });
    expect(initialChoices({ ...SNAPSHOT, field: 'none' })).toMatchObject({ field: 'd2min', vector: 'na' });
  });

  it('grid rows put the current field first; heat maps and scatter matrices take scalar fields only', () => {
    expect(defaultFields('grid', 'softness')).toEqual(['softness', 'd2min', 'e_norm', 'eps_vol']);
    expect(defaultFields('grid', 'e_norm')).toEqual(['e_norm', 'd2min', 'eps_vol', 'det_h']);
    expect(defaultFields('grid', 'displacement')).toEqual(['displacement', 'd2min', 'e_norm', 'eps_vol']);
    expect(defaultFields('heatmap', 'displacement')).toEqual(['d2min', 'e_norm', 'eps_vol', 'det_h']);
    expect(defaultFields('scatter', 'none')).toEqual(['d2min', 'e_norm', 'eps_vol', 'det_h']);
  });
});

describe('the spec of each kind', () => {
  it('fields: frames, field, reference, cutoff, colour map, preset', () => {
    expect(figureSpec(SNAPSHOT, choose({}))).toEqual({
      version: 1, kind: 'fields', frame: 18, before: 12, after: 25, field: 'd2min', reference: { mode: 'fixed', frame: 5 }, cutoff: 2.5,
      style: { fontFamily: 'sans', fontSize: 8, colormap: 'magma' }, dpi: 600, preset: 'aps-double',
    });
    const manual = figureSpec({ ...SNAPSHOT, rangeMode: 'manual', manualMin: 0.1, manualMax: 0.9, refMode: 'lag', lag: 4 }, choose({ size: 'aps-single' }));
    expect(manual).toMatchObject({ range: { min: 0.1, max: 0.9 }, reference: { mode: 'lag', lag: 4 }, preset: 'aps-single' });
  });

  it('vectors: the arrows and the panes\' arrow scale; raster particle layer at the chosen DPI; custom size', () => {
    const s = figureSpec(SNAPSHOT, choose({ kind: 'vectors', vector: 'displacement', rasterParticles: true, dpi: 1200, size: 'custom', width: ' 8.6cm ', height: '' }));
    expect(s).toMatchObject({ kind: 'vectors', vector: 'displacement', dpi: 1200 });
    expect(s.style).toEqual({ fontFamily: 'sans', fontSize: 8, colormap: 'magma', width: '8.6cm', rasterParticles: true, rasterDpi: 1200, arrowScale: 3 });
    expect(s.preset).toBeUndefined();
    expect(s.field).toBeUndefined();
  });

  it('timeline: MSD and the second series, the avalanche tags as marks, the axes; no frames bracket or cutoff', () => {
    const s = figureSpec(SNAPSHOT, choose({ kind: 'timeline', rasterParticles: true }));
    expect(s).toMatchObject({ kind: 'timeline', frame: 18, series: ['msd', 'energy'], potential: 'wca', temperature: 0.4, marks: [7, 40], xAxis: 'time' });
    expect(s.style).toEqual({ fontFamily: 'sans', fontSize: 8, colormap: 'magma', logX: false, logY: true });
    expect(s.before).toBeUndefined();
    expect(s.cutoff).toBeUndefined();
    expect(figureSpec({ ...SNAPSHOT, secondSeries: '' }, choose({ kind: 'timeline', markTags: false }))).not.toHaveProperty('marks');
    expect(avalancheFrames(SNAPSHOT.tags)).toEqual([7, 40]);
  });

  it('distribution uses the histogram\'s log scale; grid, heatmap and scatter send their fields', () => {
    expect(figureSpec(SNAPSHOT, choose({ kind: 'distribution' }))).toMatchObject({ field: 'd2min', style: { logY: true } });
    expect(figureSpec(SNAPSHOT, choose({ kind: 'grid', fields: ['d2min', 'det_h'] })).fields).toEqual(['d2min', 'det_h']);
    expect(figureSpec(SNAPSHOT, choose({ kind: 'scatter', fields: ['d2min', 'e_norm', 'k'] })).fields).toEqual(['d2min', 'e_norm', 'k']);
  });

  it('the Softness panel\'s model goes to the kinds that take it (Zhang Figs. 5-8, figures of ml_softness), not to the others', () => {
    const withModel = { ...SNAPSHOT, modelPath: '/models/m.json' };
    for (const kind of ['softness_distribution', 'softness_change', 'onset_strain'] as const) {
      expect(figureSpec(withModel, choose({ kind }, withModel)).params).toEqual({ model: '/models/m.json' });
    }
    expect(figureSpec(withModel, choose({ kind: 'fields', field: 'ml_softness' }, withModel)).params).toEqual({ model: '/models/m.json' });
    expect(figureSpec(withModel, choose({ kind: 'scatter', fields: ['d2min', 'ml_softness'] }, withModel)).params).toEqual({ model: '/models/m.json' });
    for (const kind of ['fields', 'rearranger_strain', 'timeline'] as const) expect(figureSpec(withModel, choose({ kind }, withModel)).params).toBeUndefined();
    expect(figureSpec(SNAPSHOT, choose({ kind: 'softness_change' })).params).toBeUndefined();
  });

  it('every kind\'s spec passes the API\'s check and the engine\'s normalizeSpec', () => {
    for (const kind of FIGURE_KINDS) {
      const spec: FigureSpecRequest = figureSpec(SNAPSHOT, choose({ kind, fields: defaultFields(kind, SNAPSHOT.field), format: 'png', size: 'custom', width: '3.375in', height: '6cm' }));
      const checked = validateRequest('exportFigure', { trajectoryId: 1, spec, out: '/tmp/fig.png' });
      expect((checked.params as { spec: unknown }).spec).toEqual(spec);
      const full = normalizeSpec({ ...spec, trajectory: SNAPSHOT.trajectoryPath });
      expect(full.kind).toBe(kind);
      expect(full.style.width).toBeCloseTo(243, 9);
      expect(full.style.height).toBeCloseTo((6 / 2.54) * 72, 9);
    }
  });
});

describe('output path and size', () => {
  it('defaults next to the trajectory as <stem>-<kind>-f<frame>.<ext>', () => {
    expect(defaultFigurePath('/data/glass/run.lammpstrj.gz', 'fields', 18, 'pdf')).toBe('/data/glass/run-fields-f18.pdf');
    expect(defaultFigurePath('/demo.gsd', 'timeline', 0, 'svg')).toBe('/demo-timeline-f0.svg');
    expect(defaultFigurePath('C:\\runs\\a.b.xtc', 'grid', 3, 'tiff')).toBe('C:\\runs\\a.b-grid-f3.tiff');
  });

  it('the format follows the extension and the extension the format', () => {
    expect(formatOfPath('/x/fig.PDF')).toBe('pdf');
    expect(formatOfPath('/x/fig.tif')).toBe('tiff');
    expect(formatOfPath('/x/fig.tiff ')).toBe('tiff');
    expect(formatOfPath('/x/fig.eps')).toBeNull();
    expect(withFormat('/x/fig.pdf', 'png')).toBe('/x/fig.png');
    expect(withFormat('/x/fig.TIF', 'svg')).toBe('/x/fig.svg');
    expect(withFormat('/x.d/fig', 'svg')).toBe('/x.d/fig.svg');
    expect(withFormat('/x/fig.v2', 'pdf')).toBe('/x/fig.v2.pdf');
  });

  it('reads the size in inches with two decimals', () => {
    expect(sizeText(504, 162.04)).toBe('7.00 in × 2.25 in');
    expect(sizeText(243, 83.04)).toBe('3.38 in × 1.15 in');
  });
});
