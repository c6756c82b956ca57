import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeadroomError, measure, record } from '../../../src/index.js';

const realNow = performance.now.bind(performance);
const busy = (ms: number) => {
  const t = realNow();
  while (realNow() - t < ms) {}
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const query = (statement: string) => record({ kind: 'query', system: 'sqlite', statement }).end();

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the contract to fail');
}

describe('toStayWithin', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('calls the function exactly once for a count-only budget', async () => {
    let calls = 0;
    await expect(() => {
      calls++;
      query('select 1');
    }).toStayWithin({ queries: 1, repeatedQueries: 0, roundTrips: 1 });
    expect(calls).toBe(1);
  });

  it('fails a count budget with the budget table and the offending shapes', async () => {
    const error = await failureOf(
      expect(async () => {
        for (const id of [1, 2, 3]) {
          await sleep(0);
          query(`select * from items where order_id = ${id}`);
        }
      }).toStayWithin({ queries: 1 }),
    );
    expect(error.message).toMatch(/✗ queries +1 +3 +-2\n/);
    // The call site is the first frame outside node_modules and headroom: here, the `query` helper.
    expect(error.message).toMatch(
      /×3 {2}SELECT \* FROM items WHERE order_id = \? +at test\/unit\/matchers\/to-stay-within\.test\.ts:\d+:\d+/,
    );
  });

  it('supports .not', async () => {
    await expect(() => {
      query('a');
      query('b');
    }).not.toStayWithin({ queries: 1 });
    const error = await failureOf(expect(() => query('a')).not.toStayWithin({ queries: 1 }));
    expect(error.message).toContain('Expected the budget to be exceeded, but every metric stayed within it');
  });

  it('confirms an exceeded allocation on two more calls and judges their median', async () => {
    let calls = 0;
    // Only the first call allocates (a one-time cost, e.g. a lazy table): the median of 3 passes.
    let table: number[] | undefined;
    await expect(() => {
      calls++;
      table ??= new Array(100_000).fill(0.5);
      return table.length;
    }).toStayWithin({ allocated: '64kB' });
    expect(calls).toBe(3);
  });

  it('stops sampling as soon as a time verdict is certain', async () => {
    let calls = 0;
    const m = await measure(() => calls++, { metrics: [] });
    expect(m.calls).toBe(1);
    calls = 0;
    const started = realNow();
    await expect(() => {
      calls++;
      busy(0.2);
    }).toStayWithin({ duration: '20ms' }, { maxTime: '5s' });
    // A 0.2 ms function against 20 ms is certain at the first look or soon after (the first call,
    // at most 50 warm-up calls, 16+ samples), where sampling to the 5 s maxTime would take about
    // 20,000 calls. The margin is for a loaded machine, where one slow call delays a look.
    expect(calls).toBeLessThan(500);
    expect(realNow() - started).toBeLessThan(2_500);
  });

  it('fails a time budget only when the whole interval is over it', async () => {
    const error = await failureOf(expect(() => busy(8)).toStayWithin({ duration: '2ms', cpu: '2ms' }));
    // An 8 ms busy loop measures 8 ms of wall time: never under the 2 ms limit, even after
    // subtracting the time a loaded machine kept it waiting for a CPU.
    const row =
      /✗ duration \(median\)\s+2 ms\s+([\d.]+) ms .*\(\d+ calls(?:, \d+% of it waiting for a CPU)?, 99% CI ([\d.]+)–[\d.]+ ms\)/.exec(
        error.message,
      );
    expect(Number(row?.[1])).toBeGreaterThanOrEqual(8);
    expect(Number(row?.[2])).toBeGreaterThan(2);
    expect(error.message).toMatch(/✗ cpu \(median\)/);
  });

  it('reports an undecidable time verdict as inconclusive: a warning by default, a failure on request', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let i = 0;
    // Alternating instant and 20 ms calls: half the calls are far below the 10 ms limit and half
    // far above it, so the median's interval always spans the limit, however loaded the machine.
    const fn = () => busy(i++ % 2 ? 20 : 0);
    await expect(fn).toStayWithin({ duration: '10ms' }, { maxTime: '300ms' });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('duration (median) inconclusive within maxTime'),
    );
    const error = await failureOf(
      expect(fn).toStayWithin({ duration: '10ms' }, { maxTime: '300ms', inconclusive: 'fail' }),
    );
    expect(error.message).toContain('Budget undecided on 1 of 1 metric');
    expect(error.message).toContain('? duration (median)');
    expect(error.message).toContain('This fails because the options say inconclusive: "fail"');
  });

  it('explains a blocked event loop with the callback that blocked and where it was scheduled', async () => {
    const error = await failureOf(
      expect(async () => {
        await sleep(1);
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            busy(30);
            resolve();
          }, 1),
        );
      }).toStayWithin({ eventLoopBlock: '10ms' }),
    );
    // A 30 ms busy loop: 30 ms or a little less (1 ms resolution), more on a loaded machine.
    const measured = /✗ eventLoopBlock\s+10 ms\s+([\d.]+) ms/.exec(error.message);
    expect(Number(measured?.[1])).toBeGreaterThanOrEqual(28);
    const rerun = /Longest block on a re-run: ([\d.]+) ms in a timer callback/.exec(error.message);
    expect(Number(rerun?.[1])).toBeGreaterThanOrEqual(29);
    expect(error.message).toMatch(/at test\/unit\/matchers\/to-stay-within\.test\.ts:\d+:\d+/);
  });

  it('explains heavy allocation with the functions that allocated', async () => {
    function buildRows() {
      const rows: string[][] = [];
      for (let i = 0; i < 20_000; i++) rows.push([`row ${i}`, String(i * 2), 'x'.repeat(i % 10)]);
      return rows;
    }
    const error = await failureOf(expect(() => buildRows().length).toStayWithin({ allocated: '100kB' }));
    expect(error.message).toContain('Top allocating functions on a re-run (sampling heap profiler):');
    expect(error.message).toMatch(
      // The function's own line in this (TypeScript) file, mapped back through the runner's source map.
      /MB {2}buildRows\s+at test\/unit\/matchers\/to-stay-within\.test\.ts:142:14/,
    );
  });

  it('judges a measurement taken earlier, without calling anything again', async () => {
    let calls = 0;
    const m = await measure(
      () => {
        calls++;
        query('select 1');
      },
      { metrics: ['allocated'] },
    );
    const before = calls;
    await expect(m).toStayWithin({ queries: 1, allocated: '1MB' });
    expect(calls).toBe(before);
    await expect(expect(m).toStayWithin({ duration: '1s' })).rejects.toMatchObject({
      code: 'HEADROOM_ERR_NOT_MEASURED',
    });
  });

  it('throws typed errors for misuse instead of failing or passing', async () => {
    await expect(expect(42).toStayWithin({ queries: 1 })).rejects.toMatchObject({
      code: 'HEADROOM_ERR_NOT_A_FUNCTION',
    });
    await expect(expect(() => {}).toStayWithin({ querys: 1 } as never)).rejects.toThrow(
      /Did you mean `queries`\?/,
    );
    await expect(
      expect(() => {}).toStayWithin({ queries: 1 }, { metrics: ['duration'] } as never),
    ).rejects.toMatchObject({
      code: 'HEADROOM_ERR_UNKNOWN_KEY',
    });
    const boom = new Error('database is locked');
    const error = await failureOf(
      expect(() => {
        throw boom;
      }).toStayWithin({ queries: 1 }),
    );
    expect(error).toBeInstanceOf(HeadroomError);
    expect(error).toMatchObject({ code: 'HEADROOM_ERR_FN_THREW', cause: boom });
    expect(error.message).toContain('it threw on call 1 (Error: database is locked)');
    await expect(expect(() => Promise.reject(boom)).toStayWithin({ queries: 1 })).rejects.toMatchObject({
      code: 'HEADROOM_ERR_FN_THREW',
    });
  });

  it('measures duration in virtual time under fake timers; CPU work and blocks stay real', async () => {
    vi.useFakeTimers();
    const m = await measure(() => busy(3), { metrics: ['duration', 'eventLoopBlock'], iterations: 5 });
    // Busy CPU work takes no virtual time; the event loop was still really blocked for 3 ms.
    expect(m.stats.duration?.median).toBe(0);
    expect(m.samples.eventLoopBlockMs[0]).toBeGreaterThanOrEqual(2.9);
  });

  it('tags measurements with the running test', async () => {
    const m = await measure(() => {}, { metrics: [] });
    expect(m.testName).toBe('toStayWithin > tags measurements with the running test');
  });
});
