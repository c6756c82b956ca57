// A realistic headroom report for the report writers' tests (and docs/report.png): contracts with
// a range of headroom, a failing and an inconclusive one, a toScale with growth curves, one with an
// I/O waterfall, a hostile one (script and event-handler markup in its query and test name), five
// runs of history and traced tests.
import {
  type HeadroomReport,
  type HistoryEntry,
  headroomPct,
  metricKey,
  type ReportContract,
  type ReportEvent,
  type ReportMetric,
  summarize,
} from '../../src/report/schema.js';

/** The hostile SQL of the fixture: markup that must render as text. */
export const HOSTILE_QUERY = `SELECT '<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.pwned=1">'`;
/** The hostile test name of the fixture. */
export const HOSTILE_TEST = `renders <img src=x onerror="document.body.dataset.pwned=1"> & "quotes" 'too'`;

/** A metric row; headroom follows from limit and measured, and it passes when measured ≤ limit. */
export function metric(
  name: string,
  unit: ReportMetric['unit'],
  limit: number,
  measured: number,
  extra: Partial<ReportMetric> = {},
): ReportMetric {
  return {
    metric: name,
    unit,
    limit,
    measured,
    headroomPct: headroomPct(limit, measured),
    status: measured <= limit ? 'pass' : 'fail',
    ...extra,
  };
}

function contract(
  file: string,
  test: string,
  matcher: ReportContract['matcher'],
  metrics: ReportMetric[],
  extra: Partial<ReportContract> = {},
): ReportContract {
  return {
    id: `${file} › ${test} › ${matcher}`,
    file,
    test,
    matcher,
    pass: metrics.every((m) => m.status !== 'fail'),
    metrics,
    calls: metrics.some((m) => m.unit === 'ms') ? 25 : 1,
    elapsedMs: 140,
    ...extra,
  };
}

/** The checkout's I/O: a chain of 4 round trips, with parallel stock lookups in the middle. */
function checkoutEvents(): ReportEvent[] {
  const events: ReportEvent[] = [
    { kind: 'query', label: 'SELECT * FROM carts WHERE id = ?', startMs: 0.2, endMs: 1.1, chain: true },
    {
      kind: 'request',
      label: 'GET https://pricing.internal/v2/quote?cart=…',
      startMs: 1.3,
      endMs: 9.8,
      chain: true,
    },
  ];
  for (let i = 0; i < 6; i++) {
    events.push({
      kind: 'request',
      label: `GET https://inventory.internal/stock/sku-${1040 + i}`,
      startMs: 10 + i * 0.15,
      endMs: 14.5 + i * 0.9,
      chain: i === 5,
    });
  }
  events.push(
    {
      kind: 'query',
      label: 'INSERT INTO orders (cart_id, total, currency, created_at) VALUES (?, ?, ?, ?)',
      startMs: 20.2,
      endMs: 22.9,
      chain: true,
    },
    {
      kind: 'request',
      label: 'POST https://payments.internal/charge',
      startMs: 23.1,
      error: 'socket hang up',
    },
    { kind: 'custom', label: 'audit.log', startMs: 23.3, endMs: 23.6 },
  );
  return events;
}

