// SLURM: one job-array script per study (task i runs `avw study exec STUDY --run i`), submitted with sbatch; the
// state of the tasks from squeue (queued, running), sacct (finished; or scontrol while SLURM still remembers the job
// when accounting is off) and the runs' own status files. SLURM does the placing, retrying and accounting; this module
// only writes the script, calls the commands and reads their answers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { scheduleFrameCount, scheduleStep } from '../sim/protocol.js';
import { writeJsonAtomic } from '../jobs/simulate-output.js';
import { compactRanges, type StudyPlan } from './plan.js';
import type { RunState } from './run-status.js';
import { simulateParamsOf, writesInherentStructures } from './study-file.js';

/** How the module runs a command (tests pass a fake). */
export type CommandRunner = (command: string, args: string[]) => { status: number | null; stdout: string; stderr: string; error?: Error };

export const runCommand: CommandRunner = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
};

export interface Submission {
  /** The array job's id as sbatch printed it (without the cluster). */
  jobId: string;
  /** The runs (array indices) it covers. */
  tasks: number[];
  script: string;
  args: string[];
  submittedAt: string;
}

export interface Resources {
  time: string;
  mem: string;
  /** The estimate behind a derived value (seconds of one run, MiB). */
  estimate: { seconds: number; memMiB: number };
  derived: { time: boolean; mem: boolean };
}

/** SLURM's [D-]HH:MM:SS of a number of seconds. */
export function slurmTime(seconds: number): string {
  const s = Math.max(60, Math.ceil(seconds / 60) * 60);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const hms = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  return d > 0 ? `${d}-${hms}` : hms;
}

/**
 * Wall time and memory of one run, derived from the study when it does not give them: MD at 5 M atom-steps/s (a fifth of
 * this project's measured 27 M on one core), 0.4 ms per particle for each inherent structure (the FIRE minimization
 * measured 0.09 ms), the analyses at 10 us per particle and frame, all doubled, plus 5 minutes of start-up; memory 512 MiB
 * plus 8 KiB per particle.
 */
