// The one place for pair potentials (analysis and simulation alike): pure, no Node, no DOM.
// A potential is a small object of functions over per-particle sizes (WCA: diameters s_i; Hertz: radii R_i).
// Its `pair` evaluation works on the squared distance and writes u, u'(r)/r and u''(r) into a scratch array,
// so hot loops never allocate; only the Hertzian form needs a square root.
// Sign conventions used everywhere below, with d = r_j - r_i (the neighbour list's separation vectors):
//   force on i from j  F_i = -u'(r) (r_i - r_j)/r = (u'/r) d,   F_j = -(u'/r) d,   F = -grad U.
import type { Box } from './box.js';
import { buildNeighborList, type NeighborList } from './neighbors.js';

export type PotentialName = 'wca' | 'hertz';

/** Slots of the scratch array filled by `PairPotential.pair` (length >= 3). */
export const PAIR_U = 0;
export const PAIR_DUDR_OVER_R = 1;
export const PAIR_D2UDR2 = 2;

export interface PairPotential {
  readonly name: PotentialName;
  /** What the per-particle size array holds: WCA diameters s_i, Hertzian radii R_i. */
  readonly sizeMeaning: 'diameter' | 'radius';
  /** Energy scale epsilon (1 in the papers' reduced units). */
  readonly epsilon: number;
  /** The largest pair cutoff in the system (for neighbour lists). */
  maxCutoff(sizes: ArrayLike<number>): number;
  /** The cutoff of pair (i, j): 2^(1/6) (s_i + s_j)/2 (WCA) or R_i + R_j (Hertz). */
  pairCutoff(sizes: ArrayLike<number>, i: number, j: number): number;
  /**
   * The pair interaction at squared distance r2 for sizes si, sj. Writes out[PAIR_U] = u, out[PAIR_DUDR_OVER_R] = u'(r)/r,
   * out[PAIR_D2UDR2] = u''(r) and returns true inside the cutoff (strictly r < rc); beyond it writes zeros and returns false.
   */
  pair(si: number, sj: number, r2: number, out: Float64Array): boolean;
  /** Per-particle sizes of this potential from diameters (WCA: the diameters; Hertz: radii = diameters/2). */
  sizesFromDiameters(diameters: ArrayLike<number>): Float64Array;
}

function maxOf(sizes: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < sizes.length; i++) if (sizes[i] > m) m = sizes[i];
  return m;
}

const WCA_RC = Math.pow(2, 1 / 6);
const WCA_RC2 = Math.pow(2, 1 / 3);

/**
 * WCA (Jha & Sengupta Eq. 1): u = 4 eps [(s/r)^12 - (s/r)^6 + 1/4] for r < 2^(1/6) s, s = (s_i + s_j)/2.
 * With q = (s^2/r^2)^3: u = 4 eps (q^2 - q) + eps, u'/r = -24 eps (2 q^2 - q)/r^2, u'' = 4 eps (156 q^2 - 42 q)/r^2.
 */
export function wcaPotential(epsilon = 1): PairPotential {
  return {
    name: 'wca',
    sizeMeaning: 'diameter',
    epsilon,
    maxCutoff: (sizes) => WCA_RC * maxOf(sizes),
    pairCutoff: (sizes, i, j) => WCA_RC * 0.5 * (sizes[i] + sizes[j]),
    pair(si, sj, r2, out) {
      const s = 0.5 * (si + sj);
      const s2 = s * s;
      if (!(r2 < WCA_RC2 * s2)) {
        out[0] = 0; out[1] = 0; out[2] = 0;
        return false;
      }
      const inv = s2 / r2;
      const q = inv * inv * inv;
      const q2 = q * q;
      out[0] = epsilon * (4 * (q2 - q) + 1);
      out[1] = (-24 * epsilon * (2 * q2 - q)) / r2;
      out[2] = (4 * epsilon * (156 * q2 - 42 * q)) / r2;
      return true;
    },
    sizesFromDiameters: (d) => Float64Array.from(d),
  };
}

/**
 * Hertzian (Zhang, Ridout & Liu Eq. 1): u = eps (1 - r/D)^2.5 for r < D, D = R_i + R_j (no prefactor: eps = 1).
 * With x = 1 - r/D: u'/r = -2.5 eps x^1.5/(D r), u'' = 3.75 eps x^0.5/D^2.
 */
export function hertzPotential(epsilon = 1): PairPotential {
  return {
    name: 'hertz',
    sizeMeaning: 'radius',
    epsilon,
    maxCutoff: (sizes) => 2 * maxOf(sizes),
    pairCutoff: (sizes, i, j) => sizes[i] + sizes[j],
    pair(si, sj, r2, out) {
      const D = si + sj;
      if (!(r2 < D * D)) {
        out[0] = 0; out[1] = 0; out[2] = 0;
        return false;
      }
      const r = Math.sqrt(r2);
      const x = 1 - r / D;
      const sx = Math.sqrt(x);
      out[0] = epsilon * x * x * sx;
      out[1] = r > 0 ? (-2.5 * epsilon * x * sx) / (D * r) : 0;
      out[2] = (3.75 * epsilon * sx) / (D * D);
      return true;
    },
    sizesFromDiameters: (d) => {
      const out = new Float64Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = 0.5 * d[i];
      return out;
    },
  };
}

