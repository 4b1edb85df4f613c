/**
 * REPORT.md of `collapse-sim reproduce`: the paper's claims apart from other publications'
 * and from this project's own predictions, each with its source, our number with its
 * interval, the prediction, the test and the verdict; what each experiment cost and what
 * the full version will cost; and the plan of points (`--plan`).
 */
import { ALPHA, CLAIM_ORIGINS, READ_BACK_CHECK_CHAINS, ENSEMBLE_SIZES, fmt, fmtP, markdownTable, SOURCES, type Claim, type ClaimOrigin, type PlannedPoint, type ReproduceResult } from './context.js';

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The columns of a table of claims (REPORT.md's, and the browser explorer's reproduce tab). */
export const CLAIM_COLUMNS = ['experiment', 'claim', 'source', 'our number [95 %]', 'prediction', 'p', 'verdict'] as const;

/** A verdict as the report words it: a consistency check holds or fails. */
export function verdictText(claim: Claim): string {
  return claim.origin === 'check' ? (claim.verdict === 'not supported' ? 'fails' : 'holds') : claim.verdict;
}

/** A claim's cells under CLAIM_COLUMNS, as text. */
export function claimCells(claim: Claim): string[] {
  return [claim.experiment, claim.claim, claim.source, claim.measured, claim.prediction, claim.pValue === null ? '—' : fmtP(claim.pValue), verdictText(claim)];
}

export const ORIGIN_HEADINGS: Readonly<Record<ClaimOrigin, string>> = {
  paper: `The paper's claims — ${SOURCES.prl}`,
  published: 'Claims of other publications',
  project: "This project's derived predictions",
  check: 'Consistency checks (not counted above: each holds by construction of the fit, so it can fail only through a bug in it)',
};

/** What the paper claims that no experiment here tests, and why. */
const UNTESTED_PAPER_CLAIMS = [
  "the paper's own equations of motion for the natural parameters (their text was not available to us: the project derives its own, tested by the motion experiment among this project's predictions)",
  "the Ising model's Fig. 1(d) in the paper's own convention for the coupling (the published caption says only θ₂ ≠ 0; both conventions, and θ₂ held fixed and learned, are tested instead)",
];

/** The headline's short name of each origin. */
const ORIGIN_NAMES: Readonly<Record<ClaimOrigin, string>> = {
  paper: "paper's claims",
  published: 'other published claims',
  project: "project's predictions",
  check: 'consistency checks',
};

/** "a of b supported" for the claims of one origin. */
export function tally(claims: readonly Claim[], origin: ClaimOrigin): { supported: number; total: number } {
  const mine = claims.filter((claim) => claim.origin === origin);
  return { supported: mine.filter((claim) => claim.verdict !== 'not supported').length, total: mine.length };
}

/** The origins a headline counts: every group of claims, and the checks where there are any. */
const countedOrigins = (claims: readonly Claim[]): ClaimOrigin[] => CLAIM_ORIGINS.filter((origin) => origin !== 'check' || tally(claims, origin).total > 0);

/** One line per origin, for the CLI's summary and the report's head. */
export function headline(claims: readonly Claim[]): string {
  return countedOrigins(claims)
    .map((origin) => {
      const { supported, total } = tally(claims, origin);
      return `${ORIGIN_NAMES[origin]} ${supported} of ${total} ${origin === 'check' ? 'hold' : 'supported'}`;
    })
    .join('; ');
}

const hours = (seconds: number): string => (seconds >= 3600 ? `${fmt(seconds / 3600, 3)} h` : seconds >= 60 ? `${fmt(seconds / 60, 3)} min` : `${fmt(seconds, 3)} s`);

