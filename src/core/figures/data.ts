// What a figure shows, read from the trajectory through its index: frames, fields (from the field cache or
// computed once by computeField), series and correlation columns, plus the CSV of exactly the plotted numbers.
// Layout never touches files; this module never decides layout.
import { radialDistribution, smoothedRadialDistribution } from '../analysis/rdf.js';
import { localPairDistribution, softness } from '../analysis/softness.js';
import { getField, resolveField } from '../fields/field.js';
import { TrajectorySet, type TrajectoryFrames } from '../fields/frames.js';
import { computeSeries, kineticTemperature, resolveSeries } from '../fields/series.js';
import type { JobContext } from '../jobs/job.js';
import { frameDiameters } from '../io/frame-util.js';
import type { Frame } from '../io/types.js';
import { PAIR_U, potentialByName } from '../potentials.js';
import { loadDiameterFile, type ParticleSizes } from '../index/particle-sizes.js';
import { referenceFor } from '#shared/reference-mode.js';
import { magnitudes } from '#shared/colormaps.js';
import { SERIES, fieldInfo, type AnyFieldName } from '#shared/fields.js';
import { OKABE_ITO } from './axes.js';
import { avalancheFigure } from './avalanche-data.js';
import type { Curve, CurvePanel, RefLine } from './curves.js';
import { fieldLabel, seriesLabel } from './labels.js';
import type { FigureSpec } from './spec.js';
import type { ParticlePanel } from './particle-layers.js';

export interface FramesUsed { before: number; at: number; after: number }

type FieldName = AnyFieldName;

/** A panel plus where it came from (the CSV names frames and particle ids). */
export interface GatheredPanel extends ParticlePanel {
  frame: number;
  ids: Int32Array;
}

export type FigureData =
  | { kind: 'fields'; field: FieldName; panels: GatheredPanel[]; range?: { min: number; max: number } }
  | { kind: 'vectors'; vector: FieldName; panels: GatheredPanel[] }
  | { kind: 'grid'; rows: { field: FieldName; panels: GatheredPanel[]; range?: { min: number; max: number } }[] }
  | { kind: 'timeline'; x: Float64Array; xLabel: string; frames: Float64Array; timesteps: Float64Array; panels: { name: string; label: string; values: Float64Array }[]; marks: { x: number; kind: 'event' | 'tag'; label?: string }[] }
  | { kind: 'distribution'; xLabel: string; field: FieldName; curves: { label: string; values: Float64Array; role: 'before' | 'at' | 'after' | 'family'; frame: number; path: string }[]; bins: number }
  | { kind: 'heatmap' | 'scatter'; names: FieldName[]; labels: string[]; columns: Float64Array[]; ids: Int32Array }
  | { kind: 'curves'; panel: CurvePanel }
  | { kind: 'panels'; panels: CurvePanel[]; title: string };

/** What was computed for a figure: each field at each frame, its reference and the parameters it used (the
 *  cutoff found from g(r), softness limits, ...), for the sidecar. */
export interface FieldUse {
  path: string;
  field: FieldName;
  frame: number;
  ref: number;
  parameters: Record<string, unknown>;
}

/** A series a figure shows: the trajectory whose frames were measured (a run's inherent structures for the beta_1
 *  family) and the parameters in force, for the sidecar. */
export interface SeriesUse {
  series: string;
  path: string;
  parameters: Record<string, unknown>;
}

/** Remarks and the record of computed fields, collected while gathering; the open trajectories with their recent
 *  frames (a grid or a heat map reads each frame once, whatever the number of fields). */
interface Notes {
  warnings: string[];
  fields: FieldUse[];
  series: SeriesUse[];
  set: TrajectorySet;
}

export interface GatheredFigure {
  data: FigureData;
  /** The plotted numbers as CSV (header line first). */
  csv: string;
  fingerprint: string;
  frames: FramesUsed;
  warnings: string[];
  fields: FieldUse[];
  series: SeriesUse[];
  /** The numbers a statistical figure summarises (fits, counts; the rearranger kinds), for the sidecar. */
  statistics?: Record<string, unknown>;
}

