// The workbench's softness methods (trainSoftness, loadSoftnessModel) on a generated two-species trajectory: training
// is a 'softness-train' job listed with its progress that writes the model where the user said; the model loads back
// with its accuracies and colours the ml_softness field; existing files, missing directories and frames out of range
// are refused before a job starts; a running training cancels; bad model files give errors naming the file and key.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobCancelledError } from '../../src/core/jobs/job.js';
import { runInWorker } from '../../src/core/jobs/worker-runner.js';
import { WorkbenchService, type JobRunner } from '../../src/main/service/service.js';
import type { JobSnapshot, TrajectoryInfo } from '../../src/shared/api.js';
import { validateRequest } from '../../src/shared/api-validate.js';
import { tmpDir, writeGlassDump } from './helpers.js';

const root = tmpDir('avw-softness-service-');
const glass = join(root, 'glass.lammpstrj');
const out = join(root, 'models');
const EVENT = 3;

let service: WorkbenchService;
let info: TrajectoryInfo;
/** The next softness job is held until it is cancelled (set by the cancel tests); 'finish' writes its model anyway. */
let holdNext: false | 'reject' | 'finish' = false;
const runJob: JobRunner = <R>(kind: string, params: unknown, options?: Parameters<JobRunner>[2]) => {
  if (kind === 'softness-train' && holdNext) {
    const how = holdNext;
    holdNext = false;
    return new Promise<R>((resolve, reject) => options?.signal?.addEventListener('abort', () => {
      if (how === 'reject') return reject(new JobCancelledError(kind));
      // The worker's loop did not see the cancel in time: it wrote its model and returned.
      const out = (params as { out: string }).out;
      writeFileSync(out, '{}');
      resolve({ out } as R);
    }));
  }
  return runInWorker<R>(kind, params, options);
};

/** A request as the API hands it to the service (validated, defaults as sent). */
function train(p: Record<string, unknown>) {
  const r = validateRequest('trainSoftness', { trajectoryId: info.id, frame: EVENT, ref: EVENT - 1, ...p });
  return service.trainSoftness(r.params as never);
}

/** Resolves with the job's snapshot once it has stopped. */
function finished(job: JobSnapshot): Promise<JobSnapshot> {
  return new Promise((resolve) => {
    const check = (s: JobSnapshot | undefined): boolean => {
      if (s && s.id === job.id && s.state !== 'running') {
        stop();
        resolve(s);
        return true;
      }
      return false;
    };
    const stop = service.onEvent((e) => {
      if (e.event === 'job') check(e.data);
    });
    void service.listJobs().then((r) => check(r.jobs.find((j) => j.id === job.id)));
  });
}

beforeAll(async () => {
  mkdirSync(out);
  writeGlassDump(glass, { side: 10, frames: 6, jumps: [EVENT], jumpSize: 0.3, noise: 0.02, seed: 7 });
  service = new WorkbenchService({ host: 'web', indexDir: join(root, 'index'), appRoot: root, runJob, poolSize: 1 });
  info = await service.openTrajectory({ path: glass });
});

afterAll(() => {
  service.close();
  rmSync(root, { recursive: true, force: true });
});

