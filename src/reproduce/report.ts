/** REPORT.md of `collapse-sim reproduce`: every claim, our number with its interval, the verdict. */
import { ALPHA, markdownTable } from './context.js';
import type { ReproduceResult } from './index.js';

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportMarkdown(result: ReproduceResult): string {
  const claims = result.experiments.flatMap((experiment) => experiment.claims);
  const supported = claims.filter((claim) => claim.verdict !== 'not supported').length;
  const m = result.machine;
  const lines = [
    `# collapse-sim reproduction report (${result.full ? 'full' : 'small'} version)`,
    '',
    `Command: \`${result.command}\` — collapse-sim ${result.version}, seed ${JSON.stringify(result.seed)}, backend ${result.backend}` +
      (result.chainsOverride === null ? '' : `, ${result.chainsOverride} chains per point (--chains)`) +
      '.',
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}. Started ${result.started}; ${result.seconds.toFixed(0)} s, ${result.chainGenerations.toExponential(3)} chain·generations simulated.`,
    '',
    `Every verdict is a test at level ${ALPHA} of the simulation against an exact prediction (or, for Fig. 1(b), against the diffusion limit with its finite-size bound); the basis of each is given below. The derivations are in docs/reproduction/theory.md of the collapse-sim repository. Every dataset is an Arrow IPC file with its full configuration in the schema metadata: re-run or re-analyse any point with \`collapse-sim summarize|plot|export\`.`,
    '',
    `## Verdicts: ${supported} of ${claims.length} claims supported`,
    '',
    markdownTable(
      ['experiment', 'claim', 'our number [95 %]', 'prediction', 'verdict'],
      claims.map((claim) => [claim.experiment, escapeCell(claim.claim), escapeCell(claim.measured), escapeCell(claim.prediction), `**${claim.verdict}**`]),
    ),
  ];
  for (const experiment of result.experiments) {
    lines.push('', `## ${experiment.title}`, '', experiment.body, '');
    for (const figure of experiment.figures.filter((path) => path.endsWith('.png'))) lines.push(`![${experiment.title}](${figure})`, '');
    for (const claim of experiment.claims) {
      lines.push(`- **${claim.verdict}** — ${claim.claim} (${claim.source})`, `  - ours: ${claim.measured}`, `  - predicted: ${claim.prediction}`, `  - basis: ${claim.basis}`);
    }
    lines.push('', `Datasets: ${experiment.datasets.map((path) => `\`${path}\``).join(', ') || '—'}. ${experiment.chainGenerations.toExponential(3)} chain·generations in ${experiment.seconds.toFixed(1)} s.`);
  }
  return `${lines.join('\n')}\n`;
}
