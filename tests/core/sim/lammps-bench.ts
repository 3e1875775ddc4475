// Test/benchmark helper: the LAMMPS reference configuration of tests/fixtures/lammps-bench (2D WCA glass, N = 2000,
// rho = 0.9; see the README there), read with the project's data-file parser: positions unwrapped with the image flags
// (ascending ids), per-atom diameters from diameters.txt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unwrapWithImages, type Box } from '../../../src/core/box.js';
import { diametersForIds, parseDiameterFile, parseLammpsData } from '../../../src/core/io/lammps-data.js';

export interface LammpsBenchConfig {
  n: number;
  /** n*3, z = 0, unwrapped (x + ix L), ascending ids. */
  positions: Float64Array;
  diameters: Float64Array;
  box: Box;
}

export const LAMMPS_BENCH_DIR = join(import.meta.dirname, '../../fixtures/lammps-bench');

/** Reference results of `lmp -in in.minimize -var style fire|cg` on this configuration (force two-norm < 1e-10). */
export const LAMMPS_MINIMIZE = {
  initialEnergyPerAtom: 0.255441110106613,
  fire: { iterations: 2561, forceEvaluations: 2571, energyPerAtom: 0.0622446838191058, seconds: 0.22 },
  cg: { iterations: 2597, forceEvaluations: 5215, energyPerAtom: 0.0622700169116866, seconds: 0.51 },
} as const;

export function loadLammpsBench(): LammpsBenchConfig {
  const data = parseLammpsData(readFileSync(join(LAMMPS_BENCH_DIR, 'start_T0.2.data')), 'start_T0.2.data');
  const table = parseDiameterFile(readFileSync(join(LAMMPS_BENCH_DIR, 'diameters.txt')), 'diameters.txt');
  const positions = data.images ? unwrapWithImages(data.box, data.positions, data.images) : data.positions.slice();
  for (let i = 0; i < data.natoms; i++) positions[3 * i + 2] = 0;
  const box: Box = { ...data.box, periodic: [true, true, false] };
  return { n: data.natoms, positions, diameters: diametersForIds(table, data.ids, 'diameters.txt'), box };
}
