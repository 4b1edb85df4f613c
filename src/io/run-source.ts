/**
 * What `collapse-sim run --from FILE` re-runs: the configuration recorded in a file
 * collapse-sim wrote — a chain or trajectories table (Arrow, verified whole as every reader
 * verifies it), a Parquet export (its key–value metadata), a CSV export (its
 * PATH.provenance.json, given either way), or a checkpoint directory (its checkpoint.json).
 * The configuration is validated as flags are (spec/stored.ts), and refused where a re-run
 * could not give the file's rows: a provenance schema newer than this tool reads, or a
 * random stream of another version.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { STREAM_VERSION } from '../rng/streams.js';
import { UsageError } from '../spec/errors.js';
import type { RunSpec } from '../spec/run-spec.js';
import { storedRunSpec } from '../spec/stored.js';
import { TOOL_VERSION } from '../version.js';
import { Checkpoint } from './checkpoint.js';
import { describeErrno } from './output-path.js';
import { checkProvenance, streamVersionOf, type Provenance } from './provenance.js';
import { MAX_TABLE_BYTES, readRunTable } from './read-table.js';
import { readRegularFile } from './regular-file.js';
import { PROVENANCE_KEY } from './tables.js';

export type RunSourceFormat = 'arrow' | 'parquet' | 'csv' | 'checkpoint';

export interface RunSource {
  readonly path: string;
  readonly format: RunSourceFormat;
  /** The configuration recorded, validated (with the backend that ran it). */
  readonly spec: RunSpec;
  /** The collapse-sim version that wrote it. */
  readonly version: string;
  /** The files read: a re-run must not write over any of them. */
  readonly inputs: readonly string[];
}

/** Largest provenance file read (a categorical run over 10⁶ categories records 10⁶ weights). */
const MAX_PROVENANCE_BYTES = 64 * 1024 * 1024;
const SIDECAR = '.provenance.json';
const NOT_OURS =
  'not collapse-sim output (--from reads a chain or trajectories file, a Parquet export, a CSV export with its .provenance.json beside it, or a checkpoint directory)';


function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what}: its provenance is damaged (not valid JSON)`);
  }
}

/** The provenance in a Parquet file's key–value metadata (as `collapse-sim export` writes it). */
function parquetProvenance(bytes: Buffer, what: string): unknown {
  let metadata: string | undefined;
  try {
    const schema = parquet.readSchema(bytes);
    metadata = tableFromIPC(schema.intoIPCStream()).schema.metadata.get(PROVENANCE_KEY);
  } catch {
    throw new UsageError(`${what} is damaged: its Parquet footer does not parse`);
  }
  if (metadata === undefined) throw new UsageError(`${what}: ${NOT_OURS}`);
  return parseJson(metadata, what);
}

/** The run a provenance records, checked: ours, a schema this tool reads, a valid configuration. */
function fromProvenance(value: unknown, path: string, format: RunSourceFormat, what: string, inputs: string[]): RunSource {
  const provenance: Provenance = checkProvenance(value, what, NOT_OURS);
  checkStream(provenance, what);
  const spec = storedRunSpec(provenance.config, `${what}: its provenance`);
  return { path, format, spec, version: provenance.version, inputs };
}

/** Refuses a file drawn from another random stream layout than this tool draws. */
function checkStream(provenance: Provenance, what: string): void {
  const stream = streamVersionOf(provenance);
  if (stream !== STREAM_VERSION) {
    throw new UsageError(
      `${what} was drawn from random stream version ${stream} (collapse-sim ${provenance.version}); this collapse-sim (${TOOL_VERSION}) draws version ${STREAM_VERSION}, ` +
        `so the same seed gives other draws and a re-run would not reproduce its rows: re-run it with collapse-sim ${provenance.version}`,
    );
  }
}

/** Reads the run `path` records (see the module comment), or says in one line why it cannot. */
export function readRunSource(path: string): RunSource {
  const what = `--from ${path}`;
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new UsageError(`${what}: cannot read it (${describeErrno(error)})`);
  }
  if (stats.isDirectory() || basename(path) === 'checkpoint.json') {
    const directory = stats.isDirectory() ? path : dirname(path);
    if (stats.isDirectory() && !existsSync(join(directory, 'checkpoint.json'))) {
      throw new UsageError(`${what} is a directory without a checkpoint.json: --from reads one file collapse-sim wrote, or a checkpoint directory`);
    }
    const { spec, version } = Checkpoint.readSpec(directory, 'from');
    return { path, format: 'checkpoint', spec, version, inputs: [] };
  }
  if (path.endsWith(SIDECAR)) {
    const text = readRegularFile(path, what, { limit: MAX_PROVENANCE_BYTES, reader: '--from reads' }).toString('utf8');
    const csv = path.slice(0, -SIDECAR.length);
    return fromProvenance(parseJson(text, what), path, 'csv', what, [path, ...(existsSync(csv) ? [csv] : [])]);
  }
  const magic = readRegularFile(path, what, { limit: MAX_TABLE_BYTES, reader: '--from reads', length: 6 }).toString('latin1');
  if (magic === 'ARROW1' || path.endsWith('.arrow')) {
    // Verified whole, as summarize and merge verify it: a damaged or forged file is refused here.
    const table = readRunTable(path, { kind: null, what });
    checkStream(table.provenance, what);
    return { path, format: 'arrow', spec: table.spec, version: table.provenance.version, inputs: [path] };
  }
  if (magic.startsWith('PAR1')) return fromProvenance(parquetProvenance(readRegularFile(path, what, { limit: MAX_TABLE_BYTES, reader: '--from reads' }), what), path, 'parquet', what, [path]);
  const sidecar = `${path}${SIDECAR}`;
  if (existsSync(sidecar)) {
    const text = readRegularFile(sidecar, `--from ${sidecar}`, { limit: MAX_PROVENANCE_BYTES, reader: '--from reads' }).toString('utf8');
    return fromProvenance(parseJson(text, `--from ${sidecar}`), path, 'csv', `--from ${sidecar}`, [path, sidecar]);
  }
  throw new UsageError(`${what}: ${NOT_OURS}`);
}
