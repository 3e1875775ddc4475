// Declarations of the options several commands share (what each takes and its allowed range), for parseArgs. A
// command's own options are declared beside it; the registry's field and series parameters come from fields.ts.
import { FIELD_NAMES, FIELD_PARAMS, SERIES_NAMES, SERIES_PARAMS, type ParamInfo } from '#shared/fields.js';
import { optionOfParam, type OptionSpec } from '#shared/options.js';
import type { FlagSpec } from './args.js';

/** A frame number (the file's frame count bounds it further, where the file is read). */
export const FRAME: OptionSpec = { type: 'int', min: 0, max: 2 ** 31 - 1 };
export const PATH: OptionSpec = { type: 'path' };
export const DIRECTORY: OptionSpec = { type: 'path', what: 'a directory' };
export const POTENTIAL: OptionSpec = { type: 'enum', values: ['wca', 'hertz'] };
export const MINIMIZER: OptionSpec = { type: 'enum', values: ['cg', 'fire'] };
const NUMBER = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';
/** Per-type diameters: TYPE:DIAMETER pairs (particle-sizes.ts checks the diameters are positive). */
export const TYPE_DIAMETERS: OptionSpec = {
  type: 'text', pattern: new RegExp(`^\\s*\\w+\\s*[:=]\\s*${NUMBER}(\\s*,\\s*\\w+\\s*[:=]\\s*${NUMBER})*\\s*$`), allowed: 'TYPE:DIAMETER pairs separated by commas, as 1:1.0,2:1.4',
};
/** One positive number or two separated by a comma (small,large particles). */
export const SMALL_LARGE: OptionSpec = {
  type: 'text', pattern: new RegExp(`^\\s*\\+?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?(\\s*,\\s*\\+?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)?\\s*$`),
  allowed: 'one positive number or two separated by a comma (small,large)',
};
/** A reference: previous, fixed:R or lag:L. */
export const REFERENCE: OptionSpec = { type: 'text', pattern: /^(previous|fixed:\d+|lag:\d+)$/, allowed: 'previous, fixed:R or lag:L (R, L: frame numbers)' };
/** A value range MIN:MAX. */
export const RANGE: OptionSpec = { type: 'text', pattern: new RegExp(`^${NUMBER}:${NUMBER}$`), allowed: 'MIN:MAX (two numbers)' };
/** A printed length: a number with in, cm, mm or pt. */
export const LENGTH: OptionSpec = { type: 'text', pattern: /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(in|cm|mm|pt)?\s*$/i, allowed: 'a length such as 7in, 8.6cm, 86mm or 240pt' };
/** A comma-separated list of words (field or series names, labels). */
export function nameList(names: readonly string[], more = ''): OptionSpec {
  const alt = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const one = more ? `(?:${alt}|${more})` : `(?:${alt})`;
  return {
    type: 'text', pattern: new RegExp(`^\\s*${one}(\\s*,\\s*${one})*\\s*$`),
    allowed: `names separated by commas, each one of ${names.join(', ')}${more ? ', or file:PROPERTY' : ''}`,
  };
}
/** One field of the registry, or file:PROPERTY. */
export const FIELD_NAME: OptionSpec = {
  type: 'text', pattern: new RegExp(`^(?:${FIELD_NAMES.join('|')}|file:\\S+)$`), allowed: `one of ${FIELD_NAMES.join(', ')}, or file:PROPERTY`,
};
export const FIELD_NAME_LIST = nameList(FIELD_NAMES, 'file:\\S+');
export const SERIES_NAME: OptionSpec = { type: 'enum', values: SERIES_NAMES };
/** A list of numbers separated by commas. */
export const NUMBER_LIST: OptionSpec = { type: 'text', pattern: new RegExp(`^\\s*${NUMBER}(\\s*,\\s*${NUMBER})*\\s*$`), allowed: 'numbers separated by commas' };

export const COMMON: FlagSpec = { json: 'boolean', 'index-dir': DIRECTORY, help: 'boolean' };
/** Particle diameters for a file that stores none: a per-id table or per-type values, remembered in the index. */
export const SIZES: FlagSpec = { diameters: PATH, 'type-diameters': TYPE_DIAMETERS };

/** The command line's name of a registry parameter: d_soft_small is --d-soft-small. */
export function flagOfParam(name: string): string {
  return name.replace(/_/g, '-');
}

/** The options of a registry table (FIELD_PARAMS or SERIES_PARAMS), by their command-line names. */
export function registryFlags(table: Record<string, ParamInfo>): FlagSpec {
  return Object.fromEntries(Object.entries(table).map(([k, p]) => [flagOfParam(k), optionOfParam(p)]));
}
export const FIELD_FLAGS: FlagSpec = registryFlags(FIELD_PARAMS);
export const SERIES_FLAGS: FlagSpec = registryFlags(SERIES_PARAMS);

/** `--range MIN:MAX` of a figure command (already checked against RANGE), as the spec's {min, max}. */
export function rangeOfFlags(flags: Record<string, unknown>): { min: number; max: number } | undefined {
  if (typeof flags.range !== 'string') return undefined;
  const [min, max] = flags.range.split(':').map(Number);
  return { min: min!, max: max! };
}

/** The figure style a figure command's flags give (only the flags the command declares can be present). */
export function styleOfFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const style: Record<string, unknown> = {};
  const number = (k: string): number | undefined => (flags[k] === undefined ? undefined : Number(flags[k]));
  if (flags.width !== undefined) style.width = flags.width;
  if (flags.height !== undefined) style.height = flags.height;
  if (flags.font !== undefined) style.fontFamily = flags.font;
  if (flags['font-size'] !== undefined) style.fontSize = number('font-size');
  if (flags.colormap !== undefined) style.colormap = flags.colormap;
  if (flags['raster-particles'] === true) style.rasterParticles = true;
  if (flags['raster-dpi'] !== undefined) style.rasterDpi = flags['raster-dpi'];
  if (flags['no-box'] === true) style.boxOutline = false;
  if (flags['no-scale-bar'] === true) style.scaleBar = false;
  if (flags['log-x'] === true) style.logX = true;
  if (flags['log-y'] === true) style.logY = true;
  if (flags['linear-x'] === true) style.logX = false;
  if (flags['linear-y'] === true) style.logY = false;
  if (flags['arrow-scale'] !== undefined) style.arrowScale = number('arrow-scale');
  return style;
}
