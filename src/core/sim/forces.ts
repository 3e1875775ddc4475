// The pair-force engine of src/core/sim (MD, minimizers, inherent structures, AQS, overlap removal): WCA or Hertz,
// 2D or 3D, periodic square, triclinic or Lees-Edwards box, over a Verlet neighbour list with a skin (LAMMPS
// `neighbor <skin> bin`, `neigh_modify every 1 delay 0 check yes`). Pure (no Node, no DOM).
//
// Coordinates come in one of two layouts, fixed at construction:
//  - 'xyz' (default): n*3 like every reader and the neighbour search (z = 0 in 2D): the MD's positions;
//  - 'packed': `dimensions` per particle, x = (x0, y0, [z0,] x1, y1, ...): the minimizers' Objective (fewer
//    components for their vector operations). `pack` / `unpack` convert.
// The lists hold each neighbour as its coordinate offset (layout stride times index), so one force loop serves both.
//
// The list is built in two levels:
//  - OUTER list: the candidate pairs from the project's one neighbour search (neighbors.ts `NeighborSearch`, half
//    list, cutoff = largest pair cutoff + outer skin S >= skin), kept when r < rc_ij + S with each pair's OWN cutoff
//    rc_ij (WCA: 2^(1/6) sigma_ij, like LAMMPS's per-type-pair `cutneighsq`; Hertz: R_i + R_j), each with its
//    periodic image fixed as a Cartesian shift (a sum of box vectors);
//  - INNER list (the one the forces run over): the outer pairs with r < rc_ij + skin now. A rebuild of the inner list
//    only filters the outer list, valid while every particle has moved less than (S - skin)/2 since the outer build
//    (then a pair now closer than rc + skin was closer than rc + S at the outer build); otherwise the outer list is
//    rebuilt first. With the default S = 5 skin the outer list is rebuilt once per ~13 inner rebuilds in the T = 0.2
//    glass (once per ~6-7 at T = 0.5 and 1.0), and a rebuild costs ~1/3 of a one-level one (N = 2000: the MD step
//    is ~20 % faster). The inner list holds exactly the pairs a one-level list would, in the same order. S is
//    lowered (not below skin) when the box is too small for it.
//  - d = x_j - x_i + shift needs no minimum-image rounding in the force loops, so coordinates may be unwrapped
//    (the minimizers and AQS never wrap: trajectories stay continuous). The MD wraps positions (image counters
//    updated) at every inner rebuild, like LAMMPS (`rebuild`); the outer shifts follow the image changes since the
//    outer build.
//  - The inner list is valid while no particle has moved more than skin/2 since its build. Two ways to keep it so:
//    the MD checks `maxDisplacement2` itself (it skips the check while a bound on the motion allows) and calls
//    `rebuild` before `forces`; every other evaluation (`energyAndForces`, `energy`, `virial`, `stress`, ...)
//    checks and rebuilds (without wrapping) by itself, and after `setBox` (a shear step, a tilt flip) it builds
//    both lists anew.
// Force loops, two implementations that give the same numbers bit for bit (tests/core/sim/kernels.test.ts):
//  - 'wasm' (default in 2D): the WebAssembly SIMD kernels of wasm/kernels.wat. Pass 1 runs over the inner list's pairs
//    (two at a time) and stores g = (u'/r) d per pair; pass 2 gathers each particle's force from the pairs that hold
//    it (a transposed list kept with the inner list), in exactly the order of the serial scatter loop below, with the
//    MD's integration fused in (stepNve, forcesIsokinetic, ...). The inner rebuild runs there too. Coordinates,
//    forces, the MD's velocities and the inner list live in one WebAssembly memory (wasm/kernels.ts KernelMemory);
//    coordinates given from elsewhere (the minimizers') are copied in and forces out. With a KernelTeam (threads),
//    pass 1 and pass 2 run in chunks on worker threads: no thread writes what another reads in the same pass.
//  - 'js' (and 3D): the branch-free WCA kernel of potentials.ts for the MD (2D: the rows list the unshifted pairs
//    first, so only pairs across the boundary read a shift), and fused energy + forces loops for WCA and Hertz.
// Sign conventions as potentials.ts: d = r_j - r_i, F_i = (u'/r) d, F_j = -(u'/r) d.
import { boxVolume, type Box } from '../box.js';
import { NeighborSearch } from '../neighbors.js';
import {
  hertzDuDrOverR, hertzPairEnergy, WCA_CUTOFF2_FACTOR, wcaDuDrOverR, wcaPairEnergy, type PairPotential,
} from '../potentials.js';
import type { Objective } from './minimize.js';
import { copyBox, wrapPositions } from './system.js';
import { KernelMemory, type KernelExports, type KernelTeam } from './wasm/kernels.js';

// Module-local bindings of the kernels: a call through a local const is inlined by V8 whatever the module loader
// (bundlers and test runners may turn imports into property getters, which would block inlining in the hot loops).
const wcaG = wcaDuDrOverR;
const wcaU = wcaPairEnergy;
const hertzG = hertzDuDrOverR;
const hertzU = hertzPairEnergy;
const WCA_C2 = WCA_CUTOFF2_FACTOR;

/** Symmetric 3x3 tensor components (xx, yy, zz, xy, xz, yz). */
export interface SymTensor {
  xx: number;
  yy: number;
  zz: number;
  xy: number;
  xz: number;
  yz: number;
}

export type CoordinateLayout = 'xyz' | 'packed';

export interface PairForcesOptions {
  potential: PairPotential;
  /** Per-particle sizes in the potential's convention (WCA diameters, Hertz radii); copied. */
  sizes: ArrayLike<number>;
  /** Restricted-triclinic box, periodic along each of the `dimensions` axes. */
  box: Box;
  /** 2 (default) or 3. */
  dimensions?: 2 | 3;
  /** Verlet skin (default 0.3, as the LAMMPS reference). */
  skin?: number;
  /** Skin of the outer list (default 5 skin); performance only. */
  outerSkin?: number;
  /** Coordinate layout (default 'xyz'; see the header). */
  layout?: CoordinateLayout;
  /**
   * Force loops: 'wasm' (default; 2D only, 3D always uses 'js') runs the WebAssembly kernels of wasm/kernels.wat,
   * 'js' the JavaScript loops below. Both give the same numbers bit for bit (tests/core/sim/kernels.test.ts).
   */
  kernel?: 'wasm' | 'js';
  /**
   * Worker threads for the MD's kernels (wasm only): pass 1 runs in chunks of pairs, pass 2 (and the integrators'
   * particle passes) in chunks of particles, taken by whichever thread is free. The forces do not depend on the split
   * (each particle gathers its own), so NVE trajectories are the serial path's bytes for any number of threads; the
   * isokinetic kinetic-energy sum is taken per chunk (chunks fixed by N), then over the chunks in order: the same
   * bytes for any number of threads >= 2 (the serial path sums particle by particle). The engine's arrays live in
   * `team.memory`.
   */
  team?: KernelTeam;
}

/** Positions n*3 (z = 0 in 2D unless `out` already holds z values, which are kept) from packed coordinates. */
export function unpackPositions(x: Float64Array, dimensions: 2 | 3, out: Float64Array = new Float64Array((3 * x.length) / dimensions)): Float64Array {
  const n = x.length / dimensions;
  for (let i = 0; i < n; i++) for (let a = 0; a < dimensions; a++) out[3 * i + a] = x[dimensions * i + a];
  return out;
}

