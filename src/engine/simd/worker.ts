/**
 * A worker thread of the WebAssembly engine (./engine.ts): it holds a WasmGenerator and a
 * ChainTable for the run's configuration and simulates the blocks of chains it is sent, with
 * the same generation loop and family code as the reference path, writing each chain's row
 * straight into the batch's shared columns.
 */
import { parentPort } from 'node:worker_threads';
import { createFamilyModel } from '../reference.js';
import { ChainTable } from '../chain-table.js';
import { samplerDraw, simulateChains, type BatchRows, type DrawGeneration } from '../lane-runner.js';
import { keyFromSeed } from '../../rng/keys.js';
import { WasmGenerator } from '../../rng/wasm-generator.js';
import { InterruptedError } from '../../spec/errors.js';
import type { RunSpec } from '../../spec/run-spec.js';
import { laneCapacity, generatorReserve, type SimdTask, type SimdReply } from './protocol.js';

interface Prepared {
  readonly key: string;
  readonly table: ChainTable;
  readonly generator: WasmGenerator;
  readonly draw: DrawGeneration;
  /** The pace measured so far (lane·generations per ms), kept across the configuration's tasks. */
  lanesPerMs: number | null;
}

/**
 * A generation step of a group should take about this long: the stop flag is read between
 * steps, so a run stops within a moment even where one chain·generation costs a millisecond
 * (coupled Ising with large N·M), while fast families keep groups at the table's capacity.
 */
const STEP_MS = 100;
/** Lanes of a worker's first group, before its pace is measured. */
const FIRST_GROUP = 256;

let prepared: Prepared | null = null;

/** The table, generator and sampler for a configuration, reused while tasks share it. */
function prepare(spec: RunSpec): Prepared {
  const key = JSON.stringify(spec);
  if (prepared !== null && prepared.key === key) return prepared;
  prepared = null; // release the previous configuration's memory first
  const model = createFamilyModel(spec);
  const capacity = laneCapacity(model, spec);
  const generator = new WasmGenerator(keyFromSeed(spec.seed), capacity, generatorReserve(model, spec, capacity));
  const table = new ChainTable(model, spec, capacity, generator);
  prepared = { key, table, generator, draw: samplerDraw(table, generator), lanesPerMs: null };
  return prepared;
}

async function run(task: SimdTask): Promise<SimdReply> {
  const configuration = prepare(task.spec);
  const { table, generator, draw } = configuration;
  let stepStarted = performance.now();
  const control = new Int32Array(task.control);
  const progress = new Float64Array(task.progress);
  const rows: BatchRows = {
    firstChain: task.batchFirst,
    chainGenerations: 0,
    collapseTime: new Int32Array(task.columns.collapseTime),
    outcome: new Float64Array(task.columns.outcome),
    eventTimes: task.columns.eventTimes.map((buffer) => new Int32Array(buffer)),
    finals: task.columns.finals.map((buffer) => new Float64Array(buffer)),
  };
  const trajectory = await simulateChains(table, generator, draw, task.first, task.count, rows, task.spec.trajectories, {
    groupSize() {
      stepStarted = performance.now();
      const pace = configuration.lanesPerMs;
      return pace === null ? FIRST_GROUP : Math.max(64, Math.floor(pace * STEP_MS));
    },
    onGenerations(chainGenerations) {
      progress[task.slot] += chainGenerations;
      const now = performance.now();
      const rate = chainGenerations / Math.max(now - stepStarted, 0.05);
      stepStarted = now;
      // Steps of a few lanes say little; one step moves the estimate by at most a factor of 4.
      if (chainGenerations < 32) return;
      const pace = configuration.lanesPerMs;
      configuration.lanesPerMs = pace === null ? rate : Math.max(pace / 4, Math.min(pace * 4, rate));
    },
    checkpoint() {
      if (Atomics.load(control, 0) !== 0) throw new InterruptedError('SIGINT');
    },
  });
  return { id: task.id, chainGenerations: rows.chainGenerations, trajectory };
}

parentPort!.on('message', (task: SimdTask) => {
  run(task).then(
    (reply) => {
      const transfer = reply.trajectory === null ? [] : [reply.trajectory.chain.buffer, reply.trajectory.generation.buffer, ...reply.trajectory.values.map((v) => v.buffer)];
      parentPort!.postMessage(reply, transfer as ArrayBuffer[]);
    },
    (error: Error) => {
      const interrupted = error instanceof InterruptedError;
      parentPort!.postMessage({ id: task.id, chainGenerations: 0, trajectory: null, interrupted, error: interrupted ? undefined : `${error.message}` } satisfies SimdReply);
    },
  );
});
