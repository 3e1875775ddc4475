import { describe, expect, it } from 'vitest';
import { orthoBox, type Box } from '../../../src/core/box.js';
import { buildNeighborList } from '../../../src/core/neighbors.js';
import {
  addGaussianOnGrid, boxHalfWidth, radialDistribution, secondShellCutoff, smoothedRadialDistribution,
} from '../../../src/core/analysis/rdf.js';
import { expectClose, loadOracle, oracleBox, tol, xyz } from '../physics-oracle.js';
import { mulberry32 as rng } from '../../../src/core/util/random.js';


/** Triangular lattice, nx x ny sites (ny even), spacing a, in its periodic box. */
function triangular(nx: number, ny: number, a: number, shift = 0.123): { positions: Float64Array; box: Box } {
  const lx = nx * a, ly = ny * a * Math.sqrt(3) / 2;
  const positions = new Float64Array(3 * nx * ny);
  let p = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      positions[p++] = ((i + 0.5 * (j % 2)) * a + shift) % lx;
      positions[p++] = (j * a * Math.sqrt(3) / 2 + shift) % ly;
      p++;
    }
  }
  return { positions, box: orthoBox(lx, ly, 1) };
}

/** Local maxima of g that exceed `above`. */
function peaks(r: Float64Array, g: Float64Array, above: number): number[] {
  const out: number[] = [];
  for (let k = 1; k < g.length - 1; k++) if (g[k] > above && g[k] >= g[k - 1] && g[k] > g[k + 1]) out.push(r[k]);
  return out;
}

/**
 * A dense polydisperse 2D packing like the oracle's: P(s) ~ s^-3 on [0.73, 1.62], rho = 0.9, soft harmonic repulsion with
 * range 2^(1/6) (s_i + s_j)/2 (packing fraction ~0.95 in that range), relaxed from random positions by steepest descent.
 */
function densePacking(n: number, seed: number, steps: number): { positions: Float64Array; box: Box } {
  const r = rng(seed);
  const L = Math.sqrt(n / 0.9);
  const box = orthoBox(L, L, 1);
  const sizes = new Float64Array(n);
  const lo = 0.73, hi = 1.62;
  for (let i = 0; i < n; i++) sizes[i] = 1 / Math.sqrt(1 / (lo * lo) - r() * (1 / (lo * lo) - 1 / (hi * hi)));
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) { pos[3 * i] = r() * L; pos[3 * i + 1] = r() * L; }
  const force = new Float64Array(2 * n);
  const range = 2 ** (1 / 6);
  for (let s = 0; s < steps; s++) {
    const nl = buildNeighborList(pos, box, { cutoff: range * hi, dimensions: 2, half: true });
    const v = nl.vectors!;
    force.fill(0);
    for (let i = 0; i < n; i++) {
      for (let p = nl.start[i]; p < nl.start[i + 1]; p++) {
        const j = nl.indices[p];
        const dx = v[3 * p], dy = v[3 * p + 1];
        const d = Math.hypot(dx, dy);
        const D = 0.5 * range * (sizes[i] + sizes[j]);
        if (d >= D) continue;
        const f = (1 - d / D) / (D * d);
        force[2 * j] += f * dx; force[2 * j + 1] += f * dy;
        force[2 * i] -= f * dx; force[2 * i + 1] -= f * dy;
      }
    }
    for (let i = 0; i < n; i++) {
      const x = pos[3 * i] + 0.2 * force[2 * i], y = pos[3 * i + 1] + 0.2 * force[2 * i + 1];
      pos[3 * i] = x - Math.floor(x / L) * L;
      pos[3 * i + 1] = y - Math.floor(y / L) * L;
    }
  }
  return { positions: pos, box };
}

