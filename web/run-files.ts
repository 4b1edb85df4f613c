/** The files a page run ends with: what `collapse-sim run` writes, in memory. */
import type { ChainBatch } from '../src/engine/batch.js';
import { ArrowFileWriter, MemorySink } from '../src/io/arrow-writer.js';
import type { Provenance } from '../src/io/provenance.js';
import { chainRecordBatch, chainSchema, trajectoryRecordBatch, trajectorySchema } from '../src/io/tables.js';
import { createFamilyModel, type RunSpec } from '../src/spec/run-spec.js';

/**
 * The files `collapse-sim run` writes for these batches (chains, and trajectories where the
 * run recorded them): the same writer, schemas and batch boundaries. Written once the run is
 * over, since only then is it known which engines computed the rows; each batch is let go
 * as it is written.
 */
export function writeRunFiles(spec: RunSpec, provenance: Provenance, batches: ChainBatch[]): { arrow: Uint8Array; trajectories: Uint8Array | null } {
  const model = createFamilyModel(spec);
  const chainSink = new MemorySink(spec.out);
  const chains = new ArrowFileWriter(chainSink, chainSchema(model, provenance));
  const trajectorySink = spec.trajectories === null ? null : new MemorySink(spec.trajectories.out);
  const trajectories = trajectorySink === null ? null : new ArrowFileWriter(trajectorySink, trajectorySchema(model, provenance));
  for (let batch = batches.shift(); batch !== undefined; batch = batches.shift()) {
    chains.write(chainRecordBatch(chains.schema, model, batch));
    if (trajectories !== null && batch.trajectory !== null && batch.trajectory.length > 0) trajectories.write(trajectoryRecordBatch(trajectories.schema, model, batch.trajectory));
  }
  chains.commit();
  trajectories?.commit();
  return { arrow: chainSink.bytes()!, trajectories: trajectorySink?.bytes() ?? null };
}
