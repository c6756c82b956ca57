/**
 * Trends over the history: how each contract's headroom moved over the last runs, and whether it
 * drifts steadily toward its budget — the slow erosion that no single run fails on.
 *
 * Drift, precisely (values oldest first, only the runs in the window where the row was measured):
 * - headroom rows (times, bytes, ratios with a limit above 0): at least 5 runs; the Theil–Sen
 *   slope (the median of all pairwise slopes, robust to an outlier run) is negative; the fitted
 *   drop over the window, −slope × (runs − 1), is at least 10 percentage points and at least 3
 *   times the noise (1.4826 × the median absolute deviation of the residuals from the Theil–Sen
 *   line); and the Mann–Kendall test finds a falling trend at one-sided p < 0.01. Together: the
 *   headroom fell by a margin that matters, more than the noise explains, and consistently, not
 *   in one jump that a single slow run or a recovered dip could produce.
 * - count rows (queries, requests, round trips, growth classes, and any metric whose limit is 0,
 *   for which there is no headroom %): at least 5 runs; the latest value is above the first; and
 *   no step decreases. Counts are deterministic, so any rise that never came back is real.
 * - traced tests: their queries, repeated queries, requests and round trips, as count rows.
 */
import type { HistoryEntry, ReportMetric, ReportStatus } from './schema.js';

/** The fewest runs a drift verdict is made on. */
export const DRIFT_MIN_RUNS = 5;
/** The fitted loss of headroom over the window, in percentage points, that a drift needs. */
export const DRIFT_MIN_DROP_PCT = 10;
/** The one-sided p-value under which the Mann–Kendall test calls a headroom series falling. */
export const DRIFT_MAX_P = 0.01;
/** How many times the run-to-run noise the fitted drop must be, for a drift. */
export const DRIFT_MIN_DROP_NOISE = 3;
/** How many runs a trend looks at unless told otherwise. */
export const DEFAULT_TREND_RUNS = 10;

/** The trace fields that are tracked as count rows. */
const TRACE_COUNTS = ['queries', 'repeatedQueries', 'requests', 'roundTrips'] as const;

/** One row of `headroom trend`: one metric of one contract (or one count of a traced test). */
export interface Trend {
  /** The contract id, or the traced test id (`file › test`). */
  id: string;
  source: 'contract' | 'trace';
  /** The metric key (`metric` or `metric:part`); for traces, the count's name. */
  metric: string;
  unit: ReportMetric['unit'];
  /**
   * What `values` hold: the headroom in % of the limit (higher is better), or the measured value
   * in `unit` (for counts: lower is better).
   */
  basis: 'headroomPct' | 'measured';
  /** The values, oldest first, of the runs in the window where this row was measured. */
  values: number[];
  /** `createdAt` of the run of each value. */
  times: string[];
  /** Theil–Sen slope of `values`, per run (percentage points per run, or `unit` per run). */
  slope: number;
  /** `values` last minus first. */
  change: number;
  /** Steady drift toward the budget, as defined in this module's documentation. */
  drift: boolean;
  /** Why the row drifts, in words, when it does. */
  reason?: string;
  /** The status in the latest run, for contract rows. */
  status?: ReportStatus;
}

/** Options of {@link computeTrends}. */
export interface TrendOptions {
  /**
   * How many of the newest runs to look at.
   * @defaultValue 10
   */
  last?: number;
}

/**
 * The trend of every contract metric and every traced count over the last runs of `history`
 * (oldest first, as {@link readHistory} returns it). Drifting rows first, then by id and metric.
 *
 * @example
 * const trends = computeTrends(readHistory(path), { last: 20 });
 * trends.filter((t) => t.drift);
 */
