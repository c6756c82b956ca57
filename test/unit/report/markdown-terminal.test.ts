import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHistory } from '../../../src/report/history.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import {
  type HeadroomReport,
  isCloseToEdge,
  type ReportContract,
  type ReportMetric,
  summarize,
} from '../../../src/report/schema.js';
import { formatPct, formatTable, sortedRows } from '../../../src/report/terminal.js';
import { writeReportFiles } from '../../../src/report/write.js';
import { metric, reportFixture } from '../../support/report-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-md-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `case-${n++}`);

function contract(
  test: string,
  metrics: ReportMetric[],
  extra: Partial<ReportContract> = {},
): ReportContract {
  const file = extra.file ?? 'test/a.test.ts';
  return {
    id: `${file} › ${test} › ${extra.matcher ?? 'toStayWithin'}`,
    file,
    test,
    matcher: 'toStayWithin',
    pass: metrics.every((m) => m.status !== 'fail'),
    metrics,
    calls: 1,
    elapsedMs: 1,
    ...extra,
  };
}

function reportOf(contracts: ReportContract[], traces?: HeadroomReport['traces']): HeadroomReport {
  return {
    schema: 'headroom-report',
    version: 1,
    createdAt: '2026-11-28T18:42:07.512Z',
    environment: { node: 'v20.19.5', platform: 'linux', arch: 'x64', cpu: 'AMD EPYC 7B13', cores: 8 },
    contracts,
    ...(traces ? { traces } : {}),
    summary: summarize(contracts),
  };
}

/** The lines of a section of the terminal table: from its heading to the next blank line. */
function section(text: string, heading: string): string[] | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(heading));
  if (at < 0) return undefined;
  const end = lines.indexOf('', at);
  return lines.slice(at + 1, end < 0 ? undefined : end);
}

describe('sortedRows', () => {
  it('puts failures first, then inconclusive rows, then by headroom ascending, zero limits last', () => {
    const report = reportOf([
      contract('ok', [
        metric('queries', 'count', 2, 2),
        metric('duration', 'ms', 20, 6.4, { part: 'median' }),
      ]),
      contract('n+1', [
        metric('queries', 'count', 3, 14),
        metric('duration', 'ms', 50, 38.2, { part: 'median' }),
      ]),
      contract('undecided', [metric('duration', 'ms', 0.85, 0.84, { part: 'p95', status: 'inconclusive' })]),
      // Through .not: its failing metric is the expected outcome, not a failure.
      contract('not', [metric('requests', 'count', 1, 3)], { isNot: true }),
      contract('none allowed', [metric('requests', 'count', 0, 2)]),
      contract('scale', [metric('allocated', 'class', 2, 1, { headroomPct: null, limitText: 'linear' })], {
        matcher: 'toScale',
      }),
    ]);
    expect(sortedRows(report).map((r) => `${r.contract.test}: ${r.metric.metric}`)).toEqual([
      'n+1: queries', // fail, -367%
      'none allowed: requests', // fail, no headroom %: after the other failure
      'undecided: duration',
      'not: requests', // -200%, but passing through .not
      'ok: queries', // 0%
      'n+1: duration', // 23.6%
      'ok: duration', // 68%
      'scale: allocated', // null
    ]);
  });

  it('orders every row of the fixture report by rank, then headroom, with nulls last within a rank', () => {
    const { report } = reportFixture();
    const rows = sortedRows(report);
    expect(rows).toHaveLength(report.contracts.reduce((sum, c) => sum + c.metrics.length, 0));
    const rank = (r: (typeof rows)[number]) =>
      r.metric.status === 'fail' && !r.contract.isNot ? 0 : r.metric.status === 'inconclusive' ? 1 : 2;
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1] as (typeof rows)[number];
      const b = rows[i] as (typeof rows)[number];
      expect(rank(a)).toBeLessThanOrEqual(rank(b));
      if (rank(a) === rank(b)) {
        expect(a.metric.headroomPct ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(
          b.metric.headroomPct ?? Number.POSITIVE_INFINITY,
        );
      }
    }
    expect(rank(rows[0] as (typeof rows)[number])).toBe(0);
  });
});

