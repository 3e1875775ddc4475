// Every job kind, wired explicitly in one place (no auto-registration). Job hosts (a worker thread, a utility process)
// load one job's module through job-loaders.ts instead; tests/core/jobs/jobs.test.ts checks the two tables agree.
import type { JobDefinition } from './job.js';
import { indexJob } from './index-job.js';
import { seriesJob } from './series-job.js';
import { fieldJob } from './field-job.js';
import { detectJob } from './detect-job.js';
import { correlateJob } from './correlate-job.js';
import { simulateJob } from './simulate-job.js';
import { minimizeJob } from './minimize-job.js';
import { figureJob } from './figure-job.js';
import { modesJob } from './modes-job.js';
import { countJob } from './count-job.js';
import { exportJob } from './export-job.js';
import { studyJob } from './study-job.js';
import { softnessTrainJob } from './softness-train-job.js';
import { rearrangersJob } from './rearrangers-job.js';

export const JOBS: Record<string, JobDefinition<never, unknown>> = {
  count: countJob as JobDefinition<never, unknown>,
  index: indexJob as JobDefinition<never, unknown>,
  series: seriesJob as JobDefinition<never, unknown>,
  field: fieldJob as JobDefinition<never, unknown>,
  detect: detectJob as JobDefinition<never, unknown>,
  correlate: correlateJob as JobDefinition<never, unknown>,
  simulate: simulateJob as JobDefinition<never, unknown>,
  minimize: minimizeJob as JobDefinition<never, unknown>,
  figure: figureJob as JobDefinition<never, unknown>,
  modes: modesJob as JobDefinition<never, unknown>,
  export: exportJob as JobDefinition<never, unknown>,
  study: studyJob as JobDefinition<never, unknown>,
  'softness-train': softnessTrainJob as JobDefinition<never, unknown>,
  rearrangers: rearrangersJob as JobDefinition<never, unknown>,
};
