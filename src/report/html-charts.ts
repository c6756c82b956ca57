/**
 * Inline SVG charts of the HTML report: headroom bars, `toScale` growth curves, I/O waterfalls
 * and history sparklines. Pure string builders: every piece of user text goes through
 * {@link escapeHtml}, every coordinate is a number computed here. No scripts, no external assets.
 */
import { formatBytes, formatMs } from '../format/units.js';
import type { ReportEvent, ReportMetric, ReportScale, ReportStatus } from './schema.js';

/** Escapes `& < > " '` so that any text is safe in HTML text, attributes and SVG `<text>`/`<title>`. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Cuts `text` to `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/** Colours of the report (GitHub-like, readable on white). */
export const COLORS = {
  pass: '#1a7f37',
  fail: '#cf222e',
  warn: '#bf8700',
  grid: '#d0d7de',
  axis: '#57606a',
  text: '#1f2328',
  muted: '#656d76',
  query: '#0969da',
  queryLight: '#9cc7f5',
  request: '#8250df',
  requestLight: '#d2b9f7',
  custom: '#57606a',
  customLight: '#c4cbd3',
} as const;

/** A number with at most 1 decimal, for SVG coordinates. */
function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** Formats a headroom percentage: `+45%`, `-12%`, `+3.5%`; `limit 0` for null. */
export function formatPct(pct: number | null): string {
  if (pct === null) return 'limit 0';
  const abs = Math.abs(pct);
  const text = abs >= 10 || abs === 0 ? abs.toFixed(0) : abs.toFixed(1);
  return (pct > 0 ? '+' : pct < 0 ? '-' : '') + text + '%';
}

/** One bar of the headroom chart. */
export interface HeadroomBar {
  /** Shown, cut to 62 characters. */
  label: string;
  /** The full text for the tooltip; `label` when absent. */
  title?: string;
  headroomPct: number | null;
  /** `pass`, `fail`, `inconclusive`, or `edge` for a passing metric close to its limit. */
  tone: ReportStatus | 'edge';
}

/** The colour of a tone. */
export function toneColor(tone: ReportStatus | 'edge'): string {
  return tone === 'pass' ? COLORS.pass : tone === 'fail' ? COLORS.fail : COLORS.warn;
}

/**
 * Horizontal bars of headroom % (domain −100…+100, clamped; the label on the right gives the
 * real value), a dashed line at the close-to-edge threshold.
 */
