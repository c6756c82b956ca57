/**
 * `headroom-report.md`: the report as Markdown, for pull requests and `$GITHUB_STEP_SUMMARY`.
 * User text (test names, statements) is escaped: a table cell cannot be broken out of, and no HTML
 * in a test name reaches the page as markup.
 */
import { formatMs } from '../format/units.js';
import { formatMetricValue } from './collect.js';
import type { HeadroomReport } from './schema.js';
import { isCloseToEdge } from './schema.js';
import { formatPct, heaviestTests, metricName, sortedRows, statusMark } from './terminal.js';

/** Escapes text for a Markdown table cell. */
export function mdCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/\*/g, '\\*')
    .replace(/_/g, '\\_')
    .replace(/\[/g, '\\[')
    .replace(/\]/g, '\\]')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Options of the Markdown report. */
export interface MarkdownOptions {
  /** The most metric rows in the table (the rest are counted). @defaultValue 500 */
  maxRows?: number;
}

/** The report as Markdown. */
export function renderMarkdown(report: HeadroomReport, options: MarkdownOptions = {}): string {
  const s = report.summary;
  const env = report.environment;
  const out: string[] = ['## headroom', ''];
  const parts = [`**${s.contracts}** contracts`, `${s.passed} passed`];
  if (s.failed) parts.push(`**${s.failed} failed**`);
  if (s.inconclusive) parts.push(`${s.inconclusive} inconclusive`);
  if (s.closeToEdge) parts.push(`${s.closeToEdge} close to the edge`);
  out.push(parts.join(' · '), '');
  out.push(
    `<sub>${mdCell(`Node ${env.node} · ${env.cpu} × ${env.cores} · ${env.platform}/${env.arch}${env.runner ? ` · ${env.runner}` : ''}${env.commit ? ` · ${env.commit.slice(0, 12)}` : ''} · ${report.createdAt}`)}</sub>`,
    '',
  );
  const rows = sortedRows(report);
  if (rows.length) {
    const max = options.maxRows ?? 500;
    out.push('| status | headroom | metric | budget | measured | test | file |');
    out.push('| --- | ---: | --- | ---: | ---: | --- | --- |');
    for (const r of rows.slice(0, max)) {
      const test = `${r.contract.test}${r.contract.label ? ` [${r.contract.label}]` : ''}${r.contract.matcher === 'toStayWithin' ? '' : ` (${r.contract.matcher})`}`;
      out.push(
        `| ${mdCell(statusMark(r))} | ${formatPct(r.metric.headroomPct)} | ${mdCell(metricName(r.metric))} | ${mdCell(formatMetricValue(r.metric, 'limit'))} | ${mdCell(formatMetricValue(r.metric, 'measured'))} | ${mdCell(test)} | ${mdCell(r.contract.file)} |`,
      );
    }
    if (rows.length > max) out.push('', `… and ${rows.length - max} more rows in headroom-report.json.`);
    out.push('');
  } else {
    out.push('No performance contracts were judged in this run.', '');
  }
  const edge = rows.filter((r) => isCloseToEdge(r.metric) && !r.contract.isNot);
  if (edge.length) {
    out.push('### Close to the edge', '', 'Passing, with less than 20% of the budget left:', '');
    for (const r of edge) {
      out.push(
        `- ${mdCell(metricName(r.metric))} of ${mdCell(r.contract.test)}: ${mdCell(formatMetricValue(r.metric, 'measured'))} of ${mdCell(formatMetricValue(r.metric, 'limit'))} (${formatPct(r.metric.headroomPct)})`,
      );
    }
    out.push('');
  }
  const undecided = rows.filter((r) => r.metric.status === 'inconclusive');
  if (undecided.length) {
    out.push(
      '### Inconclusive',
      '',
      'The data could not tell within `maxTime`: raise it, or move the limit.',
      '',
    );
    for (const r of undecided) {
      out.push(
        `- ${mdCell(metricName(r.metric))} of ${mdCell(r.contract.test)}: ${mdCell(formatMetricValue(r.metric, 'measured'))} against ${mdCell(formatMetricValue(r.metric, 'limit'))}${r.metric.evidence ? ` (${mdCell(r.metric.evidence)})` : ''}`,
      );
    }
    out.push('');
  }
  if (report.traces?.length) {
    out.push(`### Heaviest tests`, '', `${report.traces.length} tests traced.`, '');
    out.push('| queries | repeated | requests | round trips | event-loop block | test | file |');
    out.push('| ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const t of heaviestTests(report).slice(0, 20)) {
      out.push(
        `| ${t.queries} | ${t.repeatedQueries} | ${t.requests} | ${t.roundTrips} | ${formatMs(t.eventLoopBlockMs)} | ${mdCell(t.test)} | ${mdCell(t.file)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
