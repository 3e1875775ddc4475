// Unwrapping by continuity: when a file has neither unwrapped coordinates nor image flags, follow each
// particle frame to frame and take the minimum-image step. Pure (no Node imports): runs anywhere.
import type { Box } from '../box.js';

export interface UnwrapStepResult {
  /** Largest step of any particle as a fraction of the box along a periodic axis (fractional coordinates of the step). */
  maxStepFraction: number;
  /** The particle (index in the sorted arrays) that made that step, or -1 when there are none. */
  worstParticle: number;
}

/**
 * One continuity step: out = prevUnwrapped + minimumImage(curWrapped - prevWrapped) under `box`
 * (the current frame's box; LAMMPS restricted triclinic form: a along x, b in the xy plane).
 * Particles are matched by index. All arrays are n*3; `out` may be `prevUnwrapped` itself.
 * A step above a quarter of the box (maxStepFraction > 0.25) means the sampling is too coarse to be sure.
 */
export function unwrapStep(
  box: Box,
  prevWrapped: Float64Array,
  prevUnwrapped: Float64Array,
  curWrapped: Float64Array,
  out: Float64Array,
): UnwrapStepResult {
  const len = curWrapped.length;
  if (prevWrapped.length !== len || prevUnwrapped.length !== len || out.length !== len) {
    throw new RangeError(
      `unwrapStep: arrays of different lengths (previous wrapped ${prevWrapped.length}, previous unwrapped ${prevUnwrapped.length}, ` +
      `current ${len}, out ${out.length}); particles must match one to one`);
  }
  const [a, b, c] = box.vectors;
  const ax = a[0], bx = b[0], by = b[1], cx = c[0], cy = c[1], cz = c[2];
  const px = box.periodic[0] && ax !== 0, py = box.periodic[1] && by !== 0, pz = box.periodic[2] && cz !== 0;
  const iax = ax !== 0 ? 1 / ax : 0, iby = by !== 0 ? 1 / by : 0, icz = cz !== 0 ? 1 / cz : 0;
  let maxFrac = 0;
  let worst = -1;
  for (let i = 0; i < len; i += 3) {
    let dx = curWrapped[i] - prevWrapped[i];
    let dy = curWrapped[i + 1] - prevWrapped[i + 1];
    let dz = curWrapped[i + 2] - prevWrapped[i + 2];
    if (pz) {
      const k = Math.round(dz * icz);
      if (k !== 0) { dx -= k * cx; dy -= k * cy; dz -= k * cz; }
    }
    if (py) {
      const k = Math.round(dy * iby);
      if (k !== 0) { dx -= k * bx; dy -= k * by; }
    }
    if (px) {
      const k = Math.round(dx * iax);
      if (k !== 0) dx -= k * ax;
    }
    out[i] = prevUnwrapped[i] + dx;
    out[i + 1] = prevUnwrapped[i + 1] + dy;
    out[i + 2] = prevUnwrapped[i + 2] + dz;
    // The step in fractional coordinates of the box, on periodic axes.
    const fz = dz * icz;
    const fy = (dy - fz * cy) * iby;
    const fx = (dx - fy * bx - fz * cx) * iax;
    let f = 0;
    if (px) f = Math.abs(fx);
    if (py && Math.abs(fy) > f) f = Math.abs(fy);
    if (pz && Math.abs(fz) > f) f = Math.abs(fz);
    if (f > maxFrac) { maxFrac = f; worst = i / 3; }
  }
  return { maxStepFraction: maxFrac, worstParticle: worst };
}
