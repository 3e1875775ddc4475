// The typed contract between the renderer and the backend (Electron IPC or the web host's WebSocket): one method per
// request with its parameters and result, the events the backend pushes, the IPC channels. The parameters are declared
// once in api-params.ts (their types come from there; this file imports them as types only, so the renderer bundles no
// validation); the backend checks every request against them with `validateRequest` (api-validate.ts).
import type { InferInput } from 'valibot';
import type { ApiParamSchemas } from './api-params.js';

export { FIELD_NAMES, SERIES_NAMES } from './fields.js';
export * from './api-constants.js';
import type { FigureFormatName, StudyRunState, StudySchedulerName, TagKind } from './api-constants.js';

/** The parameters a method takes, as the client sends them (defaults may be left out). */
type ParamsOf<M extends keyof ApiParamSchemas> = InferInput<ApiParamSchemas[M]>;

export interface BoxJson {
  origin: [number, number, number];
  vectors: [[number, number, number], [number, number, number], [number, number, number]];
  periodic: [boolean, boolean, boolean];
}

export interface TrajectoryInfo {
  id: number;
  path: string;
  format: string;
  frames: number;
  particles: number;
  particlesConstant: boolean;
  dimensions: 2 | 3;
  timesteps: [number, number];
  box: BoxJson;
  /** Damage found while indexing (a truncated or corrupt frame): the frames before it are usable. */
  damage: string | null;
  /** Fields from the per-particle properties the file stores (frame 0): `file:c_pe`, `file:velocity`, ... */
  fileFields: string[];
}

export interface FramePayload {
  trajectoryId: number;
  frame: number;
  timestep: number;
  n: number;
  dimensions: 2 | 3;
  box: BoxJson;
  /** Particle ids (ascending) and types; empty when `particlesOmitted`. */
  ids: Int32Array;
  types: Int32Array;
  /** n * stride absolute Cartesian positions: Float64 x, y, z by default; with `compact`, Float32 and only the
   * frame's own dimensions (x, y for 2D): a third of the bytes. */
  positions: Float64Array | Float32Array;
  stride: 2 | 3;
  /** Per-particle diameters when the file has them (diameter, or 2*radius; Float32 with `compact`), else null. */
  diameters: Float64Array | Float32Array | null;
  /** A 64-bit digest (16 hex digits) of ids, types and diameters: frames with equal keys have equal particles. */
  particlesKey: string;
  /** The request's `particlesKey` matched: ids, types and diameters were left out (the client has them). */
  particlesOmitted: boolean;
  warnings: string[];
}

export interface AppVersion {
  app: string;
  version: string;
  host: 'electron' | 'web';
}

export type TagSource = 'manual' | 'detector';

export interface TagJson {
  id: number;
  frame: number;
  /** Timestep and time of the frame (time = step * dt when the schedule knows dt, else null). */
  timestep: number;
  /** Added by the backend: the frame's time (from the file, else step * dt), or null when unknown. */
  time?: number | null;
  kind: TagKind;
  source: TagSource;
  score: number | null;
  note: string;
  /** The event's own bracket when the tag knows it (the detector's candidates do, manual tags do not): the last
   * frame before the event and the frame where it has ended, before <= frame <= after. */
  before?: number;
  after?: number;
  createdAt: string;
  updatedAt: string;
}

export interface SeriesPayload {
  name: string;
  /** Timestep of every frame. */
  timesteps: Float64Array;
  values: Float64Array;
}

export interface FieldPayload {
  trajectoryId: number;
  name: string;
  frame: number;
  /** The reference frame used (-1 for softness). */
  ref: number;
  /** 1 for scalar fields, the dimension for vector fields (na, displacement, is_displacement). */
  components: number;
  /** n * components, particles in id order; NaN marks a flagged particle (too few neighbours, singular fit, absent). */
  values: Float32Array;
  invalidCount: number;
}

export interface Candidate {
  frame: number;
  score: number;
  before: number;
  after: number;
}

export interface JobSnapshot {
  id: number;
  kind: string;
  label: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string;
  /** For finished simulations: the trajectory written (opened by the client when it likes). */
  outputPath: string | null;
  error: string | null;
  startedAt: string;
}

