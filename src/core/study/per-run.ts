// The one place where the study code reaches the per-run series and field computations (kept in each trajectory's
// index) and their names: the field and series registry (src/core/fields, src/shared/fields.ts).
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import type { JobContext } from '../jobs/job.js';
import { getField, resolveField, type FieldResult } from '../fields/field.js';
import { TrajectoryFrames, TrajectorySet } from '../fields/frames.js';
import { computeSeries, resolveSeries } from '../fields/series.js';
import { detect, type DetectResult } from '../jobs/detect-job.js';
import { FIELD_NAMES, SERIES, SERIES_NAMES, VECTOR_FIELD_NAMES, fieldInfo, type FieldName, type SeriesName } from '#shared/fields.js';

export type { SeriesName, FieldName };
/** Names of the per-frame series and the per-particle fields; the vector fields (no distribution of them). */
export { SERIES_NAMES, FIELD_NAMES };
export const VECTOR_FIELDS: ReadonlySet<FieldName> = new Set(VECTOR_FIELD_NAMES);

const quiet: JobContext = { signal: new AbortController().signal, progress: () => undefined };

/** The pair potential of a study's runs (energy and stress series need it). */
export function potentialOf(simulate: string): 'wca' | 'hertz' {
  return simulate === 'aqs' ? 'hertz' : 'wca';
}

/** A per-frame series of a run (computed once, then read from the index). */
export function runSeries(t: IndexedTrajectory, name: SeriesName, potential: 'wca' | 'hertz', ctx: JobContext = quiet): Float64Array {
  const takesPotential = (SERIES[name].params as readonly string[]).includes('potential');
  // Series measured on inherent structures (betti1, lambda_min) open the run's paired FILE.is.EXT.
  const others = new TrajectorySet({ db: t.db });
  try {
    return computeSeries(new TrajectoryFrames(t), resolveSeries({ name, params: takesPotential ? { potential } : {} }), ctx, (path) => others.get(path)).values;
  } finally {
    others.close();
  }
}

/**
 * A field at `frame` (default cutoff and parameters), from the field cache when it is there; `ref` is the reference of
 * pair fields (the others keep their registry rule: mobility the previous frame, IS displacement IS(0), softness none).
 */
export function runField(t: IndexedTrajectory, name: FieldName, frame: number, ref: number): FieldResult {
  const r = resolveField({ name, frame, ref: fieldInfo(name).reference === 'pair' ? ref : undefined }, t.frameCount, t.path);
  const others = new TrajectorySet({ db: t.db });
  try {
    return getField(new TrajectoryFrames(t), r, (path) => others.get(path));
  } finally {
    others.close();
  }
}

/** Run the detector and store its candidates as detector tags. */
export function runDetect(t: IndexedTrajectory, ctx: JobContext = quiet): DetectResult {
  return detect(new TrajectoryFrames(t), { path: t.path, store: true }, ctx);
}
