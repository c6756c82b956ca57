/**
 * `import 'headroom/vitest'` in a vitest setup file (`test.setupFiles`): registers headroom's
 * matchers and their types, tags measurements with the running test, and reports a matcher that
 * was not awaited. Node only.
 */
import { afterEach, expect } from 'vitest';
import { autoInstrument } from './instrument/auto.js';
import { assertSettled } from './matchers/context.js';
import { matchers } from './matchers/index.js';
import type { FasterOptions } from './matchers/to-be-faster-than.js';
import type { ScaleSpec } from './matchers/to-scale.js';
import { runtime } from './measure/scope.js';
import type { Budget, MeasureOptions } from './types.js';

expect.extend(matchers);
autoInstrument();
runtime.testName = () => expect.getState().currentTestName;
afterEach(() => assertSettled(expect.getState().currentTestName));

declare module 'vitest' {
  interface Matchers<T = any> {
    /**
     * Measures the function with the probes the budget needs and checks every metric. Await it.
     * @example await expect(() => orders.list(userId)).toStayWithin({ queries: 2, duration: '20ms' })
     */
    toStayWithin(budget: Budget, options?: MeasureOptions): Promise<void>;
    /**
     * Measures this function and `other` interleaved, and checks it is `by` times faster (or
     * leaner, with `metric: 'allocated'`), with a confidence interval on the ratio. Await it.
     * @example await expect(() => fastPath(input)).toBeFasterThan(() => slowPath(input), { by: 2 })
     */
    toBeFasterThan(other: () => unknown, options?: FasterOptions): Promise<void>;
    /**
     * Measures `fn(input(n))` at each size and checks how queries, requests or allocations grow.
     * @example await expect((orders) => render(orders)).toScale({ input: (n) => makeOrders(n), queries: 'constant' })
     */
    toScale(
      spec: ScaleSpec<T extends (input: infer I) => unknown ? I : unknown>,
      options?: MeasureOptions,
    ): Promise<void>;
  }
}
