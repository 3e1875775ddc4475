// Reader of LAMMPS data files (the `read_data` / `write_data` format) for atom_style atomic, and of per-id diameter
// tables (`# id diameter` then one `id d` row per particle), the two inputs that start a simulation from a LAMMPS
// configuration (see /work/shared/bench/lammps: start_T0.2.data + diameters.txt).
//
// Data file layout (LAMMPS read_data documentation): the first line is a title (write_data puts `timestep = N` in
// it); then header lines `<numbers> <keyword>` (`N atoms`, `N atom types`, `xlo xhi`, `ylo yhi`, `zlo zhi`,
// `xy xz yz`, other counts); then sections, each a keyword line (`Atoms # atomic`), a blank line and a known number
// of rows. Comments start with `#`. Sections read here: Masses (`type mass`), Atoms (`id type x y z [ix iy iz]`),
// Velocities (`id vx vy vz`); the others are skipped by their row counts (Pair Coeffs, Bonds, ...), unknown ones up
// to the next known keyword. Box bounds in a data file are the true parallelepiped (not a bounding box), so
// origin = (xlo, ylo, zlo), a = (xhi - xlo, 0, 0), b = (xy, yhi - ylo, 0), c = (xz, yz, zhi - zlo).
// Numbers are parsed with JavaScript's correctly rounded Number(), so a write_data file's %.16g / %.17g values come
// back bit for bit. Particles come out sorted by ascending id.
import { triclinicBox, type Box } from '../box.js';
import type { ByteSource } from './byte-source.js';
import { permute, sortPermutation } from './sort-by-id.js';
import { TrajectoryError } from './types.js';

export interface LammpsData {
  path: string;
  /** The first line of the file. */
  title: string;
  /** The `timestep = N` of a write_data title, else null. */
  timestep: number | null;
  natoms: number;
  ntypes: number;
  box: Box;
  /** Whether the file has an `xy xz yz` line. */
  triclinic: boolean;
  /** 2 when every z is equal (a 2D LAMMPS system stores z = 0), else 3. */
  dimensions: 2 | 3;
  /** The style comment of the Atoms section (`Atoms # atomic` -> 'atomic'), or null. */
  atomStyle: string | null;
  /** Mass of each type: masses[type - 1]; NaN for types the Masses section does not list (or no Masses section). */
  typeMasses: Float64Array;
  /** Ascending ids. */
  ids: Int32Array;
  types: Int32Array;
  /** Positions n*3 as stored. */
  positions: Float64Array;
  /** Image flags n*3 when the Atoms rows carry them (rows without them get 0), else null. */
  images: Int32Array | null;
  /** Velocities n*3 from the Velocities section, else null. */
  velocities: Float64Array | null;
}

export interface LammpsDataOptions {
  /** Periodicity of the box (a data file does not store the `boundary`; default all periodic). */
  periodic?: [boolean, boolean, boolean];
}

const HEADER_KEYWORDS: [string, number][] = [
  ['extra bond per atom', 1], ['extra angle per atom', 1], ['extra dihedral per atom', 1],
  ['extra improper per atom', 1], ['extra special per atom', 1],
  ['atom types', 1], ['bond types', 1], ['angle types', 1], ['dihedral types', 1], ['improper types', 1],
  ['atoms', 1], ['bonds', 1], ['angles', 1], ['dihedrals', 1], ['impropers', 1],
  ['ellipsoids', 1], ['lines', 1], ['triangles', 1], ['bodies', 1],
  ['xlo xhi', 2], ['ylo yhi', 2], ['zlo zhi', 2], ['xy xz yz', 3],
];

