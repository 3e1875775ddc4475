// The WebAssembly kernels of the pair-force engine (src/core/sim/wasm/kernels.wat): the committed module is exactly the
// assembled source, and the kernels give the numbers of the JavaScript loops bit for bit (forces, energies, whole MD
// trajectories with both integrators, tilted boxes, both coordinate layouts, WCA and Hertz).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { triclinicBox, type Box } from '../../../src/core/box.js';
import { HERTZ, WCA, type PairPotential } from '../../../src/core/potentials.js';
import { VerletPairForces, type CoordinateLayout } from '../../../src/core/sim/forces.js';
import { MdSimulation, type MdOptions } from '../../../src/core/sim/md.js';
import { Rng } from '../../../src/core/sim/rng.js';
import { removeOverlaps } from '../../../src/core/sim/setup.js';
import { assignVelocities, makeSystem, polydisperseDiameters, randomPositions, type ParticleSystem } from '../../../src/core/sim/system.js';
import { loadLammpsStart } from './lammps-start.js';

const ROOT = join(import.meta.dirname, '../../..');

/** Indices where two arrays differ as bit patterns (Object.is: -0 and NaN count). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) d++;
  return d;
}

function tilted(n: number, seed: number, maxOverlap: number): ParticleSystem {
  const rng = new Rng(seed);
  const L = Math.sqrt(n / 0.9);
  const box: Box = triclinicBox([1, -2, -0.5], L, L, 1, 0.41 * L, 0, 0, [true, true, false]);
  const system = makeSystem({ dimensions: 2, box, positions: randomPositions(n, box, 2, rng), diameters: polydisperseDiameters(n, rng) });
  removeOverlaps(system, { maxOverlap });
  assignVelocities(system, 0.5, rng);
  return system;
}

describe('the kernels module', () => {
  it('kernels-wasm.ts is kernels.wat assembled by scripts/build-wasm.mjs (reproducible build)', async () => {
    const build = (await import(join(ROOT, 'scripts/build-wasm.mjs'))) as { assemble(): Promise<Uint8Array>; moduleText(b: Uint8Array): string };
    const text = build.moduleText(await build.assemble());
    expect(readFileSync(join(ROOT, 'src/core/sim/wasm/kernels-wasm.ts'), 'utf8')).toBe(text);
  });
});

describe('wasm kernels = JS loops, bit for bit', () => {
  const cases: [string, () => ParticleSystem, PairPotential][] = [
    ['WCA glass (LAMMPS start)', () => loadLammpsStart(), WCA],
    ['WCA, tilted box with overlaps', () => tilted(400, 5, 0.2), WCA],
    ['Hertz, tilted box with overlaps', () => tilted(400, 6, 0.4), HERTZ],
  ];
  for (const [name, make, pot] of cases) {
    for (const layout of ['xyz', 'packed'] as CoordinateLayout[]) {
      it(`${name}, ${layout} layout: energy, forces, after moves that rebuild the lists`, () => {
        const s = make();
        const mk = (kernel: 'wasm' | 'js'): VerletPairForces =>
          new VerletPairForces({ potential: pot, sizes: pot.sizesFromDiameters(s.diameters), box: s.box, layout, kernel });
        const a = mk('wasm'), b = mk('js');
        expect(a.wasm).toBe(true);
        expect(b.wasm).toBe(false);
        const x = a.pack(s.positions);
        const fa = new Float64Array(a.n), fb = new Float64Array(a.n);
        const rng = new Rng(11);
        for (let round = 0; round < 4; round++) {
          const ea = a.energyAndForces(x, fa), eb = b.energyAndForces(x, fb);
          expect(Object.is(ea, eb)).toBe(true);
          expect(ea).toBeGreaterThan(0);
          expect(differences(fa, fb)).toBe(0);
          a.forces(x, fa);
          b.forces(x, fb);
          expect(differences(fa, fb)).toBe(0);
          expect(a.pairs).toBe(b.pairs);
          for (let i = 0; i < x.length; i++) x[i] += 0.12 * (rng.uniform() - 0.5);
        }
        expect(a.builds).toBeGreaterThan(1);
      });
    }
  }

  const md: [string, () => ParticleSystem, MdOptions][] = [
    ['NVE from the LAMMPS start', () => loadLammpsStart(), { integrator: 'nve' }],
    ['isokinetic from the LAMMPS start', () => loadLammpsStart(), { integrator: 'isokinetic', temperature: 0.2 }],
    ['isokinetic, tilted box, unequal masses', () => {
      const s = tilted(300, 7, 0.1);
      const rng = new Rng(3);
      for (let i = 0; i < s.n; i++) s.masses[i] = 0.5 + rng.uniform();
      return s;
    }, { integrator: 'isokinetic', temperature: 0.4 }],
    ['NVE, tilted box, unequal masses', () => {
      const s = tilted(300, 8, 0.1);
      const rng = new Rng(4);
      for (let i = 0; i < s.n; i++) s.masses[i] = 0.5 + rng.uniform();
      return s;
    }, { integrator: 'nve' }],
  ];
  for (const [name, make, opts] of md) {
    it(`MD trajectory: ${name} (steps in chunks of 1, 7, 300, 1500)`, () => {
      const s = make();
      const a = new MdSimulation(s, { ...opts, kernel: 'wasm' });
      const b = new MdSimulation(s, { ...opts, kernel: 'js' });
      for (const k of [1, 7, 300, 1500]) {
        a.step(k);
        b.step(k);
      }
      expect(a.neighborBuilds).toBe(b.neighborBuilds);
      expect(a.neighborBuilds).toBeGreaterThan(5);
      expect(differences(a.positions, b.positions)).toBe(0);
      expect(differences(a.velocities, b.velocities)).toBe(0);
      expect(differences(a.forces, b.forces)).toBe(0);
      expect(differences(a.images, b.images)).toBe(0);
      expect(Object.is(a.potentialEnergy(), b.potentialEnergy())).toBe(true);
    });
  }
});