export const WCA: PairPotential = wcaPotential();
export const HERTZ: PairPotential = hertzPotential();

export function potentialByName(name: PotentialName, epsilon = 1): PairPotential {
  return name === 'wca' ? wcaPotential(epsilon) : hertzPotential(epsilon);
}

export interface PairSumOptions {
  /** 2 (default: z ignored) or 3. */
  dimensions?: 2 | 3;
  /**
   * A half neighbour list with separation vectors built from THESE positions with cutoff >= potential.maxCutoff(sizes)
   * (e.g. shared between energy, forces and stress of one frame). Built here when absent.
   */
  neighbors?: NeighborList;
}

/** The half neighbour list (j > i, with vectors r_j - r_i) that the pair sums below run over. */
export function pairNeighborList(
  positions: Float64Array, box: Box, sizes: ArrayLike<number>, potential: PairPotential, dimensions: 2 | 3 = 2,
): NeighborList {
  checkSizes(positions, sizes);
  return buildNeighborList(positions, box, { cutoff: potential.maxCutoff(sizes), dimensions, half: true, withVectors: true });
}

function checkSizes(positions: Float64Array, sizes: ArrayLike<number>): void {
  if (sizes.length * 3 !== positions.length) {
    throw new RangeError(`pair potential: ${positions.length / 3} particles but ${sizes.length} sizes`);
  }
}

/** The list to sum over, checked: half, with vectors, covering the potential's range. */
export function resolvePairList(
  positions: Float64Array, box: Box, sizes: ArrayLike<number>, potential: PairPotential, options: PairSumOptions | undefined,
): NeighborList {
  const dims = options?.dimensions ?? 2;
  const nl = options?.neighbors;
  if (!nl) return pairNeighborList(positions, box, sizes, potential, dims);
  checkSizes(positions, sizes);
  if (nl.n !== sizes.length) throw new RangeError(`pair potential: neighbour list of ${nl.n} particles for ${sizes.length}`);
  if (!nl.vectors) throw new RangeError('pair potential: the neighbour list needs separation vectors (withVectors)');
  if (nl.cutoff < potential.maxCutoff(sizes)) {
    throw new RangeError(`pair potential: neighbour cutoff ${nl.cutoff} is below the potential range ${potential.maxCutoff(sizes)}`);
  }
  for (let i = 0; i < nl.n; i++) {
    // A half list holds j > i only; a full list would count every pair twice.
    const a = nl.start[i], b = nl.start[i + 1];
    if (b > a && nl.indices[a] <= i) throw new RangeError('pair potential: the neighbour list must be a half list (half: true)');
  }
  return nl;
}

/** U = sum_{i<j} u(r_ij) (the total potential energy). */
export function totalEnergy(
  positions: Float64Array, box: Box, sizes: ArrayLike<number>, potential: PairPotential, dimensions: 2 | 3 = 2,
  neighbors?: NeighborList,
): number {
  const nl = resolvePairList(positions, box, sizes, potential, { dimensions, neighbors });
  const { start, indices } = nl;
  const vec = nl.vectors as Float64Array;
  const tmp = new Float64Array(3);
  let e = 0;
  for (let i = 0; i < nl.n; i++) {
    const si = sizes[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const dx = vec[3 * k], dy = vec[3 * k + 1], dz = dimensions === 3 ? vec[3 * k + 2] : 0;
      if (potential.pair(si, sizes[indices[k]], dx * dx + dy * dy + dz * dz, tmp)) e += tmp[0];
    }
  }
  return e;
}

/** e_i = (1/2) sum_{j != i} u(r_ij): each pair's energy split evenly (LAMMPS compute pe/atom); sum_i e_i = U. */
export function perParticleEnergy(
  positions: Float64Array, box: Box, sizes: ArrayLike<number>, potential: PairPotential, dimensions: 2 | 3 = 2,
  out?: Float64Array, neighbors?: NeighborList,
): Float64Array {
  const nl = resolvePairList(positions, box, sizes, potential, { dimensions, neighbors });
  const e = out ?? new Float64Array(nl.n);
  if (e.length !== nl.n) throw new RangeError(`perParticleEnergy: out has ${e.length} slots for ${nl.n} particles`);
  e.fill(0);
  const { start, indices } = nl;
  const vec = nl.vectors as Float64Array;
  const tmp = new Float64Array(3);
  for (let i = 0; i < nl.n; i++) {
    const si = sizes[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = indices[k];
      const dx = vec[3 * k], dy = vec[3 * k + 1], dz = dimensions === 3 ? vec[3 * k + 2] : 0;
      if (potential.pair(si, sizes[j], dx * dx + dy * dy + dz * dz, tmp)) {
        const h = 0.5 * tmp[0];
        e[i] += h;
        e[j] += h;
      }
    }
  }
  return e;
}

