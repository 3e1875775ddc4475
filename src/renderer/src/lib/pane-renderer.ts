// One particle pane drawn with Pixi.js v8 (WebGL): the particles are ONE mesh of n quads (4 vertices each:
// corner, centre, radius and colour in separate GPU buffers; a static index buffer) whose fragment shader cuts
// a disk, so that 100 000 particles cost one draw call. A frame change re-uploads only centres (and radii when
// they differ), a field change only colours. Quads rather than instancing: software WebGL (SwiftShader, as in
// headless Chromium) runs instanced draws about 20 times slower, and GPUs do not mind either way. Arrows are a
// second mesh of line segments (6 vertices each). Above RASTER_THRESHOLD particles the disks (and arrows) are
// rasterized on the CPU instead (raster.ts) and shown as one texture: the level of detail for large systems,
// where each disk is a pixel or two at the fitted view. The box outline and the highlight ring are Graphics.
// Rendering happens on demand (no ticker).
import 'pixi.js/unsafe-eval';
import {
  Buffer as PixiBuffer, BufferImageSource, BufferUsage, Container, Geometry, GlProgram, Graphics, Mesh, Shader, Sprite, Texture, WebGLRenderer,
} from 'pixi.js';
import type { BoxJson } from '#shared/api.js';
import { rasterize } from '#shared/particle-raster.js';
import { boxCorners, type View } from '#shared/view.js';

/** The colour of the rearranger outlines. */
export const OUTLINE_COLOUR = 0x22dd22;

/** Above this many particles the disks are rasterized on the CPU (override with ?particles=gpu or ?particles=cpu). */
export const RASTER_THRESHOLD = 20_000;
const FORCED = new URLSearchParams(location.search).get('particles');

function useRaster(n: number): boolean {
  if (FORCED === 'gpu') return false;
  if (FORCED === 'cpu') return true;
  return n > RASTER_THRESHOLD;
}

const DISK_VERTEX = `#version 300 es
in vec2 aPosition;
in vec2 aCenter;
in float aRadius;
in vec4 aColor;
uniform mat3 uProjectionMatrix;
uniform mat3 uWorldTransformMatrix;
uniform mat3 uTransformMatrix;
uniform float uPixel;
out vec2 vCorner;
out vec4 vColor;
out float vPxRadius;
void main() {
  // Never smaller than ~1.6 px across, and one pixel of padding for the anti-aliased edge.
  float r = max(aRadius, 0.8 * uPixel);
  float pad = r + uPixel;
  vec2 p = aCenter + aPosition * pad;
  mat3 m = uProjectionMatrix * uWorldTransformMatrix * uTransformMatrix;
  gl_Position = vec4((m * vec3(p, 1.0)).xy, 0.0, 1.0);
  vCorner = aPosition * (pad / r);
  vColor = aColor;
  vPxRadius = r / uPixel;
}
`;

const DISK_FRAGMENT = `#version 300 es
in vec2 vCorner;
in vec4 vColor;
in float vPxRadius;
out vec4 finalColor;
void main() {
  float d = length(vCorner);
  float aa = 1.0 / max(vPxRadius, 0.5);
  float alpha = 1.0 - smoothstep(1.0 - aa, 1.0 + 0.5 * aa, d);
  if (alpha <= 0.0) discard;
  vec3 c = vColor.rgb;
  // A thin darker rim separates touching disks once they are a few pixels wide.
  if (vPxRadius > 3.0) c = mix(c, c * 0.6, smoothstep(1.0 - 2.2 * aa, 1.0 - 0.8 * aa, d));
  finalColor = vec4(c * alpha, alpha);
}
`;

const ARROW_VERTEX = `#version 300 es
in vec2 aPosition;
in vec2 aStart;
in vec2 aVec;
uniform mat3 uProjectionMatrix;
uniform mat3 uWorldTransformMatrix;
uniform mat3 uTransformMatrix;
uniform float uArrowScale;
void main() {
  vec2 v = aVec * uArrowScale;
  vec2 perp = vec2(-v.y, v.x);
  vec2 p = aStart + v * aPosition.x + perp * aPosition.y;
  mat3 m = uProjectionMatrix * uWorldTransformMatrix * uTransformMatrix;
  gl_Position = vec4((m * vec3(p, 1.0)).xy, 0.0, 1.0);
}
`;

