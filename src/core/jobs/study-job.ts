// The workbench's work on a study, off its main thread (a worker thread or an Electron utility process): the status
// of every run (squeue / sacct when the study went to SLURM), collect, a SLURM submission, bringing a finished run into
// the workbench's index, and the ensemble figures (preview or export). The study file is read again here, by its
// absolute path, and checked like any study file; nothing runs but what it names (sbatch, squeue, sacct, scontrol).
import { isAbsolute } from 'node:path';
import { collectStudy, type CollectResult } from '../study/collect.js';
import { prepareStudyRun, type PreparedRun } from '../study/open-run.js';
import { studyOverview, type StudyOverview } from '../study/overview.js';
import { planStudy, type StudyPlan } from '../study/plan.js';
import { chooseRuns, submitStudy, type SlurmSubmitResult } from '../study/submit.js';
import { buildStudyFigure, previewStudyFigure } from '../study/study-figure.js';
import { loadStudy } from '../study/study-file.js';
import type { FigureResult } from '../figures/build.js';
import { JobCancelledError, type JobDefinition } from './job.js';

export type StudyJobParams =
  | { op: 'status'; study: string }
  | { op: 'collect'; study: string }
  /** Submit the chosen runs (default all; failed ones only with failedOnly) that are not done, queued or running. */
  | { op: 'submit'; study: string; runs: number[] | null; failedOnly: boolean; sbatchArgs: string[]; avw: string[] }
  /** Bring finished run `run` into the workbench's index `indexDir` (open-run.ts). */
  | { op: 'open-run'; study: string; run: number; indexDir: string }
  /** An ensemble figure: the SVG preview, or with `out` the figure, its sidecar and CSV. */
  | { op: 'figure'; spec: Record<string, unknown>; out?: string };

export type StudyFigurePreview = { svg: string; widthPt: number; heightPt: number; warnings: string[]; summary: Record<string, unknown> };

export type StudyJobResult =
  | { op: 'status'; overview: StudyOverview }
  | { op: 'collect'; collect: CollectResult }
  | { op: 'submit'; submit: SlurmSubmitResult }
  | { op: 'open-run'; run: PreparedRun }
  | { op: 'figure'; preview: StudyFigurePreview }
  | { op: 'figure'; figure: FigureResult };

const OPS = ['status', 'collect', 'submit', 'open-run', 'figure'] as const;

function fail(message: string): never {
  throw new Error(`study job: ${message}`);
}

function absolute(v: unknown, what: string): string {
  if (typeof v !== 'string' || !isAbsolute(v)) fail(`"${what}" must be an absolute path`);
  return v;
}

function texts(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(`"${what}" must be a list of strings`);
  return v as string[];
}

export function validateStudyJobParams(raw: unknown): StudyJobParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  const op = p.op as (typeof OPS)[number];
  if (!OPS.includes(op)) fail(`"op" must be one of ${OPS.join(', ')}`);
  if (op === 'figure') {
    if (!p.spec || typeof p.spec !== 'object' || Array.isArray(p.spec)) fail('"spec" must be a study figure spec');
    absolute((p.spec as { study?: unknown }).study, 'spec.study');
    return p.out === undefined ? { op, spec: p.spec as Record<string, unknown> } : { op, spec: p.spec as Record<string, unknown>, out: absolute(p.out, 'out') };
  }
  const study = absolute(p.study, 'study');
  if (op === 'status' || op === 'collect') return { op, study };
  if (op === 'open-run') {
    if (!Number.isInteger(p.run) || (p.run as number) < 0) fail('"run" must be a run number');
    return { op, study, run: p.run as number, indexDir: absolute(p.indexDir, 'indexDir') };
  }
  const runs = p.runs === null || p.runs === undefined ? null : p.runs;
  if (runs !== null && (!Array.isArray(runs) || runs.some((i) => !Number.isInteger(i) || i < 0))) fail('"runs" must be a list of run numbers or null');
  const avw = texts(p.avw, 'avw');
  if (avw.length === 0) fail('"avw" must name the avw command');
  return { op, study, runs: runs as number[] | null, failedOnly: p.failedOnly === true, sbatchArgs: texts(p.sbatchArgs ?? [], 'sbatchArgs'), avw };
}

function planOf(file: string): StudyPlan {
  return planStudy(loadStudy(file));
}

export const studyJob: JobDefinition<StudyJobParams, StudyJobResult> = {
  kind: 'study',
  validate: validateStudyJobParams,
  async run(params, ctx) {
    switch (params.op) {
      case 'status':
        return { op: 'status', overview: studyOverview(planOf(params.study)) };
      case 'collect': {
        const collect = collectStudy(planOf(params.study), {
          onProgress: (done, total) => {
            if (ctx.signal.aborted) throw new JobCancelledError('study');
            ctx.progress(done, total, `collecting run ${Math.min(done + 1, total)} of ${total}`);
          },
        });
        return { op: 'collect', collect };
      }
      case 'submit': {
        const plan = planOf(params.study);
        const overview = studyOverview(plan);
        const chosen = chooseRuns(plan, overview.runs, params.runs ?? undefined, params.failedOnly);
        // The study file may name its own avw for the cluster (slurm.avw); else this installation's.
        const submit = submitStudy(plan, overview.runs, chosen, { avw: plan.study.slurm.avw ?? params.avw, sbatchArgs: params.sbatchArgs });
        if (chosen.length === 0 && params.failedOnly) submit.note = 'no failed runs';
        return { op: 'submit', submit };
      }
      case 'open-run':
        return { op: 'open-run', run: prepareStudyRun(planOf(params.study), params.run, params.indexDir) };
      case 'figure':
        if (params.out === undefined) return { op: 'figure', preview: previewStudyFigure(params.spec, ctx) };
        return { op: 'figure', figure: await buildStudyFigure(params.spec, params.out, ctx) };
    }
  },
};
