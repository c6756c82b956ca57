import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeadroomError } from '../../../src/errors.js';
import { appendHistory, readHistory, toHistoryEntry } from '../../../src/report/history.js';
import { at, contract, metric, report, trace } from './history-fixtures.js';
import { bundleSource, runTogether } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `run-${n++}`, 'headroom-history.jsonl');

const sample = (i: number) =>
  report(
    [
      contract('a.test.ts › lists › toStayWithin', [
        metric('queries', 'count', 2, 2),
        metric('duration', 'ms', 20, 10 + i, { part: 'median', interval: [9, 12] }),
      ]),
      contract('a.test.ts › not › toStayWithin', [metric('queries', 'count', 1, 3)], { isNot: true }),
    ],
    { traces: [trace('a.test.ts › lists', { queries: 4, topQueries: [{ shape: 'SELECT 1', count: 4 }] })] },
    at(i),
  );

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HeadroomError);
    return (error as HeadroomError).code;
  }
  return undefined;
}

describe('toHistoryEntry', () => {
  it('keys contracts by id, metrics by metric key and traces by test id', () => {
    const entry = toHistoryEntry(sample(0));
    expect(entry).toEqual({
      schema: 'headroom-history',
      version: 1,
      createdAt: at(0),
      environment: sample(0).environment,
      contracts: {
        'a.test.ts › lists › toStayWithin': {
          pass: true,
          metrics: {
            queries: { measured: 2, limit: 2, unit: 'count', headroomPct: 0, status: 'pass' },
            'duration:median': { measured: 10, limit: 20, unit: 'ms', headroomPct: 50, status: 'pass' },
          },
        },
        // `.not` applied: the matcher failed, so the contract held.
        'a.test.ts › not › toStayWithin': {
          pass: true,
          metrics: { queries: { measured: 3, limit: 1, unit: 'count', headroomPct: -200, status: 'fail' } },
        },
      },
      traces: {
        'a.test.ts › lists': {
          queries: 4,
          repeatedQueries: 0,
          requests: 0,
          roundTrips: 1,
          eventLoopBlockMs: 0.5,
          durationMs: 3,
        },
      },
    });
  });
});

describe('appendHistory and readHistory', () => {
  it('reads a missing history as empty, appends one line per run, oldest first', () => {
    const path = fresh();
    expect(readHistory(path)).toEqual([]);
    for (let i = 0; i < 3; i++) appendHistory(path, sample(i));
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    expect(readHistory(path).map((e) => e.createdAt)).toEqual([at(0), at(1), at(2)]);
  });

  it('keeps the newest maxRuns runs', () => {
    const path = fresh();
    for (let i = 0; i < 7; i++) appendHistory(path, sample(i), { maxRuns: 5 });
    expect(readHistory(path).map((e) => e.createdAt)).toEqual([at(2), at(3), at(4), at(5), at(6)]);
    expect(code(() => appendHistory(path, sample(8), { maxRuns: 0 }))).toBe('HEADROOM_ERR_INVALID_OPTION');
  });

  it('refuses a corrupt line, naming the file and line, and leaves the file untouched', () => {
    const path = fresh();
    appendHistory(path, sample(0));
    appendHistory(path, sample(1));
    const lines = readFileSync(path, 'utf8').split('\n');
    const corrupt = [
      lines[0],
      '{"schema":"headroom-history","version":1,"createdAt":"x","contr',
      lines[1],
      '',
    ].join('\n');
    writeFileSync(path, corrupt);
    expect(code(() => appendHistory(path, sample(2)))).toBe('HEADROOM_ERR_BAD_FILE');
    expect(() => appendHistory(path, sample(2))).toThrow(/headroom-history\.jsonl: line 2 is not valid JSON/);
    expect(() => readHistory(path)).toThrow(/line 2 is not valid JSON/);
    expect(readFileSync(path, 'utf8')).toBe(corrupt);
  });

  it('refuses a foreign file (a report, another tool’s JSON lines, a newer version) and leaves it untouched', () => {
    const foreign = [
      `${JSON.stringify(sample(0), null, 2)}\n`, // a pretty-printed report
      `${JSON.stringify(sample(0))}\n`, // a report on one line
      '{"name":"other tool","value":1}\n',
      '[1,2,3]\n',
      `${JSON.stringify({ ...toHistoryEntry(sample(0)), version: 99 })}\n`,
      `${JSON.stringify({ schema: 'headroom-history', version: 1, createdAt: at(0) })}\n`, // no contracts
    ];
    for (const text of foreign) {
      const path = fresh();
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
      expect(code(() => appendHistory(path, sample(1)))).toBe('HEADROOM_ERR_BAD_FILE');
      expect(code(() => readHistory(path))).toBe('HEADROOM_ERR_BAD_FILE');
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
    const path = fresh();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, foreign[2] as string);
    expect(() => readHistory(path)).toThrow(/is not a headroom-history file .* never overwrites/);
  });

  it('loses no run when six processes append at once', async () => {
    // The children load history.ts bundled by esbuild: no dependency on a built dist/.
    const bundle = bundleSource('report/history', dir);
    const path = fresh();
    const codes = await runTogether(
      dir,
      bundle,
      path,
      6,
      `const { appendHistory } = m;
for (let i = 0; i < 5; i++) {
  appendHistory(path, {
    schema: 'headroom-report', version: 1, createdAt: new Date().toISOString(),
    environment: { node: process.version, platform: 'linux', arch: 'x64', cpu: 'x', cores: 1 },
    contracts: [{ id: 'w' + worker + ' run ' + i, file: 'a', test: 't', matcher: 'toStayWithin', pass: true,
      metrics: [{ metric: 'queries', unit: 'count', limit: 2, measured: 1, headroomPct: 50, status: 'pass' }],
      calls: 1, elapsedMs: 1 }],
    summary: { contracts: 1, passed: 1, failed: 0, inconclusive: 0, closeToEdge: 0 },
  });
}
`,
    );
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const runs = readHistory(path);
    expect(runs).toHaveLength(30);
    const ids = runs.flatMap((r) => Object.keys(r.contracts)).sort();
    const expected = Array.from({ length: 6 }, (_, w) =>
      Array.from({ length: 5 }, (_, i) => `w${w} run ${i}`),
    )
      .flat()
      .sort();
    expect(ids).toEqual(expected);
    // Each worker's runs are in its own order.
    for (let w = 0; w < 6; w++) {
      const mine = runs.flatMap((r) => Object.keys(r.contracts)).filter((id) => id.startsWith(`w${w} `));
      expect(mine).toEqual(Array.from({ length: 5 }, (_, i) => `w${w} run ${i}`));
    }
    // No temporary file or lock is left behind.
    expect(readdirSync(join(path, '..'))).toEqual(['headroom-history.jsonl']);
  });
});
