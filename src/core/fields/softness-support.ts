// What the machine-learned softness and rearranger fields and series share (Zhang, Ridout & Liu Secs. II B-C): softness
// models read from their JSON file (checked, collapsed into radial kernels, kept while the file is unchanged), the
// small / large species of a frame (analysis/rearrangers.ts binarySpecies: two types by their mean diameter, else the
// diameter midpoint), the softness of a frame and the rearranger flags of a frame pair.
import { readFileSync, statSync } from 'node:fs';
import { computeStrainFields } from '../analysis/d2min-strain.js';
import { applySoftnessModel, collapseModel, parseSoftnessModel, type CollapsedModel, type SoftnessModel } from '../analysis/ml-softness.js';
import { binarySpecies, rearrangerFlags, type SpeciesAssignment } from '../analysis/rearrangers.js';
import { matchById } from '../analysis/reference.js';
import { frameDiameters } from '../io/frame-util.js';
import type { Frame } from '../io/types.js';

function fail(message: string): never {
  throw new Error(message);
}

interface LoadedModel { model: SoftnessModel; collapsed: CollapsedModel; stamp: string }
const models = new Map<string, LoadedModel>();

/** A file's identity for caches: its size and modification time (a retrained model under the same name is read again). */
export function fileStamp(path: string): string {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

/** The softness model of a JSON file, checked (errors name the file and the key), and its collapsed kernels. */
export function loadSoftnessModel(path: string | null, owner: string): { model: SoftnessModel; collapsed: CollapsedModel } {
  if (!path) fail(`${owner} needs a softness model: --model MODEL.json (made by avw softness train)`);
  let stamp: string;
  try {
    stamp = fileStamp(path);
  } catch {
    fail(`${owner}: the softness model ${path} does not exist`);
  }
  const hit = models.get(path);
  if (hit && hit.stamp === stamp) return hit;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(`${path}: not a softness model: ${(e as Error).message}`);
  }
  const model = parseSoftnessModel(json, path);
  const loaded = { model, collapsed: collapseModel(model), stamp };
  models.set(path, loaded);
  while (models.size > 8) models.delete(models.keys().next().value as string);
  return loaded;
}

/** Small (0) / large (1) species of a frame's particles. */
export function frameSpecies(frame: Frame): SpeciesAssignment {
  return binarySpecies(frame.n, frame.types, frameDiameters(frame));
}

/** Machine-learned softness of every particle of a frame (in the frame's id order). */
export function frameSoftness(frame: Frame, modelPath: string | null, owner: string, where: string): Float64Array {
  const { model, collapsed } = loadSoftnessModel(modelPath, owner);
  const species = frameSpecies(frame);
  if (model.speciesMode === 'type' && species.nSpecies < model.nSpecies) {
    fail(`${where}: frame ${frame.index} has one particle species (no two types or sizes), but the model ${modelPath} resolves ${model.nSpecies}`);
  }
  return applySoftnessModel(collapsed, frame.positions, frame.box, { species: species.species, dimensions: frame.dimensions });
}

export interface RearrangerParams {
  rd: number;
  dSoftSmall: number;
  dSoftLarge: number;
}

/** The rearranger test's parameters from registry values (defaults when null). */
export function rearrangerParams(p: Record<string, unknown>): RearrangerParams {
  return { rd: (p.rd as number | null) ?? 2, dSoftSmall: (p.d_soft_small as number | null) ?? 0.0025, dSoftLarge: (p.d_soft_large as number | null) ?? 0.0015 };
}

/**
 * Rearrangers of the current frame against the previous one: 1 / 0 per particle of `current` (NaN where D2min is not
 * defined: too few neighbours, a singular fit, absent from the previous frame), and their number.
 */
export function rearrangersOfPair(previous: Frame, current: Frame, p: RearrangerParams): { flags: Float32Array; count: number; species: SpeciesAssignment } {
  const match = matchById(previous.ids, current.ids);
  const r = computeStrainFields({
    reference: previous.positions, current: current.positions, box: previous.box, currentBox: current.box, dimensions: current.dimensions,
    cutoff: p.rd, refIndex: match.identical ? undefined : match.refIndex,
  });
  const species = frameSpecies(current);
  const f = rearrangerFlags(r.d2min, species.species, [p.dSoftSmall, p.dSoftLarge]);
  const flags = new Float32Array(current.n);
  let count = 0;
  for (let i = 0; i < current.n; i++) {
    flags[i] = r.valid[i] === 1 ? f[i] : NaN;
    count += f[i];
  }
  return { flags, count, species };
}
