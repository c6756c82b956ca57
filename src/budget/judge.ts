import { HeadroomError } from '../errors.js';
import { formatMs } from '../format/units.js';
import { REAL_TIME } from '../measure/recorder.js';
import { alphaPerLook, FIRST_LOOK, MAX_LOOKS } from '../measure/sampling.js';
import { isTransactionControl, type StatementKind, statementKind, statementShape } from '../measure/sql.js';
import { median, STATISTIC_P, statisticInterval, summarize } from '../stats/quantiles.js';
import type {
  Measurement,
  MetricName,
  QueryEvent,
  RecordedEvent,
  RequestEvent,
  TimeStatistic,
  Verdict,
  VerdictStatus,
} from '../types.js';
import type { ParsedBudget } from './parse.js';

/** Options that change how a measurement is judged. */
export interface JudgeOptions {
  countTransactionControl?: boolean;
}

/** A time statistic's verdict, before it is wrapped into a {@link Verdict}. */
export interface TimeJudgement {
  status: VerdictStatus;
  measured: number;
  interval?: [number, number];
  /** Set when the samples fail but would not without the time spent waiting for a CPU. */
  contention?: { waitShare: number };
}

/**
 * Judges one statistic of a time sample against a limit: `fail` when the whole confidence
 * interval is above the limit, `pass` when it is at or below, `inconclusive` otherwise. `max` is
 * not statistical: it fails when any call exceeded the limit, and passes once enough calls stayed
 * within it.
 */
export function judgeTimeStatistic(
  values: readonly number[],
  statistic: TimeStatistic,
  limit: number,
  alpha: number,
  cpuWait?: readonly number[],
): TimeJudgement {
  const plain = judgeTimeStatisticOn(values, statistic, limit, alpha);
  if (plain.status !== 'fail' || !cpuWait || cpuWait.length !== values.length) return plain;
  // Waiting for a CPU is the machine's time, not the code's: a failure must hold without it.
  const own = values.map((v, i) => Math.max(0, v - (cpuWait[i] ?? 0)));
  if (judgeTimeStatisticOn(own, statistic, limit, alpha).status === 'fail') return plain;
  const total = values.reduce((a, b) => a + b, 0);
  const waited = cpuWait.reduce((a, b) => a + b, 0);
  return { ...plain, status: 'inconclusive', contention: { waitShare: total > 0 ? waited / total : 0 } };
}

function judgeTimeStatisticOn(
  values: readonly number[],
  statistic: TimeStatistic,
  limit: number,
  alpha: number,
): TimeJudgement {
  const stats = summarize(values);
  if (statistic === 'max') {
    if (stats.n > 0 && stats.max > limit) return { status: 'fail', measured: stats.max };
    return { status: stats.n >= FIRST_LOOK ? 'pass' : 'inconclusive', measured: stats.max };
  }
  const interval = statisticInterval(values, statistic, alpha);
  const measured = stats[statistic];
  let status: VerdictStatus = 'inconclusive';
  if (interval[0] > limit) status = 'fail';
  else if (interval[1] <= limit) status = 'pass';
  return { status, measured, interval };
}

/**
 * The alpha a measurement's time verdicts are judged at. A fixed sample gets the whole alpha. An
 * adaptive one that stopped because it was certain is judged as at that look (alpha / MAX_LOOKS);
 * one that ran to maxTime spends on its final judgement whatever its interim looks left unspent,
 * so the error over all looks stays within 1 - confidence.
 */
export function verdictAlpha(m: Measurement): number {
  const alpha = 1 - m.confidence;
  if (!m.sequential) return alpha;
  if (m.stoppedBy === 'certain') return alphaPerLook(m.confidence, true);
  return alpha * (1 - (m.looks ?? 0) / MAX_LOOKS);
}

/**
 * The fewest calls with which an order-statistic interval of the p-quantile can be bounded above
 * (to pass) or below (to fail) at alpha.
 */
export function callsNeeded(p: number, alpha: number, side: 'upper' | 'lower'): number {
  const q = side === 'upper' ? p : 1 - p;
  return Math.ceil(Math.log(alpha / 2) / Math.log(q));
}

