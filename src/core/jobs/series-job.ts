// A per-frame series as a job (the CLI's `avw series`, the workbench's timeline): the registry resolves the request;
// the values come from the index or are computed once (extended when frames were appended) and stored (src/core/fields).
import { computeSeries, resolveSeries, type SeriesResult } from '../fields/series.js';
import { SERIES_PARAMS, checkParams, isSeriesName, SERIES, CLI_NAMER, type SeriesName } from '#shared/fields.js';
import type { JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export type { SeriesResult };

export interface SeriesParams {
  path: string;
  indexDir?: string;
  name: SeriesName;
  params?: Record<string, unknown>;
}

function fail(message: string): never {
  throw new Error(message);
}

export function validateSeriesParams(raw: unknown): SeriesParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) fail('series: "path" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') fail('series: "indexDir" must be a directory');
  if (!isSeriesName(p.name)) fail(`series: unknown series ${JSON.stringify(p.name)}: one of ${Object.keys(SERIES).join(', ')}`);
  if (p.params !== undefined && (typeof p.params !== 'object' || p.params === null || Array.isArray(p.params))) fail('series: "params" must be an object');
  const params = checkParams(p.name, SERIES_PARAMS, SERIES[p.name].params, p.params as Record<string, unknown> | undefined, CLI_NAMER);
  resolveSeries({ name: p.name, params }); // required parameters, before a worker starts
  return { path: p.path as string, indexDir: p.indexDir as string | undefined, name: p.name, params };
}

export const seriesJob: JobDefinition<SeriesParams, SeriesResult> = {
  kind: 'series',
  validate: validateSeriesParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source, set) => computeSeries(source, resolveSeries(params), ctx, (path) => set.get(path)));
  },
};
