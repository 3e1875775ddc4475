// beta_1 of the Vietoris-Rips filtration (Jha & Sengupta App. B; src/core/analysis/betti.ts, rips-h1.ts), three tiers:
//  - reference data: the oracle's section H (GUDHI, Z/11) for N = 200 (betti_N200.json) and N = 64 (fixture_N64.json)
//    at alpha = 1.3, 2.0 and 8.19: counts exact, interval ends within 1e-12;
//  - analytic: separated rings and points on a circle (one class each, born at the polygon's side, dying at the chord
//    of ceil(m/3) steps: Adamaszek & Adams, VR of evenly spaced circle points is S^1 iff k/m < 1/3), square grids (one
//    class per cell, [1, sqrt 2); a periodic grid adds the torus's two classes), with many equal lengths whose order
//    must not change the counts;
//  - a slow textbook boundary-matrix reduction (homology, explicit simplices, over Z/2 and Z/11) on random clouds in 2D,
//    and in 3D over Z/2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import { alphaFromDiameters, betti1, bettiPairs, PAPER_ALPHA, type Betti1Result } from '../../../src/core/analysis/betti.js';
import { mulberry32 } from '../../../src/core/util/random.js';

const oracleDir = join(import.meta.dirname, '../../fixtures/oracle');

interface OracleH {
  alpha: number;
  n_h1_birth_le_alpha: number;
  betti1_at_alpha: number;
  betti0_at_alpha: number;
  n_h1_births_including_zero_length: number;
  n_vertices: number;
  n_edges: number;
  h1_pairs: [number, number | null][];
}

function oracle(file: string): { positions: Float64Array; expected: OracleH[]; tol: { abs: number; rel: number } } {
  const j = JSON.parse(readFileSync(join(oracleDir, file), 'utf8')) as {
    inputs: { frame0: number[][] };
    sections: { H_betti1_rips: { expected: OracleH[]; tolerance: { counts: string; pair_values: { abs: number; rel: number } } } };
  };
  const h = j.sections.H_betti1_rips;
  expect(h.tolerance.counts).toBe('exact');
  return { positions: flat(j.inputs.frame0), expected: h.expected, tol: h.tolerance.pair_values };
}

function flat(points: number[][]): Float64Array {
  const out = new Float64Array(3 * points.length);
  points.forEach((p, i) => { out[3 * i] = p[0]; out[3 * i + 1] = p[1]; out[3 * i + 2] = p[2] ?? 0; });
  return out;
}

function expectPairsClose(actual: [number, number | null][], expected: [number, number | null][], tol: { abs: number; rel: number }): void {
  expect(actual.length).toBe(expected.length);
  for (let t = 0; t < expected.length; t++) {
    const [b, d] = actual[t], [eb, ed] = expected[t];
    expect(Math.abs(b - eb)).toBeLessThanOrEqual(tol.abs + tol.rel * Math.abs(eb));
    if (ed === null) expect(d).toBeNull();
    else {
      expect(d).not.toBeNull();
      expect(Math.abs((d as number) - ed)).toBeLessThanOrEqual(tol.abs + tol.rel * Math.abs(ed));
    }
  }
}

