// The `avw` command: index, inspect and export trajectories from a terminal or a script.
// Every command takes --json for machine-readable output; errors are one line on stderr with exit code 1
// (2 for usage errors).
// Start-up: a command loads only the modules it uses (`await import` in the command), so `avw simulate` starts in tens
// of milliseconds instead of loading every job, the index and the figure renderer first.
import { resolve } from 'node:path';
import type { IndexedTrajectory } from '../core/index/indexed-trajectory.js';
import { runInWorker } from '../core/jobs/worker-runner.js';
import type { SeriesResult } from '../core/jobs/series-job.js';
import type { FieldResult } from '../core/jobs/field-job.js';
import { FIELD_NAMES, FIELD_PARAMS, ParamError, SERIES_NAMES, SERIES_PARAMS } from '#shared/fields.js';
import type { DetectResult } from '../core/jobs/detect-job.js';
import type { CorrelateResult } from '../core/jobs/correlate-job.js';
import type { SimulateResult } from '../core/jobs/simulate-job.js';
import { SIMULATE_OPTIONS, SimulateOptionError, simulateMessageInOptionWords, simulateRawFromOptions } from '../core/jobs/simulate-options.js';
import type { MinimizeJobResult } from '../core/jobs/minimize-job.js';
import type { ModesResult } from '../core/jobs/modes-job.js';
import type { SoftnessTrainResult } from '../core/jobs/softness-train-job.js';
import type { RearrangersResult } from '../core/jobs/rearrangers-job.js';
import { JobCancelledError } from '../core/jobs/job.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import {
  COMMON, FIELD_FLAGS, FIELD_NAME, FIELD_NAME_LIST, FRAME, MINIMIZER, PATH, POTENTIAL, SERIES_FLAGS, SERIES_NAME, SIZES, SMALL_LARGE, flagOfParam,
} from './options.js';
import { progressBar } from './progress.js';
import { EXPORT_HELP, exportCommand } from './export-command.js';
import type { FigureJobResult } from '../core/jobs/figure-job.js';

const help = async (): Promise<string> => {
  // The figure, study and topology commands load PDF, fonts, the rasterizer and their analyses: only for them and
  // for this help.
  const [{ FIGURE_HELP }, { STUDY_FIGURE_HELP }, { STUDY_HELP }, { TOPOLOGY_HELP }] = await Promise.all([
    import('./figure-command.js'), import('./study-figure-command.js'), import('./study-command.js'), import('./topology-command.js'),
  ]);
  return `avw: Avalanche Workbench command line

usage:
  avw info FILE [--json]                      formats, frames, particles, dimensions, timesteps, box
  avw frame FILE --frame K [--unwrapped] [--json]
                                              one frame: ids (ascending) and positions
  avw index FILE [--json]                     index (or update the index of) a trajectory
  avw tags FILE [--json]                      list the tags of a trajectory
  avw tags FILE --export OUT.csv|OUT.json     export tags
  avw tags FILE --import IN.csv|IN.json       import (merge) tags
  avw series FILE --name NAME [--potential wca|hertz] [--temperature T] [--reference F] [--count M]
             [--model MODEL.json] [--rd 2 --d-soft-small 0.0025 --d-soft-large 0.0015]
             [--alpha 8.19] [--periodic] [--is IS_FILE] [--json]
                                              a per-frame series (computed once, kept in the index); the betti1
                                              family is measured on inherent structures: FILE's own when it holds
                                              them, else FILE.is.EXT or --is IS_FILE (--is FILE: FILE's frames as
                                              they are); NAME:
${wrapList(SERIES_NAMES)}
  avw series --study STUDY.json --name NAME|fs --by T [--json]
                                              the series averaged over a study's replicas per temperature (+- stderr)
  avw field FILE --frame F [--ref R] --name NAME [--cutoff RC] [--delta D --rmin A --rmax B] [--is IS_FILE]
            [--potential wca|hertz --modes K] [--model MODEL.json] [--rd 2 --d-soft-small 0.0025 --d-soft-large 0.0015]
            [--json]
                                              a per-particle field of frame F against the reference R (default:
                                              the previous frame, Jha & Sengupta Eq. 7; mobility always the
                                              previous frame, is_displacement IS(0), softness none); NAME:
${wrapList([...FIELD_NAMES, 'file:PROPERTY'])}
  avw modes FILE --frame F [--potential wca|hertz] [--count 30] [--json]
                                              the count smallest positive Hessian eigenvalues of frame F and
                                              lambda_smallest (Jha & Sengupta Eq. 6), zero and negative modes,
                                              lambda_max; warns when the frame is not a minimum
${TOPOLOGY_HELP}  avw softness train FILE --frame F --ref R [--cutoff 2] [--positive-quantile 0.9 --negative-quantile 0.5
            | --d-soft 0.0025,0.0015 --d-hard H | --aqs [--window 50] [--d-soft 0.0025,0.0015] [--d-hard 1e-4,6e-5]]
            [--r0 0.4 --dr 0.1 --count 27 --width 0.1] [--species none|type]
            [--C 1] [--hyperplanes 1] [--seed 1] --out MODEL.json [--json]
                                              a softness model (Zhang, Ridout & Liu Sec. II C): labels from D2min
                                              between frames R and F, structure functions of frame R; one
                                              hyperplane trains on every labelled particle, more hold out 20 %;
                                              then avw field --name ml_softness --model MODEL.json;
                                              --aqs: the paper's protocol on an avw simulate aqs run over frames R..F
                                              (D2min > d_soft between adjacent avalanche frames: rearranging; < d_hard
                                              between minimized frames --window strain steps apart: not)
  avw rearrangers FILE [--frames A:B] [--rd 2] [--d-soft 0.0025,0.0015] [--quiet-radius 5] [--quiet-factor 0.3]
            [--json]                          rearrangers of each frame against the previous one (D2min above
                                              d_soft of small/large particles), single-rearranger frames, starts
  avw detect FILE [--min-score Z | --min-step X] [--no-store] [--series msd|is_step_msd|auto] [--is IS_FILE] [--json]
                                              avalanche candidates from MSD jumps, stored as detector tags;
                                              is_step_msd: steps of the inherent structures' MSD (auto: when
                                              FILE has them); --min-step X: every IS MSD step >= X (sigma^2)
                                              is a candidate, whatever its lag (implies is_step_msd)
  avw correlate FILE --frame F [--ref R] --names a,b,c [--cutoff RC ...] [--json]
                                              Pearson and Spearman matrices among scalar fields
  avw simulate thermal --n N [--rho 0.9] --T T [--Tp 0.5] [--equil STEPS] [--tw STEPS]
             (--B B --ncfg NCFG --blocks K [--no-block-origins] | --every K --frames F)
             [--dt 0.003] [--seed S] [--integrator isokinetic|nve] [--is [--is-method cg|fire]]
             [--from DATA --diameters D.txt | --from TRAJ [--frame K]] --out RUN.gsd [--resume] [--json]
                                              thermal MD of the 2D polydisperse WCA glass: equilibrate at Tp,
                                              quench to T, age tw steps, production on S = i*B + 2^j (block
                                              origins i*B included: frame 0 at S = 0) or every K steps
  avw simulate nve (--from DATA --diameters D.txt | --from TRAJ [--frame K]) --steps N [--every K]
             [--dt 0.003] [--T T] [--is] --out RUN.gsd [--resume] [--json]
                                              plain NVE velocity Verlet from a configuration
  avw simulate aqs --n N [--seed S] --steps K [--deps 1e-4] [--every M] [--phi 0.9] [--minimizer cg|fire]
             [--no-follow] [--frame-spacing 0.15] [--drop elastic|energy] --out SHEAR.gsd [--resume] [--json]
                                              athermal quasistatic shear of Hertzian disks, avalanches followed
  avw minimize FILE --out IS.gsd [--method cg|fire] [--ftol 1e-10] [--potential wca|hertz] [--resume] [--json]
                                              inherent structures of every frame, paired frame for frame
                                              (conjugate gradient by default, as Jha & Sengupta; --resume
                                              continues a killed run from OUT.checkpoint)
${FIGURE_HELP}${EXPORT_HELP}${STUDY_FIGURE_HELP}${STUDY_HELP}  simulation options: --checkpoint-every K (frames; aqs: strain steps), --no-velocities, --chunk STEPS, --skin S,
                      --poly 0.11, --ftol F, --threads N (MD; default: the machine's cores, 1 below 1000 particles);
                      a run writes OUT, OUT.json (sidecar) and OUT.checkpoint while running

common options:
  --index-dir DIR   where the trajectory index lives (default: $AVW_INDEX_DIR or the user data directory)
  --diameters FILE  particle diameters of a file that stores none: rows "id diameter" (info, frame, series, field,
                    correlate, modes, minimize, export); remembered in the index for that trajectory
  --type-diameters T:D,...  the same per particle type, e.g. 1:1.0,2:1.4
  --json            machine-readable output on stdout
  --help            this text

formats: LAMMPS text dump (.lammpstrj, .dump; gzip/bzip2 too), XYZ and extended XYZ, HOOMD GSD, DCD, XTC.
`;
};