export function reportMarkdown(result: ReproduceResult): string {
  const claims = result.experiments.flatMap((experiment) => experiment.claims);
  const m = result.machine;
  const points = result.experiments.flatMap((experiment) => experiment.points);
  const agreementCount = claims.filter((claim) => claim.test === 'agreement' && claim.origin !== 'check').length;
  const reused = points.filter((point) => point.reused).length;
  // A read-back point's seconds are those its sidecar recorded when it was simulated.
  const readBackSeconds = points.filter((point) => point.reused).reduce((total, point) => total + point.seconds, 0);
  const simulationSeconds = points.reduce((total, point) => total + point.seconds, 0);
  const lines = [
    `# collapse-sim reproduction report (${result.full ? 'full' : 'small'} version)`,
    '',
    `Command: \`${result.command}\` — collapse-sim ${result.version}, seed ${JSON.stringify(result.seed)}, backend ${result.backend}` +
      (result.chainsOverride === null ? '' : `, ${result.chainsOverride} chains per point (--chains)`) +
      '.',
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}. Started ${result.started}; ${result.seconds.toFixed(0)} s; ${result.chainGenerations.toExponential(3)} chain·generations in all, ${result.simulatedChainGenerations.toExponential(3)} simulated by this run` +
      (reused === 0
        ? '.'
        : reused === points.length
          ? ` (all ${reused} points read back from earlier runs of the same configuration, whose simulation took ${hours(simulationSeconds)} in all, as each point's sidecar records; each read back only once its first ${READ_BACK_CHECK_CHAINS} chains, simulated again by this build, came out identical: ${result.readBackCheckChainGenerations.toExponential(3)} chain·generations of checks, not counted above).`
          : ` (${reused} of ${points.length} points read back from earlier runs of the same configuration, whose simulation took ${hours(readBackSeconds)} as each point's sidecar records, each once its first ${READ_BACK_CHECK_CHAINS} chains, simulated again by this build, came out identical (${result.readBackCheckChainGenerations.toExponential(3)} chain·generations of checks, not counted above); ${hours(simulationSeconds)} for all points).`),
    '',
    `Every verdict is a test of the simulation at level ${ALPHA}: against an exact prediction or a bound (supported unless p < ${ALPHA}), or, for a claimed effect, against its negation (supported only if p < ${ALPHA}). "Supported up to finite-size corrections" means the simulation agrees with the exact finite law while the ensemble resolves that law's known distance from the limit the claim states (Fig. 1(b)). A statistic that is not finite is reported as such and fails its claim. Of the ${agreementCount} verdicts that test agreement, about ${fmt(agreementCount * ALPHA, 2)} would fail by chance at this level even if every prediction were exact: a verdict that fails is a reason to look again (another \`--seed\`), and is reported as it came out. The derivations are in docs/reproduction/theory.md of the collapse-sim repository, each checked against an independent computation in tests/reproduce/theory.test.ts. Every dataset is an Arrow IPC file with its full configuration in the schema metadata: re-run or re-analyse any point with \`collapse-sim summarize|plot|export\`.`,
    '',
    '## Verdicts',
    '',
    ...countedOrigins(claims).map((origin) => {
      const { supported, total } = tally(claims, origin);
      return origin === 'check' ? `- Consistency checks (not counted above): ${supported} of ${total} hold.` : `- **${ORIGIN_HEADINGS[origin]}: ${supported} of ${total} supported.**`;
    }),
  ];
  for (const origin of CLAIM_ORIGINS) {
    const mine = claims.filter((claim) => claim.origin === origin);
    if (mine.length === 0) continue;
    lines.push(
      '',
      `### ${ORIGIN_HEADINGS[origin]}`,
      '',
      markdownTable(
        CLAIM_COLUMNS,
        mine.map((claim) => claimCells(claim).map((cell, i) => (i === CLAIM_COLUMNS.length - 1 ? `**${cell}**` : escapeCell(cell)))),
      ),
    );
    if (origin === 'paper') lines.push('', `Not tested here: ${UNTESTED_PAPER_CLAIMS.join('; ')}.`);
  }
  lines.push(
    '',
    '## Cost, and the full version',
    '',
    `Chain·generations per experiment in this run, and the full version's (--full: ${ENSEMBLE_SIZES.full.fig1.toExponential(0)} chains per point; ${ENSEMBLE_SIZES.full.motion.toExponential(0)} for the one-generation equations of motion) scaled point by point from them by chains per point; the time is this machine's simulation rate applied to it.`,
    '',
    markdownTable(
      ['experiment', 'points', 'chains per point', 'chain·generations', 'simulation s (recorded per point)', 'full: chain·generations', 'full: time at this rate'],
      result.experiments.map((experiment) => {
        const chainCounts = Array.from(new Set(experiment.points.map((point) => point.chains)));
        return [
          experiment.id,
          String(experiment.points.length),
          chainCounts.join(', '),
          experiment.chainGenerations.toExponential(3),
          fmt(experiment.points.reduce((total, point) => total + point.seconds, 0), 3),
          experiment.fullEstimate.chainGenerations.toExponential(3),
          hours(experiment.fullEstimate.seconds),
        ];
      }),
    ),
    '',
    `In all: ${result.experiments.reduce((total, experiment) => total + experiment.fullEstimate.chainGenerations, 0).toExponential(3)} chain·generations for --full, ≈ ${hours(result.experiments.reduce((total, experiment) => total + experiment.fullEstimate.seconds, 0))} at this run's rates (the point list is docs/reproduction/full-plan.md).`,
  );
  for (const experiment of result.experiments) {
    lines.push('', `## ${experiment.title}`, '', experiment.body, '');
    for (const figure of experiment.figures.filter((path) => path.endsWith('.png'))) lines.push(`![${experiment.title}](${figure})`, '');
    for (const claim of experiment.claims) {
      lines.push(
        `- **${verdictText(claim)}** — ${claim.claim}`,
        `  - source: ${claim.source}`,
        `  - ours: ${claim.measured}`,
        `  - predicted: ${claim.prediction}`,
        `  - test (${claim.test === 'agreement' ? 'the claim is the null hypothesis' : 'the claim is the alternative'}): ${claim.basis}`,
      );
    }
    lines.push('', `Datasets: ${experiment.datasets.map((path) => `\`${path}\``).join(', ') || '—'}. ${experiment.chainGenerations.toExponential(3)} chain·generations; ${experiment.seconds.toFixed(1)} s in this run.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan of a version as a markdown table (`collapse-sim reproduce --plan`). */
export function planMarkdown(points: readonly PlannedPoint[], full: boolean): string {
  const lines = [
    `# The points of \`collapse-sim reproduce${full ? ' --full' : ''}\``,
    '',
    `Generated by \`collapse-sim reproduce${full ? ' --full' : ''} --plan\`. Each point is one run (\`collapse-sim run\` flags below, plus \`--seed <seed>:<folder>:<point>\`), written to data/<folder>/<point>.arrow; a point whose dataset is already there with the same configuration, seed, chains and version is read back, not run again. ${points.length} points, ${points.reduce((total, point) => total + point.chains, 0).toExponential(3)} chains in all.`,
    '',
    markdownTable(
      ['experiment', 'point', 'family', 'chains', 'generations at most', 'trajectories', 'other flags'],
      points.map((point) => [
        point.experiment,
        `${point.folder}/${point.point}`,
        point.family,
        String(point.chains),
        String(point.generations),
        point.trajectories ?? '—',
        escapeCell(
          Object.entries(point.flags)
            .map(([flag, value]) => `--${flag} ${String(value)}`)
            .join(' '),
        ),
      ]),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
