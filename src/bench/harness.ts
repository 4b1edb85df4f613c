/**
 * The benchmark: for each mode and ensemble size, every engine (the reference path, the
 * gpu.js backends) and every peer (NumPy, JAX, CuPy) runs the same configuration in turn,
 * `repeats` times, in its own process; the order rotates from one repeat to the next so
 * that no engine always runs on a warmer or busier machine. Reported per (engine, mode,
 * chains): the median, min and max of chain·generations per second, data points per second
 * (M per chain·generation), the process's peak RSS, whether it ran on the CPU or a GPU, and
 * ratios to the reference path and to NumPy measured in the same run. Warm-up (kernel
 * compilation, worker start, imports) is timed and reported apart — except for the engine
 * `auto`, which is resolved per run as `collapse-sim run --backend auto` resolves it, its
 * chosen engine's start-up timed with the run, and the engine it chose reported. With `maxSeconds`, an
 * engine whose next size is predicted to run longer than that is not measured there (nor
 * above), and says so: a time box that never cuts a measurement short.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { SamplingMode } from '../families/family.js';
import { backendRefusal, backendStatus, ENGINE_BACKENDS } from '../engine/backends.js';
import { InterruptedError, UsageError } from '../spec/errors.js';
import type { RawOptions } from '../spec/parse.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import { TOOL_VERSION } from '../version.js';
import { SCHEMA_VERSION } from '../io/provenance.js';
import { STREAM_VERSION } from '../rng/streams.js';
import { machineDescription, type MachineDescription } from '../environment.js';

export { machineDescription } from '../environment.js';
import { peerRequest, PEERS, type PeerName } from './peers.js';
import { EngineProcess, findPeer, PeerProcess, type MeasuringProcess } from './processes.js';
import type { TimingReply } from './protocol.js';

/** The engine that stands for `--backend auto`: resolved per run, as `collapse-sim run` does. */
export const AUTO = 'auto';

export interface BenchConfig {
  /** Run flags for the configuration (family, samples, p0, generations, …), as `--config` keys. */
  readonly options: RawOptions;
  /** Ensemble sizes, measured in increasing order. */
  readonly chains: readonly number[];
  readonly modes: readonly SamplingMode[];
  /** 'reference', 'auto' and the backends' names (simd, the gpu.js backends). */
  readonly engines: readonly string[];
  readonly peers: readonly PeerName[];
  readonly repeats: number;
  readonly seed: string;
  /** The reference path is slow: it is measured only up to this many chains. */
  readonly referenceLimit: number;
  /** Engines and peers the user named: their absence is an error rather than a skip. */
  readonly required: ReadonlySet<string>;
  /**
   * Seconds one run may be predicted to take (from the engine's last size, scaled by the
   * chains): above it the engine is not measured at that size or any larger one. Null: no limit.
   */
  readonly maxSeconds?: number | null;
  /** Engines and peers the time box never leaves out (those a caller's comparison needs at every size). */
  readonly uncapped?: ReadonlySet<string>;
}

/** Where an engine or peer computes: the CPU (the reference path, CPU-emulated or software-rendered backends, NumPy) or a GPU. */
export type Processor = 'cpu' | 'gpu';

export interface BenchResult {
  readonly engine: string;
  /** 'engine' for ours, 'peer' for a peer's. */
  readonly kind: 'engine' | 'peer';
  /** The configuration's family. */
  readonly family: string;
  /** For `auto`: the engine it chose at this size (several, '/'-joined, if repeats differed); else null. */
  readonly chose: string | null;
  readonly device: string;
  readonly processor: Processor;
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
  /** The provenance schema (io/provenance.ts SCHEMA_VERSION) and random stream version it was made with. */
  readonly schema_version: number;
  readonly version: string;
  readonly stream: number;
  readonly configuration: Record<string, unknown>;
  readonly machine: MachineDescription;
  readonly warm_up: readonly { engine: string; mode: SamplingMode; device: string; processor: Processor; seconds: number }[];
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

/** The measurement under way when the benchmark was interrupted. */
class AbandonedError extends Error {}

/** The promise's value, or an AbandonedError as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new AbandonedError());
  return new Promise<T>((resolve, reject) => {
    const abandon = (): void => reject(new AbandonedError());
    signal.addEventListener('abort', abandon, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abandon);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abandon);
        reject(error);
      },
    );
  });
}

function interruptionName(reason: unknown): 'SIGINT' | 'SIGTERM' {
  return reason instanceof InterruptedError ? reason.signal : 'SIGINT';
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
  /**
   * Aborting (SIGINT/SIGTERM) abandons the measurement under way (its process is killed, so
   * a time box holds however long that run would have taken); what was measured is reported.
   */
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

