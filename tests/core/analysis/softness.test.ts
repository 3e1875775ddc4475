import { describe, expect, it } from 'vitest';
import { minimumImage, orthoBox, type Box } from '../../../src/core/box.js';
import { localPairDistribution, softness } from '../../../src/core/analysis/softness.js';
import { smoothedRadialDistribution } from '../../../src/core/analysis/rdf.js';
import { expectClose, loadOracle, oracleBox, tol, xyz } from '../physics-oracle.js';

/** Triangular lattice, nx x ny sites (ny even), spacing a, jittered by `jitter` (deterministic), in its periodic box. */
function triangular(nx: number, ny: number, a: number, jitter = 0): { positions: Float64Array; box: Box } {
  const lx = nx * a, ly = ny * a * Math.sqrt(3) / 2;
  const positions = new Float64Array(3 * nx * ny);
  let p = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const q = j * nx + i;
      const x = (i + 0.5 * (j % 2)) * a + 0.3 + jitter * Math.sin(12.9898 * q);
      const y = j * a * Math.sqrt(3) / 2 + 0.2 + jitter * Math.cos(78.233 * q);
      positions[p++] = x - Math.floor(x / lx) * lx;
      positions[p++] = y - Math.floor(y / ly) * ly;
      p++;
    }
  }
  return { positions, box: orthoBox(lx, ly, 1) };
}

/** Eq. C1 and C5 evaluated directly for particle i: every other particle, every grid point, plain Math.exp, trapezoid. */
function directBetaPhi(positions: Float64Array, box: Box, i: number, rmin: number, rmax: number, delta = 0.02, dr = 0.005): number {
  const n = positions.length / 3;
  const rho = n / (box.vectors[0][0] * box.vectors[1][1]);
  const m = Math.round((rmax - rmin) / dr) + 1;
  const d = new Float64Array(3);
  const dist: number[] = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    d[0] = positions[3 * j] - positions[3 * i];
    d[1] = positions[3 * j + 1] - positions[3 * i + 1];
    d[2] = 0;
    minimumImage(box, d, 0);
    dist.push(Math.hypot(d[0], d[1]));
  }
  const r: number[] = [], f: number[] = [];
  for (let k = 0; k < m; k++) {
    const x = rmin + k * dr;
    let s = 0;
    for (const dj of dist) s += Math.exp(-((x - dj) ** 2) / (2 * delta * delta)) / Math.sqrt(2 * Math.PI * delta * delta);
    const g = s / (2 * Math.PI * x * rho);
    r.push(x);
    f.push(x * (g - 1) * g);
  }
  let integral = 0;
  for (let k = 0; k + 1 < m; k++) integral += 0.5 * (r[k + 1] - r[k]) * (f[k] + f[k + 1]);
  return -2 * Math.PI * rho * integral;
}

