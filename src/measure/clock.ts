import { performance } from 'node:perf_hooks';
import { setImmediate as realSetImmediate, setTimeout as realSetTimeout } from 'node:timers';

// Captured when headroom loads, before a test can install fake timers: vitest and jest replace
// `performance.now`, `setTimeout` and friends on the global object, not these references.
const realNow = performance.now.bind(performance);

/** Milliseconds of the real monotonic clock, unaffected by fake timers. */
export function now(): number {
  return realNow();
}

/** Resolves after `ms` of real time, even while fake timers are installed. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    realSetTimeout(resolve, ms);
  });
}

/** Resolves on the next turn of the real event loop (after pending I/O callbacks). */
export function realTurn(): Promise<void> {
  return new Promise((resolve) => {
    realSetImmediate(resolve);
  });
}
