import { clearInterval as realClearInterval, setInterval as realSetInterval } from 'node:timers';
import { now, realDelay } from '../measure/clock.js';

const TICK_MS = 1;

/**
 * A 1 ms ticker on the real timers (fake timers do not touch it), shared by the process: each tick
 * records how long it has been since the previous one, so a block of B ms shows as a gap of B to
 * B + 1 ms. Unlike `monitorEventLoopDelay`, whose reset forgets the last tick (so the first block
 * after a reset went unseen unless the call waited for a tick first), the ticker keeps its last
 * tick across calls: a window starts at once, and a synchronous call needs no ticker at all.
 */
const ticker = {
  users: 0,
  timer: undefined as ReturnType<typeof realSetInterval> | undefined,
  last: 0,
  ticks: 0,
  /** The longest gap between ticks since the window was opened. */
  windowMax: 0,
  tick() {
    const t = now();
    const gap = t - ticker.last;
    ticker.last = t;
    ticker.ticks++;
    if (gap > ticker.windowMax) ticker.windowMax = gap;
  },
};

/**
 * The longest single stretch the event loop was blocked during a call, in milliseconds.
 *
 * The synchronous part of the call is timed directly. Blocks in later macrotasks (between awaits,
 * in timers, I/O and setImmediate callbacks the call scheduled) are seen by the ticker: the
 * longest gap between its ticks in the call's window, less half a tick (a block that starts d ms
 * after a tick, 0 <= d <= 1, shows as B + d, so the error is within ±0.5 ms). Process-wide: a
 * block by other code in the same process at the same time counts.
 */
export class EventLoopProbe {
  #enabled = false;

  /** Starts the ticker (kept off between measurements, so the loop can sleep). */
  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    if (ticker.users++ === 0) {
      ticker.last = now();
      ticker.timer = realSetInterval(ticker.tick, TICK_MS);
      ticker.timer.unref();
    }
  }

  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    if (--ticker.users === 0 && ticker.timer) {
      realClearInterval(ticker.timer);
      ticker.timer = undefined;
    }
  }

  /** Opens the window of a call: gaps from now on count. */
  async start(): Promise<void> {
    if (!this.#enabled) return;
    ticker.last = Math.max(ticker.last, now() - TICK_MS);
    ticker.windowMax = 0;
  }

  /**
   * The longest block since `start()`. `syncMs` is the measured synchronous part of the call;
   * `async` says whether the call had asynchronous parts, whose blocks the ticker has to report.
   */
  async stop(syncMs: number, async: boolean): Promise<number> {
    if (!this.#enabled || !async) return syncMs;
    // Let the ticker fire once after the call settled, so that a block in the call's last
    // macrotask is recorded.
    const seen = ticker.ticks;
    for (let i = 0; i < 5 && ticker.ticks <= seen; i++) await realDelay(TICK_MS);
    const monitored = ticker.windowMax - TICK_MS / 2;
    return Math.max(syncMs, monitored, 0);
  }
}
