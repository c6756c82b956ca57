/**
 * Summarizes an access log in JSON-lines format (one JSON object per line, as most HTTP servers
 * and log shippers write them) into per-route statistics: request count, error count, mean and
 * worst latency.
 *
 * Two ways to call it:
 * - `summarizeLog(text)` parses every line in one synchronous go. Simple, and fine for a small
 *   log, but on a large upload it holds the event loop for the whole parse: every other request
 *   the process serves, every timer, waits until it is done.
 * - `summarizeLogChunked(text, { linesPerChunk })` does the same work, but yields to the event
 *   loop (`await new Promise(setImmediate)`) after every `linesPerChunk` lines, so no single
 *   stretch of synchronous work is long. It takes about as long in total; it just takes turns.
 */

export interface LogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface RouteStats {
  requests: number;
  errors: number;
  meanMs: number;
  maxMs: number;
}

export interface LogSummary {
  lines: number;
  /** Lines that were not valid JSON log entries. */
  malformed: number;
  /** Keyed by `METHOD /path/with/:ids`. */
  routes: Record<string, RouteStats>;
}

export interface ChunkOptions {
  /** Lines parsed between two yields to the event loop. @defaultValue 1000 */
  linesPerChunk?: number;
}

/** `/orders/1234/items` → `/orders/:id/items`, so that one route collects all its ids. */
function routeOf(method: string, path: string): string {
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  return `${method} ${bare.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
}

class Summarizer {
  lines = 0;
  malformed = 0;
  readonly routes = new Map<string, { requests: number; errors: number; totalMs: number; maxMs: number }>();

  add(line: string): void {
    if (line.length === 0) return;
    this.lines++;
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      this.malformed++;
      return;
    }
    if (typeof entry.path !== 'string' || typeof entry.ms !== 'number') {
      this.malformed++;
      return;
    }
    const key = routeOf(entry.method, entry.path);
    let stats = this.routes.get(key);
    if (!stats) this.routes.set(key, (stats = { requests: 0, errors: 0, totalMs: 0, maxMs: 0 }));
    stats.requests++;
    if (entry.status >= 500) stats.errors++;
    stats.totalMs += entry.ms;
    if (entry.ms > stats.maxMs) stats.maxMs = entry.ms;
  }

  result(): LogSummary {
    const routes: Record<string, RouteStats> = {};
    for (const [key, s] of [...this.routes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      routes[key] = {
        requests: s.requests,
        errors: s.errors,
        meanMs: s.totalMs / s.requests,
        maxMs: s.maxMs,
      };
    }
    return { lines: this.lines, malformed: this.malformed, routes };
  }
}

/** Summarizes the whole log synchronously. Blocks the event loop for the whole parse. */
export function summarizeLog(text: string): LogSummary {
  const summary = new Summarizer();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    summary.add(text.slice(start, end));
    start = end + 1;
  }
  return summary.result();
}

/**
 * Summarizes the log in chunks of `linesPerChunk` lines, yielding to the event loop between
 * chunks so that other work gets a turn during a large parse.
 */
export async function summarizeLogChunked(text: string, options: ChunkOptions = {}): Promise<LogSummary> {
  const linesPerChunk = options.linesPerChunk ?? 1000;
  const summary = new Summarizer();
  let start = 0;
  while (start < text.length) {
    for (let n = 0; n < linesPerChunk && start < text.length; n++) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      summary.add(text.slice(start, end));
      start = end + 1;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return summary.result();
}

/** A JSON-lines access log of `lines` requests, deterministic for a given size (test data). */
export function sampleAccessLog(lines: number): string {
  const routes = [
    ['GET', '/orders/{id}'],
    ['GET', '/orders/{id}/items'],
    ['POST', '/orders'],
    ['GET', '/customers/{id}'],
    ['PUT', '/customers/{id}/address'],
    ['GET', '/health'],
  ] as const;
  const out: string[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < lines; i++) {
    const [method, template] = routes[i % routes.length] as (typeof routes)[number];
    const entry: LogEntry = {
      time: new Date(t0 + i * 37).toISOString(),
      method,
      path: template.replace('{id}', String((i * 7919) % 100_000)),
      status: i % 97 === 0 ? 503 : i % 13 === 0 ? 404 : 200,
      ms: Math.round((((i * 2654435761) % 1000) / 10 + 2) * 10) / 10,
    };
    out.push(JSON.stringify(entry));
  }
  return `${out.join('\n')}\n`;
}
