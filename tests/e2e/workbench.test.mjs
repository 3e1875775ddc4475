// The workbench's golden path in Debian's Chromium against the web host (playwright-core, never a downloaded
// browser): open the demo; the timeline shows MSD with a detector candidate; J moves there; the panes show
// f - 1, f, f + 1; choose D2min; the colour bar shows its range; every pane canvas shows coloured particles;
// tag the frame; reload: the session and the tag are back; export CSV and check it. Beside it: the panes on a
// candidate's own bracket, and cancelling the open of a large file while it indexes. Screenshots are saved in a
// temporary directory (AVW_SCREENSHOTS to choose it), printed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBigGzipDump } from './big-dump.mjs';
import { writeDemoAsLammps } from './demo-as-lammps.mjs';
import { canvasPixels, launchChromium, rendered as renderedOn, sliderValue as frameSliderValue, startHost, stopHost, watchedPage } from './host.mjs';
import { FIELD_NAMES } from '../../dist/shared/fields.js';
let host;
let url;
let browser;
let context;
let page;
let indexDir;
const shots = process.env.AVW_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'avw-e2e-shots-'));
mkdirSync(shots, { recursive: true });
let violations = [];
let pageErrors = [];
/** The golden path's state, carried from test to test (they run in order). */
const golden = { frame: -1, frames: 0, demoPath: '', lammpsDump: '' };

before(async () => {
  indexDir = mkdtempSync(join(tmpdir(), 'avw-e2e-wb-'));
  ({ host, url } = await startHost(indexDir));
  browser = await launchChromium();
  ({ context, page, violations, pageErrors } = await watchedPage(browser, { acceptDownloads: true }));
});

after(async () => {
  await browser?.close();
  await stopHost(host);
  if (indexDir) rmSync(indexDir, { recursive: true, force: true });
  console.log(`# workbench screenshots in ${shots}`);
});

async function ready() {
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
}

const rendered = (f, field) => renderedOn(page, f, field);
const sliderValue = () => frameSliderValue(page);
/** Pixels of a pane canvas (of `on`, default the page): how many are clearly coloured, and how many distinct colours. */
const canvasColours = (name, on = page) => canvasPixels(on, name);

async function paneFrameText(name) {
  return (await page.getByRole('region', { name, exact: true }).getByTestId('pane-frame').textContent())?.trim();
}

test('open the demo: the timeline shows MSD with at least one detector candidate', async () => {
  const response = await page.goto(url);
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await ready();
  if (process.env.AVW_E2E_FILE) {
    // Another trajectory instead of the demo (for a look at a particular file); the default is the demo.
    await page.getByRole('textbox', { name: 'Trajectory path' }).fill(process.env.AVW_E2E_FILE);
    await page.getByRole('button', { name: 'Open file' }).click();
  } else {
    await page.getByRole('button', { name: 'Open demo' }).click();
  }
  const summary = page.getByRole('region', { name: 'Timeline' }).getByTestId('timeline-summary');
  // Opening indexes the file, computes the MSD and runs the detector (data-detected once it has).
  await page.waitForFunction(() => document.querySelector('[data-testid=timeline-summary]')?.getAttribute('data-detected') === 'true', null, { timeout: 180_000 });
  const text = (await summary.textContent()) ?? '';
  const m = /MSD over (\d+) frames; (\d+) detector candidates?/.exec(text);
  assert.ok(m, `timeline summary: ${text}`);
  golden.frames = Number(m[1]);
  assert.ok(golden.frames > 3, text);
  assert.ok(Number(m[2]) >= 1, `no detector candidate: ${text}`);
  // The timeline chart is drawn (a canvas with content) and the Frame slider spans the trajectory.
  const slider = page.getByRole('slider', { name: 'Frame' });
  assert.equal(await slider.getAttribute('max'), String(golden.frames - 1));
  assert.equal(await sliderValue(), 0);
  golden.demoPath = await page.getByRole('textbox', { name: 'Trajectory path' }).inputValue();
  if (!process.env.AVW_E2E_FILE) assert.match(golden.demoPath, /demo\.gsd$/);
  await rendered(0);
  await page.screenshot({ path: join(shots, '01-demo-open.png') });
});