/** One run of a study as the Study view shows it. */
export interface StudyRunRow {
  /** The run's number (its SLURM array index) and folder name (T0.25-s3). */
  id: number;
  name: string;
  T: number | null;
  seed: number;
  /** The run's trajectory. */
  out: string;
  state: StudyRunState;
  /** The SLURM array task (JOBID_TASK) of the run's latest submission, null for local runs. */
  jobId: string | null;
  /** Progress of the run, 0..1, and its last message (or why it failed, or is pending). */
  fraction: number;
  message: string;
  /** What it holds: from the study's index once collected (a person's tags included), else from its status file. */
  frames: number | null;
  candidates: number | null;
  tags: number | null;
  scheduler: StudySchedulerName | null;
}

/** Progress of a whole study. */
export interface StudyProgress {
  studyId: number;
  runs: StudyRunRow[];
  done: number;
  failed: number;
  /** Of the whole study, 0..1 (finished runs count 1). */
  fraction: number;
  /** Sources that could not be asked (squeue missing, accounting disabled, ...). */
  notes: string[];
  /** The local run of this study in progress in this workbench (a 'study' job), or null. */
  localJobId: number | null;
}

/** An open study: its file as read now, and every run. */
export interface StudyInfo extends StudyProgress {
  /** The study file (absolute) and its name, kind of simulation, temperatures, seeds and analyses as the file gives them. */
  file: string;
  name: string;
  simulate: string;
  temperatures: (number | null)[];
  seeds: number[];
  analyses: string[];
  /** The study's folder and its index. */
  dir: string;
  indexDir: string;
  /** Resources of one SLURM array task (given by the study file, else derived from it). */
  slurm: { time: string; mem: string };
}

export type StudyRunResult =
  | { scheduler: 'local'; job: JobSnapshot }
  | {
    scheduler: 'slurm';
    /** The array job's id, or null when there was nothing to submit (then `note` says why). */
    jobId: string | null;
    submitted: number[];
    script: string | null;
    time: string;
    mem: string;
    note: string | null;
  };

export interface StudyCollectResult {
  /** Shards merged now, shards unchanged since the last collect, runs not done (nothing to merge yet). */
  merged: number;
  unchanged: number;
  notDone: number[];
  seconds: number;
}

/** An ensemble figure spec from the renderer: the engine's StudyFigureSpec (src/core/study/study-figure.ts) without
 * `study`, which the service fills in from the open study. */
export type StudyFigureSpecRequest = ParamsOf<'previewStudyFigure'>['spec'];

export interface StudyFigurePreview extends FigurePreview {
  /** The numbers behind the figure, as its sidecar records them (per temperature: runs, events, tau; the VFT fit and T_g). */
  summary: Record<string, unknown>;
}

/** Pushed from the backend without a request (WebSocket message {event, data}; Electron channel 'avw:event'). */
export type ApiEvent =
  | { event: 'job'; data: JobSnapshot }
  | { event: 'indexProgress'; data: { jobId: number; path: string; done: number; total: number; frames: number } }
  /** A study's local run moved on: the runs that changed (all of them after a refresh) and the totals. */
  | { event: 'study'; data: StudyProgress };

/** The renderer's session: the last file, frame and field, and its layout (pane sizes, bracket d, colour map...). */
export type SessionState = ParamsOf<'saveSession'>;

/** A simulation to start: its kind, parameters as the `avw simulate` CLI takes them (see SIMULATION_PARAMS), the output. */
export type SimulationRequest = ParamsOf<'startSimulation'>;

/** A figure spec from the renderer: the engine's FigureSpec (src/core/figures/spec.ts) without `trajectory` and
 * `indexDir`, which the service fills in from the open trajectory and its own index (shape checked by the API, values
 * by the engine's normalizeSpec in the service). */
export type FigureSpecRequest = ParamsOf<'previewFigure'>['spec'];
/** Style of a figure as the renderer sends it: lengths as "8.6cm", "3.375in" or points. */
export type FigureStyleRequest = NonNullable<FigureSpecRequest['style']>;

export interface FigurePreview {
  svg: string;
  widthPt: number;
  heightPt: number;
  warnings: string[];
}

export interface FigureExport {
  /** The figure, its sidecar spec (.json) and its plotted data (.csv). */
  path: string;
  format: FigureFormatName;
  bytes: number;
  sidecar: string;
  csv: string;
  warnings: string[];
}

