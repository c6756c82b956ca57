/**
 * `headroom/fast-check`: performance contracts as fast-check properties. A budget violation is a
 * counterexample, so fast-check shrinks it to the smallest input that breaks the budget — "3
 * orders are enough to exceed `queries: 2`". Node only.
 */
import fc from 'fast-check';
import { judge } from '../../src/budget/judge.js';
import { metricsOf, parseBudget, parseOptions } from '../../src/budget/parse.js';
import { HeadroomError, show } from '../../src/errors.js';
import { formatMessage } from '../../src/format/message.js';
import { runMeasurement } from '../../src/measure/measure.js';
import type { Budget, Measurement, MeasureOptions, Verdict } from '../../src/types.js';

/** The error a failing run throws: the usual message, and the input and measurement behind it. */
export class BudgetExceeded<T> extends Error {
  constructor(
    message: string,
    readonly input: T,
    readonly measurement: Measurement,
    readonly verdicts: Verdict[],
  ) {
    super(message);
    this.name = 'BudgetExceeded';
  }
}

/**
 * A fast-check property that measures `fn(input)` for generated inputs and fails when the budget
 * is exceeded; `fc.assert` then shrinks to the smallest input that exceeds it, and reports headroom's
 * message for that input as the error's `cause` (printed by vitest and jest as "Caused by"). Count-
 * only budgets call `fn` once per input; time budgets sample, so keep `numRuns` small for them.
 *
 * @example
 * import fc from 'fast-check';
 * import { perfProperty } from 'headroom/fast-check';
 * await fc.assert(perfProperty(fc.array(orderArb), (orders) => renderInvoices(orders), { queries: 2 }));
 */
export function perfProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  fn: (input: T) => unknown,
  budget: Budget,
  options?: MeasureOptions,
): fc.IAsyncPropertyWithHooks<[T]> {
  if (typeof fn !== 'function') {
    throw new HeadroomError(
      'HEADROOM_ERR_NOT_A_FUNCTION',
      `Failed to build the property: expected a function of the input, received ${show(fn)}. ` +
        'Please pass `(input) => codeUnderTest(input)`.',
    );
  }
  const parsed = parseBudget(budget);
  const opts = parseOptions(options);
  const metrics = new Set(metricsOf(parsed));
  return fc.asyncProperty(arbitrary, async (input) => {
    const measurement = await runMeasurement(() => fn(input), { metrics, options: opts, budget: parsed });
    const verdicts = judge(measurement, parsed, { countTransactionControl: opts.countTransactionControl });
    const failed = verdicts.some(
      (v) => v.status === 'fail' || (v.status === 'inconclusive' && opts.inconclusive === 'fail'),
    );
    if (failed) {
      const message = formatMessage({
        head: 'perfProperty(arbitrary, fn, budget)',
        matcher: 'perfProperty',
        received: 'fn',
        isNot: false,
        verdicts,
        measurement,
        countTransactionControl: opts.countTransactionControl,
        maxTimeMs: opts.maxTimeMs,
        inconclusive: opts.inconclusive,
      });
      throw new BudgetExceeded(`${message}\n\nInput: ${fc.stringify(input)}`, input, measurement, verdicts);
    }
  });
}
