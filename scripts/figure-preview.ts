// Preview of the particle figure kinds (fields, vectors, grid) on a jammed Hertzian packing sheared in AQS steps:
//   npx tsx scripts/figure-preview.ts [OUT_DIR=/tmp/figB] [N=2000]    (PNGs via raster.ts, PDF sizes via pdf.ts)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../src/core/box.js';
import { gridFigure } from '../src/core/figures/grid.js';
import type { ParticlePanel } from '../src/core/figures/particle-layers.js';
import { fieldsFigure, vectorsFigure } from '../src/core/figures/particles.js';
import type { Scene } from '../src/core/figures/scene.js';
import { DEFAULT_STYLE, PRESETS, type FigureStyle } from '../src/core/figures/style.js';
import { fontMeasurer } from '../src/core/figures/text.js';
import { AqsRun } from '../src/core/sim/aqs.js';

const out = process.argv[2] ?? '/tmp/figB';
const n = Number(process.argv[3] ?? 2000);

interface Snapshot { box: Box; positions: Float64Array }

/** Three frames of a jammed packing: before, after one large strain step (the "event") and after the next. */
function shearedFrames(): Snapshot[] {
  const run = AqsRun.fromRandom({ n, seed: 7, followAvalanches: false });
  const frames: Snapshot[] = [{ box: run.box, positions: run.positions() }];
  for (let k = 0; k < 2; k++) {
    run.shearStep(0.02);
    frames.push({ box: run.box, positions: run.positions() });
  }
  return frames;
}

/** Non-affine displacement from `a` to `b` (simple shear of the box's tilt change), 2 components per particle. */
function nonAffine(a: Snapshot, b: Snapshot): Float32Array {
  const strain = (b.box.vectors[1][0] - a.box.vectors[1][0]) / a.box.vectors[1][1];
  const v = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const y = a.positions[3 * i + 1] - a.box.origin[1];
    v[2 * i] = b.positions[3 * i] - a.positions[3 * i] - strain * y;
    v[2 * i + 1] = b.positions[3 * i + 1] - a.positions[3 * i + 1];
  }
  return v;
}

/** Scalar stand-ins with the spatial structure of the event: |d_NA|², |d_NA|, a signed and a det-H-like field. */
function derived(v: Float32Array, kind: string): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [x, y] = [v[2 * i], v[2 * i + 1]];
    const m = Math.hypot(x, y);
    s[i] = kind === 'd2min' ? m * m : kind === 'e_norm' ? m : kind === 'eps_vol' ? x * y * 40 : 1 + x * y * 40;
  }
  if (kind === 'd2min') s[5] = NaN;
  return s;
}

function panels(frames: Snapshot[], values: (k: number) => Float32Array, components: number, diameters: Float64Array): ParticlePanel[] {
  const titles = ['before (frame 141)', 'at (frame 142)', 'after (frame 143)'];
  return frames.map((f, k) => ({ title: titles[k], box: f.box, positions: f.positions, diameters, values: values(k), components }));
}

async function write(name: string, scene: Scene): Promise<void> {
  const started = Date.now();
  try {
    const { sceneToPng } = await import('../src/core/figures/raster.js');
    writeFileSync(join(out, `${name}.png`), sceneToPng(scene, 200));
  } catch (e) {
    console.log(`${name}: no PNG (${(e as Error).message})`);
  }
  let pdfSize = '';
  try {
    const { sceneToPdf } = await import('../src/core/figures/pdf.js');
    const pdf = await sceneToPdf(scene);
    writeFileSync(join(out, `${name}.pdf`), pdf);
    pdfSize = `, PDF ${(pdf.length / 1024).toFixed(0)} kB`;
  } catch (e) {
    pdfSize = `, no PDF (${(e as Error).message})`;
  }
  console.log(`${name}: ${scene.width.toFixed(0)} x ${scene.height.toFixed(0)} pt${pdfSize}, ${Date.now() - started} ms`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const t0 = Date.now();
  const frames = shearedFrames();
  console.log(`packing of ${n} disks sheared: ${Date.now() - t0} ms`);
  // randomHertzPacking: radii 0.5 (even) and 0.7 (odd).
  const diameters = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 1.4));
  const na = [nonAffine(frames[0], frames[1]), nonAffine(frames[0], frames[1]), nonAffine(frames[1], frames[2])];
  const style: FigureStyle = { ...DEFAULT_STYLE };
  const single: FigureStyle = { ...DEFAULT_STYLE, width: PRESETS['aps-single'].width };
  const field = (kind: string): ParticlePanel[] => panels(frames, (k) => derived(na[k], kind), 1, diameters);
  await write('fields-d2min', fieldsFigure({ field: 'd2min', panels: field('d2min') }, style, fontMeasurer));
  await write('fields-eps-vol-single', fieldsFigure({ field: 'eps_vol', panels: field('eps_vol') }, single, fontMeasurer));
  await write('fields-det-h-raster', fieldsFigure({ field: 'det_h', panels: field('det_h') }, { ...style, rasterParticles: true, rasterDpi: 300 }, fontMeasurer));
  await write('vectors-na', vectorsFigure({ vector: 'na', panels: panels(frames, (k) => na[k], 2, diameters) }, style, fontMeasurer));
  await write('vectors-na-single', vectorsFigure({ vector: 'na', panels: panels(frames, (k) => na[k], 2, diameters) }, single, fontMeasurer));
  const rows = ['d2min', 'e_norm', 'eps_vol', 'det_h'].map((f) => ({ field: f, panels: field(f) }));
  await write('grid', gridFigure({ rows }, style, fontMeasurer));
  await write('grid-single', gridFigure({ rows }, single, fontMeasurer));
}

void main();
