import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'integrations/**/*.test.ts'],
    setupFiles: ['./src/vitest.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
