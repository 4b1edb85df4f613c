/**
 * Running one compiled chain kernel: in this thread (webgpu, headlessgl, whose drivers
 * already spread the work over the cores), or split over a pool of worker threads each
 * holding its own copy (cpu, webasm, which gpu.js runs on one core: ./worker-pool-runner.ts,
 * Node only). Results are the same either way: every draw is addressed by its chain.
 *
 * Either way the mode gpu.js really ran is checked against the backend asked for. This module
 * imports nothing from Node, so a browser runs the same runners (web/).
 */
import type { KernelBackendName } from './names.js';
import { yieldToEventLoop } from '../pacing.js';

/** Most generations one call may advance (the kernels' dynamic loop bound). */
export const MAX_CALL_GENERATIONS = 65536;

export type KernelArgument = number | Float32Array;

/** What a runner needs to build the kernel: in this thread or in a worker. */
export interface KernelRecipe {
  readonly backend: KernelBackendName;
  readonly source: string;
  /** Arguments after (rows, generations): constant for the run. */
  readonly constants: readonly KernelArgument[];
  /** Floats per chain in the first argument (INPUT_WIDTH for chain kernels). */
  readonly inputWidth: number;
  /** The row padding chains get: one every kernel skips (see InThreadRunner). */
  readonly padding: Float32Array;
}

export interface KernelRunner {
  /**
   * Runs the kernel on n chains (packed recipe.inputWidth floats each) with `generations`
   * as its second argument; returns four floats each. A run aborted by `signal` throws its
   * reason once the call is done (an in-thread call then yields to the event loop first).
   */
  run(packed: Float32Array, n: number, generations: number, signal?: AbortSignal): Promise<Float32Array>;
  destroy(): Promise<void>;
}

/** Builds the runner of a recipe on an opened gpu.js instance (in this thread, or spread over workers). */
export type KernelRunnerFactory = (recipe: KernelRecipe, gpu: { createKernel(source: string, settings: unknown): unknown }) => Promise<KernelRunner>;

/** Floats per chain in a chain kernel's input: chain index limbs, then the four state slots. */
export const INPUT_WIDTH = 6;
/** Where, in a chain kernel's input, the generation reached sits (slot 3). */
const RUN_OFFSET = 5;

/** A chain kernel's padding row: a chain already at the horizon, which the kernel skips. */
export function chainPadding(horizon: number): Float32Array {
  const row = new Float32Array(INPUT_WIDTH);
  row[RUN_OFFSET] = horizon;
  return row;
}

type GpuKernel = ((...args: unknown[]) => unknown) & {
  setOutput(output: number[]): unknown;
  kernel?: { constructor: { name: string } };
  destroy?(): void;
};

/** gpu.js kernel classes report 'gpu' for every GL flavour; name them precisely. */
export function kernelMode(kernel: { kernel?: { constructor: { name: string } } }): string {
  const name = kernel.kernel?.constructor.name ?? 'unknown';
  const known: Record<string, string> = {
    HeadlessGLKernel: 'headlessgl',
    WebGLKernel: 'webgl',
    WebGL2Kernel: 'webgl2',
    WebGPUKernel: 'webgpu',
    WebAssemblyKernel: 'webasm',
    CPUKernel: 'cpu',
  };
  return known[name] ?? name;
}

/** Settings for a kernel called with any output size and loop count. */
export function flexibleKernelSettings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    output: [1],
    dynamicOutput: true,
    dynamicArguments: true,
    // The GL backends need a bound for loops with a dynamic count.
    loopMaxIterations: MAX_CALL_GENERATIONS,
    precision: 'single',
    tactic: 'precision',
    ...extra,
  };
}

/**
 * A compiled gpu.js kernel called with an output size: awaits what webgpu returns, names a
 * failure by its backend, and checks once that gpu.js ran the mode asked for (it may
 * silently fall back to another). Every kernel this engine calls in-thread goes through it.
 */
export class CheckedKernel {
  private checked = false;

  private constructor(
    private readonly kernel: GpuKernel,
    readonly backend: KernelBackendName,
  ) {}

  static create(gpu: { createKernel(source: string, settings: unknown): unknown }, backend: KernelBackendName, source: string, extra: Record<string, unknown> = {}): CheckedKernel {
    return new CheckedKernel(gpu.createKernel(source, flexibleKernelSettings(extra)) as GpuKernel, backend);
  }

