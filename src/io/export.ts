/**
 * `collapse-sim export`: a chain (or trajectories) table to Parquet or CSV, for tools that
 * prefer them. Parquet is written by parquet-wasm (the Rust arrow/parquet crates compiled
 * to WebAssembly) with ZSTD and the provenance in the file's key–value metadata; CSV has
 * a header, empty fields for nulls, and the provenance in PATH.provenance.json beside it.
 * Shards of one run are exported as the whole run, in chain order.
 */
import { Table, type Vector } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { AtomicFile } from './atomic-file.js';
import { planOutputs, type OutputTarget } from './output-path.js';
import { checkShards, combinedProvenance, expandShardPaths, readChainTable, readShardHeaders } from './merge.js';
import { parquetBytes } from './parquet.js';
import { PROVENANCE_KEY } from './tables.js';
import { readPointsTable } from './read-table.js';
import { UsageError } from '../spec/errors.js';
import { statSync } from 'node:fs';

export const EXPORT_FORMATS = ['parquet', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The run's tables in chain order: one whole file, or every shard of a run. */
function readRun(inputs: readonly string[]): { table: Table; provenance: string; files: string[] } {
  let files: ReturnType<typeof readShardHeaders>;
  try {
    files = readShardHeaders(inputs, 'export', null);
  } catch (error) {
    // A sweep's points.arrow is not a run's table: it is exported as it is, its definition as the provenance.
    const points = error instanceof UsageError && inputs.length === 1 && statSync(inputs[0], { throwIfNoEntry: false })?.isFile() ? readPointsTable(inputs[0]) : null;
    if (points === null) throw error;
    return { table: points.table, provenance: points.definition, files: [inputs[0]] };
  }
  // A single unsharded table (a run's chain file, or its trajectories) is exported as is.
  const ordered = files.length === 1 && files[0].shard === null ? files : checkShards(files, 'export');
  const tables = ordered.map((file) => readChainTable(file.path, null).table);
  // Shards carry their own shard in the provenance; the export is of the whole run.
  const provenance = combinedProvenance(ordered);
  const table = tables.length === 1 ? tables[0] : new Table(tables.flatMap((t) => t.batches));
  return { table, provenance: JSON.stringify(provenance), files: ordered.map((file) => file.path) };
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeCsv(output: OutputTarget, table: Table, onNote?: (note: string) => void): void {
  const file = AtomicFile.open(output, onNote);
  try {
    const names = table.schema.fields.map((field) => field.name);
    const encoder = new TextEncoder();
    file.write(encoder.encode(names.map(csvField).join(',') + '\n'));
    for (const batch of table.batches) {
      const columns = names.map((name) => batch.getChild(name) as Vector);
      const lines: string[] = [];
      for (let row = 0; row < batch.numRows; row++) lines.push(columns.map((column) => csvField(column.get(row))).join(','));
      if (lines.length > 0) file.write(encoder.encode(lines.join('\n') + '\n'));
    }
    file.commit();
  } catch (error) {
    file.discard();
    throw error;
  }
}

function writeParquet(output: OutputTarget, table: Table, provenance: string, onNote?: (note: string) => void): void {
  const bytes = parquetBytes(parquet, table, provenance);
  const file = AtomicFile.open(output, onNote);
  file.write(bytes);
  file.commit();
}

export function defaultExportPath(input: string, format: ExportFormat): string {
  return `${input.replace(/\/+$/, '').replace(/\.arrow$/, '')}.${format}`;
}

/** Exports the run in `inputs` to `out`; returns what was written. */
export function exportRun(
  inputs: readonly string[],
  format: ExportFormat,
  out: string,
  onNote?: (note: string) => void,
): { out: string; rows: number; files: string[]; provenanceOut: string | null } {
  const provenanceOut = format === 'csv' ? `${out}.provenance.json` : null;
  // Both outputs are planned against every input before anything is read or written.
  const outputs = planOutputs([{ path: out, flag: 'out' }, ...(provenanceOut === null ? [] : [{ path: provenanceOut, flag: 'out' }])], expandShardPaths(inputs, 'export'));
  const { table, provenance, files } = readRun(inputs);
  if (format === 'parquet') {
    writeParquet(outputs[0], table, provenance, onNote);
    return { out, rows: table.numRows, files, provenanceOut: null };
  }
  writeCsv(outputs[0], table, onNote);
  const sidecar = AtomicFile.open(outputs[1], onNote);
  sidecar.write(new TextEncoder().encode(provenance + '\n'));
  sidecar.commit();
  return { out, rows: table.numRows, files, provenanceOut };
}
