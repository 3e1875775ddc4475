// The simulate and minimize jobs end to end: a tiny thermal run (random start, equilibration, quench, aging, log-block
// production) read back through the project's GSD reader and index, its paired inherent structures checked with the
// reference pair forces of potentials.ts, the sidecar, a growing file opened mid-run, cancel + resume giving the same
// bytes as an uninterrupted run, an NVE run from the LAMMPS reference start, AQS with avalanches, and `minimize`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';
import { FileSource } from '../../../src/core/io/file-source.js';
import { GsdFile } from '../../../src/core/io/gsd-file.js';
import { GsdReader } from '../../../src/core/io/gsd.js';
import { JobCancelledError, runInProcess } from '../../../src/core/jobs/job.js';
import { minimizeJob, type MinimizeJobResult } from '../../../src/core/jobs/minimize-job.js';
import { simulateJob, type SimulateResult } from '../../../src/core/jobs/simulate-job.js';
import { forces, HERTZ, totalEnergy, WCA } from '../../../src/core/potentials.js';
import { scheduleSteps } from '../../../src/core/sim/protocol.js';

const work = mkdtempSync(join(tmpdir(), 'avw-sim-'));
const indexDir = join(work, 'index');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const FIXTURES = join(import.meta.dirname, '../../fixtures/lammps-bench');

const SCHEDULE = { kind: 'log-block', B: 300, nCfg: 8, blocks: 3 } as const; // 27 frames, block origins included
const THERMAL = {
  kind: 'thermal', seed: 11, start: { kind: 'random', n: 120 }, T: 0.35, Tp: 0.5, equilSteps: 1500, twSteps: 500,
  schedule: SCHEDULE, inherentStructures: true, indexDir,
};

function openGsd(path: string): { file: GsdFile; reader: GsdReader; close: () => void } {
  const src = new FileSource(path);
  const reader = new GsdReader(new FileSource(path));
  reader.scan({});
  return { file: new GsdFile(src), reader, close: () => { src.close(); reader.close(); } };
}

/** Every chunk of every frame of two GSD files, compared byte for byte. */
function expectSameFrames(a: string, b: string): number {
  const A = openGsd(a), B = openGsd(b);
  try {
    expect(B.file.nFrames).toBe(A.file.nFrames);
    for (let f = 0; f < A.file.nFrames; f++) {
      const ca = A.file.chunks(f), cb = B.file.chunks(f);
      expect(cb.map((c) => c.name)).toEqual(ca.map((c) => c.name));
      for (const c of ca) {
        const x = Buffer.from(A.file.entryBytes(A.file.findEntry(f, c.name)));
        const y = Buffer.from(B.file.entryBytes(B.file.findEntry(f, c.name)));
        if (!x.equals(y)) throw new Error(`frame ${f}: chunk ${c.name} differs`);
      }
    }
    return A.file.nFrames;
  } finally {
    A.close();
    B.close();
  }
}

