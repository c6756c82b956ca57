import { describe, expect, it } from 'vitest';
import { HeadroomError } from '../../../src/errors.js';
import { mergeReports, missingShards } from '../../../src/report/merge.js';
import type { HeadroomReport } from '../../../src/report/schema.js';
import { contract, ENV, metric, report, trace } from './history-fixtures.js';

const shard1 = report(
  [
    contract('a.test.ts › one › toStayWithin', [metric('queries', 'count', 2, 1)]),
    contract('a.test.ts › two › toStayWithin', [metric('queries', 'count', 2, 5)]),
  ],
  { shard: { index: 1, count: 2 }, traces: [trace('a.test.ts › one')] },
  '2026-11-28T10:00:05.000Z',
);
const shard2 = report(
  [
    contract('b.test.ts › three › toStayWithin', [metric('duration', 'ms', 20, 18, { part: 'median' })]),
    // The same id again (a retried test): the last one wins.
    contract('a.test.ts › two › toStayWithin', [metric('queries', 'count', 2, 2)]),
  ],
  { shard: { index: 2, count: 2 }, environment: { ...ENV, cores: 64 } },
  '2026-11-28T10:00:09.000Z',
);

describe('mergeReports', () => {
  it('merges two shards into one report', () => {
    const merged = mergeReports([shard1, shard2]);
    expect(merged.shard).toBeUndefined();
    expect(merged.createdAt).toBe('2026-11-28T10:00:09.000Z');
    expect(merged.environment).toEqual(ENV);
    expect(merged.contracts.map((c) => [c.id, c.metrics[0]?.measured])).toEqual([
      ['a.test.ts › one › toStayWithin', 1],
      ['a.test.ts › two › toStayWithin', 2],
      ['b.test.ts › three › toStayWithin', 18],
    ]);
    expect(merged.traces?.map((t) => t.id)).toEqual(['a.test.ts › one']);
    expect(merged.summary).toEqual({ contracts: 3, passed: 3, failed: 0, inconclusive: 0, closeToEdge: 1 });
    expect(mergeReports([shard2, shard1]).createdAt).toBe('2026-11-28T10:00:09.000Z');
  });

  it('leaves traces out when no shard traced, and does not change its inputs', () => {
    const before = JSON.stringify(shard2);
    expect(mergeReports([shard2]).traces).toBeUndefined();
    expect(JSON.stringify(shard2)).toBe(before);
  });

  it('refuses reports of different schema versions, naming them', () => {
    const newer = { ...shard2, version: 2 } as unknown as HeadroomReport;
    expect(() => mergeReports([shard1, newer], { sources: ['s1.json', 's2.json'] })).toThrow(HeadroomError);
    expect(() => mergeReports([shard1, newer], { sources: ['s1.json', 's2.json'] })).toThrow(
      /Failed to merge reports: s1\.json is version 1 of headroom-report and s2\.json is version 2\. Please run every shard with the same headroom version/,
    );
    const foreign = { schema: 'other', version: 1 } as unknown as HeadroomReport;
    expect(() => mergeReports([shard1, foreign])).toThrow(/report 2 is not a headroom-report file/);
    expect(() => mergeReports([])).toThrow(/there is no report to merge/);
  });
});

describe('missingShards', () => {
  it('lists the shard indexes that are not there', () => {
    expect(missingShards([shard1, shard2])).toEqual([]);
    expect(missingShards([shard2])).toEqual([1]);
    expect(missingShards([report([])])).toEqual([]);
  });
});
