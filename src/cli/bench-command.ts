import type { Command } from 'commander';
import type { SamplingMode } from '../families/family.js';
import { SAMPLING_MODES } from '../families/family.js';
import { ENGINE_BACKENDS } from '../engine/names.js';
import { AUTO, runBench, benchSpecs, type BenchConfig } from '../bench/harness.js';
import { PEERS, type PeerName } from '../bench/peers.js';
import { writeBenchArrow } from '../bench/report.js';
import { benchText } from '../bench/report.js';
import { figureOutputs } from '../analysis/render.js';
import { writeBenchPlot } from '../bench/plot.js';
import { planOutputs } from '../io/output-path.js';
import { UsageError } from '../spec/errors.js';
import { parseChoice, parseNumber, parseNumberList, parseText, type RawOptions } from '../spec/parse.js';
import { MAX_CHAINS } from '../spec/run-spec.js';
import { collectRawOptions, configInputs } from './options.js';
import { abortOnSignals } from './run-command.js';

/** The bench command's own flags (the rest are run flags describing the configuration). */
export const BENCH_OPTIONS = [
  { flag: 'chains', valueName: '<list>', description: 'ensemble sizes to measure, e.g. 1e3,1e4,1e5,1e6', defaultValue: '1e3,1e4,1e5' },
  { flag: 'modes', valueName: '<list>', description: 'per-sample, sufficient or both', defaultValue: 'per-sample,sufficient' },
  {
    flag: 'backends',
    valueName: '<list>',
    description: `engines to measure among reference, ${ENGINE_BACKENDS.join(', ')}, and auto (--backend auto resolved per run, start-up timed; listed only) (default: reference and all backends that run here; a listed one that cannot run is an error)`,
  },
  {
    flag: 'peers',
    valueName: '<list>',
    description: `peers to run beside them among ${PEERS.join(', ')}, or none (default: all that run here; a listed one that cannot run is an error)`,
  },
  { flag: 'repeats', valueName: '<n>', description: 'timed runs per engine and size, 1..100 (median, min–max reported)', defaultValue: '3' },
  { flag: 'reference-limit', valueName: '<n>', description: 'measure the (slow) reference path only up to n chains', defaultValue: '1e5' },
  {
    flag: 'max-seconds',
    valueName: '<s>',
    description: 'time box: an engine or peer whose run at the next size is predicted (from its last size) to take longer than s seconds is not measured there or above',
  },
  { flag: 'out', valueName: '<path>', description: 'Arrow IPC file of all measurements', defaultValue: 'bench.arrow' },
  { flag: 'plot', valueName: '<path.svg>', description: 'throughput plot (SVG, and PNG beside it)', defaultValue: 'bench.svg' },
] as const;

/** Run flags that bench sets itself or does not take. */
export const NOT_BENCH_RUN_FLAGS = ['chains', 'mode', 'backend', 'out', 'trajectories', 'trajectories-out', 'batch-size', 'rng', 'shard', 'shard-count', 'checkpoint', 'resume', 'from'];

function list(value: unknown, flag: string): string[] {
  const items = parseText(value, flag)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new UsageError(`--${flag} must be a comma-separated list (got ${JSON.stringify(value)})`);
  return items;
}

export function benchConfigFrom(raw: RawOptions): BenchConfig & { out: string; plot: string; json: boolean; quiet: boolean } {
  const options: Record<string, unknown> = { ...raw };
  const take = (flag: string, fallback: unknown): unknown => {
    const value = options[flag] ?? fallback;
    delete options[flag];
    return value;
  };
  const chains = parseNumberList(take('chains', '1e3,1e4,1e5'), 'chains', { min: 1, max: MAX_CHAINS, integer: true });
  const modes = list(take('modes', 'per-sample,sufficient'), 'modes').map((mode) => parseChoice(mode, 'modes', SAMPLING_MODES) as SamplingMode);
  const backendsGiven = options['backends'] !== undefined;
  const engines = backendsGiven ? list(take('backends', ''), 'backends').map((name) => parseChoice(name, 'backends', ['reference', AUTO, ...ENGINE_BACKENDS])) : ['reference', ...ENGINE_BACKENDS];
  delete options['backends'];
  const peersGiven = options['peers'] !== undefined;
  const peerNames = list(take('peers', PEERS.join(',')), 'peers');
  const peers = peerNames.length === 1 && peerNames[0] === 'none' ? [] : peerNames.map((name) => parseChoice(name, 'peers', [...PEERS]) as PeerName);
  const repeats = parseNumber(take('repeats', '3'), 'repeats', { min: 1, max: 100, integer: true });
  const referenceLimit = parseNumber(take('reference-limit', '1e5'), 'reference-limit', { min: 1, max: MAX_CHAINS, integer: true });
  const maxSecondsGiven = take('max-seconds', undefined);
  const maxSeconds = maxSecondsGiven === undefined ? null : parseNumber(maxSecondsGiven, 'max-seconds', { min: 0, minOpen: true });
  const out = parseText(take('out', 'bench.arrow'), 'out');
  const plot = parseText(take('plot', 'bench.svg'), 'plot');
  if (!/\.svg$/i.test(plot)) throw new UsageError(`--plot must name an .svg file (the PNG is written beside it); got ${JSON.stringify(plot)}`);
  const json = take('json', false) === true;
  const quiet = take('quiet', false) === true;
  const seed = parseText(take('seed', '0'), 'seed');
  const required = new Set<string>([...(backendsGiven ? engines : []), ...(peersGiven ? peers : [])]);
  return { options, chains, modes, engines, peers, repeats, seed, referenceLimit, maxSeconds, required, out, plot, json, quiet };
}

export async function benchCommand(command: Command): Promise<void> {
  const config = benchConfigFrom(collectRawOptions(command));
  benchSpecs(config); // bad input fails here, before any process starts or file opens
  const inputs = configInputs(command);
  planOutputs([{ path: config.out, flag: 'out' }, ...figureOutputs(config.plot, 'plot')], inputs);
  const interactive = process.stderr.isTTY === true && !config.quiet && !config.json;
  const interruption = abortOnSignals();
  try {
    const report = await runBench(config, {
      signal: interruption.signal,
      onProgress: (p) => {
        if (interactive) {
          process.stderr.write(
            `\rbench: ${p.mode}, ${p.chains} chains, repeat ${p.repeat + 1}/${config.repeats}: ${p.engine}  [${p.done}/${p.planned} runs]\x1b[K`,
          );
        }
      },
    });
    if (interactive) process.stderr.write('\r\x1b[K');
    writeBenchArrow(config.out, 'out', report, inputs);
    await writeBenchPlot(config.plot, 'plot', report, inputs);
    process.stdout.write(config.json ? `${JSON.stringify(report)}\n` : benchText(report));
    if (report.interrupted !== null) {
      process.stderr.write(`collapse-sim: bench ${report.interrupted}: the measurements so far are written to ${config.out}\n`);
      process.exitCode = report.interrupted === 'SIGINT' ? 130 : 143;
    }
  } finally {
    interruption.release();
  }
}