/** The fixture report and its history (5 runs, oldest first); `hostile: false` leaves out the hostile test (for docs). */
export function reportFixture({ hostile = true } = {}): { report: HeadroomReport; history: HistoryEntry[] } {
  const contracts: ReportContract[] = [
    contract('test/orders.test.ts', 'orders > list loads a user’s orders in two queries', 'toStayWithin', [
      metric('queries', 'count', 2, 2),
      metric('repeatedQueries', 'count', 0, 0),
      metric('duration', 'ms', 20, 6.4, {
        part: 'median',
        evidence: '25 calls, 99% CI 6.1–6.9 ms',
        interval: [6.1, 6.9],
      }),
      metric('allocated', 'bytes', 2_000_000, 1_730_000, { evidence: '25 calls' }),
    ]),
    contract('test/orders.test.ts', 'orders > detail has no N+1', 'toStayWithin', [
      metric('queries', 'count', 3, 14),
      metric('repeatedQueries', 'count', 0, 12),
      metric('duration', 'ms', 50, 38.2, { part: 'median', evidence: '25 calls, 99% CI 36.9–39.8 ms' }),
    ]),
    contract('test/search.test.ts', 'search > ranks 10k products without blocking', 'toStayWithin', [
      metric('eventLoopBlock', 'ms', 5, 4.6, { evidence: 'longest block in 25 calls' }),
      {
        ...metric('duration', 'ms', 0.85, 0.84, { part: 'p95' }),
        status: 'inconclusive',
        evidence: '25 calls, 99% CI 0.71–0.97 ms',
      },
    ]),
    contract(
      'test/checkout.test.ts',
      'checkout > answers in 3 round trips when inventory is slow',
      'toStayWithin',
      [
        metric('requests', 'count', 10, 9),
        metric('roundTrips', 'count', 3, 4),
        metric('duration', 'ms', 300, 24.1, { part: 'median' }),
      ],
      { events: checkoutEvents() },
    ),
    contract('test/cache.test.ts', 'cache > does not leak', 'toStayWithin', [
      metric('retained', 'bytes', 64_000, 1_200),
      metric('requests', 'count', 0, 0, { part: 'byHost api.example.com' }),
    ]),
    contract('test/report.test.ts', 'report > builds the CSV faster than the old path', 'toBeFasterThan', [
      {
        ...metric('duration', 'ratio', 1.5, 2.3),
        headroomPct: 34.8,
        status: 'pass',
        limitText: '1.5× faster',
        measuredText: '2.3× faster',
      },
    ]),
    contract(
      'test/catalog.test.ts',
      'catalog > grows linearly with the number of products',
      'toScale',
      [
        {
          ...metric('queries', 'class', 1, 0),
          headroomPct: null,
          status: 'pass',
          limitText: 'constant',
          measuredText: 'constant',
        },
        {
          ...metric('allocated', 'class', 2, 3),
          headroomPct: null,
          status: 'fail',
          limitText: 'linear',
          measuredText: 'quadratic',
        },
      ],
      {
        scale: {
          sizes: [10, 100, 1000, 10000],
          series: [
            {
              metric: 'queries',
              values: [1, 1, 1, 1],
              required: 'constant',
              found: 'constant',
              status: 'pass',
            },
            {
              metric: 'allocated',
              values: [4_200, 310_000, 29_500_000, 2_950_000_000],
              required: 'linear',
              found: 'quadratic',
              status: 'fail',
            },
            {
              metric: 'duration',
              values: [0.09, 0.7, 7.1, 74],
              required: 'linear',
              found: 'linear',
              status: 'pass',
            },
          ],
        },
      },
    ),
    contract(
      'test/<hostile>.test.ts',
      HOSTILE_TEST,
      'toStayWithin',
      [
        metric('queries', 'count', 1, 1),
        metric('duration', 'ms', 10, 9.1, { part: 'median', evidence: `slowest: ${HOSTILE_QUERY}` }),
      ],
      {
        label: '<b>label</b>',
        events: [
          { kind: 'query', label: HOSTILE_QUERY, startMs: 0.1, endMs: 2.4, chain: true },
          {
            kind: 'request',
            label: 'GET https://x.test/?q=<script>alert(1)</script>',
            startMs: 2.6,
            endMs: 5.0,
            chain: true,
          },
        ],
      },
    ),
  ];
  const report: HeadroomReport = {
    schema: 'headroom-report',
    version: 1,
    createdAt: '2026-11-28T18:42:07.512Z',
    environment: {
      node: 'v20.19.5',
      platform: 'linux',
      arch: 'x64',
      cpu: 'AMD EPYC 7B13',
      cores: 8,
      runner: 'vitest 4.1.12',
      commit: 'b98a735c0ffee42d5e1a7b4c9f0e2d8a11223344',
      branch: 'main',
    },
    contracts,
    traces: [
      trace('test/orders.test.ts', 'orders > detail has no N+1', 14, 12, 0, 14, 1.2, 41, [
        { shape: 'SELECT * FROM order_items WHERE order_id = ?', count: 12 },
      ]),
      trace(
        'test/checkout.test.ts',
        'checkout > answers in 3 round trips when inventory is slow',
        2,
        0,
        9,
        4,
        0.8,
        310,
      ),
      trace('test/search.test.ts', 'search > ranks 10k products without blocking', 1, 0, 0, 1, 4.6, 22),
      trace('test/<hostile>.test.ts', HOSTILE_TEST, 1, 0, 0, 1, 0.3, 9, [{ shape: HOSTILE_QUERY, count: 1 }]),
      trace('test/cache.test.ts', 'cache > does not leak', 0, 0, 0, 0, 0.2, 35),
    ],
    summary: { contracts: 0, passed: 0, failed: 0, inconclusive: 0, closeToEdge: 0 },
  };
  if (!hostile) {
    report.contracts = contracts.filter((c) => c.test !== HOSTILE_TEST);
    report.traces = report.traces!.filter((t) => t.test !== HOSTILE_TEST);
  }
  report.summary = summarize(report.contracts);
  return { report, history: historyOf(report, 5) };
}

function trace(
  file: string,
  test: string,
  queries: number,
  repeatedQueries: number,
  requests: number,
  roundTrips: number,
  eventLoopBlockMs: number,
  durationMs: number,
  topQueries?: { shape: string; count: number }[],
) {
  return {
    id: `${file} › ${test}`,
    file,
    test,
    queries,
    repeatedQueries,
    requests,
    roundTrips,
    eventLoopBlockMs,
    durationMs,
    ...(topQueries ? { topQueries } : {}),
  };
}

/** `runs` runs of history ending with this report: measured values drift towards today's. */
function historyOf(report: HeadroomReport, runs: number): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (let run = 0; run < runs; run++) {
    const age = runs - 1 - run;
    const contracts: HistoryEntry['contracts'] = {};
    for (const c of report.contracts) {
      const metrics: HistoryEntry['contracts'][string]['metrics'] = {};
      for (const m of c.metrics) {
        // Older runs measured less (a slow creep), with a wobble.
        const factor = 1 - age * 0.07 + (run % 2 === 0 ? 0.02 : -0.02);
        const measured = m.unit === 'count' || m.unit === 'class' ? m.measured : m.measured * factor;
        const pct = m.headroomPct === null ? null : headroomPct(m.limit, measured);
        metrics[metricKey(m)] = {
          measured,
          limit: m.limit,
          unit: m.unit,
          headroomPct: m.unit === 'ratio' ? m.headroomPct : pct,
          status: age === 0 || m.unit === 'ratio' ? m.status : pct !== null && pct < 0 ? 'fail' : 'pass',
        };
      }
      contracts[c.id] = { pass: Object.values(metrics).every((p) => p.status !== 'fail'), metrics };
    }
    entries.push({
      schema: 'headroom-history',
      version: 1,
      createdAt: new Date(Date.parse(report.createdAt) - age * 86_400_000).toISOString(),
      environment: report.environment,
      contracts,
    });
  }
  return entries;
}
