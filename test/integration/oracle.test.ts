/**
 * The oracle: PostgreSQL's own count of executed statements (pg_stat_statements) against
 * headroom's, over a knex and a Sequelize workload on the system PostgreSQL that .ci/services.sh
 * starts (HEADROOM_PG_URL). Skipped where no system PostgreSQL runs.
 */
import knexFactory from 'knex';
import pg from 'pg';
import { DataTypes, Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';

const url = process.env.HEADROOM_PG_URL;

describe.skipIf(!url)("headroom's query count equals PostgreSQL's own (pg_stat_statements)", () => {
  const database = `oracle_${process.pid}`;
  let admin: pg.Client;
  let target: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    target = (url as string).replace(/\/[^/]*$/, `/${database}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  /** Executions pg_stat_statements recorded in the oracle database since the last reset. */
  async function serverCount(): Promise<number> {
    const r = await admin.query(
      `SELECT coalesce(sum(s.calls), 0)::int AS n FROM pg_stat_statements s
       JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
      [database],
    );
    return r.rows[0].n;
  }

  async function compare(workload: () => Promise<unknown>) {
    await admin.query('SELECT pg_stat_statements_reset()');
    const m = await measure(workload, { metrics: [] });
    const ours = m.events.filter((e) => e.kind === 'query').length;
    return { ours, theirs: await serverCount() };
  }

  it('knex: schema, inserts, an N+1, a join and a transaction', async () => {
    const knex = knexFactory({ client: 'pg', connection: target, pool: { min: 1, max: 3 } });
    try {
      await knex.raw('SELECT 1'); // connect outside the measured workload
      const { ours, theirs } = await compare(async () => {
        await knex.schema.createTable('customers', (t) => {
          t.increments('id');
          t.string('name');
        });
        await knex.schema.createTable('invoices', (t) => {
          t.increments('id');
          t.integer('customer_id');
          t.integer('cents');
        });
        const ids = await knex('customers')
          .insert([{ name: 'a' }, { name: 'b' }, { name: 'c' }])
          .returning('id');
        for (const { id } of ids) await knex('invoices').insert({ customer_id: id, cents: id * 100 });
        for (const { id } of ids) await knex('invoices').where({ customer_id: id });
        await knex('customers')
          .join('invoices', 'customers.id', 'invoices.customer_id')
          .select('name', 'cents');
        await knex.transaction(async (trx) => {
          await trx('invoices').update({ cents: 1 }).where({ customer_id: 1 });
          await trx('customers').where({ id: 2 }).del();
        });
        await Promise.all([knex('customers').count(), knex('invoices').sum('cents')]);
      });
      console.log(`knex workload: headroom ${ours}, pg_stat_statements ${theirs}`);
      expect(ours).toBeGreaterThan(10);
      expect(ours).toBe(theirs);
    } finally {
      await knex.destroy();
    }
  });

  it('Sequelize: sync, bulk create, finds and a managed transaction', async () => {
    const sequelize = new Sequelize(target, { dialect: 'postgres', logging: false, pool: { max: 2 } });
    try {
      await sequelize.authenticate();
      await sequelize.query('SELECT 1');
      const Item = sequelize.define('Item', { sku: DataTypes.STRING, qty: DataTypes.INTEGER });
      const { ours, theirs } = await compare(async () => {
        await Item.sync({ force: true });
        await Item.bulkCreate([
          { sku: 'a', qty: 1 },
          { sku: 'b', qty: 2 },
        ]);
        for (const sku of ['a', 'b']) await Item.findOne({ where: { sku } });
        await sequelize.transaction(async (transaction) => {
          await Item.increment('qty', { by: 1, where: { sku: 'a' }, transaction });
        });
      });
      console.log(`Sequelize workload: headroom ${ours}, pg_stat_statements ${theirs}`);
      expect(ours).toBeGreaterThan(5);
      expect(ours).toBe(theirs);
    } finally {
      await sequelize.close();
    }
  });
});