const ROLE_TITLES = ['before', 'at', 'after'] as const;

function check(ctx: JobContext | undefined): void {
  if (ctx?.signal.aborted) throw new Error('figure: cancelled');
}

/** The spec's particle diameters as the index keeps them. */
function sizesOfSpec(spec: FigureSpec): ParticleSizes {
  const d = spec.diameters!;
  return 'file' in d ? loadDiameterFile(d.file) : { kind: 'per-type', types: d.types };
}

/** Before / at / after frames of the spec, clamped to the trajectory. */
export function framesOf(spec: FigureSpec, frameCount: number): FramesUsed {
  if (spec.frame >= frameCount) throw new Error(`${spec.trajectory}: frame ${spec.frame} does not exist (${frameCount} frames)`);
  const before = Math.max(0, Math.min(spec.before ?? spec.frame - 1, spec.frame));
  const after = Math.min(frameCount - 1, Math.max(spec.after ?? spec.frame + 1, spec.frame));
  return { before, at: spec.frame, after };
}

/** The parameters of a field from the spec (those it takes; `cutoff` may also stand at the top level). */
function fieldParams(spec: FigureSpec, name: FieldName): Record<string, unknown> {
  const takes = fieldInfo(name).params as readonly string[];
  const all: Record<string, unknown> = { ...(spec.cutoff !== undefined ? { cutoff: spec.cutoff } : {}), ...spec.params };
  return Object.fromEntries(Object.entries(all).filter(([k]) => takes.includes(k)));
}

/** One panel: the frame's particles and the field's values at that frame (all NaN when the field has no reference there).
 *  The spec's reference mode applies to pair fields; the others keep their own rule (mobility: the previous frame;
 *  IS displacement: IS(0), Eq. 12; one-frame fields: none). */
function panelOf(src: TrajectoryFrames, spec: FigureSpec, name: FieldName, frame: number, title: string, notes: Notes): GatheredPanel {
  const t = src.t;
  const f = src.read(frame);
  let diameters = frameDiameters(f);
  if (!diameters) {
    diameters = new Float64Array(f.n).fill(1);
    if (!notes.warnings.some((w) => w.includes('no diameters'))) notes.warnings.push(`${t.path}: the file stores no diameters; particles are drawn with diameter 1`);
  }
  const info = fieldInfo(name);
  const components = info.vector ? f.dimensions : 1;
  const ref = info.reference === 'pair' ? referenceFor(spec.reference.mode, frame, spec.reference.frame ?? 0, spec.reference.lag ?? 1)
    : info.reference === 'previous' ? frame - 1 : 0;
  let values: Float32Array;
  if (ref < 0 || ref >= t.frameCount) {
    values = new Float32Array(f.n * components).fill(NaN);
    notes.warnings.push(`frame ${frame}: no reference frame (${ref}) for ${name}; its panel is grey`);
  } else {
    const r = resolveField({ name, frame, ref: info.reference === 'pair' ? ref : undefined, params: fieldParams(spec, name) }, t.frameCount, t.path, (n) => `"params.${n}"`);
    const got = getField(src, r, (path) => notes.set.get(path), f);
    values = got.values;
    notes.fields.push({ path: t.path, field: name, frame, ref: got.ref, parameters: got.used });
  }
  return { title, box: f.box, positions: f.positions, diameters, values, components, frame, ids: f.ids };
}

function bracketPanels(src: TrajectoryFrames, spec: FigureSpec, name: FieldName, fr: FramesUsed, notes: Notes, ctx?: JobContext): GatheredPanel[] {
  return [fr.before, fr.at, fr.after].map((frame, k) => {
    check(ctx);
    ctx?.progress(k, 3, `${name} at frame ${frame}`);
    return panelOf(src, spec, name, frame, `${ROLE_TITLES[k]} (frame ${frame})`, notes);
  });
}

