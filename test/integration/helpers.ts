// Helpers for the integration tests: copy a fixture suite into a fresh folder under
// `.headroom-tmp/`, run vitest or jest on it in a child process, and read back what happened to
// every test (status, messages, error codes) along with the runner's own output.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TMP = join(REPO, '.headroom-tmp');
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** One test as the runner reported it. */
export interface TestOutcome {
  file: string;
  /** Describe blocks and title, joined by " > ". */
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | string;
  /** The failure messages (with stacks, without colours). */
  messages: string[];
  /** `code` of each failure's error, where it had one (`HEADROOM_ERR_*`). */
  codes: (string | undefined)[];
}

/** A finished run of vitest or jest on a fixture suite. */
export interface RunResult {
  /** Exit code of the runner process. */
  code: number | null;
  /** stdout and stderr together, without colours. */
  output: string;
  stderr: string;
  tests: TestOutcome[];
  /** Errors of whole files (a file that failed to load), with their file. */
  fileErrors: string[];
  /** Wall time of the child process, in milliseconds. */
  elapsedMs: number;
  /** The test whose name ends with `title`; throws, listing what ran, if there is not exactly one. */
  test(title: string): TestOutcome;
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ unless it is newer than every source file (`npm test` has just built it), so that
 * running this file alone still tests the current sources.
 */
export function ensureBuilt(): void {
  const built = join(REPO, 'dist', 'index.js');
  const sources = Math.max(
    newestMtime(join(REPO, 'src')),
    newestMtime(join(REPO, 'integrations')),
    statSync(join(REPO, 'package.json')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

/**
 * `.headroom-tmp/node_modules/headroom` → the repository, so that `import 'headroom/vitest'` in a
 * fixture resolves through package.json `exports` to dist/, as it does for a user. vitest, jest and
 * the rest resolve from the repository's node_modules, one folder further up.
 */
function linkHeadroom(): void {
  const dir = join(TMP, 'node_modules');
  const link = join(dir, 'headroom');
  mkdirSync(dir, { recursive: true });
  try {
    if (readlinkSync(link) === '../..') return;
    unlinkSync(link);
  } catch {}
  try {
    symlinkSync('../..', link, 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** A fresh project folder under `.headroom-tmp/` holding a copy of one fixture suite. */
export interface Project {
  dir: string;
  remove(): void;
}

/**
 * Copies `fixtures/<suite>/` to a new folder `.headroom-tmp/<suite>-<random>/`, with a
 * package.json of the given module type. Set HEADROOM_KEEP_TMP=1 to keep the folder for a look.
 */
export function createProject(suite: string, type: 'module' | 'commonjs'): Project {
  linkHeadroom();
  const dir = join(TMP, `${suite}-${process.pid}-${randomBytes(4).toString('hex')}`);
  cpSync(join(FIXTURES, suite), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type }, null, 2)}\n`);
  return {
    dir,
    remove() {
      if (!process.env.HEADROOM_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment of a child runner: none of the parent vitest's variables, no colours. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_|NODE_OPTIONS$|NODE_ENV$|FORCE_COLOR$|TEST$)/.test(key)) continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  env.CI = 'true';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function result(
  raw: { code: number | null; stdout: string; stderr: string },
  tests: TestOutcome[],
  fileErrors: string[],
  elapsedMs: number,
): RunResult {
  const output = stripVTControlCharacters(raw.stdout + raw.stderr);
  return {
    code: raw.code,
    output,
    stderr: stripVTControlCharacters(raw.stderr),
    tests,
    fileErrors,
    elapsedMs,
    test(title) {
      const found = tests.filter((t) => t.name === title || t.name.endsWith(` > ${title}`));
      if (found.length !== 1) {
        const ran = tests.map((t) => `  ${t.status.padEnd(7)} ${t.file} > ${t.name}`).join('\n');
        throw new Error(
          `Expected one test named "${title}", found ${found.length}. Tests run:\n${ran}\n` +
            `File errors:\n${fileErrors.join('\n')}\nRunner output:\n${output}`,
        );
      }
      return found[0] as TestOutcome;
    },
  };
}

/**
 * A vitest reporter written into the project: one JSON line per test with its errors' `code`,
 * which neither vitest's default nor its JSON reporter prints.
 */
const VITEST_REPORTER = `import { writeFileSync } from 'node:fs';
export default class HarnessReporter {
  tests = [];
  fileErrors = [];
  onTestCaseResult(testCase) {
    const r = testCase.result();
    const errors = r.errors ?? [];
    this.tests.push({
      file: testCase.module.moduleId,
      name: testCase.fullName,
      status: r.state,
      messages: errors.map((e) => e.stack || e.message),
      codes: errors.map((e) => e.code),
    });
  }
  onTestRunEnd(modules, unhandledErrors) {
    for (const m of modules) for (const e of m.errors()) this.fileErrors.push(m.moduleId + ': ' + (e.stack || e.message));
    for (const e of unhandledErrors) this.fileErrors.push('unhandled: ' + (e.stack || e.message));
    writeFileSync(new URL('./harness-results.json', import.meta.url), JSON.stringify(this));
  }
}
`;

/**
 * Runs `vitest run` on a project, as `node node_modules/vitest/vitest.mjs run --root <dir>`, with
 * extra command-line `args`.
 */
export async function runVitest(
  project: Project,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  /** False when the project's config lists the reporters itself (a CLI `--reporter` replaces them). */
  cliReporters = true,
): Promise<RunResult> {
  writeFileSync(join(project.dir, 'harness-reporter.mjs'), VITEST_REPORTER);
  const started = performance.now();
  const raw = await run(
    [
      join(REPO, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--root',
      project.dir,
      ...(cliReporters
        ? ['--reporter=default', `--reporter=${join(project.dir, 'harness-reporter.mjs')}`]
        : []),
      ...args,
    ],
    REPO,
    env,
  );
  const elapsedMs = performance.now() - started;
  const file = join(project.dir, 'harness-results.json');
  if (!existsSync(file)) return result(raw, [], ['vitest wrote no results'], elapsedMs);
  const report = JSON.parse(readFileSync(file, 'utf8')) as { tests: TestOutcome[]; fileErrors: string[] };
  const tests = report.tests.map((t) => ({
    ...t,
    file: relative(project.dir, t.file),
    messages: t.messages.map(stripVTControlCharacters),
  }));
  return result(raw, tests, report.fileErrors, elapsedMs);
}

interface JestJson {
  testResults: {
    name: string;
    message?: string;
    testExecError?: { message?: string };
    assertionResults: {
      ancestorTitles: string[];
      title: string;
      status: string;
      failureMessages: string[];
      failureDetails?: unknown[];
    }[];
  }[];
}

/**
 * Runs jest on a project, as `node node_modules/jest/bin/jest.js --rootDir <dir>`, with
 * `--experimental-vm-modules` for native ESM, and extra command-line `args`.
 */
export async function runJest(
  project: Project,
  options: { esm?: boolean; args?: string[]; env?: NodeJS.ProcessEnv; ci?: boolean } = {},
): Promise<RunResult> {
  const file = join(project.dir, 'jest-results.json');
  const started = performance.now();
  const raw = await run(
    [
      ...(options.esm ? ['--experimental-vm-modules'] : []),
      join(REPO, 'node_modules/jest/bin/jest.js'),
      '--rootDir',
      project.dir,
      '--config',
      join(project.dir, 'jest.config.cjs'),
      ...(options.ci === false ? [] : ['--ci']),
      '--json',
      '--outputFile',
      file,
      ...(options.args ?? []),
    ],
    REPO,
    options.env,
  );
  const elapsedMs = performance.now() - started;
  if (!existsSync(file)) return result(raw, [], ['jest wrote no results'], elapsedMs);
  const report = JSON.parse(readFileSync(file, 'utf8')) as JestJson;
  const tests: TestOutcome[] = [];
  const fileErrors: string[] = [];
  for (const suite of report.testResults) {
    const name = relative(project.dir, suite.name);
    if (suite.testExecError) fileErrors.push(`${name}: ${suite.testExecError.message}`);
    else if (suite.assertionResults.length === 0 && suite.message)
      fileErrors.push(`${name}: ${suite.message}`);
    for (const a of suite.assertionResults) {
      tests.push({
        file: name,
        name: [...a.ancestorTitles, a.title].join(' > '),
        status: a.status,
        messages: a.failureMessages.map(stripVTControlCharacters),
        codes: (a.failureDetails ?? []).map((d) => (d as { code?: string } | null)?.code),
      });
    }
  }
  return result(raw, tests, fileErrors.map(stripVTControlCharacters), elapsedMs);
}
