/**
 * The skeleton every one-thread-per-chain kernel shares: the chain's input (flat, 6 floats:
 * chain index limbs, then four slots; gpu.js's cpu backend mis-strides 2-D inputs), the
 * Philox round keys, and the generation loop with its stopping rules. A family supplies the
 * names of its first two slots (the last two are always `collapse` and `run`), its extra
 * parameters, and the body of one generation t (which ends by setting `run = t`).
 */
import { philoxKeySchedule } from './philox.js';

/**
 * @param {{ style: string, slots: [string, string], parameters: string[], stopAtCollapse: boolean,
 *           halt?: string, body: string }} kernel  `halt`: an extra condition that ends the loop.
 */
export function chainKernel({ style, slots, parameters, stopAtCollapse, halt, body }) {
  return `function (state, generations, horizon, keyH0, keyL0, keyH1, keyL1, ${parameters.join(', ')}) {
  const base = this.thread.x * 6;
  const chainH = state[base];
  const chainL = state[base + 1];
  let ${slots[0]} = state[base + 2];
  let ${slots[1]} = state[base + 3];
  let collapse = state[base + 4];
  let run = state[base + 5];
  ${philoxKeySchedule(style)}
  for (let g = 0; g < generations; g++) {
    ${halt ? `if (${halt}) break;` : ''}
    ${stopAtCollapse ? 'if (collapse >= 0) break;' : ''}
    const t = run + 1;
    if (t > horizon) break;
    ${body}
  }
  return [${slots[0]}, ${slots[1]}, collapse, run];
}`;
}
