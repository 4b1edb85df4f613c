/**
 * Throughput of the reference engine per family, per-sample against sufficient mode,
 * measured alternately in one run (median of repeats), as chain·generations per second
 * and data points per second. Ratios between the modes are the figures to quote.
 *
 *   node dist/bench/reference-throughput.js [--chains 5000] [--repeats 3]
 */
import { ReferenceEngine } from '../src/engine/reference.js';
import { resolveRunSpec } from '../src/spec/run-spec.js';

const CONFIGURATIONS: Record<string, Record<string, unknown>> = {
  bernoulli: { family: 'bernoulli', samples: 100, p0: 0.5 },
  categorical: { family: 'categorical', samples: 100, categories: 10 },
  gaussian: { family: 'gaussian', samples: 100, 'collapse-threshold': 1e-3 },
  poisson: { family: 'poisson', samples: 100, lambda0: 1 },
  exponential: { family: 'exponential', samples: 100, 'collapse-threshold': 1e-3 },
  ising: { family: 'ising', spins: 10, samples: 10, m0: 0 },
};

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

async function measure(options: Record<string, unknown>): Promise<{ seconds: number; chainGenerations: number }> {
  const spec = resolveRunSpec({ ...options, out: '/dev/null' });
  const started = process.hrtime.bigint();
  let chainGenerations = 0;
  for await (const batch of new ReferenceEngine().run(spec)) chainGenerations += batch.chainGenerations;
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, chainGenerations };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const chains = argument('chains', 5000);
  const repeats = argument('repeats', 3);
  process.stdout.write(`reference engine, ${chains} chains, median of ${repeats} alternated repeats (warm-up run excluded)\n`);
  process.stdout.write('family        per-sample chain·gen/s   sufficient chain·gen/s   sufficient ÷ per-sample   data points/s (per-sample)\n');
  for (const [family, configuration] of Object.entries(CONFIGURATIONS)) {
    const rates: Record<string, number[]> = { 'per-sample': [], sufficient: [] };
    await measure({ ...configuration, chains: Math.min(chains, 200), mode: 'per-sample' });
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const mode of ['per-sample', 'sufficient']) {
        const { seconds, chainGenerations } = await measure({ ...configuration, chains, mode, seed: `bench/${repeat}` });
        rates[mode].push(chainGenerations / seconds);
      }
    }
    const perSample = median(rates['per-sample']);
    const sufficient = median(rates['sufficient']);
    const pointsPerGeneration = Number(configuration['samples']) * Number(configuration['spins'] ?? 1);
    process.stdout.write(
      `${family.padEnd(13)} ${perSample.toExponential(2).padStart(22)}   ${sufficient.toExponential(2).padStart(22)}   ${(sufficient / perSample).toFixed(1).padStart(23)}   ${(perSample * pointsPerGeneration).toExponential(2).padStart(26)}\n`,
    );
  }
}

await main();
