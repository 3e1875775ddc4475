// Linear radial structure functions (Zhang, Ridout & Liu Eq. 3): the oracle's section G (G_m of every particle), a
// square lattice whose distances are known, species blocks, Eq. 3's adjacent half-widths, and the exact radial kernel.
import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import { triclinicBox } from '../../../src/core/box.js';
import { buildNeighborList } from '../../../src/core/neighbors.js';
import {
  evenCenters, radialCutoff, radialFunctions, RadialKernel, spatialOrder, structureFunctions,
} from '../../../src/core/analysis/structure-functions.js';
import { mulberry32 } from '../../../src/core/util/random.js';
import { expectClose, loadOracle, oracleBox, tol, xyz } from '../physics-oracle.js';

/** side x side square lattice of spacing a (origin offset so no coordinate sits on the box edge). */
function square(side: number, a: number): Float64Array {
  const p = new Float64Array(3 * side * side);
  for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) { const q = 3 * (j * side + i); p[q] = (i + 0.25) * a; p[q + 1] = (j + 0.25) * a; }
  return p;
}

describe('structure functions: oracle section G', () => {
  for (const n of [64, 400] as const) {
    it(`G_m(i) of every particle, N = ${n}, within the section's tolerance`, () => {
      const f = loadOracle(n);
      const g = f.sections.G_rsf_svm;
      const p = g.parameters as { r0: number; dr: number; M: number; half_width: number; centers: number[] };
      const centers = evenCenters(p.r0, p.dr, p.M);
      expect(Array.from(centers)).toEqual(p.centers);
      const G = structureFunctions(xyz(f.inputs.frame0), oracleBox(f), radialFunctions(centers, p.half_width));
      expect(G.nFeatures).toBe(27);
      expectClose(G.values, g.expected.G, tol(g, 'G'), `G N=${n}`);
    });
  }
});

