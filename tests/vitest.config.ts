import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['tests/**/*.test.ts'],
    // Statistical tests simulate thousands of chains; speed is measured in bench/, not here.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
