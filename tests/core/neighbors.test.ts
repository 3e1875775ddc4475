// The cell-list neighbour search against its definition (bruteForceNeighborList): same rows, same order, and
// bit-identical separation vectors (signed zeros included), over the geometries the project meets; and its
// neighbourhood visits (forEachNeighborhood, full and half) against the same lists.
import { describe, expect, it } from 'vitest';
import { orthoBox, triclinicBox, type Box } from '../../src/core/box.js';
import { mulberry32 as rng } from '../../src/core/util/random.js';
import {
  bruteForceNeighborList, buildNeighborList, maxDisplacementSince, NeighborSearch,
  type NeighborList, type NeighborOptions,
} from '../../src/core/neighbors.js';


/** n points at fractional coordinates uniform in [-out, 1 + out) of the box (z = 0.25 in 2D). */
function randomFrame(box: Box, n: number, dims: 2 | 3, seed: number, out = 0): Float64Array {
  const r = rng(seed);
  const [a, b, c] = box.vectors;
  const p = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const s0 = r() * (1 + 2 * out) - out, s1 = r() * (1 + 2 * out) - out, s2 = dims === 3 ? r() * (1 + 2 * out) - out : 0;
    p[3 * i] = box.origin[0] + s0 * a[0] + s1 * b[0] + s2 * c[0];
    p[3 * i + 1] = box.origin[1] + s1 * b[1] + s2 * c[1];
    p[3 * i + 2] = dims === 3 ? box.origin[2] + s2 * c[2] : 0.25; // 2D ignores z, whatever it is
  }
  return p;
}

/** First difference between two lists, or null: rows, order, and vectors bit for bit (Object.is: -0 !== 0). */
function difference(got: NeighborList, want: NeighborList): string | null {
  if (got.n !== want.n) return `n ${got.n} vs ${want.n}`;
  if (got.cutoff !== want.cutoff) return `cutoff ${got.cutoff} vs ${want.cutoff}`;
  if (got.start.length !== want.start.length) return `start length ${got.start.length} vs ${want.start.length}`;
  for (let i = 0; i < want.start.length; i++) {
    if (got.start[i] !== want.start[i]) return `start[${i}] ${got.start[i]} vs ${want.start[i]}`;
  }
  if (got.indices.length !== want.indices.length) return `pairs ${got.indices.length} vs ${want.indices.length}`;
  for (let t = 0; t < want.indices.length; t++) {
    if (got.indices[t] !== want.indices[t]) return `indices[${t}] ${got.indices[t]} vs ${want.indices[t]}`;
  }
  if ((got.vectors === null) !== (want.vectors === null)) return 'vectors presence';
  if (got.vectors && want.vectors) {
    if (got.vectors.length !== want.vectors.length) return `vectors length ${got.vectors.length} vs ${want.vectors.length}`;
    for (let t = 0; t < want.vectors.length; t++) {
      if (!Object.is(got.vectors[t], want.vectors[t])) return `vectors[${t}] ${got.vectors[t]} vs ${want.vectors[t]}`;
    }
  }
  return null;
}

const variants: Array<Pick<NeighborOptions, 'half' | 'withVectors'>> = [
  { half: false, withVectors: true }, { half: true, withVectors: true },
  { half: false, withVectors: false }, { half: true, withVectors: false },
];

/**
 * First difference between forEachNeighborhood and the brute-force full list `want`, or null: every particle visited
 * once; full: row i as a set, half: each pair once (from either end); r2 = |vector|^2 of the list bit for bit.
 */