/** One hyperplane of a softness model: how well it separates the training rows (and the held-out ones). */
export interface SoftnessHyperplaneSummary {
  /** The particle species it scores (models trained per species), or null (every particle). */
  particleSpecies: number | null;
  trainAccuracy: number;
  /** Accuracy on the 20 % held out (ensembles of more than one hyperplane), or null. */
  validationAccuracy: number | null;
  objective: number;
  C: number;
  nTrain: number;
  nPositive: number;
  nNegative: number;
  nValidation: number;
}

/** A softness model file checked by `loadSoftnessModel` (src/core/analysis/ml-softness.ts holds the format). */
export interface SoftnessModelSummary {
  /** The file, absolute (give it as the `model` parameter of ml_softness). */
  path: string;
  speciesMode: 'none' | 'type';
  nSpecies: number;
  /** Structure-function centres of the first hyperplane (from r0 in steps of dr) and their number. */
  centres: number[];
  hyperplanes: SoftnessHyperplaneSummary[];
  /** Means over the hyperplanes (validation: over those that have one, else null). */
  trainAccuracy: number;
  validationAccuracy: number | null;
  /** Where it was trained: trajectories, frames, the labelling rule and its thresholds, when, by what. */
  provenance: { trajectories: string[]; frames: unknown; thresholds: Record<string, unknown>; created: string; software: string };
}

/** Electron's IPC channels: API requests (invoke), pushed events (main -> renderer), the native Open dialog (invoke). */
export const IPC_CHANNELS = { api: 'avw:api', event: 'avw:event', chooseFile: 'avw:choose-file', chooseFigurePath: 'avw:choose-figure-path' } as const;

export type FieldRequestParams = ParamsOf<'getField'>;
export type WarmFieldsParams = ParamsOf<'warmFields'>;

