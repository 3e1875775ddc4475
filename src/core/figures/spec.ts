// The figure specification: everything needed to make a figure again. The CLI builds one from its flags, the
// workbench from its state; every output is written with this spec as a sidecar JSON (plus the trajectory
// fingerprint and software version), and `avw figure --spec fig.json` rebuilds the same figure from it.
import type { RefMode } from '#shared/reference-mode.js';
import { FIGURE_FORMATS, FIGURE_KINDS, FIGURE_SPEC_KEYS, FIGURE_STYLE_KEYS } from '#shared/api.js';
import {
  FIELD_PARAMS, FIELD_NAMES, SERIES_NAMES, SERIES_PARAMS, VECTOR_FIELD_NAMES, checkParam, fieldInfo, isFieldName, isFileFieldName, isSeriesName,
  type AnyFieldName, type FieldParamName, type ParamInfo, type ParamValue, type SeriesName, type SeriesParamName,
} from '#shared/fields.js';
import { DEFAULT_STYLE, DPI_CHOICES, parseLength, PRESETS, PRESET_NAMES, type FigureStyle, type PresetName } from './style.js';

// The lists the renderer also needs live in the shared API (the renderer cannot import core).
export { FIGURE_KINDS, FIGURE_FORMATS };
export type FigureKind = (typeof FIGURE_KINDS)[number];
export type FigureFormat = (typeof FIGURE_FORMATS)[number];
/** A field shown as arrows: a vector field of the registry, or the velocities the file stores. */
export type VectorKind = AnyFieldName;
type FieldName = AnyFieldName;

export interface ReferenceSpec {
  mode: RefMode;
  /** The fixed reference frame (mode 'fixed'). */
  frame?: number;
  /** The lag (mode 'lag'). */
  lag?: number;
}

/** A curve of a family (distributions over temperature, Jha & Sengupta Figs. 2h, 4): another trajectory and its label. */
export interface FamilyMember {
  path: string;
  label: string;
  /** The frame of that trajectory (default: the spec's frame). */
  frame?: number;
}

export interface FigureSpec {
  version: 1;
  kind: FigureKind;
  /** Absolute path of the trajectory. */
  trajectory: string;
  /** The trajectory's content fingerprint when the figure was made (sidecar); a rebuild warns when it differs. */
  fingerprint?: string;
  indexDir?: string;
  /** The event frame (the "at" panel; the marked frame of a timeline). */
  frame: number;
  /** Before and after frames (default frame - 1 and frame + 1, clamped to the trajectory). */
  before?: number;
  after?: number;
  /** fields, distribution: the field. */
  field?: FieldName;
  /** grid: one row per field; heatmap and scatter: the fields correlated. */
  fields?: FieldName[];
  /** vectors: which displacement the arrows show. */
  vector?: VectorKind;
  /** timeline: stacked panels sharing the frame axis, MSD first by default. */
  series?: SeriesName[];
  /** timeline: the pair potential behind energy and stress series, and the temperature of the stress's kinetic term;
   *  ln_g_beta_u: the pair potential u(r) (default wca) and the temperature of beta = 1/T (default: the frame's kinetic one). */
  potential?: 'wca' | 'hertz';
  temperature?: number;
  /** timeline: more frames to mark (tags), besides `frame`. */
  marks?: number[];
  /** timeline: x axis in frames or in the schedule's time (timesteps). */
  xAxis?: 'frame' | 'time';
  /** heatmap: which coefficient (both by default: two matrices side by side). */
  coefficient?: 'pearson' | 'spearman' | 'both';
  /** distribution: histogram bins (default 40). */
  bins?: number;
  /** distribution: curves from other trajectories (families over temperature). */
  family?: FamilyMember[];
  /** local_gr: the Gaussian widths delta of Eq. C1 whose particle-averaged g_i(r) are drawn (default 0.08, 0.04, 0.02). */
  deltas?: number[];
  /** local_gr, ln_g_beta_u: particle ids whose own g_i(r) is drawn too (at params.delta). */
  particles?: number[];
  /** The rearranger kinds (Zhang, Ridout & Liu Figs. 3-9; avalanche-data.ts): how many avalanches from `frame` on (default
   *  100), the single-rearranger filter's far limit as a fraction of d_soft (default 0.3, rearrangers.ts), and Fig. 8's
   *  rewinds in frames (default 2, 5, 10). The softness model is params.model; d_soft and R_D are params.d_soft_small,
   *  params.d_soft_large and params.rd. */
  avalanches?: number;
  quietFactor?: number;
  lags?: number[];
  reference: ReferenceSpec;
  /** Strain-family neighbourhood cutoff (default: second neighbour shell); the same as params.cutoff. */
  cutoff?: number;
  /** Particle diameters of trajectories whose files store none: a per-id table (`id diameter` rows) or per-type values;
   *  remembered in the index for those trajectories. */
  diameters?: { file: string } | { types: Record<string, number> };
  /** Parameters of the fields and series shown (each takes those that apply to it: cutoff, delta, rmin, rmax, is,
   *  potential, modes; alpha, periodic, reference, count); a series' potential and temperature may also stand at the
   *  top level (which wins). */
  params?: Partial<Record<FieldParamName | SeriesParamName, ParamValue>>;
  /** Colour range of particle fields (default: 1st-99th percentile over the panels, centred for signed fields). */
  range?: { min: number; max: number };
  style: FigureStyle;
  /** The preset the width came from, if any. */
  preset?: PresetName;
  /** Raster formats: dots per inch. */
  dpi: number;
  /** Written by the builder (sidecar). */
  software?: { name: string; version: string };
}