export function computeTrends(history: readonly HistoryEntry[], options: TrendOptions = {}): Trend[] {
  const last = options.last ?? DEFAULT_TREND_RUNS;
  const window = last > 0 ? history.slice(-last) : [];
  type Row = {
    id: string;
    source: Trend['source'];
    metric: string;
    unit: ReportMetric['unit'];
    points: { time: string; measured: number; headroomPct: number | null }[];
    status?: ReportStatus;
  };
  const rows = new Map<string, Row>();
  const row = (source: Trend['source'], id: string, metric: string, unit: ReportMetric['unit']): Row => {
    const key = `${source}\u0000${id}\u0000${metric}`;
    let r = rows.get(key);
    if (!r) {
      r = { id, source, metric, unit, points: [] };
      rows.set(key, r);
    }
    return r;
  };
  for (const run of window) {
    for (const [id, contract] of Object.entries(run.contracts)) {
      for (const [metric, p] of Object.entries(contract.metrics)) {
        if (!Number.isFinite(p.measured)) continue;
        const r = row('contract', id, metric, p.unit);
        r.unit = p.unit;
        r.status = p.status;
        r.points.push({ time: run.createdAt, measured: p.measured, headroomPct: p.headroomPct });
      }
    }
    for (const [id, t] of Object.entries(run.traces ?? {})) {
      for (const name of TRACE_COUNTS) {
        const measured = t[name];
        if (typeof measured !== 'number' || !Number.isFinite(measured)) continue;
        row('trace', id, name, 'count').points.push({ time: run.createdAt, measured, headroomPct: null });
      }
    }
  }

  const trends: Trend[] = [];
  for (const r of rows.values()) {
    const byHeadroom =
      r.unit !== 'count' &&
      r.unit !== 'class' &&
      r.points.every((p) => p.headroomPct !== null && Number.isFinite(p.headroomPct));
    const values = r.points.map((p) => (byHeadroom ? (p.headroomPct as number) : p.measured));
    const verdict = byHeadroom ? headroomDrift(values) : countDrift(values);
    const trend: Trend = {
      id: r.id,
      source: r.source,
      metric: r.metric,
      unit: r.unit,
      basis: byHeadroom ? 'headroomPct' : 'measured',
      values,
      times: r.points.map((p) => p.time),
      slope: theilSen(values),
      change: values.length > 0 ? (values.at(-1) as number) - (values[0] as number) : 0,
      drift: verdict !== undefined,
    };
    if (verdict) trend.reason = verdict;
    if (r.status) trend.status = r.status;
    trends.push(trend);
  }
  return trends.sort(
    (a, b) =>
      Number(b.drift) - Number(a.drift) ||
      (a.source === b.source ? 0 : a.source === 'contract' ? -1 : 1) ||
      a.id.localeCompare(b.id) ||
      a.metric.localeCompare(b.metric),
  );
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points (x = run index).
 * 0 for fewer than 2 points.
 */
export function theilSen(values: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      slopes.push(((values[j] as number) - (values[i] as number)) / (j - i));
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2
    ? (slopes[mid] as number)
    : ((slopes[mid - 1] as number) + (slopes[mid] as number)) / 2;
}

/**
 * The Mann–Kendall statistic S (the number of rising pairs minus falling pairs) and its one-sided
 * p-value for a falling trend: exact (from the distribution of inversions of a permutation) when
 * no two values tie, else the normal approximation with the tie and continuity corrections.
 * p is 1 when S ≥ 0.
 */
export function mannKendall(values: readonly number[]): { s: number; pFalling: number } {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) s += Math.sign((values[j] as number) - (values[i] as number));
  }
  if (s >= 0) return { s, pFalling: 1 };
  const ties = new Map<number, number>();
  for (const v of values) ties.set(v, (ties.get(v) ?? 0) + 1);
  if (ties.size === n && n <= 60) {
    // S = pairs − 2 × inversions; P(S ≤ s) = P(inversions ≥ (pairs − s) / 2).
    const pairs = (n * (n - 1)) / 2;
    let counts = [1]; // permutations of k elements by number of inversions, as probabilities
    for (let k = 2; k <= n; k++) {
      const next = new Array<number>(counts.length + k - 1).fill(0);
      for (let inv = 0; inv < counts.length; inv++) {
        for (let add = 0; add < k; add++)
          next[inv + add] = (next[inv + add] as number) + (counts[inv] as number) / k;
      }
      counts = next;
    }
    let p = 0;
    for (let inv = (pairs - s) / 2; inv <= pairs; inv++) p += counts[inv] ?? 0;
    return { s, pFalling: Math.min(1, p) };
  }
  let variance = n * (n - 1) * (2 * n + 5);
  for (const t of ties.values()) variance -= t * (t - 1) * (2 * t + 5);
  variance /= 18;
  if (variance <= 0) return { s, pFalling: 1 };
  return { s, pFalling: normalCdf((s + 1) / Math.sqrt(variance)) };
}

/** Standard normal CDF (Zelen & Severo 26.2.17, absolute error under 7.5e-8). */
function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const tail =
    d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z > 0 ? 1 - tail : tail;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The noise around the Theil–Sen line: 1.4826 × the median absolute deviation of the residuals
 * (the standard deviation, for normal noise), robust to an outlier run.
 */
export function residualNoise(values: readonly number[], slope: number): number {
  if (values.length < 3) return 0;
  const intercept = median(values.map((v, i) => v - slope * i));
  const residuals = values.map((v, i) => v - intercept - slope * i);
  const center = median(residuals);
  return 1.4826 * median(residuals.map((r) => Math.abs(r - center)));
}

/** The drift reason for a headroom series (higher is better), or undefined. */
function headroomDrift(values: readonly number[]): string | undefined {
  const n = values.length;
  if (n < DRIFT_MIN_RUNS) return undefined;
  const slope = theilSen(values);
  const drop = -slope * (n - 1);
  if (!(slope < 0) || drop < DRIFT_MIN_DROP_PCT) return undefined;
  const { pFalling } = mannKendall(values);
  if (!(pFalling < DRIFT_MAX_P)) return undefined;
  const noise = residualNoise(values, slope);
  if (drop < DRIFT_MIN_DROP_NOISE * noise) return undefined;
  return `headroom fell about ${round(drop)} pp over ${n} runs (${round(-slope)} pp a run, noise ±${round(noise)} pp, Mann–Kendall p ${pFalling < 0.001 ? '< 0.001' : `= ${pFalling.toFixed(3)}`})`;
}

