// `avw study`: plan, run (on this machine or through SLURM), watch and collect a study of many runs, and its
// temperature-ensemble analyses (tau_alpha and T_g). `avw study exec` is what one run's process (a local child or a
// SLURM array task) executes.
import { cpus } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobCancelledError } from '../core/jobs/job.js';
import { collectStudy } from '../core/study/collect.js';
import { ensembleSeries, ensembleTau, studyQ, type EnsembleTau } from '../core/study/ensemble.js';
import { SERIES_NAMES, type SeriesName } from '../core/study/per-run.js';
import { runLocal, type LocalEvent } from '../core/study/local-scheduler.js';
import { parseRunSelection, planStudy, type StudyPlan } from '../core/study/plan.js';
import { executeRun } from '../core/study/run-exec.js';
import { processAlive } from '../core/study/run-status.js';
import { jobScript, resourcesOf } from '../core/study/slurm.js';
import { chooseRuns, submitStudy } from '../core/study/submit.js';
import { studyStatus } from '../core/study/status.js';
import { loadStudy, StudyFileError } from '../core/study/study-file.js';
import { parseArgs, UsageError, type FlagSpec, type OptionSpec } from './args.js';
import { DIRECTORY, PATH } from './options.js';

export const STUDY_HELP = `  avw study run STUDY.json [--scheduler local|slurm] [--max-parallel K] [--sbatch-arg ARG]... [--runs 0-3,7] [--failed]
             [--dry-run] [--json]        run the study's unfinished runs: here, K at a time (default: the cores), or as
                                              one SLURM job array (sbatch); finished runs are never redone, interrupted
                                              ones resume from their checkpoints
  avw study status STUDY.json [--json]        every run: pending, running, done or failed (with SLURM's job ids)
  avw study collect STUDY.json [--force] [--json]
                                              merge the finished runs' index shards into the study's index
  avw study plan STUDY.json [--json]          the runs the study file makes: id, temperature, seed, folder
  avw study tau STUDY.json [--q Q] [--json]   F_s(q, t) and tau_alpha per temperature, VFT fit, T_g (tau_alpha = 10^6)
  avw study exec STUDY.json --run I           one run (what each local process and SLURM array task runs)
`;

// No --index-dir: a study keeps its own index (STUDY/index) and every run its own shard.
const COMMON: FlagSpec = { json: 'boolean', help: 'boolean' };
/** A wave number q of F_s(q, t). */
const WAVE_NUMBER: OptionSpec = { type: 'number', min: 0, minExclusive: true, max: 1e4 };
const RUN_ID: OptionSpec = { type: 'int', min: 0, max: 1_000_000 };

function out(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

function oneStudy(positionals: string[], sub: string): StudyPlan {
  if (positionals.length !== 1) throw new UsageError(`avw study ${sub}: expected one study file (STUDY.json), got ${positionals.length}`);
  try {
    return planStudy(loadStudy(positionals[0]!));
  } catch (e) {
    if (e instanceof StudyFileError) throw new Error(e.message);
    throw e;
  }
}

/** The avw command of this installation by absolute paths: [node, node options, CLI entry] (for run processes and job scripts). */
export function avwCommand(): string[] {
  const exec: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '--import' || a === '--loader' || a === '--require' || a === '-r') && i + 1 < args.length) {
      const spec = args[++i]!;
      let abs = spec;
      if (!spec.startsWith('.') && !isAbsolute(spec) && !spec.startsWith('file:')) {
        try {
          abs = import.meta.resolve(spec);
        } catch {
          abs = spec;
        }
      } else if (!spec.startsWith('file:')) {
        abs = pathToFileURL(resolve(spec)).href;
      }
      exec.push(a, abs);
    } else if (!a.startsWith('--inspect')) {
      exec.push(a);
    }
  }
  return [process.execPath, ...exec, resolve(process.argv[1]!)];
}

function pct(f: number): string {
  return `${(100 * f).toFixed(0).padStart(3)}%`;
}

