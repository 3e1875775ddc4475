// The workbench service, method by method, against a temporary index: trajectories, frames, series, fields,
// detection, tags, session and recent files (across a restart), the demo, the job registry, and that heavy work
// in a worker leaves the service free to answer other requests.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInWorker } from '../../src/core/jobs/worker-runner.js';
import { spawnPoolWorker } from '../../src/core/jobs/pool.js';
import { JOBS } from '../../src/core/jobs/registry.js';
import { type ApiEvent, type JobSnapshot, type TrajectoryInfo } from '../../src/shared/api.js';
import { WorkbenchService, type JobRunner, type ServiceOptions } from '../../src/main/service/service.js';
import { AppState, MAX_RECENT_FILES } from '../../src/main/service/app-state.js';
import { IndexDb } from '../../src/core/index/index-db.js';
import { simulateJobParams } from '../../src/main/service/simulation.js';
import { SMALL_2D, tmpDir, writeGlassDump, FIXTURES } from './helpers.js';

const root = tmpDir('avw-service-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A service on its own index, counting the jobs it runs (one-shot jobs and the analysis pool's tasks) and recording its events. */
function makeService(indexDir = join(root, `index-${Math.random().toString(36).slice(2)}`), extra: Partial<ServiceOptions> = {}) {
  const jobs: string[] = [];
  const events: ApiEvent[] = [];
  const runJob: JobRunner = (kind, params, options) => {
    jobs.push(kind);
    return runInWorker(kind, params, options);
  };
  const spawnPoolChild: ServiceOptions['spawnPoolChild'] = (o) => {
    const child = spawnPoolWorker(o);
    // (The background preparation and warm-up every open starts are not counted: the tests count the computations they ask for.)
    return { ...child, send: (m) => { if (m.type === 'task' && m.task.kind !== 'prepare' && m.task.kind !== 'warm') jobs.push(m.task.kind); child.send(m); } };
  };
  const service = new WorkbenchService({ host: 'web', indexDir, appRoot: join(root, 'app'), runJob, spawnPoolChild, ...extra });
  service.onEvent((e) => events.push(e));
  return { service, jobs, events, indexDir };
}

function copyFixture(name: string, from = SMALL_2D): string {
  const path = join(root, name);
  copyFileSync(from, path);
  return path;
}

