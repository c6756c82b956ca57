/** Formats milliseconds with a unit that keeps 3 significant digits: `850 µs`, `38.2 ms`, `1.50 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? '∞' : '-∞';
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 0.001) return `${round(ms * 1e6)} ns`;
  if (abs < 1) return `${round(ms * 1000)} µs`;
  if (abs < 1000) return `${round(ms)} ms`;
  return `${round(ms / 1000)} s`;
}

/** Formats bytes in decimal units with 3 significant digits: `512 B`, `64.0 kB`, `2.10 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return bytes > 0 ? '∞' : '-∞';
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${Math.round(bytes)} B`;
  if (abs < 1e6) return `${round(bytes / 1e3)} kB`;
  if (abs < 1e9) return `${round(bytes / 1e6)} MB`;
  return `${round(bytes / 1e9)} GB`;
}

/** Three significant digits, trailing zeros dropped: 50 → "50", 38.24 → "38.2", 1.5 → "1.5". */
function round(x: number): string {
  const abs = Math.abs(x);
  const text = abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : x.toFixed(2);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Formats a range, naming the unit once when both ends share it: `37.5–38.5 ms`. */
export function formatRange(lo: number, hi: number, unit: 'count' | 'ms' | 'bytes'): string {
  const a = formatValue(lo, unit);
  const b = formatValue(hi, unit);
  const ua = a.split(' ')[1];
  const ub = b.split(' ')[1];
  return ua !== undefined && ua === ub ? `${a.split(' ')[0]}–${b}` : `${a}–${b}`;
}

/** Formats a value of a verdict's unit. */
export function formatValue(value: number, unit: 'count' | 'ms' | 'bytes'): string {
  if (unit === 'ms') return formatMs(value);
  if (unit === 'bytes') return formatBytes(value);
  return String(value);
}

/** Formats a headroom (limit - measured) with its sign. */
export function formatHeadroom(value: number, unit: 'count' | 'ms' | 'bytes'): string {
  const sign = value > 0 ? '+' : value < 0 ? '-' : '';
  return sign + formatValue(Math.abs(value), unit);
}
