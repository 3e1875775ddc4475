// `avw betti` and `avw series --name betti1` end to end, on the oracle's N = 200 configuration (section H: GUDHI's
// Rips persistence at alpha = 1.3 and 2.0; a WCA inherent structure with noise, so not a minimum) written as a
// LAMMPS dump: the counts exactly, the intervals within the oracle's tolerance, the warning naming max|F|.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LammpsDumpWriter } from '../../src/core/io/lammps-dump-writer.js';
import { runAvw } from './run-avw.js';

const root = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'avw-tcli-'));
const indexDir = join(work, 'index');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface OracleH { alpha: number; n_h1_birth_le_alpha: number; betti1_at_alpha: number; n_h1_births_including_zero_length: number; n_edges: number; h1_pairs: [number, number | null][] }
const oracle = JSON.parse(readFileSync(join(root, 'tests/fixtures/oracle/betti_N200.json'), 'utf8')) as {
  inputs: { N: number; L: number; diameters: number[]; frame0: number[][] };
  sections: { H_betti1_rips: { expected: OracleH[]; tolerance: { pair_values: { abs: number; rel: number } } } };
};
const { N, L } = oracle.inputs;
const H = oracle.sections.H_betti1_rips;

/** The oracle's frame as a trajectory of `frames` identical frames (box [0, L]^2, the points are wrapped into it). */
function writeOracle(path: string, frames: number): void {
  const positions = new Float64Array(3 * N);
  oracle.inputs.frame0.forEach(([x, y], i) => { positions[3 * i] = x; positions[3 * i + 1] = y; });
  const w = new LammpsDumpWriter(path, { columns: ['id', 'type', 'x', 'y', 'z', 'diameter'], dimensions: 2, digits: 17 });
  try {
    for (let f = 0; f < frames; f++) {
      w.append({
        timestep: 10 * f, box: { origin: [0, 0, -0.5], vectors: [[L, 0, 0], [0, L, 0], [0, 0, 1]], periodic: [true, true, true] },
        ids: Int32Array.from({ length: N }, (_, i) => i + 1), types: new Int32Array(N).fill(1), positions,
        properties: { diameter: Float64Array.from(oracle.inputs.diameters) },
      });
    }
  } finally {
    w.close();
  }
}

const md = join(work, 'oracle.lammpstrj');
const is = join(work, 'oracle.is.lammpstrj');
writeOracle(md, 2);
writeOracle(is, 2);

const avw = (...args: string[]) => runAvw(args, { indexDir });

