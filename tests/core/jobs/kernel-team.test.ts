// The engine's worker threads (src/core/jobs/kernel-team.ts): MD with 2 and 3 threads against the serial path. NVE is
// the serial path's bytes for any number of threads (each particle gathers its own force), so the LAMMPS step-by-step
// match holds as it does serially; the isokinetic run is the same bytes for any number of threads >= 2 and holds the
// temperature exactly; resume is bit-identical with threads too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKernelTeam, defaultThreads, type ClosableKernelTeam } from '../../../src/core/jobs/kernel-team.js';
import { MdSimulation, type MdOptions, type MdState } from '../../../src/core/sim/md.js';
import { createRandomSystem } from '../../../src/core/sim/setup.js';
import { LAMMPS_FIXTURES, loadLammpsStart } from '../sim/lammps-start.js';

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

let two: ClosableKernelTeam;
let three: ClosableKernelTeam;
beforeAll(async () => {
  two = await createKernelTeam(2);
  three = await createKernelTeam(3);
});
afterAll(async () => {
  await two.close();
  await three.close();
});

describe('MD on a kernel team', () => {
  it('NVE with 2 and 3 threads is the serial run, bit for bit, and follows small.log as the serial run does', () => {
    const start = loadLammpsStart();
    const serial = new MdSimulation(start, { integrator: 'nve' });
    const t2 = new MdSimulation(start, { integrator: 'nve', team: two });
    const t3 = new MdSimulation(start, { integrator: 'nve', team: three });
    expect(t2.threads).toBe(2);
    expect(t3.threads).toBe(3);
    const text = readFileSync(join(LAMMPS_FIXTURES, 'small.log'), 'utf8');
    const rows = text.split(/^Step Temp PotEng KinEng TotEng Press\s*$/m)[1].split(/^Loop time/m)[0].trim().split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    for (const [step, , pe, , etotal] of rows) {
      for (const sim of [serial, t2, t3]) sim.step(step - sim.timestep);
      for (const sim of [t2, t3]) {
        expect(same(sim.positions, serial.positions)).toBe(true);
        expect(same(sim.velocities, serial.velocities)).toBe(true);
        expect(same(sim.forces, serial.forces)).toBe(true);
      }
      const th = t2.thermo();
      expect(Math.abs(th.pe - pe)).toBeLessThan(step <= 250 ? 5e-15 : 5e-13);
      expect(Math.abs(th.etotal - etotal)).toBeLessThan(step <= 250 ? 5e-15 : 5e-14);
    }
    expect(t2.neighborBuilds).toBe(33);
  });

  it('isokinetic: the same bytes with 2 and 3 threads, the exact temperature every step, NVE energy conserved after', () => {
    const start = loadLammpsStart();
    const opts: MdOptions = { integrator: 'isokinetic', temperature: 0.2 };
    const a = new MdSimulation(start, { ...opts, team: two });
    const b = new MdSimulation(start, { ...opts, team: three });
    for (let k = 0; k < 40; k++) {
      a.step(37);
      b.step(37);
      expect(Math.abs(a.temperature() - 0.2)).toBeLessThan(1e-14);
    }
    expect(same(a.positions, b.positions)).toBe(true);
    expect(same(a.velocities, b.velocities)).toBe(true);
    a.setIntegrator('nve');
    const e0 = a.thermo().etotal;
    let worst = 0;
    for (let k = 0; k < 20; k++) {
      a.step(100);
      worst = Math.max(worst, Math.abs(a.thermo().etotal - e0));
    }
    expect(worst).toBeLessThan(3e-5);
  });

  for (const integrator of ['nve', 'isokinetic'] as const) {
    it(`a ${integrator} run with threads resumes from saveState bit for bit (also on another team)`, () => {
      const { system } = createRandomSystem({ n: 1200, seed: 9, temperature: 0.4 });
      const opts: MdOptions = integrator === 'nve' ? {} : { integrator, temperature: 0.4 };
      const whole = new MdSimulation(system, { ...opts, team: two });
      whole.step(900);
      const part = new MdSimulation(system, { ...opts, team: two });
      part.step(411);
      const state = structuredClone(part.saveState()) as MdState;
      const resumed = MdSimulation.fromState(state, { team: three });
      resumed.step(489);
      expect(same(resumed.positions, whole.positions)).toBe(true);
      expect(same(resumed.velocities, whole.velocities)).toBe(true);
      expect(resumed.neighborBuilds).toBe(whole.neighborBuilds);
    });
  }

  it('defaults to the machine\'s cores, 1 for tiny runs', () => {
    expect(defaultThreads(100)).toBe(1);
    expect(defaultThreads(100_000)).toBeGreaterThanOrEqual(1);
  });
});
