import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/html.js';
import { escapeHtml } from '../../../src/report/html-charts.js';
import {
  type HeadroomReport,
  type ReportContract,
  type ReportEvent,
  type ReportMetric,
  summarize,
} from '../../../src/report/schema.js';
import { HOSTILE_QUERY, HOSTILE_TEST, metric, reportFixture } from '../../support/report-fixture.js';

const EVIL = `<script>alert(1)</script><img src=x onerror="alert(2)">&amp;"'</title></svg><style>*{}</style>`;

function contract(
  test: string,
  metrics: ReportMetric[],
  extra: Partial<ReportContract> = {},
): ReportContract {
  return {
    id: `a.test.ts › ${test} › toStayWithin`,
    file: 'a.test.ts',
    test,
    matcher: 'toStayWithin',
    pass: metrics.every((m) => m.status !== 'fail'),
    metrics,
    calls: 1,
    elapsedMs: 3,
    ...extra,
  };
}

function report(contracts: ReportContract[], extra: Partial<HeadroomReport> = {}): HeadroomReport {
  return {
    schema: 'headroom-report',
    version: 1,
    createdAt: '2026-11-28T12:00:00.000Z',
    environment: { node: 'v20.19.5', platform: 'linux', arch: 'x64', cpu: 'Test CPU', cores: 2 },
    contracts,
    summary: summarize(contracts),
    ...extra,
  };
}

/** Every tag of the page (escaped text cannot contain `<`, so each match is real markup). */
function tags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

/** The `<svg data-chart="kind">` elements, whole. */
function charts(html: string, kind: string): string[] {
  return html.match(new RegExp(`<svg class="chart" data-chart="${kind}"[\\s\\S]*?</svg>`, 'g')) ?? [];
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body main header section div h1 h2 h3 p b i small span time dl dt dd table colgroup col thead tbody tr th td code figure figcaption svg g line rect text circle polyline path'.split(
    ' ',
  ),
);