/** Section keyword -> header count that gives its row count. */
const SECTION_ROWS: Record<string, (h: Map<string, number>) => number> = {
  Atoms: (h) => h.get('atoms') ?? 0,
  Velocities: (h) => h.get('atoms') ?? 0,
  Masses: (h) => h.get('atom types') ?? 0,
  'Pair Coeffs': (h) => h.get('atom types') ?? 0,
  'PairIJ Coeffs': (h) => { const t = h.get('atom types') ?? 0; return (t * (t + 1)) / 2; },
  Ellipsoids: (h) => h.get('ellipsoids') ?? 0,
  Lines: (h) => h.get('lines') ?? 0,
  Triangles: (h) => h.get('triangles') ?? 0,
  Bonds: (h) => h.get('bonds') ?? 0,
  Angles: (h) => h.get('angles') ?? 0,
  Dihedrals: (h) => h.get('dihedrals') ?? 0,
  Impropers: (h) => h.get('impropers') ?? 0,
  'Bond Coeffs': (h) => h.get('bond types') ?? 0,
  'Angle Coeffs': (h) => h.get('angle types') ?? 0,
  'BondBond Coeffs': (h) => h.get('angle types') ?? 0,
  'BondAngle Coeffs': (h) => h.get('angle types') ?? 0,
  'Dihedral Coeffs': (h) => h.get('dihedral types') ?? 0,
  'MiddleBondTorsion Coeffs': (h) => h.get('dihedral types') ?? 0,
  'EndBondTorsion Coeffs': (h) => h.get('dihedral types') ?? 0,
  'AngleTorsion Coeffs': (h) => h.get('dihedral types') ?? 0,
  'AngleAngleTorsion Coeffs': (h) => h.get('dihedral types') ?? 0,
  'BondBond13 Coeffs': (h) => h.get('dihedral types') ?? 0,
  'Improper Coeffs': (h) => h.get('improper types') ?? 0,
  'AngleAngle Coeffs': (h) => h.get('improper types') ?? 0,
  'Atom Type Labels': (h) => h.get('atom types') ?? 0,
  'Bond Type Labels': (h) => h.get('bond types') ?? 0,
  'Angle Type Labels': (h) => h.get('angle types') ?? 0,
  'Dihedral Type Labels': (h) => h.get('dihedral types') ?? 0,
  'Improper Type Labels': (h) => h.get('improper types') ?? 0,
};

