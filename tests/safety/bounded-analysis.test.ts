/**
 * The exact theory in summarize and plot is bounded in time and memory (issue 16). It cost
 * T·M² time and M² memory: small legitimate files took minutes or 1.7 GB (M = 1000;
 * M = 100000 with T = 10; T = 2·10⁹; Ising with 1000 spins, i.e. 1000·M copies). Now the
 * law is computed on banded rows until it converges (so T costs what convergence costs),
 * within stated limits, and a line says what was left out. Each case runs the real CLI on
 * a small real run and checks exit 0, the time, the memory where /usr/bin/time can tell,
 * the line, and that nothing but the figure changed.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);
/** Generous for a loaded two-core machine; each took minutes (or ran out of memory) before. */
const SECONDS = 30;
const MEGABYTES = 400;
const TIME = '/usr/bin/time';

/** Runs the CLI and measures its wall time and (with /usr/bin/time) its peak memory. */
function measured(args: string[]): { code: number | null; stdout: string; stderr: string; seconds: number; megabytes: number | null } {
  const started = performance.now();
  if (!existsSync(TIME)) {
    const result = cli(args);
    return { ...result, seconds: (performance.now() - started) / 1000, megabytes: null };
  }
  const result = spawnSync(TIME, ['-f', 'peak-kilobytes %M', process.execPath, CLI, ...args], { cwd, encoding: 'utf8' });
  const peak = /peak-kilobytes (\d+)\s*$/.exec(result.stderr);
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr.replace(/peak-kilobytes \d+\s*$/, ''),
    seconds: (performance.now() - started) / 1000,
    megabytes: peak === null ? null : Number(peak[1]) / 1024,
  };
}

beforeAll(() => {
  for (const [out, args] of [
    ['m1000.arrow', ['--samples', '1000', '--chains', '10', '--generations', '100000']],
    ['m100000.arrow', ['--samples', '100000', '--chains', '4', '--generations', '10']],
    ['t2e9.arrow', ['--samples', '100', '--chains', '20', '--generations', '2000000000']],
    ['ising1000.arrow', ['--family', 'ising', '--spins', '1000', '--samples', '2', '--chains', '3', '--generations', '100000']],
  ] as const) {
    const result = cli(['run', '--backend', 'reference', '--quiet', '--seed', 'bounded', '--out', out, ...args]);
    expect(result.code, result.stderr).toBe(0);
  }
});

describe('summarize and plot stay within their limits and say what they left out', () => {
  it.each([
    ['M = 1000, T = 10⁵', 'm1000.arrow', /theory: the exact law of τ is computed up to t = \d+ of 100000 \(the limit of 4\.0e8 operations, .* per generation at 1000 copies\)/, /law of τ against Wright–Fisher transition matrix, 1000 copies over t ≤ \d+:/],
    ['M = 100000, T = 10', 'm100000.arrow', /theory: the exact law of τ \(Wright–Fisher, 100000 copies\) needs about 3\.1e8 transition probabilities, above the limit of 1\.7e7: not computed/, null],
    ['T = 2·10⁹', 't2e9.arrow', null, /law of τ against Wright–Fisher transition matrix, 100 copies: Kolmogorov distance/],
    ['Ising, 1000 spins (2000 copies)', 'ising1000.arrow', /theory: the exact law of τ is computed up to t = \d+ of 100000 \(the limit of 4\.0e8 operations, .* at 2000 copies\)/, /over t ≤ \d+:/],
  ] as [string, string, RegExp | null, RegExp | null][])('%s', (label, file, note, law) => {
    const summary = expectOnlyChanged(cwd, [], () => measured(['summarize', file]));
    expect(summary.code, summary.stderr).toBe(0);
    console.log(`summarize ${label}: ${summary.seconds.toFixed(1)} s, ${summary.megabytes?.toFixed(0) ?? '?'} MB`);
    expect(summary.seconds).toBeLessThan(SECONDS);
    if (summary.megabytes !== null) expect(summary.megabytes).toBeLessThan(MEGABYTES);
    if (note !== null) expect(summary.stdout).toMatch(note);
    else expect(summary.stdout).not.toMatch(/^theory: /m);
    if (law !== null) expect(summary.stdout).toMatch(law);
    else expect(summary.stdout).not.toMatch(/law of τ against/);
    for (const kind of ['survival', 'histogram']) {
      const svg = `${file}.${kind}.svg`;
      const plot = expectOnlyChanged(cwd, [svg, svg.replace(/\.svg$/, '.png')], () => measured(['plot', '--kind', kind, '--out', svg, file]));
      expect(plot.code, plot.stderr).toBe(0);
      console.log(`plot --kind ${kind} ${label}: ${plot.seconds.toFixed(1)} s, ${plot.megabytes?.toFixed(0) ?? '?'} MB`);
      expect(plot.seconds).toBeLessThan(SECONDS);
      if (plot.megabytes !== null) expect(plot.megabytes).toBeLessThan(MEGABYTES);
    }
  });

  it('--json carries the note and how far the law was compared', () => {
    const result = cli(['summarize', '--json', 'm1000.arrow']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.theoryNote).toMatch(/computed up to t = \d+ of 100000/);
    expect(summary.lawTest.through).toBeLessThan(100000);
    expect(summary.lawTest.through).toBeGreaterThan(100);
    expect(summary.collapseTime.theoryMean).toBeGreaterThan(1000);
  });
});

describe('where the theory fits its limits, it is computed in full', () => {
  it('M = 100, T = 2·10⁹: the law converges long before the horizon and is compared throughout', () => {
    const result = cli(['summarize', '--json', 't2e9.arrow']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.theoryNote).toBeNull();
    expect(summary.lawTest.through).toBe(2e9);
  });
});
