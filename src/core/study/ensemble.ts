// Ensemble analyses of a study, per temperature, over its finished runs (read through the study's index, which collect
// keeps up to date; whatever a run did not compute is computed here once and kept there):
//   - a per-frame series averaged over the replicas, with standard errors (analysis/statistics.ts ensembleMean);
//   - F_s(q, t) averaged over replicas (and over blocks at equal lags), tau_alpha where it falls to 1/e with the replicas'
//     jackknife error (analysis/tau-alpha.ts), the VFT fit over temperatures and T_g where tau_alpha = 10^6 (analysis/vft.ts);
//   - a field's values before / at / after every detected or tagged event of every run, pooled per temperature
//     (Jha & Sengupta Figs. 2h, 4, 7a).
import { IndexDb } from '../index/index-db.js';
import { openIndexed, type IndexedTrajectory } from '../index/indexed-trajectory.js';
import { ensembleMean } from '../analysis/statistics.js';
import { replicaRelaxationTime } from '../analysis/tau-alpha.js';
import { fitVft, glassTransition, type GlassTransition, type VftFit } from '../analysis/vft.js';
import type { JobContext } from '../jobs/job.js';
import { collectStudy, realOut } from './collect.js';
import { momentFrame, momentReference, runEvents, type EventSelection, type Moment } from './events.js';
import { DEFAULT_Q, fsSeries } from './fs-series.js';
import { potentialOf, runField, runSeries, type FieldName, type SeriesName } from './per-run.js';
import type { PlannedRun, StudyPlan } from './plan.js';
import { readRunStatus } from './run-status.js';

/** The finished runs of a study opened through its index (collected first). */
export interface OpenStudy {
  plan: StudyPlan;
  db: IndexDb;
  runs: { run: PlannedRun; t: IndexedTrajectory }[];
  /** Runs left out because they are not done. */
  missing: number[];
  close(): void;
}

export function openStudyRuns(plan: StudyPlan, options: { signal?: AbortSignal } = {}): OpenStudy {
  collectStudy(plan);
  const db = IndexDb.open({ indexDir: plan.indexDir });
  const runs: OpenStudy['runs'] = [];
  const missing: number[] = [];
  try {
    for (const run of plan.runs) {
      if (readRunStatus(run.status)?.state !== 'done') {
        missing.push(run.id);
        continue;
      }
      runs.push({ run, t: openIndexed(realOut(run.out), { db, signal: options.signal }) });
    }
  } catch (e) {
    for (const r of runs) r.t.close();
    db.close();
    throw e;
  }
  if (runs.length === 0) {
    db.close();
    throw new Error(`${plan.study.file}: no run is done yet (avw study status ${plan.study.file})`);
  }
  return {
    plan, db, runs, missing,
    close() {
      for (const r of runs) r.t.close();
      db.close();
    },
  };
}

/** Runs grouped by temperature, in the study's temperature order. */
export function byTemperature<X extends { run: PlannedRun }>(items: readonly X[]): { T: number | null; items: X[] }[] {
  const groups = new Map<number | null, X[]>();
  for (const x of items) {
    const g = groups.get(x.run.T);
    if (g) g.push(x);
    else groups.set(x.run.T, [x]);
  }
  return [...groups].map(([T, g]) => ({ T, items: g }));
}

function sameSteps(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Time per timestep of a run's frames (the schedule's dt), or null when unknown. */
function dtOf(t: IndexedTrajectory): number | null {
  return t.schedule.dt;
}

export interface SeriesGroup {
  T: number | null;
  /** The runs averaged (ids). */
  runs: number[];
  timesteps: Float64Array;
  /** timesteps x dt in reduced units, when the schedule knows dt. */
  time: Float64Array | null;
  mean: Float64Array;
  stderr: Float64Array;
  /** Runs with a finite value at each frame. */
  n: Int32Array;
}

export interface EnsembleSeries {
  study: string;
  name: string;
  by: 'T';
  groups: SeriesGroup[];
  missing: number[];
}

