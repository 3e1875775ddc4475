// Positions of LAMMPS dump frames from every combination of coordinate columns: for each axis any subset of the four
// kinds (x, xs, xu, xsu), 16^3 = 4096 column sets, each a frame of one file (the column set changes from frame to
// frame, in a shuffled column order), in a tilted 3D box and an orthogonal one, without and with image flags.
// The expected outcome follows the rules of src/core/io/lammps-coordinates.ts, written out independently here; the
// expected numbers are the particles' true coordinates, from which the columns were written.
// Regression: a frame with xs but plain y and z (no x column) used to come out with x = 0 for every particle.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orthoBox, triclinicBox, type Box } from '../../../src/core/box.js';
import { FileSource } from '../../../src/core/io/file-source.js';
import { LammpsDumpReader } from '../../../src/core/io/lammps-dump.js';
import { TrajectoryError, type FrameEntry } from '../../../src/core/io/types.js';
import { mulberry32 } from '../../../src/core/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'avw-coords-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KINDS = ['', 's', 'u', 'su'] as const; // x, xs, xu, xsu
const AXES = ['x', 'y', 'z'] as const;
const N = 5;
// Dyadic numbers: the bounding-box bounds, the box the reader recovers and the coordinates below are exact.
const TILTED = triclinicBox([-1.5, 2, -3], 10, 8, 6, 2.5, -1.25, 0.75);
const ORTHO = orthoBox(10, 8, 6, [-1.5, 2, -3]);

/** The particles' truth: wrapped fractional coordinates strictly inside the box and image flags. */
function particles(seed: number): { s: number[][]; img: number[][] } {
  const r = mulberry32(seed);
  const s = Array.from({ length: N }, () => [0, 1, 2].map(() => 0.05 + 0.9 * r()));
  const img = Array.from({ length: N }, () => [0, 1, 2].map(() => Math.floor(r() * 5) - 2));
  return { s, img };
}

function cart(box: Box, s: number[]): number[] {
  const [a, b, c] = box.vectors;
  const o = box.origin;
  return [o[0] + s[0] * a[0] + s[1] * b[0] + s[2] * c[0], o[1] + s[1] * b[1] + s[2] * c[1], o[2] + s[2] * c[2]];
}

function header(box: Box, timestep: number, columns: string[]): string {
  const [a, b, c] = box.vectors;
  const [xy, xz, yz] = [b[0], c[0], c[1]];
  const [xlo, ylo, zlo] = box.origin;
  const tilted = xy !== 0 || xz !== 0 || yz !== 0;
  const bounds = [
    [xlo + Math.min(0, xy, xz, xy + xz), xlo + a[0] + Math.max(0, xy, xz, xy + xz), xy],
    [ylo + Math.min(0, yz), ylo + b[1] + Math.max(0, yz), xz],
    [zlo, zlo + c[2], yz],
  ].map((l) => (tilted ? l : l.slice(0, 2)).join(' '));
  return `ITEM: TIMESTEP\n${timestep}\nITEM: NUMBER OF ATOMS\n${N}\nITEM: BOX BOUNDS ${tilted ? 'xy xz yz ' : ''}pp pp pp\n${bounds.join('\n')}\nITEM: ATOMS ${columns.join(' ')}\n`;
}

interface Case {
  /** Per axis, a bit mask of the kinds present (bit k: KINDS[k]). */
  kinds: number[];
  images: boolean;
}

/** Truth of one frame: with no z column at all the frame is 2D (s_z = 0, i_z = 0, z = 0). */
function truth(box: Box, p: { s: number[][]; img: number[][] }, zRequired: boolean) {
  const s = p.s.map((v) => (zRequired ? v : [v[0], v[1], 0]));
  const img = p.img.map((v) => (zRequired ? v : [v[0], v[1], 0]));
  const wrapped = s.map((v) => cart(box, v));
  const unwrapped = s.map((v, i) => cart(box, [v[0] + img[i][0], v[1] + img[i][1], v[2] + img[i][2]]));
  if (!zRequired) for (const r of [...wrapped, ...unwrapped]) r[2] = 0;
  return { s, img, wrapped, unwrapped };
}

