import { cpus } from 'node:os';
import { judge } from '../budget/judge.js';
import { type ParsedBudget, type ParsedOptions, parseBudget, parseOptions } from '../budget/parse.js';
import { didYouMean, HeadroomError, show } from '../errors.js';
import { formatMessage } from '../format/message.js';
import { formatValue } from '../format/units.js';
import { checkFn, runMeasurement } from '../measure/measure.js';
import { runtime } from '../measure/scope.js';
import {
  BASELINE_METRICS,
  type BaselineEntry,
  type BaselineMetric,
  type BaselineValue,
  baselineKey,
  baselinePath,
  COUNT_METRICS,
  DEFAULT_BASELINE_METRICS,
  machineDifference,
  readBaselines,
  updateMode,
  writeBaseline,
} from '../report/baseline.js';
import type { Budget, Measurement, MeasureOptions, MetricName, Verdict } from '../types.js';
import { holds, type MatcherContext, type MatcherResult } from './context.js';
import { notifyResult } from './results.js';
import { warnInconclusive } from './to-stay-within.js';

/** Options of `toMatchPerformanceBaseline`, beyond those every matcher takes. */
export interface BaselineOptions extends MeasureOptions {
  /**
   * The metrics compared with the baseline.
   * @defaultValue `['queries', 'repeatedQueries', 'requests', 'roundTrips', 'allocated']`
   */
  metrics?: BaselineMetric[];
  /**
   * How much worse than the baseline still passes, as a fraction: `0.1` allows 10% more. A number
   * applies to every metric; an object sets it per metric.
   * @defaultValue counts 0 (exact), `allocated` and `retained` 0.1, `duration` and `cpu` 0.25,
   * `eventLoopBlock` 0.5
   */
  tolerance?: number | Partial<Record<BaselineMetric, number>>;
}

const DEFAULT_TOLERANCE: Record<BaselineMetric, number> = {
  queries: 0,
  repeatedQueries: 0,
  requests: 0,
  roundTrips: 0,
  allocated: 0.1,
  retained: 0.1,
  duration: 0.25,
  cpu: 0.25,
  eventLoopBlock: 0.5,
};

/**
 * Absolute slack on top of the tolerance, for values near zero: a function that allocates 500 B
 * must not fail for allocating 560 B. Counts have none.
 */
const SLACK: Partial<Record<BaselineMetric, number>> = {
  // `allocated` counts the whole process: what the test runner allocates at the same moment too.
  allocated: 4096,
  retained: 1024,
  duration: 0.05,
  cpu: 0.05,
  eventLoopBlock: 1,
};

const UNIT: Record<BaselineMetric, BaselineValue['unit']> = {
  queries: 'count',
  repeatedQueries: 'count',
  requests: 'count',
  roundTrips: 'count',
  allocated: 'bytes',
  retained: 'bytes',
  duration: 'ms',
  cpu: 'ms',
  eventLoopBlock: 'ms',
};

function invalid(key: string, value: unknown, fix: string): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_INVALID_OPTION',
    `Failed to read the options: \`${key}\` is ${show(value)}. Please ${fix}.`,
  );
}

function checkMetrics(metrics: unknown): BaselineMetric[] {
  if (metrics === undefined) return [...DEFAULT_BASELINE_METRICS];
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw invalid('metrics', metrics, "give a non-empty list such as ['queries', 'allocated']");
  }
  for (const m of metrics) {
    if (!(BASELINE_METRICS as readonly unknown[]).includes(m)) {
      const near = typeof m === 'string' ? didYouMean(m, BASELINE_METRICS) : undefined;
      throw new HeadroomError(
        'HEADROOM_ERR_UNKNOWN_KEY',
        `Failed to read the options: ${show(m)} in \`metrics\` is not a metric a baseline can hold. ` +
          `Please use ${near ? `'${near}' (did you mean it?), or ` : ''}one of ${BASELINE_METRICS.map((k) => `'${k}'`).join(', ')}.`,
      );
    }
  }
  return [...new Set(metrics as BaselineMetric[])];
}