describe('softness: oracle F (Jha & Sengupta App. C) on frame0', () => {
  for (const n of [64, 400] as const) {
    it(`N=${n}: automatic rmin/rmax, global g, beta phi, softness, g_i, globalc variants`, () => {
      const f = loadOracle(n);
      const sec = f.sections.F_softness_caging;
      const e = sec.expected;
      const t = tol(sec);
      const p = sec.parameters as { delta: number; dr: number; g_threshold: number; r_search_max: number };
      const res = softness(xyz(f.inputs.frame0), oracleBox(f), {
        delta: p.delta, dr: p.dr, gThreshold: p.g_threshold, rSearchMax: p.r_search_max, keepLocalG: [0, 1, 2],
      });
      // "rmin_rmax: exact grid points"
      expect(res.rmin).toBe(e.rmin);
      expect(res.rmax).toBe(e.rmax);
      expect(res.rPeak).toBe(e.r_peak);
      expect(res.rminSource).toBe('auto');
      expect(res.rho).toBe(f.inputs.N / f.inputs.L ** 2);
      expectClose(res.globalR, e.global_g_r, t, 'global_g_r');
      expectClose(res.globalG, e.global_g, t, 'global_g');
      expectClose(res.integrationR, e.integration_r, t, 'integration_r');
      expectClose(res.betaPhi, e.beta_phi, t, 'beta_phi');
      expectClose(res.softness, e.softness, t, 'softness');
      expectClose(res.localG.values, e.g_i_first3_on_integration_grid, t, 'g_i_first3_on_integration_grid');
      expectClose(res.betaPhiGlobalC, e.beta_phi_globalc, t, 'beta_phi_globalc');
      expectClose(res.softnessGlobalC, e.softness_globalc, t, 'softness_globalc');
      expect(res.invalidCount).toBe(0);
      expect(res.invalidCountGlobalC).toBe(0);
      expect(res.valid.every((v) => v === 1)).toBe(true);
      expect(res.positiveCount).toBe((e.beta_phi as number[]).filter((v) => v > 0).length);
    });

    it(`N=${n}: the stored rmin/rmax passed in give the same beta phi; the truncation at 10 delta is invisible`, () => {
      const f = loadOracle(n);
      const sec = f.sections.F_softness_caging;
      const e = sec.expected;
      const pos = xyz(f.inputs.frame0), box = oracleBox(f);
      const given = softness(pos, box, { rmin: e.rmin as number, rmax: e.rmax as number });
      expect(given.rminSource).toBe('given');
      expect(given.rPeak).toBeNull();
      expect(given.globalG.length).toBe(0);
      expectClose(given.betaPhi, e.beta_phi, tol(sec), 'beta_phi (given limits)');
      expectClose(given.betaPhiGlobalC, e.beta_phi_globalc, tol(sec), 'beta_phi_globalc (given limits)');
      // Window of 10 delta vs 15 delta (dropped terms < exp(-112)): what remains is the rounding of the Gaussian
      // recurrence (~1e-13 relative). Required: the change uses at most 1/1000 of the oracle's tolerance.
      const wide = softness(pos, box, { truncation: 15 });
      const narrow = softness(pos, box);
      const t = tol(sec);
      const within = (a: ArrayLike<number>, b: ArrayLike<number>, label: string): void => {
        for (let i = 0; i < b.length; i++) {
          const budget = 1e-3 * (t.abs + t.rel * Math.abs(b[i]));
          if (!(Math.abs(a[i] - b[i]) <= budget)) expect.fail(`${label}[${i}]: ${a[i]} vs ${b[i]} (budget ${budget})`);
        }
      };
      within(narrow.betaPhi, wide.betaPhi, 'beta_phi');
      within(narrow.betaPhiGlobalC, wide.betaPhiGlobalC, 'beta_phi_globalc');
      within(narrow.globalG, wide.globalG, 'global_g');
    });
  }
});