/** Remember --diameters / --type-diameters for the trajectory (in its index), before a job reads its frames. */
async function rememberSizes(file: string, flags: Record<string, unknown>, command: string): Promise<void> {
  const table = flags.diameters;
  const types = flags['type-diameters'];
  if (table === undefined && types === undefined) return;
  if (table !== undefined && types !== undefined) throw new UsageError(`avw ${command}: give --diameters FILE or --type-diameters T:D,..., not both`);
  const { loadDiameterFile, parseTypeDiameters } = await import('../core/index/particle-sizes.js');
  const sizes = typeof table === 'string' ? loadDiameterFile(table) : parseTypeDiameters(String(types));
  const t = await openWithProgress(file, flags['index-dir'] as string | undefined, flags.json === true);
  try {
    t.setParticleSizes(sizes);
  } finally {
    t.close();
  }
}

/** Names laid out in the help's right-hand column. */
function wrapList(names: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const n of names) {
    if (line && line.length + n.length + 1 > 56) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${n}` : n;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${' '.repeat(46)}${l}`).join('\n');
}

/** The registry parameters given on the command line (as --d-soft-small for d_soft_small; paths made absolute). */
function registryParams(flags: Record<string, unknown>, names: readonly string[], paths: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of names) {
    const v = flags[flagOfParam(k)];
    if (v === undefined) continue;
    out[k] = paths.includes(k) && typeof v === 'string' ? resolve(v) : v;
  }
  return out;
}

function out(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

async function openWithProgress(file: string, indexDir: string | undefined, quiet: boolean): Promise<IndexedTrajectory> {
  const { openIndexed } = await import('../core/index/indexed-trajectory.js');
  const bar = progressBar('indexing', !quiet && process.stderr.isTTY === true);
  try {
    const t = openIndexed(resolve(file), {
      indexDir,
      onProgress: (p) => bar.update(p.fileBytesDone, p.fileBytesTotal, `${p.frames} frames`),
    });
    for (const w of t.db.warnings) process.stderr.write(`avw: warning: ${w}\n`);
    return t;
  } finally {
    bar.finish();
  }
}

/** Open the index here before a job's worker does: a damaged one is set aside and started anew, and the user told so. */
async function checkIndex(indexDir: unknown): Promise<void> {
  const { IndexDb } = await import('../core/index/index-db.js');
  const db = IndexDb.open({ indexDir: typeof indexDir === 'string' ? indexDir : undefined });
  for (const w of db.warnings) process.stderr.write(`avw: warning: ${w}\n`);
  db.close();
}

/** A trajectory with no complete frame, because of damage, is an error (exit 1) naming the file and the place. */
function requireUsable(t: IndexedTrajectory): void {
  const why = t.unusable();
  if (why) throw new Error(why);
}

function oneFile(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`avw ${command}: expected one trajectory file, got ${positionals.length}`);
  return positionals[0];
}