function neighborhoodDifference(
  positions: Float64Array, box: Box, cutoff: number, dimensions: 2 | 3, half: boolean, want: NeighborList, search: NeighborSearch,
): string | null {
  const n = want.n;
  const visits = new Int32Array(n);
  const got = new Map<number, number>();
  let problem: string | null = null;
  search.forEachNeighborhood(positions, box, { cutoff, dimensions, half }, (i, count, nb, r2) => {
    visits[i]++;
    for (let k = 0; k < count; k++) {
      const j = nb[k];
      const key = half ? Math.min(i, j) * n + Math.max(i, j) : i * n + j;
      if (got.has(key) && problem === null) problem = `pair ${i}, ${j} twice`;
      got.set(key, r2[k]);
    }
  });
  if (problem) return problem;
  for (let i = 0; i < n; i++) if (visits[i] !== 1) return `particle ${i} visited ${visits[i]} times`;
  let pairs = 0;
  const v = want.vectors as Float64Array;
  for (let i = 0; i < n; i++) {
    for (let t = want.start[i]; t < want.start[i + 1]; t++) {
      const j = want.indices[t];
      if (half && j < i) continue;
      pairs++;
      const r2 = v[3 * t] * v[3 * t] + v[3 * t + 1] * v[3 * t + 1] + v[3 * t + 2] * v[3 * t + 2];
      const g = got.get(i * n + j);
      if (!Object.is(g, r2)) return `${i}, ${j}: r2 ${g} vs ${r2}`;
    }
  }
  return got.size === pairs ? null : `${got.size} pairs visited, ${pairs} listed`;
}

/**
 * The fast list equals the brute force for all four variants, and forEachNeighborhood (full and half) visits the same
 * pairs at the same distances; returns the full list for further checks.
 */
function expectSame(positions: Float64Array, box: Box, cutoff: number, dimensions: 2 | 3, search?: NeighborSearch): NeighborList {
  let full: NeighborList | null = null;
  for (const v of variants) {
    const options = { cutoff, dimensions, ...v };
    const got = search ? search.build(positions, box, options) : buildNeighborList(positions, box, options);
    const want = bruteForceNeighborList(positions, box, options);
    expect(difference(got, want), `${JSON.stringify(options)} box ${JSON.stringify(box)}`).toBeNull();
    if (!v.half && v.withVectors) {
      full = got;
      for (const half of [false, true]) {
        const d = neighborhoodDifference(positions, box, cutoff, dimensions, half, want, search ?? new NeighborSearch());
        expect(d, `forEachNeighborhood half ${half}, cutoff ${cutoff}, box ${JSON.stringify(box)}`).toBeNull();
      }
    }
  }
  return full!;
}

function rowsSorted(nl: NeighborList): boolean {
  for (let i = 0; i < nl.n; i++) {
    for (let t = nl.start[i] + 1; t < nl.start[i + 1]; t++) if (nl.indices[t - 1] >= nl.indices[t]) return false;
  }
  return true;
}

