// The diagnostic `count` job of the job-system tests.
import type { JobDefinition } from './job.js';

/** A diagnostic job: counts to `n`, one step per `stepMs`, reporting progress (used by the job-system tests). */
export const countJob: JobDefinition<{ n: number; stepMs: number }, { counted: number }> = {
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