async function cmdInfo(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES }, 'info');
  await rememberSizes(resolve(oneFile(positionals, 'info')), flags, 'info');
  const { describeSizes } = await import('../core/index/particle-sizes.js');
  const t = await openWithProgress(oneFile(positionals, 'info'), flags['index-dir'] as string | undefined, flags.json === true);
  try {
    requireUsable(t);
    const info = t.info();
    out(flags.json === true, info, () =>
      [
        `file        ${t.path}`,
        `format      ${info.format}`,
        `frames      ${info.frames}`,
        `particles   ${info.particles}${info.particlesConstant ? '' : ' (first frame; the count changes between frames)'}`,
        `dimensions  ${info.dimensions}`,
        `timesteps   ${info.timesteps ? `${info.timesteps[0]} .. ${info.timesteps[1]}` : 'none'}`,
        `box origin  ${info.box ? info.box.origin.join(' ') : 'none'}`,
        `box vectors ${info.box ? info.box.vectors.map((v) => `[${v.join(' ')}]`).join(' ') : 'none'}`,
        ...(t.particleSizes ? [`diameters   ${describeSizes(t.particleSizes)}`] : []),
        ...(t.damage ? [`damage      ${t.damage.message}`] : []),
      ].join('\n'));
  } finally {
    t.close();
  }
}

async function cmdFrame(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES, frame: FRAME, unwrapped: 'boolean' }, 'frame');
  const file = oneFile(positionals, 'frame');
  await rememberSizes(resolve(file), flags, 'frame');
  if (flags.frame === undefined) throw new UsageError('avw frame: --frame K is required');
  const t = await openWithProgress(file, flags['index-dir'] as string | undefined, flags.json === true);
  try {
    requireUsable(t);
    const k = flags.frame as number;
    if (t.frameCount === 0) throw new Error(`${t.path}: the trajectory has no frames`);
    if (k < 0 || k >= t.frameCount) throw new Error(`${file}: frame ${k} does not exist (the trajectory has ${t.frameCount} frames, 0..${t.frameCount - 1})`);
    const f = t.readFrame(k, { unwrapped: flags.unwrapped === true });
    const pos = flags.unwrapped === true ? (f.unwrapped ?? f.positions) : f.positions;
    // Warnings once the frame is read (a failure is one line): the file's damage, then the frame's own remarks.
    if (t.damage) process.stderr.write(`avw frame: warning: ${t.damage.message}\n`);
    for (const w of f.warnings) process.stderr.write(`avw frame: warning: ${t.path}: frame ${k}: ${w}\n`);
    const positions: number[][] = new Array(f.n);
    for (let i = 0; i < f.n; i++) positions[i] = [pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]];
    const value = {
      frame: k,
      timestep: f.timestep,
      n: f.n,
      box: { origin: f.box.origin, vectors: f.box.vectors },
      ids: Array.from(f.ids),
      positions,
    };
    out(flags.json === true, value, () => {
      const lines = [`frame ${k}  timestep ${f.timestep}  n ${f.n}`, 'id x y z'];
      for (let i = 0; i < f.n; i++) lines.push(`${f.ids[i]} ${positions[i].join(' ')}`);
      return lines.join('\n');
    });
  } finally {
    t.close();
  }
}

async function cmdIndex(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, COMMON, 'index');
  const started = performance.now();
  const t = await openWithProgress(oneFile(positionals, 'index'), flags['index-dir'] as string | undefined, flags.json === true);
  try {
    requireUsable(t);
    const seconds = (performance.now() - started) / 1000;
    const value = { path: t.path, format: t.format, frames: t.frameCount, particles: t.particleCount, seconds, damage: t.damage?.message ?? null };
    out(flags.json === true, value, () =>
      `indexed ${t.path}: ${t.frameCount} frames of ${t.particleCount} particles (${t.format}) in ${seconds.toFixed(2)} s` +
      (t.damage ? `\nwarning: ${t.damage.message}` : ''));
  } finally {
    t.close();
  }
}

async function cmdTags(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, export: PATH, import: PATH }, 'tags');
  const t = await openWithProgress(oneFile(positionals, 'tags'), flags['index-dir'] as string | undefined, flags.json === true);
  try {
    // The tags stay usable whatever happened to the file; its damage is said once.
    if (t.damage) process.stderr.write(`avw tags: warning: ${t.damage.message}\n`);
    const { exportTagsFile, importTagsFile } = await import('../core/index/tags-io.js');
    if (flags.export !== undefined && flags.import !== undefined) throw new UsageError('avw tags: use --export or --import, not both');
    if (typeof flags.export === 'string') {
      const n = t.listTags().length;
      exportTagsFile(t, resolve(flags.export));
      out(flags.json === true, { exported: n, file: resolve(flags.export) }, () => `exported ${n} tags to ${flags.export}`);
    } else if (typeof flags.import === 'string') {
      const r = importTagsFile(t, resolve(flags.import));
      for (const w of r.warnings) process.stderr.write(`avw tags: warning: ${w}\n`);
      out(flags.json === true, r, () => `imported ${r.inserted + r.updated} tags from ${flags.import} (${r.inserted} new, ${r.updated} updated)`);
    } else {
      const tags = t.listTags();
      out(flags.json === true, { tags }, () =>
        tags.length === 0 ? 'no tags' : ['frame kind source score note', ...tags.map((g) => `${g.frame} ${g.kind} ${g.source} ${g.score ?? ''} ${g.note ?? ''}`)].join('\n'));
    }
  } finally {
    t.close();
  }
}

