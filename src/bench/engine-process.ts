/**
 * The measuring process for one of our engines (forked by the harness, IPC channel):
 * opens the engine named in the first message, warms it up, then times each requested
 * run and answers with seconds, chain·generations and the process's peak RSS.
 */
import type { Engine } from '../engine/engine.js';
import { ReferenceEngine } from '../engine/reference.js';
import { openBackend } from '../engine/backends.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import type { EngineOpenRequest, MeasureRequest, TimingReply, WorkerMessage } from './protocol.js';

/** Chains in the warm-up run: enough to compile every kernel the timed runs use. */
const WARM_UP_CHAINS = 100;

async function openEngine(name: string): Promise<Engine> {
  return name === 'reference' ? new ReferenceEngine() : openBackend(name);
}

async function timeRun(engine: Engine, spec: RunSpec): Promise<TimingReply> {
  const started = process.hrtime.bigint();
  let chainGenerations = 0;
  for await (const batch of engine.run(spec)) chainGenerations += batch.chainGenerations;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, chainGenerations, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function reply(message: WorkerMessage): void {
  process.send!(message);
}

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
        engine = await openEngine(message.engine);
        const warmUp = await timeRun(engine, specFor(WARM_UP_CHAINS, 'warm-up'));
        reply({ ok: { device: engine.device, warmUpSeconds: warmUp.seconds } });
      } else {
        if (engine === null) throw new Error('measure before open');
        reply({ ok: await timeRun(engine, specFor(message.chains, message.seed)) });
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
