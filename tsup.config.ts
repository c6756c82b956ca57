import { defineConfig } from 'tsup';

// One package, sub-path entries, ESM and CJS with declarations for both.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'src/vitest.ts',
    jest: 'src/jest.ts',
    'better-sqlite3': 'integrations/better-sqlite3/index.ts',
    pg: 'integrations/pg/index.ts',
    mysql2: 'integrations/mysql2/index.ts',
    ioredis: 'integrations/ioredis/index.ts',
    sequelize: 'integrations/sequelize/index.ts',
    msw: 'integrations/msw/index.ts',
    'node-sqlite': 'integrations/node-sqlite/index.ts',
    'fast-check': 'integrations/fast-check/index.ts',
    reporter: 'src/report/reporter.ts',
    // The `headroom` command; bin/headroom.js (with the shebang) imports it.
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
  clean: true,
  treeshake: false,
  external: ['vitest', '@jest/globals', 'jest', 'fast-check', 'msw'],
});
