import { describe, expect, it } from 'vitest';
import {
  BLOCK_RESOLUTION_MS,
  judge,
  judgeTimeStatistic,
  longestChain,
  maxInFlight,
  repeatedQueryCount,
  verdictAlpha,
} from '../../../src/budget/judge.js';
import { parseBudget } from '../../../src/budget/parse.js';
import { HeadroomError } from '../../../src/errors.js';
import { measure } from '../../../src/measure/measure.js';
import type { QueryEvent } from '../../../src/types.js';
import { measurementOf, q, req } from '../helpers.js';

describe('count verdicts', () => {
  it('counts queries by kind, leaving transaction control out unless asked', () => {
    const m = measurementOf({
      events: [
        q('BEGIN'),
        q('select * from users where id = 1'),
        q('insert into orders (user_id) values (1)'),
        q('update orders set total = 3 where id = 9'),
        q('with recent as (select * from orders) delete from orders where id in (select id from recent)'),
        q('COMMIT'),
      ],
    });
    const verdicts = judge(m, parseBudget({ queries: { total: 4, select: 1, insert: 0, delete: 1 } }));
    expect(verdicts.map((v) => [v.part ?? v.metric, v.measured, v.status])).toEqual([
      ['queries', 4, 'pass'],
      ['select', 1, 'pass'],
      ['insert', 1, 'fail'],
      ['delete', 1, 'pass'],
    ]);
    const withTx = judge(m, parseBudget({ queries: 4 }), { countTransactionControl: true });
    expect(withTx[0]?.measured).toBe(6);
    expect(withTx[0]?.headroom).toBe(-2);
  });

  it('restricts counts to statements matching a pattern', () => {
    const m = measurementOf({
      events: [q('select * from orders'), q('select * from users'), q('select 1 from orders')],
    });
    const [v] = judge(m, parseBudget({ queries: { total: 1, matching: /from orders/i } }));
    expect(v).toMatchObject({ part: 'total matching /from orders/i', measured: 2, status: 'fail' });
  });

  it('counts executions of a shape beyond the first as repeated (the N+1 signal)', () => {
    const shapes = (sqls: string[]) => repeatedQueryCount(sqls.map((s) => q(s) as QueryEvent));
    expect(
      shapes(['select * from t where id = 1', 'select * from t where id = 2', 'SELECT *  FROM t WHERE id=3']),
    ).toBe(1 + 0 + 0 + 1);
    expect(shapes(['select * from t where id = $1', 'select * from t where id = $2'])).toBe(1);
    expect(shapes(["select * from t where name = 'a'", "select * from t where name = 'b'"])).toBe(1);
    expect(shapes(['select * from t where id in (1, 2)', 'select * from t where id in (3, 4, 5)'])).toBe(1);
    expect(shapes(['select * from a', 'select * from b'])).toBe(0);
  });

  it('counts requests by host and the most in flight at once', () => {
    const events = [
      req('GET', 'http://api.test/a', 0, 10),
      req('GET', 'http://api.test/b', 5, 15),
      req('POST', 'http://pay.test/c', 15, 20),
    ];
    expect(maxInFlight(events)).toBe(2);
    const verdicts = judge(
      measurementOf({ events }),
      parseBudget({ requests: { total: 3, byHost: { 'API.test': 1 }, maxInFlight: 1 } }),
    );
    expect(verdicts.map((v) => [v.part ?? v.metric, v.measured, v.status])).toEqual([
      ['requests', 3, 'pass'],
      ['byHost api.test', 2, 'fail'],
      ['maxInFlight', 2, 'fail'],
    ]);
  });

  it('finds the longest chain of round trips: sequential awaits chain, Promise.all does not', () => {
    const sequential = [q('a', 0, 10), q('b', 10, 20), q('c', 20, 30)];
    const parallel = [q('a', 0, 10), q('b', 0, 10), q('c', 0, 10)];
    const mixed = [q('a', 0, 10), q('b', 10, 20), q('c', 10, 20), q('d', 25, 30)];
    expect(longestChain(sequential).map((e) => (e as QueryEvent).statement)).toEqual(['a', 'b', 'c']);
    expect(longestChain(parallel)).toHaveLength(1);
    expect(longestChain(mixed)).toHaveLength(3);
    expect(longestChain([])).toHaveLength(0);
  });

  it("does not count a server's queries nested in the request that caused them as round trips of their own", () => {
    const parallel = [req('GET', 'http://127.0.0.1:9/a', 0, 10), req('GET', 'http://127.0.0.1:9/b', 0, 10)];
    const handlerQueries = [q('x', 1, 2), q('y', 3, 4), q('z', 5, 6)];
    expect(longestChain([...parallel, ...handlerQueries])).toHaveLength(1);
    expect(longestChain([req('GET', 'http://127.0.0.1:9/a', 0, 10), q('after', 11, 12)])).toHaveLength(2);
  });
});

