/**
 * The benchmark: for each mode and ensemble size, every engine (the reference path, the
 * gpu.js backends) and every peer (NumPy) runs the same configuration in turn, `repeats`
 * times, in its own process; the order rotates from one repeat to the next so that no
 * engine always runs on a warmer or busier machine. Reported per (engine, mode, chains):
 * the median, min and max of chain·generations per second, data points per second
 * (M per chain·generation), the process's peak RSS, and ratios to the reference path and
 * to NumPy measured in the same run. Warm-up (kernel compilation, worker start) is timed
 * and reported apart.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { SamplingMode } from '../families/family.js';
import { backendRefusal, backendStatus, ENGINE_BACKENDS } from '../engine/backends.js';
import { InterruptedError, UsageError } from '../spec/errors.js';
import type { RawOptions } from '../spec/parse.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import { TOOL_VERSION } from '../version.js';
import { NUMPY_FORMS, numpyRequest, type PeerName } from './peers.js';
import { EngineProcess, findNumpy, NumpyPeerProcess, type MeasuringProcess } from './processes.js';

export interface BenchConfig {
  /** Run flags for the configuration (family, samples, p0, generations, …), as `--config` keys. */
  readonly options: RawOptions;
  /** Ensemble sizes, measured in increasing order. */
  readonly chains: readonly number[];
  readonly modes: readonly SamplingMode[];
  /** 'reference' and gpu.js backend names. */
  readonly engines: readonly string[];
  readonly peers: readonly PeerName[];
  readonly repeats: number;
  readonly seed: string;
  /** The reference path is slow: it is measured only up to this many chains. */
  readonly referenceLimit: number;
  /** Engines and peers the user named: their absence is an error rather than a skip. */
  readonly required: ReadonlySet<string>;
}

export interface BenchResult {
  readonly engine: string;
  /** 'engine' for ours, 'peer' for a peer's. */
  readonly kind: 'engine' | 'peer';
  readonly device: string;
  readonly mode: SamplingMode;
  /** The peer's form of the mode (e.g. binomial for sufficient), else the mode. */
  readonly form: string;
  readonly chains: number;
  readonly samples: number;
  readonly chain_generations_per_s: number;
  readonly chain_generations_per_s_min: number;
  readonly chain_generations_per_s_max: number;
  readonly data_points_per_s: number;
  /** Median wall-clock seconds of one run. */
  readonly seconds: number;
  /** Chain·generations of one run (median; runs to collapse vary with the seed's stream). */
  readonly chain_generations: number;
  readonly peak_rss_bytes: number;
  readonly repeats: number;
  readonly ratio_to_reference: number | null;
  readonly ratio_to_numpy: number | null;
}

export interface BenchReport {
  readonly tool: 'collapse-sim';
  readonly version: string;
  readonly configuration: Record<string, unknown>;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memory_bytes: number; readonly node: string; readonly platform: string };
  readonly warm_up: readonly { engine: string; mode: SamplingMode; device: string; seconds: number }[];
  /** Engines and peers not measured (absent, refused, or failed mid-run), with the reason. */
  readonly skipped: readonly { engine: string; mode: SamplingMode | null; reason: string }[];
  readonly results: readonly BenchResult[];
  /** The signal that stopped the benchmark early, or null when it ran to the end. */
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
}

