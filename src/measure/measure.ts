import { judgeTimeStatistic } from '../budget/judge.js';
import { type ParsedBudget, type ParsedOptions, parseOptions } from '../budget/parse.js';
import { errorMessage, HeadroomError, show } from '../errors.js';
import { AllocationProbe } from '../probes/allocated.js';
import { cpuProbe } from '../probes/cpu.js';
import { cpuWaitAvailable, cpuWaitProbe } from '../probes/cpu-wait.js';
import { EventLoopProbe } from '../probes/event-loop.js';
import { emptyYoungGeneration, measureRetained } from '../probes/retained.js';
import { timeProbe } from '../probes/time.js';
import { statisticInterval, summarize } from '../stats/quantiles.js';
import type { MeasureFnOptions, Measurement, MetricName, TimeStatistic } from '../types.js';
import { now } from './clock.js';
import { resolveCallSites } from './recorder.js';
import { alphaPerLook, MAX_SAMPLES, mayLookAgain, nextLook } from './sampling.js';
import { CallScope, callInScope, closeScope, isThenable, runtime } from './scope.js';
import { fakeClock, settleWithClock } from './virtual-time.js';

/** What the engine measures, and against which budget it may stop early. */
export interface Plan {
  metrics: ReadonlySet<MetricName>;
  options: ParsedOptions;
  /** With a budget, sampling stops once every time verdict is certain. */
  budget?: ParsedBudget;
}

interface CallProbes {
  cpu?: boolean;
  wait?: boolean;
  allocated?: boolean;
  block?: boolean;
}

interface CallResult {
  scope: CallScope;
  durationMs: number;
  cpuMs: number;
  waitMs: number;
  allocatedBytes: number;
  blockMs: number;
  /** True when `blockMs` was timed directly (the synchronous part was the longest block). */
  blockExact: boolean;
}

/** The metrics `measure()` takes when none are named. */
export const DEFAULT_METRICS: MetricName[] = ['duration', 'cpu', 'eventLoopBlock', 'allocated'];

function fnThrew(error: unknown, call: number): HeadroomError {
  const what = errorMessage(error, true);
  return new HeadroomError(
    'HEADROOM_ERR_FN_THREW',
    `Failed to measure the function: it threw on call ${call} (${what}). ` +
      'Please make it succeed when called repeatedly, or assert its error with toThrow()/rejects instead.',
    { cause: error },
  );
}

/** The test name provided by a runner entry, if one is loaded. */
export function currentTestName(): string | undefined {
  return runtime.testName?.();
}

class Engine {
  readonly elp = new EventLoopProbe();
  readonly alloc = new AllocationProbe();
  calls = 0;

  constructor(
    readonly fn: () => unknown,
    readonly options: ParsedOptions,
  ) {}

  /** One call of `fn` in its own scope, with the probes asked for. */
  async call(probes: CallProbes): Promise<CallResult> {
    const number = ++this.calls;
    const scope = new CallScope(this.options.attribution, this.options.label);
    if (probes.block) await this.elp.start();
    if (probes.allocated) {
      // Empty the young generation first, so that a scavenge rarely falls inside the window.
      emptyYoungGeneration();
      this.alloc.start();
    }
    const cpu0 = probes.cpu ? cpuProbe.start() : undefined;
    const wait0 = probes.wait ? cpuWaitProbe.start() : 0;
    const clock = fakeClock();
    const virtualStart = clock?.now ?? 0;
    const t0 = timeProbe.start();
    let result: unknown;
    let failed = false;
    let error: unknown;
    try {
      result = callInScope(scope, this.fn);
    } catch (e) {
      failed = true;
      error = e;
    }
    const syncMs = timeProbe.stop(t0);
    const async = !failed && isThenable(result);
    if (async) {
      try {
        if (clock) await settleWithClock(result as PromiseLike<unknown>, clock, this.options.maxTimeMs);
        await result;
      } catch (e) {
        if (e instanceof HeadroomError && e.code === 'HEADROOM_ERR_NOT_SETTLED') {
          closeScope(scope);
          throw e;
        }
        failed = true;
        error = e;
      }
    }
    // Under fake timers, wall time is the virtual clock's.
    const durationMs = clock ? clock.now - virtualStart : timeProbe.stop(t0);
    const cpuMs = cpu0 ? cpuProbe.stop(cpu0) : 0;
    // Under fake timers the duration is virtual: waiting for a CPU takes no virtual time.
    const waitMs = probes.wait && !clock ? cpuWaitProbe.stop(wait0) : 0;
    const allocatedBytes = probes.allocated ? this.alloc.stop() : 0;
    closeScope(scope);
    if (failed) throw fnThrew(error, number);
    const blockMs = probes.block ? await this.elp.stop(syncMs, async) : 0;
    // The synchronous part is timed by the clock; only a block the ticker saw is known to ±0.5 ms.
    const blockExact = !async || blockMs === syncMs;
    return { scope, durationMs, cpuMs, waitMs, allocatedBytes, blockMs, blockExact };
  }
}

