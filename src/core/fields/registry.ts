// The one registry of per-particle fields: every entry is the plain description of src/shared/fields.ts (label,
// scalar or vector, sign, reference rule, parameters) plus its computation, which calls the one analysis file. The
// type `{ [K in FieldName]: FieldSpec }` makes a described field without a computation a compile error. Adding a field:
// an analysis file, an entry in FIELDS (shared) and one here, and their tests (docs/architecture.md).
import { existsSync } from 'node:fs';
import { computeStrainFields, strainField, type StrainFieldName } from '../analysis/d2min-strain.js';
import { displacement, inherentStructureDisplacement, mobility } from '../analysis/displacement.js';
import { radialDistribution, secondShellCutoff } from '../analysis/rdf.js';
import { matchById } from '../analysis/reference.js';
import { softness } from '../analysis/softness.js';
import { lowestModeField, softModeParticipation, vibrationalModes } from '../analysis/hessian.js';
import { frameDiameters } from '../io/frame-util.js';
import { potentialByName, type PotentialName } from '../potentials.js';
import type { Frame } from '../io/types.js';
import { FIELDS, FILE_FIELD_PREFIX, FILE_VELOCITY, type FieldInfo, type FieldName, type FileFieldName, type ParamValue } from '#shared/fields.js';
import type { TrajectoryFrames } from './frames.js';
import { frameSoftness, rearrangerParams, rearrangersOfPair } from './softness-support.js';

/** What a computation is given: the trajectory (with its recent frames), the frame pair and the parameters in force. */
export interface FieldComputation {
  source: TrajectoryFrames;
  /** Another trajectory (the paired inherent structures), opened through the same index and kept open like this one. */
  open(path: string): TrajectoryFrames;
  frame: number;
  /** The reference frame by the field's rule (-1 for `none`). */
  ref: number;
  /** Every parameter the field takes: the given value or its default (null: to be worked out from the data). */
  params: Record<string, ParamValue | null>;
  /** Frame `frame`, read once. */
  current: Frame;
}

/** Values per particle in id order (`components` per particle: the dimension for vectors, else 1; NaN = flagged). */
export type FieldValues = Partial<Record<FieldName, Float32Array>>;

export interface FieldComputed {
  /** The field asked for and the others the same computation yields (its family), all cached. */
  values: FieldValues;
  /** The parameters as used, defaults worked out (the cutoff found from g(r), softness limits, ...). */
  used: Record<string, unknown>;
}

