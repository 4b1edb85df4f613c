/**
 * Reading a file a user named, without trusting it: a regular file (never a FIFO, device or
 * socket, which could block or never end), of bounded size, read to its end or refused in
 * one line naming `what`.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../spec/errors.js';
import { describeErrno } from './output-path.js';

export interface RegularFileRead {
  /** Bytes at most (a larger file is refused). */
  readonly limit: number;
  /** Who refuses a larger file, for the message ("this reads whole", "--from reads"). */
  readonly reader: string;
  /** Only the first `length` bytes (default: the whole file). */
  readonly length?: number;
  /** What the file should be, for the message about a directory ("an Arrow file"). */
  readonly kind?: string;
}

export function readRegularFile(path: string, what: string, read: RegularFileRead): Buffer {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(`${what}: cannot read it (${describeErrno(error)})`);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory() && read.kind !== undefined) throw new UsageError(`${what} is a directory, not ${read.kind}`);
    if (!stats.isFile()) throw new UsageError(`${what} is not a regular file (a device, FIFO or socket is not read)`);
    if (stats.size > read.limit) throw new UsageError(`${what} is ${stats.size} bytes, more than the ${read.limit} ${read.reader}`);
    const bytes = Buffer.alloc(Math.min(stats.size, read.length ?? Infinity));
    let offset = 0;
    while (offset < bytes.length) {
      const count = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (count === 0) break;
      offset += count;
    }
    if (offset !== bytes.length) throw new UsageError(`${what} shrank while it was read`);
    return bytes;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${what}: cannot read it (${describeErrno(error)})`);
  } finally {
    closeSync(fd);
  }
}
