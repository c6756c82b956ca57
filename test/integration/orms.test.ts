/**
 * ORMs are counted through their drivers: one test each, against real databases (PGlite for
 * PostgreSQL, better-sqlite3 for SQLite), with the drivers auto-instrumented by the vitest setup
 * file exactly as 'headroom/vitest' does for a user's project.
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import clsHooked from 'cls-hooked';
import { sql as dsql, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import knexFactory from 'knex';
import { DataTypes, Sequelize } from 'sequelize';
import { DataSource, EntitySchema } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace } from '../../integrations/sequelize/index.js';
import { measure } from '../../src/index.js';
import { startPglite } from '../support/pglite.js';

const queriesOf = (m: Awaited<ReturnType<typeof measure>>) =>
  m.events.flatMap((e) => (e.kind === 'query' ? [e.statement] : []));

describe('ORMs over PostgreSQL (PGlite)', () => {
  let db: Awaited<ReturnType<typeof startPglite>>;
  beforeAll(async () => {
    db = await startPglite();
  }, 60_000);
  afterAll(async () => db?.stop());

  it('knex: a query builder N+1 and its batched fix', async () => {
    const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 1, max: 2 } });
    try {
      await knex.schema.createTable('authors', (t) => {
        t.increments('id');
        t.string('name');
      });
      await knex('authors').insert([{ name: 'ada' }, { name: 'grace' }, { name: 'edsger' }]);
      const oneByOne = async (ids: number[]) => {
        for (const id of ids) await knex('authors').where({ id }).first();
      };
      const batched = (ids: number[]) => knex('authors').whereIn('id', ids);
      await expect(() => batched([1, 2, 3])).toStayWithin({ queries: 1, repeatedQueries: 0 });
      await expect(expect(() => oneByOne([1, 2, 3])).toStayWithin({ repeatedQueries: 0 })).rejects.toThrow(
        /×3 +SELECT \* FROM "authors" WHERE "id" = \? LIMIT \?/,
      );
    } finally {
      await knex.destroy();
    }
  });

  for (const [label, makeNamespace] of [
    ['a cls-hooked namespace', () => clsHooked.createNamespace(`sequelize-${Math.random()}`)],
    ["headroom's AsyncLocalStorage namespace", () => createNamespace('sequelize')],
  ] as const) {
    it(`Sequelize 6: managed transactions with ${label}, transaction control listed but not counted`, async () => {
      Sequelize.useCLS(makeNamespace() as never);
      const sequelize = new Sequelize(db.url, { dialect: 'postgres', logging: false, pool: { max: 2 } });
      try {
        const Account = sequelize.define('Account', { owner: DataTypes.STRING, balance: DataTypes.INTEGER });
        await Account.sync({ force: true });
        await Account.bulkCreate([
          { owner: 'ada', balance: 100 },
          { owner: 'grace', balance: 50 },
        ]);
        const transfer = () =>
          sequelize.transaction(async () => {
            // No { transaction } passed: CLS carries it to every query of the callback.
            const from = await Account.findOne({ where: { owner: 'ada' } });
            const to = await Account.findOne({ where: { owner: 'grace' } });
            await from?.decrement('balance', { by: 10 });
            await to?.increment('balance', { by: 10 });
          });
        const m = await measure(transfer, { metrics: [] });
        const statements = queriesOf(m);
        expect(statements[0]).toMatch(/^START TRANSACTION|^BEGIN/);
        expect(statements.at(-1)).toBe('COMMIT;');
        expect(statements).toHaveLength(6);
        await expect(m).toStayWithin({ queries: { total: 4, select: 2, update: 2 } });
        await expect(m).toStayWithin({ queries: 6 }, { countTransactionControl: true });
        const balances = await Account.findAll({ order: [['owner', 'ASC']], raw: true });
        expect(balances.map((a) => (a as { balance: number }).balance)).toEqual([90, 60]);
      } finally {
        await sequelize.close();
        delete (Sequelize as unknown as { _cls?: unknown })._cls;
      }
    });
  }
});

describe('ORMs over SQLite (better-sqlite3)', () => {
  it('drizzle: counts the statements it runs', async () => {
    const sqlite = new Database(':memory:');
    const orm = drizzle(sqlite);
    const users = sqliteTable('users', { id: integer('id').primaryKey(), name: text('name') });
    orm.run(dsql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`);
    orm
      .insert(users)
      .values([{ name: 'ada' }, { name: 'grace' }])
      .run();
    const m = await measure(
      () => {
        orm.select().from(users).where(eq(users.id, 1)).all();
        orm.update(users).set({ name: 'Ada' }).where(eq(users.id, 1)).run();
      },
      { metrics: [] },
    );
    expect(queriesOf(m)).toEqual([
      'select "id", "name" from "users" where "users"."id" = ?',
      'update "users" set "name" = ? where "users"."id" = ?',
    ]);
  });

  it('TypeORM: repository calls are counted through better-sqlite3', async () => {
    const Note = new EntitySchema<{ id: number; body: string }>({
      name: 'Note',
      columns: { id: { type: Number, primary: true, generated: true }, body: { type: String } },
    });
    const source = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Note],
      synchronize: true,
    });
    await source.initialize();
    try {
      const notes = source.getRepository(Note);
      await notes.save([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
      const oneByOne = async () => {
        for (const id of [1, 2, 3]) await notes.findOneBy({ id });
      };
      const m = await measure(oneByOne, { metrics: [] });
      expect(queriesOf(m)).toHaveLength(3);
      await expect(m).toStayWithin({ queries: { select: 3 }, repeatedQueries: 2 });
      await expect(() => notes.findBy({})).toStayWithin({ queries: 1 });
    } finally {
      await source.destroy();
    }
  });
});
