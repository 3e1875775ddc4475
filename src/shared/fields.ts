// The one list of per-particle fields and per-frame series, as plain data: names, typeset labels, what a value is
// (scalar or vector, signed around a neutral value), how the reference frame is chosen, and the parameters with their
// defaults and allowed ranges. The engine's registry (src/core/fields/registry.ts) adds a compute function to every
// entry and is typed `Record<FieldName, ...>` over this object, so a field described here without a computation (or
// the other way round) does not compile. The renderer, the CLI help, the API validation, the colour maps and the
// figures all read this file; nothing else lists fields.

/**
 * How a field's reference frame is chosen.
 * - `pair`: a (reference, current) frame pair; the reference defaults to the previous frame (Jha & Sengupta Eq. 7:
 *   X(t) and x(t + dt) of two successive frames) and may be any frame.
 * - `previous`: always the previous frame (mobility, Eqs. 10-11: the reference is updated every frame).
 * - `first`: always frame 0 (displacement between inherent structures from IS(0), Eq. 12).
 * - `none`: one frame alone (structure, or a value the file stores).
 */
export type ReferenceRule = 'pair' | 'previous' | 'first' | 'none';

/** A parameter of a field or series: its type, allowed range and default (null: worked out from the data). */
export type ParamInfo =
  | { type: 'number' | 'int'; min: number; max: number; minExclusive?: boolean; default: number | null; defaultText?: string; help: string }
  | { type: 'enum'; values: readonly string[]; default: string | null; defaultText?: string; help: string }
  | { type: 'boolean'; default: boolean; help: string }
  | { type: 'path'; default: null; defaultText: string; help: string };

// Parameters shared by fields and series: the machine-learned softness model and the rearranger test of Zhang,
// Ridout & Liu (Sec. II B: D2min over R_D = 2 above d_soft, 0.0025 for small and 0.0015 for large particles).
const MODEL_PARAM = {
  type: 'path', default: null, defaultText: 'none: a model made by avw softness train', help: 'softness model (JSON, avw softness train)',
} as const satisfies ParamInfo;
const REARRANGER_PARAMS = {
  rd: { type: 'number', min: 0, minExclusive: true, max: 1e4, default: 2, help: 'D2min neighbourhood R_D of the rearranger test' },
  d_soft_small: { type: 'number', min: 0, minExclusive: true, max: 1e4, default: 0.0025, help: 'D2min threshold d_soft of the small particles' },
  d_soft_large: { type: 'number', min: 0, minExclusive: true, max: 1e4, default: 0.0015, help: 'D2min threshold d_soft of the large particles' },
} as const satisfies Record<string, ParamInfo>;

/** Field parameters by name; a field lists the ones it takes. The CLI option is `--NAME`, the API key `params.NAME`. */
export const FIELD_PARAMS = {
  cutoff: {
    type: 'number', min: 0, minExclusive: true, max: 1e4, default: null, defaultText: "the second neighbour shell of the trajectory's g(r)",
    help: 'neighbourhood radius of the affine fit',
  },
  delta: { type: 'number', min: 0, minExclusive: true, max: 10, default: 0.02, help: 'Gaussian width of the per-particle g_i(r)' },
  rmin: { type: 'number', min: 0, max: 1e4, default: null, defaultText: 'where g(r) first becomes nonzero', help: 'lower limit of the softness integral' },
  rmax: { type: 'number', min: 0, minExclusive: true, max: 1e4, default: null, defaultText: 'where g(r) falls to 1 after its first peak', help: 'upper limit of the softness integral' },
  is: { type: 'path', default: null, defaultText: 'FILE.is.EXT beside the trajectory', help: 'the paired inherent-structure trajectory' },
  potential: { type: 'enum', values: ['wca', 'hertz'], default: 'wca', help: 'pair potential of the Hessian (diameters from the file)' },
  modes: { type: 'int', min: 1, max: 1000, default: 30, help: 'number k of lowest non-zero Hessian modes' },
  model: MODEL_PARAM,
  ...REARRANGER_PARAMS,
} as const satisfies Record<string, ParamInfo>;
export type FieldParamName = keyof typeof FIELD_PARAMS;

/** What a field is, for every part of the tool that shows, validates or explains it. */
export interface FieldInfo {
  /** Plain-text name for menus. */
  title: string;
  /** Typeset label (the markup of core/figures/text.ts: \it{}, \bf{}, _{}, ^{}) for colour bars and axes. */
  label: string;
  /** One vector per particle (the frame's dimensions), shown by its magnitude and as arrows; else one scalar. */
  vector: boolean;
  /** Values carry a sign around `neutral` (shown with the diverging map centred there); else a magnitude. */
  signed: boolean;
  neutral: number;
  reference: ReferenceRule;
  params: readonly FieldParamName[];
  /** Fields computed together by one computation (the strain family comes from one fit, the modes from one Hessian) and cached together. */
  family: 'strain' | 'modes' | null;
  /** What it is, with the paper's equation, for help texts and the README. */
  description: string;
}