/** A per-frame series averaged over the replicas at each temperature (frame by frame: the runs share one schedule). */
export function ensembleSeries(plan: StudyPlan, name: SeriesName, ctx?: JobContext): EnsembleSeries {
  const s = openStudyRuns(plan, { signal: ctx?.signal });
  try {
    const potential = potentialOf(plan.study.simulate);
    const groups = byTemperature(s.runs).map((g) => {
      const first = g.items[0]!;
      const timesteps = first.t.timesteps();
      const values = g.items.map(({ run, t }, k) => {
        ctx?.progress(k, g.items.length, `${name} of ${run.name}`);
        if (!sameSteps(t.timesteps(), timesteps)) {
          throw new Error(`${run.out}: its frames are not at the same steps as ${first.run.out} (${t.frameCount} vs ${first.t.frameCount} frames): replicas at one temperature must share a schedule`);
        }
        return runSeries(t, name, potential);
      });
      const e = ensembleMean(values);
      const dt = dtOf(first.t);
      return {
        T: g.T, runs: g.items.map((x) => x.run.id), timesteps, time: dt === null ? null : timesteps.map((v) => v * dt),
        mean: e.mean, stderr: e.stderr, n: e.n,
      };
    });
    return { study: plan.study.name, name, by: 'T', groups, missing: s.missing };
  } finally {
    s.close();
  }
}

export interface FsGroup {
  T: number | null;
  runs: number[];
  /** Distinct lags in timesteps (ascending, 0 first) and in reduced time. */
  lags: Float64Array;
  time: Float64Array | null;
  mean: Float64Array;
  stderr: Float64Array;
  n: Int32Array;
  /** tau_alpha in reduced time (in timesteps when dt is unknown), or null when F_s stays above 1/e; then lowerBound. */
  tau: number | null;
  lowerBound: number | null;
  /** Jackknife standard error of ln tau over the replicas. */
  lnTauStderr: number | null;
}

export interface EnsembleTau {
  study: string;
  q: number;
  /** Whether times are reduced time (dt known) or timesteps. */
  timeUnit: 'reduced' | 'timesteps';
  groups: FsGroup[];
  /** The VFT fit over the temperatures with a tau (null with fewer than 3) and T_g with its uncertainty. */
  vft: VftFit | null;
  glass: GlassTransition | null;
  /** Why there is no fit, when there is none. */
  note: string | null;
  missing: number[];
}

/** The q of the study's "fs" analysis, else the default 2 pi. */
export function studyQ(plan: StudyPlan): number {
  for (const a of plan.study.analyses) if (a.kind === 'fs' && a.q !== null) return a.q;
  return DEFAULT_Q;
}