test('J moves to the candidate; the panes show f - 1, f, f + 1; arrows and K move around', async () => {
  const tags = page.getByRole('region', { name: 'Tags' });
  const firstCandidate = Number(await tags.locator('tr[data-kind="candidate"]').first().getAttribute('data-frame'));
  assert.ok(firstCandidate > 0, 'a candidate after frame 0');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await rendered(firstCandidate);
  const f = await sliderValue();
  assert.equal(f, firstCandidate);
  golden.frame = f;
  assert.equal(await paneFrameText('Before'), `frame ${f - 1}`);
  assert.equal(await paneFrameText('At'), `frame ${f}`);
  assert.equal(await paneFrameText('After'), `frame ${f + 1}`);
  assert.equal(await page.evaluate(() => document.body.dataset.renderedFrame), String(f));
  // Right, Shift+Right, Shift+Left, Left: back at f.
  const last = golden.frames - 1;
  const clamp = (x) => Math.max(0, Math.min(last, x));
  let expected = clamp(f + 1);
  await page.keyboard.press('ArrowRight');
  await rendered(expected);
  assert.equal(await sliderValue(), expected);
  for (const [key, step] of [['Shift+ArrowRight', 10], ['Shift+ArrowLeft', -10], ['ArrowLeft', -1]]) {
    expected = clamp(expected + step);
    await page.keyboard.press(key);
    await rendered(expected);
    assert.equal(await sliderValue(), expected, key);
  }
  // The slider seeks too.
  await page.getByRole('slider', { name: 'Frame' }).evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, f);
  await rendered(f);
  // K: the first candidate has no marker before it, so the frame stays.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('k');
  await page.waitForTimeout(200);
  assert.equal(await sliderValue(), f);
  await page.screenshot({ path: join(shots, '02-at-candidate.png') });
});

test('Bracket "event": at a candidate the panes show its own before and after frames; "fixed d" shows f - d, f + d again', async () => {
  const tags = page.getByRole('region', { name: 'Tags' });
  const brackets = await tags.locator('tr[data-kind="candidate"][data-before]').evaluateAll((rows) =>
    rows.map((r) => [Number(r.dataset.frame), Number(r.dataset.before), Number(r.dataset.after)]));
  assert.ok(brackets.length >= 1, 'the detector candidates carry their bracket');
  // The candidate with the widest bracket.
  const [f, before, after] = brackets.reduce((a, b) => (b[2] - b[1] > a[2] - a[1] ? b : a));
  assert.ok(before < f && f <= after, `bracket ${before}..${after} of frame ${f}`);
  await tags.getByRole('button', { name: `Go to frame ${f}`, exact: true }).click();
  await rendered(f);
  const mode = page.getByRole('combobox', { name: 'Bracket', exact: true });
  assert.equal(await mode.inputValue(), 'fixed');
  await mode.selectOption('event');
  await page.waitForFunction((b) => document.querySelector('[aria-label="Before"] [data-testid=pane-frame]')?.textContent?.trim() === `frame ${b}`, before, { timeout: 10_000 });
  assert.equal(await paneFrameText('At'), `frame ${f}`);
  // A jump between two frames ends its bracket at f: the After pane mirrors the Before side.
  const shownAfter = after > f ? after : f + (f - before);
  assert.equal(await paneFrameText('After'), `frame ${shownAfter}`);
  assert.equal((await page.getByTestId('bracket-note').textContent())?.trim(), `event: frames ${before}..${shownAfter}`);
  await page.screenshot({ path: join(shots, '02b-event-bracket.png') });
  // Off the candidate the panes fall back to f - d, f + d.
  await page.getByRole('slider', { name: 'Frame' }).evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, f - 3);
  await rendered(f - 3);
  assert.equal(await paneFrameText('Before'), `frame ${f - 4}`);
  assert.equal((await page.getByTestId('bracket-note').textContent())?.trim(), 'no event here: ± d');
  await mode.selectOption('fixed');
  await tags.getByRole('button', { name: `Go to frame ${golden.frame}`, exact: true }).click();
  await rendered(golden.frame);
  assert.equal(await paneFrameText('Before'), `frame ${golden.frame - 1}`);
  assert.equal(await paneFrameText('After'), `frame ${golden.frame + 1}`);
});