/** The parameters a spec's `params` may hold: those of the fields and of the series (a name both have means the same there). */
const PARAM_KEYS = [...new Set([...Object.keys(FIELD_PARAMS), ...Object.keys(SERIES_PARAMS)])];

/** Keys a spec may have: those the workbench sends (the API's list), what the caller fills in (trajectory, index), what
 * only the CLI sets (the diameters of files that store none; the Appendix C kinds' deltas and particles), and what a
 * sidecar adds (so a sidecar is a spec). */
const SPEC_KEYS = new Set<string>([
  ...FIGURE_SPEC_KEYS, 'trajectory', 'indexDir', 'diameters', 'deltas', 'particles', 'avalanches', 'quietFactor', 'lags', 'fingerprint', 'software',
  'created', 'output', 'frames', 'computed', 'measured', 'statistics',
]);
const STYLE_KEYS = new Set<string>(FIGURE_STYLE_KEYS);

function fail(message: string): never {
  throw new Error(`figure spec: ${message}`);
}

/** "an integer >= 2 and <= 1000": the allowed range, in one message. */
function range(what: string, min: number, max: number, exclusive = false): string {
  const low = Number.isFinite(min) ? ` ${exclusive ? '>' : '>='} ${min}` : '';
  const high = Number.isFinite(max) ? `${low ? ' and' : ''} <= ${max}` : '';
  return `${what}${low}${high}`;
}

function int(v: unknown, what: string, min = 0, max = Infinity): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) fail(`"${what}" must be ${range('an integer', min, max)} (got ${JSON.stringify(v)})`);
  return v as number;
}

function num(v: unknown, what: string, min = -Infinity, max = Infinity, exclusive = false): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (exclusive && v === min)) fail(`"${what}" must be ${range('a number', min, max, exclusive)} (got ${JSON.stringify(v)})`);
  return v;
}

function field(v: unknown, what: string): FieldName {
  if (!isFieldName(v) && !isFileFieldName(v)) fail(`"${what}" must be one of ${FIELD_NAMES.join(', ')} or file:PROPERTY (got ${JSON.stringify(v)})`);
  return v;
}

