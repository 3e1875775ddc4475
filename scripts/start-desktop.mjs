// `npm start`: the Electron desktop app. Without an Electron binary (it is fetched lazily and may be
// unreachable), say so in one line and point to the browser version.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');

function electronBinary() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

let exe = electronBinary();
if (!exe) {
  // Electron fetches its binary lazily: try once, quietly, with a time limit.
  try {
    const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
    spawnSync(process.execPath, [installer], { stdio: 'ignore', timeout: 180_000 });
  } catch {
    // no electron package at all: reported below
  }
  exe = electronBinary();
}
if (!exe) {
  console.error('avw: the Electron binary is not installed (the download failed); run `npm run web` to use the workbench in your browser.');
  process.exit(1);
}
if (!existsSync(join(root, 'out/main/index.js'))) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const child = spawn(exe, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
