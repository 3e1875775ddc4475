// Inherent structures for the series and commands that are measured on them (beta_1 here; lambda_min of the Hessian,
// Eq. 6, next): which trajectory holds a run's inherent structures, and whether a frame is a minimum at all.
//
// Jha & Sengupta compute the vibrational and topological tracks on "the corresponding inherent structure (IS)
// trajectory" (Fig. 1 caption, panels e-f; S4-S5). The rule, in this order:
//  1. the `is` parameter when given (relative paths are taken from the trajectory's folder); the trajectory's own path
//     means "use these frames as they are" (a trajectory the user minimised elsewhere, or the MD frames on purpose);
//  2. the trajectory itself when it holds inherent structures: named FILE.is.EXT (what `avw simulate --is` writes and
//     what the registry pairs by convention), or written by `avw minimize` (its sidecar OUT.json says so);
//  3. else the paired FILE.is.EXT beside it (defaultIsPath), which must exist and have as many frames.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { frameDiameters } from '../io/frame-util.js';
import type { Frame } from '../io/types.js';
import { forces, potentialByName, type PotentialName } from '../potentials.js';
import { defaultIsPath } from './registry.js';
import type { TrajectoryFrames } from './frames.js';

/** The sidecar format `avw minimize` writes beside its output (src/core/jobs/minimize-job.ts). */
const MINIMIZE_SIDECAR_FORMAT = 'avalanche-workbench/inherent-structures';

function fail(message: string): never {
  throw new Error(message);
}

/** Whether a trajectory file holds inherent structures by its name (FILE.is.EXT) or its `avw minimize` sidecar. */
export function isInherentStructureFile(path: string): boolean {
  if (/\.is\.[^/\\]+$/.test(basename(path))) return true;
  const sidecar = `${path}.json`;
  try {
    if (!existsSync(sidecar) || statSync(sidecar).size > 1 << 20) return false;
    const j = JSON.parse(readFileSync(sidecar, 'utf8')) as { format?: unknown };
    return j.format === MINIMIZE_SIDECAR_FORMAT;
  } catch {
    return false;
  }
}

export interface InherentSource {
  /** Absolute path of the trajectory whose frames are used. */
  path: string;
  /** Why: given as `is`, the trajectory itself (an IS file), or the paired FILE.is.EXT. */
  rule: 'given' | 'self' | 'paired';
}

/** Which trajectory holds the inherent structures of `trajectoryPath` (rules above); `given` is the `is` parameter. */
export function inherentSourceOf(trajectoryPath: string, given: string | null | undefined): InherentSource {
  if (given) return { path: resolve(dirname(trajectoryPath), given), rule: 'given' };
  if (isInherentStructureFile(trajectoryPath)) return { path: trajectoryPath, rule: 'self' };
  return { path: defaultIsPath(trajectoryPath), rule: 'paired' };
}

/**
 * The inherent structures of `source` as an open trajectory, checked: the paired file exists and has a frame for every
 * frame of the trajectory. `what` names the measurement in messages (e.g. "betti1").
 */
export function inherentFrames(
  source: TrajectoryFrames, given: string | null | undefined, what: string, open: ((path: string) => TrajectoryFrames) | undefined,
): TrajectoryFrames {
  const t = source.t;
  const s = inherentSourceOf(t.path, given);
  if (s.path === t.path) return source;
  if (!existsSync(s.path)) {
    if (s.rule === 'given') fail(`${what}: the inherent-structure trajectory ${s.path} (--is) does not exist`);
    fail(`${what} is measured on inherent structures (Jha & Sengupta Fig. 1e-f), and ${t.path} is not one: its paired ${s.path} does not exist. ` +
      `Make it with "avw minimize ${t.path} --out ${s.path}", give another with --is FILE, or --is ${t.path} to use these frames as they are`);
  }
  if (!open) fail(`${what}: cannot open ${s.path} here (no trajectory set given; a caller bug)`);
  const is = open(s.path);
  if (is.t.frameCount !== t.frameCount) {
    fail(`${what}: ${s.path} has ${is.t.frameCount} frames but ${t.path} has ${t.frameCount}: they are not paired frame for frame`);
  }
  return is;
}

/** max|F| below which a frame counts as a minimum: float32 files (most dumps) store minima to about this. */
export const MINIMUM_FORCE_TOLERANCE = 1e-3;

export interface MinimumCheck {
  potential: PotentialName;
  /** Largest force magnitude on a particle, in the potential's units (epsilon / sigma). */
  maxForce: number;
  tolerance: number;
  minimum: boolean;
}

/**
 * Whether the positions of a frame are a minimum of the potential energy: max|F| over the particles (the force of
 * the pair potential, diameters from the file), or null when the file stores no diameters.
 */
export function checkMinimum(frame: Frame, potential: PotentialName, tolerance = MINIMUM_FORCE_TOLERANCE): MinimumCheck | null {
  const d = frameDiameters(frame);
  if (!d) return null;
  const p = potentialByName(potential);
  const f = new Float64Array(frame.positions.length);
  forces(frame.positions, frame.box, p.sizesFromDiameters(d), p, f, frame.dimensions);
  let max2 = 0;
  for (let i = 0; i < frame.n; i++) {
    const fx = f[3 * i], fy = f[3 * i + 1], fz = frame.dimensions === 3 ? f[3 * i + 2] : 0;
    const m2 = fx * fx + fy * fy + fz * fz;
    if (m2 > max2) max2 = m2;
  }
  const maxForce = Math.sqrt(max2);
  return { potential, maxForce, tolerance, minimum: maxForce <= tolerance };
}

/**
 * The warning for a frame that is not (or cannot be shown to be) a minimum (`c`: its checkMinimum), or null when it is
 * one; it names the file and frame, max|F|, and where the inherent structures are (the paired file when it exists).
 */
export function notMinimumWarning(file: string, frame: Frame, c: MinimumCheck | null, what: string): string | null {
  if (!c) return `${file}: frame ${frame.index} stores no diameters, so whether it is an inherent structure cannot be checked (${what} is meant for minima)`;
  if (c.minimum) return null;
  const paired = defaultIsPath(file);
  const hint = !isInherentStructureFile(file) && existsSync(paired) ? `; its inherent structures are in ${paired}` : '; avw minimize makes the inherent structures';
  return `${file}: frame ${frame.index} is not an inherent structure: max|F| = ${c.maxForce.toPrecision(3)} under the ${c.potential.toUpperCase()} potential ` +
    `(a minimum has max|F| <= ${c.tolerance}${c.potential === 'wca' ? '; --potential hertz for Hertzian disks' : ''})${hint}`;
}