const STRAIN = { vector: false, signed: false, neutral: 0, reference: 'pair', params: ['cutoff'], family: 'strain' } as const;
const MODES = { signed: false, neutral: 0, reference: 'none', params: ['potential', 'modes'], family: 'modes' } as const;

/** Every per-particle field, in the order the Field box lists them. */
export const FIELDS = {
  displacement: {
    title: 'Displacement', label: '|Δ\\bf{r}|', vector: true, signed: false, neutral: 0, reference: 'pair', params: [], family: null,
    description: 'displacement from the reference frame (unwrapped positions)',
  },
  d2min: { ...STRAIN, title: 'D2min', label: '\\it{D}^{2}_{min}', description: 'non-affine displacement D2min of the best affine fit H = A B^-1 over the neighbours, normalised by their number (Jha & Sengupta Eq. 9)' },
  d2min_sum: { ...STRAIN, title: 'D2min (sum)', label: '\\it{D}^{2}_{min} (sum)', description: 'D2min summed over the neighbours, not normalised (Falk & Langer; OVITO)' },
  na: { ...STRAIN, vector: true, title: 'Non-affine displacement', label: '|\\it{d}_{NA}|', description: 'non-affine displacement vector (Eq. 8)' },
  e_norm: { ...STRAIN, title: 'Deviatoric strain |e|', label: '‖\\bf{e}‖', description: 'norm of the deviatoric strain (Eqs. A10-A20)' },
  eps_norm: { ...STRAIN, title: 'Strain |eps|', label: '‖\\it{ε}‖', description: 'norm of the strain tensor (Eqs. A10-A20)' },
  eps_vol: { ...STRAIN, signed: true, title: 'Volumetric strain', label: '\\it{ε}_{vol}', description: 'volumetric strain tr(eps)/2, signed (Eq. A27)' },
  eps_vol_abs: { ...STRAIN, title: '|Volumetric strain|', label: '|\\it{ε}_{vol}|', description: 'magnitude of the volumetric strain' },
  det_h: { ...STRAIN, signed: true, neutral: 1, title: 'det H', label: 'det \\bf{H}', description: 'determinant of the deformation gradient H (1: area kept)' },
  k: { ...STRAIN, signed: true, title: 'k (Zhang)', label: '\\it{k}', description: 'volumetric strain k = (tr J - 2)/2 of Zhang, Ridout & Liu (Eq. 2)' },
  dev_total: { ...STRAIN, title: 'Deviatoric (Zhang)', label: '\\it{ε}_{dev}', description: 'total deviatoric strain |l1 - l2| of Zhang, Ridout & Liu (Eq. 2)' },
  eps_xy: { ...STRAIN, signed: true, title: 'Shear strain eps_xy', label: '\\it{ε}_{xy}', description: 'shear strain (J01 + J10)/2 of Zhang, Ridout & Liu (Eq. 2)' },
  mobility: {
    title: 'Mobility', label: '\\it{μ}', vector: false, signed: false, neutral: 0, reference: 'previous', params: [], family: null,
    description: 'mobility: displacement since the previous frame, the reference updated every frame (Eqs. 10-11)',
  },
  softness: {
    title: 'Softness (caging)', label: '\\it{S}', vector: false, signed: true, neutral: 0, reference: 'none', params: ['delta', 'rmin', 'rmax'], family: null,
    description: 'S = 1/|beta phi| from the per-particle g_i(r) (Eq. 15, Appendix C)',
  },
  is_displacement: {
    title: 'IS displacement', label: '|Δ\\bf{r}_{IS}|', vector: true, signed: false, neutral: 0, reference: 'first', params: ['is'], family: null,
    description: 'displacement between inherent structures from IS(0) (Eq. 12; needs the paired *.is trajectory)',
  },
  soft_modes: {
    ...MODES, vector: false, title: 'Soft-mode participation', label: '\\it{p}_{soft}',
    description: 'participation in the k lowest non-zero Hessian modes, p_i = (N/k) sum_l |e_l,i|^2 (mean 1; meant for inherent structures)',
  },
  lowest_mode: {
    ...MODES, vector: true, title: 'Lowest mode', label: '|\\bf{e}_{1}|',
    description: 'the lowest non-zero Hessian mode per particle, scaled by sqrt(N) (mean |e_i|^2 = 1; sign: largest component positive)',
  },
  ml_softness: {
    title: 'Softness (machine-learned)', label: '\\it{S}_{ML}', vector: false, signed: true, neutral: 0, reference: 'none', params: ['model'], family: null,
    description: 'machine-learned softness: the mean over the hyperplanes of a model of w.(G - mu)/sd + b, G the radial structure functions (Zhang, Ridout & Liu Eq. 3, Sec. II C)',
  },
  rearranger: {
    title: 'Rearranger', label: '\\it{R}', vector: false, signed: false, neutral: 0, reference: 'previous', params: ['rd', 'd_soft_small', 'd_soft_large'], family: null,
    description: '1 when D2min since the previous frame (neighbours within R_D) exceeds d_soft of the particle\'s species, else 0 (Zhang, Ridout & Liu Sec. II B)',
  },
} as const satisfies Record<string, FieldInfo>;

