/**
 * Merging shard files (`collapse-sim run --shard i/n`) into the file the unsharded run
 * would have written: the shards must come from one configuration (everything but the
 * shard, the output paths and the batch size), one tool version and one backend, and
 * cover every chain exactly once. Rows are re-batched at the run's batch size and written
 * by the same code as `run`, so with the same --out name the merged file is byte for byte
 * the unsharded one. Shards are read one at a time: memory is one shard plus one batch.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import type { FamilyModel } from '../families/family.js';
import { emptyChainColumns, type ChainBatch } from '../engine/batch.js';
import { UsageError } from '../spec/errors.js';
import { shardRange, type Shard } from '../spec/shard.js';
import { createFamilyModel, type RunSpec } from '../spec/run-spec.js';
import { CollapseSummary } from '../stats/summary.js';
import { AtomicFile } from './atomic-file.js';
import { planOutputs } from './output-path.js';
import { ArrowFileWriter } from './arrow-writer.js';
import { streamVersionOf, type Provenance, type ShardOrigin } from './provenance.js';
import { ADDED_CHAIN_COLUMNS, chainColumns, chainRecordBatch, chainSchema, copyChainRows } from './tables.js';
import { readRunTable, type TableKind } from './read-table.js';

export interface ShardFile {
  readonly path: string;
  readonly provenance: Provenance;
  readonly shard: Shard | null;
  readonly rows: number;
}

export interface MergeResult {
  readonly out: string;
  readonly shards: number;
  readonly spec: RunSpec;
  readonly backend: string;
  readonly summary: CollapseSummary;
}

/** Files named on the command line, with directories expanded to the .arrow files they hold (not trajectories, not partial files). */
export function expandShardPaths(inputs: readonly string[], command = 'merge'): string[] {
  const paths: string[] = [];
  for (const input of inputs) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(input).isDirectory();
    } catch (error) {
      throw new UsageError(`${command}: ${input}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (!isDirectory) {
      paths.push(input);
      continue;
    }
    const found = readdirSync(input)
      .filter((name) => name.endsWith('.arrow') && !name.endsWith('.trajectories.arrow') && !name.startsWith('.'))
      .sort()
      .map((name) => join(input, name));
    if (found.length === 0) throw new UsageError(`${command}: ${input} holds no .arrow files`);
    paths.push(...found);
  }
  return paths;
}

/** Reads a collapse-sim chain table, verified (read-table.ts), or says clearly why it is not one. */
export function readChainTable(path: string, kind: TableKind | null = 'chains'): { table: Table; provenance: Provenance; model: FamilyModel } {
  const { table, provenance, model } = readRunTable(path, { kind });
  return { table, provenance, model };
}

/** The configuration as it bears on results: without the shard, output paths and batch size. */
function resultConfiguration(provenance: Provenance): Record<string, unknown> {
  const { out: _out, shard: _shard, batchSize: _batchSize, trajectories, backend: _backend, ...rest } = provenance.config;
  return {
    ...rest,
    trajectories: trajectories === null ? null : { every: trajectories.every, chains: trajectories.chains },
    version: provenance.version,
    key: provenance.key,
    stream: streamVersionOf(provenance),
  };
}

function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>): string {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return `${key} (${JSON.stringify(a[key])} against ${JSON.stringify(b[key])})`;
  }
  return '';
}

/**
 * The provenance and row count of each file named (directories expanded), for checkShards.
 * Each table is read and dropped: callers read the rows again one file at a time, so
 * memory stays one file, whatever the number of shards.
 */
export function readShardHeaders(inputs: readonly string[], command = 'merge', kind: TableKind | null = 'chains'): ShardFile[] {
  return expandShardPaths(inputs, command).map((path) => {
    const { table, provenance } = readChainTable(path, kind);
    return { path, provenance, shard: provenance.config.shard ?? null, rows: table.numRows };
  });
}

/** Checks the shards belong together and cover every chain once; returns them in chain order. */
export function checkShards(files: readonly ShardFile[], command = 'merge'): ShardFile[] {
  if (files.length === 0) throw new UsageError(`${command}: no shard files given`);
  const first = files[0];
  const reference = resultConfiguration(first.provenance);
  for (const file of files.slice(1)) {
    const difference = firstDifference(reference, resultConfiguration(file.provenance));
    if (difference !== '') throw new UsageError(`${command}: ${file.path} is from another run than ${first.path}: they differ in ${difference}`);
    if (file.provenance.backend !== first.provenance.backend) {
      throw new UsageError(`${command}: ${file.path} ran on ${file.provenance.backend}, ${first.path} on ${first.provenance.backend}: shards must share one --backend`);
    }
  }
  const chains = first.provenance.config.chains;
  const unsharded = files.filter((file) => file.shard === null);
  if (unsharded.length > 0 && files.length > 1) throw new UsageError(`${command}: ${unsharded[0].path} is a whole run (no --shard), not a shard`);
  const count = first.shard?.count ?? 1;
  const byIndex = new Map<number, ShardFile>();
  for (const file of files) {
    if ((file.shard?.count ?? 1) !== count) throw new UsageError(`${command}: ${file.path} is one of ${file.shard?.count ?? 1} shards, ${first.path} one of ${count}`);
    const index = file.shard?.index ?? 0;
    const twin = byIndex.get(index);
    if (twin !== undefined) throw new UsageError(`${command}: shard ${index}/${count} is given twice (${twin.path} and ${file.path})`);
    const range = shardRange(chains, file.shard);
    if (file.rows !== range.end - range.first) {
      throw new UsageError(`${command}: ${file.path} holds ${file.rows} rows, but shard ${index}/${count} covers ${range.end - range.first} chains`);
    }
    byIndex.set(index, file);
  }
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((index) => {
      const range = shardRange(chains, { index, count });
      return `${index} (chains ${range.first}–${range.end - 1})`;
    });
    throw new UsageError(`${command}: missing ${missing.length} of ${count} shards: ${shown.join(', ')}${missing.length > 10 ? ', …' : ''}`);
  }
  return Array.from({ length: count }, (_, index) => byIndex.get(index)!);
}

/**
 * The provenance of the whole run the shards make up (in chain order, as checkShards returns
 * them): shard 0's, with the configuration's shard removed and `spec` applied, and — only
 * where the shards ran on more than one device or machine — where each ran, so a merged
 * file does not claim one machine made it all. Equal shards give the unsharded run's bytes.
 */
export function combinedProvenance(ordered: readonly ShardFile[], config: Partial<RunSpec> = {}): Provenance {
  const first = ordered[0].provenance;
  const origin = (file: ShardFile): ShardOrigin => ({ index: file.shard?.index ?? 0, device: file.provenance.device, machine: file.provenance.machine ?? null });
  const same = ordered.every((file) => file.provenance.device === first.device && JSON.stringify(file.provenance.machine) === JSON.stringify(first.machine));
  const { shards: _shards, ...rest } = first;
  return { ...rest, ...(same ? {} : { shards: ordered.map(origin) }), config: { ...first.config, shard: null, ...config } };
}

/** Merges shard files (or directories of them) into `out`, atomically. */
export function mergeShards(out: string, inputs: readonly string[], onNote?: (note: string) => void): MergeResult {
  // The output is planned against every input first: merging into one of the shards would destroy it.
  const [output] = planOutputs([{ path: out, flag: 'out' }], expandShardPaths(inputs));
  const ordered = checkShards(readShardHeaders(inputs));
  const provenance = ordered[0].provenance;
  const spec: RunSpec = { ...provenance.config, shard: null, out, trajectories: null };
  const model: FamilyModel = createFamilyModel(spec);
  const merged = combinedProvenance(ordered, { out, trajectories: null, backend: provenance.backend });
  const writer = new ArrowFileWriter(AtomicFile.open(output, onNote), chainSchema(model, merged));
  const summary = new CollapseSummary();
  try {
    // Files from before absorbed_time was recorded lack the added columns (tables.ts derives them).
    const names = chainColumns(model).map((column) => column.name).filter((name) => !ADDED_CHAIN_COLUMNS.includes(name));
    let buffer = emptyChainColumns(model, Math.min(spec.batchSize, spec.chains));
    let filled = 0;
    let windowStart = 0;
    const flush = (): void => {
      const batch: ChainBatch = {
        firstChain: windowStart,
        count: filled,
        collapseTime: buffer.collapseTime.subarray(0, filled),
        outcome: buffer.outcome.subarray(0, filled),
        eventTimes: buffer.eventTimes.map((times) => times.subarray(0, filled)),
        finals: buffer.finals.map((values) => values.subarray(0, filled)),
        absorbedTime: buffer.absorbedTime.subarray(0, filled),
        collapsedGenerations: buffer.collapsedGenerations.subarray(0, filled),
        chainGenerations: 0,
        trajectory: null,
      };
      writer.write(chainRecordBatch(writer.schema, model, batch));
      summary.add(batch.collapseTime, batch.outcome, 0, batch.absorbedTime, batch.collapsedGenerations);
      windowStart += filled;
      filled = 0;
      buffer = emptyChainColumns(model, Math.min(spec.batchSize, spec.chains - windowStart));
    };
    for (const file of ordered) {
      const { table } = readChainTable(file.path);
      const chain = table.getChild('chain')!;
      const range = shardRange(spec.chains, file.shard);
      if (table.numRows > 0 && (chain.get(0) !== range.first || chain.get(table.numRows - 1) !== range.end - 1)) {
        throw new UsageError(`merge: ${file.path}: its chain column does not run ${range.first}…${range.end - 1} as its shard says`);
      }
      for (const name of names) if (table.getChild(name) === null) throw new UsageError(`merge: ${file.path} has no column ${name}`);
      let row = 0;
      while (row < table.numRows) {
        const take = Math.min(table.numRows - row, buffer.collapseTime.length - filled);
        copyChainRows(table, model, row, take, buffer, filled, file.path, spec.generations);
        filled += take;
        row += take;
        if (filled === buffer.collapseTime.length) flush();
      }
    }
    if (filled > 0) flush();
    writer.commit();
  } catch (error) {
    writer.discard();
    throw error;
  }
  return { out, shards: ordered.length, spec, backend: provenance.backend, summary };
}
