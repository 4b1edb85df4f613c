import { regimeToString } from '../spec/run-spec.js';
import type { RunResult } from '../run.js';
import { TOOL_VERSION } from '../version.js';
import { machineDescription } from '../environment.js';
import { SCHEMA_VERSION } from '../io/provenance.js';
import { STREAM_VERSION } from '../rng/streams.js';

/** The --json summary: one object, snake_case keys. */
export function summaryJson(result: RunResult): Record<string, unknown> {
  const { spec, summary } = result;
  const probability = summary.collapseProbability();
  const absorbed = summary.absorptionProbability();
  return {
    tool: 'collapse-sim',
    schema_version: SCHEMA_VERSION,
    version: TOOL_VERSION,
    stream: STREAM_VERSION,
    family: spec.family,
    samples: spec.samples,
    chains: summary.chains,
    generations: spec.generations,
    collapsed: summary.collapsed,
    collapse_probability: { estimate: probability.estimate, lower: probability.lower, upper: probability.upper },
    mean_collapse_time: summary.meanCollapseTime(),
    mean_collapse_time_se: summary.meanCollapseTimeStandardError(),
    median_collapse_time: summary.medianCollapseTime(),
    outcomes: summary.outcomes(),
    // Absorbed (collapsed and unable to leave: the paper's collapse) apart from the first
    // collapse above (touched): the same without a mitigation.
    absorbed: summary.absorbed.count,
    absorption_probability: { estimate: absorbed.estimate, lower: absorbed.lower, upper: absorbed.upper },
    mean_absorption_time: summary.absorbed.mean(),
    median_absorption_time: summary.absorbed.median(),
    mean_collapsed_generations: summary.meanCollapsedGenerations(),
    backend: result.backend,
    device: result.device,
    machine: machineDescription(),
    mode: spec.mode,
    rng: spec.rng,
    seed: spec.seed,
    regime: regimeToString(spec.regime),
    ground_truth: spec.groundTruth,
    prior: spec.prior,
    l2: spec.l2,
    chain_generations: summary.chainGenerations,
    elapsed_s: result.elapsedSeconds,
    chain_generations_per_s: result.elapsedSeconds > 0 ? result.simulatedChainGenerations / result.elapsedSeconds : null,
    out: result.out,
    trajectories_out: result.trajectoriesOut,
  };
}

function fixed(value: number | null, digits: number): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

/** The human summary. */
export function summaryText(result: RunResult): string {
  const { spec, summary } = result;
  const probability = summary.collapseProbability();
  const absorbed = summary.absorptionProbability();
  const mitigations = [
    spec.groundTruth > 0 ? `K = ${spec.groundTruth} ground-truth points` : null,
    spec.prior > 0 ? `prior a = ${spec.prior}` : null,
    spec.l2 > 0 ? `L2 λ = ${spec.l2}` : null,
    spec.regime.kind !== 'replace' ? `regime ${regimeToString(spec.regime)}` : null,
  ].filter((part) => part !== null);
  // Numeric order (a JS object lists "1" before "-1").
  const outcomes = Object.entries(summary.outcomes())
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([value, count]) => `${value}: ${count}`)
    .join('   ');
  const rate = result.elapsedSeconds > 0 ? result.simulatedChainGenerations / result.elapsedSeconds : NaN;
  const lines = [
    `collapse-sim ${TOOL_VERSION}: ${spec.family}, M = ${spec.samples}, ${summary.chains} chains, T = ${spec.generations}, seed ${JSON.stringify(spec.seed)}` +
      ` (${result.backend} on ${result.device}, ${spec.mode}, ${spec.rng})`,
    ...(mitigations.length > 0 ? [`mitigation       ${mitigations.join(', ')}`] : []),
    `absorbed         ${summary.absorbed.count} of ${summary.chains}   P = ${absorbed.estimate.toFixed(4)}  [${absorbed.lower.toFixed(4)}, ${absorbed.upper.toFixed(4)}] (Wilson 95 %; collapsed and unable to leave)`,
    `touched          ${summary.collapsed} of ${summary.chains}   P = ${probability.estimate.toFixed(4)}  [${probability.lower.toFixed(4)}, ${probability.upper.toFixed(4)}] (Wilson 95 %; collapsed at least once${mitigations.length > 0 ? '' : ': the same as absorbed without a mitigation'})`,
    `collapse time    mean ${fixed(summary.meanCollapseTime(), 2)} ± ${fixed(summary.meanCollapseTimeStandardError(), 2)} (s.e.)   median ${fixed(summary.medianCollapseTime(), 1)} generations (first collapse)`,
    ...(mitigations.length > 0
      ? [`time collapsed   mean ${fixed(summary.meanCollapsedGenerations(), 2)} of ${spec.generations + 1} generations${summary.collapsedGenerationsCounted < summary.chains ? ` (counted on ${summary.collapsedGenerationsCounted} chains)` : ''}`]
      : []),
    ...(outcomes.length > 0 ? [`outcomes         ${outcomes}`] : []),
    `output           ${result.out}${result.trajectoriesOut ? ` and ${result.trajectoriesOut}` : ''}`,
    `speed            ${result.simulatedChainGenerations.toExponential(3)} chain·generations in ${result.elapsedSeconds.toFixed(2)} s = ${rate.toExponential(2)} per s`,
  ];
  return lines.join('\n') + '\n';
}
