import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';
import { instrument, uninstrument } from './index.js';

const statements = (m: Awaited<ReturnType<typeof measure>>) =>
  m.events.map((e) => (e.kind === 'query' ? e.statement : `${e.kind}?`));

describe('headroom/better-sqlite3', () => {
  let db: Database.Database;
  beforeAll(() => {
    instrument(Database);
    db = new Database(':memory:');
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL)');
    const insert = db.prepare('INSERT INTO orders (user_id, total) VALUES (?, ?)');
    for (let i = 0; i < 20; i++) insert.run(i % 4, i * 1.5);
  });
  afterAll(() => db.close());

  it('counts run, get, all, iterate, exec and pragma', async () => {
    const m = await measure(
      () => {
        db.prepare('UPDATE orders SET total = total WHERE id = ?').run(1);
        db.prepare('SELECT * FROM orders WHERE id = ?').get(2);
        db.prepare('SELECT * FROM orders WHERE user_id = ?').all(1);
        for (const _row of db.prepare('SELECT id FROM orders LIMIT 3').iterate()) {
        }
        db.exec('DELETE FROM orders WHERE id = 999');
        db.pragma('user_version');
      },
      { metrics: [] },
    );
    expect(statements(m)).toEqual([
      'UPDATE orders SET total = total WHERE id = ?',
      'SELECT * FROM orders WHERE id = ?',
      'SELECT * FROM orders WHERE user_id = ?',
      'SELECT id FROM orders LIMIT 3',
      'DELETE FROM orders WHERE id = 999',
      'PRAGMA user_version',
    ]);
    expect(m.events.every((e) => e.kind === 'query' && e.system === 'sqlite' && e.endMs !== undefined)).toBe(
      true,
    );
  });

  it('catches an N+1 and lists transaction control without counting it', async () => {
    const byUser = db.prepare('SELECT * FROM orders WHERE user_id = ?');
    const loadAll = db.transaction((ids: number[]) => ids.map((id) => byUser.all(id)));
    await expect(() => loadAll([0, 1, 2, 3])).toStayWithin({ queries: 4, repeatedQueries: 3 });
    await expect(() => loadAll([0, 1, 2, 3])).toStayWithin({ queries: 6 }, { countTransactionControl: true });
    await expect(expect(() => loadAll([0, 1, 2, 3])).toStayWithin({ repeatedQueries: 0 })).rejects.toThrow(
      /×4 +SELECT \* FROM orders WHERE user_id = \?/,
    );
  });

  it('records failed statements with their error, and does not change what the driver throws', async () => {
    let thrown: unknown;
    const m = await measure(
      () => {
        try {
          db.prepare('INSERT INTO orders (id) VALUES (1)').run();
        } catch (e) {
          thrown = e;
        }
      },
      { metrics: [] },
    );
    expect(thrown).toBeInstanceOf(Database.SqliteError);
    expect(m.events[0]).toMatchObject({ statement: 'INSERT INTO orders (id) VALUES (1)' });
    expect(m.events[0]?.error).toMatch(/UNIQUE constraint failed/);
  });

  it('returns exactly what the driver returns', () => {
    const select = () => db.prepare('SELECT * FROM orders ORDER BY id').all();
    const instrumented = select();
    uninstrument(Database);
    const plain = select();
    instrument(Database);
    expect(instrumented).toEqual(plain);
  });

  it('instruments once however often it is asked, and uninstruments to the originals', async () => {
    const proto = Object.getPrototypeOf(db.prepare('SELECT 1'));
    const wrapped = proto.get;
    expect(instrument(Database)).toBe(false);
    expect(instrument(db)).toBe(false);
    expect(proto.get).toBe(wrapped);
    expect(uninstrument(db)).toBe(true);
    expect(proto.get).not.toBe(wrapped);
    expect(proto.get.name).toBe('get');
    const m = await measure(() => db.prepare('SELECT 1').get(), { metrics: [] });
    expect(m.events).toHaveLength(0);
    expect(instrument(db)).toBe(true);
  });

  it('rejects a target that is not better-sqlite3', () => {
    expect(() => instrument({})).toThrow(/Failed to instrument better-sqlite3/);
  });
});
