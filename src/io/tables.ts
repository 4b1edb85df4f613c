/**
 * The two output tables as Arrow: one row per chain, and (optionally) one row per
 * recorded generation of the first chains. Column names are snake_case; every field
 * carries its description; the schema metadata key `collapse_sim` holds the provenance.
 */
import { Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, Uint32, type Data, type DataType, type Table, type Vector } from 'apache-arrow';
import type { ColumnSpec, FamilyModel } from '../families/family.js';
import type { ChainBatch, ChainColumns, TrajectoryRows } from '../engine/batch.js';
import type { Provenance } from './provenance.js';

export const PROVENANCE_KEY = 'collapse_sim';

const CHAIN_COLUMN: ColumnSpec = { name: 'chain', type: 'uint32', nullable: false, description: 'chain index, 0-based' };
const COLLAPSE_TIME_COLUMN: ColumnSpec = {
  name: 'collapse_time',
  type: 'int32',
  nullable: true,
  description: 'first generation at which the chain was collapsed; null if not within the run (censored)',
};
const OUTCOME_COLUMN: ColumnSpec = {
  name: 'outcome',
  type: 'int32',
  nullable: true,
  description: 'absorbing state at collapse; null when censored or when the family has none',
};
const GENERATION_COLUMN: ColumnSpec = { name: 'generation', type: 'int32', nullable: false, description: 'generation (0 = initial model)' };

function field(column: ColumnSpec, type: DataType): Field {
  return new Field(column.name, type, column.nullable, new Map([['description', column.description]]));
}

function arrowType(column: ColumnSpec): DataType {
  return column.type === 'float64' ? new Float64() : column.type === 'uint32' ? new Uint32() : new Int32();
}

/** The per-chain columns of a family, in order. */
export function chainColumns(model: FamilyModel): ColumnSpec[] {
  return [CHAIN_COLUMN, COLLAPSE_TIME_COLUMN, OUTCOME_COLUMN, ...model.events.map((event) => event.column), ...model.finalColumns];
}

export function chainSchema(model: FamilyModel, provenance: Provenance): Schema {
  const fields = chainColumns(model).map((column) => field(column, arrowType(column)));
  return new Schema(fields, new Map([[PROVENANCE_KEY, JSON.stringify(provenance)]]));
}

/** The columns of the trajectories table, in order. */
export function trajectoryColumns(model: FamilyModel): ColumnSpec[] {
  return [CHAIN_COLUMN, GENERATION_COLUMN, ...model.trajectoryColumns];
}

export function trajectorySchema(model: FamilyModel, provenance: Provenance): Schema {
  const fields = trajectoryColumns(model).map((column) => field(column, arrowType(column)));
  return new Schema(fields, new Map([[PROVENANCE_KEY, JSON.stringify(provenance)]]));
}

/** Arrow validity bitmap (LSB first, 1 = valid) from a predicate; null if all valid. */
function validity(length: number, isNull: (i: number) => boolean): { bitmap: Uint8Array | undefined; nullCount: number } {
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (isNull(i)) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { bitmap: nullCount > 0 ? bitmap : undefined, nullCount };
}

/** int32 column from engine times (−1 = null) or from float64 values (NaN = null). */
function int32Data(values: Int32Array | Float64Array, nullable: boolean): Data {
  const length = values.length;
  const data = values instanceof Int32Array ? values : Int32Array.from(values, (v) => (Number.isNaN(v) ? 0 : v));
  const { bitmap, nullCount } = nullable
    ? validity(length, values instanceof Int32Array ? (i) => values[i] < 0 : (i) => Number.isNaN(values[i]))
    : { bitmap: undefined, nullCount: 0 };
  return makeData({ type: new Int32(), length, nullCount, nullBitmap: bitmap, data });
}

function float64Data(values: Float64Array, nullable: boolean): Data {
  const { bitmap, nullCount } = nullable ? validity(values.length, (i) => Number.isNaN(values[i])) : { bitmap: undefined, nullCount: 0 };
  return makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap: bitmap, data: values });
}

