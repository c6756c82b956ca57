import { describe, expect, it } from 'vitest';
import { toHistoryEntry } from '../../../src/report/history.js';
import type { HistoryEntry } from '../../../src/report/schema.js';
import { computeTrends, formatTrend, mannKendall, sparkline, theilSen } from '../../../src/report/trend.js';
import { at, contract, metric, report, seeded, trace } from './history-fixtures.js';

const ID = 'orders.test.ts › lists orders › toStayWithin';

/** A history where the contract's median duration (limit 20 ms) takes `durations[i]` in run i. */
function durations(values: readonly number[], queries: (i: number) => number = () => 2): HistoryEntry[] {
  return values.map((d, i) =>
    toHistoryEntry(
      report(
        [
          contract(ID, [
            metric('queries', 'count', 5, queries(i)),
            metric('duration', 'ms', 20, d, { part: 'median' }),
          ]),
        ],
        {},
        at(i),
      ),
    ),
  );
}

const row = (trends: ReturnType<typeof computeTrends>, metricKey: string, id = ID) =>
  trends.find((t) => t.id === id && t.metric === metricKey);

describe('theilSen and mannKendall', () => {
  it('is the median pairwise slope, robust to one outlier', () => {
    expect(mannKendall([5, 4, 3, 2, 1]).pFalling).toBeCloseTo(1 / 120, 12);
    expect(mannKendall([4, 3, 2, 1]).pFalling).toBeCloseTo(1 / 24, 12);
    expect(mannKendall([1, 2, 3]).pFalling).toBe(1);
    expect(mannKendall([5, 4, 4, 2, 1]).pFalling).toBeGreaterThan(1 / 120);
    expect(theilSen([0, 1, 2, 3, 4])).toBe(1);
    expect(theilSen([0, 1, 2, 100, 4])).toBe(1);
    expect(theilSen([5])).toBe(0);
  });
});

describe('computeTrends', () => {
  it('flags a steady decline of headroom (duration creeping up by ~0.6 ms a run, with noise)', () => {
    const rand = seeded(7);
    const values = Array.from({ length: 10 }, (_, i) => 8 + 0.6 * i + (rand() - 0.5) * 0.4);
    const trends = computeTrends(durations(values));
    const t = row(trends, 'duration:median');
    expect(t).toMatchObject({ basis: 'headroomPct', unit: 'ms', drift: true, status: 'pass' });
    expect(t?.values).toHaveLength(10);
    expect(t?.slope).toBeLessThan(-2);
    expect(t?.reason).toMatch(
      /^headroom fell about \d+ pp over 10 runs \(3(\.\d)? pp a run, noise ±\d(\.\d)? pp, Mann–Kendall p < 0\.001\)$/,
    );
    expect(trends[0]).toBe(t); // drifting rows first
    expect(row(trends, 'queries')?.drift).toBe(false);
  });

  it('does not flag noise around a level (±5 pp), over many seeds and window lengths', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = seeded(seed);
      const n = 5 + (seed % 6);
      const values = Array.from({ length: n }, () => 12 + (rand() - 0.5) * 2); // 40% ± 5 pp of headroom
      expect(row(computeTrends(durations(values)), 'duration:median')?.drift, `seed ${seed}`).toBe(false);
    }
  });

  it('flags under 1% of rows of wide noise (±15 pp) around a level', () => {
    let flagged = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const rand = seeded(seed);
      const values = Array.from({ length: 10 }, () => 12 + (rand() - 0.5) * 6);
      if (row(computeTrends(durations(values)), 'duration:median')?.drift) flagged++;
    }
    expect(flagged).toBeLessThan(10);
  });

  it('flags a steady decline of headroom through wide noise, most of the time', () => {
    let flagged = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = seeded(seed);
      const values = Array.from({ length: 10 }, (_, i) => 8 + 0.6 * i + (rand() - 0.5) * 2);
      if (row(computeTrends(durations(values)), 'duration:median')?.drift) flagged++;
    }
    expect(flagged).toBeGreaterThan(190);
  });

  it('does not flag a small steady decline (under 10 pp over the window), nor too few runs', () => {
    expect(
      row(computeTrends(durations([10, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6])), 'duration:median')?.drift,
    ).toBe(false);
    expect(row(computeTrends(durations([5, 10, 15, 19])), 'duration:median')?.drift).toBe(false);
    expect(row(computeTrends(durations([5, 10, 15, 17, 19])), 'duration:median')?.drift).toBe(true);
  });

  it('does not flag a decline that recovered within the window', () => {
    const values = [5, 8, 11, 14, 17, 6, 5, 5, 6, 5];
    expect(row(computeTrends(durations(values)), 'duration:median')?.drift).toBe(false);
  });

  it('flags counts that crept up and never came down; not counts that went back', () => {
    const up = computeTrends(durations([8, 8, 8, 8, 8, 8], (i) => [2, 2, 3, 3, 4, 4][i] as number));
    expect(row(up, 'queries')).toMatchObject({
      basis: 'measured',
      values: [2, 2, 3, 3, 4, 4],
      drift: true,
      reason: 'rose from 2 to 4 over 6 runs and never came down',
    });
    const back = computeTrends(durations([8, 8, 8, 8, 8, 8], (i) => [2, 3, 4, 3, 4, 4][i] as number));
    expect(row(back, 'queries')?.drift).toBe(false);
    const flat = computeTrends(durations([8, 8, 8, 8, 8, 8]));
    expect(row(flat, 'queries')?.drift).toBe(false);
  });

  it('flags traced tests whose queries, requests or round trips crept up', () => {
    const history = [1, 2, 3, 4, 5].map((q, i) =>
      toHistoryEntry(
        report(
          [],
          { traces: [trace('a.test.ts › checkout', { queries: q, requests: 1, roundTrips: 1 + (i >> 1) })] },
          at(i),
        ),
      ),
    );
    const trends = computeTrends(history);
    expect(row(trends, 'queries', 'a.test.ts › checkout')).toMatchObject({ source: 'trace', drift: true });
    expect(row(trends, 'roundTrips', 'a.test.ts › checkout')).toMatchObject({
      values: [1, 1, 2, 2, 3],
      drift: true,
    });
    expect(row(trends, 'requests', 'a.test.ts › checkout')?.drift).toBe(false);
    expect(row(trends, 'durationMs', 'a.test.ts › checkout')).toBeUndefined();
  });

  it('looks at the last N runs only, and skips runs where a contract did not run', () => {
    const history = durations([2, 4, 6, 8, 10, 12, 14, 16, 18, 10, 10, 10, 10]);
    expect(row(computeTrends(history), 'duration:median')?.values).toHaveLength(10);
    expect(row(computeTrends(history, { last: 4 }), 'duration:median')?.values).toEqual([50, 50, 50, 50]);
    const gap = [...history.slice(0, 2), toHistoryEntry(report([], {}, at(50))), ...history.slice(2, 4)];
    expect(row(computeTrends(gap), 'duration:median')?.values).toEqual([90, 80, 70, 60]);
  });

  it('uses measured values for a metric whose limit is 0 (no headroom %)', () => {
    const history = [1, 2, 3, 3, 4].map((b, i) =>
      toHistoryEntry(report([contract(ID, [metric('eventLoopBlock', 'ms', 0, b)])], {}, at(i))),
    );
    expect(row(computeTrends(history), 'eventLoopBlock')).toMatchObject({ basis: 'measured', drift: true });
  });
});

