// A small, strict argument parser: known flags only, values checked, errors as one line.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** 'boolean' flags take no value; 'string' and 'int' take one (as `--k v` or `--k=v`). */
  [name: string]: 'boolean' | 'string' | 'int';
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | number | boolean | undefined>;
}

export function parseArgs(argv: string[], spec: FlagSpec, command: string): ParsedArgs {
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
    const kind = spec[name];
    if (!kind) throw new UsageError(`avw ${command}: unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`avw ${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`avw ${command}: --${name} needs a value`);
    if (kind === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`avw ${command}: --${name} must be an integer, got "${value}"`);
      flags[name] = Number(value);
    } else {
      flags[name] = value;
    }
  }
  return { positionals, flags };
}