test('choose D2min: one colour scale with its range, and every pane shows coloured particles', async () => {
  const field = page.getByRole('combobox', { name: 'Field', exact: true });
  const options = await field.locator('option').allTextContents();
  for (const name of FIELD_NAMES) assert.ok(options.includes(name), `Field option ${name}`);
  await field.selectOption('d2min');
  await rendered(golden.frame, 'd2min');
  const bar = page.getByRole('region', { name: 'Colour bar' });
  const text = ((await bar.textContent()) ?? '').replace(/\s+/g, ' ');
  const m = /range (-?[\d.]+(?:e-?\d+)?) … (-?[\d.]+(?:e-?\d+)?)/.exec(text);
  assert.ok(m, `colour bar text: ${text}`);
  const [lo, hi] = [Number(m[1]), Number(m[2])];
  assert.ok(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo && lo >= 0, `range ${lo} … ${hi}`);
  assert.match(text, /d2min/);
  for (const name of ['Before', 'At', 'After']) {
    const c = await canvasColours(name);
    assert.ok(c.coloured > 0.02 * c.total, `${name}: only ${c.coloured} of ${c.total} pixels coloured`);
    assert.ok(c.distinct >= 8, `${name}: only ${c.distinct} distinct colours`);
    await page.getByRole('region', { name, exact: true }).locator('canvas').screenshot({ path: join(shots, `03-d2min-${name.toLowerCase()}.png`) });
  }
  // Hover shows id, diameter and value; a click highlights the particle in all three panes.
  const at = page.getByRole('region', { name: 'At', exact: true }).locator('.pane-canvas');
  const box = await at.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tip = page.getByRole('tooltip');
  await tip.waitFor({ timeout: 5000 });
  const tipText = (await tip.textContent()) ?? '';
  assert.match(tipText, /id \d+/);
  assert.match(tipText, /diameter [\d.]+/);
  assert.match(tipText, /d2min/);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.getByText(/particle \d+ highlighted/).waitFor({ timeout: 5000 });
  await page.screenshot({ path: join(shots, '04-d2min.png') });
});

test('tag the frame; after a reload the session and the tag are back', async () => {
  const f = golden.frame;
  const tags = page.getByRole('region', { name: 'Tags' });
  await page.getByRole('button', { name: 'Tag frame' }).click();
  await tags.locator(`tr[data-frame="${f}"][data-kind="avalanche"]`).waitFor({ timeout: 10_000 });
  assert.match((await tags.getByTestId('current-tag').textContent()) ?? '', new RegExp(`Frame ${f}: avalanche`));
  // The note is saved too.
  const note = tags.getByRole('textbox', { name: `Note of frame ${f}`, exact: true });
  await note.fill('golden path');
  await note.press('Enter');
  await note.blur();
  await page.waitForTimeout(800);
  await page.reload();
  await ready();
  await rendered(f, 'd2min');
  assert.equal(await sliderValue(), f);
  assert.equal(await page.getByRole('combobox', { name: 'Field', exact: true }).inputValue(), 'd2min');
  const row = page.getByRole('region', { name: 'Tags' }).locator(`tr[data-frame="${f}"][data-kind="avalanche"]`);
  await row.waitFor({ timeout: 20_000 });
  assert.equal(await row.getByRole('textbox', { name: `Note of frame ${f}`, exact: true }).inputValue(), 'golden path');
  await page.screenshot({ path: join(shots, '05-after-reload.png') });
});

test('export the tags as CSV', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 20_000 }),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const path = join(shots, download.suggestedFilename());
  await download.saveAs(path);
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  assert.ok(header.includes('frame') && header.includes('kind'), `CSV header: ${lines[0]}`);
  const fi = header.indexOf('frame');
  const ki = header.indexOf('kind');
  const row = lines.slice(1).map((l) => l.split(',')).find((c) => Number(c[fi]) === golden.frame);
  assert.ok(row, `no CSV row for frame ${golden.frame}:\n${lines.join('\n')}`);
  assert.equal(row[ki], 'avalanche');
  assert.ok(lines.some((l) => l.includes('golden path')), 'the note is exported');
});

