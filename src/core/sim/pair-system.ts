// A pair-potential system (WCA or Hertz, 2D or 3D, periodic square, triclinic or Lees-Edwards box) as an Objective for
// the minimizers: U and F = -grad U over packed coordinates x = (x0, y0, [z0,] x1, y1, ...) (`dimensions` per particle).
// Pure (no Node, no DOM).
//
// Forces come from a Verlet list: the pairs closer than (pair cutoff + skin), found with the project's neighbour search
// (src/core/neighbors.ts), each stored with the periodic image shift s = mic(r_j - r_i) - (r_j - r_i) of its separation, so
// a force evaluation reads d = x_j - x_i + s with no minimum-image arithmetic. Coordinates are never wrapped here (the
// shift absorbs the periodicity), so callers may keep them unwrapped. The list is rebuilt when some particle has moved
// more than skin/2 since the last build (no pair can then have crossed into range unlisted) and whenever the box changes.
// The pair formulas are the inlinable kernels of src/core/potentials.ts.
import { type Box, type Vec3 } from '../box.js';
import { NeighborSearch } from '../neighbors.js';
import {
  hertzDuDrOverR, hertzPairEnergy, wcaDuDrOverR, wcaPairEnergy, WCA_CUTOFF2_FACTOR, type PairPotential,
} from '../potentials.js';
import type { Objective } from './minimize.js';

// Module-local bindings of the kernels: a call through a local const is inlined by V8 whatever the module loader
// (test runners may turn imports into property getters, which would block inlining in the hot loops).
const wcaG = wcaDuDrOverR;
const wcaU = wcaPairEnergy;
const hertzG = hertzDuDrOverR;
const hertzU = hertzPairEnergy;
const WCA_C2 = WCA_CUTOFF2_FACTOR;

export interface PairSystemOptions {
  potential: PairPotential;
  /** Per-particle sizes in the potential's convention (WCA diameters, Hertz radii). */
  sizes: ArrayLike<number>;
  box: Box;
  /** 2 (default) or 3. */
  dimensions?: 2 | 3;
  /** Verlet skin (default 0.3, as the LAMMPS reference). */
  skin?: number;
}

/** The pair virial W_ab = sum_{i<j} r_ij,a f_ij,b (pressure-like: positive on the diagonal for repulsion). */
export interface Virial {
  xx: number;
  yy: number;
  zz: number;
  xy: number;
  xz: number;
  yz: number;
}

export class PairSystem implements Objective {
  readonly n: number;
  readonly dofsPerParticle: number;
  readonly numParticles: number;
  readonly dimensions: 2 | 3;
  readonly potential: PairPotential;
  readonly sizes: Float64Array;
  readonly skin: number;
  /** Number of Verlet-list builds so far. */
  rebuilds = 0;
  /** Number of energy/force evaluations so far. */
  evaluations = 0;

  private _box: Box;
  private readonly maxCutoff: number;
  private valid = false;
  private readonly ref: Float64Array;
  private start: Int32Array;
  private nbr: Int32Array = new Int32Array(0);
  /** Image shift per listed pair, `dimensions` components. */
  private shift: Float64Array = new Float64Array(0);
  /** Pair parameter per listed pair: sigma_ij^2 (WCA) or D = R_i + R_j (Hertz). */
  private par: Float64Array = new Float64Array(0);
  /** Positions n*3 handed to the neighbour search. */
  private readonly scratch3: Float64Array;
  private readonly search = new NeighborSearch();

  constructor(options: PairSystemOptions) {
    const { potential, box } = options;
    const dims = options.dimensions ?? 2;
    if (dims !== 2 && dims !== 3) throw new RangeError(`PairSystem: dimensions must be 2 or 3 (got ${dims as number})`);
    if (potential.name !== 'wca' && potential.name !== 'hertz') throw new RangeError(`PairSystem: unsupported potential "${potential.name as string}"`);
    this.potential = potential;
    this.dimensions = dims;
    this.dofsPerParticle = dims;
    this.sizes = Float64Array.from(options.sizes);
    this.numParticles = this.sizes.length;
    this.n = dims * this.numParticles;
    for (let i = 0; i < this.numParticles; i++) {
      if (!(this.sizes[i] > 0)) throw new RangeError(`PairSystem: size of particle ${i} must be positive (got ${this.sizes[i]})`);
    }
    this.skin = options.skin ?? 0.3;
    if (!(this.skin > 0)) throw new RangeError(`PairSystem: skin must be positive (got ${this.skin})`);
    this.maxCutoff = potential.maxCutoff(this.sizes);
    this.ref = new Float64Array(this.n);
    this.start = new Int32Array(this.numParticles + 1);
    this.scratch3 = new Float64Array(3 * this.numParticles);
    this._box = checkedBox(box, dims, this.maxCutoff + this.skin);
  }

