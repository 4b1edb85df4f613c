import { AsyncByteQueue, RecordBatchFileWriter, type RecordBatch, type Schema } from 'apache-arrow';

/**
 * Where the writer's bytes go: an AtomicFile (./atomic-file.ts) in the CLI, memory in a browser
 * (web/), which then writes exactly the bytes the CLI writes.
 */
export interface ByteSink {
  readonly path: string;
  write(chunk: Uint8Array): void;
  /** Called once the last byte is written (an AtomicFile moves itself into place). */
  commit(): void;
  discard(): void;
  /** Undoes a commit (the CLI removes a file whose run failed after it was written). */
  retract(): void;
}

/** apache-arrow's writer pushes bytes into a queue; this one writes them through at once. */
class FileSink extends AsyncByteQueue {
  constructor(private readonly file: ByteSink) {
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

  /** Writes a whole file of `batches` into `file` and moves it into place; on a failure the file is discarded. */
  static writeFile(file: ByteSink, schema: Schema, batches: readonly RecordBatch[]): void {
    const writer = new ArrowFileWriter(file, schema);
    try {
      for (const batch of batches) writer.write(batch);
      writer.commit();
    } catch (error) {
      writer.discard();
      throw error;
    }
  }

  /** Writes into `file` (already open, see AtomicFile.create), starting with the schema. */
  constructor(
    private readonly file: ByteSink,
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

/** A ByteSink in memory (the browser's Arrow file, web/): `bytes()` once committed. */
export class MemorySink implements ByteSink {
  private chunks: Uint8Array[] = [];
  private committed = false;

  constructor(readonly path: string) {}

  write(chunk: Uint8Array): void {
    // apache-arrow may reuse its buffers: keep a copy.
    this.chunks.push(chunk.slice());
  }

  commit(): void {
    this.committed = true;
  }

  discard(): void {
    this.chunks = [];
  }

  retract(): void {
    this.chunks = [];
    this.committed = false;
  }

  /** The whole file, or null before commit. */
  bytes(): Uint8Array | null {
    if (!this.committed) return null;
    const total = this.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }
}
