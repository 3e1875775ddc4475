// The thermal protocol (Jha & Sengupta Sec. II) and its production schedules: frames land exactly on S(f) = i*B + 2^j
// (Eq. 2), phases switch the integrator as documented, and a protocol resumed from its position plus the engine's saved
// state continues bit for bit.
import { describe, expect, it } from 'vitest';
import { deriveSchedule, scheduleTimestep } from '../../../src/core/index/schedule.js';
import { MdSimulation } from '../../../src/core/sim/md.js';
import {
  scheduleFrameCount, scheduleStep, scheduleSteps, systemFromFrame, ThermalProtocol, toFrameSchedule, validateProductionSchedule,
  type ProductionSchedule,
} from '../../../src/core/sim/protocol.js';
import { createRandomSystem } from '../../../src/core/sim/setup.js';

describe('production schedules', () => {
  it('log-block with block origins: i*B + {0, 2^0, ..., 2^(N_cfg-1)}', () => {
    const s: ProductionSchedule = { kind: 'log-block', B: 100, nCfg: 4, blocks: 3, blockOrigins: true };
    expect(scheduleSteps(s)).toEqual([0, 1, 2, 4, 8, 100, 101, 102, 104, 108, 200, 201, 202, 204, 208]);
    expect(scheduleFrameCount(s)).toBe(15);
  });

  it('log-block without block origins is exactly Eq. 2 (frame 0 at S = 1)', () => {
    const s: ProductionSchedule = { kind: 'log-block', B: 20000, nCfg: 15, blocks: 10, blockOrigins: false };
    const steps = scheduleSteps(s);
    expect(steps).toHaveLength(150);
    // The LAMMPS reference trajectory's schedule (shared/bench/lammps/README.md): 1, 2, ..., 16384, 20001, ... 196384.
    expect(steps.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_v, j) => 2 ** j));
    expect(steps[15]).toBe(20001);
    expect(steps[149]).toBe(196384);
    for (let f = 0; f < steps.length; f++) {
      const i = Math.floor(f / 15), j = f % 15;
      expect(steps[f]).toBe(i * 20000 + 2 ** j);
    }
  });

  it('linear: every k steps from S = 0', () => {
    expect(scheduleSteps({ kind: 'linear', every: 25, frames: 4 })).toEqual([0, 25, 50, 75]);
  });

  it('the index schedule (schedule.ts) gives the same timesteps and is what the index derives', () => {
    const cases: ProductionSchedule[] = [
      { kind: 'log-block', B: 1050, nCfg: 10, blocks: 4, blockOrigins: true },
      { kind: 'log-block', B: 1050, nCfg: 10, blocks: 4, blockOrigins: false },
      { kind: 'linear', every: 7, frames: 9 },
    ];
    for (const s of cases) {
      const fs = toFrameSchedule(s, 0.003);
      const steps = scheduleSteps(s);
      steps.forEach((S, f) => expect(scheduleTimestep(fs, f)).toBe(S));
      expect(deriveSchedule(steps)).toEqual({ ...fs, dt: null });
    }
  });

  it('refuses overlapping blocks and bad sizes', () => {
    expect(() => validateProductionSchedule({ kind: 'log-block', B: 512, nCfg: 10, blocks: 2, blockOrigins: true })).toThrow(/must exceed 2\^\(N_cfg-1\) = 512/);
    expect(() => validateProductionSchedule({ kind: 'linear', every: 0, frames: 3 })).toThrow(/every/);
    expect(() => validateProductionSchedule({ kind: 'log-block', B: 100, nCfg: 0, blocks: 1, blockOrigins: true })).toThrow(/N_cfg/);
  });
});

function smallSim(seed = 4): MdSimulation {
  const { system, rng } = createRandomSystem({ n: 64, density: 0.9, temperature: 0.5, seed });
  return new MdSimulation(system, { rng });
}

/** Run the protocol to the end in chunks of `budget`; returns the MD step and production step of every frame. */
function runAll(p: ThermalProtocol, sim: MdSimulation, budget: number, onFrame?: (f: number) => void): { md: number[]; S: number[] } {
  const md: number[] = [], S: number[] = [];
  let guard = 0;
  while (!p.done) {
    if (guard++ > 1e6) throw new Error('protocol did not finish');
    const r = p.advance(sim, budget);
    if (r.frameDue) {
      const f = p.position.frame;
      md.push(sim.timestep);
      S.push(p.position.phaseStep);
      onFrame?.(f);
      p.frameWritten();
    }
  }
  return { md, S };
}