describe('formatPct', () => {
  it.each([
    [null, '—'],
    [35, '+35%'],
    [34.8, '+35%'],
    [5.24, '+5.2%'],
    [9.96, '+10%'],
    [0, '0%'],
    [-0.04, '0%'],
    [-12.34, '-12%'],
    [-3.25, '-3.2%'],
    [-366.6, '-367%'],
  ])('%j → %s', (pct, text) => {
    expect(formatPct(pct)).toBe(text);
  });
});

describe('formatTable', () => {
  const { report } = reportFixture();
  const text = formatTable(report);
  const rowCount = report.contracts.reduce((sum, c) => sum + c.metrics.length, 0);

  it('opens with the summary and lists every metric row once, tightest first', () => {
    const s = report.summary;
    expect(text).toContain(
      ` headroom  ${s.contracts} contracts, ${s.passed} passed, ${s.failed} failed, ${s.inconclusive} inconclusive, ${s.closeToEdge} close to the edge`,
    );
    const rows = section(text, '  status') as string[];
    expect(rows).toHaveLength(rowCount);
    expect(rows[0]).toMatch(
      /^ {2}✗ fail +-367% +queries +3 +14 +orders > detail has no N\+1 +test\/orders\.test\.ts$/,
    );
    expect(rows.filter((l) => l.includes('? undecided'))).toHaveLength(1);
    expect(rows.some((l) => l.includes('(toScale)') && l.includes('linear') && l.includes('quadratic'))).toBe(
      true,
    );
    expect(rows.some((l) => l.includes('1.5× faster') && l.includes('(toBeFasterThan)'))).toBe(true);
  });

  it('lists passing ms and bytes rows under 20% headroom as close to the edge, and nothing else', () => {
    const edge = section(text, ' Close to the edge') as string[];
    const expected = sortedRows(report).filter((r) => isCloseToEdge(r.metric));
    expect(expected.length).toBeGreaterThan(0);
    expect(edge).toHaveLength(expected.length);
    expect(edge).toContain(
      '  eventLoopBlock of "search > ranks 10k products without blocking": 4.6 ms of 5 ms (+8%)',
    );
    expect(edge).toContain(
      '  allocated of "orders > list loads a user’s orders in two queries": 1.73 MB of 2 MB (+14%)',
    );
    // A count row with 0% left and a time row with 23.6% left are not on the edge.
    expect(edge.join('\n')).not.toContain('queries of');
    expect(edge.join('\n')).not.toContain('orders > detail');
    // A report with no such row has no section.
    const counts = reportOf([
      contract('tight counts', [metric('queries', 'count', 2, 2)]),
      contract('roomy', [metric('duration', 'ms', 10, 7.9), metric('allocated', 'bytes', 100, 80)]),
      contract('over', [metric('duration', 'ms', 10, 11)]),
    ]);
    expect(formatTable(counts)).not.toContain('Close to the edge');
    expect(formatTable(reportOf([contract('t', [metric('duration', 'ms', 10, 8.1)])]))).toContain(
      'Close to the edge',
    );
  });

  it('lists inconclusive rows with their evidence', () => {
    expect(section(text, ' Inconclusive')).toEqual([
      '  duration (p95) of "search > ranks 10k products without blocking": 840 µs against 850 µs (25 calls, 99% CI 0.71–0.97 ms)',
    ]);
    expect(formatTable(reportOf([contract('t', [metric('queries', 'count', 1, 1)])]))).not.toContain(
      'Inconclusive',
    );
  });

  it('lists the heaviest traced tests, most queries and requests first, then the longest block', () => {
    const heavy = section(text, ' Heaviest tests (5 traced)') as string[];
    expect(heavy).toHaveLength(6); // a header and five tests
    expect(heavy.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 4).join(' '))).toEqual([
      '14 12 0 14',
      '2 0 9 4',
      '1 0 0 1', // search: 4.6 ms block
      '1 0 0 1', // hostile: 0.3 ms block
      '0 0 0 0',
    ]);
    expect(heavy[3]).toContain('4.6 ms');
    expect(heavy[3]).toContain('search > ranks 10k products');
    expect(formatTable(reportOf([]))).not.toContain('Heaviest');
  });

  it('prints at most maxRows rows and counts the rest, and lists the files written', () => {
    const short = formatTable(report, {
      maxRows: 3,
      files: ['out/headroom-report.json', 'out/headroom-report.md'],
    });
    const rows = section(short, '  status') as string[];
    expect(rows).toHaveLength(4);
    expect(rows[3]).toBe(`  … ${rowCount - 3} more rows in the report files`);
    expect(short).toContain(' Report: out/headroom-report.json, out/headroom-report.md');
    expect(text).not.toContain('more rows');
    expect(text).not.toContain(' Report:');
  });

  it('says "1 contract" and prints no table for a report without metrics', () => {
    expect(formatTable(reportOf([contract('t', [metric('queries', 'count', 1, 0)])]))).toContain(
      ' headroom  1 contract, 1 passed\n',
    );
    expect(formatTable(reportOf([]))).not.toContain('status');
  });
});

