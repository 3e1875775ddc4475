// `npm run bench -- SUITE...`: run benchmark suites (default: all) and print figures with the machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = { io: 'tests/bench/io.ts' };
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(suites);
for (const name of names) {
  const file = suites[name];
  if (!file || !existsSync(join(root, file))) {
    console.error(`bench: unknown suite "${name}" (known: ${Object.keys(suites).join(', ')})`);
    process.exit(2);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, file), ...process.argv.slice(2).filter((a) => a.startsWith('-'))], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
