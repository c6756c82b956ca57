/**
 * `headroom/sequelize`: an AsyncLocalStorage-backed namespace for `Sequelize.useCLS()`, a drop-in
 * for a cls-hooked namespace that costs a fraction of it per await (see README, "Sequelize").
 * Sequelize's queries themselves are counted through its driver's integration (pg, mysql2, …).
 * Node only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A context: values set in it, inheriting those of the context it was created in. */
export type ClsContext = Record<string, unknown>;

/** The part of cls-hooked's Namespace that Sequelize 6 (and most CLS users) rely on. */
export interface ClsNamespace {
  readonly name: string;
  /** The current context, or null outside any. */
  readonly active: ClsContext | null;
  /** Runs `fn` in a new child context and returns that context (cls-hooked's `run`). */
  run(fn: (context: ClsContext) => unknown): ClsContext;
  /** Runs `fn` in a new child context and returns what `fn` returns. */
  runAndReturn<T>(fn: (context: ClsContext) => T): T;
  /** Runs an async `fn` in a new child context; resolves to what it resolves to. */
  runPromise<T>(fn: (context: ClsContext) => Promise<T>): Promise<T>;
  /** A value of the current context (or of one it inherits from). */
  get(key: string): unknown;
  /** Sets a value in the current context. Throws outside any context, as cls-hooked does. */
  set<T>(key: string, value: T): T;
  /** Binds `fn` to a context (the current one by default): it always runs in it. */
  bind<F extends (...args: any[]) => any>(fn: F, context?: ClsContext): F;
  /** Creates a child context of the current one without entering it. */
  createContext(): ClsContext;
}

/**
 * Creates a CLS namespace on AsyncLocalStorage, for `Sequelize.useCLS(namespace)`: managed
 * transactions then find their transaction in every query of the callback, without passing
 * `{ transaction }` around.
 *
 * @example
 * import { Sequelize } from 'sequelize';
 * import { createNamespace } from 'headroom/sequelize';
 * Sequelize.useCLS(createNamespace('app'));
 */
export function createNamespace(name = 'headroom'): ClsNamespace {
  const storage = new AsyncLocalStorage<ClsContext>();
  const child = (): ClsContext => Object.create(storage.getStore() ?? null) as ClsContext;
  return {
    name,
    get active() {
      return storage.getStore() ?? null;
    },
    createContext: child,
    run(fn) {
      const context = child();
      storage.run(context, () => fn(context));
      return context;
    },
    runAndReturn(fn) {
      const context = child();
      return storage.run(context, () => fn(context));
    },
    runPromise(fn) {
      const context = child();
      return storage.run(context, () => fn(context));
    },
    get(key) {
      return storage.getStore()?.[key];
    },
    set(key, value) {
      const context = storage.getStore();
      if (!context) throw new Error('No context available. ns.run() or ns.bind() must be called first.');
      context[key] = value;
      return value;
    },
    bind(fn, context) {
      const bound = context ?? storage.getStore() ?? child();
      return function (this: unknown, ...args: unknown[]) {
        return storage.run(bound, () => fn.apply(this, args));
      } as typeof fn;
    },
  };
}
