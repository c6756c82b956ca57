import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attribution, RecordedEvent } from '../types.js';

/**
 * The scope of one call of a measured function. Every event recorded in its async context lands
 * in `events`; events recorded while it is open but in no scope at all land in `outside`.
 */
export class CallScope {
  /** True while the call runs; events arriving later are marked `late` and not counted. */
  open = true;
  readonly events: RecordedEvent[] = [];
  readonly outside: RecordedEvent[] = [];
  readonly late: RecordedEvent[] = [];
  constructor(
    readonly attribution: Attribution,
    readonly label?: string,
  ) {}
}

/** State shared by every copy of headroom loaded in the process (ESM and CJS builds alike). */
interface Runtime {
  readonly als: AsyncLocalStorage<CallScope>;
  /** Scopes of calls in progress. */
  readonly windows: Set<CallScope>;
  nextEventId: number;
  /** Set by a runner entry: the name of the test running now. */
  testName?: () => string | undefined;
}

const RUNTIME = Symbol.for('headroom.runtime.v1');
type WithRuntime = typeof globalThis & { [RUNTIME]?: Runtime };

function createRuntime(): Runtime {
  return { als: new AsyncLocalStorage<CallScope>(), windows: new Set(), nextEventId: 1 };
}

/** The process-wide runtime (a `Symbol.for` key, so an ESM and a CJS copy share one). */
export const runtime: Runtime = ((globalThis as WithRuntime)[RUNTIME] ??= createRuntime());

/** Runs `fn` with `scope` as its async context and marks the scope open for its duration. */
export function enterScope<T>(scope: CallScope, fn: () => T): T {
  runtime.windows.add(scope);
  return runtime.als.run(scope, fn);
}

/** Closes a scope: later events in its context are `late`, and it stops collecting `outside`. */
export function closeScope(scope: CallScope): void {
  scope.open = false;
  runtime.windows.delete(scope);
}

/** The scope of the current async context, if any. */
export function currentScope(): CallScope | undefined {
  return runtime.als.getStore();
}
