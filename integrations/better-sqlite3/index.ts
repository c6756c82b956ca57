/**
 * `headroom/better-sqlite3`: counts every statement better-sqlite3 runs — `prepare(…).run/get/
 * all/iterate`, `exec`, `pragma` and the statements of `transaction()` — as queries of the
 * measurement whose async context ran them. Node only.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { countedSync, unwrapMethod, wrapMethod } from '../../src/instrument/wrap.js';

type DatabaseConstructor = typeof BetterSqlite3;
type Database = BetterSqlite3.Database;

const STATEMENT_METHODS = ['run', 'get', 'all', 'iterate'] as const;

function isConstructor(target: unknown): target is DatabaseConstructor {
  return (
    typeof target === 'function' &&
    typeof (target as { prototype?: { prepare?: unknown } }).prototype?.prepare === 'function'
  );
}

function isDatabase(target: unknown): target is Database {
  return typeof target === 'object' && target !== null && typeof (target as Database).prepare === 'function';
}

/** The prototypes to patch: Database.prototype and the (native) Statement prototype. */
function prototypesOf(target: DatabaseConstructor | Database): { database: object; statement: object } {
  if (isConstructor(target)) {
    const db = new target(':memory:');
    try {
      return {
        database: target.prototype,
        statement: Object.getPrototypeOf(db.prepare('SELECT 1')) as object,
      };
    } finally {
      db.close();
    }
  }
  return {
    database: Object.getPrototypeOf(target) as object,
    statement: Object.getPrototypeOf(target.prepare('SELECT 1')) as object,
  };
}

function check(target: unknown): asserts target is DatabaseConstructor | Database {
  if (!isConstructor(target) && !isDatabase(target)) {
    throw new TypeError(
      "Failed to instrument better-sqlite3: expected the module (require('better-sqlite3')) or a Database. " +
        'Please pass one of those.',
    );
  }
}

/**
 * Instruments better-sqlite3: pass the module (`require('better-sqlite3')`, the Database class) or
 * a Database instance. Every database of that module is then counted. Instrumenting twice is
 * harmless. Returns true if anything was patched.
 *
 * @example
 * import Database from 'better-sqlite3';
 * import { instrument } from 'headroom/better-sqlite3';
 * instrument(Database);
 */
export function instrument(target: unknown): boolean {
  check(target);
  const { database, statement } = prototypesOf(target);
  let patched = false;
  for (const name of STATEMENT_METHODS) {
    patched =
      wrapMethod(statement, name, (original) =>
        countedSync(original, 'better-sqlite3', (stmt) => stmt.source),
      ) || patched;
  }
  patched =
    wrapMethod(database, 'exec', (original) =>
      countedSync(original, 'better-sqlite3', (_db, args) => String(args[0])),
    ) || patched;
  return patched;
}

/** Restores better-sqlite3's original methods. Returns true if anything was restored. */
export function uninstrument(target: unknown): boolean {
  check(target);
  const { database, statement } = prototypesOf(target);
  let restored = false;
  for (const name of STATEMENT_METHODS) restored = unwrapMethod(statement, name) || restored;
  restored = unwrapMethod(database, 'exec') || restored;
  return restored;
}
