// Shared by the reliability suite (tests/reliability): child processes with time limits, the `avw` command as a user
// runs it, seeded randomness, and the figures each part reports (printed, and appended to $AVW_RELIABILITY_REPORT
// as JSON lines when that is set, for a report).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'tests/fixtures');
export const CLI = join(ROOT, 'src/cli/main.ts');
export const CHILD = join(import.meta.dirname, 'child.ts');

export function tmpDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed because it ran past its time limit (a hang). */
  timedOut: boolean;
  ms: number;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** SIGKILL after this long and report a hang (default 60 s). */
  timeoutMs?: number;
  /** Called with the child once it is running (to kill it at a chosen moment). */
  onStart?: (child: ChildProcess) => void;
  /** Called with every stdout chunk (the text so far). */
  onStdout?: (text: string, child: ChildProcess) => void;
}

/** Run `node --import tsx SCRIPT ARGS` to its end (or its kill). */
export function runNode(script: string, args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '', timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    });
    options.onStart?.(child);
  });
}

/** `avw ARGS` from the sources, as a user runs it. */
export function avw(args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return runNode(CLI, args, options);
}

/** Run tasks with at most `limit` at once (the machine has few cores; the suite stays small). */
export async function pool<T>(tasks: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const k = next++;
      out[k] = await tasks[k]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wait until `ready()` holds (polling), or throw after `timeoutMs`. */
export async function waitUntil(ready: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** One part's figures: printed as one line and appended to $AVW_RELIABILITY_REPORT (JSON lines) when set. */
export function report(part: string, figures: Record<string, number | string>, startedMs: number): void {
  const seconds = (performance.now() - startedMs) / 1000;
  const line = { part, ...figures, seconds: Number(seconds.toFixed(1)) };
  console.log(`[reliability] ${part}: ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join(', ')}; ${seconds.toFixed(1)} s`);
  const file = process.env.AVW_RELIABILITY_REPORT;
  if (file) appendFileSync(file, JSON.stringify(line) + '\n');
}
