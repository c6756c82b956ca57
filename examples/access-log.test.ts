/**
 * Example 1: a parser that blocks the event loop (budget key: `eventLoopBlock`).
 *
 * `summarizeLog` parses an uploaded access log in one synchronous loop. Its total time is fine,
 * but while it runs the process answers nothing else. `summarizeLogChunked` does the same work
 * and yields between chunks of 1,000 lines. A `duration` budget cannot tell the two apart (they
 * take about as long); `eventLoopBlock`, the longest single stretch the loop was blocked during
 * the call, can.
 */
import { describe, expect, it } from 'vitest';
import { sampleAccessLog, summarizeLog, summarizeLogChunked } from './src/access-log.js';
import { expectCaught } from './support/regressions.js';

// An 8 MB upload: 80,000 lines. The synchronous parse blocks for ~60 ms here; each chunk of the
// chunked parse for ~1 ms.
const log = sampleAccessLog(80_000);

const budget = {
  // Typical longest block of the chunked parse: ~1 ms (a garbage collection can add a few ms).
  // The limit sits far from that, and far below the ~60 ms of the synchronous parse.
  eventLoopBlock: '20ms',
  // Wall time per call: typically ~70 ms. A generous limit, ~7x the typical time, catches an
  // accidental quadratic without ever flaking on a loaded CI machine.
  duration: '500ms',
} as const;

describe('access log summary', () => {
  it('both implementations give the same summary', async () => {
    const small = sampleAccessLog(5_000);
    const summary = summarizeLog(small);
    expect(summary.lines).toBe(5_000);
    expect(summary.routes['GET /orders/:id']?.requests).toBeGreaterThan(0);
    await expect(summarizeLogChunked(small)).resolves.toEqual(summary);
  });

  it('contract: the chunked summary never blocks the event loop for long', async () => {
    await expect(() => summarizeLogChunked(log)).toStayWithin(budget);
  });

  it('regression caught: the synchronous summary blocks the event loop', async () => {
    // Same work, same budget: the duration still passes, eventLoopBlock fails.
    await expectCaught(expect(() => summarizeLog(log)).toStayWithin(budget), 'eventLoopBlock');
  });
});
