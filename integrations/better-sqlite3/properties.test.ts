import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measure } from '../../src/index.js';
import { instrument, uninstrument } from './index.js';

/** One driver call, as a user could write it. */
type Op =
  | { kind: 'run'; id: number; v: string }
  | { kind: 'get'; id: number }
  | { kind: 'all'; min: number }
  | { kind: 'iterate'; min: number }
  | { kind: 'exec'; sql: string }
  | { kind: 'pragma' }
  | { kind: 'transaction'; ids: number[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('run' as const),
    id: fc.integer({ min: 1, max: 8 }),
    v: fc.string({ maxLength: 5 }),
  }),
  fc.record({ kind: fc.constant('get' as const), id: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('all' as const), min: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('iterate' as const), min: fc.integer({ min: 0, max: 9 }) }),
  fc.record({
    kind: fc.constant('exec' as const),
    sql: fc.constantFrom(
      'UPDATE t SET v = v',
      'DELETE FROM t WHERE id > 100',
      'SELECT nope FROM t',
      'INSERT INTO t (id) VALUES (1)',
    ),
  }),
  fc.record({ kind: fc.constant('pragma' as const) }),
  fc.record({
    kind: fc.constant('transaction' as const),
    ids: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 }),
  }),
);

/** Runs the ops on a fresh database; returns every result and error, in order. */
function play(ops: Op[]): unknown[] {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let i = 1; i <= 5; i++) db.prepare('INSERT INTO t (id, v) VALUES (?, ?)').run(i, `v${i}`);
  const insertMany = db.transaction((ids: number[]) =>
    ids.map((id) => db.prepare('INSERT INTO t (id, v) VALUES (?, ?)').run(id, 'x')),
  );
  const out: unknown[] = [];
  for (const o of ops) {
    try {
      switch (o.kind) {
        case 'run':
          out.push(db.prepare('UPDATE t SET v = ? WHERE id = ?').run(o.v, o.id));
          break;
        case 'get':
          out.push(db.prepare('SELECT * FROM t WHERE id = ?').get(o.id));
          break;
        case 'all':
          out.push(db.prepare('SELECT * FROM t WHERE id >= ? ORDER BY id').all(o.min));
          break;
        case 'iterate':
          out.push([...db.prepare('SELECT id FROM t WHERE id >= ? ORDER BY id').iterate(o.min)]);
          break;
        case 'exec':
          out.push(db.exec(o.sql) === db);
          break;
        case 'pragma':
          out.push(db.pragma('user_version', { simple: true }));
          break;
        case 'transaction':
          out.push(insertMany(o.ids));
          break;
      }
    } catch (e) {
      out.push({ error: (e as Error).constructor.name, message: (e as Error).message });
    }
  }
  db.close();
  return out;
}

describe('better-sqlite3 instrumentation never changes results (property)', () => {
  it('returns the same rows, values and errors with and without instrumentation, measured or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        uninstrument(Database);
        const plain = play(ops);
        instrument(Database);
        const idle = play(ops);
        let measured: unknown[] = [];
        const m = await measure(
          () => {
            measured = play(ops);
          },
          { metrics: [] },
        );
        expect(idle).toEqual(plain);
        expect(measured).toEqual(plain);
        // Setup (create, 5 inserts) and close happen in the measured call too: 6 statements and
        // the ops' own, transactions adding BEGIN/COMMIT or ROLLBACK.
        expect(m.events.length).toBeGreaterThanOrEqual(6 + ops.length);
      }),
      { numRuns: 60 },
    );
  });
});