describe('betti1 against the oracle (section H, GUDHI Rips, plain Euclidean distances)', () => {
  for (const file of ['betti_N200.json', 'fixture_N64.json']) {
    const { positions, expected, tol } = oracle(file);
    for (const e of expected) {
      it(`${file}, alpha = ${e.alpha}`, () => {
        const r = betti1(positions, null, { alpha: e.alpha });
        expect(r.n).toBe(e.n_vertices);
        expect(r.edges).toBe(e.n_edges);
        expect(r.components).toBe(e.betti0_at_alpha);
        expect(r.bornBelowAlpha).toBe(e.n_h1_birth_le_alpha);
        expect(r.aliveAtAlpha).toBe(e.betti1_at_alpha);
        expect(r.cycleEdges).toBe(e.n_h1_births_including_zero_length);
        expectPairsClose(bettiPairs(r), e.h1_pairs, tol);
      });
    }
  }

  it('uses the paper alpha 8.19 by default', () => {
    const { positions, expected } = oracle('fixture_N64.json');
    const e = expected.find((x) => x.alpha === 8.19) as OracleH;
    const r = betti1(positions, null);
    expect(PAPER_ALPHA).toBe(8.19);
    expect(r.alpha).toBe(8.19);
    expect(r.cycleEdges).toBe(e.n_h1_births_including_zero_length);
  });

  it('wraps positions into the box first when given one (images shifted by whole boxes change nothing)', () => {
    const j = JSON.parse(readFileSync(join(oracleDir, 'fixture_N64.json'), 'utf8')) as { inputs: { L: number; frame0: number[][] } };
    const L = j.inputs.L;
    const { positions, expected } = oracle('fixture_N64.json');
    const e = expected.find((x) => x.alpha === 1.3) as OracleH;
    const shifted = positions.slice();
    for (let i = 0; i < 64; i += 3) { shifted[3 * i] += L * (i % 2 ? 1 : -2); shifted[3 * i + 1] -= L; }
    const r = betti1(shifted, orthoBox(L, L, 1), { alpha: 1.3 });
    expect([r.bornBelowAlpha, r.aliveAtAlpha, r.cycleEdges]).toEqual([e.n_h1_birth_le_alpha, e.betti1_at_alpha, e.n_h1_births_including_zero_length]);
    const raw = betti1(shifted, orthoBox(L, L, 1), { alpha: 1.3, wrap: false });
    expect(raw.cycleEdges).not.toBe(e.n_h1_births_including_zero_length);
  });

  it('gives the same counts whatever the particle numbering (the tie-break between equal lengths follows indices)', () => {
    const { positions, expected } = oracle('betti_N200.json');
    const e = expected.find((x) => x.alpha === 2.0) as OracleH;
    const perm = permutation(positions.length / 3, 5);
    const r = betti1(permute(positions, perm), null, { alpha: 2.0 });
    expect([r.bornBelowAlpha, r.aliveAtAlpha, r.cycleEdges]).toEqual([e.n_h1_birth_le_alpha, e.betti1_at_alpha, e.n_h1_births_including_zero_length]);
  });
});

function permutation(n: number, seed: number): Int32Array {
  const r = mulberry32(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); const t = p[i]; p[i] = p[j]; p[j] = t; }
  return p;
}

/** Point p[i] of the result is point i of the input. */
function permute(positions: Float64Array, p: Int32Array): Float64Array {
  const out = new Float64Array(positions.length);
  for (let i = 0; i < p.length; i++) for (let a = 0; a < 3; a++) out[3 * p[i] + a] = positions[3 * i + a];
  return out;
}

/** m points evenly spaced on a circle of radius R about (cx, cy), starting at angle phase. */
function ring(m: number, R: number, cx: number, cy: number, phase: number): number[][] {
  return Array.from({ length: m }, (_, t) => [cx + R * Math.cos(phase + 2 * Math.PI * t / m), cy + R * Math.sin(phase + 2 * Math.PI * t / m)]);
}

const chord = (m: number, R: number, k: number): number => 2 * R * Math.sin(Math.PI * k / m);

