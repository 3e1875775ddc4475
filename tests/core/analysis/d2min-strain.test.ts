// D2min and the strain family (Jha & Sengupta Eqs. 7-14, A10-A20, A27; Zhang, Ridout & Liu Eq. 2):
// analytic cases, the independent oracle (sections A and B), flagged particles and frames that differ.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orthoBox, triclinicBox, type Box } from '../../../src/core/box.js';
import { buildNeighborList } from '../../../src/core/neighbors.js';
import {
  computeStrainFields, strainField, strainFieldComponents, STRAIN_ABSENT, STRAIN_FIELD_NAMES, STRAIN_NOT_FINITE, STRAIN_SINGULAR,
  STRAIN_TOO_FEW_NEIGHBORS, type StrainFields,
} from '../../../src/core/analysis/d2min-strain.js';
import { matchById } from '../../../src/core/analysis/reference.js';
import { mulberry32 as rng } from '../../../src/core/util/random.js';

type Num = number | null;
interface Tol { rel: number; abs: number }
interface Oracle {
  inputs: { N: number; L: number; frame0: number[][]; frame1: number[][]; frame1_unwrapped: number[][] };
  sections: {
    A_d2min_strain: {
      parameters: { rc: number };
      tolerance: { default: Tol };
      expected: {
        n_neighbors: number[]; A: Num[][][]; B: Num[][][]; H: Num[][][]; D2min: Num[]; dNA: Num[][]; eps: Num[][][];
        e_dev: Num[][][]; norm_e: Num[]; norm_eps: Num[]; eps_vol: Num[]; abs_eps_vol: Num[]; detH: Num[]; n_pairs_unordered: number;
      };
    };
    B_zhang_strain: { tolerance: { default: Tol }; expected: { k_vol: Num[]; dev_total: Num[]; eps_xy: Num[] } };
  };
}

const oracleDir = join(import.meta.dirname, '../../fixtures/oracle');
const loadOracle = (name: string): Oracle => JSON.parse(readFileSync(join(oracleDir, name), 'utf8')) as Oracle;

function positions3(xy: number[][]): Float64Array {
  const out = new Float64Array(xy.length * 3);
  xy.forEach(([x, y], i) => { out[3 * i] = x; out[3 * i + 1] = y; });
  return out;
}

/** Every element within |a - e| <= abs + rel |e|; null expected means NaN. Returns the number of elements compared. */
function expectClose(actual: ArrayLike<number>, expected: Num[], tol: Tol, what: string): number {
  expect(actual.length, what).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual[i];
    if (e === null) { if (!Number.isNaN(a)) bad.push(`${what}[${i}] = ${a}, expected NaN`); continue; }
    if (!(Math.abs(a - e) <= tol.abs + tol.rel * Math.abs(e))) bad.push(`${what}[${i}] = ${a}, expected ${e}`);
  }
  expect(bad.slice(0, 5), `${bad.length} elements out of tolerance`).toEqual([]);
  return expected.length;
}

/** Row-major flattening of per-particle 2x2 tensors. */
const flat2x2 = (t: Num[][][]): Num[] => t.flatMap((m) => [m[0][0], m[0][1], m[1][0], m[1][1]]);

/** Per-particle d x d tensor from H: eps = H - I, or its deviatoric part. */
function fromH(r: StrainFields, kind: 'eps' | 'dev'): Float64Array {
  const d = r.dimensions, dd = d * d;
  const out = new Float64Array(r.n * dd);
  for (let i = 0; i < r.n; i++) {
    let tr = 0;
    for (let a = 0; a < d; a++) tr += r.h[i * dd + a * d + a] - 1;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const eps = r.h[i * dd + a * d + b] - (a === b ? 1 : 0);
        out[i * dd + a * d + b] = kind === 'eps' ? eps : eps - (a === b ? tr / d : 0);
      }
    }
  }
  return out;
}


/** A jittered square lattice of n = side^2 particles filling [x0, x0 + side*a)^2 (z = 0). */
function lattice(side: number, a: number, x0: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(side * side * 3);
  for (let iy = 0; iy < side; iy++) {
    for (let ix = 0; ix < side; ix++) {
      const p = 3 * (iy * side + ix);
      out[p] = x0 + (ix + 0.5 + 0.35 * (r() - 0.5)) * a;
      out[p + 1] = x0 + (iy + 0.5 + 0.35 * (r() - 0.5)) * a;
    }
  }
  return out;
}

