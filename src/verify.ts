/**
 * Verification: the same configuration on the reference path and on the other engines
 * (the WebAssembly engine and the gpu.js backends).
 *
 *  - bit-exact configurations (discrete families, per-sample, maximum likelihood): every
 *    chain's collapse time, outcome and final parameters must be identical;
 *  - near-exact ones (Poisson per-sample: exact while λ is below the inversion limit, a
 *    float32 rejection step above) and float32 ones (continuous families, sufficient mode,
 *    priors, penalties): the first generations must agree chain by chain to FLOAT32_TOLERANCE
 *    for at least AGREEMENT_FLOOR of the chains, and the whole run must agree in law;
 *  - in law, always: two-sample Kolmogorov–Smirnov on collapse times and on the first final
 *    parameter, χ² on outcomes;
 *  - the reference path with --rng seedrandom against Philox, in law: results must not
 *    depend on the generator.
 */
import type { Engine } from './engine/engine.js';
import { ReferenceEngine, createFamilyModel } from './engine/reference.js';
import { backendExactness, backendRefusal, backendStatus, ENGINE_BACKENDS, openBackend, type Exactness } from './engine/backends.js';
import { chiSquareHomogeneity, ksTwoSample, type TestResult } from './stats/hypothesis.js';
import type { RunSpec } from './spec/run-spec.js';

/** p-values below this reject agreement in law. */
export const SIGNIFICANCE = 1e-3;
/** Relative agreement required of float32 runs over the first generations. */
export const FLOAT32_TOLERANCE = 1e-4;
/** Generations compared chain by chain for float32 runs. */
export const FIRST_GENERATIONS = 3;
/** Fraction of chains that must agree where agreement is not guaranteed bit for bit. */
export const AGREEMENT_FLOOR = 0.99;

export type { Exactness } from './engine/backends.js';

export interface EnsembleResult {
  readonly collapseTime: Int32Array;
  readonly outcome: Float64Array;
  /** One array per family event (first generation it happened, −1 if never). */
  readonly eventTimes: Int32Array[];
  readonly finals: Float64Array[];
  readonly seconds: number;
}

export interface LawComparison {
  readonly collapseTime: TestResult;
  readonly outcome: TestResult | null;
  readonly firstFinal: TestResult;
}

export interface BackendVerification {
  readonly backend: string;
  readonly available: boolean;
  readonly device: string | null;
  /** Why it was not run (absent, or the configuration cannot run there). */
  readonly skipped: string | null;
  readonly exactness: Exactness | null;
  readonly chains: number;
  readonly identicalChains: number;
  readonly firstGenerations: { generations: number; tolerance: number; agreeing: number; maxRelativeDifference: number } | null;
  readonly law: LawComparison | null;
  readonly seconds: number | null;
  readonly pass: boolean;
  readonly failures: readonly string[];
}

export interface VerificationReport {
  readonly spec: RunSpec;
  readonly reference: { readonly seconds: number };
  readonly generator: { readonly law: LawComparison; readonly pass: boolean };
  readonly backends: readonly BackendVerification[];
  readonly pass: boolean;
}

