/**
 * `headroom/node-sqlite`: counts every statement of Node's built-in SQLite (`node:sqlite`, Node
 * ≥ 22.5) — `prepare(…).run/get/all/iterate` and `exec` — as queries of the measurement whose
 * async context ran them. The runner entries instrument it on Node ≥ 24, where loading it prints no
 * experimental warning; on Node 22, call `instrument()` yourself. Node only.
 */
import { countedSync, unwrapMethod, wrapMethod } from '../../src/instrument/wrap.js';

interface SqliteModule {
  DatabaseSync: new (
    path: string,
  ) => { prepare(sql: string): object; exec(sql: string): void; close(): void };
}

const STATEMENT_METHODS = ['run', 'get', 'all', 'iterate'] as const;

/** `node:sqlite`, loaded without a static import (Node 20 has no such module). */
export function loadNodeSqlite(): SqliteModule | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    return getBuiltin?.call(process, 'node:sqlite') as SqliteModule | undefined;
  } catch {
    return undefined;
  }
}

function prototypesOf(target: unknown): { database: object; statement: object } {
  const module = (target ?? loadNodeSqlite()) as Partial<SqliteModule> | undefined;
  if (typeof module?.DatabaseSync !== 'function') {
    throw new TypeError(
      "Failed to instrument node:sqlite: it is not available (Node >= 22.5 has it), or the target is not require('node:sqlite'). " +
        'Please pass the node:sqlite module on a Node version that has it.',
    );
  }
  const db = new module.DatabaseSync(':memory:');
  try {
    return {
      database: module.DatabaseSync.prototype,
      statement: Object.getPrototypeOf(db.prepare('SELECT 1')) as object,
    };
  } finally {
    db.close();
  }
}

/**
 * Instruments `node:sqlite` (the module, or nothing to load it). Instrumenting twice is harmless.
 * Returns true if anything was patched.
 *
 * @example
 * import sqlite from 'node:sqlite';
 * import { instrument } from 'headroom/node-sqlite';
 * instrument(sqlite);
 */
export function instrument(target?: unknown): boolean {
  const { database, statement } = prototypesOf(target);
  let patched = false;
  for (const name of STATEMENT_METHODS) {
    patched =
      wrapMethod(statement, name, (original) =>
        countedSync(original, 'node:sqlite', (stmt) => String(stmt.sourceSQL)),
      ) || patched;
  }
  return (
    wrapMethod(database, 'exec', (original) =>
      countedSync(original, 'node:sqlite', (_db, args) => String(args[0])),
    ) || patched
  );
}

/** Restores `node:sqlite`'s original methods. Returns true if anything was restored. */
export function uninstrument(target?: unknown): boolean {
  const { database, statement } = prototypesOf(target);
  let restored = false;
  for (const name of STATEMENT_METHODS) restored = unwrapMethod(statement, name) || restored;
  return unwrapMethod(database, 'exec') || restored;
}
