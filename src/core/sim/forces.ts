// Pair forces of the MD engine over a Verlet neighbour list with a skin (LAMMPS `neighbor <skin> bin`,
// `neigh_modify every 1 delay 0 check yes`), built in two levels:
//  - OUTER list: the candidate pairs from the project's one neighbour search (neighbors.ts `NeighborSearch`, half
//    list, cutoff = largest pair cutoff + outer skin S > skin), kept when r < rc_ij + S with each pair's OWN cutoff
//    rc_ij (WCA: 2^(1/6) sigma_ij, like LAMMPS's per-type-pair `cutneighsq`), each with its periodic image fixed as a
//    Cartesian shift (a sum of box vectors);
//  - INNER list (the one the forces run over): the outer pairs with r < rc_ij + skin now. A rebuild of the inner list
//    only filters the outer list, valid while every particle has moved less than (S - skin)/2 since the outer build
//    (then a pair now closer than rc + skin was closer than rc + S at the outer build); otherwise the outer list is
//    rebuilt first. With the default S = 5 skin the outer list is rebuilt once per ~13 inner rebuilds in the T = 0.2
//    glass (once per ~6-7 at T = 0.5 and 1.0), and a rebuild costs ~1/3 of a one-level one (N = 2000: the MD step
//    is ~20 % faster). The inner list holds exactly the pairs a one-level list would, in the same order.
//  - Positions are wrapped (image counters updated) at every inner rebuild, like LAMMPS; the outer shifts follow the
//    image changes since the outer build, so d = r_j - r_i + shift needs no minimum-image rounding in the force loop.
//  - The inner list is valid while no particle has moved more than skin/2 since its build (the caller checks
//    `maxDisplacement2` against (skin/2)^2 and calls `rebuild`).
// The pair functions are those of potentials.ts (the one place for pair potentials): the WCA hot loop calls its
// inlinable, branch-free `wcaDuDrOverR`; other potentials (Hertz) go through `PairPotential.pair`.
// Sign conventions as potentials.ts: d = r_j - r_i, F_i = (u'/r) d, F_j = -(u'/r) d.
import type { Box } from '../box.js';
import { NeighborSearch } from '../neighbors.js';
import { WCA_CUTOFF2_FACTOR, wcaDuDrOverR, wcaPairEnergy, PAIR_DUDR_OVER_R, PAIR_U, type PairPotential } from '../potentials.js';
import { wrapPositions } from './system.js';

// Module-local bindings of the kernels: a call through a local const is inlined by V8 whatever the module loader
// (bundlers and test runners may turn imports into property getters, which would block inlining in the hot loop).
const wcaForceKernel = wcaDuDrOverR;
const wcaEnergyKernel = wcaPairEnergy;
const WCA_C2 = WCA_CUTOFF2_FACTOR;
const WCA_RC = Math.pow(2, 1 / 6);

/** Symmetric 3x3 tensor components (xx, yy, zz, xy, xz, yz). */
export interface SymTensor {
  xx: number;
  yy: number;
  zz: number;
  xy: number;
  xz: number;
  yz: number;
}

export class VerletPairForces {
  readonly n: number;
  readonly dimensions: 2 | 3;
  readonly potential: PairPotential;
  /** Per-particle sizes in the potential's convention (WCA diameters, Hertz radii). */
  readonly sizes: Float64Array;
  readonly skin: number;
  /** Skin of the outer list (default 5 skin). */
  readonly outerSkin: number;
  /** Cutoff of the candidate search: the largest pair cutoff plus the outer skin. */
  readonly listCutoff: number;
  /** Number of (inner) list builds so far: the rebuilds LAMMPS would count. */
  builds = 0;
  /** Number of outer list builds (neighbour searches) so far. */
  outerBuilds = 0;
  /** Number of pairs in the current (inner) list. */
  pairs = 0;
  /** Number of pairs in the outer list. */
  outerPairs = 0;

