/**
 * `import 'headroom/vitest'` in a vitest setup file (`test.setupFiles`): registers headroom's
 * matchers and their types, tags measurements with the running test, and reports a matcher that
 * was not awaited. Node only.
 */
import { afterEach, expect } from 'vitest';
import { autoInstrument } from './instrument/auto.js';
import { assertSettled } from './matchers/context.js';
import { matchers } from './matchers/index.js';
import type { HeadroomMatchers } from './matchers/types.js';
import { runtime } from './measure/scope.js';

expect.extend(matchers);
autoInstrument();
runtime.testName = () => expect.getState().currentTestName;
afterEach(() => assertSettled(expect.getState().currentTestName));

declare module 'vitest' {
  interface Matchers<T = any> extends HeadroomMatchers<Promise<void>, T> {}
}
