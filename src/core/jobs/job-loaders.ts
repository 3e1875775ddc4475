// Each job kind's module, loaded on demand: a worker thread or utility process runs ONE job, so job-host.ts loads
// only that job's code (the registry imports every job: the figure renderer alone takes ~0.3 s to load, which would
// precede every simulation's first step). The kinds and definitions are those of registry.ts (tests/core/jobs/jobs.test.ts
// checks that both tables agree).
import type { JobDefinition } from './job.js';

type AnyJob = JobDefinition<never, unknown>;

export const JOB_LOADERS: Record<string, () => Promise<AnyJob>> = {
  count: async () => (await import('./count-job.js')).countJob as AnyJob,
  index: async () => (await import('./index-job.js')).indexJob as AnyJob,
  series: async () => (await import('./series-job.js')).seriesJob as AnyJob,
  field: async () => (await import('./field-job.js')).fieldJob as AnyJob,
  detect: async () => (await import('./detect-job.js')).detectJob as AnyJob,
  correlate: async () => (await import('./correlate-job.js')).correlateJob as AnyJob,
  simulate: async () => (await import('./simulate-job.js')).simulateJob as AnyJob,
  minimize: async () => (await import('./minimize-job.js')).minimizeJob as AnyJob,
  figure: async () => (await import('./figure-job.js')).figureJob as AnyJob,
  modes: async () => (await import('./modes-job.js')).modesJob as AnyJob,
  export: async () => (await import('./export-job.js')).exportJob as AnyJob,
  study: async () => (await import('./study-job.js')).studyJob as AnyJob,
  'softness-train': async () => (await import('./softness-train-job.js')).softnessTrainJob as AnyJob,
  rearrangers: async () => (await import('./rearrangers-job.js')).rearrangersJob as AnyJob,
};

/** The definition of a job kind (its module loaded now), or undefined for an unknown kind. */
export async function loadJob(kind: string): Promise<AnyJob | undefined> {
  const load = Object.hasOwn(JOB_LOADERS, kind) ? JOB_LOADERS[kind] : undefined;
  return load ? load() : undefined;
}
