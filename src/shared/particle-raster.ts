// The CPU path of the particle panes for large systems: disks (anti-aliased edge, a darker rim once they are a
// few pixels wide) and arrows rasterized into an RGBA pixel buffer that the pane shows as one texture. Only
// particles inside the view cost more than a bounds check, so a frame costs about n checks plus the pane's
// pixels, whatever the zoom: at N = 100 000 a few milliseconds, where a software WebGL (SwiftShader, as in
// headless Chromium) needs hundreds to transform 400 000 quad vertices. Pure TypeScript, no DOM.
import type { View } from './view.js';

export interface RasterTarget {
  /** Size in device pixels. */
  width: number;
  height: number;
  /** width * height packed colours, bytes r, g, b, a in memory (little-endian). */
  pixels: Uint32Array;
  /** Scratch for sub-pixel disks (r, g, b, weight per pixel), reused when large enough. */
  accumulator?: Float32Array;
}

export interface RasterScene {
  n: number;
  /** 2n world positions. */
  xy: Float32Array;
  radii: Float32Array;
  /** n packed colours. */
  colours: Uint32Array;
  view: View;
  /** CSS pixels of the pane and device pixels per CSS pixel. */
  cssWidth: number;
  cssHeight: number;
  resolution: number;
  background?: number;
  /** Minimum drawn radius in device pixels (tiny disks stay visible). */
  minRadius?: number;
}

export interface RasterArrows {
  /** n * components vectors (the first two components are drawn). */
  vectors: Float32Array;
  components: number;
  scale: number;
  colour?: number;
}

const WHITE = 0xffffffff;

function blend(dst: number, src: number, a: number): number {
  // a in [0, 1]: src over dst, per byte (alpha stays opaque).
  const ia = 1 - a;
  const r = ((src & 255) * a + (dst & 255) * ia) | 0;
  const g = (((src >>> 8) & 255) * a + ((dst >>> 8) & 255) * ia) | 0;
  const b = (((src >>> 16) & 255) * a + ((dst >>> 16) & 255) * ia) | 0;
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

function darken(c: number, k: number): number {
  const r = ((c & 255) * k) | 0;
  const g = (((c >>> 8) & 255) * k) | 0;
  const b = (((c >>> 16) & 255) * k) | 0;
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Rasterize the disks (and optional arrows) of a scene into the target; returns the number of disks drawn. */
export function rasterize(t: RasterTarget, s: RasterScene, arrows?: RasterArrows | null): number {
  const { width: W, height: H, pixels } = t;
  pixels.fill(s.background ?? WHITE, 0, W * H);
  const k = s.view.scale * s.resolution;
  const ox = (s.cssWidth / 2) * s.resolution - s.view.cx * k;
  const oy = (s.cssHeight / 2) * s.resolution + s.view.cy * k;
  const minR = s.minRadius ?? 0.8;
  const { xy, radii, colours } = s;
  let drawn = 0;
  let acc: Float32Array | null = null;
  for (let i = 0; i < s.n; i++) {
    const cx = xy[2 * i] * k + ox;
    const cy = oy - xy[2 * i + 1] * k;
    let r = radii[i] * k;
    if (r < 1.25) {
      // About a pixel across or less: the disk's area is splatted bilinearly into the 4 nearest pixels, whose
      // colour becomes the area-weighted mean (no holes, no aliasing when disks are denser than pixels).
      if (cx < -1 || cy < -1 || cx > W || cy > H) continue;
      drawn++;
      if (!acc) {
        acc = t.accumulator && t.accumulator.length >= 4 * W * H ? t.accumulator : new Float32Array(4 * W * H);
        t.accumulator = acc;
        acc.fill(0, 0, 4 * W * H);
      }
      const c = colours[i];
      const rr = r > 0.5 ? r : 0.5;
      const area = Math.PI * rr * rr;
      const fx = cx - 0.5;
      const fy = cy - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const ax = fx - x0;
      const ay = fy - y0;
      const cr = c & 255;
      const cg = (c >>> 8) & 255;
      const cb = (c >>> 16) & 255;
      const w00 = area * (1 - ax) * (1 - ay);
      const w10 = area * ax * (1 - ay);
      const w01 = area * (1 - ax) * ay;
      const w11 = area * ax * ay;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        let o = 4 * (y0 * W + x0);
        acc[o] += cr * w00; acc[o + 1] += cg * w00; acc[o + 2] += cb * w00; acc[o + 3] += w00;
        acc[o + 4] += cr * w10; acc[o + 5] += cg * w10; acc[o + 6] += cb * w10; acc[o + 7] += w10;
        o += 4 * W;
        acc[o] += cr * w01; acc[o + 1] += cg * w01; acc[o + 2] += cb * w01; acc[o + 3] += w01;
        acc[o + 4] += cr * w11; acc[o + 5] += cg * w11; acc[o + 6] += cb * w11; acc[o + 7] += w11;
      } else {
        const ws = [w00, w10, w01, w11];
        for (let q = 0; q < 4; q++) {
          const px = x0 + (q & 1);
          const py = y0 + (q >> 1);
          if (px < 0 || py < 0 || px >= W || py >= H) continue;
          const w = ws[q];
          const o = 4 * (py * W + px);
          acc[o] += cr * w;
          acc[o + 1] += cg * w;
          acc[o + 2] += cb * w;
          acc[o + 3] += w;
        }
      }
      continue;
    }
    if (r < minR) r = minR;
    if (cx + r < 0 || cy + r < 0 || cx - r >= W || cy - r >= H) continue;
    drawn++;
    const c = colours[i];
    const rim = r > 3 ? darken(c, 0.6) : c;
    const rimStart = r - 1.6;
    const x0 = Math.max(0, Math.floor(cx - r - 0.5));
    const x1 = Math.min(W - 1, Math.ceil(cx + r + 0.5));
    const y0 = Math.max(0, Math.floor(cy - r - 0.5));
    const y1 = Math.min(H - 1, Math.ceil(cy + r + 0.5));
    const rOut = r + 0.5;
    const rOut2 = rOut * rOut;
    const rIn = r - 0.5;
    const rIn2 = rIn > 0 ? rIn * rIn : 0;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      const dy2 = dy * dy;
      if (dy2 > rOut2) continue;
      const row = y * W;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const d2 = dx * dx + dy2;
        if (d2 >= rOut2) continue;
        let col = c;
        if (r > 3) {
          const d = Math.sqrt(d2);
          if (d > rimStart) col = rim;
          if (d2 > rIn2) {
            pixels[row + x] = blend(pixels[row + x], col, rOut - d);
            continue;
          }
        } else if (d2 > rIn2) {
          pixels[row + x] = blend(pixels[row + x], col, Math.min(1, rOut - Math.sqrt(d2)));
          continue;
        }
        pixels[row + x] = col;
      }
    }
  }
  if (acc) {
    for (let p = 0, o = 0, e = W * H; p < e; p++, o += 4) {
      const w = acc[o + 3];
      if (w <= 0) continue;
      if (w >= 1) {
        const inv = 1 / w;
        pixels[p] = ((255 << 24) | ((acc[o + 2] * inv + 0.5) << 16) | ((acc[o + 1] * inv + 0.5) << 8) | (acc[o] * inv + 0.5)) >>> 0;
      } else {
        // Partly covered: the mean colour over what was there (the background).
        const d = pixels[p];
        const ia = 1 - w;
        pixels[p] = ((255 << 24) | ((acc[o + 2] + ((d >>> 16) & 255) * ia + 0.5) << 16) | ((acc[o + 1] + ((d >>> 8) & 255) * ia + 0.5) << 8)
          | (acc[o] + (d & 255) * ia + 0.5)) >>> 0;
      }
    }
  }
  if (arrows) drawArrows(t, s, arrows, k, ox, oy);
  return drawn;
}