/** Run a job in a worker thread with a progress bar on a terminal; Ctrl-C cancels it (`cancelGraceMs`: how long it may take to stop). */
async function runJob<R>(kind: string, params: unknown, label: string, quiet: boolean, cancelGraceMs?: number): Promise<R> {
  if (kind !== 'simulate') await checkIndex((params as { indexDir?: unknown } | null)?.indexDir);
  const bar = progressBar(label, !quiet && process.stderr.isTTY === true);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await runInWorker<R>(kind, params, {
      signal: controller.signal,
      onProgress: (p) => bar.update(p.done, p.total, p.message),
      cancelGraceMs,
    });
  } finally {
    process.off('SIGINT', onSigint);
    bar.finish();
  }
}

function numberOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

async function cmdSeries(argv: string[]): Promise<void> {
  if (argv.some((a) => a === '--study' || a.startsWith('--study='))) return (await import('./study-command.js')).cmdStudySeries(argv);
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES, name: SERIES_NAME, ...SERIES_FLAGS }, 'series');
  const file = resolve(oneFile(positionals, 'series'));
  await rememberSizes(file, flags, 'series');
  const { validateSeriesParams } = await import('../core/jobs/series-job.js');
  if (flags.name === undefined) throw new UsageError(`avw series: --name is required (${SERIES_NAMES.join('|')})`);
  const params = validateSeriesParams({ path: file, indexDir: flags['index-dir'], name: flags.name, params: registryParams(flags, Object.keys(SERIES_PARAMS), ['is', 'model']) });
  const r = await runJob<SeriesResult>('series', params, params.name, flags.json === true);
  const frames = Array.from({ length: r.values.length }, (_v, i) => i);
  const value = { name: r.name, frames, timesteps: Array.from(r.frames.subarray(0, r.values.length)), values: Array.from(r.values, numberOrNull), measuredOn: r.measuredOn };
  if (r.measuredOn !== file && flags.json !== true) process.stderr.write(`avw series: ${r.name} measured on ${r.measuredOn}\n`);
  out(flags.json === true, value, () => ['frame timestep value', ...frames.map((f) => `${f} ${value.timesteps[f]} ${value.values[f]}`)].join('\n'));
}

function numberFlag(flags: Record<string, unknown>, name: string, command: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new UsageError(`avw ${command}: --${name} must be a number`);
  return x;
}

/** A field's values as JSON: numbers (or [x, y] for vectors), null for flagged particles. */
function fieldValuesJson(r: FieldResult): (number | null | (number | null)[])[] {
  const n = r.ids.length;
  const out: (number | null | (number | null)[])[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (r.components === 1) out[i] = numberOrNull(r.values[i]);
    else {
      const row = Array.from(r.values.subarray(i * r.components, (i + 1) * r.components), numberOrNull);
      out[i] = row.some((v) => v === null) ? null : row;
    }
  }
  return out;
}

async function cmdField(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES, name: FIELD_NAME, frame: FRAME, ref: FRAME, ...FIELD_FLAGS }, 'field');
  const file = resolve(oneFile(positionals, 'field'));
  await rememberSizes(file, flags, 'field');
  const { validateFieldParams } = await import('../core/jobs/field-job.js');
  if (flags.name === undefined) throw new UsageError(`avw field: --name is required (${FIELD_NAMES.join('|')}|file:PROPERTY)`);
  if (flags.frame === undefined) throw new UsageError('avw field: --frame F is required');
  const params = validateFieldParams({
    path: file, indexDir: flags['index-dir'], name: flags.name, frame: flags.frame, ref: flags.ref,
    params: registryParams(flags, Object.keys(FIELD_PARAMS), ['is', 'model']),
  });
  const r = await runJob<FieldResult>('field', params, params.name, flags.json === true);
  if (r.invalidCount > 0) process.stderr.write(`avw field: ${r.invalidCount} particle(s) flagged (null): too few neighbours, a singular fit, or absent in the reference\n`);
  const value = { name: r.name, frame: r.frame, ref: r.ref, ids: Array.from(r.ids), values: fieldValuesJson(r), invalid: r.invalidCount, parameters: r.used };
  out(flags.json === true, value, () => ['id value', ...value.ids.map((id, i) => `${id} ${JSON.stringify(value.values[i])}`)].join('\n'));
}

async function cmdDetect(argv: string[]): Promise<void> {
  const { validateDetectParams, MIN_SCORE_OPTION, MIN_STEP_OPTION, DETECT_SERIES_CHOICES } = await import('../core/jobs/detect-job.js');
  const { positionals, flags } = parseArgs(argv, {
    ...COMMON, 'min-score': MIN_SCORE_OPTION, 'min-step': MIN_STEP_OPTION, 'no-store': 'boolean', series: { type: 'enum', values: DETECT_SERIES_CHOICES }, is: PATH,
  }, 'detect');
  if (flags['min-step'] !== undefined && flags['min-score'] !== undefined) throw new UsageError('avw detect: give --min-step (IS steps scored by size) or --min-score (scored by their same-lag z), not both');
  if (flags['min-step'] !== undefined && flags.series === 'msd') throw new UsageError('avw detect: --min-step sizes the steps between inherent structures (--series is_step_msd or auto), not the MSD from frame 0 (--series msd)');
  const params = validateDetectParams({
    path: resolve(oneFile(positionals, 'detect')), indexDir: flags['index-dir'], minScore: numberFlag(flags, 'min-score', 'detect'), store: flags['no-store'] !== true,
    series: flags.series, is: flags.is, minStep: numberFlag(flags, 'min-step', 'detect'),
  });
  const r = await runJob<DetectResult>('detect', params, 'detect', flags.json === true);
  out(flags.json === true, r, () => [
    r.series === 'is_step_msd' ? `scored: is_step_msd, the MSD between consecutive inherent structures of ${r.isPath}${r.minStep !== undefined ? `, by size (a step >= ${r.minStep})` : ''}` : 'scored: msd, the MSD from frame 0',
    `${r.candidates.length} candidate(s); detector tags: ${r.added} added, ${r.updated} updated, ${r.removed} removed`,
    ...r.candidates.map((c) => `frame ${c.frame}  score ${c.score.toFixed(1)}  before ${c.before}  after ${c.after}${r.minStep !== undefined ? `  step ${c.size.toPrecision(3)}` : ''}`),
  ].join('\n'));
}

