/**
 * Constants shared by the reference path (src/rng, src/families) and the GPU kernels
 * (kernels/), kept in one place so the two engines cannot drift apart.
 *
 * Where a sampler switches from inversion to rejection. Both algorithms are exact, so the
 * switch point only affects speed; it is placed where no ratio of small integers lies:
 * under maximum likelihood n·min(p, 1 − p) and n·λ are ratios of counts (often integers),
 * and a switch point at such a value (10, say) lets float32 and float64 rounding choose
 * different algorithms for the same draw, which then consume different uniforms.
 */
export const INVERSION_LIMIT = 9.71935;

/**
 * The nucleus (top-p) keeps the most probable categories until their mass reaches p of the
 * total: the smallest set with mass ≥ p. With counts for weights, "mass = p·total" is often
 * an exact tie (18 of 20 at p = 0.9), which float64 (0.9 stored as 0.90000000000000002) and
 * float32 (0.89999998) would break in opposite directions. The set therefore stops once its
 * mass reaches p·total·(1 − TOP_P_TOLERANCE): ties stop it, as the definition says, and the
 * tolerance is far above float32 rounding and far below the gap between distinct ratios.
 */
export const TOP_P_TOLERANCE = 1e-6;
