import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attribution, RecordedEvent } from '../types.js';

/** State shared by every copy of headroom loaded in the process (ESM and CJS builds alike). */
interface Runtime {
  readonly als: AsyncLocalStorage<CallScope>;
  /** Scopes of calls in progress. */
  readonly windows: Set<CallScope>;
  /** The same scopes by id, for propagation across loopback requests. */
  readonly byId: Map<number, CallScope>;
  nextEventId: number;
  nextScopeId: number;
  /** Set by a runner entry: the name of the test running now. */
  testName?: () => string | undefined;
  /** Set by a runner entry: the absolute path of the running test file. */
  testPath?: () => string | undefined;
}

const RUNTIME = Symbol.for('headroom.runtime.v1');

/**
 * Where the process-wide state lives: on a core module's export, which every copy of headroom
 * sees (ESM and CJS builds, and each jest test file's fresh module registry) and no test runner
 * cleans up. On `globalThis` it would belong to one jest test file: jest tears that global down
 * after the file, and a measurement still running then (a forgotten `await`) crashed the worker.
 */
export const processWide = AsyncLocalStorage as unknown as Record<symbol, unknown>;

function createRuntime(): Runtime {
  return {
    als: new AsyncLocalStorage<CallScope>(),
    windows: new Set(),
    byId: new Map(),
    nextEventId: 1,
    nextScopeId: 1,
  };
}

/** The process-wide runtime (a `Symbol.for` key, so an ESM and a CJS copy share one). */
export const runtime: Runtime = (processWide[RUNTIME] ??= createRuntime()) as Runtime;

/**
 * The scope of one call of a measured function. Every event recorded in its async context lands
 * in `events`; events recorded while it is open but in no scope at all land in `outside`.
 */
export class CallScope {
  /** Process-unique id, carried across loopback HTTP requests to in-process servers. */
  readonly id: number = runtime.nextScopeId++;
  /** True while the call runs; events arriving later are marked `late` and not counted. */
  open = true;
  readonly events: RecordedEvent[] = [];
  readonly outside: RecordedEvent[] = [];
  readonly late: RecordedEvent[] = [];
  #sites: Map<string, number> | undefined;
  /**
   * Whether events recorded outside any call while this scope is open take their call site (for
   * the "outside the call" part of failure messages). A test's trace window needs none.
   */
  callSitesOutside = true;
  constructor(
    readonly attribution: Attribution,
    readonly label?: string,
  ) {}

  /** True for the first few events of a key (a statement, a URL) in this call: take their call sites. */
  sampleCallSite(key: string): boolean {
    this.#sites ??= new Map();
    const n = this.#sites.get(key) ?? 0;
    this.#sites.set(key, n + 1);
    return n < CALL_SITES_PER_KEY;
  }
}

/** Call sites taken per statement, URL or name in one call. */
const CALL_SITES_PER_KEY = 3;

/** Runs `fn` with `scope` as its async context and marks the scope open for its duration. */
export function enterScope<T>(scope: CallScope, fn: () => T): T {
  runtime.windows.add(scope);
  runtime.byId.set(scope.id, scope);
  return runtime.als.run(scope, fn);
}

/** Closes a scope: later events in its context are `late`, and it stops collecting `outside`. */
export function closeScope(scope: CallScope): void {
  scope.open = false;
  runtime.windows.delete(scope);
  runtime.byId.delete(scope.id);
}

/** The scope of the current async context, if any. */
export function currentScope(): CallScope | undefined {
  return runtime.als.getStore();
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Calls `fn` in `scope`. A thenable result is adopted inside the scope too, as a native promise:
 * lazy thenables (a supertest request sends itself when `then` is called) then do their work in
 * the call's context, not in whoever awaits them.
 */
export function callInScope(scope: CallScope, fn: () => unknown): unknown {
  return enterScope(scope, () => {
    const result = fn();
    // A thenable that is not a real promise (of this realm or another) is adopted here.
    return isThenable(result) && Object.prototype.toString.call(result) !== '[object Promise]'
      ? Promise.resolve(result)
      : result;
  });
}
