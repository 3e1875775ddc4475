// The MD engine (pure: no Node, no DOM). See md.ts for the integrators and their references.
export { Rng, type RngState } from './rng.js';
export {
  assignVelocities, cloneSystem, copyBox, degreesOfFreedom, kineticEnergy, kineticTemperature, makeSystem, periodicBox,
  polydisperseDiameters, randomPositions, removeDrift, wrapPositions, type ParticleSystem, type PolydisperseOptions,
} from './system.js';
export { unpackPositions, VerletPairForces, type CoordinateLayout, type PairForcesOptions, type SymTensor } from './forces.js';
export { createRandomSystem, removeOverlaps, type OverlapRemovalOptions, type OverlapRemovalResult, type RandomSystemOptions } from './setup.js';
export { MdSimulation, type IntegratorName, type MdOptions, type MdState, type StressTensor, type Thermo } from './md.js';
