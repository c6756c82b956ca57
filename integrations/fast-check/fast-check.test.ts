import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { perfProperty } from './index.js';

const db = new Database(':memory:');
db.exec('CREATE TABLE lines (order_id INTEGER, sku TEXT)');

/** Renders invoices with a planted N+1: one query for the customer, one per order. */
function renderInvoices(orderIds: number[]) {
  db.prepare('SELECT 1 AS customer').get();
  return orderIds.map((id) => db.prepare('SELECT * FROM lines WHERE order_id = ?').all(id));
}

function renderInvoicesBatched(orderIds: number[]) {
  db.prepare('SELECT 1 AS customer').get();
  return db
    .prepare(`SELECT * FROM lines WHERE order_id IN (${orderIds.map(() => '?').join(',') || 'NULL'})`)
    .all(...orderIds);
}

describe('perfProperty', () => {
  it('shrinks a budget violation to the smallest input that breaks it: 2 orders exceed queries: 2', async () => {
    const details = await fc.check(
      perfProperty(fc.array(fc.nat(1000), { maxLength: 40 }), renderInvoices, { queries: 2 }),
      {
        seed: 42,
      },
    );
    expect(details.failed).toBe(true);
    expect(details.counterexample).toEqual([[0, 0]]);
    const error = details.errorInstance as Error & { input: number[] };
    expect(error.input).toEqual([0, 0]);
    expect(error.message).toMatch(
      /^perfProperty\(arbitrary, fn, budget\)\n\nBudget exceeded on 1 of 1 metric \(1 call made\)\./,
    );
    expect(error.message).toMatch(/✗ queries +2 +3 +-1\n/);
    expect(error.message).toContain('Input: [0,0]');
  });

  it('passes over every generated input when the budget holds', async () => {
    await fc.assert(
      perfProperty(fc.array(fc.nat(1000), { maxLength: 40 }), renderInvoicesBatched, {
        queries: 2,
        repeatedQueries: 0,
      }),
      { numRuns: 50 },
    );
  });

  it('fails fc.assert with the shrunk input, and the headroom message as its cause', async () => {
    const error = await fc
      .assert(perfProperty(fc.array(fc.nat(9), { maxLength: 10 }), renderInvoices, { repeatedQueries: 0 }), {
        seed: 7,
      })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).toContain('Counterexample: [[0,0]]');
    expect((error?.cause as Error | undefined)?.message).toMatch(
      /×2 +SELECT \* FROM lines WHERE order_id = \?[\s\S]*Input: \[0,0\]/,
    );
  });

  it('rejects a function that is not one', () => {
    expect(() => perfProperty(fc.nat(), 42 as never, { queries: 1 })).toThrow(/HEADROOM_ERR_NOT_A_FUNCTION/);
  });
});
