import { processWide } from '../measure/scope.js';
import type { ReportMetric, ReportScale } from '../report/schema.js';
import type { Measurement, Verdict } from '../types.js';

/** One judged contract, as reporters receive it. */
export interface ContractResult {
  matcher: 'toStayWithin' | 'toScale' | 'toBeFasterThan' | 'toMatchPerformanceBaseline';
  /** The measurement judged (`toStayWithin`, `toMatchPerformanceBaseline`). */
  measurement?: Measurement;
  /** The verdicts on budget metrics (empty for `toScale` and `toBeFasterThan`: see `rows`). */
  verdicts: Verdict[];
  /** The matcher's verdict, before `.not` is applied. */
  pass: boolean;
  /** True when the matcher was called through `.not`. */
  isNot?: boolean;
  /** The running test's full name, when a runner entry is loaded. */
  testName?: string;
  /** The `label` option. */
  label?: string;
  /** Rows that are not budget verdicts: `toScale` growth classes, `toBeFasterThan` ratios. */
  rows?: ReportMetric[];
  /** `toScale`'s growth curves. */
  scale?: ReportScale;
  /** Calls made to the measured functions, when there is no single measurement. */
  calls?: number;
  /** Wall time the matcher took, when there is no single measurement. */
  elapsedMs?: number;
}

type Listener = (result: ContractResult) => void;
const LISTENERS = Symbol.for('headroom.result-listeners.v1');

function listeners(): Set<Listener> {
  return (processWide[LISTENERS] ??= new Set()) as Set<Listener>;
}

/**
 * Subscribes to every contract judged in this process (for reporters and custom tooling).
 * Returns a function that unsubscribes.
 *
 * @example const off = onResult((r) => console.log(r.measurement.testName, r.pass));
 */
export function onResult(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

/** Hands a judged contract to every listener. */
export function notifyResult(result: ContractResult): void {
  for (const listener of listeners()) {
    try {
      listener(result);
    } catch (error) {
      // A reporter's bug must not fail the user's test.
      console.error('[headroom] an onResult listener threw:', error);
    }
  }
}
