// The workbench state (Pinia): the open trajectory, the current frame and bracket, the field and its
// parameters, the timeline series, tags with undo, jobs, and the session that restores all of it. Only small
// plain data lives here; per-particle arrays stay in the panes' caches (series arrays are markRaw).
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { SERIES, isFieldName, isFileFieldName, isSeriesName, type FieldName } from '#shared/fields.js';
import { type JobSnapshot, type SeriesPayload, type SimulationRequest, type TagJson, type TagKind, type TrajectoryInfo } from '#shared/api.js';
import type { ColormapName } from '#shared/colormaps.js';
import { api, host, onEvent } from '../api/client';
import { clampFrame, markerFrames, nextMarker, paneFramesAt, tagAtFrame, toggleTagAction, type BracketMode, type RefMode } from '../lib/navigation';
import { UndoStack, type TagOps } from '../lib/undo';
import { baseName } from '../lib/format';

/** The field shown: one of the registry's, a property of the file (file:NAME), or none. */
export type FieldChoice = 'none' | FieldName | `file:${string}`;
export type RangeMode = 'minmax' | 'quantile' | 'manual';

export interface OpeningState { path: string; done: number; total: number; frames: number; cancelled: boolean }

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isFieldChoice(v: unknown): v is FieldChoice {
  return v === 'none' || isFieldName(v) || isFileFieldName(v);
}

/** Layout keys saved in the session (and their checks on restore). */
const LAYOUT_NUMBERS = ['bracket', 'fixedRef', 'lag', 'arrowScale', 'temperature', 'manualMin', 'manualMax'] as const;