/** F_s(q, t) and tau_alpha per temperature, the VFT fit and T_g. */
export function ensembleTau(plan: StudyPlan, q = studyQ(plan), ctx?: JobContext): EnsembleTau {
  const s = openStudyRuns(plan, { signal: ctx?.signal });
  try {
    let timeUnit = 'reduced' as EnsembleTau['timeUnit'];
    const groups: FsGroup[] = byTemperature(s.runs).map((g) => {
      // Each replica's F_s averaged over its frames of equal lag (the blocks of a log-block schedule), on one lag grid.
      const perRun = g.items.map(({ run, t }, k) => {
        ctx?.progress(k, g.items.length, `F_s of ${run.name}`);
        const f = fsSeries(t, q);
        const sums = new Map<number, { s: number; c: number }>();
        for (let i = 0; i < f.values.length; i++) {
          const v = f.values[i]!;
          if (!Number.isFinite(v)) continue;
          const e = sums.get(f.lags[i]!) ?? { s: 0, c: 0 };
          e.s += v;
          e.c++;
          sums.set(f.lags[i]!, e);
        }
        return { dt: dtOf(t), sums };
      });
      const lagSet = new Set<number>();
      for (const r of perRun) for (const l of r.sums.keys()) lagSet.add(l);
      const lags = Float64Array.from([...lagSet].sort((a, b) => a - b));
      const replicas = perRun.map((r) => lags.map((l) => {
        const e = r.sums.get(l);
        return e ? e.s / e.c : NaN;
      }));
      const e = ensembleMean(replicas);
      const dt = perRun[0]!.dt;
      if (dt === null) timeUnit = 'timesteps';
      const time = dt === null ? null : lags.map((l) => l * dt);
      const rt = replicaRelaxationTime(time ?? lags, replicas);
      return {
        T: g.T, runs: g.items.map((x) => x.run.id), lags, time, mean: e.mean, stderr: e.stderr, n: e.n,
        tau: rt.tau, lowerBound: rt.lowerBound, lnTauStderr: rt.lnTauStderr,
      };
    });
    const fitted = groups.filter((g) => g.T !== null && g.tau !== null && g.tau > 0);
    let vft: VftFit | null = null;
    let glass: GlassTransition | null = null;
    let note: string | null = null;
    if (fitted.length >= 3) {
      vft = fitVft(fitted.map((g) => g.T!), fitted.map((g) => Math.log(g.tau!)), fitted.map((g) => g.lnTauStderr));
      glass = glassTransition(vft, Math.max(...fitted.map((g) => g.tau!)));
      if (timeUnit === 'timesteps') note = 'the runs\' schedules do not give dt: tau is in timesteps and T_g is where tau = 10^6 timesteps, not 10^6 time units';
      else if (vft.atBound) note = 'the fit put T_0 at 0 (Arrhenius-like data): T_g has no reliable uncertainty';
      else if (glass.sigma === null) note = 'no uncertainty: give more temperatures (or replicas, for standard errors of tau)';
    } else {
      note = `a VFT fit needs tau_alpha at 3 temperatures at least; F_s fell to 1/e at ${fitted.length} (runs longer than tau_alpha are needed)`;
    }
    return { study: plan.study.name, q, timeUnit, groups, vft, glass, note, missing: s.missing };
  } finally {
    s.close();
  }
}

export interface DistributionGroup {
  T: number | null;
  runs: number;
  events: number;
  /** The field's values at the moment of every event of every run at this temperature, pooled (NaN left out). */
  values: Float64Array;
}

export interface EnsembleDistribution {
  study: string;
  field: FieldName;
  moment: Moment;
  events: EventSelection;
  groups: DistributionGroup[];
  missing: number[];
}

/** A field's values before / at / after every event, pooled per temperature (Jha & Sengupta Figs. 2h, 4, 7a). */
export function ensembleDistribution(plan: StudyPlan, field: FieldName, moment: Moment, selection: EventSelection = 'all', ctx?: JobContext): EnsembleDistribution {
  const s = openStudyRuns(plan, { signal: ctx?.signal });
  try {
    let k = 0;
    const groups = byTemperature(s.runs).map((g) => {
      const chunks: Float32Array[] = [];
      let events = 0;
      for (const { run, t } of g.items) {
        ctx?.progress(k++, s.runs.length, `${field} of ${run.name}`);
        if (ctx?.signal.aborted) throw new Error('cancelled');
        for (const e of runEvents(t.listTags(), t.frameCount, selection)) {
          const frame = momentFrame(e, moment);
          const ref = momentReference(frame);
          if (ref < 0 && field !== 'softness') continue;
          chunks.push(runField(t, field, frame, Math.max(0, ref)).values);
          events++;
        }
      }
      let n = 0;
      for (const c of chunks) for (let i = 0; i < c.length; i++) if (Number.isFinite(c[i]!)) n++;
      const values = new Float64Array(n);
      let j = 0;
      for (const c of chunks) for (let i = 0; i < c.length; i++) if (Number.isFinite(c[i]!)) values[j++] = c[i]!;
      return { T: g.T, runs: g.items.length, events, values };
    });
    return { study: plan.study.name, field, moment, events: selection, groups, missing: s.missing };
  } finally {
    s.close();
  }
}
