/**
 * The headroom report: what `headroom/reporter` writes to `headroom-report.json`, what
 * `npx headroom merge` reads, and what the Markdown and HTML writers render. Versioned: a reader
 * refuses a file of another `schema` or a newer `version` with a clear error.
 *
 * Every number is in the unit its row names (`count`, `ms`, `bytes`); no value is pre-formatted.
 */

/** The `schema` field of a report file. */
export const REPORT_SCHEMA = 'headroom-report';
/** The `version` of the report schema this build writes and reads. */
export const REPORT_VERSION = 1;

/** A verdict's status, as in the matchers. */
export type ReportStatus = 'pass' | 'fail' | 'inconclusive';

/** One metric of one contract: a row of the report table. */
export interface ReportMetric {
  /** The budget key (`'queries'`, `'duration'`, …), or the compared metric of `toBeFasterThan`. */
  metric: string;
  /** The part of the metric (`'median'`, `'select'`, `'byHost api.example.com'`), when any. */
  part?: string;
  unit: 'count' | 'ms' | 'bytes' | 'ratio' | 'class';
  /** The limit, in `unit` (for `toScale`, the rank of the growth class allowed). */
  limit: number;
  /** The measured value, in `unit`. */
  measured: number;
  /**
   * Room left, as a percentage of the limit: `(limit - measured) / limit × 100`. Negative is over
   * budget. `null` when the limit is 0 (nothing is allowed: there is no room to measure).
   */
  headroomPct: number | null;
  status: ReportStatus;
  /** How the value was obtained, e.g. `"25 calls, 99% CI 36.9–39.8 ms"`. */
  evidence?: string;
  /** Confidence interval of the measured value, in `unit`. */
  interval?: [number, number];
  /** Human text for limits that are not plain numbers (`'linear'`, `'1.5× faster'`). */
  limitText?: string;
  /** Human text for measured values that are not plain numbers. */
  measuredText?: string;
}

/** One I/O event of a contract's first call, for waterfalls. Times are relative to the call's start. */
export interface ReportEvent {
  kind: 'query' | 'request' | 'custom';
  /** The statement, `METHOD url`, or custom name (truncated to 300 characters). */
  label: string;
  startMs: number;
  /** Undefined when the event had not ended when the call settled. */
  endMs?: number;
  /** True when the event is part of the longest chain of sequential I/O (`roundTrips`). */
  chain?: boolean;
  error?: string;
}

/** A `toScale` contract's growth curves. */
export interface ReportScale {
  sizes: number[];
  series: {
    metric: string;
    /** The value at each size (counts; bytes; median ms). */
    values: number[];
    /** The limit, e.g. `'linear'` or `'slope ≤ 1'`. */
    required: string;
    /** What was found, e.g. `'quadratic'`. */
    found: string;
    status: ReportStatus;
  }[];
}

/** One judged contract (one matcher call). */
export interface ReportContract {
  /**
   * Stable key across runs: `file › test name › matcher` plus ` › label` when one was given and
   * ` #n` for the n-th unlabeled contract of the same matcher in one test (n ≥ 2).
   */
  id: string;
  /** The test file, relative to the project root, with `/` separators. */
  file: string;
  /** The full test name, as the runner reports it (`describe > test`). */
  test: string;
  matcher: 'toStayWithin' | 'toScale' | 'toBeFasterThan' | 'toMatchPerformanceBaseline';
  label?: string;
  /** True when called through `.not`. */
  isNot?: boolean;
  /** The matcher's verdict before `.not` is applied. */
  pass: boolean;
  metrics: ReportMetric[];
  /** Calls made to the function. */
  calls: number;
  /** Wall time the matcher spent measuring, in milliseconds. */
  elapsedMs: number;
  /** I/O of the first call, in start order (at most 200 events). */
  events?: ReportEvent[];
  scale?: ReportScale;
}