describe('softness: analytic', () => {
  it('agrees with a direct evaluation of Eqs. C1 and C5 (all pairs, no truncation, plain exp) on a jittered lattice', () => {
    const { positions, box } = triangular(12, 14, 1.07, 0.06);
    const res = softness(positions, box);
    expect(res.invalidCount).toBe(0);
    for (const i of [0, 17, 99, 167]) {
      const direct = directBetaPhi(positions, box, i, res.rmin, res.rmax);
      expect(Math.abs(res.betaPhi[i] - direct)).toBeLessThanOrEqual(1e-11 * Math.abs(direct));
      expect(res.softness[i]).toBeCloseTo(1 / Math.abs(direct), 12);
    }
  });

  it('a perfect lattice: every particle has the same beta phi and softness; rmin/rmax bracket the first shell', () => {
    const a = 1.05;
    const { positions, box } = triangular(14, 16, a);
    const res = softness(positions, box);
    expect(res.rPeak).toBeCloseTo(a, 2);
    expect(res.rmin).toBeLessThan(a);
    expect(res.rmax).toBeGreaterThan(a);
    expect(res.rmax).toBeLessThan(Math.sqrt(3) * a);
    for (let i = 1; i < res.n; i++) {
      expect(Math.abs(res.betaPhi[i] - res.betaPhi[0])).toBeLessThanOrEqual(1e-11 * Math.abs(res.betaPhi[0]));
      // every g_i equals the global g, so the globalc variant is the same number
      expect(Math.abs(res.betaPhiGlobalC[i] - res.betaPhi[i])).toBeLessThanOrEqual(1e-11 * Math.abs(res.betaPhi[i]));
    }
    expect(res.betaPhi[0]).toBeLessThan(0);
    expect(res.positiveCount).toBe(0);
  });

  it('is unchanged when particles are shifted by box vectors or the whole frame is translated', () => {
    const { positions, box } = triangular(12, 14, 1.07, 0.06);
    const ref = softness(positions, box);
    const L = [box.vectors[0][0], box.vectors[1][1]];
    const moved = positions.slice();
    for (let i = 0; i < ref.n; i++) {
      moved[3 * i] += ((i % 3) - 1) * L[0] + 0.413;
      moved[3 * i + 1] += (((i >> 2) % 3) - 1) * L[1] - 2.7;
    }
    const out = softness(moved, box);
    expect(out.rmin).toBe(ref.rmin);
    expect(out.rmax).toBe(ref.rmax);
    for (let i = 0; i < ref.n; i++) expect(Math.abs(out.betaPhi[i] - ref.betaPhi[i])).toBeLessThanOrEqual(1e-10 * Math.abs(ref.betaPhi[i]));
  });

  it('flags a particle with nothing in its window (beta phi = 0, S infinite) as invalid, and counts positive beta phi', () => {
    const box = orthoBox(12, 12, 1);
    // particles 0-2: a pair at distance 1 (caged) plus, far away, particle 2 alone; particles 3, 4: a pair at 1.39
    // whose Gaussian only reaches into the window [0.8, 1.3] with its tail, so g < 1 there and beta phi > 0.
    const pos = new Float64Array([2, 2, 0, 3, 2, 0, 8, 8, 0, 2, 8, 0, 3.39, 8, 0]);
    const res = softness(pos, box, { rmin: 0.8, rmax: 1.3 });
    expect(Array.from(res.valid)).toEqual([1, 1, 0, 1, 1]);
    expect(res.invalidCount).toBe(1);
    expect(res.betaPhi[2]).toBe(0);
    expect(Number.isNaN(res.softness[2])).toBe(true);
    expect(res.betaPhi[0]).toBeLessThan(0);
    expect(res.betaPhi[3]).toBeGreaterThan(0);
    expect(res.positiveCount).toBe(2);
    expect(res.softness[3]).toBeCloseTo(1 / res.betaPhi[3], 12);
    expect(res.validGlobalC[2]).toBe(0);
    expect(res.invalidCountGlobalC).toBe(1);
  });

  it('3D: a simple cubic lattice gives identical, valid values (shell measure 4 pi r^2)', () => {
    const m = 7, a = 1.1;
    const pos = new Float64Array(3 * m * m * m);
    for (let i = 0; i < m * m * m; i++) {
      pos[3 * i] = (i % m) * a + 0.1; pos[3 * i + 1] = (Math.floor(i / m) % m) * a + 0.2; pos[3 * i + 2] = Math.floor(i / (m * m)) * a + 0.3;
    }
    const res = softness(pos, orthoBox(m * a, m * a, m * a), { dimensions: 3 });
    // 6 neighbours at a and 12 at sqrt2 a give first and second peaks of equal height (12/(2a^2) = 6/a^2)
    expect([a, Math.SQRT2 * a].some((x) => Math.abs(x - res.rPeak!) < 0.005)).toBe(true);
    expect(res.invalidCount).toBe(0);
    for (let i = 1; i < res.n; i++) expect(Math.abs(res.betaPhi[i] - res.betaPhi[0])).toBeLessThanOrEqual(1e-11 * Math.abs(res.betaPhi[0]));
  });

  it('refuses limits the box cannot hold, and asks for rmin/rmax when g has no usable first peak', () => {
    const { positions, box } = triangular(4, 4, 1);
    expect(() => softness(positions, box, { rmin: 0.5, rmax: 1.9 })).toThrow(/half width/);
    expect(() => softness(positions, box, { rmin: 1.2, rmax: 1.1 })).toThrow(/rmin < rmax/);
    const lone = new Float64Array([1, 1, 0]);
    expect(() => softness(lone, orthoBox(10, 10, 1))).toThrow(/never reaches/);
  });
});

