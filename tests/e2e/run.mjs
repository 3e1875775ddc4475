// Runs the browser tests with node's test runner (its summary closes the `npm test` output).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', join(here, 'web.test.mjs'), join(here, 'workbench.test.mjs'), join(here, 'figure.test.mjs'), join(here, 'softness.test.mjs'), join(here, 'study.test.mjs')], { stdio: 'inherit' });
process.exit(r.status ?? 1);