function drawArrows(t: RasterTarget, s: RasterScene, a: RasterArrows, k: number, ox: number, oy: number): void {
  const { width: W, height: H, pixels } = t;
  const colour = a.colour ?? 0xff141010;
  const line = (x0: number, y0: number, x1: number, y1: number): void => {
    const steps = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
    if (steps > 4 * (W + H)) return;
    for (let j = 0; j <= steps; j++) {
      const f = steps ? j / steps : 0;
      const x = (x0 + (x1 - x0) * f) | 0;
      const y = (y0 + (y1 - y0) * f) | 0;
      if (x >= 0 && y >= 0 && x < W && y < H) pixels[y * W + x] = colour;
    }
  };
  const { xy } = s;
  const m = a.components;
  for (let i = 0; i < s.n; i++) {
    const vx = a.vectors[i * m] * a.scale * k;
    const vy = (m > 1 ? a.vectors[i * m + 1] : 0) * a.scale * k;
    if (!Number.isFinite(vx) || !Number.isFinite(vy) || vx * vx + vy * vy < 1) continue;
    const x0 = xy[2 * i] * k + ox;
    const y0 = oy - xy[2 * i + 1] * k;
    const x1 = x0 + vx;
    const y1 = y0 - vy;
    if (Math.max(x0, x1) < 0 || Math.max(y0, y1) < 0 || Math.min(x0, x1) >= W || Math.min(y0, y1) >= H) continue;
    line(x0, y0, x1, y1);
    // Head: two strokes back from the tip, 22 % of the length at +-0.12 across (as the GPU arrows).
    const bx = x1 - 0.22 * vx;
    const by = y1 + 0.22 * vy;
    line(x1, y1, bx - 0.12 * vy, by - 0.12 * vx);
    line(x1, y1, bx + 0.12 * vy, by + 0.12 * vx);
  }
}
