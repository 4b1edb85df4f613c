/**
 * `collapse-sim summarize`: what a run's chain table says, with intervals, and the exact
 * theory beside it where the family has one. Reads one file, several shard files or a
 * directory of them (checked as `merge` checks them), one table at a time.
 */
import { checkShards, combinedProvenance, readChainTable, readShardHeaders } from '../io/merge.js';
import { SummaryBuilder, type Summary } from './summary.js';

export { exactTheory, SummaryBuilder, type ExactTheory, type Summary, type TheoryComparison } from './summary.js';

export function summarizeFiles(inputs: readonly string[]): Summary {
  // One whole run, or the complete set of its shards.
  const ordered = checkShards(readShardHeaders(inputs, 'summarize'), 'summarize');
  // The whole run's provenance (where each shard ran, if not all on one machine).
  const builder = new SummaryBuilder(combinedProvenance(ordered));
  for (const file of ordered) {
    const { table } = readChainTable(file.path);
    const times = table.getChild('collapse_time')!;
    const outcomes = table.getChild('outcome')!;
    for (let i = 0; i < table.numRows; i++) builder.add(times.get(i) as number | null, outcomes.get(i) as number | null);
  }
  return builder.build(ordered.map((file) => file.path));
}