/** x = c + F (X - c) in 2D (F row-major 2x2). */
function mapAffine(X: Float64Array, F: number[], c: [number, number]): Float64Array {
  const x = new Float64Array(X.length);
  for (let p = 0; p < X.length; p += 3) {
    const dx = X[p] - c[0], dy = X[p + 1] - c[1];
    x[p] = c[0] + F[0] * dx + F[1] * dy;
    x[p + 1] = c[1] + F[2] * dx + F[3] * dy;
  }
  return x;
}

function wrapInto(box: Box, x: Float64Array): Float64Array {
  // Orthogonal boxes only (the tests wrap into square boxes).
  const out = Float64Array.from(x);
  for (let p = 0; p < x.length; p += 3) {
    for (let a = 0; a < 2; a++) {
      const l = box.vectors[a][a], o = box.origin[a];
      out[p + a] = o + (((x[p + a] - o) % l) + l) % l;
    }
  }
  return out;
}

function expectAllValid(r: StrainFields): void {
  expect(r.invalidCount).toBe(0);
  expect(r.valid.every((v) => v === 1)).toBe(true);
}

function maxAbs(a: ArrayLike<number>, f: (v: number, i: number) => number = (v) => v): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(f(a[i], i)));
  return m;
}

describe('computeStrainFields against the oracle (sections A and B)', () => {
  for (const name of ['fixture_N64.json', 'fixture_N400.json']) {
    it(`matches every element of ${name}`, () => {
      const o = loadOracle(name);
      const A = o.sections.A_d2min_strain, Z = o.sections.B_zhang_strain;
      const L = o.inputs.L;
      const r = computeStrainFields({
        reference: positions3(o.inputs.frame0), current: positions3(o.inputs.frame1), box: orthoBox(L, L, 1),
        dimensions: 2, cutoff: A.parameters.rc, keepMatrices: true,
      });
      const ex = A.expected, tol = A.tolerance.default;
      expect(r.n).toBe(o.inputs.N);
      expect(Array.from(r.nNeighbors)).toEqual(ex.n_neighbors);
      expect(r.nNeighbors.reduce((s, v) => s + v, 0) / 2).toBe(ex.n_pairs_unordered);
      expectAllValid(r);
      let compared = 0;
      compared += expectClose(r.a as Float64Array, flat2x2(ex.A), tol, 'A');
      compared += expectClose(r.b as Float64Array, flat2x2(ex.B), tol, 'B');
      compared += expectClose(r.h, flat2x2(ex.H), tol, 'H');
      compared += expectClose(r.d2min, ex.D2min, tol, 'D2min');
      compared += expectClose(r.na, ex.dNA.flat(), tol, 'dNA');
      compared += expectClose(fromH(r, 'eps'), flat2x2(ex.eps), tol, 'eps');
      compared += expectClose(fromH(r, 'dev'), flat2x2(ex.e_dev), tol, 'e_dev');
      compared += expectClose(r.eNorm, ex.norm_e, tol, 'norm_e');
      compared += expectClose(r.epsNorm, ex.norm_eps, tol, 'norm_eps');
      compared += expectClose(r.epsVol, ex.eps_vol, tol, 'eps_vol');
      compared += expectClose(r.epsVolAbs, ex.abs_eps_vol, tol, 'abs_eps_vol');
      compared += expectClose(r.detH, ex.detH, tol, 'detH');
      const zt = Z.tolerance.default;
      compared += expectClose(r.k, Z.expected.k_vol, zt, 'k_vol');
      compared += expectClose(r.devTotal, Z.expected.dev_total, zt, 'dev_total');
      compared += expectClose(r.epsXY, Z.expected.eps_xy, zt, 'eps_xy');
      expect(compared).toBe(o.inputs.N * (4 * 5 + 2 + 9));
      // The unnormalised sum (OVITO) is N_i times the mean.
      for (let i = 0; i < r.n; i++) expect(r.d2minSum[i]).toBeCloseTo(r.d2min[i] * r.nNeighbors[i], 14);
    });
  }

  it('gives the same fields for unwrapped current positions and for a reference shifted by box vectors', () => {
    const o = loadOracle('fixture_N400.json');
    const L = o.inputs.L, box = orthoBox(L, L, 1);
    const X = positions3(o.inputs.frame0);
    const base = computeStrainFields({ reference: X, current: positions3(o.inputs.frame1), box, dimensions: 2, cutoff: 2 });
    // Shift every reference particle by its own combination of box vectors (-2..2 L per axis).
    const r = rng(7);
    const shifted = Float64Array.from(X);
    for (let p = 0; p < X.length; p += 3) {
      shifted[p] += L * Math.floor(5 * r() - 2);
      shifted[p + 1] += L * Math.floor(5 * r() - 2);
    }
    const tol = { rel: 1e-9, abs: 1e-12 };
    const unwrapped = positions3(o.inputs.frame1_unwrapped);
    const farCurrent = Float64Array.from(unwrapped);
    for (let p = 0; p < X.length; p += 3) {
      farCurrent[p] += L * Math.floor(9 * r() - 4);
      farCurrent[p + 1] += L * Math.floor(9 * r() - 4);
    }
    for (const current of [unwrapped, farCurrent]) {
      const other = computeStrainFields({ reference: shifted, current, box, dimensions: 2, cutoff: 2 });
      expect(Array.from(other.nNeighbors)).toEqual(Array.from(base.nNeighbors));
      for (const name of STRAIN_FIELD_NAMES) expectClose(strainField(other, name), Array.from(strainField(base, name)), tol, name);
      expectClose(other.h, Array.from(base.h), tol, 'H');
    }
  });
});

