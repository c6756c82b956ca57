/**
 * How per-call latency grows with concurrency (`toScale` with `concurrency`).
 *
 * At each level (1, 4, 16, 64) headroom starts that many `cache.get()` calls at once and times
 * each, then fits latency ∝ concurrency^k. A refresh serialized behind a lock makes the last of
 * 64 callers wait 64 refreshes: k near 1. A shared in-flight refresh keeps every caller at one
 * refresh: k near 0. `'constant'` allows k up to 0.4.
 *
 * The caches are built with `ttlMs: 0`, so that every burst of calls finds the token expired:
 * the moment a stampede happens, every time. With one caller at a time the two caches are
 * indistinguishable (5 ms a call).
 */
import type { ScaleSpec } from 'headroom';
import { describe, expect, it } from 'vitest';
import { expectCaught } from '../support/regressions.js';
import { LockedTokenCache, SingleFlightTokenCache, tokenEndpoint } from './token-cache.js';

const levels: ScaleSpec = { concurrency: [1, 4, 16, 64], duration: 'constant' };

describe('token cache refresh under concurrent requests', () => {
  it('a burst of 10 calls fetches the token once with single-flight, 10 times under the lock', async () => {
    const shared = tokenEndpoint();
    const singleFlight = new SingleFlightTokenCache(shared, { ttlMs: 0 });
    expect(new Set(await Promise.all(Array.from({ length: 10 }, () => singleFlight.get())))).toEqual(
      new Set(['token-1']),
    );
    expect(shared.calls).toBe(1);

    const locked = tokenEndpoint();
    const lockedCache = new LockedTokenCache(locked, { ttlMs: 0 });
    await Promise.all(Array.from({ length: 10 }, () => lockedCache.get()));
    expect(locked.calls).toBe(10);
  });

  it('contract: latency stays flat as concurrent callers grow, with one shared refresh', async () => {
    const cache = new SingleFlightTokenCache(tokenEndpoint(), { ttlMs: 0 });
    await expect(() => cache.get()).toScale(levels);
  });

  it('regression caught: refreshing under a shared lock queues every caller', async () => {
    const cache = new LockedTokenCache(tokenEndpoint(), { ttlMs: 0 });
    await expectCaught(expect(() => cache.get()).toScale(levels), 'duration');
  });
});
