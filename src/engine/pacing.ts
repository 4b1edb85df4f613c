/**
 * Yielding to the event loop so that signals are seen. Node delivers SIGINT and SIGTERM to
 * JavaScript only when the event loop turns, and an engine that computes in this thread
 * (the reference path, a kernel gpu.js runs in-thread: headlessgl, webgpu's readbacks, the
 * categorical pipeline on cpu) can hold it for minutes. Every engine goes through these,
 * so that an interrupted run stops within a fraction of a second of work.
 */
import { InterruptedError } from '../spec/errors.js';

/**
 * One turn of the event loop: setImmediate in Node (no timer clamp), a zero timeout in a
 * browser (the page's engine, web/, paces itself through this module too).
 */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** How long work may hold the event loop between turns. */
export const YIELD_INTERVAL_MS = 50;

/** Throws the abort's reason (an InterruptedError) once the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new InterruptedError('SIGINT');
}

/** Lets the event loop turn once (a signal's handler runs), then throws if the run was aborted. */
export async function yieldToEventLoop(signal?: AbortSignal): Promise<void> {
  await nextTurn();
  throwIfAborted(signal);
}

/**
 * For loops whose steps are short: `due()` says whether YIELD_INTERVAL_MS has passed since
 * the last turn (cheap enough to ask every step), `pause()` turns the loop and checks the signal.
 */
export class Pacer {
  private last = performance.now();

  constructor(private readonly signal?: AbortSignal) {}

  due(): boolean {
    return performance.now() - this.last >= YIELD_INTERVAL_MS;
  }

  async pause(): Promise<void> {
    await yieldToEventLoop(this.signal);
    this.last = performance.now();
  }

  /** pause() if due. */
  async maybePause(): Promise<void> {
    if (this.due()) await this.pause();
  }
}

/**
 * A kernel call should take about this long: long enough to amortise a call's overhead,
 * short enough that a signal is seen within a moment and far from driver watchdogs.
 */
export const TARGET_CALL_MS = 300;

/** A group's single step may take this many calls' work (about 1.2 s): still prompt for a signal. */
export const GROUP_CALLS = 4;

/**
 * Sizes calls of work to TARGET_CALL_MS from the throughput measured so far (in whatever
 * units of work the engine counts: chain·generations, samples drawn). Until a first call
 * is measured, a call gets `initialUnits`, small enough for the slowest backend.
 */
export class CallSizer {
  private unitsPerMs: number | null = null;

  constructor(private readonly initialUnits: number) {}

  /** Records a call that did `units` of work in `ms` milliseconds. */
  record(units: number, ms: number): void {
    if (!(units > 0)) return;
    const rate = units / Math.max(ms, 1);
    // One slow or fast call moves the estimate by at most a factor of 4.
    this.unitsPerMs = this.unitsPerMs === null ? rate : Math.max(this.unitsPerMs / 4, Math.min(this.unitsPerMs * 4, rate));
  }

  /** The units of work the next call should do. */
  budget(): number {
    return this.unitsPerMs === null ? this.initialUnits : this.unitsPerMs * TARGET_CALL_MS;
  }

  /**
   * How many items (chains) of `unitsPerItem` each a group should take so that one step of
   * all of them is at most GROUP_CALLS calls' work, at most `limit`, rounded down to a power
   * of two (so kernels padded to a power of two keep their size from call to call). Groups
   * are kept large because a group's last survivors run with little parallelism: fewer
   * groups, fewer such tails (measured: groups of one call's work cost headlessgl 18 %).
   */
  items(unitsPerItem: number, limit: number): number {
    const fitting = Math.max(1, Math.min(limit, Math.floor((GROUP_CALLS * this.budget()) / Math.max(unitsPerItem, 1))));
    return fitting >= limit ? limit : 2 ** Math.floor(Math.log2(fitting));
  }
}