describe('betti1 on point clouds whose H1 is known by construction', () => {
  it('k separated rings give k classes born at the side and dying at the chord of ceil(m/3) steps', () => {
    const spec = [{ m: 10, R: 3 }, { m: 12, R: 4 }, { m: 16, R: 5 }, { m: 7, R: 2 }];
    const pts = spec.flatMap((s, t) => ring(s.m, s.R, 40 * t, 13 * t, 0.3 * t));
    const positions = flat(pts);
    const within = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-12 * y;
    const r = betti1(positions, null, { alpha: 12 });
    expect(r.components).toBe(spec.length);
    expect(r.bornBelowAlpha).toBe(spec.length);
    expect(r.aliveAtAlpha).toBe(0);
    // alpha = 12 exceeds every ring's diameter: each ring is a full simplex on m vertices.
    expect(r.edges).toBe(spec.reduce((s, x) => s + x.m * (x.m - 1) / 2, 0));
    expect(r.cycleEdges).toBe(spec.reduce((s, x) => s + x.m * (x.m - 1) / 2 - x.m + 1, 0));
    const found = Array.from(r.births, (b, t) => [b, r.deaths[t]]);
    for (const s of spec) {
      const birth = chord(s.m, s.R, 1), death = chord(s.m, s.R, Math.ceil(s.m / 3));
      expect(found.filter(([b, d]) => within(b, birth) && within(d, death)).length, `ring m = ${s.m}`).toBe(1);
    }
    // Between the largest side and the smallest death every class is alive.
    const mid = betti1(positions, null, { alpha: 2.6 });
    expect([mid.bornBelowAlpha, mid.aliveAtAlpha]).toEqual([spec.length, spec.length]);
    // Below every side there is no cycle at all.
    const low = betti1(positions, null, { alpha: 1.0 });
    expect([low.bornBelowAlpha, low.aliveAtAlpha, low.cycleEdges]).toEqual([0, 0, 0]);
  });

  it('points on a circle: one class [side, chord(ceil(m/3))) for several m, the full complex at large alpha', () => {
    for (const m of [4, 5, 6, 9, 20, 31]) {
      const R = 2;
      const r = betti1(flat(ring(m, R, 1, -2, 0.1)), null, { alpha: 2 * R + 1 });
      expect(r.bornBelowAlpha, `m = ${m}`).toBe(1);
      expect(r.aliveAtAlpha).toBe(0);
      expect(r.births[0]).toBeCloseTo(chord(m, R, 1), 12);
      expect(r.deaths[0]).toBeCloseTo(chord(m, R, Math.ceil(m / 3)), 12);
      expect(r.cycleEdges).toBe(m * (m - 1) / 2 - m + 1);
    }
  });

  const grid = (a: number, b: number): number[][] => {
    const pts: number[][] = [];
    for (let y = 0; y < b; y++) for (let x = 0; x < a; x++) pts.push([x + 0.5, y + 0.5]);
    return pts;
  };

  it('a square grid: one class per cell, [1, sqrt 2), whatever the numbering of its points', () => {
    const a = 7, b = 5, cells = (a - 1) * (b - 1);
    const base = flat(grid(a, b));
    for (const seed of [0, 1, 2, 3]) {
      const positions = seed === 0 ? base : permute(base, permutation(a * b, seed));
      const below = betti1(positions, null, { alpha: 1.2 });
      expect([below.bornBelowAlpha, below.aliveAtAlpha, below.cycleEdges]).toEqual([cells, cells, cells]);
      expect(below.edges).toBe(a * (b - 1) + b * (a - 1));
      const above = betti1(positions, null, { alpha: 1.5 });
      expect(above.edges).toBe(a * (b - 1) + b * (a - 1) + 2 * cells);
      expect([above.bornBelowAlpha, above.aliveAtAlpha, above.cycleEdges]).toEqual([cells, 0, above.edges - a * b + 1]);
      expect(Array.from(above.births)).toEqual(new Array(cells).fill(1));
      expect(Array.from(above.deaths)).toEqual(new Array(cells).fill(Math.SQRT2));
      // Larger scales add edges (and zero-length cycles) but no class of positive length.
      const far = betti1(positions, null, { alpha: 3.3 });
      expect([far.bornBelowAlpha, far.aliveAtAlpha, far.components]).toEqual([cells, 0, 1]);
      expect(far.cycleEdges).toBe(far.edges - a * b + 1);
    }
  });

  it('a periodic square grid (minimum image): the cells and the two cycles of the torus', () => {
    const a = 8;
    const positions = flat(grid(a, a));
    const box = orthoBox(a, a, 1);
    const r = betti1(positions, box, { alpha: 1.5, periodic: true });
    expect(r.periodic).toBe(true);
    expect(r.edges).toBe(4 * a * a); // 2 a^2 sides and 2 a^2 diagonals
    // At r = 1 the torus grid graph has E - V + 1 = a^2 + 1 cycles; the a^2 cells fill at sqrt 2, leaving H1(torus) = 2.
    expect(r.bornBelowAlpha).toBe(a * a + 1);
    expect(r.aliveAtAlpha).toBe(2);
    expect(r.cycleEdges).toBe(4 * a * a - a * a + 1);
    for (let t = 0; t < r.births.length; t++) expect(r.births[t]).toBe(1);
    expect(Array.from(r.deaths).filter((d) => d === Math.SQRT2).length).toBe(a * a - 1);
    // Without periodic images the same points are a plain grid.
    const plain = betti1(positions, box, { alpha: 1.5 });
    expect([plain.bornBelowAlpha, plain.aliveAtAlpha]).toEqual([(a - 1) * (a - 1), 0]);
  });

  it('a larger periodic grid at a larger alpha: the torus classes survive a long reduction (the bucket queue path)', () => {
    const a = 20;
    const positions = flat(grid(a, a));
    const r = betti1(positions, orthoBox(a, a, 1), { alpha: 4.5, periodic: true });
    expect(r.stats.maxHeap).toBeGreaterThan(8192); // the working column outgrew the plain heap
    expect([r.bornBelowAlpha, r.aliveAtAlpha, r.cycleEdges]).toEqual([a * a + 1, 2, r.edges - a * a + 1]);
    expect(new Set(r.births)).toEqual(new Set([1]));
    expect(Array.from(r.deaths).filter((d) => d === Math.SQRT2).length).toBe(a * a - 1);
  });

  it('a cubic grid in 3D: the grid graph cycles below sqrt 2, none of positive length survive the face diagonals', () => {
    const pts: number[][] = [];
    for (let z = 0; z < 3; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) pts.push([x, y, z]);
    const positions = flat(pts);
    const below = betti1(positions, null, { alpha: 1.2, dimensions: 3 });
    expect(below.edges).toBe(54);
    expect([below.bornBelowAlpha, below.aliveAtAlpha, below.cycleEdges]).toEqual([28, 28, 28]);
    const above = betti1(positions, null, { alpha: 1.5, dimensions: 3 });
    expect([above.bornBelowAlpha, above.aliveAtAlpha]).toEqual([28, 0]);
    expect(Array.from(above.deaths)).toEqual(new Array(28).fill(Math.SQRT2));
  });
});