  get box(): Box {
    return this._box;
  }

  /** Change the box (e.g. a shear step or a tilt flip); the Verlet list is rebuilt at the next evaluation. */
  setBox(box: Box): void {
    this._box = checkedBox(box, this.dimensions, this.maxCutoff + this.skin);
    this.valid = false;
  }

  /** Force a Verlet-list rebuild at the next evaluation. */
  invalidate(): void {
    this.valid = false;
  }

  /** Packed coordinates (dimensions per particle) from positions n*3. */
  pack(positions: Float64Array, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const N = this.numParticles, d = this.dimensions;
    if (positions.length !== 3 * N) throw new RangeError(`PairSystem: ${positions.length / 3} positions for ${N} particles`);
    for (let i = 0; i < N; i++) for (let a = 0; a < d; a++) out[d * i + a] = positions[3 * i + a];
    return out;
  }

  /** Positions n*3 from packed coordinates (z = 0 in 2D unless `out` already holds z values, which are kept). */
  unpack(x: Float64Array, out: Float64Array = new Float64Array(3 * this.numParticles)): Float64Array {
    const N = this.numParticles, d = this.dimensions;
    for (let i = 0; i < N; i++) for (let a = 0; a < d; a++) out[3 * i + a] = x[d * i + a];
    return out;
  }

  energyAndForces(x: Float64Array, f: Float64Array): number {
    this.prepare(x);
    this.evaluations++;
    const eps = this.potential.epsilon;
    if (this.dimensions === 2) {
      return this.potential.name === 'wca' ? this.wca2(x, f, eps) : this.hertz2(x, f, eps);
    }
    return this.potential.name === 'wca' ? this.wca3(x, f, eps) : this.hertz3(x, f, eps);
  }

  /** U(x). */
  energy(x: Float64Array): number {
    return this.energyAndForces(x, new Float64Array(this.n));
  }