export class VerletPairForces implements Objective {
  /** Number of coordinates (Objective.n): layout stride times the number of particles. */
  readonly n: number;
  readonly numParticles: number;
  /** Components per particle in the coordinate arrays: 3 ('xyz') or `dimensions` ('packed'). */
  readonly dofsPerParticle: number;
  readonly layout: CoordinateLayout;
  readonly dimensions: 2 | 3;
  readonly potential: PairPotential;
  /** Per-particle sizes in the potential's convention (WCA diameters, Hertz radii). */
  readonly sizes: Float64Array;
  readonly skin: number;
  /** Number of (inner) list builds so far: the rebuilds LAMMPS would count. */
  builds = 0;
  /** Number of outer list builds (neighbour searches) so far. */
  outerBuilds = 0;
  /** Number of pairs in the current (inner) list. */
  pairs = 0;
  /** Number of pairs in the outer list. */
  outerPairs = 0;
  /** Number of energyAndForces / energy evaluations so far. */
  evaluations = 0;
  /** Whether the force loops run in WebAssembly (2D with kernel 'wasm'). */
  readonly wasm: boolean;
  /**
   * Coordinates and forces in the kernels' memory (this engine's layout; plain arrays with the 'js' kernel). The MD
   * integrates in these directly; other callers' coordinates are copied in (and forces out) per evaluation.
   */
  readonly xbuf: Float64Array;
  readonly fbuf: Float64Array;

  private _box: Box;
  private readonly requestedOuterSkin: number;
  private _outerSkin: number;
  private readonly maxCutoff: number;
  private readonly search = new NeighborSearch();
  private readonly isWca: boolean;
  private readonly eps: number;
  /** Whether the lists belong to the current box (false after setBox until the next build). */
  private valid = false;
  // Outer list (CSR, j > i): neighbour offset, shift at the outer build, (rc_ij + skin)^2, pair parameter.
  private readonly ostart: Int32Array;
  private onbr: Int32Array = new Int32Array(0);
  /** Shifts of the outer pairs, x and y interleaved (2 per pair; z in oshz). */
  private osh: Float64Array = new Float64Array(0);
  private oshz = new Float64Array(0);
  private orc2: Float64Array = new Float64Array(0);
  private opar: Float64Array = new Float64Array(0);
  /** Positions and image counters at the outer build. */
  readonly outerReference: Float64Array;
  readonly outerImages: Int32Array;
  /** Per coordinate: the Cartesian offset of the particle's image changes since the outer build. */
  private readonly ds: Float64Array;
  /** Inner list: CSR rows of the kept pairs (j > i). */
  private readonly start: Int32Array;
  /** Per row: the first pair with an image shift (rows list the unshifted pairs first). */
  private readonly mid: Int32Array;
  /** Neighbour j as its coordinate offset (stride * j). */
  private nbr: Int32Array = new Int32Array(0);
  /** Per-pair Cartesian image shifts (added to x_j - x_i). */
  private shx: Float64Array = new Float64Array(0);
  private shy: Float64Array = new Float64Array(0);
  private shz: Float64Array = new Float64Array(0);
  /** Per-pair parameter: sigma_ij^2 (WCA) or D = R_i + R_j (Hertz). */
  private par: Float64Array = new Float64Array(0);
  /** Positions at the last (inner) build. */
  readonly reference: Float64Array;
  /** Image counters n*3 the positions are wrapped with ('xyz' layout, MD); null: never wrapped. */
  private images: Int32Array | null = null;
  /** Row scratch of the inner build: the in-range outer pairs of one row. */
  private rowK = new Int32Array(0);
  /** Row scratch of the kernels' inner build (4 doubles per outer pair of the longest row). */
  private rowTmp: Float64Array = new Float64Array(0);
  /** n*3 positions for the neighbour search ('packed' 2D only). */
  private xyz: Float64Array | null = null;
  /** Force scratch of `energy`. */
  private scratchF: Float64Array | null = null;
  /** The worker threads of the MD kernels (null: this thread alone). */
  private readonly team: KernelTeam | null;
  /** The kernels' memory and exports (null with the 'js' kernel). */
  private readonly mem: KernelMemory | null;
  private readonly K: KernelExports | null;
  /** Per inner pair: the coordinate offset of its particle i (the kernels' pass 1 runs over pairs, not rows). */
  private own: Int32Array = new Int32Array(0);
  /** Per inner pair: (u'/r) d, the kernels' pass-1 output (2 per pair). */
  private gbuf: Float64Array = new Float64Array(0);
  /** The transposed inner list (kernels): the pairs tidx[tstart[o] .. tstart[o + 1]) whose neighbour has element offset o. */
  private tstart: Int32Array = new Int32Array(0);
  private tidx: Int32Array = new Int32Array(0);
  /** The inner pairs with an image shift (kernels' MD pass): their pair numbers (increasing) and shifts (sx, sy). */
  private sidx: Int32Array = new Int32Array(0);
  private ssh: Float64Array = new Float64Array(0);
  private shiftedPairs = 0;

  constructor(options: PairForcesOptions) {
    const { potential } = options;
    const dims = options.dimensions ?? 2;
    if (dims !== 2 && dims !== 3) throw new RangeError(`Verlet list: dimensions must be 2 or 3 (got ${dims as number})`);
    if (potential.name !== 'wca' && potential.name !== 'hertz') throw new RangeError(`Verlet list: unsupported potential "${potential.name as string}"`);
    const layout = options.layout ?? 'xyz';
    if (layout !== 'xyz' && layout !== 'packed') throw new RangeError(`Verlet list: unknown layout "${layout as string}"`);
    const skin = options.skin ?? 0.3;
    const outerSkin = options.outerSkin ?? 5 * skin;
    if (!(skin >= 0)) throw new RangeError(`Verlet list: skin must be >= 0 (got ${skin})`);
    if (!(outerSkin >= skin)) throw new RangeError(`Verlet list: the outer skin must be >= the skin (got ${outerSkin} < ${skin})`);
    this.sizes = Float64Array.from(options.sizes);
    const N = this.sizes.length;
    for (let i = 0; i < N; i++) {
      if (!(this.sizes[i] > 0)) throw new RangeError(`Verlet list: size of particle ${i} must be positive (got ${this.sizes[i]})`);
    }
    const S = layout === 'packed' ? dims : 3;
    this.numParticles = N;
    this.dofsPerParticle = S;
    this.n = S * N;
    this.layout = layout;
    this.dimensions = dims;
    this.potential = potential;
    this.skin = skin;
    this.requestedOuterSkin = outerSkin;
    this.isWca = potential.name === 'wca';
    this.eps = potential.epsilon;
    this.maxCutoff = potential.maxCutoff(this.sizes);
    this.outerReference = new Float64Array(this.n);
    this.outerImages = new Int32Array(3 * N);
    this.wasm = dims === 2 && (options.kernel ?? 'wasm') === 'wasm';
    if (options.kernel !== undefined && options.kernel !== 'wasm' && options.kernel !== 'js') {
      throw new RangeError(`Verlet list: unknown kernel "${options.kernel as string}" (wasm, js)`);
    }
    this.team = this.wasm && options.team && options.team.size > 1 ? options.team : null;
    this.mem = this.wasm ? new KernelMemory(8 * 8 * this.n + 8 * 4 * N + 65536, options.team?.memory) : null;
    this.K = this.mem ? this.mem.kernels : null;
    this.xbuf = this.mem ? this.mem.f64(this.n) : new Float64Array(this.n);
    this.fbuf = this.mem ? this.mem.f64(this.n) : new Float64Array(this.n);
    this.start = this.mem ? this.mem.i32(N + 1) : new Int32Array(N + 1);
    this.ostart = this.mem ? this.mem.i32(N + 1) : new Int32Array(N + 1);
    this.ds = this.mem ? this.mem.f64(this.n) : new Float64Array(this.n);
    this.mid = this.mem ? this.mem.i32(N) : new Int32Array(N);
    this.reference = new Float64Array(this.n);
    if (S !== 3) this.xyz = new Float64Array(3 * N);
    this._box = options.box;
    this._outerSkin = outerSkin;
    this.setBox(options.box);
  }

