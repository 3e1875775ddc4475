// The vibrational spectrum of one frame (`avw modes`): the m smallest positive Hessian eigenvalues and lambda_smallest
// (Jha & Sengupta Eq. 6), zero and negative modes, lambda_max, and how far the frame is from a minimum (max |F|).
import { vibrationalModes } from '../analysis/hessian.js';
import { frameDiameters } from '../io/frame-util.js';
import { potentialByName, type PotentialName } from '../potentials.js';
import type { JobDefinition } from './job.js';
import { withTrajectory } from './with-trajectory.js';

export interface ModesParams {
  path: string;
  indexDir?: string;
  frame: number;
  potential: PotentialName;
  count: number;
}

export interface ModesResult {
  frame: number;
  potential: PotentialName;
  count: number;
  /** The `count` smallest positive eigenvalues, ascending (fewer when the system has fewer). */
  eigenvalues: number[];
  lambdaSmallest: number | null;
  zeroModes: number;
  negativeModes: number;
  lambdaMax: number;
  /** max_i |F_i| of the frame: ~0 at a minimum (an inherent structure). */
  maxForce: number;
  rattlers: number;
  n: number;
}

export function validateModesParams(raw: unknown): ModesParams {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.path !== 'string' || !p.path) throw new Error('modes: "path" must be a file path');
  if (p.indexDir !== undefined && typeof p.indexDir !== 'string') throw new Error('modes: "indexDir" must be a directory');
  if (!(typeof p.frame === 'number' && Number.isInteger(p.frame) && p.frame >= 0)) throw new Error('modes: "frame" must be an integer >= 0');
  const potential = p.potential ?? 'wca';
  if (potential !== 'wca' && potential !== 'hertz') throw new Error(`modes: --potential must be wca or hertz (got ${JSON.stringify(potential)})`);
  const count = p.count ?? 30;
  if (!(typeof count === 'number' && Number.isInteger(count) && count >= 1 && count <= 1000)) {
    throw new Error(`modes: --count must be an integer from 1 to 1000 (got ${JSON.stringify(count)})`);
  }
  return { path: p.path, indexDir: p.indexDir as string | undefined, frame: p.frame, potential, count };
}

export const modesJob: JobDefinition<ModesParams, ModesResult> = {
  kind: 'modes',
  validate: validateModesParams,
  run(params, ctx) {
    return withTrajectory(params, ctx, (source) => {
      const t = source.t;
      if (params.frame >= t.frameCount) throw new Error(`${t.path}: frame ${params.frame} does not exist (the trajectory has ${t.frameCount} frames, 0..${t.frameCount - 1})`);
      ctx.progress(0, 1, `frame ${params.frame}`);
      const f = source.read(params.frame);
      const d = frameDiameters(f);
      if (!d) throw new Error(`${t.path}: frame ${params.frame} has no particle diameters (a diameter or radius column), which the ${params.potential} potential needs`);
      const potential = potentialByName(params.potential);
      const m = vibrationalModes(
        { positions: f.positions, box: f.box, sizes: potential.sizesFromDiameters(d), potential, dimensions: f.dimensions },
        { count: params.count, vectors: false },
      );
      ctx.progress(1, 1);
      return {
        frame: params.frame, potential: params.potential, count: params.count, eigenvalues: Array.from(m.eigenvalues),
        lambdaSmallest: Number.isFinite(m.lambdaSmallest) ? m.lambdaSmallest : null, zeroModes: m.zeroModes,
        negativeModes: m.negativeModes, lambdaMax: m.lambdaMax, maxForce: m.maxForce, rattlers: m.rattlers, n: f.n,
      };
    });
  },
};
