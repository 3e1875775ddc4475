// Every option of every `avw` command answers a bad value in the user's words (issue 10, correction 7): one line that
// names the option as typed (`--min-score`) and what it takes (its range or its values), the usage-error exit code 2,
// no stack trace. Table-driven from the code: each command (main.ts COMMANDS, with the subcommands of simulate, study,
// softness and the --study forms of series and figure) is run once with an unknown option to capture the options its
// parser declares (args.ts lastParsed); every declared option then gets bad values made from its declaration (below
// its minimum, above its maximum, not a number, not an integer, a word not among its values, text not of its form, an
// empty path, no value at all). An option declared without a range ('string', 'int') fails the test, so a new option
// cannot escape it. The commands run in this process (runCli), as parsing comes before any file is read.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIELD_PARAMS, SERIES_PARAMS } from '../../src/shared/fields.js';
import { optionAllowed, type OptionSpec } from '../../src/shared/options.js';
import { lastParsed, type FlagSpec } from '../../src/cli/args.js';
import { flagOfParam } from '../../src/cli/options.js';
import { SIMULATE_KINDS, SIMULATE_OPTIONS, simulateMessageInOptionWords, simulateRawFromOptions } from '../../src/core/jobs/simulate-options.js';
import { validateSimulateParams } from '../../src/core/jobs/simulate-params.js';
import { validateDetectParams } from '../../src/core/jobs/detect-job.js';

process.env.AVW_CLI_IN_PROCESS = '1';
const work = mkdtempSync(join(tmpdir(), 'avw-option-errors-'));
process.env.AVW_INDEX_DIR = join(work, 'index');
const { runCli, COMMANDS } = await import('../../src/cli/main.js');
const { SUBCOMMANDS } = await import('../../src/cli/study-command.js');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every way into a command's option parser: the command, its subcommand, or the form an option selects. */
const ENTRIES: string[][] = [
  ['info'], ['frame'], ['index'], ['tags'], ['series'], ['series', '--study', 'S.json'], ['field'], ['detect'], ['correlate'],
  ...SIMULATE_KINDS.map((k) => ['simulate', k]), ['minimize'], ['figure'], ['figure', '--study', 'S.json'],
  ...Object.keys(SUBCOMMANDS).map((s) => ['study', s]), ['modes'], ['betti'], ['export'], ['softness', 'train'], ['rearrangers'],
];

interface Run { code: number; stderr: string; stdout: string }