describe('WorkbenchService: trajectories and frames', () => {
  it('reports its version and host', async () => {
    const { service } = makeService();
    try {
      expect(await service.version()).toMatchObject({ app: 'Avalanche Workbench', host: 'web' });
      expect((await service.version()).version).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      service.close();
    }
  });

  it('opens a trajectory through an index job with progress events, then without a job while it is unchanged', async () => {
    const { service, jobs, events } = makeService();
    const path = copyFixture('open.lammpstrj');
    try {
      const info = await service.openTrajectory({ path });
      expect(info).toMatchObject({ path, format: 'lammps-dump', frames: 3, particles: 9, particlesConstant: true, dimensions: 2, timesteps: [0, 200], damage: null });
      expect(info.box.vectors[0][0]).toBe(6);
      expect(info.box.periodic).toEqual([true, true, true]);
      expect(jobs).toEqual(['index']);
      const progress = events.filter((e) => e.event === 'indexProgress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)!.data).toMatchObject({ path, frames: 3 });
      const jobEvents = events.filter((e): e is { event: 'job'; data: JobSnapshot } => e.event === 'job');
      expect(jobEvents[0].data).toMatchObject({ kind: 'index', state: 'running' });
      expect(jobEvents.at(-1)!.data).toMatchObject({ kind: 'index', state: 'done', error: null });

      const again = await service.openTrajectory({ path });
      expect(again.id).toBe(info.id);
      expect(jobs).toEqual(['index']); // the index was up to date: no second job
      expect((await service.recentFiles()).paths).toEqual([path]);
    } finally {
      service.close();
    }
  });

  it('indexing is a job: cancelling it stops the open with a clear message', async () => {
    // An index job that takes its time (a large file), so that it can be cancelled.
    const slowIndex: JobRunner = (kind, params, options) =>
      kind === 'index' ? runInWorker('count', { n: 1000, stepMs: 10 }, options) : runInWorker(kind, params, options);
    const { service, events } = makeService(undefined, { runJob: slowIndex });
    const path = copyFixture('cancel-open.lammpstrj');
    try {
      const opening = service.openTrajectory({ path });
      const job = (await service.listJobs()).jobs.find((j) => j.kind === 'index')!;
      expect(job).toMatchObject({ state: 'running', label: `Indexing ${path}` });
      // Cancel once the job reports progress (a worker booting from the TypeScript sources takes a while).
      for (let t = 0; t < 1000 && !events.some((e) => e.event === 'indexProgress' && e.data.path === path); t++) await new Promise((r) => setTimeout(r, 10));
      expect((await service.cancelJob({ jobId: job.id })).state).toBe('cancelled');
      await expect(opening).rejects.toThrow(`${path}: opening was cancelled (indexing stopped)`);
      expect(events.some((e) => e.event === 'indexProgress' && e.data.path === path)).toBe(true);
      expect((await service.recentFiles()).paths).toEqual([]);
    } finally {
      service.close();
    }
  });

  it('names a missing file in one clear error and does not record it', async () => {
    const { service } = makeService();
    try {
      await expect(service.openTrajectory({ path: '/nonexistent/run.lammpstrj' })).rejects.toThrow('/nonexistent/run.lammpstrj: no such file');
      expect((await service.recentFiles()).paths).toEqual([]);
    } finally {
      service.close();
    }
  });

  it('serves frames sorted by id with diameters, and refuses frames out of range', async () => {
    const { service } = makeService();
    try {
      const info = await service.openTrajectory({ path: copyFixture('frames.lammpstrj') });
      const f = await service.getFrame({ trajectoryId: info.id, frame: 1 });
      expect(f).toMatchObject({ trajectoryId: info.id, frame: 1, timestep: 100, n: 9, dimensions: 2 });
      expect(Array.from(f.ids)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(f.positions).toBeInstanceOf(Float64Array);
      expect(f.positions.length).toBe(27);
      expect(Array.from(f.diameters!)).toEqual([1, 1.4, 1, 1.4, 1, 1.4, 1, 1.4, 1]);
      const f0 = await service.getFrame({ trajectoryId: info.id, frame: 0 });
      expect(f.positions[0] - f0.positions[0]).toBeCloseTo(0.01, 9);
      await expect(service.getFrame({ trajectoryId: info.id, frame: 3 })).rejects.toThrow(/frame 3 is out of range \(the trajectory has 3 frames\)/);
      await expect(service.getFrame({ trajectoryId: 999, frame: 0 })).rejects.toThrow(/trajectory 999 is not open/);
    } finally {
      service.close();
    }
  });
});

describe('WorkbenchService: series, fields, detection', () => {
  let ctx: ReturnType<typeof makeService>;
  let info: TrajectoryInfo;
  const glass = join(root, 'glass.lammpstrj');
  beforeAll(async () => {
    writeGlassDump(glass, { side: 12, frames: 40, jumps: [25], jumpSize: 0.6, noise: 0.004, seed: 3 });
    ctx = makeService();
    info = await ctx.service.openTrajectory({ path: glass });
  });
  afterAll(() => ctx.service.close());

  it('computes a series in a worker once, then serves it from the index', async () => {
    const before = ctx.jobs.length;
    const s = await ctx.service.getSeries({ trajectoryId: info.id, name: 'msd' });
    expect(ctx.jobs.slice(before)).toEqual(['series']);
    expect(s.name).toBe('msd');
    expect(s.timesteps).toBeInstanceOf(Float64Array);
    expect(Array.from(s.timesteps.subarray(0, 3))).toEqual([0, 100, 200]);
    expect(s.values.length).toBe(40);
    expect(s.values[0]).toBe(0);
    // A quarter of the particles jump 0.6 at frame 25: the MSD rises by about 0.25 * 0.36 = 0.09 there.
    expect(s.values[25] - s.values[24]).toBeGreaterThan(0.07);
    const again = await ctx.service.getSeries({ trajectoryId: info.id, name: 'msd' });
    expect(ctx.jobs.length).toBe(before + 1);
    expect(Array.from(again.values)).toEqual(Array.from(s.values));
  });

  it('computes the energy series with the pair potential from the diameters', async () => {
    const s = await ctx.service.getSeries({ trajectoryId: info.id, name: 'energy', params: { potential: 'wca' } });
    expect(s.values.length).toBe(40);
    expect(Number.isFinite(s.values[0])).toBe(true);
    await expect(ctx.service.getSeries({ trajectoryId: info.id, name: 'stress_xy' })).rejects.toThrow(/pair potential/);
  });

  it('computes a field in a worker, caches it in the index and serves it (and its family) from there', async () => {
    const before = ctx.jobs.length;
    const d = await ctx.service.getField({ trajectoryId: info.id, frame: 26, ref: 24, name: 'displacement' });
    expect(ctx.jobs.slice(before)).toEqual(['field']);
    expect(d).toMatchObject({ trajectoryId: info.id, name: 'displacement', frame: 26, ref: 24, components: 2, invalidCount: 0 });
    expect(d.values).toBeInstanceOf(Float32Array);
    expect(d.values.length).toBe(144 * 2);
    // Particle 0 (id 1) is one of the jumpers: about +0.6 in x.
    expect(d.values[0]).toBeGreaterThan(0.5);
    expect(Math.abs(d.values[2])).toBeLessThan(0.1);
    const cached = await ctx.service.getField({ trajectoryId: info.id, frame: 26, ref: 24, name: 'displacement' });
    expect(ctx.jobs.length).toBe(before + 1);
    expect(Array.from(cached.values)).toEqual(Array.from(d.values));

    // D2min computes the whole strain family at once: the other members come from the index, no job.
    const d2 = await ctx.service.getField({ trajectoryId: info.id, frame: 26, ref: 24, name: 'd2min', params: { cutoff: 1.6 } });
    expect(d2).toMatchObject({ components: 1, ref: 24 });
    expect(d2.values.length).toBe(144);
    expect(ctx.jobs.length).toBe(before + 2);
    for (const name of ['e_norm', 'eps_vol', 'det_h', 'na'] as const) {
      const f = await ctx.service.getField({ trajectoryId: info.id, frame: 26, ref: 24, name, params: { cutoff: 1.6 } });
      expect(f.name).toBe(name);
      expect(f.values.length).toBe(name === 'na' ? 288 : 144);
    }
    expect(ctx.jobs.length).toBe(before + 2);
    // Another cutoff is another computation.
    await ctx.service.getField({ trajectoryId: info.id, frame: 26, ref: 24, name: 'd2min', params: { cutoff: 2.2 } });
    expect(ctx.jobs.length).toBe(before + 3);
  });

  it('mobility uses the previous frame, softness none, pair fields the previous frame by default; all are cached', async () => {
    const m = await ctx.service.getField({ trajectoryId: info.id, frame: 25, name: 'mobility' });
    expect(m).toMatchObject({ ref: 24, components: 1 });
    expect(m.values[0]).toBeGreaterThan(0.5);
    const s = await ctx.service.getField({ trajectoryId: info.id, frame: 5, name: 'softness' });
    expect(s).toMatchObject({ ref: -1, components: 1 });
    const d = await ctx.service.getField({ trajectoryId: info.id, frame: 25, name: 'displacement' });
    expect(d).toMatchObject({ ref: 24, components: 2 });
    const n = ctx.jobs.length;
    await ctx.service.getField({ trajectoryId: info.id, frame: 25, name: 'mobility' });
    await ctx.service.getField({ trajectoryId: info.id, frame: 5, name: 'softness' });
    await ctx.service.getField({ trajectoryId: info.id, frame: 25, ref: 24, name: 'displacement' });
    expect(ctx.jobs.length).toBe(n);
    // A reference the field's rule does not take is refused, naming the rule.
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 25, ref: 3, name: 'mobility' })).rejects.toThrow(/always uses the previous frame/);
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 5, ref: 7, name: 'softness' })).rejects.toThrow(/takes no reference/);
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 0, name: 'mobility' })).rejects.toThrow(/needs a previous frame: frame 0 has none/);
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 0, name: 'd2min' })).rejects.toThrow(/needs a reference frame/);
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 3, name: 'is_displacement' })).rejects.toThrow(/inherent-structure/);
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 40, ref: 0, name: 'd2min' })).rejects.toThrow(/out of range/);
    await expect(ctx.service.getField({ trajectoryId: info.id, frame: 5, name: 'd2min', params: { cutoff: -1 } })).rejects.toThrow('"params.cutoff" must be a number > 0');
  });

  it('detects the planted jump and stores it as a detector tag', async () => {
    const r = await ctx.service.detect({ trajectoryId: info.id });
    expect(r.candidates.map((c) => c.frame)).toContain(25);
    const c = r.candidates.find((x) => x.frame === 25)!;
    expect(c.before).toBeLessThan(25);
    expect(c.after).toBeGreaterThanOrEqual(25);
    const { tags } = await ctx.service.listTags({ trajectoryId: info.id });
    const t = tags.find((g) => g.frame === 25)!;
    expect(t).toMatchObject({ kind: 'candidate', source: 'detector', timestep: 2500 });
    expect(t.score).toBeCloseTo(c.score, 9);
  });
});