test('undo reverts the last tag change', async () => {
  const f = golden.frame;
  const tags = page.getByRole('region', { name: 'Tags' });
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('t');
  // T on an avalanche detector tag puts it back to candidate; undo restores the avalanche.
  await tags.locator(`tr[data-frame="${f}"][data-kind="candidate"]`).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Undo' }).click();
  await tags.locator(`tr[data-frame="${f}"][data-kind="avalanche"]`).waitFor({ timeout: 10_000 });
});

test('a ?file= argument opens that trajectory (here with the CPU raster path of large systems); a dropped file without a path explains what to do', async () => {
  const p = await context.newPage();
  await p.goto(`${url}&file=${encodeURIComponent(golden.demoPath)}&particles=cpu`);
  await p.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  try {
    await p.waitForFunction(() => document.body.dataset.renderedFrame !== undefined, null, { timeout: 60_000 });
  } catch (e) {
    await p.screenshot({ path: join(shots, '07-file-argument-failed.png') });
    throw new Error(`${e.message}: ${JSON.stringify(await p.evaluate(() => ({ ...document.body.dataset, text: document.body.innerText.slice(0, 600) })))}`);
  }
  assert.equal(await p.getByRole('textbox', { name: 'Trajectory path' }).inputValue(), golden.demoPath);
  await p.getByRole('region', { name: 'At', exact: true }).locator('canvas').screenshot({ path: join(shots, '06-cpu-raster-at.png') });
  const colours = await canvasColours('At', p);
  const raster = colours.coloured / colours.total;
  assert.ok(raster > 0.05, `CPU raster: only ${(100 * raster).toFixed(1)} % of the pixels coloured`);
  await p.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['x'], 'run.lammpstrj'));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  const note = p.getByRole('note');
  await note.waitFor({ timeout: 5000 });
  assert.match((await note.textContent()) ?? '', /run\.lammpstrj.*absolute path.*Trajectory path/);
  await p.close();
});

test('cancel while a large file indexes: the workbench stays usable, the open is cancelled (not an error), and opening again works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'avw-e2e-big-'));
  try {
    const big = join(dir, 'big-2d.lammpstrj.gz');
    await writeBigGzipDump(big, { side: 100, frames: 600 });
    const f = await sliderValue();
    const pathBox = page.getByRole('textbox', { name: 'Trajectory path' });
    await pathBox.fill(big);
    await page.getByRole('button', { name: 'Open file' }).click();
    const indexing = page.getByRole('status', { name: 'Indexing' });
    await indexing.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('progress[aria-label="Indexing progress"]')?.value ?? 0) > 0, null, { timeout: 10_000 });
    await page.screenshot({ path: join(shots, '08-indexing.png') });
    await indexing.getByRole('button', { name: 'Cancel' }).click();
    await indexing.waitFor({ state: 'detached', timeout: 5000 });
    assert.match((await page.getByRole('note').textContent()) ?? '', /Opening big-2d\.lammpstrj\.gz was cancelled/);
    assert.equal(await page.getByRole('alert').count(), 0, 'no error shown');
    // The backend's job says cancelled (not failed); the open trajectory is still there and answers keys.
    const jobs = page.getByRole('region', { name: 'Jobs' });
    await jobs.locator('li[data-job-state="cancelled"]', { hasText: 'big-2d.lammpstrj.gz' }).waitFor({ timeout: 10_000 });
    assert.equal(await jobs.locator('li[data-job-state="failed"]').count(), 0);
    assert.equal(await page.getByTestId('particles').textContent(), '256');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await rendered(f + 1);
    // Opening again resumes the scan and shows the trajectory.
    await page.getByRole('button', { name: 'Open file' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=particles]')?.textContent === '10000', null, { timeout: 120_000 });
    await rendered(0);
    assert.equal(await page.getByRole('slider', { name: 'Frame' }).getAttribute('max'), '599');
    await jobs.locator('li[data-job-state="done"]', { hasText: 'big-2d.lammpstrj.gz' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, '09-opened-after-cancel.png') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the simulation dialog starts an AQS run; the jobs panel shows it done and the run opens; a bad output path is refused', async () => {
  await page.getByRole('button', { name: 'New simulation…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New simulation' });
  await dialog.getByLabel('athermal quasistatic shear (AQS)').check();
  await dialog.getByRole('spinbutton', { name: 'particles N' }).fill('64');
  await dialog.getByRole('spinbutton', { name: 'strain steps' }).fill('10');
  await dialog.getByRole('textbox', { name: 'Output file' }).fill('/nonexistent-directory-avw/run.gsd');
  await dialog.getByRole('button', { name: 'Start' }).click();
  await dialog.getByRole('alert').waitFor({ timeout: 10_000 });
  assert.match((await dialog.getByRole('alert').textContent()) ?? '', /nonexistent-directory-avw/);
  await dialog.getByRole('textbox', { name: 'Output file' }).fill('');
  await dialog.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => /\/simulations\/aqs-[^/]*\.gsd$/.test(document.querySelector('input[aria-label="Trajectory path"]')?.value ?? ''), null, { timeout: 120_000 });
  await rendered(0);
  const jobs = page.getByRole('region', { name: 'Jobs' });
  await jobs.locator('li[data-job-state="done"]', { hasText: 'AQS shear' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('particles').textContent(), '64');
  await page.screenshot({ path: join(shots, '07-simulation-opened.png') });
});