/** Requests by method name: parameters and results. */
export interface ApiMethods {
  version: { params: ParamsOf<'version'>; result: AppVersion };
  /** Open (index if needed, in a worker; progress as 'indexProgress' events) a trajectory by absolute path. */
  openTrajectory: { params: ParamsOf<'openTrajectory'>; result: TrajectoryInfo };
  /** Open the shipped demo trajectory (resources/demo/demo.gsd). */
  openDemo: { params: ParamsOf<'openDemo'>; result: TrajectoryInfo };
  recentFiles: { params: ParamsOf<'recentFiles'>; result: { paths: string[] } };
  /** A frame's particles. `compact`: Float32 positions in the frame's dimensions and Float32 diameters; `particlesKey`:
   * the key of particles the client already has, whose ids, types and diameters are then not sent again. */
  getFrame: { params: ParamsOf<'getFrame'>; result: FramePayload };
  /** A per-frame series (see SERIES in fields.ts), computed once by an analysis worker and kept in the index. */
  getSeries: { params: ParamsOf<'getSeries'>; result: SeriesPayload };
  /** A per-particle field (see FIELDS in fields.ts, or file:PROPERTY) at `frame`; `ref` only for pair fields (default: the
   * previous frame). From the index's cache, else computed by an analysis worker and cached; `priority`: what is on
   * screen (visible, the default) before compute-ahead (ahead) before background sweeps. */
  getField: { params: FieldRequestParams; result: FieldPayload };
  /** Compute a field for every frame in the background, nearest to `around` first (one sweep at a time: a new one cancels
   * the last); resolves when the sweep has finished or was replaced. */
  warmFields: { params: WarmFieldsParams; result: { frames: number; queued: number; computed: number; failed: number; cancelled: boolean; error: string | null } };
  /** Run the MSD-jump detector; candidates are stored as detector tags. */
  detect: { params: ParamsOf<'detect'>; result: { candidates: Candidate[] } };
  listTags: { params: ParamsOf<'listTags'>; result: { tags: TagJson[] } };
  addTag: { params: ParamsOf<'addTag'>; result: TagJson };
  updateTag: { params: ParamsOf<'updateTag'>; result: TagJson };
  deleteTag: { params: ParamsOf<'deleteTag'>; result: { deleted: true } };
  exportTags: { params: ParamsOf<'exportTags'>; result: { text: string } };
  importTags: { params: ParamsOf<'importTags'>; result: { inserted: number; updated: number; warnings: string[] } };
  getSession: { params: ParamsOf<'getSession'>; result: SessionState };
  saveSession: { params: SessionState; result: { saved: true } };
  startSimulation: { params: SimulationRequest; result: JobSnapshot };
  listJobs: { params: ParamsOf<'listJobs'>; result: { jobs: JobSnapshot[] } };
  cancelJob: { params: ParamsOf<'cancelJob'>; result: JobSnapshot };
  /** A figure of the open trajectory as SVG, made by a 'figure' job in a worker; a newer preview cancels an older one. */
  previewFigure: { params: ParamsOf<'previewFigure'>; result: FigurePreview };
  /** Write a figure (format from the extension of the absolute `out`) with its .json spec and .csv data; existing
   * files are refused unless `overwrite`. A 'figure' job in a worker, listed among the jobs. */
  exportFigure: { params: ParamsOf<'exportFigure'>; result: FigureExport };
  /** Train a softness model on the open trajectory (`avw softness train`: labels from D2min between frames `ref` and
   * `frame`, structure functions of `ref`, an ensemble of linear SVMs) and write it to `out`: a 'softness-train' job,
   * listed with its progress and cancellable; returned at once (its `outputPath` is the model once it is done).
   * An existing `out` is refused unless `overwrite`. */
  trainSoftness: { params: ParamsOf<'trainSoftness'>; result: JobSnapshot };
  /** Read and check a softness model file (errors name the file and the key that is wrong): its hyperplanes with their
   * accuracies and where it was trained. */
  loadSoftnessModel: { params: ParamsOf<'loadSoftnessModel'>; result: SoftnessModelSummary };
  /** Read a study file (validated as `avw study` does) and the state of every run. */
  openStudy: { params: ParamsOf<'openStudy'>; result: StudyInfo };
  /** The state of every run now (squeue and sacct asked, in a worker, when the study went to SLURM). */
  studyStatus: { params: ParamsOf<'studyStatus'>; result: StudyProgress };
  /** Run the study's unfinished runs: here as a 'study' job (K at a time, progress as 'study' events, cancel with
   * cancelJob: every run writes a checkpoint), or as one SLURM job array (sbatch). Finished runs are never redone. */
  runStudy: { params: ParamsOf<'runStudy'>; result: StudyRunResult };
  /** Merge the finished runs' index shards into the study's index (a 'study' job). */
  collectStudy: { params: ParamsOf<'collectStudy'>; result: StudyCollectResult };
  /** Open a run as any trajectory: a finished one with its series, fields and tags (its shard merged into the
   * workbench's index; a person's tags kept equal with the study's index), an unfinished one as far as it got. */
  openStudyRun: { params: ParamsOf<'openStudyRun'>; result: TrajectoryInfo };
  /** An ensemble figure of the study as SVG (a job in a worker; a newer preview cancels an older one). */
  previewStudyFigure: { params: ParamsOf<'previewStudyFigure'>; result: StudyFigurePreview };
  /** Write an ensemble figure with its .json spec and .csv data; existing files only with `overwrite`. */
  exportStudyFigure: { params: ParamsOf<'exportStudyFigure'>; result: FigureExport };
}

export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResult<M extends ApiMethod> = ApiMethods[M]['result'];

/** What the renderer sees: one async function per method. */
export type Api = { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiResult<M>> };

/** Every method, for the clients that build the API object (the preload script, the web client). */
export const API_METHODS = [
  'version', 'openTrajectory', 'openDemo', 'recentFiles', 'getFrame', 'getSeries', 'getField', 'warmFields', 'detect',
  'listTags', 'addTag', 'updateTag', 'deleteTag', 'exportTags', 'importTags', 'getSession', 'saveSession',
  'startSimulation', 'listJobs', 'cancelJob', 'previewFigure', 'exportFigure', 'trainSoftness', 'loadSoftnessModel',
  'openStudy', 'studyStatus', 'runStudy', 'collectStudy', 'openStudyRun', 'previewStudyFigure', 'exportStudyFigure',
] as const satisfies readonly ApiMethod[];

// Compile-time checks (a failing one does not compile): API_METHODS lists every method, and every method has a
// declaration of its parameters in api-params.ts.
type Assert<T extends true> = T;
export type EveryMethodListed = Assert<[Exclude<ApiMethod, (typeof API_METHODS)[number]>] extends [never] ? true : false>;
export type EveryMethodDeclared = Assert<[Exclude<keyof ApiParamSchemas, ApiMethod>] extends [never] ? true : false>;