export function headroomChart(bars: readonly HeadroomBar[], edgePct: number, width = 1160): string {
  const rowH = 22;
  const top = 26;
  const labelW = 430;
  const valueW = 80;
  const x0 = labelW + 10;
  const barW = width - x0 - valueW;
  const height = top + bars.length * rowH + 6;
  const xOf = (pct: number) => x0 + ((Math.max(-100, Math.min(100, pct)) + 100) / 200) * barW;
  const parts: string[] = [];
  for (const tick of [-100, -50, 0, edgePct, 50, 100]) {
    const x = xOf(tick);
    const dashed = tick === edgePct ? ' stroke-dasharray="4 3"' : '';
    const color = tick === 0 ? COLORS.axis : tick === edgePct ? COLORS.warn : COLORS.grid;
    parts.push(
      `<line x1="${n(x)}" y1="${top - 6}" x2="${n(x)}" y2="${height - 4}" stroke="${color}"${dashed}/>`,
      `<text x="${n(x)}" y="${top - 10}" text-anchor="middle" class="tick">${tick > 0 ? '+' : ''}${tick}%</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const color = toneColor(bar.tone);
    parts.push(
      `<g><title>${escapeHtml(bar.title ?? bar.label)} — headroom ${escapeHtml(formatPct(bar.headroomPct))}</title>`,
      `<text x="0" y="${y + 15}" class="label">${escapeHtml(truncate(bar.label, 62))}</text>`,
    );
    if (bar.headroomPct === null) {
      parts.push(`<rect x="${n(xOf(0) - 3)}" y="${y + 4}" width="6" height="14" rx="1" fill="${color}"/>`);
    } else {
      const a = xOf(Math.min(0, bar.headroomPct));
      const b = xOf(Math.max(0, bar.headroomPct));
      parts.push(
        `<rect x="${n(a)}" y="${y + 4}" width="${n(Math.max(2, b - a))}" height="14" rx="2" fill="${color}"/>`,
      );
    }
    parts.push(
      `<text x="${width}" y="${y + 15}" text-anchor="end" class="value" fill="${color}">${escapeHtml(formatPct(bar.headroomPct))}</text></g>`,
    );
  });
  return svg('headroom', width, height, parts, 'Headroom per contract metric');
}

/** The unit of a `toScale` series, from its metric name. */
function scaleUnit(metric: string): ReportMetric['unit'] {
  if (/duration|cpu|eventLoopBlock|time/i.test(metric)) return 'ms';
  if (/allocated|retained|bytes/i.test(metric)) return 'bytes';
  return 'count';
}

/** Short number text for axes. */
export function formatAxis(value: number, unit: ReportMetric['unit']): string {
  if (unit === 'ms') return formatMs(value);
  if (unit === 'bytes') return formatBytes(value);
  if (Math.abs(value) >= 1e6) return `${n(value / 1e6)}M`;
  if (Math.abs(value) >= 1e4) return `${n(value / 1e3)}k`;
  return n(value);
}

/** A line chart of one `toScale` series: x = input sizes (log scale when they span more than 10×). */
export function scaleChart(scale: ReportScale, series: ReportScale['series'][number]): string {
  const width = 360;
  const height = 190;
  const left = 64;
  const right = 14;
  const top = 14;
  const bottom = 34;
  const sizes = scale.sizes;
  const unit = scaleUnit(series.metric);
  const minS = Math.min(...sizes);
  const maxS = Math.max(...sizes);
  const log = minS > 0 && maxS / minS > 10;
  const fx = (s: number) => (log ? Math.log10(s) : s);
  const [lo, hi] = [fx(minS), fx(maxS)];
  const xOf = (s: number) => left + (hi === lo ? 0.5 : (fx(s) - lo) / (hi - lo)) * (width - left - right);
  const finite = series.values.filter(Number.isFinite);
  const maxV = Math.max(0, ...finite) || 1;
  const yOf = (v: number) => height - bottom - (v / (maxV * 1.1)) * (height - top - bottom);
  const color = toneColor(series.status);
  const parts: string[] = [];
  for (const t of [0, 0.5, 1]) {
    const v = maxV * t;
    const y = yOf(v);
    parts.push(
      `<line x1="${left}" y1="${n(y)}" x2="${width - right}" y2="${n(y)}" stroke="${COLORS.grid}"/>`,
      `<text x="${left - 6}" y="${n(y + 4)}" text-anchor="end" class="tick">${escapeHtml(formatAxis(v, unit))}</text>`,
    );
  }
  const shown = sizes.length > 6 ? sizes.filter((_, i) => i % Math.ceil(sizes.length / 6) === 0) : sizes;
  for (const s of shown) {
    parts.push(
      `<text x="${n(xOf(s))}" y="${height - bottom + 16}" text-anchor="middle" class="tick">${escapeHtml(formatAxis(s, 'count'))}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 4}" text-anchor="middle" class="tick">input size${log ? ' (log)' : ''}</text>`,
  );
  const points = sizes
    .map((s, i) => [s, series.values[i]] as const)
    .filter((p): p is readonly [number, number] => Number.isFinite(p[1]));
  parts.push(
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([s, v]) => `${n(xOf(s))},${n(yOf(v))}`).join(' ')}"/>`,
  );
  for (const [s, v] of points) {
    parts.push(
      `<circle cx="${n(xOf(s))}" cy="${n(yOf(v))}" r="3.5" fill="${color}"><title>n = ${escapeHtml(String(s))}: ${escapeHtml(formatAxis(v, unit))}</title></circle>`,
    );
  }
  return svg('scale', width, height, parts, `${series.metric} by input size`);
}

