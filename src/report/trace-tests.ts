/**
 * Tracing every test (`headroom/reporter` option `trace: true`, or `HEADROOM_TRACE=1`): the runner
 * entries open a window around each test that records every query and request made while it runs,
 * and a ticker on the real timers that sees the longest event-loop block. The reporter lists the
 * heaviest tests, and the history shows a test whose query count crept up even though nobody
 * wrote a budget for it.
 *
 * A window, not an async context: whatever the test starts is counted, including work of its
 * in-process servers and of `beforeEach` hooks that ran before it. Tests of one file run one at a
 * time, so the windows of two tests do not overlap (concurrent tests, `test.concurrent`, share
 * theirs: their counts are each other's too).
 */
import { clearInterval as realClearInterval, setInterval as realSetInterval } from 'node:timers';
import { countedQueries } from '../budget/judge.js';
import { now } from '../measure/clock.js';
import { CallScope, closeScope, processWide, runtime } from '../measure/scope.js';
import { statementShape } from '../measure/sql.js';
import type { RecordedEvent } from '../types.js';
import { reportPath, writeResultLine } from './collect.js';
import type { ReportTestTrace } from './schema.js';

/** The environment variable that turns tracing of every test on. */
export const TRACE_ENV = 'HEADROOM_TRACE';

/** Ticker period, in ms: a block of B ms shows as a gap of B to B + 2 ms. */
const TICK_MS = 2;

interface Active {
  scope: CallScope;
  started: number;
  last: number;
  maxGap: number;
  timer: ReturnType<typeof realSetInterval>;
}

const ACTIVE = Symbol.for('headroom.test-trace.v1');
const state = processWide as unknown as { [ACTIVE]?: Active };

/** True when tests are to be traced in this process. */
export function tracingTests(): boolean {
  const v = process.env[TRACE_ENV];
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/**
 * The longest chain of sequential I/O, in O(n log n) for tests that make thousands of queries:
 * events nested in another's span are dropped (they belong to its round trip), then the most
 * pairwise non-overlapping events are chosen greedily by earliest end, which is the longest chain.
 */
export function roundTripCount(events: readonly RecordedEvent[]): number {
  const ended = events.filter((e) => e.endMs !== undefined);
  const byStart = [...ended].sort(
    (a, b) => a.startMs - b.startMs || (b.endMs as number) - (a.endMs as number),
  );
  const outer: RecordedEvent[] = [];
  let maxEnd = Number.NEGATIVE_INFINITY;
  for (const e of byStart) {
    if ((e.endMs as number) <= maxEnd && outer.length > 0) continue; // nested in an earlier event
    outer.push(e);
    maxEnd = Math.max(maxEnd, e.endMs as number);
  }
  outer.sort((a, b) => (a.endMs as number) - (b.endMs as number));
  // Greedy by earliest end; after each pick, the best chain among events ended by then.
  const ends: number[] = [];
  const counts: number[] = [];
  let count = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const e of outer) {
    if (e.startMs >= lastEnd) {
      count++;
      lastEnd = e.endMs as number;
      ends.push(lastEnd);
      counts.push(count);
    }
  }
  // An event still running when the test ended can close a chain: one more than the best chain
  // of events that ended before it started.
  let best = count;
  for (const e of events) {
    if (e.endMs !== undefined) continue;
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ends[mid] as number) <= e.startMs) lo = mid + 1;
      else hi = mid;
    }
    best = Math.max(best, 1 + (lo > 0 ? (counts[lo - 1] as number) : 0));
  }
  return best;
}

/** Opens the trace window of the test that is about to run. */
export function startTestTrace(): void {
  endWindow();
  const scope = new CallScope('window');
  // Counts and shapes only: no stack capture (about 10 µs) per event for a trace.
  scope.callSitesOutside = false;
  runtime.windows.add(scope);
  const t = now();
  const active: Active = {
    scope,
    started: t,
    last: t,
    maxGap: 0,
    timer: realSetInterval(() => {
      const at = now();
      const gap = at - active.last;
      active.last = at;
      if (gap > active.maxGap) active.maxGap = gap;
    }, TICK_MS),
  };
  active.timer.unref();
  state[ACTIVE] = active;
}

function endWindow(): Active | undefined {
  const active = state[ACTIVE];
  if (!active) return undefined;
  state[ACTIVE] = undefined;
  realClearInterval(active.timer);
  closeScope(active.scope);
  return active;
}

/** Closes the test's window and writes its trace for the reporter. */
export function endTestTrace(
  testName: string | undefined,
  testPath: string | undefined,
): ReportTestTrace | undefined {
  const active = endWindow();
  if (!active) return undefined;
  const ended = now();
  // The gap since the last tick counts too: a test whose body blocked and then ended.
  const maxGap = Math.max(active.maxGap, ended - active.last);
  const events = active.scope.events;
  const queries = countedQueries(events);
  // Shapes by statement text first: a test repeats its statements, and shaping one costs
  // regular expressions.
  const byText = new Map<string, number>();
  for (const q of queries) byText.set(q.statement, (byText.get(q.statement) ?? 0) + 1);
  const shapes = new Map<string, number>();
  let repeatedQueries = 0;
  for (const [text, n] of byText) {
    const shape = statementShape(text);
    const before = shapes.get(shape) ?? 0;
    // Executions of a shape beyond its first, as repeatedQueries counts them.
    repeatedQueries += before === 0 ? n - 1 : n;
    shapes.set(shape, before + n);
  }
  const topQueries = [...shapes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([shape, count]) => ({ shape: shape.length > 300 ? `${shape.slice(0, 299)}…` : shape, count }));
  const file = reportPath(testPath);
  const test = testName ?? '(unnamed test)';
  const trace: ReportTestTrace = {
    id: `${file} › ${test}`,
    file,
    test,
    queries: queries.length,
    repeatedQueries,
    requests: events.filter((e) => e.kind === 'request').length,
    roundTrips: roundTripCount(events),
    // Less one tick: a block of B ms shows as a gap of B to B + TICK_MS.
    eventLoopBlockMs: Math.round(Math.max(0, maxGap - TICK_MS) * 100) / 100,
    durationMs: Math.round((ended - active.started) * 100) / 100,
    ...(topQueries.length ? { topQueries } : {}),
  };
  writeResultLine({ type: 'trace', trace });
  return trace;
}
