// The Electron security audit of `npm run lint`: Doyensec's electronegativity over the Electron code (the main process,
// its Electron glue, the preload) and the renderer's page. Every finding fails the lint unless it is fixed, or argued
// where it is found with electronegativity's own annotation, `// eng-disable CHECK_ID -- why it does not apply`.
// Offline and quick: the tool's two network look-ups (translations, Electron's release list for the "security fixes
// available" check, which `npm audit` covers) are answered "unavailable" at once, and the Electron version is read from
// package.json instead of guessed.
//   node scripts/electron-audit.mjs            exit 1 and one line per finding when there is any
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// One pass over src: the global checks (navigation limits, permission handler, CSP) weigh the whole application. The
// Electron code is src/main/index.ts, src/main/electron and src/preload; the renderer's page carries the CSP meta tag.
const TARGETS = ['src'];

const require = createRequire(import.meta.url);
const engDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
// No network: the tool's HTTP client answers every request with a failure at once.
const gotPath = require.resolve('got', { paths: [engDir] });
const offline = () => Promise.reject(new Error('electron-audit: offline'));
offline.head = offline;
offline.get = offline;
const Module = require('node:module');
const stub = new Module(gotPath);
stub.exports = offline;
stub.loaded = true;
require.cache[gotPath] = stub;
const log = console.log;
console.log = (...args) => {
  if (!/Could not retrieve updated translations/.test(String(args[0]))) log(...args);
};
const run = require(join(engDir, 'dist/runner.js'));

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const electronVersion = String(pkg.devDependencies.electron).replace(/^[^\d]*/, '');

const findings = [];
let checks = 0;
for (const target of TARGETS) {
  const input = join(root, target);
  const r = await run({
    input, isSarif: false, customScan: [], excludeFromScan: ['availablesecurityfixesglobalcheck'], isRelative: false,
    isVerbose: false, electronVersionOverride: electronVersion, parserPlugins: [],
  }, false);
  checks = Math.max(checks, r.globalChecks + r.atomicChecks);
  for (const e of r.errors) findings.push(`${relative(root, e.file ?? input)}: electronegativity could not parse it (${e.message ?? e.error ?? e})`);
  for (const i of r.issues) {
    findings.push(`${relative(root, i.file)}:${i.location.line}:${i.location.column}: ${i.id} (${i.severity.name ?? i.severity.value}, ${i.confidence.name ?? i.confidence.value}): ${i.description} ${i.shortenedURL}`);
  }
}
console.log = log;
if (findings.length) {
  for (const f of findings) console.error(f);
  console.error(`electron-audit: ${findings.length} finding(s); fix each, or argue it where it is with "// eng-disable CHECK_ID -- why"`);
  process.exit(1);
}
console.log(`electron-audit: electronegativity ${require('@doyensec/electronegativity/package.json').version}, ${checks} checks over ${TARGETS.join(', ')} (Electron ${electronVersion}): no finding`);
