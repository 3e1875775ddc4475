// `avw export` end to end: frames with our fields written as a HOOMD GSD file, read back with our GSD reader (the
// fields appear as file:log/particles/NAME), compared with what the registry gives for each frame (`avw field` reads
// the same), and read by the Python gsd package when it is installed.
// The trajectory: a triangular-lattice glass rattling in place where, at frame JUMP, a cluster moves (as analysis-cli).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getField, resolveField } from '../../src/core/fields/field.js';
import { TrajectorySet } from '../../src/core/fields/frames.js';
import { validateExportParams } from '../../src/core/jobs/export-job.js';
import { FileSource } from '../../src/core/io/file-source.js';
import { GsdReader } from '../../src/core/io/gsd.js';
import { GsdWriter } from '../../src/core/io/gsd-writer.js';
import type { Frame, FrameEntry } from '../../src/core/io/types.js';
import { mulberry32 as rng } from '../../src/core/util/random.js';
import { runAvw } from './run-avw.js';

const work = mkdtempSync(join(tmpdir(), 'avw-export-'));
const indexDir = join(work, 'index');
const file = join(work, 'planted.gsd');
const N_SIDE = 12, N = N_SIDE * N_SIDE, FRAMES = 8, JUMP = 5;
const A = 1.05, LX = N_SIDE * A, LY = (N_SIDE * A * Math.sqrt(3)) / 2;
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  const base = new Float64Array(3 * N);
  for (let j = 0; j < N_SIDE; j++) for (let i = 0; i < N_SIDE; i++) {
    const k = j * N_SIDE + i;
    base[3 * k] = (i + 0.5 * (j % 2)) * A - LX / 2;
    base[3 * k + 1] = (j * A * Math.sqrt(3)) / 2 - LY / 2;
  }
  const r = rng(7);
  const w = GsdWriter.create(file);
  const pos = new Float64Array(3 * N);
  const vel = new Float32Array(3 * N);
  for (let f = 0; f < FRAMES; f++) {
    for (let k = 0; k < N; k++) {
      const moved = f >= JUMP && Math.hypot(base[3 * k], base[3 * k + 1]) < 2.5 ? 0.5 : 0;
      pos[3 * k] = base[3 * k] + moved + (r() - 0.5) * 0.02;
      pos[3 * k + 1] = base[3 * k + 1] + (r() - 0.5) * 0.02;
      vel[3 * k] = r() - 0.5;
      vel[3 * k + 1] = r() - 0.5;
    }
    w.writeFrame({
      step: 100 * f, box: [LX, LY, 1, 0, 0, 0], dimensions: 2, positions: pos, velocity: vel,
      diameter: Float32Array.from({ length: N }, (_, i) => (i % 2 ? 1.4 : 1)), typeid: Array.from({ length: N }, (_, i) => i % 2), types: ['A', 'B'],
    });
  }
  w.close();
});

const avw = (...args: string[]) => runAvw(args, { indexDir });

/** Every frame of a GSD file, read with our reader. */
function readAll(path: string): Frame[] {
  const reader = new GsdReader(new FileSource(path));
  const entries: FrameEntry[] = [];
  reader.scan({ onFrames: (batch) => entries.push(...batch) });
  const frames = entries.map((e, i) => reader.readFrame(e, i));
  reader.close();
  return frames;
}

/** A field as the registry gives it (the index's cache, else computed: what `avw field` prints), flat in id order. */
function fieldValues(path: string, name: string, frame: number, options: { ref?: number; params?: Record<string, unknown> } = {}): number[] {
  const set = new TrajectorySet({ indexDir });
  try {
    const source = set.get(path);
    const r = resolveField({ name, frame, ref: options.ref, params: options.params }, source.t.frameCount, path);
    return Array.from(getField(source, r, (p) => set.get(p)).values);
  } finally {
    set.close();
  }
}

/** The values of a property column pair or single column of a frame, interleaved like the field. */
function columns(frame: Frame, names: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < frame.n; i++) for (const name of names) out.push(frame.properties[name][i]);
  return out;
}

