/**
 * `collapse-sim summarize`: what a run's chain table says, with intervals, and the exact
 * theory beside it where the family has one. Reads one file, several shard files or a
 * directory of them (checked as `merge` checks them), one table at a time.
 */
import { emptyChainColumns } from '../engine/batch.js';
import { checkShards, combinedProvenance, readChainTable, readShardHeaders } from '../io/merge.js';
import { copyChainRows } from '../io/tables.js';
import { SummaryBuilder, type Summary } from './summary.js';

export { exactTheory, SummaryBuilder, type ExactTheory, type Summary, type TheoryComparison } from './summary.js';

export function summarizeFiles(inputs: readonly string[]): Summary {
  // One whole run, or the complete set of its shards.
  const ordered = checkShards(readShardHeaders(inputs, 'summarize'), 'summarize');
  // The whole run's provenance (where each shard ran, if not all on one machine).
  const builder = new SummaryBuilder(combinedProvenance(ordered));
  const horizon = builder.provenance.config.generations;
  for (const file of ordered) {
    const { table, model } = readChainTable(file.path);
    const times = table.getChild('collapse_time')!;
    const outcomes = table.getChild('outcome')!;
    // Absorption as the engines record it (tables.ts derives it for files from before it was).
    const columns = emptyChainColumns(model, table.numRows);
    copyChainRows(table, model, 0, table.numRows, columns, 0, file.path, horizon);
    for (let i = 0; i < table.numRows; i++) {
      const absorbed = columns.absorbedTime[i];
      const collapsedGenerations = columns.collapsedGenerations[i];
      builder.add(times.get(i) as number | null, outcomes.get(i) as number | null, absorbed >= 0 ? absorbed : null, collapsedGenerations >= 0 ? collapsedGenerations : null);
    }
  }
  return builder.build(ordered.map((file) => file.path));
}