/** What tracing a whole test found (reporter option `trace: true`, or `HEADROOM_TRACE=1`). */
export interface ReportTestTrace {
  /** `file › test name`. */
  id: string;
  file: string;
  test: string;
  queries: number;
  /** Executions of a statement shape already executed in the test. */
  repeatedQueries: number;
  requests: number;
  roundTrips: number;
  /** The longest single stretch the event loop was blocked during the test, in milliseconds. */
  eventLoopBlockMs: number;
  /** Wall time of the test body, in milliseconds. */
  durationMs: number;
  /** The most executed statement shapes (up to 5). */
  topQueries?: { shape: string; count: number }[];
}

/** Where a report (or a baseline) was measured. */
export interface ReportEnvironment {
  node: string;
  platform: string;
  arch: string;
  /** The CPU model, e.g. `"AMD EPYC 7B13"`. */
  cpu: string;
  cores: number;
  /** `"vitest 4.1.12"` or `"jest 30.5.2"`, when known. */
  runner?: string;
  /** Commit, from `GITHUB_SHA` or `git rev-parse HEAD`, when known. */
  commit?: string;
  /** Branch, from `GITHUB_REF_NAME` or git, when known. */
  branch?: string;
}

/** `headroom-report.json`. */
export interface HeadroomReport {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  /** ISO 8601 time the run ended. */
  createdAt: string;
  environment: ReportEnvironment;
  /** Set on a partial report of one shard: `{ index, count }` (1-based index). */
  shard?: { index: number; count: number };
  contracts: ReportContract[];
  /** Present when tests were traced. */
  traces?: ReportTestTrace[];
  summary: ReportSummary;
}

/** Counts over a report's contracts. */
export interface ReportSummary {
  contracts: number;
  passed: number;
  failed: number;
  /** Contracts with at least one inconclusive time verdict. */
  inconclusive: number;
  /** Passing metrics (times and bytes) with less than 20% headroom. */
  closeToEdge: number;
}

/** The share of headroom under which a passing time or byte metric is "close to the edge". */
export const CLOSE_TO_EDGE_PCT = 20;

/** One line of the history file (`headroom-history.jsonl`): one run. */
export interface HistoryEntry {
  schema: 'headroom-history';
  version: typeof REPORT_VERSION;
  createdAt: string;
  environment: ReportEnvironment;
  /** Per contract id, per metric key (`metric` or `metric:part`): measured, limit, headroom. */
  contracts: Record<string, { pass: boolean; metrics: Record<string, HistoryPoint> }>;
  /** Per traced test id: its counts. */
  traces?: Record<string, Omit<ReportTestTrace, 'id' | 'file' | 'test' | 'topQueries'>>;
}

/** One metric of one contract in one run. */
export interface HistoryPoint {
  measured: number;
  limit: number;
  unit: ReportMetric['unit'];
  headroomPct: number | null;
  status: ReportStatus;
}

/** The key of a metric row in history: `metric` or `metric:part`. */
export function metricKey(m: Pick<ReportMetric, 'metric' | 'part'>): string {
  return m.part ? `${m.metric}:${m.part}` : m.metric;
}

/** Headroom in % of the limit, or null for a zero limit. */
export function headroomPct(limit: number, measured: number): number | null {
  if (!(limit > 0) || !Number.isFinite(limit)) return null;
  return ((limit - measured) / limit) * 100;
}

/** True for a passing time or byte metric with less than {@link CLOSE_TO_EDGE_PCT}% headroom. */
export function isCloseToEdge(m: ReportMetric): boolean {
  return (
    m.status === 'pass' &&
    (m.unit === 'ms' || m.unit === 'bytes') &&
    m.headroomPct !== null &&
    m.headroomPct < CLOSE_TO_EDGE_PCT
  );
}

/** The summary of a list of contracts. */
export function summarize(contracts: readonly ReportContract[]): ReportSummary {
  let passed = 0;
  let failed = 0;
  let inconclusive = 0;
  let closeToEdge = 0;
  for (const c of contracts) {
    const ok = c.isNot ? !c.pass : c.pass;
    if (ok) passed++;
    else failed++;
    if (c.metrics.some((m) => m.status === 'inconclusive')) inconclusive++;
    closeToEdge += c.metrics.filter(isCloseToEdge).length;
  }
  return { contracts: contracts.length, passed, failed, inconclusive, closeToEdge };
}