/**
 * A sampler of one metric of one function, one call per sample, each in its own scope: what
 * `toBeFasterThan` interleaves. `allocated` samples empty the young generation first, as the
 * `allocated` probe does.
 */
export function createSampler(
  fn: () => unknown,
  options: ParsedOptions,
  metric: 'duration' | 'cpu' | 'allocated',
): () => Promise<number> {
  const engine = new Engine(fn, options);
  const probes: CallProbes =
    metric === 'allocated' ? { allocated: true } : metric === 'cpu' ? { cpu: true } : { wait: false };
  return async () => {
    const r = await engine.call(probes);
    return metric === 'allocated' ? r.allocatedBytes : metric === 'cpu' ? r.cpuMs : r.durationMs;
  };
}

function timeStatistics(budget: ParsedBudget | undefined): [MetricName, TimeStatistic, number][] {
  const out: [MetricName, TimeStatistic, number][] = [];
  for (const metric of ['duration', 'cpu'] as const) {
    for (const [stat, limit] of Object.entries(budget?.[metric] ?? {})) {
      out.push([metric, stat as TimeStatistic, limit as number]);
    }
  }
  return out;
}

/**
 * Runs the measurement protocol:
 * 1. the first call, which counts (queries, requests, round trips) and is sampled for
 *    `allocated` and `eventLoopBlock`; when it exceeds their budget, two more calls confirm it
 *    (the verdict takes the median of allocations and the least of blocks, so one noisy call
 *    neither fails nor passes a contract);
 * 2. for time metrics, warm-up calls, then adaptive sampling until every time verdict is
 *    certain, `maxTime` is spent, or the fixed `iterations` are done;
 * 3. for `retained`, rounds of calls separated by full garbage collections.
 */