  get box(): Box {
    return this._box;
  }

  /** Skin of the outer list: as requested, lowered (not below skin) when the box is too narrow for it. */
  get outerSkin(): number {
    return this._outerSkin;
  }

  /** Cutoff of the candidate search: the largest pair cutoff plus the outer skin. */
  get listCutoff(): number {
    return this.maxCutoff + this._outerSkin;
  }

  /**
   * Change the box (a copy is kept): a shear step, a tilt flip. The lists are built anew at the next evaluation
   * (`build` for the MD's explicit protocol).
   */
  setBox(box: Box): void {
    const dims = this.dimensions;
    const [a, b] = box.vectors;
    if (a[1] !== 0 || a[2] !== 0 || b[2] !== 0) {
      throw new RangeError('Verlet list: the box must be in LAMMPS restricted triclinic form (a along x, b in the xy plane)');
    }
    for (let k = 0; k < dims; k++) {
      if (!box.periodic[k]) throw new RangeError(`Verlet list: axis ${'xyz'[k]} must be periodic`);
    }
    const width = perpendicularWidth(box, dims);
    const cutoff = this.maxCutoff + this.skin;
    if (!(width > 2 * cutoff)) {
      throw new RangeError(`Verlet list: the box (perpendicular width ${width}) must be wider than twice the list cutoff ${cutoff}`);
    }
    // The outer list needs every pair within the largest cutoff + outer skin to have a unique nearest image.
    this._outerSkin = Math.min(this.requestedOuterSkin, Math.max(this.skin, 0.5 * width - this.maxCutoff - 1e-9));
    this._box = copyBox(box);
    this.valid = false;
  }

  /** Force both lists to be built anew at the next evaluation. */
  invalidate(): void {
    this.valid = false;
  }

  /** Coordinates in this engine's layout from positions n*3. */
  pack(positions: Float64Array, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const N = this.numParticles, S = this.dofsPerParticle, d = this.dimensions;
    if (positions.length !== 3 * N) throw new RangeError(`Verlet list: ${positions.length / 3} positions for ${N} particles`);
    for (let i = 0; i < N; i++) for (let a = 0; a < d; a++) out[S * i + a] = positions[3 * i + a];
    return out;
  }

  /** Positions n*3 from coordinates in this engine's layout (2D: z = 0 unless `out` already holds z values). */
  unpack(x: Float64Array, out: Float64Array = new Float64Array(3 * this.numParticles)): Float64Array {
    if (this.layout === 'packed') return unpackPositions(x, this.dimensions, out);
    out.set(x);
    return out;
  }

  /**
   * Both lists from these positions as they are (no wrapping; image counters, 'xyz' layout only, taken as all zero
   * unless given). The shifts are fixed here, so positions may be wrapped later only through `rebuild`.
   */
  build(positions: Float64Array, images?: Int32Array): void {
    this.checkLength(positions);
    if (images && this.layout !== 'xyz') throw new RangeError("Verlet list: image counters need the 'xyz' layout");
    this.images = this.layout === 'xyz' ? images ?? new Int32Array(3 * this.numParticles) : null;
    this.buildOuter(positions);
    this.buildInner(positions);
  }

  /**
   * The rebuild of an MD step ('xyz' layout): wrap positions into the box (updating `images` in place), then rebuild
   * the inner list, from the outer list when every particle has moved less than (outerSkin - skin)/2 since the outer
   * build, else after a new outer build.
   */
  rebuild(positions: Float64Array, images: Int32Array): void {
    this.checkLength(positions);
    if (this.layout !== 'xyz') throw new RangeError("Verlet list: rebuild wraps positions n*3 (the 'xyz' layout)");
    wrapPositions(positions, images, this._box, this.dimensions);
    this.images = images;
    this.update(positions);
  }

  /**
   * Restore the lists of a checkpoint bit for bit: the outer list from its reference positions and images, then the
   * inner list from the inner reference positions with the current images (they change only at rebuilds).
   */
  restore(outerReference: Float64Array, outerImages: Int32Array, reference: Float64Array, images: Int32Array): void {
    this.checkLength(outerReference);
    this.checkLength(reference);
    this.images = outerImages.slice();
    this.buildOuter(outerReference);
    this.images = images;
    this.buildInner(reference);
  }

  private checkLength(positions: Float64Array): void {
    if (positions.length !== this.n) {
      throw new RangeError(`Verlet list: ${positions.length} coordinates for ${this.numParticles} particles (expected ${this.n})`);
    }
  }

  /** The inner list from the outer one (a new outer list first when it no longer holds every pair needed). */
  private update(positions: Float64Array): void {
    if (!this.outerStillValid(positions)) this.buildOuter(positions);
    this.buildInner(positions);
  }

  /** Make the lists valid for x: built anew after a box change, rebuilt (never wrapping) when a particle moved > skin/2. */
  private prepare(x: Float64Array): void {
    this.checkLength(x);
    const h = 0.5 * this.skin;
    if (!this.valid || this.maxDisplacement2(x) > h * h) this.update(x);
  }

