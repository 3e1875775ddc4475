// The compact frame transfer end to end without a browser: the service's payload (Float32 xy for 2D, a key for the
// particles), the binary framing decoded as views into the message, and the renderer's cache, which asks with the
// key of the particles it holds, is then not sent them again, and shares them between frames.
import { describe, expect, it } from 'vitest';
import { positionsOnlyFrame } from '../../src/core/io/frame-util.js';
import type { Frame } from '../../src/core/io/types.js';
import { compactPositions, framePayload, particlesKey } from '../../src/main/service/frame-payload.js';
import type { Api, ApiParams, FramePayload } from '../../src/shared/api.js';
import { decodeMessage, encodeMessage } from '../../src/shared/wire.js';
import { DataCache } from '../../src/renderer/src/lib/data-cache.js';

const BOX = { origin: [0, 0, -0.5], vectors: [[10, 0, 0], [0, 10, 0], [0, 0, 1]], periodic: [true, true, true] } as Frame['box'];

/** Frame `index` of n particles on a line, moving by 0.01 per frame, diameters 1 and 1.4, flat z (2D). */
function frame(index: number, n = 5, diameters = true): Frame {
  const xyz = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) xyz.set([i + 0.01 * index, 2 * i + 0.5, 0], 3 * i);
  const f = positionsOnlyFrame(index, 100 * index, null, BOX, xyz);
  if (diameters) f.properties.diameter = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1.4 : 1));
  return f;
}

describe('the compact frame payload', () => {
  it('is Float32 xy for a 2D frame (Float32 xyz in 3D) with Float32 diameters; the default stays Float64 xyz', () => {
    const f = frame(3);
    const c = framePayload(7, 3, f, { compact: true });
    expect(c).toMatchObject({ trajectoryId: 7, frame: 3, timestep: 300, n: 5, dimensions: 2, stride: 2, particlesOmitted: false });
    expect(c.positions).toBeInstanceOf(Float32Array);
    expect(Array.from(c.positions.subarray(0, 4))).toEqual([Math.fround(0.03), 0.5, Math.fround(1.03), 2.5]);
    expect(c.diameters).toBeInstanceOf(Float32Array);
    expect(Array.from(c.diameters!)).toEqual([1, Math.fround(1.4), 1, Math.fround(1.4), 1]);
    const d = framePayload(7, 3, f);
    expect(d.stride).toBe(3);
    expect(d.positions).toBe(f.positions);
    expect(Array.from(compactPositions(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keys the particles: same ids, types and diameters give the same key, any change another', () => {
    const a = frame(1);
    const k = particlesKey(a.ids, a.types, a.properties.diameter);
    expect(k).toMatch(/^[0-9a-f]{16}$/);
    expect(particlesKey(frame(9).ids, frame(9).types, frame(9).properties.diameter)).toBe(k);
    const types = a.types.slice();
    types[2] = 2;
    const diameters = a.properties.diameter.slice();
    diameters[4] = 1.0000001;
    const ids = a.ids.slice();
    ids[4] = 6;
    const keys = [particlesKey(a.ids, types, a.properties.diameter), particlesKey(a.ids, a.types, diameters), particlesKey(ids, a.types, a.properties.diameter),
      particlesKey(a.ids, a.types, null), particlesKey(frame(1, 6).ids, frame(1, 6).types, frame(1, 6).properties.diameter)];
    expect(new Set([k, ...keys]).size).toBe(6);
  });

  it('leaves the particles out when the request names their key', () => {
    const f = frame(2);
    const key = framePayload(1, 2, f, { compact: true }).particlesKey;
    const p = framePayload(1, 2, f, { compact: true, particlesKey: key });
    expect(p).toMatchObject({ particlesOmitted: true, particlesKey: key, diameters: null });
    expect(p.ids.length + p.types.length).toBe(0);
    expect(framePayload(1, 2, f, { compact: true, particlesKey: '0000000000000000' }).particlesOmitted).toBe(false);
  });
});

describe('decoding as views', () => {
  it('gives arrays that share the message buffer (aligned) or copies (default), with the same values', () => {
    const msg = { id: 4, result: { a: new Float32Array([1.5, 2.5, 3.5]), b: new Int32Array([7, -8]), c: new Float64Array([0.25]) } };
    const bytes = encodeMessage(msg);
    const views = decodeMessage(bytes, { views: true }) as typeof msg;
    const copies = decodeMessage(bytes) as typeof msg;
    expect(views).toEqual(msg);
    expect(copies).toEqual(msg);
    expect(views.result.a.buffer).toBe(bytes.buffer);
    expect(views.result.c.buffer).toBe(bytes.buffer);
    expect(copies.result.a.buffer).not.toBe(bytes.buffer);
    // At an odd offset (a pooled Node buffer) the arrays are copied.
    const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
    shifted.set(bytes);
    const s = decodeMessage(shifted, { views: true }) as typeof msg;
    expect(s).toEqual(msg);
    expect(s.result.a.buffer).not.toBe(shifted.buffer);
  });
});

describe('the renderer cache over the compact transfer', () => {
  it('asks compact frames with the key of its particles, is not sent them again, and shares them', async () => {
    const requests: ApiParams<'getFrame'>[] = [];
    const api = {
      getFrame: async (p: ApiParams<'getFrame'>): Promise<FramePayload> => {
        requests.push(p);
        // Through the wire, as the web host sends it and the client decodes it.
        return (decodeMessage(encodeMessage(framePayload(1, p.frame, frame(p.frame), p)), { views: true })) as FramePayload;
      },
    } as unknown as Api;
    const cache = new DataCache(api);
    const a = await cache.frame(1, 0);
    const b = await cache.frame(1, 1);
    expect(requests[0]).toEqual({ trajectoryId: 1, frame: 0, compact: true });
    expect(requests[1]).toEqual({ trajectoryId: 1, frame: 1, compact: true, particlesKey: a.particles.key });
    expect(b.particles).toBe(a.particles);
    expect(b.radii).toBe(a.radii);
    expect(Array.from(b.ids)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(b.radii)).toEqual([0.5, 0.7, 0.5, 0.7, 0.5].map(Math.fround));
    expect(Array.from(b.xy.subarray(0, 2))).toEqual([Math.fround(0.01), 0.5]);
    expect(b.bytes).toBe(b.xy.byteLength);
    expect(a.bytes).toBe(a.xy.byteLength + a.particles.bytes);
    // Another trajectory starts afresh.
    await cache.frame(2, 0);
    expect(requests[2]).toEqual({ trajectoryId: 2, frame: 0, compact: true });
  });

  it('refuses a payload without particles it does not have', async () => {
    const api = {
      getFrame: async (p: ApiParams<'getFrame'>) => ({ ...framePayload(1, p.frame, frame(p.frame), { compact: true }), particlesOmitted: true }),
    } as unknown as Api;
    await expect(new DataCache(api).frame(1, 0)).rejects.toThrow(/left out particles this client does not have/);
  });
});
