import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeadroomError, measure, record } from '../../../src/index.js';

const realNow = performance.now.bind(performance);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A downstream call: an I/O event that takes `ms` of (virtual) time. */
async function call(name: string, ms: number) {
  const op = record({ kind: 'custom', name });
  await wait(ms);
  op.end();
}

describe('virtual time under fake timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('measures sequential waits as their sum and parallel ones as their maximum, in milliseconds of wall time', async () => {
    vi.useFakeTimers();
    const started = realNow();
    const sequential = await measure(
      async () => {
        await call('inventory', 100);
        await call('pricing', 200);
        await call('shipping', 300);
      },
      { metrics: ['duration'], iterations: 3, warmup: 0 },
    );
    const parallel = await measure(
      () => Promise.all([call('inventory', 100), call('pricing', 200), call('shipping', 300)]),
      { metrics: ['duration'], iterations: 3, warmup: 0 },
    );
    expect(sequential.samples.durationMs).toEqual([600, 600, 600]);
    expect(parallel.samples.durationMs).toEqual([300, 300, 300]);
    // 12 calls of up to 600 virtual ms each, in a fraction of that in wall time (generous for a loaded machine).
    expect(realNow() - started).toBeLessThan(3_000);
    await expect(sequential).toStayWithin({ duration: { max: '600ms' }, roundTrips: 3 });
    await expect(parallel).toStayWithin({ roundTrips: 1 });
  });

  it('stamps events with virtual time, so waterfalls show simulated latencies', async () => {
    vi.useFakeTimers();
    const m = await measure(
      async () => {
        await call('a', 100);
        await call('b', 250);
      },
      { metrics: [] },
    );
    expect(m.events.map((e) => Math.round((e.endMs ?? 0) - e.startMs))).toEqual([100, 250]);
    const message = await expect(m)
      .toStayWithin({ roundTrips: 1 })
      .then(
        () => '',
        (e: Error) => e.message,
      );
    expect(message).toMatch(/\+0 ms +100 ms +\|█+ +\| +a/);
    expect(message).toMatch(/\+100 ms +250 ms +\| +█+\| +b/);
  });

  it('a timeout on a hanging call fires in virtual time', async () => {
    vi.useFakeTimers();
    const withTimeout = () =>
      Promise.race([
        new Promise(() => {}),
        new Promise((resolve) => setTimeout(() => resolve('fallback'), 250)),
      ]);
    const m = await measure(withTimeout, { metrics: ['duration'], iterations: 1, warmup: 0 });
    expect(m.samples.durationMs).toEqual([250]);
  });

  it('works with @sinonjs/fake-timers installed directly', async () => {
    const clock = FakeTimers.install();
    try {
      const m = await measure(
        async () => {
          await call('a', 120);
          await call('b', 30);
        },
        { metrics: ['duration'], iterations: 2, warmup: 0 },
      );
      expect(m.samples.durationMs).toEqual([150, 150]);
    } finally {
      clock.uninstall();
    }
  });

  it('reports a call that can never settle instead of hanging the test', async () => {
    vi.useFakeTimers();
    await expect(measure(() => new Promise(() => {}), { metrics: [], maxTime: '50ms' })).rejects.toThrow(
      HeadroomError,
    );
  });
});
