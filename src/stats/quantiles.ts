import type { TimeStatistic, TimeStats } from '../types.js';

/** Sorted copy, ascending. */
export function sorted(values: readonly number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[];
}

/**
 * The p-quantile of ascending `xs` (linear interpolation between order statistics, type 7).
 *
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(xs: ArrayLike<number>, p: number): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = xs[lo] as number;
  const b = xs[hi] as number;
  return a + (b - a) * (h - lo);
}

/** Median of unsorted values. */
export function median(values: readonly number[]): number {
  return quantile(sorted(values), 0.5);
}

/** Summary statistics of a sample (in the sample's unit). */
export function summarize(values: readonly number[]): TimeStats {
  const xs = sorted(values);
  const n = xs.length;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = n ? sum / n : Number.NaN;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return {
    n,
    median: quantile(xs, 0.5),
    mean,
    p90: quantile(xs, 0.9),
    p95: quantile(xs, 0.95),
    p99: quantile(xs, 0.99),
    min: n ? (xs[0] as number) : Number.NaN,
    max: n ? (xs[n - 1] as number) : Number.NaN,
    sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
  };
}

/** The probability p of each statistic. */
export const STATISTIC_P: Record<Exclude<TimeStatistic, 'mean' | 'max'>, number> = {
  median: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
};

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** Quantile of Student's t distribution with `df` degrees of freedom (Cornish–Fisher expansion). */
export function tQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  if (!Number.isFinite(df) || df > 1e6) return z;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

/** log(n choose k) via a running sum; n is at most a few hundred thousand here. */
function logBinomialPmf(n: number, k: number, p: number, logFactorials: Float64Array): number {
  return (
    (logFactorials[n] as number) -
    (logFactorials[k] as number) -
    (logFactorials[n - k] as number) +
    k * Math.log(p) +
    (n - k) * Math.log1p(-p)
  );
}

const factorialCache: { table: Float64Array } = { table: new Float64Array([0]) };
function logFactorials(n: number): Float64Array {
  if (factorialCache.table.length > n) return factorialCache.table;
  const size = Math.max(n + 1, factorialCache.table.length * 2);
  const table = new Float64Array(size);
  for (let i = 1; i < size; i++) table[i] = (table[i - 1] as number) + Math.log(i);
  factorialCache.table = table;
  return table;
}

/**
 * Distribution-free confidence interval for the p-quantile of a population, from `n` ascending
 * samples, as indices into them: the true quantile lies in `[xs[lower], xs[upper]]` with
 * probability >= 1 - alpha. `lower` is -1 when no sample bound is possible at this n (the
 * interval is open below), `upper` is n when open above.
 *
 * Uses the exact binomial distribution of the number of samples below the quantile.
 */
export function quantileIntervalIndices(
  n: number,
  p: number,
  alpha: number,
): { lower: number; upper: number } {
  const lf = logFactorials(n);
  const tail = alpha / 2;
  // Lower: the largest l (1-based) with P(B <= l - 1) <= tail, B ~ Bin(n, p).
  let cdf = 0;
  let lower = 0; // 1-based; 0 means none
  for (let k = 0; k < n; k++) {
    cdf += Math.exp(logBinomialPmf(n, k, p, lf));
    if (cdf <= tail) lower = k + 1;
    else break;
  }
  // Upper: the smallest u (1-based) with P(B >= u) <= tail.
  let sf = 0;
  let upper = n + 1;
  for (let k = n; k >= 1; k--) {
    sf += Math.exp(logBinomialPmf(n, k, p, lf));
    if (sf <= tail) upper = k;
    else break;
  }
  return { lower: lower - 1, upper: upper - 1 };
}

/**
 * Confidence interval of a statistic of a time sample, in the sample's unit. Quantiles use the
 * exact binomial interval on order statistics; the mean uses Student's t. Bounds are infinite
 * where the sample is too small to give one.
 */
export function statisticInterval(
  values: readonly number[],
  statistic: Exclude<TimeStatistic, 'max'>,
  alpha: number,
): [number, number] {
  const xs = sorted(values);
  const n = xs.length;
  if (n === 0) return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  if (statistic === 'mean') {
    if (n < 2) return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
    const s = summarize(xs);
    const half = tQuantile(1 - alpha / 2, n - 1) * (s.sd / Math.sqrt(n));
    return [s.mean - half, s.mean + half];
  }
  const { lower, upper } = quantileIntervalIndices(n, STATISTIC_P[statistic], alpha);
  return [
    lower >= 0 ? (xs[lower] as number) : Number.NEGATIVE_INFINITY,
    upper < n ? (xs[upper] as number) : Number.POSITIVE_INFINITY,
  ];
}

/** The value of one statistic of a sample. */
export function statisticValue(stats: TimeStats, statistic: TimeStatistic): number {
  return stats[statistic];
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points. Robust to a minority
 * of outliers (a one-off cache filled in one round does not move it).
 */
export function theilSenSlope(xs: readonly number[], ys: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const dx = (xs[j] as number) - (xs[i] as number);
      if (dx !== 0) slopes.push(((ys[j] as number) - (ys[i] as number)) / dx);
    }
  }
  return slopes.length ? median(slopes) : 0;
}
