// The jobs the backend runs (indexing, simulations, figures), mirrored from its snapshots and progress events, with an
// ETA; a simulation started here opens its trajectory when it has finished.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { JobSnapshot, SimulationRequest } from '#shared/api.js';
import { api, onEvent } from '../api/client';
import { errorText, useTrajectory } from './trajectory';

export const useJobs = defineStore('jobs', () => {
  const trajectory = useTrajectory();
  const jobs = ref<JobSnapshot[]>([]);
  /** Jobs started here whose output opens when they finish. */
  const autoOpen = new Set<number>();
  /** When each job was first seen with progress, for the ETA: [time ms, done]. */
  const jobStarts = new Map<number, [number, number]>();

  onEvent((e) => {
    if (e.event === 'job') upsertJob(e.data);
  });

  function upsertJob(j: JobSnapshot): void {
    const i = jobs.value.findIndex((x) => x.id === j.id);
    const before = i >= 0 ? jobs.value[i] : null;
    if (i >= 0) jobs.value.splice(i, 1, j);
    else jobs.value.unshift(j);
    if (j.done > 0 && !jobStarts.has(j.id)) jobStarts.set(j.id, [Date.now(), j.done]);
    if (j.state === 'done' && before?.state !== 'done' && autoOpen.has(j.id) && j.outputPath) {
      autoOpen.delete(j.id);
      void trajectory.openPath(j.outputPath);
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

  async function refreshJobs(): Promise<void> {
    try {
      const r = await api.listJobs({});
      jobs.value = r.jobs.slice().sort((a, b) => b.id - a.id);
    } catch {
      // The job list is optional.
    }
  }

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
      trajectory.notice = errorText(e);
    }
  }

  return { jobs, jobEta, refreshJobs, startSimulation, cancelJob, upsertJob };
});
