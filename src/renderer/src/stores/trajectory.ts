// The open trajectory: opening (with the index job's progress, cancel), the recent files, errors and notices. Opening
// another trajectory resets every view of the previous one (frame, panes, timeline, tags, field panel), so nothing of
// the last file stays on screen while the new one loads.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { TrajectoryInfo } from '#shared/api.js';
import { api, onEvent } from '../api/client';
import { baseName } from '../lib/format';

export interface OpeningState {
  path: string;
  done: number;
  total: number;
  frames: number;
  cancelled: boolean;
  /** The index job, once its first progress event named it. */
  jobId: number | null;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export const useTrajectory = defineStore('trajectory', () => {
  const info = shallowRef<TrajectoryInfo | null>(null);
  const opening = ref<OpeningState | null>(null);
  const openError = ref('');
  const notice = ref('');
  const recent = ref<string[]>([]);
  /** Called with the new trajectory and its start frame, before anything of it is drawn (the other stores reset). */
  const listeners: ((t: TrajectoryInfo, startFrame: number) => void)[] = [];

  onEvent((e) => {
    if (e.event !== 'indexProgress') return;
    const o = opening.value;
    if (!o || o.cancelled) return;
    // The open in progress is the one indexing: its job is the one named by the first progress event.
    if (o.jobId !== null && o.jobId !== e.data.jobId) return;
    opening.value = { ...o, jobId: e.data.jobId, path: e.data.path, done: e.data.done, total: e.data.total, frames: e.data.frames };
  });

  function onSwitch(listener: (t: TrajectoryInfo, startFrame: number) => void): void {
    listeners.push(listener);
  }

  async function refreshRecent(): Promise<void> {
    try {
      recent.value = (await api.recentFiles({})).paths;
    } catch {
      recent.value = [];
    }
  }

  let openSeq = 0;

  async function openWith(path: string, call: () => Promise<TrajectoryInfo>, startFrame = 0): Promise<boolean> {
    const seq = ++openSeq;
    openError.value = '';
    notice.value = '';
    opening.value = { path, done: 0, total: 0, frames: 0, cancelled: false, jobId: null };
    try {
      const t = await call();
      if (seq !== openSeq || opening.value?.cancelled) return false;
      info.value = t;
      for (const l of listeners) l(t, startFrame);
      if (t.damage) notice.value = `Damaged file: ${t.damage}. The frames before it are usable.`;
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

  /** Open run `runId` of open study `studyId` (the Study view): it becomes the open trajectory like any file. */
  function openStudyRun(studyId: number, runId: number, path: string): Promise<boolean> {
    return openWith(path, () => api.openStudyRun({ studyId, runId }));
  }

  /** Stop waiting for the trajectory being indexed, and cancel its index job (known by its id from the progress events). */
  async function cancelOpen(): Promise<void> {
    const o = opening.value;
    if (!o) return;
    openSeq++;
    opening.value = null;
    notice.value = `Opening ${o.path ? baseName(o.path) : 'the trajectory'} was cancelled.`;
    if (o.jobId === null) return; // No index job (the index was up to date) or not started yet: nothing runs.
    try {
      await api.cancelJob({ jobId: o.jobId });
    } catch {
      // It has finished meanwhile.
    }
  }

  return { info, opening, openError, notice, recent, onSwitch, refreshRecent, openPath, openDemo, openStudyRun, cancelOpen };
});
