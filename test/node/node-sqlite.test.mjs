// Runs on Node >= 22.5 with Node's own test runner, against the built package:
//   node --test test/node/*.test.mjs   (see .ci/run; skipped on Node 20, which has no node:sqlite)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchers, measure } from '../../dist/index.js';
import { instrument, uninstrument } from '../../dist/node-sqlite.js';

const sqlite = process.getBuiltinModule?.('node:sqlite');

test('node:sqlite statements are counted, and an N+1 is caught', {
  skip: !sqlite && 'no node:sqlite here',
}, async () => {
  assert.equal(instrument(sqlite), true);
  assert.equal(instrument(sqlite), false);
  const db = new sqlite.DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (const v of ['a', 'b', 'c']) insert.run(v);

  const m = await measure(
    () => {
      db.prepare('SELECT * FROM t').all();
      for (const id of [1, 2, 3]) db.prepare('SELECT v FROM t WHERE id = ?').get(id);
      db.exec('UPDATE t SET v = v');
    },
    { metrics: [] },
  );
  const statements = m.events.map((e) => e.statement);
  assert.deepEqual(statements, [
    'SELECT * FROM t',
    'SELECT v FROM t WHERE id = ?',
    'SELECT v FROM t WHERE id = ?',
    'SELECT v FROM t WHERE id = ?',
    'UPDATE t SET v = v',
  ]);
  const verdict = await matchers.toStayWithin.call({ isNot: false }, m, { queries: 5, repeatedQueries: 0 });
  assert.equal(verdict.pass, false);
  assert.match(verdict.message(), /×3 +SELECT v FROM t WHERE id = \?/);

  assert.equal(uninstrument(sqlite), true);
  const after = await measure(() => db.prepare('SELECT 1').get(), { metrics: [] });
  assert.equal(after.events.length, 0);
});