function columnData(column: ColumnSpec, values: Float64Array): Data {
  return column.type === 'float64' ? float64Data(values, column.nullable) : int32Data(values, column.nullable);
}

function recordBatch(schema: Schema, length: number, children: Data[]): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

function chainIndices(first: number, count: number): Data {
  const chain = new Uint32Array(count);
  for (let i = 0; i < count; i++) chain[i] = first + i;
  return makeData({ type: new Uint32(), length: count, nullCount: 0, data: chain });
}

export function chainRecordBatch(schema: Schema, model: FamilyModel, batch: ChainBatch): RecordBatch {
  const children = [
    chainIndices(batch.firstChain, batch.count),
    int32Data(batch.collapseTime, true),
    int32Data(batch.outcome, true),
    ...batch.eventTimes.map((times) => int32Data(times, true)),
    ...batch.finals.map((values, c) => columnData(model.finalColumns[c], values)),
  ];
  return recordBatch(schema, batch.count, children);
}

export function trajectoryRecordBatch(schema: Schema, model: FamilyModel, rows: TrajectoryRows): RecordBatch {
  const children = [
    makeData({ type: new Uint32(), length: rows.length, nullCount: 0, data: rows.chain }),
    makeData({ type: new Int32(), length: rows.length, nullCount: 0, data: rows.generation }),
    ...rows.values.map((values, c) => columnData(model.trajectoryColumns[c], values)),
  ];
  return recordBatch(schema, rows.length, children);
}

/** Copies rows [from, from + length) of an Arrow column into `target` at `at`, nulls as `nullValue`. */
function copyColumn(vector: Vector, from: number, length: number, target: Int32Array | Float64Array | Uint32Array, at: number, nullValue: number): void {
  let offset = 0;
  for (const data of vector.data as Data[]) {
    const start = Math.max(from, offset);
    const end = Math.min(from + length, offset + data.length);
    const values = data.values as ArrayLike<number>;
    const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
    for (let row = start; row < end; row++) {
      const bit = data.offset + row - offset;
      const valid = bitmap === undefined || ((bitmap[bit >> 3] >> (bit & 7)) & 1) === 1;
      target[at + row - from] = valid ? values[bit] : nullValue;
    }
    offset += data.length;
  }
}

function column(table: Table, name: string, what: string): Vector {
  const vector = table.getChild(name);
  if (vector === null) throw new Error(`${what} has no column ${name}`);
  return vector;
}

/**
 * The inverse of chainRecordBatch: rows [from, from + length) of a chain table into
 * ChainBatch columns at `at` (null times −1, null values NaN). Writing them back with
 * chainRecordBatch gives the same bytes.
 */
export function copyChainRows(table: Table, model: FamilyModel, from: number, length: number, target: ChainColumns, at: number, what: string): void {
  copyColumn(column(table, 'collapse_time', what), from, length, target.collapseTime, at, -1);
  copyColumn(column(table, 'outcome', what), from, length, target.outcome, at, NaN);
  model.events.forEach((event, e) => copyColumn(column(table, event.column.name, what), from, length, target.eventTimes[e], at, -1));
  model.finalColumns.forEach((final, c) => copyColumn(column(table, final.name, what), from, length, target.finals[c], at, NaN));
}

/** The inverse of trajectoryRecordBatch. */
export function trajectoryRowsFromTable(table: Table, model: FamilyModel, what: string): TrajectoryRows {
  const length = table.numRows;
  const chain = new Uint32Array(length);
  const generation = new Int32Array(length);
  copyColumn(column(table, 'chain', what), 0, length, chain, 0, 0);
  copyColumn(column(table, 'generation', what), 0, length, generation, 0, 0);
  const values = model.trajectoryColumns.map((spec) => {
    const target = new Float64Array(length);
    copyColumn(column(table, spec.name, what), 0, length, target, 0, NaN);
    return target;
  });
  return { length, chain, generation, values };
}
