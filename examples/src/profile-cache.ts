/**
 * Two memoizers for an expensive pure function (here: rendering a customer's profile card).
 *
 * - `memoizeForever(fn, key)` caches every result in a Map and never evicts. That is fine when
 *   the set of keys is small and fixed; when the key is unbounded (a user id, a request id, a
 *   query string with a timestamp in it), every new key stays in memory forever: a leak.
 * - `memoizeLru(fn, key, { max })` keeps at most `max` entries and evicts the least recently
 *   used one: memory stays bounded however many distinct keys arrive.
 */

export type Memoized<A extends unknown[], R> = ((...args: A) => R) & { readonly size: number };

/** Caches every result, forever. */
export function memoizeForever<A extends unknown[], R>(
  fn: (...args: A) => R,
  key: (...args: A) => string,
): Memoized<A, R> {
  const cache = new Map<string, R>();
  const memo = (...args: A): R => {
    const k = key(...args);
    let value = cache.get(k);
    if (value === undefined) {
      value = fn(...args);
      cache.set(k, value);
    }
    return value;
  };
  return Object.defineProperty(memo, 'size', { get: () => cache.size }) as Memoized<A, R>;
}

/** Caches at most `max` results, evicting the least recently used one. */
export function memoizeLru<A extends unknown[], R>(
  fn: (...args: A) => R,
  key: (...args: A) => string,
  options: { max: number },
): Memoized<A, R> {
  // A Map iterates in insertion order: re-inserting on a hit makes its first key the LRU one.
  const cache = new Map<string, R>();
  const memo = (...args: A): R => {
    const k = key(...args);
    let value = cache.get(k);
    if (value !== undefined) {
      cache.delete(k);
    } else {
      value = fn(...args);
      if (cache.size >= options.max) cache.delete(cache.keys().next().value as string);
    }
    cache.set(k, value);
    return value;
  };
  return Object.defineProperty(memo, 'size', { get: () => cache.size }) as Memoized<A, R>;
}

export interface Customer {
  id: number;
  name: string;
  email: string;
  country: string;
  orders: number;
  since: string;
  /** The last orders, newest first. */
  recent: { id: number; date: string; total: number; status: string }[];
}

/** The expensive function being memoized: renders a customer's profile card as HTML. */
export function renderProfileCard(customer: Customer, locale: string): string {
  const since = new Date(customer.since).toLocaleDateString(locale, { year: 'numeric', month: 'long' });
  const badges = ['early adopter', 'frequent buyer', 'reviewer', 'beta tester']
    .filter((_, i) => (customer.id + i) % 2 === 0)
    .map((b) => `<li class="badge">${b}</li>`)
    .join('');
  const recent = customer.recent
    .map(
      (o) =>
        `    <tr><td><a href="/orders/${o.id}">#${o.id}</a></td><td>${o.date}</td>` +
        `<td class="num">${o.total.toFixed(2)} EUR</td><td class="status status-${o.status}">${o.status}</td></tr>`,
    )
    .join('\n');
  return [
    `<article class="card" data-customer="${customer.id}">`,
    `  <h2>${customer.name}</h2>`,
    `  <p class="email">${customer.email}</p>`,
    `  <p class="meta">${customer.country} · ${customer.orders} orders · customer since ${since}</p>`,
    `  <ul class="badges">${badges}</ul>`,
    '  <table class="recent-orders">',
    '    <tr><th>Order</th><th>Date</th><th>Total</th><th>Status</th></tr>',
    recent,
    '  </table>',
    '</article>',
  ].join('\n');
}

/** A customer record for tests. */
export function customer(id: number): Customer {
  return {
    id,
    name: `Customer ${id}`,
    email: `customer${id}@example.com`,
    country: ['DE', 'FR', 'US'][id % 3] as string,
    orders: id % 40,
    since: `20${10 + (id % 15)}-0${1 + (id % 9)}-15`,
    recent: Array.from({ length: 20 }, (_, k) => ({
      id: id * 100 + k,
      date: `2024-${String(12 - (k % 12)).padStart(2, '0')}-${String(1 + ((id + k) % 28)).padStart(2, '0')}`,
      total: ((id * 31 + k * 17) % 50_000) / 100,
      status: ['paid', 'shipped', 'delivered', 'refunded'][(id + k) % 4] as string,
    })),
  };
}
