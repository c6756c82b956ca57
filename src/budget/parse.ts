import { didYouMean, HeadroomError, show } from '../errors.js';
import type { Attribution, MeasureFnOptions, MetricName, TimeStatistic } from '../types.js';
import { parseBytes, parseCount, parseTime } from './units.js';

/** Budget keys, in the order failure messages list them (counts first: count before you time). */
export const BUDGET_KEYS = [
  'queries',
  'repeatedQueries',
  'requests',
  'roundTrips',
  'duration',
  'cpu',
  'eventLoopBlock',
  'allocated',
  'retained',
] as const satisfies readonly MetricName[];

export const COUNT_METRICS = ['queries', 'repeatedQueries', 'requests', 'roundTrips'] as const;
export const TIME_STATISTICS = ['median', 'mean', 'p90', 'p95', 'p99', 'max'] as const;
const QUERY_KEYS = ['total', 'select', 'insert', 'update', 'delete', 'matching'] as const;
const REQUEST_KEYS = ['total', 'byHost', 'maxInFlight'] as const;
const OPTION_KEYS = [
  'warmup',
  'iterations',
  'maxTime',
  'confidence',
  'attribution',
  'label',
  'inconclusive',
  'countTransactionControl',
  'explain',
  'metrics',
] as const;

/** A budget after validation: every limit in its base unit (count, ms, bytes). */
export interface ParsedBudget {
  queries?: {
    total?: number;
    select?: number;
    insert?: number;
    update?: number;
    delete?: number;
    matching?: RegExp;
  };
  repeatedQueries?: number;
  requests?: { total?: number; byHost?: Record<string, number>; maxInFlight?: number };
  roundTrips?: number;
  duration?: Partial<Record<TimeStatistic, number>>;
  cpu?: Partial<Record<TimeStatistic, number>>;
  eventLoopBlock?: number;
  allocated?: number;
  retained?: number;
}

