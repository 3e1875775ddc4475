// The PRNG and the particle-system helpers of the MD engine (src/core/sim/rng.ts, system.ts, setup.ts).
import { describe, expect, it } from 'vitest';
import { triclinicBox, unwrapWithImages } from '../../../src/core/box.js';
import { Rng } from '../../../src/core/sim/rng.js';
import { buildNeighborList } from '../../../src/core/neighbors.js';
import { createRandomSystem, removeOverlaps, SPATIAL_ORDER_MIN } from '../../../src/core/sim/setup.js';
import {
  assignVelocities, degreesOfFreedom, kineticEnergy, kineticTemperature, makeSystem, periodicBox, polydisperseDiameters,
  randomPositions, wrapPositions,
} from '../../../src/core/sim/system.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference C implementation (state 1, 2, 3, 4)', () => {
    // Outputs of Blackman & Vigna's xoshiro128starstar.c from s = {1, 2, 3, 4} (compiled with gcc): first 8, then the 1001st.
    const r = Rng.fromState({ s: Uint32Array.of(1, 2, 3, 4), hasSpare: false, spare: 0 });
    const first = Array.from({ length: 8 }, () => r.nextUint32());
    expect(first).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    for (let k = 0; k < 992; k++) r.nextUint32();
    expect(r.nextUint32()).toBe(136054147);
  });

  it('same seed, same stream; state() / setState() resume exactly, Gaussian spare included', () => {
    const a = new Rng(2024), b = new Rng(2024), c = new Rng(2025);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(c.uniform()).not.toBe(xs[0]);
    a.normal(); // leaves a spare
    const st = a.state();
    expect(st.hasSpare).toBe(true);
    const tail = [a.normal(), a.normal(), a.uniform(), a.below(7)];
    const r = Rng.fromState(structuredClone(st));
    expect([r.normal(), r.normal(), r.uniform(), r.below(7)]).toEqual(tail);
    expect(() => Rng.fromState({ s: new Uint32Array(4), hasSpare: false, spare: 0 })).toThrow(/all-zero/);
  });

  it('uniform in [0, 1), normal with mean 0 and variance 1, below(n) unbiased', () => {
    const r = new Rng(7);
    const N = 200_000;
    let s = 0, s2 = 0, mn = 1, mx = 0, m4 = 0;
    for (let k = 0; k < N; k++) {
      const u = r.uniform();
      mn = Math.min(mn, u); mx = Math.max(mx, u);
      s += u;
    }
    expect(mn).toBeGreaterThanOrEqual(0);
    expect(mx).toBeLessThan(1);
    expect(s / N).toBeCloseTo(0.5, 2);
    s = 0;
    for (let k = 0; k < N; k++) {
      const g = r.normal();
      s += g; s2 += g * g; m4 += g ** 4;
    }
    expect(s / N).toBeCloseTo(0, 2);
    expect(s2 / N).toBeCloseTo(1, 2);
    expect(m4 / N).toBeCloseTo(3, 1);
    const counts = new Array(6).fill(0);
    for (let k = 0; k < 60_000; k++) counts[r.below(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
});

describe('particle systems', () => {
  it('polydisperse diameters: exact mean 1 and std/mean 0.11 after truncation at 3 sd; deterministic', () => {
    const d = polydisperseDiameters(2000, new Rng(5));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean - 1)).toBeLessThan(1e-14);
    expect(Math.abs(sd - 0.11)).toBeLessThan(1e-14);
    let lo = Infinity, hi = 0;
    for (const x of d) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    // Truncated at 3 sd, then stretched by sd/s (about 1 %): within 3.1 sd of the mean.
    expect(lo).toBeGreaterThan(1 - 3.1 * 0.11);
    expect(hi).toBeLessThan(1 + 3.1 * 0.11);
    expect(polydisperseDiameters(2000, new Rng(5))).toEqual(d);
    expect(Array.from(polydisperseDiameters(4, new Rng(1), { polydispersity: 0 }))).toEqual([1, 1, 1, 1]);
    expect(() => polydisperseDiameters(10, new Rng(1), { polydispersity: 0.4 })).toThrow(/truncateSd/);
  });

  it('periodic box at a number density; degrees of freedom as LAMMPS (dN - d)', () => {
    const b = periodicBox(2000, 0.9, 2);
    expect(b.vectors[0][0]).toBe(Math.sqrt(2000 / 0.9));
    expect(b.vectors[0][0]).toBe(47.14045207910317); // the LAMMPS reference box
    expect(b.origin).toEqual([0, 0, -0.5]);
    expect(b.periodic).toEqual([true, true, false]);
    expect(periodicBox(1000, 0.8, 3).vectors[2][2]).toBeCloseTo(Math.cbrt(1250), 14);
    expect(degreesOfFreedom(2000, 2)).toBe(3998);
    expect(degreesOfFreedom(100, 3)).toBe(297);
  });

  it('Maxwell velocities: exact temperature, zero momentum, vz = 0 in 2D', () => {
    const n = 500;
    const s = makeSystem({ dimensions: 2, box: periodicBox(n, 0.9, 2), positions: new Float64Array(3 * n), diameters: new Float64Array(n).fill(1) });
    assignVelocities(s, 0.37, new Rng(3));
    expect(kineticTemperature(s.velocities, s.masses, 2)).toBeCloseTo(0.37, 14);
    expect(kineticEnergy(s.velocities, s.masses, 2)).toBeCloseTo((0.37 * (2 * n - 2)) / 2, 12);
    let px = 0, py = 0;
    for (let i = 0; i < n; i++) {
      px += s.velocities[3 * i]; py += s.velocities[3 * i + 1];
      expect(s.velocities[3 * i + 2]).toBe(0);
    }
    expect(Math.abs(px) + Math.abs(py)).toBeLessThan(1e-12);
  });

  it('wrapPositions keeps position + image . box and brings fractional coordinates into [0, 1) (tilted box)', () => {
    const box = triclinicBox([-1, 2, 0], 10, 8, 6, 3, -1.5, 2, [true, true, true]);
    const r = new Rng(9);
    const n = 300;
    const x = new Float64Array(3 * n);
    for (let k = 0; k < x.length; k++) x[k] = r.uniformIn(-40, 40);
    const img = new Int32Array(3 * n);
    for (let k = 0; k < img.length; k++) img[k] = r.below(5) - 2;
    const before = unwrapWithImages(box, x, img);
    wrapPositions(x, img, box, 3);
    const after = unwrapWithImages(box, x, img);
    for (let k = 0; k < x.length; k++) expect(Math.abs(after[k] - before[k])).toBeLessThan(1e-12);
    const [a, b, c] = box.vectors, o = box.origin;
    for (let i = 0; i < n; i++) {
      const s2 = (x[3 * i + 2] - o[2]) / c[2];
      const s1 = (x[3 * i + 1] - o[1] - s2 * c[1]) / b[1];
      const s0 = (x[3 * i] - o[0] - s1 * b[0] - s2 * c[0]) / a[0];
      for (const s of [s0, s1, s2]) {
        expect(s).toBeGreaterThanOrEqual(-1e-15);
        expect(s).toBeLessThan(1 + 1e-15);
      }
    }
  });

  it('createRandomSystem: no pair closer than 0.9 sigma_ij, same seed same system, 2D and 3D', () => {
    const a = createRandomSystem({ n: 1000, seed: 77, temperature: 0.2 });
    const b = createRandomSystem({ n: 1000, seed: 77, temperature: 0.2 });
    expect(a.system.positions).toEqual(b.system.positions);
    expect(a.system.velocities).toEqual(b.system.velocities);
    expect(a.rng.state()).toEqual(b.rng.state());
    expect(a.overlap.minRatio).toBeGreaterThanOrEqual(0.9);
    expect(a.overlap.iterations).toBeGreaterThan(0);
    // Independent check of the overlap criterion over all pairs (minimum image in the square box).
    const { positions: x, diameters: d, box } = a.system;
    const L = box.vectors[0][0];
    let worst = Infinity;
    for (let i = 0; i < 1000; i++) {
      for (let j = i + 1; j < 1000; j++) {
        let dx = x[3 * j] - x[3 * i], dy = x[3 * j + 1] - x[3 * i + 1];
        dx -= L * Math.round(dx / L); dy -= L * Math.round(dy / L);
        worst = Math.min(worst, Math.hypot(dx, dy) / (0.5 * (d[i] + d[j])));
      }
    }
    expect(worst).toBeGreaterThanOrEqual(0.9);
    expect(kineticTemperature(a.system.velocities, a.system.masses, 2)).toBeCloseTo(0.2, 14);
    const c = createRandomSystem({ n: 1000, seed: 78 });
    expect(c.system.positions[0]).not.toBe(a.system.positions[0]);
    const three = createRandomSystem({ n: 200, seed: 1, dimensions: 3, density: 0.8 });
    expect(three.system.dimensions).toBe(3);
    expect(three.overlap.minRatio).toBeGreaterThanOrEqual(0.9);
  });

  it('createRandomSystem from SPATIAL_ORDER_MIN particles on: particles near in space have nearby indices', () => {
    // Nearest-neighbour pairs (within 1.2 mean spacings): the median index distance is a few (4 here) along a
    // Z-curve of 10 000 particles, against about N / 3 = 3333 for a random order.
    const n = SPATIAL_ORDER_MIN;
    const { system: s, overlap } = createRandomSystem({ n, seed: 5 });
    expect(overlap.minRatio).toBeGreaterThanOrEqual(0.9);
    const nl = buildNeighborList(s.positions, s.box, { cutoff: 1.2 / Math.sqrt(0.9), dimensions: 2, half: true, withVectors: false });
    const gaps: number[] = [];
    for (let i = 0; i < n; i++) for (let k = nl.start[i]; k < nl.start[i + 1]; k++) gaps.push(nl.indices[k] - i);
    gaps.sort((a, b) => a - b);
    expect(gaps.length).toBeGreaterThan(2 * n);
    expect(gaps[gaps.length >> 1]).toBeLessThan(50);
    // Below the threshold the positions are handed out as drawn: the same check finds a random order.
    const small = createRandomSystem({ n: 2000, seed: 5 }).system;
    const nl2 = buildNeighborList(small.positions, small.box, { cutoff: 1.2 / Math.sqrt(0.9), dimensions: 2, half: true, withVectors: false });
    const gaps2: number[] = [];
    for (let i = 0; i < 2000; i++) for (let k = nl2.start[i]; k < nl2.start[i + 1]; k++) gaps2.push(nl2.indices[k] - i);
    gaps2.sort((a, b) => a - b);
    expect(gaps2[gaps2.length >> 1]).toBeGreaterThan(300);
  });

  it('removeOverlaps gives up with a clear error when the packing cannot be resolved', () => {
    const n = 200;
    const rng = new Rng(4);
    const box = periodicBox(n, 1.6, 2); // area fraction ~1.26: beyond jamming
    const s = makeSystem({ dimensions: 2, box, positions: randomPositions(n, box, 2, rng), diameters: new Float64Array(n).fill(1) });
    expect(() => removeOverlaps(s, { maxIterations: 300 })).toThrow(/after 300 iterations the closest pair is still at/);
  });
});
