// The particle system of the MD engine: structure-of-arrays typed arrays (positions, velocities and image flags
// interleaved n*3 like every reader and the neighbour search; z = 0 in 2D), per-particle diameters and masses, a
// periodic box (box.ts `Box`, LAMMPS restricted-triclinic convention), and the helpers that make a fresh system:
// polydisperse diameters, a periodic box at a number density, random positions, Maxwell velocities, wrapping
// with image counters, kinetic energy and temperature with LAMMPS's degrees of freedom.
import { orthoBox, type Box } from '../box.js';
import type { Rng } from './rng.js';

export interface ParticleSystem {
  n: number;
  /** 2 (the focus: z ignored and kept at 0) or 3. */
  dimensions: 2 | 3;
  box: Box;
  /** Positions n*3 (x, y, z interleaved; z = 0 in 2D). */
  positions: Float64Array;
  /** Velocities n*3 (vz = 0 in 2D). */
  velocities: Float64Array;
  /** Periodic image counters n*3: unwrapped = position + ix a + iy b + iz c (box.ts `unwrapWithImages`). */
  images: Int32Array;
  /** Particle diameters s_i (WCA: sigma_ij = (s_i + s_j)/2). */
  diameters: Float64Array;
  /** Particle masses (1 in the paper's reduced units). */
  masses: Float64Array;
  /** Particle ids (1..n for generated systems; the file's ids for read ones). */
  ids: Int32Array;
  /** Particle types (1 for generated systems; the file's types for read ones). */
  types: Int32Array;
}

/** A system from its arrays, checked for consistent lengths; missing velocities, images, masses, ids, types get defaults. */
export function makeSystem(init: {
  dimensions: 2 | 3;
  box: Box;
  positions: Float64Array;
  diameters: Float64Array;
  velocities?: Float64Array;
  images?: Int32Array;
  masses?: Float64Array;
  ids?: Int32Array;
  types?: Int32Array;
}): ParticleSystem {
  const n = init.diameters.length;
  const need = (name: string, len: number, want: number): void => {
    if (len !== want) throw new RangeError(`particle system: ${name} has ${len} entries, expected ${want} for ${n} particles`);
  };
  need('positions', init.positions.length, 3 * n);
  if (init.dimensions !== 2 && init.dimensions !== 3) throw new RangeError(`particle system: dimensions must be 2 or 3 (got ${String(init.dimensions)})`);
  const velocities = init.velocities ?? new Float64Array(3 * n);
  need('velocities', velocities.length, 3 * n);
  const images = init.images ?? new Int32Array(3 * n);
  need('images', images.length, 3 * n);
  const masses = init.masses ?? new Float64Array(n).fill(1);
  need('masses', masses.length, n);
  const ids = init.ids ?? Int32Array.from({ length: n }, (_, i) => i + 1);
  need('ids', ids.length, n);
  const types = init.types ?? new Int32Array(n).fill(1);
  need('types', types.length, n);
  for (let i = 0; i < n; i++) {
    if (!(init.diameters[i] > 0)) throw new RangeError(`particle system: diameter of particle ${i} is ${init.diameters[i]} (must be > 0)`);
    if (!(masses[i] > 0)) throw new RangeError(`particle system: mass of particle ${i} is ${masses[i]} (must be > 0)`);
  }
  if (init.dimensions === 2) {
    for (let i = 0; i < n; i++) {
      if (velocities[3 * i + 2] !== 0) throw new RangeError(`particle system: 2D particle ${i} has vz = ${velocities[3 * i + 2]}`);
    }
  }
  return { n, dimensions: init.dimensions, box: init.box, positions: init.positions, velocities, images, diameters: init.diameters, masses, ids, types };
}

/** A deep copy (fresh arrays, box copied). */
export function cloneSystem(s: ParticleSystem): ParticleSystem {
  return {
    n: s.n,
    dimensions: s.dimensions,
    box: copyBox(s.box),
    positions: s.positions.slice(),
    velocities: s.velocities.slice(),
    images: s.images.slice(),
    diameters: s.diameters.slice(),
    masses: s.masses.slice(),
    ids: s.ids.slice(),
    types: s.types.slice(),
  };
}

export function copyBox(b: Box): Box {
  return {
    origin: [b.origin[0], b.origin[1], b.origin[2]],
    vectors: [[...b.vectors[0]], [...b.vectors[1]], [...b.vectors[2]]],
    periodic: [b.periodic[0], b.periodic[1], b.periodic[2]],
  };
}

/**
 * Degrees of freedom of the kinetic temperature: d N - d (total momentum conserved and removed), exactly LAMMPS's
 * default `compute temp` (dof = dimension * natoms - dimension; with `dimension 2` and fix enforce2d: 2N - 2).
 */