export function resourcesOf(plan: StudyPlan): Resources {
  const study = plan.study;
  const run = plan.runs[0]!;
  const p = simulateParamsOf(study, run.T, run.runSeed, run.out);
  let seconds: number;
  let n: number;
  if (p.kind === 'aqs') {
    n = p.n;
    seconds = p.steps * n * 2e-4 + (p.steps / p.every) * n * 1e-5;
  } else {
    const frames = scheduleFrameCount(p.schedule);
    const steps = p.equilSteps + p.twSteps + scheduleStep(p.schedule, frames - 1);
    n = p.start.kind === 'random' ? p.start.n : 2000;
    seconds = (n * steps) / 5e6 + (writesInherentStructures(study) ? frames * n * 4e-4 : 0) + frames * n * 1e-5;
  }
  seconds = 2 * seconds + 300;
  const memMiB = 512 + Math.ceil((n * 8) / 1024);
  return {
    time: study.slurm.time ?? slurmTime(seconds), mem: study.slurm.mem ?? `${memMiB}M`,
    estimate: { seconds, memMiB }, derived: { time: study.slurm.time === undefined, mem: study.slurm.mem === undefined },
  };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function scriptPath(plan: StudyPlan): string {
  return join(plan.slurmDir, `${plan.study.name}.sbatch`);
}

export function submissionsPath(plan: StudyPlan): string {
  return join(plan.slurmDir, 'submissions.json');
}

/**
 * The job-array script: `#SBATCH --array=0-(n-1)`, one task per run; each task runs avw for its own run (checking by name
 * that the study did not change since), with its working index on the node's local scratch ($TMPDIR). SIGTERM arrives two
 * minutes before the time limit, so a task that runs out of time writes a checkpoint and a resubmission resumes it.
 */
export function jobScript(plan: StudyPlan, avw: string[] | string): string {
  const study = plan.study;
  const res = resourcesOf(plan);
  const n = plan.runs.length;
  const cmd = typeof avw === 'string' ? avw : avw.map(shellQuote).join(' ');
  const lines = [
    '#!/bin/bash',
    `# Avalanche Workbench study "${study.name}" (${study.file}): ${n} runs, one array task each (task i = run i).`,
    '# Written by `avw study run --scheduler slurm`; submit again with that command (it skips finished runs), or',
    '# resubmit chosen runs with --runs 3,5; `avw study status` reads squeue/sacct and the runs\' status files.',
    `#SBATCH --job-name=avw-${study.name}`,
    `#SBATCH --array=0-${n - 1}`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    ...(res.derived.time ? [`# time derived from the study: about ${Math.round(res.estimate.seconds / 60)} min per run, margin included`] : []),
    `#SBATCH --time=${res.time}`,
    ...(res.derived.mem ? ['# memory derived from the study: 512 MiB + 8 KiB per particle'] : []),
    `#SBATCH --mem=${res.mem}`,
    `#SBATCH --output=${join(plan.slurmDir, '%A_%a.out')}`,
    '#SBATCH --signal=B:TERM@120',
    ...(study.slurm.partition ? [`#SBATCH --partition=${study.slurm.partition}`] : []),
    ...(study.slurm.account ? [`#SBATCH --account=${study.slurm.account}`] : []),
    ...(study.slurm.options ?? []).map((o) => `#SBATCH ${o}`),
    'set -eu',
    ...(study.slurm.setup ?? []),
    `RUNS=(${plan.runs.map((r) => shellQuote(r.name)).join(' ')})`,
    `exec ${cmd} study exec ${shellQuote(study.file)} --run "$SLURM_ARRAY_TASK_ID" --expect "\${RUNS[$SLURM_ARRAY_TASK_ID]}" --scratch "\${TMPDIR:-/tmp}"`,
    '',
  ];
  return lines.join('\n');
}

export function readSubmissions(plan: StudyPlan): Submission[] {
  const p = submissionsPath(plan);
  if (!existsSync(p)) return [];
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Submission[];
  } catch (e) {
    throw new Error(`${p}: cannot read the study's submissions (${(e as Error).message})`);
  }
}

