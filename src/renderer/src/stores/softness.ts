// The Softness panel (Zhang, Ridout & Liu Sec. II C): the training form (frames, labels by D2min quantiles or
// thresholds, structure-function centres, species, C, ensemble size, the model file), the training job (its progress
// and state mirrored from the jobs list, cancel), the model loaded (its file, hyperplanes and accuracies) and what the
// panes do with it: colour by ml_softness with that model, outline the rearrangers of the current frame.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { MODEL_EXISTS_MESSAGE, type ApiParams, type SoftnessLabelsName, type SoftnessModelSummary } from '#shared/api.js';
import { api } from '../api/client';
import { useJobs } from './jobs';
import { errorText, useTrajectory } from './trajectory';
import { useView } from './view';

/** A model file beside the trajectory: DIR/STEM-softness-fFRAME.json. */
export function defaultModelPath(trajectoryPath: string, frame: number): string {
  const cut = Math.max(trajectoryPath.lastIndexOf('/'), trajectoryPath.lastIndexOf('\\'));
  const dir = trajectoryPath.slice(0, cut + 1);
  const name = trajectoryPath.slice(cut + 1).replace(/\.(gz|bz2|xz)$/i, '');
  const stem = name.replace(/\.[^.]+$/, '') || name || 'trajectory';
  return `${dir}${stem}-softness-f${frame}.json`;
}

/** The training form: numbers as typed (empty: the default the job takes). */
export interface TrainForm {
  frame: number;
  ref: number;
  labels: SoftnessLabelsName;
  positiveQuantile: string;
  negativeQuantile: string;
  dSoftSmall: string;
  dSoftLarge: string;
  dHardSmall: string;
  dHardLarge: string;
  cutoff: string;
  r0: string;
  dr: string;
  count: string;
  width: string;
  species: 'none' | 'type';
  C: string;
  hyperplanes: string;
  seed: string;
}

/** Defaults of `avw softness train` (the form shows them; the job takes the same). */
export const TRAIN_DEFAULTS = {
  positiveQuantile: '0.9', negativeQuantile: '0.5', dSoftSmall: '0.0025', dSoftLarge: '0.0015', dHardSmall: '', dHardLarge: '', cutoff: '2',
  r0: '0.4', dr: '0.1', count: '27', width: '0.1', C: '1', hyperplanes: '1', seed: '1',
} as const;

type TrainRequest = ApiParams<'trainSoftness'>;

/** The request of a form, or the first problem with it (naming the box). */
export function trainRequest(trajectoryId: number, f: TrainForm, out: string): TrainRequest | string {
  const number = (raw: string, label: string, ok: (x: number) => boolean, what: string): number | undefined | string => {
    const t = raw.trim();
    if (t === '') return undefined;
    const x = Number(t);
    return Number.isFinite(x) && ok(x) ? x : `${label} must be ${what} (got "${t}")`;
  };
  const positive = (x: number): boolean => x > 0;
  const integer = (lo: number, hi: number) => (x: number): boolean => Number.isInteger(x) && x >= lo && x <= hi;
  const req: Record<string, unknown> = { trajectoryId, frame: f.frame, ref: f.ref, labels: f.labels, species: f.species, out: out.trim() };
  const boxes: [keyof TrainForm, string, (x: number) => boolean, string][] = [
    ['cutoff', 'cutoff', positive, 'a positive number'], ['r0', 'r0', (x) => x >= 0, 'a number >= 0'], ['dr', 'dr', positive, 'a positive number'],
    ['count', 'count', integer(1, 1000), 'an integer from 1 to 1000'], ['width', 'width', positive, 'a positive number'],
    ['C', 'C', positive, 'a positive number'], ['hyperplanes', 'hyperplanes', integer(1, 1000), 'an integer from 1 to 1000'],
    ['seed', 'seed', (x) => Number.isInteger(x), 'an integer'],
  ];
  if (f.labels === 'quantile') {
    boxes.push(['positiveQuantile', 'positive quantile', (x) => x > 0 && x < 1, 'between 0 and 1'], ['negativeQuantile', 'negative quantile', (x) => x > 0 && x < 1, 'between 0 and 1']);
  }
  for (const [key, label, ok, what] of boxes) {
    const v = number(f[key] as string, label, ok, what);
    if (typeof v === 'string') return v;
    if (v !== undefined) req[key] = v;
  }
  if (f.labels === 'threshold') {
    const pair = (small: string, large: string, label: string): [number, number] | undefined | string => {
      const a = number(small, `${label} (small)`, positive, 'a positive number');
      const b = number(large, `${label} (large)`, positive, 'a positive number');
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      if (a === undefined && b === undefined) return undefined;
      return [a ?? (b as number), b ?? (a as number)];
    };
    const dSoft = pair(f.dSoftSmall, f.dSoftLarge, 'd_soft');
    const dHard = pair(f.dHardSmall, f.dHardLarge, 'd_hard');
    if (typeof dSoft === 'string') return dSoft;
    if (typeof dHard === 'string') return dHard;
    if (dHard === undefined) return 'd_hard is needed with threshold labels (D2min below it: not rearranging)';
    if (dSoft) req.dSoft = dSoft;
    req.dHard = dHard;
  }
  if (f.frame === f.ref) return 'the frame and the reference frame must differ (D2min between them labels the particles)';
  if (!req.out) return 'give the model file (an absolute path ending in .json)';
  return req as TrainRequest;
}