  // Which engines and peers can run here at all (asked once, before any process starts).
  const engines: string[] = [];
  const processors = new Map<string, Processor>([['reference', 'cpu']]);
  /** The form each peer draws in sufficient mode (binomial, multinomial, chi-square), from the family. */
  const peerForms = new Map<string, string>();
  for (const engine of config.engines) {
    if (engine === 'reference' || engine === AUTO) engines.push(engine);
    else if (ENGINE_BACKENDS.includes(engine)) {
      const status = await backendStatus(engine);
      if (status.available) {
        engines.push(engine);
        processors.set(engine, status.software ? 'cpu' : 'gpu');
      } else absent(engine, null, status.reason ?? 'not available');
    } else throw new UsageError(`--backends: unknown engine ${JSON.stringify(engine)} (reference, ${AUTO}, ${ENGINE_BACKENDS.join(', ')})`);
  }
  const peers: { name: PeerName; python: string; device: string }[] = [];
  for (const name of config.peers) {
    if (!(PEERS as readonly string[]).includes(name)) throw new UsageError(`--peers: unknown peer ${JSON.stringify(name)} (${PEERS.join(', ')})`);
    const status = findPeer(name);
    if (!status.available) {
      absent(name, null, status.reason);
      continue;
    }
    peers.push({ name, python: status.python!, device: status.device });
    processors.set(name, status.processor);
  }

