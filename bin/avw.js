#!/usr/bin/env node
// The `avw` command. It runs the compiled CLI (dist/, built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist/cli/main.js');
if (!existsSync(entry)) {
  const build = spawnSync('npm', ['run', 'build:node', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0 || !existsSync(entry)) {
    console.error('avw: the CLI is not built; run `npm run build:node` in ' + root);
    process.exit(1);
  }
}
const { pathToFileURL } = await import("node:url");
await import(pathToFileURL(entry).href);