  /** Whether the outer list still holds every pair the inner list may need (see the header); false after setBox. */
  private outerStillValid(positions: Float64Array): boolean {
    if (!this.valid) return false;
    this.imageOffsets();
    const ref = this.outerReference, ds = this.ds, S = this.dofsPerParticle, three = this.dimensions === 3;
    const lim = 0.5 * (this._outerSkin - this.skin);
    const lim2 = lim * lim;
    let m = 0;
    for (let p = 0; p < this.n; p += S) {
      const dx = positions[p] + ds[p] - ref[p], dy = positions[p + 1] + ds[p + 1] - ref[p + 1];
      const dz = three ? positions[p + 2] + ds[p + 2] - ref[p + 2] : 0;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > m) m = d2;
      else if (!(d2 === d2)) return false;
    }
    return m < lim2;
  }

  /**
   * ds_i = (images_i - outerImages_i) . box vectors: how far particle i has been wrapped since the outer build (only
   * the 'xyz' layout has image counters, so ds and images share the indexing).
   */
  private imageOffsets(): void {
    const img = this.images;
    if (!img) return; // never wrapped: ds stays 0
    const [a, b, c] = this._box.vectors;
    const oimg = this.outerImages, ds = this.ds;
    for (let p = 0; p < img.length; p += 3) {
      const kx = img[p] - oimg[p], ky = img[p + 1] - oimg[p + 1], kz = img[p + 2] - oimg[p + 2];
      if ((kx | ky | kz) === 0) {
        ds[p] = 0; ds[p + 1] = 0; ds[p + 2] = 0;
      } else {
        ds[p] = kx * a[0] + ky * b[0] + kz * c[0];
        ds[p + 1] = ky * b[1] + kz * c[1];
        ds[p + 2] = kz * c[2];
      }
    }
  }

  /** The outer list: candidates of the neighbour search within rc_ij + outerSkin, with their image shifts. */
  private buildOuter(positions: Float64Array): void {
    const N = this.numParticles, dims = this.dimensions, S = this.dofsPerParticle;
    let xyz = positions;
    if (this.xyz) {
      // The neighbour search takes n*3 positions anywhere (it wraps them into its grid itself).
      xyz = unpackPositions(positions, dims, this.xyz);
    }
    const nl = this.search.build(xyz, this._box, { cutoff: this.listCutoff, dimensions: dims, half: true, withVectors: false });
    const cand = nl.indices, cstart = nl.start;
    const m = cand.length;
    if (this.onbr.length < m) {
      const cap = Math.ceil(m * 1.2) + 16;
      const mem = this.mem;
      this.onbr = mem ? mem.i32(cap) : new Int32Array(cap);
      this.osh = mem ? mem.f64(2 * cap) : new Float64Array(2 * cap);
      this.oshz = dims === 3 ? new Float64Array(cap) : this.oshz;
      this.orc2 = mem ? mem.f64(cap) : new Float64Array(cap);
      this.opar = mem ? mem.f64(cap) : new Float64Array(cap);
    }
    const onbr = this.onbr, osh = this.osh, oshz = this.oshz, orc2 = this.orc2, opar = this.opar;
    const ostart = this.ostart;
    const [a, b, c] = this._box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
    const three = dims === 3;
    const sizes = this.sizes, pot = this.potential, skin = this.skin, outer = this._outerSkin, isWca = this.isWca;
    let w = 0;
    for (let i = 0; i < N; i++) {
      ostart[i] = w;
      const oi = S * i;
      const xi = positions[oi], yi = positions[oi + 1], zi = three ? positions[oi + 2] : 0, si = sizes[i];
      const end = cstart[i + 1];
      for (let k = cstart[i]; k < end; k++) {
        const j = cand[k];
        const oj = S * j;
        // The image of j nearest to i, as integer multiples of the box vectors (c, then b, then a: box.ts
        // minimumImage); only pairs across the boundary pay for the rounding.
        let dx = positions[oj] - xi, dy = positions[oj + 1] - yi, dz = three ? positions[oj + 2] - zi : 0;
        let sx = 0, sy = 0, sz = 0;
        if (three && (dz > 0.5 * c2 || dz < -0.5 * c2)) {
          const q = Math.round(dz / c2);
          sx -= q * c0; sy -= q * c1; sz -= q * c2; dx -= q * c0; dy -= q * c1; dz -= q * c2;
        }
        if (dy > 0.5 * b1 || dy < -0.5 * b1) {
          const q = Math.round(dy / b1);
          sx -= q * b0; sy -= q * b1; dx -= q * b0; dy -= q * b1;
        }
        if (dx > 0.5 * a0 || dx < -0.5 * a0) {
          const q = Math.round(dx / a0);
          sx -= q * a0; dx -= q * a0;
        }
        const rc = pot.pairCutoff(sizes, i, j);
        const ro = rc + outer;
        if (!(dx * dx + dy * dy + dz * dz < ro * ro)) continue;
        onbr[w] = oj;
        osh[2 * w] = sx;
        osh[2 * w + 1] = sy;
        if (three) oshz[w] = sz;
        const ri = rc + skin;
        orc2[w] = ri * ri;
        if (isWca) {
          const s = 0.5 * (si + sizes[j]);
          opar[w] = s * s;
        } else {
          opar[w] = si + sizes[j];
        }
        w++;
      }
    }
    ostart[N] = w;
    this.outerPairs = w;
    this.outerReference.set(positions);
    if (this.images) this.outerImages.set(this.images);
    this.outerBuilds++;
    this.valid = true;
  }

  /**
   * The inner list: outer pairs within rc_ij + skin at these positions. Rows list the pairs without an image shift
   * first (up to `mid[i]`), so the 2D WCA force loop reads shifts only for pairs across the boundary. Two phases per
   * row: a branch-free scan of the outer row that compacts the in-range outer pairs (the cursor advances by 0 or 1:
   * which pairs are in range is as unpredictable as the cutoff test of the force loop), then the kept pairs are
   * written, unshifted ones first.
   */
  private buildInner(positions: Float64Array): void {
    const N = this.numParticles, three = this.dimensions === 3, S = this.dofsPerParticle;
    this.imageOffsets();
    const m = this.outerPairs;
    // Room for every outer pair plus the kernels' padding pair (pass 1 takes pairs two at a time).
    if (this.nbr.length < m + 2) {
      const cap = Math.max(this.onbr.length, m + 2);
      const mem = this.mem;
      this.nbr = mem ? mem.i32(cap) : new Int32Array(cap);
      this.shx = mem ? mem.f64(cap) : new Float64Array(cap);
      this.shy = mem ? mem.f64(cap) : new Float64Array(cap);
      this.shz = three ? new Float64Array(cap) : this.shz;
      this.par = mem ? mem.f64(cap) : new Float64Array(cap);
      if (mem) {
        this.own = mem.i32(cap);
        this.gbuf = mem.f64(2 * cap);
        this.tidx = mem.i32(cap);
        this.sidx = mem.i32(cap);
        this.ssh = mem.f64(2 * cap);
        if (this.tstart.length === 0) this.tstart = mem.i32(this.n + 1);
      }
    }
    const ostart = this.ostart;
    let maxRow = 0;
    for (let i = 0; i < N; i++) maxRow = Math.max(maxRow, ostart[i + 1] - ostart[i]);
    if (this.wasm) {
      // Row scratch: 4 doubles per outer pair of the longest row, for each chunk of rows that may run at once.
      const need = 4 * (maxRow + 1) * (this.team ? Math.ceil(N / this.rowChunk()) : 1);
      if (this.rowTmp.length < need) this.rowTmp = (this.mem as KernelMemory).f64(2 * need + 32);
      this.buildInnerWasm(positions, maxRow);
      return;
    }
    if (this.rowK.length < maxRow + 1) this.rowK = new Int32Array(2 * maxRow + 8);
    const onbr = this.onbr, osh = this.osh, oshz = this.oshz, orc2 = this.orc2, opar = this.opar;
    const nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, par = this.par, start = this.start, mid = this.mid;
    const rowK = this.rowK, ds = this.ds, own = this.wasm ? this.own : null;
    let w = 0;
    for (let i = 0; i < N; i++) {
      start[i] = w;
      const oi = S * i;
      const xi = positions[oi], yi = positions[oi + 1], zi = three ? positions[oi + 2] : 0;
      const ax = ds[oi], ay = ds[oi + 1], az = three ? ds[oi + 2] : 0;
      const end = ostart[i + 1];
      // Phase 1: the in-range outer pairs of the row.
      let nk = 0;
      if (three) {
        for (let k = ostart[i]; k < end; k++) {
          const o = onbr[k];
          const dx = positions[o] - xi + (osh[2 * k] + ds[o] - ax);
          const dy = positions[o + 1] - yi + (osh[2 * k + 1] + ds[o + 1] - ay);
          const dz = positions[o + 2] - zi + (oshz[k] + ds[o + 2] - az);
          rowK[nk] = k;
          nk += +(dx * dx + dy * dy + dz * dz < orc2[k]);
        }
      } else {
        for (let k = ostart[i]; k < end; k++) {
          const o = onbr[k];
          const dx = positions[o] - xi + (osh[2 * k] + ds[o] - ax);
          const dy = positions[o + 1] - yi + (osh[2 * k + 1] + ds[o + 1] - ay);
          rowK[nk] = k;
          nk += +(dx * dx + dy * dy < orc2[k]);
        }
      }
      // Phase 2: unshifted pairs straight into the row, shifted ones (few: across the boundary) through the scratch.
      let b = 0;
      for (let t = 0; t < nk; t++) {
        const k = rowK[t];
        const o = onbr[k];
        const sx = osh[2 * k] + ds[o] - ax, sy = osh[2 * k + 1] + ds[o + 1] - ay, sz = three ? oshz[k] + ds[o + 2] - az : 0;
        const plain = +(sx === 0) & +(sy === 0) & +(sz === 0);
        nbr[w] = o;
        shx[w] = 0;
        shy[w] = 0;
        if (three) shz[w] = 0;
        par[w] = opar[k];
        w += plain;
        rowK[b] = k; // t >= b: overwrites only entries already read
        b += plain ^ 1;
      }
      mid[i] = w;
      for (let t = 0; t < b; t++) {
        const k = rowK[t];
        const o = onbr[k];
        nbr[w] = o;
        shx[w] = osh[2 * k] + ds[o] - ax;
        shy[w] = osh[2 * k + 1] + ds[o + 1] - ay;
        if (three) shz[w] = oshz[k] + ds[o + 2] - az;
        par[w] = opar[k];
        w++;
      }
      if (own) own.fill(oi, start[i], w);
    }
    start[N] = w;
    if (own) {
      // The padding pair: far apart (d = (1e10, 0)), so it yields g = 0 in every kernel; never scattered.
      own[w] = 0;
      nbr[w] = 0;
      shx[w] = 1e10;
      shy[w] = 0;
      par[w] = 1;
    }
    this.pairs = w;
    this.reference.set(positions);
    this.builds++;
  }

  /** buildInner through the kernels (the same list, bit for bit; wasm/kernels.wat innerRows). */
  private buildInnerWasm(positions: Float64Array, maxRow: number): void {
    const xk = this.inKernelMemory(positions);
    const N = this.numParticles;
    const w = this.team ? this.innerRowsOnTeam(this.team, xk, maxRow) : (this.K as KernelExports).innerRows(
      xk.byteOffset, this.ds.byteOffset, this.dofsPerParticle, 0, N,
      this.ostart.byteOffset, this.onbr.byteOffset, this.osh.byteOffset, this.orc2.byteOffset, this.opar.byteOffset,
      this.start.byteOffset, this.mid.byteOffset, this.nbr.byteOffset, this.own.byteOffset, this.shx.byteOffset, this.shy.byteOffset,
      this.par.byteOffset, this.rowTmp.byteOffset, 0,
    );
    this.start[N] = w;
    // The padding pair: far apart (d = (1e10, 0)), so it yields g = 0 in every kernel; never scattered.
    this.own[w] = 0;
    this.nbr[w] = 0;
    this.shx[w] = 1e10;
    this.shy[w] = 0;
    this.par[w] = 1;
    this.pairs = w;
    // The shifted pairs: the tail [mid[i], start[i + 1]) of each row.
    const start = this.start, mid = this.mid, sidx = this.sidx, ssh = this.ssh, shx = this.shx, shy = this.shy;
    let ns = 0;
    for (let i = 0; i < N; i++) {
      for (let k = mid[i], end = start[i + 1]; k < end; k++) {
        sidx[ns] = k;
        ssh[2 * ns] = shx[k];
        ssh[2 * ns + 1] = shy[k];
        ns++;
      }
    }
    this.shiftedPairs = ns;
    (this.K as KernelExports).transpose(this.nbr.byteOffset, w, this.n, this.tstart.byteOffset, this.tidx.byteOffset);
    this.reference.set(positions);
    this.builds++;
  }

  /** Rows per chunk of the threaded inner rebuild. */
  private rowChunk(): number {
    return chunkOf(this.numParticles, 256, 8);
  }

  private staging: { nbr: Int32Array; own: Int32Array; shx: Float64Array; shy: Float64Array; par: Float64Array; ends: Int32Array; dests: Int32Array } | null = null;

  /**
   * The inner rows on the team (wasm/kernels.wat innerChunk, compactChunk): chunks of rows staged at their outer
   * offsets, then moved into place; the same list as innerRows. Returns the pair count.
   */
  private innerRowsOnTeam(team: KernelTeam, xk: Float64Array, maxRow: number): number {
    const mem = this.mem as KernelMemory, N = this.numParticles, R = this.rowChunk();
    const cap = this.nbr.length;
    let st = this.staging;
    if (!st || st.nbr.length < cap) {
      st = this.staging = {
        nbr: mem.i32(cap), own: mem.i32(cap), shx: mem.f64(cap), shy: mem.f64(cap), par: mem.f64(cap),
        ends: st?.ends ?? mem.i32(4096), dests: st?.dests ?? mem.i32(4096),
      };
    }
    const tmpBytes = 32 * (maxRow + 1);
    const ends = team.run('innerChunk', [
      xk.byteOffset, this.ds.byteOffset, this.dofsPerParticle, 0, N,
      this.ostart.byteOffset, this.onbr.byteOffset, this.osh.byteOffset, this.orc2.byteOffset, this.opar.byteOffset,
      this.start.byteOffset, this.mid.byteOffset, st.nbr.byteOffset, st.own.byteOffset, st.shx.byteOffset, st.shy.byteOffset, st.par.byteOffset,
      this.rowTmp.byteOffset, R, tmpBytes,
    ], 3, R);
    let w = 0;
    for (let c = 0; c < ends.length; c++) {
      st.ends[c] = ends[c];
      st.dests[c] = w;
      w += ends[c] - this.ostart[c * R];
    }
    team.run('compactChunk', [
      0, N, R, this.ostart.byteOffset, st.ends.byteOffset, st.dests.byteOffset, this.start.byteOffset, this.mid.byteOffset,
      st.nbr.byteOffset, st.own.byteOffset, st.shx.byteOffset, st.shy.byteOffset, st.par.byteOffset,
      this.nbr.byteOffset, this.own.byteOffset, this.shx.byteOffset, this.shy.byteOffset, this.par.byteOffset,
    ], 0, R);
    return w;
  }

  /**
   * The largest squared displacement since the last build. Positions are not re-wrapped between builds, so this is a
   * plain difference (no minimum image); Infinity when a position is not finite.
   */
  maxDisplacement2(positions: Float64Array): number {
    const ref = this.reference, S = this.dofsPerParticle;
    let m = 0;
    if (this.dimensions === 2) {
      for (let p = 0; p < ref.length; p += S) {
        const dx = positions[p] - ref[p], dy = positions[p + 1] - ref[p + 1];
        const d2 = dx * dx + dy * dy;
        if (d2 > m) m = d2;
        else if (!(d2 === d2)) return Infinity;
      }
    } else {
      for (let p = 0; p < ref.length; p += S) {
        const dx = positions[p] - ref[p], dy = positions[p + 1] - ref[p + 1], dz = positions[p + 2] - ref[p + 2];
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 > m) m = d2;
        else if (!(d2 === d2)) return Infinity;
      }
    }
    return m;
  }

  /**
   * F = -grad U into `out` (overwritten; z stays 0 in 2D) over the current list, which the caller keeps valid (the
   * MD's displacement check and `rebuild`); `energyAndForces` checks by itself.
   */
  forces(positions: Float64Array, out: Float64Array): void {
    if (this.wasm) {
      this.wasmForces(positions, out, false);
    } else if (this.isWca && this.dimensions === 2) {
      out.fill(0);
      this.forcesWca2(positions, out);
    } else {
      this.fused(positions, out);
    }
  }

  /** U(x), and F = -grad U(x) into f (overwritten); the lists are made valid for x first. */
  energyAndForces(x: Float64Array, f: Float64Array): number {
    this.prepare(x);
    this.evaluations++;
    return this.fused(x, f);
  }

  /** U = sum over pairs of u(r_ij). */
  energy(x: Float64Array): number {
    if (!this.scratchF) this.scratchF = new Float64Array(this.n);
    return this.energyAndForces(x, this.scratchF);
  }

  // The force loops. Each sees one kernel at each call site, so V8 inlines it: a shared loop choosing the potential
  // per pair by a flag was measured 45 % slower (2D WCA glass, N = 2000), hence one loop per potential and dimension.
  // 2D rows run over their unshifted pairs first (no shift to read), then over those across the boundary (measured:
  // 9 % faster for Hertz). The fused WCA loops test the cutoff with a branch: a branch-free energy (as the MD's
  // force-only kernel) measured slower there, as it adds the energy's arithmetic to every pair in the skin.

  /** Fused energy + forces (f overwritten). */
  private fused(x: Float64Array, f: Float64Array): number {
    if (this.wasm) return this.wasmForces(x, f, true);
    f.fill(0);
    if (this.dimensions === 2) return this.isWca ? this.wca2(x, f) : this.hertz2(x, f);
    return this.isWca ? this.wca3(x, f) : this.hertz3(x, f);
  }

  // ---- The WebAssembly path (2D): pass 1 over the pairs, pass 2 over the rows (see wasm/kernels.wat).

  /** Pass 1 over the current list at coordinates `xk` (kernel memory); returns the energy (0 for the MD's forces-only WCA). */
  private pairPass(energy: boolean, xk: Float64Array = this.xbuf): number {
    const K = this.K as KernelExports;
    const x = xk.byteOffset, own = this.own.byteOffset, nbr = this.nbr.byteOffset, par = this.par.byteOffset;
    const shx = this.shx.byteOffset, shy = this.shy.byteOffset, g = this.gbuf.byteOffset;
    const m = this.pairs + (this.pairs & 1);
    if (!this.isWca) return K.hertzPairsEnergy(x, own, nbr, par, shx, shy, g, 0, m, this.eps, 0);
    if (energy) return K.wcaPairsEnergy(x, own, nbr, par, shx, shy, g, 0, m, this.eps, WCA_C2, 0);
    const sidx = this.sidx.byteOffset, ssh = this.ssh.byteOffset, ns = this.shiftedPairs;
    if (this.team) this.team.run('wcaPairs', [x, own, nbr, par, sidx, ssh, ns, g, 0, m, this.eps, WCA_C2], 8, chunkOf(m, PAIR_CHUNK, 2));
    else K.wcaPairs(x, own, nbr, par, sidx, ssh, ns, g, 0, m, this.eps, WCA_C2);
    return 0;
  }

  /**
   * Forces (and the energy when asked) at x into f through the kernels. x and f are used in place when they are xbuf
   * and fbuf (the MD), else copied through scratch arrays of the kernel memory (xbuf and fbuf keep their contents).
   */
  private wasmForces(x: Float64Array, f: Float64Array, energy: boolean): number {
    const xk = this.inKernelMemory(x);
    const fk = f === this.fbuf ? f : this.scratch().f;
    const e = this.pairPass(energy, xk);
    (this.K as KernelExports).gather(
      fk.byteOffset, this.start.byteOffset, this.tstart.byteOffset, this.tidx.byteOffset, this.gbuf.byteOffset, 0, this.numParticles, this.dofsPerParticle,
    );
    if (fk !== f) f.set(fk);
    return e;
  }

  /** Coordinates x in kernel memory: xbuf itself, or a copy in the scratch array. */
  private inKernelMemory(x: Float64Array): Float64Array {
    if (x === this.xbuf) return x;
    const xs = this.scratch().x;
    xs.set(x);
    return xs;
  }

  private scratchBufs: { x: Float64Array; f: Float64Array } | null = null;

  private scratch(): { x: Float64Array; f: Float64Array } {
    if (!this.scratchBufs) this.scratchBufs = { x: this.allocate(this.n), f: this.allocate(this.n) };
    return this.scratchBufs;
  }

  /** A zeroed array of `count` doubles next to the engine's coordinates (the kernels' memory with the wasm kernel). */
  allocate(count: number): Float64Array {
    return this.mem ? this.mem.f64(count) : new Float64Array(count);
  }

  /**
   * The MD's velocity-Verlet step around the forces (2D wasm only; xbuf, fbuf and `v`, `h` = dt/(2 m_i) from
   * `allocate`): pass 1 at xbuf, then pass 2 with v += h F, and with `next` the next step's v += h F; x += dt v fused
   * in. Returns max |v|^2 of the next step's velocities (0 without `next`).
   */
  stepNve(v: Float64Array, h: Float64Array, dt: number, next: boolean): number {
    this.pairPass(false);
    return this.scatterNve(v, h, dt, next);
  }

  /** Pass 1 of the MD forces at xbuf (2D wasm); `scatterNve` or `scatterIsokinetic` completes the step. */
  pairForces(): void {
    this.pairPass(false);
  }

  /** Pass 2 of `stepNve` on its own (after `pairForces`). */
  scatterNve(v: Float64Array, h: Float64Array, dt: number, next: boolean): number {
    const args = [
      this.fbuf.byteOffset, this.start.byteOffset, this.tstart.byteOffset, this.tidx.byteOffset, this.gbuf.byteOffset, 0, this.numParticles,
      this.dofsPerParticle, this.xbuf.byteOffset, v.byteOffset, h.byteOffset, dt, next ? 1 : 0,
    ] as const;
    return this.team ? maxOf(this.team.run('gatherNve', args, 5, chunkOf(this.numParticles, PARTICLE_CHUNK, 8))) : (this.K as KernelExports).gatherNve(...args);
  }

  /** The first half of a velocity-Verlet step on its own (2D wasm): v += h F; x += dt v; returns max |v|^2. */
  kickDrift(v: Float64Array, h: Float64Array, dt: number): number {
    const args = [this.xbuf.byteOffset, v.byteOffset, this.fbuf.byteOffset, h.byteOffset, 0, this.numParticles, this.dofsPerParticle, dt] as const;
    return this.team ? maxOf(this.team.run('kickDrift', args, 4, chunkOf(this.numParticles, PARTICLE_CHUNK, 8))) : (this.K as KernelExports).kickDrift(...args);
  }

  /** Forces at xbuf with the isokinetic kinetic-energy sum fused in (2D wasm): returns sum_i m_i |vh_i + h_i F_i|^2. */
  forcesIsokinetic(vh: Float64Array, h: Float64Array, m: Float64Array): number {
    this.pairPass(false);
    return this.scatterIsokinetic(vh, h, m);
  }

  /** Pass 2 of `forcesIsokinetic` on its own (after `pairForces`). */
  scatterIsokinetic(vh: Float64Array, h: Float64Array, m: Float64Array): number {
    const args = [
      this.fbuf.byteOffset, this.start.byteOffset, this.tstart.byteOffset, this.tidx.byteOffset, this.gbuf.byteOffset, 0, this.numParticles,
      this.dofsPerParticle, vh.byteOffset, h.byteOffset, m.byteOffset,
    ] as const;
    if (!this.team) return (this.K as KernelExports).gatherIsokinetic(...args);
    // Each chunk's sum over its particles (in order), then the chunks' sums in chunk order.
    const r = this.team.run('gatherIsokinetic', args, 5, chunkOf(this.numParticles, PARTICLE_CHUNK, 8));
    let k2 = r[0];
    for (let t = 1; t < r.length; t++) k2 += r[t];
    return k2;
  }

  /** The isokinetic drift (2D wasm): vh = c vh + (bdt / m_i) F; x += dt vh; returns max |vh|^2. */
  isokineticDrift(vh: Float64Array, m: Float64Array, c: number, bdt: number, unitMass: boolean, dt: number): number {
    const args = [
      this.xbuf.byteOffset, vh.byteOffset, this.fbuf.byteOffset, m.byteOffset, 0, this.numParticles, this.dofsPerParticle, c, bdt, unitMass ? 1 : 0, dt,
    ] as const;
    return this.team ? maxOf(this.team.run('isokineticDrift', args, 4, chunkOf(this.numParticles, PARTICLE_CHUNK, 8))) : (this.K as KernelExports).isokineticDrift(...args);
  }

  /** Threads working on the MD kernels (1: this thread alone). */
  get threads(): number {
    return this.team ? this.team.size : 1;
  }

  /** Give the kernels' memory back for reuse by the next engine (this engine and its arrays are unusable after). */
  dispose(): void {
    this.mem?.release();
  }

  /** The MD's 2D WCA force loop: forces only, the branch-free kernel. */
  private forcesWca2(pos: Float64Array, f: Float64Array): void {
    const N = this.numParticles, S = this.dofsPerParticle;
    const start = this.start, mid = this.mid, nbr = this.nbr, shx = this.shx, shy = this.shy, par = this.par;
    const eps = this.eps;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = pos[oi], yi = pos[oi + 1];
      let fx = 0, fy = 0;
      const m = mid[i], end = start[i + 1];
      // No cutoff branch in these loops: the kernel is 0 beyond the cutoff and branch-free (potentials.ts says why).
      for (let k = start[i]; k < m; k++) {
        const o = nbr[k];
        const dx = pos[o] - xi;
        const dy = pos[o + 1] - yi;
        const g = wcaG(dx * dx + dy * dy, par[k], eps);
        const gx = g * dx, gy = g * dy;
        fx += gx;
        fy += gy;
        f[o] -= gx;
        f[o + 1] -= gy;
      }
      for (let k = m; k < end; k++) {
        const o = nbr[k];
        const dx = pos[o] - xi + shx[k];
        const dy = pos[o + 1] - yi + shy[k];
        const g = wcaG(dx * dx + dy * dy, par[k], eps);
        const gx = g * dx, gy = g * dy;
        fx += gx;
        fy += gy;
        f[o] -= gx;
        f[o + 1] -= gy;
      }
      f[oi] += fx;
      f[oi + 1] += fy;
    }
  }

  private wca2(x: Float64Array, f: Float64Array): number {
    const N = this.numParticles, S = this.dofsPerParticle;
    const start = this.start, mid = this.mid, nbr = this.nbr, shx = this.shx, shy = this.shy, par = this.par;
    const eps = this.eps;
    let e = 0;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = x[oi], yi = x[oi + 1];
      let fx = 0, fy = 0;
      const m = mid[i], end = start[i + 1];
      for (let k = start[i]; k < m; k++) {
        const o = nbr[k];
        const dx = x[o] - xi;
        const dy = x[o + 1] - yi;
        const r2 = dx * dx + dy * dy;
        const p = par[k];
        if (!(r2 < WCA_C2 * p)) continue;
        e += wcaU(r2, p, eps);
        const g = wcaG(r2, p, eps);
        const gx = g * dx, gy = g * dy;
        fx += gx; fy += gy;
        f[o] -= gx; f[o + 1] -= gy;
      }
      for (let k = m; k < end; k++) {
        const o = nbr[k];
        const dx = x[o] - xi + shx[k];
        const dy = x[o + 1] - yi + shy[k];
        const r2 = dx * dx + dy * dy;
        const p = par[k];
        if (!(r2 < WCA_C2 * p)) continue;
        e += wcaU(r2, p, eps);
        const g = wcaG(r2, p, eps);
        const gx = g * dx, gy = g * dy;
        fx += gx; fy += gy;
        f[o] -= gx; f[o + 1] -= gy;
      }
      f[oi] += fx; f[oi + 1] += fy;
    }
    return e;
  }

  private hertz2(x: Float64Array, f: Float64Array): number {
    const N = this.numParticles, S = this.dofsPerParticle;
    const start = this.start, mid = this.mid, nbr = this.nbr, shx = this.shx, shy = this.shy, par = this.par;
    const eps = this.eps;
    let e = 0;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = x[oi], yi = x[oi + 1];
      let fx = 0, fy = 0;
      const m = mid[i], end = start[i + 1];
      for (let k = start[i]; k < m; k++) {
        const o = nbr[k];
        const dx = x[o] - xi;
        const dy = x[o + 1] - yi;
        const r2 = dx * dx + dy * dy;
        const p = par[k];
        if (!(r2 < p * p)) continue;
        e += hertzU(r2, p, eps);
        const g = hertzG(r2, p, eps);
        const gx = g * dx, gy = g * dy;
        fx += gx; fy += gy;
        f[o] -= gx; f[o + 1] -= gy;
      }
      for (let k = m; k < end; k++) {
        const o = nbr[k];
        const dx = x[o] - xi + shx[k];
        const dy = x[o + 1] - yi + shy[k];
        const r2 = dx * dx + dy * dy;
        const p = par[k];
        if (!(r2 < p * p)) continue;
        e += hertzU(r2, p, eps);
        const g = hertzG(r2, p, eps);
        const gx = g * dx, gy = g * dy;
        fx += gx; fy += gy;
        f[o] -= gx; f[o + 1] -= gy;
      }
      f[oi] += fx; f[oi + 1] += fy;
    }
    return e;
  }

  private wca3(x: Float64Array, f: Float64Array): number {
    const N = this.numParticles, S = this.dofsPerParticle;
    const start = this.start, nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, par = this.par;
    const eps = this.eps;
    let e = 0;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = x[oi], yi = x[oi + 1], zi = x[oi + 2];
      let fx = 0, fy = 0, fz = 0;
      const end = start[i + 1];
      for (let k = start[i]; k < end; k++) {
        const o = nbr[k];
        const dx = x[o] - xi + shx[k];
        const dy = x[o + 1] - yi + shy[k];
        const dz = x[o + 2] - zi + shz[k];
        const r2 = dx * dx + dy * dy + dz * dz;
        const p = par[k];
        if (!(r2 < WCA_C2 * p)) continue;
        e += wcaU(r2, p, eps);
        const g = wcaG(r2, p, eps);
        const gx = g * dx, gy = g * dy, gz = g * dz;
        fx += gx; fy += gy; fz += gz;
        f[o] -= gx; f[o + 1] -= gy; f[o + 2] -= gz;
      }
      f[oi] += fx; f[oi + 1] += fy; f[oi + 2] += fz;
    }
    return e;
  }

  private hertz3(x: Float64Array, f: Float64Array): number {
    const N = this.numParticles, S = this.dofsPerParticle;
    const start = this.start, nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, par = this.par;
    const eps = this.eps;
    let e = 0;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = x[oi], yi = x[oi + 1], zi = x[oi + 2];
      let fx = 0, fy = 0, fz = 0;
      const end = start[i + 1];
      for (let k = start[i]; k < end; k++) {
        const o = nbr[k];
        const dx = x[o] - xi + shx[k];
        const dy = x[o + 1] - yi + shy[k];
        const dz = x[o + 2] - zi + shz[k];
        const r2 = dx * dx + dy * dy + dz * dz;
        const p = par[k];
        if (!(r2 < p * p)) continue;
        e += hertzU(r2, p, eps);
        const g = hertzG(r2, p, eps);
        const gx = g * dx, gy = g * dy, gz = g * dz;
        fx += gx; fy += gy; fz += gz;
        f[o] -= gx; f[o + 1] -= gy; f[o + 2] -= gz;
      }
      f[oi] += fx; f[oi + 1] += fy; f[oi + 2] += fz;
    }
    return e;
  }

  /**
   * Every interacting pair (r < rc_ij) with g = u'(r)/r, u, and d = r_j - r_i, after making the lists valid for x:
   * the general loop behind per-particle energies, virials and distances.
   */
  pairLoop(x: Float64Array, fn: (i: number, j: number, g: number, u: number, dx: number, dy: number, dz: number) => void): void {
    this.prepare(x);
    const N = this.numParticles, S = this.dofsPerParticle, three = this.dimensions === 3;
    const start = this.start, nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, par = this.par;
    const eps = this.eps, wca = this.isWca;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = x[oi], yi = x[oi + 1], zi = three ? x[oi + 2] : 0;
      for (let k = start[i]; k < start[i + 1]; k++) {
        const o = nbr[k];
        const dx = x[o] - xi + shx[k];
        const dy = x[o + 1] - yi + shy[k];
        const dz = three ? x[o + 2] - zi + shz[k] : 0;
        const r2 = dx * dx + dy * dy + dz * dz;
        const p = par[k];
        if (!(r2 < (wca ? WCA_C2 * p : p * p))) continue;
        if (wca) fn(i, o / S, wcaG(r2, p, eps), wcaU(r2, p, eps), dx, dy, dz);
        else fn(i, o / S, hertzG(r2, p, eps), hertzU(r2, p, eps), dx, dy, dz);
      }
    }
  }

  /** e_i = (1/2) sum_j u(r_ij) (LAMMPS compute pe/atom), into `out` (overwritten). */
  perParticleEnergy(x: Float64Array, out: Float64Array): Float64Array {
    out.fill(0);
    this.pairLoop(x, (i, j, _g, u) => {
      const h = 0.5 * u;
      out[i] += h;
      out[j] += h;
    });
    return out;
  }

  /**
   * The pair virial W_ab = sum_{i<j} r_ij,a f_ij,b with r_ij = r_i - r_j and f_ij the force on i from j, i.e.
   * -sum (u'/r) d_a d_b: positive on the diagonal for repulsion (LAMMPS's virial; oracle README section D).
   */
  virial(x: Float64Array): SymTensor {
    let xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
    this.pairLoop(x, (_i, _j, g, _u, dx, dy, dz) => {
      xx -= g * dx * dx; yy -= g * dy * dy; zz -= g * dz * dz;
      xy -= g * dx * dy; xz -= g * dx * dz; yz -= g * dy * dz;
    });
    return { xx, yy, zz, xy, xz, yz };
  }

  /** Pressure-like stress at T = 0: W / V (V = area in 2D), oracle README section D; the mechanical stress is minus this. */
  stress(x: Float64Array): SymTensor {
    const w = this.virial(x);
    const V = boxVolume(this._box, this.dimensions);
    return { xx: w.xx / V, yy: w.yy / V, zz: w.zz / V, xy: w.xy / V, xz: w.xz / V, yz: w.yz / V };
  }

  /**
   * The smallest r_ij / rc_ij over the interacting pairs (Infinity when none interacts). Its own loop (pairLoop's
   * selection and arithmetic, without the closure and the energy and force of every pair): removeOverlaps calls it at
   * every iteration, where it was a third of the time.
   */
  minDistanceOverCutoff(x: Float64Array): number {
    this.prepare(x);
    const N = this.numParticles, S = this.dofsPerParticle, three = this.dimensions === 3;
    const start = this.start, nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, par = this.par;
    const sizes = this.sizes, pot = this.potential, wca = this.isWca;
    let m = Infinity;
    for (let i = 0; i < N; i++) {
      const oi = S * i;
      const xi = x[oi], yi = x[oi + 1], zi = three ? x[oi + 2] : 0;
      for (let k = start[i]; k < start[i + 1]; k++) {
        const o = nbr[k];
        const dx = x[o] - xi + shx[k];
        const dy = x[o + 1] - yi + shy[k];
        const dz = three ? x[o + 2] - zi + shz[k] : 0;
        const r2 = dx * dx + dy * dy + dz * dz;
        const p = par[k];
        if (!(r2 < (wca ? WCA_C2 * p : p * p))) continue;
        const q = Math.sqrt(r2) / pot.pairCutoff(sizes, i, o / S);
        if (q < m) m = q;
      }
    }
    return m;
  }
}

