// Self-intermediate scattering function F_s(q, t) = (1/N) sum_j exp(i q . [r_j(t) - r_j(0)]), averaged over the directions
// of q: (1/N) sum_j J0(q |dr_j|) in 2D, (1/N) sum_j sin(q |dr_j|) / (q |dr_j|) in 3D (Jha & Sengupta Sec. II: tau_alpha by F_s = 1/e).
// Positions must be unwrapped (no minimum image); particles are matched by index, or through `refIndex` (reference.ts matchById).
// Pure: no Node module.

/**
 * Bessel function J0 (Abramowitz & Stegun 9.4.1 for |x| <= 3, absolute error < 5e-8; 9.4.3 beyond, < 1.6e-8 in the
 * modulus and 7e-8 in the phase).
 */
export function besselJ0(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 3) {
    const y = (ax / 3) * (ax / 3);
    return 1 + y * (-2.2499997 + y * (1.2656208 + y * (-0.3163866 + y * (0.0444479 + y * (-0.0039444 + y * 0.00021)))));
  }
  const y = 3 / ax;
  const f0 = 0.79788456 + y * (-0.00000077 + y * (-0.0055274 + y * (-0.00009512 + y * (0.00137237 + y * (-0.00072805 + y * 0.00014476)))));
  const theta = ax - 0.78539816 + y * (-0.04166397 + y * (-0.00003954 + y * (0.00262573 + y * (-0.00054125 + y * (-0.00029333 + y * 0.00013558)))));
  return (f0 * Math.cos(theta)) / Math.sqrt(ax);
}

export interface SelfIntermediateParams {
  /** Unwrapped reference positions (n_ref * 3, interleaved). */
  reference: Float64Array;
  /** Unwrapped current positions (n * 3). */
  current: Float64Array;
  /** Wave number |q| (e.g. 2 pi / sigma, near the first peak of S(q)). */
  q: number;
  /** 2 (z ignored, the J0 average over in-plane directions) or 3 (the sinc average over the sphere). */
  dimensions: 2 | 3;
  /** For each current particle, its index in the reference (-1: absent, left out); default: the same index. */
  refIndex?: Int32Array;
}

export interface SelfIntermediateResult {
  /** F_s(q) of the pair; NaN when no particle is matched. */
  value: number;
  /** Particles in the average. */
  count: number;
}

/** F_s(q) between a reference and a current configuration (one time origin, one lag). */
export function selfIntermediateScattering(p: SelfIntermediateParams): SelfIntermediateResult {
  const n = p.current.length / 3;
  if (!p.refIndex && p.reference.length !== p.current.length) {
    throw new RangeError(`selfIntermediateScattering: ${p.reference.length / 3} reference and ${n} current particles; pass refIndex`);
  }
  if (!(p.q > 0 && Number.isFinite(p.q))) throw new RangeError('selfIntermediateScattering: q must be a positive number');
  const { reference: r0, current: r1, q, refIndex } = p;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const j = refIndex ? refIndex[i]! : i;
    if (j < 0) continue;
    const dx = r1[3 * i]! - r0[3 * j]!;
    const dy = r1[3 * i + 1]! - r0[3 * j + 1]!;
    if (p.dimensions === 2) {
      sum += besselJ0(q * Math.sqrt(dx * dx + dy * dy));
    } else {
      const dz = r1[3 * i + 2]! - r0[3 * j + 2]!;
      const x = q * Math.sqrt(dx * dx + dy * dy + dz * dz);
      sum += x < 1e-4 ? 1 - (x * x) / 6 : Math.sin(x) / x;
    }
    count++;
  }
  return { value: count > 0 ? sum / count : NaN, count };
}

/**
 * The time origin paired with each frame for F_s: on a log-block schedule with block origins (frame k*nPerBlock at
 * S = k*B), frame f is measured from its block's origin (lags 2^j, averaged over the blocks) and a block origin from
 * frame 0 (lags k*B); on other schedules every frame from frame 0. Returns the reference frame of every frame.
 */
export function timeOrigins(frames: number, blockLength: number | null): Int32Array {
  const ref = new Int32Array(frames);
  for (let f = 0; f < frames; f++) {
    if (blockLength !== null && blockLength > 1) {
      const k = f % blockLength;
      ref[f] = k === 0 ? 0 : f - k;
    } else {
      ref[f] = 0;
    }
  }
  return ref;
}
