import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countedQueries, longestChain, repeatedQueryCount } from '../../../src/budget/judge.js';
import { isRecording, record } from '../../../src/measure/recorder.js';
import { statementShape } from '../../../src/measure/sql.js';
import { RESULTS_ENV, ROOT_ENV } from '../../../src/report/collect.js';
import {
  endTestTrace,
  roundTripCount,
  startTestTrace,
  TRACE_ENV,
  tracingTests,
} from '../../../src/report/trace-tests.js';
import type { RecordedEvent } from '../../../src/types.js';
import { eventOf, q } from '../helpers.js';

const ev = (start: number, end: number | undefined): RecordedEvent =>
  eventOf({ kind: 'query', system: 'sqlite', statement: 'SELECT 1' }, start, end);

/**
 * The definition of a round-trip count, written as plainly as possible: drop every ended event
 * whose span lies within another ended event's (of identical spans, keep one), then take the longest
 * path in "a ended, and b starts at or after a's end" (an unfinished event can only come last).
 */
function referenceRoundTrips(events: readonly RecordedEvent[]): number {
  const ended = events.filter((e) => e.endMs !== undefined);
  const nested = (inner: RecordedEvent) =>
    inner.endMs !== undefined &&
    ended.some(
      (outer, k) =>
        outer !== inner &&
        outer.startMs <= inner.startMs &&
        (outer.endMs as number) >= inner.endMs! &&
        (outer.startMs !== inner.startMs || outer.endMs !== inner.endMs || k < ended.indexOf(inner)),
    );
  const io = events.filter((e) => !nested(e));
  const memo = new Map<RecordedEvent, number>();
  const longestFrom = (a: RecordedEvent): number => {
    const known = memo.get(a);
    if (known !== undefined) return known;
    let best = 1;
    if (a.endMs !== undefined)
      for (const b of io) if (b !== a && b.startMs >= a.endMs) best = Math.max(best, 1 + longestFrom(b));
    memo.set(a, best);
    return best;
  };
  return io.reduce((best, e) => Math.max(best, longestFrom(e)), 0);
}

// Integer times on a small range, so that touching, identical, nested and zero-length spans are common.
const span = fc.record({ start: fc.integer({ min: 0, max: 30 }), length: fc.integer({ min: 0, max: 12 }) });
const endedEvents = fc
  .array(span, { maxLength: 14 })
  .map((xs) => xs.map((x) => ev(x.start, x.start + x.length)));
const someUnfinished = fc
  .array(fc.record({ span, finished: fc.boolean() }), { maxLength: 14 })
  .map((xs) => xs.map((x) => ev(x.span.start, x.finished ? x.span.start + x.span.length : undefined)));

describe('roundTripCount', () => {
  it('agrees with longestChain (and the definition) on ended events, nested, touching, identical or zero-length', () => {
    fc.assert(
      fc.property(endedEvents, (events) => {
        const n = roundTripCount(events);
        expect(n).toBe(longestChain(events).length);
        expect(n).toBe(referenceRoundTrips(events));
      }),
      { numRuns: 3000 },
    );
  });

  it('counts a chain of nested calls as their outer events, and an empty list as 0', () => {
    expect(roundTripCount([])).toBe(0);
    // A request [0, 10] with three sequential queries of its handler inside, then a query [10, 12].
    const events = [ev(0, 10), ev(1, 2), ev(3, 4), ev(5, 9), ev(10, 12)];
    expect(roundTripCount(events)).toBe(2);
    expect(longestChain(events)).toHaveLength(2);
  });

  it('counts an unfinished event that starts after the chain as one more round trip', () => {
    const events = [ev(0, 1), ev(1, 2), ev(3, undefined)];
    expect(roundTripCount(events)).toBe(3);
    expect(longestChain(events)).toHaveLength(3);
    expect(roundTripCount([ev(0, undefined), ev(5, undefined)])).toBe(1);
  });

  // An unfinished event that started before the chain's last event ended cannot follow it
  // (roundTripCount once counted every unfinished event as one more round trip).
  it('does not count an unfinished event that started while the chain was still running', () => {
    const events = [ev(0, 10), ev(5, undefined)];
    expect(longestChain(events)).toHaveLength(1);
    expect(roundTripCount(events)).toBe(1);
  });

  // The same as a property, against a brute-force reference.
  it('agrees with the definition when some events have not ended', () => {
    fc.assert(
      fc.property(someUnfinished, (events) => {
        expect(roundTripCount(events)).toBe(referenceRoundTrips(events));
      }),
      { numRuns: 2000, seed: 20261128 },
    );
  });

  it('takes well under a second for 20,000 events', () => {
    // 10,000 sequential requests, each with a query nested in it, given in reverse order.
    const events: RecordedEvent[] = [];
    for (let i = 9_999; i >= 0; i--) events.push(ev(i * 10, i * 10 + 8), ev(i * 10 + 2, i * 10 + 5));
    const t0 = performance.now();
    const n = roundTripCount(events);
    const elapsed = performance.now() - t0;
    expect(n).toBe(10_000);
    expect(elapsed).toBeLessThan(500);
  });
});

