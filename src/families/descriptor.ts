/**
 * A family is one descriptor: its flags and how they resolve, its model (what every engine
 * simulates), the modes it samples in, its exact theory, its GPU routes and how a benchmark
 * peer runs it. Everything outside src/families/ asks the descriptor instead of naming the
 * family; adding a family is its own files plus one line in ./index.ts.
 */
import type { RawOptions } from '../spec/parse.js';
import type { ExactTheory, FamilyModel, FamilyOption, LoopConfig, NumberFormat, RangeContext, RunConfig, SamplingMode } from './family.js';
import type { FamilyGpu } from './routes.js';

export interface FamilyDescriptor<Name extends string = string, Params = unknown> {
  readonly name: Name;
  readonly summary: string;
  readonly options: readonly FamilyOption[];
  /** The sampling modes it offers (a mode it lacks is refused when the run is resolved). */
  readonly modes: readonly SamplingMode[];
  /** Validates the family's flags (throws UsageError) and returns plain, JSON-able parameters. */
  resolve(raw: RawOptions, loop: LoopConfig): Params;
  /**
   * The flags that resolve to `params` (the inverse of resolve, up to rounding): parameters
   * read back from a file or a checkpoint are checked by resolving these again.
   */
  toOptions(params: Params): RawOptions;
  /**
   * Why `params` cannot be simulated correctly in `format` — a parameter, or a value it
   * grows to during a run, beyond the format's range or precision — naming the flags and
   * the limit; null where it can. Checked before a run starts, for every engine `auto`
   * may choose (float64 at resolve time, float32 for the GPU kernels).
   */
  rangeRefusal?(params: Params, run: RangeContext, format: NumberFormat): string | null;
  create(params: Params, loop: LoopConfig): FamilyModel;
  /**
   * The exact laws the configuration's plain loop obeys (for summarize and plot), or why there
   * are none. Must stay cheap: it is computed for any file a user summarizes.
   */
  exactTheory(config: RunConfig): ExactTheory | string;
  /** The family's GPU routes (its `*.gpu.ts` module), or null if it has none. Loaded on demand. */
  gpu(): Promise<FamilyGpu> | null;
  /**
   * What a benchmark peer (bench/peers/*_peer.py) takes for this configuration, or why the peers
   * cannot run it (a phrase the peer's name is put before: "runs the plain loop only (…)");
   * null for families the peers do not implement.
   */
  peerRequest(config: RunConfig): PeerRequest | string | null;
}

/** A peer's parameters for a configuration, and the name of the form its sufficient mode draws (e.g. binomial). */
export interface PeerRequest {
  readonly params: Record<string, unknown>;
  readonly sufficientForm: string;
}

/** Declares a family, keeping its name's literal type (the registry derives FamilyName from it). */
export function defineFamily<const Name extends string, Params>(descriptor: FamilyDescriptor<Name, Params>): FamilyDescriptor<Name, Params> {
  return descriptor;
}

/**
 * A family's description without its GPU routes: what its model module (<name>/model.ts)
 * declares; its index.ts adds the routes (<name>/gpu.ts, which imports the model, so the model
 * cannot import it).
 */
export type FamilyParts<Name extends string, Params> = Omit<FamilyDescriptor<Name, Params>, 'gpu'>;

export function describeFamily<const Name extends string, Params>(parts: FamilyParts<Name, Params>): FamilyParts<Name, Params> {
  return parts;
}

/** Why the peers cannot run a configuration ("runs the plain loop only (no …)"), or null if they can. */
export function peerDepartures(config: RunConfig, extra: readonly (string | null)[] = []): string | null {
  const used = [
    config.regime.kind !== 'replace' ? `--regime ${config.regime.kind}` : null,
    config.groundTruth > 0 ? '--ground-truth' : null,
    config.prior > 0 ? '--prior' : null,
    config.l2 > 0 ? '--l2' : null,
    ...extra,
  ].filter((flag): flag is string => flag !== null);
  return used.length > 0 ? `runs the plain loop only (no ${used.join(', ')})` : null;
}