describe('WorkbenchService: tags', () => {
  it('adds, lists, updates and deletes tags, each committed at once (seen by a second service)', async () => {
    const { service, indexDir } = makeService();
    const other = makeService(indexDir).service;
    try {
      const info = await service.openTrajectory({ path: copyFixture('tags.lammpstrj') });
      const a = await service.addTag({ trajectoryId: info.id, frame: 1, kind: 'avalanche', note: 'big one' });
      expect(a).toMatchObject({ frame: 1, timestep: 100, time: null, kind: 'avalanche', source: 'manual', score: null, note: 'big one' });
      const b = await service.addTag({ trajectoryId: info.id, frame: 2, kind: 'uncertain' });
      expect(b.note).toBe('');
      await expect(service.addTag({ trajectoryId: info.id, frame: 1, kind: 'uncertain' })).rejects.toThrow(/already has a manual tag/);
      await expect(service.addTag({ trajectoryId: info.id, frame: 3, kind: 'uncertain' })).rejects.toThrow(/out of range/);

      // The other service (another process, a restart) sees every change immediately.
      expect((await other.listTags({ trajectoryId: info.id })).tags.map((t) => [t.frame, t.kind, t.note])).toEqual([[1, 'avalanche', 'big one'], [2, 'uncertain', '']]);

      const u = await service.updateTag({ trajectoryId: info.id, tagId: b.id, kind: 'not-avalanche', note: 'just noise' });
      expect(u).toMatchObject({ id: b.id, frame: 2, timestep: 200, kind: 'not-avalanche', note: 'just noise' });
      expect((await other.listTags({ trajectoryId: info.id })).tags[1]).toMatchObject({ kind: 'not-avalanche', note: 'just noise' });
      await expect(service.updateTag({ trajectoryId: info.id, tagId: 9999, kind: 'avalanche' })).rejects.toThrow(/no tag with id 9999/);

      expect(await service.deleteTag({ trajectoryId: info.id, tagId: a.id })).toEqual({ deleted: true });
      expect((await other.listTags({ trajectoryId: info.id })).tags.map((t) => t.id)).toEqual([b.id]);
      await expect(service.deleteTag({ trajectoryId: info.id, tagId: a.id })).rejects.toThrow(/no tag with id/);
    } finally {
      other.close();
      service.close();
    }
  });

  it('exports CSV and JSON and imports them back', async () => {
    const { service } = makeService();
    try {
      const info = await service.openTrajectory({ path: copyFixture('tags-io.lammpstrj') });
      await service.addTag({ trajectoryId: info.id, frame: 1, kind: 'avalanche', note: 'comma, "quoted"' });
      await service.addTag({ trajectoryId: info.id, frame: 2, kind: 'uncertain' });
      const csv = (await service.exportTags({ trajectoryId: info.id, format: 'csv' })).text;
      const lines = csv.trim().split('\r\n');
      expect(lines[0]).toBe('frame,timestep,time,kind,source,score,before,after,note,created_at,updated_at');
      expect(lines[1]).toMatch(/^1,100,,avalanche,manual,,,,"comma, ""quoted""",/);
      expect(lines[2]).toMatch(/^2,200,,uncertain,manual,,,/);
      const json = JSON.parse((await service.exportTags({ trajectoryId: info.id, format: 'json' })).text) as { tags: { frame: number; note: string }[] };
      expect(json.tags.map((t) => [t.frame, t.note])).toEqual([[1, 'comma, "quoted"'], [2, '']]);

      for (const t of (await service.listTags({ trajectoryId: info.id })).tags) await service.deleteTag({ trajectoryId: info.id, tagId: t.id });
      expect(await service.importTags({ trajectoryId: info.id, format: 'csv', text: csv })).toEqual({ inserted: 2, updated: 0, warnings: [] });
      expect((await service.listTags({ trajectoryId: info.id })).tags.map((t) => [t.frame, t.kind, t.note])).toEqual([[1, 'avalanche', 'comma, "quoted"'], [2, 'uncertain', '']]);
      const again = await service.importTags({ trajectoryId: info.id, format: 'json', text: JSON.stringify(json) });
      expect(again).toMatchObject({ inserted: 0, updated: 2 });
      await expect(service.importTags({ trajectoryId: info.id, format: 'csv', text: 'frame,kind\n7,avalanche\n' }))
        .rejects.toThrow(/the imported CSV, line 2: frame 7 does not exist/);
    } finally {
      service.close();
    }
  });
});

