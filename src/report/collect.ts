/**
 * The worker side of the report. `headroom/reporter` runs in the runner's main process; tests run
 * in workers (vitest threads, forks or vmThreads; jest workers) or in the main process itself.
 * The reporter names a folder in `HEADROOM_REPORT_RESULTS` before any worker starts; each worker
 * appends every judged contract (and every traced test) as one JSON line to a file of its own in
 * that folder, and the reporter reads them all when the run ends. Files, not runner messages: the
 * same path works for every pool of both runners, and for sharded runs.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { longestChain } from '../budget/judge.js';
import { formatRange, formatValue } from '../format/units.js';
import { type ContractResult, onResult } from '../matchers/results.js';
import { processWide, runtime } from '../measure/scope.js';
import type { RecordedEvent } from '../types.js';
import {
  headroomPct,
  type ReportContract,
  type ReportEvent,
  type ReportMetric,
  type ReportTestTrace,
} from './schema.js';

/** The environment variable naming the folder workers write results to. */
export const RESULTS_ENV = 'HEADROOM_REPORT_RESULTS';

/** The most events of one contract kept for its waterfall. */
const MAX_EVENTS = 200;
const MAX_LABEL = 300;

/** The environment variable naming the project root (the runner's root dir), set by the reporter. */
export const ROOT_ENV = 'HEADROOM_REPORT_ROOT';

/**
 * A test file's path as reports show it: relative to the project root (the runner's root, or the
 * working directory), with `/` separators.
 */
export function reportPath(file: string | undefined, root = process.env[ROOT_ENV] || process.cwd()): string {
  if (!file) return '(unknown file)';
  const rel = file.startsWith(root + sep) ? relative(root, file) : file;
  return rel.split(sep).join('/');
}

function eventLabel(e: RecordedEvent): string {
  const text =
    e.kind === 'query'
      ? e.statement
      : e.kind === 'request'
        ? `${e.method} ${e.url}`
        : `${e.name}${e.detail ? ` ${e.detail}` : ''}`;
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

/** The events of a contract's first call, relative to the first one's start, for waterfalls. */
export function reportEvents(events: readonly RecordedEvent[]): ReportEvent[] | undefined {
  if (events.length === 0) return undefined;
  const kept = [...events].sort((a, b) => a.startMs - b.startMs).slice(0, MAX_EVENTS);
  const chain = new Set(longestChain(kept).map((e) => e.id));
  const t0 = kept[0]?.startMs ?? 0;
  return kept.map((e) => ({
    kind: e.kind,
    label: eventLabel(e),
    startMs: e.startMs - t0,
    ...(e.endMs !== undefined ? { endMs: e.endMs - t0 } : {}),
    ...(chain.has(e.id) ? { chain: true } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
  }));
}

/**
 * Per test: how many contracts of each matcher and label were seen, for stable ids. Process-wide:
 * jest gives each test file its own copy of headroom's modules.
 */
const seen = (processWide[Symbol.for('headroom.contract-ids.v1')] ??= new Map()) as Map<string, number>;

/** Forgets the per-test counters (after each test, so a retried test keeps its ids). */
export function resetContractIds(): void {
  seen.clear();
}

/** Turns a judged contract into a report row. */
export function toReportContract(result: ContractResult, file: string): ReportContract {
  const test = result.testName ?? result.measurement?.testName ?? '(outside a test)';
  const label = result.label ?? result.measurement?.label;
  let id = `${file} › ${test} › ${result.matcher}${label !== undefined ? ` › ${label}` : ''}`;
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  if (n > 1) id += ` #${n}`;
  const metrics: ReportMetric[] = result.verdicts.map((v) => ({
    metric: v.metric,
    ...(v.part !== undefined ? { part: v.part } : {}),
    unit: v.unit,
    limit: v.limit,
    measured: v.measured,
    headroomPct: headroomPct(v.limit, v.measured),
    status: v.status,
    ...(v.evidence !== undefined ? { evidence: v.evidence } : {}),
    ...(v.interval ? { interval: v.interval } : {}),
    ...(v.note !== undefined && v.evidence === undefined ? { evidence: v.note } : {}),
  }));
  if (result.rows) metrics.push(...result.rows);
  const m = result.measurement;
  const events = m ? reportEvents(m.events) : undefined;
  return {
    id,
    file,
    test,
    matcher: result.matcher,
    ...(label !== undefined ? { label } : {}),
    ...(result.isNot ? { isNot: true } : {}),
    pass: result.pass,
    metrics,
    calls: m?.calls ?? result.calls ?? 0,
    elapsedMs: Math.round((m?.elapsedMs ?? result.elapsedMs ?? 0) * 1000) / 1000,
    ...(events ? { events } : {}),
    ...(result.scale ? { scale: result.scale } : {}),
  };
}

/** A value of a report row, as text: `limitText`/`measuredText` when set, else by unit. */
export function formatMetricValue(m: ReportMetric, which: 'limit' | 'measured'): string {
  const text = which === 'limit' ? m.limitText : m.measuredText;
  if (text !== undefined) return text;
  const value = m[which];
  if (m.unit === 'ms' || m.unit === 'bytes' || m.unit === 'count') return formatValue(value, m.unit);
  return String(Math.round(value * 100) / 100);
}

/** A row's interval as text, when it has one. */
export function formatInterval(m: ReportMetric): string | undefined {
  if (!m.interval || (m.unit !== 'ms' && m.unit !== 'bytes' && m.unit !== 'count')) return undefined;
  return formatRange(m.interval[0], m.interval[1], m.unit);
}

/** One line of a worker's results file. */
export type ResultLine =
  | { type: 'contract'; contract: ReportContract }
  | { type: 'trace'; trace: ReportTestTrace };

let fileName: string | undefined;

/** Appends one line to this worker's results file (a file per process and thread). */
export function writeResultLine(line: ResultLine): void {
  const dir = process.env[RESULTS_ENV];
  if (!dir) return;
  if (fileName === undefined) {
    mkdirSync(dir, { recursive: true });
    fileName = `${dir}/worker-${process.pid}-${threadId}.jsonl`;
  }
  try {
    appendFileSync(fileName, `${JSON.stringify(line)}\n`);
  } catch {
    // The folder may have been removed by a reporter of an earlier run: make it again once.
    mkdirSync(dir, { recursive: true });
    appendFileSync(fileName, `${JSON.stringify(line)}\n`);
  }
}

const COLLECTING = Symbol.for('headroom.collecting.v1');

/**
 * Called by the runner entries: when a headroom reporter asked for results, every judged contract
 * of this worker is written for it. Once per process, whichever copy of headroom loads first.
 */
export function startCollecting(): void {
  if (!process.env[RESULTS_ENV] || processWide[COLLECTING]) return;
  processWide[COLLECTING] = true;
  onResult((result) => {
    const file = reportPath(runtime.testPath?.());
    writeResultLine({ type: 'contract', contract: toReportContract(result, file) });
  });
}
