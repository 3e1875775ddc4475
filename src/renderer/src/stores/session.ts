// The session: the backend's version and host, start-up (the file of the URL or of the last session), and the layout
// (bracket, reference, colour map, timeline choices, ...) saved a moment after every change and restored next time.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { isFieldName, isFileFieldName } from '#shared/fields.js';
import { API_LIMITS } from '#shared/api-constants.js';
import { api, host } from '../api/client';
import { useJobs } from './jobs';
import { useTimeline } from './timeline';
import { errorText, useTrajectory } from './trajectory';
import { useView, type FieldChoice } from './view';

function isFieldChoice(v: unknown): v is FieldChoice {
  return v === 'none' || isFieldName(v) || isFileFieldName(v);
}

/** Layout keys saved in the session (and their checks on restore). */
const LAYOUT_NUMBERS = ['bracket', 'fixedRef', 'lag', 'arrowScale', 'temperature', 'manualMin', 'manualMax'] as const;

export const useSession = defineStore('session', () => {
  const trajectory = useTrajectory();
  const view = useView();
  const timeline = useTimeline();
  const jobs = useJobs();
  const version = ref('');
  const backendHost = ref<'electron' | 'web'>(host);
  const ready = ref(false);
  let loaded = false;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;

  async function init(): Promise<void> {
    try {
      const v = await api.version({});
      version.value = v.version;
      backendHost.value = v.host;
    } catch (e) {
      trajectory.openError = errorText(e);
      return;
    }
    void trajectory.refreshRecent();
    void jobs.refreshJobs();
    const url = new URLSearchParams(location.search).get('file');
    let session = null;
    try {
      session = await api.getSession({});
    } catch (e) {
      trajectory.notice = `Could not read the last session: ${errorText(e)}`;
    }
    if (session) applyLayout(session.layout, session.field);
    ready.value = true;
    document.body.dataset.ready = 'true';
    const target = url ?? session?.lastFile ?? null;
    if (target) {
      const restoreFrame = !url || url === session?.lastFile ? session?.frame ?? 0 : 0;
      await trajectory.openPath(target, restoreFrame);
    }
    loaded = true;
  }

  function layout(): Record<string, unknown> {
    return {
      bracket: view.bracket, bracketMode: view.bracketMode, refMode: view.refMode, fixedRef: view.fixedRef, lag: view.lag, cutoff: view.cutoff,
      colormap: view.colormap, rangeMode: view.rangeMode, manualMin: view.manualMin, manualMax: view.manualMax,
      showArrows: view.showArrows, arrowScale: view.arrowScale, logHistogram: view.logHistogram,
      xAxis: timeline.xAxis, logX: timeline.logX, logY: timeline.logY, secondSeries: timeline.secondSeries, potential: timeline.potential,
      temperature: timeline.temperature, fieldNone: view.field === 'none', modelPath: view.modelPath, outlineRearrangers: view.outlineRearrangers,
    };
  }

  function applyLayout(l: Record<string, unknown>, savedField: string): void {
    const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    for (const k of LAYOUT_NUMBERS) {
      const v = l[k];
      if (!num(v)) continue;
      if (k === 'bracket') view.bracket = Math.max(1, Math.round(v));
      else if (k === 'fixedRef') view.fixedRef = Math.max(0, Math.round(v));
      else if (k === 'lag') view.lag = Math.max(1, Math.round(v));
      else if (k === 'arrowScale') view.arrowScale = v > 0 ? v : 1;
      else if (k === 'temperature') timeline.temperature = v;
      else if (k === 'manualMin') view.manualMin = v;
      else view.manualMax = v;
    }
    if (l.bracketMode === 'event' || l.bracketMode === 'fixed') view.bracketMode = l.bracketMode;
    if (l.refMode === 'previous' || l.refMode === 'fixed' || l.refMode === 'lag') view.refMode = l.refMode;
    if (l.cutoff === null || (num(l.cutoff) && l.cutoff > 0)) view.cutoff = l.cutoff as number | null;
    if (l.colormap === 'viridis' || l.colormap === 'cividis' || l.colormap === 'magma') view.colormap = l.colormap;
    if (l.rangeMode === 'minmax' || l.rangeMode === 'quantile' || l.rangeMode === 'manual') view.rangeMode = l.rangeMode;
    if (typeof l.showArrows === 'boolean') view.showArrows = l.showArrows;
    if (l.modelPath === null || (typeof l.modelPath === 'string' && l.modelPath.length > 0 && l.modelPath.length <= API_LIMITS.pathLength)) view.modelPath = l.modelPath;
    if (typeof l.outlineRearrangers === 'boolean') view.outlineRearrangers = l.outlineRearrangers;
    if (typeof l.logHistogram === 'boolean') view.logHistogram = l.logHistogram;
    if (l.xAxis === 'frame' || l.xAxis === 'time') timeline.xAxis = l.xAxis;
    if (typeof l.logX === 'boolean') timeline.logX = l.logX;
    if (typeof l.logY === 'boolean') timeline.logY = l.logY;
    if (typeof l.secondSeries === 'string') timeline.secondSeries = l.secondSeries;
    if (l.potential === '' || l.potential === 'wca' || l.potential === 'hertz') timeline.potential = l.potential;
    if (savedField && isFieldChoice(savedField)) view.field = savedField;
    else if (l.fieldNone === true) view.field = 'none';
  }

  function scheduleSave(): void {
    if (!loaded && !trajectory.info) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      void saveNow();
    }, 400);
  }

  async function saveNow(): Promise<void> {
    try {
      await api.saveSession({
        lastFile: trajectory.info?.path ?? null,
        frame: view.frame,
        field: view.field === 'none' ? '' : view.field,
        layout: layout(),
      });
    } catch (e) {
      console.warn('saveSession failed', e);
    }
  }

  watch(() => [trajectory.info, view.frame, view.field, JSON.stringify(layout())], () => scheduleSave());

  return { version, backendHost, ready, init, saveNow };
});
