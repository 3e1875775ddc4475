import { describe, expect, it } from 'vitest';
import { orthoBox, triclinicBox, type Box } from '../../../src/core/box.js';
import {
  assembleHessian, hessianPairs, hessianTimes, lowestModeField, softModeParticipation, vibrationalModes, type HessianInput,
} from '../../../src/core/analysis/hessian.js';
import { blockCsrMultiply, blockCsrToDense } from '../../../src/core/linalg/block-sparse.js';
import { symmetricEigenvalues } from '../../../src/core/linalg/dense.js';
import { forces, HERTZ, PAIR_D2UDR2, PAIR_DUDR_OVER_R, WCA, type PairPotential } from '../../../src/core/potentials.js';
import { mulberry32 } from '../../../src/core/util/random.js';
import { expectClose, loadOracle, oracleBox, tol, xyz, type OracleFixture } from '../physics-oracle.js';

const kinds = [
  { name: 'wca', pot: WCA, sizes: (f: OracleFixture) => f.inputs.diameters },
  { name: 'hertz', pot: HERTZ, sizes: (f: OracleFixture) => f.inputs.hertz_radii },
] as const;

interface MinimizedExpected {
  smallest_positive_eigenvalues: number[]; lambda_smallest: number; n_zero_modes: number; n_negative_modes: number;
  lambda_max: number; n_rattlers_zero_contacts: number; contact_number: number[]; all_eigenvalues_dense?: number[];
}
interface KindExpected {
  hessian_trace: number; hessian_frobenius: number; hessian_times_v: number[]; hessian_nnz: number;
  n_interacting_pairs: number; hessian_coo?: { row: number[]; col: number[]; val: number[] };
  minimized: MinimizedExpected;
}

describe.each([64, 400] as const)('Hessian: oracle E, N = %i', (N) => {
  const f = loadOracle(N);
  const sec = f.sections.E_potentials_hessian;
  const box = oracleBox(f);

  it.each(kinds)('$name on frame0: entries, trace, Frobenius norm, nonzeros, H v (assembled and matrix-free)', (k) => {
    const exp = sec.expected[k.name] as unknown as KindExpected;
    const h = hessianPairs({ positions: xyz(f.inputs.frame0), box, sizes: k.sizes(f), potential: k.pot });
    expect(h.pi.length).toBe(exp.n_interacting_pairs);
    const H = assembleHessian(h);
    const n = 2 * N;
    const dense = blockCsrToDense(H);
    let trace = 0, frob = 0, nnz = 0;
    for (let i = 0; i < n; i++) trace += dense[i * n + i];
    for (const x of dense) { frob += x * x; if (x !== 0) nnz++; }
    expectClose(trace, exp.hessian_trace, tol(sec, 'hessian'), `${k.name} trace`);
    expectClose(Math.sqrt(frob), exp.hessian_frobenius, tol(sec, 'hessian'), `${k.name} Frobenius`);
    expect(nnz).toBe(exp.hessian_nnz);
    if (exp.hessian_coo) {
      // Every stored entry, and nothing else.
      const { row, col, val } = exp.hessian_coo;
      const got = row.map((r, q) => dense[r * n + col[q]]);
      expectClose(got, val, tol(sec, 'hessian'), `${k.name} entries`);
      expect(row.length).toBe(nnz);
    }
    const v = Float64Array.from(f.inputs.hessian_test_vector);
    expectClose(hessianTimes(h, v, new Float64Array(n)), exp.hessian_times_v, tol(sec, 'hessian'), `${k.name} H v matrix-free`);
    expectClose(blockCsrMultiply(H, v, new Float64Array(n)), exp.hessian_times_v, tol(sec, 'hessian'), `${k.name} H v assembled`);
  });

  it.each(kinds)('$name on the minimized positions: the 30 smallest positive eigenvalues, lambda_smallest, mode counts, lambda_max', (k) => {
    const exp = (sec.expected[k.name] as unknown as KindExpected).minimized;
    const input: HessianInput = { positions: xyz(f.inputs.minimized_positions[k.name]), box, sizes: k.sizes(f), potential: k.pot };
    const r = vibrationalModes(input);
    expect(r.solver.converged).toBe(true);
    expectClose(r.eigenvalues, exp.smallest_positive_eigenvalues, tol(sec, 'eigenvalues'), `${k.name} eigenvalues`);
    expectClose(r.lambdaSmallest, exp.lambda_smallest, tol(sec, 'lambda_smallest'), `${k.name} lambda_smallest`);
    expectClose(r.lambdaMax, exp.lambda_max, tol(sec, 'eigenvalues'), `${k.name} lambda_max`);
    expect(r.zeroModes).toBe(exp.n_zero_modes);
    expect(r.negativeModes).toBe(exp.n_negative_modes);
    expect(r.rattlers).toBe(exp.n_rattlers_zero_contacts);
    expect(Array.from(hessianPairs(input).contacts)).toEqual(exp.contact_number);
    expect(r.maxForce).toBeLessThan(1e-9);
    // Eigenpairs: unit vectors, H x = lambda x, orthogonal to the translations.
    const n = 2 * N, H = assembleHessian(hessianPairs(input)), hx = new Float64Array(n);
    for (let m = 0; m < r.eigenvalues.length; m++) {
      const x = r.vectors.subarray(m * n, (m + 1) * n);
      blockCsrMultiply(H, x, hx);
      let res = 0, nx = 0, sx = 0, sy = 0;
      for (let i = 0; i < n; i++) { res = Math.max(res, Math.abs(hx[i] - r.eigenvalues[m] * x[i])); nx += x[i] * x[i]; }
      for (let i = 0; i < N; i++) { sx += x[2 * i]; sy += x[2 * i + 1]; }
      expect(res).toBeLessThan(1e-8 * r.lambdaMax);
      expect(nx).toBeCloseTo(1, 12);
      expect(Math.abs(sx) + Math.abs(sy)).toBeLessThan(1e-9);
    }
    if (exp.all_eigenvalues_dense) {
      // The assembled matrix's full dense spectrum against the oracle's.
      expectClose(symmetricEigenvalues(blockCsrToDense(H), n), exp.all_eigenvalues_dense, { rel: 1e-7, abs: 1e-9 }, `${k.name} dense spectrum`);
    }
  });
});

