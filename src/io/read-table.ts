/**
 * Reading collapse-sim's Arrow files back (summarize, plot, export, merge, resume): verified,
 * not trusted. A file is checked in the order that keeps a forged one cheap to refuse:
 *
 * 1. it is a regular file, within the size limit, with the Arrow file format's magic at
 *    both ends (so /dev/zero or a FIFO is never read, a truncated file is named as such);
 * 2. it parses, and every column of every record batch holds the rows its batch claims
 *    (so a 2 kB file claiming 10⁹ rows is refused before anything loops or allocates by it);
 * 3. its provenance is a configuration collapse-sim writes (spec/stored.ts), and its
 *    columns are the family's, with their types;
 * 4. its values are possible: chains in the file's range and in order, times within
 *    [0, T], outcomes the family allows, generations of recorded chains only.
 * Every refusal is one line naming the file and the reason; nothing of the parser's
 * internals leaks into it.
 */
import * as flatbuffers from 'flatbuffers';
import { tableFromIPC, Type, type Data, type Table, type Vector } from 'apache-arrow';
import { Footer } from 'apache-arrow/fb/footer';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch as RecordBatchHeader } from 'apache-arrow/fb/record-batch';
import type { ColumnSpec, FamilyModel } from '../families/family.js';
import { FAMILIES } from '../families/index.js';
import { UsageError } from '../spec/errors.js';
import { chainRangeOf, type RunSpec } from '../spec/run-spec.js';
import { storedRunSpec } from '../spec/stored.js';
import { readRegularFile } from './regular-file.js';
import { checkProvenance, type Provenance } from './provenance.js';
import { ADDED_CHAIN_COLUMNS, chainColumns, PROVENANCE_KEY, trajectoryColumns } from './tables.js';

/** Largest file read whole (Node's Buffer limit is 4 GiB; a chain table of 10⁸ chains is about 3 GB). */
export const MAX_TABLE_BYTES = 2 ** 32 - 1;
const MAGIC = 'ARROW1';

export type TableKind = 'chains' | 'trajectories';

export interface RunTable {
  readonly path: string;
  readonly kind: TableKind;
  readonly table: Table;
  readonly provenance: Provenance;
  /** The provenance's configuration, validated. */
  readonly spec: RunSpec;
  readonly model: FamilyModel;
}

/** Reads `path` whole after checking it is a regular file of sane size with the Arrow file magic. */
function readArrowBytes(path: string, what: string): Buffer {
  const bytes = readRegularFile(path, what, { limit: MAX_TABLE_BYTES, reader: 'this reads whole', kind: 'an Arrow file' });
  if (bytes.length >= MAGIC.length && bytes.length < 2 * MAGIC.length + 4 && bytes.toString('latin1', 0, MAGIC.length) === MAGIC) {
    throw new UsageError(`${what} is truncated (${bytes.length} bytes: not even an Arrow header and footer)`);
  }
  if (bytes.length < 2 * MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new UsageError(`${what} is not an Arrow IPC file (it does not begin with ${MAGIC})`);
  }
  if (bytes.toString('latin1', bytes.length - MAGIC.length) !== MAGIC) {
    throw new UsageError(`${what} is truncated or damaged (an Arrow IPC file ends with ${MAGIC}; this one does not)`);
  }
  return bytes;
}

/** Whether a column's values are one fixed-width number per row (the only kind collapse-sim writes). */
function isFixedWidth(data: Data): boolean {
  return data.typeId === Type.Int || data.typeId === Type.Float;
}

/** Most columns and key–value pairs a collapse-sim table has (it has about ten columns, one metadata key). */
const MOST_FIELDS = 64;
const MOST_METADATA = 16;

/**
 * Checks the file's layout before apache-arrow reads it: the parser trusts the counts and
 * offsets in the footer and in each message (a flipped byte made it loop over 10⁹ record
 * batches, or allocate without end), so every count is bounded by the bytes that would
 * hold it and every block must lie inside the file. Uses apache-arrow's own generated
 * flatbuffer accessors, which read one number at a time.
 */