export type FieldName = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];
/** The fields with a vector per particle (shown as arrows, coloured by their magnitude). */
export const VECTOR_FIELD_NAMES = FIELD_NAMES.filter((n) => FIELDS[n].vector);

/** Prefix of the fields a trajectory file carries itself (LAMMPS c_*, v_*, f_*, charge, velocities; GSD arrays; XYZ Properties). */
export const FILE_FIELD_PREFIX = 'file:';
/** A per-particle property stored in the file: `file:` + its column name, or `file:velocity` (vx, vy[, vz]) as a vector. */
export type FileFieldName = `file:${string}`;
/** Any field a request may name. */
export type AnyFieldName = FieldName | FileFieldName;
/** The vector field made of the velocity columns. */
export const FILE_VELOCITY = 'file:velocity';
/** Property names: letters, digits and _ . [ ] / - (LAMMPS c_ID[2], XYZ name[0], GSD log/particles/NAME); at most 128 characters. */
const FILE_PROPERTY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.[\]/-]{0,127}$/;

export function isFieldName(name: unknown): name is FieldName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(FIELDS, name);
}

export function isFileFieldName(name: unknown): name is FileFieldName {
  return typeof name === 'string' && name.startsWith(FILE_FIELD_PREFIX) && FILE_PROPERTY_PATTERN.test(name.slice(FILE_FIELD_PREFIX.length));
}

/** The description of any field: the registry's, or one made for a property of the file. */
export function fieldInfo(name: AnyFieldName): FieldInfo {
  if (isFieldName(name)) return FIELDS[name];
  const property = name.slice(FILE_FIELD_PREFIX.length);
  const vector = name === FILE_VELOCITY;
  return {
    title: `${property} (from the file)`,
    label: vector ? '|\\bf{v}|' : property.replace(/[_^\\{}]/g, (c) => `\\${c}`),
    vector, signed: false, neutral: 0, reference: 'none', params: [], family: null,
    description: vector ? 'the velocity the file stores (vx, vy[, vz])' : `the per-particle property "${property}" the file stores`,
  };
}

/** The field names a frame's stored properties offer (`file:NAME` per column, and `file:velocity` when vx and vy exist). */
export function fileFieldNames(properties: readonly string[]): FileFieldName[] {
  const out: FileFieldName[] = [];
  const has = new Set(properties);
  if (has.has('vx') && has.has('vy')) out.push(FILE_VELOCITY);
  for (const p of properties) if (FILE_PROPERTY_PATTERN.test(p)) out.push(`${FILE_FIELD_PREFIX}${p}`);
  return out;
}

// ---- per-frame series ----

export const SERIES_PARAMS = {
  reference: { type: 'int', min: 0, max: 2 ** 31 - 1, default: 0, help: 'reference frame of the MSD' },
  potential: { type: 'enum', values: ['wca', 'hertz'], default: null, defaultText: 'none: say which the system has', help: 'pair potential of the system' },
  temperature: {
    type: 'number', min: 0, max: 1e6, default: null, defaultText: "each frame's kinetic temperature from its velocities",
    help: 'temperature of the ideal-gas term of the stress',
  },
  count: { type: 'int', min: 1, max: 1000, default: 30, help: 'number m of smallest positive Hessian eigenvalues averaged (Eq. 6)' },
  alpha: {
    type: 'number', min: 0, minExclusive: true, max: 1e4, default: 8.19,
    help: "filtration threshold of the Vietoris-Rips complex (Jha & Sengupta App. B: (sigma_max1 + sigma_max2) * 3.0 = 8.19, the paper's)",
  },
  periodic: { type: 'boolean', default: false, help: "minimum-image distances in the box (default: plain distances between wrapped coordinates, as the paper)" },
  is: {
    type: 'path', default: null, defaultText: 'the trajectory itself if it holds inherent structures (FILE.is.EXT, or written by avw minimize), else FILE.is.EXT beside it',
    help: 'the inherent-structure trajectory the series is measured on (the trajectory\'s own path: its frames as they are)',
  },
  model: MODEL_PARAM,
  ...REARRANGER_PARAMS,
} as const satisfies Record<string, ParamInfo>;
export type SeriesParamName = keyof typeof SERIES_PARAMS;

