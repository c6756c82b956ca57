import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { realDelay } from '../measure/clock.js';

const RESOLUTION_MS = 1;

/**
 * One histogram for the process: each `monitorEventLoopDelay` histogram holds native memory that
 * V8 does not see (so no GC frees it promptly); creating one per measurement grew RSS by about
 * 370 kB a matcher call.
 */
let shared: IntervalHistogram | undefined;
let users = 0;

/**
 * The longest single stretch the event loop was blocked during a call, in milliseconds.
 *
 * The synchronous part of the call is timed directly. Blocks in later macrotasks (between awaits,
 * in timers, I/O and setImmediate callbacks the call scheduled) are seen by
 * `monitorEventLoopDelay` at 1 ms resolution: it records the interval between its ticks, so a
 * block of B ms shows as an interval of B to B + 1 ms. Process-wide: a block by other code in the
 * same process at the same time counts.
 */
export class EventLoopProbe {
  #enabled = false;

  /** Starts the 1 ms monitor (kept off between measurements, so the loop can sleep). */
  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    shared ??= monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    if (users++ === 0) shared.enable();
  }

  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    if (--users === 0) shared?.disable();
  }

  /**
   * Resets the monitor before a call. A reset also forgets the time of the last tick, so the
   * first tick after it records nothing: wait for that tick to pass before the call starts, or a
   * block in the call's first macrotask (after an `await setImmediate`, in an I/O callback) would
   * go unseen.
   */
  async start(): Promise<void> {
    if (!shared || !this.#enabled) return;
    shared.reset();
    await realDelay(RESOLUTION_MS + 1);
  }

  /**
   * The longest block since `start()`. `syncMs` is the measured synchronous part of the call;
   * `async` says whether the call had asynchronous parts, whose blocks the monitor has to report.
   */
  async stop(syncMs: number, async: boolean): Promise<number> {
    const h = shared;
    if (!h || !this.#enabled || !async) return syncMs;
    // Let the monitor's timer fire once after the call settled, so that a block in the call's
    // last macrotask is recorded.
    const seen = h.count;
    for (let i = 0; i < 5 && h.count <= seen; i++) await realDelay(RESOLUTION_MS);
    // The monitor records the interval between its ticks: a block of B ms that starts d ms after a
    // tick (0 <= d <= 1 ms) records B + d. Subtracting half the resolution bounds the error by
    // ±0.5 ms whichever way d falls (a block right after a timer tick starts at d ≈ 0).
    const monitored = h.count > 0 ? h.max / 1e6 - RESOLUTION_MS / 2 : 0;
    return Math.max(syncMs, monitored, 0);
  }
}
