// After `tsc` emits dist/: give dist its own package.json so that `#shared/*` imports (mapped to the TypeScript
// sources by the root package.json) resolve to the compiled dist/shared/* when Node runs dist/.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const pkg = { '//': 'written by scripts/dist-package.mjs', type: 'module', imports: { '#shared/*': './shared/*' } };
writeFileSync(join(dist, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