/** Lines of a text with 1-based numbers; '\r' stripped. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  return lines;
}

function stripComment(line: string): { body: string; comment: string | null } {
  const h = line.indexOf('#');
  return h < 0 ? { body: line.trim(), comment: null } : { body: line.slice(0, h).trim(), comment: line.slice(h + 1).trim() };
}

function toText(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
}

/** Parse a LAMMPS data file (atom_style atomic). `path` names the file in errors. */
export function parseLammpsData(input: string | Uint8Array, path = '<data>', options: LammpsDataOptions = {}): LammpsData {
  const lines = splitLines(toText(input));
  const fail = (msg: string, line: number): never => {
    throw new TrajectoryError(`${path}: line ${line}: ${msg}`, path, { line });
  };
  const num = (tok: string, what: string, line: number): number => {
    const v = tok === '' ? NaN : Number(tok);
    if (!Number.isFinite(v)) fail(`expected a number for ${what}, found "${tok}"`, line);
    return v;
  };
  const int = (tok: string, what: string, line: number): number => {
    const v = num(tok, what, line);
    if (!Number.isInteger(v) || Math.abs(v) > 2147483647) fail(`expected an integer for ${what}, found "${tok}"`, line);
    return v;
  };
  if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) fail('empty file: expected a LAMMPS data file', 1);
  const title = lines[0];
  const ts = /timestep\s*=\s*(\d+)/.exec(title);
  const header = new Map<string, number>();
  const bounds: Record<string, [number, number]> = {};
  let tilt: [number, number, number] | null = null;

  // Header: until the first section keyword.
  let li = 1;
  for (; li < lines.length; li++) {
    const { body } = stripComment(lines[li]);
    if (body === '') continue;
    if (isSectionKeyword(body)) break;
    const hit = HEADER_KEYWORDS.find(([kw]) => body.endsWith(kw) && /\s/.test(body.charAt(body.length - kw.length - 1)));
    if (!hit) fail(`unknown header line "${body}" (expected "<count> atoms", "<lo> <hi> xlo xhi", ... or a section keyword)`, li + 1);
    const [kw, count] = hit as [string, number];
    const toks = body.slice(0, body.length - kw.length).trim().split(/\s+/);
    if (toks.length !== count) fail(`expected ${count} number(s) before "${kw}", found "${body}"`, li + 1);
    if (kw === 'xlo xhi' || kw === 'ylo yhi' || kw === 'zlo zhi') {
      bounds[kw] = [num(toks[0], `${kw} lo`, li + 1), num(toks[1], `${kw} hi`, li + 1)];
    } else if (kw === 'xy xz yz') {
      tilt = [num(toks[0], 'xy', li + 1), num(toks[1], 'xz', li + 1), num(toks[2], 'yz', li + 1)];
    } else {
      const v = int(toks[0], kw, li + 1);
      if (v < 0) fail(`negative count for "${kw}"`, li + 1);
      header.set(kw, v);
    }
  }
  const natoms = header.get('atoms');
  if (natoms === undefined) fail('the header has no "<count> atoms" line', li + 1);
  const ntypes = header.get('atom types') ?? 0;
  if ((natoms as number) > 0 && ntypes < 1) fail('the header has no "<count> atom types" line', li + 1);
  const n = natoms as number;
  const [xlo, xhi] = bounds['xlo xhi'] ?? [-0.5, 0.5];
  const [ylo, yhi] = bounds['ylo yhi'] ?? [-0.5, 0.5];
  const [zlo, zhi] = bounds['zlo zhi'] ?? [-0.5, 0.5];
  for (const [kw, [lo, hi]] of Object.entries(bounds)) if (!(hi > lo)) fail(`box bounds "${kw}" must have hi > lo (got ${lo} ${hi})`, 1);
  const [xy, xz, yz] = tilt ?? [0, 0, 0];
  const box = triclinicBox([xlo, ylo, zlo], xhi - xlo, yhi - ylo, zhi - zlo, xy, xz, yz, options.periodic ?? [true, true, true]);

  const typeMasses = new Float64Array(ntypes).fill(NaN);
  let fileIds: Int32Array | null = null;
  let fileTypes: Int32Array | null = null;
  let filePos: Float64Array | null = null;
  let fileImg: Int32Array | null = null;
  let atomStyle: string | null = null;
  let velIds: Int32Array | null = null;
  let fileVel: Float64Array | null = null;

  // Sections.
  while (li < lines.length) {
    const { body, comment } = stripComment(lines[li]);
    if (body === '') { li++; continue; }
    if (!isSectionKeyword(body)) fail(`expected a section keyword (Atoms, Velocities, Masses, ...), found "${body}"`, li + 1);
    const name = body;
    const keywordLine = li + 1;
    li++;
    const rowsOf = SECTION_ROWS[name];
    const rows = rowsOf ? rowsOf(header) : -1;
    // Collect the section's rows (blank and comment-only lines skipped).
    const rowLines: number[] = [];
    if (rows >= 0) {
      while (rowLines.length < rows && li < lines.length) {
        if (stripComment(lines[li]).body !== '') rowLines.push(li);
        li++;
      }
      if (rowLines.length < rows) fail(`section ${name} (line ${keywordLine}) ends after ${rowLines.length} of ${rows} rows: file truncated`, lines.length);
    } else {
      while (li < lines.length && !isSectionKeyword(stripComment(lines[li]).body)) li++;
      continue;
    }
    if (name === 'Masses') {
      for (const l of rowLines) {
        const t = stripComment(lines[l]).body.split(/\s+/);
        if (t.length < 2) fail(`Masses row needs "type mass", found "${lines[l]}"`, l + 1);
        const ty = int(t[0], 'type', l + 1);
        if (ty < 1 || ty > ntypes) fail(`mass for type ${ty} outside 1..${ntypes}`, l + 1);
        typeMasses[ty - 1] = num(t[1], 'mass', l + 1);
      }
    } else if (name === 'Atoms') {
      atomStyle = comment ? comment.split(/\s+/)[0] : null;
      if (atomStyle !== null && atomStyle !== 'atomic') fail(`atom_style "${atomStyle}" is not supported (only atomic: "id type x y z [ix iy iz]")`, keywordLine);
      fileIds = new Int32Array(n);
      fileTypes = new Int32Array(n);
      filePos = new Float64Array(3 * n);
      const img = new Int32Array(3 * n);
      let anyImg = false;
      for (let r = 0; r < n; r++) {
        const l = rowLines[r];
        const t = stripComment(lines[l]).body.split(/\s+/);
        if (t.length !== 5 && t.length !== 8) {
          fail(`Atoms row needs "id type x y z" or "id type x y z ix iy iz" (atom_style atomic), found ${t.length} columns`, l + 1);
        }
        fileIds[r] = int(t[0], 'atom id', l + 1);
        const ty = int(t[1], 'atom type', l + 1);
        if (ty < 1 || ty > ntypes) fail(`atom type ${ty} outside 1..${ntypes}`, l + 1);
        fileTypes[r] = ty;
        filePos[3 * r] = num(t[2], 'x', l + 1);
        filePos[3 * r + 1] = num(t[3], 'y', l + 1);
        filePos[3 * r + 2] = num(t[4], 'z', l + 1);
        if (t.length === 8) {
          anyImg = true;
          img[3 * r] = int(t[5], 'ix', l + 1);
          img[3 * r + 1] = int(t[6], 'iy', l + 1);
          img[3 * r + 2] = int(t[7], 'iz', l + 1);
        }
      }
      fileImg = anyImg ? img : null;
    } else if (name === 'Velocities') {
      velIds = new Int32Array(n);
      fileVel = new Float64Array(3 * n);
      for (let r = 0; r < n; r++) {
        const l = rowLines[r];
        const t = stripComment(lines[l]).body.split(/\s+/);
        if (t.length !== 4) fail(`Velocities row needs "id vx vy vz" (atom_style atomic), found ${t.length} columns`, l + 1);
        velIds[r] = int(t[0], 'atom id', l + 1);
        fileVel[3 * r] = num(t[1], 'vx', l + 1);
        fileVel[3 * r + 1] = num(t[2], 'vy', l + 1);
        fileVel[3 * r + 2] = num(t[3], 'vz', l + 1);
      }
    }
  }
  if (!fileIds && n > 0) fail(`no Atoms section for ${n} atoms`, lines.length);
  const ids0 = fileIds ?? new Int32Array(0);
  const { perm, duplicates } = sortPermutation(ids0);
  if (duplicates) fail('duplicate atom ids in the Atoms section', 1);
  const ids = permute(ids0, perm, 1);
  const types = permute(fileTypes ?? new Int32Array(0), perm, 1);
  const positions = permute(filePos ?? new Float64Array(0), perm, 3);
  const images = fileImg ? permute(fileImg, perm, 3) : null;
  let velocities: Float64Array | null = null;
  if (fileVel && velIds) {
    // Place each velocity row at its atom's (sorted) index.
    const vp = sortPermutation(velIds);
    if (vp.duplicates) fail('duplicate atom ids in the Velocities section', 1);
    velocities = permute(fileVel, vp.perm, 3);
    const vids = permute(velIds, vp.perm, 1);
    for (let i = 0; i < n; i++) {
      if (vids[i] !== ids[i]) fail(`the Velocities section lists atom ${vids[i]} where the Atoms section has ${ids[i]}`, 1);
    }
  }
  let flat = true;
  for (let i = 5; i < positions.length; i += 3) if (positions[i] !== positions[2]) { flat = false; break; }
  return {
    path, title, timestep: ts ? Number(ts[1]) : null, natoms: n, ntypes, box, triclinic: tilt !== null,
    dimensions: flat ? 2 : 3, atomStyle, typeMasses, ids, types, positions, images, velocities,
  };
}

