// The Study view in Debian's Chromium against the web host: a tiny study written here (2 temperatures x 2 seeds,
// N = 64, 20 frames each) is opened by its path, run from the view on the local scheduler (the built avw's
// `study exec` processes), its table fills (every run running, then done with its frames), collect counts the
// candidates and tags, one click on a run makes it the open trajectory, and the ensemble MSD figure is previewed and
// exported (SVG, with its temperature legend) with its spec and data. Screenshots go to AVW_SCREENSHOTS or a temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startHost, stopHost, watchedPage } from './host.mjs';

let host;
let url;
let browser;
let page;
let violations = [];
let pageErrors = [];
const work = realpathSync(mkdtempSync(join(tmpdir(), 'avw-e2e-study-')));
const indexDir = join(work, 'workbench-index');
const studyFile = join(work, 'tiny.json');
const shots = process.env.AVW_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'avw-e2e-shots-'));
mkdirSync(shots, { recursive: true });

before(async () => {
  mkdirSync(indexDir);
  writeFileSync(studyFile, JSON.stringify({
    name: 'tiny', simulate: 'thermal', temperatures: [0.4, 0.5], seeds: [1, 2], analyses: ['msd', 'detect'],
    parameters: { n: 64, rho: 0.9, Tp: 0.5, equil: 40000, tw: 100, every: 100, frames: 20 },
  }));
  ({ host, url } = await startHost(indexDir));
  browser = await launchChromium();
  ({ page, violations, pageErrors } = await watchedPage(browser));
});

after(async () => {
  await browser?.close();
  await stopHost(host);
  rmSync(work, { recursive: true, force: true });
  console.log(`# study screenshots in ${shots}`);
});

/** The rows of the runs table: [name, T, seed, state, frames, candidates, tags]. */
function tableRows() {
  return page.locator('table[aria-label="Runs"] tbody tr').evaluateAll((trs) => trs.map((tr) => {
    const td = tr.querySelectorAll('td');
    const col = (name) => tr.querySelector(`td[data-col="${name}"]`)?.textContent?.trim() ?? '';
    return [td[0].textContent.trim(), td[1].textContent.trim(), td[2].textContent.trim(), tr.dataset.state, col('frames'), col('candidates'), col('tags')];
  }));
}

