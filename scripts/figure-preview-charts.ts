// Builds every chart kind (timeline, distribution, heat map, scatter matrix, colour bars) from synthetic data and
// writes PNGs to /tmp/figC/ for a visual check:  npx tsx scripts/figure-preview-charts.ts [outDir] [dpi]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STYLE, PRESETS, type FigureStyle } from '../src/core/figures/style.js';
import type { Scene, TextMeasurer } from '../src/core/figures/scene.js';
import { fieldLabel, seriesLabel } from '../src/core/figures/labels.js';
import { layoutColourBar } from '../src/core/figures/colourbar.js';
import { timelineFigure } from '../src/core/figures/timeline.js';
import { distributionFigure } from '../src/core/figures/distribution.js';
import { heatmapFigure } from '../src/core/figures/heatmap.js';
import { scatterMatrixFigure } from '../src/core/figures/scatter.js';
import { gaussian } from '../src/core/util/random.js';

function series(n: number, f: (i: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => f(i));
}

export function previewScenes(style: FigureStyle, measure: TextMeasurer): Record<string, Scene> {
  const g = gaussian(7);
  const frames = series(200, (i) => i);
  const event = 120;
  const msd = series(200, (i) => 1e-4 * (i + 1) ** 1.1 * (i >= event ? 8 : 1));
  const energy = series(200, (i) => -2.71 + 1e-4 * i - (i >= event ? 0.004 : 0) + 2e-4 * g());
  const stress = series(200, (i) => 0.02 * (i % event) / event - (i >= event ? 0.018 : 0) + 5e-4 * g());
  const timeline = timelineFigure({
    x: frames, xLabel: 'frame',
    panels: [{ label: seriesLabel('msd'), values: msd, logY: true }, { label: seriesLabel('energy'), values: energy }, { label: seriesLabel('stress_xy'), values: stress }],
    marks: [{ x: event, kind: 'event', label: 'avalanche' }, { x: 60, kind: 'tag', label: 'tag' }, { x: 170, kind: 'tag' }],
  }, style, measure);
  const shortT = timelineFigure({
    x: series(30, (i) => i * 1000), xLabel: 'time (steps)',
    panels: [{ label: seriesLabel('msd_com'), values: series(30, (i) => 1e-3 * (i + 1) ** 1.5) }],
    marks: [{ x: 15000, kind: 'event', label: 'event' }],
  }, { ...style, logX: true, logY: true }, measure);
  const before = series(4000, () => Math.exp(0.5 * g()) * 0.01);
  const after = series(4000, () => Math.exp(0.9 * g() + 0.8) * 0.01);
  const at = series(4000, () => Math.exp(0.7 * g() + 0.4) * 0.01);
  const dist = distributionFigure({ xLabel: fieldLabel('d2min'), bins: 40, range: { min: 0, max: 0.12 }, curves: [
    { label: 'before (frame 119)', values: before, role: 'before' }, { label: 'at (frame 120)', values: at, role: 'at' }, { label: 'after (frame 121)', values: after, role: 'after' },
  ] }, style, measure);
  const temps = [0.23, 0.3, 0.4, 0.5, 0.6];
  const family = distributionFigure({ xLabel: fieldLabel('eps_vol'), bins: 50, curves: temps.map((t) => ({
    label: `\\it{T} = ${t.toFixed(2)}`, values: series(5000, () => t * 0.02 * g()), role: 'family' as const,
  })) }, { ...style, logY: true }, measure);
  const names = ['d2min', 'na', 'e_norm', 'eps_vol', 'det_h', 'softness'];
  const k = names.length;
  const base = names.map(() => series(3000, () => g()));
  const columns = base.map((c, i) => series(3000, (r) => c[r]! + (i > 0 ? (0.9 - 0.3 * i) * base[0]![r]! : 0)));
  const corr = (a: Float64Array, b: Float64Array): number => {
    const n = a.length;
    const ma = a.reduce((s, v) => s + v, 0) / n;
    const mb = b.reduce((s, v) => s + v, 0) / n;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < n; i++) {
      ab += (a[i]! - ma) * (b[i]! - mb);
      aa += (a[i]! - ma) ** 2;
      bb += (b[i]! - mb) ** 2;
    }
    return ab / Math.sqrt(aa * bb);
  };
  const pearson = series(k * k, (q) => corr(columns[Math.floor(q / k)]!, columns[q % k]!));
  const spearman = pearson.map((v) => Math.sign(v) * Math.abs(v) ** 1.1);
  const heat = heatmapFigure({ names: names.map(fieldLabel), matrices: [{ title: 'Pearson', values: pearson }, { title: 'Spearman', values: spearman }] }, style, measure);
  const scatter = scatterMatrixFigure({ names: names.slice(0, 4).map(fieldLabel), columns: columns.slice(0, 4) }, style, measure);
  const bigN = scatterMatrixFigure({ names: [fieldLabel('d2min'), fieldLabel('k')], columns: [series(20000, () => g()), series(20000, () => g())] }, { ...style, width: PRESETS['aps-single'].width }, measure);
  const bars = (['vertical', 'horizontal'] as const).map((orientation) => layoutColourBar({
    colormap: orientation === 'vertical' ? 'viridis' : 'rdbu', min: orientation === 'vertical' ? 0 : -0.003, max: 0.003, label: fieldLabel(orientation === 'vertical' ? 'd2min' : 'eps_vol'),
    orientation, length: 150, extendMax: true, extendMin: orientation === 'horizontal', style, measure,
  }));
  const colourbars: Scene = {
    width: bars[0]!.width + bars[1]!.width + 30, height: Math.max(bars[0]!.height, bars[1]!.height) + 20, fontFamily: style.fontFamily,
    items: [...bars[0]!.draw(10, 10), ...bars[1]!.draw(bars[0]!.width + 20, 10)],
  };
  return { timeline, 'timeline-short-loglog': shortT, distribution: dist, 'distribution-family-logy': family, heatmap: heat, scatter, 'scatter-20000': bigN, colourbars };
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/figC';
  const dpi = Number(process.argv[3] ?? 200);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const { fontMeasurer } = await import('../src/core/figures/text.js');
  const rasterPath = join(here, '../src/core/figures/raster.ts');
  const raster = existsSync(rasterPath) ? await import('../src/core/figures/raster.js') : null;
  mkdirSync(out, { recursive: true });
  for (const [preset, width] of [['double', PRESETS['aps-double'].width], ['single', PRESETS['aps-single'].width]] as const) {
    const scenes = previewScenes({ ...DEFAULT_STYLE, width }, fontMeasurer);
    for (const [name, scene] of Object.entries(scenes)) {
      if (!raster) {
        console.log(`${name}: ${scene.width.toFixed(0)} x ${scene.height.toFixed(0)} pt (no raster.ts: no PNG)`);
        continue;
      }
      const file = join(out, `${name}-${preset}.png`);
      writeFileSync(file, raster.sceneToPng(scene, dpi));
      console.log(`${file}: ${scene.width.toFixed(0)} x ${scene.height.toFixed(0)} pt`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
