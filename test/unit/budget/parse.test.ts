import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBudget, parseOptions } from '../../../src/budget/parse.js';
import { parseBytes, parseTime } from '../../../src/budget/units.js';
import { HeadroomError } from '../../../src/errors.js';

function errorOf(fn: () => unknown): HeadroomError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HeadroomError) return e;
    throw e;
  }
  throw new Error('expected a HeadroomError');
}

describe('units', () => {
  it('reads times in every unit, a bare number being milliseconds', () => {
    expect(parseTime('duration', 20)).toBe(20);
    expect(parseTime('duration', '250us')).toBe(0.25);
    expect(parseTime('duration', '250µs')).toBe(0.25);
    expect(parseTime('duration', '20ms')).toBe(20);
    expect(parseTime('duration', '20 ms')).toBe(20);
    expect(parseTime('duration', '1.5s')).toBe(1500);
    expect(parseTime('duration', '500ns')).toBeCloseTo(0.0005);
    expect(parseTime('duration', '2min')).toBe(120_000);
    expect(parseTime('duration', '1e3ms')).toBe(1000);
  });

  it('reads bytes in decimal and binary units', () => {
    expect(parseBytes('allocated', 512)).toBe(512);
    expect(parseBytes('allocated', '512B')).toBe(512);
    expect(parseBytes('allocated', '64kB')).toBe(64_000);
    expect(parseBytes('allocated', '2MB')).toBe(2_000_000);
    expect(parseBytes('allocated', '1MiB')).toBe(1_048_576);
    expect(parseBytes('allocated', '1.5 GiB')).toBe(1.5 * 1024 ** 3);
  });

  it('round-trips any non-negative number through every time unit (property)', () => {
    const units: [string, number][] = [
      ['ns', 1e-6],
      ['us', 1e-3],
      ['ms', 1],
      ['s', 1000],
    ];
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(...units), (x, [unit, f]) => {
        const text = `${x.toFixed(3)}${unit}`;
        expect(parseTime('t', text)).toBeCloseTo(Number(x.toFixed(3)) * f, 6);
      }),
    );
  });

  it('rejects bad units, negative and non-finite limits with a typed error naming key and value', () => {
    const unit = errorOf(() => parseTime('duration', '20 parsecs'));
    expect(unit.code).toBe('HEADROOM_ERR_INVALID_UNIT');
    expect(unit.message).toMatchInlineSnapshot(
      `"Failed to read the budget: \`duration\` is "20 parsecs", and "parsecs" is not a time unit. Please use one of ns, us, ms, s, min, such as '250us', '20ms' or '1.5s'. (HEADROOM_ERR_INVALID_UNIT)"`,
    );
    expect(errorOf(() => parseTime('duration', -1)).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseTime('duration', '-1ms')).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseTime('duration', Number.POSITIVE_INFINITY)).code).toBe(
      'HEADROOM_ERR_INVALID_LIMIT',
    );
    expect(errorOf(() => parseTime('duration', Number.NaN)).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseBytes('allocated', '2 MBs')).code).toBe('HEADROOM_ERR_INVALID_UNIT');
    expect(errorOf(() => parseBytes('allocated', 'lots')).code).toBe('HEADROOM_ERR_INVALID_UNIT');
    expect(errorOf(() => parseBytes('allocated', {})).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
  });

  it('never accepts garbage silently (property: any string either parses to a finite number >= 0 or throws typed)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const parse of [parseTime, parseBytes]) {
          try {
            const v = parse('k', text);
            expect(Number.isFinite(v) && v >= 0).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(HeadroomError);
          }
        }
      }),
    );
  });
});

