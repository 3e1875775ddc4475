// Rearrangers (Zhang, Ridout & Liu Sec. II B): the species rule, a planted rearranger in an affine field (exactly one
// rearranger, the single-rearranger filter, the recovered affine strain), starts over a sequence, and AQS segments.
import { describe, expect, it } from 'vitest';
import { orthoBox } from '../../../src/core/box.js';
import { computeStrainFields } from '../../../src/core/analysis/d2min-strain.js';
import {
  binarySpecies, classifyPair, DEFAULT_D_SOFT, DEFAULT_QUIET_FACTOR, rearrangementStarts, rearrangerFlags, REARRANGER_CUTOFF,
} from '../../../src/core/analysis/rearrangers.js';
import { aqsSegments } from '../../../src/core/analysis/avalanche-statistics.js';

/** A jittered square lattice (spacing 1) of side^2 particles, deterministic. */
function lattice(side: number): Float64Array {
  const p = new Float64Array(3 * side * side);
  for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) {
    const q = j * side + i;
    p[3 * q] = i + 0.5 + 0.1 * Math.sin(12.9898 * q);
    p[3 * q + 1] = j + 0.5 + 0.1 * Math.cos(78.233 * q);
  }
  return p;
}

/** x' = c + E (x - c) for every particle (E small, c the box centre): positions stay inside the box. */
function affine(p: Float64Array, E: [[number, number], [number, number]], c: number): Float64Array {
  const q = new Float64Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    const x = p[i] - c, y = p[i + 1] - c;
    q[i] = c + x + E[0][0] * x + E[0][1] * y;
    q[i + 1] = c + y + E[1][0] * x + E[1][1] * y;
  }
  return q;
}

describe('species', () => {
  it('two types: the type of smaller mean diameter is small, whatever its id', () => {
    const s = binarySpecies(4, [3, 7, 3, 7], [1.4, 1, 1.4, 1]);
    expect(s.rule).toBe('type');
    expect(Array.from(s.species)).toEqual([1, 0, 1, 0]);
    expect(Array.from(binarySpecies(3, [2, 1, 2]).species)).toEqual([1, 0, 1]);
  });
  it('no usable types: split at the midpoint of the diameters; one size: a single species', () => {
    const s = binarySpecies(4, [0, 0, 0, 0], [1, 1.19, 1.21, 1.4]);
    expect(s.rule).toBe('diameter');
    expect(Array.from(s.species)).toEqual([0, 0, 1, 1]);
    expect(binarySpecies(3, null, [1, 1, 1])).toMatchObject({ rule: 'single', nSpecies: 1 });
    expect(binarySpecies(2)).toMatchObject({ rule: 'single' });
  });
});

describe('a planted rearranger in an affine field', () => {
  // An open (non-periodic) box: a non-periodic affine field would jump by E L across periodic boundaries.
  const side = 30, L = side;
  const box = { ...orthoBox(L, L, 1), periodic: [false, false, false] as [boolean, boolean, boolean] };
  const ref = lattice(side);
  const E: [[number, number], [number, number]] = [[0.002, 0.01], [-0.004, -0.001]];
  const cur = affine(ref, E, L / 2);
  const k0 = 465; // (15, 15): in the middle, far from the box edges
  cur[3 * k0] += 0.1;
  const species = binarySpecies(side * side, null, Array.from({ length: side * side }, (_, i) => (i % 2 ? 1.4 : 1))).species;
  const sf = computeStrainFields({ reference: ref, current: cur, box, dimensions: 2, cutoff: REARRANGER_CUTOFF });

  it('is the one rearranger; the far field is quiet, so the pair passes the single-rearranger filter', () => {
    expect(sf.d2min[k0]).toBeGreaterThan(DEFAULT_D_SOFT[0]);
    const c = classifyPair(sf.d2min, species, ref, box);
    expect(c.count).toBe(1);
    expect(c.rearranger).toBe(k0);
    expect(c.single).toBe(true);
    expect(c.farMovers).toBe(0);
    // Away from the planted particle (beyond R_D) the fit recovers the affine map exactly.
    const x0 = ref[3 * k0], y0 = ref[3 * k0 + 1];
    for (let i = 0; i < side * side; i++) {
      const dx = ref[3 * i] - x0, dy = ref[3 * i + 1] - y0;
      if (Math.hypot(dx, dy) < 3) continue;
      expect(sf.d2min[i]).toBeLessThan(1e-20);
      expect(sf.k[i]).toBeCloseTo((E[0][0] + E[1][1]) / 2, 12);
      expect(sf.epsXY[i]).toBeCloseTo((E[0][1] + E[1][0]) / 2, 12);
    }
  });

  it('a second mover beyond the quiet radius breaks the filter (D2min above DEFAULT_QUIET_FACTOR d_soft), one inside does not', () => {
    expect(DEFAULT_QUIET_FACTOR).toBe(0.3);
    const far = 15 * side + 2, near = 15 * side + 17;
    const d2 = Float64Array.from(sf.d2min);
    d2[far] = 0.02 * DEFAULT_D_SOFT[species[far]];
    // The paper's literal filter (0.01 d_soft) rejects a far particle at 0.02 d_soft; the default (0.3) lets it pass.
    expect(classifyPair(d2, species, ref, box, { quietFactor: 0.01 }).single).toBe(false);
    expect(classifyPair(d2, species, ref, box).single).toBe(true);
    d2[far] = 0.4 * DEFAULT_D_SOFT[species[far]];
    d2[near] = 0.5 * DEFAULT_D_SOFT[species[near]];
    const c = classifyPair(d2, species, ref, box);
    expect(c.count).toBe(1);
    expect(c.single).toBe(false);
    expect(c.farMovers).toBe(1);
    d2[far] = 0;
    expect(classifyPair(d2, species, ref, box).single).toBe(true);
    expect(classifyPair(d2, species, ref, box, { quietFactor: 1e-30 }).single).toBe(false);
  });

  it('thresholds are per species, and NaN is never a rearranger', () => {
    const f = rearrangerFlags([0.002, 0.002, NaN, 0.003], [0, 1, 0, 0]);
    expect(Array.from(f)).toEqual([0, 1, 0, 1]);
    expect(() => rearrangerFlags([1], [2])).toThrow(/no threshold for species 2/);
  });
});

describe('rearrangement starts', () => {
  it('a start is a first pair of a run of flags within a segment', () => {
    const pairs = [
      [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 1], // segment A
      [1, 0, 1], [0, 0, 0], // segment B (starts at pair 4: its flags are starts again)
    ].map((x) => Uint8Array.from(x));
    const s = rearrangementStarts(pairs, [1, 0, 0, 0, 1, 0]);
    expect(Array.from(s.pair)).toEqual([0, 1, 3, 3, 4, 4]);
    expect(Array.from(s.particle)).toEqual([0, 1, 0, 2, 0, 2]);
  });
});

describe('AQS segments', () => {
  it('the steepest-descent frames of a step and its minimized frame', () => {
    const shearStep = [0, 1, 2, 2, 2, 2, 3, 4, 4, 5, 5, 5];
    const avalancheIndex = [-1, -1, 0, 1, 2, -1, -1, 0, -1, 0, 1, 2];
    expect(aqsSegments({ shearStep, avalancheIndex })).toEqual([
      { first: 2, last: 5, step: 2 }, { first: 7, last: 8, step: 4 }, { first: 9, last: 11, step: 5 },
    ]);
  });
});
