/**
 * The code blocks of docs/cluster.md, as the cluster tests run them: the fenced blocks of a
 * language under one `## ` heading, in order, verbatim.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const CLUSTER_DOC = resolve(import.meta.dirname, '../../docs/cluster.md');

/** The ```language blocks between `## heading` and the next `## ` heading. */
export function docBlocks(heading: string, language: string): string[] {
  const text = readFileSync(CLUSTER_DOC, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/cluster.md has no "## ${heading}" section`);
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1]);
}

/** The command a block passes to `sbatch --wrap '…'` (the first, and every other the same). */
export function wrappedCommand(block: string): string {
  const commands = [...block.matchAll(/--wrap '([^']*)'/g)].map((match) => match[1]);
  if (commands.length === 0) throw new Error(`no sbatch --wrap '…' in:\n${block}`);
  return commands[0];
}

/** A shell script's lines with backslash continuations joined. */
export function joinedLines(script: string): string[] {
  return script.replace(/\\\n\s*/g, '').split('\n');
}
