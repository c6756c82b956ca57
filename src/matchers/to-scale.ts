import { countedQueries } from '../budget/judge.js';
import { parseOptions } from '../budget/parse.js';
import { didYouMean, HeadroomError, show } from '../errors.js';
import { formatBytes, formatMs } from '../format/units.js';
import { loadFromProject } from '../instrument/auto.js';
import { now } from '../measure/clock.js';
import { checkFn, runMeasurement } from '../measure/measure.js';
import {
  BASIS,
  fitLine,
  GROWTH_CLASSES,
  type GrowthClass,
  growthClass,
  medianOf,
  sparkline,
  TIME_EXPONENT,
  timeExponent,
} from '../stats/growth.js';
import type { MeasureOptions, MetricName, VerdictStatus } from '../types.js';
import { holds, type MatcherContext, type MatcherResult } from './context.js';
import { notifyResult } from './results.js';
import { concurrencyScale } from './scale-concurrency.js';

export {
  GROWTH_CLASSES,
  type GrowthClass,
  growthClass,
  TIME_EXPONENT,
  timeExponent,
} from '../stats/growth.js';

/** A growth limit: a class, or for counts at most `slope` more per unit of size. */
export type GrowthLimit = GrowthClass | { slope: number };

/** What `toScale` takes. */
export interface ScaleSpec<T = unknown> {
  /** Builds the input of size `n`; `fn(input(n))` is measured at each size. */
  input?: (n: number) => T;
  /**
   * Growth over concurrency instead of input size: at each level, that many calls of `fn()` start
   * at once, and `duration` judges how per-call latency grows with the level. A call serialized
   * behind a lock, a pool of one or a synchronous section grows linearly; one that truly runs
   * concurrently stays flat.
   * @example { concurrency: [1, 8, 64], duration: 'constant' }
   */
  concurrency?: readonly number[];
  /**
   * Inputs drawn per size when `input(n)` returns a fast-check arbitrary (counts and allocations
   * take the worst of them; times pool their calls).
   * @defaultValue 3
   */
  samplesPerSize?: number;
  /** Seed of the draws from fast-check arbitraries. @defaultValue a random seed, shown in messages */
  seed?: number;
  /**
   * The sizes to measure at.
   * @defaultValue `[1, 2, 4, 8, 16, 32, 64]`
   */
  sizes?: readonly number[];
  /** How queries per call may grow. */
  queries?: GrowthLimit;
  /** How requests per call may grow. */
  requests?: GrowthLimit;
  /** How JS heap bytes allocated per call may grow. */
  allocated?: GrowthClass;
  /** How wall time per call may grow (judged on the log-log slope, with a confidence interval). */
  duration?: GrowthClass;
  /** How CPU time per call may grow (same method as `duration`). */
  cpu?: GrowthClass;
}

const METRICS = ['queries', 'requests', 'allocated'] as const;
const TIME_METRICS = ['duration', 'cpu'] as const;
type ScaleMetric = (typeof METRICS)[number];
type TimeMetric = (typeof TIME_METRICS)[number];
const SPEC_KEYS = ['input', 'sizes', 'concurrency', 'samplesPerSize', 'seed', ...METRICS, ...TIME_METRICS];

function invalid(key: string, value: unknown, fix: string): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_INVALID_OPTION',
    `Failed to read the toScale spec: \`${key}\` is ${show(value)}. Please ${fix}.`,
  );
}

