import { UsageError } from './errors.js';

/**
 * Raw option values keyed by long flag name without dashes ("ground-truth"): strings
 * from the command line, JSON values from a config file.
 */
export type RawOptions = Readonly<Record<string, unknown>>;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? typeof value;
}

/** "[0, 1]", "(0, 1]", "≥ 1", … for error messages. */
function describeRange(min: number | undefined, max: number | undefined, minOpen: boolean, maxOpen: boolean): string {
  if (min !== undefined && max !== undefined) return `in ${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  if (min !== undefined) return minOpen ? `> ${min}` : `≥ ${min}`;
  if (max !== undefined) return maxOpen ? `< ${max}` : `≤ ${max}`;
  return 'finite';
}

export interface NumberRule {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  integer?: boolean;
}

/** What the rule allows, in words: "an integer ≥ 1", "a number in [0, 1]". */
export function describeRule(rule: NumberRule): string {
  return `${rule.integer ? 'an integer' : 'a number'} ${describeRange(rule.min, rule.max, rule.minOpen ?? false, rule.maxOpen ?? false)}`;
}

/** Reads a finite number under `rule`, or throws a one-line UsageError naming `--flag`. */
export function parseNumber(value: unknown, flag: string, rule: NumberRule): number {
  let parsed: number;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && value.trim() !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim())) parsed = Number(value);
  else parsed = NaN;
  const ok =
    Number.isFinite(parsed) &&
    (!rule.integer || Number.isInteger(parsed)) &&
    (rule.min === undefined || (rule.minOpen ? parsed > rule.min : parsed >= rule.min)) &&
    (rule.max === undefined || (rule.maxOpen ? parsed < rule.max : parsed <= rule.max));
  if (!ok) throw new UsageError(`--${flag} must be ${describeRule(rule)} (got ${show(value)})`);
  return parsed;
}

/** Reads one of `choices`, or throws naming the flag and the choices. */
export function parseChoice<T extends string>(value: unknown, flag: string, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (got ${show(value)})`);
}

/** Reads a comma-separated list of numbers, each under `rule`. */
export function parseNumberList(value: unknown, flag: string, rule: NumberRule): number[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  if (items.length === 0 || (typeof value === 'string' && value.trim() === '')) {
    throw new UsageError(`--${flag} must be a comma-separated list of numbers (got ${show(value)})`);
  }
  return items.map((item) => {
    try {
      return parseNumber(typeof item === 'string' ? item.trim() : item, flag, rule);
    } catch {
      throw new UsageError(`--${flag} must be a comma-separated list of ${describeRule(rule).replace(/^an? /, '')} values (got ${show(value)})`);
    }
  });
}

/** Reads a free-form string (a seed, a path). */
export function parseText(value: unknown, flag: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new UsageError(`--${flag} must be a non-empty string (got ${show(value)})`);
}

/** Reads a boolean flag (true/false in a config file). */
export function parseBoolean(value: unknown, flag: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${flag} must be true or false (got ${show(value)})`);
}

/** True when the option was given at all (on the command line or in the config). */
export function given(raw: RawOptions, flag: string): boolean {
  return raw[flag] !== undefined;
}