/** A waterfall of one call's I/O: a bar per event, the sequential chain (round trips) highlighted. */
export function waterfallChart(events: readonly ReportEvent[], width = 1160): string {
  const shown = events.slice(0, 200);
  const rowH = 18;
  const top = 24;
  const labelW = 400;
  const x0 = labelW + 10;
  const barW = width - x0 - 70;
  const end = Math.max(...shown.map((e) => Math.max(e.startMs, e.endMs ?? e.startMs)), 0) || 1;
  const xOf = (ms: number) => x0 + (ms / end) * barW;
  const height = top + shown.length * rowH + 4;
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const x = xOf(end * t);
    parts.push(
      `<line x1="${n(x)}" y1="${top - 6}" x2="${n(x)}" y2="${height}" stroke="${COLORS.grid}"/>`,
      `<text x="${n(x)}" y="${top - 10}" text-anchor="middle" class="tick">${escapeHtml(formatMs(end * t))}</text>`,
    );
  }
  shown.forEach((e, i) => {
    const y = top + i * rowH;
    const [strong, light] =
      e.kind === 'query'
        ? [COLORS.query, COLORS.queryLight]
        : e.kind === 'request'
          ? [COLORS.request, COLORS.requestLight]
          : [COLORS.custom, COLORS.customLight];
    const fill = e.chain ? strong : light;
    const stop = e.endMs ?? end;
    const duration = e.endMs === undefined ? 'not ended' : formatMs(e.endMs - e.startMs);
    const title = `${e.kind}${e.chain ? ' (chain)' : ''}: ${e.label} — at ${formatMs(e.startMs)}, ${duration}${e.error ? `, error: ${e.error}` : ''}`;
    const stroke = e.error ? ` stroke="${COLORS.fail}" stroke-width="2"` : '';
    const dash = e.endMs === undefined ? ' stroke-dasharray="3 2" stroke="#57606a"' : '';
    parts.push(
      `<g><title>${escapeHtml(title)}</title>`,
      `<text x="0" y="${y + 13}" class="label mono${e.chain ? ' strong' : ''}">${escapeHtml(truncate(e.label, 56))}</text>`,
      `<rect x="${n(xOf(e.startMs))}" y="${y + 3}" width="${n(Math.max(2, xOf(stop) - xOf(e.startMs)))}" height="12" rx="2" fill="${fill}"${stroke}${dash}/>`,
      `<text x="${width}" y="${y + 13}" text-anchor="end" class="tick">${escapeHtml(duration)}</text></g>`,
    );
  });
  return svg('waterfall', width, height, parts, 'I/O waterfall of the first call');
}

/** A sparkline of headroom % over runs (null: no point that run); a dashed red line at 0 when crossed. */
export function sparkline(points: readonly (number | null)[], tones: readonly HeadroomBar['tone'][]): string {
  const width = 220;
  const height = 34;
  const pad = 5;
  const values = points.filter((p): p is number => p !== null);
  // Each row on its own scale, at least 20 points of headroom tall, so that a drift shows.
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 20) [lo, hi] = [(lo + hi) / 2 - 10, (lo + hi) / 2 + 10];
  const zero = lo < 0 && hi > 0;
  const xOf = (i: number) => pad + (points.length > 1 ? (i / (points.length - 1)) * (width - 2 * pad) : 0);
  const yOf = (v: number) => height - pad - ((v - lo) / (hi - lo)) * (height - 2 * pad);
  const parts = zero
    ? [
        `<line x1="${pad}" y1="${n(yOf(0))}" x2="${width - pad}" y2="${n(yOf(0))}" stroke="${COLORS.fail}" stroke-dasharray="3 2"/>`,
      ]
    : [];
  let path = '';
  points.forEach((p, i) => {
    if (p === null) return;
    path += `${path && points[i - 1] !== null ? 'L' : 'M'}${n(xOf(i))},${n(yOf(p))}`;
  });
  parts.push(`<path d="${path}" fill="none" stroke="${COLORS.axis}" stroke-width="1.5"/>`);
  points.forEach((p, i) => {
    if (p === null) return;
    const last = i === points.length - 1;
    parts.push(
      `<circle cx="${n(xOf(i))}" cy="${n(yOf(p))}" r="${last ? 3.5 : 2.2}" fill="${toneColor(tones[i] ?? 'pass')}"/>`,
    );
  });
  return svg('history', width, height, parts, 'Headroom over runs');
}

function svg(kind: string, width: number, height: number, parts: string[], label: string): string {
  return (
    `<svg class="chart" data-chart="${kind}" width="${width}" height="${n(height)}" viewBox="0 0 ${width} ${n(height)}" ` +
    `role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`
  );
}
