import type { Budget, MeasureOptions } from '../types.js';
import type { FasterOptions } from './to-be-faster-than.js';
import type { BaselineOptions } from './to-match-baseline.js';
import type { ScaleSpec } from './to-scale.js';

/**
 * headroom's matchers, as the runner entries add them to vitest's and jest's `expect`. `R` is
 * what a matcher returns (a promise: every headroom matcher must be awaited); `T` is the value
 * under test.
 */
export interface HeadroomMatchers<R, T = unknown> {
  /**
   * Measures the function with the probes the budget needs and checks every metric. Await it.
   * @example await expect(() => orders.list(userId)).toStayWithin({ queries: 2, duration: '20ms' })
   */
  toStayWithin(budget: Budget, options?: MeasureOptions): R;
  /**
   * Measures this function and `other` interleaved, and checks it is `by` times faster (or
   * leaner, with `metric: 'allocated'`), with a confidence interval on the ratio. Await it.
   * @example await expect(() => fastPath(input)).toBeFasterThan(() => slowPath(input), { by: 2 })
   */
  toBeFasterThan(other: () => unknown, options?: FasterOptions): R;
  /**
   * Measures `fn(input(n))` at each size (or at each level of concurrency) and checks how queries,
   * requests, allocations and time grow. Await it.
   * @example await expect((orders) => render(orders)).toScale({ input: (n) => makeOrders(n), queries: 'constant' })
   */
  toScale(spec: ScaleSpec<T extends (input: infer I) => unknown ? I : unknown>, options?: MeasureOptions): R;
  /**
   * Measures the function and compares it with the baseline stored for this test in
   * `__baselines__/<test file>.json` (written on the first run, and on `-u` or `HEADROOM_UPDATE=1`;
   * never when `CI` is set). Counts compare exactly; times and bytes with a tolerance. Await it.
   * @example await expect(() => orders.list(userId)).toMatchPerformanceBaseline()
   * @example await expect(() => parse(doc)).toMatchPerformanceBaseline({ metrics: ['allocated', 'duration'], tolerance: 0.2 })
   */
  toMatchPerformanceBaseline(options?: BaselineOptions): R;
}