/** The lines of a Markdown text, split at every CommonMark line ending. */
const mdLines = (md: string) => md.split(/\r\n|\r|\n/);
/** The cells of a table row: `|` not preceded by a backslash. */
const unescapedPipes = (line: string) => (line.match(/(?<!\\)\|/g) ?? []).length;

const HOSTILE = [
  'a | b || c',
  '`code` ``x``',
  '<script>alert(1)</script>',
  'one\ntwo\r\nthree',
  '[x](javascript:alert(1))',
  '**bold** _em_ \\',
  '<img src=x onerror=alert(1)>',
];

function hostileReport(): HeadroomReport {
  const contracts = HOSTILE.map((h, i) =>
    contract(
      `test ${i} ${h}`,
      [
        metric('duration', 'ms', 10, 9, { part: `p${h}`, evidence: `evidence ${h}` }),
        metric('queries', 'count', 1, 2, { limitText: `limit ${h}`, measuredText: `measured ${h}` }),
        metric('cpu', 'ms', 10, 9.9, { status: 'inconclusive', evidence: `evidence ${h}` }),
      ],
      { file: `test/${h}.test.ts`, label: `label ${h}` },
    ),
  );
  const traces = HOSTILE.map((h, i) => ({
    id: `x › ${i}`,
    file: `test/${h}.test.ts`,
    test: `trace ${h}`,
    queries: i,
    repeatedQueries: 0,
    requests: 0,
    roundTrips: 1,
    eventLoopBlockMs: 1,
    durationMs: 2,
  }));
  const report = reportOf(contracts, traces);
  report.environment.runner = '<script>runner</script> | x';
  report.environment.cpu = 'cpu\n# heading';
  return report;
}