describe('startTestTrace and endTestTrace', () => {
  const saved = { results: process.env[RESULTS_ENV], root: process.env[ROOT_ENV] };
  beforeEach(() => {
    delete process.env[RESULTS_ENV];
    delete process.env[ROOT_ENV];
  });
  afterEach(() => {
    endTestTrace(undefined, undefined); // a failed test must not leave its window open
    if (saved.results !== undefined) process.env[RESULTS_ENV] = saved.results;
    if (saved.root !== undefined) process.env[ROOT_ENV] = saved.root;
  });

  const query = (statement: string) => record({ kind: 'query', system: 'sqlite', statement }).end();
  const request = (url: string) =>
    record({ kind: 'request', method: 'GET', url, host: new URL(url).host }).end({ status: 200 });

  it('counts queries, repeated shapes, requests and round trips recorded inside the window only', () => {
    query('SELECT 0 FROM before'); // before the window: not recorded at all
    startTestTrace();
    expect(isRecording()).toBe(true);
    query('BEGIN'); // transaction control: not a counted query, but a round trip
    for (const id of [1, 2, 3]) query(`SELECT * FROM orders WHERE id = ${id}`);
    query("SELECT name FROM users WHERE email = 'a@b.c'");
    query("SELECT name FROM users WHERE email = 'd@e.f'");
    query('INSERT INTO audit VALUES (1)');
    request('https://api.example.com/a');
    request('https://api.example.com/b');
    const trace = endTestTrace('orders > list', join(process.cwd(), 'test', 'orders.test.ts'));
    expect(isRecording()).toBe(false);
    query('SELECT 0 FROM after'); // after the window
    expect(trace).toMatchObject({
      id: 'test/orders.test.ts › orders > list',
      file: 'test/orders.test.ts',
      test: 'orders > list',
      queries: 6,
      repeatedQueries: 3,
      requests: 2,
      roundTrips: 9,
      topQueries: [
        { shape: 'SELECT * FROM orders WHERE id = ?', count: 3 },
        { shape: 'SELECT name FROM users WHERE email = ?', count: 2 },
        { shape: 'INSERT INTO audit VALUES (?)', count: 1 },
      ],
    });
    // The events after it land in no later window either.
    startTestTrace();
    expect(endTestTrace('next', undefined)).toMatchObject({
      queries: 0,
      requests: 0,
      roundTrips: 0,
      file: '(unknown file)',
    });
  });

  it('counts repeated queries and shapes as the matchers do, for any mix of statements', () => {
    const statement = fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((id) => `SELECT * FROM orders WHERE id = ${id}`),
      fc.integer({ min: 0, max: 3 }).map((id) => `select *  from orders where id=${id}`),
      fc.constantFrom(
        'BEGIN',
        'COMMIT',
        "SELECT name FROM users WHERE email = 'a'",
        'INSERT INTO audit VALUES (1)',
      ),
    );
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 20 }), (statements) => {
        startTestTrace();
        for (const s of statements) query(s);
        const trace = endTestTrace('mix', undefined);
        const counted = countedQueries(statements.map((s) => q(s)));
        expect(trace?.queries).toBe(counted.length);
        expect(trace?.repeatedQueries).toBe(repeatedQueryCount(counted));
        const shapes = new Map<string, number>();
        for (const e of counted)
          shapes.set(statementShape(e.statement), (shapes.get(statementShape(e.statement)) ?? 0) + 1);
        expect(Object.fromEntries((trace?.topQueries ?? []).map((t) => [t.shape, t.count]))).toEqual(
          Object.fromEntries(
            [...shapes].filter(([shape]) => trace?.topQueries?.some((t) => t.shape === shape)),
          ),
        );
        expect(trace?.topQueries?.length ?? 0).toBe(Math.min(5, shapes.size));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the five most executed shapes, and has no topQueries when there were no queries', () => {
    startTestTrace();
    for (let table = 0; table < 7; table++)
      for (let i = 0; i <= table; i++) query(`SELECT * FROM t${table} WHERE id = ${i}`);
    const trace = endTestTrace('many', undefined);
    expect(trace?.queries).toBe(28);
    expect(trace?.topQueries?.map((t) => [t.shape, t.count])).toEqual([
      ['SELECT * FROM t6 WHERE id = ?', 7],
      ['SELECT * FROM t5 WHERE id = ?', 6],
      ['SELECT * FROM t4 WHERE id = ?', 5],
      ['SELECT * FROM t3 WHERE id = ?', 4],
      ['SELECT * FROM t2 WHERE id = ?', 3],
    ]);
    startTestTrace();
    request('https://api.example.com/');
    const none = endTestTrace('no queries', undefined);
    expect(none?.requests).toBe(1);
    expect(none).not.toHaveProperty('topQueries');
  });

  it('a new window closes the previous one; ending without a window returns undefined', () => {
    startTestTrace();
    query('SELECT 1');
    startTestTrace();
    query('SELECT 2');
    expect(endTestTrace('second', undefined)?.queries).toBe(1);
    expect(endTestTrace('again', undefined)).toBeUndefined();
  });

  it('measures a 30 ms synchronous block inside the window, and much less without one', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const busy = (ms: number) => {
      const t0 = performance.now();
      while (performance.now() - t0 < ms) {
        // blocks the event loop
      }
    };
    // Any reading includes the block; other work of the worker (the runner's own messages) can only
    // add to it, so the least of three readings is judged against the upper bound.
    const blocked: number[] = [];
    const atEnd: number[] = [];
    const quiet: number[] = [];
    for (let i = 0; i < 3; i++) {
      startTestTrace();
      await sleep(10);
      busy(30);
      await sleep(10);
      const trace = endTestTrace('blocks', undefined);
      blocked.push(trace?.eventLoopBlockMs as number);
      expect(trace?.durationMs).toBeGreaterThanOrEqual(45);

      // A block that ends the test is seen too (the gap since the last tick counts).
      startTestTrace();
      await sleep(5);
      busy(30);
      atEnd.push(endTestTrace('blocks at the end', undefined)?.eventLoopBlockMs as number);

      startTestTrace();
      await sleep(40);
      const sleeping = endTestTrace('sleeps', undefined);
      expect(sleeping?.durationMs).toBeGreaterThanOrEqual(35);
      quiet.push(sleeping?.eventLoopBlockMs as number);
    }
    for (const ms of [...blocked, ...atEnd]) expect(ms).toBeGreaterThanOrEqual(25);
    expect(Math.min(...blocked)).toBeLessThan(60);
    expect(Math.min(...atEnd)).toBeLessThan(60);
    expect(Math.min(...quiet)).toBeLessThan(15);
  });
});

describe('tracingTests', () => {
  const saved = process.env[TRACE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = saved;
  });

  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['1', true],
    ['true', true],
    ['yes', true],
  ])('HEADROOM_TRACE=%j → %s', (value, expected) => {
    if (value === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = value;
    expect(tracingTests()).toBe(expected);
  });
});
