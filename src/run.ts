/**
 * One run, end to end: an engine streams ChainBatches; each is written to the Arrow
 * file(s) and folded into the summary; the files are renamed into place only when the
 * whole run succeeded. The CLI is a thin layer over this.
 */
import { unlinkSync } from 'node:fs';
import type { Engine } from './engine/engine.js';
import type { Progress } from './engine/batch.js';
import { createFamilyModel, ReferenceEngine } from './engine/reference.js';
import { ArrowFileWriter } from './io/arrow-writer.js';
import { provenanceOf } from './io/provenance.js';
import { chainRecordBatch, chainSchema, trajectoryRecordBatch, trajectorySchema } from './io/tables.js';
import type { RunSpec } from './spec/run-spec.js';
import { CollapseSummary } from './stats/summary.js';

export interface RunOptions {
  /** Defaults to the reference engine. */
  readonly engine?: Engine;
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly spec: RunSpec;
  /** The backend that really produced the rows. */
  readonly backend: string;
  readonly summary: CollapseSummary;
  readonly elapsedSeconds: number;
  readonly out: string;
  readonly trajectoriesOut: string | null;
}

export async function runSimulation(spec: RunSpec, options: RunOptions = {}): Promise<RunResult> {
  const engine = options.engine ?? new ReferenceEngine();
  const model = createFamilyModel(spec);
  const provenance = provenanceOf(spec, engine.backend);
  const started = process.hrtime.bigint();
  const summary = new CollapseSummary();
  const writers: ArrowFileWriter[] = [];
  try {
    // Opening both files first checks they can be written before any work is done.
    const chains = new ArrowFileWriter(spec.out, 'out', chainSchema(model, provenance));
    writers.push(chains);
    const trajectories =
      spec.trajectories === null ? null : new ArrowFileWriter(spec.trajectories.out, 'trajectories-out', trajectorySchema(model, provenance));
    if (trajectories !== null) writers.push(trajectories);

    for await (const batch of engine.run(spec, { onProgress: options.onProgress, signal: options.signal })) {
      chains.write(chainRecordBatch(chains.schema, model, batch));
      if (trajectories !== null && batch.trajectory !== null && batch.trajectory.length > 0) {
        trajectories.write(trajectoryRecordBatch(trajectories.schema, model, batch.trajectory));
      }
      summary.add(batch.collapseTime, batch.outcome, batch.chainGenerations);
    }
    trajectories?.commit();
    try {
      chains.commit();
    } catch (error) {
      // The chain table is the run's result: without it, its companion must not remain.
      if (trajectories !== null) unlinkSync(trajectories.path);
      throw error;
    }
    writers.length = 0;
  } finally {
    for (const writer of writers) writer.discard();
    await engine.close();
  }
  return {
    spec,
    backend: engine.backend,
    summary,
    elapsedSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    out: spec.out,
    trajectoriesOut: spec.trajectories?.out ?? null,
  };
}
