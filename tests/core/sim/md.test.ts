// Integrators, determinism and checkpoints of the MD engine (src/core/sim/md.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { virialStress } from '../../../src/core/analysis/stress.js';
import { boxVolume } from '../../../src/core/box.js';
import { forces as referenceForces, WCA, totalEnergy } from '../../../src/core/potentials.js';
import { MdSimulation, type MdState } from '../../../src/core/sim/md.js';
import { createRandomSystem } from '../../../src/core/sim/setup.js';
import { kineticTemperature, type ParticleSystem } from '../../../src/core/sim/system.js';
import { loadLammpsStart } from './lammps-start.js';

function expectSameArray(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  let diff = -1;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      diff = i;
      break;
    }
  }
  expect(diff).toBe(-1);
}

describe('NVE (velocity Verlet) from the LAMMPS start', () => {
  let start: ParticleSystem;
  beforeAll(() => {
    start = loadLammpsStart();
  });

  it('conserves energy over 10^4 steps at dt = 0.003: |E(t) - E(0)| / N < 3e-5 at every 100th step', () => {
    const sim = new MdSimulation(start);
    const e0 = sim.thermo().etotal;
    let maxDev = 0;
    const devs: number[] = [];
    for (let k = 0; k < 100; k++) {
      sim.step(100);
      const d = sim.thermo().etotal - e0;
      devs.push(d);
      maxDev = Math.max(maxDev, Math.abs(d));
    }
    // Measured: 9.1e-6 (the same +-1e-5 fluctuation LAMMPS shows in small.log), no systematic drift: the mean of the
    // last 10 samples differs from the first 10 by ~6e-6.
    expect(maxDev).toBeLessThan(3e-5);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(devs.slice(-10)) - mean(devs.slice(0, 10)))).toBeLessThan(2e-5);
    // Total momentum stays zero (it starts at ~1e-16 per particle).
    const v = sim.velocities;
    let px = 0, py = 0;
    for (let i = 0; i < sim.n; i++) { px += v[3 * i]; py += v[3 * i + 1]; }
    expect(Math.hypot(px, py)).toBeLessThan(1e-10);
    expect(sim.timestep).toBe(10_000);
    expect(sim.time).toBeCloseTo(30, 9);
  });

  it('keeps the Verlet list complete: after many rebuilds the forces equal a fresh all-pairs evaluation', () => {
    const sim = new MdSimulation(start);
    sim.step(1234);
    expect(sim.neighborBuilds).toBeGreaterThan(20);
    const fresh = new Float64Array(3 * sim.n);
    const u = referenceForces(sim.positions, sim.box, sim.diameters, WCA, fresh, 2);
    let maxErr = 0, maxF = 0;
    for (let k = 0; k < fresh.length; k++) {
      maxErr = Math.max(maxErr, Math.abs(fresh[k] - sim.forces[k]));
      maxF = Math.max(maxF, Math.abs(fresh[k]));
    }
    expect(maxErr / maxF).toBeLessThan(1e-12);
    expect(Math.abs(sim.potentialEnergy() - u) / u).toBeLessThan(1e-13);
  });

  it('tracks images: unwrapped = positions + images * L, continuous, and wrapped copies lie in [0, L)', () => {
    const sim = new MdSimulation(start);
    const L = sim.box.vectors[0][0];
    const u0 = sim.unwrappedPositions();
    let prev = u0;
    let maxJump = 0;
    for (let k = 0; k < 30; k++) {
      sim.step(100);
      const u = sim.unwrappedPositions();
      for (let p = 0; p < u.length; p++) maxJump = Math.max(maxJump, Math.abs(u[p] - prev[p]));
      prev = u;
    }
    // 100 steps at T = 0.2 move a caged particle by far less than a box length: no wrap is ever lost or doubled.
    expect(maxJump).toBeLessThan(1);
    let changed = 0;
    for (let p = 0; p < sim.images.length; p++) if (sim.images[p] !== start.images[p]) changed++;
    expect(changed).toBeGreaterThan(0);
    const { positions, images } = sim.wrappedPositions();
    for (let i = 0; i < sim.n; i++) {
      for (let a = 0; a < 2; a++) {
        expect(positions[3 * i + a]).toBeGreaterThanOrEqual(0);
        expect(positions[3 * i + a]).toBeLessThan(L);
        expect(Math.abs(positions[3 * i + a] + images[3 * i + a] * L - prev[3 * i + a])).toBeLessThan(1e-12);
      }
    }
  });

  it('stress: pair virial as analysis/stress.ts (oracle section D), kinetic tensor, pressure = LAMMPS press', () => {
    const sim = new MdSimulation(start);
    sim.step(50);
    const T = sim.temperature();
    const ref = virialStress({ positions: sim.positions, box: sim.box, sizes: sim.diameters, potential: WCA, temperature: T, perParticle: false });
    const w = sim.virial();
    expect(w.xx).toBeGreaterThan(0);
    expect(Math.abs(w.xx - ref.virial.xx) / ref.virial.xx).toBeLessThan(1e-12);
    expect(Math.abs(w.yy - ref.virial.yy) / ref.virial.yy).toBeLessThan(1e-12);
    expect(Math.abs(w.xy - ref.virial.xy)).toBeLessThan(1e-12 * ref.virial.xx);
    const ideal = sim.stress('ideal');
    expect(ideal.xx).toBeCloseTo(ref.global.xx, 12);
    expect(ideal.yy).toBeCloseTo(ref.global.yy, 12);
    expect(ideal.xy).toBeCloseTo(ref.global.xy, 12);
    const A = boxVolume(sim.box, 2);
    expect(sim.stress('none').xx).toBeCloseTo(w.xx / A, 14);
    const tensor = sim.stress();
    expect(tensor.kinetic).toBe('tensor');
    // (xx + yy)/2 of the tensor form = LAMMPS's scalar press (kinetic trace = 2K = dof * T).
    expect((tensor.xx + tensor.yy) / 2).toBeCloseTo(sim.pressure(), 12);
  });
});