function fmtSeconds(s: number): string {
  if (s < 100) return `${s.toFixed(1)} s`;
  if (s < 6000) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Pull every `--sbatch-arg VALUE` (or `--sbatch-arg=VALUE`) out of argv: values may themselves start with --. */
function takeRepeated(argv: string[], name: string): { rest: string[]; values: string[] } {
  const rest: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) {
      if (i + 1 >= argv.length) throw new UsageError(`avw study run: --${name} needs a value (an sbatch option, as --time=2:00:00)`);
      values.push(argv[++i]!);
    } else if (a.startsWith(`--${name}=`)) {
      values.push(a.slice(name.length + 3));
    } else {
      rest.push(a);
    }
  }
  return { rest, values };
}

async function cmdRun(argv: string[]): Promise<void> {
  const { rest, values: sbatchArgs } = takeRepeated(argv, 'sbatch-arg');
  const { positionals, flags } = parseArgs(rest, {
    ...COMMON, scheduler: { type: 'enum', values: ['local', 'slurm'] }, 'max-parallel': { type: 'int', min: 1, max: 4096 },
    runs: { type: 'text', pattern: /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, allowed: 'run ids and ranges separated by commas, as 0-3,7' },
    failed: 'boolean', 'dry-run': 'boolean',
  }, 'study run');
  const json = flags.json === true;
  const scheduler = (flags.scheduler as string | undefined) ?? 'local';
  if (scheduler !== 'local' && scheduler !== 'slurm') throw new UsageError('avw study run: --scheduler must be local or slurm');
  const plan = oneStudy(positionals, 'run');
  if (scheduler === 'local' && sbatchArgs.length > 0) throw new UsageError('avw study run: --sbatch-arg applies to --scheduler slurm');
  if (scheduler === 'slurm' && flags['max-parallel'] !== undefined) throw new UsageError('avw study run: --max-parallel applies to --scheduler local (SLURM places the tasks; limit them with --sbatch-arg=--array=...%K)');
  let ids: number[] | undefined;
  try {
    if (typeof flags.runs === 'string') ids = parseRunSelection(flags.runs, plan);
  } catch (e) {
    throw new UsageError(`avw study run: ${(e as Error).message}`);
  }
  const status = studyStatus(plan);
  if (flags.failed === true) {
    ids = chooseRuns(plan, status.runs, ids, true);
    if (ids.length === 0) {
      out(json, { study: plan.study.name, scheduler, submitted: [], note: 'no failed runs' }, () => `${plan.study.name}: no failed runs`);
      return;
    }
  }
  if (scheduler === 'slurm') {
    if (flags['dry-run'] === true) {
      process.stdout.write(jobScript(plan, plan.study.slurm.avw ?? avwCommand()));
      return;
    }
    // Submit what is neither done nor queued or running already.
    const sub = submitStudy(plan, status.runs, ids ?? plan.runs.map((r) => r.id), { avw: plan.study.slurm.avw ?? avwCommand(), sbatchArgs });
    if (sub.jobId === null) {
      out(json, { study: plan.study.name, scheduler, submitted: [], note: sub.note },
        () => `${plan.study.name}: nothing to submit (every run is done, queued or running; see avw study status)`);
      return;
    }
    out(json, { study: plan.study.name, scheduler, jobId: sub.jobId, submitted: sub.submitted, script: sub.script, time: sub.time, mem: sub.mem },
      () => [
        `submitted ${plan.study.name} as SLURM job ${sub.jobId}: ${sub.submitted.length} array task(s) (runs ${sub.submitted.join(',')})`,
        `script ${sub.script} (time ${sub.time}, mem ${sub.mem} per task)`,
        `watch with: avw study status ${plan.study.file}   (squeue shows ${sub.jobId}_<run> per task)`,
      ].join('\n'));
    return;
  }
  if (flags['dry-run'] === true) throw new UsageError('avw study run: --dry-run applies to --scheduler slurm (it prints the job script)');
  const k = (flags['max-parallel'] as number | undefined) ?? cpus().length;
  if (k < 1) throw new UsageError('avw study run: --max-parallel must be at least 1');
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\navw study run: stopping the runs (each writes a checkpoint; run the same command to resume)...\n');
      controller.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const display = progressDisplay(plan, json);
  let r;
  try {
    r = await runLocal(plan, { command: avwCommand(), maxParallel: k, ids, signal: controller.signal, onEvent: display.event });
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const value = { study: plan.study.name, scheduler, ...r };
  out(json, value, () => [
    `${plan.study.name}: ${r.done.length} run(s) finished now, ${r.skipped.length} already done, ${r.failed.length} failed${r.cancelled ? ' (cancelled)' : ''}`,
    ...r.failed.map((f) => `  run ${f.id} (${plan.runs[f.id]!.name}): ${f.error}; log ${plan.runs[f.id]!.log}`),
    `wall ${fmtSeconds(r.wallSeconds)}, CPU of the runs ${fmtSeconds(r.cpuSeconds)}`,
  ].join('\n'));
  if (r.cancelled) throw new Error('cancelled; run the same command to resume');
  if (r.failed.length > 0) throw new Error(`${r.failed.length} run(s) failed (avw study status ${plan.study.file}; run again to retry them)`);
}

/** Progress of a local study: per run and in total, redrawn in place on a terminal, as lines otherwise. */
function progressDisplay(plan: StudyPlan, json: boolean): { event: (e: LocalEvent) => void; stop: () => void } {
  const tty = process.stderr.isTTY === true && !json;
  const fraction = new Map<number, number>();
  const message = new Map<number, string>();
  const state = new Map<number, string>();
  let drawn = 0;
  let last = 0;
  const total = (): number => {
    let s = 0;
    for (const r of plan.runs) s += state.get(r.id) === 'done' ? 1 : fraction.get(r.id) ?? 0;
    return s / plan.runs.length;
  };
  const draw = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < (tty ? 200 : 15000)) return;
    last = now;
    const active = [...state].filter(([, s]) => s === 'running').map(([id]) => id);
    const done = [...state.values()].filter((s) => s === 'done').length;
    const lines = [
      ...active.map((id) => `  run ${String(id).padStart(3)} ${plan.runs[id]!.name.padEnd(14)} ${pct(fraction.get(id) ?? 0)}  ${(message.get(id) ?? '').slice(0, 90)}`),
      `${plan.study.name}: ${pct(total())} of ${plan.runs.length} runs (${done} done, ${active.length} running)`,
    ];
    if (tty) {
      process.stderr.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\r${l}\x1b[K`).join('\n')}\n\x1b[J`);
      drawn = lines.length;
    } else if (!json) {
      process.stderr.write(`${lines[lines.length - 1]}\n`);
    }
  };
  for (const r of plan.runs) {
    // Runs finished before count as done from the start.
    state.set(r.id, 'pending');
  }
  const say = (line: string): void => {
    if (json) return;
    if (tty && drawn > 0) {
      process.stderr.write(`\x1b[${drawn}A\r\x1b[J`);
      drawn = 0;
    }
    process.stderr.write(`${line}\n`);
  };
  return {
    event(e) {
      switch (e.type) {
        case 'start':
          state.set(e.id, 'running');
          say(`run ${e.id} (${e.name}) ${e.resume ? 'resumes from its checkpoint' : 'starts'}`);
          break;
        case 'waiting':
          say(`run ${e.id} (${e.name}): its earlier process (pid ${e.pid}) is still stopping; waiting for it`);
          break;
        case 'progress':
          fraction.set(e.id, e.fraction);
          message.set(e.id, e.message);
          break;
        case 'end':
          state.set(e.id, e.state === 'done' ? 'done' : e.state);
          say(`run ${e.id} (${e.name}) ${e.state}${e.error ? `: ${e.error}` : ''} (${fmtSeconds(e.wallSeconds)} wall, ${fmtSeconds(e.cpuSeconds)} CPU)`);
          draw(true);
          return;
      }
      draw();
    },
    stop() {
      if (tty && drawn > 0) process.stderr.write(`\x1b[${drawn}A\r\x1b[J`);
    },
  };
}

