// `avw figure`: flags (or a sidecar spec) to the parameters of the figure job. Kept apart from main.ts so the
// mapping from flags to a FigureSpec is tested on its own.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openIndexed } from '../core/index/indexed-trajectory.js';
import { validateFigureParams, type FigureParams } from '../core/jobs/figure-job.js';
import { FIGURE_KINDS } from '../core/figures/spec.js';
import { parseTypeDiameters } from '../core/index/particle-sizes.js';
import { PRESET_NAMES } from '../core/figures/style.js';
import { SERIES_NAMES, SERIES_PARAMS, FIELD_PARAMS } from '#shared/fields.js';
import { optionOfParam } from '#shared/options.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import {
  DIRECTORY, FIELD_NAME, FIELD_NAME_LIST, FRAME, LENGTH, NUMBER_LIST, PATH, POTENTIAL, RANGE, REFERENCE, TYPE_DIAMETERS, nameList, rangeOfFlags, styleOfFlags,
} from './options.js';

export const FIGURE_HELP = `  avw figure FILE --kind ${FIGURE_KINDS.join('|')} --frame F --out FIG.pdf|svg|png|tiff
             [--before B --after A] [--field NAME] [--fields a,b,c] [--vector na|displacement|is_displacement]
             [--series msd,energy,betti1,... [--potential wca|hertz] [--temperature T] [--alpha A] [--periodic] [--is IS_FILE]]
             [--marks F1,F2|tags] [--x frame|time] [--family F1,F2 --labels L1,L2] [--deltas 0.08,0.04,0.02] [--particles ID1,ID2]
             [--model MODEL.json] [--avalanches 100] [--quiet-factor 0.3] [--lags 2,5,10]
             [--delta D] [--rmin A --rmax B] [--bins N] [--coefficient pearson|spearman|both] [--ref previous|fixed:R|lag:L] [--cutoff RC]
             [--range MIN:MAX] [--preset aps-single|aps-double | --width 7in] [--height H] [--font sans|serif]
             [--font-size PT] [--colormap viridis|cividis|magma] [--dpi 300|600|1200] [--raster-particles]
             [--raster-dpi D] [--no-box] [--no-scale-bar] [--log-x] [--log-y] [--arrow-scale S] [--json]
  avw figure --spec FIG.json [--out OTHER.pdf]
                                              a publication figure (vector PDF/SVG with embedded fonts, or PNG/TIFF
                                              at --dpi) with FIG.json (the spec that rebuilds it) and FIG.csv (the
                                              plotted numbers) beside it; sizes in in, cm, mm or pt
`;

/** The options and their ranges (the figure engine's normalizeSpec checks the same, by the spec's keys). */
const FLAGS: FlagSpec = {
  json: 'boolean', 'index-dir': DIRECTORY, help: 'boolean', spec: PATH, out: PATH,
  kind: { type: 'enum', values: FIGURE_KINDS }, frame: FRAME, before: FRAME, after: FRAME, field: FIELD_NAME, fields: FIELD_NAME_LIST,
  vector: FIELD_NAME, series: nameList(SERIES_NAMES), marks: { type: 'text', pattern: /^(tags|\s*\d+(\s*,\s*\d+)*\s*)$/, allowed: 'frame numbers separated by commas, or tags' },
  x: { type: 'enum', values: ['frame', 'time'] }, family: { type: 'text', pattern: /\S/, allowed: 'trajectory files separated by commas' },
  labels: { type: 'text', pattern: /\S/, allowed: 'labels separated by commas' }, bins: { type: 'int', min: 2, max: 1000 },
  coefficient: { type: 'enum', values: ['pearson', 'spearman', 'both'] },
  potential: POTENTIAL, temperature: optionOfParam(SERIES_PARAMS.temperature), ref: REFERENCE, cutoff: optionOfParam(FIELD_PARAMS.cutoff), range: RANGE,
  preset: { type: 'enum', values: PRESET_NAMES }, width: LENGTH, height: LENGTH, font: { type: 'enum', values: ['sans', 'serif'] },
  'font-size': { type: 'number', min: 4, max: 36 }, colormap: { type: 'enum', values: ['viridis', 'cividis', 'magma'] }, dpi: { type: 'int', min: 72, max: 2400 },
  'raster-particles': 'boolean', 'raster-dpi': { type: 'int', min: 72, max: 2400 },
  'no-box': 'boolean', 'no-scale-bar': 'boolean', 'log-x': 'boolean', 'log-y': 'boolean', 'arrow-scale': { type: 'number', min: 0, max: 1e6 },
  diameters: PATH, 'type-diameters': TYPE_DIAMETERS,
  deltas: NUMBER_LIST, particles: { type: 'text', pattern: /^\s*-?\d+(\s*,\s*-?\d+)*\s*$/, allowed: 'particle ids separated by commas' },
  delta: optionOfParam(FIELD_PARAMS.delta), rmin: optionOfParam(FIELD_PARAMS.rmin), rmax: optionOfParam(FIELD_PARAMS.rmax),
  alpha: optionOfParam(SERIES_PARAMS.alpha), periodic: 'boolean', is: PATH,
  model: PATH, avalanches: { type: 'int', min: 1, max: 1_000_000 }, 'quiet-factor': { type: 'number', min: 0, minExclusive: true, max: 1e4 },
  lags: { type: 'text', pattern: /^\s*\d+(\s*,\s*\d+)*\s*$/, allowed: 'frame lags separated by commas' },
};

