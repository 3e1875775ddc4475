// The analysis commands end to end (avw series / field / detect / correlate) on a generated trajectory with a
// planted avalanche: a triangular-lattice glass rattling in place, where at frame 40 a cluster of particles moves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import { mulberry32 as rng } from '../../src/core/util/random.js';
import { runAvw } from './run-avw.js';

const work = mkdtempSync(join(tmpdir(), 'avw-acli-'));
const indexDir = join(work, 'index');
const file = join(work, 'planted.gsd');
const N_SIDE = 16, FRAMES = 60, JUMP = 40;
afterAll(() => rmSync(work, { recursive: true, force: true }));


beforeAll(() => {
  const a = 1.05, n = N_SIDE * N_SIDE, Lx = N_SIDE * a, Ly = N_SIDE * a * Math.sqrt(3) / 2;
  const base = new Float64Array(3 * n);
  for (let j = 0; j < N_SIDE; j++) for (let i = 0; i < N_SIDE; i++) {
    const k = j * N_SIDE + i;
    base[3 * k] = (i + 0.5 * (j % 2)) * a - Lx / 2;
    base[3 * k + 1] = j * a * Math.sqrt(3) / 2 - Ly / 2;
  }
  const r = rng(11);
  const w = GsdWriter.create(file);
  const pos = new Float64Array(3 * n);
  const vel = new Float32Array(3 * n);
  for (let f = 0; f < FRAMES; f++) {
    for (let k = 0; k < n; k++) {
      // After the jump, particles within 2.5 of the centre sit displaced by 0.5 along x: a localized rearrangement.
      const moved = f >= JUMP && Math.hypot(base[3 * k], base[3 * k + 1]) < 2.5 ? 0.5 : 0;
      pos[3 * k] = base[3 * k] + moved + (r() - 0.5) * 0.02;
      pos[3 * k + 1] = base[3 * k + 1] + (r() - 0.5) * 0.02;
      vel[3 * k] = (r() - 0.5); vel[3 * k + 1] = (r() - 0.5);
    }
    w.writeFrame({ step: 100 * f, box: [Lx, Ly, 1, 0, 0, 0], dimensions: 2, positions: pos, diameter: new Float32Array(n).fill(1), velocity: vel });
  }
  w.close();
});

const avw = (...args: string[]) => runAvw(args, { indexDir });

describe('analysis commands', () => {
  it('avw series: MSD jumps at the planted frame; stress and energy need a potential', () => {
    const r = avw('series', file, '--name', 'msd', '--json');
    expect(r.status).toBe(0);
    expect(r.json.name).toBe('msd');
    expect(r.json.frames).toHaveLength(FRAMES);
    expect(r.json.values[0]).toBe(0);
    const jump = r.json.values[JUMP] - r.json.values[JUMP - 1];
    const noise = r.json.values[JUMP - 1] - r.json.values[JUMP - 2];
    expect(jump).toBeGreaterThan(100 * Math.abs(noise));
    const stress = avw('series', file, '--name', 'stress_xy', '--potential', 'wca', '--temperature', '0.2', '--json');
    expect(stress.status).toBe(0);
    expect(stress.json.values.every((v: number) => Number.isFinite(v))).toBe(true);
    const energy = avw('series', file, '--name', 'energy', '--potential', 'wca', '--json');
    expect(energy.json.values[0]).toBeGreaterThan(0);
    const missing = avw('series', file, '--name', 'energy', '--json');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--potential wca or hertz/);
  });

  it('avw field: D2min lights up the moved cluster; vectors and flags as documented', () => {
    const r = avw('field', file, '--frame', String(JUMP), '--ref', String(JUMP - 1), '--name', 'd2min', '--cutoff', '2.0', '--json');
    expect(r.status).toBe(0);
    expect(r.json.ids).toHaveLength(N_SIDE * N_SIDE);
    const v: number[] = r.json.values;
    const sorted = [...v].sort((x, y) => y - x);
    expect(sorted[0]).toBeGreaterThan(50 * sorted[Math.floor(v.length / 2)]);
    const na = avw('field', file, '--frame', String(JUMP), '--ref', String(JUMP - 1), '--name', 'na', '--cutoff', '2.0', '--json');
    expect(na.json.values[0]).toHaveLength(2);
    const disp = avw('field', file, '--frame', String(JUMP), '--ref', '0', '--name', 'displacement', '--json');
    const mags = disp.json.values.map((u: number[]) => Math.hypot(u[0], u[1]));
    expect(Math.max(...mags)).toBeGreaterThan(0.45);
    const soft = avw('field', file, '--frame', '3', '--name', 'softness', '--json');
    expect(soft.status).toBe(0);
    expect(soft.json.ref).toBe(-1);
    const mob = avw('field', file, '--frame', '0', '--name', 'mobility', '--json');
    expect(mob.status).toBe(1);
    expect(mob.stderr).toMatch(/mobility needs a previous frame/);
  });

  it('avw detect finds the planted jump and stores it as a detector tag', () => {
    const r = avw('detect', file, '--json');
    expect(r.status).toBe(0);
    expect(r.json.candidates.map((c: { frame: number }) => c.frame)).toContain(JUMP);
    const c = r.json.candidates.find((x: { frame: number }) => x.frame === JUMP);
    expect(c.before).toBeLessThan(JUMP);
    expect(c.after).toBeGreaterThanOrEqual(JUMP);
    const tags = avw('tags', file, '--json').json.tags;
    expect(tags).toContainEqual(expect.objectContaining({ frame: JUMP, kind: 'candidate', source: 'detector' }));
    // Running it again changes nothing.
    expect(avw('detect', file, '--json').json).toMatchObject({ added: 0, removed: 0 });
  });

  it('avw correlate returns symmetric matrices with a unit diagonal', () => {
    const r = avw('correlate', file, '--frame', String(JUMP), '--ref', String(JUMP - 1), '--cutoff', '2.0', '--names', 'd2min,e_norm,eps_vol_abs', '--json');
    expect(r.status).toBe(0);
    expect(r.json.names).toEqual(['d2min', 'e_norm', 'eps_vol_abs']);
    for (const m of [r.json.pearson, r.json.spearman]) {
      for (let a = 0; a < 3; a++) {
        expect(m[a][a]).toBeCloseTo(1, 12);
        for (let b = 0; b < 3; b++) expect(m[a][b]).toBeCloseTo(m[b][a], 12);
      }
    }
    expect(r.json.pearson[0][1]).toBeGreaterThan(0.3);
  });
});