function cmdStatus(argv: string[]): void {
  const { positionals, flags } = parseArgs(argv, COMMON, 'study status');
  const plan = oneStudy(positionals, 'status');
  const s = studyStatus(plan);
  for (const note of s.notes) if (flags.json !== true) process.stderr.write(`avw study status: note: ${note}\n`);
  out(flags.json === true, s.json, () => {
    const total = s.runs.reduce((a, r) => a + r.fraction, 0) / Math.max(1, s.runs.length);
    const running = s.runs.filter((r) => r.state === 'running').length;
    const lines = [`${plan.study.name} (${plan.study.file}): ${plan.runs.length} runs, ${s.json.done} done, ${running} running, ${s.json.failed} failed; ${pct(total).trim()} in total`,
      'id  run            T        seed  state    job          progress  note'];
    for (const r of s.runs) {
      const note = r.state === 'failed' ? r.reason ?? '' : r.state === 'running' ? r.message : r.state === 'done' ? `${r.frames ?? '?'} frames, ${r.candidates ?? '?'} candidates` : r.reason ?? '';
      lines.push(`${String(r.id).padEnd(3)} ${r.name.padEnd(14)} ${String(r.T ?? '-').padEnd(8)} ${String(r.seed).padEnd(5)} ${r.state.padEnd(8)} ${(r.jobId ?? '-').padEnd(12)} ${pct(r.fraction).padEnd(9)} ${note}`);
    }
    return lines.join('\n');
  });
}

