import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { UsageError } from '../spec/errors.js';
import { describeErrno, planOutputs, removeStalePartials, staleNote, temporaryName, type OutputTarget } from './output-path.js';

export interface AtomicFileOptions {
  /** The command's input files: an output that is one of them is refused (output-path.ts). */
  readonly inputs?: readonly string[];
  /** Receives a line for each stale temporary file removed beside the output. */
  readonly onNote?: (note: string) => void;
  /** Keep a SHA-256 of the bytes written (see `digest`). */
  readonly digest?: boolean;
}

/**
 * A file written under a hidden temporary name beside its destination and renamed into
 * place only when complete (after fsync), so a failed or interrupted run never leaves a
 * file that looks finished. Write errors (a full disk) become one-line UsageErrors that
 * name `flag`, after the temporary file is removed.
 *
 * Where the destination is a character device or a FIFO (output-path.ts decides), the
 * bytes are written straight through instead: such a path is never renamed over.
 */
export class AtomicFile {
  private fd: number | null;
  private bytesWritten = 0;
  private hash: Hash | null = null;

  private constructor(
    private readonly output: OutputTarget,
    /** The temporary file, or null when writing through to a stream. */
    readonly temporaryPath: string | null,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Plans `path` (output-path.ts: refused where it must not be written) and opens it. */
  static create(path: string, flag: string, options: AtomicFileOptions = {}): AtomicFile {
    const [target] = planOutputs([{ path, flag }], options.inputs ?? []);
    const file = AtomicFile.open(target, options.onNote);
    if (options.digest === true) file.hash = createHash('sha256');
    return file;
  }

  /** The SHA-256 (hex) of everything written, for a file created with `digest: true`. */
  get digest(): string {
    if (this.hash === null) throw new Error(`${this.path} was not created with digest: true`);
    return this.hash.copy().digest('hex');
  }

  /** Opens an output planned by planOutputs. */
  static open(output: OutputTarget, onNote?: (note: string) => void): AtomicFile {
    const flag = output.flag;
    if (output.mode === 'stream') {
      let probe: number | null = null;
      try {
        // A FIFO without a reader would block the open (and every signal) forever: ask first.
        if (output.found === 'FIFO') probe = openSync(output.target, constants.O_WRONLY | constants.O_NONBLOCK);
        return new AtomicFile(output, null, openSync(output.target, constants.O_WRONLY));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENXIO') throw new UsageError(`--${flag} ${output.path} is a FIFO that no process is reading: start its reader first`);
        throw new UsageError(`--${flag} ${output.path}: cannot write there (${describeErrno(error)})`);
      } finally {
        if (probe !== null) closeSync(probe);
      }
    }
    for (const removed of removeStalePartials(output.target)) onNote?.(staleNote(removed));
    const temporaryPath = temporaryName(output.target, randomBytes(4).toString('hex'));
    try {
      return new AtomicFile(output, temporaryPath, openSync(temporaryPath, 'wx', 0o644));
    } catch (error) {
      throw new UsageError(`--${flag} ${output.path}: cannot write there (${describeErrno(error)})`);
    }
  }

  /** The path as given. */
  get path(): string {
    return this.output.path;
  }

  get size(): number {
    return this.bytesWritten;
  }

  private failure(what: string, error: unknown): UsageError {
    const lost = this.temporaryPath === null ? 'the output is incomplete' : 'nothing was written';
    return new UsageError(`--${this.output.flag} ${this.output.path}: ${what} (${describeErrno(error)}); ${lost}`);
  }

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error(`write to ${this.path} after it was closed`);
    try {
      let offset = 0;
      while (offset < chunk.byteLength) offset += writeSync(this.fd, chunk, offset);
      this.bytesWritten += chunk.byteLength;
      this.hash?.update(chunk);
    } catch (error) {
      this.discard();
      throw this.failure('write failed', error);
    }
  }

  /** fsync, close and rename into place (a stream: close). */
  commit(): void {
    if (this.fd === null) throw new Error(`commit of ${this.path} after it was closed`);
    try {
      if (this.temporaryPath !== null) fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      if (this.temporaryPath !== null) renameSync(this.temporaryPath, this.output.target);
    } catch (error) {
      this.discard();
      throw this.failure('could not finish writing', error);
    }
  }

  /**
   * Takes back a committed file (its companion failed): removes what was renamed into
   * place. A stream cannot be taken back.
   */
  retract(): void {
    if (this.temporaryPath === null) return;
    try {
      unlinkSync(this.output.target);
    } catch {
      // already gone
    }
  }

  /** Closes and removes the temporary file; safe to call more than once. */
  discard(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already unusable: removing it is all that is left
      }
      this.fd = null;
    }
    if (this.temporaryPath === null) return;
    try {
      unlinkSync(this.temporaryPath);
    } catch {
      // already gone
    }
  }
}