  /** The pair virial W_ab = sum_{i<j} r_ij,a f_ij,b = -sum_{i<j} (u'/r) d_a d_b at x. */
  virial(x: Float64Array): Virial {
    this.prepare(x);
    const { start, nbr, shift, par, dimensions: D } = this;
    const eps = this.potential.epsilon;
    const wca = this.potential.name === 'wca';
    let xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
    for (let i = 0; i < this.numParticles; i++) {
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = nbr[k];
        const dx = x[D * j] - x[D * i] + shift[D * k];
        const dy = x[D * j + 1] - x[D * i + 1] + shift[D * k + 1];
        const dz = D === 3 ? x[D * j + 2] - x[D * i + 2] + shift[D * k + 2] : 0;
        const r2 = dx * dx + dy * dy + dz * dz;
        const g = wca ? wcaG(r2, par[k], eps) : hertzG(r2, par[k], eps);
        if (g === 0) continue;
        xx -= g * dx * dx; yy -= g * dy * dy; zz -= g * dz * dz;
        xy -= g * dx * dy; xz -= g * dx * dz; yz -= g * dy * dz;
      }
    }
    return { xx, yy, zz, xy, xz, yz };
  }

  /** Pressure-like stress at T = 0: W / V (V = area in 2D), oracle README section D; the mechanical stress is minus this. */
  stress(x: Float64Array): Virial {
    const w = this.virial(x);
    const [a, b, c] = this._box.vectors;
    const V = this.dimensions === 2 ? a[0] * b[1] : a[0] * b[1] * c[2];
    return { xx: w.xx / V, yy: w.yy / V, zz: w.zz / V, xy: w.xy / V, xz: w.xz / V, yz: w.yz / V };
  }

  /** Number of pairs in the current Verlet list (cutoff + skin). */
  get listedPairs(): number {
    return this.start[this.numParticles];
  }

  private prepare(x: Float64Array): void {
    if (x.length !== this.n) throw new RangeError(`PairSystem: x has ${x.length} components, expected ${this.n}`);
    if (!this.valid || this.movedTooFar(x)) this.build(x);
  }

  private movedTooFar(x: Float64Array): boolean {
    const ref = this.ref, n = this.n;
    const lim = 0.25 * this.skin * this.skin;
    if (this.dimensions === 2) {
      for (let i = 0; i < n; i += 2) {
        const dx = x[i] - ref[i], dy = x[i + 1] - ref[i + 1];
        // Written so that a NaN displacement (a blown-up configuration) also rebuilds.
        if (!(dx * dx + dy * dy <= lim)) return true;
      }
    } else {
      for (let i = 0; i < n; i += 3) {
        const dx = x[i] - ref[i], dy = x[i + 1] - ref[i + 1], dz = x[i + 2] - ref[i + 2];
        if (!(dx * dx + dy * dy + dz * dz <= lim)) return true;
      }
    }
    return false;
  }

  private build(x: Float64Array): void {
    const N = this.numParticles, D = this.dimensions;
    // The neighbour search takes n*3 positions anywhere (it wraps them into its grid itself).
    const w = this.scratch3;
    for (let i = 0; i < N; i++) {
      w[3 * i] = x[D * i];
      w[3 * i + 1] = x[D * i + 1];
      w[3 * i + 2] = D === 3 ? x[D * i + 2] : 0;
    }
    const skin = this.skin;
    const nl = this.search.build(w, this._box, { cutoff: this.maxCutoff + skin, dimensions: D, half: true, withVectors: true });
    const vec = nl.vectors as Float64Array;
    const m = nl.indices.length;
    if (this.nbr.length < m) {
      const cap = Math.ceil(1.2 * m) + 16;
      this.nbr = new Int32Array(cap);
      this.shift = new Float64Array(D * cap);
      this.par = new Float64Array(cap);
    }
    const nbr = this.nbr, shift = this.shift, par = this.par, start = this.start, sizes = this.sizes;
    const wca = this.potential.name === 'wca';
    const pot = this.potential;
    let k = 0;
    for (let i = 0; i < N; i++) {
      start[i] = k;
      for (let q = nl.start[i]; q < nl.start[i + 1]; q++) {
        const j = nl.indices[q];
        const vx = vec[3 * q], vy = vec[3 * q + 1], vz = D === 3 ? vec[3 * q + 2] : 0;
        const rl = pot.pairCutoff(sizes, i, j) + skin;
        if (!(vx * vx + vy * vy + vz * vz < rl * rl)) continue;
        nbr[k] = j;
        shift[D * k] = vx - (x[D * j] - x[D * i]);
        shift[D * k + 1] = vy - (x[D * j + 1] - x[D * i + 1]);
        if (D === 3) shift[D * k + 2] = vz - (x[D * j + 2] - x[D * i + 2]);
        const s = wca ? 0.5 * (sizes[i] + sizes[j]) : sizes[i] + sizes[j];
        par[k] = wca ? s * s : s;
        k++;
      }
    }
    start[N] = k;
    this.ref.set(x);
    this.valid = true;
    this.rebuilds++;
  }

  // ---- The force loops, one per potential and dimension so each call site sees one kernel (V8 inlines it).

  private wca2(x: Float64Array, f: Float64Array, eps: number): number {
    const { start, nbr, shift, par } = this;
    const N = this.numParticles;
    const rcf = WCA_C2;
    f.fill(0);
    let e = 0;
    for (let i = 0; i < N; i++) {
      const xi = x[2 * i], yi = x[2 * i + 1];
      let fx = 0, fy = 0;
      const end = start[i + 1];
      for (let k = start[i]; k < end; k++) {
        const j = nbr[k];
        const dx = x[2 * j] - xi + shift[2 * k];
        const dy = x[2 * j + 1] - yi + shift[2 * k + 1];
        const r2 = dx * dx + dy * dy;
        const s2 = par[k];
        if (!(r2 < rcf * s2)) continue;
        e += wcaU(r2, s2, eps);
        const g = wcaG(r2, s2, eps);
        const gx = g * dx, gy = g * dy;
        fx += gx; fy += gy;
        f[2 * j] -= gx; f[2 * j + 1] -= gy;
      }
      f[2 * i] += fx; f[2 * i + 1] += fy;
    }
    return e;
  }

  private hertz2(x: Float64Array, f: Float64Array, eps: number): number {
    const { start, nbr, shift, par } = this;
    const N = this.numParticles;
    f.fill(0);
    let e = 0;
    for (let i = 0; i < N; i++) {
      const xi = x[2 * i], yi = x[2 * i + 1];
      let fx = 0, fy = 0;
      const end = start[i + 1];
      for (let k = start[i]; k < end; k++) {
        const j = nbr[k];
        const dx = x[2 * j] - xi + shift[2 * k];
        const dy = x[2 * j + 1] - yi + shift[2 * k + 1];
        const r2 = dx * dx + dy * dy;
        const D = par[k];
        if (!(r2 < D * D)) continue;
        e += hertzU(r2, D, eps);
        const g = hertzG(r2, D, eps);
        const gx = g * dx, gy = g * dy;
        fx += gx; fy += gy;
        f[2 * j] -= gx; f[2 * j + 1] -= gy;
      }
      f[2 * i] += fx; f[2 * i + 1] += fy;
    }
    return e;
  }

  private wca3(x: Float64Array, f: Float64Array, eps: number): number {
    const { start, nbr, shift, par } = this;
    const N = this.numParticles;
    const rcf = WCA_C2;
    f.fill(0);
    let e = 0;
    for (let i = 0; i < N; i++) {
      const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
      let fx = 0, fy = 0, fz = 0;
      const end = start[i + 1];
      for (let k = start[i]; k < end; k++) {
        const j = nbr[k];
        const dx = x[3 * j] - xi + shift[3 * k];
        const dy = x[3 * j + 1] - yi + shift[3 * k + 1];
        const dz = x[3 * j + 2] - zi + shift[3 * k + 2];
        const r2 = dx * dx + dy * dy + dz * dz;
        const s2 = par[k];
        if (!(r2 < rcf * s2)) continue;
        e += wcaU(r2, s2, eps);
        const g = wcaG(r2, s2, eps);
        const gx = g * dx, gy = g * dy, gz = g * dz;
        fx += gx; fy += gy; fz += gz;
        f[3 * j] -= gx; f[3 * j + 1] -= gy; f[3 * j + 2] -= gz;
      }
      f[3 * i] += fx; f[3 * i + 1] += fy; f[3 * i + 2] += fz;
    }
    return e;
  }

  private hertz3(x: Float64Array, f: Float64Array, eps: number): number {
    const { start, nbr, shift, par } = this;
    const N = this.numParticles;
    f.fill(0);
    let e = 0;
    for (let i = 0; i < N; i++) {
      const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
      let fx = 0, fy = 0, fz = 0;
      const end = start[i + 1];
      for (let k = start[i]; k < end; k++) {
        const j = nbr[k];
        const dx = x[3 * j] - xi + shift[3 * k];
        const dy = x[3 * j + 1] - yi + shift[3 * k + 1];
        const dz = x[3 * j + 2] - zi + shift[3 * k + 2];
        const r2 = dx * dx + dy * dy + dz * dz;
        const D = par[k];
        if (!(r2 < D * D)) continue;
        e += hertzU(r2, D, eps);
        const g = hertzG(r2, D, eps);
        const gx = g * dx, gy = g * dy, gz = g * dz;
        fx += gx; fy += gy; fz += gz;
        f[3 * j] -= gx; f[3 * j + 1] -= gy; f[3 * j + 2] -= gz;
      }
      f[3 * i] += fx; f[3 * i + 1] += fy; f[3 * i + 2] += fz;
    }
    return e;
  }
}

