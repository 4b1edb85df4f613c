import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../spec/errors.js';

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message.replace(/^[A-Z]+: /, '').split(',')[0] : String(error);
  return code ? `${code}: ${message}` : message;
}

/**
 * A file written under a hidden temporary name beside its destination and renamed into
 * place only when complete (after fsync), so a failed or interrupted run never leaves a
 * file that looks finished. Write errors (a full disk) become one-line UsageErrors that
 * name `flag`, after the temporary file is removed.
 */
export class AtomicFile {
  private fd: number | null;
  private bytesWritten = 0;

  private constructor(
    readonly path: string,
    readonly temporaryPath: string,
    private readonly flag: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Removes the temporary files that processes no longer alive left beside `path` (a run
   * killed with SIGKILL cannot clean up after itself); a live process's are left alone.
   */
  static removeStale(path: string): void {
    const prefix = `.${basename(path)}.`;
    let names: string[];
    try {
      names = readdirSync(dirname(path));
    } catch {
      return;
    }
    for (const name of names) {
      const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.partial$/.exec(name.slice(prefix.length)) : null;
      if (match === null) continue;
      try {
        process.kill(Number(match[1]), 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
          try {
            unlinkSync(join(dirname(path), name));
          } catch {
            // gone already
          }
        }
      }
    }
  }

  static create(path: string, flag: string): AtomicFile {
    try {
      if (statSync(path).isDirectory()) throw new UsageError(`--${flag} ${path} is a directory`);
    } catch (error) {
      if (error instanceof UsageError) throw error;
    }
    const temporaryPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
    try {
      return new AtomicFile(path, temporaryPath, flag, openSync(temporaryPath, 'wx', 0o644));
    } catch (error) {
      throw new UsageError(`--${flag} ${path}: cannot write there (${describe(error)})`);
    }
  }

  get size(): number {
    return this.bytesWritten;
  }

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error(`write to ${this.path} after it was closed`);
    try {
      let offset = 0;
      while (offset < chunk.byteLength) offset += writeSync(this.fd, chunk, offset);
      this.bytesWritten += chunk.byteLength;
    } catch (error) {
      this.discard();
      throw new UsageError(`--${this.flag} ${this.path}: write failed (${describe(error)}); nothing was written`);
    }
  }

  /** fsync, close and rename into place. */
  commit(): void {
    if (this.fd === null) throw new Error(`commit of ${this.path} after it was closed`);
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.temporaryPath, this.path);
    } catch (error) {
      this.discard();
      throw new UsageError(`--${this.flag} ${this.path}: could not finish writing (${describe(error)}); nothing was written`);
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
    try {
      unlinkSync(this.temporaryPath);
    } catch {
      // already gone
    }
  }
}