function cmdCollect(argv: string[]): void {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, force: 'boolean' }, 'study collect');
  const plan = oneStudy(positionals, 'collect');
  const r = collectStudy(plan, { force: flags.force === true });
  out(flags.json === true, r, () => [
    `${plan.study.name}: merged ${r.merged} shard(s) into ${r.index} (${r.unchanged} unchanged) in ${fmtSeconds(r.seconds)}`,
    ...(r.notDone.length ? [`not done yet (nothing to merge): runs ${r.notDone.join(', ')}`] : []),
    ...r.runs.map((x) => `  run ${String(x.id).padStart(3)} ${x.name.padEnd(14)} ${x.frames} frames, ${x.candidates} candidates, ${x.tags} tags; series ${x.series.join(', ') || '-'}`),
  ].join('\n'));
}

function cmdPlan(argv: string[]): void {
  const { positionals, flags } = parseArgs(argv, COMMON, 'study plan');
  const plan = oneStudy(positionals, 'plan');
  const res = resourcesOf(plan);
  const value = {
    study: plan.study.name, dir: plan.dir, index: plan.indexDir, slurm: { time: res.time, mem: res.mem },
    runs: plan.runs.map((r) => ({ id: r.id, name: r.name, T: r.T, seed: r.seed, runSeed: r.runSeed, dir: r.dir, out: r.out })),
  };
  out(flags.json === true, value, () => [
    `${plan.study.name}: ${plan.runs.length} runs in ${plan.dir} (SLURM per task: time ${res.time}, mem ${res.mem})`,
    ...plan.runs.map((r) => `  run ${String(r.id).padStart(3)} ${r.name.padEnd(14)} T ${String(r.T ?? '-').padEnd(8)} seed ${r.seed} (simulation seed ${r.runSeed})`),
  ].join('\n'));
}

