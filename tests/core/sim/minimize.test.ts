import { describe, expect, it } from 'vitest';
import { orthoBox, triclinicBox } from '../../../src/core/box.js';
import { forces as referenceForces, HERTZ, WCA } from '../../../src/core/potentials.js';
import { inherentStructure } from '../../../src/core/sim/inherent-structure.js';
import {
  conjugateGradient, fire, minimize, steepestDescent, type Objective, type SdFrameInfo,
} from '../../../src/core/sim/minimize.js';
import { VerletPairForces } from '../../../src/core/sim/forces.js';
import { Rng } from '../../../src/core/sim/rng.js';
import { expectClose, loadOracle, oracleBox, tol, xyz } from '../physics-oracle.js';
import { LAMMPS_MINIMIZE, loadLammpsBench } from './lammps-bench.js';

/** U = 1/2 (x - c)^T A (x - c) with A = tridiagonal (k_i on the diagonal plus springs between neighbours), SPD. */
function quadraticBowl(n: number, stride = 1): Objective & { center: Float64Array } {
  const k = new Float64Array(n);
  const center = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    k[i] = 1 + 99 * ((i * 37) % n) / (n - 1); // on-site stiffness in [1, 100]
    center[i] = Math.sin(i + 1);
  }
  const spring = 5;
  return {
    n, dofsPerParticle: stride, center,
    energyAndForces(x, f) {
      let e = 0;
      for (let i = 0; i < n; i++) {
        const d = x[i] - center[i];
        e += 0.5 * k[i] * d * d;
        f[i] = -k[i] * d;
      }
      for (let i = 0; i + 1 < n; i++) {
        const d = (x[i + 1] - center[i + 1]) - (x[i] - center[i]);
        e += 0.5 * spring * d * d;
        f[i] += spring * d;
        f[i + 1] -= spring * d;
      }
      return e;
    },
  };
}

const rosenbrock: Objective = {
  n: 2,
  energyAndForces(x, f) {
    const [a, b] = [x[0], x[1]];
    f[0] = -(-2 * (1 - a) - 400 * a * (b - a * a));
    f[1] = -(200 * (b - a * a));
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  },
};

/** Full Lennard-Jones (eps = sigma = 1, no cutoff) of a free cluster in 3D. */
function ljCluster(n: number): Objective {
  return {
    n: 3 * n, dofsPerParticle: 3,
    energyAndForces(x, f) {
      f.fill(0);
      let e = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const dx = x[3 * j] - x[3 * i], dy = x[3 * j + 1] - x[3 * i + 1], dz = x[3 * j + 2] - x[3 * i + 2];
          const r2 = dx * dx + dy * dy + dz * dz;
          const s6 = 1 / (r2 * r2 * r2);
          e += 4 * (s6 * s6 - s6);
          const g = (-48 * s6 * s6 + 24 * s6) / r2; // u'(r)/r
          f[3 * i] += g * dx; f[3 * i + 1] += g * dy; f[3 * i + 2] += g * dz;
          f[3 * j] -= g * dx; f[3 * j + 1] -= g * dy; f[3 * j + 2] -= g * dz;
        }
      }
      return e;
    },
  };
}

