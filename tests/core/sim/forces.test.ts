// The Verlet-list pair forces of the MD engine (src/core/sim/forces.ts): F = -grad U by finite differences, in 2D and
// 3D, square and tilted boxes, WCA and Hertz; the list against the reference pair sums of potentials.ts.
import { describe, expect, it } from 'vitest';
import { triclinicBox, type Box } from '../../../src/core/box.js';
import { forces as referenceForces, HERTZ, WCA, totalEnergy, type PairPotential } from '../../../src/core/potentials.js';
import { VerletPairForces } from '../../../src/core/sim/forces.js';
import { MdSimulation } from '../../../src/core/sim/md.js';
import { Rng } from '../../../src/core/sim/rng.js';
import { createRandomSystem, removeOverlaps } from '../../../src/core/sim/setup.js';
import { assignVelocities, makeSystem, polydisperseDiameters, randomPositions, type ParticleSystem } from '../../../src/core/sim/system.js';

function tiltedSystem(n: number, seed: number): ParticleSystem {
  const rng = new Rng(seed);
  const L = Math.sqrt(n / 0.9);
  const box: Box = triclinicBox([1, -2, -0.5], L, L, 1, 0.37 * L, 0, 0, [true, true, false]);
  const system = makeSystem({ dimensions: 2, box, positions: randomPositions(n, box, 2, rng), diameters: polydisperseDiameters(n, rng) });
  removeOverlaps(system);
  return system;
}

function random3d(n: number, seed: number): ParticleSystem {
  return createRandomSystem({ n, seed, dimensions: 3, density: 0.8 }).system;
}

/** Largest |F_fd - F| / max|F| over a sample of coordinates, central differences with step h. */
function finiteDifferenceError(system: ParticleSystem, potential: PairPotential, h: number, samples: number): number {
  const sizes = potential.sizesFromDiameters(system.diameters);
  const vp = new VerletPairForces({ potential, sizes, box: system.box, dimensions: system.dimensions, skin: 0.3 });
  const x = system.positions.slice();
  vp.build(x);
  const f = new Float64Array(x.length);
  vp.forces(x, f);
  let fmax = 0;
  for (const v of f) fmax = Math.max(fmax, Math.abs(v));
  expect(fmax).toBeGreaterThan(0.1);
  const rng = new Rng(99);
  let worst = 0;
  for (let s = 0; s < samples; s++) {
    const i = rng.below(system.n), a = rng.below(system.dimensions);
    const p = 3 * i + a;
    const x0 = x[p];
    x[p] = x0 + h;
    const up = vp.energy(x);
    x[p] = x0 - h;
    const um = vp.energy(x);
    x[p] = x0;
    worst = Math.max(worst, Math.abs(-(up - um) / (2 * h) - f[p]) / fmax);
  }
  return worst;
}