/** Options after validation, with defaults applied. */
export interface ParsedOptions {
  warmup: number | 'auto';
  iterations: number | 'auto';
  maxTimeMs: number;
  confidence: number;
  attribution: Attribution;
  label?: string;
  inconclusive: 'pass' | 'fail';
  countTransactionControl: boolean;
  explain: boolean;
  metrics?: MetricName[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Names users reach for that mean a key under another name. */
const ALIASES: Record<string, string> = { p50: 'median', avg: 'mean', average: 'mean', time: 'duration' };

function unknownKey(where: string, key: string, known: readonly string[]): HeadroomError {
  const alias = ALIASES[key];
  const guess = alias && known.includes(alias) ? alias : didYouMean(key, known);
  const hint = guess ? `Did you mean \`${guess}\`? ` : '';
  return new HeadroomError(
    'HEADROOM_ERR_UNKNOWN_KEY',
    `Failed to read the ${where}: \`${key}\` is not a key headroom knows. ${hint}` +
      `Please use one of: ${known.join(', ')}.`,
  );
}

function checkKeys(where: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw unknownKey(where, key, known);
  }
}

function parseTimeBudget(key: 'duration' | 'cpu', value: unknown): Partial<Record<TimeStatistic, number>> {
  if (isPlainObject(value)) {
    checkKeys(`\`${key}\` budget`, value, TIME_STATISTICS);
    const out: Partial<Record<TimeStatistic, number>> = {};
    for (const stat of TIME_STATISTICS) {
      if (value[stat] !== undefined) out[stat] = parseTime(`${key}.${stat}`, value[stat]);
    }
    if (Object.keys(out).length === 0) {
      throw new HeadroomError(
        'HEADROOM_ERR_EMPTY_BUDGET',
        `Failed to read the budget: \`${key}\` names no statistic. ` +
          `Please give a time such as \`${key}: '20ms'\`, or \`${key}: { median: '20ms', p99: '50ms' }\`.`,
      );
    }
    return out;
  }
  return { median: parseTime(key, value) };
}

function parseQueries(value: unknown): NonNullable<ParsedBudget['queries']> {
  if (!isPlainObject(value)) return { total: parseCount('queries', value) };
  checkKeys('`queries` budget', value, QUERY_KEYS);
  const out: NonNullable<ParsedBudget['queries']> = {};
  for (const k of ['total', 'select', 'insert', 'update', 'delete'] as const) {
    if (value[k] !== undefined) out[k] = parseCount(`queries.${k}`, value[k]);
  }
  if (value.matching !== undefined) {
    if (!(value.matching instanceof RegExp)) {
      throw new HeadroomError(
        'HEADROOM_ERR_INVALID_LIMIT',
        `Failed to read the budget: \`queries.matching\` is ${show(value.matching)}, which is not a RegExp. ` +
          'Please give a pattern such as `matching: /FROM orders/i`.',
      );
    }
    out.matching = value.matching;
  }
  if (out.total === undefined && out.select === undefined && out.insert === undefined) {
    if (out.update === undefined && out.delete === undefined) {
      throw new HeadroomError(
        'HEADROOM_ERR_EMPTY_BUDGET',
        'Failed to read the budget: `queries` names no count. ' +
          'Please give at least one of total, select, insert, update, delete, such as `queries: { total: 2 }`.',
      );
    }
  }
  return out;
}

function parseRequests(value: unknown): NonNullable<ParsedBudget['requests']> {
  if (!isPlainObject(value)) return { total: parseCount('requests', value) };
  checkKeys('`requests` budget', value, REQUEST_KEYS);
  const out: NonNullable<ParsedBudget['requests']> = {};
  if (value.total !== undefined) out.total = parseCount('requests.total', value.total);
  if (value.maxInFlight !== undefined)
    out.maxInFlight = parseCount('requests.maxInFlight', value.maxInFlight);
  if (value.byHost !== undefined) {
    if (!isPlainObject(value.byHost)) {
      throw new HeadroomError(
        'HEADROOM_ERR_INVALID_LIMIT',
        `Failed to read the budget: \`requests.byHost\` is ${show(value.byHost)}. ` +
          "Please give counts per host, such as `byHost: { 'api.example.com': 1 }`.",
      );
    }
    out.byHost = {};
    for (const [host, count] of Object.entries(value.byHost)) {
      out.byHost[host.toLowerCase()] = parseCount(`requests.byHost['${host}']`, count);
    }
  }
  if (Object.keys(out).length === 0) {
    throw new HeadroomError(
      'HEADROOM_ERR_EMPTY_BUDGET',
      'Failed to read the budget: `requests` names no count. ' +
        'Please give at least one of total, byHost, maxInFlight, such as `requests: { total: 1 }`.',
    );
  }
  return out;
}

/**
 * Validates a budget and converts every limit to its base unit (count, milliseconds, bytes).
 * Throws a {@link HeadroomError} naming the key, the value and the fix on any bad input.
 *
 * @example parseBudget({ queries: 2, duration: '20ms' }) // { queries: { total: 2 }, duration: { median: 20 } }
 */
export function parseBudget(budget: unknown): ParsedBudget {
  if (!isPlainObject(budget)) {
    throw new HeadroomError(
      'HEADROOM_ERR_INVALID_LIMIT',
      `Failed to read the budget: it is ${show(budget)}, not an object. ` +
        "Please pass an object such as `{ queries: 2, duration: '20ms' }`.",
    );
  }
  checkKeys('budget', budget, BUDGET_KEYS);
  const out: ParsedBudget = {};
  for (const key of BUDGET_KEYS) {
    const value = budget[key];
    if (value === undefined) continue;
    switch (key) {
      case 'queries':
        out.queries = parseQueries(value);
        break;
      case 'requests':
        out.requests = parseRequests(value);
        break;
      case 'repeatedQueries':
      case 'roundTrips':
        out[key] = parseCount(key, value);
        break;
      case 'duration':
      case 'cpu':
        out[key] = parseTimeBudget(key, value);
        break;
      case 'eventLoopBlock':
        out.eventLoopBlock = parseTime(key, value);
        break;
      case 'allocated':
      case 'retained':
        out[key] = parseBytes(key, value);
        break;
    }
  }
  if (Object.keys(out).length === 0) {
    throw new HeadroomError(
      'HEADROOM_ERR_EMPTY_BUDGET',
      'Failed to read the budget: it names no metric. ' +
        `Please give at least one of: ${BUDGET_KEYS.join(', ')}.`,
    );
  }
  return out;
}

/** The metrics a parsed budget needs measured. */
export function metricsOf(budget: ParsedBudget): MetricName[] {
  return BUDGET_KEYS.filter((key) => budget[key] !== undefined);
}

function invalidOption(key: string, value: unknown, fix: string): HeadroomError {
  return new HeadroomError(
    'HEADROOM_ERR_INVALID_OPTION',
    `Failed to read the options: \`${key}\` is ${show(value)}. Please ${fix}.`,
  );
}

/**
 * Validates options and applies defaults.
 *
 * @example parseOptions({ maxTime: '1s' }).maxTimeMs // 1000
 */
export function parseOptions(options: unknown = {}): ParsedOptions {
  if (options === undefined || options === null) options = {};
  if (!isPlainObject(options)) {
    throw invalidOption('options', options, "pass an object such as `{ maxTime: '1s' }`");
  }
  checkKeys('options', options, OPTION_KEYS);
  const o = options as MeasureFnOptions & Record<string, unknown>;
  const out: ParsedOptions = {
    warmup: 'auto',
    iterations: 'auto',
    maxTimeMs: 2000,
    confidence: 0.99,
    attribution: 'context',
    inconclusive: 'pass',
    countTransactionControl: false,
    explain: true,
  };
  if (o.warmup !== undefined) {
    if (o.warmup !== 'auto' && !(Number.isInteger(o.warmup) && (o.warmup as number) >= 0)) {
      throw invalidOption('warmup', o.warmup, "give a whole number >= 0 or 'auto'");
    }
    out.warmup = o.warmup;
  }
  if (o.iterations !== undefined) {
    if (o.iterations !== 'auto' && !(Number.isInteger(o.iterations) && (o.iterations as number) >= 1)) {
      throw invalidOption('iterations', o.iterations, "give a whole number >= 1 or 'auto'");
    }
    out.iterations = o.iterations;
  }
  if (o.maxTime !== undefined) {
    out.maxTimeMs = parseTime('maxTime', o.maxTime);
    if (out.maxTimeMs <= 0) throw invalidOption('maxTime', o.maxTime, "give a time above zero, such as '1s'");
  }
  if (o.confidence !== undefined) {
    if (typeof o.confidence !== 'number' || !(o.confidence >= 0.5 && o.confidence < 1)) {
      throw invalidOption(
        'confidence',
        o.confidence,
        'give a number from 0.5 up to (not including) 1, such as 0.99',
      );
    }
    out.confidence = o.confidence;
  }
  if (o.attribution !== undefined) {
    if (o.attribution !== 'context' && o.attribution !== 'window') {
      throw invalidOption('attribution', o.attribution, "use 'context' (the default) or 'window'");
    }
    out.attribution = o.attribution;
  }
  if (o.label !== undefined) {
    if (typeof o.label !== 'string') throw invalidOption('label', o.label, 'give a string');
    out.label = o.label;
  }
  if (o.inconclusive !== undefined) {
    if (o.inconclusive !== 'pass' && o.inconclusive !== 'fail') {
      throw invalidOption('inconclusive', o.inconclusive, "use 'pass' (the default) or 'fail'");
    }
    out.inconclusive = o.inconclusive;
  }
  for (const key of ['countTransactionControl', 'explain'] as const) {
    if (o[key] !== undefined) {
      if (typeof o[key] !== 'boolean') throw invalidOption(key, o[key], 'give true or false');
      out[key] = o[key];
    }
  }
  if (o.metrics !== undefined) {
    if (!Array.isArray(o.metrics))
      throw invalidOption('metrics', o.metrics, "give a list such as ['duration']");
    for (const m of o.metrics) {
      if (typeof m !== 'string' || !(BUDGET_KEYS as readonly string[]).includes(m)) {
        throw unknownKey('`metrics` option', String(m), BUDGET_KEYS);
      }
    }
    out.metrics = [...o.metrics];
  }
  return out;
}
