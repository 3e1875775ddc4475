import { describe, expect, it } from 'vitest';
import { triclinicBox, type Box } from '../../../src/core/box.js';
import { HERTZ } from '../../../src/core/potentials.js';
import { AqsRun, randomHertzPacking, type AqsState, type ShearStepResult } from '../../../src/core/sim/aqs.js';
import { VerletPairForces } from '../../../src/core/sim/forces.js';
import { Rng } from '../../../src/core/sim/rng.js';

/** Random binary Hertzian disks (radii 0.5/0.7) at packing fraction 0.9 in a box of tilt xy. */
function tiltedHertz(n: number, tiltFraction: number, seed: number): { system: VerletPairForces; x: Float64Array; box: Box; L: number } {
  const { radii, box: square } = randomHertzPacking({ n, seed });
  const L = square.vectors[0][0];
  const box = triclinicBox([0, 0, 0], L, L, 1, tiltFraction * L, 0, 0);
  const rng = new Rng(seed + 1);
  const x = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const s1 = rng.uniform();
    x[2 * i] = rng.uniform() * L + s1 * box.vectors[1][0];
    x[2 * i + 1] = s1 * L;
  }
  return { system: new VerletPairForces({ potential: HERTZ, sizes: radii, box, layout: 'packed' }), x, box, L };
}

function energyForces(system: VerletPairForces, x: Float64Array): { e: number; f: Float64Array } {
  const f = new Float64Array(system.n);
  return { e: system.energyAndForces(x, f), f };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Hertzian disks in a Lees-Edwards (tilted) box', () => {
  it('energy and forces are invariant under shifting particles by box vectors and under the tilt flip', () => {
    for (const tilt of [0.37, 0.5, -0.2]) {
      const { system, x, box, L } = tiltedHertz(120, tilt, 11);
      const ref = energyForces(system, x);
      expect(ref.e).toBeGreaterThan(1); // plenty of overlaps at random positions
      const [a, b] = box.vectors;
      for (const [ma, mb] of [[1, 0], [0, 1], [1, 1], [-1, 2], [0, -1]]) {
        const y = Float64Array.from(x);
        for (const i of [0, 17, 63, 119]) {
          y[2 * i] += ma * a[0] + mb * b[0];
          y[2 * i + 1] += mb * b[1];
        }
        const s = energyForces(system, y);
        expect(Math.abs(s.e - ref.e)).toBeLessThan(1e-12 * ref.e);
        expect(maxAbsDiff(s.f, ref.f)).toBeLessThan(1e-12 * maxAbs(ref.f));
      }
      // The flipped cell b -> b - a (xy -> xy - Lx) spans the same lattice.
      const flipped = new VerletPairForces({ potential: HERTZ, sizes: system.sizes, box: triclinicBox([0, 0, 0], L, L, 1, (tilt - 1) * L, 0, 0), layout: 'packed' });
      const s = energyForces(flipped, x);
      expect(Math.abs(s.e - ref.e)).toBeLessThan(1e-12 * ref.e);
      expect(maxAbsDiff(s.f, ref.f)).toBeLessThan(1e-12 * maxAbs(ref.f));
      expect(Math.abs(flipped.stress(x).xy - system.stress(x).xy)).toBeLessThan(1e-12 * Math.abs(system.stress(x).xy));
    }
  });

  it('forces are minus the finite-difference gradient of the Hertz energy in a tilted box', () => {
    const { system, x } = tiltedHertz(80, 0.43, 5);
    const { f } = energyForces(system, x);
    const h = 1e-6;
    const scale = maxAbs(f);
    let worst = 0;
    for (let k = 0; k < x.length; k++) {
      const y = Float64Array.from(x);
      y[k] = x[k] + h;
      const ep = system.energy(y);
      y[k] = x[k] - h;
      const em = system.energy(y);
      worst = Math.max(worst, Math.abs(f[k] + (ep - em) / (2 * h)));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(worst).toBeLessThan(1e-7 * scale);
  });

  it('stressXY is pressure-like: -A sigma_xy = dU/d(strain) under affine simple shear', () => {
    const { system, x, L } = tiltedHertz(80, 0.21, 9);
    const h = 1e-7;
    const strained = (g: number): number => {
      const s = new VerletPairForces({ potential: HERTZ, sizes: system.sizes, box: triclinicBox([0, 0, 0], L, L, 1, (0.21 + g) * L, 0, 0), layout: 'packed' });
      const y = Float64Array.from(x);
      for (let i = 0; i < y.length; i += 2) y[i] += g * y[i + 1];
      return s.energy(y);
    };
    const dUdg = (strained(h) - strained(-h)) / (2 * h);
    const sxy = system.stress(x).xy;
    expect(Math.abs(sxy)).toBeGreaterThan(1e-3);
    expect(Math.abs(-L * L * sxy - dUdg)).toBeLessThan(1e-6 * Math.abs(dUdg));
  });
});

