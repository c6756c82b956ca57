/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no external asset; a
 * Content-Security-Policy that forbids anything else) that a CI job can publish as an artifact.
 */
import { formatBytes, formatMs } from '../format/units.js';
import {
  COLORS,
  escapeHtml as esc,
  formatPct,
  type HeadroomBar,
  headroomChart,
  scaleChart,
  sparkline,
  truncate,
  waterfallChart,
} from './html-charts.js';
import {
  CLOSE_TO_EDGE_PCT,
  type HeadroomReport,
  type HistoryEntry,
  isCloseToEdge,
  metricKey,
  type ReportContract,
  type ReportMetric,
} from './schema.js';

/** Most bars in the headroom chart (the tightest); the table lists every row. */
const MAX_BARS = 60;
/** Most contracts with a waterfall, and with growth charts. */
const MAX_WATERFALLS = 20;
const MAX_SCALES = 40;
/** Most sparkline rows, and rows of the heaviest-tests table. */
const MAX_SPARKLINES = 100;
const MAX_TRACES = 50;

interface Row {
  contract: ReportContract;
  metric: ReportMetric;
  tone: HeadroomBar['tone'];
}

/**
 * Renders a report (and optionally the run history, oldest first) as one self-contained HTML page.
 *
 * @example
 * writeFileSync('headroom-report.html', renderHtml(report, readHistory('headroom-history.jsonl')));
 */