describe('computeStrainFields analytic cases', () => {
  it('a periodic affine map x = F X in the box deformed the same way (Lees-Edwards) gives D2min = 0 and eps = F - I', () => {
    const side = 24, a = 1.05, L = side * a;
    const X = lattice(side, a, 0, 1);
    // F upper triangular keeps the deformed box in LAMMPS's restricted form: a' = F a = (Fxx L, 0), b' = F b = (Fxy L, Fyy L).
    const F = [1.02, 0.13, 0, 0.97];
    const x = mapAffine(X, F, [0, 0]);
    const box = orthoBox(L, L, 1);
    const currentBox = triclinicBox([0, 0, 0], F[0] * L, F[3] * L, 1, F[1] * L, 0, 0);
    const r = computeStrainFields({ reference: X, current: x, box, currentBox, dimensions: 2, cutoff: 2 });
    expectAllValid(r);
    expect(maxAbs(r.d2min)).toBeLessThan(1e-24);
    expect(maxAbs(r.na)).toBeLessThan(1e-13);
    expect(maxAbs(r.h, (v, i) => v - F[i % 4])).toBeLessThan(1e-13);
    const vol = (F[0] + F[3] - 2) / 2, dev = (F[0] - F[3]) / 2;
    expect(maxAbs(r.epsVol, (v) => v - vol)).toBeLessThan(1e-13);
    expect(maxAbs(r.k, (v) => v - vol)).toBeLessThan(1e-13);
    expect(maxAbs(r.detH, (v) => v - (F[0] * F[3] - F[1] * F[2]))).toBeLessThan(1e-13);
    expect(maxAbs(r.eNorm, (v) => v - Math.sqrt(2 * dev * dev + F[1] ** 2 + F[2] ** 2))).toBeLessThan(1e-13);
    expect(maxAbs(r.epsNorm, (v) => v - Math.hypot(F[0] - 1, F[1], F[2], F[3] - 1))).toBeLessThan(1e-13);
    expect(maxAbs(r.epsXY, (v) => v - (F[1] + F[2]) / 2)).toBeLessThan(1e-13);
    expect(maxAbs(r.devTotal, (v) => v - Math.hypot(F[0] - F[3], F[1] + F[2]))).toBeLessThan(1e-13);
    // Wrapping the current positions into the tilted box (shifts by its vectors) changes nothing.
    const wrapped = Float64Array.from(x);
    for (let p = 0; p < x.length; p += 3) {
      const ky = Math.floor(wrapped[p + 1] / (F[3] * L));
      wrapped[p] -= ky * F[1] * L; wrapped[p + 1] -= ky * F[3] * L;
      wrapped[p] -= Math.floor(wrapped[p] / (F[0] * L)) * F[0] * L;
    }
    const r2 = computeStrainFields({ reference: X, current: wrapped, box, currentBox, dimensions: 2, cutoff: 2 });
    expect(maxAbs(r2.h, (v, i) => v - r.h[i])).toBeLessThan(1e-12);
    expect(maxAbs(r2.d2min)).toBeLessThan(1e-24);
  });

  it('a general affine map of a cluster in a large box gives D2min = 0 and H = F (rotation and stretch)', () => {
    const X = lattice(16, 1.05, 40, 2);
    const F = [0.95, -0.21, 0.17, 1.08];
    const x = mapAffine(X, F, [48, 48]);
    const r = computeStrainFields({ reference: X, current: x, box: orthoBox(100, 100, 1), dimensions: 2, cutoff: 2.2 });
    expectAllValid(r);
    expect(maxAbs(r.d2min)).toBeLessThan(1e-24);
    expect(maxAbs(r.h, (v, i) => v - F[i % 4])).toBeLessThan(1e-13);
    expect(maxAbs(r.detH, (v) => v - (F[0] * F[3] - F[1] * F[2]))).toBeLessThan(1e-13);
  });

  it('a rigid translation (wrapped back into the box) gives D2min = 0 and eps = 0', () => {
    const side = 20, a = 1.05, L = side * a;
    const box = orthoBox(L, L, 1);
    const X = lattice(side, a, 0, 3);
    const x = wrapInto(box, mapAffine(X, [1, 0, 0, 1], [0, 0]).map((v, p) => v + (p % 3 === 0 ? 7.3 : p % 3 === 1 ? -12.9 : 0)));
    const r = computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2 });
    expectAllValid(r);
    expect(maxAbs(r.d2min)).toBeLessThan(1e-24);
    expect(maxAbs(r.epsNorm)).toBeLessThan(1e-13);
    expect(maxAbs(r.na)).toBeLessThan(1e-13);
    expect(maxAbs(r.detH, (v) => v - 1)).toBeLessThan(1e-13);
  });

  it('a rigid rotation gives D2min = 0, det H = 1, eps_vol = cos(theta) - 1 ~ -theta^2/2 and no symmetric shear', () => {
    const theta = 0.1, c = Math.cos(theta), s = Math.sin(theta);
    const X = lattice(14, 1.05, 43, 4);
    const x = mapAffine(X, [c, -s, s, c], [50, 50]);
    const r = computeStrainFields({ reference: X, current: x, box: orthoBox(100, 100, 1), dimensions: 2, cutoff: 2 });
    expectAllValid(r);
    expect(maxAbs(r.d2min)).toBeLessThan(1e-24);
    expect(maxAbs(r.detH, (v) => v - 1)).toBeLessThan(1e-13);
    expect(maxAbs(r.epsVol, (v) => v - (c - 1))).toBeLessThan(1e-13);
    expect(Math.abs(r.epsVol[0] + theta ** 2 / 2)).toBeLessThan(theta ** 4 / 24 + 1e-13);
    expect(maxAbs(r.eNorm, (v) => v - Math.SQRT2 * s)).toBeLessThan(1e-13);
    expect(maxAbs(r.epsNorm, (v) => v - 2 * Math.sqrt(1 - c))).toBeLessThan(1e-13);
    expect(maxAbs(r.devTotal)).toBeLessThan(1e-13);
    expect(maxAbs(r.epsXY)).toBeLessThan(1e-13);
  });

  it('works in 3D: an affine map of a periodic jittered cubic lattice in the box deformed the same way', () => {
    const side = 7, a = 1.1, L = side * a, r0 = rng(5);
    const X = new Float64Array(side ** 3 * 3);
    for (let p = 0, q = 0; q < side ** 3; q++, p += 3) {
      const ix = q % side, iy = Math.floor(q / side) % side, iz = Math.floor(q / side / side);
      X[p] = (ix + 0.5 + 0.3 * (r0() - 0.5)) * a;
      X[p + 1] = (iy + 0.5 + 0.3 * (r0() - 0.5)) * a;
      X[p + 2] = (iz + 0.5 + 0.3 * (r0() - 0.5)) * a;
    }
    const F = [1.03, 0.1, -0.05, 0, 0.98, 0.07, 0, 0, 1.01];
    const x = new Float64Array(X.length);
    for (let p = 0; p < X.length; p += 3) {
      for (let c = 0; c < 3; c++) x[p + c] = F[3 * c] * X[p] + F[3 * c + 1] * X[p + 1] + F[3 * c + 2] * X[p + 2];
    }
    const currentBox = triclinicBox([0, 0, 0], F[0] * L, F[4] * L, F[8] * L, F[1] * L, F[2] * L, F[5] * L);
    const r = computeStrainFields({ reference: X, current: x, box: orthoBox(L, L, L), currentBox, dimensions: 3, cutoff: 1.8 });
    expectAllValid(r);
    expect(r.na.length).toBe(3 * r.n);
    expect(maxAbs(r.d2min)).toBeLessThan(1e-24);
    expect(maxAbs(r.h, (v, i) => v - F[i % 9])).toBeLessThan(1e-13);
    const detF = F[0] * F[4] * F[8] - F[0] * F[5] * F[7] - F[1] * F[3] * F[8] + F[1] * F[5] * F[6] + F[2] * F[3] * F[7] - F[2] * F[4] * F[6];
    expect(maxAbs(r.detH, (v) => v - detF)).toBeLessThan(1e-13);
    expect(maxAbs(r.epsVol, (v) => v - (F[0] + F[4] + F[8] - 3) / 3)).toBeLessThan(1e-13);
    // lambda_max - lambda_min of sym(F) from a plain Jacobi diagonalisation.
    const S = [[F[0], (F[1] + F[3]) / 2, (F[2] + F[6]) / 2], [(F[1] + F[3]) / 2, F[4], (F[5] + F[7]) / 2], [(F[2] + F[6]) / 2, (F[5] + F[7]) / 2, F[8]]];
    for (let sweep = 0; sweep < 50; sweep++) {
      for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
        if (Math.abs(S[p][q]) < 1e-300) continue;
        const th = 0.5 * Math.atan2(2 * S[p][q], S[q][q] - S[p][p]);
        const cs = Math.cos(th), sn = Math.sin(th);
        for (let k = 0; k < 3; k++) { const sp = S[k][p], sq = S[k][q]; S[k][p] = cs * sp - sn * sq; S[k][q] = sn * sp + cs * sq; }
        for (let k = 0; k < 3; k++) { const sp = S[p][k], sq = S[q][k]; S[p][k] = cs * sp - sn * sq; S[q][k] = sn * sp + cs * sq; }
      }
    }
    const eig = [S[0][0], S[1][1], S[2][2]];
    expect(maxAbs(r.devTotal, (v) => v - (Math.max(...eig) - Math.min(...eig)))).toBeLessThan(1e-12);
    expect(maxAbs(r.epsXY, (v) => v - (F[1] + F[3]) / 2)).toBeLessThan(1e-13);
  });
});