describe('trainSoftness and loadSoftnessModel', () => {
  const model = join(out, 'glass-softness.json');

  it('trains as a listed job with progress, writes the model, and the model loads back with its accuracies', async () => {
    const job = await train({ out: model, count: 12, hyperplanes: 1 });
    expect(job.kind).toBe('softness-train');
    expect(job.state).toBe('running');
    expect(job.label).toMatch(/glass-softness\.json.*frames 2 -> 3/);
    expect((await service.listJobs()).jobs.some((j) => j.id === job.id)).toBe(true);
    const done = await finished(job);
    expect(done.error).toBeNull();
    expect(done.state).toBe('done');
    expect(done.outputPath).toBe(model);
    expect(done.total).toBeGreaterThan(0);
    expect(done.done).toBe(done.total);
    const json = JSON.parse(readFileSync(model, 'utf8')) as { hyperplanes: { w: number[] }[]; provenance: { frames: unknown } };
    expect(json.hyperplanes).toHaveLength(1);
    expect(json.hyperplanes[0].w).toHaveLength(12);

    const m = await service.loadSoftnessModel({ path: model });
    expect(m.path).toBe(model);
    expect(m.speciesMode).toBe('none');
    expect(m.centres).toHaveLength(12);
    expect(m.centres[0]).toBeCloseTo(0.4, 12);
    expect(m.hyperplanes).toHaveLength(1);
    const h = m.hyperplanes[0];
    expect(h.trainAccuracy).toBeGreaterThan(0.5);
    expect(h.trainAccuracy).toBeLessThanOrEqual(1);
    expect(m.trainAccuracy).toBe(h.trainAccuracy);
    // One hyperplane trains on every labelled particle: nothing held out.
    expect(h.validationAccuracy).toBeNull();
    expect(m.validationAccuracy).toBeNull();
    expect(h.nPositive + h.nNegative).toBe(h.nTrain);
    expect(h.nPositive).toBeGreaterThan(0);
    expect(m.provenance.frames).toEqual({ frame: EVENT, ref: EVENT - 1 });
    expect(m.provenance.trajectories).toEqual([info.path]);
    expect(m.provenance.thresholds.labels).toBe('quantile');
    expect(m.provenance.software).toMatch(/^avalanche-workbench /);

    // The model colours the ml_softness field: one finite value per particle, not all equal.
    const f = await service.getField({ trajectoryId: info.id, frame: EVENT, name: 'ml_softness', params: { model } });
    expect(f.values).toHaveLength(info.particles);
    expect(f.invalidCount).toBe(0);
    expect(Math.max(...f.values)).toBeGreaterThan(Math.min(...f.values));
  });

  it('an ensemble with threshold labels reports a validation accuracy per hyperplane', async () => {
    const ensemble = join(out, 'ensemble.json');
    // Frames 4 -> 5 (no jump): D2min of the thermal noise, from about 2e-4 to 7e-4.
    const params = { out: ensemble, frame: 5, ref: 4, labels: 'threshold', dSoft: [5e-4, 5e-4], dHard: [3e-4, 3e-4], count: 8, hyperplanes: 3, seed: 4 };
    const done = await finished(await train(params));
    expect(done.error).toBeNull();
    const m = await service.loadSoftnessModel({ path: ensemble });
    expect(m.hyperplanes).toHaveLength(3);
    for (const h of m.hyperplanes) {
      expect(h.validationAccuracy).not.toBeNull();
      expect(h.nValidation).toBeGreaterThan(0);
    }
    expect(m.validationAccuracy).toBeCloseTo(m.hyperplanes.reduce((a, h) => a + h.validationAccuracy!, 0) / 3, 12);
    expect(m.provenance.thresholds).toMatchObject({ labels: 'threshold', dSoft: [5e-4, 5e-4], dHard: [3e-4, 3e-4] });
  });

  it('refuses an existing model file unless overwrite, a missing directory and frames out of range, before any job', async () => {
    const before = (await service.listJobs()).jobs.length;
    await expect(train({ out: model })).rejects.toThrow(`${model} already exists; pass overwrite to replace it`);
    await expect(train({ out: join(root, 'nowhere', 'm.json') })).rejects.toThrow(`${join(root, 'nowhere')}: no such directory for the softness model`);
    await expect(train({ out: join(out, 'm.json'), frame: 99 })).rejects.toThrow(/"frame" 99 is out of range \(the trajectory has 6 frames\)/);
    expect((await service.listJobs()).jobs.length).toBe(before);
    const again = await finished(await train({ out: model, count: 12, overwrite: true }));
    expect(again.state).toBe('done');
  });

  it('a training that cannot label both classes fails its job with the reason', async () => {
    const done = await finished(await train({ out: join(out, 'none.json'), labels: 'threshold', dSoft: [100, 100], dHard: [50, 50] }));
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/0 rearranging .* need both/);
    expect(existsSync(join(out, 'none.json'))).toBe(false);
  });

  it('cancels a running training: the job is cancelled and no model is written', async () => {
    holdNext = 'reject';
    const target = join(out, 'cancelled.json');
    const job = await train({ out: target });
    await expect(train({ out: target })).rejects.toThrow(/is being written by another training/);
    const snap = await service.cancelJob({ jobId: job.id });
    expect(snap.state).toBe('cancelled');
    expect(existsSync(target)).toBe(false);
    // A training that finished writing just as it was cancelled: still cancelled, and its new file is removed.
    holdNext = 'finish';
    const late = await train({ out: target });
    expect((await service.cancelJob({ jobId: late.id })).state).toBe('cancelled');
    expect(existsSync(target)).toBe(false);
  });

  it('loadSoftnessModel: errors name the file and what is wrong', async () => {
    const missing = join(out, 'missing.json');
    await expect(service.loadSoftnessModel({ path: missing })).rejects.toThrow(`the softness model ${missing} does not exist`);
    await expect(service.loadSoftnessModel({ path: out })).rejects.toThrow(`${out}: a directory, not a softness model file`);
    const notJson = join(out, 'not.json');
    writeFileSync(notJson, '{"format": ');
    await expect(service.loadSoftnessModel({ path: notJson })).rejects.toThrow(new RegExp(`^${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a softness model: `));
    const json = JSON.parse(readFileSync(model, 'utf8')) as { hyperplanes: Record<string, unknown>[]; format: string };
    const broken = join(out, 'broken.json');
    json.hyperplanes[0].w = [1, 2];
    writeFileSync(broken, JSON.stringify(json));
    await expect(service.loadSoftnessModel({ path: broken })).rejects.toThrow(`${broken}: hyperplanes[0].w: expected an array of 12 finite numbers, got an array of 2`);
    json.format = 'something-else';
    writeFileSync(broken, JSON.stringify(json));
    await expect(service.loadSoftnessModel({ path: broken })).rejects.toThrow(`${broken}: format: expected "avalanche-workbench/softness-model"`);
  });
});
