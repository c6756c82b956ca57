/**
 * `'headroom/jest'` in jest's `setupFilesAfterEnv`: registers headroom's matchers and their types
 * (for `@jest/globals` and for `@types/jest` globals), tags measurements with the running test,
 * and reports a matcher that was not awaited. Node only.
 */

// Loads jest's `expect` types so that the augmentation below has a module to merge into.
import type {} from 'expect';
import { HeadroomError } from './errors.js';
import { autoInstrument } from './instrument/auto.js';
import { assertSettled } from './matchers/context.js';
import { matchers } from './matchers/index.js';
import type { FasterOptions } from './matchers/to-be-faster-than.js';
import type { ScaleSpec } from './matchers/to-scale.js';
import { runtime } from './measure/scope.js';
import type { Budget, MeasureOptions } from './types.js';

interface JestGlobals {
  expect?: { extend(m: object): void; getState(): { currentTestName?: string } };
  afterEach?: (fn: () => void) => void;
}

const g = globalThis as JestGlobals;
const expect = g.expect;
const afterEach = g.afterEach;
if (!expect || !afterEach) {
  throw new HeadroomError(
    'HEADROOM_ERR_NOT_A_FUNCTION',
    "Failed to set up headroom/jest: jest's `expect` and `afterEach` globals are missing. " +
      "Please load 'headroom/jest' from `setupFilesAfterEnv` (not `setupFiles`), with jest's injectGlobals on.",
  );
}
expect.extend(matchers);
autoInstrument();
runtime.testName = () => expect.getState().currentTestName;
afterEach(() => assertSettled(expect.getState().currentTestName));

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> {
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

declare global {
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: must match @types/jest's declaration to merge
    interface Matchers<R, T = {}> {
      /**
       * Measures the function with the probes the budget needs and checks every metric. Await it.
       * @example await expect(() => orders.list(userId)).toStayWithin({ queries: 2, duration: '20ms' })
       */
      toStayWithin(budget: Budget, options?: MeasureOptions): Promise<R>;
      /**
       * Measures this function and `other` interleaved, and checks it is `by` times faster (or
       * leaner, with `metric: 'allocated'`), with a confidence interval on the ratio. Await it.
       * @example await expect(() => fastPath(input)).toBeFasterThan(() => slowPath(input), { by: 2 })
       */
      toBeFasterThan(other: () => unknown, options?: FasterOptions): Promise<R>;
      /**
       * Measures `fn(input(n))` at each size and checks how queries, requests or allocations grow.
       * @example await expect((orders) => render(orders)).toScale({ input: (n) => makeOrders(n), queries: 'constant' })
       */
      toScale(
        spec: ScaleSpec<T extends (input: infer I) => unknown ? I : unknown>,
        options?: MeasureOptions,
      ): Promise<R>;
    }
  }
}
