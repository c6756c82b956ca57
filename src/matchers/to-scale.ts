import { countedQueries } from '../budget/judge.js';
import { parseOptions } from '../budget/parse.js';
import { didYouMean, HeadroomError, show } from '../errors.js';
import { formatBytes, formatMs } from '../format/units.js';
import { loadFromProject } from '../instrument/auto.js';
import { now } from '../measure/clock.js';
import { checkFn, runMeasurement } from '../measure/measure.js';
import { CallScope, callInScope, closeScope } from '../measure/scope.js';
import { fakeClock, settleWithClock } from '../measure/virtual-time.js';
import { EventLoopProbe } from '../probes/event-loop.js';
import { quantile, theilSenSlope } from '../stats/quantiles.js';
import type { MeasureOptions, MetricName, VerdictStatus } from '../types.js';
import type { MatcherContext, MatcherResult } from './context.js';

/** Growth classes, from slowest-growing to fastest. */
export const GROWTH_CLASSES = ['constant', 'logarithmic', 'linear', 'linearithmic', 'quadratic'] as const;
/** How a metric may grow with input size. */
export type GrowthClass = (typeof GROWTH_CLASSES)[number];

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

/**
 * The steepest log-log slope (time ∝ n^k) each class allows. Over the default sizes (16 to 4096)
 * n·log n has a slope of about 1.2 and log n about 0.2, so time cannot tell linear from
 * linearithmic, nor constant from logarithmic: those pairs share a band.
 */
export const TIME_EXPONENT: Record<GrowthClass, number> = {
  constant: 0.4,
  logarithmic: 0.4,
  linear: 1.5,
  linearithmic: 1.5,
  quadratic: 2.5,
};

const BASIS: Record<GrowthClass, (n: number) => number> = {
  constant: () => 0,
  logarithmic: (n) => Math.log2(n),
  linear: (n) => n,
  linearithmic: (n) => n * Math.log2(n),
  quadratic: (n) => n * n,
};

const METRICS = ['queries', 'requests', 'allocated'] as const;
const TIME_METRICS = ['duration', 'cpu'] as const;
type ScaleMetric = (typeof METRICS)[number];
type TimeMetric = (typeof TIME_METRICS)[number];
const SPEC_KEYS = ['input', 'sizes', 'concurrency', 'samplesPerSize', 'seed', ...METRICS, ...TIME_METRICS];

/** Least squares fit of y = a + b·g(n); returns b and the largest absolute residual. */
function fitLine(
  ns: number[],
  ys: number[],
  g: (n: number) => number,
): { a: number; b: number; residual: number } {
  const xs = ns.map(g);
  const k = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / k;
  const my = ys.reduce((s, y) => s + y, 0) / k;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < k; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  const b = sxx === 0 ? 0 : sxy / sxx;
  const a = my - b * mx;
  let residual = 0;
  for (let i = 0; i < k; i++)
    residual = Math.max(residual, Math.abs((ys[i] as number) - (a + b * (xs[i] as number))));
  return { a, b, residual };
}

/**
 * The slowest-growing class that explains the values: counts must fit exactly (within half a
 * count); bytes within 5% of their range plus 4 kB (allocation varies a little between calls).
 */
export function growthClass(
  ns: number[],
  ys: number[],
  tolerance: number,
): GrowthClass | 'faster than quadratic' {
  for (const c of GROWTH_CLASSES) {
    const f = fitLine(ns, ys, BASIS[c]);
    if (f.residual <= tolerance && (c === 'constant' || f.b >= -tolerance)) return c;
  }
  return 'faster than quadratic';
}

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

function medianOf(xs: readonly number[]): number {
  const sortedXs = [...xs].sort((a, b) => a - b);
  return quantile(sortedXs, 0.5);
}

/**
 * The exponent k of time ∝ n^k: the Theil–Sen slope of log(median time) against log(size), with
 * a bootstrap interval (each size's calls resampled, 400 times, seeded).
 */
export function timeExponent(sizes: readonly number[], samples: readonly number[][], alpha: number) {
  const floor = 1e-6;
  const xs = sizes.map((n) => Math.log(n));
  const slope = (medians: number[]) =>
    theilSenSlope(
      xs,
      medians.map((t) => Math.log(Math.max(t, floor))),
    );
  const k = slope(samples.map(medianOf));
  let seed = 0x9e3779b9;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const boots: number[] = [];
  for (let b = 0; b < 400; b++) {
    boots.push(
      slope(
        samples.map((xsOfSize) => {
          if (xsOfSize.length === 0) return floor;
          const draw = Array.from(
            { length: xsOfSize.length },
            () => xsOfSize[Math.floor(random() * xsOfSize.length)] as number,
          );
          return medianOf(draw);
        }),
      ),
    );
  }
  boots.sort((a, b) => a - b);
  return { k, lo: quantile(boots, alpha / 2), hi: quantile(boots, 1 - alpha / 2) };
}

/** Per-call latencies of `level` calls started at once, in milliseconds (real or virtual time). */
interface Round {
  latencies: number[];
  /** How long each query, request or custom I/O event of the round took, in milliseconds. */
  io: number[];
  /** The longest event-loop block during the round, in milliseconds. */
  blockMs: number;
}

