// `npm run web`: build what is missing, then start the web host (arguments pass through: --port, --no-open).
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
if (!existsSync(join(root, 'out/renderer/index.html')) || !existsSync(join(root, 'dist/main/web/main.js'))) {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const child = spawn(process.execPath, [join(root, 'dist/main/web/main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
