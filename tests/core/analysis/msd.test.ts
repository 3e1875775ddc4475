import { describe, expect, it } from 'vitest';
import { orthoBox, unwrapWithImages } from '../../../src/core/box.js';
import { meanSquareDisplacement, msdSeries } from '../../../src/core/analysis/msd.js';
import { expectClose, loadOracle, tol, xyz } from '../physics-oracle.js';

function translated(p: Float64Array, dx: number, dy: number, dz = 0): Float64Array {
  const q = p.slice();
  for (let i = 0; i < q.length; i += 3) { q[i] += dx; q[i + 1] += dy; q[i + 2] += dz; }
  return q;
}

describe('MSD: analytic', () => {
  const f = loadOracle(64);
  const ref = xyz(f.inputs.frame0);

  it('zero displacement gives 0; a uniform translation gives d^2 and 0 with the COM removed', () => {
    expect(meanSquareDisplacement({ reference: ref, current: ref.slice() }).msd).toBe(0);
    const cur = translated(ref, 0.3, -0.4, 7); // z ignored in 2D
    const raw = meanSquareDisplacement({ reference: ref, current: cur });
    expect(raw.msd).toBeCloseTo(0.25, 14);
    expect(raw.comRemoved).toBe(false);
    expect(raw.comDisplacement[0]).toBeCloseTo(0.3, 14);
    expect(raw.comDisplacement[1]).toBeCloseTo(-0.4, 14);
    expect(raw.comDisplacement[2]).toBe(0);
    expect(raw.invalidCount).toBe(0);
    expect(raw.count).toBe(64);
    const com = meanSquareDisplacement({ reference: ref, current: cur, removeCom: true });
    expect(com.msd).toBeLessThan(1e-28);
    expect(com.comRemoved).toBe(true);
    // 3D counts z.
    expect(meanSquareDisplacement({ reference: ref, current: cur, dimensions: 3 }).msd).toBeCloseTo(49.25, 12);
  });

  it('a large drift does not swamp the COM-removed value (two-pass, no cancellation)', () => {
    const cur = translated(ref, 1e4, 0);
    cur[0] += 0.8; // one particle moves 0.8 more
    const r = meanSquareDisplacement({ reference: ref, current: cur, removeCom: true });
    const n = 64, m = 0.8 / n;
    const expected = ((0.8 - m) ** 2 + (n - 1) * m * m) / n;
    expect(Math.abs(r.msd - expected)).toBeLessThan(1e-9 * expected);
  });

  it('matches particles by id: permuted, missing and new particles', () => {
    const n = 5;
    const r = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) r[3 * i] = i;
    const refIds = Int32Array.from([10, 11, 12, 13, 14]);
    // Current frame: ids 11, 12, 14, 20 (13 and 10 gone, 20 new); each moved by +1 in y, 20 anywhere.
    const curIds = Int32Array.from([11, 12, 14, 20]);
    const cur = new Float64Array([1, 1, 0, 2, 1, 0, 4, 1, 0, 99, 99, 0]);
    const res = meanSquareDisplacement({ reference: r, current: cur, referenceIds: refIds, currentIds: curIds });
    expect(res.msd).toBe(1);
    expect([...res.valid]).toEqual([1, 1, 1, 0]);
    expect(res.invalidCount).toBe(1);
    expect(res.count).toBe(3);
    expect(() => meanSquareDisplacement({ reference: r, current: cur, referenceIds: refIds })).toThrow(/ids of both/);
    expect(() => meanSquareDisplacement({ reference: r, current: cur })).toThrow(/without ids/);
    // No common particle: NaN, and the mask says so.
    const none = meanSquareDisplacement({ reference: r, current: cur, referenceIds: refIds, currentIds: Int32Array.from([1, 2, 3, 4]) });
    expect(none.count).toBe(0);
    expect(none.invalidCount).toBe(4);
    expect(Number.isNaN(none.msd)).toBe(true);
  });
});

describe.each([64, 400] as const)('MSD: oracle C, N = %i', (N) => {
  const f = loadOracle(N);
  const sec = f.sections.C_msd_mobility;
  const t = tol(sec);
  const frames = f.inputs.trajectory_unwrapped.map(xyz);

  it('msd and msd_com_removed over the trajectory (frame by frame and as a series)', () => {
    const msd = frames.map((c) => meanSquareDisplacement({ reference: frames[0], current: c }).msd);
    expectClose(msd, sec.expected.msd, t, 'msd');
    const com = frames.map((c) => meanSquareDisplacement({ reference: frames[0], current: c, removeCom: true }).msd);
    expectClose(com, sec.expected.msd_com_removed, t, 'msd_com_removed');
    const s = msdSeries({ reference: frames[0], frames });
    expectClose(s.values, sec.expected.msd, t, 'msdSeries');
    expect([...s.invalidCounts]).toEqual(new Array(8).fill(0));
    expectClose(msdSeries({ reference: frames[0], frames, removeCom: true }).values, sec.expected.msd_com_removed, t, 'series com');
  });

  it('msd from wrapped positions + images (unwrapped = wrapped + images*L)', () => {
    const box = orthoBox(f.inputs.L, f.inputs.L, 1);
    const un = f.inputs.trajectory_wrapped.map((w, k) => {
      const img = new Int32Array(3 * N);
      f.inputs.trajectory_images[k].forEach((im, i) => { img[3 * i] = im[0]; img[3 * i + 1] = im[1]; });
      return unwrapWithImages(box, xyz(w), img);
    });
    expectClose(msdSeries({ reference: un[0], frames: un }).values, sec.expected.msd, t, 'msd via images');
  });

  it('pair_msd: frame1 (unwrapped) against frame0', () => {
    const r = meanSquareDisplacement({ reference: xyz(f.inputs.frame0), current: xyz(f.inputs.frame1_unwrapped) });
    expectClose(r.msd, sec.expected.pair_msd, t, 'pair_msd');
  });

  it('a series is extended when frames are appended (start index + previous values), also through a callback', () => {
    const ids = Int32Array.from({ length: N }, (_, i) => i + 1);
    const first = msdSeries({ reference: frames[0], referenceIds: ids, frames: frames.slice(0, 5).map((positions) => ({ positions, ids })) });
    expect(first.values.length).toBe(5);
    const more = msdSeries({
      reference: frames[0], referenceIds: ids, previous: first,
      frames: (k) => (k < frames.length ? { positions: frames[k], ids } : null),
    });
    expect(more.values.length).toBe(8);
    expectClose(more.values, sec.expected.msd, t, 'extended series');
    // endFrame stops a callback early; startFrame without previous leaves NaN (invalid -1) before it.
    const part = msdSeries({ reference: frames[0], frames: (k) => frames[k], startFrame: 6, endFrame: 8 });
    expect(Number.isNaN(part.values[0]) && part.invalidCounts[0] === -1).toBe(true);
    expectClose(part.values.subarray(6), (sec.expected.msd as number[]).slice(6), t, 'partial series');
  });
});
