import { errorMessage } from '../errors.js';
import type { EventInput, RecordedEvent } from '../types.js';
import { now } from './clock.js';
import { runtime } from './scope.js';
import { eventTime, fakeClock } from './virtual-time.js';

/** Returned by {@link record}: call `end()` when the operation completes. */
export interface EventHandle {
  /**
   * Marks the operation complete, with its error or HTTP status if any, and a note for failure
   * messages (e.g. what a simulated downstream did).
   */
  end(outcome?: { error?: unknown; status?: number; note?: string }): void;
  /** Adds a note to the event while it runs (shown after its outcome in messages). */
  annotate(note: string): void;
}

const NOOP: EventHandle = { end() {}, annotate() {} };

/**
 * Real-clock start and end of an event recorded under fake timers, where many events share one
 * virtual instant (an instant mocked answer takes no virtual time): ordering falls back to them.
 */
export const REAL_TIME = Symbol.for('headroom.real-time');
type RealTime = { start: number; end?: number };
// Symbol.for: a test file may load the CJS build while the setup file loads the ESM one.
const STACK = Symbol.for('headroom.stack');
type StackHolder = { stack?: string };
type Internal = RecordedEvent & { [STACK]?: StackHolder };

function siteKey(input: EventInput): string {
  if (input.kind === 'query') return input.statement;
  if (input.kind === 'request') return `${input.method} ${input.url}`;
  return input.name;
}

/** True when an open scope wants call sites of events recorded outside any call. */
function wantsSitesOutside(): boolean {
  for (const window of runtime.windows) if (window.callSitesOutside) return true;
  return false;
}

/**
 * True when some measurement is in progress or the current context belongs to one. Integrations
 * check this before building an event, so that their hooks cost nothing when nobody listens.
 */
export function isRecording(): boolean {
  return runtime.windows.size > 0 || runtime.als.getStore() !== undefined;
}

/**
 * Records one I/O event (a query, a request, or anything a user wants counted) and attributes it
 * to the measurement whose async context produced it. Returns a handle whose `end()` marks the
 * operation complete. Costs one branch when no measurement is running.
 *
 * @example
 * const op = record({ kind: 'custom', name: 'queue.publish', detail: 'orders' });
 * try { await queue.publish(msg) } finally { op.end() }
 */
export function record(input: EventInput): EventHandle {
  const store = runtime.als.getStore();
  if (store === undefined && runtime.windows.size === 0) return NOOP;

  // Object.assign, then plain stores: Node 20 builds `{ ...input, id, startMs }` on a slow path
  // (about 2 µs an event, measured by test/bench/drivers-repro-spread.mjs).
  const event = Object.assign({}, input) as Internal;
  event.id = runtime.nextEventId++;
  // One read of the clock source: the fake clock's time while fake timers are installed.
  const clock = fakeClock();
  event.startMs = clock ? clock.now : now();
  const real: RealTime | undefined = clock ? { start: now() } : undefined;
  if (real) Object.defineProperty(event, REAL_TIME, { value: real, enumerable: false });
  // The call site costs a stack capture (~10 µs) now and its formatting (~30 µs) later: take it
  // for the first few executions of each statement, URL or name in a call, which is what
  // messages group by — an N+1 loop of a thousand queries pays for three.
  if (store === undefined ? wantsSitesOutside() : store.sampleCallSite(siteKey(input))) {
    const holder: StackHolder = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    Error.captureStackTrace(holder, record);
    Error.stackTraceLimit = limit;
    Object.defineProperty(event, STACK, { value: holder, enumerable: false });
  }

  if (store !== undefined) {
    if (store.open) store.events.push(event);
    else {
      event.late = true;
      store.late.push(event);
    }
  }
  for (const window of runtime.windows) {
    if (window === store) continue;
    if (window.attribution === 'window') window.events.push(event);
    else if (store === undefined) window.outside.push(event);
  }
  return {
    end(outcome) {
      if (event.endMs !== undefined) return;
      event.endMs = eventTime();
      if (real) real.end = now();
      if (outcome?.error !== undefined) {
        const e = outcome.error;
        event.error = errorMessage(e);
      }
      if (outcome?.status !== undefined && event.kind === 'request') event.status = outcome.status;
      if (outcome?.note !== undefined) event.note = outcome.note;
    },
    annotate(note) {
      event.note = note;
    },
  };
}

const INTERNAL_FRAME = /[\\/]node_modules[\\/]|^node:|\(node:|<anonymous>/;

/** headroom's own folders (dist/, src/, integrations/), found from where this file was loaded. */
const OWN_DIRS: string[] = (() => {
  const holder: StackHolder = {};
  Error.captureStackTrace(holder);
  const line = holder.stack?.split('\n')[1] ?? '';
  const file = (/\(([^()]+)\)$/.exec(line.trim())?.[1] ?? line.trim().slice(3))
    .replace(/^file:\/\//, '')
    .replace(/:\d+:\d+$/, '');
  const match = /^(.*)[\\/](dist|src)[\\/]/.exec(file);
  if (!match) return [];
  const root = match[1] as string;
  return [`${root}/dist/`, `${root}/src/`, `${root}/integrations/`];
})();

const TEST_FILE = /\.(test|spec)(-d)?\.[cm]?[jt]sx?:/;

function isInternal(location: string): boolean {
  if (INTERNAL_FRAME.test(location)) return true;
  if (TEST_FILE.test(location)) return false;
  for (const dir of OWN_DIRS) if (location.startsWith(dir)) return true;
  return false;
}

/**
 * The first frame of a stack in user code: not in node_modules, not in headroom, not in Node's
 * internals. Returned as `path:line:column`, relative to the working directory.
 */
export function userFrame(stack: string | undefined, cwd = process.cwd()): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const frame = line.trim();
    if (!frame.startsWith('at ')) continue;
    const location = /\(([^()]+)\)$/.exec(frame)?.[1] ?? frame.slice(3);
    const clean = location.replace(/^file:\/\//, '');
    if (isInternal(clean) || INTERNAL_FRAME.test(frame)) continue;
    return clean.startsWith(cwd + '/') ? clean.slice(cwd.length + 1) : clean;
  }
  return undefined;
}

/** Fills `callSite` of each event from its captured stack (done once, when a result is built). */
export function resolveCallSites(events: readonly RecordedEvent[]): void {
  for (const event of events as Internal[]) {
    if (event.callSite === undefined) {
      const site = userFrame(event[STACK]?.stack);
      if (site !== undefined) event.callSite = site;
    }
  }
}
