import { describe, expect, it } from 'vitest';
import type { BoxJson } from '../../src/shared/api.js';
import { boxCorners, fitView, panBy, screenToWorld, worldToScreen, zoomAt } from '../../src/shared/view.js';
import { SpatialGrid } from '../../src/renderer/src/lib/spatial-grid.js';
import { mulberry32 } from '../../src/core/util/random.js';

const box: BoxJson = { origin: [-5, -5, -0.5], vectors: [[10, 0, 0], [2, 10, 0], [0, 0, 1]], periodic: [true, true, false] };

describe('the shared view', () => {
  it('fits a tilted box with a margin and maps world <-> screen (y up)', () => {
    expect(boxCorners(box)).toEqual([[-5, -5], [5, -5], [7, 5], [-3, 5]]);
    const v = fitView(box, 400, 300, 0);
    expect(v.cx).toBeCloseTo(1, 12);
    expect(v.cy).toBeCloseTo(0, 12);
    expect(v.scale).toBeCloseTo(30, 12);
    const [sx, sy] = worldToScreen(v, 1, 5, 400, 300);
    expect(sx).toBeCloseTo(200, 9);
    expect(sy).toBeCloseTo(0, 9);
    const [wx, wy] = screenToWorld(v, sx, sy, 400, 300);
    expect(wx).toBeCloseTo(1, 9);
    expect(wy).toBeCloseTo(5, 9);
  });

  it('zooms about the pointer (the point under it stays) and pans in screen pixels', () => {
    const v = fitView(box, 400, 300);
    const before = screenToWorld(v, 123, 77, 400, 300);
    const z = zoomAt(v, 2.5, 123, 77, 400, 300);
    expect(z.scale).toBeCloseTo(v.scale * 2.5, 9);
    const after = screenToWorld(z, 123, 77, 400, 300);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
    const p = panBy(z, 30, -20);
    const moved = worldToScreen(p, before[0], before[1], 400, 300);
    expect(moved[0]).toBeCloseTo(153, 9);
    expect(moved[1]).toBeCloseTo(57, 9);
  });
});

describe('picking particles', () => {
  it('finds the disk under a point as the brute force does', () => {
    const r = mulberry32(7);
    const n = 3000;
    const xy = new Float32Array(2 * n);
    const radii = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = r() * 60;
      xy[2 * i + 1] = r() * 40;
      radii[i] = 0.3 + 0.4 * r();
    }
    const grid = SpatialGrid.build(xy, radii, n);
    for (let k = 0; k < 500; k++) {
      const x = r() * 60;
      const y = r() * 40;
      let best = -1;
      let bestD = Infinity;
      for (let i = 0; i < n; i++) {
        const d2 = (xy[2 * i] - x) ** 2 + (xy[2 * i + 1] - y) ** 2;
        if (d2 <= radii[i] ** 2 && d2 < bestD) {
          best = i;
          bestD = d2;
        }
      }
      if (best >= 0) expect(grid.pick(x, y)).toBe(best);
      else expect(grid.pick(x, y)).toBe(-1);
    }
  });

  it('falls back to the nearest centre within the tolerance', () => {
    const xy = new Float32Array([0, 0, 10, 0]);
    const grid = SpatialGrid.build(xy, new Float32Array([0.5, 0.5]), 2);
    expect(grid.pick(0.8, 0, 1)).toBe(0);
    expect(grid.pick(2, 0, 0.5)).toBe(-1);
    expect(grid.pick(9.2, 0.1, 1)).toBe(1);
  });
});