function checkLayout(bytes: Buffer, what: string): void {
  const damaged = (why: string): UsageError => new UsageError(`${what} is damaged: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerEnd = bytes.length - MAGIC.length - 4;
  const footerLength = view.getInt32(footerEnd, true);
  if (!(footerLength > 0 && footerLength <= footerEnd - 8)) throw damaged('its footer length points outside the file');
  const footerStart = footerEnd - footerLength;
  const footer = Footer.getRootAsFooter(new flatbuffers.ByteBuffer(bytes.subarray(footerStart, footerEnd)));
  if (footer.dictionariesLength() !== 0) throw damaged('it holds dictionaries, which collapse-sim never writes');
  if (footer.recordBatchesLength() * 24 > footerLength) throw damaged(`its footer claims ${footer.recordBatchesLength()} record batches in ${footerLength} bytes`);
  if (footer.customMetadataLength() > MOST_METADATA) throw damaged('its footer holds more metadata than collapse-sim writes');
  const schema = footer.schema();
  if (schema === null) throw damaged('its footer has no schema');
  if (schema.fieldsLength() > MOST_FIELDS || schema.customMetadataLength() > MOST_METADATA) throw damaged('its schema is larger than any collapse-sim writes');
  for (let f = 0; f < schema.fieldsLength(); f++) {
    const field = schema.fields(f);
    if (field === null || field.childrenLength() !== 0 || field.customMetadataLength() > MOST_METADATA) throw damaged(`column ${f} of its schema is not a plain column`);
  }
  for (let b = 0; b < footer.recordBatchesLength(); b++) {
    const block = footer.recordBatches(b);
    if (block === null) throw damaged(`record batch ${b} has no block`);
    const offset = Number(block.offset());
    const metadata = block.metaDataLength();
    const body = Number(block.bodyLength());
    if (!(offset >= 8 && metadata >= 8 && body >= 0 && offset + metadata + body <= footerStart)) throw damaged(`record batch ${b} lies outside the file`);
    // An encapsulated message: 0xFFFFFFFF, the flatbuffer's length, the flatbuffer, then the body.
    const continued = view.getUint32(offset, true) === 0xffffffff;
    const start = offset + (continued ? 8 : 4);
    const length = view.getInt32(offset + (continued ? 4 : 0), true);
    if (!(length > 0 && start + length <= offset + metadata)) throw damaged(`record batch ${b}'s metadata overruns its block`);
    const message = Message.getRootAsMessage(new flatbuffers.ByteBuffer(bytes.subarray(start, start + length)));
    if (message.headerType() !== MessageHeader.RecordBatch) throw damaged(`block ${b} is not a record batch`);
    if (Number(message.bodyLength()) !== body) throw damaged(`record batch ${b}'s body length disagrees with its block`);
    const header = message.header(new RecordBatchHeader()) as RecordBatchHeader | null;
    if (header === null) throw damaged(`record batch ${b} has no header`);
    const rows = Number(header.length());
    const nodes = header.nodesLength();
    const buffers = header.buffersLength();
    if (nodes > MOST_FIELDS || buffers > 3 * MOST_FIELDS || (nodes + buffers) * 16 > length || header.variadicBufferCountsLength() !== 0) {
      throw damaged(`record batch ${b} describes more columns than its metadata holds`);
    }
    if (!(rows >= 0 && rows <= bytes.length)) throw damaged(`record batch ${b} claims ${rows} rows`);
    for (let n = 0; n < nodes; n++) {
      const node = header.nodes(n);
      if (node === null || Number(node.length()) > rows || Number(node.nullCount()) > Number(node.length())) throw damaged(`record batch ${b}'s column ${n} claims more rows than the batch`);
    }
    for (let k = 0; k < buffers; k++) {
      const buffer = header.buffers(k);
      if (buffer === null || Number(buffer.offset()) < 0 || Number(buffer.offset()) + Number(buffer.length()) > body) throw damaged(`record batch ${b}'s buffer ${k} lies outside its body`);
    }
  }
}

