// Fuzz through the command line: mutated copies (truncated, bits flipped, a range spliced in from elsewhere, a run
// zeroed) of a file of every format, each run through `avw info --json` and `avw frame --frame 0 --json` as a user
// runs them (a process each, a fixed seed, a bounded count). Every run ends (no hang) with exit 0 and JSON, or exit 1
// and one line on stderr naming the file; never a crash, a signal or a stack trace. (The readers' in-process fuzz test,
// tests/core/io/fuzz.test.ts, runs many more mutants through the readers alone.)
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/util/random.js';
import { MUTATIONS } from '../core/io/mutations.js';
import { avw, FIXTURES, pool, report, tmpDir, type RunResult } from './util.js';

const dir = tmpDir('avw-fuzzcli-');
const indexDir = join(dir, 'index');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xyz(extended: boolean): Buffer {
  const lines: string[] = [];
  for (let f = 0; f < 3; f++) {
    lines.push('5', extended ? `Lattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3:id:I:1 Time=${f} pbc="T T T"` : `frame ${f}`);
    for (let i = 0; i < 5; i++) lines.push(`A ${(i + 0.1 * f).toFixed(3)} ${(0.7 * i).toFixed(3)} ${(0.3 * i).toFixed(3)}${extended ? ` ${5 - i}` : ''}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const dump = readFileSync(join(FIXTURES, 'e2e/small-2d.lammpstrj'));
const SEEDS: Record<string, Buffer> = {
  'dump.lammpstrj': dump,
  'dump.lammpstrj.gz': gzipSync(dump),
  'dump.lammpstrj.bz2': readFileSync(join(FIXTURES, 'compressed/sample.lammpstrj.bz2')),
  'plain.xyz': xyz(false),
  'extended.xyz': xyz(true),
  'run.gsd': readFileSync(join(FIXTURES, 'gsd/python-2d.gsd')),
  'run.dcd': readFileSync(join(FIXTURES, 'dcd/mda_charmm_triclinic.dcd')),
  'run.xtc': readFileSync(join(FIXTURES, 'xtc/small.xtc')),
};

/** The mutations of the readers' fuzz test (tests/core/io/mutations.ts) that a file meets in the wild. */
const KINDS = ['truncate', 'flipBytes', 'splice', 'zeroRun'] as const;

/** What a user may see: JSON and exit 0, or exit 1 and one line naming the file; warnings name it too. */
function problems(r: RunResult, command: string, file: string): string[] {
  const out: string[] = [];
  if (r.timedOut) out.push('hang (killed after the time limit)');
  if (r.signal) out.push(`killed by ${r.signal}`);
  if (r.code !== 0 && r.code !== 1) out.push(`exit code ${r.code}`);
  if (/\n\s+at .+[:(]\d+/.test(r.stderr) || /^\s+at /m.test(r.stderr)) out.push('stack trace on stderr');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (r.code === 1) {
    if (lines.length !== 1) out.push(`${lines.length} lines on stderr`);
    if (!lines[0]?.startsWith(`avw ${command}: `)) out.push(`stderr does not start with "avw ${command}: "`);
    if (!lines[0]?.includes(file)) out.push('the error does not name the file');
  } else if (r.code === 0) {
    try {
      JSON.parse(r.stdout);
    } catch {
      out.push('stdout is not JSON');
    }
    for (const l of lines) if (!l.includes(file) || !/^avw (\w+: )?warning: /.test(l)) out.push(`unexpected stderr: ${l.slice(0, 120)}`);
  }
  return out.map((p) => `${command} ${file}: ${p}${p.startsWith('unexpected') ? '' : ` (stderr: ${r.stderr.trim().slice(0, 300)})`}`);
}

describe('fuzz: mutated files through avw info and avw frame', () => {
  it('8 formats x 4 mutations, 2 commands each: no crash, no hang, no stack trace, one line naming the file', async () => {
    const started = performance.now();
    const cases: { file: string }[] = [];
    for (const [name, seed] of Object.entries(SEEDS)) {
      for (const kind of KINDS) {
        const r = mulberry32(name.length * 1009 + kind.length * 97 + 12345);
        const file = join(dir, `${kind}-${name}`);
        writeFileSync(file, MUTATIONS[kind](seed, r));
        cases.push({ file });
      }
    }
    const runs = await pool(cases.flatMap(({ file }) => [
      async () => ({ file, command: 'info', r: await avw(['info', file, '--json', '--index-dir', indexDir], { timeoutMs: 30_000 }) }),
      async () => ({ file, command: 'frame', r: await avw(['frame', file, '--frame', '0', '--json', '--index-dir', indexDir], { timeoutMs: 30_000 }) }),
    ]));
    const found = runs.flatMap(({ file, command, r }) => problems(r, command, file));
    const ok = runs.filter(({ r }) => r.code === 0).length;
    report('fuzz (processes)', {
      mutants: cases.length, runs: runs.length, 'exit 0': ok, 'exit 1 (one line naming the file)': runs.length - ok - found.length,
      crashes: runs.filter(({ r }) => r.signal || (r.code !== 0 && r.code !== 1)).length, hangs: runs.filter(({ r }) => r.timedOut).length,
      problems: found.length,
    }, started);
    expect(found).toEqual([]);
  }, 300_000);
});
