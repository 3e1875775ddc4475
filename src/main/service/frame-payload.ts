// Frames as the API sends them: the default layout (Float64 x, y, z) or the compact one (Float32 in the frame's own
// dimensions), with a digest of the particles (ids, types, diameters) so that a client that already holds them is not
// sent them again. At N = 100 000 a compact 2D frame of known particles is 0.8 MB of positions instead of 4 MB.
import { frameDiameters } from '../../core/io/frame-util.js';
import type { Frame } from '../../core/io/types.js';
import type { FramePayload } from '#shared/api.js';

export interface FramePayloadOptions {
  unwrapped?: boolean;
  compact?: boolean;
  /** The key of the particles the client holds: when it matches, ids, types and diameters are left out. */
  particlesKey?: string;
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two MurmurHash3-style 32-bit lanes (different constants) over 32-bit words, continued from `h`. */
function mixWords(words: Uint32Array | Int32Array, h: [number, number]): void {
  let a = h[0];
  let b = h[1];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    a ^= Math.imul(rotl(Math.imul(w, 0xcc9e2d51), 15), 0x1b873593);
    a = (Math.imul(rotl(a, 13), 5) + 0xe6546b64) | 0;
    b ^= Math.imul(rotl(Math.imul(w, 0x85ebca77), 17), 0xc2b2ae3d);
    b = (Math.imul(rotl(b, 11), 9) + 0x27d4eb2f) | 0;
  }
  h[0] = a;
  h[1] = b;
}

/** A 64-bit digest (16 hex digits) of a frame's particles: equal ids, types and diameters give equal keys. */
export function particlesKey(ids: Int32Array, types: Int32Array, diameters: Float64Array | null): string {
  const h: [number, number] = [0x2545f491, 0x9e3779b9];
  mixWords(Int32Array.of(ids.length, diameters ? 1 : 0), h);
  mixWords(ids, h);
  mixWords(types, h);
  if (diameters) mixWords(new Uint32Array(diameters.buffer, diameters.byteOffset, diameters.length * 2), h);
  const hex = (x: number): string => fmix(x ^ ids.length).toString(16).padStart(8, '0');
  return hex(h[0]) + hex(h[1]);
}

/** n * stride Float32 positions from n * 3 Float64 ones (stride 2 keeps x, y). */
export function compactPositions(xyz: Float64Array, n: number, stride: 2 | 3): Float32Array {
  if (stride === 3) return Float32Array.from(xyz.subarray(0, 3 * n));
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = xyz[3 * i];
    out[2 * i + 1] = xyz[3 * i + 1];
  }
  return out;
}

/** The API's payload of frame `index` of trajectory `trajectoryId`. */
export function framePayload(trajectoryId: number, index: number, f: Frame, options: FramePayloadOptions = {}): FramePayload {
  const xyz = options.unwrapped && f.unwrapped ? f.unwrapped : f.positions;
  const diameters = frameDiameters(f);
  const key = particlesKey(f.ids, f.types, diameters);
  const omit = options.particlesKey === key;
  const stride = options.compact ? f.dimensions : 3;
  return {
    trajectoryId,
    frame: index,
    timestep: f.timestep,
    n: f.n,
    dimensions: f.dimensions,
    box: f.box,
    ids: omit ? new Int32Array(0) : f.ids,
    types: omit ? new Int32Array(0) : f.types,
    positions: options.compact ? compactPositions(xyz, f.n, stride) : xyz,
    stride,
    diameters: omit || !diameters ? null : options.compact ? Float32Array.from(diameters) : diameters,
    particlesKey: key,
    particlesOmitted: omit,
    warnings: f.warnings,
  };
}