/** ", 23% of it waiting for a CPU" when the machine took a noticeable share of the sampled time. */
function waitNote(m: Measurement): string {
  const wait = m.samples.cpuWaitMs;
  if (!wait?.length) return '';
  const total = m.samples.durationMs.reduce((a, b) => a + b, 0);
  const share = total > 0 ? wait.reduce((a, b) => a + b, 0) / total : 0;
  return share >= 0.1 ? `, ${Math.round(share * 100)}% of it waiting for a CPU` : '';
}

/** Query events that count, after the transaction-control rule. */
export function countedQueries(events: readonly RecordedEvent[], options: JudgeOptions = {}): QueryEvent[] {
  const out: QueryEvent[] = [];
  for (const e of events) {
    if (e.kind !== 'query') continue;
    if (!options.countTransactionControl && isTransactionControl(e.statement, e.system)) continue;
    out.push(e);
  }
  return out;
}

/** Executions of a statement shape beyond its first, summed over shapes. */
export function repeatedQueryCount(queries: readonly QueryEvent[]): number {
  const seen = new Map<string, number>();
  let repeated = 0;
  for (const q of queries) {
    const shape = statementShape(q.statement);
    const n = seen.get(shape) ?? 0;
    if (n > 0) repeated++;
    seen.set(shape, n + 1);
  }
  return repeated;
}

/** The most requests in flight at one moment (an unfinished request stays in flight). */
type Instant = [number, number];

/** An event's start as [time, real time]: under fake timers events share virtual instants. */
function startOf(e: RecordedEvent): Instant {
  const real = (e as { [REAL_TIME]?: { start: number } })[REAL_TIME];
  return [e.startMs, real?.start ?? e.startMs];
}

/** An event's end as [time, real time], or undefined while it runs. */
function endOf(e: RecordedEvent): Instant | undefined {
  if (e.endMs === undefined) return undefined;
  const real = (e as { [REAL_TIME]?: { end?: number } })[REAL_TIME];
  return [e.endMs, real?.end ?? e.endMs];
}

function compare(a: Instant, b: Instant): number {
  return a[0] - b[0] || a[1] - b[1];
}

export function maxInFlight(requests: readonly RecordedEvent[]): number {
  const edges: [Instant, number][] = [];
  const never: Instant = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (const r of requests) {
    edges.push([startOf(r), 1]);
    edges.push([endOf(r) ?? never, -1]);
  }
  // Ends sort before starts at the same instant: back-to-back requests are not concurrent.
  edges.sort((a, b) => compare(a[0], b[0]) || a[1] - b[1]);
  let current = 0;
  let most = 0;
  for (const [, delta] of edges) {
    current += delta;
    most = Math.max(most, current);
  }
  return most;
}

/** True when `inner` runs within `outer`'s span (e.g. a handler's query within the request). */
function nestedIn(inner: RecordedEvent, outer: RecordedEvent): boolean {
  const innerEnd = endOf(inner);
  const outerEnd = endOf(outer);
  if (inner === outer || outerEnd === undefined || innerEnd === undefined) return false;
  const fromStart = compare(startOf(inner), startOf(outer));
  const toEnd = compare(innerEnd, outerEnd);
  if (fromStart < 0 || toEnd > 0) return false;
  return fromStart !== 0 || toEnd !== 0 || outer.id < inner.id;
}

/**
 * The longest chain of I/O events in which each starts after the previous one ended, and the
 * chain itself (for the waterfall in failure messages). Events nested in another event's span —
 * the queries an in-process server runs while answering the call's request — are part of that
 * round trip, not round trips of their own.
 */
export function longestChain(events: readonly RecordedEvent[]): RecordedEvent[] {
  const io = events
    .filter((e) => !events.some((outer) => nestedIn(e, outer)))
    .sort((a, b) => compare(startOf(a), startOf(b)));
  const length: number[] = [];
  const previous: number[] = [];
  let best = -1;
  for (let i = 0; i < io.length; i++) {
    const start = startOf(io[i] as RecordedEvent);
    length[i] = 1;
    previous[i] = -1;
    for (let j = 0; j < i; j++) {
      const end = endOf(io[j] as RecordedEvent);
      if (
        end !== undefined &&
        compare(end, start) <= 0 &&
        (length[j] as number) + 1 > (length[i] as number)
      ) {
        length[i] = (length[j] as number) + 1;
        previous[i] = j;
      }
    }
    if (best < 0 || (length[i] as number) > (length[best] as number)) best = i;
  }
  const chain: RecordedEvent[] = [];
  for (let i = best; i >= 0; i = previous[i] as number) chain.unshift(io[i] as RecordedEvent);
  return chain;
}

