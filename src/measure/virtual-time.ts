/**
 * Virtual time. When a test installs fake timers (vitest's `vi.useFakeTimers()`, jest's modern
 * timers, @sinonjs/fake-timers — all built on @sinonjs/fake-timers, whose fake `setTimeout` carries
 * its clock), headroom measures `duration` on that clock and drives it while a measured call is
 * pending: a call that waits on three simulated downstreams of 100, 200 and 300 ms measures 600 ms
 * in a few milliseconds of wall time. Only timers are virtual: CPU work takes no virtual time, and
 * real I/O (a real socket) takes real time but no virtual time.
 */
import { HeadroomError } from '../errors.js';
import { now, realTurn } from './clock.js';
import { isThenable } from './scope.js';

/** The part of an @sinonjs/fake-timers clock headroom uses. */
export interface FakeClock {
  now: number;
  nextAsync(): Promise<number>;
  countTimers(): number;
}

/** The installed fake clock, if the global `setTimeout` is a fake one. */
export function fakeClock(): FakeClock | undefined {
  const clock = (globalThis.setTimeout as unknown as { clock?: Partial<FakeClock> }).clock;
  if (
    clock &&
    typeof clock.now === 'number' &&
    typeof clock.nextAsync === 'function' &&
    typeof clock.countTimers === 'function'
  ) {
    return clock as FakeClock;
  }
  return undefined;
}

/** Milliseconds for event timestamps: the fake clock's while one is installed, the real one otherwise. */
export function eventTime(): number {
  const clock = fakeClock();
  return clock ? clock.now : now();
}

/**
 * Waits for `promise`, advancing the fake clock timer by timer while the call is pending. Before
 * each advance it lets the real event loop turn twice, so real I/O that is already under way
 * (a loopback request) finishes before virtual time jumps ahead of it. Gives up after
 * `limitMs` of real time: a call that waits on nothing a timer or I/O will ever resolve.
 */
export async function settleWithClock(
  promise: PromiseLike<unknown>,
  clock: FakeClock,
  limitMs: number,
): Promise<void> {
  let settled = false;
  Promise.resolve(promise).then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const deadline = now() + limitMs;
  await realTurn();
  while (!settled) {
    await realTurn();
    if (settled) break;
    await realTurn();
    if (settled) break;
    if (clock.countTimers() > 0) await clock.nextAsync();
    if (now() > deadline) {
      throw new HeadroomError(
        'HEADROOM_ERR_NOT_SETTLED',
        `Failed to measure the function: under fake timers it was still pending after ${limitMs} ms of real time ` +
          '(maxTime), while headroom advanced its timers. Please make sure it settles (a timeout or an answer), or raise maxTime.',
      );
    }
  }
}

/** Awaits a call's result, driving the fake clock first if one is installed and the call is async. */
export async function settle(result: unknown, limitMs: number): Promise<void> {
  const clock = fakeClock();
  if (clock && isThenable(result)) await settleWithClock(result, clock, limitMs);
  await result;
}
