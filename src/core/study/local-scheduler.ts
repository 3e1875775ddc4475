// The local scheduler: a queue of the study's unfinished runs on this machine, K at a time, each in its own process
// (`avw study exec STUDY --run i`: a whole core per run, and a run killed does not take the others with it).
// Progress of every run comes back as JSON lines on the child's stdout; its stderr goes to the run's log.
// Cancel (abort) sends SIGTERM: each run writes a checkpoint and stops, and the next `avw study run` resumes it.
// If this process is killed (even with kill -9) its children notice within a second (--parent) and stop the same way;
// a run whose previous process is still alive on this host is waited for, never started twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyPlan } from './plan.js';
import { analysesCovered } from './run-exec.js';
import { readRunStatus, runProcessAlive, thisHost } from './run-status.js';

export type LocalEvent =
  | { type: 'start'; id: number; name: string; resume: boolean }
  | { type: 'progress'; id: number; name: string; fraction: number; message: string }
  | { type: 'end'; id: number; name: string; state: 'done' | 'failed' | 'interrupted'; error: string | null; cpuSeconds: number; wallSeconds: number }
  | { type: 'waiting'; id: number; name: string; pid: number };

export interface LocalOptions {
  /** The avw command: [node, ...node options, the CLI entry]. */
  command: string[];
  /** Runs at a time (default: the machine's cores). */
  maxParallel: number;
  /** Runs to consider (default: all); finished ones are skipped anyway. */
  ids?: readonly number[];
  signal?: AbortSignal;
  onEvent?: (e: LocalEvent) => void;
  /** Extra arguments for every run process (e.g. --index-dir is not used: runs have their own shards). */
  env?: NodeJS.ProcessEnv;
}

export interface LocalResult {
  /** Runs finished now, runs already done before, runs that failed. */
  done: number[];
  skipped: number[];
  failed: { id: number; error: string }[];
  cancelled: boolean;
  wallSeconds: number;
  /** CPU seconds of the run processes started now (from their status files). */
  cpuSeconds: number;
}

export function lockPath(plan: StudyPlan): string {
  return join(plan.dir, '.local-scheduler.lock');
}

function takeLock(plan: StudyPlan): void {
  mkdirSync(plan.dir, { recursive: true });
  const p = lockPath(plan);
  if (existsSync(p)) {
    try {
      const l = JSON.parse(readFileSync(p, 'utf8')) as { pid: number; host: string };
      if (l.host === thisHost() && l.pid !== process.pid && runProcessAlive(l.pid)) {
        throw new Error(`${plan.study.file}: another \`avw study run\` (pid ${l.pid}) is running this study on this machine`);
      }
    } catch (e) {
      if (e instanceof Error && e.message.includes('another')) throw e;
      // an unreadable lock is a stale one
    }
  }
  writeFileSync(p, JSON.stringify({ pid: process.pid, host: thisHost(), startedAt: new Date().toISOString() }));
}

interface Active { id: number; name: string; child: ChildProcess; started: number; stderrTail: string; result: string | null }

