/**
 * De-duplicating the customer ids of a day's orders, two ways.
 *
 * - `uniqueCustomers` keeps a `Set` of the ids seen: one pass, linear in the number of orders.
 * - `uniqueCustomersByScan` keeps an array and asks `indexOf` before each push. It reads as
 *   harmless and returns the same ids in the same order, but `indexOf` scans everything kept so
 *   far: n²/2 comparisons when most ids are distinct. 100 orders: 5,000 comparisons, nothing to
 *   see; 4,096 orders: 8 million.
 */

/** The customer ids of `n` orders: distinct, in a scrambled order (7919 is prime). */
export function customerIds(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7919) % n);
}

export function uniqueCustomers(ids: number[]): number[] {
  return [...new Set(ids)];
}

export function uniqueCustomersByScan(ids: number[]): number[] {
  const unique: number[] = [];
  for (const id of ids) if (unique.indexOf(id) === -1) unique.push(id);
  return unique;
}
