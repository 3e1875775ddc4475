// The Softness panel (Zhang, Ridout & Liu Sec. II C): the training form (frames, labels by D2min quantiles or
// thresholds, structure-function centres, species, C, ensemble size, the model file), the training job (its progress
// and state mirrored from the jobs list, cancel), the model loaded (its file, hyperplanes and accuracies) and what the
// panes do with it: colour by ml_softness with that model, outline the rearrangers of the current frame.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { MODEL_EXISTS_MESSAGE, type SoftnessModelSummary } from '#shared/api.js';
import { api } from '../api/client';
import { TRAIN_DEFAULTS, defaultModelPath, trainRequest, type TrainForm } from '../lib/softness-form';
import { useJobs } from './jobs';
import { errorText, useTrajectory } from './trajectory';
import { useView } from './view';

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

  // A model path set elsewhere (restored with the session): show what the model is, or why it cannot be read.
  watch(() => view.modelPath, (p) => {
    if (p && model.value?.path !== p) void load(p);
  }, { immediate: true });

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