const ARROW_FRAGMENT = `#version 300 es
out vec4 finalColor;
void main() {
  finalColor = vec4(0.05, 0.05, 0.08, 1.0) * 0.85;
}
`;

// Shaft (0,0)-(1,0) and two head strokes, as a line list: 6 vertices per arrow.
const ARROW_SHAPE = [0, 0, 1, 0, 1, 0, 0.78, 0.12, 1, 0, 0.78, -0.12];
const QUAD = [-1, -1, 1, -1, 1, 1, -1, 1];

/** Per-vertex corners of n quads (static). */
function quadCorners(n: number): Float32Array {
  const out = new Float32Array(8 * n);
  for (let i = 0; i < n; i++) out.set(QUAD, 8 * i);
  return out;
}

function quadIndices(n: number): Uint32Array {
  const out = new Uint32Array(6 * n);
  for (let i = 0, v = 0, k = 0; i < n; i++, v += 4, k += 6) {
    out[k] = v;
    out[k + 1] = v + 1;
    out[k + 2] = v + 2;
    out[k + 3] = v;
    out[k + 4] = v + 2;
    out[k + 5] = v + 3;
  }
  return out;
}

function arrowShapes(n: number): Float32Array {
  const out = new Float32Array(12 * n);
  for (let i = 0; i < n; i++) out.set(ARROW_SHAPE, 12 * i);
  return out;
}

function vertexBuffer(data: Float32Array | Uint32Array): PixiBuffer {
  return new PixiBuffer({ data, usage: BufferUsage.VERTEX | BufferUsage.COPY_DST, shrinkToFit: false });
}

interface Disks {
  n: number;
  mesh: Mesh<Geometry, Shader>;
  centres: PixiBuffer;
  radii: PixiBuffer;
  colours: PixiBuffer;
  /** The radii uploaded last (one per particle), to skip identical uploads. */
  lastRadii: Float32Array;
  hasRadii: boolean;
}

interface Arrows {
  n: number;
  mesh: Mesh<Geometry, Shader>;
  starts: PixiBuffer;
  vecs: PixiBuffer;
}

export interface PaneRendererOptions {
  canvas: HTMLCanvasElement;
  width: number;
  height: number;
  resolution?: number;
}

export class PaneRenderer {
  readonly renderer: WebGLRenderer;
  private readonly stage = new Container();
  private readonly world = new Container();
  private readonly boxOutline = new Graphics();
  private readonly ring = new Graphics();
  private readonly outlines = new Graphics();
  /** Outlined particles (x, y, r triples in world coordinates), or null. */
  private outlineAt: Float32Array | null = null;
  private disks: Disks | null = null;
  private arrows: Arrows | null = null;
  private readonly diskShader: Shader;
  private readonly arrowShader: Shader;
  private box: BoxJson | null = null;
  private view: View = { cx: 0, cy: 0, scale: 1 };
  private width: number;
  private height: number;
  private ringAt: { x: number; y: number; r: number } | null = null;
  private visibleParticles = true;
  // The CPU path: the scene by reference, the pixel buffer and the sprite that shows it.
  private raster = false;
  private scene: { n: number; xy: Float32Array; radii: Float32Array; colours: Uint32Array | null } | null = null;
  private arrowScene: { vectors: Float32Array; components: number; scale: number } | null = null;
  private rasterDirty = true;
  private rasterSprite: Sprite | null = null;
  private rasterSource: BufferImageSource | null = null;
  private rasterPixels: Uint32Array | null = null;

  private constructor(renderer: WebGLRenderer, width: number, height: number) {
    this.renderer = renderer;
    this.width = width;
    this.height = height;
    this.stage.eventMode = 'none';
    this.stage.addChild(this.world);
    this.diskShader = new Shader({
      glProgram: new GlProgram({ vertex: DISK_VERTEX, fragment: DISK_FRAGMENT, name: 'avw-disks' }),
      resources: { diskUniforms: { uPixel: { value: 1, type: 'f32' } } },
    });
    this.arrowShader = new Shader({
      glProgram: new GlProgram({ vertex: ARROW_VERTEX, fragment: ARROW_FRAGMENT, name: 'avw-arrows' }),
      resources: { arrowUniforms: { uArrowScale: { value: 1, type: 'f32' } } },
    });
    this.world.addChild(this.boxOutline);
    this.world.addChild(this.outlines);
    this.world.addChild(this.ring);
  }