export function degreesOfFreedom(n: number, dimensions: 2 | 3): number {
  return Math.max(0, dimensions * n - dimensions);
}

/** K = (1/2) sum_i m_i |v_i|^2 (vz ignored in 2D). */
export function kineticEnergy(velocities: Float64Array, masses: Float64Array, dimensions: 2 | 3): number {
  const n = masses.length;
  let k = 0;
  if (dimensions === 2) {
    for (let i = 0; i < n; i++) {
      const vx = velocities[3 * i], vy = velocities[3 * i + 1];
      k += masses[i] * (vx * vx + vy * vy);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const vx = velocities[3 * i], vy = velocities[3 * i + 1], vz = velocities[3 * i + 2];
      k += masses[i] * (vx * vx + vy * vy + vz * vz);
    }
  }
  return 0.5 * k;
}

/** Kinetic temperature T = 2 K / (d N - d) (k_B = 1): LAMMPS `temp`; 0 when there are no degrees of freedom. */
export function kineticTemperature(velocities: Float64Array, masses: Float64Array, dimensions: 2 | 3): number {
  const dof = degreesOfFreedom(masses.length, dimensions);
  return dof > 0 ? (2 * kineticEnergy(velocities, masses, dimensions)) / dof : 0;
}

/** Subtract the centre-of-mass velocity so the total momentum is zero (to round-off). */
export function removeDrift(velocities: Float64Array, masses: Float64Array, dimensions: 2 | 3): void {
  const n = masses.length;
  if (n === 0) return;
  let px = 0, py = 0, pz = 0, m = 0;
  for (let i = 0; i < n; i++) {
    px += masses[i] * velocities[3 * i];
    py += masses[i] * velocities[3 * i + 1];
    pz += masses[i] * velocities[3 * i + 2];
    m += masses[i];
  }
  const ux = px / m, uy = py / m, uz = dimensions === 3 ? pz / m : 0;
  for (let i = 0; i < n; i++) {
    velocities[3 * i] -= ux;
    velocities[3 * i + 1] -= uy;
    velocities[3 * i + 2] = dimensions === 3 ? velocities[3 * i + 2] - uz : 0;
  }
}

/**
 * Gaussian velocities at temperature T: each component drawn N(0, T/m_i), the centre-of-mass drift removed, then
 * all velocities scaled so the kinetic temperature (d N - d degrees of freedom) is exactly T (to round-off).
 */
export function assignVelocities(system: ParticleSystem, temperature: number, rng: Rng): void {
  const { n, dimensions, velocities, masses } = system;
  if (!(temperature >= 0)) throw new RangeError(`assignVelocities: temperature must be >= 0 (got ${temperature})`);
  for (let i = 0; i < n; i++) {
    const sd = Math.sqrt(temperature / masses[i]);
    velocities[3 * i] = sd * rng.normal();
    velocities[3 * i + 1] = sd * rng.normal();
    velocities[3 * i + 2] = dimensions === 3 ? sd * rng.normal() : 0;
  }
  removeDrift(velocities, masses, dimensions);
  const t = kineticTemperature(velocities, masses, dimensions);
  const f = t > 0 ? Math.sqrt(temperature / t) : 0;
  for (let k = 0; k < 3 * n; k++) velocities[k] *= f;
}

export interface PolydisperseOptions {
  /** Mean diameter (default 1). */
  mean?: number;
  /** Standard deviation over mean (default 0.11, the paper's 11 %). */
  polydispersity?: number;
  /** Draws farther than this many standard deviations from the mean are redrawn (default 3). */
  truncateSd?: number;
}

/**
 * n diameters from a truncated Gaussian, then rescaled to the exact moments:
 *  1. draw d ~ N(mean, (polydispersity * mean)^2), redrawing any draw outside mean +- truncateSd * sd (this cuts the
 *     tails symmetrically, so no diameter is ever near 0 or unphysically large; 3 sd keeps 99.73 % of the Gaussian);
 *  2. affine rescale d -> mean + (d - m) * sd / s with m, s the sample mean and POPULATION standard deviation, so the
 *     set has mean exactly `mean` and std/mean exactly `polydispersity` (to round-off), as make_data.py in the LAMMPS
 *     reference does for its type diameters. The rescale stretches the truncation bound by s/sd (about 1 % for the
 *     truncated Gaussian's smaller spread), so extremes stay within about 3.1 sd.
 * With polydispersity 0 every diameter is `mean`.
 */
