import { countedQueries, longestChain } from '../budget/judge.js';
import { statementShape } from '../measure/sql.js';
import type { Measurement, QueryEvent, RecordedEvent, RequestEvent, Verdict } from '../types.js';
import { formatBytes, formatHeadroom, formatMs, formatRange, formatValue } from './units.js';
import { spanOf, waterfall } from './waterfall.js';

/** What the rich probes found when a contract failed. */
export interface Explanation {
  /** The longest event-loop block seen on a re-run with async_hooks timing. */
  block?: { durationMs: number; where: string; stack: string[] };
  /** The functions that allocated most on a re-run under the sampling heap profiler. */
  allocations?: { functionName: string; location: string; bytes: number }[];
  /** Set when a rich probe could not run. */
  unavailable?: string[];
}

/** Everything a failure message is built from. */
export interface MessageInput {
  /** The first line, when it is not `expect(…).matcher(budget)`. */
  head?: string;
  matcher: string;
  received: 'fn' | 'measurement';
  isNot: boolean;
  verdicts: Verdict[];
  measurement: Measurement;
  countTransactionControl?: boolean;
  maxTimeMs?: number;
  inconclusive?: 'pass' | 'fail';
  explanation?: Explanation;
}

const MARK = { pass: '✓', fail: '✗', inconclusive: '?' } as const;
const MAX_ROWS = 10;

