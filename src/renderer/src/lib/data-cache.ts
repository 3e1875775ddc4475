// Frames and fields fetched from the backend, kept in bounded LRU caches (by bytes and by count) as render-ready
// typed arrays: xy positions and radii as Float32Array for the GPU, fields with their per-particle scalar
// (the magnitude of a vector field). Frames come compact (Float32 xy for 2D, used as they arrive) and share their
// particles (ids, types, radii) by key: the backend sends those once, not with every frame. Nothing here is
// reactive: the Vue store never holds these arrays.
import type { Api, ApiParams, BoxJson, FieldPayload, FieldRequestParams, FramePayload } from '#shared/api.js';
import { magnitudes } from '#shared/colormaps.js';
import { SpatialGrid } from './spatial-grid.js';

/** What consecutive frames usually share: ids, types and radii, under the backend's key for them. */
export interface Particles {
  key: string;
  ids: Int32Array;
  types: Int32Array;
  /** n radii (diameter / 2; 0.5 when the file has no diameters). */
  radii: Float32Array;
  hasDiameters: boolean;
  bytes: number;
}

export interface FrameData {
  trajectoryId: number;
  frame: number;
  timestep: number;
  n: number;
  dimensions: 2 | 3;
  box: BoxJson;
  ids: Int32Array;
  types: Int32Array;
  /** 2n: x, y of every particle. */
  xy: Float32Array;
  /** n radii (diameter / 2; 0.5 when the file has no diameters). */
  radii: Float32Array;
  hasDiameters: boolean;
  particles: Particles;
  /** Bytes of the positions, plus the particles' when this frame brought them. */
  bytes: number;
  /** Built on first hover. */
  grid: SpatialGrid | null;
}

export interface FieldData {
  trajectoryId: number;
  name: string;
  frame: number;
  ref: number;
  components: number;
  values: Float32Array;
  /** One value per particle: the field itself, or |v| of a vector field. */
  scalar: Float32Array;
  invalidCount: number;
  bytes: number;
}

/** x, y of every particle: the payload's own array when it is already Float32 xy, else converted. */
function xyOf(p: FramePayload): Float32Array {
  if (p.stride === 2 && p.positions instanceof Float32Array) return p.positions;
  const xy = new Float32Array(2 * p.n);
  const pos = p.positions;
  const stride = p.stride;
  for (let i = 0; i < p.n; i++) {
    xy[2 * i] = pos[stride * i];
    xy[2 * i + 1] = pos[stride * i + 1];
  }
  return xy;
}

function particlesOf(p: FramePayload): Particles {
  const n = p.n;
  const radii = new Float32Array(n);
  if (p.diameters && p.diameters.length >= n) {
    for (let i = 0; i < n; i++) {
      const d = p.diameters[i];
      radii[i] = d > 0 ? d / 2 : 0.5;
    }
  } else {
    radii.fill(0.5);
  }
  return {
    key: p.particlesKey, ids: p.ids, types: p.types, radii, hasDiameters: p.diameters !== null,
    bytes: radii.byteLength + p.ids.byteLength + p.types.byteLength,
  };
}

/** A render-ready frame; `known` are the particles whose key the request carried (used when the payload left them out). */
export function toFrameData(p: FramePayload, known: Particles | null = null): FrameData {
  let particles: Particles;
  if (p.particlesOmitted) {
    if (!known || known.key !== p.particlesKey || known.ids.length !== p.n) throw new Error(`frame ${p.frame}: the backend left out particles this client does not have`);
    particles = known;
  } else {
    particles = known && p.particlesKey && known.key === p.particlesKey && known.ids.length === p.n ? known : particlesOf(p);
  }
  const xy = xyOf(p);
  return {
    trajectoryId: p.trajectoryId, frame: p.frame, timestep: p.timestep, n: p.n, dimensions: p.dimensions, box: p.box,
    ids: particles.ids, types: particles.types, xy, radii: particles.radii, hasDiameters: particles.hasDiameters, particles, grid: null,
    bytes: xy.byteLength + (particles === known ? 0 : particles.bytes),
  };
}

