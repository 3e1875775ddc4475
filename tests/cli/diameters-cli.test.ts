// Energy and stress of a LAMMPS dump that has no diameter column (Jha & Sengupta Fig. 1b-d from a user's own run):
// the diameters come from a per-id table (--diameters FILE, as LAMMPS users keep them) or per type (--type-diameters),
// are remembered in the index for that trajectory, and reproduce LAMMPS's own energy and pressure at that step.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir, FIXTURES } from '../main/helpers.js';
import { runAvw } from './run-avw.js';

const root = tmpDir('avw-diameters-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bench = join(FIXTURES, 'lammps-bench');

function avw(...args: string[]): { status: number; stdout: string; stderr: string; json: { values: number[] } } {
  const r = runAvw(args, { indexDir: join(root, 'index') });
  return { ...r, json: (r.json as { values: number[] } | null) ?? { values: [] } };
}

/** LAMMPS's own thermo output at step 975 of this run (small.log): potential energy per atom and pressure. */
const LAMMPS_PE = 0.25444175920041;
const LAMMPS_PRESS = 4.52558480529423;
const LAMMPS_TEMP = 0.19626618159577;
const AREA = 47.14045207910317 ** 2;

describe('diameters for a file that stores none', () => {
  it('asks for them, then takes a per-id table once and remembers it for later commands', () => {
    const dump = join(root, 'nve975.lammpstrj');
    copyFileSync(join(bench, 'traj_small_nve_step975.lammpstrj'), dump);
    const missing = avw('series', dump, '--name', 'energy', '--potential', 'wca', '--json');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no particle diameters .* --diameters FILE \(rows "id diameter"\) or --type-diameters 1:1.0,2:1.4/);
    const energy = avw('series', dump, '--name', 'energy', '--potential', 'wca', '--diameters', join(bench, 'diameters.txt'), '--json');
    expect(energy.status, energy.stderr).toBe(0);
    expect(energy.json.values[0]).toBeCloseTo(LAMMPS_PE, 9);
    // Remembered: the stress needs no flag any more. Its volumetric part is LAMMPS's pressure but for the kinetic term:
    // rho T (Jha & Sengupta Eq. 3) where LAMMPS takes dof T / (d A) = (N - 1) T / A, i.e. T / A less.
    const press = avw('series', dump, '--name', 'stress_vol', '--potential', 'wca', '--json');
    expect(press.status, press.stderr).toBe(0);
    expect(press.json.values[0]).toBeCloseTo(LAMMPS_PRESS + LAMMPS_TEMP / AREA, 9);
    const info = avw('info', dump);
    expect(info.stdout).toMatch(/diameters +2000 per-id diameters from .*diameters.txt/);
  });

  it('takes per-type diameters, and names a type it lacks and a table that does not parse', () => {
    const dump = join(root, 'nve975-types.lammpstrj');
    copyFileSync(join(bench, 'traj_small_nve_step975.lammpstrj'), dump);
    // Every particle's diameter is its type's in this run: the per-type map from the table and the dump's types.
    const diameterOf = new Map(readFileSync(join(bench, 'diameters.txt'), 'utf8').split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(/\s+/).map(Number) as [number, number]));
    const types = new Map<number, number>();
    for (const line of readFileSync(dump, 'utf8').split('\n').slice(9)) {
      const [id, type] = line.split(' ').map(Number);
      if (Number.isFinite(id) && Number.isFinite(type)) types.set(type, diameterOf.get(id)!);
    }
    const spec = [...types].map(([t, d]) => `${t}:${d}`).join(',');
    const energy = avw('series', dump, '--name', 'energy', '--potential', 'wca', '--type-diameters', spec, '--json');
    expect(energy.status, energy.stderr).toBe(0);
    expect(energy.json.values[0]).toBeCloseTo(LAMMPS_PE, 9);
    const lacking = avw('series', join(root, 'nve975.lammpstrj'), '--name', 'energy', '--potential', 'wca', '--type-diameters', '1:1.0', '--json');
    expect(lacking.status).toBe(1);
    expect(lacking.stderr).toMatch(/no diameter for particle type \d+ \(id \d+\); the per-type diameters name 1/);
    const bad = avw('series', dump, '--name', 'energy', '--potential', 'wca', '--type-diameters', '1=x', '--json');
    // Refused as the option is read (a usage error), in the option's words.
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--type-diameters must be TYPE:DIAMETER pairs separated by commas, as 1:1.0,2:1.4 \(got "1=x"\)/);
    const table = join(root, 'broken.txt');
    writeFileSync(table, '# id diameter\n1 0.9\n2\n');
    const broken = avw('series', dump, '--name', 'energy', '--potential', 'wca', '--diameters', table, '--json');
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/broken.txt.*expected "id diameter"/);
  });
});