async function cmdExec(argv: string[]): Promise<void> {
  const spec: FlagSpec = {
    ...COMMON, run: RUN_ID, expect: { type: 'text', pattern: /\S/, allowed: "the run's name in the plan" }, parent: { type: 'int', min: 1, max: 2 ** 31 - 1 },
    scratch: DIRECTORY, 'progress-json': 'boolean',
  };
  const { positionals, flags } = parseArgs(argv, spec, 'study exec');
  const plan = oneStudy(positionals, 'exec');
  if (flags.run === undefined) throw new UsageError('avw study exec: --run I is required');
  const id = flags.run as number;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A local scheduler's child stops (with a checkpoint) when the scheduler is gone, even after kill -9.
  const parent = flags.parent as number | undefined;
  const watch = parent === undefined ? null : setInterval(() => {
    if (!processAlive(parent) || process.ppid !== parent) stop();
  }, 1000);
  watch?.unref();
  let progressJson = flags['progress-json'] === true;
  if (progressJson) {
    // The scheduler reads our progress through a pipe: when it is gone (even killed with -9), the pipe breaks; stop.
    process.stdout.on('error', () => {
      progressJson = false;
      stop();
    });
    process.stderr.on('error', () => undefined);
  }
  const slurmLog = !progressJson && process.stdout.isTTY !== true;
  let lastLine = 0;
  try {
    const r = await executeRun(plan, id, {
      signal: controller.signal, scheduler: process.env.SLURM_ARRAY_JOB_ID ? 'slurm' : 'local',
      expectName: flags.expect as string | undefined, scratch: flags.scratch as string | undefined,
      onProgress: (p) => {
        if (progressJson) {
          process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
        } else if (slurmLog && Date.now() - lastLine > 30_000) {
          lastLine = Date.now();
          process.stdout.write(`${new Date().toISOString()} run ${id} (${plan.runs[id]!.name}): ${pct(p.fraction)} ${p.stage}: ${p.message}\n`);
        }
      },
    });
    const value = { type: 'result', ...r };
    if (progressJson || flags.json === true) process.stdout.write(`${JSON.stringify(value)}\n`);
    else process.stdout.write(`run ${id} (${r.name}): ${r.skipped ? 'already done' : `done${r.resumed ? ' (resumed)' : ''}: ${r.frames} frames, ${r.candidates} candidates, ${fmtSeconds(r.wallSeconds)} wall, ${fmtSeconds(r.cpuSeconds)} CPU`}\n`);
  } catch (e) {
    if (e instanceof JobCancelledError) throw new Error(`run ${id} (${plan.runs[id]?.name ?? '?'}) stopped with a checkpoint; it resumes when run again`);
    throw e;
  } finally {
    if (watch) clearInterval(watch);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

function num(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(digits)).toString();
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function tauJson(r: EnsembleTau): unknown {
  return {
    study: r.study, q: r.q, timeUnit: r.timeUnit,
    temperatures: r.groups.map((g) => ({ T: g.T, runs: g.runs, tau: g.tau, lnTauStderr: g.lnTauStderr, lowerBound: g.lowerBound })),
    vft: r.vft, Tg: r.glass ? { value: r.glass.Tg, sigma: r.glass.sigma, tauG: r.glass.tauG, extrapolationDecades: r.glass.extrapolationDecades } : null,
    note: r.note, missing: r.missing,
  };
}

function tauText(r: EnsembleTau): string {
  const unit = r.timeUnit === 'reduced' ? '' : ' timesteps';
  const lines = [`${r.study}: F_s(q = ${num(r.q)}, t) per temperature; tau_alpha where F_s = 1/e`, 'T         runs  tau_alpha            +- (ln tau, jackknife)'];
  for (const g of r.groups) {
    lines.push(`${String(g.T ?? '-').padEnd(9)} ${String(g.runs.length).padEnd(5)} ${(g.tau !== null ? `${num(g.tau)}${unit}` : `> ${num(g.lowerBound)}${unit} (F_s stays above 1/e)`).padEnd(20)} ${num(g.lnTauStderr, 3)}`);
  }
  if (r.vft) {
    lines.push(`VFT: tau = tau_0 exp[A / (T - T_0)], tau_0 = ${num(Math.exp(r.vft.lnTau0))}, A = ${num(r.vft.A)}, T_0 = ${num(r.vft.T0)} (D = ${num(r.vft.D, 3)}), chi^2 = ${num(r.vft.chi2, 3)} with ${r.vft.dof} dof`);
  }
  if (r.glass) {
    lines.push(r.glass.Tg === null
      ? 'T_g: the fit never reaches tau = 10^6'
      : `T_g (tau_alpha = 10^6) = ${num(r.glass.Tg)}${r.glass.sigma !== null ? ` +- ${num(r.glass.sigma, 2)} (1 sigma, fit covariance propagated)` : ''}; extrapolated over ${num(r.glass.extrapolationDecades, 2)} decades of tau beyond the slowest measured relaxation`);
  }
  if (r.note) lines.push(`note: ${r.note}`);
  if (r.missing.length) lines.push(`not done (left out): runs ${r.missing.join(', ')}`);
  return lines.join('\n');
}

function cmdTau(argv: string[]): void {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, q: WAVE_NUMBER }, 'study tau');
  const plan = oneStudy(positionals, 'tau');
  let q = studyQ(plan);
  if (flags.q !== undefined) {
    q = Number(flags.q);
    if (!(q > 0 && Number.isFinite(q))) throw new UsageError('avw study tau: --q must be a positive wave number');
  }
  const r = ensembleTau(plan, q);
  out(flags.json === true, tauJson(r), () => tauText(r));
}

