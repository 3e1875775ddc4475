// Long work as jobs: parameters in, progress events out, cancellable. Host-agnostic: the same job runs
// in-process (tests), in a worker thread (CLI, web host) or in an Electron utility process.

export interface JobProgress {
  done: number;
  total: number;
  message: string;
}

export interface JobContext {
  /** Aborted when the job is cancelled: check it between units of work (frames). */
  readonly signal: AbortSignal;
  /** Report progress; the host throttles it to about 10 updates a second. */
  progress(done: number, total: number, message?: string): void;
}

export interface JobDefinition<P = unknown, R = unknown> {
  kind: string;
  /** Check and normalise untrusted parameters; throw an Error naming what is wrong. */
  validate(params: unknown): P;
  run(params: P, context: JobContext): R | Promise<R>;
}

export class JobCancelledError extends Error {
  constructor(kind: string) {
    super(`${kind}: cancelled`);
    this.name = 'JobCancelledError';
  }
}

/** A progress reporter that passes at most one update every `intervalMs` (and always the last one). */
export function throttledProgress(emit: (p: JobProgress) => void, intervalMs = 100): (done: number, total: number, message?: string) => void {
  let last = -Infinity;
  return (done, total, message = '') => {
    const now = Date.now();
    if (now - last < intervalMs && done < total) return;
    last = now;
    emit({ done, total, message });
  };
}

/** Run a job in this thread (tests, small work). */
export async function runInProcess<P, R>(
  job: JobDefinition<P, R>,
  rawParams: unknown,
  options: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void } = {},
): Promise<R> {
  const params = job.validate(rawParams);
  const signal = options.signal ?? new AbortController().signal;
  const progress = throttledProgress((p) => options.onProgress?.(p));
  if (signal.aborted) throw new JobCancelledError(job.kind);
  try {
    return await job.run(params, { signal, progress });
  } catch (e) {
    if (signal.aborted) throw new JobCancelledError(job.kind);
    throw e;
  }
}

/** Typed arrays inside a result, to transfer rather than copy across threads. */
export function transferablesOf(value: unknown, out: ArrayBuffer[] = [], seen = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && !seen.has(buf) && value.byteOffset === 0 && value.byteLength === buf.byteLength) {
      seen.add(buf);
      out.push(buf);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) transferablesOf(v, out, seen);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferablesOf(v, out, seen);
  }
  return out;
}