function frameText(box: Box, timestep: number, c: Case, p: { s: number[][]; img: number[][] }, order: () => number): string {
  const zRequired = c.kinds[2] !== 0;
  const t = truth(box, p, zRequired);
  const cols: { name: string; value: (i: number) => number }[] = [{ name: 'id', value: (i) => i + 1 }, { name: 'type', value: () => 1 }];
  for (let a = 0; a < 3; a++) {
    for (let k = 0; k < 4; k++) {
      if ((c.kinds[a] & (1 << k)) === 0) continue;
      const value = [
        (i: number) => t.wrapped[i][a],
        (i: number) => t.s[i][a],
        (i: number) => t.unwrapped[i][a],
        (i: number) => t.s[i][a] + t.img[i][a],
      ][k];
      cols.push({ name: AXES[a] + KINDS[k], value });
    }
    if (c.images) cols.push({ name: `i${AXES[a]}`, value: (i) => t.img[i][a] });
  }
  // Shuffle the column order (Fisher-Yates with the fixed-seed generator).
  for (let i = cols.length - 1; i > 0; i--) {
    const j = Math.floor(order() * (i + 1));
    [cols[i], cols[j]] = [cols[j], cols[i]];
  }
  let text = header(box, timestep, cols.map((col) => col.name));
  for (let i = 0; i < N; i++) text += cols.map((col) => String(col.value(i))).join(' ') + '\n';
  return text;
}

type Expected =
  | { error: RegExp }
  | { kind: 'wrapped' | 'unwrapped'; positions: number[][]; unwrapped: number[][] | null };

/** The rules, written out: see the header of src/core/io/lammps-coordinates.ts. */
function expected(box: Box, c: Case, p: { s: number[][]; img: number[][] }): Expected {
  const has = (a: number, k: number) => (c.kinds[a] & (1 << k)) !== 0;
  const zRequired = c.kinds[2] !== 0;
  const axes = zRequired ? [0, 1, 2] : [0, 1];
  for (const a of [0, 1]) if (c.kinds[a] === 0) return { error: new RegExp(`expected a column for the ${AXES[a]} coordinate|has none`) };
  const t = truth(box, p, zRequired);
  const hasWrapped = (a: number) => has(a, 0) || has(a, 1);
  const hasUnwrapped = (a: number) => has(a, 2) || has(a, 3);
  const tilt = (a: number, b: number) => box.vectors[b][a] !== 0;
  // An axis's unwrapped coordinate is known from an unwrapped column or an image flag, once every higher axis that the
  // tilt couples to it is known (the z axis varies in the truth, so a missing one is never "flat").
  const known: boolean[] = [];
  for (let a = 2; a >= 0; a--) {
    if (!axes.includes(a)) {
      known[a] = true;
      continue;
    }
    known[a] = (hasUnwrapped(a) || c.images) && axes.filter((b) => b > a && tilt(a, b)).every((b) => known[b]);
  }
  const allKnown = axes.every((a) => known[a]);
  const complete = (k: number) => axes.every((a) => has(a, k));
  const unwrapped = allKnown ? t.unwrapped : null;
  if (complete(0) || complete(1)) return { kind: 'wrapped', positions: t.wrapped, unwrapped };
  if (complete(2) || complete(3)) return { kind: 'unwrapped', positions: t.unwrapped, unwrapped: t.unwrapped };
  // Axis by axis: an axis with unwrapped columns only is wrapped into the box, which needs its unwrapped fractional
  // coordinate, hence every higher coupled axis's unwrapped one.
  for (const a of [...axes].reverse()) {
    if (hasWrapped(a)) continue;
    if (!axes.filter((b) => b > a && tilt(a, b)).every((b) => known[b])) return { error: new RegExp(`cannot wrap ${AXES[a]}s?u.* into the triclinic box`) };
  }
  if (axes.every((a) => !hasWrapped(a))) return { kind: 'unwrapped', positions: t.unwrapped, unwrapped: t.unwrapped };
  return { kind: 'wrapped', positions: t.wrapped, unwrapped };
}

/** Largest |got - want| over every coordinate. */
function worstError(got: Float64Array, want: number[][]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) for (let a = 0; a < 3; a++) worst = Math.max(worst, Math.abs(got[3 * i + a] - want[i][a]));
  return got.length === 3 * want.length ? worst : Infinity;
}

function allCases(images: boolean): Case[] {
  const out: Case[] = [];
  for (let m = 0; m < 4096; m++) out.push({ kinds: [m & 15, (m >> 4) & 15, (m >> 8) & 15], images });
  return out;
}