describe('flagged particles and particle sets', () => {
  it('flags an isolated particle and collinear neighbours, with NaN values and a count, never silently', () => {
    const L = 60, box = orthoBox(L, L, 1);
    const cluster = lattice(6, 1.05, 10, 6); // 36 particles, well connected
    const pts = [...cluster];
    pts.push(40, 40, 0); // isolated
    pts.push(30, 50, 0, 30.8, 50.45, 0, 31.6, 50.9, 0); // a collinear chain, each sees the other two (on its line)
    pts.push(50, 10, 0, 51, 10, 0); // a pair: one neighbour each
    const X = Float64Array.from(pts);
    const x = X.map((v, p) => v + (p % 3 === 2 ? 0 : 0.01 * Math.sin(p)));
    const r = computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2 });
    const n0 = cluster.length / 3;
    expect(r.invalidCount).toBe(6);
    expect(Array.from(r.valid.subarray(n0))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(r.invalidReason.subarray(n0))).toEqual([
      STRAIN_TOO_FEW_NEIGHBORS, STRAIN_SINGULAR, STRAIN_SINGULAR, STRAIN_SINGULAR, STRAIN_TOO_FEW_NEIGHBORS, STRAIN_TOO_FEW_NEIGHBORS,
    ]);
    expect(Array.from(r.nNeighbors.subarray(n0))).toEqual([0, 2, 2, 2, 1, 1]);
    expect(r.valid.subarray(0, n0).every((v) => v === 1)).toBe(true);
    for (const name of STRAIN_FIELD_NAMES) {
      const f = strainField(r, name), c = strainFieldComponents(name, 2);
      expect(f.length).toBe(r.n * c);
      for (let i = 0; i < r.n; i++) {
        for (let k = 0; k < c; k++) expect(Number.isNaN(f[i * c + k]), `${name}[${i}]`).toBe(r.valid[i] === 0);
      }
    }
    for (let i = n0; i < r.n; i++) for (let k = 0; k < 4; k++) expect(r.h[4 * i + k]).toBeNaN();
    // A non-finite current coordinate flags the particle itself and those that have it as a neighbour.
    const broken = Float64Array.from(x);
    broken[0] = NaN;
    const rb = computeStrainFields({ reference: X, current: broken, box, dimensions: 2, cutoff: 2 });
    const hit = [0, ...Array.from(buildNeighborList(X, box, { cutoff: 2, dimensions: 2 }).indices.subarray(0, rb.nNeighbors[0]))];
    expect(rb.invalidCount).toBe(6 + hit.length);
    for (const i of hit) expect([rb.valid[i], rb.invalidReason[i]]).toEqual([0, STRAIN_NOT_FINITE]);
  });

  it('pairs frames that hold different particles through refIndex: absent ones are flagged or not neighbours', () => {
    const o = loadOracle('fixture_N64.json');
    const L = o.inputs.L, box = orthoBox(L, L, 1);
    const X = positions3(o.inputs.frame0), x = positions3(o.inputs.frame1);
    const n = o.inputs.N;
    // Reference ids 0..n-1 without id 5; current ids 0..n-1 without id 20, plus a new id 1000.
    const refIds = Int32Array.from({ length: n }, (_, i) => i).filter((id) => id !== 5);
    const curIds = Int32Array.from([...Array.from({ length: n }, (_, i) => i).filter((id) => id !== 20), 1000]);
    const pick = (P: Float64Array, ids: Int32Array): Float64Array => {
      const out = new Float64Array(ids.length * 3);
      ids.forEach((id, k) => { const s = id === 1000 ? 0 : id; out.set(P.subarray(3 * s, 3 * s + 3), 3 * k); });
      return out;
    };
    const refPos = pick(X, refIds), curPos = pick(x, curIds);
    curPos[3 * (curIds.length - 1)] = 1.234; // the newcomer sits somewhere
    const { refIndex } = matchById(refIds, curIds);
    const r = computeStrainFields({ reference: refPos, current: curPos, box, dimensions: 2, cutoff: 2, refIndex });
    // The same computation on the particles present in both frames only.
    const common = Int32Array.from(Array.from({ length: n }, (_, i) => i).filter((id) => id !== 5 && id !== 20));
    const direct = computeStrainFields({ reference: pick(X, common), current: pick(x, common), box, dimensions: 2, cutoff: 2 });
    expect(r.n).toBe(curIds.length);
    expect(r.invalidCount).toBe(2);
    const at = (id: number): number => curIds.indexOf(id);
    expect(r.valid[at(5)]).toBe(0);
    expect(r.invalidReason[at(5)]).toBe(STRAIN_ABSENT);
    expect(r.valid[at(1000)]).toBe(0);
    expect(r.invalidReason[at(1000)]).toBe(STRAIN_ABSENT);
    for (let k = 0; k < common.length; k++) {
      const i = at(common[k]);
      expect(r.nNeighbors[i]).toBe(direct.nNeighbors[k]);
      expect(r.d2min[i]).toBe(direct.d2min[k]);
      expect(r.h[4 * i + 1]).toBe(direct.h[4 * k + 1]);
      expect(r.epsXY[i]).toBe(direct.epsXY[k]);
    }
  });

  it('gives bit-identical fields whether the 2D reference separations come from the list or from the positions', () => {
    // A tilted periodic box, positions spread over several images, and a reordered current frame (refIndex).
    const r = rng(7);
    const n = 400, L = 20;
    const refBox = triclinicBox([0, 0, 0], L, L, 1, 4.5, 0, 0, [true, true, false]);
    const curBox = triclinicBox([0, 0, 0], L, L, 1, 5.1, 0, 0, [true, true, false]);
    const X = new Float64Array(3 * n), x = new Float64Array(3 * n);
    const perm = Array.from({ length: n }, (_, i) => (i * 37) % n);
    for (let i = 0; i < n; i++) {
      X[3 * i] = (r() - 0.5) * 3 * L; X[3 * i + 1] = (r() - 0.5) * 3 * L;
      const j = perm[i];
      x[3 * j] = X[3 * i] + 0.03 * X[3 * i + 1] / L + 0.05 * (r() - 0.5) + L * Math.round(r() * 2 - 1);
      x[3 * j + 1] = X[3 * i + 1] + 0.05 * (r() - 0.5);
    }
    const refIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) refIndex[perm[i]] = i;
    const neighbors = buildNeighborList(X, refBox, { cutoff: 2.5, dimensions: 2, withVectors: true });
    const common = { reference: X, current: x, box: refBox, currentBox: curBox, dimensions: 2 as const, cutoff: 2.5, refIndex };
    const fromList = computeStrainFields({ ...common, neighbors });
    const fromPositions = computeStrainFields(common);
    expect(fromPositions.invalidCount).toBeLessThan(n / 10);
    for (const name of STRAIN_FIELD_NAMES) {
      expect(Array.from(strainField(fromPositions, name)), name).toEqual(Array.from(strainField(fromList, name)));
    }
  });

  it('gives the same fields on a large 2D frame computed in cell order as in the given order', () => {
    // 22 500 particles in a scrambled order (above the size from which the computation sorts them by cell).
    const r = rng(11);
    const side = 150, n = side * side, L = side;
    const box = triclinicBox([0, 0, 0], L, L, 1, 2.5, 0, 0, [true, true, false]);
    const order = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
    const X = new Float64Array(3 * n), x = new Float64Array(3 * n);
    for (let k = 0; k < n; k++) {
      const i = order[k];
      X[3 * k] = (i % side) + 0.3 * (r() - 0.5) + 0.5; X[3 * k + 1] = Math.floor(i / side) + 0.3 * (r() - 0.5);
      x[3 * k] = X[3 * k] + 0.02 * X[3 * k + 1] / L + 0.04 * (r() - 0.5); x[3 * k + 1] = X[3 * k + 1] + 0.04 * (r() - 0.5);
    }
    const neighbors = buildNeighborList(X, box, { cutoff: 2.2, dimensions: 2, withVectors: false });
    const given = computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2.2, neighbors, keepMatrices: true });
    const sorted = computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2.2, keepMatrices: true });
    expect(Array.from(sorted.nNeighbors)).toEqual(Array.from(given.nNeighbors));
    expect(Array.from(sorted.valid)).toEqual(Array.from(given.valid));
    expect(sorted.invalidCount).toBe(0);
    for (const name of STRAIN_FIELD_NAMES) {
      const a = strainField(sorted, name), b = strainField(given, name);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-6, Math.abs(b[i])));
      expect(worst, name).toBeLessThan(1e-9);
    }
    for (let i = 0; i < sorted.a!.length; i++) expect(Math.abs(sorted.a![i] - given.a![i])).toBeLessThan(1e-9);
  });

  it('reuses a prebuilt reference neighbour list and rejects one that does not fit', () => {
    const o = loadOracle('fixture_N64.json');
    const L = o.inputs.L, box = orthoBox(L, L, 1);
    const X = positions3(o.inputs.frame0), x = positions3(o.inputs.frame1);
    const neighbors = buildNeighborList(X, box, { cutoff: 2, dimensions: 2, withVectors: true });
    const a = computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2 });
    const b = computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2, neighbors });
    expect(Array.from(b.d2min)).toEqual(Array.from(a.d2min));
    expect(() => computeStrainFields({ reference: X, current: x, box, dimensions: 2, cutoff: 2.5, neighbors })).toThrow(/neighbors/);
    expect(() => computeStrainFields({ reference: X, current: x.subarray(3), box, dimensions: 2, cutoff: 2 })).toThrow(/refIndex/);
  });
});
