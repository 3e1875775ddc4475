// Test helper: the LAMMPS reference start of tests/fixtures/lammps-bench (2D polydisperse WCA glass at T = 0.2,
// N = 2000, rho = 0.9) as an MD particle system: positions wrapped with their image flags, velocities, diameters by id.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diametersForIds, lammpsDataToSystemInit, parseDiameterFile, parseLammpsData } from '../../../src/core/io/lammps-data.js';
import { makeSystem, type ParticleSystem } from '../../../src/core/sim/system.js';

export const LAMMPS_FIXTURES = fileURLToPath(new URL('../../fixtures/lammps-bench/', import.meta.url));

export function loadLammpsStart(): ParticleSystem {
  const data = parseLammpsData(readFileSync(join(LAMMPS_FIXTURES, 'start_T0.2.data')), 'start_T0.2.data');
  const table = parseDiameterFile(readFileSync(join(LAMMPS_FIXTURES, 'diameters.txt')), 'diameters.txt');
  return makeSystem(lammpsDataToSystemInit(data, diametersForIds(table, data.ids, 'diameters.txt')));
}
