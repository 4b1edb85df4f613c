/**
 * A table as Parquet bytes: ZSTD, the provenance in the file's key–value metadata. parquet-wasm
 * is passed in because Node and a browser load different builds of it (`parquet-wasm/node`;
 * `parquet-wasm/esm`, initialised with its .wasm): `collapse-sim export` and the browser page
 * (web/) write the same Parquet.
 */
import { tableToIPC, type Table } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm/node';
import { PROVENANCE_KEY } from './tables.js';

export type ParquetModule = Pick<typeof ParquetWasm, 'Table' | 'WriterPropertiesBuilder' | 'Compression' | 'writeParquet'>;

export function parquetBytes(parquet: ParquetModule, table: Table, provenance: string): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setKeyValueMetadata(new Map([[PROVENANCE_KEY, provenance]]))
    .build();
  return parquet.writeParquet(wasmTable, properties);
}
