// The shared 2D view of the three panes: a centre in world units and a scale in CSS pixels per world unit,
// world y pointing up. Pure functions; the panes apply the same view so that pan and zoom stay locked.
import type { BoxJson } from './api.js';

export interface View { cx: number; cy: number; scale: number }

/** The corners of the box's xy face (origin, +a, +a+b, +b). */
export function boxCorners(box: BoxJson): [number, number][] {
  const [ox, oy] = box.origin;
  const [a, b] = box.vectors;
  return [[ox, oy], [ox + a[0], oy + a[1]], [ox + a[0] + b[0], oy + a[1] + b[1]], [ox + b[0], oy + b[1]]];
}

/** A view showing the whole box in a width x height area with a margin. */
export function fitView(box: BoxJson, width: number, height: number, margin = 0.03): View {
  const c = boxCorners(box);
  const xs = c.map((p) => p[0]);
  const ys = c.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const w = Math.max(x1 - x0, 1e-9);
  const h = Math.max(y1 - y0, 1e-9);
  const scale = Math.min(width / w, height / h) * (1 - 2 * margin);
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: Math.max(scale, 1e-9) };
}

export function worldToScreen(v: View, x: number, y: number, width: number, height: number): [number, number] {
  return [(x - v.cx) * v.scale + width / 2, height / 2 - (y - v.cy) * v.scale];
}

export function screenToWorld(v: View, px: number, py: number, width: number, height: number): [number, number] {
  return [(px - width / 2) / v.scale + v.cx, (height / 2 - py) / v.scale + v.cy];
}

/** Zoom by `factor` keeping the world point under (px, py) fixed. */
export function zoomAt(v: View, factor: number, px: number, py: number, width: number, height: number): View {
  const [wx, wy] = screenToWorld(v, px, py, width, height);
  const scale = Math.min(1e6, Math.max(1e-6, v.scale * factor));
  return { scale, cx: wx - (px - width / 2) / scale, cy: wy - (height / 2 - py) / scale };
}

/** Pan by a screen displacement (dx, dy) in CSS pixels. */
export function panBy(v: View, dx: number, dy: number): View {
  return { scale: v.scale, cx: v.cx - dx / v.scale, cy: v.cy + dy / v.scale };
}
