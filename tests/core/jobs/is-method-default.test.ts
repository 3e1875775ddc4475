// Inherent structures are made by conjugate gradient unless FIRE is asked for, as Jha & Sengupta make theirs
// ("minimizing the potential energy using the conjugate gradient method"): the engine, the minimize job and the
// simulate job share that default.
import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import { validateMinimizeParams } from '../../../src/core/jobs/minimize-job.js';
import { validateSimulateParams } from '../../../src/core/jobs/simulate-job.js';
import { inherentStructure } from '../../../src/core/sim/inherent-structure.js';
import { mulberry32 } from '../../../src/core/util/random.js';

describe('inherent structures default to conjugate gradient', () => {
  it('in the engine: no method is the same minimization as method cg, and not FIRE', () => {
    const r = mulberry32(5);
    const n = 64;
    const box = orthoBox(8.4, 8.4, 1, [0, 0, -0.5]);
    const positions = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      positions[3 * i] = 8.4 * (((i % 8) + 0.5 + 0.2 * (r() - 0.5)) / 8);
      positions[3 * i + 1] = 8.4 * ((Math.floor(i / 8) + 0.5 + 0.2 * (r() - 0.5)) / 8);
    }
    const diameters = Float64Array.from({ length: n }, () => 0.9 + 0.2 * r());
    const byDefault = inherentStructure(positions, diameters, box);
    const cg = inherentStructure(positions, diameters, box, { method: 'cg' });
    const fire = inherentStructure(positions, diameters, box, { method: 'fire' });
    expect(byDefault.converged).toBe(true);
    expect(Array.from(byDefault.positions)).toEqual(Array.from(cg.positions));
    expect(byDefault.iterations).toBe(cg.iterations);
    expect(fire.iterations).not.toBe(cg.iterations);
  });

  it('in avw minimize and avw simulate --is (FIRE on request)', () => {
    expect(validateMinimizeParams({ path: '/data/run.gsd', out: '/data/run.is.gsd' }).method).toBe('cg');
    expect(validateMinimizeParams({ path: '/data/run.gsd', out: '/data/run.is.gsd', method: 'fire' }).method).toBe('fire');
    const thermal = { kind: 'thermal', out: '/data/run.gsd', start: { kind: 'random', n: 100 }, T: 0.3, schedule: { kind: 'linear', every: 10, frames: 3 }, inherentStructures: true };
    expect(validateSimulateParams(thermal)).toMatchObject({ isMethod: 'cg' });
    expect(validateSimulateParams({ ...thermal, isMethod: 'fire' })).toMatchObject({ isMethod: 'fire' });
  });
});
