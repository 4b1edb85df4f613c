/**
 * One run, end to end: an engine streams ChainBatches; each is written to the Arrow
 * file(s) and folded into the summary; the files are renamed into place only when the
 * whole run succeeded. The CLI is a thin layer over this.
 */
import type { Engine } from './engine/engine.js';
import type { ChainBatch, Progress } from './engine/batch.js';
import { createFamilyModel } from './engine/reference.js';
import { openEngine } from './engine/select.js';
import { AtomicFile } from './io/atomic-file.js';
import { planOutputs } from './io/output-path.js';
import { ArrowFileWriter } from './io/arrow-writer.js';
import { provenanceOf } from './io/provenance.js';
import { chainRecordBatch, chainSchema, trajectoryRecordBatch, trajectorySchema } from './io/tables.js';
import { chainRangeOf, type RunSpec } from './spec/run-spec.js';
import { InterruptedError } from './spec/errors.js';
import { Checkpoint } from './io/checkpoint.js';
import { CollapseSummary } from './stats/summary.js';

export interface RunOptions {
  /** Defaults to the engine --backend names (see engine/select.ts). */
  readonly engine?: Engine;
  /** Receives the line saying what --backend auto chose. */
  readonly onNote?: (note: string) => void;
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
  /** Save a checkpoint in this directory after every batch (io/checkpoint.ts). */
  readonly checkpointDirectory?: string;
  /** Go on from this checkpoint: `spec` must be its spec. */
  readonly resume?: Checkpoint;
  /** Files the run reads (a --config file): the outputs must not be one of them. */
  readonly inputs?: readonly string[];
}

export interface RunResult {
  readonly spec: RunSpec;
  /** The backend that really produced the rows, and its device. */
  readonly backend: string;
  readonly device: string;
  readonly summary: CollapseSummary;
  readonly elapsedSeconds: number;
  /** Chain·generations simulated in this process (a resumed run's replayed batches excluded): the speed's numerator. */
  readonly simulatedChainGenerations: number;
  readonly out: string;
  readonly trajectoriesOut: string | null;
}

export async function runSimulation(spec: RunSpec, options: RunOptions = {}): Promise<RunResult> {
  const model = createFamilyModel(spec);
  const resume = options.resume ?? null;
  // Opening the files first checks they can be written before an engine starts. A resumed
  // run writes where the interrupted one would have, wherever it is started from.
  const outputs = planOutputs(
    [
      { path: resume?.outPath ?? spec.out, flag: 'out' },
      ...(spec.trajectories === null ? [] : [{ path: resume?.trajectoriesOutPath ?? spec.trajectories.out, flag: 'trajectories-out' }]),
    ],
    options.inputs ?? [],
  );
  const files: AtomicFile[] = [];
  let engine = options.engine;
  try {
    for (const output of outputs) files.push(AtomicFile.open(output, options.onNote));
    if (options.checkpointDirectory !== undefined) Checkpoint.prepare(options.checkpointDirectory, outputs.map((output) => output.path));
    if (engine === undefined) {
      const choice = await openEngine(spec);
      engine = choice.engine;
      if (choice.note !== null) options.onNote?.(choice.note);
    }
    const device = resume === null || resume.device === engine.device ? engine.device : `${resume.device}, resumed on ${engine.device}`;
    const provenance = provenanceOf(spec, engine.backend, device);
    // The checkpoint records the backend that runs, so a resume runs on it too.
    const checkpoint = resume ?? (options.checkpointDirectory !== undefined ? Checkpoint.create(options.checkpointDirectory, { ...spec, backend: engine.backend }, engine.device) : null);
    const chains = new ArrowFileWriter(files[0], chainSchema(model, provenance));
    const trajectories = files.length > 1 ? new ArrowFileWriter(files[1], trajectorySchema(model, provenance)) : null;
    const summary = new CollapseSummary();
    const write = (batch: ChainBatch): void => {
      chains.write(chainRecordBatch(chains.schema, model, batch));
      if (trajectories !== null && batch.trajectory !== null && batch.trajectory.length > 0) {
        trajectories.write(trajectoryRecordBatch(trajectories.schema, model, batch.trajectory));
      }
      summary.add(batch.collapseTime, batch.outcome, batch.chainGenerations);
    };
    if (resume !== null) for (const batch of resume.replay(model)) write(batch);
    const started = process.hrtime.bigint();
    // A signal stops the engine within a moment (engine/pacing.ts). With a checkpoint, every
    // batch finished is saved already: the run stops and says how to go on.
    const interrupted = (reason: unknown): InterruptedError => {
      const signal = reason instanceof InterruptedError ? reason.signal : 'SIGINT';
      if (checkpoint === null) return reason instanceof InterruptedError ? reason : new InterruptedError(signal);
      const range = chainRangeOf(spec);
      return new InterruptedError(
        signal,
        `checkpoint saved in ${checkpoint.directory} (${checkpoint.nextChain - range.first} of ${range.end - range.first} chains done); ` +
          `go on with: collapse-sim run --resume ${checkpoint.directory}`,
      );
    };
    const batches = engine.run(spec, { onProgress: options.onProgress, signal: options.signal, startChain: checkpoint?.nextChain });
    let simulatedChainGenerations = 0;
    try {
      for await (const batch of batches) {
        write(batch);
        simulatedChainGenerations += batch.chainGenerations;
        checkpoint?.saveBatch(batch, model, provenance);
        if (options.signal?.aborted) throw interrupted(options.signal.reason);
      }
    } catch (error) {
      if (error instanceof InterruptedError) throw interrupted(error);
      throw error;
    }
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    trajectories?.commit();
    try {
      chains.commit();
    } catch (error) {
      // The chain table is the run's result: without it, its companion must not remain.
      trajectories?.retract();
      throw error;
    }
    files.length = 0;
    // The outputs are in place: the checkpoint has done its job.
    checkpoint?.remove();
    return {
      spec,
      backend: engine.backend,
      device: engine.device,
      summary,
      elapsedSeconds,
      simulatedChainGenerations,
      out: spec.out,
      trajectoriesOut: spec.trajectories?.out ?? null,
    };
  } finally {
    for (const file of files) file.discard();
    await engine?.close();
  }
}
