// What the thermal and the AQS runs of the simulate job share: the files of a run, the schedule recorded in the index,
// the MD's worker threads, and small helpers.
import type { Box } from '../box.js';
import type { FrameSchedule } from '../index/schedule.js';
import { wrapPositions } from '../sim/system.js';
import { createKernelTeam, defaultThreads, type ClosableKernelTeam } from './kernel-team.js';
import type { StartSpec, ThermalParams } from './simulate-params.js';
// ---------------------------------------------------------------------------------------------------------------------
// Helpers

export function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Let the event loop run (a cancel message reaches a worker only then). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

export interface TypeInfo {
  typeid: Uint32Array;
  types: string[];
}

/** Wrapped copies of unwrapped/continuous positions with the image counters that undo the wrap. */
export function wrapped(positions: Float64Array, box: Box, dimensions: 2 | 3, images?: Int32Array): { positions: Float64Array; images: Int32Array } {
  const pos = positions.slice();
  const img = images ? images.slice() : new Int32Array(positions.length);
  wrapPositions(pos, img, box, dimensions);
  return { positions: pos, images: img };
}

/** The trajectory index (SQLite), loaded when first needed: it is not on the way to an MD run's first step. */
export async function loadIndex(): Promise<typeof import('../index/indexed-trajectory.js')> {
  return import('../index/indexed-trajectory.js');
}

export async function indexSchedule(path: string, schedule: FrameSchedule, indexDir: string | undefined, warnings: string[]): Promise<void> {
  try {
    const { openIndexed } = await loadIndex();
    const t = openIndexed(path, { indexDir });
    try {
      t.setSchedule(schedule);
    } finally {
      t.close();
    }
  } catch (e) {
    warnings.push(`could not record the schedule of ${path} in the index: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The MD's worker threads (none for one thread). */
export async function teamFor(p: ThermalParams, n: number): Promise<ClosableKernelTeam | undefined> {
  const threads = p.threads ?? defaultThreads(n);
  return threads > 1 ? createKernelTeam(threads) : undefined;
}

export function checkpointPath(out: string): string {
  return `${out}.checkpoint`;
}

export function sidecarPath(out: string): string {
  return `${out}.json`;
}

export function describeStart(s: StartSpec): Record<string, unknown> {
  return { ...s };
}
