import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The examples import headroom exactly as a user would ('headroom', 'headroom/vitest'), resolved
// to the built package in dist/ (run `npm run build` first; `npm run examples` does).
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      // Exact matches, so that 'headroom/vitest' is not caught by the 'headroom' alias:
      // 'headroom/msw' → dist/msw.js, 'headroom/vitest' → dist/vitest.js, 'headroom' → dist/index.js.
      { find: /^headroom\/([\w-]+)$/, replacement: dist('$1.js') },
      { find: /^headroom$/, replacement: dist('index.js') },
    ],
  },
  test: {
    include: ['**/*.test.ts'],
    setupFiles: ['headroom/vitest'],
    // The headroom table at the end of the run, and examples/headroom-report/ (JSON, Markdown,
    // HTML, history). The regressions the examples catch on purpose show as failed contracts.
    reporters: ['default', ['headroom/reporter', { trace: true }]],
    testTimeout: 30_000,
    // One test file at a time: contracts that read wall time (duration, eventLoopBlock) should not
    // compete for the CPU with the other files' measurements.
    fileParallelism: false,
    // Point failure code frames at the test, not at the expectCaught() helper.
    onStackTrace: (_error, frame) => !frame.file.endsWith('/support/regressions.ts'),
  },
});