/**
 * F = -grad U into `out` (n*3, z = 0 in 2D), overwriting it; returns the total energy U of the same pass.
 * Pair (i, j), d = r_j - r_i: F_i += (u'/r) d, F_j -= (u'/r) d.
 */
export function forces(
  positions: Float64Array, box: Box, sizes: ArrayLike<number>, potential: PairPotential, out: Float64Array,
  dimensions: 2 | 3 = 2, neighbors?: NeighborList,
): number {
  const nl = resolvePairList(positions, box, sizes, potential, { dimensions, neighbors });
  if (out.length !== positions.length) throw new RangeError(`forces: out has ${out.length} slots for ${positions.length}`);
  out.fill(0);
  const { start, indices } = nl;
  const vec = nl.vectors as Float64Array;
  const tmp = new Float64Array(3);
  let e = 0;
  for (let i = 0; i < nl.n; i++) {
    const si = sizes[i];
    let fx = 0, fy = 0, fz = 0;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = indices[k];
      const dx = vec[3 * k], dy = vec[3 * k + 1], dz = dimensions === 3 ? vec[3 * k + 2] : 0;
      if (!potential.pair(si, sizes[j], dx * dx + dy * dy + dz * dz, tmp)) continue;
      e += tmp[0];
      const g = tmp[1];
      fx += g * dx; fy += g * dy; fz += g * dz;
      out[3 * j] -= g * dx; out[3 * j + 1] -= g * dy; out[3 * j + 2] -= g * dz;
    }
    out[3 * i] += fx; out[3 * i + 1] += fy; out[3 * i + 2] += fz;
  }
  return e;
}

// ---- Hot-loop WCA kernels (added for the MD force loop of src/core/sim): plain number -> number functions, small
// enough for V8 to inline at the call site, with no scratch array and no u'' (a molecular-dynamics step needs only
// these). Same formulas as wcaPotential().pair; s2 = sigma_ij^2 with sigma_ij = (s_i + s_j)/2.

/** A WCA pair interacts when r^2 < WCA_CUTOFF2_FACTOR * sigma_ij^2 (the factor is 2^(1/3)). */
export const WCA_CUTOFF2_FACTOR = WCA_RC2;

/**
 * u'(r)/r of WCA at squared distance r2 for s2 = sigma_ij^2, so F_i = (u'/r) (r_j - r_i); 0 at and beyond the cutoff.
 * Branch-free on purpose: the cutoff test becomes a factor 0 or 1 (`+(r2 < rc2)` compiles to a flag, not a jump).
 * In an MD loop about a third of the listed pairs lie in the skin beyond the cutoff, in no predictable order, and
 * the mispredicted jumps cost more than evaluating the formula for them (measured: 54 vs 70-80 us per force pass
 * for N = 2000). One division, like LAMMPS's lj/cut. Needs r2 > 0 (as any WCA evaluation); NaN in, NaN out.
 */
export function wcaDuDrOverR(r2: number, s2: number, epsilon: number): number {
  const inside = +(r2 < WCA_RC2 * s2);
  const ir2 = 1 / r2;
  const inv = s2 * ir2;
  const q = inv * inv * inv;
  return -24 * epsilon * inside * (2 * q * q - q) * ir2;
}

/** u(r) of WCA at squared distance r2 for s2 = sigma_ij^2 (shifted by +epsilon, Eq. 1); 0 at and beyond the cutoff. */
export function wcaPairEnergy(r2: number, s2: number, epsilon: number): number {
  if (!(r2 < WCA_RC2 * s2)) return 0;
  const inv = s2 / r2;
  const q = inv * inv * inv;
  return epsilon * (4 * (q * q - q) + 1);
}

// ---- Hot-loop Hertz kernels (added for the minimizers and AQS of src/core/sim), in the style of the WCA kernels above:
// same formulas as hertzPotential().pair, D = R_i + R_j; with x = 1 - r/D, u = eps x^2.5 and u'/r = -2.5 eps x^1.5/(D r).

/** u'(r)/r of the Hertzian pair at squared distance r2 for D = R_i + R_j, so F_i = (u'/r) (r_j - r_i); 0 for r >= D. */
export function hertzDuDrOverR(r2: number, D: number, epsilon: number): number {
  if (!(r2 < D * D)) return 0;
  const r = Math.sqrt(r2);
  const x = 1 - r / D;
  return r > 0 ? (-2.5 * epsilon * x * Math.sqrt(x)) / (D * r) : 0;
}

/** u(r) of the Hertzian pair at squared distance r2 for D = R_i + R_j (Zhang, Ridout & Liu Eq. 1); 0 for r >= D. */
export function hertzPairEnergy(r2: number, D: number, epsilon: number): number {
  if (!(r2 < D * D)) return 0;
  const r = Math.sqrt(r2);
  const x = 1 - r / D;
  return epsilon * x * x * Math.sqrt(x);
}