export async function collectEnsemble(engine: Engine, spec: RunSpec): Promise<EnsembleResult> {
  const model = createFamilyModel(spec);
  const collapseTime = new Int32Array(spec.chains);
  const outcome = new Float64Array(spec.chains);
  const finals = model.finalColumns.map(() => new Float64Array(spec.chains));
  const eventTimes = model.events.map(() => new Int32Array(spec.chains));
  const started = performance.now();
  for await (const batch of engine.run(spec)) {
    collapseTime.set(batch.collapseTime, batch.firstChain);
    outcome.set(batch.outcome, batch.firstChain);
    batch.eventTimes.forEach((times, e) => eventTimes[e].set(times, batch.firstChain));
    batch.finals.forEach((values, c) => finals[c].set(values, batch.firstChain));
  }
  return { collapseTime, outcome, eventTimes, finals, seconds: (performance.now() - started) / 1000 };
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function identicalChains(a: EnsembleResult, b: EnsembleResult): number {
  let same = 0;
  for (let i = 0; i < a.collapseTime.length; i++) {
    const sameEvents = a.eventTimes.every((times, e) => times[i] === b.eventTimes[e][i]);
    if (a.collapseTime[i] === b.collapseTime[i] && sameNumber(a.outcome[i], b.outcome[i]) && sameEvents && a.finals.every((column, c) => sameNumber(column[i], b.finals[c][i]))) same++;
  }
  return same;
}

function relativeDifference(a: number, b: number): number {
  if (sameNumber(a, b)) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** KS on collapse times (censored chains last), χ² on outcomes, KS on the first final column. */
export function compareInLaw(a: EnsembleResult, b: EnsembleResult): LawComparison {
  const times = (result: EnsembleResult) => Array.from(result.collapseTime, (t) => (t < 0 ? Number.MAX_SAFE_INTEGER : t));
  const outcomeCells = (result: EnsembleResult, values: number[]) => {
    const counts = new Array(values.length + 1).fill(0);
    result.outcome.forEach((o) => counts[Number.isNaN(o) ? values.length : values.indexOf(o)]++);
    return counts;
  };
  const values = [...new Set([...a.outcome, ...b.outcome].filter((o) => !Number.isNaN(o)))].sort((x, y) => x - y);
  const finite = (column: Float64Array) => Array.from(column, (v) => (Number.isNaN(v) ? Number.MAX_VALUE : v));
  return {
    collapseTime: ksTwoSample(times(a), times(b)),
    outcome: values.length > 0 ? chiSquareHomogeneity(outcomeCells(a, values), outcomeCells(b, values)) : null,
    firstFinal: ksTwoSample(finite(a.finals[0]), finite(b.finals[0])),
  };
}

function lawFailures(law: LawComparison, label: string): string[] {
  const failures: string[] = [];
  if (law.collapseTime.pValue < SIGNIFICANCE) failures.push(`${label}: collapse times differ in law (KS p = ${law.collapseTime.pValue.toExponential(2)})`);
  if (law.outcome !== null && law.outcome.pValue < SIGNIFICANCE) failures.push(`${label}: outcomes differ in law (χ² p = ${law.outcome.pValue.toExponential(2)})`);
  if (law.firstFinal.pValue < SIGNIFICANCE) failures.push(`${label}: final parameters differ in law (KS p = ${law.firstFinal.pValue.toExponential(2)})`);
  return failures;
}

export interface VerifyOptions {
  /** Engines to check (default: every one of ENGINE_BACKENDS). */
  readonly backends?: readonly string[];
  /** A backend that cannot run fails the verification (else it is reported and passed over). */
  readonly requireAll?: boolean;
  /** Opens an engine (injectable for tests). */
  readonly openEngine?: (backend: string) => Promise<Engine>;
  readonly onProgress?: (line: string) => void;
}

export async function verify(spec: RunSpec, options: VerifyOptions = {}): Promise<VerificationReport> {
  const open = options.openEngine ?? openBackend;
  options.onProgress?.('reference path');
  const reference = await collectEnsemble(new ReferenceEngine(), { ...spec, rng: 'philox' });
  options.onProgress?.('reference path with --rng seedrandom');
  const seedrandom = await collectEnsemble(new ReferenceEngine(), { ...spec, rng: 'seedrandom' });
  const generatorLaw = compareInLaw(reference, seedrandom);
  const generator = { law: generatorLaw, pass: lawFailures(generatorLaw, 'seedrandom').length === 0 };
  const shortSpec: RunSpec = { ...spec, rng: 'philox', generations: Math.min(FIRST_GENERATIONS, spec.generations) };
  let referenceShort: EnsembleResult | null = null;

  const results: BackendVerification[] = [];
  for (const backend of options.backends ?? ENGINE_BACKENDS) {
    const status = await backendStatus(backend);
    const refusal = await backendRefusal(spec, backend);
    const skipped = !status.available ? status.reason : refusal;
    if (skipped !== null) {
      results.push({
        backend, available: status.available, device: status.device, skipped, exactness: null, chains: spec.chains,
        identicalChains: 0, firstGenerations: null, law: null, seconds: null, pass: false, failures: [`${backend}: not run: ${skipped}`],
      });
      continue;
    }
    options.onProgress?.(backend);
    const exactness = await backendExactness(spec, backend);
    const engine = await open(backend);
    let result: EnsembleResult;
    let short: EnsembleResult | null = null;
    try {
      result = await collectEnsemble(engine, { ...spec, rng: 'philox', backend });
      if (exactness !== 'bit-exact') short = await collectEnsemble(engine, { ...shortSpec, backend });
    } finally {
      await engine.close();
    }
    const identical = identicalChains(reference, result);
    const law = compareInLaw(reference, result);
    const failures = lawFailures(law, backend);
    let firstGenerations: BackendVerification['firstGenerations'] = null;
    if (exactness === 'bit-exact') {
      if (identical !== spec.chains) failures.push(`${backend}: ${spec.chains - identical} of ${spec.chains} chains differ from the reference (bit-exact expected)`);
    } else {
      referenceShort ??= await collectEnsemble(new ReferenceEngine(), shortSpec);
      let agreeing = 0;
      let maxRelativeDifference = 0;
      for (let i = 0; i < spec.chains; i++) {
        const differences = referenceShort.finals.map((column, c) => relativeDifference(column[i], short!.finals[c][i]));
        const worst = Math.max(...differences);
        maxRelativeDifference = Math.max(maxRelativeDifference, worst);
        if (worst <= FLOAT32_TOLERANCE && referenceShort.collapseTime[i] === short!.collapseTime[i]) agreeing++;
      }
      firstGenerations = { generations: shortSpec.generations, tolerance: FLOAT32_TOLERANCE, agreeing, maxRelativeDifference };
      if (agreeing < AGREEMENT_FLOOR * spec.chains) {
        failures.push(`${backend}: only ${agreeing} of ${spec.chains} chains agree over the first ${shortSpec.generations} generations to ${FLOAT32_TOLERANCE}`);
      }
    }
    results.push({
      backend, available: true, device: engine.device, skipped: null, exactness, chains: spec.chains, identicalChains: identical,
      firstGenerations, law, seconds: result.seconds, pass: failures.length === 0, failures,
    });
  }
  const ran = results.filter((result) => result.skipped === null);
  return {
    spec,
    reference: { seconds: reference.seconds },
    generator,
    backends: results,
    pass: generator.pass && ran.length > 0 && ran.every((result) => result.pass) && (!options.requireAll || ran.length === results.length),
  };
}
