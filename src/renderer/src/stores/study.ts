// The Study view: the open study (its file read and checked by the backend), its runs as rows kept up to date by the
// backend's 'study' events (a run here) or by asking again (SLURM: squeue / sacct in a worker), running it here or
// submitting it to SLURM, collect, opening a run as the open trajectory, and the ensemble figure with its debounced SVG
// preview (only the latest request's answer is shown; the backend cancels older jobs) and its export.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { FIGURE_EXISTS_MESSAGE, type FigureExport, type StudyInfo, type StudyProgress, type StudyRunRow } from '#shared/api.js';
import { api, onEvent } from '../api/client';
import { formatOfPath, sizeText } from '../lib/figure-spec';
import {
  defaultStudyFigurePath, initialStudyChoices, mergeRows, splitSbatchArgs, studyFigureSpec, summaryText, type StudyFigureChoices,
} from '../lib/study-view';
import { errorText, useTrajectory } from './trajectory';

const PREVIEW_DEBOUNCE_MS = 300;
/** A study at SLURM: its status is asked again this often while the view shows it. */
const SLURM_POLL_MS = 15_000;

export const useStudy = defineStore('study', () => {
  const trajectory = useTrajectory();

  const shown = ref(false);
  const path = ref('');
  const info = shallowRef<StudyInfo | null>(null);
  const rows = ref<StudyRunRow[]>([]);
  const done = ref(0);
  const failed = ref(0);
  const fraction = ref(0);
  const notes = ref<string[]>([]);
  const localJobId = ref<number | null>(null);
  const opening = ref(false);
  const openError = ref('');
  const busy = ref('');
  const actionError = ref('');
  const actionNote = ref('');
  /** The run being opened as the trajectory, and the one opened last. */
  const openingRun = ref<number | null>(null);
  const openedRun = ref<number | null>(null);
  const maxParallel = ref<number | null>(null);
  const sbatchText = ref('');

  const total = computed(() => rows.value.length);
  const running = computed(() => rows.value.filter((r) => r.state === 'running').length);
  const atSlurm = computed(() => rows.value.some((r) => r.scheduler === 'slurm'));

  function takeProgress(p: StudyProgress): void {
    rows.value = mergeRows(rows.value, p.runs);
    done.value = p.done;
    failed.value = p.failed;
    fraction.value = p.fraction;
    notes.value = p.notes;
    localJobId.value = p.localJobId;
  }

  onEvent((e) => {
    if (e.event === 'study' && info.value && e.data.studyId === info.value.studyId) takeProgress(e.data);
  });

  async function openStudy(p = path.value): Promise<boolean> {
    const file = p.trim();
    if (!file || opening.value) return false;
    opening.value = true;
    openError.value = '';
    actionError.value = '';
    actionNote.value = '';
    try {
      const s = await api.openStudy({ path: file });
      info.value = s;
      path.value = s.file;
      rows.value = [];
      takeProgress(s);
      openedRun.value = null;
      outEdited.value = false;
      outPath.value = defaultStudyFigurePath(s.dir, s.name, choices.value);
      written.value = null;
      schedulePoll();
      return true;
    } catch (e) {
      openError.value = errorText(e);
      return false;
    } finally {
      opening.value = false;
    }
  }

  /** Ask the backend again (the runs' files; squeue and sacct for a study at SLURM). */
  async function refresh(): Promise<void> {
    const s = info.value;
    if (!s) return;
    try {
      const p = await api.studyStatus({ studyId: s.studyId });
      if (info.value?.studyId === s.studyId) takeProgress(p);
    } catch (e) {
      actionError.value = errorText(e);
    }
  }

  async function act(what: string, f: () => Promise<string>): Promise<void> {
    if (!info.value || busy.value) return;
    busy.value = what;
    actionError.value = '';
    actionNote.value = '';
    try {
      actionNote.value = await f();
    } catch (e) {
      actionError.value = errorText(e);
    } finally {
      busy.value = '';
    }
  }

  /** Run the unfinished runs on this machine (all, or the failed ones again): a 'study' job, progress as events. */
  function runHere(failedOnly = false): Promise<void> {
    return act('run', async () => {
      const s = info.value!;
      const r = await api.runStudy({
        studyId: s.studyId, scheduler: 'local', ...(maxParallel.value ? { maxParallel: maxParallel.value } : {}), ...(failedOnly ? { failedOnly: true } : {}),
      });
      if (r.scheduler !== 'local') return '';
      localJobId.value = r.job.id;
      return `Running here as job ${r.job.id}.`;
    });
  }

  function submitSlurm(failedOnly = false): Promise<void> {
    return act('submit', async () => {
      const s = info.value!;
      const sbatchArgs = splitSbatchArgs(sbatchText.value);
      const r = await api.runStudy({ studyId: s.studyId, scheduler: 'slurm', ...(sbatchArgs.length ? { sbatchArgs } : {}), ...(failedOnly ? { failedOnly: true } : {}) });
      if (r.scheduler !== 'slurm') return '';
      await refresh();
      schedulePoll();
      return r.jobId === null
        ? (r.note ?? 'Nothing to submit.')
        : `Submitted as SLURM job ${r.jobId}: ${r.submitted.length} array task(s), ${r.time} and ${r.mem} each (script ${r.script}).`;
    });
  }

  async function cancelLocal(): Promise<void> {
    const id = localJobId.value;
    if (id === null) return;
    try {
      await api.cancelJob({ jobId: id });
    } catch (e) {
      actionError.value = errorText(e);
    }
  }

  function collect(): Promise<void> {
    return act('collect', async () => {
      const r = await api.collectStudy({ studyId: info.value!.studyId });
      await refresh();
      return `Collected: ${r.merged} merged, ${r.unchanged} unchanged${r.notDone.length ? `, runs ${r.notDone.join(', ')} not done` : ''} (${r.seconds.toFixed(1)} s).`;
    });
  }

  /** One click on a run: it becomes the open trajectory. */
  async function openRun(row: StudyRunRow): Promise<void> {
    const s = info.value;
    if (!s || openingRun.value !== null) return;
    openingRun.value = row.id;
    actionError.value = '';
    try {
      if (await trajectory.openStudyRun(s.studyId, row.id, row.out)) openedRun.value = row.id;
      else if (trajectory.openError) actionError.value = trajectory.openError;
    } finally {
      openingRun.value = null;
    }
  }

  // A study at SLURM changes without us: ask again now and then while the view is shown.
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  function schedulePoll(): void {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    if (!shown.value || !info.value || !atSlurm.value) return;
    pollTimer = setTimeout(() => {
      pollTimer = null;
      void refresh().finally(schedulePoll);
    }, SLURM_POLL_MS);
  }
  watch([shown, atSlurm], schedulePoll);

  // ---- the ensemble figure ----
  const choices = ref<StudyFigureChoices>(initialStudyChoices());
  const outPath = ref('');
  const outEdited = ref(false);
  const previewUrl = ref('');
  const previewSize = ref('');
  const previewWarnings = ref<string[]>([]);
  const previewSummary = ref('');
  const previewError = ref('');
  const previewBusy = ref(false);
  const exportBusy = ref(false);
  const exportError = ref('');
  const replaceQuestion = ref('');
  const written = shallowRef<FigureExport | null>(null);
  /** The preview follows the choices once asked for (a preview reads every run: not made before it is wanted). */
  const figureWanted = ref(false);

  const spec = computed(() => studyFigureSpec(choices.value));
  const specKey = computed(() => (shown.value && figureWanted.value && info.value ? `${info.value.studyId}|${JSON.stringify(spec.value)}` : ''));

  let previewSeq = 0;
  let previewTimer: ReturnType<typeof setTimeout> | null = null;

  function setPreviewUrl(url: string): void {
    if (previewUrl.value) URL.revokeObjectURL(previewUrl.value);
    previewUrl.value = url;
  }

  async function runPreview(): Promise<void> {
    const s = info.value;
    if (!s) return;
    const seq = ++previewSeq;
    try {
      const r = await api.previewStudyFigure({ studyId: s.studyId, spec: spec.value });
      if (seq !== previewSeq) return;
      setPreviewUrl(URL.createObjectURL(new Blob([r.svg], { type: 'image/svg+xml' })));
      previewSize.value = sizeText(r.widthPt, r.heightPt);
      previewWarnings.value = r.warnings;
      previewSummary.value = summaryText(r.summary);
      previewError.value = '';
    } catch (e) {
      if (seq === previewSeq) previewError.value = errorText(e);
    } finally {
      if (seq === previewSeq) previewBusy.value = false;
    }
  }

  function schedulePreview(): void {
    if (!specKey.value) return;
    previewBusy.value = true;
    if (previewTimer) clearTimeout(previewTimer);
    previewTimer = setTimeout(() => {
      previewTimer = null;
      void runPreview();
    }, PREVIEW_DEBOUNCE_MS);
  }

  watch(specKey, () => {
    replaceQuestion.value = '';
    written.value = null;
    exportError.value = '';
    schedulePreview();
  });

  /** Show (or draw again, after runs finished or were collected) the ensemble figure. */
  function preview(): void {
    if (!figureWanted.value) figureWanted.value = true;
    else schedulePreview();
  }

  watch(() => [choices.value.kind, choices.value.field, choices.value.moment, choices.value.series, choices.value.format] as const, () => {
    const s = info.value;
    if (!s) return;
    outPath.value = outEdited.value ? outPath.value.replace(/\.(pdf|svg|png|tiff?)$/i, `.${choices.value.format}`) : defaultStudyFigurePath(s.dir, s.name, choices.value);
  });

  function setOutPath(p: string): void {
    outEdited.value = true;
    outPath.value = p;
    const f = formatOfPath(p);
    if (f && f !== choices.value.format) choices.value.format = f;
  }

  async function exportNow(overwrite = false): Promise<void> {
    const s = info.value;
    if (!s || exportBusy.value) return;
    exportBusy.value = true;
    exportError.value = '';
    replaceQuestion.value = '';
    written.value = null;
    try {
      written.value = await api.exportStudyFigure({ studyId: s.studyId, spec: spec.value, out: outPath.value.trim(), ...(overwrite ? { overwrite: true } : {}) });
    } catch (e) {
      const message = errorText(e);
      if (!overwrite && message.includes(FIGURE_EXISTS_MESSAGE)) replaceQuestion.value = message.replace(/; pass overwrite.*$/, '.');
      else exportError.value = message;
    } finally {
      exportBusy.value = false;
    }
  }

  return {
    shown, path, info, rows, done, failed, fraction, notes, localJobId, opening, openError, busy, actionError, actionNote, openingRun, openedRun,
    maxParallel, sbatchText, total, running, atSlurm, openStudy, refresh, runHere, submitSlurm, cancelLocal, collect, openRun,
    choices, outPath, previewUrl, previewSize, previewWarnings, previewSummary, previewError, previewBusy, exportBusy, exportError,
    replaceQuestion, written, figureWanted, spec, preview, setOutPath, exportNow,
  };
});
