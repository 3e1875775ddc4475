// A run's own status file (RUN/status.json), written only by the process that runs it: what it is doing, how far it
// got, where (host, pid, SLURM task) and what it produced. Schedulers and `avw study status` read it; SLURM's own
// accounting adds what the file cannot know (a task that never started, or was killed before it could write).
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { writeJsonAtomic } from '../jobs/simulate-output.js';

/** What `avw study status` reports per run. */
export const RUN_STATES = ['pending', 'running', 'done', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** What the run's process writes: 'interrupted' is a run stopped on request (cancel, SIGTERM, time limit) with a checkpoint. */
export type RunFileState = 'running' | 'done' | 'failed' | 'interrupted';

export interface SlurmTaskInfo {
  /** JOBID_TASK, as squeue and sacct name an array task. */
  jobId: string;
  arrayJobId: string;
  arrayTaskId: number;
  /** The task's own job id (SLURM_JOB_ID) and node. */
  taskJobId: string;
  node: string;
}

export interface RunStatusFile {
  format: 'avalanche-workbench/study-run';
  version: 1;
  run: { id: number; name: string; T: number | null; seed: number; runSeed: number };
  state: RunFileState;
  /** simulate -> analyses -> shard -> done. */
  stage: 'simulate' | 'analyses' | 'shard' | 'done';
  /** Overall progress of this run, 0..1, and the last progress message. */
  fraction: number;
  message: string;
  scheduler: 'local' | 'slurm';
  host: string;
  pid: number;
  /** Attempts so far (1 for the first). */
  attempt: number;
  /** This attempt continued the simulation from its checkpoint. */
  resumed: boolean;
  slurm: SlurmTaskInfo | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Analyses finished (their names as the study lists them). */
  analyses: string[];
  /** What the run produced (when done). */
  results: { frames: number; candidates: number; tags: number } | null;
  /** CPU seconds (user + system) of this attempt's process, and of all attempts. */
  cpuSeconds: number;
  cpuSecondsTotal: number;
  wallSeconds: number;
  error: string | null;
}

export function readRunStatus(path: string): RunStatusFile | null {
  if (!existsSync(path)) return null;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as RunStatusFile;
    return s && s.format === 'avalanche-workbench/study-run' ? s : null;
  } catch {
    // Written atomically, so a file that does not parse was not written by us: treat as no status.
    return null;
  }
}

export function writeRunStatus(path: string, s: RunStatusFile): void {
  writeJsonAtomic(path, s);
}

export function thisHost(): string {
  return hostname();
}

/** Whether a process lives on this host (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is alive and still a study process (on Linux a reused pid of another program is told apart by its command line). */
export function runProcessAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('study');
  } catch {
    return true; // no /proc (macOS): trust the signal probe
  }
}

/**
 * The state of a run from its own file alone: done, failed (also interrupted: it needs another attempt), running
 * when its process is alive (on this host; on another host we cannot tell and trust the file), failed when the
 * process is gone without saying so (killed), pending without a file.
 */
export function stateFromFile(s: RunStatusFile | null, host = thisHost()): { state: RunState; reason: string | null } {
  if (!s) return { state: 'pending', reason: null };
  switch (s.state) {
    case 'done': return { state: 'done', reason: null };
    case 'failed': return { state: 'failed', reason: s.error ?? 'failed' };
    case 'interrupted': return { state: 'failed', reason: `interrupted (${s.error ?? 'stopped'}); it resumes from its checkpoint when run again` };
    case 'running':
      if (s.host !== host) return { state: 'running', reason: null };
      return runProcessAlive(s.pid) ? { state: 'running', reason: null } : { state: 'failed', reason: `its process (pid ${s.pid}) is gone without finishing (killed?); it resumes from its checkpoint when run again` };
  }
}
