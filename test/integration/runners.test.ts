// headroom as a user meets it: vitest and jest, each in a child process, run the fixture suites in
// ./fixtures (copied to `.headroom-tmp/`, importing 'headroom' through package.json exports from
// dist/). The fixtures are the usage examples; each test here states what the runner shows for
// one of them: which tests pass or fail, the exit code, and the failure messages.
//
// Six runs start together in `beforeAll` (about 5-8 s on 2 cores): vitest and jest (CommonJS) over
// the fixtures, the same two keeping only the contracts that hold (exit code 0), jest on
// unawaited.spec.ts alone, and jest on native ES modules.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, ensureBuilt, type Project, type RunResult, runJest, runVitest } from './helpers.js';

/** Keeps the tests whose name does not start with "fails:" (the deliberate failures). */
const ONLY_HOLDING = '--testNamePattern=^(?!.*fails:)';

type RunName = 'vitest' | 'vitestHolding' | 'jest' | 'jestHolding' | 'jestUnawaited' | 'jestEsm';
const projects: Project[] = [];
const runs = {} as Record<RunName, RunResult>;

beforeAll(async () => {
  ensureBuilt();
  const project = (suite: string, type: 'module' | 'commonjs') => {
    const p = createProject(suite, type);
    projects.push(p);
    return p;
  };
  const started: Record<RunName, Promise<RunResult>> = {
    vitest: runVitest(project('vitest', 'module')),
    vitestHolding: runVitest(project('vitest', 'module'), [ONLY_HOLDING]),
    // unawaited.spec.ts runs on its own under jest: its matcher outlives the test file, and
    // whatever that does to the process must not take the other files' results with it.
    jest: runJest(project('jest', 'commonjs'), { args: ['--testPathIgnorePatterns=unawaited'] }),
    jestHolding: runJest(project('jest', 'commonjs'), { args: [ONLY_HOLDING] }),
    jestUnawaited: runJest(project('jest', 'commonjs'), { args: ['unawaited'] }),
    jestEsm: runJest(project('jest-esm', 'module'), { esm: true }),
  };
  for (const [name, run] of Object.entries(started)) runs[name as RunName] = await run;
}, 180_000);

afterAll(() => {
  for (const p of projects) p.remove();
});

/** The 1-based line of the first occurrence of `text` in a fixture. */
function lineOf(fixture: string, text: string): number {
  const lines = readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" is not in ${fixture}`);
  return index + 1;
}

const RECORD_CALL = "record({ kind: 'query'";

/** The assertions every N+1 failure message must satisfy: verdict, table row, grouped shape. */
function expectNPlusOneMessage(message: string, shape: string): void {
  expect(message).toContain('expect(fn).toStayWithin(budget)');
  expect(message).toContain('Budget exceeded on 1 of 1 metric (1 call made).');
  expect(message).toMatch(/metric +budget +measured +headroom/);
  expect(message).toMatch(/✗ queries +1 +3 +-2/);
  expect(message).toContain('Queries (3, grouped by shape):');
  expect(message).toContain(`×3  ${shape}`);
  expect(message).toContain('look like an N+1');
}