/** The Bravais lattice i a1 + j a2 (i < nx, j < ny) in the box spanned by nx a1, ny a2 (tilted when a2 is). */
function lattice(a1: [number, number], a2: [number, number], nx: number, ny: number): { positions: Float64Array; box: Box } {
  const positions = new Float64Array(3 * nx * ny);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const k = j * nx + i;
    positions[3 * k] = i * a1[0] + j * a2[0];
    positions[3 * k + 1] = i * a1[1] + j * a2[1];
  }
  const box = a2[0] === 0 ? orthoBox(nx * a1[0], ny * a2[1], 1) : triclinicBox([0, 0, 0], nx * a1[0], ny * a2[1], 1, ny * a2[0], 0, 0);
  return { positions, box };
}

/**
 * The phonon spectrum of a monodisperse Bravais lattice with neighbour vectors `bonds` (all of them, +b and -b):
 * K(q) = sum_b (1 - cos q.b) M_b, M_b = u'' nn + (u'/r)(I - nn), for the nx*ny wave vectors q = (k1/nx) b1 + (k2/ny) b2
 * allowed by the supercell; all 2 nx ny eigenvalues, ascending.
 */
function phonons(pot: PairPotential, size: number, a1: [number, number], a2: [number, number], nx: number, ny: number, bonds: [number, number][]): number[] {
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  const b1 = [(2 * Math.PI * a2[1]) / det, (-2 * Math.PI * a2[0]) / det];
  const b2 = [(-2 * Math.PI * a1[1]) / det, (2 * Math.PI * a1[0]) / det];
  const o = new Float64Array(3);
  const blocks = bonds.map(([x, y]) => {
    const r2 = x * x + y * y, r = Math.sqrt(r2);
    expect(pot.pair(size, size, r2, o)).toBe(true);
    const g = o[PAIR_DUDR_OVER_R], d2 = o[PAIR_D2UDR2];
    const nx_ = x / r, ny_ = y / r;
    return { b: [x, y], xx: (d2 - g) * nx_ * nx_ + g, xy: (d2 - g) * nx_ * ny_, yy: (d2 - g) * ny_ * ny_ + g };
  });
  const out: number[] = [];
  for (let k1 = 0; k1 < nx; k1++) for (let k2 = 0; k2 < ny; k2++) {
    const q = [(k1 / nx) * b1[0] + (k2 / ny) * b2[0], (k1 / nx) * b1[1] + (k2 / ny) * b2[1]];
    let xx = 0, xy = 0, yy = 0;
    for (const m of blocks) {
      const c = 1 - Math.cos(q[0] * m.b[0] + q[1] * m.b[1]);
      xx += c * m.xx; xy += c * m.xy; yy += c * m.yy;
    }
    const tr = xx + yy, disc = Math.sqrt((xx - yy) * (xx - yy) + 4 * xy * xy);
    out.push(0.5 * (tr - disc), 0.5 * (tr + disc));
  }
  return out.sort((a, b) => a - b);
}