/** Parses the bytes and checks every batch's columns hold the rows it claims. */
function parseTable(bytes: Buffer, what: string): Table {
  try {
    checkLayout(bytes, what);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${what} is damaged: its Arrow footer or metadata do not parse`);
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch {
    throw new UsageError(`${what} is damaged: its Arrow schema, footer or record batches do not parse`);
  }
  let rows = 0;
  try {
    for (const batch of table.batches) {
      rows += batch.numRows;
      if (!Number.isSafeInteger(batch.numRows) || batch.numRows < 0) throw new UsageError(`${what} is damaged: a record batch claims ${batch.numRows} rows`);
      for (const [c, child] of batch.data.children.entries()) {
        const name = table.schema.fields[c]?.name ?? `#${c}`;
        const end = child.offset + child.length;
        if (child.length !== batch.numRows) throw new UsageError(`${what} is damaged: column ${name} holds ${child.length} rows of a ${batch.numRows}-row batch`);
        if (isFixedWidth(child) && (child.values === undefined || child.values.length < end)) {
          throw new UsageError(`${what} is damaged: a record batch claims ${batch.numRows} rows, but column ${name} holds data for ${child.values?.length ?? 0}`);
        }
        if (child.nullCount > 0 && (child.nullBitmap === undefined || child.nullBitmap.length * 8 < end)) {
          throw new UsageError(`${what} is damaged: column ${name} has nulls but no validity bitmap covering its rows`);
        }
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${what} is damaged: its record batches do not parse`);
  }
  // Each row holds at least a 4-byte chain index: a claim beyond that is not in the file.
  if (rows > bytes.length / 4) throw new UsageError(`${what} claims ${rows} rows but is only ${bytes.length} bytes`);
  return table;
}

function provenanceOfTable(table: Table, what: string): Provenance {
  const metadata = table.schema.metadata.get(PROVENANCE_KEY);
  let provenance: unknown = null;
  try {
    provenance = metadata === undefined ? null : JSON.parse(metadata);
  } catch {
    throw new UsageError(`${what}: its ${PROVENANCE_KEY} provenance is damaged (not valid JSON)`);
  }
  return checkProvenance(provenance, what, `not a collapse-sim table (no ${PROVENANCE_KEY} provenance in its schema metadata)`);
}

const ARROW_TYPE: Record<ColumnSpec['type'], string> = { float64: 'Float64', int32: 'Int32', uint32: 'Uint32' };

function checkSchema(table: Table, expected: readonly ColumnSpec[], what: string, kind: string): void {
  const fields = table.schema.fields;
  const names = fields.map((field) => field.name);
  const wanted = expected.map((column) => column.name);
  if (names.join(',') !== wanted.join(',')) throw new UsageError(`${what}: its columns are ${names.join(', ') || 'none'}, not a ${kind} table's ${wanted.join(', ')}`);
  fields.forEach((field, c) => {
    if (String(field.type) !== ARROW_TYPE[expected[c].type]) throw new UsageError(`${what}: column ${field.name} is ${String(field.type)}, not ${ARROW_TYPE[expected[c].type]}`);
  });
}

/** Calls `visit(row, value)` for every row of a column, value null where null. */
function forEachValue(vector: Vector, visit: (row: number, value: number | null) => void): void {
  let row = 0;
  for (const data of vector.data as Data[]) {
    const values = data.values as ArrayLike<number>;
    const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
    for (let i = 0; i < data.length; i++, row++) {
      const bit = data.offset + i;
      const valid = bitmap === undefined || ((bitmap[bit >> 3] >> (bit & 7)) & 1) === 1;
      visit(row, valid ? values[bit] : null);
    }
  }
}

function checkChainValues(table: Table, spec: RunSpec, model: FamilyModel, range: ChainRange, what: string): void {
  const expectedRows = range.end - range.first;
  if (table.numRows !== expectedRows) throw new UsageError(`${what} holds ${table.numRows} rows, but should hold chains ${range.first}…${range.end - 1} (${expectedRows})`);
  const horizon = spec.generations;
  forEachValue(table.getChild('chain')!, (row, chain) => {
    if (chain !== range.first + row) throw new UsageError(`${what}: row ${row} is chain ${chain}, not ${range.first + row} (rows must run ${range.first}…${range.end - 1} in order)`);
  });
  const collapsed = new Uint8Array(table.numRows);
  forEachValue(table.getChild('collapse_time')!, (row, time) => {
    if (time === null) return;
    if (!(time >= 0 && time <= horizon)) throw new UsageError(`${what}: chain ${range.first + row} collapses at ${time}, outside 0…${horizon} (the run's generations)`);
    collapsed[row] = 1;
  });
  forEachValue(table.getChild('outcome')!, (row, outcome) => {
    if (outcome === null) {
      if (collapsed[row] === 1 && model.hasOutcome) throw new UsageError(`${what}: chain ${range.first + row} collapsed with no outcome`);
      return;
    }
    if (collapsed[row] === 0) throw new UsageError(`${what}: chain ${range.first + row} has outcome ${outcome} but did not collapse`);
    if (!model.isOutcome(outcome)) throw new UsageError(`${what}: chain ${range.first + row} has outcome ${outcome}, which a ${spec.family} model cannot reach`);
  });
  for (const event of model.events) {
    forEachValue(table.getChild(event.column.name)!, (row, time) => {
      if (time !== null && !(time >= 0 && time <= horizon)) throw new UsageError(`${what}: chain ${range.first + row} has ${event.column.name} ${time}, outside 0…${horizon}`);
    });
  }
  const absorbed = table.getChild('absorbed_time');
  if (absorbed !== null) {
    forEachValue(absorbed, (row, time) => {
      if (time === null) return;
      if (!(time >= 0 && time <= horizon) || collapsed[row] === 0) throw new UsageError(`${what}: chain ${range.first + row} is absorbed at ${time}, which is not a collapse within 0…${horizon}`);
    });
    forEachValue(table.getChild('collapsed_generations')!, (row, count) => {
      if (count !== null && !(count >= 0 && count <= horizon + 1)) throw new UsageError(`${what}: chain ${range.first + row} has collapsed_generations ${count}, outside 0…${horizon + 1}`);
    });
  }
  for (const column of model.finalColumns) {
    if (column.nullable) continue;
    const vector = table.getChild(column.name)!;
    if (vector.nullCount > 0) throw new UsageError(`${what}: column ${column.name} has nulls, which collapse-sim never writes there`);
  }
}

function checkTrajectoryValues(table: Table, spec: RunSpec, range: ChainRange, what: string): void {
  const trajectories = spec.trajectories;
  if (trajectories === null) throw new UsageError(`${what}: a trajectories table whose run recorded none`);
  const recordedEnd = Math.min(range.end, trajectories.chains);
  const chainsRecorded = Math.max(0, recordedEnd - range.first);
  // Generation 0, every k-th, and the last one simulated.
  const mostRows = chainsRecorded * (Math.floor(spec.generations / trajectories.every) + 2);
  if (table.numRows > mostRows) throw new UsageError(`${what} holds ${table.numRows} rows, more than the ${mostRows} its run can record`);
  forEachValue(table.getChild('chain')!, (row, chain) => {
    if (chain === null || chain < range.first || chain >= recordedEnd) throw new UsageError(`${what}: row ${row} is chain ${chain}, outside the recorded chains ${range.first}…${recordedEnd - 1}`);
  });
  forEachValue(table.getChild('generation')!, (row, generation) => {
    if (generation === null || generation < 0 || generation > spec.generations) throw new UsageError(`${what}: row ${row} is generation ${generation}, outside 0…${spec.generations}`);
  });
}

export interface ChainRange {
  readonly first: number;
  readonly end: number;
}

export interface ReadOptions {
  /** Which table is expected (null: either, told apart by the columns); default chains. */
  readonly kind?: TableKind | null;
  /** Names the file in messages (default: its path). */
  readonly what?: string;
  /** The chains the file must hold (default: its run's, or its shard's). */
  readonly range?: ChainRange;
}

/** Reads a chain or trajectories table collapse-sim wrote, verified (see the module comment). */
export function readRunTable(path: string, options: ReadOptions = {}): RunTable {
  const what = options.what ?? path;
  return verifyRunTable(path, readArrowBytes(path, what), options);
}

/** A file's bytes, checked as readRunTable checks them before parsing (for callers that also digest them). */
export function readTableBytes(path: string, what = path): Buffer {
  return readArrowBytes(path, what);
}

/**
 * A sweep's points table (points.arrow, src/sweep/points-table.ts), its layout checked as any
 * table's: the table and the sweep's definition (its metadata), or null if the file is not one.
 */
export function readPointsTable(path: string, what = path): { table: Table; definition: string } | null {
  const table = parseTable(readArrowBytes(path, what), what);
  const definition = table.schema.metadata.get(PROVENANCE_KEY);
  if (definition === undefined) return null;
  try {
    const parsed = JSON.parse(definition) as unknown;
    return parsed !== null && typeof parsed === 'object' && 'sweep' in parsed ? { table, definition } : null;
  } catch {
    return null;
  }
}

/** readRunTable on bytes already read (readTableBytes). */
export function verifyRunTable(path: string, bytes: Buffer, options: ReadOptions = {}): RunTable {
  const kind = options.kind === undefined ? 'chains' : options.kind;
  const what = options.what ?? path;
  const table = parseTable(bytes, what);
  const provenance = provenanceOfTable(table, what);
  const spec = storedRunSpec(provenance.config, `${what}: its provenance`);
  const model = FAMILIES[spec.family].create(spec.familyParams, spec);
  const found: TableKind = table.schema.fields[1]?.name === 'generation' ? 'trajectories' : 'chains';
  if (kind !== null && found !== kind) throw new UsageError(`${what} is a ${found} table, not a ${kind} table`);
  const range = options.range ?? chainRangeOf(spec);
  if (found === 'chains') {
    // A file written before absorbed_time was recorded lacks the added columns (tables.ts derives them).
    const columns = chainColumns(model);
    const older = columns.filter((column) => !ADDED_CHAIN_COLUMNS.includes(column.name));
    checkSchema(table, table.schema.fields.length === older.length ? older : columns, what, 'chain');
    checkChainValues(table, spec, model, range, what);
  } else {
    checkSchema(table, trajectoryColumns(model), what, 'trajectories');
    checkTrajectoryValues(table, spec, range, what);
  }
  return { path, kind: found, table, provenance: { ...provenance, config: spec }, spec, model };
}