function describeRunner(runner: 'vitest' | 'jest', suite: string, kind: string) {
  const run = () => runs[runner];
  const holding = () => runs[runner === 'vitest' ? 'vitestHolding' : 'jestHolding'];
  const unawaited = () => runs[runner === 'vitest' ? 'vitest' : 'jestUnawaited'];

  describe(`${runner}: contracts.spec.ts (${kind})`, () => {
    it('exits 1 when a contract fails, and 0 when every contract holds', () => {
      expect(run().fileErrors).toEqual([]);
      expect(run().code).toBe(1);
      expect(holding().code, holding().output).toBe(0);
      expect(holding().tests.filter((t) => t.status === 'failed')).toEqual([]);
      expect(holding().tests.filter((t) => t.status === 'passed').length).toBeGreaterThanOrEqual(5);
    });

    it('passes a contract that holds: one query, no repeats, under 1 MB allocated, no long block', () => {
      expect(run().test('loads the orders of three users in one query')).toMatchObject({
        status: 'passed',
        messages: [],
      });
    });

    it('fails an N+1 with the budget table, the statements grouped by shape and their call site', () => {
      const t = run().test('fails: one query per user is an N+1');
      expect(t.status).toBe('failed');
      const message = t.messages.join('\n');
      expectNPlusOneMessage(message, 'SELECT * FROM orders WHERE user_id = ?');
      // The call site is the line of the fixture that issued the queries.
      const line = lineOf(`${suite}/contracts.spec.ts`, RECORD_CALL);
      expect(message).toMatch(new RegExp(`×3 +SELECT .*? at \\S*contracts\\.spec\\.ts:${line}:\\d+`));
      // The runner prints the message too.
      expect(run().output).toMatch(/✗ queries +1 +3 +-2/);
      expect(run().output).toContain('×3  SELECT * FROM orders WHERE user_id = ?');
    });

    it('.not passes when the budget is exceeded, and fails when it holds', () => {
      expect(run().test('.not: one query per user exceeds a one-query budget').status).toBe('passed');
      const t = run().test('fails: .not on a contract that holds');
      expect(t.status).toBe('failed');
      const message = t.messages.join('\n');
      expect(message).toContain('expect(fn).not.toStayWithin(budget)');
      expect(message).toContain(
        'Expected the budget to be exceeded, but every metric stayed within it (1 call made).',
      );
      expect(message).toMatch(/✓ queries +1 +1 +0/);
    });

    it('fails a 40 ms synchronous block against a 10ms eventLoopBlock budget, and says where it was', () => {
      const t = run().test('fails: a 40 ms synchronous parse blocks the event loop');
      expect(t.status).toBe('failed');
      const message = t.messages.join('\n');
      const row = /✗ eventLoopBlock +10 ms +([\d.]+) ms/.exec(message);
      expect(row, message).not.toBeNull();
      expect(Number(row?.[1])).toBeGreaterThanOrEqual(38);
      expect(message).toContain('(least of 3 calls)');
      expect(message).toContain('Longest block on a re-run:');
      expect(message).toContain('Hint: synchronous work this long stalls every other request.');
    });

    // Known bug in src/probes/event-loop.ts: EventLoopProbe.start() calls histogram.reset(), which
    // also forgets the time of the monitor's last tick; the first tick after a reset only records
    // that time. A block that ends before that tick (here: right after an await that resolves at
    // once) is never seen, and the contract passes. Drop `.fails` once it is fixed.
    // The block runs in the call's first macrotask, before the event-loop monitor has ticked once
    // (headroom missed it before c8f6c0d).
    it('fails a 40 ms block that runs after an await, too', () => {
      const t = run().test('fails: a 40 ms parse after an await blocks the event loop too');
      expect(t.status).toBe('failed');
      const message = t.messages.join('\n');
      const row = /✗ eventLoopBlock +10 ms +([\d.]+) ms/.exec(message);
      expect(row, message).not.toBeNull();
      expect(Number(row?.[1])).toBeGreaterThanOrEqual(38);
      expect(message).toContain('Longest block on a re-run:');
    });

    it('rejects a misspelt budget key with HeadroomError HEADROOM_ERR_UNKNOWN_KEY', () => {
      expect(run().test('a misspelt budget key rejects with HEADROOM_ERR_UNKNOWN_KEY').status).toBe('passed');
      const t = run().test('fails: a misspelt budget key, uncaught, names the fix');
      expect(t.status).toBe('failed');
      expect(t.codes).toEqual(['HEADROOM_ERR_UNKNOWN_KEY']);
      expect(t.messages.join('\n')).toContain(
        'HeadroomError: Failed to read the budget: `querys` is not a key headroom knows. Did you mean `queries`?',
      );
      expect(run().output).toContain('Did you mean `queries`?');
    });
  });

  describe(`${runner}: unawaited.spec.ts`, () => {
    // What the runners themselves do about it: vitest 4 tracks only its own async assertions
    // (resolves/rejects, expect.poll), so an un-awaited custom matcher gets neither its warning nor
    // its auto-await; jest has no such check at all. headroom's afterEach is what catches it.
    it('fails a test whose contract is not awaited with HEADROOM_ERR_NOT_AWAITED', () => {
      const t = unawaited().test('fails: a contract that is not awaited');
      expect(t.status).toBe('failed');
      expect(t.codes).toEqual(['HEADROOM_ERR_NOT_AWAITED']);
      expect(t.messages.join('\n')).toContain(
        'a headroom matcher was still running when the test "fails: a contract that is not awaited" ended',
      );
      expect(t.messages.join('\n')).toContain('Please await it: `await expect(fn).toStayWithin(budget)`.');
    });

    it('does not affect the next test', () => {
      expect(unawaited().test('the next test runs normally').status).toBe('passed');
    });

    // The forgotten measurement goes on after its test file has ended. Under jest this once
    // crashed the worker: headroom's runtime lived on the test file's global object, which jest 30
    // "soft-deletes" at teardown, and the measurement's next write recursed in jest's setter. The
    // runtime now lives on a core module's export.
    it('the run ends normally, with exit code 1 and no crash', () => {
      expect(unawaited().fileErrors).toEqual([]);
      expect(unawaited().code).toBe(1);
      expect(unawaited().output).not.toMatch(/RangeError|Maximum call stack size exceeded/);
    });
  });
}