describe('WorkbenchService: session and recent files', () => {
  it('starts from a default session and keeps the saved one and the recent files across a restart', async () => {
    const indexDir = join(root, 'restart-index');
    const first = makeService(indexDir).service;
    const a = copyFixture('recent-a.lammpstrj');
    const b = copyFixture('recent-b.lammpstrj');
    try {
      expect(await first.getSession()).toEqual({ lastFile: null, frame: 0, field: 'displacement', layout: {} });
      await first.openTrajectory({ path: a });
      await first.openTrajectory({ path: b });
      await first.openTrajectory({ path: a });
      const session = { lastFile: a, frame: 2, field: 'd2min', layout: { bracket: 3, panes: [0.3, 0.4, 0.3], colourMap: 'viridis', log: true } };
      expect(await first.saveSession(session)).toEqual({ saved: true });
      expect(await first.getSession()).toEqual(session);
    } finally {
      first.close();
    }
    const second = makeService(indexDir).service;
    try {
      expect(await second.getSession()).toEqual({ lastFile: a, frame: 2, field: 'd2min', layout: { bracket: 3, panes: [0.3, 0.4, 0.3], colourMap: 'viridis', log: true } });
      expect((await second.recentFiles()).paths).toEqual([a, b]);
      // Files that no longer exist are not offered.
      rmSync(b);
      expect((await second.recentFiles()).paths).toEqual([a]);
      // A trajectory id from before the restart still works while its file is unchanged.
      const info = await second.openTrajectory({ path: a });
      const third = makeService(indexDir).service;
      try {
        expect((await third.getFrame({ trajectoryId: info.id, frame: 2 })).timestep).toBe(200);
      } finally {
        third.close();
      }
    } finally {
      second.close();
    }
  });

  it('keeps at most 20 recent files, most recent first, each once', async () => {
    const dir = tmpDir('avw-recent-');
    const db = IndexDb.open({ indexDir: dir });
    try {
      const state = new AppState(db);
      const paths: string[] = [];
      for (let k = 0; k < MAX_RECENT_FILES + 3; k++) {
        const p = join(dir, `run-${k}.gsd`);
        writeFileSync(p, '');
        paths.push(p);
        state.addRecentFile(p);
      }
      state.addRecentFile(paths[10]);
      const recent = state.recentFiles();
      expect(recent.length).toBe(MAX_RECENT_FILES);
      expect(recent).toEqual([paths[10], ...paths.slice(3).reverse().filter((p) => p !== paths[10])].slice(0, MAX_RECENT_FILES));
      // Stored JSON of another shape is ignored, not trusted.
      state.set('recentFiles', { not: 'a list' });
      expect(state.recentFiles()).toEqual([]);
      state.set('session', 'garbage');
      expect(state.session()).toEqual({ lastFile: null, frame: 0, field: 'displacement', layout: {} });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WorkbenchService: the demo', () => {
  it('says how to build the demo when it is missing, and opens it when it is there', async () => {
    const appRoot = join(root, 'demo-app');
    mkdirSync(join(appRoot, 'resources/demo'), { recursive: true });
    writeFileSync(join(appRoot, 'resources/demo/README.md'), '# Demo\n\nBuilt by the app\'s own simulator:\n\n```sh\nnpm run demo:build\n```\n');
    const { service } = makeService(undefined, { appRoot });
    try {
      await expect(service.openDemo()).rejects.toThrow(/^the demo trajectory is not built: run npm run demo:build/);
      copyFileSync(join(FIXTURES, 'gsd/python-2d.gsd'), join(appRoot, 'resources/demo/demo.gsd'));
      const info = await service.openDemo();
      expect(info).toMatchObject({ format: 'gsd', frames: 4, dimensions: 2, path: join(appRoot, 'resources/demo/demo.gsd') });
    } finally {
      service.close();
    }
  });
});

describe('WorkbenchService: jobs', () => {
  /** Simulations mapped to the diagnostic 'count' job: the registry is tested without the simulator. */
  const countJob = (n: number, stepMs: number): Partial<ServiceOptions> => ({
    simulationJob: (_req, out) => ({ kind: 'count', params: { n, stepMs }, label: `count to ${n} -> ${out}` }),
  });

  async function until(events: ApiEvent[], id: number, states: JobSnapshot['state'][]): Promise<JobSnapshot> {
    for (let k = 0; k < 600; k++) {
      const e = events.find((x): x is { event: 'job'; data: JobSnapshot } => x.event === 'job' && x.data.id === id && states.includes(x.data.state));
      if (e) return e.data;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${id} did not reach ${states.join('/')}`);
  }

  it('runs a simulation job with throttled progress events and reports its output file', async () => {
    const { service, events, indexDir } = makeService(undefined, countJob(40, 15));
    try {
      const job = await service.startSimulation({ kind: 'thermal', params: { n: 100, T: 0.5 } });
      expect(job).toMatchObject({ kind: 'count', state: 'running', done: 0, outputPath: null, error: null });
      expect(job.label).toContain(join(indexDir, 'simulations'));
      expect((await service.listJobs()).jobs.map((j) => j.id)).toContain(job.id);
      const done = await until(events, job.id, ['done', 'failed']);
      expect(done).toMatchObject({ state: 'done', done: 40, total: 40, error: null });
      expect(done.outputPath).toMatch(new RegExp(`^${join(indexDir, 'simulations')}/thermal-\\d{8}T\\d{6}Z-\\d+\\.gsd$`));
      const mine = events.filter((e): e is { event: 'job'; data: JobSnapshot } => e.event === 'job' && e.data.id === job.id);
      const running = mine.filter((e) => e.data.state === 'running');
      // About 600 ms of work at most 10 updates a second (plus the start).
      expect(running.length).toBeGreaterThan(2);
      expect(running.length).toBeLessThan(12);
      for (let k = 1; k < running.length; k++) expect(running[k].data.done).toBeGreaterThanOrEqual(running[k - 1].data.done);
      expect((await service.listJobs()).jobs.find((j) => j.id === job.id)).toMatchObject({ state: 'done' });
    } finally {
      service.close();
    }
  });

  it('cancels a running job', async () => {
    const { service, events } = makeService(undefined, countJob(10_000, 10));
    try {
      const out = join(root, 'cancelled.gsd');
      const job = await service.startSimulation({ kind: 'aqs', params: { n: 64, steps: 10 }, out });
      expect(job.label).toContain(out);
      await new Promise((r) => setTimeout(r, 300));
      const cancelled = await service.cancelJob({ jobId: job.id });
      expect(cancelled).toMatchObject({ id: job.id, state: 'cancelled', outputPath: null });
      expect((await until(events, job.id, ['cancelled'])).state).toBe('cancelled');
      // Cancelling a finished job changes nothing.
      expect((await service.cancelJob({ jobId: job.id })).state).toBe('cancelled');
      await expect(service.cancelJob({ jobId: 12345 })).rejects.toThrow(/no job 12345/);
    } finally {
      service.close();
    }
  });

  it('a failed job carries its error', async () => {
    const failing: JobRunner = async () => {
      throw new Error('simulate: the box exploded at step 17');
    };
    const { service, events } = makeService(undefined, { ...countJob(5, 0), runJob: failing });
    try {
      const job = await service.startSimulation({ kind: 'thermal', params: {} });
      const failed = await until(events, job.id, ['failed']);
      expect(failed).toMatchObject({ state: 'failed', error: 'simulate: the box exploded at step 17', outputPath: null });
    } finally {
      service.close();
    }
  });

  it('never overwrites an existing file and checks the job parameters before starting', async () => {
    const { service } = makeService(undefined, countJob(-1, 0));
    try {
      await expect(service.startSimulation({ kind: 'thermal', params: {}, out: SMALL_2D })).rejects.toThrow(/already exists/);
      await expect(service.startSimulation({ kind: 'thermal', params: {} })).rejects.toThrow(/"n" must be an integer/);
      expect((await service.listJobs()).jobs).toEqual([]);
    } finally {
      service.close();
    }
  });

  it.skipIf(!JOBS.simulate)('runs real simulations (thermal MD and AQS) that open in the workbench', async () => {
    const { service, events } = makeService();
    try {
      const thermalOut = join(root, 'thermal-run.gsd');
      const thermal = await service.startSimulation({
        kind: 'thermal', params: { n: 32, rho: 0.9, T: 0.5, Tp: 0.5, equil: 200, tw: 0, B: 10, ncfg: 3, blocks: 2, dt: 0.003, seed: 4 }, out: thermalOut,
      });
      expect(thermal).toMatchObject({ kind: 'simulate', state: 'running' });
      const aqs = await service.startSimulation({ kind: 'aqs', params: { n: 16, seed: 3, steps: 4, deps: 1e-3 } });
      const [t, a] = await Promise.all([until(events, thermal.id, ['done', 'failed']), until(events, aqs.id, ['done', 'failed'])]);
      expect(t).toMatchObject({ state: 'done', error: null, outputPath: thermalOut });
      expect(a).toMatchObject({ state: 'done', error: null });
      const tInfo = await service.openTrajectory({ path: t.outputPath! });
      expect(tInfo).toMatchObject({ format: 'gsd', particles: 32, dimensions: 2 });
      expect(tInfo.frames).toBeGreaterThan(1);
      const aInfo = await service.openTrajectory({ path: a.outputPath! });
      expect(aInfo).toMatchObject({ format: 'gsd', particles: 16, dimensions: 2 });
    } finally {
      service.close();
    }
  });

  it('maps a request to the simulate job parameters the job accepts', async () => {
    const { validateSimulateParams } = await import('../../src/core/jobs/simulate-job.js');
    const thermal = validateSimulateParams(simulateJobParams(
      { kind: 'thermal', params: { n: 256, rho: 0.95, T: 0.4, Tp: 0.6, equil: 1000, tw: 500, B: 5000, ncfg: 10, blocks: 2, dt: 0.002, seed: 9, is: true } }, '/tmp/x.gsd', '/tmp/idx'));
    expect(thermal).toMatchObject({
      kind: 'thermal', out: '/tmp/x.gsd', seed: 9, T: 0.4, Tp: 0.6, equilSteps: 1000, twSteps: 500, dt: 0.002, inherentStructures: true, indexDir: '/tmp/idx',
      start: { kind: 'random', n: 256, density: 0.95 }, schedule: { kind: 'log-block', B: 5000, nCfg: 10, blocks: 2 },
    });
    const aqs = validateSimulateParams(simulateJobParams({ kind: 'aqs', params: { n: 64, seed: 2, steps: 30, deps: 2e-4 } }, '/tmp/a.gsd'));
    expect(aqs).toMatchObject({ kind: 'aqs', out: '/tmp/a.gsd', n: 64, seed: 2, steps: 30, strainStep: 2e-4 });
  });
});

describe('WorkbenchService: heavy work does not block', () => {
  it('answers listTags while a field of a large frame is computed in a worker (the latency is in npm run bench -- ui)', async () => {
    const big = join(root, 'big.lammpstrj');
    writeGlassDump(big, { side: 250, frames: 2, seed: 5 }); // 62 500 particles
    const { service } = makeService();
    try {
      const info = await service.openTrajectory({ path: big });
      await service.addTag({ trajectoryId: info.id, frame: 1, kind: 'avalanche' });
      let finished = false;
      const field = service.getField({ trajectoryId: info.id, frame: 1, ref: 0, name: 'd2min', params: { cutoff: 1.6 } }).finally(() => { finished = true; });
      let answered = 0;
      while (!finished && answered < 3) {
        const { tags } = await service.listTags({ trajectoryId: info.id });
        expect(tags.length).toBe(1);
        if (!finished) answered++;
        await new Promise((r) => setTimeout(r, 5));
      }
      // The service answered while the field was still being computed: the work ran off its thread.
      expect(answered).toBeGreaterThan(0);
      const f = await field;
      expect(f.values.length).toBe(250 * 250);
    } finally {
      service.close();
    }
  });
});