// ---- A textbook reduction: explicit simplices, boundary matrix, standard column reduction over Z/p ----

interface Textbook { pairs: [number, number][]; essential: number; edges: number; components: number; cycleEdges: number }

/** Plain Euclidean distances, or minimum-image ones in a periodic cube of side L. */
function distance(points: number[][], L?: number): (i: number, j: number) => number {
  return (i, j) => Math.sqrt(points[i].reduce((s, x, a) => {
    let d = x - points[j][a];
    if (L !== undefined) d -= L * Math.round(d / L);
    return s + d * d;
  }, 0));
}

function textbookRips(points: number[][], alpha: number, p: number, seed: number, L?: number): Textbook {
  const n = points.length;
  const dist = distance(points, L);
  const simplices: { v: number[]; value: number; tie: number }[] = [];
  const r = mulberry32(seed);
  for (let i = 0; i < n; i++) simplices.push({ v: [i], value: 0, tie: r() });
  const D: number[][] = points.map((_, i) => points.map((__, j) => dist(i, j)));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (D[i][j] <= alpha) simplices.push({ v: [i, j], value: D[i][j], tie: r() });
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) for (let k = j + 1; k < n; k++) {
    if (D[i][j] <= alpha && D[i][k] <= alpha && D[j][k] <= alpha) simplices.push({ v: [i, j, k], value: Math.max(D[i][j], D[i][k], D[j][k]), tie: r() });
  }
  // Any order by (value, dimension) is a filtration; equal values are ordered at random.
  simplices.sort((x, y) => x.value - y.value || x.v.length - y.v.length || x.tie - y.tie);
  const index = new Map(simplices.map((s, t) => [s.v.join(','), t]));
  const inv = (x: number): number => { for (let y = 1; y < p; y++) if ((x * y) % p === 1) return y; throw new Error('not invertible'); };
  const columns: Map<number, number>[] = simplices.map((s) => {
    const col = new Map<number, number>();
    if (s.v.length > 1) {
      s.v.forEach((_, drop) => {
        const face = s.v.filter((__, t) => t !== drop).join(',');
        col.set(index.get(face) as number, ((drop % 2 === 0 ? 1 : -1) + p) % p);
      });
    }
    return col;
  });
  const low = (c: Map<number, number>): number => (c.size ? Math.max(...c.keys()) : -1);
  const owner = new Map<number, number>();
  const paired = new Set<number>();
  const pairs: [number, number][] = [];
  let h0deaths = 0;
  for (let j = 0; j < columns.length; j++) {
    const col = columns[j];
    for (let l = low(col); l >= 0 && owner.has(l); l = low(col)) {
      const other = columns[owner.get(l) as number];
      const f = (col.get(l) as number) * inv(other.get(l) as number) % p;
      for (const [row, c] of other) {
        const v = (((col.get(row) ?? 0) - f * c) % p + p) % p;
        if (v === 0) col.delete(row); else col.set(row, v);
      }
    }
    const l = low(col);
    if (l >= 0) {
      owner.set(l, j);
      paired.add(l); paired.add(j);
      if (simplices[j].v.length === 3) { if (simplices[j].value > simplices[l].value) pairs.push([simplices[l].value, simplices[j].value]); } else h0deaths++;
    }
  }
  let essential = 0, edges = 0, cycleEdges = 0;
  for (let t = 0; t < simplices.length; t++) {
    if (simplices[t].v.length !== 2) continue;
    edges++;
    if (columns[t].size === 0) { cycleEdges++; if (!paired.has(t)) essential++; }
  }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { pairs, essential, edges, components: n - h0deaths, cycleEdges };
}

