/**
 * w = W(e^z), the principal Lambert W of e^z, i.e. the solution of w + ln w = z, for
 * any real z (e^z itself may overflow). Newton on w + ln w − z from a near guess.
 */
export function lambertWOfExp(z: number): number {
  let w = z > 1 ? z - Math.log(z) : Math.exp(z);
  if (z < -700) return w; // W(x) = x to working precision for tiny x
  for (let i = 0; i < 60; i++) {
    const step = ((w + Math.log(w) - z) * w) / (w + 1);
    const next = w - step;
    w = next > 0 ? next : w / 2;
    if (Math.abs(step) <= 1e-15 * w) break;
  }
  return w;
}
