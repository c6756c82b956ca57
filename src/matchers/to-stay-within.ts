import { judge } from '../budget/judge.js';
import { metricsOf, type ParsedOptions, parseBudget, parseOptions } from '../budget/parse.js';
import { errorMessage, HeadroomError } from '../errors.js';
import { type Explanation, formatMessage } from '../format/message.js';
import { now } from '../measure/clock.js';
import { checkFn, runMeasurement } from '../measure/measure.js';
import { CallScope, callInScope, closeScope } from '../measure/scope.js';
import { settle } from '../measure/virtual-time.js';
import { explainAllocated } from '../probes/explain-allocated.js';
import { explainBlock } from '../probes/explain-block.js';
import type { Budget, Measurement, MeasureOptions, Verdict } from '../types.js';
import { holds, type MatcherContext, type MatcherResult } from './context.js';
import { notifyResult } from './results.js';

/** True for an object returned by `measure()`. */
export function isMeasurement(value: unknown): value is Measurement {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'headroom.measurement'
  );
}

/** Runs `fn` once more in a scope of its own, for a rich probe. */
async function rerun(fn: () => unknown): Promise<{ syncMs: number }> {
  const scope = new CallScope('context');
  const t0 = now();
  try {
    const result = callInScope(scope, fn);
    const syncMs = now() - t0;
    await settle(result, 10_000);
    return { syncMs };
  } finally {
    closeScope(scope);
  }
}

async function explain(fn: () => unknown, verdicts: Verdict[]): Promise<Explanation> {
  const failed = new Set(verdicts.filter((v) => v.status === 'fail').map((v) => v.metric));
  const explanation: Explanation = {};
  try {
    if (failed.has('eventLoopBlock')) explanation.block = await explainBlock(() => rerun(fn));
    if (failed.has('allocated')) explanation.allocations = await explainAllocated(() => rerun(fn));
  } catch (error) {
    const reason = errorMessage(error);
    (explanation.unavailable ??= []).push(`the explaining re-run failed (${reason}).`);
  }
  return explanation;
}

/** Warns that inconclusive verdicts passed (unless the options make them fail). */
export function warnInconclusive(
  verdicts: Verdict[],
  testName: string | undefined,
  options: ParsedOptions,
): void {
  const undecided = verdicts.filter((v) => v.status === 'inconclusive');
  if (undecided.length === 0 || options.inconclusive === 'fail') return;
  const names = undecided.map((v) => (v.part ? `${v.metric} (${v.part})` : v.metric)).join(', ');
  // Times run out of maxTime; a block is undecided by the probe's resolution, which time cannot fix.
  const byTime = undecided.some((v) => v.metric !== 'eventLoopBlock');
  console.warn(
    `[headroom] ${testName ? `"${testName}": ` : ''}${names} inconclusive${byTime ? ' within maxTime' : ' (within the probe’s resolution of the limit)'}; passing. ` +
      `${byTime ? 'Raise maxTime, move' : 'Move'} the limit away from the typical value, or set inconclusive: 'fail'.`,
  );
}

/**
 * `await expect(fn).toStayWithin(budget, options?)`: measures `fn` with the probes the budget
 * needs and checks every metric. `expect(measurement).toStayWithin(budget)` judges a measurement
 * taken earlier with `measure()`.
 */
export async function toStayWithin(
  this: MatcherContext,
  received: unknown,
  budget: Budget,
  options?: MeasureOptions,
): Promise<MatcherResult> {
  const parsed = parseBudget(budget);
  const opts = parseOptions(options);
  if (opts.metrics !== undefined) {
    throw new HeadroomError(
      'HEADROOM_ERR_UNKNOWN_KEY',
      'Failed to read the options: `metrics` is an option of measure(), not of the matchers. ' +
        'Please drop it: the matcher measures exactly the metrics its budget names.',
    );
  }
  let measurement: Measurement;
  let fn: (() => unknown) | undefined;
  if (isMeasurement(received)) {
    measurement = received;
  } else {
    checkFn(received);
    fn = received;
    measurement = await runMeasurement(fn, {
      metrics: new Set(metricsOf(parsed)),
      options: opts,
      budget: parsed,
    });
  }
  if (measurement.testName === undefined && this.currentTestName) measurement.testName = this.currentTestName;
  const verdicts = judge(measurement, parsed, { countTransactionControl: opts.countTransactionControl });
  const pass = verdicts.every((v) => holds(v.status, opts.inconclusive));
  let explanation: Explanation | undefined;
  if (!pass && !this.isNot && fn && opts.explain) explanation = await explain(fn, verdicts);
  if (pass) warnInconclusive(verdicts, measurement.testName, opts);
  const isNot = this.isNot ?? false;
  notifyResult({
    matcher: 'toStayWithin',
    measurement,
    verdicts,
    pass,
    isNot,
    ...(measurement.testName !== undefined ? { testName: measurement.testName } : {}),
    ...(measurement.label !== undefined ? { label: measurement.label } : {}),
  });
  return {
    pass,
    measurement,
    message: () =>
      formatMessage({
        matcher: 'toStayWithin',
        received: fn ? 'fn' : 'measurement',
        isNot,
        verdicts,
        measurement,
        countTransactionControl: opts.countTransactionControl,
        maxTimeMs: opts.maxTimeMs,
        inconclusive: opts.inconclusive,
        ...(explanation ? { explanation } : {}),
      }),
  };
}
