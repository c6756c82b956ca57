import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { longestChain } from '../../../src/budget/judge.js';
import type { ContractResult } from '../../../src/matchers/results.js';
import {
  formatInterval,
  formatMetricValue,
  RESULTS_ENV,
  ROOT_ENV,
  reportPath,
  resetContractIds,
  toReportContract,
  writeResultLine,
} from '../../../src/report/collect.js';
import type { ReportMetric } from '../../../src/report/schema.js';
import type { RecordedEvent, Verdict } from '../../../src/types.js';
import { eventOf, measurementOf, q, req } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-collect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const savedEnv = { root: process.env[ROOT_ENV], results: process.env[RESULTS_ENV] };
afterEach(() => {
  for (const [key, value] of [
    [ROOT_ENV, savedEnv.root],
    [RESULTS_ENV, savedEnv.results],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('reportPath', () => {
  it('is relative to HEADROOM_REPORT_ROOT, else to the working directory, with / separators', () => {
    process.env[ROOT_ENV] = '/home/ci/project';
    expect(reportPath('/home/ci/project/test/orders/list.test.ts')).toBe('test/orders/list.test.ts');
    delete process.env[ROOT_ENV];
    expect(reportPath(join(process.cwd(), 'test', 'a.test.ts'))).toBe('test/a.test.ts');
  });

  it('takes an explicit root over the environment', () => {
    process.env[ROOT_ENV] = '/elsewhere';
    expect(reportPath('/repo/pkg/test/a.test.ts', '/repo/pkg')).toBe('test/a.test.ts');
  });

  it('keeps a path outside the root as it is, including a sibling folder that shares the root as a prefix', () => {
    expect(reportPath('/other/a.test.ts', '/repo')).toBe('/other/a.test.ts');
    expect(reportPath('/repo-two/a.test.ts', '/repo')).toBe('/repo-two/a.test.ts');
  });

  it('names an unknown file', () => {
    expect(reportPath(undefined, '/repo')).toBe('(unknown file)');
    expect(reportPath('', '/repo')).toBe('(unknown file)');
  });
});

const verdict = (
  metric: Verdict['metric'],
  unit: Verdict['unit'],
  limit: number,
  measured: number,
  extra: Partial<Verdict> = {},
): Verdict => ({
  metric,
  unit,
  limit,
  measured,
  headroom: limit - measured,
  status: measured <= limit ? 'pass' : 'fail',
  ...extra,
});

const result = (extra: Partial<ContractResult> = {}): ContractResult => ({
  matcher: 'toStayWithin',
  verdicts: [verdict('queries', 'count', 2, 1)],
  pass: true,
  testName: 'orders > list',
  ...extra,
});

describe('toReportContract', () => {
  it('ids are `file › test › matcher`, with ` › label`, and ` #n` for repeats of one test until reset', () => {
    const ids = () => [
      toReportContract(result(), 'test/a.test.ts').id,
      toReportContract(result(), 'test/a.test.ts').id,
      toReportContract(result({ label: 'cold' }), 'test/a.test.ts').id,
      toReportContract(result({ label: 'cold' }), 'test/a.test.ts').id,
      toReportContract(result({ matcher: 'toScale', verdicts: [] }), 'test/a.test.ts').id,
      toReportContract(result(), 'test/a.test.ts').id,
      toReportContract(result({ testName: 'orders > detail' }), 'test/a.test.ts').id,
      toReportContract(result(), 'test/b.test.ts').id,
    ];
    const expected = [
      'test/a.test.ts › orders > list › toStayWithin',
      'test/a.test.ts › orders > list › toStayWithin #2',
      'test/a.test.ts › orders > list › toStayWithin › cold',
      'test/a.test.ts › orders > list › toStayWithin › cold #2',
      'test/a.test.ts › orders > list › toScale',
      'test/a.test.ts › orders > list › toStayWithin #3',
      'test/a.test.ts › orders > detail › toStayWithin',
      'test/b.test.ts › orders > list › toStayWithin',
    ];
    expect(ids()).toEqual(expected);
    resetContractIds();
    expect(ids()).toEqual(expected);
  });

  it('takes the test name and label from the measurement when the result has none', () => {
    const c = toReportContract(
      result({
        testName: undefined,
        measurement: measurementOf({ testName: 'from measure', label: 'warm' }),
      }),
      'a.ts',
    );
    expect(c).toMatchObject({
      id: 'a.ts › from measure › toStayWithin › warm',
      test: 'from measure',
      label: 'warm',
    });
    const outside = toReportContract(result({ testName: undefined }), 'a.ts');
    expect(outside.test).toBe('(outside a test)');
    expect(outside).not.toHaveProperty('label');
  });

  it('computes headroom % of the limit: null for a zero limit, negative over budget', () => {
    const c = toReportContract(
      result({
        pass: false,
        verdicts: [
          verdict('queries', 'count', 4, 1),
          verdict('requests', 'count', 0, 0),
          verdict('repeatedQueries', 'count', 0, 3),
          verdict('duration', 'ms', 20, 25, { part: 'median', evidence: '25 calls', interval: [24, 26] }),
          verdict('eventLoopBlock', 'ms', 5, 5.2, { status: 'inconclusive', note: 'within the resolution' }),
        ],
      }),
      'a.ts',
    );
    expect(c.metrics.map((m) => m.headroomPct)).toEqual([75, null, null, -25, expect.closeTo(-4, 9)]);
    expect(c.metrics[3]).toEqual({
      metric: 'duration',
      part: 'median',
      unit: 'ms',
      limit: 20,
      measured: 25,
      headroomPct: -25,
      status: 'fail',
      evidence: '25 calls',
      interval: [24, 26],
    });
    // A note stands in for missing evidence.
    expect(c.metrics[4]).toMatchObject({ status: 'inconclusive', evidence: 'within the resolution' });
    expect(c.metrics[0]).not.toHaveProperty('part');
    expect(c.pass).toBe(false);
  });

  it('appends the rows of toScale and toBeFasterThan after the verdicts, and keeps the scale', () => {
    const row: ReportMetric = {
      metric: 'duration',
      unit: 'ratio',
      limit: 1.5,
      measured: 2.3,
      headroomPct: 34.8,
      status: 'pass',
      limitText: '1.5× faster',
      measuredText: '2.3× faster',
    };
    const scale = { sizes: [10, 100], series: [] };
    const c = toReportContract(
      result({
        matcher: 'toBeFasterThan',
        verdicts: [verdict('queries', 'count', 1, 1)],
        rows: [row],
        scale,
        calls: 50,
        elapsedMs: 12.34567,
      }),
      'a.ts',
    );
    expect(c.metrics).toHaveLength(2);
    expect(c.metrics[1]).toEqual(row);
    expect(c.scale).toEqual(scale);
    expect(c.calls).toBe(50);
    expect(c.elapsedMs).toBe(12.346);
    expect(c).not.toHaveProperty('events');
    expect(c).not.toHaveProperty('isNot');
    expect(toReportContract(result({ isNot: true }), 'a.ts').isNot).toBe(true);
  });

  it('keeps the first call’s events relative to the first start, in start order, with the longest chain flagged', () => {
    // A chain of three (q1 → request → q3) and a query nested in the request (not a round trip of
    // its own), given out of order; a request still running at the end.
    const q1 = q('SELECT * FROM carts WHERE id = 1', 100, 101);
    const inner = q('SELECT price FROM items', 102.5, 103);
    const r = req('GET', 'https://pricing.test/quote', 102, 106);
    const q3 = q('INSERT INTO orders VALUES (1)', 107, 109);
    const failed = eventOf(
      { kind: 'request', method: 'POST', url: 'https://pay.test/', host: 'pay.test' },
      110,
    );
    failed.error = 'socket hang up';
    const events = [q3, inner, failed, q1, r];
    const c = toReportContract(
      result({ measurement: measurementOf({ events, calls: 3, elapsedMs: 9 }) }),
      'a.ts',
    );
    expect(c.calls).toBe(3);
    expect(c.events).toEqual([
      { kind: 'query', label: 'SELECT * FROM carts WHERE id = 1', startMs: 0, endMs: 1, chain: true },
      { kind: 'request', label: 'GET https://pricing.test/quote', startMs: 2, endMs: 6, chain: true },
      { kind: 'query', label: 'SELECT price FROM items', startMs: 2.5, endMs: 3 },
      { kind: 'query', label: 'INSERT INTO orders VALUES (1)', startMs: 7, endMs: 9, chain: true },
      { kind: 'request', label: 'POST https://pay.test/', startMs: 10, error: 'socket hang up', chain: true },
    ]);
    expect(longestChain(events)).toHaveLength(4);
  });

  it('caps events at the first 200 by start, flags the chain among them, and truncates long labels', () => {
    const events: RecordedEvent[] = [];
    // 250 sequential queries, given latest first; and one custom event with a long detail.
    for (let i = 249; i >= 0; i--) events.push(q(`SELECT ${i}`, 1000 + i * 2, 1000 + i * 2 + 1));
    events.push(eventOf({ kind: 'custom', name: 'queue.publish', detail: 'x'.repeat(400) }, 1000.5, 1000.6));
    const c = toReportContract(result({ measurement: measurementOf({ events }) }), 'a.ts');
    expect(c.events).toHaveLength(200);
    expect(c.events?.[0]).toMatchObject({ label: 'SELECT 0', startMs: 0, endMs: 1, chain: true });
    expect(c.events?.[1]?.label).toHaveLength(300);
    expect(c.events?.[1]?.label.startsWith('queue.publish xxx')).toBe(true);
    expect(c.events?.[1]?.label.endsWith('x…')).toBe(true);
    expect(c.events?.[1]).not.toHaveProperty('chain'); // nested in SELECT 0's span
    expect(c.events?.at(-1)).toMatchObject({ label: 'SELECT 198', startMs: 396, chain: true });
    expect(c.events?.filter((e) => e.chain)).toHaveLength(199);
  });
});

describe('formatMetricValue and formatInterval', () => {
  const m = (
    unit: ReportMetric['unit'],
    limit: number,
    measured: number,
    extra: Partial<ReportMetric> = {},
  ): ReportMetric => ({
    metric: 'x',
    unit,
    limit,
    measured,
    headroomPct: null,
    status: 'pass',
    ...extra,
  });

  it('formats by unit', () => {
    expect(formatMetricValue(m('ms', 50, 38.24), 'measured')).toBe('38.2 ms');
    expect(formatMetricValue(m('ms', 0.85, 0), 'limit')).toBe('850 µs');
    expect(formatMetricValue(m('bytes', 2_000_000, 1_730_000), 'limit')).toBe('2 MB');
    expect(formatMetricValue(m('bytes', 2_000_000, 1_730_000), 'measured')).toBe('1.73 MB');
    expect(formatMetricValue(m('count', 3, 14), 'measured')).toBe('14');
    expect(formatMetricValue(m('ratio', 1.5, 2.3456), 'measured')).toBe('2.35');
    expect(formatMetricValue(m('class', 2, 3), 'limit')).toBe('2');
  });

  it('uses limitText and measuredText when set, each for its own side', () => {
    const row = m('class', 2, 3, { limitText: 'linear', measuredText: 'quadratic' });
    expect(formatMetricValue(row, 'limit')).toBe('linear');
    expect(formatMetricValue(row, 'measured')).toBe('quadratic');
    expect(formatMetricValue(m('ratio', 1.5, 2.3, { limitText: '1.5× faster' }), 'measured')).toBe('2.3');
  });

  it('formats an interval of a ms, bytes or count row only', () => {
    expect(formatInterval(m('ms', 50, 38, { interval: [36.9, 39.8] }))).toBe('36.9–39.8 ms');
    expect(formatInterval(m('ms', 50, 38))).toBeUndefined();
    expect(formatInterval(m('ratio', 1.5, 2, { interval: [1.9, 2.1] }))).toBeUndefined();
  });
});

describe('writeResultLine', () => {
  const line = (i: number) =>
    ({
      type: 'trace',
      trace: {
        id: `a › t${i}`,
        file: 'a',
        test: `t${i}`,
        queries: i,
        repeatedQueries: 0,
        requests: 0,
        roundTrips: 0,
        eventLoopBlockMs: 0,
        durationMs: 1,
      },
    }) as const;

  it('writes nothing when no reporter asked for results', () => {
    delete process.env[RESULTS_ENV];
    const before = readdirSync(dir);
    writeResultLine(line(0));
    expect(readdirSync(dir)).toEqual(before);
  });

  it('appends one JSON line per call to this worker’s file in HEADROOM_REPORT_RESULTS', () => {
    const results = join(dir, 'results', 'nested');
    process.env[RESULTS_ENV] = results;
    for (let i = 1; i <= 3; i++) writeResultLine(line(i));
    expect(readdirSync(results)).toEqual([`worker-${process.pid}-${threadId}.jsonl`]);
    const text = readFileSync(join(results, `worker-${process.pid}-${threadId}.jsonl`), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([line(1), line(2), line(3)]);
    // Unset again: nothing more is written.
    delete process.env[RESULTS_ENV];
    writeResultLine(line(4));
    expect(readFileSync(join(results, `worker-${process.pid}-${threadId}.jsonl`), 'utf8')).toBe(text);
  });

  it('makes the folder again when it was removed meanwhile', () => {
    const results = join(dir, 'results', 'nested');
    process.env[RESULTS_ENV] = results;
    rmSync(results, { recursive: true, force: true });
    writeResultLine(line(5));
    const text = readFileSync(join(results, `worker-${process.pid}-${threadId}.jsonl`), 'utf8');
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([line(5)]);
  });
});
