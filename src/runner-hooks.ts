/**
 * What both runner entries do around each test, given the runner's own hooks: tag measurements
 * with the running test and its file, write judged contracts for `headroom/reporter`, trace every
 * test when asked, and report a matcher that was not awaited.
 */
import { assertSettled } from './matchers/context.js';
import { runtime } from './measure/scope.js';
import { resetBaselineKeys } from './report/baseline.js';
import { resetContractIds, startCollecting } from './report/collect.js';
import { endTestTrace, startTestTrace, tracingTests } from './report/trace-tests.js';

/** The part of a runner's API the hooks need. */
export interface RunnerApi {
  getState(): { currentTestName?: string | undefined; testPath?: string | undefined };
  beforeEach(fn: () => void): void;
  afterEach(fn: () => void): void;
}

export function installRunnerHooks(api: RunnerApi): void {
  runtime.testName = () => api.getState().currentTestName;
  runtime.testPath = () => api.getState().testPath;
  startCollecting();
  if (tracingTests()) {
    api.beforeEach(() => startTestTrace());
    api.afterEach(() => {
      const state = api.getState();
      endTestTrace(state.currentTestName, state.testPath);
    });
  }
  api.afterEach(() => {
    resetContractIds();
    resetBaselineKeys();
    assertSettled(api.getState().currentTestName);
  });
}
