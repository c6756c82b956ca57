/**
 * `headroom/mysql2`: counts every statement mysql2 sends (`query` and `execute`, callback and
 * promise APIs, pools) as queries of the measurement whose async context issued them. mysql2
 * ≥ 3.20 publishes diagnostics tracing channels (`mysql2:query`, `mysql2:execute`), which headroom
 * subscribes to without patching anything; older versions are hooked at the connection prototype.
 * Node only.
 */
import { AsyncResource } from 'node:async_hooks';
import { subscribeTracing, unsubscribeTracing } from '../../src/instrument/channels.js';
import { observeEnd, unwrapMethod, wrapMethod } from '../../src/instrument/wrap.js';
import { isRecording, record } from '../../src/measure/recorder.js';

type Callback = (...args: unknown[]) => unknown;
const METHODS = ['query', 'execute'] as const;

/** The prototype that defines query/execute (BaseConnection in mysql2 3.x). */
function connectionPrototype(target: unknown): object {
  const ctor = (target as { Connection?: { prototype?: object } })?.Connection;
  let proto: object | null | undefined = ctor?.prototype;
  if (
    !proto &&
    typeof target === 'object' &&
    target !== null &&
    typeof (target as { query?: unknown }).query === 'function'
  ) {
    proto = Object.getPrototypeOf(target) as object;
  }
  while (proto && !Object.hasOwn(proto, 'query')) proto = Object.getPrototypeOf(proto) as object | null;
  if (!proto) {
    throw new TypeError(
      "Failed to instrument mysql2: expected the module (require('mysql2')) or a Connection. Please pass one of those.",
    );
  }
  return proto;
}

/** True when this mysql2 publishes its own tracing channels (3.20 and later). */
function publishesChannels(proto: object): boolean {
  const query = (proto as { query?: Callback }).query;
  return (
    typeof query === 'function' && /queryChannel|traceCallback/.test(Function.prototype.toString.call(query))
  );
}

function sqlOf(sql: unknown): string {
  if (typeof sql === 'string') return sql;
  return String((sql as { sql?: unknown })?.sql ?? sql);
}

function wrapStatement(original: Callback): Callback {
  return function (this: unknown, sql: unknown) {
    if (!isRecording()) return original.apply(this, arguments as unknown as unknown[]);
    const op = record({ kind: 'query', system: 'mysql', statement: sqlOf(sql), source: 'mysql2' });
    const done = (error?: unknown) => op.end(error ? { error } : undefined);
    const args = Array.from(arguments as unknown as unknown[]);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      // The callback gets the error (the command then emits no 'error'): end the event there,
      // and call it in the caller's async context.
      const callback = AsyncResource.bind(args[last] as Callback);
      args[last] = function (this: unknown, error: unknown, ...rest: unknown[]) {
        done(error ?? undefined);
        return callback.call(this, error, ...rest);
      };
      return original.apply(this, args);
    }
    const pending = sql as { onResult?: Callback; constructor?: { name?: string } };
    if (pending && typeof pending === 'object' && typeof pending.onResult === 'function') {
      // A command built by the pool, carrying the pool's callback as onResult.
      const onResult = pending.onResult;
      pending.onResult = function (this: unknown, error: unknown, ...rest: unknown[]) {
        done(error ?? undefined);
        return onResult.call(this, error, ...rest);
      };
      return original.apply(this, args);
    }
    const command = original.apply(this, args) as { emit?: Callback };
    if (command && typeof command === 'object') observeEnd(command, done);
    else done();
    return command;
  };
}

/**
 * Instruments mysql2: pass the module (`require('mysql2')`) or a Connection. Instrumenting twice is
 * harmless. Returns true if it subscribed or patched anything.
 *
 * @example
 * import mysql from 'mysql2';
 * import { instrument } from 'headroom/mysql2';
 * instrument(mysql);
 */
export function instrument(target: unknown): boolean {
  const proto = connectionPrototype(target);
  if (publishesChannels(proto)) {
    const toEvent = (ctx: { query?: string }) => ({
      kind: 'query' as const,
      system: 'mysql',
      statement: String(ctx.query ?? ''),
      source: 'mysql2',
    });
    const a = subscribeTracing('mysql2:query', toEvent);
    const b = subscribeTracing('mysql2:execute', toEvent);
    if (a || b) return true;
  }
  let patched = false;
  for (const name of METHODS) patched = wrapMethod(proto, name, wrapStatement) || patched;
  return patched;
}

/** Stops counting mysql2 statements. Returns true if anything was removed. */
export function uninstrument(target: unknown): boolean {
  const proto = connectionPrototype(target);
  let removed = unsubscribeTracing('mysql2:query');
  removed = unsubscribeTracing('mysql2:execute') || removed;
  for (const name of METHODS) removed = unwrapMethod(proto, name) || removed;
  return removed;
}