/** Check an untrusted spec (JSON file, IPC, CLI) and fill in the defaults. Throws naming the bad key. */
export function normalizeSpec(raw: unknown): FigureSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('must be a JSON object');
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !SPEC_KEYS.has(k));
  if (unknown.length) fail(`unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...SPEC_KEYS].join(', ')})`);
  if (r.version !== undefined && r.version !== 1) fail(`unsupported version ${JSON.stringify(r.version)} (this software writes 1)`);
  if (!FIGURE_KINDS.includes(r.kind as FigureKind)) fail(`"kind" must be one of ${FIGURE_KINDS.join(', ')}`);
  const kind = r.kind as FigureKind;
  if (typeof r.trajectory !== 'string' || !r.trajectory) fail('"trajectory" must be a file path');
  const frame = int(r.frame, 'frame') ?? fail('"frame" must be a frame number');
  const spec: FigureSpec = {
    version: 1,
    kind,
    trajectory: r.trajectory,
    frame,
    reference: { mode: 'previous' },
    style: { ...DEFAULT_STYLE },
    dpi: 600,
  };
  if (typeof r.fingerprint === 'string') spec.fingerprint = r.fingerprint;
  if (typeof r.indexDir === 'string' && r.indexDir) spec.indexDir = r.indexDir;
  const before = int(r.before, 'before');
  const after = int(r.after, 'after');
  if (before !== undefined) spec.before = before;
  if (after !== undefined) spec.after = after;
  if (before !== undefined && before > frame) fail(`"before" (${before}) is after "frame" (${frame})`);
  if (after !== undefined && after < frame) fail(`"after" (${after}) is before "frame" (${frame})`);
  if (r.field !== undefined) spec.field = field(r.field, 'field');
  if (r.fields !== undefined) {
    if (!Array.isArray(r.fields) || r.fields.length === 0 || r.fields.length > 12) fail('"fields" must list 1 to 12 fields');
    spec.fields = r.fields.map((f, i) => field(f, `fields[${i}]`));
  }
  if (r.vector !== undefined) {
    if ((!isFieldName(r.vector) && !isFileFieldName(r.vector)) || !fieldInfo(r.vector).vector) {
      fail(`"vector" must be a vector field: one of ${VECTOR_FIELD_NAMES.join(', ')}, or file:velocity (got ${JSON.stringify(r.vector)})`);
    }
    spec.vector = r.vector;
  }
  if (r.series !== undefined) {
    if (!Array.isArray(r.series) || r.series.length === 0 || r.series.length > 8) fail('"series" must list 1 to 8 series');
    spec.series = r.series.map((s, i) => {
      if (!isSeriesName(s)) fail(`"series[${i}]" must be one of ${SERIES_NAMES.join(', ')}`);
      return s;
    });
  }
  if (r.potential !== undefined) {
    if (r.potential !== 'wca' && r.potential !== 'hertz') fail('"potential" must be wca or hertz');
    spec.potential = r.potential;
  }
  const temperature = num(r.temperature, 'temperature', 0);
  if (temperature !== undefined) spec.temperature = temperature;
  if (r.marks !== undefined) {
    if (!Array.isArray(r.marks) || r.marks.length > 10000) fail('"marks" must be a list of frames');
    spec.marks = r.marks.map((m, i) => int(m, `marks[${i}]`)!);
  }
  if (r.xAxis !== undefined) {
    if (r.xAxis !== 'frame' && r.xAxis !== 'time') fail('"xAxis" must be "frame" or "time"');
    spec.xAxis = r.xAxis;
  }
  if (r.coefficient !== undefined) {
    if (!['pearson', 'spearman', 'both'].includes(r.coefficient as string)) fail('"coefficient" must be pearson, spearman or both');
    spec.coefficient = r.coefficient as FigureSpec['coefficient'];
  }
  const bins = int(r.bins, 'bins', 2, 1000);
  if (bins !== undefined) spec.bins = bins;
  if (r.family !== undefined) {
    if (!Array.isArray(r.family) || r.family.length > 16) fail('"family" must list at most 16 trajectories');
    spec.family = r.family.map((m, i) => {
      const o = (m ?? {}) as Record<string, unknown>;
      if (typeof o.path !== 'string' || !o.path) fail(`"family[${i}].path" must be a file path`);
      if (typeof o.label !== 'string') fail(`"family[${i}].label" must be text`);
      const member: FamilyMember = { path: o.path, label: o.label };
      const f = int(o.frame, `family[${i}].frame`);
      if (f !== undefined) member.frame = f;
      return member;
    });
  }
  if (r.deltas !== undefined) {
    if (!Array.isArray(r.deltas) || r.deltas.length === 0 || r.deltas.length > 8) fail('"deltas" must list 1 to 8 Gaussian widths');
    spec.deltas = r.deltas.map((d, i) => {
      const x = num(d, `deltas[${i}]`, 0);
      if (!(x! > 0 && x! <= 1)) fail(`"deltas[${i}]" must be a number > 0 and <= 1`);
      return x!;
    });
  }
  if (r.particles !== undefined) {
    if (!Array.isArray(r.particles) || r.particles.length > 16) fail('"particles" must list at most 16 particle ids');
    spec.particles = r.particles.map((id, i) => {
      if (!Number.isInteger(id)) fail(`"particles[${i}]" must be a particle id (an integer)`);
      return id as number;
    });
  }
  const avalanches = int(r.avalanches, 'avalanches', 1);
  if (avalanches !== undefined) spec.avalanches = avalanches;
  const quietFactor = num(r.quietFactor, 'quietFactor', 0);
  if (quietFactor !== undefined) {
    if (!(quietFactor > 0)) fail('"quietFactor" must be a number > 0 (a fraction of d_soft)');
    spec.quietFactor = quietFactor;
  }
  if (r.lags !== undefined) {
    if (!Array.isArray(r.lags) || r.lags.length === 0 || r.lags.length > 8) fail('"lags" must list 1 to 8 frame counts');
    spec.lags = r.lags.map((l, i) => int(l, `lags[${i}]`, 1) ?? fail(`"lags[${i}]" must be an integer >= 1`));
  }
  if (r.reference !== undefined) {
    const ref = (r.reference ?? {}) as Record<string, unknown>;
    if (!['previous', 'fixed', 'lag'].includes(ref.mode as string)) fail('"reference.mode" must be previous, fixed or lag');
    spec.reference = { mode: ref.mode as RefMode };
    const rf = int(ref.frame, 'reference.frame');
    const lag = int(ref.lag, 'reference.lag', 1);
    if (ref.mode === 'fixed' && rf === undefined) fail('"reference.frame" is needed with mode "fixed"');
    if (rf !== undefined) spec.reference.frame = rf;
    if (lag !== undefined) spec.reference.lag = lag;
  }
  const cutoff = num(r.cutoff, 'cutoff', FIELD_PARAMS.cutoff.min, FIELD_PARAMS.cutoff.max, FIELD_PARAMS.cutoff.minExclusive);
  if (cutoff !== undefined) spec.cutoff = cutoff;
  if (r.diameters !== undefined) {
    const d = r.diameters as Record<string, unknown> | null;
    if (d && typeof d === 'object' && typeof d.file === 'string' && d.file && Object.keys(d).length === 1) spec.diameters = { file: d.file };
    else if (d && typeof d === 'object' && d.types && typeof d.types === 'object' && Object.keys(d).length === 1
      && Object.values(d.types as Record<string, unknown>).every((v) => typeof v === 'number' && v > 0)) spec.diameters = { types: { ...(d.types as Record<string, number>) } };
    else fail('"diameters" must be {"file": "D.txt"} (rows "id diameter") or {"types": {"1": 1.0, "2": 1.4}} with positive diameters');
  }
  if (r.params !== undefined) {
    if (!r.params || typeof r.params !== 'object' || Array.isArray(r.params)) fail('"params" must be an object of field and series parameters');
    const params: Partial<Record<FieldParamName | SeriesParamName, ParamValue>> = {};
    for (const [k, v] of Object.entries(r.params as Record<string, unknown>)) {
      const info: ParamInfo | undefined = (FIELD_PARAMS as Record<string, ParamInfo>)[k] ?? (SERIES_PARAMS as Record<string, ParamInfo>)[k];
      if (!info) fail(`unknown parameter "params.${k}" (known: ${PARAM_KEYS.join(', ')})`);
      params[k as FieldParamName | SeriesParamName] = checkParam('figure spec', k, info, v, (n) => `"params.${n}"`);
    }
    spec.params = params;
  }
  if (r.range !== undefined) {
    const g = (r.range ?? {}) as Record<string, unknown>;
    const min = num(g.min, 'range.min');
    const max = num(g.max, 'range.max');
    if (min === undefined || max === undefined || !(max > min)) fail('"range" needs min < max');
    spec.range = { min, max };
  }
  if (r.preset !== undefined) {
    if (!PRESET_NAMES.includes(r.preset as PresetName)) fail(`"preset" must be one of ${PRESET_NAMES.join(', ')}`);
    spec.preset = r.preset as PresetName;
    spec.style.width = PRESETS[spec.preset].width;
  }
  if (r.style !== undefined) spec.style = normalizeStyle(r.style, spec.style);
  const dpi = int(r.dpi, 'dpi', 72, 2400);
  if (dpi !== undefined) spec.dpi = dpi;
  if (r.software && typeof r.software === 'object') {
    const s = r.software as Record<string, unknown>;
    if (typeof s.name === 'string' && typeof s.version === 'string') spec.software = { name: s.name, version: s.version };
  }
  requireKindInputs(spec);
  return spec;
}

