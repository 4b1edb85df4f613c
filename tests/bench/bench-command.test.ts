/**
 * `collapse-sim bench` end to end on a tiny configuration: the JSON has the documented
 * fields and consistent numbers, the Arrow file and the plots are written, and bad input
 * is refused with exit 2 before anything runs or is written.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { findPeer } from '../../src/bench/processes.js';
import { ReferenceEngine } from '../../src/engine/reference.js';
import { temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const numpy = findPeer('numpy');

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'bench', ...args], { cwd: directory, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('collapse-sim bench', () => {
  const peers = numpy.available ? 'numpy' : 'none';
  const args = ['--chains', '300,100', '--repeats', '2', '--samples', '10', '--backends', 'reference,cpu', '--peers', peers, '--out', 'b.arrow', '--plot', 'b.svg'];

  it('measures every engine and the peer at every size, with the documented JSON fields', () => {
    const result = cli([...args, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    const engines = ['reference', 'cpu', ...(numpy.available ? ['numpy'] : [])];
    expect(report.results).toHaveLength(2 * 2 * engines.length);
    expect(report.warm_up).toHaveLength(2 * engines.length);
    expect(report.interrupted).toBeNull();
    expect(report.configuration).toMatchObject({ family: 'bernoulli', samples: 10, chains: [100, 300], repeats: 2 });
    for (const r of report.results) {
      for (const key of ['engine', 'mode', 'chains', 'samples', 'chain_generations_per_s', 'data_points_per_s', 'peak_rss_bytes', 'repeats', 'chain_generations_per_s_min', 'chain_generations_per_s_max']) {
        expect(r).toHaveProperty(key);
      }
      expect(engines).toContain(r.engine);
      expect(r.repeats).toBe(2);
      expect(r.chain_generations_per_s_min).toBeLessThanOrEqual(r.chain_generations_per_s);
      expect(r.chain_generations_per_s).toBeLessThanOrEqual(r.chain_generations_per_s_max);
      expect(r.data_points_per_s).toBeCloseTo(r.chain_generations_per_s * 10, 6);
      expect(r.peak_rss_bytes).toBeGreaterThan(1 << 20);
      if (r.engine === 'reference') expect(r.ratio_to_reference).toBe(1);
      if (r.engine === 'numpy') expect(r.ratio_to_numpy).toBe(1);
    }
    // Same seed, same chains: the reference path and the cpu backend did the very same work.
    for (const mode of ['per-sample', 'sufficient']) {
      for (const chains of [100, 300]) {
        const work = report.results.filter((r: { mode: string; chains: number; kind: string }) => r.mode === mode && r.chains === chains && r.kind === 'engine');
        expect(new Set(work.map((r: { chain_generations: number }) => r.chain_generations)).size).toBe(1);
      }
    }
    const table = tableFromIPC(readFileSync(join(directory, 'b.arrow')));
    expect(table.numRows).toBe(report.results.length);
    expect(Array.from(table.getChild('engine')!.toArray())).toEqual(report.results.map((r: { engine: string }) => r.engine));
    expect(Array.from(table.getChild('chain_generations_per_s')!.toArray())).toEqual(report.results.map((r: { chain_generations_per_s: number }) => r.chain_generations_per_s));
    const stored = JSON.parse(table.schema.metadata.get('collapse_sim')!);
    expect(stored.configuration).toEqual(report.configuration);
    expect(stored.machine.cores).toBeGreaterThan(0);
    expect(readFileSync(join(directory, 'b.svg'), 'utf8')).toMatch(/^<svg[\s\S]*chain·generations per second[\s\S]*<\/svg>$/);
    expect(readFileSync(join(directory, 'b.png')).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it('prints a table by default', () => {
    const result = cli(['--chains', '100', '--repeats', '1', '--samples', '10', '--backends', 'reference', '--peers', 'none', '--modes', 'sufficient', '--out', 't.arrow', '--plot', 't.svg']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^bench: bernoulli, M = 10/);
    expect(result.stdout).toMatch(/sufficient +100 +reference +\d\.\d\de\+\d/);
  });

  it('--max-seconds leaves out the sizes an engine is predicted to overrun, and says so', () => {
    const result = cli(['--chains', '100,1e5', '--repeats', '1', '--samples', '10', '--backends', 'reference', '--peers', 'none', '--modes', 'sufficient', '--max-seconds', '0.01', '--out', 'm.arrow', '--plot', 'm.svg', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.results.map((r: { chains: number }) => r.chains)).toEqual([100]);
    expect(report.results[0].processor).toBe('cpu');
    expect(report.configuration.max_seconds).toBe(0.01);
    const skip = report.skipped.find((s: { engine: string }) => s.engine === 'reference');
    expect(skip.reason).toMatch(/^not measured at 100000 chains: a run is predicted to take [\d.]+ s \([\d.]+ s at 100 chains\), over --max-seconds 0\.01$/);
  });

  it('--backends auto resolves --backend auto for each run and names the engine it chose', () => {
    const result = cli(['--chains', '100,300', '--repeats', '1', '--samples', '10', '--backends', 'auto,reference', '--peers', 'none', '--modes', 'sufficient', '--out', 'a.arrow', '--plot', 'a.svg', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    const auto = report.results.filter((r: { engine: string }) => r.engine === 'auto');
    expect(auto.map((r: { chains: number }) => r.chains)).toEqual([100, 300]);
    for (const r of auto) {
      // What `run --backend auto` takes for a run this small: the reference path (src/engine/cost.ts).
      expect(r.chose).toBe('reference');
      expect(r.device).toBe(new ReferenceEngine().device);
      expect(r.family).toBe('bernoulli');
    }
    // Same seed, same chains: auto ran the same chains as the reference path.
    for (const chains of [100, 300]) {
      const work = report.results.filter((r: { chains: number }) => r.chains === chains).map((r: { chain_generations: number }) => r.chain_generations);
      expect(new Set(work).size).toBe(1);
    }
    expect(report.results.filter((r: { engine: string }) => r.engine === 'reference').every((r: { chose: null }) => r.chose === null)).toBe(true);
  });

  it.each([
    [['--chains', '0'], /^collapse-sim: --chains/],
    [['--chains', '1e3,abc'], /^collapse-sim: --chains/],
    [['--modes', 'fast'], /^collapse-sim: --modes must be one of per-sample, sufficient/],
    [['--backends', 'cuda'], /^collapse-sim: --backends must be one of reference, /],
    [['--peers', 'torch'], /^collapse-sim: --peers must be one of numpy, jax, cupy/],
    [['--max-seconds', '0'], /^collapse-sim: --max-seconds must be a number > 0/],
    [['--repeats', '0'], /^collapse-sim: --repeats/],
    [['--plot', 'b.png'], /^collapse-sim: --plot must name an \.svg file/],
    [['--p0', '1.5'], /^collapse-sim: --p0/],
    [['--samples', 'NaN'], /^collapse-sim: --samples/],
    [['--family', 'beta'], /^collapse-sim: --family/],
  ])('refuses %j with exit 2, one line and no file', (bad, message) => {
    const result = cli(['--chains', '100', '--repeats', '1', '--backends', 'reference', '--peers', 'none', '--out', 'bad.arrow', '--plot', 'bad.svg', ...bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(directory).filter((name) => name.startsWith('bad') || name.startsWith('.bad'))).toEqual([]);
  });
});