describe('renderMarkdown', () => {
  it('renders the fixture with a row per metric, its sections, and no raw markup', () => {
    const { report } = reportFixture();
    const md = renderMarkdown(report);
    const rows = mdLines(md).filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    // Two headers (metrics and heaviest tests), a row per metric, a row per trace.
    const metricRows = report.contracts.reduce((sum, c) => sum + c.metrics.length, 0);
    expect(rows).toHaveLength(2 + metricRows + (report.traces?.length ?? 0));
    expect(md).toContain('### Close to the edge');
    expect(md).toContain('### Inconclusive');
    expect(md).toContain('### Heaviest tests');
    expect(md).not.toMatch(/<script|<img/i);
  });

  it('keeps hostile text in test names, files, labels, parts, values and evidence inside its cell', () => {
    const md = renderMarkdown(hostileReport());
    const lines = mdLines(md);
    const tables = lines.filter((l) => l.startsWith('|'));
    // 7 contracts × 3 metrics + 7 traces, two headers and two delimiter rows.
    expect(tables).toHaveLength(21 + 7 + 4);
    for (const line of tables) expect(unescapedPipes(line)).toBe(8); // 7 columns
    // Every line of the document is a table row, a list item, a heading, a paragraph we wrote,
    // or blank: no hostile line break started a line of its own.
    for (const line of lines) {
      expect(line).toMatch(
        /^(\||- |#|\*\*|<sub>|$|The data could not tell|Passing, with less|\d+ tests traced)/,
      );
    }
    expect(md).not.toMatch(/<script|<img/i);
    // No link, code span, emphasis or HTML can open: each such character is escaped.
    expect(md).not.toMatch(/(?<!\\)\[x(?<!\\)\]\(javascript:/);
    for (const line of tables) expect(line).not.toMatch(/(?<!\\)[`*_[\]]/);
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md).toContain('\\[x\\](javascript:alert(1))');
  });

  // A lone carriage return is a line ending in CommonMark: it must not end the table row.
  it('keeps a test name with a lone carriage return inside its cell', () => {
    const md = renderMarkdown(reportOf([contract('one\rtwo | three', [metric('queries', 'count', 1, 1)])]));
    for (const line of mdLines(md).filter((l) => l.startsWith('|'))) expect(unescapedPipes(line)).toBe(8);
    expect(mdLines(md).filter((l) => l.startsWith('two'))).toEqual([]);
  });

  it('caps the table at maxRows and counts the rest; says so when nothing was judged', () => {
    const { report } = reportFixture();
    const total = report.contracts.reduce((sum, c) => sum + c.metrics.length, 0);
    const md = renderMarkdown(report, { maxRows: 2 });
    const rows = mdLines(md.split('### ')[0] as string).filter(
      (l) => l.startsWith('| ') && !l.startsWith('| ---'),
    );
    expect(rows).toHaveLength(3);
    expect(md).toContain(`… and ${total - 2} more rows in headroom-report.json.`);
    expect(renderMarkdown(report)).not.toContain('more rows');
    expect(renderMarkdown(reportOf([]))).toContain('No performance contracts were judged in this run.');
  });
});

describe('writeReportFiles', () => {
  const saved = process.env.GITHUB_STEP_SUMMARY;
  beforeEach(() => {
    delete process.env.GITHUB_STEP_SUMMARY;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  });

  it('writes the JSON, Markdown and HTML report into the folder and returns their paths', () => {
    const { report } = reportFixture();
    const out = fresh();
    const { files } = writeReportFiles(out, report);
    const paths = ['headroom-report.json', 'headroom-report.md', 'headroom-report.html'].map((f) =>
      join(out, f),
    );
    expect(files).toEqual(paths);
    expect(JSON.parse(readFileSync(paths[0] as string, 'utf8'))).toEqual(report);
    expect(readFileSync(paths[1] as string, 'utf8')).toBe(renderMarkdown(report));
    expect(readFileSync(paths[2] as string, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('appends the run to the history when asked, before the HTML is rendered', () => {
    const { report } = reportFixture();
    const out = fresh();
    const history = join(out, 'history', 'headroom-history.jsonl');
    writeReportFiles(out, report, { history });
    const { files } = writeReportFiles(out, report, {
      history,
      html: false,
      markdown: false,
      jsonName: 'r.json',
    });
    expect(files).toEqual([join(out, 'r.json'), history]);
    expect(readHistory(history)).toHaveLength(2);
    expect(existsSync(join(out, 'headroom-report.json'))).toBe(true);
  });

  it('appends the Markdown to $GITHUB_STEP_SUMMARY when set, unless githubSummary is false', () => {
    const { report } = reportFixture();
    const summary = join(dir, `summary-${n++}.md`);
    writeFileSync(summary, 'earlier step\n');
    process.env.GITHUB_STEP_SUMMARY = summary;
    writeReportFiles(fresh(), report, { html: false });
    expect(readFileSync(summary, 'utf8')).toBe(`earlier step\n${renderMarkdown(report)}\n`);
    writeReportFiles(fresh(), report, { html: false, githubSummary: false });
    expect(readFileSync(summary, 'utf8')).toBe(`earlier step\n${renderMarkdown(report)}\n`);
    // Without a Markdown file, the summary still gets the Markdown.
    const out = fresh();
    writeReportFiles(out, report, { html: false, markdown: false });
    expect(readFileSync(summary, 'utf8')).toBe(
      `earlier step\n${renderMarkdown(report)}\n${renderMarkdown(report)}\n`,
    );
    expect(existsSync(join(out, 'headroom-report.md'))).toBe(false);
  });
});