export function toFieldData(p: FieldPayload): FieldData {
  const components = Math.max(1, p.components);
  const scalar = components === 1 ? p.values : magnitudes(p.values, components);
  return {
    trajectoryId: p.trajectoryId, name: p.name, frame: p.frame, ref: p.ref, components, values: p.values, scalar,
    invalidCount: p.invalidCount, bytes: p.values.byteLength + (scalar === p.values ? 0 : scalar.byteLength),
  };
}

interface Entry<V> { promise: Promise<V>; bytes: number }

/** An LRU map of promises bounded by total bytes and by count; failed loads are not kept. */
export class LruPromiseCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  private total = 0;

  constructor(private readonly maxBytes: number, private readonly maxCount: number, private readonly sizeOf: (v: V) => number) {}

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The value for `key`, loading it with `load` when absent. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit.promise;
    }
    const entry: Entry<V> = { promise: load(), bytes: 0 };
    this.map.set(key, entry);
    entry.promise.then(
      (v) => {
        if (this.map.get(key) !== entry) return;
        entry.bytes = this.sizeOf(v);
        this.total += entry.bytes;
        this.evict();
      },
      () => {
        if (this.map.get(key) === entry) this.map.delete(key);
      },
    );
    this.evict();
    return entry.promise;
  }

  /** The settled value when present and loaded (without waiting), else undefined. */
  peek(key: string): Promise<V> | undefined {
    return this.map.get(key)?.promise;
  }

  private evict(): void {
    for (const [key, e] of this.map) {
      if (this.total <= this.maxBytes && this.map.size <= this.maxCount) break;
      this.map.delete(key);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}

/** A field of one frame as the panes ask for it (`ref` for pair fields only; see FieldRequestParams). */
export type FieldRequest = Omit<FieldRequestParams, 'priority'>;

export function fieldKey(r: FieldRequest): string {
  return `${r.trajectoryId}:${r.frame}:${r.ref ?? ''}:${r.name}:${r.params ? JSON.stringify(r.params) : ''}`;
}

/** Frames and fields of the open trajectory, cached and deduplicated (a second request joins the first). */
export class DataCache {
  private readonly frames = new LruPromiseCache<FrameData>(28 * 1024 * 1024, 48, (f) => f.bytes);
  private readonly fields = new LruPromiseCache<FieldData>(16 * 1024 * 1024, 96, (f) => f.bytes);
  /** Requests sent and not answered: prefetching waits while the user waits for something. */
  inFlight = 0;
  /** The particles of the latest frame received: later requests name their key, so they are not sent again. */
  private particles: { trajectoryId: number; particles: Particles } | null = null;

  constructor(private readonly api: Api) {}

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    return p.finally(() => {
      this.inFlight--;
    });
  }

  frame(trajectoryId: number, frame: number): Promise<FrameData> {
    return this.frames.get(`${trajectoryId}:${frame}`, () => {
      const known = this.particles?.trajectoryId === trajectoryId ? this.particles.particles : null;
      const params: ApiParams<'getFrame'> = { trajectoryId, frame, compact: true };
      if (known?.key) params.particlesKey = known.key;
      return this.track(this.api.getFrame(params)).then((p) => {
        const fd = toFrameData(p, known);
        this.particles = { trajectoryId, particles: fd.particles };
        return fd;
      });
    });
  }

  hasFrame(trajectoryId: number, frame: number): boolean {
    return this.frames.has(`${trajectoryId}:${frame}`);
  }

  /** A field, fetched once; `priority` tells the backend whether it is on screen or computed ahead of the user. */
  field(r: FieldRequest, priority: FieldRequestParams['priority'] = 'visible'): Promise<FieldData> {
    return this.fields.get(fieldKey(r), () => this.track(this.api.getField({ ...r, priority })).then(toFieldData));
  }

  hasField(r: FieldRequest): boolean {
    return this.fields.has(fieldKey(r));
  }

  stats(): { frames: number; fields: number; bytes: number } {
    return { frames: this.frames.size, fields: this.fields.size, bytes: this.frames.bytes + this.fields.bytes };
  }

  clear(): void {
    this.frames.clear();
    this.fields.clear();
    this.particles = null;
  }
}