/**
 * Checks that the box is periodic and in restricted triclinic form, and that every perpendicular width exceeds twice the
 * list range (then the minimum image of every listed pair is the unique image closer than the range, for any tilt);
 * returns a copy.
 */
function checkedBox(box: Box, dims: 2 | 3, range: number): Box {
  const [a, b, c] = box.vectors;
  if (a[1] !== 0 || a[2] !== 0 || b[2] !== 0) {
    throw new RangeError('PairSystem: the box must be in LAMMPS restricted triclinic form (a along x, b in the xy plane)');
  }
  for (let k = 0; k < dims; k++) {
    if (!box.periodic[k]) throw new RangeError(`PairSystem: axis ${'xyz'[k]} must be periodic`);
  }
  const widths: number[] = [];
  if (dims === 2) {
    const area = Math.abs(a[0] * b[1]);
    widths.push(area / Math.hypot(b[0], b[1]), area / Math.abs(a[0]));
  } else {
    const vol = Math.abs(a[0] * b[1] * c[2]);
    const cross = (u: Vec3, v: Vec3): number => Math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
    widths.push(vol / cross(b, c), vol / cross(c, a), vol / cross(a, b));
  }
  for (const w of widths) {
    if (!(w > 2 * range)) {
      throw new RangeError(`PairSystem: a perpendicular box width (${w}) is not above twice the interaction range + skin (${2 * range})`);
    }
  }
  const v = box.vectors.map((r) => [...r] as Vec3) as [Vec3, Vec3, Vec3];
  return { origin: [...box.origin], vectors: v, periodic: [...box.periodic] };
}
