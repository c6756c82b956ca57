/** Small reports for the history, trend, merge, Bencher and CLI tests. */
import type {
  HeadroomReport,
  ReportContract,
  ReportMetric,
  ReportTestTrace,
} from '../../../src/report/schema.js';
import { summarize } from '../../../src/report/schema.js';
import { metric } from '../../support/report-fixture.js';

export { metric };

export const ENV = { node: 'v20.20.2', platform: 'linux', arch: 'x64', cpu: 'Test CPU', cores: 4 };

export function contract(
  id: string,
  metrics: ReportMetric[],
  extra: Partial<ReportContract> = {},
): ReportContract {
  const [file = 'a.test.ts', test = 'test'] = id.split(' › ');
  return {
    id,
    file,
    test,
    matcher: 'toStayWithin',
    pass: metrics.every((m) => m.status !== 'fail'),
    metrics,
    calls: 1,
    elapsedMs: 5,
    ...extra,
  };
}

export function trace(id: string, counts: Partial<ReportTestTrace> = {}): ReportTestTrace {
  const [file = 'a.test.ts', test = 'test'] = id.split(' › ');
  return {
    id,
    file,
    test,
    queries: 1,
    repeatedQueries: 0,
    requests: 0,
    roundTrips: 1,
    eventLoopBlockMs: 0.5,
    durationMs: 3,
    ...counts,
  };
}

export function report(
  contracts: ReportContract[],
  extra: Partial<HeadroomReport> = {},
  createdAt = '2026-11-28T10:00:00.000Z',
): HeadroomReport {
  return {
    schema: 'headroom-report',
    version: 1,
    createdAt,
    environment: ENV,
    contracts,
    summary: summarize(contracts),
    ...extra,
  };
}

/** The i-th run's time: one hour apart. */
export function at(i: number): string {
  return new Date(Date.UTC(2026, 10, 1) + i * 3_600_000).toISOString();
}

/** A seeded pseudo-random number in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
