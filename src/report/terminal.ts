/**
 * The table `headroom/reporter` prints when a run ends: every metric of every contract, tightest
 * first, then the contracts close to the edge, the inconclusive time verdicts, and the heaviest
 * traced tests.
 */
import { formatMs } from '../format/units.js';
import { formatMetricValue } from './collect.js';
import { type HeadroomReport, isCloseToEdge, type ReportContract, type ReportMetric } from './schema.js';

/** One metric row with its contract. */
export interface Row {
  contract: ReportContract;
  metric: ReportMetric;
}

/** True when the contract's outcome is a test failure (`.not` inverts the verdict). */
export function contractFailed(c: ReportContract): boolean {
  return c.isNot ? c.pass : !c.pass;
}

/** Every metric row, tightest first: failures, inconclusive, then by headroom % ascending. */
export function sortedRows(report: HeadroomReport): Row[] {
  const rows: Row[] = [];
  for (const contract of report.contracts)
    for (const metric of contract.metrics) rows.push({ contract, metric });
  const rank = (r: Row) =>
    r.metric.status === 'fail' && !r.contract.isNot ? 0 : r.metric.status === 'inconclusive' ? 1 : 2;
  return rows.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.metric.headroomPct ?? Number.POSITIVE_INFINITY) -
        (b.metric.headroomPct ?? Number.POSITIVE_INFINITY) ||
      a.contract.id.localeCompare(b.contract.id),
  );
}

/** A metric's name with its part: `duration (median)`. */
export function metricName(m: ReportMetric): string {
  return m.part ? `${m.metric} (${m.part})` : m.metric;
}

/** Headroom as text: `+35%`, `-12%`, `—` for a zero limit. */
export function formatPct(pct: number | null): string {
  if (pct === null) return '—';
  const rounded = Math.abs(pct) >= 10 ? Math.round(pct) : Math.round(pct * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded}%`;
}

/** The status mark of a row. */
export function statusMark(r: Row): string {
  if (r.contract.isNot) return 'not';
  if (r.metric.status === 'fail') return '✗ fail';
  if (r.metric.status === 'inconclusive') return '? undecided';
  return isCloseToEdge(r.metric) ? '! edge' : '✓ pass';
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function pad(text: string, width: number, right = false): string {
  const t = truncate(text, width);
  return right ? t.padStart(width) : t.padEnd(width);
}

/** Options of the terminal table. */
export interface TableOptions {
  /** The most metric rows printed (the rest are counted). @defaultValue all */
  maxRows?: number;
  /** The files written, listed at the end. */
  files?: string[];
}

/** The end-of-run table, as text. */
export function formatTable(report: HeadroomReport, options: TableOptions = {}): string {
  const s = report.summary;
  const lines: string[] = [];
  const parts = [`${s.contracts} contract${s.contracts === 1 ? '' : 's'}`, `${s.passed} passed`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.inconclusive) parts.push(`${s.inconclusive} inconclusive`);
  if (s.closeToEdge) parts.push(`${s.closeToEdge} close to the edge`);
  lines.push('', ` headroom  ${parts.join(', ')}`);
  const rows = sortedRows(report);
  if (rows.length) {
    const max = options.maxRows ?? rows.length;
    lines.push('');
    lines.push(
      `  ${pad('status', 11)} ${pad('headroom', 9, true)}  ${pad('metric', 28)} ${pad('budget', 14, true)} ${pad('measured', 14, true)}  contract`,
    );
    for (const r of rows.slice(0, max)) {
      lines.push(
        `  ${pad(statusMark(r), 11)} ${pad(formatPct(r.metric.headroomPct), 9, true)}  ${pad(metricName(r.metric), 28)} ${pad(formatMetricValue(r.metric, 'limit'), 14, true)} ${pad(formatMetricValue(r.metric, 'measured'), 14, true)}  ${r.contract.test}${r.contract.label ? ` [${r.contract.label}]` : ''}${r.contract.matcher === 'toStayWithin' ? '' : ` (${r.contract.matcher})`}  ${r.contract.file}`,
      );
    }
    if (rows.length > max) lines.push(`  … ${rows.length - max} more rows in the report files`);
  }
  const edge = rows.filter((r) => isCloseToEdge(r.metric) && !r.contract.isNot);
  if (edge.length) {
    lines.push('', ` Close to the edge (less than 20% headroom left):`);
    for (const r of edge) {
      lines.push(
        `  ${metricName(r.metric)} of "${r.contract.test}": ${formatMetricValue(r.metric, 'measured')} of ${formatMetricValue(r.metric, 'limit')} (${formatPct(r.metric.headroomPct)})`,
      );
    }
  }
  const undecided = rows.filter((r) => r.metric.status === 'inconclusive');
  if (undecided.length) {
    lines.push(
      '',
      ' Inconclusive (the data could not tell within maxTime; raise maxTime or move the limit):',
    );
    for (const r of undecided) {
      lines.push(
        `  ${metricName(r.metric)} of "${r.contract.test}": ${formatMetricValue(r.metric, 'measured')} against ${formatMetricValue(r.metric, 'limit')}${r.metric.evidence ? ` (${r.metric.evidence})` : ''}`,
      );
    }
  }
  if (report.traces?.length) {
    const heavy = heaviestTests(report).slice(0, 10);
    lines.push('', ` Heaviest tests (${report.traces.length} traced):`);
    lines.push(
      `  ${pad('queries', 8, true)} ${pad('repeated', 9, true)} ${pad('requests', 9, true)} ${pad('round trips', 12, true)} ${pad('loop block', 11, true)}  test`,
    );
    for (const t of heavy) {
      lines.push(
        `  ${pad(String(t.queries), 8, true)} ${pad(String(t.repeatedQueries), 9, true)} ${pad(String(t.requests), 9, true)} ${pad(String(t.roundTrips), 12, true)} ${pad(formatMs(t.eventLoopBlockMs), 11, true)}  ${t.test}  ${t.file}`,
      );
    }
  }
  if (options.files?.length) lines.push('', ` Report: ${options.files.join(', ')}`);
  lines.push('');
  return lines.join('\n');
}

/** Traced tests, heaviest first: most queries and requests, then the longest block. */
export function heaviestTests(report: HeadroomReport): NonNullable<HeadroomReport['traces']> {
  return [...(report.traces ?? [])].sort(
    (a, b) => b.queries + b.requests - (a.queries + a.requests) || b.eventLoopBlockMs - a.eventLoopBlockMs,
  );
}
