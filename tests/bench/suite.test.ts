/**
 * The benchmark suite (bench/suite.ts over bench/suite-plan.ts) end to end with --quick: every
 * stage runs, every issue-10 target has a row, and each row's value and verdict are the ones
 * the measured rows give (recomputed here from suite.json, not asserted about speed); the
 * README tables are written from that JSON. Plus the verdict arithmetic on made-up rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport, BenchResult } from '../../src/bench/harness.js';
import { findPeer } from '../../src/bench/processes.js';
import {
  blocksPerChainGeneration,
  README_BEGIN,
  README_END,
  replaceReadmeTables,
  STAGE_NAMES,
  suiteMarkdown,
  suitePlan,
  suiteTargets,
  type SuiteReport,
  type TargetResult,
} from '../../bench/suite-plan.js';
import { temporaryDirectory } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SUITE = join(ROOT, 'dist/bench/suite.js');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const numpy = findPeer('numpy');
const QUICK = { quick: true, repeats: 3, largeRepeats: 1, maxSeconds: 5, memoryGenerations: 10, seed: 'bench' } as const;

const rateOf = (report: BenchReport, engine: string, mode: string, chains: number): BenchResult | undefined =>
  report.results.find((r) => r.engine === engine && r.mode === mode && r.chains === chains);

describe.skipIf(!numpy.available)('bench/suite.js --quick', () => {
  let run: { status: number | null; stdout: string; stderr: string };
  let suite: SuiteReport;
  beforeAll(() => {
    run = spawnSync(process.execPath, [SUITE, '--quick', '--quiet', '--out-dir', directory], { cwd: ROOT, encoding: 'utf8' });
    if (run.status === 0) suite = JSON.parse(readFileSync(join(directory, 'suite.json'), 'utf8'));
  }, 600_000);

  it('runs every stage and writes the report, the Arrow rows and the plot', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(suite.quick).toBe(true);
    expect(suite.interrupted).toBeNull();
    expect(suite.stages.map((s) => s.name)).toEqual([...STAGE_NAMES]);
    for (const stage of suite.stages) expect(stage.report.results.length, stage.name).toBeGreaterThan(0);
    const rows = suite.stages.flatMap((s) => s.report.results);
    const table = tableFromIPC(readFileSync(join(directory, 'suite.arrow')));
    expect(table.numRows).toBe(rows.length);
    expect(Array.from(table.getChild('family')!.toArray())).toEqual(rows.map((r) => r.family));
    expect(new Set(rows.map((r) => r.family))).toEqual(new Set(['bernoulli', 'gaussian', 'categorical']));
    expect(existsSync(join(directory, 'suite.png'))).toBe(true);
    expect(readFileSync(join(directory, 'suite.txt'), 'utf8')).toBe(run.stdout);
  });

  it('has a row for every target, each value and verdict computed from the measured rows', () => {
    const plan = suitePlan(QUICK);
    expect(suite.targets.map((t) => t.id)).toEqual(plan.targets.map((t) => t.id));
    const reports = new Map(suite.stages.map((s) => [s.name, s.report]));
    for (const [index, spec] of plan.targets.entries()) {
      const t: TargetResult = suite.targets[index];
      expect(t.verdict, `${t.id}: ${t.measured}`).not.toBe('not measured');
      const report = reports.get(spec.stage)!;
      let expected: number;
      if (spec.kind === 'numpy-ratio') {
        const engines = report.results.filter((r) => r.mode === spec.mode && r.chains === spec.chains && r.kind === 'engine' && r.engine !== 'auto');
        const fastest = Math.max(...engines.map((r) => r.chain_generations_per_s));
        expected = fastest / rateOf(report, 'numpy', spec.mode, spec.chains)!.chain_generations_per_s;
      } else if (spec.kind === 'auto') {
        const auto = rateOf(report, 'auto', spec.mode, spec.chains)!;
        expect(auto.chose).toMatch(/^(reference|simd|cpu|webasm|webgpu|headlessgl)$/);
        expected = auto.chain_generations_per_s / rateOf(report, 'reference', spec.mode, spec.chains)!.chain_generations_per_s;
      } else if (spec.kind === 'memory') {
        expected = rateOf(report, spec.engine, spec.mode, spec.chains)!.peak_rss_bytes;
      } else {
        const engines = report.results.filter((r) => r.mode === 'per-sample' && r.chains === spec.chains && r.kind === 'engine' && r.engine !== 'auto');
        const fastest = engines.sort((a, b) => b.chain_generations_per_s - a.chain_generations_per_s)[0];
        const cores = fastest.engine === 'reference' ? 1 : suite.machine.cores;
        const baseline = ((spec.chains > 3e5 ? 1370285.5685625784 : 1061292.6380720288) * 25) / 2;
        expected = (fastest.chain_generations_per_s * blocksPerChainGeneration(fastest.engine, 100)) / cores / baseline;
        expect(t.details['philox_bits_per_point']).toBeCloseTo((128 * blocksPerChainGeneration(fastest.engine, 100)) / 100, 10);
      }
      expect(t.value, t.id).toBeCloseTo(expected, 10);
      const margin = t.comparison === '>=' ? expected / t.threshold : t.threshold / expected;
      expect(t.margin!).toBeCloseTo(margin, 10);
      expect(t.verdict, t.id).toBe(margin >= 1 ? 'met' : 'missed');
      expect(run.stdout).toContain(`[${t.verdict}] ${t.target}`);
    }
  });

  it('writes the README tables from the JSON: every target and stage, marked as a placeholder', () => {
    const markdown = suiteMarkdown(suite);
    expect(markdown).toMatch(/^> \*\*Placeholder: a `--quick` smoke run/);
    for (const t of suite.targets) expect(markdown).toContain(`| ${t.target} |`);
    for (const stage of suite.stages) expect(markdown).toContain(`### Stage ${stage.name}`);
    const readme = `intro\n${README_BEGIN}\nold numbers\n${README_END}\nafter\n`;
    const written = replaceReadmeTables(readme, markdown);
    expect(written).toBe(`intro\n${README_BEGIN}\n${markdown}${README_END}\nafter\n`);
    expect(replaceReadmeTables(written, markdown)).toBe(written);
    // The README in the repository has the block.
    expect(() => replaceReadmeTables(readFileSync(join(ROOT, 'bench/README.md'), 'utf8'), markdown)).not.toThrow();
  });
});

describe('suite verdicts', () => {
  const row = (engine: string, mode: 'per-sample' | 'sufficient', chains: number, rate: number, extra: Partial<BenchResult> = {}): BenchResult => ({
    engine,
    kind: engine === 'numpy' ? 'peer' : 'engine',
    family: 'bernoulli',
    chose: null,
    device: '',
    processor: 'cpu',
    mode,
    form: mode,
    chains,
    samples: 100,
    chain_generations_per_s: rate,
    chain_generations_per_s_min: rate,
    chain_generations_per_s_max: rate,
    data_points_per_s: rate * 100,
    seconds: 1,
    chain_generations: 1,
    peak_rss_bytes: 0,
    repeats: 1,
    ratio_to_reference: null,
    ratio_to_numpy: null,
    ...extra,
  });
  const report = (results: BenchResult[]): BenchReport =>
    ({ machine: { cores: 2 }, results, configuration: {}, warm_up: [], skipped: [], interrupted: null }) as unknown as BenchReport;
  const plan = suitePlan({ ...QUICK, quick: false });

  it('judges the fastest engine (not auto) against NumPy, and says by how much', () => {
    const bernoulli = report([row('reference', 'per-sample', 1e5, 1e5), row('simd', 'per-sample', 1e5, 6e6), row('auto', 'per-sample', 1e5, 9e9, { chose: 'simd' }), row('numpy', 'per-sample', 1e5, 3e6)]);
    const targets = suiteTargets(plan, new Map([['bernoulli', bernoulli]]));
    const perSample = targets.find((t) => t.id === 'bernoulli-per-sample-100000')!;
    expect(perSample).toMatchObject({ value: 2, verdict: 'missed', by: 'missed by 1.50×' });
    // simd at M = 100: 4·⌈100/64⌉ + 100/256 blocks per chain·generation, on 2 cores, against 25 blocks at 1.0613e6 chain·gen/s.
    const philox = targets.find((t) => t.id === 'philox-100000')!;
    expect(philox.value).toBeCloseTo((6e6 * (8 + 100 / 256)) / 2 / ((1061292.6380720288 * 25) / 2), 12);
    expect(philox.details['philox_bits_per_point']).toBeCloseTo((128 * 8.390625) / 100, 12);
    expect(targets.find((t) => t.id === 'gaussian-per-sample-100000')!.verdict).toBe('not measured');
  });

  it('auto at 10³ chains: met when not slower than the reference path; memory: met under 2 GiB', () => {
    const bernoulli = report([row('reference', 'sufficient', 1e3, 4e6, { chain_generations_per_s_min: 3.5e6 }), row('auto', 'sufficient', 1e3, 3.8e6, { chose: 'reference', chain_generations_per_s_max: 4.1e6 })]);
    const memory = report([row('simd', 'sufficient', 1e7, 1e7, { peak_rss_bytes: 2 ** 29 })]);
    const targets = suiteTargets(plan, new Map([['bernoulli', bernoulli], ['memory', memory]]));
    const auto = targets.find((t) => t.id === 'auto-bernoulli-sufficient-1000')!;
    expect(auto).toMatchObject({ verdict: 'missed', value: 0.95 });
    expect(auto.note).toMatch(/within the spread of repeats/);
    expect(targets.find((t) => t.id === 'memory-10000000')).toMatchObject({ verdict: 'met', margin: 4, by: '4.00× to spare' });
  });
});