function isSectionKeyword(body: string): boolean {
  return Object.prototype.hasOwnProperty.call(SECTION_ROWS, body) || /^[A-Z][A-Za-z0-9]*( [A-Z][A-Za-z0-9]*)* (Coeffs|Labels)$/.test(body);
}

/** Read a whole data file through a ByteSource (plain or compressed). */
export function readLammpsData(source: ByteSource, options: LammpsDataOptions = {}): LammpsData {
  return parseLammpsData(readAll(source), source.path, options);
}

function readAll(source: ByteSource): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const c of source.chunks(0)) {
    parts.push(c.data.slice());
    total += c.data.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface DiameterTable {
  /** Ascending ids. */
  ids: Int32Array;
  diameters: Float64Array;
}

/** Parse a per-id diameter file: `#` comment lines, then rows `id diameter`. Sorted by ascending id. */
export function parseDiameterFile(input: string | Uint8Array, path = '<diameters>'): DiameterTable {
  const lines = splitLines(toText(input));
  const ids: number[] = [];
  const ds: number[] = [];
  for (let l = 0; l < lines.length; l++) {
    const { body } = stripComment(lines[l]);
    if (body === '') continue;
    const t = body.split(/\s+/);
    const fail = (msg: string): never => {
      throw new TrajectoryError(`${path}: line ${l + 1}: ${msg}`, path, { line: l + 1 });
    };
    if (t.length !== 2) fail(`expected "id diameter", found "${body}"`);
    const id = Number(t[0]), d = Number(t[1]);
    if (!Number.isInteger(id) || Math.abs(id) > 2147483647) fail(`expected an integer id, found "${t[0]}"`);
    if (!(Number.isFinite(d) && d > 0)) fail(`expected a positive diameter, found "${t[1]}"`);
    ids.push(id);
    ds.push(d);
  }
  const idArr = Int32Array.from(ids);
  const { perm, duplicates } = sortPermutation(idArr);
  if (duplicates) throw new TrajectoryError(`${path}: duplicate ids`, path);
  return { ids: permute(idArr, perm, 1), diameters: permute(Float64Array.from(ds), perm, 1) };
}

/** Diameters of the particles `ids` (any order) from a table; throws naming the first id the table lacks. */
export function diametersForIds(table: DiameterTable, ids: Int32Array, path = '<diameters>'): Float64Array {
  const out = new Float64Array(ids.length);
  const t = table.ids;
  for (let i = 0; i < ids.length; i++) {
    // Binary search in the ascending table.
    let lo = 0, hi = t.length - 1, at = -1;
    const id = ids[i];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid] === id) { at = mid; break; }
      if (t[mid] < id) lo = mid + 1;
      else hi = mid - 1;
    }
    if (at < 0) throw new TrajectoryError(`${path}: no diameter for atom id ${id}`, path);
    out[i] = table.diameters[at];
  }
  return out;
}

