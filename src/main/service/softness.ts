// The workbench's Softness panel (Zhang, Ridout & Liu Sec. II C): training a model on the open trajectory as a
// 'softness-train' job (src/core/jobs/softness-train-job.ts, the job of `avw softness train`), listed with its progress
// and cancellable, writing the model to the user's file; and reading a model file back, checked by the one loader
// (core/fields/softness-support.ts), as a summary with the accuracies of its hyperplanes.
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { IndexedTrajectory } from '../../core/index/indexed-trajectory.js';
import { loadSoftnessModel } from '../../core/fields/softness-support.js';
import type { SoftnessTrainParams, SoftnessTrainResult } from '../../core/jobs/softness-train-job.js';
import { JOBS } from '../../core/jobs/registry.js';
import { MODEL_EXISTS_MESSAGE, type ApiParams, type JobSnapshot, type SoftnessModelSummary } from '#shared/api.js';
import type { JobRegistry, JobRunner } from './jobs.js';

/** How long a cancelled training may take to stop by itself before its worker is stopped. */
const CANCEL_GRACE_MS = 200;

/** What the softness service borrows from the workbench service. */
export interface SoftnessServiceHost {
  indexDir: string;
  runJob: JobRunner;
  /** Runs a task in the analysis queue (a bounded number of heavy jobs at once). */
  queue<T>(task: () => Promise<T>): Promise<T>;
  jobs: JobRegistry;
}

/** The request in the job's terms (the job's own defaults for what is not given). */
export function softnessJobParams(t: { path: string }, p: ApiParams<'trainSoftness'>, out: string, indexDir: string): SoftnessTrainParams {
  const labels = p.labels === 'threshold'
    ? { kind: 'threshold' as const, dSoft: p.dSoft ?? [0.0025, 0.0015], dHard: p.dHard! }
    : { kind: 'quantile' as const, positive: p.positiveQuantile ?? 0.9, negative: p.negativeQuantile ?? 0.5 };
  const raw = {
    path: t.path, indexDir, frame: p.frame, ref: p.ref, cutoff: p.cutoff, labels, r0: p.r0, dr: p.dr, count: p.count, width: p.width,
    species: p.species, C: p.C, hyperplanes: p.hyperplanes, seed: p.seed, out,
  };
  // The job's own check (the CLI's): what it says names the option.
  return JOBS['softness-train'].validate(Object.fromEntries(Object.entries(raw).filter(([, x]) => x !== undefined))) as SoftnessTrainParams;
}

export class SoftnessService {
  /** Model files being written by a training still running (two trainings never write one file). */
  private readonly writing = new Set<string>();

  constructor(private readonly host: SoftnessServiceHost) {}

  /** Start a training job on trajectory `t`; returns its snapshot at once. */
  train(t: IndexedTrajectory, p: ApiParams<'trainSoftness'>): JobSnapshot {
    for (const [k, name] of [[p.frame, 'frame'], [p.ref, 'ref']] as const) {
      if (k >= t.frameCount) throw new Error(`trainSoftness: "${name}" ${k} is out of range (the trajectory has ${t.frameCount} frames)`);
    }
    const out = resolve(p.out);
    const dir = dirname(out);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such directory for the softness model`);
    if (this.writing.has(out)) throw new Error(`${out} is being written by another training; wait for it to finish`);
    if (existsSync(out)) {
      if (statSync(out).isDirectory()) throw new Error(`${out} is a directory; give the model a file name ending in .json`);
      if (p.overwrite !== true) throw new Error(`${out} ${MODEL_EXISTS_MESSAGE}; pass overwrite to replace it`);
    }
    const params = softnessJobParams(t, p, out, this.host.indexDir);
    const existed = existsSync(out);
    this.writing.add(out);
    const { job, result } = this.host.jobs.start<SoftnessTrainResult>({
      kind: 'softness-train',
      label: `Softness model ${basename(out)} (frames ${p.ref} -> ${p.frame}, ${params.hyperplanes} hyperplane${params.hyperplanes > 1 ? 's' : ''})`,
      run: async ({ signal, progress }) => {
        // The training loop runs synchronously in its worker, which sees a cancel only between jobs: the worker is
        // stopped soon after a cancel instead, and a model it finished writing meanwhile is removed (a new file only).
        const r = await this.host.queue(() => this.host.runJob<SoftnessTrainResult>('softness-train', params, {
          signal, onProgress: progress, cancelGraceMs: CANCEL_GRACE_MS,
        }));
        if (signal.aborted && !existed) rmSync(out, { force: true });
        return r;
      },
      outputPath: (r) => r.out,
    });
    result.finally(() => this.writing.delete(out)).catch(() => undefined);
    return job;
  }

  /** A model file, checked; errors name the file and what is wrong in it. */
  load(path: string): SoftnessModelSummary {
    const abs = resolve(path);
    if (existsSync(abs) && statSync(abs).isDirectory()) throw new Error(`${abs}: a directory, not a softness model file`);
    const { model } = loadSoftnessModel(abs, 'loadSoftnessModel');
    const hyperplanes = model.hyperplanes.map((h) => ({
      particleSpecies: h.particleSpecies, trainAccuracy: h.trainAccuracy, validationAccuracy: h.validationAccuracy, objective: h.objective, C: h.C,
      nTrain: h.nTrain, nPositive: h.nPositive, nNegative: h.nNegative, nValidation: h.nValidation,
    }));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const validated = hyperplanes.map((h) => h.validationAccuracy).filter((x): x is number => x !== null);
    const prov = model.provenance;
    return {
      path: abs, speciesMode: model.speciesMode, nSpecies: model.nSpecies, centres: model.hyperplanes[0].centers.slice(), hyperplanes,
      trainAccuracy: mean(hyperplanes.map((h) => h.trainAccuracy)), validationAccuracy: validated.length ? mean(validated) : null,
      provenance: {
        trajectories: prov.trajectories, frames: prov.frames ?? null, thresholds: prov.thresholds, created: prov.created,
        software: `${prov.software.name} ${prov.software.version}`,
      },
    };
  }
}
