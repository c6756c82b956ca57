import { parseOptions } from '../budget/parse.js';
import { HeadroomError, show } from '../errors.js';
import { formatBytes, formatMs } from '../format/units.js';
import { now } from '../measure/clock.js';
import { checkFn, createSampler } from '../measure/measure.js';
import { alphaPerLook, MAX_LOOKS, MAX_SAMPLES, mayLookAgain, nextLook } from '../measure/sampling.js';
import { quantileIntervalIndices, sorted } from '../stats/quantiles.js';
import type { MeasureOptions, VerdictStatus } from '../types.js';
import { holds, type MatcherContext, type MatcherResult } from './context.js';
import { notifyResult } from './results.js';

/** Options of `toBeFasterThan`, beyond those every matcher takes. */
export interface FasterOptions extends MeasureOptions {
  /**
   * How many times faster (or leaner) `fn` must be: 1.5 means `fn` takes at most 2/3 of what
   * `other` takes.
   * @defaultValue 1
   */
  by?: number;
  /**
   * What is compared: wall time, CPU time, or JS heap bytes allocated per call.
   * @defaultValue `'duration'`
   */
  metric?: 'duration' | 'cpu' | 'allocated';
}

interface Comparison {
  status: VerdictStatus;
  /** The median ratio other / fn: how many times faster fn is. */
  speedup: number;
  interval?: [number, number];
  pairs: number;
  a: number;
  b: number;
}

/**
 * The ratio other/fn from paired samples: the median of the per-pair log ratios, with an exact
 * binomial interval on it (distribution-free, like the quantile intervals of `duration`).
 */
function compare(a: number[], b: number[], by: number, alpha: number): Comparison {
  const eps = 1e-9;
  const logs = sorted(a.map((x, i) => Math.log(((b[i] as number) + eps) / (x + eps))));
  const n = logs.length;
  const mid = logs[Math.floor((n - 1) / 2)] ?? 0;
  const { lower, upper } = quantileIntervalIndices(n, 0.5, alpha);
  const lo = lower >= 0 ? Math.exp(logs[lower] as number) : 0;
  const hi = upper < n ? Math.exp(logs[upper] as number) : Number.POSITIVE_INFINITY;
  let status: VerdictStatus = 'inconclusive';
  if (lo >= by) status = 'pass';
  else if (hi < by) status = 'fail';
  const medianOf = (xs: number[]) => sorted(xs)[Math.floor((xs.length - 1) / 2)] ?? 0;
  return { status, speedup: Math.exp(mid), interval: [lo, hi], pairs: n, a: medianOf(a), b: medianOf(b) };
}

