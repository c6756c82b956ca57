import { describe, expect, it } from 'vitest';
import { judge } from '../../../src/budget/judge.js';
import { parseBudget } from '../../../src/budget/parse.js';
import { formatMessage } from '../../../src/format/message.js';
import { formatBytes, formatMs } from '../../../src/format/units.js';
import type { Budget, Measurement } from '../../../src/types.js';
import { eventOf, measurementOf, q, req } from '../helpers.js';

function message(m: Measurement, budget: Budget, extra: Partial<Parameters<typeof formatMessage>[0]> = {}) {
  return formatMessage({
    matcher: 'toStayWithin',
    received: 'fn',
    isNot: false,
    verdicts: judge(m, parseBudget(budget)),
    measurement: m,
    maxTimeMs: 2000,
    ...extra,
  });
}

describe('units', () => {
  it('formats times and bytes with three significant digits, trailing zeros dropped', () => {
    expect([0.0004, 0.25, 3.14, 38.24, 250, 1500].map(formatMs)).toEqual([
      '400 ns',
      '250 µs',
      '3.14 ms',
      '38.2 ms',
      '250 ms',
      '1.5 s',
    ]);
    expect([512, 64_000, 2_100_000, 3e9, 1_234_567].map(formatBytes)).toEqual([
      '512 B',
      '64 kB',
      '2.1 MB',
      '3 GB',
      '1.23 MB',
    ]);
  });
});

