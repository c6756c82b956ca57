import { describe, expect, it } from 'vitest';
import { quantile, sorted } from '../../src/stats/quantiles.js';
import { draw, parseLatency, parseProfile, seededRandom } from './profiles.js';

const draws = (latency: Parameters<typeof parseLatency>[0], n = 10_000, seed = 42) => {
  const dist = parseLatency(latency);
  const random = seededRandom(seed);
  return sorted(Array.from({ length: n }, () => dist.sample(random)));
};

describe('degradation profiles', () => {
  it('a seeded log-normal through p50 80 ms and p99 900 ms produces those percentiles (10,000 draws, ±5%)', () => {
    const xs = draws({ p50: '80ms', p99: '900ms' });
    expect(quantile(xs, 0.5)).toBeGreaterThan(80 * 0.95);
    expect(quantile(xs, 0.5)).toBeLessThan(80 * 1.05);
    expect(quantile(xs, 0.99)).toBeGreaterThan(900 * 0.9);
    expect(quantile(xs, 0.99)).toBeLessThan(900 * 1.1);
  });

  it('uniform, normal and log-normal have their stated moments', () => {
    const u = draws({ uniform: ['50ms', '150ms'] });
    expect(u[0]).toBeGreaterThanOrEqual(50);
    expect(u[u.length - 1]).toBeLessThanOrEqual(150);
    expect(quantile(u, 0.5)).toBeCloseTo(100, -1);
    const n = draws({ normal: { mean: '100ms', sd: '10ms' } });
    expect(quantile(n, 0.5)).toBeCloseTo(100, 0);
    expect(quantile(n, 0.8413) - quantile(n, 0.5)).toBeCloseTo(10, 0);
    const l = draws({ logNormal: { median: '50ms', sigma: 0.5 } });
    expect(quantile(l, 0.5)).toBeGreaterThan(47.5);
    expect(quantile(l, 0.5)).toBeLessThan(52.5);
  });

  it('is reproducible from its seed, and differs across seeds', () => {
    expect(draws({ p50: '80ms', p99: '900ms' }, 5, 7)).toEqual(draws({ p50: '80ms', p99: '900ms' }, 5, 7));
    expect(draws({ p50: '80ms', p99: '900ms' }, 5, 7)).not.toEqual(
      draws({ p50: '80ms', p99: '900ms' }, 5, 8),
    );
  });

  it('draws errors, network errors and hangs at their rates', () => {
    const profile = parseProfile({
      errorRate: 0.3,
      status: [502, 503],
      networkErrorRate: 0.1,
      hang: 0.05,
      seed: 1,
    });
    const random = seededRandom(1);
    const kinds = new Map<string, number>();
    const statuses = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const o = draw(profile, random);
      kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
      if (o.status) statuses.add(o.status);
    }
    expect((kinds.get('error-status') ?? 0) / 10_000).toBeCloseTo(0.3, 1);
    expect((kinds.get('network-error') ?? 0) / 10_000).toBeCloseTo(0.1, 1);
    expect((kinds.get('hang') ?? 0) / 10_000).toBeCloseTo(0.05, 1);
    expect([...statuses].sort()).toEqual([502, 503]);
  });

  it('rejects bad profiles with the fix', () => {
    expect(() => parseProfile({ errorRate: 2 })).toThrow(/give a share from 0 to 1/);
    expect(() => parseProfile({ errorRate: 0.7, hang: 0.5 })).toThrow(/at or below 1/);
    expect(() => parseProfile({ latencey: '1s' } as never)).toThrow(/HEADROOM_ERR_UNKNOWN_KEY/);
    expect(() => parseProfile({ status: 42 })).toThrow(/statuses from 100 to 599/);
    expect(() => parseLatency({ p50: '900ms', p99: '80ms' })).toThrow(/0 < p50 <= p99/);
  });
});