export function polydisperseDiameters(n: number, rng: Rng, options: PolydisperseOptions = {}): Float64Array {
  const mean = options.mean ?? 1;
  const poly = options.polydispersity ?? 0.11;
  const cut = options.truncateSd ?? 3;
  if (!(mean > 0)) throw new RangeError(`polydisperseDiameters: mean must be > 0 (got ${mean})`);
  if (!(poly >= 0 && poly * cut < 1)) {
    throw new RangeError(`polydisperseDiameters: need 0 <= polydispersity and polydispersity * truncateSd < 1 (got ${poly}, ${cut})`);
  }
  if (!(cut > 0)) throw new RangeError(`polydisperseDiameters: truncateSd must be > 0 (got ${cut})`);
  const d = new Float64Array(n);
  const sd = poly * mean;
  if (sd === 0 || n < 2) return d.fill(mean);
  for (let i = 0; i < n; i++) {
    let x: number;
    do x = mean + sd * rng.normal();
    while (Math.abs(x - mean) > cut * sd);
    d[i] = x;
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += d[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (d[i] - m) * (d[i] - m);
  const s = Math.sqrt(v / n);
  const f = sd / s;
  for (let i = 0; i < n; i++) d[i] = mean + (d[i] - m) * f;
  return d;
}

/**
 * The periodic box of n particles at number density rho: a square of side sqrt(n/rho) from 0 (2D; z spans
 * [-0.5, 0.5) like a LAMMPS 2D data file, non-periodic in z) or a cube of side cbrt(n/rho) (3D).
 */
export function periodicBox(n: number, density: number, dimensions: 2 | 3): Box {
  if (!(n > 0 && density > 0)) throw new RangeError(`periodicBox: need n > 0 and density > 0 (got ${n}, ${density})`);
  if (dimensions === 2) {
    const L = Math.sqrt(n / density);
    const box = orthoBox(L, L, 1, [0, 0, -0.5]);
    box.periodic = [true, true, false];
    return box;
  }
  const L = Math.cbrt(n / density);
  return orthoBox(L, L, L);
}

/** Uniformly random positions in the box (z = 0 in 2D). */
export function randomPositions(n: number, box: Box, dimensions: 2 | 3, rng: Rng): Float64Array {
  const p = new Float64Array(3 * n);
  const [a, b, c] = box.vectors;
  const o = box.origin;
  for (let i = 0; i < n; i++) {
    const s0 = rng.uniform(), s1 = rng.uniform(), s2 = dimensions === 3 ? rng.uniform() : 0;
    p[3 * i] = o[0] + s0 * a[0] + s1 * b[0] + s2 * c[0];
    p[3 * i + 1] = o[1] + s1 * b[1] + s2 * c[1];
    p[3 * i + 2] = dimensions === 3 ? o[2] + s2 * c[2] : 0;
  }
  return p;
}

/**
 * Wrap positions into the periodic box in place, updating the image counters so that position + image . box is
 * unchanged (up to the rounding of one add of a box vector per crossing). Each periodic axis brings its fractional
 * coordinate into [0, 1): c first, then b, then a (LAMMPS restricted-triclinic order; for a tilted box the x range
 * depends on y, exactly as LAMMPS's lamda coordinates). Non-periodic axes are left alone.
 */
export function wrapPositions(positions: Float64Array, images: Int32Array, box: Box, dimensions: 2 | 3): void {
  const [a, b, c] = box.vectors;
  const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
  const ox = box.origin[0], oy = box.origin[1], oz = box.origin[2];
  const px = box.periodic[0], py = box.periodic[1], pz = dimensions === 3 && box.periodic[2];
  const n = positions.length / 3;
  for (let i = 0; i < n; i++) {
    const p = 3 * i;
    if (pz) {
      const k = wrapCount(positions[p + 2] - oz, c2);
      if (k !== 0) {
        positions[p] -= k * c0; positions[p + 1] -= k * c1; positions[p + 2] -= k * c2;
        images[p + 2] += k;
      }
    }
    const t2 = dimensions === 3 ? (positions[p + 2] - oz) / c2 : 0; // fractional coordinate along c
    if (py) {
      const k = wrapCount(positions[p + 1] - oy - t2 * c1, b1);
      if (k !== 0) {
        positions[p] -= k * b0; positions[p + 1] -= k * b1;
        images[p + 1] += k;
      }
    }
    if (px) {
      const s1 = (positions[p + 1] - oy - t2 * c1) / b1;
      const k = wrapCount(positions[p] - ox - s1 * b0 - t2 * c0, a0);
      if (k !== 0) {
        positions[p] -= k * a0;
        images[p] += k;
      }
    }
  }
}

/** k such that u - k*L lies in [0, L) (also after rounding of the subtraction). */
function wrapCount(u: number, L: number): number {
  if (u >= 0 && u < L) return 0;
  let k = Math.floor(u / L);
  const r = u - k * L;
  if (r >= L) k += 1;
  else if (r < 0) k -= 1;
  return k;
}
