// The planner: a study becomes runs, one per temperature x seed, each in its own folder inside the study's folder
// (beside the study file, named after the study), each with its own deterministic simulation seed.
//
//   glass.json                the study file
//   glass/T0.2-s1/            one run: run.gsd (+ run.is.gsd), run.gsd.json (sidecar), status.json, run.log,
//                             index.sqlite (the run's index shard, written only by that run)
//   glass/index/              the study's index (avw study collect merges the shards into it)
//   glass/slurm/              the job-array script, the submissions and the tasks' logs
//
// Runs are numbered in the order temperatures x seeds of the file (temperature-major); the number is the SLURM array
// index. A run's seed depends only on its temperature and replica seed, so adding temperatures or seeds later leaves
// the existing runs' seeds (and trajectories) as they are.
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { inherentStructurePath } from '../jobs/simulate-job.js';
import { writesInherentStructures, type Study } from './study-file.js';

export interface PlannedRun {
  /** 0 .. n-1: the run's number and its SLURM array index. */
  id: number;
  /** The run's folder name: T0.25-s3 (aqs: s3). */
  name: string;
  T: number | null;
  /** The replica seed as the study lists it. */
  seed: number;
  /** The simulation's seed, derived from (T, seed). */
  runSeed: number;
  dir: string;
  /** The trajectory (dir/run.gsd) and its inherent structures (dir/run.is.gsd) when the study writes them. */
  out: string;
  isOut: string | null;
  /** The run's index shard. */
  shard: string;
  /** The run's own status file and log. */
  status: string;
  log: string;
}

export interface StudyPlan {
  study: Study;
  /** The study's folder. */
  dir: string;
  /** The study's index directory (collect merges the shards here). */
  indexDir: string;
  slurmDir: string;
  runs: PlannedRun[];
}

/** The simulation seed of replica `seed` at temperature T: 1 .. 2^31 - 1, the same on every machine. */
export function runSeedOf(T: number | null, seed: number): number {
  const h = createHash('sha256').update(`avalanche-workbench/study-seed/v1 T=${T === null ? 'none' : String(T)} seed=${seed}`).digest();
  return 1 + (h.readUInt32BE(0) % (2 ** 31 - 1));
}

/** The folder name of a run. */
export function runName(T: number | null, seed: number): string {
  return T === null ? `s${seed}` : `T${String(T)}-s${seed}`;
}

export function studyDir(study: Study): string {
  return join(dirname(study.file), study.name);
}

export function planStudy(study: Study): StudyPlan {
  const dir = studyDir(study);
  const is = writesInherentStructures(study);
  const runs: PlannedRun[] = [];
  for (const T of study.temperatures) {
    for (const seed of study.seeds) {
      const name = runName(T, seed);
      const runDir = join(dir, name);
      const out = join(runDir, 'run.gsd');
      runs.push({
        id: runs.length, name, T, seed, runSeed: runSeedOf(T, seed), dir: runDir, out, isOut: is ? inherentStructurePath(out) : null,
        shard: join(runDir, 'index.sqlite'), status: join(runDir, 'status.json'), log: join(runDir, 'run.log'),
      });
    }
  }
  return { study, dir, indexDir: join(dir, 'index'), slurmDir: join(dir, 'slurm'), runs };
}

/** Parse a run selection: "3", "0-5", "1,4,7-9" (ids), checked against the plan. */
export function parseRunSelection(text: string, plan: StudyPlan, what = '--runs'): number[] {
  const ids = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`${what}: "${part}" is not a run number or range (e.g. 3, 0-5, 1,4,7-9)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`${what}: "${part}" is an empty range`);
    for (let i = a; i <= b; i++) {
      if (i >= plan.runs.length) throw new Error(`${what}: run ${i} does not exist (${plan.study.file} plans runs 0-${plan.runs.length - 1})`);
      ids.add(i);
    }
  }
  if (ids.size === 0) throw new Error(`${what}: no runs selected`);
  return [...ids].sort((x, y) => x - y);
}

/** SLURM's compact array list: [0,1,2,5,7,8] -> "0-2,5,7-8". */
export function compactRanges(ids: readonly number[]): string {
  const s = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j === i ? String(s[i]) : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