function csvNumber(v: number): string {
  return Number.isFinite(v) ? String(Math.fround(v) === v ? Number(v.toPrecision(8)) : Number(v.toPrecision(12))) : '';
}

function panelsCsv(rows: { field: string; panels: GatheredPanel[] }[]): string {
  const maxComponents = Math.max(...rows.flatMap((r) => r.panels.map((p) => p.components)));
  const valueCols = maxComponents === 1 ? ['value'] : Array.from({ length: maxComponents }, (_, c) => `value_${'xyz'[c]}`);
  const lines = [['field', 'panel', 'frame', 'id', 'x', 'y', 'diameter', ...valueCols].join(',')];
  for (const row of rows) {
    for (const p of row.panels) {
      const n = p.diameters.length;
      for (let i = 0; i < n; i++) {
        const vals: string[] = [];
        for (let c = 0; c < maxComponents; c++) vals.push(c < p.components && p.values ? csvNumber(p.values[i * p.components + c]!) : '');
        lines.push([row.field, p.title.split(' ')[0], p.frame, p.ids[i], csvNumber(p.positions[3 * i]!), csvNumber(p.positions[3 * i + 1]!), csvNumber(p.diameters[i]!), ...vals].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

function scalarValues(values: Float32Array, components: number): Float64Array {
  return Float64Array.from(components === 1 ? values : magnitudes(values, components));
}

/** Read everything the spec's figure shows. */
export function gatherFigure(spec: FigureSpec, ctx?: JobContext): GatheredFigure {
  const notes: Notes = { warnings: [], fields: [], series: [], set: new TrajectorySet({ indexDir: spec.indexDir, signal: ctx?.signal, framesPerTrajectory: 16 }) };
  try {
    const src = notes.set.get(spec.trajectory);
    const t = src.t;
    if (spec.diameters) src.t.setParticleSizes(sizesOfSpec(spec));
    if (spec.fingerprint && spec.fingerprint !== t.fingerprint) {
      notes.warnings.push(`${spec.trajectory}: the file's content differs from when the figure spec was written (fingerprint ${t.fingerprint} vs ${spec.fingerprint})`);
    }
    const fr = framesOf(spec, t.frameCount);
    const result = (data: FigureData, csv: string): GatheredFigure => ({ data, csv, fingerprint: t.fingerprint, frames: fr, warnings: notes.warnings, fields: notes.fields, series: notes.series });
    switch (spec.kind) {
      case 'fields': {
        const field = spec.field!;
        const panels = bracketPanels(src, spec, field, fr, notes, ctx);
        return result({ kind: 'fields', field, panels, range: spec.range }, panelsCsv([{ field, panels }]));
      }
      case 'vectors': {
        const vector = spec.vector!;
        const panels = bracketPanels(src, spec, vector, fr, notes, ctx);
        return result({ kind: 'vectors', vector, panels }, panelsCsv([{ field: vector, panels }]));
      }
      case 'grid': {
        const rows = spec.fields!.map((field) => ({ field, panels: bracketPanels(src, spec, field, fr, notes, ctx), range: spec.fields!.length === 1 ? spec.range : undefined }));
        return result({ kind: 'grid', rows }, panelsCsv(rows));
      }
      case 'timeline':
        return result(...timelineData(src, spec, notes, ctx));
      case 'local_gr':
        return result(...localGrData(src, spec, notes));
      case 'ln_g_beta_u':
        return result(...lnGBetaUData(src, spec, notes));
      case 'distribution':
        return result(...distributionData(src, spec, fr, notes, ctx));
      case 'heatmap':
      case 'scatter':
        return result(...correlationData(src, spec, notes, ctx));
      case 'rearranger_strain':
      case 'rearranger_g2':
      case 'softness_distribution':
      case 'softness_change':
      case 'onset_strain':
      case 'strain_since_start': {
        const a = avalancheFigure(src, spec, ctx);
        notes.warnings.push(...a.warnings);
        return { ...result({ kind: 'panels', panels: a.panels, title: a.title }, a.csv), statistics: a.statistics };
      }
    }
  } finally {
    notes.set.close();
  }
}

function timelineData(src: TrajectoryFrames, spec: FigureSpec, notes: Notes, ctx?: JobContext): [FigureData, string] {
  const t = src.t;
  const timesteps = t.timesteps();
  const frames = Float64Array.from({ length: t.frameCount }, (_, i) => i);
  const useTime = spec.xAxis === 'time';
  const x = useTime ? timesteps : frames;
  const panels = spec.series!.map((name) => {
    check(ctx);
    const info = SERIES[name];
    const takes = info.params as readonly string[];
    const given: Record<string, unknown> = Object.fromEntries(Object.entries(spec.params ?? {}).filter(([k]) => takes.includes(k)));
    if (takes.includes('potential') && spec.potential !== undefined) given.potential = spec.potential;
    if (takes.includes('temperature') && spec.temperature !== undefined) given.temperature = spec.temperature;
    const r = resolveSeries({ name, params: given }, (n) => (n === 'potential' || n === 'temperature' ? `"${n}"` : `"params.${n}"`));
    const s = computeSeries(src, r, ctx, (path) => notes.set.get(path));
    notes.series.push({ series: name, path: s.measuredOn, parameters: Object.fromEntries(Object.entries(r.params).filter(([k, v]) => !(k === 'is' && v === null))) });
    return { name, label: seriesLabel(name), values: s.values };
  });
  const at = (f: number): number => (useTime ? timesteps[f]! : f);
  const marks: { x: number; kind: 'event' | 'tag'; label?: string }[] = [{ x: at(spec.frame), kind: 'event' }];
  for (const m of spec.marks ?? []) if (m !== spec.frame && m < t.frameCount) marks.push({ x: at(m), kind: 'tag' });
  const lines = [['frame', 'timestep', ...panels.map((p) => p.name), 'mark'].join(',')];
  const markOf = new Map<number, string>((spec.marks ?? []).map((m) => [m, 'tag']));
  markOf.set(spec.frame, 'event');
  for (let i = 0; i < t.frameCount; i++) lines.push([i, timesteps[i], ...panels.map((p) => csvNumber(p.values[i]!)), markOf.get(i) ?? ''].join(','));
  return [{ kind: 'timeline', x, xLabel: useTime ? 'time step' : 'frame', frames, timesteps, panels, marks }, lines.join('\n') + '\n'];
}

function distributionData(src: TrajectoryFrames, spec: FigureSpec, fr: FramesUsed, notes: Notes, ctx?: JobContext): [FigureData, string] {
  const field = spec.field!;
  const curves: { label: string; values: Float64Array; role: 'before' | 'at' | 'after' | 'family'; frame: number; path: string }[] = [];
  const valuesAt = (tr: TrajectoryFrames, frame: number): Float64Array => {
    check(ctx);
    const p = panelOf(tr, spec, field, frame, '', notes);
    return scalarValues(p.values!, p.components);
  };
  if (spec.family && spec.family.length > 0) {
    for (const m of spec.family) {
      const other = notes.set.get(m.path);
      if (spec.diameters && !other.t.particleSizes) other.t.setParticleSizes(sizesOfSpec(spec));
      const frame = m.frame ?? spec.frame;
      if (frame >= other.t.frameCount) throw new Error(`${m.path}: frame ${frame} does not exist (${other.t.frameCount} frames)`);
      curves.push({ label: m.label, values: valuesAt(other, frame), role: 'family', frame, path: m.path });
    }
  } else {
    curves.push({ label: `before (frame ${fr.before})`, values: valuesAt(src, fr.before), role: 'before', frame: fr.before, path: src.t.path });
    curves.push({ label: `after (frame ${fr.after})`, values: valuesAt(src, fr.after), role: 'after', frame: fr.after, path: src.t.path });
  }
  const lines = ['curve,role,path,frame,value'];
  for (const c of curves) {
    const label = `"${c.label.replace(/"/g, '""')}"`;
    const path = `"${c.path.replace(/"/g, '""')}"`;
    for (const v of c.values) if (Number.isFinite(v)) lines.push([label, c.role, path, c.frame, csvNumber(v)].join(','));
  }
  return [{ kind: 'distribution', xLabel: fieldLabel(field), field, curves, bins: spec.bins ?? 40 }, lines.join('\n') + '\n'];
}

function correlationData(src: TrajectoryFrames, spec: FigureSpec, notes: Notes, ctx?: JobContext): [FigureData, string] {
  const names = spec.fields!;
  let ids: Int32Array = new Int32Array(0);
  const columns = names.map((name, k) => {
    ctx?.progress(k, names.length, name);
    const p = panelOf(src, spec, name, spec.frame, '', notes);
    ids = p.ids;
    return scalarValues(p.values!, p.components);
  });
  const lines = [['id', ...names].join(',')];
  for (let i = 0; i < ids.length; i++) lines.push([ids[i], ...columns.map((c) => csvNumber(c[i]!))].join(','));
  return [{ kind: spec.kind as 'heatmap' | 'scatter', names, labels: names.map(fieldLabel), columns, ids }, lines.join('\n') + '\n'];
}

// ---- the particle-level pair distribution of Appendix C (Jha & Sengupta Fig. 10) ----

/** Upper end of r in the Fig. 10 figures (the softness search range, softness.ts), within the box. */
const CURVES_R_MAX = 3;

/** The conventional estimate drawn for comparison (grey, dotted), a member of a sequence (along the colour map), one particle's curve (dashed, Okabe-Ito colours). */
const PARTICLE_COLOURS = [OKABE_ITO.vermillion, OKABE_ITO.green, OKABE_ITO.purple, OKABE_ITO.orange, OKABE_ITO.skyBlue, OKABE_ITO.black];
function curveOf(label: string, x: Float64Array, y: Float64Array, role: 'reference' | 'sequence' | 'particle', k = 0): Curve {
  if (role === 'reference') return { label, x, y, kind: 'line', colour: '#7f7f7f', dash: [1, 1.3], sequence: false };
  if (role === 'particle') return { label, x, y, kind: 'line', colour: PARTICLE_COLOURS[k % PARTICLE_COLOURS.length], dash: [3, 1.5], sequence: false };
  return { label, x, y, kind: 'line' };
}

/** Frame indices of particle ids (the frame is sorted by id), naming a missing id. */
function particleIndices(f: Frame, ids: readonly number[], path: string): number[] {
  return ids.map((id) => {
    let lo = 0, hi = f.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f.ids[mid] === id) return mid;
      if (f.ids[mid]! < id) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new Error(`${path}: frame ${f.index} has no particle with id ${id} (ids ${f.ids[0]}..${f.ids[f.n - 1]})`);
  });
}

function curvesCsv(rows: { curve: string; role: string; delta: number | ''; particle: number | ''; x: Float64Array; columns: Record<string, Float64Array> }[]): string {
  const extra = Object.keys(rows[0]?.columns ?? {});
  const lines = [['curve', 'role', 'delta', 'particle', 'r', ...extra].join(',')];
  for (const row of rows) {
    const label = `"${row.curve.replace(/"/g, '""')}"`;
    for (let k = 0; k < row.x.length; k++) lines.push([label, row.role, row.delta, row.particle, csvNumber(row.x[k]!), ...extra.map((c) => csvNumber(row.columns[c]![k]!))].join(','));
  }
  return lines.join('\n') + '\n';
}

/** The softness integral's limits (Eq. C5) as marks, from params or worked out as softness.ts does; none with a warning when it cannot. */
function softnessMarks(f: Frame, spec: FigureSpec, delta: number, notes: Notes, path: string): RefLine[] {
  try {
    const p = spec.params ?? {};
    const r = softness(f.positions, f.box, {
      dimensions: f.dimensions, delta, rmin: p.rmin as number | undefined, rmax: p.rmax as number | undefined, globalC: false,
    });
    return [{ orientation: 'v', value: r.rmin, label: '\\it{r}_{min}' }, { orientation: 'v', value: r.rmax, label: '\\it{r}_{max}' }];
  } catch (e) {
    notes.warnings.push(`${path}: frame ${f.index}: no softness limits to mark (${e instanceof Error ? e.message : String(e)})`);
    return [];
  }
}

/**
 * Fig. 10a: the particle-level pair distribution of Eq. C1 averaged over the particles for each Gaussian width in
 * `deltas`, against the histogram g(r); the g_i(r) of the `particles` asked for at params.delta; r_min and r_max of the
 * softness integral (Eq. C5) marked.
 */
function localGrData(src: TrajectoryFrames, spec: FigureSpec, notes: Notes): [FigureData, string] {
  const path = src.t.path;
  const f = src.read(spec.frame);
  const dims = f.dimensions;
  const delta = (spec.params?.delta as number | undefined) ?? 0.02;
  const curves: Curve[] = [];
  const rows: Parameters<typeof curvesCsv>[0] = [];
  const hist = radialDistribution(f.positions, f.box, { dimensions: dims, rMax: CURVES_R_MAX, dr: 0.01 });
  curves.push(curveOf('\\it{g}(\\it{r}), histogram', hist.r, hist.g, 'reference'));
  rows.push({ curve: 'g(r) histogram dr = 0.01', role: 'reference', delta: '', particle: '', x: hist.r, columns: { value: hist.g } });
  for (const d of spec.deltas!) {
    const s = smoothedRadialDistribution(f.positions, f.box, { dimensions: dims, delta: d, rMax: CURVES_R_MAX });
    curves.push(curveOf(`⟨\\it{g}_{i}⟩, \\it{δ} = ${d}`, s.r, s.g, 'sequence'));
    rows.push({ curve: `mean g_i delta = ${d}`, role: 'sequence', delta: d, particle: '', x: s.r, columns: { value: s.g } });
  }
  const ids = spec.particles ?? [];
  if (ids.length) {
    const loc = localPairDistribution(f.positions, f.box, particleIndices(f, ids, path), { dimensions: dims, delta, rMax: CURVES_R_MAX });
    const k = loc.r.length;
    ids.forEach((id, q) => {
      const g = loc.g.slice(q * k, (q + 1) * k);
      curves.push(curveOf(`\\it{g}_{i}, particle ${id} (\\it{δ} = ${delta})`, loc.r, g, 'particle', q));
      rows.push({ curve: `g_i particle ${id} delta = ${delta}`, role: 'particle', delta, particle: id, x: loc.r, columns: { value: g } });
    });
  }
  // The limits' labels near the top, clear of the curves that sit at g = 0 below the first peak.
  let top = 0;
  for (const c of curves) for (let k = 0; k < c.y.length; k++) if (Number.isFinite(c.y[k]!) && c.y[k]! > top) top = c.y[k]!;
  const refs = softnessMarks(f, spec, delta, notes, path).map((r) => ({ ...r, labelAt: 0.9 * top }));
  return [
    { kind: 'curves', panel: { xLabel: '\\it{r}', yLabel: '\\it{g}(\\it{r})', logX: false, logY: false, curves, refs, includeX: [0], includeY: [0] } },
    curvesCsv(rows),
  ];
}

/** Below this, g + beta u is taken as 0 and its logarithm left out (the curve breaks instead of running to -infinity). */
const LN_FLOOR = 1e-3;

/**
 * Fig. 10b: ln(g(r) + beta u(r)) against r from the mean diameter (the paper's axis starts at <sigma> = 1), with g the
 * particle-averaged g_i of Eq. C1 at params.delta (and the g_i of the `particles` asked for), u the pair potential of two
 * particles of the mean diameter, beta = 1/T (T given, else the frame's kinetic temperature).
 */
function lnGBetaUData(src: TrajectoryFrames, spec: FigureSpec, notes: Notes): [FigureData, string] {
  const path = src.t.path;
  const f = src.read(spec.frame);
  const dims = f.dimensions;
  const delta = (spec.params?.delta as number | undefined) ?? 0.02;
  const temperature = spec.temperature ?? kineticTemperature(f)
    ?? ((): never => { throw new Error(`${path}: frame ${f.index} has no velocities to measure the temperature of beta = 1/T from; pass --temperature T`); })();
  if (!(temperature > 0)) throw new Error(`${path}: ln(g + beta u) needs a temperature > 0 (got ${temperature})`);
  let diameters = frameDiameters(f);
  if (!diameters) {
    diameters = new Float64Array(f.n).fill(1);
    notes.warnings.push(`${path}: the file stores no diameters; u(r) is that of two particles of diameter 1`);
  }
  let mean = 0;
  for (let i = 0; i < diameters.length; i++) mean += diameters[i]! / diameters.length;
  const potential = potentialByName(spec.potential ?? 'wca');
  const sizes = potential.sizesFromDiameters([mean, mean]);
  const tmp = new Float64Array(3);
  const betaU = (r: number): number => (potential.pair(sizes[0]!, sizes[1]!, r * r, tmp) ? tmp[PAIR_U]! / temperature : 0);
  const transform = (r: Float64Array, g: Float64Array): { x: Float64Array; g: Float64Array; bu: Float64Array; y: Float64Array } => {
    let k0 = 0;
    while (k0 < r.length && r[k0]! < mean - 1e-9) k0++;
    const x = r.slice(k0), gg = g.slice(k0);
    const bu = x.map(betaU);
    const y = x.map((_, k) => (gg[k]! + bu[k]! >= LN_FLOOR ? Math.log(gg[k]! + bu[k]!) : NaN));
    return { x, g: gg, bu, y };
  };
  const curves: Curve[] = [];
  const rows: Parameters<typeof curvesCsv>[0] = [];
  const s = smoothedRadialDistribution(f.positions, f.box, { dimensions: dims, delta, rMax: CURVES_R_MAX });
  const m = transform(s.r, s.g);
  curves.push(curveOf(`⟨\\it{g}_{i}⟩, \\it{δ} = ${delta}`, m.x, m.y, 'sequence'));
  rows.push({ curve: `mean g_i delta = ${delta}`, role: 'sequence', delta, particle: '', x: m.x, columns: { g: m.g, beta_u: m.bu, value: m.y } });
  const ids = spec.particles ?? [];
  if (ids.length) {
    const loc = localPairDistribution(f.positions, f.box, particleIndices(f, ids, path), { dimensions: dims, delta, rMax: CURVES_R_MAX });
    const k = loc.r.length;
    ids.forEach((id, q) => {
      const p = transform(loc.r, loc.g.slice(q * k, (q + 1) * k));
      curves.push(curveOf(`\\it{g}_{i}, particle ${id}`, p.x, p.y, 'particle', q));
      rows.push({ curve: `g_i particle ${id} delta = ${delta}`, role: 'particle', delta, particle: id, x: p.x, columns: { g: p.g, beta_u: p.bu, value: p.y } });
    });
  }
  const cutoff = potential.pairCutoff(sizes, 0, 1);
  const refs: RefLine[] = cutoff > mean + 1e-9 ? [{ orientation: 'v', value: cutoff, label: '\\it{r}_{c}' }] : [];
  notes.warnings.push(...(m.x.length === 0 ? [`${path}: no r >= the mean diameter ${mean} within the box`] : []));
  return [
    {
      kind: 'curves',
      panel: { xLabel: '\\it{r}', yLabel: `ln[\\it{g}(\\it{r}) + \\it{βu}(\\it{r})], \\it{T} = ${Number(temperature.toPrecision(4))}`, logX: false, logY: false, curves, refs },
    },
    curvesCsv(rows),
  ];
}
