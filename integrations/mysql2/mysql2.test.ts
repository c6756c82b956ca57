import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';
import { instrument, uninstrument } from './index.js';

// A real MariaDB from Debian, started on loopback by .ci/services.sh (HEADROOM_MYSQL_URL).
const url = process.env.HEADROOM_MYSQL_URL;

describe.skipIf(!url)('headroom/mysql2 against MariaDB', () => {
  let pool: mysqlPromise.Pool;
  let conn: mysql.Connection;

  beforeAll(async () => {
    instrument(mysql);
    pool = mysqlPromise.createPool({ uri: url, connectionLimit: 3 });
    conn = mysql.createConnection({ uri: url });
    await pool.query('DROP TABLE IF EXISTS order_lines');
    await pool.query(
      'CREATE TABLE order_lines (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT, sku VARCHAR(20))',
    );
    await pool.query("INSERT INTO order_lines (order_id, sku) VALUES (1,'a'),(1,'b'),(2,'c'),(3,'d')");
  });
  afterAll(async () => {
    await pool?.end();
    conn?.end();
  });

  it('counts query and execute, callback and promise, pool and connection', async () => {
    const m = await measure(
      async () => {
        await pool.query('SELECT * FROM order_lines WHERE order_id = ?', [1]);
        await pool.execute('SELECT * FROM order_lines WHERE id = ?', [2]);
        await new Promise<void>((resolve, reject) =>
          conn.query('SELECT COUNT(*) AS n FROM order_lines', (err) => (err ? reject(err) : resolve())),
        );
        await new Promise<void>((resolve, reject) =>
          conn.execute('SELECT sku FROM order_lines WHERE order_id = ?', [3], (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      },
      { metrics: [] },
    );
    const queries = m.events.filter((e) => e.kind === 'query');
    expect(queries).toHaveLength(4);
    expect(queries.every((e) => e.kind === 'query' && e.system === 'mysql' && e.endMs !== undefined)).toBe(
      true,
    );
    expect(queries.map((e) => (e.kind === 'query' ? e.statement : ''))[0]).toMatch(
      /^SELECT \* FROM order_lines WHERE order_id = (1|\?)$/,
    );
  });

  it('catches an N+1, each caller seeing only its own statements', async () => {
    const perOrder = (ids: number[]) => async () => {
      for (const id of ids) await pool.query('SELECT * FROM order_lines WHERE order_id = ?', [id]);
    };
    const [a, b] = await Promise.all([
      measure(perOrder([1, 2, 3]), { metrics: [] }),
      measure(perOrder([1]), { metrics: [] }),
    ]);
    expect(a.events).toHaveLength(3);
    expect(b.events).toHaveLength(1);
    await expect(expect(perOrder([1, 2, 3])).toStayWithin({ repeatedQueries: 0 })).rejects.toThrow(
      /×3 +SELECT \* FROM order_lines WHERE order_id = \?/,
    );
  });

  it('records errors, and uninstruments', async () => {
    const m = await measure(() => pool.query('SELECT nope FROM order_lines').catch(() => 'failed'), {
      metrics: [],
    });
    expect(m.events[0]?.error).toMatch(/Unknown column/);
    uninstrument(mysql);
    const after = await measure(() => pool.query('SELECT 1'), { metrics: [] });
    expect(after.events).toHaveLength(0);
    instrument(mysql);
  });
});

describe.skipIf(!url)(
  'headroom/mysql2 on a version without tracing channels (3.11), hooked at the prototype',
  () => {
    it('counts query and execute, and catches an N+1', async () => {
      const old = (await import('mysql2-3-11/promise')).default;
      const oldCallbacks = (await import('mysql2-3-11')).default;
      expect(instrument(oldCallbacks)).toBe(true);
      const pool = old.createPool({ uri: url, connectionLimit: 2 });
      try {
        const m = await measure(
          async () => {
            await pool.query('SELECT 1');
            for (const id of [1, 2]) await pool.execute('SELECT * FROM order_lines WHERE order_id = ?', [id]);
            await pool.query('SELECT nope').catch(() => 'failed');
          },
          { metrics: [] },
        );
        expect(m.events.map((e) => (e.kind === 'query' ? e.statement : ''))).toEqual([
          'SELECT 1',
          'SELECT * FROM order_lines WHERE order_id = ?',
          'SELECT * FROM order_lines WHERE order_id = ?',
          'SELECT nope',
        ]);
        expect(m.events.every((e) => e.endMs !== undefined)).toBe(true);
        expect(m.events[3]?.error).toMatch(/Unknown column/);
        await expect(m).toStayWithin({ queries: 4 });
        await expect(expect(m).toStayWithin({ repeatedQueries: 0 })).rejects.toThrow(/✗ repeatedQueries/);
      } finally {
        await pool.end();
        uninstrument(oldCallbacks);
      }
    });
  },
);