function check(box: Box, images: boolean, seed: number): { frames: number; errors: number; mixed: number } {
  const cases = allCases(images);
  const order = mulberry32(seed);
  const p = particles(seed + 1);
  const path = join(dir, `combos-${seed}.lammpstrj`);
  writeFileSync(path, cases.map((c, f) => frameText(box, f, c, p, order)).join(''));
  const reader = new LammpsDumpReader(new FileSource(path));
  const entries: FrameEntry[] = [];
  let errors = 0, mixed = 0;
  try {
    const scan = reader.scan({ onFrames: (e) => entries.push(...e) });
    expect(scan.damage).toBeNull();
    expect(entries).toHaveLength(cases.length);
    for (let f = 0; f < cases.length; f++) {
      const c = cases[f];
      const exp = expected(box, c, p);
      const label = `frame ${f}: ${[0, 1, 2].map((a) => [0, 1, 2, 3].filter((k) => c.kinds[a] & (1 << k)).map((k) => AXES[a] + KINDS[k]).join('/') || `no ${AXES[a]}`).join(', ')}${images ? ' + images' : ''}`;
      if ('error' in exp) {
        errors++;
        let err: unknown = null;
        try {
          reader.readFrame(entries[f], f);
        } catch (e) {
          err = e;
        }
        expect(err, label).toBeInstanceOf(TrajectoryError);
        const m = (err as Error).message;
        expect(m, label).toMatch(exp.error);
        // The file, the frame and the line of its ITEM: ATOMS header.
        expect(m, label).toContain(`${path}: frame ${f}, line ${f * (9 + N) + 9} `);
        continue;
      }
      const fr = reader.readFrame(entries[f], f);
      if (![0, 1, 2, 3].some((k) => [0, 1, 2].every((a) => (c.kinds[a] & (1 << k)) !== 0 || (a === 2 && c.kinds[2] === 0)))) mixed++;
      expect(fr.positionsKind, label).toBe(exp.kind);
      expect(worstError(fr.positions, exp.positions), label).toBeLessThan(1e-9);
      if (exp.unwrapped === null) expect(fr.unwrapped, label).toBeNull();
      else expect(fr.unwrapped ? worstError(fr.unwrapped, exp.unwrapped) : Infinity, `${label}: unwrapped`).toBeLessThan(1e-9);
      expect(fr.dimensions, label).toBe(c.kinds[2] === 0 ? 2 : 3);
    }
  } finally {
    reader.close();
  }
  return { frames: cases.length, errors, mixed };
}

describe('LAMMPS positions from any mix of coordinate columns', () => {
  it('a tilted 3D box, no image flags: 4096 column sets, frame after frame', () => {
    const r = check(TILTED, false, 11);
    // Missing x or y: 16 * 16 + 16 * 16 - 16 * 1 sets; then mixed sets that need a tilt-coupled unwrapped axis.
    expect(r.errors).toBeGreaterThan(16 * 16 * 2 - 16);
    expect(r.mixed).toBeGreaterThan(1000);
  });

  it('a tilted 3D box with image flags', () => {
    const r = check(TILTED, true, 12);
    expect(r.errors).toBe(16 * 16 * 2 - 16);
  });

  it('an orthogonal box: only a missing x or y is an error', () => {
    const r = check(ORTHO, false, 13);
    expect(r.errors).toBe(16 * 16 * 2 - 16);
  });

  it('xs with plain y and z (the reported case) gives x through the box, never zeros', () => {
    const p = particles(3);
    const text = frameText(TILTED, 0, { kinds: [2, 1, 1], images: false }, p, mulberry32(4));
    const path = join(dir, 'reported.lammpstrj');
    writeFileSync(path, text);
    const reader = new LammpsDumpReader(new FileSource(path));
    try {
      const entries: FrameEntry[] = [];
      reader.scan({ onFrames: (e) => entries.push(...e) });
      const fr = reader.readFrame(entries[0], 0);
      const t = truth(TILTED, p, true);
      for (let i = 0; i < N; i++) {
        expect(fr.positions[3 * i]).not.toBe(0);
        expect(fr.positions[3 * i]).toBeCloseTo(t.wrapped[i][0], 12);
      }
      expect(fr.positionsKind).toBe('wrapped');
      expect(fr.unwrapped).toBeNull();
      expect(fr.warnings).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it('a frame without any coordinate column names the file, frame and line', () => {
    const path = join(dir, 'none.lammpstrj');
    writeFileSync(path, 'ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type vx\n1 1 0.5\n');
    const reader = new LammpsDumpReader(new FileSource(path));
    try {
      const entries: FrameEntry[] = [];
      reader.scan({ onFrames: (e) => entries.push(...e) });
      expect(() => reader.readFrame(entries[0], 0)).toThrow(`${path}: frame 0, line 9 (byte 79, the ITEM: ATOMS line): expected coordinate columns (x y z, xs ys zs, xu yu zu or xsu ysu zsu) but the ITEM: ATOMS line has none`);
    } finally {
      reader.close();
    }
  });
});
