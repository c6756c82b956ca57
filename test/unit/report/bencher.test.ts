import { describe, expect, it } from 'vitest';
import { measureSlug, toBencher } from '../../../src/report/bencher.js';
import { contract, metric, report, trace } from './history-fixtures.js';

const ID = 'orders.test.ts › lists orders › toStayWithin';

/** Bencher's JSON schema for BMF (https://bencher.dev/bmf.json), checked by hand. */
function isBmf(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([benchmark, measures]) =>
      benchmark.length > 0 &&
      typeof measures === 'object' &&
      measures !== null &&
      Object.entries(measures as Record<string, Record<string, unknown>>).every(
        ([slug, m]) =>
          slug.length > 0 &&
          slug.length <= 64 &&
          typeof m.value === 'number' &&
          Object.keys(m).every((k) => ['value', 'lower_value', 'upper_value'].includes(k)) &&
          (m.lower_value === undefined || typeof m.lower_value === 'number') &&
          (m.upper_value === undefined || typeof m.upper_value === 'number'),
      ),
  );
}

describe('toBencher', () => {
  it('maps contract metrics and traced tests to benchmarks and measures, with intervals', () => {
    const bmf = toBencher(
      report(
        [
          contract(ID, [
            metric('queries', 'count', 2, 2),
            metric('queries', 'count', 1, 1, { part: 'select' }),
            metric('repeatedQueries', 'count', 0, 0),
            metric('duration', 'ms', 20, 12.5, { part: 'median', interval: [11.9, 13.1] }),
            metric('cpu', 'ms', 20, 9, { part: 'median', interval: [8.5, 9.5] }),
            metric('eventLoopBlock', 'ms', 5, 1.2),
            metric('allocated', 'bytes', 2_000_000, 1_048_576),
          ]),
          contract('orders.test.ts › scales › toScale', [metric('queries', 'class', 2, 0)], {
            matcher: 'toScale',
          }),
        ],
        { traces: [trace('orders.test.ts › lists orders', { queries: 3, requests: 1, durationMs: 4.5 })] },
      ),
    );
    expect(bmf).toEqual({
      [ID]: {
        queries: { value: 2 },
        'repeated-queries': { value: 0 },
        'event-loop-block-ms': { value: 1.2 },
        'allocated-bytes': { value: 1_048_576 },
      },
      [`${ID} › select`]: { queries: { value: 1 } },
      [`${ID} › median`]: {
        'duration-ms': { value: 12.5, lower_value: 11.9, upper_value: 13.1 },
        'cpu-ms': { value: 9, lower_value: 8.5, upper_value: 9.5 },
      },
      'orders.test.ts › scales › toScale': { 'queries-growth-rank': { value: 0 } },
      'orders.test.ts › lists orders': {
        queries: { value: 3 },
        'repeated-queries': { value: 0 },
        requests: { value: 1 },
        'round-trips': { value: 1 },
        'event-loop-block-ms': { value: 0.5 },
        'duration-ms': { value: 4.5 },
      },
    });
    expect(isBmf(bmf)).toBe(true);
    expect(isBmf(JSON.parse(JSON.stringify(bmf)))).toBe(true);
  });

  it('leaves out non-finite values, and an empty report is an empty object', () => {
    expect(toBencher(report([contract(ID, [metric('duration', 'ms', 20, Number.NaN)])]))).toEqual({});
    expect(toBencher(report([]))).toEqual({});
  });
});

describe('measureSlug', () => {
  it('is kebab case, with the unit unless a count, at most 64 characters', () => {
    expect(measureSlug('roundTrips', 'count')).toBe('round-trips');
    expect(measureSlug('duration', 'ms')).toBe('duration-ms');
    expect(measureSlug('retained', 'bytes')).toBe('retained-bytes');
    expect(measureSlug('duration', 'ratio')).toBe('duration-ratio');
    expect(measureSlug('x'.repeat(100), 'ms')).toHaveLength(64);
    expect(measureSlug('x'.repeat(100), 'ms').endsWith('-ms')).toBe(true);
  });
});
