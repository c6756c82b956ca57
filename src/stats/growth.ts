/**
 * Growth fitting for `toScale`: growth classes, exact fits of counts, the log-log exponent of
 * times with a bootstrap interval, and a sparkline of a curve.
 */
import { quantile, theilSenSlope } from './quantiles.js';

/** Growth classes, from slowest-growing to fastest. */
export const GROWTH_CLASSES = ['constant', 'logarithmic', 'linear', 'linearithmic', 'quadratic'] as const;
/** How a metric may grow with input size. */
export type GrowthClass = (typeof GROWTH_CLASSES)[number];

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

export const BASIS: Record<GrowthClass, (n: number) => number> = {
  constant: () => 0,
  logarithmic: (n) => Math.log2(n),
  linear: (n) => n,
  linearithmic: (n) => n * Math.log2(n),
  quadratic: (n) => n * n,
};

/** Least squares fit of y = a + b·g(n); returns b and the largest absolute residual. */
export function fitLine(
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

export function medianOf(xs: readonly number[]): number {
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
export function sparkline(values: number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const max = Math.max(...values);
  const min = Math.min(...values);
  return values.map((v) => bars[max === min ? 0 : Math.round(((v - min) / (max - min)) * 7)]).join('');
}