async function concurrentRound(call: () => unknown, level: number, loop: EventLoopProbe): Promise<Round> {
  const clock = fakeClock();
  const stamp = () => (clock ? clock.now : now());
  await loop.start();
  const started = stamp();
  const latencies: number[] = new Array(level).fill(0);
  const io: number[] = [];
  const all = Promise.all(
    Array.from({ length: level }, async (_, i) => {
      const scope = new CallScope('context');
      try {
        await callInScope(scope, call);
      } finally {
        closeScope(scope);
        latencies[i] = stamp() - started;
        for (const e of scope.events) if (e.endMs !== undefined) io.push(e.endMs - e.startMs);
      }
    }),
  );
  if (clock) await settleWithClock(all, clock, 30_000);
  await all;
  return { latencies, io, blockMs: await loop.stop(0, true) };
}

/** Where calls waited, when the evidence shows it: queued I/O, or the event loop. */
function whereCallsWaited(
  levels: number[],
  io: number[][],
  blocks: number[],
  latencies: number[][],
): string[] {
  const out: string[] = [];
  const first = io[0] ?? [];
  const last = io[io.length - 1] ?? [];
  if (first.length && last.length) {
    const from = medianOf(first);
    const to = medianOf(last);
    if (to > 3 * from && to - from > 1) {
      out.push(
        `Queued I/O: the calls' queries and requests took ${formatMs(from)} (median) at concurrency ${levels[0]} and ` +
          `${formatMs(to)} at ${levels[levels.length - 1]}: they wait for a connection or a downstream that serves one at a time.`,
      );
    }
  }
  // A block explains the wait only if it is long next to the wait itself: a 5 ms hiccup of a busy
  // machine under a 160 ms queue for a lock is noise, a 190 ms stretch under a 100 ms median is not.
  const worst = blocks[blocks.length - 1] ?? 0;
  const waited = medianOf(latencies[latencies.length - 1] ?? []);
  if (worst >= 5 && worst >= waited / 2) {
    out.push(
      `Event loop: blocked for up to ${formatMs(worst)} at a time: synchronous work runs one call at a time, whatever the concurrency.`,
    );
  }
  return out;
}

async function concurrencyScale(
  this: MatcherContext,
  fn: (input: unknown) => unknown,
  spec: ScaleSpec,
  opts: ReturnType<typeof parseOptions>,
): Promise<MatcherResult> {
  const levels = [...(spec.concurrency as readonly number[])];
  const limit = spec.duration as GrowthClass;
  const input = spec.input?.(1);
  const call = () => fn(input);
  // Warm up, then rounds at every level until each has enough calls or its share of maxTime.
  const loop = new EventLoopProbe();
  loop.enable();
  const samples: number[][] = levels.map(() => []);
  const io: number[][] = levels.map(() => []);
  const blocks: number[] = levels.map(() => 0);
  let calls = 0;
  try {
    await concurrentRound(call, Math.min(4, Math.max(...levels)), loop);
    const share = opts.maxTimeMs / levels.length;
    for (const [i, level] of levels.entries()) {
      const until = now() + share;
      do {
        const round = await concurrentRound(call, level, loop);
        (samples[i] as number[]).push(...round.latencies);
        (io[i] as number[]).push(...round.io);
        blocks[i] = Math.max(blocks[i] as number, round.blockMs);
        calls += level;
      } while ((samples[i] as number[]).length < 30 && now() < until);
    }
  } finally {
    loop.disable();
  }
  const evidence = whereCallsWaited(levels, io, blocks, samples);
  const exponent = timeExponent(levels, samples, 1 - opts.confidence);
  const band = TIME_EXPONENT[limit];
  const status: VerdictStatus = exponent.hi <= band ? 'pass' : exponent.lo > band ? 'fail' : 'inconclusive';
  const pass = status === 'pass' || (status === 'inconclusive' && opts.inconclusive === 'pass');
  const medians = samples.map(medianOf);
  const isNot = this.isNot ?? false;
  return {
    pass,
    message: () =>
      [
        `expect(fn)${isNot ? '.not' : ''}.toScale(spec)`,
        '',
        status === 'fail'
          ? `Per-call latency grows too fast with concurrency (${calls} calls made).`
          : status === 'inconclusive'
            ? `Growth with concurrency undecided (${calls} calls made).`
            : `Per-call latency held its growth with concurrency (${calls} calls made).`,
        '',
        `    ${'concurrency'.padEnd(12)}${levels.map((n) => String(n).padStart(9)).join('')}`,
        `  ${status === 'pass' ? '✓' : status === 'fail' ? '✗' : '?'} ${'duration'.padEnd(12)}${medians.map((v) => formatMs(v).padStart(9)).join('')}   ${sparkline(medians)}`,
        '',
        `  duration: grows k = ${exponent.k.toFixed(2)} (${Math.round(opts.confidence * 100)}% CI ${exponent.lo.toFixed(2)}–${exponent.hi.toFixed(2)}); allowed ${limit} (latency ∝ concurrency^k, k ≤ ${band})`,
        ...(status === 'fail' && evidence.length ? ['', ...evidence] : []),
        ...(status === 'fail'
          ? [
              '',
              'Hint: calls wait for each other: a lock or mutex around slow work, a connection pool of one, or a synchronous section. Narrow the critical section, or raise the pool size.',
            ]
          : []),
      ].join('\n'),
  };
}

function sparkline(values: number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const max = Math.max(...values);
  const min = Math.min(...values);
  return values.map((v) => bars[max === min ? 0 : Math.round(((v - min) / (max - min)) * 7)]).join('');
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
      pass: status === 'pass' || (status === 'inconclusive' && opts.inconclusive === 'pass'),
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
