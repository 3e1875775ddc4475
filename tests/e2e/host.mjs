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

/** Wait until the panes of `page` are drawn for frame f (and the field, when given). */
export async function rendered(page, f, field) {
  await page.waitForFunction(([frame, fld]) => document.body.dataset.renderedFrame === String(frame)
    && (fld === null || document.body.dataset.renderedField === fld), [f, field ?? null], { timeout: 120_000 });
}

/** The frame slider's value. */
export async function sliderValue(page) {
  return Number(await page.getByRole('slider', { name: 'Frame' }).inputValue());
}

/**
 * Pixels of a pane canvas: how many are clearly coloured (saturated) and how many distinct colours, and how many are
 * of the green rearranger outline.
 */
export async function canvasPixels(page, name) {
  return page.getByRole('region', { name, exact: true }).locator('canvas').evaluate((canvas) => {
    const c = document.createElement('canvas');
    c.width = canvas.width;
    c.height = canvas.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    let green = 0;
    const distinct = new Set();
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i];
      const g = d[i + 1];
      const b = d[i + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) {
        coloured++;
        distinct.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      }
      if (g > 150 && g - Math.max(r, b) > 80) green++;
    }
    return { coloured, green, total: d.length / 4, distinct: distinct.size };
  });
}