describe('failure messages', () => {
  it('shows the table, queries grouped by shape with call sites, and the N+1 hint', () => {
    const events = [
      q('select * from users where id = 7', 0, 1, 'src/orders/service.ts:12:5'),
      ...Array.from({ length: 12 }, (_, i) =>
        q(`select * from orders where user_id = ${i}`, i + 1, i + 2, 'src/orders/repo.ts:41:11'),
      ),
      q('BEGIN', 20, 21),
    ];
    const m = measurementOf({
      events,
      calls: 26,
      samples: {
        durationMs: Array.from({ length: 25 }, (_, i) => 37 + (i % 5) * 0.5),
        cpuMs: [],
        eventLoopBlockMs: [],
        allocatedBytes: [],
      },
    });
    expect(message(m, { queries: 3, requests: 2, duration: '50ms' })).toMatchInlineSnapshot(`
      "expect(fn).toStayWithin(budget)

      Budget exceeded on 1 of 3 metrics (26 calls made).

          metric              budget   measured   headroom
        ✗ queries                  3         13        -10
        ✓ requests                 2          0         +2
        ✓ duration (median)    50 ms      38 ms     +12 ms   (25 calls, 99% CI 37.5–38.5 ms)

      Queries (13, grouped by shape):
        ×12  SELECT * FROM orders WHERE user_id = ?   at src/orders/repo.ts:41:11
        ×1   SELECT * FROM users WHERE id = ?         at src/orders/service.ts:12:5

      Hint: 12 executions of one shape from src/orders/repo.ts:41:11 look like an N+1: load them in one query (WHERE id IN (…), or a join) instead of one query per item."
    `);
  });

  it('shows requests grouped by method, host and path, the round-trip chain, and events outside the call', () => {
    const events = [
      req('GET', 'http://inventory.test/items/1', 0, 100),
      req('GET', 'http://inventory.test/items/2', 100, 200),
      req('POST', 'http://payments.test/charge', 200, 260),
    ];
    const outside = [
      eventOf({ kind: 'query', system: 'sqlite', statement: 'select 1' }, 50, 51, 'src/poller.ts:3:1'),
    ];
    const m = measurementOf({ events, outside });
    expect(message(m, { requests: 3, roundTrips: 1 })).toMatchInlineSnapshot(`
      "expect(fn).toStayWithin(budget)

      Budget exceeded on 1 of 2 metrics (1 call made).

          metric       budget   measured   headroom
        ✓ requests          3          3          0
        ✗ roundTrips        1          3         -2

      Requests (3, grouped by method, host and path):
        ×2  GET inventory.test/items/:id
        ×1  POST payments.test/charge

      Longest chain of round trips (3, each waiting for the previous):
          +0 ms  100 ms  |████████████                    |  GET inventory.test/items/:id
        +100 ms  100 ms  |            █████████████       |  GET inventory.test/items/:id
        +200 ms   60 ms  |                         ███████|  POST payments.test/charge

      Outside this call (not counted: 1 event in no measurement's context):
        ×1  SELECT ?   at src/poller.ts:3:1
        If these belong to the call, its async context was lost on the way; attribution: 'window' counts them.

      Hint: these calls wait for each other. Start the independent ones together (Promise.all), or fetch what they need in one round trip."
    `);
  });

  it('explains a blocked event loop and heavy allocation with what the rich probes found', () => {
    const m = measurementOf({
      calls: 3,
      samples: {
        durationMs: [],
        cpuMs: [],
        eventLoopBlockMs: [41.2, 40.8, 40.9],
        allocatedBytes: [9_100_000, 8_500_000, 8_510_000],
      },
    });
    expect(
      message(
        m,
        { eventLoopBlock: '10ms', allocated: '1MB' },
        {
          explanation: {
            block: {
              durationMs: 40.5,
              where: 'a timer callback (setTimeout/setInterval)',
              stack: ['src/report.ts:20:7', 'src/report.ts:8:3'],
            },
            allocations: [
              { functionName: 'buildRows', location: 'src/report.ts:31:18', bytes: 8_200_000 },
              { functionName: 'format', location: 'src/report.ts:44:9', bytes: 250_000 },
            ],
          },
        },
      ),
    ).toMatchInlineSnapshot(`
      "expect(fn).toStayWithin(budget)

      Budget exceeded on 2 of 2 metrics (3 calls made).

          metric           budget   measured   headroom
        ✗ eventLoopBlock    10 ms    40.8 ms   -30.8 ms   (least of 3 calls)
        ✗ allocated          1 MB    8.51 MB   -7.51 MB   (median of 3 calls)

      Longest block on a re-run: 40.5 ms in a timer callback (setTimeout/setInterval)
          at src/report.ts:20:7
          at src/report.ts:8:3
      Hint: synchronous work this long stalls every other request. Split it into chunks (await setImmediate between them), stream it, or move it to a worker thread.
      Top allocating functions on a re-run (sampling heap profiler):
        8.2 MB  buildRows   at src/report.ts:31:18
        250 kB  format   at src/report.ts:44:9
      Hint: reuse buffers, avoid intermediate arrays and strings in hot loops, or stream instead of building."
    `);
  });

  it('shows a leak by round and an inconclusive time verdict', () => {
    const m = measurementOf({
      metrics: ['retained', 'duration'],
      retained: {
        bytesPerCall: 1072,
        warmupCalls: 3,
        rounds: [0, 1, 2, 3].map((r) => ({ calls: r * 100, heapBytes: 10_000_000 + r * 107_200 })),
      },
      samples: {
        durationMs: Array.from({ length: 30 }, (_, i) => 10 + i),
        cpuMs: [],
        eventLoopBlockMs: [],
        allocatedBytes: [],
      },
    });
    expect(message(m, { retained: '100B', duration: '25ms' })).toMatchInlineSnapshot(`
      "expect(fn).toStayWithin(budget)

      Budget exceeded on 1 of 2 metrics (1 call made).

          metric              budget   measured   headroom
        ? duration (median)    25 ms    24.5 ms    +500 µs   (30 calls, 99% CI 17–32 ms)
        ✗ retained             100 B    1.07 kB     -972 B   (per call; slope over 3 rounds, 300 calls, after 3 warm-up calls)

      Heap after full GC by round: 10 MB → 10.1 MB → 10.2 MB → 10.3 MB
      Hint: every call leaves memory behind. Look for a cache without eviction, a listener or timer never removed, or a collection that only grows.
      Inconclusive: duration (median) could not be decided within maxTime 2 s: its CI 17–32 ms spans the limit. Please raise maxTime, or set the limit further from the typical value."
    `);
  });

  it('reads correctly under .not', () => {
    const m = measurementOf({ events: [q('select 1')] });
    const text = message(m, { queries: 5 }, { isNot: true });
    expect(text.split('\n').slice(0, 3).join('\n')).toMatchInlineSnapshot(`
      "expect(fn).not.toStayWithin(budget)

      Expected the budget to be exceeded, but every metric stayed within it (1 call made)."
    `);
  });

  it('caps long offender lists', () => {
    const events = Array.from({ length: 14 }, (_, i) => q(`select * from t${String.fromCharCode(97 + i)}`));
    const text = message(measurementOf({ events }), { queries: 1 });
    expect(text).toContain('…and 4 more');
  });
});
