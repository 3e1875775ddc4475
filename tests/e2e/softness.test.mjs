// The Softness panel in Debian's Chromium against the web host: on the demo at frame 42 (95 rearrangers since frame 41)
// train an ensemble of 4 hyperplanes into a model file in a temporary directory (the job in the jobs panel, the
// accuracies shown), training again asks before replacing, a long training cancels and writes nothing; loading a
// broken file names the file and the key; the model loads again; "Colour by softness" colours the three panes by
// ml_softness; "outline rearrangers" rings the rearrangers in green in every pane and the count matches
// `avw rearrangers`; a reload brings the model and the colouring back. Screenshots go to AVW_SCREENSHOTS or a
// temporary directory, printed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canvasPixels as paneCanvasPixels, launchChromium, rendered as renderedOn, startHost, stopHost, watchedPage } from './host.mjs';

let host;
let url;
let browser;
let page;
let indexDir;
const out = mkdtempSync(join(tmpdir(), 'avw-e2e-softness-'));
const shots = process.env.AVW_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'avw-e2e-shots-'));
mkdirSync(shots, { recursive: true });
let violations = [];
let pageErrors = [];
const FRAME = 42;
const model = join(out, 'demo model.json');

before(async () => {
  indexDir = mkdtempSync(join(tmpdir(), 'avw-e2e-soft-index-'));
  ({ host, url } = await startHost(indexDir));
  browser = await launchChromium();
  ({ page, violations, pageErrors } = await watchedPage(browser));
});

after(async () => {
  await browser?.close();
  await stopHost(host);
  for (const dir of [indexDir, out]) if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`# softness screenshots in ${shots}`);
});

const rendered = (f, field) => renderedOn(page, f, field);
const canvasPixels = (name) => paneCanvasPixels(page, name);