function finitePairs(r: Betti1Result): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < r.births.length; t++) if (r.deaths[t] !== Infinity) out.push([r.births[t], r.deaths[t]]);
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

describe('betti1 against a textbook boundary-matrix reduction', () => {
  it('random planar clouds, over Z/2 and Z/11 (planar H1 has no torsion: both fields give the same barcode)', () => {
    let classes = 0;
    for (const seed of [1, 2, 3, 4]) {
      const r = mulberry32(100 + seed);
      const pts = Array.from({ length: 45 }, () => [6 * r(), 6 * r()]);
      const positions = flat(pts);
      for (const alpha of [0.9, 1.4, 2.2]) {
        const ours = betti1(positions, null, { alpha });
        for (const p of [2, 11]) {
          const ref = textbookRips(pts, alpha, p, seed);
          const label = `seed ${seed}, alpha ${alpha}, Z/${p}`;
          expect(ours.edges, label).toBe(ref.edges);
          expect(ours.components, label).toBe(ref.components);
          expect(ours.cycleEdges, label).toBe(ref.cycleEdges);
          expect(ours.aliveAtAlpha, label).toBe(ref.essential);
          expect(ours.bornBelowAlpha, label).toBe(ref.pairs.length + ref.essential);
          expect(finitePairs(ours), label).toEqual(ref.pairs);
        }
        classes += ours.bornBelowAlpha;
      }
    }
    expect(classes).toBeGreaterThan(30); // the clouds do have holes (43 classes over the 12 cases)
  });

  it('random planar clouds with minimum-image distances in a periodic box (alpha up to beyond half the box)', () => {
    let classes = 0;
    for (const seed of [5, 6]) {
      const L = 6, r = mulberry32(300 + seed);
      const cloud = Array.from({ length: 45 }, () => [L * r(), L * r()]);
      for (const [count, alpha] of [[45, 1.4], [45, 2.2], [30, 3.5]]) {
        const pts = cloud.slice(0, count);
        const ours = betti1(flat(pts), orthoBox(L, L, 1), { alpha, periodic: true });
        const ref = textbookRips(pts, alpha, 2, seed, L);
        expect([ours.edges, ours.components, ours.cycleEdges, ours.aliveAtAlpha]).toEqual([ref.edges, ref.components, ref.cycleEdges, ref.essential]);
        expect(finitePairs(ours)).toEqual(ref.pairs);
        classes += ours.bornBelowAlpha;
      }
    }
    expect(classes).toBeGreaterThan(10);
  });

  it('coincident points and exactly equal distances (zero-length edges, ties everywhere)', () => {
    const r = mulberry32(77);
    const base = Array.from({ length: 16 }, () => [Math.round(4 * r()) / 2, Math.round(4 * r()) / 2]); // a coarse lattice: many ties
    const pts = [...base, ...base.slice(0, 5)]; // and duplicates
    for (const alpha of [0.5, 0.8, 1.2, 2]) {
      const ours = betti1(flat(pts), null, { alpha });
      const ref = textbookRips(pts, alpha, 2, 9);
      expect([ours.edges, ours.components, ours.cycleEdges, ours.aliveAtAlpha]).toEqual([ref.edges, ref.components, ref.cycleEdges, ref.essential]);
      expect(finitePairs(ours)).toEqual(ref.pairs);
    }
  });

  it('random clouds in 3D over Z/2', () => {
    for (const seed of [7, 8]) {
      const r = mulberry32(200 + seed);
      const pts = Array.from({ length: 40 }, () => [3 * r(), 3 * r(), 3 * r()]);
      for (const alpha of [0.8, 1.2]) {
        const ours = betti1(flat(pts), null, { alpha, dimensions: 3 });
        const ref = textbookRips(pts, alpha, 2, seed);
        expect([ours.edges, ours.components, ours.cycleEdges, ours.aliveAtAlpha]).toEqual([ref.edges, ref.components, ref.cycleEdges, ref.essential]);
        expect(finitePairs(ours)).toEqual(ref.pairs);
      }
    }
  });
});

