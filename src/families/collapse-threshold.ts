/**
 * --collapse-threshold ε, for families whose collapse is a threshold crossing rather than an
 * absorbing state (the Gaussian's variance, the exponential's mean): collapse is the first
 * generation at which the quantity falls to ε times its start.
 */
import { given, parseNumber, type RawOptions } from '../spec/parse.js';
import type { FamilyOption } from './family.js';

export const DEFAULT_COLLAPSE_THRESHOLD = 1e-6;
export const COLLAPSE_THRESHOLD_RULE = { min: 0, max: 1, minOpen: true, maxOpen: true };
export function parseCollapseThreshold(raw: RawOptions): number {
  return given(raw, 'collapse-threshold')
    ? parseNumber(raw['collapse-threshold'], 'collapse-threshold', COLLAPSE_THRESHOLD_RULE)
    : DEFAULT_COLLAPSE_THRESHOLD;
}

/** The option itself. */
export const COLLAPSE_THRESHOLD_OPTION: FamilyOption = {
  flag: 'collapse-threshold',
  valueName: '<ε>',
  description: 'collapse when the variance (gaussian) or mean (exponential) falls to ε times its start, in (0, 1)',
  defaultValue: String(DEFAULT_COLLAPSE_THRESHOLD),
};
