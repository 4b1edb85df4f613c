/**
 * Commander options generated from the library's option tables (common and per family),
 * and the merge of a --config file under the flags given on the command line.
 */
import { readFileSync } from 'node:fs';
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
  return new Set(command.options.map((option) => option.long!.slice(2)).filter((key) => key !== 'config'));
}

/** Reads a --config file: a JSON object whose keys are flags. */
export function readConfig(path: string, allowed: Set<string>): RawOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
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