/** Chunks of the parallel kernels: pairs (even: pass 1 takes two at a time) and particles (a multiple of 8: no two threads write one cache line of F, v, x). */
const PAIR_CHUNK = 1024;
const PARTICLE_CHUNK = 256;

/** The chunk for a range of `count`: `base`, or larger (a multiple of `align`) to stay within 4000 chunks. */
function chunkOf(count: number, base: number, align: number): number {
  return Math.max(base, align * Math.ceil(count / 4000 / align));
}

function maxOf(r: Float64Array): number {
  let m = r[0];
  for (let t = 1; t < r.length; t++) m = Math.max(m, r[t]);
  return m;
}

/** The smallest perpendicular width of a restricted-triclinic cell (2D: of the parallelogram a, b). */
function perpendicularWidth(box: Box, dimensions: 2 | 3): number {
  const [a, b, c] = box.vectors;
  if (dimensions === 2) {
    const area = Math.abs(a[0] * b[1]);
    return Math.min(area / Math.hypot(b[0], b[1]), area / Math.abs(a[0]));
  }
  // Along a: V / |b x c|, and so on.
  const vol = Math.abs(a[0] * b[1] * c[2]);
  const cross = (u: number[], v: number[]): number =>
    Math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
  return Math.min(vol / cross(b, c), vol / cross(c, a), vol / cross(a, b));
}
