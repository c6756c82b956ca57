/**
 * `import 'headroom/vitest'` in a vitest setup file (`test.setupFiles`): registers headroom's
 * matchers and their types, tags measurements with the running test, and reports a matcher that
 * was not awaited. Node only.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { autoInstrument } from './instrument/auto.js';
import { matchers } from './matchers/index.js';
import type { HeadroomMatchers } from './matchers/types.js';
import { installRunnerHooks } from './runner-hooks.js';

expect.extend(matchers);
autoInstrument();
installRunnerHooks({ getState: () => expect.getState(), beforeEach, afterEach });

declare module 'vitest' {
  interface Matchers<T = any> extends HeadroomMatchers<Promise<void>, T> {}
}
