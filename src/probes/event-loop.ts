import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { realDelay } from '../measure/clock.js';

const RESOLUTION_MS = 1;

/**
 * The longest single stretch the event loop was blocked during a call, in milliseconds.
 *
 * The synchronous part of the call is timed directly. Blocks in later macrotasks (between awaits,
 * in timers and callbacks the call scheduled) are seen by `monitorEventLoopDelay` at 1 ms
 * resolution: its timer records how late it fired, and a tick delayed by a block of B ms records
 * about B + 1 ms. Process-wide: a block by other code in the same process at the same time counts.
 */
export class EventLoopProbe {
  #histogram: IntervalHistogram | undefined;

  /** Starts the 1 ms monitor (kept off between measurements, so the loop can sleep). */
  enable(): void {
    if (this.#histogram) return;
    this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.#histogram.enable();
  }

  disable(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  start(): void {
    this.#histogram?.reset();
  }

  /**
   * The longest block since `start()`. `syncMs` is the measured synchronous part of the call;
   * `async` says whether the call had asynchronous parts, whose blocks the monitor has to report.
   */
  async stop(syncMs: number, async: boolean): Promise<number> {
    const h = this.#histogram;
    if (!h || !async) return syncMs;
    // Let the monitor's timer fire once after the call settled, so that a block in the call's
    // last macrotask is recorded.
    const seen = h.count;
    for (let i = 0; i < 5 && h.count <= seen; i++) await realDelay(RESOLUTION_MS);
    const monitored = h.count > 0 ? h.max / 1e6 - RESOLUTION_MS : 0;
    return Math.max(syncMs, monitored, 0);
  }
}