/** `avw series --study STUDY.json --name NAME --by T`: a series averaged over replicas per temperature, with standard errors. */
export function cmdStudySeries(argv: string[]): void {
  const { positionals, flags } = parseArgs(argv, { ...COMMON, study: PATH, name: { type: 'enum', values: [...SERIES_NAMES, 'fs'] }, by: { type: 'enum', values: ['T'] }, q: WAVE_NUMBER }, 'series');
  if (positionals.length > 0) throw new UsageError('avw series: give a trajectory FILE or --study STUDY.json, not both');
  if (typeof flags.study !== 'string') throw new UsageError('avw series: --study STUDY.json is required');
  if ((flags.by ?? 'T') !== 'T') throw new UsageError('avw series: --by must be T (the study\'s temperatures)');
  const names = [...SERIES_NAMES, 'fs'];
  if (typeof flags.name !== 'string' || !names.includes(flags.name)) throw new UsageError(`avw series: --name is required (${names.join('|')})`);
  const plan = oneStudy([flags.study], 'series');
  const json = flags.json === true;
  if (flags.name === 'fs') {
    const q = flags.q === undefined ? studyQ(plan) : Number(flags.q);
    if (!(q > 0 && Number.isFinite(q))) throw new UsageError('avw series: --q must be a positive wave number');
    const r = ensembleTau(plan, q);
    const value = {
      study: r.study, name: 'fs', by: 'T', q, timeUnit: r.timeUnit, missing: r.missing,
      groups: r.groups.map((g) => ({
        T: g.T, runs: g.runs, lags: Array.from(g.lags), time: g.time ? Array.from(g.time) : null,
        mean: Array.from(g.mean, finite), stderr: Array.from(g.stderr, finite), n: Array.from(g.n), tau: g.tau,
      })),
    };
    out(json, value, () => value.groups.map((g) => [`T = ${g.T} (runs ${g.runs.join(',')}), tau_alpha ${num(g.tau)}`, 'lag time F_s stderr n',
      ...g.lags.map((l, i) => `${l} ${g.time ? num(g.time[i]!, 6) : '-'} ${num(g.mean[i], 6)} ${num(g.stderr[i], 3)} ${g.n[i]}`)].join('\n')).join('\n\n'));
    return;
  }
  if (flags.q !== undefined) throw new UsageError('avw series: --q applies to --name fs');
  const r = ensembleSeries(plan, flags.name as SeriesName);
  const value = {
    study: r.study, name: r.name, by: r.by, missing: r.missing,
    groups: r.groups.map((g) => ({
      T: g.T, runs: g.runs, frames: Array.from({ length: g.mean.length }, (_v, i) => i), timesteps: Array.from(g.timesteps),
      time: g.time ? Array.from(g.time) : null, mean: Array.from(g.mean, finite), stderr: Array.from(g.stderr, finite), n: Array.from(g.n),
    })),
  };
  out(json, value, () => value.groups.map((g) => [`T = ${g.T} (runs ${g.runs.join(',')})`, 'frame timestep mean stderr n',
    ...g.frames.map((f) => `${f} ${g.timesteps[f]} ${num(g.mean[f], 6)} ${num(g.stderr[f], 3)} ${g.n[f]}`)].join('\n')).join('\n\n'));
}

export const SUBCOMMANDS: Record<string, (argv: string[]) => void | Promise<void>> = {
  run: cmdRun, status: cmdStatus, collect: cmdCollect, plan: cmdPlan, exec: cmdExec, tau: cmdTau,
};

/** `avw study SUB ...` */
export async function cmdStudy(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`avw study: expected one of ${Object.keys(SUBCOMMANDS).join(', ')} (avw study run STUDY.json ...)`);
  await run(rest);
}