/**
 * Which frames a series is measured on.
 * - `trajectory`: the trajectory's own frames.
 * - `inherent`: inherent structures (Jha & Sengupta Fig. 1e-f, S4-S5): the trajectory itself when it holds them, else
 *   its paired FILE.is.EXT (or the file given as `is`), frame for frame; the values are stored with that trajectory, so
 *   the MD run and its inherent structures share them.
 */
export type SeriesFrames = 'trajectory' | 'inherent';

export interface SeriesInfo {
  title: string;
  label: string;
  params: readonly SeriesParamName[];
  /** Parameters that must be given (no default can be worked out). */
  required: readonly SeriesParamName[];
  /** Series computed together in one pass over the frames (the stress components, the readings of beta_1) and stored together. */
  family: 'stress' | 'betti' | null;
  frames: SeriesFrames;
  description: string;
}

const STRESS = { params: ['potential', 'temperature'], required: ['potential'], family: 'stress', frames: 'trajectory' } as const;
/** The three readings of one persistent-homology computation per frame (src/core/analysis/betti.ts). */
const BETTI = { params: ['alpha', 'periodic', 'is'], required: [], family: 'betti', frames: 'inherent' } as const;

/** Every per-frame series, in the order the timeline lists them. */
export const SERIES = {
  msd: {
    title: 'MSD', label: 'MSD', params: ['reference'], required: [], family: null, frames: 'trajectory',
    description: 'mean-square displacement from the reference frame of unwrapped positions',
  },
  msd_com: {
    title: 'MSD (COM removed)', label: 'MSD (centre of mass removed)', params: ['reference'], required: [], family: null, frames: 'trajectory',
    description: 'MSD with the centre-of-mass drift removed',
  },
  energy: {
    title: 'Energy per particle', label: '\\it{U}/\\it{N}', params: ['potential'], required: ['potential'], family: null, frames: 'trajectory',
    description: 'potential energy per particle (diameters from the file)',
  },
  stress_xx: { ...STRESS, title: 'Stress xx', label: '\\it{σ}_{xx}', description: 'virial stress xx (Jha & Sengupta Eqs. 3-5; pressure-like sign, repulsion positive)' },
  stress_yy: { ...STRESS, title: 'Stress yy', label: '\\it{σ}_{yy}', description: 'virial stress yy' },
  stress_xy: { ...STRESS, title: 'Stress xy', label: '\\it{σ}_{xy}', description: 'virial stress xy' },
  stress_vol: { ...STRESS, title: 'Stress (volumetric)', label: '\\it{σ}_{vol}', description: 'volumetric stress (xx + yy)/2' },
  stress_norm: { ...STRESS, title: 'Stress norm', label: '‖\\it{σ}‖', description: 'stress norm sqrt(xx^2 + yy^2 + 2 xy^2)' },
  is_step_msd: {
    title: 'IS MSD step', label: 'MSD_{IS}(\\it{f}-1, \\it{f})', params: ['is'], required: [], family: null, frames: 'inherent',
    description: 'MSD between the inherent structures of consecutive frames, (1/N) sum_i |IS_i(f) - IS_i(f-1)|^2 (0 at frame 0): the step of the IS MSD '
      + '(Jha & Sengupta Eq. 12) at each frame, the MSD jump of Fig. 1a without the vibrations; what avw detect scores when the inherent structures exist',
  },
  lambda_min: {
    title: 'λ smallest (Hessian)', label: '\\it{λ}_{smallest}', params: ['potential', 'count', 'is'], required: ['potential'], family: null, frames: 'inherent',
    description: 'mean of the m smallest positive Hessian eigenvalues of each inherent structure (Jha & Sengupta Eq. 6, Fig. 1e)',
  },
  betti1: {
    ...BETTI, title: 'Betti number β1', label: '\\it{β}_{1}',
    description: "Betti number beta_1 of the inherent structure (Jha & Sengupta App. B, Figs. 1f, S5): persistent H1 classes of the Vietoris-Rips filtration born at <= alpha, each counted once (the paper's count)",
  },
  betti1_alive: {
    ...BETTI, title: 'β1 alive at alpha', label: '\\it{β}_{1}(\\it{α})',
    description: 'H1 classes alive at alpha: beta_1 of the Vietoris-Rips complex VR_alpha itself',
  },
  betti1_cycles: {
    ...BETTI, title: 'Cycle-closing edges', label: '\\it{E} − \\it{V} + \\it{β}_{0}',
    description: 'edges of VR_alpha that close a cycle, E - V + beta_0 (zero-length H1 pairs included)',
  },
  ml_softness_mean: {
    title: 'Mean softness (machine-learned)', label: '⟨\\it{S}_{ML}⟩', params: ['model'], required: ['model'], family: null, frames: 'trajectory',
    description: 'mean machine-learned softness of each frame (Zhang, Ridout & Liu Sec. II C; --model from avw softness train)',
  },
  rearrangers: {
    title: 'Rearrangers', label: '\\it{N}_{R}', params: ['rd', 'd_soft_small', 'd_soft_large'], required: [], family: null, frames: 'trajectory',
    description: 'number of rearrangers between the previous frame and each frame (D2min over R_D above d_soft; Zhang, Ridout & Liu Sec. II B); none at frame 0',
  },
} as const satisfies Record<string, SeriesInfo>;

