import { HeadroomError } from '../errors.js';
import type { Measurement, VerdictStatus } from '../types.js';

/** The part of vitest's and jest's matcher context headroom uses. */
export interface MatcherContext {
  isNot?: boolean;
  currentTestName?: string | undefined;
}

/** What an asynchronous matcher resolves to, in vitest and jest alike. */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
  /** The measurement behind the verdict, for reporters. */
  measurement?: Measurement;
}

/**
 * Whether a verdict holds: a pass, or an inconclusive verdict when the `inconclusive` option says
 * it passes (the default).
 */
export function holds(status: VerdictStatus, inconclusive: 'pass' | 'fail'): boolean {
  return status === 'pass' || (status === 'inconclusive' && inconclusive === 'pass');
}

/** Matcher calls still running, by test name; checked when each test ends. */
const inflight = new Map<string, number>();

/**
 * Wraps a matcher so that a call still running when its test ends is reported as not awaited
 * (`HEADROOM_ERR_NOT_AWAITED`), instead of finishing silently after the test passed.
 */
export function tracked<A extends unknown[]>(
  matcher: (this: MatcherContext, received: unknown, ...args: A) => Promise<MatcherResult>,
): (this: MatcherContext, received: unknown, ...args: A) => Promise<MatcherResult> {
  return async function (this: MatcherContext, received: unknown, ...args: A) {
    const key = this.currentTestName ?? '';
    inflight.set(key, (inflight.get(key) ?? 0) + 1);
    try {
      return await matcher.call(this, received, ...args);
    } finally {
      const n = (inflight.get(key) ?? 1) - 1;
      if (n > 0) inflight.set(key, n);
      else inflight.delete(key);
    }
  };
}

/**
 * Called by the runner entries after each test: throws if a headroom matcher of that test is
 * still running, which means it was not awaited.
 */
export function assertSettled(testName: string | undefined): void {
  const key = testName ?? '';
  const n = inflight.get(key);
  if (!n) return;
  inflight.delete(key);
  throw new HeadroomError(
    'HEADROOM_ERR_NOT_AWAITED',
    `Failed to check a performance contract: ${n === 1 ? 'a headroom matcher was' : `${n} headroom matchers were`} ` +
      `still running when the test${testName ? ` "${testName}"` : ''} ended, so its verdict was lost. ` +
      'Please await it: `await expect(fn).toStayWithin(budget)`.',
  );
}