describe('AQS of a binary Hertzian packing (N = 256)', () => {
  const N = 256;
  const de = 5e-4;
  // One quasistatic run shared by the tests below (the followed-avalanche test replays one of its drops).
  const states: AqsState[] = [];
  const steps: ShearStepResult[] = [];
  const run = AqsRun.fromRandom({ n: N, seed: 1, strainStep: de, followAvalanches: false });
  const initial = { energy: run.energy, stress: run.stressXY };
  for (let s = 0; s < 240; s++) {
    states.push(run.saveState());
    steps.push(run.shearStep());
  }

  it('starts from a jammed packing at phi = 0.9 (seeded, reproducible)', () => {
    expect(run.initialMinimization?.converged).toBe(true);
    expect(run.initialMinimization?.maxForce).toBeLessThan(1e-10);
    let area = 0;
    for (const r of run.radii) area += Math.PI * r * r;
    const [a, b] = run.box.vectors;
    expect(area / (a[0] * b[1])).toBeCloseTo(0.9, 12);
    expect(run.radii.filter((r) => r === 0.5).length).toBe(128);
    expect(run.radii.filter((r) => r === 0.7).length).toBe(128);
    expect(initial.energy / N).toBeGreaterThan(1e-4); // compressed well above jamming: finite overlaps
    const again = AqsRun.fromRandom({ n: N, seed: 1, strainStep: de });
    expect(again.energy).toBe(initial.energy);
    expect(again.stressXY).toBe(initial.stress);
  });

  it('shows elastic loading and stress drops in the stress-strain curve', () => {
    expect(steps.every((r) => r.iterations > 0 && Number.isFinite(r.energy))).toBe(true);
    expect(steps[steps.length - 1].strain).toBeCloseTo(240 * de, 12);
    // The mechanical shear stress is -stressXY (stressXY is pressure-like).
    const sigma = steps.map((r) => -r.stressXY);
    const drops = steps.filter((r) => r.drop);
    // Plastic events: energy and mechanical stress fall together.
    const stressDrops = steps.filter((r, k) => k > 0 && r.drop && sigma[k] < sigma[k - 1]);
    expect(stressDrops.length).toBeGreaterThanOrEqual(3);
    expect(drops.length).toBeLessThan(steps.length / 2);
    // Elastic loading: between drops, once loaded (sigma > 0), the stress rises step after step and the energy
    // follows dU = A sigma d_eps to first order.
    const A = run.box.vectors[0][0] * run.box.vectors[1][1];
    let elastic = 0, rising = 0, firstOrder = 0;
    for (let k = 1; k < steps.length; k++) {
      if (steps[k].drop || sigma[k - 1] <= 0) continue;
      elastic++;
      if (sigma[k] > sigma[k - 1]) rising++;
      const predicted = A * 0.5 * (sigma[k] + sigma[k - 1]) * de; // trapezoid
      if (Math.abs(steps[k].energyChange - predicted) < 0.05 * Math.abs(predicted)) firstOrder++;
    }
    expect(elastic).toBeGreaterThan(100);
    expect(rising / elastic).toBeGreaterThan(0.9);
    expect(firstOrder / elastic).toBeGreaterThan(0.9);
    // The packing yields: a positive mechanical stress of order 1e-3 (Hertz units) is reached.
    expect(Math.max(...sigma)).toBeGreaterThan(2e-4);
  });

  it('follows an avalanche by steepest descent with frames equidistant in configuration space', () => {
    // Replay the largest drop of the run from its checkpoint, this time following it.
    let k = 0;
    for (let j = 1; j < steps.length; j++) if (steps[j].drop && steps[j].energyChange < steps[k].energyChange) k = j;
    expect(steps[k].drop).toBe(true);
    const replay = AqsRun.fromState({ ...states[k], options: { ...states[k].options, followAvalanches: true } });
    const r = replay.shearStep();
    expect(r.step).toBe(k + 1);
    expect(r.drop).toBe(true);
    const frames = r.avalancheFrames ?? [];
    expect(frames.length).toBeGreaterThanOrEqual(4);
    // Frame 0 is the configuration right after the affine step: the previous minimum, sheared.
    const prev = AqsRun.fromState(states[k]).positions();
    const L = replay.box.vectors[1][1];
    for (let i = 0; i < N; i++) {
      expect(frames[0].positions[3 * i]).toBeCloseTo(prev[3 * i] + de * prev[3 * i + 1], 12);
      expect(frames[0].positions[3 * i + 1]).toBe(prev[3 * i + 1]);
    }
    expect(frames[0]).toMatchObject({ index: 0, time: 0, distance: 0, final: false });
    for (let f = 1; f < frames.length; f++) {
      let d2 = 0;
      for (let i = 0; i < 3 * N; i++) d2 += (frames[f].positions[i] - frames[f - 1].positions[i]) ** 2;
      const d = Math.sqrt(d2);
      expect(frames[f].index).toBe(f);
      expect(frames[f].time).toBeGreaterThanOrEqual(frames[f - 1].time);
      expect(frames[f].energy).toBeLessThan(frames[f - 1].energy);
      if (f < frames.length - 1) {
        expect(Math.abs(d - 0.15)).toBeLessThan(1e-9);
        expect(frames[f].distance).toBe(0.15);
        expect(frames[f].final).toBe(false);
      } else {
        expect(frames[f].final).toBe(true);
        expect(Math.abs(d - frames[f].distance)).toBeLessThan(1e-9);
        expect(d).toBeLessThan(0.15);
      }
    }
    // The last frame is the state the run continues from.
    const last = frames[frames.length - 1];
    expect(maxAbsDiff(last.positions, replay.positions())).toBe(0);
    expect(last.energy).toBe(r.energy);
    expect(last.maxForce).toBeLessThan(1e-10);
    expect(r.energy).toBeLessThan(states[k].energy);
    // Frames are continuous (not wrapped): no coordinate jumps by a box length between frames.
    expect(maxAbsDiff(frames[1].positions, frames[0].positions)).toBeLessThan(0.5 * L);
  });

  it('checkpoints resume bit-identically (saveState / loadState, through JSON)', () => {
    const k = 200;
    const json = JSON.parse(JSON.stringify(states[k], (_key, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v))) as AqsState;
    const resumed = AqsRun.fromState(json);
    const rewound = AqsRun.fromRandom({ n: N, seed: 1, strainStep: de, followAvalanches: false });
    rewound.loadState(states[k]);
    for (let s = k; s < k + 20; s++) {
      const a = resumed.shearStep();
      const b = rewound.shearStep();
      for (const r of [a, b]) {
        expect(r.step).toBe(steps[s].step);
        expect(r.energy).toBe(steps[s].energy);
        expect(r.stressXY).toBe(steps[s].stressXY);
        expect(r.drop).toBe(steps[s].drop);
        expect(r.iterations).toBe(steps[s].iterations);
      }
      if (s + 1 < states.length) {
        expect(resumed.saveState().positions).toEqual(states[s + 1].positions);
        expect(rewound.saveState().positions).toEqual(states[s + 1].positions);
      }
    }
    expect(() => rewound.loadState({ ...states[0], radii: new Float64Array(3) })).toThrow(/particles/);
  });

  it('flips the tilt past Lx/2 without changing the physics', () => {
    const state = states[100];
    const L = state.box.lx;
    // The same packing in a box just below the flip: the tilt is a choice of cell, so shift it by whole periods too.
    const nearFlip: AqsState = { ...state, box: { ...state.box, xy: 0.5 * L - 0.25 * de * L } };
    const r = AqsRun.fromState(nearFlip);
    const result = r.shearStep();
    expect(result.flipped).toBe(true);
    expect(r.flips).toBe(state.flips + 1);
    const [, b] = r.box.vectors;
    expect(b[0]).toBeCloseTo(-0.5 * L + 0.75 * de * L, 12);
    // The minimum found in the flipped cell is a minimum in the unflipped cell too, with the same energy and stress.
    const unflipped = new VerletPairForces({ potential: HERTZ, sizes: r.radii, box: triclinicBox([0, 0, 0], L, L, 1, b[0] + L, 0, 0), layout: 'packed' });
    const x = unflipped.pack(r.positions());
    const f = new Float64Array(unflipped.n);
    const e = unflipped.energyAndForces(x, f);
    expect(Math.abs(e - result.energy)).toBeLessThan(1e-12 * result.energy);
    expect(maxAbs(f)).toBeLessThan(1e-10);
    expect(Math.abs(unflipped.stress(x).xy - result.stressXY)).toBeLessThan(1e-9 * Math.abs(result.stressXY));
    // Shearing back (negative steps) flips the other way at -Lx/2.
    const back = AqsRun.fromState({ ...state, box: { ...state.box, xy: -0.5 * L + 0.25 * de * L } });
    const rb = back.shearStep(-de);
    expect(rb.flipped).toBe(true);
    expect(back.box.vectors[1][0]).toBeCloseTo(0.5 * L - 0.75 * de * L, 12);
    expect(rb.strain).toBeCloseTo(state.strain - de, 15);
    expect(() => back.shearStep(0)).toThrow(/nonzero/);
  });
});
