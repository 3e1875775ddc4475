// The one place where the study code reaches the per-run series and field computations (kept in each trajectory's
// index) and their names: when series and fields move to the registry in src/core/fields/, only these imports change.
import type { IndexedTrajectory } from '../index/indexed-trajectory.js';
import type { JobContext } from '../jobs/job.js';
import { computeSeries, SERIES_NAMES, type SeriesName } from '../jobs/series-job.js';
import { computeField, FIELD_NAMES, VECTOR_FIELDS, type FieldName, type FieldResult } from '../jobs/field-job.js';
import { detect, type DetectResult } from '../jobs/detect-job.js';

export type { SeriesName, FieldName };
/** Names of the per-frame series and the per-particle fields; the vector fields (no distribution of them). */
export { SERIES_NAMES, FIELD_NAMES, VECTOR_FIELDS };

const quiet: JobContext = { signal: new AbortController().signal, progress: () => undefined };

/** The pair potential of a study's runs (energy and stress series need it). */
export function potentialOf(simulate: string): 'wca' | 'hertz' {
  return simulate === 'aqs' ? 'hertz' : 'wca';
}

/** A per-frame series of a run (computed once, then read from the index). */
export function runSeries(t: IndexedTrajectory, name: SeriesName, potential: 'wca' | 'hertz', ctx: JobContext = quiet): Float64Array {
  return computeSeries(t, { path: t.path, name, potential }, ctx).values;
}

/** A field at `frame` measured against `ref` (default cutoff and parameters), from the field cache when it is there. */
export function runField(t: IndexedTrajectory, name: FieldName, frame: number, ref: number, ctx?: JobContext): FieldResult {
  return computeField(t, { path: t.path, name, frame, ref }, ctx);
}

/** Run the detector and store its candidates as detector tags. */
export function runDetect(t: IndexedTrajectory, ctx: JobContext = quiet): DetectResult {
  return detect(t, { path: t.path, store: true }, ctx);
}