function list(v: unknown): string[] | undefined {
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

function num(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new UsageError(`avw figure: --${flag} must be a number, got "${String(v)}"`);
  return x;
}

function referenceOf(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  const text = String(v);
  if (text === 'previous') return { mode: 'previous' };
  const m = /^(fixed|lag):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`avw figure: --ref must be previous, fixed:R or lag:L, got "${text}"`);
  return m[1] === 'fixed' ? { mode: 'fixed', frame: Number(m[2]) } : { mode: 'lag', lag: Number(m[2]) };
}

/** --diameters FILE or --type-diameters 1:1.0,2:1.4 as the spec's `diameters` (for files that store none). */
function diametersOf(flags: Record<string, unknown>): Record<string, unknown> | undefined {
  if (flags.diameters !== undefined && flags['type-diameters'] !== undefined) throw new UsageError('avw figure: give --diameters FILE or --type-diameters T:D,..., not both');
  if (typeof flags.diameters === 'string') return { file: resolve(flags.diameters) };
  if (typeof flags['type-diameters'] === 'string') {
    const sizes = parseTypeDiameters(flags['type-diameters']);
    return sizes.kind === 'per-type' ? { types: sizes.types } : undefined;
  }
  return undefined;
}

/** Frames of the trajectory's avalanche tags (manual, or detector candidates a person confirmed). */
function avalancheTagFrames(path: string, indexDir: string | undefined): number[] {
  const t = openIndexed(path, { indexDir });
  try {
    return t.listTags().filter((tag) => tag.kind === 'avalanche').map((tag) => tag.frame);
  } finally {
    t.close();
  }
}