function checkTolerance(tolerance: unknown): Record<BaselineMetric, number> {
  const out = { ...DEFAULT_TOLERANCE };
  if (tolerance === undefined) return out;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (typeof tolerance === 'number') {
    if (!ok(tolerance)) throw invalid('tolerance', tolerance, 'give a fraction >= 0, such as 0.1 for 10%');
    for (const k of BASELINE_METRICS) out[k] = tolerance;
    return out;
  }
  if (typeof tolerance !== 'object' || tolerance === null || Array.isArray(tolerance)) {
    throw invalid(
      'tolerance',
      tolerance,
      'give a fraction such as 0.1, or an object such as { allocated: 0.2 }',
    );
  }
  for (const [k, v] of Object.entries(tolerance)) {
    if (!(BASELINE_METRICS as readonly string[]).includes(k)) {
      const near = didYouMean(k, BASELINE_METRICS);
      throw new HeadroomError(
        'HEADROOM_ERR_UNKNOWN_KEY',
        `Failed to read the options: \`tolerance.${k}\` names no metric.${near ? ` Did you mean \`${near}\`?` : ''} ` +
          `Please use ${BASELINE_METRICS.join(', ')}.`,
      );
    }
    if (!ok(v)) throw invalid(`tolerance.${k}`, v, 'give a fraction >= 0, such as 0.1 for 10%');
    out[k as BaselineMetric] = v;
  }
  return out;
}

/**
 * The budget a stored baseline allows: the value (for a time, the upper end of its confidence
 * interval: the baseline's own uncertainty is not held against the code), plus tolerance, plus slack.
 */
function allowed(metric: BaselineMetric, stored: BaselineValue, tolerance: number): number {
  const base = stored.interval ? Math.max(stored.value, stored.interval[1]) : stored.value;
  const raw = base * (1 + tolerance) + (SLACK[metric] ?? 0);
  return UNIT[metric] === 'count' ? Math.floor(raw + 1e-9) : raw;
}

function budgetOf(limits: Partial<Record<BaselineMetric, number>>): Budget {
  const budget: Budget = {};
  for (const [metric, limit] of Object.entries(limits) as [BaselineMetric, number][]) {
    if (metric === 'duration' || metric === 'cpu') budget[metric] = { median: limit };
    else (budget as Record<string, number>)[metric] = limit;
  }
  return budget;
}

function environmentHere(): BaselineEntry['environment'] {
  const runner = process.env.VITEST ? 'vitest' : process.env.JEST_WORKER_ID ? 'jest' : undefined;
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model?.trim() || 'unknown CPU',
    cores: cpus().length,
    ...(runner ? { runner } : {}),
  };
}

/**
 * Calls made between the cold first call (which gives the counts) and the calls that sample bytes
 * and blocks. A baseline recorded while the code was warm (its test ran after others that call it)
 * must compare alike when the test runs alone: the first calls of cold code allocate its bytecode,
 * feedback and inline caches (measured: 9.9 kB warm, 26.2 kB cold, for the same 4-query function).
 */
const WARM_UP_CALLS = 5;

/**
 * Counts from the first, cold call, as every matcher takes them; then bytes, blocks and times
 * from warm calls, so that a baseline compares the code's own cost, not the JIT's.
 */
async function measureWarm(
  fn: () => unknown,
  metrics: Set<MetricName>,
  opts: ParsedOptions,
  budget: ParsedBudget | undefined,
): Promise<Measurement> {
  const cold = await runMeasurement(fn, { metrics: new Set(), options: opts });
  if (metrics.size === 0) return cold;
  for (let i = 0; i < WARM_UP_CALLS; i++) await runMeasurement(fn, { metrics: new Set(), options: opts });
  const warm = await runMeasurement(fn, { metrics, options: opts, ...(budget ? { budget } : {}) });
  return {
    ...warm,
    events: cold.events,
    outside: cold.outside,
    calls: cold.calls + WARM_UP_CALLS + warm.calls,
    warmupCalls: warm.warmupCalls + WARM_UP_CALLS,
    elapsedMs: cold.elapsedMs + warm.elapsedMs,
  };
}

/** Baseline files already warned about in this process (a machine difference). */
const warnedFiles = new Set<string>();

/** Context fields the runners give matchers that baselines use. */
interface BaselineContext extends MatcherContext {
  testPath?: string;
  snapshotState?: { _updateSnapshot?: unknown };
}

/**
 * `await expect(fn).toMatchPerformanceBaseline(options?)`: measures `fn` and compares it with the
 * baseline stored for this test in `__baselines__/<test file>.json`, written on the first run and
 * on `-u` (or `HEADROOM_UPDATE=1`), never when `CI` is set without one. Counts compare exactly,
 * times and bytes as ratios with a tolerance.
 */
export async function toMatchPerformanceBaseline(
  this: BaselineContext,
  received: unknown,
  options: BaselineOptions = {},
): Promise<MatcherResult> {
  checkFn(received);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw invalid('options', options, 'pass an object such as { metrics: ["queries"] }');
  }
  const { metrics: namedMetrics, tolerance: namedTolerance, ...rest } = options ?? {};
  const metrics = checkMetrics(namedMetrics);
  const tolerance = checkTolerance(namedTolerance);
  const opts = parseOptions(rest);
  const testPath = this.testPath ?? runtime.testPath?.();
  if (!testPath) {
    throw new HeadroomError(
      'HEADROOM_ERR_NO_BASELINE',
      'Failed to find where to keep the baseline: the test file is unknown. ' +
        "Please run the test with vitest or jest, with 'headroom/vitest' or 'headroom/jest' loaded.",
    );
  }
  const testName = this.currentTestName ?? runtime.testName?.() ?? '(outside a test)';
  const key = baselineKey(testName, opts.label);
  const path = baselinePath(testPath);
  const stored = readBaselines(path).entries[key];
  const mode = updateMode(this.snapshotState?._updateSnapshot);

  const compared = mode === 'all' ? [] : metrics.filter((m) => stored?.metrics[m] !== undefined);
  const toRecord = metrics.filter((m) => !compared.includes(m));
  if (toRecord.length && mode === 'none') {
    throw new HeadroomError(
      'HEADROOM_ERR_NO_BASELINE',
      `Failed to compare with the baseline: ${stored ? `${toRecord.join(', ')} of ` : ''}"${key}" is not in ${path}, ` +
        'and baselines are not written when CI is set. Please run the test locally (or with -u, or HEADROOM_UPDATE=1) and commit the baseline file.',
    );
  }
  const limits: Partial<Record<BaselineMetric, number>> = {};
  for (const m of compared) limits[m] = allowed(m, stored?.metrics[m] as BaselineValue, tolerance[m]);
  const parsed: ParsedBudget | undefined = compared.length ? parseBudget(budgetOf(limits)) : undefined;
  const measurement = await measureWarm(
    received as () => unknown,
    new Set(metrics.filter((m) => !COUNT_METRICS.includes(m)) as MetricName[]),
    opts,
    parsed,
  );
  if (measurement.testName === undefined) measurement.testName = testName;
  if (opts.label !== undefined) measurement.label = opts.label;
  const judgeOptions = { countTransactionControl: opts.countTransactionControl };
  const verdicts: Verdict[] = parsed ? judge(measurement, parsed, judgeOptions) : [];

  // What the engine judges by, for the metrics to record: judged against a limit nothing reaches.
  let recorded: Partial<Record<BaselineMetric, BaselineValue>> | undefined;
  if (toRecord.length) {
    const huge: Partial<Record<BaselineMetric, number>> = {};
    for (const m of toRecord) huge[m] = Number.MAX_SAFE_INTEGER;
    recorded = {};
    for (const v of judge(measurement, parseBudget(budgetOf(huge)), judgeOptions)) {
      if (v.part !== undefined && !(v.metric === 'duration' || v.metric === 'cpu')) continue;
      recorded[v.metric as BaselineMetric] = {
        value: v.measured,
        unit: v.unit,
        ...(v.interval ? { interval: v.interval } : {}),
        ...(v.evidence ? { evidence: v.evidence } : {}),
      };
    }
    writeBaseline(path, key, {
      metrics: { ...(mode === 'all' ? {} : stored?.metrics), ...recorded },
      environment: environmentHere(),
      updatedAt: new Date().toISOString(),
    });
  }

  const pass = verdicts.every((v) => holds(v.status, opts.inconclusive));
  if (pass) warnInconclusive(verdicts, testName, opts);
  const isNot = this.isNot ?? false;
  notifyResult({
    matcher: 'toMatchPerformanceBaseline',
    measurement,
    verdicts,
    pass,
    isNot,
    testName,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    // A baseline recorded in this run has nothing to compare with: one row per recorded value.
    ...(recorded
      ? {
          rows: Object.entries(recorded).map(([metric, v]) => ({
            metric,
            part: 'recorded',
            unit: v.unit,
            limit: v.value,
            measured: v.value,
            headroomPct: null,
            status: 'pass' as const,
            limitText: mode === 'all' ? 'updated' : 'new baseline',
            ...(v.evidence ? { evidence: v.evidence } : {}),
          })),
        }
      : {}),
  });

  const elsewhere =
    stored && compared.some((m) => UNIT[m] !== 'count')
      ? machineDifference(stored.environment, environmentHere())
      : undefined;
  if (elsewhere && pass && !warnedFiles.has(path)) {
    // A passing comparison prints no message: say it once per baseline file.
    warnedFiles.add(path);
    console.warn(
      `[headroom] ${path}: baselines measured on another machine (${elsewhere}); times and bytes may differ for that reason alone.`,
    );
  }
  return {
    pass,
    measurement,
    message: () => {
      const lines: string[] = [];
      if (verdicts.length) {
        lines.push(
          formatMessage({
            head: `expect(fn)${isNot ? '.not' : ''}.toMatchPerformanceBaseline()`,
            matcher: 'toMatchPerformanceBaseline',
            received: 'fn',
            isNot,
            verdicts,
            measurement,
            countTransactionControl: opts.countTransactionControl,
            maxTimeMs: opts.maxTimeMs,
            inconclusive: opts.inconclusive,
          }),
        );
      } else {
        lines.push(`expect(fn)${isNot ? '.not' : ''}.toMatchPerformanceBaseline()`, '');
        lines.push(`Recorded a new baseline: nothing to compare yet, so it passes.`);
      }
      lines.push('');
      lines.push(`Baseline "${key}" in ${path}:`);
      for (const m of compared) {
        const s = stored?.metrics[m] as BaselineValue;
        const t = tolerance[m];
        const now = verdicts.find((v) => v.metric === m);
        const ratio = now && s.value > 0 ? `, ${(now.measured / s.value).toFixed(2)}× the baseline` : '';
        lines.push(
          `  ${m.padEnd(16)} baseline ${formatValue(s.value, s.unit)}${t ? `, +${Math.round(t * 100)}% tolerance` : ' (exact)'} → at most ${formatValue(limits[m] as number, s.unit)}` +
            (now ? `; now ${formatValue(now.measured, now.unit)}${ratio}` : ''),
        );
      }
      if (recorded) {
        for (const [m, v] of Object.entries(recorded)) {
          lines.push(
            `  ${m.padEnd(16)} recorded ${formatValue(v.value, v.unit)}${mode === 'all' ? ' (updated)' : ' (new)'}`,
          );
        }
      }
      if (stored)
        lines.push(
          `  recorded ${stored.updatedAt} on Node ${stored.environment.node}, ${stored.environment.cpu}`,
        );
      if (elsewhere) {
        lines.push(
          '',
          `Warning: the baseline was measured on another machine (${elsewhere}). Times and bytes may differ for that reason alone; ` +
            'update the baseline on the machine that compares it (-u, or HEADROOM_UPDATE=1).',
        );
      }
      if (!pass && !isNot) {
        lines.push(
          '',
          'If the change is intended, update the baseline: vitest -u, jest -u, or HEADROOM_UPDATE=1.',
        );
      }
      return lines.join('\n');
    },
  };
}