export type SeriesName = keyof typeof SERIES;
export const SERIES_NAMES = Object.keys(SERIES) as SeriesName[];

export function isSeriesName(name: unknown): name is SeriesName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(SERIES, name);
}

// ---- parameter values: one check for the CLI, the API and figure specs, in the user's words ----

export type ParamValue = number | string | boolean;

/** How a parameter is named to the user: `--cutoff` on the command line, `"params.cutoff"` in the API. */
export type ParamNamer = (name: string) => string;
/** The command line spells a parameter's underscores as dashes: d_soft_small is `--d-soft-small`. */
export const CLI_NAMER: ParamNamer = (name) => `--${name.replace(/_/g, '-')}`;

export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

/** The allowed values of a parameter, as a phrase: "a number > 0 and <= 10000", "wca or hertz", "a file path". */
export function allowedText(p: ParamInfo): string {
  if (p.type === 'enum') return p.values.length === 2 ? `${p.values[0]} or ${p.values[1]}` : `one of ${p.values.join(', ')}`;
  if (p.type === 'path') return 'a file path';
  if (p.type === 'boolean') return 'true or false';
  return `${p.type === 'int' ? 'an integer' : 'a number'} ${p.minExclusive ? '>' : '>='} ${p.min} and <= ${p.max}`;
}

/** One parameter value checked against its description (strings of digits are taken as numbers, as a CLI gives them). */
export function checkParam(owner: string, name: string, p: ParamInfo, v: unknown, namer: ParamNamer): ParamValue {
  const bad = (): never => {
    const got = typeof v === 'string' ? JSON.stringify(v.slice(0, 100)) : String(v);
    throw new ParamError(`${owner}: ${namer(name)} must be ${allowedText(p)} (got ${got})`);
  };
  if (p.type === 'enum') {
    if (typeof v !== 'string' || !p.values.includes(v)) bad();
    return v as string;
  }
  if (p.type === 'path') {
    if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0')) bad();
    return v as string;
  }
  if (p.type === 'boolean') {
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return bad();
  }
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < p.min || x > p.max || (p.minExclusive === true && x === p.min)) bad();
  if (p.type === 'int' && !Number.isInteger(x)) bad();
  return x as number;
}

/**
 * Check the parameters `raw` of `owner` (a field or series) against the ones it takes: unknown keys are refused (naming
 * the ones it takes), undefined values mean "the default". Returns the given values only, checked.
 */
export function checkParams(
  owner: string, table: Record<string, ParamInfo>, takes: readonly string[], raw: Record<string, unknown> | undefined, namer: ParamNamer,
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    if (!takes.includes(k)) {
      throw new ParamError(`${owner}: ${namer(k)} does not apply${takes.length ? ` (it takes ${takes.map(namer).join(', ')})` : ' (it takes no parameters)'}`);
    }
    out[k] = checkParam(owner, k, table[k], v, namer);
  }
  return out;
}

/** The values a field or series uses: the given ones, else the defaults (null: worked out from the data). */
export function withDefaults(table: Record<string, ParamInfo>, takes: readonly string[], given: Record<string, ParamValue>): Record<string, ParamValue | null> {
  const out: Record<string, ParamValue | null> = {};
  for (const k of takes) out[k] = given[k] ?? table[k].default;
  return out;
}
