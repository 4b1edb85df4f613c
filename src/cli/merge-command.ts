import type { Command } from 'commander';
import { mergeShards } from '../io/merge.js';
import { UsageError } from '../spec/errors.js';

export async function mergeCommand(out: string, shards: string[], command: Command): Promise<void> {
  if (shards.length === 0) throw new UsageError('merge needs the shard files (or directories holding them) after OUT.arrow');
  const json = command.opts()['json'] === true;
  const notes: string[] = [];
  const result = mergeShards(out, shards, (note) => notes.push(note));
  const summary = result.summary;
  const probability = summary.collapseProbability();
  const facts = {
    out: result.out,
    shards: result.shards,
    chains: summary.chains,
    collapsed: summary.collapsed,
    collapse_probability: probability,
    backend: result.backend,
    seed: result.spec.seed,
  };
  process.stdout.write(
    json
      ? `${JSON.stringify(facts)}\n`
      : `merged ${result.shards} shard${result.shards === 1 ? '' : 's'} into ${result.out}: ${summary.chains} chains, ` +
          `collapsed ${summary.collapsed}, P = ${probability.estimate.toFixed(4)} [${probability.lower.toFixed(4)}, ${probability.upper.toFixed(4)}] (Wilson 95 %)\n`,
  );
  for (const note of notes) process.stderr.write(`collapse-sim: ${note}\n`);
}
