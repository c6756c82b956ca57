/**
 * The shop's database: users, a catalogue of items, and orders with their lines, in an in-memory
 * SQLite database (better-sqlite3). Seeded deterministically, so every run sees the same data.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface Seed {
  users: number;
  items: number;
  ordersPerUser: number;
  linesPerOrder: number;
}

export const defaultSeed: Seed = { users: 20, items: 50, ordersPerUser: 12, linesPerOrder: 3 };

export function openDb(seed: Seed = defaultSeed): Db {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);
    CREATE TABLE items (
      id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
      price_cents INTEGER NOT NULL, weight_grams INTEGER NOT NULL
    );
    CREATE TABLE orders (
      id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
      status TEXT NOT NULL, total_cents INTEGER NOT NULL, created_at TEXT NOT NULL
    );
    CREATE INDEX orders_by_user ON orders(user_id);
    CREATE TABLE order_lines (
      order_id INTEGER NOT NULL REFERENCES orders(id), item_id INTEGER NOT NULL REFERENCES items(id),
      quantity INTEGER NOT NULL, price_cents INTEGER NOT NULL
    );
    CREATE INDEX order_lines_by_order ON order_lines(order_id);
  `);
  const addUser = db.prepare('INSERT INTO users (id, name, email) VALUES (?, ?, ?)');
  const addItem = db.prepare(
    'INSERT INTO items (id, sku, name, price_cents, weight_grams) VALUES (?, ?, ?, ?, ?)',
  );
  const addOrder = db.prepare(
    'INSERT INTO orders (user_id, status, total_cents, created_at) VALUES (?, ?, ?, ?)',
  );
  const addLine = db.prepare(
    'INSERT INTO order_lines (order_id, item_id, quantity, price_cents) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 1; i <= seed.items; i++) {
      addItem.run(
        i,
        `SKU-${String(i).padStart(4, '0')}`,
        `Item ${i}`,
        199 + ((i * 137) % 5000),
        100 + i * 10,
      );
    }
    for (let u = 1; u <= seed.users; u++) {
      addUser.run(u, `User ${u}`, `user${u}@example.com`);
      for (let o = 0; o < seed.ordersPerUser; o++) {
        const day = String(1 + ((u + o) % 28)).padStart(2, '0');
        const { lastInsertRowid } = addOrder.run(u, 'shipped', 0, `2024-03-${day}T12:00:00Z`);
        let total = 0;
        for (let l = 0; l < seed.linesPerOrder; l++) {
          const item = 1 + ((u * 7 + o * 3 + l * 11) % seed.items);
          const price = 199 + ((item * 137) % 5000);
          const quantity = 1 + ((o + l) % 3);
          addLine.run(lastInsertRowid, item, quantity, price);
          total += price * quantity;
        }
        db.prepare('UPDATE orders SET total_cents = ? WHERE id = ?').run(total, lastInsertRowid);
      }
    }
  })();
  return db;
}
