import pg from 'pg';
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';
import { startPglite } from '../../test/support/pglite.js';
import { instrument, uninstrument } from './index.js';

const statements = (m: Awaited<ReturnType<typeof measure>>) =>
  m.events.map((e) => (e.kind === 'query' ? e.statement : `${e.kind}?`));

describe('headroom/pg against PostgreSQL (PGlite over its socket server)', () => {
  let db: Awaited<ReturnType<typeof startPglite>>;
  let client: pg.Client;
  let pool: pg.Pool;

  beforeAll(async () => {
    instrument(pg);
    db = await startPglite();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE items (id serial PRIMARY KEY, order_id int, name text)');
    await client.query(
      "INSERT INTO items (order_id, name) SELECT g % 5, 'item ' || g FROM generate_series(1, 25) g",
    );
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await client?.end();
    await db?.stop();
  });

  it('counts every call shape: text, values, config, named, callback, promise', async () => {
    const m = await measure(
      async () => {
        await client.query('SELECT 1');
        await client.query('SELECT * FROM items WHERE order_id = $1', [1]);
        await client.query({ text: 'SELECT * FROM items WHERE id = $1', values: [2] });
        await client.query({
          name: 'by-order',
          text: 'SELECT count(*) FROM items WHERE order_id = $1',
          values: [3],
        });
        await new Promise<void>((resolve, reject) =>
          client.query('SELECT 2', (err) => (err ? reject(err) : resolve())),
        );
        await new Promise<void>((resolve, reject) =>
          client.query('SELECT $1::int', [3], (err) => (err ? reject(err) : resolve())),
        );
      },
      { metrics: [] },
    );
    expect(statements(m)).toEqual([
      'SELECT 1',
      'SELECT * FROM items WHERE order_id = $1',
      'SELECT * FROM items WHERE id = $1',
      'SELECT count(*) FROM items WHERE order_id = $1',
      'SELECT 2',
      'SELECT $1::int',
    ]);
    expect(m.events.every((e) => e.endMs !== undefined && e.endMs >= e.startMs)).toBe(true);
  });

  it('counts pool.query and keeps each caller in its own context when the pool makes callers wait', async () => {
    // 10 concurrent measurements over a pool of 3: callbacks of pg-pool would otherwise run in
    // whichever caller released the connection.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        measure(
          async () => {
            for (let k = 0; k < (i % 4) + 1; k++)
              await pool.query('SELECT $1::int AS n, pg_sleep(0.002)', [i]);
          },
          { metrics: [] },
        ),
      ),
    );
    results.forEach((m, i) => {
      expect(m.events).toHaveLength((i % 4) + 1);
      expect(m.outside).toHaveLength(0);
    });
  });

  it('counts a cursor once and ends it when the cursor ends', async () => {
    const m = await measure(
      async () => {
        const cursor = client.query(new Cursor('SELECT * FROM items ORDER BY id'));
        await cursor.read(10);
        await cursor.read(100);
        await cursor.close();
      },
      { metrics: [] },
    );
    expect(statements(m)).toEqual(['SELECT * FROM items ORDER BY id']);
  });

  it('finds an N+1 against a real database, with the sequential chain of round trips', async () => {
    const loadOrders = async (ids: number[]) => {
      const out = [];
      for (const id of ids)
        out.push((await client.query('SELECT * FROM items WHERE order_id = $1', [id])).rows);
      return out;
    };
    const batched = async (ids: number[]) =>
      (await client.query('SELECT * FROM items WHERE order_id = ANY($1)', [ids])).rows;
    await expect(() => batched([0, 1, 2, 3])).toStayWithin({ queries: 1, repeatedQueries: 0, roundTrips: 1 });
    const failure = await expect(() => loadOrders([0, 1, 2, 3]))
      .toStayWithin({ repeatedQueries: 0, roundTrips: 1 })
      .then(
        () => undefined,
        (e: Error) => e.message,
      );
    expect(failure).toContain('✗ repeatedQueries');
    expect(failure).toMatch(
      /×4 +SELECT \* FROM items WHERE order_id = \? +at integrations\/pg\/pg\.test\.ts:\d+:\d+/,
    );
    expect(failure).toContain('Longest chain of round trips (4, each waiting for the previous)');
  });

  it('records errors without changing them', async () => {
    let thrown: unknown;
    const m = await measure(
      async () => {
        try {
          await client.query('SELECT * FROM no_such_table');
        } catch (e) {
          thrown = e;
        }
      },
      { metrics: [] },
    );
    expect((thrown as Error).message).toMatch(/no_such_table/);
    expect(m.events[0]?.error).toMatch(/no_such_table/);
  });

  it('returns identical results and callback order with and without instrumentation', async () => {
    const run = async () => {
      const order: string[] = [];
      const a = client.query('SELECT id, name FROM items ORDER BY id LIMIT 5').then((r) => {
        order.push('a');
        return r.rows;
      });
      const b = new Promise((resolve) =>
        client.query('SELECT count(*)::int AS n FROM items', (_err, r) => {
          order.push('b');
          resolve(r.rows);
        }),
      );
      const c = client.query('SELECT nope FROM items').catch((e: Error) => {
        order.push('c');
        return e.message;
      });
      return { rows: await Promise.all([a, b, c]), order };
    };
    const measured = await measure(run, { metrics: [] });
    const instrumented = await run();
    uninstrument(pg);
    const plain = await run();
    instrument(pg);
    expect(measured.events).toHaveLength(3);
    expect(instrumented).toEqual(plain);
  });
});
