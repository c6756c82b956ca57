/**
 * Degradation profiles: how a simulated downstream misbehaves, and seeded draws from them.
 * Pure functions, no msw: the statistics are tested on their own.
 */
import { parseTime, type TimeLimit } from '../../src/budget/units.js';
import { HeadroomError, show } from '../../src/errors.js';
import { normalQuantile } from '../../src/stats/quantiles.js';

/**
 * A latency: a fixed time, or a distribution.
 *
 * @example '200ms'
 * @example { uniform: ['50ms', '150ms'] }
 * @example { normal: { mean: '100ms', sd: '20ms' } }
 * @example { logNormal: { median: '80ms', sigma: 1 } }
 * @example { p50: '80ms', p99: '900ms' } // a log-normal through these percentiles
 */
export type Latency =
  | TimeLimit
  | { uniform: [TimeLimit, TimeLimit] }
  | { normal: { mean: TimeLimit; sd: TimeLimit } }
  | { logNormal: { median: TimeLimit; sigma: number } }
  | { p50: TimeLimit; p99: TimeLimit };

/** How a downstream misbehaves. Every field is optional; an empty profile changes nothing. */
export interface DegradeProfile {
  /** Time before the response starts (time to first byte). */
  latency?: Latency;
  /** Added to every latency: a uniform draw in ±jitter (the sum never goes below 0). */
  jitter?: TimeLimit;
  /** The time over which the response body is streamed, in chunks (a slow body). */
  body?: TimeLimit;
  /** The share of requests, 0 to 1, answered with an error status instead of the handler's response. */
  errorRate?: number;
  /**
   * The status of those error responses, or several to choose from at random.
   * @defaultValue 503
   */
  status?: number | number[];
  /** The share of requests, 0 to 1, that fail as a network error (the client sees a failed fetch). */
  networkErrorRate?: number;
  /** The share of requests, 0 to 1 (`true` is 1), never answered: a hanging downstream. */
  hang?: boolean | number;
  /** Seed of the random draws, for reproducible runs. @defaultValue a random seed, printed on failure */
  seed?: number;
}

/** A latency distribution, ready to draw from: milliseconds from a uniform(0, 1) source. */
export interface Distribution {
  describe: string;
  sample(random: () => number): number;
}

/** A parsed profile. */
export interface Profile {
  latency?: Distribution;
  jitterMs: number;
  bodyMs: number;
  errorRate: number;
  statuses: number[];
  networkErrorRate: number;
  hangRate: number;
  seed: number;
}

const PROFILE_KEYS = ['latency', 'jitter', 'body', 'errorRate', 'status', 'networkErrorRate', 'hang', 'seed'];

function invalid(key: string, value: unknown, fix: string): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_INVALID_OPTION',
    `Failed to read the degradation profile: \`${key}\` is ${show(value)}. Please ${fix}.`,
  );
}