const panel = () => page.getByRole('region', { name: 'Softness' });
/** Text of an element with its runs of white space as single spaces. */
async function text(locator) {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

test('train a model on the demo: a job with its accuracies, replace asked first, cancel writes nothing', async () => {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Open demo' }).click();
  // Once the detector has run, the tags panel above stops growing (a click lands where it was aimed).
  await page.waitForFunction(() => document.querySelector('[data-testid=timeline-summary]')?.getAttribute('data-detected') === 'true', null, { timeout: 180_000 });
  await rendered(0);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  for (let k = 0; k < 4; k++) await page.keyboard.press('Shift+ArrowRight');
  for (let k = 0; k < 2; k++) await page.keyboard.press('ArrowRight');
  await rendered(FRAME);

  const p = panel();
  await p.getByRole('button', { name: 'current frame', exact: true }).click();
  await page.waitForFunction((f) => document.querySelector('input[aria-label="Training frame"]')?.value === String(f), FRAME, { timeout: 10_000 });
  assert.equal(await p.getByRole('spinbutton', { name: 'Training frame' }).inputValue(), String(FRAME));
  assert.equal(await p.getByRole('spinbutton', { name: 'Training reference frame' }).inputValue(), String(FRAME - 1));
  assert.match(await p.getByRole('textbox', { name: 'Model file', exact: true }).inputValue(), new RegExp(`demo-softness-f${FRAME}\\.json$`));
  await p.getByRole('textbox', { name: 'Centre count', exact: true }).fill('20');
  await p.getByRole('textbox', { name: 'Hyperplanes', exact: true }).fill('4');
  await p.getByRole('textbox', { name: 'Model file', exact: true }).fill(model);
  // A bad value is named before anything is sent.
  await p.getByRole('textbox', { name: 'C', exact: true }).fill('-1');
  await p.getByRole('button', { name: 'Train', exact: true }).click();
  assert.match((await p.getByTestId('train-error').textContent()) ?? '', /C must be a positive number \(got "-1"\)/);
  await p.getByRole('textbox', { name: 'C', exact: true }).fill('1');
  await p.getByRole('button', { name: 'Train', exact: true }).click();

  const summary = p.getByTestId('softness-model');
  await summary.waitFor({ timeout: 120_000 });
  assert.match(await text(summary), /demo model\.json: 4 hyperplanes, 20 centres \(0\.4–2\.3\), one model/);
  assert.match(await text(summary), new RegExp(`trained on demo\\.gsd, frames ${FRAME - 1} → ${FRAME} \\(quantile labels\\)`));
  const trainAcc = /^(\d+\.\d) %$/.exec((await p.getByTestId('train-accuracy').textContent()) ?? '');
  const validAcc = /^(\d+\.\d) %$/.exec((await p.getByTestId('validation-accuracy').textContent()) ?? '');
  assert.ok(trainAcc && validAcc, 'accuracies shown as percentages');
  assert.ok(Number(trainAcc[1]) > 50 && Number(trainAcc[1]) <= 100, `training accuracy ${trainAcc[1]} %`);
  // The model file is what the panel shows.
  const json = JSON.parse(readFileSync(model, 'utf8'));
  assert.equal(json.format, 'avalanche-workbench/softness-model');
  assert.equal(json.hyperplanes.length, 4);
  const mean = json.hyperplanes.reduce((a, h) => a + h.trainAccuracy, 0) / 4;
  assert.equal((100 * mean).toFixed(1), trainAcc[1]);
  assert.deepEqual(json.provenance.frames, { frame: FRAME, ref: FRAME - 1 });
  // The job is in the jobs panel, done, with "Load model" rather than "Open".
  const jobRow = page.getByRole('region', { name: 'Jobs' }).locator('li[data-job-state="done"]', { hasText: 'softness-train' });
  await jobRow.waitFor();
  assert.match((await jobRow.textContent()) ?? '', /Softness model demo model\.json/);
  assert.equal(await jobRow.getByRole('button', { name: 'Load model' }).count(), 1);

  // Training again into the same file asks first; Keep leaves it as it is.
  const before = readFileSync(model, 'utf8');
  await p.getByRole('button', { name: 'Train', exact: true }).click();
  const ask = p.getByRole('alertdialog', { name: 'Replace model' });
  await ask.waitFor({ timeout: 20_000 });
  assert.match((await ask.textContent()) ?? '', /demo model\.json already exists\. Replace\?/);
  await ask.getByRole('button', { name: 'Keep', exact: true }).click();
  assert.equal(readFileSync(model, 'utf8'), before);

  // A long training shows its progress and cancels; no file is written.
  const long = join(out, 'long.json');
  // 1000 hyperplanes of 1000 structure functions each (centres 0.005 apart): minutes of work on any machine, so the
  // cancel lands while it trains.
  await p.getByRole('textbox', { name: 'Hyperplanes', exact: true }).fill('1000');
  await p.getByRole('textbox', { name: 'Centre count', exact: true }).fill('1000');
  await p.getByRole('textbox', { name: 'dr', exact: true }).fill('0.005');
  await p.getByRole('textbox', { name: 'Model file', exact: true }).fill(long);
  await p.getByRole('button', { name: 'Train', exact: true }).click();
  await p.getByRole('progressbar', { name: 'Training progress' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(shots, 'softness-training.png') });
  await p.getByRole('button', { name: 'Cancel', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=train-error]')?.textContent?.includes('the training was cancelled'), null, { timeout: 30_000 });
  assert.equal(existsSync(long), false);
  await p.getByRole('textbox', { name: 'Centre count', exact: true }).fill('20');
  await p.getByRole('textbox', { name: 'dr', exact: true }).fill('0.1');
  assert.equal(await page.getByRole('region', { name: 'Jobs' }).locator('li[data-job-state="cancelled"]', { hasText: 'softness-train' }).count(), 1);
});

test('load: a broken file is refused naming the file and the key; the saved model loads again', async () => {
  const p = panel();
  const broken = join(out, 'broken.json');
  const json = JSON.parse(readFileSync(model, 'utf8'));
  json.hyperplanes[2].sd = [1, 2, 3];
  writeFileSync(broken, JSON.stringify(json));
  await p.getByRole('textbox', { name: 'Model to load', exact: true }).fill(broken);
  await p.getByRole('button', { name: 'Load', exact: true }).click();
  const err = p.getByTestId('load-error');
  await err.waitFor();
  assert.equal(await err.textContent(), `${broken}: hyperplanes[2].sd: expected an array of 20 positive numbers, got an array of 3`);
  await p.getByRole('textbox', { name: 'Model to load', exact: true }).fill(join(out, 'missing.json'));
  await p.getByRole('button', { name: 'Load', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=load-error]')?.textContent?.includes('missing.json does not exist'));

  await p.getByRole('textbox', { name: 'Model to load', exact: true }).fill(model);
  await p.getByRole('button', { name: 'Load', exact: true }).click();
  await err.waitFor({ state: 'detached' });
  assert.match(await text(p.getByTestId('softness-model')), /demo model\.json: 4 hyperplanes/);
});

test('colour by softness: the three panes draw ml_softness from the model', async () => {
  const p = panel();
  await p.getByRole('button', { name: 'Colour by softness', exact: true }).click();
  await rendered(FRAME, 'ml_softness');
  assert.equal(await page.getByRole('combobox', { name: 'Field', exact: true }).inputValue(), 'ml_softness');
  assert.equal(await page.getByTestId('field-error').count(), 0);
  for (const name of ['Before', 'At', 'After']) {
    const c = await canvasPixels(name);
    assert.ok(c.coloured > 0.02 * c.total, `${name}: only ${c.coloured} of ${c.total} pixels coloured`);
    assert.ok(c.distinct >= 8, `${name}: ${c.distinct} distinct colours (a diverging map over the softness)`);
    assert.equal(c.green, 0, `${name}: green pixels before the outlines are on`);
  }
  await page.screenshot({ path: join(shots, 'softness-coloured.png') });
});

test('a figure of the model: the export dialog previews P(S) (Zhang Fig. 5) with the panel\'s model', async () => {
  await page.getByRole('button', { name: 'Export figure…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export figure' });
  await dialog.waitFor();
  await dialog.getByRole('combobox', { name: 'Figure kind' }).selectOption('softness_distribution');
  await page.waitForFunction(() => {
    const d = document.querySelector('dialog[aria-label="Export figure"]');
    const img = d?.querySelector('img[data-testid=figure-preview]');
    return Boolean(d?.querySelector('[data-testid=preview-error]')) || Boolean(img && img.complete && img.naturalWidth > 0 && !d.querySelector('[aria-label="Rendering preview"]'));
  }, null, { timeout: 180_000 });
  assert.equal(await dialog.getByTestId('preview-error').count(), 0, await dialog.getByTestId('preview-error').textContent().catch(() => ''));
  await page.screenshot({ path: join(shots, 'softness-figure-preview.png') });
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
});

test('outline rearrangers: green rings in every pane, as many as avw rearrangers counts; off again clears them', async () => {
  const p = panel();
  await p.getByRole('checkbox', { name: 'Outline rearrangers' }).check();
  await page.waitForFunction((f) => (document.body.dataset.rearrangers ?? '').startsWith(`${f}:`), FRAME, { timeout: 120_000 });
  // `avw rearrangers resources/demo/demo.gsd` counts 95 at frame 42 (D2min since frame 41 above d_soft).
  assert.equal(await page.evaluate(() => document.body.dataset.rearrangers), `${FRAME}:95`);
  assert.match(await text(p.getByTestId('rearranger-count')), new RegExp(`95 at frame ${FRAME} \\(since frame ${FRAME - 1}\\)`));
  for (const name of ['Before', 'At', 'After']) {
    const c = await canvasPixels(name);
    assert.ok(c.green > 95 * 10, `${name}: only ${c.green} green pixels for 95 rings`);
    await page.getByRole('region', { name, exact: true }).locator('canvas').screenshot({ path: join(shots, `softness-outlines-${name.toLowerCase()}.png`) });
  }
  // The next frame: its own rearrangers (239 since frame 42).
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((f) => document.body.dataset.rearrangers === `${f}:239`, FRAME + 1, { timeout: 120_000 });
  await p.getByRole('checkbox', { name: 'Outline rearrangers' }).uncheck();
  await page.waitForFunction(() => document.body.dataset.rearrangers === '');
  for (const name of ['Before', 'At', 'After']) assert.equal((await canvasPixels(name)).green, 0, `${name}: rings left after turning them off`);
});

test('reload: the session brings back the model (shown in the panel) and the panes coloured by it', async () => {
  // The session is saved 0.4 s after a change.
  await page.waitForTimeout(1500);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  await rendered(FRAME + 1, 'ml_softness');
  await panel().getByTestId('softness-model').waitFor({ timeout: 30_000 });
  assert.match(await text(panel().getByTestId('softness-model')), /demo model\.json: 4 hyperplanes/);
  assert.equal(await panel().getByRole('checkbox', { name: 'Outline rearrangers' }).isChecked(), false);
  assert.equal(await page.getByTestId('field-error').count(), 0);
  const c = await canvasPixels('At');
  assert.ok(c.coloured > 0.02 * c.total, `At: only ${c.coloured} of ${c.total} pixels coloured after the reload`);
});

test('no Content-Security-Policy violation and no uncaught error in the page', () => {
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, []);
});
