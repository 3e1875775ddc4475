// `avw` run as a user runs it, in its own process (src/cli/main.ts through tsx), for the CLI tests: its exit status,
// its output, and that output parsed when it is JSON.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

/** The node arguments that run the CLI from source (one process: a SIGKILL takes its worker threads with it). */
export const AVW = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

export interface AvwRun {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, or null when it is not JSON (an error: the test looks at stderr). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface AvwOptions {
  /** Appended as `--index-dir DIR`. */
  indexDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function runAvw(args: string[], options: AvwOptions = {}): AvwRun {
  const argv = [...AVW, ...args, ...(options.indexDir !== undefined ? ['--index-dir', options.indexDir] : [])];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', cwd: root, env: options.env });
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    // Not JSON.
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}
