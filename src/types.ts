import type { ByteLimit, TimeLimit } from './budget/units.js';

/** The statistics a time budget can name. */
export type TimeStatistic = 'median' | 'mean' | 'p90' | 'p95' | 'p99' | 'max';

/**
 * A time budget: a bare time limits the median; an object limits several statistics at once.
 *
 * @example { duration: '20ms' }
 * @example { duration: { median: '20ms', p99: '80ms' } }
 */
export type TimeBudget = TimeLimit | Partial<Record<TimeStatistic, TimeLimit>>;

/** Query counts by kind. `matching` restricts every other key to statements whose SQL matches it. */
export interface QueryBudget {
  /** All statements (transaction control excluded unless `countTransactionControl` is set). */
  total?: number;
  select?: number;
  insert?: number;
  update?: number;
  delete?: number;
  /** Only statements whose text matches this pattern are counted by the other keys. */
  matching?: RegExp;
}

/** Outgoing HTTP request counts. */
export interface RequestBudget {
  /** All requests. */
  total?: number;
  /** Requests per host (`'api.example.com'` or `'127.0.0.1:8080'`). */
  byHost?: Record<string, number>;
  /** The most requests in flight at the same moment. */
  maxInFlight?: number;
}

/**
 * A performance contract: every key is optional, and each key names one metric.
 *
 * @example
 * { queries: 2, repeatedQueries: 0, requests: 1, duration: '20ms', eventLoopBlock: '5ms', allocated: '2MB' }
 */
export interface Budget {
  /** Database statements issued per call: a count, or counts by kind. */
  queries?: number | QueryBudget;
  /** Executions of a statement shape already executed in the same call (the N+1 signal). */
  repeatedQueries?: number;
  /** Outgoing HTTP requests per call: a count, or `{ total, byHost, maxInFlight }`. */
  requests?: number | RequestBudget;
  /** The longest chain of I/O in which each query or request starts after the previous ended. */
  roundTrips?: number;
  /** Wall time per call. A number is milliseconds; a bare time limits the median. */
  duration?: TimeBudget;
  /** CPU time (user + system, whole process) per call. Same forms as `duration`. */
  cpu?: TimeBudget;
  /** The longest single stretch the event loop was blocked during a call. */
  eventLoopBlock?: TimeLimit;
  /** JS heap bytes allocated per call. A number is bytes. */
  allocated?: ByteLimit;
  /** Heap bytes still held per call after repeated calls and full garbage collections (a leak). */
  retained?: ByteLimit;
}

/** The names of the metrics headroom measures. */
export type MetricName = keyof Budget;

/** How events are attributed to a measurement. */
export type Attribution = 'context' | 'window';

/** Options of `measure()` and of every matcher. */
export interface MeasureOptions {
  /**
   * Calls made before sampling times, to let the JIT and caches settle. Counts (queries,
   * requests) always come from the first call, before any warm-up.
   * @defaultValue `'auto'`: for time budgets, calls until 5% of `maxTime` is spent (at least 1, at most 50); otherwise 0
   */
  warmup?: number | 'auto';
  /**
   * Measured calls for time statistics: a fixed number, or `'auto'` to sample until every time
   * verdict is certain at `confidence`, or `maxTime` is spent.
   * @defaultValue `'auto'`
   */
  iterations?: number | 'auto';
  /**
   * The most time spent sampling one function, in milliseconds or as a time string.
   * @defaultValue `2000` (2 s)
   */
  maxTime?: TimeLimit;
  /**
   * Confidence of time verdicts, over all looks at the data while sampling adaptively.
   * @defaultValue `0.99`
   */
  confidence?: number;
  /**
   * `'context'` counts events whose async context belongs to the call; `'window'` counts every
   * event recorded while the call ran, whoever caused it.
   * @defaultValue `'context'`
   */
  attribution?: Attribution;
  /** A label for reports and baselines, to tell several contracts of one test apart. */
  label?: string;
  /**
   * What an inconclusive time verdict does: `'pass'` passes with a warning, `'fail'` fails.
   * @defaultValue `'pass'`
   */
  inconclusive?: 'pass' | 'fail';
  /**
   * Count transaction control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) in `queries`.
   * @defaultValue `false`
   */
  countTransactionControl?: boolean;
  /**
   * When a contract fails, re-run the function with rich probes (event-loop attribution,
   * sampling heap profiler) to explain the failure.
   * @defaultValue `true`
   */
  explain?: boolean;
}

/** Options of `measure()` beyond those of the matchers. */
export interface MeasureFnOptions extends MeasureOptions {
  /**
   * The metrics to measure. Counts are always recorded.
   * @defaultValue `['duration', 'cpu', 'eventLoopBlock', 'allocated']`
   */
  metrics?: MetricName[];
}

/** A database statement seen by an integration. */
export interface QueryEvent {
  kind: 'query';
  /** The database system, e.g. `'sqlite'`, `'postgresql'`, `'mysql'`, `'redis'`, `'mongodb'`. */
  system: string;
  /** The statement text (SQL, or a command name for key-value stores). */
  statement: string;
  /** Integration name that recorded the event, e.g. `'better-sqlite3'`. */
  source?: string;
}

