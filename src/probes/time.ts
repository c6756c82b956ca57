import { now } from '../measure/clock.js';

/**
 * Wall time of one call, in milliseconds of the real monotonic clock (fake timers do not move it).
 * `start()` returns a token for `stop()`.
 */
export const timeProbe = {
  start(): number {
    return now();
  },
  stop(token: number): number {
    return now() - token;
  },
};