describe('buildNeighborList equals the brute force', () => {
  it('random 2D frames in a square box (glass density), several cutoffs', () => {
    const n = 800, L = Math.sqrt(n / 0.9);
    const box = orthoBox(L, L, 1);
    const pos = randomFrame(box, n, 2, 1);
    for (const rc of [0.3, 1.0, 1.5, 2.0, Math.pow(2, 1 / 6) * 1.62 + 0.3, 5.5]) {
      const full = expectSame(pos, box, rc, 2);
      expect(rowsSorted(full)).toBe(true);
      expect(full.indices.length).toBeGreaterThan(0);
    }
  });

  it('random 3D frames in a rectangular box with an offset origin', () => {
    const box = orthoBox(9, 11, 10, [-4.5, 3, -20]);
    const pos = randomFrame(box, 600, 3, 2);
    for (const rc of [0.5, 1.2, 2.0, 3.1]) expectSame(pos, box, rc, 3);
  });

  it('triclinic boxes with large tilt: xy = 0.45 Lx and beyond, negative tilt, 3D tilts', () => {
    for (const [k, xy] of [0.45, 0.5, 0.8, 1.3, -0.45, -2.2].entries()) {
      const box = triclinicBox([1, -2, 0], 14, 12, 1, xy * 14, 0, 0);
      expectSame(randomFrame(box, 500, 2, 10 + k), box, 1.7, 2);
    }
    const box3 = triclinicBox([0, 0, 0], 10, 9, 8, 4.5, -3.1, 2.7);
    expectSame(randomFrame(box3, 700, 3, 20), box3, 1.6, 3);
  });

  it('Lees-Edwards style boxes: the same particles under a growing shear tilt', () => {
    const L = 20;
    const base = randomFrame(orthoBox(L, L, 1), 600, 2, 30);
    for (const gamma of [0, 0.3, 0.49, 0.5, 0.51, 1.0, 1.7]) {
      // Particles sheared affinely with the box (x += gamma * y), like a Lees-Edwards run without remapping.
      const pos = base.slice();
      for (let i = 0; i < 600; i++) pos[3 * i] += gamma * pos[3 * i + 1];
      const box = triclinicBox([0, 0, 0], L, L, 1, gamma * L, 0, 0);
      expectSame(pos, box, 2.0, 2);
    }
  });

  it('non-periodic axes (no wrap), with particles beyond the box on them', () => {
    const box2 = { ...triclinicBox([0, 0, 0], 15, 12, 1, 3, 0, 0), periodic: [true, false, true] as [boolean, boolean, boolean] };
    expectSame(randomFrame(box2, 500, 2, 40, 0.3), box2, 1.5, 2);
    const box2x = { ...orthoBox(15, 12, 1), periodic: [false, true, true] as [boolean, boolean, boolean] };
    expectSame(randomFrame(box2x, 500, 2, 41, 0.3), box2x, 1.5, 2);
    const none = { ...orthoBox(10, 10, 10), periodic: [false, false, false] as [boolean, boolean, boolean] };
    expectSame(randomFrame(none, 600, 3, 42, 0.5), none, 1.4, 3);
    const zfree = { ...triclinicBox([0, 0, 0], 10, 10, 10, 2, 1, -1), periodic: [true, true, false] as [boolean, boolean, boolean] };
    expectSame(randomFrame(zfree, 600, 3, 43, 0.2), zfree, 1.4, 3);
  });

  it('particles slightly outside the box (as LAMMPS writes them) and far outside (unwrapped)', () => {
    const L = 25;
    const box = triclinicBox([-12.5, -12.5, 0], L, L, 1, 7, 0, 0);
    const pos = randomFrame(box, 700, 2, 50);
    const r = rng(51);
    for (let i = 0; i < 700; i += 7) { pos[3 * i] += (r() < 0.5 ? -1 : 1) * (L / 2 + 1e-9); pos[3 * i + 1] -= 1e-7 * r(); }
    expectSame(pos, box, 2.0, 2);
    expectSame(randomFrame(box, 700, 2, 52, 3), box, 2.0, 2); // up to 3 box lengths outside
    const box3 = triclinicBox([0, 0, 0], 9, 9, 9, 2, 1, 1);
    expectSame(randomFrame(box3, 500, 3, 53, 2), box3, 1.5, 3);
  });

  it('particles exactly on the box faces and at -0', () => {
    const box = orthoBox(6, 6, 1);
    const pos = new Float64Array([0, 0, 0, -0, -0, 0, 6, 0, 0, 0, 6, 0, 3, 3, 0, 5.999999999999999, -0, 0, -1e-300, 1e-300, 0]);
    expectSame(pos, box, 1.0, 2);
    expectSame(pos, box, 2.9, 2);
  });

  it('cutoffs close to and beyond half the box (every image judged by minimumImage alone)', () => {
    const L = 12;
    const box = orthoBox(L, L, 1);
    const pos = randomFrame(box, 250, 2, 60);
    for (const rc of [L / 3, L / 2.5, L / 2 - 1e-9, L / 2, L / 2 + 1e-9, 0.7 * L, 1.2 * L]) expectSame(pos, box, rc, 2);
    const tilted = triclinicBox([0, 0, 0], L, L, 1, 0.45 * L, 0, 0);
    for (const rc of [0.4 * L, 0.55 * L]) expectSame(randomFrame(tilted, 250, 2, 61), tilted, rc, 2);
    const box3 = orthoBox(6, 7, 8);
    expectSame(randomFrame(box3, 300, 3, 62), box3, 3.2, 3);
  });

  it('a dense cluster in a large box, and a cutoff much smaller than the spacing', () => {
    const box = orthoBox(100, 100, 1);
    const pos = randomFrame(orthoBox(3, 3, 1, [40, 40, 0]), 400, 2, 70);
    expectSame(pos, box, 0.5, 2);
    expectSame(randomFrame(box, 400, 2, 71), box, 0.01, 2);
  });

  it('empty and single-particle frames', () => {
    const box = orthoBox(5, 5, 5);
    for (const dims of [2, 3] as const) {
      expectSame(new Float64Array(0), box, 1, dims);
      const one = expectSame(new Float64Array([1, 2, 3]), box, 1, dims);
      expect(Array.from(one.start)).toEqual([0, 0]);
    }
  });

  it('NaN and infinite positions are never neighbours', () => {
    const box = orthoBox(10, 10, 10);
    const pos = randomFrame(box, 200, 3, 80);
    pos[3] = NaN; pos[10] = Infinity; pos[20] = -Infinity;
    expectSame(pos, box, 2.5, 3);
    expectSame(pos, box, 2.5, 2);
  });
});