async function cmdCorrelate(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES, names: FIELD_NAME_LIST, frame: FRAME, ref: FRAME, ...FIELD_FLAGS }, 'correlate');
  rememberSizes(resolve(oneFile(positionals, 'correlate')), flags, 'correlate');
  if (typeof flags.names !== 'string') throw new UsageError('avw correlate: --names a,b,c is required');
  if (flags.frame === undefined) throw new UsageError('avw correlate: --frame F is required');
  const { validateCorrelateParams } = await import('../core/jobs/correlate-job.js');
  const params = validateCorrelateParams({
    path: resolve(oneFile(positionals, 'correlate')), indexDir: flags['index-dir'], frame: flags.frame, ref: flags.ref,
    params: registryParams(flags, Object.keys(FIELD_PARAMS), ['is', 'model']), names: flags.names.split(',').map((s) => s.trim()).filter(Boolean),
  });
  const r = await runJob<CorrelateResult>('correlate', params, 'correlate', flags.json === true);
  const k = r.names.length;
  const matrix = (m: Float64Array): (number | null)[][] => Array.from({ length: k }, (_v, a) => Array.from(m.subarray(a * k, a * k + k), numberOrNull));
  const value = { names: r.names, pearson: matrix(r.pearson), spearman: matrix(r.spearman), used: r.used, dropped: r.dropped };
  out(flags.json === true, value, () => [
    `${r.used} particles (${r.dropped} dropped: a flagged field)`,
    'Pearson', ...value.pearson.map((row, a) => `${r.names[a].padEnd(12)} ${row.map((v) => (v ?? NaN).toFixed(3).padStart(7)).join(' ')}`),
    'Spearman', ...value.spearman.map((row, a) => `${r.names[a].padEnd(12)} ${row.map((v) => (v ?? NaN).toFixed(3).padStart(7)).join(' ')}`),
  ].join('\n'));
}

/** Option values several commands take. */
const POSITIVE: FlagSpec[string] = { type: 'number', min: 0, minExclusive: true, max: 1e4 };
const QUANTILE: FlagSpec[string] = { type: 'number', min: 0, minExclusive: true, max: 1, maxExclusive: true };
const FTOL: FlagSpec[string] = { type: 'number', min: 0, minExclusive: true, max: 1e3 };
const MAX_ITERATIONS: FlagSpec[string] = { type: 'int', min: 1, max: 1e12 };

/** A numeric flag that must be an integer (accepts 1e6 style). */
function intFlag(flags: Record<string, unknown>, name: string, command: string): number | undefined {
  const x = numberFlag(flags, name, command);
  if (x !== undefined && !Number.isInteger(x)) throw new UsageError(`avw ${command}: --${name} must be an integer`);
  return x;
}

function fmtSeconds(s: number): string {
  return s < 100 ? `${s.toFixed(2)} s` : `${(s / 60).toFixed(1)} min`;
}

const SIM_FLAGS: FlagSpec = {
  ...COMMON, ...SIMULATE_OPTIONS,
};

async function cmdSimulate(argv: string[]): Promise<void> {
  const [kind, ...rest] = argv;
  if (kind !== 'thermal' && kind !== 'nve' && kind !== 'aqs') throw new UsageError('avw simulate: expected thermal, nve or aqs (avw simulate thermal|nve|aqs ...)');
  const cmd = `simulate ${kind}`;
  const { positionals, flags } = parseArgs(rest, SIM_FLAGS, cmd);
  if (positionals.length > 0) throw new UsageError(`avw ${cmd}: unexpected argument "${positionals[0]}"`);
  let raw: Record<string, unknown>;
  try {
    raw = simulateRawFromOptions(kind, flags, { indexDir: flags['index-dir'] as string | undefined });
  } catch (e) {
    if (e instanceof SimulateOptionError) throw new UsageError(e.message);
    throw e;
  }
  let r: SimulateResult;
  try {
    // The job validates the parameters in its worker (loading the simulation modules once, there).
    // A cancel (Ctrl-C) writes a checkpoint at the next chunk or frame: give it time (a minimization or a shear step).
    r = await runJob<SimulateResult>('simulate', raw, kind, flags.json === true, 120_000);
  } catch (e) {
    if (e instanceof JobCancelledError) throw new Error(`cancelled; a checkpoint was written: continue with the same command and --resume`);
    // A value the job refuses (checked where it runs, by its parameter's name): said with the option's name.
    const message = e instanceof Error ? e.message : String(e);
    const words = simulateMessageInOptionWords(kind, message);
    if (words !== message && / must /.test(words)) throw new UsageError(words);
    throw e;
  }
  for (const w of r.warnings) process.stderr.write(`avw ${cmd}: warning: ${w}\n`);
  if (r.unconverged > 0) process.stderr.write(`avw ${cmd}: warning: ${r.unconverged} inherent structure(s) did not reach the force tolerance (log/converged = 0)\n`);
  out(flags.json === true, r, () => [
    `${r.resumed ? 'resumed and finished' : 'wrote'} ${r.out}: ${r.frames} frames of ${r.n} particles${r.isOut ? ` (+ inherent structures ${r.isOut})` : ''}`,
    r.kind === 'aqs'
      ? `${r.steps} strain steps (strain ${r.final.strain?.toExponential(3)}), ${r.drops} energy drops, ${r.avalancheFrames} avalanche frames, wall ${fmtSeconds(r.wallSeconds)}`
      : `${r.steps} MD steps in ${fmtSeconds(r.wallSeconds)} wall (${(r.atomStepsPerSecond / 1e6).toFixed(2)} M atom-steps/s overall, ${(r.mdAtomStepsPerSecond / 1e6).toFixed(2)} M in the integration${r.isOut ? `; minimizations ${fmtSeconds(r.isSeconds)}` : ''})`,
    `sidecar ${r.sidecar}`,
  ].join('\n'));
}

