// The ensemble figures of a study, through the figure engine (scene, SVG/PDF/PNG/TIFF backends, sidecar spec, CSV):
//   distribution  a field before / at / after every event, pooled per temperature, one curve per T (Jha & Sengupta
//                 Figs. 2h, 4, 7a), drawn by figures/distribution.ts as a family;
//   timeline      a series averaged over the replicas per temperature against time, with its standard-error band;
//   tau           (a) F_s(q, t) per temperature with the 1/e level, (b) tau_alpha(T) with jackknife error bars, the VFT
//                 fit, the 10^6 level and T_g with its uncertainty.
// The spec (what rebuilds the figure) is written beside it as FIG.json with the numbers behind it; FIG.csv holds the
// plotted numbers. `avw figure --spec FIG.json` rebuilds it.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JobContext } from '../jobs/job.js';
import { FIELD_NAMES, SERIES_NAMES, VECTOR_FIELDS, type FieldName, type SeriesName } from './per-run.js';
import { appVersion } from '../version.js';
import { companionPaths, formatOf, renderScene, SOFTWARE_NAME, writeAtomic, type FigureResult } from '../figures/build.js';
import { curvesFigure, type Curve, type CurvePanel } from '../figures/curves.js';
import { densities, distributionFigure } from '../figures/distribution.js';
import { fieldLabel, seriesLabel } from '../figures/labels.js';
import type { Scene } from '../figures/scene.js';
import { normalizeStyle } from '../figures/spec.js';
import { DEFAULT_STYLE, PRESETS, PRESET_NAMES, type FigureStyle, type PresetName } from '../figures/style.js';
import { sceneToSvg } from '../figures/svg.js';
import { fontMeasurer } from '../figures/text.js';
import { vftLnTau } from '../analysis/vft.js';
import { ONE_OVER_E } from '../analysis/tau-alpha.js';
import { ensembleDistribution, ensembleSeries, ensembleTau, studyQ } from './ensemble.js';
import { MOMENTS, type EventSelection, type Moment } from './events.js';
import { planStudy } from './plan.js';
import { loadStudy } from './study-file.js';

export const STUDY_FIGURE_KINDS = ['distribution', 'timeline', 'tau'] as const;
export type StudyFigureKind = (typeof STUDY_FIGURE_KINDS)[number];

export interface StudyFigureSpec {
  version: 1;
  kind: StudyFigureKind;
  /** Absolute path of the study file. */
  study: string;
  /** distribution: the field (scalar), the moment of the events and which events. */
  field?: FieldName;
  moment?: Moment;
  events?: EventSelection;
  bins?: number;
  range?: { min: number; max: number };
  /** timeline: the series averaged per temperature. */
  series?: SeriesName;
  /** tau: the wave number of F_s. */
  q?: number;
  style: FigureStyle;
  preset?: PresetName;
  dpi: number;
}

const SPEC_KEYS = new Set(['version', 'kind', 'study', 'field', 'moment', 'events', 'bins', 'range', 'series', 'q', 'style', 'preset', 'dpi',
  // what a sidecar adds (a sidecar is a spec)
  'software', 'created', 'output', 'summary']);

function fail(message: string): never {
  throw new Error(`study figure spec: ${message}`);
}

