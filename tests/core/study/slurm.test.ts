// SLURM's side, without a cluster: the job-array script, squeue/sacct/scontrol answers parsed into task states, and
// the status of runs combined from those answers and the runs' own files (a fake command runner plays SLURM).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planStudy } from '../../../src/core/study/plan.js';
import { writeRunStatus, type RunStatusFile } from '../../../src/core/study/run-status.js';
import {
  jobScript, parseScontrol, parseTaskStates, resourcesOf, runStateOfSlurm, slurmTime, submitArray, type CommandRunner,
} from '../../../src/core/study/slurm.js';
import { studyStatus } from '../../../src/core/study/status.js';
import { parseStudy } from '../../../src/core/study/study-file.js';

const work = mkdtempSync(join(tmpdir(), 'avw-slurm-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function plan(extra: Record<string, unknown> = {}) {
  return planStudy(parseStudy({
    name: 'g', simulate: 'thermal', temperatures: [0.2, 0.3], seeds: [1, 2], analyses: ['msd'],
    parameters: { n: 2000, rho: 0.9, Tp: 0.5, equil: 100000, tw: 300000, B: 1050000, ncfg: 21, blocks: 4, is: true }, ...extra,
  }, join(work, 'g.json')));
}

describe('the job-array script', () => {
  it('is one array over the runs, each task running avw for its own run, with derived time and memory', () => {
    const p = plan();
    const s = jobScript(p, ['/usr/bin/node', '/opt/avw/dist/cli/main.js']);
    expect(s.startsWith('#!/bin/bash\n')).toBe(true);
    expect(s).toMatch(/^#SBATCH --array=0-3$/m);
    expect(s).toMatch(/^#SBATCH --job-name=avw-g$/m);
    expect(s).toMatch(/^#SBATCH --signal=B:TERM@120$/m);
    expect(s).toContain(`#SBATCH --output=${join(work, 'g', 'slurm', '%A_%a.out')}`);
    expect(s).toContain("RUNS=(T0.2-s1 T0.2-s2 T0.3-s1 T0.3-s2)");
    expect(s).toContain(`exec /usr/bin/node /opt/avw/dist/cli/main.js study exec ${join(work, 'g.json')} --run "$SLURM_ARRAY_TASK_ID" --expect "\${RUNS[$SLURM_ARRAY_TASK_ID]}" --scratch "\${TMPDIR:-/tmp}"`);
    // 2000 particles x 4.55e6 steps at 5 M atom-steps/s, 88 inherent structures at 0.8 s, doubled, + 5 min.
    const r = resourcesOf(p);
    const md = (2000 * (100000 + 300000 + 3 * 1050000 + 2 ** 20)) / 5e6;
    expect(r.estimate.seconds).toBeCloseTo(2 * (md + 88 * 2000 * 4e-4 + 88 * 2000 * 1e-5) + 300, 6);
    expect(s).toContain(`#SBATCH --time=${slurmTime(r.estimate.seconds)}`);
    expect(s).toMatch(/^#SBATCH --mem=528M/m);
  });

  it('takes time, memory, partition, options and setup from the study', () => {
    const s = jobScript(plan({ slurm: { time: '2-00:00:00', mem: '4G', partition: 'short', account: 'glass', options: ['--qos=low'], setup: ['module load nodejs/20'], avw: 'avw' } }), 'avw');
    expect(s).toMatch(/^#SBATCH --time=2-00:00:00$/m);
    expect(s).toMatch(/^#SBATCH --mem=4G$/m);
    expect(s).toMatch(/^#SBATCH --partition=short$/m);
    expect(s).toMatch(/^#SBATCH --account=glass$/m);
    expect(s).toMatch(/^#SBATCH --qos=low$/m);
    expect(s).toMatch(/^module load nodejs\/20$/m);
    expect(s).toMatch(/^exec avw study exec /m);
  });

  it('formats SLURM times', () => {
    expect(slurmTime(59)).toBe('00:01:00');
    expect(slurmTime(3601)).toBe('01:01:00');
    expect(slurmTime(90000)).toBe('1-01:00:00');
  });
});

describe('SLURM answers', () => {
  it('parses squeue and sacct lines into array-task states (ranges expanded, job steps ignored)', () => {
    const m = parseTaskStates('12_0|RUNNING\n12_[1-3,5%2]|PENDING\n13_4|CANCELLED by 0\n13_4.batch|CANCELLED\n14|COMPLETED\n13_2|FAILED+\n');
    expect([...m]).toEqual([['12_0', 'RUNNING'], ['12_1', 'PENDING'], ['12_2', 'PENDING'], ['12_3', 'PENDING'], ['12_5', 'PENDING'], ['13_4', 'CANCELLED'], ['13_2', 'FAILED']]);
    const s = parseScontrol('JobId=20 ArrayJobId=17 ArrayTaskId=3 JobName=x JobState=COMPLETED Reason=None\nJobId=17 ArrayJobId=17 ArrayTaskId=4-5 JobState=PENDING\n');
    expect([...s]).toEqual([['17_3', 'COMPLETED'], ['17_4', 'PENDING'], ['17_5', 'PENDING']]);
    expect(runStateOfSlurm('PENDING')).toBe('pending');
    expect(runStateOfSlurm('COMPLETING')).toBe('running');
    expect(runStateOfSlurm('TIMEOUT')).toBe('failed');
    expect(runStateOfSlurm('OUT_OF_MEMORY')).toBe('failed');
    expect(runStateOfSlurm('COMPLETED')).toBe('completed');
  });
});

function fakeSlurm(answers: Record<string, string | null>): { runner: CommandRunner; calls: string[][] } {
  const calls: string[][] = [];
  const runner: CommandRunner = (cmd, args) => {
    calls.push([cmd, ...args]);
    const a = answers[cmd];
    if (a === undefined) return { status: null, stdout: '', stderr: '', error: Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }) };
    if (a === null) return { status: 1, stdout: '', stderr: 'Slurm accounting storage is disabled', error: undefined };
    return { status: 0, stdout: a, stderr: '' };
  };
  return { runner, calls };
}

function status(id: number, name: string, state: RunStatusFile['state'], extra: Partial<RunStatusFile> = {}): RunStatusFile {
  return {
    format: 'avalanche-workbench/study-run', version: 1, run: { id, name, T: 0.2, seed: 1, runSeed: 1 }, state, stage: 'simulate', fraction: 0.5,
    message: '', scheduler: 'slurm', host: 'node17', pid: 4242, attempt: 1, resumed: false, slurm: null, startedAt: '', updatedAt: '', finishedAt: null,
    analyses: state === 'done' ? ['msd'] : [], results: null, cpuSeconds: 1, cpuSecondsTotal: 1, wallSeconds: 1, error: state === 'failed' ? 'boom' : null, ...extra,
  };
}

describe('study status with SLURM', () => {
  it('submits with sbatch --parsable (a subset as --array on the command line) and records the submission', () => {
    const p = plan({ name: 'sub' });
    const { runner, calls } = fakeSlurm({ sbatch: '4711;cluster\n' });
    const s = submitArray(p, [1, 3], { avw: 'avw', sbatchArgs: ['--partition=x'], runner });
    expect(s.jobId).toBe('4711');
    expect(calls[0]).toEqual(['sbatch', '--parsable', '--array=1,3', '--partition=x', join(p.slurmDir, 'sub.sbatch')]);
    const all = submitArray(p, [0, 1, 2, 3], { avw: 'avw', runner: fakeSlurm({ sbatch: '4712\n' }).runner });
    expect(all.args).toEqual(['--parsable']);
    expect(() => submitArray(p, [0], { avw: 'avw', runner: fakeSlurm({ sbatch: null }).runner })).toThrow(/sbatch --parsable --array=0 .*: Slurm accounting/);
    expect(() => submitArray(p, [0], { avw: 'avw', runner: fakeSlurm({}).runner })).toThrow(/sbatch: cannot run it \(ENOENT\): is SLURM installed/);
  });

  it('combines squeue, sacct (or scontrol) and the runs\' files into pending / running / done / failed', () => {
    const p = plan({ name: 'st' });
    mkdirSync(p.slurmDir, { recursive: true });
    writeFileSync(join(p.slurmDir, 'submissions.json'), JSON.stringify([{ jobId: '50', tasks: [0, 1, 2, 3], script: 'x', args: [], submittedAt: '2026-01-02T03:04:05Z' }]));
    for (const r of p.runs) mkdirSync(r.dir, { recursive: true });
    writeRunStatus(p.runs[0]!.status, status(0, 'T0.2-s1', 'done'));
    writeRunStatus(p.runs[1]!.status, status(1, 'T0.2-s2', 'running'));
    writeRunStatus(p.runs[3]!.status, status(3, 'T0.3-s2', 'running'));
    // Task 1 runs; task 2 waits; task 3 was killed at its time limit (gone from the queue).
    const { runner, calls } = fakeSlurm({ squeue: '50_1|RUNNING\n50_[2]|PENDING\n99_0|RUNNING\n', sacct: '50_0|COMPLETED|0:0\n50_3|TIMEOUT|0:0\n50_3.batch|CANCELLED|0:15\n' });
    const s = studyStatus(p, { runner });
    expect(s.json).toEqual({
      study: 'st', done: 1, failed: 1,
      runs: p.runs.map((r, i) => ({ id: i, T: r.T, seed: r.seed, out: r.out, state: ['done', 'running', 'pending', 'failed'][i], jobId: `50_${i}` })),
    });
    expect(s.runs[3]!.reason).toMatch(/SLURM task 50_3 ended TIMEOUT/);
    expect(calls.find((c) => c[0] === 'sacct')).toContain('--starttime=2026-01-01');
    // Without accounting: scontrol still remembers; without either, a task gone from the queue that never finished failed.
    const noAcct = fakeSlurm({ squeue: '', sacct: null, scontrol: 'JobId=51 ArrayJobId=50 ArrayTaskId=3 JobState=OUT_OF_MEMORY\n' });
    const s2 = studyStatus(p, { runner: noAcct.runner });
    expect(s2.runs.map((r) => r.state)).toEqual(['done', 'failed', 'failed', 'failed']);
    expect(s2.runs[3]!.slurmState).toBe('OUT_OF_MEMORY');
    expect(s2.notes.join(' ')).toMatch(/sacct: Slurm accounting storage is disabled/);
    // No SLURM on this machine (status read on a laptop after copying the folder): the files alone.
    const none = studyStatus(p, { runner: fakeSlurm({}).runner });
    expect(none.runs.map((r) => r.state)).toEqual(['done', 'running', 'pending', 'running']);
  });
});