function hexBonds(a0: number): [number, number][] {
  return Array.from({ length: 6 }, (_, k) => [a0 * Math.cos((k * Math.PI) / 3), a0 * Math.sin((k * Math.PI) / 3)] as [number, number]);
}

/** Checks the solver's smallest positive eigenvalues, zero and negative counts against a known full spectrum. */
function checkAgainstSpectrum(r: ReturnType<typeof vibrationalModes>, spectrum: number[], count: number): void {
  const lmax = spectrum[spectrum.length - 1];
  expect(Math.abs(r.lambdaMax - lmax) / lmax).toBeLessThan(1e-11);
  const thr = 1e-8 * lmax;
  const positive = spectrum.filter((l) => l >= thr).slice(0, count);
  expect(r.eigenvalues.length).toBe(positive.length);
  for (let k = 0; k < positive.length; k++) expect(Math.abs(r.eigenvalues[k] - positive[k])).toBeLessThan(1e-9 * lmax);
  expect(r.zeroModes).toBe(spectrum.filter((l) => Math.abs(l) < thr).length);
  expect(r.negativeModes).toBe(spectrum.filter((l) => l <= -thr).length);
}

describe('Hessian: analytic lattices', () => {
  it('a compressed triangular WCA crystal (periodic, stable): the whole spectrum is the phonon spectrum, degeneracies included', () => {
    const a0 = 1.08, nx = 12, ny = 10; // next neighbours at sqrt(3) a0, beyond the WCA range 2^(1/6)
    const a1: [number, number] = [a0, 0], a2: [number, number] = [a0 / 2, (a0 * Math.sqrt(3)) / 2];
    // The box of nx a1, ny a2 is tilted (xy = ny a0 / 2): a Lees-Edwards box.
    const { positions, box } = lattice(a1, a2, nx, ny);
    const sizes = new Float64Array(nx * ny).fill(1);
    const input: HessianInput = { positions, box, sizes, potential: WCA };
    const spectrum = phonons(WCA, 1, a1, a2, nx, ny, hexBonds(a0));
    expect(spectrum[0]).toBeCloseTo(0, 9);
    expect(spectrum[2]).toBeGreaterThan(0.1); // stable
    const dense = symmetricEigenvalues(blockCsrToDense(assembleHessian(hessianPairs(input))), 2 * nx * ny);
    for (let k = 0; k < dense.length; k++) expect(Math.abs(dense[k] - spectrum[k])).toBeLessThan(1e-10 * spectrum[spectrum.length - 1]);
    const r = vibrationalModes(input);
    checkAgainstSpectrum(r, spectrum, 30);
    expect(r.zeroModes).toBe(2);
    expect(r.negativeModes).toBe(0);
    // Plane waves: every particle takes part equally in a degenerate pair's subspace; the mean participation is 1.
    const p = softModeParticipation(r.vectors, nx * ny, 2, 30);
    expect(p.reduce((s, x) => s + x, 0) / p.length).toBeCloseTo(1, 12);
  });

  it('a compressed square WCA lattice (nearest neighbours only) is unstable: negative modes counted as the phonons predict', () => {
    const a0 = 1.05, nx = 10, ny = 8;
    const a1: [number, number] = [a0, 0], a2: [number, number] = [0, a0];
    const { positions, box } = lattice(a1, a2, nx, ny);
    const sizes = new Float64Array(nx * ny).fill(1);
    const spectrum = phonons(WCA, 1, a1, a2, nx, ny, [[a0, 0], [-a0, 0], [0, a0], [0, -a0]]);
    const negatives = spectrum.filter((l) => l < -1e-8 * spectrum[spectrum.length - 1]).length;
    expect(negatives).toBeGreaterThan(10);
    const r = vibrationalModes({ positions, box, sizes, potential: WCA });
    checkAgainstSpectrum(r, spectrum, 30);
    expect(r.negativeModes).toBe(negatives);
  });

  it('the same triangular crystal in a box with tilt xy and xy + Lx (equivalent Lees-Edwards images) has the same Hessian', () => {
    const a0 = 1.08, nx = 8, ny = 6;
    const { positions, box } = lattice([a0, 0], [a0 / 2, (a0 * Math.sqrt(3)) / 2], nx, ny);
    const shifted: Box = { ...box, vectors: [box.vectors[0], [box.vectors[1][0] + box.vectors[0][0], box.vectors[1][1], 0], box.vectors[2]] };
    const sizes = new Float64Array(nx * ny).fill(1);
    const h1 = blockCsrToDense(assembleHessian(hessianPairs({ positions, box, sizes, potential: WCA })));
    const h2 = blockCsrToDense(assembleHessian(hessianPairs({ positions, box: shifted, sizes, potential: WCA })));
    for (let i = 0; i < h1.length; i++) expect(h2[i]).toBeCloseTo(h1[i], 10);
  });
});