describeRunner('vitest', 'vitest', 'TypeScript, ES module');
describeRunner('jest', 'jest', 'TypeScript compiled to CommonJS by @swc/jest');

describe('module systems', () => {
  it('vitest: an ES module test file (esm.spec.mjs) passes and fails contracts', () => {
    expect(runs.vitest.test('a contract that holds (ESM)').status).toBe('passed');
    const t = runs.vitest.test('fails: a contract that does not hold (ESM)');
    expect(t.status).toBe('failed');
    expectNPlusOneMessage(t.messages.join('\n'), 'SELECT * FROM users WHERE id = ?');
    const line = lineOf('vitest/esm.spec.mjs', RECORD_CALL);
    expect(t.messages.join('\n')).toMatch(new RegExp(`at \\S*esm\\.spec\\.mjs:${line}:\\d+`));
  });

  it("vitest: a CommonJS test file (commonjs.spec.cjs) counts queries recorded by require('headroom')", () => {
    expect(runs.vitest.test('a contract that holds (CommonJS)').status).toBe('passed');
    const t = runs.vitest.test('fails: a contract that does not hold (CommonJS)');
    expect(t.status).toBe('failed');
    expectNPlusOneMessage(t.messages.join('\n'), 'SELECT * FROM users WHERE id = ?');
  });

  it('jest: a CommonJS test file (commonjs.spec.cjs) with injected globals passes and fails contracts', () => {
    expect(runs.jest.test('a contract that holds (CommonJS)').status).toBe('passed');
    const t = runs.jest.test('fails: a contract that does not hold (CommonJS)');
    expect(t.status).toBe('failed');
    expectNPlusOneMessage(t.messages.join('\n'), 'SELECT * FROM users WHERE id = ?');
    const line = lineOf('jest/commonjs.spec.cjs', RECORD_CALL);
    expect(t.messages.join('\n')).toMatch(new RegExp(`at \\S*commonjs\\.spec\\.cjs:${line}:\\d+`));
  });

  it('jest --experimental-vm-modules: an ES module test file (esm.spec.mjs) passes and fails contracts', () => {
    expect(runs.jestEsm.fileErrors).toEqual([]);
    expect(runs.jestEsm.code).toBe(1);
    expect(runs.jestEsm.test('a contract that holds (ESM)').status).toBe('passed');
    const t = runs.jestEsm.test('fails: a contract that does not hold (ESM)');
    expect(t.status).toBe('failed');
    expectNPlusOneMessage(t.messages.join('\n'), 'SELECT * FROM users WHERE id = ?');
  });

  // Known bug in src/measure/recorder.ts: an event keeps its captured stack under a private
  // `Symbol('headroom.stack')`, one per loaded copy of headroom. When the test file loads the other
  // build than the setup file (CommonJS spec under vitest's ESM setup; ESM spec under jest's
  // CommonJS setup), the matcher's copy cannot read the stack: the queries are counted, but the
  // message names no call site. Drop `.fails` once it is fixed (e.g. Symbol.for).
  it('names the call site when the test file and the setup file load different builds', () => {
    const cjs = runs.vitest.test('fails: a contract that does not hold (CommonJS)').messages.join('\n');
    expect(cjs).toMatch(/at \S*commonjs\.spec\.cjs:\d+:\d+/);
    const esm = runs.jestEsm.test('fails: a contract that does not hold (ESM)').messages.join('\n');
    expect(esm).toMatch(/at \S*esm\.spec\.mjs:\d+:\d+/);
  });
});
