/**
 * The browser explorer (web/) in a real browser: Debian's chromium driven by puppeteer-core,
 * under the X display the suite runs with (xvfb-run), so that the page's WebGL2 runs on Mesa's
 * llvmpipe, as headlessgl does (headless Chromium's SwiftShader takes over ten minutes for
 * this run). Skipped with the reason where Chromium or a display is absent, unless
 * COLLAPSE_SIM_REQUIRE_BACKENDS names `chromium` (CI does): then those absences fail.
 *
 * The page must load with no console error, run Bernoulli M = 100 with 10⁴ chains on WebGL2,
 * on WebGPU (SwiftShader) and on the CPU fallback (a browser without WebGL2 or WebGPU), its
 * engines in workers, and its Arrow download must hold the rows `collapse-sim run --backend
 * reference` writes, with the same provenance but for the backend, the device and the
 * machine (the GPU runs begin on the CPU while the kernel compiles: the provenance must say
 * which chains ran where); the trajectories download must be the CLI's; the reproduce tab
 * must show the claims `collapse-sim reproduce` computes at the same --chains and --seed; a
 * bad control gets a message beside it; a screenshot of the running page is saved.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { startExplorerServer, type ExplorerServer } from '../../src/cli/serve-command.js';
import { readRunTable } from '../../src/io/read-table.js';
import type { Provenance } from '../../src/io/provenance.js';
import type { Claim } from '../../src/reproduce/context.js';
import { REQUIRED_BACKENDS } from '../gpu/backends-under-test.js';
import { cliIn, temporaryDirectory } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env['COLLAPSE_SIM_CHROMIUM'] ?? '/usr/bin/chromium';
const required = REQUIRED_BACKENDS.has('chromium');

function absence(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set COLLAPSE_SIM_CHROMIUM)`;
  if (spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).status !== 0) return `${CHROMIUM} --version fails`;
  if (!process.env['DISPLAY']) return 'no X display: run the tests under xvfb-run (the page\'s WebGL2 runs on Mesa through it)';
  return null;
}
const absent = absence();
if (absent !== null && !required) console.warn(`tests/web/explorer.test.ts skipped: ${absent}`);

/** The run every test makes: Bernoulli (the default family), M = 100, 10⁴ chains, in batches of 1000. */
const RUN_FLAGS = ['--family', 'bernoulli', '--samples', '100', '--chains', '10000', '--batch-size', '1000'];

