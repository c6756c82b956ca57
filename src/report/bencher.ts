/**
 * Export to Bencher Metric Format (BMF) JSON (`npx headroom export --format bencher`), for teams
 * that keep their performance history in Bencher (`bencher run --adapter json --file bmf.json`).
 *
 * BMF is `{ [benchmark name]: { [measure slug]: { value, lower_value?, upper_value? } } }`
 * (https://bencher.dev/docs/reference/bencher-metric-format/). headroom maps:
 *
 * - benchmark: the contract id (`file › test › matcher`), with ` › <part>` appended for a metric
 *   part (`… › toStayWithin › median`, `… › toStayWithin › select`); a traced test is its own
 *   benchmark, named by its id (`file › test`).
 * - measure slug: the budget key in kebab case, suffixed with its unit unless it is a count:
 *   `queries`, `repeated-queries`, `requests`, `round-trips` (count per call);
 *   `duration-ms`, `cpu-ms`, `event-loop-block-ms` (milliseconds);
 *   `allocated-bytes`, `retained-bytes` (bytes);
 *   `<metric>-ratio` (a `toBeFasterThan` ratio); `<metric>-growth-rank` (the rank of a `toScale`
 *   growth class: 0 constant, 1 logarithmic, 2 linear, 3 linearithmic, 4 quadratic).
 *   Bencher's built-in `latency` measure (nanoseconds) is not used: times stay in milliseconds
 *   under their own slugs, so that a value reads the same in headroom and in Bencher.
 * - value: the measured value; `lower_value`/`upper_value`: its confidence interval, when the
 *   report has one.
 */
import type { HeadroomReport, ReportMetric } from './schema.js';

/** One metric of one benchmark in BMF. */
export interface BencherMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

/** Bencher Metric Format: benchmark name → measure slug → metric. */
export type BencherMetricFormat = Record<string, Record<string, BencherMetric>>;

/** Bencher's limit on a measure slug's length. */
const MAX_SLUG = 64;

/** `eventLoopBlock` → `event-loop-block`; anything else than `[a-z0-9-]` becomes `-`. */
function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The measure slug of a metric, as documented in this module. */
export function measureSlug(metric: string, unit: ReportMetric['unit']): string {
  const base = kebab(metric) || 'metric';
  const suffix =
    unit === 'ms'
      ? '-ms'
      : unit === 'bytes'
        ? '-bytes'
        : unit === 'ratio'
          ? '-ratio'
          : unit === 'class'
            ? '-growth-rank'
            : '';
  return base.slice(0, MAX_SLUG - suffix.length) + suffix;
}

/**
 * A report in Bencher Metric Format. Non-finite values are left out (BMF values are JSON numbers).
 *
 * @example
 * writeFileSync('bmf.json', JSON.stringify(toBencher(report), null, 2));
 * // then: bencher run --adapter json --file bmf.json
 */
export function toBencher(report: HeadroomReport): BencherMetricFormat {
  const out: BencherMetricFormat = {};
  const put = (benchmark: string, slug: string, metric: BencherMetric) => {
    out[benchmark] ??= {};
    (out[benchmark] as Record<string, BencherMetric>)[slug] = metric;
  };
  for (const c of report.contracts) {
    for (const m of c.metrics) {
      if (!Number.isFinite(m.measured)) continue;
      const metric: BencherMetric = { value: m.measured };
      if (m.interval && Number.isFinite(m.interval[0]) && Number.isFinite(m.interval[1])) {
        metric.lower_value = Math.min(m.interval[0], m.interval[1]);
        metric.upper_value = Math.max(m.interval[0], m.interval[1]);
      }
      put(m.part ? `${c.id} › ${m.part}` : c.id, measureSlug(m.metric, m.unit), metric);
    }
  }
  for (const t of report.traces ?? []) {
    const counts = {
      queries: t.queries,
      'repeated-queries': t.repeatedQueries,
      requests: t.requests,
      'round-trips': t.roundTrips,
      'event-loop-block-ms': t.eventLoopBlockMs,
      'duration-ms': t.durationMs,
    };
    for (const [slug, value] of Object.entries(counts)) {
      if (Number.isFinite(value)) put(t.id, slug, { value });
    }
  }
  return out;
}
