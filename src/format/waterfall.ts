import { statementShape } from '../measure/sql.js';
import type { RecordedEvent } from '../types.js';
import { formatMs } from './units.js';

/** A span on the waterfall: an I/O event or an event-loop block. */
export interface Span {
  startMs: number;
  endMs?: number;
  label: string;
  /** Outcome shown after the label: an HTTP status, an error. */
  outcome?: string;
  callSite?: string;
}

const BAR_WIDTH = 32;

/** One line of text per span: offset, duration, a bar on a shared time axis, label, outcome. */
export function waterfall(spans: readonly Span[], origin?: number, end?: number): string[] {
  if (spans.length === 0) return [];
  const t0 = origin ?? Math.min(...spans.map((s) => s.startMs));
  const t1 = Math.max(end ?? 0, ...spans.map((s) => s.endMs ?? s.startMs));
  const total = Math.max(t1 - t0, 1e-6);
  const rows = spans.map((s) => {
    const from = Math.min(BAR_WIDTH - 1, Math.round(((s.startMs - t0) / total) * BAR_WIDTH));
    const to = s.endMs === undefined ? BAR_WIDTH : Math.round(((s.endMs - t0) / total) * BAR_WIDTH);
    const length = Math.max(1, Math.min(BAR_WIDTH, to) - from);
    const bar = `${' '.repeat(from)}${(s.endMs === undefined ? '░' : '█').repeat(length)}`.padEnd(BAR_WIDTH);
    const took = s.endMs === undefined ? 'unfinished' : formatMs(s.endMs - s.startMs);
    const outcome = s.outcome ? `  ${s.outcome}` : '';
    return {
      offset: `+${formatMs(s.startMs - t0)}`,
      took,
      bar,
      text: `${s.label}${outcome}`,
      site: s.callSite,
    };
  });
  const wOffset = Math.max(...rows.map((r) => r.offset.length));
  const wTook = Math.max(...rows.map((r) => r.took.length));
  const wText = Math.min(70, Math.max(...rows.map((r) => r.text.length)));
  return rows.map((r) => {
    const site = r.site ? `   at ${r.site}` : '';
    return `  ${r.offset.padStart(wOffset)}  ${r.took.padStart(wTook)}  |${r.bar}|  ${site ? r.text.padEnd(wText) : r.text}${site}`.trimEnd();
  });
}

/** How an event reads on a waterfall: statement shape, `METHOD host/path`, or the custom name. */
export function spanOf(
  e: RecordedEvent,
  describeRequest: (e: RecordedEvent & { kind: 'request' }) => string,
): Span {
  const span: Span = { startMs: e.startMs, label: '' };
  if (e.endMs !== undefined) span.endMs = e.endMs;
  if (e.callSite !== undefined) span.callSite = e.callSite;
  if (e.kind === 'query') span.label = statementShape(e.statement);
  else if (e.kind === 'request') {
    span.label = describeRequest(e);
    if (e.status !== undefined) span.outcome = String(e.status);
  } else span.label = e.detail ? `${e.name} ${e.detail}` : e.name;
  if (e.error !== undefined) span.outcome = `${span.outcome ? `${span.outcome} ` : ''}error: ${e.error}`;
  if (e.note !== undefined) span.outcome = `${span.outcome ? `${span.outcome}  ` : ''}${e.note}`;
  return span;
}
