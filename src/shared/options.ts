// Declared command-line options: what value an option takes and its allowed range, so a bad value is answered in the
// user's words (`--min-score must be a number >= 3 ...`) wherever it is given: on the command line (src/cli/args.ts)
// or as an option in a study file (src/core/jobs/simulate-options.ts). The registry's field and series parameters
// (fields.ts, ParamInfo) convert to these with optionOfParam.
import { ParamError, type ParamInfo } from './fields.js';

/** What an option takes. `why` says where a bound comes from ("the detector's extend score"). */
export type OptionSpec =
  | { type: 'number' | 'int'; min: number; max: number; minExclusive?: boolean; maxExclusive?: boolean; why?: string }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'path'; what?: string }
  /** Free text of a given form: `pattern` accepts it, `allowed` describes it ("A:B, frame numbers"). */
  | { type: 'text'; pattern: RegExp; allowed: string };

/** The allowed values, as a phrase: "a number > 0 and <= 10000", "wca or hertz", "a file path". */
export function optionAllowed(o: OptionSpec): string {
  if (o.type === 'enum') return o.values.length === 2 ? `${o.values[0]} or ${o.values[1]}` : `one of ${o.values.join(', ')}`;
  if (o.type === 'path') return o.what ?? 'a file path';
  if (o.type === 'text') return o.allowed;
  const what = o.type === 'int' ? 'an integer' : 'a number';
  const low = Number.isFinite(o.min) ? `${o.minExclusive ? '>' : '>='} ${o.min}` : '';
  const high = Number.isFinite(o.max) ? `${o.maxExclusive ? '<' : '<='} ${o.max}` : '';
  const range = low && high ? `${low} and ${high}` : low || high;
  return `${what}${range ? ` ${range}` : ''}${o.why ? ` (${o.why})` : ''}`;
}

/** A registry parameter (fields.ts) as an option; booleans are flags and have none. */
export function optionOfParam(p: ParamInfo): OptionSpec | 'boolean' {
  if (p.type === 'boolean') return 'boolean';
  if (p.type === 'enum') return { type: 'enum', values: p.values };
  if (p.type === 'path') return { type: 'path' };
  return { type: p.type, min: p.min, max: p.max, minExclusive: p.minExclusive };
}

/**
 * One option's value checked against its declaration (numbers given as text, as a command line gives them, or as
 * numbers, as a study file does). `owner` starts the message ("avw detect"); `flag` is the option as typed ("--min-score").
 */
export function checkOption(owner: string, flag: string, o: OptionSpec, v: unknown): string | number {
  const bad = (): never => {
    const got = typeof v === 'string' ? JSON.stringify(v.slice(0, 100)) : String(v);
    throw new ParamError(`${owner}: ${flag} must be ${optionAllowed(o)} (got ${got})`);
  };
  if (o.type === 'enum') {
    if (typeof v !== 'string' || !o.values.includes(v)) bad();
    return v as string;
  }
  if (o.type === 'path') {
    if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0')) bad();
    return v as string;
  }
  if (o.type === 'text') {
    if (typeof v !== 'string' || !o.pattern.test(v)) bad();
    return v as string;
  }
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) return bad();
  if (x < o.min || x > o.max || (o.minExclusive === true && x === o.min) || (o.maxExclusive === true && x === o.max)) bad();
  if (o.type === 'int' && !Number.isInteger(x)) bad();
  return x;
}
