// The MD engine against the LAMMPS reference run (tests/fixtures/lammps-bench, from /work/shared/bench/lammps):
// forces and per-atom energies of the start configuration (forces_step0.txt, %.17g), thermodynamics every 25 steps of
// the 975-step NVE run (small.log, %.15g) and the final configuration (traj_small_nve_step975.lammpstrj, %.12f).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MdSimulation, type Thermo } from '../../../src/core/sim/md.js';
import type { ParticleSystem } from '../../../src/core/sim/system.js';
import { LAMMPS_FIXTURES as FIX, loadLammpsStart } from './lammps-start.js';

/** Thermo rows of small.log: step temp pe ke etotal press. */
function thermoRows(): number[][] {
  const text = readFileSync(join(FIX, 'small.log'), 'utf8');
  const block = text.split(/^Step Temp PotEng KinEng TotEng Press\s*$/m)[1].split(/^Loop time/m)[0];
  return block.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
}

describe('MD engine vs LAMMPS (2D polydisperse WCA, N = 2000, rho = 0.9, T = 0.2, dt = 0.003)', () => {
  let start: ParticleSystem;
  beforeAll(() => {
    start = loadLammpsStart();
  });

  it('forces and per-atom energies of the start configuration match forces_step0.txt', () => {
    const sim = new MdSimulation(start);
    const rows = readFileSync(join(FIX, 'forces_step0.txt'), 'utf8').trim().split('\n').slice(9);
    expect(rows).toHaveLength(2000);
    const pe = sim.perParticleEnergy();
    const F = sim.forces;
    let sumE = 0, maxRelF = 0, maxRelE = 0, rattlers = 0;
    for (const row of rows) {
      const t = row.split(' ').map(Number);
      const i = t[0] - 1;
      const fx = t[4], fy = t[5], e = t[6];
      sumE += e;
      const fn = Math.hypot(fx, fy);
      const df = Math.hypot(F[3 * i] - fx, F[3 * i + 1] - fy);
      if (fn === 0) {
        // Rattlers without any neighbour in range: exactly zero force and energy on both sides.
        rattlers++;
        expect(F[3 * i]).toBe(0);
        expect(F[3 * i + 1]).toBe(0);
        expect(pe[i]).toBe(0);
        expect(e).toBe(0);
        continue;
      }
      maxRelF = Math.max(maxRelF, df / fn);
      // u -> 0 at the cutoff as a difference of O(1) terms, so a tiny e_i carries an absolute round-off of ~1e-16
      // (the smallest, e = 5.2e-7, differs by 1.7e-16): relative 1e-11 plus an absolute 1e-15.
      expect(Math.abs(pe[i] - e)).toBeLessThan(1e-11 * Math.abs(e) + 1e-15);
      if (Math.abs(e) > 1e-3) maxRelE = Math.max(maxRelE, Math.abs(pe[i] - e) / Math.abs(e));
      expect(F[3 * i + 2]).toBe(0);
    }
    expect(rattlers).toBe(9);
    // Measured: 4.6e-13 (forces), 2.5e-13 (energies above 1e-3).
    expect(maxRelF).toBeLessThan(1e-11);
    expect(maxRelE).toBeLessThan(1e-11);
    expect(Math.abs(sim.potentialEnergy() - sumE) / sumE).toBeLessThan(1e-13);
  });

  it('the NVE run reproduces small.log frame by frame (temp, pe, ke, etotal, press) and the final configuration', () => {
    const sim = new MdSimulation(start, { integrator: 'nve', dt: 0.003, skin: 0.3 });
    const rows = thermoRows();
    expect(rows).toHaveLength(40);
    const worst = { temp: 0, pe: 0, ke: 0, etotal: 0, press: 0 };
    for (const [step, temp, pe, ke, etotal, press] of rows) {
      sim.step(step - sim.timestep);
      const th: Thermo = sim.thermo();
      expect(th.step).toBe(step);
      const d = { temp: th.temp - temp, pe: th.pe - pe, ke: th.ke - ke, etotal: th.etotal - etotal, press: th.press - press };
      for (const k of Object.keys(d) as (keyof typeof d)[]) worst[k] = Math.max(worst[k], Math.abs(d[k]));
      // The two engines sum forces in different orders, so they start 1e-16 apart and separate chaotically; over
      // these 975 steps (2.9 time units) the per-atom energies stay within 1e-13 of LAMMPS (measured: 8e-14 at the end;
      // the log prints 15 significant digits, so the floor is ~5e-16 for ~0.2 values).
      expect(Math.abs(d.pe)).toBeLessThan(step <= 250 ? 5e-15 : 5e-13);
      expect(Math.abs(d.ke)).toBeLessThan(step <= 250 ? 5e-15 : 5e-13);
      expect(Math.abs(d.etotal)).toBeLessThan(step <= 250 ? 5e-15 : 5e-14);
      expect(Math.abs(d.temp)).toBeLessThan(step <= 250 ? 5e-15 : 5e-13);
      expect(Math.abs(d.press)).toBeLessThan(step <= 250 ? 1e-13 : 5e-12);
    }
    expect(worst.etotal).toBeGreaterThan(0); // a real comparison, not two copies of one number
    // LAMMPS rebuilt its list 32 times in this run ("Neighbor list builds = 32"), plus the setup build.
    expect(sim.neighborBuilds).toBe(33);

    // Final configuration (step 975): positions to the 12 printed decimals (the trajectories are ~1e-11 apart by
    // now), identical image flags (both engines wrap at the same rebuilds), velocities to their 13 printed digits.
    const text = readFileSync(join(FIX, 'traj_small_nve_step975.lammpstrj'), 'utf8').trim().split('\n');
    expect(text[1]).toBe('975');
    const x = sim.positions, img = sim.images, v = sim.velocities;
    let maxDx = 0, maxDv = 0;
    for (const row of text.slice(9)) {
      const t = row.split(' ').map(Number);
      const i = t[0] - 1;
      maxDx = Math.max(maxDx, Math.abs(x[3 * i] - t[2]), Math.abs(x[3 * i + 1] - t[3]));
      maxDv = Math.max(maxDv, Math.abs(v[3 * i] - t[6]), Math.abs(v[3 * i + 1] - t[7]));
      expect(img[3 * i]).toBe(t[4]);
      expect(img[3 * i + 1]).toBe(t[5]);
    }
    expect(maxDx).toBeLessThan(5e-11);
    expect(maxDv).toBeLessThan(5e-10);
  });
});