test('Study view: open a tiny study, run it here, watch the table fill, open a run with one click, preview and export an ensemble figure', async () => {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Study…' }).click();
  const view = page.getByRole('region', { name: 'Study' });
  await view.waitFor();

  // A relative path is refused by the API's declaration before anything is read.
  await view.getByRole('textbox', { name: 'Study file' }).fill('tiny.json');
  await view.getByRole('button', { name: 'Open study' }).click();
  await view.getByTestId('study-open-error').waitFor();
  assert.match(await view.getByTestId('study-open-error').textContent(), /"path" must be an absolute path/);

  await view.getByRole('textbox', { name: 'Study file' }).fill(studyFile);
  await view.getByRole('button', { name: 'Open study' }).click();
  await view.getByTestId('study-summary').waitFor();
  assert.match((await view.getByTestId('study-summary').textContent()).replace(/\s+/g, ' '), /tiny · thermal · T 0\.4, 0\.5 · seeds 1, 2 · analyses msd, detect/);
  assert.deepEqual(await tableRows(), [
    ['T0.4-s1', '0.4', '1', 'pending', '–', '–', '–'], ['T0.4-s2', '0.4', '2', 'pending', '–', '–', '–'],
    ['T0.5-s1', '0.5', '1', 'pending', '–', '–', '–'], ['T0.5-s2', '0.5', '2', 'pending', '–', '–', '–'],
  ]);
  assert.equal(await view.getByTestId('study-totals').getAttribute('data-total'), '4');

  // Run here, two at a time: runs are seen running with a progress bar, then the table fills.
  await view.getByRole('spinbutton', { name: 'Runs at a time' }).fill('2');
  await view.getByRole('spinbutton', { name: 'Runs at a time' }).dispatchEvent('change');
  await view.getByRole('button', { name: 'Run here' }).click();
  await view.getByRole('button', { name: 'Cancel run' }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('table[aria-label="Runs"] tr[data-state="running"] progress') !== null, null, { timeout: 120_000 });
  await page.screenshot({ path: join(shots, 'study-running.png') });
  await page.waitForFunction(() => document.querySelector('[data-testid=study-totals]')?.getAttribute('data-done') === '4', null, { timeout: 600_000 });
  await view.getByRole('button', { name: 'Cancel run' }).waitFor({ state: 'detached', timeout: 30_000 });
  assert.equal(await view.getByRole('progressbar', { name: 'Study progress' }).evaluate((p) => p.value), 1);
  const done = await tableRows();
  assert.deepEqual(done.map((r) => [r[0], r[3], r[4]]), [['T0.4-s1', 'done', '20'], ['T0.4-s2', 'done', '20'], ['T0.5-s1', 'done', '20'], ['T0.5-s2', 'done', '20']]);
  // The job is in the jobs panel as done.
  const jobs = page.getByRole('region', { name: 'Jobs' });
  assert.equal(await jobs.locator('li[data-job-state="done"]', { hasText: 'Study tiny' }).count(), 1);

  // Collect: the counts come from the study's index (candidates of the detector, every tag).
  await view.getByRole('button', { name: 'Collect' }).click();
  await view.getByTestId('study-note').filter({ hasText: 'Collected' }).waitFor({ timeout: 120_000 });
  assert.match(await view.getByTestId('study-note').textContent(), /Collected: 4 merged, 0 unchanged/);
  for (const r of await tableRows()) {
    assert.match(r[5], /^\d+$/, `candidates of ${r[0]}`);
    assert.match(r[6], /^\d+$/, `tags of ${r[0]}`);
    assert.ok(Number(r[6]) >= Number(r[5]));
  }

  // One click opens a run: it becomes the open trajectory (its frames, its tags panel).
  await view.getByRole('button', { name: 'Open run T0.5-s2' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=frames]')?.textContent === '20', null, { timeout: 120_000 });
  assert.equal(await page.getByRole('region', { name: 'Trajectory' }).locator('.file').getAttribute('title'), join(work, 'tiny', 'T0.5-s2', 'run.gsd'));
  assert.equal(await page.getByTestId('particles').textContent(), '64');
  assert.match(await view.locator('tr[data-run="3"]').getAttribute('class'), /current/);

  // The ensemble MSD, one curve per temperature with its legend, previewed as the figure dialog previews.
  const figure = view.getByRole('region', { name: 'Ensemble figure' });
  assert.equal(await figure.getByRole('combobox', { name: 'Ensemble figure kind' }).inputValue(), 'timeline');
  await figure.getByRole('button', { name: 'Preview' }).click();
  await page.waitForFunction(() => {
    const img = document.querySelector('img[data-testid=study-figure-preview]');
    return img && img.complete && img.naturalWidth > 0 && !document.querySelector('[aria-label="Rendering ensemble figure"]');
  }, null, { timeout: 120_000 });
  assert.match(await figure.getByTestId('study-figure-size').textContent(), /^3\.38 in × /);
  assert.match(await figure.getByTestId('study-figure-summary').textContent(), /T = 0\.4: 2 runs · T = 0\.5: 2 runs/);
  await page.screenshot({ path: join(shots, 'study-figure.png'), fullPage: true });

  // Exported beside the study with its spec and data.
  const out = join(work, 'tiny-msd.svg');
  await figure.getByRole('textbox', { name: 'Ensemble figure file' }).fill(out);
  await figure.getByRole('button', { name: 'Export' }).click();
  await figure.getByTestId('study-export-result').waitFor({ timeout: 120_000 });
  assert.ok(existsSync(out));
  // The figure (the preview's SVG, written: the page's CSP keeps its blob from a fetch) has the temperature legend.
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /T<\/tspan>/);
  assert.match(svg, /= 0\.4 \(2 runs\)/);
  assert.match(svg, /= 0\.5 \(2 runs\)/);
  assert.equal(await figure.getByRole('combobox', { name: 'Ensemble figure format' }).inputValue(), 'svg');
  const sidecar = JSON.parse(readFileSync(join(work, 'tiny-msd.json'), 'utf8'));
  assert.equal(sidecar.kind, 'timeline');
  assert.equal(sidecar.study, studyFile);
  assert.match(readFileSync(join(work, 'tiny-msd.csv'), 'utf8'), /0\.4/);

  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, []);
});