test('a first scrub through a file nobody has opened: D2min drawn at every first visit, and the background caches every frame', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'avw-e2e-fresh-'));
  const dump = join(dir, 'demo-as-lammps.lammpstrj');
  const FRAMES = 40;
  writeDemoAsLammps(golden.demoPath, dump, FRAMES);
  golden.lammpsDump = dump;
  await page.getByRole('textbox', { name: 'Trajectory path' }).fill(dump);
  await page.getByRole('button', { name: 'Open file' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=timeline-summary]')?.getAttribute('data-detected') === 'true', null, { timeout: 180_000 });
  assert.equal(await page.getByTestId('frames').textContent(), String(FRAMES));
  // A new file opens at frame 0 (the Field box keeps the field chosen before): go to frame 1, choose D2min there.
  await rendered(0);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('ArrowRight');
  await rendered(1);
  const field = page.getByRole('combobox', { name: 'Field', exact: true });
  await field.selectOption('d2min');
  await rendered(1, 'd2min');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  for (let f = 2; f < FRAMES; f++) {
    await page.keyboard.press('ArrowRight');
    await rendered(f, 'd2min');
    const errors = await page.locator('.pane-error').allTextContents();
    assert.deepEqual(errors.filter((e) => e.trim()), [], `frame ${f}: ${errors.join('; ')}`);
  }
  const at = await canvasColours('At');
  assert.ok(at.coloured > 0.05 * at.total && at.distinct > 8, `D2min colours at the last frame: ${JSON.stringify(at)}`);
  // The sweep started with the field has computed D2min for every frame (frame 0 has no previous frame).
  await page.waitForFunction(() => (document.body.dataset.sweep ?? '').startsWith('done'), null, { timeout: 180_000 });
  const sweep = await page.evaluate(() => document.body.dataset.sweep);
  assert.match(sweep, /^done \d+\/\d+$/, `sweep: ${sweep}`);
  await page.screenshot({ path: join(shots, '09-fresh-scrub-d2min.png') });
});