export async function runMeasurement(fn: () => unknown, plan: Plan): Promise<Measurement> {
  const { options, budget, metrics } = plan;
  const wants = (m: MetricName) => metrics.has(m);
  const engine = new Engine(fn, options);
  const started = now();
  const samples: Measurement['samples'] = {
    durationMs: [],
    cpuMs: [],
    eventLoopBlockMs: [],
    allocatedBytes: [],
  };
  const perCall: CallProbes = { allocated: wants('allocated'), block: wants('eventLoopBlock') };
  const timed = wants('duration') || wants('cpu');
  let warmupCalls = 0;
  let stoppedBy: Measurement['stoppedBy'];
  let sequential = false;
  let looks = 0;
  let retained: Measurement['retained'];

  if (perCall.block) engine.elp.enable();
  let first: CallResult;
  try {
    first = await engine.call(perCall);
    const pushPerCall = (r: CallResult) => {
      if (perCall.allocated) samples.allocatedBytes.push(r.allocatedBytes);
      if (perCall.block) {
        samples.eventLoopBlockMs.push(r.blockMs);
        (samples.eventLoopBlockExact ??= []).push(r.blockExact);
      }
    };
    pushPerCall(first);
    const exceeded =
      (perCall.allocated && budget?.allocated !== undefined && first.allocatedBytes > budget.allocated) ||
      (perCall.block && budget?.eventLoopBlock !== undefined && first.blockMs > budget.eventLoopBlock);
    if ((perCall.allocated || perCall.block) && (budget === undefined || exceeded)) {
      for (let i = 0; i < 2; i++) pushPerCall(await engine.call(perCall));
    }
    engine.elp.disable();

    if (timed) {
      const deadline = now() + options.maxTimeMs;
      const warmupEnd = now() + options.maxTimeMs * 0.05;
      const warmup = options.warmup;
      while (
        warmup === 'auto' ? warmupCalls < 1 || (warmupCalls < 50 && now() < warmupEnd) : warmupCalls < warmup
      ) {
        await engine.call({});
        warmupCalls++;
      }
      const statistics = timeStatistics(budget);
      const fixed = options.iterations === 'auto' ? undefined : options.iterations;
      sequential = fixed === undefined && statistics.length > 0;
      const alpha = alphaPerLook(options.confidence, sequential);
      const decided = (): boolean => {
        if (statistics.length === 0) {
          // No budget to decide: stop once the median is known within ±2.5%.
          const [lo, hi] = statisticInterval(samples.durationMs, 'median', alpha);
          const mid = (lo + hi) / 2;
          return Number.isFinite(lo) && Number.isFinite(hi) && hi - lo <= 0.05 * mid;
        }
        return statistics.every(([metric, stat, limit]) => {
          const values = metric === 'duration' ? samples.durationMs : samples.cpuMs;
          const wait = metric === 'duration' ? samples.cpuWaitMs : undefined;
          return judgeTimeStatistic(values, stat, limit, alpha, wait).status !== 'inconclusive';
        });
      };
      let look = nextLook(0);
      const probes: CallProbes = { cpu: wants('cpu'), wait: wants('duration') && cpuWaitAvailable() };
      if (probes.wait) samples.cpuWaitMs = [];
      for (;;) {
        const r = await engine.call(probes);
        samples.durationMs.push(r.durationMs);
        samples.cpuWaitMs?.push(r.waitMs);
        if (probes.cpu) samples.cpuMs.push(r.cpuMs);
        const n = samples.durationMs.length;
        if (fixed !== undefined) {
          if (n >= fixed) {
            stoppedBy = 'iterations';
            break;
          }
          continue;
        }
        if (n >= look && mayLookAgain(looks)) {
          look = nextLook(n);
          looks++;
          if (decided()) {
            stoppedBy = 'certain';
            break;
          }
        }
        if (now() >= deadline || n >= MAX_SAMPLES) {
          stoppedBy = 'maxTime';
          break;
        }
      }
      if (!wants('duration')) {
        samples.durationMs.length = 0;
        delete samples.cpuWaitMs;
      }
    }

    if (wants('retained')) {
      retained = await measureRetained(async () => {
        await engine.call({});
      });
    }
  } finally {
    engine.elp.disable();
  }

  resolveCallSites(first.scope.events);
  resolveCallSites(first.scope.outside);
  const measurement: Measurement = {
    kind: 'headroom.measurement',
    metrics: [...metrics],
    calls: engine.calls,
    warmupCalls,
    samples,
    stats: {},
    events: first.scope.events,
    outside: first.scope.outside,
    attribution: options.attribution,
    elapsedMs: now() - started,
    confidence: options.confidence,
    sequential,
    looks,
  };
  if (samples.durationMs.length) measurement.stats.duration = summarize(samples.durationMs);
  if (samples.cpuMs.length) measurement.stats.cpu = summarize(samples.cpuMs);
  if (retained) measurement.retained = retained;
  if (stoppedBy) measurement.stoppedBy = stoppedBy;
  if (options.label !== undefined) measurement.label = options.label;
  const testName = currentTestName();
  if (testName !== undefined) measurement.testName = testName;
  return measurement;
}

function checkFn(fn: unknown): asserts fn is () => unknown {
  if (typeof fn !== 'function') {
    throw new HeadroomError(
      'HEADROOM_ERR_NOT_A_FUNCTION',
      `Failed to measure: expected a function, received ${show(fn)}. ` +
        'Please pass the code under test wrapped in a function, e.g. `measure(() => orders.list(userId))`.',
    );
  }
}

/**
 * Measures a function (sync or async): calls it under a measurement scope with the probes the
 * named metrics need, and returns everything found. Judge it later with
 * `expect(measurement).toStayWithin(budget)`, or read its samples and events directly.
 *
 * @example
 * const m = await measure(() => parse(big), { metrics: ['duration', 'allocated'] });
 * m.stats.duration?.median // milliseconds
 */
export async function measure(fn: () => unknown, options: MeasureFnOptions = {}): Promise<Measurement> {
  checkFn(fn);
  const parsed = parseOptions(options);
  return runMeasurement(fn, { metrics: new Set(parsed.metrics ?? DEFAULT_METRICS), options: parsed });
}

export { checkFn };
