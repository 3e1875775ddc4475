// Every job kind, wired explicitly in one place (no auto-registration).
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

/** A diagnostic job: counts to `n`, one step per `stepMs`, reporting progress (used by the job-system tests). */
const countJob: JobDefinition<{ n: number; stepMs: number }, { counted: number }> = {
  kind: 'count',
  validate(raw) {
    const p = raw as { n?: unknown; stepMs?: unknown } | null;
    const n = Number(p?.n);
    const stepMs = Number(p?.stepMs ?? 0);
    if (!Number.isInteger(n) || n < 0 || n > 1e7) throw new Error('count: "n" must be an integer from 0 to 1e7');
    if (!(stepMs >= 0 && stepMs <= 1000)) throw new Error('count: "stepMs" must be 0..1000');
    return { n, stepMs };
  },
  async run({ n, stepMs }, ctx) {
    let counted = 0;
    for (let i = 0; i < n; i++) {
      if (ctx.signal.aborted) break;
      if (stepMs > 0) await new Promise((r) => setTimeout(r, stepMs));
      counted++;
      ctx.progress(counted, n);
    }
    return { counted };
  },
};

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
};