describe('g(r): analytic', () => {
  it('the Gaussian recurrence equals direct exp to 1e-12 (relative) over the whole window', () => {
    const r = rng(1);
    const delta = 0.02, h = 0.005, m = 400;
    const inv2d2 = 1 / (2 * delta * delta);
    const c = Math.exp(-(h * h) / (delta * delta));
    for (let t = 0; t < 50; t++) {
      const d = 0.8 + r() * 1.4;
      const acc = new Float64Array(m);
      addGaussianOnGrid(acc, 0.5, h, m, d, 10 * delta, inv2d2, c);
      let count = 0;
      for (let k = 0; k < m; k++) {
        const x = 0.5 + k * h - d;
        if (Math.abs(x) > 10 * delta + 1e-12) { expect(acc[k]).toBe(0); continue; }
        if (Math.abs(Math.abs(x) - 10 * delta) < 1e-12) continue; // edge point: either side of the window is fine
        const exact = Math.exp(-x * x * inv2d2);
        expect(Math.abs(acc[k] - exact)).toBeLessThanOrEqual(1e-12 * exact);
        count++;
      }
      expect(count).toBeGreaterThan(75);
    }
  });

  it('one pair: the smoothed estimator is the Gaussian of Eq. C1, the histogram puts 2/(N rho A_b) in one bin', () => {
    const L = 10, d = 1.2345, delta = 0.02;
    const box = orthoBox(L, L, 1);
    const pos = new Float64Array([9.5, 3, 0, 9.5 + d - L, 3, 0]); // the pair straddles the periodic boundary
    const rho = 2 / (L * L);
    const sm = smoothedRadialDistribution(pos, box, { rMax: 2, delta });
    expect(sm.pairs).toBe(1);
    for (let k = 0; k < sm.r.length; k++) {
      const r = sm.r[k];
      const x = r - d;
      const expected = Math.abs(x) <= 10 * delta
        ? Math.exp(-x * x / (2 * delta * delta)) / (Math.sqrt(2 * Math.PI) * delta) / (2 * Math.PI * r * rho)
        : 0;
      expect(Math.abs(sm.g[k] - expected)).toBeLessThanOrEqual(1e-12 * expected + 1e-300);
    }
    const h = radialDistribution(pos, box, { rMax: 2, dr: 0.01 });
    const b = Math.floor(d / 0.01);
    for (let k = 0; k < h.g.length; k++) {
      const area = Math.PI * (((k + 1) * 0.01) ** 2 - (k * 0.01) ** 2);
      expect(h.g[k]).toBeCloseTo(k === b ? 2 / (2 * rho * area) : 0, 10);
    }
    expect(h.r[b]).toBeCloseTo(1.235, 12);
  });

  it('an ideal gas (uniform random points) has g -> 1 with both estimators', () => {
    const n = 6000, L = Math.sqrt(n / 0.9);
    const r = rng(42);
    const pos = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) { pos[3 * i] = r() * L; pos[3 * i + 1] = r() * L; }
    const box = orthoBox(L, L, 1);
    const h = radialDistribution(pos, box, { rMax: 5, dr: 0.05, density: 'N-1' });
    expect(h.rMax).toBeCloseTo(5, 12);
    let sum = 0, chi2 = 0, cnt = 0;
    for (let k = 0; k < h.g.length; k++) {
      if (h.r[k] < 1) continue;
      // Poisson noise of a bin: relative sd = 1/sqrt(expected pairs), 0.034 at r = 1, 0.015 at r = 5.
      const expectedPairs = 0.5 * (n - 1) * (n / (L * L)) * Math.PI * (((k + 1) * 0.05) ** 2 - (k * 0.05) ** 2);
      sum += h.g[k]; chi2 += (h.g[k] - 1) ** 2 * expectedPairs; cnt++;
      expect(Math.abs(h.g[k] - 1)).toBeLessThan(5 / Math.sqrt(expectedPairs));
    }
    expect(Math.abs(sum / cnt - 1)).toBeLessThan(0.004);
    expect(chi2 / cnt).toBeGreaterThan(0.6); // fluctuations are Poisson-sized: neither too large nor suspiciously small
    expect(chi2 / cnt).toBeLessThan(1.5);
    const sm = smoothedRadialDistribution(pos, box, { rMax: 5 });
    let s2 = 0, c2 = 0;
    for (let k = 0; k < sm.g.length; k++) if (sm.r[k] >= 1) { s2 += sm.g[k]; c2++; }
    // rho = N/A here: the ideal-gas limit is (N-1)/N.
    expect(Math.abs(s2 / c2 - (n - 1) / n)).toBeLessThan(0.005);
    expect(sm.rMax).toBeLessThanOrEqual(5);
  });

  it('a triangular lattice has its peaks at a, sqrt3 a, 2a, sqrt7 a, 3a with coordination 6, 6, 6, 12, 6', () => {
    const a = 1.0537;
    const { positions, box } = triangular(20, 24, a);
    const n = positions.length / 3;
    const shells = [[1, 6], [Math.sqrt(3), 6], [2, 6], [Math.sqrt(7), 12], [3, 6]];
    const h = radialDistribution(positions, box, { rMax: 3.3, dr: 0.01 });
    const area = (k: number): number => Math.PI * (((k + 1) * 0.01) ** 2 - (k * 0.01) ** 2);
    let total = 0;
    for (const [x, z] of shells) {
      const b = Math.floor((x * a) / 0.01);
      expect(h.g[b] * n * h.rho * area(b) / n).toBeCloseTo(z, 9); // pairs per particle in that bin (both directions)
      total += z;
    }
    let all = 0;
    for (let k = 0; k < h.g.length; k++) all += h.g[k] * h.rho * area(k);
    expect(all).toBeCloseTo(total, 9);
    const sm = smoothedRadialDistribution(positions, box, { rMax: 3.3 });
    const found = peaks(sm.r, sm.g, 1);
    expect(found.length).toBe(shells.length);
    found.forEach((r, s) => expect(Math.abs(r - shells[s][0] * a)).toBeLessThanOrEqual(0.0025 + 1e-12));
  });

  it('a square lattice in 2D and a simple cubic lattice in 3D have their peaks at the lattice distances', () => {
    const a = 1.1;
    const sq = new Float64Array(3 * 400);
    for (let i = 0; i < 400; i++) { sq[3 * i] = (i % 20) * a + 0.3; sq[3 * i + 1] = Math.floor(i / 20) * a + 0.3; }
    const s2 = smoothedRadialDistribution(sq, orthoBox(20 * a, 20 * a, 1), { rMax: 3 });
    const p2 = peaks(s2.r, s2.g, 1);
    expect(p2.length).toBe(4);
    [1, Math.SQRT2, 2, Math.sqrt(5)].forEach((x, s) => expect(Math.abs(p2[s] - x * a)).toBeLessThanOrEqual(0.0025 + 1e-12));
    const m = 8;
    const sc = new Float64Array(3 * m * m * m);
    for (let i = 0; i < m * m * m; i++) {
      sc[3 * i] = (i % m) * a; sc[3 * i + 1] = (Math.floor(i / m) % m) * a; sc[3 * i + 2] = Math.floor(i / (m * m)) * a;
    }
    const box3 = orthoBox(m * a, m * a, m * a);
    expect(boxHalfWidth(box3, 3)).toBeCloseTo(m * a / 2, 12);
    const s3 = smoothedRadialDistribution(sc, box3, { rMax: 2.4, dimensions: 3 });
    const p3 = peaks(s3.r, s3.g, 1);
    expect(p3.length).toBe(4);
    [1, Math.SQRT2, Math.sqrt(3), 2].forEach((x, s) => expect(Math.abs(p3[s] - x * a)).toBeLessThanOrEqual(0.0025 + 1e-12));
    const h3 = radialDistribution(sc, box3, { rMax: 2.2, dimensions: 3, dr: 0.007 }); // a = 157.14 dr: away from bin edges
    const b = Math.floor(a / 0.007);
    const vol = (4 / 3) * Math.PI * (((b + 1) * 0.007) ** 3 - (b * 0.007) ** 3);
    expect(h3.g[b] * h3.rho * vol).toBeCloseTo(6, 9); // 6 nearest neighbours
  });

  it('results do not change when particles are shifted by box vectors or the whole frame is translated', () => {
    const { positions, box } = densePacking(300, 5, 60);
    const ref = smoothedRadialDistribution(positions, box, { rMax: 3 });
    const L = box.vectors[0][0];
    const moved = positions.slice();
    for (let i = 0; i < 300; i++) {
      moved[3 * i] += (i % 3 - 1) * L + 0.37;
      moved[3 * i + 1] += ((i >> 2) % 3 - 1) * L - 1.1;
    }
    const out = smoothedRadialDistribution(moved, box, { rMax: 3 });
    for (let k = 0; k < ref.g.length; k++) expect(Math.abs(out.g[k] - ref.g[k])).toBeLessThanOrEqual(1e-9 * ref.g[k] + 1e-12);
  });

  it('rMax is clamped to the box: half width for the histogram, minus the Gaussian window for the smoothed estimator', () => {
    const { positions, box } = triangular(6, 6, 1);
    expect(boxHalfWidth(box, 2)).toBeCloseTo(6 * Math.sqrt(3) / 4, 12);
    expect(radialDistribution(positions, box, { rMax: 100, dr: 0.01 }).rMax).toBeLessThanOrEqual(boxHalfWidth(box, 2));
    expect(smoothedRadialDistribution(positions, box, { rMax: 100 }).rMax).toBeLessThanOrEqual(boxHalfWidth(box, 2) - 0.2);
  });
});

