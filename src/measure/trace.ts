import { createHook } from 'node:async_hooks';
import { longestChain } from '../budget/judge.js';
import { errorMessage, HeadroomError, show } from '../errors.js';
import { requestKey } from '../format/message.js';
import { formatMs } from '../format/units.js';
import { type Span, spanOf, waterfall } from '../format/waterfall.js';
import type { RecordedEvent } from '../types.js';
import { now } from './clock.js';
import { resolveCallSites } from './recorder.js';
import { CallScope, callInScope, closeScope, runtime } from './scope.js';
import { fakeClock, settle } from './virtual-time.js';

/** A stretch of synchronous work of at least `TraceOptions.minBlockMs`. */
export interface TraceBlock {
  /** Start, in milliseconds of the real monotonic clock. */
  startMs: number;
  /** Length, in milliseconds. */
  durationMs: number;
  /** What ran: the function's synchronous part, or the kind of callback. */
  where: string;
}

/** The timeline of one call: every query, request and event-loop block, with timing and outcome. */
export interface Trace {
  /** Start of the call, in milliseconds of the real monotonic clock. */
  startMs: number;
  /** Wall time of the call, in milliseconds. */
  durationMs: number;
  /** Events of the call, in start order, with call sites. */
  events: RecordedEvent[];
  /** Events during the call that belonged to no measurement (not the call's). */
  outside: RecordedEvent[];
  /** Blocks of the event loop during the call, in start order. */
  blocks: TraceBlock[];
  /** The longest chain of round trips. */
  roundTrips: RecordedEvent[];
  /** The error the call threw, if it did (the trace is still returned). */
  error?: unknown;
  /** A text waterfall of the timeline. */
  toString(): string;
  /**
   * The timeline as Chrome trace event JSON (`{ traceEvents: [...] }`), which Perfetto
   * (ui.perfetto.dev) and chrome://tracing open. Write it with `JSON.stringify`.
   */
  toChromeTrace(): ChromeTrace;
}

/** Chrome's trace event format: complete events (`ph: 'X'`) with microsecond timestamps. */
export interface ChromeTrace {
  traceEvents: {
    name: string;
    cat?: string;
    ph: 'X' | 'M';
    ts: number;
    dur?: number;
    pid: number;
    tid: number;
    args?: Record<string, unknown>;
  }[];
  displayTimeUnit: 'ms';
}

/** Options of `trace()`. */
export interface TraceOptions {
  /**
   * The shortest synchronous stretch listed as a block, in milliseconds.
   * @defaultValue 1
   */
  minBlockMs?: number;
}

const KINDS: Record<string, string> = {
  PROMISE: 'promise continuation',
  Timeout: 'timer callback',
  Immediate: 'setImmediate callback',
  TickObject: 'nextTick callback',
};

const TID = { call: 1, block: 2, query: 3, request: 4, custom: 5 } as const;
const THREAD_NAMES: Record<keyof typeof TID, string> = {
  call: 'call',
  block: 'event loop blocks',
  query: 'queries',
  request: 'requests',
  custom: 'custom events',
};

/**
 * Calls `fn` once and returns the timeline of everything it did: each query and request with its
 * start, end, call site and outcome, and each stretch of synchronous work of 1 ms or more. Print
 * it (`String(trace)`) for a text waterfall, or save `trace.toChromeTrace()` as JSON for Perfetto.
 * Timing callbacks costs time: trace to look, budget to assert.
 *
 * @example
 * const t = await trace(() => checkout(cart));
 * console.log(String(t));
 * writeFileSync('checkout.trace.json', JSON.stringify(t.toChromeTrace()));
 */