/** The host of a request event, lower-cased, as `byHost` keys are matched. */
export function requestHost(event: RequestEvent): string {
  return event.host.toLowerCase();
}

function notMeasured(metric: MetricName): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_NOT_MEASURED',
    `Failed to judge the measurement: it did not measure \`${metric}\`. ` +
      `Please include '${metric}' in the \`metrics\` option of measure(), or pass the budget to the matcher directly.`,
  );
}

function countVerdict(
  metric: MetricName,
  part: string | undefined,
  limit: number,
  measured: number,
): Verdict {
  const verdict: Verdict = {
    metric,
    unit: 'count',
    limit,
    measured,
    headroom: limit - measured,
    status: measured <= limit ? 'pass' : 'fail',
  };
  if (part !== undefined) verdict.part = part;
  return verdict;
}

/**
 * How far an `eventLoopBlock` reading may be from the block itself: the ticker reports a block of
 * B ms that starts d ms after one of its 1 ms ticks as B + d - 0.5 (src/probes/event-loop.ts).
 */
export const BLOCK_RESOLUTION_MS = 0.5;

/**
 * A per-call metric's verdict. `allocated` takes the median of the calls made. `eventLoopBlock`
 * takes the least: preemption by other processes and GC pauses stretched by load only ever add to
 * a measured block, so the least of three calls is the one closest to the code's own. A block is
 * known to ±{@link BLOCK_RESOLUTION_MS} when the ticker saw it: within that of the limit, the
 * verdict is inconclusive rather than a coin flip. A block timed directly (the synchronous part of
 * the call) is exact.
 */
function perCallVerdict(
  metric: MetricName,
  unit: 'ms' | 'bytes',
  limit: number,
  values: number[],
  exact?: boolean[],
): Verdict {
  const least = metric === 'eventLoopBlock';
  const measured = least ? Math.min(...values) : median(values);
  const calls = values.length === 1 ? '1 call' : `${least ? 'least' : 'median'} of ${values.length} calls`;
  let status: VerdictStatus = measured <= limit ? 'pass' : 'fail';
  const verdict: Verdict = {
    metric,
    unit,
    limit,
    measured,
    headroom: limit - measured,
    status,
    evidence: calls,
  };
  // A block timed directly by the clock (the call's synchronous part) needs no margin.
  const timedDirectly = least && exact?.[values.indexOf(measured)] === true;
  if (least && !timedDirectly) {
    const lo = Math.max(0, measured - BLOCK_RESOLUTION_MS);
    const hi = measured + BLOCK_RESOLUTION_MS;
    status = lo > limit ? 'fail' : hi <= limit ? 'pass' : 'inconclusive';
    verdict.status = status;
    if (status === 'inconclusive') {
      verdict.interval = [lo, hi];
      verdict.note =
        `the block is known to ±${formatMs(BLOCK_RESOLUTION_MS)} (the event-loop ticker's resolution), ` +
        `and ${formatMs(measured)} is within that of the limit: set the limit further from the typical block`;
    }
  }
  return verdict;
}

/**
 * Judges a measurement against a parsed budget: one verdict per metric (and per statistic or
 * part), in the order of the budget keys.
 */