describe('g(r): oracle F (global g of frame0)', () => {
  for (const n of [64, 400] as const) {
    it(`N=${n}: the smoothed estimator reproduces global_g_r and global_g`, () => {
      const f = loadOracle(n);
      const sec = f.sections.F_softness_caging;
      const p = sec.parameters as { delta: number; dr: number; r_search_max: number };
      const res = smoothedRadialDistribution(xyz(f.inputs.frame0), oracleBox(f), { rMax: p.r_search_max, delta: p.delta, dr: p.dr });
      expect(res.rho).toBe(f.inputs.N / f.inputs.L ** 2);
      expectClose(res.r, sec.expected.global_g_r, tol(sec), 'global_g_r');
      expectClose(res.g, sec.expected.global_g, tol(sec), 'global_g');
    });
  }
});

describe('secondShellCutoff', () => {
  // g = 1 + A exp(-(r - 1)/xi) cos(2 pi (r - 1)/lambda) beyond a core: extrema where tan(k x) = -1/(k xi), x = r - 1.
  const k = (2 * Math.PI) / 1.05, xi = 0.9, A = 1.2;
  const minima = [0, 1].map((m) => 1 + (Math.atan(-1 / (k * xi)) + Math.PI * (2 * m + 1)) / k);
  const curve = (noise: number, seed: number): { r: Float64Array; g: Float64Array } => {
    const rand = rng(seed);
    const r = new Float64Array(800), g = new Float64Array(800);
    for (let q = 0; q < 800; q++) {
      const x = (q + 1) * 0.005;
      r[q] = x;
      const core = x < 0.8 ? 0 : 1 - Math.exp(-(((x - 0.8) / 0.05) ** 2));
      g[q] = core * (1 + A * Math.exp(-(x - 1) / xi) * Math.cos(k * (x - 1))) + noise * (rand() - 0.5) * 2 * Math.sqrt(3);
    }
    return { r, g };
  };

  it('finds the first and second minima of a damped oscillation (no smoothing: exact to the grid parabola)', () => {
    const res = secondShellCutoff(curve(0, 1), { smoothing: 0 });
    expect(res.found).toBe(true);
    expect(res.firstMinimum).toBeCloseTo(minima[0], 4);
    expect(res.cutoff).toBeCloseTo(minima[1], 4);
    expect(res.secondMinimum).toBe(res.cutoff);
  });

  it('is robust to noise: sd 0.05 per grid point (0.005) moves the minima by < 0.02 and < 0.05', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const res = secondShellCutoff(curve(0.05, seed));
      expect(res.found).toBe(true);
      expect(Math.abs(res.firstMinimum - minima[0])).toBeLessThan(0.02);
      // the second minimum is shallow (oscillation amplitude 0.23 there), hence the larger scatter
      expect(Math.abs(res.cutoff - minima[1])).toBeLessThan(0.05);
    }
  });

  it('does not take the dip of a split second peak (above 1) or a noise dip next to the first minimum for a shell boundary', () => {
    const r = new Float64Array(700), g = new Float64Array(700);
    const bump = (x: number, c: number, w: number, h: number): number => h * Math.exp(-(((x - c) / w) ** 2) / 2);
    for (let q = 0; q < 700; q++) {
      const x = (q + 1) * 0.005;
      r[q] = x;
      // first peak at 1, first minimum ~1.35, split second peak 1.73 / 2.0 with a dip at ~1.87 (g ~ 1.15), second minimum ~2.3
      g[q] = x < 0.85 ? 0 : 1 + bump(x, 1, 0.08, 2.5) - bump(x, 1.35, 0.1, 0.5) + bump(x, 1.73, 0.07, 0.5)
        + bump(x, 2.0, 0.07, 0.5) - bump(x, 2.3, 0.1, 0.3) + bump(x, 2.7, 0.12, 0.1);
    }
    const res = secondShellCutoff({ r, g }, { smoothing: 0.01 });
    expect(res.found).toBe(true);
    expect(res.firstMinimum).toBeCloseTo(1.35, 1);
    expect(res.cutoff).toBeCloseTo(2.3, 1);
    expect(secondShellCutoff({ r, g }, { smoothing: 0.01, requireBelowOne: false, minShellWidth: 0 }).cutoff).toBeLessThan(1.95);
  });

  it('reports why it fails instead of returning a silent NaN', () => {
    const r = Float64Array.from({ length: 200 }, (_, q) => (q + 1) * 0.01);
    const flat = secondShellCutoff({ r, g: new Float64Array(200).fill(1) });
    expect(flat.found).toBe(false);
    expect(flat.reason).toMatch(/first peak/);
    const full = curve(0, 1);
    const one = secondShellCutoff({ r: full.r.slice(0, 330), g: full.g.slice(0, 330) }, { smoothing: 0 }); // r <= 1.65
    expect(one.found).toBe(false);
    expect(one.reason).toMatch(/only one shell minimum/);
    expect(one.firstMinimum).toBeCloseTo(minima[0], 4);
    expect(Number.isNaN(one.cutoff)).toBe(true);
  });

  it('a generated dense polydisperse 2D packing: second shell ends at 2.25..2.7, both estimators agree', () => {
    const { positions, box } = densePacking(1000, 3, 300);
    const sm = smoothedRadialDistribution(positions, box, { rMax: 4 });
    const hist = radialDistribution(positions, box, { rMax: 4, dr: 0.02 });
    const a = secondShellCutoff(sm), b = secondShellCutoff(hist);
    for (const res of [a, b]) {
      expect(res.found).toBe(true);
      expect(res.firstPeak).toBeGreaterThan(0.95); expect(res.firstPeak).toBeLessThan(1.1);
      expect(res.firstMinimum).toBeGreaterThan(1.4); expect(res.firstMinimum).toBeLessThan(1.6);
      expect(res.secondPeak).toBeGreaterThan(1.85); expect(res.secondPeak).toBeLessThan(2.15);
      expect(res.cutoff).toBeGreaterThan(2.25); expect(res.cutoff).toBeLessThan(2.7);
    }
    expect(Math.abs(a.cutoff - b.cutoff)).toBeLessThan(0.05);
    const nl = buildNeighborList(positions, box, { cutoff: a.cutoff, dimensions: 2, withVectors: false });
    const perParticle = nl.indices.length / 1000;
    expect(perParticle).toBeGreaterThan(14); // ~6 first-shell + ~12 second-shell neighbours
    expect(perParticle).toBeLessThan(22);
  });

  for (const n of [64, 400] as const) {
    it(`oracle frame0 N=${n}: first minimum ~1.5, second minimum 2.1..2.4, both estimators agree`, () => {
      const f = loadOracle(n);
      const pos = xyz(f.inputs.frame0), box = oracleBox(f);
      const a = secondShellCutoff(smoothedRadialDistribution(pos, box, { rMax: 4 }));
      const b = secondShellCutoff(radialDistribution(pos, box, { rMax: 4, dr: 0.02 }));
      for (const res of [a, b]) {
        expect(res.found).toBe(true);
        expect(res.firstMinimum).toBeGreaterThan(1.4); expect(res.firstMinimum).toBeLessThan(1.6);
        expect(res.cutoff).toBeGreaterThan(2.1); expect(res.cutoff).toBeLessThan(2.4);
      }
      expect(Math.abs(a.cutoff - b.cutoff)).toBeLessThan(0.06);
    });
  }
});
