/**
 * Example 3: a formatter that allocates too much (budget key: `allocated`).
 *
 * `formatReport` writes every line of a sales report into one array and joins it once.
 * `formatReportImmutable` builds the same text without ever mutating: each step spreads what was
 * built so far into a fresh array (`[...lines, line]`), so the garbage grows with the square of
 * the number of orders. Both return the same string, and both are fast enough on a small test
 * input that a timing budget would hardly notice; the bytes allocated per call do.
 *
 * Allocated bytes are counted, not timed: the same code allocates the same bytes on a fast
 * laptop and on a loaded CI machine, so the budget can sit close to the typical value.
 */
import { measure } from 'headroom';
import { describe, expect, it } from 'vitest';
import { formatReport, formatReportImmutable, sampleOrders } from './src/report.js';
import { expectCaught } from './support/regressions.js';

const orders = sampleOrders(2_000);

const budget = {
  // ~1.3 MB for 2,000 orders (~650 B per order: the line strings, padding, the groups) once the
  // JIT has optimized the code, ~1.6 MB on a cold first call. The immutable version: ~16 MB.
  allocated: '3MB',
  // ~0.6 ms typical; 10 ms is generous enough never to flake, and still catches a blow-up.
  duration: '10ms',
} as const;

describe('sales report', () => {
  it('both implementations give the same text', () => {
    const text = formatReport(orders);
    expect(formatReportImmutable(orders)).toBe(text);
    expect(text).toMatch(/^SALES REPORT\n/);
    expect(text).toMatch(/\nTOTAL +\d+\.\d\d$/);
  });

  it('contract: the report allocates in proportion to its size', async () => {
    await expect(() => formatReport(orders)).toStayWithin(budget);
  });

  it('regression caught: building the report immutably allocates quadratically', async () => {
    await expectCaught(expect(() => formatReportImmutable(orders)).toStayWithin(budget), 'allocated');
  });

  it('measure() takes the numbers, for a look or for several verdicts', async () => {
    // measure() runs the probes without judging: read the samples, log them, or judge the same
    // measurement against a budget later with expect(measurement).toStayWithin(budget).
    const m = await measure(() => formatReport(orders), { metrics: ['allocated', 'eventLoopBlock'] });
    expect(m.samples.allocatedBytes.length).toBeGreaterThan(0);
    expect(m.samples.eventLoopBlockMs.length).toBeGreaterThan(0);
    await expect(m).toStayWithin({ allocated: budget.allocated, eventLoopBlock: '20ms' });
  });
});