/**
 * The arrays of a simulation start (`makeSystem` in src/core/sim/system.ts) from a data file and per-particle
 * diameters (in the data's ascending-id order): masses from the types, velocities zero when the file has none,
 * image flags zero when absent; in 2D the z coordinates and velocities must be 0.
 */
export function lammpsDataToSystemInit(data: LammpsData, diameters: Float64Array, dimensions: 2 | 3 = data.dimensions): {
  dimensions: 2 | 3; box: Box; positions: Float64Array; velocities: Float64Array; images: Int32Array; diameters: Float64Array;
  masses: Float64Array; ids: Int32Array; types: Int32Array;
} {
  const n = data.natoms;
  if (diameters.length !== n) throw new TrajectoryError(`${data.path}: ${diameters.length} diameters for ${n} atoms`, data.path);
  const masses = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = data.typeMasses[data.types[i] - 1];
    if (!(m > 0)) throw new TrajectoryError(`${data.path}: no positive mass for atom type ${data.types[i]} (Masses section)`, data.path);
    masses[i] = m;
  }
  const positions = data.positions.slice();
  const velocities = data.velocities ? data.velocities.slice() : new Float64Array(3 * n);
  if (dimensions === 2) {
    for (let i = 0; i < n; i++) {
      positions[3 * i + 2] = 0;
      if (velocities[3 * i + 2] !== 0) throw new TrajectoryError(`${data.path}: atom ${data.ids[i]} has vz = ${velocities[3 * i + 2]} in a 2D system`, data.path);
    }
  }
  const images = data.images ? data.images.slice() : new Int32Array(3 * n);
  const box = { origin: [...data.box.origin], vectors: data.box.vectors.map((v) => [...v]), periodic: [...data.box.periodic] } as Box;
  if (dimensions === 2) box.periodic = [box.periodic[0], box.periodic[1], false];
  return { dimensions, box, positions, velocities, images, diameters: diameters.slice(), masses, ids: data.ids.slice(), types: data.types.slice() };
}
