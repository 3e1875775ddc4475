// The thermal and NVE runs of the simulate job: the papers' protocol (equilibrate at Tp, quench, age, produce on the
// schedule) or plain NVE from a configuration, with inherent structures, checkpoints and bit-identical resumes.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { virialStress } from '../analysis/stress.js';
import { FileSource } from '../io/file-source.js';
import { GsdWriter } from '../io/gsd-writer.js';
import { diametersForIds, lammpsDataToSystemInit, parseDiameterFile, readLammpsData } from '../io/lammps-data.js';
import { WCA } from '../potentials.js';
import { inherentStructure } from '../sim/inherent-structure.js';
import { MdSimulation, type MdState } from '../sim/md.js';
import { systemFromFrame, ThermalProtocol, toFrameSchedule, velocitiesAllZero, type ProtocolPosition } from '../sim/protocol.js';
import { Rng } from '../sim/rng.js';
import { createRandomSystem } from '../sim/setup.js';
import { assignVelocities, makeSystem, type ParticleSystem } from '../sim/system.js';
import { JobCancelledError, type JobContext } from './job.js';
import { type ClosableKernelTeam } from './kernel-team.js';
import {
  APPLICATION, openGsdForResume, readCheckpoint, SOFTWARE_VERSION, writeCheckpoint, writeHoomdFrame, writeJsonAtomic,
} from './simulate-output.js';
import { checkResumeParams, inherentStructurePath, physicsParams, type SimulateResult, type ThermalParams } from './simulate-params.js';
import {
  checkpointPath, describeStart, fmtDuration, indexSchedule, loadIndex, sidecarPath, teamFor, wrapped, yieldToEventLoop, type TypeInfo,
} from './simulate-run.js';
// ---------------------------------------------------------------------------------------------------------------------
// Thermal and NVE runs

interface ThermalCheckpoint {
  kind: 'thermal' | 'nve';
  params: Record<string, unknown>;
  position: ProtocolPosition;
  md: MdState;
  frames: number;
  isFrames: number;
  typeInfo: TypeInfo;
  timings: { wallSeconds: number; mdSeconds: number; isSeconds: number };
  unconverged: number;
  startedAt: string;
}

/** Build the starting particle system and its random stream. */
async function startSystem(p: ThermalParams): Promise<{ system: ParticleSystem; rng: Rng; typeInfo: TypeInfo; note: string }> {
  const s = p.start;
  if (s.kind === 'random') {
    const first = p.equilSteps > 0 ? p.Tp : (p.T ?? p.Tp);
    const { system, rng, overlap } = createRandomSystem({ n: s.n, density: s.density, polydispersity: s.polydispersity, temperature: first, seed: p.seed });
    return {
      system, rng, typeInfo: { typeid: new Uint32Array(system.n), types: ['A'] },
      note: `random start: ${system.n} particles, overlap removal in ${overlap.iterations} iterations (closest pair ${overlap.minRatio.toFixed(3)} sigma_ij)`,
    };
  }
  let system: ParticleSystem;
  let typeInfo: TypeInfo;
  let note: string;
  if (s.kind === 'data') {
    const src = new FileSource(s.path);
    let data;
    try {
      data = readLammpsData(src);
    } finally {
      src.close();
    }
    const table = parseDiameterFile(readFileSync(s.diameters), s.diameters);
    system = makeSystem(lammpsDataToSystemInit(data, diametersForIds(table, data.ids, s.diameters)));
    let maxType = 1;
    for (let i = 0; i < system.n; i++) maxType = Math.max(maxType, system.types[i]);
    typeInfo = { typeid: Uint32Array.from(system.types, (t) => t - 1), types: Array.from({ length: maxType }, (_v, k) => String(k + 1)) };
    note = `LAMMPS data ${s.path} (${system.n} atoms, diameters from ${s.diameters})`;
  } else {
    const { openIndexed } = await loadIndex();
    const t = openIndexed(s.path, { indexDir: p.indexDir });
    try {
      const k = s.frame < 0 ? t.frameCount + s.frame : s.frame;
      if (!(k >= 0 && k < t.frameCount)) throw new Error(`${s.path}: frame ${s.frame} does not exist (${t.frameCount} frames)`);
      const frame = t.readFrame(k);
      system = systemFromFrame(frame, s.path);
      const names = frame.typeNames;
      let maxType = 0;
      for (let i = 0; i < system.n; i++) maxType = Math.max(maxType, system.types[i]);
      if (names && names.length > maxType) {
        typeInfo = { typeid: Uint32Array.from(system.types), types: names.slice() };
      } else {
        let minType = Infinity;
        for (let i = 0; i < system.n; i++) minType = Math.min(minType, system.types[i]);
        const base = Number.isFinite(minType) ? Math.min(minType, 0) : 0;
        typeInfo = {
          typeid: Uint32Array.from(system.types, (x) => x - base),
          types: Array.from({ length: maxType - base + 1 }, (_v, q) => String(q + base)),
        };
      }
      note = `frame ${k} (step ${frame.timestep}) of ${s.path}`;
    } finally {
      t.close();
    }
  }
  const rng = new Rng(p.seed);
  const first = p.equilSteps > 0 ? p.Tp : p.T;
  if (first !== null && (p.kind === 'nve' ? p.T !== null : velocitiesAllZero(system.velocities))) {
    assignVelocities(system, first, rng);
    note += `, Maxwell velocities at T = ${first}`;
  }
  return { system, rng, typeInfo, note };
}

