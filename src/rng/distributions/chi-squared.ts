import type { BitStream } from '../streams.js';
import { gamma } from './gamma.js';

/** χ² with `dof` > 0 degrees of freedom, as 2·Gamma(dof/2). */
export function chiSquared(source: BitStream): (dof: number) => number {
  const gammaDraw = gamma(source);
  return (dof) => 2 * gammaDraw(dof / 2);
}