async function avw(args: string[]): Promise<Run> {
  let stderr = '', stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

/** The options each entry's parser declares, captured by running it with an unknown option. */
const specs = new Map<string, { command: string; spec: FlagSpec }>();
beforeAll(async () => {
  for (const entry of ENTRIES) {
    lastParsed.command = null;
    lastParsed.spec = null;
    const r = await avw([...entry, '--avw-no-such-option']);
    expect(r.code, `${entry.join(' ')}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(/unknown option --avw-no-such-option/);
    if (!lastParsed.spec || !lastParsed.command) throw new Error(`${entry.join(' ')}: no options were parsed`);
    specs.set(entry.join(' '), { command: lastParsed.command, spec: lastParsed.spec });
  }
});

interface Case { entry: string[]; command: string; option: string; value: string | null; expect: (string | RegExp)[] }

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Bad values of one declared option, each with the parts its message must hold. */
function badValues(option: string, o: OptionSpec): { value: string | null; expect: (string | RegExp)[] }[] {
  const allowed = optionAllowed(o);
  const must = [`--${option} must be ${allowed}`];
  const cases: { value: string | null; expect: (string | RegExp)[] }[] = [{ value: null, expect: [`--${option} needs a value (${allowed})`] }];
  if (o.type === 'number' || o.type === 'int') {
    const bounds = [String(o.min), String(o.max)].filter((b) => b !== 'Infinity' && b !== '-Infinity');
    if (Number.isFinite(o.min)) cases.push({ value: String(o.minExclusive ? o.min : o.min - 1), expect: [...must, ...bounds] });
    if (Number.isFinite(o.max)) cases.push({ value: String(o.maxExclusive ? o.max : o.max + Math.max(1, Math.abs(o.max))), expect: [...must, ...bounds] });
    cases.push({ value: 'abc', expect: [...must, '(got "abc")'] });
    if (o.type === 'int') {
      const inside = Math.max(o.min, Math.min(o.max - 1, 0)) + 0.5;
      cases.push({ value: String(inside), expect: [...must, 'an integer'] });
    }
  } else if (o.type === 'enum') {
    cases.push({ value: 'no-such-value', expect: [...must, ...o.values] });
  } else if (o.type === 'path') {
    cases.push({ value: '', expect: must });
  } else if (o.type === 'text') {
    // Text not of the option's form: punctuation, else (for free text such as labels) blank text.
    const { pattern, allowed: form } = o;
    const value = ['%%%', ' '].find((x) => !pattern.test(x));
    expect(value, `--${option}: its form should refuse "%%%" or blank text`).toBeDefined();
    cases.push({ value: value!, expect: [...must, form] });
  }
  return cases;
}

function casesOf(entry: string[]): { cases: Case[]; booleans: string[]; undeclared: string[] } {
  const { command, spec } = specs.get(entry.join(' '))!;
  const cases: Case[] = [];
  const booleans: string[] = [];
  const undeclared: string[] = [];
  for (const [option, kind] of Object.entries(spec)) {
    if (kind === 'boolean') booleans.push(option);
    else if (kind === 'string' || kind === 'int') undeclared.push(option);
    else for (const c of badValues(option, kind)) cases.push({ entry, command, option, ...c });
  }
  return { cases, booleans, undeclared };
}

/** The one line of a usage error: exit 2, nothing on stdout, one line on stderr, no stack trace. */
function expectUsageError(r: Run, what: string): string {
  expect(r.code, `${what}: ${r.stderr}`).toBe(2);
  expect(r.stdout, what).toBe('');
  expect(r.stderr.endsWith('\n'), what).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines, what).toHaveLength(1);
  expect(r.stderr, what).not.toMatch(/\bat .*\.[jt]s:\d+|Error:|TypeError|RangeError/);
  return lines[0]!;
}

describe('every command line option answers a bad value with its name and range', () => {
  it('covers every command of avw and every subcommand', () => {
    const commands = new Set(ENTRIES.map((e) => e[0]));
    expect([...commands].sort()).toEqual(Object.keys(COMMANDS).sort());
    expect(ENTRIES.filter((e) => e[0] === 'study').map((e) => e[1]).sort()).toEqual(Object.keys(SUBCOMMANDS).sort());
  });

  it('declares every option with what it takes (no undeclared values)', () => {
    const undeclared = ENTRIES.flatMap((e) => casesOf(e).undeclared.map((o) => `avw ${e.join(' ')} --${o}`));
    expect(undeclared).toEqual([]);
  });

  it("takes every registry parameter as an option, by the parameter's name", () => {
    const flags = (entry: string): string[] => Object.keys(specs.get(entry)!.spec);
    for (const entry of ['field', 'correlate', 'export']) expect(flags(entry)).toEqual(expect.arrayContaining(Object.keys(FIELD_PARAMS).map(flagOfParam)));
    expect(flags('series')).toEqual(expect.arrayContaining(Object.keys(SERIES_PARAMS).map(flagOfParam)));
    for (const k of SIMULATE_KINDS) expect(flags(`simulate ${k}`)).toEqual(expect.arrayContaining(Object.keys(SIMULATE_OPTIONS)));
  });

  const counts = { options: 0, cases: 0 };
  for (const entry of ENTRIES) {
    it(`avw ${entry.join(' ')}`, async () => {
      const { cases, booleans } = casesOf(entry);
      const options = new Set(cases.map((c) => c.option));
      for (const c of cases) {
        const args = c.value === null ? [...c.entry, `--${c.option}`] : [...c.entry, `--${c.option}`, c.value];
        const what = `avw ${args.join(' ')}`;
        const line = expectUsageError(await avw(args), what);
        expect(line, what).toMatch(new RegExp(`^avw ${esc(c.command)}: `));
        for (const part of c.expect) expect(line, what).toMatch(typeof part === 'string' ? new RegExp(esc(part)) : part);
      }
      for (const option of booleans) {
        const what = `avw ${entry.join(' ')} --${option}=yes`;
        const line = expectUsageError(await avw([...entry, `--${option}=yes`]), what);
        expect(line, what).toContain(`--${option} takes no value`);
      }
      counts.options += options.size + booleans.length;
      counts.cases += cases.length + booleans.length;
    });
  }

  it('--sbatch-arg (taken apart before parsing, repeatable) says what it needs', async () => {
    const line = expectUsageError(await avw(['study', 'run', 'S.json', '--sbatch-arg']), 'avw study run --sbatch-arg');
    expect(line).toBe('avw study run: --sbatch-arg needs a value (an sbatch option, as --time=2:00:00)');
  });

  it('the issue\'s example: avw detect --min-score 2 names the option and the extend score', async () => {
    const line = expectUsageError(await avw(['detect', 'run.lammpstrj', '--min-score', '2']), 'detect --min-score 2');
    expect(line).toBe('avw detect: --min-score must be a number >= 3 and <= 1000 (at least the detector\'s extend score, 3) (got "2")');
    // The job's own check (for callers other than the command line) speaks its parameter's name and the same range.
    expect(() => validateDetectParams({ path: '/a.dump', minScore: 2 })).toThrow(/"minScore" must be a number >= 3 and <= 1000, at least the detector's extend score/);
  });

  it('avw detect --min-step: a size > 0, given alone (not with --min-score) and not for --series msd', async () => {
    expect(expectUsageError(await avw(['detect', 'run.lammpstrj', '--min-step', '0']), 'detect --min-step 0'))
      .toBe('avw detect: --min-step must be a number > 0 and <= 1000000 (the smallest IS MSD step between consecutive frames that is an avalanche, in squared lengths) (got "0")');
    expect(expectUsageError(await avw(['detect', 'run.lammpstrj', '--min-step', '0.007', '--min-score', '6']), 'detect --min-step --min-score'))
      .toBe('avw detect: give --min-step (IS steps scored by size) or --min-score (scored by their same-lag z), not both');
    expect(expectUsageError(await avw(['detect', 'run.lammpstrj', '--min-step', '0.007', '--series', 'msd']), 'detect --min-step --series msd'))
      .toBe('avw detect: --min-step sizes the steps between inherent structures (--series is_step_msd or auto), not the MSD from frame 0 (--series msd)');
  });

  afterAll(() => {
    // For the report: how many (command, option) pairs and bad values the table covered.
    process.stdout.write(`option-errors: ${counts.options} (command, option) pairs, ${counts.cases} bad values\n`);
  });
});

describe('simulate: what the job refuses where it runs is said with the option the user gave', () => {
  const out = join(work, 'run.gsd');
  const cases: [kind: string, options: Record<string, string | boolean>, message: RegExp][] = [
    ['aqs', { out, n: '10', steps: '2', deps: '0' }, /^avw simulate aqs: --deps must be a nonzero number/],
    ['thermal', { out, n: '10', T: '0.5', B: '4', ncfg: '5', blocks: '1' }, /^avw simulate thermal: --B = 4 must exceed/],
  ];
  for (const [kind, options, message] of cases) {
    it(`${kind} ${JSON.stringify(options).slice(0, 60)}`, () => {
      let thrown = '';
      try {
        validateSimulateParams(simulateRawFromOptions(kind, options));
      } catch (e) {
        thrown = (e as Error).message;
      }
      expect(simulateMessageInOptionWords(kind, thrown)).toMatch(message);
    });
  }

  it('a study file\'s options are checked as the command line checks them', () => {
    expect(() => simulateRawFromOptions('thermal', { out, n: 10, T: -1, every: 1, frames: 2 })).toThrow('avw simulate thermal: --T must be a number > 0 and <= 1000 (got -1)');
    expect(() => simulateRawFromOptions('aqs', { out, n: 10, steps: 2, phi: 3 })).toThrow('avw simulate aqs: --phi must be a number > 0 and < 2 (got 3)');
  });
});

describe('a frame the file does not have is a bad value of the option that gave it', () => {
  const small = join(import.meta.dirname, '../fixtures/e2e/small-2d.lammpstrj');
  const cases: [args: string[], option: string][] = [
    [['frame', small, '--frame', '9'], '--frame'],
    [['field', small, '--frame', '9', '--name', 'd2min'], '--frame'],
    [['field', small, '--frame', '2', '--ref=9', '--name', 'd2min'], '--ref'],
    [['modes', small, '--frame', '9'], '--frame'],
    [['betti', small, '--frame', '9'], '--frame'],
    [['series', small, '--name', 'msd', '--reference', '9'], '--reference'],
    [['figure', small, '--kind', 'fields', '--frame', '9', '--out', join(work, 'f.pdf')], '--frame'],
    [['softness', 'train', small, '--frame', '9', '--ref', '0', '--out', join(work, 'm.json')], '--frame'],
  ];
  for (const [args, option] of cases) {
    it(`avw ${args.slice(0, 1).join(' ')} ${option} 9`, async () => {
      const what = `avw ${args.join(' ')}`;
      const line = expectUsageError(await avw(args), what);
      expect(line, what).toMatch(new RegExp(`^avw \\w+: ${esc(option)} must be a frame of .*small-2d\\.lammpstrj, 0\\.\\.2 \\(got 9\\)$`));
    });
  }

  it('leaves a message alone when no option gave the frame', async () => {
    const { frameErrorInOptionWords } = await import('../../src/cli/main.js');
    expect(frameErrorInOptionWords('/a.gsd: frame 9 does not exist (3 frames)', ['--frame', '8'])).toBeNull();
    expect(frameErrorInOptionWords('/a.gsd: frame 9 does not exist (3 frames)', ['--frame=9'])).toBe('--frame must be a frame of /a.gsd, 0..2 (got 9)');
    expect(frameErrorInOptionWords('/a.gsd: cannot read', ['--frame', '9'])).toBeNull();
  });
});