describe('VerletPairForces: F = -grad U', () => {
  const cases: [string, () => ParticleSystem, PairPotential][] = [
    ['2D WCA, square box', () => createRandomSystem({ n: 300, seed: 21, overlap: { maxOverlap: 0.15 } }).system, WCA],
    ['2D Hertz, square box', () => createRandomSystem({ n: 300, seed: 22, overlap: { maxOverlap: 0.4 } }).system, HERTZ],
    ['2D WCA, tilted box (xy = 0.37 L)', () => tiltedSystem(300, 23), WCA],
    ['3D WCA, cubic box', () => random3d(300, 24), WCA],
  ];
  for (const [name, make, pot] of cases) {
    it(name, () => {
      const system = make();
      // Sample 200 coordinates; central differences at h = 1e-6 (truncation ~ h^2 U''' is far below 1e-7 here).
      expect(finiteDifferenceError(system, pot, 1e-6, 200)).toBeLessThan(1e-7);
      // Energy equals the reference pair sum (its own neighbour search, minimum image).
      const sizes = pot.sizesFromDiameters(system.diameters);
      const vp = new VerletPairForces({ potential: pot, sizes, box: system.box, dimensions: system.dimensions, skin: 0.3 });
      vp.build(system.positions);
      const u = totalEnergy(system.positions, system.box, sizes, pot, system.dimensions);
      expect(u).toBeGreaterThan(0);
      expect(Math.abs(vp.energy(system.positions) - u) / u).toBeLessThan(1e-12);
      const f = new Float64Array(3 * system.n), g = new Float64Array(3 * system.n);
      vp.forces(system.positions, f);
      referenceForces(system.positions, system.box, sizes, pot, g, system.dimensions);
      for (let k = 0; k < f.length; k++) expect(Math.abs(f[k] - g[k])).toBeLessThan(1e-10 * (1 + Math.abs(g[k])));
    });
  }

  it('per-particle energies sum to U; the list keeps only pairs within their own cutoff + skin', () => {
    const { system } = createRandomSystem({ n: 400, seed: 30 });
    const vp = new VerletPairForces({ potential: WCA, sizes: system.diameters, box: system.box, dimensions: 2, skin: 0.3 });
    vp.build(system.positions);
    const e = vp.perParticleEnergy(system.positions, new Float64Array(system.n));
    const u = vp.energy(system.positions);
    expect(Math.abs(e.reduce((a, b) => a + b, 0) - u) / u).toBeLessThan(1e-13);
    // Per-pair cutoffs: fewer pairs than one list with the largest cutoff for all.
    let maxD = 0;
    for (const d of system.diameters) maxD = Math.max(maxD, d);
    const full = new VerletPairForces({ potential: WCA, sizes: new Float64Array(system.n).fill(maxD), box: system.box, dimensions: 2, skin: 0.3 });
    full.build(system.positions);
    expect(vp.pairs).toBeLessThan(full.pairs);
    expect(vp.outerSkin).toBeCloseTo(1.5, 15);
    expect(vp.listCutoff).toBeCloseTo(Math.pow(2, 1 / 6) * maxD + 1.5, 14);
  });

  it('the two-level list (outer skin 5 skin) gives the same trajectory, bit for bit, as a one-level list', () => {
    const { system, rng } = createRandomSystem({ n: 500, seed: 31, temperature: 0.6 });
    const a = new MdSimulation(system, { integrator: 'isokinetic', temperature: 0.6, rng: Rng.fromState(rng.state()) });
    const b = new MdSimulation(system, { integrator: 'isokinetic', temperature: 0.6, rng: Rng.fromState(rng.state()), outerSkin: 0.3 });
    a.step(3000);
    b.step(3000);
    expect(a.neighborBuilds).toBe(b.neighborBuilds);
    expect(b.outerListBuilds).toBe(b.neighborBuilds);
    expect(a.outerListBuilds).toBeLessThan(a.neighborBuilds / 3);
    expect(a.listedPairs).toBe(b.listedPairs);
    expect(Array.from(a.positions)).toEqual(Array.from(b.positions));
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(Array.from(a.velocities)).toEqual(Array.from(b.velocities));
  });

  it("the 'xyz' and 'packed' layouts give the same energy and forces, bit for bit; setBox rebuilds the lists", () => {
    const system = tiltedSystem(300, 25);
    const xyz = new VerletPairForces({ potential: WCA, sizes: system.diameters, box: system.box });
    const packed = new VerletPairForces({ potential: WCA, sizes: system.diameters, box: system.box, layout: 'packed' });
    expect([xyz.n, xyz.dofsPerParticle, packed.n, packed.dofsPerParticle]).toEqual([900, 3, 600, 2]);
    const x = packed.pack(system.positions);
    const f3 = new Float64Array(xyz.n), f2 = new Float64Array(packed.n);
    const e3 = xyz.energyAndForces(system.positions, f3);
    expect(packed.energyAndForces(x, f2)).toBe(e3);
    for (let i = 0; i < system.n; i++) {
      expect(f2[2 * i]).toBe(f3[3 * i]);
      expect(f2[2 * i + 1]).toBe(f3[3 * i + 1]);
      expect(f3[3 * i + 2]).toBe(0);
    }
    expect(Array.from(packed.unpack(x))).toEqual(Array.from(system.positions));
    // A sheared box (tilt 0.37 L -> 0.45 L, positions not moved): both lists are built anew for it.
    const [a, b] = system.box.vectors;
    const sheared = triclinicBox(system.box.origin, a[0], b[1], 1, b[0] + 0.08 * a[0], 0, 0, [true, true, false]);
    packed.setBox(sheared);
    const u = totalEnergy(system.positions, sheared, system.diameters, WCA, 2);
    expect(Math.abs(packed.energy(x) - u) / u).toBeLessThan(1e-12);
    expect(packed.outerBuilds).toBe(2);
  });

  it('refuses a box narrower than twice the list cutoff', () => {
    const box = triclinicBox([0, 0, -0.5], 2.5, 10, 1, 0, 0, 0);
    expect(() => new VerletPairForces({ potential: WCA, sizes: new Float64Array(4).fill(1), box, dimensions: 2, skin: 0.3 })).toThrow(/wider than twice the list cutoff/);
  });
});

describe('MD in a tilted box and in 3D', () => {
  it('conserves energy (NVE) and holds T (isokinetic) in a tilted 2D box; forces match a fresh evaluation', () => {
    const system = tiltedSystem(400, 41);
    assignVelocities(system, 0.3, new Rng(1));
    const sim = new MdSimulation(system, { integrator: 'isokinetic', temperature: 0.3 });
    sim.step(500);
    expect(sim.temperature()).toBeCloseTo(0.3, 13);
    sim.setIntegrator('nve');
    const e0 = sim.thermo().etotal;
    sim.step(1500);
    expect(Math.abs(sim.thermo().etotal - e0)).toBeLessThan(2e-4);
    const g = new Float64Array(3 * sim.n);
    referenceForces(sim.positions, sim.box, sim.diameters, WCA, g, 2);
    for (let k = 0; k < g.length; k++) expect(Math.abs(sim.forces[k] - g[k])).toBeLessThan(1e-10 * (1 + Math.abs(g[k])));
    // Wrapped copies lie inside the tilted cell: fractional coordinates in [0, 1).
    const { positions } = sim.wrappedPositions();
    const [a, b] = sim.box.vectors, o = sim.box.origin;
    for (let i = 0; i < sim.n; i++) {
      const s1 = (positions[3 * i + 1] - o[1]) / b[1];
      const s0 = (positions[3 * i] - o[0] - s1 * b[0]) / a[0];
      expect(s1).toBeGreaterThanOrEqual(0);
      expect(s1).toBeLessThan(1);
      expect(s0).toBeGreaterThanOrEqual(-1e-12);
      expect(s0).toBeLessThan(1 + 1e-12);
    }
  });

  it('runs a 3D WCA system: exact isokinetic T, NVE energy conserved', () => {
    const { system, rng } = createRandomSystem({ n: 256, seed: 42, dimensions: 3, density: 0.8, temperature: 0.5 });
    const sim = new MdSimulation(system, { integrator: 'isokinetic', temperature: 0.5, rng, dt: 0.002 });
    sim.step(300);
    expect(sim.temperature()).toBeCloseTo(0.5, 13);
    sim.setIntegrator('nve');
    const e0 = sim.thermo().etotal;
    sim.step(1000);
    expect(Math.abs(sim.thermo().etotal - e0)).toBeLessThan(5e-4);
    expect(sim.velocities.some((v, k) => k % 3 === 2 && v !== 0)).toBe(true);
  });
});