/**
 * A disordered configuration that is not a minimum: a jittered simple square/cubic lattice (spacing 0.95, jitter
 * +-0.2, polydisperse sizes 0.8..1.2), so pairs overlap moderately as in a thermal frame and never coincide.
 */
function jitteredConfig(d: 2 | 3, cells: number, seed: number): { positions: Float64Array; sizes: Float64Array; box: Box } {
  const u = mulberry32(seed);
  const a = 0.95, L = cells * a;
  const n = cells ** d;
  const positions = new Float64Array(3 * n), sizes = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const idx = [k % cells, Math.floor(k / cells) % cells, Math.floor(k / (cells * cells))];
    for (let c = 0; c < d; c++) positions[3 * k + c] = (idx[c] + 0.5) * a + 0.4 * (u() - 0.5);
    sizes[k] = 0.8 + 0.4 * u();
  }
  return { positions, sizes, box: d === 2 ? orthoBox(L, L, 1) : orthoBox(L, L, L) };
}

describe('Hessian: general configurations', () => {
  it.each([[2, 'wca'], [2, 'hertz'], [3, 'wca'], [3, 'hertz']] as const)('%iD %s: H is the derivative of the forces (central differences); H v = assembled H v', (d, name) => {
    const pot = name === 'wca' ? WCA : HERTZ;
    const cfg = jitteredConfig(d, d === 2 ? 6 : 4, 3);
    // A Lees-Edwards box in 2D (tilt 1.7).
    const box = d === 2 ? triclinicBox([0, 0, 0], cfg.box.vectors[0][0], cfg.box.vectors[1][1], 1, 1.7, 0, 0) : cfg.box;
    const sizes = name === 'hertz' ? cfg.sizes.map((s) => 0.5 * s * 1.12) : cfg.sizes;
    const n = sizes.length;
    const input: HessianInput = { positions: cfg.positions, box, sizes, potential: pot, dimensions: d };
    const h = hessianPairs(input);
    expect(h.pi.length).toBeGreaterThan(n);
    const H = assembleHessian(h);
    const dim = n * d;
    const dense = blockCsrToDense(H);
    const step = 1e-6;
    const fp = new Float64Array(3 * n), fm = new Float64Array(3 * n);
    let worst = 0, scale = 0;
    for (let c = 0; c < dim; c++) {
      const i = Math.floor(c / d), a = c % d;
      const p = input.positions.slice();
      p[3 * i + a] += step;
      forces(p, box, sizes, pot, fp, d);
      p[3 * i + a] -= 2 * step;
      forces(p, box, sizes, pot, fm, d);
      for (let r = 0; r < dim; r++) {
        const j = Math.floor(r / d), b = r % d;
        const num = -(fp[3 * j + b] - fm[3 * j + b]) / (2 * step);
        worst = Math.max(worst, Math.abs(num - dense[r * dim + c]));
        scale = Math.max(scale, Math.abs(dense[r * dim + c]));
      }
    }
    expect(worst).toBeLessThan(1e-6 * scale);
    const u = mulberry32(8);
    const v = Float64Array.from({ length: dim }, () => u() - 0.5);
    const a = hessianTimes(h, v, new Float64Array(dim)), b = blockCsrMultiply(H, v, new Float64Array(dim));
    for (let k = 0; k < dim; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-12 * scale);
  });

  it.each([2, 3] as const)('%iD, a disordered configuration that is not a minimum: eigenvalues, zero and negative modes against the dense spectrum', (d) => {
    const cfg = jitteredConfig(d, d === 2 ? 10 : 5, 11);
    const input: HessianInput = { ...cfg, potential: WCA, dimensions: d };
    const spectrum = Array.from(symmetricEigenvalues(blockCsrToDense(assembleHessian(hessianPairs(input))), cfg.sizes.length * d));
    const r = vibrationalModes(input, { count: 20 });
    expect(r.maxForce).toBeGreaterThan(1e-3);
    checkAgainstSpectrum(r, spectrum, 20);
    expect(r.negativeModes).toBeGreaterThan(0);
  });

  it.each([64, 400] as const)('oracle frame0 (N = %i, WCA; not a minimum): negative and zero modes and the smallest positive eigenvalues against the dense spectrum', (N) => {
    const f = loadOracle(N);
    const input: HessianInput = { positions: xyz(f.inputs.frame0), box: oracleBox(f), sizes: f.inputs.diameters, potential: WCA };
    const spectrum = Array.from(symmetricEigenvalues(blockCsrToDense(assembleHessian(hessianPairs(input))), 2 * N));
    const r = vibrationalModes(input);
    checkAgainstSpectrum(r, spectrum, 30);
    expect(r.negativeModes).toBeGreaterThan(0);
  });

  it('translations are exact null vectors of the glass Hessian (oracle N = 400, WCA)', () => {
    const f = loadOracle(400);
    const h = hessianPairs({ positions: xyz(f.inputs.minimized_positions.wca), box: oracleBox(f), sizes: f.inputs.diameters, potential: WCA });
    const t = new Float64Array(800);
    for (let i = 0; i < 400; i++) t[2 * i] = 1;
    const ht = hessianTimes(h, t, new Float64Array(800));
    for (const x of ht) expect(Math.abs(x)).toBeLessThan(1e-10);
  });
});

