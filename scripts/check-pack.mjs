#!/usr/bin/env node
// `npm run check:pack`: checks the package a user would install. It packs this repository with
// `npm pack`, installs the tarball with vitest, jest and TypeScript in a fresh project outside the
// repository, and uses every entry there as the README says: a vitest suite (ESM), a jest suite
// (TypeScript compiled to CommonJS by @swc/jest) and a jest suite on native ES modules, each with
// a contract that holds and one that fails on purpose; `require()` and `import()` of every entry
// from plain Node; a `tsc --noEmit` type check per runner; then publint and are-the-types-wrong on
// the tarball. Prints one PASS/FAIL line per step and exits 1 if any step failed.
//
// HEADROOM_KEEP_PACK=1 keeps the temporary folder (its path is printed). A failed run keeps it.
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** What the fresh project installs besides the tarball. */
const TOOLS = [
  `vitest@${VITEST}`,
  ...(VITE ? [`vite@${VITE}`] : []),
  `jest@${JEST}`,
  `@jest/globals@${JEST}`,
  `@swc/jest@${pkg.devDependencies['@swc/jest'] ?? '0.2'}`,
  `@swc/core@${pkg.devDependencies['@swc/core'] ?? '1'}`,
  'typescript@5.9.3',
  `@types/node@${process.env.HEADROOM_MATRIX_TYPES_NODE || '20'}`,
  `@types/jest@${JEST.split('.')[0]}`,
  // The peer headroom/fast-check loads at run time (the other driver entries import types only).
  `fast-check@${pkg.devDependencies['fast-check'] ?? '4'}`,
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
function run(command, args, { cwd, timeoutMs = 180_000, stdoutFile } = {}) {
  return new Promise((resolve, reject) => {
    // A file, not a pipe, for output that a CLI may cut short by exiting before a pipe drains.
    const fd = stdoutFile ? openSync(stdoutFile, 'w') : undefined;
    const child = spawn(command, args, {
      cwd,
      env: childEnv(),
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
      tests.set(a.title, {
        status: a.status,
        message: stripVTControlCharacters(a.failureMessages.join('\n')),
      });
    }
  }
  return tests;
}

/**
 * Checks a finished run: the exit code, every `holds…` test passed, every `fails…` test failed
 * with each of `expected` in its message. Returns a one-line note.
 */
function checkRun(r, file, expected) {
  if (r.code !== 1)
    throw new StepError(`exited with ${r.code}, expected 1 (one contract fails on purpose)`, r.output);
  const tests = readResults(file, r.output);
  const lines = [];
  for (const [title, t] of tests) {
    const want = title.startsWith('fails') ? 'failed' : 'passed';
    if (t.status !== want)
      throw new StepError(`"${title}" ${t.status}, expected ${want}`, `${t.message}\n${r.output}`);
    if (want === 'failed') {
      for (const text of expected) {
        if (!t.message.includes(text))
          throw new StepError(`"${title}": the message lacks "${text}"`, t.message);
      }
    }
    lines.push(`${t.status === 'passed' ? '✓' : '✗'} ${title}`);
  }
  if (tests.size < 2) throw new StepError(`only ${tests.size} test(s) ran`, r.output);
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

const FILES = {
  'vitest.config.mjs': `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { setupFiles: ['headroom/vitest'], include: ['vitest/**/*.test.ts'] } });
`,
  'vitest/orders.test.ts': ORDERS("import { describe, expect, it } from 'vitest';"),

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
  'jest-esm/orders.test.mjs': ORDERS("import { describe, expect, it } from '@jest/globals';")
    .replace(/\(sql: string\): unknown\[\]/, '(sql)')
    .replace(/\(userIds: number\[\]\)/g, '(userIds)')
    .replace(/ {4}\/\/ @ts-expect-error.*\n/, ''),

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
// The steps

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'headroom-check-pack-'));
  const project = join(work, 'project');
  console.log(`check:pack in ${work} (node ${process.version})`);
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
            allowScripts: { '@swc/core': true, esbuild: true, '@parcel/watcher': false },
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

    // The three suites and the three type checks are independent: run them together.
    await Promise.all([
      step("vitest (ESM, setupFiles: ['headroom/vitest'])", async () => {
        const file = join(project, 'vitest-results.json');
        const r = await run(
          NODE,
          [
            'node_modules/vitest/vitest.mjs',
            'run',
            '--reporter=default',
            '--reporter=json',
            `--outputFile.json=${file}`,
          ],
          { cwd: project },
        );
        return checkRun(r, file, expected);
      }),
      step("jest (TypeScript → CommonJS via @swc/jest, setupFilesAfterEnv: ['headroom/jest'])", async () => {
        const file = join(project, 'jest-results.json');
        const r = await run(
          NODE,
          [
            'node_modules/jest/bin/jest.js',
            '--ci',
            '--config',
            'jest.config.cjs',
            '--json',
            '--outputFile',
            file,
          ],
          { cwd: project },
        );
        return checkRun(r, file, expected);
      }),
      step('jest (native ES modules, node --experimental-vm-modules)', async () => {
        const file = join(project, 'jest-esm-results.json');
        const r = await run(
          NODE,
          [
            '--experimental-vm-modules',
            'node_modules/jest/bin/jest.js',
            '--ci',
            '--config',
            'jest.esm.config.cjs',
            '--json',
            '--outputFile',
            file,
          ],
          { cwd: project },
        );
        return checkRun(r, file, expected);
      }),
      step('tsc --noEmit: vitest test file with "types": ["headroom/vitest"]', async () => {
        await expectExit(
          0,
          process.execPath,
          ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.vitest.json'],
          {
            cwd: project,
          },
        );
      }),
      step('tsc --noEmit: jest test file (@jest/globals) with "types": ["headroom/jest"]', async () => {
        await expectExit(
          0,
          process.execPath,
          ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.jest.json'],
          {
            cwd: project,
          },
        );
      }),
      step(
        'tsc --noEmit: jest test file (@types/jest globals) with "types": ["jest", "headroom/jest"]',
        async () => {
          await expectExit(
            0,
            process.execPath,
            ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.jest-globals.json'],
            { cwd: project },
          );
        },
      ),
    ]);
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

    await step('are-the-types-wrong (attw): no problem for node16 (CJS and ESM) or bundlers', async () => {
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
      const serious = problems.filter((p) => p.resolutionKind !== 'node10');
      const node10 = problems.filter((p) => p.resolutionKind === 'node10');
      const describe = (p) =>
        `${p.kind} ${p.entrypoint ?? ''}${p.resolutionKind ? ` (${p.resolutionKind})` : ''}`;
      if (serious.length) {
        throw new StepError(`attw found ${serious.length} problem(s)`, problems.map(describe).join('\n'));
      }
      return node10.length
        ? `node10 resolution (TypeScript's legacy "moduleResolution": "node") cannot see sub-path entries: ${node10
            .map((p) => p.entrypoint)
            .join(', ')} (needs typesVersions; Node ≥ 20 users are on node16/bundler)`
        : 'no problems in any resolution mode';
    });
  } else {
    skip('publint and attw', 'nothing was packed');
  }

  const failed = summary.filter((s) => !s.ok);
  console.log(`\ncheck:pack: ${summary.length - failed.length} of ${summary.length} steps passed`);
  if (failed.length === 0 && process.env.HEADROOM_KEEP_PACK !== '1')
    rmSync(work, { recursive: true, force: true });
  else console.log(`(kept ${work})`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((error) => {
  console.error(`FAIL  check:pack crashed: ${error.stack}`);
  process.exit(1);
});