async function cmdFigure(argv: string[]): Promise<void> {
  const study = await import('./study-figure-command.js');
  if (study.isStudyFigure(argv)) return study.cmdStudyFigure(argv);
  const { figureParamsFromArgs } = await import('./figure-command.js');
  const { params, json } = figureParamsFromArgs(argv);
  const r = await runJob<FigureJobResult>('figure', params, 'figure', json);
  if (r.preview) throw new Error('avw figure: no output path');
  for (const w of r.warnings) process.stderr.write(`avw figure: ${w}\n`);
  const inches = (pt: number): string => (pt / 72).toFixed(2);
  out(json, r, () => [
    `${r.path}: ${r.format.toUpperCase()}, ${inches(r.widthPt)} x ${inches(r.heightPt)} in, ${(r.bytes / 1024).toFixed(0)} KiB`,
    `spec: ${r.sidecar}`,
    `data: ${r.csv}`,
  ].join('\n'));
}

async function cmdMinimize(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES, out: PATH, method: MINIMIZER, ftol: FTOL, potential: POTENTIAL, 'max-iterations': MAX_ITERATIONS, resume: 'boolean' }, 'minimize');
  const file = oneFile(positionals, 'minimize');
  rememberSizes(resolve(file), flags, 'minimize');
  if (typeof flags.out !== 'string') throw new UsageError('avw minimize: --out IS.gsd is required');
  const { validateMinimizeParams } = await import('../core/jobs/minimize-job.js');
  const params = validateMinimizeParams({
    path: resolve(file), out: resolve(flags.out), method: flags.method, ftol: numberFlag(flags, 'ftol', 'minimize'), potential: flags.potential,
    maxIterations: intFlag(flags, 'max-iterations', 'minimize'), resume: flags.resume === true, indexDir: flags['index-dir'],
  });
  let r: MinimizeJobResult;
  try {
    // A cancel (Ctrl-C) stops after the frame being minimized: the checkpoint covers every frame written.
    r = await runJob<MinimizeJobResult>('minimize', params, 'minimize', flags.json === true, 120_000);
  } catch (e) {
    if (e instanceof JobCancelledError) throw new Error('cancelled; a checkpoint was written: continue with the same command and --resume');
    throw e;
  }
  if (r.unconverged > 0) process.stderr.write(`avw minimize: warning: ${r.unconverged} frame(s) did not reach max|F| < ${r.ftol} (log/converged = 0)\n`);
  out(flags.json === true, r, () =>
    `${r.resumed ? 'resumed and finished' : 'wrote'} ${r.out}: ${r.frames} inherent structures of ${r.n} particles (${r.method}, max|F| <= ${r.maxForce.toExponential(2)}) in ${fmtSeconds(r.wallSeconds)}`);
}

/** Largest max |F_i| still taken for a minimum by `avw modes` (inherent structures reach 1e-10). */
const MODES_FORCE_TOLERANCE = 1e-6;

async function cmdModes(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, ...SIZES, frame: FRAME, potential: POTENTIAL, count: { type: 'int', min: 1, max: 1000 } }, 'modes');
  const file = resolve(oneFile(positionals, 'modes'));
  rememberSizes(file, flags, 'modes');
  if (flags.frame === undefined) throw new UsageError('avw modes: --frame F is required');
  const { validateModesParams } = await import('../core/jobs/modes-job.js');
  const params = validateModesParams({ path: file, indexDir: flags['index-dir'], frame: flags.frame, potential: flags.potential, count: flags.count });
  const r = await runJob<ModesResult>('modes', params, 'modes', flags.json === true);
  if (r.maxForce > MODES_FORCE_TOLERANCE || r.negativeModes > 0) {
    process.stderr.write(`avw modes: warning: ${file} frame ${r.frame} is not a minimum (max |F| = ${r.maxForce.toExponential(3)}, ${r.negativeModes} negative mode(s)); `
      + 'the Hessian spectrum of an inherent structure needs minimized positions (avw minimize)\n');
  }
  if (r.eigenvalues.length < r.count) process.stderr.write(`avw modes: warning: only ${r.eigenvalues.length} positive eigenvalue(s) exist, fewer than --count ${r.count}\n`);
  const value = {
    frame: r.frame, potential: r.potential, count: r.count, eigenvalues: r.eigenvalues, lambdaSmallest: r.lambdaSmallest,
    zeroModes: r.zeroModes, negativeModes: r.negativeModes, lambdaMax: r.lambdaMax, maxForce: r.maxForce,
  };
  out(flags.json === true, value, () => [
    `frame ${r.frame} (${r.n} particles, ${r.potential}): lambda_smallest = ${r.lambdaSmallest ?? 'none'} (mean of ${r.eigenvalues.length} smallest positive eigenvalues)`,
    `zero modes ${r.zeroModes} (${r.rattlers} rattler(s)), negative modes ${r.negativeModes}, lambda_max ${r.lambdaMax}, max |F| ${r.maxForce.toExponential(3)}`,
    'eigenvalues:', ...r.eigenvalues.map((l, i) => `${i + 1} ${l}`),
  ].join('\n'));
}

