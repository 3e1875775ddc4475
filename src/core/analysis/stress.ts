// Finite-temperature virial stress of a pair-potential system (Jha & Sengupta Eqs. 3-5), global and per particle.
// sigma_ab = rho T delta_ab + (1/A) sum_{i<j} r_ij,a f_ij,b   (Eq. 3; pressure-like: repulsion gives a POSITIVE value)
//
// Sign convention and pair-sum factor (oracle README, section D):
//  - r_ij = mic(r_i - r_j), f_ij = -u'(r) r_ij/r is the force on i due to j, so r_ij,a f_ij,b = -u'(r) r_a r_b / r, which
//    is >= 0 on the diagonal for repulsion (u' < 0). The mechanical (Cauchy) stress is -sigma. k_B = 1.
//  - The paper prints -(1/2A) sum_{i<j} u' r_a r_b / r. The 1/2 belongs to a sum over ORDERED pairs i != j; with i < j
//    as printed it halves the interaction term. We follow the oracle: each unordered pair is counted ONCE with 1/A
//    (the standard Irving-Kirkwood / LAMMPS pressure). The literal reading is exactly 2x smaller in the virial part.
// Per particle: sigma_i = rho T delta + (1/a_i)(1/2) sum_{j != i} r_ij,a f_ij,b with a_i = 1/rho, so mean_i sigma_i = sigma.
// vol = (xx + yy)/2 (Eq. 4), norm = sqrt(xx^2 + yy^2 + 2 xy^2) (Eq. 5, sigma symmetric). 2D only (dimensions 2).
import { boxVolume, type Box } from '../box.js';
import type { NeighborList } from '../neighbors.js';
import { resolvePairList, type PairPotential } from '../potentials.js';

export interface VirialStressParams {
  /** Positions n*3 (x, y, z interleaved; z ignored), any wrapping: separations use the minimum image. */
  positions: Float64Array;
  box: Box;
  /** Per-particle sizes in the potential's convention (WCA diameters, Hertz radii). */
  sizes: ArrayLike<number>;
  potential: PairPotential;
  /** Temperature (k_B = 1) of the ideal-gas term rho T delta_ab; 0 for inherent structures. */
  temperature: number;
  /** Compute the per-particle stresses (default true). */
  perParticle?: boolean;
  /** A half neighbour list with vectors of these positions, cutoff >= potential.maxCutoff(sizes) (built when absent). */
  neighbors?: NeighborList;
}

export interface StressValues {
  readonly xx: number;
  readonly yy: number;
  readonly xy: number;
  /** (xx + yy)/2, Eq. 4. */
  readonly vol: number;
  /** sqrt(xx^2 + yy^2 + 2 xy^2), Eq. 5. */
  readonly norm: number;
}

export interface PerParticleStress {
  readonly xx: Float64Array;
  readonly yy: Float64Array;
  readonly xy: Float64Array;
  readonly vol: Float64Array;
  readonly norm: Float64Array;
}

export interface VirialStressResult {
  /** The global stress (pressure-like sign). */
  readonly global: StressValues;
  /** Per-particle stresses (null when perParticle was false); their mean equals `global`. */
  readonly perParticle: PerParticleStress | null;
  /** The pair virial W_ab = sum_{i<j} r_ij,a f_ij,b (xx, yy, xy; symmetric). */
  readonly virial: { readonly xx: number; readonly yy: number; readonly xy: number };
  readonly rho: number;
  readonly area: number;
  readonly temperature: number;
  /** Number of interacting pairs (u != 0 range, r < pair cutoff). */
  readonly interactingPairs: number;
}

function values(xx: number, yy: number, xy: number): StressValues {
  return { xx, yy, xy, vol: 0.5 * (xx + yy), norm: Math.sqrt(xx * xx + yy * yy + 2 * xy * xy) };
}

/** The virial stress tensor of one configuration (Eqs. 3-5) with the oracle's pair-sum factor (see the header). */
export function virialStress(params: VirialStressParams): VirialStressResult {
  const { positions, box, sizes, potential, temperature } = params;
  if (!Number.isFinite(temperature)) throw new RangeError(`virialStress: temperature ${temperature} is not finite`);
  const nl = resolvePairList(positions, box, sizes, potential, { dimensions: 2, neighbors: params.neighbors });
  const n = nl.n;
  const area = boxVolume(box, 2);
  if (!(area > 0)) throw new RangeError(`virialStress: box area ${area} is not positive`);
  const rho = n / area;
  const wantPer = params.perParticle !== false;
  const pxx = wantPer ? new Float64Array(n) : null;
  const pyy = wantPer ? new Float64Array(n) : null;
  const pxy = wantPer ? new Float64Array(n) : null;
  const { start, indices } = nl;
  const vec = nl.vectors as Float64Array;
  const tmp = new Float64Array(3);
  let wxx = 0, wyy = 0, wxy = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    const si = sizes[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = indices[k];
      const dx = vec[3 * k], dy = vec[3 * k + 1];
      if (!potential.pair(si, sizes[j], dx * dx + dy * dy, tmp)) continue;
      pairs++;
      // r_ij,a f_ij,b = -(u'/r) r_a r_b (the sign of d = r_j - r_i cancels in the product).
      const g = -tmp[1];
      const cxx = g * dx * dx, cyy = g * dy * dy, cxy = g * dx * dy;
      wxx += cxx; wyy += cyy; wxy += cxy;
      if (pxx && pyy && pxy) {
        pxx[i] += cxx; pyy[i] += cyy; pxy[i] += cxy;
        pxx[j] += cxx; pyy[j] += cyy; pxy[j] += cxy;
      }
    }
  }
  const kin = rho * temperature;
  let perParticle: PerParticleStress | null = null;
  if (pxx && pyy && pxy) {
    // (1/a_i)(1/2) sum_j = (rho/2) * (sum of the pair terms touching i).
    const vol = new Float64Array(n), norm = new Float64Array(n);
    const h = 0.5 * rho;
    for (let i = 0; i < n; i++) {
      const xx = kin + h * pxx[i], yy = kin + h * pyy[i], xy = h * pxy[i];
      pxx[i] = xx; pyy[i] = yy; pxy[i] = xy;
      vol[i] = 0.5 * (xx + yy);
      norm[i] = Math.sqrt(xx * xx + yy * yy + 2 * xy * xy);
    }
    perParticle = { xx: pxx, yy: pyy, xy: pxy, vol, norm };
  }
  return {
    global: values(kin + wxx / area, kin + wyy / area, wxy / area),
    perParticle,
    virial: { xx: wxx, yy: wyy, xy: wxy },
    rho,
    area,
    temperature,
    interactingPairs: pairs,
  };
}
