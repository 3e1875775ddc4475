// Indexing a trajectory as a job: the scan runs off the UI / CLI thread, with progress and cancel.
import { openIndexed, type TrajectoryInfo } from '../index/indexed-trajectory.js';
import type { JobDefinition } from './job.js';

export interface IndexJobParams {
  path: string;
  indexDir?: string;
}

export interface IndexJobResult extends TrajectoryInfo {
  path: string;
  damage: string | null;
  outcome: string;
}

export const indexJob: JobDefinition<IndexJobParams, IndexJobResult> = {
  kind: 'index',
  validate(raw) {
    const p = raw as Partial<IndexJobParams> | null;
    if (!p || typeof p.path !== 'string' || p.path.length === 0) throw new Error('index: "path" must be a file path');
    if (p.indexDir !== undefined && typeof p.indexDir !== 'string') throw new Error('index: "indexDir" must be a directory path');
    return { path: p.path, indexDir: p.indexDir };
  },
  run(params, ctx) {
    const t = openIndexed(params.path, {
      indexDir: params.indexDir,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(p.fileBytesDone, p.fileBytesTotal, `${p.frames} frames`),
    });
    try {
      return { ...t.info(), path: t.path, damage: t.damage?.message ?? null, outcome: t.outcome };
    } finally {
      t.close();
    }
  },
};