/** A number list "a,b" (one or two positive numbers: small, large). */
function numberList(v: unknown, option: string, command: string): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map((x) => Number(x.trim()));
  if (parts.length < 1 || parts.length > 2 || !parts.every((x) => Number.isFinite(x) && x > 0)) {
    throw new UsageError(`avw ${command}: ${option} must be one positive number or two separated by a comma (small,large), got "${String(v)}"`);
  }
  return parts;
}

async function cmdSoftness(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'train') throw new UsageError('avw softness: expected train (avw softness train FILE --frame F --ref R --out MODEL.json)');
  const cmd = 'softness train';
  const { positionals, flags } = parseArgs(rest, {
    ...COMMON, frame: FRAME, ref: FRAME, cutoff: POSITIVE, 'positive-quantile': QUANTILE, 'negative-quantile': QUANTILE, 'd-soft': SMALL_LARGE,
    'd-hard': SMALL_LARGE, r0: { type: 'number', min: 0, max: 1e4 }, dr: POSITIVE, count: { type: 'int', min: 1, max: 1000 }, width: POSITIVE,
    species: { type: 'enum', values: ['none', 'type'] }, C: { type: 'number', min: 0, minExclusive: true, max: 1e12 },
    hyperplanes: { type: 'int', min: 1, max: 1000 }, seed: { type: 'int', min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }, out: PATH,
    aqs: 'boolean', window: { type: 'int', min: 1, max: 1_000_000 },
  }, cmd);
  const file = resolve(oneFile(positionals, cmd));
  if (flags.frame === undefined || flags.ref === undefined) throw new UsageError(`avw ${cmd}: --frame F and --ref R are required (D2min between them labels the particles)`);
  if (typeof flags.out !== 'string') throw new UsageError(`avw ${cmd}: --out MODEL.json is required`);
  const quantile = flags['positive-quantile'] !== undefined || flags['negative-quantile'] !== undefined;
  const threshold = flags['d-soft'] !== undefined || flags['d-hard'] !== undefined;
  if (quantile && threshold) throw new UsageError(`avw ${cmd}: label by quantiles (--positive-quantile, --negative-quantile) or by thresholds (--d-soft, --d-hard), not both`);
  if (flags.aqs === true && quantile) throw new UsageError(`avw ${cmd}: --aqs labels by d_soft and d_hard (--d-soft, --d-hard), not by quantiles`);
  if (flags.window !== undefined && flags.aqs !== true) throw new UsageError(`avw ${cmd}: --window W goes with --aqs`);
  const f = (name: string): number | undefined => numberFlag(flags, name, cmd);
  const labels = flags.aqs === true
    ? { kind: 'aqs', dSoft: flags['d-soft'] === undefined ? undefined : numberList(flags['d-soft'], '--d-soft', cmd), dHard: flags['d-hard'] === undefined ? undefined : numberList(flags['d-hard'], '--d-hard', cmd), window: flags.window }
    : threshold
    ? { kind: 'threshold', dSoft: numberList(flags['d-soft'], '--d-soft', cmd), dHard: numberList(flags['d-hard'], '--d-hard', cmd) }
    : { kind: 'quantile', positive: f('positive-quantile'), negative: f('negative-quantile') };
  const { validateSoftnessTrainParams } = await import('../core/jobs/softness-train-job.js');
  const params = validateSoftnessTrainParams({
    path: file, indexDir: flags['index-dir'], frame: flags.frame, ref: flags.ref, cutoff: f('cutoff'), labels, r0: f('r0'), dr: f('dr'),
    count: flags.count, width: f('width'), species: flags.species, C: f('C'), hyperplanes: flags.hyperplanes, seed: flags.seed, out: resolve(flags.out),
  });
  const r = await runJob<SoftnessTrainResult>('softness-train', params, 'softness train', flags.json === true);
  const acc = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
  out(flags.json === true, r, () => [
    `wrote ${r.out}: ${r.hyperplanes.length} hyperplane(s) from frames ${r.ref} ${r.thresholds.labels === 'aqs' ? '..' : '->'} ${r.frame} (${r.positives} rearranging, ${r.negatives} non-rearranging of ${r.n}; species by ${r.speciesRule})`,
    ...r.hyperplanes.map((h, k) => `hyperplane ${k}${h.particleSpecies === null ? '' : ` (species ${h.particleSpecies})`}: train accuracy ${acc(h.trainAccuracy)}, validation ${acc(h.validationAccuracy)}, objective ${h.objective}, ${h.nTrain} rows`),
  ].join('\n'));
}

