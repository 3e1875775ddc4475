// "Export figure": the dialog's state, pre-filled from the workbench (frame, panes' frames, field, reference, colour map,
// timeline and tags), the spec its choices make, the debounced SVG preview (only the latest request's answer is shown;
// the backend cancels older jobs) and the export with its spec and data.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { FIGURE_EXISTS_MESSAGE, type FigureExport } from '#shared/api.js';
import { FIELD_NAMES } from '#shared/fields.js';
import { api } from '../api/client';
import {
  avalancheFrames, defaultFields, defaultFigurePath, figureSpec, formatOfPath, initialChoices, isVectorField, sizeText, withFormat,
  type FigureChoices, type WorkbenchSnapshot,
} from '../lib/figure-spec';
import { useTags } from './tags';
import { useTimeline } from './timeline';
import { errorText, useTrajectory } from './trajectory';
import { useView } from './view';

const PREVIEW_DEBOUNCE_MS = 300;

export const useFigure = defineStore('figure', () => {
  const trajectory = useTrajectory();
  const view = useView();
  const tags = useTags();
  const timeline = useTimeline();

  const isOpen = ref(false);
  const snapshot = shallowRef<WorkbenchSnapshot | null>(null);
  const choices = ref<FigureChoices | null>(null);
  const outPath = ref('');
  /** The user typed an output path: it then only follows the format's extension. */
  const outEdited = ref(false);
  const previewUrl = ref('');
  const previewSize = ref('');
  const previewWarnings = ref<string[]>([]);
  const previewError = ref('');
  const previewBusy = ref(false);
  const exportBusy = ref(false);
  const exportError = ref('');
  /** The export would replace files: the backend's message, shown with Replace / Keep. */
  const replaceQuestion = ref('');
  const written = shallowRef<FigureExport | null>(null);

  const spec = computed(() => (snapshot.value && choices.value ? figureSpec(snapshot.value, choices.value) : null));
  const specKey = computed(() => (isOpen.value && spec.value ? JSON.stringify(spec.value) : ''));
  /** The registry's fields and those the open file carries. */
  const allFields = computed<string[]>(() => [...FIELD_NAMES, ...(trajectory.info?.fileFields ?? [])]);
  const vectorOptions = computed(() => allFields.value.filter(isVectorField));
  const fieldOptions = computed(() => {
    const k = choices.value?.kind;
    return k === 'heatmap' || k === 'scatter' ? allFields.value.filter((f) => !isVectorField(f)) : allFields.value;
  });
  const tagMarks = computed(() => (snapshot.value ? avalancheFrames(snapshot.value.tags).length : 0));

  function takeSnapshot(): WorkbenchSnapshot | null {
    const t = trajectory.info;
    if (!t) return null;
    return {
      trajectoryPath: t.path, frame: view.frame, paneFrames: view.paneFrames.slice(), field: view.field, refMode: view.refMode, fixedRef: view.fixedRef,
      lag: view.lag, cutoff: view.cutoff, colormap: view.colormap, rangeMode: view.rangeMode, manualMin: view.manualMin, manualMax: view.manualMax,
      arrowScale: view.arrowScale, tags: tags.tags.slice(), secondSeries: timeline.secondSeries, potential: timeline.potential,
      temperature: timeline.temperature, xAxis: timeline.xAxis, logX: timeline.logX, logY: timeline.logY, logHistogram: view.logHistogram,
      modelPath: view.modelPath,
    };
  }

  /** Fill the dialog from the workbench as it is now; false when there is no trajectory. */
  function open(): boolean {
    const s = takeSnapshot();
    if (!s) return false;
    snapshot.value = s;
    choices.value = initialChoices(s);
    outEdited.value = false;
    outPath.value = defaultFigurePath(s.trajectoryPath, 'fields', s.frame, 'pdf');
    exportError.value = '';
    replaceQuestion.value = '';
    written.value = null;
    previewError.value = '';
    previewWarnings.value = [];
    isOpen.value = true;
    return true;
  }

  /** The dialog closed: forget the preview and ignore answers still on their way. */
  function closed(): void {
    isOpen.value = false;
    previewSeq++;
    if (previewTimer) clearTimeout(previewTimer);
    previewTimer = null;
    previewBusy.value = false;
    setPreviewUrl('');
  }

  let previewSeq = 0;
  let previewTimer: ReturnType<typeof setTimeout> | null = null;

  function setPreviewUrl(url: string): void {
    if (previewUrl.value) URL.revokeObjectURL(previewUrl.value);
    previewUrl.value = url;
  }

  async function runPreview(): Promise<void> {
    const t = trajectory.info;
    const s = spec.value;
    if (!t || !s) return;
    const seq = ++previewSeq;
    try {
      const r = await api.previewFigure({ trajectoryId: t.id, spec: s });
      if (seq !== previewSeq) return;
      setPreviewUrl(URL.createObjectURL(new Blob([r.svg], { type: 'image/svg+xml' })));
      previewSize.value = sizeText(r.widthPt, r.heightPt);
      previewWarnings.value = r.warnings;
      previewError.value = '';
    } catch (e) {
      if (seq === previewSeq) previewError.value = errorText(e);
    } finally {
      if (seq === previewSeq) previewBusy.value = false;
    }
  }

  watch(specKey, (key) => {
    // What was written, or refused, was another figure.
    replaceQuestion.value = '';
    written.value = null;
    exportError.value = '';
    if (!key) return;
    previewBusy.value = true;
    if (previewTimer) clearTimeout(previewTimer);
    previewTimer = setTimeout(() => {
      previewTimer = null;
      void runPreview();
    }, PREVIEW_DEBOUNCE_MS);
  });

  // Choices that follow each other: the fields of a kind, the output name of kind, frame and format.
  watch(() => choices.value?.kind, (kind, old) => {
    const c = choices.value;
    if (!c || !kind || !old || !snapshot.value) return;
    c.fields = defaultFields(kind, snapshot.value.field);
  });
  watch(() => [choices.value?.kind, choices.value?.frame, choices.value?.format] as const, ([kind, frame, format]) => {
    const s = snapshot.value;
    if (!s || !kind || frame === undefined || !format) return;
    outPath.value = outEdited.value ? withFormat(outPath.value, format) : defaultFigurePath(s.trajectoryPath, kind, frame, format);
  });

  /** The output path typed or chosen: the format follows its extension. */
  function setOutPath(path: string): void {
    outEdited.value = true;
    outPath.value = path;
    const f = formatOfPath(path);
    if (f && choices.value && f !== choices.value.format) choices.value.format = f;
  }

  async function exportNow(overwrite = false): Promise<void> {
    const t = trajectory.info;
    const s = spec.value;
    if (!t || !s || exportBusy.value) return;
    exportBusy.value = true;
    exportError.value = '';
    replaceQuestion.value = '';
    written.value = null;
    try {
      written.value = await api.exportFigure({ trajectoryId: t.id, spec: s, out: outPath.value.trim(), ...(overwrite ? { overwrite: true } : {}) });
    } catch (e) {
      const message = errorText(e);
      if (!overwrite && message.includes(FIGURE_EXISTS_MESSAGE)) replaceQuestion.value = message.replace(/; pass overwrite.*$/, '.');
      else exportError.value = message;
    } finally {
      exportBusy.value = false;
    }
  }

  return {
    isOpen, snapshot, choices, outPath, previewUrl, previewSize, previewWarnings, previewError, previewBusy, exportBusy, exportError,
    replaceQuestion, written, spec, allFields, vectorOptions, fieldOptions, tagMarks, open, closed, setOutPath, exportNow,
  };
});
