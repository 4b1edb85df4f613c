/**
 * The measuring process for one of our engines (forked by the harness, IPC channel):
 * opens the engine named in the first message, warms it up, then times each requested
 * run and answers with seconds, chain·generations and the process's peak RSS.
 *
 * The engine `auto` is resolved afresh for every run, exactly as `collapse-sim run` resolves
 * --backend auto (src/engine/select.ts, the ensemble size included), and its time includes
 * opening the engine it chose (worker start, module compilation): the cost auto weighs, and
 * what a user of `run --backend auto` waits for. The reply names the engine it chose.
 */
import type { Engine } from '../engine/engine.js';
import { ReferenceEngine } from '../engine/reference.js';
import { backendStatus, openBackend } from '../engine/backends.js';
import { openEngine as openForRun } from '../engine/select.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import type { EngineOpenRequest, MeasureRequest, TimingReply, WorkerMessage } from './protocol.js';

/** Chains in the warm-up run: enough to compile every kernel the timed runs use. */
const WARM_UP_CHAINS = 100;

/** The engine `auto`: resolved per run, not opened up front. */
const AUTO = 'auto';

async function openEngine(name: string): Promise<Engine> {
  return name === 'reference' ? new ReferenceEngine() : openBackend(name);
}

async function simulate(engine: Engine, spec: RunSpec): Promise<number> {
  let chainGenerations = 0;
  for await (const batch of engine.run(spec)) chainGenerations += batch.chainGenerations;
  return chainGenerations;
}

const peakRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

async function timeRun(engine: Engine, spec: RunSpec): Promise<TimingReply> {
  const started = process.hrtime.bigint();
  const chainGenerations = await simulate(engine, spec);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, chainGenerations, peakRssBytes: peakRssBytes() };
}

/** One run of --backend auto: choosing and opening the engine are timed with the run; closing it is not. */
async function timeAutoRun(spec: RunSpec): Promise<TimingReply> {
  const started = process.hrtime.bigint();
  const { engine } = await openForRun({ ...spec, backend: AUTO });
  try {
    const chainGenerations = await simulate(engine, spec);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const software = engine.backend === 'reference' ? true : (await backendStatus(engine.backend)).software;
    return { seconds, chainGenerations, peakRssBytes: peakRssBytes(), chose: { backend: engine.backend, device: engine.device, processor: software ? 'cpu' : 'gpu' } };
  } finally {
    await engine.close();
  }
}

function reply(message: WorkerMessage): void {
  process.send!(message);
}

let engineName = '';
let engine: Engine | null = null;
let options: EngineOpenRequest['options'] = {};
// Requests are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();

const specFor = (chains: number, seed: string): RunSpec =>
  // The output path is never opened: engines yield batches, nothing is written.
  resolveRunSpec({ ...options, chains, seed, out: 'bench.arrow', 'batch-size': 1 << 20 });

process.on('message', (message: EngineOpenRequest | MeasureRequest) => {
  queue = queue.then(async () => {
    try {
      if ('engine' in message) {
        options = message.options;
        engineName = message.engine;
        if (engineName === AUTO) {
          // Warms the imports and whatever auto takes for a small run.
          const warmUp = await timeAutoRun(specFor(WARM_UP_CHAINS, 'warm-up'));
          reply({ ok: { device: '--backend auto (resolved per run; engine start-up timed)', warmUpSeconds: warmUp.seconds } });
          return;
        }
        engine = await openEngine(engineName);
        const warmUp = await timeRun(engine, specFor(WARM_UP_CHAINS, 'warm-up'));
        reply({ ok: { device: engine.device, warmUpSeconds: warmUp.seconds } });
      } else {
        const spec = specFor(message.chains, message.seed);
        if (engineName === AUTO) reply({ ok: await timeAutoRun(spec) });
        else {
          if (engine === null) throw new Error('measure before open');
          reply({ ok: await timeRun(engine, spec) });
        }
      }
    } catch (error) {
      reply({ error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  });
});

process.on('disconnect', () => {
  // The harness is done (or gone): release the engine and leave. Dawn keeps Node alive
  // otherwise, hence the explicit exit.
  void queue.then(async () => {
    await engine?.close().catch(() => {});
    process.exit(0);
  });
});
