// Start a worker thread on one of the entries beside this module: the compiled .js next to it, or, from the
// TypeScript sources (tests, tsx), the .ts entry with tsx's loader registered inside the thread first.
import { Worker } from 'node:worker_threads';

export function startWorker(entry: string, workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${entry}.js`, here), { workerData });
  const url = new URL(`./${entry}.ts`, here).href;
  const boot = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(url)}); })()`;
  return new Worker(boot, { eval: true, workerData });
}
