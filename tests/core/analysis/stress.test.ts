import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import { virialStress } from '../../../src/core/analysis/stress.js';
import { HERTZ, pairNeighborList, WCA } from '../../../src/core/potentials.js';
import { expectClose, loadOracle, oracleBox, tol, xyz, type OracleFixture } from '../physics-oracle.js';

const kinds = [
  { name: 'wca', pot: WCA, sizes: (f: OracleFixture) => f.inputs.diameters },
  { name: 'hertz', pot: HERTZ, sizes: (f: OracleFixture) => f.inputs.hertz_radii },
] as const;

describe('virial stress: analytic', () => {
  it('an ideal gas (no overlaps) gives rho T on the diagonal, everywhere', () => {
    const box = orthoBox(10, 10, 1);
    const pos = new Float64Array([1, 1, 0, 5, 5, 0, 8, 2, 0, 2, 8, 0]);
    const r = virialStress({ positions: pos, box, sizes: [1, 1, 1, 1], potential: WCA, temperature: 0.5 });
    const rhoT = (4 / 100) * 0.5;
    expect(r.global.xx).toBeCloseTo(rhoT, 16);
    expect(r.global.yy).toBeCloseTo(rhoT, 16);
    expect(r.global.xy).toBe(0);
    expect(r.global.vol).toBeCloseTo(rhoT, 16);
    expect(r.global.norm).toBeCloseTo(Math.sqrt(2) * rhoT, 16);
    for (const v of r.perParticle!.xx) expect(v).toBeCloseTo(rhoT, 16);
    expect(r.interactingPairs).toBe(0);
  });

  it('one repulsive pair along x across the boundary: positive xx = -u\'(r) r / A, per-particle halves', () => {
    const L = 6;
    const box = orthoBox(L, L, 1);
    const r0 = 1.0;
    // Particles at x = 0.3 and x = 5.3: separated by r0 through the periodic boundary.
    const pos = new Float64Array([0.3, 2, 0, 0.3 + L - r0, 2, 0]);
    const res = virialStress({ positions: pos, box, sizes: [1.05, 1.05], potential: WCA, temperature: 0 });
    const q = Math.pow(1.05 / r0, 6);
    const du = (-24 * (2 * q * q - q)) / r0; // u'(r0)
    expect(res.global.xx).toBeCloseTo((-du * r0) / (L * L), 12);
    expect(res.global.xx).toBeGreaterThan(0);
    expect(res.global.yy).toBe(0);
    expect(res.global.xy).toBe(0);
    expect(res.virial.xx).toBeCloseTo(-du * r0, 12);
    const rho = 2 / (L * L);
    expect(res.perParticle!.xx[0]).toBeCloseTo(0.5 * rho * -du * r0, 12);
    expect(res.perParticle!.xx[1]).toBeCloseTo(res.perParticle!.xx[0], 15);
  });

  it('a pair along the diagonal gives xy = xx = yy (rotated tensor) and the norm of Eq. 5', () => {
    const box = orthoBox(10, 10, 1);
    const d = 0.5;
    const pos = new Float64Array([5, 5, 0, 5 + d, 5 + d, 0]);
    const res = virialStress({ positions: pos, box, sizes: [1, 1], potential: HERTZ, temperature: 0, perParticle: false });
    expect(res.perParticle).toBeNull();
    expect(res.global.xy).toBeCloseTo(res.global.xx, 15);
    expect(res.global.yy).toBeCloseTo(res.global.xx, 15);
    const { xx, yy, xy } = res.global;
    expect(res.global.norm).toBeCloseTo(Math.sqrt(xx * xx + yy * yy + 2 * xy * xy), 15);
  });

  it('is unchanged when particles are shifted by box vectors', () => {
    const f = loadOracle(64);
    const box = oracleBox(f);
    const pos = xyz(f.inputs.frame0);
    const a = virialStress({ positions: pos, box, sizes: f.inputs.diameters, potential: WCA, temperature: 0.2 });
    const shifted = pos.slice();
    for (let i = 0; i < f.inputs.N; i += 3) { shifted[3 * i] += f.inputs.L; shifted[3 * i + 1] -= 2 * f.inputs.L; }
    const b = virialStress({ positions: shifted, box, sizes: f.inputs.diameters, potential: WCA, temperature: 0.2 });
    expect(b.global.xx).toBeCloseTo(a.global.xx, 12);
    expect(b.global.xy).toBeCloseTo(a.global.xy, 12);
  });
});

describe.each([64, 400] as const)('virial stress: oracle D, N = %i', (N) => {
  const f = loadOracle(N);
  const sec = f.sections.D_virial_stress;
  const t = tol(sec);
  const box = oracleBox(f);
  const pos = xyz(f.inputs.frame0);
  const T = sec.parameters.T as number;

  it.each(kinds)('$name: global, per particle, virial sum; the paper-literal reading is half the virial part', (k) => {
    type Comp = { xx: number; yy: number; xy: number; vol: number; norm: number };
    const exp = sec.expected[k.name] as {
      global: Comp; paper_literal: Comp; per_particle: Record<keyof Comp, number[]>; virial_sum_W: number[][];
      rho: number; area: number;
    };
    const sizes = k.sizes(f);
    const nl = pairNeighborList(pos, box, sizes, k.pot, 2);
    const r = virialStress({ positions: pos, box, sizes, potential: k.pot, temperature: T, neighbors: nl });
    for (const c of ['xx', 'yy', 'xy', 'vol', 'norm'] as const) {
      expectClose(r.global[c], exp.global[c], t, `${k.name} global.${c}`);
      expectClose(r.perParticle![c], exp.per_particle[c], t, `${k.name} per_particle.${c}`);
    }
    expectClose([r.virial.xx, r.virial.xy, r.virial.xy, r.virial.yy], exp.virial_sum_W, t, `${k.name} W`);
    expectClose(r.rho, exp.rho, t, 'rho');
    expectClose(r.area, exp.area, t, 'area');
    // The paper's Eq. 3 read literally (1/2A over i<j) is NOT what we report: its interaction part is half of ours.
    const kin = r.rho * T;
    expectClose(kin + (r.global.xx - kin) / 2, exp.paper_literal.xx, t, `${k.name} paper_literal.xx`);
    expectClose(r.global.xy / 2, exp.paper_literal.xy, t, `${k.name} paper_literal.xy`);
    // Mean of the per-particle values is the global value.
    let m = 0;
    for (const v of r.perParticle!.xx) m += v / r.perParticle!.xx.length;
    expect(m).toBeCloseTo(r.global.xx, 10);
  });
});