export async function trace(fn: () => unknown, options: TraceOptions = {}): Promise<Trace> {
  if (typeof fn !== 'function') {
    throw new HeadroomError(
      'HEADROOM_ERR_NOT_A_FUNCTION',
      `Failed to trace: expected a function, received ${show(fn)}. Please pass the code under test wrapped in a function.`,
    );
  }
  const minBlockMs = options.minBlockMs ?? 1;
  const scope = new CallScope('context');
  const blocks: TraceBlock[] = [];
  const ours = new Map<number, string>();
  const entered = new Map<number, number>();
  const hook = createHook({
    init(id, type) {
      if (runtime.als.getStore() === scope) ours.set(id, KINDS[type] ?? `${type} callback`);
    },
    before(id) {
      if (ours.has(id)) entered.set(id, now());
    },
    after(id) {
      const start = entered.get(id);
      if (start === undefined) return;
      entered.delete(id);
      const durationMs = now() - start;
      if (durationMs >= minBlockMs)
        blocks.push({ startMs: start, durationMs, where: ours.get(id) ?? 'callback' });
    },
  });
  let error: unknown;
  hook.enable();
  const startMs = now();
  // Under fake timers, events carry the fake clock's times: put the call and its blocks on it too.
  const clockAtStart = fakeClock();
  const virtualStart = clockAtStart?.now;
  try {
    const result = callInScope(scope, fn);
    const syncMs = now() - startMs;
    if (syncMs >= minBlockMs)
      blocks.push({ startMs, durationMs: syncMs, where: 'synchronous part of the function' });
    await settle(result, 10_000);
  } catch (e) {
    error = e;
  } finally {
    hook.disable();
    closeScope(scope);
  }
  const realDuration = now() - startMs;
  const clockAtEnd = fakeClock();
  const virtual = virtualStart !== undefined && clockAtEnd !== undefined;
  const durationMs = virtual ? clockAtEnd.now - virtualStart : realDuration;
  if (virtual) for (const b of blocks) b.startMs = virtualStart + (b.startMs - startMs);
  resolveCallSites(scope.events);
  resolveCallSites(scope.outside);
  const events = [...scope.events].sort((a, b) => a.startMs - b.startMs);
  blocks.sort((a, b) => a.startMs - b.startMs);
  const roundTrips = longestChain(events);
  const result: Trace = {
    startMs: virtual ? virtualStart : startMs,
    durationMs,
    events,
    outside: scope.outside,
    blocks,
    roundTrips,
    toString: () => formatTrace(result),
    toChromeTrace: () => chromeTrace(result),
  };
  if (error !== undefined) result.error = error;
  return result;
}

function formatTrace(t: Trace): string {
  const queries = t.events.filter((e) => e.kind === 'query').length;
  const requests = t.events.filter((e) => e.kind === 'request').length;
  const longest = t.blocks.reduce((m, b) => Math.max(m, b.durationMs), 0);
  const spans: Span[] = [
    ...t.events.map((e) => spanOf(e, requestKey)),
    ...t.blocks.map((b) => ({
      startMs: b.startMs,
      endMs: b.startMs + b.durationMs,
      label: `[blocked] ${b.where}`,
    })),
  ].sort((a, b) => a.startMs - b.startMs);
  const head =
    `trace: ${formatMs(t.durationMs)}, ${queries} quer${queries === 1 ? 'y' : 'ies'}, ` +
    `${requests} request${requests === 1 ? '' : 's'}, ${t.roundTrips.length} round trip${t.roundTrips.length === 1 ? '' : 's'} ` +
    `in the longest chain, longest block ${formatMs(longest)}`;
  const lines = [head, ...waterfall(spans, t.startMs, t.startMs + t.durationMs)];
  if (t.outside.length) lines.push(`  (${t.outside.length} events outside this call, not shown)`);
  if (t.error !== undefined) lines.push(`  threw: ${errorMessage(t.error)}`);
  return lines.join('\n');
}

function chromeTrace(t: Trace): ChromeTrace {
  const us = (ms: number) => Math.round((ms - t.startMs) * 1000);
  const traceEvents: ChromeTrace['traceEvents'] = Object.entries(TID).map(([name, tid]) => ({
    name: 'thread_name',
    ph: 'M' as const,
    ts: 0,
    pid: 1,
    tid,
    args: { name: THREAD_NAMES[name as keyof typeof TID] },
  }));
  traceEvents.push({
    name: 'call',
    cat: 'call',
    ph: 'X',
    ts: 0,
    dur: us(t.startMs + t.durationMs),
    pid: 1,
    tid: TID.call,
  });
  for (const e of t.events) {
    const span = spanOf(e, requestKey);
    const args: Record<string, unknown> = {};
    if (e.kind === 'query') Object.assign(args, { system: e.system, statement: span.label });
    if (e.kind === 'request') Object.assign(args, { method: e.method, url: e.url, status: e.status });
    if (e.callSite) args.callSite = e.callSite;
    if (e.error) args.error = e.error;
    traceEvents.push({
      name: span.label,
      cat: e.kind,
      ph: 'X',
      ts: us(e.startMs),
      dur: Math.max(1, us(e.endMs ?? t.startMs + t.durationMs) - us(e.startMs)),
      pid: 1,
      tid: TID[e.kind],
      args,
    });
  }
  for (const b of t.blocks) {
    traceEvents.push({
      name: `blocked: ${b.where}`,
      cat: 'block',
      ph: 'X',
      ts: us(b.startMs),
      dur: Math.max(1, Math.round(b.durationMs * 1000)),
      pid: 1,
      tid: TID.block,
    });
  }
  return { traceEvents, displayTimeUnit: 'ms' };
}