function times(x: number): string {
  if (!Number.isFinite(x)) return '∞×';
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

/**
 * `await expect(fn).toBeFasterThan(other, { by?, metric?, confidence? })`: both functions measured
 * interleaved in one run (A B B A …, so drift and load hit both alike), the ratio judged with a
 * confidence interval on the median of paired ratios. Fails only when confident; inconclusive
 * (a warning, or a failure with `inconclusive: 'fail'`) when `maxTime` runs out first.
 */
export async function toBeFasterThan(
  this: MatcherContext,
  received: unknown,
  other: unknown,
  options: FasterOptions = {},
): Promise<MatcherResult> {
  checkFn(received);
  if (typeof other !== 'function') {
    throw new HeadroomError(
      'HEADROOM_ERR_NOT_A_FUNCTION',
      `Failed to compare: the function to compare with is ${show(other)}. ` +
        'Please pass a function, e.g. `expect(fast).toBeFasterThan(() => slow(input))`.',
    );
  }
  const { by = 1, metric = 'duration', ...rest } = options ?? {};
  if (typeof by !== 'number' || !(by > 0) || !Number.isFinite(by)) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_OPTION',
      `Failed to read the options: \`by\` is ${show(by)}. Please give a number above 0, such as 1.5.`,
    );
  }
  if (metric !== 'duration' && metric !== 'cpu' && metric !== 'allocated') {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_OPTION',
      `Failed to read the options: \`metric\` is ${show(metric)}. Please use 'duration', 'cpu' or 'allocated'.`,
    );
  }
  const opts = parseOptions(rest);
  const started = now();
  const fn = received;
  const otherFn = other as () => unknown;
  const a: number[] = [];
  const b: number[] = [];
  const samplers = new Map([
    [fn, createSampler(fn, opts, metric)],
    [otherFn, createSampler(otherFn, opts, metric)],
  ]);
  const sample = (f: () => unknown): Promise<number> => (samplers.get(f) as () => Promise<number>)();
  // Warm both up alike, then pairs in alternating order.
  const warmup = opts.warmup === 'auto' ? 3 : opts.warmup;
  for (let i = 0; i < warmup; i++) {
    await sample(fn);
    await sample(otherFn);
  }
  const fixed = opts.iterations === 'auto' ? undefined : opts.iterations;
  const sequential = fixed === undefined;
  const deadline = now() + opts.maxTimeMs;
  let look = nextLook(0);
  let looks = 0;
  let result: Comparison | undefined;
  for (let round = 0; ; round++) {
    if (round % 2 === 0) {
      a.push(await sample(fn));
      b.push(await sample(otherFn));
    } else {
      b.push(await sample(otherFn));
      a.push(await sample(fn));
    }
    const n = a.length;
    if (fixed !== undefined) {
      if (n >= fixed) break;
      continue;
    }
    if (n >= look && mayLookAgain(looks)) {
      look = nextLook(n);
      looks++;
      result = compare(a, b, by, alphaPerLook(opts.confidence, true));
      if (result.status !== 'inconclusive') break;
    }
    if (now() >= deadline || n >= MAX_SAMPLES) {
      result = undefined;
      break;
    }
  }
  if (!result) {
    const alpha = 1 - opts.confidence;
    result = compare(a, b, by, sequential ? alpha * (1 - looks / MAX_LOOKS) : alpha);
  }
  const r = result;
  const pass = holds(r.status, opts.inconclusive);
  if (r.status === 'inconclusive' && pass) {
    console.warn(
      `[headroom] ${this.currentTestName ? `"${this.currentTestName}": ` : ''}toBeFasterThan inconclusive within maxTime; passing.`,
    );
  }
  const unit = metric === 'allocated' ? formatBytes : formatMs;
  const what = metric === 'allocated' ? 'leaner' : 'faster';
  const not = this.isNot ? '.not' : '';
  notifyResult({
    matcher: 'toBeFasterThan',
    verdicts: [],
    pass,
    isNot: this.isNot ?? false,
    ...(this.currentTestName ? { testName: this.currentTestName } : {}),
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    rows: [
      {
        metric,
        part: 'speedup',
        unit: 'ratio',
        limit: by,
        measured: r.speedup,
        headroomPct: (r.speedup / by - 1) * 100,
        status: r.status,
        limitText: `${times(by)} ${what}`,
        measuredText: `${times(r.speedup)} ${what}`,
        evidence: `${r.pairs} interleaved pairs; fn ${unit(r.a)}, other ${unit(r.b)} (median)`,
        ...(r.interval ? { interval: r.interval } : {}),
      },
    ],
    calls: 2 * (r.pairs + warmup),
    elapsedMs: now() - started,
  });
  return {
    pass,
    message: () => {
      const [lo, hi] = r.interval ?? [0, Number.POSITIVE_INFINITY];
      const level = `${Math.round(opts.confidence * 1000) / 10}%`;
      const verdict =
        r.status === 'inconclusive'
          ? `Undecided within maxTime ${formatMs(opts.maxTimeMs)}: the interval spans the required ${times(by)}.`
          : this.isNot
            ? `Expected fn not to be ${times(by)} ${what} than the other, but it is.`
            : `Expected fn to be ${times(by)} ${what} than the other, but it is not.`;
      return [
        `expect(fn)${not}.toBeFasterThan(other${by !== 1 ? `, { by: ${by} }` : ''})`,
        '',
        verdict,
        '',
        `  fn      ${unit(r.a)} (median ${metric})`,
        `  other   ${unit(r.b)} (median ${metric})`,
        `  fn is ${times(r.speedup)} ${what} (${level} CI ${times(lo)}–${times(hi)}, ${r.pairs} interleaved pairs); required ${times(by)}`,
      ].join('\n');
    },
  };
}