describe('structure functions: analytic cases', () => {
  // Square lattice, spacing 1: 4 neighbours at 1, 4 at sqrt 2, 4 at 2, 8 at sqrt 5, 4 at sqrt 8, 4 at 3.
  const pos = square(12, 1);
  const box = orthoBox(12, 12, 1);
  it('a triangle centred on a shell counts its neighbours; half-way down the side counts half', () => {
    const f = radialFunctions([1, 1.05, Math.SQRT2, 2, Math.sqrt(5), 2.5], 0.1);
    const G = structureFunctions(pos, box, f);
    const expected = [4, 2, 4, 4, 8, 0];
    let worst = 0;
    for (let i = 0; i < 144; i++) for (let m = 0; m < 6; m++) worst = Math.max(worst, Math.abs(G.values[6 * i + m] - expected[m]));
    expect(worst).toBeLessThan(1e-12);
  });

  it("Eq. 3's adjacent half-widths: a pair between two centres splits 1 between them", () => {
    // Centres 0.9, 1.2, 1.6: r = 1 is 1/3 of the way from 0.9 to 1.2 (g = 2/3 and 1/3); sqrt 2 lies between 1.2 and 1.6.
    const f = radialFunctions([0.9, 1.2, 1.6], 'adjacent');
    expect(Array.from(f.left)).toEqual([1.2 - 0.9, 1.2 - 0.9, 1.6 - 1.2]);
    expect(Array.from(f.right)).toEqual([1.2 - 0.9, 1.6 - 1.2, 1.6 - 1.2]);
    const G = structureFunctions(pos, box, f);
    const s2 = Math.SQRT2;
    expect(G.values[0]).toBeCloseTo(4 * (2 / 3), 12);
    expect(G.values[1]).toBeCloseTo(4 * (1 / 3) + 4 * (1 - (s2 - 1.2) / 0.4), 12);
    expect(G.values[2]).toBeCloseTo(4 * (1 - (1.6 - s2) / 0.4), 12);
  });

  it('species blocks add up to the unresolved functions, and each block counts its species only', () => {
    const r = mulberry32(3);
    const n = 500, L = Math.sqrt(n / 0.8);
    const p = new Float64Array(3 * n);
    const sp = new Uint8Array(n);
    for (let i = 0; i < n; i++) { p[3 * i] = r() * L; p[3 * i + 1] = r() * L; sp[i] = r() < 0.3 ? 1 : 0; }
    const b = orthoBox(L, L, 1);
    const f = radialFunctions(evenCenters(0.5, 0.1, 20), 0.1);
    const all = structureFunctions(p, b, f);
    const split = structureFunctions(p, b, f, { species: sp });
    expect(split.nFeatures).toBe(40);
    let worst = 0;
    for (let i = 0; i < n; i++) for (let m = 0; m < 20; m++) {
      worst = Math.max(worst, Math.abs(split.values[i * 40 + m] + split.values[i * 40 + 20 + m] - all.values[i * 20 + m]));
    }
    expect(worst).toBeLessThan(1e-12);
    // Only species-1 particles: the species-0 block is empty.
    const ones = Uint8Array.from(sp, () => 1);
    const onlyOnes = structureFunctions(p, b, f, { species: ones, nSpecies: 2 });
    let block0 = 0;
    for (let i = 0; i < n; i++) for (let m = 0; m < 20; m++) block0 += onlyOnes.values[i * 40 + m];
    expect(block0).toBe(0);
  });

  it('the fast (even) and general paths agree; Float32 output rounds the same values', () => {
    const r = mulberry32(9);
    const n = 300, L = Math.sqrt(n / 0.9);
    const p = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) { p[3 * i] = r() * L; p[3 * i + 1] = r() * L; }
    const b = orthoBox(L, L, 1);
    const even = radialFunctions(evenCenters(0.4, 0.1, 27), 0.1);
    const general = radialFunctions(evenCenters(0.4, 0.1, 27), Array.from({ length: 27 }, () => 0.1));
    general.right[26] = 0.1000000001; // breaks uniformity: the general path
    const a = structureFunctions(p, b, even), c = structureFunctions(p, b, general);
    let worst = 0, f32diff = 0;
    for (let k = 0; k < a.values.length; k++) worst = Math.max(worst, Math.abs(a.values[k] - c.values[k]));
    expect(worst).toBeLessThan(1e-8);
    const f32 = structureFunctions(p, b, even, { precision: 'float32' });
    expect(f32.values).toBeInstanceOf(Float32Array);
    for (let k = 0; k < a.values.length; k++) if (f32.values[k] !== Math.fround(a.values[k])) f32diff++;
    expect(f32diff).toBe(0);
  });

  it('the spatial reordering is a permutation and changes nothing but rounding (tilted box, given list or not)', () => {
    const r = mulberry32(4);
    const n = 700, L = Math.sqrt(n / 0.8);
    const box = triclinicBox([0, 0, 0], L, L, 1, 0.3 * L, 0, 0);
    const p = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) { const s0 = r(), s1 = r(); p[3 * i] = s0 * L + s1 * 0.3 * L; p[3 * i + 1] = s1 * L; }
    const order = spatialOrder(p, box, 3.1);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    const f = radialFunctions(evenCenters(0.4, 0.1, 27), 0.1);
    const own = structureFunctions(p, box, f);
    const given = structureFunctions(p, box, f, { neighbors: buildNeighborList(p, box, { cutoff: 3.1, dimensions: 2, half: true, withVectors: true }) });
    let worst = 0;
    for (let k = 0; k < own.values.length; k++) worst = Math.max(worst, Math.abs(own.values[k] - given.values[k]));
    expect(worst).toBeLessThan(1e-12);
  });

  it('summed over the search\'s half neighbourhoods or over a given half list: the same rows (3D, positions outside the box, a small box, species)', () => {
    const r = mulberry32(12);
    const f = radialFunctions(evenCenters(0.4, 0.1, 27), 0.1);
    const general = radialFunctions([0.5, 0.9, 1.2, 1.6, 2.5], 'adjacent');
    const cases: { p: Float64Array; box: ReturnType<typeof orthoBox>; dims: 2 | 3 }[] = [];
    { // 3D (the list's rows inside the search)
      const n = 600, L = Math.cbrt(n / 0.8);
      const p = new Float64Array(3 * n);
      for (let i = 0; i < 3 * n; i++) p[i] = r() * L;
      cases.push({ p, box: orthoBox(L, L, L), dims: 3 });
    }
    { // 2D with particles up to half a box outside (image counts on the fast path)
      const n = 800, L = Math.sqrt(n / 0.8);
      const p = new Float64Array(3 * n);
      for (let i = 0; i < n; i++) { p[3 * i] = (2 * r() - 0.5) * L; p[3 * i + 1] = (2 * r() - 0.5) * L; }
      cases.push({ p, box: orthoBox(L, L, 1), dims: 2 });
    }
    { // 2D box under 5 cutoffs wide (the exact path)
      const n = 100, L = 9;
      const p = new Float64Array(3 * n);
      for (let i = 0; i < n; i++) { p[3 * i] = r() * L; p[3 * i + 1] = r() * L; }
      cases.push({ p, box: orthoBox(L, L, 1), dims: 2 });
    }
    for (const { p, box, dims } of cases) {
      const n = p.length / 3;
      const sp = Uint8Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
      for (const fn of [f, general]) {
        const nl = buildNeighborList(p, box, { cutoff: radialCutoff(fn), dimensions: dims, half: true, withVectors: true });
        for (const species of [null, sp]) {
          const own = structureFunctions(p, box, fn, { dimensions: dims, species });
          const given = structureFunctions(p, box, fn, { dimensions: dims, species, neighbors: nl });
          let worst = 0, total = 0;
          for (let k = 0; k < own.values.length; k++) { worst = Math.max(worst, Math.abs(own.values[k] - given.values[k])); total += own.values[k]; }
          expect(worst).toBeLessThan(1e-12);
          expect(total).toBeGreaterThan(n); // not trivially empty
        }
      }
    }
  });

  it('bad input is refused with a clear message', () => {
    expect(() => radialFunctions([1, 0.5], 0.1)).toThrow(/centres must increase/);
    expect(() => radialFunctions([1, 2], -1)).toThrow(/half-width must be a positive number/);
    expect(() => structureFunctions(pos, box, radialFunctions([1], 0.1), { species: new Uint8Array(3) })).toThrow(/3 species for 144 particles/);
    expect(radialCutoff(radialFunctions(evenCenters(0.4, 0.1, 27), 0.1))).toBeCloseTo(3.1, 12);
  });
});

