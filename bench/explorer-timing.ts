/**
 * The browser explorer's timings, measured in Chromium (puppeteer-core) on builds side by side:
 * time from pressing Run to the first results on screen, to the end of the run, and the
 * longest the page's thread was held meanwhile (the longest "long task", > 50 ms, that
 * Chromium reports). For each build directory given, on each backend, in alternation.
 *
 *   npm run build && npm run build:web && xvfb-run -a node dist/bench/explorer-timing.js dist/web [OTHER_BUILD …]
 *
 * Environment: COLLAPSE_SIM_CHROMIUM (default /usr/bin/chromium); EXPLORER_BACKENDS (default
 * webgl2,cpu); EXPLORER_CHAINS (default 10000); EXPLORER_REPEATS (default 1); EXPLORER_CHROMIUM_ARGS
 * (more flags, e.g. --enable-unsafe-webgpu for WebGPU on SwiftShader). WebGL2 runs
 * headful on the X display (ANGLE on Mesa's llvmpipe), as tests/web/explorer.test.ts does.
 */
import { resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startExplorerServer } from '../src/cli/serve-command.js';

const CHROMIUM = process.env['COLLAPSE_SIM_CHROMIUM'] ?? '/usr/bin/chromium';
const BACKENDS = (process.env['EXPLORER_BACKENDS'] ?? 'webgl2,cpu').split(',');
const CHAINS = process.env['EXPLORER_CHAINS'] ?? '10000';
const REPEATS = Number(process.env['EXPLORER_REPEATS'] ?? '1');
/** More Chromium flags, space-separated (e.g. --enable-unsafe-webgpu, which WebGPU needs on Linux). */
const EXTRA_ARGS = (process.env['EXPLORER_CHROMIUM_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
const builds = process.argv.slice(2).map((directory) => resolve(directory));
if (builds.length === 0) throw new Error('usage: bench/explorer-timing.ts BUILD_DIRECTORY [BUILD_DIRECTORY …]');

/**
 * Runs in the page (as text: this file is compiled without the DOM's types): sets the run's
 * controls, watches the status (the first "Running", the end) and the long tasks, presses Run.
 */
const WATCH_AND_RUN = `(chains, chosen) => {
  const set = (flag, value) => {
    const input = document.getElementById('option-' + flag);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  };
  set('samples', '100');
  set('chains', chains);
  set('backend', chosen);
  const watch = (window.watch = { longest: 0, first: null, end: null, pressed: 0 });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) watch.longest = Math.max(watch.longest, entry.duration);
  }).observe({ type: 'longtask' });
  const status = document.getElementById('status');
  new MutationObserver(() => {
    const state = status.dataset.state;
    if (state === 'running' && watch.first === null) watch.first = performance.now() - watch.pressed;
    if (state === 'done' || state === 'error' || state === 'stopped') watch.end ??= performance.now() - watch.pressed;
  }).observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
  watch.pressed = performance.now();
  document.getElementById('run').click();
}`;

interface Timing {
  build: string;
  backend: string;
  firstResultsMs: number;
  wholeRunMs: number;
  longestTaskMs: number;
  status: string;
}

async function measure(build: string, backend: string): Promise<Timing> {
  const server = await startExplorerServer(build, 0);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: false,
    protocolTimeout: 900_000,
    args: ['--no-sandbox', '--ignore-gpu-blocklist', '--use-angle=gl', '--window-size=1400,1000', ...EXTRA_ARGS],
  });
  try {
    const page = await browser.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForSelector('#option-samples');
    await page.evaluate(`(${WATCH_AND_RUN})(${JSON.stringify(CHAINS)}, ${JSON.stringify(backend)})`);
    await page.waitForFunction('window.watch.end !== null', { timeout: 900_000, polling: 200 });
    const watched = (await page.evaluate(
      '({ first: window.watch.first ?? NaN, end: window.watch.end, longest: window.watch.longest, status: document.getElementById("status").textContent })',
    )) as { first: number; end: number; longest: number; status: string };
    return { build, backend, firstResultsMs: watched.first, wholeRunMs: watched.end, longestTaskMs: watched.longest, status: watched.status };
  } finally {
    await browser.close();
    await server.close();
  }
}

const results: Timing[] = [];
for (let repeat = 0; repeat < REPEATS; repeat++) {
  for (const backend of BACKENDS) {
    for (const build of builds) {
      const timing = await measure(build, backend);
      results.push(timing);
      process.stdout.write(
        `${backend.padEnd(7)} ${build}: first results ${timing.firstResultsMs.toFixed(0)} ms, whole run ${timing.wholeRunMs.toFixed(0)} ms, page thread held at most ${timing.longestTaskMs.toFixed(0)} ms at once\n    ${timing.status}\n`,
      );
    }
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