/** Check an untrusted study figure spec and fill in the defaults; unknown keys are refused by name. */
export function normalizeStudyFigureSpec(raw: unknown): StudyFigureSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('must be a JSON object');
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !SPEC_KEYS.has(k));
  if (unknown.length) fail(`unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...SPEC_KEYS].join(', ')})`);
  if (r.version !== undefined && r.version !== 1) fail(`unsupported version ${JSON.stringify(r.version)}`);
  if (!STUDY_FIGURE_KINDS.includes(r.kind as StudyFigureKind)) fail(`"kind" must be one of ${STUDY_FIGURE_KINDS.join(', ')} for a study`);
  if (typeof r.study !== 'string' || !r.study) fail('"study" must be the study file\'s path');
  const kind = r.kind as StudyFigureKind;
  const spec: StudyFigureSpec = { version: 1, kind, study: r.study, style: { ...DEFAULT_STYLE }, dpi: 600 };
  if (kind === 'timeline') {
    // MSD-like series over log-spaced times read best on log-log axes.
    spec.style.logX = true;
    spec.style.logY = true;
  }
  if (r.field !== undefined || kind === 'distribution') {
    const f = r.field ?? 'd2min';
    if (!FIELD_NAMES.includes(f as FieldName)) fail(`"field" must be one of ${FIELD_NAMES.join(', ')}`);
    if (VECTOR_FIELDS.has(f as FieldName)) fail(`"${String(f)}" is a vector field; a distribution takes a scalar field`);
    spec.field = f as FieldName;
  }
  if (r.moment !== undefined || kind === 'distribution') {
    const m = r.moment ?? 'at';
    if (!MOMENTS.includes(m as Moment)) fail(`"moment" must be one of ${MOMENTS.join(', ')}`);
    spec.moment = m as Moment;
  }
  if (r.events !== undefined || kind === 'distribution') {
    const e = r.events ?? 'all';
    if (e !== 'all' && e !== 'confirmed') fail('"events" must be all (every detected or tagged event) or confirmed (avalanche tags)');
    spec.events = e;
  }
  if (r.bins !== undefined) {
    if (!Number.isInteger(r.bins) || (r.bins as number) < 2 || (r.bins as number) > 1000) fail('"bins" must be an integer from 2 to 1000');
    spec.bins = r.bins as number;
  }
  if (r.range !== undefined) {
    const g = (r.range ?? {}) as Record<string, unknown>;
    if (typeof g.min !== 'number' || typeof g.max !== 'number' || !(g.max > g.min)) fail('"range" needs numbers min < max');
    spec.range = { min: g.min, max: g.max };
  }
  if (r.series !== undefined || kind === 'timeline') {
    const s = r.series ?? 'msd';
    if (!SERIES_NAMES.includes(s as SeriesName)) fail(`"series" must be one of ${SERIES_NAMES.join(', ')}`);
    spec.series = s as SeriesName;
  }
  if (r.q !== undefined) {
    if (typeof r.q !== 'number' || !(r.q > 0) || !Number.isFinite(r.q)) fail('"q" must be a positive wave number');
    spec.q = r.q;
  }
  if (r.preset !== undefined) {
    if (!PRESET_NAMES.includes(r.preset as PresetName)) fail(`"preset" must be one of ${PRESET_NAMES.join(', ')}`);
    spec.preset = r.preset as PresetName;
    spec.style.width = PRESETS[spec.preset].width;
  }
  if (r.style !== undefined) spec.style = normalizeStyle(r.style, spec.style);
  if (r.dpi !== undefined) {
    if (!Number.isInteger(r.dpi) || (r.dpi as number) < 72 || (r.dpi as number) > 2400) fail('"dpi" must be an integer from 72 to 2400');
    spec.dpi = r.dpi as number;
  }
  return spec;
}

function tLabel(T: number | null): string {
  return T === null ? 'all runs' : `\\it{T} = ${T}`;
}

function csvNumber(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : String(Number(v.toPrecision(10)));
}

interface Gathered { scene: Scene; csv: string; summary: Record<string, unknown>; warnings: string[] }