describe('avw export', () => {
  const out = join(work, 'fields.gsd');
  let frames: Frame[] = [];
  let input: Frame[] = [];

  it('writes every frame with the fields as log/particles/NAME; frame 0 of a pair field is NaN with a warning', () => {
    const r = avw('export', file, '--fields', 'd2min,e_norm,displacement,file:vx', '--cutoff', '2.0', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ out, from: 0, to: FRAMES, frames: FRAMES, n: N });
    expect(r.json.fields).toEqual([
      { name: 'd2min', chunk: 'log/particles/d2min', components: 1 },
      { name: 'e_norm', chunk: 'log/particles/e_norm', components: 1 },
      { name: 'displacement', chunk: 'log/particles/displacement', components: 2 },
      { name: 'file:vx', chunk: 'log/particles/vx', components: 1 },
    ]);
    // e_norm comes with d2min from one fit (the strain family): from the cache after d2min.
    expect(r.json.cached).toBe(FRAMES - 1);
    expect(r.json.fromFile).toBe(FRAMES);
    for (const name of ['d2min', 'e_norm', 'displacement']) expect(r.stderr).toMatch(new RegExp(`warning: ${name}: no reference frame \\(the previous frame\\) for frame\\(s\\) 0; written as NaN`));
    expect(existsSync(`${out}.partial`)).toBe(false);

    frames = readAll(out);
    input = readAll(file);
    expect(frames).toHaveLength(FRAMES);
    for (let f = 0; f < FRAMES; f++) {
      const a = input[f];
      const b = frames[f];
      expect(b.timestep).toBe(a.timestep);
      expect(b.n).toBe(N);
      expect(b.dimensions).toBe(2);
      expect(b.box.vectors).toEqual(a.box.vectors);
      expect(b.typeNames).toEqual(['A', 'B']);
      expect(Array.from(b.types)).toEqual(Array.from(a.types));
      expect(Array.from(b.properties.diameter)).toEqual(Array.from(a.properties.diameter));
      expect(Array.from(b.properties.vx)).toEqual(Array.from(a.properties.vx));
      // Wrapped into the box with image flags: the same unwrapped positions (float32).
      for (let i = 0; i < 3 * N; i++) expect(Math.abs(b.unwrapped![i] - a.positions[i])).toBeLessThan(1e-5);
      const keys = Object.keys(b.properties).filter((k) => k.startsWith('log/particles/')).sort();
      expect(keys).toEqual(['log/particles/d2min', 'log/particles/displacement[0]', 'log/particles/displacement[1]', 'log/particles/e_norm', 'log/particles/vx']);
    }
    for (const k of ['log/particles/d2min', 'log/particles/e_norm', 'log/particles/displacement[0]']) expect(frames[0].properties[k].every(Number.isNaN)).toBe(true);
    expect(Array.from(frames[3].properties['log/particles/vx'])).toEqual(Array.from(input[3].properties.vx));
  });

  it('holds exactly what avw field gives, frame by frame; the file offers the fields as file:log/particles/NAME', () => {
    for (const f of [1, JUMP]) {
      expect(columns(frames[f], ['log/particles/d2min'])).toEqual(fieldValues(file, 'd2min', f, { params: { cutoff: 2 } }));
      expect(columns(frames[f], ['log/particles/e_norm'])).toEqual(fieldValues(file, 'e_norm', f, { params: { cutoff: 2 } }));
      expect(columns(frames[f], ['log/particles/displacement[0]', 'log/particles/displacement[1]'])).toEqual(fieldValues(file, 'displacement', f));
    }
    // The moved cluster lights up at the jump.
    const d2 = frames[JUMP].properties['log/particles/d2min'];
    const sorted = Float64Array.from(d2).sort();
    expect(sorted[N - 1]).toBeGreaterThan(20 * sorted[N >> 1]);
    // Opened again, the exported file colours by its own logs.
    const field = avw('field', out, '--frame', String(JUMP), '--name', 'file:log/particles/d2min', '--json');
    expect(field.status, field.stderr).toBe(0);
    expect(field.json.values.map((v: number | null) => v ?? NaN)).toEqual(Array.from(d2));
  });

  it('exports a slice of frames against a fixed reference, without warnings', () => {
    const slice = join(work, 'slice.gsd');
    const r = avw('export', file, '--fields', 'displacement,mobility', '--frames', '2:5', '--ref', 'fixed:0', '--out', slice, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.json).toMatchObject({ from: 2, to: 5, frames: 3, warnings: [] });
    const got = readAll(slice);
    expect(got.map((f) => f.timestep)).toEqual([200, 300, 400]);
    expect(columns(got[1], ['log/particles/displacement[0]', 'log/particles/displacement[1]'])).toEqual(fieldValues(file, 'displacement', 3, { ref: 0 }));
    // Mobility keeps its own rule (the previous frame, Eqs. 10-11): frame 2 of the input has one.
    expect(columns(got[0], ['log/particles/mobility'])).toEqual(fieldValues(file, 'mobility', 2));
  });

  it('refuses bad requests with one line naming the problem', () => {
    const x = join(work, 'x.gsd');
    const bad = (raw: Record<string, unknown>, message: RegExp): void => {
      expect(() => validateExportParams({ path: file, out: x, fields: ['d2min'], ...raw })).toThrow(message);
    };
    bad({ fields: [] }, /--fields must list at least one field/);
    bad({ fields: ['d2min', 'nope'] }, /unknown field "nope" in --fields/);
    bad({ fields: ['d2min', 'file:log/particles/d2min'] }, /would both be written as log\/particles\/d2min/);
    bad({ out: join(work, 'x.txt') }, /--out must name a \.gsd file/);
    bad({ out: file }, /is the input trajectory/);
    bad({ from: 5, to: 5 }, /--frames 5:5 is empty/);
    bad({ fields: ['mobility'], params: { cutoff: '2' } }, /--cutoff does not apply to mobility/);
    bad({ params: { cutoff: '-1' } }, /d2min: --cutoff must be a number > 0/);
    bad({ reference: { mode: 'lag', lag: 0 } }, /--ref lag:L needs a lag L/);
    // On the command line: usage errors exit 2, the rest 1, always as one line; no file is left behind.
    const cli = (args: string[], status: number, message: RegExp): void => {
      const r = avw('export', file, ...args);
      expect(r.status, r.stderr).toBe(status);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    };
    cli(['--fields', 'd2min', '--frames', '5', '--out', x], 2, /avw export: --frames must be A:B/);
    cli(['--fields', 'd2min', '--frames', '9:12', '--out', x], 1, new RegExp(`avw export: --frames 9:12 starts past the end of .*planted\\.gsd \\(${FRAMES} frames`));
    cli(['--fields', 'd2min', '--ref', 'fixed:99', '--out', x], 1, /avw export: --ref fixed:99: .* has no frame 99/);
    expect(existsSync(x)).toBe(false);
    expect(existsSync(`${x}.partial`)).toBe(false);
  });

  const python = '/usr/bin/python3';
  const hasGsd = existsSync(python) && spawnSync(python, ['-c', 'import gsd.hoomd'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasGsd)('is read by the Python gsd package: per-particle logs N x components beside the schema', () => {
    const script = join(work, 'check.py');
    writeFileSync(script, [
      'import json, sys, math, gsd.hoomd',
      'with gsd.hoomd.open(sys.argv[1], "rb") as t:',
      '    f0, f = t[0], t[' + JUMP + ']',
      '    out = {"frames": len(t), "N": int(f.particles.N), "dimensions": int(f.configuration.dimensions), "types": list(f.particles.types),',
      '           "logs": {k: [str(v.dtype), list(v.shape)] for k, v in f.log.items()},',
      '           "nan0": bool(all(math.isnan(x) for x in f0.log["particles/d2min"])),',
      '           "d2min": [float(x) for x in f.log["particles/d2min"]]}',
      'print(json.dumps(out))',
    ].join('\n'));
    const r = spawnSync(python, [script, out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got).toMatchObject({ frames: FRAMES, N, dimensions: 2, types: ['A', 'B'], nan0: true });
    expect(got.logs).toEqual({
      'particles/d2min': ['float32', [N]], 'particles/e_norm': ['float32', [N]], 'particles/displacement': ['float32', [N, 2]], 'particles/vx': ['float32', [N]],
    });
    expect(got.d2min).toEqual(Array.from(frames[JUMP].properties['log/particles/d2min']));
  });
});