  async call(size: number, args: readonly unknown[]): Promise<unknown> {
    this.kernel.setOutput([size]);
    let result: unknown;
    try {
      result = this.kernel(...args);
      if (result instanceof Promise) result = await result;
    } catch (error) {
      throw new Error(`the ${this.backend} kernel failed: ${(error as Error).message.split('\n')[0]}`);
    }
    if (!this.checked) {
      const ran = kernelMode(this.kernel);
      if (ran !== this.backend) throw new Error(`gpu.js ran the kernel on ${ran}, not ${this.backend}: refusing to report a backend that did not run`);
      this.checked = true;
    }
    return result;
  }

  destroy(): void {
    this.kernel.destroy?.();
  }
}

/** gpu.js returns vec4 outputs as an array of 4-element arrays; flatten them. */
function flattenRows(result: unknown, n: number): Float32Array {
  const flat = new Float32Array(n * 4);
  const rows = result as ArrayLike<ArrayLike<number>>;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    flat[i * 4] = row[0];
    flat[i * 4 + 1] = row[1];
    flat[i * 4 + 2] = row[2];
    flat[i * 4 + 3] = row[3];
  }
  return flat;
}

/**
 * A kernel compiled in this thread, on a gpu.js instance created for `recipe.backend`.
 * Calls are padded to a capacity (a power of two, shrunk only below a quarter): gpu.js's
 * cpu and webasm backends rebuild a kernel for every new output size, and compaction
 * changes the number of chains on almost every call. Padding chains get recipe.padding, a
 * row the kernel skips (a chain kernel's chain at the horizon).
 */
export class InThreadRunner implements KernelRunner {
  private capacity = 0;

  private constructor(
    private readonly kernel: CheckedKernel,
    private readonly recipe: KernelRecipe,
  ) {}

  /** Compiles the kernel (with a call on one chain, so compilation is not timed later). */
  static async create(gpu: { createKernel(source: string, settings: unknown): unknown }, recipe: KernelRecipe): Promise<InThreadRunner> {
    const runner = new InThreadRunner(CheckedKernel.create(gpu, recipe.backend, recipe.source), recipe);
    await runner.run(recipe.padding, 1, 0);
    return runner;
  }

  async run(packed: Float32Array, n: number, generations: number, signal?: AbortSignal): Promise<Float32Array> {
    if (n > this.capacity || n < this.capacity / 4) this.capacity = 2 ** Math.ceil(Math.log2(Math.max(1, n)));
    const width = this.recipe.inputWidth;
    const padded = new Float32Array(this.capacity * width);
    padded.set(packed.subarray(0, n * width));
    for (let i = n; i < this.capacity; i++) padded.set(this.recipe.padding, i * width);
    const result = await this.kernel.call(this.capacity, [padded, generations, ...this.recipe.constants]);
    // The call held this thread: let a signal's handler run before the next.
    await yieldToEventLoop(signal);
    return flattenRows(result, n);
  }

  async destroy(): Promise<void> {
    this.kernel.destroy();
  }
}

/** Every kernel in this thread: what a browser's engine uses (its page already runs the engine in a worker). */
export const inThreadRunners: KernelRunnerFactory = (recipe, gpu) => InThreadRunner.create(gpu, recipe);

/**
 * A kernel with a flat output (one float per element, or four with `vector`), compiled in
 * this thread and called with any output size.
 */
export class FlatKernel {
  private constructor(
    private readonly kernel: CheckedKernel,
    private readonly vector: boolean,
    private readonly signal?: AbortSignal,
  ) {}

  /** `signal`: an aborted run stops after the call under way (see yieldToEventLoop). */
  static create(gpu: { createKernel(source: string, settings: unknown): unknown }, backend: KernelBackendName, source: string, vector = false, signal?: AbortSignal): FlatKernel {
    return new FlatKernel(CheckedKernel.create(gpu, backend, source), vector, signal);
  }

  async call(size: number, ...args: unknown[]): Promise<Float32Array> {
    const result = await this.kernel.call(size, args);
    // The call held this thread: let a signal's handler run.
    await yieldToEventLoop(this.signal);
    return this.vector ? flattenRows(result, size) : Float32Array.from(result as ArrayLike<number>);
  }

  destroy(): void {
    this.kernel.destroy();
  }
}