  const warmUps: BenchReport['warm_up'][number][] = [];
  const results: BenchResult[] = [];
  const peerNames = new Set<string>(PEERS);
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
      if (stopped()) break;
      // auto passes over what cannot run the configuration by itself.
      const refusal = engine === 'reference' || engine === AUTO ? null : await backendRefusal(spec, engine);
      if (refusal !== null) {
        absent(engine, mode, refusal);
        continue;
      }
      try {
        workers.push(await EngineProcess.open(engine, { ...config.options, mode }, signal));
      } catch (error) {
        if (stopped()) skipped.push({ engine, mode, reason: `interrupted (${interruptionName(signal!.reason)}) during its warm-up` });
        else absent(engine, mode, (error as Error).message);
      }
    }
    for (const peer of peers) {
      if (stopped()) break;
      const request = peerRequest(spec, peer.name);
      if ('refusal' in request) absent(peer.name, mode, request.refusal);
      else {
        peerForms.set(peer.name, request.sufficientForm);
        try {
          workers.push(await PeerProcess.open(peer.name, peer.python, peer.device, request.request, signal));
        } catch (error) {
          if (stopped()) skipped.push({ engine: peer.name, mode, reason: `interrupted (${interruptionName(signal!.reason)}) during its warm-up` });
          else absent(peer.name, mode, (error as Error).message);
        }
      }
    }
    const processorOf = (name: string): Processor => processors.get(name) ?? 'cpu';
    for (const worker of workers) warmUps.push({ engine: worker.name, mode, device: worker.device, processor: processorOf(worker.name), seconds: worker.warmUpSeconds });
    const sizesFor = (name: string): number => chainsAscending.filter((chains) => name !== 'reference' || chains <= config.referenceLimit).length;
    for (const worker of workers) planned += sizesFor(worker.name) * config.repeats;
    const beyond = chainsAscending.filter((chains) => chains > config.referenceLimit);
    if (engines.includes('reference') && beyond.length > 0) {
      skipped.push({ engine: 'reference', mode, reason: `not measured at ${beyond.join(', ')} chains (above --reference-limit ${config.referenceLimit})` });
    }

    const failed = new Set<string>();
    /** Engines past the time box: not measured at this size or above. */
    const capped = new Set<string>();
    const measured = new Map<string, number>();
    /** Each engine's last measured size and the median seconds of one run there. */
    const last = new Map<string, { chains: number; seconds: number }>();
    const unplan = (name: string): void => {
      planned -= sizesFor(name) * config.repeats - (measured.get(name) ?? 0);
    };
    for (const chains of chainsAscending) {
      if (stopped()) break;
      if (config.maxSeconds != null) {
        for (const worker of workers) {
          const previous = last.get(worker.name);
          if (previous === undefined || failed.has(worker.name) || capped.has(worker.name) || config.uncapped?.has(worker.name)) continue;
          if (worker.name === 'reference' && chains > config.referenceLimit) continue;
          const predicted = (previous.seconds * chains) / previous.chains;
          if (predicted <= config.maxSeconds) continue;
          capped.add(worker.name);
          unplan(worker.name);
          const sizes = chainsAscending.filter((c) => c >= chains && (worker.name !== 'reference' || c <= config.referenceLimit));
          skipped.push({
            engine: worker.name,
            mode,
            reason: `not measured at ${sizes.join(', ')} chains: a run is predicted to take ${predicted.toFixed(1)} s (${previous.seconds.toFixed(2)} s at ${previous.chains} chains), over --max-seconds ${config.maxSeconds}`,
          });
        }
      }
      const timings = new Map<string, { rates: number[]; seconds: number[]; chainGenerations: number[]; peak: number; chose: TimingReply['chose'][] }>();
      for (let repeat = 0; repeat < config.repeats; repeat++) {
        const live = workers.filter((worker) => !failed.has(worker.name) && !capped.has(worker.name) && (worker.name !== 'reference' || chains <= config.referenceLimit));
        for (let turn = 0; turn < live.length && !stopped(); turn++) {
          const worker = live[(turn + repeat) % live.length];
          onProgress?.({ mode, chains, repeat, engine: worker.name, done, planned });
          try {
            const timing = await untilAborted(worker.measure(chains, config.seed), signal);
            const entry = timings.get(worker.name) ?? { rates: [], seconds: [], chainGenerations: [], peak: 0, chose: [] };
            entry.chose.push(timing.chose);
            entry.rates.push(timing.chainGenerations / timing.seconds);
            entry.seconds.push(timing.seconds);
            entry.chainGenerations.push(timing.chainGenerations);
            entry.peak = Math.max(entry.peak, timing.peakRssBytes);
            timings.set(worker.name, entry);
            measured.set(worker.name, (measured.get(worker.name) ?? 0) + 1);
            done++;
          } catch (error) {
            failed.add(worker.name);
            unplan(worker.name);
            timings.delete(worker.name);
            if (error instanceof AbandonedError) {
              worker.kill();
              skipped.push({ engine: worker.name, mode, reason: `interrupted (${interruptionName(signal!.reason)}) during its run at ${chains} chains, which was abandoned` });
            } else {
              skipped.push({ engine: worker.name, mode, reason: `failed at ${chains} chains: ${(error as Error).message}` });
              worker.close();
            }
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
        const peer = peerNames.has(worker.name);
        last.set(worker.name, { chains, seconds: median(entry.seconds) });
        const chosen = entry.chose.filter((c) => c !== undefined);
        results.push({
          engine: worker.name,
          kind: peer ? 'peer' : 'engine',
          family: spec.family,
          chose: chosen.length === 0 ? null : [...new Set(chosen.map((c) => c.backend))].join('/'),
          device: chosen.length === 0 ? worker.device : [...new Set(chosen.map((c) => c.device))].join('; '),
          processor: chosen.length === 0 ? processorOf(worker.name) : chosen.some((c) => c.processor === 'gpu') ? 'gpu' : 'cpu',
          mode,
          form: peer && mode === 'sufficient' ? peerForms.get(worker.name) ?? mode : mode,
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
    schema_version: SCHEMA_VERSION,
    version: TOOL_VERSION,
    stream: STREAM_VERSION,
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
      max_seconds: config.maxSeconds ?? null,
      uncapped: config.uncapped === undefined ? [] : [...config.uncapped],
    },
    machine: machineDescription(),
    warm_up: warmUps,
    skipped,
    results,
    interrupted: stopped() ? interruptionName(signal!.reason) : null,
  };
}