export const useSoftness = defineStore('softness', () => {
  const trajectory = useTrajectory();
  const view = useView();
  const jobs = useJobs();

  const form = ref<TrainForm>({ frame: 1, ref: 0, labels: 'quantile', species: 'none', ...TRAIN_DEFAULTS });
  const outPath = ref('');
  const outEdited = ref(false);
  const trainError = ref('');
  /** The training would replace the model file: the backend's message, shown with Replace / Keep. */
  const replaceQuestion = ref('');
  const jobId = ref<number | null>(null);
  const job = computed(() => (jobId.value === null ? null : jobs.jobs.find((j) => j.id === jobId.value) ?? null));
  const training = computed(() => job.value?.state === 'running');

  const model = shallowRef<SoftnessModelSummary | null>(null);
  const loadPath = ref('');
  const loadError = ref('');
  const loading = ref(false);

  /** Fill the frames from the workbench: the current frame and the one before it. */
  function fromCurrentFrame(): void {
    const t = trajectory.info;
    if (!t) return;
    const f = Math.max(1, Math.min(view.frame, t.frames - 1));
    form.value.frame = f;
    form.value.ref = f - 1;
    if (!outEdited.value) outPath.value = defaultModelPath(t.path, f);
  }

  trajectory.onSwitch(() => {
    fromCurrentFrame();
    trainError.value = '';
    replaceQuestion.value = '';
  });
  watch(() => form.value.frame, (f) => {
    const t = trajectory.info;
    if (t && !outEdited.value) outPath.value = defaultModelPath(t.path, f);
  });

  function setOutPath(p: string): void {
    outEdited.value = true;
    outPath.value = p;
  }

  async function train(overwrite = false): Promise<void> {
    const t = trajectory.info;
    if (!t || training.value) return;
    trainError.value = '';
    replaceQuestion.value = '';
    const req = trainRequest(t.id, form.value, outPath.value);
    if (typeof req === 'string') {
      trainError.value = req;
      return;
    }
    if (overwrite) req.overwrite = true;
    try {
      const snap = await api.trainSoftness(req);
      jobs.upsertJob(snap);
      jobId.value = snap.id;
    } catch (e) {
      const message = errorText(e);
      if (!overwrite && message.includes(MODEL_EXISTS_MESSAGE)) replaceQuestion.value = message.replace(/; pass overwrite.*$/, '.');
      else trainError.value = message;
    }
  }

  async function cancel(): Promise<void> {
    if (jobId.value !== null && training.value) await jobs.cancelJob(jobId.value);
  }

  // The training's outcome: its model is loaded (and shown with its accuracies), or its error is shown.
  watch(() => job.value?.state, (state) => {
    const j = job.value;
    if (!j || !state || state === 'running') return;
    if (state === 'failed') trainError.value = j.error ?? 'the training failed';
    else if (state === 'cancelled') trainError.value = 'the training was cancelled';
    else if (state === 'done' && j.outputPath) void load(j.outputPath);
  });

  /** Load (and check) a model file; it becomes the model of the ml_softness field. */
  async function load(path: string): Promise<boolean> {
    loadError.value = '';
    const p = path.trim();
    if (!p) {
      loadError.value = 'give the model file (an absolute path)';
      return false;
    }
    loading.value = true;
    try {
      const m = await api.loadSoftnessModel({ path: p });
      model.value = m;
      loadPath.value = m.path;
      view.modelPath = m.path;
      return true;
    } catch (e) {
      loadError.value = errorText(e);
      return false;
    } finally {
      loading.value = false;
    }
  }

  /** Colour the panes by the loaded model's softness. */
  function colourBy(): void {
    if (!model.value) return;
    view.modelPath = model.value.path;
    view.field = 'ml_softness';
  }

  return {
    form, outPath, trainError, replaceQuestion, jobId, job, training, model, loadPath, loadError, loading, fromCurrentFrame, setOutPath, train, cancel,
    load, colourBy,
  };
});
