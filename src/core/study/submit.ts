// Which runs a `study run` starts, and a SLURM submission of them: the one place for `avw study run` and the
// workbench's Study view. Finished runs are never redone; `failedOnly` keeps the failed ones; SLURM gets only what is
// neither done nor already queued or running.
import type { StudyPlan } from './plan.js';
import { resourcesOf, submitArray, type CommandRunner } from './slurm.js';
import type { RunDetail } from './status.js';

/** The runs to consider: `ids` (default every run), only the failed ones with `failedOnly`. */
export function chooseRuns(plan: StudyPlan, runs: readonly Pick<RunDetail, 'id' | 'state'>[], ids: readonly number[] | undefined, failedOnly: boolean): number[] {
  for (const i of ids ?? []) {
    if (!Number.isInteger(i) || i < 0 || i >= plan.runs.length) throw new Error(`${plan.study.file}: run ${i} does not exist (the study plans runs 0-${plan.runs.length - 1})`);
  }
  const chosen = ids ? [...new Set(ids)].sort((a, b) => a - b) : plan.runs.map((r) => r.id);
  if (!failedOnly) return chosen;
  const failed = new Set(runs.filter((r) => r.state === 'failed').map((r) => r.id));
  return chosen.filter((i) => failed.has(i));
}

export interface SlurmSubmitResult {
  /** The array job's id, or null when there was nothing to submit (then `note` says why). */
  jobId: string | null;
  submitted: number[];
  script: string | null;
  /** Wall time and memory per task. */
  time: string;
  mem: string;
  note: string | null;
}

/** Submit the chosen runs that are neither done nor queued or running as one SLURM job array. */
export function submitStudy(plan: StudyPlan, runs: readonly RunDetail[], chosen: readonly number[], options: { avw: string[] | string; sbatchArgs?: string[]; runner?: CommandRunner }): SlurmSubmitResult {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const ids = chosen.filter((i) => {
    const r = byId.get(i);
    return r !== undefined && (r.state === 'failed' || (r.state === 'pending' && r.slurmState === null));
  });
  const res = resourcesOf(plan);
  if (ids.length === 0) return { jobId: null, submitted: [], script: null, time: res.time, mem: res.mem, note: 'nothing to submit: every run is done, queued or running' };
  const sub = submitArray(plan, ids, { avw: options.avw, sbatchArgs: options.sbatchArgs, runner: options.runner });
  return { jobId: sub.jobId, submitted: sub.tasks, script: sub.script, time: res.time, mem: res.mem, note: null };
}