/** Parse `avw figure` arguments into validated job parameters. */
export function figureParamsFromArgs(argv: string[]): { params: FigureParams; json: boolean } {
  const { positionals, flags } = parseArgs(argv, FLAGS, 'figure');
  const json = flags.json === true;
  const out = typeof flags.out === 'string' ? resolve(flags.out) : undefined;
  const wrap = (fn: () => FigureParams): FigureParams => {
    try {
      return fn();
    } catch (e) {
      throw new UsageError(`avw figure: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (typeof flags.spec === 'string') {
    if (positionals.length > 0) throw new UsageError('avw figure: give either FILE with flags or --spec FIG.json, not both');
    let raw: { trajectory?: unknown; output?: { path?: unknown }; family?: { path?: unknown }[]; diameters?: { file?: unknown }; params?: Record<string, unknown> };
    try {
      raw = JSON.parse(readFileSync(flags.spec, 'utf8')) as typeof raw;
    } catch (e) {
      throw new UsageError(`avw figure: ${flags.spec}: cannot read the spec (${e instanceof Error ? e.message : String(e)})`);
    }
    // Relative paths in a spec are relative to the spec's folder (so a figure folder can move with its data).
    const here = dirname(resolve(flags.spec));
    if (typeof raw.trajectory === 'string') raw.trajectory = resolve(here, raw.trajectory);
    if (Array.isArray(raw.family)) for (const m of raw.family) if (typeof m?.path === 'string') m.path = resolve(here, m.path);
    if (typeof raw.diameters?.file === 'string') raw.diameters.file = resolve(here, raw.diameters.file);
    for (const k of ['model', 'is']) if (raw.params && typeof raw.params[k] === 'string') raw.params[k] = resolve(here, raw.params[k] as string);
    const target = out ?? (typeof raw.output?.path === 'string' ? resolve(here, raw.output.path) : undefined);
    if (!target) throw new UsageError(`avw figure: ${flags.spec} names no output; pass --out FIG.pdf`);
    return { params: wrap(() => validateFigureParams({ spec: raw, out: resolve(target) })), json };
  }
  if (positionals.length !== 1) throw new UsageError('avw figure: give one trajectory FILE (or --spec FIG.json)');
  if (!out) throw new UsageError('avw figure: --out FIG.pdf|svg|png|tiff is required');
  if (typeof flags.kind !== 'string') throw new UsageError(`avw figure: --kind is required (${FIGURE_KINDS.join('|')})`);
  if (flags.frame === undefined) throw new UsageError('avw figure: --frame F is required (the event frame)');
  const file = resolve(positionals[0]!);
  const indexDir = typeof flags['index-dir'] === 'string' ? flags['index-dir'] : undefined;
  if (flags.preset !== undefined && !PRESET_NAMES.includes(flags.preset as never)) {
    throw new UsageError(`avw figure: --preset must be one of ${PRESET_NAMES.join(', ')}`);
  }
  let marks: number[] | undefined;
  if (flags.marks === 'tags') marks = avalancheTagFrames(file, indexDir);
  else if (typeof flags.marks === 'string') marks = list(flags.marks)!.map((m) => Number(m));
  const familyPaths = list(flags.family);
  const labels = list(flags.labels);
  if (familyPaths && labels && labels.length !== familyPaths.length) throw new UsageError('avw figure: --labels needs one label per --family file');
  const range = rangeOfFlags(flags);
  const style = styleOfFlags(flags);
  // Registry parameters of the fields and series shown (each takes those that apply to it; checked with the spec).
  const params: Record<string, unknown> = {};
  for (const k of ['delta', 'rmin', 'rmax', 'alpha'] as const) if (flags[k] !== undefined) params[k] = num(flags[k], k);
  if (flags.periodic === true) params.periodic = true;
  if (typeof flags.is === 'string') params.is = resolve(flags.is);
  if (typeof flags.model === 'string') params.model = resolve(flags.model);
  const spec = {
    version: 1, kind: flags.kind, trajectory: file, indexDir, frame: flags.frame, before: flags.before, after: flags.after,
    field: flags.field, fields: list(flags.fields), vector: flags.vector, series: list(flags.series), potential: flags.potential, temperature: num(flags.temperature, 'temperature'), marks, xAxis: flags.x,
    family: familyPaths?.map((p, i) => ({ path: resolve(p), label: labels?.[i] ?? p })), bins: flags.bins,
    coefficient: flags.coefficient, reference: referenceOf(flags.ref), cutoff: num(flags.cutoff, 'cutoff'), range,
    avalanches: flags.avalanches, quietFactor: num(flags['quiet-factor'], 'quiet-factor'), lags: list(flags.lags)?.map((l) => num(l, 'lags')),
    deltas: list(flags.deltas)?.map((d) => num(d, 'deltas')), particles: list(flags.particles)?.map((id) => num(id, 'particles')),
    params: Object.keys(params).length ? params : undefined, preset: flags.preset, style, dpi: flags.dpi, diameters: diametersOf(flags),
  };
  return { params: wrap(() => validateFigureParams({ spec, out })), json };
}
