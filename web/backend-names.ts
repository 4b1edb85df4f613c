/** The page's backends by name: no gpu.js here, so the page's own bundle does without it (its engines run in workers). */
/** What the page's backend control offers: auto tries them in this order. */
export const PAGE_BACKENDS = ['webgpu', 'webgl2', 'cpu'] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/**
 * The CLI backend that computes the same bits: the webgl2 kernels use headlessgl's float
 * Philox (kernels/philox.js), and the page's CPU engine is the reference path.
 */
export const CLI_BACKEND: Record<PageBackend, string> = { webgpu: 'webgpu', webgl2: 'headlessgl', cpu: 'reference' };

export interface Skipped {
  readonly backend: PageBackend;
  readonly reason: string;
}
