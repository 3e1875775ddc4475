// `npm run bench -- SUITE...`: run benchmark suites (default: all) and print figures with the machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = {
  io: ['tests/bench/io.ts'],
  analysis: ['tests/bench/analysis.ts'],
  betti: ['tests/bench/betti.ts'],
  sim: ['tests/bench/sim.ts', 'tests/bench/minimize.ts'],
  ui: ['tests/bench/ui.ts'],
  figures: ['tests/bench/figures.ts'],
  study: ['tests/bench/study.ts'],
  modes: ['tests/bench/modes.ts'],
  softness: ['tests/bench/softness.ts'],
};
// Suites are the names before the first option; everything from the first option on goes to every suite, so that
// both `--repeats=5` and `--repeats 5` reach it.
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('-'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const names = wanted.length ? wanted : Object.keys(suites);
for (const name of names) {
  const files = suites[name];
  if (!files || !files.every((f) => existsSync(join(root, f)))) {
    console.error(`bench: unknown suite "${name}" (known: ${Object.keys(suites).join(', ')})`);
    process.exit(2);
  }
  for (const file of files) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, file), ...options], {
      cwd: root,
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
