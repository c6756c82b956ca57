// Small helpers for the bench: statistics, formatting and tables.
import { performance } from 'node:perf_hooks';

export const now = () => performance.now();

export function sortedCopy(values) {
  return Float64Array.from(values).sort();
}

export function quantile(values, p) {
  const xs = sortedCopy(values);
  if (xs.length === 0) return Number.NaN;
  const h = (xs.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return xs[lo] + (xs[hi] - xs[lo]) * (h - lo);
}

/** min / median / mean / p90 / max of a list of numbers. */
export function summary(values) {
  const n = values.length;
  if (n === 0) return { n, min: NaN, median: NaN, mean: NaN, p90: NaN, max: NaN };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { n, min, median: quantile(values, 0.5), mean: sum / n, p90: quantile(values, 0.9), max };
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

export function fmtUs(us) {
  if (!Number.isFinite(us)) return String(us);
  return us >= 100 ? `${us.toFixed(0)} µs` : `${us.toFixed(1)} µs`;
}

export function fmtBytes(b) {
  if (!Number.isFinite(b)) return String(b);
  if (Math.abs(b) >= 1e6) return `${(b / 1e6).toFixed(4)} MB`;
  if (Math.abs(b) >= 1e3) return `${(b / 1e3).toFixed(2)} kB`;
  return `${Math.round(b)} B`;
}

export function fmtNum(x, digits = 1) {
  return Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : x.toFixed(digits)) : String(x);
}

/** A plain-text table: `columns` are headers, `rows` arrays of cells (strings). */
export function table(title, columns, rows) {
  const cells = [columns, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const width = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i])))
      .join('  ')
      .trimEnd();
  const rule = width.map((w) => '─'.repeat(w)).join('  ');
  return [``, `${title}`, rule, line(cells[0]), rule, ...cells.slice(1).map(line), rule].join('\n');
}

/** Runs `fn` with console.warn captured; returns [result, warnings]. */
export async function captureWarnings(fn) {
  const original = console.warn;
  const warnings = [];
  console.warn = (...args) => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    return [await fn(), warnings];
  } finally {
    console.warn = original;
  }
}