/** A centred icosahedron of 13 atoms (radius R), perturbed. */
function icosahedron(R: number, noise: number, rng: Rng): Float64Array {
  const p = (1 + Math.sqrt(5)) / 2;
  const v: number[][] = [[0, 0, 0]];
  for (const s1 of [-1, 1]) for (const s2 of [-1, 1]) v.push([0, s1, s2 * p], [s1, s2 * p, 0], [s2 * p, 0, s1]);
  const x = new Float64Array(39);
  const norm = Math.hypot(1, p);
  v.forEach((q, i) => {
    for (let a = 0; a < 3; a++) x[3 * i + a] = (q[a] * R) / (i === 0 ? 1 : norm) + noise * (rng.uniform() - 0.5);
  });
  return x;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('minimizers on analytic objectives', () => {
  it('FIRE, CG and steepest descent find the minimum of a quadratic bowl to max |F| < 1e-10', () => {
    const bowl = quadraticBowl(60);
    for (const method of ['fire', 'cg', 'sd'] as const) {
      const x = new Float64Array(bowl.n);
      const r = minimize(bowl, x, method, { dt: 0.02, maxIterations: 200_000 });
      expect(r.converged, method).toBe(true);
      expect(r.reason).toBe('ftol');
      expect(r.maxForce).toBeLessThan(1e-10);
      // The smallest eigenvalue of A is >= 1 - 0 (springs only add), so |x - c| <= |F|.
      expect(maxAbsDiff(x, bowl.center), method).toBeLessThan(1e-9);
      expect(r.energy).toBeLessThan(1e-19);
      expect(r.forceEvaluations).toBeGreaterThanOrEqual(r.iterations);
    }
  });

  it('CG on a quadratic needs about n iterations with few evaluations each', () => {
    const bowl = quadraticBowl(60);
    const x = new Float64Array(bowl.n);
    const r = conjugateGradient(bowl, x);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(120);
    expect(r.forceEvaluations).toBeLessThan(3 * r.iterations + 2);
  });

  it("criterion 'two' bounds the Euclidean norm, 'max' the largest particle force", () => {
    const bowl = quadraticBowl(60, 3);
    const x1 = new Float64Array(bowl.n);
    const r1 = fire(bowl, x1, { dt: 0.02, ftol: 1e-6 });
    expect(r1.maxForce).toBeLessThan(1e-6);
    const x2 = new Float64Array(bowl.n);
    const r2 = fire(bowl, x2, { dt: 0.02, ftol: 1e-6, criterion: 'two' });
    expect(r2.forceNorm).toBeLessThan(1e-6);
    expect(r2.iterations).toBeGreaterThanOrEqual(r1.iterations);
    // Per-particle norm with 3 components per particle: never above the Euclidean norm, never below |component|.
    expect(r1.maxForce).toBeLessThanOrEqual(r1.forceNorm);
  });

  it('stops at maxIterations without claiming convergence, and honours onIteration', () => {
    const bowl = quadraticBowl(60);
    const r = fire(bowl, new Float64Array(bowl.n), { maxIterations: 5 });
    expect(r).toMatchObject({ converged: false, reason: 'maxIterations', iterations: 5 });
    let calls = 0;
    const s = conjugateGradient(bowl, new Float64Array(bowl.n), { onIteration: () => ++calls < 3 });
    expect(s).toMatchObject({ converged: false, reason: 'stopped', iterations: 3 });
    expect(() => fire(bowl, new Float64Array(3))).toThrow(/components/);
  });

  it('FIRE and CG solve the Rosenbrock valley', () => {
    for (const method of ['fire', 'cg'] as const) {
      const x = Float64Array.of(-1.2, 1);
      const r = minimize(rosenbrock, x, method, { ftol: 1e-9, dt: 0.001, dtMax: 0.01, maxIterations: 200_000 });
      expect(r.converged, method).toBe(true);
      expect(Math.abs(x[0] - 1), method).toBeLessThan(1e-8);
      expect(Math.abs(x[1] - 1), method).toBeLessThan(1e-8);
    }
  });

  it('find the Lennard-Jones 13 icosahedron (E = -44.326801)', () => {
    const lj = ljCluster(13);
    for (const method of ['fire', 'cg'] as const) {
      const x = icosahedron(1.12, 0.1, new Rng(7));
      const r = minimize(lj, x, method, { dt: 0.002, dtMax: 0.02 });
      expect(r.converged, method).toBe(true);
      expect(r.maxForce).toBeLessThan(1e-10);
      expect(r.energy).toBeCloseTo(-44.326801, 6);
    }
  });

  it('steepest descent saves frames equidistant in configuration space, with time = sum of step sizes', () => {
    const bowl = quadraticBowl(40);
    const x = new Float64Array(bowl.n); // |x0 - c| is about 4.4: ~30 frames at spacing 0.15
    const frames: { x: Float64Array; info: SdFrameInfo }[] = [];
    const r = steepestDescent(bowl, x, {
      ftol: 1e-8, frameSpacing: 0.15, onFrame: (xf, info) => frames.push({ x: Float64Array.from(xf), info }),
    });
    expect(r.converged).toBe(true);
    expect(frames.length).toBeGreaterThan(15);
    expect(frames[0].info).toMatchObject({ index: 0, time: 0, iteration: 0 });
    for (let k = 1; k < frames.length; k++) {
      let d2 = 0;
      for (let i = 0; i < bowl.n; i++) d2 += (frames[k].x[i] - frames[k - 1].x[i]) ** 2;
      expect(Math.abs(Math.sqrt(d2) - 0.15)).toBeLessThan(1e-9);
      expect(frames[k].info.index).toBe(k);
      expect(frames[k].info.time).toBeGreaterThan(frames[k - 1].info.time);
      expect(frames[k].info.energy).toBeLessThan(frames[k - 1].info.energy);
    }
    expect(r.time).toBeGreaterThanOrEqual(frames[frames.length - 1].info.time);
    expect(maxAbsDiff(x, bowl.center)).toBeLessThan(1e-7);
  });

  it('the steepest-descent clock follows overdamped dynamics dx/dt = F', () => {
    // U = k x^2 / 2 from x0 = 3: x(t) = 3 exp(-k t), so the frame at x has t = ln(3/x)/k.
    const k = 2;
    const spring: Objective = { n: 1, energyAndForces: (x, f) => { f[0] = -k * x[0]; return 0.5 * k * x[0] * x[0]; } };
    for (const [rho, maxErr, endErr] of [[0.5, 0.08, 0.25], [0.9, 0.04, 0.06]] as const) {
      const x = Float64Array.of(3);
      let worst = 0, count = 0;
      const r = steepestDescent(spring, x, {
        rho, ftol: 1e-6, frameSpacing: 0.15,
        onFrame: (xf, info) => {
          if (info.index === 0) return;
          count++;
          expect(xf[0]).toBeCloseTo(3 - 0.15 * info.index, 12);
          const exact = Math.log(3 / xf[0]) / k;
          worst = Math.max(worst, Math.abs(info.time - exact) / exact);
        },
      });
      expect(count).toBe(19);
      expect(worst).toBeLessThan(maxErr);
      // Explicit Euler runs ahead of the exact decay (x shrinks by 1 - alpha k < exp(-alpha k) per step), more so with
      // the larger steps of a small rho: the clock is then a few tens of percent short by the end of the relaxation.
      const exactEnd = Math.log(3 / Math.abs(x[0])) / k;
      expect(Math.abs(r.time - exactEnd) / exactEnd).toBeLessThan(endErr);
    }
  });

  it('reports a non-finite objective instead of looping', () => {
    const bad: Objective = { n: 2, energyAndForces: (_x, f) => { f.fill(NaN); return NaN; } };
    expect(fire(bad, new Float64Array(2)).reason).toBe('nonFinite');
    expect(conjugateGradient(bad, new Float64Array(2)).reason).toBe('nonFinite');
    expect(steepestDescent(bad, new Float64Array(2)).reason).toBe('nonFinite');
  });
});

describe('VerletPairForces, packed coordinates (Verlet list with image shifts) against the reference pair sums', () => {
  for (const n of [64, 400] as const) {
    it(`energy and forces of the oracle frame0 (N = ${n}), WCA and Hertz`, () => {
      const f = loadOracle(n);
      const sec = f.sections.E_potentials_hessian;
      const exp = sec.expected as Record<'wca' | 'hertz', { energy: number; forces: number[][]; minimized: { energy: number } }>;
      for (const [kind, pot, sizes] of [['wca', WCA, f.inputs.diameters], ['hertz', HERTZ, f.inputs.hertz_radii]] as const) {
        const sys = new VerletPairForces({ potential: pot, sizes, box: oracleBox(f), layout: 'packed' });
        const x = sys.pack(xyz(f.inputs.frame0));
        const fx = new Float64Array(sys.n);
        const e = sys.energyAndForces(x, fx);
        expectClose(e, exp[kind].energy, tol(sec, 'energy'), `${kind} energy`);
        expectClose(fx, exp[kind].forces, tol(sec, 'forces'), `${kind} forces`);
        // The oracle's minimized positions are a minimum here too.
        const xm = sys.pack(xyz(f.inputs.minimized_positions[kind]));
        const r = fire(sys, xm, { ftol: 1e-10, dt: kind === 'wca' ? 0.003 : 0.1, dtMax: kind === 'wca' ? 0.03 : 1 });
        expect(r.converged).toBe(true);
        expect(r.iterations).toBeLessThan(50);
        expectClose(r.energy, exp[kind].minimized.energy, { rel: 1e-10, abs: 1e-12 }, `${kind} minimized energy`);
      }
    });
  }

  it('matches potentials.ts forces() in a tilted 3D box and after moves that force Verlet rebuilds', () => {
    const rng = new Rng(3);
    const N = 150;
    const box = triclinicBox([0.5, -1, 2], 7, 6.5, 6.8, 2.1, -1.3, 0.9);
    const pos = new Float64Array(3 * N);
    const d = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const [s0, s1, s2] = [rng.uniform(), rng.uniform(), rng.uniform()];
      const [a, b, c] = box.vectors;
      pos[3 * i] = box.origin[0] + s0 * a[0] + s1 * b[0] + s2 * c[0];
      pos[3 * i + 1] = box.origin[1] + s1 * b[1] + s2 * c[1];
      pos[3 * i + 2] = box.origin[2] + s2 * c[2];
      d[i] = 0.8 + 0.4 * rng.uniform();
    }
    for (const pot of [WCA, HERTZ]) {
      const sizes = pot.sizesFromDiameters(d);
      const sys = new VerletPairForces({ potential: pot, sizes, box, dimensions: 3, layout: 'packed' });
      const x = sys.pack(pos);
      const ref = new Float64Array(3 * N);
      const f = new Float64Array(3 * N);
      for (let round = 0; round < 4; round++) {
        const e = sys.energyAndForces(x, f);
        const eRef = referenceForces(sys.unpack(x), box, sizes, pot, ref, 3);
        expect(Math.abs(e - eRef)).toBeLessThanOrEqual(1e-12 * Math.abs(eRef));
        let scale = 0;
        for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]));
        expect(maxAbsDiff(f, ref)).toBeLessThanOrEqual(1e-11 * scale);
        // Move every particle by up to 0.25 per axis (some beyond skin/2 = 0.15: the list must be rebuilt).
        for (let i = 0; i < x.length; i++) x[i] += 0.5 * (rng.uniform() - 0.5);
      }
      expect(sys.builds).toBe(4);
    }
  });

  it('rejects boxes too small for the minimum image and non-periodic axes', () => {
    expect(() => new VerletPairForces({ potential: WCA, sizes: [1, 1], box: orthoBox(2.5, 10, 1), layout: 'packed' })).toThrow(/width/);
    const open = { ...orthoBox(10, 10, 1), periodic: [true, false, true] as [boolean, boolean, boolean] };
    expect(() => new VerletPairForces({ potential: WCA, sizes: [1, 1], box: open, layout: 'packed' })).toThrow(/periodic/);
  });
});