  private box: Box;
  private readonly search = new NeighborSearch();
  private readonly isWca: boolean;
  private readonly eps: number;
  // Outer list (CSR, j > i): neighbour, shift at the outer build, (rc_ij + skin)^2, sigma_ij^2 (WCA).
  private ostart: Int32Array;
  private onbr = new Int32Array(0);
  private oshx = new Float64Array(0);
  private oshy = new Float64Array(0);
  private oshz = new Float64Array(0);
  private orc2 = new Float64Array(0);
  private osig2 = new Float64Array(0);
  /** Positions and image counters at the outer build. */
  readonly outerReference: Float64Array;
  readonly outerImages: Int32Array;
  // Per-particle Cartesian offset of its image changes since the outer build.
  private dsx: Float64Array;
  private dsy: Float64Array;
  private dsz: Float64Array;
  /** Inner list: CSR rows of the kept pairs (j > i). */
  private start: Int32Array;
  /** Per row: the first pair with an image shift (2D WCA rows list the unshifted pairs first). */
  private mid: Int32Array;
  private nbr = new Int32Array(0);
  /** Per-pair Cartesian image shifts (added to r_j - r_i). */
  private shx = new Float64Array(0);
  private shy = new Float64Array(0);
  private shz = new Float64Array(0);
  /** Per-pair sigma_ij^2 (WCA only). */
  private sig2 = new Float64Array(0);
  /** Positions at the last (inner) build. */
  readonly reference: Float64Array;
  private readonly scratch = new Float64Array(3);
  private images: Int32Array;
  /** Row scratch of the inner build: the in-range outer pairs of one row. */
  private rowK = new Int32Array(0);

  constructor(sizes: Float64Array, potential: PairPotential, box: Box, dimensions: 2 | 3, skin: number, outerSkin = 5 * skin) {
    if (!(skin >= 0)) throw new RangeError(`Verlet list: skin must be >= 0 (got ${skin})`);
    if (!(outerSkin >= skin)) throw new RangeError(`Verlet list: the outer skin must be >= the skin (got ${outerSkin} < ${skin})`);
    const n = sizes.length;
    this.n = n;
    this.dimensions = dimensions;
    this.potential = potential;
    this.sizes = sizes;
    this.skin = skin;
    this.outerSkin = outerSkin;
    this.isWca = potential.name === 'wca';
    this.eps = potential.epsilon;
    this.listCutoff = potential.maxCutoff(sizes) + outerSkin;
    this.ostart = new Int32Array(n + 1);
    this.outerReference = new Float64Array(3 * n);
    this.outerImages = new Int32Array(3 * n);
    this.dsx = new Float64Array(n);
    this.dsy = new Float64Array(n);
    this.dsz = new Float64Array(n);
    this.start = new Int32Array(n + 1);
    this.mid = new Int32Array(n);
    this.reference = new Float64Array(3 * n);
    this.images = new Int32Array(3 * n);
    this.box = box;
    checkBoxWide(box, dimensions, potential.maxCutoff(sizes) + skin);
    // The outer list may need a smaller outer skin in a small box: the minimum image must stay unique.
    const widest = maxOuterSkin(box, dimensions, potential.maxCutoff(sizes));
    if (this.outerSkin > widest) {
      this.outerSkin = Math.max(skin, widest);
      this.listCutoff = potential.maxCutoff(sizes) + this.outerSkin;
    }
  }

  /** The box the shifts refer to. Changing it requires a `build` before the next force evaluation. */
  setBox(box: Box): void {
    checkBoxWide(box, this.dimensions, this.potential.maxCutoff(this.sizes) + this.skin);
    if (maxOuterSkin(box, this.dimensions, this.potential.maxCutoff(this.sizes)) < this.outerSkin) {
      throw new RangeError(`Verlet list: the new box is too narrow for the outer skin ${this.outerSkin}`);
    }
    this.box = box;
  }

  /**
   * Both lists from these positions as they are (no wrapping; image counters taken as all zero unless given). The
   * shifts are fixed here, so positions may be wrapped later only through `rebuild`.
   */
  build(positions: Float64Array, images?: Int32Array): void {
    this.checkLength(positions);
    this.images = images ?? new Int32Array(3 * this.n);
    this.buildOuter(positions);
    this.buildInner(positions);
  }

  /**
   * The rebuild of an MD step: wrap positions into the box (updating `images` in place), then rebuild the inner list,
   * from the outer list when every particle has moved less than (outerSkin - skin)/2 since the outer build, else
   * after a new outer build.
   */
  rebuild(positions: Float64Array, images: Int32Array): void {
    this.checkLength(positions);
    wrapPositions(positions, images, this.box, this.dimensions);
    this.images = images;
    if (!this.outerStillValid(positions)) this.buildOuter(positions);
    this.buildInner(positions);
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
    if (positions.length !== 3 * this.n) throw new RangeError(`Verlet list: ${positions.length / 3} positions for ${this.n} particles`);
  }