function checkSpec(spec: unknown): asserts spec is ScaleSpec {
  if (spec === null || typeof spec !== 'object')
    throw invalid('spec', spec, 'pass { input: (n) => …, queries: "linear" }');
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.includes(key)) {
      const guess = didYouMean(key, SPEC_KEYS);
      throw new HeadroomError(
        'HEADROOM_ERR_UNKNOWN_KEY',
        `Failed to read the toScale spec: \`${key}\` is not a key headroom knows. ${guess ? `Did you mean \`${guess}\`? ` : ''}` +
          `Please use one of: ${SPEC_KEYS.join(', ')}.`,
      );
    }
  }
  const s = spec as ScaleSpec;
  if (s.concurrency !== undefined) {
    const levels = s.concurrency;
    if (
      !Array.isArray(levels) ||
      levels.length < 3 ||
      levels.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000)
    ) {
      throw invalid('concurrency', levels, 'give at least 3 levels of concurrency, such as [1, 8, 64]');
    }
    const others = [...METRICS, 'cpu' as const].filter((m) => s[m] !== undefined);
    if (others.length || s.duration === undefined || s.sizes !== undefined) {
      throw invalid(
        'concurrency',
        levels,
        'judge only `duration` over concurrency (per-call latency), without `sizes`: { concurrency: [1, 8, 64], duration: "constant" }',
      );
    }
    if (s.input !== undefined && typeof s.input !== 'function')
      throw invalid('input', s.input, 'give a function, or leave it out');
    if (!(GROWTH_CLASSES as readonly string[]).includes(s.duration))
      throw invalid('duration', s.duration, `use one of ${GROWTH_CLASSES.join(', ')}`);
    return;
  }
  if (typeof s.input !== 'function')
    throw invalid('input', s.input, 'give a function building the input of size n');
  if (s.sizes !== undefined) {
    if (!Array.isArray(s.sizes) || s.sizes.length < 4 || s.sizes.some((n) => !Number.isInteger(n) || n < 1)) {
      throw invalid('sizes', s.sizes, 'give at least 4 whole sizes >= 1, such as [1, 2, 4, 8, 16, 32, 64]');
    }
  }
  let named = 0;
  for (const m of TIME_METRICS) {
    const limit = s[m];
    if (limit === undefined) continue;
    named++;
    if (!(typeof limit === 'string' && (GROWTH_CLASSES as readonly string[]).includes(limit))) {
      throw invalid(m, limit, `use one of ${GROWTH_CLASSES.join(', ')}`);
    }
  }
  for (const m of METRICS) {
    const limit = s[m];
    if (limit === undefined) continue;
    named++;
    const ok =
      (typeof limit === 'string' && (GROWTH_CLASSES as readonly string[]).includes(limit)) ||
      (m !== 'allocated' &&
        typeof limit === 'object' &&
        limit !== null &&
        typeof limit.slope === 'number' &&
        limit.slope >= 0);
    if (!ok) {
      throw invalid(
        m,
        limit,
        `use one of ${GROWTH_CLASSES.join(', ')}${m === 'allocated' ? '' : ', or { slope: number }'}`,
      );
    }
  }
  if (named === 0) {
    throw new HeadroomError(
      'HEADROOM_ERR_EMPTY_BUDGET',
      'Failed to read the toScale spec: it names no metric. Please give at least one of queries, requests, allocated, duration, cpu.',
    );
  }
}

/** True for a fast-check arbitrary (duck-typed: headroom does not depend on fast-check). */
function isArbitrary(value: unknown): value is object {
  const v = value as { generate?: unknown; canShrinkWithoutContext?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.generate === 'function' &&
    typeof v.canShrinkWithoutContext === 'function'
  );
}

/** Draws inputs from an arbitrary with the project's own fast-check, seeded. */
function drawInputs(arbitrary: object, seed: number, count: number): unknown[] {
  let fc: { sample: (arb: object, params: { seed: number; numRuns: number }) => unknown[] };
  try {
    fc = loadFromProject('fast-check', process.cwd()) as typeof fc;
  } catch (cause) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_OPTION',
      'Failed to draw inputs: `input` returned a fast-check arbitrary, but fast-check could not be loaded from the project. ' +
        'Please install fast-check, or return the input itself.',
      { cause },
    );
  }
  return fc.sample(arbitrary, { seed, numRuns: count });
}

/** Sizes for time growth: wide enough for a quadratic and a linear cost to part ways. */
const DEFAULT_TIME_SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

interface Row {
  metric: ScaleMetric | TimeMetric;
  ys: number[];
  pass: boolean;
  status: VerdictStatus;
  required: string;
  found: string;
}

/**
 * `await expect(fn).toScale({ input, sizes?, queries?, requests?, allocated? })`: measures
 * `fn(input(n))` at each size and checks that each named metric grows no faster than its class
 * (`'constant'`, `'logarithmic'`, `'linear'`, `'linearithmic'`, `'quadratic'`), or for counts, by at
 * most `{ slope }` per unit of size. Counts are fitted exactly; one call per size (counts are taken
 * from the first, cold call, as `toStayWithin` does).
 */
export async function toScale(
  this: MatcherContext,
  received: unknown,
  spec: ScaleSpec,
  options?: MeasureOptions,
): Promise<MatcherResult> {
  checkFn(received);
  checkSpec(spec);
  const fn = received as (input: unknown) => unknown;
  const opts = parseOptions(options);
  if (spec.concurrency) return concurrencyScale.call(this, fn, spec, opts);
  const started = now();
  const timeNamed = TIME_METRICS.filter((m) => spec[m] !== undefined);
  const sizes = [...(spec.sizes ?? (timeNamed.length ? DEFAULT_TIME_SIZES : [1, 2, 4, 8, 16, 32, 64]))];
  const named = METRICS.filter((m) => spec[m] !== undefined);
  const metrics = new Set<MetricName>([
    ...(named.includes('allocated') ? (['allocated'] as const) : []),
    ...timeNamed,
  ]);
  // Time is sampled at every size: maxTime is shared out between the sizes.
  const perSize = timeNamed.length ? { ...opts, maxTimeMs: opts.maxTimeMs / sizes.length } : opts;
  const values: Record<ScaleMetric, number[]> = { queries: [], requests: [], allocated: [] };
  const times: Record<TimeMetric, number[][]> = { duration: [], cpu: [] };
  const seed = spec.seed ?? Math.floor(Math.random() * 2 ** 31);
  let drew = false;
  let calls = 0;
  for (const n of sizes) {
    const produced = (spec.input as (n: number) => unknown)(n);
    const inputs = isArbitrary(produced)
      ? drawInputs(produced, seed + n, spec.samplesPerSize ?? 3)
      : [produced];
    drew ||= isArbitrary(produced);
    const worst = { queries: 0, requests: 0, allocated: 0 };
    const pooled: Record<TimeMetric, number[]> = { duration: [], cpu: [] };
    for (const input of inputs) {
      const m = await runMeasurement(() => fn(input), { metrics, options: perSize });
      calls += m.calls;
      worst.queries = Math.max(worst.queries, countedQueries(m.events, opts).length);
      worst.requests = Math.max(worst.requests, m.events.filter((e) => e.kind === 'request').length);
      if (m.samples.allocatedBytes.length)
        worst.allocated = Math.max(worst.allocated, medianOf(m.samples.allocatedBytes));
      pooled.duration.push(...m.samples.durationMs);
      pooled.cpu.push(...m.samples.cpuMs);
    }
    values.queries.push(worst.queries);
    values.requests.push(worst.requests);
    values.allocated.push(worst.allocated);
    times.duration.push(pooled.duration);
    times.cpu.push(pooled.cpu);
  }
  const rows: Row[] = named.map((metric) => {
    const ys = values[metric];
    const limit = spec[metric] as GrowthLimit;
    const tolerance = metric === 'allocated' ? 0.05 * (Math.max(...ys) - Math.min(...ys)) + 4096 : 0.5;
    const measured = growthClass(sizes, ys, tolerance);
    let pass: boolean;
    let required: string;
    let found: string;
    if (typeof limit === 'object') {
      const slope = fitLine(sizes, ys, BASIS.linear);
      const linearFits = measured === 'constant' || measured === 'linear' || measured === 'logarithmic';
      pass = linearFits && slope.b <= limit.slope + 1e-9;
      required = `slope ≤ ${limit.slope}`;
      found = linearFits ? `slope ${Math.round(slope.b * 100) / 100} (${measured})` : measured;
    } else {
      const rank = (c: string) => (GROWTH_CLASSES as readonly string[]).indexOf(c);
      pass = measured !== 'faster than quadratic' && rank(measured) <= rank(limit);
      required = limit;
      found = measured;
    }
    return { metric, ys, pass, required, found, status: pass ? 'pass' : 'fail' };
  });
  for (const metric of timeNamed) {
    const limit = spec[metric] as GrowthClass;
    const exponent = timeExponent(sizes, times[metric], 1 - opts.confidence);
    const band = TIME_EXPONENT[limit];
    const status: VerdictStatus = exponent.hi <= band ? 'pass' : exponent.lo > band ? 'fail' : 'inconclusive';
    rows.push({
      metric,
      ys: times[metric].map(medianOf),
      pass: holds(status, opts.inconclusive),
      status,
      required: `${limit} (time ∝ n^k, k ≤ ${band})`,
      found: `k = ${exponent.k.toFixed(2)} (${Math.round(opts.confidence * 100)}% CI ${exponent.lo.toFixed(2)}–${exponent.hi.toFixed(2)})`,
    });
  }
  if (rows.some((r) => r.status === 'inconclusive') && rows.every((r) => r.pass)) {
    console.warn(
      `[headroom] ${this.currentTestName ? `"${this.currentTestName}": ` : ''}toScale could not tell the growth of time apart from its limit; passing. ` +
        'Raise maxTime, or widen the sizes.',
    );
  }
  const pass = rows.every((r) => r.pass);
  const isNot = this.isNot ?? false;
  const rank = (c: string) => (GROWTH_CLASSES as readonly string[]).indexOf(c);
  notifyResult({
    matcher: 'toScale',
    verdicts: [],
    pass,
    isNot,
    ...(this.currentTestName ? { testName: this.currentTestName } : {}),
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    rows: rows.map((r) => ({
      metric: r.metric,
      part: 'growth',
      unit: 'class' as const,
      limit: rank(typeof spec[r.metric] === 'string' ? (spec[r.metric] as string) : 'linear'),
      measured: rank(r.found.split(' ')[0] ?? ''),
      headroomPct: null,
      status: r.status,
      limitText: r.required,
      measuredText: r.found,
    })),
    scale: {
      sizes,
      series: rows.map((r) => ({
        metric: r.metric,
        values: r.ys,
        required: r.required,
        found: r.found,
        status: r.status,
      })),
    },
    calls,
    elapsedMs: now() - started,
  });
  return {
    pass,
    message: () => {
      const fmt = (metric: ScaleMetric | TimeMetric, v: number) =>
        metric === 'allocated'
          ? formatBytes(v)
          : metric === 'duration' || metric === 'cpu'
            ? formatMs(v)
            : String(v);
      const failed = rows.filter((r) => r.status === 'fail').length;
      const undecided = rows.filter((r) => r.status === 'inconclusive').length;
      const of = (k: number) => `${k} of ${rows.length} metric${rows.length === 1 ? '' : 's'}`;
      const lines = [
        `expect(fn)${isNot ? '.not' : ''}.toScale(spec)`,
        '',
        isNot
          ? `Expected growth beyond the limits, but every metric stayed within them (${calls} calls made).`
          : failed
            ? `Grows too fast on ${of(failed)} (${calls} calls made).`
            : undecided
              ? `Growth undecided on ${of(undecided)} (${calls} calls made).`
              : `Growth held on all ${rows.length} metrics (${calls} calls made).`,
        '',
        `    ${'size'.padEnd(12)}${sizes.map((n) => String(n).padStart(9)).join('')}`,
      ];
      for (const r of rows) {
        lines.push(
          `  ${r.status === 'pass' ? '✓' : r.status === 'fail' ? '✗' : '?'} ${r.metric.padEnd(12)}${r.ys.map((v) => fmt(r.metric, v).padStart(9)).join('')}   ${sparkline(r.ys)}`,
        );
      }
      lines.push('');
      for (const r of rows) lines.push(`  ${r.metric}: grows ${r.found}; allowed ${r.required}`);
      if (drew) {
        lines.push(
          `  inputs drawn from the fast-check arbitrary: ${spec.samplesPerSize ?? 3} per size, the worst counts kept (seed ${seed})`,
        );
      }
      if (rows.some((r) => r.status === 'inconclusive')) {
        lines.push(
          '',
          'Inconclusive: the interval of the fitted exponent spans the limit. Please raise maxTime (more calls per size) or widen the sizes.',
        );
      }
      const nPlusOne = rows.find((r) => !r.pass && r.metric === 'queries');
      if (nPlusOne) {
        lines.push(
          '',
          'Hint: queries that grow with the input are an N+1: load the items in one query (WHERE id IN (…), or a join).',
        );
      }
      return lines.join('\n');
    },
  };
}
