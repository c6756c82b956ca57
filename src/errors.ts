/**
 * Typed errors with stable codes. Misuse of headroom (a bad budget, a bad option, a matcher that
 * was not awaited) is never a budget failure: it throws one of these, written
 * "Failed to X: reason. Please Y.", so that the fix is in the message.
 *
 * The table in README.md ("Error codes") is kept in step with {@link ERROR_CODES} by a test.
 */

/** Every code headroom throws, with the one-line meaning documented in README.md. */
export const ERROR_CODES = {
  HEADROOM_ERR_UNKNOWN_KEY: 'A budget or options object has a key headroom does not know.',
  HEADROOM_ERR_INVALID_LIMIT: 'A limit is negative, not finite, or of the wrong type.',
  HEADROOM_ERR_INVALID_UNIT: 'A time or byte string has a unit headroom cannot parse.',
  HEADROOM_ERR_INVALID_OPTION: 'A measurement option has a value outside its allowed range.',
  HEADROOM_ERR_EMPTY_BUDGET: 'A budget names no metric at all.',
  HEADROOM_ERR_NOT_A_FUNCTION: 'The value under test is neither a function nor a Measurement.',
  HEADROOM_ERR_NOT_MEASURED: 'A Measurement is judged on a metric that it did not measure.',
  HEADROOM_ERR_NOT_AWAITED: 'A headroom matcher was still running when its test ended.',
  HEADROOM_ERR_FN_THREW: 'The function under test threw or rejected while it was measured.',
  HEADROOM_ERR_NO_GC: 'A full garbage collection could not be triggered for the retained probe.',
  HEADROOM_ERR_NOT_SETTLED:
    'Under fake timers, the measured call was still pending after maxTime of real time.',
  HEADROOM_ERR_BAD_FILE:
    'A baseline, report or history file is corrupt, of another schema or newer version, or locked.',
  HEADROOM_ERR_NO_BASELINE: 'A baseline is missing and may not be written (CI, or an update mode of none).',
} as const;

/** A stable error code; see {@link ERROR_CODES}. */
export type HeadroomErrorCode = keyof typeof ERROR_CODES;

/**
 * The error headroom throws for misuse. `code` is stable across versions; match on it, not on
 * the message.
 *
 * @example
 * try { parseBudget({ querys: 2 }) } catch (e) { if (e instanceof HeadroomError) e.code }
 */
export class HeadroomError extends Error {
  /** Stable code, one of {@link ERROR_CODES}. */
  readonly code: HeadroomErrorCode;

  constructor(code: HeadroomErrorCode, message: string, options?: { cause?: unknown }) {
    // The code ends the message: test runners print name and message, not `code`.
    super(`${message} (${code})`, options);
    this.name = 'HeadroomError';
    this.code = code;
  }
}

/** Levenshtein distance, for did-you-mean suggestions on misspelt keys. */
export function editDistance(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  let prev = Array.from({ length: lb + 1 }, (_, j) => j);
  for (let i = 1; i <= la; i++) {
    const cur = [i];
    for (let j = 1; j <= lb; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[lb] ?? 0;
}

/** The closest known key to `key`, if it is close enough to be a likely typo. */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const allowed = Math.max(2, Math.floor(key.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Renders a user-supplied value for an error message, briefly. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof RegExp) return String(value);
  if (value === null || typeof value !== 'object') return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The message of an error from any realm (`instanceof Error` fails for errors of Node's own
 * modules inside jest), prefixed with its name when `withName` is set; any other value, shown.
 */
export function errorMessage(error: unknown, withName = false): string {
  if (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    const { name, message } = error as { name?: unknown; message: string };
    return withName && typeof name === 'string' && name ? `${name}: ${message}` : message;
  }
  return typeof error === 'string' ? error : show(error);
}
