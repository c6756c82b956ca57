/**
 * `headroom/pg`: counts every statement node-postgres sends — `client.query` in every call shape
 * (text, text + values, config objects, named prepared statements, callbacks, promises,
 * submittables such as cursors and query streams) and `pool.query`, which goes through it — as
 * queries of the measurement whose async context issued them. Node only.
 */
import { AsyncResource } from 'node:async_hooks';
import type * as Pg from 'pg';
import { observeEnd, onSettled, unwrapMethod, wrapMethod } from '../../src/instrument/wrap.js';
import { isRecording, record } from '../../src/measure/recorder.js';

type PgModule = typeof Pg;
type Callback = (...args: unknown[]) => unknown;
type Done = (error?: unknown) => void;

function isPgModule(target: unknown): target is PgModule {
  return (
    (typeof target === 'object' || typeof target === 'function') &&
    target !== null &&
    typeof (target as PgModule).Client === 'function' &&
    typeof (target as PgModule).Client.prototype.query === 'function'
  );
}

/** The prototypes to patch, from the module or from a Client or Pool instance. */
function prototypesOf(target: unknown): { client?: object; pool?: object } {
  if (isPgModule(target)) return { client: target.Client.prototype, pool: target.Pool?.prototype };
  if (typeof target === 'object' && target !== null) {
    const proto = Object.getPrototypeOf(target) as object;
    if (typeof (target as Pg.Pool).totalCount === 'number') return { pool: proto };
    if (typeof (target as Pg.Client).query === 'function') return { client: proto };
  }
  throw new TypeError(
    "Failed to instrument pg: expected the module (require('pg')), a Client or a Pool. Please pass one of those.",
  );
}

/** A callback that ends the event, then calls the user's callback in the caller's async context. */
function finishing(callback: Callback, done: Done): Callback {
  const bound = AsyncResource.bind(callback);
  return function (this: unknown, error: unknown, ...rest: unknown[]) {
    done(error ?? undefined);
    return bound.call(this, error, ...rest);
  };
}

function statementOf(config: unknown): string {
  if (typeof config === 'string') return config;
  const c = config as { text?: unknown; name?: unknown; cursor?: { text?: unknown } };
  return String(c.text ?? c.cursor?.text ?? (c.name ? `EXECUTE ${String(c.name)}` : '(submittable)'));
}

function wrapQuery(original: Callback): Callback {
  return function query(this: unknown, config: unknown, values?: unknown, callback?: unknown) {
    if (!isRecording() || config === null || config === undefined) {
      return original.apply(this, arguments as unknown as unknown[]);
    }
    const op = record({ kind: 'query', system: 'postgresql', statement: statementOf(config), source: 'pg' });
    const done: Done = (error) => op.end(error === undefined ? undefined : { error });
    const c = config as { submit?: unknown; callback?: unknown };
    try {
      if (typeof c.submit === 'function') {
        if (typeof values === 'function')
          return original.call(this, config, finishing(values as Callback, done));
        if (typeof callback === 'function')
          return original.call(this, config, values, finishing(callback as Callback, done));
        if (typeof c.callback !== 'function') observeEnd(c as { emit?: Callback }, done);
        else done();
        return original.apply(this, arguments as unknown as unknown[]);
      }
      if (typeof values === 'function')
        return original.call(this, config, finishing(values as Callback, done));
      if (typeof callback === 'function')
        return original.call(this, config, values, finishing(callback as Callback, done));
      if (typeof c.callback === 'function') {
        // A config object carrying its own callback: end when the call returns; its timing is
        // the send, not the answer.
        done();
        return original.apply(this, arguments as unknown as unknown[]);
      }
      return onSettled(original.apply(this, arguments as unknown as unknown[]), done);
    } catch (error) {
      done(error);
      throw error;
    }
  };
}

/** pg-pool may call a `connect` callback from another caller's context: bind it to this one. */
function wrapConnect(original: Callback): Callback {
  return function connect(this: unknown, callback?: unknown) {
    if (typeof callback === 'function') return original.call(this, AsyncResource.bind(callback as Callback));
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

/**
 * Instruments node-postgres: pass the module (`require('pg')`), a Client or a Pool. Every client
 * and pool of that module is then counted. Instrumenting twice is harmless. Returns true if
 * anything was patched.
 *
 * @example
 * import pg from 'pg';
 * import { instrument } from 'headroom/pg';
 * instrument(pg);
 */
export function instrument(target: unknown): boolean {
  const { client, pool } = prototypesOf(target);
  let patched = false;
  if (client) patched = wrapMethod(client, 'query', wrapQuery) || patched;
  if (pool) patched = wrapMethod(pool, 'connect', wrapConnect) || patched;
  return patched;
}

/** Restores node-postgres's original methods. Returns true if anything was restored. */
export function uninstrument(target: unknown): boolean {
  const { client, pool } = prototypesOf(target);
  let restored = false;
  if (client) restored = unwrapMethod(client, 'query') || restored;
  if (pool) restored = unwrapMethod(pool, 'connect') || restored;
  return restored;
}
