/**
 * A plain-text sales report: one line per order, grouped by country, with a subtotal per
 * country and a grand total.
 *
 * - `formatReportImmutable(orders)` is written in a "never mutate" style: every step returns a
 *   fresh array or string (`[...lines, line]`, `{ ...totals, [k]: v }`, `Object.entries` in a
 *   loop, re-padding each cell). Each spread copies everything built so far, so the garbage grows
 *   with the square of the number of orders.
 * - `formatReport(orders)` groups once, writes every line into a single array and joins it at
 *   the end: allocation proportional to the size of the output.
 *
 * Both return exactly the same text.
 */

export interface Order {
  id: number;
  customer: string;
  country: string;
  amount: number;
  status: 'paid' | 'pending' | 'refunded' | 'shipped';
}

const money = (amount: number) => amount.toFixed(2).padStart(10);
const line = (o: Order) =>
  `  #${String(o.id).padStart(6, '0')}  ${o.customer.padEnd(16)}  ${o.status.padEnd(8)}  ${money(o.amount)}`;

/** Groups, sums and formats with one array of lines and one join. */
export function formatReport(orders: readonly Order[]): string {
  const byCountry = new Map<string, Order[]>();
  let total = 0;
  for (const o of orders) {
    total += o.amount;
    let group = byCountry.get(o.country);
    if (!group) byCountry.set(o.country, (group = []));
    group.push(o);
  }
  const out: string[] = ['SALES REPORT', ''];
  for (const country of [...byCountry.keys()].sort()) {
    const group = byCountry.get(country) as Order[];
    let subtotal = 0;
    out.push(`${country} (${group.length} orders)`);
    for (const o of group) {
      out.push(line(o));
      subtotal += o.amount;
    }
    out.push(`  ${'subtotal'.padEnd(42)}${money(subtotal)}`, '');
  }
  out.push(`${'TOTAL'.padEnd(44)}${money(total)}`);
  return out.join('\n');
}

/**
 * Same output, built immutably: every step copies what was built so far. (A linter flags some of
 * these spreads; the contract catches the cost whatever shape the code takes.)
 */
export function formatReportImmutable(orders: readonly Order[]): string {
  const groups = orders.reduce<Record<string, Order[]>>(
    // biome-ignore lint/performance/noAccumulatingSpread: the quadratic copy is what this example shows
    (acc, o) => ({ ...acc, [o.country]: [...(acc[o.country] ?? []), o] }),
    {},
  );
  const sections = Object.keys(groups)
    .sort()
    .reduce<string[]>((lines, country) => {
      const group = groups[country] as Order[];
      // biome-ignore lint/performance/noAccumulatingSpread: the quadratic copy is what this example shows
      const body = group.map(line).reduce<string[]>((acc, l) => [...acc, l], []);
      const subtotal = group.map((o) => o.amount).reduce((a, b) => a + b, 0);
      return [
        // biome-ignore lint/performance/noAccumulatingSpread: the quadratic copy is what this example shows
        ...lines,
        `${country} (${group.length} orders)`,
        ...body,
        `  ${'subtotal'.padEnd(42)}${money(subtotal)}`,
        '',
      ];
    }, []);
  const total = orders.map((o) => o.amount).reduce((a, b) => a + b, 0);
  return ['SALES REPORT', '', ...sections, `${'TOTAL'.padEnd(44)}${money(total)}`].join('\n');
}

/** Orders for tests, deterministic for a given count. */
export function sampleOrders(count: number): Order[] {
  const countries = ['BR', 'DE', 'FR', 'JP', 'NL', 'US'];
  const statuses = ['paid', 'pending', 'refunded', 'shipped'] as const;
  const orders: Order[] = [];
  for (let i = 1; i <= count; i++) {
    orders.push({
      id: i,
      customer: `Customer ${i % 977}`,
      country: countries[(i * 7) % countries.length] as string,
      amount: ((i * 7919) % 100_000) / 100,
      status: statuses[i % statuses.length] as Order['status'],
    });
  }
  return orders;
}
