// Browser tests: the web host driven through Debian's Chromium by playwright-core (never a downloaded browser).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, root, startHost } from './host.mjs';

const fixture = join(root, 'tests/fixtures/e2e/small-2d.lammpstrj');
let host;
let url;
let browser;
let indexDir;

before(async () => {
  indexDir = mkdtempSync(join(tmpdir(), 'avw-e2e-'));
  ({ host, url } = await startHost(indexDir));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  host?.kill('SIGTERM');
  if (indexDir) rmSync(indexDir, { recursive: true, force: true });
});

test('the web host binds 127.0.0.1 and prints its address with a token', () => {
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
});

test('without the token the page and the API are refused', async () => {
  const bare = url.replace(/\?token=.*/, '');
  const res = await fetch(bare);
  assert.equal(res.status, 403);
  const wrong = await fetch(`${bare}?token=not-the-token`);
  assert.equal(wrong.status, 403);
  const page = await browser.newPage();
  const refused = await page.evaluate(async (wsUrl) => new Promise((resolve) => {
    const ws = new WebSocket(wsUrl);
    ws.onopen = () => resolve(false);
    ws.onerror = () => resolve(true);
  }), bare.replace('http', 'ws') + 'api?token=wrong');
  assert.equal(refused, true);
  await page.close();
});

test('a WebSocket from another origin is refused even with the token', async () => {
  const { WebSocket } = await import('ws');
  const token = new URL(url).searchParams.get('token');
  const wsUrl = url.replace('http', 'ws').replace(/\/\?token=.*/, `/api?token=${token}`);
  const refused = await new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { headers: { Origin: 'http://evil.example' } });
    ws.on('open', () => { ws.close(); resolve(false); });
    ws.on('error', () => resolve(true));
  });
  assert.equal(refused, true);
});

test('the page has a strict CSP and opens a trajectory by path', async () => {
  const page = await browser.newPage();
  const response = await page.goto(url);
  assert.ok(response);
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 20_000 });
  await page.getByRole('textbox', { name: 'Trajectory path' }).fill(fixture);
  await page.getByRole('button', { name: 'Open file' }).click();
  await page.getByTestId('frames').waitFor({ timeout: 20_000 });
  assert.equal((await page.getByTestId('frames').textContent())?.trim(), '3');
  assert.equal((await page.getByTestId('particles').textContent())?.trim(), '9');
  await page.close();
});

test('a missing file gives one clear error line in the page', async () => {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 20_000 });
  await page.getByRole('textbox', { name: 'Trajectory path' }).fill('/nonexistent/run.lammpstrj');
  await page.getByRole('button', { name: 'Open file' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 20_000 });
  assert.match((await alert.textContent()) ?? '', /nonexistent\/run\.lammpstrj.*(no such file|not found|does not exist)/i);
  await page.close();
});