describe('parseBudget', () => {
  it('converts every key to base units', () => {
    expect(
      parseBudget({
        queries: 2,
        repeatedQueries: 0,
        requests: { total: 3, byHost: { 'API.example.com': 1 }, maxInFlight: 2 },
        roundTrips: 2,
        duration: '20ms',
        cpu: { p99: '1s', mean: 5 },
        eventLoopBlock: '5ms',
        allocated: '2MB',
        retained: '1kB',
      }),
    ).toEqual({
      queries: { total: 2 },
      repeatedQueries: 0,
      requests: { total: 3, byHost: { 'api.example.com': 1 }, maxInFlight: 2 },
      roundTrips: 2,
      duration: { median: 20 },
      cpu: { mean: 5, p99: 1000 },
      eventLoopBlock: 5,
      allocated: 2_000_000,
      retained: 1000,
    });
  });

  it('reads query counts by kind with a matching filter', () => {
    expect(parseBudget({ queries: { select: 1, insert: 0, matching: /orders/ } })).toEqual({
      queries: { select: 1, insert: 0, matching: /orders/ },
    });
  });

  it('suggests the key a typo meant', () => {
    const e = errorOf(() => parseBudget({ querys: 2 }));
    expect(e.code).toBe('HEADROOM_ERR_UNKNOWN_KEY');
    expect(e.message).toMatchInlineSnapshot(
      `"Failed to read the budget: \`querys\` is not a key headroom knows. Did you mean \`queries\`? Please use one of: queries, repeatedQueries, requests, roundTrips, duration, cpu, eventLoopBlock, allocated, retained. (HEADROOM_ERR_UNKNOWN_KEY)"`,
    );
    expect(errorOf(() => parseBudget({ eventloopblock: '5ms' })).message).toContain(
      'Did you mean `eventLoopBlock`?',
    );
    expect(errorOf(() => parseBudget({ duration: { p50: '1ms' } })).message).toContain(
      'Did you mean `median`?',
    );
    expect(errorOf(() => parseBudget({ queries: { totl: 1 } })).message).toContain('Did you mean `total`?');
    expect(errorOf(() => parseBudget({ zzzzzzzz: 1 })).message).not.toContain('Did you mean');
  });

  it('rejects wrong types, fractional counts and empty budgets', () => {
    expect(errorOf(() => parseBudget({ queries: 1.5 })).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseBudget({ queries: '2' })).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseBudget({ queries: -1 })).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseBudget({ queries: { matching: 'orders', total: 1 } })).code).toBe(
      'HEADROOM_ERR_INVALID_LIMIT',
    );
    expect(errorOf(() => parseBudget({})).code).toBe('HEADROOM_ERR_EMPTY_BUDGET');
    expect(errorOf(() => parseBudget({ duration: {} })).code).toBe('HEADROOM_ERR_EMPTY_BUDGET');
    expect(errorOf(() => parseBudget({ queries: {} })).code).toBe('HEADROOM_ERR_EMPTY_BUDGET');
    expect(errorOf(() => parseBudget(null)).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
    expect(errorOf(() => parseBudget([1])).code).toBe('HEADROOM_ERR_INVALID_LIMIT');
  });
});

describe('parseOptions', () => {
  it('applies defaults', () => {
    expect(parseOptions()).toEqual({
      warmup: 'auto',
      iterations: 'auto',
      maxTimeMs: 2000,
      confidence: 0.99,
      attribution: 'context',
      inconclusive: 'pass',
      countTransactionControl: false,
      explain: true,
    });
  });

  it('rejects out-of-range values with the fix', () => {
    expect(errorOf(() => parseOptions({ confidence: 1 })).message).toContain(
      'from 0.5 up to (not including) 1',
    );
    expect(errorOf(() => parseOptions({ iterations: 0 })).code).toBe('HEADROOM_ERR_INVALID_OPTION');
    expect(errorOf(() => parseOptions({ warmup: -1 })).code).toBe('HEADROOM_ERR_INVALID_OPTION');
    expect(errorOf(() => parseOptions({ maxTime: '0ms' })).code).toBe('HEADROOM_ERR_INVALID_OPTION');
    expect(errorOf(() => parseOptions({ attribution: 'global' })).code).toBe('HEADROOM_ERR_INVALID_OPTION');
    expect(errorOf(() => parseOptions({ maxtime: '1s' })).message).toContain('Did you mean `maxTime`?');
  });
});
