/**
 * How queries grow with the number of orders (`toScale` on `queries`), and the smallest input
 * that breaks a query budget (`perfProperty` from `headroom/fast-check`).
 *
 * Queries are counted, not timed, so these verdicts are exact: at sizes 1, 2, 4 … 64 the batched
 * renderer runs 2 queries every time, and the N+1 runs 2, 3, 5 … 65.
 */
import fc from 'fast-check';
import { perfProperty } from 'headroom/fast-check';
import { describe, expect, it } from 'vitest';
import { expectCaught, showRegressions } from '../support/regressions.js';
import {
  makeOrders,
  type Order,
  renderInvoices,
  renderInvoicesOneByOne,
  renderInvoicesWithCustomerLookups,
} from './invoices.js';

describe('rendering invoices: queries per number of orders', () => {
  it('all three renderers give the same invoices', () => {
    const orders = makeOrders(20);
    const invoices = renderInvoices(orders);
    expect(renderInvoicesOneByOne(orders)).toEqual(invoices);
    expect(renderInvoicesWithCustomerLookups(orders)).toEqual(invoices);
    expect(invoices[3]).toEqual({
      orderId: 3,
      customer: 'Customer 21',
      lines: [
        { sku: 'SKU-3', cents: 1300 },
        { sku: 'SKU-8', cents: 250 },
      ],
      totalCents: 1550,
    });
  });

  it('contract: a constant number of queries, however many orders', async () => {
    await expect(renderInvoices).toScale({ input: makeOrders, queries: 'constant' });
  });

  it('regression caught: one query per order (N+1)', async () => {
    await expectCaught(
      expect(renderInvoicesOneByOne).toScale({ input: makeOrders, queries: 'constant' }),
      'queries',
    );
  });

  // When an N+1 is known and accepted for now, `{ slope: 1 }` keeps it from getting worse: at
  // most one more query per order.
  it('contract: the one-by-one renderer stays at one query per order', async () => {
    await expect(renderInvoicesOneByOne).toScale({ input: makeOrders, queries: { slope: 1 } });
  });

  it('regression caught: a customer lookup per order makes it two', async () => {
    await expectCaught(
      expect(renderInvoicesWithCustomerLookups).toScale({ input: makeOrders, queries: { slope: 1 } }),
      'queries',
    );
  });
});

describe('rendering invoices: generated orders (perfProperty)', () => {
  /** Up to 30 orders, any of 1,000 ids (repeats allowed) and 50 customers. */
  const orders = fc.array(fc.record({ id: fc.nat(999), customerId: fc.nat(49) }), { maxLength: 30 });

  it('contract: 2 queries and none repeated, for every generated batch of orders', async () => {
    await fc.assert(perfProperty(orders, renderInvoices, { queries: 2, repeatedQueries: 0 }), {
      numRuns: 100,
    });
  });

  it('regression caught: the N+1, shrunk to the smallest batch that breaks the budget', async () => {
    const property = perfProperty(orders, renderInvoicesOneByOne, { queries: 2 });
    if (showRegressions) {
      await fc.assert(property, { seed: 42 });
      return;
    }
    const details = await fc.check(property, { seed: 42 });
    expect(details.failed).toBe(true);
    // Two orders, fast-check's smallest values: 3 queries against a budget of 2.
    const smallest: Order[] = [
      { id: 0, customerId: 0 },
      { id: 0, customerId: 0 },
    ];
    expect(details.counterexample).toEqual([smallest]);
    expect((details.errorInstance as Error).message).toMatch(/✗ queries +2 +3 +-1\n/);
  });
});
