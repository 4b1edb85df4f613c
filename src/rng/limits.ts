/**
 * Constants shared by the reference samplers (src/rng/distributions) and the GPU kernels
 * (kernels/), kept in one place so the two engines cannot drift apart.
 *
 * Where a sampler switches from inversion to rejection. Both algorithms are exact, so the
 * switch point only affects speed; it is placed where no ratio of small integers lies:
 * under maximum likelihood n·min(p, 1 − p) and n·λ are ratios of counts (often integers),
 * and a switch point at such a value (10, say) lets float32 and float64 rounding choose
 * different algorithms for the same draw, which then consume different uniforms.
 */
export const INVERSION_LIMIT = 9.71935;
