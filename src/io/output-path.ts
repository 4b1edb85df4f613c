/**
 * Where a command's output really goes, decided before anything is written. Every file
 * collapse-sim writes (run, merge, export, plot, bench, reproduce, checkpoints) is planned
 * here, so that no command can destroy what it did not mean to:
 *
 * - a regular file or an absent path is written under a temporary name and renamed over
 *   the file (AtomicFile); through a symbolic link, the file the link names is replaced
 *   and the link is kept;
 * - a character device or a FIFO (/dev/null, /dev/stdout, a named pipe) is written
 *   through as a stream: it is never renamed over, so it is never replaced;
 * - a directory, a block device, a socket or a link to nothing is refused;
 * - an output that is one of the command's inputs, or another of its outputs, after
 *   resolving ".", "..", symbolic links and hard links (same device and inode), is refused.
 */
import { lstatSync, readdirSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../spec/errors.js';

/** `replace`: temporary file renamed into place. `stream`: written through, never renamed over. */
export type OutputMode = 'replace' | 'stream';

export interface OutputTarget {
  /** The path as given. */
  readonly path: string;
  /** The flag that named it, without dashes ("out", "trajectories-out", "checkpoint"). */
  readonly flag: string;
  /** The file written: `path` with symbolic links resolved (for streams, `path` itself). */
  readonly target: string;
  readonly mode: OutputMode;
  /** What was found there: 'absent', 'file', 'character device' or 'FIFO'. */
  readonly found: 'absent' | 'file' | 'character device' | 'FIFO';
}

export interface OutputRequest {
  readonly path: string;
  readonly flag: string;
}

/** An errno code in words, with "read-only" where that is what it means for a writer. */
export function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EACCES: 'permission denied: the location is read-only for this user',
    EPERM: 'operation not permitted: the location is read-only for this user',
    EROFS: 'read-only file system',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is not a directory',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EPIPE: 'the reading end was closed',
    ELOOP: 'too many levels of symbolic links',
    ENAMETOOLONG: 'the name is too long',
    EISDIR: 'it is a directory',
    EEXIST: 'it already exists',
    ENXIO: 'no process is reading it',
    EIO: 'input/output error',
  };
  if (code !== undefined) return `${code}: ${words[code] ?? 'system error'}`;
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/** Whether an errno means the location cannot be written (permissions or a read-only mount). */
export function isReadOnlyError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isFIFO()) return 'a FIFO';
  return 'a file';
}

/** Decides how `path` is written (see the module comment); throws a UsageError naming `--flag` where it must not be. */
export function resolveOutput(path: string, flag: string): OutputTarget {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, flag, target: path, mode: 'replace', found: 'absent' };
    throw new UsageError(`--${flag} ${path}: cannot write there (${describeErrno(error)})`);
  }
  let stats = link;
  let target = path;
  if (link.isSymbolicLink()) {
    try {
      stats = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UsageError(`--${flag} ${path} is a symbolic link to a missing file: point it at a file, or remove it`);
      throw new UsageError(`--${flag} ${path}: cannot follow the symbolic link (${describeErrno(error)})`);
    }
    if (stats.isFile()) {
      try {
        target = realpathSync(path);
      } catch (error) {
        throw new UsageError(`--${flag} ${path}: cannot follow the symbolic link (${describeErrno(error)})`);
      }
    }
  }
  if (stats.isFile()) return { path, flag, target, mode: 'replace', found: 'file' };
  if (stats.isCharacterDevice()) return { path, flag, target: path, mode: 'stream', found: 'character device' };
  if (stats.isFIFO()) return { path, flag, target: path, mode: 'stream', found: 'FIFO' };
  if (stats.isDirectory()) throw new UsageError(`--${flag} ${path} is a directory`);
  throw new UsageError(`--${flag} ${path} is ${kindOf(stats)}, not a file collapse-sim will write to`);
}

/**
 * What makes two paths the same file: device and inode where it exists (so hard links and
 * symbolic links match), else the absolute path with its directory's links resolved.
 */
export function fileIdentity(path: string): string {
  try {
    const stats = statSync(path);
    return `inode ${stats.dev}:${stats.ino}`;
  } catch {
    const absolute = resolve(path);
    let directory = dirname(absolute);
    try {
      directory = realpathSync(directory);
    } catch {
      // A directory that does not exist yet: compare the path as written, normalised.
    }
    return `path ${join(directory, basename(absolute))}`;
  }
}

/**
 * Plans a command's outputs: resolves each (resolveOutput), and refuses an output that is
 * one of `inputs` or that another output also names. Call it before any work, so a
 * refusal costs nothing.
 */
export function planOutputs(requests: readonly OutputRequest[], inputs: readonly string[] = []): OutputTarget[] {
  const targets = requests.map((request) => resolveOutput(request.path, request.flag));
  const inputIdentities = inputs.map((input) => [input, fileIdentity(input)] as const);
  const seen: [OutputTarget, string][] = [];
  for (const target of targets) {
    const identity = fileIdentity(target.target);
    const input = inputIdentities.find(([, other]) => other === identity);
    if (input !== undefined) {
      throw new UsageError(`--${target.flag} ${target.path} is the same file as the input ${input[0]}: writing it would destroy what is being read; choose another path`);
    }
    const twin = seen.find(([, other]) => other === identity);
    if (twin !== undefined) {
      throw new UsageError(`--${target.flag} ${target.path} and --${twin[0].flag} ${twin[0].path} are the same file: choose different paths`);
    }
    seen.push([target, identity]);
  }
  return targets;
}

/** The name AtomicFile gives its temporary file beside `target`. */
export function temporaryName(target: string, token: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${token}.partial`);
}

/**
 * Removes the temporary files that processes no longer alive left beside `target` (a run
 * killed with SIGKILL cannot clean up after itself); a live process's are left alone.
 * Returns the paths removed, for the caller to report.
 */
export function removeStalePartials(target: string): string[] {
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.partial$/.exec(name.slice(prefix.length)) : null;
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      const path = join(dirname(target), name);
      try {
        if (lstatSync(path).isFile()) {
          unlinkSync(path);
          removed.push(path);
        }
      } catch {
        // gone already
      }
    }
  }
  return removed;
}

/** The line a command prints for a stale temporary file it removed. */
export function staleNote(path: string): string {
  return `removed ${path}, a partial file left by an earlier run that was killed`;
}