export const useWorkbench = defineStore('workbench', () => {
  const version = ref('');
  const backendHost = ref<'electron' | 'web'>(host);
  const ready = ref(false);
  const info = shallowRef<TrajectoryInfo | null>(null);
  const opening = ref<OpeningState | null>(null);
  const openError = ref('');
  const notice = ref('');
  const recent = ref<string[]>([]);

  const frame = ref(0);
  const bracket = ref(1);
  const bracketMode = ref<BracketMode>('fixed');
  const playing = ref(false);

  const field = ref<FieldChoice>('displacement');
  const refMode = ref<RefMode>('previous');
  const fixedRef = ref(0);
  const lag = ref(1);
  const cutoff = ref<number | null>(null);
  const colormap = ref<ColormapName>('viridis');
  const rangeMode = ref<RangeMode>('quantile');
  const manualMin = ref(0);
  const manualMax = ref(1);
  const showArrows = ref(false);
  const arrowScale = ref(1);
  const logHistogram = ref(false);

  const xAxis = ref<'frame' | 'time'>('frame');
  const logX = ref(false);
  const logY = ref(false);
  const secondSeries = ref('');
  const potential = ref<'' | 'wca' | 'hertz'>('');
  const temperature = ref<number | null>(null);
  const msd = shallowRef<SeriesPayload | null>(null);
  const msdError = ref('');
  const second = shallowRef<SeriesPayload | null>(null);
  const secondError = ref('');
  const seriesLoading = ref(false);
  const detecting = ref(false);
  /** The detector has run for the open trajectory (its candidates are among the tags). */
  const detected = ref(false);

  const tags = ref<TagJson[]>([]);
  const tagsError = ref('');
  const undoLabel = ref<string | null>(null);
  const undo = new UndoStack();

  const jobs = ref<JobSnapshot[]>([]);
  /** Jobs started here whose output opens when they finish. */
  const autoOpen = new Set<number>();
  /** When each job was first seen with progress, for the ETA: [time ms, done]. */
  const jobStarts = new Map<number, [number, number]>();

  const selectedId = ref<number | null>(null);
  /** What the panes drew last (set by the panes). */
  const renderedFrame = ref<number | null>(null);

  const frames = computed(() => info.value?.frames ?? 0);
  const markers = computed(() => markerFrames(tags.value));
  const currentTag = computed(() => tagAtFrame(tags.value, frame.value));
  const panes = computed(() => paneFramesAt(frame.value, frames.value, bracket.value, bracketMode.value, tags.value));
  const paneFrames = computed<(number | null)[]>(() => panes.value.frames);
  /** The panes show the current tag's own bracket (rather than f - d, f + d). */
  const eventBracketShown = computed(() => panes.value.event);

  // ---- events ----
  onEvent((e) => {
    if (e.event === 'indexProgress') {
      if (opening.value && !opening.value.cancelled && (opening.value.path === e.data.path || opening.value.path === '')) {
        opening.value = { ...opening.value, path: e.data.path, done: e.data.done, total: e.data.total, frames: e.data.frames };
      }
    } else if (e.event === 'job') {
      upsertJob(e.data);
    }
  });

  function upsertJob(j: JobSnapshot): void {
    const i = jobs.value.findIndex((x) => x.id === j.id);
    const before = i >= 0 ? jobs.value[i] : null;
    if (i >= 0) jobs.value.splice(i, 1, j);
    else jobs.value.unshift(j);
    if (j.done > 0 && !jobStarts.has(j.id)) jobStarts.set(j.id, [Date.now(), j.done]);
    if (j.state === 'done' && before?.state !== 'done' && autoOpen.has(j.id) && j.outputPath) {
      autoOpen.delete(j.id);
      void openPath(j.outputPath);
    }
  }

  /** Seconds left for a running job, from its progress since it was first seen. */
  function jobEta(j: JobSnapshot): number | null {
    if (j.state !== 'running' || j.total <= 0 || j.done <= 0) return null;
    const seen = jobStarts.get(j.id);
    const started = Date.parse(j.startedAt);
    const [t0, d0] = seen && seen[1] < j.done ? seen : [Number.isFinite(started) ? started : Date.now(), 0];
    const rate = (j.done - d0) / Math.max(1, Date.now() - t0);
    if (!(rate > 0)) return null;
    return (j.total - j.done) / rate / 1000;
  }

  // ---- open ----
  async function init(): Promise<void> {
    try {
      const v = await api.version({});
      version.value = v.version;
      backendHost.value = v.host;
    } catch (e) {
      openError.value = errorText(e);
      return;
    }
    void refreshRecent();
    void refreshJobs();
    const url = new URLSearchParams(location.search).get('file');
    let session = null;
    try {
      session = await api.getSession({});
    } catch (e) {
      notice.value = `Could not read the last session: ${errorText(e)}`;
    }
    if (session) applyLayout(session.layout, session.field);
    ready.value = true;
    document.body.dataset.ready = 'true';
    const target = url ?? session?.lastFile ?? null;
    if (target) {
      const restoreFrame = !url || url === session?.lastFile ? session?.frame ?? 0 : 0;
      await openPath(target, restoreFrame);
    }
    sessionLoaded = true;
  }

  async function refreshRecent(): Promise<void> {
    try {
      recent.value = (await api.recentFiles({})).paths;
    } catch {
      recent.value = [];
    }
  }

  async function refreshJobs(): Promise<void> {
    try {
      const r = await api.listJobs({});
      jobs.value = r.jobs.slice().sort((a, b) => b.id - a.id);
    } catch {
      // The job list is optional.
    }
  }

  let openSeq = 0;

  async function openWith(path: string, call: () => Promise<TrajectoryInfo>, startFrame = 0): Promise<boolean> {
    const seq = ++openSeq;
    openError.value = '';
    notice.value = '';
    opening.value = { path, done: 0, total: 0, frames: 0, cancelled: false };
    try {
      const t = await call();
      if (seq !== openSeq || opening.value?.cancelled) return false;
      setTrajectory(t, startFrame);
      void refreshRecent();
      return true;
    } catch (e) {
      if (seq === openSeq && !opening.value?.cancelled) openError.value = errorText(e);
      return false;
    } finally {
      if (seq === openSeq) opening.value = null;
    }
  }

  function openPath(path: string, startFrame = 0): Promise<boolean> {
    const p = path.trim();
    if (!p) return Promise.resolve(false);
    return openWith(p, () => api.openTrajectory({ path: p }), startFrame);
  }

  function openDemo(): Promise<boolean> {
    return openWith('', () => api.openDemo({}));
  }

  /** Stop waiting for the trajectory being indexed (and cancel its indexing job when the backend runs one). */
  async function cancelOpen(): Promise<void> {
    const o = opening.value;
    if (!o) return;
    opening.value = { ...o, cancelled: true };
    openSeq++;
    opening.value = null;
    notice.value = `Opening ${o.path ? baseName(o.path) : 'the trajectory'} was cancelled.`;
    try {
      const r = await api.listJobs({});
      for (const j of r.jobs) {
        if (j.state === 'running' && j.kind === 'index' && (!o.path || j.label.includes(o.path) || j.label.includes(baseName(o.path)))) {
          await api.cancelJob({ jobId: j.id });
        }
      }
    } catch {
      // Nothing more to cancel.
    }
  }

  function setTrajectory(t: TrajectoryInfo, startFrame: number): void {
    info.value = t;
    frame.value = clampFrame(startFrame, t.frames);
    selectedId.value = null;
    msd.value = null;
    second.value = null;
    detected.value = false;
    tags.value = [];
    undo.clear();
    undoLabel.value = null;
    renderedFrame.value = null;
    if (t.damage) notice.value = `Damaged file: ${t.damage}. The frames before it are usable.`;
    void loadTimeline();
    scheduleSave();
  }

  // ---- timeline ----
  async function loadTimeline(): Promise<void> {
    const t = info.value;
    if (!t) return;
    seriesLoading.value = true;
    msdError.value = '';
    try {
      const [series] = await Promise.all([api.getSeries({ trajectoryId: t.id, name: 'msd' }), loadTags()]);
      if (info.value !== t) return;
      msd.value = markRaw(series);
    } catch (e) {
      if (info.value === t) msdError.value = errorText(e);
    } finally {
      seriesLoading.value = false;
    }
    if (info.value === t && !tags.value.some((x) => x.source === 'detector')) await detect();
    if (info.value === t) detected.value = true;
    void loadSecond();
  }

  async function loadSecond(): Promise<void> {
    const t = info.value;
    second.value = null;
    secondError.value = '';
    if (!t || !secondSeries.value) return;
    const name = secondSeries.value;
    if (!isSeriesName(name)) return;
    // The series' own parameters only (energy takes a potential, the stress a potential and a temperature).
    const takes = SERIES[name].params as readonly string[];
    const given: Record<string, number | string> = {};
    if (potential.value && takes.includes('potential')) given.potential = potential.value;
    if (temperature.value !== null && Number.isFinite(temperature.value) && takes.includes('temperature')) given.temperature = temperature.value;
    try {
      const s = await api.getSeries({ trajectoryId: t.id, name, params: given });
      if (info.value === t && s.name === secondSeries.value) second.value = markRaw(s);
    } catch (e) {
      if (info.value === t) secondError.value = errorText(e);
    }
  }

  async function detect(): Promise<void> {
    const t = info.value;
    if (!t) return;
    detecting.value = true;
    try {
      await api.detect({ trajectoryId: t.id });
      if (info.value === t) await loadTags();
    } catch (e) {
      if (info.value === t) tagsError.value = `Detection failed: ${errorText(e)}`;
    } finally {
      detecting.value = false;
    }
  }

  // ---- frames ----
  function setFrame(f: number): void {
    if (!info.value) return;
    frame.value = clampFrame(f, info.value.frames);
  }

  function step(k: number): void {
    setFrame(frame.value + k);
  }

  function jump(dir: 1 | -1): boolean {
    const f = nextMarker(markers.value, frame.value, dir);
    if (f === null) return false;
    setFrame(f);
    return true;
  }

  // ---- tags ----
  async function loadTags(): Promise<void> {
    const t = info.value;
    if (!t) return;
    try {
      const r = await api.listTags({ trajectoryId: t.id });
      if (info.value === t) {
        tags.value = r.tags.slice().sort((a, b) => a.frame - b.frame || a.id - b.id);
        tagsError.value = '';
      }
    } catch (e) {
      tagsError.value = errorText(e);
    }
  }

  function replaceTag(tag: TagJson): void {
    const i = tags.value.findIndex((x) => x.id === tag.id);
    if (i >= 0) tags.value.splice(i, 1, tag);
    else {
      tags.value.push(tag);
      tags.value.sort((a, b) => a.frame - b.frame || a.id - b.id);
    }
  }

  function ops(): TagOps {
    const t = info.value!;
    return {
      add: async (f, kind, note) => {
        const tag = await api.addTag({ trajectoryId: t.id, frame: f, kind, note });
        replaceTag(tag);
        return tag;
      },
      update: async (tagId, kind, note) => {
        const tag = await api.updateTag({ trajectoryId: t.id, tagId, kind, note });
        replaceTag(tag);
        return tag;
      },
      remove: async (tagId) => {
        await api.deleteTag({ trajectoryId: t.id, tagId });
        tags.value = tags.value.filter((x) => x.id !== tagId);
      },
    };
  }

  async function guarded(work: () => Promise<void>): Promise<void> {
    if (!info.value) return;
    try {
      await work();
      tagsError.value = '';
    } catch (e) {
      tagsError.value = errorText(e);
      await loadTags();
    }
    undoLabel.value = undo.peek();
  }

  async function addTag(f: number, kind: TagKind, note = ''): Promise<void> {
    await guarded(async () => {
      const tag = await ops().add(f, kind, note);
      undo.push({ op: 'added', tagId: tag.id, frame: f });
    });
  }

  async function setTagKind(tag: TagJson, kind: TagKind): Promise<void> {
    if (tag.kind === kind) return;
    await guarded(async () => {
      await ops().update(tag.id, kind, tag.note);
      undo.push({ op: 'updated', tagId: tag.id, frame: tag.frame, before: { kind: tag.kind, note: tag.note } });
    });
  }

  async function setTagNote(tag: TagJson, note: string): Promise<void> {
    if (tag.note === note) return;
    await guarded(async () => {
      await ops().update(tag.id, tag.kind, note);
      undo.push({ op: 'updated', tagId: tag.id, frame: tag.frame, before: { kind: tag.kind, note: tag.note } });
    });
  }

  async function deleteTag(tag: TagJson): Promise<void> {
    await guarded(async () => {
      await ops().remove(tag.id);
      undo.push({ op: 'deleted', tag: { ...tag } });
    });
  }

  /** "Tag frame" / key T: see toggleTagAction for the rules. */
  async function toggleTag(): Promise<void> {
    if (!info.value) return;
    const a = toggleTagAction(tags.value, frame.value);
    if (a.op === 'add') await addTag(a.frame, a.kind);
    else if (a.op === 'update') await setTagKind(a.tag, a.kind);
    else await deleteTag(a.tag);
  }

  async function undoLast(): Promise<void> {
    await guarded(async () => {
      const f = await undo.undo(ops());
      if (f !== null) setFrame(f);
    });
  }

  async function exportTags(format: 'csv' | 'json'): Promise<{ text: string; name: string } | null> {
    const t = info.value;
    if (!t) return null;
    try {
      const r = await api.exportTags({ trajectoryId: t.id, format });
      const stem = baseName(t.path).replace(/\.[^.]*$/, '') || 'trajectory';
      return { text: r.text, name: `${stem}-tags.${format}` };
    } catch (e) {
      tagsError.value = errorText(e);
      return null;
    }
  }

  async function importTags(text: string, format: 'csv' | 'json'): Promise<string> {
    const t = info.value;
    if (!t) return '';
    try {
      const r = await api.importTags({ trajectoryId: t.id, format, text });
      await loadTags();
      undo.clear();
      undoLabel.value = null;
      const w = r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}: ${r.warnings.slice(0, 3).join('; ')})` : '';
      return `Imported: ${r.inserted} new, ${r.updated} updated${w}.`;
    } catch (e) {
      tagsError.value = errorText(e);
      return '';
    }
  }

  // ---- jobs ----
  async function startSimulation(req: SimulationRequest): Promise<JobSnapshot> {
    const job = await api.startSimulation(req);
    autoOpen.add(job.id);
    upsertJob(job);
    return job;
  }

  async function cancelJob(id: number): Promise<void> {
    try {
      upsertJob(await api.cancelJob({ jobId: id }));
    } catch (e) {
      notice.value = errorText(e);
    }
  }

  // ---- session ----
  let sessionLoaded = false;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;

  function layout(): Record<string, unknown> {
    return {
      bracket: bracket.value, bracketMode: bracketMode.value, refMode: refMode.value, fixedRef: fixedRef.value, lag: lag.value, cutoff: cutoff.value,
      colormap: colormap.value, rangeMode: rangeMode.value, manualMin: manualMin.value, manualMax: manualMax.value,
      showArrows: showArrows.value, arrowScale: arrowScale.value, logHistogram: logHistogram.value,
      xAxis: xAxis.value, logX: logX.value, logY: logY.value, secondSeries: secondSeries.value, potential: potential.value,
      temperature: temperature.value, fieldNone: field.value === 'none',
    };
  }

  function applyLayout(l: Record<string, unknown>, savedField: string): void {
    const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    for (const k of LAYOUT_NUMBERS) {
      const v = l[k];
      if (!num(v)) continue;
      if (k === 'bracket') bracket.value = Math.max(1, Math.round(v));
      else if (k === 'fixedRef') fixedRef.value = Math.max(0, Math.round(v));
      else if (k === 'lag') lag.value = Math.max(1, Math.round(v));
      else if (k === 'arrowScale') arrowScale.value = v > 0 ? v : 1;
      else if (k === 'temperature') temperature.value = v;
      else if (k === 'manualMin') manualMin.value = v;
      else manualMax.value = v;
    }
    if (l.bracketMode === 'event' || l.bracketMode === 'fixed') bracketMode.value = l.bracketMode;
    if (l.refMode === 'previous' || l.refMode === 'fixed' || l.refMode === 'lag') refMode.value = l.refMode;
    if (l.cutoff === null || (num(l.cutoff) && l.cutoff > 0)) cutoff.value = l.cutoff as number | null;
    if (l.colormap === 'viridis' || l.colormap === 'cividis' || l.colormap === 'magma') colormap.value = l.colormap;
    if (l.rangeMode === 'minmax' || l.rangeMode === 'quantile' || l.rangeMode === 'manual') rangeMode.value = l.rangeMode;
    if (typeof l.showArrows === 'boolean') showArrows.value = l.showArrows;
    if (typeof l.logHistogram === 'boolean') logHistogram.value = l.logHistogram;
    if (l.xAxis === 'frame' || l.xAxis === 'time') xAxis.value = l.xAxis;
    if (typeof l.logX === 'boolean') logX.value = l.logX;
    if (typeof l.logY === 'boolean') logY.value = l.logY;
    if (typeof l.secondSeries === 'string') secondSeries.value = l.secondSeries;
    if (l.potential === '' || l.potential === 'wca' || l.potential === 'hertz') potential.value = l.potential;
    if (savedField && isFieldChoice(savedField)) field.value = savedField;
    else if (l.fieldNone === true) field.value = 'none';
  }

  function scheduleSave(): void {
    if (!sessionLoaded && !info.value) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      void saveNow();
    }, 400);
  }

  async function saveNow(): Promise<void> {
    try {
      await api.saveSession({
        lastFile: info.value?.path ?? null,
        frame: frame.value,
        field: field.value === 'none' ? '' : field.value,
        layout: layout(),
      });
    } catch (e) {
      console.warn('saveSession failed', e);
    }
  }

  watch([frame, field, bracket, bracketMode, refMode, fixedRef, lag, cutoff, colormap, rangeMode, manualMin, manualMax, showArrows, arrowScale,
    logHistogram, xAxis, logX, logY, secondSeries, potential, temperature], () => scheduleSave());
  watch([secondSeries, potential, temperature], () => void loadSecond());

  return {
    version, backendHost, ready, info, opening, openError, notice, recent,
    frame, bracket, bracketMode, eventBracketShown, playing, frames, paneFrames,
    field, refMode, fixedRef, lag, cutoff, colormap, rangeMode, manualMin, manualMax, showArrows, arrowScale, logHistogram,
    xAxis, logX, logY, secondSeries, potential, temperature, msd, msdError, second, secondError, seriesLoading, detecting, detected,
    tags, tagsError, undoLabel, markers, currentTag, jobs, selectedId, renderedFrame,
    init, openPath, openDemo, cancelOpen, refreshRecent, loadTimeline, loadSecond, detect,
    setFrame, step, jump, loadTags, addTag, setTagKind, setTagNote, deleteTag, toggleTag, undoLast, exportTags, importTags,
    startSimulation, cancelJob, jobEta, refreshJobs, saveNow,
  };
});