describe('avw betti', () => {
  for (const alpha of [1.3, 2.0]) {
    it(`alpha = ${alpha}: the oracle's three counts and every interval; a warning names max|F|`, () => {
      const e = H.expected.find((x) => x.alpha === alpha)!;
      const r = avw('betti', md, '--frame', '1', '--alpha', String(alpha), '--json');
      expect(r.status).toBe(0);
      expect(Object.keys(r.json)).toEqual([
        'frame', 'n', 'alpha', 'periodic', 'bornBelowAlpha', 'aliveAtAlpha', 'cycleEdges', 'edges', 'components', 'pairs', 'potential', 'maxForce', 'minimum',
      ]);
      expect(r.json).toMatchObject({
        frame: 1, n: N, alpha, periodic: false, bornBelowAlpha: e.n_h1_birth_le_alpha, aliveAtAlpha: e.betti1_at_alpha,
        cycleEdges: e.n_h1_births_including_zero_length, edges: e.n_edges, potential: 'wca', minimum: false,
      });
      const tol = H.tolerance.pair_values;
      expect(r.json.pairs).toHaveLength(e.h1_pairs.length);
      e.h1_pairs.forEach(([b, d], t) => {
        const [ab, ad] = r.json.pairs[t] as [number, number | null];
        expect(Math.abs(ab - b)).toBeLessThanOrEqual(tol.abs + tol.rel * Math.abs(b));
        if (d === null) expect(ad).toBeNull();
        else expect(Math.abs((ad as number) - d)).toBeLessThanOrEqual(tol.abs + tol.rel * Math.abs(d));
      });
      expect(r.json.maxForce).toBeGreaterThan(1e-3);
      expect(r.stderr).toContain(`avw betti: warning: ${md}: frame 1 is not an inherent structure: max|F| = ${Number(r.json.maxForce).toPrecision(3)} under the WCA potential`);
      expect(r.stderr).toContain(`its inherent structures are in ${is}`);
    }, 60_000);
  }

  it('prints a table without --json; --periodic and --potential are honoured; bad input is one line', () => {
    const t = avw('betti', md, '--frame', '0', '--alpha', '2');
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/^frame 0 of .*oracle\.lammpstrj: N = 200, alpha = 2 \(plain distances\)/);
    expect(t.stdout).toMatch(/beta_1 \(born <= alpha, the paper's count\)\s+90\n/);
    const p = avw('betti', md, '--frame', '0', '--alpha', '2', '--periodic', '--potential', 'hertz', '--json');
    expect(p.status).toBe(0);
    expect(p.json).toMatchObject({ periodic: true, potential: 'hertz' });
    expect(p.json.edges).toBeGreaterThan(H.expected.find((x) => x.alpha === 2)!.n_edges);
    const bad = avw('betti', md, '--frame', '7');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`avw betti: --frame must be a frame of ${md}, 0..1 (got 7)`);
    expect(avw('betti', md).stderr.trim()).toBe('avw betti: --frame F is required');
    expect(avw('betti', md, '--frame', '0', '--alpha', '0').stderr.trim()).toBe('avw betti: --alpha must be a number > 0 and <= 10000 (got "0")');
    expect(avw('betti', md, '--frame', '0', '--potential', 'lj').status).toBe(2);
  }, 60_000);
});

describe('avw series --name betti1', () => {
  it('measures the paired inherent structures of a run, with progress-free JSON and where it measured', () => {
    const e = H.expected.find((x) => x.alpha === 2)!;
    const r = avw('series', md, '--name', 'betti1', '--alpha', '2', '--json');
    expect(r.status).toBe(0);
    expect(r.json).toEqual({ name: 'betti1', frames: [0, 1], timesteps: [0, 10], values: [e.n_h1_birth_le_alpha, e.n_h1_birth_le_alpha], measuredOn: is });
    const alive = avw('series', is, '--name', 'betti1_alive', '--alpha', '2', '--json');
    expect(alive.json.values).toEqual([e.betti1_at_alpha, e.betti1_at_alpha]);
    const cycles = avw('series', md, '--name', 'betti1_cycles', '--alpha', '2', '--periodic', '--json');
    expect(cycles.status).toBe(0);
    expect(cycles.json.values[0]).toBeGreaterThan(e.n_h1_births_including_zero_length);
  }, 60_000);

  it('without inherent structures says how to make them; --is FILE takes the frames as they are', () => {
    const lonely = join(work, 'lonely.lammpstrj');
    writeOracle(lonely, 1);
    const r = avw('series', lonely, '--name', 'betti1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`its paired ${join(work, 'lonely.is.lammpstrj')} does not exist. Make it with "avw minimize ${lonely} --out ${join(work, 'lonely.is.lammpstrj')}"`);
    const own = avw('series', lonely, '--name', 'betti1', '--alpha', '1.3', '--is', lonely, '--json');
    expect(own.status).toBe(0);
    expect(own.json).toMatchObject({ values: [H.expected.find((x) => x.alpha === 1.3)!.n_h1_birth_le_alpha], measuredOn: lonely });
    expect(avw('series', lonely, '--name', 'msd', '--alpha', '2').stderr.trim()).toBe('avw series: msd: --alpha does not apply (it takes --reference)');
  }, 60_000);
});