export interface FieldSpec extends FieldInfo {
  name: FieldName;
  compute(c: FieldComputation): FieldComputed;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Float32 values with `components` per particle from analysis output with `stride` per particle. */
export function toFloat32(values: Float64Array, components: number, stride: number): Float32Array {
  const n = values.length / stride;
  const out = new Float32Array(n * components);
  for (let i = 0; i < n; i++) for (let c = 0; c < components; c++) out[i * components + c] = values[i * stride + c];
  return out;
}

/** Where the strain family's default neighbourhood of a trajectory is kept in the index (a one-value series). */
const SECOND_SHELL_KEY = { name: '__second_shell', hash: 'histogram-4-frames-v1' } as const;

/**
 * The strain family's default neighbourhood of a trajectory: "up to the second nearest neighbours, calculated from g(r)"
 * (Jha & Sengupta Sec. IV A), the second minimum of g(r) averaged over up to four frames spread over the trajectory, so
 * that every frame pair uses the same neighbourhood. Worked out once and kept in the index.
 */
export function defaultStrainCutoff(source: TrajectoryFrames): number {
  const t = source.t;
  const stored = t.getSeries(SECOND_SHELL_KEY.name, SECOND_SHELL_KEY.hash);
  if (stored && stored.values.length > 0 && stored.values[0] > 0) return stored.values[0];
  const n = t.frameCount;
  const frames = [...new Set([0, Math.floor(n / 3), Math.floor((2 * n) / 3), n - 1])];
  let r: Float64Array | null = null;
  let g: Float64Array | null = null;
  for (const f of frames) {
    const frame = source.read(f);
    const one = radialDistribution(frame.positions, frame.box, { dimensions: frame.dimensions, rMax: 4, dr: 0.01 });
    r ??= one.r;
    g ??= new Float64Array(one.g.length);
    for (let k = 0; k < g.length; k++) g[k] += one.g[k] / frames.length;
  }
  const shell = secondShellCutoff({ r: r!, g: g! });
  if (!shell.found) fail(`${t.path}: cannot find the second neighbour shell in g(r) (averaged over frames ${frames.join(', ')}: ${shell.reason}); pass --cutoff`);
  t.putSeries(SECOND_SHELL_KEY.name, SECOND_SHELL_KEY.hash, { frames, estimator: 'histogram dr = 0.01, rMax = 4' }, Float64Array.of(shell.cutoff), 0);
  return shell.cutoff;
}

/** The paired inherent-structure file by convention: run.gsd -> run.is.gsd. */
export function defaultIsPath(path: string): string {
  const m = /^(.*?)(\.[^./]+)$/.exec(path);
  return m ? `${m[1]}.is${m[2]}` : `${path}.is`;
}

const STRAIN_NAMES = (Object.keys(FIELDS) as FieldName[]).filter((n) => FIELDS[n].family === 'strain');

/** D2min and the strain family from one affine fit per particle (Jha & Sengupta Eqs. 8-9, A10-A27; Zhang et al. Eq. 2). */
function strainFamily(c: FieldComputation): FieldComputed {
  const reference = c.source.read(c.ref);
  const cutoff = (c.params.cutoff as number | null) ?? defaultStrainCutoff(c.source);
  const cur = c.current;
  const match = matchById(reference.ids, cur.ids);
  const r = computeStrainFields({
    reference: reference.positions, current: cur.positions, box: reference.box, currentBox: cur.box,
    dimensions: cur.dimensions, cutoff, refIndex: match.identical ? undefined : match.refIndex,
  });
  const values: FieldValues = {};
  for (const name of STRAIN_NAMES) {
    const components = FIELDS[name].vector ? cur.dimensions : 1;
    values[name] = toFloat32(strainField(r, name as StrainFieldName), components, components);
  }
  return { values, used: { cutoff } };
}

function displacementField(c: FieldComputation): FieldComputed {
  const a = c.source.read(c.ref, { unwrapped: true });
  const b = c.source.read(c.frame, { unwrapped: true });
  const r = displacement({ currentIds: b.ids, current: b.unwrapped!, dimensions: b.dimensions, reference: a.unwrapped!, referenceIds: a.ids });
  return { values: { displacement: toFloat32(r.vectors, b.dimensions, 3) }, used: {} };
}

function mobilityField(c: FieldComputation): FieldComputed {
  const a = c.source.read(c.ref, { unwrapped: true });
  const b = c.source.read(c.frame, { unwrapped: true });
  const r = mobility({ currentIds: b.ids, current: b.unwrapped!, dimensions: b.dimensions, previous: a.unwrapped!, previousIds: a.ids });
  return { values: { mobility: toFloat32(r.magnitude, 1, 1) }, used: {} };
}

function softnessField(c: FieldComputation): FieldComputed {
  const f = c.current;
  const p = c.params;
  const r = softness(f.positions, f.box, {
    dimensions: f.dimensions, delta: (p.delta as number | null) ?? undefined, rmin: (p.rmin as number | null) ?? undefined,
    rmax: (p.rmax as number | null) ?? undefined, globalC: false,
  });
  return { values: { softness: toFloat32(r.softness, 1, 1) }, used: { delta: p.delta, rmin: r.rmin, rmax: r.rmax } };
}

function isDisplacementField(c: FieldComputation): FieldComputed {
  const t = c.source.t;
  const isPath = (c.params.is as string | null) ?? defaultIsPath(t.path);
  if (!existsSync(isPath)) fail(`is_displacement needs the paired inherent-structure trajectory: ${isPath} does not exist (pass its path with --is)`);
  const is = c.open(isPath);
  if (is.t.frameCount !== t.frameCount) fail(`${isPath} has ${is.t.frameCount} frames but ${t.path} has ${t.frameCount}: they are not paired frame for frame`);
  const a = is.read(c.ref, { unwrapped: true });
  const b = is.read(c.frame, { unwrapped: true });
  const r = inherentStructureDisplacement({ is0: a.unwrapped!, is0Ids: a.ids, isCurrent: b.unwrapped!, isCurrentIds: b.ids, dimensions: b.dimensions });
  return { values: { is_displacement: toFloat32(r.vectors, b.dimensions, 3) }, used: { is: isPath } };
}

/**
 * The soft-mode family from one Hessian of the frame (meant for inherent structures): participation in the k lowest
 * non-zero modes and the lowest mode itself, scaled by sqrt(N) (analysis/hessian.ts; Jha & Sengupta Eq. 6's modes).
 */
function modesFamily(c: FieldComputation): FieldComputed {
  const f = c.current;
  const potentialName = (c.params.potential as PotentialName | null) ?? 'wca';
  const k = (c.params.modes as number | null) ?? 30;
  const d = frameDiameters(f);
  if (!d) fail(`${c.source.t.path}: frame ${f.index} has no particle diameters (a diameter or radius column), which the Hessian needs`);
  const potential = potentialByName(potentialName);
  const m = vibrationalModes({ positions: f.positions, box: f.box, sizes: potential.sizesFromDiameters(d), potential, dimensions: f.dimensions }, { count: k });
  const dim = f.dimensions;
  const lowest = lowestModeField(m.vectors, f.n, dim);
  const scale = Math.sqrt(f.n);
  for (let i = 0; i < lowest.length; i++) lowest[i] *= scale;
  return {
    values: {
      soft_modes: toFloat32(softModeParticipation(m.vectors, f.n, dim), 1, 1),
      lowest_mode: toFloat32(lowest, dim, dim),
    },
    used: {
      potential: potentialName, modes: m.eigenvalues.length, lambdaSmallest: m.lambdaSmallest, lowestEigenvalue: m.eigenvalues[0] ?? null,
      maxForce: m.maxForce, negativeModes: m.negativeModes,
    },
  };
}

/** Machine-learned softness of the frame from a model (Zhang, Ridout & Liu Sec. II C; analysis/ml-softness.ts). */
function mlSoftnessField(c: FieldComputation): FieldComputed {
  const path = c.params.model as string | null;
  const S = frameSoftness(c.current, path, 'ml_softness', c.source.t.path);
  return { values: { ml_softness: toFloat32(S, 1, 1) }, used: { model: path } };
}

/** Rearrangers since the previous frame: D2min over R_D above d_soft of the species (Zhang, Ridout & Liu Sec. II B). */
function rearrangerField(c: FieldComputation): FieldComputed {
  const p = rearrangerParams(c.params);
  const r = rearrangersOfPair(c.source.read(c.ref), c.current, p);
  return {
    values: { rearranger: r.flags },
    used: { rd: p.rd, d_soft_small: p.dSoftSmall, d_soft_large: p.dSoftLarge, species: r.species.rule, rearrangers: r.count },
  };
}

const COMPUTE: { [K in FieldName]: (c: FieldComputation) => FieldComputed } = {
  displacement: displacementField,
  d2min: strainFamily,
  d2min_sum: strainFamily,
  na: strainFamily,
  e_norm: strainFamily,
  eps_norm: strainFamily,
  eps_vol: strainFamily,
  eps_vol_abs: strainFamily,
  det_h: strainFamily,
  k: strainFamily,
  dev_total: strainFamily,
  eps_xy: strainFamily,
  mobility: mobilityField,
  softness: softnessField,
  is_displacement: isDisplacementField,
  soft_modes: modesFamily,
  lowest_mode: modesFamily,
  ml_softness: mlSoftnessField,
  rearranger: rearrangerField,
};

/** Every field with its computation, by name. */
export const FIELD_REGISTRY = Object.fromEntries(
  (Object.keys(FIELDS) as FieldName[]).map((name) => [name, { ...FIELDS[name], name, compute: COMPUTE[name] }]),
) as unknown as { [K in FieldName]: FieldSpec & { name: K } };

/** A property the file stores, as a field: one column, or the velocity columns as a vector. */
export function fileFieldValues(frame: Frame, name: FileFieldName, path: string): Float32Array {
  const props = frame.properties;
  if (name === FILE_VELOCITY) {
    const { vx, vy, vz } = props;
    if (!vx || !vy) fail(`${path}: frame ${frame.index} stores no velocities (vx, vy) for ${name}`);
    const d = frame.dimensions;
    const out = new Float32Array(frame.n * d);
    for (let i = 0; i < frame.n; i++) {
      out[i * d] = vx[i];
      out[i * d + 1] = vy[i];
      if (d === 3) out[i * d + 2] = vz ? vz[i] : 0;
    }
    return out;
  }
  const column = name.slice(FILE_FIELD_PREFIX.length);
  const v = props[column];
  if (!v) {
    const have = Object.keys(props);
    fail(`${path}: frame ${frame.index} has no per-particle property "${column}"${have.length ? ` (it has ${have.join(', ')})` : ' (it stores none)'}`);
  }
  return Float32Array.from(v);
}