function gather(spec: StudyFigureSpec, ctx?: JobContext): Gathered {
  const plan = planStudy(loadStudy(spec.study));
  const style = spec.style;
  const warnings: string[] = [];
  const missingNote = (missing: number[]): void => {
    if (missing.length) warnings.push(`runs ${missing.join(', ')} are not done and are left out`);
  };
  if (spec.kind === 'distribution') {
    const field = spec.field!;
    const d = ensembleDistribution(plan, field, spec.moment!, spec.events!, ctx);
    missingNote(d.missing);
    const groups = d.groups.filter((g) => {
      if (g.values.length === 0) warnings.push(`${g.T === null ? 'the study' : `T = ${g.T}`}: no events (${g.runs} runs): no curve`);
      return g.values.length > 0;
    });
    if (groups.length === 0) throw new Error(`${spec.study}: no run has an event to take ${field} at (run the detector: "detect" in the study's analyses, or tag events)`);
    const data = {
      xLabel: fieldLabel(field), bins: spec.bins ?? 40, range: spec.range,
      curves: groups.map((g) => ({ label: `${tLabel(g.T)} (${g.events} event${g.events === 1 ? '' : 's'}, ${g.runs} run${g.runs === 1 ? '' : 's'})`, values: g.values, role: 'family' as const })),
    };
    const scene = distributionFigure(data, style, fontMeasurer);
    const dens = densities(data);
    const lines = ['T,events,runs,bin_low,bin_high,density,values'];
    groups.forEach((g, k) => {
      const den = dens.densities[k]!;
      for (let b = 0; b < den.heights.length; b++) lines.push([g.T ?? '', g.events, g.runs, csvNumber(den.edges[b]), csvNumber(den.edges[b + 1]), csvNumber(den.heights[b]), den.count].join(','));
    });
    return {
      scene, csv: lines.join('\n') + '\n', warnings,
      summary: { field, moment: spec.moment, events: spec.events, temperatures: d.groups.map((g) => ({ T: g.T, runs: g.runs, events: g.events, values: g.values.length })), missing: d.missing },
    };
  }
  if (spec.kind === 'timeline') {
    const name = spec.series!;
    const e = ensembleSeries(plan, name, ctx);
    missingNote(e.missing);
    const useTime = e.groups.every((g) => g.time !== null);
    const curves: Curve[] = e.groups.map((g) => ({
      label: `${tLabel(g.T)} (${g.runs.length} run${g.runs.length === 1 ? '' : 's'})`, kind: 'line', x: useTime ? g.time! : g.timesteps, y: g.mean, err: g.stderr,
    }));
    const panel: CurvePanel = { xLabel: useTime ? 'time \\it{t}' : 'time step', yLabel: seriesLabel(name), logX: style.logX, logY: style.logY, curves };
    const scene = curvesFigure([panel], style, fontMeasurer, 'Ensemble series');
    const lines = ['T,runs,frame,timestep,time,mean,stderr,n'];
    for (const g of e.groups) {
      for (let f = 0; f < g.mean.length; f++) lines.push([g.T ?? '', g.runs.length, f, g.timesteps[f], csvNumber(g.time?.[f]), csvNumber(g.mean[f]), csvNumber(g.stderr[f]), g.n[f]].join(','));
    }
    return { scene, csv: lines.join('\n') + '\n', warnings, summary: { series: name, temperatures: e.groups.map((g) => ({ T: g.T, runs: g.runs })), missing: e.missing } };
  }
  // tau
  const q = spec.q ?? studyQ(plan);
  const r = ensembleTau(plan, q, ctx);
  missingNote(r.missing);
  if (r.note) warnings.push(r.note);
  const timeLabel = r.timeUnit === 'reduced' ? '\\it{t}' : '\\it{t} (time steps)';
  const fsPanel: CurvePanel = {
    xLabel: timeLabel, yLabel: `\\it{F}_{s}(\\it{q}, \\it{t}), \\it{q} = ${Number(q.toPrecision(4))}`, logX: true, logY: false,
    curves: r.groups.map((g) => ({ label: tLabel(g.T), kind: 'line', x: g.time ?? g.lags, y: g.mean, err: g.stderr })),
    refs: [{ orientation: 'h', value: ONE_OVER_E, label: '1/\\it{e}' }], includeY: [0, 1],
  };
  const withTau = r.groups.filter((g) => g.T !== null && g.tau !== null);
  const tauCurves: Curve[] = [{
    label: 'τ_{α} (jackknife errors)', kind: 'points', sequence: false, colour: '#0072b2',
    x: withTau.map((g) => g.T!), y: withTau.map((g) => g.tau!),
    low: withTau.map((g) => (g.lnTauStderr === null ? NaN : g.tau! * Math.exp(-g.lnTauStderr))),
    high: withTau.map((g) => (g.lnTauStderr === null ? NaN : g.tau! * Math.exp(g.lnTauStderr))),
  }];
  const refs: CurvePanel['refs'] = [];
  const includeY: number[] = [];
  const includeX: number[] = [];
  const Tg = r.glass?.Tg ?? null;
  if (r.vft) {
    const Tmax = Math.max(...withTau.map((g) => g.T!));
    const Tmin = Math.min(...withTau.map((g) => g.T!));
    // The fit from the measured temperatures down to where it passes 30 x 10^6 (a little beyond T_g).
    const lnTop = Math.log(30 * r.glass!.tauG);
    const Tlow = r.vft.A > 0 && lnTop > r.vft.lnTau0 ? Math.min(Tmin, r.vft.T0 + r.vft.A / (lnTop - r.vft.lnTau0)) : Tmin;
    const xs = Array.from({ length: 200 }, (_v, i) => Tlow + ((Tmax - Tlow) * i) / 199);
    tauCurves.push({ label: 'VFT fit', kind: 'line', sequence: false, colour: '#d55e00', dash: [4, 2], x: xs, y: xs.map((t) => Math.exp(vftLnTau(r.vft!, t))) });
    refs.push({ orientation: 'h', value: r.glass!.tauG, label: 'τ_{α} = 10^{6}', labelEnd: true });
    includeY.push(r.glass!.tauG);
    if (Tg !== null) {
      const s = r.glass!.sigma;
      refs.push({ orientation: 'v', value: Tg, band: s !== null ? [Tg - s, Tg + s] : null, labelAt: r.glass!.tauG, label: `\\it{T}_{g} = ${Number(Tg.toPrecision(3))}${s !== null ? ` ± ${Number(s.toPrecision(2))}` : ''}` });
      includeX.push(Tg - (s ?? 0), Tg + (s ?? 0));
    }
  }
  const tauPanel: CurvePanel = { xLabel: '\\it{T}', yLabel: `τ_{α}${r.timeUnit === 'reduced' ? '' : ' (time steps)'}`, logX: false, logY: true, curves: tauCurves, refs, includeX, includeY };
  const scene = curvesFigure([fsPanel, tauPanel], style, fontMeasurer, 'F_s(q, t) and tau_alpha(T)');
  const lines = ['kind,T,time,value,stderr,n'];
  for (const g of r.groups) {
    for (let i = 0; i < g.mean.length; i++) lines.push(['fs', g.T ?? '', csvNumber((g.time ?? g.lags)[i]), csvNumber(g.mean[i]), csvNumber(g.stderr[i]), g.n[i]].join(','));
  }
  for (const g of r.groups) lines.push(['tau', g.T ?? '', '', csvNumber(g.tau), csvNumber(g.lnTauStderr), g.runs.length].join(','));
  if (r.glass?.Tg !== undefined && r.glass.Tg !== null) lines.push(['Tg', csvNumber(r.glass.Tg), '', csvNumber(r.glass.tauG), csvNumber(r.glass.sigma), ''].join(','));
  return {
    scene, csv: lines.join('\n') + '\n', warnings,
    summary: {
      q, timeUnit: r.timeUnit,
      temperatures: r.groups.map((g) => ({ T: g.T, runs: g.runs, tau: g.tau, lnTauStderr: g.lnTauStderr, lowerBound: g.lowerBound })),
      vft: r.vft, Tg: r.glass, note: r.note, missing: r.missing,
    },
  };
}

