/**
 * The history file (`headroom-report/headroom-history.jsonl` by default): one JSON line per run,
 * oldest first, so that `npx headroom trend` can show how each contract's headroom moved. Appends
 * hold the file's lock and rewrite it atomically; a line that is not a history entry (a corrupt
 * line, or a file that is not a headroom history at all) is an error naming the file and the line,
 * and the file is left as it was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { HeadroomError } from '../errors.js';
import { badFile, checkSchema, withFileLock, writeFileAtomic } from './files.js';
import {
  type HeadroomReport,
  type HistoryEntry,
  type HistoryPoint,
  metricKey,
  REPORT_VERSION,
} from './schema.js';

/** The `schema` field of a history line. */
export const HISTORY_SCHEMA = 'headroom-history';

/** Where the history is kept unless configured otherwise, relative to the project root. */
export const DEFAULT_HISTORY_PATH = 'headroom-report/headroom-history.jsonl';

/** How many runs a history keeps unless configured otherwise. */
export const DEFAULT_MAX_RUNS = 200;

/** Options of {@link appendHistory}. */
export interface AppendHistoryOptions {
  /**
   * The number of runs to keep; older runs are dropped from the start of the file.
   * @defaultValue 200
   */
  maxRuns?: number;
}

/**
 * One run of a report as a history line: contracts keyed by contract id, their metrics keyed by
 * {@link metricKey}, traced tests keyed by test id. `pass` is whether the contract held, with
 * `.not` applied. When an id occurs twice in a report, the last occurrence wins.
 *
 * @example
 * const entry = toHistoryEntry(report);
 * entry.contracts['orders.test.ts › lists › toStayWithin']?.metrics['duration:median']?.headroomPct;
 */
export function toHistoryEntry(report: HeadroomReport): HistoryEntry {
  const contracts: HistoryEntry['contracts'] = {};
  for (const c of report.contracts) {
    const metrics: Record<string, HistoryPoint> = {};
    for (const m of c.metrics) {
      metrics[metricKey(m)] = {
        measured: m.measured,
        limit: m.limit,
        unit: m.unit,
        headroomPct: m.headroomPct,
        status: m.status,
      };
    }
    contracts[c.id] = { pass: c.isNot ? !c.pass : c.pass, metrics };
  }
  const entry: HistoryEntry = {
    schema: HISTORY_SCHEMA,
    version: REPORT_VERSION,
    createdAt: report.createdAt,
    environment: report.environment,
    contracts,
  };
  if (report.traces) {
    const traces: NonNullable<HistoryEntry['traces']> = {};
    for (const t of report.traces) {
      traces[t.id] = {
        queries: t.queries,
        repeatedQueries: t.repeatedQueries,
        requests: t.requests,
        roundTrips: t.roundTrips,
        eventLoopBlockMs: t.eventLoopBlockMs,
        durationMs: t.durationMs,
      };
    }
    entry.traces = traces;
  }
  return entry;
}

/**
 * Appends one run to the history file at `path` (created with its folder when missing), keeping
 * the newest `maxRuns` runs. Holds `<path>.lock` for the read-modify-write and replaces the file
 * atomically, so concurrent workers never lose each other's runs. Throws `HEADROOM_ERR_BAD_FILE`,
 * leaving the file untouched, when a line of it is not a history entry of this or an older version.
 *
 * @example
 * appendHistory('headroom-report/headroom-history.jsonl', report, { maxRuns: 100 });
 */
export function appendHistory(
  path: string,
  report: HeadroomReport,
  options: AppendHistoryOptions = {},
): void {
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  if (!Number.isInteger(maxRuns) || maxRuns < 1) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_OPTION',
      `Failed to append to the history: maxRuns is ${JSON.stringify(maxRuns)}. Please give a whole number of runs, at least 1.`,
    );
  }
  const line = JSON.stringify(toHistoryEntry(report));
  withFileLock(path, () => {
    const lines = readHistoryLines(path).map((l) => l.text);
    lines.push(line);
    writeFileAtomic(path, `${lines.slice(-maxRuns).join('\n')}\n`);
  });
}

/**
 * Reads the history at `path`, oldest run first; an empty list when the file does not exist.
 * Throws `HEADROOM_ERR_BAD_FILE` when a line is not a history entry of this or an older version.
 *
 * @example
 * const runs = readHistory('headroom-report/headroom-history.jsonl');
 */
export function readHistory(path: string): HistoryEntry[] {
  return readHistoryLines(path).map((l) => l.entry);
}

/** The non-blank lines of a history file, each parsed and validated. */
function readHistoryLines(path: string): { text: string; entry: HistoryEntry }[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const out: { text: string; entry: HistoryEntry }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') continue;
    const where = `${path}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw badFile(
        path,
        `line ${i + 1} is not valid JSON (${(error as Error).message}); a history has one JSON object per line`,
        HISTORY_SCHEMA,
      );
    }
    checkSchema(where, value, HISTORY_SCHEMA, REPORT_VERSION);
    const entry = value as HistoryEntry;
    if (
      typeof entry.createdAt !== 'string' ||
      typeof entry.contracts !== 'object' ||
      entry.contracts === null ||
      Array.isArray(entry.contracts)
    ) {
      throw badFile(path, `line ${i + 1} has no "createdAt" or no "contracts" object`, HISTORY_SCHEMA);
    }
    out.push({ text: raw, entry });
  }
  return out;
}
