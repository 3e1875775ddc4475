// What `npm test` needs besides node_modules, checked before anything else runs: Chromium for the browser tests
// (/usr/bin/chromium, or $AVW_CHROMIUM) and poppler's pdftoppm and pdffonts for the figure tests. Missing ones are
// installed from the system's packages when the user may (root, or sudo without a password, with apt-get), as
// .ci/run does; otherwise `npm test` stops at once with one line naming what to install (instead of failing after
// minutes of unit tests). AVW_NO_INSTALL=1 never installs. Plain Node, no dependency: it runs before `npm ci`.
//   node scripts/test-prerequisites.mjs
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';

const env = process.env;

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, name)));
}

/** Debian package -> what is missing of it. */
function missing() {
  const out = [];
  const chromium = env.AVW_CHROMIUM || '/usr/bin/chromium';
  if (!executable(chromium)) out.push({ pkg: 'chromium', what: env.AVW_CHROMIUM ? `Chromium at $AVW_CHROMIUM (${chromium})` : 'Chromium (/usr/bin/chromium)' });
  const tools = ['pdftoppm', 'pdffonts'].filter((t) => !onPath(t));
  if (tools.length) out.push({ pkg: 'poppler-utils', what: `poppler's ${tools.join(' and ')}` });
  return out;
}

/** How to install Debian packages here without asking for a password: [] (as root), ['sudo', '-n'], or null. */
function installer() {
  if (env.AVW_NO_INSTALL === '1' || process.platform !== 'linux' || !onPath('apt-get')) return null;
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

let gaps = missing();
if (gaps.length > 0) {
  const how = installer();
  const pkgs = gaps.map((g) => g.pkg);
  if (how) {
    console.log(`npm test: installing from the system's packages: ${pkgs.join(' ')}`);
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => {
      const [cmd, ...rest] = [...how, ...args];
      return spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv }).status === 0;
    };
    if (run(['apt-get', 'update', '-qq'])) run(['apt-get', 'install', '-y', '-qq', ...pkgs]);
    gaps = missing();
  }
  if (gaps.length > 0) {
    const cmd = process.platform === 'linux' ? `sudo apt-get install ${gaps.map((g) => g.pkg).join(' ')}` : 'install Chromium and poppler (pdftoppm, pdffonts)';
    console.error(`npm test: missing ${gaps.map((g) => g.what).join(' and ')}, needed by the browser and figure tests: ${cmd}` +
      `${gaps.some((g) => g.pkg === 'chromium') ? ' (or set AVW_CHROMIUM to a Chromium binary)' : ''}`);
    process.exit(1);
  }
}
