import { AsyncByteQueue, RecordBatchFileWriter, type RecordBatch, type Schema } from 'apache-arrow';
import { AtomicFile } from './atomic-file.js';

/** apache-arrow's writer pushes bytes into a queue; this one writes them through at once. */
class FileSink extends AsyncByteQueue {
  constructor(private readonly file: AtomicFile) {
    super();
  }
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.file.write(value);
  }
}

/**
 * Streams record batches into an Arrow IPC file (the random-access "file" format that
 * pandas, polars, DuckDB and R read), atomically: see AtomicFile.
 */
export class ArrowFileWriter {
  private readonly writer = new RecordBatchFileWriter();
  rows = 0;

  /** Writes into `file` (already open, see AtomicFile.create), starting with the schema. */
  constructor(
    private readonly file: AtomicFile,
    readonly schema: Schema,
  ) {
    this.writer.reset(new FileSink(this.file), schema);
  }

  get path(): string {
    return this.file.path;
  }

  write(batch: RecordBatch): void {
    this.writer.write(batch);
    this.rows += batch.numRows;
  }

  /** Writes the footer and moves the file into place. */
  commit(): void {
    this.writer.finish();
    this.file.commit();
  }

  discard(): void {
    this.file.discard();
  }

  /** Removes the committed file again (see AtomicFile.retract). */
  retract(): void {
    this.file.retract();
  }
}
