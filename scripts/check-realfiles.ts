// Checks the readers against real files written by other software and the facts their MANIFEST.json
// records (frame counts, timesteps, particle counts, boxes, first particles). For local verification only:
//   npx tsx scripts/check-realfiles.ts /path/to/realfiles
// The real files are not part of the project and are never committed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openReader } from '../src/core/io/open.js';
import type { FrameEntry, Frame } from '../src/core/io/types.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/check-realfiles.ts REALFILES_DIR');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as Json;
const tol = 1e-3;
let failures = 0;
let checks = 0;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function check(file: string, what: string, ok: boolean, detail = ''): void {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL ${file}: ${what} ${detail}`);
  }
}

function checkVecs(file: string, what: string, got: ArrayLike<number>[], want: number[][]): void {
  const ok = want.every((row, i) => row.every((v, j) => close(got[i][j], v)));
  check(file, what, ok, `got ${JSON.stringify(got.map((r) => Array.from(r)))} want ${JSON.stringify(want)}`);
}

function pos(frame: Frame, i: number, unwrapped = false): number[] {
  const p = unwrapped ? frame.unwrapped! : frame.positions;
  return [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
}

function checkFrame(file: string, label: string, f: Frame, exp: Json, fmt: string): void {
  if (exp.n_particles !== undefined) check(file, `${label} n`, f.n === exp.n_particles, `got ${f.n} want ${exp.n_particles}`);
  if (exp.timestep !== undefined) check(file, `${label} timestep`, f.timestep === exp.timestep, `got ${f.timestep} want ${exp.timestep}`);
  if (exp.step !== undefined) check(file, `${label} step`, f.timestep === exp.step, `got ${f.timestep} want ${exp.step}`);
  if (exp.box?.vectors) {
    checkVecs(file, `${label} box vectors`, f.box.vectors, exp.box.vectors);
    checkVecs(file, `${label} box origin`, [f.box.origin], [exp.box.origin]);
  }
  if (exp.box_vectors) checkVecs(file, `${label} box vectors`, f.box.vectors, exp.box_vectors);
  if (exp.box_vectors_nm) checkVecs(file, `${label} box vectors`, f.box.vectors, exp.box_vectors_nm);
  if (exp.lattice_vectors) checkVecs(file, `${label} lattice`, f.box.vectors, exp.lattice_vectors);
  if (exp.dimensions !== undefined) check(file, `${label} dimensions`, f.dimensions === exp.dimensions, `got ${f.dimensions}`);
  if (exp.first3_sorted_by_id) {
    for (const p of exp.first3_sorted_by_id as Json[]) {
      const i = Array.from(f.ids).indexOf(p.id);
      check(file, `${label} id ${p.id} present`, i >= 0);
      if (i >= 0) checkVecs(file, `${label} id ${p.id} position`, [pos(f, i)], [p.cartesian]);
    }
  } else if (fmt.startsWith('lammps') && exp.first3_file_order) {
    // No ids in the file: ids are 1..N in file order.
    (exp.first3_file_order as Json[]).forEach((p, i) => checkVecs(file, `${label} row ${i} position`, [pos(f, i)], [p.cartesian]));
  }
  const first3 = exp.first3_positions ?? exp.first3_positions_nm;
  if (first3) (first3 as number[][]).forEach((p, i) => checkVecs(file, `${label} particle ${i} position`, [pos(f, i)], [p]));
  if (exp.first3_unwrapped_via_image) {
    check(file, `${label} unwrapped present`, f.unwrapped !== null);
    if (f.unwrapped) (exp.first3_unwrapped_via_image as number[][]).forEach((p, i) => checkVecs(file, `${label} particle ${i} unwrapped`, [pos(f, i, true)], [p]));
  }
  if (exp.first3_species && f.typeNames) {
    check(file, `${label} species`, (exp.first3_species as string[]).every((s, i) => f.typeNames![f.types[i]] === s), `got ${[0, 1, 2].map((i) => f.typeNames![f.types[i]])}`);
  }
}

for (const entry of manifest.files as Json[]) {
  const file = entry.file as string;
  const exp = entry.expected as Json;
  try {
    const reader = openReader(join(dir, file));
    const entries: FrameEntry[] = [];
    const result = reader.scan({ onFrames: (batch) => entries.push(...batch) });
    if (result.damage) console.log(`note ${file}: ${result.damage.message}`);
    check(file, 'frames', entries.length === exp.n_frames, `got ${entries.length} want ${exp.n_frames}`);
    if (exp.timesteps_all) check(file, 'timesteps', JSON.stringify(entries.map((e) => e.timestep)) === JSON.stringify(exp.timesteps_all), `got ${entries.map((e) => e.timestep).slice(0, 10)}`);
    if (exp.timestep_first != null) check(file, 'first timestep', entries[0]?.timestep === exp.timestep_first, `got ${entries[0]?.timestep}`);
    if (exp.timestep_last != null) check(file, 'last timestep', entries.at(-1)?.timestep === exp.timestep_last, `got ${entries.at(-1)?.timestep}`);
    if (exp.time_item_values) {
      // The manifest gives the TIME of the first and the last frame.
      const [t0, t1] = exp.time_item_values as number[];
      check(file, 'TIME values', close(entries[0].time ?? NaN, t0) && close(entries.at(-1)!.time ?? NaN, t1), `got ${entries.map((e) => e.time)}`);
    }
    if (exp.n_particles_all_frames) check(file, 'atom counts', JSON.stringify(entries.map((e) => e.n)) === JSON.stringify(exp.n_particles_all_frames));
    const first = reader.readFrame(entries[0], 0);
    checkFrame(file, 'first frame', first, exp.first_frame ?? {}, entry.format);
    const last = reader.readFrame(entries[entries.length - 1], entries.length - 1);
    checkFrame(file, 'last frame', last, exp.last_frame ?? {}, entry.format);
    for (let i = 0; i < entries.length; i++) reader.readFrame(entries[i], i); // every frame parses
    reader.close();
    console.log(`ok   ${file}: ${entries.length} frames, N = ${first.n}, ${first.dimensions}D, format ${reader.format}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
console.log(`${checks - failures >= 0 ? checks - failures : 0} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
