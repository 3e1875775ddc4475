// The AQS runs of the simulate job: athermal quasistatic shear of Hertzian disks (Zhang, Ridout & Liu Sec. II A),
// avalanches followed by steepest descent, with checkpoints and bit-identical resumes.
import { existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { virialStress } from '../analysis/stress.js';
import { GsdWriter } from '../io/gsd-writer.js';
import { HERTZ } from '../potentials.js';
import { AqsRun, type AqsState } from '../sim/aqs.js';
import { JobCancelledError, type JobContext } from './job.js';
import {
  APPLICATION, openGsdForResume, readCheckpoint, SOFTWARE_VERSION, writeCheckpoint, writeHoomdFrame, writeJsonAtomic,
} from './simulate-output.js';
import { checkResumeParams, physicsParams, type AqsParams, type SimulateResult } from './simulate-params.js';
import { checkpointPath, fmtDuration, sidecarPath, wrapped, yieldToEventLoop } from './simulate-run.js';
// ---------------------------------------------------------------------------------------------------------------------
// Athermal quasistatic shear

interface AqsCheckpoint {
  kind: 'aqs';
  params: Record<string, unknown>;
  aqs: AqsState;
  frames: number;
  drops: number;
  avalancheFrames: number;
  timings: { wallSeconds: number; mdSeconds: number; isSeconds: number };
  startedAt: string;
}

export async function runAqs(p: AqsParams, ctx: JobContext): Promise<SimulateResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const ckpt = checkpointPath(p.out);
  const sidecar = sidecarPath(p.out);
  let run: AqsRun;
  let w: GsdWriter;
  let drops = 0;
  let avalancheFrames = 0;
  let prior = { wallSeconds: 0, mdSeconds: 0, isSeconds: 0 };
  let startedAt = new Date().toISOString();
  let minSeconds = 0;
  let initialNote = '';
  if (p.resume) {
    if (!existsSync(ckpt)) throw new Error(`simulate: ${ckpt} does not exist: nothing to resume`);
    const c = readCheckpoint<AqsCheckpoint>(ckpt);
    if (c.kind !== 'aqs') throw new Error(`simulate: ${ckpt} is the checkpoint of a ${String(c.kind)} run, not aqs`);
    checkResumeParams(p, c.params, ckpt);
    run = AqsRun.fromState(c.aqs);
    w = openGsdForResume(p.out, c.frames);
    drops = c.drops;
    avalancheFrames = c.avalancheFrames;
    prior = c.timings;
    startedAt = c.startedAt;
    initialNote = `resumed from ${ckpt} at strain step ${run.step}`;
  } else {
    if (existsSync(ckpt)) throw new Error(`simulate: ${ckpt} exists: pass resume (--resume) to continue that run, or delete it to start over`);
    const t0 = performance.now();
    run = AqsRun.fromRandom({
      n: p.n, seed: p.seed, packingFraction: p.packingFraction, strainStep: p.strainStep, minimizer: p.minimizer, ftol: p.ftol,
      followAvalanches: p.follow, frameSpacing: p.frameSpacing, dropCriterion: p.dropCriterion,
    });
    minSeconds += (performance.now() - t0) / 1000;
    const im = run.initialMinimization;
    initialNote = im ? `initial minimization: ${im.iterations} iterations, max|F| ${im.maxForce.toExponential(2)}${im.converged ? '' : ` (NOT converged: ${im.reason})`}` : '';
    w = GsdWriter.create(p.out, { application: APPLICATION });
  }
  const n = run.numParticles;
  const radii = run.radii;
  const diameters = radii.map((r) => 2 * r);
  const small = Math.min(...radii);
  const typeid = Uint32Array.from(radii, (r) => (r === small ? 0 : 1));
  const types = ['S', 'L'];
  const stepsAtStart = run.step;

  const frame = (positions3: Float64Array, log: Record<string, number>): void => {
    const box = run.box;
    const wp = wrapped(positions3, box, 2);
    const s = virialStress({ positions: wp.positions, box, sizes: radii, potential: HERTZ, temperature: 0, perParticle: false }).global;
    writeHoomdFrame(w, {
      step: log.shear_step, box, dimensions: 2, positions: wp.positions, images: wp.images, diameters, typeid, types,
      log: { ...log, stress_xx: s.xx, stress_yy: s.yy, stress_xy: s.xy },
    }, w.frameCount === 0);
  };

  const writeSidecar = (status: 'running' | 'complete' | 'cancelled'): void => {
    writeJsonAtomic(sidecar, {
      format: 'avalanche-workbench/simulation',
      version: 1,
      software: { name: 'avalanche-workbench', version: SOFTWARE_VERSION },
      kind: 'aqs',
      status,
      parameters: physicsParams(p),
      seed: p.seed,
      system: {
        n, dimensions: 2, radii: [0.5, 0.7], packingFraction: p.packingFraction, potential: 'hertz: u = (1 - r/(R_i + R_j))^2.5',
        box: { lx: run.box.vectors[0][0], ly: run.box.vectors[1][1] },
      },
      protocol: {
        note: 'random start minimized to a jammed state (frame 0, shear_step 0); each strain step: affine simple shear with Lees-Edwards boundaries (box tilt), then minimization; an energy drop is followed by steepest descent with frames equidistant in configuration space',
        initial: initialNote,
      },
      schedule: {
        index: { kind: 'explicit', dt: null },
        note: 'configuration/step is the strain step; avalanche frames of step k have step k and log/avalanche_index >= 0 (the regular frame of a step has -1)',
      },
      log: {
        potential_energy: 'total energy U', strain: 'applied shear strain', shear_step: 'strain step', avalanche_index: 'index of the steepest-descent frame within the avalanche (-1: the minimized state of the step)',
        relax_time: 'overdamped time since the start of the relaxation (sum of step sizes)', drop: '1 when the step was an energy drop',
        energy_change: 'energy change from the previous step (step frames)', stress: 'pressure-like virial stress per unit area at T = 0 (mechanical shear stress = -stress_xy)',
      },
      files: { trajectory: basename(p.out), checkpoint: basename(ckpt), note: 'relative to this sidecar' },
      framesWritten: w.frameCount,
      strainSteps: run.step,
      drops,
      avalancheFrames,
      timings: {
        startedAt, updatedAt: new Date().toISOString(),
        wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000, minimizationSeconds: prior.mdSeconds + minSeconds,
      },
      warnings,
    });
  };

  const saveCheckpoint = (): void => {
    w.flush();
    const c: AqsCheckpoint = {
      kind: 'aqs', params: physicsParams(p), aqs: run.saveState(), frames: w.frameCount, drops, avalancheFrames, startedAt,
      timings: { wallSeconds: prior.wallSeconds + (performance.now() - started) / 1000, mdSeconds: prior.mdSeconds + minSeconds, isSeconds: 0 },
    };
    writeCheckpoint(ckpt, c as unknown as Record<string, unknown>);
  };

  let finished = false;
  let lastMessage = 0;
  try {
    if (w.frameCount === 0) {
      frame(run.positions(), { potential_energy: run.energy, strain: run.strain, shear_step: 0, avalanche_index: -1, relax_time: 0, drop: 0, energy_change: 0 });
    }
    writeSidecar('running');
    while (run.step < p.steps) {
      if (ctx.signal.aborted) {
        saveCheckpoint();
        writeSidecar('cancelled');
        throw new JobCancelledError('simulate');
      }
      const t0 = performance.now();
      const r = run.shearStep();
      minSeconds += (performance.now() - t0) / 1000;
      let relax = 0;
      if (r.drop) drops++;
      if (r.avalancheFrames) {
        for (const fr of r.avalancheFrames) {
          if (fr.final) {
            relax = fr.time;
            continue;
          }
          frame(fr.positions, { potential_energy: fr.energy, strain: r.strain, shear_step: r.step, avalanche_index: fr.index, relax_time: fr.time, drop: 1, energy_change: NaN });
          avalancheFrames++;
        }
      }
      if (r.step % p.every === 0 || r.drop || r.step === p.steps) {
        frame(run.positions(), { potential_energy: r.energy, strain: r.strain, shear_step: r.step, avalanche_index: -1, relax_time: relax, drop: r.drop ? 1 : 0, energy_change: r.energyChange });
      }
      if (p.checkpointEvery > 0 && r.step % p.checkpointEvery === 0 && r.step < p.steps) {
        saveCheckpoint();
        writeSidecar('running');
      }
      const now = performance.now();
      if (now - lastMessage >= 100 || run.step === p.steps) {
        lastMessage = now;
        const done = run.step - stepsAtStart;
        const elapsed = (now - started) / 1000;
        const rate = elapsed > 0 ? done / elapsed : 0;
        ctx.progress(run.step, p.steps,
          `step ${run.step}/${p.steps} · strain ${run.strain.toExponential(3)} · E ${run.energy.toExponential(4)} · ${drops} drops · ${rate.toFixed(1)} steps/s · ETA ${fmtDuration(rate > 0 ? (p.steps - run.step) / rate : NaN)}`);
      }
      await yieldToEventLoop();
    }
    finished = true;
  } finally {
    w.close();
  }
  if (finished) {
    rmSync(ckpt, { force: true });
    writeSidecar('complete');
  }
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    kind: 'aqs', out: p.out, isOut: null, sidecar, n, frames: 0, isFrames: 0, steps: run.step - stepsAtStart, totalSteps: p.steps,
    resumed: p.resume, wallSeconds, mdSeconds: minSeconds, isSeconds: 0,
    atomStepsPerSecond: wallSeconds > 0 ? (n * (run.step - stepsAtStart)) / wallSeconds : 0,
    mdAtomStepsPerSecond: minSeconds > 0 ? (n * (run.step - stepsAtStart)) / minSeconds : 0,
    final: { temperature: null, potentialEnergy: run.energy, strain: run.strain }, drops, avalancheFrames, unconverged: 0, warnings,
  };
}
