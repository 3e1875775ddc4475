// "Export figure…" in Debian's Chromium against the web host: at a detector candidate of the demo the dialog opens
// pre-filled, its preview is an SVG image as wide as the preset (7.00 in, then 3.38 in), typing in it moves no frame,
// a PDF exported to a temporary directory has its .json spec (kind, frame, field) and .csv, a second export asks
// before replacing, Escape closes. Screenshots go to AVW_SCREENSHOTS or a temporary directory, printed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, rendered as renderedOn, sliderValue as frameSliderValue, startHost, stopHost, watchedPage } from './host.mjs';

let host;
let url;
let browser;
let page;
let indexDir;
const out = mkdtempSync(join(tmpdir(), 'avw-e2e-figure-'));
const shots = process.env.AVW_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'avw-e2e-shots-'));
mkdirSync(shots, { recursive: true });
let violations = [];
let pageErrors = [];

before(async () => {
  indexDir = mkdtempSync(join(tmpdir(), 'avw-e2e-fig-index-'));
  ({ host, url } = await startHost(indexDir));
  browser = await launchChromium();
  ({ page, violations, pageErrors } = await watchedPage(browser));
});

after(async () => {
  await browser?.close();
  await stopHost(host);
  for (const dir of [indexDir, out]) if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`# figure screenshots in ${shots}`);
});

const rendered = (f, field) => renderedOn(page, f, field);
const sliderValue = () => frameSliderValue(page);

/** Wait until the preview is drawn (no spinner, the image decoded) and its size reads `size`; the image's natural width. */
async function previewWidth(size) {
  await page.waitForFunction((pattern) => {
    const dialog = document.querySelector('dialog[aria-label="Export figure"]');
    const img = dialog?.querySelector('img[data-testid=figure-preview]');
    const text = dialog?.querySelector('[data-testid=figure-size]')?.textContent ?? '';
    return img && img.complete && img.naturalWidth > 0 && !dialog.querySelector('[aria-label="Rendering preview"]') && new RegExp(pattern).test(text);
  }, size.source, { timeout: 60_000 });
  return page.locator('dialog[aria-label="Export figure"] img[data-testid=figure-preview]').evaluate((img) => img.naturalWidth);
}

test('Export figure… at a candidate: preview at the preset sizes, a PDF with its spec and data, replace asked first', async () => {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Open demo' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=timeline-summary]')?.getAttribute('data-detected') === 'true', null, { timeout: 180_000 });
  const candidate = Number(await page.getByRole('region', { name: 'Tags' }).locator('tr[data-kind="candidate"]').first().getAttribute('data-frame'));
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await rendered(candidate);
  await page.getByRole('combobox', { name: 'Field', exact: true }).selectOption('d2min');
  await rendered(candidate, 'd2min');

  await page.getByRole('button', { name: 'Export figure…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export figure' });
  await dialog.waitFor();
  const kind = dialog.getByRole('combobox', { name: 'Figure kind' });
  assert.equal(await kind.inputValue(), 'fields');
  // Every figure kind the API knows is offered (src/shared/api-constants.ts FIGURE_KINDS).
  assert.deepEqual(await kind.locator('option').evaluateAll((options) => options.map((o) => o.value)),
    ['fields', 'vectors', 'timeline', 'distribution', 'heatmap', 'scatter', 'grid', 'local_gr', 'ln_g_beta_u',
      'rearranger_strain', 'rearranger_g2', 'softness_distribution', 'softness_change', 'onset_strain', 'strain_since_start']);
  assert.equal(await dialog.getByRole('spinbutton', { name: 'Event frame' }).inputValue(), String(candidate));
  assert.equal(await dialog.getByRole('spinbutton', { name: 'Before frame' }).inputValue(), String(candidate - 1));
  assert.equal(await dialog.getByRole('combobox', { name: 'Figure field' }).inputValue(), 'd2min');
  assert.match(await dialog.getByRole('textbox', { name: 'Output file' }).inputValue(), new RegExp(`demo-fields-f${candidate}\\.pdf$`));

  assert.equal(await dialog.getByRole('combobox', { name: 'Size' }).inputValue(), 'aps-double');
  const wide = await previewWidth(/^7\.00 in × /);
  assert.ok(wide > 0);
  await dialog.getByRole('combobox', { name: 'Size' }).selectOption('aps-single');
  const narrow = await previewWidth(/^3\.38 in × /);
  assert.ok(narrow > 0 && narrow < wide, `single column ${narrow} px, double ${wide} px`);

  // Typing in the dialog (J, K, T, Space among the letters) moves no frame and tags nothing.
  const pdf = join(out, 'jk t fig.pdf');
  await dialog.getByRole('textbox', { name: 'Output file' }).fill('');
  await dialog.getByRole('textbox', { name: 'Output file' }).pressSequentially(pdf);
  assert.equal(await sliderValue(), candidate);
  assert.equal(await page.getByRole('region', { name: 'Tags' }).locator('tr[data-kind="avalanche"]').count(), 0);

  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const result = dialog.getByTestId('export-result');
  await result.waitFor({ timeout: 60_000 });
  assert.match((await result.textContent()) ?? '', /jk t fig\.pdf.*jk t fig\.json.*jk t fig\.csv/s);
  assert.equal(readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
  const side = JSON.parse(readFileSync(join(out, 'jk t fig.json'), 'utf8'));
  assert.equal(side.kind, 'fields');
  assert.equal(side.frame, candidate);
  assert.equal(side.field, 'd2min');
  assert.equal(side.preset, 'aps-single');
  assert.match(side.trajectory, /demo\.gsd$/);
  assert.ok(existsSync(join(out, 'jk t fig.csv')));
  assert.ok(readFileSync(join(out, 'jk t fig.csv'), 'utf8').split('\n').length > 100);
  await dialog.screenshot({ path: join(shots, 'figure-dialog.png') });

  // Exporting again asks before replacing the three files.
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const ask = dialog.getByRole('alertdialog', { name: 'Replace files' });
  await ask.waitFor({ timeout: 20_000 });
  assert.match((await ask.textContent()) ?? '', /already exist.*Replace\?/);
  await ask.getByRole('button', { name: 'Replace' }).click();
  await result.waitFor({ timeout: 60_000 });

  // Other kinds preview too (the MSD timeline with the tags as marks, a grid of four fields), without an error.
  for (const other of ['timeline', 'grid']) {
    const before = await dialog.getByTestId('figure-size').textContent();
    await kind.selectOption(other);
    await page.waitForFunction((old) => {
      const dialog = document.querySelector('dialog[aria-label="Export figure"]');
      return !dialog.querySelector('[aria-label="Rendering preview"]') && (dialog.querySelector('[data-testid=figure-size]')?.textContent !== old || dialog.querySelector('[data-testid=preview-error]'));
    }, before, { timeout: 120_000 });
    assert.equal(await dialog.getByTestId('preview-error').count(), 0, `${other}: ${await dialog.getByTestId('preview-error').textContent().catch(() => '')}`);
    assert.match(await dialog.getByRole('textbox', { name: 'Output file' }).inputValue(), /jk t fig\.pdf$/);
    await dialog.screenshot({ path: join(shots, `figure-dialog-${other}.png`) });
  }

  // Escape closes the dialog; the workbench's keys work again.
  await dialog.getByRole('combobox', { name: 'Figure kind' }).focus();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden', timeout: 5000 });
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('ArrowRight');
  await rendered(candidate + 1);
});

test('no Content-Security-Policy violation and no uncaught error in the page', () => {
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, []);
});