describe('ThermalProtocol', () => {
  const schedule: ProductionSchedule = { kind: 'log-block', B: 40, nCfg: 5, blocks: 3, blockOrigins: true };

  it('writes frames exactly at S(f) after equilibration and aging, whatever the chunk size', () => {
    for (const budget of [1, 7, 1000]) {
      const sim = smallSim();
      const p = new ThermalProtocol({ parentTemperature: 0.5, temperature: 0.3, equilSteps: 50, twSteps: 30, schedule });
      expect(p.totalSteps).toBe(50 + 30 + 96);
      const { md, S } = runAll(p, sim, budget);
      expect(S).toEqual(scheduleSteps(schedule));
      expect(md).toEqual(S.map((s) => 80 + s));
      expect(sim.timestep).toBe(p.totalSteps);
    }
  });

  it('equilibrates at T_p, quenches to T and holds it exactly (isokinetic), or runs NVE production', () => {
    const sim = smallSim();
    const p = new ThermalProtocol({ parentTemperature: 0.5, temperature: 0.25, equilSteps: 20, twSteps: 20, schedule: { kind: 'linear', every: 10, frames: 3 } });
    p.advance(sim, 5);
    expect(sim.integrator).toBe('isokinetic');
    expect(sim.targetTemperature).toBe(0.5);
    expect(Math.abs(sim.temperature() - 0.5)).toBeLessThan(1e-12);
    p.advance(sim, 15); // end of equilibration
    expect(p.position.phase).toBe('age');
    p.advance(sim, 3); // entering aging quenches
    expect(sim.targetTemperature).toBe(0.25);
    expect(Math.abs(sim.temperature() - 0.25)).toBeLessThan(1e-12);
    runAll(p, sim, 4, () => expect(Math.abs(sim.temperature() - 0.25)).toBeLessThan(1e-12));

    const nve = smallSim();
    const q = new ThermalProtocol({ parentTemperature: 0.5, temperature: 0.25, equilSteps: 300, twSteps: 100, schedule: { kind: 'linear', every: 50, frames: 3 }, production: 'nve' });
    const energies: number[] = [], temps: number[] = [];
    runAll(q, nve, 3, () => { energies.push(nve.potentialEnergy() + nve.kineticEnergy()); temps.push(nve.temperature()); });
    expect(nve.integrator).toBe('nve');
    // NVE: the production starts from the aged velocities at T, the temperature then floats, the energy is conserved.
    expect(Math.abs(temps[0] - 0.25)).toBeLessThan(1e-12);
    expect(Math.abs(temps[2] - 0.25)).toBeGreaterThan(1e-6);
    expect(Math.abs(energies[2] - energies[0]) / Math.abs(energies[0])).toBeLessThan(1e-4);
    // Production only: no phase before the first frame.
    const r = new ThermalProtocol({ temperature: 0.3, equilSteps: 0, twSteps: 0, schedule: { kind: 'linear', every: 5, frames: 2 } });
    expect(r.position.phase).toBe('produce');
    expect(r.advance(smallSim(), 10)).toEqual({ steps: 0, frameDue: true });
  });

  it('resumes from its position and the engine state bit for bit', () => {
    const opts = { parentTemperature: 0.5, temperature: 0.3, equilSteps: 33, twSteps: 17, schedule };
    const simA = smallSim(9);
    const a = new ThermalProtocol(opts);
    const framesA: Float64Array[] = [];
    runAll(a, simA, 11, () => framesA.push(simA.wrappedPositions().positions));

    const simB = smallSim(9);
    const b = new ThermalProtocol(opts);
    const framesB: Float64Array[] = [];
    // Stop in the middle of aging, save, resume in a fresh simulation; then stop again mid-production.
    while (b.position.phase !== 'age' || b.position.phaseStep < 5) b.advance(simB, 5);
    let state = simB.saveState(), pos = b.position;
    let simC = MdSimulation.fromState(state);
    let c = new ThermalProtocol(opts, pos);
    while (c.position.frame < 7) {
      const r = c.advance(simC, 13);
      if (r.frameDue) { framesB.push(simC.wrappedPositions().positions); c.frameWritten(); }
    }
    c.advance(simC, 2);
    state = simC.saveState(); pos = c.position;
    simC = MdSimulation.fromState(state);
    c = new ThermalProtocol(opts, pos);
    runAll(c, simC, 1000, () => framesB.push(simC.wrappedPositions().positions));
    expect(framesB).toHaveLength(framesA.length);
    for (let f = 0; f < framesA.length; f++) expect(Buffer.from(framesB[f].buffer).equals(Buffer.from(framesA[f].buffer))).toBe(true);
  });

  it('schedule S(f) lookups agree with the list', () => {
    const s: ProductionSchedule = { kind: 'log-block', B: 1050000, nCfg: 21, blocks: 2, blockOrigins: true };
    expect(scheduleStep(s, 21)).toBe(2 ** 20);
    expect(scheduleStep(s, 22)).toBe(1050000);
    expect(scheduleStep(s, 43)).toBe(1050000 + 2 ** 20);
  });
});

describe('systemFromFrame', () => {
  it('takes positions, box, diameters, velocities and images of a frame', () => {
    const n = 3;
    const frame = {
      index: 0, n, dimensions: 2 as const,
      box: { origin: [-2, -2, 0] as [number, number, number], vectors: [[4, 0, 0], [0, 4, 0], [0, 0, 0]] as [[number, number, number], [number, number, number], [number, number, number]], periodic: [true, true, false] as [boolean, boolean, boolean] },
      ids: Int32Array.of(1, 2, 3), types: Int32Array.of(0, 0, 1), positions: Float64Array.of(0, 0, 0, 1, 1, 0, -1, 1, 0),
      images: Int32Array.of(0, 0, 0, 1, 0, 0, 0, -1, 0),
      properties: { diameter: Float64Array.of(1, 1.1, 0.9), vx: Float64Array.of(0.1, 0, 0), vy: Float64Array.of(0, 0.2, 0) },
    };
    const s = systemFromFrame(frame);
    expect(Array.from(s.diameters)).toEqual([1, 1.1, 0.9]);
    expect(s.box.vectors[2]).toEqual([0, 0, 1]);
    expect(s.box.origin).toEqual([-2, -2, -0.5]);
    expect(Array.from(s.velocities)).toEqual([0.1, 0, 0, 0, 0.2, 0, 0, 0, 0]);
    expect(Array.from(s.images)).toEqual([0, 0, 0, 1, 0, 0, 0, -1, 0]);
    expect(() => systemFromFrame({ ...frame, properties: {} })).toThrow(/no particle diameters/);
  });
});