async function cmdRearrangers(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, {
    ...COMMON, frames: { type: 'text', pattern: /^\d+:\d+$/, allowed: 'A:B (frame numbers, A < B)' }, rd: SERIES_FLAGS.rd, 'd-soft': SMALL_LARGE,
    'quiet-radius': POSITIVE, 'quiet-factor': POSITIVE,
  }, 'rearrangers');
  const file = resolve(oneFile(positionals, 'rearrangers'));
  let frames: number[] | undefined;
  if (flags.frames !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(String(flags.frames));
    if (!m) throw new UsageError(`avw rearrangers: --frames must be A:B (frame numbers), got "${String(flags.frames)}"`);
    frames = [Number(m[1]), Number(m[2])];
  }
  const { validateRearrangersParams } = await import('../core/jobs/rearrangers-job.js');
  const params = validateRearrangersParams({
    path: file, indexDir: flags['index-dir'], frames, rd: numberFlag(flags, 'rd', 'rearrangers'), dSoft: numberList(flags['d-soft'], '--d-soft', 'rearrangers'),
    quietRadius: numberFlag(flags, 'quiet-radius', 'rearrangers'), quietFactor: numberFlag(flags, 'quiet-factor', 'rearrangers'),
  });
  const r = await runJob<RearrangersResult>('rearrangers', params, 'rearrangers', flags.json === true);
  out(flags.json === true, r, () => [
    `${r.total} rearrangers over frames ${r.frames[0]}..${r.frames[1]} (species by ${r.speciesRule}); single-rearranger frames: ${r.singleFrames.join(' ') || 'none'}`,
    'frame count ids', ...r.pairs.map((p) => `${p.frame} ${p.count}${p.single ? ' (single)' : ''} ${p.ids.join(',')}`),
  ].join('\n'));
}

export const COMMANDS: Record<string, (argv: string[]) => void | Promise<void>> = {
  info: cmdInfo, frame: cmdFrame, index: cmdIndex, tags: cmdTags, series: cmdSeries, field: cmdField, detect: cmdDetect, correlate: cmdCorrelate,
  simulate: cmdSimulate, minimize: cmdMinimize, figure: cmdFigure, study: async (argv) => (await import('./study-command.js')).cmdStudy(argv), modes: cmdModes,
  betti: async (argv) => (await import('./topology-command.js')).cmdBetti(argv),
  export: (argv) => exportCommand(argv, { runJob, rememberSizes }),
  softness: cmdSoftness, rearrangers: cmdRearrangers,
};

/** Commands that only read the trajectory and (re)build index contents: safe to run again on a new index. */
const RETRY_ON_DAMAGED_INDEX = new Set(['info', 'frame', 'index', 'tags', 'series', 'field', 'detect', 'correlate', 'modes', 'betti', 'rearrangers']);

/** The --index-dir of a command line (else the environment's or the default index). */
function indexDirArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === '--index-dir') return argv[i + 1];
    if (argv[i].startsWith('--index-dir=')) return argv[i].slice('--index-dir='.length);
  }
  return undefined;
}

/** An index found damaged while in use (a corrupt page): set it aside and run the command once more on a new one. */
async function runRetryingOnDamagedIndex(command: string, run: (argv: string[]) => void | Promise<void>, rest: string[]): Promise<void> {
  try {
    await run(rest);
  } catch (e) {
    if (!RETRY_ON_DAMAGED_INDEX.has(command)) throw e;
    const { isIndexDamage, quarantineIndex } = await import('../core/index/index-db.js');
    if (!isIndexDamage(e)) throw e;
    const { indexDbPath } = await import('../core/index/data-dir.js');
    const file = indexDbPath(indexDirArg(rest));
    const aside = quarantineIndex(file, 'damaged');
    process.stderr.write(`avw: warning: ${file}: the trajectory index is damaged (${(e as Error).message.replace(/^.*?: /, '')}); ` +
      `${aside ? `it was moved to ${aside}; ` : ''}a new index is built, the tags come back from its journal\n`);
    await run(rest);
  }
}

/** The value of `--name` on a command line (`--name V` or `--name=V`), or undefined. */
function optionValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

/**
 * A frame past the end of the file, found where the file is read ("FILE: frame 9 does not exist (3 frames, 0..2)"),
 * said as a bad value of the option that gave it: "--frame must be a frame of FILE, 0..2 (got 9)". Null for any other
 * message, or when no option gave that frame.
 */
export function frameErrorInOptionWords(message: string, argv: readonly string[]): string | null {
  const m = /^(.+): (?:(reference )?frame|--(frame|ref)) (\d+) does not exist \((?:the trajectory has )?(\d+) frames(?:, 0\.\.\d+)?\)$/.exec(message);
  if (!m) return null;
  const [, file, reference, named, k, n] = m;
  const option = (named ? [named] : reference ? ['ref', 'reference'] : ['frame']).find((o) => optionValue(argv, o) === k);
  if (!option) return null;
  const count = Number(n);
  return `--${option} must be a frame of ${file}, ${count === 0 ? 'which has none' : `0..${count - 1}`} (got ${k})`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help')) {
    process.stdout.write(await help());
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    process.stdout.write('avw 0.1.0\n');
    return 0;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`avw: unknown command "${command}" (try avw --help)`);
    await runRetryingOnDamagedIndex(command, run, rest);
    return 0;
  } catch (e) {
    let message = e instanceof Error ? e.message : String(e);
    const unprefixed = message.replace(/^avw [\w ]+?: /, '');
    const frame = frameErrorInOptionWords(unprefixed, rest);
    if (frame) message = frame;
    process.stderr.write(`${message.startsWith('avw') ? message : `avw ${command}: ${message}`}\n`);
    // A value out of its declared range (the registry's or an option's, or a frame the file does not have) is a usage
    // error, as on the command line.
    return e instanceof UsageError || e instanceof ParamError || frame !== null ? 2 : 1;
  }
}

// A test runs the commands in its own process (AVW_CLI_IN_PROCESS=1 before importing this module) and calls runCli.
if (process.env.AVW_CLI_IN_PROCESS !== '1') {
  process.exitCode = await runCli(process.argv.slice(2));
  if (process.env.AVW_REPORT_RSS) {
    // For the benchmark: the peak resident set size of the whole process, in KiB.
    process.on('exit', () => process.stderr.write(`avw-peak-rss-kb=${process.resourceUsage().maxRSS}\n`));
  }
}