describe('simulate thermal', () => {
  const out = join(work, 'run.gsd');
  let result: SimulateResult;
  const midRun: { frames: number; outcome: string }[] = [];

  it('runs the protocol and writes a growing GSD that the index opens mid-run', async () => {
    result = await runInProcess(simulateJob, { ...THERMAL, out }, {
      onProgress: (p) => {
        const k = Number(/frame (\d+)\/27/.exec(p.message)?.[1] ?? -1);
        if (midRun.length === 0 && k >= 1 && k < 27) {
          const t = openIndexed(out, { indexDir });
          midRun.push({ frames: t.frameCount, outcome: t.outcome });
          t.close();
        }
      },
    }) as SimulateResult;
    expect(result.frames).toBe(27);
    expect(result.totalSteps).toBe(2000 + 2 * 300 + 128);
    expect(result.steps).toBe(result.totalSteps);
    expect(result.atomStepsPerSecond).toBeGreaterThan(0);
    expect(midRun).toHaveLength(1);
    expect(midRun[0].frames).toBeGreaterThan(0);
    expect(midRun[0].frames).toBeLessThan(27);
    const t = openIndexed(out, { indexDir });
    try {
      expect(t.outcome).toBe('appended');
      expect(t.frameCount).toBe(27);
      // The job recorded the schedule in the index: log-block with block origins (zeroFrame), dt 0.003.
      expect(t.schedule).toEqual({ kind: 'log-block', start: 0, B: 300, N_cfg: 9, zeroFrame: true, dt: 0.003 });
      expect(Array.from(t.timesteps())).toEqual(scheduleSteps({ ...SCHEDULE, blockOrigins: true }));
    } finally {
      t.close();
    }
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
  });

  it('stores positions, images, diameters, velocities and log values the reader reads back', () => {
    const g = openGsd(out);
    try {
      expect(g.file.nFrames).toBe(27);
      const entries: import('../../../src/core/io/types.js').FrameEntry[] = [];
      g.reader.scan({ onFrames: (e) => entries.push(...e) });
      for (const f of [0, 13, 26]) {
        const fr = g.reader.readFrame(entries[f], f);
        const log = g.reader.readLog(f);
        expect(fr.n).toBe(120);
        expect(fr.dimensions).toBe(2);
        // Wrapped into the HOOMD box centred on 0.
        const L = fr.box.vectors[0][0];
        for (let i = 0; i < fr.n; i++) {
          expect(Math.abs(fr.positions[3 * i])).toBeLessThanOrEqual(L / 2);
          expect(Math.abs(fr.positions[3 * i + 1])).toBeLessThanOrEqual(L / 2);
        }
        expect(fr.images).not.toBeNull();
        const d = fr.properties.diameter;
        expect(Math.min(...d)).toBeGreaterThan(0.6);
        // Isokinetic: the kinetic temperature is T to round-off (float64 log); the float32 velocities agree closely.
        expect(Math.abs(log.kinetic_temperature[0] - 0.35)).toBeLessThan(1e-12);
        let v2 = 0;
        for (let i = 0; i < fr.n; i++) v2 += fr.properties.vx[i] ** 2 + fr.properties.vy[i] ** 2;
        expect(v2 / (2 * fr.n - 2)).toBeCloseTo(0.35, 5);
        // The logged total energy is the WCA energy of the stored (float32) configuration.
        const u = totalEnergy(fr.positions, fr.box, WCA.sizesFromDiameters(d), WCA, 2);
        expect(Math.abs(u - log.potential_energy[0]) / Math.abs(log.potential_energy[0])).toBeLessThan(1e-4);
        expect(log.time[0]).toBeCloseTo(fr.timestep * 0.003, 12);
        expect(log.md_step[0]).toBe(2000 + fr.timestep);
        // Pressure-like stress: repulsive glass, positive diagonal.
        expect(log.stress_xx[0]).toBeGreaterThan(0);
        expect(log.stress_yy[0]).toBeGreaterThan(0);
      }
    } finally {
      g.close();
    }
  });

  it('pairs every frame with its inherent structure: same steps, max|F| < 1e-10 by the reference forces', () => {
    const md = openIndexed(out, { indexDir });
    const is = openIndexed(result.isOut as string, { indexDir });
    try {
      expect(is.frameCount).toBe(md.frameCount);
      expect(Array.from(is.timesteps())).toEqual(Array.from(md.timesteps()));
      const g = openGsd(result.isOut as string);
      const m = openGsd(out);
      try {
        for (let f = 0; f < is.frameCount; f += 5) {
          const fr = is.readFrame(f);
          const d = fr.properties.diameter;
          const F = new Float64Array(3 * fr.n);
          const u = forces(fr.positions, fr.box, WCA.sizesFromDiameters(d), WCA, F, 2);
          let maxF = 0;
          for (let i = 0; i < fr.n; i++) maxF = Math.max(maxF, Math.hypot(F[3 * i], F[3 * i + 1]));
          expect(maxF).toBeLessThan(1e-10);
          const log = g.reader.readLog(f);
          expect(u).toBeCloseTo(log.potential_energy[0], 10);
          expect(log.converged[0]).toBe(1);
          // The inherent structure lies below the MD frame's potential energy.
          expect(u).toBeLessThan(m.reader.readLog(f).potential_energy[0]);
        }
      } finally {
        g.close();
        m.close();
      }
    } finally {
      md.close();
      is.close();
    }
  });

  it('writes a sidecar with the parameters, seed, version, schedule and timings', () => {
    const s = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(s.status).toBe('complete');
    expect(s.kind).toBe('thermal');
    expect(s.seed).toBe(11);
    expect(s.software.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.parameters.T).toBe(0.35);
    expect(s.parameters.schedule).toEqual({ ...SCHEDULE, blockOrigins: true });
    expect(s.schedule.steps).toEqual(scheduleSteps({ ...SCHEDULE, blockOrigins: true }));
    expect(s.schedule.index).toEqual({ kind: 'log-block', start: 0, B: 300, N_cfg: 9, zeroFrame: true, dt: 0.003 });
    expect(s.protocol.productionStartStep).toBe(2000);
    expect(s.files).toMatchObject({ trajectory: 'run.gsd', inherentStructures: 'run.is.gsd' });
    expect(s.timings.wallSeconds).toBeGreaterThan(0);
    expect(s.framesWritten).toBe(27);
  });

  it('same seed, same bytes; cancel writes a checkpoint and resume continues identically', async () => {
    const again = join(work, 'again.gsd');
    await runInProcess(simulateJob, { ...THERMAL, out: again, index: false });
    expect(expectSameFrames(out, again)).toBe(27);

    // Cancel (at the first progress report, during equilibration): a checkpoint; resume finishes the same run.
    const cut = join(work, 'cut.gsd');
    const controller = new AbortController();
    const params = { ...THERMAL, out: cut, checkpointEvery: 4, index: false, chunkSteps: 37 };
    await expect(runInProcess(simulateJob, params, { signal: controller.signal, onProgress: () => controller.abort() }))
      .rejects.toBeInstanceOf(JobCancelledError);
    expect(existsSync(`${cut}.checkpoint`)).toBe(true);
    expect(JSON.parse(readFileSync(`${cut}.json`, 'utf8')).status).toBe('cancelled');
    // A resume with different physics is refused.
    await expect(runInProcess(simulateJob, { ...params, T: 0.3, resume: true })).rejects.toThrow(/differ from the checkpoint's \(T\)/);
    let r = await runInProcess(simulateJob, { ...params, resume: true }) as SimulateResult;
    expect(r.resumed).toBe(true);
    expect(r.steps).toBeLessThan(r.totalSteps);
    expect(expectSameFrames(out, cut)).toBe(27);
    expect(expectSameFrames(result.isOut as string, join(work, 'cut.is.gsd'))).toBe(27);
    expect(existsSync(`${cut}.checkpoint`)).toBe(false);

    // A crash after a checkpoint leaves more frames than the checkpoint counts: keep a copy of the first checkpoint,
    // let the run finish, put the old checkpoint back; resume truncates both files to it and redoes the rest.
    const late = join(work, 'late.gsd');
    let saved: Buffer | null = null;
    await runInProcess(simulateJob, { ...params, out: late }, {
      onProgress: () => { if (!saved && existsSync(`${late}.checkpoint`)) saved = readFileSync(`${late}.checkpoint`); },
    });
    expect(saved).not.toBeNull();
    writeFileSync(`${late}.checkpoint`, saved as unknown as Buffer);
    r = await runInProcess(simulateJob, { ...params, out: late, resume: true }) as SimulateResult;
    expect(r.resumed).toBe(true);
    expect(expectSameFrames(out, late)).toBe(27);
    expect(expectSameFrames(result.isOut as string, join(work, 'late.is.gsd'))).toBe(27);
    await expect(runInProcess(simulateJob, { ...params, resume: true })).rejects.toThrow(/nothing to resume/);
  });
});

describe('simulate with threads', () => {
  it('--threads 2: same bytes run to run, cancel + resume continues identically; NVE the same bytes as one thread', async () => {
    const base = { ...THERMAL, start: { kind: 'random', n: 600 }, inherentStructures: false, index: false, threads: 2 };
    const a = join(work, 'threads-a.gsd'), b = join(work, 'threads-b.gsd'), cut = join(work, 'threads-cut.gsd');
    await runInProcess(simulateJob, { ...base, out: a });
    await runInProcess(simulateJob, { ...base, out: b });
    const frames = expectSameFrames(a, b);
    expect(frames).toBeGreaterThan(10);
    expect(JSON.parse(readFileSync(`${a}.json`, 'utf8')).system.threads).toBe(2);
    const controller = new AbortController();
    const params = { ...base, out: cut, checkpointEvery: 4, chunkSteps: 37 };
    await expect(runInProcess(simulateJob, params, { signal: controller.signal, onProgress: () => controller.abort() }))
      .rejects.toBeInstanceOf(JobCancelledError);
    const r = await runInProcess(simulateJob, { ...params, resume: true }) as SimulateResult;
    expect(r.resumed).toBe(true);
    expect(expectSameFrames(a, cut)).toBe(frames);

    const nve = { kind: 'nve', start: { kind: 'data', path: join(FIXTURES, 'start_T0.2.data'), diameters: join(FIXTURES, 'diameters.txt') }, steps: 400, every: 100, index: false };
    const one = join(work, 'nve-1.gsd'), two = join(work, 'nve-2.gsd');
    await runInProcess(simulateJob, { ...nve, out: one, threads: 1 });
    await runInProcess(simulateJob, { ...nve, out: two, threads: 2 });
    expect(readFileSync(one).equals(readFileSync(two))).toBe(true);
  });
});

describe('simulate nve', () => {
  it('starts from a LAMMPS data file with per-id diameters and conserves energy', async () => {
    const out = join(work, 'nve.gsd');
    const r = await runInProcess(simulateJob, {
      kind: 'nve', out, start: { kind: 'data', path: join(FIXTURES, 'start_T0.2.data'), diameters: join(FIXTURES, 'diameters.txt') },
      steps: 300, every: 100, indexDir,
    }) as SimulateResult;
    expect(r.n).toBe(2000);
    expect(r.frames).toBe(4);
    const g = openGsd(out);
    try {
      const e = [0, 1, 2, 3].map((f) => {
        const l = g.reader.readLog(f);
        return l.potential_energy[0] / 2000 + l.kinetic_temperature[0] * (2 * 2000 - 2) / 2 / 2000;
      });
      // small.log (LAMMPS, same start): etotal = 0.62 per atom at step 0; NVE keeps it.
      for (const x of e) expect(Math.abs(x - e[0])).toBeLessThan(1e-4);
      expect(g.reader.readLog(0).kinetic_temperature[0]).toBeCloseTo(0.2, 1);
      expect(Array.from(openIndexed(out, { indexDir }).timesteps())).toEqual([0, 100, 200, 300]);
    } finally {
      g.close();
    }
  });
});

describe('simulate aqs', () => {
  it('shears Hertzian disks, records energy drops and avalanche frames, and resumes identically', async () => {
    const out = join(work, 'shear.gsd');
    const params = { kind: 'aqs', out, n: 64, seed: 2, steps: 150, strainStep: 2e-4, checkpointEvery: 10, indexDir };
    const r = await runInProcess(simulateJob, params) as SimulateResult;
    expect(r.drops).toBeGreaterThan(0);
    expect(r.avalancheFrames).toBeGreaterThan(0);
    const g = openGsd(out);
    try {
      const n = g.file.nFrames;
      expect(n).toBe(1 + 150 + (r.avalancheFrames as number));
      let prevS = NaN, drops = 0, loading = 0, elastic = 0;
      for (let f = 0; f < n; f++) {
        const l = g.reader.readLog(f);
        if (l.avalanche_index[0] >= 0) continue;
        if (l.drop[0] === 1) drops++;
        else if (f > 0) {
          elastic++;
          // Elastic loading: the pressure-like shear stress decreases (the mechanical one increases) between drops.
          if (l.stress_xy[0] < prevS) loading++;
        }
        prevS = l.stress_xy[0];
        expect(l.strain[0]).toBeCloseTo(l.shear_step[0] * 2e-4, 12);
      }
      expect(drops).toBe(r.drops);
      expect(loading).toBeGreaterThan(0.9 * elastic);
      // Avalanche frames lie between the step's affine start and its minimum, energy decreasing along the relaxation.
      const entries: import('../../../src/core/io/types.js').FrameEntry[] = [];
      g.reader.scan({ onFrames: (e) => entries.push(...e) });
      let f = 0;
      while (g.reader.readLog(f).avalanche_index[0] < 0) f++;
      const first = g.reader.readLog(f), second = g.reader.readLog(f + 1);
      expect(first.avalanche_index[0]).toBe(0);
      if (second.avalanche_index[0] === 1) expect(second.potential_energy[0]).toBeLessThan(first.potential_energy[0]);
      // Box tilt (Lees-Edwards) grows with the strain; the stored energy is the Hertzian energy of the stored frame.
      const fr = g.reader.readFrame(entries[n - 1], n - 1);
      expect(fr.box.vectors[1][0]).toBeCloseTo(150 * 2e-4 * fr.box.vectors[1][1], 4);
      const u = totalEnergy(fr.positions, fr.box, HERTZ.sizesFromDiameters(fr.properties.diameter), HERTZ, 2);
      expect(Math.abs(u - g.reader.readLog(n - 1).potential_energy[0]) / u).toBeLessThan(1e-3);
    } finally {
      g.close();
    }

    const cut = join(work, 'shear-cut.gsd');
    const controller = new AbortController();
    await expect(runInProcess(simulateJob, { ...params, out: cut }, { signal: controller.signal, onProgress: () => controller.abort() }))
      .rejects.toBeInstanceOf(JobCancelledError);
    const rr = await runInProcess(simulateJob, { ...params, out: cut, resume: true }) as SimulateResult;
    expect(rr.resumed).toBe(true);
    expect(expectSameFrames(out, cut)).toBeGreaterThan(151);
    // Frames written after the last checkpoint are dropped and redone on resume.
    const late = join(work, 'shear-late.gsd');
    let saved: Buffer | null = null;
    await runInProcess(simulateJob, { ...params, out: late }, {
      onProgress: () => { if (!saved && existsSync(`${late}.checkpoint`)) saved = readFileSync(`${late}.checkpoint`); },
    });
    expect(saved).not.toBeNull();
    writeFileSync(`${late}.checkpoint`, saved as unknown as Buffer);
    await runInProcess(simulateJob, { ...params, out: late, resume: true });
    expect(expectSameFrames(out, late)).toBeGreaterThan(151);
  });
});

describe('minimize', () => {
  it('minimizes every frame of a trajectory into a paired GSD', async () => {
    const src = join(work, 'nve.gsd');
    const out = join(work, 'nve.is.gsd');
    const r = await runInProcess(minimizeJob, { path: src, out, method: 'cg', indexDir }) as MinimizeJobResult;
    expect(r.frames).toBe(4);
    expect(r.unconverged).toBe(0);
    expect(r.maxForce).toBeLessThan(1e-10);
    const t = openIndexed(out, { indexDir });
    try {
      expect(Array.from(t.timesteps())).toEqual([0, 100, 200, 300]);
      const fr = t.readFrame(2);
      const F = new Float64Array(3 * fr.n);
      forces(fr.positions, fr.box, WCA.sizesFromDiameters(fr.properties.diameter), WCA, F, 2);
      let maxF = 0;
      for (let i = 0; i < fr.n; i++) maxF = Math.max(maxF, Math.hypot(F[3 * i], F[3 * i + 1]));
      expect(maxF).toBeLessThan(1e-10);
    } finally {
      t.close();
    }
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ method: 'cg', ftol: 1e-10, frames: 4, unconverged: 0 });
  });
});
