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
}

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
  prepared = { key, table, generator, draw: samplerDraw(table, generator) };
  return prepared;
}

async function run(task: SimdTask): Promise<SimdReply> {
  const { table, generator, draw } = prepare(task.spec);
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
    onGenerations(chainGenerations) {
      progress[task.slot] += chainGenerations;
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