describe('the LAMMPS reference WCA glass (N = 2000)', () => {
  const cfg = loadLammpsBench();

  it('starts at the energy LAMMPS reports', () => {
    const sys = new VerletPairForces({ potential: WCA, sizes: cfg.diameters, box: cfg.box, layout: 'packed' });
    const e = sys.energy(sys.pack(cfg.positions));
    expect(Math.abs(e / cfg.n - LAMMPS_MINIMIZE.initialEnergyPerAtom)).toBeLessThan(1e-13);
  });

  it("FIRE with LAMMPS's parameters retraces LAMMPS's FIRE minimization to its minimum", () => {
    const sys = new VerletPairForces({ potential: WCA, sizes: cfg.diameters, box: cfg.box, skin: 0.3, layout: 'packed' });
    const x = sys.pack(cfg.positions);
    const r = fire(sys, x, { dt: 0.003, dtMax: 0.03, criterion: 'two', ftol: 1e-10 });
    expect(r.converged).toBe(true);
    expect(r.forceNorm).toBeLessThan(1e-10);
    // Same algorithm (FIRE 2.0, semi-implicit Euler, half step back, initial delay, dmax 0.1): same path, same minimum.
    expect(Math.abs(r.iterations - LAMMPS_MINIMIZE.fire.iterations)).toBeLessThan(50);
    expect(Math.abs(r.energy / cfg.n - LAMMPS_MINIMIZE.fire.energyPerAtom)).toBeLessThan(1e-12);
  });

  it('inherentStructure (FIRE and CG) reaches max |F| < 1e-10 and returns positions, energy and iterations', () => {
    for (const method of ['fire', 'cg'] as const) {
      const is = inherentStructure(cfg.positions, cfg.diameters, cfg.box, { method });
      expect(is.converged, method).toBe(true);
      expect(is.maxForce).toBeLessThan(1e-10);
      expect(is.positions.length).toBe(3 * cfg.n);
      expect(is.iterations).toBeGreaterThan(100);
      expect(is.iterations).toBeLessThan(6000);
      // Both land in a nearby minimum of the T = 0.2 glass (LAMMPS's FIRE and CG minima: 0.062245 and 0.062270).
      expect(is.energy / cfg.n).toBeGreaterThan(0.0620);
      expect(is.energy / cfg.n).toBeLessThan(0.0626);
      // The returned positions are that minimum.
      const sys = new VerletPairForces({ potential: WCA, sizes: cfg.diameters, box: cfg.box, layout: 'packed' });
      const f = new Float64Array(sys.n);
      expect(sys.energyAndForces(sys.pack(is.positions), f)).toBeCloseTo(is.energy, 9);
      let m = 0;
      for (let i = 0; i < f.length; i += 2) m = Math.max(m, Math.hypot(f[i], f[i + 1]));
      expect(m).toBeLessThan(1e-10);
      // Continuous trajectories: no particle jumps by a box length.
      expect(maxAbsDiff(is.positions, cfg.positions)).toBeLessThan(2);
    }
  });
});