export function judge(measurement: Measurement, budget: ParsedBudget, options: JudgeOptions = {}): Verdict[] {
  const verdicts: Verdict[] = [];
  const queries = countedQueries(measurement.events, options);
  const requests = measurement.events.filter((e): e is RequestEvent & RecordedEvent => e.kind === 'request');

  if (budget.queries) {
    const { matching, ...limits } = budget.queries;
    const pool = matching ? queries.filter((q) => matching.test(q.statement)) : queries;
    const scope = matching ? ` matching ${matching}` : '';
    const byKind = new Map<StatementKind, number>();
    for (const q of pool) {
      const kind = statementKind(q.statement);
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    for (const [key, limit] of Object.entries(limits) as [keyof typeof limits, number][]) {
      const measured = key === 'total' ? pool.length : (byKind.get(key) ?? 0);
      const part = key === 'total' ? (matching ? `total${scope}` : undefined) : `${key}${scope}`;
      verdicts.push(countVerdict('queries', part, limit, measured));
    }
  }
  if (budget.repeatedQueries !== undefined) {
    verdicts.push(
      countVerdict('repeatedQueries', undefined, budget.repeatedQueries, repeatedQueryCount(queries)),
    );
  }
  if (budget.requests) {
    const { total, byHost, maxInFlight: inFlight } = budget.requests;
    if (total !== undefined) verdicts.push(countVerdict('requests', undefined, total, requests.length));
    for (const [host, limit] of Object.entries(byHost ?? {})) {
      const measured = requests.filter((r) => requestHost(r) === host).length;
      verdicts.push(countVerdict('requests', `byHost ${host}`, limit, measured));
    }
    if (inFlight !== undefined) {
      verdicts.push(countVerdict('requests', 'maxInFlight', inFlight, maxInFlight(requests)));
    }
  }
  if (budget.roundTrips !== undefined) {
    verdicts.push(
      countVerdict('roundTrips', undefined, budget.roundTrips, longestChain(measurement.events).length),
    );
  }

  const alpha = verdictAlpha(measurement);
  for (const metric of ['duration', 'cpu'] as const) {
    const limits = budget[metric];
    if (!limits) continue;
    const values = metric === 'duration' ? measurement.samples.durationMs : measurement.samples.cpuMs;
    if (!measurement.metrics.includes(metric) || values.length === 0) throw notMeasured(metric);
    for (const [statistic, limit] of Object.entries(limits) as [TimeStatistic, number][]) {
      const wait = metric === 'duration' ? measurement.samples.cpuWaitMs : undefined;
      const j = judgeTimeStatistic(values, statistic, limit, alpha, wait);
      const verdict: Verdict = {
        metric,
        part: statistic,
        unit: 'ms',
        limit,
        measured: j.measured,
        headroom: limit - j.measured,
        status: j.status,
        evidence:
          (statistic === 'max' ? `max of ${values.length} calls` : `${values.length} calls`) +
          waitNote(measurement),
      };
      if (j.interval) verdict.interval = j.interval;
      if (j.contention) {
        verdict.note =
          `the machine was busy: ${Math.round(j.contention.waitShare * 100)}% of the sampled time was spent waiting ` +
          'for a CPU, and without that wait the calls were within the limit. Please rerun on a quieter machine, or raise maxTime';
      } else if (j.status === 'inconclusive' && statistic !== 'mean' && statistic !== 'max' && j.interval) {
        const side = j.measured <= limit ? 'upper' : 'lower';
        const bound = side === 'upper' ? j.interval[1] : j.interval[0];
        if (!Number.isFinite(bound)) {
          const needed = callsNeeded(STATISTIC_P[statistic], alpha, side);
          const perCall = summarize(values).median;
          verdict.note =
            `only ${values.length} calls were made (about ${formatMs(perCall)} each); deciding the ${statistic} ` +
            `at ${Math.round(measurement.confidence * 1000) / 10}% confidence needs at least ${needed}. ` +
            `Please raise maxTime to about ${formatMs(perCall * (needed + 2) * 1.2)}`;
        }
      }
      verdicts.push(verdict);
    }
  }
  if (budget.eventLoopBlock !== undefined) {
    const values = measurement.samples.eventLoopBlockMs;
    if (!measurement.metrics.includes('eventLoopBlock') || values.length === 0)
      throw notMeasured('eventLoopBlock');
    verdicts.push(
      perCallVerdict(
        'eventLoopBlock',
        'ms',
        budget.eventLoopBlock,
        values,
        measurement.samples.eventLoopBlockExact,
      ),
    );
  }
  if (budget.allocated !== undefined) {
    const values = measurement.samples.allocatedBytes;
    if (!measurement.metrics.includes('allocated') || values.length === 0) throw notMeasured('allocated');
    verdicts.push(perCallVerdict('allocated', 'bytes', budget.allocated, values));
  }
  if (budget.retained !== undefined) {
    const r = measurement.retained;
    if (!r) throw notMeasured('retained');
    const calls = r.rounds.at(-1)?.calls ?? 0;
    verdicts.push({
      metric: 'retained',
      unit: 'bytes',
      limit: budget.retained,
      measured: r.bytesPerCall,
      headroom: budget.retained - r.bytesPerCall,
      status: r.bytesPerCall <= budget.retained ? 'pass' : 'fail',
      evidence: `per call; slope over ${r.rounds.length - 1} rounds, ${calls} calls, after ${r.warmupCalls} warm-up calls`,
    });
  }
  return verdicts;
}