describe('isokinetic thermostat (Brown & Clarke)', () => {
  it('holds the kinetic temperature at the target to round-off every step (from the LAMMPS start)', () => {
    const sim = new MdSimulation(loadLammpsStart(), { integrator: 'isokinetic', temperature: 0.2 });
    expect(sim.temperature()).toBeCloseTo(0.2, 15);
    let worst = 0;
    for (let s = 0; s < 600; s++) {
      sim.step(1);
      worst = Math.max(worst, Math.abs(sim.temperature() - 0.2) / 0.2);
    }
    // Round-off of a 4000-term kinetic-energy sum and one scaling: measured 6e-15 relative.
    expect(worst).toBeLessThan(1e-13);
    expect(sim.integrator).toBe('isokinetic');
    expect(sim.targetTemperature).toBe(0.2);
  });

  it('heats and cools a system to the target at once and keeps it there; switching back to NVE conserves energy', () => {
    const { system } = createRandomSystem({ n: 400, seed: 3, temperature: 0.5 });
    const sim = new MdSimulation(system, { integrator: 'isokinetic', temperature: 1.0 });
    for (let s = 0; s < 300; s++) {
      sim.step(1);
      expect(Math.abs(sim.temperature() - 1.0)).toBeLessThan(1e-13);
    }
    sim.setIntegrator('isokinetic', 0.3);
    for (let s = 0; s < 300; s++) {
      sim.step(1);
      expect(Math.abs(sim.temperature() - 0.3)).toBeLessThan(1e-13 * 0.3);
    }
    sim.setIntegrator('nve');
    const e0 = sim.thermo().etotal;
    sim.step(2000);
    expect(Math.abs(sim.thermo().etotal - e0)).toBeLessThan(1e-4);
  });

  it('reduces to velocity Verlet when the kinetic energy is already on target (beta = 1 at the first step)', () => {
    // Equal first steps: both integrators start from the same scaled velocities, and the first half kick is unconstrained.
    const start = loadLammpsStart();
    const T0 = kineticTemperature(start.velocities, start.masses, 2);
    const a = new MdSimulation(start, { integrator: 'isokinetic', temperature: T0 });
    const b = new MdSimulation(start);
    a.step(1);
    b.step(1);
    let maxDx = 0;
    for (let k = 0; k < a.positions.length; k++) maxDx = Math.max(maxDx, Math.abs(a.positions[k] - b.positions[k]));
    expect(maxDx).toBeLessThan(1e-15);
  });
});