/** An outgoing HTTP request. */
export interface RequestEvent {
  kind: 'request';
  method: string;
  /** The full URL. */
  url: string;
  /** `host[:port]` as in the URL. */
  host: string;
  /** The response status, once known. */
  status?: number;
  source?: string;
}

/** Any other I/O a user wants to count, e.g. a queue publish. It counts in `roundTrips`. */
export interface CustomEvent {
  kind: 'custom';
  name: string;
  detail?: string;
  source?: string;
}

/** What an integration passes to `record()`. */
export type EventInput = QueryEvent | RequestEvent | CustomEvent;

/** An event as a measurement holds it, with its timing (real-clock milliseconds). */
export type RecordedEvent = EventInput & {
  /** Sequence number within the process. */
  id: number;
  /** Start time, in milliseconds of the real monotonic clock. */
  startMs: number;
  /** End time, or undefined while the event is still running. */
  endMs?: number;
  /** The first stack frame in user code that caused the event, as `file:line:column`. */
  callSite?: string;
  /** The error message if the operation failed. */
  error?: string;
  /** Set when the event began after its call had already settled (fire-and-forget work). */
  late?: boolean;
  /** What else is known, e.g. what a simulated downstream did (`headroom/msw`'s `degrade`). */
  note?: string;
};

/** Summary statistics of a time sample, all in milliseconds. */
export interface TimeStats {
  /** Number of samples. */
  n: number;
  median: number;
  mean: number;
  p90: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  /** Standard deviation. */
  sd: number;
}

/** The outcome of the `retained` probe. */
export interface RetainedResult {
  /** Heap bytes retained per call: the robust slope of the heap after full GCs against calls made. */
  bytesPerCall: number;
  /** The heap after a full GC at the end of each round. */
  rounds: { calls: number; heapBytes: number }[];
  /** Calls made before the first round, to fill one-off caches. */
  warmupCalls: number;
}

/** Everything one measurement found. Usable on its own, or judged by `expect(m).toStayWithin(budget)`. */
export interface Measurement {
  /** Marks the object as a measurement. */
  readonly kind: 'headroom.measurement';
  label?: string;
  /** The test that took the measurement, when a runner entry is loaded. */
  testName?: string;
  /** The metrics measured (counts are always measured). */
  metrics: MetricName[];
  /** Total calls to the function, warm-up and retained rounds included. */
  calls: number;
  /** Warm-up calls before time sampling. */
  warmupCalls: number;
  /** Per-call samples of each measured per-call metric. */
  samples: {
    /** Wall time per call, in milliseconds. */
    durationMs: number[];
    /** CPU time per call, in milliseconds. */
    cpuMs: number[];
    /** Longest event-loop block per call, in milliseconds. */
    eventLoopBlockMs: number[];
    /**
     * Per `eventLoopBlockMs` sample, true when the block was timed directly (the call's synchronous
     * part), false when the event-loop ticker saw it (known to ±0.5 ms).
     */
    eventLoopBlockExact?: boolean[];
    /** JS heap bytes allocated per call. */
    allocatedBytes: number[];
    /**
     * Per `durationMs` sample, the time the thread waited for a CPU during the call (Linux), in
     * milliseconds: the machine's share of the wall time. Empty where it cannot be read.
     */
    cpuWaitMs?: number[];
  };
  /** Statistics of `samples.durationMs` and `samples.cpuMs`. */
  stats: { duration?: TimeStats; cpu?: TimeStats };
  /** The retained probe's result, when `retained` was measured. */
  retained?: RetainedResult;
  /** Events attributed to the first call (the one that counts). */
  events: RecordedEvent[];
  /** Events recorded during the first call that belonged to no measurement (not counted). */
  outside: RecordedEvent[];
  /** Attribution used for `events`. */
  attribution: Attribution;
  /** Wall time the whole measurement took, in milliseconds. */
  elapsedMs: number;
  /** Set when sampling stopped at `maxTime` before every verdict was certain. */
  stoppedBy?: 'maxTime' | 'iterations' | 'certain';
  /** The confidence time statistics are judged at, over all looks. */
  confidence: number;
  /** True when sampling looked at the data adaptively; each look is then judged at a stricter level. */
  sequential: boolean;
  /** Interim looks taken while sampling adaptively. */
  looks?: number;
}

/** A verdict's status. `inconclusive` means the data could not tell within `maxTime`. */
export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

/** The verdict on one metric (or one statistic of a time metric). */
export interface Verdict {
  /** The budget key, e.g. `'queries'`, `'duration'`. */
  metric: MetricName;
  /** The part of the metric, e.g. `'median'`, `'select'`, `'byHost api.example.com'`. */
  part?: string;
  /** `'count'`, `'ms'` or `'bytes'`. */
  unit: 'count' | 'ms' | 'bytes';
  /** The limit, in `unit`. */
  limit: number;
  /** The measured value, in `unit`. */
  measured: number;
  /** `limit - measured`: positive is room left, negative is over budget. */
  headroom: number;
  status: VerdictStatus;
  /** How the value was obtained, e.g. "25 calls, 99% CI 36.9–39.8 ms". */
  evidence?: string;
  /** Confidence interval, for statistical verdicts. */
  interval?: [number, number];
  /** Why an inconclusive verdict could not be decided, and what to change, when known. */
  note?: string;
}