describe.runIf(absent === null || required)('the browser explorer in Chromium', () => {
  const [directory, removeDirectory] = temporaryDirectory();
  let server: ExplorerServer;
  let puppeteer: typeof import('puppeteer-core').default;
  const browsers: Browser[] = [];
  let reference: { provenance: Provenance; rows: Record<string, unknown[]> };
  const REFERENCE_FILE = (): string => join(directory, 'cli', 'collapse-times.arrow');

  /** Every column of a chain table, as plain arrays. */
  function columnsOf(path: string, kind: 'chains' | 'trajectories' = 'chains'): { provenance: Provenance; rows: Record<string, unknown[]> } {
    const { table, provenance } = readRunTable(path, { kind });
    const rows: Record<string, unknown[]> = {};
    for (const field of table.schema.fields) rows[field.name] = Array.from(table.getChild(field.name)!.toArray() as ArrayLike<unknown>);
    return { provenance, rows };
  }

  /**
   * The provenance without what may differ: the backend and the device (the issue allows it),
   * and the machine the file was made on (a browser describes its own, see web/build.mjs).
   */
  const withoutBackend = (provenance: Provenance): unknown => ({ ...provenance, backend: null, device: null, machine: null, config: { ...provenance.config, backend: null } });
  /** The provenance without the machine (the device names the CPU, which a browser does not). */
  const withoutMachine = (provenance: Provenance): unknown => ({ ...provenance, device: null, machine: null });

  async function openPage(args: readonly string[]): Promise<{ page: Page; errors: string[]; downloads: string }> {
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      // Headful on the X display: ANGLE on Mesa's GL (llvmpipe), which a software display offers.
      headless: false,
      protocolTimeout: 600_000,
      args: ['--no-sandbox', '--ignore-gpu-blocklist', '--window-size=1400,1000', ...args],
    });
    browsers.push(browser);
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push((error as Error).message));
    const downloads = join(directory, `downloads-${browsers.length}`);
    const session = await page.createCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForSelector('#option-samples');
    return { page, errors, downloads };
  }

  async function setOption(page: Page, flag: string, value: string): Promise<void> {
    await page.$eval(`#option-${flag}`, (input, v) => {
      (input as HTMLInputElement).value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }

  async function downloadedFile(downloads: string, name: string): Promise<string> {
    const file = join(downloads, name);
    const deadline = Date.now() + 60_000;
    while (!(existsSync(file) && readdirSync(downloads).every((entry) => !entry.endsWith('.crdownload')))) {
      if (Date.now() > deadline) throw new Error(`no ${name} downloaded into ${downloads}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return file;
  }

  /** Runs the page's run on `backend`; returns the downloaded Arrow file's path (and the status shown in the screenshot). */
  async function runOnPage(page: Page, downloads: string, backend: string, screenshot?: string): Promise<{ file: string; statusAtScreenshot: string | null }> {
    await setOption(page, 'samples', '100');
    await setOption(page, 'chains', '10000');
    await setOption(page, 'backend', backend);
    // A click that does not wait for the page to answer: a GPU call holds its thread for a moment.
    await page.evaluate(() => document.getElementById('run')!.click());
    let statusAtScreenshot: string | null = null;
    if (screenshot !== undefined) {
      await page.waitForFunction(() => document.getElementById('status')!.dataset['state'] !== 'starting', { timeout: 600_000, polling: 250 });
      await page.waitForSelector('#survival svg', { timeout: 600_000 });
      statusAtScreenshot = await page.$eval('#status', (e) => e.textContent);
      await page.screenshot({ path: screenshot, fullPage: true });
    }
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.getElementById('status')!.dataset['state']!), { timeout: 600_000, polling: 500 });
    expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/^Done: 10000 chains/);
    await page.click('#download-arrow');
    return { file: await downloadedFile(downloads, 'collapse-times.arrow'), statusAtScreenshot };
  }

  beforeAll(async () => {
    if (absent !== null) throw new Error(`Chromium is required (COLLAPSE_SIM_REQUIRE_BACKENDS names chromium): ${absent}`);
    // The page, from the same sources as the CLI (type-checked by npm run build:web; bundled here).
    const built = spawnSync(process.execPath, [join(ROOT, 'web/build.mjs')], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    server = await startExplorerServer(join(ROOT, 'dist/web'), 0);
    puppeteer = (await import('puppeteer-core')).default;
    // The default --out, as the page's file records it.
    mkdirSync(join(directory, 'cli'));
    const result = cliIn(join(directory, 'cli'))(['run', ...RUN_FLAGS, '--backend', 'reference', '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    reference = columnsOf(REFERENCE_FILE());
  });

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await server?.close();
    removeDirectory();
  });

  it('loads with no console error, with controls from the family registry and the equivalent command', async () => {
    const { page, errors } = await openPage([]);
    const families = await page.$$eval('#option-family option', (options) => options.map((o) => (o as HTMLOptionElement).value));
    const { FAMILY_NAMES, FAMILIES } = await import('../../src/families/index.js');
    expect(families).toEqual([...FAMILY_NAMES]);
    // Every family's own flags appear when it is chosen.
    for (const family of FAMILY_NAMES) {
      await setOption(page, 'family', family);
      const flags = await page.$$eval('#family-options .field', (nodes) => nodes.map((n) => (n as HTMLElement).dataset['flag']));
      expect(flags).toEqual(FAMILIES[family].options.map((o) => o.flag));
    }
    await setOption(page, 'family', 'bernoulli');
    expect(await page.$eval('#command', (e) => e.textContent)).toBe('collapse-sim run --family bernoulli --batch-size 1000');
    expect(errors).toEqual([]);
  });

  it('refuses a bad control with a message beside the field, and runs nothing', async () => {
    const { page, errors } = await openPage([]);
    await setOption(page, 'samples', '0');
    expect(await page.$eval('#error-samples', (e) => e.textContent)).toMatch(/^--samples must be .*1/);
    expect(await page.$eval('.field[data-flag="samples"]', (e) => e.classList.contains('invalid'))).toBe(true);
    await page.click('#run');
    expect(await page.$eval('#status', (e) => (e as HTMLElement).dataset['state'])).toBe('invalid');
    await setOption(page, 'samples', '100');
    expect(await page.$eval('#error-samples', (e) => e.textContent)).toBe('');
    // The page's own cap: it keeps the whole file in memory.
    await setOption(page, 'chains', '20000000');
    expect(await page.$eval('#error-chains', (e) => e.textContent)).toBe('--chains 20000000 is more than the page keeps in memory (at most 10000000); the command line streams any number to disk');
    await setOption(page, 'chains', '10000');
    expect(await page.$eval('#form-error', (e) => e.textContent)).toBe('');
    expect(errors).toEqual([]);
  });

  it('animates the recorded trajectories of a run with --trajectories, puts the flag in the command, and downloads the trajectories file collapse-sim run writes', async () => {
    const { page, errors, downloads } = await openPage([]);
    await setOption(page, 'chains', '200');
    await setOption(page, 'trajectories', 'every:1,chains:5');
    await setOption(page, 'backend', 'cpu');
    expect(await page.$eval('#command', (e) => e.textContent)).toBe('collapse-sim run --family bernoulli --chains 200 --trajectories every:1,chains:5 --batch-size 1000 --backend reference');
    await page.evaluate(() => document.getElementById('run')!.click());
    await page.waitForSelector('#trajectories[data-drawn]', { timeout: 120_000 });
    // Every generation of the five chains, up to each one's collapse (and generation 0).
    const drawn = Number(await page.$eval('#trajectories', (e) => (e as HTMLElement).dataset['drawn']));
    expect(drawn).toBeGreaterThan(5);
    expect(await page.$eval('#trajectories', (e) => e.textContent)).toContain('Trajectories of p for 5 chains');
    // Both files are `collapse-sim run`'s for the same flags: rows, and provenance but for the machine.
    await page.click('#download-trajectories');
    const trajectories = columnsOf(await downloadedFile(downloads, 'collapse-times.trajectories.arrow'), 'trajectories');
    await page.click('#download-arrow');
    const chains = columnsOf(await downloadedFile(downloads, 'collapse-times.arrow'));
    const cli = join(directory, 'cli-trajectories');
    mkdirSync(cli);
    const result = cliIn(cli)(['run', '--chains', '200', '--trajectories', 'every:1,chains:5', '--batch-size', '1000', '--backend', 'reference', '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const cliTrajectories = columnsOf(join(cli, 'collapse-times.trajectories.arrow'), 'trajectories');
    expect(trajectories.rows['chain']).toHaveLength(drawn);
    expect(trajectories.rows).toEqual(cliTrajectories.rows);
    expect(withoutMachine(trajectories.provenance)).toEqual(withoutMachine(cliTrajectories.provenance));
    expect(chains.rows).toEqual(columnsOf(join(cli, 'collapse-times.arrow')).rows);
    expect(errors).toEqual([]);
  });

  it('runs Bernoulli M = 100, 10⁴ chains on WebGL2 (Mesa): the Arrow download holds the CLI reference path\'s rows', async () => {
    const { page, errors, downloads } = await openPage(['--use-angle=gl']);
    const screenshot = join(directory, 'explorer-webgl2.png');
    const { file, statusAtScreenshot } = await runOnPage(page, downloads, 'webgl2', screenshot);
    // Results on screen while the run goes on (progressive batches).
    expect(statusAtScreenshot).toMatch(/^Running: \d+ of 10000 chains/);
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    // The CPU computes the first batches while WebGL2 compiles its kernel (the same bits), then WebGL2 takes the rest.
    expect(await page.$eval('#engine', (e) => e.textContent)).toMatch(/^Backend: reference on float64 TypeScript .*, then webgl2 on .*\(browser\) \(the CPU computes/);
    expect(await page.$eval('#command', (e) => e.textContent)).toBe('collapse-sim run --family bernoulli --batch-size 1000 --backend headlessgl');
    const downloaded = columnsOf(file);
    // The provenance says which engine computed which chains: both, at a batch boundary, or
    // WebGL2 alone had it compiled before the CPU's first batch.
    if (downloaded.provenance.backend === 'webgl2') expect(downloaded.provenance.device).toMatch(/\(browser\)$/);
    else {
      expect(downloaded.provenance.backend).toBe('reference+webgl2');
      const [, cpuEnd, gpuFirst] = /^float64 TypeScript on 1 thread \(.*\) for chains 0…(\d+); .*\(browser\) for chains (\d+)…9999$/.exec(downloaded.provenance.device) ?? [];
      expect(Number(gpuFirst)).toBe(Number(cpuEnd) + 1);
      expect(Number(gpuFirst) % 1000).toBe(0);
    }
    expect(await page.$eval('#status', (e) => e.textContent)).toContain(`on ${downloaded.provenance.backend}`);
    // Its configuration is the command shown: `collapse-sim run --config` reruns it to the same rows.
    expect(downloaded.provenance.config.backend).toBe('headlessgl');
    expect(withoutBackend(downloaded.provenance)).toEqual(withoutBackend(reference.provenance));
    expect(downloaded.rows).toEqual(reference.rows);
    expect(errors).toEqual([]);
  });

  it('stops a run from the page while the GPU compiles and while it runs: nothing to download, and Run works again', async () => {
    const { page, errors } = await openPage(['--use-angle=gl']);
    await setOption(page, 'samples', '100');
    await setOption(page, 'chains', '10000');
    await setOption(page, 'backend', 'webgl2');
    // Early (workers opening, the kernel compiling: the GPU worker is ended) and later (between calls).
    for (const after of [1000, 3000]) {
      await page.evaluate(() => document.getElementById('run')!.click());
      await new Promise((r) => setTimeout(r, after));
      await page.click('#stop');
      await page.waitForFunction(() => document.getElementById('status')!.dataset['state'] !== 'running' && document.getElementById('status')!.dataset['state'] !== 'starting', { timeout: 120_000, polling: 100 });
      expect(await page.$eval('#status', (e) => e.textContent)).toBe('Stopped: nothing to download from an unfinished run.');
      expect(await page.$eval('#download-arrow', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
      expect(await page.$eval('#run', (e) => (e as HTMLButtonElement).disabled)).toBe(false);
    }
    expect(errors).toEqual([]);
  });

  it('runs Bernoulli M = 100, 10⁴ chains on WebGPU (SwiftShader here) in its worker: the Arrow download holds the CLI reference path\'s rows', async (context) => {
    // Chromium offers WebGPU on Linux behind this flag; its adapter here is SwiftShader's Vulkan on the CPU.
    const { page, errors, downloads } = await openPage(['--enable-unsafe-webgpu']);
    const adapter = await page.evaluate('(async () => navigator.gpu === undefined ? "no navigator.gpu" : (await navigator.gpu.requestAdapter()) === null ? "no WebGPU adapter" : null)()');
    if (adapter !== null) {
      if (required) throw new Error(`Chromium is required (COLLAPSE_SIM_REQUIRE_BACKENDS names chromium) and offers ${adapter} with --enable-unsafe-webgpu`);
      context.skip(`Chromium here offers ${adapter} with --enable-unsafe-webgpu`);
    }
    const { file } = await runOnPage(page, downloads, 'webgpu');
    expect(await page.$eval('#command', (e) => e.textContent)).toBe('collapse-sim run --family bernoulli --batch-size 1000 --backend webgpu');
    const downloaded = columnsOf(file);
    // WebGPU computed chains (all of them, or those after the CPU's head start): its rows are the reference's bits.
    expect(downloaded.provenance.backend).toMatch(/^(reference\+)?webgpu$/);
    // The adapter as the browser names it (SwiftShader here; another Vulkan driver may be chosen elsewhere).
    expect(downloaded.provenance.device).toMatch(/\(browser\)( for chains \d+…9999)?$/);
    expect(downloaded.rows).toEqual(reference.rows);
    expect(withoutBackend(downloaded.provenance)).toEqual(withoutBackend(reference.provenance));
    expect(errors).toEqual([]);
  });

  it('falls back to the CPU (the reference path) without WebGPU and WebGL2, saying why: the rows and provenance of collapse-sim run --backend reference (but for the machine), and the same Parquet as export', async () => {
    const { page, errors, downloads } = await openPage(['--disable-webgl', '--disable-webgpu']);
    const { file } = await runOnPage(page, downloads, 'auto');
    const fallbacks = await page.$$eval('#fallbacks li', (items) => items.map((li) => li.textContent));
    expect(fallbacks).toHaveLength(2);
    expect(fallbacks[0]).toMatch(/^webgpu not used: /);
    expect(fallbacks[1]).toBe('webgl2 not used: this browser offers no WebGL2 context');
    expect(await page.$eval('#command', (e) => e.textContent)).toBe('collapse-sim run --family bernoulli --batch-size 1000 --backend reference');
    const downloaded = columnsOf(file);
    expect(downloaded.provenance.backend).toBe('reference');
    expect(downloaded.rows).toEqual(reference.rows);
    // The same file as the CLI's but for the machine it names (and the device, which names its processor).
    expect(withoutBackend(downloaded.provenance)).toEqual(withoutBackend(reference.provenance));
    expect(downloaded.provenance.machine.node).toMatch(/^none \(a browser: .*Chrome/);
    // And its Parquet is what `collapse-sim export --to parquet` writes from the page's Arrow file.
    await page.click('#download-parquet');
    const parquet = await downloadedFile(downloads, 'collapse-times.parquet');
    copyFileSync(file, join(directory, 'cli', 'from-page.arrow'));
    const exported = cliIn(join(directory, 'cli'))(['export', 'from-page.arrow', '--to', 'parquet', '--out', 'exported.parquet']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(parquet).equals(readFileSync(join(directory, 'cli', 'exported.parquet')))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('reproduces Fig. 1 live: the claims, numbers, intervals and verdicts of collapse-sim reproduce at the same chains and seed, and its four figures', async () => {
    const { page, errors } = await openPage([]);
    await page.click('#tab-reproduce');
    expect(await page.$eval('#explore', (e) => (e as HTMLElement).hidden)).toBe(true);
    await page.$eval('#reproduce-chains', (input) => {
      (input as HTMLInputElement).value = '1';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(await page.$eval('#reproduce-error', (e) => e.textContent)).toMatch(/^--chains must be .*2/);
    await page.$eval('#reproduce-chains', (input) => {
      (input as HTMLInputElement).value = '100';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const command = await page.$eval('#reproduce-command', (e) => e.textContent!);
    expect(command).toBe('collapse-sim reproduce --only fig1a,fig1b,fig1c,fig1d --chains 100 --seed 0 --backend reference');
    await page.click('#reproduce-run');
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.getElementById('reproduce-status')!.dataset['state']!), { timeout: 600_000, polling: 500 });
    const done = await page.$eval('#reproduce-status', (e) => e.textContent!);
    expect(done).toMatch(/^Done: 46 points, 100 chains each/);
    console.info(`tests/web: the reproduce tab: ${done}`);
    const shown = await page.$$eval('#reproduce-claims tbody tr', (rows) => rows.map((row) => Array.from((row as HTMLTableRowElement).cells, (cell) => cell.textContent)));
    // The command shown, run by the CLI (its reference path: the same bits as the page's CPU workers).
    const result = cliIn(directory)([...command.split(' ').slice(1), '--out-dir', 'reproduction', '--json', '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const { claimCells } = await import('../../src/reproduce/report.js');
    const cli = (JSON.parse(result.stdout) as { experiments: { claims: Claim[] }[] }).experiments.flatMap((experiment) => experiment.claims);
    expect(cli.length).toBeGreaterThan(0);
    expect(shown).toEqual(cli.map(claimCells));
    const figures = await page.$$eval('#reproduce-figures .figure', (views) => views.map((view) => [view.id, view.querySelector('svg') !== null]));
    expect(figures).toEqual(['fig1a-trajectories', 'fig1b-convergence-time', 'fig1c-polarisation-probability', 'fig1d-final-vs-initial'].map((name) => [`figure-${name}`, true]));
    expect(errors).toEqual([]);
  });

  it('collapse-sim serve serves the page on localhost and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'serve', '--port', '0'], { cwd: directory });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const deadline = Date.now() + 30_000;
    while (!/http:\/\/127\.0\.0\.1:\d+\//.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stderr)![0];
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>collapse-sim explorer</title>');
    expect((await fetch(`${url}..%2Fpackage.json`)).status).toBe(404);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
  });
});