describe('determinism and checkpoints', () => {
  it('same seed -> bit-identical systems and trajectories; another seed differs', () => {
    const run = (seed: number): MdSimulation => {
      const { system, rng } = createRandomSystem({ n: 300, seed, temperature: 0.4 });
      const sim = new MdSimulation(system, { integrator: 'isokinetic', temperature: 0.4, rng });
      sim.step(500);
      return sim;
    };
    const a = run(11), b = run(11), c = run(12);
    expectSameArray(a.positions, b.positions);
    expectSameArray(a.velocities, b.velocities);
    expectSameArray(a.images, b.images);
    expectSameArray(a.rng.state().s, b.rng.state().s);
    expect(a.positions[0]).not.toBe(c.positions[0]);
  });

  for (const integrator of ['nve', 'isokinetic'] as const) {
    it(`saveState / fromState / loadState resume a ${integrator} run bit for bit`, () => {
      const start = loadLammpsStart();
      const opts = integrator === 'nve' ? {} : { integrator, temperature: 0.2 };
      const whole = new MdSimulation(start, opts);
      whole.step(1500);
      const part = new MdSimulation(start, opts);
      part.step(613); // not at a rebuild
      const state = part.saveState();
      // A plain object of typed arrays: it survives structured cloning (worker messages, IndexedDB, files).
      const cloned = structuredClone(state) as MdState;
      part.step(50); // the original moves on; the checkpoint must not follow it
      const resumed = MdSimulation.fromState(cloned);
      expect(resumed.timestep).toBe(613);
      resumed.step(887);
      expect(resumed.timestep).toBe(1500);
      expect(resumed.neighborBuilds).toBe(whole.neighborBuilds);
      expectSameArray(resumed.positions, whole.positions);
      expectSameArray(resumed.velocities, whole.velocities);
      expectSameArray(resumed.images, whole.images);
      expectSameArray(resumed.forces, whole.forces);
      expect(resumed.potentialEnergy()).toBe(whole.potentialEnergy());
      expect(resumed.time).toBe(whole.time);
      // loadState into an existing simulation does the same.
      part.loadState(cloned);
      part.step(887);
      expectSameArray(part.positions, whole.positions);
      expectSameArray(part.velocities, whole.velocities);
    });
  }

  it('rejects malformed states', () => {
    const sim = new MdSimulation(createRandomSystem({ n: 50, seed: 1, temperature: 0.2 }).system);
    const s = sim.saveState();
    expect(() => MdSimulation.fromState({ ...s, version: 2 as 1 })).toThrow(/unknown format/);
    expect(() => MdSimulation.fromState({ ...s, positions: new Float64Array(3) })).toThrow(/positions has 3 entries, expected 150/);
  });
});

describe('forces against the reference pair sums of potentials.ts', () => {
  it('energy of a fresh random system equals totalEnergy', () => {
    const { system } = createRandomSystem({ n: 500, seed: 5 });
    const sim = new MdSimulation(system);
    const u = totalEnergy(sim.positions, sim.box, sim.diameters, WCA, 2);
    expect(Math.abs(sim.potentialEnergy() - u)).toBeLessThan(1e-12 * Math.max(1, u));
  });
});