/** Write the script and submit the array for the given runs (a subset is passed as --array on sbatch's command line). */
export function submitArray(plan: StudyPlan, ids: readonly number[], options: { avw: string[] | string; sbatchArgs?: string[]; runner?: CommandRunner }): Submission {
  if (ids.length === 0) throw new Error('nothing to submit');
  mkdirSync(plan.slurmDir, { recursive: true });
  const script = scriptPath(plan);
  writeFileSync(script, jobScript(plan, options.avw), { mode: 0o755 });
  const all = ids.length === plan.runs.length;
  const args = ['--parsable', ...(all ? [] : [`--array=${compactRanges(ids)}`]), ...(options.sbatchArgs ?? []), script];
  const r = (options.runner ?? runCommand)('sbatch', args);
  if (r.error) throw new Error(`sbatch: cannot run it (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): is SLURM installed on this machine?`);
  if (r.status !== 0) throw new Error(`sbatch ${args.join(' ')}: ${(r.stderr || r.stdout).trim() || `exit code ${r.status}`}`);
  const jobId = r.stdout.trim().split('\n').pop()!.split(';')[0]!.trim();
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch: unexpected answer "${r.stdout.trim()}" (expected the job id)`);
  const sub: Submission = { jobId, tasks: [...ids], script, args: args.slice(0, -1), submittedAt: new Date().toISOString() };
  writeJsonAtomic(submissionsPath(plan), [...readSubmissions(plan), sub]);
  return sub;
}

/** Expand SLURM's task lists: "3", "[2-5]", "[1,4-6%2]" -> ids. */
function expandTasks(spec: string): number[] {
  const inner = spec.replace(/^\[/, '').replace(/\]$/, '').replace(/%\d+$/, '');
  const out: number[] = [];
  for (const part of inner.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

/** Array-task states from `JOBID_TASK|STATE` lines (squeue --format=%i|%T, sacct --parsable2 JobID,State): key JOBID_TASK. */
export function parseTaskStates(text: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [id, stateText] = line.trim().split('|');
    if (!id || !stateText) continue;
    const m = /^(\d+)_(\[[^\]]+\]|\d+)$/.exec(id.trim());
    if (!m) continue; // job steps (123_4.batch) and plain jobs are not array tasks of ours
    const state = stateText.trim().split(/\s+/)[0]!.replace(/\+$/, '');
    for (const t of expandTasks(m[2]!)) states.set(`${m[1]}_${t}`, state);
  }
  return states;
}

/** Array-task states from `scontrol -o show job` records (what SLURM still remembers without accounting). */
export function parseScontrol(text: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of text.split('\n')) {
    const job = /\bArrayJobId=(\d+)/.exec(line);
    const task = /\bArrayTaskId=(\S+)/.exec(line);
    const state = /\bJobState=(\S+)/.exec(line);
    if (!job || !task || !state) continue;
    for (const t of expandTasks(task[1]!)) states.set(`${job[1]}_${t}`, state[1]!);
  }
  return states;
}

const PENDING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SPECIAL_EXIT']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING', 'STOPPED']);

/** A SLURM job state as a run state (COMPLETED stays for the run's file to decide). */
export function runStateOfSlurm(state: string): RunState | 'completed' {
  if (PENDING.has(state)) return 'pending';
  if (RUNNING.has(state)) return 'running';
  if (state === 'COMPLETED') return 'completed';
  return 'failed';
}

export interface SlurmView {
  /** JOBID_TASK -> state, from squeue (queued and running tasks); null when squeue could not be asked. */
  queue: Map<string, string> | null;
  /** JOBID_TASK -> state of finished tasks (sacct, else scontrol); empty when neither knows. */
  finished: Map<string, string>;
  /** Why some source was not available (accounting disabled, ...). */
  notes: string[];
}

/** Ask SLURM about the study's array jobs. */
export function querySlurm(subs: readonly Submission[], runner: CommandRunner = runCommand): SlurmView {
  const notes: string[] = [];
  if (subs.length === 0) return { queue: new Map(), finished: new Map(), notes };
  const jobs = [...new Set(subs.map((s) => s.jobId))];
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    // no user name: ask for every user's jobs
  }
  const sq = runner('squeue', ['--noheader', '--array', '--format=%i|%T', ...(user ? [`--user=${user}`] : [])]);
  let queue: Map<string, string> | null = null;
  if (sq.error || sq.status !== 0) {
    notes.push(`squeue: ${sq.error ? (sq.error as NodeJS.ErrnoException).code ?? sq.error.message : (sq.stderr || `exit code ${sq.status}`).trim()}`);
  } else {
    queue = new Map([...parseTaskStates(sq.stdout)].filter(([k]) => jobs.includes(k.split('_')[0]!)));
  }
  // sacct reads --starttime in the cluster's local time: a day before the first submission covers any time zone.
  const since = new Date(Date.parse(subs.map((s) => s.submittedAt).sort()[0]!) - 86_400_000).toISOString().slice(0, 10);
  const sa = runner('sacct', ['--noheader', '--parsable2', `--jobs=${jobs.join(',')}`, '--format=JobID,State', `--starttime=${since}`]);
  let finished = new Map<string, string>();
  if (!sa.error && sa.status === 0) {
    finished = parseTaskStates(sa.stdout);
  } else {
    notes.push(`sacct: ${sa.error ? (sa.error as NodeJS.ErrnoException).code ?? sa.error.message : (sa.stderr || `exit code ${sa.status}`).trim()}`);
    for (const job of jobs) {
      const sc = runner('scontrol', ['-o', 'show', 'job', job]);
      if (!sc.error && sc.status === 0) for (const [k, v] of parseScontrol(sc.stdout)) finished.set(k, v);
    }
  }
  return { queue, finished, notes };
}

/** The runs that the latest submission of each covers: run id -> submission. */
export function latestSubmissionOf(subs: readonly Submission[]): Map<number, Submission> {
  const m = new Map<number, Submission>();
  for (const s of subs) for (const t of s.tasks) m.set(t, s);
  return m;
}