test('colour by a property the file carries: c_pe from the LAMMPS dump, and the velocities as arrows', async () => {
  const field = page.getByRole('combobox', { name: 'Field', exact: true });
  const fromFile = await field.locator('optgroup[label="From the file"] option').allTextContents();
  assert.ok(fromFile.includes('file:c_pe') && fromFile.includes('file:velocity') && fromFile.includes('file:diameter'), `from the file: ${fromFile.join(', ')}`);
  const frame = await sliderValue();
  await field.selectOption('file:c_pe');
  await rendered(frame, 'file:c_pe');
  const bar = page.getByRole('region', { name: 'Colour bar' });
  const text = ((await bar.textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(text, /file:c_pe/, `colour bar: ${text}`);
  // c_pe is the distance from the box centre: the pane shows a radial gradient of many colours.
  const at = await canvasColours('At');
  assert.ok(at.coloured > 0.05 * at.total && at.distinct > 8, `c_pe colours: ${JSON.stringify(at)}`);
  await field.selectOption('file:velocity');
  await rendered(frame, 'file:velocity');
  await page.screenshot({ path: join(shots, '10-file-property.png') });
});

/** Pixels of the timeline chart in the second series' colour (#2e8b57, TimelinePanel.vue), antialiased edges included;
 *  with `range`, whether the count is within it (for waitForFunction: the function runs in the page, self-contained). */
function secondSeriesPixels(range) {
  const canvas = document.querySelector('[data-testid=timeline-chart] canvas');
  if (!canvas) return 0;
  const c = document.createElement('canvas');
  c.width = canvas.width;
  c.height = canvas.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(canvas, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 46) < 30 && Math.abs(d[i + 1] - 139) < 30 && Math.abs(d[i + 2] - 87) < 30) n++;
  return range ? n >= range.min && n <= range.max : n;
}

test('betti1 beside MSD: a file without inherent structures says how to make them; the demo draws beta_1 of demo.is.gsd, no potential asked; lambda_min asks it, then draws', async () => {
  const box = page.getByRole('combobox', { name: 'Second series' });
  assert.ok((await box.locator('option').allTextContents()).includes('betti1'));
  // The LAMMPS dump of the tests before has no paired inherent structures.
  await box.selectOption('betti1');
  const error = page.getByTestId('series-error');
  await error.waitFor({ timeout: 60_000 });
  assert.match((await error.textContent()) ?? '', /betti1: betti1 is measured on inherent structures .*demo-as-lammps\.is\.lammpstrj does not exist\. Make it with "avw minimize/);
  assert.equal(await page.getByRole('combobox', { name: 'Potential' }).count(), 0);
  // The demo: beta_1 of every frame of its paired demo.is.gsd, drawn on the second axis.
  await page.getByRole('button', { name: 'Open demo' }).click();
  await page.waitForFunction(() => /demo\.gsd$/.test(document.querySelector('input[aria-label="Trajectory path"]')?.value ?? ''), null, { timeout: 60_000 });
  await page.waitForFunction((frames) => (document.querySelector('[data-testid=timeline-summary]')?.textContent ?? '').includes(`MSD over ${frames} frames`), golden.frames, { timeout: 120_000 });
  assert.equal(await box.inputValue(), 'betti1');
  // Computed by an analysis worker (216 frames), then drawn.
  await page.waitForFunction(secondSeriesPixels, { min: 300, max: 1e12 }, { timeout: 300_000, polling: 500 }).catch(() => undefined);
  const green = await page.evaluate(secondSeriesPixels);
  assert.ok(green > 300, `the betti1 curve covers only ${green} pixels of the timeline`);
  assert.equal(await error.count(), 0);
  await page.screenshot({ path: join(shots, '08-betti1-timeline.png') });
  // lambda_smallest (Fig. 1e) of the same inherent structures: it asks the potential first, then draws.
  await box.selectOption('lambda_min');
  const potential = page.getByRole('combobox', { name: 'Potential' });
  await potential.waitFor({ timeout: 30_000 });
  // Nothing is drawn until the potential is chosen (the betti1 curve goes).
  await page.waitForFunction(secondSeriesPixels, { min: 0, max: 49 }, { timeout: 30_000, polling: 500 }).catch(() => undefined);
  assert.ok((await page.evaluate(secondSeriesPixels)) < 50, 'the betti1 curve stays while lambda_min waits for its potential');
  await potential.selectOption('wca');
  await page.waitForFunction(secondSeriesPixels, { min: 300, max: 1e12 }, { timeout: 300_000, polling: 500 }).catch(() => undefined);
  const lambdaPixels = await page.evaluate(secondSeriesPixels);
  assert.ok(lambdaPixels > 300, `the lambda_min curve covers only ${lambdaPixels} pixels of the timeline`);
  assert.equal(await error.count(), 0);
  await page.screenshot({ path: join(shots, '09-lambda-min-timeline.png') });
  await box.selectOption('');
  await page.waitForFunction(secondSeriesPixels, { min: 0, max: 49 }, { timeout: 30_000, polling: 500 }).catch(() => undefined);
  assert.ok((await page.evaluate(secondSeriesPixels)) < 50, 'the betti1 curve stays after choosing nothing');
});

test('no Content-Security-Policy violation and no uncaught error in the page', () => {
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, []);
});