describe('formatTrend', () => {
  it('prints a table with sparklines, drifting rows first and marked, and a summary', () => {
    const history = durations([8, 10, 12, 14, 16, 18], (i) => (i < 3 ? 2 : 3));
    const text = formatTrend(computeTrends(history));
    expect(text).toMatchInlineSnapshot(`
      "  contract › metric                                               runs  trend   first  latest  change
      ▼ orders.test.ts › lists orders › toStayWithin › duration:median     6  █▇▅▄▂▁    60%     10%  −50 pp  drift: headroom fell about 50 pp over 6 runs (10 pp a run, noise ±0 pp, Mann–Kendall p = 0.001)
      ▼ orders.test.ts › lists orders › toStayWithin › queries             6  ▁▁▁███      2       3      +1  drift: rose from 2 to 3 over 6 runs and never came down

      2 of 2 rows drift steadily toward their budget (1 contract or test) over the last 6 runs. (Headroom rows show % of the limit left; count rows show the measured count.)"
    `);
  });

  it('says when nothing drifts, and when there is nothing to show', () => {
    const text = formatTrend(computeTrends(durations([10, 10, 10, 10])));
    expect(text.split('\n').at(-1)).toBe(
      'No steady drift in 2 rows over the last 4 runs. (Headroom rows show % of the limit left; count rows show the measured count.)',
    );
    expect(text).not.toContain('▼');
    expect(formatTrend([])).toMatch(/^No trends/);
  });

  it('cuts long ids in the middle', () => {
    const long = `${'x'.repeat(100)}.test.ts › t › toStayWithin`;
    const history = [0, 1].map((i) =>
      toHistoryEntry(report([contract(long, [metric('queries', 'count', 3, 1)])], {}, at(i))),
    );
    const line = formatTrend(computeTrends(history), { maxIdWidth: 40 }).split('\n')[1] as string;
    expect(line).toContain('…');
    expect(line).toContain('toStayWithin › queries');
  });
});

describe('sparkline', () => {
  it('scales from the minimum to the maximum', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 3, 3])).toBe('▄▄▄');
    expect(sparkline([])).toBe('');
  });
});
