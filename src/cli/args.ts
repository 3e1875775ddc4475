// A small, strict argument parser: known flags only, values checked against their declarations, errors as one line
// that names the option as typed and what it takes (`avw detect: --min-score must be a number >= 3 ... (got "2")`).
import { ParamError } from '#shared/fields.js';
import { checkOption, optionAllowed, type OptionSpec } from '#shared/options.js';

export type { OptionSpec } from '#shared/options.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /**
   * 'boolean' flags take no value; an OptionSpec declares the value an option takes (a number or integer in a range, one
   * of some words, a path, text of a form), checked here. 'string' and 'int' are undeclared values (a string, any
   * integer): the table-driven test of every option (tests/cli/option-errors.test.ts) refuses them.
   */
  [name: string]: 'boolean' | 'string' | 'int' | OptionSpec;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | number | boolean | undefined>;
}

/** The last command line parsed: its command and its options (for the test that checks every option's errors). */
export const lastParsed: { command: string | null; spec: FlagSpec | null } = { command: null, spec: null };

/** An option's allowed values for a message ("a number >= 3 ..."), or null for an undeclared one. */
export function flagAllowed(kind: FlagSpec[string]): string | null {
  if (kind === 'boolean' || kind === 'string') return null;
  if (kind === 'int') return 'an integer';
  return optionAllowed(kind);
}

export function parseArgs(argv: string[], spec: FlagSpec, command: string): ParsedArgs {
  lastParsed.command = command;
  lastParsed.spec = spec;
  const positionals: string[] = [];
  const flags: ParsedArgs['flags'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (!kind) throw new UsageError(`avw ${command}: unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`avw ${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) {
      const allowed = flagAllowed(kind);
      throw new UsageError(`avw ${command}: --${name} needs a value${allowed ? ` (${allowed})` : ''}`);
    }
    if (kind === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`avw ${command}: --${name} must be an integer, got "${value}"`);
      flags[name] = Number(value);
    } else if (kind === 'string') {
      flags[name] = value;
    } else {
      try {
        flags[name] = checkOption(`avw ${command}`, `--${name}`, kind, value);
      } catch (e) {
        if (e instanceof ParamError) throw new UsageError(e.message);
        throw e;
      }
    }
  }
  return { positionals, flags };
}