export async function runLocal(plan: StudyPlan, options: LocalOptions): Promise<LocalResult> {
  const started = performance.now();
  takeLock(plan);
  const signal = options.signal;
  const k = Math.max(1, Math.floor(options.maxParallel));
  const wanted = options.ids ? [...options.ids] : plan.runs.map((r) => r.id);
  const skipped: number[] = [];
  const queue: number[] = [];
  for (const id of wanted) {
    const s = readRunStatus(plan.runs[id]!.status);
    if (s?.state === 'done' && analysesCovered(s, plan.study) && existsSync(plan.runs[id]!.shard)) skipped.push(id);
    else queue.push(id);
  }
  const done: number[] = [];
  const failed: { id: number; error: string }[] = [];
  let cpuSeconds = 0;
  const active = new Map<number, Active>();
  const waitingFor = new Set<number>();
  let cancelled = false;

  const finish = (a: Active, code: number | null, sig: NodeJS.Signals | null): void => {
    active.delete(a.id);
    const run = plan.runs[a.id]!;
    const s = readRunStatus(run.status);
    const mine = s !== null && s.pid === a.child.pid;
    if (mine) cpuSeconds += s.cpuSeconds;
    const wall = (performance.now() - a.started) / 1000;
    if (code === 0 && s?.state === 'done') {
      done.push(a.id);
      options.onEvent?.({ type: 'end', id: a.id, name: a.name, state: 'done', error: null, cpuSeconds: mine ? s.cpuSeconds : 0, wallSeconds: wall });
      return;
    }
    const interrupted = mine && s.state === 'interrupted';
    const error = interrupted ? 'stopped; it resumes from its checkpoint'
      : sig ? `its process was killed (${sig})` : (mine && s.error) || a.stderrTail.trim().split('\n').pop() || `exit code ${code}`;
    if (sig) appendFileSync(run.log, `avw study run: the run's process (pid ${a.child.pid}) was killed by ${sig}\n`);
    if (!interrupted || !cancelled) failed.push({ id: a.id, error });
    options.onEvent?.({ type: 'end', id: a.id, name: a.name, state: interrupted ? 'interrupted' : 'failed', error, cpuSeconds: mine ? s.cpuSeconds : 0, wallSeconds: wall });
  };

  const start = (id: number): Promise<void> => {
    const run = plan.runs[id]!;
    mkdirSync(run.dir, { recursive: true });
    const resume = existsSync(`${run.out}.checkpoint`);
    appendFileSync(run.log, `\n== ${new Date().toISOString()} avw study run: run ${id} (${run.name}) on ${thisHost()}${resume ? ', resuming' : ''}\n`);
    const [cmd, ...pre] = options.command;
    const child = spawn(cmd!, [...pre, 'study', 'exec', plan.study.file, '--run', String(id), '--expect', run.name, '--parent', String(process.pid), '--progress-json'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env,
    });
    const a: Active = { id, name: run.name, child, started: performance.now(), stderrTail: '', result: null };
    active.set(id, a);
    options.onEvent?.({ type: 'start', id, name: run.name, resume });
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const m = JSON.parse(line) as { type?: string; fraction?: number; message?: string };
          if (m.type === 'progress') options.onEvent?.({ type: 'progress', id, name: run.name, fraction: m.fraction ?? 0, message: m.message ?? '' });
          else if (m.type === 'result') a.result = line;
        } catch {
          appendFileSync(run.log, `${line}\n`);
        }
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      appendFileSync(run.log, chunk);
      a.stderrTail = (a.stderrTail + chunk).slice(-4000);
    });
    return new Promise((res) => {
      child.on('error', (e) => {
        a.stderrTail += `\n${e.message}`;
      });
      child.on('close', (code, sig) => {
        finish(a, code, sig);
        res();
      });
    });
  };

  const onAbort = (): void => {
    cancelled = true;
    for (const a of active.values()) a.child.kill('SIGTERM');
  };
  signal?.addEventListener('abort', onAbort);
  try {
    const running = new Set<Promise<void>>();
    while (!cancelled && !signal?.aborted && (queue.length > 0 || running.size > 0)) {
      // Start what fits; a run whose earlier process still lives on this host (an orphan of a killed scheduler) waits.
      let startedOne = false;
      for (let i = 0; i < queue.length && active.size < k; i++) {
        const id = queue[i]!;
        const s = readRunStatus(plan.runs[id]!.status);
        if (s?.state === 'running' && s.host === thisHost() && runProcessAlive(s.pid)) {
          if (!waitingFor.has(id)) {
            waitingFor.add(id);
            options.onEvent?.({ type: 'waiting', id, name: plan.runs[id]!.name, pid: s.pid });
          }
          continue;
        }
        queue.splice(i--, 1);
        const p = start(id).finally(() => running.delete(p));
        running.add(p);
        startedOne = true;
      }
      if (running.size > 0) await Promise.race([...running, new Promise((r) => setTimeout(r, startedOne ? 0 : 500))]);
      else if (queue.length > 0) await new Promise((r) => setTimeout(r, 500));
    }
    if (signal?.aborted) cancelled = true;
    // After a cancel: wait for the runs to write their checkpoints and stop.
    await Promise.all([...active.values()].map((a) => new Promise<void>((res) => (a.child.exitCode !== null || a.child.signalCode !== null ? res() : a.child.once('close', () => res())))));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    rmSync(lockPath(plan), { force: true });
  }
  done.sort((a, b) => a - b);
  failed.sort((a, b) => a.id - b.id);
  return { done, skipped, failed, cancelled, wallSeconds: (performance.now() - started) / 1000, cpuSeconds };
}
