import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom as rng } from '../../../integrations/msw/profiles.js';
import {
  normalQuantile,
  quantile,
  quantileIntervalIndices,
  sorted,
  statisticInterval,
  summarize,
  theilSenSlope,
  tQuantile,
} from '../../../src/stats/quantiles.js';

describe('quantiles', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.99)).toBe(5);
    expect(summarize([3, 1, 2]).median).toBe(2);
  });

  it('quantiles are monotone in p and lie within the sample (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, p, q) => {
          const xs = sorted(values);
          const [lo, hi] = p <= q ? [p, q] : [q, p];
          expect(quantile(xs, lo)).toBeLessThanOrEqual(quantile(xs, hi) + 1e-9);
          expect(quantile(xs, lo)).toBeGreaterThanOrEqual((xs[0] as number) - 1e-9);
          expect(quantile(xs, hi)).toBeLessThanOrEqual((xs[xs.length - 1] as number) + 1e-9);
        },
      ),
    );
  });

  it('matches known normal and t quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.0005)).toBeCloseTo(-3.290527, 4);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228, 2);
    expect(tQuantile(0.995, 30)).toBeCloseTo(2.75, 2);
  });

  it('binomial interval indices are ordered and widen with confidence (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99),
        fc.constantFrom(0.1, 0.01, 0.001),
        (n, p, alpha) => {
          const a = quantileIntervalIndices(n, p, alpha);
          const b = quantileIntervalIndices(n, p, alpha / 10);
          expect(a.lower).toBeLessThanOrEqual(a.upper);
          expect(b.lower).toBeLessThanOrEqual(a.lower);
          expect(b.upper).toBeGreaterThanOrEqual(a.upper);
          expect(a.lower).toBeGreaterThanOrEqual(-1);
          expect(a.upper).toBeLessThanOrEqual(n);
        },
      ),
    );
  });

  it('gives no finite median bound from too few samples', () => {
    // P(all 5 samples above the median) = 1/32 > 0.005: no sample can bound it at 99%.
    expect(quantileIntervalIndices(5, 0.5, 0.01)).toEqual({ lower: -1, upper: 5 });
    // 16 samples at alpha 1e-4: P(B <= 0) = 1/65536 fits the tail, P(B <= 1) = 17/65536 does not.
    expect(quantileIntervalIndices(16, 0.5, 0.0001)).toEqual({ lower: 0, upper: 15 });
    // At alpha 1e-3, P(B <= 1) = 17/65536 < 5e-4 fits: [x(2), x(15)].
    expect(quantileIntervalIndices(16, 0.5, 0.001)).toEqual({ lower: 1, upper: 14 });
  });

  it('the median interval covers the true median at least as often as promised', () => {
    const random = rng(42);
    const trials = 2000;
    let covered = 0;
    const trueMedian = Math.LN2; // exponential(1)
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 30 }, () => -Math.log(1 - random()));
      const [lo, hi] = statisticInterval(xs, 'median', 0.05);
      if (lo <= trueMedian && trueMedian <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.94);
  });

  it('the p90 and mean intervals cover their true values', () => {
    const random = rng(7);
    const trials = 1000;
    let p90 = 0;
    let mean = 0;
    const trueP90 = -Math.log(0.1);
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 200 }, () => -Math.log(1 - random()));
      const a = statisticInterval(xs, 'p90', 0.05);
      const b = statisticInterval(xs, 'mean', 0.05);
      if (a[0] <= trueP90 && trueP90 <= a[1]) p90++;
      if (b[0] <= 1 && 1 <= b[1]) mean++;
    }
    expect(p90 / trials).toBeGreaterThanOrEqual(0.93);
    expect(mean / trials).toBeGreaterThanOrEqual(0.92);
  });

  it('Theil–Sen ignores a single outlier', () => {
    const xs = [0, 10, 20, 30, 40, 50, 60];
    const ys = [0, 100, 5000, 300, 400, 500, 600];
    expect(theilSenSlope(xs, ys)).toBeCloseTo(10, 5);
    expect(theilSenSlope([0, 1], [5, 5])).toBe(0);
  });
});
