/**
 * Example 2: a cache that leaks (budget key: `retained`).
 *
 * Rendering a customer's profile card is memoized by customer id. `memoizeForever` never evicts,
 * so every customer ever shown stays in memory; `memoizeLru` keeps the 500 most recently used.
 *
 * `retained` is the heap still held per call after repeated calls and full garbage collections:
 * headroom calls the function in rounds, collects garbage between rounds and fits the heap's
 * growth per call. Each call here asks for a different customer (an unbounded key space, as in
 * production), so a cache without eviction grows by one card (~3.5 kB) per call.
 *
 * `allocated` (heap bytes allocated per call, garbage included) is a different question: both
 * caches allocate the same when they render a card; only one of them keeps it.
 */
import { describe, expect, it } from 'vitest';
import { customer, memoizeForever, memoizeLru, renderProfileCard } from './src/profile-cache.js';
import { expectCaught } from './support/regressions.js';

const byId = (c: { id: number }, locale: string) => `${c.id}:${locale}`;

const budget = {
  // A leak of one card per call is ~3.5 kB; a bounded cache in its steady state retains ~0 B
  // (up to a few hundred bytes of noise on a loaded machine).
  retained: '1kB',
  // Rendering one card allocates ~25 kB (the customer record, the rows, the strings, the date
  // formatting); up to ~60 kB has been seen on a first call (JIT, the LRU's map rehashing).
  allocated: '100kB',
} as const;

/** A fresh customer on every call, like real traffic. */
function traffic(card: (c: ReturnType<typeof customer>, locale: string) => string) {
  let nextId = 1;
  return () => card(customer(nextId++), 'en-GB');
}

describe('profile card cache', () => {
  it('the LRU cache keeps at most `max` cards', () => {
    const cards = memoizeLru(renderProfileCard, byId, { max: 3 });
    for (let id = 1; id <= 10; id++) cards(customer(id), 'en-GB');
    expect(cards.size).toBe(3);
    expect(cards(customer(10), 'en-GB')).toBe(renderProfileCard(customer(10), 'en-GB'));
  });

  it('contract: the LRU cache does not grow with traffic', async () => {
    const cards = memoizeLru(renderProfileCard, byId, { max: 500 });
    const call = traffic(cards);
    // A bounded cache grows until it is full. Fill it first, so that the contract measures its
    // steady state (evicting one card per new one), not its warm-up.
    for (let i = 0; i < 500; i++) call();
    await expect(call).toStayWithin(budget);
  });

  it('regression caught: a cache without eviction leaks one card per customer', async () => {
    const cards = memoizeForever(renderProfileCard, byId);
    const call = traffic(cards);
    for (let i = 0; i < 500; i++) call();
    await expectCaught(expect(call).toStayWithin(budget), 'retained');
  });
});