describe('time verdicts', () => {
  const around = (center: number, n: number) => Array.from({ length: n }, (_, i) => center + (i % 5) * 0.01);

  it('passes when the whole interval is under the limit, fails when it is over', () => {
    expect(judgeTimeStatistic(around(10, 30), 'median', 20, 0.01).status).toBe('pass');
    expect(judgeTimeStatistic(around(40, 30), 'median', 20, 0.01).status).toBe('fail');
  });

  it('is inconclusive when the interval spans the limit, or the sample is too small', () => {
    const spread = Array.from({ length: 30 }, (_, i) => 10 + i); // 10..39, median 24.5
    expect(judgeTimeStatistic(spread, 'median', 25, 0.01).status).toBe('inconclusive');
    expect(judgeTimeStatistic([40, 41, 42], 'median', 20, 0.01).status).toBe('inconclusive');
    expect(judgeTimeStatistic(around(10, 30), 'p99', 20, 0.01).status).toBe('inconclusive');
  });

  it('does not fail a contract on time the thread spent waiting for a CPU', () => {
    // 30 calls of 3.2 ms wall time against a 2 ms limit, 2.2 ms of each spent waiting for a CPU.
    const durations = around(3.2, 30);
    const wait = durations.map(() => 2.2);
    const contended = judgeTimeStatistic(durations, 'median', 2, 0.01, wait);
    expect(contended.status).toBe('inconclusive');
    expect(contended.contention?.waitShare).toBeCloseTo(2.2 / 3.22, 2);
    // Still a failure when the code itself is over the limit.
    expect(
      judgeTimeStatistic(
        durations,
        'median',
        2,
        0.01,
        durations.map(() => 0.5),
      ).status,
    ).toBe('fail');
    const [v] = judge(
      measurementOf({
        samples: {
          durationMs: durations,
          cpuMs: [],
          eventLoopBlockMs: [],
          allocatedBytes: [],
          cpuWaitMs: wait,
        },
      }),
      parseBudget({ duration: '2ms' }),
    );
    expect(v?.status).toBe('inconclusive');
    expect(v?.evidence).toBe('30 calls, 68% of it waiting for a CPU');
    expect(v?.note).toMatch(/^the machine was busy: 68% of the sampled time was spent waiting for a CPU/);
  });

  it('judges max as the largest call, not statistically', () => {
    expect(judgeTimeStatistic([1, 2, 50], 'max', 20, 0.01).status).toBe('fail');
    expect(judgeTimeStatistic(around(1, 16), 'max', 20, 0.01).status).toBe('pass');
  });

  it('says how many calls an undecidable time verdict needs', () => {
    const m = measurementOf({
      samples: {
        durationMs: [274, 280, 268, 290, 271, 275, 279],
        cpuMs: [],
        eventLoopBlockMs: [],
        allocatedBytes: [],
      },
      sequential: true,
      stoppedBy: 'maxTime',
      looks: 0,
    });
    const [v] = judge(m, parseBudget({ duration: '10s' }));
    // 7 calls, all far below 10 s: P(all 7 below | median above) = 1/128 > 0.005, so no verdict at 99%.
    expect(v?.status).toBe('inconclusive');
    expect(v?.note).toBe(
      'only 7 calls were made (about 275 ms each); deciding the median at 99% confidence needs at least 8. Please raise maxTime to about 3.3 s',
    );
    const eight = measurementOf({
      ...m,
      samples: { ...m.samples, durationMs: [...m.samples.durationMs, 270] },
    });
    expect(judge(eight, parseBudget({ duration: '10s' }))[0]?.status).toBe('pass');
  });

  it('spends on the final judgement the alpha that interim looks left unspent', () => {
    const base = { confidence: 0.99, sequential: true } as const;
    expect(verdictAlpha(measurementOf({ ...base, stoppedBy: 'certain', looks: 3 }))).toBeCloseTo(0.01 / 24);
    expect(verdictAlpha(measurementOf({ ...base, stoppedBy: 'maxTime', looks: 0 }))).toBeCloseTo(0.01);
    expect(verdictAlpha(measurementOf({ ...base, stoppedBy: 'maxTime', looks: 6 }))).toBeCloseTo(
      0.01 * (18 / 24),
    );
    expect(verdictAlpha(measurementOf({ confidence: 0.95, sequential: false }))).toBeCloseTo(0.05);
  });

  it('refuses to judge a metric the measurement did not take', () => {
    const m = measurementOf({ metrics: ['queries'] });
    expect(() => judge(m, parseBudget({ duration: '1ms' }))).toThrow(HeadroomError);
    expect(() => judge(m, parseBudget({ retained: '1kB' }))).toThrow(/did not measure `retained`/);
  });

  it('judges allocated on the median of the calls made, eventLoopBlock on the least', () => {
    const m = measurementOf({
      samples: {
        durationMs: [],
        cpuMs: [],
        eventLoopBlockMs: [41, 2, 3],
        allocatedBytes: [700_000, 600, 640],
      },
    });
    const [block, alloc] = judge(m, parseBudget({ eventLoopBlock: '5ms', allocated: '64kB' }));
    // Preemption only adds to a block: the least of the calls is the code's own.
    expect(block).toMatchObject({ measured: 2, status: 'pass', evidence: 'least of 3 calls' });
    expect(alloc).toMatchObject({ measured: 640, status: 'pass' });
  });

  it('calls an eventLoopBlock within the ticker’s ±0.5 ms of the limit inconclusive, not a coin flip', () => {
    const blocks = (values: number[]) =>
      judge(
        measurementOf({
          samples: { durationMs: [], cpuMs: [], eventLoopBlockMs: values, allocatedBytes: [] },
        }),
        parseBudget({ eventLoopBlock: '4ms' }),
      )[0];
    expect(blocks([3.5])).toMatchObject({ status: 'pass', measured: 3.5 });
    expect(blocks([4.6, 4.7, 4.51])).toMatchObject({ status: 'fail', measured: 4.51 });
    // 3.7 ms reads a block of 3.2–4.2 ms: it may be over the limit, or not.
    const under = blocks([3.7]);
    expect(under.status).toBe('inconclusive');
    expect(under.interval?.[0]).toBeCloseTo(3.2, 9);
    expect(under.interval?.[1]).toBeCloseTo(4.2, 9);
    expect(under.note).toMatch(/±500 µs/);
    // Over the limit, but by less than the resolution: not a certain failure either.
    expect(blocks([4.3, 4.4, 4.2]).status).toBe('inconclusive');
    expect(BLOCK_RESOLUTION_MS).toBe(0.5);
  });

  it('decides a block timed directly (the synchronous part of the call) without the margin', () => {
    const blocks = (values: number[], exact: boolean[]) =>
      judge(
        measurementOf({
          samples: {
            durationMs: [],
            cpuMs: [],
            eventLoopBlockMs: values,
            eventLoopBlockExact: exact,
            allocatedBytes: [],
          },
        }),
        parseBudget({ eventLoopBlock: '4ms' }),
      )[0];
    expect(blocks([3.7], [true])).toMatchObject({ status: 'pass', measured: 3.7 });
    expect(blocks([4.3, 4.4, 4.2], [true, true, true])).toMatchObject({ status: 'fail', measured: 4.2 });
    // The least of the calls decides, and the ticker saw that one: the margin applies.
    expect(blocks([4.3, 4.4, 4.2], [true, true, false]).status).toBe('inconclusive');
  });

  it('marks a synchronous block exact, and one the ticker saw not', async () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {}
    };
    const sync = await measure(() => busy(3), { metrics: ['eventLoopBlock'] });
    expect(sync.samples.eventLoopBlockExact).toEqual(sync.samples.eventLoopBlockMs.map(() => true));
    const later = await measure(
      async () => {
        await new Promise((r) => setTimeout(r, 2));
        busy(6);
      },
      { metrics: ['eventLoopBlock'] },
    );
    expect(later.samples.eventLoopBlockExact?.[0]).toBe(false);
  });
});