export function normalizeStyle(raw: unknown, base: FigureStyle): FigureStyle {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('"style" must be an object');
  const s = raw as Record<string, unknown>;
  const unknown = Object.keys(s).filter((k) => !STYLE_KEYS.has(k));
  if (unknown.length) fail(`unknown style key(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...STYLE_KEYS].join(', ')})`);
  const out: FigureStyle = { ...base };
  if (s.width !== undefined) out.width = parseLength(s.width as string | number, 'style.width');
  if (s.height !== undefined && s.height !== null) out.height = parseLength(s.height as string | number, 'style.height');
  if (s.fontFamily !== undefined) {
    if (s.fontFamily !== 'sans' && s.fontFamily !== 'serif') fail('"style.fontFamily" must be sans or serif');
    out.fontFamily = s.fontFamily;
  }
  const fontSize = num(s.fontSize, 'style.fontSize', 4, 36);
  if (fontSize !== undefined) out.fontSize = fontSize;
  if (s.colormap !== undefined) {
    if (!['viridis', 'cividis', 'magma'].includes(s.colormap as string)) fail('"style.colormap" must be viridis, cividis or magma');
    out.colormap = s.colormap as FigureStyle['colormap'];
  }
  const lw = num(s.lineWidth, 'style.lineWidth', 0.1);
  if (lw !== undefined) out.lineWidth = lw;
  for (const k of ['boxOutline', 'scaleBar', 'rasterParticles', 'logX', 'logY'] as const) {
    if (s[k] === undefined) continue;
    if (typeof s[k] !== 'boolean') fail(`"style.${k}" must be true or false`);
    out[k] = s[k];
  }
  const rd = int(s.rasterDpi, 'style.rasterDpi', 72);
  if (rd !== undefined) out.rasterDpi = Math.min(rd, 2400);
  const as = num(s.arrowScale, 'style.arrowScale', 0);
  if (as !== undefined) out.arrowScale = as;
  return out;
}

/** Which inputs each kind needs (with defaults filled in). */
function requireKindInputs(spec: FigureSpec): void {
  switch (spec.kind) {
    case 'fields':
    case 'distribution':
      spec.field ??= 'd2min';
      break;
    case 'vectors':
      spec.vector ??= 'na';
      break;
    case 'timeline':
      spec.series ??= ['msd'];
      break;
    case 'heatmap':
    case 'scatter':
      spec.fields ??= ['d2min', 'e_norm', 'eps_vol', 'det_h'];
      if (spec.fields.length < 2) fail(`"${spec.kind}" needs at least two fields`);
      for (const f of spec.fields) if (fieldInfo(f).vector) fail(`"${f}" is a vector field; ${spec.kind} takes scalar fields`);
      break;
    case 'grid':
      spec.fields ??= spec.field ? [spec.field] : ['d2min', 'e_norm', 'eps_vol', 'det_h'];
      break;
    case 'local_gr':
      spec.deltas ??= [0.08, 0.04, 0.02];
      break;
    case 'ln_g_beta_u':
      spec.potential ??= 'wca';
      break;
  }
}

export function isDpiChoice(dpi: number): boolean {
  return (DPI_CHOICES as readonly number[]).includes(dpi);
}
