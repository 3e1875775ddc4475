// Start-up shared by the browser tests: the built web host on a free port with its own index directory, and
// Debian's Chromium through playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Spawn `dist/main/web/main.js` and resolve with the child and the address it prints (token included). */
export async function startHost(indexDir) {
  const host = spawn(process.execPath, [join(root, 'dist/main/web/main.js'), '--port', '0', '--no-open', '--index-dir', indexDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('web host did not start in 30 s')), 30_000);
    let text = '';
    host.stdout.on('data', (d) => {
      text += d;
      const m = /Avalanche Workbench at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    host.on('exit', (code) => reject(new Error(`web host exited with ${code}`)));
  });
  return { host, url };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.AVW_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A page at the workbench's viewport that records CSP violations and uncaught page errors. */
export async function watchedPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, ...contextOptions });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const violations = [];
  const pageErrors = [];
  page.on('console', (m) => {
    if (m.text().startsWith('CSP violation')) violations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, violations, pageErrors };
}

/** Stop the web host: SIGTERM, then SIGKILL after 5 s. */
export async function stopHost(host) {
  if (!host || host.exitCode !== null) return;
  host.kill('SIGTERM');
  const t = setTimeout(() => host.kill('SIGKILL'), 5000);
  await new Promise((r) => host.once('exit', r));
  clearTimeout(t);
}
