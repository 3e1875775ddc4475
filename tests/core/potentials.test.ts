import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../src/core/box.js';
import { buildNeighborList } from '../../src/core/neighbors.js';
import {
  forces, HERTZ, hertzPotential, pairNeighborList, perParticleEnergy, potentialByName, totalEnergy, WCA,
  type PairPotential,
} from '../../src/core/potentials.js';
import { expectClose, loadOracle, oracleBox, tol, xyz, type OracleFixture } from './physics-oracle.js';

const kinds = [
  { name: 'wca', pot: WCA, sizes: (f: OracleFixture) => f.inputs.diameters },
  { name: 'hertz', pot: HERTZ, sizes: (f: OracleFixture) => f.inputs.hertz_radii },
] as const;

describe('pair potentials: analytic', () => {
  const out = new Float64Array(3);

  it('WCA: value, zero at the cutoff, derivatives against finite differences', () => {
    const s1 = 1.0, s2 = 1.4, s = 1.2;
    const rc = Math.pow(2, 1 / 6) * s;
    expect(WCA.pairCutoff([s1, s2], 0, 1)).toBeCloseTo(rc, 15);
    expect(WCA.maxCutoff([s1, s2, 0.9])).toBeCloseTo(Math.pow(2, 1 / 6) * 1.4, 15);
    // At r = s: 4(1 - 1 + 1/4) = 1.
    expect(WCA.pair(s1, s2, s * s, out)).toBe(true);
    expect(out[0]).toBeCloseTo(1, 14);
    // Energy, force and curvature go to 0, 0, 72/rc^2 at the cutoff (u'' jumps there).
    WCA.pair(s1, s2, (rc * (1 - 1e-9)) ** 2, out);
    expect(out[0]).toBeLessThan(1e-12);
    expect(Math.abs(out[1])).toBeLessThan(1e-6);
    expect(out[2]).toBeCloseTo(72 / rc ** 2, 5);
    expect(WCA.pair(s1, s2, rc * rc, out)).toBe(false);
    expect([...out]).toEqual([0, 0, 0]);
    checkDerivatives(WCA, s1, s2, [0.95, 1.05, 1.2, 1.3]);
  });

  it('Hertz: value, cutoff D = R_i + R_j, derivatives against finite differences', () => {
    const R1 = 0.5, R2 = 0.7, D = 1.2;
    expect(HERTZ.pairCutoff([R1, R2], 0, 1)).toBe(D);
    expect(HERTZ.maxCutoff([R1, R2])).toBe(1.4);
    HERTZ.pair(R1, R2, 0.6 * 0.6, out);
    expect(out[0]).toBeCloseTo(Math.pow(0.5, 2.5), 15);
    expect(HERTZ.pair(R1, R2, D * D, out)).toBe(false);
    checkDerivatives(HERTZ, R1, R2, [0.3, 0.8, 1.1, 1.19]);
    expect(hertzPotential(3).pair(R1, R2, 0.36, out) && out[0]).toBeCloseTo(3 * Math.pow(0.5, 2.5), 15);
    expect([...HERTZ.sizesFromDiameters([1, 2])]).toEqual([0.5, 1]);
    expect(potentialByName('hertz').name).toBe('hertz');
  });

  it('forces equal minus the finite-difference gradient of the energy (both potentials, periodic box)', () => {
    const f = loadOracle(64);
    const box = oracleBox(f);
    for (const k of kinds) {
      const pos = xyz(f.inputs.frame0);
      const sizes = k.sizes(f);
      const F = new Float64Array(pos.length);
      const U = forces(pos, box, sizes, k.pot, F);
      expect(U).toBeCloseTo(totalEnergy(pos, box, sizes, k.pot, 2), 10);
      const h = 1e-6;
      let fmax = 0;
      for (let i = 0; i < F.length; i++) fmax = Math.max(fmax, Math.abs(F[i]));
      for (const i of [0, 7, 31, 63]) {
        for (const a of [0, 1]) {
          const p = pos.slice();
          p[3 * i + a] += h;
          const up = totalEnergy(p, box, sizes, k.pot, 2);
          p[3 * i + a] -= 2 * h;
          const um = totalEnergy(p, box, sizes, k.pot, 2);
          const fd = -(up - um) / (2 * h);
          expect(Math.abs(fd - F[3 * i + a]), `${k.name} particle ${i} axis ${a}`).toBeLessThan(1e-6 * fmax);
        }
      }
      // Newton's third law: the forces sum to zero.
      let sx = 0, sy = 0;
      for (let i = 0; i < F.length; i += 3) { sx += F[i]; sy += F[i + 1]; }
      expect(Math.abs(sx) + Math.abs(sy)).toBeLessThan(1e-10 * fmax * f.inputs.N);
    }
  });

  it('energies do not change when particles are shifted by box vectors; 3D uses z', () => {
    const L = 5;
    const box = orthoBox(L, L, L);
    const pos = new Float64Array([0.2, 0.2, 0.1, 4.2, 0.3, 0.2, 2.5, 2.5, 2.5]);
    const sizes = [1, 1.1, 1];
    const e0 = totalEnergy(pos, box, sizes, WCA, 3);
    const shifted = pos.slice();
    shifted[3] -= L; shifted[7] += 2 * L; shifted[2] += L;
    expect(totalEnergy(shifted, box, sizes, WCA, 3)).toBeCloseTo(e0, 12);
    expect(e0).toBeGreaterThan(0);
    // 2D ignores z: the z offset of 0.1 between particles 0 and 1 no longer counts.
    const r2d = Math.hypot(1.0, 0.1), r3d = Math.hypot(1.0, 0.1, 0.1);
    const u = (r: number): number => { const q = Math.pow(1.05 / r, 6); return 4 * (q * q - q) + 1; };
    expect(totalEnergy(pos, box, sizes, WCA, 2)).toBeCloseTo(u(r2d), 12);
    expect(e0).toBeCloseTo(u(r3d), 12);
    expect(u(r2d)).toBeGreaterThan(u(r3d));
  });

  it('rejects a full or too-short neighbour list, and size arrays of the wrong length', () => {
    const f = loadOracle(64);
    const box = oracleBox(f);
    const pos = xyz(f.inputs.frame0);
    const full = buildNeighborList(pos, box, { cutoff: 2, dimensions: 2 });
    expect(() => totalEnergy(pos, box, f.inputs.diameters, WCA, 2, full)).toThrow(/half list/);
    const short = buildNeighborList(pos, box, { cutoff: 1, dimensions: 2, half: true });
    expect(() => totalEnergy(pos, box, f.inputs.diameters, WCA, 2, short)).toThrow(/below the potential range/);
    expect(() => totalEnergy(pos, box, [1, 2], WCA, 2)).toThrow(/sizes/);
  });
});