  static async create(options: PaneRendererOptions): Promise<PaneRenderer> {
    const renderer = new WebGLRenderer();
    await renderer.init({
      canvas: options.canvas,
      width: Math.max(1, options.width),
      height: Math.max(1, options.height),
      resolution: options.resolution ?? Math.min(2, window.devicePixelRatio || 1),
      autoDensity: true,
      antialias: false,
      background: '#ffffff',
      preserveDrawingBuffer: !location.search.includes("pdb=0"),
      powerPreference: 'high-performance',
    });
    return new PaneRenderer(renderer, Math.max(1, options.width), Math.max(1, options.height));
  }

  get particleCount(): number {
    return this.scene?.n ?? 0;
  }

  /** Whether the disks are rasterized on the CPU (large systems) rather than drawn as a GPU mesh. */
  get cpuRaster(): boolean {
    return this.raster;
  }

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.renderer.resize(this.width, this.height);
    this.dropRasterTarget();
    this.applyView();
  }

  private dropRasterTarget(): void {
    if (this.rasterSprite) {
      this.stage.removeChild(this.rasterSprite);
      this.rasterSprite.destroy();
      this.rasterSource?.destroy();
    }
    this.rasterSprite = null;
    this.rasterSource = null;
    this.rasterPixels = null;
    this.rasterDirty = true;
  }

  private ensureRasterTarget(): { pixels: Uint32Array; source: BufferImageSource; width: number; height: number } {
    const res = this.renderer.resolution;
    const w = Math.max(1, Math.round(this.width * res));
    const h = Math.max(1, Math.round(this.height * res));
    if (!this.rasterSource || !this.rasterPixels || this.rasterSource.pixelWidth !== w || this.rasterSource.pixelHeight !== h) {
      this.dropRasterTarget();
      const pixels = new Uint32Array(w * h);
      const source = new BufferImageSource({
        resource: new Uint8Array(pixels.buffer), width: w, height: h, format: 'rgba8unorm', resolution: res, scaleMode: 'nearest', alphaMode: 'no-premultiply-alpha',
      });
      const sprite = new Sprite(new Texture({ source }));
      sprite.eventMode = 'none';
      sprite.position.set(0, 0);
      sprite.width = this.width;
      sprite.height = this.height;
      this.stage.addChildAt(sprite, 0);
      this.rasterSprite = sprite;
      this.rasterSource = source;
      this.rasterPixels = pixels;
    }
    return { pixels: this.rasterPixels, source: this.rasterSource, width: w, height: h };
  }

  private setMode(raster: boolean): void {
    if (raster === this.raster) return;
    this.raster = raster;
    this.rasterDirty = true;
    if (raster) {
      if (this.disks) this.disks.mesh.visible = false;
      if (this.arrows) this.arrows.mesh.visible = false;
    } else {
      this.dropRasterTarget();
    }
  }

  private ensureDisks(n: number): Disks {
    if (this.disks && this.disks.n === n) return this.disks;
    if (this.disks) {
      const old = this.disks.mesh;
      const geometry = old.geometry;
      this.world.removeChild(old);
      old.destroy();
      geometry.destroy(true);
      this.disks = null;
    }
    const m = Math.max(n, 1);
    const centres = vertexBuffer(new Float32Array(8 * m));
    const radii = vertexBuffer(new Float32Array(4 * m));
    const colours = vertexBuffer(new Uint32Array(4 * m));
    const geometry = new Geometry({
      attributes: {
        aPosition: { buffer: vertexBuffer(quadCorners(m)), format: 'float32x2' },
        aCenter: { buffer: centres, format: 'float32x2' },
        aRadius: { buffer: radii, format: 'float32' },
        aColor: { buffer: colours, format: 'unorm8x4' },
      },
      indexBuffer: new PixiBuffer({ data: quadIndices(m), usage: BufferUsage.INDEX | BufferUsage.COPY_DST }),
    });
    const mesh = new Mesh<Geometry, Shader>({ geometry, shader: this.diskShader });
    mesh.eventMode = 'none';
    this.world.addChildAt(mesh, 1);
    this.disks = { n, mesh, centres, radii, colours, lastRadii: new Float32Array(m), hasRadii: false };
    return this.disks;
  }

  /** Upload a frame: n centres (2n floats, xy) and radii (uploaded only when they differ); the box is outlined. */
  setFrame(xy: Float32Array, radii: Float32Array, n: number, box: BoxJson): void {
    this.scene = { n, xy, radii, colours: this.scene?.n === n ? this.scene.colours : null };
    this.rasterDirty = true;
    this.setMode(useRaster(n));
    if (!sameBox(this.box, box)) {
      this.box = box;
      this.drawBox();
    }
    if (this.raster) return;
    const d = this.ensureDisks(n);
    const c = d.centres.data as Float32Array;
    for (let i = 0, k = 0; i < n; i++, k += 8) {
      const x = xy[2 * i];
      const y = xy[2 * i + 1];
      c[k] = x;
      c[k + 1] = y;
      c[k + 2] = x;
      c[k + 3] = y;
      c[k + 4] = x;
      c[k + 5] = y;
      c[k + 6] = x;
      c[k + 7] = y;
    }
    d.centres.update();
    let same = d.hasRadii;
    const last = d.lastRadii;
    for (let i = 0; same && i < n; i++) if (last[i] !== radii[i]) same = false;
    if (!same) {
      const r = d.radii.data as Float32Array;
      for (let i = 0, k = 0; i < n; i++, k += 4) {
        const v = radii[i];
        last[i] = v;
        r[k] = v;
        r[k + 1] = v;
        r[k + 2] = v;
        r[k + 3] = v;
      }
      d.radii.update();
      d.hasRadii = true;
    }
    d.mesh.visible = n > 0 && this.visibleParticles;
  }

  /** Upload n packed colours (bytes r, g, b, a). */
  setColours(colours: Uint32Array): void {
    if (this.scene) this.scene.colours = colours;
    this.rasterDirty = true;
    if (this.raster || !this.disks) return;
    const out = this.disks.colours.data as Uint32Array;
    for (let i = 0, k = 0, n = this.disks.n; i < n; i++, k += 4) {
      const c = colours[i];
      out[k] = c;
      out[k + 1] = c;
      out[k + 2] = c;
      out[k + 3] = c;
    }
    this.disks.colours.update();
  }

  /** Show or hide the particles (a pane without a frame shows only its background). */
  setVisible(visible: boolean): void {
    this.visibleParticles = visible;
    this.rasterDirty = true;
    if (this.rasterSprite) this.rasterSprite.visible = visible;
    if (this.disks) this.disks.mesh.visible = visible && this.disks.n > 0 && !this.raster;
    this.boxOutline.visible = visible;
    if (!visible) this.ring.clear();
    this.drawOutlines();
  }

  /** Arrows from each particle along its vector (components per particle, the first two used), or none. */
  setArrows(xy: Float32Array | null, vectors: Float32Array | null, components: number, n: number, scale: number): void {
    this.rasterDirty = true;
    if (!xy || !vectors || n === 0) {
      this.arrowScene = null;
      if (this.arrows) this.arrows.mesh.visible = false;
      return;
    }
    this.arrowScene = { vectors, components, scale };
    if (this.raster) return;
    if (!this.arrows || this.arrows.n !== n) {
      if (this.arrows) {
        const old = this.arrows.mesh;
        const geometry = old.geometry;
        this.world.removeChild(old);
        old.destroy();
        geometry.destroy(true);
        this.arrows = null;
      }
      const starts = vertexBuffer(new Float32Array(12 * n));
      const vecs = vertexBuffer(new Float32Array(12 * n));
      const geometry = new Geometry({
        attributes: {
          aPosition: { buffer: vertexBuffer(arrowShapes(n)), format: 'float32x2' },
          aStart: { buffer: starts, format: 'float32x2' },
          aVec: { buffer: vecs, format: 'float32x2' },
        },
        topology: 'line-list',
      });
      const mesh = new Mesh<Geometry, Shader>({ geometry, shader: this.arrowShader });
      mesh.eventMode = 'none';
      this.world.addChildAt(mesh, this.world.children.length - 1);
      this.arrows = { n, mesh, starts, vecs };
    }
    const a = this.arrows;
    const st = a.starts.data as Float32Array;
    const v = a.vecs.data as Float32Array;
    for (let i = 0; i < n; i++) {
      let x = vectors[i * components];
      let y = components > 1 ? vectors[i * components + 1] : 0;
      if (!Number.isFinite(x) || !Number.isFinite(y)) x = y = 0;
      const px = xy[2 * i];
      const py = xy[2 * i + 1];
      for (let k = 12 * i, e = k + 12; k < e; k += 2) {
        st[k] = px;
        st[k + 1] = py;
        v[k] = x;
        v[k + 1] = y;
      }
    }
    a.starts.update();
    a.vecs.update();
    (this.arrowShader.resources.arrowUniforms as { uniforms: { uArrowScale: number } }).uniforms.uArrowScale = scale;
    a.mesh.visible = this.visibleParticles;
  }

  /** Ring around a particle (world coordinates and radius), or none. */
  setHighlight(at: { x: number; y: number; r: number } | null): void {
    this.ringAt = at;
    this.drawRing();
  }

  /** Rings around several particles (x, y, r triples in world coordinates: the rearrangers), or none. */
  setOutlines(at: Float32Array | null): void {
    this.outlineAt = at && at.length >= 3 ? at : null;
    this.drawOutlines();
  }

  setView(view: View): void {
    this.view = view;
    this.applyView();
  }

  private applyView(): void {
    const v = this.view;
    this.world.position.set(this.width / 2 - v.cx * v.scale, this.height / 2 + v.cy * v.scale);
    this.world.scale.set(v.scale, -v.scale);
    (this.diskShader.resources.diskUniforms as { uniforms: { uPixel: number } }).uniforms.uPixel = 1 / v.scale;
    this.rasterDirty = true;
    this.drawBox();
    this.drawRing();
    this.drawOutlines();
  }

  private drawBox(): void {
    const g = this.boxOutline;
    g.clear();
    if (!this.box) return;
    const c = boxCorners(this.box);
    g.poly(c.flat(), true).stroke({ width: 1.25 / this.view.scale, color: 0x3a4250, alpha: 0.9 });
  }

  private drawRing(): void {
    const g = this.ring;
    g.clear();
    if (!this.ringAt || !this.visibleParticles) return;
    const px = 1 / this.view.scale;
    const r = Math.max(this.ringAt.r + 2 * px, 7 * px);
    g.circle(this.ringAt.x, this.ringAt.y, r).stroke({ width: 2.5 * px, color: 0xe0007a, alpha: 1 });
    g.circle(this.ringAt.x, this.ringAt.y, r + 2.5 * px).stroke({ width: 1 * px, color: 0xffffff, alpha: 0.9 });
  }

  private drawOutlines(): void {
    const g = this.outlines;
    g.clear();
    const at = this.outlineAt;
    if (!at || !this.visibleParticles) return;
    const px = 1 / this.view.scale;
    // A green ring (no colour map the panes use has this green) just outside each disk, with a dark edge outside it.
    for (let k = 0; k + 2 < at.length; k += 3) g.circle(at[k], at[k + 1], Math.max(at[k + 2] + 1.5 * px, 5 * px));
    g.stroke({ width: 2 * px, color: OUTLINE_COLOUR, alpha: 1 });
    for (let k = 0; k + 2 < at.length; k += 3) g.circle(at[k], at[k + 1], Math.max(at[k + 2] + 1.5 * px, 5 * px) + 1.5 * px);
    g.stroke({ width: 1 * px, color: 0x102010, alpha: 0.8 });
  }

  render(): void {
    if (this.raster && this.rasterDirty) this.rasterizeNow();
    this.renderer.render(this.stage);
  }

  private rasterizeNow(): void {
    this.rasterDirty = false;
    const t = this.ensureRasterTarget();
    const s = this.scene;
    this.rasterSprite!.visible = this.visibleParticles;
    if (!s || !s.colours || !this.visibleParticles) {
      t.pixels.fill(0xffffffff);
    } else {
      rasterize(t, {
        n: s.n, xy: s.xy, radii: s.radii, colours: s.colours, view: this.view, cssWidth: this.width, cssHeight: this.height,
        resolution: this.renderer.resolution, minRadius: 0.8 * this.renderer.resolution,
      }, this.arrowScene);
    }
    t.source.update();
  }

  destroy(): void {
    this.stage.destroy({ children: true });
    this.renderer.destroy();
  }
}

function sameBox(a: BoxJson | null, b: BoxJson): boolean {
  if (!a) return false;
  for (let i = 0; i < 3; i++) {
    if (a.origin[i] !== b.origin[i]) return false;
    for (let j = 0; j < 3; j++) if (a.vectors[i][j] !== b.vectors[i][j]) return false;
  }
  return true;
}
