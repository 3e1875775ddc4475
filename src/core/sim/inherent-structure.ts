// Inherent structures (Jha & Sengupta: "energy-minimized configurations, also known as inherent structures"): the local
// potential-energy minimum reached from a configuration by minimization, here of the WCA system by default.
// Pure (no Node, no DOM).
import type { Box } from '../box.js';
import { WCA, type PairPotential } from '../potentials.js';
import { conjugateGradient, fire, type CgOptions, type FireOptions, type MinimizeResult, type StopReason } from './minimize.js';
import { VerletPairForces } from './forces.js';

export interface InherentStructureOptions {
  /** 'cg' (default: the paper's conjugate gradient) or 'fire'. */
  method?: 'fire' | 'cg';
  /** Force tolerance on max_i |F_i| (default 1e-10). */
  ftol?: number;
  /** 'max' (default) or 'two' (LAMMPS's Euclidean norm of the whole force vector). */
  criterion?: 'max' | 'two';
  /** Default 100 000. */
  maxIterations?: number;
  /** The pair potential (default WCA with eps = 1); its sizes are derived from the diameters (Hertz radii = d/2). */
  potential?: PairPotential;
  /** 2 (default) or 3. */
  dimensions?: 2 | 3;
  /** Verlet skin (default 0.3). */
  skin?: number;
  /** Extra minimizer parameters (FIRE time steps, CG line-search constant, ...). */
  fire?: FireOptions;
  cg?: CgOptions;
}

export interface InherentStructure {
  /** Minimized positions, n*3 (z copied from the input in 2D); not re-wrapped: each particle moves continuously. */
  positions: Float64Array;
  /** Total potential energy U at the minimum. */
  energy: number;
  iterations: number;
  forceEvaluations: number;
  converged: boolean;
  reason: StopReason;
  /** max_i |F_i| at the returned positions. */
  maxForce: number;
  /** Euclidean norm of the whole force vector. */
  forceNorm: number;
}

/**
 * FIRE parameters for the WCA glass of the thermal-avalanche paper: those of the LAMMPS reference (`min_style fire` with
 * the MD time step 0.003, so dtMax = 10 dt = 0.03; maxStep = LAMMPS dmax 0.1). With them our FIRE 2.0 retraces LAMMPS's
 * minimization of the reference configuration (same iteration count, same minimum); larger dtMax is unstable for WCA.
 */
export const WCA_FIRE_DEFAULTS: Readonly<FireOptions> = { dt: 0.003, dtMax: 0.03 };

/** Minimize a configuration of the pair system (WCA by default) to max |F_i| < ftol. */
export function inherentStructure(
  positions: Float64Array, diameters: ArrayLike<number>, box: Box, options: InherentStructureOptions = {},
): InherentStructure {
  const potential = options.potential ?? WCA;
  const system = new VerletPairForces({
    potential, sizes: potential.sizesFromDiameters(diameters), box, dimensions: options.dimensions ?? 2, skin: options.skin, layout: 'packed',
  });
  const x = system.pack(positions);
  const common = { ftol: options.ftol ?? 1e-10, criterion: options.criterion ?? 'max', maxIterations: options.maxIterations ?? 100_000 };
  let r: MinimizeResult;
  const method = options.method ?? 'cg';
  if (method === 'fire') {
    const tuned = potential.name === 'wca' ? WCA_FIRE_DEFAULTS : {};
    r = fire(system, x, { ...tuned, ...options.fire, ...common });
  } else if (method === 'cg') {
    r = conjugateGradient(system, x, { ...options.cg, ...common });
  } else {
    throw new RangeError(`inherentStructure: unknown method "${method as string}" (cg, fire)`);
  }
  const out = Float64Array.from(positions);
  system.unpack(x, out);
  system.dispose(); // its kernel memory serves the next frame's engine
  return {
    positions: out, energy: r.energy, iterations: r.iterations, forceEvaluations: r.forceEvaluations,
    converged: r.converged, reason: r.reason, maxForce: r.maxForce, forceNorm: r.forceNorm,
  };
}
