import { processWide } from '../measure/scope.js';
import type { Measurement, Verdict } from '../types.js';

/** One judged contract, as reporters receive it. */
export interface ContractResult {
  matcher: string;
  measurement: Measurement;
  verdicts: Verdict[];
  pass: boolean;
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