describe('radial kernel', () => {
  it('equals the weighted sum of the triangles at any r, for several placements at once', () => {
    const f1 = radialFunctions(evenCenters(0.4, 0.1, 27), 0.1);
    const f2 = radialFunctions(evenCenters(0.45, 0.15, 15), 'adjacent');
    const r = mulberry32(1);
    const c1 = Array.from({ length: 27 }, () => r() - 0.5), c2 = Array.from({ length: 15 }, () => r() - 0.5);
    const k = RadialKernel.sum([{ functions: f1, coef: c1 }, { functions: f2, coef: c2 }]);
    const tri = (f: typeof f1, m: number, x: number): number => {
      const d = x - f.centers[m];
      return Math.max(0, d < 0 ? 1 + d / f.left[m] : 1 - d / f.right[m]);
    };
    let worst = 0;
    for (let q = 0; q < 2000; q++) {
      const x = 0.2 + 3.5 * r();
      let direct = 0;
      for (let m = 0; m < 27; m++) direct += c1[m] * tri(f1, m, x);
      for (let m = 0; m < 15; m++) direct += c2[m] * tri(f2, m, x);
      worst = Math.max(worst, Math.abs(k.at(x) - direct));
    }
    expect(worst).toBeLessThan(1e-13);
    expect(k.at(0.1)).toBe(0);
    expect(k.at(10)).toBe(0);
  });
});
