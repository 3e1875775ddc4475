// `npm run bench -- figures`: publication figures from a 2D glass-like trajectory (triangular lattice with
// polydisperse diameters and thermal noise, a local rearrangement at frame 2): wall time (field cache warm,
// medians of 3) and file size per format, at N = 2000 (target: a 3-panel PDF under 1 MB) and N = 100 000
// (vector particles, and the raster particle layer option).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFigure } from '../../src/core/figures/build.js';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import { machine, median, rng } from './util.js';

function writeGlass(file: string, side: number, frames: number): void {
  const n = side * side;
  const a = 1.0, lx = side * a, ly = side * a * Math.sqrt(3) / 2;
  const r = rng(7);
  const base = new Float64Array(3 * n);
  const diameter = new Float32Array(n);
  for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) {
    const k = j * side + i;
    base[3 * k] = (i + 0.5 * (j % 2)) * a - lx / 2;
    base[3 * k + 1] = j * a * Math.sqrt(3) / 2 - ly / 2;
    diameter[k] = 0.85 + 0.15 * r();
  }
  const w = GsdWriter.create(file);
  const pos = new Float64Array(3 * n);
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < n; k++) {
      // From frame 2 on, particles within 4 of the centre are displaced by a swirl: a localized rearrangement.
      const x = base[3 * k]!, y = base[3 * k + 1]!, d = Math.hypot(x, y);
      const swirl = f >= 2 && d < 4 ? 0.3 * (1 - d / 4) : 0;
      pos[3 * k] = x - swirl * y / Math.max(d, 1e-9) + (r() - 0.5) * 0.03;
      pos[3 * k + 1] = y + swirl * x / Math.max(d, 1e-9) + (r() - 0.5) * 0.03;
    }
    w.writeFrame({ step: 1000 * f, box: [lx, ly, 1, 0, 0, 0], dimensions: 2, positions: pos, diameter });
  }
  w.close();
}

async function measure(label: string, spec: Record<string, unknown>, out: string, repeats = 3): Promise<void> {
  await buildFigure(spec, out); // fills the field cache
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await buildFigure(spec, out);
    times.push(performance.now() - t0);
  }
  const kb = statSync(out).size / 1024;
  console.log(`  ${label.padEnd(52)} ${median(times).toFixed(0).padStart(6)} ms   ${kb >= 1024 ? `${(kb / 1024).toFixed(2)} MB` : `${kb.toFixed(0)} KB`}`);
}

const work = mkdtempSync(join(tmpdir(), 'avw-bench-fig-'));
try {
  console.log(`figures benchmark: ${machine()}`);
  for (const side of [45, 316]) {
    const file = join(work, `glass-${side}.gsd`);
    writeGlass(file, side, 4);
    const n = side * side;
    console.log(`N = ${n} (3 panels: frames 1, 2, 3; D2min against the previous frame)`);
    const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ kind: 'fields', trajectory: file, indexDir: join(work, 'index'), frame: 2, field: 'd2min', ...extra });
    await measure('fields, PDF, APS double column, vector particles', spec(), join(work, `f${n}.pdf`));
    await measure('fields, SVG', spec(), join(work, `f${n}.svg`));
    await measure('fields, PDF, raster particle layer at 600 dpi', spec({ style: { rasterParticles: true } }), join(work, `f${n}-r.pdf`));
    if (n <= 10000) {
      await measure('fields, PNG at 600 dpi', spec({ dpi: 600 }), join(work, `f${n}.png`));
      await measure('grid d2min, e_norm, eps_vol, det_h, PDF', { ...spec(), kind: 'grid', fields: ['d2min', 'e_norm', 'eps_vol', 'det_h'] }, join(work, `g${n}.pdf`));
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