describe('renderHtml', () => {
  it('escapes & < > " \' in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('renders hostile text everywhere as text: no script, no event handler, only its own tags', () => {
    const events: ReportEvent[] = [
      { kind: 'query', label: EVIL, startMs: 0, endMs: 1, chain: true, error: EVIL },
      { kind: 'request', label: `GET https://x/${EVIL}`, startMs: 1 },
    ];
    const hostile = contract(
      EVIL,
      [
        metric('queries', 'count', 1, 2, { part: EVIL, evidence: EVIL }),
        metric('duration', 'ms', 10, 5, { limitText: EVIL, measuredText: EVIL, evidence: EVIL }),
      ],
      {
        file: `src/${EVIL}.test.ts`,
        label: EVIL,
        events,
        scale: {
          sizes: [1, 10, 100],
          series: [{ metric: EVIL, values: [1, 2, 3], required: EVIL, found: EVIL, status: 'fail' }],
        },
      },
    );
    const r = report([hostile], {
      createdAt: EVIL,
      environment: {
        node: EVIL,
        platform: EVIL,
        arch: EVIL,
        cpu: EVIL,
        cores: 1,
        runner: EVIL,
        commit: EVIL,
        branch: EVIL,
      },
      traces: [
        {
          id: EVIL,
          file: EVIL,
          test: EVIL,
          queries: 1,
          repeatedQueries: 0,
          requests: 0,
          roundTrips: 1,
          eventLoopBlockMs: 0,
          durationMs: 1,
          topQueries: [{ shape: EVIL, count: 1 }],
        },
      ],
    });
    const history = [
      {
        schema: 'headroom-history' as const,
        version: 1 as const,
        createdAt: EVIL,
        environment: r.environment,
        contracts: {
          [hostile.id]: {
            pass: false,
            metrics: {
              duration: {
                measured: 5,
                limit: 10,
                unit: 'ms' as const,
                headroomPct: 50,
                status: 'pass' as const,
              },
            },
          },
        },
      },
    ];
    const html = renderHtml(r, history);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<style/g)).toHaveLength(1);
    for (const tag of tags(html)) {
      const name = /^<([a-zA-Z0-9]+)/.exec(tag)![1]!;
      expect(ALLOWED_TAGS, tag).toContain(name);
      // Attribute values are escaped (no raw quote inside), so what is left outside quotes is names.
      const names = tag.replace(/"[^"]*"/g, '""');
      expect(names, 'no event-handler attribute').not.toMatch(/\son[a-z]+=/i);
    }
    // The hostile text is there, escaped, in the table, the charts' labels and their <title>s.
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;',
    );
    expect(html).toContain('&amp;amp;');
    for (const kind of ['headroom', 'waterfall', 'scale']) {
      expect(charts(html, kind)[0], kind).toContain('&lt;script&gt;');
    }
  });

  it('keeps the fixture’s hostile query and test name as text, and forbids scripts by CSP', () => {
    const { report: r, history } = reportFixture();
    const html = renderHtml(r, history);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain(escapeHtml(HOSTILE_QUERY));
    expect(html).toContain(escapeHtml(HOSTILE_TEST));
    expect(html).not.toMatch(/(src|href)="?https?:/i);
  });

  it('draws a headroom bar per metric row, tightest first, colours by status', () => {
    const r = report([
      contract('roomy', [metric('duration', 'ms', 100, 10)]),
      contract('over', [metric('queries', 'count', 2, 5)]),
      contract('tight', [metric('allocated', 'bytes', 2_000_000, 1_900_000)]),
      contract('none allowed', [metric('requests', 'count', 0, 0)]),
    ]);
    const html = renderHtml(r);
    const [chart] = charts(html, 'headroom');
    const labels = [...chart!.matchAll(/<text x="0" y="\d+" class="label">([^<]*)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(labels).toEqual([
      'over · queries',
      'none allowed · requests',
      'tight · allocated',
      'roomy · duration',
    ]);
    expect(chart).toContain('>-150%<');
    expect(chart).toContain('>limit 0<');
    expect(chart).toContain('fill="#cf222e"'); // over budget: red
    expect(chart).toContain('fill="#bf8700"'); // 5% left on bytes: amber
    expect(chart).toContain('fill="#1a7f37"'); // roomy: green
    // The table formats budgets by unit.
    expect(html).toContain('>2 MB<');
    expect(html).toContain('>100 ms<');
    expect(renderHtml(report([contract('µ', [metric('duration', 'ms', 0.85, 0.5)])]))).toContain('>850 µs<');
  });

  it('renders an empty report as a page that says so', () => {
    const html = renderHtml(report([]));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('No performance contracts were recorded in this run.');
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('<table');
    expect(html).toMatch(/<b>0<\/b><span>contracts<\/span>/);
  });

  it('draws one growth chart per toScale series, on a log axis when sizes span more than 10×', () => {
    const { report: r } = reportFixture();
    const html = renderHtml(r);
    const scale = charts(html, 'scale');
    expect(scale).toHaveLength(3);
    expect(scale.every((c) => c.includes('input size (log)') && c.includes('<polyline'))).toBe(true);
    expect(html).toMatch(
      /<b>allocated<\/b>: required linear, found <span class="found fail">quadratic<\/span>/,
    );
    const narrow = report([
      contract('narrow', [metric('queries', 'class', 2, 2)], {
        scale: {
          sizes: [100, 200, 400],
          series: [
            { metric: 'queries', values: [3, 3, 3], required: 'linear', found: 'constant', status: 'pass' },
          ],
        },
      }),
    ]);
    const [linear] = charts(renderHtml(narrow), 'scale');
    expect(linear).toContain('>input size<');
    expect(linear!.match(/<circle/g)).toHaveLength(3);
  });

  it('draws a waterfall per contract with events, chain highlighted, at most 200 bars, labels cut with the full text in <title>', () => {
    const long = `SELECT ${'a, '.repeat(40)}b FROM t`;
    const events: ReportEvent[] = Array.from({ length: 250 }, (_, i) => ({
      kind: i % 2 ? 'request' : 'query',
      label: i === 0 ? long : `q${i}`,
      startMs: i,
      endMs: i + 2,
      chain: i < 3,
    }));
    const html = renderHtml(report([contract('io', [metric('queries', 'count', 300, 250)], { events })]));
    const [chart] = charts(html, 'waterfall');
    expect(chart!.match(/<rect/g)).toHaveLength(200);
    expect(chart).toContain(`<title>query (chain): ${long}`);
    expect(chart).toContain(`${long.slice(0, 55)}…</text>`);
    expect(chart!.match(/fill="#0969da"/g)).toHaveLength(2); // chain queries (0, 2)
    expect(chart!.match(/fill="#8250df"/g)).toHaveLength(1); // chain request (1)
    const { report: r } = reportFixture();
    expect(charts(renderHtml(r), 'waterfall')).toHaveLength(2);
  });

  it('draws headroom sparklines over the history runs, and no history section without history', () => {
    const { report: r, history } = reportFixture();
    const html = renderHtml(r, history);
    expect(html).toContain('<section id="history">');
    const lines = charts(html, 'history');
    // Every row with a numeric headroom (limit-0 counts and growth classes have none).
    const numeric = r.contracts.flatMap((c) => c.metrics).filter((m) => m.headroomPct !== null);
    expect(lines).toHaveLength(numeric.length);
    expect(lines.every((l) => l.match(/<circle/g)?.length === 5)).toBe(true);
    expect(renderHtml(r)).not.toContain('id="history"');
  });

  it('lists the heaviest traced tests by queries + requests, then event-loop blocking', () => {
    const { report: r } = reportFixture();
    const html = renderHtml(r);
    const section = html.slice(html.indexOf('<section id="traces">'));
    const order = [...section.matchAll(/<tr><td class="test">([^<]*)</g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual([
      'orders &gt; detail has no N+1',
      'checkout &gt; answers in 3 round trips when inventory is slow',
      'search &gt; ranks 10k products without blocking',
    ]);
  });

  it('keeps a 2,000-contract report to a few MB, charting the 60 tightest rows', () => {
    const events: ReportEvent[] = Array.from({ length: 200 }, (_, i) => ({
      kind: 'query',
      label: `SELECT * FROM t WHERE id = ? -- ${i}`,
      startMs: i,
      endMs: i + 1,
    }));
    const contracts = Array.from({ length: 2000 }, (_, i) =>
      contract(
        `suite ${i % 40} > test ${i}`,
        [
          metric('queries', 'count', 5, i % 7),
          metric('duration', 'ms', 20, (i % 23) + 0.5, { part: 'median', evidence: '25 calls, 99% CI' }),
        ],
        { events },
      ),
    );
    const started = performance.now();
    const html = renderHtml(report(contracts));
    const elapsed = performance.now() - started;
    expect(Buffer.byteLength(html)).toBeLessThan(5_000_000);
    expect(charts(html, 'headroom')[0]!.match(/<rect/g)).toHaveLength(60);
    expect(charts(html, 'waterfall')).toHaveLength(20);
    expect(html.match(/<tr class=/g)).toHaveLength(4000);
    expect(elapsed).toBeLessThan(5000);
  });
});