describe('contract details', () => {
  it('the cutoff is strict: a square lattice at spacing 1 has no pair below 1, four at 1 + eps', () => {
    const m = 8, box = orthoBox(m, m, 1);
    const pos = new Float64Array(3 * m * m);
    for (let i = 0; i < m * m; i++) { pos[3 * i] = i % m; pos[3 * i + 1] = Math.floor(i / m); }
    expect(expectSame(pos, box, 1, 2).indices.length).toBe(0);
    const full = expectSame(pos, box, 1 + 1e-12, 2);
    for (let i = 0; i < m * m; i++) expect(full.start[i + 1] - full.start[i]).toBe(4);
    // Lattice separations have exact zero components: the signs must match minimumImage's too (checked above);
    // the left neighbour of particle 0 is across the boundary, at (-1, 0).
    const row0 = Array.from(full.indices.subarray(full.start[0], full.start[1]));
    expect(row0).toEqual([1, m - 1, m, m * (m - 1)]);
    expect(Array.from(full.vectors!.subarray(3, 6))).toEqual([-1, 0, 0]);
  });

  it('the half list is the upper triangle of the full list, vectors included', () => {
    const box = triclinicBox([0, 0, 0], 30, 30, 1, 9, 0, 0);
    const pos = randomFrame(box, 800, 2, 90, 0.05);
    const full = buildNeighborList(pos, box, { cutoff: 2.2, dimensions: 2 });
    const half = buildNeighborList(pos, box, { cutoff: 2.2, dimensions: 2, half: true });
    let t = 0;
    for (let i = 0; i < full.n; i++) {
      expect(half.start[i]).toBe(t);
      for (let u = full.start[i]; u < full.start[i + 1]; u++) {
        if (full.indices[u] <= i) continue;
        expect(half.indices[t]).toBe(full.indices[u]);
        for (let k = 0; k < 3; k++) expect(Object.is(half.vectors![3 * t + k], full.vectors![3 * u + k])).toBe(true);
        t++;
      }
    }
    expect(half.indices.length).toBe(t);
    expect(full.indices.length).toBe(2 * t);
  });

  it('rejects bad input with a RangeError', () => {
    const box = orthoBox(5, 5, 5);
    expect(() => buildNeighborList(new Float64Array(4), box, { cutoff: 1, dimensions: 2 })).toThrow(RangeError);
    expect(() => buildNeighborList(new Float64Array(3), box, { cutoff: -1, dimensions: 2 })).toThrow(RangeError);
    expect(() => buildNeighborList(new Float64Array(3), box, { cutoff: NaN, dimensions: 2 })).toThrow(RangeError);
  });
});

