/**
 * Commander options generated from the library's option tables (common and per family),
 * and the merge of a --config file under the flags given on the command line.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseLosslessly } from 'lossless-json';
import { Command, Option } from 'commander';
import { FAMILIES, FAMILY_NAMES } from '../families/index.js';
import { UsageError } from '../spec/errors.js';
import type { RawOptions } from '../spec/parse.js';
import { COMMON_OPTIONS, type CommonOption } from '../spec/run-spec.js';

function describe(option: { description: string; defaultValue?: string }): string {
  return option.defaultValue === undefined ? option.description : `${option.description} (default: ${option.defaultValue})`;
}

/** Adds options to a command. Values stay strings: validation is the library's, so every message names the flag. */
export function addOptions(command: Command, options: readonly CommonOption[], group?: string): void {
  for (const option of options) {
    const flags = option.boolean ? `--${option.flag}` : `--${option.flag} ${option.valueName ?? '<value>'}`;
    const commanderOption = new Option(flags, describe(option));
    if (group) commanderOption.helpGroup(group);
    command.addOption(commanderOption);
  }
}

/** Adds the common run options and every family's options, grouped by family in --help. */
export function addRunOptions(command: Command, common: readonly CommonOption[] = COMMON_OPTIONS): void {
  addOptions(command, common, 'Run options:');
  const seen = new Set<string>(common.map((option) => option.flag));
  for (const name of FAMILY_NAMES) {
    const family = FAMILIES[name];
    const fresh = family.options.filter((option) => !seen.has(option.flag));
    for (const option of fresh) seen.add(option.flag);
    addOptions(command, fresh, `--family ${name}: ${family.summary}`);
  }
}

/** Every key a config file may hold: the long flags, without dashes. */
export function knownKeys(command: Command): Set<string> {
  // A config file is flags; it names no other source of flags.
  return new Set(command.options.map((option) => option.long!.slice(2)).filter((key) => key !== 'config' && key !== 'from'));
}

/** Largest --config file read: a flag file is a few hundred bytes. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Deepest nesting of arrays and objects in a --config file: its values are flat (a list at most). */
export const MAX_CONFIG_DEPTH = 8;

/** The deepest nesting of [ and { in JSON text, outside strings (checked before parsing, which recurses). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

/**
 * A number of a --config file, from its text: kept exactly. An integer beyond 2^53 (a seed
 * such as 12345678901234567890) would be rounded by a JavaScript number, so it is kept as
 * its digits — a seed stays that seed, a size is refused by its range — and one written
 * otherwise (1e20) is refused: quoting it keeps it exactly.
 */
function configNumber(path: string): (text: string) => unknown {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || Number.isSafeInteger(value)) return value;
    if (/^-?\d+$/.test(text)) return text;
    throw new UsageError(`--config ${path}: ${text} is an integer beyond 2^53, which a JSON number cannot hold exactly: write it as a string ("${text}")`);
  };
}

/** Reads a --config file: a JSON object whose keys are flags. */
export function readConfig(path: string, allowed: Set<string>): RawOptions {
  let text: string;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new UsageError(`--config ${path} is a directory`);
    if (!stats.isFile()) throw new UsageError(`--config ${path} is not a regular file`);
    if (stats.size > MAX_CONFIG_BYTES) throw new UsageError(`--config ${path} is ${stats.size} bytes; a config file holds at most ${MAX_CONFIG_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--config ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (nestingDepth(text) > MAX_CONFIG_DEPTH) {
    throw new UsageError(`--config ${path} nests arrays or objects ${nestingDepth(text)} deep; flag values are at most ${MAX_CONFIG_DEPTH} deep`);
  }
  let parsed: unknown;
  try {
    parsed = parseLosslessly(text, null, configNumber(path));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--config ${path} is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--config ${path} must hold a JSON object with flags as keys`);
  }
  for (const key of Object.keys(parsed)) {
    if (!allowed.has(key)) throw new UsageError(`--config ${path}: unknown key ${JSON.stringify(key)} (keys are the flags without dashes)`);
  }
  return parsed as RawOptions;
}

/** The files a command reads besides its arguments: the --config file, if given (its outputs must not be it). */
export function configInputs(command: Command): string[] {
  const path = command.getOptionValue('config') as unknown;
  return typeof path === 'string' && path !== '' ? [path] : [];
}

/** The options of a parsed command keyed by flag, with a --config file merged under them. */
export function collectRawOptions(command: Command): RawOptions {
  const fromFlags: Record<string, unknown> = {};
  for (const option of command.options) {
    const value = command.getOptionValue(option.attributeName());
    if (value !== undefined) fromFlags[option.long!.slice(2)] = value;
  }
  const configPath = fromFlags['config'];
  delete fromFlags['config'];
  if (configPath === undefined) return fromFlags;
  return { ...readConfig(String(configPath), knownKeys(command)), ...fromFlags };
}
