// How a simulation request becomes a worker job: the one place that knows the simulate job's kind and parameters.
import { join } from 'node:path';
import type { SimulationRequest } from '#shared/api.js';

export interface WorkerJobSpec {
  /** Job kind in the registry of src/core/jobs (run with runInWorker). */
  kind: string;
  params: unknown;
  /** What the jobs panel shows. */
  label: string;
}

/** Maps a validated simulation request and its output file to a worker job (src/core/jobs/simulate-job.ts). */
export type SimulationJobMapper = (request: SimulationRequest, out: string, indexDir?: string) => WorkerJobSpec;

const TITLES: Record<SimulationRequest['kind'], string> = { thermal: 'Thermal MD', aqs: 'AQS shear' };

/**
 * The request in the simulate job's terms (src/core/jobs/simulate-job.ts): thermal MD from a random polydisperse
 * start (n, rho -> start.density) on the log-block schedule (B, ncfg, blocks), equilibrated at Tp for `equil` steps,
 * aged `tw` steps, produced at T; AQS of n Hertzian disks for `steps` strain steps of `deps`. Parameters not given
 * take the job's defaults; the job's own validation names what is wrong.
 */
export function simulateJobParams(request: SimulationRequest, out: string, indexDir?: string): Record<string, unknown> {
  const p = request.params;
  const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (request.kind === 'aqs') {
    return defined({ kind: 'aqs', out, indexDir, seed: p.seed, n: p.n, steps: p.steps, strainStep: p.deps });
  }
  const schedule = p.B !== undefined || p.ncfg !== undefined || p.blocks !== undefined
    ? defined({ kind: 'log-block', B: p.B, nCfg: p.ncfg, blocks: p.blocks ?? 1 })
    : undefined;
  return defined({
    kind: 'thermal', out, indexDir, seed: p.seed,
    start: defined({ kind: 'random', n: p.n, density: p.rho }),
    T: p.T, Tp: p.Tp, equilSteps: p.equil, twSteps: p.tw, schedule, dt: p.dt,
    inherentStructures: p.is === true ? true : undefined,
  });
}

export const simulationJob: SimulationJobMapper = (request, out, indexDir) => {
  const shown = Object.entries(request.params).slice(0, 4).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return {
    kind: 'simulate',
    params: simulateJobParams(request, out, indexDir),
    label: `${TITLES[request.kind]}${shown ? ` (${shown})` : ''} -> ${out}`,
  };
};

/** A new output file for a simulation in the user's data directory. */
export function defaultSimulationOut(dataDir: string, kind: SimulationRequest['kind'], jobNumber: number | string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join(dataDir, 'simulations', `${kind}-${stamp}-${jobNumber}.gsd`);
}

/** The trajectory a finished simulate job wrote: from its result when it says, else the requested file. */
export function simulationOutput(result: unknown, out: string): string {
  if (result && typeof result === 'object') {
    for (const key of ['out', 'outputPath', 'path'] as const) {
      const v = (result as Record<string, unknown>)[key];
      if (typeof v === 'string' && v.length > 0) return v;
    }
  }
  return out;
}
