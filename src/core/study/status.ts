// `avw study status`: the state of every run, from the runs' own status files and, for runs submitted to SLURM, from
// squeue / sacct: pending (not started, or queued), running, done, failed (resubmit or run again: an interrupted run
// resumes from its checkpoint).
import type { StudyPlan } from './plan.js';
import { analysesCovered } from './run-exec.js';
import { readRunStatus, stateFromFile, type RunState } from './run-status.js';
import { latestSubmissionOf, querySlurm, readSubmissions, runStateOfSlurm, type CommandRunner } from './slurm.js';

/** One run in `avw study status --json`. */
export interface RunStatusJson {
  id: number;
  T: number | null;
  seed: number;
  out: string;
  state: RunState;
  /** The SLURM array task (JOBID_TASK) of the run's latest submission; null for local runs. */
  jobId: string | null;
}

/** `avw study status --json`. */
export interface StudyStatusJson {
  study: string;
  runs: RunStatusJson[];
  done: number;
  failed: number;
}

/** More about a run for people (and the workbench): progress, why it failed, what it made. */
export interface RunDetail extends RunStatusJson {
  name: string;
  /** 0..1 and the last progress message of a running run. */
  fraction: number;
  message: string;
  reason: string | null;
  attempt: number;
  scheduler: 'local' | 'slurm' | null;
  /** SLURM's own word on the task (PENDING, RUNNING, COMPLETED, TIMEOUT, ...), when asked. */
  slurmState: string | null;
  frames: number | null;
  candidates: number | null;
  cpuSeconds: number | null;
}

export interface StudyStatus {
  json: StudyStatusJson;
  runs: RunDetail[];
  /** Sources that could not be asked (squeue missing, accounting disabled, ...). */
  notes: string[];
}

export function studyStatus(plan: StudyPlan, options: { runner?: CommandRunner } = {}): StudyStatus {
  const subs = readSubmissions(plan);
  const latest = latestSubmissionOf(subs);
  const view = subs.length > 0 ? querySlurm(subs, options.runner) : null;
  const runs: RunDetail[] = plan.runs.map((run) => {
    const file = readRunStatus(run.status);
    const sub = latest.get(run.id);
    const jobId = sub ? `${sub.jobId}_${run.id}` : null;
    let { state, reason } = stateFromFile(file);
    if (state === 'done' && file && !analysesCovered(file, plan.study)) {
      state = 'pending';
      reason = 'the study lists analyses this run has not done yet';
    }
    let slurmState: string | null = null;
    if (jobId && view && state !== 'done') {
      const queued = view.queue?.get(jobId);
      const ended = view.finished.get(jobId);
      slurmState = queued ?? ended ?? null;
      if (queued) {
        const s = runStateOfSlurm(queued);
        state = s === 'completed' ? state : s;
        if (state !== 'failed') reason = null;
      } else if (view.queue) {
        // Not (or no longer) in the queue: the task has ended, whatever the file says.
        const s = ended ? runStateOfSlurm(ended) : null;
        if (file?.state === 'running' || !file || state === 'pending') {
          state = 'failed';
          reason = ended
            ? `SLURM task ${jobId} ended ${ended}${s === 'completed' ? ' without finishing the run' : ''}`
            : `SLURM task ${jobId} is no longer queued and never reported (see ${plan.slurmDir})`;
        } else if (ended && s === 'failed' && !reason?.includes(ended)) {
          reason = `${reason ?? 'failed'} (SLURM: ${ended})`;
        }
      }
    }
    return {
      id: run.id, T: run.T, seed: run.seed, out: run.out, state, jobId, name: run.name,
      fraction: state === 'done' ? 1 : state === 'pending' ? 0 : file?.fraction ?? 0, message: file?.message ?? '', reason, attempt: file?.attempt ?? 0,
      scheduler: sub ? 'slurm' : file?.scheduler ?? null, slurmState,
      frames: file?.results?.frames ?? null, candidates: file?.results?.candidates ?? null, cpuSeconds: file?.cpuSecondsTotal ?? null,
    };
  });
  const json: StudyStatusJson = {
    study: plan.study.name,
    runs: runs.map(({ id, T, seed, out, state, jobId }) => ({ id, T, seed, out, state, jobId })),
    done: runs.filter((r) => r.state === 'done').length,
    failed: runs.filter((r) => r.state === 'failed').length,
  };
  return { json, runs, notes: view?.notes ?? [] };
}