describe('NeighborSearch reuse', () => {
  it('one instance across sizes, dimensions and boxes gives the brute-force lists every time', () => {
    const search = new NeighborSearch();
    const big = orthoBox(40, 40, 1), small = orthoBox(7, 7, 1), box3 = triclinicBox([0, 0, 0], 8, 8, 8, 3, 1, 2);
    expectSame(randomFrame(big, 1400, 2, 100), big, 2, 2, search);
    expectSame(randomFrame(small, 40, 2, 101), small, 1.5, 2, search);
    expectSame(randomFrame(box3, 400, 3, 102, 0.1), box3, 1.7, 3, search);
    expectSame(randomFrame(big, 1000, 2, 103, 0.01), big, 2.5, 2, search);
    search.release();
    expectSame(randomFrame(small, 60, 2, 104), small, 3, 2, search);
  });

  it('buildTransient returns the same list in reused buffers', () => {
    const search = new NeighborSearch();
    const box = orthoBox(30, 30, 1);
    const posA = randomFrame(box, 800, 2, 110), posB = randomFrame(box, 600, 2, 111);
    const options = { cutoff: 2.1, dimensions: 2 as const, half: true };
    const a = search.buildTransient(posA, box, options);
    expect(difference(a, bruteForceNeighborList(posA, box, options))).toBeNull();
    const b = search.buildTransient(posB, box, options);
    expect(difference(b, bruteForceNeighborList(posB, box, options))).toBeNull();
    expect(b.indices.buffer).toBe(a.indices.buffer); // no new allocation once grown
  });
});

describe('maxDisplacementSince', () => {
  it('largest minimum-image displacement, across the boundary and in a tilted box', () => {
    const box = triclinicBox([0, 0, 0], 10, 10, 10, 3, 0, 0);
    const ref = new Float64Array([1, 1, 1, 9.9, 5, 2, 5, 9.95, 3]);
    const cur = new Float64Array([1.1, 1, 1, 0.05, 5, 2, 5 - 3, 0.05, 3]);
    // Particle 1 crossed x (0.15); particle 2 moved by (0, 0.1) across y, which wraps it by -b = (-3, -10).
    expect(maxDisplacementSince(ref, cur, box, 2)).toBeCloseTo(0.15, 12);
    cur[2] = 1.5; // z is ignored in 2D, counts in 3D
    expect(maxDisplacementSince(ref, cur, box, 2)).toBeCloseTo(0.15, 12);
    expect(maxDisplacementSince(ref, cur, box, 3)).toBeCloseTo(Math.hypot(0.1, 0.5), 12);
  });

  it('0 for no particles, Infinity for a non-finite displacement, RangeError on mismatched arrays', () => {
    const box = orthoBox(5, 5, 5);
    expect(maxDisplacementSince(new Float64Array(0), new Float64Array(0), box, 2)).toBe(0);
    expect(maxDisplacementSince(new Float64Array([1, 1, 1]), new Float64Array([NaN, 1, 1]), box, 2)).toBe(Infinity);
    expect(() => maxDisplacementSince(new Float64Array(3), new Float64Array(6), box, 2)).toThrow(RangeError);
  });

  it('a list built with cutoff rc + skin holds every pair closer than rc while the displacement stays below skin / 2', () => {
    const L = 30, box = orthoBox(L, L, 1), rc = 1.5, skin = 0.4;
    const ref = randomFrame(box, 900, 2, 120);
    const list = buildNeighborList(ref, box, { cutoff: rc + skin, dimensions: 2, half: true, withVectors: false });
    const r = rng(121);
    const cur = ref.slice();
    for (let i = 0; i < 900; i++) { cur[3 * i] += (r() - 0.5) * 0.25; cur[3 * i + 1] += (r() - 0.5) * 0.25; }
    expect(maxDisplacementSince(ref, cur, box, 2)).toBeLessThan(skin / 2);
    const now = bruteForceNeighborList(cur, box, { cutoff: rc, dimensions: 2, half: true, withVectors: false });
    for (let i = 0; i < 900; i++) {
      const had = new Set(list.indices.subarray(list.start[i], list.start[i + 1]));
      for (let t = now.start[i]; t < now.start[i + 1]; t++) expect(had.has(now.indices[t])).toBe(true);
    }
  });
});