describe('alphaFromDiameters (App. B: alpha = (sigma_max1 + sigma_max2) * 3.0)', () => {
  it('takes the two largest diameters, repeated ones included', () => {
    expect(alphaFromDiameters([1, 1.3, 0.8, 1.43])).toBeCloseTo(3 * (1.43 + 1.3), 14);
    expect(alphaFromDiameters([1.365, 0.9, 1.365])).toBeCloseTo(8.19, 14);
    const j = JSON.parse(readFileSync(join(oracleDir, 'betti_N200.json'), 'utf8')) as { inputs: { diameters: number[] } };
    const sorted = [...j.inputs.diameters].sort((x, y) => y - x);
    expect(alphaFromDiameters(j.inputs.diameters)).toBe(3 * (sorted[0] + sorted[1]));
  });

  it('rejects fewer than two diameters and non-positive ones', () => {
    expect(() => alphaFromDiameters([1])).toThrow(/at least two diameters/);
    expect(() => alphaFromDiameters([1, 0, 2])).toThrow(/diameter 1 is 0/);
  });
});

describe('betti1 input checks', () => {
  it('names the particle with a non-finite coordinate, and rejects a bad alpha or a periodic request without a box', () => {
    const positions = flat([[0, 0], [1, 0], [0, NaN]]);
    expect(() => betti1(positions, null, { alpha: 2 })).toThrow(/particle 2 has a non-finite coordinate y/);
    expect(() => betti1(flat([[0, 0]]), null, { alpha: 0 })).toThrow(/alpha must be a positive finite number/);
    expect(() => betti1(flat([[0, 0]]), null, { alpha: Infinity })).toThrow(/alpha must be a positive finite number/);
    expect(() => betti1(flat([[0, 0]]), null, { periodic: true })).toThrow(/periodic distances need a box/);
  });

  it('handles empty and tiny clouds', () => {
    expect(betti1(new Float64Array(0), null).cycleEdges).toBe(0);
    const one = betti1(flat([[1, 1]]), null);
    expect([one.edges, one.components, one.bornBelowAlpha]).toEqual([0, 1, 0]);
  });
});