  /** Whether the outer list still holds every pair the inner list may need (see the header). */
  private outerStillValid(positions: Float64Array): boolean {
    if (this.outerBuilds === 0) return false;
    this.imageOffsets();
    const ref = this.outerReference, dsx = this.dsx, dsy = this.dsy, dsz = this.dsz;
    const lim = 0.5 * (this.outerSkin - this.skin);
    const lim2 = lim * lim;
    let m = 0;
    for (let i = 0; i < this.n; i++) {
      const p = 3 * i;
      const dx = positions[p] + dsx[i] - ref[p], dy = positions[p + 1] + dsy[i] - ref[p + 1];
      const dz = this.dimensions === 3 ? positions[p + 2] + dsz[i] - ref[p + 2] : 0;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > m) m = d2;
      else if (!(d2 === d2)) return false;
    }
    return m < lim2;
  }

  /** ds_i = (images_i - outerImages_i) . box vectors: how far particle i has been wrapped since the outer build. */
  private imageOffsets(): void {
    const [a, b, c] = this.box.vectors;
    const img = this.images, oimg = this.outerImages, dsx = this.dsx, dsy = this.dsy, dsz = this.dsz;
    for (let i = 0; i < this.n; i++) {
      const p = 3 * i;
      const kx = img[p] - oimg[p], ky = img[p + 1] - oimg[p + 1], kz = img[p + 2] - oimg[p + 2];
      if ((kx | ky | kz) === 0) {
        dsx[i] = 0; dsy[i] = 0; dsz[i] = 0;
      } else {
        dsx[i] = kx * a[0] + ky * b[0] + kz * c[0];
        dsy[i] = ky * b[1] + kz * c[1];
        dsz[i] = kz * c[2];
      }
    }
  }

  /** The outer list: candidates of the neighbour search within rc_ij + outerSkin, with their image shifts. */
  private buildOuter(positions: Float64Array): void {
    const n = this.n, dims = this.dimensions;
    const nl = this.search.build(positions, this.box, { cutoff: this.listCutoff, dimensions: dims, half: true, withVectors: false });
    const cand = nl.indices, cstart = nl.start;
    const m = cand.length;
    if (this.onbr.length < m) {
      const cap = Math.ceil(m * 1.2) + 16;
      this.onbr = new Int32Array(cap);
      this.oshx = new Float64Array(cap);
      this.oshy = new Float64Array(cap);
      this.oshz = dims === 3 ? new Float64Array(cap) : this.oshz;
      this.orc2 = new Float64Array(cap);
      this.osig2 = this.isWca ? new Float64Array(cap) : this.osig2;
    }
    const onbr = this.onbr, oshx = this.oshx, oshy = this.oshy, oshz = this.oshz, orc2 = this.orc2, osig2 = this.osig2;
    const ostart = this.ostart;
    const [a, b, c] = this.box.vectors;
    const a0 = a[0], b0 = b[0], b1 = b[1], c0 = c[0], c1 = c[1], c2 = c[2];
    const px = this.box.periodic[0] && a0 !== 0, py = this.box.periodic[1] && b1 !== 0;
    const pz = dims === 3 && this.box.periodic[2] && c2 !== 0;
    const sizes = this.sizes, pot = this.potential, skin = this.skin, outer = this.outerSkin, isWca = this.isWca;
    const half = 0.5 * WCA_RC;
    let w = 0;
    for (let i = 0; i < n; i++) {
      ostart[i] = w;
      const xi = positions[3 * i], yi = positions[3 * i + 1], zi = positions[3 * i + 2], si = sizes[i];
      const end = cstart[i + 1];
      for (let k = cstart[i]; k < end; k++) {
        const j = cand[k];
        // The image of j nearest to i, as integer multiples of the box vectors (c, then b, then a: box.ts
        // minimumImage); only pairs across the boundary pay for the rounding.
        let dx = positions[3 * j] - xi, dy = positions[3 * j + 1] - yi, dz = dims === 3 ? positions[3 * j + 2] - zi : 0;
        let sx = 0, sy = 0, sz = 0;
        if (pz && (dz > 0.5 * c2 || dz < -0.5 * c2)) {
          const q = Math.round(dz / c2);
          sx -= q * c0; sy -= q * c1; sz -= q * c2; dx -= q * c0; dy -= q * c1; dz -= q * c2;
        }
        if (py && (dy > 0.5 * b1 || dy < -0.5 * b1)) {
          const q = Math.round(dy / b1);
          sx -= q * b0; sy -= q * b1; dx -= q * b0; dy -= q * b1;
        }
        if (px && (dx > 0.5 * a0 || dx < -0.5 * a0)) {
          const q = Math.round(dx / a0);
          sx -= q * a0; dx -= q * a0;
        }
        const rc = isWca ? half * (si + sizes[j]) : pot.pairCutoff(sizes, i, j);
        const ro = rc + outer;
        if (!(dx * dx + dy * dy + dz * dz < ro * ro)) continue;
        onbr[w] = j;
        oshx[w] = sx;
        oshy[w] = sy;
        if (dims === 3) oshz[w] = sz;
        const ri = rc + skin;
        orc2[w] = ri * ri;
        if (isWca) {
          const s = 0.5 * (si + sizes[j]);
          osig2[w] = s * s;
        }
        w++;
      }
    }
    ostart[n] = w;
    this.outerPairs = w;
    this.outerReference.set(positions);
    this.outerImages.set(this.images);
    this.outerBuilds++;
  }

  /**
   * The inner list: outer pairs within rc_ij + skin at these positions. Rows list the pairs without an image shift
   * first (up to `mid[i]`), so the 2D WCA force loop reads shifts only for pairs across the boundary. Two phases per
   * row: a branch-free scan of the outer row that compacts the in-range outer pairs (the cursor advances by 0 or 1:
   * which pairs are in range is as unpredictable as the cutoff test of the force loop), then the kept pairs are
   * written, unshifted ones first.
   */
  private buildInner(positions: Float64Array): void {
    const n = this.n, three = this.dimensions === 3;
    this.imageOffsets();
    const m = this.outerPairs;
    if (this.nbr.length < m + 1) {
      const cap = Math.max(this.onbr.length, m + 1);
      this.nbr = new Int32Array(cap);
      this.shx = new Float64Array(cap);
      this.shy = new Float64Array(cap);
      this.shz = three ? new Float64Array(cap) : this.shz;
      this.sig2 = this.isWca ? new Float64Array(cap) : this.sig2;
    }
    const ostart = this.ostart;
    let maxRow = 0;
    for (let i = 0; i < n; i++) maxRow = Math.max(maxRow, ostart[i + 1] - ostart[i]);
    if (this.rowK.length < maxRow + 1) this.rowK = new Int32Array(2 * maxRow + 8);
    const onbr = this.onbr, oshx = this.oshx, oshy = this.oshy, oshz = this.oshz, orc2 = this.orc2, osig2 = this.osig2;
    const nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, sig2 = this.sig2, start = this.start, mid = this.mid;
    const rowK = this.rowK;
    const dsx = this.dsx, dsy = this.dsy, dsz = this.dsz, isWca = this.isWca;
    let w = 0;
    for (let i = 0; i < n; i++) {
      start[i] = w;
      const xi = positions[3 * i], yi = positions[3 * i + 1], zi = positions[3 * i + 2];
      const ax = dsx[i], ay = dsy[i], az = dsz[i];
      const end = ostart[i + 1];
      // Phase 1: the in-range outer pairs of the row.
      let nk = 0;
      if (three) {
        for (let k = ostart[i]; k < end; k++) {
          const j = onbr[k];
          const dx = positions[3 * j] - xi + (oshx[k] + dsx[j] - ax);
          const dy = positions[3 * j + 1] - yi + (oshy[k] + dsy[j] - ay);
          const dz = positions[3 * j + 2] - zi + (oshz[k] + dsz[j] - az);
          rowK[nk] = k;
          nk += +(dx * dx + dy * dy + dz * dz < orc2[k]);
        }
      } else {
        for (let k = ostart[i]; k < end; k++) {
          const j = onbr[k];
          const dx = positions[3 * j] - xi + (oshx[k] + dsx[j] - ax);
          const dy = positions[3 * j + 1] - yi + (oshy[k] + dsy[j] - ay);
          rowK[nk] = k;
          nk += +(dx * dx + dy * dy < orc2[k]);
        }
      }
      // Phase 2: unshifted pairs straight into the row, shifted ones (few: across the boundary) through the scratch.
      let b = 0;
      for (let t = 0; t < nk; t++) {
        const k = rowK[t];
        const j = onbr[k];
        const sx = oshx[k] + dsx[j] - ax, sy = oshy[k] + dsy[j] - ay, sz = three ? oshz[k] + dsz[j] - az : 0;
        const plain = +(sx === 0) & +(sy === 0) & +(sz === 0);
        nbr[w] = j;
        shx[w] = 0;
        shy[w] = 0;
        if (three) shz[w] = 0;
        if (isWca) sig2[w] = osig2[k];
        w += plain;
        rowK[b] = k; // t >= b: overwrites only entries already read
        b += plain ^ 1;
      }
      mid[i] = w;
      for (let t = 0; t < b; t++) {
        const k = rowK[t];
        const j = onbr[k];
        nbr[w] = j;
        shx[w] = oshx[k] + dsx[j] - ax;
        shy[w] = oshy[k] + dsy[j] - ay;
        if (three) shz[w] = oshz[k] + dsz[j] - az;
        if (isWca) sig2[w] = osig2[k];
        w++;
      }
    }
    start[n] = w;
    this.pairs = w;
    this.reference.set(positions);
    this.builds++;
  }

  /**
   * The largest squared displacement since the last build. Positions are not re-wrapped between builds, so this is a
   * plain difference (no minimum image); Infinity when a position is not finite.
   */
  maxDisplacement2(positions: Float64Array): number {
    const ref = this.reference;
    let m = 0;
    if (this.dimensions === 2) {
      for (let p = 0; p < ref.length; p += 3) {
        const dx = positions[p] - ref[p], dy = positions[p + 1] - ref[p + 1];
        const d2 = dx * dx + dy * dy;
        if (d2 > m) m = d2;
        else if (!(d2 === d2)) return Infinity;
      }
    } else {
      for (let p = 0; p < ref.length; p += 3) {
        const dx = positions[p] - ref[p], dy = positions[p + 1] - ref[p + 1], dz = positions[p + 2] - ref[p + 2];
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 > m) m = d2;
        else if (!(d2 === d2)) return Infinity;
      }
    }
    return m;
  }

  /** F = -grad U into `out` (n*3, overwritten; z stays 0 in 2D). */
  forces(positions: Float64Array, out: Float64Array): void {
    out.fill(0);
    if (this.isWca && this.dimensions === 2) this.forcesWca2(positions, out);
    else this.forcesGeneric(positions, out);
  }

  private forcesWca2(pos: Float64Array, f: Float64Array): void {
    const n = this.n, start = this.start, mid = this.mid, nbr = this.nbr, shx = this.shx, shy = this.shy, sig2 = this.sig2;
    const eps = this.eps;
    for (let i = 0; i < n; i++) {
      const xi = pos[3 * i], yi = pos[3 * i + 1];
      let fx = 0, fy = 0;
      const m = mid[i], end = start[i + 1];
      // No cutoff branch in these loops: the kernel is 0 beyond the cutoff and branch-free (potentials.ts says why).
      for (let k = start[i]; k < m; k++) {
        const j = nbr[k];
        const dx = pos[3 * j] - xi;
        const dy = pos[3 * j + 1] - yi;
        const g = wcaForceKernel(dx * dx + dy * dy, sig2[k], eps);
        const gx = g * dx, gy = g * dy;
        fx += gx;
        fy += gy;
        f[3 * j] -= gx;
        f[3 * j + 1] -= gy;
      }
      for (let k = m; k < end; k++) {
        const j = nbr[k];
        const dx = pos[3 * j] - xi + shx[k];
        const dy = pos[3 * j + 1] - yi + shy[k];
        const g = wcaForceKernel(dx * dx + dy * dy, sig2[k], eps);
        const gx = g * dx, gy = g * dy;
        fx += gx;
        fy += gy;
        f[3 * j] -= gx;
        f[3 * j + 1] -= gy;
      }
      f[3 * i] += fx;
      f[3 * i + 1] += fy;
    }
  }

  private forcesGeneric(pos: Float64Array, f: Float64Array): void {
    this.pairLoop(pos, (i, j, g, _u, dx, dy, dz) => {
      const gx = g * dx, gy = g * dy, gz = g * dz;
      f[3 * i] += gx; f[3 * i + 1] += gy; f[3 * i + 2] += gz;
      f[3 * j] -= gx; f[3 * j + 1] -= gy; f[3 * j + 2] -= gz;
    });
  }

  /**
   * Every interacting pair of the list (r < rc_ij) with g = u'(r)/r, u, and d = r_j - r_i: the slow, general loop
   * behind energies, virials and non-WCA forces.
   */
  pairLoop(pos: Float64Array, fn: (i: number, j: number, g: number, u: number, dx: number, dy: number, dz: number) => void): void {
    const n = this.n, start = this.start, nbr = this.nbr, shx = this.shx, shy = this.shy, shz = this.shz, sig2 = this.sig2;
    const dims = this.dimensions, sizes = this.sizes, pot = this.potential, tmp = this.scratch;
    const c2 = WCA_C2, eps = this.eps, isWca = this.isWca;
    for (let i = 0; i < n; i++) {
      const xi = pos[3 * i], yi = pos[3 * i + 1], zi = pos[3 * i + 2], si = sizes[i];
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = nbr[k];
        const dx = pos[3 * j] - xi + shx[k];
        const dy = pos[3 * j + 1] - yi + shy[k];
        const dz = dims === 3 ? pos[3 * j + 2] - zi + shz[k] : 0;
        const r2 = dx * dx + dy * dy + dz * dz;
        if (isWca) {
          const s2 = sig2[k];
          if (!(r2 < c2 * s2)) continue;
          fn(i, j, wcaForceKernel(r2, s2, eps), wcaEnergyKernel(r2, s2, eps), dx, dy, dz);
        } else {
          if (!pot.pair(si, sizes[j], r2, tmp)) continue;
          fn(i, j, tmp[PAIR_DUDR_OVER_R], tmp[PAIR_U], dx, dy, dz);
        }
      }
    }
  }

  /** U = sum over pairs of u(r_ij). */
  energy(positions: Float64Array): number {
    let e = 0;
    this.pairLoop(positions, (_i, _j, _g, u) => { e += u; });
    return e;
  }

  /** e_i = (1/2) sum_j u(r_ij) (LAMMPS compute pe/atom), into `out` (overwritten). */
  perParticleEnergy(positions: Float64Array, out: Float64Array): Float64Array {
    out.fill(0);
    this.pairLoop(positions, (i, j, _g, u) => {
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
  virial(positions: Float64Array): SymTensor {
    let xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
    this.pairLoop(positions, (_i, _j, g, _u, dx, dy, dz) => {
      xx -= g * dx * dx; yy -= g * dy * dy; zz -= g * dz * dz;
      xy -= g * dx * dy; xz -= g * dx * dz; yz -= g * dy * dz;
    });
    return { xx, yy, zz, xy, xz, yz };
  }

  /** The smallest r_ij / rc_ij over the interacting pairs of the list (Infinity when none interacts). */
  minDistanceOverCutoff(positions: Float64Array): number {
    let m = Infinity;
    const sizes = this.sizes, pot = this.potential;
    this.pairLoop(positions, (i, j, _g, _u, dx, dy, dz) => {
      const rc = pot.pairCutoff(sizes, i, j);
      const q = Math.sqrt(dx * dx + dy * dy + dz * dz) / rc;
      if (q < m) m = q;
    });
    return m;
  }
}

/** The largest outer skin for which every pair within the largest cutoff + outer skin has a unique nearest image. */
function maxOuterSkin(box: Box, dimensions: 2 | 3, maxCutoff: number): number {
  return 0.5 * Math.min(...perpendicularWidths(box, dimensions)) - maxCutoff - 1e-9;
}

/** The Verlet list needs every perpendicular box width (periodic axes) above twice the list cutoff. */
function checkBoxWide(box: Box, dimensions: 2 | 3, cutoff: number): void {
  for (const w of perpendicularWidths(box, dimensions)) {
    if (!(w > 2 * cutoff)) {
      throw new RangeError(`Verlet list: the box (perpendicular width ${w}) must be wider than twice the list cutoff ${cutoff}`);
    }
  }
}

/** Perpendicular widths of the periodic axes of a restricted-triclinic cell (Infinity when none is periodic). */
function perpendicularWidths(box: Box, dimensions: 2 | 3): number[] {
  const [a, b, c] = box.vectors;
  const widths: number[] = [Infinity];
  // Perpendicular widths of the restricted-triclinic cell: along a: V / |b x c| etc.; in 2D: area / |b|, area / |a|.
  if (dimensions === 2) {
    const area = Math.abs(a[0] * b[1]);
    if (box.periodic[0]) widths.push(area / Math.hypot(b[0], b[1]));
    if (box.periodic[1]) widths.push(area / Math.abs(a[0]));
  } else {
    const vol = Math.abs(a[0] * b[1] * c[2]);
    const cross = (u: number[], v: number[]): number =>
      Math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
    if (box.periodic[0]) widths.push(vol / cross(b, c));
    if (box.periodic[1]) widths.push(vol / cross(c, a));
    if (box.periodic[2]) widths.push(vol / cross(a, b));
  }
  return widths;
}