describe('the per-particle g_i(r) of Eq. C1 on its own (Fig. 10a)', () => {
  it('two particles: g_0(r) = N(r; d, delta) / (2 pi r rho), the same for both', () => {
    const box = orthoBox(40, 40, 1);
    const positions = new Float64Array([10, 10, 0, 11.3, 10, 0]);
    const rho = 2 / 1600, delta = 0.02;
    const r = localPairDistribution(positions, box, [0, 1], { delta, rMax: 3 });
    expect(r.rho).toBe(rho);
    expect(r.r.length).toBe(600);
    expect(r.r[0]).toBeCloseTo(0.005, 15);
    for (let k = 0; k < r.r.length; k++) {
      const x = r.r[k];
      const want = Math.exp(-((x - 1.3) ** 2) / (2 * delta * delta)) / (Math.sqrt(2 * Math.PI) * delta) / (2 * Math.PI * x * rho);
      // The kernel is truncated at 10 delta (terms < exp(-50) of the peak dropped).
      expect(Math.abs(r.g[k] - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, want) + (Math.abs(x - 1.3) > 0.2 ? want : 0));
      expect(r.g[600 + k]).toBeCloseTo(r.g[k], 12);
    }
  });

  it('averaged over every particle it is the smoothed g(r) (rdf.ts)', () => {
    const { positions, box } = triangular(10, 10, 1.07, 0.05);
    const all = Array.from({ length: 100 }, (_, i) => i);
    const loc = localPairDistribution(positions, box, all, { delta: 0.03, rMax: 2.5 });
    const mean = smoothedRadialDistribution(positions, box, { delta: 0.03, rMax: 2.5 });
    const k = loc.r.length;
    expect(mean.r.length).toBe(k);
    for (let q = 0; q < k; q++) {
      let s = 0;
      for (let i = 0; i < 100; i++) s += loc.g[i * k + q] / 100;
      expect(Math.abs(s - mean.g[q])).toBeLessThanOrEqual(1e-12 * Math.max(1, mean.g[q]));
    }
  });

  it('matches the oracle\'s g_i of particles 0-2 on the integration grid (section F)', () => {
    for (const n of [64, 400] as const) {
      const f = loadOracle(n);
      const sec = f.sections.F_softness_caging;
      const e = sec.expected as { rmin: number; integration_r: number[]; g_i_first3_on_integration_grid: number[][] };
      const p = sec.parameters as { delta: number; dr: number };
      const loc = localPairDistribution(xyz(f.inputs.frame0), oracleBox(f), [0, 1, 2], { delta: p.delta, dr: p.dr, rMax: 2 });
      const k0 = Math.round(e.rmin / p.dr) - 1;
      const m = e.integration_r.length;
      expect(loc.r[k0]).toBeCloseTo(e.rmin, 12);
      const rows = [0, 1, 2].flatMap((q) => Array.from(loc.g.subarray(q * loc.r.length + k0, q * loc.r.length + k0 + m)));
      expectClose(rows, e.g_i_first3_on_integration_grid, tol(sec), `N=${n} g_i_first3`);
    }
  });

  it('refuses particles that are not in the frame and boxes too small for any r', () => {
    const { positions, box } = triangular(4, 4, 1);
    expect(() => localPairDistribution(positions, box, [16])).toThrow('local g(r): particle index 16 out of range (n = 16)');
    expect(() => localPairDistribution(positions, orthoBox(0.3, 0.3, 1), [0])).toThrow(/leaves no range for r/);
  });
});