export interface BenchProgress {
  readonly mode: SamplingMode;
  readonly chains: number;
  readonly repeat: number;
  readonly engine: string;
  /** Measurements done and planned (planned shrinks when an engine fails). */
  readonly done: number;
  readonly planned: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function interruptionName(reason: unknown): 'SIGINT' | 'SIGTERM' {
  return reason instanceof InterruptedError ? reason.signal : 'SIGINT';
}

export function machineDescription(): BenchReport['machine'] {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memory_bytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Validates the configuration for every mode up front: bad input fails before anything runs. */
export function benchSpecs(config: BenchConfig): Map<SamplingMode, RunSpec> {
  if (config.chains.length === 0) throw new UsageError('--chains must list at least one ensemble size');
  if (config.modes.length === 0) throw new UsageError('--modes must list per-sample, sufficient or both');
  if (config.engines.length === 0 && config.peers.length === 0) throw new UsageError('--backends and --peers leave nothing to measure');
  const specs = new Map<SamplingMode, RunSpec>();
  for (const mode of config.modes) {
    specs.set(mode, resolveRunSpec({ ...config.options, mode, chains: Math.max(...config.chains), seed: config.seed, out: 'bench.arrow' }));
  }
  return specs;
}

export interface BenchRunOptions {
  readonly onProgress?: (progress: BenchProgress) => void;
  /** Aborting (SIGINT/SIGTERM) stops after the measurement under way; what was measured is reported. */
  readonly signal?: AbortSignal;
}

export async function runBench(config: BenchConfig, options: BenchRunOptions = {}): Promise<BenchReport> {
  const { onProgress, signal } = options;
  const specs = benchSpecs(config);
  const chainsAscending = [...new Set(config.chains)].sort((a, b) => a - b);
  const skipped: { engine: string; mode: SamplingMode | null; reason: string }[] = [];
  const absent = (engine: string, mode: SamplingMode | null, reason: string): void => {
    if (config.required.has(engine)) throw new UsageError(`--backends/--peers ${engine}: ${reason}`);
    skipped.push({ engine, mode, reason });
  };

  // Which engines can run here at all (asked once, before any process starts).
  const engines: string[] = [];
  for (const engine of config.engines) {
    if (engine === 'reference') engines.push(engine);
    else if (ENGINE_BACKENDS.includes(engine)) {
      const status = await backendStatus(engine);
      if (status.available) engines.push(engine);
      else absent(engine, null, status.reason ?? 'not available');
    } else throw new UsageError(`--backends: unknown engine ${JSON.stringify(engine)} (reference, ${ENGINE_BACKENDS.join(', ')})`);
  }
  const numpy = config.peers.includes('numpy') ? findNumpy() : null;
  if (numpy !== null && !numpy.available) absent('numpy', null, numpy.reason);

  const warmUps: BenchReport['warm_up'][number][] = [];
  const results: BenchResult[] = [];
  let done = 0;
  let planned = 0;
  const stopped = (): boolean => signal?.aborted === true;
  for (const mode of config.modes) {
    if (stopped()) break;
    const spec = specs.get(mode)!;
    // Fresh processes per mode, so each one's peak RSS belongs to this mode's sizes alone
    // (sizes ascend, so the peak after a size is that size's peak).
    const workers: MeasuringProcess[] = [];
    for (const engine of engines) {
      const refusal = engine === 'reference' ? null : await backendRefusal(spec, engine);
      if (refusal !== null) {
        absent(engine, mode, refusal);
        continue;
      }
      try {
        workers.push(await EngineProcess.open(engine, { ...config.options, mode }));
      } catch (error) {
        absent(engine, mode, (error as Error).message);
      }
    }
    if (numpy?.available) {
      const peer = numpyRequest(spec);
      if ('refusal' in peer) absent('numpy', mode, peer.refusal);
      else {
        try {
          workers.push(await NumpyPeerProcess.open(numpy.python!, numpy.device, peer.request));
        } catch (error) {
          absent('numpy', mode, (error as Error).message);
        }
      }
    }
    for (const worker of workers) warmUps.push({ engine: worker.name, mode, device: worker.device, seconds: worker.warmUpSeconds });
    const sizesFor = (name: string): number => chainsAscending.filter((chains) => name !== 'reference' || chains <= config.referenceLimit).length;
    for (const worker of workers) planned += sizesFor(worker.name) * config.repeats;
    const beyond = chainsAscending.filter((chains) => chains > config.referenceLimit);
    if (engines.includes('reference') && beyond.length > 0) {
      skipped.push({ engine: 'reference', mode, reason: `not measured at ${beyond.join(', ')} chains (above --reference-limit ${config.referenceLimit})` });
    }

    const failed = new Set<string>();
    const measured = new Map<string, number>();
    for (const chains of chainsAscending) {
      if (stopped()) break;
      const timings = new Map<string, { rates: number[]; seconds: number[]; chainGenerations: number[]; peak: number }>();
      for (let repeat = 0; repeat < config.repeats; repeat++) {
        const live = workers.filter((worker) => !failed.has(worker.name) && (worker.name !== 'reference' || chains <= config.referenceLimit));
        for (let turn = 0; turn < live.length && !stopped(); turn++) {
          const worker = live[(turn + repeat) % live.length];
          onProgress?.({ mode, chains, repeat, engine: worker.name, done, planned });
          try {
            const timing = await worker.measure(chains, config.seed);
            const entry = timings.get(worker.name) ?? { rates: [], seconds: [], chainGenerations: [], peak: 0 };
            entry.rates.push(timing.chainGenerations / timing.seconds);
            entry.seconds.push(timing.seconds);
            entry.chainGenerations.push(timing.chainGenerations);
            entry.peak = Math.max(entry.peak, timing.peakRssBytes);
            timings.set(worker.name, entry);
            measured.set(worker.name, (measured.get(worker.name) ?? 0) + 1);
            done++;
          } catch (error) {
            failed.add(worker.name);
            planned -= sizesFor(worker.name) * config.repeats - (measured.get(worker.name) ?? 0);
            timings.delete(worker.name);
            skipped.push({ engine: worker.name, mode, reason: `failed at ${chains} chains: ${(error as Error).message}` });
            worker.close();
          }
        }
      }
      const rateOf = (name: string): number | null => (timings.has(name) ? median(timings.get(name)!.rates) : null);
      const reference = rateOf('reference');
      const numpyRate = rateOf('numpy');
      for (const worker of workers) {
        const entry = timings.get(worker.name);
        if (entry === undefined || failed.has(worker.name)) continue;
        const rate = median(entry.rates);
        const peer = worker.name === 'numpy';
        results.push({
          engine: worker.name,
          kind: peer ? 'peer' : 'engine',
          device: worker.device,
          mode,
          form: peer ? NUMPY_FORMS[spec.family][mode] : mode,
          chains,
          samples: spec.samples,
          chain_generations_per_s: rate,
          chain_generations_per_s_min: Math.min(...entry.rates),
          chain_generations_per_s_max: Math.max(...entry.rates),
          data_points_per_s: rate * spec.samples,
          seconds: median(entry.seconds),
          chain_generations: median(entry.chainGenerations),
          peak_rss_bytes: entry.peak,
          repeats: entry.rates.length,
          ratio_to_reference: reference === null ? null : rate / reference,
          ratio_to_numpy: numpyRate === null ? null : rate / numpyRate,
        });
      }
    }
    for (const worker of workers) worker.close();
  }
  const { mode: _mode, ...configuration } = config.options as Record<string, unknown>;
  return {
    tool: 'collapse-sim',
    version: TOOL_VERSION,
    configuration: {
      ...configuration,
      family: specs.values().next().value!.family,
      samples: specs.values().next().value!.samples,
      generations: specs.values().next().value!.generations,
      seed: config.seed,
      chains: chainsAscending,
      modes: config.modes,
      engines: config.engines,
      peers: config.peers,
      repeats: config.repeats,
      reference_limit: config.referenceLimit,
    },
    machine: machineDescription(),
    warm_up: warmUps,
    skipped,
    results,
    interrupted: stopped() ? interruptionName(signal!.reason) : null,
  };
}