function described(spec: StudyFigureSpec, scene: Scene): Scene {
  scene.title = `${spec.kind} of the study ${spec.study}`;
  scene.description = `${scene.description ? `${scene.description} ` : ''}Made by ${SOFTWARE_NAME} ${appVersion()} from the study ${spec.study}.`;
  return scene;
}

/** The figure as SVG (a preview), with the numbers behind it that its sidecar would record (T_g of a tau figure, ...). */
export function previewStudyFigure(rawSpec: unknown, ctx?: JobContext): { svg: string; widthPt: number; heightPt: number; warnings: string[]; summary: Record<string, unknown> } {
  const spec = normalizeStudyFigureSpec(rawSpec);
  const g = gather(spec, ctx);
  const scene = described(spec, g.scene);
  return { svg: sceneToSvg(scene), widthPt: scene.width, heightPt: scene.height, warnings: g.warnings, summary: g.summary };
}

/** Make a study figure into `out` (format from the extension) with its sidecar spec (FIG.json) and plotted numbers (FIG.csv). */
export async function buildStudyFigure(rawSpec: unknown, out: string, ctx?: JobContext): Promise<FigureResult> {
  const format = formatOf(out);
  const folder = dirname(out);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${out}: cannot write the figure: the folder ${folder} does not exist`);
  const spec = normalizeStudyFigureSpec(rawSpec);
  const g = gather(spec, ctx);
  const scene = described(spec, g.scene);
  const createdText = typeof (rawSpec as { created?: unknown }).created === 'string' ? (rawSpec as { created: string }).created : new Date().toISOString();
  const created = Number.isNaN(Date.parse(createdText)) ? new Date() : new Date(createdText);
  const bytes = await renderScene(scene, format, spec.dpi, created);
  const { sidecar, csv } = companionPaths(out);
  const side = {
    ...spec, software: { name: SOFTWARE_NAME, version: appVersion() }, created: created.toISOString(),
    output: { path: out, format, csv, widthPt: Math.round(scene.width * 1000) / 1000, heightPt: Math.round(scene.height * 1000) / 1000 },
    summary: g.summary,
  };
  writeAtomic(out, bytes);
  writeAtomic(csv, g.csv);
  writeAtomic(sidecar, JSON.stringify(side, null, 2) + '\n');
  return { path: out, format, bytes: bytes.length, sidecar, csv, widthPt: scene.width, heightPt: scene.height, warnings: g.warnings };
}
