// The API's lists and limits as plain data: the renderer's forms read them (tag kinds, figure kinds, formats, sizes,
// the simulation parameters) and api-params.ts builds the validation of every method from them. No schema library
// here: this file is bundled into the renderer and the preload script.

/** Limits on what a request may carry. */
export const API_LIMITS = {
  pathLength: 4096,
  noteLength: 10_000,
  /** Characters of an imported tag file. */
  importTextLength: 8 * 1024 * 1024,
  /** Serialized size of the session's layout object. */
  layoutJsonLength: 64 * 1024,
  layoutDepth: 16,
  maxId: 2 ** 31 - 1,
  /** Serialized size of a figure spec. */
  figureSpecJsonLength: 256 * 1024,
} as const;

export const TAG_KINDS = ['avalanche', 'uncertain', 'not-avalanche', 'candidate'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

/** Figure kinds, output formats, size presets and raster resolutions of the figure engine (src/core/figures: spec.ts,
 * style.ts), repeated here for the renderer, which never imports core; a test keeps the two lists equal. */
export const FIGURE_KINDS = ['fields', 'vectors', 'timeline', 'distribution', 'heatmap', 'scatter', 'grid', 'local_gr', 'ln_g_beta_u'] as const;
export type FigureKindName = (typeof FIGURE_KINDS)[number];
export const FIGURE_FORMATS = ['pdf', 'svg', 'png', 'tiff'] as const;
export type FigureFormatName = (typeof FIGURE_FORMATS)[number];
export const FIGURE_PRESETS = ['aps-single', 'aps-double'] as const;
export type FigurePresetName = (typeof FIGURE_PRESETS)[number];
export const FIGURE_DPI_CHOICES = [300, 600, 1200] as const;
/** File name endings of figure outputs (the format is the extension's). */
export const FIGURE_EXTENSIONS = ['.pdf', '.svg', '.png', '.tif', '.tiff'] as const;
/** Part of the error an export gives when a file it would write exists and `overwrite` was not passed. */
export const FIGURE_EXISTS_MESSAGE = 'already exist';
/** Part of the error training gives when the model file exists and `overwrite` was not passed. */
export const MODEL_EXISTS_MESSAGE = 'already exists';
/** Labels of a softness training set (Zhang, Ridout & Liu Sec. II C): D2min quantiles of the frame pair, or thresholds. */
export const SOFTNESS_LABELS = ['quantile', 'threshold'] as const;
export type SoftnessLabelsName = (typeof SOFTNESS_LABELS)[number];
/** Limits of the softness training form (the job, src/core/jobs/softness-train-job.ts, takes the same). */
export const SOFTNESS_LIMITS = { maxCount: 1000, maxHyperplanes: 1000 } as const;
/** Keys of a figure spec the renderer may send and of its style: the API's declaration (api-params.ts) has exactly
 * these, and the engine's normalizeSpec takes them (besides what it fills in and what a sidecar adds). */
export const FIGURE_SPEC_KEYS = [
  'version', 'kind', 'frame', 'before', 'after', 'field', 'fields', 'vector', 'series', 'potential', 'temperature', 'marks', 'xAxis',
  'coefficient', 'bins', 'family', 'reference', 'cutoff', 'params', 'range', 'preset', 'style', 'dpi',
] as const;
export const FIGURE_STYLE_KEYS = [
  'width', 'height', 'fontFamily', 'fontSize', 'colormap', 'lineWidth', 'boxOutline', 'scaleBar', 'rasterParticles', 'rasterDpi', 'logX', 'logY', 'arrowScale',
] as const;

export type ParamSpec = { type: 'int' | 'number'; min: number; max: number; minExclusive?: boolean } | { type: 'boolean' };

export const SIMULATION_KINDS = ['thermal', 'aqs'] as const;
export type SimulationKind = (typeof SIMULATION_KINDS)[number];

/** Parameters of `startSimulation` by kind, as the `avw simulate` CLI takes them. */
export const SIMULATION_PARAMS: Record<SimulationKind, Record<string, ParamSpec>> = {
  thermal: {
    n: { type: 'int', min: 2, max: 10_000_000 },
    rho: { type: 'number', min: 0, max: 100, minExclusive: true },
    T: { type: 'number', min: 0, max: 1000, minExclusive: true },
    Tp: { type: 'number', min: 0, max: 1000, minExclusive: true },
    equil: { type: 'int', min: 0, max: 1e12 },
    tw: { type: 'int', min: 0, max: 1e12 },
    B: { type: 'int', min: 1, max: 1e12 },
    ncfg: { type: 'int', min: 1, max: 52 },
    blocks: { type: 'int', min: 1, max: 1_000_000 },
    dt: { type: 'number', min: 0, max: 1, minExclusive: true },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    /** Also write the inherent structures (<out>.is.gsd, for is_displacement). */
    is: { type: 'boolean' },
  },
  aqs: {
    n: { type: 'int', min: 2, max: 10_000_000 },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1 },
    steps: { type: 'int', min: 1, max: 1e9 },
    deps: { type: 'number', min: 0, max: 1, minExclusive: true },
  },
};

// ---- studies (the Study view) ----

/** How a study's runs are run: on this machine, or as one SLURM job array. */
export const STUDY_SCHEDULERS = ['local', 'slurm'] as const;
export type StudySchedulerName = (typeof STUDY_SCHEDULERS)[number];
/** A run's state (src/core/study/run-status.ts RUN_STATES; a test keeps the two lists equal). */
export const STUDY_RUN_STATES = ['pending', 'running', 'done', 'failed'] as const;
export type StudyRunState = (typeof STUDY_RUN_STATES)[number];
/** The ensemble figures of a study, the moments of an event and which events (src/core/study/study-figure.ts, events.ts). */
export const STUDY_FIGURE_KINDS = ['distribution', 'timeline', 'tau'] as const;
export type StudyFigureKindName = (typeof STUDY_FIGURE_KINDS)[number];
export const STUDY_MOMENTS = ['before', 'at', 'after'] as const;
export const STUDY_EVENT_SELECTIONS = ['all', 'confirmed'] as const;
/** Keys of a study figure spec the renderer may send (the engine's normalizeStudyFigureSpec takes them; the service
 * fills in `study`). */
export const STUDY_FIGURE_SPEC_KEYS = ['version', 'kind', 'field', 'moment', 'events', 'bins', 'range', 'series', 'q', 'style', 'preset', 'dpi'] as const;
/** sbatch options a submission from the workbench may add (--NAME=VALUE; hold, requeue and no-requeue without a value).
 * Nothing that names a command, a script, a file or an environment: the job runs what the study file names. */
export const SBATCH_VALUE_OPTIONS = ['partition', 'account', 'qos', 'time', 'mem', 'nice', 'begin', 'constraint', 'exclude', 'nodelist', 'reservation', 'mail-type', 'mail-user'] as const;
export const SBATCH_FLAG_OPTIONS = ['hold', 'requeue', 'no-requeue'] as const;
/** Runs at a time on this machine, runs a request may name, sbatch options a submission may add. */
export const STUDY_LIMITS = { maxParallel: 1024, runs: 100_000, sbatchArgs: 32 } as const;
