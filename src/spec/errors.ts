/**
 * Bad input from the user: an out-of-range or malformed flag, an unknown family, an
 * unreadable config, an unwritable output. The CLI prints `message` as one line and
 * exits with code 2; nothing is written.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message);
  }
}

/** A run stopped by SIGINT or SIGTERM. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  /** `detail`: what was kept and how to go on (a checkpoint), if anything was. */
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    readonly detail: string | null = null,
  ) {
    super(`interrupted by ${signal}`);
  }
}
