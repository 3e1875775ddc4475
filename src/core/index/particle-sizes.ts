// Particle diameters for a trajectory whose file stores none (a LAMMPS dump without a diameter or radius column, XYZ,
// DCD, XTC), as LAMMPS users keep them: a per-id table (`id diameter` rows, e.g. the diameters.txt beside a data file)
// or one diameter per type (`1:1.0,2:1.4`). Remembered per trajectory in the index and filled into every frame read,
// so energy, stress, the Hessian and the drawings of the particles use them (Jha & Sengupta Fig. 1b-d).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { diametersForIds, parseDiameterFile } from '../io/lammps-data.js';
import { TrajectoryError, type Frame } from '../io/types.js';

export type ParticleSizes =
  | { kind: 'per-id'; source: string; ids: number[]; diameters: number[] }
  | { kind: 'per-type'; types: Record<string, number> };

function fail(message: string): never {
  throw new Error(message);
}

/** Per-type diameters from `1:1.0,2:1.4` (type numbers, or the type names the file uses: `A:1.0,B:1.4`). */
export function parseTypeDiameters(spec: string, option = '--type-diameters'): ParticleSizes {
  const types: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_]+)\s*[:=]\s*(\S+)$/.exec(part);
    const d = m ? Number(m[2]) : NaN;
    if (!m || !(Number.isFinite(d) && d > 0)) fail(`${option}: expected TYPE:DIAMETER pairs with positive diameters, as 1:1.0,2:1.4 (got "${part}")`);
    if (m[1] in types) fail(`${option}: type ${m[1]} is given twice`);
    types[m[1]] = d;
  }
  if (Object.keys(types).length === 0) fail(`${option}: expected TYPE:DIAMETER pairs, as 1:1.0,2:1.4`);
  return { kind: 'per-type', types };
}

/** A per-id diameter table from a file (`#` comments, then `id diameter` rows). */
export function loadDiameterFile(path: string): ParticleSizes {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    fail(`${abs}: cannot read the diameter file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const t = parseDiameterFile(text, abs);
  return { kind: 'per-id', source: abs, ids: Array.from(t.ids), diameters: Array.from(t.diameters) };
}

/** Check stored sizes (from the index: JSON of another version or hand-edited). */
export function checkParticleSizes(v: unknown): ParticleSizes | null {
  const o = v as Partial<Record<string, unknown>> | null;
  if (!o || typeof o !== 'object') return null;
  if (o.kind === 'per-type' && o.types && typeof o.types === 'object') {
    const ok = Object.values(o.types as Record<string, unknown>).every((d) => typeof d === 'number' && d > 0);
    return ok ? { kind: 'per-type', types: o.types as Record<string, number> } : null;
  }
  if (o.kind === 'per-id' && Array.isArray(o.ids) && Array.isArray(o.diameters) && o.ids.length === o.diameters.length && typeof o.source === 'string') {
    return { kind: 'per-id', source: o.source, ids: o.ids as number[], diameters: o.diameters as number[] };
  }
  return null;
}

/** A short description for messages and `avw info`. */
export function describeSizes(s: ParticleSizes): string {
  return s.kind === 'per-id' ? `${s.ids.length} per-id diameters from ${s.source}` : `per type: ${Object.entries(s.types).map(([k, d]) => `${k}:${d}`).join(',')}`;
}

/** The diameters of a frame's particles (in the frame's id order) from stored sizes; names the file and what is missing. */
export function diametersOf(frame: Frame, s: ParticleSizes, path: string): Float64Array {
  if (s.kind === 'per-id') {
    return diametersForIds({ ids: Int32Array.from(s.ids), diameters: Float64Array.from(s.diameters) }, frame.ids, s.source);
  }
  const out = new Float64Array(frame.n);
  for (let i = 0; i < frame.n; i++) {
    const t = frame.types[i];
    const name = frame.typeNames?.[t];
    const d = s.types[String(t)] ?? (name !== undefined ? s.types[name] : undefined);
    if (d === undefined) {
      throw new TrajectoryError(`${path}: frame ${frame.index}: no diameter for particle type ${name ?? t} (id ${frame.ids[i]}); the per-type diameters name ${Object.keys(s.types).join(', ')}`, path, { frame: frame.index });
    }
    out[i] = d;
  }
  return out;
}
