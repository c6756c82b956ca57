/**
 * Rendering a batch of invoices from SQLite (better-sqlite3), two ways.
 *
 * - `renderInvoices` loads every order's lines and every customer in two queries (`WHERE … IN`),
 *   however many orders there are.
 * - `renderInvoicesOneByOne` loads the customers in one query, then the lines of each order in a
 *   query of its own: the N+1. Same invoices; with 3 orders it is 4 queries, with 500 it is 501.
 * - `renderInvoicesWithCustomerLookups` goes one worse: it also looks the customer up once per
 *   order, two queries per order.
 *
 * headroom counts better-sqlite3 queries with no setup: the `headroom/vitest` setup file patches
 * the driver, and every statement a measured call runs is counted for it.
 */
import Database from 'better-sqlite3';

export interface Order {
  id: number;
  customerId: number;
}

export interface Invoice {
  orderId: number;
  customer: string;
  lines: { sku: string; cents: number }[];
  totalCents: number;
}

interface LineRow {
  order_id: number;
  sku: string;
  cents: number;
}
interface CustomerRow {
  id: number;
  name: string;
}

/** 50 customers, and 2 lines for each of orders 0–999. */
const db = new Database(':memory:');
db.exec(`
  CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE lines (order_id INTEGER NOT NULL, sku TEXT NOT NULL, cents INTEGER NOT NULL);
  CREATE INDEX lines_order ON lines (order_id);
`);
const insertCustomer = db.prepare('INSERT INTO customers (id, name) VALUES (?, ?)');
const insertLine = db.prepare('INSERT INTO lines (order_id, sku, cents) VALUES (?, ?, ?)');
db.transaction(() => {
  for (let id = 0; id < 50; id++) insertCustomer.run(id, `Customer ${id}`);
  for (let order = 0; order < 1000; order++) {
    insertLine.run(order, `SKU-${order % 17}`, 1000 + (order % 7) * 100);
    insertLine.run(order, `SKU-${(order + 5) % 17}`, 250);
  }
})();

/** `n` orders: ids 0…n-1, customers 0–49. */
export function makeOrders(n: number): Order[] {
  return Array.from({ length: n }, (_, id) => ({ id, customerId: (id * 7) % 50 }));
}

const placeholders = (values: unknown[]) => values.map(() => '?').join(', ');
const unique = (values: number[]) => [...new Set(values)];

function invoice(order: Order, customer: string, lines: LineRow[]): Invoice {
  const items = lines.map(({ sku, cents }) => ({ sku, cents }));
  return {
    orderId: order.id,
    customer,
    lines: items,
    totalCents: items.reduce((sum, line) => sum + line.cents, 0),
  };
}

function loadCustomers(orders: Order[]): Map<number, string> {
  const ids = unique(orders.map((o) => o.customerId));
  const rows = db
    .prepare(`SELECT id, name FROM customers WHERE id IN (${placeholders(ids)})`)
    .all(...ids) as CustomerRow[];
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Two queries, whatever the number of orders. */
export function renderInvoices(orders: Order[]): Invoice[] {
  if (orders.length === 0) return [];
  const customers = loadCustomers(orders);
  const ids = unique(orders.map((o) => o.id));
  const lines = db
    .prepare(`SELECT order_id, sku, cents FROM lines WHERE order_id IN (${placeholders(ids)})`)
    .all(...ids) as LineRow[];
  const byOrder = new Map<number, LineRow[]>();
  for (const line of lines) byOrder.set(line.order_id, [...(byOrder.get(line.order_id) ?? []), line]);
  return orders.map((o) => invoice(o, customers.get(o.customerId) ?? '?', byOrder.get(o.id) ?? []));
}

/** One query for the customers, then one per order: the N+1. */
export function renderInvoicesOneByOne(orders: Order[]): Invoice[] {
  if (orders.length === 0) return [];
  const customers = loadCustomers(orders);
  const linesOf = db.prepare('SELECT order_id, sku, cents FROM lines WHERE order_id = ?');
  return orders.map((o) => invoice(o, customers.get(o.customerId) ?? '?', linesOf.all(o.id) as LineRow[]));
}

/** Two queries per order: its lines, and its customer again. */
export function renderInvoicesWithCustomerLookups(orders: Order[]): Invoice[] {
  const linesOf = db.prepare('SELECT order_id, sku, cents FROM lines WHERE order_id = ?');
  const customerOf = db.prepare('SELECT id, name FROM customers WHERE id = ?');
  return orders.map((o) => {
    const customer = customerOf.get(o.customerId) as CustomerRow | undefined;
    return invoice(o, customer?.name ?? '?', linesOf.all(o.id) as LineRow[]);
  });
}
