// The vibrational analysis end to end (avw modes, avw series --name lambda_min, avw field --name soft_modes|lowest_mode)
// on a two-frame LAMMPS dump made from the oracle's N = 64 WCA configurations: frame 0 the minimized positions (an
// inherent structure, section E's eigenvalues), frame 1 the unrelaxed frame0 (not a minimum: a warning).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LammpsDumpWriter } from '../../src/core/io/lammps-dump-writer.js';
import { expectClose, loadOracle, tol, xyz } from '../core/physics-oracle.js';
import { runAvw } from './run-avw.js';

const work = mkdtempSync(join(tmpdir(), 'avw-modes-cli-'));
const indexDir = join(work, 'index');
const file = join(work, 'oracle64.lammpstrj');
const f = loadOracle(64);
const sec = f.sections.E_potentials_hessian;
const expected = (sec.expected.wca as unknown as { minimized: { smallest_positive_eigenvalues: number[]; lambda_smallest: number; lambda_max: number } }).minimized;
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const n = f.inputs.N, L = f.inputs.L;
  const w = new LammpsDumpWriter(file, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 17 });
  const box = { origin: [0, 0, -0.5] as [number, number, number], vectors: [[L, 0, 0], [0, L, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]], periodic: [true, true, true] as [boolean, boolean, boolean] };
  const ids = Int32Array.from({ length: n }, (_, i) => i + 1), types = new Int32Array(n).fill(1);
  const diameter = Float64Array.from(f.inputs.diameters);
  for (const [step, positions] of [[0, f.inputs.minimized_positions.wca], [1, f.inputs.frame0]] as const) {
    const p = xyz(positions);
    for (let i = 0; i < n; i++) for (let a = 0; a < 2; a++) p[3 * i + a] = ((p[3 * i + a] % L) + L) % L;
    w.append({ timestep: step, box, ids, types, positions: p, properties: { diameter } });
  }
  w.close();
});

const avw = (...args: string[]) => runAvw(args, { indexDir });

describe('avw modes', () => {
  it('an inherent structure: the oracle eigenvalues, lambda_smallest, zero and negative modes, lambda_max; no warning', () => {
    const r = avw('modes', file, '--frame', '0', '--potential', 'wca', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['frame', 'potential', 'count', 'eigenvalues', 'lambdaSmallest', 'zeroModes', 'negativeModes', 'lambdaMax', 'maxForce']);
    expect(v).toMatchObject({ frame: 0, potential: 'wca', count: 30, zeroModes: 2, negativeModes: 0 });
    expectClose(v.eigenvalues as number[], expected.smallest_positive_eigenvalues, tol(sec, 'eigenvalues'), 'eigenvalues');
    expectClose(v.lambdaSmallest as number, expected.lambda_smallest, tol(sec, 'lambda_smallest'), 'lambda_smallest');
    expectClose(v.lambdaMax as number, expected.lambda_max, tol(sec, 'eigenvalues'), 'lambda_max');
  });

  it('a frame that is not a minimum: a warning with max |F|, and the spectrum all the same', () => {
    const r = avw('modes', file, '--frame', '1', '--count', '10', '--json');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/frame 1 is not a minimum \(max \|F\| = [0-9.]+e[+-]\d+, \d+ negative mode\(s\)\)/);
    const v = JSON.parse(r.stdout) as { eigenvalues: number[]; negativeModes: number; count: number };
    expect(v.count).toBe(10);
    expect(v.eigenvalues.length).toBe(10);
    expect(v.negativeModes).toBeGreaterThan(0);
  });

  it('bad input: one line naming the option', () => {
    expect(avw('modes', file, '--frame', '0', '--potential', 'lj').stderr).toMatch(/--potential must be wca or hertz/);
    expect(avw('modes', file, '--frame', '7').stderr).toMatch(/--frame must be a frame of .*, 0\.\.\d+ \(got 7\)/);
    expect(avw('modes', file).status).toBe(2);
  });
});

describe('lambda_min series and soft-mode fields', () => {
  it('avw series --name lambda_min: lambda_smallest per frame (frame 0 = the oracle value)', () => {
    // Measured on inherent structures (the paired FILE.is.EXT by default); --is FILE takes this file's frames as they are.
    const r = avw('series', file, '--name', 'lambda_min', '--potential', 'wca', '--is', file, '--json');
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout) as { values: number[] };
    expect(v.values.length).toBe(2);
    expectClose(v.values[0], expected.lambda_smallest, tol(sec, 'lambda_smallest'), 'lambda_min[0]');
    expect(avw('series', file, '--name', 'lambda_min', '--json').stderr).toMatch(/needs the pair potential of the system: --potential wca or hertz/);
  });

  it('avw field --name soft_modes / lowest_mode: participation with mean 1, the lowest mode as a vector with mean |e|^2 = 1', () => {
    const p = JSON.parse(avw('field', file, '--frame', '0', '--name', 'soft_modes', '--modes', '10', '--json').stdout) as { values: number[]; parameters: Record<string, unknown> };
    expect(p.values.length).toBe(64);
    expect(p.values.reduce((s, x) => s + x, 0) / 64).toBeCloseTo(1, 5);
    expect(p.parameters).toMatchObject({ potential: 'wca', modes: 10 });
    const e = JSON.parse(avw('field', file, '--frame', '0', '--name', 'lowest_mode', '--json').stdout) as { values: number[][] };
    expect(e.values.length).toBe(64);
    expect(e.values.reduce((s, [x, y]) => s + x * x + y * y, 0) / 64).toBeCloseTo(1, 5);
  });
});