function label(v: Verdict): string {
  return v.part ? `${v.metric} (${v.part})` : v.metric;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function evidence(v: Verdict, m: Measurement): string {
  const parts: string[] = [];
  if (v.evidence) parts.push(v.evidence);
  if (v.interval) {
    const [lo, hi] = v.interval;
    const level = `${Math.round(m.confidence * 1000) / 10}%`;
    parts.push(`${level} CI ${formatRange(lo, hi, v.unit)}`);
  }
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** The table of verdicts: one row per metric with budget, measured and headroom. */
export function formatTable(verdicts: readonly Verdict[], m: Measurement): string {
  const rows = verdicts.map((v) => [
    `${MARK[v.status]} ${label(v)}`,
    formatValue(v.limit, v.unit),
    formatValue(v.measured, v.unit),
    formatHeadroom(v.headroom, v.unit),
    evidence(v, m),
  ]);
  const header = ['  metric', 'budget', 'measured', 'headroom', ''];
  const all = [header, ...rows];
  const width = (i: number) => Math.max(...all.map((r) => (r[i] ?? '').length));
  const w = [0, 1, 2, 3].map(width);
  return all
    .map((r) =>
      [
        (r[0] ?? '').padEnd(w[0] ?? 0),
        (r[1] ?? '').padStart(w[1] ?? 0),
        (r[2] ?? '').padStart(w[2] ?? 0),
        (r[3] ?? '').padStart(w[3] ?? 0),
        r[4] ?? '',
      ]
        .join('   ')
        .trimEnd(),
    )
    .map((line) => `  ${line}`)
    .join('\n');
}

function capped<T>(items: readonly T[], render: (item: T) => string): string[] {
  const lines = items.slice(0, MAX_ROWS).map(render);
  if (items.length > MAX_ROWS) lines.push(`  …and ${items.length - MAX_ROWS} more`);
  return lines;
}

interface Group<T> {
  key: string;
  count: number;
  first: T;
  sites: Set<string>;
}

function group<T extends RecordedEvent>(events: readonly T[], key: (e: T) => string): Group<T>[] {
  const groups = new Map<string, Group<T>>();
  for (const e of events) {
    const k = key(e);
    let g = groups.get(k);
    if (!g) {
      g = { key: k, count: 0, first: e, sites: new Set() };
      groups.set(k, g);
    }
    g.count++;
    if (e.callSite) g.sites.add(e.callSite);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Offender rows: count, key padded so that call sites line up, call site. */
function offenderRows<T extends RecordedEvent>(groups: Group<T>[]): string[] {
  const countWidth = Math.max(...groups.map((g) => `×${g.count}`.length));
  const keyWidth = Math.min(60, Math.max(...groups.map((g) => g.key.length)));
  return capped(groups, (g) => {
    const site = at(g.sites);
    return `  ${`×${g.count}`.padEnd(countWidth)}  ${site ? g.key.padEnd(keyWidth) : g.key}${site}`;
  });
}

function at(sites: Set<string>): string {
  const list = [...sites];
  if (list.length === 0) return '';
  return `   at ${list[0]}${list.length > 1 ? ` (+${list.length - 1} more sites)` : ''}`;
}

const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** `METHOD host/path`, with id-like path segments folded to `:id` so that an N+1 over HTTP groups. */
export function requestKey(e: RequestEvent): string {
  let path = e.url;
  try {
    path = new URL(e.url).pathname;
  } catch {}
  const shape = path
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/');
  return `${e.method.toUpperCase()} ${e.host}${shape}`;
}

function queriesSection(queries: (QueryEvent & RecordedEvent)[]): string[] {
  if (queries.length === 0) return [];
  const groups = group(queries, (q) => statementShape(q.statement));
  return [`Queries (${queries.length}, grouped by shape):`, ...offenderRows(groups)];
}

function requestsSection(requests: (RequestEvent & RecordedEvent)[]): string[] {
  if (requests.length === 0) return [];
  const groups = group(requests, requestKey);
  return [`Requests (${requests.length}, grouped by method, host and path):`, ...offenderRows(groups)];
}

function describe(e: RecordedEvent): string {
  if (e.kind === 'query') return statementShape(e.statement);
  if (e.kind === 'request') return requestKey(e);
  return e.detail ? `${e.name} ${e.detail}` : e.name;
}

/** Every I/O event of the first call on one time axis: where the time went, what failed. */
function timelineSection(events: readonly RecordedEvent[]): string[] {
  const sorted = [...events].sort((a, b) => a.startMs - b.startMs);
  return [
    `Timeline of the first call (${plural(sorted.length, 'event')}):`,
    ...waterfall(sorted.slice(0, MAX_ROWS * 2).map((e) => spanOf(e, requestKey))),
    ...(sorted.length > MAX_ROWS * 2 ? [`  …and ${sorted.length - MAX_ROWS * 2} more`] : []),
  ];
}

function chainSection(chain: RecordedEvent[]): string[] {
  if (chain.length < 2) return [];
  return [
    `Longest chain of round trips (${chain.length}, each waiting for the previous):`,
    ...waterfall(chain.slice(0, MAX_ROWS).map((e) => spanOf(e, requestKey))),
    ...(chain.length > MAX_ROWS ? [`  …and ${chain.length - MAX_ROWS} more`] : []),
  ];
}

function hints(input: MessageInput, queries: (QueryEvent & RecordedEvent)[]): string[] {
  const out: string[] = [];
  const failed = new Set(input.verdicts.filter((v) => v.status === 'fail').map((v) => v.metric));
  const m = input.measurement;
  if (failed.has('repeatedQueries') || failed.has('queries')) {
    const top = group(queries, (q) => statementShape(q.statement))[0];
    if (top && top.count > 1) {
      const site = top.sites.size ? ` from ${[...top.sites][0]}` : '';
      out.push(
        `Hint: ${top.count} executions of one shape${site} look like an N+1: load them in one query ` +
          '(WHERE id IN (…), or a join) instead of one query per item.',
      );
    }
  }
  if (failed.has('roundTrips')) {
    out.push(
      'Hint: these calls wait for each other. Start the independent ones together (Promise.all), ' +
        'or fetch what they need in one round trip.',
    );
  }
  if (failed.has('eventLoopBlock')) {
    const b = input.explanation?.block;
    if (b) {
      out.push(`Longest block on a re-run: ${formatMs(b.durationMs)} in ${b.where}`);
      for (const frame of b.stack.slice(0, 5)) out.push(`    at ${frame}`);
      const measured = input.verdicts.find((v) => v.metric === 'eventLoopBlock')?.measured ?? 0;
      if (b.durationMs < measured / 2) {
        out.push(
          `Note: the re-run blocked for much less than the measured calls (${formatMs(measured)}): those may include ` +
            'time the process was not running at all (a busy machine, GC pauses stretched by load).',
        );
      }
    }
    out.push(
      'Hint: synchronous work this long stalls every other request. Split it into chunks ' +
        '(await setImmediate between them), stream it, or move it to a worker thread.',
    );
  }
  if (failed.has('allocated')) {
    const sites = input.explanation?.allocations ?? [];
    if (sites.length) {
      out.push('Top allocating functions on a re-run (sampling heap profiler):');
      const width = Math.max(...sites.map((s) => formatBytes(s.bytes).length));
      for (const s of sites)
        out.push(`  ${formatBytes(s.bytes).padStart(width)}  ${s.functionName}   at ${s.location}`);
    }
    out.push(
      'Hint: reuse buffers, avoid intermediate arrays and strings in hot loops, or stream instead of building.',
    );
  }
  if (failed.has('retained') && m.retained) {
    const rounds = m.retained.rounds.map((r) => formatBytes(r.heapBytes)).join(' → ');
    out.push(`Heap after full GC by round: ${rounds}`);
    out.push(
      'Hint: every call leaves memory behind. Look for a cache without eviction, a listener or timer ' +
        'never removed, or a collection that only grows.',
    );
  }
  for (const v of input.verdicts) {
    if (v.status !== 'inconclusive') continue;
    // A time sampled against maxTime; a block is undecided by the probe's resolution, not by time.
    const max =
      input.maxTimeMs !== undefined && v.metric !== 'eventLoopBlock'
        ? ` within maxTime ${formatMs(input.maxTimeMs)}`
        : '';
    const ci = v.interval
      ? `: its CI ${formatRange(v.interval[0], v.interval[1], v.unit)} spans the limit`
      : '';
    const fix = v.note
      ? `${(v.note[0] ?? '').toUpperCase()}${v.note.slice(1)}.`
      : 'Please raise maxTime, or set the limit further from the typical value.';
    out.push(
      `Inconclusive: ${label(v)} could not be decided${max}${ci}. ` +
        `${input.inconclusive === 'fail' ? 'This fails because the options say inconclusive: "fail". ' : ''}` +
        fix,
    );
  }
  for (const reason of input.explanation?.unavailable ?? []) out.push(`Note: ${reason}`);
  return out;
}

function outsideSection(m: Measurement): string[] {
  if (m.outside.length === 0) return [];
  const groups = group(m.outside, describe);
  return [
    `Outside this call (not counted: ${plural(m.outside.length, 'event')} in no measurement's context):`,
    ...offenderRows(groups),
    "  If these belong to the call, its async context was lost on the way; attribution: 'window' counts them.",
  ];
}

/**
 * The failure message of a contract matcher: matcher hint, verdict line, one row per metric,
 * offenders grouped by shape, and hints for the fix.
 */
export function formatMessage(input: MessageInput): string {
  const { verdicts, measurement: m } = input;
  const not = input.isNot ? '.not' : '';
  const head = input.head ?? `expect(${input.received})${not}.${input.matcher}(budget)`;
  const failed = verdicts.filter((v) => v.status === 'fail').length;
  const undecided = verdicts.filter((v) => v.status === 'inconclusive').length;
  const calls = `${plural(m.calls, 'call')} made`;
  let verdict: string;
  if (input.isNot) {
    verdict =
      failed > 0
        ? `Expected the budget to be exceeded, and it was on ${failed} of ${verdicts.length} metrics (${calls}).`
        : `Expected the budget to be exceeded, but every metric stayed within it (${calls}).`;
  } else if (failed > 0) {
    verdict = `Budget exceeded on ${failed} of ${plural(verdicts.length, 'metric')} (${calls}).`;
  } else if (undecided > 0) {
    verdict = `Budget undecided on ${undecided} of ${plural(verdicts.length, 'metric')} (${calls}).`;
  } else {
    verdict = `Budget held on all ${plural(verdicts.length, 'metric')} (${calls}).`;
  }
  const queries = countedQueries(m.events, {
    countTransactionControl: input.countTransactionControl ?? false,
  }) as (QueryEvent | RecordedEvent)[] as (QueryEvent & RecordedEvent)[];
  const requests = m.events.filter((e): e is RequestEvent & RecordedEvent => e.kind === 'request');
  const failedMetrics = new Set(verdicts.filter((v) => v.status === 'fail').map((v) => v.metric));
  const sections: string[][] = [[head], [verdict], [formatTable(verdicts, m)]];
  sections.push(queriesSection(queries));
  sections.push(requestsSection(requests));
  if (failedMetrics.has('roundTrips')) sections.push(chainSection(longestChain(m.events)));
  else if ((failedMetrics.has('duration') || failedMetrics.has('requests')) && requests.length > 0) {
    sections.push(timelineSection(m.events));
  }
  sections.push(outsideSection(m));
  sections.push(hints(input, queries));
  return sections
    .filter((s) => s.length > 0)
    .map((s) => s.join('\n'))
    .join('\n\n');
}