/** u'/r and u'' against central differences of u and u' at several distances. */
function checkDerivatives(pot: PairPotential, si: number, sj: number, rs: number[]): void {
  const o = new Float64Array(3);
  const at = (r: number): [number, number, number] => { pot.pair(si, sj, r * r, o); return [o[0], o[1] * r, o[2]]; };
  for (const r of rs) {
    const h = 1e-6;
    const [, du, d2u] = at(r);
    const [up, dup] = at(r + h);
    const [um, dum] = at(r - h);
    expect(Math.abs((up - um) / (2 * h) - du), `u' at ${r}`).toBeLessThan(1e-6 * (Math.abs(du) + 1e-3));
    expect(Math.abs((dup - dum) / (2 * h) - d2u), `u'' at ${r}`).toBeLessThan(1e-6 * (Math.abs(d2u) + 1e-3));
  }
}

describe.each([64, 400] as const)('pair potentials: oracle E, N = %i', (N) => {
  const f = loadOracle(N);
  const sec = f.sections.E_potentials_hessian;
  const box = oracleBox(f);
  const pos = xyz(f.inputs.frame0);

  it.each(kinds)('$name: energy, per-particle energy, forces, interacting pairs', (k) => {
    const exp = sec.expected[k.name] as Record<string, unknown>;
    const sizes = k.sizes(f);
    const nl = pairNeighborList(pos, box, sizes, k.pot, 2);
    expectClose(totalEnergy(pos, box, sizes, k.pot, 2, nl), exp.energy, tol(sec, 'energy'), `${k.name} energy`);
    const e = perParticleEnergy(pos, box, sizes, k.pot, 2, undefined, nl);
    expectClose(e, exp.per_particle_energy, tol(sec, 'energy'), `${k.name} per-particle energy`);
    let mean = 0;
    for (const v of e) mean += v / e.length;
    expectClose(mean, exp.energy_per_particle_mean, tol(sec, 'energy'), `${k.name} mean energy`);
    const F = new Float64Array(pos.length);
    const U = forces(pos, box, sizes, k.pot, F, 2, nl);
    expectClose(U, exp.energy, tol(sec, 'energy'), `${k.name} energy from forces()`);
    const F2 = new Float64Array(2 * f.inputs.N);
    for (let i = 0; i < f.inputs.N; i++) { F2[2 * i] = F[3 * i]; F2[2 * i + 1] = F[3 * i + 1]; }
    expectClose(F2, exp.forces, tol(sec, 'forces'), `${k.name} forces`);
    // Interacting pairs (counts: exact).
    const o = new Float64Array(3);
    let pairs = 0;
    for (let i = 0; i < nl.n; i++) {
      for (let q = nl.start[i]; q < nl.start[i + 1]; q++) {
        const dx = nl.vectors![3 * q], dy = nl.vectors![3 * q + 1];
        if (k.pot.pair(sizes[i], sizes[nl.indices[q]], dx * dx + dy * dy, o)) pairs++;
      }
    }
    expect(pairs).toBe(exp.n_interacting_pairs);
  });

  it.each(kinds)('$name: u\'\' through the Hessian-vector product (M = u\'\' nn + (u\'/r)(I - nn))', (k) => {
    const exp = sec.expected[k.name] as Record<string, unknown>;
    const sizes = k.sizes(f);
    const v = f.inputs.hessian_test_vector;
    const nl = pairNeighborList(pos, box, sizes, k.pot, 2);
    const hv = new Float64Array(2 * f.inputs.N);
    const o = new Float64Array(3);
    for (let i = 0; i < nl.n; i++) {
      for (let q = nl.start[i]; q < nl.start[i + 1]; q++) {
        const j = nl.indices[q];
        const dx = nl.vectors![3 * q], dy = nl.vectors![3 * q + 1];
        const r2 = dx * dx + dy * dy;
        if (!k.pot.pair(sizes[i], sizes[j], r2, o)) continue;
        const nx = dx / Math.sqrt(r2), ny = dy / Math.sqrt(r2);
        const a = o[2] - o[1], b = o[1]; // M = (u'' - u'/r) nn + (u'/r) I
        const wx = v[2 * i] - v[2 * j], wy = v[2 * i + 1] - v[2 * j + 1];
        const nw = nx * wx + ny * wy;
        const mx = a * nx * nw + b * wx, my = a * ny * nw + b * wy;
        hv[2 * i] += mx; hv[2 * i + 1] += my;
        hv[2 * j] -= mx; hv[2 * j + 1] -= my;
      }
    }
    expectClose(hv, exp.hessian_times_v, tol(sec, 'hessian'), `${k.name} H v`);
  });

  it.each(kinds)('$name: minimized positions give the stored energy and vanishing forces', (k) => {
    const min = (sec.expected[k.name] as { minimized: { energy: number } }).minimized;
    const mpos = xyz(f.inputs.minimized_positions[k.name]);
    const F = new Float64Array(mpos.length);
    const U = forces(mpos, box, k.sizes(f), k.pot, F);
    expectClose(U, min.energy, tol(sec, 'energy'), `${k.name} minimized energy`);
    let fmax = 0;
    for (const x of F) fmax = Math.max(fmax, Math.abs(x));
    expect(fmax).toBeLessThan(tol(sec, 'forces').abs);
  });
});
