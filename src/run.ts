/**
 * One run, end to end: an engine streams ChainBatches; each is written to the Arrow
 * file(s) and folded into the summary; the files are renamed into place only when the
 * whole run succeeded. The CLI is a thin layer over this.
 */
import { unlinkSync } from 'node:fs';
import type { Engine } from './engine/engine.js';
import type { Progress } from './engine/batch.js';
import { createFamilyModel } from './engine/reference.js';
import { openEngine } from './engine/select.js';
import { AtomicFile } from './io/atomic-file.js';
import { ArrowFileWriter } from './io/arrow-writer.js';
import { provenanceOf } from './io/provenance.js';
import { chainRecordBatch, chainSchema, trajectoryRecordBatch, trajectorySchema } from './io/tables.js';
import type { RunSpec } from './spec/run-spec.js';
import { CollapseSummary } from './stats/summary.js';

export interface RunOptions {
  /** Defaults to the engine --backend names (see engine/select.ts). */
  readonly engine?: Engine;
  /** Receives the line saying what --backend auto chose. */
  readonly onNote?: (note: string) => void;
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly spec: RunSpec;
  /** The backend that really produced the rows, and its device. */
  readonly backend: string;
  readonly device: string;
  readonly summary: CollapseSummary;
  readonly elapsedSeconds: number;
  readonly out: string;
  readonly trajectoriesOut: string | null;
}

export async function runSimulation(spec: RunSpec, options: RunOptions = {}): Promise<RunResult> {
  const model = createFamilyModel(spec);
  // Opening the files first checks they can be written before an engine starts.
  const files = [AtomicFile.create(spec.out, 'out')];
  let engine = options.engine;
  try {
    if (spec.trajectories !== null) files.push(AtomicFile.create(spec.trajectories.out, 'trajectories-out'));
    if (engine === undefined) {
      const choice = await openEngine(spec);
      engine = choice.engine;
      if (choice.note !== null) options.onNote?.(choice.note);
    }
    const provenance = provenanceOf(spec, engine.backend, engine.device);
    const chains = new ArrowFileWriter(files[0], chainSchema(model, provenance));
    const trajectories = files.length > 1 ? new ArrowFileWriter(files[1], trajectorySchema(model, provenance)) : null;
    const summary = new CollapseSummary();
    const started = process.hrtime.bigint();
    for await (const batch of engine.run(spec, { onProgress: options.onProgress, signal: options.signal })) {
      chains.write(chainRecordBatch(chains.schema, model, batch));
      if (trajectories !== null && batch.trajectory !== null && batch.trajectory.length > 0) {
        trajectories.write(trajectoryRecordBatch(trajectories.schema, model, batch.trajectory));
      }
      summary.add(batch.collapseTime, batch.outcome, batch.chainGenerations);
    }
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    trajectories?.commit();
    try {
      chains.commit();
    } catch (error) {
      // The chain table is the run's result: without it, its companion must not remain.
      if (trajectories !== null) unlinkSync(trajectories.path);
      throw error;
    }
    files.length = 0;
    return {
      spec,
      backend: engine.backend,
      device: engine.device,
      summary,
      elapsedSeconds,
      out: spec.out,
      trajectoriesOut: spec.trajectories?.out ?? null,
    };
  } finally {
    for (const file of files) file.discard();
    await engine?.close();
  }
}
