import { describe, expect, it } from 'vitest';
import { orthoBox, triclinicBox } from '../../../src/core/box.js';
import { unwrapStep } from '../../../src/core/io/unwrap.js';

describe('unwrapStep', () => {
  it('follows particles across an orthogonal periodic boundary', () => {
    const box = orthoBox(10, 20, 30);
    const prevW = new Float64Array([9.8, 1, 1, 0.1, 19.9, 15]);
    const prevU = new Float64Array([19.8, 1, 1, 0.1, -0.1, 15]);
    const cur = new Float64Array([0.3, 1.2, 1, 9.9, 0.4, 15]);
    const out = new Float64Array(6);
    const r = unwrapStep(box, prevW, prevU, cur, out);
    // Particle 0 crosses +x (step +0.5), particle 1 crosses -x (step -0.2) and +y (step +0.5).
    expect(Array.from(out)).toEqual([expect.closeTo(20.3, 12), expect.closeTo(1.2, 12), 1, expect.closeTo(-0.1, 12), expect.closeTo(0.4, 12), 15]);
    expect(r.maxStepFraction).toBeCloseTo(0.05, 12);
    expect(r.worstParticle).toBe(0);
  });

  it('uses the tilted box vectors (LAMMPS restricted triclinic) and may write in place', () => {
    const box = triclinicBox([0, 0, 0], 10, 10, 10, 3, 0, 0);
    // Crossing +y in a tilted box shifts x by the tilt: wrapped y 9.9 -> 0.1 and x 5 -> 5 - 3 + 0.1.
    const prevW = new Float64Array([5, 9.9, 1]);
    const prevU = new Float64Array([5, 9.9, 1]);
    const cur = new Float64Array([2.1, 0.1, 1]);
    const r = unwrapStep(box, prevW, prevU, cur, prevU);
    expect(prevU[0]).toBeCloseTo(5.1, 12);
    expect(prevU[1]).toBeCloseTo(10.1, 12);
    expect(prevU[2]).toBe(1);
    expect(r.maxStepFraction).toBeCloseTo(0.02, 12);
  });

  it('reports steps larger than a quarter of the box and leaves non-periodic axes alone', () => {
    const box = orthoBox(10, 10, 10);
    box.periodic = [true, true, false];
    const prevW = new Float64Array([1, 1, 1, 1, 1, 1]);
    const prevU = prevW.slice();
    const cur = new Float64Array([4, 1, 1, 1, 1, 9]);
    const out = new Float64Array(6);
    const r = unwrapStep(box, prevW, prevU, cur, out);
    expect(Array.from(out)).toEqual([4, 1, 1, 1, 1, 9]);
    expect(r.maxStepFraction).toBeCloseTo(0.3, 12);
    expect(r.worstParticle).toBe(0);
  });

  it('rejects arrays of different lengths', () => {
    const box = orthoBox(1, 1, 1);
    expect(() => unwrapStep(box, new Float64Array(3), new Float64Array(3), new Float64Array(6), new Float64Array(6))).toThrow(/different lengths/);
  });
});
