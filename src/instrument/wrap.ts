import { isRecording, record } from '../measure/recorder.js';

/**
 * Method wrapping shared by the driver integrations. A wrapped method keeps its name and length,
 * and remembers the original under a `Symbol.for` key, so wrapping twice is harmless, unwrapping
 * restores the original exactly, and a second loaded copy of headroom finds the first one's
 * wrapper. That copy replaces it (unwrap, then wrap): jest loads headroom afresh for every test
 * file while a native driver's prototypes (better-sqlite3's Statement) are shared by all of them,
 * and only the newest copy's wrapper records into the running test's measurements.
 */
const ORIGINAL = Symbol.for('headroom.original');
const OWNER = Symbol.for('headroom.owner');
/** The identity of this loaded copy of headroom. */
const THIS_COPY = Object.freeze({});

type Method = (...args: any[]) => any;
type Wrapped = Method & { [ORIGINAL]?: Method; [OWNER]?: object };

/** True when `target[name]` is a headroom wrapper. */
export function isWrapped(target: object, name: string): boolean {
  const current = (target as Record<string, unknown>)[name] as Wrapped | undefined;
  return typeof current === 'function' && current[ORIGINAL] !== undefined;
}

/**
 * Replaces `target[name]` with `wrap(original)`. Does nothing if this copy already wrapped it or
 * it is not a function; replaces another copy's wrapper. Returns true when it wrapped.
 */
export function wrapMethod(target: object, name: string, wrap: (original: Method) => Method): boolean {
  const holder = target as Record<string, unknown>;
  const current = holder[name] as Wrapped | undefined;
  if (typeof current !== 'function' || current[OWNER] === THIS_COPY) return false;
  const original = current[ORIGINAL] ?? current;
  const wrapped = wrap(original) as Wrapped;
  Object.defineProperty(wrapped, ORIGINAL, { value: original });
  Object.defineProperty(wrapped, OWNER, { value: THIS_COPY });
  Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: original.length, configurable: true });
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value: wrapped,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
  return true;
}

/** Restores the original of `target[name]` if headroom wrapped it. Returns true when it did. */
export function unwrapMethod(target: object, name: string): boolean {
  const holder = target as Record<string, unknown>;
  const current = holder[name] as Wrapped | undefined;
  const original = typeof current === 'function' ? current[ORIGINAL] : undefined;
  if (!original) return false;
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value: original,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
  return true;
}

/** Calls `done` once a sync or async result settles, and returns the result unchanged in behaviour. */
export function onSettled<T>(result: T, done: (error?: unknown) => void): T {
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { then?: unknown }).then === 'function'
  ) {
    // A derived promise: it rejects exactly when the original does, so an unhandled rejection
    // stays unhandled, as it would be without headroom.
    return (result as unknown as Promise<unknown>).then(
      (value) => {
        done();
        return value;
      },
      (error: unknown) => {
        done(error);
        throw error;
      },
    ) as unknown as T;
  }
  done();
  return result;
}

/**
 * Calls `done` once when an emitter (a pg Query or cursor, a mysql2 command) emits `end`, `close`
 * or `error`. It observes `emit` instead of adding listeners: an `error` listener would change what
 * an unhandled error does.
 */
export function observeEnd(
  emitter: { emit?: (...args: any[]) => unknown },
  done: (error?: unknown) => void,
): void {
  const emit = emitter.emit;
  if (typeof emit !== 'function') {
    done();
    return;
  }
  let finished = false;
  Object.defineProperty(emitter, 'emit', {
    configurable: true,
    writable: true,
    value: function (this: unknown, name: string, ...args: unknown[]) {
      if (!finished && (name === 'end' || name === 'error' || name === 'close')) {
        finished = true;
        done(name === 'error' ? args[0] : undefined);
      }
      return emit.call(this, name, ...args);
    },
  });
}

/**
 * A wrapper for a synchronous driver method (better-sqlite3, node:sqlite) that records each call
 * as a query, its statement text taken from the call, and ends it when the method returns or
 * throws. Costs one branch when no measurement runs.
 */
export function countedSync(
  original: Method,
  source: string,
  statementOf: (self: any, args: IArguments) => string,
): Method {
  return function (this: unknown) {
    if (!isRecording()) return original.apply(this, arguments as unknown as unknown[]);
    const op = record({ kind: 'query', system: 'sqlite', statement: statementOf(this, arguments), source });
    try {
      const result = original.apply(this, arguments as unknown as unknown[]);
      op.end();
      return result;
    } catch (error) {
      op.end({ error });
      throw error;
    }
  };
}
