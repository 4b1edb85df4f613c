/**
 * The benchmark suite behind bench/README.md: issue 4's configuration (Bernoulli,
 * M = 100, p₀ = ½, run to collapse) against the NumPy peer, in three stages of one
 * harness (src/bench/harness.ts), merged into one report:
 *   sizes     10³ … 10⁵ chains, every available backend, the reference path and NumPy;
 *   large     10⁶ chains, the backends in --large-backends (default cpu) and NumPy;
 *   memory    10⁷ chains, sufficient mode, one run each: peak RSS (target ≤ 2 GiB).
 * Then the targets: fastest backend ÷ NumPy (binomial form in sufficient mode, per-sample
 * form in per-sample mode) at 10⁵ and 10⁶ chains, and peak memory at 10⁷.
 *
 *   xvfb-run -a node dist/bench/suite.js [--repeats 3] [--out-dir bench/results]
 *        [--stages sizes,large,memory] [--sizes 1e3,1e4,1e5] [--large-backends cpu] [--memory-backends cpu]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_BACKENDS } from '../src/engine/names.js';
import { runBench, type BenchConfig, type BenchReport, type BenchResult } from '../src/bench/harness.js';
import { benchText, writeBenchArrow } from '../src/bench/report.js';
import { writeBenchPlot } from '../src/bench/plot.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

const repeats = Number(flag('repeats', '3'));
const outDir = flag('out-dir', 'bench/results');
const stages = flag('stages', 'sizes,large,memory').split(',');
const CONFIGURATION = { family: 'bernoulli', samples: 100, p0: 0.5 };

const base = (overrides: Partial<BenchConfig>): BenchConfig => ({
  options: CONFIGURATION,
  chains: [1e3, 1e4, 1e5],
  modes: ['per-sample', 'sufficient'],
  engines: ['reference', ...ENGINE_BACKENDS],
  peers: ['numpy'],
  repeats,
  seed: 'bench',
  referenceLimit: 1e5,
  // The suite's figures need the peer: its absence is an error here.
  required: new Set(['numpy']),
  ...overrides,
});

const plan: [string, BenchConfig][] = [
  ['sizes', base({ chains: flag('sizes', '1e3,1e4,1e5').split(',').map(Number) })],
  ['large', base({ chains: [1e6], engines: flag('large-backends', 'cpu').split(',') })],
  ['memory', base({ chains: [1e7], modes: ['sufficient'], engines: flag('memory-backends', 'cpu').split(','), repeats: 1 })],
];

const reports: BenchReport[] = [];
for (const [stage, config] of plan) {
  if (!stages.includes(stage)) continue;
  process.stderr.write(`suite: stage ${stage}\n`);
  reports.push(
    await runBench(config, {
      onProgress: (p) => process.stderr.write(`\r  ${p.mode}, ${p.chains} chains, repeat ${p.repeat + 1}: ${p.engine} [${p.done}/${p.planned}]\x1b[K`),
    }),
  );
  process.stderr.write('\r\x1b[K');
}

const merged: BenchReport = {
  ...reports[0],
  configuration: { ...reports[0].configuration, chains: reports.flatMap((r) => r.configuration['chains'] as number[]), stages },
  warm_up: reports.flatMap((r) => r.warm_up),
  skipped: reports.flatMap((r) => r.skipped),
  results: reports.flatMap((r) => r.results),
};

/** The fastest of our backends (not the reference path) ÷ NumPy, per mode and size. */
function targets(results: readonly BenchResult[]): string[] {
  const lines = ['', 'targets (issue 4):'];
  for (const mode of ['sufficient', 'per-sample'] as const) {
    for (const chains of [1e5, 1e6]) {
      const rows = results.filter((r) => r.mode === mode && r.chains === chains);
      const numpy = rows.find((r) => r.engine === 'numpy');
      const fastest = rows.filter((r) => r.kind === 'engine' && r.engine !== 'reference').sort((a, b) => b.chain_generations_per_s - a.chain_generations_per_s)[0];
      if (!numpy || !fastest) continue;
      const ratio = fastest.chain_generations_per_s / numpy.chain_generations_per_s;
      lines.push(`  ${mode}, ${chains} chains: fastest backend (${fastest.engine}) ÷ numpy ${numpy.form} = ${ratio.toFixed(2)} (target ≥ 1.0: ${ratio >= 1 ? 'met' : `missed by ${(1 / ratio).toFixed(2)}×`})`);
    }
  }
  for (const r of results.filter((q) => q.chains === 1e7)) {
    lines.push(`  peak RSS at 10⁷ chains, ${r.engine} (${r.mode}): ${(r.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB (target ≤ 2048 MiB: ${r.peak_rss_bytes <= 2 ** 31 ? 'met' : 'missed'})`);
  }
  return lines;
}

mkdirSync(outDir, { recursive: true });
const text = benchText(merged) + targets(merged.results).join('\n') + '\n';
writeFileSync(join(outDir, 'suite.json'), JSON.stringify(merged, null, 1) + '\n');
writeFileSync(join(outDir, 'suite.txt'), text);
writeBenchArrow(join(outDir, 'suite.arrow'), 'out-dir', merged);
await writeBenchPlot(join(outDir, 'suite.svg'), 'out-dir', merged);
process.stdout.write(text);
process.exit(0);
