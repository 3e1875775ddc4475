// The `simulate` job: thermal MD of the polydisperse WCA glass (Jha & Sengupta Sec. II, protocol.ts), plain NVE from a
// configuration, and athermal quasistatic shear of Hertzian disks (Zhang, Ridout & Liu Sec. II A, aqs.ts), written as
// HOOMD GSD trajectories (simulate-output.ts) that are valid after every frame, with a sidecar `<out>.json`, periodic
// checkpoints `<out>.checkpoint` and bit-identical resumes. Parts: simulate-params.ts (parameters), simulate-thermal.ts,
// simulate-aqs.ts (the runs), simulate-run.ts and simulate-output.ts (files, index, helpers).
//
// Files of a run with --out run.gsd:
//   run.gsd             MD frames (float32, HOOMD schema; log/potential_energy (total U), log/kinetic_temperature,
//                       log/stress_xx, log/stress_yy, log/stress_xy (pressure-like sign, ideal-gas term rho T with the
//                       kinetic temperature: the convention of src/core/analysis/stress.ts), log/time, log/md_step)
//   run.is.gsd          (with inherent structures) the minimized frames, paired frame for frame (same steps), positions
//                       and box in float64; log/potential_energy (IS energy), log/max_force, log/iterations,
//                       log/converged, log/stress_* (T = 0)
//   run.gsd.json        sidecar: parameters, seed, software version, schedule, frame steps, timings, status
//   run.gsd.checkpoint  while running: everything to resume (removed when the run completes)
//
// Resume: the checkpoint holds MdSimulation.saveState() (or AqsRun.saveState()), the protocol position (phase, step,
// next frame), the frame counts and the timings. `resume` reopens the trajectories truncated to the checkpoint's frame
// counts and continues; because the engine's resume is bit-identical and chunking does not change the integration,
// the resumed trajectory equals an uninterrupted run's frame for frame, byte for byte.
import type { JobDefinition } from './job.js';
import { gsdFrameCount } from './simulate-output.js';
import { runAqs } from './simulate-aqs.js';
import { validateSimulateParams, type SimulateParams, type SimulateResult } from './simulate-params.js';
import { runThermal } from './simulate-thermal.js';

export * from './simulate-params.js';

export const simulateJob: JobDefinition<SimulateParams, SimulateResult> = {
  kind: 'simulate',
  validate: validateSimulateParams,
  async run(params, ctx) {
    const r = params.kind === 'aqs' ? await runAqs(params, ctx) : await runThermal(params, ctx);
    if (r.kind === 'aqs') r.frames = gsdFrameCount(r.out);
    return r;
  },
};