describe('Hessian: small and degenerate systems', () => {
  it('isolated particles only: every mode is a zero mode, no positive eigenvalue, lambda_smallest NaN', () => {
    const positions = new Float64Array([1, 1, 0, 5, 5, 0, 8, 2, 0]);
    const r = vibrationalModes({ positions, box: orthoBox(10, 10, 1), sizes: [1, 1, 1], potential: WCA });
    expect(r.rattlers).toBe(3);
    expect(r.zeroModes).toBe(6);
    expect(r.negativeModes).toBe(0);
    expect(r.eigenvalues.length).toBe(0);
    expect(Number.isNaN(r.lambdaSmallest)).toBe(true);
  });

  it('a cluster with fewer than count positive modes returns all of them (here a compressed pair plus a rattler)', () => {
    const positions = new Float64Array([1, 1, 0, 2, 1, 0, 7, 7, 0]);
    const r = vibrationalModes({ positions, box: orthoBox(10, 10, 1), sizes: [1.05, 1.05, 1], potential: WCA });
    // The pair: one stretching mode 2 u'' and one rotation-like mode 2 u'/r (< 0: compressed, repulsive).
    const o = new Float64Array(3);
    WCA.pair(1.05, 1.05, 1, o);
    expect(r.eigenvalues.length).toBe(1);
    expect(r.eigenvalues[0]).toBeCloseTo(2 * o[PAIR_D2UDR2], 10);
    expect(r.negativeModes).toBe(1);
    expect(r.zeroModes).toBe(4); // 2 translations + the rattler's 2
  });

  it('rejects bad options with a clear message', () => {
    const input: HessianInput = { positions: new Float64Array([1, 1, 0, 2, 1, 0]), box: orthoBox(10, 10, 1), sizes: [1.05, 1.05], potential: WCA };
    expect(() => vibrationalModes(input, { count: 0 })).toThrow(/count must be an integer >= 1/);
    expect(() => vibrationalModes(input, { zeroTolerance: -1 })).toThrow(/zeroTolerance/);
    expect(() => vibrationalModes({ ...input, sizes: [1] })).toThrow(/sizes/);
  });
});

describe('soft modes as per-particle fields', () => {
  it('participation: (N/k) sum over modes of |e_i|^2, mean 1; a mode localised on one particle gives N there', () => {
    const n = 5;
    const v = new Float64Array(2 * n * 2);
    v[2 * 3] = 0.6; v[2 * 3 + 1] = -0.8; // mode 1: particle 3 only
    for (let i = 0; i < n; i++) v[2 * n + 2 * i] = 1 / Math.sqrt(n); // mode 2: uniform
    expect(Array.from(softModeParticipation(v, n, 2, 1))).toEqual([0, 0, 0, 5, 0].map((x) => expect.closeTo(x, 12)) as unknown as number[]);
    const p2 = softModeParticipation(v, n, 2);
    expect(p2[3]).toBeCloseTo((5 / 2) * (1 + 0.2), 12);
    expect(p2.reduce((s, x) => s + x, 0)).toBeCloseTo(n, 12);
    expect(Number.isNaN(softModeParticipation(new Float64Array(0), n, 2)[0])).toBe(true);
  });

  it('lowest mode field: the first mode, sign fixed so its largest component is positive', () => {
    const v = new Float64Array([0.1, -0.9, 0.3, 0.2, 0.5, 0.5]);
    expect(Array.from(lowestModeField(v, 2, 2))).toEqual([-0.1, 0.9, -0.3, -0.2]);
    expect(Array.from(lowestModeField(new Float64Array([0.1, 0.9, 0, 0]), 2, 2))).toEqual([0.1, 0.9, 0, 0]);
  });
});
