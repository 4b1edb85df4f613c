/**
 * Throughput of every engine — the reference path and each available gpu.js backend — on
 * one configuration (Bernoulli, M = 100, p₀ = ½ unless --options says otherwise), per mode and ensemble size,
 * as chain·generations and data points per second, and as ratios to the reference path
 * measured in the same run. Each engine compiles its kernel in a warm-up run that is
 * timed and reported separately; every size then runs each engine in turn.
 *
 *   node dist/bench/backends.js [--chains 1e3,1e4,1e5,1e6] [--generations 30] [--samples 100]
 *        [--modes per-sample,sufficient] [--engines reference,cpu,webasm,webgpu,headlessgl]
 *        [--repeats 1] [--options '{"family": "ising", "theta2": 0.5, …}'] [--json]
 *
 * --options: other run flags (as `--config` keys) replacing the Bernoulli default.
 */
import type { Engine } from '../src/engine/engine.js';
import { ReferenceEngine } from '../src/engine/reference.js';
import { backendStatus, ENGINE_BACKENDS, openBackend } from '../src/engine/backends.js';
import { resolveRunSpec, type RunSpec } from '../src/spec/run-spec.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

interface Measurement {
  engine: string;
  device: string;
  mode: string;
  chains: number;
  chain_generations_per_s: number;
  data_points_per_s: number;
  seconds: number;
  ratio_to_reference: number | null;
}

async function timeRun(engine: Engine, spec: RunSpec): Promise<{ seconds: number; chainGenerations: number }> {
  const started = process.hrtime.bigint();
  let chainGenerations = 0;
  for await (const batch of engine.run(spec)) chainGenerations += batch.chainGenerations;
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, chainGenerations };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const sizes = flag('chains', '1e3,1e4,1e5').split(',').map(Number);
  const generations = Number(flag('generations', '30'));
  const samples = Number(flag('samples', '100'));
  const modes = flag('modes', 'per-sample,sufficient').split(',');
  const repeats = Number(flag('repeats', '1'));
  const json = process.argv.includes('--json');
  const wanted = flag('engines', ['reference', ...ENGINE_BACKENDS].join(',')).split(',');
  const options = JSON.parse(flag('options', '{}')) as Record<string, unknown>;
  const configuration = { ...(options['family'] === undefined ? { family: 'bernoulli', p0: 0.5 } : {}), samples, ...options };

  const engines: { name: string; engine: Engine }[] = [];
  if (wanted.includes('reference')) engines.push({ name: 'reference', engine: new ReferenceEngine() });
  for (const backend of ENGINE_BACKENDS) {
    if (!wanted.includes(backend)) continue;
    const status = await backendStatus(backend);
    if (!status.available) {
      if (!json) process.stdout.write(`${backend}: not available (${status.reason})\n`);
      continue;
    }
    engines.push({ name: backend, engine: await openBackend(backend) });
  }

  const specFor = (mode: string, chains: number, seed: string): RunSpec =>
    resolveRunSpec({ ...configuration, chains, generations, mode, seed, out: 'bench.arrow', 'batch-size': 1 << 20 });
  const warmUps: { engine: string; mode: string; seconds: number }[] = [];
  const results: Measurement[] = [];
  for (const mode of modes) {
    // Warm-up (kernel compilation, worker start), with the seed and horizon of the timed runs.
    for (const { name, engine } of engines) warmUps.push({ engine: name, mode, seconds: (await timeRun(engine, specFor(mode, 100, 'bench'))).seconds });
    for (const chains of sizes) {
      const rates = new Map<string, number[]>(engines.map(({ name }) => [name, []]));
      const seconds = new Map<string, number[]>(engines.map(({ name }) => [name, []]));
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const { name, engine } of engines) {
          const run = await timeRun(engine, specFor(mode, chains, 'bench'));
          rates.get(name)!.push(run.chainGenerations / run.seconds);
          seconds.get(name)!.push(run.seconds);
          if (!json) process.stderr.write(`\r${mode} ${chains} chains: ${name} ${run.seconds.toFixed(1)} s\x1b[K`);
        }
      }
      const reference = rates.has('reference') ? median(rates.get('reference')!) : null;
      for (const { name, engine } of engines) {
        const rate = median(rates.get(name)!);
        results.push({
          engine: name,
          device: engine.device,
          mode,
          chains,
          chain_generations_per_s: rate,
          data_points_per_s: rate * Number(configuration.samples),
          seconds: median(seconds.get(name)!),
          ratio_to_reference: reference === null ? null : rate / reference,
        });
      }
    }
  }
  for (const { engine } of engines) await engine.close();
  if (json) {
    process.stdout.write(JSON.stringify({ configuration: { ...configuration, generations, repeats }, warm_up: warmUps, results }) + '\n');
    return;
  }
  process.stderr.write('\r\x1b[K');
  process.stdout.write(`${JSON.stringify(configuration)}, at most ${generations} generations; median of ${repeats}; warm-up excluded\n`);
  process.stdout.write('warm-up (compile, workers), seconds: ' + warmUps.map((w) => `${w.engine}/${w.mode} ${w.seconds.toFixed(2)}`).join(', ') + '\n');
  process.stdout.write('mode        chains    engine       chain·gen/s   data points/s   ÷ reference\n');
  for (const r of results) {
    process.stdout.write(
      `${r.mode.padEnd(11)} ${String(r.chains).padEnd(9)} ${r.engine.padEnd(12)} ${r.chain_generations_per_s.toExponential(2).padStart(11)}   ${r.data_points_per_s.toExponential(2).padStart(13)}   ${r.ratio_to_reference === null ? '—' : r.ratio_to_reference.toFixed(2).padStart(11)}\n`,
    );
  }
}

await main();
process.exit(0);