/** The drift reason for a count series (lower is better), or undefined. */
function countDrift(values: readonly number[]): string | undefined {
  const n = values.length;
  if (n < DRIFT_MIN_RUNS) return undefined;
  for (let i = 1; i < n; i++) if ((values[i] as number) < (values[i - 1] as number)) return undefined;
  const first = values[0] as number;
  const latest = values[n - 1] as number;
  if (!(latest > first)) return undefined;
  return `rose from ${round(first)} to ${round(latest)} over ${n} runs and never came down`;
}

function round(x: number): string {
  const r = Math.abs(x) >= 10 ? Math.round(x) : Math.round(x * 10) / 10;
  return String(Object.is(r, -0) ? 0 : r);
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A unicode sparkline of `values`, scaled from their minimum to their maximum. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values
    .map((v) => {
      if (max === min) return SPARKS[3];
      return SPARKS[Math.round(((v - min) / (max - min)) * (SPARKS.length - 1))];
    })
    .join('');
}

/** A value of a trend row in its basis: `42%` for headroom, `3` or `12.5 ms` for measured values. */
function show(t: Trend, v: number | undefined): string {
  if (v === undefined) return '–';
  if (t.basis === 'headroomPct') return `${round(v)}%`;
  if (t.unit === 'ms') return `${round(v)} ms`;
  if (t.unit === 'bytes') return `${round(v)} B`;
  return round(v);
}

function showChange(t: Trend): string {
  const sign = t.change > 0 ? '+' : t.change < 0 ? '−' : '±';
  const abs = round(Math.abs(t.change));
  if (t.basis === 'headroomPct') return `${sign}${abs} pp`;
  return `${sign}${abs}${t.unit === 'ms' ? ' ms' : t.unit === 'bytes' ? ' B' : ''}`;
}

/** Cuts `s` to `width` characters, keeping its start and its end. */
function padCut(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s + ' '.repeat(width - chars.length);
  const keepEnd = Math.ceil(((width - 1) * 2) / 3);
  return chars.slice(0, width - 1 - keepEnd).join('') + '…' + chars.slice(chars.length - keepEnd).join('');
}

/** Options of {@link formatTrend}. */
export interface FormatTrendOptions {
  /**
   * The widest the contract column may get, in characters.
   * @defaultValue 72
   */
  maxIdWidth?: number;
}

/**
 * The trends as a terminal table: one row per trend with a sparkline of its values (oldest left),
 * drifting rows first and marked `▼ drift`, then a line that sums up.
 *
 * @example
 * console.log(formatTrend(computeTrends(readHistory(path))));
 */
export function formatTrend(trends: readonly Trend[], options: FormatTrendOptions = {}): string {
  if (trends.length === 0) return 'No trends: the history holds no runs with contracts or traced tests.';
  const ordered = [...trends].sort((a, b) => Number(b.drift) - Number(a.drift));
  const label = (t: Trend) => `${t.source === 'trace' ? '[traced] ' : ''}${t.id} › ${t.metric}`;
  const idWidth = Math.min(
    options.maxIdWidth ?? 72,
    Math.max(8, ...ordered.map((t) => [...label(t)].length)),
  );
  const maxRuns = Math.max(...ordered.map((t) => t.values.length));
  const sparkWidth = Math.max(5, maxRuns);
  const cells = ordered.map((t) => ({
    t,
    first: show(t, t.values[0]),
    last: show(t, t.values.at(-1)),
    change: showChange(t),
  }));
  const firstW = Math.max(5, ...cells.map((c) => c.first.length));
  const lastW = Math.max(6, ...cells.map((c) => c.last.length));
  const changeW = Math.max(6, ...cells.map((c) => c.change.length));
  const lines = [
    `  ${padCut('contract › metric', idWidth)}  runs  ${padCut('trend', sparkWidth)}  ${'first'.padStart(firstW)}  ${'latest'.padStart(lastW)}  ${'change'.padStart(changeW)}`,
  ];
  for (const { t, first, last, change } of cells) {
    lines.push(
      `${t.drift ? '▼' : ' '} ${padCut(label(t), idWidth)}  ${String(t.values.length).padStart(4)}  ${padCut(sparkline(t.values), sparkWidth)}  ${first.padStart(firstW)}  ${last.padStart(lastW)}  ${change.padStart(changeW)}${t.drift ? `  drift: ${t.reason}` : ''}`,
    );
  }
  const drifting = ordered.filter((t) => t.drift).length;
  const contracts = new Set(ordered.filter((t) => t.drift).map((t) => `${t.source} ${t.id}`)).size;
  lines.push('');
  lines.push(
    drifting === 0
      ? `No steady drift in ${ordered.length} rows over the last ${maxRuns} runs. (Headroom rows show % of the limit left; count rows show the measured count.)`
      : `${drifting} of ${ordered.length} rows drift steadily toward their budget (${contracts} ${contracts === 1 ? 'contract or test' : 'contracts or tests'}) over the last ${maxRuns} runs. (Headroom rows show % of the limit left; count rows show the measured count.)`,
  );
  return lines.join('\n');
}