export function renderHtml(report: HeadroomReport, history: readonly HistoryEntry[] = []): string {
  const rows = sortTightest(
    report.contracts.flatMap((contract) =>
      contract.metrics.map((metric) => ({ contract, metric, tone: toneOf(metric) })),
    ),
  );
  const sections = [
    header(report),
    headroomSection(rows),
    tableSection(rows),
    scaleSection(report.contracts),
    waterfallSection(report.contracts),
    historySection(rows, history),
    tracesSection(report),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>headroom report — ${esc(report.createdAt)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${sections.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}

function toneOf(m: ReportMetric): HeadroomBar['tone'] {
  if (m.status !== 'pass') return m.status;
  return isCloseToEdge(m) ? 'edge' : 'pass';
}

/** Tightest first: failures with a zero limit, then by headroom ascending; limit-0 passes count as 0. */
function sortTightest(rows: Row[]): Row[] {
  const key = (r: Row) => r.metric.headroomPct ?? (r.metric.status === 'fail' ? -Infinity : 0);
  return rows.sort((a, b) => key(a) - key(b));
}

function metricName(m: ReportMetric): string {
  return m.part ? `${m.metric} (${m.part})` : m.metric;
}

function rowLabel(r: Row): string {
  return `${r.contract.test}${r.contract.label ? ` [${r.contract.label}]` : ''} · ${metricName(r.metric)}`;
}

/** The row label cut in the test name, so that the metric always shows (62 characters in all). */
function barLabel(r: Row): string {
  const metric = ` · ${metricName(r.metric)}`;
  const test = `${r.contract.test}${r.contract.label ? ` [${r.contract.label}]` : ''}`;
  return truncate(test, Math.max(16, 62 - Array.from(metric).length)) + metric;
}

/** A value of a metric's unit, as people read it. */
function formatUnit(value: number, unit: ReportMetric['unit']): string {
  if (unit === 'ms') return formatMs(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'ratio') return `${Number(value.toFixed(2))}×`;
  return String(Number.isInteger(value) ? value : Number(value.toFixed(2)));
}

function statusPill(tone: HeadroomBar['tone']): string {
  const text = tone === 'edge' ? 'close to edge' : tone === 'pass' ? 'pass' : tone;
  return `<span class="pill ${tone}">${text}</span>`;
}

function header(report: HeadroomReport): string {
  const s = report.summary;
  const env = report.environment;
  const tile = (value: number, label: string, tone: string) =>
    `<div class="tile ${value > 0 ? tone : ''}"><b>${value}</b><span>${label}</span></div>`;
  const facts = [
    ['node', env.node],
    ['platform', `${env.platform} ${env.arch}`],
    ['cpu', `${env.cpu} × ${env.cores}`],
    ['runner', env.runner],
    ['commit', env.commit ? env.commit.slice(0, 12) + (env.branch ? ` (${env.branch})` : '') : undefined],
    ['shard', report.shard ? `${report.shard.index} of ${report.shard.count}` : undefined],
  ].filter((f): f is [string, string] => Boolean(f[1]));
  return `<header>
<div class="title"><h1>headroom report</h1><time datetime="${esc(report.createdAt)}">${esc(formatTime(report.createdAt))}</time></div>
<div class="tiles">${tile(s.contracts, 'contracts', 'neutral')}${tile(s.passed, 'passed', 'pass')}${tile(s.failed, 'failed', 'fail')}${tile(s.inconclusive, 'inconclusive', 'warn')}${tile(s.closeToEdge, `close to the edge (&lt; ${CLOSE_TO_EDGE_PCT}% headroom)`, 'warn')}</div>
<dl class="env">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>
</header>`;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

function headroomSection(rows: Row[]): string {
  if (rows.length === 0) {
    return `<section><h2>Headroom per contract</h2><p class="empty">No performance contracts were recorded in this run.</p></section>`;
  }
  // Growth classes have no percentage of room: they are drawn in the toScale section.
  const charted = rows.filter((r) => r.metric.unit !== 'class');
  const bars = charted.slice(0, MAX_BARS).map((r) => ({
    label: barLabel(r),
    title: rowLabel(r),
    headroomPct: r.metric.headroomPct,
    tone: r.tone,
  }));
  const more =
    charted.length > MAX_BARS
      ? `<p class="note">The ${MAX_BARS} tightest of ${charted.length} metric rows; the table lists them all.</p>`
      : '';
  return `<section id="headroom"><h2>Headroom per contract</h2>
<p class="note">Room left under each budget, as a share of the limit, tightest first. Bars are clamped to ±100%; the number on the right is exact. The dashed line marks ${CLOSE_TO_EDGE_PCT}%.</p>
${headroomChart(bars, CLOSE_TO_EDGE_PCT)}${more}</section>`;
}

function tableSection(rows: Row[]): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(({ contract: c, metric: m, tone }) => {
      const budget = m.limitText ?? formatUnit(m.limit, m.unit);
      const measured = m.measuredText ?? formatUnit(m.measured, m.unit);
      const evidence = m.evidence ? `<small>${esc(m.evidence)}</small>` : '';
      return `<tr class="${tone}"><td class="test">${esc(c.test)}${c.label ? ` <small>[${esc(c.label)}]</small>` : ''}</td><td class="file">${esc(c.file)}</td><td>${c.isNot ? '.not.' : ''}${esc(c.matcher)}</td><td>${esc(metricName(m))}</td><td class="num">${esc(budget)}</td><td class="num">${esc(measured)}${evidence}</td><td class="num">${m.unit === 'class' ? '—' : esc(formatPct(m.headroomPct))}</td><td>${statusPill(tone)}</td></tr>`;
    })
    .join('\n');
  return `<section id="contracts"><h2>Contracts</h2>
<table class="contracts"><colgroup><col style="width:24%"><col style="width:13%"><col style="width:10%"><col style="width:12%"><col style="width:8%"><col style="width:16%"><col style="width:7%"><col style="width:10%"></colgroup><thead><tr><th>test</th><th>file</th><th>matcher</th><th>metric</th><th class="num">budget</th><th class="num">measured</th><th class="num">headroom</th><th>status</th></tr></thead>
<tbody>
${body}
</tbody></table></section>`;
}

function contractTitle(c: ReportContract): string {
  return `<h3>${esc(c.test)}${c.label ? ` <small>[${esc(c.label)}]</small>` : ''}</h3><p class="where">${esc(c.file)} · ${c.isNot ? '.not.' : ''}${esc(c.matcher)}</p>`;
}

function scaleSection(contracts: readonly ReportContract[]): string {
  const scaled = contracts.filter((c) => c.scale && c.scale.series.length > 0 && c.scale.sizes.length > 0);
  if (scaled.length === 0) return '';
  const cards = scaled.slice(0, MAX_SCALES).map((c) => {
    const charts = c.scale!.series.map(
      (s) =>
        `<figure>${scaleChart(c.scale!, s)}<figcaption><b>${esc(s.metric)}</b>: required ${esc(s.required)}, found <span class="found ${s.status}">${esc(s.found)}</span> ${statusPill(s.status)}</figcaption></figure>`,
    );
    return `<div class="card">${contractTitle(c)}<div class="figures">${charts.join('')}</div></div>`;
  });
  const more =
    scaled.length > MAX_SCALES
      ? `<p class="note">${scaled.length - MAX_SCALES} more toScale contracts are in the JSON report.</p>`
      : '';
  return `<section id="scale"><h2>Growth (toScale)</h2>${cards.join('\n')}${more}</section>`;
}

function waterfallSection(contracts: readonly ReportContract[]): string {
  const withEvents = contracts
    .filter((c) => c.events && c.events.length > 0)
    .sort((a, b) => Number(a.pass) - Number(b.pass) || b.events!.length - a.events!.length);
  if (withEvents.length === 0) return '';
  const cards = withEvents.slice(0, MAX_WATERFALLS).map((c) => {
    const events = c.events!;
    const chain = events.filter((e) => e.chain).length;
    return `<div class="card">${contractTitle(c)}<p class="note">${events.length} I/O events of the first call${chain ? `, ${chain} in the longest sequential chain (highlighted)` : ''}.</p>${waterfallChart(events)}</div>`;
  });
  const legend = `<p class="legend"><i style="background:${COLORS.query}"></i>query in chain <i style="background:${COLORS.queryLight}"></i>query <i style="background:${COLORS.request}"></i>request in chain <i style="background:${COLORS.requestLight}"></i>request <i class="err"></i>error</p>`;
  const more =
    withEvents.length > MAX_WATERFALLS
      ? `<p class="note">${withEvents.length - MAX_WATERFALLS} more contracts recorded I/O; see the JSON report.</p>`
      : '';
  return `<section id="waterfalls"><h2>I/O waterfalls</h2>${legend}${cards.join('\n')}${more}</section>`;
}

function historySection(rows: Row[], history: readonly HistoryEntry[]): string {
  if (history.length === 0) return '';
  const lines: string[] = [];
  for (const r of rows) {
    if (lines.length >= MAX_SPARKLINES) break;
    if (r.metric.unit === 'class') continue;
    const key = metricKey(r.metric);
    const points = history.map((h) => h.contracts[r.contract.id]?.metrics[key]);
    const pcts = points.map((p) => p?.headroomPct ?? null);
    if (!pcts.some((p) => p !== null)) continue;
    const tones = points.map((p) =>
      !p
        ? 'pass'
        : p.status !== 'pass'
          ? p.status
          : (p.unit === 'ms' || p.unit === 'bytes') &&
              p.headroomPct !== null &&
              p.headroomPct < CLOSE_TO_EDGE_PCT
            ? 'edge'
            : 'pass',
    );
    const known = pcts.filter((p): p is number => p !== null);
    const range = known.length ? `${formatPct(Math.min(...known))} … ${formatPct(Math.max(...known))}` : '';
    lines.push(
      `<tr><td class="test">${esc(rowLabel(r))}</td><td>${sparkline(pcts, tones)}</td><td class="num">${esc(formatPct(r.metric.headroomPct))}</td><td class="num muted">${esc(range)}</td></tr>`,
    );
  }
  if (lines.length === 0) {
    return `<section id="history"><h2>History</h2><p class="empty">None of this run's contracts appear in the ${history.length} runs of history.</p></section>`;
  }
  return `<section id="history"><h2>History</h2>
<p class="note">Headroom over the last ${history.length} runs (${esc(formatTime(history[0]!.createdAt))} to ${esc(formatTime(history[history.length - 1]!.createdAt))}), oldest left, tightest rows first.</p>
<table class="spark"><thead><tr><th>contract · metric</th><th>headroom over runs</th><th class="num">now</th><th class="num">range</th></tr></thead><tbody>
${lines.join('\n')}
</tbody></table></section>`;
}

function tracesSection(report: HeadroomReport): string {
  if (!report.traces || report.traces.length === 0) return '';
  const heaviest = [...report.traces]
    .sort(
      (a, b) => b.queries + b.requests - (a.queries + a.requests) || b.eventLoopBlockMs - a.eventLoopBlockMs,
    )
    .slice(0, MAX_TRACES);
  const body = heaviest
    .map((t) => {
      const top = t.topQueries?.[0];
      const topText = top ? `<code>×${top.count} ${esc(truncate(top.shape, 80))}</code>` : '';
      return `<tr><td class="test">${esc(t.test)}</td><td class="file">${esc(t.file)}</td><td class="num">${t.queries}</td><td class="num${t.repeatedQueries > 0 ? ' warn' : ''}">${t.repeatedQueries}</td><td class="num">${t.requests}</td><td class="num">${t.roundTrips}</td><td class="num">${esc(formatMs(t.eventLoopBlockMs))}</td><td class="num">${esc(formatMs(t.durationMs))}</td><td>${topText}</td></tr>`;
    })
    .join('\n');
  return `<section id="traces"><h2>Heaviest tests</h2>
<p class="note">Traced tests by queries + requests, then event-loop blocking${report.traces.length > MAX_TRACES ? ` (the ${MAX_TRACES} heaviest of ${report.traces.length})` : ''}.</p>
<table class="traces"><colgroup><col style="width:24%"><col style="width:14%"><col style="width:6%"><col style="width:7%"><col style="width:7%"><col style="width:8%"><col style="width:8%"><col style="width:7%"><col></colgroup><thead><tr><th>test</th><th>file</th><th class="num">queries</th><th class="num">repeated</th><th class="num">requests</th><th class="num">round trips</th><th class="num">loop block</th><th class="num">duration</th><th>most repeated statement</th></tr></thead><tbody>
${body}
</tbody></table></section>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:${COLORS.text};font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 20px 48px}
header,section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:18px 20px;margin-bottom:18px}
.title{display:flex;align-items:baseline;justify-content:space-between;gap:16px}
h1{font-size:22px;margin:0}
h2{font-size:17px;margin:0 0 8px}
h3{font-size:14px;margin:0;word-break:break-word}
time,.where,.note,.muted,small{color:${COLORS.muted}}
.where{margin:2px 0 8px;font-size:12px;word-break:break-all}
.note{margin:0 0 10px;font-size:13px}
.empty{color:${COLORS.muted};font-style:italic}
.tiles{display:flex;gap:12px;margin:14px 0 10px;flex-wrap:wrap}
.tile{flex:1 1 150px;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;border-left-width:5px}
.tile b{display:block;font-size:26px;line-height:1.1}
.tile span{font-size:12px;color:${COLORS.muted}}
.tile.neutral{border-left-color:${COLORS.axis}}
.tile.pass{border-left-color:${COLORS.pass}}.tile.pass b{color:${COLORS.pass}}
.tile.fail{border-left-color:${COLORS.fail}}.tile.fail b{color:${COLORS.fail}}
.tile.warn{border-left-color:${COLORS.warn}}.tile.warn b{color:${COLORS.warn}}
.env{display:flex;flex-wrap:wrap;gap:6px 22px;margin:0;font-size:12px}
.env div{display:flex;gap:6px}.env dt{color:${COLORS.muted}}.env dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
svg .label{font-size:12px;fill:${COLORS.text}}
svg .label.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px}
svg .label.strong{font-weight:600}
svg .tick{font-size:11px;fill:${COLORS.muted}}
svg .value{font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
table.contracts,table.traces{table-layout:fixed}
table.contracts td{overflow-wrap:anywhere}
th{text-align:left;font-weight:600;color:${COLORS.muted};border-bottom:2px solid #d0d7de;padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid #eaeef2;padding:5px 8px;vertical-align:top}
td small{display:block;font-size:11px}
td.test{word-break:break-word;max-width:380px}
td.file{word-break:break-all;color:${COLORS.muted};font-size:12px;max-width:220px}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.num small{white-space:normal}
tr.fail td{background:#ffebe9}
tr.inconclusive td,tr.edge td{background:#fff8c5}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;white-space:nowrap;color:#fff}
.pill.pass{background:${COLORS.pass}}.pill.fail{background:${COLORS.fail}}.pill.inconclusive,.pill.edge{background:${COLORS.warn}}
.found{font-weight:600}.found.fail{color:${COLORS.fail}}.found.pass{color:${COLORS.pass}}.found.inconclusive{color:${COLORS.warn}}
td.warn{color:${COLORS.warn};font-weight:600}
.card{border-top:1px solid #eaeef2;padding-top:12px;margin-top:12px}
.figures{display:flex;flex-wrap:wrap;gap:18px}
figure{margin:0;width:360px}
figcaption{font-size:12px;margin-top:4px}
.legend{font-size:12px;color:${COLORS.muted};margin:0 0 4px}
.legend i{display:inline-block;width:14px;height:10px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}
.legend i:first-child{margin-left:0}
.legend i.err{border:2px solid ${COLORS.fail};background:#fff}
table.spark td{vertical-align:middle;padding:2px 8px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
`;
