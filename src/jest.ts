/**
 * `'headroom/jest'` in jest's `setupFilesAfterEnv`: registers headroom's matchers and their types
 * (for `@jest/globals` and for `@types/jest` globals), tags measurements with the running test,
 * and reports a matcher that was not awaited. Node only.
 */

// Loads jest's `expect` types so that the augmentation below has a module to merge into.
import type {} from 'expect';
import { HeadroomError } from './errors.js';
import { autoInstrument } from './instrument/auto.js';
import { matchers } from './matchers/index.js';
import type { HeadroomMatchers } from './matchers/types.js';
import { installRunnerHooks } from './runner-hooks.js';

interface JestGlobals {
  expect?: { extend(m: object): void; getState(): { currentTestName?: string; testPath?: string } };
  beforeEach?: (fn: () => void) => void;
  afterEach?: (fn: () => void) => void;
}

const g = globalThis as JestGlobals;
const expect = g.expect;
const beforeEach = g.beforeEach;
const afterEach = g.afterEach;
if (!expect || !afterEach || !beforeEach) {
  throw new HeadroomError(
    'HEADROOM_ERR_NOT_A_FUNCTION',
    "Failed to set up headroom/jest: jest's `expect`, `beforeEach` and `afterEach` globals are missing. " +
      "Please load 'headroom/jest' from `setupFilesAfterEnv` (not `setupFiles`), with jest's injectGlobals on.",
  );
}
expect.extend(matchers);
autoInstrument();
installRunnerHooks({ getState: () => expect.getState(), beforeEach, afterEach });

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown>
    extends HeadroomMatchers<Promise<void>, T> {}
}

declare global {
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: must match @types/jest's declaration to merge
    interface Matchers<R, T = {}> extends HeadroomMatchers<Promise<R>, T> {}
  }
}