function rate(key: string, value: unknown): number {
  if (value === undefined) return 0;
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw invalid(key, value, 'give a share from 0 to 1, such as 0.5');
  return value;
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function standardNormal(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const Z99 = normalQuantile(0.99);

/** Parses a latency into a distribution. */
export function parseLatency(value: Latency, key = 'latency'): Distribution {
  if (typeof value === 'number' || typeof value === 'string') {
    const ms = parseTime(key, value);
    return { describe: `${ms} ms`, sample: () => ms };
  }
  if (value === null || typeof value !== 'object')
    throw invalid(key, value, "give a time such as '200ms' or a distribution");
  const v = value as Record<string, unknown>;
  if ('uniform' in v) {
    const pair = v.uniform as unknown[];
    if (!Array.isArray(pair) || pair.length !== 2)
      throw invalid(`${key}.uniform`, v.uniform, "give [min, max], such as ['50ms', '150ms']");
    const lo = parseTime(`${key}.uniform[0]`, pair[0]);
    const hi = parseTime(`${key}.uniform[1]`, pair[1]);
    if (hi < lo) throw invalid(`${key}.uniform`, v.uniform, 'give the smaller time first');
    return { describe: `uniform ${lo}–${hi} ms`, sample: (r) => lo + (hi - lo) * r() };
  }
  if ('normal' in v) {
    const n = v.normal as { mean?: unknown; sd?: unknown };
    const mean = parseTime(`${key}.normal.mean`, n?.mean);
    const sd = parseTime(`${key}.normal.sd`, n?.sd);
    return {
      describe: `normal mean ${mean} ms, sd ${sd} ms`,
      sample: (r) => Math.max(0, mean + sd * standardNormal(r)),
    };
  }
  if ('logNormal' in v) {
    const l = v.logNormal as { median?: unknown; sigma?: unknown };
    const median = parseTime(`${key}.logNormal.median`, l?.median);
    if (typeof l?.sigma !== 'number' || !(l.sigma >= 0))
      throw invalid(`${key}.logNormal.sigma`, l?.sigma, 'give a number >= 0, such as 0.5');
    const sigma = l.sigma;
    return {
      describe: `log-normal median ${median} ms, sigma ${sigma}`,
      sample: (r) => median * Math.exp(sigma * standardNormal(r)),
    };
  }
  if ('p50' in v || 'p99' in v) {
    const p50 = parseTime(`${key}.p50`, v.p50);
    const p99 = parseTime(`${key}.p99`, v.p99);
    if (!(p50 > 0) || p99 < p50) throw invalid(key, value, 'give 0 < p50 <= p99');
    // A log-normal through both percentiles: ln X ~ N(ln p50, sigma), sigma = ln(p99/p50) / z(0.99).
    const sigma = Math.log(p99 / p50) / Z99;
    return {
      describe: `log-normal p50 ${p50} ms, p99 ${p99} ms`,
      sample: (r) => p50 * Math.exp(sigma * standardNormal(r)),
    };
  }
  throw invalid(key, value, 'give a time, or one of { uniform }, { normal }, { logNormal }, { p50, p99 }');
}

/** Validates a profile and applies defaults; a missing seed is drawn at random (and reported). */
export function parseProfile(profile: DegradeProfile): Profile {
  if (profile === null || typeof profile !== 'object')
    throw invalid('profile', profile, "give an object such as { latency: '2s' }");
  for (const key of Object.keys(profile)) {
    if (!PROFILE_KEYS.includes(key)) {
      throw new HeadroomError(
        'HEADROOM_ERR_UNKNOWN_KEY',
        `Failed to read the degradation profile: \`${key}\` is not a key headroom knows. Please use one of: ${PROFILE_KEYS.join(', ')}.`,
      );
    }
  }
  const statuses =
    profile.status === undefined ? [503] : Array.isArray(profile.status) ? profile.status : [profile.status];
  for (const s of statuses) {
    if (!Number.isInteger(s) || s < 100 || s > 599)
      throw invalid('status', profile.status, 'give HTTP statuses from 100 to 599');
  }
  if (profile.seed !== undefined && !Number.isInteger(profile.seed))
    throw invalid('seed', profile.seed, 'give a whole number');
  const parsed: Profile = {
    jitterMs: profile.jitter === undefined ? 0 : parseTime('jitter', profile.jitter),
    bodyMs: profile.body === undefined ? 0 : parseTime('body', profile.body),
    errorRate: rate('errorRate', profile.errorRate),
    statuses,
    networkErrorRate: rate('networkErrorRate', profile.networkErrorRate),
    hangRate: rate('hang', profile.hang),
    seed: profile.seed ?? Math.floor(Math.random() * 2 ** 31),
  };
  if (parsed.errorRate + parsed.networkErrorRate + parsed.hangRate > 1) {
    throw invalid('errorRate', profile.errorRate, 'keep errorRate + networkErrorRate + hang at or below 1');
  }
  if (profile.latency !== undefined) parsed.latency = parseLatency(profile.latency);
  return parsed;
}

/** mulberry32: a small, fast, seeded PRNG with uniform output in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What happens to one request. */
export interface Outcome {
  latencyMs: number;
  kind: 'respond' | 'error-status' | 'network-error' | 'hang';
  status?: number;
  bodyMs: number;
}

/** Draws one request's fate from a profile. */
export function draw(profile: Profile, random: () => number): Outcome {
  let latencyMs = profile.latency ? profile.latency.sample(random) : 0;
  if (profile.jitterMs > 0) latencyMs = Math.max(0, latencyMs + (2 * random() - 1) * profile.jitterMs);
  const roll = random();
  if (roll < profile.hangRate) return { latencyMs, kind: 'hang', bodyMs: 0 };
  if (roll < profile.hangRate + profile.networkErrorRate)
    return { latencyMs, kind: 'network-error', bodyMs: 0 };
  if (roll < profile.hangRate + profile.networkErrorRate + profile.errorRate) {
    const status = profile.statuses[Math.floor(random() * profile.statuses.length)] ?? 503;
    return { latencyMs, kind: 'error-status', status, bodyMs: 0 };
  }
  return { latencyMs, kind: 'respond', bodyMs: profile.bodyMs };
}