export async function runThermal(p: ThermalParams, ctx: JobContext): Promise<SimulateResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const ckpt = checkpointPath(p.out);
  const sidecar = sidecarPath(p.out);
  const isOut = p.inherentStructures ? inherentStructurePath(p.out) : null;
  const protoOptions = {
    parentTemperature: p.Tp, temperature: p.T ?? 0, equilSteps: p.equilSteps, twSteps: p.twSteps, schedule: p.schedule,
    production: p.production,
  };
  let sim: MdSimulation;
  let team: ClosableKernelTeam | undefined;
  let proto: ThermalProtocol;
  let typeInfo: TypeInfo;
  let mdW: GsdWriter;
  let isW: GsdWriter | null = null;
  let prior = { wallSeconds: 0, mdSeconds: 0, isSeconds: 0 };
  let unconverged = 0;
  let startNote: string;
  let startedAt = new Date().toISOString();
  if (p.resume) {
    if (!existsSync(ckpt)) {
      throw new Error(`simulate: ${ckpt} does not exist: nothing to resume${existsSync(sidecar) ? ' (the run may be complete; see its sidecar)' : ''}`);
    }
    const c = readCheckpoint<ThermalCheckpoint>(ckpt);
    if (c.kind !== p.kind) throw new Error(`simulate: ${ckpt} is the checkpoint of a ${c.kind} run, not ${p.kind}`);
    checkResumeParams(p, c.params, ckpt);
    team = await teamFor(p, c.md.n);
    sim = MdSimulation.fromState(c.md, { team });
    proto = new ThermalProtocol(protoOptions, c.position);
    typeInfo = c.typeInfo;
    prior = c.timings;
    unconverged = c.unconverged;
    startedAt = c.startedAt;
    mdW = openGsdForResume(p.out, c.frames);
    if (isOut) {
      try {
        isW = openGsdForResume(isOut, c.isFrames);
      } catch (e) {
        mdW.close();
        throw e;
      }
    }
    startNote = `resumed from ${ckpt} at frame ${c.frames}`;
  } else {
    if (existsSync(ckpt)) throw new Error(`simulate: ${ckpt} exists: pass resume (--resume) to continue that run, or delete it to start over`);
    const st = await startSystem(p);
    typeInfo = st.typeInfo;
    startNote = st.note;
    team = await teamFor(p, st.system.n);
    sim = new MdSimulation(st.system, { dt: p.dt, skin: p.skin, rng: st.rng, integrator: 'nve', team });
    proto = new ThermalProtocol(protoOptions);
    mdW = GsdWriter.create(p.out, { application: APPLICATION });
    if (isOut) isW = GsdWriter.create(isOut, { application: APPLICATION });
  }
  const n = sim.n;
  const dims = sim.dimensions;
  const frameSchedule = toFrameSchedule(p.schedule, p.dt);
  const chunk = p.chunkSteps ?? Math.min(1000, Math.max(100, Math.round(1e6 / n)));
  const stepsAtStart = proto.stepsDone;
  let mdSeconds = 0;
  let isSeconds = 0;
  const resumed = p.resume;

  const writeSidecar = (status: 'running' | 'complete' | 'cancelled'): void => {
    writeJsonAtomic(sidecar, {
      format: 'avalanche-workbench/simulation',
      version: 1,
      software: { name: 'avalanche-workbench', version: SOFTWARE_VERSION },
      kind: p.kind,
      status,
      parameters: physicsParams(p),
      seed: p.seed,
      start: { ...describeStart(p.start), note: startNote },
      system: { n, dimensions: dims, box: { origin: sim.box.origin, vectors: sim.box.vectors }, potential: 'wca', dt: p.dt, skin: p.skin, threads: sim.threads },
      protocol: {
        parentTemperature: p.equilSteps > 0 ? p.Tp : null,
        equilibrationSteps: p.equilSteps,
        temperature: p.T,
        agingSteps: p.twSteps,
        production: p.production,
        thermostat: 'isokinetic (Brown & Clarke): equilibration, aging' + (p.production === 'isokinetic' ? ', production' : '; production NVE'),
        productionStartStep: proto.preProductionSteps,
        note: 'GSD configuration/step is the production step S (frame 0 at S = 0 of the production unless the schedule has no block origins); log/md_step is the MD step counted from the start of equilibration',
      },
      schedule: { production: p.schedule, index: frameSchedule, frames: proto.frameCount, steps: proto.frameSteps() },
      files: { trajectory: basename(p.out), inherentStructures: isOut ? basename(isOut) : null, checkpoint: basename(ckpt), note: 'relative to this sidecar' },
      inherentStructures: isOut ? { method: p.isMethod, ftol: p.ftol, criterion: 'max |F_i|', precision: 'float64 positions, box and diameters' } : null,
      log: {
        potential_energy: 'total potential energy U (not per particle)',
        kinetic_temperature: '2K / (dN - d)',
        stress: 'pressure-like virial stress per unit area, (N T delta_ab + W_ab) / A with the kinetic temperature (src/core/analysis/stress.ts convention); IS: T = 0',
      },
      framesWritten: mdW.frameCount,
      timings: {
        startedAt,
        updatedAt: new Date().toISOString(),
        wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000,
        mdSeconds: prior.mdSeconds + mdSeconds,
        isSeconds: prior.isSeconds + isSeconds,
      },
      unconvergedInherentStructures: unconverged,
      warnings,
    });
  };

  const saveCheckpoint = (): void => {
    mdW.flush();
    isW?.flush();
    const c: ThermalCheckpoint = {
      kind: p.kind, params: physicsParams(p), position: proto.position, md: sim.saveState(), frames: mdW.frameCount,
      isFrames: isW ? isW.frameCount : 0, typeInfo, unconverged, startedAt,
      timings: {
        wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000,
        mdSeconds: prior.mdSeconds + mdSeconds, isSeconds: prior.isSeconds + isSeconds,
      },
    };
    writeCheckpoint(ckpt, c as unknown as Record<string, unknown>);
  };

  const writeFrame = (): void => {
    const f = mdW.frameCount;
    const S = proto.frameStep(f);
    const { positions, images } = sim.wrappedPositions();
    const stress = sim.stress('ideal');
    const common = { step: S, box: sim.box, dimensions: dims, diameters: sim.diameters, typeid: typeInfo.typeid, types: typeInfo.types };
    writeHoomdFrame(mdW, {
      ...common, positions, images, velocities: p.velocities ? sim.velocities : null,
      log: {
        potential_energy: sim.potentialEnergy(), kinetic_temperature: sim.temperature(),
        stress_xx: stress.xx, stress_yy: stress.yy, stress_xy: stress.xy, time: S * p.dt, md_step: sim.timestep,
      },
    }, f === 0);
    if (isW) {
      const t0 = performance.now();
      const is = inherentStructure(positions, sim.diameters, sim.box, { method: p.isMethod, ftol: p.ftol, dimensions: dims, skin: p.skin });
      if (!is.converged) unconverged++;
      const w = wrapped(is.positions, sim.box, dims, images);
      let sxx = NaN, syy = NaN, sxy = NaN;
      if (dims === 2) {
        const s = virialStress({ positions: w.positions, box: sim.box, sizes: WCA.sizesFromDiameters(sim.diameters), potential: WCA, temperature: 0, perParticle: false }).global;
        sxx = s.xx; syy = s.yy; sxy = s.xy;
      }
      writeHoomdFrame(isW, {
        ...common, positions: w.positions, images: w.images, precision: 'double',
        log: {
          potential_energy: is.energy, max_force: is.maxForce, iterations: is.iterations, converged: is.converged ? 1 : 0,
          stress_xx: sxx, stress_yy: syy, stress_xy: sxy, time: S * p.dt, md_step: sim.timestep,
        },
      }, isW.frameCount === 0);
      isSeconds += (performance.now() - t0) / 1000;
    }
  };

  let lastMessage = 0;
  const report = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastMessage < 100) return;
    lastMessage = now;
    const done = proto.stepsDone;
    const total = proto.totalSteps;
    const stepsRun = done - stepsAtStart;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? stepsRun / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const pos = proto.position;
    const phase = pos.phase === 'equilibrate' ? `equilibrating at T_p ${p.Tp}` : pos.phase === 'age' ? 'aging' : pos.phase === 'produce' ? `frame ${pos.frame}/${proto.frameCount}` : 'done';
    ctx.progress(done, total,
      `${phase} · ${Math.round(rate)} steps/s (${(rate * n / 1e6).toFixed(1)} M atom-steps/s) · ETA ${fmtDuration(eta)} · T ${sim.temperature().toFixed(3)} · U/N ${(sim.potentialEnergy() / n).toFixed(4)}`);
  };

  let finished = false;
  try {
    writeSidecar('running');
    let indexed = resumed;
    while (!proto.done) {
      if (ctx.signal.aborted) {
        saveCheckpoint();
        writeSidecar('cancelled');
        throw new JobCancelledError('simulate');
      }
      const t0 = performance.now();
      const r = proto.advance(sim, chunk);
      mdSeconds += (performance.now() - t0) / 1000;
      if (r.frameDue) {
        writeFrame();
        proto.frameWritten();
        const frames = mdW.frameCount;
        report(true);
        if (!indexed && p.index) {
          await indexSchedule(p.out, frameSchedule, p.indexDir, warnings);
          if (isOut) await indexSchedule(isOut, frameSchedule, p.indexDir, warnings);
          indexed = true;
        }
        if (p.checkpointEvery > 0 && frames % p.checkpointEvery === 0 && !proto.done) {
          saveCheckpoint();
          writeSidecar('running');
        }
      }
      report();
      await yieldToEventLoop();
    }
    report(true);
    finished = true;
  } finally {
    mdW.close();
    isW?.close();
    await team?.close();
  }
  if (finished) {
    rmSync(ckpt, { force: true });
    writeSidecar('complete');
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const steps = proto.stepsDone - stepsAtStart;
  return {
    kind: p.kind, out: p.out, isOut, sidecar, n, frames: proto.frameCount, isFrames: isOut ? proto.frameCount : 0,
    steps, totalSteps: proto.totalSteps, resumed, wallSeconds, mdSeconds, isSeconds,
    atomStepsPerSecond: wallSeconds > 0 ? (n * steps) / wallSeconds : 0,
    mdAtomStepsPerSecond: mdSeconds > 0 ? (n * steps) / mdSeconds : 0,
    final: { temperature: sim.temperature(), potentialEnergy: sim.potentialEnergy() },
    unconverged, warnings,
  };
}
